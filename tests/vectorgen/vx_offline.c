/*
 * offline.json: initial messages sealed to a prekey bundle (xe2e(7)
 * OFFLINE MESSAGES): alice@example.org seals her first stanza to the
 * bundle bob@example.org published; Bob opens it with his prekeys. Each
 * case has the bundle, the stanza's frame and associated data, the
 * initial message, the stanza on the wire, and what both sides derive.
 */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "offline.h"
#include "util.h"
#include "vx_bundle.h"
#include "vx_stanza.h"

#define ALICE_FULL "alice@example.org/phone"
#define BOB_FULL "bob@example.org/laptop"

struct vx_off_case {
	const char *name, *what;
	const char *form, *suite;
	size_t n_opk;
};

static const struct vx_off_case vx_off_cases[] = {
	{"full-bundle-one-time-prekey",
	 "a full bundle with two one-time prekeys: Alice picks one; ChaChaPoly", "full",
	 "chachapoly", 2},
	{"full-bundle-signed-prekey-only",
	 "a full bundle without one-time prekeys: the signed prekey alone; AESGCM", "full",
	 "aesgcm", 0},
	{"minimal-bundle",
	 "a minimal bundle: Alice knows Bob's fingerprint and device key from her trust "
	 "store and opens his sealed identity with them",
	 "minimal", "chachapoly", 2},
};

static const char vx_off_plain[] =
	"<message to='bob@example.org/laptop' from='alice@example.org/phone' type='chat' "
	"id='o1'><body>Are you there, Bob?</body></message>";

struct vx_off_run {
	struct vx_party alice, bob;
	struct vx_prekeys pk;
	struct bundle b;
	struct vx_plain plain;
	struct buf xml, frame, ad, wire, text;
	uint8_t fpr[FINGERPRINT_LEN];
	uint8_t suite;
	uint64_t now;
};

static void vx_keys_out(struct vx *v, cJSON *obj, const char *name, const struct offline_keys *k,
			int sender)
{
	cJSON *o = vx_obj(v, obj, name);

	vx_out_bytes(v, o, "session_id", k->session_id, OFFLINE_SESSION_ID_LEN);
	vx_out_bytes(v, o, "root_key", k->root_key, OFFLINE_KEY_LEN);
	vx_out_bytes(v, o, "chain_key", k->chain_key, OFFLINE_KEY_LEN);
	vx_out_bytes(v, o, "handshake_hash", k->handshake_hash, OFFLINE_HASH_LEN);
	vx_out_bytes(v, o, "r0_public", k->r0_pub, X25519_LEN);
	if (sender)
		vx_out_bytes(v, o, "r0_private", k->r0_priv, X25519_LEN);
}

/* The sender reads and verifies the bundle (a minimal one with what its
 * trust store knows of Bob: inputs known_fingerprint, known_device_public). */
static int vx_off_verify(struct vx *v, cJSON *c, struct vx_off_run *r)
{
	struct bundle_known known = {NULL, NULL};
	uint8_t fpr[FINGERPRINT_LEN], dev[X25519_LEN];
	size_t usable;

	VX_TRY(v, bundle_parse((const char *)r->xml.data, r->xml.len, &r->b), "bundle_parse");
	if (r->b.form == BUNDLE_MINIMAL) {
		memcpy(fpr, r->bob.id.id_fpr, sizeof(fpr));
		memcpy(dev, r->bob.id.binding.device_pub, sizeof(dev));
		vx_in_bytes(v, c, "known_fingerprint", fpr, sizeof(fpr));
		vx_in_bytes(v, c, "known_device_public", dev, sizeof(dev));
		known = (struct bundle_known){fpr, dev};
	}
	VX_TRY(v, bundle_verify(&r->b, r->bob.id.jid, &known, r->now, r->fpr, &usable),
	       "bundle_verify");
	return 0;
}

/* Alice picks a one-time prekey and seals the frame. */
static int vx_off_seal(struct vx *v, cJSON *m, struct vx_off_run *r)
{
	const struct bundle_prekey *opk = NULL;
	struct offline_peer peer;
	struct offline_keys keys;
	int err, sender_full;

	if (vx_frame_out(v, m, r->plain.node, &r->frame) ||
	    vx_ad_out(v, m, &r->plain.addr, r->alice.id.jid, r->bob.id.jid, &r->ad, &sender_full))
		return -1;
	vx_draws_begin(v, m);
	err = bundle_pick_opk(&r->b, &opk);
	if (!err)
		offline_peer_from_bundle(&r->b, r->fpr, opk, &peer);
	if (!err)
		err = offline_seal(&r->alice.id, &peer, r->suite, r->ad.data, r->ad.len,
				   sender_full, r->frame.data, r->frame.len, &r->wire, &keys);
	vx_draws_end(v);
	if (!err) {
		vx_wire(v, m, "initial_message", &r->wire);
		vx_keys_out(v, m, "sender_keys", &keys, 1);
	}
	wipe(&keys, sizeof(keys));
	VX_TRY(v, err, "offline_seal");
	return vx_sealed_out(v, m, &r->plain, r->wire.data, r->wire.len, NULL, 1, &r->text);
}

