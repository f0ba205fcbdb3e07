/*
 * The local identity (xe2e(7) KEYS): the identity key (ECDSA P-256)
 * and its self-signed certificate, the device key (X25519, the Noise static
 * key), and the device binding that ties the device key to the identity.
 *
 * Files, in the data tree (store_dir(STORE_DATA)):
 *
 *   identity.key     P-256 private key, keyfile format, 0600
 *   identity.crt     PEM certificate of the identity key, naming the JID, 0644:
 *                    the self-signed one xe2e-keygen makes, or a chain a CA
 *                    issued for the key (leaf first, then intermediates)
 *   device.key       X25519 private key, keyfile format, 0600
 *   device.binding   the device binding, text form below, 0644
 *   identity.openpgp the OpenPGP credential, when the user made one
 *                    (openpgp_cred.h), 0644
 *   device.binding.verified
 *                    the record that a load verified the binding under
 *                    identity.crt's key (below), 0600
 *   identity.lock    lock file, held while any of them is read or written
 *   identity.commit  present only while a new set of files is being put in
 *                    place (see below)
 *
 * The JID is the one named in the binding (and in the certificate).
 *
 * Replacing files (creation, --force, device rotation, a certificate or
 * OpenPGP credential) is one atomic step as far as readers can tell: every
 * new file is first written and fsync'ed as NAME.new; then identity.commit,
 * listing the names, is created — the commit point; then each NAME.new is
 * renamed to NAME (a name listed as "-NAME" is removed instead), and
 * identity.commit removed. Whoever next takes the lock finishes an interrupted step: with
 * identity.commit present it renames the remaining NAME.new files (roll
 * forward), without it it deletes them (roll back). A crash therefore
 * leaves either the old identity or the new one, never a mix.
 *
 * Device binding: the identity key's deterministic ECDSA signature (64
 * bytes r || s, sig.h) over
 *
 *   lp16("xe2e device-binding v1") || lp16(bare JID) || lp16(device id)
 *   || lp16(device public key) || be64(created) || be64(expires)
 *
 * where lp16(x) is x's length as 2 big-endian bytes, then x; the device id
 * is 4 bytes, the device public key 32 bytes, the times UNIX seconds. A
 * binding is valid for IDENTITY_BINDING_LIFETIME (730 days) from its
 * creation; the device id is chosen at random when the identity is created
 * and kept when the device key is rotated.
 *
 * Binary form, as the handshake carries it:
 *   0x01 || lp16(bare JID) || device id (4) || device key (32)
 *   || be64(created) || be64(expires) || signature (64)
 *
 * Text form (device.binding):
 *   xe2e device-binding v1
 *   jid: alice@capulet.lit
 *   device-id: 1a2b3c4d
 *   device-key: <base64 of 32 bytes>
 *   created: 1735689600
 *   expires: 1798761600
 *   signature: <base64 of 64 bytes>
 */
#ifndef XE2E_IDENTITY_H
#define XE2E_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "dh.h"
#include "jid.h"
#include "openpgp_cred.h"
#include "passphrase.h"
#include "sig.h"

#define IDENTITY_KEY_FILE "identity.key"
#define IDENTITY_CRT_FILE "identity.crt"
#define IDENTITY_DEVICE_KEY_FILE "device.key"
#define IDENTITY_BINDING_FILE "device.binding"
#define IDENTITY_VERIFIED_FILE "device.binding.verified"
#define IDENTITY_LOCK_FILE "identity.lock"
#define IDENTITY_COMMIT_FILE "identity.commit"
#define IDENTITY_OPENPGP_FILE OPENPGP_FILE

#define IDENTITY_BINDING_CONTEXT "xe2e device-binding v1"
#define IDENTITY_BINDING_LIFETIME (730ull * 24 * 60 * 60)
#define IDENTITY_DEVICE_ID_LEN 4
/* Hex of the device id, NUL. */
#define IDENTITY_DEVICE_ID_TEXT_LEN (2 * IDENTITY_DEVICE_ID_LEN + 1)
#define IDENTITY_BINDING_VERSION 0x01
/* The longest binary binding. */
#define IDENTITY_BINDING_MAX \
	(1 + 2 + JID_MAX + IDENTITY_DEVICE_ID_LEN + X25519_LEN + 8 + 8 + P256_SIG_LEN)

