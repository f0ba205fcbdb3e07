/*
 * Ratchet state text (ratchet.h, ratchet_parse) as a session file holds it.
 * The first input byte says whether the text must end at "end" or may be
 * followed by more (used). The format has one spelling per state, so what
 * parses must serialize back to exactly the bytes read. A parsed state
 * must also be usable: its facts are consistent, and sending one message
 * from it either works or fails cleanly, leaving a state that still
 * serializes to text that parses.
 */
#include "fuzz.h"

#include <string.h>

#include "buf.h"
#include "err.h"
#include "ratchet.h"

static void fz_rstate_use(struct ratchet_state *st)
{
	struct ratchet_info info;
	struct buf msg = BUF_INIT, text = BUF_INIT, dump = BUF_INIT;
	struct ratchet_state *back = NULL;
	uint64_t now;
	int err;

	ratchet_info_get(st, &info);
	FUZZ_CHECK(info.role == RATCHET_INITIATOR || info.role == RATCHET_RESPONDER);
	FUZZ_CHECK(info.skipped <= info.policy.skipped_max);
	FUZZ_CHECK(ratchet_dump(st, &dump) == XE2E_OK);
	now = info.created + 1;
	(void)ratchet_step_due(st, now, NULL);
	(void)ratchet_skipped_expire(st, now);
	err = ratchet_encrypt(st, now, (const uint8_t *)"x", 1, NULL, 0, &msg);
	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_EXPIRED || err == XE2E_E_LIMIT ||
		   err == XE2E_E_WEAKKEY || err == XE2E_E_STATE);
	FUZZ_CHECK(ratchet_serialize(st, &text) == XE2E_OK);
	FUZZ_CHECK(ratchet_parse((const char *)text.data, text.len, &back, NULL) == XE2E_OK);
	ratchet_free(back);
	buf_free(&msg);
	buf_free(&text);
	buf_free(&dump);
}

int fuzz_ratchet_state(const uint8_t *data, size_t size)
{
	struct ratchet_state *st = NULL;
	struct buf out = BUF_INIT;
	size_t used = 0, *usedp;
	int err;

	if (size < 1)
		return 0;
	usedp = data[0] & 1 ? &used : NULL;
	data++;
	size--;
	err = ratchet_parse((const char *)data, size, &st, usedp);
	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED || err == XE2E_E_LIMIT ||
		   err == XE2E_E_UNSUPPORTED);
	FUZZ_CHECK((err == XE2E_OK) == (st != NULL));
	if (err != XE2E_OK)
		return 0;
	if (!usedp)
		used = size;
	FUZZ_CHECK(used <= size);
	FUZZ_CHECK(ratchet_serialize(st, &out) == XE2E_OK);
	FUZZ_CHECK(out.len == used && memcmp(out.data, data, used) == 0);
	fz_rstate_use(st);
	ratchet_free(st);
	buf_free(&out);
	return 0;
}
