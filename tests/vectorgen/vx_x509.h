/* A fixed certificate authority for the kind 2 credential (vx_x509.c). */
#ifndef XE2E_VX_X509_H
#define XE2E_VX_X509_H

#include "buf.h"
#include "sig.h"
#include "vx.h"

#define VX_CA_NAME "CN=xe2e test vectors CA,O=xe2e"
#define VX_INTERMEDIATE_NAME "CN=xe2e test vectors intermediate CA,O=xe2e"

/* The CA's certificate (ca_der) and a leaf for leaf_key naming jid
 * (chain: the leaf, then the intermediate CA that issued it; the
 * CA is the anchor). Generate mode only. */
int vx_x509_make(struct p256_key *leaf_key, const char *jid, struct buf *ca_der,
		 struct buf *chain);

#endif
