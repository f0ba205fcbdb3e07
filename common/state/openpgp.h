/*
 * OpenPGP through GPGME, GnuPG's own library (xe2e(7) KEYS, and HANDSHAKE
 * "Trust decisions"): making the user's OpenPGP credential, checking a
 * peer's, and asking the user's keyring how far it trusts a key. GnuPG reads and writes every OpenPGP packet and signature;
 * this module asks it and reads its answers.
 *
 * The user's keyring is GnuPG's default home (GNUPGHOME, else ~/.gnupg). It
 * is only ever read here (a listing may refresh GnuPG's trust database, as
 * any gpg --list-keys does). A peer's key is imported only into a private
 * temporary home (mkdtemp under TMPDIR or /tmp, 0700, removed afterwards)
 * whose gpg.conf keeps gpg from starting an agent or fetching keys.
 *
 * GPGME writes to gpg through pipes; SIGPIPE is blocked while it runs (a
 * gpg that ends early is an error, never the program's end). A missing
 * GnuPG is XE2E_E_UNSUPPORTED with a detail saying so.
 */
#ifndef XE2E_OPENPGP_H
#define XE2E_OPENPGP_H

#include <stddef.h>
#include <stdint.h>

#include "identity.h"
#include "openpgp_cred.h"

/* The key id that removes the identity's OpenPGP credential. */
#define OPENPGP_NONE "none"

/*
 * Makes the credential for the identity (jid, id_fpr) at now with the
 * user's OpenPGP key keyid (a fingerprint, key id or user id gpg finds
 * exactly one secret key for): the statement, signed detached by that key
 * (GnuPG's agent asks for its passphrase), and the minimal export of the
 * key (primary key, the user id naming xmpp:jid and its self-signature, the
 * signing subkey if it is one), checked as a peer will check it.
 * Refusals, each with a detail: XE2E_E_NOTFOUND (no such secret key, no
 * user id xmpp:jid), XE2E_E_STATE (keyid names several keys; the key or
 * its user id is revoked or disabled), XE2E_E_EXPIRED (the key expired),
 * XE2E_E_UNSUPPORTED (the key cannot sign, or signs with a weak algorithm;
 * no GnuPG), XE2E_E_LIMIT (key or signature too long for a credential).
 */
int openpgp_cred_make(const char *keyid, const char *jid,
		      const uint8_t id_fpr[static FINGERPRINT_LEN], uint64_t now,
		      struct openpgp_cred *c);

/*
 * Checks a peer's credential: in a temporary home, key must be exactly one
 * public key, with a user id naming xmpp:jid (the prologue's JID), and sig
 * its one signature, with SHA-2, by a key of a strong algorithm, over the
 * statement for (jid, id_fpr, created) (the identity key the handshake
 * authenticated). XE2E_E_TRUST with a detail when not. Then, in the user's
 * keyring: res->fpr gets the key's fingerprint, res->valid whether the
 * keyring gives that user id full or ultimate validity with neither key nor
 * signing subkey revoked or expired, res->why why not.
 */
int openpgp_cred_check(const uint8_t *key, size_t key_len, const uint8_t *sig, size_t sig_len,
		       uint64_t created, const char *jid,
		       const uint8_t id_fpr[static FINGERPRINT_LEN], struct openpgp_result *res);

/*
 * The keyring part of openpgp_cred_check() alone, for a key recorded
 * earlier: whether the user's keyring gives the user id xmpp:jid of the key
 * fpr full or ultimate validity, the key neither revoked, expired nor
 * disabled. res->fpr is fpr.
 */
int openpgp_keyring_check(const char *fpr, const char *jid, struct openpgp_result *res);

/*
 * xe2e-keygen --openpgp: makes the local identity's OpenPGP credential with
 * the key keyid (openpgp_cred_make()) and installs it
 * (identity_openpgp_install()), or with keyid OPENPGP_NONE removes it.
 * Fills id with the identity's public parts then.
 */
int openpgp_identity_set(const char *keyid, uint64_t now, struct identity *id);

#endif
