#!/usr/bin/env bats
# xe2e-trustdb: peers, levels, flags, PSKs, failure counts, broken files,
# concurrent writers, scripts, export and import.

load helpers
load trustdb_helpers

@test "trustdb: --help and --version" {
	run --separate-stderr xe2e-trustdb --help
	assert_success
	assert_line --index 0 'usage: xe2e-trustdb [--xml] COMMAND [ARG ...]'
	assert_equal "$stderr" ''
	local words
	for words in list show pin verify revoke forget 'psk set' 'psk clear' 'anchor add' \
		'anchor list' 'anchor remove' 'anchor verify' 'openpgp check' 'sessions list' \
		'sessions show' 'sessions close' export import reset-failures; do
		assert_line --regexp "^$words( |:)"
	done
	run xe2e-trustdb --version
	assert_success
	assert_output --regexp '^xe2e-trustdb [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "trustdb: --help shows the man page's synopsis" {
	command -v groff >/dev/null || skip "groff is not installed"
	local page="$BATS_TEST_DIRNAME/../../man/xe2e-trustdb.1"
	run bash -c "groff -mdoc -Tascii -P-cbou '$page' 2>/dev/null |
		sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed -n 's/^ *xe2e-trustdb/xe2e-trustdb/p'"
	assert_success
	local synopsis=$output
	run bash -c "xe2e-trustdb --help | sed -n 's/^usage: //; s/^ *xe2e-trustdb/xe2e-trustdb/p'"
	assert_equal "$output" "$synopsis"
}

@test "trustdb: the man page describes every command" {
	local page="$BATS_TEST_DIRNAME/../../man/xe2e-trustdb.1" words
	for words in list show pin verify revoke forget 'psk set' 'psk clear' 'anchor add' \
		'anchor list' 'anchor remove' 'anchor verify' 'openpgp check' 'sessions list' \
		'sessions show' 'sessions close' export import reset-failures help; do
		grep -q "^\.It Cm ${words// / Cm }\( \|$\)" "$page" || fail "no entry for '$words'"
	done
}

@test "trustdb: usage errors exit 2 and change nothing" {
	local args
	for args in '--bogus' 'bogus' 'psk' 'psk frob x' 'pin' "pin bob@montague.lit" \
		"pin a b c" 'list extra' 'show' 'sessions' 'anchor' 'export x' 'import' \
		'--keep-going list'; do
		# shellcheck disable=SC2086
		run --separate-stderr xe2e-trustdb $args
		assert_equal "$status" 2
		assert_equal "$output" ''
		[[ $stderr == *"xe2e-trustdb: "*"Try 'xe2e-trustdb --help'"* ]] ||
			fail "no usage message for '$args': $stderr"
	done
	assert_not_exists "$XE2E_HOME"
}

@test "trustdb: an empty store lists nothing" {
	run --separate-stderr xe2e-trustdb list
	assert_success
	assert_equal "$output" ''
	run xe2e-trustdb --xml list
	assert_success
	assert_output "<peers xmlns='urn:xe2e:trustdb:1'>
</peers>"
	well_formed "$output"
	run --separate-stderr xe2e-trustdb show bob@montague.lit
	assert_failure 1
	[[ $stderr == "xe2e-trustdb: show: no trust entry for bob@montague.lit (not found)" ]]
}

