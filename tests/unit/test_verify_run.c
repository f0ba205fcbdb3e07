/* The run machines of verification (verify_sas.h, verify_spake2.h), two
 * sides against each other in memory: outcomes of every pair of answers,
 * forged reveals, wrong sides, other methods, aborts, tampered shares and
 * confirmations, and the epoch in the confirmation. */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "rng.h"
#include "sas.h"
#include "spake2.h"
#include "unit.h"
#include "util.h"
#include "verify_sas.h"
#include "verify_spake2.h"

/* ---- SAS ---- */

struct sas_pair {
	struct verify_sas i, r; /* initiator, responder */
	uint8_t hh[SAS_HH_LEN];
	struct verify_msg commit, nonce, reveal;
};

/* Runs up to the comparison; the reveal can be changed on its way. */
static void sas_to_compare(struct sas_pair *p, int flip_reveal)
{
	struct verify_msg none;

	CHECK_INT(rng_bytes(p->hh, sizeof(p->hh)), XE2E_OK);
	CHECK_INT(verify_sas_start(&p->i, SAS_INITIATOR, p->hh, &p->commit), XE2E_OK);
	CHECK_INT(p->commit.step, VERIFY_SAS_COMMIT);
	CHECK_INT(verify_sas_start(&p->r, SAS_RESPONDER, p->hh, &none), XE2E_OK);
	CHECK_INT(none.step, VERIFY_STEP_NONE);
	CHECK_INT(verify_sas_receive(&p->r, &p->commit, &p->nonce), XE2E_OK);
	CHECK_INT(p->nonce.step, VERIFY_SAS_NONCE);
	CHECK_INT(p->r.phase, VERIFY_PHASE_WAIT);
	CHECK_INT(verify_sas_receive(&p->i, &p->nonce, &p->reveal), XE2E_OK);
	CHECK_INT(p->reveal.step, VERIFY_SAS_REVEAL);
	CHECK_INT(p->i.phase, VERIFY_PHASE_DECIDE);
	if (flip_reveal)
		p->reveal.body[flip_reveal % 32] ^= (uint8_t)(1u << (flip_reveal % 8));
	CHECK_INT(verify_sas_receive(&p->r, &p->reveal, &none), XE2E_OK);
	if (flip_reveal) {
		CHECK_INT(none.step, VERIFY_STEP_RESULT);
		CHECK_INT(none.answer, VERIFY_ANSWER_NO);
		CHECK_INT(none.reason, VERIFY_REASON_COMMITMENT);
		CHECK_INT(p->r.phase, VERIFY_PHASE_WAIT);
		p->nonce = none; /* keep the responder's result */
	} else {
		CHECK_INT(none.step, VERIFY_STEP_NONE);
		CHECK_INT(p->r.phase, VERIFY_PHASE_DECIDE);
	}
}

/* Both answers, exchanged in the given order; the outcomes. */
static void sas_finish(struct sas_pair *p, enum verify_answer ai, enum verify_answer ar,
		       int responder_first, enum verify_outcome *oi, enum verify_outcome *or)
{
	struct verify_msg ri, rr, none;

	if (responder_first) {
		CHECK_INT(verify_sas_decide(&p->r, ar, 0, &rr), XE2E_OK);
		CHECK_INT(verify_sas_receive(&p->i, &rr, &none), XE2E_OK);
		CHECK_INT(p->i.phase, VERIFY_PHASE_DECIDE); /* its own answer is still due */
		CHECK_INT(verify_sas_decide(&p->i, ai, 0, &ri), XE2E_OK);
		CHECK_INT(p->i.phase, VERIFY_PHASE_DONE);
	} else {
		CHECK_INT(verify_sas_decide(&p->i, ai, 0, &ri), XE2E_OK);
		CHECK_INT(p->i.phase, VERIFY_PHASE_WAIT);
		CHECK_INT(verify_sas_decide(&p->r, ar, 0, &rr), XE2E_OK);
		CHECK_INT(verify_sas_receive(&p->i, &rr, &none), XE2E_OK);
	}
	CHECK_INT(ri.step, VERIFY_STEP_RESULT);
	CHECK_INT(ri.answer, ai);
	CHECK_INT(verify_sas_receive(&p->r, &ri, &none), XE2E_OK);
	CHECK_INT(none.step, VERIFY_STEP_NONE);
	CHECK_INT(p->r.phase, VERIFY_PHASE_DONE);
	CHECK_INT(p->i.phase, VERIFY_PHASE_DONE);
	*oi = verify_sas_outcome(&p->i);
	*or = verify_sas_outcome(&p->r);
}

