/* One verification run, driven stanza by stanza (see verify_run.h). */
#include "verify_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "err.h"
#include "failures.h"
#include "spake2.h"
#include "util.h"
#include "verify_sas.h"
#include "verify_spake2.h"
#include "verify_wire.h"

struct verify_run {
	enum verify_method method;
	int show_only;
	const char *resource;
	struct verify_peer peer;
	struct verify_wire wire;
	struct verify_sas sas;
	struct verify_spake2 sp;
	struct spake2_params params; /* point into peer and secret */
	char secret[VERIFY_RUN_SECRET_MAX + 2]; /* as a program reads it: a line and its end */
	size_t secret_len;
	int machine;    /* the run machine was started */
	int refusing;   /* SPAKE2 at the limit: the next control stanza gets the refusal */
	int started;    /* a control stanza went out or came in */
	int counted;    /* a shared-secret run was counted as failed */
	int over;
	struct verify_msg in, sent;
};

/* ---- set-up ---- */

int verify_run_new(struct verify_run **out, const struct verify_run_config *cfg,
		   enum verify_run_stage *stage)
{
	struct verify_run *run = calloc(1, sizeof(*run));
	int err;

	*out = NULL;
	if (!run)
		return XE2E_E_NOMEM;
	run->method = cfg->method;
	run->show_only = cfg->show_only;
	run->resource = cfg->resource;
	*stage = VERIFY_RUN_STAGE_PEER;
	err = verify_peer_load(cfg->peer, &run->peer);
	if (!err) {
		*stage = VERIFY_RUN_STAGE_SESSION;
		err = verify_wire_init(&run->wire, run->peer.session_id, cfg->resource);
	}
	if (err)
		verify_run_free(run);
	else
		*out = run;
	return err;
}

int verify_run_free(struct verify_run *run)
{
	int err = XE2E_OK;

	if (!run)
		return XE2E_OK;
	if (run->wire.loaded)
		err = verify_wire_release(&run->wire);
	if (run->machine && run->method == VERIFY_SAS)
		verify_sas_wipe(&run->sas);
	else if (run->machine)
		verify_spake2_wipe(&run->sp);
	wipe(run, sizeof(*run));
	free(run);
	return err;
}

const struct verify_peer *verify_run_peer(const struct verify_run *run)
{
	return &run->peer;
}

/* ---- what goes out ---- */

void verify_run_out_free(struct verify_run_out *out)
{
	xml_free(out->stanza);
	memset(out, 0, sizeof(*out));
}

static void out_reset(struct verify_run_out *out)
{
	verify_run_out_free(out);
	out->event = VERIFY_RUN_GOING;
}

/* Seals run->sent, if it is a message, into out; *epoch (may be NULL)
 * gets its sender epoch. */
static int out_send(struct verify_run *run, uint64_t now, struct verify_run_out *out,
		    uint32_t *epoch)
{
	int err;

	if (run->sent.step == VERIFY_STEP_NONE)
		return XE2E_OK;
	err = verify_wire_seal(&run->wire, &run->sent, now, &out->stanza, epoch);
	if (err)
		return err;
	out->sent = &run->sent;
	run->started = 1;
	return XE2E_OK;
}

/* out_send(); a message that could not be sealed is dropped, so that no
 * abort follows it. */
static int send_or_drop(struct verify_run *run, uint64_t now, struct verify_run_out *out,
			uint32_t *epoch)
{
	int err = out_send(run, now, out, epoch);

	if (err)
		verify_msg_wipe(&run->sent);
	return err;
}

/* The run failed with err: the abort in run->sent, if any, goes to out;
 * the error and its detail stay as they were. */
static int failed(struct verify_run *run, int err, uint64_t now, struct verify_run_out *out)
{
	char detail[512];

	out->event = VERIFY_RUN_FAILED;
	out->over = run->over = 1;
	snprintf(detail, sizeof(detail), "%s", err_detail());
	xml_free(out->stanza);
	out->stanza = NULL;
	out->sent = NULL;
	out_send(run, now, out, NULL);
	err_detail_set("%s", detail);
	return err;
}

