#!/bin/bash
# Public-key operations of each real process: xe2e-handshake on both sides
# of XX and IK, the first xe2e-seal and xe2e-open after each, and seal and
# open in the steady state, counted by a preloaded library
# (tests/bench/opcount/opcount.c) and set next to what the protocol needs.
#
#   bash tests/bench/opcount.sh [BUILD_DIR]
#
# Counts in the programs of BUILD_DIR/shared-bin/ (make bench links them
# there from the same objects): the preloaded library stands in for
# mbedTLS's and libsodium's functions only where a program calls them in
# a shared library, and the programs of BUILD_DIR/bin/ have them from the
# static archives (Makefile, STATIC_LIBS). Needs a C compiler for the
# counting library.
set -euo pipefail
build=${1:-build}
if [ ! -x "$build/shared-bin/xe2e-handshake" ]; then
	echo "opcount: no $build/shared-bin/xe2e-handshake (make bench links it)" >&2
	exit 1
fi
PATH=$(cd "$build/shared-bin" && pwd):$PATH
T=$(mktemp -d /tmp/xe2e-bench-opcount.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
export LC_ALL=C
unset XE2E_PASSPHRASE XDG_DATA_HOME XDG_STATE_HOME
LIMIT=30
ALICE=alice@capulet.lit/balcony
BOB=bob@montague.lit/garden

${CC:-cc} -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -shared -fPIC \
	-o "$T/opcount.so" tests/bench/opcount/opcount.c -ldl

# Runs a command as a person with its operations counted into $T/NAME:
# as NAME HOME CMD...
as() {
	local name=$1 home=$2
	shift 2
	rm -f "$T/$name.count"
	XE2E_HOME=$T/$home XE2E_OPCOUNT=$T/$name.count LD_PRELOAD=$T/opcount.so "$@"
}

# A chat message line: msg FROM TO ID
msg() {
	printf "<message to='%s' from='%s' type='chat' id='%s'><body>Hello!</body></message>\n" \
		"$2" "$1" "$3"
}

# A handshake, Alice initiating; counts in $T/hs-a.count and $T/hs-b.count.
handshake() {
	mkfifo "$T/ab" "$T/ba"
	as hs-b bob timeout $LIMIT xe2e-handshake --respond --resource garden --quiet \
		<"$T/ab" >"$T/ba" &
	local bob=$!
	as hs-a alice timeout $LIMIT xe2e-handshake --to $BOB --resource balcony --quiet \
		>"$T/ab" <"$T/ba"
	wait "$bob"
	rm -f "$T/ab" "$T/ba"
}

# One message from Alice to Bob (or back: reverse), sealed and opened by
# one process each; counts in $T/seal.count and $T/open.count.
one() {
	local from=alice to=bob f=$ALICE t=$BOB
	[ "${1:-}" = reverse ] && { from=bob; to=alice; f=$BOB; t=$ALICE; }
	msg "$f" "$t" "m$RANDOM" >"$T/plain"
	as seal "$from" timeout $LIMIT xe2e-seal <"$T/plain" >"$T/sealed"
	as open "$to" timeout $LIMIT xe2e-open <"$T/sealed" >"$T/out"
	cmp -s "$T/plain" "$T/out" || { echo "opcount bench: a message did not open" >&2; exit 1; }
}

# "3 base + 1 DH" / "1 verify" / "0" from a count file: fmt FILE x25519|p256
fmt() {
	awk -v kind="$2" '$1 ~ /^xe2e-/ {
		out = ""
		for (i = 2; i < NF; i += 2) {
			if (index($i, kind "-") != 1 || $(i + 1) == 0)
				continue
			name = substr($i, length(kind) + 2)
			if (name == "dh") name = "DH"
			out = out (out == "" ? "" : " + ") $(i + 1) " " name
		}
		print out == "" ? "0" : out
	}' "$1"
}

row() {
	printf '| %s | %s | %s | %s |\n' "$1" "$(fmt "$T/$2.count" x25519)" \
		"$(fmt "$T/$2.count" p256)" "$3"
}

XE2E_HOME=$T/alice xe2e-keygen --jid alice@capulet.lit >/dev/null 2>&1
XE2E_HOME=$T/bob xe2e-keygen --jid bob@montague.lit >/dev/null 2>&1

echo "### Public-key operations per process"
echo
echo "Method: each xe2e process of a short story (first contact, a first message,"
echo "three messages each way, one more message, 100 in one process each way, a"
echo "second handshake and its first message) runs with a preloaded library that"
echo "counts the calls the crypto wrappers make into libsodium and mbedTLS (X25519 of the base"
echo "point: \"base\", of a peer's point: \"DH\"; ECDSA P-256 sign and verify). The"
echo "protocol's count is by design (xe2e(7)): the handshake's own operations; the"
echo "Noise initiator's first send takes a DH step against r0 (a key pair and a"
echo "DH), the receiver the receiving half (a DH); IK is used only between"
echo "devices that already hold each other's keys, so no credential travels and"
echo "no signature is checked; in the steady state, with no DH step due, a"
echo "stanza needs none. Each process also loads what it needs (an"
echo "identity, a session), which the protocol does not ask for."
echo
echo "| process | X25519 | P-256 | the protocol needs |"
echo "| --- | --- | --- | --- |"
handshake
row "xe2e-handshake, first contact (XXpsk2), initiator" hs-a "1 base + 3 DH; 1 verify"
row "xe2e-handshake, first contact (XXpsk2), responder" hs-b "2 base + 3 DH; 1 verify"
one
row "xe2e-seal, Alice's first message after XX" seal "1 base + 1 DH"
row "xe2e-open, Bob opens it" open "1 DH"
for _ in 1 2 3; do one reverse; one; done
one
row "xe2e-seal, one message in the steady state" seal "0"
row "xe2e-open, one message in the steady state" open "0"
for i in $(seq 100); do msg $ALICE $BOB "s$i"; done >"$T/plain100"
as seal alice timeout $LIMIT xe2e-seal <"$T/plain100" >"$T/sealed100"
as open bob timeout $LIMIT xe2e-open <"$T/sealed100" >"$T/out100"
cmp -s "$T/plain100" "$T/out100" || { echo "opcount bench: the 100 did not open" >&2; exit 1; }
row "xe2e-seal, 100 messages in one process" seal "0"
row "xe2e-open, 100 messages in one process" open "0"
handshake
row "xe2e-handshake, known peer (IKpsk1), initiator" hs-a "1 base + 4 DH"
row "xe2e-handshake, known peer (IKpsk1), responder" hs-b "2 base + 4 DH"
one
row "xe2e-seal, Alice's first message after IK" seal "1 base + 1 DH"
row "xe2e-open, Bob opens it (confirms the IK session)" open "1 DH"
echo
