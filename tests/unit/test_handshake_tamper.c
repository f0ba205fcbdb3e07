/*
 * The handshake under attack: every bit position flipped in every message,
 * a stripped offer, a wrong JID, forged and expired retries, a second
 * retry, a replayed IK step 1, a downgrade, aborts from known peers.
 */
#include <string.h>

#include "err.h"
#include "handshake_fixture.h"
#include "handshake_nego.h"
#include "rng.h"
#include "unit.h"

static struct hs_side alice, bob;

static void first_contact(void)
{
	hs_pair_known(&alice, &bob);
}

struct flip {
	int msg;
	size_t byte;
	uint8_t mask;
	int done;
};

static void flip_fn(int index, struct handshake_msg *msg, void *arg)
{
	struct flip *f = arg;

	if (index != f->msg || f->byte >= msg->body.len)
		return;
	msg->body.data[f->byte] ^= f->mask;
	f->done = 1;
}

/*
 * Every byte of the clear parts (offers, cookies, ephemeral keys: the first
 * 48 bytes) and of the last 24 (tags); inside the ciphertext, where every
 * byte is alike, every 5th.
 */
static size_t flip_stride(size_t i, size_t len)
{
	return i < 48 || i + 24 >= len ? 1 : 5;
}

/*
 * Flips one bit (a different one from byte to byte) of the bytes
 * flip_stride() picks in each message of the flow. No flip may let both sides finish with the same keys,
 * except where the flipped message was a step 1 the responder answered
 * with a retry before reading its Noise part (the retried step 1 starts a
 * new Noise run, with the retry in its prologue); the receiver of a
 * flipped last message never finishes. only_first limits the flips to
 * the first messages (those that differ from the plain XX flow).
 */
static void flip_all(const char *flow, int expect_msgs, int only_first, long *runs)
{
	struct hs_run clean = {0}, run = {0};
	size_t lens[HS_RUN_MAX];
	int n = hs_run(&alice, &bob, &clean, NULL, NULL), bad = 0;

	CHECK_INT(n, expect_msgs);
	CHECK(hs_both_done(&alice, &bob));
	for (int m = 0; m < n; m++)
		lens[m] = clean.body[m].len;
	for (int m = 0; m < (only_first ? only_first : n); m++) {
		for (size_t i = 0; i < lens[m]; i += flip_stride(i, lens[m])) {
			struct flip f = {m, i, (uint8_t)(1u << (i % 8)), 0};
			int retried;

			hs_run(&alice, &bob, &run, flip_fn, &f);
			(*runs)++;
			retried = run.n > m + 1 && run.step[m + 1] == HS_STEP_RETRY &&
				  run.step[m] == HS_STEP_1;
			if (!f.done || (hs_both_done(&alice, &bob) && !retried)) {
				if (bad++ < 5)
					unit_fail(__FILE__, __LINE__,
						  "%s: flip of message %d byte %zu accepted", flow,
						  m + 1, i);
			}
			if (m == n - 1 && handshake_result(run.sender_init[m] ? bob.hs : alice.hs))
				if (bad++ < 5)
					unit_fail(__FILE__, __LINE__,
						  "%s: last message flipped at %zu and read", flow, i);
		}
	}
	hs_run_free(&clean);
	hs_run_free(&run);
}

TEST(handshake_tamper_every_bit)
{
	long runs = 0;

	hs_pair_init(&alice, &bob);
	alice.replay_in_memory = bob.replay_in_memory = 1;
	flip_all("XX", 4, 0, &runs);
	bob.options = HS_OPT_PROTECT_SELF;
	flip_all("swap", 5, 2, &runs);
	bob.options = 0;
	CHECK_INT(hsnego_lists_parse_suites("AESGCM", &bob.lists), XE2E_OK);
	flip_all("retry", 6, 3, &runs);
	first_contact();
	alice.replay_in_memory = bob.replay_in_memory = 1;
	flip_all("IK", 2, 0, &runs);
	unit_note("%ld tampered handshakes refused", runs);
}

/* A tamper_fn that removes the second suite from the first offer. */
static void strip_suite(int index, struct handshake_msg *msg, void *arg)
{
	(void)arg;
	if (index != 0)
		return;
	/* version_used, n_versions=1, 1, n_suites=2, s1, s2, ... */
	CHECK_INT(msg->body.data[3], 2);
	msg->body.data[3] = 1;
	memmove(msg->body.data + 5, msg->body.data + 6, msg->body.len - 6);
	msg->body.len--;
}

TEST(handshake_stripped_suite_fails)
{
	struct hs_run run = {0};

	hs_pair_init(&alice, &bob);
	hs_run(&alice, &bob, &run, strip_suite, NULL);
	CHECK(!handshake_result(alice.hs) && !handshake_result(bob.hs));
	CHECK_INT(run.err_resp, XE2E_E_AUTH); /* the prologue differs: message 1's tag */
	CHECK_INT(run.err_init, XE2E_E_TRUST);
	hs_run_free(&run);
}

