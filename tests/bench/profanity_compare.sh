#!/bin/bash
# xe2e next to Profanity's own OMEMO and OTR, in the same client: two real
# Profanity processes under tmux (tests/cli/profanity_helpers.bash), with
# the xe2e plugin loaded, each with its own account on a private Prosody
# (tests/cli/prosody.bash, with PEP for OMEMO), contacts of each other.
# One run goes through OTR, then OMEMO, then xe2e, each with the same short
# conversation: set up a session, send "Hello, Bob!", verify the peer.
# Every stanza each client sent and received is read back from its debug
# log (profanity -l DEBUG prints each one as libstrophe serialized it);
# profanity_compare.py counts them per step and prints the table.
#
#   bash tests/bench/profanity_compare.sh BUILD_DIR   (relative to the tree)
#
# Needs profanity, tmux and prosody; says so and stops (status 0) without
# them. KEEP=1 keeps the logs and the server's files.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export XE2E_BUILD=$build
[[ $build == /* ]] || build=$root/$build
export PATH=$build/bin:$PATH LC_ALL=C

skipped() {
	echo "profanity_compare: skipped: $*"
	exit 0
}
for p in profanity tmux prosody prosodyctl python3; do
	command -v "$p" >/dev/null || skipped "$p is not installed (as root: scripts/ensure-deps --server)"
done
[ -f "$build/plugin/xe2e.so" ] || skipped "no plugin in $build/plugin (make builds it where profapi.h is)"
[ -x "$build/bin/xe2e-keygen" ] || skipped "no programs in $build/bin (run make)"

T=$(mktemp -d /tmp/xe2e-bench-prof.XXXXXX)
# What profanity_helpers.bash expects of bats: its directories and skip.
BATS_FILE_TMPDIR=$T BATS_TEST_TMPDIR=$T BATS_TEST_DIRNAME=$root/tests/cli
skip() { skipped "$*"; }
# As helpers.bash makes an identity (that file needs bats to load).
make_identity() { xe2e-keygen --jid "$1" "${@:2}" >/dev/null 2>&1; }
. "$root/tests/cli/prosody.bash"
. "$root/tests/cli/profanity_helpers.bash"
export XE2E_KDF_ITERATIONS=1000
profanity_require

cleanup() {
	clients_stop
	prosody_stop
	if [ -n "${KEEP:-}" ]; then
		echo "kept in $T" >&2
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT

A=alice B=bob
PROSODY_MODULES=pep prosody_start "$T/prosody" >/dev/null

# Each account has the other as a contact (subscription both), in
# Prosody's own roster file, as two people who chat would: OMEMO's keys
# are published with PEP's default access model, "presence".
roster_of() {
	local dir=$PROSODY_DATA/${XMPP_DOMAIN//./%2e}/roster
	mkdir -p "$dir"
	printf 'return {\n\t[false] = { ["version"] = 1; ["pending"] = {}; };\n\t["%s"] = { ["groups"] = {}; ["subscription"] = "both"; };\n};\n' \
		"$2@$XMPP_DOMAIN" >"$dir/$1.dat"
}
for n in $A $B; do
	prosody_add_user "$n" "$n-secret"
	_client_files "$n"
done
roster_of $A $B
roster_of $B $A

# The steps, by time: "NAME START" lines, in order; a step ends where the
# next begins. The commands a person typed, by step, in typed.
steps=$T/steps
typed=$T/typed
: >"$typed"
step() {
	current=$1
	echo "$1 $(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)" >>"$steps"
}
# A command a person types (NAME, then the command), counted in the
# current step.
command_by() {
	echo "$current $1 $2" >>"$typed"
	client_type "$1" "$2"
}
# Waits for the stanza traffic of a step to end: a second in which
# neither log grew (30 s at most).
settle() {
	local a b la lb
	la=$(client_home $A)/data/profanity/logs/profanity.log
	lb=$(client_home $B)/data/profanity/logs/profanity.log
	for _ in $(seq 1 30); do
		a=$(wc -c <"$la") b=$(wc -c <"$lb")
		sleep 1
		[ "$a" = "$(wc -c <"$la")" ] && [ "$b" = "$(wc -c <"$lb")" ] && return 0
	done
}
# WHO trusts PEER's OMEMO device: WHO shows PEER's fingerprint in their
# chat, PEER shows their own in the console, and WHO trusts it.
omemo_compare() {
	local who=$1 peer=$2 fp
	command_by "$who" "/omemo fingerprint $peer@$XMPP_DOMAIN"
	client_wait "$who" "$peer@$XMPP_DOMAIN's OMEMO fingerprint: "
	fp=$(client_screen "$who" | sed -n "s/^.*$peer@$XMPP_DOMAIN's OMEMO fingerprint: \([0-9a-f-]*\).*$/\1/p" | tail -n 1)
	client_type "$peer" "/win 1"
	command_by "$peer" "/omemo fingerprint"
	client_wait "$peer" "Your OMEMO fingerprint: $fp"
	client_type "$peer" "/msg $who@$XMPP_DOMAIN"
	command_by "$who" "/omemo trust $peer@$XMPP_DOMAIN $fp"
	settle
}

client_start $A
client_start $B
step idle
settle
# Key generation reports in the console window (/win 1); answers are typed
# in the chat window. Moving between windows is not counted.
console() {
	client_type $A "/win 1"
	client_type $B "/win 1"
}
chat_windows() {
	client_type $A "/msg $B@$XMPP_DOMAIN"
	client_type $B "/msg $A@$XMPP_DOMAIN"
}

# OTR: keys made once on each side; the AKE from /otr start; then the
# Socialist Millionaires' Protocol, asked by each side in turn.
step otr-keys
console
command_by $A "/otr gen"
command_by $B "/otr gen"
client_wait $A "Private key generation complete"
client_wait $B "Private key generation complete"
chat_windows
settle
step otr-setup
command_by $A "/otr start $B@$XMPP_DOMAIN"
client_wait $A "OTR session started"
client_wait $B "OTR session started"
settle
step otr-hello
client_type $A "Hello, Bob!"
client_wait $B "$A@$XMPP_DOMAIN/prof: Hello, Bob!"
settle
step otr-verify
command_by $A "/otr question \"Where did we meet?\" garden"
client_wait $B "/otr answer"
command_by $B "/otr answer garden"
client_wait $A "OTR session trusted"
command_by $B "/otr question \"Whose garden?\" Capulet"
client_wait_count $A "/otr answer" 1
command_by $A "/otr answer Capulet"
client_wait $B "OTR session trusted"
settle
step otr-end
client_type $A "/otr end"
client_wait $B "OTR session ended"
settle

# OMEMO: keys made and published once on each side (/omemo gen); the
# session from /omemo start; each side shows the other's fingerprint and
# its own, compares them, and trusts the other's.
step omemo-lists
# Profanity 0.13.1 publishes its device in a device list it has fetched,
# and fetches none from an account that never had one (Prosody answers
# item-not-found): an empty list is published first for each account, as
# the server would hold after any other OMEMO client, through a second
# login of the account (counted nowhere).
for n in $A $B; do
	printf '%s-secret\n' "$n" >"$T/$n.pw"
	chmod 600 "$T/$n.pw"
	echo "<iq type='set' id='devicelist'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='eu.siacs.conversations.axolotl.devicelist'><item id='current'><list xmlns='eu.siacs.conversations.axolotl'/></item></publish></pubsub></iq>" |
		timeout 30 xe2e-connect --jid "$n@$XMPP_DOMAIN" --password-file "$T/$n.pw" \
			--host "$XMPP_HOST" --port "$XMPP_PORT" --ca "$XMPP_CA" --resource lists \
			--no-presence --wait 1 >/dev/null
done
settle
step omemo-keys
console
command_by $A "/omemo gen"
command_by $B "/omemo gen"
client_wait $A "OMEMO crytographic materials generated"
client_wait $B "OMEMO crytographic materials generated"
chat_windows
settle
step omemo-setup
command_by $A "/omemo start $B@$XMPP_DOMAIN"
client_wait $A "[OMEMO]"
settle
step omemo-verify-a
omemo_compare $A $B
step omemo-hello
client_type $A "Hello, Bob!"
client_wait_count $B "$A@$XMPP_DOMAIN/prof: Hello, Bob!" 2
settle
step omemo-verify-b
omemo_compare $B $A
step omemo-end
client_type $A "/omemo end"
settle

# xe2e: the identities were made with xe2e-keygen, outside the client;
# /xe2e start runs the handshake; /xe2e verify compares a short code.
step xe2e-setup
command_by $A "/xe2e start $B@$XMPP_DOMAIN"
client_wait $A "xe2e: session "
client_wait $B "xe2e: session "
settle
step xe2e-hello
client_type $A "Hello, Bob!"
client_wait $B "~ $A@$XMPP_DOMAIN: Hello, Bob!"
settle
step xe2e-verify
command_by $A "/xe2e verify"
client_wait $A "xe2e: code "
client_wait $B "xe2e: code "
command_by $A "/xe2e verify yes"
command_by $B "/xe2e verify yes $A@$XMPP_DOMAIN"
client_wait $A "[xe2e verified]"
client_wait $B "[xe2e verified]"
settle
step finished

python3 "$root/tests/bench/profanity_compare.py" "$steps" "$typed" \
	"$(client_home $A)/data/profanity/logs/profanity.log" \
	"$(client_home $B)/data/profanity/logs/profanity.log" "$PROSODY_DATA"
