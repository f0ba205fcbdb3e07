/*
 * The trust store's word on a peer, for /xe2e trust, and its withdrawal,
 * through the library's trust store (trust.h, trust_withdraw.h): the same
 * entries xe2e-trustdb(1) shows and changes. Lines are for a chat window;
 * nothing here knows Profanity.
 */
#ifndef XE2E_PROFANITY_XL_TRUST_H
#define XE2E_PROFANITY_XL_TRUST_H

#include "xe2e_lib.h"

/* Receives one line to show. */
typedef void (*xl_say_fn)(void *ctx, const char *line);

/*
 * Says, for each identity key the store holds for the peer (bare JID):
 * its fingerprint, its level and what made it so (compared, anchored by
 * an X.509 chain or by an OpenPGP key, pinned, ...), whether the current
 * session was made with it, its flags, when it was seen and its devices.
 * An error with why when the store holds nothing for the peer or cannot
 * be read.
 */
int xl_trust_show(const char *peer, xl_say_fn say, void *ctx, struct xl_line *why);

enum xl_withdraw { XL_REVOKE, XL_FORGET };

/* Revokes the peer's identity keys that are not revoked yet, or forgets
 * every one of them, with their retained secrets; line says what was done,
 * or why not. */
int xl_trust_withdraw(const char *peer, enum xl_withdraw how, struct xl_line *line);

#endif
