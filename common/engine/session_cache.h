/*
 * The sessions a sealer or an opener has in use (xe2e.h): each loaded from
 * its file once (channel_load) and kept, with its open block of message
 * numbers, for the stanzas after it.
 */
#ifndef XE2E_SESSION_CACHE_H
#define XE2E_SESSION_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "channel.h"
#include "xe2e_session.h"

struct session_cache {
	struct channel **ch;
	size_t n;
	struct channel_opts opts; /* for every session loaded */
	int refuse_untrusted;     /* a sealer's: see session_cache_get() */
};

/*
 * The channel of session id, loaded on first use. A session loaded now
 * gets *info (may be NULL) filled: XE2E_SESSION_LOADED and what the
 * session's flags and the trust store say of it. With refuse_untrusted a
 * session whose peer the trust store no longer stands behind is refused
 * (XE2E_E_TRUST, channel_trust_check) and not kept; else it is kept, with
 * XE2E_SESSION_UNTRUSTED and the reason in info->detail. The errors of
 * channel_load().
 */
int session_cache_get(struct session_cache *c, const uint8_t id[static SESSION_ID_LEN],
		      struct channel **out, struct xe2e_session *info);

/* The public facts of a session in use, for a result. */
void session_cache_describe(const struct channel *ch, struct xe2e_session *info);

/* Gives every open block back (channel_release); the first error. */
int session_cache_release(struct session_cache *c);

/* Wipes and frees every channel (open blocks are abandoned). */
void session_cache_free(struct session_cache *c);

#endif
