# Citations of the specification: code, tests and documents cite xe2e(7) by
# section name, and every section they name exists (tests/lint/check-citations).

load helpers

CHECK="$BATS_TEST_DIRNAME/../lint/check-citations"
TREE_PARTS="man common" # what the checker reads (copy_tree)

@test "citations: every xe2e(7) citation in the tree names a section that exists" {
	run "$CHECK" "$ROOT"
	assert_success
	assert_output ''
}

@test "citations: a subsection that does not exist fails the check" {
	copy_tree
	printf '/* the window (xe2e(7) SESSIONS "Windows") */\n' >>"$T/tree/common/base/err.h"
	run "$CHECK" "$T/tree"
	assert_failure 1
	assert_output --regexp '^common/base/err.h:[0-9]+: xe2e\(7\) SESSIONS has no subsection "Windows"$'
}

@test "citations: a section named across a comment's line break is checked too" {
	copy_tree
	printf '/* the store (xe2e(7) TRUST\n * STORES) */\n' >>"$T/tree/common/base/err.h"
	run "$CHECK" "$T/tree"
	assert_failure 1
	assert_output --partial 'xe2e(7) has no section TRUST STORES'
}

@test "citations: a citation of the design document outside the repository fails" {
	copy_tree
	printf '/* as planned (DESIGN section 6) */\n' >>"$T/tree/common/base/err.h"
	run "$CHECK" "$T/tree"
	assert_failure 1
	assert_output --partial 'cites DESIGN, which is not part of the repository'
}

@test "citations: a .Sx reference in xe2e(7) to no heading fails" {
	copy_tree
	sed -i 's/^\.Sx TRUST STORE ;$/.Sx TRUST STORES ;/' "$T/tree/man/xe2e.7"
	run "$CHECK" "$T/tree"
	assert_failure 1
	assert_output --partial '.Sx TRUST STORES: no such heading'
}

@test "citations: a section name with digits is read whole" {
	copy_tree
	printf '/* the layers (xe2e(7) IMPLEMENTING XE2E) */\n' >>"$T/tree/common/base/err.h"
	run "$CHECK" "$T/tree"
	assert_success
	printf '/* the layers (xe2e(7) IMPLEMENTING XE3E) */\n' >>"$T/tree/common/base/err.h"
	run "$CHECK" "$T/tree"
	assert_failure 1
	assert_output --partial 'xe2e(7) has no section IMPLEMENTING XE3E'
}