TEST(verify_sas_outcomes_of_every_pair_of_answers)
{
	static const struct {
		enum verify_answer i, r;
		enum verify_outcome oi, or;
	} cases[] = {
		{VERIFY_ANSWER_YES, VERIFY_ANSWER_YES, VERIFY_OUTCOME_MATCH, VERIFY_OUTCOME_MATCH},
		{VERIFY_ANSWER_YES, VERIFY_ANSWER_NO, VERIFY_OUTCOME_MISMATCH, VERIFY_OUTCOME_MISMATCH},
		{VERIFY_ANSWER_NO, VERIFY_ANSWER_YES, VERIFY_OUTCOME_MISMATCH, VERIFY_OUTCOME_MISMATCH},
		{VERIFY_ANSWER_NO, VERIFY_ANSWER_NO, VERIFY_OUTCOME_MISMATCH, VERIFY_OUTCOME_MISMATCH},
		{VERIFY_ANSWER_YES, VERIFY_ANSWER_UNCHECKED, VERIFY_OUTCOME_MATCH, VERIFY_OUTCOME_SHOWN},
		{VERIFY_ANSWER_UNCHECKED, VERIFY_ANSWER_YES, VERIFY_OUTCOME_SHOWN, VERIFY_OUTCOME_MATCH},
		{VERIFY_ANSWER_UNCHECKED, VERIFY_ANSWER_NO, VERIFY_OUTCOME_REFUSED,
		 VERIFY_OUTCOME_MISMATCH},
		{VERIFY_ANSWER_NO, VERIFY_ANSWER_UNCHECKED, VERIFY_OUTCOME_MISMATCH,
		 VERIFY_OUTCOME_REFUSED},
		{VERIFY_ANSWER_UNCHECKED, VERIFY_ANSWER_UNCHECKED, VERIFY_OUTCOME_SHOWN,
		 VERIFY_OUTCOME_SHOWN},
	};
	char ci[SAS_TEXT_LEN], cr[SAS_TEXT_LEN];
	int runs = 0;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		for (int order = 0; order < 2; order++, runs++) {
			struct sas_pair p;
			enum verify_outcome oi, or;

			sas_to_compare(&p, 0);
			CHECK_INT(verify_sas_code(&p.i, ci), XE2E_OK);
			CHECK_INT(verify_sas_code(&p.r, cr), XE2E_OK);
			CHECK_STR(ci, cr);
			CHECK_INT(verify_sas_check(&p.r, ci), XE2E_OK);
			sas_finish(&p, cases[i].i, cases[i].r, order, &oi, &or);
			if (oi != cases[i].oi || or != cases[i].or)
				unit_fail(__FILE__, __LINE__, "case %zu order %d: %d/%d, want %d/%d", i,
					  order, oi, or, cases[i].oi, cases[i].or);
			verify_sas_wipe(&p.i);
			verify_sas_wipe(&p.r);
		}
	}
	unit_note("%d runs", runs);
}

/* The code both see is sas.h's: HKDF over hh, nA, nB. */
TEST(verify_sas_code_is_the_sas_of_the_nonces)
{
	struct sas_pair p;
	uint8_t code[SAS_CODE_LEN], typed[SAS_CODE_LEN];
	char text[SAS_TEXT_LEN], lower[SAS_TEXT_LEN], got[SAS_TEXT_LEN];
	uint8_t commit[SAS_NONCE_LEN];

	sas_to_compare(&p, 0);
	/* the commitment is of the revealed nonce */
	CHECK_INT(sas_commitment(p.hh, p.reveal.body, commit), XE2E_OK);
	CHECK_MEM(commit, p.commit.body, SAS_NONCE_LEN);
	CHECK_INT(sas_derive(p.hh, p.reveal.body, p.nonce.body, code), XE2E_OK);
	sas_format(code, text);
	CHECK_INT(verify_sas_code(&p.i, got), XE2E_OK);
	CHECK_STR(got, text);
	/* typed codes: case and dashes do not matter, one symbol does */
	for (size_t k = 0; k < SAS_TEXT_LEN; k++)
		lower[k] = (char)(text[k] >= 'A' && text[k] <= 'Z' ? text[k] + 32 : text[k]);
	CHECK_INT(verify_sas_check(&p.i, lower), XE2E_OK);
	CHECK_INT(sas_parse(lower, typed), XE2E_OK);
	CHECK_MEM(typed, code, SAS_CODE_LEN);
	text[8] = text[8] == '0' ? '1' : '0';
	CHECK_INT(verify_sas_check(&p.r, text), XE2E_E_AUTH);
	CHECK_INT(verify_sas_check(&p.r, "K7M2"), XE2E_E_MALFORMED);
	verify_sas_wipe(&p.i);
	verify_sas_wipe(&p.r);
}

