/* Helpers shared by the ratchet tests (test_ratchet*.c). */
#ifndef XE2E_TEST_RATCHET_H
#define XE2E_TEST_RATCHET_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "ratchet.h"

/* A seeded generator for shuffles and choices; the seed is printed with
 * unit_note() (XE2E_TEST_SEED=n repeats a run). */
struct trng {
	uint64_t s;
};
void trng_init(struct trng *r);
uint64_t trng_next(struct trng *r);
/* Uniform in [0, n). */
uint32_t trng_below(struct trng *r, uint32_t n);
void trng_shuffle(struct trng *r, size_t *idx, size_t n);

/* Both ends of a fresh session as the handshake would leave them; the
 * start values are kept so tests can recompute keys by hand. */
struct rpair {
	struct ratchet_state *a; /* initiator */
	struct ratchet_state *b; /* responder */
	struct ratchet_start start;
};
void rpair_init(struct rpair *p, enum aead_cipher cipher, uint64_t now);
void rpair_free(struct rpair *p);

/* ad_extra used by the tests. */
extern const uint8_t tr_ad[];
extern const size_t tr_ad_len;

/* Encrypts "message <i>" (or any text) into out; returns the error. */
int tr_send(struct ratchet_state *st, uint64_t now, uint32_t i, struct buf *out);
/* Decrypts and checks the plaintext is "message <i>"; returns the error
 * (a wrong plaintext is a failed check and XE2E_E_AUTH). */
int tr_recv(struct ratchet_state *st, uint64_t now, uint32_t i, const struct buf *msg,
	    struct ratchet_recv_info *info);

/* The default policy without timed DH steps: st steps only when the
 * conversation turns around. */
void tr_steps_off(struct ratchet_state *st);

/* The serialized state, for before/after comparisons; caller frees. */
void tr_snapshot(const struct ratchet_state *st, struct buf *out);
/* A copy of st through its text, as a restored file would give it;
 * caller frees (ratchet_free). */
struct ratchet_state *tr_copy(const struct ratchet_state *st);
/* 1 when st serializes to exactly snap. */
int tr_same(const struct ratchet_state *st, const struct buf *snap);
/* Serializes and parses st back (replacing it); 1 when the text of the
 * reloaded state is identical. */
int tr_reload(struct ratchet_state **st);

void tr_info(const struct ratchet_state *st, struct ratchet_info *info);

/* Opens a wire message by hand from its message key mk, as ratchet.h
 * defines it: s after the header (hdr_len bytes), AEAD key and nonce =
 * HKDF-SHA256(salt s, ikm mk, "xe2e message key v2", 44), AD = be16
 * length | header | tr_ad. pt gets the plaintext; returns aead_open()'s
 * result. */
int tr_open_by_hand(enum aead_cipher cipher, const uint8_t mk[32], const struct buf *msg,
		    size_t hdr_len, struct buf *pt);

#endif
