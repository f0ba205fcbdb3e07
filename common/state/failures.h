/*
 * Failed shared-secret (SPAKE2) runs per peer (xe2e(7) VERIFICATION "Shared secret"): each
 * failed run is counted against the peer's bare JID; at the limit further
 * runs are refused until the user resets the count (xe2e-trustdb
 * reset-failures JID).
 *
 * A counter file (counter.h): "failures" in the state tree, with the
 * header "# xe2e spake2 failures v1". For every function taking a path,
 * NULL means that file.
 */
#ifndef XE2E_FAILURES_H
#define XE2E_FAILURES_H

#include "counter.h"
#include "store.h"

#define FAILURES_FILE_NAME "failures"
#define FAILURES_HEADER "# xe2e spake2 failures v1"
/* Failed runs after which SPAKE2 with a peer is refused (xe2e(7) VERIFICATION "Shared secret"). */
#define FAILURES_LIMIT 3u

/* The kind of counter file it is. */
extern const struct counter_kind failures_kind;

/* The default file: "failures" in the state tree. */
int failures_default_path(char path[static STORE_PATH_MAX]);

/* The count of a bare JID (0 when it has none, a missing file included). */
int failures_get(const char *path, const char *jid, unsigned *count);

/* Adds one failed run for a bare JID, under the lock; *count (may be NULL)
 * gets the new count. */
int failures_increment(const char *path, const char *jid, unsigned *count);

/* Forgets the failures of a bare JID, under the lock; *previous (may be
 * NULL) gets the count it had (0: nothing changed). */
int failures_reset(const char *path, const char *jid, unsigned *previous);

#endif
