/* The offline construction, both sides (see offline.h). */
#include "offline.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "hash.h"
#include "noise.h"
#include "util.h"

#define C1_LEN (OFFLINE_CRED_LEN + OFFLINE_TAG_LEN)

enum aead_cipher offline_suite_cipher(uint8_t suite)
{
	if (suite == OFFLINE_SUITE_CHACHAPOLY)
		return AEAD_CHACHAPOLY;
	if (suite == OFFLINE_SUITE_AESGCM)
		return AEAD_AES256GCM;
	return (enum aead_cipher)0;
}

static const char *suite_name(uint8_t suite)
{
	return suite == OFFLINE_SUITE_AESGCM ? OFFLINE_NAME_AESGCM : OFFLINE_NAME_CHACHAPOLY;
}

void offline_peer_from_bundle(const struct bundle *b, const uint8_t fpr[static FINGERPRINT_LEN],
			      const struct bundle_prekey *opk, struct offline_peer *peer)
{
	memset(peer, 0, sizeof(*peer));
	strcpy(peer->jid, b->jid);
	memcpy(peer->fpr, fpr, FINGERPRINT_LEN);
	memcpy(peer->device_pub, b->device_pub, X25519_LEN);
	peer->spk_id = b->spk_id;
	memcpy(peer->spk_pub, b->spk_pub, X25519_LEN);
	peer->has_opk = opk != NULL;
	if (opk) {
		peer->opk_id = opk->id;
		memcpy(peer->opk_pub, opk->pub, X25519_LEN);
	}
}

/* ---- shared steps ---- */

/* What both sides mix into h before EK. */
struct transcript {
	const uint8_t *ad;
	size_t ad_len;
	const char *sender_jid;
	const char *recipient_jid;
	const uint8_t *fpr_b;
	const uint8_t *dk_b;
	uint32_t spk_id;
	const uint8_t *spk;
	int has_opk;
	uint32_t opk_id;
	const uint8_t *opk;
};

static int transcript_start(struct noise_symmetricstate *ss, uint8_t suite,
			    const struct transcript *t)
{
	struct buf p = BUF_INIT;
	int err = noise_symmetricstate_init(ss, suite_name(suite), offline_suite_cipher(suite),
					    HASH_SHA256);

	if (!err)
		err = buf_append_lp16(&p, t->sender_jid, strlen(t->sender_jid));
	if (!err)
		err = buf_append_lp16(&p, t->recipient_jid, strlen(t->recipient_jid));
	if (!err)
		err = buf_append(&p, t->fpr_b, FINGERPRINT_LEN);
	if (!err)
		err = buf_append(&p, t->dk_b, X25519_LEN);
	if (!err)
		err = buf_append_u32(&p, t->spk_id);
	if (!err)
		err = buf_append(&p, t->spk, X25519_LEN);
	if (!err)
		err = buf_append_byte(&p, t->has_opk ? 1 : 0);
	if (!err && t->has_opk)
		err = buf_append_u32(&p, t->opk_id);
	if (!err && t->has_opk)
		err = buf_append(&p, t->opk, X25519_LEN);
	if (!err)
		err = noise_symmetricstate_mix_hash(ss, p.data, p.len);
	if (!err)
		err = noise_symmetricstate_mix_hash(ss, t->ad ? t->ad : (const uint8_t *)"",
						    t->ad_len);
	buf_free(&p);
	return err;
}

static int derive(const uint8_t *ck, const char *label, uint8_t *out, size_t n)
{
	return hkdf(HASH_SHA256, NULL, 0, ck, OFFLINE_HASH_LEN, label, strlen(label), out, n);
}

static int keys_derive(const struct noise_symmetricstate *ss, struct offline_keys *k)
{
	int err = derive(ss->ck, OFFLINE_LABEL_ROOT, k->root_key, OFFLINE_KEY_LEN);

	if (!err)
		err = derive(ss->ck, OFFLINE_LABEL_CHAIN, k->chain_key, OFFLINE_KEY_LEN);
	if (!err)
		err = derive(ss->ck, OFFLINE_LABEL_SESSION_ID, k->session_id,
			     OFFLINE_SESSION_ID_LEN);
	if (!err)
		memcpy(k->handshake_hash, ss->h, OFFLINE_HASH_LEN);
	return err;
}

