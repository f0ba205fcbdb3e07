#!/usr/bin/env bats
# The handshake's credential kind 2 between Alice, whose identity key has a
# certificate from a CA run by openssl, and Bob, who has the CA as an X.509
# anchor: anchored, tofu with a warning, refused.

load helpers
load handshake_helpers
load x509_helpers

setup() {
	x509_setup
}

@test "x509: the handshake makes Alice anchored at Bob, who has the CA as anchor" {
	make_pki
	as_alice xe2e-keygen --certificate "$T/alice-chain.pem" 2>/dev/null >/dev/null
	as_bob xe2e-trustdb anchor add "$T/root.pem"
	pair --stats
	both_ok
	assert_equal "$(outcome a handshake)" 'XXpsk2 25519_ChaChaPoly_SHA256'
	assert_equal "$(outcome b trust)" 'anchored (first contact)'
	assert_equal "$(outcome b certificate)" 'leads to anchor root'
	assert_equal "$(outcome a trust)" 'tofu (first contact)'
	assert_equal "$(level_of "$B" alice@capulet.lit)" anchored
	assert_equal "$(level_of "$A" bob@montague.lit)" tofu
	assert_equal "$(as_bob xe2e-trustdb show alice@capulet.lit | field identity | tr -d ' ')" \
		"$(openssl x509 -in "$T/alice-leaf.pem" -pubkey -noout | openssl pkey -pubin \
			-outform DER | sha256sum | cut -d' ' -f1)"
	# The chain costs bytes in step 3 only: padded to 512-byte units.
	local step3
	step3=$(sed -n 2p "$T/a.out" | wc -c)
	echo "# first contact with the chain: $(wc -c <"$T/a.out") + $(wc -c <"$T/b.out") bytes," \
		"step 3 $step3" >&3
	[ "$step3" -gt 1000 ] || fail "step 3 is $step3 bytes"
	# Known peers: IK, which carries no credential; Alice stays anchored.
	pair
	both_ok
	assert_equal "$(outcome a handshake)" 'IKpsk1 25519_ChaChaPoly_SHA256'
	assert_equal "$(outcome b trust)" anchored
	assert_equal "$(level_of "$B" alice@capulet.lit)" anchored
}

@test "x509: a tofu peer is raised to anchored by --send-certificate; --trace shows the chain" {
	make_pki
	pair
	both_ok
	assert_equal "$(level_of "$B" alice@capulet.lit)" tofu
	# Without a CA-issued certificate there is nothing to send.
	run --separate-stderr as_alice xe2e-handshake --to bob@montague.lit --send-certificate \
		</dev/null
	assert_failure 1
	[[ $stderr == *"no CA-issued certificate or OpenPGP credential to send (xe2e-keygen --certificate or --openpgp makes one)"* ]] ||
		fail "$stderr"
	as_alice xe2e-keygen --certificate "$T/alice-chain.pem" 2>/dev/null >/dev/null
	as_bob xe2e-trustdb anchor add "$T/root.pem"
	pair --send-certificate --trace -- --trace
	both_ok
	assert_equal "$(outcome a handshake)" 'XXpsk2 25519_ChaChaPoly_SHA256'
	assert_equal "$(outcome b trust)" anchored
	assert_equal "$(level_of "$B" alice@capulet.lit)" anchored
	local len=$(($(openssl x509 -in "$T/alice-leaf.pem" -outform DER | wc -c) +
		$(openssl x509 -in "$T/inter.pem" -outform DER | wc -c) + 87))
	grep -q "trace: sent to bob@montague.lit/garden: step 3, .*payload [0-9]* bytes sealed: credential $len, supported 5, padding [0-9]*$" "$T/a.err" ||
		{ cat "$T/a.err"; fail "no step 3 of $len bytes of credential"; }
	grep -q "trace: received from alice@capulet.lit/balcony: step 3, .*sealed: credential ?, supported ?, padding ?; credential, supported and padding [0-9]*$" "$T/b.err" ||
		{ cat "$T/b.err"; fail "step 3 received"; }
	# A responder with it answers an IK step 1 with a retry to XX.
	as_alice xe2e-trustdb anchor add "$T/root.pem"
	as_bob xe2e-keygen --csr --output "$T/bob.csr"
	sed -i 's/UTF8:alice@capulet.lit/UTF8:bob@montague.lit/' "$T/ca/ca.cnf"
	ca_sign bob-leaf "$T/bob.csr" inter alice
	cat "$T/bob-leaf.pem" "$T/inter.pem" >"$T/bob-chain.pem"
	as_bob xe2e-keygen --certificate "$T/bob-chain.pem" 2>/dev/null >/dev/null
	pair -- --send-certificate
	both_ok
	assert_equal "$(outcome a handshake)" 'XXpsk2 25519_ChaChaPoly_SHA256, after a retry'
	assert_equal "$(outcome a trust)" anchored
	assert_equal "$(level_of "$A" bob@montague.lit)" anchored
}

