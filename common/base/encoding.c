/*
 * Encodings of keys and ciphertexts. The characters are classified with
 * arithmetic rather than branches or tables, since what is decoded is often
 * a secret.
 */
#include "encoding.h"

#include <mbedtls/base64.h>

#include "err.h"
#include "util.h"

/* 1 when lo <= c <= hi (c, lo, hi < 256), without branches. */
static uint32_t ct_in_range(uint32_t c, uint32_t lo, uint32_t hi)
{
	return ((lo - 1 - c) & (c - hi - 1)) >> 31;
}

/* The value of the base64 digit c; *valid is cleared when c is not one. */
static uint32_t b64_digit(uint32_t c, uint32_t *valid)
{
	uint32_t up = ct_in_range(c, 'A', 'Z'), lo = ct_in_range(c, 'a', 'z');
	uint32_t dg = ct_in_range(c, '0', '9'), plus = ct_in_range(c, '+', '+');
	uint32_t slash = ct_in_range(c, '/', '/');

	*valid &= up | lo | dg | plus | slash;
	return (-up & (c - 'A')) | (-lo & (c - 'a' + 26)) | (-dg & (c - '0' + 52)) |
	       (-plus & 62) | (-slash & 63);
}

/* The value of the hex digit c, either case; *valid is cleared if not one. */
static uint32_t hex_digit(uint32_t c, uint32_t *valid)
{
	uint32_t dg = ct_in_range(c, '0', '9'), lo = ct_in_range(c, 'a', 'f');
	uint32_t up = ct_in_range(c, 'A', 'F');

	*valid &= dg | lo | up;
	return (-dg & (c - '0')) | (-lo & (c - 'a' + 10)) | (-up & (c - 'A' + 10));
}

size_t b64_encoded_size(size_t n)
{
	if (n > (SIZE_MAX - 5) / 4 * 3)
		return SIZE_MAX;
	return (n / 3 + (n % 3 != 0)) * 4 + 1;
}

int b64_encode(const uint8_t *in, size_t n, char *out, size_t out_size)
{
	size_t olen;

	if (b64_encoded_size(n) == SIZE_MAX || out_size < b64_encoded_size(n)) {
		err_detail_set("no room for the base64 of %zu bytes", n);
		return XE2E_E_LIMIT;
	}
	out[0] = '\0'; /* mbedTLS writes nothing for empty input */
	if (n && mbedtls_base64_encode((unsigned char *)out, out_size, &olen, in, n) != 0)
		return XE2E_E_LIMIT;
	return XE2E_OK;
}

/* Stores byte b at out[o] when there is an out (a check only otherwise). */
static void b64_put(uint8_t *out, size_t o, uint32_t b)
{
	if (out)
		out[o] = (uint8_t)b;
}

/*
 * Decodes canonical base64 (in_len a multiple of 4): digits only, then at
 * most two '=', and zero bits where the last digit overhangs the data.
 * Writes the in_len / 4 * 3 - pads bytes to out, unless out is NULL, and
 * returns the number of '='; -1, with out wiped, when the input is not
 * canonical. Every digit is read the same way, whatever it is
 * (b64_digit()).
 */
static int b64_decode_canonical(const char *in, size_t in_len, uint8_t *out)
{
	uint32_t valid = 1, acc = 0, last = 0;
	size_t pads = 0, digits, o = 0;

	if (in_len >= 4 && in[in_len - 1] == '=')
		pads = in[in_len - 2] == '=' ? 2 : 1;
	digits = in_len - pads;
	for (size_t i = 0; i < digits; i++) {
		last = b64_digit((unsigned char)in[i], &valid);
		acc = acc << 6 | last;
		if (i % 4 == 3) {
			b64_put(out, o++, acc >> 16);
			b64_put(out, o++, acc >> 8);
			b64_put(out, o++, acc);
		}
	}
	if (pads == 2) {
		valid &= (last & 0x0f) == 0;
		b64_put(out, o++, acc >> 4);
	} else if (pads == 1) {
		valid &= (last & 0x03) == 0;
		b64_put(out, o++, acc >> 10);
		b64_put(out, o++, acc >> 2);
	}
	wipe(&acc, sizeof(acc));
	if (!valid && out)
		wipe(out, o);
	return valid ? (int)pads : -1;
}

int b64_decode(const char *in, size_t in_len, uint8_t *out, size_t out_size, size_t *out_len)
{
	size_t n;
	int pads;

	*out_len = 0;
	if (in_len % 4 != 0) {
		err_detail_set("invalid base64");
		return XE2E_E_MALFORMED;
	}
	pads = in_len >= 4 && in[in_len - 1] == '=' ? 1 + (in[in_len - 2] == '=') : 0;
	n = in_len / 4 * 3 - (size_t)pads;
	/* Too long for out: only checked, so that bad base64 is still
	 * called that. */
	if (b64_decode_canonical(in, in_len, n <= out_size ? out : NULL) < 0) {
		err_detail_set("invalid base64");
		return XE2E_E_MALFORMED;
	}
	if (n > out_size) {
		err_detail_set("base64 decodes to %zu bytes, more than %zu", n, out_size);
		return XE2E_E_LIMIT;
	}
	*out_len = n;
	return XE2E_OK;
}

void hex_encode(const uint8_t *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		for (int half = 0; half < 2; half++) {
			uint32_t x = half ? in[i] & 0x0f : in[i] >> 4;

			/* 0-9 to '0'-'9', 10-15 to 'a'-'f' */
			out[2 * i + half] = (char)(x + '0' + (((9 - x) >> 8) & ('a' - '0' - 10)));
		}
	}
	out[2 * n] = '\0';
}

int hex_decode(const char *in, size_t in_len, uint8_t *out, size_t n)
{
	uint32_t valid = 1;

	if (n > SIZE_MAX / 2 || in_len != 2 * n) {
		err_detail_set("expected %zu hex digits, got %zu characters", n, in_len);
		return XE2E_E_MALFORMED;
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t hi = hex_digit((unsigned char)in[2 * i], &valid);
		uint32_t lo = hex_digit((unsigned char)in[2 * i + 1], &valid);

		out[i] = (uint8_t)(hi << 4 | lo);
	}
	if (!valid) {
		wipe(out, n);
		err_detail_set("invalid hex digit");
		return XE2E_E_MALFORMED;
	}
	return XE2E_OK;
}
