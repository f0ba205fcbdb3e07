#!/usr/bin/env bats
# Offline messages: xe2e-seal --bundle and xe2e-open with initial messages.

load helpers
load seal_helpers

# A tool that runs the recipient's derivation with every stored key, and a
# forger (tests/cli/offline_helper.c), built against the library under test.
setup_file() {
	local bin lib san= layer inc=()
	bin=$(dirname "$(command -v xe2e-open)")
	# every layer of the library on the include path, as the Makefile does
	for layer in "$BATS_TEST_DIRNAME"/../../common/*/; do inc+=(-I"$layer"); done
	lib="$bin/../libxe2e.a"
	if nm "$lib" 2>/dev/null | grep -q '__asan_'; then
		san='-fsanitize=address,undefined'
	fi
	# shellcheck disable=SC2086
	cc -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE "${inc[@]}" $san \
		-o "$BATS_FILE_TMPDIR/offline_helper" "$BATS_TEST_DIRNAME/offline_helper.c" "$lib" \
		-lmbedtls -lmbedx509 -lmbedcrypto -lsodium -lexpat -lidn -lgpgme
}

setup() {
	xe2e_setup
	HELPER="$BATS_FILE_TMPDIR/offline_helper"
	local who
	for who in alice bob; do
		as "$who" xe2e-keygen --jid "$(bare_of "$who")" >/dev/null 2>&1
	done
}

# Bob publishes a bundle with N one-time prekeys (extra options follow).
publish() {
	local n=$1
	shift
	as bob xe2e-keygen --prekeys "$n" --output "$BATS_TEST_TMPDIR/bundle.xml" "$@" 2>/dev/null
}

# Alice seals stdin to Bob's bundle; the stanzas go to $1.
seal_offline() {
	as alice xe2e-seal --bundle "$BATS_TEST_TMPDIR/bundle.xml" --to "$BOB_JID" >"$1"
}

# The first line of a file.
first() {
	head -n 1 "$1"
}

@test "offline: a first message to an offline peer, a reply, and the conversation goes on" {
	publish 5
	{
		msg alice bob m1 'Hello, Bob!'
		msg alice bob m2 'Are you there?'
	} >"$BATS_TEST_TMPDIR/plain"
	run --separate-stderr seal_offline "$BATS_TEST_TMPDIR/sealed" <"$BATS_TEST_TMPDIR/plain"
	assert_success
	[[ $stderr == *"started from prekeys (offline-origin): its trust is capped at tofu"* ]]
	# The first stanza carries the initial message, the second is an
	# ordinary sealed stanza of the new session; no plaintext leaves.
	run grep -c "<offline xmlns='urn:xe2e:1'>" "$BATS_TEST_TMPDIR/sealed"
	assert_output 1
	run grep -c "<sealed xmlns='urn:xe2e:1'>" "$BATS_TEST_TMPDIR/sealed"
	assert_output 1
	run grep -c 'Hello\|there' "$BATS_TEST_TMPDIR/sealed"
	assert_output 0
	# The initial message took no number of Alice's first chain: the next
	# stanza is her epoch 0, n = 0, without a key (Bob has r0), ack 0, with
	# her full JID bound (flags 4).
	run sealed_header < <(sed -n 2p "$BATS_TEST_TMPDIR/sealed")
	assert_output '4 0 0 0 0'
	run --separate-stderr as bob xe2e-open <"$BATS_TEST_TMPDIR/sealed"
	assert_success
	assert_equal "$output" "$(cat "$BATS_TEST_TMPDIR/plain")"
	[[ $stderr == *"the session with $ALICE_JID started from prekeys (offline-origin)"* ]]
	# Both recorded each other as tofu.
	grep -q "^peer $ALICE_JID [0-9a-f]* level=tofu " "$BATS_TEST_TMPDIR/bob/trust"
	grep -q "^peer $BOB_JID [0-9a-f]* level=tofu " "$BATS_TEST_TMPDIR/alice/trust"
	# Bob answers in the same session; the conversation goes on both ways.
	local i
	for i in 1 2 3; do
		msg bob alice "r$i" "reply $i" >"$BATS_TEST_TMPDIR/p"
		as bob xe2e-seal <"$BATS_TEST_TMPDIR/p" >"$BATS_TEST_TMPDIR/s" 2>/dev/null
		run --separate-stderr as alice xe2e-open <"$BATS_TEST_TMPDIR/s"
		assert_success
		assert_equal "$output" "$(cat "$BATS_TEST_TMPDIR/p")"
		msg alice bob "a$i" "again $i" >"$BATS_TEST_TMPDIR/p"
		as alice xe2e-seal <"$BATS_TEST_TMPDIR/p" >"$BATS_TEST_TMPDIR/s" 2>/dev/null
		run grep -c '<offline' "$BATS_TEST_TMPDIR/s"
		assert_output 0
		run --separate-stderr as bob xe2e-open <"$BATS_TEST_TMPDIR/s"
		assert_success
		assert_equal "$output" "$(cat "$BATS_TEST_TMPDIR/p")"
	done
	# One session each, the same id.
	run ls "$BATS_TEST_TMPDIR/alice/state/sessions"
	local ids
	ids=$(ls "$BATS_TEST_TMPDIR/alice/state/sessions" | sed -n 's/\.session$//p')
	assert_equal "$(wc -w <<<"$ids")" 1
	assert_file_exists "$BATS_TEST_TMPDIR/bob/state/sessions/$ids.session"
	grep -q '^flags: offline-origin$' "$BATS_TEST_TMPDIR/bob/state/sessions/$ids.session"
	grep -q '^role: initiator$' "$BATS_TEST_TMPDIR/bob/state/sessions/$ids.session"
	grep -q '^role: responder$' "$BATS_TEST_TMPDIR/alice/state/sessions/$ids.session"
}

# Rewrites a session file in place, as sed -e ARGS would, keeping its inode
# (a copy or a rename would make it a stale session).
edit_in_place() {
	local file=$1
	shift
	sed "$@" "$file" >"$BATS_TEST_TMPDIR/edited"
	cat "$BATS_TEST_TMPDIR/edited" >"$file"
}

@test "offline: sessions from prekeys have the pattern offline; files that say XXpsk2 still load" {
	publish 1
	msg alice bob m1 'hi' | seal_offline "$BATS_TEST_TMPDIR/sealed" 2>/dev/null
	as bob xe2e-open <"$BATS_TEST_TMPDIR/sealed" >/dev/null 2>&1
	local id f
	id=$(ls "$BATS_TEST_TMPDIR/alice/state/sessions" | sed -n 's/\.session$//p')
	for f in "$BATS_TEST_TMPDIR"/{alice,bob}/state/sessions/"$id".session; do
		grep -q '^pattern: offline$' "$f"
		grep -q '^flags: offline-origin$' "$f"
	done
	run as bob xe2e-trustdb sessions show "$id"
	assert_success
	assert_line 'pattern: offline'
	assert_line 'role: initiator'
	assert_line 'flags: offline-origin'
	run as alice xe2e-trustdb --xml sessions show "$id"
	assert_success
	assert_equal "$(xmllint --xpath 'string(//*[local-name()="session"]/@pattern)' - <<<"$output")" \
		offline
	# As a file written before the pattern existed: it loads, and still
	# works as one from prekeys.
	f=$BATS_TEST_TMPDIR/bob/state/sessions/$id.session
	edit_in_place "$f" -e 's/^pattern: offline$/pattern: XXpsk2/'
	run as bob xe2e-trustdb sessions show "$id"
	assert_success
	assert_line 'pattern: XXpsk2'
	assert_line 'flags: offline-origin'
	msg alice bob m2 'again' >"$BATS_TEST_TMPDIR/p"
	as alice xe2e-seal <"$BATS_TEST_TMPDIR/p" >"$BATS_TEST_TMPDIR/s" 2>/dev/null
	run --separate-stderr as bob xe2e-open <"$BATS_TEST_TMPDIR/s"
	assert_success
	assert_output "$(cat "$BATS_TEST_TMPDIR/p")"
	[[ $stderr == *"started from prekeys (offline-origin)"* ]]
	# The pattern offline without the flag is not a session file.
	edit_in_place "$f" -e 's/^pattern: XXpsk2$/pattern: offline/' -e 's/^flags: offline-origin$/flags: -/'
	run --separate-stderr as bob xe2e-trustdb sessions show "$id"
	assert_failure 1
	[[ $stderr == *"$id.session line 15: a session from prekeys without offline-origin"* ]] ||
		fail "$stderr"
}

@test "offline: a replayed initial message with a one-time prekey is refused and changes nothing" {
	publish 3
	msg alice bob m1 'once' | seal_offline "$BATS_TEST_TMPDIR/sealed" 2>/dev/null
	first "$BATS_TEST_TMPDIR/sealed" >"$BATS_TEST_TMPDIR/initial"
	run as bob xe2e-open <"$BATS_TEST_TMPDIR/initial"
	assert_success
	assert_equal "$(grep -c '^opk ' "$BATS_TEST_TMPDIR/bob/state/prekeys")" 2
	assert_equal "$(grep -c '^used ' "$BATS_TEST_TMPDIR/bob/state/prekeys")" 1
	local before
	before=$(tree_digest "$BATS_TEST_TMPDIR/bob")
	run --separate-stderr as bob xe2e-open <"$BATS_TEST_TMPDIR/initial"
	assert_failure 4
	assert_equal "$output" ''
	[[ $stderr == *"not opened: replay: one-time prekey "*" was used before"* ]]
	assert_equal "$(tree_digest "$BATS_TEST_TMPDIR/bob")" "$before"
}

@test "offline: without one-time prekeys the signed prekey alone is used, with a warning; replays are refused" {
	publish 0
	run --separate-stderr seal_offline "$BATS_TEST_TMPDIR/sealed" < <(msg alice bob m1 'no opk')
	assert_success
	[[ $stderr == *"the bundle of $BOB_JID has no usable one-time prekey: sealing with its signed prekey alone"* ]]
	run as bob xe2e-open <"$BATS_TEST_TMPDIR/sealed"
	assert_success
	assert_output --partial 'no opk'
	# The replay cache holds (signed prekey, ephemeral key) instead.
	assert_equal "$(grep -c '^seen ' "$BATS_TEST_TMPDIR/bob/state/prekeys")" 1
	local before
	before=$(tree_digest "$BATS_TEST_TMPDIR/bob")
	run --separate-stderr as bob xe2e-open <"$BATS_TEST_TMPDIR/sealed"
	assert_failure 4
	[[ $stderr == *"not opened: replay"* ]]
	assert_equal "$(tree_digest "$BATS_TEST_TMPDIR/bob")" "$before"
}

@test "offline: one-time prekeys expired in the bundle: the signed prekey alone, with a warning" {
	publish 2
	# One-time prekeys are not signed: their expiry can be read as given.
	sed -i "s/<prekey id='\([0-9a-f]*\)' expires='[0-9]*'>/<prekey id='\1' expires='1000'>/g" \
		"$BATS_TEST_TMPDIR/bundle.xml"
	run --separate-stderr seal_offline "$BATS_TEST_TMPDIR/sealed" < <(msg alice bob m1 'hi')
	assert_success
	[[ $stderr == *"no usable one-time prekey"* ]]
	run as bob xe2e-open <"$BATS_TEST_TMPDIR/sealed"
	assert_success
	assert_equal "$(grep -c '^opk ' "$BATS_TEST_TMPDIR/bob/state/prekeys")" 2
}

@test "offline: two senders with the same one-time prekey: the second is refused" {
	publish 1
	as carol xe2e-keygen --jid carol@capulet.lit >/dev/null 2>&1
	msg alice bob a1 'from alice' | seal_offline "$BATS_TEST_TMPDIR/a" 2>/dev/null
	printf "<message to='%s' from='carol@capulet.lit/nurse' type='chat' id='c1'><body>from carol</body></message>\n" \
		"$BOB_JID" |
		as carol xe2e-seal --bundle "$BATS_TEST_TMPDIR/bundle.xml" --to "$BOB_JID" \
			>"$BATS_TEST_TMPDIR/c" 2>/dev/null
	run as bob xe2e-open <"$BATS_TEST_TMPDIR/a"
	assert_success
	run --separate-stderr as bob xe2e-open <"$BATS_TEST_TMPDIR/c"
	assert_failure 4
	[[ $stderr == *"replay: one-time prekey"* ]]
}

@test "offline: one sender cannot fill the replay cache for everyone: its quota, then refused" {
	publish 0
	as carol xe2e-keygen --jid carol@capulet.lit >/dev/null 2>&1
	local i f before sessions
	# Alice floods Bob with initial messages without a one-time prekey,
	# each a new session; Bob's quota per sender is 2 here.
	for i in 1 2 3; do
		msg alice bob "f$i" "flood $i" | seal_offline "$BATS_TEST_TMPDIR/f$i" 2>/dev/null
	done
	for f in f1 f2; do
		run --separate-stderr env XE2E_OFFLINE_SENDER_QUOTA=2 XE2E_HOME="$BATS_TEST_TMPDIR/bob" \
			xe2e-open <"$BATS_TEST_TMPDIR/$f"
		assert_success
		assert_output --partial "id='$f'"
	done
	assert_equal "$(grep -c '^seen ' "$BATS_TEST_TMPDIR/bob/state/prekeys")" 2
	before=$(tree_digest "$BATS_TEST_TMPDIR/bob")
	run --separate-stderr env XE2E_OFFLINE_SENDER_QUOTA=2 XE2E_HOME="$BATS_TEST_TMPDIR/bob" \
		xe2e-open <"$BATS_TEST_TMPDIR/f3"
	assert_failure 1
	assert_output ''
	assert_equal "$stderr" "xe2e-open: <message id='f3'> from $ALICE_FULL not opened: limit: $(
		)$ALICE_JID already has 2 initial messages without a one-time prekey in the replay $(
		)cache, the most one sender may have: refused until the signed prekey they used is $(
		)deleted"
	# Nothing of it stored: no replay-cache entry, no session, no trust.
	assert_equal "$(tree_digest "$BATS_TEST_TMPDIR/bob")" "$before"
	# Carol, another sender, still gets through.
	printf "<message to='%s' from='carol@capulet.lit/nurse' type='chat' id='c1'><body>from carol</body></message>\n" \
		"$BOB_JID" |
		as carol xe2e-seal --bundle "$BATS_TEST_TMPDIR/bundle.xml" --to "$BOB_JID" \
			>"$BATS_TEST_TMPDIR/c" 2>/dev/null
	run --separate-stderr env XE2E_OFFLINE_SENDER_QUOTA=2 XE2E_HOME="$BATS_TEST_TMPDIR/bob" \
		xe2e-open <"$BATS_TEST_TMPDIR/c"
	assert_success
	assert_output --partial 'from carol'
	sessions=$(ls "$BATS_TEST_TMPDIR/bob/state/sessions" | grep -c '\.session$')
	assert_equal "$sessions" 3
	# A quota that is no number is a clear error, and opens nothing.
	run --separate-stderr env XE2E_OFFLINE_SENDER_QUOTA=0 XE2E_HOME="$BATS_TEST_TMPDIR/bob" \
		xe2e-open <"$BATS_TEST_TMPDIR/f3"
	assert_failure 1
	[[ $stderr == *"XE2E_OFFLINE_SENDER_QUOTA must be a number from 1 to 10000"* ]] ||
		fail "$stderr"
}

@test "offline: a message after the signed prekey's grace period is refused" {
	publish 1
	msg alice bob m1 'late' | seal_offline "$BATS_TEST_TMPDIR/sealed" 2>/dev/null
	# The message stays in transit until the prekey is past its deadline:
	# expired ten days ago, so its seven days of grace are over.
	local now
	now=$(date +%s)
	sed -i "s/^spk \([0-9a-f]*\) [0-9]* [0-9]* /spk \1 $((now - 40 * 86400)) $((now - 10 * 86400)) /" \
		"$BATS_TEST_TMPDIR/bob/state/prekeys"
	run --separate-stderr as bob xe2e-open <"$BATS_TEST_TMPDIR/sealed"
	assert_failure 1
	assert_equal "$output" ''
	[[ $stderr == *"not opened: expired prekey: "*"signed prekey "*" is unknown or expired"* ]]
	# The expired keys are gone from the store all the same.
	assert_equal "$(grep -c '^spk ' "$BATS_TEST_TMPDIR/bob/state/prekeys")" 0
	run "$HELPER" derive "$ALICE_FULL" < <(first "$BATS_TEST_TMPDIR/sealed")
	assert_output 'not opened'
}

@test "offline: within the grace period after a rotation, the old signed prekey still works" {
	publish 1
	msg alice bob m1 'old bundle' | seal_offline "$BATS_TEST_TMPDIR/sealed" 2>/dev/null
	as bob xe2e-keygen --rotate-prekeys --prekeys 1 >/dev/null 2>&1
	run as bob xe2e-open <"$BATS_TEST_TMPDIR/sealed"
	assert_success
	assert_output --partial 'old bundle'
}

@test "offline: forward secrecy: once opened, nothing stored opens the captured initial message" {
	publish 2
	msg alice bob m1 'captured' | seal_offline "$BATS_TEST_TMPDIR/sealed" 2>/dev/null
	first "$BATS_TEST_TMPDIR/sealed" >"$BATS_TEST_TMPDIR/initial"
	# In transit, Bob's stored keys open it (the documented window)...
	run as bob "$HELPER" derive "$ALICE_FULL" <"$BATS_TEST_TMPDIR/initial"
	assert_output 'opened'
	run as bob xe2e-open <"$BATS_TEST_TMPDIR/initial"
	assert_success
	# ... after it was opened, nothing Bob stores does, device key included.
	run as bob "$HELPER" derive "$ALICE_FULL" <"$BATS_TEST_TMPDIR/initial"
	assert_failure 1
	assert_output 'not opened'
	# Alice keeps nothing that opens it either: her store has no prekeys.
	run as alice "$HELPER" derive "$ALICE_FULL" <"$BATS_TEST_TMPDIR/initial"
	assert_output 'not opened'
}

@test "offline: a stolen signed prekey alone cannot forge a sender" {
	publish 0
	msg alice bob f1 'forged' >"$BATS_TEST_TMPDIR/plain"
	# The control: with Alice's device key the forger's message is genuine.
	as bob "$HELPER" forge "$BATS_TEST_TMPDIR/alice" --with-device-key \
		<"$BATS_TEST_TMPDIR/plain" >"$BATS_TEST_TMPDIR/genuine"
	# Without it, the stolen signed prekey does not make a message Bob accepts.
	as bob "$HELPER" forge "$BATS_TEST_TMPDIR/alice" <"$BATS_TEST_TMPDIR/plain" \
		>"$BATS_TEST_TMPDIR/forged"
	local before
	before=$(tree_digest "$BATS_TEST_TMPDIR/bob")
	run --separate-stderr as bob xe2e-open <"$BATS_TEST_TMPDIR/forged"
	assert_failure 1
	assert_equal "$output" ''
	[[ $stderr == *"not opened: tampered: the initial message does not decrypt"* ]]
	assert_equal "$(tree_digest "$BATS_TEST_TMPDIR/bob")" "$before"
	run --separate-stderr as bob xe2e-open <"$BATS_TEST_TMPDIR/genuine"
	assert_success
	assert_output "$(cat "$BATS_TEST_TMPDIR/plain")"
}

@test "offline: a tampered initial message is refused and changes nothing" {
	publish 2
	msg alice bob m1 'intact' | seal_offline "$BATS_TEST_TMPDIR/sealed" 2>/dev/null
	first "$BATS_TEST_TMPDIR/sealed" >"$BATS_TEST_TMPDIR/initial"
	local before pos
	before=$(tree_digest "$BATS_TEST_TMPDIR/bob")
	for pos in 120 150 300 500; do
		# One base64 character changed (A and B differ in their low bits).
		awk -v p="$pos" '{ c = substr($0, p, 1); r = (c == "A") ? "B" : "A";
			print substr($0, 1, p - 1) r substr($0, p + 1) }' \
			"$BATS_TEST_TMPDIR/initial" >"$BATS_TEST_TMPDIR/bad"
		run --separate-stderr as bob xe2e-open <"$BATS_TEST_TMPDIR/bad"
		assert_failure
		assert_equal "$output" ''
		[[ $stderr == *"not opened: "* ]]
	done
	# Retyped, or another id: the associated data differ.
	sed "s/type='chat'/type='normal'/" "$BATS_TEST_TMPDIR/initial" >"$BATS_TEST_TMPDIR/bad"
	run --separate-stderr as bob xe2e-open <"$BATS_TEST_TMPDIR/bad"
	assert_failure 1
	[[ $stderr == *"tampered"* ]]
	sed "s/id='m1'/id='m9'/" "$BATS_TEST_TMPDIR/initial" >"$BATS_TEST_TMPDIR/bad"
	run as bob xe2e-open <"$BATS_TEST_TMPDIR/bad"
	assert_failure 1
	assert_equal "$(tree_digest "$BATS_TEST_TMPDIR/bob")" "$before"
	run as bob xe2e-open <"$BATS_TEST_TMPDIR/initial"
	assert_success
}

@test "offline: the initial message binds the sender's full JID: a rewritten resource is refused" {
	publish 2
	msg alice bob m1 'intact' | seal_offline "$BATS_TEST_TMPDIR/sealed" 2>/dev/null
	first "$BATS_TEST_TMPDIR/sealed" >"$BATS_TEST_TMPDIR/initial"
	local before
	before=$(tree_digest "$BATS_TEST_TMPDIR/bob")
	sed "s|from='$ALICE_FULL'|from='$ALICE_JID/evil'|" "$BATS_TEST_TMPDIR/initial" \
		>"$BATS_TEST_TMPDIR/bad"
	run --separate-stderr as bob xe2e-open <"$BATS_TEST_TMPDIR/bad"
	assert_failure 1
	assert_equal "$output" ''
	[[ $stderr == *"<message id='m1'> from $ALICE_JID/evil not opened: tampered: "*"its sender bound its full JID, so the resource of 'from' may have been rewritten on the way"* ]] ||
		fail "$stderr"
	assert_equal "$(tree_digest "$BATS_TEST_TMPDIR/bob")" "$before"
	run --separate-stderr as bob xe2e-open --require-resource <"$BATS_TEST_TMPDIR/initial"
	assert_success
	assert_output "$(msg alice bob m1 'intact')"
	# Without a 'from', the resource a server stamps is not authenticated:
	# --require-resource refuses it before any prekey is used.
	publish 2
	printf "<message to='%s' type='chat' id='m2'><body>hi</body></message>\n" "$BOB_FULL" |
		seal_offline "$BATS_TEST_TMPDIR/sealed2" 2>/dev/null
	sed "s|from='$ALICE_JID'|from='$ALICE_JID/stamped'|" "$BATS_TEST_TMPDIR/sealed2" \
		>"$BATS_TEST_TMPDIR/stamped"
	before=$(tree_digest "$BATS_TEST_TMPDIR/bob")
	run --separate-stderr as bob xe2e-open --require-resource <"$BATS_TEST_TMPDIR/stamped"
	assert_failure 1
	[[ $stderr == *"from $ALICE_JID/stamped not opened: resource not authenticated"* ]] ||
		fail "$stderr"
	assert_equal "$(tree_digest "$BATS_TEST_TMPDIR/bob")" "$before"
	run as bob xe2e-open <"$BATS_TEST_TMPDIR/stamped"
	assert_success
	assert_output --partial "from='$ALICE_JID/stamped'"
}

@test "offline: tampered or unusable bundles are refused before anything is sealed" {
	publish 2
	local good="$BATS_TEST_TMPDIR/good.xml" bad="$BATS_TEST_TMPDIR/bundle.xml"
	cp "$bad" "$good"
	# The signed prekey's signature, its key, its expiry.
	sed -i "s|\(<signed-prekey [^>]*>\)A|\1B|; t; s|\(<signed-prekey [^>]*>\)[^A]|\1A|" "$bad"
	run --separate-stderr seal_offline "$BATS_TEST_TMPDIR/out" < <(msg alice bob m1 x)
	assert_failure 1
	[[ $stderr == *"cannot seal to the bundle"*"signature does not verify"* ]]
	sed "s/ expires='\([0-9]*\)' key=/ expires='1\1' key=/" "$good" >"$bad"
	run --separate-stderr seal_offline "$BATS_TEST_TMPDIR/out" < <(msg alice bob m1 x)
	assert_failure 1
	# Another JID than the one asked for.
	cp "$good" "$bad"
	run --separate-stderr as alice xe2e-seal --bundle "$bad" --to romeo@montague.lit \
		< <(msg alice bob m1 x)
	assert_failure 3
	[[ $stderr == *"the bundle is for $BOB_JID, not romeo@montague.lit"* ]]
	# Not a bundle; a bundle with no signed prekey.
	echo '<bundle/>' >"$bad"
	run seal_offline "$BATS_TEST_TMPDIR/out" < <(msg alice bob m1 x)
	assert_failure 1
	sed 's|<signed-prekey.*</signed-prekey>||' "$good" >"$bad"
	run --separate-stderr seal_offline "$BATS_TEST_TMPDIR/out" < <(msg alice bob m1 x)
	assert_failure 1
	[[ $stderr == *"no signed prekey"* ]]
	# A minimal bundle of a peer Alice does not know.
	publish 1 --bundle-minimal
	run --separate-stderr seal_offline "$BATS_TEST_TMPDIR/out" < <(msg alice bob m1 x)
	assert_failure 1
	[[ $stderr == *"a minimal bundle needs the identity and device key of $BOB_JID"* ]]
	# Nothing was sealed, no session made.
	assert_file_not_exists "$BATS_TEST_TMPDIR/alice/state/sessions"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" ''
}

@test "offline: a minimal bundle serves a sender that knows the peer" {
	handshake alice bob
	publish 2 --bundle-minimal
	run --separate-stderr seal_offline "$BATS_TEST_TMPDIR/sealed" < <(msg alice bob m1 'known')
	assert_success
	run as bob xe2e-open <"$BATS_TEST_TMPDIR/sealed"
	assert_success
	assert_output --partial 'known'
	# A known peer keeps its level and gets no offline-origin flag.
	run grep "^peer $ALICE_JID " "$BATS_TEST_TMPDIR/bob/trust"
	refute_output --partial 'offline-origin'
}

@test "offline: a changed identity key is a trust failure on both sides" {
	handshake alice bob
	as bob xe2e-keygen --jid "$BOB_JID" --force >/dev/null 2>&1
	publish 1
	run --separate-stderr seal_offline "$BATS_TEST_TMPDIR/out" < <(msg alice bob m1 x)
	assert_failure 3
	[[ $stderr == *"identity key of $BOB_JID changed"* ]]
	# Alice changes hers and writes to Bob's bundle: Bob refuses her.
	as alice xe2e-keygen --jid "$ALICE_JID" --force >/dev/null 2>&1
	as alice xe2e-trustdb forget "$BOB_JID" >/dev/null 2>&1 || true
	sed -i "/^peer $BOB_JID /d; /^device $BOB_JID /d" "$BATS_TEST_TMPDIR/alice/trust"
	msg alice bob m2 y | seal_offline "$BATS_TEST_TMPDIR/out" 2>/dev/null
	local before
	before=$(tree_digest "$BATS_TEST_TMPDIR/bob")
	run --separate-stderr as bob xe2e-open <"$BATS_TEST_TMPDIR/out"
	assert_failure
	[[ $stderr == *"not opened: trust: "*"identity key of $ALICE_JID changed"* ]]
	assert_equal "$(tree_digest "$BATS_TEST_TMPDIR/bob")" "$before"
}

@test "offline: a peer first known from an offline message carries offline-origin in the trust store" {
	publish 2
	msg alice bob m1 'first' | seal_offline "$BATS_TEST_TMPDIR/sealed" 2>/dev/null
	# The sender learnt Bob from his bundle, the recipient Alice from her message.
	run as alice xe2e-trustdb list
	assert_success
	assert_output --regexp "^$BOB_JID [0-9a-f]{64} tofu offline-origin$"
	run --separate-stderr as bob xe2e-trustdb list
	assert_output ''
	run as bob xe2e-open <"$BATS_TEST_TMPDIR/sealed"
	assert_success
	run as bob xe2e-trustdb list
	assert_output --regexp "^$ALICE_JID [0-9a-f]{64} tofu offline-origin$"
	run as bob xe2e-trustdb show "$ALICE_JID"
	assert_line 'level: tofu'
	assert_line 'flags: offline-origin'
	grep -q "^peer $ALICE_JID [0-9a-f]* level=tofu flags=offline-origin " "$BATS_TEST_TMPDIR/bob/trust"
	run as bob xe2e-trustdb --xml show "$ALICE_JID"
	assert_success
	assert_equal "$(xmllint --xpath 'string(//*[local-name()="peer"]/@flags)' - <<<"$output")" \
		offline-origin
	# Exported and imported with it.
	as bob xe2e-trustdb export >"$BATS_TEST_TMPDIR/export.xml"
	grep -q "flags='offline-origin'" "$BATS_TEST_TMPDIR/export.xml"
	as carol xe2e-trustdb import "$BATS_TEST_TMPDIR/export.xml"
	run as carol xe2e-trustdb list
	assert_output --regexp "^$ALICE_JID [0-9a-f]{64} tofu offline-origin$"
	# A second offline message changes nothing of it.
	as bob xe2e-keygen --rotate-prekeys --prekeys 1 --output "$BATS_TEST_TMPDIR/bundle.xml" 2>/dev/null
	msg alice bob m2 'second' | as alice xe2e-seal --bundle "$BATS_TEST_TMPDIR/bundle.xml" \
		--to "$BOB_JID" >"$BATS_TEST_TMPDIR/sealed2" 2>/dev/null
	as bob xe2e-open <"$BATS_TEST_TMPDIR/sealed2" >/dev/null 2>&1
	run as bob xe2e-trustdb list
	assert_output --regexp "^$ALICE_JID [0-9a-f]{64} tofu offline-origin$"
}

@test "offline: a real-time handshake lifts offline-origin" {
	publish 1
	msg alice bob m1 'hi' | seal_offline "$BATS_TEST_TMPDIR/sealed" 2>/dev/null
	as bob xe2e-open <"$BATS_TEST_TMPDIR/sealed" >/dev/null 2>&1
	run as alice xe2e-trustdb list
	assert_output --regexp "^$BOB_JID [0-9a-f]{64} tofu offline-origin$"
	run as bob xe2e-trustdb list
	assert_output --regexp "^$ALICE_JID [0-9a-f]{64} tofu offline-origin$"
	# Before: both sides are told the session's trust is capped.
	msg alice bob m2 'offline' >"$BATS_TEST_TMPDIR/p"
	run --separate-stderr as alice xe2e-seal <"$BATS_TEST_TMPDIR/p"
	assert_success
	[[ $stderr == *"started from prekeys (offline-origin)"* ]]
	handshake alice bob
	# After: the handshake's session is current, without the flag, on both sides.
	msg alice bob m3 'live' >"$BATS_TEST_TMPDIR/p"
	run --separate-stderr as alice xe2e-seal <"$BATS_TEST_TMPDIR/p"
	assert_success
	[[ $stderr != *"offline-origin"* ]]
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/s"
	run --separate-stderr as bob xe2e-open <"$BATS_TEST_TMPDIR/s"
	assert_success
	assert_output "$(cat "$BATS_TEST_TMPDIR/p")"
	[[ $stderr != *"offline-origin"* ]]
	local f
	for f in "$BATS_TEST_TMPDIR"/alice/state/sessions/*.session; do
		grep -q '^flags: offline-origin$' "$f" || continue
		# Only the session from prekeys carries it.
		grep -q '^role: responder$' "$f"
	done
	run grep -c "offline-origin" "$BATS_TEST_TMPDIR/alice/trust" "$BATS_TEST_TMPDIR/bob/trust"
	assert_output --partial ':0'
	refute_output --partial ':1'
	run as alice xe2e-trustdb list
	assert_output --regexp "^$BOB_JID [0-9a-f]{64} tofu -$"
	run as bob xe2e-trustdb list
	assert_output --regexp "^$ALICE_JID [0-9a-f]{64} tofu -$"
	# The handshake's sessions carry no flag; the one from prekeys keeps it.
	run as alice xe2e-trustdb sessions list
	assert_line --regexp "^[0-9a-f]{32} active $BOB_FULL tofu - .* current$"
	assert_line --regexp "^[0-9a-f]{32} active $BOB_JID tofu offline-origin .* -$"
}

@test "offline: an offline message from a verified peer keeps the entry verified; its session is offline-origin" {
	handshake alice bob
	as alice xe2e-trustdb verify "$BOB_JID"
	as bob xe2e-trustdb verify "$ALICE_JID"
	publish 1
	run --separate-stderr seal_offline "$BATS_TEST_TMPDIR/sealed" < <(msg alice bob m1 'offline')
	assert_success
	[[ $stderr == *"started from prekeys (offline-origin): its trust is capped at tofu"* ]]
	run --separate-stderr as bob xe2e-open <"$BATS_TEST_TMPDIR/sealed"
	assert_success
	assert_output --partial 'offline'
	[[ $stderr == *"the session with $ALICE_JID started from prekeys (offline-origin)"* ]]
	# Neither entry is downgraded nor flagged...
	run as alice xe2e-trustdb list
	assert_output --regexp "^$BOB_JID [0-9a-f]{64} verified -$"
	run as bob xe2e-trustdb list
	assert_output --regexp "^$ALICE_JID [0-9a-f]{64} verified -$"
	# ... but the sessions from prekeys are capped, on both sides.
	local id
	id=$(cd "$BATS_TEST_TMPDIR/bob/state/sessions" && grep -l '^flags: offline-origin$' ./*.session)
	id=${id#./}
	id=${id%.session}
	[[ $id =~ ^[0-9a-f]{32}$ ]] || fail "not one session from prekeys: $id"
	run as bob xe2e-trustdb sessions show "$id"
	assert_line 'current: yes'
	assert_line 'trust: tofu'
	assert_line 'flags: offline-origin'
	run as alice xe2e-trustdb sessions show "$id"
	assert_line 'current: yes'
	assert_line 'trust: tofu'
	assert_line 'flags: offline-origin'
}
