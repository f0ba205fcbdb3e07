/*
 * The prekey store file (prekey.h): its grammar has one spelling per
 * store (no comments, fixed order), so whatever prekey_parse() accepts
 * must format back to exactly the input, and the lookups must agree with
 * what was read.
 */
#include "fuzz.h"

#include <string.h>

#include "buf.h"
#include "err.h"
#include "prekey.h"

int fuzz_prekey_store(const uint8_t *data, size_t size)
{
	struct prekey_store st = PREKEY_STORE_INIT;
	struct buf out = BUF_INIT;
	int err = prekey_parse("fuzz", (const char *)data, size, &st);

	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED || err == XE2E_E_LIMIT ||
		   err == XE2E_E_UNSUPPORTED);
	if (err != XE2E_OK) {
		FUZZ_CHECK(st.n_spk == 0 && st.n_opk == 0 && st.n_used == 0 && st.n_seen == 0);
		goto done;
	}
	FUZZ_CHECK(prekey_format(&st, &out) == XE2E_OK);
	FUZZ_CHECK(out.len == size && memcmp(out.data, data, size) == 0);
	for (size_t i = 0; i < st.n_spk; i++)
		FUZZ_CHECK(st.spk[i].id != 0 && st.spk[i].created < st.spk[i].expires);
	for (size_t i = 0; i < st.n_opk; i++)
		FUZZ_CHECK(prekey_opk_find(&st, st.opk[i].id) == &st.opk[i]);
	for (size_t i = 0; i < st.n_used; i++)
		FUZZ_CHECK(prekey_opk_was_used(&st, st.used[i].id));
	for (size_t i = 0; i < st.n_seen; i++)
		FUZZ_CHECK(prekey_seen_has(&st, st.seen[i].spk_id, st.seen[i].ek));
done:
	prekey_store_free(&st);
	buf_free(&out);
	return 0;
}
