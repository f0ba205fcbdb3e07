#!/usr/bin/env bats
# xe2e-verify-sas after a real handshake, both sides joined by FIFOs: SAS
# shown, compared by script and at a prompt, mismatches, forged reveals and
# commits from the wrong side, aborted runs, shared secrets right and wrong
# and the failed-run limit, rs-reset cleared, the pending IK responder.

load helpers
load seal_helpers
load handshake_helpers

ALICE_PEER=bob@montague.lit
BOB_PEER=alice@capulet.lit
V_TIMEOUT=30

setup() {
	seal_setup
	unset A2B_FILTER A_NEXT B_NEXT
	export INPUTRC=/dev/null TERM=xterm
}

# vpair [ALICE ARGS] -- [BOB ARGS]: a run of xe2e-verify-sas on both sides
# (run_pair with the TAG v): afterwards a_status, b_status, $T/va.err,
# $T/vb.err, $T/va.out, $T/vb.out, $T/va.rest and $T/vb.rest.
vpair() {
	run_pair v verify_alice verify_bob "$@"
}

verify_bob() {
	as bob timeout $V_TIMEOUT xe2e-verify-sas --peer $BOB_PEER --timeout 10 "$@"
}

verify_alice() {
	as alice timeout $V_TIMEOUT xe2e-verify-sas --peer $ALICE_PEER --timeout 10 "$@"
}

# Each side expects, through a FIFO, the code the other side wrote to its
# --sas-file: use with vpair --expect-file "$T/ea" --sas-file "$T/a.sas" --
# --expect-file "$T/eb" --sas-file "$T/b.sas". $CROSS_FILTER (a command)
# may change the codes on their way, as a person would type them.
cross_expect() {
	rm -f "$T/ea" "$T/eb" "$T/a.sas" "$T/b.sas"
	mkfifo "$T/ea" "$T/eb"
	(
		for _ in $(seq 400); do
			[ -s "$T/a.sas" ] && [ -s "$T/b.sas" ] && break
			sleep 0.05
		done
		timeout 20 sh -c "${CROSS_FILTER:-cat} <'$T/b.sas' >'$T/ea'" &
		timeout 20 sh -c "${CROSS_FILTER:-cat} <'$T/a.sas' >'$T/eb'" &
		wait
	) 3>&- &
}

# The trust level WHO keeps for PEER.
level_of() {
	as "$1" xe2e-trustdb show "$2" | sed -n 's/^level: //p'
}

flags_of() {
	as "$1" xe2e-trustdb show "$2" | sed -n 's/^flags: //p'
}

# A plain control stanza from FROM to TO: ctl FROM TO ELEMENT
ctl() {
	printf "<message to='%s' from='%s' type='chat'>%s</message>\n" "$(full_of "$2")" \
		"$(full_of "$1")" "$3"
}

# Runs a command with its stdout in $T/out.xml; its stderr goes to $output
# and its exit status to $status, as with run.
run_to_file() {
	status=0
	"$@" >"$T/out.xml" 2>"$T/stderr" || status=$?
	output=$(cat "$T/stderr")
}

b64_random32() {
	head -c 32 /dev/urandom | base64 -w0
}

# A run at a pseudo-terminal for alice (script(1)) against bob's arguments:
# pty_run ANSWER [ALICE ARGS] -- [BOB ARGS]. Alice's answer is typed once
# her prompt (matching $PROMPT_RE) is on the terminal; the terminal's
# transcript is in $T/tty.out.
pty_run() {
	local answer=$1 aargs=() bargs=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do aargs+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	bargs=("$@")
	PAIR_TAG=v
	rm -f "$T/v.ab" "$T/v.ba" "$T/tty.out"
	mkfifo "$T/v.ab" "$T/v.ba"
	as bob bounded_io $V_TIMEOUT "$T/v.ab" "$T/v.ba" \
		xe2e-verify-sas --peer $BOB_PEER --timeout 10 "${bargs[@]}" 2>"$T/vb.err" &
	local bob=$!
	{
		for _ in $(seq 400); do
			grep -q "$PROMPT_RE" "$T/tty.out" 2>/dev/null && break
			sleep 0.05
		done
		printf '%s\n' "$answer"
		sleep 1
	} | XE2E_HOME="$T/alice" timeout $V_TIMEOUT script -qefc \
		"xe2e-verify-sas --peer $ALICE_PEER --timeout 10 ${aargs[*]} >'$T/v.ab' <'$T/v.ba' 2>'$T/va.err'" \
		/dev/null >"$T/tty.out" && a_status=0 || a_status=$?
	wait "$bob" && b_status=0 || b_status=$?
}

