#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "encoding.h"
#include "err.h"
#include "rng.h"
#include "sig.h"
#include "unit.h"
#include "util.h"
#include "vectors.h"

/* The order n of P-256, and its field prime p. */
static const char p256_n_hex[] = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
static const char p256_p_hex[] = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";

/* RFC 6979 A.2.5: the P-256 key and its SHA-256 signatures. */
static const char rfc6979_d[] = "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721";
static const char rfc6979_pub[] = "04"
	"60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
	"7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299";
static const char rfc6979_sample[] =
	"efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"
	"f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8";
static const char rfc6979_test[] =
	"f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367"
	"019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083";

/* Each group's key: the point checks, and its SPKI DER reads back to the
 * point and is exactly what p256_spki_der() writes. */
static void sig_check_group_key(const cJSON *group, const uint8_t **pub)
{
	const cJSON *key = cJSON_GetObjectItemCaseSensitive(group, "publicKey");
	size_t len, der_len;
	uint8_t *point = vec_hex(key, "uncompressed", &len);
	uint8_t *der = vec_hex(group, "publicKeyDer", &der_len);
	uint8_t back[P256_PUB_LEN];
	struct buf spki = BUF_INIT;

	*pub = NULL;
	if (!point || !der || len != P256_PUB_LEN)
		return;
	CHECK_INT(p256_check_public(point), XE2E_OK);
	CHECK_INT(p256_from_spki_der(der, der_len, back), XE2E_OK);
	CHECK_MEM(back, point, P256_PUB_LEN);
	CHECK_INT(p256_spki_der(point, &spki), XE2E_OK);
	CHECK(spki.len == der_len && memcmp(spki.data, der, der_len) == 0);
	buf_free(&spki);
	*pub = point;
}

/*
 * One Wycheproof ECDSA file. Valid signatures verify; every invalid one is
 * refused with XE2E_E_AUTH (P1363 signatures that are not 64 bytes cannot
 * be passed at all and count as refused).
 */
static void sig_wycheproof(const char *file, int der, unsigned want_cases)
{
	cJSON *root = vec_load(file);
	unsigned valid = 0, refused = 0, by_length = 0, groups = 0, lax = 0;
	const cJSON *group = NULL;
	const uint8_t *pub = NULL;
	struct wp_iter it;

	for (wp_iter_start(&it, root); wp_iter_next(&it);) {
		size_t msg_len, sig_len;
		uint8_t *msg, *sig;
		int err;

		if (it.group != group) {
			vec_scratch_free();
			group = it.group;
			groups++;
			sig_check_group_key(group, &pub);
		}
		msg = vec_hex(it.test, "msg", &msg_len);
		sig = vec_hex(it.test, "sig", &sig_len);
		if (!pub || !msg || !sig)
			continue;
		CHECK_CASE(it.result != WP_ACCEPTABLE, "tcId %ld", it.tc_id);
		if (!der && sig_len != P256_SIG_LEN) {
			CHECK_CASE(it.result == WP_INVALID, "tcId %ld", it.tc_id);
			by_length++;
			continue;
		}
		err = der ? p256_verify_der(pub, msg, msg_len, sig, sig_len)
			  : p256_verify(pub, msg, msg_len, sig);
		if (it.result == WP_VALID) {
			CHECK_CASE(err == XE2E_OK, "tcId %ld (err %d)", it.tc_id, err);
			valid++;
		} else {
			CHECK_CASE(err == XE2E_E_AUTH, "tcId %ld (err %d)", it.tc_id, err);
			refused++;
			/* the encodings mbedtls_ecdsa_read_signature() accepts */
			lax += it.tc_id == 6 || it.tc_id == 8 || it.tc_id == 9 || it.tc_id == 67 ||
			       it.tc_id == 68 || it.tc_id == 84 || it.tc_id == 114 || it.tc_id == 115 ||
			       it.tc_id == 128;
		}
	}
	vec_scratch_free();
	cJSON_Delete(root);
	CHECK_INT(valid + refused + by_length, want_cases);
	if (der)
		CHECK_INT(lax, 9);
	unit_note("%s: %u groups (keys and SPKI checked), %u valid verified, %u invalid refused%s",
		  file, groups, valid, refused + by_length,
		  der ? " (incl. the 9 non-canonical DER that mbedTLS's reader accepts)" : "");
	if (by_length)
		unit_note("  of them %u because they are not 64 bytes", by_length);
}

