#!/usr/bin/env bats
# xe2e-keygen's prekey bundles: --prekeys, --rotate-prekeys, --bundle-minimal.

load helpers

CHECK="$BATS_TEST_DIRNAME/bundle_check.py"

setup() {
	xe2e_setup
	python3 -c 'import cryptography' 2>/dev/null ||
		skip "python3 with pyca/cryptography is needed to check bundles"
}

# The private prekey store.
store() {
	cat "$XE2E_HOME/state/prekeys"
}

# Checks a bundle file independently; its lines go to $output.
check_bundle() {
	run python3 "$CHECK" "$@"
	assert_success
}

@test "prekeys: --prekeys N writes a full bundle that verifies independently" {
	make_identity bob@montague.lit
	run --separate-stderr xe2e-keygen --prekeys 5
	assert_success
	assert_equal "${#lines[@]}" 1
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/b.xml"
	xmllint --noout "$BATS_TEST_TMPDIR/b.xml"
	[[ $stderr =~ ^"xe2e-keygen: full bundle of bob@montague.lit: new signed prekey "[0-9a-f]{8}" until "[0-9T:-]+"Z, 5 one-time prekeys"$ ]]
	check_bundle "$BATS_TEST_TMPDIR/b.xml"
	assert_line 'form: full'
	assert_line 'jid: bob@montague.lit'
	assert_line "device: $(xe2e-keygen --show | field device-id)"
	assert_equal "$(grep -c '^prekey ' <<<"$output")" 5
	local created expires
	created=$(field spk-created <<<"$output")
	expires=$(field spk-expires <<<"$output")
	assert_equal "$((expires - created))" $((30 * 86400))
	# The private halves stay in the state tree, which is never backed up.
	assert_file_permission 600 "$XE2E_HOME/state/prekeys"
	assert_equal "$(store | grep -c '^spk ')" 1
	assert_equal "$(store | grep -c '^opk ')" 5
	grep -q "^spk $(field spk <<<"$output") " "$XE2E_HOME/state/prekeys"
	# The bundle holds no private key.
	local priv
	for priv in $(store | awk '$1 == "opk" { print $5 } $1 == "spk" { print $6 }'); do
		run grep -c "$priv" "$BATS_TEST_TMPDIR/b.xml"
		assert_output 0
	done
}

@test "prekeys: a later --prekeys N keeps the signed prekey and adds N new one-time prekeys" {
	make_identity bob@montague.lit
	xe2e-keygen --prekeys 3 --output "$BATS_TEST_TMPDIR/1.xml" 2>/dev/null
	run --separate-stderr xe2e-keygen --prekeys 2 --output "$BATS_TEST_TMPDIR/2.xml"
	assert_success
	assert_equal "$output" ''
	[[ $stderr == *": signed prekey "*", 2 one-time prekeys" ]]
	[[ $stderr != *"new signed prekey"* ]]
	assert_file_permission 644 "$BATS_TEST_TMPDIR/2.xml"
	check_bundle "$BATS_TEST_TMPDIR/1.xml"
	local one=$output
	check_bundle "$BATS_TEST_TMPDIR/2.xml"
	assert_equal "$(field spk <<<"$output")" "$(field spk <<<"$one")"
	assert_equal "$(grep -c '^prekey ' <<<"$output")" 2
	# No one-time prekey is published twice.
	local ids
	ids=$( (grep '^prekey ' <<<"$one"; grep '^prekey ' <<<"$output") | cut -d' ' -f2 | sort -u | wc -l)
	assert_equal "$ids" 5
	assert_equal "$(store | grep -c '^opk ')" 5
}

@test "prekeys: --bundle-minimal leaves the identity and device key out" {
	run xe2e-keygen --jid bob@montague.lit
	local fpr dk
	fpr=$(field identity <<<"$output")
	dk=$(field device-key <<<"$output" | tr -d ' ' | xxd -r -p | base64)
	run --separate-stderr xe2e-keygen --prekeys 2 --bundle-minimal
	assert_success
	[[ $stderr == "xe2e-keygen: minimal bundle of bob@montague.lit: "* ]]
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/m.xml"
	refute_output --partial '<identity>'
	refute_output --partial '<certificate>'
	refute_output --partial '<device'
	refute_output --partial "$dk"
	assert_output --partial "form='minimal'"
	# Whoever knows the fingerprint opens the sealed identity key and checks
	# the signatures; another fingerprint does not open it.
	check_bundle "$BATS_TEST_TMPDIR/m.xml" "$fpr"
	assert_line 'form: minimal'
	assert_equal "$(grep -c '^prekey ' <<<"$output")" 2
	run python3 "$CHECK" "$BATS_TEST_TMPDIR/m.xml" "$(tr 0-9a-f 1-9a-f0 <<<"$fpr")"
	assert_failure
}

