/* Two in-memory handshake sides (see handshake_fixture.h). */
#include "handshake_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cookie.h"
#include "err.h"
#include "handshake_nego.h"
#include "openpgp.h"
#include "replay_cache.h"
#include "rng.h"
#include "unit.h"

static void die(const char *what, int err)
{
	fprintf(stderr, "fixture: %s: %s (%s)\n", what, err_str(err), err_detail());
	exit(1);
}

void side_use(const struct hs_side *s)
{
	setenv("XE2E_HOME", s->home, 1);
}

void side_init(struct hs_side *s, const char *jid, const char *resource)
{
	int err;

	memset(s, 0, sizeof(*s));
	snprintf(s->home, sizeof(s->home), "%s/home", unit_tmpdir());
	snprintf(s->jid, sizeof(s->jid), "%s", jid);
	snprintf(s->full, sizeof(s->full), "%s/%s", jid, resource);
	s->now = (uint64_t)time(NULL);
	s->id = (struct identity)IDENTITY_INIT;
	hsnego_lists_default(&s->lists);
	side_use(s);
	err = identity_create(jid, NULL, s->now, 0, &s->id);
	if (err)
		die("identity_create", err);
	identity_free(&s->id);
	err = identity_load(&s->id, IDENTITY_LOAD_DEVICE_KEY, NULL, s->now);
	if (err)
		die("identity_load", err);
	if ((err = rng_bytes(s->cookie_key, sizeof(s->cookie_key))))
		die("rng", err);
}

void side_reload(struct hs_side *s)
{
	int err;

	side_use(s);
	trust_free(&s->trust);
	rs_free(&s->rs);
	if ((err = trust_load(NULL, &s->trust)) || (err = rs_load(NULL, &s->rs)))
		die("reload", err);
}

static int psk_cb(void *arg, const char *jid, uint8_t psk[static PSK_LEN])
{
	struct hs_side *s = arg;

	(void)jid;
	if (!s->have_psk)
		return XE2E_E_NOTFOUND;
	memcpy(psk, s->psk, PSK_LEN);
	return XE2E_OK;
}

static int replay_cb(void *arg, const uint8_t key[static 32])
{
	struct hs_side *s = arg;

	if (s->replay_in_memory) {
		for (size_t i = 0; i < s->n_seen; i++)
			if (!memcmp(s->seen[i], key, 32))
				return XE2E_E_REPLAY;
		if (s->n_seen < sizeof(s->seen) / sizeof(s->seen[0]))
			memcpy(s->seen[s->n_seen++], key, 32);
		return XE2E_OK;
	}
	side_use(s);
	return replay_cache_check_add(NULL, key, s->now, NULL);
}

/* Chains are checked against the anchors in the side's home. */
static int chain_cb(void *arg, const uint8_t *chain, size_t len, const char *jid, uint64_t now,
		    struct anchor_result *res)
{
	struct hs_side *s = arg;

	side_use(s);
	return anchor_verify_chain(NULL, chain, len, jid, now, res);
}

/* OpenPGP credentials are checked by GnuPG, against the user's default
 * keyring (GNUPGHOME). */
static int openpgp_cb(void *arg, const struct hs_credential *cred, const char *jid,
		      const uint8_t id_fpr[static FINGERPRINT_LEN], struct openpgp_result *res)
{
	(void)arg;
	return openpgp_cred_check(cred->pgp_key, cred->pgp_key_len, cred->pgp_sig,
				  cred->pgp_sig_len, cred->pgp_created, jid, id_fpr, res);
}

static int cookie_cb(void *arg, uint8_t key[static 32])
{
	struct hs_side *s = arg;

	memcpy(key, s->cookie_key, 32);
	return XE2E_OK;
}

int side_begin(struct hs_side *s, int initiator, const struct hs_side *peer)
{
	struct handshake_config cfg;

	side_end(s);
	memset(&cfg, 0, sizeof(cfg));
	cfg.initiator = initiator;
	cfg.self = &s->id;
	cfg.peer = initiator ? (s->to ? s->to : peer->full) : s->from_only;
	cfg.lists = s->lists;
	cfg.options = s->options;
	cfg.trust = &s->trust;
	cfg.rs = &s->rs;
	cfg.psk = psk_cb;
	cfg.replay = replay_cb;
	cfg.arg = s;
	cfg.cookie_key_fn = cookie_cb;
	cfg.chain = chain_cb;
	cfg.openpgp = openpgp_cb;
	cfg.now = s->now;
	return handshake_new(&s->hs, &cfg);
}

