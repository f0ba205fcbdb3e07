#!/bin/bash
# The handshake between two processes: stanzas and bytes on the wire for
# each flow, and the wall time of a whole handshake between two
# xe2e-handshake processes joined by FIFOs, next to starting the empty
# program (linked like them) twice the same way.
#
#   bash tests/bench/handshake.sh BUILD_DIR
#
# Needs xe2e-handshake and xe2e-keygen on PATH (make bench puts the
# build's bin first).
set -euo pipefail
build=${1:-build}
empty=$(cd "$build/bench" && pwd)/empty
T=$(mktemp -d /tmp/xe2e-bench-hs.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
export LC_ALL=C
unset XE2E_PASSPHRASE XDG_DATA_HOME XDG_STATE_HOME
RUNS=${XE2E_BENCH_RUNS:-20}
LIMIT=30 # seconds: no run may hang the benchmark

XE2E_HOME=$T/alice0 xe2e-keygen --jid alice@capulet.lit >/dev/null 2>&1
XE2E_HOME=$T/bob0 xe2e-keygen --jid bob@montague.lit >/dev/null 2>&1
mkfifo "$T/a2b" "$T/b2a"

# Homes 2: Alice with a certificate from a CA (root, then intermediate, made
# by openssl), whose root Bob has as anchor; chain_der is the chain's size.
ca_homes() {
	local ext=$T/ext.cnf
	cp -a "$T/alice0" "$T/alice2"
	cp -a "$T/bob0" "$T/bob2"
	for k in root inter; do
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/$k.key"
	done
	printf 'basicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign\n' >"$ext"
	openssl req -x509 -new -key "$T/root.key" -subj '/CN=Bench Root CA' -days 30 \
		-addext 'basicConstraints = critical, CA:TRUE' \
		-addext 'keyUsage = critical, keyCertSign' -out "$T/root.pem" 2>/dev/null
	openssl req -new -key "$T/inter.key" -subj '/CN=Bench Intermediate CA' \
		-out "$T/inter.csr" 2>/dev/null
	openssl x509 -req -in "$T/inter.csr" -CA "$T/root.pem" -CAkey "$T/root.key" \
		-CAcreateserial -days 30 -extfile "$ext" -out "$T/inter.pem" 2>/dev/null
	XE2E_HOME=$T/alice2 xe2e-keygen --csr --output "$T/alice.csr"
	printf '%s\n' 'basicConstraints = critical, CA:FALSE' \
		'keyUsage = critical, digitalSignature' \
		'subjectAltName = otherName:1.3.6.1.5.5.7.8.5;UTF8:alice@capulet.lit' >"$ext"
	openssl x509 -req -in "$T/alice.csr" -CA "$T/inter.pem" -CAkey "$T/inter.key" \
		-CAcreateserial -days 30 -extfile "$ext" -out "$T/alice.pem" 2>/dev/null
	cat "$T/alice.pem" "$T/inter.pem" >"$T/chain.pem"
	XE2E_HOME=$T/alice2 xe2e-keygen --certificate "$T/chain.pem" >/dev/null 2>&1
	XE2E_HOME=$T/bob2 xe2e-trustdb anchor add "$T/root.pem"
	chain_der=$(($(openssl x509 -in "$T/alice.pem" -outform DER | wc -c) +
		$(openssl x509 -in "$T/inter.pem" -outform DER | wc -c)))
}

# Arithmetic on decimals (awk: no bc needed).
calc() {
	awk "BEGIN { printf \"%.9f\", $1 }"
}

# Homes for the next run: copies of the given pair (fresh: the pristine
# ones; known: after one first contact).
homes() {
	rm -rf "$T/alice" "$T/bob"
	cp -a "$T/alice$1" "$T/alice"
	cp -a "$T/bob$1" "$T/bob"
}

# One handshake with each side's stanzas captured on the way (tee), as
# the command tests run it: pair [ALICE ARGS] -- [BOB ARGS].
pair() {
	local aargs=() bargs=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do aargs+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	bargs=("$@")
	(
		XE2E_HOME=$T/bob timeout $LIMIT xe2e-handshake --respond --resource garden \
			--stats "${bargs[@]}" <"$T/a2b" 2>"$T/b.err" | tee "$T/b.out" >"$T/b2a"
	) &
	local bob=$!
	XE2E_HOME=$T/alice timeout $LIMIT xe2e-handshake --to bob@montague.lit \
		--resource balcony --stats "${aargs[@]}" <"$T/b2a" 2>"$T/a.err" |
		tee "$T/a.out" >"$T/a2b"
	wait "$bob"
	if ! grep -q '^xe2e-handshake: session: ' "$T/a.err" ||
		! grep -q '^xe2e-handshake: session: ' "$T/b.err"; then
		echo "handshake bench: a handshake failed:" >&2
		cat "$T/a.err" "$T/b.err" >&2
		exit 1
	fi
}

# "bytes sent N" of a side's --stats line.
stats_bytes() {
	sed -n 's/.*bytes sent \([0-9]*\).*/\1/p' "$T/$1.err"
}

# A flow's figures from the captured stanzas: one table row.
wire_row() {
	local name=$1 pattern=$2 target=$3
	local n bytes sizes
	grep -q "^xe2e-handshake: handshake: $pattern" "$T/a.err" ||
		{ echo "handshake bench: $name did not run $pattern" >&2; exit 1; }
	n=$(cat "$T/a.out" "$T/b.out" | grep -c "<handshake xmlns='urn:xe2e:1'")
	bytes=$(cat "$T/a.out" "$T/b.out" | wc -c)
	if [ "$bytes" != $(($(stats_bytes a) + $(stats_bytes b))) ]; then
		echo "handshake bench: captured bytes differ from --stats" >&2
		exit 1
	fi
	# Sizes in the order sent: every flow alternates, Alice first.
	sizes=$(paste -d '\n' <(awk '{ print length($0) + 1 }' "$T/a.out") \
		<(awk '{ print length($0) + 1 }' "$T/b.out") | grep . | paste -sd '+' | sed 's/+/ + /g')
	printf '| %s | %s | %s | %d | %d | %s | %.2f | %.2f |\n' "$name" "$pattern" "$sizes" \
		"$n" "$bytes" "$target" \
		"$(calc "$n / 5")" "$(calc "$bytes / 2348")"
}

echo "### Handshake on the wire"
echo
echo "Method: two xe2e-handshake processes in their own XE2E_HOMEs (identities made"
echo "by xe2e-keygen) joined by two FIFOs, Alice as alice@capulet.lit/balcony"
echo "starting, Bob as bob@montague.lit/garden answering. The bytes are every"
echo "byte each program wrote to the pipe (whole stanzas with their newline, as"
echo "captured by tee), equal to what --stats reports. libotr's AKE, the"
echo "reference: 5 messages, 2,348 bytes."
echo
echo "| flow | pattern | bytes per stanza | stanzas | bytes | target | stanzas / libotr | bytes / libotr |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
homes 0
pair
wire_row "first contact" XXpsk2 "3 stanzas and the confirmation, at most 1,800 bytes"
cp -a "$T/alice" "$T/alice1"
cp -a "$T/bob" "$T/bob1"
homes 1
pair
wire_row "known peer" IKpsk1 "2 stanzas, at most 900 bytes"
homes 0
pair -- --protect-self
wire_row "first contact, Bob --protect-self" "XXpsk2 25519_ChaChaPoly_SHA256, roles swapped" \
	"4 stanzas and the confirmation"
if command -v openssl >/dev/null; then
	ca_homes
	homes 2
	pair
	grep -q '^xe2e-handshake: trust: anchored' "$T/b.err" ||
		{ echo "handshake bench: Bob did not anchor Alice" >&2; exit 1; }
	wire_row "first contact, Alice with a CA's certificate (credential kind 2)" XXpsk2 \
		"3 stanzas and the confirmation; 1,800 bytes plus her chain, padded"
fi
echo
if command -v openssl >/dev/null; then
	echo "Credential kind 2: Alice's identity key certified by an intermediate CA"
	echo "under a root made by openssl, her chain (her certificate, then the"
	echo "intermediate's: $chain_der bytes of DER) in step 3, padded to 512 bytes;"
	echo "Bob has the root as X.509 anchor and records Alice as anchored."
	echo
fi

# Sets CPU_MS to the milliseconds of CPU (user + system) used so far by
# this shell's finished children; runs no process of its own.
children_cpu() {
	local user sys
	times >"$T/times"
	{ read -r _ && read -r user sys; } <"$T/times"
	CPU_MS=0
	for t in "$user" "$sys"; do
		local min=${t%%m*} sec=${t#*m}
		sec=${sec%s}
		CPU_MS=$((CPU_MS + min * 60000 + 10#${sec/./}))
	done
}

# Mean wall time and mean CPU of the children, in seconds ("WALL CPU"),
# over RUNS runs of a command: bob's process in the background, alice's in
# the foreground, joined by the FIFOs, nothing else in between. The homes
# are restored before each run, outside the measured part.
timed() {
	local kind=$1 wall=0 cpu=0 start end c0
	shift
	for _ in $(seq "$RUNS"); do
		[ "$kind" = none ] || homes "$kind"
		children_cpu
		c0=$CPU_MS
		start=$EPOCHREALTIME
		"$@"
		end=$EPOCHREALTIME
		children_cpu
		cpu=$((cpu + CPU_MS - c0))
		wall=$(calc "$wall + $end - $start")
	done
	echo "$(calc "$wall / $RUNS") $(calc "$cpu / 1000 / $RUNS")"
}

handshake_pair() {
	XE2E_HOME=$T/bob timeout $LIMIT xe2e-handshake --respond --quiet \
		>"$T/b2a" <"$T/a2b" &
	local bob=$!
	XE2E_HOME=$T/alice timeout $LIMIT xe2e-handshake --to bob@montague.lit --quiet \
		<"$T/b2a" >"$T/a2b"
	wait "$bob"
}

empty_pair() {
	timeout $LIMIT "$empty" >"$T/b2a" <"$T/a2b" &
	local bob=$!
	timeout $LIMIT "$empty" <"$T/b2a" >"$T/a2b"
	wait "$bob"
}

read -r t_empty c_empty < <(timed none empty_pair)
read -r t_xx c_xx < <(timed 0 handshake_pair)
read -r t_ik c_ik < <(timed 1 handshake_pair)
# Check that the timed runs did what they claim.
homes 1
handshake_pair
[ "$(find "$T/alice/state/sessions" -name '*.session' | wc -l)" = 2 ] ||
	{ echo "handshake bench: the timed IK run made no session" >&2; exit 1; }

echo "### Handshake between two processes"
echo
echo "Method: wall time of a whole handshake, both processes started over the FIFOs"
echo "(each under timeout(1)) and waited for, mean of $RUNS runs; the homes are"
echo "copied back before each run, outside the timed part. Each process loads its"
echo "identity, runs its side and stores the session, trust store and retained"
echo "secrets, each file written with fsync; the CPU column is the user and system"
echo "time of all the processes of a run (getrusage of the children, timeout(1)"
echo "included: the handshake benchmark above gives each xe2e-handshake process's"
echo "own), and the rest of the wall time is waiting, for the peer and for the"
echo "disk. The limit: the empty program, linked like xe2e-handshake, started twice"
echo "the same way."
echo
echo "| run | wall time | CPU of the processes | empty program twice (wall, CPU) | wall ratio |"
echo "| --- | --- | --- | --- | --- |"
row() {
	printf '| %s | %.1f ms | %.1f ms | %.1f ms, %.1f ms | %.1f |\n' "$1" "$(calc "$2 * 1000")" \
		"$(calc "$3 * 1000")" "$(calc "$t_empty * 1000")" "$(calc "$c_empty * 1000")" \
		"$(calc "$2 / $t_empty")"
}
row "first contact (XXpsk2, fresh homes)" "$t_xx" "$c_xx"
row "known peer (IKpsk1, second contact)" "$t_ik" "$c_ik"
echo
