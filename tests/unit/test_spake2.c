#include <stdio.h>
#include <string.h>

#include <mbedtls/bignum.h>

#include "err.h"
#include "hash.h"
#include "p256_point.h"
#include "rng.h"
#include "spake2.h"
#include "unit.h"
#include "util.h"
#include "vectors.h"

#define FAST_ITERATIONS 1000 /* the profile's constant is 100,000 */

/* The value a vector field must have on one side, with its name. */
static void check_field(const cJSON *v, const char *name, const uint8_t *got, size_t got_len,
			int idx, int side)
{
	size_t n;
	uint8_t *want = vec_hex(v, name, &n);

	CHECK_CASE(want && n == got_len, "vector %d side %c: %s length %zu, want %zu", idx,
		   "AB"[side], name, got_len, want ? n : 0);
	if (want && n == got_len)
		CHECK_CASE(memcmp(got, want, n) == 0, "vector %d side %c: %s", idx, "AB"[side], name);
}

/* Both sides of one vector, every intermediate value. */
static void check_vector_side(const cJSON *v, const struct spake2_trace *t, int idx, int side)
{
	check_field(v, "pA", t->pa, sizeof(t->pa), idx, side);
	check_field(v, "pB", t->pb, sizeof(t->pb), idx, side);
	check_field(v, "K", t->k, sizeof(t->k), idx, side);
	check_field(v, "TT", t->tt, t->tt_len, idx, side);
	check_field(v, "Hash_TT", t->hash_tt, 32, idx, side);
	check_field(v, "Ke", t->hash_tt, 16, idx, side);
	check_field(v, "Ka", t->hash_tt + 16, 16, idx, side);
	check_field(v, "KcA", t->kc, 16, idx, side);
	check_field(v, "KcB", t->kc + 16, 16, idx, side);
	check_field(v, "A_conf", t->conf_a, 32, idx, side);
	check_field(v, "B_conf", t->conf_b, 32, idx, side);
}

static const char *str_or_empty(const cJSON *v, const char *name)
{
	const char *s = vec_str(v, name);

	CHECK(s != NULL);
	return s ? s : "";
}

/* RFC 9382 Appendix B: pA, pB, K, TT, Ke, Ka, KcA, KcB and both
 * confirmations, exactly, as computed by each side's state machine. */
TEST(spake2_rfc9382_vectors)
{
	cJSON *root = vec_load("rfc/rfc9382_spake2_p256.json");
	struct spake2_trace t[2];
	const cJSON *v;
	int idx = 0, run = 0;

	cJSON_ArrayForEach(v, vec_array(root, "vectors")) {
		const char *a = str_or_empty(v, "A"), *b = str_or_empty(v, "B");
		const char *aad = str_or_empty(v, "AAD");
		size_t wn, xn, yn;
		uint8_t *w = vec_hex(v, "w", &wn), *x = vec_hex(v, "x", &xn), *y = vec_hex(v, "y", &yn);

		idx++;
		if (!w || !x || !y || wn != 32 || xn != 32 || yn != 32) {
			CHECK_CASE(0, "vector %d: w, x, y", idx);
			continue;
		}
		memset(t, 0xee, sizeof(t));
		CHECK_INT(spake2_vector(w, x, y, a, strlen(a), b, strlen(b), aad, strlen(aad), t),
			  XE2E_OK);
		check_vector_side(v, &t[0], idx, 0);
		check_vector_side(v, &t[1], idx, 1);
		wipe(t, sizeof(t));
		vec_scratch_free();
		run++;
	}
	cJSON_Delete(root);
	CHECK_INT(run, 4);
	unit_note("rfc9382_spake2_p256.json: %d vectors, 11 values each checked on both sides "
		  "(pA, pB, K, TT, Hash(TT), Ke, Ka, KcA, KcB, A_conf, B_conf)", run);
}

/* The error a constructed negative share must give. */
static int negative_expected(const char *id)
{
	static const struct {
		const char *id;
		int err;
	} table[] = {
		{ "infinity", XE2E_E_WEAKKEY },     { "off_curve", XE2E_E_WEAKKEY },
		{ "x_ge_p", XE2E_E_WEAKKEY },       { "raw_64_bytes", XE2E_E_MALFORMED },
		{ "truncated", XE2E_E_MALFORMED },  { "pB_equals_wN", XE2E_E_WEAKKEY },
		{ "pA_equals_wM", XE2E_E_WEAKKEY }, { "compressed_valid_point", XE2E_E_MALFORMED },
	};

	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		if (strcmp(id, table[i].id) == 0)
			return table[i].err;
	return -1;
}

