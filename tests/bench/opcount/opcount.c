/*
 * Counts the public-key operations of an xe2e program, for
 * tests/bench/opcount.sh. Preloaded (LD_PRELOAD), it defines the
 * libsodium and mbedTLS functions that the crypto wrappers call; each
 * outermost call is counted and passed on to the real function (dlsym RTLD_NEXT), and at exit one
 * line is appended to the file named by XE2E_OPCOUNT:
 *
 *   PROGRAM x25519-base N x25519-dh N p256-sign N p256-verify N p256-mul N p256-other N
 *
 * "base" is X25519 of the base point (a key pair or a public key), "dh"
 * of a peer's point; "mul" other P-256 scalar multiplications, "other"
 * P-256 key generation and double multiplications.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "shims.h"

static const char *const names[OP_COUNT] = {
	"x25519-base", "x25519-dh", "p256-sign", "p256-verify", "p256-mul", "p256-other",
};

static unsigned long counts[OP_COUNT];

static void opcount_bump(enum op op)
{
	counts[op]++;
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
