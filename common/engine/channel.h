/*
 * A session in use by xe2e-seal and xe2e-open: its file and its Double
 * Ratchet, changed only under the session's lock (xe2e(7) SESSIONS
 * "State").
 *
 * Every operation takes the lock, reads the session (a restored or copied
 * file is refused: XE2E_E_STALE, "stale session: run a new handshake"),
 * works on the ratchet, writes the file back (temporary file, fsync,
 * rename, fsync of the directory) and unlocks, before its result leaves
 * the library: a reservation is stored before any ciphertext of it exists,
 * and a used message key is deleted on disk before its plaintext is
 * returned. So a crash can lose a plaintext, never reuse a key or accept a
 * replay.
 *
 * Sending reserves blocks of message numbers (ratchet_reserve): the first
 * block of a channel holds one number, each next one twice as many, up to
 * the ratchet's skipped-key limit divided by four times the number of
 * writers that share the session. A block is given back (its unused numbers
 * return to the chain when nothing was reserved after it) when it is used
 * up, and by channel_release() at a clean exit. A step interval of 0 (a DH
 * step at every turn) makes every block one number long. A block of one
 * number is sealed inside the transaction that stores it (the ciphertext
 * stays in memory until the store succeeded) and never stays open, so a
 * process that seals one stanza stores once.
 *
 * A due DH step is taken by the very next stanza (xe2e(7) SESSIONS
 * "Keys"), blocks or not: a block never reaches past the send at which the
 * step policy's count is met, nor serves stanzas from the moment its time
 * is met. A block reserved when the policy was met already (no newer peer
 * key to step against yet) waits for that key instead: before each of its
 * stanzas, one fstat of the session file as the reservation left it, held
 * open, tells whether anyone stored the session since (every store renames
 * a new file over it, which leaves the old one without a link). If so
 * (xe2e-open received a new peer key, another writer reserved), the session
 * is read under the lock and, when a step is due now, the rest of the block
 * is given up and the step taken; otherwise the block goes on.
 */
#ifndef XE2E_CHANNEL_H
#define XE2E_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "jid.h"
#include "ratchet.h"
#include "session.h"

/* What a program sets for its channels. */
struct channel_opts {
	uint32_t step_interval; /* the policy's step interval, seconds (0: every turn) */
	uint32_t writers;       /* processes sealing into one session at a time, >= 1 */
};

/* The public facts of a session and, for a sender, its open block. */
struct channel {
	uint8_t id[SESSION_ID_LEN];
	char self_bare[JID_MAX + 1];
	char peer_bare[JID_MAX + 1];
	char peer_full[JID_MAX + 1]; /* the device the handshake came from */
	enum session_state state;
	enum session_role role;
	unsigned flags; /* TRUST_FLAG_* of the session */
	uint8_t peer_fpr[FINGERPRINT_LEN]; /* the peer's identity fingerprint */
	uint8_t tag[RATCHET_TAG_LEN];
	struct channel_opts opts;

	struct ratchet_block block; /* holds a chain key: memory only */
	int has_block;
	uint32_t next_k;     /* size of the next block */
	uint64_t block_time; /* when the block was reserved */
	uint64_t block_until; /* it serves stanzas before this time */
	/* When the block waits for a peer key (see above): the session file
	 * as its reservation (or its last check) left it, held open. */
	int block_watch;
	int block_fd;
	int has_block_fd;
	uint64_t last_send;  /* when the last message was sealed */
};

/* Loads the facts of session id (under its lock). XE2E_E_NOTFOUND,
 * XE2E_E_STALE, XE2E_E_PERM, XE2E_E_MALFORMED as session_read(). */
int channel_load(struct channel *ch, const uint8_t id[static SESSION_ID_LEN],
		 const struct channel_opts *opts);

/*
 * Whether the trust store still stands behind the session's peer: XE2E_E_TRUST,
 * with a detail that says what happened and how to start again, when the
 * peer's identity key is now marked mismatch (a SAS comparison failed:
 * xe2e(7) VERIFICATION, Recording) or revoked. A store without the entry, or one
 * that cannot be read, is left to the operations that need it.
 */
int channel_trust_check(const struct channel *ch);

