#include "psk.h"

#include <string.h>

#include "encoding.h"
#include "err.h"
#include "hash.h"
#include "rng.h"
#include "util.h"

#define CHECK_LABEL "xe2e psk check"
#define CHECK_LEN 4
#define RAW_LEN (PSK_LEN + CHECK_LEN)
#define PREFIX_LEN (sizeof(PSK_PREFIX) - 1)
#define BODY_LEN 48 /* base64 of RAW_LEN bytes, which needs no padding */

static int psk_check(const uint8_t psk[static PSK_LEN], uint8_t out[static CHECK_LEN])
{
	uint8_t in[sizeof(CHECK_LABEL) - 1 + PSK_LEN], digest[SHA256_LEN];
	int err;

	memcpy(in, CHECK_LABEL, sizeof(CHECK_LABEL) - 1);
	memcpy(in + sizeof(CHECK_LABEL) - 1, psk, PSK_LEN);
	err = hash(HASH_SHA256, in, sizeof(in), digest);
	if (!err)
		memcpy(out, digest, CHECK_LEN);
	wipe(in, sizeof(in));
	wipe(digest, sizeof(digest));
	return err;
}

/* Between base64 ("+/") and base64url ("-_"), in place. */
static void b64_swap_alphabet(char *s, size_t n, int to_url)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == (to_url ? '+' : '-'))
			s[i] = to_url ? '-' : '+';
		else if (s[i] == (to_url ? '/' : '_'))
			s[i] = to_url ? '_' : '/';
	}
}

int psk_generate(uint8_t psk[static PSK_LEN])
{
	return rng_bytes(psk, PSK_LEN);
}

int psk_format(const uint8_t psk[static PSK_LEN], char out[static PSK_TEXT_LEN])
{
	uint8_t raw[RAW_LEN];
	int err;

	memcpy(raw, psk, PSK_LEN);
	err = psk_check(psk, raw + PSK_LEN);
	memcpy(out, PSK_PREFIX, PREFIX_LEN);
	if (!err)
		err = b64_encode(raw, RAW_LEN, out + PREFIX_LEN, PSK_TEXT_LEN - PREFIX_LEN);
	if (!err)
		b64_swap_alphabet(out + PREFIX_LEN, BODY_LEN, 1);
	else
		wipe(out, PSK_TEXT_LEN);
	wipe(raw, sizeof(raw));
	return err;
}

static int body_is_base64url(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

int psk_parse(const char *text, size_t len, uint8_t psk[static PSK_LEN])
{
	char body[BODY_LEN];
	uint8_t raw[RAW_LEN], check[CHECK_LEN];
	size_t got = 0;
	int err = XE2E_E_MALFORMED;

	if (len != PREFIX_LEN + BODY_LEN || memcmp(text, PSK_PREFIX, PREFIX_LEN) != 0) {
		err_detail_set("a PSK is \"%s\" and %d characters", PSK_PREFIX, BODY_LEN);
		goto out;
	}
	memcpy(body, text + PREFIX_LEN, BODY_LEN);
	if (!body_is_base64url(body, BODY_LEN)) {
		err_detail_set("a PSK has only letters, digits, '-' and '_' after \"%s\"", PSK_PREFIX);
		goto out;
	}
	b64_swap_alphabet(body, BODY_LEN, 0);
	if (b64_decode(body, BODY_LEN, raw, RAW_LEN, &got) != XE2E_OK || got != RAW_LEN) {
		err_detail_set("the PSK does not decode");
		goto out;
	}
	err = psk_check(raw, check);
	if (!err && !ct_equal(check, raw + PSK_LEN, CHECK_LEN)) {
		err_detail_set("the PSK's checksum does not match (mistyped?)");
		err = XE2E_E_MALFORMED;
	}
	if (!err)
		memcpy(psk, raw, PSK_LEN);
out:
	if (err)
		wipe(psk, PSK_LEN);
	wipe(body, sizeof(body));
	wipe(raw, sizeof(raw));
	wipe(check, sizeof(check));
	return err;
}
