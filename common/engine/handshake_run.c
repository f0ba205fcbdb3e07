/* One session handshake, driven stanza by stanza (see handshake_run.h). */
#include "handshake_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "anchor.h"
#include "cookie.h"
#include "err.h"
#include "handshake_stanza.h"
#include "ik_pending.h"
#include "jid.h"
#include "openpgp.h"
#include "psk.h"
#include "replay_cache.h"
#include "secrets.h"
#include "session.h"
#include "util.h"

struct handshake_run {
	int initiator;
	const struct identity *self;
	char self_from[JID_MAX + 1]; /* 'from' of own stanzas */
	struct trust_db trust;
	struct rs_db rs;
	struct handshake *hs;
	struct handshake_msg reply;
	struct buf body;               /* of the last handshake stanza received */
	char last_from[JID_MAX + 1];   /* its sender */
};

/* ---- what the state machine asks of the files ---- */

static int psk_lookup(void *arg, const char *jid, uint8_t psk[static PSK_LEN])
{
	int err = psk_get(NULL, jid, psk);

	(void)arg;
	/* No PSK is the usual case: its detail must not end up in a later
	 * error's message. */
	if (err == XE2E_E_NOTFOUND)
		err_detail_clear();
	return err;
}

static int cookie_key(void *arg, uint8_t key[static 32])
{
	(void)arg;
	return cookie_key_load(key);
}

static int chain_check(void *arg, const uint8_t *chain, size_t len, const char *jid, uint64_t now,
		       struct anchor_result *res)
{
	(void)arg;
	return anchor_verify_chain(NULL, chain, len, jid, now, res);
}

static int openpgp_check(void *arg, const struct hs_credential *cred, const char *jid,
			 const uint8_t id_fpr[static FINGERPRINT_LEN], struct openpgp_result *res)
{
	(void)arg;
	return openpgp_cred_check(cred->pgp_key, cred->pgp_key_len, cred->pgp_sig,
				  cred->pgp_sig_len, cred->pgp_created, jid, id_fpr, res);
}

static int replay_check(void *arg, const uint8_t key[static 32])
{
	(void)arg;
	return replay_cache_check_add(NULL, key, (uint64_t)time(NULL), NULL);
}

/* The device of the peer's current session: IK goes to it first. */
static void device_hint(const char *to, struct handshake_config *cfg)
{
	char bare[JID_MAX + 1];
	uint8_t id[SESSION_ID_LEN];
	struct session s;

	if (jid_normalize_bare(to, bare) || session_current_get(bare, id) ||
	    session_read(id, &s)) {
		err_detail_clear();
		return;
	}
	cfg->have_device_hint = 1;
	cfg->device_hint = s.peer_device_id;
	session_free(&s);
}

/* ---- set-up ---- */

static int self_from(struct handshake_run *run, const char *resource)
{
	struct jid j;
	const char *jid = run->self->jid;
	int n = resource ? snprintf(run->self_from, sizeof(run->self_from), "%s/%s", jid, resource)
			 : snprintf(run->self_from, sizeof(run->self_from), "%s", jid);

	if (n < 0 || (size_t)n >= sizeof(run->self_from) || jid_parse(run->self_from, &j))
		return XE2E_E_MALFORMED;
	jid_full(&j, run->self_from);
	return XE2E_OK;
}

static int machine_new(struct handshake_run *run, const struct handshake_run_config *rc)
{
	struct handshake_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.initiator = rc->initiator;
	cfg.self = rc->self;
	cfg.peer = rc->peer;
	cfg.lists = rc->lists;
	cfg.options = rc->options;
	cfg.trust = &run->trust;
	cfg.rs = &run->rs;
	cfg.psk = psk_lookup;
	cfg.replay = replay_check;
	cfg.cookie_key_fn = cookie_key;
	cfg.chain = chain_check;
	cfg.openpgp = openpgp_check;
	cfg.now = rc->now;
	if (cfg.initiator && cfg.peer)
		device_hint(cfg.peer, &cfg);
	return handshake_new(&run->hs, &cfg);
}

