#!/usr/bin/env bats
# xe2e-keygen: identities, fingerprints, passphrases, rotation, PSKs.

load helpers

@test "keygen: --help and --version" {
	run --separate-stderr xe2e-keygen --help
	assert_success
	assert_line --index 0 --partial 'usage: xe2e-keygen --jid JID'
	assert_output --partial '--rotate-device'
	assert_equal "$stderr" ''
	run xe2e-keygen --version
	assert_success
	assert_output --regexp '^xe2e-keygen [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "keygen: --help shows the man page's synopsis" {
	command -v groff >/dev/null || skip "groff is not installed"
	local page="$BATS_TEST_DIRNAME/../../man/xe2e-keygen.1"
	run bash -c "groff -mdoc -Tascii -P-cbou '$page' 2>/dev/null |
		sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed -n 's/^ *xe2e-keygen/xe2e-keygen/p'"
	assert_success
	local synopsis=$output
	run bash -c "xe2e-keygen --help | sed -n 's/^usage: //; s/^ *xe2e-keygen/xe2e-keygen/p'"
	assert_equal "$output" "$synopsis"
}

@test "keygen: usage errors exit 2" {
	local args
	for args in '' '--bogus' '-x' '--jid' '--show --psk' '--jid a@b.c --show' \
		'--force' '--show --force' '--jid a@b.c extra' '--psk --passphrase' \
		'--jid a@b.c --passphrase --passphrase-file f' '--rotate-device --jid a@b.c'; do
		# shellcheck disable=SC2086
		run --separate-stderr xe2e-keygen $args
		assert_equal "$status" 2
		assert_equal "$output" ''
		[[ $stderr == *"xe2e-keygen: "*"Try 'xe2e-keygen --help'"* ]] ||
			fail "no usage message for '$args': $stderr"
	done
	assert_not_exists "$XE2E_HOME"
}

@test "keygen: creates the identity files with safe modes" {
	run --separate-stderr xe2e-keygen --jid 'Juliet@Capulet.lit/balcony'
	assert_success
	assert_line --index 0 'jid: juliet@capulet.lit'
	assert_line --index 1 --regexp '^identity: ([0-9a-f]{4} ){15}[0-9a-f]{4}$'
	assert_line --index 2 --regexp '^device-id: [0-9a-f]{8}$'
	assert_line --index 3 --regexp '^device-key: ([0-9a-f]{4} ){15}[0-9a-f]{4}$'
	assert_line --index 4 --regexp '^device-created: [0-9-]{10}T[0-9:]{8}Z$'
	assert_line --index 5 --regexp '^device-expires: [0-9-]{10}T[0-9:]{8}Z$'
	assert_equal "${#lines[@]}" 6
	[[ $stderr == "xe2e-keygen: created the identity of juliet@capulet.lit in $XE2E_HOME" ]]
	assert_file_permission 700 "$XE2E_HOME"
	assert_file_permission 700 "$XE2E_HOME/state"
	assert_file_permission 600 "$XE2E_HOME/identity.key"
	assert_file_permission 600 "$XE2E_HOME/device.key"
	assert_file_permission 644 "$XE2E_HOME/identity.crt"
	assert_file_permission 644 "$XE2E_HOME/device.binding"
	assert_file_contains "$XE2E_HOME/state/CACHEDIR.TAG" '^Signature: 8a477f597d28d172789f06886806bc55$'
	assert_file_contains "$XE2E_HOME/identity.key" '^kdf: none$'
	assert_file_contains "$XE2E_HOME/device.binding" '^jid: juliet@capulet.lit$'
	assert_file_not_exists "$XE2E_HOME/identity.commit"
	run ls "$XE2E_HOME"
	refute_output --partial '.new'
	refute_output --partial '.tmp'
}

@test "keygen: uses the XDG directories without XE2E_HOME" {
	unset XE2E_HOME
	export HOME="$BATS_TEST_TMPDIR/user" XDG_STATE_HOME="$BATS_TEST_TMPDIR/xdg-state"
	run xe2e-keygen --jid juliet@capulet.lit
	assert_success
	assert_file_exists "$HOME/.local/share/xe2e/identity.key"
	assert_file_exists "$XDG_STATE_HOME/xe2e/CACHEDIR.TAG"
	assert_file_permission 700 "$HOME/.local/share/xe2e"
}

