/*
 * What a finished handshake leaves (xe2e(7), HANDSHAKE "Keys"): from the
 * final chaining key ck, each with HKDF-SHA256 (empty salt) and its own
 * label, the root key, the new retained secret, the session id and the XX
 * confirmation; the handshake hash as channel binding; Split's c2 key as
 * the responder's first sending chain. Then the Noise state is wiped.
 */
#include <string.h>

#include "err.h"
#include "handshake_int.h"
#include "hash.h"
#include "util.h"

static int derive(const uint8_t *ck, size_t ck_len, const char *label, uint8_t *out, size_t n)
{
	return hkdf(HASH_SHA256, NULL, 0, ck, ck_len, label, strlen(label), out, n);
}

static int derive_all(struct handshake *hs)
{
	uint8_t ck[NOISE_HASH_MAX_LEN], h[NOISE_HASH_MAX_LEN];
	size_t ck_len, h_len;
	int err = noise_handshakestate_get_chaining_key(hs->ns, ck, &ck_len);

	if (!err)
		err = noise_handshakestate_get_handshake_hash(hs->ns, h, &h_len);
	if (!err && (h_len != SESSION_HASH_LEN || ck_len != SESSION_HASH_LEN))
		err = XE2E_E_STATE;
	if (!err)
		memcpy(hs->res.handshake_hash, h, SESSION_HASH_LEN);
	if (!err)
		err = derive(ck, ck_len, HS_LABEL_ROOT, hs->res.root_key, SESSION_KEY_LEN);
	if (!err)
		err = derive(ck, ck_len, HS_LABEL_RS, hs->res.new_rs, SESSION_KEY_LEN);
	if (!err)
		err = derive(ck, ck_len, HS_LABEL_SESSION_ID, hs->res.session_id, SESSION_ID_LEN);
	if (!err)
		err = derive(ck, ck_len, HS_LABEL_CONFIRM, hs->confirm, HS_CONFIRM_LEN);
	wipe(ck, sizeof(ck));
	wipe(h, sizeof(h));
	return err;
}

static int split(struct handshake *hs)
{
	struct noise_cipherstate send, recv;
	int err = noise_handshakestate_split(hs->ns, &send, &recv);

	if (!err)
		memcpy(hs->res.chain_key, hs->noise_initiator ? recv.k : send.k, SESSION_KEY_LEN);
	noise_cipherstate_wipe(&send);
	noise_cipherstate_wipe(&recv);
	return err;
}

int hs_keys_finish(struct handshake *hs)
{
	struct handshake_result *r = &hs->res;
	int err = derive_all(hs);

	if (!err)
		err = split(hs);
	if (err)
		return err;
	r->noise_initiator = hs->noise_initiator;
	r->pattern = hs->pattern;
	r->version = hs->version;
	r->suite = hs->suite;
	r->swapped = hs->swap.len > 0;
	r->retries = hs->retried[HS_RETRY_CHOICE] + hs->retried[HS_RETRY_IK_TO_XX];
	r->pending = !hs->noise_initiator && hs->pattern == HS_PATTERN_IK;
	strcpy(r->peer_bare, hs->peer_bare);
	/* After the retained-secret rule, which follows the level stored. */
	if (r->anchored && (r->new_peer || r->level == TRUST_TOFU))
		r->level = TRUST_ANCHORED;
	if (!hs->noise_initiator)
		memcpy(r->r0_priv, hs->r0_priv, X25519_LEN);
	if (!hs->noise_initiator)
		memcpy(r->r0_pub, hs->r0_pub, X25519_LEN);
	noise_handshakestate_free(hs->ns);
	hs->ns = NULL;
	wipe(hs->r0_priv, sizeof(hs->r0_priv));
	wipe(hs->cand, sizeof(hs->cand));
	wipe(&hs->match, sizeof(hs->match));
	wipe(hs->psk, sizeof(hs->psk));
	hs->state = hs->noise_initiator && hs->pattern == HS_PATTERN_XX ? HSS_WAIT_CONFIRM
									 : HSS_DONE;
	return XE2E_OK;
}

int hs_keys_write_confirm(const struct handshake *hs, struct handshake_msg *out)
{
	int err = buf_append(&out->body, hs->confirm, HS_CONFIRM_LEN);

	if (!err)
		out->step = HS_STEP_CONFIRM;
	return err;
}

