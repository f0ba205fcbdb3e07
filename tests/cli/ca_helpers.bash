# A certificate authority run by openssl in $T/ca, for the tests that need
# real X.509 chains (anchors, CA-issued identities).
#
#   ca_init                 $T/ca: database, serial and the configuration
#                           with every extension section the tests use
#   new_key NAME [ec|p384|rsa]    $T/NAME.key
#   make_root NAME SUBJECT [KEYTYPE]
#                           a self-signed root $T/NAME.pem and its key
#   ca_sign OUT CSR ISSUER EXTENSIONS [START END]
#                           $T/OUT.pem, the request signed by ISSUER
#   make_cert NAME SUBJECT ISSUER EXTENSIONS [START END [KEYTYPE]]
#                           a key, a request and $T/NAME.pem signed by ISSUER

ca_init() {
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
organizationName = optional
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
[not_ca]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyCertSign
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
subjectAltName = otherName:1.3.6.1.5.5.7.8.5;UTF8:bob@montague.lit
[leaf_uri]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
subjectAltName = URI:xmpp:bob@montague.lit
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

new_key() {
	case ${2:-ec} in
	rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/$1.key" 2>/dev/null ;;
	p384) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$T/$1.key" ;;
	*) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/$1.key" ;;
	esac
}

make_root() {
	new_key "$1" "${3:-ec}"
	openssl req -x509 -new -key "$T/$1.key" -subj "$2" -days 3650 -sha256 \
		-config "$T/ca/ca.cnf" -extensions root -out "$T/$1.pem"
}

ca_sign() {
	openssl ca -batch -notext -config "$T/ca/ca.cnf" -cert "$T/$3.pem" -keyfile "$T/$3.key" \
		-extensions "$4" -extfile "$T/ca/ca.cnf" -startdate "${5:-20240101000000Z}" \
		-enddate "${6:-20340101000000Z}" -in "$2" -out "$T/$1.pem" 2>/dev/null
}

make_cert() {
	new_key "$1" "${7:-ec}"
	openssl req -new -key "$T/$1.key" -subj "$2" -config "$T/ca/ca.cnf" -out "$T/$1.csr"
	ca_sign "$1" "$T/$1.csr" "$3" "$4" "${5:-}" "${6:-}"
}
