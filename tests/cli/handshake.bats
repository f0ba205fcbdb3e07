#!/usr/bin/env bats
# xe2e-handshake: Alice and Bob, each with an XE2E_HOME of their own, joined
# by FIFOs (and once by socat over 127.0.0.1).

load helpers
load handshake_helpers

setup() {
	hs_setup
}

# The value of a "xe2e-handshake: name: value" line of a side's stderr.
outcome() {
	sed -n "s/^xe2e-handshake: $2: //p" "$T/$1.err"
}

session_count() {
	find "$1/state/sessions" -name '*.session' 2>/dev/null | wc -l
}

first_contact() {
	pair
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; fail "first contact failed"; }
}

# A handshake stanza from Alice to Bob with a body of the given base64.
stanza_from_alice() {
	printf "<message from='alice@capulet.lit/balcony' to='bob@montague.lit' type='chat'>"
	printf "<handshake xmlns='urn:xe2e:1' step='%s'>%s</handshake></message>\n" "$1" "$2"
}

@test "handshake: --help and --version" {
	run --separate-stderr xe2e-handshake --help
	assert_success
	assert_line --index 0 'usage: xe2e-handshake --to JID [options]'
	assert_output --partial '--protect-self'
	assert_equal "$stderr" ''
	run xe2e-handshake --version
	assert_success
	assert_output --regexp '^xe2e-handshake [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "handshake: --help shows the man page's synopsis" {
	command -v groff >/dev/null || skip "groff is not installed"
	local page="$BATS_TEST_DIRNAME/../../man/xe2e-handshake.1"
	run bash -c "groff -mdoc -Tascii -P-cbou '$page' 2>/dev/null |
		sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed -n 's/^ *xe2e-handshake/xe2e-handshake/p'"
	assert_success
	local synopsis=$output
	run bash -c "xe2e-handshake --help | sed -n 's/^usage: //; s/^ *xe2e-handshake/xe2e-handshake/p'"
	assert_equal "$output" "$synopsis"
}

@test "handshake: usage errors exit 2" {
	local args
	for args in '' '--bogus' '--to' '--respond --to a@b.c' '--to a@b.c --from c@d.e' \
		'--respond --timeout 0' '--respond --timeout x' '--respond --suites DES' \
		'--respond --suites AESGCM,AESGCM' '--respond --quiet --verbose' '--respond extra'; do
		# shellcheck disable=SC2086
		run --separate-stderr xe2e-handshake $args </dev/null
		assert_equal "$status" 2
		assert_equal "$output" ''
		[[ $stderr == *"Try 'xe2e-handshake --help'"* ]] || fail "no usage message for '$args'"
	done
}

@test "handshake: no identity is a clear error" {
	export XE2E_HOME=$T/nobody
	run --separate-stderr xe2e-handshake --to bob@montague.lit </dev/null
	assert_equal "$status" 1
	[[ $stderr == *"cannot load the local identity (made by xe2e-keygen)"* ]]
}

