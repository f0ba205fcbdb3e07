# A private Prosody for tests and demos that go through a real XMPP server.
#
#   load prosody            (in a bats file; or `. tests/cli/prosody.bash`)
#   prosody_require         skip (bats) or fail unless Prosody can run here
#   prosody_start DIR       start a server whose every file is under DIR
#   prosody_add_user USER PASSWORD [DOMAIN]
#   prosody_stop            stop it (and only it)
#   prosody_test_setup USER PASSWORD...
#                           a bats test's start: xe2e_setup, and a password
#                           file $T/USER.pw (mode 600) for each pair; the
#                           pids of jobs the test starts go in BG_PIDS
#   prosody_test_teardown   kills those jobs, then xe2e_teardown
#   prosody_wait_for FILE TEXT
#                           waits up to WAIT_FOR seconds (default 30) for
#                           the fixed string TEXT in FILE
#
# The server listens on 127.0.0.1 only, on a free client port, with no
# server-to-server and no HTTP; it has its own configuration file, data
# directory, log and pid file under DIR, and a self-signed certificate made
# for the test with openssl. After prosody_start these are set and exported:
#
#   XMPP_DOMAIN      xe2e.test (accounts hashed for SCRAM-SHA-256)
#   XMPP_SHA1_DOMAIN sha1.xe2e.test (accounts hashed for SCRAM-SHA-1)
#   XMPP_OTHER_DOMAIN localhost (served with the xe2e.test certificate:
#                    a certificate for another name)
#   XMPP_HOST        127.0.0.1
#   XMPP_PORT        the client port
#   XMPP_CA          the certificate, to pass to --ca
#   PROSODY_DIR      DIR; PROSODY_DATA its data directory; PROSODY_LOG
#   PROSODY_PID      the server's process id
#
# Offline storage (mod_offline) and the message archive (mod_mam, archive
# never expiring, every message archived by default) are on, in Prosody's
# "internal" storage: plain files under PROSODY_DATA that tests can grep.
# PROSODY_MODULES, set before prosody_start, names more modules to load
# ("pep" for clients that publish keys, as OMEMO does).

PROSODY_HOSTS="xe2e.test sha1.xe2e.test localhost"

_prosody_fail() {
	echo "prosody.bash: $*" >&2
	return 1
}

# Makes sure Prosody is installed: as root, installs it (ensure-deps
# --server); otherwise skips the calling bats test or file with the reason.
prosody_require() {
	local root
	root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	if ! command -v prosody >/dev/null || ! command -v prosodyctl >/dev/null; then
		if [ "$(id -u)" -eq 0 ]; then
			"$root/scripts/ensure-deps" --server >&2 ||
				_prosody_fail "cannot install Prosody" || return 1
		elif declare -F skip >/dev/null; then
			skip "Prosody is not installed (as root: scripts/ensure-deps --server)"
		else
			_prosody_fail "Prosody is not installed (as root: scripts/ensure-deps --server)"
			return 1
		fi
	fi
	command -v openssl >/dev/null || _prosody_fail "openssl is not installed"
}

# 0 when something listens on 127.0.0.1:$1.
_prosody_listening() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

_prosody_free_port() {
	local port i
	for i in $(seq 1 50); do
		port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		_prosody_listening "$port" || { echo "$port"; return 0; }
	done
	_prosody_fail "no free port found"
}

# A self-signed certificate (P-256) naming xe2e.test and sha1.xe2e.test;
# localhost is served with it too, as a certificate for another name.
_prosody_cert() {
	local dir=$1 san="DNS:xe2e.test,DNS:sha1.xe2e.test"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 \
		-keyout "$dir/certs/server.key" -out "$dir/certs/server.crt" -days 3 \
		-subj "/CN=xe2e.test" -addext "subjectAltName=$san" \
		-addext "keyUsage=critical,digitalSignature,keyCertSign" \
		>/dev/null 2>&1 || _prosody_fail "openssl could not make the certificate"
	chmod 600 "$dir/certs/server.key"
}

# PROSODY_MODULES as more entries of modules_enabled.
_prosody_more_modules() {
	local m
	for m in ${PROSODY_MODULES:-}; do
		printf ', "%s"' "$m"
	done
}

