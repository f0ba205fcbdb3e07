/*
 * Counts per peer, one small file per purpose in the state tree (xe2e(7)
 * VERIFICATION): failed shared-secret runs (failures.h), aborted SAS runs
 * (verify_record.h). A purpose is a struct counter_kind: the file's name
 * and the header that names what it counts, so that no file is ever taken
 * for another's.
 *
 * A file is mode 0600, changed only under the exclusive lock "NAME.lock"
 * (never renamed) and replaced atomically; one that does not parse is never
 * written over. Grammar (fields separated by exactly one space, every line
 * ending in LF; comments and blank lines are allowed after the header and
 * are not kept when the file is rewritten; anything else is
 * XE2E_E_MALFORMED with the detail "PATH line N: what"):
 *
 *   file   = header LF *(entry LF / comment / blank)
 *   header = the kind's header, e.g. "# xe2e sas aborts v1"
 *   entry  = jid SP count              ; one line per JID
 *   jid    = a bare JID as jid_check_normal_bare() accepts it
 *   count  = %x31-39 *5DIGIT           ; 1 to COUNTER_MAX
 *
 * A kind may also read an older header (old_header: files of an earlier
 * version); such a file gets the kind's own header when it is next
 * written. A JID without a line has a count of 0. For every function
 * taking a path, NULL means the kind's file in the state tree.
 */
#ifndef XE2E_COUNTER_H
#define XE2E_COUNTER_H

#include "store.h"

/* Counts stop growing here. */
#define COUNTER_MAX 999999u
/* Largest file read. */
#define COUNTER_FILE_MAX (4u << 20)

/* What a counter file counts. */
struct counter_kind {
	const char *file_name;  /* in the state tree */
	const char *header;     /* its first line, without the LF */
	const char *old_header; /* also read, never written; or NULL */
};

/* The kind's file in the state tree. */
int counter_default_path(const struct counter_kind *k, char path[static STORE_PATH_MAX]);

/* The count of a bare JID (0 when it has none, a missing file included). */
int counter_get(const struct counter_kind *k, const char *path, const char *jid,
		unsigned *count);

/* Adds one for a bare JID, under the lock; *count (may be NULL) gets the
 * new count. */
int counter_increment(const struct counter_kind *k, const char *path, const char *jid,
		      unsigned *count);

/* Forgets the count of a bare JID, under the lock; *previous (may be NULL)
 * gets the count it had (0: nothing changed). */
int counter_reset(const struct counter_kind *k, const char *path, const char *jid,
		  unsigned *previous);

#endif
