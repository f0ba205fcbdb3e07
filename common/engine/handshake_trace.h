/*
 * What xe2e-handshake --trace shows of each handshake stanza, for people
 * who debug handshakes by hand: the step, the offer (versions, suites,
 * pattern), cookies, retries, the parts of the Noise message with their
 * sizes, short ids of ephemeral keys, and the names and sizes of the
 * fields an encrypted payload holds (xe2e(7), HANDSHAKE).
 *
 * Only what travels on the wire is read, so nothing secret can be shown:
 * no private key, chaining key, psk, retained secret or plaintext. Field
 * sizes of an encrypted payload follow from the pattern and the payload's
 * length; the size of the 'supported' lists is known for this side's own
 * messages only, so for the peer's it is given together with the padding.
 */
#ifndef XE2E_HANDSHAKE_TRACE_H
#define XE2E_HANDSHAKE_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "handshake.h"
#include "handshake_msg.h"

/* What the trace remembers between stanzas. */
struct hstrace {
	uint8_t pattern;     /* of the last step 1 or swap seen; 0 before one */
	struct hs_lists own; /* this side's lists: the size of its 'supported' */
	size_t own_cred;     /* the size of this side's credential */
};

/* Starts a trace for a side with these lists and a kind 1 credential. */
void hstrace_init(struct hstrace *t, const struct hs_lists *own);

/* This side's credential takes len bytes (a kind 2 one: 1 + 2 + the chain
 * + HS_BINDING_LEN). */
void hstrace_own_credential(struct hstrace *t, size_t len);

/*
 * Appends one line (without a newline) describing a handshake stanza's
 * decoded body: sent is 1 for this side's own stanzas; reason is the abort
 * reason attribute (NULL when absent; shown escaped as one word). A body
 * that does not parse is described as such: this never fails but for lack
 * of memory.
 */
int hstrace_describe(struct hstrace *t, int sent, enum hs_step step, const uint8_t *body,
		     size_t len, const char *reason, struct buf *out);

#endif