/*
 * Encrypts pt (the padded frame) with associated data ad into wire (the
 * ratchet message), from the open block or from a new one that is stored
 * first; sender_full sets the header's RATCHET_FLAG_SENDER_FULL (ad names
 * the sender's full JID: envelope_ad_seal()). XE2E_E_STATE for a pending
 * session (it waits for the initiator's first message), XE2E_E_EXPIRED for
 * a session too old or too used.
 */
int channel_seal(struct channel *ch, uint64_t now, const uint8_t *pt, size_t pt_len,
		 const uint8_t *ad, size_t ad_len, int sender_full, struct buf *wire);

/*
 * 1 when the session's next send takes a DH step (ratchet_step_due, read
 * under the lock); *since gets the time it became due. 0 when not due or
 * on any error.
 */
int channel_step_due(struct channel *ch, uint64_t now, uint64_t *since);

/* Gives the open block back (a clean exit); nothing to do without one. */
int channel_release(struct channel *ch);

/*
 * After a confirmed shared-secret run whose confirmations named epoch:
 * stores, under the lock, the pending mix of key (Ke) into the root step
 * ratchet_spake2_step(epoch), which *step gets (ratchet_mix_set()).
 * XE2E_E_STATE, nothing stored, when the session has taken that step
 * already (other stanzas moved it on during the run).
 */
int channel_mix_spake2(struct channel *ch, uint32_t epoch,
		       const uint8_t key[static RATCHET_MIX_LEN], uint64_t *step);

/* One received ratchet message for channel_open(). */
struct channel_msg {
	const uint8_t *wire; /* in: the ratchet message and its associated data */
	size_t wire_len;
	const uint8_t *ad;
	size_t ad_len;
	struct buf pt;       /* out: the plaintext (the caller frees it) */
	struct ratchet_recv_info info;
	int err;             /* out: this message's outcome */
	char detail[512];    /* out: err_detail() of its failure */
};

/*
 * Opens n ratchet messages of the session in one transaction: under the
 * lock each is decrypted on a copy of the state (ratchet_decrypt: a forged,
 * replayed or tampered one changes nothing and gets its error:
 * XE2E_E_REPLAY, XE2E_E_AUTH, XE2E_E_LIMIT, ...), the state with every used
 * key deleted is stored, and only then do the messages get their
 * plaintexts. A pending session (IK responder) is then confirmed
 * (session_confirm). A session older than its ratchet's max_age plus
 * skipped_ttl (37 days by default: its sender stopped after 30, and stanzas
 * sealed before may still be in transit) opens nothing: every message gets
 * XE2E_E_EXPIRED and nothing is stored. The return value is the
 * transaction's: when reading,
 * storing or confirming fails, every message gets that error and no
 * plaintext.
 */
int channel_open(struct channel *ch, uint64_t now, struct channel_msg *m, size_t n);

/* Wipes the channel, dropping an open block without giving it back (its
 * numbers are then abandoned, as after a crash). A channel that was never
 * loaded but is all zero may be wiped too. */
void channel_wipe(struct channel *ch);

/* Which session a received message belongs to: (peer bare JID, tag) ->
 * session id, from the sessions directory. */
struct channel_index {
	struct channel_index_entry {
		uint8_t id[SESSION_ID_LEN];
		uint8_t tag[RATCHET_TAG_LEN];
		char peer_bare[JID_MAX + 1];
	} *e;
	size_t n;
};

#define CHANNEL_INDEX_INIT {NULL, 0}

/*
 * Finds the session with peer_bare and tag: in what the index knows, then
 * in the peer's current session, then in the session files the index does
 * not know yet (looked for again on each miss; a known file is never read
 * again, so stanzas with made-up tags cost a directory listing). No trial decryption. When no
 * session matches: XE2E_E_STALE when the peer's current session is a
 * restored or copied file; the error of reading it when it cannot be read
 * (XE2E_E_MALFORMED for a damaged file or one that is not a regular file,
 * XE2E_E_PERM, XE2E_E_LIMIT, XE2E_E_IO), the detail naming the file and
 * what is wrong; else XE2E_E_NOTFOUND ("unknown session"), the detail
 * counting the session files that cannot be read.
 */
int channel_index_find(struct channel_index *idx, const char *peer_bare,
		       const uint8_t tag[static RATCHET_TAG_LEN], uint8_t id[static SESSION_ID_LEN]);

void channel_index_free(struct channel_index *idx);

#endif
