#include "xmpp_net.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "err.h"

int64_t xmpp_net_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int xmpp_net_wait(int fd, short events, int64_t deadline_ms)
{
	struct pollfd p = {.fd = fd, .events = events};
	int64_t left;
	int n;

	for (;;) {
		left = deadline_ms - xmpp_net_now_ms();
		if (left <= 0)
			return XE2E_E_TIMEOUT;
		n = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (n > 0)
			return XE2E_OK;
		if (n < 0 && errno != EINTR) {
			err_detail_set("poll: %s", strerror(errno));
			return XE2E_E_IO;
		}
	}
}

static int set_nonblocking(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	return flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ? -1 : 0;
}

/* One address: a non-blocking connect, then wait for it to finish. */
static int connect_one(const struct addrinfo *ai, int64_t deadline, int *fd, int *why)
{
	int s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol), err;
	socklen_t len = sizeof(*why);

	*why = 0;
	if (s < 0 || set_nonblocking(s) < 0) {
		*why = errno;
		if (s >= 0)
			close(s);
		return XE2E_E_IO;
	}
	if (connect(s, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
		*why = errno;
		close(s);
		return XE2E_E_IO;
	}
	err = xmpp_net_wait(s, POLLOUT, deadline);
	if (!err && getsockopt(s, SOL_SOCKET, SO_ERROR, why, &len) < 0)
		*why = errno;
	if (err || *why) {
		close(s);
		return err ? err : XE2E_E_IO;
	}
	*fd = s;
	return XE2E_OK;
}

int xmpp_net_connect(const char *host, const char *port, int timeout_ms, int *fd)
{
	struct addrinfo hints, *list = NULL;
	int64_t deadline = xmpp_net_now_ms() + timeout_ms;
	int rc, err = XE2E_E_IO, why = 0;

	*fd = -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, port, &hints, &list);
	if (rc) {
		err_detail_set("cannot resolve %s: %s", host, gai_strerror(rc));
		return XE2E_E_NOTFOUND;
	}
	for (const struct addrinfo *ai = list; ai && err; ai = ai->ai_next) {
		err = connect_one(ai, deadline, fd, &why);
		if (err == XE2E_E_TIMEOUT)
			break;
	}
	freeaddrinfo(list);
	if (err == XE2E_E_TIMEOUT)
		err_detail_set("no answer from %s port %s within %d ms", host, port, timeout_ms);
	else if (err)
		err_detail_set("cannot connect to %s port %s: %s", host, port,
			       why ? strerror(why) : "no address");
	return err;
}

int xmpp_net_read(int fd, uint8_t *out, size_t size, size_t *got)
{
	ssize_t n;

	*got = 0;
	do
		n = read(fd, out, size);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		*got = (size_t)n;
		return XE2E_OK;
	}
	if (n == 0)
		return XE2E_E_EOF;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return XE2E_OK;
	err_detail_set("read: %s", strerror(errno));
	return XE2E_E_IO;
}

int xmpp_net_write(int fd, const void *data, size_t n, int64_t deadline_ms)
{
	const uint8_t *p = data;
	ssize_t w;
	int err;

	while (n > 0) {
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			err_detail_set("send: %s", strerror(errno));
			return XE2E_E_IO;
		}
		err = xmpp_net_wait(fd, POLLOUT, deadline_ms);
		if (err) {
			if (err == XE2E_E_TIMEOUT)
				err_detail_set("the server did not take our data in time");
			return err;
		}
	}
	return XE2E_OK;
}
