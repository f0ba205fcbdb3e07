# What a server or a network can do to sealed stanzas, and what xe2e-open
# says: every change is refused with its reason, nothing of it is written,
# and the receiver's state does not move (the genuine stanza still opens).

load helpers
load seal_helpers

setup() {
	seal_setup
	S=$BATS_TEST_TMPDIR/s
}

# refused REASON FILE: Bob's open refuses every stanza of FILE with REASON,
# writes nothing, changes nothing.
refused() {
	local reason=$1 file=$2 before
	before=$(tree_digest "$BATS_TEST_TMPDIR/bob/state")
	run --separate-stderr xopen bob <"$file"
	assert_failure 1
	assert_output ''
	[ -n "$stderr" ]
	local line
	while IFS= read -r line; do
		[[ $line == *"not opened: $reason"* ]] || {
			echo "unexpected: $line (want $reason)" >&2
			return 1
		}
	done <<<"$stderr"
	assert_equal "$(tree_digest "$BATS_TEST_TMPDIR/bob/state")" "$before"
}

# The genuine stanza still opens afterwards.
still_opens() {
	run --separate-stderr xopen bob <"$1"
	assert_success
	assert_equal "$stderr" ''
	[ -n "$output" ]
}

@test "tamper: a flipped bit anywhere in the sealed message" {
	msg alice bob m1 'Hello, Bob!' | xseal alice >"$S"
	local len off
	len=$(sealed_b64 <"$S" | base64 -d | wc -c)
	for off in 0 1 5 6 7 8 9 10 $((len / 2)) $((len - 17)) $((len - 16)) $((len - 1)); do
		sealed_flip "$off" <"$S" >"$S.bad"
		run --separate-stderr xopen bob <"$S.bad"
		assert_failure 1
		assert_output ''
		[[ $stderr == *"not opened: tampered"* || $stderr == *"not opened: malformed"* ||
			$stderr == *"not opened: unknown session"* ]]
	done
	# The ciphertext itself: tampered, exactly.
	sealed_flip $((len - 20)) <"$S" >"$S.bad"
	refused tampered "$S.bad"
	still_opens "$S"
}

@test "tamper: a changed header field" {
	msg alice bob m1 one | xseal alice >"$S"
	local hdr
	hdr=$(sealed_header <"$S")
	assert_equal "$hdr" "5 1 0 0 0"
	# n (byte 7: flags, tag, epoch, ack come first) and ack (byte 6).
	sealed_flip 7 <"$S" >"$S.n"
	refused tampered "$S.n"
	sealed_flip 6 <"$S" >"$S.ack"
	refused tampered "$S.ack"
	still_opens "$S"
}

@test "tamper: changed to or from" {
	msg alice bob m1 one | xseal alice >"$S"
	sed "s|to='$BOB_FULL'|to='carol@capulet.lit/nurse'|" "$S" >"$S.to"
	refused tampered "$S.to"
	sed "s|to='$BOB_FULL'|to='$ALICE_FULL'|" "$S" >"$S.to2"
	refused tampered "$S.to2"
	sed "s| from='$ALICE_FULL'||" "$S" >"$S.nofrom"
	refused malformed "$S.nofrom"
	sed "s|from='$ALICE_FULL'|from='mallory@evil.lit/x'|" "$S" >"$S.from"
	refused 'unknown session' "$S.from"
	# Alice bound her full JID: another resource of hers is refused.
	sed "s|from='$ALICE_FULL'|from='$ALICE_JID/phone'|" "$S" >"$S.fres"
	refused tampered "$S.fres"
	# Another resource of Bob's, or his bare JID, is no change of the
	# session: only his device holds its keys.
	sed "s|to='$BOB_FULL'|to='$BOB_JID'|" "$S" >"$S.res"
	still_opens "$S.res"
}

@test "tamper: changed type, id or stanza kind" {
	msg alice bob m1 one | xseal alice >"$S"
	sed "s|type='chat'|type='normal'|" "$S" >"$S.t1"
	refused tampered "$S.t1"
	sed "s| type='chat'||" "$S" >"$S.t2"
	refused tampered "$S.t2"
	sed "s|id='m1'|id='m2'|" "$S" >"$S.i1"
	refused tampered "$S.i1"
	sed "s| id='m1'||" "$S" >"$S.i2"
	refused tampered "$S.i2"
	sed -e 's|^<message|<iq|' -e 's|</message>$|</iq>|' \
		-e "s|<encryption xmlns='urn:xmpp:eme:0' namespace='urn:xe2e:1'/>||" "$S" >"$S.k"
	refused tampered "$S.k"
	still_opens "$S"
}

@test "tamper: swapped ids of two iq results" {
	{
		echo "<iq to='$BOB_FULL' from='$ALICE_FULL' type='result' id='r1'><query xmlns='jabber:iq:version'><name>one</name></query></iq>"
		echo "<iq to='$BOB_FULL' from='$ALICE_FULL' type='result' id='r2'><query xmlns='jabber:iq:version'><name>two</name></query></iq>"
	} | xseal alice >"$S"
	sed -e "s|id='r1'|id='X'|" -e "s|id='r2'|id='r1'|" -e "s|id='X'|id='r2'|" "$S" >"$S.swap"
	refused tampered "$S.swap"
	still_opens "$S"
}

