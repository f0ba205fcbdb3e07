/*
 * Control stanzas of a verification run on the wire: each control element
 * (verify_msg.h) is the only content of a plain
 *
 *   <message to=PEER from=SELF type='chat'>
 *     CONTROL <no-permanent-store xmlns='urn:xmpp:hints'/>
 *     <private xmlns='urn:xmpp:carbons:2'/></message>
 *
 * sealed in the session by the calls xe2e-seal seals a stanza with
 * (sealed_stanza.h): the ratchet, the associated data, padding,
 * the <encryption/> element and the hints outside the seal, so servers
 * neither archive nor copy it. xe2e-open shows it as it is.
 */
#ifndef XE2E_VERIFY_WIRE_H
#define XE2E_VERIFY_WIRE_H

#include <stdint.h>

#include "channel.h"
#include "jid.h"
#include "session.h"
#include "verify_msg.h"
#include "xml.h"

#define VERIFY_FRAME_CAP 4096 /* a control stanza's frame is padded within this */

/* One session used for control stanzas. */
struct verify_wire {
	struct channel ch;
	int loaded;
	char from[JID_MAX + 1]; /* 'from' of own stanzas: own bare or full JID */
};

/*
 * Loads session id (channel_load) for control stanzas sent from the
 * session's own bare JID, or its full JID with resource (may be NULL).
 * XE2E_E_MALFORMED for a resource a JID cannot have. The session's policy
 * (its step interval) is kept as it is.
 */
int verify_wire_init(struct verify_wire *w, const uint8_t id[static SESSION_ID_LEN],
		     const char *resource);

/*
 * Seals m into a control stanza for the session's peer device; *epoch
 * (may be NULL) gets the sender epoch of its ratchet header. The session is
 * stored before the stanza exists. XE2E_E_STATE while the session is
 * pending (an IK responder waits for the initiator's first stanza).
 */
int verify_wire_seal(struct verify_wire *w, const struct verify_msg *m, uint64_t now,
		     struct xml_node **stanza, uint32_t *epoch);

/*
 * Opens a received stanza into m; *epoch (may be NULL) gets the sender's
 * epoch, *authentic (may be NULL) 1 when the stanza was opened, i.e. the
 * peer sent it (so a failure after that is the peer's, not the network's).
 * Outcomes:
 *   XE2E_OK            a control element of the peer;
 *   XE2E_E_NOTFOUND    not for this run, nothing consumed: a plaintext
 *                      stanza, another sender, another session, a bounce,
 *                      a ratchet stanza (the detail says which);
 *   XE2E_E_UNSUPPORTED the peer's sealed stanza opened, but it is no
 *                      control stanza: it is used up and dropped;
 *   other errors       a stanza that could not be opened (tampered,
 *                      replayed, malformed) or a control element that does
 *                      not parse; nothing changed.
 */
int verify_wire_open(struct verify_wire *w, const struct xml_node *stanza, uint64_t now,
		     struct verify_msg *m, uint32_t *epoch, int *authentic);

/*
 * The session a received stanza belongs to when it is not w's: another
 * session with the same peer that is pending (an IK responder's newest
 * session, which the initiator's first stanza confirms and makes current).
 * *id gets it. XE2E_E_NOTFOUND for anything else. Nothing is opened.
 */
int verify_wire_pending_of(const struct verify_wire *w, const struct xml_node *stanza,
			   uint8_t id[static SESSION_ID_LEN]);

/* Gives unused message numbers back and wipes the channel. */
int verify_wire_release(struct verify_wire *w);

#endif
