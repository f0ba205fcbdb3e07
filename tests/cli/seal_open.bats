# xe2e-seal and xe2e-open after a real handshake: every stanza kind both
# ways, exact output, live pipes, loss and reordering, replays, state on
# disk, limits, presence rules, key confirmation, ratchet stanzas.

load helpers
load seal_helpers

setup() {
	seal_setup
}

# Stanzas of every kind from FROM to TO (full JIDs), one per line.
corpus() {
	sed -e "s|@TO@|$(full_of "$2")|g" -e "s|@FROM@|$(full_of "$1")|g" <<'EOF'
<message to='@TO@' from='@FROM@' type='chat' id='c1' xml:lang='en'><body>Art thou not Romeo, and a Montague?</body><thread>act2</thread><active xmlns='http://jabber.org/protocol/chatstates'/></message>
<message to='@TO@' from='@FROM@' type='normal' id='c2'><subject>Tybalt</subject><body>Fish &amp; chips &lt;3 ]]&gt; "quoted" 'single' café 日本語 😀 tab	here&#10;second line&#13;</body></message>
<message xmlns:a='urn:example:a' to='@TO@' from='@FROM@' id='c3' a:note='x&apos;y'><a:x a:attr='1'><a:y xmlns:a='urn:example:b' a:z='2'/></a:x><request xmlns='urn:xmpp:receipts'/><markable xmlns='urn:xmpp:chat-markers:0'/></message>
<message to='@TO@' from='@FROM@' type='chat'/>
<presence to='@TO@' from='@FROM@' id='p1'><show>away</show><status>at the ball</status><priority>5</priority><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='http://example.com/x' ver='QgayPKawpkPSDYmwT/WM94uAlu0='/></presence>
<presence to='@TO@' from='@FROM@' type='unavailable' id='p2'/>
<iq to='@TO@' from='@FROM@' type='get' id='q1'><query xmlns='jabber:iq:version'/></iq>
<iq to='@TO@' from='@FROM@' type='result' id='q1'><query xmlns='jabber:iq:version'><name>xe2e</name><version>0.1.0</version></query></iq>
<iq to='@TO@' from='@FROM@' type='set' id='q2'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='princely_musings'><item id='ae890ac5'><entry xmlns='http://www.w3.org/2005/Atom'><title>Soliloquy</title><summary>To be, or not to be</summary></entry></item></publish></pubsub></iq>
<iq to='@TO@' from='@FROM@' type='error' id='q3'><query xmlns='jabber:iq:roster'/><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='en'>not here</text></error></iq>
<iq to='@TO@' from='@FROM@' type='result' id='q4'/>
EOF
}

@test "seal/open: --help, --version, and usage errors exit 2" {
	local prog args
	for prog in xe2e-seal xe2e-open; do
		run "$prog" --help
		assert_success
		assert_output --partial "usage: $prog"
		run "$prog" --version
		assert_success
		assert_output --regexp "^$prog [0-9]+\.[0-9]+\.[0-9]+$"
		run "$prog" --bogus
		assert_failure 2
		run "$prog" extra
		assert_failure 2
	done
	for args in '--to' '--to a@b --session 00112233445566778899aabbccddeeff' \
		'--session xyz' '--max-stanza 10' '--max-stanza x' '--ratchet-interval -1' \
		'--writers 0' '--quiet --verbose' '--ratchet-idle 0'; do
		run xe2e-seal $args </dev/null
		assert_failure 2
	done
	for args in '--batch 0' '--batch 65' '--batch x' '--quiet --verbose'; do
		run xe2e-open $args </dev/null
		assert_failure 2
	done
}

@test "seal/open: --help shows the man pages' synopses" {
	command -v groff >/dev/null || skip "groff is not installed"
	local prog
	for prog in seal open; do
		run bash -c "groff -mdoc -Tascii -P-cbou '$BATS_TEST_DIRNAME/../../man/xe2e-$prog.1' \
			2>/dev/null | sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' |
			sed -n 's/^ *xe2e-$prog/xe2e-$prog/p'"
		assert_success
		local synopsis=$output
		run bash -c "xe2e-$prog --help | sed -n 's/^usage: //; s/^ *xe2e-$prog/xe2e-$prog/p'"
		assert_equal "$output" "$synopsis"
	done
}

