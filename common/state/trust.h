/*
 * The trust store: what this user knows about each peer's identity keys and
 * devices, and how far each is trusted (xe2e(7) TRUST STORE).
 *
 * One entry per (bare JID, identity fingerprint), with its trust level, its
 * flags and its device set. A JID can have several entries over time (an
 * old revoked key and the current one). A device key belongs to exactly one
 * entry in the whole store.
 *
 * The file is "trust" in the data tree, mode 0644: it holds no secrets
 * (retained secrets and PSKs are in secrets.h's 0600 files). It is plain
 * text, one record per line, greppable like ssh's known_hosts:
 *
 *   file    = header *(record / comment / blank)
 *   header  = "# xe2e trust store v1" LF
 *   record  = (peer / device) LF
 *   peer    = "peer" SP jid SP fpr SP "level=" level SP "flags=" flags
 *             SP "first-seen=" time SP "last-seen=" time [SP "openpgp=" pgp]
 *   device  = "device" SP jid SP fpr SP devid SP pub
 *             SP "created=" time SP "expires=" time
 *   comment = "#" *(any byte but LF or a control character) LF
 *   blank   = LF
 *   jid     = a bare JID as jid_check_normal_bare() accepts it
 *   fpr     = 64 lower-case hex digits: the identity key's fingerprint
 *   devid   = 8 lower-case hex digits: the 32-bit device id
 *   pub     = 64 lower-case hex digits: the device's X25519 public key
 *   pgp     = 40 upper-case hex digits: the fingerprint of the OpenPGP key
 *             whose signature the peer's credential carried (kind 3), as
 *             GnuPG spells it
 *   level   = "tofu" / "verified" / "anchored" / "pinned" / "mismatch"
 *             / "revoked"
 *   flags   = "-" / flag *("," flag)   ; each once, in the order below
 *   flag    = "rs-reset" / "offline-origin"
 *   time    = "0" / %x31-39 *18DIGIT   ; Unix seconds, no leading zeros
 *
 * Fields are separated by exactly one space, in exactly this order. A device
 * line comes after the peer line of its (jid, fpr). No (jid, fpr) appears on
 * two peer lines, no (jid, fpr, devid) on two device lines, and no device
 * key on two device lines. first-seen <= last-seen; expires is 0 (none) or
 * after created; offline-origin only at level tofu, mismatch or revoked.
 * The last line ends with LF (a missing one means a truncated file).
 * Anything else, an unknown keyword or flag included, is XE2E_E_MALFORMED
 * with the detail "PATH line N: what".
 *
 * Writing regenerates the canonical form: the header, then each peer line
 * followed by its device lines, in the order of the arrays. Comments other
 * than the header are not kept.
 *
 * Every change goes through trust_update(): under the exclusive lock
 * "trust.lock" (never renamed) it reads and parses the file, lets the
 * caller change the entries, and replaces the file atomically. A file that
 * does not parse is never written over.
 */
#ifndef XE2E_TRUST_H
#define XE2E_TRUST_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "dh.h"
#include "jid.h"
#include "sig.h"
#include "store.h"

#define TRUST_FILE_NAME "trust"
#define TRUST_HEADER "# xe2e trust store v1"
/* Longest bare JID: a 1023-byte localpart, "@", a 1023-byte domain. */
#define TRUST_JID_MAX JID_STORED_MAX
/* Largest trust file read. */
#define TRUST_FILE_MAX (16u << 20)

enum trust_level {
	TRUST_TOFU = 1, /* leap of faith: first seen, never verified */
	TRUST_VERIFIED, /* SAS or shared secret compared */
	TRUST_ANCHORED, /* X.509 chain to a configured CA, JID in the certificate;
			 * or an OpenPGP key the local keyring holds valid */
	TRUST_PINNED,   /* fingerprint or PSK set by hand */
	TRUST_MISMATCH, /* a SAS comparison failed: possible attack */
	TRUST_REVOKED,  /* withdrawn by the user; never accepted again */
};

/*
 * Flags of a peer entry. offline-origin: the entry was made from an offline
 * (prekey) message or bundle, and nothing has established the key since.
 * While it is set the level stays at tofu (or below: mismatch, revoked);
 * what establishes the key clears it in the same change: a real-time
 * handshake with it (session_apply_outcome), a verification
 * (trust_verify_cas), a fingerprint verified, pinned or anchored by hand.
 */