@test "handshake: first contact is XX in three stanzas and a confirmation" {
	pair --stats
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; false; }
	assert_equal "$(count_stanzas "$T/a.out")" 2
	assert_equal "$(count_stanzas "$T/b.out")" 2
	sed -n 2p "$T/b.out" | grep -q "step='confirm'>[A-Za-z0-9+/]\{43\}=</handshake>"
	assert_equal "$(outcome a handshake)" 'XXpsk2 25519_ChaChaPoly_SHA256'
	assert_equal "$(outcome a trust)" 'tofu (first contact)'
	assert_equal "$(outcome b trust)" 'tofu (first contact)'
	assert_equal "$(outcome a peer)" 'bob@montague.lit/garden'
	assert_equal "$(outcome b peer)" 'alice@capulet.lit/balcony'
	assert_equal "$(outcome a identity)" "$(as_bob xe2e-keygen --show | field identity)"
	assert_equal "$(outcome b identity)" "$(as_alice xe2e-keygen --show | field identity)"
	assert_equal "$(outcome a device)" "$(as_bob xe2e-keygen --show | field device-id)"
	local id
	id=$(outcome a session)
	[[ $id =~ ^[0-9a-f]{32}$ ]]
	assert_equal "$(outcome b session)" "$id"
	assert_file_exists "$A/state/sessions/$id.session"
	assert_file_exists "$B/state/sessions/$id.session"
	assert_equal "$(file_mode "$A/state/sessions/$id.session")" 600
	grep -q '^state: active$' "$B/state/sessions/$id.session"
	grep -q '^peer bob@montague.lit [0-9a-f]\{64\} level=tofu flags=- ' "$A/trust"
	grep -q '^peer alice@capulet.lit [0-9a-f]\{64\} level=tofu flags=- ' "$B/trust"
	# The stanzas: addressed, hinted, one per line.
	head -n 1 "$T/a.out" | grep -q "^<message to='bob@montague.lit' from='alice@capulet.lit/balcony' type='chat'><handshake xmlns='urn:xe2e:1' step='1'>[A-Za-z0-9+/=]*</handshake><no-permanent-store xmlns='urn:xmpp:hints'/><private xmlns='urn:xmpp:carbons:2'/></message>$"
	grep -q "^<message to='alice@capulet.lit/balcony' from='bob@montague.lit/garden' type='chat'><handshake xmlns='urn:xe2e:1' step='2'>" "$T/b.out"
	grep -q "^xe2e-handshake: stanzas sent 2, bytes sent $(wc -c <"$T/a.out"), stanzas received 2$" "$T/a.err"
}

@test "handshake: second contact is IK in two stanzas, pending at the responder" {
	first_contact
	pair
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; false; }
	assert_equal "$(count_stanzas "$T/a.out")" 1
	assert_equal "$(count_stanzas "$T/b.out")" 1
	assert_equal "$(outcome a handshake)" 'IKpsk1 25519_ChaChaPoly_SHA256'
	assert_equal "$(outcome a trust)" 'tofu'
	local id
	id=$(outcome a session)
	assert_equal "$(outcome b session)" "$id (pending until the peer's first message)"
	grep -q '^state: pending$' "$B/state/sessions/$id.session"
	grep -q '^state: active$' "$A/state/sessions/$id.session"
	# Bob's current session is still the first one until confirmation.
	! grep -rq "session: $id" "$B/state/sessions/"*.current
	grep -rq "session: $id" "$A/state/sessions/"*.current
}

@test "handshake: the retained secret is used and rotated" {
	first_contact
	assert_equal "$(outcome a retained-secret)" none
	local rs1
	rs1=$(sed -n 's/.* rs1=\([0-9a-f]*\) rs2=- provisional=-$/\1/p' "$A/state/retained")
	[[ $rs1 =~ ^[0-9a-f]{64}$ ]]
	grep -q " rs1=$rs1 rs2=- provisional=-$" "$B/state/retained"
	pair
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; false; }
	assert_equal "$(outcome a retained-secret)" matched
	assert_equal "$(outcome b retained-secret)" matched
	grep -q " rs1=[0-9a-f]\{64\} rs2=$rs1 provisional=-$" "$A/state/retained"
	! grep -q " rs1=$rs1 " "$A/state/retained"
	# Bob's session is pending: his secrets wait for confirmation.
	grep -q " rs1=$rs1 rs2=- provisional=-$" "$B/state/retained"
}

@test "handshake: --protect-self swaps roles in four stanzas and a confirmation" {
	pair -- --protect-self
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; false; }
	assert_equal "$(count_stanzas "$T/a.out")" 3
	assert_equal "$(count_stanzas "$T/b.out")" 2
	grep -q "step='confirm'" "$T/a.out"
	grep -q "step='swap'" "$T/b.out"
	grep -q "step='2'" "$T/a.out"
	grep -q "step='3'" "$T/b.out"
	assert_equal "$(outcome a handshake)" 'XXpsk2 25519_ChaChaPoly_SHA256, roles swapped'
	assert_equal "$(outcome a session)" "$(outcome b session)"
	# Alice is the Noise responder now: she keeps the ratchet key pair.
	grep -q '^role: responder$' "$A/state/sessions/$(outcome a session).session"
}

@test "handshake: two --protect-self sides fail with a clear error" {
	pair --protect-self -- --protect-self
	assert_equal "$a_status" 1
	grep -q 'peer asked to swap roles; refused because of --protect-self' "$T/a.err"
	assert_equal "$b_status" 3
	assert_equal "$(session_count "$A")" 0
	assert_equal "$(session_count "$B")" 0
}

