/* The handshake state machine: set-up, dispatch, failure (see handshake.h). */
#include "handshake_int.h"

#include <stdlib.h>
#include <string.h>

#include "dh.h"
#include "err.h"
#include "handshake_nego.h"
#include "hash.h"
#include "jid.h"
#include "util.h"

_Static_assert(HS_BODY_MAX == 32 + 48 + (HS_CRED_X509_MAX + 2 + 2 * HS_LIST_MAX + X25519_LEN +
					HS_PAD_CHAIN_UNIT - 1) / HS_PAD_CHAIN_UNIT *
					       HS_PAD_CHAIN_UNIT + 16,
	       "HS_BODY_MAX is the longest step 2");

static const char *const step_names[] = {
	[HS_STEP_1] = "1",         [HS_STEP_2] = "2",    [HS_STEP_3] = "3",
	[HS_STEP_RETRY] = "retry", [HS_STEP_SWAP] = "swap", [HS_STEP_CONFIRM] = "confirm",
	[HS_STEP_ABORT] = "abort",
};

const char *handshake_step_name(enum hs_step step)
{
	if (step <= HS_STEP_NONE || step > HS_STEP_ABORT)
		return NULL;
	return step_names[step];
}

int handshake_step_parse(const char *text, enum hs_step *step)
{
	for (int i = HS_STEP_1; i <= HS_STEP_ABORT; i++) {
		if (!strcmp(text, step_names[i])) {
			*step = (enum hs_step)i;
			return XE2E_OK;
		}
	}
	err_detail_set("unknown handshake step '%.16s'", text);
	return XE2E_E_MALFORMED;
}

int handshake_reason_known(const char *text)
{
	static const char *const reasons[] = {HS_REASON_UNSUPPORTED, HS_REASON_REFUSED,
					      HS_REASON_MALFORMED, HS_REASON_TRUST,
					      HS_REASON_REPLAY, HS_REASON_RETAINED};

	for (size_t i = 0; i < ARRAY_SIZE(reasons); i++)
		if (text && !strcmp(text, reasons[i]))
			return 1;
	return 0;
}

void handshake_msg_clear(struct handshake_msg *msg)
{
	msg->step = HS_STEP_NONE;
	msg->reason = NULL;
	buf_clear(&msg->body);
}

int handshake_psk_derive(const uint8_t *rs, const uint8_t *psk, uint8_t out[static 32])
{
	uint8_t ikm[RS_LEN + PSK_LEN];
	int err;

	memset(ikm, 0, sizeof(ikm));
	if (rs)
		memcpy(ikm, rs, RS_LEN);
	if (psk)
		memcpy(ikm + RS_LEN, psk, PSK_LEN);
	err = hkdf(HASH_SHA256, NULL, 0, ikm, sizeof(ikm), HS_LABEL_PSK, strlen(HS_LABEL_PSK),
		   out, 32);
	wipe(ikm, sizeof(ikm));
	return err;
}

int handshake_rsid(const uint8_t rs[static RS_LEN], const uint8_t e[static X25519_LEN],
		   uint8_t out[static HS_RSID_LEN])
{
	uint8_t full[RSID_LEN];
	int err = rs_identifier(rs, e, full);

	if (!err)
		memcpy(out, full, HS_RSID_LEN);
	wipe(full, sizeof(full));
	return err;
}

/* ---- life cycle ---- */

static void hs_wipe_secrets(struct handshake *hs)
{
	noise_handshakestate_free(hs->ns);
	hs->ns = NULL;
	wipe(hs->psk, sizeof(hs->psk));
	wipe(hs->cand, sizeof(hs->cand));
	wipe(&hs->match, sizeof(hs->match));
	wipe(hs->r0_priv, sizeof(hs->r0_priv));
	wipe(hs->cookie_key, sizeof(hs->cookie_key));
	hs->have_cookie_key = 0;
	wipe(hs->confirm, sizeof(hs->confirm));
}

int hs_fail(struct handshake *hs, int err)
{
	hs_wipe_secrets(hs);
	wipe(&hs->res, sizeof(hs->res));
	hs->state = HSS_FAILED;
	return err;
}

void handshake_msg_abort(struct handshake_msg *out, int err)
{
	handshake_msg_clear(out);
	out->step = HS_STEP_ABORT;
	switch (err) {
	case XE2E_E_MALFORMED:
	case XE2E_E_XML:
	case XE2E_E_LIMIT:
		out->reason = HS_REASON_MALFORMED;
		break;
	case XE2E_E_UNSUPPORTED:
		out->reason = HS_REASON_UNSUPPORTED;
		break;
	case XE2E_E_TRUST:
		out->reason = HS_REASON_TRUST;
		break;
	case XE2E_E_REPLAY:
		out->reason = HS_REASON_REPLAY;
		break;
	default:
		out->reason = HS_REASON_REFUSED;
		break;
	}
}

