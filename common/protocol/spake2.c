#include "spake2.h"

#include <string.h>

#include "err.h"
#include "hash.h"
#include "p256_point.h"
#include "util.h"

enum spake2_state {
	SPAKE2_ST_NONE = 0,  /* not initialised, or released */
	SPAKE2_ST_SHARED,    /* w, x and the own share are ready */
	SPAKE2_ST_KEYED,     /* the peer's share is processed */
	SPAKE2_ST_CONFIRMED, /* the peer's confirmation verified */
	SPAKE2_ST_FAILED,    /* final */
};

/* RFC 9382 section 6, P-256: M and N, uncompressed. */
static const uint8_t spake2_point_m[P256_POINT_LEN] = {
	0x04, 0x88, 0x6e, 0x2f, 0x97, 0xac, 0xe4, 0x6e, 0x55, 0xba, 0x9d, 0xd7, 0x24,
	0x25, 0x79, 0xf2, 0x99, 0x3b, 0x64, 0xe1, 0x6e, 0xf3, 0xdc, 0xab, 0x95, 0xaf,
	0xd4, 0x97, 0x33, 0x3d, 0x8f, 0xa1, 0x2f, 0x5f, 0xf3, 0x55, 0x16, 0x3e, 0x43,
	0xce, 0x22, 0x4e, 0x0b, 0x0e, 0x65, 0xff, 0x02, 0xac, 0x8e, 0x5c, 0x7b, 0xe0,
	0x94, 0x19, 0xc7, 0x85, 0xe0, 0xca, 0x54, 0x7d, 0x55, 0xa1, 0x2e, 0x2d, 0x20,
};
static const uint8_t spake2_point_n[P256_POINT_LEN] = {
	0x04, 0xd8, 0xbb, 0xd6, 0xc6, 0x39, 0xc6, 0x29, 0x37, 0xb0, 0x4d, 0x99, 0x7f,
	0x38, 0xc3, 0x77, 0x07, 0x19, 0xc6, 0x29, 0xd7, 0x01, 0x4d, 0x49, 0xa2, 0x4b,
	0x4f, 0x98, 0xba, 0xa1, 0x29, 0x2b, 0x49, 0x07, 0xd6, 0x0a, 0xa6, 0xbf, 0xad,
	0xe4, 0x50, 0x08, 0xa6, 0x36, 0x33, 0x7f, 0x51, 0x68, 0xc6, 0x4d, 0x9b, 0xd3,
	0x60, 0x34, 0x80, 0x8c, 0xd5, 0x64, 0x49, 0x0b, 0x1e, 0x65, 0x6e, 0xdb, 0xe7,
};

static const char spake2_w_label[] = "xe2e spake2 w";
static const char spake2_aad_label[] = "xe2e spake2 v1";
static const char spake2_conf_info[] = "ConfirmationKeys";
static const char spake2_mix_info[] = "xe2e spake2";

#define LABEL_LEN(l) (sizeof(l) - 1)

_Static_assert(LABEL_LEN(spake2_aad_label) + 8 == SPAKE2_AAD_LEN, "AAD length");

/* Wipes every secret and makes the failure final. */
static int spake2_fail(struct spake2 *s, int err)
{
	wipe(s, sizeof(*s));
	s->state = SPAKE2_ST_FAILED;
	return err;
}

static int spake2_out_of_order(struct spake2 *s, const char *what)
{
	err_detail_set("SPAKE2: %s out of order", what);
	return spake2_fail(s, XE2E_E_STATE);
}

int spake2_password(const void *secret, size_t secret_len,
		    const uint8_t handshake_hash[static SPAKE2_HH_LEN], uint32_t iterations,
		    uint8_t w[static SPAKE2_W_LEN])
{
	uint8_t salt[SPAKE2_HH_LEN + LABEL_LEN(spake2_w_label)];
	uint8_t stretched[SPAKE2_STRETCH_LEN];
	mbedtls_ecp_group grp;
	mbedtls_mpi k;
	int err;

	mbedtls_ecp_group_init(&grp);
	mbedtls_mpi_init(&k);
	memcpy(salt, handshake_hash, SPAKE2_HH_LEN);
	memcpy(salt + SPAKE2_HH_LEN, spake2_w_label, LABEL_LEN(spake2_w_label));
	if (secret_len == 0) {
		err_detail_set("the shared secret is empty");
		err = XE2E_E_MALFORMED;
		goto out;
	}
	err = pbkdf2_sha256(secret, secret_len, salt, sizeof(salt), iterations, stretched,
			    sizeof(stretched));
	if (!err)
		err = p256_point_group_load(&grp);
	if (!err)
		err = p256_scalar_reduce(&grp, &k, stretched, sizeof(stretched));
	if (!err)
		err = p256_scalar_write(&k, w);
out:
	if (err)
		wipe(w, SPAKE2_W_LEN);
	wipe(stretched, sizeof(stretched));
	mbedtls_mpi_free(&k);
	mbedtls_ecp_group_free(&grp);
	return err;
}