@test "handshake: a retained-secret mismatch with a tofu peer is flagged" {
	first_contact
	rm "$B/state/retained"
	pair
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; false; }
	assert_equal "$(outcome a flags)" rs-reset
	assert_equal "$(outcome a retained-secret)" 'mismatch (accepted)'
	grep -q 'warning: retained secret mismatch with bob@montague.lit' "$T/a.err"
	grep -q '^peer bob@montague.lit .* flags=rs-reset ' "$A/trust"
	grep -q '^flags: rs-reset$' "$A/state/sessions/$(outcome a session).session"
	grep -q ' provisional=[0-9a-f]\{64\}$' "$A/state/retained"
}

@test "handshake: a retained-secret mismatch with a verified peer is refused" {
	first_contact
	rm "$B/state/retained"
	sed -i 's/^\(peer bob@montague.lit [0-9a-f]*\) level=tofu/\1 level=verified/' "$A/trust"
	grep -q 'level=verified' "$A/trust"
	local before
	before=$(tree_digest "$A")
	pair
	assert_equal "$a_status" 3
	grep -q 'retained secret mismatch with bob@montague.lit' "$T/a.err"
	assert_equal "$(tree_digest "$A")" "$before"
	pair --accept-rs-reset
	[ "$a_status" = 0 ] || { show_errs; false; }
	assert_equal "$(outcome a flags)" rs-reset
	assert_equal "$(outcome a trust)" verified
}

@test "handshake: a responder's retained-secret refusal reaches the initiator; both say what now" {
	first_contact
	sed -i 's/^\(peer alice@capulet.lit [0-9a-f]*\) level=tofu/\1 level=verified/' "$B/trust"
	grep -q 'level=verified' "$B/trust"
	# Alice loses everything of Bob's: first contact for her (XX), but
	# Bob holds a retained secret she does not present; he decides on
	# step 3, after she decided on step 2.
	as_alice xe2e-trustdb forget bob@montague.lit
	local before
	before=$(tree_digest "$A")
	pair
	assert_equal "$b_status" 3
	grep -q "step='abort' reason='retained-secret'" "$T/b.out"
	run cat "$T/b.err"
	assert_line "xe2e-handshake: handshake with alice@capulet.lit failed: retained secret mismatch with alice@capulet.lit, whose key is verified: it did not present the secret of your last session (lost state, or an attack); --accept-rs-reset accepts it (trust failure)"
	assert_line "xe2e-handshake: what now: ask alice@capulet.lit, by another channel than this one, whether it lost its state (a restore, or xe2e-trustdb forget); if so, run the handshake again with --accept-rs-reset, then compare the SAS with xe2e-verify-sas; if not, someone else may hold its keys"
	assert_equal "$a_status" 3
	run cat "$T/a.err"
	assert_line "xe2e-handshake: handshake with bob@montague.lit failed: bob@montague.lit refused the handshake: it holds a retained secret of an earlier session with this device that this side did not present (this side's state was lost or restored, or someone else uses this identity) (trust failure)"
	assert_line "xe2e-handshake: what now: tell bob@montague.lit, by another channel than this one, that this side lost its state; once it has checked, it runs the handshake again with --accept-rs-reset, then you both compare the SAS with xe2e-verify-sas"
	# Neither side keeps a session the other does not have.
	assert_equal "$(tree_digest "$A")" "$before"
	assert_equal "$(session_count "$A")" 1
	# What now, done: Bob accepts the reset, and both have the session.
	pair -- --accept-rs-reset
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; false; }
	assert_equal "$(outcome b flags)" rs-reset
	assert_equal "$(outcome a session)" "$(outcome b session)"
}

@test "handshake: a PSK must match" {
	local k1 k2
	k1=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
	k2=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
	printf '# xe2e psks v1\npsk bob@montague.lit %s\n' "$k1" >"$A/psks"
	printf '# xe2e psks v1\npsk alice@capulet.lit %s\n' "$k2" >"$B/psks"
	chmod 600 "$A/psks" "$B/psks"
	pair
	assert_equal "$a_status" 3
	grep -q 'PSK mismatch or active attack' "$T/a.err"
	assert_equal "$b_status" 3
	assert_equal "$(session_count "$A")" 0
	printf '# xe2e psks v1\npsk alice@capulet.lit %s\n' "$k1" >"$B/psks"
	pair
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; false; }
}

