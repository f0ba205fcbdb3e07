/*
 * Handshake stanzas (xe2e(7) HANDSHAKE "Stanzas"): each handshake message
 * travels alone in a plain chat message, never sealed,
 *
 *   <message to=PEER from=SELF type='chat'>
 *     <handshake xmlns='urn:xe2e:1' step='STEP'>BASE64</handshake>
 *     <no-permanent-store xmlns='urn:xmpp:hints'/>
 *     <private xmlns='urn:xmpp:carbons:2'/></message>
 *
 * where BASE64 is canonical padded base64 of the body; an abort has no
 * body and a reason attribute instead. The hints keep servers from
 * archiving it and from copying it to the sender's other devices.
 */
#ifndef XE2E_HANDSHAKE_STANZA_H
#define XE2E_HANDSHAKE_STANZA_H

#include "buf.h"
#include "handshake.h"
#include "xml.h"

/* The stanza of message m from 'from' to 'to' (caller frees it). */
int handshake_stanza_build(const char *to, const char *from, const struct handshake_msg *m,
			   struct xml_node **out);

/* The <handshake/> element of a received stanza, or NULL when the stanza is
 * no <message/> of the client or server namespace holding one. */
const struct xml_node *handshake_stanza_element(const struct xml_node *stanza);

/*
 * The step, body (decoded into body, at most HS_BODY_MAX bytes; empty for
 * an abort) and reason (abort only, may be NULL; points into el) of a
 * <handshake/> element. XE2E_E_MALFORMED with a detail for a missing or
 * unknown step and for a body that is not canonical base64 of at most
 * HS_BODY_MAX bytes.
 */
int handshake_stanza_parse(const struct xml_node *el, enum hs_step *step, struct buf *body,
			   const char **reason);

#endif
