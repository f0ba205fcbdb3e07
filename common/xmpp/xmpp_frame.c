/*
 * The framer: a small lexer that follows tags, quoted attribute values and
 * CDATA sections just far enough to see where each top-level element
 * ends, and hands the bytes of each to xml_parse_element() (xml.h), which
 * does the real, strict parse.
 */
#include "xmpp_frame.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "util.h"

#define DECL_MAX 256
#define QNAME_MAX 256
#define HEADER_MAX 16384 /* a stream header's start tag */

enum lex {
	LEX_TEXT,  /* outside markup */
	LEX_LT,    /* after '<' */
	LEX_DECL,  /* inside the XML declaration, until "?>" */
	LEX_START, /* inside a start tag */
	LEX_QUOTE, /* inside a quoted attribute value */
	LEX_END,   /* inside an end tag */
	LEX_BANG,  /* after "<!": only "[CDATA[" may follow */
	LEX_CDATA, /* inside a CDATA section, until "]]>" */
	LEX_REF,   /* a character reference between stanzas, until ';' */
};

/* What a byte completed. */
enum step {
	STEP_MORE,
	STEP_HEADER,
	STEP_STANZA,
	STEP_CLOSE,
};

struct xmpp_frame {
	struct xml_limits lim;
	int need_stream;
	struct buf in;     /* input not handed out yet */
	size_t pos;        /* lexed up to here */
	size_t tag;        /* the '<' of the current tag */
	size_t start;      /* the '<' of the current top-level element */
	long long dropped; /* input bytes before in.data[0] */
	enum lex lex;
	char quote;
	unsigned match; /* bytes of "[CDATA[" or "]]>" matched */
	unsigned depth; /* open elements, the stream included */
	unsigned base;  /* 1 inside a stream, else 0 */
	int seen_element, finished, eof, err;
	char detail[256];
	struct buf head; /* the stream header's bytes */
	char qname[QNAME_MAX + 1];
	struct xml_node *header;
};

static const char cdata_open[] = "[CDATA[";

