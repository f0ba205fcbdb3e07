/*
 * Namespace scopes while walking a tree: which prefix means which
 * namespace at each element, and which declarations a tree needs from
 * outside it.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "xml_priv.h"

static int same_prefix(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

int xml_scope_init(struct xml_scope *sc)
{
	int err;

	memset(sc, 0, sizeof(*sc));
	err = xml_scope_push(sc, "xml", XML_NS_XML);
	if (!err)
		err = xml_scope_push(sc, NULL, XML_NS_CLIENT);
	sc->base = sc->n;
	return err;
}

void xml_scope_free(struct xml_scope *sc)
{
	free(sc->b);
	memset(sc, 0, sizeof(*sc));
}

int xml_scope_push(struct xml_scope *sc, const char *prefix, const char *uri)
{
	struct xml_binding *grown;
	size_t cap;

	if (sc->n == sc->cap) {
		cap = sc->cap ? sc->cap * 2 : 16;
		grown = realloc(sc->b, cap * sizeof(*grown));
		if (!grown)
			return XE2E_E_NOMEM;
		sc->b = grown;
		sc->cap = cap;
	}
	sc->b[sc->n].prefix = prefix;
	sc->b[sc->n].uri = uri ? uri : "";
	sc->n++;
	return XE2E_OK;
}

void xml_scope_pop_to(struct xml_scope *sc, size_t n)
{
	if (n < sc->n)
		sc->n = n;
}

static size_t scope_index(const struct xml_scope *sc, const char *prefix)
{
	for (size_t i = sc->n; i > 0; i--)
		if (same_prefix(sc->b[i - 1].prefix, prefix))
			return i;
	return 0;
}

const struct xml_binding *xml_scope_find(const struct xml_scope *sc, const char *prefix)
{
	size_t i = scope_index(sc, prefix);

	return i ? &sc->b[i - 1] : NULL;
}

int xml_scope_in_tree(const struct xml_scope *sc, const char *prefix)
{
	return scope_index(sc, prefix) > sc->base;
}

int xml_scope_enter(struct xml_scope *sc, const struct xml_node *el)
{
	int err = XE2E_OK;

	for (size_t i = 0; i < el->n_nsdecls && !err; i++)
		err = xml_scope_push(sc, el->nsdecls[i].prefix, el->nsdecls[i].uri);
	return err;
}

/* --- declarations a tree needs from outside --- */

struct outside {
	struct xml_scope sc;
	struct xml_binding *out;
	size_t n, cap;
};

static const struct xml_binding *outside_find(const struct outside *o, const char *prefix)
{
	for (size_t i = 0; i < o->n; i++)
		if (same_prefix(o->out[i].prefix, prefix))
			return &o->out[i];
	return NULL;
}

static int outside_add(struct outside *o, const char *prefix, const char *uri)
{
	struct xml_binding *grown;
	size_t cap;

	if (o->n == o->cap) {
		cap = o->cap ? o->cap * 2 : 4;
		grown = realloc(o->out, cap * sizeof(*grown));
		if (!grown)
			return XE2E_E_NOMEM;
		o->out = grown;
		o->cap = cap;
	}
	o->out[o->n].prefix = prefix;
	o->out[o->n].uri = uri;
	o->n++;
	return XE2E_OK;
}

/* Notes one use of prefix (never NULL here) with namespace uri. */
static int outside_use(struct outside *o, const char *prefix, const char *uri)
{
	const struct xml_binding *b;

	if (!prefix || !uri)
		return XE2E_OK;
	if (xml_scope_in_tree(&o->sc, prefix) || outside_find(o, prefix))
		return XE2E_OK; /* bound in the tree, or already taken from outside */
	b = xml_scope_find(&o->sc, prefix);
	if (b && strcmp(b->uri, uri) == 0)
		return XE2E_OK; /* implied (xml) */
	return outside_add(o, prefix, uri);
}

static int outside_enter(void *ctx, const struct xml_node *el, int is_root, size_t *slot)
{
	struct outside *o = ctx;
	int err;

	(void)is_root;
	*slot = o->sc.n;
	err = xml_scope_enter(&o->sc, el);
	if (!err)
		err = outside_use(o, el->prefix, el->ns);
	for (size_t i = 0; i < el->n_attrs && !err; i++)
		err = outside_use(o, el->attrs[i].prefix, el->attrs[i].ns);
	return err;
}

static int outside_leave(void *ctx, const struct xml_node *el, size_t slot)
{
	struct outside *o = ctx;

	(void)el;
	xml_scope_pop_to(&o->sc, slot);
	return XE2E_OK;
}

static int outside_text(void *ctx, const struct xml_node *text)
{
	(void)ctx;
	(void)text;
	return XE2E_OK;
}

int xml_ns_outside(const struct xml_node *root, struct xml_binding **out, size_t *n)
{
	static const struct xml_walk_ops ops = {outside_enter, outside_leave, outside_text};
	struct outside o = {.out = NULL, .n = 0, .cap = 0};
	int err;

	*out = NULL;
	*n = 0;
	err = xml_scope_init(&o.sc);
	if (!err)
		err = xml_walk(root, &ops, &o);
	xml_scope_free(&o.sc);
	if (err) {
		free(o.out);
		return err;
	}
	*out = o.out;
	*n = o.n;
	return XE2E_OK;
}
