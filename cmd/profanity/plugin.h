/*
 * What the plugin's parts share: the library handle of the connected
 * account (NULL while none is) and the peers something is under way with.
 */
#ifndef XE2E_PROFANITY_PLUGIN_H
#define XE2E_PROFANITY_PLUGIN_H

#include "peers.h"
#include "xe2e_lib.h"

extern struct xl *plugin_lib;
extern struct peers plugin_peers;

/* The account connected with its full JID, or disconnected (NULL): what
 * was under way with the peers is dropped either way. */
void plugin_account(const char *fulljid);

/* The peer's entry with nothing under way, or NULL (said why). */
struct peer *plugin_fresh_peer(const char *peer);

#endif
