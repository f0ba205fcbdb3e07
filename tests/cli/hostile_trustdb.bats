# xe2e-trustdb given wrong commands and argument values, hostile script
# lines, hostile exports to import, certificates that are no anchors, and
# damaged files of its own: the documented status, one diagnostic line,
# no crash, and nothing stored changes (see hostile_helpers.bash).

load helpers
load seal_helpers
load hostile_helpers

setup() {
	seal_setup
	FPR_BOB=$(as bob xe2e-keygen --show | field identity | tr -d ' ')
	OTHER=$(printf 'ab%.0s' {1..32})
	PSK=$(xe2e-keygen --psk)
	as alice xe2e-trustdb psk set "$BOB_JID" "$PSK"
	as alice xe2e-trustdb export >"$T/export.xml"
	printf 'not a certificate\n' >"$T/junk.pem"
	if command -v openssl >/dev/null; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -days 2 \
			-subj /CN=p384 -keyout "$T/p384.key" -out "$T/p384.pem" 2>/dev/null
	fi
}

# A PSK with one character of its text changed (its checksum then fails).
bad_psk() {
	local c=${PSK: -5:1} n=A
	[ "$c" != A ] || n=B
	printf '%s%s%s' "${PSK:0:-5}" "$n" "${PSK: -4}"
}

# Alice's data and state copied as the scratch home of this row, with FILE
# changed by a sed script: damaged FILE SED [ARGS...]
damaged() {
	local file=$1 script=$2
	shift 2
	rm -rf "$T/scratch"
	cp -a "$A" "$T/scratch"
	sed -i -e "$script" "$T/scratch/$file"
	HOSTILE_ENV=(XE2E_HOME="$T/scratch")
	HOSTILE_ARGS=("$@")
}

# The export changed by a sed script, as $T/import.xml, for "import".
bad_export() {
	sed -e "$1" "$T/export.xml" >"$T/import.xml"
	HOSTILE_ARGS=(import "$T/import.xml")
}

# The export with its peer line twice, the second time with level LEVEL,
# as $T/import.xml, for "import".
twice_export() {
	awk -v l="$1" '/^<peer /{ print; sub(/level=.[a-z]*./, "level=\047" l "\047") } { print }' \
		"$T/export.xml" >"$T/import.xml"
	HOSTILE_ARGS=(import "$T/import.xml")
}

