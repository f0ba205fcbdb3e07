/*
 * XMPP stanza streams (xe2e(7) CONVENTIONS).
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
 *
 * Namespaces. A stanza is read as if inside a jabber:client stream, bare or
 * wrapped: an element without an xmlns of its own has ns "jabber:client"
 * (never NULL) in both cases, and both give identical trees. Prefixed
 * declarations that a wrapped stanza uses from the <stream:stream> header
 * are added to the stanza's own nsdecls (after those it has), so each
 * stanza stands alone. The parser leaves ns NULL only for elements in no
 * namespace (after xmlns='').
 *
 * The serialized form, which others may rely on:
 *   - no XML declaration, no white space inside tags but single spaces;
 *   - "<" qname, then the element's namespace declarations in order, then
 *     any declarations it needs from outside the tree (see xml_serialize),
 *     then its attributes in order, each as name='value' (single quotes);
 *   - an element without children as <x/> (also when read as <x></x>);
 *   - text: & < > as &amp; &lt; &gt;, CR as &#13; and LF as &#10; (so a
 *     stanza is always one line), everything else as is (UTF-8, tabs);
 *     CDATA sections come out as escaped text;
 *   - attribute values: & < ' as &amp; &lt; &apos;, TAB LF CR as &#9;
 *     &#10; &#13;, everything else as is (" and > too);
 *   - adjacent text read in pieces (entities, CDATA) is one text node.
 * xmlns='jabber:client' is implied at the top and not written there;
 * written as a stanza's own declaration it comes back as written.
 */
#ifndef XE2E_XML_H
#define XE2E_XML_H

#include <stddef.h>

#include "buf.h"

#define XML_NS_XML "http://www.w3.org/XML/1998/namespace" /* the xml: prefix */
#define XML_NS_CLIENT "jabber:client"
#define XML_NS_STREAMS "http://etherx.jabber.org/streams"

enum xml_node_type {
	XML_ELEMENT = 1,
	XML_TEXT = 2,
};

/* A namespace declaration made on an element: xmlns='uri' (prefix NULL) or
 * xmlns:prefix='uri'. uri is "" for xmlns=''. */
struct xml_nsdecl {
	char *prefix;
	char *uri;
};

/* An attribute. ns/prefix are NULL for unprefixed attributes. xml:lang has
 * prefix "xml" and ns "http://www.w3.org/XML/1998/namespace". */
struct xml_attr {
	char *name; /* local name */
	char *ns;
	char *prefix;
	char *value;
};

struct xml_node {
	enum xml_node_type type;
	struct xml_node *parent;

