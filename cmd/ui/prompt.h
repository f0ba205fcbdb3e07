/*
 * Questions on the controlling terminal, /dev/tty: standard input and
 * output may carry stanzas or data, so every question goes there. A
 * secret is read with echo off; a yes-or-no question through GNU readline.
 */
#ifndef XE2E_PROMPT_H
#define XE2E_PROMPT_H

#include <stddef.h>

/*
 * Turns echo off, writes prompt, reads one line (without its end) into out
 * (NUL-terminated, its length to *len) and restores the terminal, also when
 * SIGINT, SIGTERM, SIGHUP or SIGQUIT interrupt the question. An empty line
 * is XE2E_OK with *len 0: the caller says whether it takes one.
 * XE2E_E_NOTFOUND when there is no terminal, XE2E_E_EOF when it closed
 * before a line end, XE2E_E_LIMIT when the line is longer than cap - 1
 * bytes (the rest of the line is read and dropped). out is wiped on
 * failure. No detail is set: the caller says what it asked for. The type
 * of passphrase.h's ask.
 */
int prompt_secret(const char *prompt, char *out, size_t cap, size_t *len);

/*
 * Asks question until the answer is yes or no (y, n, any case); *yes gets
 * 1 or 0. then, when not NULL, is said on the terminal after the answer
 * (what happens next). XE2E_E_NOTFOUND when there is no terminal,
 * XE2E_E_EOF (with a detail) when the input ended instead of an answer.
 */
int prompt_yes_no(const char *question, const char *then, int *yes);

#endif
