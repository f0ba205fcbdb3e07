# Helpers of the OpenPGP tests, on top of handshake_helpers.bash: each side
# with its own GnuPG home, keys made in the test with real gpg, nothing that
# can prompt, every gpg under a timeout. The homes live in short
# directories under /tmp (the agent's socket path has a length limit) and
# go, with their agents, at teardown.
#
#   openpgp_setup              hs_setup, and GnuPG homes $GA (Alice), $GB (Bob)
#   openpgp_teardown           stops the homes' agents and removes them
#   new_gpg_home VAR           one more home, its path in VAR
#   gpg_as HOME ARGS...        gpg in that home, batch, no passphrase
#   make_key HOME UID [ALGO [EXPIRE [USAGE]]]
#                              a new key (Ed25519, no expiry, gpg's default
#                              usage); its fingerprint on stdout
#   give_key FROM TO FPR       TO imports FROM's public key FPR
#   lsign HOME FPR             HOME's own key (made when missing) certifies
#                              FPR locally: full validity there
#   alice_openpgp [ALGO]       Alice's key (AFPR) certifies her identity key
#   cred_field HOME NAME       a line of a home's identity.openpgp

load handshake_helpers
load x509_helpers # outcome, level_of, stored, both_ok

GPG_TIMEOUT=60

# A file that needs nothing more takes these two as they are; one that
# does defines its own, which call openpgp_setup and openpgp_teardown.
setup() {
	openpgp_setup
}

teardown() {
	openpgp_teardown
}

openpgp_setup() {
	hs_setup
	GPG_HOMES=""
	new_gpg_home GA
	new_gpg_home GB
}

openpgp_teardown() {
	local h
	for h in ${GPG_HOMES:-}; do
		GNUPGHOME=$h timeout 10 gpgconf --kill gpg-agent >/dev/null 2>&1 || true
		rm -rf "$h"
	done
	xe2e_teardown
}

new_gpg_home() {
	local h
	h=$(mktemp -d /tmp/xe2e-gpg.XXXXXX)
	GPG_HOMES="$GPG_HOMES $h"
	printf -v "$1" '%s' "$h"
}

as_alice() { XE2E_HOME=$A GNUPGHOME=$GA "$@"; }
as_bob() { XE2E_HOME=$B GNUPGHOME=$GB "$@"; }

gpg_as() {
	local home=$1
	shift
	GNUPGHOME=$home timeout $GPG_TIMEOUT gpg --batch --no-tty --pinentry-mode loopback \
		--passphrase '' "$@"
}

make_key() {
	local home=$1 uid=$2 algo=${3:-ed25519} expire=${4:-never} usage=${5:-default}
	gpg_as "$home" --quick-gen-key "$uid" "$algo" "$usage" "$expire" 2>/dev/null ||
		return 1
	gpg_as "$home" --with-colons --list-keys 2>/dev/null |
		awk -F: '/^pub/ { p = 1; next } p && /^fpr/ { f = $10; p = 0 } END { print f }'
}

give_key() {
	gpg_as "$1" --export "$3" | gpg_as "$2" --import 2>/dev/null
}

lsign() {
	local home=$1
	if [ -z "$(gpg_as "$home" --with-colons --list-secret-keys 2>/dev/null)" ]; then
		make_key "$home" 'Owner <owner@example.org>' >/dev/null
	fi
	gpg_as "$home" --quick-lsign-key "$2" 2>/dev/null
}

alice_openpgp() {
	AFPR=$(make_key "$GA" 'Alice <xmpp:alice@capulet.lit>' "${1:-ed25519}")
	as_alice timeout $GPG_TIMEOUT xe2e-keygen --openpgp "$AFPR" >/dev/null 2>&1
}

cred_field() {
	sed -n "s/^$2: //p" "$1/identity.openpgp"
}
