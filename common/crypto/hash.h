/* SHA-2, HMAC, HKDF (RFC 5869) and PBKDF2-HMAC-SHA256. */
#ifndef XE2E_HASH_H
#define XE2E_HASH_H

#include <stddef.h>
#include <stdint.h>

enum hash_alg {
	HASH_SHA256 = 1,
	HASH_SHA512 = 2,
};

#define HASH_MAX_LEN 64
#define SHA256_LEN 32

/* Output length in bytes: 32 or 64. */
size_t hash_len(enum hash_alg alg);

/* Block length in bytes: 64 or 128. */
size_t hash_block_len(enum hash_alg alg);

/* out = HASH(in). */
int hash(enum hash_alg alg, const void *in, size_t n, uint8_t *out);

/*
 * Incremental hashing. hash_final() also releases the context, even when
 * it fails; hash_abort() releases it without a result and may be called
 * again or after hash_final(). Using a released context is XE2E_E_STATE.
 */
struct hash_ctx {
	enum hash_alg alg;
	void *md; /* mbedtls_md_context_t */
};
int hash_init(struct hash_ctx *ctx, enum hash_alg alg);
int hash_update(struct hash_ctx *ctx, const void *in, size_t n);
int hash_final(struct hash_ctx *ctx, uint8_t *out);
void hash_abort(struct hash_ctx *ctx);

/* out = HMAC-HASH(key, msg). */
int hmac(enum hash_alg alg, const void *key, size_t key_len, const void *msg, size_t msg_len,
	 uint8_t *out);

/* One piece of a message given in parts (hmac_parts()). */
struct hash_part {
	const void *data;
	size_t len;
};

/* out = HMAC-HASH(key, parts[0] | parts[1] | ... | parts[n - 1]), without
 * copying the parts together (a part of length 0 may have data NULL). */
int hmac_parts(enum hash_alg alg, const void *key, size_t key_len, const struct hash_part *parts,
	       size_t n, uint8_t *out);

/* outs[i] = HMAC-HASH(key, msgs[i]) for each i < n, the key set up once
 * for all of them (an output may not overlap the key). */
int hmac_each(enum hash_alg alg, const void *key, size_t key_len, const struct hash_part *msgs,
	      size_t n, uint8_t *const outs[]);

/* HKDF extract-and-expand; salt may be NULL/0 (all-zero salt). out_len is
 * at most 255 * hash_len(alg), else XE2E_E_LIMIT. */
int hkdf(enum hash_alg alg, const void *salt, size_t salt_len, const void *ikm, size_t ikm_len,
	 const void *info, size_t info_len, uint8_t *out, size_t out_len);

/* PBKDF2-HMAC-SHA256 (RFC 8018). iterations >= 1 and out_len < 2^32, else
 * XE2E_E_LIMIT. */
int pbkdf2_sha256(const void *pw, size_t pw_len, const void *salt, size_t salt_len,
		  uint32_t iterations, uint8_t *out, size_t out_len);

#endif