@test "trustdb: pin adds an entry, list and show it, in text and XML" {
	run --separate-stderr xe2e-trustdb pin 'Bob@Montague.LIT/garden' "$FPR_B_GROUPED"
	assert_success
	assert_equal "$output$stderr" ''
	run xe2e-trustdb list
	assert_success
	assert_output "bob@montague.lit $FPR_B pinned -"
	assert_file_contains "$XE2E_HOME/trust" "^peer bob@montague.lit $FPR_B level=pinned flags=- "
	run xe2e-trustdb show bob@montague.lit
	assert_success
	assert_line --index 0 'jid: bob@montague.lit'
	assert_line --index 1 "identity: $FPR_B_GROUPED"
	assert_line --index 2 'level: pinned'
	assert_line --index 3 'flags: -'
	assert_line --index 4 --regexp '^first-seen: [0-9-]{10}T[0-9:]{8}Z$'
	assert_line --index 6 'psk: no'
	assert_line --index 7 'spake2-failures: 0'
	# show by fingerprint, in any spelling
	run xe2e-trustdb show "${FPR_B^^}"
	assert_success
	assert_line --index 0 'jid: bob@montague.lit'
	run xe2e-trustdb --xml list
	assert_success
	well_formed "$output"
	assert_equal "$(xpath_of "$output" 'string(//*[local-name()="peer"]/@jid)')" bob@montague.lit
	assert_equal "$(xpath_of "$output" 'string(//*[local-name()="peer"]/@identity)')" "$FPR_B"
	assert_equal "$(xpath_of "$output" 'string(//*[local-name()="peer"]/@level)')" pinned
	assert_equal "$(xpath_of "$output" 'count(//*[local-name()="peer"])')" 1
	run xe2e-trustdb show --xml "$FPR_B"
	assert_success
	well_formed "$output"
	assert_equal "$(xpath_of "$output" 'string(//*[local-name()="peer"]/@psk)')" no
	assert_equal "$(xpath_of "$output" 'string(//*[local-name()="peer"]/@spake2-failures)')" 0
	# pinning it again changes nothing
	local before
	before=$(content_digest "$XE2E_HOME")
	run xe2e-trustdb pin bob@montague.lit "$FPR_B"
	assert_success
	assert_equal "$(content_digest "$XE2E_HOME")" "$before"
}

@test "trustdb: pin refuses a second key for a JID and a revoked key (exit 3)" {
	xe2e-trustdb pin bob@montague.lit "$FPR_B"
	local before
	before=$(content_digest "$XE2E_HOME")
	run --separate-stderr xe2e-trustdb pin bob@montague.lit "$FPR_A"
	assert_failure 3
	[[ $stderr == *"bob@montague.lit has another identity key in the store, $FPR_B: revoke or forget it first (trust failure)" ]] ||
		fail "$stderr"
	assert_equal "$(content_digest "$XE2E_HOME")" "$before"
	xe2e-trustdb revoke bob@montague.lit
	run --separate-stderr xe2e-trustdb pin bob@montague.lit "$FPR_B"
	assert_failure 3
	[[ $stderr == *"is revoked; a revocation is not undone"* ]]
	# with the old key revoked, the new one can be pinned
	run xe2e-trustdb pin bob@montague.lit "$FPR_A"
	assert_success
	run xe2e-trustdb list
	assert_line --index 0 "bob@montague.lit $FPR_B revoked -"
	assert_line --index 1 "bob@montague.lit $FPR_A pinned -"
	run --separate-stderr xe2e-trustdb pin bob@montague.lit 1234
	assert_failure 1
	[[ $stderr == *"not a fingerprint"* ]]
	run --separate-stderr xe2e-trustdb pin 'bob@@montague.lit' "$FPR_A"
	assert_failure 1
}

@test "trustdb: verify sets verified and clears rs-reset and offline-origin; a changed key is refused" {
	write_trust "peer bob@montague.lit $FPR_B level=tofu flags=rs-reset,offline-origin first-seen=100 last-seen=200"
	run xe2e-trustdb list
	assert_output "bob@montague.lit $FPR_B tofu rs-reset,offline-origin"
	run xe2e-trustdb show bob@montague.lit
	assert_line --index 3 'flags: rs-reset,offline-origin'
	run xe2e-trustdb --xml list
	assert_equal "$(xpath_of "$output" 'string(//*[local-name()="peer"]/@flags)')" \
		rs-reset,offline-origin
	local before
	before=$(content_digest "$XE2E_HOME")
	run --separate-stderr xe2e-trustdb verify bob@montague.lit "$FPR_A"
	assert_failure 3
	[[ $stderr == *"the identity key of bob@montague.lit changed: the store holds $FPR_B, not the fingerprint given (trust failure)" ]] ||
		fail "$stderr"
	assert_equal "$(content_digest "$XE2E_HOME")" "$before"
	run --separate-stderr xe2e-trustdb verify alice@capulet.lit
	assert_failure 1
	run xe2e-trustdb verify bob@montague.lit "$FPR_B_GROUPED"
	assert_success
	run xe2e-trustdb list
	assert_output "bob@montague.lit $FPR_B verified -"
	# without a fingerprint: the one current key
	write_trust "peer bob@montague.lit $FPR_B level=tofu flags=rs-reset first-seen=100 last-seen=200"
	run xe2e-trustdb verify bob@montague.lit
	assert_success
	assert_file_contains "$XE2E_HOME/trust" "level=verified flags=- first-seen=100 last-seen=200$"
}

