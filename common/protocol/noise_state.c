/* Noise CipherState and SymmetricState (revision 34, sections 5.1, 5.2). */
#include "noise.h"

#include <string.h>

#include "dh.h"
#include "err.h"
#include "util.h"

#define NONCE_MAX UINT64_MAX /* reserved for Rekey */

void noise_cipherstate_init(struct noise_cipherstate *cs, enum aead_cipher cipher)
{
	wipe(cs, sizeof(*cs));
	cs->cipher = cipher;
}

void noise_cipherstate_set_key(struct noise_cipherstate *cs, const uint8_t k[static NOISE_KEY_LEN])
{
	memcpy(cs->k, k, NOISE_KEY_LEN);
	cs->has_key = 1;
	cs->n = 0;
}

int noise_cipherstate_has_key(const struct noise_cipherstate *cs)
{
	return cs->has_key;
}

void noise_cipherstate_set_nonce(struct noise_cipherstate *cs, uint64_t n)
{
	cs->n = n;
}

void noise_cipherstate_wipe(struct noise_cipherstate *cs)
{
	enum aead_cipher cipher = cs->cipher;

	wipe(cs, sizeof(*cs));
	cs->cipher = cipher;
}

/* The 96-bit nonce of the spec's cipher functions (section 12). */
static void make_nonce(enum aead_cipher cipher, uint64_t n, uint8_t nonce[static AEAD_NONCE_LEN])
{
	memset(nonce, 0, 4);
	if (cipher == AEAD_AES256GCM)
		put_be64(nonce + 4, n);
	else
		put_le64(nonce + 4, n);
}

static int seal_at(const struct noise_cipherstate *cs, uint64_t n, const uint8_t *ad,
		   size_t ad_len, const uint8_t *pt, size_t pt_len, uint8_t *out)
{
	uint8_t nonce[AEAD_NONCE_LEN];

	make_nonce(cs->cipher, n, nonce);
	return aead_seal(cs->cipher, cs->k, nonce, ad, ad_len, pt, pt_len, out);
}

int noise_cipherstate_encrypt(struct noise_cipherstate *cs, const uint8_t *ad, size_t ad_len,
			      const uint8_t *pt, size_t pt_len, uint8_t *out, size_t out_max,
			      size_t *out_len)
{
	size_t need = pt_len + (cs->has_key ? NOISE_TAG_LEN : 0);
	static const uint8_t empty[1];
	int err;

	if (pt_len > SIZE_MAX - NOISE_TAG_LEN || out_max < need)
		return XE2E_E_LIMIT;
	if (!cs->has_key) {
		if (pt_len && out != pt)
			memmove(out, pt, pt_len);
		*out_len = pt_len;
		return XE2E_OK;
	}
	if (cs->n == NONCE_MAX) {
		err_detail_set("noise nonce exhausted");
		return XE2E_E_LIMIT;
	}
	err = seal_at(cs, cs->n, ad, ad_len, pt_len ? pt : empty, pt_len, out);
	if (err)
		return err;
	cs->n++;
	*out_len = need;
	return XE2E_OK;
}

int noise_cipherstate_decrypt(struct noise_cipherstate *cs, const uint8_t *ad, size_t ad_len,
			      const uint8_t *ct, size_t ct_len, uint8_t *out, size_t out_max,
			      size_t *out_len)
{
	uint8_t nonce[AEAD_NONCE_LEN], empty[1];
	size_t need;
	int err;

	if (!cs->has_key) {
		if (out_max < ct_len)
			return XE2E_E_LIMIT;
		if (ct_len && out != ct)
			memmove(out, ct, ct_len);
		*out_len = ct_len;
		return XE2E_OK;
	}
	if (ct_len < NOISE_TAG_LEN)
		return XE2E_E_MALFORMED;
	need = ct_len - NOISE_TAG_LEN;
	if (out_max < need)
		return XE2E_E_LIMIT;
	if (cs->n == NONCE_MAX) {
		err_detail_set("noise nonce exhausted");
		return XE2E_E_LIMIT;
	}
	make_nonce(cs->cipher, cs->n, nonce);
	err = aead_open(cs->cipher, cs->k, nonce, ad, ad_len, ct, ct_len, need ? out : empty);
	if (err)
		return err;
	cs->n++;
	*out_len = need;
	return XE2E_OK;
}

int noise_cipherstate_rekey(struct noise_cipherstate *cs)
{
	uint8_t zeros[NOISE_KEY_LEN] = {0};
	uint8_t out[NOISE_KEY_LEN + NOISE_TAG_LEN];
	int err;

	if (!cs->has_key)
		return XE2E_E_STATE;
	err = seal_at(cs, NONCE_MAX, NULL, 0, zeros, sizeof(zeros), out);
	if (err)
		goto out;
	memcpy(cs->k, out, NOISE_KEY_LEN);
out:
	wipe(out, sizeof(out));
	return err;
}

int noise_symmetricstate_init(struct noise_symmetricstate *ss, const char *protocol_name,
			      enum aead_cipher cipher, enum hash_alg alg)
{
	size_t len = strlen(protocol_name);
	int err;

