/*
 * P-256 points and scalars for protocols built on the group (SPAKE2): thin
 * wrappers over mbedTLS's ecp module that keep its pitfalls in one place.
 *
 * - Points from outside are 65-byte uncompressed SEC1 encodings only, and
 *   every one is run through mbedtls_ecp_check_pubkey (a one-byte 00 would
 *   otherwise read as the point at infinity; compressed points cannot be
 *   read by mbedTLS 2.28 at all).
 * - Every multiplication by a scalar goes through mbedtls_ecp_mul, which is
 *   constant-time and blinded with the process's random generator.
 *   mbedtls_ecp_muladd is not constant-time: it is used for additions only,
 *   with the public scalars 1 and 1.
 * - Results that can be the identity are checked by the caller with
 *   p256_point_is_identity().
 *
 * The group must come from p256_point_group_load(); mbedtls_ecp_mul caches
 * a table of multiples of G in it, so it is not const.
 */
#ifndef XE2E_P256_POINT_H
#define XE2E_P256_POINT_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/ecp.h>

#define P256_POINT_LEN 65  /* 04 || X || Y */
#define P256_SCALAR_LEN 32 /* big-endian, 1 <= k <= n - 1 */

/* Loads P-256 into grp (initialised by the caller with
 * mbedtls_ecp_group_init). */
int p256_point_group_load(mbedtls_ecp_group *grp);

/*
 * Reads a point that comes from outside. Encodings other than 65 bytes
 * starting with 04 are XE2E_E_MALFORMED (a compressed point is named as
 * such in the detail), except the one-byte 00, the point at infinity, which
 * is XE2E_E_WEAKKEY like a point off the curve or with a coordinate >= p.
 */
int p256_point_decode(const mbedtls_ecp_group *grp, mbedtls_ecp_point *pt, const uint8_t *in,
		      size_t len);

/* Reads a 65-byte point that the program itself holds (a constant); the
 * same checks as p256_point_decode(). */
int p256_point_decode_fixed(const mbedtls_ecp_group *grp, mbedtls_ecp_point *pt,
			    const uint8_t in[static P256_POINT_LEN]);

/* Writes a point other than the identity, uncompressed; the identity is
 * XE2E_E_WEAKKEY. */
int p256_point_encode(const mbedtls_ecp_group *grp, const mbedtls_ecp_point *pt,
		      uint8_t out[static P256_POINT_LEN]);

/* r = k·p with mbedtls_ecp_mul (constant-time, blinded). k must be in
 * [1, n-1] and p a valid point other than the identity. */
int p256_point_mul(mbedtls_ecp_group *grp, mbedtls_ecp_point *r, const mbedtls_mpi *k,
		   const mbedtls_ecp_point *p);

/* r = k·G, as p256_point_mul(). */
int p256_point_mul_base(mbedtls_ecp_group *grp, mbedtls_ecp_point *r, const mbedtls_mpi *k);

/* r = p + q, through mbedtls_ecp_muladd with the scalars 1 and 1 (no secret
 * scalar). p and q must be valid points other than the identity; r may be
 * the identity (when q = -p). */
int p256_point_add(mbedtls_ecp_group *grp, mbedtls_ecp_point *r, const mbedtls_ecp_point *p,
		   const mbedtls_ecp_point *q);

/* 1 when pt is the point at infinity. */
int p256_point_is_identity(const mbedtls_ecp_point *pt);

/* Reads a 32-byte big-endian scalar; XE2E_E_MALFORMED unless 1 <= k <= n-1. */
int p256_scalar_read(const mbedtls_ecp_group *grp, mbedtls_mpi *k,
		     const uint8_t in[static P256_SCALAR_LEN]);

/* Writes k as 32 bytes big-endian. */
int p256_scalar_write(const mbedtls_mpi *k, uint8_t out[static P256_SCALAR_LEN]);

/* A uniformly random scalar in [1, n-1] (mbedtls_ecp_gen_privkey). */
int p256_scalar_random(const mbedtls_ecp_group *grp, mbedtls_mpi *k);

/*
 * k = (the big-endian number in, len bytes) mod n, for hashes stretched to
 * at least 48 bytes so that the bias is negligible. A zero result is
 * XE2E_E_WEAKKEY. The reduction is mbedTLS's bignum division, whose timing
 * depends on the length of the value, not only on len.
 */
int p256_scalar_reduce(const mbedtls_ecp_group *grp, mbedtls_mpi *k, const uint8_t *in,
		       size_t len);

/* r = n - k, so that (n - k)·P = -(k·P); k in [1, n-1]. */
int p256_scalar_negate(const mbedtls_ecp_group *grp, mbedtls_mpi *r, const mbedtls_mpi *k);

#endif
