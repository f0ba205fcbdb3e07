#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "keyfile.h"
#include "rng.h"
#include "store.h"
#include "unit.h"

#define PASS "correct horse battery staple"
#define ITER 1000 /* fast; the default is KEYFILE_ITERATIONS_DEFAULT */

/*
 * Made independently of this code (Python: hashlib.pbkdf2_hmac and the
 * cryptography package's AESGCM), following the format in keyfile.h: key
 * 20 21 .. 3f, passphrase PASS, salt 00 .. 0f, nonce a0 .. ab, 1000
 * iterations, the header lines as associated data.
 */
static const char vector_text[] =
	"xe2e private key v1\n"
	"type: x25519\n"
	"kdf: pbkdf2-sha256\n"
	"iterations: 1000\n"
	"salt: AAECAwQFBgcICQoLDA0ODw==\n"
	"nonce: oKGio6Slpqeoqaqr\n"
	"key: 9v2R8Wk+JZI4lpvLPo81U0mjSSlWnCjog6eVG+VJayeTBs0SD02h+1B7jtdx6dqy\n";
static const char vector_key[] = "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";

static const enum keyfile_type types[] = {KEYFILE_P256, KEYFILE_X25519};

static int decode(const struct buf *b, enum keyfile_type want, const char *pass, uint8_t key[32])
{
	return keyfile_decode(b->data, b->len, want, pass, pass ? strlen(pass) : 0, key);
}

TEST(keyfile_decodes_an_independent_vector)
{
	uint8_t key[KEYFILE_KEY_LEN], *want;
	size_t n, len = strlen(vector_text);
	int protected = 0;

	want = unit_hex(vector_key, &n);
	CHECK_INT(keyfile_is_protected((const uint8_t *)vector_text, len, &protected), XE2E_OK);
	CHECK_INT(protected, 1);
	CHECK_INT(keyfile_decode((const uint8_t *)vector_text, len, KEYFILE_X25519, PASS,
				 strlen(PASS), key), XE2E_OK);
	CHECK_MEM(key, want, KEYFILE_KEY_LEN);
	CHECK_INT(keyfile_decode((const uint8_t *)vector_text, len, KEYFILE_X25519, "Correct horse battery staple",
				 strlen(PASS), key), XE2E_E_PASSPHRASE);
	CHECK_INT(keyfile_decode((const uint8_t *)vector_text, len, KEYFILE_P256, PASS,
				 strlen(PASS), key), XE2E_E_MALFORMED);
	CHECK(strstr(err_detail(), "x25519") != NULL);
	free(want);
}

TEST(keyfile_round_trips_both_types_protected_or_not)
{
	uint8_t key[KEYFILE_KEY_LEN], got[KEYFILE_KEY_LEN];
	struct buf b = BUF_INIT;
	int protected;

	for (size_t t = 0; t < 2; t++) {
		for (int with_pass = 0; with_pass < 2; with_pass++) {
			const char *pass = with_pass ? PASS : NULL;

			CHECK_INT(rng_bytes(key, sizeof(key)), XE2E_OK);
			buf_clear(&b);
			CHECK_INT(keyfile_encode(types[t], key, pass, pass ? strlen(pass) : 0, ITER, &b),
				  XE2E_OK);
			CHECK_INT(keyfile_is_protected(b.data, b.len, &protected), XE2E_OK);
			CHECK_INT(protected, with_pass);
			CHECK_INT(decode(&b, types[t], pass, got), XE2E_OK);
			CHECK_MEM(got, key, sizeof(key));
			CHECK(memmem(b.data, b.len, keyfile_type_name(types[t]), 4) != NULL);
			/* The other type is refused, with or without the passphrase. */
			CHECK_INT(decode(&b, types[1 - t], pass, got), XE2E_E_MALFORMED);
		}
	}
	buf_free(&b);
}

TEST(keyfile_needs_the_right_passphrase)
{
	uint8_t key[KEYFILE_KEY_LEN], got[KEYFILE_KEY_LEN];
	struct buf b = BUF_INIT;

	CHECK_INT(rng_bytes(key, sizeof(key)), XE2E_OK);
	CHECK_INT(keyfile_encode(KEYFILE_P256, key, PASS, strlen(PASS), ITER, &b), XE2E_OK);
	CHECK_INT(decode(&b, KEYFILE_P256, "wrong", got), XE2E_E_PASSPHRASE);
	CHECK(strstr(err_detail(), "wrong passphrase") != NULL);
	CHECK_INT(decode(&b, KEYFILE_P256, NULL, got), XE2E_E_PASSPHRASE);
	CHECK_INT(keyfile_decode(b.data, b.len, KEYFILE_P256, PASS, strlen(PASS) - 1, got),
		  XE2E_E_PASSPHRASE);
	buf_free(&b);
}

