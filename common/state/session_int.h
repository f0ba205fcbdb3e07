/*
 * Inside the session store (session.c, session_fresh.c): telling the live
 * session file from a restored one. Not for other modules.
 */
#ifndef XE2E_SESSION_INT_H
#define XE2E_SESSION_INT_H

#include <stdint.h>
#include <sys/stat.h>

#include "session.h"

/* The lock file's path of a session file's path ("ID.session" ->
 * "ID.lock"). */
int session_lock_path(const char *session_path, char out[static STORE_PATH_MAX]);

/* The commit counter recorded in a lock file; 0 when the file is missing,
 * unreadable or its record is damaged (torn by a crash, say). */
uint64_t session_lockrec_read(const char *lock_path);
/* The same through an open descriptor of the lock file. */
uint64_t session_lockrec_read_fd(int fd);

/* Records commit in the lock file, best effort (no fsync; see session.h). */
void session_lockrec_write(const char *lock_path, uint64_t commit);
/* The same through a descriptor open for writing. */
void session_lockrec_write_fd(int fd, uint64_t commit);

/*
 * XE2E_OK when s, just read from path (st and gen describe the open file;
 * lock_commit was read from the lock file before it was opened), is the
 * live session file id; else XE2E_E_STALE with a detail saying what
 * happened and what to do: more than one link, another file's identity,
 * another session's id, or a commit counter below the lock's.
 */
int session_fresh_check(const char *path, const uint8_t id[static SESSION_ID_LEN],
			const struct session *s, const struct stat *st, unsigned long long gen,
			uint64_t lock_commit);

#endif
