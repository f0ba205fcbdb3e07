/*
 * The sealed stanza on the wire (xe2e(7) SESSIONS "Sealed stanzas"): building it, reading
 * it back, its associated data, the routing checks and server bounces.
 *
 * A sealed stanza keeps the element (message, presence, iq) and its to,
 * from, type and id; its children are replaced by
 *
 *   <sealed xmlns='urn:xe2e:1'>BASE64</sealed>
 *
 * BASE64 being the canonical padded base64 of the ratchet message (header,
 * ciphertext, tag; ratchet.h) whose plaintext is the padded frame
 * (stanza_frame.h). A message also gets XEP-0380's
 * <encryption xmlns='urn:xmpp:eme:0' namespace='urn:xe2e:1'/> and, on
 * request, a fallback <body/> for clients without xe2e. A ratchet stanza
 * (a sealed frame that only carries a DH step) is a
 * <message type='headline'> without id holding the <sealed/> element and
 * <no-store xmlns='urn:xmpp:hints'/>: clients ignore a headline without a
 * body, and servers neither store nor copy it.
 *
 * Associated data (the ratchet's ad_extra), with lp(x) = 2-byte big-endian
 * length | x and opt(x) = 0x00 when the attribute is absent, else
 * 0x01 | lp(x):
 *
 *   lp("xe2e stanza v1") | lp(kind) | opt(type) | opt(id)
 *     | lp(sender) | lp(recipient bare JID)
 *
 * kind being "message", "presence" or "iq" and the JIDs normalised. The
 * sender is the session's own bare JID, or, when the stanza's 'from' has a
 * resource, that full JID: the message header then carries
 * RATCHET_FLAG_SENDER_FULL, and the receiver puts the full JID of the
 * 'from' it received in its place, so a rewritten resource fails to
 * authenticate. So a server can neither retype a sealed stanza, nor swap
 * the ids of two, nor reflect one to its sender, nor deliver it to anyone
 * else's session, nor change the resource of a sender that bound it.
 */
#ifndef XE2E_ENVELOPE_H
#define XE2E_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "stanza_frame.h"
#include "xe2e_ns.h"
#include "xml.h"

#define EME_NS "urn:xmpp:eme:0"
#define HINTS_NS "urn:xmpp:hints"
#define CARBONS_NS "urn:xmpp:carbons:2"
#define STANZAS_NS "urn:ietf:params:xml:ns:xmpp-stanzas"
#define ENVELOPE_AD_LABEL "xe2e stanza v1"
#define ENVELOPE_COND_MAX 64

/*
 * The chat message from from to to that carries a protocol element of its
 * own (a handshake step, a verification control element), with the hints
 * that keep it out of archives and carbons (no-permanent-store, private).
 * ns is the message's namespace (NULL: none). child is taken over, also
 * when this fails.
 */
int envelope_control_message(const char *ns, const char *to, const char *from,
			     struct xml_node *child, struct xml_node **out);

/* Appends the associated data described above to ad, with sender as it
 * is. XE2E_E_LIMIT for a field longer than 65535 bytes. */
int envelope_ad(enum stanza_kind kind, const char *type, const char *id, const char *sender,
		const char *recipient_bare, struct buf *ad);

/* What the outer element of a sealed stanza carries. */
struct envelope_addr {
	enum stanza_kind kind;
	const char *to;   /* may be NULL for none, likewise the others */
	const char *from;
	const char *type;
	const char *id;
};

/*
 * The associated data of a stanza with the outer addresses a that the own
 * side (self_bare) seals for peer_bare: it names the full JID of a->from
 * when that has a resource, and *sender_full is then 1 (the caller sets
 * RATCHET_FLAG_SENDER_FULL in the message's header), else self_bare and 0.
 * XE2E_E_MALFORMED for a 'from' that is no JID.
 */
int envelope_ad_seal(const struct envelope_addr *a, const char *self_bare,
		     const char *peer_bare, struct buf *ad, int *sender_full);