int handshake_run_new(struct handshake_run **out, const struct handshake_run_config *cfg,
		      enum handshake_run_stage *stage)
{
	struct handshake_run *run = calloc(1, sizeof(*run));
	int err = run ? XE2E_OK : XE2E_E_NOMEM;

	*out = NULL;
	if (!run)
		return err;
	run->initiator = cfg->initiator;
	run->self = cfg->self;
	run->reply = (struct handshake_msg)HANDSHAKE_MSG_INIT;
	run->body = (struct buf)BUF_INIT;
	*stage = HANDSHAKE_RUN_STAGE_TRUST;
	err = trust_load(NULL, &run->trust);
	if (!err) {
		*stage = HANDSHAKE_RUN_STAGE_RS;
		err = rs_load(NULL, &run->rs);
	}
	if (!err) {
		*stage = HANDSHAKE_RUN_STAGE_RESOURCE;
		err = self_from(run, cfg->resource);
	}
	if (!err) {
		*stage = HANDSHAKE_RUN_STAGE_PEER;
		err = machine_new(run, cfg);
	}
	if (err)
		handshake_run_free(run);
	else
		*out = run;
	return err;
}

void handshake_run_free(struct handshake_run *run)
{
	if (!run)
		return;
	handshake_free(run->hs);
	handshake_msg_clear(&run->reply);
	buf_free(&run->reply.body);
	buf_free(&run->body);
	trust_free(&run->trust);
	rs_free(&run->rs);
	free(run);
}

/* ---- what goes out ---- */

void handshake_run_out_free(struct handshake_run_out *out)
{
	xml_free(out->stanza);
	buf_free(&out->text);
	memset(out, 0, sizeof(*out));
	out->text = (struct buf)BUF_INIT;
}

/* Empties out for the next call (keeping its buffer). */
static void out_reset(struct handshake_run_out *out)
{
	struct buf text = out->text;

	xml_free(out->stanza);
	buf_clear(&text);
	memset(out, 0, sizeof(*out));
	out->text = text;
}

/* Where own stanzas go: the peer, or, before the handshake knows one (an
 * abort to a first stanza it refuses), the sender of that stanza; "" when
 * there is neither. */
static const char *peer_to(const struct handshake_run *run)
{
	const char *peer = handshake_reply_to(run->hs);

	return *peer ? peer : run->last_from;
}

/* Puts the reply, if any, into out as a stanza to send. */
static int out_reply(struct handshake_run *run, struct handshake_run_out *out)
{
	const struct handshake_msg *m = &run->reply;
	int err;

	if (m->step == HS_STEP_NONE)
		return XE2E_OK;
	err = handshake_stanza_build(peer_to(run), run->self_from, m, &out->stanza);
	if (!err)
		err = xml_serialize(out->stanza, &out->text);
	if (err)
		return err;
	out->to = peer_to(run);
	out->step = m->step;
	out->body = &m->body;
	out->reason = m->step == HS_STEP_ABORT ? m->reason : NULL;
	return XE2E_OK;
}

int handshake_run_start(struct handshake_run *run, struct handshake_run_out *out)
{
	int err;

	out_reset(out);
	handshake_msg_clear(&run->reply);
	out->event = HANDSHAKE_RUN_GOING;
	if (!run->initiator)
		return XE2E_OK; /* a responder waits */
	err = handshake_start(run->hs, &run->reply);
	if (!err)
		err = out_reply(run, out);
	if (err)
		out->event = HANDSHAKE_RUN_FAILED;
	return err;
}

/* ---- what comes in ---- */

/* Stores the finished handshake's session; out gets its facts. Recorded
 * first, so that no pending session goes unrecorded: one never confirmed
 * is deleted in its turn (xe2e(7) "The IK responder"). */
