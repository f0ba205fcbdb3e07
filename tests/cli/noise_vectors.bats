# tests/vectors/run-noise-vectors on vector files in the cacophony format,
# as other Noise implementations publish them: the optional handshake_hash
# may be absent, and a vector is then checked on everything else.

load helpers

setup() {
	xe2e_setup
	T=$BATS_TEST_TMPDIR
	VECTORS="$BATS_TEST_DIRNAME/../vectors/noise/cacophony.json"
	if [ "${XE2E_BUILD:-build}" = build-san ]; then export SANITIZE=1; else export SANITIZE=0; fi
}

# Writes the cacophony vectors of the XX and IKpsk1 protocols (25519,
# ChaChaPoly, SHA256) to $T/FILE, passed through the python expression EDIT
# applied to each vector v.
vectors_edited() {
	python3 - "$VECTORS" "$T/$1" "$2" <<'PY'
import json, sys
src, dst, edit = sys.argv[1:4]
vecs = [v for v in json.load(open(src))["vectors"]
        if v["protocol_name"] in ("Noise_XX_25519_ChaChaPoly_SHA256",
                                  "Noise_IKpsk1_25519_ChaChaPoly_SHA256")]
for v in vecs:
    exec(edit)
json.dump({"vectors": vecs}, open(dst, "w"))
PY
}

@test "noise vectors: the published file passes, every vector with its handshake hash" {
	run --separate-stderr "$BATS_TEST_DIRNAME/../vectors/run-noise-vectors"
	assert_success
	assert_output --regexp '^236 passed, 0 failed, [0-9]+ skipped$'
	refute_output --partial 'without handshake_hash'
}

@test "noise vectors: vectors without handshake_hash pass on their ciphertexts and are counted" {
	vectors_edited nohash.json 'v.pop("handshake_hash")'
	run --separate-stderr "$BATS_TEST_DIRNAME/../vectors/run-noise-vectors" "$T/nohash.json"
	assert_success
	assert_line '2 without handshake_hash (checked on everything else)'
	assert_line '2 passed, 0 failed, 0 skipped'
}

@test "noise vectors: without handshake_hash, a wrong ciphertext still fails" {
	vectors_edited bad.json '
v.pop("handshake_hash")
c = v["messages"][1]["ciphertext"]
v["messages"][1]["ciphertext"] = c[:-2] + ("00" if c[-2:] != "00" else "01")'
	run --separate-stderr "$BATS_TEST_DIRNAME/../vectors/run-noise-vectors" "$T/bad.json"
	assert_failure 1
	assert_line '0 passed, 2 failed, 0 skipped'
	[[ $stderr == *'FAIL Noise_XX_25519_ChaChaPoly_SHA256: handshake message 1: ciphertext differs'* ]]
}

@test "noise vectors: a handshake_hash that differs fails, one that is not hex is refused" {
	vectors_edited wrong.json '
h = v["handshake_hash"]
v["handshake_hash"] = ("0" if h[0] != "0" else "1") + h[1:]'
	run --separate-stderr "$BATS_TEST_DIRNAME/../vectors/run-noise-vectors" "$T/wrong.json"
	assert_failure 1
	[[ $stderr == *'handshake hash differs'* ]]
	vectors_edited nothex.json 'v["handshake_hash"] = "zz"'
	run --separate-stderr "$BATS_TEST_DIRNAME/../vectors/run-noise-vectors" "$T/nothex.json"
	assert_failure 1
	[[ $stderr == *'bad handshake_hash'* ]]
}
