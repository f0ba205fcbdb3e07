/*
 * xe2e.h: the stanza-level API of xe2e, for programs and XMPP client
 * plugins that seal and open whole stanzas (xe2e(7)).
 *
 * A sealer turns each plain stanza to a peer into the sealed stanza to
 * send; an opener turns each received stanza into the plain stanza, or
 * says why it is not one to pass on. Everything between lives behind these
 * calls: which session and which device a stanza goes to, which presence
 * passes unsealed, the frame and its padding within the server's stanza
 * size limit, the associated data, the processing hints copied outside,
 * the initial message to an offline peer's prekey bundle, server bounces,
 * replays, and the stanzas nobody may pass on unsealed. xe2e-seal(1) and
 * xe2e-open(1) are these calls with arguments and output around them.
 *
 * Words (xe2e(7)): a "session" is what a handshake (or an initial message)
 * leaves between this device and one device of the peer; a "sealed stanza"
 * is a stanza whose children are replaced by <sealed/> (or, for the first
 * stanza to a bundle, the "initial message" in <offline/>); a "ratchet
 * stanza" is a sealed headline that only carries a DH step. Inside the
 * library a session in use is a "channel" (channel.h) and the outside of a
 * sealed stanza an "envelope" (envelope.h).
 *
 * Two interfaces, one behaviour: parsed stanzas (struct xml_node, xml.h),
 * as the programs read them from a stream, and XML text (one stanza, as a
 * client hands it to a plugin; an element without xmlns is in
 * jabber:client), malloc'd text out.
 *
 * Conventions of every call below:
 *   - The return value is XE2E_OK (0) or an error code of err.h (err_str()
 *     says it in words). A call about one stanza fills a result that also
 *     holds the code, a one-line detail (text from the stanza included:
 *     the caller makes it safe to print, see inspect_line_safe()) and
 *     flags; details name the options of xe2e-seal(1) where the options
 *     of a sealer are meant (--to, --from, --session, --max-stanza).
 *   - now is the time in UNIX seconds, as time(NULL) gives it.
 *   - Files are those of the data and state trees that XE2E_HOME selects
 *     (xe2e(7) FILES), read at each call: the same sessions, locks and
 *     trust store as the programs, so a session is used by a program and
 *     a plugin in turn. A session is stored (under its lock) before a
 *     stanza sealed in it is returned, and before a plaintext opened in it
 *     is: a crash may lose a stanza, never reuse a key or accept a replay.
 *   - What a call returns through a pointer is the caller's and is freed
 *     as said there; what it is passed stays the caller's.
 *   - No thread safety: a handle is used by one thread at a time, and the
 *     library by one thread at a time (xe2e-seal calls xe2e_sealer_tick()
 *     between stanzas and while it waits for one; a plugin from a timer).
 */
#ifndef XE2E_API_H
#define XE2E_API_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "jid.h"
#include "passphrase.h"
#include "session.h"
#include "xe2e_session.h"
#include "xml.h"

#define XE2E_MAX_STANZA_DEFAULT 262144u /* Prosody's default c2s stanza limit */
#define XE2E_RATCHET_IDLE_DEFAULT 600u  /* seconds */
#define XE2E_OPEN_BATCH_MAX 64          /* stanzas opened in one transaction */

/* ---- sessions: struct xe2e_session and its flags, in xe2e_session.h ---- */

/* ---- sealing ---- */

struct xe2e_sealer;

/* How a sealer seals; xe2e_seal_opts_init() gives the defaults. */
struct xe2e_seal_opts {
	const char *to;            /* every stanza is for this JID's current
				    * session (NULL: each stanza's 'to') */
	const uint8_t *session;    /* or for this session (SESSION_ID_LEN bytes;
				    * NULL: none); not with to */
	const char *from;          /* the own full JID as the server bound it,
				    * for stanzas without 'from': its resource is
				    * then authenticated too (NULL: none) */
	const char *fallback_body; /* a <body/> for clients without xe2e (NULL) */
	size_t max_stanza;         /* the server's stanza size limit, >= 1024 */
	uint32_t step_interval;    /* seconds between own DH steps (0: every turn) */
	uint32_t idle;             /* a ratchet stanza when a due DH step waited
				    * this long for a stanza to carry it, >= 1 */
	uint32_t writers;          /* processes sealing into one session at once */
};

void xe2e_seal_opts_init(struct xe2e_seal_opts *o);

