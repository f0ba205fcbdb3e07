#!/usr/bin/env bats
# The whole toolkit through a real server, a private Prosody
# (prosody.bash): xe2e-connect at each end, joined by FIFOs or pipes to
# xe2e-handshake, xe2e-verify-sas, xe2e-seal and xe2e-open. Handshakes live
# and from offline storage, the SAS compared, messages, presences and iqs
# sealed both ways, a sealed message and a first message to a prekey bundle
# delivered from offline storage, the server's stanza limit met by
# xe2e-seal. The server keeps what it keeps (offline messages, the
# archive) in files: none may hold a plaintext, an identity fingerprint, a
# device key or a piece of a certificate.

load helpers
load prosody

TO=60 # seconds any one program may take

setup_file() {
	prosody_require
	prosody_start "$BATS_FILE_TMPDIR/prosody"
	prosody_add_user alice alice-secret
	prosody_add_user bob bob-secret
}

teardown_file() {
	prosody_stop
}

setup() {
	prosody_test_setup alice alice-secret bob bob-secret
	XE2E_HOME=$T/alice make_identity alice@xe2e.test
	XE2E_HOME=$T/bob make_identity bob@xe2e.test
}

teardown() {
	prosody_test_teardown
}

# through_server USER RESOURCE -- CMD...: runs CMD in USER's XE2E_HOME with
# its standard input from the server and its output to the server, through
# xe2e-connect as USER@xe2e.test/RESOURCE. What the server sent is also
# kept in $T/USER.seen; CMD's stderr in $T/USER.err, its status in
# $T/USER.status, xe2e-connect's in $T/USER.conn.status.
through_server() {
	local user=$1 res=$2
	shift 2
	[ "${1:-}" = -- ] && shift
	rm -f "$T/$user.in" "$T/$user.out" "$T/$user.seen" "$T/$user.status" \
		"$T/$user.conn.status"
	mkfifo "$T/$user.in" "$T/$user.out"
	(
		st=0
		timeout $TO xe2e-connect --jid "$user@xe2e.test" --password-file "$T/$user.pw" \
			--host "$XMPP_HOST" --port "$XMPP_PORT" --ca "$XMPP_CA" \
			--resource "$res" <"$T/$user.in" 2>"$T/$user.conn.err" |
			tee "$T/$user.seen" >"$T/$user.out" || st=$?
		echo "$st" >"$T/$user.conn.status"
	) &
	BG_PIDS+=($!)
	(
		st=0
		XE2E_HOME=$T/$user timeout $TO "$@" >"$T/$user.in" <"$T/$user.out" \
			2>"$T/$user.err" || st=$?
		echo "$st" >"$T/$user.status"
	) &
	BG_PIDS+=($!)
}

# finished USER: waits for both of USER's processes; fails unless both
# ended with status 0.
finished() {
	local user=$1 i
	for i in $(seq 1 $((TO * 10))); do
		[ -s "$T/$user.status" ] && [ -s "$T/$user.conn.status" ] && break
		sleep 0.1
	done
	[ "$(cat "$T/$user.status" 2>/dev/null)" = 0 ] ||
		fail "$user's program: status $(cat "$T/$user.status" 2>/dev/null): $(cat "$T/$user.err")"
	[ "$(cat "$T/$user.conn.status" 2>/dev/null)" = 0 ] ||
		fail "$user's xe2e-connect: status $(cat "$T/$user.conn.status" 2>/dev/null): $(cat "$T/$user.conn.err")"
}

# The identity fingerprint of USER, as xe2e-keygen --show prints it.
fingerprint() {
	XE2E_HOME=$T/$1 xe2e-keygen --show | field identity
}

# Fails when any file under the server's data directory holds the text.
server_never_saw() {
	local text=$1 hits
	[ -n "$text" ] || fail "nothing to look for"
	hits=$(grep -rlF -- "$text" "$PROSODY_DATA" || true)
	[ -z "$hits" ] || fail "the server stored '$text' in: $hits"
}

# The base64 of the bytes written in hex.
hex_to_base64() {
	# shellcheck disable=SC2059
	printf "$(printf '%s' "$1" | sed 's/../\\x&/g')" | base64 -w0
}

