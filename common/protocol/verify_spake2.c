/* One side of a shared-secret run (see verify_spake2.h). */
#include "verify_spake2.h"

#include <string.h>

#include "err.h"
#include "util.h"

enum {
	ST_A_STARTED = 1, /* A: start made, its epoch not known yet */
	ST_A_WAIT_SHARE,  /* A: start sent */
	ST_A_WAIT_CONFIRM,
	ST_B_WAIT_START,
	ST_B_WAIT_SHARE_CONFIRM,
	ST_B_WAIT_RESULT,
	ST_DONE,
};

static void done(struct verify_spake2 *v)
{
	v->state = ST_DONE;
	v->phase = VERIFY_PHASE_DONE;
	spake2_wipe(&v->sp);
}

static int stop(struct verify_spake2 *v, struct verify_msg *out, enum verify_reason reason, int err)
{
	verify_msg_abort(out, VERIFY_SPAKE2, reason);
	done(v);
	return err;
}

/* The secrets differ: answer no and stop. */
static int differ(struct verify_spake2 *v, struct verify_msg *out)
{
	verify_msg_result(out, VERIFY_SPAKE2, VERIFY_ANSWER_NO, VERIFY_REASON_SECRET);
	v->secret_differs = 1;
	done(v);
	return XE2E_OK;
}

int verify_spake2_start(struct verify_spake2 *v, enum spake2_role role,
			const struct spake2_params *params, struct verify_msg *out)
{
	memset(v, 0, sizeof(*v));
	verify_msg_wipe(out);
	v->role = role;
	v->params = *params;
	v->phase = VERIFY_PHASE_WAIT;
	if (role == SPAKE2_ROLE_A) {
		out->method = VERIFY_SPAKE2;
		out->step = VERIFY_SP_START;
		v->state = ST_A_STARTED;
	} else if (role == SPAKE2_ROLE_B) {
		v->state = ST_B_WAIT_START;
	} else {
		done(v);
		return XE2E_E_MALFORMED;
	}
	return XE2E_OK;
}

int verify_spake2_start_sent(struct verify_spake2 *v, uint64_t epoch)
{
	if (v->state != ST_A_STARTED)
		return XE2E_E_STATE;
	v->params.epoch = epoch;
	v->state = ST_A_WAIT_SHARE;
	return XE2E_OK;
}

int verify_spake2_at_stake(const struct verify_spake2 *v, const struct verify_msg *in)
{
	return in->method == VERIFY_SPAKE2 &&
	       ((v->state == ST_A_WAIT_SHARE && in->step == VERIFY_SP_SHARE) ||
		(v->state == ST_B_WAIT_SHARE_CONFIRM && in->step == VERIFY_SP_SHARE_CONFIRM));
}

static void message(struct verify_msg *out, enum verify_step step, const uint8_t *a, size_t a_len,
		    const uint8_t *b, size_t b_len)
{
	verify_msg_wipe(out);
	out->method = VERIFY_SPAKE2;
	out->step = step;
	memcpy(out->body, a, a_len);
	if (b_len)
		memcpy(out->body + a_len, b, b_len);
	out->len = a_len + b_len;
}

/* B: "start" arrived with epoch: the own share. */
static int b_start(struct verify_spake2 *v, uint64_t epoch, struct verify_msg *out)
{
	uint8_t share[SPAKE2_MSG_LEN];
	int err;

	v->params.epoch = epoch;
	err = spake2_init(&v->sp, SPAKE2_ROLE_B, &v->params);
	if (!err)
		err = spake2_message(&v->sp, share);
	if (err)
		return stop(v, out, VERIFY_REASON_ERROR, err);
	message(out, VERIFY_SP_SHARE, share, sizeof(share), NULL, 0);
	v->state = ST_B_WAIT_SHARE_CONFIRM;
	return XE2E_OK;
}

/* A: pB arrived: the own share and confirmation. */
static int a_share(struct verify_spake2 *v, const struct verify_msg *in, struct verify_msg *out)
{
	uint8_t share[SPAKE2_MSG_LEN], conf[SPAKE2_CONF_LEN];
	int err = spake2_init(&v->sp, SPAKE2_ROLE_A, &v->params);

	if (!err)
		err = spake2_message(&v->sp, share);
	if (err)
		return stop(v, out, VERIFY_REASON_ERROR, err);
	err = spake2_process(&v->sp, in->body, in->len);
	if (!err)
		err = spake2_confirm(&v->sp, conf);
	if (!err) {
		message(out, VERIFY_SP_SHARE_CONFIRM, share, sizeof(share), conf, sizeof(conf));
		v->state = ST_A_WAIT_CONFIRM;
	}
	wipe(conf, sizeof(conf));
	return err ? stop(v, out, VERIFY_REASON_MALFORMED, err) : XE2E_OK;
}

/* B: pA and A's confirmation arrived. */
static int b_share_confirm(struct verify_spake2 *v, const struct verify_msg *in,
			   struct verify_msg *out)
{
	uint8_t conf[SPAKE2_CONF_LEN];
	int err = spake2_process(&v->sp, in->body, SPAKE2_MSG_LEN);

	if (err)
		return stop(v, out, VERIFY_REASON_MALFORMED, err);
	err = spake2_verify_confirm(&v->sp, in->body + SPAKE2_MSG_LEN, SPAKE2_CONF_LEN);
	if (err == XE2E_E_AUTH)
		return differ(v, out);
	if (!err)
		err = spake2_confirm(&v->sp, conf);
	if (!err) {
		message(out, VERIFY_SP_CONFIRM, conf, sizeof(conf), NULL, 0);
		v->state = ST_B_WAIT_RESULT;
	}
	wipe(conf, sizeof(conf));
	return err ? stop(v, out, VERIFY_REASON_ERROR, err) : XE2E_OK;
}

