# Shared by the hostile_*.bats files: tables of malformed input, each row
# run through one program and checked for what xe2e(7) promises of bad
# input: the documented exit status, one diagnostic line of the form
# "xe2e-PROG: ...", no crash, no sanitizer report, and no change to the
# files of any XE2E_HOME.
#
#   load helpers
#   load seal_helpers          (alice and bob: as, full_of, msg, handshake)
#   load hostile_helpers
#
#   hostile_begin HOME...      the homes whose files must not change
#   hostile_table PROG ARGS... <<'EOF'
#   name of the row | status | regexp of the message | command making the input
#   EOF
#   hostile_end MIN            fails naming every failed row, and unless at
#                              least MIN rows ran
#
# In a table, the last field is evaluated (eval) with its output going to
# the program's standard input; empty for no input. A row whose status is
# written "1x3" expects 3 lines, each "xe2e-PROG: ..." (a refusal per
# stanza); a status 2 (usage) expects the message and the line
# "Try 'xe2e-PROG --help' for more information.". The command may set, for
# its row only, HOSTILE_ARGS (extra arguments) and HOSTILE_ENV (variables
# for env(1), such as XE2E_HOME=...), both arrays.
#
# Lock files are left out of the comparison: a program creates its lock
# file, empty and never renamed, the first time it takes a lock, even to
# read; it holds no state. Everything else counts, with its mode.

HOSTILE_TIMEOUT=${HOSTILE_TIMEOUT:-30}

hostile_begin() {
	HOSTILE_HOMES=("$@")
	HOSTILE_ROWS=0
	HOSTILE_ARGS=()
	HOSTILE_ENV=()
	HOSTILE_FAILED=$BATS_TEST_TMPDIR/hostile.failed
	HOSTILE_IN=$BATS_TEST_TMPDIR/hostile.in
	HOSTILE_OUT=$BATS_TEST_TMPDIR/hostile.out
	HOSTILE_ERR=$BATS_TEST_TMPDIR/hostile.err
	: >"$HOSTILE_FAILED"
}

# The mode, name and SHA-256 of every file under the homes.
hostile_digest() {
	local h
	for h in "${HOSTILE_HOMES[@]}"; do
		if [ ! -d "$h" ]; then
			echo "$h: no directory"
			continue
		fi
		(cd "$h" && find . -type f ! -name '*.lock' -printf '%m %p\n' | sort &&
			find . -type f ! -name '*.lock' -print0 | sort -z | xargs -0 -r sha256sum)
	done
}

# Records a failed row with what went wrong and the program's stderr.
hostile_fail() {
	{
		printf 'row "%s": %s\n' "$1" "$2"
		sed -n '1,5s/^/    stderr: /p' "$HOSTILE_ERR"
	} >>"$HOSTILE_FAILED"
}

# Checks the diagnostics of one run: LINES lines, every one prefixed with
# the program's name, the usage hint after a usage error, RE matched.
hostile_check_stderr() {
	local name=$1 prog=$2 status=$3 lines=$4 re=$5 n
	n=$(wc -l <"$HOSTILE_ERR")
	if grep -q -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' -e 'runtime error' \
		"$HOSTILE_ERR"; then
		hostile_fail "$name" "sanitizer report"
		return
	fi
	if [ "$status" = 2 ]; then
		if [ "$(tail -n 1 "$HOSTILE_ERR")" != "Try '$prog --help' for more information." ]; then
			hostile_fail "$name" "no usage hint after the usage error"
			return
		fi
		n=$((n - 1))
	fi
	if [ "$n" -ne "$lines" ]; then
		hostile_fail "$name" "$n lines on stderr, not $lines"
	elif [ "$(head -n "$n" "$HOSTILE_ERR" | grep -c -v "^$prog: ")" -ne 0 ]; then
		hostile_fail "$name" "a line on stderr without the prefix '$prog: '"
	elif [ -n "$re" ] && ! grep -q -E -e "$re" "$HOSTILE_ERR"; then
		hostile_fail "$name" "stderr does not match /$re/"
	fi
}

# hostile_row NAME STATUS[xLINES] RE PROG ARGS... (stdin from $HOSTILE_IN)
hostile_row() {
	local name=$1 want=$2 re=$3 lines=1 st=0 before after prog
	shift 3
	prog=$(basename "$1")
	case $want in
	*x*) lines=${want#*x} want=${want%x*} ;;
	esac
	HOSTILE_ROWS=$((HOSTILE_ROWS + 1))
	before=$(hostile_digest)
	timeout "$HOSTILE_TIMEOUT" env "${HOSTILE_ENV[@]}" "$@" <"$HOSTILE_IN" >"$HOSTILE_OUT" \
		2>"$HOSTILE_ERR" || st=$?
	after=$(hostile_digest)
	# HOSTILE_SHOW=1 bats ... shows what each row got.
	[ -z "${HOSTILE_SHOW:-}" ] || printf '# %-40s %s %s\n' "$name" "$st" \
		"$(head -c 300 "$HOSTILE_ERR" | head -n 1)" >&3
	if [ "$st" -ge 124 ]; then
		hostile_fail "$name" "crashed or timed out (status $st)"
		return 0
	fi
	[ "$st" = "$want" ] || hostile_fail "$name" "status $st, not $want"
	if [ "$before" != "$after" ]; then
		hostile_fail "$name" "stored state changed: $(diff <(echo "$before") <(echo "$after") |
			grep '^[<>]' | head -3 | tr '\n' ' ')"
	fi
	hostile_check_stderr "$name" "$prog" "$want" "$lines" "$re"
	return 0
}

