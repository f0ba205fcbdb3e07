/*
 * The IK replay cache file (replay_cache.h), read as the responder reads
 * it. The first input byte picks the bounds (the defaults, or a one-hour,
 * four-entry cache); the rest is the file.
 *
 * Checked: a file that does not parse is refused and left alone; a key
 * found is refused as a replay and nothing is written; a key added is
 * refused the next time, from the file just written.
 */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "replay_cache.h"

static void fz_rc_unchanged(const char *path, const uint8_t *data, size_t size)
{
	size_t n = 0;
	uint8_t *now = fuzz_read_file(path, &n);

	FUZZ_CHECK(now && n == size && memcmp(now, data, size) == 0);
	free(now);
}

int fuzz_replay_cache(const uint8_t *data, size_t size)
{
	struct replay_cache_params small = {3600, 4}, params = replay_cache_defaults();
	uint8_t key[REPLAY_CACHE_KEY_LEN];
	char path[1024];
	int err;

	if (size < 1 || fuzz_use_home("replay") != 0)
		return 0;
	if (data[0] & 1)
		params = small;
	snprintf(path, sizeof(path), "%s/replay/%s", fuzz_home(), REPLAY_CACHE_FILE);
	if (fuzz_write_file(path, data + 1, size - 1, 0600) != 0) {
		FUZZ_CHECK(0);
		return 0;
	}
	/* The key of the seeds' first entry: 64 hex digits "ab...". */
	memset(key, 0xab, sizeof(key));
	err = replay_cache_check_add(path, key, FUZZ_NOW, &params);
	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_REPLAY || err == XE2E_E_MALFORMED ||
		   err == XE2E_E_LIMIT || err == XE2E_E_UNSUPPORTED);
	if (err != XE2E_OK) {
		fz_rc_unchanged(path, data + 1, size - 1);
		return 0;
	}
	FUZZ_CHECK(replay_cache_check_add(path, key, FUZZ_NOW, &params) == XE2E_E_REPLAY);
	return 0;
}