TEST(p256_wycheproof_p1363)
{
	sig_wycheproof("wycheproof/ecdsa_secp256r1_sha256_p1363_test.json", 0, 262);
}

TEST(p256_wycheproof_der)
{
	sig_wycheproof("wycheproof/ecdsa_secp256r1_sha256_test.json", 1, 484);
}

/* A DER INTEGER of the 32-byte x: minimal, with pad zero bytes added to or
 * (pad < 0) the needed one removed. */
static size_t der_put_int(uint8_t *out, const uint8_t *x, int pad)
{
	size_t i = 0, len;
	int zeros;

	while (i < 31 && x[i] == 0)
		i++;
	len = 32 - i;
	zeros = (x[i] & 0x80 ? 1 : 0) + pad;
	zeros = zeros < 0 ? 0 : zeros;
	out[0] = 0x02;
	out[1] = (uint8_t)(len + (size_t)zeros);
	memset(out + 2, 0, (size_t)zeros);
	memcpy(out + 2 + zeros, x + i, len);
	return 2 + (size_t)zeros + len;
}

/* SEQUENCE { r, s } with the given paddings; returns the length. */
static size_t der_put_sig(uint8_t *out, const uint8_t sig[static P256_SIG_LEN], int pad_r, int pad_s)
{
	size_t n = 2;

	n += der_put_int(out + n, sig, pad_r);
	n += der_put_int(out + n, sig + 32, pad_s);
	out[0] = 0x30;
	out[1] = (uint8_t)(n - 2);
	return n;
}

/* The canonical DER of a fresh signature verifies; each way of writing
 * the same r and s differently is refused. */
TEST(p256_der_is_strict)
{
	uint8_t pub[P256_PUB_LEN], sig[P256_SIG_LEN], der[90], alt[90], msg[8] = {0};
	struct p256_key *key = NULL;
	size_t n;

	CHECK_INT(p256_generate(&key), XE2E_OK);
	if (!key)
		return;
	CHECK_INT(p256_public(key, pub), XE2E_OK);
	/* r without its top bit, s with it: both kinds of padding occur */
	do {
		msg[0]++;
		CHECK_INT(p256_sign(key, msg, sizeof(msg), sig), XE2E_OK);
	} while (msg[0] < 200 && !(sig[0] > 0 && sig[0] < 0x80 && sig[32] >= 0x80));
	n = der_put_sig(der, sig, 0, 0);
	CHECK_INT(n, 2 + 34 + 35);
	CHECK_INT(p256_verify_der(pub, msg, sizeof(msg), der, n), XE2E_OK);
	/* an unneeded zero before r, before s; s without its needed zero */
	n = der_put_sig(alt, sig, 1, 0);
	CHECK_INT(p256_verify_der(pub, msg, sizeof(msg), alt, n), XE2E_E_AUTH);
	n = der_put_sig(alt, sig, 0, 1);
	CHECK_INT(p256_verify_der(pub, msg, sizeof(msg), alt, n), XE2E_E_AUTH);
	n = der_put_sig(alt, sig, 0, -1);
	CHECK_INT(p256_verify_der(pub, msg, sizeof(msg), alt, n), XE2E_E_AUTH);
	/* long-form lengths: of the sequence, of r */
	n = der_put_sig(der, sig, 0, 0);
	alt[0] = 0x30;
	alt[1] = 0x81;
	memcpy(alt + 2, der + 1, n - 1);
	CHECK_INT(p256_verify_der(pub, msg, sizeof(msg), alt, n + 1), XE2E_E_AUTH);
	memcpy(alt, der, 2);
	alt[1]++;
	alt[2] = 0x02;
	alt[3] = 0x81;
	memcpy(alt + 4, der + 3, n - 3);
	CHECK_INT(p256_verify_der(pub, msg, sizeof(msg), alt, n + 1), XE2E_E_AUTH);
	/* a trailing byte inside and outside the sequence; wrong tags */
	memcpy(alt, der, n);
	alt[n] = 0;
	CHECK_INT(p256_verify_der(pub, msg, sizeof(msg), alt, n + 1), XE2E_E_AUTH);
	alt[1]++;
	CHECK_INT(p256_verify_der(pub, msg, sizeof(msg), alt, n + 1), XE2E_E_AUTH);
	memcpy(alt, der, n);
	alt[0] = 0x31;
	CHECK_INT(p256_verify_der(pub, msg, sizeof(msg), alt, n), XE2E_E_AUTH);
	memcpy(alt, der, n);
	alt[2] = 0x03;
	CHECK_INT(p256_verify_der(pub, msg, sizeof(msg), alt, n), XE2E_E_AUTH);
	/* every truncation */
	for (size_t cut = 0; cut < n; cut++)
		CHECK_INT(p256_verify_der(pub, msg, sizeof(msg), der, cut), XE2E_E_AUTH);
	CHECK_INT(p256_verify_der(pub, msg, sizeof(msg), der, n), XE2E_OK);
	p256_free(key);
}