@test "seal/open: messages, presences and iqs both ways come out XML-equivalent" {
	local from to
	for from in alice bob; do
		to=$([ "$from" = alice ] && echo bob || echo alice)
		corpus "$from" "$to" >"$BATS_TEST_TMPDIR/in.xml"
		xseal "$from" <"$BATS_TEST_TMPDIR/in.xml" >"$BATS_TEST_TMPDIR/sealed.xml"
		assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/sealed.xml")" 11
		# Nothing of the content is visible.
		run grep -c -e 'Romeo' -e 'Tybalt' -e 'jabber:iq' -e 'pubsub' -e 'away' \
			"$BATS_TEST_TMPDIR/sealed.xml"
		assert_output 0
		run grep -c "<sealed xmlns='urn:xe2e:1'>" "$BATS_TEST_TMPDIR/sealed.xml"
		assert_output 11
		xopen "$to" <"$BATS_TEST_TMPDIR/sealed.xml" >"$BATS_TEST_TMPDIR/out.xml"
		c14n_lines "$BATS_TEST_TMPDIR/in.xml" >"$BATS_TEST_TMPDIR/in.c14n"
		c14n_lines "$BATS_TEST_TMPDIR/out.xml" >"$BATS_TEST_TMPDIR/out.c14n"
		assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/out.c14n")" 11
		run diff "$BATS_TEST_TMPDIR/in.c14n" "$BATS_TEST_TMPDIR/out.c14n"
		assert_success
	done
}

@test "seal/open: the outer stanza keeps to, from, type and id; messages carry EME" {
	msg alice bob m1 'Hello, Bob!' | xseal alice >"$BATS_TEST_TMPDIR/s.xml"
	run cat "$BATS_TEST_TMPDIR/s.xml"
	assert_output --regexp "^<message to='$BOB_FULL' from='$ALICE_FULL' type='chat' id='m1'><sealed xmlns='urn:xe2e:1'>[A-Za-z0-9+/=]+</sealed><encryption xmlns='urn:xmpp:eme:0' namespace='urn:xe2e:1'/></message>$"
	echo "<iq to='$BOB_FULL' type='get' id='v1'><ping xmlns='urn:xmpp:ping'/></iq>" |
		xseal alice >"$BATS_TEST_TMPDIR/q.xml"
	run cat "$BATS_TEST_TMPDIR/q.xml"
	# No 'from' in: our bare JID; no EME on an iq.
	assert_output --regexp "^<iq to='$BOB_FULL' from='$ALICE_JID' type='get' id='v1'><sealed xmlns='urn:xe2e:1'>[A-Za-z0-9+/=]+</sealed></iq>$"
}

@test "seal/open: a sealed 'Hello, Bob!' costs at most 139 bytes in the steady state" {
	local i plain sealed overhead
	# Both sides step and acknowledge each other's keys.
	for i in 1 2 3; do
		msg alice bob "a$i" 'Hello, Bob!' | xseal alice | xopen bob >/dev/null
		msg bob alice "b$i" 'Hello, Alice!' | xseal bob | xopen alice >/dev/null
	done
	msg alice bob m1 'Hello, Bob!' >"$BATS_TEST_TMPDIR/plain.xml"
	xseal alice <"$BATS_TEST_TMPDIR/plain.xml" >"$BATS_TEST_TMPDIR/sealed.xml"
	plain=$(wc -c <"$BATS_TEST_TMPDIR/plain.xml")
	sealed=$(wc -c <"$BATS_TEST_TMPDIR/sealed.xml")
	overhead=$((sealed - plain))
	echo "# 'Hello, Bob!': $plain bytes plain, $sealed sealed: $overhead bytes more" >&3
	[ "$overhead" -le 139 ]
	# The steady state: no ratchet key in the header; the full 'from' is
	# bound (flag 4) at no cost in bytes.
	run sealed_header <"$BATS_TEST_TMPDIR/sealed.xml"
	assert_output --regexp '^4 '
	xopen bob <"$BATS_TEST_TMPDIR/sealed.xml" >"$BATS_TEST_TMPDIR/out.xml"
	run cmp "$BATS_TEST_TMPDIR/plain.xml" "$BATS_TEST_TMPDIR/out.xml"
	assert_success
}

