#!/usr/bin/env bats
# The packages the tests need: every command a test or demo calls is either
# in Debian's essential set or installed by scripts/ensure-deps, and after
# ensure-deps (which `make check` runs first) each of them is there, so no
# test is skipped for a package the script could have installed.

load helpers

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

# The files whose commands count: the tests, their helpers, the demos and
# the runner.
scanned_files() {
	printf '%s\n' "$ROOT"/tests/cli/*.bats "$ROOT"/tests/cli/*.bash \
		"$ROOT"/scripts/demo "$ROOT"/scripts/demo-xmpp "$ROOT"/tests/run-all
}

# The first word of every simple command in the files given, roughly as
# the shell sees it: after a line start, a pipe, a list operator, a command
# substitution, a subshell, a group, then/do/else; past run, timeout N,
# env and assignments, exec, setsid, xargs, command -v, as USER. Comments,
# declarations and the description columns of the hostile tables
# ("what |status| pattern | command") are left out.
command_words() {
	sed -E -e 's/^[[:space:]]*#.*//' \
		-e 's/^[^|]+\|[^|]*\|[^|]*\|//' "$@" |
		sed -E -e 's/\$\(|\|\||&&|[|;`({]|^[[:space:]]*!|\bthen\b|\bdo\b|\belse\b/\n/g' |
		sed -E -e 's/^[[:space:]]+//' \
			-e '/^(local|declare|export|readonly|unset|typeset)( |$)/d' \
			-e ':a; s/^(run( --separate-stderr)?( -[0-9]+)?|timeout( -[a-z]+)* [0-9.]+[smh]?|exec|env( -[a-z]+)*|[A-Za-z_][A-Za-z0-9_]*=("[^"]*"|'"'"'[^'"'"']*'"'"'|[^ ]*)|setsid( -[a-z]+)*|xargs( -[0-9a-zA-Z]+)*|command( -v)?|nohup|!|as [a-z_$]+|time) +//; ta' |
		grep -oE '^[A-Za-z_][A-Za-z0-9_.+-]*([[:space:]]|$)' | tr -d ' \t' | sort -u
}

# The functions the tests define (a function named like a command is not
# that command).
defined_functions() {
	grep -hoE '^[[:space:]]*[A-Za-z_][A-Za-z0-9_]*\(\)' "$@" | tr -d ' \t()' | sort -u
}

# The Debian package a command on PATH comes from (empty if none):
# dpkg knows a file by the path it shipped it under, /bin or /usr/bin.
package_of() {
	local path real p
	path=$(command -v "$1") || return 0
	real=$(readlink -f "$path")
	for p in "$real" "$path" "/usr/bin/$1" "/bin/$1" "/usr/sbin/$1" "/sbin/$1"; do
		dpkg-query -S "$p" 2>/dev/null | grep -v '^diversion' | sed -n '1s/:.*//p' |
			grep . && return 0
	done
	return 0
}

# 0 when the package is in every Debian system (Essential, or of priority
# required, as debootstrap's smallest variant installs it).
in_base_system() {
	local fields
	fields=$(dpkg-query -W -f='${Essential} ${Priority}' "$1" 2>/dev/null) || return 1
	[[ $fields == yes* || $fields == *required ]]
}

@test "deps: the command scan finds commands where a test calls them" {
	local f=$BATS_TEST_TMPDIR/sample.bats
	cat >"$f" <<'EOF'
# xmllint in a comment is no call
	local file dir
	file=$(basename x)
	run --separate-stderr xxd -p "$x"
	h=$(openssl dgst | cut -d' ' -f2)
	XE2E_HOME=$A timeout 10 socat - - &&
	as bob env A=1 groff -mdoc
a hostile row |1| idle | printf '%s' x | python3 -c 1
EOF
	run command_words "$f"
	assert_success
	for w in xxd openssl cut socat groff printf python3 basename; do
		[[ " ${lines[*]} " == *" $w "* ]] || { echo "missed $w"; false; }
	done
	for w in xmllint file dir idle run timeout env as; do
		[[ " ${lines[*]} " != *" $w "* ]] || { echo "took $w"; false; }
	done
}

@test "deps: every command a test calls is essential or installed by scripts/ensure-deps" {
	command -v dpkg-query >/dev/null || skip "not a Debian system: no package database to check"
	local listed funcs word pkg missing=()
	mapfile -t files < <(scanned_files)
	listed=" $("$ROOT/scripts/ensure-deps" --commands --server | cut -d' ' -f1 | tr '\n' ' ') "
	funcs=$(defined_functions "${files[@]}")
	while read -r word; do
		grep -qxF "$word" <<<"$funcs" && continue
		[ "$(type -t "$word")" = file ] || continue # builtins, keywords, xe2e's own
		[[ $(command -v "$word") == "$ROOT"/* ]] && continue
		[[ $listed == *" $word "* ]] && continue
		pkg=$(package_of "$word")
		[ -n "$pkg" ] && in_base_system "$pkg" && continue
		missing+=("$word (${pkg:-no package})")
	done < <(command_words "${files[@]}")
	[ ${#missing[@]} -eq 0 ] || {
		echo "commands called by the tests that scripts/ensure-deps does not install:"
		printf '  %s\n' "${missing[@]}"
		false
	}
}

@test "deps: every command scripts/ensure-deps lists is installed" {
	local cmd pkg absent=()
	while read -r cmd pkg; do
		command -v "$cmd" >/dev/null || absent+=("$cmd (package $pkg)")
	done < <("$ROOT/scripts/ensure-deps" --commands --server)
	python3 -c 'import cryptography' 2>/dev/null ||
		absent+=("python3's cryptography module (package python3-cryptography)")
	[ ${#absent[@]} -eq 0 ] || {
		echo "missing (as root: scripts/ensure-deps --server installs them):"
		printf '  %s\n' "${absent[@]}"
		false
	}
}
