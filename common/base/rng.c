#include "rng.h"

#include <errno.h>
#include <sys/random.h>
#include <sys/types.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>

#include "err.h"
#include "util.h"

#define RNG_PERSONALIZATION "xe2e rng v1"

static mbedtls_ctr_drbg_context drbg;
static pid_t drbg_pid; /* the process that seeded drbg; 0 before seeding */

/* The DRBG's entropy source: the kernel's generator, nothing else. */
static int rng_entropy_getrandom(void *unused, unsigned char *out, size_t n)
{
	(void)unused;
	while (n > 0) {
		ssize_t got = getrandom(out, n, 0);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
		}
		out += got;
		n -= (size_t)got;
	}
	return 0;
}

static int rng_seed(void)
{
	static const unsigned char pers[] = RNG_PERSONALIZATION;
	int ret;

	mbedtls_ctr_drbg_init(&drbg);
	ret = mbedtls_ctr_drbg_seed(&drbg, rng_entropy_getrandom, NULL, pers, sizeof(pers) - 1);
	if (ret != 0) {
		mbedtls_ctr_drbg_free(&drbg); /* zeroizes the state */
		err_detail_set("seeding the random generator failed (-0x%04x)", (unsigned)-ret);
		return XE2E_E_CRYPTO;
	}
	drbg_pid = getpid();
	return XE2E_OK;
}

/*
 * A forked child starts with its parent's state and would repeat its
 * output: a new pid takes fresh entropy (and the pid as additional input).
 */
static int rng_reseed_after_fork(pid_t pid)
{
	unsigned char add[sizeof(pid)];
	int ret;

	for (size_t i = 0; i < sizeof(pid); i++)
		add[i] = (unsigned char)((unsigned long)pid >> (8 * i));
	ret = mbedtls_ctr_drbg_reseed(&drbg, add, sizeof(add));
	if (ret != 0) {
		err_detail_set("reseeding the random generator failed (-0x%04x)", (unsigned)-ret);
		return XE2E_E_CRYPTO;
	}
	drbg_pid = pid;
	return XE2E_OK;
}

static int rng_ready(void)
{
	pid_t pid;

	if (drbg_pid == 0)
		return rng_seed();
	pid = getpid();
	return pid == drbg_pid ? XE2E_OK : rng_reseed_after_fork(pid);
}

/* The generator's state is a secret too: wiped when the process exits. */
__attribute__((destructor)) static void rng_release(void)
{
	if (drbg_pid != 0)
		mbedtls_ctr_drbg_free(&drbg);
	drbg_pid = 0;
}

int rng_bytes(void *out, size_t n)
{
	unsigned char *p = out;
	int err = rng_ready();

	while (err == XE2E_OK && n > 0) {
		size_t chunk = n < MBEDTLS_CTR_DRBG_MAX_REQUEST ? n : MBEDTLS_CTR_DRBG_MAX_REQUEST;

		if (mbedtls_ctr_drbg_random(&drbg, p, chunk) != 0) {
			err_detail_set("the random generator failed");
			err = XE2E_E_CRYPTO;
			break;
		}
		p += chunk;
		n -= chunk;
	}
	if (err)
		wipe(out, (size_t)(p - (unsigned char *)out) + n);
	return err;
}

int rng_mbedtls(void *p_rng, unsigned char *out, size_t n)
{
	(void)p_rng;
	return rng_bytes(out, n) == XE2E_OK ? 0 : MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
}
