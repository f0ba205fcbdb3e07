#!/usr/bin/env bats
# The handshake's credential kind 3 through real gpg: Alice's OpenPGP key
# certifies her identity key (xe2e-keygen --openpgp); Bob's GnuPG keyring
# decides: anchored when it holds her key valid, tofu with the reason when
# not, refused (exit 3) when the credential does not verify, or when an
# anchored peer's key is no longer valid.

load helpers
load openpgp_helpers

setup() {
	openpgp_setup
}

teardown() {
	openpgp_teardown
}

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