/* Makes a sealer; it copies o (the strings must outlive it). Loads
 * nothing yet. XE2E_E_NOMEM. Free with xe2e_sealer_free(). */
int xe2e_sealer_new(struct xe2e_sealer **out, const struct xe2e_seal_opts *o);

/* What sealing one stanza gave. */
struct xe2e_sealed {
	int err;                      /* XE2E_OK, or why nothing is to be sent */
	char detail[XE2E_DETAIL_MAX]; /* err's detail; with XE2E_SEALED_PASSED, why */
	unsigned flags;               /* XE2E_SEALED_* */
	struct xml_node *stanza;      /* the sealed stanza to send: the caller's
				       * (xe2e_sealed_free()); NULL on error
				       * and with XE2E_SEALED_PASSED */
	struct xe2e_session session;  /* the session sealed in; also on errors
				       * after it was found (flags 0 when none was) */
};

enum {
	/* Not sealed, and not to be: presence without 'to' (the server
	 * broadcasts it) or for subscriptions goes to the server as it is
	 * (xe2e(7) "Sealed stanzas"). Send the plain stanza unchanged. */
	XE2E_SEALED_PASSED = 1 << 0,
	/* A ratchet stanza (xe2e_sealer_tick()). */
	XE2E_SEALED_RATCHET = 1 << 1,
};

/*
 * The sealer's own identity with its device key (pp gives the passphrase
 * of a protected one), for the initial message to a bundle: before
 * xe2e_sealer_bundle(). The errors of loading it (XE2E_E_NOTFOUND without
 * an identity, XE2E_E_PASSPHRASE, ...).
 */
int xe2e_sealer_identity(struct xe2e_sealer *s, struct passphrase *pp, uint64_t now);

/* What a bundle holds for the first stanza. */
struct xe2e_bundle_info {
	char peer_bare[JID_MAX + 1];
	size_t n_opk;                  /* usable one-time prekeys */
	char warning[2 * JID_MAX + 256]; /* to tell the user, or "" */
};

/*
 * Reads the prekey bundle at path, for the sealer's to, checked against
 * the trust store: the next stanza sealed is the initial message of a new
 * session with that peer, sealed to the bundle (xe2e(7) OFFLINE MESSAGES),
 * the stanzas after it go into that session. Without one-time prekeys the
 * warning says for how long the stanza stays readable with the peer's
 * stored keys. XE2E_E_STATE without xe2e_sealer_identity() or without to;
 * the errors of reading and checking the bundle (XE2E_E_TRUST for a peer
 * whose key changed, was revoked or mismatched).
 */
int xe2e_sealer_bundle(struct xe2e_sealer *s, const char *path, uint64_t now,
		       struct xe2e_bundle_info *info);

/* 1 while the bundle's initial message is still to be sealed. */
int xe2e_sealer_bundle_pending(const struct xe2e_sealer *s);

/*
 * Seals one plain stanza (message, presence or iq in jabber:client) for
 * its peer and returns res->err. The session: opts.session, else the
 * current session of opts.to or of the stanza's 'to' (XE2E_E_NOTFOUND,
 * with what to do, when there is none: nothing is sent in plaintext). The
 * sealed stanza goes to the session's device: a 'to' naming another
 * device of the peer, a 'from' of another account, or a 'to' other than
 * opts.to is refused (XE2E_E_MALFORMED). XE2E_E_LIMIT for a stanza whose
 * sealed form would exceed opts.max_stanza; XE2E_E_TRUST for a session
 * whose peer the trust store no longer stands behind; XE2E_E_EXPIRED for a
 * session too old or too used (the detail says: run a new handshake);
 * XE2E_E_STALE for a restored or copied session file; XE2E_E_UNSUPPORTED
 * for an element that is no stanza. The session is stored before
 * res->stanza exists; a refused stanza changes nothing else.
 */
int xe2e_seal(struct xe2e_sealer *s, const struct xml_node *plain, uint64_t now,
	      struct xe2e_sealed *res);

/*
 * The same for a stanza as XML text (len bytes; an XML declaration and
 * white space around it are allowed): *out gets the text to send (one
 * line, no newline, NUL-terminated, *out_len its length; malloc'd, the
 * caller frees it), also with XE2E_SEALED_PASSED (then the plain stanza as
 * it was read). On error *out is NULL; text that is no XML stanza gives
 * XE2E_E_MALFORMED or XE2E_E_XML.
 */
