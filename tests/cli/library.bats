# The protocol library (libxe2e.a) and the programs' side (libxe2e-ui.a):
# the library never prints, never prompts through readline and never names
# a program; it returns errors with their detail and the programs say them
# (tests/lint/check-library).

load helpers

CHECK="$BATS_TEST_DIRNAME/../lint/check-library"
setup() {
	xe2e_setup
	BUILD="$ROOT/${XE2E_BUILD:-build}"
}

@test "library: libxe2e.a prints nothing, links no readline and names no program" {
	assert_file_exists "$BUILD/libxe2e.a"
	run "$CHECK" "$BUILD/libxe2e.a"
	assert_success
	assert_output ''
}

@test "library: the programs' side is where printing, readline and program names are" {
	# the check can see them: it finds each in libxe2e-ui.a
	assert_file_exists "$BUILD/libxe2e-ui.a"
	run "$CHECK" "$BUILD/libxe2e-ui.a"
	assert_failure 1
	assert_line --partial '(diag.o): uses fprintf (the library never prints)'
	assert_line --partial "(prompt.o): uses readline's readline (the library never prompts)"
	assert_line --partial '(diag.o): names the program xe2e-keygen'
}

@test "library: a printing call, a readline call or a program name fails the check" {
	# puts and perror too: a compiler makes puts of a printf("...\n")
	cat >"$T/bad.c" <<-'C'
	#include <stdio.h>
	char *readline(const char *prompt);
	int bad(void);
	int bad(void)
	{
		fprintf(stderr, "run %s first\n", "xe2e-seal");
		puts("done");
		perror("bad");
		return readline("> ") != NULL;
	}
	C
	cc -c -o "$T/bad.o" "$T/bad.c"
	ar rcs "$T/libbad.a" "$T/bad.o"
	run "$CHECK" "$T/libbad.a"
	assert_failure 1
	assert_line "$T/libbad.a(bad.o): uses fprintf (the library never prints)"
	assert_line "$T/libbad.a(bad.o): uses stderr (the library never prints)"
	assert_line "$T/libbad.a(bad.o): uses puts (the library never prints)"
	assert_line "$T/libbad.a(bad.o): uses perror (the library never prints)"
	assert_line "$T/libbad.a(bad.o): uses readline's readline (the library never prompts)"
	assert_line "$T/libbad.a(bad.o): names the program xe2e-seal"
}
