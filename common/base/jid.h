/*
 * Jabber IDs: parsing and normalisation as Prosody does it (GNU libidn's
 * stringprep profiles: nodeprep for the localpart, nameprep for the domain,
 * resourceprep for the resource). The handshake's prologue holds
 * normalised bare JIDs, so two spellings of one JID make one prologue.
 */
#ifndef XE2E_JID_H
#define XE2E_JID_H

#include <stddef.h>

/* RFC 6120 bounds each part to 1023 bytes. */
#define JID_PART_MAX 1023
#define JID_MAX (3 * JID_PART_MAX + 2)

struct jid {
	char local[JID_PART_MAX + 1];    /* "" when the JID has none */
	char domain[JID_PART_MAX + 1];
	char resource[JID_PART_MAX + 1]; /* "" when the JID has none */
};

/* Parses and normalises "[local@]domain[/resource]". XE2E_E_MALFORMED with
 * a detail for an empty part, a part too long, or one stringprep refuses. */
int jid_parse(const char *text, struct jid *jid);

/* Writes "local@domain" (or "domain") to out. */
void jid_bare(const struct jid *jid, char out[static JID_MAX + 1]);

/* Writes the full JID, with the resource when there is one. */
void jid_full(const struct jid *jid, char out[static JID_MAX + 1]);

/* Normalises text to its bare JID in one step. */
int jid_normalize_bare(const char *text, char out[static JID_MAX + 1]);

/* 1 when a and b have the same normalised bare JID (0 also when either
 * does not parse). */
int jid_same_bare(const char *a, const char *b);

/* 1 when a and b are the same JID once normalised, resource included (0
 * also when either does not parse). */
int jid_same_full(const char *a, const char *b);

/* The longest JID the stores (trust store, secrets, counters) hold. */
#define JID_STORED_MAX 2047

/*
 * Checks that jid is a bare JID already in normal form
 * (jid_normalize_bare() gives it back unchanged): 1 to JID_STORED_MAX bytes,
 * no "/", space or control character, at most one "@". The stores compare
 * JIDs byte for byte, so callers normalise first. XE2E_E_MALFORMED
 * otherwise.
 */
int jid_check_normal_bare(const char *jid);

#endif
