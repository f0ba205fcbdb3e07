# xe2e-keygen given wrong argument values and damaged key files: the
# documented status, one diagnostic line, no crash, and nothing stored
# changes (see hostile_helpers.bash).

load helpers
load hostile_helpers

setup() {
	xe2e_setup
	T=$BATS_TEST_TMPDIR
	A=$T/alice
	P=$T/protected
	S=$T/scratch
	XE2E_HOME=$A make_identity alice@capulet.lit
	XE2E_HOME=$A xe2e-keygen --prekeys 2 >/dev/null 2>&1
	echo secret >"$T/pass"
	echo wrong >"$T/wrong"
	: >"$T/empty"
	XE2E_HOME=$P make_identity romeo@montague.lit --passphrase-file "$T/pass"
	export XE2E_HOME=$A
}

# A fresh copy of Alice's home as $S, used by this row.
scratch() {
	rm -rf "$S"
	cp -a "$A" "$S"
	HOSTILE_ENV=(XE2E_HOME="$S")
}

# A copy of the protected home as $S.
scratch_protected() {
	rm -rf "$S"
	cp -a "$P" "$S"
	HOSTILE_ENV=(XE2E_HOME="$S")
}

# A sed script that changes the first character after "PREFIX " on the
# line that starts with it to another base64 character.
bump() {
	echo "s/^$1 A/$1 B/;t;s/^$1 ./$1 A/"
}

# damage FILE SED-SCRIPT [ARGS...]: the file of a scratch home changed, and
# the arguments of the row.
damage() {
	local file=$1 script=$2
	shift 2
	scratch
	sed -i -e "$script" "$S/$file"
	HOSTILE_ARGS=("$@")
}

damage_protected() {
	local file=$1 script=$2
	shift 2
	scratch_protected
	sed -i -e "$script" "$S/$file"
	HOSTILE_ARGS=("$@")
}

