#include <stdio.h>
#include <string.h>

#include "err.h"
#include "hash.h"
#include "rng.h"
#include "unit.h"
#include "vectors.h"

/* FIPS 180-2 appendix B examples. */
TEST(hash_fips180_examples)
{
	static const char two_blocks[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	uint8_t out[HASH_MAX_LEN];
	size_t n;

	CHECK_INT(hash(HASH_SHA256, "abc", 3, out), XE2E_OK);
	CHECK_MEM(out, vec_unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", &n), 32);
	CHECK_INT(hash(HASH_SHA256, two_blocks, strlen(two_blocks), out), XE2E_OK);
	CHECK_MEM(out, vec_unhex("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", &n), 32);
	CHECK_INT(hash(HASH_SHA512, "abc", 3, out), XE2E_OK);
	CHECK_MEM(out,
		  vec_unhex("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
			    "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f", &n),
		  64);
	vec_scratch_free();
	CHECK_INT(hash_len(HASH_SHA256), 32);
	CHECK_INT(hash_len(HASH_SHA512), 64);
	CHECK_INT(hash_block_len(HASH_SHA256), 64);
	CHECK_INT(hash_block_len(HASH_SHA512), 128);
	CHECK_INT(hash((enum hash_alg)9, "abc", 3, out), XE2E_E_UNSUPPORTED);
}

/* Incremental hashing in uneven pieces equals the one-shot hash. */
TEST(hash_incremental_matches_oneshot)
{
	enum hash_alg algs[] = {HASH_SHA256, HASH_SHA512};
	static uint8_t data[3000];
	uint8_t one[HASH_MAX_LEN], inc[HASH_MAX_LEN];
	struct hash_ctx ctx;

	CHECK_INT(rng_bytes(data, sizeof(data)), XE2E_OK);
	for (size_t a = 0; a < 2; a++) {
		size_t off = 0, step = 1;

		CHECK_INT(hash(algs[a], data, sizeof(data), one), XE2E_OK);
		CHECK_INT(hash_init(&ctx, algs[a]), XE2E_OK);
		while (off < sizeof(data)) {
			size_t n = sizeof(data) - off < step ? sizeof(data) - off : step;

			CHECK_INT(hash_update(&ctx, data + off, n), XE2E_OK);
			off += n;
			step = step * 3 + 1;
		}
		CHECK_INT(hash_final(&ctx, inc), XE2E_OK);
		CHECK_MEM(one, inc, hash_len(algs[a]));
		CHECK(ctx.md == NULL);
		CHECK_INT(hash_update(&ctx, data, 1), XE2E_E_STATE);
	}
	CHECK_INT(hash_init(&ctx, HASH_SHA256), XE2E_OK);
	CHECK_INT(hash_update(&ctx, data, 10), XE2E_OK);
	hash_abort(&ctx);
	hash_abort(&ctx);
	CHECK(ctx.md == NULL);
}

/* Full HMAC compared with the (possibly truncated) expected tag: valid
 * cases match, invalid ones (modified tags) do not. */
static void hmac_wycheproof(enum hash_alg alg, const char *file)
{
	cJSON *root = vec_load(file);
	unsigned run = 0, valid = 0;
	struct wp_iter it;

	for (wp_iter_start(&it, root); wp_iter_next(&it); vec_scratch_free()) {
		size_t key_len, msg_len, tag_len;
		uint8_t *key = vec_hex(it.test, "key", &key_len);
		uint8_t *msg = vec_hex(it.test, "msg", &msg_len);
		uint8_t *tag = vec_hex(it.test, "tag", &tag_len);
		uint8_t out[HASH_MAX_LEN];
		long tag_bits = vec_int(it.group, "tagSize", 0);

		if (!key || !msg || !tag)
			continue;
		CHECK_CASE(tag_bits == (long)(8 * tag_len) && tag_len <= hash_len(alg), "tcId %ld", it.tc_id);
		CHECK_CASE(hmac(alg, key, key_len, msg, msg_len, out) == XE2E_OK, "tcId %ld", it.tc_id);
		if (it.result == WP_VALID) {
			CHECK_CASE(memcmp(out, tag, tag_len) == 0, "tcId %ld", it.tc_id);
			valid++;
		} else {
			CHECK_CASE(memcmp(out, tag, tag_len) != 0, "tcId %ld", it.tc_id);
		}
		run++;
	}
	cJSON_Delete(root);
	CHECK_INT(run, 174);
	unit_note("%s: %u cases (%u valid, %u invalid tags told apart)", file, run, valid, run - valid);
}

TEST(hmac_sha256_wycheproof)
{
	hmac_wycheproof(HASH_SHA256, "wycheproof/hmac_sha256_test.json");
}

TEST(hmac_sha512_wycheproof)
{
	hmac_wycheproof(HASH_SHA512, "wycheproof/hmac_sha512_test.json");
}

/* Valid cases give exactly okm; the invalid ones ask for more than 255
 * blocks and must be refused with XE2E_E_LIMIT. */
static void hkdf_wycheproof(enum hash_alg alg, const char *file, unsigned want)
{
	cJSON *root = vec_load(file);
	unsigned run = 0, refused = 0;
	struct wp_iter it;

	for (wp_iter_start(&it, root); wp_iter_next(&it); vec_scratch_free()) {
		size_t ikm_len, salt_len, info_len, okm_len;
		uint8_t *ikm = vec_hex(it.test, "ikm", &ikm_len);
		uint8_t *salt = vec_hex(it.test, "salt", &salt_len);
		uint8_t *info = vec_hex(it.test, "info", &info_len);
		uint8_t *okm = vec_hex(it.test, "okm", &okm_len);
		long size = vec_int(it.test, "size", -1);
		uint8_t *out;
		int err;

		if (!ikm || !salt || !info || !okm || size < 0)
			continue;
		out = vec_alloc((size_t)size);
		err = hkdf(alg, salt, salt_len, ikm, ikm_len, info, info_len, out, (size_t)size);
		if (it.result == WP_VALID) {
			CHECK_CASE(err == XE2E_OK && okm_len == (size_t)size, "tcId %ld", it.tc_id);
			CHECK_CASE(memcmp(out, okm, okm_len) == 0, "tcId %ld", it.tc_id);
		} else {
			CHECK_CASE(err == XE2E_E_LIMIT, "tcId %ld (err %d)", it.tc_id, err);
			CHECK_CASE((size_t)size > 255 * hash_len(alg), "tcId %ld", it.tc_id);
			refused++;
		}
		run++;
	}
	cJSON_Delete(root);
	CHECK_INT(run, want);
	unit_note("%s: %u cases, %u oversized outputs refused", file, run, refused);
}

TEST(hkdf_sha256_wycheproof)
{
	hkdf_wycheproof(HASH_SHA256, "wycheproof/hkdf_sha256_test.json", 86);
}

TEST(hkdf_sha512_wycheproof)
{
	hkdf_wycheproof(HASH_SHA512, "wycheproof/hkdf_sha512_test.json", 83);
}

/* RFC 5869 A.1-A.3: PRK = HMAC(salt, IKM) and OKM. */
TEST(hkdf_rfc5869)
{
	cJSON *root = vec_load("rfc/rfc5869_hkdf.json");
	unsigned run = 0, skipped = 0;
	const cJSON *v;

	cJSON_ArrayForEach(v, vec_array(root, "vectors")) {
		size_t ikm_len, salt_len, info_len, prk_len, okm_len;
		const char *ref = vec_str(v, "ref");
		uint8_t *ikm, *salt, *info, *prk, *okm, out[HASH_MAX_LEN], *o;

		if (!vec_str(v, "hash") || strcmp(vec_str(v, "hash"), "SHA-256") != 0) {
			skipped++;
			continue;
		}
		ikm = vec_hex(v, "IKM", &ikm_len);
		salt = vec_hex(v, "salt", &salt_len);
		info = vec_hex(v, "info", &info_len);
		prk = vec_hex(v, "PRK", &prk_len);
		okm = vec_hex(v, "OKM", &okm_len);
		if (ikm && salt && info && prk && okm) {
			o = vec_alloc(okm_len);
			CHECK_INT(hmac(HASH_SHA256, salt, salt_len, ikm, ikm_len, out), XE2E_OK);
			CHECK_CASE(memcmp(out, prk, prk_len) == 0, "%s: PRK", ref);
			CHECK_INT(hkdf(HASH_SHA256, salt, salt_len, ikm, ikm_len, info, info_len, o, okm_len),
				  XE2E_OK);
			CHECK_CASE(memcmp(o, okm, okm_len) == 0, "%s: OKM", ref);
			/* An empty salt and no salt are the same. */
			if (salt_len == 0) {
				CHECK_INT(hkdf(HASH_SHA256, NULL, 0, ikm, ikm_len, NULL, 0, o, okm_len), XE2E_OK);
				CHECK_CASE(memcmp(o, okm, okm_len) == 0, "%s: NULL salt", ref);
			}
			run++;
		}
		vec_scratch_free();
	}
	cJSON_Delete(root);
	CHECK_INT(run, 3);
	unit_note("RFC 5869: %u SHA-256 cases run, %u SHA-1 cases skipped (no SHA-1 here)", run,
		  skipped);
}

TEST(pbkdf2_sha256_wycheproof)
{
	cJSON *root = vec_load("wycheproof/pbkdf2_hmacsha256_test.json");
	unsigned run = 0;
	struct wp_iter it;

	for (wp_iter_start(&it, root); wp_iter_next(&it); vec_scratch_free()) {
		size_t pw_len, salt_len, dk_len;
		uint8_t *pw = vec_hex(it.test, "password", &pw_len);
		uint8_t *salt = vec_hex(it.test, "salt", &salt_len);
		uint8_t *dk = vec_hex(it.test, "dk", &dk_len);
		long iter = vec_int(it.test, "iterationCount", 0);
		uint8_t *out;

		if (!pw || !salt || !dk)
			continue;
		CHECK_CASE(it.result == WP_VALID && iter > 0 && vec_int(it.test, "dkLen", 0) == (long)dk_len,
			   "tcId %ld", it.tc_id);
		out = vec_alloc(dk_len);
		CHECK_CASE(pbkdf2_sha256(pw, pw_len, salt, salt_len, (uint32_t)iter, out, dk_len) == XE2E_OK,
			   "tcId %ld", it.tc_id);
		CHECK_CASE(memcmp(out, dk, dk_len) == 0, "tcId %ld", it.tc_id);
		run++;
	}
	cJSON_Delete(root);
	CHECK_INT(run, 60);
	unit_note("pbkdf2_hmacsha256_test.json: %u cases (1 to 80,000 iterations)", run);
}

TEST(kdf_limits)
{
	uint8_t out[1];

	CHECK_INT(pbkdf2_sha256("pw", 2, "salt", 4, 0, out, sizeof(out)), XE2E_E_LIMIT);
	CHECK_INT(hkdf(HASH_SHA256, NULL, 0, "k", 1, NULL, 0, out, 255 * 32 + 1), XE2E_E_LIMIT);
	CHECK_INT(hkdf((enum hash_alg)0, NULL, 0, "k", 1, NULL, 0, out, 1), XE2E_E_UNSUPPORTED);
	CHECK_INT(hmac((enum hash_alg)0, "k", 1, "m", 1, out), XE2E_E_UNSUPPORTED);
}
