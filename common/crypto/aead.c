#include "aead.h"

#include <mbedtls/chachapoly.h>
#include <mbedtls/gcm.h>

#include "err.h"
#include "util.h"

static int aead_gcm_seal(const uint8_t *key, const uint8_t *nonce, const uint8_t *ad, size_t ad_len,
			 const uint8_t *pt, size_t pt_len, uint8_t *out)
{
	mbedtls_gcm_context gcm;
	int ret;

	mbedtls_gcm_init(&gcm);
	ret = mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, key, AEAD_KEY_LEN * 8);
	if (ret == 0)
		ret = mbedtls_gcm_crypt_and_tag(&gcm, MBEDTLS_GCM_ENCRYPT, pt_len, nonce, AEAD_NONCE_LEN,
						ad, ad_len, pt, out, AEAD_TAG_LEN, out + pt_len);
	mbedtls_gcm_free(&gcm); /* zeroizes the key schedule */
	return ret;
}

static int aead_gcm_open(const uint8_t *key, const uint8_t *nonce, const uint8_t *ad, size_t ad_len,
			 const uint8_t *ct, size_t len, const uint8_t *tag, uint8_t *out)
{
	mbedtls_gcm_context gcm;
	int ret;

	mbedtls_gcm_init(&gcm);
	ret = mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, key, AEAD_KEY_LEN * 8);
	if (ret == 0)
		ret = mbedtls_gcm_auth_decrypt(&gcm, len, nonce, AEAD_NONCE_LEN, ad, ad_len, tag,
					       AEAD_TAG_LEN, ct, out);
	mbedtls_gcm_free(&gcm);
	return ret;
}

static int aead_chachapoly_seal(const uint8_t *key, const uint8_t *nonce, const uint8_t *ad,
				size_t ad_len, const uint8_t *pt, size_t pt_len, uint8_t *out)
{
	mbedtls_chachapoly_context cp;
	int ret;

	mbedtls_chachapoly_init(&cp);
	ret = mbedtls_chachapoly_setkey(&cp, key);
	if (ret == 0)
		ret = mbedtls_chachapoly_encrypt_and_tag(&cp, pt_len, nonce, ad, ad_len, pt, out,
							 out + pt_len);
	mbedtls_chachapoly_free(&cp); /* zeroizes the key */
	return ret;
}

static int aead_chachapoly_open(const uint8_t *key, const uint8_t *nonce, const uint8_t *ad,
				size_t ad_len, const uint8_t *ct, size_t len, const uint8_t *tag,
				uint8_t *out)
{
	mbedtls_chachapoly_context cp;
	int ret;

	mbedtls_chachapoly_init(&cp);
	ret = mbedtls_chachapoly_setkey(&cp, key);
	if (ret == 0)
		ret = mbedtls_chachapoly_auth_decrypt(&cp, len, nonce, ad, ad_len, tag, ct, out);
	mbedtls_chachapoly_free(&cp);
	return ret;
}

int aead_seal(enum aead_cipher cipher, const uint8_t key[static AEAD_KEY_LEN],
	      const uint8_t nonce[static AEAD_NONCE_LEN], const uint8_t *ad, size_t ad_len,
	      const uint8_t *pt, size_t pt_len, uint8_t *out)
{
	int ret;

	switch (cipher) {
	case AEAD_AES256GCM:
		ret = aead_gcm_seal(key, nonce, ad, ad_len, pt, pt_len, out);
		break;
	case AEAD_CHACHAPOLY:
		ret = aead_chachapoly_seal(key, nonce, ad, ad_len, pt, pt_len, out);
		break;
	default:
		err_detail_set("unknown cipher %d", (int)cipher);
		return XE2E_E_UNSUPPORTED;
	}
	if (ret != 0) {
		/* Never leave a partial ciphertext (or plaintext, in place). */
		wipe(out, pt_len + AEAD_TAG_LEN);
		err_detail_set("encryption failed (-0x%04x)", (unsigned)-ret);
		return XE2E_E_CRYPTO;
	}
	return XE2E_OK;
}

int aead_open(enum aead_cipher cipher, const uint8_t key[static AEAD_KEY_LEN],
	      const uint8_t nonce[static AEAD_NONCE_LEN], const uint8_t *ad, size_t ad_len,
	      const uint8_t *ct, size_t ct_len, uint8_t *out)
{
	size_t len;
	int ret;

	if (ct_len < AEAD_TAG_LEN) {
		err_detail_set("ciphertext shorter than its tag (%zu bytes)", ct_len);
		return XE2E_E_MALFORMED;
	}
	len = ct_len - AEAD_TAG_LEN;
	switch (cipher) {
	case AEAD_AES256GCM:
		ret = aead_gcm_open(key, nonce, ad, ad_len, ct, len, ct + len, out);
		break;
	case AEAD_CHACHAPOLY:
		ret = aead_chachapoly_open(key, nonce, ad, ad_len, ct, len, ct + len, out);
		break;
	default:
		err_detail_set("unknown cipher %d", (int)cipher);
		return XE2E_E_UNSUPPORTED;
	}
	if (ret == 0)
		return XE2E_OK;
	wipe(out, len);
	if (ret == MBEDTLS_ERR_GCM_AUTH_FAILED || ret == MBEDTLS_ERR_CHACHAPOLY_AUTH_FAILED)
		return XE2E_E_AUTH;
	err_detail_set("decryption failed (-0x%04x)", (unsigned)-ret);
	return XE2E_E_CRYPTO;
}