@test "handshake: a changed identity key is refused, or accepted with --accept-new-key" {
	first_contact
	local old
	old=$(as_bob xe2e-keygen --show | field identity | tr -d ' ')
	as_bob xe2e-keygen --jid bob@montague.lit --force >/dev/null 2>&1
	pair
	assert_equal "$a_status" 3
	grep -q 'identity key of bob@montague.lit changed' "$T/a.err"
	grep -q -- '--accept-new-key' "$T/a.err"
	pair --accept-new-key
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; false; }
	assert_equal "$(outcome a trust)" 'tofu (new identity key accepted)'
	grep -q "^peer bob@montague.lit $old level=revoked " "$A/trust"
}

@test "handshake: a pinned key is never replaced, even with --accept-new-key" {
	first_contact
	sed -i 's/^\(peer bob@montague.lit [0-9a-f]*\) level=tofu/\1 level=pinned/' "$A/trust"
	as_bob xe2e-keygen --jid bob@montague.lit --force >/dev/null 2>&1
	pair --accept-new-key
	assert_equal "$a_status" 3
	grep -q 'pinned' "$T/a.err"
}

@test "handshake: a suite retry when the responder restricts --suites" {
	pair -- --suites AESGCM
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; false; }
	assert_equal "$(count_stanzas "$T/a.out")" 3
	assert_equal "$(count_stanzas "$T/b.out")" 3
	grep -q "step='retry'" "$T/b.out"
	assert_equal "$(outcome a handshake)" 'XXpsk2 25519_AESGCM_SHA256, after a retry'
	# No suite in common: the peer says unsupported.
	pair --suites ChaChaPoly -- --suites AESGCM
	assert_equal "$b_status" 1
	grep -q "reason='unsupported'" "$T/b.out"
}

@test "handshake: IK to XX retry after the responder rotated its device key" {
	first_contact
	as_bob xe2e-keygen --rotate-device >/dev/null 2>&1
	pair
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; false; }
	assert_equal "$(count_stanzas "$T/a.out")" 3
	assert_equal "$(count_stanzas "$T/b.out")" 3
	assert_equal "$(outcome a handshake)" 'XXpsk2 25519_ChaChaPoly_SHA256, after a retry'
	assert_equal "$(outcome a retained-secret)" matched
	local key
	key=$(as_bob xe2e-keygen --show | field device-key | tr -d ' ')
	grep -q "^device bob@montague.lit [0-9a-f]* [0-9a-f]* $key " "$A/trust"
}

@test "handshake: a forged retry without a valid cookie is refused" {
	mkfifo "$T/in"
	XE2E_HOME=$A timeout $HS_TIMEOUT xe2e-handshake --to bob@montague.lit --timeout 10 \
		<"$T/in" >"$T/a.out" 2>"$T/a.err" &
	local alice=$! i
	exec 8>"$T/in"
	for i in $(seq 100); do [ -s "$T/a.out" ] && break; sleep 0.1; done
	local forged
	forged=$({ printf '\001\001\002\001\030'; head -c 24 /dev/urandom; } | base64 -w0)
	printf "<message from='bob@montague.lit/garden' to='alice@capulet.lit' type='chat'><handshake xmlns='urn:xe2e:1' step='retry'>%s</handshake></message>\n" "$forged" >&8
	for i in $(seq 100); do [ "$(wc -l <"$T/a.out")" -ge 2 ] && break; sleep 0.1; done
	exec 8>&-
	wait "$alice" || true
	assert_equal "$(wc -l <"$T/a.out")" 2
	# Alice started again with the cookie; Bob never sent a retry.
	sed -n 2p "$T/a.out" >"$T/retried"
	run --separate-stderr as_bob timeout $HS_TIMEOUT xe2e-handshake --respond <"$T/retried"
	assert_equal "$status" 1
	[[ $stderr == *"a cookie in a step 1 that follows no retry"* ]]
	[[ $output == *"step='abort' reason='malformed'"* ]]
	assert_equal "$(session_count "$B")" 0
}

