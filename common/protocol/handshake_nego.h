/*
 * Negotiation of the handshake's version, suite and pattern
 * (xe2e(7), HANDSHAKE): the codes this implementation knows, their names,
 * the lists a side supports, and the downgrade check.
 */
#ifndef XE2E_HANDSHAKE_NEGO_H
#define XE2E_HANDSHAKE_NEGO_H

#include <stddef.h>
#include <stdint.h>

#include "handshake_msg.h"

/* Room for "Noise_XXpsk2_25519_ChaChaPoly_SHA256" and its NUL. */
#define HS_PROTOCOL_NAME_MAX 64

/* "25519_ChaChaPoly_SHA256", or NULL for a suite this side does not know. */
const char *hsnego_suite_name(uint8_t suite);

/* "ChaChaPoly" or "AESGCM" (the --suites spelling), or NULL. */
const char *hsnego_suite_short_name(uint8_t suite);

/* "XXpsk2" or "IKpsk1", or NULL. */
const char *hsnego_pattern_name(uint8_t pattern);

/* 1 when this implementation speaks the version (only 1). */
int hsnego_version_known(uint8_t version);

/* Writes the Noise protocol name of a pattern and suite. XE2E_E_UNSUPPORTED
 * for an unknown code. */
int hsnego_protocol_name(uint8_t pattern, uint8_t suite, char out[static HS_PROTOCOL_NAME_MAX]);

/* The default lists: version 1; ChaChaPoly, then AESGCM. */
void hsnego_lists_default(struct hs_lists *lists);

/*
 * Sets the suite list from "ChaChaPoly,AESGCM" (comma separated, in
 * preference order, case-sensitive, no repeats); the version list is the
 * default. XE2E_E_MALFORMED with a detail otherwise.
 */
int hsnego_lists_parse_suites(const char *text, struct hs_lists *lists);

/*
 * The first entry of pref that other also holds and this implementation
 * knows (known is hsnego_version_known or suite name lookup, by what).
 * XE2E_E_UNSUPPORTED when there is none.
 */
int hsnego_best_version(const struct hs_lists *pref, const struct hs_lists *other, uint8_t *out);
int hsnego_best_suite(const struct hs_lists *pref, const struct hs_lists *other, uint8_t *out);

/*
 * The downgrade check after authentication: the version and suite used must
 * be the best mutual ones, that is the first of the Noise initiator's lists
 * that the responder's lists hold. XE2E_E_TRUST with the detail "downgrade
 * attack" otherwise.
 */
int hsnego_check_best(uint8_t version, uint8_t suite, const struct hs_lists *initiator,
		      const struct hs_lists *responder);

#endif
