/* One side of a SAS run (see verify_sas.h). */
#include "verify_sas.h"

#include <string.h>

#include "err.h"
#include "util.h"

static void none(struct verify_msg *out)
{
	verify_msg_wipe(out);
}

/* A protocol error: abort (unless answering an abort) and stop. */
static int stop(struct verify_sas *v, struct verify_msg *out, enum verify_reason reason, int err)
{
	if (reason != VERIFY_REASON_NONE)
		verify_msg_abort(out, VERIFY_SAS, reason);
	v->phase = VERIFY_PHASE_DONE;
	v->failed = 1;
	sas_wipe(&v->sas);
	return err;
}

/* sas.h's message type of a step, 0 for none. */
static uint8_t sas_type(enum verify_step step)
{
	switch (step) {
	case VERIFY_SAS_COMMIT: return SAS_MSG_COMMIT;
	case VERIFY_SAS_NONCE: return SAS_MSG_NONCE;
	case VERIFY_SAS_REVEAL: return SAS_MSG_REVEAL;
	default: return 0;
	}
}

static enum verify_step step_of(uint8_t type)
{
	return type == SAS_MSG_COMMIT ? VERIFY_SAS_COMMIT
	       : type == SAS_MSG_NONCE ? VERIFY_SAS_NONCE
				       : VERIFY_SAS_REVEAL;
}

/* sas_send() into a control message. */
static int send_next(struct verify_sas *v, struct verify_msg *out)
{
	uint8_t msg[SAS_MSG_LEN];
	int err = sas_send(&v->sas, msg);

	if (!err) {
		verify_msg_wipe(out);
		out->method = VERIFY_SAS;
		out->step = step_of(msg[0]);
		memcpy(out->body, msg + 1, SAS_NONCE_LEN);
		out->len = SAS_NONCE_LEN;
	}
	wipe(msg, sizeof(msg));
	return err;
}

static int code_take(struct verify_sas *v)
{
	int err = sas_code(&v->sas, v->code);

	if (!err) {
		v->code_known = 1;
		v->phase = VERIFY_PHASE_DECIDE;
	}
	return err;
}

int verify_sas_start(struct verify_sas *v, enum sas_role role, const uint8_t hh[static SAS_HH_LEN],
		     struct verify_msg *out)
{
	int err;

	memset(v, 0, sizeof(*v));
	none(out);
	v->role = role;
	v->phase = VERIFY_PHASE_WAIT;
	err = sas_init(&v->sas, role, hh);
	if (!err && role == SAS_INITIATOR)
		err = send_next(v, out);
	if (err)
		stop(v, out, VERIFY_REASON_NONE, err);
	return err;
}

static const char *wrong_step(const struct verify_sas *v, enum verify_step step)
{
	if (step == VERIFY_SAS_COMMIT && v->role == SAS_INITIATOR)
		return "a commit from the wrong side: only the session's initiator commits";
	if (step == VERIFY_SAS_NONCE && v->role == SAS_RESPONDER)
		return "a nonce from the wrong side: only the session's responder sends one";
	if (step == VERIFY_SAS_REVEAL && v->role == SAS_INITIATOR)
		return "a reveal from the wrong side: only the session's initiator reveals";
	return NULL;
}

static int out_of_order(struct verify_sas *v, enum verify_step step, struct verify_msg *out)
{
	const char *why = wrong_step(v, step);

	if (why)
		err_detail_set("%s", why);
	else
		err_detail_set("a %s step out of order", verify_step_name(step));
	return stop(v, out, VERIFY_REASON_PROTOCOL, XE2E_E_TRUST);
}

