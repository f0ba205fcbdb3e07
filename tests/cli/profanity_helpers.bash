# Real Profanity clients with the xe2e plugin, under tmux, on the private
# Prosody (prosody.bash): each client has its own home, its own account
# preconfigured (no prompt), its own xe2e identity (XE2E_HOME) and the
# plugin of the build under test loaded at start.
#
#   profanity_require          skip unless Profanity, tmux and the plugin are here
#   client_start NAME          make NAME@xe2e.test (account, identity, home) and
#                              start its Profanity; waits for the plugin's "ready"
#   client_type NAME TEXT      type TEXT and Enter in NAME's window
#   client_screen NAME         NAME's screen as text, wrapped lines joined
#   client_wait NAME TEXT      wait (30 s at most) for TEXT on NAME's screen
#   client_wait_count NAME TEXT N   ... for TEXT on N of its lines
#   client_not_shown NAME TEXT fail when TEXT is on NAME's screen
#   client_stop NAME           quit NAME's Profanity
#   clients_stop               end the tmux server and every client
#
# Every client runs in one tmux server of this test file's own (a socket
# under BATS_FILE_TMPDIR); nothing waits without a bound.

PLUGIN_WAIT=30 # seconds a screen may take to show what is waited for

_tmux() {
	tmux -S "$BATS_FILE_TMPDIR/tmux" "$@"
}

# The plugin of the build under test.
plugin_path() {
	echo "$BATS_TEST_DIRNAME/../../${XE2E_BUILD:-build}/plugin/xe2e.so"
}

profanity_require() {
	command -v profanity >/dev/null ||
		skip "Profanity is not installed (as root: scripts/ensure-deps --server)"
	command -v tmux >/dev/null ||
		skip "tmux is not installed (as root: scripts/ensure-deps --server)"
	[ -f "$(plugin_path)" ] ||
		skip "no plugin in ${XE2E_BUILD:-build}/plugin (make builds it where profapi.h is)"
}

# The sanitizer build's plugin needs its runtime loaded first: Profanity
# itself is not built with it. Leaks are Profanity's to find, not ours.
_sanitizer_env() {
	[ "${XE2E_BUILD:-build}" = build-san ] || return 0
	printf 'LD_PRELOAD=%s:%s ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 ' \
		"$(cc -print-file-name=libasan.so)" "$(cc -print-file-name=libubsan.so)"
}

# The home of NAME: Profanity's configuration and data, and XE2E_HOME.
client_home() {
	echo "$BATS_TEST_TMPDIR/$1"
}

_client_files() {
	local name=$1 h
	h=$(client_home "$name")
	mkdir -p "$h/config/profanity" "$h/data/profanity/plugins"
	cp "$(plugin_path)" "$h/data/profanity/plugins/xe2e.so"
	cat >"$h/data/profanity/accounts" <<-EOF
	[$name@$XMPP_DOMAIN]
	enabled=true
	jid=$name@$XMPP_DOMAIN
	server=$XMPP_HOST
	port=$XMPP_PORT
	resource=prof
	password=$name-secret
	tls.policy=trust
	EOF
	cat >"$h/config/profanity/profrc" <<-EOF
	[plugins]
	load=xe2e.so
	[notifications]
	message=false
	EOF
	XE2E_HOME=$h/xe2e make_identity "$name@$XMPP_DOMAIN"
}

client_start() {
	local name=$1 h
	h=$(client_home "$name")
	[ -d "$h/xe2e" ] || {
		prosody_add_user "$name" "$name-secret"
		_client_files "$name"
	}
	_tmux new-session -d -s "$name" -x 240 -y 50 \
		"env $(_sanitizer_env)HOME=$h XDG_CONFIG_HOME=$h/config XDG_DATA_HOME=$h/data \
		XE2E_HOME=$h/xe2e XE2E_KDF_ITERATIONS=1000 TERM=xterm \
		profanity -a $name@$XMPP_DOMAIN -l DEBUG; sleep 600"
	client_wait "$name" "xe2e: ready"
}

client_type() {
	_tmux send-keys -t "$1" -l "$2"
	_tmux send-keys -t "$1" Enter
}

client_screen() {
	_tmux capture-pane -p -J -t "$1"
}

# Waits for the fixed string on NAME's screen; on a timeout shows the
# screen and fails.
client_wait() {
	local name=$1 text=$2 i
	for i in $(seq 1 $((PLUGIN_WAIT * 10))); do
		client_screen "$name" | grep -qF -- "$text" && return 0
		sleep 0.1
	done
	echo "not on $name's screen within $PLUGIN_WAIT s: $text" >&2
	client_screen "$name" >&2
	return 1
}

# Waits for the fixed string to be on N lines of NAME's screen.
client_wait_count() {
	local name=$1 text=$2 n=$3 i
	for i in $(seq 1 $((PLUGIN_WAIT * 10))); do
		[ "$(client_screen "$name" | grep -cF -- "$text")" -ge "$n" ] && return 0
		sleep 0.1
	done
	echo "not $n times on $name's screen within $PLUGIN_WAIT s: $text" >&2
	client_screen "$name" >&2
	return 1
}

# Fails when the fixed string is on NAME's screen.
client_not_shown() {
	if client_screen "$1" | grep -qF -- "$2"; then
		echo "on $1's screen: $2" >&2
		client_screen "$1" >&2
		return 1
	fi
}

client_stop() {
	client_type "$1" "/quit"
	_tmux kill-session -t "$1" 2>/dev/null || true
}

clients_stop() {
	_tmux kill-server 2>/dev/null || true
}

# Fails when any file the server keeps (offline messages, the archive)
# holds the text.
server_kept_none() {
	local text=$1 hits
	[ -n "$text" ] || { echo "nothing to look for" >&2; return 1; }
	hits=$(grep -rlF -- "$text" "$PROSODY_DATA" || true)
	[ -z "$hits" ] || { echo "the server kept '$text' in: $hits" >&2; return 1; }
}

# A stanza NAME's Profanity sent, from its debug log: the last one that
# holds the fixed string.
client_sent() {
	local log
	log="$(client_home "$1")/data/profanity/logs/profanity.log"
	grep -F 'SENT: ' "$log" | grep -F -- "$2" | tail -n 1 | sed 's/^.*SENT: //'
}
