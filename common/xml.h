/*
 * XMPP stanza streams (DESIGN section 3).
 *
 * Input is bare top-level elements one after another, or a
 * <stream:stream> wrapper holding them; each stanza is handed over as a
 * tree as soon as its end tag has been read. RFC 6120 section 11.1 is
 * enforced (no DOCTYPE, entity declarations, processing instructions or
 * comments) and depth, attribute count and stanza size are bounded.
 *
 * Serialization is exact: element and attribute prefixes, namespace
 * declarations and their order, attribute order and text come back
 * XML-equivalent to what was read, one stanza per line.
 */
#ifndef XE2E_XML_H
#define XE2E_XML_H

#include <stddef.h>

#include "buf.h"

enum xml_node_type {
	XML_ELEMENT = 1,
	XML_TEXT = 2,
};

/* A namespace declaration made on an element: xmlns='uri' (prefix NULL) or
 * xmlns:prefix='uri'. */
struct xml_nsdecl {
	char *prefix;
	char *uri;
};

/* An attribute. ns/prefix are NULL for unprefixed attributes. */
struct xml_attr {
	char *name; /* local name */
	char *ns;
	char *prefix;
	char *value;
};

struct xml_node {
	enum xml_node_type type;
	struct xml_node *parent;

	/* XML_ELEMENT */
	char *name;   /* local name */
	char *ns;     /* namespace URI in scope, NULL when none */
	char *prefix; /* prefix written in the source, NULL when none */
	struct xml_nsdecl *nsdecls;
	size_t n_nsdecls;
	struct xml_attr *attrs;
	size_t n_attrs;
	struct xml_node **children;
	size_t n_children;

	/* XML_TEXT: UTF-8, entities resolved, may contain any character XML allows */
	char *text;
	size_t text_len;
};

/* Bounds on input; xml_limits_default() gives the documented defaults. */
struct xml_limits {
	size_t max_stanza_bytes; /* default 1 MiB (1048576) */
	unsigned max_depth;      /* default 64 elements below the stanza root */
	unsigned max_attrs;      /* default 64 attributes on one element */
};
#define XML_DEFAULT_MAX_STANZA_BYTES (1024u * 1024u)
#define XML_DEFAULT_MAX_DEPTH 64u
#define XML_DEFAULT_MAX_ATTRS 64u

struct xml_limits xml_limits_default(void);

/* --- building and inspecting trees --- */

/* A new element with local name and namespace (ns may be NULL). When ns is
 * set, the element declares it as its default namespace on serialization. */
struct xml_node *xml_element_new(const char *name, const char *ns);

/* Frees a node and everything below it; wipes text and attribute values. */
void xml_free(struct xml_node *node);

/* Appends child (element or text) to parent, which takes ownership. */
int xml_append_child(struct xml_node *parent, struct xml_node *child);

/* Appends a text node with n bytes of text. */
int xml_append_text(struct xml_node *parent, const char *text, size_t n);

/* Sets an unprefixed attribute, replacing an existing one in place. */
int xml_set_attr(struct xml_node *el, const char *name, const char *value);

/* The value of an unprefixed attribute, or NULL. */
const char *xml_get_attr(const struct xml_node *el, const char *name);

/* Removes an unprefixed attribute; 1 when it was there, 0 when not. */
int xml_remove_attr(struct xml_node *el, const char *name);

/* The first child element with this local name and namespace (ns NULL
 * matches any), or NULL. */
struct xml_node *xml_find_child(const struct xml_node *el, const char *name, const char *ns);

/* Removes child from el and returns it (caller frees); NULL if not a child. */
struct xml_node *xml_detach_child(struct xml_node *el, struct xml_node *child);

/* The concatenated text of the element's direct text children (caller frees). */
char *xml_text(const struct xml_node *el);

/* A deep copy, or NULL when out of memory. */
struct xml_node *xml_clone(const struct xml_node *node);

/* --- serialization --- */

/* Appends the element as XML (no newline). Namespace declarations that the
 * element relies on from ancestors outside the tree are written on it. */
int xml_serialize(const struct xml_node *node, struct buf *out);

/* Parses one complete element from memory, with the limits and the
 * RFC 6120 restrictions of the reader; trailing non-whitespace is an error. */
int xml_parse_element(const char *data, size_t len, const struct xml_limits *limits,
		      struct xml_node **out);

/* --- reading stanza streams --- */

struct xml_reader;

enum xml_reader_mode {
	/* Reads in large chunks; stanzas are still handed over as soon as
	 * their end tag arrives, so live pipes work. */
	XML_READ_BUFFERED = 0,
	/* Never consumes a byte past the end tag of the stanza it returns,
	 * so another program can read the next stanza from the same fd. */
	XML_READ_EXACT = 1,
};

/* A reader over fd; limits NULL means the defaults. */
int xml_reader_new(struct xml_reader **reader, int fd, enum xml_reader_mode mode,
		   const struct xml_limits *limits);

/*
 * The next stanza (caller frees with xml_free). XE2E_E_EOF at a clean end
 * of input (end of file between stanzas, or </stream:stream>). Errors
 * (XE2E_E_MALFORMED, XE2E_E_XML, XE2E_E_LIMIT, XE2E_E_IO) are final, with a
 * detail naming the line and column.
 */
int xml_reader_next(struct xml_reader *reader, struct xml_node **stanza);

/* 1 when the input was wrapped in <stream:stream>. */
int xml_reader_in_stream(const struct xml_reader *reader);

void xml_reader_free(struct xml_reader *reader);

/* --- writing stanza streams --- */

/* Writes the stanza as one line (serialization + '\n') to fd, completely,
 * retrying short writes; XE2E_E_IO on failure (a closed pipe included). */
int xml_write_stanza(int fd, const struct xml_node *stanza);

#endif