@test "prekeys: --rotate-prekeys makes a new signed prekey, keeps the old one, tops up to N" {
	make_identity bob@montague.lit
	xe2e-keygen --prekeys 3 --output "$BATS_TEST_TMPDIR/1.xml" 2>/dev/null
	check_bundle "$BATS_TEST_TMPDIR/1.xml"
	local old
	old=$(field spk <<<"$output")
	run --separate-stderr xe2e-keygen --rotate-prekeys --prekeys 8 --output "$BATS_TEST_TMPDIR/2.xml"
	assert_success
	[[ $stderr == *": new signed prekey "*", 8 one-time prekeys" ]]
	check_bundle "$BATS_TEST_TMPDIR/2.xml"
	[[ $(field spk <<<"$output") != "$old" ]]
	assert_equal "$(grep -c '^prekey ' <<<"$output")" 8
	# The old signed prekey stays, retired now, for the grace period.
	assert_equal "$(store | grep -c '^spk ')" 2
	run awk -v id="$old" '$1 == "spk" && $2 == id { print $5 }' "$XE2E_HOME/state/prekeys"
	assert_output --regexp '^[0-9]+$'
	((output >= $(date +%s) - 60))
	assert_equal "$(store | grep -c '^opk ')" 8
	# Without --prekeys: topped up to 20, the bundle lists 20.
	run --separate-stderr xe2e-keygen --rotate-prekeys
	assert_success
	[[ $stderr == *", 20 one-time prekeys" ]]
	assert_equal "$(store | grep -c '^spk ')" 3
	assert_equal "$(store | grep -c '^opk ')" 20
}

@test "prekeys: no one-time prekeys is allowed, with a warning" {
	make_identity bob@montague.lit
	run --separate-stderr xe2e-keygen --prekeys 0
	assert_success
	refute_output --partial '<prekey '
	[[ $stderr == *", 0 one-time prekeys"*"warning: no one-time prekeys: messages sealed to this bundle depend on the signed prekey alone until it is deleted, 7 days after it expires" ]]
}

@test "prekeys: only a new signed prekey needs the identity key's passphrase" {
	echo 'bob secret' >"$BATS_TEST_TMPDIR/pass"
	make_identity bob@montague.lit --passphrase-file "$BATS_TEST_TMPDIR/pass"
	run --separate-stderr no_tty xe2e-keygen --prekeys 2
	assert_failure 1
	[[ $stderr == *"cannot read the identity"*"passphrase"* ]]
	assert_file_not_exists "$XE2E_HOME/state/prekeys"
	run xe2e-keygen --prekeys 2 --passphrase-file "$BATS_TEST_TMPDIR/pass"
	assert_success
	# The signed prekey exists now: more one-time prekeys need no passphrase.
	run --separate-stderr no_tty xe2e-keygen --prekeys 4
	assert_success
	[[ $stderr == *", 4 one-time prekeys" ]]
	run --separate-stderr no_tty xe2e-keygen --rotate-prekeys
	assert_failure 1
	XE2E_PASSPHRASE='bob secret' run no_tty xe2e-keygen --rotate-prekeys
	assert_success
}

