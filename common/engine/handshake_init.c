/*
 * The Noise initiator's side of the handshake (xe2e(7), HANDSHAKE): step 1
 * (XXpsk2 with retained-secret identifiers, or IKpsk1), step 2 with trial
 * decryption over the retained-secret candidates, step 3; and the original
 * initiator's answers to a retry or a swap.
 */
#include <string.h>

#include "dh.h"
#include "err.h"
#include "handshake_int.h"
#include "handshake_nego.h"
#include "rng.h"
#include "util.h"

/* The XX step 1 payload: the rsids of the candidates, decoys for empty ones. */
static int xx1_payload(struct handshake *hs, const uint8_t e_pub[static X25519_LEN],
		       struct buf *out)
{
	struct hs_payload p;
	int err;

	memset(&p, 0, sizeof(p));
	err = hs->cand[0].real ? handshake_rsid(hs->cand[0].secret, e_pub, p.rsid1)
			       : rng_bytes(p.rsid1, HS_RSID_LEN);
	if (!err)
		err = hs->cand[1].real ? handshake_rsid(hs->cand[1].secret, e_pub, p.rsid2)
				       : rng_bytes(p.rsid2, HS_RSID_LEN);
	if (!err)
		err = hsmsg_payload_encode(HS_PAYLOAD_XX1, &p, out);
	wipe(&p, sizeof(p));
	return err;
}

/* XXpsk2 message 1: "-> e" with the rsids in clear. The rsids depend on e,
 * so e is made here and handed to the Noise state for its e token. */
static int write_xx1(struct handshake *hs, struct buf *out)
{
	uint8_t e_priv[X25519_LEN], e_pub[X25519_LEN];
	struct buf payload = BUF_INIT;
	int err = x25519_keypair(e_priv, e_pub);

	if (!err)
		err = noise_handshakestate_set_fixed_ephemeral_pair(hs->ns, e_priv, e_pub);
	if (!err)
		err = xx1_payload(hs, e_pub, &payload);
	if (!err)
		err = hs_noise_write(hs->ns, &payload, out);
	wipe(e_priv, sizeof(e_priv));
	buf_free(&payload);
	return err;
}

/* IKpsk1 message 1: "-> e, es, s, ss, psk" carrying our fingerprint and
 * lists; the psk holds our rs1 for the expected device. */
static int write_ik1(struct handshake *hs, struct buf *out)
{
	uint8_t psk[NOISE_PSK_LEN];
	struct hs_payload p;
	struct buf payload = BUF_INIT;
	int err = handshake_psk_derive(hs->cand[0].real ? hs->cand[0].secret : NULL,
				       hs->have_psk ? hs->psk : NULL, psk);

	memset(&p, 0, sizeof(p));
	memcpy(p.fpr, hs->cfg.self->id_fpr, FINGERPRINT_LEN);
	p.lists = hs->cfg.lists;
	if (!err)
		err = noise_handshakestate_add_psk(hs->ns, psk);
	if (!err)
		err = hsmsg_payload_encode(HS_PAYLOAD_IK1, &p, &payload);
	if (!err)
		err = hs_noise_write(hs->ns, &payload, out);
	wipe(psk, sizeof(psk));
	buf_free(&payload);
	return err;
}

/* IK when the trust store holds the peer's device key; XX when we must
 * send our certificate chain, which IK never carries. */
static int use_ik(const struct handshake *hs)
{
	return hs->have_expected && !(hs->cfg.options & HS_OPT_SEND_CHAIN);
}

int hs_init_send_step1(struct handshake *hs, const uint8_t *cookie, size_t cookie_len,
		       struct buf *out)
{
	struct hs_offer offer = {hs->version, hs->cfg.lists, hs->suite, hs->pattern};
	struct buf noise = BUF_INIT;
	int err;

	if (hs->state == HSS_START) {
		hs->version = offer.version = hs->cfg.lists.versions[0];
		hs->suite = offer.suite = hs->cfg.lists.suites[0];
		hs->pattern = offer.pattern = use_ik(hs) ? HS_PATTERN_IK : HS_PATTERN_XX;
	}
	buf_clear(&hs->offer);
	err = hsmsg_offer_encode(&offer, &hs->offer);
	if (!err)
		err = hs_noise_new(hs, 1, hs->pattern == HS_PATTERN_IK ? hs->expected.pub : NULL);
	if (!err)
		err = hs->pattern == HS_PATTERN_IK ? write_ik1(hs, &noise) : write_xx1(hs, &noise);
	buf_clear(out);
	if (!err)
		err = hsmsg_step1_encode(&offer, cookie, cookie_len, noise.data, noise.len, out);
	buf_clear(&hs->step1);
	if (!err)
		err = buf_append(&hs->step1, out->data, out->len);
	/* Once set, for the whole handshake: the step 1 re-sent after a retry
	 * must not make this side forget that it offered IK (see
	 * hs_init_read_swap). */
	if (!err && hs->cfg.initiator && !hs->swap.len && hs->pattern == HS_PATTERN_IK)
		hs->sent_ik = 1;
	buf_free(&noise);
	return err;
}

