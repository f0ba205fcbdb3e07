# xe2e-open given hostile XML, plaintext, bounces, changed, cut and
# replayed sealed stanzas, stanzas of other sessions and floods: the
# documented status, one diagnostic line per refused stanza, no crash, and
# nothing stored changes (see hostile_helpers.bash).

load helpers
load seal_helpers
load hostile_helpers
load restore_helpers

setup() {
	seal_setup
	OLD=$(cat "$T/session.alice.bob")
	msg alice bob m1 'Hello, Bob!' | xseal alice >"$T/old.xml"
	# A second session: the first stays, as after any new handshake.
	handshake alice bob
	NEW=$(cat "$T/session.alice.bob")
	msgs alice bob 3 n | xseal alice >"$T/new.xml"
	M1=$(sed -n 1p "$T/new.xml")
	M2=$(sed -n 2p "$T/new.xml")
	M3=$(sed -n 3p "$T/new.xml")
	MO=$(cat "$T/old.xml")
	W1=$(printf '%s\n' "$M1" | body_of)
	WO=$(printf '%s\n' "$MO" | body_of)
	msg bob alice r1 'Hello, Alice!' | xseal bob >"$T/bob.xml"
	MB=$(cat "$T/bob.xml")
	WLEN=$(printf '%s' "$W1" | base64 -d | wc -c)
}

# M1 with attribute NAME set to VALUE, or removed when VALUE is "-".
attr() {
	printf '%s\n' "$M1" | set_attr "$@"
}

# M1 with its message element renamed to NAME.
kind() {
	printf '%s\n' "$M1" | sed "s/^<message /<$1 /; s/<\/message>$/<\/$1>/"
}

# M1 with the sealed message changed by a function of its body: sealed
# FUNCTION ARGS... (the body is the first argument of FUNCTION).
sealed() {
	local f=$1
	shift
	with_body "$M1" "$("$f" "$W1" "$@")"
}

# Bob's home copied (every session file then has another inode) as $S.
copied_home() {
	rm -rf "$T/scratch"
	cp -a "$B" "$T/scratch"
	HOSTILE_ENV=(XE2E_HOME="$T/scratch")
}

