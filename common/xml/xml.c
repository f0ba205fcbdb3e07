/*
 * Building, inspecting, copying and freeing trees. Free and clone walk the
 * tree with the parent pointers instead of recursing, so any depth is safe.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "util.h"
#include "xml_priv.h"

struct xml_limits xml_limits_default(void)
{
	struct xml_limits l = {
		.max_stanza_bytes = XML_DEFAULT_MAX_STANZA_BYTES,
		.max_depth = XML_DEFAULT_MAX_DEPTH,
		.max_attrs = XML_DEFAULT_MAX_ATTRS,
	};

	return l;
}

struct xml_node *xml_node_alloc(enum xml_node_type type)
{
	struct xml_node *n = calloc(1, sizeof(*n));

	if (n)
		n->type = type;
	return n;
}

/* An optional string copied, NULL staying NULL; *ok cleared on failure. */
static char *dup_opt(const char *s, int *ok)
{
	char *d;

	if (!s)
		return NULL;
	d = xml_strndup(s, strlen(s));
	if (!d)
		*ok = 0;
	return d;
}

static void attr_clear(struct xml_attr *a)
{
	xml_str_free(a->name);
	xml_str_free(a->ns);
	xml_str_free(a->prefix);
	xml_str_free(a->value);
	memset(a, 0, sizeof(*a));
}

/* Frees one node's own fields and the node; not its children. */
static void node_free_one(struct xml_node *n)
{
	for (size_t i = 0; i < n->n_nsdecls; i++) {
		xml_str_free(n->nsdecls[i].prefix);
		xml_str_free(n->nsdecls[i].uri);
	}
	for (size_t i = 0; i < n->n_attrs; i++)
		attr_clear(&n->attrs[i]);
	if (n->text) {
		wipe(n->text, n->text_len);
		free(n->text);
	}
	xml_str_free(n->name);
	xml_str_free(n->ns);
	xml_str_free(n->prefix);
	free(n->nsdecls);
	free(n->attrs);
	free(n->children);
	free(n);
}

void xml_free(struct xml_node *node)
{
	struct xml_node *cur = node, *up, *child;

	if (!node)
		return;
	if (node->parent)
		xml_detach_child(node->parent, node);
	while (cur) {
		if (cur->type == XML_ELEMENT && cur->n_children) {
			child = cur->children[--cur->n_children];
			child->parent = cur;
			cur = child;
			continue;
		}
		up = cur == node ? NULL : cur->parent;
		node_free_one(cur);
		cur = up;
	}
}

struct xml_node *xml_element_new(const char *name, const char *ns)
{
	struct xml_node *el;
	int ok = 1;

	if (!xml_name_valid(name))
		return NULL;
	if (ns && !*ns)
		ns = NULL;
	if (ns && !xml_chars_valid(ns, strlen(ns)))
		return NULL;
	el = xml_node_alloc(XML_ELEMENT);
	if (!el)
		return NULL;
	el->name = dup_opt(name, &ok);
	el->ns = dup_opt(ns, &ok);
	if (!ok) {
		xml_free(el);
		return NULL;
	}
	return el;
}

struct xml_node *xml_text_new(const char *text, size_t n)
{
	struct xml_node *t;

	if (!xml_chars_valid(text, n))
		return NULL;
	t = xml_node_alloc(XML_TEXT);
	if (!t)
		return NULL;
	t->text = xml_strndup(text, n);
	if (!t->text) {
		free(t);
		return NULL;
	}
	t->text_len = n;
	return t;
}

/* Capacity of a child array is implied by its length: 4, 8, 16... */
static int children_reserve(struct xml_node *el)
{
	size_t n = el->n_children, cap;
	struct xml_node **grown;

	if (n != 0 && (n < 4 || (n & (n - 1)) != 0))
		return XE2E_OK;
	cap = n ? n * 2 : 4;
	if (cap > SIZE_MAX / sizeof(*grown))
		return XE2E_E_NOMEM;
	grown = realloc(el->children, cap * sizeof(*grown));
	if (!grown)
		return XE2E_E_NOMEM;
	el->children = grown;
	return XE2E_OK;
}

static int is_ancestor_or_self(const struct xml_node *a, const struct xml_node *n)
{
	if (a->type != XML_ELEMENT || a->n_children == 0)
		return a == n; /* nothing below a: appending stays O(1) */
	for (; n; n = n->parent)
		if (n == a)
			return 1;
	return 0;
}

