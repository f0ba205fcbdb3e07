/* Fixed parties and what they store (vx_party.h). */
#include "vx_party.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dh.h"
#include "err.h"
#include "util.h"

/* The private keys and times of a party, fixed by its label. */
static void vx_device_seed(const char *device_label, uint8_t dev_priv[static 32])
{
	char l[128];

	snprintf(l, sizeof(l), "%s device key", device_label);
	vx_seed(l, dev_priv, 32);
	dev_priv[0] &= 248; /* clamped, as x25519_keypair() makes them */
	dev_priv[31] = (uint8_t)((dev_priv[31] & 127) | 64);
}

static void vx_party_seed(const char *label, const char *device_label, uint8_t id_priv[static 32],
			  uint8_t dev_priv[static 32], struct device_binding *b)
{
	char l[128];

	snprintf(l, sizeof(l), "%s identity key", label);
	vx_seed(l, id_priv, 32);
	vx_device_seed(device_label ? device_label : label, dev_priv);
	snprintf(l, sizeof(l), "%s device id", label);
	vx_seed(l, b->device_id, IDENTITY_DEVICE_ID_LEN);
}

int vx_party_identity_key(const char *label, struct p256_key **key)
{
	uint8_t priv[32];
	char l[128];
	int err;

	snprintf(l, sizeof(l), "%s identity key", label);
	vx_seed(l, priv, sizeof(priv));
	err = p256_import_private(key, priv);
	wipe(priv, sizeof(priv));
	return err;
}

int vx_party_device_public(const char *device_label, uint8_t pub[static 32])
{
	uint8_t priv[32];
	int err;

	vx_device_seed(device_label, priv);
	err = x25519_public(pub, priv);
	wipe(priv, sizeof(priv));
	return err;
}

/* The inputs of a party (see vx_party_in). */
static void vx_party_inputs(struct vx *v, cJSON *obj, char *full, uint8_t id_priv[static 32],
			    struct identity *id)
{
	struct device_binding *b = &id->binding;

	vx_in_str(v, obj, "jid", b->jid, sizeof(b->jid));
	vx_in_str(v, obj, "full_jid", full, JID_MAX + 1);
	vx_in_bytes(v, obj, "identity_private", id_priv, 32);
	vx_in_bytes(v, obj, "device_private", id->device_priv, X25519_LEN);
	vx_in_bytes(v, obj, "device_id", b->device_id, IDENTITY_DEVICE_ID_LEN);
	vx_in_u64(v, obj, "binding_created", &b->created);
	vx_in_u64(v, obj, "binding_expires", &b->expires);
}

/* The public keys and the signed binding, by the library. */
static int vx_party_make(struct vx *v, uint8_t id_priv[static 32], struct identity *id)
{
	VX_TRY(v, p256_import_private(&id->id_key, id_priv), "the identity key");
	VX_TRY(v, p256_public(id->id_key, id->id_pub), "the identity public key");
	VX_TRY(v, p256_fingerprint(id->id_pub, id->id_fpr), "the fingerprint");
	VX_TRY(v, x25519_public(id->binding.device_pub, id->device_priv), "the device key");
	VX_TRY(v, identity_binding_sign(id->id_key, &id->binding), "the device binding");
	strcpy(id->jid, id->binding.jid);
	id->loaded = IDENTITY_LOAD_DEVICE_KEY | IDENTITY_LOAD_IDENTITY_KEY;
	return 0;
}

int vx_party_in(struct vx *v, cJSON *obj, const char *label, const char *device_label,
		const char *full_jid, uint64_t created, const struct buf *chain,
		struct vx_party *p)
{
	struct identity *id = &p->id;
	uint8_t id_priv[32];
	int err;

	memset(p, 0, sizeof(*p));
	*id = (struct identity)IDENTITY_INIT;
	vx_party_seed(label, device_label, id_priv, id->device_priv, &id->binding);
	snprintf(p->full, sizeof(p->full), "%s", full_jid);
	if (identity_jid_normalize(full_jid, id->binding.jid))
		abort();
	id->binding.created = created;
	id->binding.expires = created + IDENTITY_BINDING_LIFETIME;
	vx_party_inputs(v, obj, p->full, id_priv, id);
	if (chain) {
		buf_append(&id->chain_der, chain->data, chain->len);
		vx_in_buf(v, obj, "certificate_chain", &id->chain_der);
	}
	err = vx_party_make(v, id_priv, id);
	wipe(id_priv, sizeof(id_priv));
	if (err)
		return err;
	vx_out_bytes(v, obj, "identity_public", id->id_pub, P256_PUB_LEN);
	vx_out_bytes(v, obj, "fingerprint", id->id_fpr, FINGERPRINT_LEN);
	vx_out_bytes(v, obj, "device_public", id->binding.device_pub, X25519_LEN);
	vx_out_bytes(v, obj, "binding_signature", id->binding.sig, P256_SIG_LEN);
	return 0;
}

void vx_party_free(struct vx_party *p)
{
	identity_free(&p->id);
}