struct device_binding {
	char jid[JID_MAX + 1]; /* normalised bare JID */
	uint8_t device_id[IDENTITY_DEVICE_ID_LEN];
	uint8_t device_pub[X25519_LEN];
	uint64_t created, expires; /* UNIX seconds */
	uint8_t sig[P256_SIG_LEN];
};

/* Appends the bytes the binding's signature covers (layout above). */
int identity_binding_message(const struct device_binding *b, struct buf *out);

/* Signs b (all fields but sig set) with the identity key, filling b->sig. */
int identity_binding_sign(const struct p256_key *key, struct device_binding *b);

/*
 * Checks b's signature under the identity public key id_pub (XE2E_E_AUTH
 * when it does not verify; XE2E_E_WEAKKEY for an invalid id_pub) and that
 * now lies before b->expires (XE2E_E_EXPIRED otherwise).
 */
int identity_binding_verify(const uint8_t id_pub[static P256_PUB_LEN],
			    const struct device_binding *b, uint64_t now);

/* As identity_binding_verify(), without looking at the time. */
int identity_binding_verify_signature(const uint8_t id_pub[static P256_PUB_LEN],
				      const struct device_binding *b);

/*
 * The rotation rule: may candidate (already verified) take the place of
 * stored, the binding kept for the same identity? Both must name the same
 * JID and device id (XE2E_E_TRUST otherwise). The same binding again is
 * accepted with *newer = 0; a binding created strictly later is accepted
 * with *newer = 1; anything else is superseded (XE2E_E_EXPIRED).
 */
int identity_binding_check_update(const struct device_binding *stored,
				  const struct device_binding *candidate, int *newer);

/*
 * The record of a verified own binding (device.binding.verified): a
 * SHA-256 fingerprint over the identity public key and the whole binary
 * binding, signature included. identity_load() verifies the binding's
 * signature only when the record is not that of the files it read, and
 * then records it, so that the files are verified once, not at every
 * start (xe2e(7) FILES says why that is enough).
 *
 * identity_binding_recorded() is 1 when the record holds b under id_pub,
 * else 0 (no record, another binding, a file others may write).
 * identity_binding_record() writes the record (atomically, 0600).
 */
int identity_binding_recorded(const uint8_t id_pub[static P256_PUB_LEN],
			      const struct device_binding *b);
int identity_binding_record(const uint8_t id_pub[static P256_PUB_LEN],
			    const struct device_binding *b);

/* Appends the binary form. */
int identity_binding_encode(const struct device_binding *b, struct buf *out);

/*
 * Parses exactly len bytes of binary form, strictly: version, a valid
 * normalised bare JID, created < expires, no trailing bytes
 * (XE2E_E_MALFORMED otherwise). The signature is not checked here.
 */
int identity_binding_decode(const uint8_t *data, size_t len, struct device_binding *b);

/* Appends the text form. */
int identity_binding_format(const struct device_binding *b, struct buf *out);

/* Parses exactly len bytes of text form, as strictly as the binary form;
 * details name the line. The signature is not checked here. */
int identity_binding_parse(const uint8_t *text, size_t len, struct device_binding *b);

#define IDENTITY_TIME_TEXT_LEN 32
/* The latest time a binding may expire: 9999-12-31T23:59:59Z. */
#define IDENTITY_TIME_MAX 253402300799ull

/* A UNIX time as "2026-11-26T06:38:27Z" (UTC). */
void identity_time_format(uint64_t t, char out[static IDENTITY_TIME_TEXT_LEN]);

/* The hex form of a device id. */
void identity_device_id_format(const uint8_t id[static IDENTITY_DEVICE_ID_LEN],
			       char out[static IDENTITY_DEVICE_ID_TEXT_LEN]);

/*
 * Normalises text ("local@domain", a resource is dropped) to the bare JID
 * an identity is for; a JID without localpart is refused.
 */
int identity_jid_normalize(const char *text, char out[static JID_MAX + 1]);

/* The local identity as loaded from the data tree. */
struct identity {
	char jid[JID_MAX + 1];
	uint8_t id_pub[P256_PUB_LEN];
	uint8_t id_fpr[FINGERPRINT_LEN];
	struct buf cert_der;              /* identity.crt's (leaf) certificate, DER */
	struct buf chain_der;             /* a CA-issued identity.crt: every certificate,
					   * DER, leaf first; empty when self-signed */
	uint64_t cert_not_before;         /* the leaf's validity, UNIX seconds */
	uint64_t cert_not_after;
	struct device_binding binding;
	struct openpgp_cred openpgp;      /* identity.openpgp; its key empty when
					   * there is none */
	struct p256_key *id_key;          /* with IDENTITY_LOAD_IDENTITY_KEY */
	uint8_t device_priv[X25519_LEN];  /* with IDENTITY_LOAD_DEVICE_KEY */
	unsigned loaded;                  /* the IDENTITY_LOAD_* flags met */
};