/* One side with w, fed share; returns the error of spake2_process and
 * checks that a failure is final. */
static int negative_feed(enum spake2_role role, const uint8_t w[32], const uint8_t *share,
			 size_t len)
{
	struct spake2 s;
	uint8_t buf[SPAKE2_MSG_LEN];
	int err;

	CHECK_INT(spake2_init_raw(&s, role, w, NULL, "server", 6, "client", 6, NULL, 0), XE2E_OK);
	err = spake2_process(&s, share, len);
	if (err) {
		CHECK_INT(spake2_message(&s, buf), XE2E_E_STATE);
		CHECK_INT(spake2_confirm(&s, buf), XE2E_E_STATE);
		CHECK_INT(spake2_process(&s, share, len), XE2E_E_STATE);
		CHECK(ct_is_zero(s.w, sizeof(s.w)) && ct_is_zero(s.x, sizeof(s.x)));
	}
	spake2_wipe(&s);
	return err;
}

/* share == w·P, with P from the vector file (M or N), computed here. */
static int share_is_w_times(const cJSON *root, const char *pname, const uint8_t w[32],
			    const uint8_t *share, size_t len)
{
	mbedtls_ecp_group grp;
	mbedtls_ecp_point p, r;
	mbedtls_mpi k;
	uint8_t out[P256_POINT_LEN];
	size_t n;
	uint8_t *pt = vec_hex(cJSON_GetObjectItemCaseSensitive(root, pname), "uncompressed", &n);
	int ok = 0;

	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&p);
	mbedtls_ecp_point_init(&r);
	mbedtls_mpi_init(&k);
	if (pt && n == P256_POINT_LEN && len == P256_POINT_LEN &&
	    p256_point_group_load(&grp) == XE2E_OK && p256_point_decode(&grp, &p, pt, n) == XE2E_OK &&
	    p256_scalar_read(&grp, &k, w) == XE2E_OK && p256_point_mul(&grp, &r, &k, &p) == XE2E_OK &&
	    p256_point_encode(&grp, &r, out) == XE2E_OK)
		ok = memcmp(out, share, P256_POINT_LEN) == 0;
	mbedtls_mpi_free(&k);
	mbedtls_ecp_point_free(&r);
	mbedtls_ecp_point_free(&p);
	mbedtls_ecp_group_free(&grp);
	return ok;
}

/* One constructed case: refused by the side(s) it targets with its code. */
static int negative_case(const cJSON *root, const cJSON *c, const uint8_t *w1)
{
	const char *id = vec_str(c, "id"), *role = vec_str(c, "role");
	size_t len, wn = 32;
	uint8_t *share = vec_hex(c, "share", &len);
	const uint8_t *w = vec_str(c, "w") ? vec_hex(c, "w", &wn) : w1;
	int want = id ? negative_expected(id) : -1, fed = 0;

	if (!share || !role || !w || wn != 32 || want < 0) {
		CHECK_CASE(0, "negative case %s", id ? id : "(no id)");
		return 0;
	}
	if (strcmp(role, "either") == 0 || strstr(role, "A receives")) {
		CHECK_CASE(negative_feed(SPAKE2_ROLE_A, w, share, len) == want, "%s at A", id);
		fed++;
	}
	if (strcmp(role, "either") == 0 || strstr(role, "B receives")) {
		CHECK_CASE(negative_feed(SPAKE2_ROLE_B, w, share, len) == want, "%s at B", id);
		fed++;
	}
	/* The identity-K shares are valid points: the other side takes them,
	 * and they are exactly w·N and w·M. */
	if (strcmp(id, "pB_equals_wN") == 0) {
		CHECK_CASE(negative_feed(SPAKE2_ROLE_B, w, share, len) == XE2E_OK, "%s at B", id);
		CHECK_CASE(share_is_w_times(root, "N", w, share, len), "%s is w·N", id);
	}
	if (strcmp(id, "pA_equals_wM") == 0) {
		CHECK_CASE(negative_feed(SPAKE2_ROLE_A, w, share, len) == XE2E_OK, "%s at A", id);
		CHECK_CASE(share_is_w_times(root, "M", w, share, len), "%s is w·M", id);
	}
	return fed;
}

