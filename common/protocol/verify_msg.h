/*
 * The control elements of a verification run (xe2e(7) VERIFICATION "Control stanzas"): what
 * xe2e-verify-sas seals, each inside an ordinary <message type='chat'> of
 * the session (verify_wire.h), so that they travel and are protected like
 * every other stanza.
 *
 *   <sas xmlns='urn:xe2e:1' step='STEP'>BASE64</sas>
 *   <spake2 xmlns='urn:xe2e:1' step='STEP'>BASE64</spake2>
 *
 * Steps of a SAS run (I is the session's Noise initiator, R the responder),
 * the body being canonical padded base64 of exactly the bytes named:
 *
 *   commit         I -> R   SHA-256(hh || "xe2e sas commit" || nA), 32 bytes
 *   nonce          R -> I   nB, 32 bytes
 *   reveal         I -> R   nA, 32 bytes
 *
 * Steps of a shared-secret run (A is the Noise initiator, B the responder):
 *
 *   start          A -> B   empty
 *   share          B -> A   pB, 65 bytes
 *   share-confirm  A -> B   pA || A's confirmation, 65 + 32 bytes
 *   confirm        B -> A   B's confirmation, 32 bytes
 *
 * Both kinds end with results and may stop with an abort:
 *
 *   result         the text "yes" (the codes match, or the confirmation
 *                  verified), "no", or "unchecked" (shown only, nobody
 *                  compared); an optional reason attribute
 *   abort          empty, with a reason attribute: the run stops here and
 *                  nobody answers it
 *
 * Reasons are the tokens of enum verify_reason's names. The element has no
 * other attributes and no child elements; anything else is malformed.
 */
#ifndef XE2E_VERIFY_MSG_H
#define XE2E_VERIFY_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "xe2e_ns.h"
#include "xml.h"

#define VERIFY_BODY_MAX 97 /* share-confirm: 65 + 32 bytes */

enum verify_method {
	VERIFY_SAS = 1,
	VERIFY_SPAKE2 = 2,
};

enum verify_step {
	VERIFY_STEP_NONE = 0, /* no message (nothing to send) */
	VERIFY_SAS_COMMIT,
	VERIFY_SAS_NONCE,
	VERIFY_SAS_REVEAL,
	VERIFY_SP_START,
	VERIFY_SP_SHARE,
	VERIFY_SP_SHARE_CONFIRM,
	VERIFY_SP_CONFIRM,
	VERIFY_STEP_RESULT,
	VERIFY_STEP_ABORT,
};

enum verify_answer {
	VERIFY_ANSWER_NONE = 0, /* not given yet */
	VERIFY_ANSWER_YES,
	VERIFY_ANSWER_NO,
	VERIFY_ANSWER_UNCHECKED,
};

enum verify_reason {
	VERIFY_REASON_NONE = 0,
	VERIFY_REASON_COMMITMENT, /* a reveal that does not match its commitment */
	VERIFY_REASON_SECRET,     /* the shared secrets differ */
	VERIFY_REASON_METHOD,     /* the other side runs the other kind of run */
	VERIFY_REASON_PROTOCOL,   /* a step out of order or from the wrong side */
	VERIFY_REASON_MALFORMED,  /* a control element that does not parse */
	VERIFY_REASON_LIMIT,      /* too many failed shared-secret runs */
	VERIFY_REASON_CANCELLED,  /* the user gave no answer */
	VERIFY_REASON_ERROR,      /* a local error (files, keys) */
};

/* One control element. */
struct verify_msg {
	enum verify_method method;
	enum verify_step step;
	uint8_t body[VERIFY_BODY_MAX]; /* the decoded bytes of the steps above */
	size_t len;
	enum verify_answer answer;     /* result */
	enum verify_reason reason;     /* result (may be NONE), abort (never NONE) */
};

/* "commit", "share-confirm", "result", ...; NULL outside the enum. */
const char *verify_step_name(enum verify_step step);

/* "sas", "spake2"; NULL outside the enum. */
const char *verify_method_name(enum verify_method method);

/* "yes", "no", "unchecked"; NULL for NONE and outside the enum. */
const char *verify_answer_name(enum verify_answer answer);

/* "commitment", "secret", ...; NULL for NONE and outside the enum. */
const char *verify_reason_name(enum verify_reason reason);

/* The method a step belongs to; 0 for result, abort and NONE, which both
 * methods use. */
enum verify_method verify_step_method(enum verify_step step);

/* Makes m a result (answer, reason may be NONE) or an abort (reason). */
void verify_msg_result(struct verify_msg *m, enum verify_method method, enum verify_answer answer,
		       enum verify_reason reason);
void verify_msg_abort(struct verify_msg *m, enum verify_method method, enum verify_reason reason);

/*
 * Makes the control element of m. XE2E_E_MALFORMED when m is inconsistent:
 * a step of the other method, a body of the wrong length, a result
 * without an answer, an abort without a reason.
 */
int verify_msg_build(const struct verify_msg *m, struct xml_node **out);

/*
 * Reads a control element strictly (see above). XE2E_E_NOTFOUND when el is
 * no <sas/> or <spake2/> in urn:xe2e:1; XE2E_E_MALFORMED, with a detail,
 * for one that is not exactly as described. m is zeroed on failure.
 */
int verify_msg_parse(const struct xml_node *el, struct verify_msg *m);

/*
 * Finds and reads the one control element among the children of an opened
 * stanza, which must be a <message type='chat'>. XE2E_E_NOTFOUND when it
 * is another stanza or has no control element; XE2E_E_MALFORMED for two
 * control elements or one that does not parse.
 */
int verify_msg_find(const struct xml_node *stanza, struct verify_msg *m);

/* Wipes m. */
void verify_msg_wipe(struct verify_msg *m);

#endif