static void header_write(const struct offline_header *h, uint8_t *out, size_t *len)
{
	size_t n = 0;

	out[n++] = h->version;
	out[n++] = h->suite;
	out[n++] = h->flags;
	put_be32(out + n, h->spk_id);
	n += 4;
	if (h->has_opk) {
		put_be32(out + n, h->opk_id);
		n += 4;
	}
	memcpy(out + n, h->ek, X25519_LEN);
	*len = n + X25519_LEN;
}

int offline_header_parse(const uint8_t *msg, size_t len, struct offline_header *hdr)
{
	size_t need = OFFLINE_MIN_LEN;

	memset(hdr, 0, sizeof(*hdr));
	if (len < 3)
		goto short_msg;
	if (msg[0] != OFFLINE_VERSION) {
		err_detail_set("initial message of version %u", msg[0]);
		return XE2E_E_UNSUPPORTED;
	}
	if (!offline_suite_cipher(msg[1])) {
		err_detail_set("initial message in unknown suite %u", msg[1]);
		return XE2E_E_UNSUPPORTED;
	}
	if (msg[2] & ~(OFFLINE_FLAG_OPK | OFFLINE_FLAG_SENDER_FULL)) {
		err_detail_set("initial message with unknown flags");
		return XE2E_E_MALFORMED;
	}
	hdr->version = msg[0];
	hdr->suite = msg[1];
	hdr->flags = msg[2];
	hdr->has_opk = msg[2] & OFFLINE_FLAG_OPK;
	hdr->sender_full = !!(msg[2] & OFFLINE_FLAG_SENDER_FULL);
	need += hdr->has_opk ? 4 : 0;
	if (len < need)
		goto short_msg;
	hdr->spk_id = load_be32(msg + 3);
	hdr->opk_id = hdr->has_opk ? load_be32(msg + 7) : 0;
	memcpy(hdr->ek, msg + 7 + (hdr->has_opk ? 4 : 0), X25519_LEN);
	if (hdr->spk_id == 0 || (hdr->has_opk && hdr->opk_id == 0)) {
		err_detail_set("initial message with a zero prekey id");
		return XE2E_E_MALFORMED;
	}
	return bundle_x25519_check(hdr->ek);
short_msg:
	err_detail_set("initial message of %zu bytes is too short", len);
	return XE2E_E_MALFORMED;
}

static size_t header_len(const struct offline_header *h)
{
	return OFFLINE_HEAD_LEN + (h->has_opk ? 4 : 0);
}

/* ---- the credential ---- */

static void cred_encode(const struct identity *self, uint8_t out[static OFFLINE_CRED_LEN])
{
	uint8_t *p = out;

	*p++ = OFFLINE_CRED_KIND;
	memcpy(p, self->binding.device_pub, X25519_LEN);
	p += X25519_LEN;
	memcpy(p, self->id_pub, P256_PUB_LEN);
	p += P256_PUB_LEN;
	memcpy(p, self->binding.device_id, IDENTITY_DEVICE_ID_LEN);
	p += IDENTITY_DEVICE_ID_LEN;
	put_be64(p, self->binding.created);
	put_be64(p + 8, self->binding.expires);
	memcpy(p + 16, self->binding.sig, P256_SIG_LEN);
}

