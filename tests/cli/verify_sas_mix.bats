#!/usr/bin/env bats
# The SPAKE2 key of a confirmed xe2e-verify-sas --secret run in the
# session's Double Ratchet: both sides store the same pending mix for one
# root step, stanzas go on opening both ways across DH steps at every turn,
# the mixed step is what makes the responder's next stanza open, a lost
# last stanza makes the session fail closed at that step until a new
# handshake, and a run the session stepped past stores nothing.

load helpers
load seal_helpers
load handshake_helpers

setup() {
	seal_setup
	unset A2B_FILTER B_SECRET
	printf 'the nurse is called Angelica\n' >"$T/secret"
	# a DH step at every turn from now on, in the run too
	exchange 0
}

# One stanza each way, both at every-turn stepping: exchange TAG
exchange() {
	msg alice bob "a$1" "from alice $1" | xseal alice --ratchet-interval 0 >"$T/a$1.xml"
	assert_equal "$(xopen bob <"$T/a$1.xml")" "$(msg alice bob "a$1" "from alice $1")"
	msg bob alice "b$1" "from bob $1" | xseal bob --ratchet-interval 0 >"$T/b$1.xml"
	assert_equal "$(xopen alice <"$T/b$1.xml")" "$(msg bob alice "b$1" "from bob $1")"
}

# A --secret-file run between alice and bob (run_pair with the TAG v),
# with the secret in $T/secret (bob's in $B_SECRET when set); alice's
# stanzas pass through $A2B_FILTER (a command) on their way to bob. Sets
# a_status and b_status; $T/va.err, $T/vb.err, and $T/va.out (alice's
# stanzas).
spair() {
	run_pair v spair_alice spair_bob
}

spair_alice() {
	as alice timeout 60 xe2e-verify-sas --peer $BOB_JID --timeout 20 \
		--secret-file "$T/secret"
}

spair_bob() {
	as bob timeout 60 xe2e-verify-sas --peer $ALICE_JID --timeout 20 \
		--secret-file "${B_SECRET:-$T/secret}"
}

# WHO's current session id.
current_of() {
	as "$1" xe2e-trustdb sessions list | awk '$NF == "current" { print $1 }'
}

# A line of the ratchet of WHO's current session in xe2e-trustdb sessions
# show: rfield WHO NAME
rfield() {
	as "$1" xe2e-trustdb sessions show "$(current_of "$1")" | sed -n "s/^ratchet-$2: //p"
}

# The epoch alice's confirmations named: that of her first stanza.
run_epoch() {
	head -n 1 "$T/va.out" | sealed_header | cut -d' ' -f2
}