@test "hostile: xe2e-open refuses hostile XML, forgeries, replays and floods, changing nothing" {
	# First header bytes of Alice's first message: flags, tag (4), epoch,
	# ack, n, pn, then her ratchet key (32), then the ciphertext.
	[ "$(printf '%s\n' "$M1" | sealed_header)" = "5 1 0 0 0" ]
	hostile_begin "$A" "$B" "$T/scratch"
	export XE2E_HOME=$B
	BASE=$M1 hostile_table xe2e-open < <(hostile_xml_rows 1)
	BASE=$M1 hostile_table xe2e-open <<'EOF'
plaintext                           |1| not sealed | msg alice bob p1 hello
plaintext in a stream               |1| not sealed | printf "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='x'>%s</stream:stream>\n" "$(msg alice bob p1 hello)"
a server's bounce                   |1| bounced    | printf '%s\n' "<message from='$BOB_FULL' to='$ALICE_FULL' type='error' id='m1'><sealed xmlns='urn:xe2e:1'>$W1</sealed><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>"
an element that is no stanza        |1|            | printf '<foo xmlns="jabber:client"><sealed xmlns="urn:xe2e:1">%s</sealed></foo>\n' "$W1"
a stanza in another namespace       |1|            | printf '%s\n' "$M1" | sed "s/^<message /<message xmlns='urn:other' /"
sealed in another namespace         |1| not sealed | printf '%s\n' "$M1" | sed 's/urn:xe2e:1/urn:xe2e:2/'
two sealed elements                 |1| malformed  | printf '%s\n' "$M1" | sed "s|</sealed>|&<sealed xmlns='urn:xe2e:1'>$W1</sealed>|"
sealed with an attribute            |1| malformed  | printf '%s\n' "$M1" | sed "s|<sealed xmlns='urn:xe2e:1'>|<sealed xmlns='urn:xe2e:1' a='1'>|"
sealed holding an element           |1| malformed  | printf '%s\n' "$M1" | sed "s|</sealed>|<x/></sealed>|"
sealed empty                        |1| malformed  | with_body "$M1" ''
not base64                          |1| malformed  | with_body "$M1" "?$W1"
base64 with non-zero padding bits   |1| malformed  | with_body "$M1" "$(b64_dirty "$W1")"
base64 with white space             |1| malformed  | with_body "$M1" "${W1:0:8} ${W1:8}"
base64 with a line break            |1| malformed  | with_body "$M1" "${W1:0:8}&#10;${W1:8}"
one byte                            |1| malformed  | sealed cut_bytes 1
the header cut short                |1| malformed  | sealed cut_bytes 8
the header only                     |1|            | sealed cut_bytes 41
one byte short                      |1| tampered   | sealed cut_bytes -1
one byte more                       |1| tampered   | sealed append_hex 00
an unknown flag                     |1| malformed  | sealed flip 0 128
the key flag cleared                |1|            | sealed flip 0 1
the restart flag set                |1|            | sealed flip 0 2
the full-sender flag cleared        |1| tampered   | sealed flip 0 4
another resource of the sender      |1| tampered   | attr from alice@capulet.lit/evil
the tag changed                     |1| unknown session | sealed flip 1
the tag's last byte changed         |1| unknown session | sealed flip 4 128
epoch 2                             |1|            | sealed set_byte 5 02
epoch 0                             |1|            | sealed set_byte 5 00
ack 1                               |1| tampered   | sealed set_byte 6 01
n 1                                 |1| tampered   | sealed set_byte 7 01
n 2000: too far ahead               |1| gap too large | sealed splice 7 1 d00f
n 2^32-1                            |1|            | sealed splice 7 1 ffffffff0f
n not minimal                       |1| malformed  | sealed splice 7 1 8000
n of six bytes                      |1| malformed  | sealed splice 7 1 808080808000
n over 2^32                         |1| malformed  | sealed splice 7 1 ffffffff1f
pn 5                                |1|            | sealed set_byte 8 05
the ratchet key flipped             |1| tampered   | sealed flip 9
the ratchet key zero                |1| tampered   | sealed splice 9 32 "$(printf '00%.0s' {1..32})"
the ratchet key of low order        |1| tampered   | sealed splice 9 32 0100000000000000000000000000000000000000000000000000000000000000
the ratchet key removed             |1|            | sealed splice 0 41 "00$(printf '%s' "$W1" | b64_hex | cut -c3-18)"
the synthetic nonce flipped         |1| tampered   | sealed flip 41
the synthetic nonce's last byte flipped |1| tampered | sealed flip 46
the ciphertext flipped              |1| tampered   | sealed flip 47
the AEAD tag flipped                |1| tampered   | sealed flip $((WLEN - 1))
the old session's tag on a new stanza |1| tampered | sealed splice 1 4 "$(printf '%s' "$WO" | b64_hex | cut -c3-10)"
the new session's tag on an old stanza |1| tampered | with_body "$MO" "$(splice "$WO" 1 4 "$(printf '%s' "$W1" | b64_hex | cut -c3-10)")"
to another account                  |1| tampered   | attr to carol@capulet.lit/nurse
to another account, with a line break |1| tampered | attr to 'carol@capulet.lit/x&#10;xe2e-open: forged'
to Alice: reflected                 |1|            | printf '%s\n' "$M1" | sed "s|to='[^']*' from='[^']*'|to='$ALICE_FULL' from='$BOB_FULL'|"
no to                               |1| tampered   | attr to -
from someone else                   |1| unknown session | attr from eve@evil.lit/x
from nobody                         |1| malformed  | attr from -
from something that is no JID       |1|            | attr from '@@'
from with a line break              |1x1| not opened | attr from 'alice@capulet.lit/x&#10;xe2e-open: forged'
id with a line break                |1x1| not opened | attr id 'm1&#10;xe2e-open: forged'
type changed                        |1| tampered   | attr type normal
type removed                        |1| tampered   | attr type -
id changed                          |1| tampered   | attr id m2
id removed                          |1| tampered   | attr id -
an iq                               |1| tampered   | kind iq
a presence                          |1| tampered   | kind presence
a stanza Bob sealed himself         |1| unknown session | printf '%s\n' "$MB"
the second stanza with the first's body |1| tampered | with_body "$M2" "$W1"
1000 plaintext stanzas              |1x1000| not sealed | repeat 1000 "$(msg alice bob p1 hello)"
1000 bounces                        |1x1000| bounced | repeat 1000 "<message from='$BOB_FULL' to='$ALICE_FULL' type='error' id='m1'><sealed xmlns='urn:xe2e:1'>$W1</sealed><error type='cancel'/></message>"
64 forgeries in one batch           |1x64| tampered | HOSTILE_ARGS=(--batch 64); repeat 64 "$(with_body "$M1" "$(flip "$W1" 45)")"
1000 made-up sessions               |1x1000| unknown session | retag 1000 "$M1"
every session file copied           |1| stale session | copied_home; printf '%s\n' "$M1"
a session file others can read      |1|            | copied_home; cp "$B"/state/sessions/* "$T/scratch/state/sessions/"; chmod 644 "$T"/scratch/state/sessions/*.session; printf '%s\n' "$M1"
a session file changed              |1|            | copied_home; cp -p "$B"/state/sessions/* "$T/scratch/state/sessions/"; f=$(ls "$T"/scratch/state/sessions/*.session | head -1); sed -i '3s/./X/' "$f"; printf '%s\n' "$M1"
--batch 0                           |2| batch      | HOSTILE_ARGS=(--batch 0)
--batch 65                          |2| batch      | HOSTILE_ARGS=(--batch 65)
--batch x                           |2| batch      | HOSTILE_ARGS=(--batch x)
--batch empty                       |2| batch      | HOSTILE_ARGS=(--batch '')
--batch -1                          |2| batch      | HOSTILE_ARGS=(--batch -1)
--quiet and --verbose               |2| exclude    | HOSTILE_ARGS=(--quiet --verbose)
an argument                         |2| unexpected | HOSTILE_ARGS=(extra)
an unknown option                   |2| unknown    | HOSTILE_ARGS=(--bogus)
EOF
	hostile_end 100
}

@test "hostile: xe2e-open refuses replays with status 4, changing nothing" {
	# Bob opens M1 and M2: the stanzas' keys are gone.
	printf '%s\n%s\n' "$M1" "$M2" | xopen bob >/dev/null
	hostile_begin "$A" "$B"
	export XE2E_HOME=$B
	hostile_table xe2e-open <<'EOF'
a replay                            |4| replay     | printf '%s\n' "$M1"
three replays                       |4x3| replay   | printf '%s\n%s\n%s\n' "$M1" "$M2" "$M1"
replays in one batch                |4x2| replay   | HOSTILE_ARGS=(--batch 8); printf '%s\n%s\n' "$M2" "$M1"
a replay and a forgery              |1x2|          | printf '%s\n%s\n' "$M1" "$(with_body "$M3" "$(flip "$(printf '%s\n' "$M3" | body_of)" 45)")"
a replay and plaintext              |1x2|          | printf '%s\n' "$M1"; msg alice bob p hi
a replay with another id            |4| replay     | attr id m9
1000 replays                        |4x1000| replay | repeat 1000 "$M1"
EOF
	hostile_end 7
}

@test "hostile: xe2e-open --inspect shows or refuses anything, changing nothing" {
	hostile_begin "$A" "$B"
	export XE2E_HOME=$B
	BASE=$M1 hostile_table xe2e-open --inspect < <(hostile_xml_rows 1)
	BASE=$M1 hostile_table xe2e-open --inspect <<'EOF'
plaintext                           |1| not inspected: not sealed | msg alice bob p1 hello
sealed empty                        |1| malformed  | with_body "$M1" ''
not base64                          |1| malformed  | with_body "$M1" "?$W1"
the header cut short                |1| malformed  | sealed cut_bytes 8
an unknown flag                     |1| malformed  | sealed flip 0 128
n not minimal                       |1| malformed  | sealed splice 7 1 8000
from with a line break              |0x0|          | attr from 'alice@capulet.lit/x&#10;xe2e-open: forged'
from something that is no JID       |0x0|          | attr from '@@'
1000 made-up sessions               |0x0|          | retag 1000 "$M1"
1000 plaintext stanzas              |1x1000| not sealed | repeat 1000 "$(msg alice bob p1 hello)"
a replay, shown as it claims to be  |0x0|          | printf '%s\n%s\n' "$M1" "$M1"
EOF
	hostile_end 45
	# What was shown stays one line per stanza, one word per field.
	attr from 'alice@capulet.lit/x&#10;xe2e-open: forged' | xopen bob --inspect >"$T/one"
	assert_equal "$(wc -l <"$T/one")" 1
	assert_equal "$(wc -w <"$T/one")" 16
}

# A copy of Bob's home as $T/scratch whose session files are its own (a
# hard link would make them refused, a plain copy stale), for a row that
# replaces one of them.
own_home() {
	home_copy "$B" "$T/scratch"
	HOSTILE_ENV=(XE2E_HOME="$T/scratch")
}

# The scratch home's file of session ID, replaced by the text of Bob's
# with line LINE changed to TEXT:
# damage ID LINE TEXT
damage() {
	local f=$T/scratch/state/sessions/$1.session
	sed "$2s/.*/$3/" "$B/state/sessions/$1.session" >"$f.new"
	chmod 600 "$f.new"
	mv "$f.new" "$f"
}

