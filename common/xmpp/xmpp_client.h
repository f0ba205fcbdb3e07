/*
 * Client stream negotiation (RFC 6120 sections 4 to 7): connect, open the
 * stream, STARTTLS (required: xe2e never authenticates or sends a stanza
 * without TLS), SASL (SCRAM-SHA-256, then SCRAM-SHA-1, then PLAIN, which
 * only ever runs inside TLS whose certificate was verified; the SCRAM
 * server signature must verify),
 * restart, resource binding, the RFC 3921 session when a server still
 * needs one, and initial presence. Afterwards the connection carries
 * stanzas (xmpp_pump.h).
 */
#ifndef XE2E_XMPP_CLIENT_H
#define XE2E_XMPP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "jid.h"
#include "xmpp_conn.h"
#include "xmpp_stream.h"
#include "xmpp_tls.h"

#define XMPP_DEFAULT_PORT "5222"
#define XMPP_PASSWORD_MAX 1024

struct xmpp_client_options {
	const char *jid;      /* bare, or full with the resource to ask for */
	const char *password; /* the account's password */
	const char *host;     /* NULL: the JID's domain */
	const char *port;     /* NULL: XMPP_DEFAULT_PORT */
	const char *resource; /* NULL: the JID's, else the server chooses */
	struct xmpp_tls_options tls;
	unsigned mechs;       /* enum xmpp_mech bits allowed; 0: all */
	int presence;         /* send initial presence */
};

/* What negotiation found, for the caller to report. */
struct xmpp_client_info {
	char full_jid[JID_MAX + 1]; /* as the server bound it */
	char tls[128];              /* version and cipher suite */
	enum xmpp_mech mech;        /* the SASL mechanism used */
	uint32_t verify_flags;      /* with --insecure: why the certificate
				     * would not verify; 0 when it does */
};

/*
 * Connects and negotiates, leaving c ready for stanzas. Errors, each with
 * a detail: XE2E_E_NOTFOUND/XE2E_E_IO/XE2E_E_TIMEOUT (network),
 * XE2E_E_TRUST (the certificate does not verify), XE2E_E_UNSUPPORTED (no
 * STARTTLS, no mechanism in common, no resource binding; with tls.insecure,
 * a server that offers PLAIN but no SCRAM), XE2E_E_AUTH
 * (wrong password, refused account, or a SCRAM server signature that does
 * not verify), XE2E_E_MALFORMED (the server broke the protocol),
 * XE2E_E_STATE (the server refused the binding or the session).
 */
int xmpp_client_connect(struct xmpp_conn *c, const struct xmpp_client_options *o,
			struct xmpp_client_info *info);

/*
 * Reads the first line of a password file (without its line end) into
 * out. The file must not be readable by others (XE2E_E_PERM, as for keys);
 * XE2E_E_MALFORMED for an empty first line or a NUL byte, XE2E_E_LIMIT
 * past XMPP_PASSWORD_MAX bytes.
 */
int xmpp_password_read(const char *path, char out[static XMPP_PASSWORD_MAX + 1]);

#endif
