/*
 * spake2.json: shared-secret runs (xe2e(7) VERIFICATION "Shared secret"):
 * the xe2e profile of SPAKE2-P256-SHA256-HKDF-HMAC with fixed scalars x
 * and y, each control element, every intermediate value of each side, and
 * what a confirmed run leaves: Ke, the retained secret mixed with it, and
 * the root step the Double Ratchet mixes it into.
 */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "ratchet.h"
#include "spake2.h"
#include "util.h"
#include "vx_control.h"

struct vx_sp_case {
	const char *name, *what;
	const char *secret_a, *secret_b;
	uint64_t epoch;
};

static const struct vx_sp_case vx_sp_cases[] = {
	{"match", "both people typed the same secret: both confirmations verify",
	 "correct horse battery staple", "correct horse battery staple", 3},
	{"different-secrets",
	 "the secrets differ: the responder's check of A_conf fails, and it answers no "
	 "(secret)",
	 "correct horse battery staple", "correct horse battery stable", 3},
};

struct vx_sp_run {
	struct spake2 side[2]; /* A (initiator), B (responder) */
	struct spake2_trace trace[2];
	cJSON *msgs;
	int n;
};

/* One control element from side s; body is what it carries. */
static cJSON *vx_sp_message(struct vx *v, struct vx_sp_run *r, int s, enum verify_step step,
			    struct buf *body)
{
	cJSON *m = vx_item(v, r->msgs, r->n++);

	if (!m)
		return NULL;
	vx_out_str(v, m, "sender", s ? "responder" : "initiator");
	return vx_control_out(v, m, VERIFY_SPAKE2, step, body) ? NULL : m;
}

/* Side s's password, identities and AAD, with its fixed scalar. */
static int vx_sp_init(struct vx *v, cJSON *c, struct vx_sp_run *r, int s, const char *secret,
		      const uint8_t *hh, const uint8_t ids[static 64], uint64_t iterations,
		      uint64_t epoch)
{
	uint8_t w[SPAKE2_W_LEN], scalar[32], aad[SPAKE2_AAD_LEN];
	char text[128];
	int err;

	snprintf(text, sizeof(text), "%s", secret);
	vx_seed(s ? "SPAKE2 scalar y" : "SPAKE2 scalar x", scalar, sizeof(scalar));
	vx_in_str(v, c, s ? "secret_responder" : "secret_initiator", text, sizeof(text));
	vx_in_bytes(v, c, s ? "y" : "x", scalar, sizeof(scalar));
	err = spake2_password(text, strlen(text), hh, (uint32_t)iterations, w);
	VX_TRY(v, err, "spake2_password");
	vx_out_bytes(v, c, s ? "w_responder" : "w_initiator", w, sizeof(w));
	spake2_aad(epoch, aad);
	if (!s)
		vx_out_bytes(v, c, "aad", aad, sizeof(aad));
	err = spake2_init_raw(&r->side[s], s ? SPAKE2_ROLE_B : SPAKE2_ROLE_A, w, scalar, ids, 32,
			      ids + 32, 32, aad, sizeof(aad));
	wipe(w, sizeof(w));
	VX_TRY(v, err, "spake2_init_raw");
	return 0;
}

/* Side s takes the peer's share (and checks its confirmation, if any). */
static int vx_sp_take(struct vx *v, cJSON *m, struct vx_sp_run *r, int s, const struct buf *body)
{
	int err = spake2_process_trace(&r->side[s], body->data,
				       body->len < SPAKE2_MSG_LEN ? body->len : SPAKE2_MSG_LEN,
				       &r->trace[s]);

	if (!err && body->len > SPAKE2_MSG_LEN)
		err = spake2_verify_confirm(&r->side[s], body->data + SPAKE2_MSG_LEN,
					    body->len - SPAKE2_MSG_LEN);
	vx_out_str(v, m, "result", vx_err_name(err));
	return err;
}

static void vx_sp_view(struct vx *v, cJSON *c, const char *name, const struct spake2_trace *t,
		       const struct spake2 *s)
{
	cJSON *o = vx_obj(v, c, name);
	uint8_t ke[SPAKE2_KEY_LEN];

	vx_out_bytes(v, o, "K", t->k, SPAKE2_MSG_LEN);
	vx_out_bytes(v, o, "TT", t->tt, t->tt_len);
	vx_out_bytes(v, o, "hash_TT", t->hash_tt, sizeof(t->hash_tt));
	vx_out_bytes(v, o, "confirmation_keys", t->kc, sizeof(t->kc));
	vx_out_bytes(v, o, "A_conf", t->conf_a, SPAKE2_CONF_LEN);
	vx_out_bytes(v, o, "B_conf", t->conf_b, SPAKE2_CONF_LEN);
	if (spake2_key(s, ke) == XE2E_OK)
		vx_out_bytes(v, o, "Ke", ke, sizeof(ke));
}

/* start, share, share-confirm; 0 when B accepted A's confirmation. */
static int vx_sp_first(struct vx *v, struct vx_sp_run *r)
{
	struct buf body = BUF_INIT;
	uint8_t share[SPAKE2_MSG_LEN], conf[SPAKE2_CONF_LEN];
	cJSON *m = vx_sp_message(v, r, 0, VERIFY_SP_START, &body);
	int err = m ? spake2_message(&r->side[1], share) : -1;

	buf_append(&body, share, sizeof(share));
	if (!err && (!(m = vx_sp_message(v, r, 1, VERIFY_SP_SHARE, &body)) ||
		     vx_sp_take(v, m, r, 0, &body)))
		err = -1;
	buf_clear(&body);
	if (!err && (spake2_message(&r->side[0], share) || spake2_confirm(&r->side[0], conf)))
		err = -1;
	buf_append(&body, share, sizeof(share));
	buf_append(&body, conf, sizeof(conf));
	if (!err && !(m = vx_sp_message(v, r, 0, VERIFY_SP_SHARE_CONFIRM, &body)))
		err = -1;
	if (!err)
		err = vx_sp_take(v, m, r, 1, &body);
	buf_free(&body);
	return err;
}

