/*
 * The gate between the input and expat: it holds the bytes of a token that
 * has not ended yet and gives expat the input only up to a point where no
 * token is open (after text, after the '>' of a tag, comment, processing
 * instruction or CDATA section, after the ';' of a reference).
 *
 * With reparse deferral off, expat scans a token that arrives in pieces
 * again from its start at each piece, so feeding an element name of n
 * bytes one byte at a time (exact mode) would cost n * n / 2. Behind the
 * gate every byte is scanned by expat once or twice, whatever the chunks.
 * A stanza ends at the '>' of its end tag (or of an empty element), which
 * is always such a point: expat still sees each stanza end as soon as it
 * is read, and exact mode still reads nothing past it.
 *
 * The gate follows XML's lexical structure only as far as it needs to find
 * those points; expat judges the input. Where a byte makes the input
 * malformed for certain (a '<' inside a tag, say), the gate feeds at once,
 * so the error is reported without waiting for more input. Anything the
 * gate could take wrongly only delays what expat sees, never past the end
 * of input or the stanza size limit, where everything held is fed.
 */
#include <string.h>

#include "err.h"
#include "util.h"
#include "xml_reader_priv.h"

enum gate_state {
	GATE_TEXT,     /* character data, or white space between stanzas */
	GATE_REF,      /* after '&': an entity or character reference */
	GATE_LT,       /* after '<' */
	GATE_TAG,      /* inside a start or end tag, outside quotes */
	GATE_ATTR,     /* inside a quoted attribute value */
	GATE_BANG,     /* after "<!" */
	GATE_DASH,     /* after "<!-" */
	GATE_COMMENT,  /* inside a comment; count: '-' just seen (0 to 2) */
	GATE_PI,       /* inside a processing instruction; count: '?' just seen */
	GATE_CDOPEN,   /* inside "<![CDATA["; count: bytes of "CDATA[" seen */
	GATE_CDATA,    /* inside a CDATA section; count: ']' just seen (0 to 2) */
	GATE_DECL,     /* inside a declaration such as <!DOCTYPE, outside quotes */
	GATE_DECL_LIT, /* inside a quoted literal of a declaration */
};

/* What a byte does to the gate. */
enum gate_verdict {
	GATE_HOLD,  /* a token is still open */
	GATE_POINT, /* no token is open after this byte */
	GATE_BAD,   /* the input is malformed here: expat should see it now */
};

static int is_name_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
	       c >= 0x80;
}

/* Characters of a name, and '#' and 'x' of a character reference. */
static int is_ref_char(unsigned char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '#';
}

static enum gate_verdict gate_to(struct xml_gate *g, enum gate_state s, enum gate_verdict v)
{
	g->state = s;
	g->count = 0;
	return v;
}

static enum gate_verdict step_text(struct xml_gate *g, unsigned char c)
{
	if (c == '<')
		return gate_to(g, GATE_LT, GATE_HOLD);
	if (c == '&')
		return gate_to(g, GATE_REF, GATE_HOLD);
	return GATE_POINT;
}

static enum gate_verdict step_ref(struct xml_gate *g, unsigned char c)
{
	if (c == ';')
		return gate_to(g, GATE_TEXT, GATE_POINT);
	return is_ref_char(c) ? GATE_HOLD : GATE_BAD;
}

static enum gate_verdict step_lt(struct xml_gate *g, unsigned char c)
{
	if (c == '!')
		return gate_to(g, GATE_BANG, GATE_HOLD);
	if (c == '?')
		return gate_to(g, GATE_PI, GATE_HOLD);
	if (c == '/' || is_name_start(c))
		return gate_to(g, GATE_TAG, GATE_HOLD);
	return GATE_BAD;
}

static enum gate_verdict step_tag(struct xml_gate *g, unsigned char c)
{
	if (c == '\'' || c == '"') {
		g->quote = (char)c;
		return gate_to(g, GATE_ATTR, GATE_HOLD);
	}
	if (c == '>')
		return gate_to(g, GATE_TEXT, GATE_POINT);
	return c == '<' ? GATE_BAD : GATE_HOLD;
}

static enum gate_verdict step_attr(struct xml_gate *g, unsigned char c)
{
	if (c == (unsigned char)g->quote)
		return gate_to(g, GATE_TAG, GATE_HOLD);
	return c == '<' ? GATE_BAD : GATE_HOLD;
}

/* After "<!": a comment, a CDATA section, or a declaration, which only the
 * prolog can hold (in content expat refuses it at once). */
static enum gate_verdict step_bang(struct xml_gate *g, unsigned char c, int in_content)
{
	if (c == '-')
		return gate_to(g, GATE_DASH, GATE_HOLD);
	if (c == '[')
		return gate_to(g, GATE_CDOPEN, GATE_HOLD);
	if (in_content)
		return GATE_BAD;
	return gate_to(g, GATE_DECL, GATE_HOLD);
}