TEST(verify_sas_forged_reveal_is_a_mismatch_on_both_sides)
{
	int runs = 0;

	for (int flip = 1; flip < 256; flip += 17, runs++) {
		struct sas_pair p;
		struct verify_msg ri, none;
		char code[SAS_TEXT_LEN];

		sas_to_compare(&p, flip);
		CHECK_INT(p.r.forged, 1);
		CHECK_INT(verify_sas_code(&p.r, code), XE2E_E_STATE); /* no code shown */
		CHECK_INT(verify_sas_decide(&p.r, VERIFY_ANSWER_YES, 0, &none), XE2E_E_STATE);
		/* the initiator's human says yes, then reads the responder's no */
		CHECK_INT(verify_sas_decide(&p.i, VERIFY_ANSWER_YES, 0, &ri), XE2E_OK);
		CHECK_INT(verify_sas_receive(&p.i, &p.nonce, &none), XE2E_OK);
		CHECK_INT(p.i.peer_reason, VERIFY_REASON_COMMITMENT);
		CHECK_INT(verify_sas_outcome(&p.i), VERIFY_OUTCOME_MISMATCH);
		CHECK_INT(verify_sas_receive(&p.r, &ri, &none), XE2E_OK);
		CHECK_INT(verify_sas_outcome(&p.r), VERIFY_OUTCOME_MISMATCH);
		verify_sas_wipe(&p.i);
		verify_sas_wipe(&p.r);
	}
	unit_note("%d forged reveals", runs);
}

/* A step the side may not take now ends the run with an abort. */
static void sas_refused(struct verify_sas *v, const struct verify_msg *in, int want_err,
			enum verify_reason want_reason, const char *detail)
{
	struct verify_msg out, again;

	CHECK_INT(verify_sas_receive(v, in, &out), want_err);
	if (detail && !strstr(err_detail(), detail))
		unit_fail(__FILE__, __LINE__, "detail \"%s\", want \"%s\"", err_detail(), detail);
	CHECK_INT(out.step, want_reason ? VERIFY_STEP_ABORT : VERIFY_STEP_NONE);
	CHECK_INT(out.reason, want_reason);
	CHECK_INT(v->phase, VERIFY_PHASE_DONE);
	CHECK_INT(verify_sas_outcome(v), VERIFY_OUTCOME_NONE);
	CHECK_INT(verify_sas_receive(v, in, &again), XE2E_E_STATE);
}

TEST(verify_sas_wrong_side_and_order_refused)
{
	struct sas_pair p;
	struct verify_msg m, none;
	uint8_t hh[SAS_HH_LEN] = {1};

	/* a commit to the initiator: the peer thinks it is the initiator too */
	sas_to_compare(&p, 0);
	verify_sas_wipe(&p.i);
	CHECK_INT(verify_sas_start(&p.i, SAS_INITIATOR, hh, &m), XE2E_OK);
	sas_refused(&p.i, &p.commit, XE2E_E_TRUST, VERIFY_REASON_PROTOCOL,
		    "a commit from the wrong side");
	/* a nonce to a responder, before any commit */
	verify_sas_wipe(&p.r);
	CHECK_INT(verify_sas_start(&p.r, SAS_RESPONDER, hh, &none), XE2E_OK);
	sas_refused(&p.r, &p.nonce, XE2E_E_TRUST, VERIFY_REASON_PROTOCOL, "nonce from the wrong side");
	/* a reveal to a responder before the commit */
	CHECK_INT(verify_sas_start(&p.r, SAS_RESPONDER, hh, &none), XE2E_OK);
	sas_refused(&p.r, &p.reveal, XE2E_E_TRUST, VERIFY_REASON_PROTOCOL, NULL);
	/* a second commit */
	CHECK_INT(verify_sas_start(&p.r, SAS_RESPONDER, hh, &none), XE2E_OK);
	CHECK_INT(verify_sas_receive(&p.r, &p.commit, &none), XE2E_OK);
	sas_refused(&p.r, &p.commit, XE2E_E_TRUST, VERIFY_REASON_PROTOCOL, NULL);
	/* a result before any code */
	CHECK_INT(verify_sas_start(&p.i, SAS_INITIATOR, hh, &m), XE2E_OK);
	verify_msg_result(&m, VERIFY_SAS, VERIFY_ANSWER_YES, 0);
	sas_refused(&p.i, &m, XE2E_E_TRUST, VERIFY_REASON_PROTOCOL, NULL);
	/* a shared-secret step: the other side runs the other method */
	CHECK_INT(verify_sas_start(&p.r, SAS_RESPONDER, hh, &none), XE2E_OK);
	verify_msg_wipe(&m);
	m.method = VERIFY_SPAKE2;
	m.step = VERIFY_SP_START;
	sas_refused(&p.r, &m, XE2E_E_UNSUPPORTED, VERIFY_REASON_METHOD, NULL);
	/* the peer's abort: no answer, outcome refused */
	CHECK_INT(verify_sas_start(&p.r, SAS_RESPONDER, hh, &none), XE2E_OK);
	verify_msg_abort(&m, VERIFY_SAS, VERIFY_REASON_LIMIT);
	CHECK_INT(verify_sas_receive(&p.r, &m, &none), XE2E_E_TRUST);
	CHECK_INT(none.step, VERIFY_STEP_NONE);
	CHECK_INT(verify_sas_outcome(&p.r), VERIFY_OUTCOME_REFUSED);
	verify_sas_wipe(&p.i);
	verify_sas_wipe(&p.r);
}

