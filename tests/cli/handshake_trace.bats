# xe2e-handshake --trace: each stanza's parsed fields on stderr, checked
# against the stanzas on the wire, for XX, IK, a retry and a swap, and a
# failing handshake; no secret of either side appears in it.

load helpers
load handshake_helpers

setup() {
	hs_setup
}

# The trace lines of a side's stderr.
traces() {
	grep '^xe2e-handshake: trace: ' "$T/$1.err"
}

# The body of the Nth handshake stanza of a side's output, as hex.
body_hex() {
	sed -n "$2p" "$T/$1.out" | sed -n "s/.*<handshake [^>]*>\([^<]*\)<.*/\1/p" | base64 -d |
		od -An -v -tx1 | tr -d ' \n'
}

# The short id of the 32 bytes at byte OFFSET of a hex string.
key_id_at() {
	printf '%s' "${1:$(($2 * 2)):64}" | xxd -r -p | sha256sum | cut -c1-8
}

# Every hex string of 32 digits or more in the files (keys, chains,
# retained secrets), but the public ones: the session id, fingerprints and
# device keys, which the trust store lists.
secrets_of() {
	local home=$1 public
	public=$(cat "$home/trust" 2>/dev/null | grep -o '[0-9a-f]\{32,\}'
		sed -n 's/^xe2e-handshake: session: \([0-9a-f]*\).*/\1/p' "$T"/[ab].err)
	cat "$home"/state/retained "$home"/state/sessions/*.session "$home"/psks 2>/dev/null |
		grep -o '[0-9a-f]\{32,\}' | sort -u | grep -v -x -F "$public" || true
}

# Fails when a secret of either side, or a private key's base64, appears in
# a side's stderr.
no_secret_in() {
	local who=$1 s n=0
	for s in $(secrets_of "$A") $(secrets_of "$B") \
		$(sed -n 's/^key: //p' "$A"/*.key "$B"/*.key); do
		if grep -q -F -- "$s" "$T/$who.err"; then
			echo "secret $s in $who's trace"
			return 1
		fi
		n=$((n + 1))
	done
	echo "# $n secrets looked for in $who's stderr" >&3
	[ "$n" -ge 8 ]
}

@test "trace: XX first contact, every field against the wire" {
	local s1 s2 s3
	pair --trace -- --trace
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; false; }
	s1=$(body_hex a 1)
	s2=$(body_hex b 1)
	s3=$(body_hex a 2)
	run traces a
	assert_line --index 0 --regexp "^xe2e-handshake: trace: this side: alice@capulet.lit/balcony, identity $(as_alice xe2e-keygen --show | field identity), device $(as_alice xe2e-keygen --show | field device-id)$"
	assert_line --index 1 'xe2e-handshake: trace: the trust store does not know bob@montague.lit'
	assert_line --index 2 "xe2e-handshake: trace: sent to bob@montague.lit: step 1, $((${#s1} / 2)) bytes; version 1 of 1; suite ChaChaPoly of ChaChaPoly,AESGCM; pattern XXpsk2; no cookie; e $(key_id_at "$s1" 9); payload 48 bytes sealed: rsid1 16, rsid2 16, padding 0"
	assert_line --index 3 "xe2e-handshake: trace: received from bob@montague.lit/garden: step 2, $((${#s2} / 2)) bytes; e $(key_id_at "$s2" 0); s 48 bytes sealed; payload $((${#s2} / 2 - 80)) bytes sealed: credential 150, supported ?, r0 32, padding ?; supported and padding $((${#s2} / 2 - 80 - 16 - 182))"
	assert_line --index 4 "xe2e-handshake: trace: sent to bob@montague.lit/garden: step 3, $((${#s3} / 2)) bytes; s 48 bytes sealed; payload $((${#s3} / 2 - 48)) bytes sealed: credential 150, supported 5, padding $((${#s3} / 2 - 48 - 16 - 155))"
	assert_line --index 5 "xe2e-handshake: trace: received from bob@montague.lit/garden: step confirm, 32 bytes"
	assert_equal "${#lines[@]}" 6
	run traces b
	assert_line --index 1 "xe2e-handshake: trace: received from alice@capulet.lit/balcony: step 1, $((${#s1} / 2)) bytes; version 1 of 1; suite ChaChaPoly of ChaChaPoly,AESGCM; pattern XXpsk2; no cookie; e $(key_id_at "$s1" 9); payload 48 bytes sealed: rsid1 16, rsid2 16, padding 0"
	assert_line --index 2 --regexp "^xe2e-handshake: trace: sent to alice@capulet.lit/balcony: step 2, 288 bytes; e $(key_id_at "$s2" 0); s 48 bytes sealed; payload 208 bytes sealed: credential 150, supported 5, r0 32, padding 5$"
	assert_line --index 3 --partial 'received from alice@capulet.lit/balcony: step 3, 224 bytes; s 48 bytes sealed; payload 176 bytes sealed: credential 150, supported ?, padding ?; supported and padding 10'
	assert_line --index 4 "xe2e-handshake: trace: sent to alice@capulet.lit/balcony: step confirm, 32 bytes"
	assert_equal "${#lines[@]}" 5
	no_secret_in a
	no_secret_in b
}

@test "trace: a swap, then IK and a retry to XX, with a PSK; no secret shown" {
	local psk
	psk=$(xe2e-keygen --psk)
	as_alice xe2e-trustdb psk set bob@montague.lit "$psk"
	as_bob xe2e-trustdb psk set alice@capulet.lit "$psk"
	# First contact: Bob (--protect-self) answers with a swap.
	pair --trace --suites AESGCM -- --trace --protect-self --suites AESGCM
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; false; }
	run traces a
	assert_line --index 1 'xe2e-handshake: trace: the trust store does not know bob@montague.lit'
	assert_line --index 2 --regexp '^xe2e-handshake: trace: sent to bob@montague.lit: step 1, 88 bytes; version 1 of 1; suite AESGCM of AESGCM; pattern XXpsk2; no cookie; e [0-9a-f]{8}; payload 48 bytes sealed: rsid1 16, rsid2 16, padding 0$'
	assert_line --index 3 --regexp '^xe2e-handshake: trace: received from bob@montague.lit/garden: step swap, 88 bytes; version 1 of 1; suite AESGCM of AESGCM; pattern XXpsk2; no cookie; e [0-9a-f]{8}; payload 48 bytes sealed: rsid1 16, rsid2 16, padding 0$'
	assert_line --index 4 --regexp '^xe2e-handshake: trace: sent to bob@montague.lit/garden: step 2, 288 bytes; e [0-9a-f]{8}; s 48 bytes sealed; payload 208 bytes sealed: credential 150, supported 4, r0 32, padding 6$'
	assert_line --index 5 --partial 'received from bob@montague.lit/garden: step 3, 224 bytes; s 48 bytes sealed'
	assert_line --index 6 'xe2e-handshake: trace: sent to bob@montague.lit/garden: step confirm, 32 bytes'
	run traces b
	assert_line --index 2 --partial 'sent to alice@capulet.lit/balcony: step swap, 88 bytes'
	assert_line --index 5 'xe2e-handshake: trace: received from alice@capulet.lit/balcony: step confirm, 32 bytes'
	no_secret_in a
	no_secret_in b
	# Known now, but Bob's device key changes: Alice's IK step 1 cannot be
	# read, Bob answers with a retry to XX.
	as_bob xe2e-keygen --rotate-device >/dev/null 2>&1
	pair --trace --suites AESGCM -- --trace --suites AESGCM
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; false; }
	run traces a
	assert_line --index 1 --regexp "^xe2e-handshake: trace: the trust store knows bob@montague.lit: identity $(as_bob xe2e-keygen --show | field identity), tofu, 1 device\(s\)$"
	assert_line --index 2 --regexp '^xe2e-handshake: trace: sent to bob@montague.lit: step 1, 168 bytes; version 1 of 1; suite AESGCM of AESGCM; pattern IKpsk1; no cookie; e [0-9a-f]{8}; s 48 bytes sealed; payload 80 bytes sealed: fingerprint 32, supported 4, padding 28$'
	assert_line --index 3 'xe2e-handshake: trace: received from bob@montague.lit/garden: step retry, 29 bytes; kind 2 (IK cannot be read: use XX); version 1; suite AESGCM; pattern XXpsk2; cookie 24 bytes'
	assert_line --index 4 --regexp '^xe2e-handshake: trace: sent to bob@montague.lit/garden: step 1, 112 bytes; .* pattern XXpsk2; cookie 24 bytes; e [0-9a-f]{8}; payload 48 bytes sealed: rsid1 16, rsid2 16, padding 0$'
	assert_line --index 5 --partial 'received from bob@montague.lit/garden: step 2, 288 bytes; e '
	assert_line --index 6 --partial 'sent to bob@montague.lit/garden: step 3, 224 bytes; s 48 bytes sealed'
	run traces b
	assert_line --index 2 --partial 'sent to alice@capulet.lit/balcony: step retry, 29 bytes; kind 2'
	no_secret_in a
	no_secret_in b
	# The PSK itself, in its text form and as hex, is nowhere.
	! grep -q -F -e "$psk" -e "$(sed -n 's/^psk alice@capulet.lit //p' "$B/psks")" "$T/a.err" "$T/b.err"
}

@test "trace: a failing handshake shows what arrived, then the error" {
	# Bob's answer to a step 1 of another run of Alice's: it cannot decrypt.
	as_alice timeout 10 xe2e-handshake --to bob@montague.lit/garden --resource balcony \
		</dev/null >"$T/s1.xml" 2>/dev/null || true
	as_bob timeout 10 xe2e-handshake --respond --resource garden <"$T/s1.xml" >"$T/s2.xml" \
		2>/dev/null || true
	run --separate-stderr as_alice timeout 10 xe2e-handshake --to bob@montague.lit \
		--resource balcony --trace --timeout 3 <"$T/s2.xml"
	assert_failure 3
	run cat <<<"$stderr"
	assert_line --index 2 --partial 'trace: sent to bob@montague.lit: step 1, 89 bytes'
	assert_line --index 3 --regexp '^xe2e-handshake: trace: received from bob@montague.lit/garden: step 2, 288 bytes; e [0-9a-f]{8}; s 48 bytes sealed; payload 208 bytes sealed: credential 150, supported \?, r0 32, padding \?; supported and padding 10$'
	# Alice tells Bob why she gives up, then says it.
	assert_line --index 4 'xe2e-handshake: trace: sent to bob@montague.lit/garden: step abort, 0 bytes; reason trust'
	assert_line --index 5 --regexp '^xe2e-handshake: handshake with bob@montague.lit failed: step 2 .* does not decrypt'
	assert_equal "${#lines[@]}" 6
	run grep -c -v '^xe2e-handshake: ' <<<"$stderr"
	assert_output 0
}

@test "trace: an abort's reason is one word; --trace does not go with --quiet" {
	printf "<message from='bob@montague.lit/garden'><handshake xmlns='urn:xe2e:1' step='abort' reason='no way&#10;xe2e-handshake: forged'/></message>\n" |
		as_alice timeout 10 xe2e-handshake --to bob@montague.lit --trace >/dev/null 2>"$T/ab.err" || true
	run cat "$T/ab.err"
	assert_line --index 3 'xe2e-handshake: trace: received from bob@montague.lit/garden: step abort, 0 bytes; reason no\x20way\x0axe2e-handshake:\x20forged'
	run xe2e-handshake --to bob@montague.lit --trace --quiet
	assert_failure 2
}
