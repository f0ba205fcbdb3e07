# Helpers of the X.509 tests: a CA run by openssl in $T/ca (a root, an
# intermediate, Alice's certificate), on top of handshake_helpers.bash.
#
#   x509_setup              hs_setup, and the CA (ca_helpers.bash)
#   make_pki [START END]    root, intermediate, $T/alice.csr from
#                           xe2e-keygen --csr, and $T/alice-chain.pem
#   outcome SIDE NAME       a line of a side's handshake outcome
#   level_of HOME JID       the JID's level in that home's trust store
#   stored HOME             what a refused handshake must leave as it was
#   both_ok                 both sides of the last pair succeeded
#   assert_no_null_parameter FILE
#                           no NULL after ecdsa-with-SHA256 in a PEM file

load ca_helpers

x509_setup() {
	hs_setup
	ca_init
}

# A root, an intermediate under it, and Alice's request signed by the
# intermediate: $T/alice-chain.pem is her certificate, then the intermediate.
make_pki() {
	make_root root '/CN=Test Root CA'
	make_cert inter '/CN=Test Intermediate CA' root ca_ext
	as_alice xe2e-keygen --csr --output "$T/alice.csr"
	ca_sign alice-leaf "$T/alice.csr" inter alice "$@"
	cat "$T/alice-leaf.pem" "$T/inter.pem" >"$T/alice-chain.pem"
}

# The line "name: value" of a side's handshake outcome.
outcome() {
	sed -n "s/^xe2e-handshake: $2: //p" "$T/$1.err"
}

# The level of JID in a home's trust store.
level_of() {
	XE2E_HOME=$1 xe2e-trustdb show "$2" | field level
}

# What a refused handshake must leave as it was: the trust store, the
# retained secrets, the sessions (a retry makes a cookie key, which is fine).
stored() {
	(cd "$1" && cat trust state/retained 2>/dev/null | sha256sum
		ls state/sessions 2>/dev/null)
}

both_ok() {
	[ "$a_status" = 0 ] && [ "$b_status" = 0 ] || { show_errs; fail "the handshake failed"; }
}

# The "OFFSET:... OBJECT :ecdsa-with-SHA256" lines of openssl asn1parse and
# the line after each: none may be a NULL.
assert_no_null_parameter() {
	run bash -c "openssl asn1parse -in '$1' | grep -A1 ':ecdsa-with-SHA256'"
	assert_success
	[ "$(grep -c ':ecdsa-with-SHA256' <<<"$output")" -ge 1 ] || fail "no ecdsa-with-SHA256"
	refute_output --partial 'prim: NULL'
}