/* The 8 constructed negative shares, each refused with its error code at
 * the side(s) it is meant for; the failure is final and wipes w and x. */
TEST(spake2_rfc9382_negative)
{
	cJSON *root = vec_load("rfc/rfc9382_spake2_p256.json");
	const cJSON *neg = cJSON_GetObjectItemCaseSensitive(root, "negative_cases_constructed");
	const cJSON *v = cJSON_GetArrayItem(vec_array(root, "vectors"), 0), *c;
	size_t wn;
	uint8_t *w1 = vec_hex(v, "w", &wn);
	int cases = 0, fed = 0;

	CHECK(w1 && wn == 32);
	cJSON_ArrayForEach(c, vec_array(neg, "cases")) {
		fed += negative_case(root, c, w1);
		cases++;
	}
	vec_scratch_free();
	cJSON_Delete(root);
	CHECK_INT(cases, 8);
	CHECK_INT(fed, 14);
	unit_note("%d negative shares refused (%d refusals: infinity, off-curve, x >= p as "
		  "XE2E_E_WEAKKEY; raw 64 bytes, truncated, compressed as XE2E_E_MALFORMED; "
		  "pB = w·N and pA = w·M as XE2E_E_WEAKKEY)", cases, fed);
}

struct pair {
	struct spake2 a, b;
	uint8_t hh[SPAKE2_HH_LEN], id_a[SPAKE2_ID_LEN], id_b[SPAKE2_ID_LEN];
};

static void pair_init(struct pair *p, const char *secret_a, const char *secret_b, uint64_t epoch_a,
		      uint64_t epoch_b)
{
	struct spake2_params pa = { 0 }, pb;

	CHECK_INT(rng_bytes(p->hh, sizeof(p->hh)), XE2E_OK);
	CHECK_INT(rng_bytes(p->id_a, sizeof(p->id_a)), XE2E_OK);
	CHECK_INT(rng_bytes(p->id_b, sizeof(p->id_b)), XE2E_OK);
	pa.handshake_hash = p->hh;
	pa.iterations = FAST_ITERATIONS;
	pa.id_a = p->id_a;
	pa.id_b = p->id_b;
	pb = pa;
	pa.secret = secret_a;
	pa.secret_len = strlen(secret_a);
	pa.epoch = epoch_a;
	pb.secret = secret_b;
	pb.secret_len = strlen(secret_b);
	pb.epoch = epoch_b;
	CHECK_INT(spake2_init(&p->a, SPAKE2_ROLE_A, &pa), XE2E_OK);
	CHECK_INT(spake2_init(&p->b, SPAKE2_ROLE_B, &pb), XE2E_OK);
}

/* Shares exchanged and processed; the confirmations written out. */
static void pair_exchange(struct pair *p, uint8_t ca[SPAKE2_CONF_LEN], uint8_t cb[SPAKE2_CONF_LEN])
{
	uint8_t ma[SPAKE2_MSG_LEN], mb[SPAKE2_MSG_LEN];

	CHECK_INT(spake2_message(&p->a, ma), XE2E_OK);
	CHECK_INT(spake2_message(&p->b, mb), XE2E_OK);
	CHECK(ma[0] == 0x04 && mb[0] == 0x04);
	CHECK(memcmp(ma, mb, sizeof(ma)) != 0);
	CHECK_INT(spake2_process(&p->a, mb, sizeof(mb)), XE2E_OK);
	CHECK_INT(spake2_process(&p->b, ma, sizeof(ma)), XE2E_OK);
	CHECK_INT(spake2_confirm(&p->a, ca), XE2E_OK);
	CHECK_INT(spake2_confirm(&p->b, cb), XE2E_OK);
}

static void pair_release(struct pair *p)
{
	spake2_wipe(&p->a);
	spake2_wipe(&p->b);
}

/* The same secret on both sides: both confirmations verify, the keys are
 * equal, available only after confirmation, and mix into equal rs. */
