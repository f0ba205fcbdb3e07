/*
 * The local prekey store (xe2e(7) OFFLINE MESSAGES "Bundles"): the
 * private halves of the prekeys this device publishes in its bundles, the
 * ids of one-time prekeys already consumed, and the replay cache of initial
 * messages that used no one-time prekey.
 *
 * Signed prekeys (SPK) are X25519 keys signed by the identity key
 * (bundle.h gives the signed bytes); each has an id, a creation time, an
 * expiry (created + PREKEY_SPK_LIFETIME) and, once a newer one replaced it,
 * the time it was retired. An SPK is usable for receiving until its
 * deadline = min(expires, retired) + PREKEY_GRACE, and deleted then. New
 * bundles only ever carry the current SPK: the newest one not retired and
 * not expired.
 *
 * One-time prekeys (OPK) are X25519 keys with an id and an expiry
 * (created + PREKEY_OPK_LIFETIME); one is usable for receiving until
 * expires + PREKEY_GRACE. An OPK is deleted when an initial message that
 * used it is accepted; its id is then kept as "used" until that deadline,
 * so a replayed message is told apart from a message for an unknown key.
 *
 * Replay cache: for an initial message without OPK, (SPK id, sender's
 * ephemeral key, sender's tag) is kept until the SPK's deadline (after
 * which any message to that SPK is refused anyway). At most
 * PREKEY_SEEN_MAX entries, and at most a quota (PREKEY_SEEN_PER_SENDER, or
 * the environment's PREKEY_QUOTA_ENV) from one sender, keyed by its
 * authenticated bare JID, so one sender cannot fill the cache for the
 * others: a full cache or a sender at its quota gets further initial
 * messages without OPK refused (XE2E_E_LIMIT) rather than one forgotten
 * that could then be replayed.
 *
 * The file is "prekeys" in the state tree: never restored from a backup
 * (an old copy would bring back consumed one-time prekeys, so an initial
 * message could be accepted twice), mode 0600, refused when others can
 * read it, changed only under the lock "prekeys.lock" (never renamed) and
 * replaced atomically (store.h). Its text, every line ending in LF, fields
 * separated by exactly one space, hex in lower case:
 *
 *   file  = "xe2e prekeys v1" LF *(spk LF) *(opk LF) *(used LF) *(seen LF)
 *   spk   = "spk" SP id SP created SP expires SP retired SP priv SP sig
 *   opk   = "opk" SP id SP created SP expires SP priv
 *   used  = "used" SP id SP until
 *   seen  = "seen" SP id SP ek [SP sender]     ; id: an SPK in the file
 *   id    = 8HEXDIG, not 00000000              ; unique among spk lines,
 *                                               ; and among opk and used
 *   created, expires, until = time             ; created < expires
 *   retired = time / "-"
 *   time  = "0" / %x31-39 *19DIGIT             ; Unix seconds
 *   priv  = 64HEXDIG                           ; X25519 private key
 *   sig   = 128HEXDIG                          ; r || s, bundle.h
 *   ek    = 64HEXDIG                           ; X25519 public key
 *   sender = 32HEXDIG                          ; prekey_sender_tag(), not all
 *                                               ; zero; absent in files of
 *                                               ; older versions (no sender)
 *
 * Anything else is XE2E_E_MALFORMED with the detail "PATH line N: what".
 * Private keys are wiped from memory on every path.
 */
#ifndef XE2E_PREKEY_H
#define XE2E_PREKEY_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "dh.h"
#include "sig.h"
#include "store.h"

#define PREKEY_FILE "prekeys"
#define PREKEY_HEADER "xe2e prekeys v1"
#define PREKEY_SPK_LIFETIME (30ull * 24 * 3600)
#define PREKEY_OPK_LIFETIME (30ull * 24 * 3600)
#define PREKEY_GRACE (7ull * 24 * 3600)
/* Bounds of the file. */
#define PREKEY_SPK_MAX 16     /* signed prekeys kept (current and retired) */
#define PREKEY_OPK_MAX 1000   /* one-time prekeys kept; the oldest go first */
#define PREKEY_USED_MAX 10000 /* consumed ids remembered */
#define PREKEY_SEEN_MAX 10000 /* replay-cache entries */
#define PREKEY_SEEN_PER_SENDER 100 /* of them from one sender, by default */
#define PREKEY_QUOTA_ENV "XE2E_OFFLINE_SENDER_QUOTA"
#define PREKEY_SENDER_LEN 16
#define PREKEY_FILE_MAX (4u << 20)

struct prekey_spk {
	uint32_t id;
	uint64_t created;
	uint64_t expires;
	uint64_t retired; /* 0: not retired */
	uint8_t priv[X25519_LEN];
	uint8_t sig[P256_SIG_LEN];
};

struct prekey_opk {
	uint32_t id;
	uint64_t created;
	uint64_t expires;
	uint8_t priv[X25519_LEN];
};

struct prekey_used {
	uint32_t id;
	uint64_t until;
};

struct prekey_seen {
	uint32_t spk_id;
	uint8_t ek[X25519_LEN];
	uint8_t sender[PREKEY_SENDER_LEN]; /* all zero: not recorded */
};

/* The store in memory; arrays in file order (oldest first). */
struct prekey_store {
	struct prekey_spk *spk;
	size_t n_spk;
	struct prekey_opk *opk;
	size_t n_opk;
	struct prekey_used *used;
	size_t n_used;
	struct prekey_seen *seen;
	size_t n_seen;
};

#define PREKEY_STORE_INIT {NULL, 0, NULL, 0, NULL, 0, NULL, 0}