/* The peer's bare JID and PSK, and jid as the address of the next stanza. */
static int set_peer(struct handshake *hs, const char *jid)
{
	int err = jid_normalize_bare(jid, hs->peer_bare);

	if (err)
		return err;
	if (strlen(jid) > JID_MAX)
		return XE2E_E_MALFORMED;
	strcpy(hs->reply_to, jid);
	hs->peer_set = 1;
	if (hs->cfg.psk) {
		err = hs->cfg.psk(hs->cfg.arg, hs->peer_bare, hs->psk);
		hs->have_psk = err == XE2E_OK;
		if (err == XE2E_E_NOTFOUND)
			err = XE2E_OK;
	}
	return err;
}

int handshake_new(struct handshake **out, const struct handshake_config *cfg)
{
	struct handshake *hs;
	int err = hsmsg_lists_check(&cfg->lists);

	*out = NULL;
	if (err)
		return err;
	if (!cfg->self || !(cfg->self->loaded & IDENTITY_LOAD_DEVICE_KEY) ||
	    (cfg->initiator && !cfg->peer) ||
	    (!cfg->initiator && ((!cfg->cookie_key && !cfg->cookie_key_fn) || !cfg->replay)))
		return XE2E_E_STATE;
	if ((cfg->options & HS_OPT_SEND_CHAIN) &&
	    handshake_credential_kind(cfg->self) == HS_CRED_KIND_KEY) {
		err_detail_set("this identity has no CA-issued certificate or OpenPGP credential "
			       "to send (%s)", err_advice(ERR_ADVICE_INSTALL_CREDENTIAL));
		return XE2E_E_STATE;
	}
	hs = calloc(1, sizeof(*hs));
	if (!hs)
		return XE2E_E_NOMEM;
	hs->cfg = *cfg;
	hs->state = cfg->initiator ? HSS_START : HSS_WAIT_1;
	hs->cand_used = -1;
	err = jid_normalize_bare(cfg->self->jid, hs->self_bare);
	if (!err && cfg->initiator)
		err = set_peer(hs, cfg->peer);
	if (!err && cfg->initiator)
		strcpy(hs->peer_full, hs->reply_to);
	if (!err && !cfg->initiator && cfg->peer)
		err = jid_normalize_bare(cfg->peer, hs->peer_bare);
	if (err) {
		handshake_free(hs);
		return err;
	}
	*out = hs;
	return XE2E_OK;
}

void handshake_free(struct handshake *hs)
{
	if (!hs)
		return;
	hs_wipe_secrets(hs);
	buf_free(&hs->offer);
	buf_free(&hs->step1);
	buf_free(&hs->retry);
	buf_free(&hs->swap);
	buf_free(&hs->retry_offer);
	wipe(hs, sizeof(*hs));
	free(hs);
}

void handshake_set_time(struct handshake *hs, uint64_t now)
{
	hs->cfg.now = now;
}

/* ---- shared helpers ---- */

int hs_noise_new(struct handshake *hs, int initiator, const uint8_t *rs_pub)
{
	char name[HS_PROTOCOL_NAME_MAX];
	struct buf prologue = BUF_INIT;
	struct hs_prologue p = {
		hs->version, hs->offer.data, hs->offer.len, hs->retry.data, hs->retry.len,
		hs->swap.data, hs->swap.len, initiator ? hs->self_bare : hs->peer_bare,
		initiator ? hs->peer_bare : hs->self_bare,
	};
	struct noise_handshake_params params;
	int err = hsnego_protocol_name(hs->pattern, hs->suite, name);

	if (!err)
		err = hsmsg_prologue_build(&p, &prologue);
	if (err)
		goto out;
	memset(&params, 0, sizeof(params));
	params.protocol_name = name;
	params.initiator = initiator;
	params.prologue = prologue.data;
	params.prologue_len = prologue.len;
	params.s = hs->cfg.self->device_priv;
	/* identity_load() checked that the device key belongs to the binding. */
	params.s_pub = hs->cfg.self->binding.device_pub;
	params.rs = rs_pub;
	noise_handshakestate_free(hs->ns);
	hs->ns = NULL;
	err = noise_handshakestate_new(&hs->ns, &params);
	hs->noise_initiator = initiator;
out:
	buf_free(&prologue);
	return err;
}

