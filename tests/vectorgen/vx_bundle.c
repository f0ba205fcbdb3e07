/* Prekey bundles of fixed keys (vx_bundle.h). */
#include "vx_bundle.h"

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "prekey.h"
#include "util.h"

/* An X25519 private key of label, clamped as x25519_keypair() makes it. */
static void vx_x25519_seed(const char *label, uint8_t priv[static X25519_LEN])
{
	vx_seed(label, priv, X25519_LEN);
	priv[0] &= 248;
	priv[31] = (uint8_t)((priv[31] & 127) | 64);
}

/* A non-zero prekey id of label. */
static uint32_t vx_id_seed(const char *label)
{
	uint8_t b[4];

	vx_seed(label, b, sizeof(b));
	return load_be32(b) ? load_be32(b) : 1;
}

static int vx_spk_in(struct vx *v, cJSON *o, const struct vx_party *owner, uint64_t now,
		     struct vx_prekeys *pk, struct bundle *b)
{
	uint8_t id[4];

	pk->spk_id = vx_id_seed("signed prekey id");
	vx_x25519_seed("signed prekey", pk->spk_priv);
	b->spk_created = now - 86400;
	put_be32(id, pk->spk_id);
	vx_in_bytes(v, o, "spk_id", id, sizeof(id));
	vx_in_bytes(v, o, "spk_private", pk->spk_priv, X25519_LEN);
	vx_in_u64(v, o, "spk_created", &b->spk_created);
	b->spk_id = pk->spk_id = load_be32(id);
	b->spk_expires = b->spk_created + PREKEY_SPK_LIFETIME;
	vx_in_u64(v, o, "spk_expires", &b->spk_expires);
	VX_TRY(v, x25519_public(b->spk_pub, pk->spk_priv), "the signed prekey");
	VX_TRY(v, bundle_spk_sign(owner->id.id_key, owner->id.jid, b->device_id, b->spk_id,
				  b->spk_pub, b->spk_created, b->spk_expires, b->spk_sig),
	       "the signed prekey's signature");
	vx_out_bytes(v, o, "spk_public", b->spk_pub, X25519_LEN);
	vx_out_bytes(v, o, "spk_signature", b->spk_sig, P256_SIG_LEN);
	return 0;
}

static int vx_opk_in(struct vx *v, cJSON *item, int i, uint64_t now, struct vx_prekeys *pk,
		     struct bundle_prekey *o)
{
	char label[64];
	uint8_t id[4];

	snprintf(label, sizeof(label), "one-time prekey id %d", i);
	put_be32(id, vx_id_seed(label));
	snprintf(label, sizeof(label), "one-time prekey %d", i);
	vx_x25519_seed(label, pk->opk_priv[i]);
	o->expires = now - 86400 + PREKEY_OPK_LIFETIME;
	vx_in_bytes(v, item, "id", id, sizeof(id));
	vx_in_bytes(v, item, "private", pk->opk_priv[i], X25519_LEN);
	vx_in_u64(v, item, "expires", &o->expires);
	o->id = pk->opk_id[i] = load_be32(id);
	VX_TRY(v, x25519_public(o->pub, pk->opk_priv[i]), "a one-time prekey");
	vx_out_bytes(v, item, "public", o->pub, X25519_LEN);
	return 0;
}

/* The owner's identity and device in the bundle (full form), or its
 * sealed identity (minimal form: a random salt). */
static int vx_bundle_identity(struct vx *v, cJSON *obj, const struct vx_party *owner,
			      struct bundle *b)
{
	const struct device_binding *bd = &owner->id.binding;
	int err = 0;

	memcpy(b->id_pub, owner->id.id_pub, P256_PUB_LEN);
	memcpy(b->device_pub, bd->device_pub, X25519_LEN);
	b->binding_created = bd->created;
	b->binding_expires = bd->expires;
	memcpy(b->binding_sig, bd->sig, P256_SIG_LEN);
	if (b->form == BUNDLE_MINIMAL) {
		vx_draws_begin(v, obj);
		err = bundle_seal_identity(b, owner->id.id_pub);
		vx_draws_end(v);
	}
	VX_TRY(v, err, "the sealed identity");
	return 0;
}

int vx_bundle_out(struct vx *v, cJSON *obj, const struct vx_party *owner, enum bundle_form form,
		  size_t n_opk, uint64_t now, struct vx_prekeys *pk, struct buf *xml)
{
	cJSON *o = vx_obj(v, obj, "prekeys"), *arr;
	struct bundle b;
	int n, err = 0;

	bundle_init(&b);
	b.form = form;
	strcpy(b.jid, owner->id.jid);
	b.device_id = vx_party_device_id(owner);
	if (vx_spk_in(v, o, owner, now, pk, &b))
		return -1;
	arr = vx_arr(v, o, "one_time");
	n = v->check ? vx_count(v, arr) : (int)n_opk;
	for (int i = 0; i < n && i < VX_OPK_MAX && !err; i++) {
		cJSON *item = vx_item(v, arr, i);

		err = item ? vx_opk_in(v, item, i, now, pk, &b.opk[i]) : -1;
		pk->n_opk = b.n_opk = (size_t)i + 1;
	}
	if (!err)
		err = vx_bundle_identity(v, obj, owner, &b);
	buf_clear(xml);
	if (!err && (err = bundle_format(&b, xml)) != 0)
		vx_fail_err(v, err, "bundle_format");
	if (!err)
		vx_wire_str(v, obj, "bundle", xml);
	bundle_free(&b);
	return err ? -1 : 0;
}
