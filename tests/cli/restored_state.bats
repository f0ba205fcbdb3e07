#!/usr/bin/env bats
# Restored state (xe2e(7) SESSIONS, "Restored state"), with real files: a
# session file restored through a hard link is refused on both sides; a
# whole state tree rewound as a snapshot does is not detected, but the
# sender's two stanzas at the same chain position share no keystream, and
# the receiver opens again what it had opened, as xe2e(7) says.

load helpers
load seal_helpers
load restore_helpers

setup() {
	seal_setup
}

# The parts of the ratchet message of a sealed stanza on stdin, in hex:
# "HEADER S CIPHERTEXT" (s: the 6 bytes after the header).
message_parts() {
	sealed_b64 | base64 -d | python3 -c '
import sys
m = sys.stdin.buffer.read()
def varint(i):
    while m[i] & 0x80:
        i += 1
    return i + 1
i = 5
for _ in range(4):
    i = varint(i)
if m[0] & 1:
    i += 32
if m[0] & 2:
    i = varint(i)
print(m[:i].hex(), m[i:i + 6].hex(), m[i + 6:].hex())'
}

# The first N bytes of the XOR of two hex strings, in hex.
xor_hex() {
	python3 -c 'import sys; a, b, n = bytes.fromhex(sys.argv[1]), bytes.fromhex(sys.argv[2]), int(sys.argv[3]); print(bytes(x ^ y for x, y in zip(a[:n], b[:n])).hex())' "$@"
}

# Moves WHO's session file to a new inode that is still the live file (as
# if a write had replaced it), keeping the old inode as "$T/backup" with
# its own identity: the state a hard-link backup taken during a write
# leaves, which neither its link count nor its identity gives away.
link_during_write() {
	local f
	f=$(session_file "$1")
	ln "$f" "$T/backup"
	cp -p "$f" "$f.new"
	session_rehome "$f.new"
	mv "$f.new" "$f"
}

@test "restored: the hard-link attack on the sender is refused, and nothing is sealed" {
	local f before
	f=$(session_file alice)
	msg alice bob m0 first | xseal alice >"$T/first.xml"
	ln "$f" "$T/backup"
	before=$(tree_digest "$A")
	run --separate-stderr xseal alice < <(msg alice bob m1 'ATTACK AT DAWN, secret plan A')
	assert_failure 1
	assert_equal "$output" ''
	[[ $stderr == *"cannot seal <message>: stale session: $f has 2 links"* ]]
	[[ $stderr == *"run a new handshake"* ]]
	assert_equal "$(tree_digest "$A")" "$before"
	# Moved back, the link is the same file: still refused.
	mv "$T/backup" "$f" 2>/dev/null || true
	run xseal alice < <(msg alice bob m1 'retreat at noon, secret plan B')
	assert_failure 1
	# Without the other link it is the live file again.
	rm -f "$T/backup"
	msg alice bob m1 'ATTACK AT DAWN, secret plan A' | xseal alice >"$T/m1.xml"
	cat "$T/first.xml" "$T/m1.xml" | xopen bob >"$T/out"
	assert_equal "$(wc -l <"$T/out")" 2
}

@test "restored: a backup linked during a write and moved back is refused by the sender" {
	local f
	f=$(session_file alice)
	msg alice bob m0 first | xseal alice >"$T/first.xml"
	link_during_write alice
	# The live file moves on; the backup keeps the old state.
	msg alice bob m1 'ATTACK AT DAWN, secret plan A' | xseal alice >"$T/m1.xml"
	mv "$T/backup" "$f"
	run --separate-stderr xseal alice < <(msg alice bob m2 'retreat at noon, secret plan B')
	assert_failure 1
	assert_equal "$output" ''
	[[ $stderr == *"stale session: run a new handshake ($f was restored: it holds commit "*", commit "*" was written since)"* ]]
}

