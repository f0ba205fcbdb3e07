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

/* Prints "xe2e-PROG: message" to stderr (printf format). */
void err_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints a usage error and returns XE2E_EXIT_USAGE. */
int err_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
