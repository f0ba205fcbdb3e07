/*
 * What the Profanity plugin asks of the xe2e library, in the plugin's
 * words: the own identity, a handshake driven stanza by stanza, a stanza
 * sealed for its peer, a received stanza opened. Everything here works on
 * stanzas as XML text, as Profanity hands them over, and says what went
 * wrong as one line of text for a chat window; nothing here knows
 * Profanity (profapi.h is xe2e.c's alone).
 *
 * The files are those of the data and state trees that XE2E_HOME selects,
 * the same as the programs': xe2e-trustdb(1) shows and manages what the
 * plugin did, and a session is used by the programs and the plugin in turn.
 */
#ifndef XE2E_PROFANITY_LIB_H
#define XE2E_PROFANITY_LIB_H

#include <stddef.h>

#include "jid.h"

#define XL_LINE_MAX 768

/* One line for the person: what happened, or why not. */
struct xl_line {
	char text[XL_LINE_MAX];
};

/* Sets the line, printf-style (cut to fit). */
void xl_line_set(struct xl_line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- the library as one handle ---- */

struct xl;

/* A handle for the account whose full JID is own_full (as the server bound
 * it). The own identity is loaded at the first call that needs it. */
int xl_new(struct xl **out, const char *own_full);
void xl_free(struct xl *x);

/* Forgets the sessions read so far: the next stanza reads them, and the
 * trust store's word on their peers, again (after a handshake or a
 * verification run changed them). */
void xl_reload(struct xl *x);

/* The own bare JID the handle speaks for. */
const char *xl_self(const struct xl *x);

/* ---- a received stanza at a glance ---- */

enum xl_kind {
	XL_OTHER = 0,   /* not a stanza of ours, or unreadable */
	XL_HANDSHAKE,   /* a message with <handshake xmlns='urn:xe2e:1'/> */
	XL_VERIFY,      /* a message with a verification child */
	XL_SEALED,      /* a stanza with <sealed/> or <offline/> */
};

struct xl_peek {
	enum xl_kind kind;
	char from_bare[JID_MAX + 1]; /* "" when none */
	char to_bare[JID_MAX + 1];   /* "" when none */
	int has_body;                /* a message with a <body/> */
};

/* Looks at a stanza's text; parses, opens nothing. */
void xl_peek(const char *text, struct xl_peek *p);

/* ---- handshakes ---- */

struct xl_hs;

enum xl_hs_state {
	XL_HS_GOING = 0, /* waiting for the peer */
	XL_HS_DONE,      /* the session is stored */
	XL_HS_FAILED,    /* over, line says why */
};

/*
 * Starts a handshake with peer (a bare or full JID): *send gets the first
 * stanza (malloc'd). A responder's run (initiator 0) waits for the peer's
 * step 1 and sends nothing yet (*send NULL).
 */
int xl_hs_new(struct xl *x, const char *peer, int initiator, struct xl_hs **out, char **send,
	      struct xl_line *why);

/* The peer's bare JID of a run. */
const char *xl_hs_peer(const struct xl_hs *hs);

/*
 * Feeds a received handshake stanza: *send gets what to answer (malloc'd,
 * or NULL), line what to tell (empty when nothing). Stanzas of another
 * sender change nothing.
 */
enum xl_hs_state xl_hs_feed(struct xl_hs *hs, const char *text, char **send,
			    struct xl_line *line);

void xl_hs_free(struct xl_hs *hs);

/* ---- sealing and opening ---- */

/* 1 when the peer (bare JID) has a current session: then nothing to the
 * peer leaves unsealed. */
int xl_has_session(const char *peer_bare);

/* The session with the peer in one line (level, device, verified or not),
 * for /xe2e status; 0, or an error with why. */
int xl_session_line(const char *peer_bare, struct xl_line *line);

/*
 * Seals a plain stanza (message, presence, iq) for its peer: *out gets the
 * stanza to send (malloc'd), or NULL for presence that goes as it is (no
 * 'to', or a subscription). An error when it cannot be sealed, with why:
 * nothing may then be sent.
 */
int xl_seal(struct xl *x, const char *text, char **out, struct xl_line *why);

/* What opening a received stanza gave. */
enum xl_opened {
	XL_OPENED_SHOW = 0, /* opened: show body (may be NULL: nothing to show) */
	XL_OPENED_QUIET,    /* opened, nothing to show (a ratchet step) */
	XL_OPENED_PASS,     /* not sealed and not refused: Profanity's to show */
	XL_OPENED_REFUSED,  /* refused: line says why; never shown as text */
};

enum { XL_VERIFY_SAS = 1, XL_VERIFY_SECRET };

struct xl_open_out {
	int verify_request;         /* the peer asks for a verification run:
				     * XL_VERIFY_SAS or XL_VERIFY_SECRET, or 0 */
	char peer_bare[JID_MAX + 1];
	char resource[JID_MAX + 1]; /* the authenticated sender's resource, or "" */
	char *body;                 /* malloc'd, or NULL */
	struct xl_line line;        /* a refusal's reason, or news of the session */
};

enum xl_opened xl_open(struct xl *x, const char *text, struct xl_open_out *o);
void xl_open_out_release(struct xl_open_out *o);

/* "verified", "tofu", ... : the trust store's level of the peer of the
 * current session, or NULL without one. */
const char *xl_session_level(const char *peer_bare, int *verified, int *untrusted);

/* ---- verification runs (xe2e(7) VERIFICATION) ---- */

/*
 * A run starts on both sides at once: the side that asks seals a request
 * to the peer first (the plugin's own element, inside the seal), so that
 * the peer's plugin starts its run before the first control stanza comes:
 * control stanzas are sealed like any other, and a stanza the opener
 * opened is used up.
 */
int xl_verify_request(struct xl *x, const char *peer_bare, int secret, char **send,
		      struct xl_line *why);

struct xl_verify;

enum xl_verify_state {
	XL_V_GOING = 0,   /* waiting for the peer */
	XL_V_SECRET,      /* give the shared secret (xl_verify_secret) */
	XL_V_CODE,        /* line holds the code: give the answer (xl_verify_answer) */
	XL_V_VERIFIED,    /* over: the peer is verified */
	XL_V_OVER,        /* over without that: line says how */
};

/* A run with the peer's current session; *send: the first stanza, or NULL. */
enum xl_verify_state xl_verify_new(struct xl *x, const char *peer_bare, int secret,
				   struct xl_verify **out, char **send, struct xl_line *line);

/* A received stanza of the peer. *taken 0: not the run's, open it as usual. */
enum xl_verify_state xl_verify_feed(struct xl_verify *v, const char *text, char **send,
				    struct xl_line *line, int *taken);

/* This side's answer to the code. */
enum xl_verify_state xl_verify_answer(struct xl_verify *v, int yes, char **send,
				      struct xl_line *line);

/* The shared secret (wiped by the run). */
enum xl_verify_state xl_verify_secret(struct xl_verify *v, const char *secret, char **send,
				      struct xl_line *line);

/* Ends a run: the abort for the peer (*send) when one is due. */
void xl_verify_free(struct xl_verify *v, char **send);

#endif