@test "prekeys: an expired signed prekey, or one of another identity, is replaced" {
	make_identity bob@montague.lit
	xe2e-keygen --prekeys 1 >"$BATS_TEST_TMPDIR/1.xml" 2>/dev/null
	check_bundle "$BATS_TEST_TMPDIR/1.xml"
	local first
	first=$(field spk <<<"$output")
	# As if the signed prekey's lifetime had passed.
	local now
	now=$(date +%s)
	sed -i "s/^spk $first [0-9]* [0-9]* /spk $first $((now - 40 * 86400)) $((now - 10 * 86400)) /" \
		"$XE2E_HOME/state/prekeys"
	run --separate-stderr xe2e-keygen --prekeys 1
	assert_success
	[[ $stderr == *"new signed prekey"* ]]
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/2.xml"
	check_bundle "$BATS_TEST_TMPDIR/2.xml"
	local second
	second=$(field spk <<<"$output")
	[[ $second != "$first" ]]
	# Past its expiry plus the grace period, the old one is gone.
	run grep -c "^spk $first " "$XE2E_HOME/state/prekeys"
	assert_output 0
	# A new identity cannot use the old identity's signed prekey.
	xe2e-keygen --jid bob@montague.lit --force >/dev/null 2>&1
	run --separate-stderr xe2e-keygen --prekeys 1
	assert_success
	[[ $stderr == *"new signed prekey"* ]]
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/3.xml"
	check_bundle "$BATS_TEST_TMPDIR/3.xml"
	[[ $(field spk <<<"$output") != "$second" ]]
}

@test "prekeys: usage errors exit 2 and touch nothing" {
	make_identity bob@montague.lit
	local before args
	before=$(tree_digest "$XE2E_HOME")
	for args in '--prekeys' '--prekeys -1' '--prekeys 101' '--prekeys abc' '--prekeys 1x' \
		"--prekeys ''" '--prekeys 3 --show' '--rotate-prekeys --psk' '--bundle-minimal' \
		'--output f' '--show --output f' '--psk --bundle-minimal' "--prekeys 1 --output ''" \
		'--prekeys 2 --force' '--prekeys 1 extra'; do
		eval "run --separate-stderr xe2e-keygen $args"
		assert_equal "$status" 2
		assert_equal "$output" ''
		[[ $stderr == *"xe2e-keygen: "*"Try 'xe2e-keygen --help'"* ]] ||
			fail "no usage message for '$args': $stderr"
	done
	assert_equal "$(tree_digest "$XE2E_HOME")" "$before"
}

@test "prekeys: no identity, an unsafe or a corrupt prekey file are clear errors" {
	run --separate-stderr xe2e-keygen --prekeys 1
	assert_failure 1
	assert_equal "$output" ''
	[[ $stderr == *"no identity in $XE2E_HOME"* ]]
	make_identity bob@montague.lit
	xe2e-keygen --prekeys 1 >/dev/null 2>&1
	chmod 644 "$XE2E_HOME/state/prekeys"
	run --separate-stderr xe2e-keygen --prekeys 1
	assert_failure 1
	[[ $stderr == *"chmod 600 $XE2E_HOME/state/prekeys"* ]]
	chmod 600 "$XE2E_HOME/state/prekeys"
	sed -i '2s/^spk /spq /' "$XE2E_HOME/state/prekeys"
	local before
	before=$(sha256sum <"$XE2E_HOME/state/prekeys")
	run --separate-stderr xe2e-keygen --prekeys 1
	assert_failure 1
	assert_equal "$output" ''
	[[ $stderr == *"$XE2E_HOME/state/prekeys line 2: malformed entry"* ]]
	assert_equal "$(sha256sum <"$XE2E_HOME/state/prekeys")" "$before"
}

@test "prekeys: an expired device binding makes no bundle" {
	make_identity bob@montague.lit
	# The binding is signed: any change to its times is refused as well.
	sed -i 's/^expires: .*/expires: 1000/' "$XE2E_HOME/device.binding"
	run --separate-stderr xe2e-keygen --prekeys 1
	assert_failure 1
	[[ $stderr == *"cannot read the identity"* ]]
	assert_file_not_exists "$XE2E_HOME/state/prekeys"
}

@test "prekeys: a failed write of the bundle is an error" {
	[[ -w /dev/full ]] || skip "no /dev/full"
	make_identity bob@montague.lit
	run --separate-stderr bash -c 'xe2e-keygen --prekeys 1 >/dev/full'
	assert_failure 1
	[[ $stderr == *"cannot write to standard output"* ]]
	run --separate-stderr xe2e-keygen --prekeys 1 --output "$BATS_TEST_TMPDIR/no/such/dir/b.xml"
	assert_failure 1
	[[ $stderr == *"cannot write the bundle to $BATS_TEST_TMPDIR/no/such/dir/b.xml"* ]]
}
