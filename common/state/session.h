/*
 * Sessions on disk (xe2e(7) SESSIONS "State"): what a handshake leaves for
 * xe2e-seal and xe2e-open, and the per-peer "current session" pointer.
 *
 * Files, in "sessions" under the state tree (never restored from a
 * backup; the directory is 0700, every file 0600):
 *
 *   sessions/ID.session   the session, ID its 32 hex digits
 *   sessions/ID.lock      its lock file, never renamed
 *   sessions/PEER.current the peer's current session, PEER the first 16
 *                         bytes of SHA-256(bare JID) in hex
 *   sessions/PEER.current.lock  the pointer's lock file
 *
 * A session file is changed only under its lock: read, work, write a
 * temporary file, fsync, rename, fsync the directory. The file records the
 * (device, inode, generation) it was written as: the temporary file is
 * created and fstat'ed, its identity goes into the content, and rename
 * keeps the inode. The generation (FS_IOC_GETVERSION; 0 where the file
 * system has none) tells a reused inode number apart: every write frees
 * the previous inode, and file systems such as ext4 hand freed numbers out
 * again. Each write also adds one to the file's commit number and, once
 * the directory is fsynced, records it in the lock file (a pwrite without
 * fsync of "xe2e commit N SUM\n", N in 20 digits, SUM the first 8 bytes
 * of the SHA-256 of what precedes it, in hex; a missing or damaged record
 * counts as 0). So the lock's number is never above the live file's,
 * whenever a crash comes, and a reader reads it before it opens the file.
 *
 * A session file is refused with XE2E_E_STALE ("stale session", and what
 * to do: run a new handshake) when it has more than one link (a hard-link
 * backup shares its inode, and would rewind it once moved back), when its
 * recorded identity is not its own (a restored backup, a copy), or when
 * its commit number is below the lock's (restored with its identity, as
 * a file linked during a write and moved back): using it would rewind the
 * chains. A whole state tree rewound at once (a file-system or VM
 * snapshot) passes these checks: xe2e(7) SESSIONS, "Restored state".
 *
 * The format is versioned "key: value" text, one field per line, every
 * field present exactly once and in this order ("-" for an empty optional
 * value); anything else is XE2E_E_MALFORMED with the detail "PATH line N":
 *
 *   xe2e session v2
 *   id: 32 hex                     the local session id
 *   state: pending | active
 *   role: initiator | responder    the Noise role
 *   pattern: XXpsk2 | IKpsk1 | offline
 *   version: 1
 *   suite: 25519_ChaChaPoly_SHA256 | 25519_AESGCM_SHA256
 *   created: Unix seconds
 *   self: own bare JID
 *   peer: the peer's full JID (bare when it had no resource)
 *   peer-identity: 64 hex          identity key fingerprint
 *   peer-device-id: 8 hex
 *   peer-device-key: 64 hex        X25519 public key (Noise static)
 *   trust: tofu | verified | anchored | pinned
 *   flags: - | rs-reset ...        as the trust store spells them
 *   handshake-hash: 64 hex         channel binding
 *   pending-rs: 64 hex | -         applied by session_confirm()
 *   pending-rs-mode: rotate | provisional | -
 *   (the Double Ratchet state: ratchet_serialize()'s lines, from
 *    "xe2e-ratchet: 1" through "end", a pending SPAKE2 mix included)
 *   commit: N                      decimal, >= 1; absent (0) in files
 *                                  written before commit numbers
 *   written-as: DEV:INO:GEN        decimal
 *
 * A session started from prekeys (offline_session.h) has the pattern
 * "offline" and always the flag offline-origin; its role is the ratchet's
 * (the sender is the responder). Files written before that pattern existed
 * record such a session as XXpsk2 with offline-origin, and still load as
 * they are.
 *
 * The handshake's root key, first chain key and r0 private key reach the
 * file only inside the ratchet state started from them (ratchet_init),
 * which moves past them at its first steps and deletes every message key
 * it used, so an old copy of the file does not reveal later keys.
 */
#ifndef XE2E_SESSION_H
#define XE2E_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "dh.h"
#include "jid.h"
#include "ratchet.h"
#include "sig.h"
#include "store.h"
#include "trust.h"

#define SESSION_ID_LEN 16
#define SESSION_ID_TEXT_LEN (2 * SESSION_ID_LEN + 1)
#define SESSION_KEY_LEN 32
#define SESSION_HASH_LEN 32 /* SHA-256: the only handshake hash of version 1 */
#define SESSION_DIR "sessions"
#define SESSION_FILE_MAX (32u << 20) /* room for RATCHET_SKIPPED_CAP keys */
/* The pattern of a session started from prekeys: no handshake pattern
 * code (HS_PATTERN_*), never on the wire. */
