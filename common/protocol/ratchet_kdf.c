#include <string.h>

#include "err.h"
#include "hash.h"
#include "ratchet_impl.h"
#include "util.h"

static const char kdf_rk_info[] = "xe2e ratchet v1";
static const char kdf_rk_mix_info[] = "xe2e ratchet spake2 v1";
static const char message_key_info[] = "xe2e message key v2";
static const char siv_info[] = "xe2e synthetic nonce v1";
static const char tag_info[] = "xe2e session tag v1";

int ratchet_kdf_rk(uint8_t rk[static RATCHET_KEY_LEN], const uint8_t dh[static RATCHET_KEY_LEN],
		   const uint8_t *mix, uint8_t ck[static RATCHET_KEY_LEN])
{
	uint8_t ikm[RATCHET_KEY_LEN + RATCHET_MIX_LEN], okm[2 * RATCHET_KEY_LEN];
	const char *info = mix ? kdf_rk_mix_info : kdf_rk_info;
	size_t ikm_len = RATCHET_KEY_LEN;
	int err;

	memcpy(ikm, dh, RATCHET_KEY_LEN);
	if (mix) {
		/* ikm = dh | Ke: the SPAKE2 key changes this step's root key. */
		memcpy(ikm + RATCHET_KEY_LEN, mix, RATCHET_MIX_LEN);
		ikm_len += RATCHET_MIX_LEN;
	}
	err = hkdf(HASH_SHA256, rk, RATCHET_KEY_LEN, ikm, ikm_len, info, strlen(info), okm,
		   sizeof(okm));
	if (err)
		goto out;
	memcpy(rk, okm, RATCHET_KEY_LEN);
	memcpy(ck, okm + RATCHET_KEY_LEN, RATCHET_KEY_LEN);
out:
	wipe(ikm, sizeof(ikm));
	wipe(okm, sizeof(okm));
	return err;
}

int ratchet_kdf_ck(uint8_t ck[static RATCHET_KEY_LEN], uint8_t mk[static RATCHET_KEY_LEN])
{
	static const uint8_t one = 0x01, two = 0x02;
	const struct hash_part msgs[] = {{&one, 1}, {&two, 1}};
	uint8_t next[RATCHET_KEY_LEN];
	uint8_t *const outs[] = {mk, next};
	int err;

	/* mk = HMAC(ck, 0x01), ck' = HMAC(ck, 0x02): one key, set up once. */
	err = hmac_each(HASH_SHA256, ck, RATCHET_KEY_LEN, msgs, ARRAY_SIZE(msgs), outs);
	if (!err)
		memcpy(ck, next, RATCHET_KEY_LEN);
	else
		wipe(mk, RATCHET_KEY_LEN);
	wipe(next, sizeof(next));
	return err;
}

int ratchet_siv(const uint8_t mk[static RATCHET_KEY_LEN], const uint8_t r[static RATCHET_SIV_RANDOM_LEN],
		const uint8_t *ad, size_t ad_len, const uint8_t *frame, size_t frame_len,
		uint8_t s[static RATCHET_SIV_LEN])
{
	uint8_t siv_key[RATCHET_KEY_LEN], mac[SHA256_LEN], ad_len64[8];
	const struct hash_part parts[] = {
		{r, RATCHET_SIV_RANDOM_LEN}, {ad_len64, sizeof(ad_len64)}, {ad, ad_len},
		{frame, frame_len},
	};
	int err;

	/* The length of AD makes the input one reading of (r, AD, frame)
	 * whatever ad_extra is. */
	for (size_t i = 0; i < sizeof(ad_len64); i++)
		ad_len64[i] = (uint8_t)((uint64_t)ad_len >> (56 - 8 * i));
	err = hkdf(HASH_SHA256, NULL, 0, mk, RATCHET_KEY_LEN, siv_info, strlen(siv_info), siv_key,
		   sizeof(siv_key));
	if (!err)
		err = hmac_parts(HASH_SHA256, siv_key, sizeof(siv_key), parts, ARRAY_SIZE(parts),
				 mac);
	if (!err)
		memcpy(s, mac, RATCHET_SIV_LEN);
	wipe(siv_key, sizeof(siv_key));
	wipe(mac, sizeof(mac));
	return err;
}

int ratchet_message_keys(const uint8_t mk[static RATCHET_KEY_LEN], const uint8_t s[static RATCHET_SIV_LEN],
			 uint8_t key[static AEAD_KEY_LEN], uint8_t nonce[static AEAD_NONCE_LEN])
{
	uint8_t okm[AEAD_KEY_LEN + AEAD_NONCE_LEN];
	int err;

	err = hkdf(HASH_SHA256, s, RATCHET_SIV_LEN, mk, RATCHET_KEY_LEN, message_key_info,
		   strlen(message_key_info), okm, sizeof(okm));
	if (!err) {
		memcpy(key, okm, AEAD_KEY_LEN);
		memcpy(nonce, okm + AEAD_KEY_LEN, AEAD_NONCE_LEN);
	}
	wipe(okm, sizeof(okm));
	return err;
}

int ratchet_ad_build(struct buf *ad, const uint8_t *header, size_t header_len,
		     const uint8_t *ad_extra, size_t ad_len)
{
	int err = buf_append_lp16(ad, header, header_len);

	if (!err && ad_len)
		err = buf_append(ad, ad_extra, ad_len);
	return err;
}

int ratchet_cipher_valid(enum aead_cipher cipher)
{
	return cipher == AEAD_AES256GCM || cipher == AEAD_CHACHAPOLY;
}

int ratchet_tag_derive(const uint8_t root_key[static RATCHET_KEY_LEN],
		       uint8_t tag[static RATCHET_TAG_LEN])
{
	return hkdf(HASH_SHA256, NULL, 0, root_key, RATCHET_KEY_LEN, tag_info, strlen(tag_info),
		    tag, RATCHET_TAG_LEN);
}