/*
 * Point validation with the ECDH ecpoint file (the shared secrets are not
 * computed: P-256 ECDH is not part of the library). Valid points pass;
 * invalid-curve points are refused with XE2E_E_WEAKKEY; the compressed and
 * empty encodings ("acceptable" / invalid) cannot be passed at all, since
 * public keys are always 65 bytes uncompressed.
 */
TEST(p256_wycheproof_points)
{
	cJSON *root = vec_load("wycheproof/ecdh_secp256r1_ecpoint_test.json");
	unsigned ok = 0, refused = 0, by_length = 0;
	struct wp_iter it;

	for (wp_iter_start(&it, root); wp_iter_next(&it); vec_scratch_free()) {
		size_t len;
		uint8_t *pub = vec_hex(it.test, "public", &len);
		int err;

		if (!pub)
			continue;
		if (len != P256_PUB_LEN) {
			CHECK_CASE(it.result != WP_VALID, "tcId %ld", it.tc_id);
			by_length++;
			continue;
		}
		err = p256_check_public(pub);
		if (it.result == WP_VALID) {
			CHECK_CASE(err == XE2E_OK, "tcId %ld", it.tc_id);
			ok++;
		} else {
			CHECK_CASE(err == XE2E_E_WEAKKEY, "tcId %ld", it.tc_id);
			refused++;
		}
	}
	cJSON_Delete(root);
	CHECK_INT(ok + refused + by_length, 355);
	CHECK_INT(refused, 16);
	unit_note("ecdh_secp256r1_ecpoint_test.json: %u valid points accepted, %u off-curve refused, "
		  "%u compressed or empty encodings not expressible (65-byte keys only)",
		  ok, refused, by_length);
}

TEST(p256_rfc6979_deterministic)
{
	uint8_t pub[P256_PUB_LEN], sig[P256_SIG_LEN], again[P256_SIG_LEN], d[P256_PRIV_LEN];
	struct p256_key *key = NULL;
	size_t n;

	CHECK_INT(p256_import_private(&key, vec_unhex(rfc6979_d, &n)), XE2E_OK);
	if (!key)
		return;
	CHECK_INT(p256_public(key, pub), XE2E_OK);
	CHECK_MEM(pub, vec_unhex(rfc6979_pub, &n), P256_PUB_LEN);
	CHECK_INT(p256_export_private(key, d), XE2E_OK);
	CHECK_MEM(d, vec_unhex(rfc6979_d, &n), P256_PRIV_LEN);
	CHECK_INT(p256_sign(key, "sample", 6, sig), XE2E_OK);
	CHECK_MEM(sig, vec_unhex(rfc6979_sample, &n), P256_SIG_LEN);
	CHECK_INT(p256_verify(pub, "sample", 6, sig), XE2E_OK);
	CHECK_INT(p256_sign(key, "sample", 6, again), XE2E_OK);
	CHECK_MEM(again, sig, P256_SIG_LEN);
	CHECK_INT(p256_sign(key, "test", 4, sig), XE2E_OK);
	CHECK_MEM(sig, vec_unhex(rfc6979_test, &n), P256_SIG_LEN);
	CHECK_INT(p256_verify(pub, "sample", 6, sig), XE2E_E_AUTH);
	CHECK(p256_mbedtls_keypair(key) != NULL);
	p256_free(key);
	p256_free(NULL);
	vec_scratch_free();
	unit_note("RFC 6979 A.2.5 P-256/SHA-256 \"sample\" and \"test\": exact r, s");
}

