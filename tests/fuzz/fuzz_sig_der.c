/*
 * DER signatures (sig.h; tests/vectors/SOURCES.md on mbedTLS's lax parser): p256_verify_der() must accept
 * exactly the canonical DER of a valid (r, s) and nothing else, whatever
 * mbedTLS's lenient reader would take.
 *
 * Random bytes are never a valid signature under a fixed key, so the
 * target makes one valid for whatever (r, s) the input holds: it recovers
 * the public key Q for which (r, s) signs the fixed message (ECDSA public
 * key recovery, Q = r^-1 (s R - z G) with R the point of x-coordinate r,
 * all in mbedTLS arithmetic). Every encoding of (r, s) is then checked
 * against a key under which the signature itself is good: the canonical one
 * must verify, every other must be refused.
 */
#include "fuzz.h"

#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/bignum.h>
#include <mbedtls/ecp.h>

#include "err.h"
#include "hash.h"
#include "sig.h"

#define FZ_SIG_MSG "xe2e fuzz: a message signed by whoever"

/* The canonical DER INTEGER of the unsigned big-endian x[0..32). */
static size_t fz_sig_der_int(const uint8_t x[static 32], uint8_t *out)
{
	size_t i = 0, n;

	while (i < 31 && x[i] == 0)
		i++;
	n = 32 - i;
	out[0] = 0x02;
	if (x[i] & 0x80) {
		out[1] = (uint8_t)(n + 1);
		out[2] = 0;
		memcpy(out + 3, x + i, n);
		return n + 3;
	}
	out[1] = (uint8_t)n;
	memcpy(out + 2, x + i, n);
	return n + 2;
}

/* The canonical DER of r || s (at most 72 bytes). */
static size_t fz_sig_der(const uint8_t sig[static 64], uint8_t out[static 72])
{
	size_t n = fz_sig_der_int(sig, out + 2);

	n += fz_sig_der_int(sig + 32, out + 2 + n);
	out[0] = 0x30;
	out[1] = (uint8_t)n;
	return n + 2;
}

/* (r, s) as mbedTLS's BER reader sees them: 0, or -1 when it cannot, or
 * when a value does not fit 32 bytes. */
static int fz_sig_lenient(const uint8_t *data, size_t size, uint8_t sig[static 64])
{
	unsigned char *p = (unsigned char *)data, *end = p + size;
	mbedtls_mpi r, s;
	size_t len;
	int ret;

	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	ret = mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
	if (ret == 0)
		end = p + len;
	if (ret == 0)
		ret = mbedtls_asn1_get_mpi(&p, end, &r);
	if (ret == 0)
		ret = mbedtls_asn1_get_mpi(&p, end, &s);
	if (ret == 0)
		ret = mbedtls_mpi_write_binary(&r, sig, 32);
	if (ret == 0)
		ret = mbedtls_mpi_write_binary(&s, sig + 32, 32);
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
	return ret == 0 ? 0 : -1;
}

/* y of the P-256 point with x-coordinate x (a = -3): y = t^((p+1)/4). */
static int fz_sig_lift_x(const mbedtls_ecp_group *grp, const mbedtls_mpi *x, mbedtls_mpi *y)
{
	mbedtls_mpi t, u, e;
	int ret;

	mbedtls_mpi_init(&t);
	mbedtls_mpi_init(&u);
	mbedtls_mpi_init(&e);
	ret = mbedtls_mpi_mul_mpi(&t, x, x);
	if (ret == 0)
		ret = mbedtls_mpi_sub_int(&t, &t, 3);
	if (ret == 0)
		ret = mbedtls_mpi_mul_mpi(&t, &t, x);
	if (ret == 0)
		ret = mbedtls_mpi_add_mpi(&t, &t, &grp->B);
	if (ret == 0)
		ret = mbedtls_mpi_mod_mpi(&t, &t, &grp->P);
	if (ret == 0)
		ret = mbedtls_mpi_add_int(&e, &grp->P, 1);
	if (ret == 0)
		ret = mbedtls_mpi_shift_r(&e, 2);
	if (ret == 0)
		ret = mbedtls_mpi_exp_mod(y, &t, &e, &grp->P, NULL);
	if (ret == 0)
		ret = mbedtls_mpi_mul_mpi(&u, y, y);
	if (ret == 0)
		ret = mbedtls_mpi_mod_mpi(&u, &u, &grp->P);
	if (ret == 0 && mbedtls_mpi_cmp_mpi(&u, &t) != 0)
		ret = -1; /* x is not on the curve */
	mbedtls_mpi_free(&t);
	mbedtls_mpi_free(&u);
	mbedtls_mpi_free(&e);
	return ret;
}

