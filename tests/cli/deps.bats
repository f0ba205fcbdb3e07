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

# The paths dpkg may know a command found at PATH by (it shipped it under
# /bin or /usr/bin, one directory now; an alternative is a link to it).
command_paths() {
	local word=${1##*/}
	CPATHS=("$1" "/usr/bin/$word" "/bin/$word" "/usr/sbin/$word" "/sbin/$word")
	[ -L "$1" ] && CPATHS+=("$(readlink -f "$1")")
	return 0
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
	local word dir found path pkg missing=() words=() paths=() dirs=()
	local -A owner=() base=() pkg_of=() not_command=() found_at=()
	mapfile -t files < <(scanned_files)
	# builtins, keywords, the tests' functions and what ensure-deps installs
	for word in $(compgen -b) $(compgen -k) $(defined_functions "${files[@]}") \
		$("$ROOT/scripts/ensure-deps" --commands --server | cut -d' ' -f1); do
		not_command[$word]=1
	done
	IFS=: read -ra dirs <<<"$PATH"
	while read -r word; do
		[ -z "${not_command[$word]:-}" ] || continue
		found=
		for dir in "${dirs[@]}"; do
			[ -x "$dir/$word" ] && [ ! -d "$dir/$word" ] && { found=$dir/$word; break; }
		done
		[ -n "$found" ] && [[ $found != "$ROOT"/* ]] || continue # none, or xe2e's own
		words+=("$word")
		found_at[$word]=$found
		command_paths "$found"
		paths+=("${CPATHS[@]}")
	done < <(command_words "${files[@]}")
	# one query for every path, one for every package (each query is slow)
	while IFS= read -r line; do
		[[ $line == diversion* ]] && continue
		owner[${line#*: }]=${line%%:*}
	done < <(dpkg-query -S "${paths[@]}" 2>/dev/null)
	for word in "${words[@]}"; do
		command_paths "${found_at[$word]}"
		for path in "${CPATHS[@]}"; do
			[ -n "${owner[$path]:-}" ] && { pkg_of[$word]=${owner[$path]%%,*}; break; }
		done
	done
	while read -r pkg fields; do
		[[ $fields == yes* || $fields == *required ]] && base[$pkg]=1
	done < <(dpkg-query -W -f='${Package} ${Essential} ${Priority}\n' "${pkg_of[@]}" 2>/dev/null)
	for word in "${words[@]}"; do
		pkg=${pkg_of[$word]:-}
		[ -n "$pkg" ] && [ -n "${base[$pkg]:-}" ] && continue
		missing+=("$word (${pkg:-no package})")
	done
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
	[ -n "$(find /etc/ssl/certs -name '*.pem' 2>/dev/null | head -n 1)" ] ||
		absent+=("the system's CA certificates in /etc/ssl/certs (package ca-certificates)")
	[ ${#absent[@]} -eq 0 ] || {
		echo "missing (as root: scripts/ensure-deps --server installs them):"
		printf '  %s\n' "${absent[@]}"
		false
	}
}