int xe2e_seal_text(struct xe2e_sealer *s, const char *text, size_t len, uint64_t now,
		   struct xe2e_sealed *res, char **out, size_t *out_len);

/*
 * For a long-running sealer, every xe2e_sealer_tick_ms(): looks at the
 * sessions the sealer used, from *cursor (0 at first) on. For the first
 * one whose due DH step waited opts.idle seconds for a stanza to carry
 * it, makes a ratchet stanza (XE2E_SEALED_RATCHET; to the session's
 * device) and returns res->err;
 * after a failure that session is tried again one idle period later.
 * XE2E_E_EOF when no session from *cursor on needs one.
 */
int xe2e_sealer_tick(struct xe2e_sealer *s, uint64_t now, size_t *cursor,
		     struct xe2e_sealed *res);

/* How often to call xe2e_sealer_tick(), in milliseconds: an eighth of
 * opts.idle, from 50 ms to 10 s. */
unsigned xe2e_sealer_tick_ms(const struct xe2e_sealer *s);

/* Frees what res holds (the sealed stanza) and clears it. */
void xe2e_sealed_free(struct xe2e_sealed *res);

/*
 * At a clean end: gives the message numbers reserved for stanzas that
 * never came back to their sessions, so that the peer sees no gap. The
 * first error of storing a session (the others are given back still).
 */
int xe2e_sealer_release(struct xe2e_sealer *s);

/* Wipes and frees the sealer; numbers not given back are abandoned, as
 * after a crash. NULL does nothing. */
void xe2e_sealer_free(struct xe2e_sealer *s);

/* ---- opening ---- */

struct xe2e_opener;

/* How an opener opens. */
struct xe2e_open_opts {
	/* Refuse, before any key is used, a stanza whose 'from' has a
	 * resource its sender did not bind (a server may have set or
	 * rewritten it). */
	int require_resource;
	/* The passphrase of a protected device key, needed for initial
	 * messages (NULL: none; XE2E_PASSPHRASE or a terminal prompt may
	 * still give it, as passphrase.h says). The caller's: it must outlive
	 * the opener, which wipes it once the device key is loaded. */
	struct passphrase *pp;
};

/* Makes an opener; loads nothing yet. XE2E_E_NOMEM. Free with
 * xe2e_opener_free(). */
int xe2e_opener_new(struct xe2e_opener **out, const struct xe2e_open_opts *o);

/* What became of one received stanza. */
struct xe2e_opened {
	const struct xml_node *received; /* the stanza as received (the caller's) */
	int err;                         /* XE2E_OK: opened */
	const char *reason;              /* not opened: why, in the words of
					  * xe2e-open(1) ("replay", "tampered",
					  * "not sealed", "bounced", ...); a static
					  * string; NULL when opened */
	char detail[XE2E_DETAIL_MAX];    /* not opened: the detail, or "" */
	unsigned flags;                  /* XE2E_OPENED_* */
	struct xml_node *stanza;         /* opened: the plain stanza, with the
					  * authenticated to, from, type and id
					  * first; the caller's
					  * (xe2e_opened_free()); NULL for a
					  * ratchet stanza */
	char peer_bare[JID_MAX + 1];     /* opened: the session's peer */
	uint32_t epoch, n;               /* opened in a session: the sender's
					  * epoch and message number */
	uint32_t skipped;                /* stanzas of the peer skipped before it
					  * (lost, or still on the way) */
	size_t n_unsealed;               /* opened: elements a server added
					  * outside the seal, dropped */
};

enum {
	/* Opened: a ratchet stanza, which only carried a DH step. */
	XE2E_OPENED_RATCHET = 1 << 0,
	/* Opened: an initial message, which started a session. */
	XE2E_OPENED_INITIAL = 1 << 1,
	/* 'from' has a resource its sender did not bind, so it is not
	 * authenticated: opened all the same, or refused with
	 * require_resource ("resource not authenticated"). */
	XE2E_OPENED_UNBOUND = 1 << 2,
	/* Not opened: a server's bounce of a stanza sent from here. */
	XE2E_OPENED_BOUNCE = 1 << 3,
	/* Not opened: a replay (a failure of its own kind: exit status 4). */
	XE2E_OPENED_REPLAY = 1 << 4,
	/* Not opened: it has no seal. Never passed on; a refusal when it is a
	 * message or iq its session should have sealed (unsealed.h). */
	XE2E_OPENED_NOT_SEALED = 1 << 5,
	/* With NOT_SEALED: no refusal, nothing to pass on: presence, the
	 * server's stanzas, plain XMPP from someone without a session. */
	XE2E_OPENED_PASSED_OVER = 1 << 6,
	/* With PASSED_OVER: a message from someone without a session, worth
	 * telling, so that it is not lost unseen. */
	XE2E_OPENED_NOTEWORTHY = 1 << 7,
};