TEST(spake2_profile_same_secret)
{
	uint8_t ca[SPAKE2_CONF_LEN], cb[SPAKE2_CONF_LEN], ka[SPAKE2_KEY_LEN], kb[SPAKE2_KEY_LEN];
	uint8_t rs[SPAKE2_RS_LEN], ra[SPAKE2_RS_LEN], rb[SPAKE2_RS_LEN], want[SPAKE2_RS_LEN];
	struct pair p;

	pair_init(&p, "the name of our first cat", "the name of our first cat", 7, 7);
	pair_exchange(&p, ca, cb);
	CHECK(memcmp(ca, cb, sizeof(ca)) != 0);
	CHECK_INT(spake2_key(&p.a, ka), XE2E_E_STATE);
	CHECK_INT(spake2_verify_confirm(&p.a, cb, sizeof(cb)), XE2E_OK);
	CHECK_INT(spake2_verify_confirm(&p.b, ca, sizeof(ca)), XE2E_OK);
	CHECK_INT(spake2_key(&p.a, ka), XE2E_OK);
	CHECK_INT(spake2_key(&p.b, kb), XE2E_OK);
	CHECK_MEM(ka, kb, sizeof(ka));
	CHECK(!ct_is_zero(ka, sizeof(ka)));
	/* x and w are gone once the keys exist. */
	CHECK(ct_is_zero(p.a.w, sizeof(p.a.w)) && ct_is_zero(p.a.x, sizeof(p.a.x)));
	CHECK(ct_is_zero(p.b.w, sizeof(p.b.w)) && ct_is_zero(p.b.x, sizeof(p.b.x)));
	/* rs <- HKDF(salt = rs, ikm = Ke, "xe2e spake2"), in place too. */
	CHECK_INT(rng_bytes(rs, sizeof(rs)), XE2E_OK);
	CHECK_INT(hkdf(HASH_SHA256, rs, 32, ka, 16, "xe2e spake2", 11, want, 32), XE2E_OK);
	CHECK_INT(spake2_mix_rs(rs, ka, ra), XE2E_OK);
	CHECK_INT(spake2_mix_rs(rs, kb, rb), XE2E_OK);
	CHECK_MEM(ra, want, 32);
	CHECK_MEM(rb, want, 32);
	CHECK_INT(spake2_mix_rs(rs, ka, rs), XE2E_OK);
	CHECK_MEM(rs, want, 32);
	/* A second verification is out of order, and final. */
	CHECK_INT(spake2_verify_confirm(&p.a, cb, sizeof(cb)), XE2E_E_STATE);
	CHECK_INT(spake2_key(&p.a, ka), XE2E_E_STATE);
	pair_release(&p);
}

/* A pair whose runs must fail confirmation on both sides. */
static void pair_expect_mismatch(struct pair *p)
{
	uint8_t ca[SPAKE2_CONF_LEN], cb[SPAKE2_CONF_LEN], k[SPAKE2_KEY_LEN];

	pair_exchange(p, ca, cb);
	CHECK_INT(spake2_verify_confirm(&p->a, cb, sizeof(cb)), XE2E_E_AUTH);
	CHECK_INT(spake2_verify_confirm(&p->b, ca, sizeof(ca)), XE2E_E_AUTH);
	CHECK_INT(spake2_key(&p->a, k), XE2E_E_STATE);
	CHECK_INT(spake2_key(&p->b, k), XE2E_E_STATE);
	CHECK_INT(spake2_confirm(&p->a, ca), XE2E_E_STATE);
	CHECK(ct_is_zero(p->a.ke, sizeof(p->a.ke)) && ct_is_zero(p->b.ke, sizeof(p->b.ke)));
	pair_release(p);
}

/* Different secrets, or a different epoch in the AAD: confirmation fails
 * on both sides with XE2E_E_AUTH, and no key comes out. */
TEST(spake2_profile_mismatch)
{
	struct pair p;

	pair_init(&p, "correct horse", "correct horsf", 3, 3);
	pair_expect_mismatch(&p);
	pair_init(&p, "correct horse", "correct horse", 3, 4);
	pair_expect_mismatch(&p);
	unit_note("different secrets and different epochs: both confirmations refused");
}

/* The profile is the general form with w = spake2_password() at
 * SPAKE2_ITERATIONS and the AAD "xe2e spake2 v1" || epoch: a profile side
 * (with the default iteration count) and a general side agree. */
