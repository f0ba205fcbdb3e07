/*
 * One verification run with the peer of an established session, driven
 * stanza by stanza (xe2e(7) VERIFICATION): the call a program or a client
 * plugin makes to compare a short authentication string (SAS) or to prove
 * a shared secret (SPAKE2), and to record what the run found.
 *
 * The run owns the protocol and its policy: the session's control stanzas
 * (verify_wire.h), the run machines (verify_sas.h, verify_spake2.h), the
 * SPAKE2 identities by role (A is the session's Noise initiator), moving
 * to the peer's pending session when its first stanza confirms it, which
 * runs count as failed or aborted (verify_record.h, failures.h), the
 * refusal after FAILURES_LIMIT failed shared-secret runs, and, after a
 * confirmed shared secret, mixing the key into the session's ratchet and
 * the retained secret. It never prints and never asks: what a person must
 * see or answer comes back as an event.
 *
 * The caller reads stanzas from wherever they come, sends what it is
 * given, keeps the clock (a silent peer is for the caller to time out),
 * shows the code and asks whether the peer reads the same one, and gets
 * the shared secret from the person:
 *
 *     struct verify_run *run;
 *     struct verify_run_out out = VERIFY_RUN_OUT_INIT;
 *
 *     verify_run_new(&run, &cfg, &stage);
 *     verify_run_start(run, now, &out);          send out.stanza, if any
 *     if out.event is VERIFY_RUN_SECRET_NEEDED:
 *         verify_run_secret(run, secret, len, now, &out);   send it
 *     until out.over:
 *         verify_run_feed(run, stanza, now, &out);        send out.stanza
 *         if out.event is VERIFY_RUN_SAS: show out.code, ask, then
 *             verify_run_answer(run, answer, reason, now, &out);  send it
 *     verify_run_record(run, &rec);               show what it recorded
 *     verify_run_out_free(&out);
 *     verify_run_free(run);
 *
 * An error of a call ends the run (out.over, event VERIFY_RUN_FAILED):
 * out.stanza then holds the abort to send, if one is due. When the input
 * ends or the peer goes silent mid-run, verify_run_input_ended() counts
 * the run as the policy says; when the caller fails (a file it could not
 * write, a terminal that closed), verify_run_abort() gives the abort that
 * stops the peer too.
 */
#ifndef XE2E_VERIFY_RUN_H
#define XE2E_VERIFY_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "sas.h"
#include "session.h"
#include "trust.h"
#include "verify.h"
#include "verify_msg.h"
#include "verify_record.h"
#include "xml.h"

#define VERIFY_RUN_SECRET_MAX 1024 /* bytes of a shared secret */

struct verify_run_config {
	const char *peer;          /* the peer's JID (any form): its current session */
	const char *resource;      /* own stanzas come from the own bare JID with
				    * this resource; NULL: from the bare JID */
	enum verify_method method; /* VERIFY_SAS or VERIFY_SPAKE2 */
	int show_only;             /* SAS: the code is only shown, no outcome is
				    * recorded (the answer is "unchecked") */
};

/* What verify_run_new() was doing when it failed. */
enum verify_run_stage {
	VERIFY_RUN_STAGE_PEER = 1, /* reading the peer's session and the own identity */
	VERIFY_RUN_STAGE_SESSION,  /* loading that session for control stanzas */
};

/* What a call did, for the caller to show or to act on. */
enum verify_run_event {
	VERIFY_RUN_NONE = 0,
	VERIFY_RUN_GOING,         /* taken; the run waits for the peer's next stanza */
	VERIFY_RUN_SKIPPED,       /* a stanza not for the run: nothing changed */
	VERIFY_RUN_SKIPPED_BAD,   /* a stanza of the peer that did not open, or no
				   * control stanza: skipped; out.skipped says
				   * why (its detail in err_detail()) */
	VERIFY_RUN_SECRET_NEEDED, /* SPAKE2: give the shared secret (verify_run_secret) */
	VERIFY_RUN_SAS,           /* the code is known: show out.code, then give
				   * this side's answer (verify_run_answer) */
	VERIFY_RUN_LIMIT,         /* too many failed shared-secret runs with the
				   * peer (out.failures): refused; out.stanza tells
				   * the peer, or, unless out.over, the next
				   * control stanza of the peer gets the answer */
	VERIFY_RUN_DONE,          /* the run is over: verify_run_record() */
	VERIFY_RUN_FAILED,        /* the run failed (the call's error) */
};

/*
 * What one call gives back. The pointers stay valid until the next call
 * with the same out.
 */
struct verify_run_out {
	enum verify_run_event event;
	int over;                         /* no more stanzas are needed */
	struct xml_node *stanza;          /* the stanza to send, or NULL */
	const struct verify_msg *sent;    /* what it holds (to show it) */
	const struct verify_msg *received; /* the control message taken, or NULL */
	int switched;                     /* the run moved to the peer's pending
					   * session (verify_run_peer()), which
					   * this stanza confirmed */
	int skipped;                      /* VERIFY_RUN_SKIPPED_BAD: the error */
	unsigned earlier_aborts;          /* verify_run_start(), SAS: aborted runs
					   * with the peer before this one */
	unsigned failures;                /* VERIFY_RUN_LIMIT: failed shared-secret
					   * runs with the peer */
	int peer_limit;                   /* FAILED: the peer refused, having had too
					   * many failed shared-secret runs with
					   * this side */
	char code[SAS_TEXT_LEN];          /* VERIFY_RUN_SAS: "XXXX-XXXX" */
};

