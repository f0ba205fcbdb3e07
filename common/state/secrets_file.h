/*
 * The line files secrets are kept in: pre-shared keys (psk.h) and retained
 * secrets (secrets.h). One format for both (xe2e(7) HANDSHAKE "Keys",
 * SESSIONS "State", TRUST STORE):
 *
 * Files are mode 0600, written atomically under an exclusive lock on
 * PATH.lock (never renamed), and refused when group or others can read or
 * write them (XE2E_E_PERM, "chmod 600 PATH"). Secrets are wiped from memory
 * on every path. A header line, then records of a fixed number of fields
 * separated by exactly one space, hex in lower case, every line ending in
 * LF; comments and blank lines are allowed after the header and not kept
 * when the file is rewritten; anything else is XE2E_E_MALFORMED with the
 * detail "PATH line N: what". Parsing works in place in the buffer the file
 * was read into, which is wiped when freed.
 */
#ifndef XE2E_SECRETS_FILE_H
#define XE2E_SECRETS_FILE_H

#include <stddef.h>

#include "buf.h"
#include "store.h"
#include "textrec.h"

/* Largest secrets file read. */
#define SECRETS_FILE_MAX (16u << 20)
/* Longest header line. */
#define SECRETS_HEADER_MAX 64

/* One kind of secrets file, and the in-memory db its records go to. */
struct secrets_file {
	const char *header;  /* the first line, without LF */
	const char *record;  /* first field of every record */
	size_t fields;
	/* Takes one record's fields into db; textrec_fail() on a bad one. */
	int (*parse)(const struct textrec *l, char **field, void *db);
	/* The whole file's text for db, header included. */
	int (*format)(const void *db, struct buf *out);
};

/* The file to use: path, or name in the tree (path NULL). */
int secrets_file_path(const char *path, enum store_tree tree, const char *name,
		      char file[static STORE_PATH_MAX]);

/* Reads and parses a secrets file into db; XE2E_E_NOTFOUND when missing. */
int secrets_file_read(const char *file, const struct secrets_file *kind, void *db);

/*
 * A locked read-change-write of the file (path, or name in the tree, whose
 * directory is created if needed) into the caller's empty db: a missing
 * file is an empty one; change(db, ctx) runs on what was read, and the db
 * is formatted back unless it failed. The caller frees the db.
 */
int secrets_file_update(const char *path, enum store_tree tree, const char *name,
			const struct secrets_file *kind, void *db,
			int (*change)(void *db, void *ctx), void *ctx);

/*
 * An array of n items of size bytes grown by one zeroed item, without
 * leaving a copy of the old items in freed memory (as realloc could). NULL
 * when out of memory; items is then untouched.
 */
void *secrets_grow_array(void *items, size_t n, size_t size);

#endif
