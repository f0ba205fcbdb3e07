/* A handshake between two in-memory sides (vx_hs.h). */
#include "vx_hs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "handshake_msg.h"
#include "handshake_nego.h"
#include "handshake_stanza.h"
#include "util.h"
#include "xml.h"

#define VX_HS_MAX 12 /* messages of one run, at most */

/* ---- the stanzas ---- */

/* The stanza of a handshake message as xe2e(7) HANDSHAKE "Stanzas" writes
 * it: the library's own (handshake_stanza.h), as the programs send it. */
static int vx_hs_stanza(const char *to, const char *from, const struct handshake_msg *m,
			struct buf *text)
{
	struct xml_node *msg = NULL;
	int err = handshake_stanza_build(to, from, m, &msg);

	if (!err)
		err = xml_serialize(msg, text);
	xml_free(msg);
	return err;
}

/* ---- the run ---- */

static const char *vx_hs_role(const struct vx_hs_side *s, const struct vx_hs_side *init)
{
	return s == init ? "initiator" : "responder";
}

/* The identifiers of the sender's retained secrets for the ephemeral key
 * of an XX step 1 (xe2e(7) HANDSHAKE "Keys"). */
static int vx_hs_rsids(struct vx *v, cJSON *m, const struct vx_hs_side *s, const struct buf *body)
{
	struct hs_step1 s1;
	cJSON *arr;
	int k = 0;

	VX_TRY(v, hsmsg_step1_decode(body->data, body->len, &s1), "decoding step 1");
	if (s1.offer.pattern != HS_PATTERN_XX || !s->rs.n)
		return 0;
	arr = vx_arr(v, m, "rsids");
	for (size_t i = 0; i < s->rs.n; i++) {
		for (int slot = 0; slot < RS_SLOTS; slot++) {
			uint8_t rsid[HS_RSID_LEN];
			cJSON *item;

			if (!(s->rs.entries[i].present & (1u << slot)))
				continue;
			if (!(item = vx_item(v, arr, k++)))
				return -1;
			VX_TRY(v, handshake_rsid(s->rs.entries[i].secret[slot], s1.noise, rsid),
			       "an rsid");
			vx_out_str(v, item, "slot", rs_slot_name((enum rs_slot)slot));
			vx_out_bytes(v, item, "rsid", rsid, sizeof(rsid));
		}
	}
	return 0;
}

/* One message: who sent it, its step, its body and its stanza. */
static int vx_hs_record(struct vx *v, cJSON *m, const struct vx_hs_side *from,
			const struct vx_hs_side *init, struct handshake_msg *out)
{
	struct buf text = BUF_INIT;
	int err;

	vx_out_str(v, m, "sender", vx_hs_role(from, init));
	vx_out_str(v, m, "step", handshake_step_name(out->step));
	vx_wire(v, m, "body", &out->body);
	err = vx_hs_stanza(handshake_reply_to(from->hs), from->party.full, out, &text);
	if (!err)
		vx_wire_str(v, m, "stanza", &text);
	buf_free(&text);
	VX_TRY(v, err, "the stanza");
	return out->step == HS_STEP_1 ? vx_hs_rsids(v, m, from, &out->body) : 0;
}

/* The object of message i: a new one (generate), the file's, or the case
 * itself for the call after the last message (which sends nothing). */
static cJSON *vx_hs_slot(struct vx *v, cJSON *msgs, int i, int count, cJSON *c)
{
	if (!v->check)
		return cJSON_CreateObject();
	return i < count ? vx_item(v, msgs, i) : c;
}

/* One call of the side whose turn it is: start, or read the last message. */
static int vx_hs_call(struct vx_hs_side *s, const struct vx_hs_side *from, int first,
		      struct handshake_msg *msg, struct handshake_msg *out)
{
	if (first)
		return handshake_start(s->hs, out);
	return handshake_read(s->hs, from->party.full, msg->step, msg->body.data, msg->body.len,
			      msg->reason, out);
}

/* Whether message i is as the file has it; -1 after a failure. */
static int vx_hs_expect(struct vx *v, int i, int count, int sent)
{
	if (v->check && sent && i >= count)
		vx_fail(v, "the library sends message %d, which the file does not have", i);
	else if (v->check && !sent && i < count)
		vx_fail(v, "the library sends no message %d", i);
	else
		return 0;
	return -1;
}

static int vx_hs_messages(struct vx *v, cJSON *c, struct vx_hs_side *init,
			  struct vx_hs_side *resp)
{
	struct handshake_msg msg = HANDSHAKE_MSG_INIT, out = HANDSHAKE_MSG_INIT;
	struct vx_hs_side *side = init, *other = resp;
	cJSON *msgs = vx_arr(v, c, "messages");
	int count = vx_count(v, msgs), err = 0;

