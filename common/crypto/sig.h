/*
 * ECDSA over P-256 with SHA-256: the identity key's signatures.
 * Signatures are deterministic (RFC 6979) and carried as 64 bytes r || s
 * (IEEE P1363); mbedTLS's DER reader accepts invalid encodings, so DER is
 * only ever verified through p256_verify_der(), which insists on the one
 * canonical encoding. Public keys are 65-byte uncompressed SEC1 points,
 * validated on every use.
 */
#ifndef XE2E_SIG_H
#define XE2E_SIG_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define P256_PUB_LEN 65
#define P256_PRIV_LEN 32
#define P256_SIG_LEN 64
#define FINGERPRINT_LEN 32
/* "abcd abcd ..." : 16 groups of 4 hex digits, 15 spaces, NUL. */
#define FINGERPRINT_TEXT_LEN 80

struct p256_key; /* a key pair; opaque */

/* Makes a fresh key pair. */
int p256_generate(struct p256_key **key);

/* Loads a private key from its 32-byte big-endian scalar (checked: 1 <= d < n,
 * else XE2E_E_MALFORMED and *key is NULL). */
int p256_import_private(struct p256_key **key, const uint8_t d[static P256_PRIV_LEN]);

/* Writes the private scalar. */
int p256_export_private(const struct p256_key *key, uint8_t d[static P256_PRIV_LEN]);

/* Writes the public key, uncompressed. */
int p256_public(const struct p256_key *key, uint8_t pub[static P256_PUB_LEN]);

/* Wipes and frees; NULL is fine. */
void p256_free(struct p256_key *key);

/* The mbedtls_ecp_keypair inside, for the X.509 writer only. */
void *p256_mbedtls_keypair(struct p256_key *key);

/* Sets up pk, an initialised mbedtls_pk_context, to hold a copy of the key
 * pair (the X.509 writer wants one). XE2E_E_CRYPTO on failure. */
int p256_mbedtls_pk(struct p256_key *key, void *pk);

/* Deterministic ECDSA signature over SHA-256(msg). */
int p256_sign(const struct p256_key *key, const void *msg, size_t len,
	      uint8_t sig[static P256_SIG_LEN]);

/*
 * Verifies a 64-byte r || s signature over SHA-256(msg). The public key is
 * checked to be a valid point on the curve first (XE2E_E_WEAKKEY if not); a
 * bad signature, r or s out of [1, n-1] included, is XE2E_E_AUTH.
 */
int p256_verify(const uint8_t pub[static P256_PUB_LEN], const void *msg, size_t len,
		const uint8_t sig[static P256_SIG_LEN]);

/* As p256_verify(), for a DER signature; any non-canonical DER is XE2E_E_AUTH. */
int p256_verify_der(const uint8_t pub[static P256_PUB_LEN], const void *msg, size_t len,
		    const uint8_t *der, size_t der_len);

/* Checks that a 65-byte point is on the curve and not the identity. */
int p256_check_public(const uint8_t pub[static P256_PUB_LEN]);

/* Appends the DER SubjectPublicKeyInfo (id-ecPublicKey, prime256v1) of pub. */
int p256_spki_der(const uint8_t pub[static P256_PUB_LEN], struct buf *out);

/* Reads a DER SubjectPublicKeyInfo of a P-256 key, exactly (no trailing
 * bytes, uncompressed point, validated): only the bytes p256_spki_der()
 * writes for some point are accepted. XE2E_E_MALFORMED for bad DER,
 * XE2E_E_UNSUPPORTED for another key type or curve, XE2E_E_WEAKKEY for a
 * point not on P-256. */
int p256_from_spki_der(const uint8_t *der, size_t len, uint8_t pub[static P256_PUB_LEN]);

/* SHA-256 over the DER SubjectPublicKeyInfo of pub. */
int p256_fingerprint(const uint8_t pub[static P256_PUB_LEN], uint8_t fpr[static FINGERPRINT_LEN]);

/* "1a2b 3c4d ..." : 64 lower-case hex digits in groups of four. */
void fingerprint_format(const uint8_t fpr[static FINGERPRINT_LEN], char out[static FINGERPRINT_TEXT_LEN]);

/* Parses a fingerprint in either form: 64 hex digits, any case, with or
 * without single spaces or colons between digits (none leading, trailing
 * or doubled). XE2E_E_MALFORMED otherwise. */
int fingerprint_parse(const char *text, uint8_t fpr[static FINGERPRINT_LEN]);

#endif
