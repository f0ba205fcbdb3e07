/*
 * Retry cookies (xe2e(7), HANDSHAKE "Retry"): a responder that asks an
 * initiator to start again names its choice and hands out a cookie, a MAC
 * under a key only it holds over the offer it answers, the choice, the
 * initiator's bare JID and the time, as TLS 1.3 does for
 * HelloRetryRequest. It accepts the retried step 1 only with a valid,
 * fresh cookie for the same offer lists, choice and JID.
 *
 *   cookie = timestamp(8, big-endian Unix seconds) |
 *            first 16 bytes of HMAC-SHA256(key, "xe2e cookie" | lp(offer) |
 *            kind | version | suite | pattern | lp(jid) | timestamp)
 */
#ifndef XE2E_COOKIE_H
#define XE2E_COOKIE_H

#include <stddef.h>
#include <stdint.h>

#define COOKIE_KEY_LEN 32
#define COOKIE_LEN 24
#define COOKIE_MAC_LEN 16
#define COOKIE_LIFETIME 300 /* seconds a cookie stays valid */
#define COOKIE_KEY_FILE "cookie.key"

/* What a cookie binds. offer is the offer bytes of the step 1 answered. */
struct cookie_input {
	const uint8_t *offer;
	size_t offer_len;
	uint8_t kind;
	uint8_t version;
	uint8_t suite;
	uint8_t pattern;
	const char *jid; /* the initiator's normalised bare JID */
};

/* Makes the cookie for in at time now. */
int cookie_make(const uint8_t key[static COOKIE_KEY_LEN], const struct cookie_input *in,
		uint64_t now, uint8_t out[static COOKIE_LEN]);

/*
 * Checks a cookie: exactly COOKIE_LEN bytes (else XE2E_E_MALFORMED), the MAC
 * (constant-time; XE2E_E_AUTH), and its age: made at most COOKIE_LIFETIME
 * seconds before now and not in the future (XE2E_E_EXPIRED).
 */
int cookie_check(const uint8_t key[static COOKIE_KEY_LEN], const struct cookie_input *in,
		 const uint8_t *cookie, size_t cookie_len, uint64_t now);

/*
 * Loads the responder's cookie key, "cookie.key" in the state tree (a
 * 0600 file of 32 raw bytes), making it with fresh random bytes on first
 * use. A file of another size is XE2E_E_MALFORMED; one others can read,
 * XE2E_E_PERM.
 */
int cookie_key_load(uint8_t key[static COOKIE_KEY_LEN]);

#endif
