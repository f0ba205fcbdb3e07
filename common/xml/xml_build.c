/*
 * The expat side of the reader: the parser's configuration, the handlers
 * that build each stanza's tree, the RFC 6120 section 11.1 restrictions
 * and the bounds on depth, attributes and size.
 *
 * Expat runs with namespace processing and triplets, so every element and
 * attribute name arrives as "uri SEP local SEP prefix"; declarations arrive
 * in source order through the namespace handler before their start tag.
 * Its allocations go through xml_mem_suite, which wipes what it frees.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "err.h"
#include "util.h"
#include "xml_reader_priv.h"

#define NS_SEP '\x01' /* not an XML character, so never inside a name or URI */

/* --- errors and positions --- */

/* Moves a position over n bytes of text, as expat counts them. */
static void position_advance(unsigned long *line, unsigned long *col, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n') {
			(*line)++;
			*col = 0;
		} else if (((unsigned char)s[i] & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

/* The position of the current event (or of the input's end), skip bytes
 * of the event's text further; col counts from 0. */
static void build_position(const struct xml_reader *r, int at_input_end, const char *skip,
			   size_t skip_len, unsigned long *line, unsigned long *col)
{
	if (at_input_end) {
		*line = r->line;
		*col = r->col;
		return;
	}
	*line = XML_GetCurrentLineNumber(r->p);
	*col = XML_GetCurrentColumnNumber(r->p);
	if (r->syn_len && *line == r->syn_line && *col >= r->syn_col + r->syn_len)
		*col -= r->syn_len;
	position_advance(line, col, skip, skip_len);
}

static int build_fail_v(struct xml_reader *r, int err, int at_input_end, const char *skip,
			size_t skip_len, const char *fmt, va_list ap)
{
	char what[160];
	unsigned long line, col;

	if (r->err)
		return r->err;
	vsnprintf(what, sizeof(what), fmt, ap);
	build_position(r, at_input_end, skip, skip_len, &line, &col);
	snprintf(r->detail, sizeof(r->detail), "%s at line %lu, column %lu", what, line, col + 1);
	r->err = err;
	if (r->in_parse)
		XML_StopParser(r->p, XML_FALSE);
	return err;
}

int xml_build_fail(struct xml_reader *r, int err, int at_input_end, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err = build_fail_v(r, err, at_input_end, NULL, 0, fmt, ap);
	va_end(ap);
	return err;
}

/* Fails at a character skip_len bytes into the current event's text. */
static int fail_in_text(struct xml_reader *r, int err, const char *skip, size_t skip_len,
			const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err = build_fail_v(r, err, 0, skip, skip_len, fmt, ap);
	va_end(ap);
	return err;
}

static long long event_end(const struct xml_reader *r)
{
	return (long long)XML_GetCurrentByteIndex(r->p) + XML_GetCurrentByteCount(r->p);
}

static int check_stanza_size(struct xml_reader *r)
{
	if (event_end(r) - r->stanza_start <= (long long)r->lim.max_stanza_bytes)
		return XE2E_OK;
	return xml_build_fail(r, XE2E_E_LIMIT, 0, "stanza larger than max_stanza_bytes (%zu)",
			      r->lim.max_stanza_bytes);
}

static int fail_attrs(struct xml_reader *r)
{
	return xml_build_fail(r, XE2E_E_LIMIT, 0,
			      "element with more than max_attrs (%u) attributes", r->lim.max_attrs);
}

/* --- names and pending declarations --- */

struct qname {
	char *copy; /* owns the strings below */
	const char *uri, *local, *prefix;
};

static int qname_split(const char *s, struct qname *q)
{
	char *a, *b;

	memset(q, 0, sizeof(*q));
	q->copy = xml_strndup(s, strlen(s));
	if (!q->copy)
		return XE2E_E_NOMEM;
	a = strchr(q->copy, NS_SEP);
	if (!a) {
		q->local = q->copy;
		return XE2E_OK;
	}
	*a = '\0';
	q->uri = q->copy;
	q->local = a + 1;
	b = strchr(a + 1, NS_SEP);
	if (b) {
		*b = '\0';
		q->prefix = b + 1;
	}
	return XE2E_OK;
}

static void pend_clear(struct xml_reader *r)
{
	for (size_t i = 0; i < r->n_pend; i++) {
		xml_str_free(r->pend[i].prefix);
		xml_str_free(r->pend[i].uri);
	}
	free(r->pend);
	r->pend = NULL;
	r->n_pend = r->cap_pend = 0;
}

static int pend_add(struct xml_reader *r, const char *prefix, const char *uri)
{
	struct xml_nsdecl *grown, d;

	if (r->n_pend == r->cap_pend) {
		size_t cap = r->cap_pend ? r->cap_pend * 2 : 4;

		grown = realloc(r->pend, cap * sizeof(*grown));
		if (!grown)
			return XE2E_E_NOMEM;
		r->pend = grown;
		r->cap_pend = cap;
	}
	d.prefix = prefix ? xml_strndup(prefix, strlen(prefix)) : NULL;
	d.uri = xml_strndup(uri ? uri : "", uri ? strlen(uri) : 0);
	if ((prefix && !d.prefix) || !d.uri) {
		xml_str_free(d.prefix);
		xml_str_free(d.uri);
		return XE2E_E_NOMEM;
	}
	r->pend[r->n_pend++] = d;
	return XE2E_OK;
}

/* --- building the tree --- */

static int node_add_attrs(struct xml_node *el, const XML_Char **atts)
{
	struct qname q;
	int err = XE2E_OK;

	for (size_t i = 0; atts[i] && !err; i += 2) {
		err = qname_split(atts[i], &q);
		if (!err)
			err = xml_add_attr(el, q.local, q.uri, q.prefix, atts[i + 1],
					   strlen(atts[i + 1]));
		free(q.copy);
	}
	return err;
}

/* A new element from expat's name and attributes; takes the pending
 * declarations. */
static int node_make(struct xml_reader *r, const XML_Char *name, const XML_Char **atts,
		     struct xml_node **out)
{
	struct xml_node *el = xml_node_alloc(XML_ELEMENT);
	struct qname q = {0};
	int err = el ? qname_split(name, &q) : XE2E_E_NOMEM;

	if (!err) {
		el->name = xml_strndup(q.local, strlen(q.local));
		el->ns = q.uri ? xml_strndup(q.uri, strlen(q.uri)) : NULL;
		el->prefix = q.prefix ? xml_strndup(q.prefix, strlen(q.prefix)) : NULL;
		if (!el->name || (q.uri && !el->ns) || (q.prefix && !el->prefix))
			err = XE2E_E_NOMEM;
	}
	free(q.copy);
	if (!err) {
		el->nsdecls = r->pend;
		el->n_nsdecls = r->n_pend;
		r->pend = NULL;
		r->n_pend = r->cap_pend = 0;
		err = node_add_attrs(el, atts);
	}
	if (err)
		xml_free(el);
	else
		*out = el;
	return err;
}

static int flush_text(struct xml_reader *r)
{
	int err;

	if (!r->text.len)
		return XE2E_OK;
	err = xml_append_text(r->cur, (const char *)r->text.data, r->text.len);
	buf_clear(&r->text);
	return err;
}

/* Prefixed declarations a stanza relies on from the stream header are
 * written on the stanza itself, so it stands alone. */
static int stanza_own_outside(struct xml_node *stanza)
{
	struct xml_binding *b;
	size_t n;
	int err = xml_ns_outside(stanza, &b, &n);

	for (size_t i = 0; i < n && !err; i++)
		err = xml_add_nsdecl(stanza, b[i].prefix, b[i].uri);
	free(b);
	return err;
}

static int is_stream_header(const char *name)
{
	static const char want[] = XML_NS_STREAMS "\x01" "stream";
	size_t n = sizeof(want) - 1;

	return strncmp(name, want, n) == 0 && (name[n] == '\0' || name[n] == NS_SEP);
}

static void stream_open(struct xml_reader *r, const XML_Char *name)
{
	const char *sep = strrchr(name, NS_SEP);
	size_t n;

	if (r->stanzas) {
		xml_build_fail(r, XE2E_E_MALFORMED, 0, "stream header after stanzas");
		return;
	}
	pend_clear(r);
	r->in_stream = 1;
	r->mark = event_end(r);
	/* "prefix:stream", or "stream" when it has no prefix */
	if (sep && sep != strchr(name, NS_SEP)) {
		n = strlen(sep + 1);
		r->stream_qname = malloc(n + sizeof(":stream"));
		if (r->stream_qname)
			snprintf(r->stream_qname, n + sizeof(":stream"), "%s:stream", sep + 1);
	} else {
		r->stream_qname = xml_strndup("stream", 6);
	}
	if (!r->stream_qname)
		xml_build_fail(r, XE2E_E_NOMEM, 0, "out of memory");
}

static void stanza_open(struct xml_reader *r, const XML_Char *name, const XML_Char **atts)
{
	struct xml_node *el;

	if (r->in_stream && is_stream_header(name)) {
		xml_build_fail(r, XE2E_E_MALFORMED, 0, "stream header inside a stream");
		return;
	}
	if (node_make(r, name, atts, &el)) {
		xml_build_fail(r, XE2E_E_NOMEM, 0, "out of memory");
		return;
	}
	r->stanza = r->cur = el;
	r->stanza_start = XML_GetCurrentByteIndex(r->p);
	r->mark = r->stanza_start;
	check_stanza_size(r);
}

static void child_open(struct xml_reader *r, const XML_Char *name, const XML_Char **atts,
		       unsigned level)
{
	unsigned depth = level - 1 - (unsigned)r->in_stream;
	struct xml_node *el;

	if (depth > r->lim.max_depth) {
		xml_build_fail(r, XE2E_E_LIMIT, 0, "elements nested deeper than max_depth (%u)",
			       r->lim.max_depth);
		return;
	}
	if (check_stanza_size(r))
		return;
	if (flush_text(r) || node_make(r, name, atts, &el)) {
		xml_build_fail(r, XE2E_E_NOMEM, 0, "out of memory");
		return;
	}
	if (xml_append_child(r->cur, el)) {
		xml_free(el);
		xml_build_fail(r, XE2E_E_NOMEM, 0, "out of memory");
		return;
	}
	r->cur = el;
}

/* The synthetic root: its bytes count against no stanza. */
static void root_open(struct xml_reader *r)
{
	pend_clear(r);
	r->mark = event_end(r);
}

static void XMLCALL on_nsdecl(void *ud, const XML_Char *prefix, const XML_Char *uri)
{
	struct xml_reader *r = ud;

	if (r->err)
		return;
	if (r->n_pend >= r->lim.max_attrs)
		fail_attrs(r);
	else if (pend_add(r, prefix, uri))
		xml_build_fail(r, XE2E_E_NOMEM, 0, "out of memory");
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct xml_reader *r = ud;
	unsigned level;
	size_t n_atts = 0;

	if (r->err)
		return;
	level = r->open++;
	while (atts[2 * n_atts])
		n_atts++;
	if (n_atts + r->n_pend > r->lim.max_attrs)
		fail_attrs(r);
	else if (level == 0)
		root_open(r);
	else if (r->stanza)
		child_open(r, name, atts, level);
	else if (level == 1 && r->allow_stream && is_stream_header(name))
		stream_open(r, name);
	else
		stanza_open(r, name, atts);
}

static void stanza_close(struct xml_reader *r)
{
	long long end = event_end(r);

	if (flush_text(r)) {
		xml_build_fail(r, XE2E_E_NOMEM, 0, "out of memory");
		return;
	}
	if (r->cur != r->stanza) {
		r->cur = r->cur->parent;
		return;
	}
	if (check_stanza_size(r))
		return;
	if (stanza_own_outside(r->stanza)) {
		xml_build_fail(r, XE2E_E_NOMEM, 0, "out of memory");
		return;
	}
	r->ready = r->stanza;
	r->ready_end = end - (long long)r->syn_len;
	r->stanza = r->cur = NULL;
	r->mark = end;
	r->stanzas++;
	XML_StopParser(r->p, XML_TRUE); /* hand the stanza over now */
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	struct xml_reader *r = ud;
	unsigned level;

	(void)name;
	if (r->err)
		return;
	level = --r->open;
	if (r->stanza) {
		stanza_close(r);
	} else if (level == 1 && r->in_stream && !r->closing) {
		r->stream_done = 1;
		r->ready_end = event_end(r) - (long long)r->syn_len;
		XML_StopParser(r->p, XML_FALSE);
	} else if (level == 0 && !r->closing) {
		xml_build_fail(r, XE2E_E_MALFORMED, 0, "end tag without a start tag");
	}
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	struct xml_reader *r = ud;
	size_t k = 0;

	if (r->err)
		return;
	if (!r->stanza) {
		while (k < (size_t)len && xml_is_space(s + k, 1))
			k++;
		if (k < (size_t)len)
			fail_in_text(r, XE2E_E_MALFORMED, s, k, "text outside a stanza");
		else
			r->mark = event_end(r);
		return;
	}
	if (check_stanza_size(r))
		return;
	if (buf_append(&r->text, s, (size_t)len))
		xml_build_fail(r, XE2E_E_NOMEM, 0, "out of memory");
}

/* --- what RFC 6120 section 11.1 forbids --- */

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
			       const XML_Char *pubid, int has_internal_subset)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	xml_build_fail(ud, XE2E_E_XML, 0, "DOCTYPE not allowed in XMPP");
}