/* ---- SPAKE2 ---- */

struct sp_side {
	struct verify_spake2 v;
	struct spake2_params p;
	char secret[32];
};

static uint8_t sp_hh[32], sp_fa[32], sp_fb[32];

static void sp_init(struct sp_side *s, const char *secret)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->secret, sizeof(s->secret), "%s", secret);
	s->p.secret = s->secret;
	s->p.secret_len = strlen(secret);
	s->p.handshake_hash = sp_hh;
	s->p.iterations = 1000;
	s->p.id_a = sp_fa;
	s->p.id_b = sp_fb;
}

/* Changes a message on its way: index 0..3 (start, share,
 * share-confirm, confirm), byte, and how. */
struct sp_tamper {
	int index;
	size_t byte;
	uint8_t mask;
};

/* A full run; epoch_b is the epoch B sees on "start" (A's is 7). */
static void sp_run(struct sp_side *a, struct sp_side *b, uint64_t epoch_b,
		   const struct sp_tamper *t)
{
	struct verify_msg m[5], none;
	int stake;

	CHECK_INT(verify_spake2_start(&a->v, SPAKE2_ROLE_A, &a->p, &m[0]), XE2E_OK);
	CHECK_INT(m[0].step, VERIFY_SP_START);
	CHECK_INT(verify_spake2_start_sent(&a->v, 7), XE2E_OK);
	CHECK_INT(verify_spake2_start(&b->v, SPAKE2_ROLE_B, &b->p, &none), XE2E_OK);
	CHECK_INT(none.step, VERIFY_STEP_NONE);
	CHECK_INT(verify_spake2_at_stake(&b->v, &m[0]), 0);
	CHECK_INT(verify_spake2_receive(&b->v, &m[0], epoch_b, &m[1]), XE2E_OK);
	CHECK_INT(m[1].step, VERIFY_SP_SHARE);
	if (t && t->index == 1)
		m[1].body[t->byte % m[1].len] ^= t->mask;
	CHECK_INT(verify_spake2_at_stake(&a->v, &m[1]), 1);
	stake = verify_spake2_receive(&a->v, &m[1], 0, &m[2]);
	if (stake) {
		CHECK_INT(m[2].step, VERIFY_STEP_ABORT);
		return;
	}
	CHECK_INT(m[2].step, VERIFY_SP_SHARE_CONFIRM);
	CHECK_INT(m[2].len, 97);
	if (t && t->index == 2)
		m[2].body[t->byte % m[2].len] ^= t->mask;
	CHECK_INT(verify_spake2_at_stake(&b->v, &m[2]), 1);
	if (verify_spake2_receive(&b->v, &m[2], epoch_b, &m[3]))
		return;
	if (m[3].step == VERIFY_STEP_RESULT) { /* B: the secrets differ */
		CHECK_INT(m[3].answer, VERIFY_ANSWER_NO);
		CHECK_INT(m[3].reason, VERIFY_REASON_SECRET);
		CHECK_INT(verify_spake2_receive(&a->v, &m[3], 0, &none), XE2E_OK);
		CHECK_INT(none.step, VERIFY_STEP_NONE);
		return;
	}
	CHECK_INT(m[3].step, VERIFY_SP_CONFIRM);
	if (t && t->index == 3)
		m[3].body[t->byte % m[3].len] ^= t->mask;
	CHECK_INT(verify_spake2_receive(&a->v, &m[3], 0, &m[4]), XE2E_OK);
	CHECK_INT(m[4].step, VERIFY_STEP_RESULT);
	CHECK_INT(verify_spake2_receive(&b->v, &m[4], epoch_b, &none), XE2E_OK);
	CHECK_INT(none.step, VERIFY_STEP_NONE);
}

