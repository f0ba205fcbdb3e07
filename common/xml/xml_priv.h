/*
 * Internals shared by the xml_*.c files; not part of the library's
 * interface. See xml.h for the public contract.
 */
#ifndef XE2E_XML_PRIV_H
#define XE2E_XML_PRIV_H

#include <stddef.h>

#include "xml.h"

/* XML_NS_CLIENT, the default namespace of a client stream, is implied
 * around every stanza (xml.h). */

/* --- xml_chars.c --- */

/* 1 when the n bytes are UTF-8 made of characters XML 1.0 allows. */
int xml_chars_valid(const char *s, size_t n);

/* 1 when s is a name without a colon (an NCName, non-ASCII letters taken
 * on trust as long as they are valid UTF-8). */
int xml_name_valid(const char *s);

/* 1 when the n bytes are XML white space only. */
int xml_is_space(const char *s, size_t n);

/* A NUL-terminated copy of n bytes, or NULL. */
char *xml_strndup(const char *s, size_t n);

/* Wipes and frees a NUL-terminated string. */
void xml_str_free(char *s);

/* --- xml_ns.c: namespace scopes --- */

struct xml_binding {
	const char *prefix; /* NULL for the default namespace */
	const char *uri;    /* "" when undeclared (xmlns='') */
};

/* A stack of bindings; the innermost is found last. Strings are borrowed
 * from the tree being walked. */
struct xml_scope {
	struct xml_binding *b;
	size_t n, cap;
	size_t base; /* bindings below this index are implied, not in the tree */
};

/* A scope holding the implied bindings: xml, and jabber:client as default. */
int xml_scope_init(struct xml_scope *sc);
void xml_scope_free(struct xml_scope *sc);
int xml_scope_push(struct xml_scope *sc, const char *prefix, const char *uri);
void xml_scope_pop_to(struct xml_scope *sc, size_t n);

/* The binding of prefix (NULL: the default) innermost in scope, or NULL. */
const struct xml_binding *xml_scope_find(const struct xml_scope *sc, const char *prefix);

/* 1 when the prefix is bound in the tree itself rather than implied. */
int xml_scope_in_tree(const struct xml_scope *sc, const char *prefix);

/* Pushes the element's own declarations. */
int xml_scope_enter(struct xml_scope *sc, const struct xml_node *el);

/*
 * The prefixed declarations the tree relies on from outside it (a stream
 * header, or ancestors of a subtree): each prefix used by an element or an
 * attribute and declared nowhere above that use within the tree, with the
 * namespace of its first use, in document order. *out is an array of
 * borrowed strings (caller frees the array only).
 */
int xml_ns_outside(const struct xml_node *root, struct xml_binding **out, size_t *n);

/* --- xml_walk.c: depth-first walk without recursion --- */

struct xml_walk_ops {
	/* An element opens; it is followed by its children, then leave. slot
	 * is a value kept for the element between enter and leave. */
	int (*enter)(void *ctx, const struct xml_node *el, int is_root, size_t *slot);
	int (*leave)(void *ctx, const struct xml_node *el, size_t slot);
	int (*text)(void *ctx, const struct xml_node *text);
};

/* Walks the tree under root in document order; stops at the first
 * callback that returns non-zero and returns that value. */
int xml_walk(const struct xml_node *root, const struct xml_walk_ops *ops, void *ctx);

/* --- xml.c --- */

/* A bare node of the type, or NULL. */
struct xml_node *xml_node_alloc(enum xml_node_type type);

/* Appends a declaration to the element (copies the strings). */
int xml_add_nsdecl(struct xml_node *el, const char *prefix, const char *uri);

/* Appends an attribute without looking for an existing one; copies. */
int xml_add_attr(struct xml_node *el, const char *name, const char *ns, const char *prefix,
		 const char *value, size_t value_len);

#endif