TEST(handshake_wrong_jid_in_prologue)
{
	struct handshake_msg m1 = HANDSHAKE_MSG_INIT, out = HANDSHAKE_MSG_INIT;
	struct hs_run run = {0};

	hs_pair_init(&alice, &bob);
	/* Step 1 arrives claiming another sender. */
	CHECK_INT(side_begin(&alice, 1, &bob), XE2E_OK);
	CHECK_INT(side_begin(&bob, 0, &alice), XE2E_OK);
	CHECK_INT(handshake_start(alice.hs, &m1), XE2E_OK);
	CHECK_INT(handshake_read(bob.hs, "mallory@evil.lit/x", m1.step, m1.body.data, m1.body.len,
				 NULL, &out),
		  XE2E_E_AUTH);
	CHECK_INT(out.step, HS_STEP_ABORT);
	CHECK_INT(handshake_status(bob.hs), HS_FAILED);
	/* Alice meant someone else than the one who answers. */
	alice.to = "carol@example.org";
	hs_run(&alice, &bob, &run, NULL, NULL);
	CHECK(!handshake_result(alice.hs) && !handshake_result(bob.hs));
	CHECK_INT(run.err_resp, XE2E_E_AUTH);
	alice.to = NULL;
	buf_free(&m1.body);
	buf_free(&out.body);
	hs_run_free(&run);
}

TEST(handshake_other_jid_ignored)
{
	struct handshake_msg m = HANDSHAKE_MSG_INIT, out = HANDSHAKE_MSG_INIT;

	hs_pair_init(&alice, &bob);
	CHECK_INT(side_begin(&alice, 1, &bob), XE2E_OK);
	CHECK_INT(side_begin(&bob, 0, &alice), XE2E_OK);
	CHECK_INT(handshake_start(alice.hs, &m), XE2E_OK);
	CHECK_INT(handshake_read(bob.hs, alice.full, m.step, m.body.data, m.body.len, NULL, &out),
		  XE2E_OK);
	/* A step 2 from Carol changes nothing at Alice's. */
	CHECK(!handshake_accepts_from(alice.hs, "carol@example.org/x"));
	CHECK_INT(handshake_read(alice.hs, "carol@example.org/x", out.step, out.body.data,
				 out.body.len, NULL, &m),
		  XE2E_E_STATE);
	CHECK_INT(handshake_status(alice.hs), HS_RUNNING);
	CHECK(handshake_accepts_from(alice.hs, "BOB@montague.lit/other"));
	CHECK_INT(handshake_read(alice.hs, bob.full, out.step, out.body.data, out.body.len, NULL,
				 &m),
		  XE2E_OK);
	CHECK_INT(m.step, HS_STEP_3);
	buf_free(&m.body);
	buf_free(&out.body);
}

/* Drives Alice against an AESGCM-only Bob up to Bob's retry. */
static void to_retry(struct handshake_msg *m, struct handshake_msg *retry)
{
	hs_pair_init(&alice, &bob);
	CHECK_INT(hsnego_lists_parse_suites("AESGCM", &bob.lists), XE2E_OK);
	CHECK_INT(side_begin(&alice, 1, &bob), XE2E_OK);
	CHECK_INT(side_begin(&bob, 0, &alice), XE2E_OK);
	CHECK_INT(handshake_start(alice.hs, m), XE2E_OK);
	CHECK_INT(handshake_read(bob.hs, alice.full, m->step, m->body.data, m->body.len, NULL,
				 retry),
		  XE2E_OK);
	CHECK_INT(retry->step, HS_STEP_RETRY);
}

