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
#   set_attr NAME VALUE        the stanza on stdin with its attribute NAME
#                              set to VALUE, or removed when VALUE is "-"
#
# In a table, the last field is evaluated (eval) with its output going to
# the program's standard input; empty for no input. A row whose status is
# written "1x3" expects 3 lines, each "xe2e-PROG: ..." (a refusal per
# stanza), none of which may end in an empty reason (": ", or ": (" and
# the error's name ")"); a status 2 (usage) expects the message and the line
# "Try 'xe2e-PROG --help' for more information.". The command may set, for
# its row only, HOSTILE_ARGS (extra arguments) and HOSTILE_ENV (variables
# for env(1), such as XE2E_HOME=...), both arrays, and HOSTILE_FEED: a
# function that then writes the program's input through a FIFO while the
# program runs, and can read what the program wrote so far in $HOSTILE_OUT
# (for answers to a live handshake).
#
# Lock files are left out of the comparison: a program creates its lock
# file, empty and never renamed, the first time it takes a lock, even to
# read; it holds no state. Everything else counts, with its mode, but the
# files matching the find(1) -path pattern HOSTILE_IGNORE when a test sets
# it (and says why).

HOSTILE_TIMEOUT=${HOSTILE_TIMEOUT:-30}

# A table is a test that starts its program once for each of up to a
# hundred rows, each run under HOSTILE_TIMEOUT: on a loaded machine (both
# builds' tests at once on two processors, the sanitizer's slow starts)
# it takes minutes where another test takes seconds. Its limit as a whole,
# only there to end a test that hangs, is four times that of the others
# (reckoned once: bats reads this file in more than one process).
export HOSTILE_TEST_TIMEOUT=${HOSTILE_TEST_TIMEOUT:-$((BATS_TEST_TIMEOUT * 4))}
BATS_TEST_TIMEOUT=$HOSTILE_TEST_TIMEOUT

hostile_begin() {
	HOSTILE_HOMES=("$@")
	HOSTILE_ROWS=0
	HOSTILE_ARGS=()
	HOSTILE_ENV=()
	HOSTILE_FEED=
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
		[ -d "$h" ] || echo "$h: no directory"
	done
	find "${HOSTILE_HOMES[@]}" -type f ! -name '*.lock' ! -path "${HOSTILE_IGNORE:-/}" \
		-printf '%m %p\n' -exec sha256sum {} + 2>/dev/null | sort
}

# The digest into the variable named $1, through a file rather than a
# command substitution: a row is a dozen process starts, the most of its
# time (the program's included), and each one saved counts in a table of a
# hundred rows.
hostile_digest_of() {
	hostile_digest >"$BATS_TEST_TMPDIR/hostile.digest"
	IFS= read -r -d '' "$1" <"$BATS_TEST_TMPDIR/hostile.digest" || true
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
	local name=$1 prog=$2 status=$3 lines=$4 re=$5 l all
	local -a got
	mapfile -t got <"$HOSTILE_ERR"
	all=$(<"$HOSTILE_ERR")
	if [[ $all == *"ERROR: AddressSanitizer"* || $all == *"ERROR: LeakSanitizer"* ||
		$all == *"runtime error"* ]]; then
		hostile_fail "$name" "sanitizer report"
		return
	fi
	if [ "$status" = 2 ]; then
		if [ "${got[-1]:-}" != "Try '$prog --help' for more information." ]; then
			hostile_fail "$name" "no usage hint after the usage error"
			return
		fi
		unset 'got[-1]'
	fi
	if [ "${#got[@]}" -ne "$lines" ]; then
		hostile_fail "$name" "${#got[@]} lines on stderr, not $lines"
		return
	fi
	for l in "${got[@]}"; do
		if [[ $l != "$prog: "* ]]; then
			hostile_fail "$name" "a line on stderr without the prefix '$prog: '"
			return
		fi
		if [[ $l == *": " || $l == *": ("*")" ]]; then
			hostile_fail "$name" "a line on stderr with an empty reason: $l"
			return
		fi
	done
	if [ -n "$re" ] && ! [[ $all =~ $re ]]; then
		hostile_fail "$name" "stderr does not match /$re/"
	fi
}

