#include <stdio.h>
#include <string.h>

#include "encoding.h"
#include "err.h"
#include "rng.h"
#include "unit.h"

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* RFC 4648 section 10. */
TEST(b64_rfc4648_examples)
{
	static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	char out[16];
	uint8_t dec[8];
	size_t n;

	for (size_t i = 0; i < 7; i++) {
		size_t len = strlen(plain[i]);

		CHECK_INT(b64_encoded_size(len), strlen(enc[i]) + 1);
		CHECK_INT(b64_encode((const uint8_t *)plain[i], len, out, sizeof(out)), XE2E_OK);
		CHECK_STR(out, enc[i]);
		CHECK_INT(b64_decode(enc[i], strlen(enc[i]), dec, sizeof(dec), &n), XE2E_OK);
		CHECK_INT(n, len);
		CHECK_MEM(dec, plain[i], len);
	}
	CHECK_INT(b64_encode((const uint8_t *)"foo", 3, out, 4), XE2E_E_LIMIT);
	CHECK_INT(b64_encode((const uint8_t *)"foo", 3, out, 5), XE2E_OK);
	CHECK_INT(b64_decode("Zm9vYmFy", 8, dec, 5, &n), XE2E_E_LIMIT);
}

TEST(b64_refuses_non_canonical)
{
	static const char *const bad[] = {
		"Zg",         /* missing padding */
		"Zg=",        /* short padding */
		"Zg===",      /* extra padding */
		"Zh==",       /* non-zero trailing bits */
		"Zm9=",       /* non-zero trailing bits */
		"Zm8=Zm8=",   /* padding in the middle */
		"Zm9v\n",     /* newline */
		"Zm 9v",      /* space */
		" Zm9v",
		"Zm9v ",
		"Zm9v====",
		"====",
		"=Zm9",
		"Zm-v",       /* base64url */
		"Zm_v",
		"Zm9v\r\n",
		"A",
		"AA=A",
	};
	uint8_t out[16];
	size_t n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = b64_decode(bad[i], strlen(bad[i]), out, sizeof(out), &n);

		if (err != XE2E_E_MALFORMED)
			unit_fail(__FILE__, __LINE__, "\"%s\" gave %d, want XE2E_E_MALFORMED", bad[i], err);
	}
	/* A NUL inside the given length is not base64 either. */
	CHECK_INT(b64_decode("Zm\0v", 4, out, sizeof(out), &n), XE2E_E_MALFORMED);
}

/*
 * Every 4-character string of the 2- and 1-byte forms ("XY==", "XYZ="):
 * exactly 256 and 65536 are accepted, and each accepted string is the
 * encoding of what it decodes to, so every byte string has exactly one
 * accepted encoding.
 */
TEST(b64_accepts_exactly_one_encoding)
{
	unsigned accepted[2] = {0, 0};
	char in[5] = "====", again[5];
	uint8_t out[3];
	size_t n;

	for (int pads = 2; pads >= 1; pads--) {
		size_t combos = pads == 2 ? 64 * 64 : 64 * 64 * 64;

		for (size_t c = 0; c < combos; c++) {
			in[0] = b64_alphabet[c % 64];
			in[1] = b64_alphabet[c / 64 % 64];
			in[2] = pads == 2 ? '=' : b64_alphabet[c / 4096];
			if (b64_decode(in, 4, out, sizeof(out), &n) != XE2E_OK)
				continue;
			accepted[2 - pads]++;
			CHECK(n == (size_t)(3 - pads));
			CHECK_INT(b64_encode(out, n, again, sizeof(again)), XE2E_OK);
			CHECK_STR(again, in);
		}
	}
	CHECK_INT(accepted[0], 256);
	CHECK_INT(accepted[1], 65536);
	unit_note("accepted %u of 4096 \"XY==\" and %u of 262144 \"XYZ=\"", accepted[0], accepted[1]);
}

TEST(b64_round_trips_random_data)
{
	uint8_t data[100], out[100];
	char enc[140];
	size_t n;

	for (size_t len = 0; len <= sizeof(data); len++) {
		CHECK_INT(rng_bytes(data, len), XE2E_OK);
		CHECK_INT(b64_encode(data, len, enc, b64_encoded_size(len)), XE2E_OK);
		CHECK_INT(strlen(enc) + 1, b64_encoded_size(len));
		CHECK_INT(b64_decode(enc, strlen(enc), out, len, &n), XE2E_OK);
		CHECK_INT(n, len);
		CHECK_MEM(out, data, len);
	}
}

TEST(hex_round_trips_and_is_strict)
{
	uint8_t all[256], out[256];
	char hex[513];

	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	hex_encode(all, 256, hex);
	CHECK_INT(strlen(hex), 512);
	CHECK(strncmp(hex, "000102", 6) == 0 && strcmp(hex + 506, "fdfeff") == 0);
	CHECK(strncmp(hex + 2 * 0x9a, "9a9b", 4) == 0);
	CHECK_INT(hex_decode(hex, 512, out, 256), XE2E_OK);
	CHECK_MEM(out, all, 256);
	CHECK_INT(hex_decode("ABcdEF", 6, out, 3), XE2E_OK);
	CHECK_MEM(out, "\xab\xcd\xef", 3);
	CHECK_INT(hex_decode("abc", 3, out, 2), XE2E_E_MALFORMED);
	CHECK_INT(hex_decode("abcd", 4, out, 1), XE2E_E_MALFORMED);
	CHECK_INT(hex_decode("abcg", 4, out, 2), XE2E_E_MALFORMED);
	CHECK_INT(hex_decode("ab d", 4, out, 2), XE2E_E_MALFORMED);
	CHECK_INT(hex_decode("0x12", 4, out, 2), XE2E_E_MALFORMED);
	CHECK_INT(hex_decode("", 0, out, 0), XE2E_OK);
	/* every non-hex byte is refused */
	for (int c = 0; c < 256; c++) {
		char in[2] = {(char)c, '0'};
		int ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');

		CHECK_INT(hex_decode(in, 2, out, 1), ok ? XE2E_OK : XE2E_E_MALFORMED);
	}
}