TEST(handshake_forged_retry)
{
	struct handshake_msg m = HANDSHAKE_MSG_INIT, out = HANDSHAKE_MSG_INIT;
	uint8_t forged[5 + 24] = {HS_RETRY_CHOICE, 1, HS_SUITE_AESGCM, HS_PATTERN_XX, 24};

	/* A retry Bob never sent: his cookie check refuses the retried step 1. */
	hs_pair_init(&alice, &bob);
	CHECK_INT(rng_bytes(forged + 5, 24), XE2E_OK);
	CHECK_INT(side_begin(&alice, 1, &bob), XE2E_OK);
	CHECK_INT(side_begin(&bob, 0, &alice), XE2E_OK);
	CHECK_INT(handshake_start(alice.hs, &m), XE2E_OK);
	CHECK_INT(handshake_read(alice.hs, bob.full, HS_STEP_RETRY, forged, sizeof(forged), NULL,
				 &out),
		  XE2E_OK);
	CHECK_INT(out.step, HS_STEP_1);
	CHECK_INT(handshake_read(bob.hs, alice.full, out.step, out.body.data, out.body.len, NULL,
				 &m),
		  XE2E_E_MALFORMED);
	CHECK_INT(m.step, HS_STEP_ABORT);
	/* Bob sent a retry, but its cookie was replaced on the way. */
	to_retry(&m, &out);
	out.body.data[out.body.len - 1] ^= 0x80;
	CHECK_INT(handshake_read(alice.hs, bob.full, out.step, out.body.data, out.body.len, NULL,
				 &m),
		  XE2E_OK);
	CHECK_INT(handshake_read(bob.hs, alice.full, m.step, m.body.data, m.body.len, NULL, &out),
		  XE2E_E_AUTH);
	CHECK(!handshake_result(bob.hs));
	/* A retry naming a suite Alice did not offer. */
	hs_pair_init(&alice, &bob);
	CHECK_INT(hsnego_lists_parse_suites("ChaChaPoly", &alice.lists), XE2E_OK);
	CHECK_INT(side_begin(&alice, 1, &bob), XE2E_OK);
	CHECK_INT(handshake_start(alice.hs, &m), XE2E_OK);
	CHECK_INT(handshake_read(alice.hs, bob.full, HS_STEP_RETRY, forged, sizeof(forged), NULL,
				 &out),
		  XE2E_E_MALFORMED);
	buf_free(&m.body);
	buf_free(&out.body);
}

TEST(handshake_cookie_expiry)
{
	struct handshake_msg m = HANDSHAKE_MSG_INIT, retry = HANDSHAKE_MSG_INIT;
	struct handshake_msg out = HANDSHAKE_MSG_INIT;

	to_retry(&m, &retry);
	CHECK_INT(handshake_read(alice.hs, bob.full, retry.step, retry.body.data, retry.body.len,
				 NULL, &m),
		  XE2E_OK);
	handshake_set_time(bob.hs, bob.now + 301);
	CHECK_INT(handshake_read(bob.hs, alice.full, m.step, m.body.data, m.body.len, NULL, &out),
		  XE2E_E_EXPIRED);
	/* Within 300 s it is accepted. */
	to_retry(&m, &retry);
	CHECK_INT(handshake_read(alice.hs, bob.full, retry.step, retry.body.data, retry.body.len,
				 NULL, &m),
		  XE2E_OK);
	handshake_set_time(bob.hs, bob.now + 299);
	CHECK_INT(handshake_read(bob.hs, alice.full, m.step, m.body.data, m.body.len, NULL, &out),
		  XE2E_OK);
	CHECK_INT(out.step, HS_STEP_2);
	/* A cookie from the future is refused too. */
	to_retry(&m, &retry);
	CHECK_INT(handshake_read(alice.hs, bob.full, retry.step, retry.body.data, retry.body.len,
				 NULL, &m),
		  XE2E_OK);
	handshake_set_time(bob.hs, bob.now - 10);
	CHECK_INT(handshake_read(bob.hs, alice.full, m.step, m.body.data, m.body.len, NULL, &out),
		  XE2E_E_EXPIRED);
	buf_free(&m.body);
	buf_free(&retry.body);
	buf_free(&out.body);
}

TEST(handshake_second_retry_refused)
{
	struct handshake_msg m = HANDSHAKE_MSG_INIT, retry = HANDSHAKE_MSG_INIT;
	struct handshake_msg out = HANDSHAKE_MSG_INIT;

	to_retry(&m, &retry);
	CHECK_INT(handshake_read(alice.hs, bob.full, retry.step, retry.body.data, retry.body.len,
				 NULL, &m),
		  XE2E_OK);
	CHECK_INT(handshake_read(alice.hs, bob.full, retry.step, retry.body.data, retry.body.len,
				 NULL, &out),
		  XE2E_E_MALFORMED);
	CHECK_INT(handshake_status(alice.hs), HS_FAILED);
	buf_free(&m.body);
	buf_free(&retry.body);
	buf_free(&out.body);
}

TEST(handshake_ik_replay_refused)
{
	struct hs_run run = {0};
	struct handshake_msg out = HANDSHAKE_MSG_INIT;

	first_contact();
	hs_run(&alice, &bob, &run, NULL, NULL);
	CHECK_INT(run.n, 2);
	CHECK(hs_both_done(&alice, &bob));
	/* The same step 1 again, to a fresh responder. */
	CHECK_INT(side_begin(&bob, 0, &alice), XE2E_OK);
	CHECK_INT(handshake_read(bob.hs, alice.full, HS_STEP_1, run.body[0].data, run.body[0].len,
				 NULL, &out),
		  XE2E_E_REPLAY);
	CHECK_INT(out.step, HS_STEP_ABORT);
	CHECK_STR(out.reason, HS_REASON_REPLAY);
	CHECK(!handshake_result(bob.hs));
	CHECK_INT(err_exit_code(XE2E_E_REPLAY), 4);
	buf_free(&out.body);
	hs_run_free(&run);
}