@test "hostile: xe2e-open names a session file it cannot read, changing nothing" {
	local dir=state/sessions
	# Bob's current session is the first one ($OLD) until a stanza of the
	# second ($NEW, pending: Alice started it by IK) confirms it.
	hostile_begin "$A" "$B" "$T/scratch"
	hostile_table xe2e-open <<'ROWS'
the current session damaged         |1| not opened: unreadable session: the current session with alice@capulet.lit cannot be read: .*/[0-9a-f]{32}[.]session line 3: | own_home; damage "$OLD" 3 'state: lost'; printf '%s\n' "$MO"
the current session cut short       |1| unreadable session: .*/[0-9a-f]{32}[.]session line [0-9]+: | own_home; f=$T/scratch/$dir/$OLD.session; head -n 5 "$B/$dir/$OLD.session" >"$f.new"; chmod 600 "$f.new"; mv "$f.new" "$f"; printf '%s\n' "$MO"
the current session empty           |1| unreadable session: .*not an xe2e session | own_home; f=$T/scratch/$dir/$OLD.session; rm "$f"; : >"$f"; chmod 600 "$f"; printf '%s\n' "$MO"
a directory in its place            |1| unreadable session: .*/[0-9a-f]{32}[.]session is not a regular file | own_home; f=$T/scratch/$dir/$OLD.session; rm "$f"; mkdir "$f"; printf '%s\n' "$MO"
the current session readable by others |1| unreadable session: .*chmod 600 | own_home; f=$T/scratch/$dir/$OLD.session; rm "$f"; cp -p "$B/$dir/$OLD.session" "$f"; chmod 644 "$f"; printf '%s\n' "$MO"
the current-session pointer damaged, its session gone |1| unreadable session: .*[.]current line 2: | own_home; rm "$T/scratch/$dir/$OLD.session"; for f in "$T"/scratch/$dir/*.current; do sed 's/^jid: /jid: x/' "$f" >"$f.new"; chmod 600 "$f.new"; mv "$f.new" "$f"; done; printf '%s\n' "$MO"
the pending session damaged         |1| not opened: unknown session: .*[(]1 session file cannot be read[)] | own_home; damage "$NEW" 3 'state: lost'; printf '%s\n' "$M1"
ROWS
	hostile_end 7
	# The same stanzas open once the files are whole again.
	printf '%s\n%s\n' "$M1" "$MO" | xopen bob >"$T/opened"
	assert_equal "$(wc -l <"$T/opened")" 2
}
