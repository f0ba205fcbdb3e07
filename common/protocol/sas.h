/*
 * Short authentication strings (xe2e(7) VERIFICATION "Short authentication string"): a commit-reveal exchange
 * of two nonces inside an established session, and the 8-character code
 * that both people compare.
 *
 *   initiator (Noise initiator)          responder
 *   nA random
 *   COMMIT  SHA-256(hh || "xe2e sas commit" || nA)  ->
 *                                        <-  NONCE  nB random
 *   REVEAL  nA                           ->  checks the commitment
 *
 *   code = HKDF-SHA256(salt empty, ikm = hh || nA || nB, info "xe2e sas",
 *          5 bytes): 40 bits, 8 Crockford base32 symbols, shown "K7M2-X9QP"
 *
 * hh is the session's handshake hash. Because the initiator is bound to nA
 * before it sees nB, and the responder chooses nB before it sees nA, a man
 * in the middle matches both codes with probability 2^-40 per completed
 * run; aborted runs must be counted by the caller.
 *
 * Messages are SAS_MSG_LEN bytes: one type byte (SAS_MSG_COMMIT,
 * SAS_MSG_NONCE, SAS_MSG_REVEAL) followed by 32 bytes (the commitment, nB,
 * nA). The program carries them in sealed control stanzas.
 *
 * Errors, all final (the state wipes its nonces; later calls are
 * XE2E_E_STATE):
 * - a message that is not SAS_MSG_LEN bytes or has an unknown type:
 *   XE2E_E_MALFORMED;
 * - a message of a known type that this side may not receive now, which
 *   includes a commit or a reveal arriving at the initiator and a nonce
 *   arriving at the responder (a commit from the wrong side): XE2E_E_STATE;
 * - a reveal that does not match the commitment: XE2E_E_AUTH ("possible
 *   attack").
 */
#ifndef XE2E_SAS_H
#define XE2E_SAS_H

#include <stddef.h>
#include <stdint.h>

#define SAS_HH_LEN 32      /* the session's handshake hash */
#define SAS_NONCE_LEN 32
#define SAS_MSG_LEN 33     /* type byte || 32 bytes */
#define SAS_CODE_LEN 5     /* 40 bits */
#define SAS_SYMBOLS 8      /* Crockford base32 symbols of a code */
#define SAS_TEXT_LEN 10    /* "XXXX-XXXX" and its NUL */
#define SAS_INPUT_MAX 64   /* longest typed code accepted, separators included */

enum sas_role {
	SAS_INITIATOR = 1, /* the Noise initiator: commits, then reveals */
	SAS_RESPONDER = 2, /* the Noise responder: sends the second nonce */
};

enum sas_msg_type {
	SAS_MSG_COMMIT = 0x01,
	SAS_MSG_NONCE = 0x02,
	SAS_MSG_REVEAL = 0x03,
};

/* One side of one run. The fields are private. */
struct sas {
	int role;
	int state;
	uint8_t hh[SAS_HH_LEN];
	uint8_t n_a[SAS_NONCE_LEN];
	uint8_t n_b[SAS_NONCE_LEN];
	uint8_t commit[SAS_NONCE_LEN];
	uint8_t code[SAS_CODE_LEN];
};

/* Starts one side of a run over the session's handshake hash. A bad role
 * is XE2E_E_MALFORMED (and final). Release with sas_wipe(). */
int sas_init(struct sas *s, enum sas_role role, const uint8_t hh[static SAS_HH_LEN]);

/*
 * Writes this side's next message when it is this side's turn: the
 * initiator's commit (at the start) and reveal (after the nonce), the
 * responder's nonce (after the commit). Otherwise XE2E_E_STATE, final.
 */
int sas_send(struct sas *s, uint8_t out[static SAS_MSG_LEN]);

/* Takes the peer's next message (len bytes as received); see the errors
 * above. */
int sas_receive(struct sas *s, const uint8_t *msg, size_t len);

/* 1 when the code is known: the initiator has sent its reveal, or the
 * responder has checked it. */
int sas_is_complete(const struct sas *s);

/* The code as shown, "XXXX-XXXX"; XE2E_E_STATE before the run completes. */
int sas_code(const struct sas *s, char out[static SAS_TEXT_LEN]);

/*
 * Compares a code typed by the user (sas_parse) with this run's code, in
 * constant time: XE2E_OK when equal, XE2E_E_AUTH when not, XE2E_E_MALFORMED
 * when the text is not a code, XE2E_E_STATE before the run completes.
 */
int sas_check(const struct sas *s, const char *typed);

/* Wipes the state; it can then be initialised again. */
void sas_wipe(struct sas *s);

/* SHA-256(hh || "xe2e sas commit" || nA). */
int sas_commitment(const uint8_t hh[static SAS_HH_LEN], const uint8_t n_a[static SAS_NONCE_LEN],
		   uint8_t out[static SAS_NONCE_LEN]);

/* The 40 bits of the code: HKDF-SHA256(salt empty, hh || nA || nB,
 * "xe2e sas", 5 bytes). */
int sas_derive(const uint8_t hh[static SAS_HH_LEN], const uint8_t n_a[static SAS_NONCE_LEN],
	       const uint8_t n_b[static SAS_NONCE_LEN], uint8_t code[static SAS_CODE_LEN]);

/* The 40 bits as 8 Crockford base32 symbols (0123456789ABCDEFGHJKMNPQRSTVWXYZ,
 * most significant first) in two groups of four: "K7M2-X9QP". */
void sas_format(const uint8_t code[static SAS_CODE_LEN], char out[static SAS_TEXT_LEN]);

/*
 * Reads a typed code: letters in either case, dashes and spaces anywhere
 * ignored, I and L read as 1 and O as 0 (Crockford's decoding); exactly 8
 * symbols. Anything else (U, other characters, 7 or 9 symbols, more than
 * SAS_INPUT_MAX characters) is XE2E_E_MALFORMED.
 */
int sas_parse(const char *text, uint8_t code[static SAS_CODE_LEN]);

#endif
