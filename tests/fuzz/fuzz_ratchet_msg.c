/*
 * Sealed messages (ratchet.h, ratchet_decrypt) against a live session: the
 * two ends of a conversation in the fixtures (ratchet-a.state, the
 * initiator, and ratchet-b.state, the responder, with skipped keys and
 * messages in flight; the seeds are those messages). The first input byte
 * picks the receiving end, the rest is the wire message.
 *
 * Checked: a refused message changes neither the state nor the output; an
 * accepted one is refused as a replay the second time, and leaves a state
 * that serializes to text that parses.
 */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "ratchet.h"

/* Associated data both ends used for the seeds. */
#define FZ_RMSG_AD "\0\7message\0\4chat\0\2id\0\21alice@capulet.lit\0\20bob@montague.lit"
#define FZ_RMSG_NOW (FUZZ_NOW + 60)

static uint8_t *fz_rmsg_text[2];
static size_t fz_rmsg_len[2];

/* The fixture state of end `which` (0: a, 1: b), fresh; NULL on error. */
static struct ratchet_state *fz_rmsg_state(int which)
{
	struct ratchet_state *st = NULL;
	char path[1024];

	if (!fz_rmsg_text[which]) {
		snprintf(path, sizeof(path), "%s/ratchet-%c.state", fuzz_fixtures_dir(),
			 which ? 'b' : 'a');
		fz_rmsg_text[which] = fuzz_read_file(path, &fz_rmsg_len[which]);
		if (!fz_rmsg_text[which]) {
			fprintf(stderr, "fuzz_ratchet_msg: cannot read %s\n", path);
			return NULL;
		}
	}
	if (ratchet_parse((const char *)fz_rmsg_text[which], fz_rmsg_len[which], &st, NULL) !=
	    XE2E_OK) {
		fprintf(stderr, "fuzz_ratchet_msg: fixture %d does not parse\n", which);
		return NULL;
	}
	return st;
}

static void fz_rmsg_accepted(struct ratchet_state *st, const uint8_t *msg, size_t len)
{
	struct buf pt = BUF_INIT, text = BUF_INIT;
	struct ratchet_state *back = NULL;
	int err = ratchet_decrypt(st, FZ_RMSG_NOW, msg, len, (const uint8_t *)FZ_RMSG_AD,
				  sizeof(FZ_RMSG_AD) - 1, &pt, NULL);

	FUZZ_CHECK(err == XE2E_E_REPLAY && pt.len == 0);
	FUZZ_CHECK(ratchet_serialize(st, &text) == XE2E_OK);
	FUZZ_CHECK(ratchet_parse((const char *)text.data, text.len, &back, NULL) == XE2E_OK);
	ratchet_free(back);
	buf_free(&pt);
	buf_free(&text);
}

int fuzz_ratchet_msg(const uint8_t *data, size_t size)
{
	struct ratchet_state *st;
	struct ratchet_recv_info info;
	struct buf before = BUF_INIT, after = BUF_INIT, pt = BUF_INIT;
	int err;

	if (size < 1)
		return 0;
	st = fz_rmsg_state(data[0] & 1);
	if (!st) {
		FUZZ_CHECK(0);
		return 0;
	}
	FUZZ_CHECK(ratchet_serialize(st, &before) == XE2E_OK);
	err = ratchet_decrypt(st, FZ_RMSG_NOW, data + 1, size - 1, (const uint8_t *)FZ_RMSG_AD,
			      sizeof(FZ_RMSG_AD) - 1, &pt, &info);
	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED || err == XE2E_E_NOTFOUND ||
		   err == XE2E_E_REPLAY || err == XE2E_E_LIMIT || err == XE2E_E_WEAKKEY ||
		   err == XE2E_E_AUTH);
	if (err) {
		FUZZ_CHECK(pt.len == 0);
		FUZZ_CHECK(ratchet_serialize(st, &after) == XE2E_OK);
		FUZZ_CHECK(after.len == before.len && memcmp(after.data, before.data, before.len) == 0);
	} else {
		fz_rmsg_accepted(st, data + 1, size - 1);
	}
	ratchet_free(st);
	buf_free(&before);
	buf_free(&after);
	buf_free(&pt);
	return 0;
}
