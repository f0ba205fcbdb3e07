/*
 * SASL authentication inside an XMPP stream (RFC 6120 section 6): <auth/>,
 * <challenge/>, <response/>, then <success/> or <failure/>. SCRAM must end
 * with a server signature that verifies (in <success/>'s additional data
 * or a last <challenge/>); PLAIN is refused unless the stream runs over
 * TLS.
 */
#ifndef XE2E_XMPP_SASL_H
#define XE2E_XMPP_SASL_H

#include "xmpp_conn.h"
#include "xmpp_stream.h"

#define XMPP_SASL_DATA_MAX 4096 /* decoded bytes of one challenge */

/*
 * Authenticates user (the nodeprep'd localpart) with password using mech.
 * XE2E_OK once the server said <success/> and, for SCRAM, proved it knows
 * the password. XE2E_E_AUTH for <failure/> (detail: its condition and
 * text, e.g. "not-authorized") or a bad server signature; XE2E_E_STATE for
 * PLAIN without TLS; XE2E_E_MALFORMED for anything out of protocol.
 */
int xmpp_sasl_auth(struct xmpp_conn *c, enum xmpp_mech mech, const char *user,
		   const char *password);

#endif
