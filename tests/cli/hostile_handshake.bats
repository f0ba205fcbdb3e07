# xe2e-handshake, both roles, given malformed, truncated, flipped, misplaced
# and replayed handshake stanzas and hostile XML: the documented status,
# one diagnostic line, no crash, and nothing stored changes (see
# hostile_helpers.bash).

load helpers
load seal_helpers
load hostile_helpers

setup() {
	xe2e_setup
	T=$BATS_TEST_TMPDIR
	A=$T/alice
	B=$T/bob
	local who
	for who in alice bob; do
		as "$who" xe2e-keygen --jid "$(bare_of "$who")" >/dev/null 2>&1
	done
}

RESPOND=(xe2e-handshake --respond --resource garden --timeout 5)
INITIATE=(xe2e-handshake --to bob@montague.lit/garden --resource balcony --timeout 5)

# Alice's first stanza to Bob, from a run that gets no answer: $S1 and its
# body $B1.
capture_step1() {
	as alice timeout 10 "${INITIATE[@]}" </dev/null >"$T/s1.xml" 2>/dev/null || true
	S1=$(head -n 1 "$T/s1.xml")
	B1=$(printf '%s\n' "$S1" | body_of)
	[ -n "$B1" ]
}

# Bob's answer to $S1 from a throwaway copy of his home: $S2, $B2.
capture_step2() {
	rm -rf "$T/bobcopy"
	cp -a "$B" "$T/bobcopy"
	XE2E_HOME=$T/bobcopy timeout 10 "${RESPOND[@]}" <"$T/s1.xml" >"$T/s2.xml" 2>/dev/null || true
	S2=$(head -n 1 "$T/s2.xml")
	B2=$(printf '%s\n' "$S2" | body_of)
	[ -n "$B2" ]
}

# A responder makes its cookie key the first time it sends a retry. Bob
# gets it now, from a step 1 (body B64) he answers with a retry, so that a
# retry in a row does not count as a change of state: the key is made once
# and kept: prime_cookie_key B64
prime_cookie_key() {
	stanza "$S1" "$1" | as bob timeout 10 "${RESPOND[@]}" >/dev/null 2>&1 || true
	[ -f "$B/state/cookie.key" ]
}

# LINE with the body NEW.
stanza() {
	with_body "$1" "$2"
}

# LINE with the step attribute STEP.
with_step() {
	printf '%s\n' "$1" | sed "s/ step='[^']*'/ step='$2'/"
}

# LINE with the from attribute FROM.
with_from() {
	printf '%s\n' "$1" | sed "s| from='[^']*'| from='${2//&/\\&}'|"
}

# An abort from FROM with REASON (no reason attribute when empty).
abort_from() {
	local reason=
	[ -z "$2" ] || reason=" reason='$2'"
	printf "<message from='%s' type='chat'><handshake xmlns='urn:xe2e:1' step='abort'%s/></message>\n" \
		"$1" "$reason"
}

# A live answer for Alice: HOSTILE_FEED that answers the step 1 she wrote
# with a throwaway copy of Bob and gives her the answer through the
# command EXPR, evaluated with the answer in $L and its body in $LB.
answer() {
	ANSWER_EXPR=$1
	HOSTILE_FEED=feed_answer
}

feed_answer() {
	local L LB
	wait_lines "$HOSTILE_OUT" 1 || return 0
	head -n 1 "$HOSTILE_OUT" >"$T/live.s1"
	rm -rf "$T/feedcopy"
	cp -a "$B" "$T/feedcopy"
	XE2E_HOME=$T/feedcopy timeout 10 "${RESPOND[@]}" <"$T/live.s1" >"$T/live.s2" \
		2>/dev/null || true
	L=$(head -n 1 "$T/live.s2")
	LB=$(printf '%s\n' "$L" | body_of)
	eval "$ANSWER_EXPR"
}

