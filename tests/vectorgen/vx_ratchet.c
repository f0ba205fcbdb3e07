/*
 * ratchet.json: runs of the Double Ratchet of a session (xe2e(7) SESSIONS
 * "Keys", "Messages"): both sides started from a fixed handover, then a
 * script of sends, receipts (in and out of order, replays) and SPAKE2
 * mixes, with each message on the wire and each side's state after every
 * event.
 */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "util.h"
#include "vx_rstate.h"

#define VX_MSG_MAX 16

/* One event of a script: a send, a receipt or a mix, at t0 + dt. */
struct vx_rev {
	char kind; /* 's' send, 'r' receive, 'm' mix */
	char side; /* 'i' initiator, 'r' responder */
	uint32_t dt;
	int msg;   /* the message sent or received; the epoch of a mix */
};

struct vx_rrun {
	const char *name, *what;
	enum aead_cipher cipher;
	uint32_t step_interval, step_messages;
	const struct vx_rev *ev;
	size_t n_ev;
};

/* The two sides and the messages of a run. */
struct vx_rpair {
	struct ratchet_state *st[2]; /* initiator, responder */
	struct buf wire[VX_MSG_MAX], ad[VX_MSG_MAX];
	uint64_t t0;
};

static const struct vx_rev vx_every_turn[] = {
	{'s', 'i', 0, 0}, {'r', 'r', 1, 0}, {'s', 'r', 2, 1}, {'r', 'i', 3, 1},
	{'s', 'i', 4, 2}, {'r', 'r', 5, 2}, {'s', 'r', 6, 3}, {'r', 'i', 7, 3},
	{'s', 'i', 8, 4}, {'s', 'i', 9, 5}, {'r', 'r', 10, 4}, {'r', 'r', 10, 5},
};

static const struct vx_rev vx_deferred[] = {
	{'s', 'i', 0, 0}, {'r', 'r', 1, 0}, {'s', 'r', 2, 1},  {'r', 'i', 3, 1},
	{'s', 'i', 4, 2}, {'r', 'r', 5, 2}, {'s', 'r', 70, 3}, {'r', 'i', 71, 3},
	{'s', 'i', 72, 4}, {'r', 'r', 73, 4}, {'s', 'r', 74, 5}, {'r', 'i', 75, 5},
};

static const struct vx_rev vx_out_of_order[] = {
	{'s', 'i', 0, 0},   {'s', 'i', 0, 1},   {'s', 'i', 0, 2},   {'s', 'i', 0, 3},
	{'r', 'r', 1, 1},   {'r', 'r', 1, 0},   {'r', 'r', 1, 0},   {'s', 'r', 100, 4},
	{'r', 'i', 100, 4}, {'s', 'i', 101, 5}, {'r', 'r', 102, 5}, {'r', 'r', 102, 3},
	{'r', 'r', 103, 2},
};

/* The initiator's start stanza at its epoch 1, then both store the mix
 * into root step 2*1 + 4 = 6, the responder's epoch 3. */
static const struct vx_rev vx_mix[] = {
	{'s', 'i', 0, 0}, {'r', 'r', 0, 0}, {'m', 'i', 1, 1}, {'m', 'r', 1, 1},
	{'s', 'r', 2, 1}, {'r', 'i', 2, 1}, {'s', 'i', 3, 2}, {'r', 'r', 3, 2},
	{'s', 'r', 4, 3}, {'r', 'i', 4, 3}, {'s', 'i', 5, 4}, {'r', 'r', 5, 4},
	{'s', 'r', 6, 5}, {'r', 'i', 6, 5}, {'s', 'i', 7, 6}, {'r', 'r', 7, 6},
};

/* Only the initiator stores the mix (the run's last stanza was lost):
 * the responder's epoch 3 fails there, earlier ones do not. */