static void XMLCALL on_entity(void *ud, const XML_Char *name, int is_param, const XML_Char *value,
			      int value_len, const XML_Char *base, const XML_Char *sysid,
			      const XML_Char *pubid, const XML_Char *notation)
{
	(void)name;
	(void)is_param;
	(void)value;
	(void)value_len;
	(void)base;
	(void)sysid;
	(void)pubid;
	(void)notation;
	xml_build_fail(ud, XE2E_E_XML, 0, "entity declaration not allowed in XMPP");
}

static void XMLCALL on_pi(void *ud, const XML_Char *target, const XML_Char *data)
{
	(void)target;
	(void)data;
	xml_build_fail(ud, XE2E_E_XML, 0, "processing instruction not allowed in XMPP");
}

static void XMLCALL on_comment(void *ud, const XML_Char *data)
{
	(void)data;
	xml_build_fail(ud, XE2E_E_XML, 0, "comment not allowed in XMPP");
}

/* --- the parser --- */

/*
 * Expat 2.6 defers parsing a token that arrives in pieces until much more
 * input has come, so a stanza could sit unparsed in a live pipe, and exact
 * reads (one byte at a time) would see nothing until the end of input.
 * Debian 12 backports this into 2.5.0, with the switch to turn it off; the
 * weak reference finds the switch wherever the library has it. With it
 * off, a token given in pieces is scanned again at each piece: the gate
 * (xml_gate.c) gives expat no token in pieces.
 */
