/*
 * An empty program linked like the xe2e programs: the floor for per-process
 * costs (exec, dynamic linking of mbedTLS, expat, libidn, readline). It
 * touches the library so the linker keeps the same dependencies.
 */
#include "err.h"

int main(int argc, char **argv)
{
	(void)argc;
	err_set_progname(argv[0]);
	return 0;
}