@test "verify-sas: --help, --version and usage errors exit 2" {
	local args
	run xe2e-verify-sas --help
	assert_success
	assert_output --partial 'usage: xe2e-verify-sas --peer JID'
	run xe2e-verify-sas --version
	assert_success
	assert_output --regexp '^xe2e-verify-sas [0-9]+\.[0-9]+\.[0-9]+$'
	for args in '' '--bogus' "--peer $ALICE_PEER extra" "--peer $ALICE_PEER --expect K7M2" \
		"--peer $ALICE_PEER --expect K7M2-X9QU" "--peer $ALICE_PEER --expect 0000-0000 --print" \
		"--peer $ALICE_PEER --expect-file /dev/null --print" \
		"--peer $ALICE_PEER --secret --secret-file /dev/null" \
		"--peer $ALICE_PEER --secret --print" "--peer $ALICE_PEER --secret-file x --sas-file y" \
		"--peer $ALICE_PEER --timeout 0" "--peer $ALICE_PEER --timeout x" '--peer'; do
		run as alice xe2e-verify-sas $args </dev/null
		assert_failure 2
	done
	# nothing to ask on: no terminal, no --expect, --print or --secret-file
	run no_tty env XE2E_HOME="$T/alice" xe2e-verify-sas --peer $ALICE_PEER
	assert_failure 2
	assert_output --partial 'no terminal'
}

@test "verify-sas: --help shows the man page's synopsis" {
	command -v groff >/dev/null || skip "groff is not installed"
	run bash -c "groff -mdoc -Tascii -P-cbou '$BATS_TEST_DIRNAME/../../man/xe2e-verify-sas.1' \
		2>/dev/null | sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' |
		sed -n 's/^ *xe2e-verify-sas/xe2e-verify-sas/p'"
	assert_success
	local synopsis=$output
	run bash -c "xe2e-verify-sas --help | sed -n 's/^usage: //; s/^ *xe2e-verify-sas/xe2e-verify-sas/p'"
	assert_equal "$output" "$synopsis"
}

@test "verify-sas: no session with the peer" {
	run as alice xe2e-verify-sas --peer carol@capulet.lit --print </dev/null
	assert_failure 1
	# where it looked
	assert_output --partial "no session with carol@capulet.lit in $T/alice/state/sessions: run xe2e-handshake first"
}

