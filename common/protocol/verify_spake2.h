/*
 * One side of a shared-secret run inside a session (xe2e(7) VERIFICATION "Shared secret"):
 * SPAKE2 of spake2.h's xe2e profile with key confirmation, as a pure state
 * machine over control messages (verify.h, verify_msg.h). A is the Noise
 * initiator of the session, B the responder.
 *
 *   A                                        B
 *   start                           ->
 *                                   <-       share pB
 *   share-confirm pA || A_conf      ->       (checks A_conf)
 *                                   <-       confirm B_conf, or result no
 *   (checks B_conf) result yes|no   ->
 *
 * The confirmations name the current epoch: the sender epoch of the
 * ratchet header of the stanza that carried "start" (A learns it when it
 * seals the stanza, B when it opens it), which goes into the profile's AAD.
 * So each side derives w, draws its scalar and makes its share only once
 * that epoch is known: B when "start" arrives, A when "share" arrives.
 *
 * Guesses: a side that checks the peer's confirmation or shows its own
 * lets the peer test one guess of the secret. A does so when it processes
 * "share", B when it processes "share-confirm": verify_spake2_at_stake()
 * says when, so that the caller counts the run as failed before (and
 * forgets the count only after a success). A run that stops later, an
 * abort or a lost stanza included, stays counted.
 *
 * Failures end the run (DONE). The secrets differ: the outcome is FAILED
 * and the machine answers "result no" (reason secret). A share that is no
 * valid point: the error of spake2_process() (XE2E_E_MALFORMED,
 * XE2E_E_WEAKKEY) and an abort (reason malformed). A step out of order or
 * from the wrong side: XE2E_E_TRUST, abort (reason protocol). A SAS
 * message: XE2E_E_UNSUPPORTED, abort (reason method). The peer's abort:
 * XE2E_E_TRUST, outcome REFUSED.
 */
#ifndef XE2E_VERIFY_SPAKE2_H
#define XE2E_VERIFY_SPAKE2_H

#include <stdint.h>

#include "spake2.h"
#include "verify.h"
#include "verify_msg.h"

struct verify_spake2 {
	struct spake2 sp;
	enum spake2_role role;
	struct spake2_params params; /* pointers owned by the caller, kept for
				      * the whole run; epoch set when known */
	int state;
	enum verify_phase phase;
	int success;
	int secret_differs;
	int peer_aborted;
	enum verify_reason peer_reason;
	uint8_t ke[SPAKE2_KEY_LEN];
};

/*
 * Starts a run with the profile's parameters (the epoch in them is
 * ignored: see above). A's "start" goes to *out; B has nothing to send.
 */
int verify_spake2_start(struct verify_spake2 *v, enum spake2_role role,
			const struct spake2_params *params, struct verify_msg *out);

/* A: the sender epoch of the sealed "start" stanza. Call it after sealing
 * that stanza and before receiving anything. */
int verify_spake2_start_sent(struct verify_spake2 *v, uint64_t epoch);

/* 1 when taking in lets the peer test a guess of the secret (see above). */
int verify_spake2_at_stake(const struct verify_spake2 *v, const struct verify_msg *in);

/*
 * Takes the peer's next message, whose stanza had the sender epoch epoch;
 * *out gets the answer (step NONE when there is none). Errors as above;
 * XE2E_E_STATE when the run is over already.
 */
int verify_spake2_receive(struct verify_spake2 *v, const struct verify_msg *in, uint64_t epoch,
			  struct verify_msg *out);

/* VERIFY_PHASE_WAIT or VERIFY_PHASE_DONE. */
enum verify_phase verify_spake2_phase(const struct verify_spake2 *v);

/* MATCH (both confirmations verified and the peer said yes), FAILED,
 * REFUSED (the peer aborted), or NONE (not finished, or a protocol error). */
enum verify_outcome verify_spake2_outcome(const struct verify_spake2 *v);

/* Ke, after a MATCH; XE2E_E_STATE otherwise. */
int verify_spake2_key(const struct verify_spake2 *v, uint8_t ke[static SPAKE2_KEY_LEN]);

/* The epoch the confirmations named (see above), after a MATCH;
 * XE2E_E_STATE otherwise. With Ke it names the root step both sides mix
 * the key into (ratchet_spake2_step()). */
int verify_spake2_epoch(const struct verify_spake2 *v, uint32_t *epoch);

/* Wipes the run (not the caller's secret). */
void verify_spake2_wipe(struct verify_spake2 *v);

#endif
