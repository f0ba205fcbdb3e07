# People at terminals: an interactive bash per person in a pseudo-terminal
# (script(1)), typed at line by line as the README and the man pages tell a
# reader to, so that what they show is tested as written, job control,
# prompts on /dev/tty and the order of FIFO opens included.
#
#   term_start NAME DIR     a shell for NAME, started in DIR
#   term_line NAME LINE     types LINE (its trailing "  # comment" left out)
#                           and returns at once; the line's number is in
#                           $TERM_LAST
#   term_wait NAME N        waits for line N of NAME to finish; its exit
#                           status goes to $status
#   term_answer NAME TEXT ANSWER
#                           waits for one more TEXT on NAME's terminal than
#                           was answered before, then types ANSWER
#   term_stop               ends every shell (also done by teardown)
#
# NAME's terminal output is in $TERM_DIR/NAME.out. Every wait is bounded by
# TERM_TIMEOUT seconds (60).

TERM_TIMEOUT=${TERM_TIMEOUT:-60}

term_start() {
	local name=$1 dir=$2 fd
	TERM_DIR=${TERM_DIR:-$BATS_TEST_TMPDIR/terminals}
	mkdir -p "$TERM_DIR"
	mkfifo "$TERM_DIR/$name.keys"
	: >"$TERM_DIR/$name.out"
	(cd "$dir" && exec env PS1='$ ' HISTFILE=/dev/null INPUTRC=/dev/null TERM=dumb \
		timeout 600 script -qfc 'bash --norc --noprofile -i' /dev/null \
		<"$TERM_DIR/$name.keys" >"$TERM_DIR/$name.out" 2>&1) &
	eval "TERM_PID_$name=$!"
	# the shell's keyboard, held open until term_stop
	exec {fd}>"$TERM_DIR/$name.keys"
	eval "TERM_FD_$name=$fd TERM_LINES_$name=0 TERM_ANSWERED_$name=0"
	TERM_NAMES+=("$name")
}

_term_fd() {
	eval "echo \$TERM_FD_$1"
}

term_line() {
	local name=$1 line=$2 n fd sep
	fd=$(_term_fd "$name")
	eval "n=\$((TERM_LINES_$name + 1)); TERM_LINES_$name=\$n"
	line=$(sed -E 's/[[:space:]]{2,}#.*$//' <<<"$line")
	# the marker is printed with the line's status once it is done; as
	# typed (and echoed) it reads @@"N"@@, so only the output matches
	# (after a background job, "&" already ends the command)
	[[ $line == *'&' ]] && sep=' ' || sep='; '
	printf '%s%secho "@@$((%d))@@ $?"\n' "$line" "$sep" "$n" >&"$fd"
	TERM_LAST=$n
}

term_wait() {
	local name=$1 n=$2 i found
	for i in $(seq $((TERM_TIMEOUT * 10))); do
		found=$(tr -d '\r' <"$TERM_DIR/$name.out" | sed -n "s/^@@$n@@ \([0-9]*\)\$/\1/p")
		[ -n "$found" ] && { status=$found; return 0; }
		sleep 0.1
	done
	echo "line $n of $name did not finish within $TERM_TIMEOUT s; its terminal:" >&2
	tr -d '\r' <"$TERM_DIR/$name.out" >&2
	return 1
}

term_answer() {
	local name=$1 text=$2 answer=$3 want fd i
	fd=$(_term_fd "$name")
	eval "want=\$((TERM_ANSWERED_$name + 1)); TERM_ANSWERED_$name=\$want"
	for i in $(seq $((TERM_TIMEOUT * 10))); do
		if [ "$(grep -cF -- "$text" "$TERM_DIR/$name.out")" -ge "$want" ]; then
			printf '%s\n' "$answer" >&"$fd"
			return 0
		fi
		sleep 0.1
	done
	echo "no '$text' on $name's terminal within $TERM_TIMEOUT s:" >&2
	tr -d '\r' <"$TERM_DIR/$name.out" >&2
	return 1
}

term_stop() {
	local name fd pid
	for name in "${TERM_NAMES[@]}"; do
		fd=$(_term_fd "$name")
		{ printf 'exit\n' >&"$fd"; } 2>/dev/null || true
		eval "exec $fd>&-"
		eval "pid=\$TERM_PID_$name"
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	TERM_NAMES=()
}