static const struct vx_rev vx_mix_one_side[] = {
	{'s', 'i', 0, 0}, {'r', 'r', 0, 0}, {'m', 'i', 1, 1}, {'s', 'r', 2, 1},
	{'r', 'i', 2, 1}, {'s', 'i', 3, 2}, {'r', 'r', 3, 2}, {'s', 'r', 4, 3},
	{'s', 'r', 4, 4}, {'r', 'i', 4, 3}, {'s', 'i', 5, 5}, {'r', 'r', 5, 5},
	{'s', 'r', 6, 6}, {'r', 'i', 6, 6}, {'r', 'i', 7, 4},
};

#define VX_EV(a) (a), sizeof(a) / sizeof((a)[0])

static const struct vx_rrun vx_rruns[] = {
	{"every-turn",
	 "step interval 0: a DH step at every turn, as Signal does; ChaChaPoly",
	 AEAD_CHACHAPOLY, 0, RATCHET_STEP_MESSAGES, VX_EV(vx_every_turn)},
	{"deferred",
	 "the default policy: a side steps once 60 seconds (or 100 messages) have passed "
	 "since its last step; AES-256-GCM",
	 AEAD_AES256GCM, RATCHET_STEP_INTERVAL, RATCHET_STEP_MESSAGES, VX_EV(vx_deferred)},
	{"out-of-order",
	 "reordered and replayed messages: skipped keys kept within a chain and, from pn, "
	 "across an epoch change; a replay refused",
	 AEAD_CHACHAPOLY, RATCHET_STEP_INTERVAL, RATCHET_STEP_MESSAGES, VX_EV(vx_out_of_order)},
	{"spake2-mix",
	 "a confirmed SPAKE2 run whose start had the initiator's epoch 1: both sides mix Ke "
	 "into root step 2E + 4 = 6 (the responder's epoch 3), every turn a step",
	 AEAD_CHACHAPOLY, 0, RATCHET_STEP_MESSAGES, VX_EV(vx_mix)},
	{"spake2-mix-one-side",
	 "only the initiator mixed: the responder's epoch 3 fails authentication there and "
	 "changes nothing; a late message of epoch 2 still opens",
	 AEAD_CHACHAPOLY, 0, RATCHET_STEP_MESSAGES, VX_EV(vx_mix_one_side)},
};

/* ---- the start ---- */

static int vx_rstart(struct vx *v, cJSON *c, const struct vx_rrun *k, struct vx_rpair *p)
{
	return vx_rstart_in(v, c, k->cipher, p->t0, p->st);
}

static int vx_rpolicy(struct vx *v, cJSON *c, const struct vx_rrun *k, struct vx_rpair *p)
{
	cJSON *o = vx_obj(v, c, "policy");
	struct ratchet_policy pol;
	uint64_t f[6];

	ratchet_policy_default(&pol);
	f[0] = k->step_interval, f[1] = k->step_messages, f[2] = pol.skipped_max;
	f[3] = pol.skipped_ttl, f[4] = pol.max_age, f[5] = pol.max_messages;
	vx_in_u64(v, o, "step_interval", &f[0]);
	vx_in_u64(v, o, "step_messages", &f[1]);
	vx_in_u64(v, o, "skipped_max", &f[2]);
	vx_in_u64(v, o, "skipped_ttl", &f[3]);
	vx_in_u64(v, o, "max_age", &f[4]);
	vx_in_u64(v, o, "max_messages", &f[5]);
	pol = (struct ratchet_policy){(uint32_t)f[0], (uint32_t)f[1], (uint32_t)f[2],
				      (uint32_t)f[3], (uint32_t)f[4], (uint32_t)f[5]};
	VX_TRY(v, ratchet_policy_set(p->st[0], &pol), "the initiator's policy");
	VX_TRY(v, ratchet_policy_set(p->st[1], &pol), "the responder's policy");
	return 0;
}

/* ---- the events ---- */