@test "verify-sas: --print on both sides shows the same code, records nothing, and stops after its last stanza" {
	A_NEXT="<message to='$BOB_FULL'><body>next for bob</body></message>"
	B_NEXT="<message to='$ALICE_FULL'><body>next for alice</body></message>"
	vpair --print --sas-file "$T/a.sas" -- --print --sas-file "$T/b.sas"
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; false; }
	run cat "$T/a.sas"
	assert_output --regexp '^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$'
	assert_equal "$(cat "$T/b.sas")" "$(cat "$T/a.sas")"
	assert_equal "$(sed -n 's/^xe2e-verify-sas: SAS: //p' "$T/va.err")" "$(cat "$T/a.sas")"
	assert_equal "$(sed -n 's/^xe2e-verify-sas: SAS: //p' "$T/vb.err")" "$(cat "$T/a.sas")"
	assert_equal "$(level_of alice $ALICE_PEER)" tofu
	assert_equal "$(level_of bob $BOB_PEER)" tofu
	# commit, reveal, result from the initiator; nonce, result from the responder
	assert_equal "$(grep -c '<sealed' "$T/va.out")" 3
	assert_equal "$(grep -c '<sealed' "$T/vb.out")" 2
	# ordinary sealed chat messages, the control element out of sight
	run grep -c "^<message to='$BOB_FULL' from='$ALICE_JID' type='chat'><sealed xmlns='urn:xe2e:1'>[A-Za-z0-9+/=]*</sealed><encryption xmlns='urn:xmpp:eme:0' namespace='urn:xe2e:1'/><no-permanent-store xmlns='urn:xmpp:hints'/><private xmlns='urn:xmpp:carbons:2'/></message>$" "$T/va.out"
	assert_output 3
	run grep -c -e '<sas' -e 'commit' "$T/va.out" "$T/vb.out"
	assert_output --partial ':0'
	refute_output --partial ':1'
	# neither read past its last stanza
	assert_equal "$(grep -v '^$' "$T/vb.rest")" "$A_NEXT"
	assert_equal "$(grep -v '^$' "$T/va.rest")" "$B_NEXT"
	# a second run gives another code
	vpair --print --sas-file "$T/a2.sas" -- --print
	assert_equal "$a_status" 0
	[ "$(cat "$T/a2.sas")" != "$(cat "$T/a.sas")" ]
}

@test "verify-sas: scripted match both ways records verified on both sides" {
	cross_expect
	vpair --expect-file "$T/ea" --sas-file "$T/a.sas" -- --expect-file "$T/eb" --sas-file "$T/b.sas"
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; false; }
	assert_equal "$(level_of alice $ALICE_PEER)" verified
	assert_equal "$(level_of bob $BOB_PEER)" verified
	run cat "$T/va.err"
	assert_output --partial "verified: $ALICE_PEER"
	# the session carries it too
	run as alice xe2e-trustdb sessions list
	assert_output --partial verified
	# case and dashes do not matter: typed as read out
	CROSS_FILTER="tr 'A-Z-' 'a-z '" cross_expect
	vpair --expect-file "$T/ea" --sas-file "$T/a.sas" -- --print --sas-file "$T/b.sas"
	assert_equal "$a_status" 0
	# one symbol off is a mismatch
	cat >"$T/next_symbol" <<'END'
#!/bin/sh
awk '{ a = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"; i = index(a, substr($0, 1, 1))
	print substr(a, i % 32 + 1, 1) substr($0, 2) }'
END
	chmod +x "$T/next_symbol"
	CROSS_FILTER="$T/next_symbol" cross_expect
	vpair --expect-file "$T/ea" --sas-file "$T/a.sas" -- --print --sas-file "$T/b.sas"
	assert_equal "$a_status" 3
}

