#!/usr/bin/env bats
# The Profanity plugin (xe2e-profanity(7)) in real Profanity clients under
# tmux, through the private Prosody: a handshake started with /xe2e start,
# messages typed in the chat windows sealed whole on the way and shown
# opened on the other side, the server's offline store and archive
# without a plaintext or a key, stanzas that fail to open shown as error
# lines (a tampered one, a replay, a plain one from a peer with a
# session), and nothing sent unsealed to a peer once a session or a
# handshake is under way.

load helpers
load prosody
load profanity_helpers

setup_file() {
	prosody_require
	prosody_start "$BATS_FILE_TMPDIR/prosody"
}

teardown_file() {
	prosody_stop
}

setup() {
	xe2e_setup
	profanity_require
	T=$BATS_TEST_TMPDIR
	# one pair of accounts per test: nothing left offline by another test
	A=a$BATS_TEST_NUMBER
	B=b$BATS_TEST_NUMBER
}

teardown() {
	clients_stop
	xe2e_teardown
}

# Starts both clients and a session from A's /xe2e start.
session_up() {
	client_start "$A"
	client_start "$B"
	client_type "$A" "/xe2e start $B@xe2e.test"
	client_wait "$A" "xe2e: $B@xe2e.test: session "
	client_wait "$B" "xe2e: $A@xe2e.test: session "
}

# The identity fingerprint of NAME, as xe2e-keygen --show prints it.
fingerprint_of() {
	XE2E_HOME=$(client_home "$1")/xe2e xe2e-keygen --show | field identity
}

# Sends a stanza to the server as NAME@xe2e.test/relay, through
# xe2e-connect: a second client of the same account.
send_as_relay() {
	local name=$1 stanza=$2
	printf '%s-secret\n' "$name" >"$T/$name.pw"
	chmod 600 "$T/$name.pw"
	printf '%s\n' "$stanza" |
		timeout 30 xe2e-connect --jid "$name@xe2e.test" --password-file "$T/$name.pw" \
			--host "$XMPP_HOST" --port "$XMPP_PORT" --ca "$XMPP_CA" --resource relay \
			>/dev/null 2>"$T/relay.err" || {
		cat "$T/relay.err" >&2
		return 1
	}
}

@test "profanity plugin: /xe2e start, then messages both ways, sealed on the wire, opened in the windows" {
	session_up
	# A writes in the chat window /msg opens; B's window opens with it
	client_type "$A" "/msg $B@xe2e.test Hello, Bob!"
	client_wait "$B" "~ $A@xe2e.test: Hello, Bob!"
	client_type "$B" "Hello, Alice, from the garden"
	client_wait "$A" "~ $B@xe2e.test: Hello, Alice, from the garden"
	# both chat windows say so in their titlebars
	client_wait "$A" "[xe2e]"
	client_wait "$B" "[xe2e]"
	# what left each client was a sealed stanza, not the text
	run client_sent "$A" "<sealed xmlns='urn:xe2e:1'>"
	assert_output --partial "to='$B@xe2e.test/prof'"
	refute_output --partial 'Hello, Bob!'
	run client_sent "$A" "Hello, Bob!"
	assert_output ''
	# the server archived the sealed stanzas, and never a plaintext or a key
	run grep -rlF 'urn:xe2e:1' "$PROSODY_DATA"
	assert_success
	server_kept_none 'Hello, Bob!'
	server_kept_none 'from the garden'
	# the archive keeps the sealed message with Profanity's own message id in
	# clear (xe2e-profanity(7) CAVEATS)
	id=$(grep -F "<sealed xmlns='urn:xe2e:1'>" "$(client_home "$A")/data/profanity/logs/profanity.log" |
		sed -n "s/.*SENT: <message[^>]* id='\([^']*\)'.*/\1/p" | head -n 1)
	[ -n "$id" ]
	run grep -rlF -- "$id" "$PROSODY_DATA"
	assert_output --partial "/archive/"
	server_kept_none "$(fingerprint_of "$A")"
	server_kept_none "$(fingerprint_of "$B")"
	# the session is the programs' too: xe2e-trustdb lists it
	run env XE2E_HOME="$(client_home "$A")/xe2e" xe2e-trustdb sessions list
	assert_success
	assert_output --partial "$B@xe2e.test/prof tofu"
	# /xe2e status tells the level and the peer's identity
	client_type "$A" "/xe2e status"
	client_wait "$A" "trust tofu, peer identity $(fingerprint_of "$B")"
}