/* Decodes the credential into sender (binding.jid left for the caller). */
static int cred_decode(const uint8_t in[static OFFLINE_CRED_LEN], struct offline_sender *s)
{
	const uint8_t *p = in + 1;

	if (in[0] != OFFLINE_CRED_KIND) {
		err_detail_set("credential of kind %u", in[0]);
		return XE2E_E_UNSUPPORTED;
	}
	memcpy(s->binding.device_pub, p, X25519_LEN);
	p += X25519_LEN;
	memcpy(s->id_pub, p, P256_PUB_LEN);
	p += P256_PUB_LEN;
	memcpy(s->binding.device_id, p, IDENTITY_DEVICE_ID_LEN);
	p += IDENTITY_DEVICE_ID_LEN;
	s->binding.created = load_be64(p);
	s->binding.expires = load_be64(p + 8);
	memcpy(s->binding.sig, p + 16, P256_SIG_LEN);
	return XE2E_OK;
}

/* ---- sender ---- */

struct seal_state {
	struct noise_symmetricstate ss;
	uint8_t ek[X25519_LEN];
	uint8_t head[OFFLINE_HEAD_LEN + 4];
	size_t head_len;
	uint8_t *pt; /* r0 | payload */
	size_t pt_len;
};

static int seal_check(const struct identity *self, uint8_t suite, size_t len)
{
	if (!offline_suite_cipher(suite)) {
		err_detail_set("unknown suite %u", suite);
		return XE2E_E_UNSUPPORTED;
	}
	if (len > OFFLINE_PAYLOAD_MAX) {
		err_detail_set("a first payload of more than %u bytes", OFFLINE_PAYLOAD_MAX);
		return XE2E_E_LIMIT;
	}
	if (!(self->loaded & IDENTITY_LOAD_DEVICE_KEY)) {
		err_detail_set("the device key is not loaded");
		return XE2E_E_STATE;
	}
	return XE2E_OK;
}

static int seal_start(struct seal_state *st, const struct identity *self,
		      const struct offline_peer *peer, uint8_t suite, const uint8_t *ad,
		      size_t ad_len, int sender_full)
{
	struct offline_header h;
	struct transcript t = {ad, ad_len, self->jid, peer->jid, peer->fpr, peer->device_pub, peer->spk_id,
			       peer->spk_pub, peer->has_opk, peer->opk_id, peer->opk_pub};
	int err;

	memset(&h, 0, sizeof(h));
	err = x25519_keypair(st->ek, h.ek);
	h.version = OFFLINE_VERSION;
	h.suite = suite;
	h.flags = (uint8_t)((peer->has_opk ? OFFLINE_FLAG_OPK : 0) |
			    (sender_full ? OFFLINE_FLAG_SENDER_FULL : 0));
	h.spk_id = peer->spk_id;
	h.has_opk = peer->has_opk;
	h.opk_id = peer->opk_id;
	header_write(&h, st->head, &st->head_len);
	if (!err)
		err = transcript_start(&st->ss, suite, &t);
	if (!err)
		err = noise_symmetricstate_mix_hash(&st->ss, h.ek, X25519_LEN);
	if (!err)
		err = noise_symmetricstate_mix_dh(&st->ss, st->ek, peer->spk_pub);
	if (!err && peer->has_opk)
		err = noise_symmetricstate_mix_dh(&st->ss, st->ek, peer->opk_pub);
	if (!err)
		err = noise_symmetricstate_mix_dh(&st->ss, st->ek, peer->device_pub);
	return err;
}

/* Appends EncryptAndHash(pt) to msg. */
static int seal_part(struct noise_symmetricstate *ss, const uint8_t *pt, size_t n, struct buf *msg)
{
	size_t start = msg->len, got = 0;
	int err = buf_reserve(msg, n + OFFLINE_TAG_LEN);

	if (!err)
		err = noise_symmetricstate_encrypt_and_hash(ss, pt, n, msg->data + start,
							    n + OFFLINE_TAG_LEN, &got);
	if (!err)
		msg->len = start + got;
	return err;
}

