#!/usr/bin/env bats
# xe2e-connect through a private Prosody (tests/cli/prosody.bash): TLS
# verified against the test certificate, SCRAM and PLAIN logins, live and
# offline delivery, pings, wrong passwords and certificates, bad input.
# Every xe2e-connect runs under `timeout`.

load helpers
load prosody

TO=30 # seconds any one xe2e-connect may take
WAIT_FOR=20 # seconds prosody_wait_for waits for a line

setup_file() {
	prosody_require
	prosody_start "$BATS_FILE_TMPDIR/prosody"
	prosody_add_user alice alice-secret
	prosody_add_user bob 'bob secret, with spaces'
	prosody_add_user carol carol-secret "$XMPP_SHA1_DOMAIN"
	prosody_add_user dave dave-secret "$XMPP_OTHER_DOMAIN"
}

teardown_file() {
	prosody_stop
}

setup() {
	prosody_test_setup alice alice-secret carol carol-secret dave dave-secret
	unset XE2E_PASSWORD
	# Bob's file ends its line with CR LF, as a file from another system may.
	printf 'bob secret, with spaces\r\n' >"$T/bob.pw"
	chmod 600 "$T/bob.pw"
}

teardown() {
	prosody_test_teardown
}

# connect USER [DOMAIN] -- [ARGS...]: xe2e-connect as USER@DOMAIN.
connect() {
	local user=$1 domain=$XMPP_DOMAIN
	shift
	if [ $# -gt 0 ] && [ "$1" != -- ]; then
		domain=$1
		shift
	fi
	[ "${1:-}" = -- ] && shift
	timeout $TO xe2e-connect --jid "$user@$domain" --password-file "$T/$user.pw" \
		--host "$XMPP_HOST" --port "$XMPP_PORT" --ca "$XMPP_CA" "$@"
}

# Fails unless stderr of the last `run --separate-stderr` holds the text.
stderr_has() {
	[[ $stderr == *"$1"* ]] || fail "stderr lacks: $1
stderr: $stderr"
}

# The stanza lines of $output that hold every one of the given texts
# (Prosody writes attributes in no fixed order).
has_line_with() {
	local line text ok
	while IFS= read -r line; do
		ok=1
		for text in "$@"; do
			[[ $line == *"$text"* ]] || ok=0
		done
		[ $ok = 1 ] && return 0
	done <<<"$output"
	fail "no line of the output holds all of: $*
output: $output"
}

# online USER RESOURCE: USER@xe2e.test online in the background, input from
# the FIFO $T/USER.in (held open by fd 8 of the test: bats owns fd 3),
# output in $T/USER.out, diagnostics in $T/USER.err; returns once the
# server has echoed the user's presence.
online() {
	local user=$1 resource=$2
	mkfifo "$T/$user.in"
	exec 8<>"$T/$user.in"
	connect "$user" -- --resource "$resource" --verbose <"$T/$user.in" \
		>"$T/$user.out" 2>"$T/$user.err" 8>&- &
	BG_PIDS+=($!)
	eval "${user}_pid=$!"
	prosody_wait_for "$T/$user.out" "from='$user@$XMPP_DOMAIN/$resource'"
}

# offline USER: ends USER's input and waits for xe2e-connect to finish;
# its status is in $status.
offline() {
	local pid
	eval "pid=\$${1}_pid"
	exec 8>&-
	status=0
	wait "$pid" || status=$?
}

@test "connect: --help and --version" {
	run --separate-stderr xe2e-connect --help
	assert_success
	assert_line --index 0 --partial 'usage: xe2e-connect --jid JID'
	assert_output --partial '--insecure'
	assert_equal "$stderr" ''
	run xe2e-connect --version
	assert_success
	assert_output --regexp '^xe2e-connect [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "connect: --help shows the man page's synopsis" {
	command -v groff >/dev/null || skip "groff is not installed"
	local page="$BATS_TEST_DIRNAME/../../man/xe2e-connect.1"
	run bash -c "groff -mdoc -Tascii -P-cbou '$page' 2>/dev/null |
		sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed -n 's/^ *xe2e-connect/xe2e-connect/p'"
	assert_success
	local synopsis=$output
	run bash -c "xe2e-connect --help | sed -n 's/^usage: //; s/^ *xe2e-connect/xe2e-connect/p'"
	assert_equal "$output" "$synopsis"
}

@test "connect: usage errors exit 2, and a password never goes on the command line" {
	local args
	export XE2E_PASSWORD=x
	for args in '' '--bogus' '--jid' '--jid a@b.c --port 0' '--jid a@b.c --port 70000' \
		'--jid a@b.c --wait -1' '--jid a@b.c --timeout 0' '--jid a@b.c --ca f --insecure' \
		'--jid a@b.c --mechanism DIGEST-MD5' '--jid a@b.c --resource ""' \
		'--jid a@b.c --insecure --mechanism PLAIN' \
		'--jid a@b.c secret'; do
		eval "run --separate-stderr timeout $TO xe2e-connect $args"
		assert_equal "$status" 2
		assert_equal "$output" ''
		[[ $stderr == *"xe2e-connect: "*"Try 'xe2e-connect --help'"* ]] ||
			fail "no usage message for '$args': $stderr"
	done
	run --separate-stderr timeout $TO xe2e-connect --jid a@b.c secret
	stderr_has 'passwords never go on the command line'
	unset XE2E_PASSWORD
	run --separate-stderr timeout $TO xe2e-connect --jid a@b.c
	assert_equal "$status" 2
	stderr_has 'no password: give --password-file FILE or set XE2E_PASSWORD'
}

@test "connect: alice's message reaches bob live, certificates verified on both sides" {
	online bob garden
	run --separate-stderr connect alice -- --resource balcony --verbose <<EOF
<message to='bob@xe2e.test/garden' type='chat' id='m1'><body>live &amp; well, $BATS_TEST_NUMBER</body></message>
EOF
	assert_success
	has_line_with "<presence " "from='alice@xe2e.test/balcony'"
	assert_equal "${#lines[@]}" 1
	stderr_has 'TLS: TLSv1.2 TLS-ECDHE-ECDSA'
	stderr_has 'logged in with SCRAM-SHA-256'
	stderr_has 'bound as alice@xe2e.test/balcony'
	stderr_has 'stanzas sent 1, received 1'
	prosody_wait_for "$T/bob.out" "live &amp; well, $BATS_TEST_NUMBER"
	offline bob
	assert_equal "$status" 0
	run grep -c "<body>live" "$T/bob.out"
	assert_output 1
	run cat "$T/bob.out"
	has_line_with "<message " "type='chat'" "id='m1'" "to='bob@xe2e.test/garden'" \
		"from='alice@xe2e.test/balcony'"
	run cat "$T/bob.err"
	assert_output --partial 'TLS: TLSv1.2'
	refute_output --partial 'WARNING'
}

@test "connect: a message to offline bob comes from offline storage when he connects" {
	local body="kept for later $RANDOM$RANDOM"
	run --separate-stderr connect alice <<<"<message to='bob@xe2e.test' type='chat'><body>$body</body></message>"
	assert_success
	# stored on the server while bob is away
	run grep -rlF "$body" "$PROSODY_DATA/xe2e%2etest/offline"
	assert_success
	run --separate-stderr connect bob -- --wait 2 </dev/null
	assert_success
	assert_output --partial "<body>$body</body>"
	has_line_with "<body>$body</body>" "<delay xmlns='urn:xmpp:delay'" "from='xe2e.test'"
	# delivered once, then gone from offline storage
	run grep -rlF "$body" "$PROSODY_DATA/xe2e%2etest/offline"
	assert_failure
	run --separate-stderr connect bob -- --wait 1 </dev/null
	assert_success
	refute_output --partial "$body"
}

@test "connect: a wrong password is a clear error with status 1" {
	printf 'not-the-password\n' >"$T/alice.pw"
	run --separate-stderr connect alice </dev/null
	assert_equal "$status" 1
	assert_output ''
	stderr_has "xe2e-connect: cannot log in to 127.0.0.1 port $XMPP_PORT as alice@xe2e.test: the server refused the login: not-authorized"
	run --separate-stderr connect alice -- --mechanism PLAIN </dev/null
	assert_equal "$status" 1
	stderr_has 'not-authorized'
}

@test "connect: the password from XE2E_PASSWORD; a password file others can read is refused" {
	XE2E_PASSWORD=alice-secret run --separate-stderr timeout $TO xe2e-connect \
		--jid alice@xe2e.test --host "$XMPP_HOST" --port "$XMPP_PORT" --ca "$XMPP_CA" </dev/null
	assert_success
	has_line_with "<presence " "from='alice@xe2e.test/"
	chmod 644 "$T/alice.pw"
	run --separate-stderr connect alice </dev/null
	assert_equal "$status" 1
	stderr_has "chmod 600 $T/alice.pw"
	printf '\nalice-secret\n' >"$T/empty.pw"
	chmod 600 "$T/empty.pw"
	run --separate-stderr timeout $TO xe2e-connect --jid alice@xe2e.test --password-file \
		"$T/empty.pw" --host "$XMPP_HOST" --port "$XMPP_PORT" --ca "$XMPP_CA" </dev/null
	assert_equal "$status" 1
	stderr_has 'the first line is empty'
}

@test "connect: without --ca the certificate does not verify (status 3); --insecure warns loudly" {
	run --separate-stderr timeout $TO xe2e-connect --jid alice@xe2e.test \
		--password-file "$T/alice.pw" --host "$XMPP_HOST" --port "$XMPP_PORT" </dev/null
	assert_equal "$status" 3
	assert_output ''
	stderr_has "the server's certificate does not verify: The certificate is not correctly signed by the trusted CA"
	run --separate-stderr timeout $TO xe2e-connect --jid alice@xe2e.test \
		--password-file "$T/alice.pw" --host "$XMPP_HOST" --port "$XMPP_PORT" \
		--insecure </dev/null
	assert_success
	has_line_with "<presence " "from='alice@xe2e.test/"
	stderr_has 'WARNING: --insecure'
	stderr_has "WARNING: the server's certificate does not verify"
}

# mitm_server MECH...: a hostile server (tests/cli/fake_xmpp_server.py) with
# the test certificate, offering MECH...; sets MITM_PORT, and MITM_LOG gets
# what the client sent it inside TLS.
mitm_server() {
	MITM_LOG=$T/mitm.log
	timeout $TO python3 "$BATS_TEST_DIRNAME/fake_xmpp_server.py" "$T/mitm.port" \
		"$PROSODY_DIR/certs/server.crt" "$PROSODY_DIR/certs/server.key" "$MITM_LOG" "$@" \
		2>"$T/mitm.err" &
	BG_PIDS+=($!)
	MITM_PID=$!
	local i
	for i in $(seq 1 200); do
		[ -s "$T/mitm.port" ] && break
		sleep 0.1
	done
	MITM_PORT=$(cat "$T/mitm.port") || fail "the hostile server did not start"
}

@test "connect: --insecure never sends the password with PLAIN to a server that offers only PLAIN" {
	mitm_server PLAIN
	run --separate-stderr timeout $TO xe2e-connect --jid alice@xe2e.test \
		--password-file "$T/alice.pw" --host 127.0.0.1 --port "$MITM_PORT" --insecure </dev/null
	local st=$status err=$stderr
	wait "$MITM_PID" || true
	# The man in the middle got no <auth/>, and not the password in any form.
	assert_file_exists "$MITM_LOG"
	run grep -c '<auth' "$MITM_LOG"
	assert_output 0
	run grep -c "$(printf '\0alice\0alice-secret' | base64)" "$MITM_LOG"
	assert_output 0
	run grep -c 'alice-secret' "$MITM_LOG"
	assert_output 0
	assert_equal "$st" 1
	stderr=$err
	stderr_has 'the server offers no SCRAM mechanism, only PLAIN, which sends the password itself: PLAIN is never used when the server'"'"'s certificate is not verified'
	# Asking for PLAIN with --insecure is a usage error; the real server with
	# --insecure still logs in, with SCRAM.
	run --separate-stderr timeout $TO xe2e-connect --jid alice@xe2e.test \
		--password-file "$T/alice.pw" --host "$XMPP_HOST" --port "$XMPP_PORT" --insecure \
		--mechanism PLAIN </dev/null
	assert_equal "$status" 2
	stderr_has '--insecure refuses PLAIN'
	run --separate-stderr timeout $TO xe2e-connect --jid alice@xe2e.test \
		--password-file "$T/alice.pw" --host "$XMPP_HOST" --port "$XMPP_PORT" --insecure \
		--verbose </dev/null
	assert_success
	stderr_has 'logged in with SCRAM-SHA-256'
	stderr_has 'SCRAM only: PLAIN is refused'
}

@test "connect: a certificate for another name is refused with status 3" {
	run --separate-stderr connect dave "$XMPP_OTHER_DOMAIN" </dev/null
	assert_equal "$status" 3
	stderr_has 'Common Name (CN) does not match'
	run --separate-stderr connect dave "$XMPP_OTHER_DOMAIN" -- --ca /nonexistent </dev/null
	assert_equal "$status" 1
	stderr_has 'cannot read the CA file /nonexistent'
}

@test "connect: SCRAM-SHA-1 and PLAIN when asked or when the server offers no better" {
	run --separate-stderr connect carol "$XMPP_SHA1_DOMAIN" -- --verbose </dev/null
	assert_success
	stderr_has 'logged in with SCRAM-SHA-1'
	run --separate-stderr connect alice -- --verbose --mechanism PLAIN </dev/null
	assert_success
	stderr_has 'logged in with PLAIN'
	run --separate-stderr connect alice -- --mechanism SCRAM-SHA-1 </dev/null
	assert_equal "$status" 1
	stderr_has 'no SASL mechanism in common with the server'
}

@test "connect: a ping is answered by xe2e-connect itself and not passed on" {
	online alice balcony
	run --separate-stderr connect bob -- --wait 2 <<EOF
<iq type='get' id='ping-$BATS_TEST_NUMBER' to='alice@xe2e.test/balcony'><ping xmlns='urn:xmpp:ping'/></iq>
EOF
	assert_success
	has_line_with "<iq " "type='result'" "from='alice@xe2e.test/balcony'" \
		"to='bob@xe2e.test/" "id='ping-$BATS_TEST_NUMBER'"
	offline alice
	assert_equal "$status" 0
	run grep -c ping "$T/alice.out"
	assert_output 0
	run cat "$T/alice.err"
	assert_output --partial 'pings answered 1'
}

@test "connect: --wait keeps receiving after the end of input" {
	local body="while waiting $RANDOM"
	connect bob -- --resource garden --wait 5 </dev/null >"$T/bob.out" 2>"$T/bob.err" &
	BG_PIDS+=($!)
	local bob=$!
	prosody_wait_for "$T/bob.out" "from='bob@xe2e.test/garden'"
	run --separate-stderr connect alice <<<"<message to='bob@xe2e.test/garden'><body>$body</body></message>"
	assert_success
	wait "$bob"
	run cat "$T/bob.out"
	assert_output --partial "<body>$body</body>"
	# without --wait the end of input ends the run at once
	SECONDS=0
	run --separate-stderr connect bob </dev/null
	assert_success
	[ "$SECONDS" -lt 5 ] || fail "took $SECONDS s"
}

@test "connect: input wrapped in <stream:stream> is accepted" {
	online bob garden
	run --separate-stderr connect alice <<EOF
<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>
<message to='bob@xe2e.test/garden'><body>wrapped</body></message>
</stream:stream>
EOF
	assert_success
	prosody_wait_for "$T/bob.out" '<body>wrapped</body>'
	offline bob
}

@test "connect: input that is not stanzas ends the run with status 1" {
	run --separate-stderr connect alice <<<"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
	assert_equal "$status" 1
	stderr_has 'xe2e-connect: connection of alice@xe2e.test/'
	run --separate-stderr connect alice <<<"<message><body>cut"
	assert_equal "$status" 1
	stderr_has 'unexpected end of input'
	run --separate-stderr connect alice <<<"<message/><!-- no -->"
	assert_equal "$status" 1
	stderr_has 'XML not allowed in XMPP'
}

@test "connect: the server ending the stream is an error with status 1" {
	online alice balcony
	# the same resource again: Prosody replaces the older session
	run --separate-stderr connect alice -- --resource balcony --wait 1 </dev/null
	assert_success
	offline alice
	assert_equal "$status" 1
	run cat "$T/alice.err"
	assert_output --partial 'stream error from the server: conflict'
}
