/*
 * Stream-level XML of an XMPP client stream (RFC 6120): the header the
 * client sends, the <stream:features/> it reads, and the error conditions
 * of streams, SASL and stanzas put into words.
 */
#ifndef XE2E_XMPP_STREAM_H
#define XE2E_XMPP_STREAM_H

#include <stddef.h>

#include "buf.h"
#include "xml.h"

#define XMPP_NS_TLS "urn:ietf:params:xml:ns:xmpp-tls"
#define XMPP_NS_SASL "urn:ietf:params:xml:ns:xmpp-sasl"
#define XMPP_NS_BIND "urn:ietf:params:xml:ns:xmpp-bind"
#define XMPP_NS_SESSION "urn:ietf:params:xml:ns:xmpp-session"
#define XMPP_NS_STREAM_ERRORS "urn:ietf:params:xml:ns:xmpp-streams"
#define XMPP_NS_STANZA_ERRORS "urn:ietf:params:xml:ns:xmpp-stanzas"
#define XMPP_NS_PING "urn:xmpp:ping"

/* SASL mechanisms xe2e-connect knows, as bits. */
enum xmpp_mech {
	XMPP_MECH_PLAIN = 1u << 0,
	XMPP_MECH_SCRAM_SHA1 = 1u << 1,
	XMPP_MECH_SCRAM_SHA256 = 1u << 2,
};

/* What a <stream:features/> offers. Unknown features and mechanisms are
 * ignored (the -PLUS variants of SCRAM among them: no channel binding). */
struct xmpp_features {
	int starttls;          /* <starttls xmlns='...xmpp-tls'/> */
	int starttls_required; /* with <required/> */
	int sasl;              /* <mechanisms/> present */
	unsigned mechs;        /* enum xmpp_mech bits offered */
	int bind;              /* resource binding offered */
	int session;           /* RFC 3921 session needed (not <optional/>) */
};

/* Parses a <stream:features/> element. XE2E_E_MALFORMED when el is not
 * one, or a mechanism name is empty or longer than 20 characters (RFC
 * 4422). */
int xmpp_features_parse(const struct xml_node *el, struct xmpp_features *f);

/* The mechanism's name ("SCRAM-SHA-256"), or NULL. */
const char *xmpp_mech_name(enum xmpp_mech mech);

/* The strongest mechanism among the bits, SCRAM-SHA-256 first, then
 * SCRAM-SHA-1, then PLAIN (only when tls is set); 0 when none. */
enum xmpp_mech xmpp_mech_choose(unsigned offered, int tls);

/* Appends the stream header a client sends: an XML declaration and
 * <stream:stream to='domain' version='1.0' ...>, with from= when from is
 * not NULL (RFC 6120 section 4.7.1: once TLS protects the stream). */
int xmpp_stream_header(struct buf *out, const char *domain, const char *from);

/* The closing tag of the client's stream. */
#define XMPP_STREAM_CLOSE "</stream:stream>"

/* 1 when el is the given element in the given namespace. */
int xmpp_is(const struct xml_node *el, const char *name, const char *ns);

/*
 * Puts an error element into words in out: the name of its first child in
 * cond_ns other than <text/>, then ": " and the <text/> if any, e.g.
 * "not-authorized: Invalid username or password". Used for <stream:error/>
 * (XMPP_NS_STREAM_ERRORS), SASL <failure/> (XMPP_NS_SASL) and the <error/>
 * child of a stanza (XMPP_NS_STANZA_ERRORS). Control characters in the
 * server's text are replaced; "unknown" when there is no condition.
 */
void xmpp_condition_text(const struct xml_node *el, const char *cond_ns, char *out, size_t size);

#endif