static int seal_rest(struct seal_state *st, const struct identity *self,
		     const struct offline_peer *peer, struct buf *msg)
{
	uint8_t cred[OFFLINE_CRED_LEN];
	int err = buf_append(msg, st->head, st->head_len);

	cred_encode(self, cred);
	if (!err)
		err = seal_part(&st->ss, cred, sizeof(cred), msg);
	if (!err)
		err = noise_symmetricstate_mix_dh(&st->ss, self->device_priv, peer->spk_pub);
	if (!err)
		err = noise_symmetricstate_mix_dh(&st->ss, self->device_priv, peer->device_pub);
	if (!err)
		err = seal_part(&st->ss, st->pt, st->pt_len, msg);
	return err;
}

int offline_seal(const struct identity *self, const struct offline_peer *peer, uint8_t suite,
		 const uint8_t *ad, size_t ad_len, int sender_full, const uint8_t *payload,
		 size_t len, struct buf *msg, struct offline_keys *keys)
{
	struct seal_state st;
	size_t start = msg->len;
	int err = seal_check(self, suite, len);

	memset(&st, 0, sizeof(st));
	memset(keys, 0, sizeof(*keys));
	if (!err && !(st.pt = malloc(X25519_LEN + len + 1)))
		err = XE2E_E_NOMEM;
	if (!err)
		err = x25519_keypair(keys->r0_priv, keys->r0_pub);
	if (err)
		goto out;
	memcpy(st.pt, keys->r0_pub, X25519_LEN);
	if (len)
		memcpy(st.pt + X25519_LEN, payload, len);
	st.pt_len = X25519_LEN + len;
	err = seal_start(&st, self, peer, suite, ad, ad_len, sender_full);
	if (!err)
		err = seal_rest(&st, self, peer, msg);
	if (!err)
		err = keys_derive(&st.ss, keys);
	keys->suite = suite;
out:
	if (st.pt) {
		wipe(st.pt, st.pt_len);
		free(st.pt);
	}
	if (err) {
		wipe(keys, sizeof(*keys));
		if (msg->len > start)
			wipe(msg->data + start, msg->len - start);
		msg->len = start;
	}
	noise_symmetricstate_wipe(&st.ss);
	wipe(st.ek, sizeof(st.ek));
	return err;
}

/* ---- recipient ---- */

struct open_state {
	struct noise_symmetricstate ss;
	struct offline_header h;
	uint8_t spk_pub[X25519_LEN];
	uint8_t opk_pub[X25519_LEN];
	uint8_t cred[OFFLINE_CRED_LEN];
	uint8_t *pt; /* r0 | payload */
	size_t pt_len;
};

static int open_check(const struct offline_recipient *r, const struct offline_header *h)
{
	if (!(r->self->loaded & IDENTITY_LOAD_DEVICE_KEY)) {
		err_detail_set("the device key is not loaded");
		return XE2E_E_STATE;
	}
	if (!h->has_opk != !r->opk_priv) {
		err_detail_set("the one-time prekey does not match the message");
		return XE2E_E_STATE;
	}
	return XE2E_OK;
}

static int open_start(struct open_state *st, const struct offline_recipient *r,
		      const char *sender_jid, const uint8_t *ad, size_t ad_len)
{
	const struct identity *self = r->self;
	struct transcript t = {ad, ad_len, sender_jid, self->jid, self->id_fpr, self->binding.device_pub,
			       st->h.spk_id, st->spk_pub, st->h.has_opk, st->h.opk_id, st->opk_pub};
	int err = x25519_public(st->spk_pub, r->spk_priv);

	if (!err && r->opk_priv)
		err = x25519_public(st->opk_pub, r->opk_priv);
	if (!err)
		err = transcript_start(&st->ss, st->h.suite, &t);
	if (!err)
		err = noise_symmetricstate_mix_hash(&st->ss, st->h.ek, X25519_LEN);
	if (!err)
		err = noise_symmetricstate_mix_dh(&st->ss, r->spk_priv, st->h.ek);
	if (!err && r->opk_priv)
		err = noise_symmetricstate_mix_dh(&st->ss, r->opk_priv, st->h.ek);
	if (!err)
		err = noise_symmetricstate_mix_dh(&st->ss, self->device_priv, st->h.ek);
	return err;
}

