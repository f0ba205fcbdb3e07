/*
 * X25519 (RFC 7748), the Diffie-Hellman function of every xe2e key
 * agreement: computed by libsodium (dh_provider.h), with the clamping, the
 * masking of u and the refusal of low-order points done here, whatever
 * computes it. Private keys come from the project's generator (rng.h).
 */
#ifndef XE2E_DH_H
#define XE2E_DH_H

#include <stdint.h>

#define X25519_LEN 32

/* Makes a fresh key pair; the private key comes out clamped. */
int x25519_keypair(uint8_t priv[static X25519_LEN], uint8_t pub[static X25519_LEN]);

/* The public key of a private key. The private key is any 32 bytes; it is
 * clamped (RFC 7748 section 5) on a copy, as the X25519 function defines. */
int x25519_public(uint8_t pub[static X25519_LEN], const uint8_t priv[static X25519_LEN]);

/*
 * out = X25519(priv, pub). The top bit of pub is masked (RFC 7748). A
 * low-order or otherwise weak pub that gives an all-zero shared secret is
 * refused with XE2E_E_WEAKKEY, and out is then zero. out may be priv or
 * pub.
 */
int x25519_shared(uint8_t out[static X25519_LEN], const uint8_t priv[static X25519_LEN],
		  const uint8_t pub[static X25519_LEN]);

#endif