/* One trial: a copy of the state with candidate c's psk reads message 2. */
static int xx2_try(struct handshake *hs, int c, const uint8_t *msg, size_t len,
		   struct buf *payload, struct noise_handshakestate **out)
{
	uint8_t psk[NOISE_PSK_LEN];
	int err = noise_handshakestate_copy(out, hs->ns);

	if (!err)
		err = handshake_psk_derive(c >= 0 ? hs->cand[c].secret : NULL,
					   hs->have_psk ? hs->psk : NULL, psk);
	if (!err)
		err = noise_handshakestate_add_psk(*out, psk);
	if (!err)
		err = hs_noise_read(*out, msg, len, payload);
	wipe(psk, sizeof(psk));
	if (err) {
		noise_handshakestate_free(*out);
		*out = NULL;
	}
	return err;
}

/* Candidates in order rs1, second slot, none; stops at the first that reads. */
static int xx2_trials(struct handshake *hs, const uint8_t *msg, size_t len, struct buf *payload)
{
	static const int order[] = {0, 1, -1};
	struct noise_handshakestate *copy = NULL;
	int err = XE2E_E_AUTH;

	for (size_t i = 0; i < ARRAY_SIZE(order) && err == XE2E_E_AUTH; i++) {
		if (order[i] >= 0 && !hs->cand[order[i]].real)
			continue;
		err = xx2_try(hs, order[i], msg, len, payload, &copy);
		if (!err)
			hs->cand_used = order[i];
	}
	if (err == XE2E_E_AUTH) {
		err_detail_set("step 2 from %s does not decrypt: PSK mismatch or active attack",
			       hs->peer_bare);
		return XE2E_E_TRUST;
	}
	if (err)
		return err;
	noise_handshakestate_free(hs->ns);
	hs->ns = copy;
	return XE2E_OK;
}

/* Did the retained secret used (or not) match what we hold for the peer as
 * authenticated? A secret that matched under the identity or device we
 * expected counts as a match even when the peer shows another one: it
 * proves continuity, and the trust policy still judges the new key. */
static int xx2_rs(struct handshake *hs)
{
	struct rs_entry e;
	int held = hs_policy_rs_entry(hs, hs->res.peer_fpr, hs->res.device.id, &e) == XE2E_OK;

	wipe(&e, sizeof(e));
	return hs_policy_rs(hs, held, hs->cand_used >= 0);
}

static int write_xx3(struct handshake *hs, struct handshake_msg *out)
{
	struct hs_payload p;
	struct buf payload = BUF_INIT;
	int err;

	memset(&p, 0, sizeof(p));
	hs_payload_own_credential(hs, &p.cred);
	p.lists = hs->cfg.lists;
	err = hsmsg_payload_encode(HS_PAYLOAD_XX3, &p, &payload);
	if (!err)
		err = hs_noise_write(hs->ns, &payload, &out->body);
	if (!err)
		out->step = HS_STEP_3;
	buf_free(&payload);
	return err;
}

static int read_xx2(struct handshake *hs, const uint8_t *msg, size_t len,
		    struct handshake_msg *out)
{
	uint8_t rs_pub[X25519_LEN];
	struct hs_payload p;
	struct buf payload = BUF_INIT;
	int err = xx2_trials(hs, msg, len, &payload);

	if (!err)
		err = hsmsg_payload_decode(HS_PAYLOAD_XX2, payload.data, payload.len, &p);
	if (!err)
		err = noise_handshakestate_get_remote_static(hs->ns, rs_pub);
	if (!err)
		err = hs_policy_credential(hs, &p.cred, rs_pub);
	if (!err)
		err = xx2_rs(hs);
	if (!err)
		err = hs_policy_lists(hs, &p.lists);
	if (!err) {
		memcpy(hs->res.r0_pub, p.r0, X25519_LEN);
		err = write_xx3(hs, out);
	}
	if (!err)
		err = hs_keys_finish(hs);
	buf_free(&payload);
	return err;
}

static int read_ik2(struct handshake *hs, const uint8_t *msg, size_t len)
{
	struct hs_payload p;
	struct buf payload = BUF_INIT;
	int err = hs_noise_read(hs->ns, msg, len, &payload);

	if (err == XE2E_E_AUTH)
		err_detail_set("step 2 from %s does not authenticate: tampered or active attack",
			       hs->peer_bare);
	if (!err)
		err = hsmsg_payload_decode(HS_PAYLOAD_IK2, payload.data, payload.len, &p);
	if (!err && memcmp(p.fpr, hs->expected_fpr, FINGERPRINT_LEN)) {
		err_detail_set("step 2 names another identity key than the trust store holds");
		err = XE2E_E_TRUST;
	}
	if (!err)
		err = hs_policy_identity(hs, p.fpr);
	if (!err) {
		hs->res.device = hs->expected;
		hs->res.device_known = 1;
		err = hs_policy_rs(hs, 0, hs->cand[0].real);
	}
	if (!err)
		err = hs_policy_lists(hs, &p.lists);
	if (!err) {
		memcpy(hs->res.r0_pub, p.r0, X25519_LEN);
		err = hs_keys_finish(hs);
	}
	buf_free(&payload);
	return err;
}