static void vx_rheader_out(struct vx *v, cJSON *e, const struct buf *wire)
{
	struct ratchet_header h;
	cJSON *o;
	size_t used = 0;

	if (ratchet_header_decode(&h, wire->data, wire->len, &used)) {
		vx_fail(v, "the header does not decode");
		return;
	}
	vx_out_bytes(v, e, "header", wire->data, used);
	o = vx_obj(v, e, "header_fields");
	vx_out_bytes(v, o, "tag", h.tag, RATCHET_TAG_LEN);
	vx_out_u64(v, o, "epoch", h.sender_epoch);
	vx_out_u64(v, o, "ack", h.ack_epoch);
	vx_out_u64(v, o, "n", h.n);
	vx_out_u64(v, o, "pn", h.pn);
	vx_out_bytes(v, o, "key", h.key, h.has_key ? RATCHET_KEY_LEN : 0);
	if (h.has_restart)
		vx_out_u64(v, o, "restart", h.restart_n);
}

static int vx_rsend(struct vx *v, cJSON *e, struct vx_rpair *p, int side, int k, uint64_t now)
{
	struct buf pt = BUF_INIT;
	int err;

	buf_clear(&p->wire[k]);
	buf_clear(&p->ad[k]);
	buf_printf(&p->ad[k], "associated data of message %d", k);
	buf_printf(&pt, "message %d from the %s", k, side ? "responder" : "initiator");
	vx_in_buf(v, e, "plaintext", &pt);
	vx_in_buf(v, e, "ad_extra", &p->ad[k]);
	vx_draws_begin(v, e);
	err = ratchet_encrypt(p->st[side], now, pt.data, pt.len, p->ad[k].data, p->ad[k].len,
			      &p->wire[k]);
	vx_draws_end(v);
	buf_free(&pt);
	VX_TRY(v, err, "ratchet_encrypt");
	vx_rheader_out(v, e, &p->wire[k]);
	vx_wire(v, e, "wire", &p->wire[k]);
	return 0;
}

static void vx_rinfo_out(struct vx *v, cJSON *e, const struct ratchet_recv_info *in)
{
	cJSON *o = vx_obj(v, e, "info");

	vx_out_u64(v, o, "epoch", in->epoch);
	vx_out_u64(v, o, "n", in->n);
	vx_out_u64(v, o, "skipped", in->skipped);
	vx_out_u64(v, o, "late", (uint64_t)in->late);
	vx_out_u64(v, o, "new_epoch", (uint64_t)in->new_epoch);
	vx_out_u64(v, o, "dropped", in->dropped);
}

static int vx_rrecv(struct vx *v, cJSON *e, struct vx_rpair *p, int side, int k, uint64_t now)
{
	struct ratchet_recv_info in;
	struct buf pt = BUF_INIT;
	int err;

	vx_draws_begin(v, e);
	err = ratchet_decrypt(p->st[side], now, p->wire[k].data, p->wire[k].len, p->ad[k].data,
			      p->ad[k].len, &pt, &in);
	vx_draws_end(v);
	vx_out_str(v, e, "result", vx_err_name(err));
	if (!err) {
		vx_out_bytes(v, e, "plaintext", pt.data, pt.len);
		vx_rinfo_out(v, e, &in);
	}
	buf_free(&pt);
	return 0;
}

static int vx_rmix(struct vx *v, cJSON *e, struct vx_rpair *p, int side, uint64_t epoch)
{
	uint8_t ke[RATCHET_MIX_LEN];
	uint64_t step;

	vx_seed("SPAKE2 key Ke", ke, sizeof(ke));
	vx_in_u64(v, e, "epoch", &epoch);
	vx_in_bytes(v, e, "key", ke, sizeof(ke));
	VX_TRY(v, ratchet_spake2_step((uint32_t)epoch, &step), "ratchet_spake2_step");
	vx_out_u64(v, e, "root_step", step);
	VX_TRY(v, ratchet_mix_set(p->st[side], step, ke), "ratchet_mix_set");
	return 0;
}

