# xe2e-verify-sas on the side that answers (the session's Noise
# responder), given hostile XML, stanzas it must skip, forged and replayed
# commits, malformed control stanzas and wrong argument values: the
# documented status, its diagnostic lines, no crash, and nothing stored
# changes (see hostile_helpers.bash).

load helpers
load seal_helpers
load hostile_helpers
load restore_helpers

VERIFY=(xe2e-verify-sas --peer alice@capulet.lit --expect AAAA-AAAA --resource garden --timeout 5)

setup() {
	seal_setup
	# Alice's commit, from a run of hers that then gets no answer.
	as alice timeout 10 xe2e-verify-sas --peer "$BOB_JID" --expect AAAA-AAAA \
		--resource balcony --timeout 5 </dev/null >"$T/commit.xml" 2>/dev/null || true
	COMMIT=$(head -n 1 "$T/commit.xml")
	WC=$(printf '%s\n' "$COMMIT" | body_of)
	[ -n "$WC" ]
}

# A copy of Bob's home as $T/scratch whose session files are its own (a
# hard link would make them refused, a plain copy stale), for a row that
# replaces one of them.
own_home() {
	home_copy "$B" "$T/scratch"
	HOSTILE_ENV=(XE2E_HOME="$T/scratch")
}

# A control stanza from Alice with ELEMENT, sealed in the session.
sealed_ctl() {
	printf "<message to='%s' from='%s' type='chat'>%s</message>\n" "$BOB_FULL" "$ALICE_FULL" \
		"$1" | xseal alice
}

@test "hostile: xe2e-verify-sas refuses hostile input, skips what is not for it, changing nothing" {
	hostile_begin "$A" "$B"
	export XE2E_HOME=$B
	BASE=$COMMIT hostile_table "${VERIFY[@]}" < <(hostile_xml_rows 1)
	BASE=$COMMIT hostile_table "${VERIFY[@]}" <<'EOF'
nothing at all                      |3| aborted    | true
plaintext from Alice                |3| aborted    | msg alice bob p1 hello
a commit in plaintext               |3| aborted    | printf "<message to='%s' from='%s' type='chat'><sas xmlns='urn:xe2e:1' step='commit'>%s</sas></message>\n" "$BOB_FULL" "$ALICE_FULL" "$(head -c 32 /dev/urandom | base64)"
the commit flipped in its header    |3x2| skipped  | with_body "$COMMIT" "$(flip "$WC" 7)"
the commit flipped in its key       |3x2| skipped  | with_body "$COMMIT" "$(flip "$WC" 20)"
the commit flipped in its ciphertext |3x2| skipped .*: it does not decrypt | with_body "$COMMIT" "$(flip "$WC" 60)"
the commit's tag flipped            |3x2| skipped .*: it does not decrypt | with_body "$COMMIT" "$(flip "$WC" $(( $(printf '%s' "$WC" | base64 -d | wc -c) - 1 )))"
the commit cut short                |3x2| skipped  | with_body "$COMMIT" "$(cut_bytes "$WC" -1)"
the commit with a byte more         |3x2| skipped  | with_body "$COMMIT" "$(append_hex "$WC" 00)"
the commit not base64               |3x2| skipped  | with_body "$COMMIT" "!$WC"
the commit with a made-up tag       |3| aborted    | with_body "$COMMIT" "$(splice "$WC" 1 4 00000000)"
the commit from someone else        |3|            | printf '%s\n' "$COMMIT" | sed "s|from='[^']*'|from='eve@evil.lit/x'|"
the commit from nobody              |3|            | printf '%s\n' "$COMMIT" | sed "s| from='[^']*'||"
the commit to someone else          |3x2| skipped  | printf '%s\n' "$COMMIT" | sed "s|to='[^']*'|to='carol@capulet.lit/x'|"
the commit retyped                  |3x2| skipped  | printf '%s\n' "$COMMIT" | sed "s|type='chat'|type='normal'|"
the commit as an iq                 |3x2| skipped  | printf '%s\n' "$COMMIT" | sed 's/^<message /<iq /; s/<\/message>$/<\/iq>/'
the commit with a line break in its from |3|       | printf '%s\n' "$COMMIT" | sed "s|from='[^']*'|from='alice@capulet.lit/x\&#10;xe2e-verify-sas: forged'|"
Bob's own stanza reflected          |3|            | msg bob alice r1 hi | xseal bob
1000 plaintext stanzas              |3| aborted    | repeat 1000 "$(msg alice bob p1 hello)"
100 forged commits                  |3x101| skipped | repeat 100 "$(with_body "$COMMIT" "$(flip "$WC" 60)")"
no --peer                           |2| peer       | HOSTILE_ARGS=(--peer '')
--peer that is no JID               |1|            | HOSTILE_ARGS=(--peer '@@')
--peer without a session            |1|            | HOSTILE_ARGS=(--peer carol@capulet.lit)
--expect of 7 symbols               |2| expect     | HOSTILE_ARGS=(--expect AAAA-AAA)
--expect of 9 symbols               |2| expect     | HOSTILE_ARGS=(--expect AAAA-AAAAA)
--expect with a U                   |2| expect     | HOSTILE_ARGS=(--expect AAAA-AAAU)
--expect with a line break          |2| expect     | HOSTILE_ARGS=(--expect $'AAAA\nAAAA')
--expect and --print                |2|            | HOSTILE_ARGS=(--print)
--expect and --secret-file          |2|            | HOSTILE_ARGS=(--secret-file /dev/null)
--timeout 0                         |2| timeout    | HOSTILE_ARGS=(--timeout 0)
--timeout x                         |2| timeout    | HOSTILE_ARGS=(--timeout x)
--timeout 86401                     |2| timeout    | HOSTILE_ARGS=(--timeout 86401)
an unknown option                   |2| unknown    | HOSTILE_ARGS=(--bogus)
an argument                         |2| unexpected | HOSTILE_ARGS=(extra)
EOF
	hostile_end 70
}

