/*
 * What to tell someone who has no session with a peer: where the programs
 * looked, and whether there is an identity there at all (a second terminal
 * without the XE2E_HOME of the first finds neither).
 */
#ifndef XE2E_SESSION_MISSING_H
#define XE2E_SESSION_MISSING_H

/*
 * Sets the detail for "no session with bare" and returns XE2E_E_NOTFOUND:
 * "no identity in DATA-DIR (XE2E_HOME ...): run xe2e-keygen --jid JID
 * first" when the data directory holds no identity, else "no session with
 * BARE in SESSIONS-DIR: run xe2e-handshake first".
 */
int session_missing(const char *bare);

#endif