static int succeed(struct verify_spake2 *v)
{
	int err = spake2_key(&v->sp, v->ke);

	if (!err)
		v->success = 1;
	done(v);
	return err;
}

/* A: B's confirmation arrived. */
static int a_confirm(struct verify_spake2 *v, const struct verify_msg *in, struct verify_msg *out)
{
	int err = spake2_verify_confirm(&v->sp, in->body, in->len);

	if (err == XE2E_E_AUTH)
		return differ(v, out);
	if (err)
		return stop(v, out, VERIFY_REASON_ERROR, err);
	verify_msg_result(out, VERIFY_SPAKE2, VERIFY_ANSWER_YES, VERIFY_REASON_NONE);
	return succeed(v);
}

static int out_of_order(struct verify_spake2 *v, const struct verify_msg *in,
			struct verify_msg *out)
{
	int wrong_side = (v->role == SPAKE2_ROLE_A && (in->step == VERIFY_SP_START ||
						       in->step == VERIFY_SP_SHARE_CONFIRM)) ||
			 (v->role == SPAKE2_ROLE_B && (in->step == VERIFY_SP_SHARE ||
						       in->step == VERIFY_SP_CONFIRM));

	err_detail_set("a %s step %s", verify_step_name(in->step),
		       wrong_side ? "from the wrong side" : "out of order");
	return stop(v, out, VERIFY_REASON_PROTOCOL, XE2E_E_TRUST);
}

/* A result: B's "no" to A's confirmation, or A's last word to B. */
static int result(struct verify_spake2 *v, const struct verify_msg *in, struct verify_msg *out)
{
	if (in->answer == VERIFY_ANSWER_YES && v->state == ST_B_WAIT_RESULT)
		return succeed(v);
	if (in->answer != VERIFY_ANSWER_NO)
		return out_of_order(v, in, out);
	v->secret_differs = 1;
	done(v);
	return XE2E_OK;
}

/* The one step each state takes, or 0. */
static enum verify_step expected(const struct verify_spake2 *v)
{
	switch (v->state) {
	case ST_A_WAIT_SHARE: return VERIFY_SP_SHARE;
	case ST_A_WAIT_CONFIRM: return VERIFY_SP_CONFIRM;
	case ST_B_WAIT_START: return VERIFY_SP_START;
	case ST_B_WAIT_SHARE_CONFIRM: return VERIFY_SP_SHARE_CONFIRM;
	case ST_B_WAIT_RESULT: return VERIFY_STEP_RESULT;
	default: return VERIFY_STEP_NONE;
	}
}

static int step(struct verify_spake2 *v, const struct verify_msg *in, uint64_t epoch,
		struct verify_msg *out)
{
	if (in->step == VERIFY_STEP_RESULT &&
	    (v->state == ST_A_WAIT_CONFIRM || v->state == ST_B_WAIT_RESULT))
		return result(v, in, out);
	if (in->step != expected(v))
		return out_of_order(v, in, out);
	switch (in->step) {
	case VERIFY_SP_START: return b_start(v, epoch, out);
	case VERIFY_SP_SHARE: return a_share(v, in, out);
	case VERIFY_SP_SHARE_CONFIRM: return b_share_confirm(v, in, out);
	default: return a_confirm(v, in, out);
	}
}

int verify_spake2_receive(struct verify_spake2 *v, const struct verify_msg *in, uint64_t epoch,
			  struct verify_msg *out)
{
	verify_msg_wipe(out);
	if (v->phase != VERIFY_PHASE_WAIT) {
		err_detail_set("the shared-secret run is over");
		return XE2E_E_STATE;
	}
	if (in->step == VERIFY_STEP_ABORT) {
		v->peer_aborted = 1;
		v->peer_reason = in->reason;
		done(v);
		err_detail_set("the peer stopped the run (%s)", verify_reason_name(in->reason));
		return XE2E_E_TRUST;
	}
	if (in->method != VERIFY_SPAKE2) {
		err_detail_set("the peer runs a SAS comparison, not a shared-secret verification");
		return stop(v, out, VERIFY_REASON_METHOD, XE2E_E_UNSUPPORTED);
	}
	if (v->state == ST_A_STARTED) {
		err_detail_set("the epoch of the start stanza is not known");
		return stop(v, out, VERIFY_REASON_ERROR, XE2E_E_STATE);
	}
	return step(v, in, epoch, out);
}

enum verify_phase verify_spake2_phase(const struct verify_spake2 *v)
{
	return v->phase;
}

enum verify_outcome verify_spake2_outcome(const struct verify_spake2 *v)
{
	if (v->phase != VERIFY_PHASE_DONE)
		return VERIFY_OUTCOME_NONE;
	if (v->success)
		return VERIFY_OUTCOME_MATCH;
	if (v->secret_differs)
		return VERIFY_OUTCOME_FAILED;
	if (v->peer_aborted)
		return VERIFY_OUTCOME_REFUSED;
	return VERIFY_OUTCOME_NONE;
}

int verify_spake2_key(const struct verify_spake2 *v, uint8_t ke[static SPAKE2_KEY_LEN])
{
	if (!v->success)
		return XE2E_E_STATE;
	memcpy(ke, v->ke, SPAKE2_KEY_LEN);
	return XE2E_OK;
}

int verify_spake2_epoch(const struct verify_spake2 *v, uint32_t *epoch)
{
	if (!v->success || v->params.epoch > UINT32_MAX)
		return XE2E_E_STATE;
	*epoch = (uint32_t)v->params.epoch;
	return XE2E_OK;
}

void verify_spake2_wipe(struct verify_spake2 *v)
{
	spake2_wipe(&v->sp);
	wipe(v, sizeof(*v));
}
