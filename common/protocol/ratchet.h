/*
 * The Double Ratchet of an xe2e session (Signal's published algorithm, with
 * deferred DH steps), as a pure in-memory state: no files, no clock, no
 * printing. Time is passed in as seconds (uint64_t now).
 *
 * Definitions (every byte; xe2e(7) repeats them):
 *
 *   KDF_RK(rk, dh_out) = HKDF-SHA256(salt = rk, ikm = dh_out,
 *                                    info = "xe2e ratchet v1", L = 64)
 *       -> new rk = bytes 0..31, chain key = bytes 32..63
 *   At the one root step a pending SPAKE2 mix names (below) instead:
 *     HKDF-SHA256(salt = rk, ikm = dh_out (32) | Ke (16),
 *                 info = "xe2e ratchet spake2 v1", L = 64), split the same way
 *   KDF_CK(ck): mk = HMAC-SHA256(ck, 0x01), next ck = HMAC-SHA256(ck, 0x02)
 *   Per message (the synthetic nonce s, see below):
 *     r = 16 fresh random bytes (never sent)
 *     siv_key = HKDF-SHA256(salt = empty, ikm = mk,
 *                           info = "xe2e synthetic nonce v1", L = 32)
 *     s = HMAC-SHA256(siv_key, r | be64(len(AD)) | AD | plaintext), bytes 0..5
 *     HKDF-SHA256(salt = s, ikm = mk, info = "xe2e message key v2", L = 44)
 *       -> AEAD key = bytes 0..31, nonce = bytes 32..43
 *   AEAD = the session's suite (ChaCha20-Poly1305 or AES-256-GCM), 16-byte tag.
 *   DH = X25519; a public key giving an all-zero output is refused.
 *
 *   Header (varints are unsigned LEB128 of a 32-bit value, at most 5 bytes,
 *   minimal encodings only):
 *     flags (1 byte: bit 0 = ratchet public key present, bit 1 = restart
 *            marker present, bit 2 = the caller's: its ad_extra names the
 *            sender's full JID (envelope.h), bits 3..7 zero)
 *     tag (4 bytes, the session tag)
 *     sender_epoch (varint)  the epoch of the sender's ratchet key
 *     ack_epoch (varint)     the latest peer epoch the sender has received
 *     n (varint)             message number in the sender's chain
 *     pn (varint)            length of the sender's previous chain (the end
 *                            of its highest reservation there)
 *     [ratchet public key (32 bytes), if bit 0]
 *     [restart_n (varint), if bit 1]
 *   AD = header length (2 bytes, big-endian) | header | ad_extra
 *   Wire message = header | s (6 bytes) | AEAD ciphertext | tag (the caller
 *   base64s it). The receiver derives the AEAD key and nonce from mk and
 *   the s it read; another s gives other keys, so the tag fails.
 *
 * Synthetic nonce. A chain position (mk) used twice, because the state was
 * rewound (a restored file or snapshot), gets two (key, nonce) pairs that
 * differ unless s collides (about 2^-48 per pair): r differs when the random
 * generator works, the plaintext or AD differ when it was rewound too. Only
 * a rewound generator and the same plaintext give the same s, and then the
 * same ciphertext, which reveals only that equality. (A random nonce alone
 * fails when the generator's state is restored too; s from the content
 * alone is deterministic; mbedTLS 2.28 has no SIV mode.)
 *
 * Epochs name a side's ratchet keys: the responder's r0 (sent in the
 * handshake) is its epoch 0; the initiator's first key is its epoch 1 (it has
 * no epoch 0). Each sending step adds one. The public key rides on every
 * message of a chain until the peer acknowledges the epoch (ack_epoch >=
 * sender_epoch in a message from the peer).
 *
 * Start. Initiator: rk = root key; peer key r0 (epoch 0) with the handed-over
 * chain key as its receiving chain; at its first send it steps at once: new
 * key pair a1, (rk, cks) = KDF_RK(rk, DH(a1, r0)), epoch 1. Responder: rk =
 * root key; own key r0 (epoch 0) with the handed-over chain key as its
 * sending chain; no receiving chain until the initiator's first message.
 *
 * Steps. On an authenticated message with the next peer epoch, the receiver
 * keeps the skipped keys of its old receiving chain up to pn, then takes the
 * receiving half: (rk, ckr) = KDF_RK(rk, DH(own private, new peer public)).
 * The sending half (new key pair, (rk, cks) = KDF_RK(rk, DH(new private, peer
 * public)), pn = end of the old chain, n = 0) happens at the side's next
 * reservation once its policy allows (step_interval seconds or step_messages
 * messages since its own last step; interval 0 = every turn). Steps strictly
 * alternate: a side steps only after a receiving half for a peer key newer
 * than the one its current key was made against. So the initiator's epoch e
 * is made against the responder's e - 1, the responder's e against the
 * initiator's e, and a receiver accepts only its peer's next epoch, only
 * once it has stepped against the peer's current one; anything else is
 * refused before any DH.
 *
 * Decryption works on a copy of the state, committed only when the AEAD
 * verifies: forged, replayed or tampered messages change nothing. Skipped
 * keys are stored as (epoch, n, mk, time stored), at most skipped_max (the
 * oldest dropped first), each for skipped_ttl seconds; a message needing
 * more than skipped_max new skipped keys is refused as a gap too large.
 *
 * Reservations. ratchet_reserve() takes a block of k numbers from the
 * current sending chain: the state's chain key moves past the block (persist
 * it before sending), the block keeps the chain key at its next number.
 * ratchet_block_release() gives unused numbers back when nothing was
 * reserved after them; else the numbers are abandoned, and once no block of
 * the chain is open the next block carries a restart marker restart_n = its
 * first number: "no number below restart_n that I have not sent will ever be
 * sent in this chain", so the receiver drops that chain's skipped keys below
 * restart_n. (A message of an earlier writer that the transport delivers
 * after the marked one is then refused as a replay; XMPP keeps one sender's
 * stanzas in order.) The marker rides on every later message of the chain.
 * Plain ratchet_encrypt() is a one-message reservation.
 *
 * Limits: reservations fail with XE2E_E_EXPIRED once the session is older
 * than max_age (30 days) or would pass max_messages (2^20) numbers in total.
 *
 * Root steps. Because steps alternate, both sides take the same root steps
 * (each KDF_RK) in the same order, one side the sending half, the other the
 * receiving half, and each has an index both can compute: the step that
 * makes the initiator's epoch e is 2e - 1, the responder's epoch e is 2e
 * (the responder's r0, epoch 0, comes from the handshake: no step). A
 * state's root step is the highest index it has taken (0 before any).
 *
 * SPAKE2 mix (xe2e(7) VERIFICATION "Shared secret"). After a confirmed shared-secret run whose
 * confirmations name the initiator's epoch E (the sender epoch of its
 * "start" stanza), each side that saw the run succeed stores a pending mix:
 * the SPAKE2 key Ke and the root step 2E + 4, the responder's step of epoch
 * E + 2. No stanza of the run can reach it (the initiator's three stanzas
 * raise its epoch to E + 2 at most, the responder's two its own to E + 1),
 * so both sides store it before either takes it. That step's KDF_RK, on
 * either half, takes Ke in (above); the mix is then wiped. A side that
 * holds a mix its peer does not (the run's last stanza was lost) derives
 * another root key at that step: messages of the peer from that step on
 * fail authentication and change nothing; older ones still open.
 */