@test "tamper: a truncated stanza" {
	msg alice bob m1 'Hello, Bob!' | xseal alice >"$S"
	local b64
	b64=$(sealed_b64 <"$S")
	# Whole base64 groups less: still canonical, the tag fails.
	sealed_replace "${b64:0:$((${#b64} - 8))}" <"$S" >"$S.short"
	refused tampered "$S.short"
	# Only the header, or less.
	sealed_replace "${b64:0:12}" <"$S" >"$S.hdr"
	refused malformed "$S.hdr"
	sealed_replace "${b64:0:4}" <"$S" >"$S.tiny"
	refused malformed "$S.tiny"
	sealed_replace "${b64:0:$((${#b64} - 1))}" <"$S" >"$S.bad64"
	refused malformed "$S.bad64"
	# The XML cut short: an input error, nothing written.
	head -c 100 "$S" >"$S.cut"
	run --separate-stderr xopen bob <"$S.cut"
	assert_failure 1
	assert_output ''
	[[ $stderr == *"cannot read the input"* ]]
	still_opens "$S"
}

@test "tamper: a stanza moved to another session" {
	msg alice bob m1 old | xseal alice >"$S.old"
	local old_tag
	old_tag=$(sealed_b64 <"$S.old" | base64 -d | od -An -v -tx1 -j1 -N4 | tr -d ' \n')
	# A second handshake: a second session between the same two.
	handshake alice bob
	msg alice bob m2 new | xseal alice >"$S.new"
	local new_tag
	new_tag=$(sealed_b64 <"$S.new" | base64 -d | od -An -v -tx1 -j1 -N4 | tr -d ' \n')
	[ "$old_tag" != "$new_tag" ]
	# The new session's stanza under the old session's tag.
	local hex b64
	hex=$(sealed_b64 <"$S.new" | base64 -d | od -An -v -tx1 | tr -d ' \n')
	hex=${hex:0:2}$old_tag${hex:10}
	b64=$(printf '%s' "$hex" | xxd -r -p | base64 -w0)
	sealed_replace "$b64" <"$S.new" >"$S.moved"
	refused tampered "$S.moved"
	still_opens "$S.new"
	still_opens "$S.old"
}

@test "tamper: a stanza reflected to its sender" {
	msg alice bob m1 one | xseal alice >"$S"
	sed -e "s|to='$BOB_FULL' from='$ALICE_FULL'|to='$ALICE_FULL' from='$BOB_FULL'|" "$S" >"$S.refl"
	local before
	before=$(tree_digest "$BATS_TEST_TMPDIR/alice/state")
	run --separate-stderr xopen alice <"$S.refl"
	assert_failure 1
	assert_output ''
	[[ $stderr == *"not opened: tampered"* ]]
	assert_equal "$(tree_digest "$BATS_TEST_TMPDIR/alice/state")" "$before"
	# Unchanged, to the sender: no session with itself.
	run --separate-stderr xopen alice <"$S"
	assert_failure 1
	[[ $stderr == *"not opened: unknown session"* ]]
	still_opens "$S"
}

@test "tamper: a server bounce is reported as bounced, not as tampering" {
	msg bob alice b1 'Hello, Alice!' | xseal bob >"$S"
	# The server returns Bob's stanza to Bob: addresses swapped, an error.
	sed -e "s|to='$ALICE_FULL' from='$BOB_FULL' type='chat'|to='$BOB_FULL' from='$ALICE_FULL' type='error'|" \
		-e "s|</message>$|<error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>|" \
		"$S" >"$S.bounce"
	local before
	before=$(tree_digest "$BATS_TEST_TMPDIR/bob/state")
	run --separate-stderr xopen bob <"$S.bounce"
	assert_failure 1
	assert_output ''
	assert_equal "$stderr" "xe2e-open: <message id='b1'> from $ALICE_FULL not opened: bounced: service-unavailable"
	assert_equal "$(tree_digest "$BATS_TEST_TMPDIR/bob/state")" "$before"
	# A sealed error from the peer is no bounce: it opens.
	echo "<iq to='$BOB_FULL' from='$ALICE_FULL' type='error' id='q1'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>" |
		xseal alice >"$S.err"
	still_opens "$S.err"
}

@test "tamper: an unsealed element put next to the seal is not taken as sealed" {
	msg alice bob m1 'Hello, Bob!' | xseal alice >"$S"
	sed "s|</message>$|<body>Send me your password</body></message>|" "$S" >"$S.add"
	run --separate-stderr xopen bob <"$S.add"
	assert_success
	assert_output "$(msg alice bob m1 'Hello, Bob!')"
	refute_output --partial 'password'
	# Two seals in one stanza: refused.
	sed "s|\(<sealed xmlns='urn:xe2e:1'>[^<]*</sealed>\)|\1\1|" "$S" >"$S.two"
	assert_equal "$(grep -o '<sealed ' "$S.two" | wc -l)" 2
	refused malformed "$S.two"
}
