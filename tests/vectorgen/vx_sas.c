/*
 * sas.json: runs of the short authentication string (xe2e(7)
 * VERIFICATION "Short authentication string"): the session's handshake
 * hash, each control element (commit, nonce, reveal, results) with its
 * body, and the code each side shows.
 */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "sas.h"
#include "vx_control.h"

struct vx_sas_case {
	const char *name, *what;
	int forged_reveal; /* the responder receives another nA than committed */
};

static const struct vx_sas_case vx_sas_cases[] = {
	{"match", "a run of two honest sides: both show the same code and answer yes", 0},
	{"forged-reveal",
	 "the reveal the responder receives is not the committed nA: it refuses it "
	 "(commitment) and answers no without a code",
	 1},
};

struct vx_sas_run {
	struct sas side[2]; /* initiator, responder */
	cJSON *msgs;
	int n;
	uint8_t n_a[SAS_NONCE_LEN], n_b[SAS_NONCE_LEN];
};

/* Message n of the run: side s sends its next step, the other receives
 * body (the forged one when forged is not NULL). Returns the receiver's
 * result, or -1 after a failure. */
static int vx_sas_message(struct vx *v, struct vx_sas_run *r, int s, enum verify_step step,
			  const uint8_t *forged)
{
	cJSON *m = vx_item(v, r->msgs, r->n++);
	uint8_t msg[SAS_MSG_LEN], in[SAS_MSG_LEN];
	struct buf body = BUF_INIT;
	size_t len;
	int err;

	if (!m)
		return -1;
	vx_out_str(v, m, "sender", s ? "responder" : "initiator");
	vx_draws_begin(v, m);
	err = sas_send(&r->side[s], msg);
	vx_draws_end(v);
	VX_TRY(v, err, "sas_send");
	buf_append(&body, msg + 1, SAS_NONCE_LEN);
	err = vx_control_out(v, m, VERIFY_SAS, step, &body);
	memcpy(step == VERIFY_SAS_NONCE ? r->n_b : r->n_a, body.data, SAS_NONCE_LEN);
	if (forged) {
		buf_clear(&body);
		buf_append(&body, forged, SAS_NONCE_LEN);
		vx_in_buf(v, m, "delivered_body", &body);
	}
	in[0] = msg[0];
	len = body.len < SAS_NONCE_LEN ? body.len : SAS_NONCE_LEN;
	if (len)
		memcpy(in + 1, body.data, len);
	buf_free(&body);
	if (err)
		return -1;
	err = sas_receive(&r->side[!s], in, 1 + len);
	vx_out_str(v, m, "result", vx_err_name(err));
	return err;
}

/* A result control element sent by side s. */
static int vx_sas_result(struct vx *v, struct vx_sas_run *r, int s, enum verify_answer answer,
			 enum verify_reason reason)
{
	cJSON *m = vx_item(v, r->msgs, r->n++);

	if (!m)
		return -1;
	vx_out_str(v, m, "sender", s ? "responder" : "initiator");
	return vx_result_out(v, m, VERIFY_SAS, answer, reason);
}

/* What each side shows, and the 40 bits of the code. */
static int vx_sas_codes(struct vx *v, cJSON *c, struct vx_sas_run *r, const uint8_t *hh)
{
	uint8_t bits[SAS_CODE_LEN];
	char text[SAS_TEXT_LEN];

	VX_TRY(v, sas_derive(hh, r->n_a, r->n_b, bits), "sas_derive");
	vx_out_bytes(v, c, "code_bits", bits, sizeof(bits));
	VX_TRY(v, sas_code(&r->side[0], text), "the initiator's code");
	vx_out_str(v, c, "initiator_code", text);
	if (!sas_is_complete(&r->side[1]))
		return 0;
	VX_TRY(v, sas_code(&r->side[1], text), "the responder's code");
	vx_out_str(v, c, "responder_code", text);
	return 0;
}

static int vx_sas_run(struct vx *v, cJSON *c, const struct vx_sas_case *k, struct vx_sas_run *r)
{
	uint8_t hh[SAS_HH_LEN], forged[SAS_NONCE_LEN];
	int err;

	vx_seed("handshake hash of a session", hh, sizeof(hh));
	vx_seed("a nonce nobody committed to", forged, sizeof(forged));
	vx_in_bytes(v, c, "handshake_hash", hh, sizeof(hh));
	VX_TRY(v, sas_init(&r->side[0], SAS_INITIATOR, hh), "sas_init");
	VX_TRY(v, sas_init(&r->side[1], SAS_RESPONDER, hh), "sas_init");
	r->msgs = vx_arr(v, c, "messages");
	if (vx_sas_message(v, r, 0, VERIFY_SAS_COMMIT, NULL) ||
	    vx_sas_message(v, r, 1, VERIFY_SAS_NONCE, NULL))
		return -1;
	err = vx_sas_message(v, r, 0, VERIFY_SAS_REVEAL, k->forged_reveal ? forged : NULL);
	if (err == XE2E_E_AUTH) /* refused: the responder says why, without a code */
		return vx_sas_codes(v, c, r, hh) ||
		       vx_sas_result(v, r, 1, VERIFY_ANSWER_NO, VERIFY_REASON_COMMITMENT);
	if (err || vx_sas_codes(v, c, r, hh))
		return -1;
	return vx_sas_result(v, r, 0, VERIFY_ANSWER_YES, VERIFY_REASON_NONE) ||
	       vx_sas_result(v, r, 1, VERIFY_ANSWER_YES, VERIFY_REASON_NONE);
}

static void vx_sas_case_run(struct vx *v, cJSON *cases, int index, const struct vx_sas_case *k)
{
	cJSON *c = vx_case_begin(v, cases, index, k->name);
	struct vx_sas_run r;

	memset(&r, 0, sizeof(r));
	if (c) {
		vx_out_str(v, c, "description", k->what);
		vx_sas_run(v, c, k, &r);
	}
	sas_wipe(&r.side[0]);
	sas_wipe(&r.side[1]);
	vx_case_end(v);
}

int vx_sas(struct vx *v, cJSON *root)
{
	cJSON *cases;

	vx_out_str(v, root, "description",
		   "short authentication strings (xe2e(7) VERIFICATION); fields: README");
	cases = vx_arr(v, root, "cases");
	for (size_t i = 0; i < sizeof(vx_sas_cases) / sizeof(vx_sas_cases[0]); i++)
		vx_sas_case_run(v, cases, (int)i, &vx_sas_cases[i]);
	return 0;
}