#ifndef XE2E_RATCHET_H
#define XE2E_RATCHET_H

#include <stddef.h>
#include <stdint.h>

#include "aead.h"
#include "buf.h"
#include "ratchet_header.h"

/* Defaults of struct ratchet_policy (xe2e(7) SESSIONS "Keys"). */
#define RATCHET_STEP_INTERVAL 60
#define RATCHET_STEP_MESSAGES 100
#define RATCHET_SKIPPED_MAX 1000
#define RATCHET_SKIPPED_TTL (7 * 24 * 3600)
#define RATCHET_MAX_AGE (30 * 24 * 3600)
#define RATCHET_MAX_MESSAGES (1u << 20)
/* Hard caps a policy may not exceed. */
#define RATCHET_SKIPPED_CAP 100000
/* The length of a SPAKE2 key mixed into a root step (Ke). */
#define RATCHET_MIX_LEN 16
/* The highest root step index: the responder's last epoch. */
#define RATCHET_STEP_MAX (2 * (uint64_t)UINT32_MAX)

enum ratchet_role {
	RATCHET_INITIATOR = 1,
	RATCHET_RESPONDER = 2,
};

struct ratchet_state; /* opaque; holds secrets, wiped by ratchet_free() */

/* What the handshake hands over. The caller wipes it after ratchet_init(). */
struct ratchet_start {
	enum aead_cipher cipher;
	uint8_t tag[RATCHET_TAG_LEN];
	uint8_t root_key[RATCHET_KEY_LEN];
	/* The responder's first sending chain = the initiator's first
	 * receiving chain (for the responder's epoch 0). */
	uint8_t chain_key[RATCHET_KEY_LEN];
	uint8_t r0_public[RATCHET_KEY_LEN];
	uint8_t r0_private[RATCHET_KEY_LEN]; /* responder only; else ignored */
};

