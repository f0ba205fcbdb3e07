# The protocol library's layers (common/README.md): each directory of
# common/ is a layer, a file includes only headers of its own layer and
# those below, and no two modules include each other, directly or through
# others (tests/lint/check-layers).

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

@test "layers: an include cycle between two modules of one layer fails the check, with its includes" {
	copy_tree
	# err.c is the err module; buf.c already includes err.h
	printf '#include "buf.h"\n' >>"$T/tree/common/base/err.c"
	local line back
	line=$(wc -l <"$T/tree/common/base/err.c")
	back=$(grep -n '^#include "err.h"' "$T/tree/common/base/buf.c" | head -n1 | cut -d: -f1)
	run "$CHECK" "$T/tree"
	assert_failure 1
	assert_output "include cycle: buf -> err -> buf (common/base/buf.c:$back includes err.h; common/base/err.c:$line includes buf.h)"
}

@test "layers: a cycle through a third module fails the check" {
	copy_tree
	# textrec includes encoding.h, which includes util.h
	printf '#include "textrec.h"\n' >>"$T/tree/common/base/util.c"
	run "$CHECK" "$T/tree"
	assert_failure 1
	assert_output --regexp '^include cycle: encoding -> util -> textrec -> encoding \(common/base/encoding\.[ch]:[0-9]+ includes util\.h; common/base/util\.c:[0-9]+ includes textrec\.h; common/base/textrec\.[ch]:[0-9]+ includes encoding\.h\)$'
}

@test "layers: a source file without a header of its own is a part of its module" {
	copy_tree
	# handshake_init.c is a part of handshake, which handshake_run includes
	printf '#include "handshake_run.h"\n' >>"$T/tree/common/engine/handshake_init.c"
	run "$CHECK" "$T/tree"
	assert_failure 1
	assert_output --regexp '^include cycle: handshake -> handshake_run -> handshake \(common/engine/handshake_init\.c:[0-9]+ includes handshake_run\.h; common/engine/handshake_run\.[ch]:[0-9]+ includes handshake\.h\)$'
}

@test "layers: a header that includes its own module's private header is no cycle" {
	copy_tree
	printf '#include "handshake_int.h"\n' >>"$T/tree/common/engine/handshake_init.c"
	run "$CHECK" "$T/tree"
	assert_success
}