@test "seal/open: live pipes: one stanza out for each stanza in, at once" {
	local fifo=$BATS_TEST_TMPDIR/in out=$BATS_TEST_TMPDIR/out
	mkfifo "$fifo"
	: >"$out"
	(xseal alice <"$fifo" | xopen bob >"$out") &
	local pid=$!
	exec 4<>"$fifo"
	msg alice bob m1 one >&4
	wait_lines "$out" 1
	msg alice bob m2 two >&4
	wait_lines "$out" 2
	msg alice bob m3 three >&4
	wait_lines "$out" 3
	exec 4>&-
	wait "$pid"
	run cut -d"'" -f8 "$out"
	assert_output "$(printf 'm1\nm2\nm3')"
}

# Group commit (xe2e-open(1)) takes what is waiting, never waits for more:
# a stanza half arrived does not hold back the whole one before it, also
# when more of it is waiting than one read takes.
@test "seal/open: a stanza half arrived does not hold back the one before it" {
	local fifo=$BATS_TEST_TMPDIR/wire out=$BATS_TEST_TMPDIR/out pid args line2 long
	long=$(head -c 20000 /dev/zero | tr '\0' x)
	for args in "" "--batch 64"; do
		msg alice bob "h1$args" one | xseal alice >"$BATS_TEST_TMPDIR/one"
		msg alice bob "h2$args" "$long" | xseal alice >"$BATS_TEST_TMPDIR/two"
		rm -f "$fifo"
		mkfifo "$fifo"
		: >"$out"
		# shellcheck disable=SC2086
		xopen bob $args <"$fifo" >"$out" &
		pid=$!
		exec 4>"$fifo"
		line2=$(cat "$BATS_TEST_TMPDIR/two")
		# The first stanza whole, then most of the second.
		printf '%s\n%s' "$(cat "$BATS_TEST_TMPDIR/one")" "${line2:0:15000}" >&4
		wait_lines "$out" 1
		printf '%s\n' "${line2:15000}" >&4
		exec 4>&-
		wait "$pid"
		run cut -d"'" -f8 "$out"
		assert_output "$(printf 'h1%s\nh2%s' "$args" "$args")"
	done
}

@test "seal/open: lost, reordered and duplicated stanzas, the first of a new chain lost" {
	local s=$BATS_TEST_TMPDIR/s l
	msg alice bob a0 first | xseal alice | xopen bob >/dev/null
	msgs alice bob 6 a | xseal alice >"$s.a"
	# Bob answers from a new key: Alice's next message starts a new chain.
	msg bob alice b1 hi | xseal bob --ratchet-interval 0 | xopen alice >/dev/null
	msgs alice bob 5 n | xseal alice --ratchet-interval 0 >"$s.n"
	run sealed_header < <(sed -n 1p "$s.n")
	assert_output --regexp '^5 2 1 0 '
	# n1, the first of the new chain (the one with the new key), arrives
	# last; n3 twice; the old chain's stanzas around the new ones.
	for l in a5 a1 n3 n2 n3 a2 n5 a3 a4 n4 a6 n1; do
		sed -n "${l:1}p" "$s.${l:0:1}"
	done >"$s.wire"
	xopen bob <"$s.wire" 2>"$s.err" >"$s.out" && status=0 || status=$?
	assert_equal "$status" 4
	run cut -d"'" -f8 "$s.out"
	assert_output "$(printf '%s\n' a5 a1 n3 n2 a2 n5 a3 a4 n4 a6 n1)"
	run cat "$s.err"
	assert_output "xe2e-open: <message id='n3'> from $ALICE_FULL not opened: replay: message 2 of epoch 2: key already used or dropped"
	# Every one of them is spent now.
	xopen bob <"$s.wire" 2>"$s.err" >"$s.out" && status=0 || status=$?
	assert_equal "$status" 4
	[ ! -s "$s.out" ]
	assert_equal "$(grep -c 'not opened: replay' "$s.err")" 12
}