static int store(struct handshake_run *run, struct handshake_run_out *out)
{
	struct session s;
	struct session_outcome o;
	int err = handshake_session(run->hs, &s, &o);

	if (!err && s.state == SESSION_PENDING)
		err = ik_pending_record(NULL, s.id, o.peer_jid, s.created);
	if (!err)
		err = s.state == SESSION_PENDING ? session_commit_pending(&s, &o)
						 : session_commit(&s, &o);
	if (!err) {
		out->outcome.res = handshake_result(run->hs);
		memcpy(out->outcome.session_id, s.id, SESSION_ID_LEN);
		out->outcome.trust = s.trust;
		out->outcome.flags = s.flags;
		out->outcome.pending = s.state == SESSION_PENDING;
	}
	session_free(&s);
	wipe(&o, sizeof(o));
	return err;
}

/* Takes a handshake stanza of the peer; run->reply gets what to send. */
static int take(struct handshake_run *run, const char *from, const struct xml_node *el,
		struct handshake_run_out *out)
{
	enum hs_step step;
	const char *reason;
	int err = handshake_stanza_parse(el, &step, &run->body, &reason);

	if (err) {
		handshake_msg_abort(&run->reply, err);
		return err;
	}
	out->in.step = step;
	out->in.from = from;
	out->in.body = &run->body;
	out->in.reason = reason;
	err = handshake_read(run->hs, from, step, run->body.data, run->body.len, reason,
			     &run->reply);
	if (err)
		return err;
	if (handshake_status(run->hs) == HS_DONE) {
		out->event = HANDSHAKE_RUN_DONE;
		err = store(run, out);
		if (err)
			handshake_msg_abort(&run->reply, err);
	}
	return err;
}

/* On failure: the abort, if one is due and there is someone to send it to;
 * the error and its detail stay as they were. */
static int failed(struct handshake_run *run, int err, struct handshake_run_out *out)
{
	char detail[512];

	out->event = HANDSHAKE_RUN_FAILED;
	if (run->reply.step != HS_STEP_ABORT || !*peer_to(run))
		return err;
	snprintf(detail, sizeof(detail), "%s", err_detail());
	out_reply(run, out);
	err_detail_set("%s", detail);
	return err;
}

int handshake_run_feed(struct handshake_run *run, const struct xml_node *stanza,
		       struct handshake_run_out *out)
{
	const struct xml_node *el = handshake_stanza_element(stanza);
	const char *from = xml_get_attr(stanza, "from");
	int err;

	out_reset(out);
	handshake_msg_clear(&run->reply);
	if (!el) {
		out->event = HANDSHAKE_RUN_SKIPPED;
		return XE2E_OK;
	}
	if (!from || !handshake_accepts_from(run->hs, from)) {
		out->event = HANDSHAKE_RUN_NOT_PEER;
		return XE2E_OK;
	}
	if ((size_t)snprintf(run->last_from, sizeof(run->last_from), "%s", from) >=
	    sizeof(run->last_from))
		run->last_from[0] = '\0';
	out->event = HANDSHAKE_RUN_GOING;
	err = take(run, from, el, out);
	if (!err)
		err = out_reply(run, out);
	return err ? failed(run, err, out) : XE2E_OK;
}

int handshake_run_feed_text(struct handshake_run *run, const char *text, size_t len,
			    struct handshake_run_out *out)
{
	struct xml_node *stanza = NULL;
	int err = xml_parse_element(text, len, NULL, &stanza);

	if (err) {
		out_reset(out);
		return err;
	}
	err = handshake_run_feed(run, stanza, out);
	xml_free(stanza);
	return err;
}

/* ---- what the caller may show ---- */

const char *handshake_run_self(const struct handshake_run *run)
{
	return run->self_from;
}

const struct trust_db *handshake_run_trust(const struct handshake_run *run)
{
	return &run->trust;
}

const char *handshake_run_peer(const struct handshake_run *run)
{
	return handshake_peer_bare(run->hs);
}

int handshake_run_peer_known(const struct handshake_run *run)
{
	return handshake_peer_known(run->hs);
}

enum handshake_failure handshake_run_failure(const struct handshake_run *run)
{
	return handshake_failure(run->hs);
}