/* confirm and result yes; or result no (secret) when B refused. */
static int vx_sp_last(struct vx *v, struct vx_sp_run *r, int refused)
{
	struct buf body = BUF_INIT;
	uint8_t conf[SPAKE2_CONF_LEN];
	cJSON *m = vx_item(v, r->msgs, r->n++);
	int err;

	if (!m)
		return -1;
	vx_out_str(v, m, "sender", "responder");
	if (refused)
		return vx_result_out(v, m, VERIFY_SPAKE2, VERIFY_ANSWER_NO, VERIFY_REASON_SECRET);
	VX_TRY(v, spake2_confirm(&r->side[1], conf), "spake2_confirm");
	buf_append(&body, conf, sizeof(conf));
	err = vx_control_out(v, m, VERIFY_SPAKE2, VERIFY_SP_CONFIRM, &body);
	if (!err) {
		err = spake2_verify_confirm(&r->side[0], body.data, body.len);
		vx_out_str(v, m, "result", vx_err_name(err));
	}
	buf_free(&body);
	if (err || !(m = vx_item(v, r->msgs, r->n++)))
		return -1;
	vx_out_str(v, m, "sender", "initiator");
	return vx_result_out(v, m, VERIFY_SPAKE2, VERIFY_ANSWER_YES, VERIFY_REASON_NONE);
}

/* What a confirmed run leaves: rs1 mixed with Ke, and the ratchet's step. */
static int vx_sp_after(struct vx *v, cJSON *c, struct vx_sp_run *r, uint64_t epoch)
{
	uint8_t rs[SPAKE2_RS_LEN], ke[SPAKE2_KEY_LEN];
	uint64_t step;

	vx_seed("retained secret rs1 before the run", rs, sizeof(rs));
	vx_in_bytes(v, c, "rs1", rs, sizeof(rs));
	VX_TRY(v, spake2_key(&r->side[0], ke), "spake2_key");
	VX_TRY(v, spake2_mix_rs(rs, ke, rs), "spake2_mix_rs");
	vx_out_bytes(v, c, "rs1_after", rs, sizeof(rs));
	VX_TRY(v, ratchet_spake2_step((uint32_t)epoch, &step), "ratchet_spake2_step");
	vx_out_u64(v, c, "ratchet_mix_step", step);
	return 0;
}

static int vx_sp_run(struct vx *v, cJSON *c, const struct vx_sp_case *k, struct vx_sp_run *r)
{
	uint8_t hh[SPAKE2_HH_LEN], ids[64];
	uint64_t iterations = SPAKE2_ITERATIONS, epoch = k->epoch;
	int refused;

	vx_seed("handshake hash of a session", hh, sizeof(hh));
	vx_seed("identity fingerprint of A", ids, 32);
	vx_seed("identity fingerprint of B", ids + 32, 32);
	vx_in_bytes(v, c, "handshake_hash", hh, sizeof(hh));
	vx_in_u64(v, c, "iterations", &iterations);
	vx_in_bytes(v, c, "id_a", ids, 32);
	vx_in_bytes(v, c, "id_b", ids + 32, 32);
	vx_in_u64(v, c, "epoch", &epoch);
	if (vx_sp_init(v, c, r, 0, k->secret_a, hh, ids, iterations, epoch) ||
	    vx_sp_init(v, c, r, 1, k->secret_b, hh, ids, iterations, epoch))
		return -1;
	r->msgs = vx_arr(v, c, "messages");
	refused = vx_sp_first(v, r);
	if (refused != 0 && refused != XE2E_E_AUTH)
		return -1;
	if (vx_sp_last(v, r, refused))
		return -1;
	vx_sp_view(v, c, "initiator_view", &r->trace[0], &r->side[0]);
	vx_sp_view(v, c, "responder_view", &r->trace[1], &r->side[1]);
	return refused ? 0 : vx_sp_after(v, c, r, epoch);
}

static void vx_sp_case_run(struct vx *v, cJSON *cases, int index, const struct vx_sp_case *k)
{
	cJSON *c = vx_case_begin(v, cases, index, k->name);
	struct vx_sp_run r;

	memset(&r, 0, sizeof(r));
	if (c) {
		vx_out_str(v, c, "description", k->what);
		vx_sp_run(v, c, k, &r);
	}
	spake2_wipe(&r.side[0]);
	spake2_wipe(&r.side[1]);
	wipe(r.trace, sizeof(r.trace));
	vx_case_end(v);
}

int vx_spake2(struct vx *v, cJSON *root)
{
	cJSON *cases;

	vx_out_str(v, root, "description",
		   "shared-secret verification, SPAKE2 (xe2e(7) VERIFICATION); fields: README");
	cases = vx_arr(v, root, "cases");
	for (size_t i = 0; i < sizeof(vx_sp_cases) / sizeof(vx_sp_cases[0]); i++)
		vx_sp_case_run(v, cases, (int)i, &vx_sp_cases[i]);
	return 0;
}