@test "keygen: --show prints what creation printed, every time" {
	run --separate-stderr xe2e-keygen --jid juliet@capulet.lit
	assert_success
	local created=$output
	run --separate-stderr xe2e-keygen --show
	assert_success
	assert_equal "$output" "$created"
	assert_equal "$stderr" ''
	run xe2e-keygen --show
	assert_equal "$output" "$created"
}

@test "keygen: --show without an identity says how to make one" {
	run --separate-stderr xe2e-keygen --show
	assert_failure 1
	assert_equal "$output" ''
	[[ $stderr == *"no identity in $XE2E_HOME"*"xe2e-keygen --jid JID"* ]]
}

@test "keygen: openssl reads the certificate and agrees on the fingerprint" {
	run xe2e-keygen --jid juliet@capulet.lit
	assert_success
	local fpr
	fpr=$(printf '%s\n' "$output" | field identity | tr -d ' ')
	run openssl x509 -in "$XE2E_HOME/identity.crt" -noout -text
	assert_success
	assert_output --partial 'Version: 3 (0x2)'
	assert_output --partial 'Subject: CN = juliet@capulet.lit'
	assert_output --partial 'Issuer: CN = juliet@capulet.lit'
	assert_output --partial 'ecdsa-with-SHA256'
	assert_output --partial 'othername: XmppAddr::juliet@capulet.lit'
	assert_output --partial 'CA:FALSE'
	assert_output --partial 'Not After : Dec 31 23:59:59 9999 GMT'
	run bash -c "openssl x509 -in '$XE2E_HOME/identity.crt' -pubkey -noout |
		openssl pkey -pubin -outform DER | sha256sum"
	assert_success
	assert_equal "${output%% *}" "$fpr"
	# Its self-signature verifies.
	run openssl verify -check_ss_sig -CAfile "$XE2E_HOME/identity.crt" "$XE2E_HOME/identity.crt"
	assert_success
}

@test "keygen: refuses to replace an identity without --force; nothing changes" {
	make_identity juliet@capulet.lit
	local before
	before=$(tree_digest "$XE2E_HOME")
	run --separate-stderr xe2e-keygen --jid romeo@montague.lit
	assert_failure 1
	assert_equal "$output" ''
	[[ $stderr == *"an identity exists in $XE2E_HOME; --force replaces it"* ]]
	assert_equal "$(tree_digest "$XE2E_HOME")" "$before"
}

@test "keygen: --force replaces every file at once" {
	run --separate-stderr xe2e-keygen --jid juliet@capulet.lit
	local old=$output
	run --separate-stderr xe2e-keygen --jid romeo@montague.lit --force
	assert_success
	assert_line --index 0 'jid: romeo@montague.lit'
	[[ $(field identity <<<"$output") != $(field identity <<<"$old") ]]
	[[ $(field device-id <<<"$output") != $(field device-id <<<"$old") ]]
	run xe2e-keygen --show
	assert_line --index 0 'jid: romeo@montague.lit'
	run ls "$XE2E_HOME"
	refute_output --partial '.new'
	assert_file_not_exists "$XE2E_HOME/identity.commit"
}

@test "keygen: an interrupted replacement is undone before anything else" {
	make_identity juliet@capulet.lit
	run xe2e-keygen --show
	local want=$output
	# Files of a replacement that never reached its commit point.
	echo partial >"$XE2E_HOME/identity.key.new"
	echo partial >"$XE2E_HOME/device.binding.new"
	run xe2e-keygen --show
	assert_success
	assert_equal "$output" "$want"
	assert_file_not_exists "$XE2E_HOME/identity.key.new"
	assert_file_not_exists "$XE2E_HOME/device.binding.new"
}