@test "seal/open: a replayed stanza is refused with exit 4, state unchanged" {
	local s=$BATS_TEST_TMPDIR/s
	msgs alice bob 3 | xseal alice >"$s"
	run xopen bob <"$s"
	assert_success
	local before
	before=$(tree_digest "$BATS_TEST_TMPDIR/bob/state")
	run xopen bob <"$s"
	assert_failure 4
	assert_equal "${#lines[@]}" 3
	assert_line --index 0 --partial "<message id='m1'> from $ALICE_FULL not opened: replay"
	assert_equal "$(tree_digest "$BATS_TEST_TMPDIR/bob/state")" "$before"
	# A replay among new stanzas: still 4; with another failure: 1.
	{ sed -n 2p "$s"; msgs alice bob 1 x | xseal alice; } >"$s.mix"
	run xopen bob <"$s.mix"
	assert_failure 4
	{ sed -n 3p "$s"; msg alice bob p1 plain; } >"$s.mix2"
	run xopen bob <"$s.mix2"
	assert_failure 1
}

@test "seal/open: 50 one-stanza seal processes in a row leave no gap" {
	local i l s=$BATS_TEST_TMPDIR/s
	for ((i = 1; i <= 50; i++)); do
		msg alice bob "m$i" "message $i" | xseal alice >>"$s" || return 1
	done
	assert_equal "$(wc -l <"$s")" 50
	run xopen bob --verbose <"$s"
	assert_success
	refute_output --partial 'not received'
	assert_line --partial "(epoch 1, message 49)"
	# Message numbers 0..49, none skipped, none twice.
	while IFS= read -r l; do
		sealed_header <<<"$l"
	done <"$s" | awk '{print $4}' >"$s.n"
	run cat "$s.n"
	assert_output "$(seq 0 49)"
}

@test "seal/open: a session file restored from a copy is refused" {
	local f
	f=$(session_file alice)
	cp -p "$f" "$BATS_TEST_TMPDIR/backup"
	msgs alice bob 2 | xseal alice >"$BATS_TEST_TMPDIR/s"
	cp -p "$BATS_TEST_TMPDIR/backup" "$f"
	run xseal alice < <(msg alice bob m3 again)
	assert_failure 1
	assert_output --partial 'stale session: run a new handshake'
	# The same for open, with the receiver's file.
	f=$(session_file bob)
	cp -p "$f" "$BATS_TEST_TMPDIR/backup.bob"
	rm "$f"
	cp -p "$BATS_TEST_TMPDIR/backup.bob" "$f"
	run xopen bob <"$BATS_TEST_TMPDIR/s"
	assert_failure 1
	assert_equal "$(grep -c 'not opened: stale session' <<<"$output")" 2
}

@test "seal/open: plaintext given to open is refused, never passed on" {
	run xopen bob < <(msg alice bob p1 'not sealed'; echo "<iq to='$BOB_FULL' from='$ALICE_FULL' type='get' id='q'/>")
	assert_failure 1
	assert_output --partial "<message id='p1'> from $ALICE_FULL not opened: not sealed"
	assert_output --partial "<iq id='q'> from $ALICE_FULL not opened: not sealed"
	xopen bob < <(msg alice bob p1 'not sealed') 2>/dev/null >"$BATS_TEST_TMPDIR/out" || true
	[ ! -s "$BATS_TEST_TMPDIR/out" ]
}

