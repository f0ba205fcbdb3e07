/*
 * Base64 decoding (encoding.h): whatever b64_decode() accepts must encode
 * back to exactly the input (one accepted encoding per byte string), and a
 * too small output buffer must give XE2E_E_LIMIT, never a partial result.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "err.h"

int fuzz_base64(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	uint8_t *out = malloc(size + 1), *small = malloc(size / 2 + 1);
	char *again = malloc(size + 2);
	size_t n = 0, m = 0;
	int err, err_small;

	if (!out || !small || !again)
		goto done;
	err = b64_decode(in, size, out, size, &n);
	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED);
	if (err == XE2E_OK) {
		FUZZ_CHECK(n <= size / 4 * 3);
		FUZZ_CHECK(b64_encode(out, n, again, size + 2) == XE2E_OK);
		FUZZ_CHECK(strlen(again) == size && memcmp(again, in, size) == 0);
	} else {
		FUZZ_CHECK(n == 0);
	}
	err_small = b64_decode(in, size, small, size / 2, &m);
	if (err == XE2E_OK && n > size / 2)
		FUZZ_CHECK(err_small == XE2E_E_LIMIT && m == 0);
	else if (err == XE2E_OK)
		FUZZ_CHECK(err_small == XE2E_OK && m == n && memcmp(small, out, n) == 0);
	else
		FUZZ_CHECK(err_small == XE2E_E_MALFORMED);
done:
	free(out);
	free(small);
	free(again);
	return 0;
}