@test "keygen: a JID needs a localpart and a valid domain" {
	local jid
	for jid in capulet.lit '@capulet.lit' 'juliet@' 'ju liet@capulet.lit' 'juliet@capulet.lit/'; do
		run --separate-stderr xe2e-keygen --jid "$jid"
		assert_failure 1
		[[ $stderr == "xe2e-keygen: cannot create the identity: "*"(malformed input)" ]] ||
			fail "'$jid': $stderr"
	done
	assert_file_not_exists "$XE2E_HOME/identity.key"
}

@test "keygen: a passphrase protects the keys" {
	echo 'correct horse' >"$BATS_TEST_TMPDIR/pass"
	run xe2e-keygen --jid juliet@capulet.lit --passphrase-file "$BATS_TEST_TMPDIR/pass"
	assert_success
	local fpr
	fpr=$(field identity <<<"$output")
	assert_file_contains "$XE2E_HOME/identity.key" '^kdf: pbkdf2-sha256$'
	assert_file_contains "$XE2E_HOME/identity.key" '^iterations: 1000$'
	assert_file_contains "$XE2E_HOME/device.key" '^kdf: pbkdf2-sha256$'
	# --show needs no passphrase.
	run xe2e-keygen --show
	assert_success
	# Wrong passphrase: clear error, nothing changes.
	local before
	before=$(tree_digest "$XE2E_HOME")
	echo 'wrong horse' >"$BATS_TEST_TMPDIR/wrong"
	run --separate-stderr xe2e-keygen --rotate-device --passphrase-file "$BATS_TEST_TMPDIR/wrong"
	assert_failure 1
	[[ $stderr == *"identity.key: wrong passphrase"*"(wrong or missing passphrase)" ]]
	XE2E_PASSPHRASE='wrong horse' run --separate-stderr xe2e-keygen --rotate-device
	assert_failure 1
	# No passphrase and no terminal: a clear error, never a hanging prompt.
	run --separate-stderr no_tty xe2e-keygen --rotate-device
	assert_failure 1
	[[ $stderr == *"is protected by a passphrase and standard input is not a terminal to ask on: give --passphrase-file FILE, --passphrase (asked on /dev/tty) or XE2E_PASSPHRASE"* ]]
	run --separate-stderr no_tty xe2e-keygen --rotate-device --passphrase
	assert_failure 1
	[[ $stderr == *"no terminal"* ]]
	assert_equal "$(tree_digest "$XE2E_HOME")" "$before"
	# The right one, from the environment; the new device key is protected too.
	XE2E_PASSPHRASE='correct horse' run xe2e-keygen --rotate-device
	assert_success
	assert_equal "$(field identity <<<"$output")" "$fpr"
	assert_file_contains "$XE2E_HOME/device.key" '^kdf: pbkdf2-sha256$'
}

@test "keygen: the passphrase file's first line is the passphrase" {
	printf 'two words\r\nsecond line\n' >"$BATS_TEST_TMPDIR/pass"
	make_identity juliet@capulet.lit --passphrase-file "$BATS_TEST_TMPDIR/pass"
	XE2E_PASSPHRASE='two words' run xe2e-keygen --rotate-device
	assert_success
	: >"$BATS_TEST_TMPDIR/empty"
	run --separate-stderr xe2e-keygen --rotate-device --passphrase-file "$BATS_TEST_TMPDIR/empty"
	assert_failure 1
	[[ $stderr == *"empty passphrase"* ]]
	run --separate-stderr xe2e-keygen --rotate-device --passphrase-file "$BATS_TEST_TMPDIR/missing"
	assert_failure 1
	[[ $stderr == *"cannot open passphrase file"* ]]
}

@test "keygen: --passphrase asks twice on the terminal" {
	require_pty
	local cmd="xe2e-keygen --jid juliet@capulet.lit --passphrase"
	run bash -c "{ sleep 1; printf 'tty secret\n'; sleep 1; printf 'tty secret\n'; sleep 1; } |
		script -qec '$cmd' /dev/null"
	assert_success
	assert_output --partial 'Passphrase for the new keys:'
	assert_output --partial '(again)'
	refute_output --partial 'tty secret'
	assert_file_contains "$XE2E_HOME/identity.key" '^kdf: pbkdf2-sha256$'
	XE2E_PASSPHRASE='tty secret' run xe2e-keygen --rotate-device
	assert_success
}