strip_suite_filter() {
	local line first=1 b64 new
	while IFS= read -r line; do
		if [ $first = 1 ]; then
			first=0
			b64=${line#*step=\'1\'>}
			b64=${b64%%</handshake>*}
			printf '%s' "$b64" | base64 -d >"$T/offer.bin"
			# version, 1 version: 1, 2 suites: 1 2 -> 1 suite: 1
			{ head -c 3 "$T/offer.bin"; printf '\001'; head -c 5 "$T/offer.bin" | tail -c 1
			  tail -c +7 "$T/offer.bin"; } >"$T/offer.new"
			new=$(base64 -w0 <"$T/offer.new")
			line=${line/"$b64"/"$new"}
		fi
		printf '%s\n' "$line"
	done
}

@test "handshake: a suite stripped from the offer is detected" {
	A2B_FILTER=strip_suite_filter pair
	[ "$(head -c 4 "$T/offer.bin" | od -An -tx1 | tr -d ' ')" = 01010102 ]
	assert_equal "$b_status" 1
	grep -q 'authentication failed' "$T/b.err"
	assert_equal "$a_status" 3
	grep -q 'the peer refused the handshake' "$T/a.err"
	assert_equal "$(session_count "$A")" 0
	assert_equal "$(session_count "$B")" 0
}

@test "handshake: a replayed IK first stanza is refused with status 4" {
	first_contact
	pair
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; false; }
	head -n 1 "$T/a.out" >"$T/ik1"
	grep -q "step='1'" "$T/ik1"
	local sessions before
	sessions=$(session_count "$B")
	before=$(tree_digest "$B/state/sessions")
	run --separate-stderr as_bob timeout $HS_TIMEOUT xe2e-handshake --respond <"$T/ik1"
	assert_equal "$status" 4
	[[ $stderr == *"replayed"* ]]
	[[ $output == *"reason='replay'"* ]]
	assert_equal "$(session_count "$B")" "$sessions"
	assert_equal "$(tree_digest "$B/state/sessions")" "$before"
}

@test "handshake: unconfirmed IK sessions of a peer do not pile up at the responder" {
	first_contact
	# Alice starts each time from the same state, so that every handshake
	# is IK with the retained secret Bob holds.
	cp -a "$A" "$T/alice-then"
	local i
	for i in $(seq 10); do
		rm -rf "$A"
		cp -a "$T/alice-then" "$A"
		pair
		[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; false; }
		grep -q 'pending until' "$T/b.err"
	done
	# Alice never sent a message: ten pending sessions, of which Bob keeps
	# the newest eight (xe2e(7) "The IK responder").
	assert_equal "$(grep -l '^state: pending$' "$B"/state/sessions/*.session | wc -l)" 8
	assert_equal "$(session_count "$B")" 9
	assert_equal "$(find "$B/state/sessions" -name '*.lock' ! -name '*.current.lock' | wc -l)" 9
	grep -q "$(outcome b session | cut -c1-32)" "$B/state/ik-pending"
	assert_equal "$(file_mode "$B/state/ik-pending")" 600
}

@test "handshake: an old device binding replayed after rotation is refused" {
	first_contact
	cp -a "$B" "$T/bob-old"
	as_bob xe2e-keygen --rotate-device >/dev/null 2>&1
	pair
	[ "$a_status" = 0 ] || { show_errs; false; }
	local bob=$B
	B=$T/bob-old
	pair
	B=$bob
	assert_equal "$a_status" 3
	grep -q 'superseded device binding' "$T/a.err"
}

@test "handshake: a silent peer times out" {
	mkfifo "$T/silent"
	sleep 30 >"$T/silent" &
	local holder=$!
	run --separate-stderr as_alice timeout $HS_TIMEOUT xe2e-handshake --to bob@montague.lit \
		--timeout 1 <"$T/silent"
	assert_equal "$status" 1
	[[ $stderr == *"no handshake stanza from bob@montague.lit within 1 s: timed out"* ]]
	kill "$holder"
	wait "$holder" 2>/dev/null || true
	# A known peer that goes silent is a possible attack.
	first_contact
	sleep 30 >"$T/silent" &
	holder=$!
	run --separate-stderr as_alice timeout $HS_TIMEOUT xe2e-handshake --to bob@montague.lit \
		--timeout 1 <"$T/silent"
	assert_equal "$status" 3
	[[ $stderr == *"no answer from bob@montague.lit within 1 s: possible attack"* ]]
	kill "$holder"
	wait "$holder" 2>/dev/null || true
	# The end of the input is this side's doing, even with a known peer.
	run --separate-stderr as_alice xe2e-handshake --to bob@montague.lit </dev/null
	assert_equal "$status" 1
	assert_equal "$stderr" "xe2e-handshake: handshake with bob@montague.lit failed: the input ended before the handshake completed (unexpected end of input)"
}

