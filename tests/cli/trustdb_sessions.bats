#!/usr/bin/env bats
# xe2e-trustdb with real handshakes: sessions list, show and close, and
# what pinned, revoked and PSK entries do to the next handshake.

load helpers
load handshake_helpers
load trustdb_helpers

setup() {
	hs_setup
}

bob_fpr() {
	as_bob xe2e-keygen --show | field identity | tr -d ' '
}

first_contact() {
	pair
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; fail "handshake failed"; }
}

# The id of the only session file of a home.
only_session() {
	local f
	f=$(cd "$1/state/sessions" && ls ./*.session)
	[ "$(wc -w <<<"$f")" = 1 ] || fail "not one session: $f"
	f=${f#./}
	echo "${f%.session}"
}

@test "sessions: list and show the public state of a handshake's session" {
	first_contact
	local id
	id=$(only_session "$A")
	run --separate-stderr as_alice xe2e-trustdb sessions list
	assert_success
	assert_output --regexp "^$id active bob@montague.lit/garden tofu - [0-9-]{10}T[0-9:]{8}Z current$"
	run as_alice xe2e-trustdb sessions show "$id"
	assert_success
	assert_line --index 0 "id: $id"
	assert_line 'state: active'
	assert_line 'current: yes'
	assert_line 'role: initiator'
	assert_line 'pattern: XXpsk2'
	assert_line 'self: alice@capulet.lit'
	assert_line 'peer: bob@montague.lit/garden'
	assert_line "peer-identity: $(as_bob xe2e-keygen --show | field identity)"
	assert_line 'trust: tofu'
	local hh
	hh=$(sed -n 's/^handshake-hash: //p' "$A/state/sessions/$id.session")
	assert_line "handshake-hash: $hh"
	# never a secret of the session file
	local name value
	for name in root-key chain-key send-chain recv-chain own-private own-ratchet-private \
		pending-rs; do
		value=$(sed -n "s/^$name: //p" "$A/state/sessions/$id.session" | head -n 1)
		[ -z "$value" ] || [ "$value" = - ] || refute_output --partial "$value"
	done
	# the ratchet's public state
	assert_line 'ratchet-role: initiator'
	assert_line "ratchet-tag: $(sed -n 's/^tag: //p' "$A/state/sessions/$id.session")"
	assert_line 'ratchet-send-n: 0'
	# Bob's side: the same session id and channel binding, as responder
	run as_bob xe2e-trustdb sessions show "$id"
	assert_success
	assert_line 'role: responder'
	assert_line "handshake-hash: $hh"
	assert_line 'peer: alice@capulet.lit/balcony'
	# XML
	run as_alice xe2e-trustdb --xml sessions list
	assert_success
	well_formed "$output"
	assert_equal "$(xpath_of "$output" 'string(//*[local-name()="session"]/@id)')" "$id"
	assert_equal "$(xpath_of "$output" 'string(//*[local-name()="session"]/@handshake-hash)')" "$hh"
	assert_equal "$(xpath_of "$output" 'string(//*[local-name()="session"]/@current)')" yes
	assert_equal "$(xpath_of "$output" 'string(//*[local-name()="session"]/@peer-identity)')" \
		"$(bob_fpr)"
	run as_alice xe2e-trustdb --xml sessions show "$id"
	assert_success
	well_formed "$output"
	assert_equal "$(xpath_of "$output" 'string(//*[local-name()="session"]/@state)')" active
	assert_equal "$(xpath_of "$output" 'string(//*[local-name()="ratchet"]/@role)')" initiator
	assert_equal "$(xpath_of "$output" 'string(//*[local-name()="ratchet"]/@peer-epoch)')" 0
	run --separate-stderr as_alice xe2e-trustdb sessions show 0123456789abcdef0123456789abcdef
	assert_failure 1
	run --separate-stderr as_alice xe2e-trustdb sessions show nothex
	assert_failure 1
}

@test "sessions: on a terminal the list has a header naming its columns" {
	require_pty
	first_contact
	local id
	id=$(only_session "$A")
	run env XE2E_HOME="$A" script -qec 'xe2e-trustdb sessions list' /dev/null
	assert_success
	output=${output//$'\r'/}
	mapfile -t lines <<<"$output"
	assert_line --index 0 'ID STATE PEER TRUST FLAGS CREATED CURRENT'
	assert_line --index 1 --regexp "^$id active bob@montague.lit/garden tofu - .* current$"
	# a pipe or a file gets the lines alone
	run as_alice xe2e-trustdb sessions list
	assert_equal "${#lines[@]}" 1
}

@test "sessions: a copied session file shows as stale" {
	first_contact
	local id
	id=$(only_session "$A")
	cp -p "$A/state/sessions/$id.session" "$T/copy"
	mv "$T/copy" "$A/state/sessions/$id.session"
	run as_alice xe2e-trustdb sessions show "$id"
	assert_success
	assert_line 'state: stale'
	run as_alice xe2e-trustdb sessions list
	assert_output --partial "$id stale "
}

@test "sessions: close deletes the session and the peer's pointer to it" {
	first_contact
	local old
	old=$(only_session "$A")
	first_contact
	run as_alice xe2e-trustdb sessions list
	assert_equal "${#lines[@]}" 2
	local new
	new=$(cd "$A/state/sessions" && ls ./*.session | sed 's|^\./||; s|\.session$||' | grep -v "$old")
	assert_line --partial "$new active"
	assert_line --regexp "^$old active .* -$"
	# closing the old one keeps the pointer to the new one
	run as_alice xe2e-trustdb sessions close "$old"
	assert_success
	assert_file_not_exists "$A/state/sessions/$old.session"
	run as_alice xe2e-trustdb sessions list
	assert_output --regexp "^$new active .* current$"
	# closing the current one drops the pointer
	run as_alice xe2e-trustdb sessions close "$new"
	assert_success
	run as_alice xe2e-trustdb sessions list
	assert_output ''
	[ -z "$(find "$A/state/sessions" -name '*.current')" ] || fail "a pointer is left"
	run --separate-stderr as_alice xe2e-trustdb sessions close "$new"
	assert_failure 1
	[[ $stderr == *"no session $new"* ]] || fail "$stderr"
	# the trust entry survives
	run as_alice xe2e-trustdb list
	assert_output "bob@montague.lit $(bob_fpr) tofu -"
}

@test "sessions: a broken session file is named with its line; the others are listed" {
	first_contact
	first_contact
	local first
	first=$(cd "$A/state/sessions" && ls ./*.session | head -n 1 | sed 's|^\./||; s|\.session$||')
	local line
	line=$(grep -n '^trust: tofu$' "$A/state/sessions/$first.session" | cut -d: -f1)
	sed -i 's/^trust: tofu$/trust: trusted/' "$A/state/sessions/$first.session"
	run --separate-stderr as_alice xe2e-trustdb sessions list
	assert_failure 1
	assert_equal "${#lines[@]}" 1
	[[ $stderr == *"$first.session line $line: trust (malformed input)" ]] || fail "$stderr"
	# and it can still be closed
	run as_alice xe2e-trustdb sessions close "$first"
	assert_success
	run as_alice xe2e-trustdb sessions list
	assert_success
}

@test "handshake: a wrong pinned fingerprint for bob refuses the handshake (exit 3)" {
	as_alice xe2e-trustdb pin bob@montague.lit "$FPR_A"
	pair
	[ "$a_status" = 3 ] || { show_errs; fail "alice's status $a_status"; }
	grep -q 'changed' "$T/a.err" || { show_errs; fail "no reason given"; }
	[ -z "$(find "$A/state/sessions" -name '*.session' 2>/dev/null)" ] || fail "a session was made"
	run as_alice xe2e-trustdb list
	assert_output "bob@montague.lit $FPR_A pinned -"
}

@test "handshake: the right pinned fingerprint stays pinned" {
	as_alice xe2e-trustdb pin bob@montague.lit "$(bob_fpr)"
	first_contact
	run as_alice xe2e-trustdb list
	assert_output "bob@montague.lit $(bob_fpr) pinned -"
	run as_alice xe2e-trustdb sessions list
	assert_line --regexp " pinned - .* current$"
}

@test "handshake: a revoked peer is refused (exit 3)" {
	first_contact
	as_alice xe2e-trustdb revoke bob@montague.lit
	pair
	[ "$a_status" = 3 ] || { show_errs; fail "alice's status $a_status"; }
	grep -q 'revoked' "$T/a.err" || { show_errs; fail "no reason given"; }
	# and the other way round: Bob revoked Alice
	as_alice xe2e-trustdb forget bob@montague.lit
	as_bob xe2e-trustdb revoke alice@capulet.lit
	pair
	[ "$b_status" = 3 ] || { show_errs; fail "bob's status $b_status"; }
}

@test "handshake: verify by hand, then the session carries verified" {
	first_contact
	as_alice xe2e-trustdb verify bob@montague.lit "$(bob_fpr)"
	first_contact
	run as_alice xe2e-trustdb list
	assert_output "bob@montague.lit $(bob_fpr) verified -"
	run as_alice xe2e-trustdb sessions list
	assert_line --regexp " verified - .* current$"
}

@test "handshake: PSKs set with trustdb must match" {
	local psk
	psk=$(xe2e-keygen --psk)
	as_alice xe2e-trustdb psk set bob@montague.lit "$psk"
	as_bob xe2e-trustdb psk set alice@capulet.lit "$psk"
	first_contact
	as_bob xe2e-trustdb psk set alice@capulet.lit "$(xe2e-keygen --psk)"
	pair
	[ "$a_status" = 3 ] || [ "$b_status" = 3 ] || { show_errs; fail "a PSK mismatch was accepted"; }
	as_bob xe2e-trustdb psk clear alice@capulet.lit
	as_alice xe2e-trustdb psk clear bob@montague.lit
	first_contact
}
