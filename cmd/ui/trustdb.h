/*
 * The commands of xe2e-trustdb (xe2e(7) TRUST STORE, xe2e-trustdb(1)), for the program and its
 * shell: a table of commands, each run against the trust store (trust.h),
 * the secrets files (secrets.h), the SPAKE2 failure counts (failures.h),
 * the X.509 anchors (anchor.h) and the sessions (session.h), always through
 * their locked, atomic functions.
 *
 * Commands never print: what they show is appended to a buffer, plain text
 * or, with --xml, one XML document (see xe2e-trustdb(1), "XML OUTPUT").
 * Errors are returned as codes with a detail (err.h).
 */
#ifndef XE2E_TRUSTDB_H
#define XE2E_TRUSTDB_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define TRUSTDB_NS "urn:xe2e:trustdb:1"
/* Longest text line a command takes as a secret (a PSK, with room to spare). */
#define TRUSTDB_SECRET_MAX 256

/* Reads one secret line (without its line end) for a command that needs one
 * and was not given it as an argument. */
typedef int (*trustdb_secret_fn)(void *ctx, const char *prompt, char out[static TRUSTDB_SECRET_MAX],
				 size_t *len);

/* Room for a remark a command leaves for standard error. */
#define TRUSTDB_NOTE_MAX 512

struct trustdb {
	int xml;           /* --xml: listings as XML */
	uint64_t now;      /* the time changes are recorded at */
	trustdb_secret_fn read_secret;
	void *secret_ctx;
	int terminal;      /* the output is a terminal: text listings get a
			    * header line naming their columns */
	char note[TRUSTDB_NOTE_MAX]; /* set, on a terminal, by a listing that
				      * found nothing ("no sessions in DIR");
				      * the program says it on standard error */
};

/* What a command word completes to in the shell. */
enum trustdb_arg {
	TRUSTDB_ARG_NONE = 0,
	TRUSTDB_ARG_JID,     /* a JID of the trust store */
	TRUSTDB_ARG_PEER,    /* a JID or a fingerprint */
	TRUSTDB_ARG_FPR,
	TRUSTDB_ARG_FILE,
	TRUSTDB_ARG_ANCHOR,  /* an anchor name */
	TRUSTDB_ARG_SESSION, /* a session id */
	TRUSTDB_ARG_SECRET,
	TRUSTDB_ARG_NAME,    /* a new name */
};

#define TRUSTDB_ARGS_MAX 3

typedef int (*trustdb_run_fn)(struct trustdb *t, char **args, int nargs, struct buf *out);

struct trustdb_command {
	const char *words; /* "list", "psk set", ... */
	const char *args;  /* synopsis of the arguments, "JID [FPR]" */
	const char *help;  /* one line */
	int min_args, max_args;
	enum trustdb_arg arg[TRUSTDB_ARGS_MAX];
	trustdb_run_fn run;
};

/* The command table; *n gets its length. */
const struct trustdb_command *trustdb_commands(size_t *n);

/*
 * The command argv starts with ("psk set JID" matches "psk set"), or NULL;
 * *nwords gets how many words its name took.
 */
const struct trustdb_command *trustdb_command_find(int argc, char **argv, int *nwords);

/*
 * Runs one command line (argv[0] the command word). Output goes to out;
 * on failure out may hold a complete part of it (a listing whose last item
 * failed). *usage is set to 1 (and the detail says why) when the words do
 * not form a command: unknown, or the wrong number of arguments.
 */
int trustdb_exec(struct trustdb *t, int argc, char **argv, struct buf *out, int *usage);

/* Appends the list of commands, one per line, "words args: help". */
int trustdb_help(struct buf *out);

/* ---- candidates for completion ---- */

/* The distinct JIDs of the trust store, in file order (caller frees each
 * and the array). */
int trustdb_jids(char ***jids, size_t *n);

/* The anchor names, sorted. */
int trustdb_anchor_names(char ***names, size_t *n);

/* The ids of the session files, sorted. */
int trustdb_session_ids(char ***ids, size_t *n);

/* Frees an array from the three functions above. */
void trustdb_strings_free(char **v, size_t n);

#endif
