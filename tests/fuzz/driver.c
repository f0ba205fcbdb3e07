/*
 * The libFuzzer entry point of one target: compiled once per target with
 * -DFUZZ_TARGET=fuzz_NAME (see fuzz.mk).
 */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>

#include "err.h"

#ifndef FUZZ_TARGET
#error "compile with -DFUZZ_TARGET=fuzz_NAME"
#endif

void fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
	fprintf(stderr, "last error detail: %s\n", err_detail());
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FUZZ_TARGET(data, size);
	return 0;
}
