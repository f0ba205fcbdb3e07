#!/usr/bin/env bats
# The passphrase of protected keys, the same way in every program that
# loads one (xe2e-keygen, -handshake, -seal, -open): --passphrase asks on
# the terminal, --passphrase-file reads a file, XE2E_PASSPHRASE otherwise;
# standard input, which carries stanzas, is never read for it. And long
# options that are never abbreviated, so none swallows the next one.

load helpers

PROGRAMS=(keygen handshake seal open)

# A run of each program that loads the device key or reaches the point
# where it would: ARGS for xe2e-PROG.
args_of() {
	case $1 in
	keygen) echo --rotate-device ;;
	handshake) echo --to bob@montague.lit --timeout 1 ;;
	seal) echo --to bob@montague.lit ;;
	open) echo ;;
	esac
}

@test "passphrase: every program that loads a protected key takes both options and says where it comes from" {
	local p
	for p in "${PROGRAMS[@]}"; do
		run xe2e-$p --help
		assert_success
		assert_output --partial '--passphrase '
		assert_output --partial '--passphrase-file FILE'
		assert_output --partial 'XE2E_PASSPHRASE'
		# shellcheck disable=SC2046
		run --separate-stderr xe2e-$p $(args_of $p) --passphrase --passphrase-file /dev/null </dev/null
		assert_failure 2
		[[ $stderr == *"--passphrase and --passphrase-file exclude each other"* ]] ||
			{ echo "$p: $stderr"; false; }
	done
	# where stdin carries stanzas, the help says it is not read for the passphrase
	for p in handshake seal open; do
		run xe2e-$p --help
		assert_output --regexp 'stdin carries (the )?stanzas'
	done
}

@test "passphrase: a --passphrase-file that cannot be read is an error, even for a key with none" {
	local p
	make_identity juliet@capulet.lit # not protected
	for p in "${PROGRAMS[@]}"; do
		# shellcheck disable=SC2046
		run --separate-stderr xe2e-$p $(args_of $p) --passphrase-file "$BATS_TEST_TMPDIR/missing" </dev/null
		assert_failure 1
		[[ $stderr == "xe2e-$p: no passphrase: cannot open passphrase file $BATS_TEST_TMPDIR/missing"* ]] ||
			{ echo "$p: $stderr"; false; }
	done
	# an empty first line is no passphrase either
	: >"$BATS_TEST_TMPDIR/empty"
	run --separate-stderr xe2e-open --passphrase-file "$BATS_TEST_TMPDIR/empty" </dev/null
	assert_failure 1
	[[ $stderr == *"empty passphrase"* ]]
}

@test "passphrase: a protected key and no passphrase: the error says where one can come from" {
	XE2E_PASSPHRASE='Queen Mab' make_identity juliet@capulet.lit
	run --separate-stderr xe2e-handshake --to bob@montague.lit </dev/null
	assert_failure 1
	[[ $stderr == *"standard input is not a terminal to ask on: give --passphrase-file FILE, --passphrase (asked on /dev/tty) or XE2E_PASSPHRASE"* ]]
	# and each way works
	printf 'Queen Mab\n' >"$BATS_TEST_TMPDIR/pass"
	run --separate-stderr xe2e-handshake --to bob@montague.lit --timeout 1 \
		--passphrase-file "$BATS_TEST_TMPDIR/pass" </dev/null
	[[ $stderr != *passphrase* ]] || { echo "$stderr"; false; }
	assert_output --partial "step='1'"
	XE2E_PASSPHRASE='Queen Mab' run --separate-stderr xe2e-handshake --to bob@montague.lit \
		--timeout 1 </dev/null
	assert_output --partial "step='1'"
}

@test "passphrase: --passphrase asks on the terminal while stdin carries stanzas, and takes no argument" {
	require_pty
	XE2E_PASSPHRASE='Queen Mab' make_identity juliet@capulet.lit
	# --passphrase before --to: once taken for --passphrase-file, with --to as its file
	run bash -c "{ sleep 1; printf 'Queen Mab\n'; sleep 2; } |
		timeout 30 script -qec 'xe2e-handshake --passphrase --to bob@montague.lit --timeout 1 </dev/null' /dev/null"
	output=${output//$'\r'/}
	assert_output --partial 'Passphrase for'
	assert_output --partial "step='1'"
	refute_output --partial 'Queen Mab'
	refute_output --partial 'unexpected argument'
}

@test "passphrase: an empty passphrase is refused at the first asking" {
	require_pty
	run bash -c "{ sleep 1; printf '\n'; sleep 2; printf '\n'; sleep 1; } |
		timeout 30 script -qec 'xe2e-keygen --jid juliet@capulet.lit --passphrase' /dev/null"
	output=${output//$'\r'/}
	assert_output --partial 'empty passphrase from the terminal'
	refute_output --partial '(again)'
	assert_not_exists "$XE2E_HOME/identity.key"
}

@test "options: a long option is never abbreviated, so none takes the next one as its value" {
	local p
	for p in keygen handshake seal open verify-sas trustdb connect; do
		run --separate-stderr xe2e-$p --he </dev/null
		assert_failure 2
		[[ $stderr == "xe2e-$p: unknown option '--he'"* ]] || { echo "$p: $stderr"; false; }
	done
	run --separate-stderr xe2e-handshake --passphrase-f=x --to bob@montague.lit </dev/null
	assert_failure 2
	[[ $stderr == *"unknown option '--passphrase-f'"* ]]
	# whole names, with = or apart, still work
	make_identity juliet@capulet.lit
	run --separate-stderr xe2e-handshake --to=bob@montague.lit --timeout=1 </dev/null
	assert_output --partial "step='1'"
	# a value that looks like an option is the value of the one before
	run --separate-stderr xe2e-handshake --to bob@montague.lit --resource --timeout </dev/null
	assert_output --partial "from='juliet@capulet.lit/--timeout'"
}