int side_commit(struct hs_side *s)
{
	struct session sess;
	struct session_outcome o;
	int err = handshake_session(s->hs, &sess, &o);

	side_use(s);
	if (!err)
		err = sess.state == SESSION_PENDING ? session_commit_pending(&sess, &o)
						    : session_commit(&sess, &o);
	session_free(&sess);
	return err;
}

void side_end(struct hs_side *s)
{
	handshake_free(s->hs);
	s->hs = NULL;
}

void side_free(struct hs_side *s)
{
	side_end(s);
	identity_free(&s->id);
	trust_free(&s->trust);
	rs_free(&s->rs);
}

static void record(struct hs_run *run, const struct handshake_msg *msg, int from_init)
{
	if (run->n >= HS_RUN_MAX)
		return;
	run->step[run->n] = msg->step;
	run->sender_init[run->n] = from_init;
	buf_clear(&run->body[run->n]);
	buf_append(&run->body[run->n], msg->body.data, msg->body.len);
	run->n++;
}

static void set_err(struct hs_run *run, int is_init, int err)
{
	int *slot = is_init ? &run->err_init : &run->err_resp;

	if (!*slot)
		*slot = err;
}

int hs_run(struct hs_side *init, struct hs_side *resp, struct hs_run *run, hs_tamper_fn tamper,
	   void *arg)
{
	struct handshake_msg msg = HANDSHAKE_MSG_INIT, out = HANDSHAKE_MSG_INIT;
	struct hs_side *sender = init;
	int err;

	for (int i = 0; i < HS_RUN_MAX; i++)
		buf_clear(&run->body[i]);
	run->n = 0;
	run->err_init = run->err_resp = 0;
	if ((err = side_begin(init, 1, resp)) || (err = side_begin(resp, 0, init)))
		die("side_begin", err);
	err = handshake_start(init->hs, &msg);
	if (err) {
		set_err(run, 1, err);
		goto out;
	}
	for (int i = 0; i < HS_RUN_MAX && msg.step != HS_STEP_NONE; i++) {
		struct hs_side *recv = sender == init ? resp : init;

		if (tamper)
			tamper(run->n, &msg, arg);
		record(run, &msg, sender == init);
		err = handshake_read(recv->hs, sender->full, msg.step, msg.body.data, msg.body.len,
				     msg.reason, &out);
		if (err)
			set_err(run, recv == init, err);
		if (err && msg.step == HS_STEP_ABORT)
			break;
		handshake_msg_clear(&msg);
		buf_append(&msg.body, out.body.data, out.body.len);
		msg.step = out.step;
		msg.reason = out.reason;
		sender = recv;
	}
out:
	buf_free(&msg.body);
	buf_free(&out.body);
	return run->n;
}

void hs_run_free(struct hs_run *run)
{
	for (int i = 0; i < HS_RUN_MAX; i++)
		buf_free(&run->body[i]);
}

int hs_both_done(const struct hs_side *a, const struct hs_side *b)
{
	const struct handshake_result *x = handshake_result(a->hs), *y = handshake_result(b->hs);

	return x && y && !memcmp(x->root_key, y->root_key, SESSION_KEY_LEN) &&
	       !memcmp(x->handshake_hash, y->handshake_hash, SESSION_HASH_LEN) &&
	       !memcmp(x->session_id, y->session_id, SESSION_ID_LEN) &&
	       !memcmp(x->chain_key, y->chain_key, SESSION_KEY_LEN) &&
	       !memcmp(x->new_rs, y->new_rs, SESSION_KEY_LEN) &&
	       !memcmp(x->r0_pub, y->r0_pub, X25519_LEN);
}

void hs_pair_init(struct hs_side *alice, struct hs_side *bob)
{
	side_free(alice);
	side_free(bob);
	side_init(alice, "alice@capulet.lit", "balcony");
	side_init(bob, "bob@montague.lit", "garden");
	side_reload(alice);
	side_reload(bob);
}

int hs_pair_known(struct hs_side *alice, struct hs_side *bob)
{
	struct hs_run run = {0};
	int n;

	hs_pair_init(alice, bob);
	n = hs_run(alice, bob, &run, NULL, NULL);
	CHECK(hs_both_done(alice, bob));
	CHECK_INT(side_commit(alice), XE2E_OK);
	CHECK_INT(side_commit(bob), XE2E_OK);
	side_reload(alice);
	side_reload(bob);
	hs_run_free(&run);
	return n;
}
