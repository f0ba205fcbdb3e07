/*
 * The peers the plugin runs a handshake with, by bare JID: while a
 * handshake with a peer is under way nothing to it leaves (the handshake
 * may end in a session, and a message sent before would have gone in
 * plaintext).
 */
#ifndef XE2E_PROFANITY_PEERS_H
#define XE2E_PROFANITY_PEERS_H

#include "jid.h"
#include "xe2e_lib.h"

#define PEERS_MAX 16

struct peer {
	char jid[JID_MAX + 1]; /* bare; "" for a free slot */
	struct xl_hs *hs;      /* the run, owned */
};

struct peers {
	struct peer slot[PEERS_MAX];
};

/* The peer's entry by bare JID (normalised here), or NULL. */
struct peer *peers_find(struct peers *ps, const char *jid);

/* A new entry that takes over hs; NULL when the table is full or the JID
 * is none (hs stays the caller's then). */
struct peer *peers_add(struct peers *ps, const char *jid, struct xl_hs *hs);

/* Frees the entry's run and frees the slot. */
void peers_drop(struct peers *ps, struct peer *p);

/* Drops every entry. */
void peers_clear(struct peers *ps);

#endif