static void sp_outcomes(struct sp_side *a, struct sp_side *b, enum verify_outcome want)
{
	CHECK_INT(verify_spake2_phase(&a->v), VERIFY_PHASE_DONE);
	CHECK_INT(verify_spake2_phase(&b->v), VERIFY_PHASE_DONE);
	CHECK_INT(verify_spake2_outcome(&a->v), want);
	CHECK_INT(verify_spake2_outcome(&b->v), want);
	verify_spake2_wipe(&a->v);
	verify_spake2_wipe(&b->v);
}

TEST(verify_spake2_same_secret_same_key)
{
	struct sp_side a, b;
	uint8_t ka[SPAKE2_KEY_LEN], kb[SPAKE2_KEY_LEN];

	CHECK_INT(rng_bytes(sp_hh, 32), XE2E_OK);
	CHECK_INT(rng_bytes(sp_fa, 32), XE2E_OK);
	CHECK_INT(rng_bytes(sp_fb, 32), XE2E_OK);
	sp_init(&a, "the nurse's name");
	sp_init(&b, "the nurse's name");
	sp_run(&a, &b, 7, NULL);
	CHECK_INT(verify_spake2_key(&a.v, ka), XE2E_OK);
	CHECK_INT(verify_spake2_key(&b.v, kb), XE2E_OK);
	CHECK_MEM(ka, kb, SPAKE2_KEY_LEN);
	CHECK(!ct_is_zero(ka, SPAKE2_KEY_LEN));
	sp_outcomes(&a, &b, VERIFY_OUTCOME_MATCH);
	CHECK_INT(verify_spake2_key(&a.v, ka), XE2E_E_STATE);
}

TEST(verify_spake2_differences_fail_on_both_sides)
{
	struct sp_side a, b;
	uint8_t other[32];

	CHECK_INT(rng_bytes(sp_hh, 32), XE2E_OK);
	/* another secret */
	sp_init(&a, "Rosaline");
	sp_init(&b, "Rosalind");
	sp_run(&a, &b, 7, NULL);
	CHECK_INT(b.v.secret_differs, 1);
	sp_outcomes(&a, &b, VERIFY_OUTCOME_FAILED);
	/* another epoch seen by B: the confirmations name it */
	sp_init(&a, "Rosaline");
	sp_init(&b, "Rosaline");
	sp_run(&a, &b, 8, NULL);
	sp_outcomes(&a, &b, VERIFY_OUTCOME_FAILED);
	/* another handshake hash (another session) */
	sp_init(&a, "Rosaline");
	sp_init(&b, "Rosaline");
	memcpy(other, sp_hh, 32);
	other[31] ^= 1;
	b.p.handshake_hash = other;
	sp_run(&a, &b, 7, NULL);
	sp_outcomes(&a, &b, VERIFY_OUTCOME_FAILED);
	/* the identities the other way round */
	sp_init(&a, "Rosaline");
	sp_init(&b, "Rosaline");
	b.p.id_a = sp_fb;
	b.p.id_b = sp_fa;
	sp_run(&a, &b, 7, NULL);
	sp_outcomes(&a, &b, VERIFY_OUTCOME_FAILED);
}

