/*
 * One side of a SAS run inside a session (xe2e(7) VERIFICATION "Short authentication string"), as a pure
 * state machine over control messages (verify.h, verify_msg.h) around the
 * commit-reveal exchange of sas.h:
 *
 *   initiator (Noise initiator)           responder
 *   commit                       ->
 *                                <-       nonce
 *   reveal                       ->       (checks the commitment)
 *   [the code is known: DECIDE]           [the code is known: DECIDE]
 *   result yes|no|unchecked      <->      result yes|no|unchecked
 *
 * Each side sends its result when the local answer is given and then waits
 * for the peer's. A reveal that does not match the commitment makes the
 * responder answer "no" (reason commitment) at once, without a code. Any
 * message out of order (a commit from the wrong side included), of the
 * other method, or an abort ends the run: the machine answers with an abort
 * where one is due (never to an abort) and is DONE.
 *
 * Outcome (verify_sas_outcome): MATCH when this side said yes and the peer
 * did not say no; MISMATCH when either said no (a failed commitment is a
 * no); SHOWN when this side only showed the code and the peer did not say
 * no; REFUSED when this side only showed it and the peer said no, or the
 * peer aborted.
 */
#ifndef XE2E_VERIFY_SAS_H
#define XE2E_VERIFY_SAS_H

#include <stdint.h>

#include "sas.h"
#include "verify.h"
#include "verify_msg.h"

struct verify_sas {
	struct sas sas;
	enum sas_role role;
	enum verify_phase phase;
	int code_known;
	char code[SAS_TEXT_LEN];
	int forged;                  /* the reveal did not match the commitment */
	enum verify_answer local;    /* this side's result, once sent */
	enum verify_answer peer;     /* the peer's result, once received */
	enum verify_reason peer_reason;
	int peer_aborted;            /* the peer's abort ended the run */
	int failed;                  /* a protocol error ended the run */
};

/*
 * Starts a run over the session's handshake hash. The initiator's commit
 * goes to *out; the responder has nothing to send (out->step NONE).
 */
int verify_sas_start(struct verify_sas *v, enum sas_role role, const uint8_t hh[static SAS_HH_LEN],
		     struct verify_msg *out);

/*
 * Takes the peer's next message; *out gets the answer (step NONE when
 * there is none). Errors end the run (DONE): XE2E_E_UNSUPPORTED for a
 * message of a shared-secret run (out: abort, reason method),
 * XE2E_E_TRUST for a step out of order or from the wrong side (out:
 * abort, reason protocol) and for the peer's abort (no answer), with a
 * detail; XE2E_E_STATE when the run is over already.
 */
int verify_sas_receive(struct verify_sas *v, const struct verify_msg *in, struct verify_msg *out);

/* The local answer, in phase DECIDE: *out gets the result to send. reason
 * may be VERIFY_REASON_NONE (e.g. CANCELLED with UNCHECKED). */
int verify_sas_decide(struct verify_sas *v, enum verify_answer answer, enum verify_reason reason,
		      struct verify_msg *out);

/* The code "XXXX-XXXX", once known (phase DECIDE or later). */
int verify_sas_code(const struct verify_sas *v, char out[static SAS_TEXT_LEN]);

/* Checks a typed code against the run's (sas_check). */
int verify_sas_check(const struct verify_sas *v, const char *typed);

/* See above; VERIFY_OUTCOME_NONE before DONE, or after a protocol error. */
enum verify_outcome verify_sas_outcome(const struct verify_sas *v);

/* Wipes the run. */
void verify_sas_wipe(struct verify_sas *v);

#endif