TEST(handshake_downgrade_detected)
{
	struct handshake_msg m = HANDSHAKE_MSG_INIT, retry = HANDSHAKE_MSG_INIT;
	struct handshake_msg out = HANDSHAKE_MSG_INIT;

	/*
	 * Bob's retry to AESGCM is genuine, but his encrypted list then says
	 * he supports ChaChaPoly, which Alice prefers: a retry forced on both
	 * by someone who could make Bob's cookie. Alice refuses.
	 */
	to_retry(&m, &retry);
	hsnego_lists_default(&bob.hs->cfg.lists);
	CHECK_INT(handshake_read(alice.hs, bob.full, retry.step, retry.body.data, retry.body.len,
				 NULL, &m),
		  XE2E_OK);
	CHECK_INT(handshake_read(bob.hs, alice.full, m.step, m.body.data, m.body.len, NULL, &out),
		  XE2E_OK);
	CHECK_INT(handshake_read(alice.hs, bob.full, out.step, out.body.data, out.body.len, NULL,
				 &m),
		  XE2E_E_TRUST);
	CHECK(strstr(err_detail(), "downgrade") != NULL);
	CHECK_STR(m.reason, HS_REASON_TRUST);
	/* The check itself: the initiator's order wins. */
	{
		struct hs_lists ini, resp;

		hsnego_lists_default(&ini);
		CHECK_INT(hsnego_lists_parse_suites("AESGCM,ChaChaPoly", &resp), XE2E_OK);
		CHECK_INT(hsnego_check_best(1, HS_SUITE_CHACHAPOLY, &ini, &resp), XE2E_OK);
		CHECK_INT(hsnego_check_best(1, HS_SUITE_AESGCM, &ini, &resp), XE2E_E_TRUST);
		CHECK_INT(hsnego_check_best(1, HS_SUITE_AESGCM, &resp, &ini), XE2E_OK);
		CHECK_INT(hsnego_check_best(2, HS_SUITE_AESGCM, &resp, &ini), XE2E_E_TRUST);
	}
	buf_free(&m.body);
	buf_free(&retry.body);
	buf_free(&out.body);
}

TEST(handshake_abort_from_known_peer)
{
	struct handshake_msg m = HANDSHAKE_MSG_INIT;

	hs_pair_init(&alice, &bob);
	CHECK_INT(side_begin(&alice, 1, &bob), XE2E_OK);
	CHECK_INT(handshake_start(alice.hs, &m), XE2E_OK);
	CHECK_INT(handshake_read(alice.hs, bob.full, HS_STEP_ABORT, NULL, 0, "unsupported", &m),
		  XE2E_E_UNSUPPORTED);
	first_contact();
	CHECK_INT(side_begin(&alice, 1, &bob), XE2E_OK);
	CHECK_INT(handshake_start(alice.hs, &m), XE2E_OK);
	CHECK(handshake_peer_known(alice.hs));
	CHECK_INT(handshake_read(alice.hs, bob.full, HS_STEP_ABORT, NULL, 0, "unsupported", &m),
		  XE2E_E_TRUST);
	CHECK(strstr(err_detail(), "attack") != NULL);
	CHECK_INT(m.step, HS_STEP_NONE);
	CHECK_INT(handshake_status(alice.hs), HS_FAILED);
	buf_free(&m.body);
}

TEST(handshake_failure_is_final)
{
	struct handshake_msg m = HANDSHAKE_MSG_INIT, out = HANDSHAKE_MSG_INIT;
	uint8_t junk[3] = {1, 2, 3};

	hs_pair_init(&alice, &bob);
	CHECK_INT(side_begin(&bob, 0, &alice), XE2E_OK);
	CHECK_INT(handshake_read(bob.hs, alice.full, HS_STEP_1, junk, sizeof(junk), NULL, &out),
		  XE2E_E_MALFORMED);
	CHECK_STR(out.reason, HS_REASON_MALFORMED);
	CHECK_INT(side_begin(&alice, 1, &bob), XE2E_OK);
	CHECK_INT(handshake_start(alice.hs, &m), XE2E_OK);
	CHECK_INT(handshake_read(bob.hs, alice.full, m.step, m.body.data, m.body.len, NULL, &out),
		  XE2E_E_STATE);
	CHECK_INT(handshake_status(bob.hs), HS_FAILED);
	/* A step out of turn fails the handshake too. */
	CHECK_INT(handshake_read(alice.hs, bob.full, HS_STEP_3, junk, sizeof(junk), NULL, &out),
		  XE2E_E_MALFORMED);
	CHECK_INT(handshake_start(alice.hs, &m), XE2E_E_STATE);
	buf_free(&m.body);
	buf_free(&out.body);
}
