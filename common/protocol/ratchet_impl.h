/*
 * Inside the ratchet: the state's layout and the helpers its files share
 * (ratchet.c, ratchet_kdf.c, ratchet_send.c, ratchet_recv.c,
 * ratchet_skipped.c, ratchet_state.c). Not for other modules.
 */
#ifndef XE2E_RATCHET_IMPL_H
#define XE2E_RATCHET_IMPL_H

#include "ratchet.h"

/* A message key kept for a message not received yet. */
struct ratchet_skipped {
	uint32_t epoch;
	uint32_t n;
	uint64_t stored;
	uint8_t mk[RATCHET_KEY_LEN];
};

struct ratchet_state {
	enum ratchet_role role;
	enum aead_cipher cipher;
	uint8_t tag[RATCHET_TAG_LEN];
	struct ratchet_policy policy;
	uint64_t created;
	uint64_t total_sent;
	uint8_t rk[RATCHET_KEY_LEN];

	/* Own ratchet key and sending chain (absent for an initiator before
	 * its first send). */
	int has_send;
	uint32_t own_epoch;
	uint8_t own_priv[RATCHET_KEY_LEN];
	uint8_t own_pub[RATCHET_KEY_LEN];
	uint8_t cks[RATCHET_KEY_LEN];
	uint32_t ns;
	uint32_t pn;
	uint32_t open_blocks; /* blocks of this chain not yet released */
	int gap;              /* numbers of this chain were abandoned */
	int has_restart;      /* messages of this chain carry restart_n */
	uint32_t restart_n;
	uint32_t peer_ack;
	uint64_t last_step;
	uint32_t sent_since_step;

	/* Peer ratchet key and receiving chain (absent for a responder
	 * before the initiator's first message). */
	int has_recv;
	uint32_t peer_epoch;
	uint8_t peer_pub[RATCHET_KEY_LEN];
	uint8_t ckr[RATCHET_KEY_LEN];
	uint32_t nr;
	uint64_t peer_key_time;

	/* A pending SPAKE2 mix: Ke goes into the KDF_RK of root step
	 * mix_step, then is wiped. */
	int has_mix;
	uint64_t mix_step;
	uint8_t mix_key[RATCHET_MIX_LEN];

	/* Skipped keys, in increasing (epoch, n) order, oldest first. */
	struct ratchet_skipped *skipped;
	size_t nskipped;
	size_t cap;
};

/* ratchet_kdf.c */
/* KDF_RK; with mix (RATCHET_MIX_LEN bytes, may be NULL) the SPAKE2 form. */
int ratchet_kdf_rk(uint8_t rk[static RATCHET_KEY_LEN], const uint8_t dh[static RATCHET_KEY_LEN],
		   const uint8_t *mix, uint8_t ck[static RATCHET_KEY_LEN]);
int ratchet_kdf_ck(uint8_t ck[static RATCHET_KEY_LEN], uint8_t mk[static RATCHET_KEY_LEN]);
/* The bytes of fresh randomness r that go into a sealed message's s. */
#define RATCHET_SIV_RANDOM_LEN 16
/* s = the first RATCHET_SIV_LEN bytes of HMAC-SHA256(siv key, r |
 * be64(len(ad)) | ad | frame), siv key = HKDF(mk, "xe2e synthetic nonce
 * v1", 32): see "Synthetic nonce" in ratchet.h. */
int ratchet_siv(const uint8_t mk[static RATCHET_KEY_LEN], const uint8_t r[static RATCHET_SIV_RANDOM_LEN],
		const uint8_t *ad, size_t ad_len, const uint8_t *frame, size_t frame_len,
		uint8_t s[static RATCHET_SIV_LEN]);
/* The AEAD key and nonce of a message: HKDF-SHA256(salt s, ikm mk,
 * "xe2e message key v2", 44). */
int ratchet_message_keys(const uint8_t mk[static RATCHET_KEY_LEN], const uint8_t s[static RATCHET_SIV_LEN],
			 uint8_t key[static AEAD_KEY_LEN], uint8_t nonce[static AEAD_NONCE_LEN]);
/* AD = len16(header) | header | ad_extra, into a fresh buffer. */
int ratchet_ad_build(struct buf *ad, const uint8_t *header, size_t header_len,
		     const uint8_t *ad_extra, size_t ad_len);
/* 1 for a cipher the ratchet knows. */
int ratchet_cipher_valid(enum aead_cipher cipher);

/* ratchet.c */
/* A deep copy of st (skipped keys included). */
int ratchet_clone(const struct ratchet_state *st, struct ratchet_state **out);
/* Replaces *dst's content with *src's and frees src's old shell. */
void ratchet_commit(struct ratchet_state *dst, struct ratchet_state *src);
/* The peer epoch own current key was made against (has_send only). */
uint32_t ratchet_stepped_against(const struct ratchet_state *st);
/* The index of the last root step st has taken (0: none). */
uint64_t ratchet_root_step(const struct ratchet_state *st);
/* The pending mix key when it goes into root step step, else NULL. */
const uint8_t *ratchet_mix_for(const struct ratchet_state *st, uint64_t step);
/* Wipes the pending mix (once its step is taken). */
void ratchet_mix_clear(struct ratchet_state *st);
/* Range checks of a policy. */
int ratchet_policy_check(const struct ratchet_policy *p);

/* ratchet_skipped.c */
int ratchet_skipped_find(const struct ratchet_state *st, uint32_t epoch, uint32_t n);
/* Copies the key of (epoch, n) to mk and deletes it; XE2E_E_REPLAY when absent. */
int ratchet_skipped_take(struct ratchet_state *st, uint32_t epoch, uint32_t n,
			 uint8_t mk[static RATCHET_KEY_LEN]);
/* Appends a key, dropping the oldest when full; returns keys dropped
 * through *dropped. */
int ratchet_skipped_add(struct ratchet_state *st, uint32_t epoch, uint32_t n,
			const uint8_t mk[static RATCHET_KEY_LEN], uint64_t now, uint32_t *dropped);
/* Drops the keys of epoch below n; returns how many. */
size_t ratchet_skipped_drop_below(struct ratchet_state *st, uint32_t epoch, uint32_t n);
/* Stores the keys of the receiving chain from st->nr up to until
 * (exclusive), advancing it. */
int ratchet_skipped_fill(struct ratchet_state *st, uint32_t until, uint64_t now,
			 uint32_t *dropped);
/* Room for cap entries. */
int ratchet_skipped_reserve(struct ratchet_state *st, size_t cap);
/* Wipes and frees the store. */
void ratchet_skipped_free(struct ratchet_state *st);

#endif