uint32_t vx_party_device_id(const struct vx_party *p)
{
	return load_be32(p->id.binding.device_id);
}

/* One trust entry: generate fills e from t, check reads it. */
struct vx_trust_fields {
	char jid[JID_MAX + 1];
	char level[16];
	uint8_t fpr[FINGERPRINT_LEN];
	uint8_t dev_id[4];
	struct trust_device dev;
};

static void vx_trust_fields(const struct vx_trusted *t, struct vx_trust_fields *e)
{
	const struct identity *id = &t->peer->id;

	snprintf(e->jid, sizeof(e->jid), "%s", id->jid);
	snprintf(e->level, sizeof(e->level), "%s", t->level);
	memcpy(e->fpr, id->id_fpr, FINGERPRINT_LEN);
	memcpy(e->dev_id, id->binding.device_id, 4);
	memcpy(e->dev.pub, t->device_pub ? t->device_pub : id->binding.device_pub, X25519_LEN);
	e->dev.created = t->device_pub ? t->device_created : id->binding.created;
	e->dev.expires = e->dev.created + IDENTITY_BINDING_LIFETIME;
}

static int vx_trust_one(struct vx *v, cJSON *item, struct vx_trust_fields *e, uint64_t now,
			struct trust_db *db)
{
	enum trust_level level;
	int err;

	vx_in_str(v, item, "jid", e->jid, sizeof(e->jid));
	vx_in_bytes(v, item, "fingerprint", e->fpr, FINGERPRINT_LEN);
	vx_in_str(v, item, "level", e->level, sizeof(e->level));
	vx_in_bytes(v, item, "device_id", e->dev_id, 4);
	vx_in_bytes(v, item, "device_public", e->dev.pub, X25519_LEN);
	vx_in_u64(v, item, "device_created", &e->dev.created);
	vx_in_u64(v, item, "device_expires", &e->dev.expires);
	e->dev.id = load_be32(e->dev_id);
	VX_TRY(v, trust_level_parse(e->level, &level), "a trust level");
	err = trust_peer_add(db, e->jid, e->fpr, level, now, NULL);
	if (err && err != XE2E_E_EXISTS)
		VX_TRY(v, err, "a trust entry");
	VX_TRY(v, trust_device_upsert(db, e->jid, e->fpr, &e->dev), "a trusted device");
	return 0;
}

int vx_trust_in(struct vx *v, cJSON *obj, const struct vx_trusted *t, size_t n, uint64_t now,
		struct trust_db *db)
{
	cJSON *arr = vx_arr(v, obj, "trust");
	int count = v->check ? vx_count(v, arr) : (int)n;

	for (int i = 0; i < count; i++) {
		struct vx_trust_fields e;
		cJSON *item = vx_item(v, arr, i);

		memset(&e, 0, sizeof(e));
		if (!v->check)
			vx_trust_fields(&t[i], &e);
		if (!item || vx_trust_one(v, item, &e, now, db))
			return -1;
	}
	return 0;
}

/* One slot: "" when empty. */
static void vx_slot_in(struct vx *v, cJSON *item, const char *name, const uint8_t *gen,
		       struct rs_entry *e, enum rs_slot slot)
{
	struct buf b = BUF_INIT;

	if (gen)
		buf_append(&b, gen, RS_LEN);
	vx_in_buf(v, item, name, &b);
	if (b.len == RS_LEN) {
		memcpy(e->secret[slot], b.data, RS_LEN);
		e->present |= 1u << slot;
	} else if (b.len) {
		vx_fail(v, "a retained secret of %zu bytes", b.len);
	}
	buf_free(&b);
}

int vx_retained_in(struct vx *v, cJSON *obj, const struct vx_retained *r, size_t n,
		   struct rs_db *db)
{
	cJSON *arr = vx_arr(v, obj, "retained");
	int count = v->check ? vx_count(v, arr) : (int)n;

	db->entries = calloc(count > 0 ? (size_t)count : 1, sizeof(*db->entries));
	if (!db->entries)
		abort();
	for (int i = 0; i < count; i++) {
		struct rs_entry *e = &db->entries[db->n++];
		cJSON *item = vx_item(v, arr, i);
		uint8_t dev_id[4] = {0};

		if (!item)
			return -1;
		if (!v->check) {
			memcpy(e->fpr, r[i].peer->id.id_fpr, FINGERPRINT_LEN);
			memcpy(dev_id, r[i].peer->id.binding.device_id, 4);
		}
		vx_in_bytes(v, item, "fingerprint", e->fpr, FINGERPRINT_LEN);
		vx_in_bytes(v, item, "device_id", dev_id, 4);
		e->device_id = load_be32(dev_id);
		vx_slot_in(v, item, "rs1", v->check ? NULL : r[i].rs1, e, RS_SLOT_RS1);
		vx_slot_in(v, item, "rs2", v->check ? NULL : r[i].rs2, e, RS_SLOT_RS2);
		vx_slot_in(v, item, "provisional", v->check ? NULL : r[i].provisional, e,
			   RS_SLOT_PROVISIONAL);
	}
	return 0;
}
