# The protocol library's layers (common/README.md): each directory of
# common/ is a layer, and a file includes only headers of its own layer and
# those below (tests/lint/check-layers).

load helpers

CHECK="$BATS_TEST_DIRNAME/../lint/check-layers"
TREE_PARTS="common Makefile" # what the checker reads (copy_tree)

@test "layers: no file of the library includes a header of a layer above its own" {
	run "$CHECK" "$ROOT"
	assert_success
	assert_output ''
}

@test "layers: an upward include fails the check, with the file, line and layers" {
	copy_tree
	# the bottom layer reaching for the sealing engine
	printf '#include "sealed_stanza.h"\n' >>"$T/tree/common/base/buf.c"
	local line
	line=$(wc -l <"$T/tree/common/base/buf.c")
	run "$CHECK" "$T/tree"
	assert_failure 1
	assert_output "common/base/buf.c:$line: includes sealed_stanza.h of the engine layer, above base"
}

@test "layers: an include of a layer's own headers and those below passes" {
	copy_tree
	printf '#include "buf.h"\n#include "xml.h"\n' >>"$T/tree/common/state/trust.c"
	run "$CHECK" "$T/tree"
	assert_success
}

@test "layers: a header of the programs' side, or a file outside a layer, fails the check" {
	copy_tree
	printf '#include "diag.h"\n' >>"$T/tree/common/engine/channel.c"
	printf 'int stray;\n' >"$T/tree/common/stray.c"
	run "$CHECK" "$T/tree"
	assert_failure 1
	assert_line --regexp '^common/engine/channel.c:[0-9]+: includes diag.h, not a header of the library$'
	assert_line 'common/stray.c: not in a layer'"'"'s directory'
}

@test "layers: a directory of common/ that LAYERS does not list fails the check" {
	copy_tree
	mkdir "$T/tree/common/misc"
	run "$CHECK" "$T/tree"
	assert_failure 1
	assert_output 'common/misc: a directory that is not a layer of LAYERS'
}
