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

@test "keygen x509: the man page's CA example, as written, gives a certificate that installs" {
	command -v openssl >/dev/null || skip "openssl is not installed"
	local home=$T/juliet
	mkdir -p "$home/ca/new" && cd "$home"
	# the CA of the example: its key and certificate in ca/, its database
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 \
		-keyout ca/ca.key -out ca/ca.pem -days 30 -subj /CN=Capulet-CA \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
	touch ca/index.txt && echo 1000 >ca/serial
	man_example xe2e-keygen.1 'for the example above' >ca.cnf
	grep -q '^copy_extensions = copy$' ca.cnf
	# the example's commands, in a home of the usual place (~/.local/share/xe2e)
	(
		unset XE2E_HOME
		export HOME=$home
		xe2e-keygen --jid juliet@capulet.lit >/dev/null
		set -e
		eval "$(man_example xe2e-keygen.1 'certified by a CA')"
	) >"$T/example.out" 2>&1 || { cat "$T/example.out"; false; }
	grep -q 'othername: *XmppAddr::juliet@capulet.lit' < <(openssl x509 -in juliet.pem -noout -text)
	# the one-command form too, into a second home
	run bash -c "cd '$home' && $(man_example xe2e-keygen.1 'one command signs the request' |
		sed 's/-out juliet.pem/-out juliet2.pem/')"
	assert_success
	XE2E_HOME=$T/j2 make_identity juliet@capulet.lit
	XE2E_HOME=$T/j2 xe2e-keygen --csr --output "$T/j2.csr"
	openssl x509 -req -in "$T/j2.csr" -CA ca/ca.pem -CAkey ca/ca.key -days 30 \
		-copy_extensions copy -out "$T/j2.pem" 2>/dev/null
	XE2E_HOME=$T/j2 run --separate-stderr xe2e-keygen --certificate "$T/j2.pem"
	assert_success
	# without -copy_extensions the JID is left out, and the error says why
	XE2E_HOME=$T/j3 make_identity juliet@capulet.lit
	XE2E_HOME=$T/j3 xe2e-keygen --csr --output "$T/j3.csr"
	openssl x509 -req -in "$T/j3.csr" -CA ca/ca.pem -CAkey ca/ca.key -days 30 \
		-out "$T/j3.pem" 2>/dev/null
	XE2E_HOME=$T/j3 run --separate-stderr xe2e-keygen --certificate "$T/j3.pem"
	assert_failure 1
	[[ $stderr == *"the certificate names no JID"*"-copy_extensions copy"* ]]
}