/* Wipes and frees every entry; st is then empty and reusable. */
void prekey_store_free(struct prekey_store *st);

/* The default file: "prekeys" in the state tree. */
int prekey_default_path(char path[static STORE_PATH_MAX]);

/* Parses len bytes of file text (name is used in details) into an empty
 * store; st is left empty on error. */
int prekey_parse(const char *name, const char *text, size_t len, struct prekey_store *st);

/* Appends the canonical file text of st. */
int prekey_format(const struct prekey_store *st, struct buf *out);

/*
 * Reads the file at path (NULL: the default) into an empty store without
 * taking the lock (it may be an older version, never a torn one). A
 * missing file is an empty store.
 */
int prekey_load(const char *path, struct prekey_store *st);

/* The last moment an SPK is usable for receiving: min(expires, retired)
 * + PREKEY_GRACE (saturating). */
uint64_t prekey_spk_deadline(const struct prekey_spk *spk);

/* The last moment an OPK is usable for receiving: expires + PREKEY_GRACE. */
uint64_t prekey_opk_deadline(const struct prekey_opk *opk);

/* Deletes what is past its deadline at now: SPKs (with their replay-cache
 * entries), OPKs, used ids. Returns how many entries went. */
size_t prekey_prune(struct prekey_store *st, uint64_t now);

/* The current SPK at now (newest not retired and now < expires), or NULL. */
struct prekey_spk *prekey_spk_current(const struct prekey_store *st, uint64_t now);

/* The SPK with this id, or NULL. */
struct prekey_spk *prekey_spk_find(const struct prekey_store *st, uint32_t id);

/* The OPK with this id, or NULL. */
struct prekey_opk *prekey_opk_find(const struct prekey_store *st, uint32_t id);

/* 1 when id is a consumed OPK id still remembered. */
int prekey_opk_was_used(const struct prekey_store *st, uint32_t id);

/*
 * Adds a new SPK made at now with a fresh key and a fresh id: the caller
 * signs it (bundle_spk_sign) through *out, which points into st until the
 * next change. Every SPK not yet retired is retired at now. Refuses
 * (XE2E_E_LIMIT) when PREKEY_SPK_MAX are held even after pruning.
 */
int prekey_spk_add(struct prekey_store *st, uint64_t now, struct prekey_spk **out);

/*
 * Adds n fresh OPKs made at now (fresh ids, never one held or used),
 * dropping the oldest OPKs beyond PREKEY_OPK_MAX. *first (may be NULL) is
 * the index of the first new one in st->opk.
 */
int prekey_opk_add(struct prekey_store *st, uint64_t now, size_t n, size_t *first);

/* Deletes the OPK with this id and remembers the id as used until its
 * deadline (the oldest used ids go beyond PREKEY_USED_MAX).
 * XE2E_E_NOTFOUND when there is no such OPK. */
int prekey_opk_consume(struct prekey_store *st, uint32_t id);

/* The number of OPKs usable by a sender at now (now < expires). */
size_t prekey_opk_count(const struct prekey_store *st, uint64_t now);

/* The tag of a sender in the replay cache: the first PREKEY_SENDER_LEN
 * bytes of SHA-256("xe2e prekey sender v1" | its normalised bare JID). */
int prekey_sender_tag(const char *bare_jid, uint8_t tag[static PREKEY_SENDER_LEN]);

/*
 * The entries one sender may hold in the replay cache: PREKEY_QUOTA_ENV
 * when set (a number from 1 to PREKEY_SEEN_MAX, meant for tests; else
 * XE2E_E_MALFORMED with a detail), otherwise PREKEY_SEEN_PER_SENDER.
 */
int prekey_seen_quota(uint32_t *quota);

/*
 * XE2E_OK when the replay cache has room for one more entry of the sender
 * with this tag: XE2E_E_LIMIT, with a detail naming who (its bare JID),
 * when the cache holds PREKEY_SEEN_MAX entries or the sender quota ones.
 */
int prekey_seen_room(const struct prekey_store *st, const uint8_t sender[static PREKEY_SENDER_LEN],
		     uint32_t quota, const char *who);

/*
 * The replay cache: XE2E_E_REPLAY when (spk_id, ek) is there, the errors of
 * prekey_seen_room(), XE2E_E_NOTFOUND when spk_id names no SPK; else adds
 * it with the sender's tag.
 */
int prekey_seen_add(struct prekey_store *st, uint32_t spk_id, const uint8_t ek[static X25519_LEN],
		    const uint8_t sender[static PREKEY_SENDER_LEN], uint32_t quota, const char *who);

/* 1 when (spk_id, ek) is in the replay cache. */
int prekey_seen_has(const struct prekey_store *st, uint32_t spk_id,
		    const uint8_t ek[static X25519_LEN]);

/* A change made under the lock; a non-zero return cancels it. */
typedef int (*prekey_update_fn)(struct prekey_store *st, void *ctx);

/*
 * Read-modify-write of the file at path (NULL: the default, whose
 * directory is created if needed): takes the lock PATH.lock, loads the
 * file (a missing one is empty; one that does not parse stops here,
 * untouched), prunes it at now, calls fn(st, ctx) and, if fn returns
 * XE2E_OK, replaces the file atomically (mode 0600) when its content
 * changed. When fn fails its error is returned and none of its changes is
 * written; what the pruning deleted is deleted from the file all the same
 * (expired keys must not outlive their deadline because every later use
 * failed).
 */
int prekey_update(const char *path, uint64_t now, prekey_update_fn fn, void *ctx);

#endif
