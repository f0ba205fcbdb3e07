/*
 * Random bytes: one CTR-DRBG per process, seeded from getrandom() on first
 * use. (mbedTLS's default entropy source also polls HAVEGE on Debian, which
 * costs about 0.3 ms per process and adds nothing on Linux.)
 */
#ifndef XE2E_RNG_H
#define XE2E_RNG_H

#include <stddef.h>

/* Fills out with n random bytes. XE2E_E_CRYPTO if seeding failed (out is
 * then zeroed). A forked child reseeds from getrandom() at its first call,
 * so it never repeats its parent's output. Not thread-safe. */
int rng_bytes(void *out, size_t n);

/* The same generator as an mbedTLS f_rng callback (p_rng is ignored);
 * returns 0 or an mbedTLS error code. */
int rng_mbedtls(void *p_rng, unsigned char *out, size_t n);

#endif