/* A fresh key signs; every flipped bit of signature, message or key is
 * refused. */
TEST(p256_refuses_flipped_bits)
{
	uint8_t pub[P256_PUB_LEN], sig[P256_SIG_LEN], msg[40];
	struct p256_key *key = NULL;
	unsigned weak = 0;

	CHECK_INT(p256_generate(&key), XE2E_OK);
	if (!key)
		return;
	CHECK_INT(rng_bytes(msg, sizeof(msg)), XE2E_OK);
	CHECK_INT(p256_public(key, pub), XE2E_OK);
	CHECK_INT(p256_sign(key, msg, sizeof(msg), sig), XE2E_OK);
	CHECK_INT(p256_verify(pub, msg, sizeof(msg), sig), XE2E_OK);
	for (size_t bit = 0; bit < 8 * sizeof(sig); bit++) {
		sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		CHECK_INT(p256_verify(pub, msg, sizeof(msg), sig), XE2E_E_AUTH);
		sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	for (size_t bit = 0; bit < 8 * sizeof(msg); bit += 7) {
		msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		CHECK_INT(p256_verify(pub, msg, sizeof(msg), sig), XE2E_E_AUTH);
		msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	CHECK_INT(p256_verify(pub, msg, sizeof(msg) - 1, sig), XE2E_E_AUTH);
	for (size_t bit = 0; bit < 8 * sizeof(pub); bit++) {
		int err;

		pub[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		err = p256_verify(pub, msg, sizeof(msg), sig);
		CHECK(err == XE2E_E_WEAKKEY || err == XE2E_E_AUTH);
		weak += err == XE2E_E_WEAKKEY;
		pub[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	CHECK_INT(p256_verify(pub, msg, sizeof(msg), sig), XE2E_OK);
	p256_free(key);
	unit_note("%zu signature bits, %zu message bits, %zu key bits flipped (%u keys off the curve)",
		  8 * sizeof(sig), 8 * sizeof(msg) / 7 + 1, 8 * sizeof(pub), weak);
}

/* r or s of 0, n, or 2^256 - 1 is refused before any arithmetic. */
TEST(p256_refuses_out_of_range_r_s)
{
	uint8_t pub[P256_PUB_LEN], sig[P256_SIG_LEN], bad[P256_SIG_LEN];
	const uint8_t *n_be;
	struct p256_key *key = NULL;
	size_t n;

	n_be = vec_unhex(p256_n_hex, &n);
	CHECK_INT(p256_generate(&key), XE2E_OK);
	if (!key)
		return;
	CHECK_INT(p256_public(key, pub), XE2E_OK);
	CHECK_INT(p256_sign(key, "m", 1, sig), XE2E_OK);
	for (int half = 0; half < 2; half++) {
		uint8_t *x = bad + 32 * half;

		memcpy(bad, sig, sizeof(bad));
		memset(x, 0, 32);
		CHECK_INT(p256_verify(pub, "m", 1, bad), XE2E_E_AUTH);
		memcpy(x, n_be, 32);
		CHECK_INT(p256_verify(pub, "m", 1, bad), XE2E_E_AUTH);
		memset(x, 0xff, 32);
		CHECK_INT(p256_verify(pub, "m", 1, bad), XE2E_E_AUTH);
	}
	CHECK_INT(p256_verify(pub, "m", 1, sig), XE2E_OK);
	p256_free(key);
	vec_scratch_free();
}

TEST(p256_refuses_invalid_points)
{
	uint8_t pub[P256_PUB_LEN], bad[P256_PUB_LEN], sig[P256_SIG_LEN] = {1};
	const uint8_t *p_be;
	struct p256_key *key = NULL;
	size_t n;

	p_be = vec_unhex(p256_p_hex, &n);
	CHECK_INT(p256_generate(&key), XE2E_OK);
	if (!key)
		return;
	CHECK_INT(p256_public(key, pub), XE2E_OK);
	CHECK_INT(p256_check_public(pub), XE2E_OK);
	memset(bad, 0, sizeof(bad));
	CHECK_INT(p256_check_public(bad), XE2E_E_WEAKKEY); /* all zero */
	CHECK_INT(p256_verify(bad, "m", 1, sig), XE2E_E_WEAKKEY);
	memcpy(bad, pub, sizeof(bad));
	bad[64] ^= 1; /* off the curve */
	CHECK_INT(p256_check_public(bad), XE2E_E_WEAKKEY);
	for (int prefix = 0; prefix < 256; prefix++) {
		bad[0] = (uint8_t)prefix;
		memcpy(bad + 1, pub + 1, 64);
		if (prefix != 4)
			CHECK_INT(p256_check_public(bad), XE2E_E_WEAKKEY);
	}
	/* x = p, a coordinate outside the field */
	memcpy(bad, pub, sizeof(bad));
	memcpy(bad + 1, p_be, 32);
	CHECK_INT(p256_check_public(bad), XE2E_E_WEAKKEY);
	p256_free(key);
	vec_scratch_free();
}

TEST(p256_private_key_range)
{
	uint8_t d[P256_PRIV_LEN], back[P256_PRIV_LEN];
	struct p256_key *key = NULL;
	size_t n;

	memset(d, 0, sizeof(d));
	CHECK_INT(p256_import_private(&key, d), XE2E_E_MALFORMED);
	CHECK(key == NULL);
	memcpy(d, vec_unhex(p256_n_hex, &n), 32);
	CHECK_INT(p256_import_private(&key, d), XE2E_E_MALFORMED);
	CHECK(key == NULL);
	d[31] -= 1; /* n - 1 */
	CHECK_INT(p256_import_private(&key, d), XE2E_OK);
	CHECK_INT(p256_export_private(key, back), XE2E_OK);
	CHECK_MEM(back, d, sizeof(d));
	p256_free(key);
	vec_scratch_free();
}

/* The one-byte 00 (infinity), compressed points, trailing bytes, BER
 * lengths and other curves are all refused. */
TEST(p256_spki_is_strict)
{
	static const char prefix[] = "301306072a8648ce3d020106082a8648ce3d030107";
	uint8_t pub[P256_PUB_LEN], back[P256_PUB_LEN], der[200];
	struct buf spki = BUF_INIT, text = BUF_INIT;
	struct p256_key *key = NULL;
	size_t n;
	uint8_t *p;

	CHECK_INT(p256_generate(&key), XE2E_OK);
	if (!key)
		return;
	CHECK_INT(p256_public(key, pub), XE2E_OK);
	CHECK_INT(p256_spki_der(pub, &spki), XE2E_OK);
	CHECK_INT(spki.len, 91);
	CHECK_INT(p256_from_spki_der(spki.data, spki.len, back), XE2E_OK);
	CHECK_MEM(back, pub, P256_PUB_LEN);
	/* trailing byte; truncated */
	memcpy(der, spki.data, spki.len);
	der[spki.len] = 0;
	CHECK_INT(p256_from_spki_der(der, spki.len + 1, back), XE2E_E_MALFORMED);
	CHECK(p256_from_spki_der(der, spki.len - 1, back) != XE2E_OK);
	/* a long-form outer length: 30 81 59 ... */
	der[0] = 0x30;
	der[1] = 0x81;
	memcpy(der + 2, spki.data + 1, spki.len - 1);
	CHECK_INT(p256_from_spki_der(der, spki.len + 1, back), XE2E_E_MALFORMED);
	/* BIT STRING holding the one-byte 00, the point at infinity */
	buf_printf(&text, "3019%s03020000", prefix);
	p = vec_unhex((char *)text.data, &n);
	CHECK(p256_from_spki_der(p, n, back) != XE2E_OK);
	/* the compressed point */
	buf_clear(&text);
	buf_printf(&text, "3039%s032200%02x", prefix, 2 + (pub[64] & 1));
	for (int i = 1; i <= 32; i++)
		buf_printf(&text, "%02x", pub[i]);
	p = vec_unhex((char *)text.data, &n);
	CHECK_INT(n, 59);
	CHECK(p256_from_spki_der(p, n, back) != XE2E_OK);
	/* an off-curve point in an otherwise exact SPKI */
	memcpy(der, spki.data, spki.len);
	der[spki.len - 1] ^= 1;
	CHECK_INT(p256_from_spki_der(der, spki.len, back), XE2E_E_WEAKKEY);
	/* a P-384 key (openssl-generated SPKI) */
	p = vec_unhex("3076301006072a8648ce3d020106052b8104002203620004"
		      "a13d3d94315e6c817061a1b6e054924d2f9f816fd93b80eba43d2a55db29636c"
		      "2f5408b2c127638a136c2e5181f4d2799d530da2b9da8b2e06bc56e161f14c62"
		      "002c554efd632de9829209e021ec455a564e6a65e70e3f84499d2d1bec94bad0", &n);
	CHECK_INT(n, 120);
	CHECK_INT(p256_from_spki_der(p, n, back), XE2E_E_UNSUPPORTED);
	CHECK_INT(p256_from_spki_der(NULL, 0, back), XE2E_E_MALFORMED);
	buf_free(&text);
	buf_free(&spki);
	p256_free(key);
	vec_scratch_free();
}

/* SEC1 ECPrivateKey (RFC 5915) with only the scalar and the curve, as PEM,
 * so that openssl computes the public key itself. */
static int sig_write_pem(const char *path, const uint8_t d[static P256_PRIV_LEN])
{
	uint8_t der[51] = {0x30, 0x31, 0x02, 0x01, 0x01, 0x04, 0x20};
	static const uint8_t curve[] = {0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48,
					0xce, 0x3d, 0x03, 0x01, 0x07};
	char b64[80];
	FILE *f;
	int ok;

	memcpy(der + 7, d, 32);
	memcpy(der + 39, curve, sizeof(curve));
	if (b64_encode(der, sizeof(der), b64, sizeof(b64)) != XE2E_OK)
		return -1;
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "-----BEGIN EC PRIVATE KEY-----\n%s\n-----END EC PRIVATE KEY-----\n", b64);
	ok = fclose(f) == 0;
	wipe(der, sizeof(der));
	return ok ? 0 : -1;
}

/* openssl's SHA-256 of the SPKI DER of the key in a PEM file, as hex. */
static int sig_openssl_fingerprint(const char *pem, char hex[65])
{
	char cmd[640], line[128];
	FILE *p;
	int ok;

	snprintf(cmd, sizeof(cmd),
		 "openssl pkey -in '%s' -pubout -outform DER 2>/dev/null | sha256sum", pem);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	ok = fgets(line, sizeof(line), p) != NULL && strlen(line) > 64 && line[64] == ' ';
	if (pclose(p) != 0 || !ok)
		return -1;
	memcpy(hex, line, 64);
	hex[64] = '\0';
	return 0;
}

/* The fingerprint is what `openssl pkey -pubout -outform DER | sha256sum`
 * prints for the same private key: openssl derives the public key and
 * writes the SPKI itself. */
TEST(p256_fingerprint_matches_openssl)
{
	char pem[512], want[65], got[65], text[FINGERPRINT_TEXT_LEN];
	uint8_t d[P256_PRIV_LEN], pub[P256_PUB_LEN], fpr[FINGERPRINT_LEN];
	struct p256_key *key = NULL;
	size_t n;

	if (system("openssl version >/dev/null 2>&1") != 0) {
		unit_note("openssl not found: skipped");
		return;
	}
	for (int i = 0; i < 3; i++) {
		if (i == 0)
			CHECK_INT(p256_import_private(&key, vec_unhex(rfc6979_d, &n)), XE2E_OK);
		else
			CHECK_INT(p256_generate(&key), XE2E_OK);
		if (!key)
			return;
		CHECK_INT(p256_export_private(key, d), XE2E_OK);
		CHECK_INT(p256_public(key, pub), XE2E_OK);
		CHECK_INT(p256_fingerprint(pub, fpr), XE2E_OK);
		snprintf(pem, sizeof(pem), "%s/key%d.pem", unit_tmpdir(), i);
		CHECK_INT(sig_write_pem(pem, d), 0);
		CHECK_INT(sig_openssl_fingerprint(pem, want), 0);
		hex_encode(fpr, sizeof(fpr), got);
		CHECK_STR(got, want);
		fingerprint_format(fpr, text);
		CHECK_INT(fingerprint_parse(text, d), XE2E_OK);
		CHECK_MEM(d, fpr, FINGERPRINT_LEN);
		CHECK_INT(fingerprint_parse(want, d), XE2E_OK);
		CHECK_MEM(d, fpr, FINGERPRINT_LEN);
		p256_free(key);
		key = NULL;
	}
	wipe(d, sizeof(d));
	vec_scratch_free();
	unit_note("3 keys (RFC 6979's and 2 fresh): fingerprint equals openssl's");
}

TEST(fingerprint_format_and_parse)
{
	uint8_t fpr[FINGERPRINT_LEN], back[FINGERPRINT_LEN];
	char text[FINGERPRINT_TEXT_LEN], hex[65], colons[96], upper[FINGERPRINT_TEXT_LEN];
	size_t o = 0;

	for (int i = 0; i < FINGERPRINT_LEN; i++)
		fpr[i] = (uint8_t)(0xa0 + i * 7);
	fingerprint_format(fpr, text);
	CHECK_INT(strlen(text), FINGERPRINT_TEXT_LEN - 1);
	CHECK(strncmp(text, "a0a7 aeb5 bcc3 ", 15) == 0);
	for (int i = 0; i < 79; i++)
		CHECK(i % 5 == 4 ? text[i] == ' ' : (text[i] >= '0' && text[i] <= '9') ||
						  (text[i] >= 'a' && text[i] <= 'f'));
	CHECK_INT(fingerprint_parse(text, back), XE2E_OK);
	CHECK_MEM(back, fpr, FINGERPRINT_LEN);
	hex_encode(fpr, FINGERPRINT_LEN, hex);
	memset(back, 0, sizeof(back));
	CHECK_INT(fingerprint_parse(hex, back), XE2E_OK);
	CHECK_MEM(back, fpr, FINGERPRINT_LEN);
	for (int i = 0; i < FINGERPRINT_LEN; i++)
		o += (size_t)snprintf(colons + o, sizeof(colons) - o, i ? ":%02X" : "%02X", fpr[i]);
	memset(back, 0, sizeof(back));
	CHECK_INT(fingerprint_parse(colons, back), XE2E_OK);
	CHECK_MEM(back, fpr, FINGERPRINT_LEN);
	for (int i = 0; text[i]; i++)
		upper[i] = (char)(text[i] >= 'a' && text[i] <= 'f' ? text[i] - 32 : text[i]);
	upper[79] = '\0';
	CHECK_INT(fingerprint_parse(upper, back), XE2E_OK);
	CHECK_MEM(back, fpr, FINGERPRINT_LEN);

	hex[63] = '\0';
	CHECK_INT(fingerprint_parse(hex, back), XE2E_E_MALFORMED); /* 63 digits */
	hex_encode(fpr, FINGERPRINT_LEN, hex);
	char longer[70];
	snprintf(longer, sizeof(longer), "%s0", hex);
	CHECK_INT(fingerprint_parse(longer, back), XE2E_E_MALFORMED); /* 65 digits */
	snprintf(longer, sizeof(longer), " %s", hex);
	CHECK_INT(fingerprint_parse(longer, back), XE2E_E_MALFORMED);
	snprintf(longer, sizeof(longer), "%s:", hex);
	CHECK_INT(fingerprint_parse(longer, back), XE2E_E_MALFORMED);
	snprintf(longer, sizeof(longer), "%.4s  %s", hex, hex + 4);
	CHECK_INT(fingerprint_parse(longer, back), XE2E_E_MALFORMED);
	hex[10] = 'g';
	CHECK_INT(fingerprint_parse(hex, back), XE2E_E_MALFORMED);
	CHECK_INT(fingerprint_parse("", back), XE2E_E_MALFORMED);
}