@test "verify-sas: a session from prekeys cannot make its peer verified (exit 3)" {
	# Start over without the handshake: Alice first writes to Bob's bundle.
	local who
	for who in alice bob; do
		rm -rf "${T:?}/$who/trust" "$T/$who/state"
	done
	as bob xe2e-keygen --prekeys 1 --output "$T/bundle.xml" 2>/dev/null
	msg alice bob m1 'hi' | as alice xe2e-seal --bundle "$T/bundle.xml" --to "$ALICE_PEER" \
		>"$T/sealed" 2>/dev/null
	as bob xe2e-open <"$T/sealed" >/dev/null 2>&1
	assert_equal "$(flags_of alice $ALICE_PEER)" offline-origin
	assert_equal "$(flags_of bob $BOB_PEER)" offline-origin
	local trust_a trust_b
	trust_a=$(cat "$T/alice/trust")
	trust_b=$(cat "$T/bob/trust")
	# The codes match on both sides; neither records verified.
	cross_expect
	vpair --expect-file "$T/ea" --sas-file "$T/a.sas" -- --expect-file "$T/eb" --sas-file "$T/b.sas"
	[ "$a_status" = 3 ] && [ "$b_status" = 3 ] || { show_errs; false; }
	assert_equal "$(cat "$T/a.sas")" "$(cat "$T/b.sas")"
	run grep -c 'cannot record' "$T/va.err"
	assert_output 1
	run grep 'cannot record' "$T/va.err"
	assert_output "xe2e-verify-sas: cannot record $ALICE_PEER as verified: the session with $ALICE_PEER began from a prekey bundle; run a real-time handshake (xe2e-handshake) before verifying (trust failure)"
	run grep 'cannot record' "$T/vb.err"
	assert_output "xe2e-verify-sas: cannot record $BOB_PEER as verified: the session with $BOB_PEER began from a prekey bundle; run a real-time handshake (xe2e-handshake) before verifying (trust failure)"
	assert_equal "$(cat "$T/alice/trust")" "$trust_a"
	assert_equal "$(cat "$T/bob/trust")" "$trust_b"
	run as alice xe2e-trustdb sessions list
	assert_output --regexp " tofu offline-origin [^ ]+ current$"
	# After a real-time handshake (confirmed by a first stanza) the same
	# comparison is recorded.
	handshake alice bob
	msg alice bob m2 'live' | as alice xe2e-seal 2>/dev/null | as bob xe2e-open >/dev/null 2>&1
	assert_equal "$(flags_of alice $ALICE_PEER)" -
	assert_equal "$(flags_of bob $BOB_PEER)" -
	cross_expect
	vpair --expect-file "$T/ea" --sas-file "$T/a.sas" -- --expect-file "$T/eb" --sas-file "$T/b.sas"
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; false; }
	assert_equal "$(level_of alice $ALICE_PEER)" verified
	assert_equal "$(level_of bob $BOB_PEER)" verified
}

@test "verify-sas: a wrong code on one side makes both sides exit 3" {
	# alice expects a wrong code, bob the right one: both record mismatch
	cross_expect
	vpair --expect 0000-0000 --sas-file "$T/a.sas" -- --expect-file "$T/eb" --sas-file "$T/b.sas"
	# the FIFO alice never reads
	timeout 5 cat "$T/ea" >/dev/null || true
	[ "$a_status" = 3 ] && [ "$b_status" = 3 ] || { show_errs; false; }
	run cat "$T/va.err"
	assert_output --partial 'the codes differ'
	assert_output --partial 'someone may be intercepting this session: do not trust it'
	run cat "$T/vb.err"
	assert_output --partial "$BOB_PEER reports that the codes differ"
	assert_equal "$(level_of alice $ALICE_PEER)" mismatch
	assert_equal "$(level_of bob $BOB_PEER)" mismatch
	# and a peer marked mismatch is refused at the next handshake
	run handshake alice bob
	assert_failure
}

@test "verify-sas: after a no, the session is not sealed into, is shown as mismatch, and a new start works" {
	vpair --expect 0000-0000 -- --print
	[ "$a_status" = 3 ] || { show_errs; false; }
	assert_equal "$(level_of alice $ALICE_PEER)" mismatch
	# xe2e-seal refuses the session, stanza after stanza, saying how to start again
	{ msg alice bob m1 one; msg alice bob m2 two; } >"$T/two.xml"
	run --separate-stderr as alice xe2e-seal <"$T/two.xml"
	assert_equal "$status" 3
	assert_equal "$output" ''
	assert_equal "$(grep -c 'marked mismatch' <<<"$stderr")" 2
	[[ $stderr == *"xe2e-trustdb forget $ALICE_PEER, a new handshake, then xe2e-verify-sas"* ]]
	# the session is shown as mismatch, not at the level it was made at
	run as alice xe2e-trustdb sessions list
	assert_success
	assert_output --regexp " $ALICE_PEER/garden mismatch "
	run as alice xe2e-trustdb --xml sessions list
	assert_output --partial "trust='mismatch'"
	# what the other side sent still opens, with a warning that cannot be silenced
	msg bob alice r1 reply | as bob xe2e-seal >"$T/reply.xml"
	run --separate-stderr as alice xe2e-open --quiet <"$T/reply.xml"
	assert_success
	assert_output --partial '<body>reply</body>'
	[[ $stderr == *"the session with $ALICE_PEER is not to be trusted"* ]]
	# starting again: forget the key, a new handshake, and sealing works
	run as alice xe2e-trustdb forget $ALICE_PEER
	assert_success
	handshake alice bob
	run --separate-stderr as alice xe2e-seal < <(msg alice bob m3 three)
	assert_success
	run as alice xe2e-trustdb sessions list
	refute_output --partial ' mismatch '
}