/* When to step and what to keep; see the RATCHET_* defaults. */
struct ratchet_policy {
	uint32_t step_interval; /* seconds; 0 = step every turn */
	uint32_t step_messages; /* >= 1 */
	uint32_t skipped_max;   /* 1 .. RATCHET_SKIPPED_CAP; also the gap bound */
	uint32_t skipped_ttl;   /* seconds, >= 1 */
	uint32_t max_age;       /* seconds, 1 .. RATCHET_MAX_AGE */
	uint32_t max_messages;  /* 1 .. RATCHET_MAX_MESSAGES */
};

/* A block of reserved message numbers (see ratchet_reserve()). Holds a
 * chain key: keep it in memory only; ratchet_block_release() wipes it. */
struct ratchet_block {
	enum aead_cipher cipher;
	struct ratchet_header hdr; /* template; n is set per message, and
				    * sender_full by the caller before each */
	uint32_t next;             /* next number to use */
	uint32_t end;              /* one past the block's last number */
	uint8_t ck[RATCHET_KEY_LEN];
};

/* What ratchet_decrypt() tells the caller about a message it opened. */
struct ratchet_recv_info {
	uint32_t epoch;    /* the sender's epoch and message number */
	uint32_t n;
	uint32_t skipped;  /* keys stored for messages not (yet) received */
	int late;          /* 1 when the key came from the skipped store */
	int new_epoch;     /* 1 when a receiving DH half was taken */
	uint32_t dropped;  /* skipped keys dropped: expired, evicted, restart */
};

/* Public facts of a state (no secrets), e.g. for ratchet_step_due(). */
struct ratchet_info {
	enum ratchet_role role;
	enum aead_cipher cipher;
	uint8_t tag[RATCHET_TAG_LEN];
	uint64_t created;
	uint64_t total_sent;     /* message numbers reserved in total */
	uint32_t own_epoch;      /* 0 for an initiator before its first send */
	int has_send;            /* own ratchet key and sending chain exist */
	uint32_t send_n;         /* next number of the sending chain */
	uint32_t send_pn;
	uint32_t open_blocks;    /* blocks of the current chain not released */
	uint32_t peer_ack;       /* latest own epoch the peer acknowledged */
	int has_recv;            /* peer ratchet key and receiving chain exist */
	uint32_t peer_epoch;
	uint32_t recv_n;         /* next expected number of the receiving chain */
	uint64_t last_step;      /* time of own last sending step (or start) */
	uint32_t sent_since_step;
	uint64_t peer_key_time;  /* time the current peer key was received */
	size_t skipped;          /* skipped keys held */
	uint64_t root_step;      /* index of the last root step taken (0: none) */
	int has_mix;             /* a SPAKE2 mix is pending */
	uint64_t mix_step;       /* the root step it goes into */
	struct ratchet_policy policy;
};

/* The default policy (xe2e(7) SESSIONS "Keys"). */
void ratchet_policy_default(struct ratchet_policy *p);

/* The session tag both sides derive from the root key:
 * HKDF-SHA256(salt empty, ikm root key, info "xe2e session tag v1", 4). */
int ratchet_tag_derive(const uint8_t root_key[static RATCHET_KEY_LEN],
		       uint8_t tag[static RATCHET_TAG_LEN]);

/*
 * Makes a fresh state for role from what the handshake handed over, with
 * the default policy, created at now. A responder's r0 pair is checked to
 * match. XE2E_E_UNSUPPORTED for an unknown cipher.
 */
int ratchet_init(struct ratchet_state **out, enum ratchet_role role,
		 const struct ratchet_start *start, uint64_t now);

/* Wipes and frees a state; NULL is fine. */
void ratchet_free(struct ratchet_state *st);

/* Replaces the policy; XE2E_E_LIMIT when a field is out of range, or when
 * skipped_max is below the number of skipped keys held. */
int ratchet_policy_set(struct ratchet_state *st, const struct ratchet_policy *p);

/* Fills info with the public facts of st. */
void ratchet_info_get(const struct ratchet_state *st, struct ratchet_info *info);

/*
 * 1 when the next reservation will take a sending DH step (the initiator's
 * first send, or a step the policy allows after a new peer key), else 0.
 * When due and since is not NULL, *since is the time it became due, so a
 * long-running sender can send a ratchet message when nothing else carried
 * the step for a while.
 */
int ratchet_step_due(const struct ratchet_state *st, uint64_t now, uint64_t *since);

/* 1 when the policy lets st take a sending step at now (the interval or
 * the count since its last step is met), whether or not a newer peer key
 * is there to step against. */
int ratchet_policy_allows(const struct ratchet_state *st, uint64_t now);

/*
 * Reserves k message numbers (1 .. skipped_max) of the sending chain,
 * taking a due sending step first. The state moves past the block; the
 * caller persists it before any message of the block leaves the process.
 * XE2E_E_EXPIRED when the session is older than max_age or the block would
 * pass max_messages ("session too old: run a new handshake"); the state is
 * unchanged on every error.
 */
