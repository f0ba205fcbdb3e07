/*
 * The fixed parties of the vectors: an identity (P-256 identity key,
 * X25519 device key, device binding) made in memory from fixed private
 * keys by the library's own functions, and what a party has stored about
 * others (trust store entries, retained secrets), as in xe2e(7) KEYS and
 * TRUST STORE.
 */
#ifndef XE2E_VX_PARTY_H
#define XE2E_VX_PARTY_H

#include "identity.h"
#include "secrets.h"
#include "trust.h"
#include "vx.h"

struct vx_party {
	char full[JID_MAX + 1]; /* the JID with its resource, as 'from' says */
	struct identity id;     /* device and identity keys loaded */
};

/*
 * The party of label (e.g. "alice") in obj, its device key that of
 * device_label (NULL: label; another label is a rotated device key, the
 * device id staying that of label): inputs jid, full_jid,
 * identity_private, device_private, device_id, binding_created,
 * binding_expires; outputs identity_public, fingerprint, device_public,
 * binding_signature. chain (may be NULL or empty) is a CA-issued
 * certificate chain for the identity key, leaf first (an input too).
 * Returns -1 after a failure.
 */
int vx_party_in(struct vx *v, cJSON *obj, const char *label, const char *device_label,
		const char *full_jid, uint64_t created, const struct buf *chain,
		struct vx_party *p);

/* The identity key of label, or the public device key of device_label, as
 * vx_party_in() makes them (generate mode, for inputs of other parties). */
int vx_party_identity_key(const char *label, struct p256_key **key);
int vx_party_device_public(const char *device_label, uint8_t pub[static 32]);

void vx_party_free(struct vx_party *p);

/* A trust store entry as a case states it. */
struct vx_trusted {
	const struct vx_party *peer; /* generate: whose identity and device */
	const char *level;           /* "tofu", "verified", ... */
	const uint8_t *device_pub;   /* another device key than peer's, or NULL */
	uint64_t device_created;     /* with device_pub */
};

/* The array "trust" of obj (inputs: jid, fingerprint, level, device_id,
 * device_public, device_created, device_expires) into db. */
int vx_trust_in(struct vx *v, cJSON *obj, const struct vx_trusted *t, size_t n,
		uint64_t now, struct trust_db *db);

/* A retained-secret entry: the peer's slots. */
struct vx_retained {
	const struct vx_party *peer;
	const uint8_t *rs1, *rs2, *provisional; /* NULL: empty slot */
};

/* The array "retained" of obj (inputs: fingerprint, device_id, rs1, rs2,
 * provisional; "" for an empty slot) into db. */
int vx_retained_in(struct vx *v, cJSON *obj, const struct vx_retained *r, size_t n,
		   struct rs_db *db);

/* The device id of a party as a number. */
uint32_t vx_party_device_id(const struct vx_party *p);

#endif
