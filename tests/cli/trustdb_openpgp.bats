#!/usr/bin/env bats
# xe2e-trustdb and OpenPGP keys: the fingerprint a handshake recorded in
# show, list, XML, export and import; openpgp check, which looks the key up
# in the user's GnuPG keyring now (real gpg, keys made here).

load helpers
load trustdb_helpers

PGP_A=0123456789ABCDEF0123456789ABCDEF01234567
PGP_B=89ABCDEF0123456789ABCDEF0123456789ABCDEF

@test "trustdb openpgp: show, list and XML carry the recorded fingerprint; the file spells it" {
	write_trust "peer bob@montague.lit $FPR_B level=tofu flags=- first-seen=1 last-seen=2 openpgp=$PGP_A"
	run xe2e-trustdb show bob@montague.lit
	assert_success
	assert_line --index 8 "openpgp: $PGP_A"
	run xe2e-trustdb list
	assert_output "bob@montague.lit $FPR_B tofu - $PGP_A"
	run xe2e-trustdb --xml list
	well_formed "$output"
	assert_equal "$(xpath_of "$output" 'string(//*[local-name()="peer"]/@openpgp)')" "$PGP_A"
	# Rewritten by a change, the field stays where it was.
	xe2e-trustdb pin carol@example.org "$FPR_C"
	assert_file_contains "$XE2E_HOME/trust" \
		"^peer bob@montague.lit $FPR_B level=tofu flags=- first-seen=1 last-seen=2 openpgp=$PGP_A$"
	local bad
	for bad in "openpgp=${PGP_A,,}" "openpgp=${PGP_A}00" "openpgp=" "pgp=$PGP_A" \
		"openpgp=$PGP_A openpgp=$PGP_A"; do
		write_trust "peer bob@montague.lit $FPR_B level=tofu flags=- first-seen=1 last-seen=2 $bad"
		run --separate-stderr xe2e-trustdb list
		assert_failure 1
		[[ $stderr == *"trust line 2: "* ]] || fail "$bad: $stderr"
	done
}

@test "trustdb openpgp: export and import carry it; another fingerprint is a conflict (exit 3)" {
	write_trust "peer bob@montague.lit $FPR_B level=anchored flags=- first-seen=1 last-seen=2 openpgp=$PGP_A"
	xe2e-trustdb export >"$T/export.xml"
	grep -q " openpgp='$PGP_A'" "$T/export.xml" || fail "not exported"
	XE2E_HOME=$T/other run xe2e-trustdb import "$T/export.xml"
	assert_success
	assert_equal "$(cat "$T/other/trust")" "$(cat "$XE2E_HOME/trust")"
	sed "s/$PGP_A/$PGP_B/" "$T/export.xml" >"$T/conflict.xml"
	local before
	before=$(content_digest "$T/other")
	XE2E_HOME=$T/other run --separate-stderr xe2e-trustdb import "$T/conflict.xml"
	assert_failure 3
	[[ $stderr == *"import refused: bob@montague.lit $FPR_B: the store has the OpenPGP key $PGP_A, the file $PGP_B"* ]] ||
		fail "$stderr"
	sed "s/$PGP_A/${PGP_A,,}/" "$T/export.xml" >"$T/bad.xml"
	XE2E_HOME=$T/other run --separate-stderr xe2e-trustdb import "$T/bad.xml"
	assert_failure 1
	[[ $stderr == *"bad OpenPGP fingerprint"* ]] || fail "$stderr"
	assert_equal "$(content_digest "$T/other")" "$before"
}

@test "trustdb openpgp: check needs a recorded key" {
	xe2e-trustdb pin bob@montague.lit "$FPR_B"
	run --separate-stderr xe2e-trustdb openpgp check bob@montague.lit
	assert_failure 1
	[[ $stderr == *"no OpenPGP key is recorded for bob@montague.lit"* ]] || fail "$stderr"
	run --separate-stderr xe2e-trustdb openpgp check
	assert_failure 2
}

@test "trustdb openpgp: check raises a tofu peer once its key is valid in the keyring" {
	load openpgp_helpers
	openpgp_setup
	alice_openpgp
	give_key "$GA" "$GB" "$AFPR"
	pair
	both_ok
	assert_equal "$(level_of "$B" alice@capulet.lit)" tofu
	run --separate-stderr as_bob timeout $GPG_TIMEOUT xe2e-trustdb openpgp check alice@capulet.lit
	assert_failure 3
	assert_equal "$stderr" "xe2e-trustdb: openpgp: the OpenPGP key $AFPR of alice@capulet.lit is not valid here: its user id xmpp:alice@capulet.lit has unknown validity in your keyring (gpg --lsign-key certifies it) (trust failure)"
	assert_equal "$(level_of "$B" alice@capulet.lit)" tofu
	lsign "$GB" "$AFPR"
	run --separate-stderr as_bob timeout $GPG_TIMEOUT xe2e-trustdb openpgp check alice@capulet.lit
	assert_success
	assert_line 'level: anchored'
	assert_line "openpgp: $AFPR"
	assert_equal "$(level_of "$B" alice@capulet.lit)" anchored
	# Her key revoked: said so, and the entry stays as it is.
	sed 's/^:-----/-----/' "$GA/openpgp-revocs.d/$AFPR.rev" | gpg_as "$GA" --import 2>/dev/null
	give_key "$GA" "$GB" "$AFPR"
	local before
	before=$(stored "$B")
	run --separate-stderr as_bob timeout $GPG_TIMEOUT xe2e-trustdb openpgp check alice@capulet.lit
	assert_failure 3
	[[ $stderr == *"is not valid here: your keyring has its key revoked (the entry stays anchored; its next handshake with a credential is refused)"* ]] ||
		fail "$stderr"
	assert_equal "$(stored "$B")" "$before"
}

teardown() {
	if declare -F openpgp_teardown >/dev/null; then
		openpgp_teardown
	else
		xe2e_teardown
	fi
}
