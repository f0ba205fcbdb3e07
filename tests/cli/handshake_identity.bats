#!/usr/bin/env bats
# xe2e-handshake: who learns an identity, attacked as xe2e(7) HANDSHAKE
# "Identity protection" says it cannot be: a stranger who can send stanzas
# from Bob's JID but holds none of Bob's keys (the server, or anyone on the
# path) runs a real xe2e-handshake with an identity made for Bob's JID.

load helpers
load handshake_helpers

setup() {
	hs_setup
	M=$T/mallory
	XE2E_HOME=$M make_identity bob@montague.lit
}

first_contact() {
	pair
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; fail "first contact failed"; }
}

# Runs a handshake of Alice with Mallory in Bob's place (arguments as for
# pair).
pair_with_mallory() {
	local bob=$B
	B=$M
	pair "$@"
	B=$bob
}

# Fails when anything that names Alice's identity or device is in a home:
# her JID, her identity fingerprint, her device key or device id.
nothing_of_alice_in() {
	local home=$1 what
	for what in alice@capulet.lit \
		"$(as_alice xe2e-keygen --show | field identity | tr -d ' ')" \
		"$(as_alice xe2e-keygen --show | field device-key | tr -d ' ')" \
		"$(as_alice xe2e-keygen --show | field device-id)"; do
		[ -n "$what" ] || return 1
		if grep -r -l -i -F -e "$what" "$home"; then
			echo "$what found in $home"
			return 1
		fi
	done
}

@test "identity: a forged retry then a swap get nothing of an IK initiator's" {
	first_contact
	# Alice knows Bob: IK. Mallory cannot read it and answers with a retry
	# to XX, then, as --protect-self does, with a swap.
	local before
	before=$(tree_digest "$A")
	pair_with_mallory --verbose -- --protect-self
	grep -q "step='retry'" "$T/b.out"
	grep -q "step='swap'" "$T/b.out"
	nothing_of_alice_in "$M"
	assert_equal "$a_status" 3
	grep -q "^xe2e-handshake: handshake with bob@montague.lit failed: bob@montague.lit asked to swap roles, which would make this side reveal its identity to a responder that has not proved its key; refused: bob@montague.lit is in the trust store and must prove its key first (possible attack) (trust failure)$" "$T/a.err"
	# Alice sent two step 1 and an abort, never a step 2.
	assert_equal "$(grep -c "step='1'" "$T/a.out")" 2
	! grep -q "step='2'" "$T/a.out"
	grep -q "step='abort' reason='trust'" "$T/a.out"
	assert_equal "$b_status" 3
	grep -q 'the peer refused the handshake (trust)' "$T/b.err"
	assert_equal "$(tree_digest "$A")" "$before"
}

@test "identity: a swap after a retry is refused with any known peer, even without IK" {
	first_contact
	# Bob's device binding expired in Alice's store: she knows his identity
	# but no device key, so she starts with XX; Mallory asks for another
	# suite, then swaps.
	sed -i 's/^\(device bob@montague.lit .*\) created=[0-9]* expires=[0-9]*$/\1 created=100 expires=1000/' \
		"$A/trust"
	grep -q ' expires=1000$' "$A/trust"
	pair_with_mallory -- --protect-self --suites AESGCM
	grep -q "step='retry'" "$T/b.out"
	grep -q "step='swap'" "$T/b.out"
	nothing_of_alice_in "$M"
	! grep -q "step='2'" "$T/a.out"
	assert_equal "$a_status" 3
	grep -q 'asked to swap roles, which would make this side reveal its identity' "$T/a.err"
}

@test "identity: on first contact a swap is accepted, as the leap of faith would be" {
	pair_with_mallory -- --protect-self
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; false; }
	grep -q 'roles swapped' "$T/a.err"
}
