#!/usr/bin/env bats
# The interactive xe2e-trustdb shell, typed at through a pseudo-terminal
# (script(1)): prompt, output, errors, completion, history, hidden PSKs.

load helpers
load trustdb_helpers

setup() {
	xe2e_setup
	T=$BATS_TEST_TMPDIR
	require_pty
	export INPUTRC=/dev/null TERM=xterm
}

# Types each argument (printf format, so \t and \033 work) into an
# interactive xe2e-trustdb, waiting between them; output in $output (CRs
# removed), exit status in $status.
type_into_shell() {
	run bash -c '
		{ for k in "$@"; do sleep 0.4; printf "$k"; done; sleep 0.6; } |
			timeout 20 script -qec xe2e-trustdb /dev/null
	' typist "$@"
	output=${output//$'\r'/}
}

@test "shell: commands, output and errors at the prompt" {
	xe2e-trustdb pin bob@montague.lit "$FPR_B"
	type_into_shell 'list\n' 'bogus\n' 'show bob@montague.lit\n' 'quit\n'
	assert_success
	assert_output --partial 'xe2e-trustdb> '
	assert_output --partial "bob@montague.lit $FPR_B pinned -"
	assert_output --partial "xe2e-trustdb: unknown command 'bogus' (type 'help' for the commands)"
	refute_output --partial "Try 'xe2e-trustdb --help'"
	# one line of greeting names help and quit
	assert_line --index 0 --partial "type 'help' for the commands, 'quit' or Ctrl-D to leave"
	# the shell went on after the error
	assert_output --partial 'level: pinned'
}

@test "shell: a change made in the shell is stored" {
	type_into_shell "pin alice@capulet.lit $FPR_A\n" 'verify alice@capulet.lit\n' 'quit\n'
	assert_success
	run xe2e-trustdb list
	assert_output "alice@capulet.lit $FPR_A verified -"
}

@test "shell: end of input (Ctrl-D) leaves the shell" {
	type_into_shell 'list\n' '\004'
	assert_success
	run xe2e-trustdb --version
	assert_success
}

@test "shell: tab completes command words, subcommands and JIDs" {
	xe2e-trustdb pin bob@montague.lit "$FPR_B"
	xe2e-trustdb pin carol@example.org "$FPR_C"
	# "sh<TAB>" is show; "b<TAB>" a JID of the store
	type_into_shell 'sh\t' 'b\t\n' 'quit\n'
	assert_success
	assert_output --partial 'xe2e-trustdb> show bob@montague.lit'
	assert_output --partial "identity: $FPR_B_GROUPED"
	# "ps<TAB> c<TAB> c<TAB>": psk clear carol@example.org
	xe2e-trustdb psk set carol@example.org "$(xe2e-keygen --psk)"
	type_into_shell 'ps\t' 'c\t' 'c\t\n' 'quit\n'
	assert_success
	assert_output --partial 'psk clear carol@example.org'
	run grep -c '^psk ' "$XE2E_HOME/psks"
	assert_output 0
}

@test "shell: history recalls commands, never a PSK line" {
	xe2e-trustdb pin bob@montague.lit "$FPR_B"
	local psk
	psk=$(xe2e-keygen --psk)
	# list, then psk set with the PSK on the line, then "up": list again, not psk set
	type_into_shell 'list\n' "psk set bob@montague.lit $psk\n" '\033[A\n' 'quit\n'
	assert_success
	assert_equal "$(grep -c "bob@montague.lit $FPR_B pinned -" <<<"$output")" 2
	assert_file_contains "$XE2E_HOME/psks" "$(psk_hex "$psk")"
}

@test "shell: psk set without a PSK asks for it with echo off" {
	local psk
	psk=$(xe2e-keygen --psk)
	type_into_shell 'psk set bob@montague.lit\n' "$psk\n" 'quit\n'
	assert_success
	assert_output --partial 'PSK for bob@montague.lit: '
	refute_output --partial "$psk"
	assert_file_contains "$XE2E_HOME/psks" "^psk bob@montague.lit $(psk_hex "$psk")$"
}
