/*
 * Serialization: one stanza as one line of XML, in the form documented in
 * xml.h, and writing it to a file descriptor.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "store.h"
#include "util.h"
#include "xml_priv.h"

struct ser {
	struct buf *out;
	struct xml_scope sc;
	struct xml_binding *outside; /* declarations written on the root */
	size_t n_outside;
};

static const char *text_escape(char c)
{
	switch (c) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '\r': return "&#13;";
	case '\n': return "&#10;"; /* keeps a stanza on one line */
	default: return NULL;
	}
}

static const char *attr_escape(char c)
{
	switch (c) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '\'': return "&apos;";
	case '\t': return "&#9;";
	case '\n': return "&#10;";
	case '\r': return "&#13;";
	default: return NULL;
	}
}

static int put_escaped(struct buf *out, const char *s, size_t n, const char *(*esc)(char))
{
	size_t run = 0;
	const char *e;
	int err = XE2E_OK;

	for (size_t i = 0; i < n && !err; i++) {
		e = esc(s[i]);
		if (!e)
			continue;
		err = buf_append(out, s + run, i - run);
		if (!err)
			err = buf_append_str(out, e);
		run = i + 1;
	}
	return err ? err : buf_append(out, s + run, n - run);
}

static int put_qname(struct buf *out, const char *prefix, const char *name)
{
	int err = XE2E_OK;

	if (prefix) {
		err = buf_append_str(out, prefix);
		if (!err)
			err = buf_append_byte(out, ':');
	}
	return err ? err : buf_append_str(out, name);
}

/* Writes ` name='value'` with value escaped. */
static int put_attr(struct buf *out, const char *prefix, const char *name, const char *value)
{
	int err = buf_append_byte(out, ' ');

	if (!err)
		err = put_qname(out, prefix, name);
	if (!err)
		err = buf_append_str(out, "='");
	if (!err)
		err = put_escaped(out, value, strlen(value), attr_escape);
	return err ? err : buf_append_byte(out, '\'');
}

static int put_decl(struct ser *s, const char *prefix, const char *uri)
{
	int err = prefix ? put_attr(s->out, "xmlns", prefix, uri) : put_attr(s->out, NULL, "xmlns", uri);

	return err ? err : xml_scope_push(&s->sc, prefix, uri);
}

