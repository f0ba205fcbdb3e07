#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aead.h"
#include "err.h"
#include "rng.h"
#include "unit.h"
#include "util.h"
#include "vectors.h"

struct aead_case {
	const uint8_t *key, *nonce, *ad, *msg, *ct, *tag;
	size_t key_len, nonce_len, ad_len, msg_len, ct_len, tag_len;
};

/* A valid case: seal gives exactly ct || tag, open gives msg back, both
 * into a separate buffer and in place. */
static void aead_check_valid(enum aead_cipher c, const struct aead_case *v, const char *label)
{
	size_t n = v->msg_len;
	uint8_t *want = vec_alloc(n + AEAD_TAG_LEN), *out = vec_alloc(n + AEAD_TAG_LEN);

	memcpy(want, v->ct, n);
	memcpy(want + n, v->tag, AEAD_TAG_LEN);
	CHECK_CASE(aead_seal(c, v->key, v->nonce, v->ad, v->ad_len, v->msg, n, out) == XE2E_OK, "%s", label);
	CHECK_CASE(memcmp(out, want, n + AEAD_TAG_LEN) == 0, "%s: ciphertext", label);
	memset(out, 0xee, n + AEAD_TAG_LEN);
	CHECK_CASE(aead_open(c, v->key, v->nonce, v->ad, v->ad_len, want, n + AEAD_TAG_LEN, out) == XE2E_OK,
		   "%s", label);
	CHECK_CASE(memcmp(out, v->msg, n) == 0, "%s: plaintext", label);
	/* in place */
	memcpy(out, v->msg, n);
	CHECK_CASE(aead_seal(c, v->key, v->nonce, v->ad, v->ad_len, out, n, out) == XE2E_OK, "%s", label);
	CHECK_CASE(memcmp(out, want, n + AEAD_TAG_LEN) == 0, "%s: in place", label);
	CHECK_CASE(aead_open(c, v->key, v->nonce, v->ad, v->ad_len, out, n + AEAD_TAG_LEN, out) == XE2E_OK,
		   "%s: in place", label);
	CHECK_CASE(memcmp(out, v->msg, n) == 0, "%s: in place", label);
}

/* An invalid case: open refuses with XE2E_E_AUTH and leaves out zeroed. */
static void aead_check_invalid(enum aead_cipher c, const struct aead_case *v, const char *label)
{
	size_t n = v->ct_len;
	uint8_t *in = vec_alloc(n + AEAD_TAG_LEN), *out = vec_alloc(n + 1);

	memcpy(in, v->ct, n);
	memcpy(in + n, v->tag, AEAD_TAG_LEN);
	memset(out, 0xee, n + 1);
	CHECK_CASE(aead_open(c, v->key, v->nonce, v->ad, v->ad_len, in, n + AEAD_TAG_LEN, out) == XE2E_E_AUTH,
		   "%s", label);
	CHECK_CASE(ct_is_zero(out, n) && out[n] == 0xee, "%s: output wiped", label);
}

/*
 * Every case of a Wycheproof AEAD file; those with another key, nonce or
 * tag size than the API's are counted as not applicable.
 */
static void aead_wycheproof(enum aead_cipher c, const char *file, unsigned *run, unsigned *skipped)
{
	cJSON *root = vec_load(file);
	struct wp_iter it;

	*run = *skipped = 0;
	for (wp_iter_start(&it, root); wp_iter_next(&it); vec_scratch_free()) {
		struct aead_case v;
		char label[32];

		if (vec_int(it.group, "keySize", 0) != 256 || vec_int(it.group, "ivSize", 0) != 96 ||
		    vec_int(it.group, "tagSize", 0) != 128) {
			(*skipped)++;
			continue;
		}
		v.key = vec_hex(it.test, "key", &v.key_len);
		v.nonce = vec_hex(it.test, "iv", &v.nonce_len);
		v.ad = vec_hex(it.test, "aad", &v.ad_len);
		v.msg = vec_hex(it.test, "msg", &v.msg_len);
		v.ct = vec_hex(it.test, "ct", &v.ct_len);
		v.tag = vec_hex(it.test, "tag", &v.tag_len);
		if (!v.key || !v.nonce || !v.ad || !v.msg || !v.ct || !v.tag)
			continue;
		snprintf(label, sizeof(label), "tcId %ld", it.tc_id);
		CHECK_CASE(v.key_len == 32 && v.nonce_len == 12 && v.tag_len == 16, "%s", label);
		(*run)++;
		if (it.result == WP_VALID)
			aead_check_valid(c, &v, label);
		else
			aead_check_invalid(c, &v, label);
	}
	cJSON_Delete(root);
}

TEST(aead_aes256gcm_wycheproof)
{
	unsigned run, skipped;

	aead_wycheproof(AEAD_AES256GCM, "wycheproof/aes_gcm_test.json", &run, &skipped);
	CHECK_INT(run, 66);
	unit_note("aes_gcm_test.json: %u cases run (256-bit key, 96-bit IV), %u skipped: "
		  "128/192-bit keys or other IV sizes, which the API does not take", run, skipped);
}

TEST(aead_chachapoly_wycheproof)
{
	unsigned run, skipped;

	aead_wycheproof(AEAD_CHACHAPOLY, "wycheproof/chacha20_poly1305_test.json", &run, &skipped);
	CHECK_INT(run, 316);
	unit_note("chacha20_poly1305_test.json: %u cases run, %u skipped: nonces other than "
		  "96 bits (all invalid), which the API cannot express", run, skipped);
}