void spake2_aad(uint64_t epoch, uint8_t aad[static SPAKE2_AAD_LEN])
{
	memcpy(aad, spake2_aad_label, LABEL_LEN(spake2_aad_label));
	put_be64(aad + LABEL_LEN(spake2_aad_label), epoch);
}

/* The group, the scalars and the working points of one step. */
struct spake2_math {
	mbedtls_ecp_group grp;
	mbedtls_mpi w, x, t;
	mbedtls_ecp_point mask, a, b, r;
};

static void spake2_math_free(struct spake2_math *m)
{
	mbedtls_mpi_free(&m->w); /* mbedtls_mpi_free zeroizes */
	mbedtls_mpi_free(&m->x);
	mbedtls_mpi_free(&m->t);
	mbedtls_ecp_point_free(&m->mask);
	mbedtls_ecp_point_free(&m->a);
	mbedtls_ecp_point_free(&m->b);
	mbedtls_ecp_point_free(&m->r);
	mbedtls_ecp_group_free(&m->grp);
}

/* Loads the group, w, and the mask point M (own) or N (peer's) of A. */
static int spake2_math_init(struct spake2_math *m, const struct spake2 *s, int own_mask)
{
	int mask_m = (s->role == SPAKE2_ROLE_A) == own_mask;
	int err;

	mbedtls_ecp_group_init(&m->grp);
	mbedtls_mpi_init(&m->w);
	mbedtls_mpi_init(&m->x);
	mbedtls_mpi_init(&m->t);
	mbedtls_ecp_point_init(&m->mask);
	mbedtls_ecp_point_init(&m->a);
	mbedtls_ecp_point_init(&m->b);
	mbedtls_ecp_point_init(&m->r);
	err = p256_point_group_load(&m->grp);
	if (!err)
		err = p256_scalar_read(&m->grp, &m->w, s->w);
	if (!err)
		err = p256_point_decode_fixed(&m->grp, &m->mask,
					      mask_m ? spake2_point_m : spake2_point_n);
	return err;
}

/* x (fixed or random) and the own share x·G + w·M (A) or x·G + w·N (B). */
static int spake2_share_make(struct spake2 *s, const uint8_t *scalar)
{
	struct spake2_math m;
	int err = spake2_math_init(&m, s, 1);

	if (!err)
		err = scalar ? p256_scalar_read(&m.grp, &m.x, scalar) : p256_scalar_random(&m.grp, &m.x);
	if (!err)
		err = p256_point_mul_base(&m.grp, &m.a, &m.x);
	if (!err)
		err = p256_point_mul(&m.grp, &m.b, &m.w, &m.mask);
	if (!err)
		err = p256_point_add(&m.grp, &m.r, &m.a, &m.b);
	if (!err)
		err = p256_point_encode(&m.grp, &m.r, s->share);
	if (!err)
		err = p256_scalar_write(&m.x, s->x);
	spake2_math_free(&m);
	return err;
}

static int spake2_copy_in(uint8_t *dst, size_t *dst_len, size_t max, const void *src, size_t len,
			  const char *what)
{
	if (len > max) {
		err_detail_set("SPAKE2 %s of %zu bytes exceeds %zu", what, len, max);
		return XE2E_E_LIMIT;
	}
	if (len)
		memcpy(dst, src, len);
	*dst_len = len;
	return XE2E_OK;
}

