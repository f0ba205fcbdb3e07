/*
 * The questions xe2e-verify-sas asks its user. Standard input and output
 * carry the stanzas, so both questions use the controlling terminal,
 * /dev/tty: the comparison through GNU readline (rl_instream and
 * rl_outstream on the terminal), the shared secret with echo off.
 */
#ifndef XE2E_VERIFY_TTY_H
#define XE2E_VERIFY_TTY_H

#include <stddef.h>

#include "verify_msg.h"

#define VERIFY_SECRET_MAX 1024 /* bytes of a shared secret */

/*
 * Asks whether the peer reads the same code, until the answer is yes or
 * no (y, n, any case), then says on the terminal that the peer's answer
 * is awaited. *answer gets VERIFY_ANSWER_YES or _NO.
 * XE2E_E_NOTFOUND when there is no terminal, XE2E_E_EOF when the user
 * ended the input instead of answering.
 */
int verify_tty_confirm(const char *peer, const char *code, enum verify_answer *answer);

/*
 * Reads one line from the terminal with echo off after showing prompt; the
 * line (without its end) goes to out, NUL-terminated, its length to *len.
 * An empty line is XE2E_E_MALFORMED, a longer one than cap - 1 bytes
 * XE2E_E_LIMIT; XE2E_E_NOTFOUND when there is no terminal, XE2E_E_EOF when
 * it closed. The terminal's modes are restored on every path, a signal
 * included. out is wiped on failure.
 */
int verify_tty_secret(const char *prompt, char *out, size_t cap, size_t *len);

#endif