@test "verify-sas: a side that only shows the code records nothing when the other says no" {
	vpair --print -- --expect 0000-0000
	[ "$a_status" = 3 ] && [ "$b_status" = 3 ] || { show_errs; false; }
	assert_equal "$(level_of alice $ALICE_PEER)" tofu
	assert_equal "$(level_of bob $BOB_PEER)" mismatch
	run cat "$T/va.err"
	assert_output --partial 'reports that the codes differ; nothing recorded here'
}

@test "verify-sas: interactive yes and no at a terminal prompt" {
	require_pty
	PROMPT_RE='yes/no'
	pty_run yes -- --print
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { cat "$T/tty.out" "$T/va.err" "$T/vb.err"; false; }
	local code
	code=$(sed -n 's/^xe2e-verify-sas: SAS: //p' "$T/vb.err")
	run cat "$T/tty.out"
	assert_output --partial "Does $ALICE_PEER read the same code, $code? [yes/no]"
	# after the answer, the terminal says what it waits for
	assert_output --partial "Waiting for $ALICE_PEER to answer..."
	assert_equal "$(level_of alice $ALICE_PEER)" verified
	# "no": mismatch, and what it means
	pty_run no -- --print
	[ "$a_status" = 3 ] && [ "$b_status" = 3 ] || { cat "$T/tty.out" "$T/va.err" "$T/vb.err"; false; }
	run cat "$T/va.err"
	assert_output --partial 'the codes differ'
	assert_output --partial 'someone may be intercepting this session: do not trust it'
	assert_equal "$(level_of alice $ALICE_PEER)" mismatch
}

@test "verify-sas: the prompt asks again until the answer is yes or no" {
	require_pty
	PROMPT_RE='yes/no'
	pty_run $'maybe\nY' -- --print
	[ "$a_status" = 0 ] || { cat "$T/tty.out" "$T/va.err"; false; }
	run cat "$T/tty.out"
	assert_output --partial 'Please answer yes or no.'
	assert_equal "$(level_of alice $ALICE_PEER)" verified
}

@test "verify-sas: a reveal that does not match its commitment is a possible attack" {
	# alice's side played by hand: a stanza that is no control stanza, a
	# commit, a reveal of another nonce, and her result, sealed in the session
	{
		msg alice bob m1 'not part of the verification'
		ctl alice bob "<sas xmlns='urn:xe2e:1' step='commit'>$(b64_random32)</sas>"
		ctl alice bob "<sas xmlns='urn:xe2e:1' step='reveal'>$(b64_random32)</sas>"
		ctl alice bob "<sas xmlns='urn:xe2e:1' step='result'>yes</sas>"
	} | xseal alice >"$T/in.xml"
	run_to_file as bob timeout 20 xe2e-verify-sas --peer $BOB_PEER --expect 0000-0000 \
		--timeout 5 <"$T/in.xml"
	assert_failure 3
	assert_output --partial 'skipped a stanza from alice@capulet.lit'
	assert_output --partial 'does not match its commitment: possible attack'
	refute_output --partial 'SAS:'
	assert_equal "$(level_of bob $BOB_PEER)" mismatch
	# bob sent his nonce and his "no"; alice can read them with xe2e-open
	run xopen alice <"$T/out.xml"
	assert_success
	assert_line --index 0 --regexp "<sas xmlns='urn:xe2e:1' step='nonce'>[A-Za-z0-9+/]{43}=</sas>"
	assert_line --index 1 --partial "<sas xmlns='urn:xe2e:1' step='result' reason='commitment'>no</sas>"
}