#define TRUST_FLAG_RS_RESET 0x1u       /* a retained-secret mismatch was accepted */
#define TRUST_FLAG_OFFLINE_ORIGIN 0x2u /* known only from an offline message */
#define TRUST_FLAGS_ALL 0x3u
/* Room for the text of any flag set: "rs-reset,offline-origin" and a NUL. */
#define TRUST_FLAGS_TEXT_LEN 32

struct trust_device {
	uint32_t id;
	uint8_t pub[X25519_LEN];
	uint64_t created; /* from the device binding, Unix seconds */
	uint64_t expires; /* 0 when the binding does not expire */
};

/* An OpenPGP fingerprint: 40 hex digits and a NUL. */
#define TRUST_OPENPGP_LEN 41

struct trust_peer {
	char *jid; /* bare, owned */
	uint8_t fpr[FINGERPRINT_LEN];
	char openpgp[TRUST_OPENPGP_LEN]; /* "" when no OpenPGP key was recorded */
	enum trust_level level;
	unsigned flags;
	uint64_t first_seen;
	uint64_t last_seen;
	struct trust_device *devices;
	size_t n_devices;
};

/*
 * The store in memory. Pointers to peers and devices stay valid until the
 * next call that adds or removes peers or devices.
 */
struct trust_db {
	struct trust_peer *peers;
	size_t n_peers;
};

#define TRUST_DB_INIT {NULL, 0}

/* "tofu", "verified", ...; NULL for a value outside the enum. */
const char *trust_level_name(enum trust_level level);

/* Parses a level name (exact, lower case). XE2E_E_MALFORMED otherwise. */
int trust_level_parse(const char *text, enum trust_level *level);

/* Writes the flags as the file spells them: "-" or "rs-reset,..." */
void trust_flags_format(unsigned flags, char out[static TRUST_FLAGS_TEXT_LEN]);

/* Parses the file's spelling of a flag set. Unknown, repeated or
 * out-of-order flags are XE2E_E_MALFORMED. */
int trust_flags_parse(const char *text, unsigned *flags);

/* Checks that an entry may carry flags at level: offline-origin caps the
 * level at tofu. XE2E_E_MALFORMED, with a detail, otherwise. */
int trust_level_flags_check(enum trust_level level, unsigned flags);

/* The default trust file: "trust" in the data tree. */
int trust_default_path(char path[static STORE_PATH_MAX]);

/*
 * Reads and parses the trust file at path (NULL: the default) into an
 * empty db. A missing file is an empty store. On error db is left empty.
 */
int trust_load(const char *path, struct trust_db *db);

/* Parses len bytes of trust file text; name is used in error details. */
int trust_parse(const char *name, const char *text, size_t len, struct trust_db *db);

/* Appends the canonical text of db to out. */
int trust_format(const struct trust_db *db, struct buf *out);

/* Frees every entry; db is then empty and reusable. */
void trust_free(struct trust_db *db);

/* The entry for (jid, fpr), or NULL. */
struct trust_peer *trust_find(const struct trust_db *db, const char *jid,
			      const uint8_t fpr[static FINGERPRINT_LEN]);

/*
 * Iterates over the entries of one JID: pass NULL for the first, then the
 * previous result; NULL at the end.
 */
struct trust_peer *trust_next_by_jid(const struct trust_db *db, const char *jid,
				     const struct trust_peer *prev);

/* The device of peer with device id id, or NULL. */
struct trust_device *trust_peer_device(const struct trust_peer *peer, uint32_t id);

/*
 * The entry a device key is bound to, or NULL; *device (if device is not
 * NULL) gets the device record.
 */
struct trust_peer *trust_find_device(const struct trust_db *db,
				     const uint8_t pub[static X25519_LEN],
				     struct trust_device **device);

/*
 * The trust policy for a credential presented by jid with identity
 * fingerprint fpr (xe2e(7) HANDSHAKE "Trust decisions"):
 *   - XE2E_OK with *peer set: a known entry at tofu, verified, anchored or
 *     pinned;
 *   - XE2E_OK with *peer NULL: the JID has no entry (first contact; the
 *     caller records it as tofu);
 *   - XE2E_E_TRUST: the entry is revoked or mismatch, or the JID is known
 *     with another identity key that is not revoked (a changed key, which
 *     also covers a pin or anchor on the other key). The detail says which.
 */
int trust_check_identity(const struct trust_db *db, const char *jid,
			 const uint8_t fpr[static FINGERPRINT_LEN], struct trust_peer **peer);

