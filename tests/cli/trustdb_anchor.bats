#!/usr/bin/env bats
# xe2e-trustdb anchors: a real CA made with openssl, chains checked against
# it, and the certificates that must be refused.

load helpers
load trustdb_helpers
load ca_helpers

setup() {
	xe2e_setup
	T=$BATS_TEST_TMPDIR
	ca_init
}

# The SHA-256 fingerprint of a certificate's key, as xe2e computes it.
key_fpr() {
	openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum |
		cut -d' ' -f1
}

# Root, intermediate, and bob's leaf; chain.pem is leaf then intermediate.
make_pki() {
	make_root root '/CN=Test Root CA/O=xe2e tests'
	make_cert inter '/CN=Test Intermediate CA' root ca_ext
	make_cert bob '/CN=Bob' inter leaf
	cat "$T/bob.pem" "$T/inter.pem" >"$T/chain.pem"
}

@test "anchor: add and list a CA made by openssl" {
	make_pki
	run --separate-stderr xe2e-trustdb anchor add "$T/root.pem"
	assert_success
	assert_equal "$output$stderr" ''
	assert_file_exists "$XE2E_HOME/anchors/root.pem"
	assert_file_permission 644 "$XE2E_HOME/anchors/root.pem"
	# The stored copy is the same certificate.
	assert_equal "$(openssl x509 -in "$XE2E_HOME/anchors/root.pem" -outform DER | sha256sum)" \
		"$(openssl x509 -in "$T/root.pem" -outform DER | sha256sum)"
	local fpr
	fpr=$(key_fpr "$T/root.pem")
	run xe2e-trustdb anchor list
	assert_success
	assert_output --regexp "^root $fpr [0-9-]{10}T[0-9:]{8}Z CN=Test Root CA, O=xe2e tests$"
	run xe2e-trustdb anchor add "$T/inter.pem" second
	assert_success
	run xe2e-trustdb --xml anchor list
	assert_success
	well_formed "$output"
	assert_equal "$(xpath_of "$output" 'count(//*[local-name()="anchor"])')" 2
	assert_equal "$(xpath_of "$output" 'string(//*[local-name()="anchor"][1]/@name)')" root
	assert_equal "$(xpath_of "$output" 'string(//*[local-name()="anchor"][1]/@identity)')" "$fpr"
	assert_equal "$(xpath_of "$output" 'string(//*[local-name()="anchor"][2]/@name)')" second
	assert_equal "$(xpath_of "$output" 'string(//*[local-name()="anchor"][2]/@subject)')" \
		'CN=Test Intermediate CA'
	local end
	end=$(date -u -d "$(openssl x509 -in "$T/root.pem" -noout -enddate | cut -d= -f2)" +%s)
	assert_equal "$(xpath_of "$output" 'string(//*[local-name()="anchor"][1]/@not-after)')" "$end"
}

@test "anchor: a good chain makes the peer anchored" {
	make_pki
	xe2e-trustdb anchor add "$T/root.pem"
	run --separate-stderr xe2e-trustdb anchor verify "$T/chain.pem"
	assert_success
	assert_line --index 0 'jid: bob@montague.lit'
	assert_line --index 2 'level: anchored'
	local fpr
	fpr=$(key_fpr "$T/bob.pem")
	run xe2e-trustdb list
	assert_output "bob@montague.lit $fpr anchored -"
	# the same again, and with the JID named: no change
	run xe2e-trustdb anchor verify "$T/chain.pem" Bob@Montague.lit
	assert_success
	run xe2e-trustdb --xml anchor verify "$T/chain.pem"
	assert_success
	well_formed "$output"
	assert_equal "$(xpath_of "$output" 'string(//*[local-name()="peer"]/@level)')" anchored
	# a tofu entry of that key is raised to anchored, known only from an
	# offline message no longer; another key for bob refuses
	write_trust "peer bob@montague.lit $fpr level=tofu flags=offline-origin first-seen=1 last-seen=2"
	run xe2e-trustdb anchor verify "$T/chain.pem"
	assert_success
	assert_file_contains "$XE2E_HOME/trust" "level=anchored flags=- "
	write_trust "peer bob@montague.lit $FPR_A level=tofu flags=- first-seen=1 last-seen=2"
	run --separate-stderr xe2e-trustdb anchor verify "$T/chain.pem"
	assert_failure 3
	[[ $stderr == *"another identity key"* ]] || fail "$stderr"
}

@test "anchor: an xmpp: URI names the JID too" {
	make_pki
	make_cert bob2 '/CN=Robert' inter leaf_uri
	cat "$T/bob2.pem" "$T/inter.pem" >"$T/chain2.pem"
	xe2e-trustdb anchor add "$T/root.pem"
	run xe2e-trustdb anchor verify "$T/chain2.pem"
	assert_success
	assert_line --index 0 'jid: bob@montague.lit'
}