@test "verify-sas: a commit from the wrong side is refused" {
	# bob (the responder) commits as if he were the initiator
	ctl bob alice "<sas xmlns='urn:xe2e:1' step='commit'>$(b64_random32)</sas>" |
		xseal bob >"$T/in.xml"
	run_to_file as alice timeout 20 xe2e-verify-sas --peer $ALICE_PEER --print --timeout 5 \
		<"$T/in.xml"
	assert_failure 3
	assert_output --partial 'a commit from the wrong side'
	assert_equal "$(level_of alice $ALICE_PEER)" tofu
	# alice's own commit, then her abort
	run xopen bob <"$T/out.xml"
	assert_success
	assert_line --index 0 --partial "<sas xmlns='urn:xe2e:1' step='commit'>"
	assert_line --index 1 --partial "<sas xmlns='urn:xe2e:1' step='abort' reason='protocol'/>"
	# the other method is refused as such
	ctl bob alice "<spake2 xmlns='urn:xe2e:1' step='share'>$(head -c 65 /dev/urandom | base64 -w0)</spake2>" |
		xseal bob >"$T/in.xml"
	run as alice timeout 20 xe2e-verify-sas --peer $ALICE_PEER --print --timeout 5 <"$T/in.xml"
	assert_failure 1
	assert_output --partial 'the peer runs a shared-secret verification'
}

@test "verify-sas: control stanzas are ordinary sealed stanzas that xe2e-open shows as they are" {
	run as alice timeout 20 xe2e-verify-sas --peer $ALICE_PEER --print </dev/null
	assert_failure 3
	as alice timeout 20 xe2e-verify-sas --peer $ALICE_PEER --print </dev/null >"$T/commit.xml" 2>/dev/null || true
	run xopen bob <"$T/commit.xml"
	assert_success
	assert_output --regexp "^<message to='$BOB_FULL' from='$ALICE_JID' type='chat'><sas xmlns='urn:xe2e:1' step='commit'>[A-Za-z0-9+/]{43}=</sas><no-permanent-store xmlns='urn:xmpp:hints'/><private xmlns='urn:xmpp:carbons:2'/></message>$"
}

@test "verify-sas: aborted runs are counted and reported" {
	run as alice timeout 20 xe2e-verify-sas --peer $ALICE_PEER --print </dev/null
	assert_failure 3
	assert_output --partial 'the input ended before the run did'
	assert_output --partial "1 aborted verification run with $ALICE_PEER; each is another chance for an attacker"
	# a silent peer: the timeout
	run as alice timeout 20 xe2e-verify-sas --peer $ALICE_PEER --print --timeout 1 < <(sleep 4)
	assert_failure 3
	assert_output --partial "no answer from $ALICE_PEER within 1 s"
	assert_output --partial '2 aborted verification runs'
	# the next run says so before it starts, and a match forgets them
	cross_expect
	vpair --expect-file "$T/ea" --sas-file "$T/a.sas" -- --expect-file "$T/eb" --sas-file "$T/b.sas"
	[ "$a_status" = 0 ] || { show_errs; false; }
	run cat "$T/va.err"
	assert_output --partial 'note: 2 earlier verification runs with bob@montague.lit were aborted'
	run as alice timeout 20 xe2e-verify-sas --peer $ALICE_PEER --print </dev/null
	assert_output --partial "1 aborted verification run with"
	# in a file of their own, apart from the failed shared-secret runs
	assert_equal "$(cat "$T/alice/state/sas-aborted")" "# xe2e sas aborts v1
$ALICE_PEER 1"
	assert_file_not_exists "$T/alice/state/failures"
}

@test "verify-sas: an aborted-run count of an earlier version is read and given its own header" {
	printf '# xe2e spake2 failures v1\n%s 2\n' $ALICE_PEER >"$T/alice/state/sas-aborted"
	chmod 600 "$T/alice/state/sas-aborted"
	run as alice timeout 20 xe2e-verify-sas --peer $ALICE_PEER --print </dev/null
	assert_failure 3
	assert_output --partial "3 aborted verification runs with $ALICE_PEER"
	assert_equal "$(cat "$T/alice/state/sas-aborted")" "# xe2e sas aborts v1
$ALICE_PEER 3"
	# another counter's file is not taken for one
	printf '# xe2e retained secrets v1\n' >"$T/alice/state/sas-aborted"
	run as alice timeout 20 xe2e-verify-sas --peer $ALICE_PEER --print </dev/null
	assert_failure 3
	refute_output --partial 'aborted verification run'
	assert_equal "$(cat "$T/alice/state/sas-aborted")" '# xe2e retained secrets v1'
}

