#include <stdio.h>
#include <string.h>

#include "dh.h"
#include "dh_provider.h"
#include "err.h"
#include "unit.h"
#include "util.h"
#include "vectors.h"

/*
 * Runs a test's body once with each X25519 provider: libsodium's, which
 * the programs use, and mbedTLS's, which the benchmarks compare with it.
 * Both must behave the same through the wrappers.
 */
static void each_provider(void (*body)(void))
{
	static const struct x25519_provider *const all[] = {&x25519_libsodium, &x25519_mbedtls};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		const struct x25519_provider *old = x25519_provider_use(all[i]);

		unit_note("through %s:", all[i]->name);
		body();
		x25519_provider_use(old);
	}
}

/*
 * Every Wycheproof X25519 case. Valid ones must give exactly the expected
 * secret. Of the "acceptable" ones, the behaviour fixed here is: those with
 * an all-zero shared secret (low-order public keys, 31 of them) are refused
 * with XE2E_E_WEAKKEY and a zeroed output; all others (twist points,
 * non-canonical u, edge-case scalars) give exactly the expected secret, as
 * RFC 7748 defines the function for every 32-byte input.
 */
static void x25519_wycheproof_with(void)
{
	cJSON *root = vec_load("wycheproof/x25519_test.json");
	unsigned valid = 0, acceptable = 0, weak = 0;
	struct wp_iter it;

	for (wp_iter_start(&it, root); wp_iter_next(&it); vec_scratch_free()) {
		size_t pub_len, priv_len, shared_len;
		uint8_t *pub = vec_hex(it.test, "public", &pub_len);
		uint8_t *priv = vec_hex(it.test, "private", &priv_len);
		uint8_t *shared = vec_hex(it.test, "shared", &shared_len);
		uint8_t out[X25519_LEN];
		int err;

		if (!pub || !priv || !shared)
			continue;
		CHECK_CASE(pub_len == 32 && priv_len == 32 && shared_len == 32, "tcId %ld", it.tc_id);
		memset(out, 0xee, sizeof(out));
		err = x25519_shared(out, priv, pub);
		if (ct_is_zero(shared, 32)) {
			CHECK_CASE(it.result == WP_ACCEPTABLE && wp_has_flag(it.test, "ZeroSharedSecret"),
				   "tcId %ld", it.tc_id);
			CHECK_CASE(err == XE2E_E_WEAKKEY, "tcId %ld (err %d)", it.tc_id, err);
			CHECK_CASE(ct_is_zero(out, sizeof(out)), "tcId %ld", it.tc_id);
			weak++;
			continue;
		}
		CHECK_CASE(it.result != WP_INVALID, "tcId %ld", it.tc_id);
		CHECK_CASE(err == XE2E_OK, "tcId %ld (%s, err %d)", it.tc_id, wp_result_name(it.result), err);
		CHECK_CASE(memcmp(out, shared, 32) == 0, "tcId %ld", it.tc_id);
		if (it.result == WP_VALID)
			valid++;
		else
			acceptable++;
	}
	cJSON_Delete(root);
	CHECK_INT(valid + acceptable + weak, 518);
	CHECK_INT(weak, 31);
	unit_note("x25519_test.json: %u valid and %u acceptable cases give the exact secret; "
		  "%u acceptable low-order cases refused with XE2E_E_WEAKKEY",
		  valid, acceptable, weak);
}

static void x25519_rfc7748_with(void)
{
	cJSON *root = vec_load("rfc/rfc7748_x25519.json");
	const cJSON *v, *dh = cJSON_GetObjectItemCaseSensitive(root, "dh");
	uint8_t out[X25519_LEN], out2[X25519_LEN];
	unsigned run = 0;
	size_t n;

	cJSON_ArrayForEach(v, vec_array(root, "scalar_mult")) {
		uint8_t *k = vec_hex(v, "scalar", &n), *u = vec_hex(v, "u", &n);
		uint8_t *want = vec_hex(v, "output", &n);

		if (k && u && want) {
			CHECK_INT(x25519_shared(out, k, u), XE2E_OK);
			CHECK_CASE(memcmp(out, want, 32) == 0, "%s", vec_str(v, "ref"));
			run++;
		}
		vec_scratch_free();
	}
	uint8_t *a = vec_hex(dh, "alice_private", &n), *ap = vec_hex(dh, "alice_public", &n);
	uint8_t *b = vec_hex(dh, "bob_private", &n), *bp = vec_hex(dh, "bob_public", &n);
	uint8_t *k = vec_hex(dh, "shared", &n);

	if (a && ap && b && bp && k) {
		CHECK_INT(x25519_public(out, a), XE2E_OK);
		CHECK_MEM(out, ap, 32);
		CHECK_INT(x25519_public(out, b), XE2E_OK);
		CHECK_MEM(out, bp, 32);
		CHECK_INT(x25519_shared(out, a, bp), XE2E_OK);
		CHECK_INT(x25519_shared(out2, b, ap), XE2E_OK);
		CHECK_MEM(out, k, 32);
		CHECK_MEM(out2, k, 32);
		run++;
	}
	vec_scratch_free();
	cJSON_Delete(root);
	CHECK_INT(run, 3);
	unit_note("RFC 7748: %u vectors (s5.2 #1, #2, s6.1 both ways with public keys)", run);
}