int spake2_init_raw(struct spake2 *s, enum spake2_role role, const uint8_t w[static SPAKE2_W_LEN],
		    const uint8_t *scalar, const void *id_a, size_t id_a_len, const void *id_b,
		    size_t id_b_len, const void *aad, size_t aad_len)
{
	int err = XE2E_OK;

	memset(s, 0, sizeof(*s));
	s->role = role;
	if (role != SPAKE2_ROLE_A && role != SPAKE2_ROLE_B) {
		err_detail_set("SPAKE2 role %d is neither A nor B", (int)role);
		err = XE2E_E_MALFORMED;
	}
	if (!err)
		err = spake2_copy_in(s->id_a, &s->id_a_len, SPAKE2_ID_MAX, id_a, id_a_len, "identity A");
	if (!err)
		err = spake2_copy_in(s->id_b, &s->id_b_len, SPAKE2_ID_MAX, id_b, id_b_len, "identity B");
	if (!err)
		err = spake2_copy_in(s->aad, &s->aad_len, SPAKE2_AAD_MAX, aad, aad_len, "AAD");
	memcpy(s->w, w, SPAKE2_W_LEN);
	if (!err)
		err = spake2_share_make(s, scalar);
	if (err)
		return spake2_fail(s, err);
	s->state = SPAKE2_ST_SHARED;
	return XE2E_OK;
}

int spake2_init(struct spake2 *s, enum spake2_role role, const struct spake2_params *p)
{
	uint8_t w[SPAKE2_W_LEN], aad[SPAKE2_AAD_LEN];
	int err;

	memset(s, 0, sizeof(*s));
	if (!p->handshake_hash || !p->id_a || !p->id_b) {
		err_detail_set("SPAKE2 needs the handshake hash and both identities");
		return spake2_fail(s, XE2E_E_MALFORMED);
	}
	err = spake2_password(p->secret, p->secret_len, p->handshake_hash,
			      p->iterations ? p->iterations : SPAKE2_ITERATIONS, w);
	spake2_aad(p->epoch, aad);
	if (err)
		spake2_fail(s, err);
	else
		err = spake2_init_raw(s, role, w, NULL, p->id_a, SPAKE2_ID_LEN, p->id_b,
				      SPAKE2_ID_LEN, aad, sizeof(aad));
	wipe(w, sizeof(w));
	return err;
}

int spake2_message(const struct spake2 *s, uint8_t out[static SPAKE2_MSG_LEN])
{
	if (s->state != SPAKE2_ST_SHARED && s->state != SPAKE2_ST_KEYED &&
	    s->state != SPAKE2_ST_CONFIRMED) {
		err_detail_set("SPAKE2: no share in this state");
		return XE2E_E_STATE;
	}
	memcpy(out, s->share, SPAKE2_MSG_LEN);
	return XE2E_OK;
}

/* K = x·(peer - w·N) for A, x·(peer - w·M) for B; -w·X is (n - w)·X. */
static int spake2_k_compute(const struct spake2 *s, const uint8_t *msg, size_t len,
			    uint8_t k[static SPAKE2_MSG_LEN])
{
	struct spake2_math m;
	int err = spake2_math_init(&m, s, 0);

	if (!err)
		err = p256_scalar_read(&m.grp, &m.x, s->x);
	if (!err)
		err = p256_point_decode(&m.grp, &m.a, msg, len);
	if (!err)
		err = p256_scalar_negate(&m.grp, &m.t, &m.w);
	if (!err)
		err = p256_point_mul(&m.grp, &m.b, &m.t, &m.mask);
	if (!err)
		err = p256_point_add(&m.grp, &m.r, &m.a, &m.b);
	if (!err && p256_point_is_identity(&m.r)) {
		err_detail_set("the peer's SPAKE2 share is w·%s: K would be the identity",
			       s->role == SPAKE2_ROLE_A ? "N" : "M");
		err = XE2E_E_WEAKKEY;
	}
	if (!err)
		err = p256_point_mul(&m.grp, &m.b, &m.x, &m.r);
	if (!err)
		err = p256_point_encode(&m.grp, &m.b, k); /* the identity is XE2E_E_WEAKKEY */
	spake2_math_free(&m);
	return err;
}

static size_t spake2_tt_put(uint8_t *tt, size_t off, const void *p, size_t n)
{
	put_le64(tt + off, (uint64_t)n);
	if (n)
		memcpy(tt + off + 8, p, n);
	return off + 8 + n;
}

