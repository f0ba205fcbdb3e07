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
# GnuPG homes of the kind 3 runs: their agents go with them.
stop_agents() {
	local h
	for h in "$T"/gpg-*; do
		[ -d "$h" ] && GNUPGHOME=$h timeout 10 gpgconf --kill gpg-agent >/dev/null 2>&1
	done
	return 0
}
trap 'stop_agents; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
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

# Homes N (3: Ed25519, 4: RSA-3072): Alice's identity key certified by her
# OpenPGP key (xe2e-keygen --openpgp), made by gpg in her GnuPG home
# $T/gpg-aN; Bob's, $T/gpg-bN, holds her key certified by his own, so he
# records her as anchored. pgp_len N is her credential's OpenPGP key and
# signature, in bytes.
pgp_homes() {
	local n=$1 algo=$2 ga=$T/gpg-a$1 gb=$T/gpg-b$1 fpr
	mkdir -m 700 "$ga" "$gb"
	cp -a "$T/alice0" "$T/alice$n"
	cp -a "$T/bob0" "$T/bob$n"
	gpg_in() {
		local home=$1
		shift
		GNUPGHOME=$home timeout $LIMIT gpg --batch --no-tty --pinentry-mode loopback \
			--passphrase '' "$@" 2>/dev/null
	}
	gpg_in "$ga" --quick-gen-key 'Alice <xmpp:alice@capulet.lit>' "$algo" default never
	fpr=$(gpg_in "$ga" --with-colons --list-keys | awk -F: '/^fpr/ { print $10; exit }')
	XE2E_HOME=$T/alice$n GNUPGHOME=$ga timeout $LIMIT xe2e-keygen --openpgp "$fpr" \
		>/dev/null 2>&1
	gpg_in "$gb" --quick-gen-key 'Bob <bob@montague.lit>' ed25519 default never
	gpg_in "$ga" --export "$fpr" | gpg_in "$gb" --import
	gpg_in "$gb" --quick-lsign-key "$fpr" >/dev/null
	pgp_len[$n]=$(($(sed -n 's/^key: //p' "$T/alice$n/identity.openpgp" | base64 -d | wc -c) +
		$(sed -n 's/^signature: //p' "$T/alice$n/identity.openpgp" | base64 -d | wc -c)))
}
declare -a pgp_len

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
		XE2E_HOME=$T/bob GNUPGHOME=${GB:-$T/gpg-none} timeout $LIMIT xe2e-handshake \
			--respond --resource garden --stats "${bargs[@]}" <"$T/a2b" 2>"$T/b.err" |
			tee "$T/b.out" >"$T/b2a"
	) &
	local bob=$!
	XE2E_HOME=$T/alice GNUPGHOME=${GA:-$T/gpg-none} timeout $LIMIT xe2e-handshake \
		--to bob@montague.lit --resource balcony --stats "${aargs[@]}" <"$T/b2a" \
		2>"$T/a.err" | tee "$T/a.out" >"$T/a2b"
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
if command -v gpg >/dev/null; then
	for n in 3 4; do
		algo=ed25519 name=Ed25519
		[ "$n" = 4 ] && algo=rsa3072 name=RSA-3072
		pgp_homes "$n" "$algo"
		homes "$n"
		GA=$T/gpg-a$n GB=$T/gpg-b$n pair
		grep -q '^xe2e-handshake: trust: anchored' "$T/b.err" ||
			{ echo "handshake bench: Bob did not anchor Alice ($name)" >&2; exit 1; }
		wire_row "first contact, Alice with an $name OpenPGP key (credential kind 3)" XXpsk2 \
			"3 stanzas and the confirmation; 1,800 bytes plus her key and signature, padded"
	done
fi
echo
if command -v openssl >/dev/null; then
	echo "Credential kind 2: Alice's identity key certified by an intermediate CA"
	echo "under a root made by openssl, her chain (her certificate, then the"
	echo "intermediate's: $chain_der bytes of DER) in step 3, padded to 512 bytes;"
	echo "Bob has the root as X.509 anchor and records Alice as anchored."
	echo
fi
if command -v gpg >/dev/null; then
	echo "Credential kind 3: Alice's identity key certified by her OpenPGP key, made"
	echo "by gpg (an Ed25519 key: ${pgp_len[3]} bytes of key and signature; an RSA-3072"
	echo "key: ${pgp_len[4]} bytes) in step 3, padded to 512 bytes; Bob's GnuPG keyring"
	echo "holds her key certified by his own and he records Alice as anchored."
	echo
fi

