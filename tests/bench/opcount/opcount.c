/*
 * Counts the public-key operations of an xe2e program, for
 * tests/bench/opcount.sh. Preloaded (LD_PRELOAD), it defines the mbedTLS
 * functions that the crypto wrappers call; each outermost call is counted
 * and passed on to the real function (dlsym RTLD_NEXT), and at exit one
 * line is appended to the file named by XE2E_OPCOUNT:
 *
 *   PROGRAM x25519-base N x25519-dh N p256-sign N p256-verify N p256-mul N p256-other N
 *
 * "base" is X25519 of the base point (a key pair or a public key), "dh"
 * of a peer's point; "mul" other P-256 scalar multiplications, "other"
 * P-256 key generation and double multiplications.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>

enum op { X_BASE, X_DH, P_SIGN, P_VERIFY, P_MUL, P_OTHER, OP_COUNT };

static const char *const names[OP_COUNT] = {
	"x25519-base", "x25519-dh", "p256-sign", "p256-verify", "p256-mul", "p256-other",
};

static unsigned long counts[OP_COUNT];
static int depth;

static void *real_fn(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (!f) {
		fprintf(stderr, "opcount: no %s\n", name);
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
		if (depth == 0)                                               \
			counts[op]++;                                         \
		depth++;                                                      \
		ret_ = call;                                                  \
		depth--;                                                      \
		return ret_;                                                  \
	} while (0)

int mbedtls_ecp_mul(mbedtls_ecp_group *grp, mbedtls_ecp_point *R, const mbedtls_mpi *m,
		    const mbedtls_ecp_point *P, int (*f_rng)(void *, unsigned char *, size_t),
		    void *p_rng)
{
	enum op op;

	REAL(mbedtls_ecp_mul);
	if (grp->id == MBEDTLS_ECP_DP_CURVE25519)
		op = P == &grp->G ? X_BASE : X_DH;
	else
		op = P_MUL;
	COUNTED(op, real_(grp, R, m, P, f_rng, p_rng));
}

int mbedtls_ecp_muladd(mbedtls_ecp_group *grp, mbedtls_ecp_point *R, const mbedtls_mpi *m,
		       const mbedtls_ecp_point *P, const mbedtls_mpi *n, const mbedtls_ecp_point *Q)
{
	REAL(mbedtls_ecp_muladd);
	COUNTED(P_OTHER, real_(grp, R, m, P, n, Q));
}

int mbedtls_ecp_gen_key(mbedtls_ecp_group_id grp_id, mbedtls_ecp_keypair *key,
			int (*f_rng)(void *, unsigned char *, size_t), void *p_rng)
{
	REAL(mbedtls_ecp_gen_key);
	COUNTED(P_OTHER, real_(grp_id, key, f_rng, p_rng));
}

int mbedtls_ecdsa_sign_det_ext(mbedtls_ecp_group *grp, mbedtls_mpi *r, mbedtls_mpi *s,
			       const mbedtls_mpi *d, const unsigned char *buf, size_t blen,
			       mbedtls_md_type_t md_alg,
			       int (*f_rng_blind)(void *, unsigned char *, size_t),
			       void *p_rng_blind)
{
	REAL(mbedtls_ecdsa_sign_det_ext);
	COUNTED(P_SIGN, real_(grp, r, s, d, buf, blen, md_alg, f_rng_blind, p_rng_blind));
}

int mbedtls_ecdsa_verify(mbedtls_ecp_group *grp, const unsigned char *buf, size_t blen,
			 const mbedtls_ecp_point *Q, const mbedtls_mpi *r, const mbedtls_mpi *s)
{
	REAL(mbedtls_ecdsa_verify);
	COUNTED(P_VERIFY, real_(grp, buf, blen, Q, r, s));
}

__attribute__((destructor)) static void opcount_write(void)
{
	const char *file = getenv("XE2E_OPCOUNT");
	FILE *f;

	if (!file || !(f = fopen(file, "a")))
		return;
	fprintf(f, "%s", program_invocation_short_name);
	for (int i = 0; i < OP_COUNT; i++)
		fprintf(f, " %s %lu", names[i], counts[i]);
	fprintf(f, "\n");
	fclose(f);
}