@test "trustdb: offline-origin caps the level at tofu; pin clears it" {
	# A file or an import that says otherwise is refused and nothing changes.
	write_trust "peer bob@montague.lit $FPR_B level=verified flags=offline-origin first-seen=100 last-seen=200"
	local before
	before=$(content_digest "$XE2E_HOME")
	run --separate-stderr xe2e-trustdb list
	assert_failure 1
	[[ $stderr == *"$XE2E_HOME/trust line 2: offline-origin at level verified (malformed input)" ]] ||
		fail "$stderr"
	assert_equal "$(content_digest "$XE2E_HOME")" "$before"
	write_trust "peer bob@montague.lit $FPR_B level=tofu flags=offline-origin first-seen=100 last-seen=200"
	export_of "peer jid='carol@example.org' identity='$FPR_C' level='pinned' flags='offline-origin' first-seen='1' last-seen='2'/" \
		>"$T/capped.xml"
	before=$(content_digest "$XE2E_HOME")
	run --separate-stderr xe2e-trustdb import "$T/capped.xml"
	assert_failure 1
	[[ $stderr == *"peer 1 carol@example.org: offline-origin at level pinned (malformed input)" ]] ||
		fail "$stderr"
	assert_equal "$(content_digest "$XE2E_HOME")" "$before"
	# At tofu it is kept, and merged into a known entry at the same level.
	export_of "peer jid='carol@example.org' identity='$FPR_C' level='tofu' flags='offline-origin' first-seen='1' last-seen='2'/" \
		>"$T/tofu.xml"
	run xe2e-trustdb import "$T/tofu.xml"
	assert_success
	run xe2e-trustdb list
	assert_line "carol@example.org $FPR_C tofu offline-origin"
	# A key set by hand is established: the flag goes with the new level.
	run xe2e-trustdb pin bob@montague.lit "$FPR_B"
	assert_success
	run xe2e-trustdb list
	assert_line "bob@montague.lit $FPR_B pinned -"
}

@test "trustdb: verify refuses revoked keys, and mismatch without a fingerprint" {
	write_trust "peer bob@montague.lit $FPR_B level=mismatch flags=- first-seen=100 last-seen=200" \
		"peer bob@montague.lit $FPR_A level=revoked flags=- first-seen=1 last-seen=2"
	run --separate-stderr xe2e-trustdb verify bob@montague.lit "$FPR_A"
	assert_failure 3
	[[ $stderr == *"is revoked"* ]]
	run --separate-stderr xe2e-trustdb verify bob@montague.lit
	assert_failure 3
	[[ $stderr == *"marked mismatch"*"give the fingerprint you compared"* ]]
	run xe2e-trustdb verify bob@montague.lit "$FPR_B"
	assert_success
	assert_file_contains "$XE2E_HOME/trust" "$FPR_B level=verified"
}

@test "trustdb: revoke marks keys and drops their retained secrets" {
	write_trust "peer bob@montague.lit $FPR_B level=verified flags=- first-seen=100 last-seen=200" \
		"device bob@montague.lit $FPR_B 0a0b0c0d $KEY_1 created=100 expires=0" \
		"peer alice@capulet.lit $FPR_A level=tofu flags=- first-seen=100 last-seen=200"
	write_retained "rs $FPR_B 0a0b0c0d rs1=$KEY_2 rs2=- provisional=-" \
		"rs $FPR_A 01020304 rs1=$KEY_2 rs2=$KEY_1 provisional=-"
	run xe2e-trustdb show bob@montague.lit
	assert_line --index 8 "device: 0a0b0c0d $KEY_1 created=1970-01-01T00:01:40Z expires=never retained=rs1"
	run xe2e-trustdb revoke bob@montague.lit
	assert_success
	run xe2e-trustdb list
	assert_line --index 0 "bob@montague.lit $FPR_B revoked -"
	assert_line --index 1 "alice@capulet.lit $FPR_A tofu -"
	run xe2e-trustdb show bob@montague.lit
	assert_line --index 8 --partial 'retained=-'
	file_lacks "$XE2E_HOME/state/retained" "$FPR_B"
	assert_file_contains "$XE2E_HOME/state/retained" "$FPR_A"
	# nothing left to revoke
	run --separate-stderr xe2e-trustdb revoke bob@montague.lit
	assert_failure 1
	[[ $stderr == *"no trust entry for bob@montague.lit that is not revoked"* ]]
	run xe2e-trustdb revoke alice@capulet.lit "$FPR_A"
	assert_success
	run --separate-stderr xe2e-trustdb revoke alice@capulet.lit "$FPR_B"
	assert_failure 1
}

