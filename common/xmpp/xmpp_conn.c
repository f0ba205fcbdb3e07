#include "xmpp_conn.h"

#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "util.h"
#include "xmpp_net.h"

#define READ_CHUNK 16384
#define FILL_MAX (4 * READ_CHUNK) /* per call, so stdin gets its turn */

void xmpp_conn_init(struct xmpp_conn *c, int timeout_ms)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->limits = xml_limits_default();
	c->timeout_ms = timeout_ms;
}

int xmpp_conn_open(struct xmpp_conn *c, const char *host, const char *port)
{
	int err = xmpp_net_connect(host, port, c->timeout_ms, &c->fd);

	if (!err)
		err = xmpp_frame_new(&c->frame, &c->limits, 1);
	return err;
}

int xmpp_conn_restart(struct xmpp_conn *c)
{
	size_t left = xmpp_frame_buffered(c->frame);

	if (left) {
		err_detail_set("the server sent %zu bytes before the stream restart (injected?)",
			       left);
		return XE2E_E_MALFORMED;
	}
	xmpp_frame_free(c->frame);
	c->frame = NULL;
	return xmpp_frame_new(&c->frame, &c->limits, 1);
}

int xmpp_conn_start_tls(struct xmpp_conn *c, const struct xmpp_tls_options *opts,
			const char *domain, uint32_t *verify_flags)
{
	int err = xmpp_tls_new(&c->tls, opts, domain);

	if (!err)
		err = xmpp_tls_handshake(c->tls, c->fd, c->timeout_ms, verify_flags);
	return err;
}

int xmpp_conn_write(struct xmpp_conn *c, const void *data, size_t n)
{
	if (c->tls)
		return xmpp_tls_write(c->tls, data, n, c->timeout_ms);
	return xmpp_net_write(c->fd, data, n, xmpp_net_now_ms() + c->timeout_ms);
}

int xmpp_conn_send(struct xmpp_conn *c, const struct xml_node *stanza)
{
	struct buf out = BUF_INIT;
	int err = xml_serialize(stanza, &out);

	if (!err)
		err = xmpp_conn_write(c, out.data, out.len);
	buf_free(&out);
	return err;
}

int xmpp_conn_has_pending(const struct xmpp_conn *c)
{
	return c->tls && xmpp_tls_pending(c->tls) > 0;
}

static int read_some(struct xmpp_conn *c, uint8_t *chunk, size_t *got)
{
	if (c->tls)
		return xmpp_tls_read(c->tls, chunk, READ_CHUNK, got);
	return xmpp_net_read(c->fd, chunk, READ_CHUNK, got);
}

int xmpp_conn_fill(struct xmpp_conn *c)
{
	uint8_t chunk[READ_CHUNK];
	size_t got = 0, total = 0;
	int err = XE2E_OK;

	while (!c->eof && total < FILL_MAX) {
		err = read_some(c, chunk, &got);
		if (err == XE2E_E_EOF) {
			c->eof = 1;
			xmpp_frame_finish(c->frame);
			err = XE2E_OK;
			break;
		}
		if (err || got == 0)
			break;
		err = xmpp_frame_feed(c->frame, chunk, got);
		if (err)
			break;
		total += got;
	}
	wipe(chunk, sizeof(chunk));
	return err;
}

int xmpp_conn_take(struct xmpp_conn *c, struct xml_node **stanza)
{
	int err = xmpp_frame_next(c->frame, stanza);

	if (err == XE2E_E_EOF && !c->eof)
		err_detail_set("the server closed its stream");
	else if (err == XE2E_E_EOF)
		err_detail_set("the server closed the connection");
	return err;
}

int xmpp_conn_next(struct xmpp_conn *c, struct xml_node **stanza, int64_t deadline_ms)
{
	int err;

	for (;;) {
		err = xmpp_conn_take(c, stanza);
		if (err || *stanza)
			return err;
		if (!xmpp_conn_has_pending(c)) {
			err = xmpp_net_wait(c->fd, POLLIN, deadline_ms);
			if (err == XE2E_E_TIMEOUT)
				err_detail_set("no answer from the server within %d ms",
					       c->timeout_ms);
			if (err)
				return err;
		}
		err = xmpp_conn_fill(c);
		if (err)
			return err;
	}
}

int xmpp_conn_hold(struct xmpp_conn *c, struct xml_node *stanza)
{
	if (c->n_held == XMPP_HELD_MAX) {
		xml_free(stanza);
		err_detail_set("more than %d stanzas arrived before the session was ready",
			       XMPP_HELD_MAX);
		return XE2E_E_LIMIT;
	}
	c->held[c->n_held++] = stanza;
	return XE2E_OK;
}

struct xml_node *xmpp_conn_unhold(struct xmpp_conn *c)
{
	struct xml_node *first;

	if (c->n_held == 0)
		return NULL;
	first = c->held[0];
	memmove(c->held, c->held + 1, (c->n_held - 1) * sizeof(c->held[0]));
	c->n_held--;
	return first;
}

void xmpp_conn_close(struct xmpp_conn *c)
{
	while (c->n_held)
		xml_free(xmpp_conn_unhold(c));
	if (c->tls && !c->eof)
		xmpp_tls_close(c->tls);
	xmpp_tls_free(c->tls);
	c->tls = NULL;
	xmpp_frame_free(c->frame);
	c->frame = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}
