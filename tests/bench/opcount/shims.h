/*
 * The counting shims of the benchmarks that count public-key operations
 * (tests/bench/handshake.c, linked in; tests/bench/opcount/opcount.c,
 * preloaded). They define the mbedTLS and libsodium entry points the
 * crypto wrappers call; each outermost call is counted with
 * opcount_bump(), which the including file defines, and passed on to the
 * real function (dlsym RTLD_NEXT). Calls a library makes to itself inside
 * a counted call are not counted again. Included once, by a .c file.
 */
#ifndef XE2E_BENCH_OPCOUNT_SHIMS_H
#define XE2E_BENCH_OPCOUNT_SHIMS_H

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <sodium.h>

/* What is counted. */
enum op {
	OP_X_BASE,   /* X25519 with the base point: a key pair or a public key */
	OP_X_DH,     /* X25519 with a peer's point: a shared secret */
	OP_P_SIGN,   /* ECDSA P-256 sign */
	OP_P_VERIFY, /* ECDSA P-256 verify */
	OP_P_MUL,    /* other P-256 scalar multiplications */
	OP_P_OTHER,  /* P-256 key generation, double multiplications */
	OP_COUNT,
};

/* Counts one outermost operation; defined by the including file. */
static void opcount_bump(enum op op);

static int opcount_depth; /* inside a counted call */

static void *real_fn(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (!f) {
		fprintf(stderr, "opcount: no %s in the libraries\n", name);
		abort();
	}
	return f;
}

#define REAL(name)                                                            \
	static __typeof__(name) *real_;                                       \
	if (!real_)                                                           \
		real_ = (__typeof__(name) *)real_fn(#name)

#define COUNTED(op, call)                                                     \
	do {                                                                  \
		int ret_;                                                     \
		if (opcount_depth == 0)                                       \
			opcount_bump(op);                                     \
		opcount_depth++;                                              \
		ret_ = call;                                                  \
		opcount_depth--;                                              \
		return ret_;                                                  \
	} while (0)

int mbedtls_ecp_mul(mbedtls_ecp_group *grp, mbedtls_ecp_point *R, const mbedtls_mpi *m,
		    const mbedtls_ecp_point *P, int (*f_rng)(void *, unsigned char *, size_t),
		    void *p_rng)
{
	enum op op;

	REAL(mbedtls_ecp_mul);
	if (grp->id == MBEDTLS_ECP_DP_CURVE25519)
		op = P == &grp->G ? OP_X_BASE : OP_X_DH;
	else
		op = OP_P_MUL;
	COUNTED(op, real_(grp, R, m, P, f_rng, p_rng));
}

/* X25519 by libsodium (common/crypto/dh_sodium.c), the programs' provider. */
int crypto_scalarmult_base(unsigned char *q, const unsigned char *n)
{
	REAL(crypto_scalarmult_base);
	COUNTED(OP_X_BASE, real_(q, n));
}

int crypto_scalarmult(unsigned char *q, const unsigned char *n, const unsigned char *p)
{
	REAL(crypto_scalarmult);
	COUNTED(OP_X_DH, real_(q, n, p));
}

int mbedtls_ecp_muladd(mbedtls_ecp_group *grp, mbedtls_ecp_point *R, const mbedtls_mpi *m,
		       const mbedtls_ecp_point *P, const mbedtls_mpi *n, const mbedtls_ecp_point *Q)
{
	REAL(mbedtls_ecp_muladd);
	COUNTED(OP_P_OTHER, real_(grp, R, m, P, n, Q));
}

int mbedtls_ecp_gen_key(mbedtls_ecp_group_id grp_id, mbedtls_ecp_keypair *key,
			int (*f_rng)(void *, unsigned char *, size_t), void *p_rng)
{
	REAL(mbedtls_ecp_gen_key);
	COUNTED(OP_P_OTHER, real_(grp_id, key, f_rng, p_rng));
}

int mbedtls_ecdsa_sign_det_ext(mbedtls_ecp_group *grp, mbedtls_mpi *r, mbedtls_mpi *s,
			       const mbedtls_mpi *d, const unsigned char *buf, size_t blen,
			       mbedtls_md_type_t md_alg,
			       int (*f_rng_blind)(void *, unsigned char *, size_t),
			       void *p_rng_blind)
{
	REAL(mbedtls_ecdsa_sign_det_ext);
	COUNTED(OP_P_SIGN, real_(grp, r, s, d, buf, blen, md_alg, f_rng_blind, p_rng_blind));
}

int mbedtls_ecdsa_verify(mbedtls_ecp_group *grp, const unsigned char *buf, size_t blen,
			 const mbedtls_ecp_point *Q, const mbedtls_mpi *r, const mbedtls_mpi *s)
{
	REAL(mbedtls_ecdsa_verify);
	COUNTED(OP_P_VERIFY, real_(grp, buf, blen, Q, r, s));
}

#endif
