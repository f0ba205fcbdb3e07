#include "hash.h"

#include <stdlib.h>

#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>

#include "err.h"
#include "util.h"

static const mbedtls_md_info_t *hash_md_info(enum hash_alg alg)
{
	switch (alg) {
	case HASH_SHA256:
		return mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	case HASH_SHA512:
		return mbedtls_md_info_from_type(MBEDTLS_MD_SHA512);
	}
	return NULL;
}

static int hash_unsupported(enum hash_alg alg)
{
	err_detail_set("unknown hash %d", (int)alg);
	return XE2E_E_UNSUPPORTED;
}

static int hash_map_error(int ret)
{
	if (ret == MBEDTLS_ERR_MD_ALLOC_FAILED)
		return XE2E_E_NOMEM;
	err_detail_set("hash function failed (-0x%04x)", (unsigned)-ret);
	return XE2E_E_CRYPTO;
}

size_t hash_len(enum hash_alg alg)
{
	return alg == HASH_SHA512 ? 64 : alg == HASH_SHA256 ? 32 : 0;
}

size_t hash_block_len(enum hash_alg alg)
{
	return alg == HASH_SHA512 ? 128 : alg == HASH_SHA256 ? 64 : 0;
}

int hash(enum hash_alg alg, const void *in, size_t n, uint8_t *out)
{
	const mbedtls_md_info_t *md = hash_md_info(alg);
	int ret;

	if (!md)
		return hash_unsupported(alg);
	ret = mbedtls_md(md, in, n, out);
	return ret ? hash_map_error(ret) : XE2E_OK;
}

int hash_init(struct hash_ctx *ctx, enum hash_alg alg)
{
	const mbedtls_md_info_t *md = hash_md_info(alg);
	mbedtls_md_context_t *c;
	int ret;

	ctx->alg = alg;
	ctx->md = NULL;
	if (!md)
		return hash_unsupported(alg);
	c = malloc(sizeof(*c));
	if (!c)
		return XE2E_E_NOMEM;
	mbedtls_md_init(c);
	ret = mbedtls_md_setup(c, md, 0);
	if (ret == 0)
		ret = mbedtls_md_starts(c);
	if (ret != 0) {
		mbedtls_md_free(c);
		free(c);
		return hash_map_error(ret);
	}
	ctx->md = c;
	return XE2E_OK;
}

int hash_update(struct hash_ctx *ctx, const void *in, size_t n)
{
	int ret;

	if (!ctx->md)
		return XE2E_E_STATE;
	ret = mbedtls_md_update(ctx->md, in, n);
	return ret ? hash_map_error(ret) : XE2E_OK;
}

int hash_final(struct hash_ctx *ctx, uint8_t *out)
{
	int ret;

	if (!ctx->md)
		return XE2E_E_STATE;
	ret = mbedtls_md_finish(ctx->md, out);
	hash_abort(ctx);
	return ret ? hash_map_error(ret) : XE2E_OK;
}

void hash_abort(struct hash_ctx *ctx)
{
	if (!ctx->md)
		return;
	mbedtls_md_free(ctx->md); /* zeroizes the state */
	free(ctx->md);
	ctx->md = NULL;
}

int hmac(enum hash_alg alg, const void *key, size_t key_len, const void *msg, size_t msg_len,
	 uint8_t *out)
{
	const mbedtls_md_info_t *md = hash_md_info(alg);
	int ret;

	if (!md)
		return hash_unsupported(alg);
	/* mbedtls_md_hmac() wipes its own context and padded key. */
	ret = mbedtls_md_hmac(md, key, key_len, msg, msg_len, out);
	return ret ? hash_map_error(ret) : XE2E_OK;
}

/* An HMAC context keyed with key: mbedTLS's status; the caller frees c
 * (mbedtls_md_free), whatever the status. */
static int hmac_start(const mbedtls_md_info_t *md, mbedtls_md_context_t *c, const void *key,
		      size_t key_len)
{
	int ret;

	mbedtls_md_init(c);
	ret = mbedtls_md_setup(c, md, 1);
	if (ret == 0)
		ret = mbedtls_md_hmac_starts(c, key, key_len);
	return ret;
}