#define SESSION_PATTERN_OFFLINE 0x80

enum session_role {
	SESSION_INITIATOR = 1, /* the Noise initiator */
	SESSION_RESPONDER = 2,
};

enum session_state {
	SESSION_PENDING = 1, /* IK responder: waiting for key confirmation */
	SESSION_ACTIVE = 2,
};

enum session_rs_mode {
	SESSION_RS_NONE = 0,
	SESSION_RS_ROTATE = 1,      /* rs2 <- rs1, rs1 <- new */
	SESSION_RS_PROVISIONAL = 2, /* a mismatch was accepted: provisional <- new */
};

struct session {
	uint8_t id[SESSION_ID_LEN];
	enum session_state state;
	enum session_role role;
	uint8_t pattern; /* HS_PATTERN_* or SESSION_PATTERN_OFFLINE */
	uint8_t version;
	uint8_t suite;   /* HS_SUITE_* */
	uint64_t created;
	char self_jid[JID_MAX + 1];
	char peer_jid[JID_MAX + 1];
	uint8_t peer_fpr[FINGERPRINT_LEN];
	uint32_t peer_device_id;
	uint8_t peer_device_key[X25519_LEN];
	enum trust_level trust;
	unsigned flags; /* TRUST_FLAG_* */
	uint8_t handshake_hash[SESSION_HASH_LEN];
	/* What the handshake hands over (handshake_session()): the root key,
	 * the responder's first sending chain key and r0. session_create()
	 * starts the ratchet from them and wipes them; they are never written
	 * and are zero in a session read from its file. */
	uint8_t root_key[SESSION_KEY_LEN];
	uint8_t chain_key[SESSION_KEY_LEN];
	int has_own_ratchet;
	uint8_t own_ratchet_priv[X25519_LEN];
	uint8_t own_ratchet_pub[X25519_LEN];
	int has_peer_ratchet;
	uint8_t peer_ratchet_pub[X25519_LEN];
	/* The Double Ratchet (owned, freed by session_free()); NULL until
	 * session_create() or session_read(). */
	struct ratchet_state *ratchet;
	enum session_rs_mode pending_rs_mode;
	uint8_t pending_rs[SESSION_KEY_LEN];
	/* Where the file was written (set by session_write/session_read). */
	unsigned long long dev, ino, gen;
	/* The file's commit number: session_write() adds one (0: a file
	 * written before commit numbers existed). */
	uint64_t commit;
};

/* The file's name of a session pattern: "XXpsk2", "IKpsk1", "offline";
 * NULL for any other code. */
const char *session_pattern_name(uint8_t pattern);

/* Writes the 32 hex digits of id. */
void session_id_format(const uint8_t id[static SESSION_ID_LEN], char out[static SESSION_ID_TEXT_LEN]);

/* Parses exactly 32 hex digits. */
int session_id_parse(const char *text, uint8_t id[static SESSION_ID_LEN]);

/* The path of a file of the sessions directory: "ID" + suffix
 * (".session", ".lock"). For other suffixes than ".session" (lock files)
 * it creates the directory (0700) if needed. */
int session_path(const uint8_t id[static SESSION_ID_LEN], const char *suffix,
		 char out[static STORE_PATH_MAX]);

/* Appends the file text of s, recording dev:ino and s->gen as written-as.
 * A session without a ratchet yet is written with the ratchet state its
 * handover gives (as session_create() would start it). */
int session_format(const struct session *s, unsigned long long dev, unsigned long long ino,
		   struct buf *out);

/* Parses file text strictly into s (s->dev, s->ino from written-as); name
 * is used in error details. s is wiped on failure. The ratchet's role and
 * cipher must agree with the session's role and suite. */
int session_parse(const char *name, const char *text, size_t len, struct session *s);

/* Takes the session's lock (sessions/ID.lock), waiting for other holders. */
int session_lock(const uint8_t id[static SESSION_ID_LEN], struct store_lock *lock);

/*
 * Writes s as sessions/ID.session (the caller holds its lock): a temporary
 * file (0600, O_EXCL), fstat for dev:ino:gen, content with s->commit + 1,
 * fsync, rename, fsync of the directory, then that number into the lock
 * file. s->dev, s->ino, s->gen and s->commit get the new file's.
 */
int session_write(struct session *s);

/*
 * Reads sessions/ID.session into s (the caller holds its lock; reading
 * without it may see an older version but never a torn one). Missing:
 * XE2E_E_NOTFOUND; readable by others: XE2E_E_PERM; more than one link,
 * not written as this file, or a commit number below the lock file's:
 * XE2E_E_STALE "stale session: ... run a new handshake".
 */
int session_read(const uint8_t id[static SESSION_ID_LEN], struct session *s);