int xml_append_child(struct xml_node *parent, struct xml_node *child)
{
	int err;

	if (!parent || !child || parent->type != XML_ELEMENT)
		return XE2E_E_MALFORMED;
	if (child->parent || is_ancestor_or_self(child, parent))
		return XE2E_E_STATE;
	err = children_reserve(parent);
	if (err)
		return err;
	parent->children[parent->n_children++] = child;
	child->parent = parent;
	return XE2E_OK;
}

int xml_append_text(struct xml_node *parent, const char *text, size_t n)
{
	struct xml_node *t;
	int err;

	if (!parent || parent->type != XML_ELEMENT || !xml_chars_valid(text, n))
		return XE2E_E_MALFORMED;
	if (n == 0)
		return XE2E_OK;
	t = xml_text_new(text, n);
	if (!t)
		return XE2E_E_NOMEM;
	err = xml_append_child(parent, t);
	if (err)
		xml_free(t);
	return err;
}

/* --- attributes --- */

static int same_ns(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static struct xml_attr *attr_find(const struct xml_node *el, const char *name, const char *ns)
{
	if (!el || el->type != XML_ELEMENT || !name)
		return NULL;
	for (size_t i = 0; i < el->n_attrs; i++)
		if (strcmp(el->attrs[i].name, name) == 0 && same_ns(el->attrs[i].ns, ns))
			return &el->attrs[i];
	return NULL;
}

int xml_add_attr(struct xml_node *el, const char *name, const char *ns, const char *prefix,
		 const char *value, size_t value_len)
{
	struct xml_attr *grown, *a;
	int ok = 1;

	grown = realloc(el->attrs, (el->n_attrs + 1) * sizeof(*grown));
	if (!grown)
		return XE2E_E_NOMEM;
	el->attrs = grown;
	a = &el->attrs[el->n_attrs];
	a->name = dup_opt(name, &ok);
	a->ns = dup_opt(ns, &ok);
	a->prefix = dup_opt(prefix, &ok);
	a->value = xml_strndup(value, value_len);
	if (!ok || !a->value) {
		attr_clear(a);
		return XE2E_E_NOMEM;
	}
	el->n_attrs++;
	return XE2E_OK;
}

int xml_add_nsdecl(struct xml_node *el, const char *prefix, const char *uri)
{
	struct xml_nsdecl *grown, *d;
	int ok = 1;

	grown = realloc(el->nsdecls, (el->n_nsdecls + 1) * sizeof(*grown));
	if (!grown)
		return XE2E_E_NOMEM;
	el->nsdecls = grown;
	d = &el->nsdecls[el->n_nsdecls];
	d->prefix = dup_opt(prefix, &ok);
	d->uri = dup_opt(uri ? uri : "", &ok);
	if (!ok) {
		xml_str_free(d->prefix);
		xml_str_free(d->uri);
		return XE2E_E_NOMEM;
	}
	el->n_nsdecls++;
	return XE2E_OK;
}

/* Checks a (name, ns, prefix) triple for xml_set_attr_ns. */
static int attr_name_ok(const char *name, const char *ns, const char *prefix)
{
	if (!xml_name_valid(name))
		return 0;
	if (!ns)
		return prefix == NULL;
	if (!*ns || !xml_chars_valid(ns, strlen(ns)) || !xml_name_valid(prefix))
		return 0;
	if (strcmp(prefix, "xmlns") == 0)
		return 0;
	return (strcmp(prefix, "xml") == 0) == (strcmp(ns, XML_NS_XML) == 0);
}

int xml_set_attr_ns(struct xml_node *el, const char *name, const char *ns, const char *prefix,
		    const char *value)
{
	struct xml_attr *a;
	char *v, *p = NULL;
	int ok = 1;

	if (!el || el->type != XML_ELEMENT || !value || !attr_name_ok(name, ns, prefix) ||
	    !xml_chars_valid(value, strlen(value)))
		return XE2E_E_MALFORMED;
	a = attr_find(el, name, ns);
	if (!a)
		return xml_add_attr(el, name, ns, prefix, value, strlen(value));
	v = dup_opt(value, &ok);
	p = dup_opt(prefix, &ok);
	if (!ok) {
		xml_str_free(v);
		xml_str_free(p);
		return XE2E_E_NOMEM;
	}
	xml_str_free(a->value);
	xml_str_free(a->prefix);
	a->value = v;
	a->prefix = p;
	return XE2E_OK;
}

int xml_set_attr(struct xml_node *el, const char *name, const char *value)
{
	return xml_set_attr_ns(el, name, NULL, NULL, value);
}

const char *xml_get_attr_ns(const struct xml_node *el, const char *name, const char *ns)
{
	const struct xml_attr *a = attr_find(el, name, ns);

	return a ? a->value : NULL;
}

const char *xml_get_attr(const struct xml_node *el, const char *name)
{
	return xml_get_attr_ns(el, name, NULL);
}

int xml_remove_attr(struct xml_node *el, const char *name)
{
	struct xml_attr *a = attr_find(el, name, NULL);
	size_t i;

	if (!a)
		return 0;
	i = (size_t)(a - el->attrs);
	attr_clear(a);
	memmove(a, a + 1, (el->n_attrs - i - 1) * sizeof(*a));
	el->n_attrs--;
	return 1;
}

/* --- inspecting --- */

struct xml_node *xml_find_child(const struct xml_node *el, const char *name, const char *ns)
{
	struct xml_node *c;

	if (!el || el->type != XML_ELEMENT || !name)
		return NULL;
	for (size_t i = 0; i < el->n_children; i++) {
		c = el->children[i];
		if (c->type == XML_ELEMENT && strcmp(c->name, name) == 0 &&
		    (!ns || (c->ns && strcmp(c->ns, ns) == 0)))
			return c;
	}
	return NULL;
}

struct xml_node *xml_detach_child(struct xml_node *el, struct xml_node *child)
{
	size_t i;

	if (!el || !child || el->type != XML_ELEMENT)
		return NULL;
	for (i = 0; i < el->n_children; i++)
		if (el->children[i] == child)
			break;
	if (i == el->n_children)
		return NULL;
	memmove(&el->children[i], &el->children[i + 1],
		(el->n_children - i - 1) * sizeof(el->children[0]));
	el->n_children--;
	child->parent = NULL;
	return child;
}

char *xml_text(const struct xml_node *el)
{
	size_t len = 0, at = 0;
	const struct xml_node *c;
	char *s;

	if (!el || el->type != XML_ELEMENT)
		return NULL;
	for (size_t i = 0; i < el->n_children; i++)
		if (el->children[i]->type == XML_TEXT)
			len += el->children[i]->text_len;
	s = malloc(len + 1);
	if (!s)
		return NULL;
	for (size_t i = 0; i < el->n_children; i++) {
		c = el->children[i];
		if (c->type != XML_TEXT || !c->text_len)
			continue;
		memcpy(s + at, c->text, c->text_len);
		at += c->text_len;
	}
	s[at] = '\0';
	return s;
}

/* --- copying --- */

/* A copy of the node without its children. */
static struct xml_node *node_copy(const struct xml_node *src)
{
	struct xml_node *d = xml_node_alloc(src->type);
	int ok = 1, err = XE2E_OK;

	if (!d)
		return NULL;
	if (src->type == XML_TEXT) {
		d->text = xml_strndup(src->text ? src->text : "", src->text_len);
		d->text_len = src->text_len;
		ok = d->text != NULL;
	}
	d->name = dup_opt(src->name, &ok);
	d->ns = dup_opt(src->ns, &ok);
	d->prefix = dup_opt(src->prefix, &ok);
	for (size_t i = 0; i < src->n_nsdecls && ok && !err; i++)
		err = xml_add_nsdecl(d, src->nsdecls[i].prefix, src->nsdecls[i].uri);
	for (size_t i = 0; i < src->n_attrs && ok && !err; i++) {
		const struct xml_attr *a = &src->attrs[i];

		err = xml_add_attr(d, a->name, a->ns, a->prefix, a->value, strlen(a->value));
	}
	if (!ok || err) {
		xml_free(d);
		return NULL;
	}
	return d;
}

struct xml_node *xml_clone(const struct xml_node *node)
{
	const struct xml_node *src = node;
	struct xml_node *root, *dst, *c;

	if (!node)
		return NULL;
	root = dst = node_copy(node);
	while (dst) {
		if (dst->n_children < src->n_children) {
			c = node_copy(src->children[dst->n_children]);
			if (!c || xml_append_child(dst, c)) {
				xml_free(c);
				xml_free(root);
				return NULL;
			}
			src = src->children[dst->n_children - 1];
			dst = c;
			continue;
		}
		if (dst == root)
			break;
		src = src->parent;
		dst = dst->parent;
	}
	return root;
}
