#include "p256_point.h"

#include "err.h"
#include "rng.h"

static int p256_point_error(int ret, const char *what)
{
	if (ret == MBEDTLS_ERR_MPI_ALLOC_FAILED || ret == MBEDTLS_ERR_ECP_ALLOC_FAILED)
		return XE2E_E_NOMEM;
	err_detail_set("P-256 %s failed (-0x%04x)", what, (unsigned)-ret);
	return XE2E_E_CRYPTO;
}

int p256_point_group_load(mbedtls_ecp_group *grp)
{
	int ret = mbedtls_ecp_group_load(grp, MBEDTLS_ECP_DP_SECP256R1);

	return ret ? p256_point_error(ret, "group setup") : XE2E_OK;
}

/* The shape of an encoding, before any arithmetic. */
static int p256_point_check_encoding(const uint8_t *in, size_t len)
{
	if (len == 1 && in[0] == 0x00) {
		err_detail_set("the point at infinity is not a valid share");
		return XE2E_E_WEAKKEY;
	}
	if (len == P256_POINT_LEN / 2 + 1 && (in[0] == 0x02 || in[0] == 0x03)) {
		err_detail_set("compressed P-256 point: only uncompressed points are accepted");
		return XE2E_E_MALFORMED;
	}
	if (len != P256_POINT_LEN || in[0] != 0x04) {
		err_detail_set("not a 65-byte uncompressed P-256 point (%zu bytes)", len);
		return XE2E_E_MALFORMED;
	}
	return XE2E_OK;
}

int p256_point_decode(const mbedtls_ecp_group *grp, mbedtls_ecp_point *pt, const uint8_t *in,
		      size_t len)
{
	int ret, err = p256_point_check_encoding(in, len);

	if (err)
		return err;
	ret = mbedtls_ecp_point_read_binary(grp, pt, in, len);
	if (ret == MBEDTLS_ERR_MPI_ALLOC_FAILED)
		return XE2E_E_NOMEM;
	if (ret != 0 || mbedtls_ecp_check_pubkey(grp, pt) != 0) {
		err_detail_set("not a point of P-256 (off the curve or a coordinate >= p)");
		return XE2E_E_WEAKKEY;
	}
	return XE2E_OK;
}

int p256_point_decode_fixed(const mbedtls_ecp_group *grp, mbedtls_ecp_point *pt,
			    const uint8_t in[static P256_POINT_LEN])
{
	return p256_point_decode(grp, pt, in, P256_POINT_LEN);
}

int p256_point_encode(const mbedtls_ecp_group *grp, const mbedtls_ecp_point *pt,
		      uint8_t out[static P256_POINT_LEN])
{
	size_t olen = 0;
	int ret;

	if (p256_point_is_identity(pt)) {
		err_detail_set("the result is the point at infinity");
		return XE2E_E_WEAKKEY;
	}
	ret = mbedtls_ecp_point_write_binary(grp, pt, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, out,
					     P256_POINT_LEN);
	if (ret == 0 && olen != P256_POINT_LEN)
		ret = MBEDTLS_ERR_ECP_BAD_INPUT_DATA;
	return ret ? p256_point_error(ret, "point encoding") : XE2E_OK;
}

int p256_point_mul(mbedtls_ecp_group *grp, mbedtls_ecp_point *r, const mbedtls_mpi *k,
		   const mbedtls_ecp_point *p)
{
	int ret = mbedtls_ecp_mul(grp, r, k, p, rng_mbedtls, NULL);

	return ret ? p256_point_error(ret, "scalar multiplication") : XE2E_OK;
}

int p256_point_mul_base(mbedtls_ecp_group *grp, mbedtls_ecp_point *r, const mbedtls_mpi *k)
{
	return p256_point_mul(grp, r, k, &grp->G);
}

int p256_point_add(mbedtls_ecp_group *grp, mbedtls_ecp_point *r, const mbedtls_ecp_point *p,
		   const mbedtls_ecp_point *q)
{
	mbedtls_mpi one;
	int ret;

	mbedtls_mpi_init(&one);
	ret = mbedtls_mpi_lset(&one, 1);
	if (ret == 0)
		ret = mbedtls_ecp_muladd(grp, r, &one, p, &one, q);
	mbedtls_mpi_free(&one);
	return ret ? p256_point_error(ret, "point addition") : XE2E_OK;
}

int p256_point_is_identity(const mbedtls_ecp_point *pt)
{
	/* mbedtls_ecp_is_zero only reads Z; its parameter is not const. */
	return mbedtls_mpi_cmp_int(&pt->Z, 0) == 0;
}

int p256_scalar_read(const mbedtls_ecp_group *grp, mbedtls_mpi *k,
		     const uint8_t in[static P256_SCALAR_LEN])
{
	int ret = mbedtls_mpi_read_binary(k, in, P256_SCALAR_LEN);

	if (ret != 0)
		return p256_point_error(ret, "scalar decoding");
	if (mbedtls_ecp_check_privkey(grp, k) != 0) {
		err_detail_set("P-256 scalar not in [1, n-1]");
		return XE2E_E_MALFORMED;
	}
	return XE2E_OK;
}

int p256_scalar_write(const mbedtls_mpi *k, uint8_t out[static P256_SCALAR_LEN])
{
	int ret = mbedtls_mpi_write_binary(k, out, P256_SCALAR_LEN);

	return ret ? p256_point_error(ret, "scalar encoding") : XE2E_OK;
}

int p256_scalar_random(const mbedtls_ecp_group *grp, mbedtls_mpi *k)
{
	int ret = mbedtls_ecp_gen_privkey(grp, k, rng_mbedtls, NULL);

	return ret ? p256_point_error(ret, "random scalar") : XE2E_OK;
}

int p256_scalar_reduce(const mbedtls_ecp_group *grp, mbedtls_mpi *k, const uint8_t *in,
		       size_t len)
{
	mbedtls_mpi t;
	int ret;

	mbedtls_mpi_init(&t);
	ret = mbedtls_mpi_read_binary(&t, in, len);
	if (ret == 0)
		ret = mbedtls_mpi_mod_mpi(k, &t, &grp->N);
	mbedtls_mpi_free(&t); /* zeroizes */
	if (ret != 0)
		return p256_point_error(ret, "scalar reduction");
	if (mbedtls_mpi_cmp_int(k, 0) == 0) {
		err_detail_set("the stretched secret is 0 mod n");
		return XE2E_E_WEAKKEY;
	}
	return XE2E_OK;
}

int p256_scalar_negate(const mbedtls_ecp_group *grp, mbedtls_mpi *r, const mbedtls_mpi *k)
{
	int ret;

	if (mbedtls_ecp_check_privkey(grp, k) != 0) {
		err_detail_set("P-256 scalar not in [1, n-1]");
		return XE2E_E_MALFORMED;
	}
	ret = mbedtls_mpi_sub_mpi(r, &grp->N, k);
	return ret ? p256_point_error(ret, "scalar negation") : XE2E_OK;
}