@test "hostile: xe2e-trustdb refuses wrong commands, values, scripts, imports and files" {
	hostile_begin "$A" "$B" "$T/scratch"
	export XE2E_HOME=$A
	hostile_table xe2e-trustdb <<'EOF'
an unknown command                  |2| unknown command | HOSTILE_ARGS=(bogus)
pin without arguments               |2| usage      | HOSTILE_ARGS=(pin)
pin with one argument               |2| usage      | HOSTILE_ARGS=(pin "$BOB_JID")
pin with three arguments            |2| usage      | HOSTILE_ARGS=(pin "$BOB_JID" "$FPR_BOB" x)
verify without arguments            |2| usage      | HOSTILE_ARGS=(verify)
revoke with three arguments         |2| usage      | HOSTILE_ARGS=(revoke "$BOB_JID" "$FPR_BOB" x)
psk without a subcommand            |2|            | HOSTILE_ARGS=(psk)
psk with an unknown subcommand      |2|            | HOSTILE_ARGS=(psk show "$BOB_JID")
psk set without a JID               |2|            | HOSTILE_ARGS=(psk set)
anchor without a subcommand         |2|            | HOSTILE_ARGS=(anchor)
anchor add without a file           |2|            | HOSTILE_ARGS=(anchor add)
sessions with an unknown subcommand |2|            | HOSTILE_ARGS=(sessions drop "$SESSION")
sessions show without an id         |2|            | HOSTILE_ARGS=(sessions show)
import without a file               |2|            | HOSTILE_ARGS=(import)
list with an argument               |2| usage      | HOSTILE_ARGS=(list extra)
an unknown option                   |2| unknown option | HOSTILE_ARGS=(--bogus list)
a script line with a quote left open |2| quote     | printf 'list\nshow "%s\n' "$BOB_JID"
a script line with an unknown command |2| line 1  | printf 'frobnicate\nlist\n'
pin a fingerprint too short         |1| fingerprint | HOSTILE_ARGS=(pin "$BOB_JID" 1234)
pin a fingerprint of 65 digits      |1| fingerprint | HOSTILE_ARGS=(pin "$BOB_JID" "${OTHER}a")
pin a fingerprint that is not hex   |1| fingerprint | HOSTILE_ARGS=(pin "$BOB_JID" "${OTHER:0:63}g")
pin a JID that is no JID            |1|            | HOSTILE_ARGS=(pin 'a b@c' "$FPR_BOB")
pin a JID without a localpart       |1|            | HOSTILE_ARGS=(pin @capulet.lit "$FPR_BOB")
pin another key for Bob             |3|            | HOSTILE_ARGS=(pin "$BOB_JID" "$OTHER")
verify another key for Bob          |3|            | HOSTILE_ARGS=(verify "$BOB_JID" "$OTHER")
verify someone unknown              |1| no trust entry | HOSTILE_ARGS=(verify carol@capulet.lit)
revoke someone unknown              |1| no trust entry | HOSTILE_ARGS=(revoke carol@capulet.lit)
forget someone unknown              |1| no trust entry | HOSTILE_ARGS=(forget carol@capulet.lit)
forget a key Bob never had          |1|            | HOSTILE_ARGS=(forget "$BOB_JID" "$OTHER")
show someone unknown                |1| no trust entry | HOSTILE_ARGS=(show carol@capulet.lit)
show a fingerprint nobody has       |1|            | HOSTILE_ARGS=(show "$OTHER")
psk set with a bad checksum         |1| PSK        | HOSTILE_ARGS=(psk set "$BOB_JID" "$(bad_psk)")
psk set without the prefix          |1| PSK        | HOSTILE_ARGS=(-- psk set "$BOB_JID" "${PSK#xe2e-psk-}")
psk set cut short                   |1| PSK        | HOSTILE_ARGS=(psk set "$BOB_JID" "${PSK:0:-1}")
psk set one character more          |1| PSK        | HOSTILE_ARGS=(psk set "$BOB_JID" "${PSK}A")
psk set a passphrase                |1| PSK        | HOSTILE_ARGS=(psk set "$BOB_JID" 'correct horse battery staple')
psk set a bad one from input        |1| PSK        | HOSTILE_ARGS=(psk set "$BOB_JID"); bad_psk; echo
psk set from empty input            |1|            | HOSTILE_ARGS=(psk set "$BOB_JID")
anchor add a missing file           |1| cannot open | HOSTILE_ARGS=(anchor add "$T/none.pem")
anchor add what is no certificate   |1|            | HOSTILE_ARGS=(anchor add "$T/junk.pem")
anchor add an empty file            |1|            | : >"$T/empty.pem"; HOSTILE_ARGS=(anchor add "$T/empty.pem")
anchor add a certificate that is no CA's |3|       | HOSTILE_ARGS=(anchor add "$A/identity.crt" mine)
anchor add a P-384 CA               |1|            | [ -f "$T/p384.pem" ] || cp "$T/junk.pem" "$T/p384.pem"; HOSTILE_ARGS=(anchor add "$T/p384.pem")
anchor add with a name starting with a dot |1|     | HOSTILE_ARGS=(anchor add "$A/identity.crt" .hidden)
anchor add with a name with a slash |1|            | HOSTILE_ARGS=(anchor add "$A/identity.crt" ../x)
anchor add with a name of 65 characters |1|        | HOSTILE_ARGS=(anchor add "$A/identity.crt" "$(printf 'n%.0s' {1..65})")
anchor remove one that is not there |1|            | HOSTILE_ARGS=(anchor remove nothere)
anchor verify a chain without anchors |3|          | HOSTILE_ARGS=(anchor verify "$A/identity.crt")
anchor verify a missing file        |1|            | HOSTILE_ARGS=(anchor verify "$T/none.pem")
sessions show an id of 31 digits    |1| 32 hex     | HOSTILE_ARGS=(sessions show "${SESSION:0:31}")
sessions show an id that is not hex |1| 32 hex     | HOSTILE_ARGS=(sessions show "${SESSION:0:31}z")
sessions show an unknown id         |1| no session | HOSTILE_ARGS=(sessions show 00112233445566778899aabbccddeeff)
sessions close an unknown id        |1| no session | HOSTILE_ARGS=(sessions close 00112233445566778899aabbccddeeff)
sessions close a path               |1|            | HOSTILE_ARGS=(sessions close ../../trust)
import a missing file               |1| cannot open | HOSTILE_ARGS=(import "$T/none.xml")
import what is not XML              |1|            | bad_export '1s/^/junk/'
import with a DOCTYPE               |1| DOCTYPE    | bad_export '1s/^/<!DOCTYPE trustdb>/'
import with an entity               |1| DOCTYPE    | bad_export '1s/^/<!DOCTYPE t [<!ENTITY e "x">]>/'
import with a comment               |1| comment    | bad_export '1s/^/<!-- x -->/'
import in another namespace         |1|            | bad_export 's/urn:xe2e:trustdb:1/urn:xe2e:trustdb:9/'
import of another version           |1|            | bad_export "s/version='1'/version='2'/"
import with a bad fingerprint       |1|            | bad_export "s/identity='[0-9a-f]*'/identity='xyz'/"
import with an unknown level        |1|            | bad_export "s/level='[a-z]*'/level='god'/"
import with an unknown flag         |1|            | bad_export "s/flags='[^']*'/flags='admin'/"
import with the peer twice, once pinned |3|        | twice_export pinned
import with another level for Bob   |3|            | bad_export "s/level='[a-z]*'/level='pinned'/"
import with another key for Bob     |3|            | bad_export "s/identity='[0-9a-f]*'/identity='$OTHER'/"
import with a device key changed    |3|            | bad_export "s/ key='0/ key='1/;t;s/ key='[0-9a-f]/ key='0/"
import with a JID with a line break |1|           | bad_export "s/jid='[^']*'/jid='eve@evil.lit\&#10;xe2e-trustdb: forged'/"
import with a level with a line break |1|         | bad_export "s/level='[^']*'/level='god\&#10;xe2e-trustdb: forged'/"
show a JID with a line break        |1|            | HOSTILE_ARGS=(show $'eve@evil.lit\nxe2e-trustdb: forged')
pin a fingerprint with a line break |1|            | HOSTILE_ARGS=(pin "$BOB_JID" $'ab\nxe2e-trustdb: forged')
import cut short                    |1|            | bad_export '$d'
the trust file with a bad line      |1| line       | damaged trust '$a peer nonsense' list
the trust file with another header  |1| line 1     | damaged trust '1s/v1/v9/' list
the trust file with a bad level     |1| line       | damaged trust 's/level=[a-z]*/level=god/' list
the trust file with a device before its peer |1| line | damaged trust '2{h;d};${G}' list
the PSK file others can read        |1| chmod      | damaged psks '' psk set "$BOB_JID" "$PSK"; chmod 644 "$T/scratch/psks"
the PSK file with a bad line        |1|            | damaged psks '$a psk nonsense' psk clear "$BOB_JID"
the retained secrets damaged        |1|            | damaged state/retained '2s/[0-9a-f]/x/' show "$BOB_JID"
the failures file damaged           |1|            | damaged trust '' reset-failures "$BOB_JID"; printf '# xe2e spake2 failures v1\nbob@montague.lit many\n' >"$T/scratch/state/failures"; chmod 600 "$T/scratch/state/failures"
a session file damaged              |1|            | damaged "state/sessions/$SESSION.session" '2s/[0-9a-f]/x/' sessions show "$SESSION"
a script that stops at its first failure |1| line 2 | printf 'list\nforget carol@capulet.lit\nforget "%s"\n' "$BOB_JID"
--keep-going through two failures   |1x2| line   | HOSTILE_ARGS=(--keep-going); printf 'forget carol@capulet.lit\nverify eve@evil.lit\n'
a script line of 100000 characters  |1|            | printf 'show %s\n' "$(printf 'x%.0s' $(seq 100000))"
EOF
	hostile_end 80
}
