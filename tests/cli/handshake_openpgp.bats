#!/usr/bin/env bats
# The handshake's credential kind 3 through real gpg: Alice's OpenPGP key
# certifies her identity key (xe2e-keygen --openpgp); Bob's GnuPG keyring
# decides: anchored when it holds her key valid, tofu with the reason when
# not, refused (exit 3) when the credential does not verify, or when an
# anchored peer's key is no longer valid.

load helpers
load openpgp_helpers

@test "openpgp: Bob, whose keyring holds Alice's key locally signed, records her anchored" {
	alice_openpgp
	give_key "$GA" "$GB" "$AFPR"
	lsign "$GB" "$AFPR"
	pair --stats
	both_ok
	assert_equal "$(outcome a handshake)" 'XXpsk2 25519_ChaChaPoly_SHA256'
	assert_equal "$(outcome b trust)" 'anchored (first contact)'
	assert_equal "$(outcome b openpgp)" "$AFPR (valid in your keyring)"
	assert_equal "$(outcome a trust)" 'tofu (first contact)'
	assert_equal "$(level_of "$B" alice@capulet.lit)" anchored
	assert_equal "$(as_bob xe2e-trustdb show alice@capulet.lit | field openpgp)" "$AFPR"
	as_bob xe2e-trustdb --xml show alice@capulet.lit | grep -q " openpgp='$AFPR'" ||
		fail "no openpgp attribute"
	assert_equal "$(as_bob xe2e-trustdb list)" \
		"alice@capulet.lit $(as_alice xe2e-keygen --show | field identity | tr -d ' ') anchored - $AFPR"
	# Bob's keyring was only read: no signature, no key, no trust added.
	assert_equal "$(gpg_as "$GB" --with-colons --list-keys | grep -c '^pub')" 2
	echo "# first contact with an Ed25519 OpenPGP key: $(wc -c <"$T/a.out") +" \
		"$(wc -c <"$T/b.out") bytes" >&3
	# Known peers: IK, which carries no credential; Alice stays anchored.
	pair
	both_ok
	assert_equal "$(outcome a handshake)" 'IKpsk1 25519_ChaChaPoly_SHA256'
	assert_equal "$(level_of "$B" alice@capulet.lit)" anchored
}

@test "openpgp: the other way round, Alice anchors Bob, whose credential comes in step 2" {
	BFPR=$(make_key "$GB" 'Bob <xmpp:bob@montague.lit>')
	as_bob timeout $GPG_TIMEOUT xe2e-keygen --openpgp "$BFPR" >/dev/null 2>&1
	give_key "$GB" "$GA" "$BFPR"
	lsign "$GA" "$BFPR"
	pair
	both_ok
	assert_equal "$(outcome a trust)" 'anchored (first contact)'
	assert_equal "$(outcome a openpgp)" "$BFPR (valid in your keyring)"
	assert_equal "$(outcome b trust)" 'tofu (first contact)'
	assert_equal "$(as_alice xe2e-trustdb show bob@montague.lit | field openpgp)" "$BFPR"
}

@test "openpgp: without her key, or at unknown validity: tofu with the reason; signed, anchored" {
	alice_openpgp
	pair
	both_ok
	assert_equal "$(outcome b trust)" 'tofu (first contact)'
	assert_equal "$(outcome b openpgp)" "$AFPR"
	grep -qF "xe2e-handshake: warning: the OpenPGP key of alice@capulet.lit does not anchor it (its key is not in your GnuPG keyring (gpg --import it, check it, gpg --lsign-key it)): its identity key counts alone" "$T/b.err" ||
		{ show_errs; fail "no reason"; }
	assert_equal "$(as_bob xe2e-trustdb show alice@capulet.lit | field openpgp)" "$AFPR"
	# Imported, not certified: unknown validity.
	give_key "$GA" "$GB" "$AFPR"
	pair --send-credential
	both_ok
	assert_equal "$(outcome a handshake)" 'XXpsk2 25519_ChaChaPoly_SHA256'
	assert_equal "$(outcome b trust)" tofu
	grep -qF "does not anchor it (its user id xmpp:alice@capulet.lit has unknown validity in your keyring (gpg --lsign-key certifies it))" "$T/b.err" ||
		{ show_errs; fail "no reason"; }
	# Bob certifies the key: the next XX raises Alice.
	lsign "$GB" "$AFPR"
	pair --send-credential
	both_ok
	assert_equal "$(outcome b trust)" anchored
	assert_equal "$(level_of "$B" alice@capulet.lit)" anchored
}