TEST(spake2_profile_matches_general_form)
{
	static const char secret[] = "rendezvous at the old mill";
	struct spake2_params prm = { 0 };
	uint8_t hh[32], ida[32], idb[32], w[32], aad[SPAKE2_AAD_LEN], ca[32], cb[32], ka[16], kb[16];
	uint8_t ma[SPAKE2_MSG_LEN], mb[SPAKE2_MSG_LEN];
	struct spake2 a, b;

	CHECK_INT(rng_bytes(hh, 32) | rng_bytes(ida, 32) | rng_bytes(idb, 32), XE2E_OK);
	prm = (struct spake2_params){ secret, strlen(secret), hh, 0, ida, idb,
				      0x0102030405060708ULL };
	spake2_aad(prm.epoch, aad);
	CHECK_MEM(aad, "xe2e spake2 v1\x01\x02\x03\x04\x05\x06\x07\x08", SPAKE2_AAD_LEN);
	CHECK_INT(spake2_password(secret, strlen(secret), hh, SPAKE2_ITERATIONS, w), XE2E_OK);
	CHECK_INT(spake2_init(&a, SPAKE2_ROLE_A, &prm), XE2E_OK);
	CHECK_INT(spake2_init_raw(&b, SPAKE2_ROLE_B, w, NULL, ida, 32, idb, 32, aad, sizeof(aad)),
		  XE2E_OK);
	CHECK_INT(spake2_message(&a, ma) | spake2_message(&b, mb), XE2E_OK);
	CHECK_INT(spake2_process(&a, mb, sizeof(mb)), XE2E_OK);
	CHECK_INT(spake2_process(&b, ma, sizeof(ma)), XE2E_OK);
	CHECK_INT(spake2_confirm(&a, ca) | spake2_confirm(&b, cb), XE2E_OK);
	CHECK_INT(spake2_verify_confirm(&a, cb, 32), XE2E_OK);
	CHECK_INT(spake2_verify_confirm(&b, ca, 32), XE2E_OK);
	CHECK_INT(spake2_key(&a, ka) | spake2_key(&b, kb), XE2E_OK);
	CHECK_MEM(ka, kb, 16);
	spake2_wipe(&a);
	spake2_wipe(&b);
}

/* w = PBKDF2-HMAC-SHA256(secret, hh || "xe2e spake2 w", iterations, 48)
 * mod n, recomputed here with mbedTLS's bignum. */
TEST(spake2_password_stretching)
{
	static const char secret[] = "blue";
	static const uint8_t n_hex[] = { 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
					 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
					 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51 };
	uint8_t hh[32], salt[32 + 13], stretched[48], want[32], w[32], w2[32];
	mbedtls_mpi a, n, r;

	CHECK_INT(rng_bytes(hh, sizeof(hh)), XE2E_OK);
	memcpy(salt, hh, 32);
	memcpy(salt + 32, "xe2e spake2 w", 13);
	CHECK_INT(pbkdf2_sha256(secret, 4, salt, sizeof(salt), 1000, stretched, 48), XE2E_OK);
	mbedtls_mpi_init(&a);
	mbedtls_mpi_init(&n);
	mbedtls_mpi_init(&r);
	CHECK_INT(mbedtls_mpi_read_binary(&a, stretched, 48), 0);
	CHECK_INT(mbedtls_mpi_read_binary(&n, n_hex, 32), 0);
	CHECK_INT(mbedtls_mpi_mod_mpi(&r, &a, &n), 0);
	CHECK_INT(mbedtls_mpi_write_binary(&r, want, 32), 0);
	CHECK(mbedtls_mpi_cmp_mpi(&a, &n) > 0); /* the reduction did something */
	mbedtls_mpi_free(&a);
	mbedtls_mpi_free(&n);
	mbedtls_mpi_free(&r);
	CHECK_INT(spake2_password(secret, 4, hh, 1000, w), XE2E_OK);
	CHECK_MEM(w, want, 32);
	hh[31] ^= 1;
	CHECK_INT(spake2_password(secret, 4, hh, 1000, w2), XE2E_OK);
	CHECK(memcmp(w, w2, 32) != 0);
	CHECK_INT(spake2_password(secret, 4, hh, 999, w2), XE2E_OK);
	CHECK(memcmp(w, w2, 32) != 0);
	CHECK_INT(spake2_password("", 0, hh, 1000, w2), XE2E_E_MALFORMED);
	CHECK_INT(spake2_password(secret, 4, hh, 0, w2), XE2E_E_LIMIT);
	CHECK(ct_is_zero(w2, sizeof(w2)));
	CHECK_INT(SPAKE2_ITERATIONS, 100000);
}