static enum verify_phase phase(const struct verify_run *run)
{
	if (run->method == VERIFY_SAS)
		return run->sas.phase;
	return verify_spake2_phase(&run->sp);
}

/* After a message was taken or given: what the caller does next. */
static void next_event(struct verify_run *run, struct verify_run_out *out)
{
	enum verify_phase p = phase(run);

	if (p == VERIFY_PHASE_DONE) {
		out->event = VERIFY_RUN_DONE;
		out->over = run->over = 1;
	} else if (p == VERIFY_PHASE_DECIDE && !verify_sas_code(&run->sas, out->code)) {
		out->event = VERIFY_RUN_SAS;
	}
}

/* ---- starting ---- */

int verify_run_start(struct verify_run *run, uint64_t now, struct verify_run_out *out)
{
	int initiator = run->peer.role == SESSION_INITIATOR, err;
	unsigned n = 0;

	out_reset(out);
	verify_msg_wipe(&run->sent);
	if (run->method == VERIFY_SPAKE2) {
		err = failures_get(NULL, run->peer.jid, &out->failures);
		if (err)
			return failed(run, err, now, out);
		if (out->failures < FAILURES_LIMIT) {
			out->event = VERIFY_RUN_SECRET_NEEDED;
			return XE2E_OK;
		}
		/* The Noise initiator tells the peer at once; the responder
		 * answers the peer's first control stanza. */
		out->event = VERIFY_RUN_LIMIT;
		run->refusing = 1;
		verify_msg_abort(&run->sent, VERIFY_SPAKE2, VERIFY_REASON_LIMIT);
		if (!initiator)
			return XE2E_OK;
		out->over = run->over = 1;
		out_send(run, now, out, NULL);
		return XE2E_OK;
	}
	if (!verify_aborts_get(run->peer.jid, &n))
		out->earlier_aborts = n;
	err = verify_sas_start(&run->sas, initiator ? SAS_INITIATOR : SAS_RESPONDER, run->peer.hh,
			       &run->sent);
	run->machine = !err;
	if (!err)
		err = send_or_drop(run, now, out, NULL);
	return err ? failed(run, err, now, out) : XE2E_OK;
}

/* The SPAKE2 identities are the identity fingerprints, A's being the
 * session's Noise initiator's (xe2e(7) VERIFICATION "Shared secret"). The
 * pointers stay with the run: once it moves to the peer's pending
 * session, the new session's handshake hash is the one B uses. */
static void spake2_params_fill(struct verify_run *run)
{
	int a = run->peer.role == SESSION_INITIATOR;
	struct spake2_params *p = &run->params;

	memset(p, 0, sizeof(*p));
	p->secret = run->secret;
	p->secret_len = run->secret_len;
	p->handshake_hash = run->peer.hh;
	p->id_a = a ? run->peer.self_fpr : run->peer.fpr;
	p->id_b = a ? run->peer.fpr : run->peer.self_fpr;
}

int verify_run_secret(struct verify_run *run, const char *secret, size_t len, uint64_t now,
		      struct verify_run_out *out)
{
	int a = run->peer.role == SESSION_INITIATOR, err;
	uint32_t epoch = 0;

	out_reset(out);
	verify_msg_wipe(&run->sent);
	if (!len || len > sizeof(run->secret)) {
		err_detail_set(len ? "the secret is too long" : "an empty secret");
		return failed(run, len ? XE2E_E_LIMIT : XE2E_E_MALFORMED, now, out);
	}
	memcpy(run->secret, secret, len);
	run->secret_len = len;
	spake2_params_fill(run);
	err = verify_spake2_start(&run->sp, a ? SPAKE2_ROLE_A : SPAKE2_ROLE_B, &run->params,
				  &run->sent);
	run->machine = !err;
	if (!err)
		err = send_or_drop(run, now, out, &epoch);
	if (!err && run->sent.step != VERIFY_STEP_NONE)
		err = verify_spake2_start_sent(&run->sp, epoch);
	return err ? failed(run, err, now, out) : XE2E_OK;
}

