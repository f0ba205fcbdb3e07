#include "dh.h"

#include "dh_provider.h"
#include "err.h"
#include "rng.h"
#include "util.h"

static const struct x25519_provider *provider = &x25519_libsodium;

const struct x25519_provider *x25519_provider_use(const struct x25519_provider *p)
{
	const struct x25519_provider *old = provider;

	provider = p;
	return old;
}

const struct x25519_provider *x25519_provider(void)
{
	return provider;
}

/* RFC 7748 section 5: the scalar as X25519 decodes it. */
static void x25519_clamp(uint8_t k[static X25519_LEN])
{
	k[0] &= 248;
	k[31] &= 127;
	k[31] |= 64;
}

/*
 * out = X25519(priv, u), or X25519(priv, 9) when u is NULL, through the
 * provider, on copies: the clamped scalar and u with its most significant
 * bit masked (RFC 7748), so that out may be priv or u.
 */
static int x25519_mul(uint8_t out[static X25519_LEN], const uint8_t priv[static X25519_LEN],
		      const uint8_t *u)
{
	uint8_t k[X25519_LEN], ub[X25519_LEN];
	int err;

	for (size_t i = 0; i < X25519_LEN; i++)
		k[i] = priv[i];
	x25519_clamp(k);
	if (u) {
		for (size_t i = 0; i < X25519_LEN; i++)
			ub[i] = u[i];
		ub[31] &= 0x7f;
	}
	err = provider->mul(out, k, u ? ub : NULL);
	wipe(k, sizeof(k));
	if (err)
		wipe(out, X25519_LEN);
	return err;
}

int x25519_keypair(uint8_t priv[static X25519_LEN], uint8_t pub[static X25519_LEN])
{
	int err = rng_bytes(priv, X25519_LEN);

	if (err == XE2E_OK) {
		x25519_clamp(priv);
		err = x25519_public(pub, priv);
	}
	if (err)
		wipe(priv, X25519_LEN);
	return err;
}

int x25519_public(uint8_t pub[static X25519_LEN], const uint8_t priv[static X25519_LEN])
{
	return x25519_mul(pub, priv, NULL);
}

int x25519_shared(uint8_t out[static X25519_LEN], const uint8_t priv[static X25519_LEN],
		  const uint8_t pub[static X25519_LEN])
{
	int err = x25519_mul(out, priv, pub);

	if (err == XE2E_OK && ct_is_zero(out, X25519_LEN)) {
		err_detail_set("X25519 shared secret is zero (low-order public key)");
		err = XE2E_E_WEAKKEY;
	}
	return err;
}