@test "keygen: a new identity that cannot have its passphrase creates nothing" {
	local new=$BATS_TEST_TMPDIR/new h=$BATS_TEST_TMPDIR/h
	echo 'a secret' >"$BATS_TEST_TMPDIR/pass"
	# --passphrase with no terminal, in XE2E_HOME and in the XDG directories.
	XE2E_HOME=$new run --separate-stderr no_tty xe2e-keygen --jid juliet@capulet.lit --passphrase
	assert_failure 1
	[[ $stderr == "xe2e-keygen: cannot create the identity: no terminal"* ]]
	assert_not_exists "$new"
	run --separate-stderr env -u XE2E_HOME HOME="$h" setsid -w xe2e-keygen \
		--jid juliet@capulet.lit --passphrase </dev/null
	assert_failure 1
	[[ $stderr == *"no terminal"* ]]
	assert_not_exists "$h"
	# A passphrase file that cannot be read.
	XE2E_HOME=$new run --separate-stderr xe2e-keygen --jid juliet@capulet.lit \
		--passphrase-file "$BATS_TEST_TMPDIR/missing"
	assert_failure 1
	[[ $stderr == *"cannot open passphrase file"* ]]
	assert_not_exists "$new"
	# An existing identity is refused before any passphrase is asked for.
	make_identity juliet@capulet.lit
	run --separate-stderr no_tty xe2e-keygen --jid juliet@capulet.lit --passphrase
	assert_failure 1
	[[ $stderr == *"an identity exists"* ]]
	# Two entries that differ on a terminal.
	require_pty
	run env XE2E_HOME="$new" bash -c "{ sleep 1; printf 'one\n'; sleep 1; printf 'two\n'; sleep 1; } |
		script -qec 'xe2e-keygen --jid juliet@capulet.lit --passphrase' /dev/null"
	assert_output --partial '(again)'
	assert_output --partial 'the two passphrases differ'
	assert_not_exists "$new"
}

@test "keygen: key files others can read are refused" {
	make_identity juliet@capulet.lit
	chmod 644 "$XE2E_HOME/identity.key"
	run --separate-stderr xe2e-keygen --rotate-device
	assert_failure 1
	[[ $stderr == *"identity.key is accessible by others: chmod 600 $XE2E_HOME/identity.key"* ]]
	chmod 600 "$XE2E_HOME/identity.key"
	run xe2e-keygen --rotate-device
	assert_success
}

@test "keygen: an unreadable key file is a clear error" {
	[[ $(id -u) != 0 ]] || skip "root reads files of mode 000"
	make_identity juliet@capulet.lit
	chmod 000 "$XE2E_HOME/identity.key"
	run --separate-stderr xe2e-keygen --rotate-device
	assert_failure 1
	[[ $stderr == *"cannot open $XE2E_HOME/identity.key: Permission denied"* ]]
}

@test "keygen: a data directory others can enter is refused" {
	mkdir -m 755 "$XE2E_HOME"
	run --separate-stderr xe2e-keygen --jid juliet@capulet.lit
	assert_failure 1
	[[ $stderr == *"chmod 700 $XE2E_HOME"* ]]
	assert_file_not_exists "$XE2E_HOME/identity.key"
}