/*
 * Adds the entry (jid, fpr) at level with no flags, first and last seen
 * now. XE2E_E_EXISTS if it is there already. *peer (if peer is not NULL)
 * gets the new entry.
 */
int trust_peer_add(struct trust_db *db, const char *jid, const uint8_t fpr[static FINGERPRINT_LEN],
		   enum trust_level level, uint64_t now, struct trust_peer **peer);

/* Sets the level of (jid, fpr). XE2E_E_NOTFOUND if there is no such entry. */
int trust_peer_set_level(struct trust_db *db, const char *jid,
			 const uint8_t fpr[static FINGERPRINT_LEN], enum trust_level level);

/* Sets the given flags of (jid, fpr), keeping the others. */
int trust_peer_set_flags(struct trust_db *db, const char *jid,
			 const uint8_t fpr[static FINGERPRINT_LEN], unsigned flags);

/* Clears the given flags of (jid, fpr), keeping the others. */
int trust_peer_clear_flags(struct trust_db *db, const char *jid,
			   const uint8_t fpr[static FINGERPRINT_LEN], unsigned flags);

/* Records the OpenPGP fingerprint of (jid, fpr): 40 upper-case hex digits
 * (XE2E_E_MALFORMED otherwise), or "" to forget it. */
int trust_peer_set_openpgp(struct trust_db *db, const char *jid,
			   const uint8_t fpr[static FINGERPRINT_LEN], const char *openpgp);

/* Records that (jid, fpr) was seen at now (last-seen never goes back). */
int trust_peer_seen(struct trust_db *db, const char *jid,
		    const uint8_t fpr[static FINGERPRINT_LEN], uint64_t now);

/*
 * Removes the entry (jid, fpr) with its devices, or every entry of jid when
 * fpr is NULL. XE2E_E_NOTFOUND when nothing matched.
 */
int trust_peer_forget(struct trust_db *db, const char *jid, const uint8_t *fpr);

/*
 * Records a device of the entry (jid, fpr) from a verified device binding
 * (the caller checks the binding's signature and expiry). The rotation rule:
 *   - a new device id is added;
 *   - for a stored device id, a binding with a later created time replaces
 *     the stored one; the very same binding again changes nothing; an older
 *     or equally old different binding is refused with XE2E_E_TRUST
 *     (a superseded binding, possibly replayed);
 *   - a device key already bound to another entry or another device id is
 *     refused with XE2E_E_TRUST.
 * XE2E_E_NOTFOUND when (jid, fpr) has no entry; XE2E_E_MALFORMED when
 * expires is neither 0 nor after created.
 */
int trust_device_upsert(struct trust_db *db, const char *jid,
			const uint8_t fpr[static FINGERPRINT_LEN],
			const struct trust_device *device);

/*
 * Compare-and-set for a successful SAS or shared-secret verification of a
 * session with (jid, fpr, device id, device key): sets the entry's level to
 * verified and clears its rs-reset and offline-origin flags (the caller
 * refuses sessions that are offline-origin themselves), but only if the
 * store still holds that identity for jid with that device key under that
 * device id.
 * XE2E_E_TRUST if anything changed meanwhile or the entry is revoked (a
 * revocation is never undone by a verification).
 */
int trust_verify_cas(struct trust_db *db, const char *jid,
		     const uint8_t fpr[static FINGERPRINT_LEN], uint32_t device_id,
		     const uint8_t pub[static X25519_LEN]);

/*
 * The level the trust file at path (NULL: the default) gives (jid, fpr) now,
 * read without the lock (the file is replaced atomically). XE2E_E_NOTFOUND
 * when there is no such entry.
 */
int trust_level_of(const char *path, const char *jid, const uint8_t fpr[static FINGERPRINT_LEN],
		   enum trust_level *level);

/* A change made under the store's lock; a non-zero return cancels it. */
typedef int (*trust_update_fn)(struct trust_db *db, void *ctx);

/*
 * Read-modify-write of the trust file at path (NULL: the default, whose
 * directory is created if needed): takes the exclusive lock PATH.lock,
 * loads the file (a missing one is empty; one that does not parse stops
 * here, untouched), calls fn(db, ctx), and if fn returns XE2E_OK replaces
 * the file atomically (mode 0644) when its content changed. Returns fn's
 * error, if any, and then writes nothing. Concurrent updates, in this
 * process or others, never lose each other's changes.
 */
int trust_update(const char *path, trust_update_fn fn, void *ctx);

#endif