static int is_ws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int fail(struct xmpp_frame *f, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct xmpp_frame *f, int err, const char *fmt, ...)
{
	char what[192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(f->detail, sizeof(f->detail), "%s at byte %lld of the stream", what,
		 f->dropped + (long long)f->pos);
	f->err = err;
	return err;
}

int xmpp_frame_new(struct xmpp_frame **frame, const struct xml_limits *limits, int need_stream)
{
	struct xmpp_frame *f;

	if (!frame)
		return XE2E_E_MALFORMED;
	*frame = NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return XE2E_E_NOMEM;
	f->lim = limits ? *limits : xml_limits_default();
	f->need_stream = need_stream;
	f->lex = LEX_TEXT;
	*frame = f;
	return XE2E_OK;
}

void xmpp_frame_free(struct xmpp_frame *f)
{
	if (!f)
		return;
	buf_free(&f->in);
	buf_free(&f->head);
	xml_free(f->header);
	wipe(f, sizeof(*f));
	free(f);
}

int xmpp_frame_feed(struct xmpp_frame *f, const void *data, size_t n)
{
	if (!f || (!data && n))
		return XE2E_E_MALFORMED;
	if (f->err || f->eof)
		return f->err ? f->err : XE2E_OK; /* input after the end is ignored */
	if (f->in.len - f->pos > f->lim.max_stanza_bytes + XMPP_FRAME_SLACK)
		return fail(f, XE2E_E_LIMIT, "more than max_stanza_bytes (%zu) and %d bytes "
			    "waiting unread", f->lim.max_stanza_bytes, XMPP_FRAME_SLACK);
	return buf_append(&f->in, data, n);
}

void xmpp_frame_finish(struct xmpp_frame *f)
{
	if (f)
		f->finished = 1;
}

const struct xml_node *xmpp_frame_header(const struct xmpp_frame *f)
{
	return f ? f->header : NULL;
}

int xmpp_frame_started(const struct xmpp_frame *f)
{
	return f && f->header;
}

size_t xmpp_frame_buffered(const struct xmpp_frame *f)
{
	return f ? f->in.len : 0;
}

/* --- buffer --- */

/* Forgets the first n bytes of the buffer. */
static void drop(struct xmpp_frame *f, size_t n)
{
	if (n == 0)
		return;
	memmove(f->in.data, f->in.data + n, f->in.len - n);
	wipe(f->in.data + f->in.len - n, n);
	f->in.len -= n;
	f->dropped += (long long)n;
	f->pos -= n;
	f->tag = f->tag > n ? f->tag - n : 0;
	f->start = f->start > n ? f->start - n : 0;
}

/* The qualified name of the tag at f->tag (after '<' or "</"). */
static void tag_name(const struct xmpp_frame *f, size_t skip, char out[static QNAME_MAX + 1])
{
	size_t i = f->tag + skip, n = 0;

	while (i < f->pos && n < QNAME_MAX && !is_ws(f->in.data[i]) && f->in.data[i] != '/' &&
	       f->in.data[i] != '>')
		out[n++] = (char)f->in.data[i++];
	out[n] = '\0';
}

/* --- parsing what the lexer framed --- */

static struct xml_limits wrapped_limits(const struct xmpp_frame *f)
{
	struct xml_limits lim = f->lim;

	lim.max_stanza_bytes += f->head.len + strlen(f->qname) + 3;
	lim.max_depth += 1;
	return lim;
}

/* Parses the stanza in [start, end) inside the stream header, if any. */
static int parse_stanza(struct xmpp_frame *f, size_t end, struct xml_node **out)
{
	struct buf doc = BUF_INIT;
	struct xml_node *root = NULL;
	struct xml_limits lim = wrapped_limits(f);
	int err;

	if (!f->base)
		return xml_parse_element((const char *)f->in.data + f->start, end - f->start,
					 &f->lim, out);
	err = buf_append(&doc, f->head.data, f->head.len);
	if (!err)
		err = buf_append(&doc, f->in.data + f->start, end - f->start);
	if (!err)
		err = buf_printf(&doc, "</%s>", f->qname);
	if (!err)
		err = xml_parse_element((const char *)doc.data, doc.len, &lim, &root);
	if (!err && (root->n_children != 1 || root->children[0]->type != XML_ELEMENT))
		err = XE2E_E_MALFORMED;
	if (!err)
		*out = xml_detach_child(root, root->children[0]);
	xml_free(root);
	buf_free(&doc);
	return err;
}

static int is_streams_stream(const struct xml_node *el)
{
	return el && el->type == XML_ELEMENT && !strcmp(el->name, "stream") && el->ns &&
	       !strcmp(el->ns, XML_NS_STREAMS);
}

/* The top-level start tag that just ended, closed, inside the stream
 * header when there is one, as a document. */
static int tag_doc(const struct xmpp_frame *f, const char *qname, struct buf *doc)
{
	int err = f->base ? buf_append(doc, f->head.data, f->head.len) : XE2E_OK;

	if (!err)
		err = buf_append(doc, f->in.data + f->start, f->pos + 1 - f->start);
	if (!err && f->in.data[f->pos - 1] != '/')
		err = buf_printf(doc, "</%s>", qname);
	if (!err && f->base)
		err = buf_printf(doc, "</%s>", f->qname);
	return err;
}

/*
 * Looks at a top-level start tag named stream (any prefix): *el gets the
 * <stream:stream> header that opens the input, with *is_stream set. A
 * stream header anywhere else (inside the stream, after a stanza) is
 * refused at once, as the blocking reader does.
 */
static int stream_tag(struct xmpp_frame *f, int *is_stream, struct xml_node **el)
{
	char qname[QNAME_MAX + 1];
	struct buf doc = BUF_INIT;
	struct xml_limits lim = f->lim;
	struct xml_node *root = NULL;
	size_t n;
	int err;

	*is_stream = 0;
	*el = NULL;
	tag_name(f, 1, qname);
	n = strlen(qname);
	if (strcmp(qname, "stream") && (n < 7 || strcmp(qname + n - 7, ":stream")))
		return XE2E_OK;
	lim.max_stanza_bytes = HEADER_MAX * 2 + QNAME_MAX * 2 + 6;
	lim.max_depth += 1;
	err = tag_doc(f, qname, &doc);
	if (!err)
		err = xml_parse_element((const char *)doc.data, doc.len, &lim, &root);
	buf_free(&doc);
	if (err)
		return fail(f, err, "bad stream header: %s", err_detail());
	if (f->base) {
		err = is_streams_stream(root->n_children ? root->children[0] : NULL);
		xml_free(root);
		return err ? fail(f, XE2E_E_MALFORMED, "a stream inside the stream") : XE2E_OK;
	}
	*el = root;
	*is_stream = is_streams_stream(root);
	if (*is_stream && f->seen_element)
		return fail(f, XE2E_E_MALFORMED, "a stream header after a stanza");
	if (*is_stream)
		snprintf(f->qname, sizeof(f->qname), "%s", qname);
	return XE2E_OK;
}

/* --- the lexer, one byte at a time --- */

/* The XML declaration that just ended (n bytes at f->tag) is one expat
 * accepts: parsed in front of an empty element. (The blocking reader
 * leaves a declaration that no element follows to expat's timing; the
 * framer always checks it.) */
static int check_decl(struct xmpp_frame *f, size_t n)
{
	char doc[DECL_MAX + 8];
	struct xml_node *el = NULL;
	int err;

	memcpy(doc, f->in.data + f->tag, n);
	memcpy(doc + n, "<r/>", 4);
	err = xml_parse_element(doc, n + 4, NULL, &el);
	xml_free(el);
	wipe(doc, sizeof(doc));
	if (err)
		return fail(f, XE2E_E_MALFORMED, "bad XML declaration: %s", err_detail());
	f->lex = LEX_TEXT;
	return XE2E_OK;
}

static int lex_text(struct xmpp_frame *f, uint8_t c)
{
	if (c == '<') {
		f->tag = f->pos;
		f->lex = LEX_LT;
	} else if (f->depth == f->base && c == '&' && f->seen_element) {
		f->tag = f->pos;
		f->lex = LEX_REF;
	} else if (f->depth == f->base && !is_ws(c)) {
		return fail(f, XE2E_E_MALFORMED, "text outside a stanza");
	}
	return XE2E_OK;
}

/* Between stanzas only white space may stand, after the first element
 * also written as a character reference (&#10;, &#x20;, ...). */
static int lex_ref(struct xmpp_frame *f, uint8_t c)
{
	const char *ref = (const char *)f->in.data + f->tag + 1;
	size_t n = f->pos - f->tag - 1;
	unsigned long v = 0;
	int hex = n >= 2 && ref[1] == 'x', ok = n > (size_t)(1 + hex) && ref[0] == '#';

	if (c != ';')
		return XE2E_OK; /* as long as the stanza limit allows (check_size) */
	for (size_t i = 1 + (size_t)hex; ok && i < n; i++) {
		int d = ref[i] >= '0' && ref[i] <= '9' ? ref[i] - '0'
			: hex && ref[i] >= 'a' && ref[i] <= 'f' ? ref[i] - 'a' + 10
			: hex && ref[i] >= 'A' && ref[i] <= 'F' ? ref[i] - 'A' + 10 : -1;

		ok = d >= 0;
		if (v <= 0x10ffff) /* beyond it, no character: stop growing */
			v = v * (hex ? 16 : 10) + (unsigned long)(d >= 0 ? d : 0);
	}
	if (!ok || (v != 0x20 && v != 0x9 && v != 0xa && v != 0xd))
		return fail(f, XE2E_E_MALFORMED, "text outside a stanza");
	f->lex = LEX_TEXT;
	return XE2E_OK;
}

static int lex_lt(struct xmpp_frame *f, uint8_t c)
{
	int top = f->depth == f->base;

	if (c == '/') {
		f->lex = LEX_END;
	} else if (c == '!') {
		if (top)
			return fail(f, XE2E_E_XML, "DOCTYPE, comment or CDATA outside a stanza");
		f->lex = LEX_BANG;
		f->match = 0;
	} else if (c == '?') {
		f->lex = LEX_DECL;
	} else {
		if (top)
			f->start = f->tag;
		f->lex = LEX_START;
	}
	return XE2E_OK;
}

/* The XML declaration, allowed only as the very first bytes; any other
 * processing instruction is refused as soon as its target is known. */
static int lex_decl(struct xmpp_frame *f, uint8_t c)
{
	size_t n = f->pos + 1 - f->tag;

	if (n > DECL_MAX)
		return fail(f, XE2E_E_MALFORMED, "XML declaration longer than %d bytes", DECL_MAX);
	if (n == 6) {
		if (memcmp(f->in.data + f->tag, "<?xml", 5) || !is_ws(c))
			return fail(f, XE2E_E_XML, "processing instruction");
		if (f->tag != 0 || f->dropped != 0)
			return fail(f, XE2E_E_MALFORMED, "XML declaration not at the start");
	}
	if (n > 6 && c == '>' && f->in.data[f->pos - 1] == '?')
		return check_decl(f, n);
	return XE2E_OK;
}

static int check_depth(struct xmpp_frame *f)
{
	if (f->depth - f->base <= f->lim.max_depth + 1)
		return XE2E_OK;
	return fail(f, XE2E_E_LIMIT, "elements nested deeper than max_depth (%u)",
		    f->lim.max_depth);
}

/* A top-level start tag ended: a stream header, a stanza, or both ends of
 * an empty element. */
static int top_start(struct xmpp_frame *f, int empty, enum step *step)
{
	struct xml_node *el = NULL;
	int is_stream = 0, err = stream_tag(f, &is_stream, &el);

	f->seen_element = 1;
	if (!err && is_stream) {
		f->header = el;
		err = buf_append(&f->head, f->in.data + f->start, f->pos + 1 - f->start);
		f->base = f->depth = 1;
		*step = empty ? STEP_CLOSE : STEP_HEADER;
		return err;
	}
	xml_free(el);
	if (err)
		return err;
	if (f->need_stream && !f->base)
		return fail(f, XE2E_E_MALFORMED, "the stream does not start with <stream:stream>");
	if (f->pos + 1 - f->start > f->lim.max_stanza_bytes)
		return fail(f, XE2E_E_LIMIT, "stanza larger than max_stanza_bytes (%zu)",
			    f->lim.max_stanza_bytes);
	if (empty)
		*step = STEP_STANZA;
	else
		f->depth++;
	return XE2E_OK;
}

static int lex_start(struct xmpp_frame *f, uint8_t c, enum step *step)
{
	int empty;

	if (c == '\'' || c == '"') {
		f->quote = (char)c;
		f->lex = LEX_QUOTE;
		return XE2E_OK;
	}
	if (c != '>')
		return XE2E_OK;
	f->lex = LEX_TEXT;
	empty = f->in.data[f->pos - 1] == '/';
	if (f->depth == f->base)
		return top_start(f, empty, step);
	if (!empty)
		f->depth++;
	return check_depth(f);
}

static int lex_end(struct xmpp_frame *f, uint8_t c, enum step *step)
{
	char qname[QNAME_MAX + 1];

	if (c != '>')
		return XE2E_OK;
	f->lex = LEX_TEXT;
	if (f->depth == f->base) {
		tag_name(f, 2, qname);
		if (!f->base || strcmp(qname, f->qname))
			return fail(f, XE2E_E_MALFORMED, "end tag </%.64s> without a start tag",
				    qname);
		for (size_t i = f->tag + 2 + strlen(qname); i < f->pos; i++)
			if (!is_ws(f->in.data[i]))
				return fail(f, XE2E_E_MALFORMED, "a malformed end tag </%s>",
					    qname);
		*step = STEP_CLOSE;
		return XE2E_OK;
	}
	if (--f->depth == f->base)
		*step = STEP_STANZA;
	return XE2E_OK;
}

static int lex_bang(struct xmpp_frame *f, uint8_t c)
{
	if (c != (uint8_t)cdata_open[f->match])
		return fail(f, XE2E_E_XML, "comment or declaration inside a stanza");
	if (++f->match == sizeof(cdata_open) - 1) {
		f->lex = LEX_CDATA;
		f->match = 0;
	}
	return XE2E_OK;
}

static void lex_cdata(struct xmpp_frame *f, uint8_t c)
{
	if (c == ']')
		f->match = f->match < 2 ? f->match + 1 : 2;
	else if (c == '>' && f->match == 2)
		f->lex = LEX_TEXT;
	else
		f->match = 0;
}

static int lex_byte(struct xmpp_frame *f, uint8_t c, enum step *step)
{
	switch (f->lex) {
	case LEX_TEXT: return lex_text(f, c);
	case LEX_LT: return lex_lt(f, c);
	case LEX_DECL: return lex_decl(f, c);
	case LEX_START: return lex_start(f, c, step);
	case LEX_QUOTE:
		if (c == (uint8_t)f->quote)
			f->lex = LEX_START;
		return XE2E_OK;
	case LEX_END: return lex_end(f, c, step);
	case LEX_BANG: return lex_bang(f, c);
	case LEX_CDATA: lex_cdata(f, c); return XE2E_OK;
	case LEX_REF: return lex_ref(f, c);
	}
	return fail(f, XE2E_E_STATE, "framer in an unknown state");
}

/* Refuses a top-level element (or header, or declaration) growing past the
 * stanza limit before its end. */
static int check_size(struct xmpp_frame *f)
{
	size_t from = f->depth > f->base ? f->start : f->tag, max = f->lim.max_stanza_bytes;

	if (f->depth == f->base && f->lex == LEX_TEXT)
		return XE2E_OK;
	if (!f->seen_element && max < HEADER_MAX)
		max = HEADER_MAX; /* maybe a stream header: checked as a stanza at its end */
	if (f->pos + 1 - from <= max)
		return XE2E_OK;
	return fail(f, XE2E_E_LIMIT, "stanza larger than max_stanza_bytes (%zu)",
		    f->lim.max_stanza_bytes);
}

/* --- handing out --- */

static int at_input_end(struct xmpp_frame *f)
{
	if (f->depth == f->base && f->lex == LEX_TEXT) {
		f->eof = 1;
		return XE2E_E_EOF;
	}
	return fail(f, XE2E_E_MALFORMED, "unexpected end of input inside %s",
		    f->lex == LEX_DECL ? "the XML declaration" : "a stanza");
}

static int hand_out(struct xmpp_frame *f, struct xml_node **stanza)
{
	size_t end = f->pos + 1;
	long long at = f->dropped + (long long)f->start;
	int err = parse_stanza(f, end, stanza);

	if (err) {
		snprintf(f->detail, sizeof(f->detail), "in the stanza at byte %lld of the stream: %s",
			 at, err_detail());
		f->err = err;
		return err;
	}
	if (is_streams_stream(*stanza)) {
		xml_free(*stanza);
		*stanza = NULL;
		return fail(f, XE2E_E_MALFORMED, "a stream inside the stream");
	}
	f->pos = end;
	drop(f, end);
	return XE2E_OK;
}

static int frame_run(struct xmpp_frame *f, struct xml_node **stanza)
{
	enum step step = STEP_MORE;
	int err = XE2E_OK;

	while (!err && f->pos < f->in.len) {
		err = lex_byte(f, f->in.data[f->pos], &step);
		if (!err)
			err = check_size(f);
		if (err)
			return err;
		if (step == STEP_STANZA)
			return hand_out(f, stanza);
		if (step == STEP_CLOSE) {
			f->eof = 1;
			return XE2E_E_EOF;
		}
		f->pos++;
		if (step == STEP_HEADER) {
			drop(f, f->pos);
			step = STEP_MORE;
		}
	}
	if (f->depth == f->base && f->lex == LEX_TEXT)
		drop(f, f->pos); /* white space between stanzas */
	return f->finished ? at_input_end(f) : XE2E_OK;
}

int xmpp_frame_next(struct xmpp_frame *f, struct xml_node **stanza)
{
	int err;

	if (!stanza)
		return XE2E_E_MALFORMED;
	*stanza = NULL;
	if (!f)
		return XE2E_E_MALFORMED;
	if (f->eof)
		return XE2E_E_EOF;
	err = f->err ? f->err : frame_run(f, stanza);
	if (err && err != XE2E_E_EOF)
		err_detail_set("%s", f->detail);
	return err;
}