	for (int i = 0; i <= VX_HS_MAX && !err; i++) {
		cJSON *m = vx_hs_slot(v, msgs, i, count, c);

		vx_draws_begin(v, m ? m : c);
		err = vx_hs_call(side, other, i == 0, &msg, &out);
		vx_draws_end(v);
		if (err) {
			vx_fail_err(v, err, "the handshake");
		} else if (!(err = vx_hs_expect(v, i, count, out.step != HS_STEP_NONE)) &&
			   out.step != HS_STEP_NONE) {
			if (!v->check)
				cJSON_AddItemToArray(msgs, m);
			err = m ? vx_hs_record(v, m, side, init, &out) : -1;
			handshake_msg_clear(&msg);
			msg.step = out.step;
			buf_append(&msg.body, out.body.data, out.body.len);
			handshake_msg_clear(&out);
			side = other;
			other = side == init ? resp : init;
			continue;
		}
		if (!v->check)
			cJSON_Delete(m);
		break;
	}
	buf_free(&msg.body);
	buf_free(&out.body);
	return err ? -1 : 0;
}

static void vx_hs_peer_out(struct vx *v, cJSON *d, const struct handshake_result *r)
{
	uint8_t id[4];

	put_be32(id, r->device.id);
	vx_out_str(v, d, "peer_jid", r->peer_full);
	vx_out_bytes(v, d, "peer_fingerprint", r->peer_fpr, FINGERPRINT_LEN);
	vx_out_bytes(v, d, "peer_device_id", id, sizeof(id));
	vx_out_bytes(v, d, "peer_device_public", r->device.pub, X25519_LEN);
	vx_out_str(v, d, "peer_level", trust_level_name(r->level));
	vx_out_u64(v, d, "new_peer", (uint64_t)r->new_peer);
	vx_out_u64(v, d, "credential_kind", r->cred_kind);
	vx_out_u64(v, d, "anchored", (uint64_t)r->anchored);
	vx_out_u64(v, d, "key_changed", (uint64_t)r->key_changed);
	vx_out_u64(v, d, "rs_matched", (uint64_t)r->rs_matched);
	vx_out_u64(v, d, "rs_mismatch", (uint64_t)r->rs_mismatch);
}

static void vx_hs_keys_out(struct vx *v, cJSON *d, const struct handshake_result *r)
{
	vx_out_bytes(v, d, "handshake_hash", r->handshake_hash, SESSION_HASH_LEN);
	vx_out_bytes(v, d, "root_key", r->root_key, SESSION_KEY_LEN);
	vx_out_bytes(v, d, "chain_key", r->chain_key, SESSION_KEY_LEN);
	vx_out_bytes(v, d, "session_id", r->session_id, SESSION_ID_LEN);
	vx_out_bytes(v, d, "new_retained_secret", r->new_rs, SESSION_KEY_LEN);
	vx_out_bytes(v, d, "r0_public", r->r0_pub, X25519_LEN);
	if (!r->noise_initiator)
		vx_out_bytes(v, d, "r0_private", r->r0_priv, X25519_LEN);
}

/* The psk from the retained secret this side used and its PSK. */
static int vx_hs_psk_out(struct vx *v, cJSON *d, const struct vx_hs_side *s, const uint8_t *rs)
{
	struct buf used = BUF_INIT;
	uint8_t psk[32];
	int err;

	if (rs)
		buf_append(&used, rs, RS_LEN);
	vx_in_buf(v, d, "psk_retained_secret", &used);
	err = handshake_psk_derive(used.len == RS_LEN ? used.data : NULL,
				   s->have_psk ? s->psk : NULL, psk);
	buf_free(&used);
	VX_TRY(v, err, "the psk");
	vx_out_bytes(v, d, "psk", psk, sizeof(psk));
	return 0;
}

static int vx_hs_result(struct vx *v, struct vx_hs_side *s, const uint8_t *psk_rs)
{
	const struct handshake_result *r = handshake_result(s->hs);
	cJSON *d = vx_obj(v, s->obj, "derived");
	char suite[HS_PROTOCOL_NAME_MAX];

	if (!r) {
		vx_fail(v, "%s did not finish", s->party.id.jid);
		return -1;
	}
	VX_TRY(v, hsnego_protocol_name(r->pattern, r->suite, suite), "the protocol name");
	vx_out_str(v, d, "protocol", suite);
	vx_out_u64(v, d, "version", r->version);
	vx_out_str(v, d, "noise_role", r->noise_initiator ? "initiator" : "responder");
	vx_out_u64(v, d, "swapped", (uint64_t)r->swapped);
	vx_out_u64(v, d, "retries", (uint64_t)r->retries);
	vx_out_u64(v, d, "pending", (uint64_t)r->pending);
	vx_hs_peer_out(v, d, r);
	if (vx_hs_psk_out(v, d, s, psk_rs))
		return -1;
	vx_hs_keys_out(v, d, r);
	return 0;
}

int vx_hs_run(struct vx *v, cJSON *c, struct vx_hs_side *init, struct vx_hs_side *resp,
	      const struct vx_hs_spec *spec_init, const struct vx_hs_spec *spec_resp)
{
	if (vx_hs_side_begin(v, init, 1, resp->party.full) || vx_hs_side_begin(v, resp, 0, NULL))
		return -1;
	if (vx_hs_messages(v, c, init, resp))
		return -1;
	if (vx_hs_result(v, init, spec_init->psk_rs) || vx_hs_result(v, resp, spec_resp->psk_rs))
		return -1;
	return 0;
}