@test "profanity plugin: a tampered stanza, a replay and a plain message show error lines, never their text" {
	session_up
	client_type "$A" "/msg $B@xe2e.test first words"
	client_wait "$B" "~ $A@xe2e.test: first words"
	sealed=$(client_sent "$A" "<sealed xmlns='urn:xe2e:1'>")
	[ -n "$sealed" ]
	# the same stanza again, from another client of A's account: a replay
	send_as_relay "$A" "$sealed"
	client_wait "$B" "xe2e: a stanza that did not open"
	# one character of the sealed message changed on the way
	body=$(printf '%s' "$sealed" | sed -n "s/.*<sealed xmlns='urn:xe2e:1'>\([^<]*\)<.*/\1/p")
	flipped=${body:0:40}$(printf '%s' "${body:40:1}" | tr 'A-Za-z0-9+/' 'B-Za-z0-9+/A')${body:41}
	send_as_relay "$A" "${sealed/$body/$flipped}"
	client_wait_count "$B" "xe2e: a stanza that did not open" 2
	# a message in plaintext from the peer: refused, its text never shown
	send_as_relay "$A" "<message to='$B@xe2e.test/prof' type='chat'><body>sent in the clear</body></message>"
	client_wait "$B" "(not sealed)"
	client_not_shown "$B" "sent in the clear"
	# the conversation goes on
	client_type "$A" "still here"
	client_wait "$B" "~ $A@xe2e.test: still here"
	# the replay was not shown a second time
	[ "$(client_screen "$B" | grep -cF "~ $A@xe2e.test: first words")" -eq 1 ]
}

@test "profanity plugin: fail closed, nothing leaves unsealed during a handshake or when sealing fails" {
	client_start "$A"
	# B is not there to answer: the handshake stays under way
	prosody_add_user "$B" "$B-secret"
	client_type "$A" "/xe2e start $B@xe2e.test"
	client_wait "$A" "handshake started"
	client_type "$A" "/msg $B@xe2e.test during the handshake"
	client_wait "$A" "xe2e: not sent: the handshake is still under way"
	client_type "$A" "/xe2e end $B@xe2e.test"
	client_wait "$A" "xe2e: what was under way is abandoned"
	server_kept_none 'during the handshake'
}

# Types TEXT in A's window when nothing can be sealed to B: A's window says
# so, and neither B nor the server gets the text.
not_sent() {
	client_type "$A" "$1"
	client_wait "$A" "xe2e: not sent, it could not be sealed"
	sleep 2 # what would have arrived by now
	client_not_shown "$B" "$1"
	server_kept_none "$1"
}

# Fails unless xe2e-trustdb list, in NAME's files, has PEER's key at LEVEL.
trustdb_lists() {
	run env XE2E_HOME="$(client_home "$1")/xe2e" xe2e-trustdb list
	assert_output --partial "$2@xe2e.test $(fingerprint_of "$2" | tr -d ' ') $3"
}

@test "profanity plugin: fail closed, a session that cannot seal sends nothing and says why" {
	session_up
	client_type "$A" "/msg $B@xe2e.test before"
	client_wait "$B" "~ $A@xe2e.test: before"
	# the session file is damaged: sealing fails
	for f in "$(client_home "$A")"/xe2e/state/sessions/*.session; do
		printf 'damaged\n' >"$f"
	done
	not_sent "after the damage"
}

@test "profanity plugin: /xe2e verify shows one code on both sides; both say yes: verified" {
	session_up
	client_type "$A" "/msg $B@xe2e.test before the comparison"
	client_wait "$B" "~ $A@xe2e.test: before the comparison"
	client_type "$A" "/xe2e verify"
	client_wait "$A" "xe2e: code "
	client_wait "$B" "xe2e: code "
	code_a=$(client_screen "$A" | sed -n 's/.*xe2e: code \([^:]*\):.*/\1/p')
	code_b=$(client_screen "$B" | sed -n 's/.*xe2e: code \([^:]*\):.*/\1/p')
	[ -n "$code_a" ]
	assert_equal "$code_a" "$code_b"
	client_type "$A" "/xe2e verify yes"
	client_type "$B" "/xe2e verify yes"
	client_wait "$A" "xe2e: verified: the peer's identity is now verified"
	client_wait "$B" "xe2e: verified: the peer's identity is now verified"
	client_wait "$A" "[xe2e verified]"
	client_wait "$B" "[xe2e verified]"
	# the trust store the programs read says so too
	trustdb_lists "$A" "$B" verified
	# the conversation goes on, verified
	client_type "$B" "after the comparison"
	client_wait "$A" "~ $B@xe2e.test: after the comparison"
	server_kept_none "$code_a"
}

# The codes compared, A saying yes and B no: a mismatch on both sides.
codes_differ() {
	client_type "$A" "/xe2e verify"
	client_wait "$A" "xe2e: code "
	client_wait "$B" "xe2e: code "
	client_type "$A" "/xe2e verify yes"
	client_type "$B" "/xe2e verify no"
	client_wait "$A" "xe2e: MISMATCH: the peer said the codes differ"
	client_wait "$B" "xe2e: MISMATCH: you said the codes differ"
}