@test "seal/open: a stanza too large for the server is refused, naming the limit" {
	local big
	big=$(head -c 300000 /dev/zero | tr '\0' 'x')
	msg alice bob big "$big" >"$BATS_TEST_TMPDIR/big.xml"
	run xseal alice <"$BATS_TEST_TMPDIR/big.xml"
	assert_failure 1
	assert_output --partial '262144 bytes'
	assert_output --partial -- '--max-stanza'
	refute_output --regexp '^<message'
	# The next stanza still goes through.
	{ cat "$BATS_TEST_TMPDIR/big.xml"; msg alice bob m2 small; } | xseal alice \
		2>/dev/null >"$BATS_TEST_TMPDIR/s" || true
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/s")" 1
	xseal alice --max-stanza 1048576 <"$BATS_TEST_TMPDIR/big.xml" >"$BATS_TEST_TMPDIR/s2"
	[ "$(wc -c <"$BATS_TEST_TMPDIR/s2")" -gt 300000 ]
	[ "$(wc -c <"$BATS_TEST_TMPDIR/s2")" -le 1048577 ]
	xopen bob <"$BATS_TEST_TMPDIR/s2" | cmp - "$BATS_TEST_TMPDIR/big.xml"
	# Just below the limit fits: a 190000-byte body.
	msg alice bob fit "$(head -c 190000 /dev/zero | tr '\0' 'y')" | xseal alice >"$BATS_TEST_TMPDIR/s3"
	[ "$(wc -c <"$BATS_TEST_TMPDIR/s3")" -le 262145 ]
}

@test "seal/open: subscription and broadcast presence pass unsealed with a warning" {
	run xseal alice < <(
		echo "<presence to='$BOB_JID' type='subscribe' id='s1'/>"
		echo "<presence><show>chat</show></presence>"
		echo "<presence to='$BOB_FULL' id='d1'><show>dnd</show></presence>")
	assert_success
	assert_line --index 0 "xe2e-seal: presence of type 'subscribe' is for the server: passed on unsealed"
	assert_line --index 1 "<presence to='$BOB_JID' type='subscribe' id='s1'/>"
	assert_line --index 2 "xe2e-seal: presence without 'to' is broadcast by the server: passed on unsealed"
	assert_line --index 3 "<presence><show>chat</show></presence>"
	assert_line --index 4 --regexp "^<presence to='$BOB_FULL' from='$ALICE_JID' id='d1'><sealed "
	run xseal alice --quiet < <(echo "<presence to='$BOB_JID' type='subscribed'/>")
	assert_success
	assert_output "<presence to='$BOB_JID' type='subscribed'/>"
}

@test "seal/open: stanzas are addressed to the session's device" {
	echo "<message to='$BOB_JID' type='chat' id='b1'><body>to the bare JID</body></message>" |
		xseal alice >"$BATS_TEST_TMPDIR/s"
	run cat "$BATS_TEST_TMPDIR/s"
	assert_output --regexp "^<message to='$BOB_FULL' from='$ALICE_JID' "
	run xseal alice < <(echo "<message to='$BOB_JID/phone' id='x'><body>x</body></message>")
	assert_failure 1
	assert_output --partial "belongs to the device $BOB_FULL"
	run xseal alice --to "$BOB_JID" < <(echo "<message id='y'><body>y</body></message>")
	assert_success
	assert_output --regexp "^<message to='$BOB_FULL' from='$ALICE_JID' id='y'>"
	run xseal alice --to "$BOB_JID" < <(echo "<message to='carol@capulet.lit' id='z'/>")
	assert_failure 1
	run xseal alice --session "$(cat "$BATS_TEST_TMPDIR/session.alice.bob")" < <(echo "<iq type='get' id='q'/>")
	assert_success
	assert_output --regexp "^<iq to='$BOB_FULL' from='$ALICE_JID' type='get' id='q'>"
	run xseal alice < <(echo "<message to='$BOB_FULL' from='mallory@evil.lit' id='f'/>")
	assert_failure 1
	assert_output --partial "not this session's own JID"
}

@test "seal/open: no session, no plaintext" {
	run xseal alice < <(echo "<message to='carol@capulet.lit' id='c'><body>secret</body></message>")
	assert_failure 1
	assert_output --partial 'no session with carol@capulet.lit'
	refute_output --partial 'secret'
	run xseal alice < <(echo "<message id='c'><body>secret</body></message>")
	assert_failure 1
	refute_output --partial 'secret'
	run xseal alice < <(echo "<foo xmlns='urn:x'>secret</foo>")
	assert_failure 1
	refute_output --partial 'secret'
}