/* u1 = -z / r and u2 = s / r modulo n. */
static int fz_sig_scalars(const mbedtls_ecp_group *grp, const mbedtls_mpi *r, const mbedtls_mpi *s,
			  const uint8_t z[static 32], mbedtls_mpi *u1, mbedtls_mpi *u2)
{
	mbedtls_mpi rinv, zz;
	int ret;

	mbedtls_mpi_init(&rinv);
	mbedtls_mpi_init(&zz);
	ret = mbedtls_mpi_inv_mod(&rinv, r, &grp->N);
	if (ret == 0)
		ret = mbedtls_mpi_read_binary(&zz, z, 32);
	if (ret == 0)
		ret = mbedtls_mpi_mul_mpi(u1, &zz, &rinv);
	if (ret == 0)
		ret = mbedtls_mpi_mod_mpi(u1, u1, &grp->N);
	if (ret == 0 && mbedtls_mpi_cmp_int(u1, 0) != 0)
		ret = mbedtls_mpi_sub_mpi(u1, &grp->N, u1);
	if (ret == 0)
		ret = mbedtls_mpi_mul_mpi(u2, s, &rinv);
	if (ret == 0)
		ret = mbedtls_mpi_mod_mpi(u2, u2, &grp->N);
	mbedtls_mpi_free(&rinv);
	mbedtls_mpi_free(&zz);
	return ret;
}

/* The key under which r || s signs FZ_SIG_MSG; -1 when there is none
 * (r or s out of range, no point with x = r, or Q at infinity). */
static int fz_sig_recover(const uint8_t sig[static 64], uint8_t pub[static P256_PUB_LEN])
{
	mbedtls_ecp_group grp;
	mbedtls_ecp_point R, Q;
	mbedtls_mpi r, s, u1, u2;
	uint8_t z[32];
	size_t olen = 0;
	int ret;

	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&R);
	mbedtls_ecp_point_init(&Q);
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	mbedtls_mpi_init(&u1);
	mbedtls_mpi_init(&u2);
	ret = hash(HASH_SHA256, FZ_SIG_MSG, strlen(FZ_SIG_MSG), z) ? -1 : 0;
	if (ret == 0)
		ret = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1);
	if (ret == 0)
		ret = mbedtls_mpi_read_binary(&r, sig, 32);
	if (ret == 0)
		ret = mbedtls_mpi_read_binary(&s, sig + 32, 32);
	if (ret == 0 && (mbedtls_mpi_cmp_int(&r, 1) < 0 || mbedtls_mpi_cmp_mpi(&r, &grp.N) >= 0 ||
			 mbedtls_mpi_cmp_int(&s, 1) < 0 || mbedtls_mpi_cmp_mpi(&s, &grp.N) >= 0))
		ret = -1;
	if (ret == 0)
		ret = mbedtls_mpi_copy(&R.X, &r);
	if (ret == 0)
		ret = fz_sig_lift_x(&grp, &r, &R.Y);
	if (ret == 0)
		ret = mbedtls_mpi_lset(&R.Z, 1);
	if (ret == 0)
		ret = fz_sig_scalars(&grp, &r, &s, z, &u1, &u2);
	if (ret == 0)
		ret = mbedtls_ecp_muladd(&grp, &Q, &u1, &grp.G, &u2, &R);
	if (ret == 0 && mbedtls_ecp_is_zero(&Q))
		ret = -1;
	if (ret == 0)
		ret = mbedtls_ecp_point_write_binary(&grp, &Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen,
						     pub, P256_PUB_LEN);
	if (ret == 0 && olen != P256_PUB_LEN)
		ret = -1;
	mbedtls_ecp_group_free(&grp);
	mbedtls_ecp_point_free(&R);
	mbedtls_ecp_point_free(&Q);
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
	mbedtls_mpi_free(&u1);
	mbedtls_mpi_free(&u2);
	return ret == 0 ? 0 : -1;
}

/* The generator of P-256: a valid key when no better one is known. */
static const uint8_t fz_sig_g[P256_PUB_LEN] = {
	0x04, 0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63,
	0xa4, 0x40, 0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39,
	0x45, 0xd8, 0x98, 0xc2, 0x96, 0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e,
	0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16, 0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e,
	0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5,
};

int fuzz_sig_der(const uint8_t *data, size_t size)
{
	uint8_t sig[64], pub[P256_PUB_LEN], canon[72];
	size_t canon_len = 0;
	int have_sig = fz_sig_lenient(data, size, sig) == 0;
	int have_key = have_sig && fz_sig_recover(sig, pub) == 0;
	int canonical, err;

	if (have_sig)
		canon_len = fz_sig_der(sig, canon);
	canonical = have_sig && canon_len == size && memcmp(canon, data, size) == 0;
	if (!have_key)
		memcpy(pub, fz_sig_g, sizeof(pub));
	err = p256_verify_der(pub, FZ_SIG_MSG, strlen(FZ_SIG_MSG), data, size);
	if (canonical && have_key) {
		FUZZ_CHECK(err == XE2E_OK);
		FUZZ_CHECK(p256_verify(pub, FZ_SIG_MSG, strlen(FZ_SIG_MSG), sig) == XE2E_OK);
	} else {
		FUZZ_CHECK(err == XE2E_E_AUTH);
	}
	/* The same (r, s) in its canonical form verifies: the refusal above
	 * was for the encoding, not for the signature. */
	if (have_key && !canonical)
		FUZZ_CHECK(p256_verify_der(pub, FZ_SIG_MSG, strlen(FZ_SIG_MSG), canon, canon_len) ==
			   XE2E_OK);
	return 0;
}
