# Shared setup of the command-line tests. In a test file:
#
#   load helpers
#
# Every test then runs with its own empty XE2E_HOME, fast key derivation,
# and no passphrase or XDG variables from the caller's environment. A file
# that needs more setup defines its own setup() and calls xe2e_setup first.

bats_require_minimum_version 1.5.0

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load '/usr/lib/bats/bats-file/load'

xe2e_setup() {
	export XE2E_HOME="$BATS_TEST_TMPDIR/home"
	# Key derivation for tests only; the default stays 600000 (xe2e-keygen(1)).
	export XE2E_KDF_ITERATIONS=1000
	unset XE2E_PASSPHRASE XDG_DATA_HOME XDG_STATE_HOME
	export LC_ALL=C
}

setup() {
	xe2e_setup
}

# The octal permission bits of a file ("600").
file_mode() {
	stat -c %a "$1"
}

# SHA-256 of every regular file under a directory, with names: compare two
# of these to show that nothing changed.
tree_digest() {
	(cd "$1" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum)
}

# Runs a command with no controlling terminal and stdin from /dev/null, so
# nothing can prompt: use as `run no_tty xe2e-keygen ...`.
no_tty() {
	setsid -w "$@" </dev/null
}

# A value from "name: value" lines on stdin ("identity", "device-id", ...).
field() {
	sed -n "s/^$1: //p"
}

# Makes an identity for JID in $XE2E_HOME (extra arguments go to xe2e-keygen).
make_identity() {
	local jid=$1
	shift
	xe2e-keygen --jid "$jid" "$@" >/dev/null 2>&1
}