/* RFC 7748 s5.2: k = u = 9, then k, u = X25519(k, u), k. */
static void x25519_rfc7748_iterated_with(void)
{
	cJSON *root = vec_load("rfc/rfc7748_x25519.json");
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, "iterated");
	uint8_t k[X25519_LEN], u[X25519_LEN], next[X25519_LEN];
	uint8_t *init, *after1, *after1000;
	size_t n;

	init = vec_hex(it, "initial", &n);
	after1 = vec_hex(it, "after_1", &n);
	after1000 = vec_hex(it, "after_1000", &n);
	if (init && after1 && after1000) {
		memcpy(k, init, 32);
		memcpy(u, init, 32);
		for (int i = 1; i <= 1000; i++) {
			CHECK_INT(x25519_shared(next, k, u), XE2E_OK);
			memcpy(u, k, 32);
			memcpy(k, next, 32);
			if (i == 1)
				CHECK_MEM(k, after1, 32);
		}
		CHECK_MEM(k, after1000, 32);
	}
	vec_scratch_free();
	cJSON_Delete(root);
	unit_note("iterated after 1 and 1,000 steps; the 1,000,000-step value is skipped (minutes)");
}

/* Each blocklisted u, and the same with the top bit set (masked to the
 * same point), is refused with XE2E_E_WEAKKEY and a zero output. */
static void x25519_refuses_low_order_points_with(void)
{
	cJSON *root = vec_load("rfc/rfc7748_x25519.json");
	const cJSON *lo = cJSON_GetObjectItemCaseSensitive(root, "low_order_u"), *v;
	uint8_t priv[X25519_LEN], pub[X25519_LEN], out[X25519_LEN];
	unsigned run = 0;

	CHECK_INT(x25519_keypair(priv, pub), XE2E_OK);
	cJSON_ArrayForEach(v, vec_array(lo, "values")) {
		size_t n;
		uint8_t *u = vec_hex(v, "u", &n);

		for (int high = 0; u && high < 2; high++) {
			u[31] = (uint8_t)(high ? u[31] | 0x80 : u[31]);
			memset(out, 0xee, sizeof(out));
			CHECK_CASE(x25519_shared(out, priv, u) == XE2E_E_WEAKKEY, "u = %s, top bit %d",
				   vec_str(v, "what"), high);
			CHECK(ct_is_zero(out, sizeof(out)));
			run++;
		}
		vec_scratch_free();
	}
	cJSON_Delete(root);
	CHECK_INT(run, 14);
	unit_note("%u low-order or non-canonical u refused", run);
}

static void x25519_keypairs_agree_with(void)
{
	uint8_t a[X25519_LEN], ap[X25519_LEN], b[X25519_LEN], bp[X25519_LEN];
	uint8_t k1[X25519_LEN], k2[X25519_LEN], p[X25519_LEN];

	CHECK_INT(x25519_keypair(a, ap), XE2E_OK);
	CHECK_INT(x25519_keypair(b, bp), XE2E_OK);
	CHECK(memcmp(a, b, 32) != 0);
	CHECK_INT(x25519_public(p, a), XE2E_OK);
	CHECK_MEM(p, ap, 32);
	CHECK_INT(x25519_shared(k1, a, bp), XE2E_OK);
	CHECK_INT(x25519_shared(k2, b, ap), XE2E_OK);
	CHECK_MEM(k1, k2, 32);
	/* A changed public key gives another secret. */
	bp[0] ^= 1;
	CHECK_INT(x25519_shared(k2, a, bp), XE2E_OK);
	CHECK(memcmp(k1, k2, 32) != 0);
	/* Output may overwrite the private key. */
	bp[0] ^= 1;
	memcpy(p, a, 32);
	CHECK_INT(x25519_shared(p, p, bp), XE2E_OK);
	CHECK_MEM(p, k1, 32);
}

/* The private key is any 32 bytes; bits that clamping clears or sets do
 * not change the result. */
static void x25519_clamps_private_keys_with(void)
{
	uint8_t a[X25519_LEN], ap[X25519_LEN], u[X25519_LEN], p[X25519_LEN];

	CHECK_INT(x25519_keypair(a, ap), XE2E_OK);
	CHECK_INT((a[0] & 7) == 0 && (a[31] & 0xc0) == 0x40, 1);
	memcpy(u, a, 32);
	u[0] |= 7;
	u[31] = (uint8_t)((u[31] | 0x80) & ~0x40);
	CHECK_INT(x25519_public(p, u), XE2E_OK);
	CHECK_MEM(p, ap, 32);
}

TEST(x25519_wycheproof)
{
	each_provider(x25519_wycheproof_with);
}

TEST(x25519_rfc7748)
{
	each_provider(x25519_rfc7748_with);
}

TEST(x25519_rfc7748_iterated)
{
	each_provider(x25519_rfc7748_iterated_with);
}

TEST(x25519_refuses_low_order_points)
{
	each_provider(x25519_refuses_low_order_points_with);
}

TEST(x25519_keypairs_agree)
{
	each_provider(x25519_keypairs_agree_with);
}

TEST(x25519_clamps_private_keys)
{
	each_provider(x25519_clamps_private_keys_with);
}