static enum gate_verdict step_comment(struct xml_gate *g, unsigned char c)
{
	if (c == '-') {
		if (g->count < 2)
			g->count++;
		return GATE_HOLD;
	}
	if (g->count == 2)
		return c == '>' ? gate_to(g, GATE_TEXT, GATE_POINT) : GATE_BAD; /* "--" */
	g->count = 0;
	return GATE_HOLD;
}

static enum gate_verdict step_pi(struct xml_gate *g, unsigned char c)
{
	if (c == '>' && g->count)
		return gate_to(g, GATE_TEXT, GATE_POINT);
	g->count = c == '?';
	return GATE_HOLD;
}

static enum gate_verdict step_cdopen(struct xml_gate *g, unsigned char c)
{
	static const char rest[] = "CDATA[";

	if (c != (unsigned char)rest[g->count])
		return GATE_BAD;
	if (++g->count == sizeof(rest) - 1)
		return gate_to(g, GATE_CDATA, GATE_HOLD);
	return GATE_HOLD;
}

static enum gate_verdict step_cdata(struct xml_gate *g, unsigned char c)
{
	if (c == ']') {
		if (g->count < 2)
			g->count++;
		return GATE_HOLD;
	}
	if (c == '>' && g->count == 2)
		return gate_to(g, GATE_TEXT, GATE_POINT);
	g->count = 0;
	return GATE_HOLD;
}

/* A DOCTYPE: its handler refuses it once expat has read up to its internal
 * subset or its end. */
static enum gate_verdict step_decl(struct xml_gate *g, unsigned char c)
{
	if (g->state == GATE_DECL_LIT)
		return c == (unsigned char)g->quote ? gate_to(g, GATE_DECL, GATE_HOLD) : GATE_HOLD;
	if (c == '\'' || c == '"') {
		g->quote = (char)c;
		return gate_to(g, GATE_DECL_LIT, GATE_HOLD);
	}
	if (c == '>' || c == '[')
		return gate_to(g, GATE_TEXT, GATE_POINT);
	return GATE_HOLD;
}

static enum gate_verdict gate_step(struct xml_gate *g, unsigned char c, int in_content)
{
	switch (g->state) {
	case GATE_TEXT:
		return step_text(g, c);
	case GATE_REF:
		return step_ref(g, c);
	case GATE_LT:
		return step_lt(g, c);
	case GATE_TAG:
		return step_tag(g, c);
	case GATE_ATTR:
		return step_attr(g, c);
	case GATE_BANG:
		return step_bang(g, c, in_content);
	case GATE_DASH:
		return c == '-' ? gate_to(g, GATE_COMMENT, GATE_HOLD) : GATE_BAD;
	case GATE_COMMENT:
		return step_comment(g, c);
	case GATE_PI:
		return step_pi(g, c);
	case GATE_CDOPEN:
		return step_cdopen(g, c);
	case GATE_CDATA:
		return step_cdata(g, c);
	default:
		return step_decl(g, c);
	}
}

/* Gives expat the first n held bytes. */
static int gate_give(struct xml_reader *r, size_t n)
{
	struct xml_gate *g = &r->gate;
	int err;

	if (n == 0)
		return XE2E_OK;
	err = xml_build_feed(r, (const char *)g->held.data, n, 0, 0);
	memmove(g->held.data, g->held.data + n, g->held.len - n);
	g->held.len -= n;
	wipe(g->held.data + g->held.len, n);
	g->ready -= n;
	return err;
}

int xml_gate_take(struct xml_reader *r, const char *data, size_t n)
{
	struct xml_gate *g = &r->gate;
	int in_content = r->phase == XML_PHASE_CONTENT, bad = 0;
	size_t i;

	if (buf_append(&g->held, data, n))
		return xml_build_fail(r, XE2E_E_NOMEM, 1, "out of memory");
	for (i = g->held.len - n; i < g->held.len && !bad; i++) {
		switch (gate_step(g, g->held.data[i], in_content)) {
		case GATE_HOLD:
			break;
		case GATE_BAD:
			/* expat stops here; what follows is never looked at */
			bad = 1;
			/* fall through */
		case GATE_POINT:
			g->ready = i + 1;
			break;
		}
	}
	if (bad)
		return xml_gate_flush(r);
	return xml_gate_feed(r);
}

int xml_gate_feed(struct xml_reader *r)
{
	if (r->suspended)
		return XE2E_OK; /* expat still holds a stanza's worth to parse */
	return gate_give(r, r->gate.ready);
}

int xml_gate_flush(struct xml_reader *r)
{
	if (r->suspended)
		return XE2E_OK;
	r->gate.ready = r->gate.held.len;
	return gate_give(r, r->gate.held.len);
}

size_t xml_gate_held(const struct xml_reader *r)
{
	return r->gate.held.len;
}

void xml_gate_free(struct xml_reader *r)
{
	buf_free(&r->gate.held);
}