static int open_parts(struct open_state *st, const struct offline_recipient *r,
		      const uint8_t *msg, size_t len, struct offline_sender *s)
{
	size_t off = header_len(&st->h), got = 0;
	int err = noise_symmetricstate_decrypt_and_hash(&st->ss, msg + off, C1_LEN, st->cred,
							sizeof(st->cred), &got);

	if (!err)
		err = cred_decode(st->cred, s);
	if (!err)
		err = bundle_x25519_check(s->binding.device_pub);
	if (!err)
		err = noise_symmetricstate_mix_dh(&st->ss, r->spk_priv, s->binding.device_pub);
	if (!err)
		err = noise_symmetricstate_mix_dh(&st->ss, r->self->device_priv, s->binding.device_pub);
	off += C1_LEN;
	if (!err && !(st->pt = malloc(len - off)))
		err = XE2E_E_NOMEM;
	if (!err)
		err = noise_symmetricstate_decrypt_and_hash(&st->ss, msg + off, len - off, st->pt,
							    len - off, &st->pt_len);
	if (err == XE2E_E_AUTH)
		err_detail_set("the initial message does not decrypt (tampered, or not for "
			       "this device)");
	return err;
}

static int refuse_trust(const char *what, const char *jid)
{
	err_detail_set("%s of %s", what, jid);
	return XE2E_E_TRUST;
}

/* The credential, once the payload's tag proved the sender holds DK_A. */
static int sender_verify(struct offline_sender *s, uint64_t now)
{
	int err;

	if (p256_check_public(s->id_pub) || p256_fingerprint(s->id_pub, s->fpr))
		return refuse_trust("an invalid identity key in the credential", s->jid);
	strcpy(s->binding.jid, s->jid);
	err = identity_binding_verify(s->id_pub, &s->binding, now);
	if (err == XE2E_E_EXPIRED)
		err_detail_set("the device binding of %s expired", s->jid);
	else if (err)
		err = refuse_trust("a device binding that does not verify", s->jid);
	return err;
}

int offline_open_keys(const struct offline_recipient *r, const char *sender_jid,
		      const uint8_t *ad, size_t ad_len, const uint8_t *msg, size_t len,
		      uint64_t now, struct offline_sender *sender, struct offline_keys *keys,
		      struct buf *payload)
{
	struct open_state st;
	int err;

	memset(&st, 0, sizeof(st));
	memset(sender, 0, sizeof(*sender));
	memset(keys, 0, sizeof(*keys));
	err = offline_header_parse(msg, len, &st.h);
	if (!err)
		err = open_check(r, &st.h);
	if (!err)
		err = identity_jid_normalize(sender_jid, sender->jid);
	if (!err)
		err = open_start(&st, r, sender->jid, ad, ad_len);
	if (!err)
		err = open_parts(&st, r, msg, len, sender);
	if (!err)
		err = keys_derive(&st.ss, keys);
	if (!err)
		err = sender_verify(sender, now);
	if (!err)
		memcpy(keys->r0_pub, st.pt, X25519_LEN);
	if (!err)
		err = bundle_x25519_check(keys->r0_pub);
	keys->suite = st.h.suite;
	if (!err)
		err = buf_append(payload, st.pt + X25519_LEN, st.pt_len - X25519_LEN);
	if (st.pt) {
		wipe(st.pt, st.pt_len);
		free(st.pt);
	}
	if (err)
		wipe(keys, sizeof(*keys));
	noise_symmetricstate_wipe(&st.ss);
	wipe(st.cred, sizeof(st.cred));
	return err;
}

/* ---- with the prekey store ---- */

struct open_ctx {
	const struct identity *self;
	const char *sender_jid;
	const uint8_t *ad;
	size_t ad_len;
	const uint8_t *msg;
	size_t len;
	uint64_t now;
	offline_accept_fn accept;
	void *arg;
	struct offline_received *rcv;
	struct buf pt;
};

