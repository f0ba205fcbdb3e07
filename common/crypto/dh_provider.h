/*
 * The X25519 implementations behind dh.h. dh.c clamps the scalar, masks
 * the point's top bit and refuses an all-zero result; a provider only
 * multiplies. libsodium's is the one every program uses; mbedTLS's is
 * kept so that the benchmarks can set the two side by side and the tests
 * can run the same vectors through both.
 */
#ifndef XE2E_DH_PROVIDER_H
#define XE2E_DH_PROVIDER_H

#include <stdint.h>

#include "dh.h"

struct x25519_provider {
	const char *name;
	/*
	 * out = X25519(k, u) for a clamped k and a u whose top bit is clear;
	 * with u NULL, X25519(k, 9), the public key. A u of low order gives
	 * XE2E_E_WEAKKEY. On any error out is left for the caller to wipe.
	 */
	int (*mul)(uint8_t out[static X25519_LEN], const uint8_t k[static X25519_LEN],
		   const uint8_t *u);
};

extern const struct x25519_provider x25519_libsodium; /* dh_sodium.c */
extern const struct x25519_provider x25519_mbedtls;   /* dh_mbedtls.c */

/* The provider of every later X25519 of this process (libsodium's until
 * changed); returns the one it replaces. For benchmarks and tests. */
const struct x25519_provider *x25519_provider_use(const struct x25519_provider *p);

/* The provider in use. */
const struct x25519_provider *x25519_provider(void);

#endif