@test "seal/open: a fallback body and what servers add are dropped by open" {
	msg alice bob m1 'Hello, Bob!' >"$BATS_TEST_TMPDIR/plain.xml"
	xseal alice --fallback-body 'This message is encrypted with xe2e.' \
		<"$BATS_TEST_TMPDIR/plain.xml" >"$BATS_TEST_TMPDIR/s"
	run grep -c '<body>This message is encrypted with xe2e.</body></message>$' "$BATS_TEST_TMPDIR/s"
	assert_output 1
	# A server adds a delay and a stanza id outside the seal.
	sed "s|</message>|<delay xmlns='urn:xmpp:delay' from='capulet.lit' stamp='2002-09-10T23:08:25Z'/><stanza-id xmlns='urn:xmpp:sid:0' id='x1' by='$BOB_JID'/></message>|" \
		"$BATS_TEST_TMPDIR/s" >"$BATS_TEST_TMPDIR/s2"
	run xopen bob --verbose <"$BATS_TEST_TMPDIR/s2"
	assert_success
	assert_line "xe2e-open: dropped 3 element(s) added outside the seal"
	assert_line "$(cat "$BATS_TEST_TMPDIR/plain.xml")"
}

@test "seal/open: processing hints stay visible to the server and sealed" {
	echo "<message to='$BOB_FULL' from='$ALICE_FULL' type='chat' id='h1'><body>x</body><no-store xmlns='urn:xmpp:hints'/><private xmlns='urn:xmpp:carbons:2'/></message>" >"$BATS_TEST_TMPDIR/plain.xml"
	xseal alice <"$BATS_TEST_TMPDIR/plain.xml" >"$BATS_TEST_TMPDIR/s"
	run cat "$BATS_TEST_TMPDIR/s"
	assert_output --regexp "<no-store xmlns='urn:xmpp:hints'/><private xmlns='urn:xmpp:carbons:2'/></message>$"
	refute_output --partial '<body>'
	xopen bob <"$BATS_TEST_TMPDIR/s" | cmp - "$BATS_TEST_TMPDIR/plain.xml"
}

@test "seal/open: an IK session is confirmed by the initiator's first message" {
	# Alice knows Bob now: the second handshake is IK, pending on Bob's side.
	handshake alice bob
	local id
	id=$(cat "$BATS_TEST_TMPDIR/session.alice.bob")
	run grep -h '^state: \|^pattern: ' "$BATS_TEST_TMPDIR/bob/state/sessions/$id.session"
	assert_output "$(printf 'state: pending\npattern: IKpsk1')"
	# Bob cannot send on it yet.
	run xseal bob --session "$id" < <(msg bob alice b0 early)
	assert_failure 1
	assert_output --partial "waits for the initiator's first message"
	msg alice bob m1 confirm | xseal alice >"$BATS_TEST_TMPDIR/s"
	run xopen bob <"$BATS_TEST_TMPDIR/s"
	assert_success
	assert_output --partial 'confirm'
	run grep -h '^state: ' "$BATS_TEST_TMPDIR/bob/state/sessions/$id.session"
	assert_output 'state: active'
	msg bob alice b1 answer | xseal bob | xopen alice >"$BATS_TEST_TMPDIR/out"
	run cat "$BATS_TEST_TMPDIR/out"
	assert_output --partial 'answer'
}

@test "seal/open: stanzas of an older session still open after a new handshake" {
	msgs alice bob 2 old | xseal alice >"$BATS_TEST_TMPDIR/old"
	handshake alice bob
	msgs alice bob 2 new | xseal alice >"$BATS_TEST_TMPDIR/new"
	run xopen bob < <(cat "$BATS_TEST_TMPDIR/new" "$BATS_TEST_TMPDIR/old")
	assert_success
	assert_equal "${#lines[@]}" 4
}

