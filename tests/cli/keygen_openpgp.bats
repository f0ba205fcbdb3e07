#!/usr/bin/env bats
# xe2e-keygen --openpgp through real gpg: the credential it keeps (checked
# here with gpg alone, byte for byte as xe2e(7) gives the statement), the
# keys it refuses, --openpgp none, and an identity replaced by --force.

load helpers
load openpgp_helpers

# The statement of xe2e(7) KEYS, from the file's fields: lp16(context) |
# lp16(JID) | identity fingerprint | be64(created), written to FILE.
statement() {
	local jid id created
	jid=$(cred_field "$A" jid)
	id=$(cred_field "$A" identity)
	created=$(cred_field "$A" created)
	{
		printf '%04x' 23
		printf 'xe2e openpgp-binding v1' | xxd -p
		printf '%04x' "${#jid}"
		printf '%s' "$jid" | xxd -p
		printf '%s' "$id"
		printf '%016x' "$created"
	} | tr -d '\n' | xxd -r -p >"$1"
}

@test "openpgp keygen: the credential holds the statement's signature and the minimal key" {
	# future-default: Ed25519 with a Curve25519 encryption subkey.
	AFPR=$(make_key "$GA" 'Alice <xmpp:alice@capulet.lit>' future-default)
	gpg_as "$GA" --quick-add-uid "$AFPR" 'Alice <alice@example.org>' 2>/dev/null
	run --separate-stderr as_alice timeout $GPG_TIMEOUT xe2e-keygen --openpgp "$AFPR"
	assert_success
	assert_equal "$stderr" "xe2e-keygen: the identity key of alice@capulet.lit is certified by the OpenPGP key $AFPR"
	assert_equal "$(field openpgp <<<"$output")" "$AFPR"
	assert_equal "$(file_mode "$A/identity.openpgp")" 644
	assert_equal "$(as_alice xe2e-keygen --show | field openpgp)" "$AFPR"
	assert_equal "$(cred_field "$A" jid)" alice@capulet.lit
	assert_equal "$(cred_field "$A" identity)" \
		"$(as_alice xe2e-keygen --show | field identity | tr -d ' ')"
	assert_equal "$(cred_field "$A" openpgp)" "$AFPR"
	# The key: the primary key, the one xmpp: user id and its self-signature,
	# no encryption subkey, no other user id.
	cred_field "$A" key | base64 -d >"$T/key.gpg"
	gpg_as "$GA" --list-packets "$T/key.gpg" >"$T/packets"
	assert_equal "$(grep -c '^:public key packet:' "$T/packets")" 1
	assert_equal "$(grep -c '^:public sub key packet:' "$T/packets")" 0
	assert_equal "$(grep '^:user ID packet:' "$T/packets")" \
		':user ID packet: "Alice <xmpp:alice@capulet.lit>"'
	assert_equal "$(grep -c '^:signature packet:' "$T/packets")" 1
	# The signature: over the statement as xe2e(7) spells it, by that key,
	# checked by gpg alone in a home of its own.
	local GV
	new_gpg_home GV
	gpg_as "$GV" --import "$T/key.gpg" 2>/dev/null
	statement "$T/statement"
	cred_field "$A" signature | base64 -d >"$T/statement.sig"
	run gpg_as "$GV" --status-fd 1 --verify "$T/statement.sig" "$T/statement"
	assert_success
	assert_line --partial "[GNUPG:] VALIDSIG $AFPR"
	# A statement one byte off does not verify.
	printf 'x' >>"$T/statement"
	run gpg_as "$GV" --verify "$T/statement.sig" "$T/statement"
	assert_failure
}

@test "openpgp keygen: --openpgp none goes back to the bare key; without one it is an error" {
	alice_openpgp
	run --separate-stderr as_alice xe2e-keygen --openpgp none
	assert_success
	assert_equal "$stderr" 'xe2e-keygen: removed the OpenPGP credential of alice@capulet.lit'
	refute_output --partial openpgp
	assert_file_not_exists "$A/identity.openpgp"
	run --separate-stderr as_alice xe2e-keygen --openpgp none
	assert_failure 1
	[[ $stderr == *"the identity of alice@capulet.lit has no OpenPGP credential"* ]] ||
		fail "$stderr"
}