static void vx_off_header_out(struct vx *v, cJSON *m, const struct offline_header *h)
{
	cJSON *o = vx_obj(v, m, "header");
	uint8_t id[4];

	vx_out_u64(v, o, "version", h->version);
	vx_out_u64(v, o, "suite", h->suite);
	vx_out_u64(v, o, "flags", h->flags);
	put_be32(id, h->spk_id);
	vx_out_bytes(v, o, "spk_id", id, sizeof(id));
	put_be32(id, h->opk_id);
	vx_out_bytes(v, o, "opk_id", id, h->has_opk ? sizeof(id) : 0);
	vx_out_bytes(v, o, "ek", h->ek, X25519_LEN);
}

/* The private one-time prekey the header names, or NULL. */
static const uint8_t *vx_off_opk(const struct vx_off_run *r, const struct offline_header *h)
{
	for (size_t i = 0; h->has_opk && i < r->pk.n_opk; i++)
		if (r->pk.opk_id[i] == h->opk_id)
			return r->pk.opk_priv[i];
	return NULL;
}

/* Bob opens the stanza on the wire with his prekeys. */
static int vx_off_open(struct vx *v, cJSON *m, struct vx_off_run *r)
{
	struct offline_recipient rc = {&r->bob.id, r->pk.spk_priv, NULL};
	struct offline_header h;
	struct offline_sender from;
	struct offline_keys keys;
	struct vx_received rx;
	struct buf payload = BUF_INIT;
	int err;

	if (vx_received_parse(v, &r->text, 1, r->bob.id.jid, r->alice.id.jid, &rx))
		return -1;
	err = offline_header_parse(rx.sealed.env.wire.data, rx.sealed.env.wire.len, &h);
	if (!err) {
		vx_off_header_out(v, m, &h);
		rc.opk_priv = vx_off_opk(r, &h);
		err = offline_open_keys(&rc, rx.sealed.env.addr.from, rx.ad.data, rx.ad.len,
					rx.sealed.env.wire.data, rx.sealed.env.wire.len, r->now, &from, &keys,
					&payload);
	}
	if (!err) {
		vx_keys_out(v, m, "recipient_keys", &keys, 0);
		vx_out_str(v, m, "sender_jid", from.jid);
		vx_out_bytes(v, m, "sender_fingerprint", from.fpr, FINGERPRINT_LEN);
		err = vx_opened_out(v, m, &rx, &payload) ? XE2E_E_STATE : XE2E_OK;
	}
	wipe(&keys, sizeof(keys));
	buf_free(&payload);
	vx_received_free(&rx);
	VX_TRY(v, err, "opening the initial message");
	return 0;
}

static int vx_off_run(struct vx *v, cJSON *c, const struct vx_off_case *k, struct vx_off_run *r)
{
	char form[16], suite[16];
	cJSON *m;

	snprintf(form, sizeof(form), "%s", k->form);
	snprintf(suite, sizeof(suite), "%s", k->suite);
	vx_in_u64(v, c, "time", &r->now);
	vx_in_str(v, c, "form", form, sizeof(form));
	vx_in_str(v, c, "suite", suite, sizeof(suite));
	r->suite = strcmp(suite, "aesgcm") ? OFFLINE_SUITE_CHACHAPOLY : OFFLINE_SUITE_AESGCM;
	if (vx_party_in(v, vx_obj(v, c, "sender"), "alice", NULL, ALICE_FULL, r->now - 10 * 86400,
			NULL, &r->alice) ||
	    vx_party_in(v, vx_obj(v, c, "recipient"), "bob", NULL, BOB_FULL, r->now - 20 * 86400,
			NULL, &r->bob) ||
	    vx_bundle_out(v, c, &r->bob, strcmp(form, "minimal") ? BUNDLE_FULL : BUNDLE_MINIMAL,
			  k->n_opk, r->now, &r->pk, &r->xml) ||
	    vx_off_verify(v, c, r))
		return -1;
	m = vx_obj(v, c, "message");
	if (vx_plain_in(v, m, vx_off_plain, r->alice.id.jid, &r->plain) || vx_off_seal(v, m, r))
		return -1;
	return vx_off_open(v, m, r);
}

static void vx_off_free(struct vx_off_run *r)
{
	vx_party_free(&r->alice);
	vx_party_free(&r->bob);
	bundle_free(&r->b);
	vx_plain_free(&r->plain);
	buf_free(&r->xml);
	buf_free(&r->frame);
	buf_free(&r->ad);
	buf_free(&r->wire);
	buf_free(&r->text);
	wipe(&r->pk, sizeof(r->pk));
}

static void vx_off_case_run(struct vx *v, cJSON *cases, int index, const struct vx_off_case *k)
{
	cJSON *c = vx_case_begin(v, cases, index, k->name);
	struct vx_off_run r;

	memset(&r, 0, sizeof(r));
	bundle_init(&r.b);
	r.now = VX_T0;
	if (c) {
		vx_out_str(v, c, "description", k->what);
		vx_off_run(v, c, k, &r);
	}
	vx_off_free(&r);
	vx_case_end(v);
}

int vx_offline(struct vx *v, cJSON *root)
{
	cJSON *cases;

	vx_out_str(v, root, "description",
		   "initial messages to prekey bundles (xe2e(7) OFFLINE MESSAGES); fields: README");
	cases = vx_arr(v, root, "cases");
	for (size_t i = 0; i < sizeof(vx_off_cases) / sizeof(vx_off_cases[0]); i++)
		vx_off_case_run(v, cases, (int)i, &vx_off_cases[i]);
	return 0;
}
