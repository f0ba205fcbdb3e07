/*
 * Stanza streams (xml.h, xml_reader): the input is read from a file
 * descriptor as a program's stdin would be. The first byte picks the mode
 * (buffered or exact) and the limits (the defaults or small ones). Every
 * stanza must round-trip as in fuzz_xml; errors are final (the next call
 * gives the same); in exact mode the reader must never have read past the
 * '>' that ends the stanza it returns, so the next program on the same
 * pipe gets the rest. Read in the other mode too (one byte per read
 * against large chunks), the input gives the same stanzas and the same
 * end, unless a bound was reached, which the two modes notice at
 * different bytes.
 */
#include "fuzz.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "xml.h"

#define FZ_XML_READER_STANZAS 256

static int fz_xml_reader_fd(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);
	size_t off = 0;

	if (fd < 0)
		return -1;
	while (off < size) {
		ssize_t n = write(fd, data + off, size - off);

		if (n <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void fz_xml_reader_run(struct xml_reader *r, int fd, int exact, const uint8_t *data)
{
	struct xml_node *st = NULL;
	int err = XE2E_OK, again;

	for (int i = 0; i < FZ_XML_READER_STANZAS; i++) {
		err = xml_reader_next(r, &st);
		FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_EOF || err == XE2E_E_MALFORMED ||
			   err == XE2E_E_XML || err == XE2E_E_LIMIT);
		if (err != XE2E_OK) {
			FUZZ_CHECK(st == NULL);
			break;
		}
		if (exact) {
			off_t pos = lseek(fd, 0, SEEK_CUR);

			FUZZ_CHECK(pos > 0 && data[pos - 1] == '>');
		}
		FUZZ_CHECK(st && st->type == XML_ELEMENT && st->parent == NULL);
		fuzz_xml_round_trip(st);
		xml_free(st);
		st = NULL;
	}
	if (err != XE2E_OK) {
		again = xml_reader_next(r, &st);
		FUZZ_CHECK(again == err && st == NULL);
	}
	xml_free(st);
}

/* Every stanza of the input in one mode, serialized one after another, and
 * the code that ended it (XE2E_E_LIMIT also when serializing failed). */
static int fz_xml_reader_all(int fd, enum xml_reader_mode mode, const struct xml_limits *lim,
			     struct buf *out)
{
	struct xml_reader *r = NULL;
	struct xml_node *st = NULL;
	int err = xml_reader_new(&r, fd, mode, lim);

	for (int i = 0; i < FZ_XML_READER_STANZAS && !err; i++) {
		err = xml_reader_next(r, &st);
		if (!err && (xml_serialize(st, out) || buf_append_byte(out, '\n')))
			err = XE2E_E_LIMIT;
		xml_free(st);
		st = NULL;
	}
	xml_reader_free(r);
	return err;
}

/* The two modes agree on what the input holds. */
static void fz_xml_reader_modes_agree(const uint8_t *data, size_t size,
				      const struct xml_limits *lim)
{
	struct buf got[2] = {BUF_INIT, BUF_INIT};
	int end[2] = {XE2E_E_LIMIT, XE2E_E_LIMIT}, fd;

	for (int m = 0; m < 2; m++) {
		fd = fz_xml_reader_fd(data, size);
		if (fd < 0)
			break;
		end[m] = fz_xml_reader_all(fd, m ? XML_READ_EXACT : XML_READ_BUFFERED, lim,
					   &got[m]);
		close(fd);
	}
	if (end[0] != XE2E_E_LIMIT && end[1] != XE2E_E_LIMIT) {
		FUZZ_CHECK(end[0] == end[1]);
		FUZZ_CHECK(got[0].len == got[1].len &&
			   (!got[0].len || !memcmp(got[0].data, got[1].data, got[0].len)));
	}
	buf_free(&got[0]);
	buf_free(&got[1]);
}

int fuzz_xml_reader(const uint8_t *data, size_t size)
{
	struct xml_limits small = {256, 4, 4}, limits = xml_limits_default();
	struct xml_reader *r = NULL;
	int exact, fd, err;

	if (size < 1)
		return 0;
	exact = data[0] & 1;
	if (data[0] & 2)
		limits = small;
	fd = fz_xml_reader_fd(data + 1, size - 1);
	if (fd < 0)
		return 0;
	err = xml_reader_new(&r, fd, exact ? XML_READ_EXACT : XML_READ_BUFFERED, &limits);
	FUZZ_CHECK(err == XE2E_OK);
	if (err == XE2E_OK)
		fz_xml_reader_run(r, fd, exact, data + 1);
	xml_reader_free(r);
	close(fd);
	fz_xml_reader_modes_agree(data + 1, size - 1, &limits);
	return 0;
}
