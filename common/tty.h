/* Secrets typed on the controlling terminal, with echo off. */
#ifndef XE2E_TTY_H
#define XE2E_TTY_H

#include <stddef.h>

/*
 * Writes prompt to /dev/tty, turns echo off, reads one line (without its
 * newline) into out (NUL-terminated, at most cap - 1 bytes) and restores
 * the terminal, also when SIGINT, SIGTERM, SIGHUP or SIGQUIT interrupt the
 * prompt. XE2E_E_NOTFOUND when there is no terminal; XE2E_E_EOF when the
 * terminal closed before a newline or the line does not fit (out is then
 * wiped). No detail is set: the caller says what it asked for.
 */
int tty_read_secret(const char *prompt, char *out, size_t cap, size_t *len);

#endif
