#include <string.h>

#include "err.h"
#include "psk.h"
#include "unit.h"
#include "util.h"

/* PSK 00 01 .. 1f; check = SHA-256("xe2e psk check" || PSK)[0..4],
 * computed with Python's hashlib, then base64url. */
static const char vector[] = "xe2e-psk-AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh93GUBN";

TEST(psk_parses_a_known_text)
{
	uint8_t psk[PSK_LEN], want[PSK_LEN];
	char text[PSK_TEXT_LEN];

	for (int i = 0; i < PSK_LEN; i++)
		want[i] = (uint8_t)i;
	CHECK_INT(psk_parse(vector, strlen(vector), psk), XE2E_OK);
	CHECK_MEM(psk, want, PSK_LEN);
	CHECK_INT(psk_format(want, text), XE2E_OK);
	CHECK_STR(text, vector);
}

TEST(psk_round_trips_and_is_random)
{
	uint8_t a[PSK_LEN], b[PSK_LEN], got[PSK_LEN];
	char ta[PSK_TEXT_LEN], tb[PSK_TEXT_LEN];

	CHECK_INT(psk_generate(a), XE2E_OK);
	CHECK_INT(psk_generate(b), XE2E_OK);
	CHECK(memcmp(a, b, PSK_LEN) != 0);
	CHECK_INT(psk_format(a, ta), XE2E_OK);
	CHECK_INT(psk_format(b, tb), XE2E_OK);
	CHECK_INT(strlen(ta), PSK_TEXT_LEN - 1);
	CHECK(strncmp(ta, PSK_PREFIX, strlen(PSK_PREFIX)) == 0);
	CHECK(strcmp(ta, tb) != 0);
	CHECK_INT(psk_parse(ta, strlen(ta), got), XE2E_OK);
	CHECK_MEM(got, a, PSK_LEN);
}

TEST(psk_refuses_every_typo)
{
	char text[PSK_TEXT_LEN];
	uint8_t psk[PSK_LEN];
	size_t len = strlen(vector);
	unsigned cases = 0;

	/* Each character replaced by each other character of the alphabet. */
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/= ";
	for (size_t i = 0; i < len; i++) {
		for (const char *c = alphabet; *c; c++) {
			if (*c == vector[i])
				continue;
			memcpy(text, vector, len + 1);
			text[i] = *c;
			if (psk_parse(text, len, psk) == XE2E_OK)
				unit_fail(__FILE__, __LINE__, "accepted %s", text);
			cases++;
		}
	}
	for (size_t n = 0; n < len; n++, cases++)
		CHECK_INT(psk_parse(vector, n, psk), XE2E_E_MALFORMED);
	memcpy(text, vector, len);
	text[len] = '\n';
	CHECK_INT(psk_parse(text, len + 1, psk), XE2E_E_MALFORMED);
	CHECK(ct_is_zero(psk, PSK_LEN)); /* wiped on failure */
	unit_note("%u mistyped or truncated PSKs refused", cases);
}