/* Every byte of a file flipped in turn: nothing may decode to the key. */
static void flip_every_byte(enum keyfile_type type, const char *pass, unsigned *malformed,
			    unsigned *refused, unsigned *other_key)
{
	uint8_t key[KEYFILE_KEY_LEN], got[KEYFILE_KEY_LEN];
	struct buf b = BUF_INIT;
	int err;

	CHECK_INT(rng_bytes(key, sizeof(key)), XE2E_OK);
	CHECK_INT(keyfile_encode(type, key, pass, pass ? strlen(pass) : 0, ITER, &b), XE2E_OK);
	for (size_t i = 0; i < b.len; i++) {
		b.data[i] ^= 0x01;
		err = decode(&b, type, pass, got);
		if (err == XE2E_E_MALFORMED)
			(*malformed)++;
		else if (err == XE2E_E_PASSPHRASE)
			(*refused)++;
		else if (err == XE2E_OK && memcmp(got, key, sizeof(key)) != 0)
			(*other_key)++;
		else
			unit_fail(__FILE__, __LINE__, "byte %zu flipped: %d", i, err);
		b.data[i] ^= 0x01;
	}
	buf_free(&b);
}

TEST(keyfile_detects_a_flipped_byte_anywhere)
{
	unsigned malformed = 0, refused = 0, other_key = 0;

	flip_every_byte(KEYFILE_P256, PASS, &malformed, &refused, &other_key);
	flip_every_byte(KEYFILE_X25519, PASS, &malformed, &refused, &other_key);
	/* A protected file has no byte whose change goes unnoticed. */
	CHECK_INT(other_key, 0);
	CHECK(refused > 0 && malformed > 0);
	unit_note("protected: %u flips malformed, %u failed authentication", malformed, refused);
	malformed = refused = 0;
	flip_every_byte(KEYFILE_P256, NULL, &malformed, &refused, &other_key);
	flip_every_byte(KEYFILE_X25519, NULL, &malformed, &refused, &other_key);
	/* An unprotected key has no integrity of its own (identity.c checks
	 * the key against the certificate and binding): only its value may
	 * change, never silently into the same key. */
	CHECK_INT(refused, 0);
	unit_note("unprotected: %u flips malformed, %u gave another key", malformed, other_key);
}

TEST(keyfile_refuses_every_truncation)
{
	uint8_t key[KEYFILE_KEY_LEN], got[KEYFILE_KEY_LEN];
	struct buf b = BUF_INIT;
	unsigned cases = 0;

	for (int with_pass = 0; with_pass < 2; with_pass++) {
		const char *pass = with_pass ? PASS : NULL;

		buf_clear(&b);
		CHECK_INT(rng_bytes(key, sizeof(key)), XE2E_OK);
		CHECK_INT(keyfile_encode(KEYFILE_X25519, key, pass, pass ? strlen(pass) : 0, ITER, &b),
			  XE2E_OK);
		for (size_t len = 0; len < b.len; len++, cases++)
			CHECK(keyfile_decode(b.data, len, KEYFILE_X25519, pass, pass ? strlen(pass) : 0,
					     got) != XE2E_OK);
		/* And text after the end. */
		CHECK_INT(buf_append_str(&b, "extra\n"), XE2E_OK);
		CHECK_INT(decode(&b, KEYFILE_X25519, pass, got), XE2E_E_MALFORMED);
	}
	unit_note("%u truncated files refused", cases);
	buf_free(&b);
}

static void check_malformed_line(const char *text, int line)
{
	uint8_t got[KEYFILE_KEY_LEN];
	char want[32];

	CHECK_INT(keyfile_decode((const uint8_t *)text, strlen(text), KEYFILE_X25519, PASS,
				 strlen(PASS), got), XE2E_E_MALFORMED);
	snprintf(want, sizeof(want), "line %d:", line);
	if (strncmp(err_detail(), want, strlen(want)) != 0)
		unit_fail(__FILE__, __LINE__, "detail \"%s\", want \"%s ...\"", err_detail(), want);
}

