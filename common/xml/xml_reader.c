/*
 * The stanza reader: input from a file descriptor or memory, the prolog
 * (an optional XML declaration, then white space), and the end of input.
 *
 * Bare input is not one XML document, so once the first element starts the
 * reader gives expat a synthetic root, <r xmlns='jabber:client'>, and reads
 * every top-level element as its child; a <stream:stream> wrapper is then a
 * child of that root and its children are the stanzas. At the end of input
 * the reader closes what it opened, so markup cut short is an error.
 * Markup before the first element (DOCTYPE, comments, processing
 * instructions) goes to expat without the root, where its handlers refuse
 * it. After the prolog, input reaches expat through the gate (xml_gate.c),
 * which holds a token back until it has ended.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "util.h"
#include "xml_reader_priv.h"

#define XML_READ_CHUNK 4096

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* --- input --- */

/* Waits until fd has input, end of input or an error. -1 when poll(2)
 * itself fails. */
static int wait_readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	while (poll(&p, 1, -1) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

int xml_read_again(int fd)
{
	if (errno == EINTR)
		return 1;
	return (errno == EAGAIN || errno == EWOULDBLOCK) && wait_readable(fd) == 0;
}

/* 1 when a read of fd would not wait: input, end of input or an error. */
static int fd_ready(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int n;

	while ((n = poll(&p, 1, 0)) < 0 && errno == EINTR)
		;
	return n != 0;
}

static int source_read(struct xml_reader *r, char *buf, size_t want, size_t *n)
{
	ssize_t got;

	if (r->fd < 0) {
		*n = r->mem_len - r->mem_pos < want ? r->mem_len - r->mem_pos : want;
		if (*n)
			memcpy(buf, r->mem + r->mem_pos, *n);
		r->mem_pos += *n;
		return XE2E_OK;
	}
	if (r->mode == XML_READ_EXACT)
		return xml_exact_read(r, buf, want, n);
	for (;;) {
		got = read(r->fd, buf, want);
		if (got >= 0)
			break;
		if (xml_read_again(r->fd))
			continue;
		return xml_build_fail(r, XE2E_E_IO, 1, "read: %s", strerror(errno));
	}
	*n = (size_t)got;
	return XE2E_OK;
}

/* --- prolog --- */

static int take_bytes(struct xml_reader *r, const char *data, size_t n);

static int open_root(struct xml_reader *r)
{
	r->syn_line = r->line;
	r->syn_col = r->col;
	r->syn_len = strlen(XML_SYN_ROOT);
	return xml_build_feed(r, XML_SYN_ROOT, r->syn_len, 1, 0);
}

/* White space before the first element, or the first two bytes of it. */
static int prolog_misc(struct xml_reader *r, char c)
{
	char two[2] = {'<', c};
	int err;

	if (r->pro_len == 0) {
		if (is_ws(c)) {
			r->mark = r->fed + 1; /* white space is not part of a stanza */
			return xml_build_feed(r, &c, 1, 0, 0);
		}
		if (c != '<')
			return xml_build_fail(r, XE2E_E_MALFORMED, 1, "text outside a stanza");
		r->pro[r->pro_len++] = c;
		return XE2E_OK;
	}
	r->pro_len = 0;
	if (c == '!' || c == '?') {
		/* DOCTYPE, comment or processing instruction: expat's
		 * handlers refuse them where they stand. */
		r->phase = XML_PHASE_RAW;
		return xml_gate_take(r, two, 2);
	}
	r->phase = XML_PHASE_CONTENT;
	err = open_root(r);
	return err ? err : xml_gate_take(r, two, 2);
}

/* Held bytes turned out not to start an XML declaration. */
static int prolog_replay(struct xml_reader *r)
{
	char held[8];
	size_t n = r->pro_len;

	memcpy(held, r->pro, n);
	r->pro_len = 0;
	r->phase = XML_PHASE_MISC;
	return take_bytes(r, held, n);
}

static int prolog_start(struct xml_reader *r, char c)
{
	static const char decl[] = "<?xml";

	r->pro[r->pro_len++] = c;
	if (r->pro_len < sizeof(decl) && c == decl[r->pro_len - 1])
		return XE2E_OK;
	if (r->pro_len == sizeof(decl) && is_ws(c)) {
		r->phase = XML_PHASE_DECL;
		return XE2E_OK;
	}
	return prolog_replay(r);
}

static int prolog_decl(struct xml_reader *r, char c)
{
	int err;

	if (r->pro_len == sizeof(r->pro))
		return xml_build_fail(r, XE2E_E_MALFORMED, 1, "XML declaration too long");
	r->pro[r->pro_len++] = c;
	if (r->pro_len < 2 || memcmp(r->pro + r->pro_len - 2, "?>", 2) != 0)
		return XE2E_OK;
	err = xml_build_feed(r, r->pro, r->pro_len, 0, 0);
	wipe(r->pro, r->pro_len);
	r->pro_len = 0;
	r->phase = XML_PHASE_MISC;
	return err;
}

static int prolog_byte(struct xml_reader *r, char c)
{
	switch (r->phase) {
	case XML_PHASE_START:
		return prolog_start(r, c);
	case XML_PHASE_DECL:
		return prolog_decl(r, c);
	default:
		return prolog_misc(r, c);
	}
}

/* Takes bytes of input: through the prolog, then through the gate to
 * expat. */
static int take_bytes(struct xml_reader *r, const char *data, size_t n)
{
	size_t i = 0;
	int err = XE2E_OK;

	while (i < n && r->phase < XML_PHASE_RAW && !err)
		err = prolog_byte(r, data[i++]);
	if (err || i == n)
		return err;
	return xml_gate_take(r, data + i, n - i);
}

/* --- end of input --- */

static int content_eof(struct xml_reader *r)
{
	const struct xml_node *s = r->stanza;
	struct buf close = BUF_INIT;
	int err = XE2E_OK;

	if (s)
		return xml_build_fail(r, XE2E_E_MALFORMED, 1,
				      "unexpected end of input inside <%s%s%.64s>",
				      s->prefix ? s->prefix : "", s->prefix ? ":" : "", s->name);
	if (r->in_stream)
		err = buf_printf(&close, "</%s>", r->stream_qname);
	if (!err)
		err = buf_append_str(&close, "</r>");
	if (err) {
		buf_free(&close);
		return xml_build_fail(r, err, 1, "out of memory");
	}
	r->closing = 1;
	err = xml_build_feed(r, (const char *)close.data, close.len, 1, 1);
	buf_free(&close);
	if (!err)
		return XE2E_E_EOF;
	if (XML_GetErrorCode(r->p) == XML_ERROR_ABORTED)
		return err; /* a handler's verdict, e.g. text outside a stanza */
	/* Markup cut short: expat's complaint is about the closing tags. */
	r->err = XE2E_OK;
	return xml_build_fail(r, XE2E_E_MALFORMED, 1, "unexpected end of input");
}

/*
 * The end of input before any element: expat may still hold bytes of the
 * XML declaration it could not judge yet (a partial character, say), so
 * it gets an empty document to finish, which makes it judge them all.
 */
static int prolog_eof(struct xml_reader *r)
{
	int err = open_root(r);

	r->closing = 1;
	if (!err)
		err = xml_build_feed(r, "</r>", 4, 1, 1);
	return err ? err : XE2E_E_EOF;
}

static int reader_eof(struct xml_reader *r)
{
	int err;

	if (r->phase >= XML_PHASE_RAW) {
		/* expat judges the token cut short first */
		err = xml_gate_flush(r);
		if (err || r->ready)
			return err;
	}
	switch (r->phase) {
	case XML_PHASE_START:
		if (r->pro_len == 0)
			return XE2E_E_EOF;
		return xml_build_fail(r, XE2E_E_MALFORMED, 1, "unexpected end of input");
	case XML_PHASE_MISC:
		if (r->pro_len == 0)
			return prolog_eof(r);
		/* fall through */
	case XML_PHASE_DECL:
	case XML_PHASE_RAW:
		return xml_build_fail(r, XE2E_E_MALFORMED, 1, "unexpected end of input");
	default:
		return content_eof(r);
	}
}

/* --- reading --- */

/* Refuses to buffer more than a stanza's worth before its end tag. What
 * the gate holds counts too; expat gets it before the verdict, as it may
 * find the input malformed first. */
static int check_pending(struct xml_reader *r)
{
	long long max = (long long)r->lim.max_stanza_bytes;
	int err;

	if (r->fed + (long long)xml_gate_held(r) - r->mark <= max)
		return XE2E_OK;
	err = xml_gate_flush(r);
	if (err || r->ready || r->fed - r->mark <= max)
		return err;
	return xml_build_fail(r, XE2E_E_LIMIT, 1, "stanza larger than max_stanza_bytes (%zu)",
			      r->lim.max_stanza_bytes);
}

/* Reads until a stanza is ready; without wait, only what can be read
 * without waiting (XE2E_E_TIMEOUT, not final, when that is not enough). */
/* What an exact reader may take off its fd once reader_run() is done. */
static int exact_done(struct xml_reader *r, int err)
{
	if (r->fd < 0 || r->mode != XML_READ_EXACT)
		return err;
	if (!err && r->ready)
		return xml_exact_consume(r, r->ready_end);
	if (err == XE2E_E_EOF && r->stream_done) {
		int failed = xml_exact_consume(r, r->ready_end);

		return failed ? failed : err;
	}
	/* A final error: what was taken is gone, as when read. */
	if (err && err != XE2E_E_EOF)
		xml_exact_consume(r, r->taken);
	return err;
}

static int reader_run(struct xml_reader *r, int wait)
{
	char chunk[XML_READ_CHUNK];
	size_t n = 0;
	int exact = r->fd >= 0 && r->mode == XML_READ_EXACT;
	int err = XE2E_OK;

	if (r->suspended)
		err = xml_build_resume(r);
	if (!err && !r->ready)
		err = xml_gate_feed(r);
	while (!err && !r->ready) {
		err = check_pending(r);
		if (!err && !wait && r->fd >= 0 && !fd_ready(r->fd))
			break;
		/* Nothing taken so far is handed over: the next reader
		 * would not want it. */
		if (!err && exact)
			err = xml_exact_consume(r, r->taken);
		if (!err)
			err = source_read(r, chunk, sizeof(chunk), &n);
		if (!err)
			err = n ? take_bytes(r, chunk, n) : reader_eof(r);
	}
	wipe(chunk, sizeof(chunk));
	err = exact_done(r, err);
	return err || r->ready ? err : XE2E_E_TIMEOUT;
}

static int reader_alloc(struct xml_reader **out, int fd, const char *mem, size_t len,
			enum xml_reader_mode mode, const struct xml_limits *limits,
			int allow_stream)
{
	struct xml_reader *r = calloc(1, sizeof(*r));
	int err;

	*out = NULL;
	if (!r)
		return XE2E_E_NOMEM;
	r->fd = fd;
	r->mem = mem;
	r->mem_len = len;
	r->mode = mode;
	r->lim = limits ? *limits : xml_limits_default();
	r->allow_stream = allow_stream;
	r->phase = XML_PHASE_START;
	r->line = 1;
	r->tee[0] = r->tee[1] = -1;
	if (fd >= 0 && mode == XML_READ_EXACT)
		xml_exact_setup(r);
	err = xml_build_init(r);
	if (err) {
		xml_reader_free(r);
		return err;
	}
	*out = r;
	return XE2E_OK;
}

int xml_reader_new(struct xml_reader **reader, int fd, enum xml_reader_mode mode,
		   const struct xml_limits *limits)
{
	if (!reader)
		return XE2E_E_MALFORMED;
	*reader = NULL;
	if (fd < 0 || (mode != XML_READ_BUFFERED && mode != XML_READ_EXACT))
		return XE2E_E_MALFORMED;
	return reader_alloc(reader, fd, NULL, 0, mode, limits, 1);
}

static int reader_next(struct xml_reader *r, struct xml_node **stanza, int wait)
{
	int err;

	if (!stanza)
		return XE2E_E_MALFORMED;
	*stanza = NULL;
	if (!r)
		return XE2E_E_MALFORMED;
	err = r->err ? r->err : reader_run(r, wait);
	if (err == XE2E_E_TIMEOUT)
		return err; /* not final: the bytes read stay for the next call */
	if (err) {
		r->err = err;
		if (err != XE2E_E_EOF)
			err_detail_set("%s", r->detail);
		return err;
	}
	*stanza = r->ready;
	r->ready = NULL;
	return XE2E_OK;
}

int xml_reader_next(struct xml_reader *r, struct xml_node **stanza)
{
	return reader_next(r, stanza, 1);
}

int xml_reader_next_ready(struct xml_reader *r, struct xml_node **stanza)
{
	return reader_next(r, stanza, 0);
}

int xml_reader_in_stream(const struct xml_reader *r)
{
	return r && r->in_stream;
}

void xml_reader_free(struct xml_reader *r)
{
	if (!r)
		return;
	xml_build_free(r);
	xml_gate_free(r);
	xml_exact_free(r);
	wipe(r, sizeof(*r));
	free(r);
}

int xml_parse_element(const char *data, size_t len, const struct xml_limits *limits,
		      struct xml_node **out)
{
	struct xml_reader *r = NULL;
	struct xml_node *el = NULL, *extra = NULL;
	int err, next;

	if (!out || (!data && len))
		return XE2E_E_MALFORMED;
	*out = NULL;
	err = reader_alloc(&r, -1, data, len, XML_READ_BUFFERED, limits, 0);
	if (!err)
		err = xml_reader_next(r, &el);
	if (err == XE2E_E_EOF) {
		err = XE2E_E_MALFORMED;
		err_detail_set("no element in the input");
	}
	if (!err) {
		next = xml_reader_next(r, &extra);
		if (next == XE2E_OK) {
			err = XE2E_E_MALFORMED;
			err_detail_set("more than one element in the input");
		} else if (next != XE2E_E_EOF) {
			err = next;
		}
	}
	if (err)
		xml_free(el);
	else
		*out = el;
	xml_free(extra);
	xml_reader_free(r);
	return err;
}