#define IDENTITY_INIT {.cert_der = BUF_INIT, .chain_der = BUF_INIT, .openpgp = OPENPGP_CRED_INIT}

enum identity_load_flags {
	IDENTITY_LOAD_PUBLIC = 0,        /* certificate and binding only */
	IDENTITY_LOAD_DEVICE_KEY = 1,    /* also device.key (the handshake) */
	IDENTITY_LOAD_IDENTITY_KEY = 2,  /* also identity.key (signing) */
	IDENTITY_LOAD_ALLOW_EXPIRED = 4, /* accept an expired binding */
};

/*
 * Loads the identity into id (IDENTITY_INIT, or emptied by identity_free())
 * under its lock, finishing an interrupted replacement first. Checks that
 * the certificate names the binding's JID, that the binding verifies under
 * the certificate's key (once: see identity_binding_recorded()) and (unless
 * IDENTITY_LOAD_ALLOW_EXPIRED) has not expired at now, and that loaded
 * private keys match the certificate and binding. Passphrases come from pp
 * (may be NULL). An identity.openpgp must be for the identity's JID and
 * key (XE2E_E_MALFORMED otherwise); its signature is not checked here. No
 * identity: XE2E_E_NOTFOUND.
 */
int identity_load(struct identity *id, unsigned flags, struct passphrase *pp, uint64_t now);

/*
 * Creates a new identity for the bare JID jid (identity_jid_normalize()):
 * identity key, certificate, device key with a fresh device id, binding
 * created at now. Refuses (XE2E_E_EXISTS) when any identity file exists,
 * unless force, which replaces them all at once (an OpenPGP credential of
 * the old identity is removed in the same step). Keys are protected when
 * passphrase_given(pp); the passphrase is had before anything is made, so
 * a refusal, or no passphrase, creates nothing, not even a directory.
 * Fills id (as for identity_load()) with the public parts.
 */
int identity_create(const char *jid, struct passphrase *pp, uint64_t now, int force,
		    struct identity *id);

/*
 * Replaces the device key, keeping the device id, with a binding created at
 * max(now, old created + 1), so it is always newer than the old one. Needs
 * the identity key (asked from pp when protected); the new device key is
 * protected when passphrase_given(pp) after that. Fills id with the
 * public parts.
 */
int identity_rotate_device(struct passphrase *pp, uint64_t now, struct identity *id);

/*
 * Installs a certificate chain a CA issued for the identity key in place
 * of identity.crt (xe2e-keygen --certificate): data holds the certificates,
 * leaf first, as x509_chain_read() reads them. The leaf's key must be the
 * identity key, its first id-on-xmppAddr name the identity's JID
 * (XE2E_E_MALFORMED otherwise, with a detail saying which), and it must be
 * valid at now (XE2E_E_EXPIRED). A lone self-signed certificate of the
 * identity key is accepted too (it puts such a certificate back). The new
 * identity.crt holds the PEM of the certificates, mode 0644, replaced in
 * one step as above. Fills id with the public parts then loaded.
 */
int identity_certificate_install(const uint8_t *data, size_t len, uint64_t now,
				 struct identity *id);

/*
 * Installs the OpenPGP credential c (openpgp_cred_make() made it for the
 * identity jid, id_fpr) as identity.openpgp, or removes it when c is NULL
 * (XE2E_E_NOTFOUND when there is none), in one step as above. The identity
 * must still be that one (XE2E_E_STATE otherwise: it changed meanwhile).
 * Fills id with the public parts then loaded.
 */
int identity_openpgp_install(const struct openpgp_cred *c, const char *jid,
			     const uint8_t id_fpr[static FINGERPRINT_LEN], uint64_t now,
			     struct identity *id);

/*
 * Appends the PEM of a PKCS#10 certificate request for the identity key
 * and JID (x509_csr_write()); the identity key is unlocked with pp.
 */
int identity_csr_write(struct passphrase *pp, uint64_t now, struct buf *pem);

/* Wipes and frees what id holds; it is then like IDENTITY_INIT. */
void identity_free(struct identity *id);

#endif
