/*
 * The client side of SASL SCRAM (RFC 5802) with SHA-1 and SHA-256
 * (RFC 7677), without channel binding (GS2 header "n,,"). The messages are
 * the raw SCRAM text; the XMPP layer base64-encodes them into <auth/>,
 * <response/> and reads them from <challenge/> and <success/>.
 *
 *   scram_start()   client-first-message  "n,,n=USER,r=CNONCE"
 *   scram_respond() reads server-first-message, writes client-final-message
 *   scram_verify()  reads server-final-message: the server's signature must
 *                   verify, so a server that does not know the password (or
 *                   its salted form) is refused.
 *
 * The password is SASLprep'd (RFC 4013) as servers such as Prosody do; the
 * user name is sent as given, with ',' and '=' escaped (the caller passes
 * the nodeprep'd localpart of the JID). Iteration counts outside
 * [SCRAM_MIN_ITERATIONS, SCRAM_MAX_ITERATIONS] are refused: too few makes
 * the exchange a cheap password oracle, too many a denial of service.
 */
#ifndef XE2E_XMPP_SCRAM_H
#define XE2E_XMPP_SCRAM_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum scram_alg {
	SCRAM_SHA1 = 1,
	SCRAM_SHA256 = 2,
};

#define SCRAM_MIN_ITERATIONS 4096u
#define SCRAM_MAX_ITERATIONS 10000000u
#define SCRAM_NONCE_BYTES 24 /* random bytes of the client nonce */
#define SCRAM_NONCE_MAX 256  /* characters of a nonce, either side */
#define SCRAM_SALT_MAX 128   /* bytes of salt */
#define SCRAM_HASH_MAX 32
#define SCRAM_PASSWORD_MAX 1024

enum scram_step {
	SCRAM_NEW = 0,
	SCRAM_STARTED,  /* client-first sent */
	SCRAM_RESPONDED, /* client-final sent, expecting the server's signature */
	SCRAM_VERIFIED, /* the server proved it knows the password */
	SCRAM_FAILED,   /* final: every later call fails */
};

struct scram {
	enum scram_alg alg;
	enum scram_step step;
	struct buf first_bare; /* client-first-message-bare */
	char cnonce[SCRAM_NONCE_MAX + 1];
	uint8_t server_sig[SCRAM_HASH_MAX];
};

#define SCRAM_INIT {0, SCRAM_NEW, BUF_INIT, {0}, {0}}

/* The SASL mechanism name: "SCRAM-SHA-1", "SCRAM-SHA-256"; NULL for an
 * unknown alg. */
const char *scram_mech_name(enum scram_alg alg);

/*
 * Starts an exchange for user and appends the client-first-message to out.
 * cnonce NULL makes a random nonce (SCRAM_NONCE_BYTES, base64); tests pass
 * the published ones. XE2E_E_MALFORMED for an empty user or a nonce with
 * characters SCRAM does not allow.
 */
int scram_start(struct scram *s, enum scram_alg alg, const char *user, const char *cnonce,
		struct buf *out);

/*
 * Reads the server-first-message (n bytes, not NUL-terminated) and appends
 * the client-final-message with the proof for password. Fails with
 * XE2E_E_MALFORMED (shape, a nonce that does not extend ours, bad base64),
 * XE2E_E_UNSUPPORTED (a mandatory extension), XE2E_E_LIMIT (iteration
 * count), or XE2E_E_AUTH for a password SASLprep refuses.
 */
int scram_respond(struct scram *s, const char *password, const uint8_t *msg, size_t n,
		  struct buf *out);

/* Reads the server-final-message: XE2E_OK when its signature verifies,
 * XE2E_E_AUTH when it does not or the server sent e=ERROR (named in the
 * detail), XE2E_E_MALFORMED for anything else. */
int scram_verify(struct scram *s, const uint8_t *msg, size_t n);

/* Wipes the state; the struct may be started again. */
void scram_wipe(struct scram *s);

#endif