@test "handshake: Ctrl-C says what happened and stores nothing" {
	first_contact
	mkfifo "$T/held"
	sleep 30 >"$T/held" &
	local holder=$! bob before
	before=$(tree_digest "$B")
	XE2E_HOME=$B timeout $HS_TIMEOUT xe2e-handshake --respond <"$T/held" 2>"$T/int.err" &
	bob=$!
	sleep 1
	kill -INT "$bob"
	local st=0
	wait "$bob" || st=$?
	kill "$holder"
	wait "$holder" 2>/dev/null || true
	assert_equal "$st" 1
	assert_equal "$(cat "$T/int.err")" "xe2e-handshake: interrupted before the handshake completed; nothing was stored"
	assert_equal "$(tree_digest "$B")" "$before"
}

@test "handshake: both sides with --to are told that one must --respond" {
	mkfifo "$T/x" "$T/y"
	# Bob opens y first, the FIFO Alice opens first: neither waits.
	XE2E_HOME=$B timeout $HS_TIMEOUT xe2e-handshake --to alice@capulet.lit --timeout 10 \
		>"$T/y" <"$T/x" 2>"$T/b.err" &
	local bob=$! a_st=0 b_st=0
	XE2E_HOME=$A timeout $HS_TIMEOUT xe2e-handshake --to bob@montague.lit --timeout 10 \
		<"$T/y" >"$T/x" 2>"$T/a.err" || a_st=$?
	wait "$bob" || b_st=$?
	# Whoever reads the other's step 1 first says so; the other may see
	# the abort, or the end of its input, first.
	assert_equal "$a_st" 1
	assert_equal "$b_st" 1
	cat "$T/a.err" "$T/b.err" >"$T/both.err"
	run cat "$T/both.err"
	assert_line --regexp "^xe2e-handshake: handshake with (alice@capulet.lit|bob@montague.lit) failed: (alice@capulet.lit|bob@montague.lit) sent a step 1 too: both sides started a handshake \(--to\); one side must answer it \(--respond\) \(malformed input\)$"
	assert_line --regexp "^xe2e-handshake: what now: run it again, one side with --to (alice@capulet.lit|bob@montague.lit), the other with --respond$"
	assert_equal "$(session_count "$A")" 0
	assert_equal "$(session_count "$B")" 0
}

@test "handshake: malformed and truncated stanzas fail cleanly and change nothing" {
	# A responder that never got a good stanza creates nothing.
	local fresh
	fresh=$(tree_digest "$B")
	run --separate-stderr as_bob timeout $HS_TIMEOUT xe2e-handshake --respond \
		<<<"$(stanza_from_alice 1 AQEB)"
	assert_equal "$status" 1
	assert_equal "$(tree_digest "$B")" "$fresh"
	first_contact
	local a_before b_before input
	a_before=$(tree_digest "$A")
	b_before=$(tree_digest "$B")
	for input in \
		"$(stanza_from_alice 1 '!!!notbase64')" \
		"$(stanza_from_alice 1 AQEB)" \
		"$(stanza_from_alice 1 '')" \
		"$(stanza_from_alice 7 AQEB)" \
		"$(stanza_from_alice 2 AQEBAgECAQEA)" \
		"<message from='alice@capulet.lit/balcony'><handshake xmlns='urn:xe2e:1' step='1'>AQEB" \
		"<!DOCTYPE message><message/>" \
		"<message from='alice@capulet.lit/x'><handshake xmlns='urn:xe2e:1' step='1'>AQ=B</handshake></message>"; do
		run --separate-stderr as_bob timeout $HS_TIMEOUT xe2e-handshake --respond <<<"$input"
		assert_equal "$status" 1
		[[ $stderr == "xe2e-handshake: "*": "* ]] || fail "no clear message for: $input"
		[ "$(printf '%s\n' "$stderr" | wc -l)" -le 2 ] || fail "too many lines: $stderr"
	done
	# The initiator given a broken answer.
	run --separate-stderr as_alice timeout $HS_TIMEOUT xe2e-handshake --to bob@montague.lit \
		<<<"$(printf "<message from='bob@montague.lit/garden'><handshake xmlns='urn:xe2e:1' step='2'>AAAA</handshake></message>")"
	assert_equal "$status" 1
	[[ $stderr == *"handshake with bob@montague.lit failed"* ]]
	assert_equal "$(tree_digest "$A")" "$a_before"
	assert_equal "$(tree_digest "$B")" "$b_before"
}

