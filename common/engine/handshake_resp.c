/*
 * The responder's side of the handshake (xe2e(7), HANDSHAKE): step 1 with
 * its cookie and negotiation checks, answered by a retry, a swap, or step
 * 2; the IK responder's trial decryption over retained-secret candidates
 * and its replay check; step 3.
 */
#include <string.h>

#include "cookie.h"
#include "err.h"
#include "handshake_int.h"
#include "handshake_nego.h"
#include "hash.h"
#include "util.h"

#define SLOT(s) (1u << (s))

/* ---- retry and cookie ---- */

static int send_retry(struct handshake *hs, const struct hs_step1 *s1, uint8_t kind,
		      uint8_t version, uint8_t suite, uint8_t pattern, struct handshake_msg *out)
{
	struct cookie_input in = {s1->offer_bytes, s1->offer_len, kind, version, suite, pattern,
				  hs->peer_bare};
	struct hs_retry r = {kind, version, suite, pattern, COOKIE_LEN, {0}};
	const uint8_t *key;
	int err;

	if (hs->retried[kind]) {
		err_detail_set("cannot use the retried step 1 either");
		return XE2E_E_UNSUPPORTED;
	}
	err = hs_cookie_key(hs, &key);
	if (!err)
		err = cookie_make(key, &in, hs->cfg.now, r.cookie);
	buf_clear(&hs->retry_offer);
	if (!err)
		err = buf_append(&hs->retry_offer, s1->offer_bytes, s1->offer_len);
	buf_clear(&hs->retry);
	if (!err)
		err = hsmsg_retry_encode(&r, &hs->retry);
	if (!err)
		err = buf_append(&out->body, hs->retry.data, hs->retry.len);
	if (err)
		return err;
	hs->retried[kind] = 1;
	hs->retry_sent = r;
	out->step = HS_STEP_RETRY;
	noise_handshakestate_free(hs->ns);
	hs->ns = NULL;
	return XE2E_OK;
}

static int lists_equal(const struct hs_lists *a, const struct hs_lists *b)
{
	return a->n_versions == b->n_versions && a->n_suites == b->n_suites &&
	       !memcmp(a->versions, b->versions, a->n_versions) &&
	       !memcmp(a->suites, b->suites, a->n_suites);
}

/* A step 1 after our retry must carry a valid cookie, the same lists and
 * the choice the retry named; a first step 1 carries no cookie. */
static int cookie_verify(struct handshake *hs, const struct hs_step1 *s1)
{
	const struct hs_retry *r = &hs->retry_sent;
	struct cookie_input in = {hs->retry_offer.data, hs->retry_offer.len, r->kind, r->version,
				  r->suite, r->pattern, hs->peer_bare};
	struct hs_offer first;
	const uint8_t *key;
	size_t used;
	int err;

	if (!r->kind) {
		if (!s1->cookie_len)
			return XE2E_OK;
		err_detail_set("a cookie in a step 1 that follows no retry");
		return XE2E_E_MALFORMED;
	}
	err = hs_cookie_key(hs, &key);
	if (err)
		return err;
	err = cookie_check(key, &in, s1->cookie, s1->cookie_len, hs->cfg.now);
	if (err)
		return err == XE2E_E_MALFORMED ? XE2E_E_AUTH : err;
	err = hsmsg_offer_decode(hs->retry_offer.data, hs->retry_offer.len, &first, &used);
	if (!err && (!lists_equal(&first.lists, &s1->offer.lists) ||
		     s1->offer.version != r->version || s1->offer.suite != r->suite ||
		     s1->offer.pattern != r->pattern)) {
		err_detail_set("the retried step 1 does not follow the retry");
		err = XE2E_E_MALFORMED;
	}
	return err;
}

static int suite_ok(const struct handshake *hs, uint8_t suite)
{
	return hsnego_suite_name(suite) &&
	       hsmsg_list_has(hs->cfg.lists.suites, hs->cfg.lists.n_suites, suite);
}

static int version_ok(const struct handshake *hs, uint8_t version)
{
	return hsnego_version_known(version) &&
	       hsmsg_list_has(hs->cfg.lists.versions, hs->cfg.lists.n_versions, version);
}

