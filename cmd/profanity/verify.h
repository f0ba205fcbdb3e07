/*
 * Verification runs (xe2e(7) VERIFICATION) in the chat window: a short
 * code both sides compare (/xe2e verify, then yes or no), or a secret both
 * prove they share (/xe2e secret). The side that asks seals a request to
 * the peer's plugin first (xl_verify_request), so that the peer's run is
 * under way before the first control stanza comes.
 */
#ifndef XE2E_PROFANITY_VERIFY_H
#define XE2E_PROFANITY_VERIFY_H

#include "xe2e_lib.h"

/* /xe2e verify: asks the peer for a run comparing codes. */
void verify_ask(const char *peer);

/* /xe2e verify yes|no: this side's answer to the code. */
void verify_answer(const char *peer, int yes);

/* The peer asked for a run (a request opened): XL_VERIFY_SAS or
 * XL_VERIFY_SECRET. */
void verify_asked(const char *peer, int method);

/* This side's shared secret, asking the peer for a run first when none is
 * under way. The caller wipes its copy. */
void verify_secret(const char *peer, const char *secret);

/* A stanza of a peer with a run under way: 1 when the run took it (or
 * holds it until this side's secret is given), 0 to open it as usual. */
int verify_received(const char *text, const struct xl_peek *pk);

#endif