int hmac_parts(enum hash_alg alg, const void *key, size_t key_len, const struct hash_part *parts,
	       size_t n, uint8_t *out)
{
	const mbedtls_md_info_t *md = hash_md_info(alg);
	mbedtls_md_context_t c;
	int ret;

	if (!md)
		return hash_unsupported(alg);
	ret = hmac_start(md, &c, key, key_len);
	for (size_t i = 0; i < n && ret == 0; i++)
		if (parts[i].len)
			ret = mbedtls_md_hmac_update(&c, parts[i].data, parts[i].len);
	if (ret == 0)
		ret = mbedtls_md_hmac_finish(&c, out);
	mbedtls_md_free(&c); /* zeroizes the state and the padded keys */
	return ret ? hash_map_error(ret) : XE2E_OK;
}

int hmac_each(enum hash_alg alg, const void *key, size_t key_len, const struct hash_part *msgs,
	      size_t n, uint8_t *const outs[])
{
	const mbedtls_md_info_t *md = hash_md_info(alg);
	mbedtls_md_context_t c;
	int ret;

	if (!md)
		return hash_unsupported(alg);
	ret = hmac_start(md, &c, key, key_len);
	for (size_t i = 0; i < n && ret == 0; i++) {
		if (i > 0)
			ret = mbedtls_md_hmac_reset(&c);
		if (ret == 0 && msgs[i].len)
			ret = mbedtls_md_hmac_update(&c, msgs[i].data, msgs[i].len);
		if (ret == 0)
			ret = mbedtls_md_hmac_finish(&c, outs[i]);
	}
	mbedtls_md_free(&c); /* zeroizes the state and the padded keys */
	return ret ? hash_map_error(ret) : XE2E_OK;
}

int hkdf(enum hash_alg alg, const void *salt, size_t salt_len, const void *ikm, size_t ikm_len,
	 const void *info, size_t info_len, uint8_t *out, size_t out_len)
{
	const mbedtls_md_info_t *md = hash_md_info(alg);
	static const uint8_t empty[1];
	int ret;

	if (!md)
		return hash_unsupported(alg);
	if (out_len > 255 * hash_len(alg)) {
		err_detail_set("HKDF output of %zu bytes exceeds 255 blocks", out_len);
		return XE2E_E_LIMIT;
	}
	if (out_len == 0)
		return XE2E_OK;
	/* An absent salt is the hash length in zeros, which HMAC equals to
	 * the empty key; mbedTLS wants non-NULL pointers for empty inputs. */
	ret = mbedtls_hkdf(md, salt_len ? salt : empty, salt_len, ikm_len ? ikm : empty, ikm_len,
			   info_len ? info : empty, info_len, out, out_len);
	if (ret != 0) {
		wipe(out, out_len);
		return hash_map_error(ret);
	}
	return XE2E_OK;
}

int pbkdf2_sha256(const void *pw, size_t pw_len, const void *salt, size_t salt_len,
		  uint32_t iterations, uint8_t *out, size_t out_len)
{
	static const uint8_t empty[1];
	mbedtls_md_context_t c;
	int ret;

	if (iterations < 1 || out_len > UINT32_MAX) {
		err_detail_set("PBKDF2 with %u iterations and %zu bytes of output", iterations,
			       out_len);
		return XE2E_E_LIMIT;
	}
	mbedtls_md_init(&c);
	ret = mbedtls_md_setup(&c, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), 1);
	if (ret == 0)
		ret = mbedtls_pkcs5_pbkdf2_hmac(&c, pw_len ? pw : empty, pw_len,
						salt_len ? salt : empty, salt_len, iterations,
						(uint32_t)out_len, out);
	mbedtls_md_free(&c); /* zeroizes the HMAC state, which holds the password */
	if (ret != 0) {
		wipe(out, out_len);
		return hash_map_error(ret);
	}
	return XE2E_OK;
}
