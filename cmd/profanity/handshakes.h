/*
 * Handshakes through the server (xe2e(7) HANDSHAKE): started by /xe2e
 * start, answered by the peer's plugin, given up when the peer leaves them
 * unanswered. While one is under way nothing to the peer leaves
 * (stanzas.c): it may end in a session, and a message sent before would
 * have gone in plaintext.
 */
#ifndef XE2E_PROFANITY_HANDSHAKES_H
#define XE2E_PROFANITY_HANDSHAKES_H

#include "xe2e_lib.h"

/* A handshake the peer left unanswered this long is given up, so that
 * messages to the peer are not held back for ever. */
#define HANDSHAKE_TIMEOUT 60

/* /xe2e start: a handshake with the peer, this side the initiator. */
void handshake_begin(const char *peer);

/* A handshake stanza received: to the run with its sender, or a new
 * responder's run for a step 1. */
void handshake_received(const char *text, const struct xl_peek *pk);

/* Gives up the handshakes left unanswered (called every few seconds). */
void handshake_tick(void);

#endif
