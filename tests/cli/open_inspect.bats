# xe2e-open --inspect: the outside of sealed stanzas from a real session,
# checked against the bytes of the stanzas themselves; nothing opened,
# nothing stored, nothing secret shown.

load helpers
load seal_helpers

setup() {
	seal_setup
}

# Every file of both homes, lock files included, with modes and digests.
homes_digest() {
	find "$T/alice" "$T/bob" -type f -printf '%m %p\n' -exec sha256sum {} + | sort
}

# The value of field NAME of an inspect line on stdin.
val() {
	tr ' ' '\n' | sed -n "s/^$1=//p"
}

# The short id of the ratchet key in a sealed stanza on stdin: bytes 9 to
# 40 of the sealed message, SHA-256, first 4 bytes.
key_id_of() {
	sealed_b64 | base64 -d | tail -c +10 | head -c 32 | sha256sum | cut -c1-8
}

@test "inspect: each field is what the sealed stanza carries" {
	local i line h
	msgs alice bob 3 | xseal alice >"$T/a.xml"
	msg bob alice b1 hi | xseal bob >"$T/b.xml"
	run --separate-stderr xopen bob --inspect <"$T/a.xml"
	assert_success
	assert_equal "$stderr" ''
	assert_equal "${#lines[@]}" 3
	for i in 1 2 3; do
		line=${lines[$((i - 1))]}
		h=$(sed -n "${i}p" "$T/a.xml" | sealed_header)
		# flags epoch ack n pn from the bytes; flag 1: a key follows.
		assert_equal "$(val epoch <<<"$line") $(val ack <<<"$line") $(val n <<<"$line") $(val pn <<<"$line")" \
			"$(cut -d' ' -f2- <<<"$h")"
		assert_equal "$(val key <<<"$line")" "$(sed -n "${i}p" "$T/a.xml" | key_id_of)"
		assert_equal "$(val tag <<<"$line")" \
			"$(sed -n "${i}p" "$T/a.xml" | sealed_b64 | base64 -d | head -c 5 | tail -c 4 | od -An -tx1 | tr -d ' \n')"
		# s: the 6 bytes after the 41-byte header; the ciphertext after it.
		assert_equal "$(val siv <<<"$line")" \
			"$(sed -n "${i}p" "$T/a.xml" | sealed_b64 | base64 -d | tail -c +42 | head -c 6 | od -An -tx1 | tr -d ' \n')"
		assert_equal "$(val ciphertext <<<"$line")" \
			$(($(sed -n "${i}p" "$T/a.xml" | sealed_b64 | base64 -d | wc -c) - 47))
		assert_equal "$(val session <<<"$line")" "$SESSION"
		assert_equal "$(val id <<<"$line")" "m$i"
		assert_equal "$(val from <<<"$line") $(val to <<<"$line") $(val type <<<"$line") $(val kind <<<"$line")" \
			"$ALICE_FULL $BOB_FULL chat message"
		assert_equal "$(val restart <<<"$line")" -
		# Alice's stanzas have a full 'from': the seal binds it.
		assert_equal "$(val sender <<<"$line")" full
	done
	# The key is Alice's current ratchet key, as trustdb shows it.
	assert_equal "$(val key <<<"${lines[0]}")" \
		"$(as alice xe2e-trustdb sessions show "$SESSION" | sed -n 's/^ratchet-own-key: //p')"
	# Bob's first message carries no key (his r0 went with the handshake),
	# and Alice sees it in her session too.
	run xopen alice --inspect <"$T/b.xml"
	assert_success
	assert_output --regexp "^kind=message from=$BOB_FULL to=$ALICE_FULL type=chat id=b1 tag=[0-9a-f]{8} epoch=0 ack=0 n=0 pn=0 key=- restart=- sender=full siv=[0-9a-f]{12} ciphertext=[0-9]+ session=$SESSION$"
}

@test "inspect: nothing is opened, stored or locked, and no secret is shown" {
	local before secret n=0
	msgs alice bob 5 | xseal alice >"$T/a.xml"
	before=$(homes_digest)
	run --separate-stderr xopen bob --inspect <"$T/a.xml"
	assert_success
	assert_equal "${#lines[@]}" 5
	assert_equal "$(homes_digest)" "$before"
	# No plaintext: the bodies are "message N".
	refute_output --partial 'message 1'
	# No hex string of the session files (keys, chains, secrets) appears,
	# but the session id.
	for secret in $(cat "$T"/alice/state/sessions/*.session "$T"/bob/state/sessions/*.session |
		grep -o '[0-9a-f]\{32,\}' | sort -u | grep -v -x "$SESSION"); do
		[[ $output != *"$secret"* ]] || {
			echo "found $secret"
			return 1
		}
		n=$((n + 1))
	done
	[ "$n" -ge 6 ]
	# The stanzas still open, all of them, after being inspected twice.
	xopen bob --inspect <"$T/a.xml" >/dev/null
	run xopen bob <"$T/a.xml"
	assert_success
	assert_equal "${#lines[@]}" 5
	# And inspecting them again after opening still works: no check is made.
	run xopen bob --inspect <"$T/a.xml"
	assert_success
	assert_equal "${#lines[@]}" 5
}

@test "inspect: values stay one word; stanzas that are not sealed are reported" {
	printf "<message to='%s' type='chat' id='a b=c\\\\d'><body>x</body></message>\n" "$BOB_FULL" |
		xseal alice >"$T/odd.xml"
	msg alice bob p1 plain >>"$T/odd.xml"
	printf "<iq to='%s' from='%s' type='get'><sealed xmlns='urn:xe2e:1'>AAAA</sealed></iq>\n" \
		"$BOB_FULL" "$ALICE_FULL" >>"$T/odd.xml"
	msg alice bob m2 after | xseal alice >>"$T/odd.xml"
	run --separate-stderr xopen bob --inspect <"$T/odd.xml"
	assert_failure 1
	assert_equal "${#lines[@]}" 2
	# No 'from' given to seal: Alice's bare JID; the id escaped.
	assert_equal "$(val from <<<"${lines[0]}")" "$ALICE_JID"
	assert_equal "$(val id <<<"${lines[0]}")" 'a\x20b\x3dc\x5cd'
	assert_equal "$(wc -w <<<"${lines[0]}")" 16
	assert_equal "$(val id <<<"${lines[1]}")" m2
	run grep -c 'not inspected' <<<"$stderr"
	assert_output 2
	[[ $stderr == *"<message id='p1'> from $ALICE_FULL not inspected: not sealed"* ]]
	[[ $stderr == *"<iq> from $ALICE_FULL not inspected: malformed"* ]]
}

@test "inspect: goes with no other option" {
	local args
	for args in '--inspect --batch 2' '--inspect --verbose' '--inspect --quiet' '--inspect x'; do
		run xe2e-open $args </dev/null
		assert_failure 2
	done
	run xe2e-open --inspect </dev/null
	assert_success
	assert_output ''
}