/*
 * Opens one received stanza and returns res->err. Refusals, each with a
 * reason and a detail, change nothing stored: a bounce, a stanza without
 * a seal, an unknown session (XE2E_E_NOTFOUND), a session file that cannot
 * be read ("unreadable session"), one whose 'from' or 'to' is not the
 * session's ("tampered"), a forged or changed one (XE2E_E_AUTH), a replay
 * (XE2E_E_REPLAY), a gap of more lost stanzas than the session keeps keys
 * for (XE2E_E_LIMIT), a stale or expired session. The first session used
 * and an initial message's new session are told in res via
 * xe2e_open_session(); see xe2e_open_batch() for many stanzas in one
 * transaction.
 */
int xe2e_open(struct xe2e_opener *op, const struct xml_node *stanza, uint64_t now,
	      struct xe2e_opened *res, struct xe2e_session *session);

/*
 * The same for a stanza as XML text: *out gets the plain stanza as text
 * (one line, no newline, NUL-terminated; *out_len its length; malloc'd,
 * the caller frees it), NULL when there is none to pass on (not opened, or
 * a ratchet stanza). res->received and res->stanza are NULL. Text that is
 * no XML stanza: XE2E_E_MALFORMED or XE2E_E_XML, reason "malformed".
 * session: as for xe2e_open().
 */
int xe2e_open_text(struct xe2e_opener *op, const char *text, size_t len, uint64_t now,
		   struct xe2e_opened *res, struct xe2e_session *session, char **out,
		   size_t *out_len);

/*
 * Many stanzas at once (xe2e-open): each session's stanzas among them are
 * opened in one transaction, stored once, and only then returned. Starts
 * a batch of n <= XE2E_OPEN_BATCH_MAX stanzas (the caller's, kept until
 * the batch ends); xe2e_open_next() then gives, in order, what to tell and
 * write. XE2E_E_LIMIT for too many.
 */
int xe2e_open_batch(struct xe2e_opener *op, struct xml_node *const *stanzas, size_t n);

enum xe2e_open_event_kind {
	XE2E_OPEN_SESSION = 1, /* a session came into use: ev->session */
	XE2E_OPEN_STANZA,      /* one stanza's outcome: ev->opened */
	XE2E_OPEN_COMMITTED,   /* the stanzas opened since the last COMMITTED are
				* stored as read: write them out now */
};

struct xe2e_open_event {
	enum xe2e_open_event_kind kind;
	struct xe2e_session session;
	struct xe2e_opened opened; /* its stanza is the caller's */
};

/*
 * The next event of the batch; XE2E_E_EOF when the batch is done. A
 * stanza's refusal before any cryptography comes as soon as it is read,
 * its opening after its transaction, then COMMITTED. Other errors are
 * the stanzas' (in their outcomes).
 */
int xe2e_open_next(struct xe2e_opener *op, uint64_t now, struct xe2e_open_event *ev);

/* Ends the batch early: the stanzas not told yet are not opened (nothing
 * of them is stored). The caller may then free its stanzas. */
void xe2e_open_batch_end(struct xe2e_opener *op);

/*
 * The outside of a sealed stanza, opening nothing and locking nothing
 * (xe2e-open --inspect): *line gets inspect.h's line (malloc'd,
 * NUL-terminated, with its newline), or NULL and a refusal in res
 * (reason "not sealed" for a stanza without <sealed/>, an initial
 * message included).
 */
int xe2e_inspect(struct xe2e_opener *op, const struct xml_node *stanza, struct xe2e_opened *res,
		 char **line);

/* Frees what res holds (the plain stanza) and clears it. */
void xe2e_opened_free(struct xe2e_opened *res);

/* Wipes and frees the opener (ending a batch). NULL does nothing. */
void xe2e_opener_free(struct xe2e_opener *op);

/* ---- the handshake and verification calls (their own headers) ---- */

#endif