/*
 * Runs fn(s, ctx) on session id as read under its lock (session_lock(),
 * session_read()); fn may write s back (session_write()). The copy is
 * wiped after. The first error, fn's included.
 */
int session_with_locked(const uint8_t id[static SESSION_ID_LEN],
			int (*fn)(struct session *s, void *ctx), void *ctx);

/* session_write() and session_read() through the lock the caller holds
 * (session_lock()): the lock file's commit record goes through its open
 * descriptor instead of another open. */
int session_write_locked(struct session *s, const struct store_lock *lock);
int session_read_locked(const uint8_t id[static SESSION_ID_LEN], const struct store_lock *lock,
			struct session *s);

/* Under the lock, writes s as a new session, starting its ratchet from
 * the handover first (which is then wiped); XE2E_E_EXISTS if its id is
 * taken already. */
int session_create(struct session *s);

/* Frees s's ratchet state and wipes every key of s. */
void session_free(struct session *s);

/*
 * Starts s's ratchet from its handover (root key, chain key, r0) as
 * ratchet_init() does, for s->role and s->suite, created at s->created,
 * and wipes the handover. Nothing to do when s has a ratchet already.
 */
int session_ratchet_start(struct session *s);

/*
 * The ids of every session file in the sessions directory, in no order
 * (*ids malloc'ed, caller frees; *n may be 0). Temporary files and other
 * names are skipped.
 */
int session_list(uint8_t (**ids)[SESSION_ID_LEN], size_t *n);

/* The current session of a peer (bare JID). XE2E_E_NOTFOUND when none. */
int session_current_get(const char *peer_jid, uint8_t id[static SESSION_ID_LEN]);

/* Makes id the current session of a peer (bare JID), under the pointer's
 * lock, atomically. */
int session_current_set(const char *peer_jid, const uint8_t id[static SESSION_ID_LEN]);

/*
 * What a successful handshake changes besides the session file: the trust
 * store (record a first-seen peer as tofu, the device from its verified
 * binding, last-seen, flags) and the retained secrets (by rs_mode).
 */
struct session_outcome {
	const char *peer_jid; /* normalised bare JID */
	uint8_t fpr[FINGERPRINT_LEN];
	struct trust_device device; /* from a verified binding */
	int device_known;           /* only device.id and device.pub are set: the
				     * store must hold them already (IK) */
	unsigned set_flags;         /* TRUST_FLAG_* to set on the peer */
	int replace_key;            /* the user accepted a new identity key: revoke
				     * the JID's other entries (never pinned or
				     * anchored ones: XE2E_E_TRUST) */
	int anchored;               /* the peer's certificate chain led to an X.509
				     * anchor, or its OpenPGP key is valid in the
				     * local keyring: a new entry, or a tofu one,
				     * becomes anchored. A credential checked without
				     * that (device_known 0) is refused for an entry
				     * that is anchored (XE2E_E_TRUST). */
	char openpgp[TRUST_OPENPGP_LEN]; /* the OpenPGP key whose signature the
				     * credential carried, recorded; "" for none */
	enum session_rs_mode rs_mode;
	uint8_t new_rs[SESSION_KEY_LEN];
	uint64_t now;
};

/*
 * Applies an outcome: under the trust store's lock, the policy is checked
 * again against the store as it is now (trust_check_identity, and the
 * anchored rule above; an unknown JID is added as tofu, or anchored), the
 * device recorded (the rotation rule applies), last-seen and flags set,
 * offline-origin cleared (a real-time handshake establishes the key); then
 * the retained secret stored. *level and
 * *flags get the peer's resulting level and flags. Nothing is stored when
 * the trust step fails.
 */
int session_apply_outcome(const struct session_outcome *o, enum trust_level *level,
			  unsigned *flags);

/*
 * Completes a handshake whose session is active at once (XX, and the IK
 * initiator): applies the outcome, fills s->trust and s->flags, writes the
 * new session and makes it the peer's current one.
 */
int session_commit(struct session *s, const struct session_outcome *o);

/*
 * Stores the session of an IK responder as pending, with the outcome's new
 * retained secret in it; neither the trust store, the retained secrets nor
 * the current pointer change until session_confirm().
 */
int session_commit_pending(struct session *s, const struct session_outcome *o);

/*
 * Implicit key confirmation: called when the initiator's first
 * authenticated transport message arrives for a pending session. Under the
 * session's lock: applies what the session holds (trust store last-seen and
 * flags, the pending retained secret), makes it active, wipes the pending
 * secret, and makes it the peer's current session. An active session is
 * left as it is (XE2E_OK). now is the time of confirmation.
 */
int session_confirm(const uint8_t id[static SESSION_ID_LEN], uint64_t now);

#endif