@test "anchor: chains that must be refused (exit 3), and nothing changes" {
	make_pki
	xe2e-trustdb anchor add "$T/root.pem"
	# untrusted: the same names under another root
	make_root other '/CN=Test Root CA/O=xe2e tests'
	make_cert inter2 '/CN=Test Intermediate CA' other ca_ext
	make_cert bob3 '/CN=Bob' inter2 leaf
	cat "$T/bob3.pem" "$T/inter2.pem" >"$T/untrusted.pem"
	# expired leaf
	make_cert old '/CN=Bob' inter leaf 20200101000000Z 20210101000000Z
	cat "$T/old.pem" "$T/inter.pem" >"$T/expired.pem"
	# a non-CA "intermediate"
	make_cert notca '/CN=Not A CA' root not_ca
	make_cert bob4 '/CN=Bob' notca leaf
	cat "$T/bob4.pem" "$T/notca.pem" >"$T/notca-chain.pem"
	local before
	before=$(content_digest "$XE2E_HOME")
	run --separate-stderr xe2e-trustdb anchor verify "$T/untrusted.pem"
	assert_failure 3
	[[ $stderr == *"does not lead to a configured anchor"* ]] || fail "$stderr"
	run --separate-stderr xe2e-trustdb anchor verify "$T/chain.pem" alice@capulet.lit
	assert_failure 3
	[[ $stderr == *"does not name alice@capulet.lit"* ]] || fail "$stderr"
	run --separate-stderr xe2e-trustdb anchor verify "$T/expired.pem"
	assert_failure 3
	[[ $stderr == *"the leaf certificate (CN=Bob) has expired"* ]] || fail "$stderr"
	run --separate-stderr xe2e-trustdb anchor verify "$T/notca-chain.pem"
	assert_failure 3
	run --separate-stderr xe2e-trustdb anchor verify "$T/bob.pem"
	assert_failure 3
	# xe2e-keygen's self-signed certificate is no anchored identity
	XE2E_HOME=$T/bobhome make_identity bob@montague.lit
	run --separate-stderr xe2e-trustdb anchor verify "$T/bobhome/identity.crt"
	assert_failure 3
	assert_equal "$(content_digest "$XE2E_HOME")" "$before"
	run xe2e-trustdb list
	assert_output ''
}

@test "anchor: certificates that cannot be anchors are refused" {
	make_pki
	make_root rsa '/CN=RSA Root' rsa
	make_root p384 '/CN=P-384 Root' p384
	run --separate-stderr xe2e-trustdb anchor add "$T/bob.pem"
	assert_failure 3
	[[ $stderr == *"not a CA certificate"* ]] || fail "$stderr"
	run --separate-stderr xe2e-trustdb anchor add "$T/rsa.pem"
	assert_failure 1
	[[ $stderr == *"the CA's key is RSA; only P-256 keys are supported"* ]] || fail "$stderr"
	run --separate-stderr xe2e-trustdb anchor add "$T/p384.pem"
	assert_failure 1
	[[ $stderr == *"secp384r1; only P-256 keys are supported"* ]] || fail "$stderr"
	run --separate-stderr xe2e-trustdb anchor add "$T/chain.pem" two
	assert_failure 1
	[[ $stderr == *"more than one certificate"* ]] || fail "$stderr"
	echo 'not a certificate' >"$T/junk.pem"
	run --separate-stderr xe2e-trustdb anchor add "$T/junk.pem"
	assert_failure 1
	run --separate-stderr xe2e-trustdb anchor add "$T/missing.pem"
	assert_failure 1
	run --separate-stderr xe2e-trustdb anchor add "$T/root.pem" '../evil'
	assert_failure 1
	[[ $stderr == *"bad anchor name"* ]] || fail "$stderr"
	run xe2e-trustdb anchor list
	assert_output ''
	# one name, one certificate
	xe2e-trustdb anchor add "$T/root.pem"
	run --separate-stderr xe2e-trustdb anchor add "$T/inter.pem" root
	assert_failure 1
	[[ $stderr == *"anchor root exists with another certificate"* ]] || fail "$stderr"
	run --separate-stderr xe2e-trustdb anchor add "$T/root.pem" copy
	assert_failure 1
	[[ $stderr == *"already anchor root"* ]] || fail "$stderr"
}

@test "anchor: remove, and a chain without anchors" {
	make_pki
	xe2e-trustdb anchor add "$T/root.pem"
	run xe2e-trustdb anchor remove root
	assert_success
	assert_file_not_exists "$XE2E_HOME/anchors/root.pem"
	run --separate-stderr xe2e-trustdb anchor remove root
	assert_failure 1
	[[ $stderr == *"no anchor root"* ]] || fail "$stderr"
	run --separate-stderr xe2e-trustdb anchor verify "$T/chain.pem"
	assert_failure 3
	[[ $stderr == *"no X.509 anchors are configured"* ]] || fail "$stderr"
}

@test "anchor: a broken anchor file is an error naming it" {
	make_pki
	xe2e-trustdb anchor add "$T/root.pem"
	head -c 200 "$T/inter.pem" >"$XE2E_HOME/anchors/broken.pem"
	run --separate-stderr xe2e-trustdb anchor list
	assert_failure 1
	[[ $stderr == *"anchors/broken.pem"* ]] || fail "$stderr"
	run --separate-stderr xe2e-trustdb anchor verify "$T/chain.pem"
	assert_failure 1
	[[ $stderr == *"anchors/broken.pem"* ]] || fail "$stderr"
}