	/* XML_ELEMENT; parent pointers are kept by the functions below, and
	 * free and clone walk the tree by them. */
	char *name;   /* local name */
	char *ns;     /* namespace URI in scope, NULL when none (see above) */
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

/*
 * A new element with local name and namespace (ns may be NULL), or NULL
 * when the name is not an XML name without a colon, or out of memory.
 * When ns is set, the element declares it as its default namespace on
 * serialization unless it already is the default there (jabber:client is
 * the default at the top, so xml_element_new("message", "jabber:client")
 * is written <message/>). When ns is NULL the element takes whatever
 * default namespace surrounds it where it is written.
 */
struct xml_node *xml_element_new(const char *name, const char *ns);

/* A new, unattached text node with n bytes of text, or NULL when the text
 * is not UTF-8 of characters XML allows, or out of memory. */
struct xml_node *xml_text_new(const char *text, size_t n);

/* Frees a node and everything below it (any depth, no recursion), first
 * detaching it from its parent; wipes text and attribute values. NULL is
 * allowed. */
void xml_free(struct xml_node *node);

/* Appends child (element or text) to parent, which takes ownership.
 * XE2E_E_STATE when child already has a parent or is parent's ancestor. */
int xml_append_child(struct xml_node *parent, struct xml_node *child);

/* Appends a text node with n bytes of text (nothing when n is 0);
 * XE2E_E_MALFORMED unless the text is UTF-8 of characters XML allows. */
int xml_append_text(struct xml_node *parent, const char *text, size_t n);

/* Sets an unprefixed attribute, replacing an existing one in place.
 * XE2E_E_MALFORMED for a bad name or a value XML cannot carry. */
int xml_set_attr(struct xml_node *el, const char *name, const char *value);

/* Sets an attribute in namespace ns written with prefix (both NULL: the
 * same as xml_set_attr), e.g. ("lang", XML_NS_XML, "xml", "en") for xml:lang.
 * An attribute with the same name and ns is replaced in place. */
int xml_set_attr_ns(struct xml_node *el, const char *name, const char *ns, const char *prefix,
		    const char *value);

/* The value of an unprefixed attribute, or NULL. */
const char *xml_get_attr(const struct xml_node *el, const char *name);

/* The value of the attribute with this local name in namespace ns (NULL:
 * unprefixed), or NULL. */
const char *xml_get_attr_ns(const struct xml_node *el, const char *name, const char *ns);

/* Removes an unprefixed attribute; 1 when it was there, 0 when not. */
int xml_remove_attr(struct xml_node *el, const char *name);

/* The first child element with this local name and namespace (ns NULL
 * matches any), or NULL. */
struct xml_node *xml_find_child(const struct xml_node *el, const char *name, const char *ns);

/* Removes child from el and returns it (caller frees); NULL if not a child. */
struct xml_node *xml_detach_child(struct xml_node *el, struct xml_node *child);

/* The concatenated text of the element's direct text children, NUL-
 * terminated, or NULL when out of memory (caller wipes and frees). */
char *xml_text(const struct xml_node *el);

/* A deep copy (unattached, any depth, no recursion), or NULL when out of
 * memory. */
struct xml_node *xml_clone(const struct xml_node *node);

/* --- serialization --- */

/*
 * Appends the element as XML (no newline), in the form described at the
 * top. Namespace declarations that the element relies on from ancestors
 * outside the tree are written on it: each prefix used in the tree but
 * declared nowhere above its use inside it, with the namespace of its
 * first use. An element whose namespace is not the default in scope gets
 * xmlns='ns' where needed. No recursion: any depth is safe.
 * XE2E_E_MALFORMED for trees that cannot be written (bad names, a prefix
 * without a namespace, two bindings of one prefix on one element); out is
 * then as it was.
 */
int xml_serialize(const struct xml_node *node, struct buf *out);

/* Parses one complete element from memory, with the limits (NULL: the
 * defaults) and the RFC 6120 restrictions of the reader, and the same tree
 * it would give; an optional XML declaration and white space may surround
 * it, anything else is an error. <stream:stream> is an ordinary element
 * here. */
int xml_parse_element(const char *data, size_t len, const struct xml_limits *limits,
		      struct xml_node **out);

/* --- reading stanza streams --- */

struct xml_reader;

enum xml_reader_mode {
	/* Reads in large chunks; stanzas are still handed over as soon as
	 * their end tag arrives, so live pipes work. */
	XML_READ_BUFFERED = 0,
	/* Never consumes a byte past the end tag of the stanza it returns,
	 * so another program can read the next stanza from the same fd.
	 * Files, pipes and sockets are read in blocks it looks at before it
	 * takes them (xml_exact.c): a buffered read and one more system call
	 * per stanza; other fds (a terminal) one byte per read(2). */
	XML_READ_EXACT = 1,
};

/* A reader over fd; limits NULL means the defaults. The reader does not
 * own fd. Input is an optional XML declaration, then stanzas one after
 * another, or one <stream:stream> holding them; white space between
 * stanzas is skipped, other text is an error. */
int xml_reader_new(struct xml_reader **reader, int fd, enum xml_reader_mode mode,
		   const struct xml_limits *limits);

/*
 * The next stanza (caller frees with xml_free). XE2E_E_EOF at a clean end
 * of input (end of file between stanzas, inside a stream or not, or
 * </stream:stream>, after which nothing more is read). Errors
 * (XE2E_E_MALFORMED, XE2E_E_XML, XE2E_E_LIMIT, XE2E_E_IO, XE2E_E_NOMEM)
 * are final, with a detail naming the line and column, e.g. "unexpected
 * end of input inside <message> at line 3, column 5"; every later call
 * returns the same. A bound exceeded names the limit and its value.
 */
int xml_reader_next(struct xml_reader *reader, struct xml_node **stanza);

/*
 * As xml_reader_next(), but never waits: the next stanza only if what the
 * reader holds and what fd has ready to read complete it. XE2E_E_TIMEOUT,
 * which is not final, when they do not: the bytes read so far stay in the
 * reader for the next call. For taking a batch of what is waiting.
 */
int xml_reader_next_ready(struct xml_reader *reader, struct xml_node **stanza);

/* 1 when the input was wrapped in <stream:stream>. */
int xml_reader_in_stream(const struct xml_reader *reader);

void xml_reader_free(struct xml_reader *reader);

/* --- writing stanza streams --- */

/* Writes the stanza as one line (serialization + '\n') to fd, completely,
 * retrying short writes and EINTR; XE2E_E_IO on failure (a closed pipe
 * included: callers ignore SIGPIPE). */
int xml_write_stanza(int fd, const struct xml_node *stanza);

/* Appends the stanza as xml_write_stanza() writes it to out, so that
 * several go out in one xml_write_lines(). */
int xml_append_line(struct buf *out, const struct xml_node *stanza);

/* Writes the bytes of lines to fd completely, as xml_write_stanza(). */
int xml_write_lines(int fd, const struct buf *lines);

#endif