@test "openpgp: a key of marginal validity (one marginally trusted introducer) stays tofu" {
	alice_openpgp
	local GC CFPR
	new_gpg_home GC
	CFPR=$(make_key "$GC" 'Carol <carol@example.org>')
	give_key "$GA" "$GC" "$AFPR"
	gpg_as "$GC" --quick-sign-key "$AFPR" 2>/dev/null
	give_key "$GC" "$GB" "$CFPR"
	lsign "$GB" "$CFPR"
	echo "$CFPR:4:" | gpg_as "$GB" --import-ownertrust 2>/dev/null
	give_key "$GC" "$GB" "$AFPR"
	pair
	both_ok
	assert_equal "$(outcome b trust)" 'tofu (first contact)'
	grep -qF "its user id xmpp:alice@capulet.lit has marginal validity in your keyring" \
		"$T/b.err" || { show_errs; fail "no reason"; }
	# Full trust in Carol makes her signature enough.
	echo "$CFPR:5:" | gpg_as "$GB" --import-ownertrust 2>/dev/null
	pair --send-credential
	both_ok
	assert_equal "$(outcome b trust)" anchored
}

@test "openpgp: an RSA-3072 key works as an Ed25519 one does" {
	alice_openpgp rsa3072
	give_key "$GA" "$GB" "$AFPR"
	lsign "$GB" "$AFPR"
	pair --stats
	both_ok
	assert_equal "$(outcome b trust)" 'anchored (first contact)'
	assert_equal "$(outcome b openpgp)" "$AFPR (valid in your keyring)"
	local step3
	step3=$(sed -n 2p "$T/a.out" | wc -c)
	echo "# first contact with an RSA-3072 OpenPGP key: $(wc -c <"$T/a.out") +" \
		"$(wc -c <"$T/b.out") bytes, step 3 $step3" >&3
	[ "$step3" -gt 1500 ] || fail "step 3 is $step3 bytes"
}

# Alice's identity.openpgp with the lines NAMES (created, key, signature)
# taken from the file FROM: a credential no xe2e-keygen would make.
splice() {
	local from=$1 name line
	shift
	for name in "$@"; do
		line=$(grep "^$name: " "$from")
		sed -i "s|^$name: .*|$line|" "$A/identity.openpgp"
	done
}

# Bob, a new peer, refuses Alice's credential on step 3 with status 3 and
# the reason; his store stays as it was.
refused_at_bob() {
	local before
	before=$(stored "$B" || true)
	pair
	assert_equal "$b_status" 3
	grep -qF "xe2e-handshake: handshake with alice@capulet.lit failed: the OpenPGP credential of alice@capulet.lit is refused: $1" "$T/b.err" ||
		{ show_errs; fail "no reason"; }
	assert_equal "$(wc -l <"$T/b.err")" 1
	assert_equal "$(stored "$B" || true)" "$before"
	[ "$a_status" != 0 ] || fail "Alice succeeded"
}

@test "openpgp: a signature over a statement for another JID and identity key is refused (exit 3)" {
	alice_openpgp
	gpg_as "$GA" --quick-add-uid "$AFPR" 'xmpp:carol@example.org' 2>/dev/null
	local C=$T/carol
	XE2E_HOME=$C make_identity carol@example.org
	XE2E_HOME=$C GNUPGHOME=$GA timeout $GPG_TIMEOUT xe2e-keygen --openpgp "$AFPR" \
		>/dev/null 2>&1
	give_key "$GA" "$GB" "$AFPR"
	lsign "$GB" "$AFPR"
	splice "$C/identity.openpgp" created signature
	refused_at_bob "its OpenPGP signature does not verify for this JID and identity key"
}

@test "openpgp: a signature for another identity key of the same JID is refused (exit 3)" {
	alice_openpgp
	local A2=$T/alice2
	XE2E_HOME=$A2 make_identity alice@capulet.lit
	XE2E_HOME=$A2 GNUPGHOME=$GA timeout $GPG_TIMEOUT xe2e-keygen --openpgp "$AFPR" \
		>/dev/null 2>&1
	splice "$A2/identity.openpgp" created signature
	refused_at_bob "its OpenPGP signature does not verify for this JID and identity key"
}