#if XML_MAJOR_VERSION < 2 || (XML_MAJOR_VERSION == 2 && XML_MINOR_VERSION < 6)
extern XML_Bool XML_SetReparseDeferralEnabled(XML_Parser parser, XML_Bool enabled)
	__attribute__((weak));
#endif

static void reparse_now(XML_Parser p)
{
#if XML_MAJOR_VERSION < 2 || (XML_MAJOR_VERSION == 2 && XML_MINOR_VERSION < 6)
	if (!XML_SetReparseDeferralEnabled)
		return;
#endif
	XML_SetReparseDeferralEnabled(p, XML_FALSE);
}

/*
 * expat salts its hash tables (against collisions forced by the input)
 * with a getrandom(2) of its own at each parser's first parse, and the
 * content of every sealed stanza gets a parser of its own. One salt per
 * process serves every parser instead: what matters is that the input
 * cannot know it. It comes from getrandom(2), not the project's generator,
 * whose draws are the protocol's alone (the published vectors replay
 * them). Should getrandom fail, expat takes its own as before.
 */
static void hash_salt(XML_Parser p)
{
	static unsigned long salt;

	if (salt == 0 && getrandom(&salt, sizeof(salt), 0) != (ssize_t)sizeof(salt))
		salt = 0;
	if (salt != 0)
		XML_SetHashSalt(p, salt);
}