/* The replay cache's tag of the sender, by its normalised bare JID. */
struct seen_sender {
	char jid[JID_MAX + 1];
	uint8_t tag[PREKEY_SENDER_LEN];
	uint32_t quota;
};

static int seen_sender_of(const char *sender_jid, struct seen_sender *s)
{
	int err = prekey_seen_quota(&s->quota);

	if (!err)
		err = identity_jid_normalize(sender_jid, s->jid);
	if (!err)
		err = prekey_sender_tag(s->jid, s->tag);
	return err;
}

/* Finds the keys the header names, refusing replays, and a sender over its
 * quota (by the JID it claims, which the message must then prove), before
 * any DH. */
static int lookup(struct prekey_store *st, const struct offline_header *h,
		  const struct seen_sender *who, const struct prekey_spk **spk,
		  const struct prekey_opk **opk)
{
	*spk = prekey_spk_find(st, h->spk_id);
	*opk = NULL;
	if (!*spk) {
		err_detail_set("expired prekey: signed prekey %08x is unknown or expired",
			       (unsigned)h->spk_id);
		return XE2E_E_EXPIRED;
	}
	if (h->has_opk && prekey_opk_was_used(st, h->opk_id)) {
		err_detail_set("one-time prekey %08x was used before: replayed initial message",
			       (unsigned)h->opk_id);
		return XE2E_E_REPLAY;
	}
	if (h->has_opk && !(*opk = prekey_opk_find(st, h->opk_id))) {
		err_detail_set("expired prekey: one-time prekey %08x is unknown or expired",
			       (unsigned)h->opk_id);
		return XE2E_E_EXPIRED;
	}
	if (!h->has_opk && prekey_seen_has(st, h->spk_id, h->ek)) {
		err_detail_set("this initial message was accepted before: replayed");
		return XE2E_E_REPLAY;
	}
	if (!h->has_opk)
		return prekey_seen_room(st, who->tag, who->quota, who->jid);
	return XE2E_OK;
}

static int open_locked(struct prekey_store *st, void *arg)
{
	struct open_ctx *c = arg;
	struct offline_received *rcv = c->rcv;
	const struct prekey_spk *spk;
	const struct prekey_opk *opk;
	struct offline_recipient r;
	struct seen_sender who;
	int err = offline_header_parse(c->msg, c->len, &rcv->hdr);

	if (!err)
		err = seen_sender_of(c->sender_jid, &who);
	if (!err)
		err = lookup(st, &rcv->hdr, &who, &spk, &opk);
	if (err)
		return err;
	r.self = c->self;
	r.spk_priv = spk->priv;
	r.opk_priv = opk ? opk->priv : NULL;
	err = offline_open_keys(&r, c->sender_jid, c->ad, c->ad_len, c->msg, c->len, c->now,
				&rcv->sender, &rcv->keys, &c->pt);
	if (!err && c->accept)
		err = c->accept(c->arg, rcv);
	/* The sender is authenticated now: the JID it claimed is its own. */
	if (!err)
		err = rcv->hdr.has_opk ? prekey_opk_consume(st, rcv->hdr.opk_id)
				       : prekey_seen_add(st, rcv->hdr.spk_id, rcv->hdr.ek, who.tag,
							 who.quota, rcv->sender.jid);
	return err;
}

int offline_open(const char *prekey_path, const struct identity *self, const char *sender_jid,
		 const uint8_t *ad, size_t ad_len, const uint8_t *msg, size_t len, uint64_t now,
		 offline_accept_fn accept, void *arg, struct offline_received *rcv,
		 struct buf *payload)
{
	struct open_ctx c = {self, sender_jid, ad, ad_len, msg, len, now, accept, arg, rcv,
			     BUF_INIT};
	int err;

	memset(rcv, 0, sizeof(*rcv));
	err = prekey_update(prekey_path, now, open_locked, &c);
	if (!err)
		err = buf_append(payload, c.pt.data, c.pt.len);
	if (err)
		wipe(rcv, sizeof(*rcv));
	buf_free(&c.pt);
	return err;
}