/*
 * The associated data of a received stanza with the outer addresses a,
 * from peer_bare to self_bare: with sender_full (the header's
 * RATCHET_FLAG_SENDER_FULL), it names the full JID of a->from as received,
 * else peer_bare. XE2E_E_MALFORMED for a 'from' that is absent or no JID.
 */
int envelope_ad_open(const struct envelope_addr *a, int sender_full, const char *self_bare,
		     const char *peer_bare, struct buf *ad);

/*
 * 1 when the 'from' of a stanza that opened is authenticated as a whole:
 * its sender bound its full JID (sender_full), or it has no resource. 0
 * when its resource is not authenticated (a server may have set or
 * rewritten it).
 */
int envelope_from_authenticated(const struct envelope_addr *a, int sender_full);

/*
 * Makes the sealed stanza around a ratchet message: the element with a's
 * to, from, type and id (in that order), the <sealed/> child, and for a
 * message the <encryption/> element and, when fallback_body is not NULL,
 * a <body/> holding it. XE2E_E_MALFORMED for values XML cannot carry.
 */
int envelope_build(const struct envelope_addr *a, const uint8_t *wire, size_t wire_len,
		   const char *fallback_body, struct xml_node **out);

/*
 * Copies the processing hints of a plain stanza (XEP-0334's urn:xmpp:hints
 * elements and XEP-0280's <private xmlns='urn:xmpp:carbons:2'/>) into its
 * sealed form: they are meant for servers, which cannot read the seal.
 * They stay sealed as well, so the opened stanza is exact.
 */
int envelope_copy_hints(const struct xml_node *plain, struct xml_node *sealed);

/* The ratchet stanza around wire: <message type='headline'> to, from, with
 * <sealed/> and <no-store xmlns='urn:xmpp:hints'/>. */
int envelope_build_ratchet(const char *to, const char *from, const uint8_t *wire,
			   size_t wire_len, struct xml_node **out);

/* A received sealed stanza, read by envelope_parse(). */
struct envelope {
	struct envelope_addr addr; /* pointers into the stanza */
	struct buf wire;           /* the decoded ratchet message */
	size_t n_unsealed;         /* children other than <sealed/> and
				    * <encryption/>: added outside the seal */
};

/*
 * Reads a sealed stanza: its kind and routing attributes, and the ratchet
 * message of its one <sealed xmlns='urn:xe2e:1'/> child (text only,
 * canonical base64). XE2E_E_NOTFOUND when the stanza has no <sealed/>
 * child (a plaintext stanza); XE2E_E_UNSUPPORTED for an element that is no
 * stanza; XE2E_E_MALFORMED for two <sealed/> children, one with attributes
 * or elements inside, or bad base64. Free with envelope_free().
 */
int envelope_parse(const struct xml_node *stanza, struct envelope *env);

/* Wipes and frees what envelope_parse() allocated. */
void envelope_free(struct envelope *env);

/*
 * 1 when the stanza is a server's bounce of one we sent: type='error' and
 * an <error/> child outside the seal; cond then gets the name of the
 * error's defined condition (RFC 6120 8.3.3), or "" when there is none.
 * Else 0.
 */
int envelope_is_bounce(const struct xml_node *stanza, char cond[static ENVELOPE_COND_MAX]);

/*
 * Checks a received stanza's addresses against its session: from must be
 * present with the bare JID peer_bare, to present with the bare JID
 * self_bare. XE2E_E_AUTH with a detail otherwise.
 */
int envelope_check_route(const struct envelope_addr *a, const char *self_bare,
			 const char *peer_bare);

/*
 * Gives an opened stanza (as stanza_frame_decode() made it, without
 * routing attributes) the authenticated to, from, type and id of a,
 * placed before its other attributes.
 */
int envelope_restore(struct xml_node *stanza, const struct envelope_addr *a);

#endif
