/* Timing helpers shared by the benchmark programs. */
#ifndef XE2E_BENCH_H
#define XE2E_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

/* Starts argv (found on PATH) with XE2E_HOME=home (unless NULL), in and
 * out as its standard input and output; every other descriptor of the
 * caller must be close-on-exec. -1 when fork fails. */
static inline pid_t bench_spawn(char *const argv[], const char *home, int in, int out)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (home)
			setenv("XE2E_HOME", home, 1);
		if (dup2(in, 0) < 0 || dup2(out, 1) < 0)
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "bench: cannot run %s\n", argv[0]);
		_exit(127);
	}
	return pid;
}

/* Waits for pid; its user and system time, from its start to its exit,
 * goes to *cpu. Returns its exit status, -1 when it did not exit. */
static inline int bench_reap(pid_t pid, double *cpu)
{
	struct rusage ru;
	int status;

	if (wait4(pid, &status, 0, &ru) < 0)
		return -1;
	*cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#endif