int xml_build_init(struct xml_reader *r)
{
	static const XML_Char sep[] = {NS_SEP, '\0'};

	r->p = XML_ParserCreate_MM("UTF-8", &xml_mem_suite, sep);
	if (!r->p)
		return XE2E_E_NOMEM;
	XML_SetUserData(r->p, r);
	hash_salt(r->p);
	XML_SetReturnNSTriplet(r->p, XML_TRUE);
	XML_SetParamEntityParsing(r->p, XML_PARAM_ENTITY_PARSING_NEVER);
	reparse_now(r->p);
	XML_SetStartNamespaceDeclHandler(r->p, on_nsdecl);
	XML_SetElementHandler(r->p, on_start, on_end);
	XML_SetCharacterDataHandler(r->p, on_text);
	XML_SetStartDoctypeDeclHandler(r->p, on_doctype);
	XML_SetEntityDeclHandler(r->p, on_entity);
	XML_SetProcessingInstructionHandler(r->p, on_pi);
	XML_SetCommentHandler(r->p, on_comment);
	return XE2E_OK;
}

void xml_build_free(struct xml_reader *r)
{
	if (r->p)
		XML_ParserFree(r->p);
	r->p = NULL;
	xml_free(r->stanza);
	xml_free(r->ready);
	r->stanza = r->cur = r->ready = NULL;
	pend_clear(r);
	buf_free(&r->text);
	free(r->stream_qname);
	r->stream_qname = NULL;
}