# hostile_row NAME STATUS[xLINES] RE PROG ARGS... (stdin from $HOSTILE_IN)
hostile_row() {
	local name=$1 want=$2 re=$3 lines=1 st=0 before after prog in=$HOSTILE_IN feeder=
	shift 3
	prog=${1##*/}
	case $want in
	*x*) lines=${want#*x} want=${want%x*} ;;
	esac
	HOSTILE_ROWS=$((HOSTILE_ROWS + 1))
	hostile_digest_of before
	if [ -n "${HOSTILE_FEED:-}" ]; then
		in=$BATS_TEST_TMPDIR/hostile.fifo
		rm -f "$in"
		mkfifo "$in"
		: >"$HOSTILE_OUT"
		"$HOSTILE_FEED" >"$in" &
		feeder=$!
	fi
	if [ ${#HOSTILE_ENV[@]} -eq 0 ]; then
		timeout "$HOSTILE_TIMEOUT" "$@" <"$in" >"$HOSTILE_OUT" 2>"$HOSTILE_ERR" || st=$?
	else
		timeout "$HOSTILE_TIMEOUT" env "${HOSTILE_ENV[@]}" "$@" <"$in" >"$HOSTILE_OUT" \
			2>"$HOSTILE_ERR" || st=$?
	fi
	[ -z "$feeder" ] || wait "$feeder" || true
	hostile_digest_of after
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

# Trims the white space around the value of the variable named $1.
hostile_trim() {
	local -n v=$1
	[[ $v =~ ^[[:space:]]*(.*[^[:space:]])?[[:space:]]*$ ]]
	v=${BASH_REMATCH[1]}
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
		hostile_trim name
		hostile_trim want
		hostile_trim re
		HOSTILE_ARGS=()
		HOSTILE_ENV=()
		HOSTILE_FEED=
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

# splice B64 OFFSET LEN HEX: LEN bytes at OFFSET replaced by the bytes HEX.
splice() {
	local hex
	hex=$(printf '%s' "$1" | b64_hex)
	printf '%s%s%s' "${hex:0:$(($2 * 2))}" "$4" "${hex:$((($2 + $3) * 2))}" | hex_b64
}

# LINE with the content of its handshake or sealed element replaced by NEW.
with_body() {
	local new=${2//&/\\&}
	printf '%s\n' "$1" | sed -e "s|\(<handshake [^>]*>\)[^<]*\(</handshake>\)|\1$new\2|" \
		-e "s|\(<sealed xmlns='urn:xe2e:1'>\)[^<]*\(</sealed>\)|\1$new\2|"
}

# N copies of a sealed stanza LINE, each with its own made-up session tag
# (bytes 1 to 4 of the sealed message): retag N LINE
retag() {
	python3 -c '
import base64, re, sys
n, line = int(sys.argv[1]), sys.argv[2]
m = re.search(r"(<sealed xmlns=.urn:xe2e:1.>)([^<]*)(</sealed>)", line)
wire = bytearray(base64.b64decode(m.group(2)))
for i in range(n):
    wire[1:5] = (0x5eed0000 + i).to_bytes(4, "big")
    body = base64.b64encode(bytes(wire)).decode()
    print(line[:m.start(2)] + body + line[m.end(2):])
' "$1" "$2"
}

# N copies of a line.
repeat() {
	yes -- "$2" | head -n "$1"
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

# BASE with TEXT inserted before its end tag (BASE ends with </NAME>).
inside() {
	local end=${BASE##*<}
	printf '%s%s<%s\n' "${BASE%<*}" "$1" "$end"
}

# BASE with N bytes of filler in a child element, made without a long
# argument: fill_inside N
fill_inside() {
	local end=${BASE##*<}
	printf '%s<x>' "${BASE%<*}"
	head -c "$1" /dev/zero | tr '\0' a
	printf '</x><%s\n' "$end"
}

# BASE with ATTRS added to its start tag.
with_attrs() {
	printf '%s %s %s\n' "${BASE%% *}" "$1" "${BASE#* }"
}

# Rows of hostile XML around the stanza in $BASE (one line, starting with
# "<NAME " and ending with "</NAME>"), for hostile_table: each must be
# refused by the stream reader with STATUS, before anything of BASE counts.
# The same rows serve the programs that read one byte at a time so as never
# to read past their last stanza (xe2e-handshake, xe2e-verify-sas): a
# token of several MiB costs them no more than it costs the others.
hostile_xml_rows() {
	local st=$1 big=1048576 huge=4194304 attrs=20000
	cat <<ROWS
DOCTYPE before the stanza        |$st| DOCTYPE    | printf '<!DOCTYPE message>%s\n' "\$BASE"
entity declared in a DOCTYPE     |$st| DOCTYPE    | printf '<!DOCTYPE m [<!ENTITY e "x">]>%s\n' "\$BASE"
billion laughs                   |$st| DOCTYPE    | billion_laughs
external entity                  |$st| DOCTYPE    | printf '<!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><message>&x;</message>\n'
parameter entity                 |$st| DOCTYPE    | printf '<!DOCTYPE m [<!ENTITY %% p SYSTEM "http://127.0.0.1:9/x"> %%p;]><message/>\n'
processing instruction before    |$st| processing instruction | printf '<?evil x?>%s\n' "\$BASE"
processing instruction inside    |$st| processing instruction | inside '<?evil x?>'
XML declaration inside           |$st| declaration | inside "<?xml version='1.0'?>"
comment before the stanza        |$st| comment    | printf '<!-- hi -->%s\n' "\$BASE"
comment inside the stanza        |$st| comment    | inside '<!-- hi -->'
undefined entity                 |$st| undefined entity | inside '&undefined;'
character reference to NUL       |$st| invalid character | inside '&#0;'
character reference to 0x1       |$st| invalid character | inside '&#x1;'
character reference too large    |$st| invalid character | inside '&#x110000;'
nesting 65 deep below the stanza |$st| max_depth  | inside "\$(printf '<x>%.0s' {1..65})\$(printf '</x>%.0s' {1..65})"
nesting 100000 deep              |$st| max_depth  | inside "\$(printf '<x>%.0s' \$(seq 100000))"
65 attributes                    |$st| max_attrs  | with_attrs "\$(seq 0 64 | sed "s/.*/a&='v'/" | tr '\n' ' ')"
$attrs attributes                |$st| max_attrs  | with_attrs "\$(seq 1 $attrs | sed "s/.*/a&='v'/" | tr '\n' ' ')"
a stanza over 1 MiB              |$st| max_stanza_bytes | fill_inside 1100000
a stanza of 16 MiB               |$st| max_stanza_bytes | fill_inside 16777216
a stanza of 4 MiB of small elements |$st| max_stanza_bytes | printf '%s' "\${BASE%<*}"; yes '<x/>' | head -n 1048576 | tr -d '\n'
an attribute value of $big bytes, unclosed |$st| | printf "<message a='"; head -c $big /dev/zero | tr '\0' v
an attribute value of $huge bytes of '>'   |$st| max_stanza_bytes | printf "<message a='"; head -c $huge /dev/zero | tr '\0' '>'; printf "'/>\n"
an element name of $big bytes, unclosed |$st|  | printf '<'; head -c $big /dev/zero | tr '\0' n
an element name of $huge bytes |$st| max_stanza_bytes | printf '<'; head -c $huge /dev/zero | tr '\0' n; printf '/>\n'
a comment of $huge bytes         |$st| max_stanza_bytes | printf '<!--'; head -c $huge /dev/zero | tr '\0' '>'; printf -- '-->%s\n' "\$BASE"
text outside a stanza            |$st| text outside | printf 'hello%s\n' "\$BASE"
invalid UTF-8                    |$st| not well-formed | inside \$'\xff\xfe'
an overlong UTF-8 slash          |$st| not well-formed | inside \$'\xc0\xaf'
a UTF-16 surrogate in UTF-8      |$st| not well-formed | inside \$'\xed\xa0\x80'
a NUL byte                       |$st| not well-formed | printf '%s' "\${BASE%<*}"; printf 'a\\0b<%s\n' "\${BASE##*<}"
a control character              |$st| not well-formed | inside \$'\x01'
unclosed at the end of input     |$st| end of input | printf '%s' "\${BASE%<*}"
mismatched end tag               |$st| mismatched | printf '%s</wrong>\n' "\${BASE%<*}"
unbound namespace prefix         |$st| unbound prefix | inside '<p:x/>'
duplicate attribute              |$st| duplicate attribute | with_attrs "a='1' a='2'"
'<' in an attribute value        |$st| not well-formed | with_attrs "a='<'"
a lone ampersand                 |$st| not well-formed | inside 'fish & chips'
an attribute without quotes      |$st| not well-formed | with_attrs 'a=1'
a stream in the wrong namespace  |$st|            | printf "<stream:stream xmlns:stream='urn:wrong' xmlns='jabber:client'>%s\n" "\$BASE"
a stream end tag alone           |$st| mismatched | printf '</stream:stream>%s\n' "\$BASE"
ROWS
}

# B64 (which must end with '=') with a non-zero bit in the padding: the same
# bytes to a lax decoder, not canonical base64.
b64_dirty() {
	local abc=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/
	local s=${1%%=*} pad=${1#"${1%%=*}"} c i
	[ -n "$pad" ] || return 1
	c=${s: -1}
	i=${abc%%"$c"*}
	printf '%s%s%s' "${s%?}" "${abc:$((${#i} + 1)):1}" "$pad"
}

set_attr() {
	if [ "$2" = - ]; then
		sed "s/ $1='[^']*'//"
	else
		sed "s|$1='[^']*'|$1='${2//&/\\&}'|"
	fi
}