/* The choice we can use for an offer we cannot: the initiator's order wins. */
static int retry_choice(struct handshake *hs, const struct hs_step1 *s1,
			struct handshake_msg *out)
{
	uint8_t version, suite;
	uint8_t pattern = hsnego_pattern_name(s1->offer.pattern) ? s1->offer.pattern
								  : HS_PATTERN_XX;
	int err = hsnego_best_version(&s1->offer.lists, &hs->cfg.lists, &version);

	if (!err)
		err = hsnego_best_suite(&s1->offer.lists, &hs->cfg.lists, &suite);
	if (err)
		return err;
	return send_retry(hs, s1, HS_RETRY_CHOICE, version, suite, pattern, out);
}

/* ---- XX ---- */

/* The responder's step 2: p, whose own part the caller filled, with the
 * lists and the fresh r0 (made before), in the Noise message. */
static int write_step2(struct handshake *hs, enum hs_payload_kind kind, struct hs_payload *p,
		       struct handshake_msg *out)
{
	struct buf payload = BUF_INIT;
	int err;

	p->lists = hs->cfg.lists;
	memcpy(p->r0, hs->r0_pub, X25519_LEN);
	err = hsmsg_payload_encode(kind, p, &payload);
	if (!err)
		err = hs_noise_write(hs->ns, &payload, &out->body);
	if (!err)
		out->step = HS_STEP_2;
	buf_free(&payload);
	return err;
}

static int write_xx2(struct handshake *hs, struct handshake_msg *out)
{
	struct hs_payload p;
	int err = hs_r0_make(hs);

	memset(&p, 0, sizeof(p));
	hs_payload_own_credential(hs, &p.cred);
	return err ? err : write_step2(hs, HS_PAYLOAD_XX2, &p, out);
}

int hs_resp_read_xx1(struct handshake *hs, const uint8_t *msg, size_t len,
		     struct handshake_msg *out)
{
	uint8_t psk[NOISE_PSK_LEN];
	struct hs_payload p;
	struct buf payload = BUF_INIT;
	int err = hs_noise_new(hs, 0, NULL);

	if (!err)
		err = hs_noise_read(hs->ns, msg, len, &payload);
	if (!err)
		err = hsmsg_payload_decode(HS_PAYLOAD_XX1, payload.data, payload.len, &p);
	if (!err)
		err = hs_policy_find_rs(hs, msg, &p);
	if (!err)
		err = handshake_psk_derive(hs->rs_found ? hs->match.secret : NULL,
					   hs->have_psk ? hs->psk : NULL, psk);
	if (!err)
		err = noise_handshakestate_add_psk(hs->ns, psk);
	if (!err)
		err = write_xx2(hs, out);
	if (!err)
		hs->state = HSS_WAIT_3;
	wipe(psk, sizeof(psk));
	buf_free(&payload);
	return err;
}

/* --protect-self: answer with our own XX step 1 as the Noise initiator. */
static int send_swap(struct handshake *hs, const uint8_t *body, size_t len,
		     const struct hs_step1 *s1, struct handshake_msg *out)
{
	int err = hsnego_best_version(&hs->cfg.lists, &s1->offer.lists, &hs->version);

	if (!err)
		err = hsnego_best_suite(&hs->cfg.lists, &s1->offer.lists, &hs->suite);
	buf_clear(&hs->swap);
	if (!err)
		err = buf_append(&hs->swap, body, len);
	if (!err)
		err = hs_policy_expected_device(hs);
	if (err)
		return err;
	hs->pattern = HS_PATTERN_XX;
	err = hs_init_send_step1(hs, NULL, 0, &out->body);
	if (!err) {
		out->step = HS_STEP_SWAP;
		hs->state = HSS_WAIT_2;
	}
	return err;
}

/* ---- IK ---- */

/* The IK responder's psk callback: the initiator's static key, just
 * decrypted, names the trust entry and device; candidate i is tried. */
struct ik_trial {
	struct handshake *hs;
	int index;
	int called;
	int unknown;
	const struct trust_peer *peer;
	const struct trust_device *dev;
	int n_cand;
	struct hs_rs_cand cand[3];
};

static void ik_candidates(struct ik_trial *t)
{
	struct rs_entry e;

	t->n_cand = 0;
	if (hs_policy_rs_entry(t->hs, t->peer->fpr, t->dev->id, &e) == XE2E_OK) {
		for (int s = RS_SLOT_RS1; s <= RS_SLOT_RS2; s++) {
			if (!(e.present & SLOT(s)))
				continue;
			t->cand[t->n_cand].real = 1;
			memcpy(t->cand[t->n_cand++].secret, e.secret[s], RS_LEN);
		}
	}
	t->cand[t->n_cand].real = 0;
	memset(t->cand[t->n_cand++].secret, 0, RS_LEN);
	wipe(&e, sizeof(e));
}

