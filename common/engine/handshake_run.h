/*
 * One session handshake, driven stanza by stanza (xe2e(7) HANDSHAKE): the
 * call a program or a client plugin makes to start or answer a handshake
 * with a peer and to store the session it gives.
 *
 * The run owns everything the handshake needs but the stanzas' transport:
 * the state machine (handshake.h), the stanza format (handshake_stanza.h),
 * snapshots of the trust store and the retained secrets, the PSKs, the
 * cookie key, the X.509 anchors and the IK replay cache, and at the end
 * the session files (session.h), the current-session pointer and the
 * record of a pending IK session (ik_pending.h). The caller loads the own
 * identity (it may need a passphrase), reads stanzas from wherever they
 * come, sends what it is given, and keeps the clock: a peer that goes
 * silent is for the caller to time out (handshake_run_peer_known() tells
 * whether silence is suspicious).
 *
 *     struct handshake_run *run;
 *     struct handshake_run_out out = HANDSHAKE_RUN_OUT_INIT;
 *
 *     handshake_run_new(&run, &cfg, &stage);
 *     handshake_run_start(run, &out);         send out.text, if any
 *     for each stanza received:
 *         handshake_run_feed(run, stanza, &out);
 *         send out.text, if any; stop at HANDSHAKE_RUN_DONE (stored) or on
 *         an error (out then holds the abort to send, if one is due)
 *     handshake_run_out_free(&out);
 *     handshake_run_free(run);
 *
 * Stanzas that are not for the run (another kind, another sender) are
 * skipped and change nothing. A failure is final, as the state machine's.
 */
#ifndef XE2E_HANDSHAKE_RUN_H
#define XE2E_HANDSHAKE_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "handshake.h"
#include "identity.h"
#include "trust.h"
#include "xml.h"

struct handshake_run_config {
	int initiator;               /* 1: start a handshake; 0: answer one */
	const struct identity *self; /* loaded with its device key; must outlive the run */
	const char *resource;        /* own stanzas come from the own bare JID with this
				      * resource; NULL: from the bare JID */
	const char *peer;            /* initiator: the peer's JID (full or bare);
				      * responder: the only bare JID that may start
				      * one, or NULL for anyone */
	struct hs_lists lists;       /* own versions and suites (hsnego_lists_default()) */
	unsigned options;            /* HS_OPT_* */
	uint64_t now;                /* Unix seconds */
};

/* What handshake_run_new() was doing when it failed. */
enum handshake_run_stage {
	HANDSHAKE_RUN_STAGE_TRUST = 1, /* reading the trust store */
	HANDSHAKE_RUN_STAGE_RS,        /* reading the retained secrets */
	HANDSHAKE_RUN_STAGE_RESOURCE,  /* the resource makes no JID */
	HANDSHAKE_RUN_STAGE_PEER,      /* the peer's JID cannot be normalised */
};

/* What a stanza fed to the run did. */
enum handshake_run_event {
	HANDSHAKE_RUN_NONE = 0,
	HANDSHAKE_RUN_SKIPPED,  /* no handshake stanza: skipped */
	HANDSHAKE_RUN_NOT_PEER, /* a handshake stanza from another sender, or from
				 * nobody: skipped */
	HANDSHAKE_RUN_GOING,    /* taken; the handshake goes on */
	HANDSHAKE_RUN_DONE,     /* taken; the session is stored */
	HANDSHAKE_RUN_FAILED,   /* the handshake failed */
};

/* The facts of a stored session, for the caller to show. */
struct handshake_run_outcome {
	const struct handshake_result *res; /* points into the run */
	uint8_t session_id[SESSION_ID_LEN];
	enum trust_level trust;             /* the session's level */
	unsigned flags;                     /* the session's TRUST_FLAG_* */
	int pending;                        /* an IK responder's session, pending
					     * until the peer's first stanza */
};

/*
 * What one call gives back. A received handshake stanza and the stanza to
 * send are described (step, body, reason) for callers that show them
 * (handshake_trace.h); the pointers stay valid until the next call with
 * the same out.
 */
struct handshake_run_out {
	enum handshake_run_event event;
	/* the handshake stanza received, once it parsed (in.step not NONE) */
	struct {
		enum hs_step step;
		const char *from;
		const struct buf *body;
		const char *reason;
	} in;
	/* the stanza to send (text.len 0: none) and what it holds */
	struct xml_node *stanza;
	struct buf text; /* the stanza serialised, without a newline */
	const char *to;
	enum hs_step step;
	const struct buf *body;
	const char *reason;
	/* HANDSHAKE_RUN_DONE */
	struct handshake_run_outcome outcome;
};

#define HANDSHAKE_RUN_OUT_INIT {.text = BUF_INIT}

/* Frees what out holds. */
void handshake_run_out_free(struct handshake_run_out *out);

struct handshake_run;

/*
 * A new run: reads the trust store and the retained secrets, and, for an
 * initiator, the peer device of the current session (IK is tried with it
 * first). On failure *stage says what failed, and the error its detail.
 */
int handshake_run_new(struct handshake_run **out, const struct handshake_run_config *cfg,
		      enum handshake_run_stage *stage);

/* Wipes every secret and frees; NULL is fine. */
void handshake_run_free(struct handshake_run *run);

/* Initiator: out gets the first stanza. Responder: nothing to send. */
int handshake_run_start(struct handshake_run *run, struct handshake_run_out *out);

/*
 * Feeds one received stanza. Skipped stanzas return XE2E_OK with out's
 * event saying why. An error ends the run (event HANDSHAKE_RUN_FAILED):
 * out then holds the abort to send, when the peer is known and the abort
 * is due; handshake_run_failure() says whether the person has something
 * to do about it. At HANDSHAKE_RUN_DONE the session is stored before out
 * gets the last stanza to send (a confirmation), if any.
 */
int handshake_run_feed(struct handshake_run *run, const struct xml_node *stanza,
		       struct handshake_run_out *out);

/* The same for a stanza as XML text (len bytes). Text that does not parse
 * is the parser's error (xml_parse_element()) with event HANDSHAKE_RUN_NONE:
 * it changes nothing, and the run goes on. */
int handshake_run_feed_text(struct handshake_run *run, const char *text, size_t len,
			    struct handshake_run_out *out);

/* 'from' of the own stanzas: the bare or full JID. */
const char *handshake_run_self(const struct handshake_run *run);

/* The trust store snapshot the run reads (to show what it knows). */
const struct trust_db *handshake_run_trust(const struct handshake_run *run);

/* The peer's bare JID, "" before it is known. */
const char *handshake_run_peer(const struct handshake_run *run);

/* 1 when the trust store knows the peer: it speaks xe2e, so silence or
 * "unsupported" from it is a possible attack. */
int handshake_run_peer_known(const struct handshake_run *run);

/* Why the run failed, where the person has something to do about it. */
enum handshake_failure handshake_run_failure(const struct handshake_run *run);

#endif
