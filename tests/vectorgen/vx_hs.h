/*
 * One handshake between two in-memory sides for the vectors (xe2e(7)
 * HANDSHAKE): each side's configuration as inputs, every stanza on the
 * wire, and what each side derives.
 */
#ifndef XE2E_VX_HS_H
#define XE2E_VX_HS_H

#include "handshake.h"
#include "vx_party.h"

/* What a case states about a side (generate mode; check reads the file). */
struct vx_hs_spec {
	const char *suites;  /* codes in preference order, e.g. "\x01\x02" */
	const char *options; /* "protect-self", "send-certificate", ... or "" */
	const uint8_t *psk;  /* the configured PSK, or NULL */
	const struct vx_trusted *trust;
	size_t n_trust;
	const struct vx_retained *retained;
	size_t n_retained;
	const struct buf *anchor; /* a CA certificate (DER) to anchor, or NULL */
	const uint8_t *psk_rs;    /* the retained secret its psk uses, or NULL */
};

struct vx_hs_side {
	struct vx_party party;
	cJSON *obj;
	struct hs_lists lists;
	unsigned options;
	int have_psk;
	uint8_t psk[32];
	uint8_t cookie_key[32];
	struct trust_db trust;
	struct rs_db rs;
	char anchors[512]; /* a temporary anchors directory, or "" */
	struct handshake *hs;
	uint64_t now;
};

/* The configuration of a side whose party is made already (inputs
 * versions, suites, options, psk, cookie_key, trust, retained, anchors). */
int vx_hs_side_in(struct vx *v, struct vx_hs_side *s, const struct vx_hs_spec *spec,
		  uint64_t now);

void vx_hs_side_free(struct vx_hs_side *s);

/* A new handshake object for the side (peer: the initiator's peer). */
int vx_hs_side_begin(struct vx *v, struct vx_hs_side *s, int initiator, const char *peer);

/* Runs the handshake of init against resp: the array "messages" of c and
 * each side's "derived" object. spec_* give the psk's retained secret. */
int vx_hs_run(struct vx *v, cJSON *c, struct vx_hs_side *init, struct vx_hs_side *resp,
	      const struct vx_hs_spec *spec_init, const struct vx_hs_spec *spec_resp);

#endif