static int ik_find_device(struct ik_trial *t, const uint8_t rs_pub[static X25519_LEN])
{
	struct handshake *hs = t->hs;
	struct trust_device *dev = NULL;
	const struct trust_peer *peer = hs->cfg.trust ? trust_find_device(hs->cfg.trust, rs_pub,
									   &dev)
						      : NULL;

	if (!peer || (dev->expires && dev->expires <= hs->cfg.now)) {
		t->unknown = 1;
		return XE2E_E_NOTFOUND;
	}
	if (strcmp(peer->jid, hs->peer_bare)) {
		err_detail_set("the IK static key of %s belongs to %s", hs->peer_bare, peer->jid);
		return XE2E_E_TRUST;
	}
	t->peer = peer;
	t->dev = dev;
	ik_candidates(t);
	return XE2E_OK;
}

static int ik_psk(void *arg, const struct noise_handshakestate *ns, uint8_t psk[static NOISE_PSK_LEN])
{
	struct ik_trial *t = arg;
	uint8_t rs_pub[X25519_LEN];
	int err = XE2E_OK;

	t->called = 1;
	if (!t->peer) {
		err = noise_handshakestate_get_remote_static(ns, rs_pub);
		if (!err)
			err = ik_find_device(t, rs_pub);
	}
	if (!err && t->index >= t->n_cand)
		err = XE2E_E_NOTFOUND;
	if (!err)
		err = handshake_psk_derive(t->cand[t->index].real ? t->cand[t->index].secret : NULL,
					   t->hs->have_psk ? t->hs->psk : NULL, psk);
	return err;
}

/* Tries the candidates in order on copies; *copy gets the state that read. */
static int ik_trials(struct ik_trial *t, const uint8_t *msg, size_t len, struct buf *payload,
		     struct noise_handshakestate **copy)
{
	int err = XE2E_E_AUTH;

	for (t->index = 0; err == XE2E_E_AUTH && (t->index == 0 || t->index < t->n_cand);
	     t->index++) {
		err = noise_handshakestate_copy(copy, t->hs->ns);
		if (err)
			return err;
		noise_handshakestate_set_psk_callback(*copy, ik_psk, t);
		err = hs_noise_read(*copy, msg, len, payload);
		if (!err)
			return XE2E_OK;
		noise_handshakestate_free(*copy);
		*copy = NULL;
		if (!t->called || t->unknown)
			return XE2E_E_NOTFOUND;
	}
	return err == XE2E_E_AUTH ? XE2E_E_NOTFOUND : err;
}

static int ik_checks(struct handshake *hs, struct ik_trial *t, const struct hs_payload *p,
		     const uint8_t e[static X25519_LEN])
{
	uint8_t key[SHA256_LEN];
	int err = XE2E_OK;

	if (memcmp(p->fpr, t->peer->fpr, FINGERPRINT_LEN)) {
		err_detail_set("step 1 names another identity key than the trust store holds");
		return XE2E_E_TRUST;
	}
	err = hs_policy_identity(hs, p->fpr);
	if (!err)
		err = hs_policy_rs(hs, t->n_cand > 1, t->cand[t->index].real);
	if (!err)
		err = hs_policy_lists(hs, &p->lists);
	if (!err)
		err = hash(HASH_SHA256, e, X25519_LEN, key);
	if (!err)
		err = hs->cfg.replay(hs->cfg.arg, key);
	if (err == XE2E_E_REPLAY && !*err_detail())
		err_detail_set("replayed IK step 1");
	return err;
}

static int write_ik2(struct handshake *hs, struct handshake_msg *out)
{
	struct hs_payload p;
	int err = hs_r0_make(hs);

	memset(&p, 0, sizeof(p));
	memcpy(p.fpr, hs->cfg.self->id_fpr, FINGERPRINT_LEN);
	return err ? err : write_step2(hs, HS_PAYLOAD_IK2, &p, out);
}

