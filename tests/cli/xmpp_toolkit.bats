#!/usr/bin/env bats
# The toolkit through a real server: xe2e-connect on each side, joined by
# FIFOs to xe2e-handshake, through a private Prosody (prosody.bash). The
# server stores what it stores (offline messages, the archive) in files;
# none of them may hold an identity fingerprint or key.

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
	xe2e_setup
	T=$BATS_TEST_TMPDIR
	printf 'alice-secret\n' >"$T/alice.pw"
	printf 'bob-secret\n' >"$T/bob.pw"
	chmod 600 "$T"/*.pw
	XE2E_HOME=$T/alice make_identity alice@xe2e.test
	XE2E_HOME=$T/bob make_identity bob@xe2e.test
	BG_PIDS=()
}

teardown() {
	local pid
	for pid in "${BG_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
}

# Waits up to 30 s for the fixed string in a file.
wait_for() {
	local file=$1 text=$2 i
	for i in $(seq 1 300); do
		grep -qF -- "$text" "$file" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "not in $file within 30 s: $text" >&2
	cat "$file" >&2 2>/dev/null
	return 1
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
	wait_for "$T/bob.seen" "from='bob@xe2e.test/garden'"
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
	# three stanzas went through the server: two to bob, one to alice
	run grep -c "<handshake xmlns='urn:xe2e:1'" "$T/bob.seen"
	assert_output 2
	run grep -c "<handshake xmlns='urn:xe2e:1'" "$T/alice.seen"
	assert_output 1
	server_never_saw_keys_of alice
	server_never_saw_keys_of bob
}

@test "xmpp toolkit: a handshake waits in offline storage until bob connects" {
	through_server alice balcony -- xe2e-handshake --to bob@xe2e.test --timeout 45
	local offline="$PROSODY_DATA/xe2e%2etest/offline/bob.list"
	wait_for "$offline" "urn:xe2e:1"
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
	wait_for "$T/bob.seen" "from='bob@xe2e.test/garden'"
	through_server alice balcony -- xe2e-handshake --to bob@xe2e.test --timeout 30
	finished alice
	finished bob
	through_server bob garden -- xe2e-handshake --respond --timeout 30
	wait_for "$T/bob.seen" "from='bob@xe2e.test/garden'"
	through_server alice balcony -- xe2e-handshake --to bob@xe2e.test --timeout 30
	finished alice
	finished bob
	run cat "$T/alice.err"
	assert_line --partial 'xe2e-handshake: handshake: IKpsk1'
	server_never_saw_keys_of alice
	server_never_saw_keys_of bob
}