insert_other_filter() {
	printf '%s\n' "<message from='carol@example.org/x' to='bob@montague.lit'><body>hi</body></message>"
	cat
}

@test "handshake: other stanzas are skipped, and other senders too" {
	# Bob's first stanza is not a handshake: he skips it and goes on.
	A2B_FILTER=insert_other_filter pair -- --verbose
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; false; }
	grep -q 'skipped a stanza that is not a handshake (<message/>)' "$T/b.err"
	grep -q 'received step 1 from alice@capulet.lit/balcony' "$T/b.err"
	# A step 2 from Carol at Alice's is skipped with a warning; then the
	# input ends.
	run --separate-stderr as_alice timeout $HS_TIMEOUT xe2e-handshake --to bob@montague.lit \
		<<<"<message from='carol@example.org/x'><handshake xmlns='urn:xe2e:1' step='2'>AAAA</handshake></message>"
	[[ $stderr == *"skipped a handshake stanza from carol@example.org/x, not from the peer"* ]]
	[[ $stderr == *"the input ended before the handshake completed"* ]]
	assert_equal "$status" 1
}

@test "handshake: --from refuses anyone else" {
	pair -- --from carol@example.org
	assert_equal "$b_status" 3
	grep -q 'alice@capulet.lit may not start a handshake (only carol@example.org)' "$T/b.err"
	grep -q "reason='refused'" "$T/b.out"
	assert_equal "$a_status" 3
	pair -- --from Alice@Capulet.lit
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; false; }
}

@test "handshake: the stanza after the handshake is left unread" {
	A_NEXT="<message from='alice@capulet.lit/balcony' to='bob@montague.lit' type='chat'><body>next</body></message>"
	pair
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; false; }
	assert_equal "$(grep -v '^$' "$T/b.rest")" "$A_NEXT"
	# And in IK, where the responder sends the last stanza.
	A_NEXT=
	B_NEXT="<message from='bob@montague.lit/garden' to='alice@capulet.lit'><body>next</body></message>"
	pair
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; false; }
	assert_equal "$(outcome a handshake)" 'IKpsk1 25519_ChaChaPoly_SHA256'
	assert_equal "$(grep -v '^$' "$T/a.rest")" "$B_NEXT"
}

free_port() {
	local port i
	for i in $(seq 50); do
		port=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return
		fi
	done
	return 1
}

@test "handshake: across TCP with socat" {
	command -v socat >/dev/null || skip "socat is not installed"
	local port
	port=$(free_port)
	XE2E_HOME=$B timeout $HS_TIMEOUT socat "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr" \
		EXEC:"xe2e-handshake --respond --timeout 10" 2>"$T/b.err" &
	local bob=$!
	# The client retries until the listener is up.
	XE2E_HOME=$A timeout $HS_TIMEOUT socat "TCP:127.0.0.1:$port,retry=50,interval=0.1" \
		EXEC:"xe2e-handshake --to bob@montague.lit --timeout 10" 2>"$T/a.err"
	wait "$bob" || true
	local id
	id=$(outcome a session)
	[[ $id =~ ^[0-9a-f]{32}$ ]] || { cat "$T/a.err" "$T/b.err"; false; }
	assert_equal "$(outcome b session)" "$id"
	assert_file_exists "$A/state/sessions/$id.session"
	assert_file_exists "$B/state/sessions/$id.session"
}