/* ---- what comes in ---- */

/*
 * A stanza of another session of the peer, before the run started: an IK
 * responder's pending session, which the initiator already uses. The run
 * moves there when the stanza opens in it (and so confirms it).
 */
static int follow(struct verify_run *run, const struct xml_node *stanza, uint64_t now,
		  uint32_t *epoch, struct verify_run_out *out)
{
	struct verify_wire cand;
	struct verify_peer p;
	uint8_t id[SESSION_ID_LEN];
	int err = verify_wire_pending_of(&run->wire, stanza, id);

	if (err)
		return err;
	err = verify_wire_init(&cand, id, run->resource);
	if (!err)
		err = verify_wire_open(&cand, stanza, now, &run->in, epoch, NULL);
	if (!err)
		err = verify_peer_load_session(run->peer.jid, id, &p);
	if (!err && p.role != SESSION_RESPONDER)
		err = XE2E_E_STATE;
	if (err) {
		verify_wire_release(&cand);
		return err;
	}
	verify_wire_release(&run->wire);
	run->wire = cand;
	run->peer = p;
	out->switched = 1;
	wipe(&p, sizeof(p));
	return XE2E_OK;
}

/*
 * Opens stanza into run->in. XE2E_E_NOTFOUND and XE2E_E_UNSUPPORTED for a
 * stanza to skip (out says how); other errors end the run (run->sent: the
 * abort to send).
 */
static int open_msg(struct verify_run *run, const struct xml_node *stanza, uint64_t now,
		    uint32_t *epoch, struct verify_run_out *out)
{
	int authentic = 0, err;

	err = verify_wire_open(&run->wire, stanza, now, &run->in, epoch, &authentic);
	if (err == XE2E_E_NOTFOUND && !run->started && follow(run, stanza, now, epoch, out) == XE2E_OK)
		err = XE2E_OK;
	if (!err) {
		run->started = 1;
		out->received = &run->in;
		return XE2E_OK;
	}
	if (err == XE2E_E_UNSUPPORTED || (err != XE2E_E_NOTFOUND && !authentic)) {
		out->event = VERIFY_RUN_SKIPPED_BAD;
		out->skipped = err;
		return XE2E_E_NOTFOUND;
	}
	if (err == XE2E_E_NOTFOUND) {
		out->event = VERIFY_RUN_SKIPPED;
		err_detail_clear();
		return err;
	}
	verify_msg_abort(&run->sent, run->method, VERIFY_REASON_MALFORMED);
	return err;
}

/* The responder starts again on the session it moved to. */
static int sas_restart(struct verify_run *run)
{
	struct verify_msg none;
	int err;

	verify_sas_wipe(&run->sas);
	err = verify_sas_start(&run->sas, SAS_RESPONDER, run->peer.hh, &none);
	verify_msg_wipe(&none);
	return err;
}

static int take_sas(struct verify_run *run, struct verify_run_out *out)
{
	int err = out->switched ? sas_restart(run) : XE2E_OK;

	return err ? err : verify_sas_receive(&run->sas, &run->in, &run->sent);
}

/* Counts the run as failed before the peer can test a guess. */
static int take_spake2(struct verify_run *run, uint32_t epoch)
{
	unsigned count;
	int err;

	if (verify_spake2_at_stake(&run->sp, &run->in)) {
		err = failures_increment(NULL, run->peer.jid, &count);
		run->counted = 1;
		if (err) {
			verify_msg_abort(&run->sent, VERIFY_SPAKE2, VERIFY_REASON_ERROR);
			return err;
		}
	}
	return verify_spake2_receive(&run->sp, &run->in, epoch, &run->sent);
}

/* At the limit: an abort of the peer needs no answer; anything else gets
 * the refusal. */
