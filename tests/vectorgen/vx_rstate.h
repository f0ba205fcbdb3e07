/* A Double Ratchet state in the vectors (vx_rstate.c). */
#ifndef XE2E_VX_RSTATE_H
#define XE2E_VX_RSTATE_H

#include "ratchet.h"
#include "vx.h"

/* The object name of parent: the state's root key, epochs, chains,
 * numbers, root step, pending mix step and skipped keys, as outputs. */
int vx_rstate_out(struct vx *v, cJSON *parent, const char *name,
		  const struct ratchet_state *st);

#endif