/* TT = A, B, pA, pB, K, w, each with its 8-byte little-endian length. */
static size_t spake2_tt_build(const struct spake2 *s, const uint8_t *peer,
			      const uint8_t k[static SPAKE2_MSG_LEN], uint8_t tt[static SPAKE2_TT_MAX])
{
	const uint8_t *pa = s->role == SPAKE2_ROLE_A ? s->share : peer;
	const uint8_t *pb = s->role == SPAKE2_ROLE_A ? peer : s->share;
	size_t off = 0;

	off = spake2_tt_put(tt, off, s->id_a, s->id_a_len);
	off = spake2_tt_put(tt, off, s->id_b, s->id_b_len);
	off = spake2_tt_put(tt, off, pa, SPAKE2_MSG_LEN);
	off = spake2_tt_put(tt, off, pb, SPAKE2_MSG_LEN);
	off = spake2_tt_put(tt, off, k, SPAKE2_MSG_LEN);
	return spake2_tt_put(tt, off, s->w, SPAKE2_W_LEN);
}

/* Ke || Ka = SHA-256(TT); KcA || KcB = HKDF(Ka); both confirmations. */
static int spake2_keys_derive(struct spake2 *s, const uint8_t *tt, size_t tt_len,
			      struct spake2_trace *t)
{
	uint8_t h[32], kc[32], conf_a[SPAKE2_CONF_LEN], conf_b[SPAKE2_CONF_LEN];
	uint8_t info[LABEL_LEN(spake2_conf_info) + SPAKE2_AAD_MAX];
	int a = s->role == SPAKE2_ROLE_A;
	int err;

	memcpy(info, spake2_conf_info, LABEL_LEN(spake2_conf_info));
	if (s->aad_len)
		memcpy(info + LABEL_LEN(spake2_conf_info), s->aad, s->aad_len);
	err = hash(HASH_SHA256, tt, tt_len, h);
	if (!err)
		err = hkdf(HASH_SHA256, NULL, 0, h + 16, 16, info,
			   LABEL_LEN(spake2_conf_info) + s->aad_len, kc, sizeof(kc));
	if (!err)
		err = hmac(HASH_SHA256, kc, 16, tt, tt_len, conf_a);
	if (!err)
		err = hmac(HASH_SHA256, kc + 16, 16, tt, tt_len, conf_b);
	if (!err) {
		memcpy(s->ke, h, SPAKE2_KEY_LEN);
		memcpy(s->conf_own, a ? conf_a : conf_b, SPAKE2_CONF_LEN);
		memcpy(s->conf_peer, a ? conf_b : conf_a, SPAKE2_CONF_LEN);
	}
	if (!err && t) {
		memcpy(t->hash_tt, h, sizeof(h));
		memcpy(t->kc, kc, sizeof(kc));
		memcpy(t->conf_a, conf_a, sizeof(conf_a));
		memcpy(t->conf_b, conf_b, sizeof(conf_b));
	}
	wipe(h, sizeof(h));
	wipe(kc, sizeof(kc));
	wipe(conf_a, sizeof(conf_a));
	wipe(conf_b, sizeof(conf_b));
	return err;
}

static void spake2_trace_points(const struct spake2 *s, const uint8_t *peer, const uint8_t *k,
				const uint8_t *tt, size_t tt_len, struct spake2_trace *t)
{
	int a = s->role == SPAKE2_ROLE_A;

	memcpy(t->pa, a ? s->share : peer, SPAKE2_MSG_LEN);
	memcpy(t->pb, a ? peer : s->share, SPAKE2_MSG_LEN);
	memcpy(t->k, k, SPAKE2_MSG_LEN);
	memcpy(t->tt, tt, tt_len);
	t->tt_len = tt_len;
}

int spake2_process_trace(struct spake2 *s, const uint8_t *msg, size_t len,
			 struct spake2_trace *t)
{
	uint8_t k[SPAKE2_MSG_LEN], tt[SPAKE2_TT_MAX];
	size_t tt_len = 0;
	int err;

	if (s->state != SPAKE2_ST_SHARED)
		return spake2_out_of_order(s, "processing a share");
	err = spake2_k_compute(s, msg, len, k);
	if (!err) {
		tt_len = spake2_tt_build(s, msg, k, tt);
		err = spake2_keys_derive(s, tt, tt_len, t);
	}
	if (!err && t)
		spake2_trace_points(s, msg, k, tt, tt_len, t);
	wipe(k, sizeof(k));
	wipe(tt, sizeof(tt));
	if (err)
		return spake2_fail(s, err);
	wipe(s->w, sizeof(s->w));
	wipe(s->x, sizeof(s->x));
	s->state = SPAKE2_ST_KEYED;
	return XE2E_OK;
}

int spake2_process(struct spake2 *s, const uint8_t *msg, size_t len)
{
	return spake2_process_trace(s, msg, len, NULL);
}

