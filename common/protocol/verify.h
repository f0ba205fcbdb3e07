/*
 * Verification inside an established session (xe2e(7) VERIFICATION): what the
 * two run machines, verify_sas.h (short authentication string) and
 * verify_spake2.h (shared secret), have in common.
 *
 * A run machine is pure: no files, no clock, no terminal. It is fed the
 * peer's control messages (verify_msg.h) one at a time and hands back the
 * message to send, if any; the program carries them sealed in the session
 * (verify_wire.h), asks the user, and records the outcome
 * (verify_record.h). Every run ends with both sides knowing both answers:
 * each side sends a result, or an abort that stops the run for both.
 */
#ifndef XE2E_VERIFY_H
#define XE2E_VERIFY_H

/* What a run machine waits for. */
enum verify_phase {
	VERIFY_PHASE_WAIT = 1, /* a message of the peer */
	VERIFY_PHASE_DECIDE,   /* the local answer (SAS: the code is known) */
	VERIFY_PHASE_DONE,     /* nothing: the run is over */
};

/* How a finished run ended, as both sides will see it. */
enum verify_outcome {
	VERIFY_OUTCOME_NONE = 0,  /* not finished */
	VERIFY_OUTCOME_MATCH,     /* verified: record it */
	VERIFY_OUTCOME_MISMATCH,  /* a SAS comparison failed, here or at the peer, or
				   * a reveal did not match its commitment: record
				   * mismatch */
	VERIFY_OUTCOME_SHOWN,     /* SAS shown, nobody here compared; no record */
	VERIFY_OUTCOME_FAILED,    /* the shared secrets differ */
	VERIFY_OUTCOME_REFUSED,   /* the peer said no to a code this side only
				   * showed, or stopped the run with an abort */
};

#endif