@test "restored: the hard-link attack on the receiver is refused; the stanza opens once" {
	local f before
	f=$(session_file bob)
	msgs alice bob 2 | xseal alice >"$T/m.xml"
	ln "$f" "$T/backup"
	before=$(tree_digest "$B")
	run --separate-stderr xopen bob < <(sed -n 1p "$T/m.xml")
	assert_failure 1
	assert_equal "$output" ''
	[[ $stderr == *"<message id='m1'> from $ALICE_FULL not opened: stale session: "*"has 2 links"*"run a new handshake"* ]]
	assert_equal "$(tree_digest "$B")" "$before"
	rm "$T/backup"
	run xopen bob < <(sed -n 1p "$T/m.xml")
	assert_success
	assert_output "$(msgs alice bob 1)"
	run xopen bob < <(sed -n 1p "$T/m.xml")
	assert_failure 4
}

@test "restored: a backup linked during a write and moved back is refused by the receiver" {
	local f
	f=$(session_file bob)
	msgs alice bob 2 | xseal alice >"$T/m.xml"
	link_during_write bob
	run xopen bob < <(sed -n 1p "$T/m.xml")
	assert_success
	mv "$T/backup" "$f"
	# The restored file would open the stanza again: refused instead.
	run --separate-stderr xopen bob < <(sed -n 1p "$T/m.xml")
	assert_failure 1
	assert_equal "$output" ''
	[[ $stderr == *"<message id='m1'> from $ALICE_FULL not opened: stale session: "*"run a new handshake ($f was restored: it holds commit 1, commit 2 was written since)" ]]
}

@test "restored: a whole tree rewound on the sender: the same position, no shared keystream" {
	local w1 w2 h1 h2 s1 s2 c1 c2
	msg alice bob m0 first | xseal alice >"$T/first.xml"
	cp -a "$A" "$T/snap"
	msg alice bob m1 'secret plan A: attack at dawn' | xseal alice >"$T/w1.xml"
	tree_rollback "$T/snap" "$A"
	# Not detected: the state is what it was, lock files included.
	run xseal alice < <(msg alice bob m1 'secret plan B: retreat at noon')
	assert_success
	printf '%s\n' "$output" >"$T/w2.xml"
	read -r h1 s1 c1 < <(message_parts <"$T/w1.xml")
	read -r h2 s2 c2 < <(message_parts <"$T/w2.xml")
	# The same chain position (header), another s.
	assert_equal "$h2" "$h1"
	[ "$s1" != "$s2" ]
	# The frames begin alike ("<message><body>secret plan "): under a
	# shared keystream the ciphertexts would too.
	[ "${#c1}" = "${#c2}" ]
	[ "$(xor_hex "$c1" "$c2" 12)" != "000000000000000000000000" ]
	# The receiver opens the first and refuses the second as a replay.
	run xopen bob < <(cat "$T/first.xml" "$T/w1.xml")
	assert_success
	assert_line --index 1 --partial 'attack at dawn'
	run xopen bob <"$T/w2.xml"
	assert_failure 4
}

@test "restored: a whole tree rewound on the receiver opens an opened stanza again" {
	msgs alice bob 2 | xseal alice >"$T/m.xml"
	cp -a "$B" "$T/snap"
	run xopen bob < <(sed -n 1p "$T/m.xml")
	assert_success
	assert_output "$(msgs alice bob 1)"
	run xopen bob < <(sed -n 1p "$T/m.xml")
	assert_failure 4
	tree_rollback "$T/snap" "$B"
	# As xe2e(7) says: a replay of a stanza opened before the snapshot's
	# time is accepted again.
	run xopen bob < <(sed -n 1p "$T/m.xml")
	assert_success
	assert_output "$(msgs alice bob 1)"
	run --separate-stderr xopen bob <"$T/m.xml"
	assert_failure 4
	assert_output "$(msgs alice bob 2 | sed -n 2p)"
}

@test "restored: a session file put back from a copy is refused, naming the file" {
	local f
	f=$(session_file alice)
	cp -p "$f" "$T/old"
	msg alice bob m0 first | xseal alice >/dev/null
	cp -p "$T/old" "$f"
	run xseal alice < <(msg alice bob m1 again)
	assert_failure 1
	assert_output --partial "stale session: run a new handshake ($f was restored or copied)"
}
