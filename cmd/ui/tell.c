/* What the programs tell about sessions (see tell.h). */
#include "tell.h"

#include "diag.h"
#include "xe2e.h"

void tell_session_flags(const char *subject, unsigned flags)
{
	if (flags & XE2E_SESSION_RS_RESET)
		diag(DIAG_WARNING, "%s carries rs-reset: the retained secrets did not match; "
		     "verify the peer (xe2e-verify-sas)", subject);
	if (flags & XE2E_SESSION_OFFLINE_ORIGIN)
		diag(DIAG_WARNING, "%s started from prekeys (offline-origin): its trust is capped "
		     "at tofu until a real-time handshake (xe2e-handshake)", subject);
}

const char *tell_prekey(unsigned flags)
{
	return flags & XE2E_SESSION_ONE_TIME_PREKEY ? "a one-time prekey"
						    : "the signed prekey alone";
}
