#!/usr/bin/env bats
# The build and the demo as a newcomer meets them: a built tree is up to
# date for make (nothing recompiled, relinked or removed), and the demo
# tells its story in plain text when its output is not a terminal.

load helpers

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

# The build the tests run in (tests/run-all sets XE2E_BUILD).
build_args() {
	case "${XE2E_BUILD:-build}" in
	build-san) echo SANITIZE=1 ;;
	*) echo SANITIZE=0 ;;
	esac
}

@test "build: after make, make has nothing to do but check the packages" {
	cd "$ROOT"
	local src
	# the programs' objects are kept, not removed as intermediate files
	# (which made the next make compile them again)
	for src in cmd/*.c; do
		assert_file_exists "${XE2E_BUILD:-build}/${src%.c}.o"
	done
	# (under make check: a make of its own, not a sub-make of that one)
	run env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make --no-print-directory -n all $(build_args)
	assert_success
	# only the package check: no compiler, linker or rm of an object
	assert_output './scripts/ensure-deps'
}

# PATH without the programs, as in a shell that did not run make.
plain_path() {
	[ -x "$ROOT/build/bin/xe2e-keygen" ] || skip "the normal build (build/) is not there"
	echo /usr/local/bin:/usr/bin:/bin
}

@test "build: the demo runs, with plain headings when its output is not a terminal" {
	run --separate-stderr timeout 120 "$ROOT/scripts/demo"
	assert_success
	[[ $stderr == *"== Done"* ]]
	[[ $stderr != *$'\033'* ]] || { echo "terminal codes in the demo's output"; false; }
}

@test "build: the demos run directly, finding the programs in the tree's build" {
	local path
	path=$(plain_path)
	run --separate-stderr env PATH="$path" timeout 120 "$ROOT/scripts/demo"
	assert_success
	[[ $stderr == *"== Done"* ]]
	run --separate-stderr env PATH="$path" timeout 300 "$ROOT/scripts/demo-xmpp"
	assert_success
	[[ $stderr == *"none of them is in the server's files"* ]]
}