int ratchet_reserve(struct ratchet_state *st, uint64_t now, uint32_t k,
		    struct ratchet_block *block);

/*
 * Encrypts pt with the block's next number and appends the wire message
 * (header | ciphertext | tag) to out; the message key is wiped. ad_extra is
 * authenticated too. XE2E_E_LIMIT when the block is used up.
 */
int ratchet_block_encrypt(struct ratchet_block *block, const uint8_t *pt, size_t pt_len,
			  const uint8_t *ad_extra, size_t ad_len, struct buf *out);

/*
 * Releases a block into st (the freshly loaded persisted state): unused
 * numbers go back when nothing was reserved after the block in the same
 * chain, else they are abandoned and announced by a later restart marker.
 * The block is wiped. The caller persists st.
 */
void ratchet_block_release(struct ratchet_state *st, struct ratchet_block *block);

/* Wipes a block without touching any state (e.g. after a crash-like error). */
void ratchet_block_wipe(struct ratchet_block *block);

/* ratchet_reserve(1), ratchet_block_encrypt(), ratchet_block_release(). */
int ratchet_encrypt(struct ratchet_state *st, uint64_t now, const uint8_t *pt, size_t pt_len,
		    const uint8_t *ad_extra, size_t ad_len, struct buf *out);

/*
 * Opens a wire message: finds its key (current receiving chain, skipped
 * store, or a new chain after the receiving DH half), checks the AEAD with
 * AD = len16 | header | ad_extra, appends the plaintext to out and only
 * then commits the new state. info (may be NULL) tells about gaps. out must
 * not hold msg (XE2E_E_STATE).
 * Errors (st and out unchanged): XE2E_E_MALFORMED (bad header),
 * XE2E_E_NOTFOUND (another session's tag), XE2E_E_REPLAY (key used or
 * dropped; nothing decrypted), XE2E_E_LIMIT (gap above skipped_max),
 * XE2E_E_WEAKKEY (low-order ratchet key), XE2E_E_AUTH (tag failure, or a
 * header impossible in this session).
 */
int ratchet_decrypt(struct ratchet_state *st, uint64_t now, const uint8_t *msg, size_t msg_len,
		    const uint8_t *ad_extra, size_t ad_len, struct buf *out,
		    struct ratchet_recv_info *info);

/* The index of the root step that made role's key of epoch (see "Root
 * steps" above); 0 for epoch 0. */
uint64_t ratchet_step_index(enum ratchet_role role, uint32_t epoch);

/* The root step a confirmed SPAKE2 run mixes into when its confirmations
 * name epoch: 2 * epoch + 4. XE2E_E_LIMIT when epoch + 2 is no epoch. */
int ratchet_spake2_step(uint32_t epoch, uint64_t *step);

/*
 * Stores a pending mix of key into root step step (1 .. RATCHET_STEP_MAX,
 * else XE2E_E_LIMIT), replacing one pending already: the last confirmed
 * run wins. XE2E_E_STATE, st unchanged, when st has taken that step
 * already: it can no longer be mixed on both sides.
 */
int ratchet_mix_set(struct ratchet_state *st, uint64_t step,
		    const uint8_t key[static RATCHET_MIX_LEN]);

/* Drops skipped keys older than the policy's skipped_ttl; returns how many. */
size_t ratchet_skipped_expire(struct ratchet_state *st, uint64_t now);

/*
 * Appends st as versioned, line-oriented text ("name: value\n", values in
 * decimal or lower-case hex, "-" when absent), ending with "end\n". It
 * holds secrets: the caller stores it like a private key. A pending SPAKE2
 * mix adds two lines after max-messages, "spake2-mix-step: N" (the root
 * step index) and "spake2-mix-key: " with Ke in 32 hex digits; without a
 * pending mix they are absent, so older states read as they are.
 */
int ratchet_serialize(const struct ratchet_state *st, struct buf *out);

/*
 * Parses what ratchet_serialize() wrote, strictly: fields in order, exact
 * lengths, canonical numbers, consistent epochs and counters, a pending
 * mix only for a root step not taken yet, skipped keys in increasing
 * (epoch, n) order. When used is NULL the text must end
 * with the "end" line; else *used is set to the bytes read through it.
 * XE2E_E_MALFORMED (with a detail) on any deviation.
 */
int ratchet_parse(const char *text, size_t len, struct ratchet_state **out, size_t *used);

/* Appends a public-only description (epochs, numbers, counts, times, short
 * ids of the ratchet public keys, the root step and that of a pending
 * SPAKE2 mix) for debugging; never a secret. */
int ratchet_dump(const struct ratchet_state *st, struct buf *out);

#endif
