/*
 * Sessions started from prekeys (xe2e(7) OFFLINE
 * MESSAGES): what xe2e-seal --bundle and xe2e-open do with the offline
 * construction (offline.h) besides the cryptography: the bundle checked
 * against the trust store, the trust policy, the session files, and the
 * <offline/> element that carries an initial message.
 *
 * On the wire an initial message replaces the stanza's children as
 *
 *   <offline xmlns='urn:xe2e:1'>BASE64</offline>
 *
 * with everything else as for a sealed stanza (envelope.h): the same
 * routing attributes, <encryption/>, hints and optional fallback body, and
 * the same associated data.
 *
 * A session started from prekeys is an ordinary session file
 * (session.h) with the pattern "offline", the flag offline-origin and
 * trust at most tofu: the sender is the ratchet's responder (its r0 in the
 * message), the recipient its initiator.
 *
 * Trust: the identity in a bundle or an initial message goes through the
 * same policy as a handshake's (trust_check_identity: a changed, revoked or
 * mismatched identity key is refused, XE2E_E_TRUST); an unknown JID is
 * recorded as tofu with the flag offline-origin, the device by the
 * rotation rule (trust_device_upsert). A known entry keeps its level and
 * flags: a verified peer stays verified. Every session started from
 * prekeys is offline-origin whatever its peer's entry says; a real-time
 * handshake clears the flag on the entry (session_apply_outcome), and its
 * session is not offline-origin.
 */
#ifndef XE2E_OFFLINE_SESSION_H
#define XE2E_OFFLINE_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "bundle.h"
#include "envelope.h"
#include "identity.h"
#include "offline.h"
#include "session.h"
#include "xml.h"

#define OFFLINE_ELEMENT "offline"
/* Bytes an initial message adds to the payload, at most. */
#define OFFLINE_OVERHEAD (OFFLINE_MIN_LEN + 4)

/* A recipient as a sender resolved it from a bundle. */
struct offline_target {
	char peer[JID_MAX + 1];      /* the 'to' of the stanzas: as given */
	char peer_bare[JID_MAX + 1];
	struct bundle b;             /* verified; expired one-time prekeys dropped */
	uint8_t fpr[FINGERPRINT_LEN];
	int known;                   /* the trust store knew the identity */
	enum trust_level level;      /* its level then (tofu for a new one) */
};

/*
 * Reads the bundle at path (at most BUNDLE_MAX_SIZE bytes) and checks it for
 * peer (a JID, full or bare) at now: bundle_verify(), with the fingerprint
 * and device key the trust store holds for the bundle's device when it is a
 * minimal one, then the trust policy against the trust store (read only).
 * t is initialised here; free it with offline_target_free().
 */
int offline_target_load(const char *path, const char *peer, uint64_t now,
			struct offline_target *t);

void offline_target_free(struct offline_target *t);

/*
 * The sender's side: seals frame (the padded first stanza) to t with
 * associated data ad (sender_full: it names the sender's full JID, as
 * offline_seal()), picking one of its one-time prekeys at random
 * (*used_opk tells whether there was one), records the peer in the trust
 * store, creates the session and makes it the peer's current one. wire
 * gets the initial message, id the session's id.
 */
int offline_session_seal(const struct identity *self, struct offline_target *t,
			 const uint8_t *ad, size_t ad_len, int sender_full, const uint8_t *frame,
			 size_t len, uint64_t now, struct buf *wire,
			 uint8_t id[static SESSION_ID_LEN], int *used_opk);

/* What the recipient learnt from an initial message it accepted. */
struct offline_opened {
	uint8_t id[SESSION_ID_LEN];
	char peer_bare[JID_MAX + 1];
	uint8_t fpr[FINGERPRINT_LEN];
	enum trust_level level; /* the peer's level in the trust store */
	int new_peer;           /* first seen now */
	int used_opk;
};

/*
 * The recipient's side: opens msg from from (the stanza's 'from', full
 * JID) with associated data ad (offline_open() with the default prekey
 * store), applies the trust policy and, under the prekey store's lock
 * before the prekey is consumed, creates the session (the same message
 * again finds it there: XE2E_E_REPLAY) and records the peer; then makes
 * the session the peer's current one. payload gets the frame.
 */
int offline_session_open(const struct identity *self, const char *from, const uint8_t *ad,
			 size_t ad_len, const uint8_t *msg, size_t len, uint64_t now,
			 struct offline_opened *out, struct buf *payload);

/* The stanza around an initial message: envelope_build()'s, with
 * <offline/> in place of <sealed/>. */
int offline_envelope_build(const struct envelope_addr *a, const uint8_t *wire, size_t len,
			   const char *fallback, struct xml_node **out);

/*
 * Reads a stanza carrying an initial message as envelope_parse() reads a
 * sealed one (env's pointers point into *copy, which the caller frees
 * with xml_free() after envelope_free()). XE2E_E_NOTFOUND when the stanza
 * has no <offline xmlns='urn:xe2e:1'/> child; XE2E_E_MALFORMED when it has
 * both that and <sealed/>, or two of them.
 */
int offline_envelope_parse(const struct xml_node *stanza, struct xml_node **copy,
			   struct envelope *env);

#endif
