/*
 * OpenPGP credentials (xe2e(7) KEYS): a user's OpenPGP key certifies their
 * xe2e identity key with a detached signature over a statement. This module holds what is bytes and text only: the
 * statement, the user ids that name a JID, the file the credential is kept
 * in. It never reads an OpenPGP packet; GnuPG does (openpgp.h).
 *
 * The statement, signed as binary data:
 *
 *   lp16("xe2e openpgp-binding v1") || lp16(bare JID)
 *   || identity fingerprint (32) || be64(created)
 *
 * lp16(x) is x's length as 2 big-endian bytes, then x; the identity
 * fingerprint is SHA-256 of the identity key's SubjectPublicKeyInfo; created
 * is when the statement was made, UNIX seconds.
 *
 * The file "identity.openpgp" in the data tree, mode 0644, written as one
 * step with the other identity files (identity.h):
 *
 *   xe2e openpgp-credential v1
 *   jid: alice@capulet.lit
 *   identity: <64 lower-case hex digits: the identity fingerprint>
 *   openpgp: <40 upper-case hex digits: the OpenPGP key's fingerprint>
 *   created: 1735689600
 *   key: <base64: the OpenPGP key, minimal export, binary>
 *   signature: <base64: the detached signature, binary>
 */
#ifndef XE2E_OPENPGP_CRED_H
#define XE2E_OPENPGP_CRED_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "jid.h"
#include "sig.h"

#define OPENPGP_FILE "identity.openpgp"
#define OPENPGP_STATEMENT_CONTEXT "xe2e openpgp-binding v1"
/* A version 4 fingerprint as GnuPG prints it: 40 upper-case hex digits. */
#define OPENPGP_FPR_HEX_LEN 40
/* The most bytes of the key and of the signature a credential carries. */
#define OPENPGP_KEY_MAX 6144
#define OPENPGP_SIG_MAX 1024
#define OPENPGP_REASON_MAX 256

struct openpgp_cred {
	char fpr[OPENPGP_FPR_HEX_LEN + 1]; /* the OpenPGP (primary) key's fingerprint */
	uint64_t created;                  /* the statement's time */
	struct buf key;                    /* the public key: primary key, the xmpp:
					    * user id and its self-signature, the
					    * signing subkey if it is one */
	struct buf sig;                    /* the detached signature of the statement */
};

#define OPENPGP_CRED_INIT {"", 0, BUF_INIT, BUF_INIT}

/* Frees the buffers; c is then like OPENPGP_CRED_INIT. */
void openpgp_cred_free(struct openpgp_cred *c);

/* Appends the statement for (jid, identity fingerprint, created). */
int openpgp_statement(const char *jid, const uint8_t id_fpr[static FINGERPRINT_LEN],
		      uint64_t created, struct buf *out);

/*
 * The bare JID an OpenPGP user id names, normalised: the whole user id
 * "xmpp:JID" (XEP-0373's form), or the address of "Name <xmpp:JID>".
 * XE2E_E_NOTFOUND for a user id of another form; XE2E_E_MALFORMED for an
 * xmpp: address that is no bare JID.
 */
int openpgp_uid_jid(const char *uid, char jid[static JID_MAX + 1]);

/* 1 when the user id names the normalised bare JID jid, else 0. */
int openpgp_uid_names(const char *uid, const char *jid);

/* Checks an OpenPGP fingerprint's spelling: 40 upper-case hex digits.
 * XE2E_E_MALFORMED otherwise. */
int openpgp_fpr_check(const char *text);

/* Appends the text of identity.openpgp for c and the identity (jid, id_fpr). */
int openpgp_cred_format(const struct openpgp_cred *c, const char *jid,
			const uint8_t id_fpr[static FINGERPRINT_LEN], struct buf *out);

/*
 * Parses exactly len bytes of identity.openpgp, strictly: the lines above in
 * that order, a normalised bare JID, canonical base64, a key of 1 to
 * OPENPGP_KEY_MAX bytes, a signature of 1 to OPENPGP_SIG_MAX bytes, nothing
 * after. XE2E_E_MALFORMED with a detail naming the line otherwise. c must be
 * empty (OPENPGP_CRED_INIT); on error it is left empty.
 */
int openpgp_cred_parse(const uint8_t *text, size_t len, struct openpgp_cred *c,
		       char jid[static JID_MAX + 1], uint8_t id_fpr[static FINGERPRINT_LEN]);

/* What the check of a peer's OpenPGP credential found (openpgp.h). */
struct openpgp_result {
	char fpr[OPENPGP_FPR_HEX_LEN + 1]; /* the key that signed the statement;
					    * "" when it could not be checked */
	int valid;                         /* the local keyring gives its xmpp:JID
					    * user id full or ultimate validity, and
					    * the key is neither revoked nor expired */
	char why[OPENPGP_REASON_MAX];      /* when not valid: why */
};

#endif
