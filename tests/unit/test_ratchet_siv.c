/*
 * The synthetic nonce s of ratchet messages (ratchet.h, xe2e(7) SESSIONS,
 * Keys): s and the message keys recomputed from their definitions, a
 * rewound state that seals again at the same chain position without
 * reusing a (key, nonce), and s authenticated by the tag.
 */
#include <stdio.h>
#include <string.h>

#include "aead.h"
#include "encoding.h"
#include "err.h"
#include "hash.h"
#include "ratchet.h"
#include "ratchet_impl.h"
#include "rng.h"
#include "test_ratchet.h"
#include "unit.h"
#include "util.h"

/* s by hand: HMAC-SHA256(HKDF(mk, "xe2e synthetic nonce v1", 32),
 * r | be64(len(ad)) | ad | frame), its first 6 bytes. */
static void siv_by_hand(const uint8_t mk[32], const uint8_t r[16], const uint8_t *ad,
			size_t ad_len, const uint8_t *frame, size_t frame_len, uint8_t s[6])
{
	uint8_t key[32], mac[32];
	struct buf in = BUF_INIT;

	CHECK_INT(hkdf(HASH_SHA256, NULL, 0, mk, 32, "xe2e synthetic nonce v1", 23, key, 32),
		  XE2E_OK);
	buf_append(&in, r, 16);
	for (int i = 7; i >= 0; i--)
		buf_append_byte(&in, (uint8_t)((uint64_t)ad_len >> (8 * i)));
	buf_append(&in, ad, ad_len);
	buf_append(&in, frame, frame_len);
	CHECK_INT(hmac(HASH_SHA256, key, 32, in.data, in.len, mac), XE2E_OK);
	memcpy(s, mac, 6);
	buf_free(&in);
}

TEST(ratchet_siv_matches_the_definition)
{
	static const size_t sizes[] = {0, 1, 55, 64, 65, 1000};
	uint8_t mk[32], r[16], ad[1000], frame[1000], s[6], want[6];
	uint8_t key[AEAD_KEY_LEN], nonce[AEAD_NONCE_LEN], okm[44];

	CHECK_INT(rng_bytes(mk, sizeof(mk)), XE2E_OK);
	CHECK_INT(rng_bytes(r, sizeof(r)), XE2E_OK);
	CHECK_INT(rng_bytes(ad, sizeof(ad)), XE2E_OK);
	CHECK_INT(rng_bytes(frame, sizeof(frame)), XE2E_OK);
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		for (size_t j = 0; j < ARRAY_SIZE(sizes); j++) {
			CHECK_INT(ratchet_siv(mk, r, ad, sizes[i], frame, sizes[j], s), XE2E_OK);
			siv_by_hand(mk, r, ad, sizes[i], frame, sizes[j], want);
			CHECK_MEM(s, want, 6);
		}
	}
	/* The same inputs give the same s (nothing else goes in). */
	CHECK_INT(ratchet_siv(mk, r, ad, 10, frame, 10, want), XE2E_OK);
	CHECK_INT(ratchet_siv(mk, r, ad, 10, frame, 10, s), XE2E_OK);
	CHECK_MEM(s, want, 6);
	/* The AD's length is part of the input: moving a byte from the end of
	 * AD to the start of the frame changes s. */
	memcpy(frame + 100, ad + 9, 1);
	memcpy(frame + 101, frame, 10);
	CHECK_INT(ratchet_siv(mk, r, ad, 9, frame + 100, 11, s), XE2E_OK);
	CHECK(memcmp(s, want, 6) != 0);
	/* The message keys: HKDF(salt s, ikm mk, "xe2e message key v2", 44). */
	CHECK_INT(ratchet_message_keys(mk, s, key, nonce), XE2E_OK);
	CHECK_INT(hkdf(HASH_SHA256, s, 6, mk, 32, "xe2e message key v2", 19, okm, 44), XE2E_OK);
	CHECK_MEM(key, okm, AEAD_KEY_LEN);
	CHECK_MEM(nonce, okm + AEAD_KEY_LEN, AEAD_NONCE_LEN);
}

/* The hex value of "name: " in st's text. */
static void chain_key_of(const struct ratchet_state *st, uint8_t ck[32])
{
	struct buf text = BUF_INIT;
	const char *at;

	tr_snapshot(st, &text);
	buf_terminate(&text);
	at = strstr((const char *)text.data, "\nsend-chain: ");
	CHECK(at != NULL);
	memset(ck, 0, 32);
	if (at)
		CHECK_INT(hex_decode(at + 13, 64, ck, 32), XE2E_OK);
	wipe(text.data, text.len);
	buf_free(&text);
}

/* Seals text into out with st (header length 9: no key, numbers < 128). */
static void seal_text(struct ratchet_state *st, const char *text, struct buf *out)
{
	out->len = 0;
	CHECK_INT(ratchet_encrypt(st, 100, (const uint8_t *)text, strlen(text), tr_ad, tr_ad_len,
				  out),
		  XE2E_OK);
}

