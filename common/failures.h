/*
 * Failed shared-secret (SPAKE2) runs per peer (DESIGN section 7): each
 * failed run is counted against the peer's bare JID; at the limit further
 * runs are refused until the user resets the count (xe2e-trustdb
 * reset-failures JID).
 *
 * The file is "failures" in the state tree, mode 0600, changed only under
 * the exclusive lock "failures.lock" (never renamed) and replaced
 * atomically; one that does not parse is never written over. Grammar
 * (fields separated by exactly one space, every line ending in LF;
 * comments and blank lines are allowed after the header and are not kept
 * when the file is rewritten; anything else is XE2E_E_MALFORMED with the
 * detail "PATH line N: what"):
 *
 *   file   = "# xe2e spake2 failures v1" LF *(entry LF / comment / blank)
 *   entry  = jid SP count              ; one line per JID
 *   jid    = a bare JID as trust_jid_check() accepts it
 *   count  = %x31-39 *5DIGIT           ; 1 to FAILURES_COUNT_MAX
 *
 * A JID without a line has no failures. For every function taking a path,
 * NULL means the default file.
 */
#ifndef XE2E_FAILURES_H
#define XE2E_FAILURES_H

#include "store.h"

#define FAILURES_FILE_NAME "failures"
#define FAILURES_HEADER "# xe2e spake2 failures v1"
/* Counts stop growing here. */
#define FAILURES_COUNT_MAX 999999u
/* Failed runs after which SPAKE2 with a peer is refused (DESIGN section 7). */
#define FAILURES_LIMIT 3u
/* Largest file read. */
#define FAILURES_FILE_MAX (4u << 20)

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