static int refuse(struct verify_run *run, uint64_t now, struct verify_run_out *out)
{
	out->event = VERIFY_RUN_LIMIT;
	out->over = run->over = 1;
	if (run->in.step == VERIFY_STEP_ABORT)
		return XE2E_OK;
	verify_msg_abort(&run->sent, VERIFY_SPAKE2, VERIFY_REASON_LIMIT);
	return out_send(run, now, out, NULL);
}

int verify_run_feed(struct verify_run *run, const struct xml_node *stanza, uint64_t now,
		    struct verify_run_out *out)
{
	uint32_t epoch = 0;
	int err;

	out_reset(out);
	verify_msg_wipe(&run->sent);
	if (run->over || (!run->machine && !run->refusing)) {
		err_detail_set(run->over ? "the run is over" : "the run has not started");
		return XE2E_E_STATE;
	}
	err = open_msg(run, stanza, now, &epoch, out);
	if (err == XE2E_E_NOTFOUND)
		return XE2E_OK;
	if (err && run->refusing) {
		out->event = VERIFY_RUN_LIMIT; /* nothing answers a stanza that does not parse */
		out->over = run->over = 1;
		return XE2E_OK;
	}
	if (!err && run->refusing)
		return refuse(run, now, out);
	if (!err)
		err = run->method == VERIFY_SAS ? take_sas(run, out) : take_spake2(run, epoch);
	if (!err)
		err = send_or_drop(run, now, out, NULL);
	if (err) {
		out->peer_limit = run->method == VERIFY_SPAKE2 && err == XE2E_E_TRUST &&
				  run->sp.peer_aborted && run->sp.peer_reason == VERIFY_REASON_LIMIT;
		return failed(run, err, now, out);
	}
	next_event(run, out);
	return XE2E_OK;
}

int verify_run_answer(struct verify_run *run, enum verify_answer answer,
		      enum verify_reason reason, uint64_t now, struct verify_run_out *out)
{
	int err;

	out_reset(out);
	verify_msg_wipe(&run->sent);
	if (run->method != VERIFY_SAS || !run->machine) {
		err_detail_set("no code to answer");
		return XE2E_E_STATE;
	}
	err = verify_sas_decide(&run->sas, answer, reason, &run->sent);
	if (!err)
		err = out_send(run, now, out, NULL);
	if (err) {
		verify_msg_wipe(&run->sent); /* the peer stops on its own */
		return failed(run, err, now, out);
	}
	next_event(run, out);
	return XE2E_OK;
}

int verify_run_answer_code(struct verify_run *run, const char *typed, uint64_t now,
			   struct verify_run_out *out)
{
	int err = run->method == VERIFY_SAS && run->machine ? verify_sas_check(&run->sas, typed)
							    : XE2E_E_STATE;

	if (err != XE2E_OK && err != XE2E_E_AUTH)
		return err;
	return verify_run_answer(run, err == XE2E_OK ? VERIFY_ANSWER_YES : VERIFY_ANSWER_NO,
				 VERIFY_REASON_NONE, now, out);
}

int verify_run_abort(struct verify_run *run, uint64_t now, struct verify_run_out *out)
{
	char detail[512];
	int err;

	out_reset(out);
	snprintf(detail, sizeof(detail), "%s", err_detail());
	verify_msg_abort(&run->sent, run->method, VERIFY_REASON_ERROR);
	out->event = VERIFY_RUN_FAILED;
	out->over = run->over = 1;
	err = out_send(run, now, out, NULL);
	err_detail_set("%s", detail);
	return err;
}

void verify_run_input_ended(struct verify_run *run, struct verify_run_ended *ended)
{
	memset(ended, 0, sizeof(*ended));
	run->over = 1;
	if (run->started && run->method == VERIFY_SAS &&
	    !verify_aborts_add(run->peer.jid, &ended->aborts))
		ended->aborts_counted = 1;
	if (run->counted && !failures_get(NULL, run->peer.jid, &ended->failures))
		ended->failure_counted = 1;
}

/* ---- the outcome ---- */

static void keep_detail(int err, char detail[static 512])
{
	snprintf(detail, 512, "%s", err ? err_detail() : "");
	err_detail_clear();
}