/* A send or a receipt of message k. */
static int vx_rmessage(struct vx *v, cJSON *e, struct vx_rpair *p, int side, int send, uint64_t k,
		       uint64_t now)
{
	vx_in_u64(v, e, "message", &k);
	if (k >= VX_MSG_MAX) {
		vx_fail(v, "message %llu: at most %d", (unsigned long long)k, VX_MSG_MAX);
		return -1;
	}
	return send ? vx_rsend(v, e, p, side, (int)k, now) : vx_rrecv(v, e, p, side, (int)k, now);
}

/* One event: its kind, side and time are inputs. */
static int vx_revent(struct vx *v, cJSON *e, const struct vx_rev *ev, struct vx_rpair *p)
{
	char kind[16], side[16];
	uint64_t now = p->t0 + (ev ? ev->dt : 0), k = ev ? (uint64_t)ev->msg : 0;
	int s, err;

	snprintf(kind, sizeof(kind), "%s", !ev ? "" : ev->kind == 's' ? "send"
					       : ev->kind == 'r' ? "receive" : "mix");
	snprintf(side, sizeof(side), "%s", ev && ev->side == 'r' ? "responder" : "initiator");
	vx_in_str(v, e, "event", kind, sizeof(kind));
	vx_in_str(v, e, "side", side, sizeof(side));
	vx_in_u64(v, e, "time", &now);
	s = !strcmp(side, "responder");
	if (!strcmp(kind, "mix"))
		err = vx_rmix(v, e, p, s, k);
	else if (!strcmp(kind, "send") || !strcmp(kind, "receive"))
		err = vx_rmessage(v, e, p, s, !strcmp(kind, "send"), k, now);
	else
		err = -1;
	if (err < 0 && !v->case_failed)
		vx_fail(v, "unknown event \"%s\"", kind);
	return err ? err : vx_rstate_out(v, e, "state", p->st[s]);
}

static void vx_rpair_free(struct vx_rpair *p)
{
	ratchet_free(p->st[0]);
	ratchet_free(p->st[1]);
	for (int i = 0; i < VX_MSG_MAX; i++) {
		buf_free(&p->wire[i]);
		buf_free(&p->ad[i]);
	}
}

static int vx_rrun_events(struct vx *v, cJSON *c, const struct vx_rrun *k, struct vx_rpair *p)
{
	cJSON *init = vx_obj(v, c, "initial"), *evs;
	int n;
	char where[256];

	if (vx_rstate_out(v, init, "initiator", p->st[0]) ||
	    vx_rstate_out(v, init, "responder", p->st[1]))
		return -1;
	evs = vx_arr(v, c, "events");
	n = v->check ? vx_count(v, evs) : (int)k->n_ev;
	snprintf(where, sizeof(where), "%s", v->where);
	for (int i = 0; i < n; i++) {
		cJSON *e = vx_item(v, evs, i);

		snprintf(v->where, sizeof(v->where), "%.200s event %d", where, i);
		if (!e || vx_revent(v, e, v->check ? NULL : &k->ev[i], p))
			return -1;
	}
	return 0;
}

static void vx_rrun(struct vx *v, cJSON *cases, int index, const struct vx_rrun *k)
{
	cJSON *c = vx_case_begin(v, cases, index, k->name);
	struct vx_rpair p;

	memset(&p, 0, sizeof(p));
	p.t0 = VX_T0;
	if (c) {
		vx_out_str(v, c, "description", k->what);
		vx_in_u64(v, c, "time", &p.t0);
		if (!vx_rstart(v, c, k, &p) && !vx_rpolicy(v, c, k, &p))
			vx_rrun_events(v, c, k, &p);
	}
	vx_rpair_free(&p);
	vx_case_end(v);
}

int vx_ratchet(struct vx *v, cJSON *root)
{
	cJSON *cases;

	vx_out_str(v, root, "description",
		   "the Double Ratchet of xe2e sessions (xe2e(7) SESSIONS); fields: README");
	cases = vx_arr(v, root, "cases");
	for (size_t i = 0; i < sizeof(vx_rruns) / sizeof(vx_rruns[0]); i++)
		vx_rrun(v, cases, (int)i, &vx_rruns[i]);
	return 0;
}