# Trims the white space around a table field.
hostile_trim() {
	local s=$1
	s=${s#"${s%%[![:space:]]*}"}
	printf '%s' "${s%"${s##*[![:space:]]}"}"
}

# Runs every row of the table on stdin through PROG ARGS.
hostile_table() {
	local line name want re cmd
	local -a rows=()
	while IFS= read -r line; do
		case $line in '' | '#'*) continue ;; esac
		rows+=("$line")
	done
	for line in "${rows[@]}"; do
		IFS='|' read -r name want re cmd <<<"$line"
		name=$(hostile_trim "$name")
		want=$(hostile_trim "$want")
		re=$(hostile_trim "$re")
		HOSTILE_ARGS=()
		HOSTILE_ENV=()
		if ! eval "$cmd" >"$HOSTILE_IN"; then
			hostile_fail "$name" "the input could not be made: $cmd"
			continue
		fi
		hostile_row "$name" "$want" "$re" "$@" "${HOSTILE_ARGS[@]}"
	done
}

# Fails with every failed row; checks that at least MIN rows ran.
hostile_end() {
	echo "# $HOSTILE_ROWS hostile inputs" >&3
	if [ -s "$HOSTILE_FAILED" ]; then
		cat "$HOSTILE_FAILED"
		return 1
	fi
	if [ "$HOSTILE_ROWS" -lt "$1" ]; then
		echo "only $HOSTILE_ROWS rows ran, fewer than $1"
		return 1
	fi
}

# ---- making input ----

# The base64 body of the handshake or sealed element of a stanza (stdin).
body_of() {
	sed -n -e "s/.*<handshake [^>]*>\([^<]*\)<\/handshake>.*/\1/p" \
		-e "s/.*<sealed xmlns='urn:xe2e:1'>\([^<]*\)<\/sealed>.*/\1/p"
}

# The decoded body as hex.
b64_hex() {
	base64 -d | od -An -v -tx1 | tr -d ' \n'
}

hex_b64() {
	xxd -r -p | base64 -w0
}

# flip B64 OFFSET [MASK]: the base64 of the bytes with byte OFFSET xor MASK (1).
flip() {
	local hex byte
	hex=$(printf '%s' "$1" | b64_hex)
	byte=$((16#${hex:$(($2 * 2)):2} ^ ${3:-1}))
	printf '%s%02x%s' "${hex:0:$(($2 * 2))}" "$byte" "${hex:$(($2 * 2 + 2))}" | hex_b64
}

# cut B64 N: the base64 of the first N bytes (N < 0: all but the last -N).
cut_bytes() {
	local hex n=$2
	hex=$(printf '%s' "$1" | b64_hex)
	[ "$n" -ge 0 ] || n=$((${#hex} / 2 + n))
	printf '%s' "${hex:0:$((n * 2))}" | hex_b64
}

# append B64 HEX: the base64 of the bytes followed by HEX.
append_hex() {
	printf '%s%s' "$(printf '%s' "$1" | b64_hex)" "$2" | hex_b64
}

# set_byte B64 OFFSET HEXBYTE: the byte at OFFSET replaced.
set_byte() {
	local hex
	hex=$(printf '%s' "$1" | b64_hex)
	printf '%s%s%s' "${hex:0:$(($2 * 2))}" "$3" "${hex:$(($2 * 2 + 2))}" | hex_b64
}

# LINE with the content of its handshake or sealed element replaced by NEW.
with_body() {
	printf '%s\n' "$1" | sed -e "s|\(<handshake [^>]*>\)[^<]*\(</handshake>\)|\1$2\2|" \
		-e "s|\(<sealed xmlns='urn:xe2e:1'>\)[^<]*\(</sealed>\)|\1$2\2|"
}

# N copies of a line.
repeat() {
	local i
	for ((i = 0; i < $1; i++)); do
		printf '%s\n' "$2"
	done
}

# An element nested N deep around a stanza's children: nest N LINE.
nest() {
	local open close
	open=$(printf '<x>%.0s' $(seq "$1"))
	close=$(printf '</x>%.0s' $(seq "$1"))
	printf '%s\n' "$2" | sed "s|</message>|$open$close</message>|"
}

# A stanza with N extra attributes a0='' ...: many_attrs N LINE
many_attrs() {
	local attrs
	attrs=$(seq 0 $(($1 - 1)) | sed "s/.*/ a&='v'/" | tr -d '\n')
	printf '%s\n' "$2" | sed "s|^<message |<message$attrs |"
}

# A stanza padded with a text child to more than N bytes.
big_stanza() {
	local n=$1
	printf "<message to='%s' from='%s' type='chat' id='big'><body>" "$2" "$3"
	head -c "$n" /dev/zero | tr '\0' 'a'
	printf '</body></message>\n'
}

# The classic entity expansion attack, which the XMPP rules refuse outright.
billion_laughs() {
	printf '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
	printf '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
	printf '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
	printf '<message>&lol3;</message>\n'
}
