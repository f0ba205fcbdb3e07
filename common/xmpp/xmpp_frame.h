/*
 * Stanzas out of a byte stream that arrives in pieces, without blocking:
 * the caller reads what a socket or pipe has (poll(2), non-blocking TLS),
 * feeds it here, and takes every stanza whose end tag has arrived.
 *
 * The input is what xml_reader_new() accepts: an optional XML declaration,
 * then stanzas one after another, or one <stream:stream> holding them.
 * The framer only finds where each top-level element (each child of the
 * stream) ends; the element itself is then parsed by xml_parse_element(),
 * with the RFC 6120 restrictions and limits of xml.h, inside the stream
 * header it arrived in, so its namespaces are those of the stream and the
 * tree is the one xml_reader_next() would give. Comments, processing
 * instructions and DOCTYPE are refused as soon as they are seen.
 *
 * An XMPP stream restart (after STARTTLS and after SASL) is a new framer;
 * xmpp_frame_buffered() tells whether bytes came after the last stanza,
 * which after <proceed/> would be an injection (RFC 6120 section 5.3.3).
 */
#ifndef XE2E_XMPP_FRAME_H
#define XE2E_XMPP_FRAME_H

#include <stddef.h>

#include "xml.h"

struct xmpp_frame;

/* A framer with the given limits (NULL: the defaults of xml.h). When
 * need_stream is set, the input must be a <stream:stream> (as a server's
 * is); otherwise bare stanzas are accepted too. */
int xmpp_frame_new(struct xmpp_frame **frame, const struct xml_limits *limits, int need_stream);

/* Wipes and frees; NULL is allowed. */
void xmpp_frame_free(struct xmpp_frame *frame);

/* What may wait unread beyond one stanza's worth: a few reads' worth. */
#define XMPP_FRAME_SLACK 262144

/* Appends n bytes of input. XE2E_E_LIMIT when more than a stanza's worth
 * and XMPP_FRAME_SLACK bytes are waiting unread (take stanzas after every
 * few reads); errors are final. */
int xmpp_frame_feed(struct xmpp_frame *frame, const void *data, size_t n);

/*
 * The next complete stanza (caller frees), or *stanza NULL with XE2E_OK
 * when none is complete yet. XE2E_E_EOF once the stream was closed by
 * </stream:stream> (nothing after it is read), or after
 * xmpp_frame_finish() at a boundary between stanzas. Errors
 * (XE2E_E_MALFORMED, XE2E_E_XML, XE2E_E_LIMIT, XE2E_E_NOMEM) are final,
 * with a detail giving the byte offset in the input.
 */
int xmpp_frame_next(struct xmpp_frame *frame, struct xml_node **stanza);

/* Marks the end of the input: from then on xmpp_frame_next() returns the
 * stanzas still complete, then XE2E_E_EOF, or XE2E_E_MALFORMED when the
 * input stopped inside a stanza or an XML declaration. */
void xmpp_frame_finish(struct xmpp_frame *frame);

/* The stream header as an element without children (its attributes: to,
 * from, id, version, xml:lang), or NULL before it arrived or when the input
 * is bare. Owned by the framer. */
const struct xml_node *xmpp_frame_header(const struct xmpp_frame *frame);

/* 1 when the stream header has been read (even when the stream already
 * ended), 0 otherwise. */
int xmpp_frame_started(const struct xmpp_frame *frame);

/* Bytes fed that do not belong to a stanza handed out yet (white space
 * between stanzas included). */
size_t xmpp_frame_buffered(const struct xmpp_frame *frame);

#endif
