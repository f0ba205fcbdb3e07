/*
 * The IK replay cache (xe2e(7), HANDSHAKE "The IK responder"): an IK responder keeps
 * SHA-256 of the ephemeral key of every IK step 1 it accepted, for a week,
 * and refuses a step 1 whose ephemeral key it has seen.
 *
 * The file is "ik-replay" in the state tree, mode 0600, changed only under
 * the lock "ik-replay.lock" (never renamed) and replaced atomically:
 *
 *   "xe2e ik-replay v1" LF
 *   *(64 lower-case hex digits SP unix-seconds LF)     ; oldest first
 *
 * Each write drops expired entries, and the oldest ones beyond the bound.
 * An entry stamped later than the clock (the clock was set back) is not
 * expired: it stays until REPLAY_CACHE_TTL after its stamp, or until the
 * bound pushes it out.
 */
#ifndef XE2E_REPLAY_CACHE_H
#define XE2E_REPLAY_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define REPLAY_CACHE_FILE "ik-replay"
#define REPLAY_CACHE_KEY_LEN 32
#define REPLAY_CACHE_TTL (7u * 24 * 3600)
#define REPLAY_CACHE_MAX 100000u

/* Bounds of a cache; replay_cache_defaults() gives the ones above. */
struct replay_cache_params {
	uint64_t ttl; /* seconds an entry is kept */
	size_t max;   /* entries kept at most */
};

struct replay_cache_params replay_cache_defaults(void);

/*
 * Under the lock: loads the cache at path (NULL: the default file in the
 * state tree; a missing file is empty), drops expired entries (never one
 * stamped after now), and returns
 * XE2E_E_REPLAY, writing nothing, when key is there; otherwise adds
 * (key, now), drops the oldest entries beyond params->max and writes the
 * file. A file that does not parse is XE2E_E_MALFORMED and is left alone.
 * params NULL means the defaults.
 */
int replay_cache_check_add(const char *path, const uint8_t key[static REPLAY_CACHE_KEY_LEN],
			   uint64_t now, const struct replay_cache_params *params);

#endif