TEST(verify_spake2_tampered_messages)
{
	static const struct sp_tamper confirms[] = {
		{2, 65, 0x01}, {2, 96, 0x80}, {3, 0, 0x01}, {3, 31, 0x40},
	};
	struct sp_side a, b;
	int runs = 0;

	CHECK_INT(rng_bytes(sp_hh, 32), XE2E_OK);
	for (size_t i = 0; i < ARRAY_SIZE(confirms); i++, runs++) {
		sp_init(&a, "balcony");
		sp_init(&b, "balcony");
		sp_run(&a, &b, 7, &confirms[i]);
		sp_outcomes(&a, &b, VERIFY_OUTCOME_FAILED);
	}
	/* a share that is no point, or another point */
	for (size_t byte = 1; byte < 65; byte += 9, runs++) {
		struct sp_tamper t = {1, byte, 0x04};

		sp_init(&a, "balcony");
		sp_init(&b, "balcony");
		sp_run(&a, &b, 7, &t);
		CHECK_INT(verify_spake2_phase(&a.v), VERIFY_PHASE_DONE);
		CHECK_INT(verify_spake2_outcome(&a.v), VERIFY_OUTCOME_NONE);
		verify_spake2_wipe(&a.v);
		verify_spake2_wipe(&b.v);
	}
	for (size_t byte = 1; byte < 65; byte += 13, runs++) {
		struct sp_tamper t = {2, byte, 0x10};

		sp_init(&a, "balcony");
		sp_init(&b, "balcony");
		sp_run(&a, &b, 7, &t);
		CHECK_INT(verify_spake2_outcome(&b.v), VERIFY_OUTCOME_NONE);
		CHECK_INT(verify_spake2_phase(&b.v), VERIFY_PHASE_DONE);
		verify_spake2_wipe(&a.v);
		verify_spake2_wipe(&b.v);
	}
	unit_note("%d tampered runs", runs);
}

TEST(verify_spake2_wrong_side_order_method_abort)
{
	struct sp_side a, b;
	struct verify_msg m, out;

	sp_init(&a, "x");
	sp_init(&b, "x");
	/* A gets a start: the peer thinks it is A too */
	CHECK_INT(verify_spake2_start(&a.v, SPAKE2_ROLE_A, &a.p, &m), XE2E_OK);
	CHECK_INT(verify_spake2_receive(&a.v, &m, 0, &out), XE2E_E_STATE); /* epoch unknown */
	CHECK_INT(out.reason, VERIFY_REASON_ERROR);
	verify_spake2_wipe(&a.v);
	CHECK_INT(verify_spake2_start(&a.v, SPAKE2_ROLE_A, &a.p, &m), XE2E_OK);
	CHECK_INT(verify_spake2_start_sent(&a.v, 3), XE2E_OK);
	CHECK_INT(verify_spake2_start_sent(&a.v, 3), XE2E_E_STATE);
	CHECK_INT(verify_spake2_receive(&a.v, &m, 0, &out), XE2E_E_TRUST);
	CHECK(strstr(err_detail(), "wrong side") != NULL);
	CHECK_INT(out.step, VERIFY_STEP_ABORT);
	CHECK_INT(out.reason, VERIFY_REASON_PROTOCOL);
	CHECK_INT(verify_spake2_receive(&a.v, &m, 0, &out), XE2E_E_STATE);
	/* B gets a result first */
	CHECK_INT(verify_spake2_start(&b.v, SPAKE2_ROLE_B, &b.p, &out), XE2E_OK);
	verify_msg_result(&m, VERIFY_SPAKE2, VERIFY_ANSWER_YES, 0);
	CHECK_INT(verify_spake2_receive(&b.v, &m, 0, &out), XE2E_E_TRUST);
	CHECK_INT(verify_spake2_outcome(&b.v), VERIFY_OUTCOME_NONE);
	/* B gets a SAS commit */
	CHECK_INT(verify_spake2_start(&b.v, SPAKE2_ROLE_B, &b.p, &out), XE2E_OK);
	verify_msg_wipe(&m);
	m.method = VERIFY_SAS;
	m.step = VERIFY_SAS_COMMIT;
	m.len = 32;
	CHECK_INT(verify_spake2_receive(&b.v, &m, 0, &out), XE2E_E_UNSUPPORTED);
	CHECK_INT(out.reason, VERIFY_REASON_METHOD);
	/* the peer's abort (too many failed runs there) */
	CHECK_INT(verify_spake2_start(&b.v, SPAKE2_ROLE_B, &b.p, &out), XE2E_OK);
	verify_msg_abort(&m, VERIFY_SPAKE2, VERIFY_REASON_LIMIT);
	CHECK_INT(verify_spake2_receive(&b.v, &m, 0, &out), XE2E_E_TRUST);
	CHECK_INT(out.step, VERIFY_STEP_NONE);
	CHECK_INT(b.v.peer_reason, VERIFY_REASON_LIMIT);
	CHECK_INT(verify_spake2_outcome(&b.v), VERIFY_OUTCOME_REFUSED);
	verify_spake2_wipe(&a.v);
	verify_spake2_wipe(&b.v);
}