static void record_match(struct verify_run *run, struct verify_run_record *rec)
{
	rec->match_err = verify_record_match(&run->peer, &rec->level);
	keep_detail(rec->match_err, rec->match_detail);
	if (rec->match_err)
		return;
	verify_aborts_reset(run->peer.jid);
	rec->rs_reset_cleared = !!(run->peer.flags & TRUST_FLAG_RS_RESET);
}

static enum verify_run_mismatch mismatch_why(const struct verify_sas *v)
{
	if (v->forged)
		return VERIFY_RUN_MISMATCH_FORGED;
	if (v->local == VERIFY_ANSWER_NO)
		return VERIFY_RUN_MISMATCH_LOCAL;
	if (v->peer_reason == VERIFY_REASON_COMMITMENT)
		return VERIFY_RUN_MISMATCH_PEER_FORGED;
	return VERIFY_RUN_MISMATCH_PEER;
}

static void record_sas(struct verify_run *run, struct verify_run_record *rec)
{
	rec->outcome = verify_sas_outcome(&run->sas);
	switch (rec->outcome) {
	case VERIFY_OUTCOME_MATCH:
		record_match(run, rec);
		break;
	case VERIFY_OUTCOME_MISMATCH:
		rec->mismatch = mismatch_why(&run->sas);
		rec->mismatch_recorded = !run->show_only;
		if (!run->show_only)
			rec->mismatch_err = verify_record_mismatch(&run->peer);
		keep_detail(rec->mismatch_err, rec->mismatch_detail);
		break;
	case VERIFY_OUTCOME_REFUSED:
		break;
	default:
		rec->no_answer = run->sas.local == VERIFY_ANSWER_UNCHECKED && !run->show_only;
		break;
	}
}

_Static_assert(SPAKE2_KEY_LEN == RATCHET_MIX_LEN, "Ke is what the ratchet mixes in");

/*
 * Ke goes into the session's ratchet at the root step the run names, the
 * same on both sides (xe2e(7), VERIFICATION): stored as a pending mix
 * whatever the trust store says, since the peer stores it too.
 */
static int ratchet_mix(struct verify_run *run, const uint8_t ke[static SPAKE2_KEY_LEN],
		       uint64_t *step)
{
	uint32_t epoch;
	int err = verify_spake2_epoch(&run->sp, &epoch);

	*step = 0;
	if (!err)
		err = channel_mix_spake2(&run->wire.ch, epoch, ke, step);
	return err;
}

/* A confirmed shared secret: the failures go, the key goes into the
 * ratchet, the peer is verified, and then the key goes into the retained
 * secret too. */
static void record_spake2_match(struct verify_run *run, struct verify_run_record *rec)
{
	uint8_t ke[SPAKE2_KEY_LEN];
	int err = verify_spake2_key(&run->sp, ke);

	failures_reset(NULL, run->peer.jid, NULL);
	if (!err) {
		rec->mix_err = ratchet_mix(run, ke, &rec->mix_step);
		keep_detail(rec->mix_err, rec->mix_detail);
	}
	record_match(run, rec);
	if (!err && !rec->match_err) {
		rec->rs_mix_done = 1;
		rec->rs_mix_err = verify_record_mix(&run->peer, ke);
		keep_detail(rec->rs_mix_err, rec->rs_mix_detail);
	}
	wipe(ke, sizeof(ke));
}

static void record_spake2(struct verify_run *run, struct verify_run_record *rec)
{
	rec->outcome = verify_spake2_outcome(&run->sp);
	if (rec->outcome == VERIFY_OUTCOME_MATCH)
		record_spake2_match(run, rec);
	else if (rec->outcome == VERIFY_OUTCOME_FAILED)
		failures_get(NULL, run->peer.jid, &rec->failures);
}

void verify_run_record(struct verify_run *run, struct verify_run_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	if (!run->machine)
		return;
	if (run->method == VERIFY_SAS)
		record_sas(run, rec);
	else
		record_spake2(run, rec);
}