static int read_ik1(struct handshake *hs, const struct hs_step1 *s1, struct handshake_msg *out)
{
	struct ik_trial t;
	struct noise_handshakestate *copy = NULL;
	struct hs_payload p;
	struct buf payload = BUF_INIT;
	int err = hs_noise_new(hs, 0, NULL);

	memset(&t, 0, sizeof(t));
	t.hs = hs;
	if (!err)
		err = ik_trials(&t, s1->noise, s1->noise_len, &payload, &copy);
	if (err == XE2E_E_NOTFOUND) {
		err = send_retry(hs, s1, HS_RETRY_IK_TO_XX, hs->version, hs->suite, HS_PATTERN_XX,
				 out);
		goto out;
	}
	if (err)
		goto out;
	noise_handshakestate_free(hs->ns);
	hs->ns = copy;
	err = hsmsg_payload_decode(HS_PAYLOAD_IK1, payload.data, payload.len, &p);
	if (!err)
		err = ik_checks(hs, &t, &p, s1->noise);
	if (!err) {
		hs->res.device = *t.dev;
		hs->res.device_known = 1;
		err = write_ik2(hs, out);
	}
	if (!err)
		err = hs_keys_finish(hs);
out:
	wipe(&t.cand, sizeof(t.cand));
	buf_free(&payload);
	return err;
}

/* ---- step 1 and step 3 ---- */

int hs_resp_read_step1(struct handshake *hs, const uint8_t *body, size_t len,
		       struct handshake_msg *out)
{
	struct hs_step1 s1;
	int err = hsmsg_step1_decode(body, len, &s1);

	if (!err)
		err = cookie_verify(hs, &s1);
	if (err)
		return err;
	if (!version_ok(hs, s1.offer.version) || !suite_ok(hs, s1.offer.suite) ||
	    !hsnego_pattern_name(s1.offer.pattern))
		return retry_choice(hs, &s1, out);
	buf_clear(&hs->offer);
	if ((err = buf_append(&hs->offer, s1.offer_bytes, s1.offer_len)))
		return err;
	hs->version = s1.offer.version;
	hs->suite = s1.offer.suite;
	hs->pattern = s1.offer.pattern;
	hs->peer_lists = s1.offer.lists;
	/* IK carries no credential: to send our chain, have the peer use XX. */
	if (hs->pattern == HS_PATTERN_IK && (hs->cfg.options & HS_OPT_SEND_CHAIN))
		return send_retry(hs, &s1, HS_RETRY_IK_TO_XX, hs->version, hs->suite,
				  HS_PATTERN_XX, out);
	if (hs->pattern == HS_PATTERN_IK)
		return read_ik1(hs, &s1, out);
	if (hs->cfg.options & HS_OPT_PROTECT_SELF)
		return send_swap(hs, body, len, &s1, out);
	return hs_resp_read_xx1(hs, s1.noise, s1.noise_len, out);
}

/* As for the initiator (xx2_rs): a retained secret that the rsids named
 * counts as a match, whichever entry it was stored under. */
static int xx3_rs(struct handshake *hs)
{
	struct rs_entry e;
	int held = hs_policy_rs_entry(hs, hs->res.peer_fpr, hs->res.device.id, &e) == XE2E_OK;

	wipe(&e, sizeof(e));
	return hs_policy_rs(hs, held, hs->rs_found);
}

int hs_resp_read_step3(struct handshake *hs, const uint8_t *msg, size_t len,
		       struct handshake_msg *out)
{
	uint8_t rs_pub[X25519_LEN];
	struct hs_payload p;
	struct buf payload = BUF_INIT;
	int err = hs_noise_read(hs->ns, msg, len, &payload);

	if (err == XE2E_E_AUTH)
		err_detail_set("step 3 from %s does not authenticate: tampered or active attack",
			       hs->peer_bare);
	if (!err)
		err = hsmsg_payload_decode(HS_PAYLOAD_XX3, payload.data, payload.len, &p);
	if (!err)
		err = noise_handshakestate_get_remote_static(hs->ns, rs_pub);
	if (!err)
		err = hs_policy_credential(hs, &p.cred, rs_pub);
	if (!err)
		err = xx3_rs(hs);
	if (!err)
		err = hs_policy_lists(hs, &p.lists);
	if (!err)
		err = hs_keys_finish(hs);
	if (!err)
		err = hs_keys_write_confirm(hs, out);
	buf_free(&payload);
	return err;
}