/*
 * The responder seals twice from the same state (its file restored in
 * between): same header, other s, other AEAD key and nonce, and the
 * ciphertexts do not differ by the plaintexts' difference (no shared
 * keystream). The same plaintext twice: other s too (fresh r). Each
 * opens by hand; the receiver takes the first and refuses the second as
 * a replay of that position.
 */
TEST(ratchet_rewound_state_never_reuses_key_and_nonce)
{
	static const char *const pts[] = {"ATTACK AT DAWN, secret plan A.",
					  "retreat at noon, secret plan B",
					  "retreat at noon, secret plan B"};
	static const enum aead_cipher ciphers[] = {AEAD_CHACHAPOLY, AEAD_AES256GCM};

	for (size_t c = 0; c < ARRAY_SIZE(ciphers); c++) {
		struct rpair p;
		struct ratchet_state *again[3];
		struct buf m[3] = {BUF_INIT, BUF_INIT, BUF_INIT}, pt = BUF_INIT;
		uint8_t ck[32], mk[32], okm[3][44];
		size_t len = strlen(pts[0]);

		rpair_init(&p, ciphers[c], 100);
		for (int i = 0; i < 3; i++)
			again[i] = tr_copy(p.b);
		chain_key_of(p.b, ck);
		CHECK_INT(hmac(HASH_SHA256, ck, 32, "\x01", 1, mk), XE2E_OK);
		for (int i = 0; i < 3; i++) {
			seal_text(again[i], pts[i], &m[i]);
			CHECK(m[i].len == 9 + 6 + len + AEAD_TAG_LEN);
			CHECK_INT(hkdf(HASH_SHA256, m[i].data + 9, 6, mk, 32, "xe2e message key v2",
				       19, okm[i], 44),
				  XE2E_OK);
			CHECK_INT(tr_open_by_hand(ciphers[c], mk, &m[i], 9, &pt), XE2E_OK);
			CHECK(pt.len == len && memcmp(pt.data, pts[i], len) == 0);
		}
		for (int i = 0; i < 3; i++) {
			int j = (i + 1) % 3, shared = 1;

			CHECK_MEM(m[i].data, m[j].data, 9); /* the same position */
			CHECK(memcmp(m[i].data + 9, m[j].data + 9, 6) != 0);
			CHECK(memcmp(okm[i], okm[j], 32) != 0);
			CHECK(memcmp(okm[i] + 32, okm[j] + 32, 12) != 0);
			for (size_t k = 0; k < len; k++)
				shared &= (m[i].data[15 + k] ^ m[j].data[15 + k]) ==
					  (uint8_t)(pts[i][k] ^ pts[j][k]);
			CHECK(!shared);
		}
		CHECK_INT(ratchet_decrypt(p.a, 100, m[1].data, m[1].len, tr_ad, tr_ad_len, &pt, NULL),
			  XE2E_OK);
		CHECK_INT(ratchet_decrypt(p.a, 100, m[0].data, m[0].len, tr_ad, tr_ad_len, &pt, NULL),
			  XE2E_E_REPLAY);
		for (int i = 0; i < 3; i++) {
			ratchet_free(again[i]);
			buf_free(&m[i]);
		}
		buf_free(&pt);
		wipe(mk, sizeof(mk));
		wipe(ck, sizeof(ck));
		rpair_free(&p);
	}
}

/* Each bit of s flipped: the tag fails, nothing changes; then the message
 * opens. */
TEST(ratchet_flipped_bit_in_siv_fails)
{
	struct rpair p;
	struct buf m = BUF_INIT, bad = BUF_INIT, snap = BUF_INIT, pt = BUF_INIT;
	size_t hdr_len;
	struct ratchet_header h;
	int refused = 0;

	rpair_init(&p, AEAD_CHACHAPOLY, 100);
	CHECK_INT(tr_send(p.a, 100, 1, &m), XE2E_OK);
	CHECK_INT(ratchet_header_decode(&h, m.data, m.len, &hdr_len), XE2E_OK);
	tr_snapshot(p.b, &snap);
	for (size_t bit = 0; bit < 8 * RATCHET_SIV_LEN; bit++) {
		bad.len = 0;
		buf_append(&bad, m.data, m.len);
		bad.data[hdr_len + bit / 8] ^= (uint8_t)(1u << (bit % 8));
		CHECK_INT(ratchet_decrypt(p.b, 100, bad.data, bad.len, tr_ad, tr_ad_len, &pt, NULL),
			  XE2E_E_AUTH);
		CHECK(pt.len == 0);
		CHECK(tr_same(p.b, &snap));
		refused++;
	}
	CHECK_INT(tr_recv(p.b, 100, 1, &m, NULL), XE2E_OK);
	unit_note("%d flipped bits of s refused", refused);
	buf_free(&m);
	buf_free(&bad);
	buf_free(&snap);
	buf_free(&pt);
	rpair_free(&p);
}
