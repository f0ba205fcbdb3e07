#!/usr/bin/env bats
# The README's walk-through and the man pages' one-terminal examples, typed
# as written into interactive shells at pseudo-terminals: two people, real
# FIFOs, prompts answered on the terminal, every wait bounded.

load helpers
load terminal_helpers

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

setup() {
	xe2e_setup
	require_pty
	T=$BATS_TEST_TMPDIR
	TERM_NAMES=()
	TERM_DIR=$T/terminals
	# the readers' shells: no home of the tests', their own HOME
	unset XE2E_HOME
	export HOME=$T/home
	mkdir -p "$HOME"
}

teardown() {
	term_stop
	xe2e_teardown
}

# The README's walk-through: its code lines ("alice$ ..." and "bob$ ..."),
# one per line as "BLOCK PERSON COMMAND", BLOCK counting the code blocks.
readme_lines() {
	awk '
		/^## A walk-through/ { on = 1; next }
		/^## / { on = 0 }
		!on { next }
		/^    / { if (!code) block++; code = 1 } !/^    / { code = 0 }
		match($0, /^ +(alice|bob)\$ /) {
			who = $0; sub(/^ +/, "", who); sub(/\$ .*/, "", who)
			cmd = substr($0, RLENGTH + 1)
			print block, who, cmd
		}' "$ROOT/README.md"
}

# A command that opens the walk-through's FIFOs waits for the other side:
# it is typed, and the other person types theirs before either is awaited.
meets_other_side() {
	[[ $1 == *[\<\>]to-* ]]
}

@test "walk-through: the README's commands, typed in two terminals, work as written" {
	local block who cmd last_block=1 pending=() p n
	mkdir -p "$T/start"
	term_start alice "$T/start"
	term_start bob "$T/start"
	# Joins the commands that wait for each other: answers each prompt
	# for a comparison with yes, then waits for every one of them.
	join_pending() {
		for p in "${pending[@]}"; do
			set -- $p
			if [[ $3 == verify ]]; then
				term_answer "$1" '[yes/no]' yes || return 1
			fi
		done
		for p in "${pending[@]}"; do
			set -- $p
			term_wait "$1" "$2" || return 1
			[ "$status" = 0 ] || { echo "$1's line $2 failed with $status" >&2; return 1; }
		done
		pending=()
	}
	while read -r block who cmd; do
		if [ "$block" != "$last_block" ]; then
			join_pending
			last_block=$block
		fi
		term_line "$who" "$cmd"
		n=$TERM_LAST
		if meets_other_side "$cmd"; then
			[[ $cmd == *xe2e-verify-sas* ]] && pending+=("$who $n verify") ||
				pending+=("$who $n run")
		else
			term_wait "$who" "$n"
			[ "$status" = 0 ] || {
				echo "$who: '$cmd' failed with $status" >&2
				tr -d '\r' <"$TERM_DIR/$who.out" >&2
				false
			}
		fi
	done < <(readme_lines)
	join_pending
	# the walk-through's lines were all there and ran
	[ "$(readme_lines | wc -l)" -ge 12 ]
	run tr -d '\r' <"$TERM_DIR/bob.out"
	assert_output --partial '<body>Hi</body>'
	assert_output --partial 'Waiting for alice@capulet.lit to answer'
	run tr -d '\r' <"$TERM_DIR/alice.out"
	assert_output --partial '<body>Hello</body>'
	assert_output --partial 'level: verified'
	assert_output --partial 'Waiting for bob@montague.lit to answer'
}

@test "walk-through: the man pages' one-terminal examples, handshake then verify-sas" {
	local line n status_of=()
	XE2E_HOME=$HOME/alice make_identity alice@capulet.lit
	XE2E_HOME=$HOME/bob make_identity bob@montague.lit
	mkdir -p "$T/hs" "$T/sas"
	term_start one "$T/hs"
	while IFS= read -r line; do
		term_line one "$line"
		[[ $line == *'&' ]] && continue # a background job: its marker comes at once
		term_wait one "$TERM_LAST"
		[ "$status" = 0 ] || { tr -d '\r' <"$TERM_DIR/one.out"; false; }
	done < <(man_example xe2e-handshake.1 'Two accounts on one machine')
	term_line one 'wait; cd ../sas'
	term_wait one "$TERM_LAST"
	while IFS= read -r line; do
		term_line one "$line"
		n=$TERM_LAST
		[[ $line == *'&' ]] && continue
		if [[ $line == *xe2e-verify-sas* ]]; then
			term_answer one '[yes/no]' yes
		fi
		term_wait one "$n"
		[ "$status" = 0 ] || { tr -d '\r' <"$TERM_DIR/one.out"; false; }
	done < <(man_example xe2e-verify-sas.1 'one terminal')
	# the background side ended by itself, never stopped for the terminal
	term_line one 'wait $!'
	term_wait one "$TERM_LAST"
	assert_equal "$status" 0
	run tr -d '\r' <"$TERM_DIR/one.out"
	refute_output --partial 'Stopped'
	assert_equal "$(XE2E_HOME=$HOME/alice xe2e-trustdb show bob@montague.lit | sed -n 's/^level: //p')" verified
}