int hs_noise_write(struct noise_handshakestate *ns, const struct buf *payload, struct buf *out)
{
	size_t need = noise_handshakestate_overhead(ns) + payload->len, n = 0;
	int err = buf_reserve(out, need);

	if (!err)
		err = noise_handshakestate_write_message(ns, payload->data, payload->len,
							 out->data + out->len, need, &n);
	if (!err)
		out->len += n;
	return err;
}

int hs_noise_read(struct noise_handshakestate *ns, const uint8_t *msg, size_t len,
		  struct buf *payload)
{
	size_t n = 0;
	int err;

	buf_clear(payload);
	err = buf_reserve(payload, len);
	if (!err)
		err = noise_handshakestate_read_message(ns, msg, len, payload->data, len, &n);
	if (!err)
		payload->len = n;
	return err;
}

int hs_cookie_key(struct handshake *hs, const uint8_t **key)
{
	int err = XE2E_OK;

	if (!hs->have_cookie_key && hs->cfg.cookie_key_fn)
		err = hs->cfg.cookie_key_fn(hs->cfg.arg, hs->cookie_key);
	else if (!hs->have_cookie_key)
		memcpy(hs->cookie_key, hs->cfg.cookie_key, sizeof(hs->cookie_key));
	hs->have_cookie_key = !err;
	*key = hs->cookie_key;
	return err;
}

int hs_r0_make(struct handshake *hs)
{
	return x25519_keypair(hs->r0_priv, hs->r0_pub);
}

/* ---- public entry points ---- */

int handshake_start(struct handshake *hs, struct handshake_msg *out)
{
	int err;

	handshake_msg_clear(out);
	if (hs->state != HSS_START)
		return XE2E_E_STATE;
	err = hs_policy_expected_device(hs);
	if (!err)
		err = hs_init_send_step1(hs, NULL, 0, &out->body);
	if (err) {
		handshake_msg_clear(out);
		return hs_fail(hs, err);
	}
	out->step = HS_STEP_1;
	hs->state = HSS_WAIT_2;
	return XE2E_OK;
}

int handshake_accepts_from(const struct handshake *hs, const char *from)
{
	char bare[JID_MAX + 1];

	if (!from || jid_normalize_bare(from, bare))
		return 0;
	if (!hs->peer_set)
		return 1;
	return strcmp(bare, hs->peer_bare) == 0;
}

static int read_abort(struct handshake *hs, const char *reason)
{
	const char *r = handshake_reason_known(reason) ? reason : "unknown";

	if (!strcmp(r, HS_REASON_RETAINED)) {
		hs->failure = HS_FAIL_PEER_RS_MISMATCH;
		err_detail_set("%s refused the handshake: it holds a retained secret of an earlier "
			       "session with this device that this side did not present (this "
			       "side's state was lost or restored, or someone else uses this "
			       "identity)", hs->peer_bare);
		return XE2E_E_TRUST;
	}
	if (!strcmp(r, HS_REASON_TRUST) || !strcmp(r, HS_REASON_REFUSED)) {
		err_detail_set("the peer refused the handshake (%s)", r);
		return XE2E_E_TRUST;
	}
	if (handshake_peer_known(hs) && strcmp(r, HS_REASON_MALFORMED)) {
		err_detail_set("possible downgrade attack: %s, known to speak xe2e, aborted (%s)",
			       hs->peer_bare, r);
		return XE2E_E_TRUST;
	}
	err_detail_set("the peer aborted the handshake (%s)", r);
	if (!strcmp(r, HS_REASON_REPLAY))
		return XE2E_E_REPLAY;
	return !strcmp(r, HS_REASON_UNSUPPORTED) ? XE2E_E_UNSUPPORTED : XE2E_E_MALFORMED;
}

/* The responder's first step 1 names the peer; --from limits who may. */
static int responder_take_peer(struct handshake *hs, const char *from)
{
	char bare[JID_MAX + 1];
	int err = jid_normalize_bare(from, bare);

	if (err)
		return err;
	if (hs->cfg.peer && strcmp(bare, hs->peer_bare)) {
		err_detail_set("%s may not start a handshake (only %s)", bare, hs->peer_bare);
		return XE2E_E_TRUST;
	}
	return set_peer(hs, from);
}

static int unexpected(enum hs_step step)
{
	err_detail_set("unexpected handshake step '%s'", handshake_step_name(step));
	return XE2E_E_MALFORMED;
}

