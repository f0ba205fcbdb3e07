/*
 * Exact reading (XML_READ_EXACT): the reader never takes a byte off its fd
 * past the end of the stanza it hands over, so that another program can
 * read the rest of the same input (xe2e-handshake, then xe2e-seal, on one
 * stdin). Reading one byte per read(2) does that for any fd, at a system
 * call per byte. Where the kernel lets a program look at input without
 * consuming it, the reader reads blocks instead and then takes off exactly
 * what it handed over:
 *
 *   - a file that can seek: pread(2) at the offset the reader has reached,
 *     then lseek(2) to the end of the stanza handed over;
 *   - a pipe: tee(2) copies what the pipe holds into a pipe of the
 *     reader's own, without consuming it, and the reader reads the copy;
 *     read(2) then takes the stanza's bytes off the real pipe;
 *   - a socket: recv(2) with MSG_PEEK, then read(2) as for a pipe.
 *
 * Anything else (a terminal) is read a byte at a time. In every case the
 * reader consumes, before it waits for more input, all it has taken so far
 * (nothing of it has been handed over, so nothing of it belongs to the next
 * reader), and after a stanza exactly up to its end: a block it looked at
 * is then never taken twice.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "util.h"
#include "xml_reader_priv.h"

void xml_exact_setup(struct xml_reader *r)
{
	struct stat st;
	off_t at;

	r->how = XML_EXACT_BYTE;
	r->tee[0] = r->tee[1] = -1;
	if (fstat(r->fd, &st) != 0)
		return;
	if (S_ISREG(st.st_mode) && (at = lseek(r->fd, 0, SEEK_CUR)) >= 0) {
		r->how = XML_EXACT_PREAD;
		r->base = (long long)at;
	} else if (S_ISFIFO(st.st_mode)) {
		r->how = pipe2(r->tee, O_CLOEXEC) == 0 ? XML_EXACT_TEE : XML_EXACT_BYTE;
	} else if (S_ISSOCK(st.st_mode)) {
		r->how = XML_EXACT_PEEK;
	}
}

void xml_exact_free(struct xml_reader *r)
{
	for (int i = 0; i < 2; i++) {
		if (r->tee[i] >= 0)
			close(r->tee[i]);
		r->tee[i] = -1;
	}
}

/* Reads exactly n bytes the reader knows are there (what tee(2) copied,
 * or what it looked at before). */
static int read_known(int fd, char *buf, size_t n)
{
	ssize_t got;

	while (n > 0) {
		got = read(fd, buf, n);
		if (got < 0 && xml_read_again(fd))
			continue;
		if (got <= 0)
			return -1;
		buf += got;
		n -= (size_t)got;
	}
	return 0;
}

/* Up to want bytes from where the reader is, without consuming them
 * (but for XML_EXACT_BYTE); 0 at the end of input. */
static ssize_t look(struct xml_reader *r, char *buf, size_t want)
{
	ssize_t got;

	switch (r->how) {
	case XML_EXACT_PREAD:
		return pread(r->fd, buf, want, (off_t)(r->base + r->taken));
	case XML_EXACT_PEEK:
		return recv(r->fd, buf, want, MSG_PEEK);
	case XML_EXACT_TEE:
		got = tee(r->fd, r->tee[1], want, 0);
		if (got > 0 && read_known(r->tee[0], buf, (size_t)got) != 0)
			return -1;
		return got;
	default:
		return read(r->fd, buf, 1);
	}
}

int xml_exact_read(struct xml_reader *r, char *buf, size_t want, size_t *n)
{
	ssize_t got;

	for (;;) {
		got = look(r, buf, want);
		if (got >= 0)
			break;
		if (xml_read_again(r->fd))
			continue;
		if (errno == EINVAL && r->how == XML_EXACT_TEE && r->taken == r->consumed) {
			xml_exact_free(r); /* not a pipe tee(2) takes: one byte at a time */
			r->how = XML_EXACT_BYTE;
			continue;
		}
		return xml_build_fail(r, XE2E_E_IO, 1, "read: %s", strerror(errno));
	}
	*n = (size_t)got;
	r->taken += got;
	if (r->how == XML_EXACT_BYTE)
		r->consumed = r->taken;
	return XE2E_OK;
}

int xml_exact_consume(struct xml_reader *r, long long upto)
{
	char scratch[4096];
	size_t n;
	int err = XE2E_OK;

	if (upto <= r->consumed)
		return XE2E_OK;
	if (r->how == XML_EXACT_PREAD) {
		if (lseek(r->fd, (off_t)(r->base + upto), SEEK_SET) < 0)
			err = xml_build_fail(r, XE2E_E_IO, 1, "lseek: %s", strerror(errno));
	} else {
		while (!err && r->consumed < upto) {
			n = upto - r->consumed < (long long)sizeof(scratch)
				    ? (size_t)(upto - r->consumed) : sizeof(scratch);
			if (read_known(r->fd, scratch, n) != 0)
				err = xml_build_fail(r, XE2E_E_IO, 1, "read: %s", strerror(errno));
			else
				r->consumed += (long long)n;
		}
		wipe(scratch, sizeof(scratch));
	}
	if (!err)
		r->consumed = upto;
	return err;
}