/* Calls out of order, bad arguments, and the failures they cause. */
TEST(spake2_state_machine)
{
	static const uint8_t zero[32], n_bytes[32] = {
		0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
		0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
	};
	uint8_t w[32], m[SPAKE2_MSG_LEN], c[SPAKE2_CONF_LEN], big[SPAKE2_ID_MAX + 1] = { 0 };
	struct spake2 s, t;

	CHECK_INT(rng_bytes(w, sizeof(w)), XE2E_OK);
	w[0] = 0x7f; /* < n */
	CHECK_INT(spake2_init_raw(&s, SPAKE2_ROLE_A, zero, NULL, "a", 1, "b", 1, NULL, 0),
		  XE2E_E_MALFORMED);
	CHECK_INT(spake2_message(&s, m), XE2E_E_STATE);
	CHECK_INT(spake2_init_raw(&s, SPAKE2_ROLE_A, n_bytes, NULL, "a", 1, "b", 1, NULL, 0),
		  XE2E_E_MALFORMED);
	CHECK_INT(spake2_init_raw(&s, 3, w, NULL, "a", 1, "b", 1, NULL, 0), XE2E_E_MALFORMED);
	CHECK_INT(spake2_init_raw(&s, SPAKE2_ROLE_A, w, NULL, big, sizeof(big), "b", 1, NULL, 0),
		  XE2E_E_LIMIT);
	CHECK_INT(spake2_init_raw(&s, SPAKE2_ROLE_A, w, NULL, "a", 1, "b", 1, big, SPAKE2_AAD_MAX + 1),
		  XE2E_E_LIMIT);
	CHECK_INT(spake2_init_raw(&s, SPAKE2_ROLE_A, w, NULL, big, SPAKE2_ID_MAX, "", 0, NULL, 0),
		  XE2E_OK);
	spake2_wipe(&s);

	/* Verifying before processing is out of order and final. */
	CHECK_INT(spake2_init_raw(&s, SPAKE2_ROLE_A, w, NULL, "a", 1, "b", 1, NULL, 0), XE2E_OK);
	CHECK_INT(spake2_confirm(&s, c), XE2E_E_STATE);
	CHECK_INT(spake2_verify_confirm(&s, c, sizeof(c)), XE2E_E_STATE);
	CHECK_INT(spake2_message(&s, m), XE2E_E_STATE);
	spake2_wipe(&s);

	/* Processing twice; a confirmation of the wrong length. */
	CHECK_INT(spake2_init_raw(&s, SPAKE2_ROLE_A, w, NULL, "a", 1, "b", 1, NULL, 0), XE2E_OK);
	CHECK_INT(spake2_init_raw(&t, SPAKE2_ROLE_B, w, NULL, "a", 1, "b", 1, NULL, 0), XE2E_OK);
	CHECK_INT(spake2_message(&t, m), XE2E_OK);
	CHECK_INT(spake2_process(&s, m, sizeof(m)), XE2E_OK);
	CHECK_INT(spake2_process(&s, m, sizeof(m)), XE2E_E_STATE);
	CHECK_INT(spake2_confirm(&s, c), XE2E_E_STATE);
	spake2_wipe(&s);
	CHECK_INT(spake2_init_raw(&s, SPAKE2_ROLE_A, w, NULL, "a", 1, "b", 1, NULL, 0), XE2E_OK);
	CHECK_INT(spake2_process(&s, m, sizeof(m)), XE2E_OK);
	CHECK_INT(spake2_verify_confirm(&s, c, sizeof(c) - 1), XE2E_E_MALFORMED);
	CHECK_INT(spake2_verify_confirm(&s, c, sizeof(c)), XE2E_E_STATE);
	spake2_wipe(&s);
	spake2_wipe(&t);

	/* A's own share reflected back: A's K then differs from anything a
	 * peer could compute, and a reflected confirmation does not verify. */
	CHECK_INT(spake2_init_raw(&s, SPAKE2_ROLE_A, w, NULL, "a", 1, "b", 1, NULL, 0), XE2E_OK);
	CHECK_INT(spake2_message(&s, m), XE2E_OK);
	CHECK_INT(spake2_process(&s, m, sizeof(m)), XE2E_OK);
	CHECK_INT(spake2_confirm(&s, c), XE2E_OK);
	CHECK_INT(spake2_verify_confirm(&s, c, sizeof(c)), XE2E_E_AUTH);
	spake2_wipe(&s);
}