@test "trustdb: forget removes entries, one key or all of a JID" {
	write_trust "peer bob@montague.lit $FPR_A level=revoked flags=- first-seen=1 last-seen=2" \
		"peer bob@montague.lit $FPR_B level=tofu flags=- first-seen=100 last-seen=200" \
		"device bob@montague.lit $FPR_B 0a0b0c0d $KEY_1 created=100 expires=0"
	write_retained "rs $FPR_B 0a0b0c0d rs1=$KEY_2 rs2=- provisional=-"
	run xe2e-trustdb forget bob@montague.lit "$FPR_A"
	assert_success
	run xe2e-trustdb list
	assert_output "bob@montague.lit $FPR_B tofu -"
	assert_file_contains "$XE2E_HOME/state/retained" "$FPR_B"
	run xe2e-trustdb forget bob@montague.lit
	assert_success
	run xe2e-trustdb list
	assert_output ''
	file_lacks "$XE2E_HOME/state/retained" "$FPR_B"
	run --separate-stderr xe2e-trustdb forget bob@montague.lit
	assert_failure 1
	[[ $stderr == *"no trust entry for bob@montague.lit (not found)" ]]
}

@test "trustdb: psk set and clear; the PSK is never shown" {
	local psk
	psk=$(xe2e-keygen --psk)
	run --separate-stderr xe2e-trustdb psk set bob@montague.lit "$psk"
	assert_success
	assert_equal "$output$stderr" ''
	assert_file_permission 600 "$XE2E_HOME/psks"
	run --separate-stderr xe2e-trustdb pin bob@montague.lit "$FPR_B"
	run --separate-stderr xe2e-trustdb show bob@montague.lit
	assert_line 'psk: yes'
	refute_output --partial "${psk#xe2e-psk-}"
	run xe2e-trustdb --xml show bob@montague.lit
	assert_equal "$(xpath_of "$output" 'string(//*[local-name()="peer"]/@psk)')" yes
	run xe2e-trustdb export
	refute_output --partial 'psk'
	# from standard input, with the line end and blanks around it
	local psk2
	psk2=$(xe2e-keygen --psk)
	run --separate-stderr xe2e-trustdb psk set alice@capulet.lit <<<"  $psk2 "
	assert_success
	assert_equal "$output$stderr" ''
	# the keys stored are the ones given
	local hex1 hex2
	hex1=$(psk_hex "$psk")
	hex2=$(psk_hex "$psk2")
	assert_file_contains "$XE2E_HOME/psks" "^psk bob@montague.lit $hex1$"
	assert_file_contains "$XE2E_HOME/psks" "^psk alice@capulet.lit $hex2$"
	run xe2e-trustdb psk clear alice@capulet.lit
	assert_success
	file_lacks "$XE2E_HOME/psks" alice
	run --separate-stderr xe2e-trustdb psk clear alice@capulet.lit
	assert_failure 1
}

