/*
 * The cost of the primitives every protocol layer is built from, measured
 * through the project's own wrappers: the floor that handshake, seal and
 * open benchmarks are compared against.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aead.h"
#include "bench.h"
#include "dh.h"
#include "dh_provider.h"
#include "hash.h"
#include "rng.h"
#include "sig.h"

static void bench_aead(enum aead_cipher cipher, const char *name, size_t size)
{
	uint8_t key[AEAD_KEY_LEN] = {1}, nonce[AEAD_NONCE_LEN] = {2};
	uint8_t *buf = calloc(1, size + AEAD_TAG_LEN);
	double per_op;

	if (!buf)
		exit(1);
	BENCH_LOOP(0.3, per_op, aead_seal(cipher, key, nonce, NULL, 0, buf, size, buf));
	if (size >= 4096)
		printf("  %-10s seal %6zu B: %8.1f MB/s\n", name, size, (double)size / per_op / 1e6);
	else
		printf("  %-10s seal %6zu B: %8.0f /s (%.2f us)\n", name, size, 1 / per_op,
		       per_op * 1e6);
	free(buf);
}

/* A key pair and a shared secret through the wrappers, over provider p. */
static void bench_x25519(const struct x25519_provider *p)
{
	const struct x25519_provider *old = x25519_provider_use(p);
	uint8_t priv[32], pub[32], peer[32], shared[32];
	char label[64];
	double t;

	x25519_keypair(priv, pub);
	x25519_keypair(peer, peer); /* any valid public key will do */
	x25519_public(peer, peer);
	BENCH_LOOP(0.3, t, x25519_keypair(priv, pub));
	snprintf(label, sizeof(label), "X25519 key pair (%s):", p->name);
	printf("  %-34s %8.1f us\n", label, t * 1e6);
	BENCH_LOOP(0.3, t, x25519_shared(shared, priv, peer));
	snprintf(label, sizeof(label), "X25519 shared secret (%s):", p->name);
	printf("  %-34s %8.1f us\n", label, t * 1e6);
	x25519_provider_use(old);
}

int main(void)
{
	uint8_t sig[P256_SIG_LEN], ppub[P256_PUB_LEN];
	uint8_t okm[64], msg[200] = {0};
	struct p256_key *key = NULL;
	double t;

	printf("method: each operation repeated for at least 0.3 s through the xe2e wrappers\n"
	       "        over mbedTLS (X25519: over each provider, libsodium's the programs'\n"
	       "        one); mean wall time per operation on one core\n");
	bench_aead(AEAD_CHACHAPOLY, "ChaChaPoly", 200);
	bench_aead(AEAD_AES256GCM, "AES-GCM", 200);
	bench_aead(AEAD_CHACHAPOLY, "ChaChaPoly", 65536);
	bench_aead(AEAD_AES256GCM, "AES-GCM", 65536);

	bench_x25519(&x25519_libsodium);
	bench_x25519(&x25519_mbedtls);

	if (p256_generate(&key) != 0)
		return 1;
	p256_public(key, ppub);
	BENCH_LOOP(0.3, t, p256_sign(key, msg, sizeof(msg), sig));
	printf("  %-34s %8.1f us\n", "P-256 sign:", t * 1e6);
	BENCH_LOOP(0.3, t, p256_verify(ppub, msg, sizeof(msg), sig));
	printf("  %-34s %8.1f us\n", "P-256 verify:", t * 1e6);
	p256_free(key);

	BENCH_LOOP(0.3, t, hkdf(HASH_SHA256, NULL, 0, msg, 32, "x", 1, okm, 64));
	printf("  %-34s %8.2f us\n", "HKDF-SHA256 (64 B):", t * 1e6);
	BENCH_LOOP(0.3, t, rng_bytes(okm, 32));
	printf("  %-34s %8.2f us\n", "random 32 B:", t * 1e6);
	return 0;
}