_prosody_config() {
	local dir=$1 port=$2 h hash
	cat <<EOF
-- A private Prosody for xe2e's tests: loopback only, client port only.
pidfile = "$dir/prosody.pid"
data_path = "$dir/data"
certificates = "$dir/certs"
run_as_root = true
log = { { levels = { min = "info" }, to = "file", filename = "$dir/prosody.log" } }
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
c2s_ports = { $port }
c2s_direct_tls_ports = {}
legacy_ssl_ports = {}
s2s_ports = {}
http_ports = {}
https_ports = {}
component_ports = {}
modules_enabled = { "roster", "saslauth", "tls", "disco", "ping", "mam"$(_prosody_more_modules) }
modules_disabled = { "s2s", "s2s_auth_certs" }
c2s_require_encryption = true
allow_registration = false
authentication = "internal_hashed"
storage = "internal"
archive_expires_after = "never"
default_archive_policy = true
ssl = { certificate = "$dir/certs/server.crt", key = "$dir/certs/server.key" }
EOF
	for h in $PROSODY_HOSTS; do
		hash=SHA-256
		[ "$h" = sha1.xe2e.test ] && hash=SHA-1
		cat <<EOF
VirtualHost "$h"
	password_hash = "$hash"
	ssl = { certificate = "$dir/certs/server.crt", key = "$dir/certs/server.key" }
EOF
	done
}

# prosodyctl against this server's configuration.
prosody_ctl() {
	prosodyctl --config "$PROSODY_DIR/prosody.cfg.lua" "$@"
}

# Creates an account: prosody_add_user USER PASSWORD [DOMAIN].
prosody_add_user() {
	local user=$1 password=$2 domain=${3:-$XMPP_DOMAIN}
	printf '%s\n%s\n' "$password" "$password" |
		prosody_ctl adduser "$user@$domain" >/dev/null 2>&1 ||
		_prosody_fail "cannot create $user@$domain"
}

prosody_start() {
	local dir=$1 i
	mkdir -p "$dir/data" "$dir/certs" || return 1
	dir=$(cd "$dir" && pwd)
	export PROSODY_DIR=$dir PROSODY_DATA=$dir/data PROSODY_LOG=$dir/prosody.log
	export XMPP_DOMAIN=xe2e.test XMPP_SHA1_DOMAIN=sha1.xe2e.test
	export XMPP_OTHER_DOMAIN=localhost XMPP_HOST=127.0.0.1
	export XMPP_CA=$dir/certs/server.crt
	_prosody_cert "$dir" || return 1
	XMPP_PORT=$(_prosody_free_port) || return 1
	export XMPP_PORT
	_prosody_config "$dir" "$XMPP_PORT" >"$dir/prosody.cfg.lua"
	prosody --config "$dir/prosody.cfg.lua" -F >"$dir/prosody.out" 2>&1 &
	export PROSODY_PID=$!
	for i in $(seq 1 100); do
		_prosody_listening "$XMPP_PORT" && return 0
		kill -0 "$PROSODY_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$dir/prosody.out" "$dir/prosody.log" >&2 2>/dev/null
	prosody_stop
	_prosody_fail "Prosody did not start on port $XMPP_PORT"
}

prosody_stop() {
	local i
	[ -n "${PROSODY_PID:-}" ] || return 0
	kill "$PROSODY_PID" 2>/dev/null || true
	for i in $(seq 1 50); do
		kill -0 "$PROSODY_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$PROSODY_PID" 2>/dev/null || true
	wait "$PROSODY_PID" 2>/dev/null || true
	PROSODY_PID=
	return 0
}

prosody_test_setup() {
	xe2e_setup
	while [ $# -ge 2 ]; do
		printf '%s\n' "$2" >"$T/$1.pw"
		chmod 600 "$T/$1.pw"
		shift 2
	done
	BG_PIDS=()
}

prosody_wait_for() {
	local file=$1 text=$2 limit=${WAIT_FOR:-30} i
	for i in $(seq 1 $((limit * 10))); do
		grep -qF -- "$text" "$file" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "not in $file within $limit s: $text" >&2
	cat "$file" >&2 2>/dev/null
	return 1
}

prosody_test_teardown() {
	local pid
	for pid in "${BG_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	xe2e_teardown
}
