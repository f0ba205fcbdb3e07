/*
 * The XMPP framer (xmpp_frame.h), fed network input in pieces. The first
 * input byte picks the piece size (1 to 64 bytes, or all at once) and
 * whether a <stream:stream> is required; the rest is the byte stream.
 *
 * The framer promises the trees xml_reader_next() would give for the same
 * input, so it is checked against the reader over a file descriptor: the
 * same stanzas, serialized, in the same order, as far as both got; and
 * when one of them reads the whole input to a clean end, so does the
 * other. Each stanza also round-trips (fuzz_xml_round_trip). Errors are
 * final.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "xmpp_frame.h"

#define FZ_XF_MAX 64

struct fz_xf_out {
	struct buf text[FZ_XF_MAX]; /* serialized stanzas */
	int n;
	int end; /* XE2E_E_EOF, an error, or XE2E_OK when stopped early */
};

static void fz_xf_take(struct fz_xf_out *o, struct xml_node *st)
{
	if (o->n < FZ_XF_MAX) {
		o->text[o->n] = (struct buf)BUF_INIT;
		FUZZ_CHECK(xml_serialize(st, &o->text[o->n]) == XE2E_OK);
		o->n++;
	}
	fuzz_xml_round_trip(st);
	xml_free(st);
}

static void fz_xf_free(struct fz_xf_out *o)
{
	for (int i = 0; i < o->n; i++)
		buf_free(&o->text[i]);
}

/* Drains every complete stanza; returns the framer's status. */
static int fz_xf_drain(struct xmpp_frame *f, struct fz_xf_out *o)
{
	struct xml_node *st = NULL;
	int err;

	while ((err = xmpp_frame_next(f, &st)) == XE2E_OK && st) {
		fz_xf_take(o, st);
		st = NULL;
		if (o->n >= FZ_XF_MAX)
			return XE2E_OK;
	}
	FUZZ_CHECK(st == NULL);
	return err;
}

static void fz_xf_framer(const uint8_t *data, size_t size, size_t piece, int need_stream,
			 struct fz_xf_out *o)
{
	struct xmpp_frame *f = NULL;
	struct xml_node *st = NULL;
	size_t off = 0;
	int err = xmpp_frame_new(&f, NULL, need_stream);

	FUZZ_CHECK(err == XE2E_OK);
	o->end = XE2E_OK;
	while (!err && off < size && o->n < FZ_XF_MAX) {
		size_t n = size - off < piece ? size - off : piece;

		err = xmpp_frame_feed(f, data + off, n);
		off += n;
		if (!err)
			err = fz_xf_drain(f, o);
	}
	if (!err && o->n < FZ_XF_MAX) {
		xmpp_frame_finish(f);
		err = fz_xf_drain(f, o);
	}
	o->end = err;
	if (err && err != XE2E_E_EOF)
		FUZZ_CHECK(xmpp_frame_next(f, &st) == err && st == NULL);
	xmpp_frame_free(f);
}

static void fz_xf_reader(const uint8_t *data, size_t size, struct fz_xf_out *o)
{
	struct xml_reader *r = NULL;
	struct xml_node *st = NULL;
	int fd = memfd_create("fuzz", MFD_CLOEXEC), err = XE2E_E_IO;

	o->end = XE2E_OK;
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size) || lseek(fd, 0, SEEK_SET))
		goto done;
	err = xml_reader_new(&r, fd, XML_READ_BUFFERED, NULL);
	while (!err && o->n < FZ_XF_MAX) {
		err = xml_reader_next(r, &st);
		if (!err) {
			fz_xf_take(o, st);
			st = NULL;
		}
	}
	o->end = err;
done:
	xml_reader_free(r);
	if (fd >= 0)
		close(fd);
}

int fuzz_xmpp_frame(const uint8_t *data, size_t size)
{
	struct fz_xf_out *f = calloc(1, sizeof(*f)), *r = calloc(1, sizeof(*r));
	size_t piece;
	int need_stream, n;

	if (size < 1 || !f || !r)
		goto done;
	piece = (data[0] & 0x3f) + 1;
	if (data[0] & 0x40)
		piece = size;
	need_stream = data[0] >> 7;
	fz_xf_framer(data + 1, size - 1, piece, need_stream, f);
	if (need_stream)
		goto done;
	fz_xf_reader(data + 1, size - 1, r);
	n = f->n < r->n ? f->n : r->n;
	for (int i = 0; i < n; i++)
		FUZZ_CHECK(f->text[i].len == r->text[i].len &&
			   memcmp(f->text[i].data, r->text[i].data, f->text[i].len) == 0);
	if ((f->end == XE2E_E_EOF || r->end == XE2E_E_EOF) && f->n < FZ_XF_MAX && r->n < FZ_XF_MAX)
		FUZZ_CHECK(f->end == r->end && f->n == r->n);
done:
	if (f)
		fz_xf_free(f);
	if (r)
		fz_xf_free(r);
	free(f);
	free(r);
	return 0;
}
