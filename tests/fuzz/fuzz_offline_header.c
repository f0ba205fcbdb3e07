/*
 * The clear part of an offline initial message (offline.h), read before
 * any key is looked up: what parses is version 1 with a known suite, a
 * flag byte that says whether a one-time prekey id follows, non-zero ids,
 * and an ephemeral key that passes bundle_x25519_check(); the fields are
 * the bytes at the documented offsets.
 */
#include "fuzz.h"

#include <string.h>

#include "bundle.h"
#include "err.h"
#include "offline.h"
#include "util.h"

int fuzz_offline_header(const uint8_t *data, size_t size)
{
	struct offline_header h;
	size_t ek_at;
	int err = offline_header_parse(data, size, &h);

	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED || err == XE2E_E_UNSUPPORTED ||
		   err == XE2E_E_WEAKKEY);
	if (err != XE2E_OK)
		return 0;
	ek_at = h.has_opk ? 11 : 7;
	FUZZ_CHECK(size >= ek_at + X25519_LEN);
	FUZZ_CHECK(h.version == 1 && data[0] == 1 && data[1] == h.suite && data[2] == h.flags);
	FUZZ_CHECK(h.has_opk == (h.flags & 1) && (h.flags & ~1u) == 0);
	FUZZ_CHECK(h.spk_id != 0 && load_be32(data + 3) == h.spk_id);
	if (h.has_opk)
		FUZZ_CHECK(h.opk_id != 0 && load_be32(data + 7) == h.opk_id);
	FUZZ_CHECK(memcmp(h.ek, data + ek_at, X25519_LEN) == 0);
	FUZZ_CHECK(bundle_x25519_check(h.ek) == XE2E_OK);
	return 0;
}
