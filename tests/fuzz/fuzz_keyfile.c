/*
 * Private key files (keyfile.h). An unprotected key that decodes must
 * encode back to exactly the input; a protected one (passphrase "fuzz",
 * tried only when its iteration count is small, since each try runs
 * PBKDF2) must decode again after re-encryption; keyfile_is_protected()
 * must agree with keyfile_decode(); the other key type is always refused;
 * a refused file leaves the key wiped. What decodes is then loaded as the
 * key it claims to be.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dh.h"
#include "err.h"
#include "keyfile.h"
#include "sig.h"

#define FZ_KEYFILE_PASS "fuzz"
#define FZ_KEYFILE_MAX_ITERATIONS 2000u

/* The iteration count the text names, or 0 when it names none. */
static unsigned long fz_keyfile_iterations(const uint8_t *data, size_t size)
{
	static const char field[] = "\niterations: ";
	char digits[12];
	size_t n = 0;

	for (size_t i = 0; i + sizeof(field) - 1 <= size; i++) {
		if (memcmp(data + i, field, sizeof(field) - 1) != 0)
			continue;
		for (i += sizeof(field) - 1; i < size && n < sizeof(digits) - 1 && data[i] >= '0' &&
					     data[i] <= '9';
		     i++)
			digits[n++] = (char)data[i];
		break;
	}
	digits[n] = '\0';
	return n ? strtoul(digits, NULL, 10) : 0;
}

static void fz_keyfile_use(enum keyfile_type type, const uint8_t key[static KEYFILE_KEY_LEN])
{
	struct p256_key *p = NULL;
	uint8_t pub[X25519_LEN];
	int err;

	if (type == KEYFILE_P256) {
		err = p256_import_private(&p, key);
		FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED);
		FUZZ_CHECK((err == XE2E_OK) == (p != NULL));
		p256_free(p);
	} else {
		err = x25519_public(pub, key);
		FUZZ_CHECK(err == XE2E_OK);
	}
}

static void fz_keyfile_again(enum keyfile_type type, const uint8_t key[static KEYFILE_KEY_LEN],
			     const uint8_t *data, size_t size, int protected, unsigned long iterations)
{
	struct buf out = BUF_INIT;
	uint8_t back[KEYFILE_KEY_LEN];
	const char *pass = protected ? FZ_KEYFILE_PASS : NULL;
	size_t pass_len = protected ? strlen(FZ_KEYFILE_PASS) : 0;

	FUZZ_CHECK(keyfile_encode(type, key, pass, pass_len, (uint32_t)iterations, &out) == XE2E_OK);
	if (!protected)
		FUZZ_CHECK(out.len == size && memcmp(out.data, data, size) == 0);
	FUZZ_CHECK(keyfile_decode(out.data, out.len, type, pass, pass_len, back) == XE2E_OK);
	FUZZ_CHECK(memcmp(back, key, KEYFILE_KEY_LEN) == 0);
	buf_free(&out);
}

static void fz_keyfile_type(const uint8_t *data, size_t size, enum keyfile_type type,
			    int parsed, int protected)
{
	enum keyfile_type other = type == KEYFILE_P256 ? KEYFILE_X25519 : KEYFILE_P256;
	unsigned long iterations = fz_keyfile_iterations(data, size);
	int try_pass = protected && iterations <= FZ_KEYFILE_MAX_ITERATIONS;
	uint8_t key[KEYFILE_KEY_LEN], zero[KEYFILE_KEY_LEN] = {0};
	int err;

	memset(key, 0x5a, sizeof(key));
	err = keyfile_decode(data, size, type, NULL, 0, key);
	if (!parsed)
		FUZZ_CHECK(err == XE2E_E_MALFORMED);
	else if (protected)
		FUZZ_CHECK(err == XE2E_E_PASSPHRASE || err == XE2E_E_MALFORMED);
	if (err == XE2E_OK) {
		FUZZ_CHECK(keyfile_decode(data, size, other, NULL, 0, key) == XE2E_E_MALFORMED);
		FUZZ_CHECK(keyfile_decode(data, size, type, NULL, 0, key) == XE2E_OK);
		fz_keyfile_use(type, key);
		fz_keyfile_again(type, key, data, size, 0, 0);
	} else if (try_pass) {
		err = keyfile_decode(data, size, type, FZ_KEYFILE_PASS, strlen(FZ_KEYFILE_PASS), key);
		FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_PASSPHRASE || err == XE2E_E_MALFORMED ||
			   err == XE2E_E_WEAKKEY);
		if (err == XE2E_OK) {
			fz_keyfile_use(type, key);
			fz_keyfile_again(type, key, data, size, 1, iterations);
		}
	}
	if (err != XE2E_OK)
		FUZZ_CHECK(memcmp(key, zero, sizeof(key)) == 0);
	memset(key, 0, sizeof(key));
}

int fuzz_keyfile(const uint8_t *data, size_t size)
{
	int protected = -1, err;

	if (size > KEYFILE_MAX_SIZE)
		return 0;
	err = keyfile_is_protected(data, size, &protected);
	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED);
	if (err == XE2E_OK)
		FUZZ_CHECK(protected == 0 || protected == 1);
	fz_keyfile_type(data, size, KEYFILE_P256, err == XE2E_OK, protected == 1);
	fz_keyfile_type(data, size, KEYFILE_X25519, err == XE2E_OK, protected == 1);
	return 0;
}
