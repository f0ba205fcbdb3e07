/*
 * /xe2e trust [show|revoke|forget] [<jid>]: the trust store's entries of
 * the peer in its chat window, as xe2e-trustdb(1) show has them, and the
 * two changes a chat calls for: revoke (never accept the key again) and
 * forget (start over, after a mismatch).
 */
#ifndef XE2E_PROFANITY_PEER_TRUST_H
#define XE2E_PROFANITY_PEER_TRUST_H

/* args: the words after "trust". */
void peer_trust_command(char **args);

#endif