/* commit, nonce or reveal */
static int exchange(struct verify_sas *v, const struct verify_msg *in, struct verify_msg *out)
{
	uint8_t msg[SAS_MSG_LEN];
	int err;

	if (v->phase != VERIFY_PHASE_WAIT || v->code_known || v->forged || wrong_step(v, in->step))
		return out_of_order(v, in->step, out);
	msg[0] = sas_type(in->step);
	memcpy(msg + 1, in->body, SAS_NONCE_LEN);
	err = sas_receive(&v->sas, msg, sizeof(msg));
	wipe(msg, sizeof(msg));
	if (err == XE2E_E_AUTH) {
		/* The reveal does not match the commitment: no code, answer no. */
		v->forged = 1;
		v->local = VERIFY_ANSWER_NO;
		sas_wipe(&v->sas);
		verify_msg_result(out, VERIFY_SAS, VERIFY_ANSWER_NO, VERIFY_REASON_COMMITMENT);
		return XE2E_OK;
	}
	if (err)
		return out_of_order(v, in->step, out);
	if (in->step != VERIFY_SAS_REVEAL)
		err = send_next(v, out); /* the reveal, or the nonce */
	if (!err && sas_is_complete(&v->sas))
		err = code_take(v);
	return err ? stop(v, out, VERIFY_REASON_ERROR, err) : XE2E_OK;
}

static int result(struct verify_sas *v, const struct verify_msg *in, struct verify_msg *out)
{
	if (!v->code_known && !v->forged)
		return out_of_order(v, in->step, out);
	if (v->peer != VERIFY_ANSWER_NONE)
		return out_of_order(v, in->step, out);
	v->peer = in->answer;
	v->peer_reason = in->reason;
	if (v->local != VERIFY_ANSWER_NONE)
		v->phase = VERIFY_PHASE_DONE;
	return XE2E_OK;
}

int verify_sas_receive(struct verify_sas *v, const struct verify_msg *in, struct verify_msg *out)
{
	none(out);
	if (v->phase == VERIFY_PHASE_DONE || v->phase == 0) {
		err_detail_set("the SAS run is over");
		return XE2E_E_STATE;
	}
	if (in->step == VERIFY_STEP_ABORT) {
		v->peer_aborted = 1;
		v->peer_reason = in->reason;
		v->phase = VERIFY_PHASE_DONE;
		sas_wipe(&v->sas);
		err_detail_set("the peer stopped the run (%s)", verify_reason_name(in->reason));
		return XE2E_E_TRUST;
	}
	if (in->method != VERIFY_SAS) {
		err_detail_set("the peer runs a shared-secret verification, not a SAS comparison");
		return stop(v, out, VERIFY_REASON_METHOD, XE2E_E_UNSUPPORTED);
	}
	if (in->step == VERIFY_STEP_RESULT)
		return result(v, in, out);
	return exchange(v, in, out);
}

int verify_sas_decide(struct verify_sas *v, enum verify_answer answer, enum verify_reason reason,
		      struct verify_msg *out)
{
	none(out);
	if (v->phase != VERIFY_PHASE_DECIDE || !verify_answer_name(answer)) {
		err_detail_set("no answer is due");
		return XE2E_E_STATE;
	}
	v->local = answer;
	verify_msg_result(out, VERIFY_SAS, answer, reason);
	v->phase = v->peer != VERIFY_ANSWER_NONE ? VERIFY_PHASE_DONE : VERIFY_PHASE_WAIT;
	return XE2E_OK;
}

int verify_sas_code(const struct verify_sas *v, char out[static SAS_TEXT_LEN])
{
	if (!v->code_known)
		return XE2E_E_STATE;
	memcpy(out, v->code, SAS_TEXT_LEN);
	return XE2E_OK;
}

int verify_sas_check(const struct verify_sas *v, const char *typed)
{
	if (!v->code_known)
		return XE2E_E_STATE;
	return sas_check(&v->sas, typed);
}

enum verify_outcome verify_sas_outcome(const struct verify_sas *v)
{
	if (v->phase != VERIFY_PHASE_DONE || v->failed)
		return VERIFY_OUTCOME_NONE;
	if (v->forged)
		return VERIFY_OUTCOME_MISMATCH;
	if (v->peer_aborted)
		return VERIFY_OUTCOME_REFUSED;
	if (v->local == VERIFY_ANSWER_NO)
		return VERIFY_OUTCOME_MISMATCH;
	if (v->local == VERIFY_ANSWER_YES)
		return v->peer == VERIFY_ANSWER_NO ? VERIFY_OUTCOME_MISMATCH : VERIFY_OUTCOME_MATCH;
	return v->peer == VERIFY_ANSWER_NO ? VERIFY_OUTCOME_REFUSED : VERIFY_OUTCOME_SHOWN;
}

void verify_sas_wipe(struct verify_sas *v)
{
	sas_wipe(&v->sas);
	wipe(v, sizeof(*v));
}