TEST(keyfile_names_the_bad_line)
{
	check_malformed_line("xe2e private key v2\n", 1);
	check_malformed_line("xe2e private key v1\ntype: ed25519\n", 2);
	check_malformed_line("xe2e private key v1\ntype: x25519\nkdf: scrypt\n", 3);
	check_malformed_line("xe2e private key v1\ntype: x25519\nkdf: pbkdf2-sha256\n"
			     "iterations: 999\n", 4);
	check_malformed_line("xe2e private key v1\ntype: x25519\nkdf: pbkdf2-sha256\n"
			     "iterations: 01000\n", 4);
	check_malformed_line("xe2e private key v1\ntype: x25519\nkdf: pbkdf2-sha256\n"
			     "iterations: 1000\nsalt: AAECAwQFBgcICQoLDA0ODw\n", 5);
	check_malformed_line("xe2e private key v1\ntype: x25519\nkdf: none\n"
			     "key: AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8= \n", 4);
	check_malformed_line("xe2e private key v1\ntype: x25519\nkdf: none\n"
			     "key:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", 4);
	check_malformed_line("xe2e private key v1\r\ntype: x25519\n", 1);
}

TEST(keyfile_refuses_an_all_zero_key)
{
	static const char text[] = "xe2e private key v1\ntype: x25519\nkdf: none\n"
				   "key: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
	uint8_t got[KEYFILE_KEY_LEN];

	CHECK_INT(keyfile_decode((const uint8_t *)text, strlen(text), KEYFILE_X25519, NULL, 0, got),
		  XE2E_E_WEAKKEY);
}

TEST(keyfile_iterations_come_from_the_environment_for_tests)
{
	const char *old = getenv(KEYFILE_ITERATIONS_ENV);
	char *saved = old ? strdup(old) : NULL;
	uint32_t n = 0;

	unsetenv(KEYFILE_ITERATIONS_ENV);
	CHECK_INT(keyfile_iterations(&n), XE2E_OK);
	CHECK_INT(n, KEYFILE_ITERATIONS_DEFAULT);
	CHECK(KEYFILE_ITERATIONS_DEFAULT >= 600000);
	setenv(KEYFILE_ITERATIONS_ENV, "2000", 1);
	CHECK_INT(keyfile_iterations(&n), XE2E_OK);
	CHECK_INT(n, 2000);
	setenv(KEYFILE_ITERATIONS_ENV, "10", 1);
	CHECK_INT(keyfile_iterations(&n), XE2E_E_MALFORMED);
	setenv(KEYFILE_ITERATIONS_ENV, "2000x", 1);
	CHECK_INT(keyfile_iterations(&n), XE2E_E_MALFORMED);
	if (saved)
		setenv(KEYFILE_ITERATIONS_ENV, saved, 1);
	else
		unsetenv(KEYFILE_ITERATIONS_ENV);
	free(saved);
}

TEST(keyfile_save_and_load_guard_the_file)
{
	const char *dir = unit_tmpdir();
	char path[STORE_PATH_MAX], pass_path[STORE_PATH_MAX];
	uint8_t key[KEYFILE_KEY_LEN], got[KEYFILE_KEY_LEN];
	struct passphrase pp;
	struct stat st;
	int protected = -1;

	snprintf(path, sizeof(path), "%s/device.key", dir);
	CHECK_INT(rng_bytes(key, sizeof(key)), XE2E_OK);
	CHECK_INT(keyfile_save(path, KEYFILE_X25519, key, NULL), XE2E_OK);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0600);
	CHECK_INT(keyfile_save(path, KEYFILE_X25519, key, NULL), XE2E_E_EXISTS);
	CHECK_INT(keyfile_load(path, KEYFILE_X25519, NULL, got, &protected), XE2E_OK);
	CHECK_INT(protected, 0);
	CHECK_MEM(got, key, sizeof(key));
	chmod(path, 0644);
	CHECK_INT(keyfile_load(path, KEYFILE_X25519, NULL, got, NULL), XE2E_E_PERM);
	CHECK(strstr(err_detail(), "chmod 600") != NULL);
	remove(path);

	/* A passphrase file protects; loading asks the same source. */
	snprintf(pass_path, sizeof(pass_path), "%s/pass", dir);
	CHECK_INT(store_create(pass_path, PASS "\n", strlen(PASS) + 1, 0600), XE2E_OK);
	setenv(KEYFILE_ITERATIONS_ENV, "1000", 1);
	passphrase_init(&pp, pass_path, 0);
	snprintf(path, sizeof(path), "%s/identity.key", dir);
	CHECK_INT(keyfile_save(path, KEYFILE_P256, key, &pp), XE2E_OK);
	passphrase_wipe(&pp);
	CHECK_INT(keyfile_load(path, KEYFILE_P256, NULL, got, &protected), XE2E_E_PASSPHRASE);
	CHECK_INT(protected, 1);
	passphrase_init(&pp, pass_path, 0);
	CHECK_INT(keyfile_load(path, KEYFILE_P256, &pp, got, &protected), XE2E_OK);
	CHECK_MEM(got, key, sizeof(key));
	passphrase_wipe(&pp);
	unsetenv(KEYFILE_ITERATIONS_ENV);
}
