/*
 * The xe2e-trustdb shell: command lines read from a script (a pipe or a
 * file on standard input) or typed at an interactive prompt with GNU
 * readline (history, completion of command words, JIDs, anchor names,
 * session ids and file names).
 *
 * A command line is split into words at blanks (spaces and tabs). 'single
 * quotes' keep everything up to the next single quote; "double quotes" keep
 * everything but \" and \\, which stand for " and \; outside quotes a
 * backslash keeps the next character. A word starting with # starts a
 * comment that runs to the end of the line. Blank lines do nothing; "quit"
 * and "exit" end the shell.
 */
#ifndef XE2E_TRUSTDB_SHELL_H
#define XE2E_TRUSTDB_SHELL_H

#include <stddef.h>

#include "buf.h"
#include "trustdb.h"

#define TRUSTDB_PROMPT "xe2e-trustdb> "
/* Longest command line read. */
#define TRUSTDB_LINE_MAX 65536

/* Splits one line (len bytes, no line end) into *argc words in a new array
 * (free with trustdb_words_free()). XE2E_E_MALFORMED for a quote left open
 * or a backslash at the end. */
int trustdb_line_split(const char *line, size_t len, char ***argv, int *argc);

/* Wipes and frees what trustdb_line_split() made. */
void trustdb_words_free(char **argv, int argc);

/* Lines from a file descriptor, read in chunks; what was read is wiped
 * when consumed (a line may hold a PSK). */
struct trustdb_reader {
	int fd;
	struct buf pending;
	unsigned long line; /* number of the last line returned, from 1 */
	int eof;
};

void trustdb_reader_init(struct trustdb_reader *r, int fd);

/* The next line, without its LF (or CR LF), into line (emptied first).
 * XE2E_E_EOF at the end; a last line without LF counts. XE2E_E_LIMIT for a
 * line over TRUSTDB_LINE_MAX bytes, XE2E_E_IO on a read error. */
int trustdb_reader_next(struct trustdb_reader *r, struct buf *line);

void trustdb_reader_free(struct trustdb_reader *r);

/* A secret from the next line of r (at most TRUSTDB_SECRET_MAX - 1 bytes). */
int trustdb_reader_secret(struct trustdb_reader *r, char out[static TRUSTDB_SECRET_MAX],
			  size_t *len);

/* A secret typed on the terminal (/dev/tty) after prompt, echo off. */
int trustdb_tty_secret(const char *prompt, char out[static TRUSTDB_SECRET_MAX], size_t *len);

/* What the shell calls. Both return an exit status (0 success). */
struct trustdb_shell_ops {
	int (*run)(void *ctx, int argc, char **argv, unsigned long line);
	int (*bad_line)(void *ctx, int err, unsigned long line);
	void *ctx;
};

/*
 * Runs the commands of a script line by line. Stops at the first command
 * whose status is not 0 and returns that status; with keep_going runs every
 * line and returns the first non-zero status (0 when all succeeded).
 */
int trustdb_script_run(struct trustdb_reader *r, const struct trustdb_shell_ops *ops,
		       int keep_going);

/*
 * The interactive shell on the terminal: prompt TRUSTDB_PROMPT, history of
 * this session (never of "psk" lines, never written to a file), completion.
 * Runs until end of input or quit; returns the status of the last command.
 */
int trustdb_shell_run(const struct trustdb_shell_ops *ops);

#endif
