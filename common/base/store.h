/*
 * Files that hold keys and state: where they live, atomic replacement,
 * locks, and permission checks (xe2e(7) SESSIONS "State", FILES).
 *
 * Locations: XE2E_HOME, when set, holds both trees (data in $XE2E_HOME,
 * state in $XE2E_HOME/state); otherwise data in
 * ${XDG_DATA_HOME:-$HOME/.local/share}/xe2e and state (sessions, retained
 * secrets: never restored from a backup) in
 * ${XDG_STATE_HOME:-$HOME/.local/state}/xe2e.
 */
#ifndef XE2E_STORE_H
#define XE2E_STORE_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

#define STORE_PATH_MAX 4096

enum store_tree {
	STORE_DATA = 1,  /* identity, device key, trust store */
	STORE_STATE = 2, /* sessions, retained secrets, replay caches */
};

/* Writes the directory of a tree to out (no trailing slash). Fails with
 * XE2E_E_NOTFOUND when neither XE2E_HOME nor HOME is set. */
int store_dir(enum store_tree tree, char out[static STORE_PATH_MAX]);

/* Joins the tree's directory and a relative name into out. */
int store_path(enum store_tree tree, const char *name, char out[static STORE_PATH_MAX]);

/* Creates the tree's directory (and parents) with mode 0700 if missing, and
 * refuses (XE2E_E_PERM) an existing one that group or others can access.
 * The state tree also gets a CACHEDIR.TAG so backup tools skip it. */
int store_ensure_dir(enum store_tree tree);

/* Creates directory path (one level) with mode 0700 if missing. */
int store_mkdir(const char *path);

/*
 * Replaces path atomically with len bytes of data and the given mode: a
 * temporary file in the same directory (O_EXCL|O_NOFOLLOW), write, fsync,
 * rename, fsync of the directory. Nothing is half-written at any instant.
 */
int store_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* As store_write_atomic(), but refuses (XE2E_E_EXISTS) when path exists;
 * the check and the creation are one atomic step (link(2)). */
int store_create(const char *path, const void *data, size_t len, mode_t mode);

/*
 * Writes all len bytes to fd, through EINTR, short writes and (on a
 * non-blocking fd) EAGAIN. 0, or -1 with errno set (EIO when write(2)
 * wrote nothing).
 */
int store_write_all(int fd, const void *data, size_t len);

/*
 * Reads a whole file (O_NOFOLLOW) into out, refusing files over max bytes
 * (XE2E_E_LIMIT). When secret is set, a file that group or others can read
 * or write is refused with XE2E_E_PERM and a detail saying "chmod 600 PATH".
 * A missing file is XE2E_E_NOTFOUND.
 */
int store_read_file(const char *path, size_t max, int secret, struct buf *out);

/* Removes a file and fsyncs its directory; a missing file is not an error. */
int store_remove(const char *path);

/* 1 when path exists (any type, links not followed). */
int store_exists(const char *path);

/* An exclusive advisory lock on a lock file that is never renamed. */
struct store_lock {
	int fd;
};

/* Opens (creating, 0600) and locks path, waiting for other holders. */
int store_lock(const char *path, struct store_lock *lock);

/* Unlocks and closes. */
void store_unlock(struct store_lock *lock);

/*
 * A file rewritten whole under an exclusive lock on PATH.lock (never
 * renamed), for the small files of records that each change reads and
 * writes back: reads path as a secret file of at most max bytes (a
 * missing one reads as the text missing), lets change() turn text into
 * the new content, and replaces path with it atomically, mode 0600.
 * Nothing is written when change() fails. The errors of store_lock(),
 * store_read_file() (XE2E_E_LIMIT when PATH.lock is too long a path),
 * change() and store_write_atomic().
 */
int store_rewrite_locked(const char *path, size_t max, const char *missing,
			 int (*change)(const char *path, struct buf *text, void *ctx), void *ctx);

/* The (device, inode) of an open file or path, for detecting restored or
 * copied state files. */
int store_file_id(const char *path, unsigned long long *dev, unsigned long long *ino);

#endif