# Refused with status 1 and the message; no credential is kept.
refused() {
	local before
	before=$(tree_digest "$A")
	run --separate-stderr as_alice timeout $GPG_TIMEOUT xe2e-keygen --openpgp "$1"
	assert_failure 1
	[[ $stderr == "xe2e-keygen: cannot make the OpenPGP credential: $2"* ]] || fail "$stderr"
	assert_equal "$(tree_digest "$A")" "$before"
}

@test "openpgp keygen: keys that cannot certify the identity are refused, each with a reason" {
	refused 0123456789ABCDEF0123456789ABCDEF01234567 \
		"no secret OpenPGP key 0123456789ABCDEF0123456789ABCDEF01234567 in your GnuPG keyring"
	local plain other
	plain=$(make_key "$GA" 'Alice <alice@example.org>')
	refused "$plain" "the OpenPGP key $plain has no valid user id naming xmpp:alice@capulet.lit (gpg --quick-add-uid $plain 'Name <xmpp:alice@capulet.lit>' adds one)"
	other=$(make_key "$GA" 'Alice <xmpp:alice@montague.lit>')
	refused "$other" "the OpenPGP key $other has no valid user id naming xmpp:alice@capulet.lit"
	# Certify-only: no key that can sign.
	local certonly
	certonly=$(make_key "$GA" 'Only <xmpp:alice@capulet.lit>' ed25519 never cert)
	refused "$certonly" "the OpenPGP key $certonly cannot sign"
	# Two keys answer to the user id.
	make_key "$GA" 'Alice <xmpp:alice@capulet.lit>' >/dev/null
	refused 'xmpp:alice@capulet.lit' "xmpp:alice@capulet.lit names more than one OpenPGP key: give its fingerprint"
}

@test "openpgp keygen: an expired or a revoked key is refused" {
	local expiring revoked
	expiring=$(make_key "$GA" 'Alice <xmpp:alice@capulet.lit>' ed25519 1y)
	revoked=$(make_key "$GA" 'Alice R <xmpp:alice@capulet.lit>')
	sed 's/^:-----/-----/' "$GA/openpgp-revocs.d/$revoked.rev" | gpg_as "$GA" --import 2>/dev/null
	refused "$revoked" "the OpenPGP key $revoked is revoked"
	echo 'faked-system-time 20990101T000000' >"$GA/gpg.conf"
	refused "$expiring" "the OpenPGP key $expiring expired"
}

@test "openpgp keygen: a new identity (--force) drops the old one's credential; a stale file is refused" {
	alice_openpgp
	cp "$A/identity.openpgp" "$T/old.openpgp"
	as_alice xe2e-keygen --jid alice@capulet.lit --force >/dev/null 2>&1
	assert_file_not_exists "$A/identity.openpgp"
	# The old identity's file put back: it names another identity key.
	cp "$T/old.openpgp" "$A/identity.openpgp"
	run --separate-stderr as_alice xe2e-keygen --show
	assert_failure 1
	[[ $stderr == *"identity.openpgp is for another identity than alice@capulet.lit (xe2e-keygen --openpgp makes it again, --openpgp none removes it)"* ]] ||
		fail "$stderr"
	run --separate-stderr as_alice xe2e-handshake --to bob@montague.lit </dev/null
	assert_failure 1
	as_alice xe2e-keygen --openpgp none >/dev/null 2>&1 || true
}

@test "openpgp keygen: a damaged identity.openpgp is a clear error, never a credential" {
	alice_openpgp
	local good
	good=$(cat "$A/identity.openpgp")
	# A key longer than a credential holds (6144 bytes).
	sed -i "s|^key: .*|key: $(head -c 6145 /dev/zero | base64 -w0)|" "$A/identity.openpgp"
	run --separate-stderr as_alice xe2e-keygen --show
	assert_failure 1
	[[ $stderr == *"identity.openpgp line 6: not base64 of 1 to 6144 bytes"* ]] || fail "$stderr"
	# Cut short.
	printf '%s\n' "$good" | head -n 6 >"$A/identity.openpgp"
	run --separate-stderr as_alice xe2e-keygen --show
	assert_failure 1
	[[ $stderr == *"identity.openpgp line 7: missing or without newline (truncated file?)"* ]] ||
		fail "$stderr"
}

@test "openpgp keygen: usage errors" {
	run --separate-stderr xe2e-keygen --openpgp ''
	assert_failure 2
	run --separate-stderr xe2e-keygen --openpgp none --passphrase
	assert_failure 2
	run --separate-stderr xe2e-keygen --openpgp none --show
	assert_failure 2
}
