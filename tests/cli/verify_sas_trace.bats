# xe2e-verify-sas --trace: the session and every control message of a SAS
# run and of a shared-secret run, in order on both sides, and no secret.

load helpers
load seal_helpers

setup() {
	seal_setup
	mkfifo "$T/ab" "$T/ba"
}

# A run on both sides, each with --trace and the given options (the same).
traced_run() {
	as bob timeout 30 xe2e-verify-sas --peer "$ALICE_JID" --trace --timeout 10 "$@" \
		<"$T/ab" >"$T/ba" 2>"$T/b.err" &
	local bob=$! st=0
	as alice timeout 30 xe2e-verify-sas --peer "$BOB_JID" --trace --timeout 10 "$@" \
		>"$T/ab" <"$T/ba" 2>"$T/a.err" || st=$?
	wait "$bob" || true
	[ "$st" = 0 ] || {
		cat "$T/a.err" "$T/b.err"
		return 1
	}
}

traces() {
	sed -n 's/^xe2e-verify-sas: trace: //p' "$T/$1.err"
}

# Every hex string of 32 digits or more in a side's secret files, and the
# shared secret: none may appear in either side's stderr.
no_secret() {
	local s n=0
	for s in $(cat "$T"/{alice,bob}/state/retained "$T"/{alice,bob}/state/sessions/*.session |
		grep -o '[0-9a-f]\{32,\}' | sort -u | grep -v -x "$SESSION") "$@"; do
		! grep -q -F -- "$s" "$T/a.err" "$T/b.err" || {
			echo "secret $s in a trace"
			return 1
		}
		n=$((n + 1))
	done
	[ "$n" -ge 10 ]
}

@test "verify-sas --trace: a SAS run, message by message" {
	traced_run --print
	run traces a
	assert_line --index 0 --regexp "^sas run in session $SESSION \(active, this side the Noise initiator\), with $BOB_FULL, device [0-9a-f]{8}, identity $(as bob xe2e-keygen --show | field identity); this side's identity $(as alice xe2e-keygen --show | field identity)$"
	assert_line --index 1 'sent sas commit, 32 bytes'
	assert_line --index 2 'received sas nonce, 32 bytes'
	assert_line --index 3 'sent sas reveal, 32 bytes'
	assert_line --index 4 'sent sas result, 0 bytes; answer unchecked'
	assert_line --index 5 'received sas result, 0 bytes; answer unchecked'
	assert_equal "${#lines[@]}" 6
	run traces b
	assert_line --index 0 --partial "(active, this side the Noise responder), with $ALICE_FULL"
	assert_line --index 1 'received sas commit, 32 bytes'
	assert_line --index 2 'sent sas nonce, 32 bytes'
	assert_line --index 3 'received sas reveal, 32 bytes'
	assert_equal "${#lines[@]}" 6
	no_secret
}

@test "verify-sas --trace: a shared-secret run, and no secret in it" {
	echo 'the name of the nurse' >"$T/secret"
	traced_run --secret-file "$T/secret"
	run traces a
	assert_line --index 1 'sent spake2 start, 0 bytes'
	assert_line --index 2 'received spake2 share, 65 bytes'
	assert_line --index 3 'sent spake2 share-confirm, 97 bytes'
	assert_line --index 4 'received spake2 confirm, 32 bytes'
	assert_line --index 5 'sent spake2 result, 0 bytes; answer yes'
	assert_equal "${#lines[@]}" 6
	run traces b
	assert_line --index 1 'received spake2 start, 0 bytes'
	assert_line --index 2 'sent spake2 share, 65 bytes'
	assert_line --index 3 'received spake2 share-confirm, 97 bytes'
	assert_line --index 4 'sent spake2 confirm, 32 bytes'
	assert_line --index 5 'received spake2 result, 0 bytes; answer yes'
	assert_equal "${#lines[@]}" 6
	no_secret 'the name of the nurse' 'nurse'
}

@test "verify-sas --trace: an abort is traced with its reason; not with --quiet" {
	# Bob runs a shared-secret run, Alice a SAS run: the other kind of run.
	echo secret >"$T/secret"
	as bob timeout 30 xe2e-verify-sas --peer "$ALICE_JID" --trace --timeout 10 \
		--secret-file "$T/secret" <"$T/ab" >"$T/ba" 2>"$T/b.err" &
	local bob=$!
	as alice timeout 30 xe2e-verify-sas --peer "$BOB_JID" --trace --timeout 10 --print \
		>"$T/ab" <"$T/ba" 2>"$T/a.err" || true
	wait "$bob" || true
	run bash -c "traces() { sed -n 's/^xe2e-verify-sas: trace: //p' \"\$1\"; }; traces '$T/b.err'"
	assert_line --index 1 'received sas commit, 32 bytes'
	assert_line --regexp '^sent spake2 abort, 0 bytes; reason method$'
	run xe2e-verify-sas --peer "$BOB_JID" --print --trace --quiet
	assert_failure 2
}