@test "profanity plugin: a wrong answer to the code shows the mismatch on both sides, and sealing stops" {
	session_up
	client_type "$A" "/msg $B@xe2e.test before the comparison"
	client_wait "$B" "~ $A@xe2e.test: before the comparison"
	codes_differ
	client_wait "$A" "[xe2e untrusted]"
	# nothing more is sealed to the peer, and nothing leaves in plaintext
	not_sent "after the mismatch"
}

@test "profanity plugin: the same session used by the programs and by the client, in turn" {
	session_up
	client_type "$A" "/msg $B@xe2e.test from the client"
	client_wait "$B" "~ $A@xe2e.test: from the client"
	# xe2e-seal in A's files seals into the session the plugin made;
	# another client of A's account sends it
	run --separate-stderr env XE2E_HOME="$(client_home "$A")/xe2e" \
		xe2e-seal --to "$B@xe2e.test" <<<"<message to='$B@xe2e.test' type='chat'><body>from the program</body></message>"
	assert_success
	send_as_relay "$A" "$output"
	client_wait "$B" "~ $A@xe2e.test: from the program"
	# and the client seals after the program, in the same session
	client_type "$A" "from the client again"
	client_wait "$B" "~ $A@xe2e.test: from the client again"
	client_not_shown "$B" "xe2e: a stanza that did not open"
	server_kept_none 'from the program'
}

@test "profanity plugin: unloaded mid-conversation, the sender is warned and the peer never shows the plaintext" {
	session_up
	client_type "$A" "/msg $B@xe2e.test while loaded"
	client_wait "$B" "~ $A@xe2e.test: while loaded"
	client_type "$A" "/plugins unload xe2e.so"
	client_type "$A" "/win 1"
	client_wait "$A" "xe2e: unloaded: messages now leave in PLAINTEXT"
	# Profanity sends what is typed now as it is (xe2e-profanity(7) CAVEATS);
	# the peer's plugin refuses it
	client_type "$A" "/msg $B@xe2e.test after the unload"
	client_wait "$B" "(not sealed)"
	client_not_shown "$B" "after the unload"
}

@test "profanity plugin: an iq to the peer's device leaves sealed too, and the conversation goes on" {
	session_up
	client_type "$A" "/disco info $B@xe2e.test/prof"
	for i in $(seq 1 100); do
		[ -n "$(client_sent "$A" "<iq to='$B@xe2e.test/prof'")" ] && break
		sleep 0.1
	done
	run client_sent "$A" "<iq to='$B@xe2e.test/prof'"
	assert_output --partial "<sealed xmlns='urn:xe2e:1'>"
	refute_output --partial 'disco#info'
	# B opened it (Profanity has no hook to take it further), and the next
	# message opens after it
	client_type "$A" "/msg $B@xe2e.test after the iq"
	client_wait "$B" "~ $A@xe2e.test: after the iq"
	client_not_shown "$B" "xe2e: a stanza that did not open"
}

# Starts a session and opens both chat windows.
session_and_windows() {
	session_up
	client_type "$A" "/msg $B@xe2e.test windows open"
	client_wait "$B" "~ $A@xe2e.test: windows open"
}

# Gives the secret as /xe2e secret asks: alone, then on the next line.
secret_typed() {
	client_type "$1" "/xe2e secret"
	client_wait "$1" "xe2e: type the shared secret on the next line in this window"
	client_type "$1" "$2"
}

# Fails unless NAME's chat log (Profanity's message database) holds the
# line CONTROL it sent and not the TEXT; and unless its debug log holds
# TEXT only where Profanity logs each input line (xe2e-profanity(7)).
client_logged_none() {
	local name=$1 text=$2 control=$3 db log
	db=$(client_home "$name")/data/profanity/database
	log=$(client_home "$name")/data/profanity/logs/profanity.log
	grep -rqF -- "$control" "$db" || { echo "no '$control' in $name's chat log" >&2; return 1; }
	! grep -rqF -- "$text" "$db" || { echo "$name's chat log holds '$text'" >&2; return 1; }
	! grep -F -- "$text" "$log" | grep -vqF 'DBG: Input received: ' ||
		{ echo "$name's debug log holds '$text' beyond the input line" >&2; return 1; }
}