#define VERIFY_RUN_OUT_INIT {.event = VERIFY_RUN_NONE}

/* Frees what out holds. */
void verify_run_out_free(struct verify_run_out *out);

struct verify_run;

/*
 * A new run with the current session of cfg->peer. On failure *stage says
 * what failed, and the error its detail (XE2E_E_NOTFOUND: no session with
 * that peer, or no identity).
 */
int verify_run_new(struct verify_run **out, const struct verify_run_config *cfg,
		   enum verify_run_stage *stage);

/* Gives unused message numbers back (XE2E_E_IO when that fails), wipes
 * every secret and frees; NULL is fine. */
int verify_run_free(struct verify_run *run);

/*
 * Starts the run. SAS: the Noise initiator's commit goes to out (event
 * GOING). SPAKE2: VERIFY_RUN_SECRET_NEEDED, or VERIFY_RUN_LIMIT when the
 * peer had too many failed runs (the person must reset the count first).
 */
int verify_run_start(struct verify_run *run, uint64_t now, struct verify_run_out *out);

/* SPAKE2: the shared secret (never empty, about VERIFY_RUN_SECRET_MAX
 * bytes at most; copied, and wiped with the run); the Noise initiator's
 * "start" goes to out. */
int verify_run_secret(struct verify_run *run, const char *secret, size_t len, uint64_t now,
		      struct verify_run_out *out);

/*
 * Feeds one received stanza. Stanzas that are not for the run are skipped
 * (XE2E_OK, event SKIPPED or SKIPPED_BAD). A control element of the peer
 * that does not parse, a step out of order, the peer's abort, a failed
 * seal or store end the run with the error (see verify_sas.h and
 * verify_spake2.h). A shared-secret run is counted as failed before the
 * peer can test a guess, and forgotten only after a success.
 */
int verify_run_feed(struct verify_run *run, const struct xml_node *stanza, uint64_t now,
		    struct verify_run_out *out);

/* SAS, after VERIFY_RUN_SAS: this side's answer (reason may be
 * VERIFY_REASON_NONE; CANCELLED with UNCHECKED when the person gave none);
 * the result goes to out. */
int verify_run_answer(struct verify_run *run, enum verify_answer answer,
		      enum verify_reason reason, uint64_t now, struct verify_run_out *out);

/* The same with a code the person typed or a file gave: "yes" when it is
 * the run's code, "no" when not; XE2E_E_MALFORMED, nothing sent, when it
 * is no code of 8 symbols. */
int verify_run_answer_code(struct verify_run *run, const char *typed, uint64_t now,
			   struct verify_run_out *out);

/* The caller failed mid-run: out gets the abort (reason error) that stops
 * the peer too. */
int verify_run_abort(struct verify_run *run, uint64_t now, struct verify_run_out *out);

/* What verify_run_input_ended() counted. */
struct verify_run_ended {
	int aborts_counted;   /* a started SAS run: one more aborted run */
	unsigned aborts;      /* aborted SAS runs with the peer now */
	int failure_counted;  /* the shared-secret run was counted as failed */
	unsigned failures;    /* failed shared-secret runs with the peer */
};

/* The input ended, broke or went silent mid-run: counts the run (an
 * aborted SAS run once a stanza went out or came in; a shared-secret run
 * stays counted once the peer could test a guess). */
void verify_run_input_ended(struct verify_run *run, struct verify_run_ended *ended);

/* Why a SAS run found a mismatch. */
enum verify_run_mismatch {
	VERIFY_RUN_MISMATCH_FORGED = 1,     /* the peer's reveal did not match its commitment */
	VERIFY_RUN_MISMATCH_LOCAL,          /* this side said the codes differ */
	VERIFY_RUN_MISMATCH_PEER_FORGED,    /* the peer found that this side's reveal did not
					     * match the commitment */
	VERIFY_RUN_MISMATCH_PEER,           /* the peer said the codes differ */
};

/* What verify_run_record() recorded; each step's error with its detail. */
struct verify_run_record {
	enum verify_outcome outcome;
	int no_answer;             /* SAS, no outcome: this side gave no answer
				    * although asked; nothing recorded */
	/* MATCH */
	int match_err;             /* recording the peer as verified failed */
	char match_detail[512];
	enum trust_level level;    /* the identity's level after it */
	int rs_reset_cleared;      /* the session's rs-reset flag went */
	/* MATCH, SPAKE2: the key in the ratchet, then in the retained secret */
	int mix_err;
	char mix_detail[512];
	uint64_t mix_step;         /* the root step; with XE2E_E_STATE, other
				    * stanzas moved the session past it */
	int rs_mix_done;           /* the match was recorded and the retained
				    * secret was tried */
	int rs_mix_err;            /* XE2E_E_NOTFOUND: no retained secret */
	char rs_mix_detail[512];
	/* MISMATCH */
	enum verify_run_mismatch mismatch;
	int mismatch_recorded;     /* 0 when only shown */
	int mismatch_err;
	char mismatch_detail[512];
	/* FAILED */
	unsigned failures;         /* failed shared-secret runs with the peer */
};

/* Records the outcome of a finished run (verify_record.h) and, after a
 * confirmed shared secret, mixes its key into the session's ratchet at the
 * root step the run names and into the retained secret. */
void verify_run_record(struct verify_run *run, struct verify_run_record *rec);

/* The session the run verifies (it may change once: out.switched). */
const struct verify_peer *verify_run_peer(const struct verify_run *run);

#endif