# Every form in which USER's identity and device could show: the
# fingerprints in hex with and without spaces, the raw fingerprint in
# base64, and the certificate's body.
server_never_saw_keys_of() {
	local user=$1 fpr dev hex line
	fpr=$(fingerprint "$user")
	dev=$(XE2E_HOME=$T/$user xe2e-keygen --show | field device-key)
	for hex in "$fpr" "$dev"; do
		server_never_saw "$hex"
		server_never_saw "${hex// /}"
		server_never_saw "$(hex_to_base64 "${hex// /}" | cut -c1-24)"
	done
	# any 32-character piece of the certificate's base64
	while IFS= read -r line; do
		[[ $line == -----* ]] && continue
		server_never_saw "${line:8:32}"
	done <"$T/$user/identity.crt"
}

@test "xmpp toolkit: a handshake between alice and bob through the server" {
	through_server bob garden -- xe2e-handshake --respond --timeout 30
	prosody_wait_for "$T/bob.seen" "from='bob@xe2e.test/garden'"
	through_server alice balcony -- xe2e-handshake --to bob@xe2e.test --timeout 30
	finished alice
	finished bob
	# each side learnt the other's identity, as xe2e-keygen shows it
	run cat "$T/alice.err"
	assert_line "xe2e-handshake: identity: $(fingerprint bob)"
	assert_line --partial "xe2e-handshake: peer: bob@xe2e.test/garden"
	assert_line --partial 'xe2e-handshake: session: '
	run cat "$T/bob.err"
	assert_line "xe2e-handshake: identity: $(fingerprint alice)"
	assert_line --partial "xe2e-handshake: peer: alice@xe2e.test/balcony"
	# four stanzas went through the server: steps 1 and 3 to bob, step 2
	# and the responder's confirmation to alice (xe2e(7) HANDSHAKE)
	run grep -c "<handshake xmlns='urn:xe2e:1'" "$T/bob.seen"
	assert_output 2
	run grep -c "<handshake xmlns='urn:xe2e:1'" "$T/alice.seen"
	assert_output 2
	server_never_saw_keys_of alice
	server_never_saw_keys_of bob
}

@test "xmpp toolkit: a handshake waits in offline storage until bob connects" {
	through_server alice balcony -- xe2e-handshake --to bob@xe2e.test --timeout 45
	local offline="$PROSODY_DATA/xe2e%2etest/offline/bob.list"
	prosody_wait_for "$offline" "urn:xe2e:1"
	# the search finds what is there
	run server_never_saw "urn:xe2e:1"
	assert_failure
	# what waits there is ciphertext and ephemeral keys only
	server_never_saw_keys_of alice
	server_never_saw_keys_of bob
	through_server bob garden -- xe2e-handshake --respond --timeout 30
	finished bob
	finished alice
	run grep -c "<delay xmlns='urn:xmpp:delay'" "$T/bob.seen"
	assert_output 1
	run cat "$T/bob.err"
	assert_line "xe2e-handshake: identity: $(fingerprint alice)"
	server_never_saw_keys_of alice
	server_never_saw_keys_of bob
}

@test "xmpp toolkit: a second handshake is IK, also through the server" {
	through_server bob garden -- xe2e-handshake --respond --timeout 30
	prosody_wait_for "$T/bob.seen" "from='bob@xe2e.test/garden'"
	through_server alice balcony -- xe2e-handshake --to bob@xe2e.test --timeout 30
	finished alice
	finished bob
	through_server bob garden -- xe2e-handshake --respond --timeout 30
	prosody_wait_for "$T/bob.seen" "from='bob@xe2e.test/garden'"
	through_server alice balcony -- xe2e-handshake --to bob@xe2e.test --timeout 30
	finished alice
	finished bob
	run cat "$T/alice.err"
	assert_line --partial 'xe2e-handshake: handshake: IKpsk1'
	server_never_saw_keys_of alice
	server_never_saw_keys_of bob
}

# --- sealed stanzas through the server ---

# handshake_via_server: the first handshake between alice (initiator) and
# bob (responder), through the server.
handshake_via_server() {
	through_server bob garden -- xe2e-handshake --respond --timeout 30
	prosody_wait_for "$T/bob.seen" "from='bob@xe2e.test/garden'"
	through_server alice balcony -- xe2e-handshake --to bob@xe2e.test --timeout 30
	finished alice
	finished bob
}

# online USER RESOURCE FD: USER online in the background, its input the
# FIFO $T/USER.live held open by FD of the test (8 or 9: bats owns 3),
# everything the server sends in $T/USER.got; returns once the server
# echoed the presence.
online() {
	local user=$1 res=$2 fd=$3
	rm -f "$T/$user.live" "$T/$user.got"
	mkfifo "$T/$user.live"
	eval "exec $fd<>\"\$T/\$user.live\""
	timeout $TO xe2e-connect --jid "$user@xe2e.test" --password-file "$T/$user.pw" \
		--host "$XMPP_HOST" --port "$XMPP_PORT" --ca "$XMPP_CA" --resource "$res" \
		<"$T/$user.live" >"$T/$user.got" 2>"$T/$user.live.err" 8>&- 9>&- &
	BG_PIDS+=($!)
	eval "${user}_live=$!"
	prosody_wait_for "$T/$user.got" "from='$user@xe2e.test/$res'"
}

# offline USER FD: ends USER's input; fails unless xe2e-connect ends with 0.
offline() {
	local user=$1 fd=$2 pid
	eval "pid=\$${user}_live"
	eval "exec $fd>&-"
	wait "$pid" || fail "$user's xe2e-connect: $(cat "$T/$user.live.err")"
}

# send_as USER [ARGS...]: stanzas on stdin to the server as USER (from
# resource balcony or garden), then a second of listening.
send_as() {
	local user=$1 res=balcony
	shift
	[ "$user" = bob ] && res=garden
	timeout $TO xe2e-connect --jid "$user@xe2e.test" --password-file "$T/$user.pw" \
		--host "$XMPP_HOST" --port "$XMPP_PORT" --ca "$XMPP_CA" --resource "$res" \
		--no-presence "$@" >/dev/null
}

# The sealed stanzas among what USER received, opened by USER.
open_got() {
	grep -F "<sealed xmlns='urn:xe2e:1'" "$T/$1.got" | XE2E_HOME=$T/$1 xe2e-open
}

@test "xmpp toolkit: sealed messages, presences and iqs both ways through the server" {
	handshake_via_server
	local s1="the orchard walls are high $RANDOM$RANDOM"
	local s2="with love's light wings $RANDOM$RANDOM"
	local s3="it is the east $RANDOM$RANDOM"
	online bob garden 9
	XE2E_HOME=$T/alice xe2e-seal --to bob@xe2e.test <<EOF | send_as alice
<message to='bob@xe2e.test/garden' type='chat' id='m1'><body>$s1</body></message>
<presence to='bob@xe2e.test/garden'><status>$s2</status></presence>
<iq to='bob@xe2e.test/garden' type='get' id='v1'><query xmlns='jabber:iq:version'/></iq>
EOF
	prosody_wait_for "$T/bob.got" "type='get'"
	run open_got bob
	assert_success
	assert_equal "${#lines[@]}" 3
	assert_line --index 0 "<message to='bob@xe2e.test/garden' from='alice@xe2e.test/balcony' type='chat' id='m1'><body>$s1</body></message>"
	assert_line --index 1 "<presence to='bob@xe2e.test/garden' from='alice@xe2e.test/balcony'><status>$s2</status></presence>"
	assert_line --index 2 "<iq to='bob@xe2e.test/garden' from='alice@xe2e.test/balcony' type='get' id='v1'><query xmlns='jabber:iq:version'/></iq>"
	# the server carried ciphertext only
	run grep -cF "$s1" "$T/bob.got"
	assert_output 0

	# and back: bob answers the iq and writes a message, both sealed
	online alice balcony 8
	XE2E_HOME=$T/bob xe2e-seal --to alice@xe2e.test <<EOF >&9
<iq to='alice@xe2e.test/balcony' type='result' id='v1'><query xmlns='jabber:iq:version'><name>xe2e</name></query></iq>
<message to='alice@xe2e.test/balcony' type='chat'><body>$s3</body></message>
EOF
	prosody_wait_for "$T/alice.got" "type='chat'"
	run open_got alice
	assert_success
	assert_line --index 0 "<iq to='alice@xe2e.test/balcony' from='bob@xe2e.test/garden' type='result' id='v1'><query xmlns='jabber:iq:version'><name>xe2e</name></query></iq>"
	assert_line --index 1 "<message to='alice@xe2e.test/balcony' from='bob@xe2e.test/garden' type='chat'><body>$s3</body></message>"
	offline alice 8
	offline bob 9

	# the archive holds the sealed messages (as Lua tables), and nothing
	# readable
	run grep -rlF "urn:xe2e:1" "$PROSODY_DATA/xe2e%2etest/archive"
	assert_success
	for text in "$s1" "$s2" "$s3"; do
		server_never_saw "$text"
	done
	server_never_saw_keys_of alice
	server_never_saw_keys_of bob
}

@test "xmpp toolkit: with --from, the resource the server bound is authenticated too" {
	handshake_via_server
	online bob garden 9
	# Without 'from' the server stamps alice's resource, which the seal
	# cannot vouch for; with --from it is the one sealed, and the server
	# leaves it as it is.
	{
		XE2E_HOME=$T/alice xe2e-seal --to bob@xe2e.test \
			<<<"<message to='bob@xe2e.test/garden' type='chat' id='n1'><body>unbound</body></message>"
		XE2E_HOME=$T/alice xe2e-seal --to bob@xe2e.test --from alice@xe2e.test/balcony \
			<<<"<message to='bob@xe2e.test/garden' type='chat' id='b1'><body>bound</body></message>"
	} | send_as alice
	prosody_wait_for "$T/bob.got" "id='b1'"
	offline bob 9
	grep -F "<sealed xmlns='urn:xe2e:1'" "$T/bob.got" >"$T/sealed"
	run --separate-stderr env XE2E_HOME="$T/bob" xe2e-open --require-resource <"$T/sealed"
	assert_failure 1
	assert_output "<message to='bob@xe2e.test/garden' from='alice@xe2e.test/balcony' type='chat' id='b1'><body>bound</body></message>"
	[[ $stderr == *"<message id='n1'> from alice@xe2e.test/balcony not opened: resource not authenticated"* ]] ||
		fail "$stderr"
}

@test "xmpp toolkit: a sealed message waits in offline storage and opens when bob connects" {
	handshake_via_server
	local secret="held by the server, unread $RANDOM$RANDOM"
	XE2E_HOME=$T/alice xe2e-seal --to bob@xe2e.test <<<"<message to='bob@xe2e.test' type='chat'><body>$secret</body></message>" |
		send_as alice
	local offline="$PROSODY_DATA/xe2e%2etest/offline/bob.list"
	run grep -qF "urn:xe2e:1" "$offline"
	assert_success
	server_never_saw "$secret"
	server_never_saw_keys_of alice
	timeout $TO xe2e-connect --jid bob@xe2e.test --password-file "$T/bob.pw" --host "$XMPP_HOST" \
		--port "$XMPP_PORT" --ca "$XMPP_CA" --resource garden --wait 2 </dev/null >"$T/bob.got"
	run open_got bob
	assert_success
	# xe2e-seal addressed it to the device of the session
	assert_output "<message to='bob@xe2e.test/garden' from='alice@xe2e.test/balcony' type='chat'><body>$secret</body></message>"
	server_never_saw "$secret"
}

@test "xmpp toolkit: a stanza too large for the server is refused by xe2e-seal, not the server" {
	handshake_via_server
	local big fit
	big=$(head -c 250000 /dev/zero | tr '\0' 'x')
	fit=$(head -c 190000 /dev/zero | tr '\0' 'y')
	printf '%s\n' "<message to='bob@xe2e.test/garden'><body>$big</body></message>" >"$T/big.xml"
	# too large: xe2e-seal refuses it and nothing reaches the server
	run --separate-stderr env XE2E_HOME="$T/alice" xe2e-seal --to bob@xe2e.test <"$T/big.xml"
	assert_equal "$status" 1
	assert_output ''
	[[ $stderr == *"262144 bytes"* ]] || fail "$stderr"
	# what fits goes through the server and opens
	online bob garden 9
	XE2E_HOME=$T/alice xe2e-seal --to bob@xe2e.test <<<"<message to='bob@xe2e.test/garden'><body>$fit</body></message>" |
		send_as alice
	prosody_wait_for "$T/bob.got" "<sealed xmlns='urn:xe2e:1'"
	# the server's own limit, met without xe2e-seal's check, ends the
	# stream (the stream error itself may be lost: the server resets the
	# connection while the stanza is still arriving) and delivers nothing
	XE2E_HOME=$T/alice xe2e-seal --to bob@xe2e.test --max-stanza 1048576 <"$T/big.xml" \
		>"$T/big.sealed"
	[ "$(wc -c <"$T/big.sealed")" -gt 262144 ]
	run --separate-stderr send_as alice <"$T/big.sealed"
	assert_equal "$status" 1
	[[ $stderr == *"policy-violation"* || $stderr == *"reset by peer"* ]] || fail "$stderr"
	sleep 1
	offline bob 9
	run open_got bob
	assert_success
	assert_output "<message to='bob@xe2e.test/garden' from='alice@xe2e.test/balcony'><body>$fit</body></message>"
}

# The trust level USER keeps for PEER.
level_of() {
	XE2E_HOME=$T/$1 xe2e-trustdb show "$2" | sed -n 's/^level: //p'
}

@test "xmpp toolkit: the short authentication string compared through the server" {
	handshake_via_server
	# each side's code reaches the other's --expect-file as a person would
	# read it out
	mkfifo "$T/ea" "$T/eb"
	(
		for _ in $(seq 600); do
			[ -s "$T/a.sas" ] && [ -s "$T/b.sas" ] && break
			sleep 0.05
		done
		timeout 30 cat "$T/b.sas" >"$T/ea" &
		timeout 30 cat "$T/a.sas" >"$T/eb" &
		wait
	) 3>&- &
	BG_PIDS+=($!)
	through_server bob garden -- xe2e-verify-sas --peer alice@xe2e.test --timeout 30 \
		--expect-file "$T/eb" --sas-file "$T/b.sas"
	prosody_wait_for "$T/bob.seen" "from='bob@xe2e.test/garden'"
	through_server alice balcony -- xe2e-verify-sas --peer bob@xe2e.test --timeout 30 \
		--expect-file "$T/ea" --sas-file "$T/a.sas"
	finished alice
	finished bob
	run cat "$T/a.sas"
	assert_output --regexp '^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$'
	assert_equal "$(cat "$T/b.sas")" "$(cat "$T/a.sas")"
	assert_equal "$(level_of alice bob@xe2e.test)" verified
	assert_equal "$(level_of bob alice@xe2e.test)" verified
	# the server carried sealed stanzas only, and kept none of them
	run grep -c "<sealed xmlns='urn:xe2e:1'" "$T/bob.seen"
	assert_output --regexp '^[1-9]'
	server_never_saw "$(cat "$T/a.sas")"
	server_never_saw_keys_of alice
	server_never_saw_keys_of bob
}

@test "xmpp toolkit: a first message sealed to bob's prekey bundle, from offline storage" {
	# no handshake: alice has only bob's bundle, and bob is offline
	XE2E_HOME=$T/bob xe2e-keygen --prekeys 3 --output "$T/bundle.xml" 2>/dev/null
	local secret="sealed to a prekey while you slept $RANDOM$RANDOM"
	XE2E_HOME=$T/alice xe2e-seal --bundle "$T/bundle.xml" --to bob@xe2e.test 2>"$T/seal.err" \
		<<<"<message to='bob@xe2e.test' type='chat'><body>$secret</body></message>" |
		send_as alice
	grep -q "started from prekeys" "$T/seal.err" || fail "$(cat "$T/seal.err")"
	local offline="$PROSODY_DATA/xe2e%2etest/offline/bob.list"
	run grep -qF "urn:xe2e:1" "$offline"
	assert_success
	server_never_saw "$secret"
	server_never_saw_keys_of alice
	server_never_saw_keys_of bob
	# bob comes online: the server hands it over, and it opens
	timeout $TO xe2e-connect --jid bob@xe2e.test --password-file "$T/bob.pw" --host "$XMPP_HOST" \
		--port "$XMPP_PORT" --ca "$XMPP_CA" --resource garden --wait 2 </dev/null >"$T/bob.got"
	run grep -c "<offline xmlns='urn:xe2e:1'>" "$T/bob.got"
	assert_output 1
	run --separate-stderr bash -c "grep -F \"xmlns='urn:xe2e:1'\" '$T/bob.got' | XE2E_HOME='$T/bob' xe2e-open"
	assert_success
	assert_output "<message to='bob@xe2e.test' from='alice@xe2e.test/balcony' type='chat'><body>$secret</body></message>"
	[[ $stderr == *"started from prekeys (offline-origin)"* ]] || fail "$stderr"
	assert_equal "$(level_of bob alice@xe2e.test)" tofu
	# bob answers in the new session, through the server
	online alice balcony 8
	XE2E_HOME=$T/bob xe2e-seal --to alice@xe2e.test \
		<<<"<message to='alice@xe2e.test/balcony' type='chat'><body>good morning</body></message>" |
		send_as bob
	prosody_wait_for "$T/alice.got" "<sealed xmlns='urn:xe2e:1'"
	offline alice 8
	run open_got alice
	assert_success
	assert_output --partial "<body>good morning</body>"
	server_never_saw "$secret"
	server_never_saw "good morning"
}
