#!/usr/bin/env bats
# xe2e-keygen and certificates from a CA run by openssl: the request
# --csr writes, the chain --certificate installs, what it refuses, and the
# self-signed certificate's signature algorithm.

load helpers
load handshake_helpers
load x509_helpers

setup() {
	x509_setup
}

@test "keygen x509: the self-signed certificate and the request carry no NULL after ecdsa-with-SHA256" {
	assert_no_null_parameter "$A/identity.crt"
	run bash -c "openssl asn1parse -in '$A/identity.crt' | grep -c ':ecdsa-with-SHA256'"
	assert_output 2
	# Still a valid signature over the TBSCertificate.
	run openssl verify -check_ss_sig -partial_chain -CAfile "$A/identity.crt" "$A/identity.crt"
	assert_success
	as_alice xe2e-keygen --csr >"$T/alice.csr"
	assert_no_null_parameter "$T/alice.csr"
	run openssl req -in "$T/alice.csr" -noout -verify -text
	assert_success
	assert_output --partial 'Subject: CN = alice@capulet.lit'
	assert_output --partial 'othername: XmppAddr::alice@capulet.lit'
	assert_output --partial 'Digital Signature'
	# The request is for the identity key.
	assert_equal "$(openssl req -in "$T/alice.csr" -pubkey -noout | openssl pkey -pubin \
		-outform DER | sha256sum | cut -d' ' -f1)" \
		"$(as_alice xe2e-keygen --show | field identity | tr -d ' ')"
}

@test "keygen x509: --certificate installs the chain a CA issued for the identity key" {
	make_pki
	local before
	before=$(as_alice xe2e-keygen --show)
	run --separate-stderr as_alice xe2e-keygen --certificate "$T/alice-chain.pem"
	assert_success
	assert_equal "$output" "$before"
	[[ $stderr == "xe2e-keygen: installed the CA-issued certificate of alice@capulet.lit, valid until 2034-01-01T00:00:00Z" ]] ||
		fail "$stderr"
	assert_file_permission 644 "$A/identity.crt"
	assert_equal "$(grep -c 'BEGIN CERTIFICATE' "$A/identity.crt")" 2
	assert_equal "$(openssl x509 -in "$A/identity.crt" -noout -issuer)" \
		'issuer=CN = Test Intermediate CA'
	# The other programs load it: a prekey bundle carries the leaf.
	run as_alice xe2e-keygen --prekeys 1
	assert_success
}

@test "keygen x509: --certificate refuses what is not this identity's, and nothing changes" {
	make_pki
	as_bob xe2e-keygen --csr --output "$T/bob.csr"
	ca_sign mallory "$T/alice.csr" inter mallory
	ca_sign bobs-key "$T/bob.csr" inter alice
	ca_sign old "$T/alice.csr" inter alice 20200101000000Z 20210101000000Z
	ca_sign later "$T/alice.csr" inter alice 20330101000000Z 20340101000000Z
	for i in 1 2 3 4 5 6 7 8; do cat "$T/inter.pem"; done >"$T/nine.pem"
	cat "$T/alice-leaf.pem" >>"$T/nine.pem"
	echo 'not a certificate' >"$T/junk.pem"
	local before
	before=$(tree_digest "$A")
	hostile() {
		run --separate-stderr as_alice xe2e-keygen --certificate "$1"
		assert_failure 1
		assert_equal "$output" ''
		[[ $stderr == *"$2"* ]] || fail "$1: $stderr"
		assert_equal "$(wc -l <<<"$stderr")" 1
	}
	hostile "$T/mallory.pem" 'names mallory@capulet.lit in its id-on-xmppAddr, not alice@capulet.lit'
	hostile "$T/bobs-key.pem" 'for another key than the identity key of alice@capulet.lit'
	hostile "$T/old.pem" 'expired since 2021-01-01T00:00:00Z'
	hostile "$T/later.pem" 'not valid before 2033-01-01T00:00:00Z'
	hostile "$T/root.pem" 'names no JID'
	hostile "$T/nine.pem" 'not a valid certificate'
	hostile "$T/junk.pem" 'not a valid certificate'
	hostile "$T/missing.pem" 'cannot read'
	assert_equal "$(tree_digest "$A")" "$before"
	run --separate-stderr as_alice xe2e-keygen --certificate ''
	assert_failure 2
	run --separate-stderr as_alice xe2e-keygen --certificate "$T/alice-chain.pem" \
		--passphrase-file "$T/x"
	assert_failure 2
}
