# xe2e-seal given hostile XML, stanzas it must not seal, wrong argument
# values, damaged session files and damaged prekey bundles: the documented
# status, one diagnostic line per refused stanza, no crash, and nothing
# stored changes (see hostile_helpers.bash).

load helpers
load seal_helpers
load hostile_helpers

setup() {
	seal_setup
	PLAIN=$(msg alice bob m1 'Hello, Bob!')
	as bob xe2e-keygen --prekeys 2 --output "$T/bundle.xml" 2>/dev/null
	BUNDLE=$(cat "$T/bundle.xml")
}

# Alice's home copied (its session files then have other inodes) as the
# scratch home of this row.
copied_home() {
	rm -rf "$T/scratch"
	cp -a "$A" "$T/scratch"
	HOSTILE_ENV=(XE2E_HOME="$T/scratch")
}

# PLAIN with attribute NAME set to VALUE, or removed when VALUE is "-".
attr() {
	printf '%s\n' "$PLAIN" | set_attr "$@"
}

# Bob's bundle changed by a sed script, as the file $T/bad.xml, used for
# this row with --bundle and --to.
bad_bundle() {
	sed -e "$1" "$T/bundle.xml" >"$T/bad.xml"
	HOSTILE_ARGS=(--bundle "$T/bad.xml" --to "$BOB_JID")
	printf '%s\n' "$PLAIN"
}

