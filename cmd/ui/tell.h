/*
 * What xe2e-seal and xe2e-open tell the user about a session that came
 * into use (xe2e.h's struct xe2e_session), in the same words on both
 * sides: its flags that weaken its trust (xe2e(7) SESSIONS), and the
 * prekey an offline session started from.
 */
#ifndef XE2E_TELL_H
#define XE2E_TELL_H

/* Warns (DIAG_WARNING) of rs-reset and offline-origin in flags (the
 * XE2E_SESSION_* bits), naming the session as subject: "SUBJECT carries
 * rs-reset: ...". */
void tell_session_flags(const char *subject, unsigned flags);

/* The prekey an offline session started from: "a one-time prekey" or
 * "the signed prekey alone". */
const char *tell_prekey(unsigned flags);

#endif
