/*
 * Hexadecimal and fingerprints (encoding.h, sig.h): hex_decode() accepts
 * exactly 2n digits of either case and nothing else; fingerprint_parse()
 * accepts 64 digits with single separators, and its result printed by
 * fingerprint_format() parses back to the same bytes.
 */
#include "fuzz.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "err.h"
#include "sig.h"

static void fz_hex_decode(const char *in, size_t size)
{
	size_t n = size / 2;
	uint8_t *out = malloc(n + 1);
	char *again = malloc(2 * n + 1);
	int err;

	if (!out || !again)
		goto done;
	err = hex_decode(in, size, out, n);
	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED);
	if (err == XE2E_OK) {
		FUZZ_CHECK(size % 2 == 0);
		hex_encode(out, n, again);
		for (size_t i = 0; i < size; i++)
			FUZZ_CHECK(isxdigit((unsigned char)in[i]) &&
				   again[i] == (char)tolower((unsigned char)in[i]));
	}
	/* One digit more than asked for is always refused. */
	FUZZ_CHECK(size == 0 || hex_decode(in, size, out, (size - 1) / 2) == XE2E_E_MALFORMED ||
		   size % 2 == 0);
done:
	free(out);
	free(again);
}

static void fz_hex_fingerprint(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	char printed[FINGERPRINT_TEXT_LEN];
	uint8_t fpr[FINGERPRINT_LEN], again[FINGERPRINT_LEN];
	size_t digits = 0;
	int err;

	if (!text)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	err = fingerprint_parse(text, fpr);
	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED);
	if (err == XE2E_OK) {
		for (size_t i = 0; text[i]; i++)
			digits += isxdigit((unsigned char)text[i]) != 0;
		FUZZ_CHECK(digits == 2 * FINGERPRINT_LEN);
		fingerprint_format(fpr, printed);
		FUZZ_CHECK(fingerprint_parse(printed, again) == XE2E_OK);
		FUZZ_CHECK(memcmp(fpr, again, FINGERPRINT_LEN) == 0);
	}
	free(text);
}

int fuzz_hex(const uint8_t *data, size_t size)
{
	fz_hex_decode((const char *)data, size);
	fz_hex_fingerprint(data, size);
	return 0;
}
