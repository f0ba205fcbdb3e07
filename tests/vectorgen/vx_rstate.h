/* A Double Ratchet state in the vectors (vx_rstate.c). */
#ifndef XE2E_VX_RSTATE_H
#define XE2E_VX_RSTATE_H

#include "ratchet.h"
#include "vx.h"

/* The object name of parent: the state's root key, epochs, chains,
 * numbers, root step, pending mix step and skipped keys, as outputs. */
int vx_rstate_out(struct vx *v, cJSON *parent, const char *name,
		  const struct ratchet_state *st);

/* A session's start as a handshake hands it over, the same on both sides
 * (inputs suite, root_key, chain_key, r0_private; outputs r0_public and
 * tag): st[0] the initiator's ratchet, st[1] the responder's, created at
 * t0 with the default policy. */
int vx_rstart_in(struct vx *v, cJSON *c, enum aead_cipher cipher, uint64_t t0,
		 struct ratchet_state *st[static 2]);

#endif