@test "trustdb: a mistyped PSK is refused and nothing changes" {
	local psk bad before
	psk=$(xe2e-keygen --psk)
	xe2e-trustdb psk set bob@montague.lit "$psk"
	before=$(content_digest "$XE2E_HOME")
	# one character changed: the checksum catches it
	if [ "${psk: -1}" = A ]; then bad=${psk%?}B; else bad=${psk%?}A; fi
	for arg in "$bad" "${psk%?}" "$psk"x "passphrase" "xe2e-psk-"; do
		run --separate-stderr xe2e-trustdb psk set bob@montague.lit "$arg"
		assert_failure 1
		[[ $stderr == *"not a PSK as xe2e-keygen --psk prints it"* ]] || fail "$stderr"
		[ ${#arg} -lt 20 ] || [[ $stderr != *"${arg:9}"* ]] || fail "the PSK was echoed: $stderr"
	done
	run --separate-stderr xe2e-trustdb psk set bob@montague.lit </dev/null
	assert_failure 1
	assert_equal "$(content_digest "$XE2E_HOME")" "$before"
}

@test "trustdb: reset-failures clears the SPAKE2 failure count" {
	xe2e-trustdb pin bob@montague.lit "$FPR_B"
	write_failures "bob@montague.lit 3" "alice@capulet.lit 1"
	run xe2e-trustdb show bob@montague.lit
	assert_line 'spake2-failures: 3'
	run xe2e-trustdb reset-failures bob@montague.lit
	assert_success
	run xe2e-trustdb show bob@montague.lit
	assert_line 'spake2-failures: 0'
	assert_equal "$(cat "$XE2E_HOME/state/failures")" "# xe2e spake2 failures v1
alice@capulet.lit 1"
	run xe2e-trustdb reset-failures bob@montague.lit
	assert_success
}

@test "trustdb: a broken trust file is named with its line and never written over" {
	write_trust "peer bob@montague.lit $FPR_B level=tofu flags=- first-seen=100 last-seen=200" \
		"peer alice@capulet.lit $FPR_A level=trusted flags=- first-seen=100 last-seen=200"
	local before cmd
	before=$(sha256sum <"$XE2E_HOME/trust")
	for cmd in "list" "show bob@montague.lit" "pin carol@example.org $FPR_A" \
		"verify bob@montague.lit" "revoke bob@montague.lit" "forget bob@montague.lit" \
		"export"; do
		# shellcheck disable=SC2086
		run --separate-stderr xe2e-trustdb $cmd
		assert_failure 1
		[[ $stderr == *"$XE2E_HOME/trust line 3: unknown level \"trusted\" (malformed input)" ]] ||
			fail "$cmd: $stderr"
		assert_equal "$(sha256sum <"$XE2E_HOME/trust")" "$before"
	done
	# a truncated file
	printf '%s\npeer bob@montague.lit %s level=tofu' "$TRUST_HEADER" "$FPR_B" >"$XE2E_HOME/trust"
	run --separate-stderr xe2e-trustdb pin bob@montague.lit "$FPR_B"
	assert_failure 1
	[[ $stderr == *"trust line 2: no newline at the end (truncated file?)"* ]]
	# an import is refused too
	printf "<trustdb xmlns='urn:xe2e:trustdb:1' version='1'>\n</trustdb>\n" >"$T/empty.xml"
	run --separate-stderr xe2e-trustdb import "$T/empty.xml"
	assert_failure 1
	[[ $stderr == *"trust line 2"* ]]
}

@test "trustdb: broken PSK and failure files are named and never written over" {
	mkdir -p "$XE2E_HOME/state"
	chmod 700 "$XE2E_HOME" "$XE2E_HOME/state"
	printf '# xe2e psks v1\npsk bob@montague.lit 1234\n' >"$XE2E_HOME/psks"
	chmod 600 "$XE2E_HOME/psks"
	local before
	before=$(content_digest "$XE2E_HOME")
	run --separate-stderr xe2e-trustdb psk set alice@capulet.lit "$(xe2e-keygen --psk)"
	assert_failure 1
	[[ $stderr == *"psks line 2"* ]] || fail "$stderr"
	run --separate-stderr xe2e-trustdb psk clear bob@montague.lit
	assert_failure 1
	assert_equal "$(content_digest "$XE2E_HOME")" "$before"
	# a PSK file others can read is refused
	printf '# xe2e psks v1\n' >"$XE2E_HOME/psks"
	chmod 644 "$XE2E_HOME/psks"
	run --separate-stderr xe2e-trustdb psk set alice@capulet.lit "$(xe2e-keygen --psk)"
	assert_failure 1
	[[ $stderr == *"chmod 600"* ]] || fail "$stderr"
	printf '# xe2e spake2 failures v1\nbob@montague.lit three\n' >"$XE2E_HOME/state/failures"
	before=$(sha256sum <"$XE2E_HOME/state/failures")
	run --separate-stderr xe2e-trustdb reset-failures bob@montague.lit
	assert_failure 1
	[[ $stderr == *"failures line 2: bad count \"three\""* ]] || fail "$stderr"
	assert_equal "$(sha256sum <"$XE2E_HOME/state/failures")" "$before"
}

@test "trustdb: concurrent writers lose nothing" {
	local i pids=()
	xe2e-trustdb list >/dev/null
	for i in 1 2 3 4 5 6 7 8; do
		xe2e-trustdb pin "peer$i@example.org" "$(printf '%064x' "$i")" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i"; done
	run xe2e-trustdb list
	assert_success
	assert_equal "${#lines[@]}" 8
	for i in 1 2 3 4 5 6 7 8; do
		assert_line "peer$i@example.org $(printf '%064x' "$i") pinned -"
	done
	# and concurrent changes of one store by several kinds of command
	pids=()
	for i in 1 2 3 4; do
		xe2e-trustdb verify "peer$i@example.org" &
		pids+=($!)
		xe2e-trustdb revoke "peer$((i + 4))@example.org" &
		pids+=($!)
		xe2e-trustdb psk set "peer$i@example.org" "$(xe2e-keygen --psk)" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i"; done
	run xe2e-trustdb list
	for i in 1 2 3 4; do
		assert_line "peer$i@example.org $(printf '%064x' "$i") verified -"
		assert_line "peer$((i + 4))@example.org $(printf '%064x' $((i + 4))) revoked -"
	done
	assert_equal "$(grep -c '^psk ' "$XE2E_HOME/psks")" 4
}

@test "trustdb: a script runs line by line and stops at the first failure" {
	run --separate-stderr xe2e-trustdb <<EOF
# set up two peers
pin bob@montague.lit '$FPR_B_GROUPED'
pin alice@capulet.lit $FPR_A

list
verify bob@montague.lit $FPR_A
pin carol@example.org $FPR_C
EOF
	assert_failure 3
	assert_output "bob@montague.lit $FPR_B pinned -
alice@capulet.lit $FPR_A pinned -"
	[[ $stderr == "xe2e-trustdb: line 6: verify: the identity key of bob@montague.lit changed"* ]] ||
		fail "$stderr"
	run xe2e-trustdb show carol@example.org
	assert_failure 1
	# --keep-going: every line, the first failure's status
	run --separate-stderr xe2e-trustdb --keep-going <<EOF
bogus
verify bob@montague.lit $FPR_A
pin carol@example.org $FPR_C
EOF
	assert_failure 2
	[[ $stderr == *"line 1: unknown command 'bogus'"* ]] || fail "$stderr"
	[[ $stderr == *"line 2: verify:"* ]] || fail "$stderr"
	run xe2e-trustdb show carol@example.org
	assert_success
	# a quote left open is a usage error naming its line
	run --separate-stderr xe2e-trustdb <<<"list
show 'bob"
	assert_failure 2
	[[ $stderr == *"line 2: unterminated single quote"* ]] || fail "$stderr"
	# quit ends a script
	run xe2e-trustdb <<<"quit
bogus"
	assert_success
}

@test "trustdb: a script reads a PSK from the line after psk set" {
	local psk
	psk=$(xe2e-keygen --psk)
	run --separate-stderr xe2e-trustdb <<EOF
psk set bob@montague.lit
$psk
pin bob@montague.lit $FPR_B
show bob@montague.lit
EOF
	assert_success
	assert_line 'psk: yes'
	refute_output --partial "$psk"
	assert_equal "$stderr" ''
	assert_file_contains "$XE2E_HOME/psks" "$(psk_hex "$psk")"
}

@test "trustdb: --xml output of every listing is one well-formed document" {
	write_trust "peer bob@montague.lit $FPR_B level=tofu flags=rs-reset first-seen=100 last-seen=200" \
		"device bob@montague.lit $FPR_B 0a0b0c0d $KEY_1 created=100 expires=5000" \
		"device bob@montague.lit $FPR_B 0a0b0c0e $KEY_2 created=100 expires=0" \
		"peer o.neil@example.org $FPR_A level=verified flags=- first-seen=1 last-seen=2"
	local cmd
	for cmd in list 'show bob@montague.lit' "show o.neil@example.org" 'anchor list' \
		'sessions list' export; do
		run --separate-stderr xe2e-trustdb --xml $cmd
		assert_success
		well_formed "$output" || fail "$cmd: $output"
	done
	run xe2e-trustdb --xml show bob@montague.lit
	assert_equal "$(xpath_of "$output" 'count(//*[local-name()="device"])')" 2
	assert_equal "$(xpath_of "$output" 'string(//*[local-name()="device"][1]/@expires)')" 5000
	assert_equal "$(xpath_of "$output" 'string(//*[local-name()="device"][2]/@key)')" "$KEY_2"
	assert_equal "$(xpath_of "$output" 'string(//*[local-name()="device"][1]/@retained)')" -
	run xe2e-trustdb --xml list
	assert_equal "$(xpath_of "$output" 'string(//*[local-name()="peer"][2]/@jid)')" "o.neil@example.org"
	# one element per line between the root's tags
	assert_equal "${#lines[@]}" 4
}

@test "trustdb: export and import round trip; import merges" {
	write_trust "peer bob@montague.lit $FPR_B level=verified flags=rs-reset first-seen=100 last-seen=200" \
		"device bob@montague.lit $FPR_B 0a0b0c0d $KEY_1 created=100 expires=5000" \
		"peer alice@capulet.lit $FPR_A level=revoked flags=- first-seen=1 last-seen=2"
	write_retained "rs $FPR_B 0a0b0c0d rs1=$KEY_2 rs2=- provisional=-"
	xe2e-trustdb psk set bob@montague.lit "$(xe2e-keygen --psk)"
	run --separate-stderr xe2e-trustdb export
	assert_success
	local exported=$output
	well_formed "$exported"
	printf '%s\n' "$exported" >"$T/export.xml"
	refute_output --partial "$KEY_2"
	refute_output --partial psk
	assert_equal "$(xpath_of "$exported" 'string(/*/@version)')" 1
	# into an empty store: the same trust file
	XE2E_HOME=$T/other run xe2e-trustdb import "$T/export.xml"
	assert_success
	assert_equal "$(cat "$T/other/trust")" "$(cat "$XE2E_HOME/trust")"
	assert_file_not_exists "$T/other/psks"
	# again: nothing changes
	local before
	before=$(content_digest "$T/other")
	XE2E_HOME=$T/other run xe2e-trustdb import "$T/export.xml"
	assert_success
	assert_equal "$(content_digest "$T/other")" "$before"
	# merge: a new peer, and flags and times joined
	XE2E_HOME=$T/other xe2e-trustdb pin carol@example.org "$FPR_C"
	sed -e 's/rs-reset/-/' -e "s/last-seen='200'/last-seen='300'/" "$T/export.xml" >"$T/later.xml"
	XE2E_HOME=$T/other run xe2e-trustdb import "$T/later.xml"
	assert_success
	XE2E_HOME=$T/other run xe2e-trustdb list
	assert_line "bob@montague.lit $FPR_B verified rs-reset"
	assert_line "carol@example.org $FPR_C pinned -"
	assert_file_contains "$T/other/trust" "first-seen=100 last-seen=300$"
}

@test "trustdb: import refuses conflicts and changes nothing (exit 3)" {
	write_trust "peer bob@montague.lit $FPR_B level=pinned flags=- first-seen=100 last-seen=200" \
		"device bob@montague.lit $FPR_B 0a0b0c0d $KEY_1 created=100 expires=5000"
	local before
	before=$(content_digest "$XE2E_HOME")
	export_of "peer jid='carol@example.org' identity='$FPR_C' level='tofu' flags='-' first-seen='1' last-seen='2'/" \
		"peer jid='bob@montague.lit' identity='$FPR_A' level='pinned' flags='-' first-seen='1' last-seen='2'/" \
		>"$T/other-key.xml"
	run --separate-stderr xe2e-trustdb import "$T/other-key.xml"
	assert_failure 3
	[[ $stderr == *"import refused: bob@montague.lit $FPR_A: the store holds another identity key for this JID"* ]] ||
		fail "$stderr"
	export_of "peer jid='bob@montague.lit' identity='$FPR_B' level='verified' flags='-' first-seen='1' last-seen='2'/" \
		>"$T/level.xml"
	run --separate-stderr xe2e-trustdb import "$T/level.xml"
	assert_failure 3
	[[ $stderr == *"the store has level pinned, the file verified"* ]] || fail "$stderr"
	# an older binding for a known device
	export_of "peer jid='bob@montague.lit' identity='$FPR_B' level='pinned' flags='-' first-seen='1' last-seen='2'><device id='0a0b0c0d' key='$KEY_2' created='50' expires='0'/></peer" \
		>"$T/device.xml"
	run --separate-stderr xe2e-trustdb import "$T/device.xml"
	assert_failure 3
	[[ $stderr == *"superseded"* ]] || fail "$stderr"
	assert_equal "$(content_digest "$XE2E_HOME")" "$before"
}

@test "trustdb: import refuses malformed documents with a clear error" {
	xe2e-trustdb pin bob@montague.lit "$FPR_B"
	local before doc
	before=$(content_digest "$XE2E_HOME")
	for doc in "<trustdb xmlns='urn:xe2e:trustdb:1' version='1'><peer jid='x'/>" \
		"<trustdb xmlns='urn:xe2e:other' version='1'/>" \
		"<trustdb xmlns='urn:xe2e:trustdb:1' version='2'/>" \
		"<trustdb xmlns='urn:xe2e:trustdb:1' version='1'>text</trustdb>" \
		"<trustdb xmlns='urn:xe2e:trustdb:1' version='1'><peer jid='Bob@x' identity='$FPR_A' level='tofu' flags='-' first-seen='1' last-seen='2'/></trustdb>" \
		"<trustdb xmlns='urn:xe2e:trustdb:1' version='1'><peer jid='a@b.c' identity='$FPR_A' level='tofu' flags='-' first-seen='3' last-seen='2'/></trustdb>" \
		"<trustdb xmlns='urn:xe2e:trustdb:1' version='1'><peer jid='a@b.c' identity='$FPR_A' level='tofu' flags='-' first-seen='1' last-seen='2' extra='1'/></trustdb>" \
		"<trustdb xmlns='urn:xe2e:trustdb:1' version='1'><peer jid='a@b.c' identity='${FPR_C^^}' level='tofu' flags='-' first-seen='1' last-seen='2'/></trustdb>" \
		"<trustdb xmlns='urn:xe2e:trustdb:1' version='1'><peer jid='a@b.c' identity='$FPR_A' level='tofu' flags='-' first-seen='1' last-seen='2'><device id='1' key='$KEY_1' created='1' expires='0'/></peer></trustdb>" \
		"<!DOCTYPE x><trustdb xmlns='urn:xe2e:trustdb:1' version='1'/>"; do
		printf '%s\n' "$doc" >"$T/bad.xml"
		run --separate-stderr xe2e-trustdb import "$T/bad.xml"
		assert_failure 1
		[[ $stderr == "xe2e-trustdb: import: $T/bad.xml: "* ]] || fail "$doc: $stderr"
	done
	run --separate-stderr xe2e-trustdb import "$T/missing.xml"
	assert_failure 1
	assert_equal "$(content_digest "$XE2E_HOME")" "$before"
}

@test "trustdb: output to a closed pipe or a full disk is an error" {
	xe2e-trustdb pin bob@montague.lit "$FPR_B"
	[ -w /dev/full ] || skip "no /dev/full"
	run --separate-stderr bash -c 'xe2e-trustdb list >/dev/full'
	assert_failure 1
	[[ $stderr == *"cannot write to standard output"* ]] || fail "$stderr"
}

@test "trustdb: at a terminal, an empty store says so, naming the file; a pipe gets nothing" {
	require_pty
	run script -qec 'xe2e-trustdb list' /dev/null
	assert_success
	assert_equal "${output//$'\r'/}" "xe2e-trustdb: the trust store $XE2E_HOME/trust is empty"
	run script -qec 'xe2e-trustdb sessions list' /dev/null
	assert_success
	assert_equal "${output//$'\r'/}" "xe2e-trustdb: no sessions in $XE2E_HOME/state/sessions"
	run --separate-stderr xe2e-trustdb list
	assert_equal "$output$stderr" ''
	xe2e-trustdb pin bob@montague.lit "$(printf '%064x' 7)"
	run script -qec 'xe2e-trustdb list' /dev/null
	refute_output --partial 'empty'
}
