#include "dh.h"

#include <mbedtls/ecp.h>

#include "err.h"
#include "rng.h"
#include "util.h"

/* RFC 7748 section 5: the scalar as X25519 decodes it. */
static void x25519_clamp(uint8_t k[static X25519_LEN])
{
	k[0] &= 248;
	k[31] &= 127;
	k[31] |= 64;
}

static int x25519_map_error(int ret)
{
	if (ret == MBEDTLS_ERR_MPI_ALLOC_FAILED)
		return XE2E_E_NOMEM;
	if (ret == MBEDTLS_ERR_ECP_INVALID_KEY) {
		err_detail_set("low-order or invalid X25519 public key");
		return XE2E_E_WEAKKEY;
	}
	err_detail_set("X25519 failed (-0x%04x)", (unsigned)-ret);
	return XE2E_E_CRYPTO;
}

/*
 * out = X25519(priv, u), or X25519(priv, 9) when u is NULL. mbedTLS reads
 * the little-endian u itself and refuses the low-order points it knows of
 * (MBEDTLS_ERR_ECP_INVALID_KEY).
 */
static int x25519_mul(uint8_t out[static X25519_LEN], const uint8_t priv[static X25519_LEN],
		      const uint8_t *u)
{
	uint8_t k[X25519_LEN], ub[X25519_LEN];
	mbedtls_ecp_group grp;
	mbedtls_ecp_point p, r;
	mbedtls_mpi d;
	int ret;

	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&p);
	mbedtls_ecp_point_init(&r);
	mbedtls_mpi_init(&d);
	for (size_t i = 0; i < X25519_LEN; i++)
		k[i] = priv[i];
	x25519_clamp(k);
	ret = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_CURVE25519);
	if (ret == 0)
		ret = mbedtls_mpi_read_binary_le(&d, k, X25519_LEN);
	if (ret == 0 && u) {
		for (size_t i = 0; i < X25519_LEN; i++)
			ub[i] = u[i];
		ub[31] &= 0x7f; /* RFC 7748: mask the most significant bit */
		ret = mbedtls_ecp_point_read_binary(&grp, &p, ub, X25519_LEN);
	}
	if (ret == 0)
		ret = mbedtls_ecp_mul(&grp, &r, &d, u ? &p : &grp.G, rng_mbedtls, NULL);
	if (ret == 0)
		ret = mbedtls_mpi_write_binary_le(&r.X, out, X25519_LEN);
	wipe(k, sizeof(k));
	mbedtls_mpi_free(&d); /* zeroizes */
	mbedtls_ecp_point_free(&r);
	mbedtls_ecp_point_free(&p);
	mbedtls_ecp_group_free(&grp);
	if (ret != 0) {
		wipe(out, X25519_LEN);
		return x25519_map_error(ret);
	}
	return XE2E_OK;
}

int x25519_keypair(uint8_t priv[static X25519_LEN], uint8_t pub[static X25519_LEN])
{
	int err = rng_bytes(priv, X25519_LEN);

	if (err == XE2E_OK) {
		x25519_clamp(priv);
		err = x25519_public(pub, priv);
	}
	if (err)
		wipe(priv, X25519_LEN);
	return err;
}

int x25519_public(uint8_t pub[static X25519_LEN], const uint8_t priv[static X25519_LEN])
{
	return x25519_mul(pub, priv, NULL);
}

int x25519_shared(uint8_t out[static X25519_LEN], const uint8_t priv[static X25519_LEN],
		  const uint8_t pub[static X25519_LEN])
{
	int err = x25519_mul(out, priv, pub);

	if (err == XE2E_OK && ct_is_zero(out, X25519_LEN)) {
		err_detail_set("X25519 shared secret is zero (low-order public key)");
		err = XE2E_E_WEAKKEY;
	}
	return err;
}