/* A fresh pair over w with one share replaced by tamper(); returns the
 * errors of A's and B's spake2_process. */
static void tamper_run(const uint8_t w[32], int tamper_a, void (*tamper)(uint8_t *, size_t),
		       size_t arg, int *ea, int *eb, int *ca_ok, int *cb_ok)
{
	uint8_t ma[SPAKE2_MSG_LEN], mb[SPAKE2_MSG_LEN], ca[32], cb[32];
	struct spake2 a, b;

	CHECK_INT(spake2_init_raw(&a, SPAKE2_ROLE_A, w, NULL, "a", 1, "b", 1, "x", 1), XE2E_OK);
	CHECK_INT(spake2_init_raw(&b, SPAKE2_ROLE_B, w, NULL, "a", 1, "b", 1, "x", 1), XE2E_OK);
	CHECK_INT(spake2_message(&a, ma) | spake2_message(&b, mb), XE2E_OK);
	tamper(tamper_a ? ma : mb, arg);
	*ea = spake2_process(&a, mb, sizeof(mb));
	*eb = spake2_process(&b, ma, sizeof(ma));
	*ca_ok = *cb_ok = -1;
	if (!*ea && !*eb) {
		CHECK_INT(spake2_confirm(&a, ca) | spake2_confirm(&b, cb), XE2E_OK);
		*ca_ok = spake2_verify_confirm(&a, cb, 32);
		*cb_ok = spake2_verify_confirm(&b, ca, 32);
	}
	spake2_wipe(&a);
	spake2_wipe(&b);
}

static void flip_bit(uint8_t *m, size_t bit)
{
	m[bit / 8] ^= (uint8_t)(1u << (bit % 8));
}

/* Replaces the share P by P + G (how = 0) or by -P (how = 1): valid
 * points that are not the share sent. */
static void substitute_point(uint8_t *m, size_t how)
{
	mbedtls_ecp_group grp;
	mbedtls_ecp_point p, r;
	mbedtls_mpi k;
	int err;

	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&p);
	mbedtls_ecp_point_init(&r);
	mbedtls_mpi_init(&k);
	err = p256_point_group_load(&grp);
	if (!err)
		err = p256_point_decode(&grp, &p, m, SPAKE2_MSG_LEN);
	if (!err && how == 0)
		err = p256_point_add(&grp, &r, &p, &grp.G);
	if (!err && how == 1 && mbedtls_mpi_sub_int(&k, &grp.N, 1) == 0)
		err = p256_point_mul(&grp, &r, &k, &p);
	if (!err)
		err = p256_point_encode(&grp, &r, m);
	CHECK_INT(err, XE2E_OK);
	mbedtls_mpi_free(&k);
	mbedtls_ecp_point_free(&r);
	mbedtls_ecp_point_free(&p);
	mbedtls_ecp_group_free(&grp);
}

/* Every 3rd bit of pA and of pB flipped in turn, the prefix byte's bits
 * included: refused as an encoding (prefix) or as a point (coordinates),
 * by the side that receives it. */
TEST(spake2_tampered_bits)
{
	uint8_t w[32];
	unsigned runs = 0;
	int ea, eb, ca, cb;

	CHECK_INT(rng_bytes(w, sizeof(w)), XE2E_OK);
	w[0] &= 0x7f;
	w[31] |= 1;
	for (size_t bit = 0; bit < 8 * SPAKE2_MSG_LEN; bit += 3) {
		int want = bit < 8 ? XE2E_E_MALFORMED : XE2E_E_WEAKKEY;

		for (int ta = 0; ta <= 1; ta++) {
			tamper_run(w, ta, flip_bit, bit, &ea, &eb, &ca, &cb);
			CHECK_CASE((ta ? ea : eb) == XE2E_OK, "bit %zu: the untampered side", bit);
			CHECK_CASE((ta ? eb : ea) == want, "bit %zu of %s: error %d/%d", bit,
				   ta ? "pA" : "pB", ea, eb);
			runs++;
		}
	}
	unit_note("%u shares with a flipped bit refused", runs);
}

