/* X25519 by mbedTLS (mbedtls_ecp_mul on Curve25519): kept to be compared
 * with libsodium's in the benchmarks and tests (dh_provider.h). */
#include "dh_provider.h"

#include <mbedtls/ecp.h>

#include "err.h"
#include "rng.h"
#include "util.h"

static int mbedtls_map_error(int ret)
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

/* mbedTLS reads the little-endian u itself and refuses the low-order
 * points it knows of (MBEDTLS_ERR_ECP_INVALID_KEY). */
static int mbedtls_mul(uint8_t out[static X25519_LEN], const uint8_t k[static X25519_LEN],
		       const uint8_t *u)
{
	mbedtls_ecp_group grp;
	mbedtls_ecp_point p, r;
	mbedtls_mpi d;
	int ret;

	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&p);
	mbedtls_ecp_point_init(&r);
	mbedtls_mpi_init(&d);
	ret = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_CURVE25519);
	if (ret == 0)
		ret = mbedtls_mpi_read_binary_le(&d, k, X25519_LEN);
	if (ret == 0 && u)
		ret = mbedtls_ecp_point_read_binary(&grp, &p, u, X25519_LEN);
	if (ret == 0)
		ret = mbedtls_ecp_mul(&grp, &r, &d, u ? &p : &grp.G, rng_mbedtls, NULL);
	if (ret == 0)
		ret = mbedtls_mpi_write_binary_le(&r.X, out, X25519_LEN);
	mbedtls_mpi_free(&d); /* zeroizes */
	mbedtls_ecp_point_free(&r);
	mbedtls_ecp_point_free(&p);
	mbedtls_ecp_group_free(&grp);
	return ret ? mbedtls_map_error(ret) : XE2E_OK;
}

const struct x25519_provider x25519_mbedtls = {"mbedTLS", mbedtls_mul};