@test "x509: a chain to an unknown CA counts as the key alone (tofu), with a warning" {
	make_pki
	as_alice xe2e-keygen --certificate "$T/alice-chain.pem" 2>/dev/null >/dev/null
	pair
	both_ok
	assert_equal "$(outcome b trust)" 'tofu (first contact)'
	grep -qF 'xe2e-handshake: warning: the certificate chain of alice@capulet.lit leads to no anchor (no X.509 anchors are configured (xe2e-trustdb anchor add)): its identity key counts alone' "$T/b.err" ||
		{ cat "$T/b.err"; fail "no warning"; }
	# Another root of the same name as anchor.
	make_root other '/CN=Test Root CA'
	as_bob xe2e-trustdb anchor add "$T/other.pem"
	pair --send-certificate
	both_ok
	assert_equal "$(outcome b trust)" tofu
	grep -q 'warning: the certificate chain of alice@capulet.lit leads to no anchor (.*does not lead to a configured anchor' "$T/b.err" ||
		{ cat "$T/b.err"; fail "no warning"; }
	assert_equal "$(level_of "$B" alice@capulet.lit)" tofu
}

@test "x509: an anchored peer that comes with a self-signed credential later is refused (exit 3)" {
	make_pki
	cp "$A/identity.crt" "$T/alice-self-signed.crt"
	as_alice xe2e-keygen --certificate "$T/alice-chain.pem" 2>/dev/null >/dev/null
	as_bob xe2e-trustdb anchor add "$T/root.pem"
	pair
	both_ok
	assert_equal "$(level_of "$B" alice@capulet.lit)" anchored
	# The same key, its self-signed certificate back; a new device key so
	# that Bob gets a credential (XX, after a retry).
	as_alice xe2e-keygen --certificate "$T/alice-self-signed.crt" 2>/dev/null >/dev/null
	as_alice xe2e-keygen --rotate-device >/dev/null 2>&1
	local before
	before=$(stored "$B")
	pair
	# Bob refuses on step 3, which Alice sent as the last of her handshake.
	assert_equal "$b_status" 3
	grep -qF 'the identity key of alice@capulet.lit is anchored in the trust store, but its credential carries no certificate chain or OpenPGP key: refused (no override for that)' "$T/b.err" ||
		{ show_errs; fail "no reason"; }
	assert_equal "$(wc -l <"$T/b.err")" 1
	assert_equal "$(stored "$B")" "$before"
	# A new identity key with a self-signed certificate: refused as well.
	as_alice xe2e-keygen --jid alice@capulet.lit --force >/dev/null 2>&1
	pair -- --accept-new-key
	assert_equal "$b_status" 3
	grep -q 'changed, and the old one is anchored' "$T/b.err" || { show_errs; fail; }
	assert_equal "$(stored "$B")" "$before"
	assert_equal "$(level_of "$B" alice@capulet.lit)" anchored
}

@test "x509: an expired certificate: Bob refuses his anchored peer (exit 3)" {
	local now end
	now=$(date -u +%s)
	end=$(date -u -d "@$((now + 10))" +%Y%m%d%H%M%SZ)
	make_pki 20240101000000Z "$end"
	as_alice xe2e-keygen --certificate "$T/alice-chain.pem" 2>/dev/null >/dev/null
	as_bob xe2e-trustdb anchor add "$T/root.pem"
	pair
	both_ok
	assert_equal "$(level_of "$B" alice@capulet.lit)" anchored
	while [ "$(date -u +%s)" -le $((now + 11)) ]; do sleep 1; done
	run --separate-stderr as_alice xe2e-keygen --show
	assert_success
	[[ $stderr == *"the CA-issued certificate expired on "*"install a new one with xe2e-keygen --certificate"* ]] ||
		fail "$stderr"
	local before
	before=$(stored "$B")
	pair --send-certificate
	assert_equal "$b_status" 3
	grep -q 'alice@capulet.lit is anchored in the trust store, but the leaf certificate (CN=alice@capulet.lit) has expired: refused' "$T/b.err" ||
		{ show_errs; fail "no reason"; }
	assert_equal "$(stored "$B")" "$before"
	# Installing an expired chain is refused.
	run --separate-stderr as_alice xe2e-keygen --certificate "$T/alice-chain.pem"
	assert_failure 1
	[[ $stderr == *"expired since"* ]] || fail "$stderr"
}