static int same_prefix(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Makes prefix (NULL: default) mean uri at this element, declaring it when
 * the scope says otherwise; mark is where the element's bindings start. */
static int ser_require(struct ser *s, size_t mark, const char *prefix, const char *uri)
{
	const struct xml_binding *b = xml_scope_find(&s->sc, prefix);

	if (b && strcmp(b->uri, uri) == 0)
		return XE2E_OK;
	for (size_t i = mark; i < s->sc.n; i++) {
		if (same_prefix(s->sc.b[i].prefix, prefix)) {
			err_detail_set("namespace prefix '%s' bound twice on one element",
				       prefix ? prefix : "(default)");
			return XE2E_E_MALFORMED;
		}
	}
	return put_decl(s, prefix, uri);
}

/* Rejects what cannot be written as well-formed XML (trees built in code). */
static int el_check(const struct xml_node *el)
{
	const struct xml_attr *a;

	if (!xml_name_valid(el->name))
		goto bad;
	if (el->prefix && (!xml_name_valid(el->prefix) || !el->ns || !*el->ns ||
			   strcmp(el->prefix, "xmlns") == 0))
		goto bad;
	for (size_t i = 0; i < el->n_attrs; i++) {
		a = &el->attrs[i];
		if (!xml_name_valid(a->name) || !a->value || !a->prefix != !a->ns)
			goto bad;
		if (a->prefix && (!xml_name_valid(a->prefix) || !*a->ns ||
				  strcmp(a->prefix, "xmlns") == 0))
			goto bad;
	}
	for (size_t i = 0; i < el->n_nsdecls; i++) {
		const struct xml_nsdecl *d = &el->nsdecls[i];

		if (d->prefix && (!xml_name_valid(d->prefix) || !d->uri || !*d->uri ||
				  strcmp(d->prefix, "xmlns") == 0))
			goto bad;
	}
	return XE2E_OK;
bad:
	err_detail_set("element <%s> cannot be serialized (invalid name or namespace)",
		       el->name ? el->name : "");
	return XE2E_E_MALFORMED;
}

static int ser_decls(struct ser *s, const struct xml_node *el, int is_root)
{
	int err = XE2E_OK;

	for (size_t i = 0; i < el->n_nsdecls && !err; i++)
		err = put_decl(s, el->nsdecls[i].prefix, el->nsdecls[i].uri);
	for (size_t i = 0; is_root && i < s->n_outside && !err; i++)
		err = put_decl(s, s->outside[i].prefix, s->outside[i].uri);
	return err;
}

static int ser_requirements(struct ser *s, const struct xml_node *el, size_t mark)
{
	int err = XE2E_OK;

	if (el->prefix)
		err = ser_require(s, mark, el->prefix, el->ns);
	else if (el->ns && *el->ns)
		err = ser_require(s, mark, NULL, el->ns);
	for (size_t i = 0; i < el->n_attrs && !err; i++)
		if (el->attrs[i].prefix)
			err = ser_require(s, mark, el->attrs[i].prefix, el->attrs[i].ns);
	return err;
}

static int ser_enter(void *ctx, const struct xml_node *el, int is_root, size_t *slot)
{
	struct ser *s = ctx;
	int err = el_check(el);

	*slot = s->sc.n;
	if (!err)
		err = buf_append_byte(s->out, '<');
	if (!err)
		err = put_qname(s->out, el->prefix, el->name);
	if (!err)
		err = ser_decls(s, el, is_root);
	if (!err)
		err = ser_requirements(s, el, *slot);
	for (size_t i = 0; i < el->n_attrs && !err; i++)
		err = put_attr(s->out, el->attrs[i].prefix, el->attrs[i].name, el->attrs[i].value);
	if (!err)
		err = buf_append_str(s->out, el->n_children ? ">" : "/>");
	return err;
}

static int ser_leave(void *ctx, const struct xml_node *el, size_t slot)
{
	struct ser *s = ctx;
	int err = XE2E_OK;

	if (el->n_children) {
		err = buf_append_str(s->out, "</");
		if (!err)
			err = put_qname(s->out, el->prefix, el->name);
		if (!err)
			err = buf_append_byte(s->out, '>');
	}
	xml_scope_pop_to(&s->sc, slot);
	return err;
}

static int ser_text(void *ctx, const struct xml_node *t)
{
	struct ser *s = ctx;

	return put_escaped(s->out, t->text ? t->text : "", t->text_len, text_escape);
}

int xml_serialize(const struct xml_node *node, struct buf *out)
{
	static const struct xml_walk_ops ops = {ser_enter, ser_leave, ser_text};
	struct ser s = {.out = out, .outside = NULL, .n_outside = 0};
	size_t start = out->len;
	int err;

	if (!node)
		return XE2E_E_MALFORMED;
	err = xml_scope_init(&s.sc);
	if (!err)
		err = xml_ns_outside(node, &s.outside, &s.n_outside);
	if (!err)
		err = xml_walk(node, &ops, &s);
	xml_scope_free(&s.sc);
	free(s.outside);
	if (err && out->data) {
		wipe(out->data + start, out->len - start);
		out->len = start;
	}
	return err;
}

/* --- writing --- */

static int write_all(int fd, const uint8_t *p, size_t n)
{
	if (store_write_all(fd, p, n) != 0) {
		err_detail_set("write: %s", strerror(errno));
		return XE2E_E_IO;
	}
	return XE2E_OK;
}

int xml_append_line(struct buf *out, const struct xml_node *stanza)
{
	size_t start = out->len;
	int err = xml_serialize(stanza, out);

	if (!err && (err = buf_append_byte(out, '\n')) != XE2E_OK) {
		wipe(out->data + start, out->len - start);
		out->len = start;
	}
	return err;
}

int xml_write_lines(int fd, const struct buf *lines)
{
	return write_all(fd, lines->data, lines->len);
}

int xml_write_stanza(int fd, const struct xml_node *stanza)
{
	struct buf b = BUF_INIT;
	int err = xml_append_line(&b, stanza);

	if (!err)
		err = write_all(fd, b.data, b.len);
	buf_free(&b);
	return err;
}
