/*
 * The trust store's word on a session in use (see channel.h): a session
 * whose peer key a SAS comparison found mismatched, or that the user
 * revoked, is not one to trust, whatever level it was made at.
 */
#include "channel.h"

#include "err.h"
#include "trust.h"

int channel_trust_check(const struct channel *ch)
{
	enum trust_level level;
	int err = trust_level_of(NULL, ch->peer_bare, ch->peer_fpr, &level);

	if (err) {
		err_detail_clear();
		return XE2E_OK;
	}
	if (level == TRUST_MISMATCH) {
		err_detail_set("a SAS comparison with %s failed and its identity key is marked "
			       "mismatch: someone may be intercepting the session. To start again: "
			       "%s %s, a new handshake, then %s", ch->peer_bare,
			       err_advice(ERR_ADVICE_FORGET_PEER), ch->peer_bare,
			       err_advice(ERR_ADVICE_VERIFY));
		return XE2E_E_TRUST;
	}
	if (level == TRUST_REVOKED) {
		err_detail_set("the identity key of %s in this session is revoked", ch->peer_bare);
		return XE2E_E_TRUST;
	}
	return XE2E_OK;
}