@test "verify-sas mix: both sides mix the shared secret into the same root step, and stanzas open both ways across it" {
	local e step file saved b1
	spair
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; false; }
	e=$(run_epoch)
	step=$((2 * e + 4))
	assert_equal "$(rfield alice spake2-mix-step)" "$step"
	assert_equal "$(rfield bob spake2-mix-step)" "$step"
	# every stanza of the run stepped: up to 2E + 3, one short of the mix
	assert_equal "$(rfield alice root-step)" $((step - 1))
	assert_equal "$(rfield bob root-step)" $((step - 1))
	run cat "$T/va.err" "$T/vb.err"
	assert_output --partial "the shared secret goes into the session's keys at root step $step"
	# the same key on both sides, in the session files only, never shown
	local key
	key=$(sed -n 's/^spake2-mix-key: //p' "$(session_file alice)")
	[[ "$key" =~ ^[0-9a-f]{32}$ ]]
	assert_equal "$(sed -n 's/^spake2-mix-key: //p' "$(session_file bob)")" "$key"
	run as alice xe2e-trustdb sessions show "$(current_of alice)"
	refute_output --partial "$key"
	run as alice xe2e-trustdb --xml sessions show "$(current_of alice)"
	assert_output --partial "spake2-mix-step='$step'"
	refute_output --partial "$key"

	# bob's next stanza takes the mixed step (the responder's epoch E + 2)
	msg bob alice m1 'after the run' | xseal bob --ratchet-interval 0 >"$T/m1.xml"
	assert_equal "$(sealed_header <"$T/m1.xml" | cut -d' ' -f2)" $((e + 2))
	assert_equal "$(rfield bob spake2-mix-step)" -
	assert_equal "$(rfield bob root-step)" "$step"
	# alice's session without its pending mix (rewritten in place: the
	# same file) refuses it and stays as it was ...
	file=$(session_file alice)
	saved=$(cat "$file")
	grep -v '^spake2-mix-' "$file" >"$T/unmixed"
	cat "$T/unmixed" >"$file"
	run xopen alice <"$T/m1.xml"
	assert_failure 1
	assert_output --partial tampered
	cmp "$T/unmixed" "$file"
	# ... and with it, opens it
	printf '%s\n' "$saved" >"$file"
	b1=$(xopen alice <"$T/m1.xml")
	assert_equal "$b1" "$(msg bob alice m1 'after the run')"
	assert_equal "$(rfield alice spake2-mix-step)" -
	assert_equal "$(rfield alice root-step)" "$step"

	# more DH steps both ways
	local i
	for i in 1 2 3; do exchange "x$i"; done
	assert_equal "$(rfield alice root-step)" $((step + 6))
	assert_equal "$(rfield bob root-step)" $((step + 6))
	assert_equal "$(rfield alice spake2-mix-step)" -
	assert_equal "$(rfield bob spake2-mix-step)" -
}

@test "verify-sas mix: with deferred steps the mix waits for its step and stanzas open both ways" {
	local e step i
	# back to the default policy: steps after 60 s or 100 messages
	msg alice bob d0 x | xseal alice >/dev/null
	msg bob alice d0 x | xseal bob >/dev/null
	spair
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; false; }
	e=$(run_epoch)
	step=$((2 * e + 4))
	assert_equal "$(rfield alice spake2-mix-step)" "$step"
	assert_equal "$(rfield bob spake2-mix-step)" "$step"
	for i in 1 2; do
		msg alice bob "d$i" deferred | xseal alice | xopen bob >/dev/null
		msg bob alice "d$i" deferred | xseal bob | xopen alice >/dev/null
	done
	# no step was due: still pending on both sides
	[ "$(rfield alice root-step)" -lt "$step" ]
	assert_equal "$(rfield bob spake2-mix-step)" "$step"
	for i in 1 2 3; do exchange "y$i"; done
	assert_equal "$(rfield alice spake2-mix-step)" -
	assert_equal "$(rfield bob spake2-mix-step)" -
	[ "$(rfield alice root-step)" -gt "$step" ]
}

@test "verify-sas mix: a lost last stanza leaves the mix at the initiator only; the session fails closed at that step until a new handshake" {
	local e step before
	A2B_FILTER="sed -u 3d" spair
	[ "$a_status" = 0 ] && [ "$b_status" = 3 ] || { show_errs; false; }
	run cat "$T/vb.err"
	assert_output --partial 'the input ended before the run did'
	e=$(run_epoch)
	step=$((2 * e + 4))
	assert_equal "$(rfield alice spake2-mix-step)" "$step"
	assert_equal "$(rfield bob spake2-mix-step)" -
	# stanzas of the epochs before the step still open both ways
	msg bob alice o1 older | xseal bob --ratchet-interval 0 >"$T/o1.xml"
	assert_equal "$(xopen alice <"$T/o1.xml")" "$(msg bob alice o1 older)"
	msg alice bob o2 older | xseal alice --ratchet-interval 0 >"$T/o2.xml"
	assert_equal "$(xopen bob <"$T/o2.xml")" "$(msg alice bob o2 older)"
	# bob's step without the mix: alice refuses it, her session unchanged
	msg bob alice o3 'not mixed' | xseal bob --ratchet-interval 0 >"$T/o3.xml"
	assert_equal "$(sealed_header <"$T/o3.xml" | cut -d' ' -f2)" $((e + 2))
	before=$(sha256sum <"$(session_file alice)")
	run xopen alice <"$T/o3.xml"
	assert_failure 1
	assert_output --partial tampered
	assert_equal "$(sha256sum <"$(session_file alice)")" "$before"
	assert_equal "$(rfield alice spake2-mix-step)" "$step"
	# a new handshake recovers. Alice recorded bob as verified and mixed
	# her retained secret, bob did neither: the retained secrets differ,
	# which alice refuses from a verified peer unless told to accept it
	rm -f "$T"/hs.*/*.err
	run handshake bob alice
	assert_failure
	run cat "$T"/hs.*/alice.err
	assert_output --partial 'retained secret mismatch'
	rm -f "$T"/hs.*/*.err
	handshake bob alice --accept-rs-reset
	exchange n1
	# a run in the new session mixes on both sides again, and the next
	# handshake finds the retained secrets matched
	spair
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; false; }
	exchange n2
	exchange n3
	assert_equal "$(rfield alice spake2-mix-step)" -
	rm -f "$T"/hs.*/*.err
	handshake alice bob
	run cat "$T"/hs.*/alice.err
	assert_output --partial 'retained-secret: matched'
	exchange n4
}

