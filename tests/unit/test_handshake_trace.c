/*
 * xe2e-handshake --trace's descriptions: a step 1 made by the message
 * encoder read back field by field, and bodies of every length and random
 * content for every step and pattern described without a failure and as
 * one line.
 */
#include <string.h>

#include "err.h"
#include "handshake_msg.h"
#include "handshake_nego.h"
#include "handshake_trace.h"
#include "rng.h"
#include "unit.h"

static char *describe(struct hstrace *t, int sent, enum hs_step step, const uint8_t *body,
		      size_t len, const char *reason, struct buf *out)
{
	out->len = 0;
	CHECK_INT(hstrace_describe(t, sent, step, body, len, reason, out), XE2E_OK);
	CHECK_INT(buf_terminate(out), XE2E_OK);
	return (char *)out->data;
}

TEST(hstrace_step1_fields)
{
	struct hs_lists own;
	struct hs_offer o;
	struct hstrace t;
	struct buf body = BUF_INIT, out = BUF_INIT;
	uint8_t noise[32 + 48], cookie[24];

	hsnego_lists_default(&own);
	memset(&o, 0, sizeof(o));
	o.version = HS_VERSION_1;
	o.lists = own;
	o.suite = HS_SUITE_AESGCM;
	o.pattern = HS_PATTERN_XX;
	/* e = 32 bytes of 0x01: SHA-256 starts 72cd6e84 (sha256sum of them). */
	memset(noise, 0x01, 32);
	memset(noise + 32, 0xee, 48);
	memset(cookie, 0x5a, sizeof(cookie));
	CHECK_INT(hsmsg_step1_encode(&o, cookie, sizeof(cookie), noise, sizeof(noise), &body),
		  XE2E_OK);
	hstrace_init(&t, &own);
	CHECK_STR(describe(&t, 1, HS_STEP_1, body.data, body.len, NULL, &out),
		  "step 1, 113 bytes; version 1 of 1; suite AESGCM of ChaChaPoly,AESGCM; "
		  "pattern XXpsk2; cookie 24 bytes; e 72cd6e84; payload 48 bytes sealed: "
		  "rsid1 16, rsid2 16, padding 0");
	CHECK_INT(t.pattern, HS_PATTERN_XX);
	/* A step 2 after it: XX layout; the peer's lists are not visible. */
	{
		uint8_t s2[288];

		memset(s2, 0x01, sizeof(s2));
		CHECK_STR(describe(&t, 0, HS_STEP_2, s2, sizeof(s2), NULL, &out),
			  "step 2, 288 bytes; e 72cd6e84; s 48 bytes sealed; payload 208 bytes "
			  "sealed: credential 150, supported ?, r0 32, padding ?; supported and "
			  "padding 10");
		CHECK_STR(describe(&t, 1, HS_STEP_2, s2, sizeof(s2), NULL, &out),
			  "step 2, 288 bytes; e 72cd6e84; s 48 bytes sealed; payload 208 bytes "
			  "sealed: credential 150, supported 5, r0 32, padding 5");
		CHECK_STR(describe(&t, 0, HS_STEP_2, s2, 80, NULL, &out),
			  "step 2, 80 bytes; shorter than its pattern's fixed part");
		CHECK_STR(describe(&t, 0, HS_STEP_2, s2, 100, NULL, &out),
			  "step 2, 100 bytes; e 72cd6e84; s 48 bytes sealed; payload 20 bytes "
			  "sealed: shorter than its fields");
	}
	CHECK_STR(describe(&t, 0, HS_STEP_ABORT, NULL, 0, "a b\n", &out),
		  "step abort, 0 bytes; reason a\\x20b\\x0a");
	CHECK_STR(describe(&t, 0, HS_STEP_1, body.data, 5, NULL, &out),
		  "step 1, 5 bytes; does not parse");
	buf_free(&body);
	buf_free(&out);
}

TEST(hstrace_any_body_one_line)
{
	static const enum hs_step steps[] = {HS_STEP_1, HS_STEP_2, HS_STEP_3, HS_STEP_RETRY,
					     HS_STEP_SWAP, HS_STEP_ABORT};
	static const uint8_t patterns[] = {0, HS_PATTERN_XX, HS_PATTERN_IK, 9};
	struct hs_lists own;
	struct hstrace t;
	struct buf out = BUF_INIT;
	uint8_t body[400];
	size_t runs = 0;

	hsnego_lists_default(&own);
	CHECK_INT(rng_bytes(body, sizeof(body)), XE2E_OK);
	for (size_t p = 0; p < sizeof(patterns); p++) {
		for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
			for (size_t len = 0; len <= sizeof(body); len++) {
				const char *line;

				hstrace_init(&t, &own);
				t.pattern = patterns[p];
				line = describe(&t, (int)(len & 1), steps[s], body, len, "r", &out);
				CHECK(strchr(line, '\n') == NULL);
				CHECK_INT(strlen(line), out.len);
				runs++;
			}
		}
	}
	unit_note("%zu bodies described", runs);
	buf_free(&out);
}
