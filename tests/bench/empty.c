/*
 * An empty program linked like xe2e-seal: the floor for per-process costs
 * (exec, libc's dynamic linking, and what of mbedTLS, expat and libidn
 * the programs take from the static archives, STATIC_LIBS in the
 * Makefile). The linker drops a library nothing refers to (an archive's
 * objects, or a shared library under Debian's default --as-needed), so
 * the program refers to one function of each, called only when asked,
 * and the benchmarks never ask.
 */
#include <expat.h>
#include <mbedtls/x509_crt.h>
#include <stdio.h>
#include <string.h>
#include <stringprep.h>

#include "diag.h"

static void touch_libraries(void)
{
	mbedtls_x509_crt crt;
	XML_Parser p = XML_ParserCreate(NULL);

	mbedtls_x509_crt_init(&crt);
	mbedtls_x509_crt_free(&crt);
	XML_ParserFree(p);
	printf("%s\n", stringprep_check_version(NULL));
}

int main(int argc, char **argv)
{
	err_set_progname(argv[0]);
	if (argc > 1 && strcmp(argv[1], "--touch") == 0)
		touch_libraries();
	return 0;
}
