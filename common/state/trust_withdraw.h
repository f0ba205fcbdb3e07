/*
 * Withdrawing trust in a peer's identity keys (xe2e(7) TRUST STORE), as a
 * person asks for it: revoked (never accepted again) or forgotten (as if
 * never seen). Either way the retained secrets kept for the keys it
 * touched are deleted too (secrets.h), so that no later handshake builds
 * on what was shared with a key no longer trusted.
 */
#ifndef XE2E_TRUST_WITHDRAW_H
#define XE2E_TRUST_WITHDRAW_H

#include <stddef.h>
#include <stdint.h>

#include "sig.h"

enum trust_withdraw {
	TRUST_WITHDRAW_REVOKE, /* level revoked; the entry stays */
	TRUST_WITHDRAW_FORGET, /* the entry and its devices removed */
};

/*
 * Withdraws the entry (jid, fpr) of the trust file at path (NULL: the
 * default), or with fpr NULL every entry of jid (for a revocation, every
 * one not revoked yet), under the store's lock (trust_update). *n (when n
 * is not NULL) gets how many identity keys it touched. XE2E_E_NOTFOUND,
 * with a detail, when nothing matched; the store is then unchanged.
 */
int trust_withdraw(const char *path, enum trust_withdraw how, const char *jid, const uint8_t *fpr,
		   size_t *n);

#endif