@test "seal/open: a due DH step with nothing to carry it goes in a ratchet stanza" {
	local fifo=$BATS_TEST_TMPDIR/in out=$BATS_TEST_TMPDIR/out
	mkfifo "$fifo"
	: >"$out"
	xseal alice --ratchet-interval 0 --ratchet-idle 1 <"$fifo" >"$out" &
	local pid=$!
	exec 4<>"$fifo"
	msg alice bob m1 first >&4
	wait_lines "$out" 1
	xopen bob <"$out" >/dev/null
	# Bob's answer brings a new ratchet key: Alice's step is now due.
	msg bob alice b1 answer | xseal bob --ratchet-interval 0 | xopen alice >/dev/null
	wait_lines "$out" 2
	exec 4>&-
	wait "$pid"
	run sed -n 2p "$out"
	assert_output --regexp "^<message to='$BOB_FULL' from='$ALICE_JID' type='headline'><sealed xmlns='urn:xe2e:1'>[^<]+</sealed><no-store xmlns='urn:xmpp:hints'/></message>$"
	run sealed_header < <(sed -n 2p "$out")
	assert_output --regexp '^1 2 1 0 '
	run xopen bob --verbose < <(sed -n 2p "$out")
	assert_success
	assert_output "xe2e-open: ratchet stanza from $ALICE_JID"
}

# The epochs in the headers of the sealed stanzas of FILE, in order, as
# "COUNT EPOCH" lines (uniq -c).
epochs_of() {
	local l
	while IFS= read -r l; do
		sealed_header <<<"$l" | cut -d' ' -f2
	done <"$1" | uniq -c | sed 's/^ *//'
}

@test "seal/open: a due DH step is taken by the 101st stanza of one run" {
	local T=$BATS_TEST_TMPDIR
	# Bob learns Alice's epoch 1; his step then waits for 100 sends.
	msg alice bob a1 first | xseal alice | xopen bob >/dev/null
	msgs bob alice 101 b | xseal bob >"$T/b"
	run epochs_of "$T/b"
	assert_output "$(printf "%s\n" "100 0" "1 1")"
	run --separate-stderr xopen alice --verbose <"$T/b"
	assert_success
	assert_equal "${#lines[@]}" 101
	[[ $stderr == *"opened <message> from $BOB_FULL (epoch 1, message 0)"* ]]
	[[ $stderr != *"not received"* ]]
}

@test "seal/open: a running seal steps at the stanza after another process received the peer key" {
	local T=$BATS_TEST_TMPDIR fifo=$BATS_TEST_TMPDIR/in out=$BATS_TEST_TMPDIR/out
	mkfifo "$fifo"
	: >"$out"
	xseal bob <"$fifo" >"$out" &
	local pid=$!
	exec 4<>"$fifo"
	# 110 sends: the count is met, but no new key of Alice's is known yet.
	msgs bob alice 110 b >&4
	wait_lines "$out" 110
	msg alice bob a1 first | xseal alice | xopen bob >/dev/null
	msg bob alice b111 after >&4
	wait_lines "$out" 111
	exec 4>&-
	wait "$pid"
	run epochs_of "$out"
	assert_output "$(printf "%s\n" "110 0" "1 1")"
	run --separate-stderr xopen alice <"$out"
	assert_success
	assert_equal "${#lines[@]}" 111
}

@test "seal/open: a stanza after more than 1000 lost ones is refused as a gap too large" {
	msgs alice bob 1002 >"$BATS_TEST_TMPDIR/plain"
	xseal alice <"$BATS_TEST_TMPDIR/plain" >"$BATS_TEST_TMPDIR/s"
	run --separate-stderr xopen bob < <(tail -1 "$BATS_TEST_TMPDIR/s")
	assert_failure 1
	assert_output ''
	[[ $stderr == *"<message id='m1002'> from $ALICE_FULL not opened: gap too large: 1001 messages skipped, at most 1000" ]]
	# 1000 lost are still bridged.
	run --separate-stderr xopen bob < <(sed -n 1001p "$BATS_TEST_TMPDIR/s")
	assert_success
	assert_output "$(sed -n 1001p "$BATS_TEST_TMPDIR/plain")"
}