/* --- feeding --- */

static void count_position(struct xml_reader *r, const char *data, size_t n)
{
	unsigned char c;

	for (size_t i = 0; i < n; i++) {
		c = (unsigned char)data[i];
		if (c == '\n' && r->after_cr) {
			r->after_cr = 0;
			continue;
		}
		r->after_cr = c == '\r';
		if (c == '\n' || c == '\r') {
			r->line++;
			r->col = 0;
		} else if ((c & 0xc0) != 0x80) {
			r->col++;
		}
	}
}

/* A DOCTYPE between stanzas is a token expat cannot read in content: it
 * stops at its "D". Only the bytes up to there count, as they are all
 * that exact mode has read then. */
static int doctype_at_error(const struct xml_reader *r)
{
	int off = 0, size = 0;
	const char *ctx = XML_GetInputContext(r->p, &off, &size);

	if (!ctx || off < 2 || off >= size)
		return 0;
	return memcmp(ctx + off - 2, "<!D", 3) == 0;
}

static int expat_error(struct xml_reader *r)
{
	enum XML_Error code = XML_GetErrorCode(r->p);

	if (code == XML_ERROR_NO_MEMORY)
		return xml_build_fail(r, XE2E_E_NOMEM, 0, "out of memory in the XML parser");
	if ((code == XML_ERROR_INVALID_TOKEN || code == XML_ERROR_SYNTAX) && doctype_at_error(r))
		return xml_build_fail(r, XE2E_E_XML, 0, "DOCTYPE not allowed in XMPP");
	return xml_build_fail(r, XE2E_E_MALFORMED, 0, "%s", XML_ErrorString(code));
}

static int build_status(struct xml_reader *r, enum XML_Status st)
{
	r->suspended = st == XML_STATUS_SUSPENDED;
	if (st != XML_STATUS_ERROR)
		return r->err ? r->err : XE2E_OK;
	if (r->err)
		return r->err;
	if (r->stream_done)
		return XE2E_E_EOF;
	return expat_error(r);
}

int xml_build_feed(struct xml_reader *r, const char *data, size_t n, int synthetic, int final)
{
	enum XML_Status st;

	if (!synthetic)
		count_position(r, data, n);
	r->fed += (long long)n;
	r->in_parse = 1;
	st = XML_Parse(r->p, data, (int)n, final);
	r->in_parse = 0;
	return build_status(r, st);
}

int xml_build_resume(struct xml_reader *r)
{
	enum XML_Status st;

	r->in_parse = 1;
	st = XML_ResumeParser(r->p);
	r->in_parse = 0;
	return build_status(r, st);
}