@test "keygen: corrupt key and identity files name what is wrong" {
	make_identity juliet@capulet.lit
	cp "$XE2E_HOME/identity.key" "$BATS_TEST_TMPDIR/good.key"
	sed -i 's/^kdf: none$/kdf: rot13/' "$XE2E_HOME/identity.key"
	run --separate-stderr xe2e-keygen --rotate-device
	assert_failure 1
	[[ $stderr == *"identity.key: line 3: unknown kdf (malformed input)" ]]
	head -c 60 "$BATS_TEST_TMPDIR/good.key" >"$XE2E_HOME/identity.key"
	run --separate-stderr xe2e-keygen --rotate-device
	assert_failure 1
	[[ $stderr == *"identity.key: line 4: "*"truncated"* ]]
	cp "$BATS_TEST_TMPDIR/good.key" "$XE2E_HOME/identity.key"
	sed -i 's/^type: p256$/type: x25519/' "$XE2E_HOME/identity.key"
	run --separate-stderr xe2e-keygen --rotate-device
	assert_failure 1
	[[ $stderr == *"holds a x25519 key, expected p256"* ]]
	# Another identity's key does not match the certificate.
	XE2E_HOME="$BATS_TEST_TMPDIR/other" make_identity romeo@montague.lit
	cp "$BATS_TEST_TMPDIR/other/identity.key" "$XE2E_HOME/identity.key"
	run --separate-stderr xe2e-keygen --rotate-device
	assert_failure 1
	[[ $stderr == *"identity.key does not match identity.crt"* ]]
	cp "$BATS_TEST_TMPDIR/good.key" "$XE2E_HOME/identity.key"
	sed -i 's/^created: /created: 1/' "$XE2E_HOME/device.binding"
	run --separate-stderr xe2e-keygen --show
	assert_failure 1
	[[ $stderr == *"device.binding"* ]]
	echo garbage >"$XE2E_HOME/identity.crt"
	run --separate-stderr xe2e-keygen --show
	assert_failure 1
	[[ $stderr == *"identity.crt: not a valid certificate: "*"(malformed input)" ]]
}

@test "keygen: --rotate-device keeps the device id and makes a newer binding" {
	run xe2e-keygen --jid juliet@capulet.lit
	local old=$output old_created
	old_created=$(field created <"$XE2E_HOME/device.binding")
	local old_key
	old_key=$(cat "$XE2E_HOME/device.key")
	run --separate-stderr xe2e-keygen --rotate-device
	assert_success
	[[ $stderr == "xe2e-keygen: new device key for device $(field device-id <<<"$old")" ]]
	assert_equal "$(field identity <<<"$output")" "$(field identity <<<"$old")"
	assert_equal "$(field device-id <<<"$output")" "$(field device-id <<<"$old")"
	[[ $(field device-key <<<"$output") != $(field device-key <<<"$old") ]]
	(($(field created <"$XE2E_HOME/device.binding") > old_created))
	[[ $(cat "$XE2E_HOME/device.key") != "$old_key" ]]
	assert_file_permission 600 "$XE2E_HOME/device.key"
	run xe2e-keygen --show
	assert_equal "$(field device-key <<<"$output")" "$(field device-key <<<"$(xe2e-keygen --show)")"
	# Again within the same second: still strictly newer.
	local c1 c2
	xe2e-keygen --rotate-device >/dev/null 2>&1
	c1=$(field created <"$XE2E_HOME/device.binding")
	xe2e-keygen --rotate-device >/dev/null 2>&1
	c2=$(field created <"$XE2E_HOME/device.binding")
	((c2 > c1))
}

@test "keygen: --rotate-device without an identity fails" {
	run --separate-stderr xe2e-keygen --rotate-device
	assert_failure 1
	[[ $stderr == *"no identity in $XE2E_HOME"* ]]
}

@test "keygen: --psk prints a fresh PSK each time and touches nothing" {
	run --separate-stderr xe2e-keygen --psk
	assert_success
	assert_output --regexp '^xe2e-psk-[A-Za-z0-9_-]{48}$'
	assert_equal "$stderr" ''
	local first=$output
	run xe2e-keygen --psk
	assert_output --regexp '^xe2e-psk-[A-Za-z0-9_-]{48}$'
	[[ $output != "$first" ]]
	assert_not_exists "$XE2E_HOME"
}

@test "keygen: a failed write to stdout is an error" {
	[[ -w /dev/full ]] || skip "no /dev/full"
	run --separate-stderr bash -c 'xe2e-keygen --psk >/dev/full'
	assert_failure 1
	[[ $stderr == *"cannot write to standard output"* ]]
}
