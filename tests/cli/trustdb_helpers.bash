# Shared setup of the xe2e-trustdb tests: fixed fingerprints and keys, and
# helpers that write the store's files by hand (their formats are in
# xe2e-trustdb(1) and xe2e(7)) and check XML output.

TRUST_HEADER='# xe2e trust store v1'
FPR_A=1111111111111111111111111111111111111111111111111111111111111111
FPR_B=870889391aa40e17c44a0ca69f117fae60cc056a859afb140bcc0ef7183abf40
FPR_B_GROUPED='8708 8939 1aa4 0e17 c44a 0ca6 9f11 7fae 60cc 056a 859a fb14 0bcc 0ef7 183a bf40'
FPR_C=c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3
KEY_1=a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1
KEY_2=b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2

setup() {
	xe2e_setup
	T=$BATS_TEST_TMPDIR
}

# The data and state trees, with the modes the programs want.
make_trees() {
	mkdir -p "$XE2E_HOME/state"
	chmod 700 "$XE2E_HOME" "$XE2E_HOME/state"
}

# Writes the trust file: the header, then each argument as a line.
write_trust() {
	make_trees
	{ printf '%s\n' "$TRUST_HEADER"; printf '%s\n' "$@"; } >"$XE2E_HOME/trust"
}

# Writes the retained-secrets file (state tree, 0600).
write_retained() {
	make_trees
	{ printf '# xe2e retained secrets v1\n'; printf '%s\n' "$@"; } >"$XE2E_HOME/state/retained"
	chmod 600 "$XE2E_HOME/state/retained"
}

# Writes the SPAKE2 failure counts (state tree).
write_failures() {
	make_trees
	{ printf '# xe2e spake2 failures v1\n'; printf '%s\n' "$@"; } >"$XE2E_HOME/state/failures"
	chmod 600 "$XE2E_HOME/state/failures"
}

# An export document holding the given elements (without their < >), one a line.
export_of() {
	printf "<trustdb xmlns='urn:xe2e:trustdb:1' version='1'>\n"
	printf '<%s>\n' "$@"
	printf '</trustdb>\n'
}

# Succeeds when the text is one well-formed XML document.
well_formed() {
	xmllint --noout - <<<"$1"
}

# The value of an XPath expression over an XML text.
xpath_of() {
	xmllint --xpath "$2" - <<<"$1"
}

# The 64 hex digits of the key in a PSK's text form (its first 32 bytes).
psk_hex() {
	printf '%s' "${1#xe2e-psk-}" | basenc --base64url -d | head -c 32 | od -An -tx1 | tr -d ' \n'
}

# SHA-256 of every file under a directory but lock files (which commands
# create and never change): compare two of these to show nothing changed.
content_digest() {
	(cd "$1" && find . -type f ! -name '*.lock' -print0 | sort -z | xargs -0 -r sha256sum)
}

# Succeeds when the file has no line matching the pattern.
file_lacks() {
	! grep -q -- "$2" "$1" || fail "$1 contains $2"
}