	wipe(ss, sizeof(*ss));
	ss->hash = alg;
	ss->hash_len = hash_len(alg);
	if (ss->hash_len == 0 || ss->hash_len > NOISE_HASH_MAX_LEN)
		return XE2E_E_UNSUPPORTED;
	if (len <= ss->hash_len) {
		memcpy(ss->h, protocol_name, len);
	} else {
		err = hash(alg, protocol_name, len, ss->h);
		if (err)
			return err;
	}
	memcpy(ss->ck, ss->h, ss->hash_len);
	noise_cipherstate_init(&ss->cs, cipher);
	return XE2E_OK;
}

/* HKDF(ck, ikm, n) of section 4.3 is RFC 5869's with salt ck and empty info. */
static int noise_hkdf(const struct noise_symmetricstate *ss, const uint8_t *ikm, size_t ikm_len,
		      uint8_t *out, size_t n_outputs)
{
	return hkdf(ss->hash, ss->ck, ss->hash_len, ikm, ikm_len, NULL, 0, out,
		    n_outputs * ss->hash_len);
}

int noise_symmetricstate_mix_key(struct noise_symmetricstate *ss, const uint8_t *ikm,
				 size_t ikm_len)
{
	uint8_t out[2 * NOISE_HASH_MAX_LEN];
	int err;

	err = noise_hkdf(ss, ikm, ikm_len, out, 2);
	if (err)
		goto out;
	memcpy(ss->ck, out, ss->hash_len);
	noise_cipherstate_set_key(&ss->cs, out + ss->hash_len); /* truncated to 32 */
out:
	wipe(out, sizeof(out));
	return err;
}

int noise_symmetricstate_mix_dh(struct noise_symmetricstate *ss,
				const uint8_t priv[static NOISE_DH_LEN],
				const uint8_t pub[static NOISE_DH_LEN])
{
	uint8_t dh[NOISE_DH_LEN];
	int err = x25519_shared(dh, priv, pub);

	if (!err)
		err = noise_symmetricstate_mix_key(ss, dh, sizeof(dh));
	wipe(dh, sizeof(dh));
	return err;
}

int noise_symmetricstate_mix_hash(struct noise_symmetricstate *ss, const uint8_t *data,
				  size_t len)
{
	struct hash_ctx ctx;
	int err;

	err = hash_init(&ctx, ss->hash);
	if (err)
		return err;
	err = hash_update(&ctx, ss->h, ss->hash_len);
	if (!err)
		err = hash_update(&ctx, data, len);
	if (err) {
		hash_abort(&ctx);
		return err;
	}
	return hash_final(&ctx, ss->h);
}

int noise_symmetricstate_mix_key_and_hash(struct noise_symmetricstate *ss, const uint8_t *ikm,
					  size_t ikm_len)
{
	uint8_t out[3 * NOISE_HASH_MAX_LEN];
	size_t hl = ss->hash_len;
	int err;

	err = noise_hkdf(ss, ikm, ikm_len, out, 3);
	if (err)
		goto out;
	memcpy(ss->ck, out, hl);
	err = noise_symmetricstate_mix_hash(ss, out + hl, hl);
	if (err)
		goto out;
	noise_cipherstate_set_key(&ss->cs, out + 2 * hl); /* truncated to 32 */
out:
	wipe(out, sizeof(out));
	return err;
}

int noise_symmetricstate_encrypt_and_hash(struct noise_symmetricstate *ss, const uint8_t *pt,
					  size_t pt_len, uint8_t *out, size_t out_max,
					  size_t *out_len)
{
	int err;

	err = noise_cipherstate_encrypt(&ss->cs, ss->h, ss->hash_len, pt, pt_len, out, out_max,
					out_len);
	if (err)
		return err;
	return noise_symmetricstate_mix_hash(ss, out, *out_len);
}

int noise_symmetricstate_decrypt_and_hash(struct noise_symmetricstate *ss, const uint8_t *ct,
					  size_t ct_len, uint8_t *out, size_t out_max,
					  size_t *out_len)
{
	int err;

	err = noise_cipherstate_decrypt(&ss->cs, ss->h, ss->hash_len, ct, ct_len, out, out_max,
					out_len);
	if (err)
		return err;
	return noise_symmetricstate_mix_hash(ss, ct, ct_len);
}

int noise_symmetricstate_split(const struct noise_symmetricstate *ss, struct noise_cipherstate *c1,
			       struct noise_cipherstate *c2)
{
	uint8_t out[2 * NOISE_HASH_MAX_LEN];
	int err;

	static const uint8_t empty[1];

	err = noise_hkdf(ss, empty, 0, out, 2);
	if (err)
		goto out;
	noise_cipherstate_init(c1, ss->cs.cipher);
	noise_cipherstate_init(c2, ss->cs.cipher);
	noise_cipherstate_set_key(c1, out);
	noise_cipherstate_set_key(c2, out + ss->hash_len);
out:
	wipe(out, sizeof(out));
	return err;
}

void noise_symmetricstate_wipe(struct noise_symmetricstate *ss)
{
	enum hash_alg alg = ss->hash;
	size_t len = ss->hash_len;

	noise_cipherstate_wipe(&ss->cs);
	wipe(ss->ck, sizeof(ss->ck));
	wipe(ss->h, sizeof(ss->h));
	ss->hash = alg;
	ss->hash_len = len;
}
