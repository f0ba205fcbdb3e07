/* X25519 by libsodium (crypto_scalarmult), the provider programs use. */
#include "dh_provider.h"

#include <pthread.h>

#include <sodium.h>

#include "err.h"

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_ready; /* sodium_init() succeeded */

static void sodium_start(void)
{
	sodium_ready = sodium_init() >= 0;
}

/*
 * crypto_scalarmult() refuses (-1) a u of small order and any u that gives
 * an all-zero result; crypto_scalarmult_base() a result of zero, which a
 * clamped scalar cannot give. Both clamp k themselves as well.
 */
static int sodium_mul(uint8_t out[static X25519_LEN], const uint8_t k[static X25519_LEN],
		      const uint8_t *u)
{
	if (pthread_once(&sodium_once, sodium_start) != 0 || !sodium_ready) {
		err_detail_set("libsodium could not be initialised");
		return XE2E_E_CRYPTO;
	}
	if (!u)
		return crypto_scalarmult_base(out, k) == 0 ? XE2E_OK : XE2E_E_CRYPTO;
	if (crypto_scalarmult(out, k, u) != 0) {
		err_detail_set("low-order or invalid X25519 public key");
		return XE2E_E_WEAKKEY;
	}
	return XE2E_OK;
}

const struct x25519_provider x25519_libsodium = {"libsodium", sodium_mul};
