/* Authenticated encryption: AES-256-GCM and ChaCha20-Poly1305 (RFC 8439). */
#ifndef XE2E_AEAD_H
#define XE2E_AEAD_H

#include <stddef.h>
#include <stdint.h>

enum aead_cipher {
	AEAD_AES256GCM = 1,
	AEAD_CHACHAPOLY = 2,
};

#define AEAD_KEY_LEN 32
#define AEAD_NONCE_LEN 12
#define AEAD_TAG_LEN 16

/*
 * Encrypts pt_len bytes of pt with the 32-byte key and 12-byte nonce,
 * authenticating ad too; writes pt_len + AEAD_TAG_LEN bytes (ciphertext,
 * then tag) to out. out may be pt (in place).
 */
int aead_seal(enum aead_cipher cipher, const uint8_t key[static AEAD_KEY_LEN],
	      const uint8_t nonce[static AEAD_NONCE_LEN], const uint8_t *ad, size_t ad_len,
	      const uint8_t *pt, size_t pt_len, uint8_t *out);

/*
 * Checks and decrypts ct_len bytes (ciphertext, then tag); writes
 * ct_len - AEAD_TAG_LEN bytes to out, which may be ct. On a bad tag
 * returns XE2E_E_AUTH and leaves out wiped; ct_len < AEAD_TAG_LEN is
 * XE2E_E_MALFORMED.
 */
int aead_open(enum aead_cipher cipher, const uint8_t key[static AEAD_KEY_LEN],
	      const uint8_t nonce[static AEAD_NONCE_LEN], const uint8_t *ad, size_t ad_len,
	      const uint8_t *ct, size_t ct_len, uint8_t *out);

#endif
