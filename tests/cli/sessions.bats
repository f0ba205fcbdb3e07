#!/usr/bin/env bats
# Sessions over their lifetime, from the command line: a session too old for
# xe2e-seal and xe2e-open, and the rs-reset path of xe2e-handshake with a
# tofu peer whose retained secret no longer matches.

load helpers
load seal_helpers
load handshake_helpers

setup() {
	seal_setup
	mkfifo "$T/a2b" "$T/b2a"
}

# Makes WHO's session with the other side DAYS days old. The age is what
# the file says (created, in the session and in its ratchet); rewriting it
# in place keeps the inode, so the file is still the one it says it is,
# not a stale copy, and is exactly what a session made then would hold.
age_session() {
	local f created
	f=$(session_file "$1")
	created=$(($(date +%s) - $2 * 86400))
	sed "s/^created: [0-9]*$/created: $created/" "$f" >"$T/aged"
	[ "$(grep -c "^created: $created$" "$T/aged")" = 2 ] || fail "no creation time in $f"
	cat "$T/aged" >"$f"
}

@test "sessions: an expired session is refused by seal and open, and nothing changes" {
	msgs alice bob 3 >"$T/plain"
	xseal alice <"$T/plain" >"$T/sealed" 2>/dev/null
	# 29 days: Alice still seals.
	age_session alice 29
	run --separate-stderr xseal alice < <(msg alice bob m4 'in time')
	assert_success
	assert_equal "$stderr" ''
	# 31 days: refused, one line, exit 1, and her state is as it was.
	age_session alice 31
	local before
	before=$(tree_digest "$A")
	run --separate-stderr xseal alice < <(msg alice bob m5 'too late')
	assert_failure 1
	assert_equal "$output" ''
	assert_equal "$stderr" "xe2e-seal: cannot seal <message>: session older than 30 days: run a new handshake (expired)"
	assert_equal "$(tree_digest "$A")" "$before"
	# Bob still opens for the 7 days a stanza may spend in transit...
	age_session bob 36
	run --separate-stderr xopen bob < <(sed -n 1p "$T/sealed")
	assert_success
	assert_output "$(sed -n 1p "$T/plain")"
	# ... and no longer after them: refused, one line, exit 1, nothing stored.
	age_session bob 38
	before=$(tree_digest "$B")
	run --separate-stderr xopen bob < <(sed -n 2p "$T/sealed")
	assert_failure 1
	assert_equal "$output" ''
	assert_equal "$stderr" "xe2e-open: <message id='m2'> from $ALICE_FULL not opened: expired session: session older than 37 days: run a new handshake"
	assert_equal "$(tree_digest "$B")" "$before"
	# A new handshake replaces the session; the peer's trust is kept.
	handshake alice bob
	run --separate-stderr xseal alice < <(msg alice bob m6 'new session')
	assert_success
	printf '%s\n' "$output" >"$T/new"
	run xopen bob <"$T/new"
	assert_success
	assert_output --partial 'new session'
}

@test "sessions: a tofu peer's changed retained secret: the handshake warns and trustdb shows rs-reset" {
	# Bob's retained secret for Alice is no longer the one she holds.
	local other
	other=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
	sed -i "s/ rs1=[0-9a-f]\{64\} / rs1=$other /" "$B/state/retained"
	grep -q " rs1=$other " "$B/state/retained"
	pair
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; false; }
	run grep -c 'warning: retained secret mismatch' "$T/a.err"
	assert_output 1
	run grep 'warning: retained secret mismatch' "$T/a.err"
	assert_output "xe2e-handshake: warning: retained secret mismatch with $BOB_JID: the session is marked rs-reset until verified (xe2e-verify-sas)"
	grep -q '^xe2e-handshake: flags: rs-reset$' "$T/a.err"
	# The trust store and the session say so, in text and XML.
	run as alice xe2e-trustdb list
	assert_output --regexp "^$BOB_JID [0-9a-f]{64} tofu rs-reset$"
	run as alice xe2e-trustdb show "$BOB_JID"
	assert_line 'flags: rs-reset'
	assert_line --regexp '^device: [0-9a-f]{8} [0-9a-f]{64} .* retained=rs1,provisional$'
	run as alice xe2e-trustdb --xml list
	assert_equal "$(xmllint --xpath 'string(//*[local-name()="peer"]/@flags)' - <<<"$output")" \
		rs-reset
	local id
	id=$(sed -n 's/^xe2e-handshake: session: //p' "$T/a.err")
	run as alice xe2e-trustdb sessions show "$id"
	assert_line 'current: yes'
	assert_line 'trust: tofu'
	assert_line 'flags: rs-reset'
	# Sealing in it warns too, and the stanza still goes.
	run --separate-stderr xseal alice < <(msg alice bob m1 'hi')
	assert_success
	[[ $stderr == *"session $id with $BOB_JID carries rs-reset: the retained secrets did not match; verify the peer (xe2e-verify-sas)"* ]] ||
		fail "$stderr"
}
