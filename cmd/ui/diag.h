/*
 * The programs' diagnostics on standard error: "xe2e-PROG: what: why",
 * where why is the library's error (err.h) with its detail, and the exit
 * status that goes with it (xe2e(7) EXIT STATUS). The library returns
 * errors and never prints; these functions are where they are said.
 */
#ifndef XE2E_DIAG_H
#define XE2E_DIAG_H

/* Sets the program name used in diagnostics, from argv[0], and has the
 * library word its advice as these programs' commands (err.h's
 * err_advice: "run xe2e-keygen --jid JID"). Called first in main. */
void err_set_progname(const char *argv0);

/* The program name, e.g. "xe2e-keygen". */
const char *err_progname(void);

/*
 * Prints "xe2e-PROG: WHAT: why" to stderr, where why is the detail and the
 * description of err ("detail (description)"; the detail alone when it
 * ends with a parenthesis that starts as the description does), clears
 * the detail and returns err_exit_code(err). WHAT is a printf format.
 */
int err_report(int err, const char *what, ...) __attribute__((format(printf, 2, 3)));

/*
 * What a line on stderr is, and so when it is shown. Every line that is
 * not an error report goes through diag(), so that --quiet and --verbose
 * mean the same in every program.
 */
enum diag_level {
	DIAG_ERROR,   /* always: an error, what to do about it, and what an
		       * option asked for (--trace, --stats, the SAS) */
	DIAG_WARNING, /* unless --quiet: something the user should know */
	DIAG_NOTE,    /* unless --quiet: the outcome a program tells by default */
	DIAG_VERBOSE, /* only with --verbose: each step, each stanza */
};

/* What diag() shows from now on: --quiet (quiet) errors alone, --verbose
 * (verbose) every level; neither, all but DIAG_VERBOSE (the start). */
void diag_set_verbosity(int quiet, int verbose);

/* Prints "xe2e-PROG: message" to stderr when level is shown (printf
 * format). */
void diag(enum diag_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints a usage error and returns XE2E_EXIT_USAGE. */
int err_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
