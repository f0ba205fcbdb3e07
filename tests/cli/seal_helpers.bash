# Shared setup of the seal_*.bats files: two people, a real handshake
# between them, and small tools to look at sealed stanzas.
#
#   load helpers
#   load seal_helpers
#
# seal_setup makes ALICE (alice@capulet.lit/balcony) and BOB
# (bob@montague.lit/garden), each with an XE2E_HOME of their own ($A and
# $B, in the test's directory $T), and runs xe2e-handshake between them
# through FIFOs; SESSION is the id of their session.

ALICE_JID=alice@capulet.lit
BOB_JID=bob@montague.lit
ALICE_FULL=$ALICE_JID/balcony
BOB_FULL=$BOB_JID/garden

# Runs a command as Alice or Bob: as alice xe2e-seal ...
as() {
	local who=$1
	shift
	XE2E_HOME="$BATS_TEST_TMPDIR/$who" "$@"
}

# A handshake: initiator (with --to) and responder, through two FIFOs.
# handshake alice bob [extra responder options]
handshake() {
	local a=$1 b=$2 dir
	shift 2
	dir=$(mktemp -d "$BATS_TEST_TMPDIR/hs.XXXXXX")
	mkfifo "$dir/ab" "$dir/ba"
	as "$b" timeout 30 xe2e-handshake --respond --resource "$(resource_of "$b")" "$@" \
		<"$dir/ab" >"$dir/ba" 2>"$dir/$b.err" &
	local pid=$!
	as "$a" timeout 30 xe2e-handshake --to "$(full_of "$b")" --resource "$(resource_of "$a")" \
		>"$dir/ab" <"$dir/ba" 2>"$dir/$a.err"
	local rc=$?
	wait "$pid"
	local rc2=$?
	if [ "$rc" -ne 0 ] || [ "$rc2" -ne 0 ]; then
		cat "$dir/$a.err" "$dir/$b.err" >&2
		return 1
	fi
	sed -n 's/^xe2e-handshake: session: //p' "$dir/$a.err" | tail -1 >"$BATS_TEST_TMPDIR/session.$a.$b"
}

full_of() {
	case $1 in
	alice) echo "$ALICE_FULL" ;;
	bob) echo "$BOB_FULL" ;;
	carol) echo "carol@capulet.lit/nurse" ;;
	esac
}

resource_of() {
	local f
	f=$(full_of "$1")
	echo "${f#*/}"
}

bare_of() {
	local f
	f=$(full_of "$1")
	echo "${f%/*}"
}

# Identities for alice and bob and a session between them.
seal_setup() {
	xe2e_setup
	local fixture=$BATS_FILE_TMPDIR/seal_identities who
	if [ -d "$fixture" ]; then
		cp -a "$fixture/alice" "$fixture/bob" "$BATS_TEST_TMPDIR/"
	else
		for who in alice bob; do
			as "$who" xe2e-keygen --jid "$(bare_of "$who")" >/dev/null 2>&1 || return 1
		done
		# The next tests of the file start from a copy of these two homes:
		# two program starts fewer per test, which add up to minutes in the
		# sanitizer build. Only the identities: a session copied from
		# another test would be refused as restored (xe2e(7) SESSIONS,
		# Restored state), so each test makes its own.
		mkdir "$fixture.new"
		cp -a "$BATS_TEST_TMPDIR/alice" "$BATS_TEST_TMPDIR/bob" "$fixture.new/"
		mv "$fixture.new" "$fixture"
	fi
	handshake alice bob
	A=$T/alice
	B=$T/bob
	SESSION=$(cat "$T/session.alice.bob")
}

# A plain chat message: msg FROM TO ID TEXT
msg() {
	printf "<message to='%s' from='%s' type='chat' id='%s'><body>%s</body></message>\n" \
		"$(full_of "$2")" "$(full_of "$1")" "$3" "$4"
}

# N numbered messages: msgs FROM TO N [PREFIX]
msgs() {
	local from to
	from=$(full_of "$1")
	to=$(full_of "$2")
	awk -v n="$3" -v p="${4:-m}" -v from="$from" -v to="$to" 'BEGIN {
		for (i = 1; i <= n; i++)
			printf "<message to=\x27%s\x27 from=\x27%s\x27 type=\x27chat\x27 id=\x27%s%d\x27><body>message %d</body></message>\n", to, from, p, i, i
	}'
}

# The canonical form of each line of a file, one per line.
c14n_lines() {
	local line
	while IFS= read -r line; do
		printf '%s' "$line" | xmllint --c14n - | tr -d '\n'
		echo
	done <"$1"
}

# The base64 content of a sealed stanza (one line on stdin).
sealed_b64() {
	sed -n "s/.*<sealed xmlns='urn:xe2e:1'>\([^<]*\)<\/sealed>.*/\1/p"
}

# The header fields of a sealed stanza on stdin: "flags epoch ack n pn".
sealed_header() {
	sealed_b64 | base64 -d | od -An -v -tu1 | tr -s ' \n' ' ' | awk '{
		flags = $1; i = 6
		for (f = 0; f < 4; f++) {
			v = 0; s = 1
			do { b = $(i++); v += (b % 128) * s; s *= 128 } while (b >= 128)
			out[f] = v
		}
		print flags, out[0], out[1], out[2], out[3]
	}'
}

# Replaces the base64 content of a sealed stanza with NEW.
sealed_replace() {
	sed "s|<sealed xmlns='urn:xe2e:1'>[^<]*</sealed>|<sealed xmlns='urn:xe2e:1'>$1</sealed>|"
}

# Flips bit 0 of byte OFFSET of the ratchet message of a sealed stanza.
sealed_flip() {
	local line b64 hex
	line=$(cat)
	b64=$(printf '%s' "$line" | sealed_b64)
	hex=$(printf '%s' "$b64" | base64 -d | od -An -v -tx1 | tr -d ' \n')
	local byte=$((16#${hex:$(($1 * 2)):2} ^ 1))
	hex=${hex:0:$(($1 * 2))}$(printf '%02x' "$byte")${hex:$(($1 * 2 + 2))}
	b64=$(printf '%s' "$hex" | xxd -r -p | base64 -w0)
	printf '%s\n' "$line" | sealed_replace "$b64"
}

# Waits until FILE has at least N lines (at most 20 s).
wait_lines() {
	local i
	for ((i = 0; i < 400; i++)); do
		[ "$(wc -l <"$1")" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# The session file of WHO's current session with PEER.
session_file() {
	local id
	id=$(cat "$BATS_TEST_TMPDIR/session.alice.bob")
	echo "$BATS_TEST_TMPDIR/$1/state/sessions/$id.session"
}

# xe2e-seal and xe2e-open as WHO, bounded in time: xseal alice [options]
xseal() {
	local who=$1
	shift
	as "$who" timeout 120 xe2e-seal "$@"
}

xopen() {
	local who=$1
	shift
	as "$who" timeout 120 xe2e-open "$@"
}
