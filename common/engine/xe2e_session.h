/*
 * What a sealer or an opener (xe2e.h) tells its caller of a session in use:
 * part of the stanza-level API, kept apart so that the sessions in use
 * (session_cache.h), which the sealer and the opener are built on, can
 * fill it without depending on them.
 */
#ifndef XE2E_API_SESSION_H
#define XE2E_API_SESSION_H

#include <stdint.h>

#include "jid.h"
#include "session.h"

#define XE2E_DETAIL_MAX 512

/* What a caller may tell its user about a session. */
struct xe2e_session {
	unsigned flags;                /* XE2E_SESSION_* */
	uint8_t id[SESSION_ID_LEN];
	char peer_bare[JID_MAX + 1];
	char peer_full[JID_MAX + 1];   /* the device the session is with */
	char detail[XE2E_DETAIL_MAX];  /* with XE2E_SESSION_UNTRUSTED: why */
};

enum {
	/* Used by this handle for the first time just now: the flags below
	 * are news, to be shown once. */
	XE2E_SESSION_LOADED = 1 << 0,
	/* The retained secrets did not match at the handshake and that was
	 * accepted: the peer needs verifying (xe2e-verify-sas). */
	XE2E_SESSION_RS_RESET = 1 << 1,
	/* Started from prekeys: trust capped at tofu until a real-time
	 * handshake. */
	XE2E_SESSION_OFFLINE_ORIGIN = 1 << 2,
	/* The trust store no longer stands behind the peer (a SAS mismatch,
	 * a revocation): the detail says what happened. An opener still opens
	 * (what it opens may come from someone else); a sealer refuses. */
	XE2E_SESSION_UNTRUSTED = 1 << 3,
	/* Started just now by an initial message (sealed to a bundle, or
	 * opened), with a one-time prekey or with the signed prekey alone. */
	XE2E_SESSION_STARTED = 1 << 4,
	XE2E_SESSION_ONE_TIME_PREKEY = 1 << 5,
	/* With STARTED by an opener: the peer was first seen now (recorded
	 * as tofu). */
	XE2E_SESSION_NEW_PEER = 1 << 6,
};

#endif