@test "hostile: xe2e-verify-sas given malformed control stanzas and its own damaged files" {
	hostile_begin "$A" "$B" "$T/scratch"
	export XE2E_HOME=$B
	hostile_table xe2e-verify-sas --peer alice@capulet.lit --resource garden --timeout 5 <<'EOF'
a secret file that is missing       |1|            | HOSTILE_ARGS=(--secret-file "$T/none")
a secret file that is empty         |1|            | : >"$T/empty"; HOSTILE_ARGS=(--secret-file "$T/empty")
a secret of 2000 bytes              |1|            | head -c 2000 /dev/zero | tr '\0' s >"$T/long"; HOSTILE_ARGS=(--secret-file "$T/long")
no mode and no terminal             |2| terminal   | true
every session file copied           |1| stale      | rm -rf "$T/scratch"; cp -a "$B" "$T/scratch"; HOSTILE_ENV=(XE2E_HOME="$T/scratch"); HOSTILE_ARGS=(--print)
the current-session pointer damaged |1|            | own_home; sed -i 's/^/x/' "$T"/scratch/state/sessions/*.current; HOSTILE_ARGS=(--print)
the current-session pointer to nothing |1|         | own_home; for f in "$T"/scratch/state/sessions/*.current; do sed -i "s/[0-9a-f]\{32\}/$(printf '0%.0s' {1..32})/" "$f"; done; HOSTILE_ARGS=(--print)
EOF
	# Control stanzas that open: opening one uses its message key up, so
	# Bob's session file must change (xe2e(7), Receiving); everything else
	# must not.
	HOSTILE_IGNORE='*/state/sessions/*.session'
	hostile_table xe2e-verify-sas --peer alice@capulet.lit --resource garden --timeout 5 \
		--expect AAAA-AAAA <<'EOF'
a commit of 31 bytes                |1| malformed  | sealed_ctl "<sas xmlns='urn:xe2e:1' step='commit'>$(head -c 31 /dev/urandom | base64)</sas>"
a commit of 33 bytes                |1| malformed  | sealed_ctl "<sas xmlns='urn:xe2e:1' step='commit'>$(head -c 33 /dev/urandom | base64)</sas>"
a commit that is not base64         |1| malformed  | sealed_ctl "<sas xmlns='urn:xe2e:1' step='commit'>!!</sas>"
a commit with an attribute more     |1| malformed  | sealed_ctl "<sas xmlns='urn:xe2e:1' step='commit' x='1'>$(head -c 32 /dev/urandom | base64)</sas>"
a commit with a child               |1| malformed  | sealed_ctl "<sas xmlns='urn:xe2e:1' step='commit'><x/></sas>"
a step that does not exist          |1| malformed  | sealed_ctl "<sas xmlns='urn:xe2e:1' step='bogus'/>"
a reveal before any commit          |3| out of order | sealed_ctl "<sas xmlns='urn:xe2e:1' step='reveal'>$(head -c 32 /dev/urandom | base64)</sas>"
a nonce from the wrong side         |3| wrong side | sealed_ctl "<sas xmlns='urn:xe2e:1' step='nonce'>$(head -c 32 /dev/urandom | base64)</sas>"
two control elements                |1| malformed  | sealed_ctl "<sas xmlns='urn:xe2e:1' step='commit'>$(head -c 32 /dev/urandom | base64)</sas><sas xmlns='urn:xe2e:1' step='commit'>$(head -c 32 /dev/urandom | base64)</sas>"
a SPAKE2 share when a SAS is expected |1|          | sealed_ctl "<spake2 xmlns='urn:xe2e:1' step='share'>$(head -c 65 /dev/urandom | base64)</spake2>"
EOF
	hostile_end 15
}

@test "hostile: xe2e-verify-sas refuses a replayed commit, changing nothing" {
	# Bob answers the commit once (a run that then breaks off, counted).
	as bob timeout 10 "${VERIFY[@]}" <"$T/commit.xml" >/dev/null 2>&1 || true
	hostile_begin "$A" "$B"
	export XE2E_HOME=$B
	hostile_table "${VERIFY[@]}" <<'EOF'
the same commit again               |3x3| replay   | printf '%s\n' "$COMMIT"
the same commit twice               |3x4| replay   | printf '%s\n%s\n' "$COMMIT" "$COMMIT"
EOF
	hostile_end 2
}