TEST(aead_chachapoly_rfc8439)
{
	cJSON *root = vec_load("rfc/rfc8439_chacha20_poly1305.json");
	const cJSON *t;
	unsigned run = 0;

	cJSON_ArrayForEach(t, vec_array(root, "aead_chacha20_poly1305")) {
		struct aead_case v;
		const char *ref = vec_str(t, "ref");

		v.key = vec_hex(t, "key", &v.key_len);
		v.nonce = vec_hex(t, "nonce", &v.nonce_len);
		v.ad = vec_hex(t, "aad", &v.ad_len);
		v.msg = vec_hex(t, "plaintext", &v.msg_len);
		v.ct = vec_hex(t, "ciphertext", &v.ct_len);
		v.tag = vec_hex(t, "tag", &v.tag_len);
		if (v.key && v.nonce && v.ad && v.msg && v.ct && v.tag) {
			aead_check_valid(AEAD_CHACHAPOLY, &v, ref ? ref : "?");
			run++;
		}
		vec_scratch_free();
	}
	cJSON_Delete(root);
	CHECK_INT(run, 2);
	unit_note("RFC 8439 AEAD vectors: %u run (s2.8.2, A.5); the ChaCha20 and Poly1305 "
		  "vectors are skipped: the API exposes only the AEAD", run);
}

/* Random messages: every flipped bit of ciphertext, tag, nonce or ad is
 * refused, for both ciphers. */
TEST(aead_refuses_flipped_bits)
{
	enum aead_cipher ciphers[] = {AEAD_AES256GCM, AEAD_CHACHAPOLY};
	uint8_t key[AEAD_KEY_LEN], nonce[AEAD_NONCE_LEN], ad[7], pt[37];
	uint8_t ct[sizeof(pt) + AEAD_TAG_LEN], out[sizeof(ct)];

	CHECK_INT(rng_bytes(key, sizeof(key)), XE2E_OK);
	CHECK_INT(rng_bytes(nonce, sizeof(nonce)), XE2E_OK);
	CHECK_INT(rng_bytes(ad, sizeof(ad)), XE2E_OK);
	CHECK_INT(rng_bytes(pt, sizeof(pt)), XE2E_OK);
	for (size_t c = 0; c < ARRAY_SIZE(ciphers); c++) {
		CHECK_INT(aead_seal(ciphers[c], key, nonce, ad, sizeof(ad), pt, sizeof(pt), ct), XE2E_OK);
		CHECK_INT(aead_open(ciphers[c], key, nonce, ad, sizeof(ad), ct, sizeof(ct), out), XE2E_OK);
		CHECK_MEM(out, pt, sizeof(pt));
		for (size_t bit = 0; bit < 8 * sizeof(ct); bit++) {
			ct[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			CHECK_INT(aead_open(ciphers[c], key, nonce, ad, sizeof(ad), ct, sizeof(ct), out),
				  XE2E_E_AUTH);
			ct[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
		for (size_t bit = 0; bit < 8 * sizeof(nonce); bit++) {
			nonce[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			CHECK_INT(aead_open(ciphers[c], key, nonce, ad, sizeof(ad), ct, sizeof(ct), out),
				  XE2E_E_AUTH);
			nonce[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
		ad[3] ^= 0x10;
		CHECK_INT(aead_open(ciphers[c], key, nonce, ad, sizeof(ad), ct, sizeof(ct), out), XE2E_E_AUTH);
		ad[3] ^= 0x10;
		key[31] ^= 0x80;
		CHECK_INT(aead_open(ciphers[c], key, nonce, ad, sizeof(ad), ct, sizeof(ct), out), XE2E_E_AUTH);
		key[31] ^= 0x80;
		CHECK_INT(aead_open(ciphers[c], key, nonce, ad, sizeof(ad) - 1, ct, sizeof(ct), out),
			  XE2E_E_AUTH);
		CHECK_INT(aead_open(ciphers[c], key, nonce, ad, sizeof(ad), ct, sizeof(ct) - 1, out),
			  XE2E_E_AUTH);
	}
	/* The two ciphers differ, so neither opens the other's output. */
	CHECK_INT(aead_seal(AEAD_AES256GCM, key, nonce, NULL, 0, pt, sizeof(pt), ct), XE2E_OK);
	CHECK_INT(aead_open(AEAD_CHACHAPOLY, key, nonce, NULL, 0, ct, sizeof(ct), out), XE2E_E_AUTH);
}

TEST(aead_handles_empty_and_short_input)
{
	uint8_t key[AEAD_KEY_LEN] = {1}, nonce[AEAD_NONCE_LEN] = {2}, tag[AEAD_TAG_LEN], out[1];

	CHECK_INT(aead_seal(AEAD_CHACHAPOLY, key, nonce, NULL, 0, NULL, 0, tag), XE2E_OK);
	CHECK_INT(aead_open(AEAD_CHACHAPOLY, key, nonce, NULL, 0, tag, sizeof(tag), out), XE2E_OK);
	CHECK_INT(aead_seal(AEAD_AES256GCM, key, nonce, NULL, 0, NULL, 0, tag), XE2E_OK);
	CHECK_INT(aead_open(AEAD_AES256GCM, key, nonce, NULL, 0, tag, sizeof(tag), out), XE2E_OK);
	CHECK_INT(aead_open(AEAD_AES256GCM, key, nonce, NULL, 0, tag, sizeof(tag) - 1, out),
		  XE2E_E_MALFORMED);
	CHECK_INT(aead_seal((enum aead_cipher)7, key, nonce, NULL, 0, NULL, 0, tag), XE2E_E_UNSUPPORTED);
	CHECK_INT(aead_open((enum aead_cipher)7, key, nonce, NULL, 0, tag, sizeof(tag), out),
		  XE2E_E_UNSUPPORTED);
}