# One run, as a child subreaper (prctl PR_SET_CHILD_SUBREAPER): every
# process the run starts ends as its descendant and is reaped by it, gpg's
# too (GPGME starts gpg through a second fork, detached from the program
# that asked). Prints the run's wall time and the CPU (user + system) of
# all its processes, in seconds; fails when the run did or when one of its
# processes outlives it by 10 s (a daemon, such as an agent).
reaper_py='
import ctypes, os, resource, sys, time
if ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) != 0:
    sys.exit("handshake bench: cannot become a child subreaper")
before = resource.getrusage(resource.RUSAGE_CHILDREN)
start = time.monotonic()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[1], sys.argv[1:])
    finally:
        os._exit(127)
_, status = os.waitpid(pid, 0)
wall = time.monotonic() - start
deadline = time.monotonic() + 10
while True:
    try:
        if os.waitpid(-1, os.WNOHANG)[0] == 0:
            if time.monotonic() > deadline:
                sys.exit("handshake bench: a process outlived the run")
            time.sleep(0.01)
    except ChildProcessError:
        break
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = ru.ru_utime + ru.ru_stime - before.ru_utime - before.ru_stime
print("%.9f %.9f" % (wall, cpu))
sys.exit(os.waitstatus_to_exitcode(status) != 0)
'

# Mean wall time and mean CPU of all the processes, in seconds ("WALL
# CPU"), over RUNS runs of a function (exported), written to $T/timed: each
# run a shell under the reaper above, starting bob's process in the
# background and alice's in the foreground, joined by the FIFOs, nothing
# else in between. The homes are restored before each run, outside the
# measured part.
timed() {
	local kind=$1 fn=$2 wall=0 cpu=0 w c
	for _ in $(seq "$RUNS"); do
		[ "$kind" = none ] || homes "$kind"
		read -r w c < <(python3 -c "$reaper_py" bash -c "$fn" ||
			echo "failed")
		[ -n "$c" ] || { echo "handshake bench: a timed run of $fn failed" >&2; exit 1; }
		wall=$(calc "$wall + $w")
		cpu=$(calc "$cpu + $c")
	done
	echo "$(calc "$wall / $RUNS") $(calc "$cpu / $RUNS")" >"$T/timed"
}

handshake_pair() {
	XE2E_HOME=$T/bob GNUPGHOME=${GB:-$T/gpg-none} timeout $LIMIT xe2e-handshake \
		--respond --quiet >"$T/b2a" <"$T/a2b" &
	local bob=$!
	XE2E_HOME=$T/alice GNUPGHOME=${GA:-$T/gpg-none} timeout $LIMIT xe2e-handshake \
		--to bob@montague.lit --quiet <"$T/b2a" >"$T/a2b"
	wait "$bob"
}

empty_pair() {
	timeout $LIMIT "$empty" >"$T/b2a" <"$T/a2b" &
	local bob=$!
	timeout $LIMIT "$empty" <"$T/b2a" >"$T/a2b"
	wait "$bob"
}

export T LIMIT empty GA GB
export -f handshake_pair empty_pair
timed none empty_pair
read -r t_empty c_empty <"$T/timed"
timed 0 handshake_pair
read -r t_xx c_xx <"$T/timed"
timed 1 handshake_pair
read -r t_ik c_ik <"$T/timed"
if command -v gpg >/dev/null; then
	for n in 3 4; do
		GA=$T/gpg-a$n GB=$T/gpg-b$n timed "$n" handshake_pair
		read -r "t_pgp$n" "c_pgp$n" <"$T/timed"
	done
fi
# Check that the timed runs did what they claim.
homes 1
handshake_pair
[ "$(find "$T/alice/state/sessions" -name '*.session' | wc -l)" = 2 ] ||
	{ echo "handshake bench: the timed IK run made no session" >&2; exit 1; }

echo "### Handshake between two processes"
echo
echo "Method: wall time of a whole handshake, both processes started over the FIFOs"
echo "(each under timeout(1)) by a shell and waited for, mean of $RUNS runs; the homes"
echo "are copied back before each run, outside the timed part. Each process loads"
echo "its identity, runs its side and stores the session, trust store and retained"
echo "secrets, each file written with fsync; the CPU column is the user and system"
echo "time of all the processes of a run: the shell, timeout(1), and with an OpenPGP"
echo "key the gpg processes GPGME starts detached (the run's parent is a child"
echo "subreaper and reaps them all; the handshake benchmark above gives each"
echo "xe2e-handshake process's own). The rest of the wall time is waiting, for the"
echo "peer, for gpg and for the disk. The limit: the empty program, linked like"
echo "xe2e-handshake, started twice the same way."
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
if command -v gpg >/dev/null; then
	row "first contact, Alice's Ed25519 OpenPGP key checked by Bob's GnuPG" "$t_pgp3" "$c_pgp3"
	row "first contact, Alice's RSA-3072 OpenPGP key checked by Bob's GnuPG" "$t_pgp4" "$c_pgp4"
fi
echo