int hs_init_read_step2(struct handshake *hs, const uint8_t *msg, size_t len,
		       struct handshake_msg *out)
{
	if (hs->pattern == HS_PATTERN_IK)
		return read_ik2(hs, msg, len);
	return read_xx2(hs, msg, len, out);
}

/* A retry may only name what we offered, and something else than we used. */
static int retry_check(const struct handshake *hs, const struct hs_retry *r)
{
	const struct hs_lists *l = &hs->cfg.lists;

	if (hs->retried[r->kind]) {
		err_detail_set("a second retry of the same kind");
		return XE2E_E_MALFORMED;
	}
	if (!hsmsg_list_has(l->versions, l->n_versions, r->version) ||
	    !hsmsg_list_has(l->suites, l->n_suites, r->suite) ||
	    !hsnego_pattern_name(r->pattern) ||
	    (r->pattern == HS_PATTERN_IK && !use_ik(hs))) {
		err_detail_set("the retry names a choice that was not offered");
		return XE2E_E_MALFORMED;
	}
	if (r->kind == HS_RETRY_IK_TO_XX && (hs->pattern != HS_PATTERN_IK ||
					     r->pattern != HS_PATTERN_XX)) {
		err_detail_set("a retry to XX that does not answer an IK step 1");
		return XE2E_E_MALFORMED;
	}
	if (r->kind == HS_RETRY_IK_TO_XX && (r->version != hs->version || r->suite != hs->suite)) {
		err_detail_set("a retry to XX that changes the version or suite");
		return XE2E_E_MALFORMED;
	}
	if (r->version == hs->version && r->suite == hs->suite && r->pattern == hs->pattern) {
		err_detail_set("the retry names the choice already used");
		return XE2E_E_MALFORMED;
	}
	return XE2E_OK;
}

int hs_init_read_retry(struct handshake *hs, const uint8_t *body, size_t len,
		       struct handshake_msg *out)
{
	struct hs_retry r;
	int err = hsmsg_retry_decode(body, len, &r);

	if (!err)
		err = retry_check(hs, &r);
	if (err)
		return err;
	hs->retried[r.kind] = 1;
	buf_clear(&hs->retry);
	if ((err = buf_append(&hs->retry, body, len)))
		return err;
	hs->version = r.version;
	hs->suite = r.suite;
	hs->pattern = r.pattern;
	err = hs_init_send_step1(hs, r.cookie, r.cookie_len, &out->body);
	if (!err)
		out->step = HS_STEP_1;
	return err;
}

/*
 * Whether this side may answer a swap, which makes it the Noise responder:
 * it then sends its credential in step 2, before the peer proved anything.
 * Only on first contact, where a leap of faith would reveal it to any
 * active attacker anyway (xe2e(7), HANDSHAKE "Identity protection"): never
 * after an IK step 1 (at any point of the handshake, a retry
 * notwithstanding) and never when the trust store holds a live entry for
 * the peer, whose key must be proved first.
 */
static int swap_allowed(struct handshake *hs)
{
	if (hs->sent_ik || hs_policy_peer_live(hs)) {
		err_detail_set("%s asked to swap roles, which would make this side reveal its "
			       "identity to a responder that has not proved its key; refused: %s "
			       "is in the trust store and must prove its key first (possible "
			       "attack)", hs->peer_bare, hs->peer_bare);
		return XE2E_E_TRUST;
	}
	if (hs->cfg.options & HS_OPT_PROTECT_SELF) {
		err_detail_set("peer asked to swap roles; refused because of --protect-self");
		return XE2E_E_STATE;
	}
	return XE2E_OK;
}

int hs_init_read_swap(struct handshake *hs, const uint8_t *body, size_t len,
		      struct handshake_msg *out)
{
	struct hs_step1 s1;
	int err = swap_allowed(hs);

	if (err)
		return err;
	err = hsmsg_step1_decode(body, len, &s1);
	if (!err && (s1.offer.pattern != HS_PATTERN_XX || s1.cookie_len)) {
		err_detail_set("a swap must be an XX step 1 without cookie");
		err = XE2E_E_MALFORMED;
	}
	if (!err && (!hsmsg_list_has(hs->cfg.lists.versions, hs->cfg.lists.n_versions,
				     s1.offer.version) ||
		     !hsmsg_list_has(hs->cfg.lists.suites, hs->cfg.lists.n_suites, s1.offer.suite))) {
		err_detail_set("the swap uses a version or suite this side does not support");
		err = XE2E_E_UNSUPPORTED;
	}
	if (err)
		return err;
	buf_clear(&hs->swap);
	err = buf_append(&hs->swap, hs->step1.data, hs->step1.len);
	buf_clear(&hs->offer);
	if (!err)
		err = buf_append(&hs->offer, s1.offer_bytes, s1.offer_len);
	if (err)
		return err;
	hs->version = s1.offer.version;
	hs->suite = s1.offer.suite;
	hs->pattern = HS_PATTERN_XX;
	hs->peer_lists = s1.offer.lists;
	return hs_resp_read_xx1(hs, s1.noise, s1.noise_len, out);
}