@test "hostile: xe2e-keygen refuses wrong arguments and damaged files, changing nothing" {
	local long
	long=$(printf 'a%.0s' $(seq 1100))
	mkdir -m 0755 "$T/open"
	mkdir "$T/dir"
	hostile_begin "$A" "$P" "$S" "$T/open" "$T/new" "$T/nobody"
	hostile_table xe2e-keygen <<EOF
no mode                         |2| is needed             |
--jid without its value        |2| needs an argument     | HOSTILE_ARGS=(--jid)
--jid empty                     |2| --jid needs a JID     | HOSTILE_ARGS=(--jid '')
--jid= empty                    |2| --jid needs a JID     | HOSTILE_ARGS=(--jid=)
--jid and --show                |2| exclude each other    | HOSTILE_ARGS=(--jid a@b --show)
--psk and --show                |2| exclude each other    | HOSTILE_ARGS=(--psk --show)
--rotate-device and --prekeys   |2| exclude each other    | HOSTILE_ARGS=(--rotate-device --prekeys 3)
--prekeys 101                   |2| from 0 to 100         | HOSTILE_ARGS=(--prekeys 101)
--prekeys -1                    |2| from 0 to 100         | HOSTILE_ARGS=(--prekeys -1)
--prekeys x                     |2| from 0 to 100         | HOSTILE_ARGS=(--prekeys x)
--prekeys empty                 |2| from 0 to 100         | HOSTILE_ARGS=(--prekeys '')
--prekeys 1e2                   |2| from 0 to 100         | HOSTILE_ARGS=(--prekeys 1e2)
--prekeys 2^64+1                |2| from 0 to 100         | HOSTILE_ARGS=(--prekeys 18446744073709551617)
--prekeys ' 5'                  |2| from 0 to 100         | HOSTILE_ARGS=(--prekeys ' 5')
--prekeys 0x5                   |2| from 0 to 100         | HOSTILE_ARGS=(--prekeys 0x5)
--prekeys 5 with a newline      |2| from 0 to 100         | HOSTILE_ARGS=(--prekeys \$'5\n')
--show with an extra argument   |2| unexpected argument   | HOSTILE_ARGS=(--show extra)
an unknown option               |2| unknown option        | HOSTILE_ARGS=(--bogus)
an unknown short option         |2| unknown option        | HOSTILE_ARGS=(-x)
--help with a value             |2|                       | HOSTILE_ARGS=(--help=x)
--output without its value      |2| needs an argument     | HOSTILE_ARGS=(--prekeys 1 --output)
--output empty                  |2| needs a file name     | HOSTILE_ARGS=(--prekeys 1 --output '')
--bundle-minimal alone          |2|                       | HOSTILE_ARGS=(--bundle-minimal)
--output with --show            |2| goes with --prekeys   | HOSTILE_ARGS=(--show --output "$T/x")
--passphrase-file with --show   |2| use no passphrase     | HOSTILE_ARGS=(--show --passphrase-file "$T/pass")
--passphrase-file with --psk    |2| use no passphrase     | HOSTILE_ARGS=(--psk --passphrase-file "$T/pass")
--force alone                   |2|                       | HOSTILE_ARGS=(--force)
--force with --show             |2|                       | HOSTILE_ARGS=(--force --show)
--rotate-prekeys with --jid     |2| exclude each other    | HOSTILE_ARGS=(--rotate-prekeys --jid a@b)
an identity exists              |1| already exists        | HOSTILE_ARGS=(--jid bob@montague.lit)
JID with a space                |1| not allowed           | HOSTILE_ARGS=(--jid 'a b@c' --force)
JID without a localpart         |1| empty localpart       | HOSTILE_ARGS=(--jid @capulet.lit --force)
JID without a domain            |1| empty domain          | HOSTILE_ARGS=(--jid alice@ --force)
JID with a long localpart       |1| longer than           | HOSTILE_ARGS=(--jid "$long@capulet.lit" --force)
JID with a long domain          |1|                       | HOSTILE_ARGS=(--jid "a@$long.lit" --force)
JID with a control character    |1|                       | HOSTILE_ARGS=(--jid \$'al\x01ice@capulet.lit' --force)
JID that is not UTF-8           |1|                       | HOSTILE_ARGS=(--jid \$'al\xffice@capulet.lit' --force)
JID with two @                  |1|                       | HOSTILE_ARGS=(--jid a@b@capulet.lit --force)
JID with a space in the domain  |1|                       | HOSTILE_ARGS=(--jid 'a@cap ulet.lit' --force)
JID that is only a resource     |1|                       | HOSTILE_ARGS=(--jid /balcony --force)
passphrase file missing         |1| passphrase file       | HOSTILE_ARGS=(--rotate-device --passphrase-file "$T/none")
bundle to a missing directory   |1| cannot write the bundle | HOSTILE_ARGS=(--prekeys 3 --output "$T/none/b.xml")
bundle to a directory           |1| cannot write the bundle | HOSTILE_ARGS=(--prekeys 3 --output "$T/dir")
certificate cut short           |1|                       | damage identity.crt '5,\$d' --show
certificate with a changed char |1| not a valid certificate | damage identity.crt '4y/ABCDEFGHIJKLMNOPQRSTUVWXYZ/BCDEFGHIJKLMNOPQRSTUVWXYZA/' --show
certificate empty               |1|                       | damage identity.crt 'd' --show
certificate of another key      |1|                       | scratch; cp "$P/identity.crt" "$S/identity.crt"; HOSTILE_ARGS=(--show)
binding signature flipped       |1|                       | damage device.binding "\$(bump signature:)" --show
binding of another device key   |1|                       | damage device.binding "s|^device-key: .*|device-key: \$(sed -n 's/^device-key: //p' "$P/device.binding")|" --show
binding without its expiry      |1|                       | damage device.binding '/^expires:/d' --show
binding with an extra line      |1|                       | damage device.binding '\$a extra: 1' --show
binding for another JID         |1| names eve            | damage device.binding 's/^jid: .*/jid: eve@capulet.lit/' --show
binding with a bad version      |1|                       | damage device.binding '1s/v1/v9/' --show
binding that ends before it starts |1|                    | damage device.binding 's/^expires: .*/expires: 1000/' --prekeys 1
identity key of another type    |1|                       | damage identity.key 's/^type: p256/type: x25519/' --rotate-device
identity key cut short          |1|                       | damage identity.key 's/^\(key: .\{20\}\).*/\1/' --rotate-device
identity key with a bad kdf     |1|                       | damage identity.key 's/^kdf: none/kdf: rot13/' --rotate-device
identity key others can read    |1| chmod                 | scratch; chmod 0644 "$S/identity.key"; HOSTILE_ARGS=(--rotate-device)
identity key not base64         |1|                       | damage identity.key 's/^key: ./key: !/' --rotate-device
no identity at all              |1|                       | HOSTILE_ENV=(XE2E_HOME="$T/nobody"); HOSTILE_ARGS=(--show)
XE2E_HOME is a file             |1|                       | HOSTILE_ENV=(XE2E_HOME="$T/pass"); HOSTILE_ARGS=(--show)
identity in a directory others can enter |1|            | HOSTILE_ENV=(XE2E_HOME="$T/open"); HOSTILE_ARGS=(--jid juliet@capulet.lit)
prekey store flipped            |1|                       | damage state/prekeys '2s/^spk \(.\)/spk X/' --prekeys 1
prekey store with a bad header  |1|                       | damage state/prekeys '1s/v1/v7/' --prekeys 1
prekey store others can read    |1| chmod                 | scratch; chmod 0644 "$S/state/prekeys"; HOSTILE_ARGS=(--prekeys 1)
prekey store with a long line   |1|                       | scratch; head -c 100000 /dev/zero | tr '\\0' f >>"$S/state/prekeys"; HOSTILE_ARGS=(--prekeys 1)
wrong passphrase from a file    |1|                       | scratch_protected; HOSTILE_ARGS=(--rotate-device --passphrase-file "$T/wrong")
wrong passphrase from the environment |1|               | scratch_protected; HOSTILE_ENV+=(XE2E_PASSPHRASE=wrong); HOSTILE_ARGS=(--rotate-device)
empty passphrase file           |1|                       | scratch_protected; HOSTILE_ARGS=(--rotate-device --passphrase-file "$T/empty")
no passphrase and no terminal   |1|                       | scratch_protected; HOSTILE_ARGS=(--rotate-device)
iteration count changed         |1|                       | damage_protected identity.key 's/^iterations: .*/iterations: 2000/' --rotate-device --passphrase-file "$T/pass"
iteration count zero            |1|                       | damage_protected identity.key 's/^iterations: .*/iterations: 0/' --rotate-device --passphrase-file "$T/pass"
salt changed                    |1|                       | damage_protected identity.key "\$(bump salt:)" --rotate-device --passphrase-file "$T/pass"
nonce cut short                 |1|                       | damage_protected identity.key 's/^nonce: ..../nonce: /' --rotate-device --passphrase-file "$T/pass"
wrong passphrase for prekeys    |1|                       | scratch_protected; HOSTILE_ARGS=(--rotate-prekeys --passphrase-file "$T/wrong")
KDF iterations below the floor  |1|                       | HOSTILE_ENV=(XE2E_HOME="$T/new" XE2E_KDF_ITERATIONS=5); HOSTILE_ARGS=(--jid juliet@capulet.lit --passphrase-file "$T/pass")
KDF iterations not a number     |1|                       | HOSTILE_ENV=(XE2E_HOME="$T/new" XE2E_KDF_ITERATIONS=many); HOSTILE_ARGS=(--jid juliet@capulet.lit --passphrase-file "$T/pass")
EOF
	hostile_end 50
}
