/*
 * The public-key operations the library made in this process, counted at
 * the boundary of mbedTLS and libsodium as the benchmarks count them
 * (tests/bench/opcount/shims.h): each call passes on to the real function.
 * For tests of how many operations something costs.
 */
#ifndef XE2E_UNIT_OPS_H
#define XE2E_UNIT_OPS_H

struct unit_ops {
	unsigned long x25519_base, x25519_dh, p256_sign, p256_verify;
};

/* The counts so far. */
void unit_ops_get(struct unit_ops *ops);

#endif