@test "verify-sas: verification clears rs-reset and keeps the session's retained secret" {
	# bob loses his retained secrets: the next handshake mismatches, and alice
	# (tofu) goes on with rs-reset and a provisional secret
	rm "$T/bob/state/retained"
	handshake alice bob
	assert_equal "$(flags_of alice $ALICE_PEER)" rs-reset
	run grep -c 'provisional=[0-9a-f]' "$T/alice/state/retained"
	assert_output 1
	cross_expect
	vpair --expect-file "$T/ea" --sas-file "$T/a.sas" -- --expect-file "$T/eb" --sas-file "$T/b.sas"
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; false; }
	run cat "$T/va.err"
	assert_output --partial 'rs-reset cleared'
	assert_equal "$(flags_of alice $ALICE_PEER)" -
	assert_equal "$(level_of alice $ALICE_PEER)" verified
	run grep -c 'provisional=-' "$T/alice/state/retained"
	assert_output 1
	# both keep the same rs1 now, and the next handshake matches it
	assert_equal "$(sed -n 's/.* rs1=\([0-9a-f]*\) .*/\1/p' "$T/alice/state/retained")" \
		"$(sed -n 's/.* rs1=\([0-9a-f]*\) .*/\1/p' "$T/bob/state/retained")"
	handshake alice bob
	run cat "$T"/hs.*/alice.err
	assert_output --partial 'retained-secret: matched'
	assert_equal "$(flags_of alice $ALICE_PEER)" -
}

@test "verify-sas: a run after an IK handshake follows the responder's pending session" {
	handshake alice bob
	run cat "$T"/hs.*/bob.err
	assert_output --partial 'pending until the peer'
	vpair --print --sas-file "$T/a.sas" -- --print --sas-file "$T/b.sas"
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; false; }
	assert_equal "$(cat "$T/b.sas")" "$(cat "$T/a.sas")"
	run cat "$T/vb.err"
	assert_output --partial 'the run uses the new session'
}

@test "verify-sas: the same shared secret verifies and mixes into the retained secret" {
	printf 'the nurse is called Angelica\n' >"$T/secret"
	local rs_before
	rs_before=$(sed -n 's/.* rs1=\([0-9a-f]*\) .*/\1/p' "$T/alice/state/retained")
	vpair --secret-file "$T/secret" -- --secret-file "$T/secret"
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; false; }
	assert_equal "$(level_of alice $ALICE_PEER)" verified
	assert_equal "$(level_of bob $BOB_PEER)" verified
	# start, share-confirm, result; share, confirm
	assert_equal "$(grep -c '<sealed' "$T/va.out")" 3
	assert_equal "$(grep -c '<sealed' "$T/vb.out")" 2
	local rs_a rs_b
	rs_a=$(sed -n 's/.* rs1=\([0-9a-f]*\) .*/\1/p' "$T/alice/state/retained")
	rs_b=$(sed -n 's/.* rs1=\([0-9a-f]*\) .*/\1/p' "$T/bob/state/retained")
	assert_equal "$rs_a" "$rs_b"
	[ "$rs_a" != "$rs_before" ]
	handshake alice bob
	run cat "$T"/hs.*/alice.err
	assert_output --partial 'retained-secret: matched'
	refute_output --partial 'mismatch'
}

