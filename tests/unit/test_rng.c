#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "rng.h"
#include "unit.h"

TEST(rng_bytes_differ_between_calls)
{
	uint8_t a[32], b[32], zero[32] = {0};

	CHECK_INT(rng_bytes(a, sizeof(a)), XE2E_OK);
	CHECK_INT(rng_bytes(b, sizeof(b)), XE2E_OK);
	CHECK(memcmp(a, b, sizeof(a)) != 0);
	CHECK(memcmp(a, zero, sizeof(a)) != 0);
	CHECK_INT(rng_bytes(NULL, 0), XE2E_OK);
}

/* Longer than one DRBG request (1024 bytes): every part is filled, and the
 * bits are about half ones. */
TEST(rng_fills_large_requests)
{
	static uint8_t big[5000];
	unsigned ones = 0;
	size_t zero_run = 0, longest = 0;

	memset(big, 0, sizeof(big));
	CHECK_INT(rng_bytes(big, sizeof(big)), XE2E_OK);
	for (size_t i = 0; i < sizeof(big); i++) {
		ones += (unsigned)__builtin_popcount(big[i]);
		zero_run = big[i] ? 0 : zero_run + 1;
		longest = zero_run > longest ? zero_run : longest;
	}
	/* 40000 bits: mean 20000, sd 100; 10 sd either way */
	CHECK(ones > 19000 && ones < 21000);
	CHECK(longest < 8);
	unit_note("%u of %zu bits set", ones, 8 * sizeof(big));
}

TEST(rng_mbedtls_callback_works)
{
	uint8_t a[16] = {0}, b[16] = {0};

	CHECK_INT(rng_mbedtls(NULL, a, sizeof(a)), 0);
	CHECK_INT(rng_mbedtls(NULL, b, sizeof(b)), 0);
	CHECK(memcmp(a, b, sizeof(a)) != 0);
}

/* A forked child must not repeat what its parent draws next. */
TEST(rng_reseeds_after_fork)
{
	uint8_t parent[32], child[32] = {0};
	int fds[2], status = 0;
	pid_t pid;

	CHECK_INT(rng_bytes(parent, sizeof(parent)), XE2E_OK); /* seeded before fork */
	if (pipe(fds) != 0) {
		CHECK(!"pipe");
		return;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		uint8_t out[32];
		int ok = rng_bytes(out, sizeof(out)) == XE2E_OK &&
			 write(fds[1], out, sizeof(out)) == (ssize_t)sizeof(out);

		_exit(ok ? 0 : 1);
	}
	CHECK(pid > 0);
	close(fds[1]);
	CHECK_INT(rng_bytes(parent, sizeof(parent)), XE2E_OK);
	CHECK_INT(read(fds[0], child, sizeof(child)), (long long)sizeof(child));
	close(fds[0]);
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(memcmp(parent, child, sizeof(parent)) != 0);
}