int hs_keys_read_confirm(struct handshake *hs, const uint8_t *body, size_t len)
{
	if (len != HS_CONFIRM_LEN || !ct_equal(body, hs->confirm, HS_CONFIRM_LEN)) {
		err_detail_set("the confirmation from %s does not authenticate: tampered or "
			       "active attack", hs->peer_bare);
		return XE2E_E_AUTH;
	}
	wipe(hs->confirm, sizeof(hs->confirm));
	hs->state = HSS_DONE;
	return XE2E_OK;
}

/* The credential of an identity: kind 3 when it has an OpenPGP one, kind 2
 * when its certificate is a CA's, kind 1 otherwise. */
static void own_credential(const struct identity *id, struct hs_credential *cred)
{
	memset(cred, 0, sizeof(*cred));
	cred->kind = id->openpgp.key.len ? HS_CRED_KIND_OPENPGP
		     : id->chain_der.len ? HS_CRED_KIND_X509 : HS_CRED_KIND_KEY;
	cred->chain = id->chain_der.data;
	cred->chain_len = id->chain_der.len;
	cred->pgp_created = id->openpgp.created;
	cred->pgp_key = id->openpgp.key.data;
	cred->pgp_key_len = id->openpgp.key.len;
	cred->pgp_sig = id->openpgp.sig.data;
	cred->pgp_sig_len = id->openpgp.sig.len;
	memcpy(cred->identity_pub, id->id_pub, P256_PUB_LEN);
	cred->binding.device_id = load_be32(id->binding.device_id);
	cred->binding.created = id->binding.created;
	cred->binding.expires = id->binding.expires;
	memcpy(cred->binding.sig, id->binding.sig, P256_SIG_LEN);
}

int hs_payload_own_credential(const struct handshake *hs, struct hs_credential *cred)
{
	own_credential(hs->cfg.self, cred);
	return XE2E_OK;
}

uint8_t handshake_credential_kind(const struct identity *id)
{
	struct hs_credential cred;

	own_credential(id, &cred);
	return cred.kind;
}

size_t handshake_credential_len(const struct identity *id)
{
	struct hs_credential cred;

	own_credential(id, &cred);
	return hsmsg_credential_len(&cred);
}

int handshake_session(const struct handshake *hs, struct session *s, struct session_outcome *o)
{
	const struct handshake_result *r = handshake_result(hs);

	if (!r)
		return XE2E_E_STATE;
	memset(s, 0, sizeof(*s));
	memset(o, 0, sizeof(*o));
	memcpy(s->id, r->session_id, SESSION_ID_LEN);
	s->state = r->pending ? SESSION_PENDING : SESSION_ACTIVE;
	s->role = r->noise_initiator ? SESSION_INITIATOR : SESSION_RESPONDER;
	s->pattern = r->pattern;
	s->version = r->version;
	s->suite = r->suite;
	s->created = hs->cfg.now;
	strcpy(s->self_jid, hs->self_bare);
	strcpy(s->peer_jid, r->peer_full);
	memcpy(s->peer_fpr, r->peer_fpr, FINGERPRINT_LEN);
	s->peer_device_id = r->device.id;
	memcpy(s->peer_device_key, r->device.pub, X25519_LEN);
	s->trust = r->level;
	s->flags = r->rs_mismatch ? TRUST_FLAG_RS_RESET : 0;
	memcpy(s->handshake_hash, r->handshake_hash, SESSION_HASH_LEN);
	memcpy(s->root_key, r->root_key, SESSION_KEY_LEN);
	memcpy(s->chain_key, r->chain_key, SESSION_KEY_LEN);
	s->has_own_ratchet = !r->noise_initiator;
	s->has_peer_ratchet = r->noise_initiator;
	if (!r->noise_initiator) {
		memcpy(s->own_ratchet_priv, r->r0_priv, X25519_LEN);
		memcpy(s->own_ratchet_pub, r->r0_pub, X25519_LEN);
	} else {
		memcpy(s->peer_ratchet_pub, r->r0_pub, X25519_LEN);
	}
	o->peer_jid = r->peer_bare;
	memcpy(o->fpr, r->peer_fpr, FINGERPRINT_LEN);
	o->device = r->device;
	o->device_known = r->device_known;
	o->set_flags = s->flags;
	o->replace_key = r->key_changed;
	o->anchored = r->anchored;
	memcpy(o->openpgp, r->openpgp, sizeof(o->openpgp));
	o->rs_mode = r->rs_mismatch ? SESSION_RS_PROVISIONAL : SESSION_RS_ROTATE;
	memcpy(o->new_rs, r->new_rs, SESSION_KEY_LEN);
	o->now = hs->cfg.now;
	return XE2E_OK;
}
