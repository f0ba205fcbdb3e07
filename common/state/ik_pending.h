/*
 * The IK responder's pending sessions (xe2e(7), HANDSHAKE "The IK
 * responder"): a session stored pending waits for the initiator's first
 * message. One that never gets it (the initiator gave up, or the step 1 was
 * a replay older than the replay cache, or came from a peer that never
 * sends) must not stay for ever, or step 1s could grow the state tree
 * without bound. Every pending session is recorded here when it is stored;
 * each record drops, and deletes the session if it is still pending:
 *
 *   - records older than IK_PENDING_TTL seconds;
 *   - a peer's records beyond the newest IK_PENDING_PER_PEER, so that one
 *     peer cannot push out another's;
 *   - the oldest records beyond IK_PENDING_MAX in all.
 *
 * A record stamped later than the clock (set back) is not expired. A
 * session confirmed meanwhile is left alone: only its record goes.
 *
 * The file is "ik-pending" in the state tree, mode 0600, changed only under
 * the lock "ik-pending.lock" and replaced atomically:
 *
 *   "xe2e ik-pending v1" LF
 *   *(32 hex session id SP unix-seconds SP 32 hex peer LF)   ; oldest first
 *
 * where peer is the first 16 bytes of SHA-256 of the peer's bare JID.
 */
#ifndef XE2E_IK_PENDING_H
#define XE2E_IK_PENDING_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"

#define IK_PENDING_FILE "ik-pending"
#define IK_PENDING_TTL (7u * 24 * 3600)
#define IK_PENDING_PER_PEER 8u
#define IK_PENDING_MAX 10000u

/*
 * Under the lock: loads the records at path (NULL: the default file in the
 * state tree; a missing file has none), drops the ones the rules above drop
 * as of now, deleting their sessions (file and lock) when still pending,
 * then adds (id, now, peer_bare) and writes the file. Call it before the
 * session is stored, so that no pending session goes unrecorded; a record
 * whose session does not exist is simply dropped in its turn. A file that
 * does not parse is XE2E_E_MALFORMED and left alone.
 */
int ik_pending_record(const char *path, const uint8_t id[static SESSION_ID_LEN],
		      const char *peer_bare, uint64_t now);

#endif
