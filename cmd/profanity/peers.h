/*
 * The peers the plugin runs a handshake or a verification run with, by
 * bare JID: while a handshake with a peer is under way nothing to it leaves
 * (the handshake may end in a session, and a message sent before would
 * have gone in plaintext); while a verification run is, the peer's sealed
 * stanzas go to the run first.
 */
#ifndef XE2E_PROFANITY_PEERS_H
#define XE2E_PROFANITY_PEERS_H

#include "jid.h"
#include "xe2e_lib.h"

#define PEERS_MAX 16
#define PEERS_HELD 4 /* stanzas held while a run waits for a secret */

struct peer {
	char jid[JID_MAX + 1]; /* bare; "" for a free slot */
	struct xl_hs *hs;      /* a handshake, owned, or NULL */
	long long hs_since;    /* when it started (Unix seconds) */
	struct xl_verify *v;   /* a verification run, owned, or NULL */
	int code_shown;        /* the run's code was shown */
	int needs_secret;      /* the run waits for this side's shared secret */
	char *held[PEERS_HELD]; /* the peer's stanzas that came meanwhile, owned */
	size_t n_held;
};

struct peers {
	struct peer slot[PEERS_MAX];
};

/* The peer's entry by bare JID (normalised here), or NULL. */
struct peer *peers_find(struct peers *ps, const char *jid);

/* The peer's entry, a new empty one if there is none; NULL when the table
 * is full or the JID is none. */
struct peer *peers_get(struct peers *ps, const char *jid);

/* The peer's entry with nothing under way: what was is dropped first.
 * NULL when the table is full or the JID is none. */
struct peer *peers_renew(struct peers *ps, const char *jid);

/* Frees what the entry holds and the slot (a verification run under way
 * is aborted without telling the peer). */
void peers_drop(struct peers *ps, struct peer *p);

/* Frees the slot when the entry holds nothing any more. */
void peers_tidy(struct peers *ps, struct peer *p);

/* Drops every entry. */
void peers_clear(struct peers *ps);

#endif
