/*
 * What a verification run works on and what it leaves behind (xe2e(7)
 * VERIFICATION "Recording"): the facts of the peer's current session, and the
 * trust store, session, retained-secret and counter changes of each
 * outcome.
 *
 * A match (SAS compared, or shared secret confirmed) records the session's
 * (JID, identity fingerprint, device id, device key) as verified with a
 * compare-and-set (trust_verify_cas: refused, XE2E_E_TRUST, when the store
 * no longer holds that key for that device, or the identity is revoked); a
 * pinned or anchored identity keeps its level. It clears the rs-reset flag
 * of the peer and of the session and the peer's offline-origin, and, when
 * the session carries rs-reset (its retained secret went to the
 * provisional slot), promotes the provisional secret to rs1.
 *
 * A SAS mismatch sets the identity's level to mismatch (a revoked one
 * stays revoked).
 *
 * Counters, per bare JID, each a counter file of its own (counter.h):
 * failed shared-secret runs in "failures" (failures.h), aborted SAS runs in
 * "sas-aborted", both in the state tree. Files of "sas-aborted" written
 * with the failures header by earlier versions are read too, and get
 * their own header when next written.
 */
#ifndef XE2E_VERIFY_RECORD_H
#define XE2E_VERIFY_RECORD_H

#include <stdint.h>

#include "counter.h"
#include "dh.h"
#include "jid.h"
#include "session.h"
#include "sig.h"
#include "spake2.h"
#include "store.h"
#include "trust.h"

#define VERIFY_ABORTS_FILE_NAME "sas-aborted"
#define VERIFY_ABORTS_HEADER "# xe2e sas aborts v1"

/* The facts of the session a run verifies. No secrets but the handshake
 * hash (the channel binding, not a key). */
struct verify_peer {
	uint8_t session_id[SESSION_ID_LEN];
	enum session_role role;             /* the Noise role of this side */
	enum session_state state;
	char jid[JID_MAX + 1];              /* the peer's bare JID, normalised */
	char device_jid[JID_MAX + 1];       /* the peer's full JID of the session */
	uint8_t fpr[FINGERPRINT_LEN];       /* the peer's identity fingerprint */
	uint32_t device_id;
	uint8_t device_key[X25519_LEN];
	unsigned flags;                     /* the session's TRUST_FLAG_* */
	enum trust_level trust;             /* the session's level */
	uint8_t hh[SESSION_HASH_LEN];       /* the handshake hash */
	uint8_t self_fpr[FINGERPRINT_LEN];  /* the own identity fingerprint */
};

/*
 * Fills p from the current session with jid (any JID form; normalised) and
 * the own identity. XE2E_E_NOTFOUND with a detail when there is no
 * session with that peer or no identity.
 */
int verify_peer_load(const char *jid, struct verify_peer *p);

/* The same for session id of the peer jid (e.g. one that is pending). */
int verify_peer_load_session(const char *jid, const uint8_t id[static SESSION_ID_LEN],
			     struct verify_peer *p);

/* Records a match (see above); *level gets the identity's level after it.
 * A session of offline origin is refused (XE2E_E_TRUST): trust from a
 * prekey bundle stays at tofu until a real-time handshake (xe2e(7) OFFLINE MESSAGES "Receiving"). */
int verify_record_match(const struct verify_peer *p, enum trust_level *level);

/* Records a mismatch. XE2E_E_NOTFOUND when the store has no such entry. */
int verify_record_mismatch(const struct verify_peer *p);

/*
 * After a confirmed shared-secret run: rs1 of the session's peer device
 * <- spake2_mix_rs(rs1, Ke) (rs_mix_spake2). XE2E_E_NOTFOUND when there is
 * no rs1.
 */
int verify_record_mix(const struct verify_peer *p, const uint8_t ke[static SPAKE2_KEY_LEN]);

/* The aborted-SAS-run counter: its kind and file, the count of a JID, one
 * more (*count, may be NULL, gets the new count), forgetting it. */
extern const struct counter_kind verify_aborts_kind;
int verify_aborts_path(char path[static STORE_PATH_MAX]);
int verify_aborts_get(const char *jid, unsigned *count);
int verify_aborts_add(const char *jid, unsigned *count);
int verify_aborts_reset(const char *jid);

#endif