@test "hostile: xe2e-seal refuses what it must not seal, changing nothing" {
	hostile_begin "$A" "$B" "$T/scratch"
	export XE2E_HOME=$A
	BASE=$PLAIN hostile_table xe2e-seal < <(hostile_xml_rows 1)
	BASE=$PLAIN hostile_table xe2e-seal <<'EOF'
to someone without a session        |1| no session | attr to carol@capulet.lit/nurse
to another device of the peer       |1| device     | attr to bob@montague.lit/orchard
to nobody                           |1| no 'to'    | attr to -
to something that is no JID         |1|            | attr to '@@'
to a JID with a line break          |1| not allowed | attr to 'carol@capulet.lit/x&#10;xe2e-seal: forged'
from another account                |1| from       | attr from eve@evil.lit/x
from something that is no JID       |1|            | attr from 'a@b@c'
from with a line break              |1| from       | attr from 'eve@evil.lit/x&#10;xe2e-seal: forged'
--to Bob, a stanza to a line break  |1|            | HOSTILE_ARGS=(--to "$BOB_JID"); attr to 'carol@capulet.lit/x&#10;xe2e-seal: forged'
an element that is no stanza        |1|            | printf "<foo to='%s'/>\n" "$BOB_FULL"
a stanza in another namespace       |1|            | printf '%s\n' "$PLAIN" | sed "s/^<message /<message xmlns='urn:other' /"
a stanza over the server's limit    |1| max-stanza | fill_inside 300000
a stanza over --max-stanza          |1| max-stanza | HOSTILE_ARGS=(--max-stanza 1024); fill_inside 2000
a stanza that fits no frame at all  |1| max-stanza | HOSTILE_ARGS=(--max-stanza 1024); with_attrs "a='$(printf 'x%.0s' {1..900})'"
--to someone without a session      |1| no session | HOSTILE_ARGS=(--to carol@capulet.lit); attr to -
--to Bob, a stanza to Carol         |1|            | HOSTILE_ARGS=(--to "$BOB_JID"); attr to carol@capulet.lit
--session unknown                   |1|            | HOSTILE_ARGS=(--session 00112233445566778899aabbccddeeff); printf '%s\n' "$PLAIN"
two stanzas, no session for either  |1x2| no session | attr to carol@capulet.lit; attr to eve@evil.lit
1000 stanzas without a session      |1x1000| no session | repeat 1000 "$(attr to carol@capulet.lit)"
a fallback body XML cannot carry    |1|            | HOSTILE_ARGS=(--fallback-body $'\x01'); printf '%s\n' "$PLAIN"
every session file copied           |1| stale      | copied_home; printf '%s\n' "$PLAIN"
the session file others can read    |1|            | copied_home; cp -p "$A"/state/sessions/* "$T/scratch/state/sessions/"; chmod 644 "$T/scratch/state/sessions/$SESSION.session"; printf '%s\n' "$PLAIN"
the session file changed            |1|            | copied_home; cp -p "$A"/state/sessions/* "$T/scratch/state/sessions/"; sed -i '2s/[0-9a-f]/x/' "$T/scratch/state/sessions/$SESSION.session"; printf '%s\n' "$PLAIN"
the session file cut short          |1|            | copied_home; cp -p "$A"/state/sessions/* "$T/scratch/state/sessions/"; truncate -s 100 "$T/scratch/state/sessions/$SESSION.session"; printf '%s\n' "$PLAIN"
the current pointer changed         |1|            | copied_home; cp -p "$A"/state/sessions/* "$T/scratch/state/sessions/"; echo 'zz' >"$(ls "$T"/scratch/state/sessions/*.current)"; printf '%s\n' "$PLAIN"
the current pointer to no session   |1|            | copied_home; cp -p "$A"/state/sessions/* "$T/scratch/state/sessions/"; echo 00112233445566778899aabbccddeeff >"$(ls "$T"/scratch/state/sessions/*.current)"; printf '%s\n' "$PLAIN"
a bundle file missing               |1|            | HOSTILE_ARGS=(--bundle "$T/none.xml" --to "$BOB_JID"); printf '%s\n' "$PLAIN"
a bundle that is not XML            |1|            | bad_bundle 's/^/hello/'
a bundle with a DOCTYPE             |1|            | bad_bundle 's/^/<!DOCTYPE bundle>/'
a bundle for another JID            |3| eve        | bad_bundle "s/jid='[^']*'/jid='eve@evil.lit'/"
a bundle of another version         |1|            | bad_bundle "s/version='1'/version='2'/"
a bundle with its signature changed |1|            | bad_bundle 's|\(<signed-prekey [^>]*>\)A|\1B|; t; s|\(<signed-prekey [^>]*>\).|\1A|'
a bundle with the prekey key changed |1|           | bad_bundle "s|\(<signed-prekey [^>]*key='\)A|\1B|; t; s|\(<signed-prekey [^>]*key='\).|\1A|"
a bundle with the device key changed |1|           | bad_bundle "s|\(<device key='\)A|\1B|; t; s|\(<device key='\).|\1A|"
a bundle with a prekey expired      |1|            | bad_bundle "s|\(<signed-prekey [^>]*expires='\)[0-9]*|\11000|"
a bundle with an extra child        |1|            | bad_bundle 's|</bundle>|<extra/></bundle>|'
a bundle cut short                  |1|            | bad_bundle 's|</bundle>||'
a bundle for someone else's --to    |3| carol      | HOSTILE_ARGS=(--bundle "$T/bundle.xml" --to carol@capulet.lit); printf '%s\n' "$PLAIN"
--bundle without --to               |2|            | HOSTILE_ARGS=(--bundle "$T/bundle.xml"); printf '%s\n' "$PLAIN"
--to empty                          |2|            | HOSTILE_ARGS=(--to '')
--to without its value              |2|            | HOSTILE_ARGS=(--to)
--session not hex                   |2| session    | HOSTILE_ARGS=(--session xyz)
--session of 31 digits              |2| session    | HOSTILE_ARGS=(--session 00112233445566778899aabbccddeef)
--to and --session                  |2| exclude    | HOSTILE_ARGS=(--to "$BOB_JID" --session "$SESSION")
--max-stanza 10                     |2| max-stanza | HOSTILE_ARGS=(--max-stanza 10)
--max-stanza x                      |2| max-stanza | HOSTILE_ARGS=(--max-stanza x)
--max-stanza 67108865               |2| max-stanza | HOSTILE_ARGS=(--max-stanza 67108865)
--ratchet-interval -1               |2| interval   | HOSTILE_ARGS=(--ratchet-interval -1)
--ratchet-interval 86401            |2| interval   | HOSTILE_ARGS=(--ratchet-interval 86401)
--ratchet-idle 0                    |2| idle       | HOSTILE_ARGS=(--ratchet-idle 0)
--writers 0                         |2| writers    | HOSTILE_ARGS=(--writers 0)
--writers 65                        |2| writers    | HOSTILE_ARGS=(--writers 65)
--writers 1x                        |2| writers    | HOSTILE_ARGS=(--writers 1x)
--quiet and --verbose               |2| exclude    | HOSTILE_ARGS=(--quiet --verbose)
an argument                         |2| unexpected | HOSTILE_ARGS=(extra)
an unknown option                   |2| unknown    | HOSTILE_ARGS=(--bogus)
--fallback-body without its value   |2|            | HOSTILE_ARGS=(--fallback-body)
EOF
	hostile_end 90
}