@test "verify-sas: different secrets fail, three failed runs, then refused until reset" {
	printf 'Rosaline\n' >"$T/right"
	printf 'Rosalind\n' >"$T/wrong"
	local i
	for i in 1 2 3; do
		vpair --secret-file "$T/right" -- --secret-file "$T/wrong"
		[ "$a_status" = 3 ] && [ "$b_status" = 3 ] || { show_errs; false; }
		run cat "$T/va.err"
		assert_output --partial 'the shared secrets differ'
		assert_output --partial 'possible attack'
		assert_output --partial "failed runs with $ALICE_PEER: $i of 3"
	done
	run as alice xe2e-trustdb show $ALICE_PEER
	assert_output --partial 'spake2-failures: 3'
	assert_equal "$(level_of alice $ALICE_PEER)" tofu
	# now even the right secret is refused, on both sides
	vpair --secret-file "$T/right" -- --secret-file "$T/right"
	[ "$a_status" = 3 ] && [ "$b_status" = 3 ] || { show_errs; false; }
	run cat "$T/va.err"
	assert_output --partial "refused until 'xe2e-trustdb reset-failures $ALICE_PEER'"
	# one side reset: the other still refuses, and says so to the first
	as alice xe2e-trustdb reset-failures $ALICE_PEER
	vpair --secret-file "$T/right" -- --secret-file "$T/right"
	[ "$a_status" = 3 ] && [ "$b_status" = 3 ] || { show_errs; false; }
	run cat "$T/va.err"
	assert_output --partial "refused by $ALICE_PEER"
	as bob xe2e-trustdb reset-failures $BOB_PEER
	vpair --secret-file "$T/right" -- --secret-file "$T/right"
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; false; }
	assert_equal "$(level_of alice $ALICE_PEER)" verified
	run as alice xe2e-trustdb show $ALICE_PEER
	assert_output --partial 'spake2-failures: 0'
}

@test "verify-sas: a shared-secret run that stops after the secret was at stake stays counted" {
	printf 'Verona\n' >"$T/secret"
	# bob's share arrives, alice answers with her confirmation, then nothing
	A2B_FILTER="head -n 1" vpair --secret-file "$T/secret" -- --secret-file "$T/secret"
	[ "$a_status" = 3 ] || { show_errs; false; }
	run cat "$T/va.err"
	assert_output --partial 'counts as a failed shared-secret run'
	run as alice xe2e-trustdb show $ALICE_PEER
	assert_output --partial 'spake2-failures: 1'
}

@test "verify-sas: an empty or overlong secret file is refused before the run" {
	: >"$T/empty"
	run as alice xe2e-verify-sas --peer $ALICE_PEER --secret-file "$T/empty" </dev/null
	assert_failure 1
	assert_output --partial 'the first line is empty'
	head -c 1025 /dev/zero | tr '\0' x >"$T/long"
	run as alice xe2e-verify-sas --peer $ALICE_PEER --secret-file "$T/long" </dev/null
	assert_failure 1
	assert_output --partial 'longer than 1024 bytes'
	run as alice xe2e-verify-sas --peer $ALICE_PEER --secret-file "$T/missing" </dev/null
	assert_failure 1
	run as alice xe2e-trustdb show $ALICE_PEER
	assert_output --partial 'spake2-failures: 0'
}

@test "verify-sas: SAS against a shared-secret run is refused on both sides" {
	printf 'Verona\n' >"$T/secret"
	vpair --print -- --secret-file "$T/secret"
	[ "$a_status" = 3 ] && [ "$b_status" = 1 ] || { show_errs; false; }
	assert_equal "$(level_of alice $ALICE_PEER)" tofu
	run cat "$T/vb.err"
	assert_output --partial 'the peer runs a SAS comparison'
	run cat "$T/va.err"
	assert_output --partial 'the peer stopped the run (method)'
}

@test "verify-sas: --secret asks at the terminal with echo off" {
	require_pty
	printf 'Queen Mab\n' >"$T/secret"
	PROMPT_RE='Shared secret with'
	pty_run 'Queen Mab' --secret -- --secret-file "$T/secret"
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { cat "$T/tty.out" "$T/va.err" "$T/vb.err"; false; }
	run cat "$T/tty.out"
	assert_output --partial "Shared secret with $ALICE_PEER: "
	refute_output --partial 'Queen Mab'
	assert_equal "$(level_of alice $ALICE_PEER)" verified
}
