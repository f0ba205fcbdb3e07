# Helpers of handshake.bats: Alice and Bob in their own XE2E_HOMEs, joined
# by two FIFOs, every process under a timeout so that a hang cannot stall
# the tests.
#
#   hs_setup                  identities for both, variables
#   pair [ALICE ARGS] -- [BOB ARGS]
#                             runs a handshake; afterwards a_status,
#                             b_status, $T/a.err, $T/b.err, $T/a.out and
#                             $T/b.out (the stanzas each side sent)
#   A2B_FILTER=cmd pair ...   pipes Alice's stanzas through cmd on the way
#   GA=DIR GB=DIR pair ...    each side's GnuPG home (GNUPGHOME), when set
#   run_pair TAG ...          the same for any two programs (verify_sas.bats)
#   as_alice CMD..., as_bob CMD...   a command in that side's home

HS_TIMEOUT=20

hs_setup() {
	xe2e_setup
	A=$T/alice
	B=$T/bob
	XE2E_HOME=$A make_identity alice@capulet.lit
	XE2E_HOME=$B make_identity bob@montague.lit
	unset A2B_FILTER
}

as_alice() { XE2E_HOME=$A "$@"; }
as_bob() { XE2E_HOME=$B "$@"; }

# The stanzas of a side's output file that are handshake stanzas.
count_stanzas() {
	grep -c "<handshake xmlns='urn:xe2e:1'" "$1" || true
}

# run_pair TAG ALICE_CMD BOB_CMD [ALICE ARGS] -- [BOB ARGS]: runs the
# function BOB_CMD in the background and ALICE_CMD, each with its side's
# arguments, joined by the FIFOs $T/TAGa2b and $T/TAGb2a. Afterwards
# a_status, b_status, $T/TAGa.err, $T/TAGb.err, $T/TAGa.out and
# $T/TAGb.out (the stanzas each side sent). After its run each side writes
# $A_NEXT / $B_NEXT (a stanza for whoever reads next), closes its output
# and keeps what is left of its input in $T/TAGa.rest / $T/TAGb.rest: what
# the run did not read. $A2B_FILTER (a command) may change Alice's stanzas
# on their way.
run_pair() {
	local p=$1 acmd=$2 bcmd=$3 aargs=() bargs=()
	shift 3
	while [ $# -gt 0 ] && [ "$1" != -- ]; do aargs+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	bargs=("$@")
	PAIR_TAG=$p
	rm -f "$T/${p}a2b" "$T/${p}b2a" "$T/$p"[ab].status "$T/$p"[ab].out "$T/$p"[ab].rest
	mkfifo "$T/${p}a2b" "$T/${p}b2a"
	(
		{
			st=0
			"$bcmd" "${bargs[@]}" || st=$?
			echo $st >"$T/${p}b.status"
			[ -z "${B_NEXT:-}" ] || printf '%s\n' "$B_NEXT"
			exec >/dev/null
			cat >"$T/${p}b.rest"
		} <"$T/${p}a2b" 2>"$T/${p}b.err" | tee "$T/${p}b.out" >"$T/${p}b2a"
	) &
	local bob=$!
	{
		st=0
		"$acmd" "${aargs[@]}" || st=$?
		echo $st >"$T/${p}a.status"
		[ -z "${A_NEXT:-}" ] || printf '%s\n' "$A_NEXT"
		exec >/dev/null
		cat >"$T/${p}a.rest"
	} <"$T/${p}b2a" 2>"$T/${p}a.err" | tee "$T/${p}a.out" | ${A2B_FILTER:-cat} >"$T/${p}a2b"
	wait "$bob" || true
	a_status=$(cat "$T/${p}a.status")
	b_status=$(cat "$T/${p}b.status")
}

# Shows both sides' diagnostics of the last run_pair (for failing tests).
show_errs() {
	echo "alice ($a_status):"
	cat "$T/${PAIR_TAG:-}a.err"
	echo "bob ($b_status):"
	cat "$T/${PAIR_TAG:-}b.err"
}

# A handshake run by pair: Bob responds, Alice initiates. Each runs in a
# subshell of the pipeline, so GNUPGHOME stays with its side.
hs_bob() {
	[ -z "${GB:-}" ] || export GNUPGHOME=$GB
	XE2E_HOME=$B timeout $HS_TIMEOUT xe2e-handshake --respond --resource garden \
		--timeout 10 "$@"
}

hs_alice() {
	[ -z "${GA:-}" ] || export GNUPGHOME=$GA
	XE2E_HOME=$A timeout $HS_TIMEOUT xe2e-handshake --to bob@montague.lit \
		--resource balcony --timeout 10 "$@"
}

# pair [ALICE ARGS] -- [BOB ARGS]: a handshake; see run_pair, with no TAG.
pair() {
	run_pair '' hs_alice hs_bob "$@"
}
