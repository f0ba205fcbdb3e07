# Helpers of the X.509 tests: a CA run by openssl in $T/ca (a root, an
# intermediate, Alice's certificate), on top of handshake_helpers.bash.
#
#   x509_setup              hs_setup, and the CA's configuration
#   make_root NAME SUBJECT  a self-signed root $T/NAME.pem and its key
#   ca_sign OUT CSR ISSUER EXTENSIONS [START END]
#                           $T/OUT.pem, the request signed by ISSUER
#   make_pki [START END]    root, intermediate, $T/alice.csr from
#                           xe2e-keygen --csr, and $T/alice-chain.pem
#   outcome SIDE NAME       a line of a side's handshake outcome
#   level_of HOME JID       the JID's level in that home's trust store
#   stored HOME             what a refused handshake must leave as it was
#   both_ok                 both sides of the last pair succeeded
#   assert_no_null_parameter FILE
#                           no NULL after ecdsa-with-SHA256 in a PEM file

x509_setup() {
	hs_setup
	command -v openssl >/dev/null || skip "openssl is not installed"
	mkdir -p "$T/ca/new"
	: >"$T/ca/index.txt"
	echo 1000 >"$T/ca/serial"
	cat >"$T/ca/ca.cnf" <<EOF
[ca]
default_ca = ca_default
[ca_default]
database = $T/ca/index.txt
new_certs_dir = $T/ca/new
serial = $T/ca/serial
policy = policy_any
default_md = sha256
unique_subject = no
copy_extensions = none
[policy_any]
commonName = supplied
[req]
distinguished_name = dn
[dn]
[root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
[alice]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
subjectAltName = otherName:1.3.6.1.5.5.7.8.5;UTF8:alice@capulet.lit
[mallory]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
subjectAltName = otherName:1.3.6.1.5.5.7.8.5;UTF8:mallory@capulet.lit
EOF
}

# A self-signed root: NAME SUBJECT
make_root() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/$1.key"
	openssl req -x509 -new -key "$T/$1.key" -subj "$2" -days 3650 -sha256 \
		-config "$T/ca/ca.cnf" -extensions root -out "$T/$1.pem"
}

# Signs a request: OUT CSR ISSUER EXTENSIONS [START END]
ca_sign() {
	openssl ca -batch -notext -config "$T/ca/ca.cnf" -cert "$T/$3.pem" -keyfile "$T/$3.key" \
		-extensions "$4" -extfile "$T/ca/ca.cnf" -startdate "${5:-20240101000000Z}" \
		-enddate "${6:-20340101000000Z}" -in "$2" -out "$T/$1.pem" 2>/dev/null
}

# A root, an intermediate under it, and Alice's request signed by the
# intermediate: $T/alice-chain.pem is her certificate, then the intermediate.
make_pki() {
	make_root root '/CN=Test Root CA'
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/inter.key"
	openssl req -new -key "$T/inter.key" -subj '/CN=Test Intermediate CA' \
		-config "$T/ca/ca.cnf" -out "$T/inter.csr"
	ca_sign inter "$T/inter.csr" root ca_ext
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

