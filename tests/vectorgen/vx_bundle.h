/* A prekey bundle of fixed keys for the vectors (xe2e(7) OFFLINE
 * MESSAGES "Bundles"), made by the library's bundle functions. */
#ifndef XE2E_VX_BUNDLE_H
#define XE2E_VX_BUNDLE_H

#include "bundle.h"
#include "vx_party.h"

#define VX_OPK_MAX 4

/* The private halves of a bundle's prekeys (the recipient's store). */
struct vx_prekeys {
	uint32_t spk_id;
	uint8_t spk_priv[X25519_LEN];
	size_t n_opk;
	uint32_t opk_id[VX_OPK_MAX];
	uint8_t opk_priv[VX_OPK_MAX][X25519_LEN];
};

/*
 * The object "prekeys" of obj (inputs: the signed prekey's id, private
 * key and times, each one-time prekey's id, private key and expiry;
 * outputs their public keys and the signature) and the bundle of owner
 * (form minimal or full) from them as output "bundle", its XML. n_opk is
 * the number of one-time prekeys when generating. xml gets the text the
 * sender reads.
 */
int vx_bundle_out(struct vx *v, cJSON *obj, const struct vx_party *owner, enum bundle_form form,
		  size_t n_opk, uint64_t now, struct vx_prekeys *pk, struct buf *xml);

#endif
