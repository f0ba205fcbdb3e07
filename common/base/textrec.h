/*
 * Strict reading of the project's line-oriented text files (trust store,
 * secrets, sessions): one record per line, fields one space apart, values
 * in exactly one spelling. Errors name the file and line, so a hand-broken
 * file can be mended.
 */
#ifndef XE2E_TEXTREC_H
#define XE2E_TEXTREC_H

#include <stddef.h>
#include <stdint.h>

/* Where a parser is: the file's name (for messages) and the line number. */
struct textrec {
	const char *name;
	size_t line;
};

/* Records "NAME line N: what" as the error detail; returns XE2E_E_MALFORMED. */
int textrec_fail(const struct textrec *at, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Decodes exactly 2n lower-case hex digits into n bytes. XE2E_E_MALFORMED
 * (no detail) for anything else. */
int textrec_hex(const char *s, uint8_t *out, size_t n);

/* A decimal uint64 without sign, spaces or leading zeros. XE2E_E_MALFORMED
 * (no detail) for anything else, overflow included. */
int textrec_u64(const char *s, uint64_t *out);

/* Splits line in place at single spaces into at most max fields; an empty
 * field (two spaces, a space at an end) or too many fields is an error
 * with a detail. */
int textrec_split(const struct textrec *at, char *line, char **field, size_t max, size_t *n);

/*
 * Reads a file of records in memory: its first line must be header (with
 * its LF), each further line ends with LF and goes to line_fn(arg, line,
 * length without the LF). A missing header is XE2E_E_MALFORMED with the
 * detail "NAME: not an xe2e KIND file"; a line_fn error of
 * XE2E_E_MALFORMED, or a last line without LF, gets the detail
 * "NAME line N: malformed WHAT". Other errors of line_fn end the read
 * as they are.
 */
int textrec_each_line(const char *name, const char *text, size_t len, const char *header,
		      const char *kind, const char *what,
		      int (*line_fn)(void *arg, const char *line, size_t n),
		      void *arg);

#endif
