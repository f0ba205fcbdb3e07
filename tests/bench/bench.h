/* Timing helpers shared by the benchmark programs. */
#ifndef XE2E_BENCH_H
#define XE2E_BENCH_H

#include <stdio.h>
#include <time.h>

/* Monotonic time in seconds. */
static inline double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Process CPU time in seconds. */
static inline double bench_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Runs body until at least min_seconds have passed (and at least 3 times);
 * sets per_op to the mean seconds per run. The macro keeps the body inline
 * so the measurement has no call overhead of its own.
 */
#define BENCH_LOOP(min_seconds, per_op, body)                               \
	do {                                                                \
		double start_ = bench_now(), elapsed_;                      \
		unsigned long runs_ = 0;                                    \
		do {                                                        \
			body;                                               \
			runs_++;                                            \
			elapsed_ = bench_now() - start_;                    \
		} while (elapsed_ < (min_seconds) || runs_ < 3);            \
		(per_op) = elapsed_ / (double)runs_;                        \
	} while (0)

#endif