@test "hostile: xe2e-handshake --respond on first contact" {
	capture_step1
	prime_cookie_key "$(set_byte "$B1" 7 02)"
	local n=${#B1} big
	big=$(head -c 8801 /dev/urandom | base64 -w0)
	hostile_begin "$A" "$B"
	export XE2E_HOME=$B
	BASE=$S1 hostile_table "${RESPOND[@]}" < <(hostile_xml_rows 1)
	BASE=$S1 hostile_table "${RESPOND[@]}" <<'EOF'
empty body                        |1| malformed | stanza "$S1" ''
one byte                          |1| malformed | stanza "$S1" "$(cut_bytes "$B1" 1)"
the offer only                    |1| malformed | stanza "$S1" "$(cut_bytes "$B1" 8)"
cut in the ephemeral key          |1| malformed | stanza "$S1" "$(cut_bytes "$B1" 20)"
cut in the payload                |1|           | stanza "$S1" "$(cut_bytes "$B1" 60)"
one byte short                    |1|           | stanza "$S1" "$(cut_bytes "$B1" -1)"
one byte more                     |1|           | stanza "$S1" "$(append_hex "$B1" 00)"
32 bytes more                     |1|           | stanza "$S1" "$(append_hex "$B1" "$(printf '00%.0s' {1..32})")"
over 8800 bytes                   |1| at most 8800 bytes | stanza "$S1" "$big"
not base64                        |1| base64    | stanza "$S1" "!!$B1"
base64 without its padding        |1| base64    | stanza "$S1" "${B1%%=*}"
base64 with white space inside    |1| base64    | stanza "$S1" "${B1:0:8} ${B1:8}"
base64 with padding in the middle |1| base64    | stanza "$S1" "${B1:0:8}=${B1:9}"
base64 with non-zero padding bits |1| base64    | stanza "$S1" "$(b64_dirty "$B1")"
version used flipped              |1|           | stanza "$S1" "$(flip "$B1" 0)"
count of versions zero            |1| malformed | stanza "$S1" "$(set_byte "$B1" 1 00)"
count of versions 17              |1| malformed | stanza "$S1" "$(set_byte "$B1" 1 11)"
version 0 offered                 |1| malformed | stanza "$S1" "$(set_byte "$B1" 2 00)"
versions 2 only                   |1|           | stanza "$S1" "$(set_byte "$(set_byte "$B1" 0 02)" 2 02)"
count of suites zero              |1| malformed | stanza "$S1" "$(set_byte "$B1" 3 00)"
count of suites 255               |1| malformed | stanza "$S1" "$(set_byte "$B1" 3 ff)"
the same suite twice              |1| malformed | stanza "$S1" "$(set_byte "$B1" 5 01)"
suite used not offered            |1| malformed | stanza "$S1" "$(set_byte "$B1" 6 09)"
suite used AESGCM, sealed ChaCha  |1|           | stanza "$S1" "$(set_byte "$B1" 6 02)"
pattern 0                         |1|           | stanza "$S1" "$(set_byte "$B1" 7 00)"
pattern 3                         |1|           | stanza "$S1" "$(set_byte "$B1" 7 03)"
pattern IK on an XX message       |1|           | stanza "$S1" "$(set_byte "$B1" 7 02)"
a cookie without a retry          |1|           | stanza "$S1" "$(set_byte "$B1" 8 10)"
cookie length 255                 |1| malformed | stanza "$S1" "$(set_byte "$B1" 8 ff)"
ephemeral key flipped             |1|           | stanza "$S1" "$(flip "$B1" 9)"
ephemeral key's last byte flipped |1|           | stanza "$S1" "$(flip "$B1" 40 128)"
ephemeral key zero                |1|           | stanza "$S1" "$(printf '%s' "$B1" | b64_hex | sed "s/^\(.\{18\}\).\{64\}/\1$(printf '0%.0s' {1..64})/" | hex_b64)"
payload flipped                   |1|           | stanza "$S1" "$(flip "$B1" 45)"
tag flipped                       |1|           | stanza "$S1" "$(flip "$B1" $(( $(printf '%s' "$B1" | base64 -d | wc -c) - 1 )))"
no step attribute                 |1| step      | printf '%s\n' "$S1" | sed "s/ step='1'//"
step empty                        |1| step      | with_step "$S1" ''
step 0                            |1| step      | with_step "$S1" 0
step 4                            |1| step      | with_step "$S1" 4
step ' 1'                         |1| step      | with_step "$S1" ' 1'
step 2 first                      |1| step      | with_step "$S1" 2
step 3 first                      |1| step      | with_step "$S1" 3
a retry first                     |1|           | with_step "$S1" retry
a swap first                      |1|           | with_step "$S1" swap
an abort, unsupported             |1|           | abort_from alice@capulet.lit/balcony unsupported
an abort, trust                   |3| refused   | abort_from alice@capulet.lit/balcony trust
an abort, refused                 |3| refused   | abort_from alice@capulet.lit/balcony refused
an abort, malformed               |1|           | abort_from alice@capulet.lit/balcony malformed
an abort, replay                  |4| replay    | abort_from alice@capulet.lit/balcony replay
an abort of an unknown reason     |1|           | abort_from alice@capulet.lit/balcony 'bored'
an abort without a reason         |1|           | abort_from alice@capulet.lit/balcony ''
another namespace                 |1| ended     | printf '%s\n' "$S1" | sed "s/urn:xe2e:1/urn:xe2e:2/"
no namespace                      |1| ended     | printf '%s\n' "$S1" | sed "s/ xmlns='urn:xe2e:1'//"
in an iq                          |1| ended     | printf '%s\n' "$S1" | sed 's/^<message /<iq /; s/<\/message>$/<\/iq>/'
in a server-to-server namespace   |1|           | printf '%s\n' "$S1" | sed "s/^<message /<message xmlns='jabber:server' /"
in a component namespace          |1| ended     | printf '%s\n' "$S1" | sed "s/^<message /<message xmlns='jabber:component:accept' /"
no from                           |1x2| nobody  | printf '%s\n' "$S1" | sed "s/ from='[^']*'//"
a from that is no JID             |1x2| skipped | with_from "$S1" '@@'
a from with a resource of 3000    |1x2|           | with_from "$S1" "alice@capulet.lit/$(printf 'r%.0s' {1..3000})"
a from with a line break          |1x2| skipped | with_from "$S1" 'alice@capulet.lit/x&#10;xe2e-handshake: forged'
a from with a terminal escape     |1| invalid character | with_from "$S1" 'alice@capulet.lit/&#27;[2J'
elements instead of text          |1|           | stanza "$S1" '<x/>'
step 1 twice                      |1| step      | repeat 2 "$S1"
step 1 and a step 3 of nothing    |1|           | printf '%s\n' "$S1"; stanza "$(with_step "$S1" 3)" "$(cut_bytes "$B1" -8)"
10000 stanzas that are not handshakes |1| ended | repeat 10000 "<message from='eve@evil.lit' type='chat'><body>hi</body></message>"
EOF
	hostile_end 100
}

# A retry from Bob; its body in hex: kind version suite pattern cookie_len
# and the cookie.
retry_stanza() {
	printf "<message from='%s' type='chat'><handshake xmlns='urn:xe2e:1' step='retry'>%s</handshake></message>\n" \
		"$BOB_FULL" "$(printf '%s' "$1" | hex_b64)"
}

COOKIE=000000006a5d2e10$(printf '11%.0s' {1..16})

@test "hostile: xe2e-handshake --to: what comes back instead of a step 2" {
	capture_step1
	capture_step2
	local eve="<message from='eve@evil.lit/x' type='chat'><handshake xmlns='urn:xe2e:1' step='2'>$B2</handshake></message>"
	hostile_begin "$A" "$B"
	export XE2E_HOME=$A
	BASE=$S2 hostile_table "${INITIATE[@]}" < <(hostile_xml_rows 1)
	BASE=$S2 hostile_table "${INITIATE[@]}" <<EOF
nothing at all                    |1| ended     | true
a step 2 that answers another step 1 |3| does not decrypt | printf '%s\n' "\$S2"
a step 2 cut short                |3| does not decrypt | stanza "\$S2" "\$(cut_bytes "\$B2" -1)"
a step 2 with nothing in it       |1| malformed | stanza "\$S2" ''
a step 2 of 32 bytes              |1| malformed | stanza "\$S2" "\$(cut_bytes "\$B2" 32)"
a step 2 that is not base64       |1| base64    | stanza "\$S2" "*\$B2"
a step 2 with a line break inside |1| base64    | stanza "\$S2" "\${B2:0:40}&#10;\${B2:40}"
own step 1 reflected              |1x2| both sides started | with_from "\$S1" "\$BOB_FULL"
a step 3                          |1| step      | with_step "\$S2" 3
a step 1 in answer                |1x2| both sides started | with_step "\$S2" 1
an unknown step                   |1| step      | with_step "\$S2" 22
an abort, unsupported             |1| unsupported | abort_from "\$BOB_FULL" unsupported
an abort, trust                   |3| refused   | abort_from "\$BOB_FULL" trust
an abort, refused                 |3| refused   | abort_from "\$BOB_FULL" refused
an abort, malformed               |1| malformed | abort_from "\$BOB_FULL" malformed
an abort, replay                  |4| replay    | abort_from "\$BOB_FULL" replay
an abort of an unknown reason     |1|           | abort_from "\$BOB_FULL" 'no'
a retry for AESGCM, then nothing  |1| ended     | retry_stanza 0101020118$COOKIE
a retry naming a suite not offered |1|          | retry_stanza 0101090118$COOKIE
a retry naming the choice used    |1|           | retry_stanza 0101010118$COOKIE
a retry naming version 2          |1|           | retry_stanza 0102010118$COOKIE
a retry naming pattern 9          |1|           | retry_stanza 0101020918$COOKIE
a retry to XX after an XX step 1  |1|           | retry_stanza 0201010118$COOKIE
a retry of kind 3                 |1| malformed | retry_stanza 0301020118$COOKIE
a retry cut short                 |1| malformed | retry_stanza 010102
a retry with a cookie too long    |1| malformed | retry_stanza 01010201ff$COOKIE
a retry with a byte more          |1| malformed | retry_stanza 0101020118${COOKIE}00
a retry without a cookie          |1|           | retry_stanza 0101020100
two retries for AESGCM            |1|           | retry_stanza 0101020118$COOKIE; retry_stanza 0101020118$COOKIE
a swap of nothing                 |1| malformed | with_step "\$S2" swap | sed 's|>[^<]*</handshake>|></handshake>|'
a swap holding a step 2           |1|           | with_step "\$S2" swap
a swap holding her own step 1     |1|           | with_from "\$(with_step "\$S1" swap)" "\$BOB_FULL"
a swap refused with --protect-self |1| protect-self | HOSTILE_ARGS=(--protect-self); with_from "\$(with_step "\$S1" swap)" "\$BOB_FULL"
a step 2 from someone else        |1x2| skipped | printf '%s\n' "\$eve"
1000 step 2s from someone else    |1x1001| skipped | repeat 1000 "\$eve"
10000 stanzas that are not handshakes |1| ended | repeat 10000 "<message from='\$BOB_FULL' type='chat'><body>hi</body></message>"
EOF
	hostile_end 70
}

@test "hostile: xe2e-handshake --to: the live step 2 changed on the way" {
	capture_step1
	capture_step2
	hostile_begin "$A" "$B"
	export XE2E_HOME=$A
	hostile_table "${INITIATE[@]}" <<'EOF'
ephemeral key flipped             |3| does not decrypt | answer 'stanza "$L" "$(flip "$LB" 0)"'
ephemeral key's top bit flipped   |3| does not decrypt | answer 'stanza "$L" "$(flip "$LB" 31 128)"'
static key flipped                |3| does not decrypt | answer 'stanza "$L" "$(flip "$LB" 32)"'
static key's tag flipped          |3| does not decrypt | answer 'stanza "$L" "$(flip "$LB" 79)"'
payload flipped                   |3| does not decrypt | answer 'stanza "$L" "$(flip "$LB" 80)"'
payload's middle flipped          |3| does not decrypt | answer 'stanza "$L" "$(flip "$LB" 150)"'
payload's tag flipped             |3| does not decrypt | answer 'stanza "$L" "$(flip "$LB" 287)"'
one byte short                    |3| does not decrypt | answer 'stanza "$L" "$(cut_bytes "$LB" -1)"'
16 bytes short                    |3| does not decrypt | answer 'stanza "$L" "$(cut_bytes "$LB" -16)"'
one byte more                     |3| does not decrypt | answer 'stanza "$L" "$(append_hex "$LB" 00)"'
32 zero bytes more                |3| does not decrypt | answer 'stanza "$L" "$(append_hex "$LB" "$(printf "00%.0s" {1..32})")"'
the ephemeral key alone           |1| malformed | answer 'stanza "$L" "$(cut_bytes "$LB" 32)"'
an ephemeral key of zeros         |1|           | answer 'stanza "$L" "$(printf "%s" "$LB" | b64_hex | sed "s/^.\{64\}/$(printf "0%.0s" {1..64})/" | hex_b64)"'
the body of another session's step 2 |3| does not decrypt | answer 'stanza "$L" "$B2"'
another session's step 2 first    |3| does not decrypt | answer 'printf "%s\n%s\n" "$S2" "$L"'
labelled step 3                   |1| step      | answer 'with_step "$L" 3'
labelled retry                    |1| malformed | answer 'with_step "$L" retry'
labelled swap                     |1|           | answer 'with_step "$L" swap'
from someone else, then nothing   |1x2| skipped | answer 'with_from "$L" eve@evil.lit/x'
not base64                        |1| base64    | answer 'stanza "$L" "$LB!"'
in another namespace              |1| ended     | answer 'printf "%s\n" "$L" | sed "s/urn:xe2e:1/urn:xe2e:9/"'
EOF
	hostile_end 20
}

@test "hostile: xe2e-handshake between known peers (IK): replays, changed stanzas, silence" {
	handshake alice bob
	# Alice now knows Bob's device key: her step 1 is IK. Bob accepts it
	# once (a pending session), so that giving it again is a replay.
	capture_step1
	as bob timeout 10 "${RESPOND[@]}" <"$T/s1.xml" >"$T/s2.xml" 2>"$T/bob.err"
	grep -q pending "$T/bob.err"
	S2=$(head -n 1 "$T/s2.xml")
	B2=$(printf '%s\n' "$S2" | body_of)
	prime_cookie_key "$(flip "$B1" 9)"
	hostile_begin "$A" "$B"
	export XE2E_HOME=$B
	hostile_table "${RESPOND[@]}" <<'EOF'
the same IK step 1 again          |4| replay    | printf '%s\n' "$S1"
IK step 1 with the ephemeral key flipped |1| ended | stanza "$S1" "$(flip "$B1" 9)"
IK step 1 with the static key flipped |1| ended | stanza "$S1" "$(flip "$B1" 45)"
IK step 1 with the payload flipped |1| ended  | stanza "$S1" "$(flip "$B1" 100)"
IK step 1 with the tag flipped    |1| ended   | stanza "$S1" "$(flip "$B1" $(( $(printf '%s' "$B1" | base64 -d | wc -c) - 1 )))"
IK step 1 cut short               |1| ended   | stanza "$S1" "$(cut_bytes "$B1" -1)"
IK step 1 claiming XX             |1|         | stanza "$S1" "$(set_byte "$B1" 7 01)"
IK step 1 with a cookie           |1| cookie  | stanza "$S1" "$(set_byte "$B1" 8 18)"
IK step 1 from someone else       |3| may not start | HOSTILE_ARGS=(--from alice@capulet.lit); with_from "$S1" eve@evil.lit/x
an abort before anything, from Alice |1| unsupported | abort_from alice@capulet.lit/balcony unsupported
an XX step 1 from an old transcript |1|       | stanza "$S1" "$(set_byte "$(set_byte "$B1" 7 01)" 8 00)"
EOF
	export XE2E_HOME=$A
	hostile_table "${INITIATE[@]}" <<'EOF'
nothing from a known peer         |1| ended     | true
non-handshake stanzas, then nothing |1| ended   | repeat 100 "<message from='$BOB_FULL' type='chat'><body>hi</body></message>"
an abort, unsupported, from Bob   |3| attack    | abort_from "$BOB_FULL" unsupported
the step 2 Bob gave another run   |1| does not authenticate | printf '%s\n' "$S2"
live IK step 2, ephemeral key flipped |1| does not authenticate | answer 'stanza "$L" "$(flip "$LB" 0)"'
live IK step 2, payload flipped   |1| does not authenticate | answer 'stanza "$L" "$(flip "$LB" 40)"'
live IK step 2, tag flipped       |1| does not authenticate | answer 'stanza "$L" "$(flip "$LB" 143)"'
live IK step 2, one byte short    |1| does not authenticate | answer 'stanza "$L" "$(cut_bytes "$LB" -1)"'
live IK step 2, one byte more     |1| does not authenticate | answer 'stanza "$L" "$(append_hex "$LB" 00)"'
live IK step 2, labelled 3        |1| step      | answer 'with_step "$L" 3'
EOF
	hostile_end 20
}

@test "hostile: xe2e-handshake --trace describes hostile stanzas, one line each, changing nothing" {
	capture_step1
	prime_cookie_key "$(set_byte "$B1" 7 02)"
	hostile_begin "$A" "$B"
	export XE2E_HOME=$B
	# Lines: this side, the stanza received, the abort sent (when one is),
	# the error.
	hostile_table "${RESPOND[@]}" --trace <<'EOF'
empty body                        |1x4| malformed | stanza "$S1" ''
one byte                          |1x4| malformed | stanza "$S1" "$(cut_bytes "$B1" 1)"
the offer only                    |1x4| malformed | stanza "$S1" "$(cut_bytes "$B1" 8)"
count of suites 255               |1x4| malformed | stanza "$S1" "$(set_byte "$B1" 3 ff)"
cookie length 255                 |1x4| malformed | stanza "$S1" "$(set_byte "$B1" 8 ff)"
pattern 9, then nothing           |1x4| ended     | stanza "$S1" "$(set_byte "$B1" 7 09)"
payload flipped                   |1x4|           | stanza "$S1" "$(flip "$B1" 45)"
4000 bytes of noise               |1x4|           | stanza "$S1" "$(head -c 4000 /dev/urandom | base64 -w0)"
a step 2 first                    |1x4| step      | stanza "$(with_step "$S1" 2)" "$(head -c 288 /dev/urandom | base64 -w0)"
a step 3 first                    |1x4| step      | stanza "$(with_step "$S1" 3)" "$(head -c 10 /dev/urandom | base64 -w0)"
a retry first                     |1x4| step      | stanza "$(with_step "$S1" retry)" "$(head -c 29 /dev/urandom | base64 -w0)"
a swap of noise first             |1x4| step      | stanza "$(with_step "$S1" swap)" "$(head -c 88 /dev/urandom | base64 -w0)"
an abort with a long reason       |1x3| unknown   | abort_from alice@capulet.lit/balcony "$(printf 'r%.0s' {1..3000})"
EOF
	hostile_end 13
}

@test "hostile: an abort answers the stanza's sender, never an empty address" {
	capture_step1
	local bad
	for bad in "$(with_step "$S1" 2)" "$(stanza "$S1" '')" "$(stanza "$S1" "!!")"; do
		printf '%s\n' "$bad" | as bob timeout 10 "${RESPOND[@]}" >"$T/out.xml" 2>/dev/null || true
		run cat "$T/out.xml"
		assert_output --regexp "^<message to='alice@capulet.lit/balcony' from='bob@montague.lit/garden' type='chat'><handshake xmlns='urn:xe2e:1' step='abort' reason='malformed'/>"
	done
}
