# Shared setup of the command-line tests. In a test file:
#
#   load helpers
#
# Every test then runs this tree's programs, with its own empty XE2E_HOME,
# fast key derivation, and no passphrase or XDG variables from the
# caller's environment. A file that needs more setup defines its own
# setup() and calls xe2e_setup first.

bats_require_minimum_version 1.5.0

# The programs under test come first in PATH: those of the build that
# XE2E_BUILD names, relative to the tree (build, the default, or build-san
# for the sanitizer build), so that after `make` a file runs alone as
# `bats tests/cli/FILE.bats`, and tests/run-all picks the build.
export XE2E_BUILD=${XE2E_BUILD:-build}
xe2e_use_build() {
	local dir=${BASH_SOURCE[0]%/*} bin
	[[ $dir == /* ]] || dir=$PWD/$dir
	bin=${dir%/tests/cli}/$XE2E_BUILD/bin
	[[ $dir == */tests/cli ]] || bin=$dir/../../$XE2E_BUILD/bin
	[[ $XE2E_BUILD != /* ]] || bin=$XE2E_BUILD/bin
	[ -d "$bin" ] || return 0
	case :$PATH: in
	:"$bin":*) ;;
	*) PATH=$bin:$PATH ;;
	esac
}
xe2e_use_build

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load '/usr/lib/bats/bats-file/load'

# No test waits forever: bats ends a test that runs longer than this many
# seconds, with the processes it started, and reports it failed ("timeout").
# Its watchdog is a child of the test's shell: a test waits for the jobs it
# started by their pids, since a bare `wait` would wait for the watchdog too.
: "${BATS_TEST_TIMEOUT:=300}"

xe2e_setup() {
	T=$BATS_TEST_TMPDIR # the test's own directory, in every file
	export XE2E_HOME="$BATS_TEST_TMPDIR/home"
	# Key derivation for tests only; the default stays 600000 (xe2e-keygen(1)).
	export XE2E_KDF_ITERATIONS=1000
	unset XE2E_PASSPHRASE XDG_DATA_HOME XDG_STATE_HOME
	export LC_ALL=C
}

setup() {
	xe2e_setup
}

# The top of the source tree.
ROOT="$BATS_TEST_DIRNAME/../.."

# For the tests of a checker of the tree (tests/lint/): copies the parts
# of the tree a file names in TREE_PARTS to $T/tree, to break there on
# purpose.
copy_tree() {
	local part
	mkdir -p "$T/tree"
	for part in $TREE_PARTS; do
		cp -r "$ROOT/$part" "$T/tree/"
	done
}

# After a test that ran out of time, ends what it left running: every
# process below the test's shell (a job blocked opening a FIFO, say),
# which would otherwise keep bats' output open. A file with a teardown of
# its own calls this too.
xe2e_teardown() {
	[ -n "${BATS_TIMED_OUT:-}" ] || return 0
	_kill_descendants $$
}

_kill_descendants() {
	local child
	for child in $(pgrep -P "$1"); do
		_kill_descendants "$child"
		kill -9 "$child" 2>/dev/null || true
	done
}

teardown() {
	xe2e_teardown
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

# Skips the test, saying why, when no pseudo-terminal can be had for
# script(1) (a container without /dev/pts, say): the prompts it tests are
# read from a terminal only.
require_pty() {
	command -v script >/dev/null || skip "script(1) is not installed"
	timeout 10 script -qec true /dev/null </dev/null >/dev/null 2>&1 ||
		skip "no pseudo-terminal: script(1) cannot create one here"
}

# bounded_io SECONDS IN OUT COMMAND...: COMMAND with stdin from IN and
# stdout to OUT, both opened inside the time limit: opening a FIFO waits
# for its other end, which may never come when the other side failed.
bounded_io() {
	local secs=$1 in=$2 out=$3
	shift 3
	timeout "$secs" bash -c 'exec <"$1" >"$2" && shift 2 && exec "$@"' bounded_io "$in" "$out" "$@"
}

# The lines of the first literal example (.Bd -literal) of man page PAGE
# that comes after a line holding TEXT, with mdoc's \e as a backslash:
# man_example xe2e-keygen.1 'certified by a CA'.
man_example() {
	awk -v pat="$2" '
		index($0, pat) { found = 1 }
		found && /^\.Bd -literal/ { on = 1; next }
		on && /^\.Ed/ { exit }
		on { gsub(/\\e/, "\\"); print }' "$BATS_TEST_DIRNAME/../../man/$1"
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
