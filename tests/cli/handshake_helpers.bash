# Helpers of handshake.bats: Alice and Bob in their own XE2E_HOMEs, joined
# by two FIFOs, every process under a timeout so that a hang cannot stall
# the tests.
#
#   hs_setup                  identities for both, FIFOs, variables
#   pair [ALICE ARGS] -- [BOB ARGS]
#                             runs a handshake; afterwards a_status,
#                             b_status, $T/a.err, $T/b.err, $T/a.out and
#                             $T/b.out (the stanzas each side sent)
#   A2B_FILTER=cmd pair ...   pipes Alice's stanzas through cmd on the way
#   GA=DIR GB=DIR pair ...    each side's GnuPG home (GNUPGHOME), when set
#   as_alice CMD..., as_bob CMD...   a command in that side's home

HS_TIMEOUT=20

hs_setup() {
	xe2e_setup
	T=$BATS_TEST_TMPDIR
	A=$T/alice
	B=$T/bob
	XE2E_HOME=$A make_identity alice@capulet.lit
	XE2E_HOME=$B make_identity bob@montague.lit
	mkfifo "$T/a2b" "$T/b2a"
	unset A2B_FILTER
}

as_alice() { XE2E_HOME=$A "$@"; }
as_bob() { XE2E_HOME=$B "$@"; }

# The stanzas of a side's output file that are handshake stanzas.
count_stanzas() {
	grep -c "<handshake xmlns='urn:xe2e:1'" "$1" || true
}

# Runs Bob as responder in the background and Alice as initiator. After its
# handshake each side writes $A_NEXT / $B_NEXT (a stanza for whoever reads
# next), closes its output and keeps what is left of its input in
# $T/a.rest / $T/b.rest: what the handshake did not read.
pair() {
	local aargs=() bargs=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do aargs+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	bargs=("$@")
	rm -f "$T"/[ab].status "$T"/[ab].out "$T"/[ab].rest
	(
		{
			st=0
			[ -z "${GB:-}" ] || export GNUPGHOME=$GB
			XE2E_HOME=$B timeout $HS_TIMEOUT xe2e-handshake --respond --resource garden \
				--timeout 10 "${bargs[@]}" || st=$?
			echo $st >"$T/b.status"
			[ -z "${B_NEXT:-}" ] || printf '%s\n' "$B_NEXT"
			exec >/dev/null
			cat >"$T/b.rest"
		} <"$T/a2b" 2>"$T/b.err" | tee "$T/b.out" >"$T/b2a"
	) &
	local bob=$!
	{
		st=0
		[ -z "${GA:-}" ] || export GNUPGHOME=$GA
		XE2E_HOME=$A timeout $HS_TIMEOUT xe2e-handshake --to bob@montague.lit \
			--resource balcony --timeout 10 "${aargs[@]}" || st=$?
		echo $st >"$T/a.status"
		[ -z "${A_NEXT:-}" ] || printf '%s\n' "$A_NEXT"
		exec >/dev/null
		cat >"$T/a.rest"
	} <"$T/b2a" 2>"$T/a.err" | tee "$T/a.out" | ${A2B_FILTER:-cat} >"$T/a2b"
	wait "$bob" || true
	a_status=$(cat "$T/a.status")
	b_status=$(cat "$T/b.status")
}

# Shows both sides' diagnostics (for failing tests).
show_errs() {
	echo "alice ($a_status):"
	cat "$T/a.err"
	echo "bob ($b_status):"
	cat "$T/b.err"
}