@test "verify-sas mix: a failed or aborted run stores no mix" {
	printf 'Rosaline\n' >"$T/wrong"
	B_SECRET="$T/wrong" spair
	[ "$a_status" = 3 ] && [ "$b_status" = 3 ] || { show_errs; false; }
	assert_equal "$(rfield alice spake2-mix-step)" -
	assert_equal "$(rfield bob spake2-mix-step)" -
	# the same secret, but bob hears nothing after alice's first stanza
	A2B_FILTER="head -n 1" spair
	[ "$a_status" != 0 ] && [ "$b_status" != 0 ] || { show_errs; false; }
	assert_equal "$(rfield alice spake2-mix-step)" -
	assert_equal "$(rfield bob spake2-mix-step)" -
	exchange f1
}

@test "verify-sas mix: a session that other stanzas moved past the step during the run stores no mix, on either side" {
	# while alice's share-confirm is on its way, two more rounds of stanzas
	# in the same session take both sides past root step 2E + 4
	cat >"$T/busy" <<EOF
#!/bin/bash
n=0
while IFS= read -r line; do
	n=\$((n + 1))
	if [ \$n = 2 ]; then
		for i in 1 2; do
			printf "<message to='$BOB_FULL' from='$ALICE_FULL' type='chat' id='z\$i'><body>z</body></message>\n" |
				XE2E_HOME='$T/alice' xe2e-seal --ratchet-interval 0 |
				XE2E_HOME='$T/bob' xe2e-open >/dev/null || exit 1
			printf "<message to='$ALICE_FULL' from='$BOB_FULL' type='chat' id='z\$i'><body>z</body></message>\n" |
				XE2E_HOME='$T/bob' xe2e-seal --ratchet-interval 0 |
				XE2E_HOME='$T/alice' xe2e-open >/dev/null || exit 1
		done
	fi
	printf '%s\n' "\$line"
done
EOF
	chmod +x "$T/busy"
	A2B_FILTER="$T/busy" spair
	[ "$a_status" = 1 ] && [ "$b_status" = 1 ] || { show_errs; false; }
	local e step
	e=$(run_epoch)
	step=$((2 * e + 4))
	run cat "$T/va.err"
	assert_output --partial "other stanzas moved the session with $BOB_JID on during the run: if the peer mixed the secret in at root step $step, the session fails from that step on; run a new handshake"
	assert_output --partial "cannot mix the shared secret into the session's keys: the session has taken root step"
	assert_output --partial "the mix was for step $step"
	run cat "$T/vb.err"
	assert_output --partial "other stanzas moved the session with $ALICE_JID on during the run"
	assert_equal "$(rfield alice spake2-mix-step)" -
	assert_equal "$(rfield bob spake2-mix-step)" -
	# the run itself verified; neither side mixed, so the session goes on
	assert_equal "$(as alice xe2e-trustdb show $BOB_JID | sed -n 's/^level: //p')" verified
	exchange g1
	exchange g2
}