/* A share replaced by another valid point (P + G, -P): both sides
 * compute keys, and both confirmations fail. */
TEST(spake2_tampered_points)
{
	uint8_t w[32];
	unsigned runs = 0;
	int ea, eb, ca, cb;

	CHECK_INT(rng_bytes(w, sizeof(w)), XE2E_OK);
	w[0] &= 0x7f;
	w[31] |= 1;
	for (size_t how = 0; how <= 1; how++) {
		for (int ta = 0; ta <= 1; ta++) {
			tamper_run(w, ta, substitute_point, how, &ea, &eb, &ca, &cb);
			CHECK_CASE(ea == XE2E_OK && eb == XE2E_OK, "substitution %zu: %d/%d", how, ea, eb);
			CHECK_CASE(ca == XE2E_E_AUTH && cb == XE2E_E_AUTH, "substitution %zu: %d/%d", how,
				   ca, cb);
			runs++;
		}
	}
	unit_note("%u shares replaced by other valid points: both confirmations refused", runs);
}

/* The point helpers: k·G + (n-k)·G is the identity, which is not
 * encodable; G + G = 2·G; P-256 generator checks. */
TEST(p256_point_helpers)
{
	mbedtls_ecp_group grp;
	mbedtls_ecp_point p, q, r;
	mbedtls_mpi k, nk;
	uint8_t kb[32], e1[65], e2[65];

	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&p);
	mbedtls_ecp_point_init(&q);
	mbedtls_ecp_point_init(&r);
	mbedtls_mpi_init(&k);
	mbedtls_mpi_init(&nk);
	CHECK_INT(p256_point_group_load(&grp), XE2E_OK);
	CHECK_INT(p256_scalar_random(&grp, &k), XE2E_OK);
	CHECK_INT(p256_scalar_write(&k, kb), XE2E_OK);
	CHECK_INT(p256_scalar_read(&grp, &k, kb), XE2E_OK);
	CHECK_INT(p256_scalar_negate(&grp, &nk, &k), XE2E_OK);
	CHECK_INT(p256_point_mul_base(&grp, &p, &k), XE2E_OK);
	CHECK_INT(p256_point_mul_base(&grp, &q, &nk), XE2E_OK);
	CHECK_INT(p256_point_add(&grp, &r, &p, &q), XE2E_OK);
	CHECK(p256_point_is_identity(&r));
	CHECK_INT(p256_point_encode(&grp, &r, e1), XE2E_E_WEAKKEY);
	CHECK_INT(p256_point_add(&grp, &r, &grp.G, &grp.G), XE2E_OK);
	CHECK_INT(p256_point_encode(&grp, &r, e1), XE2E_OK);
	CHECK_INT(mbedtls_mpi_lset(&k, 2), 0);
	CHECK_INT(p256_point_mul_base(&grp, &p, &k), XE2E_OK);
	CHECK_INT(p256_point_encode(&grp, &p, e2), XE2E_OK);
	CHECK_MEM(e1, e2, 65);
	CHECK_INT(p256_point_decode(&grp, &q, e2, 65), XE2E_OK);
	e2[64] ^= 1;
	CHECK_INT(p256_point_decode(&grp, &q, e2, 65), XE2E_E_WEAKKEY);
	CHECK_INT(p256_scalar_reduce(&grp, &k, (const uint8_t[48]){ 0 }, 48), XE2E_E_WEAKKEY);
	CHECK_INT(mbedtls_mpi_lset(&k, 0), 0);
	CHECK_INT(p256_scalar_negate(&grp, &nk, &k), XE2E_E_MALFORMED);
	mbedtls_mpi_free(&k);
	mbedtls_mpi_free(&nk);
	mbedtls_ecp_point_free(&p);
	mbedtls_ecp_point_free(&q);
	mbedtls_ecp_point_free(&r);
	mbedtls_ecp_group_free(&grp);
}