int spake2_confirm(const struct spake2 *s, uint8_t out[static SPAKE2_CONF_LEN])
{
	if (s->state != SPAKE2_ST_KEYED && s->state != SPAKE2_ST_CONFIRMED) {
		err_detail_set("SPAKE2: no confirmation before the peer's share");
		return XE2E_E_STATE;
	}
	memcpy(out, s->conf_own, SPAKE2_CONF_LEN);
	return XE2E_OK;
}

int spake2_verify_confirm(struct spake2 *s, const uint8_t *conf, size_t len)
{
	if (s->state != SPAKE2_ST_KEYED)
		return spake2_out_of_order(s, "verifying a confirmation");
	if (len != SPAKE2_CONF_LEN) {
		err_detail_set("SPAKE2 confirmation of %zu bytes, not %d", len, SPAKE2_CONF_LEN);
		return spake2_fail(s, XE2E_E_MALFORMED);
	}
	if (!ct_equal(conf, s->conf_peer, SPAKE2_CONF_LEN)) {
		err_detail_set("the peer's SPAKE2 confirmation does not match: "
			       "a different secret, or an attack");
		return spake2_fail(s, XE2E_E_AUTH);
	}
	wipe(s->conf_peer, sizeof(s->conf_peer));
	s->state = SPAKE2_ST_CONFIRMED;
	return XE2E_OK;
}

int spake2_key(const struct spake2 *s, uint8_t ke[static SPAKE2_KEY_LEN])
{
	if (s->state != SPAKE2_ST_CONFIRMED) {
		err_detail_set("SPAKE2: no key before the peer's confirmation");
		return XE2E_E_STATE;
	}
	memcpy(ke, s->ke, SPAKE2_KEY_LEN);
	return XE2E_OK;
}

void spake2_wipe(struct spake2 *s)
{
	wipe(s, sizeof(*s));
}

int spake2_mix_rs(const uint8_t rs[static SPAKE2_RS_LEN], const uint8_t ke[static SPAKE2_KEY_LEN],
		  uint8_t out[static SPAKE2_RS_LEN])
{
	/* mbedtls_hkdf reads the salt before it writes the output, so out may
	 * be rs. */
	return hkdf(HASH_SHA256, rs, SPAKE2_RS_LEN, ke, SPAKE2_KEY_LEN, spake2_mix_info,
		    LABEL_LEN(spake2_mix_info), out, SPAKE2_RS_LEN);
}

/* Both shares, both processed, both confirmations exchanged. */
static int spake2_vector_run(struct spake2 *a, struct spake2 *b, struct spake2_trace trace[static 2])
{
	uint8_t pa[SPAKE2_MSG_LEN], pb[SPAKE2_MSG_LEN], ca[SPAKE2_CONF_LEN], cb[SPAKE2_CONF_LEN];
	int err = spake2_message(a, pa);

	if (!err)
		err = spake2_message(b, pb);
	if (!err)
		err = spake2_process_trace(a, pb, sizeof(pb), &trace[0]);
	if (!err)
		err = spake2_process_trace(b, pa, sizeof(pa), &trace[1]);
	if (!err)
		err = spake2_confirm(a, ca);
	if (!err)
		err = spake2_confirm(b, cb);
	if (!err)
		err = spake2_verify_confirm(a, cb, sizeof(cb));
	if (!err)
		err = spake2_verify_confirm(b, ca, sizeof(ca));
	return err;
}

int spake2_vector(const uint8_t w[static SPAKE2_W_LEN], const uint8_t x[static SPAKE2_W_LEN],
		  const uint8_t y[static SPAKE2_W_LEN], const void *id_a, size_t id_a_len,
		  const void *id_b, size_t id_b_len, const void *aad, size_t aad_len,
		  struct spake2_trace trace[static 2])
{
	struct spake2 a, b;
	int err;

	memset(&b, 0, sizeof(b));
	err = spake2_init_raw(&a, SPAKE2_ROLE_A, w, x, id_a, id_a_len, id_b, id_b_len, aad, aad_len);
	if (!err)
		err = spake2_init_raw(&b, SPAKE2_ROLE_B, w, y, id_a, id_a_len, id_b, id_b_len, aad,
				      aad_len);
	if (!err)
		err = spake2_vector_run(&a, &b, trace);
	spake2_wipe(&a);
	spake2_wipe(&b);
	return err;
}
