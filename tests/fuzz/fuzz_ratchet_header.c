/*
 * The ratchet wire header (ratchet_header.h): a header that decodes must
 * encode back to exactly the bytes read (minimal varints, no spare flag
 * bits), and a decoded prefix must not depend on what follows it.
 */
#include "fuzz.h"

#include <string.h>

#include "err.h"
#include "ratchet_header.h"

int fuzz_ratchet_header(const uint8_t *data, size_t size)
{
	struct ratchet_header h, again;
	uint8_t out[RATCHET_HEADER_MAX];
	size_t used = 0, len = 0, used2 = 0;
	int err = ratchet_header_decode(&h, data, size, &used);

	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED);
	if (err != XE2E_OK)
		return 0;
	FUZZ_CHECK(used <= size && used <= RATCHET_HEADER_MAX);
	ratchet_header_encode(&h, out, &len);
	FUZZ_CHECK(len == used && memcmp(out, data, used) == 0);
	/* The header alone decodes the same. */
	FUZZ_CHECK(ratchet_header_decode(&again, data, used, &used2) == XE2E_OK);
	FUZZ_CHECK(used2 == used && memcmp(&again, &h, sizeof(h)) == 0);
	/* One byte short is truncated. */
	FUZZ_CHECK(ratchet_header_decode(&again, data, used - 1, &used2) == XE2E_E_MALFORMED);
	return 0;
}