@test "profanity plugin: /xe2e secret on both sides with the same secret: verified" {
	session_and_windows
	secret_typed "$A" correct-horse
	client_wait "$B" "xe2e: the peer asks to prove a secret you share"
	secret_typed "$B" correct-horse
	client_wait "$A" "xe2e: verified: the peer's identity is now verified"
	client_wait "$B" "xe2e: verified: the peer's identity is now verified"
	client_wait "$A" "[xe2e verified]"
	# the line holding the secret was taken: never shown in a window, never
	# sent (sealed or not), never in a chat log or the server's files
	client_not_shown "$A" "correct-horse"
	client_not_shown "$B" "correct-horse"
	server_kept_none 'correct-horse'
	# the line after it is a message again
	client_type "$A" "after the secret"
	client_wait "$B" "~ $A@xe2e.test: after the secret"
	client_type "$B" "after the secret too"
	client_wait "$A" "~ $B@xe2e.test: after the secret too"
	client_logged_none "$A" "correct-horse" "after the secret"
	client_logged_none "$B" "correct-horse" "after the secret too"
	run client_sent "$A" "correct-horse"
	assert_output ''
}

@test "profanity plugin: /xe2e secret with different secrets: both sides say they differ" {
	session_and_windows
	secret_typed "$A" correct-horse
	client_wait "$B" "xe2e: the peer asks to prove a secret you share"
	secret_typed "$B" battery-staple
	client_wait "$A" "xe2e: the shared secrets differ"
	client_wait "$B" "xe2e: the shared secrets differ"
	client_not_shown "$A" "[xe2e verified]"
	client_not_shown "$B" "battery-staple"
}

@test "profanity plugin: /xe2e secret with the secret as an argument is refused, and /xe2e end cancels" {
	session_and_windows
	client_type "$A" "/xe2e secret correct-horse"
	client_wait "$A" "xe2e: not used: type /xe2e secret alone"
	client_not_shown "$B" "xe2e: the peer asks"
	# asked for, then cancelled: the next line is a message
	client_type "$A" "/xe2e secret"
	client_type "$A" "/xe2e end"
	client_wait "$A" "xe2e: no secret awaited any more"
	client_type "$A" "a message, not a secret"
	client_wait "$B" "~ $A@xe2e.test: a message, not a secret"
}

# The trust store's entry of NAME's peer PEER, as xe2e-trustdb shows it.
trustdb_show() {
	XE2E_HOME=$(client_home "$1")/xe2e xe2e-trustdb show "$2@xe2e.test"
}

@test "profanity plugin: /xe2e trust shows what xe2e-trustdb shows; revoke stops sealing, and the programs see it" {
	session_and_windows
	fpr=$(fingerprint_of "$B")
	client_type "$A" "/xe2e trust"
	client_wait "$A" "xe2e: identity $fpr (this session's): tofu (believed on first use"
	# the program reads the same entry: fingerprint, level, device
	run trustdb_show "$A" "$B"
	assert_success
	assert_output --partial "identity: $fpr"
	assert_output --partial "level: tofu"
	device=$(trustdb_show "$A" "$B" | sed -n 's/^device: \([0-9a-f]*\) .*/\1/p')
	[ -n "$device" ]
	client_wait "$A" "xe2e:   device $device, created "
	first=$(trustdb_show "$A" "$B" | sed -n 's/^first-seen: //p')
	client_wait "$A" "xe2e:   flags -, first seen $first, last seen "
	# revoked from the chat: the program's store says so, and nothing more
	# leaves for the peer, sealed or not
	client_type "$A" "/xe2e trust revoke"
	client_wait "$A" "xe2e: revoked: 1 identity key of $B@xe2e.test"
	trustdb_lists "$A" "$B" revoked
	client_wait "$A" "[xe2e untrusted]"
	not_sent "after the revocation"
	# a JID the store does not know
	client_type "$A" "/xe2e trust nobody@xe2e.test"
	client_type "$A" "/win 1"
	client_wait "$A" "xe2e: nobody@xe2e.test: no trust entry for nobody@xe2e.test"
}

@test "profanity plugin: after a mismatch, /xe2e trust forget on both sides and a new handshake start over" {
	session_and_windows
	codes_differ
	# the key marked mismatch refuses a new handshake
	client_type "$A" "/xe2e trust"
	client_wait "$A" "(this session's): mismatch (a comparison failed"
	# forgotten on both sides: the programs no longer know the keys
	client_type "$A" "/xe2e trust forget"
	client_type "$B" "/xe2e trust forget"
	client_wait "$A" "xe2e: forgotten: 1 identity key of $B@xe2e.test"
	client_wait "$B" "xe2e: forgotten: 1 identity key of $A@xe2e.test"
	run trustdb_show "$A" "$B"
	assert_failure
	assert_output --partial "no trust entry for $B@xe2e.test"
	# and a new handshake makes a new session, believed on first use
	client_type "$A" "/xe2e start"
	client_wait "$A" "started, trust tofu (not verified yet"
	client_type "$A" "after starting over"
	client_wait "$B" "~ $A@xe2e.test: after starting over"
	run trustdb_show "$A" "$B"
	assert_output --partial "level: tofu"
}