/* A step 1 to the original initiator: the peer started a handshake too. */
static int both_initiators(struct handshake *hs)
{
	hs->failure = HS_FAIL_BOTH_INITIATORS;
	err_detail_set("%s sent a step 1 too: both sides started a handshake (--to); one "
		       "side must answer it (--respond)", hs->peer_bare);
	return XE2E_E_MALFORMED;
}

static int dispatch(struct handshake *hs, enum hs_step step, const uint8_t *body, size_t len,
		    struct handshake_msg *out)
{
	int original = hs->cfg.initiator && !hs->swap.len;

	switch (hs->state) {
	case HSS_WAIT_1:
		return step == HS_STEP_1 ? hs_resp_read_step1(hs, body, len, out) : unexpected(step);
	case HSS_WAIT_2:
		if (step == HS_STEP_2)
			return hs_init_read_step2(hs, body, len, out);
		if (step == HS_STEP_RETRY && original)
			return hs_init_read_retry(hs, body, len, out);
		if (step == HS_STEP_SWAP && original)
			return hs_init_read_swap(hs, body, len, out);
		if (step == HS_STEP_1 && original)
			return both_initiators(hs);
		return unexpected(step);
	case HSS_WAIT_3:
		return step == HS_STEP_3 ? hs_resp_read_step3(hs, body, len, out) : unexpected(step);
	case HSS_WAIT_CONFIRM:
		return step == HS_STEP_CONFIRM ? hs_keys_read_confirm(hs, body, len)
					       : unexpected(step);
	default:
		return XE2E_E_STATE;
	}
}

int handshake_read(struct handshake *hs, const char *from, enum hs_step step,
		   const uint8_t *body, size_t len, const char *reason,
		   struct handshake_msg *out)
{
	int err;

	handshake_msg_clear(out);
	if (hs->state == HSS_DONE || hs->state == HSS_FAILED || hs->state == HSS_START)
		return XE2E_E_STATE;
	if (!from || !handshake_accepts_from(hs, from)) {
		err_detail_set("stanza from %.64s, not from the peer", from ? from : "(nobody)");
		return XE2E_E_STATE;
	}
	if (step == HS_STEP_ABORT)
		return hs_fail(hs, read_abort(hs, reason));
	if (!hs->peer_set) {
		err = step == HS_STEP_1 ? responder_take_peer(hs, from) : unexpected(step);
		if (err) {
			handshake_msg_abort(out, err);
			if (err == XE2E_E_TRUST)
				out->reason = HS_REASON_REFUSED;
			return hs_fail(hs, err);
		}
	}
	if (strlen(from) <= JID_MAX)
		strcpy(hs->reply_to, from);
	err = dispatch(hs, step, body, len, out);
	if (err) {
		handshake_msg_abort(out, err);
		if (hs->failure == HS_FAIL_RS_MISMATCH)
			out->reason = HS_REASON_RETAINED;
		return hs_fail(hs, err);
	}
	/* The stanza that completes a handshake always authenticated the peer
	 * (step 2 to the IK initiator, the confirmation to the XX Noise
	 * initiator, step 3 or an IK step 1 to the Noise responder): only its
	 * 'from' becomes the peer's full JID. Its resource is still only what
	 * the server wrote (xe2e(7), HANDSHAKE "Stanzas"). */
	if (hs->state == HSS_DONE && strlen(from) <= JID_MAX) {
		strcpy(hs->peer_full, from);
		strcpy(hs->res.peer_full, from);
	}
	return XE2E_OK;
}

enum handshake_status handshake_status(const struct handshake *hs)
{
	if (hs->state == HSS_DONE)
		return HS_DONE;
	return hs->state == HSS_FAILED ? HS_FAILED : HS_RUNNING;
}

const char *handshake_peer_full(const struct handshake *hs)
{
	return hs->peer_full;
}

const char *handshake_reply_to(const struct handshake *hs)
{
	return hs->peer_set ? hs->reply_to : "";
}

const char *handshake_peer_bare(const struct handshake *hs)
{
	return hs->peer_set ? hs->peer_bare : "";
}

int handshake_peer_known(const struct handshake *hs)
{
	return hs->peer_set && hs->cfg.trust &&
	       trust_next_by_jid(hs->cfg.trust, hs->peer_bare, NULL) != NULL;
}

enum handshake_failure handshake_failure(const struct handshake *hs)
{
	return hs->state == HSS_FAILED ? hs->failure : HS_FAIL_OTHER;
}

const struct handshake_result *handshake_result(const struct handshake *hs)
{
	return hs->state == HSS_DONE ? &hs->res : NULL;
}