@test "seal/open: no session names the home looked in, and notices a home without an identity" {
	run --separate-stderr xseal alice < <(echo "<message to='carol@capulet.lit'><body>x</body></message>")
	assert_failure 1
	[[ $stderr == *"no session with carol@capulet.lit in $BATS_TEST_TMPDIR/alice/state/sessions: run xe2e-handshake first"* ]]
	# a second terminal that forgot its XE2E_HOME: no identity at all
	mkdir -p "$BATS_TEST_TMPDIR/elsewhere"
	run --separate-stderr env -u XE2E_HOME HOME="$BATS_TEST_TMPDIR/elsewhere" xe2e-seal \
		< <(echo "<message to='$BOB_JID'><body>x</body></message>")
	assert_failure 1
	[[ $stderr == *"no identity in $BATS_TEST_TMPDIR/elsewhere/.local/share/xe2e (XE2E_HOME is not set): run xe2e-keygen --jid JID first"* ]]
	refute_output --partial 'x</body>'
	XE2E_HOME=$BATS_TEST_TMPDIR/nobody run --separate-stderr xe2e-verify-sas --peer "$BOB_JID" --print </dev/null
	assert_failure 1
	[[ $stderr == *"no identity in $BATS_TEST_TMPDIR/nobody (from XE2E_HOME)"* ]]
}

@test "seal/open: from a server, presence and the server's stanzas pass over; a plain message from a peer is refused" {
	local stream=$BATS_TEST_TMPDIR/stream.xml
	msg alice bob m1 sealed | xseal alice >"$BATS_TEST_TMPDIR/m1.xml"
	{
		# what a server sends around a session: presence, roster and pings
		echo "<presence from='$ALICE_FULL' to='$BOB_FULL'><show>chat</show></presence>"
		echo "<presence from='$ALICE_JID' to='$BOB_JID' type='subscribe'/>"
		echo "<presence from='$BOB_FULL' to='$BOB_FULL'/>"
		echo "<iq from='montague.lit' to='$BOB_FULL' type='get' id='ping1'><ping xmlns='urn:xmpp:ping'/></iq>"
		echo "<iq to='$BOB_FULL' type='set' id='push1'><query xmlns='jabber:iq:roster'/></iq>"
		echo "<message from='montague.lit' to='$BOB_FULL'><body>server notice</body></message>"
		echo "<message from='$ALICE_JID' to='$BOB_JID' type='headline'><event xmlns='http://jabber.org/protocol/pubsub#event'/></message>"
		cat "$BATS_TEST_TMPDIR/m1.xml"
	} >"$stream"
	run --separate-stderr xopen bob <"$stream"
	assert_success
	assert_output --partial '<body>sealed</body>'
	refute_output --partial 'server notice'
	assert_equal "$stderr" ''
	# with --verbose each is noted as passed over
	run --separate-stderr xopen bob --verbose <"$stream"
	[[ $stderr == *"<presence> from $ALICE_FULL not opened: not sealed: not an xe2e stanza"* ]]
	# a plain chat message from someone without a session: said, not a failure
	run --separate-stderr xopen bob < <(echo "<message from='carol@capulet.lit/nurse' to='$BOB_FULL' id='c1'><body>hi</body></message>")
	assert_success
	assert_equal "$output" ''
	[[ $stderr == *"<message id='c1'> from carol@capulet.lit/nurse not opened: not sealed: no session with the sender"* ]]
	# from a peer with a session, a message or an iq should have been sealed: refused
	run --separate-stderr xopen bob < <(msg alice bob p1 'in clear')
	assert_failure 1
	refute_output --partial 'in clear'
	[[ $stderr == *"<message id='p1'> from $ALICE_FULL not opened: not sealed: plaintext is never passed on"* ]]
	run --separate-stderr xopen bob < <(echo "<iq from='$ALICE_FULL' to='$BOB_FULL' type='get' id='q1'><query xmlns='jabber:iq:version'/></iq>")
	assert_failure 1
}