@test "openpgp: a signature by another key than the one sent is refused (exit 3)" {
	alice_openpgp
	local other
	other=$(make_key "$GA" 'Alice Two <xmpp:alice@capulet.lit>')
	cp "$A/identity.openpgp" "$T/first"
	as_alice timeout $GPG_TIMEOUT xe2e-keygen --openpgp "$other" >/dev/null 2>&1
	local second=$T/second
	cp "$A/identity.openpgp" "$second"
	cp "$T/first" "$A/identity.openpgp"
	splice "$second" created signature
	refused_at_bob "its OpenPGP signature does not verify for this JID and identity key"
}

@test "openpgp: a key without a user id xmpp: for the JID is refused (exit 3)" {
	alice_openpgp
	gpg_as "$GA" --quick-add-uid "$AFPR" 'Alice <alice@example.org>' 2>/dev/null
	local key
	key=$(gpg_as "$GA" --export-options export-minimal \
		--export-filter 'keep-uid=uid = Alice <alice@example.org>' --export "$AFPR!" |
		base64 -w0)
	sed -i "s|^key: .*|key: $key|" "$A/identity.openpgp"
	refused_at_bob "its OpenPGP key has no valid user id xmpp:alice@capulet.lit"
}

@test "openpgp: an expired key: a new peer stays tofu; an anchored one is refused (exit 3)" {
	AFPR=$(make_key "$GA" 'Alice <xmpp:alice@capulet.lit>' ed25519 1y)
	as_alice timeout $GPG_TIMEOUT xe2e-keygen --openpgp "$AFPR" >/dev/null 2>&1
	give_key "$GA" "$GB" "$AFPR"
	lsign "$GB" "$AFPR"
	local copy=$T/bob-fresh
	cp -a "$B" "$copy"
	pair
	both_ok
	assert_equal "$(level_of "$B" alice@capulet.lit)" anchored
	# Two years on, for Bob's GnuPG: her key has expired.
	echo 'faked-system-time 20990101T000000' >"$GB/gpg.conf"
	local before
	before=$(stored "$B" || true)
	pair --send-credential
	assert_equal "$b_status" 3
	grep -qF "the identity key of alice@capulet.lit is anchored in the trust store, but your keyring has its key expired: refused (no override for that)" "$T/b.err" ||
		{ show_errs; fail "no reason"; }
	assert_equal "$(stored "$B" || true)" "$before"
	# A Bob who never met her: tofu, with the reason.
	rm -rf "$B"
	cp -a "$copy" "$B"
	pair
	both_ok
	assert_equal "$(outcome b trust)" 'tofu (first contact)'
	grep -qF "does not anchor it (your keyring has its key expired)" "$T/b.err" ||
		{ show_errs; fail "no reason"; }
}

@test "openpgp: a revoked key: a new peer stays tofu; an anchored one is refused (exit 3)" {
	alice_openpgp
	give_key "$GA" "$GB" "$AFPR"
	lsign "$GB" "$AFPR"
	local copy=$T/bob-fresh
	cp -a "$B" "$copy"
	pair
	both_ok
	assert_equal "$(level_of "$B" alice@capulet.lit)" anchored
	# Alice revokes her key (the certificate gpg made with it); Bob learns it.
	sed 's/^:-----/-----/' "$GA/openpgp-revocs.d/$AFPR.rev" | gpg_as "$GA" --import 2>/dev/null
	give_key "$GA" "$GB" "$AFPR"
	local before
	before=$(stored "$B" || true)
	pair --send-credential
	assert_equal "$b_status" 3
	grep -qF "the identity key of alice@capulet.lit is anchored in the trust store, but your keyring has its key revoked: refused (no override for that)" "$T/b.err" ||
		{ show_errs; fail "no reason"; }
	assert_equal "$(stored "$B" || true)" "$before"
	rm -rf "$B"
	cp -a "$copy" "$B"
	pair
	both_ok
	assert_equal "$(outcome b trust)" 'tofu (first contact)'
	grep -qF "does not anchor it (your keyring has its key revoked)" "$T/b.err" ||
		{ show_errs; fail "no reason"; }
}
