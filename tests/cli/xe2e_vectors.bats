# The published xe2e vectors (tests/vectors/xe2e/) against the library:
# every file passes, regenerating them gives the same bytes, and a vector
# changed anywhere (the wire, an input, a random draw, a field) fails.

load helpers

setup() {
	xe2e_setup
	T=$BATS_TEST_TMPDIR
	VEC="$BATS_TEST_DIRNAME/../vectors/xe2e"
	RUN="$BATS_TEST_DIRNAME/../vectors/run-xe2e-vectors"
	if [ "${XE2E_BUILD:-build}" = build-san ]; then export SANITIZE=1; else export SANITIZE=0; fi
}

# Copies the vectors to $T/v and applies the python statement EDIT to the
# parsed FILE (as d), written back.
edited() {
	rm -rf "$T/v" && cp -r "$VEC" "$T/v"
	python3 - "$T/v/$1" "$2" <<'PY'
import json, sys
path, edit = sys.argv[1:3]
d = json.load(open(path))
def flip(h, at=-1):
    i = at % len(h)
    return h[:i] + ("0" if h[i] != "0" else "1") + h[i + 1:]
exec(edit)
json.dump(d, open(path, "w"), indent="\t")
PY
}

@test "xe2e vectors: every published file passes against the library" {
	run --separate-stderr "$RUN" check
	assert_success
	for f in handshake ratchet sealed sas spake2 offline; do
		assert_line --regexp "^$f\\.json: [1-9][0-9]* passed, 0 failed$"
	done
	assert_line --regexp '^[0-9]+ passed, 0 failed$'
	[ -z "$(printf '%s\n' "$stderr" | grep '^FAIL')" ]
}

@test "xe2e vectors: generating them again from the library gives the same bytes" {
	run --separate-stderr "$RUN" generate "$T/gen"
	assert_success
	(cd "$VEC" && ls *.json) >"$T/published"
	(cd "$T/gen" && ls) >"$T/generated"
	diff "$T/published" "$T/generated"
	for f in $(cat "$T/published"); do
		cmp "$VEC/$f" "$T/gen/$f"
	done
}

@test "xe2e vectors: a flipped bit in any message on the wire fails, and the receiver opens the file's bytes" {
	edited handshake.json 'm = d["cases"][0]["messages"][1]; m["body"] = flip(m["body"], -5)'
	run --separate-stderr "$RUN" check "$T/v"
	assert_failure 1
	[[ $stderr == *'FAIL handshake.json: case 0 (xx-first-contact): "body" differs'* ]]
	[[ $stderr == *'step 2 from bob@example.org does not'* ]]

	edited ratchet.json 'e = d["cases"][2]["events"][1]; e["wire"] = flip(e["wire"], -3)'
	run --separate-stderr "$RUN" check "$T/v"
	assert_failure 1
	[[ $stderr == *'case 2 (out-of-order) event 1: "wire" differs'* ]]
	[[ $stderr == *'event 4: "result" differs at character 0: the library gives auth, the file says ok'* ]]

	for edit in \
		'sealed.json:c = d["cases"][2]; x = c["sealed"]; i = x.index(":xe2e:1'"'>"'") + 9; c["sealed"] = x[:i] + ("B" if x[i] != "B" else "A") + x[i + 1:]' \
		'offline.json:m = d["cases"][0]["message"]; m["initial_message"] = flip(m["initial_message"], -40)' \
		'sas.json:m = d["cases"][0]["messages"][2]; m["body"] = flip(m["body"])' \
		'spake2.json:m = d["cases"][0]["messages"][3]; m["body"] = flip(m["body"])'; do
		edited "${edit%%:*}" "${edit#*:}"
		run --separate-stderr "$RUN" check "$T/v"
		assert_failure 1
		[[ $stderr == *"FAIL ${edit%%:*}: case"*differs* ]]
	done
}

@test "xe2e vectors: a changed input, random draw or derived value fails" {
	edited handshake.json 'c = d["cases"][1]; c["initiator"]["identity_private"] = flip(c["initiator"]["identity_private"])'
	run --separate-stderr "$RUN" check "$T/v"
	assert_failure 1
	[[ $stderr == *'case 1 (ik-known-peer): "identity_public" differs'* ]]

	edited ratchet.json 'e = d["cases"][0]["events"][0]; e["random"][0] = flip(e["random"][0], 10)'
	run --separate-stderr "$RUN" check "$T/v"
	assert_failure 1
	[[ $stderr == *'case 0 (every-turn) event 0: "header" differs'* ]]

	edited handshake.json 'x = d["cases"][0]["responder"]["derived"]; x["session_id"] = flip(x["session_id"])'
	run --separate-stderr "$RUN" check "$T/v"
	assert_failure 1
	[[ $stderr == *'"session_id" differs'* ]]
	assert_line 'handshake.json: 5 passed, 1 failed'
}

@test "xe2e vectors: a random draw missing, or one too many, fails" {
	edited sas.json 'd["cases"][0]["messages"][0]["random"] = []'
	run --separate-stderr "$RUN" check "$T/v"
	assert_failure 1
	[[ $stderr == *'random draw 0: the library draws 32 bytes, the file has none'* ]]

	edited sas.json 'm = d["cases"][0]["messages"][0]; m["random"].append(m["random"][0])'
	run --separate-stderr "$RUN" check "$T/v"
	assert_failure 1
	[[ $stderr == *'the library drew 1 random values, the file records 2'* ]]
}

@test "xe2e vectors: a field no check looks at fails the file, a missing one its case" {
	edited offline.json 'd["cases"][1]["message"]["comment"] = "unchecked"'
	run --separate-stderr "$RUN" check "$T/v"
	assert_failure 1
	[[ $stderr == *'FAIL offline.json: cases[1].message.comment: a field no check looks at'* ]]

	edited sealed.json 'del d["cases"][0]["associated_data"]'
	run --separate-stderr "$RUN" check "$T/v"
	assert_failure 1
	[[ $stderr == *'FAIL sealed.json: case 0 (message): field "associated_data" missing'* ]]

	edited spake2.json 'd["cases"].pop()'
	run --separate-stderr "$RUN" check "$T/v"
	assert_failure 1
	[[ $stderr == *'element 1 missing'* ]]
}
