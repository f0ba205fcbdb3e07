/*
 * Offline messages (xe2e(7) OFFLINE MESSAGES "The initial message"): a one-way
 * Noise-style construction that seals a first payload to a device that is
 * not online, from its prekey bundle, and starts a Double Ratchet session.
 *
 * Names: A the sender, B the recipient; DK_A, DK_B their device keys
 * (X25519, the Noise static keys); SPK, OPK B's signed and one-time prekey;
 * EK A's fresh ephemeral key. The symmetric state is Noise's (noise.h:
 * MixHash, MixKey, EncryptAndHash, HKDF-SHA256), under its own protocol
 * name, so no key of this construction is ever confused with a handshake
 * key although the device keys are the same:
 *
 *   name = "xe2e offline v1 25519 ChaChaPoly SHA256"
 *       or "xe2e offline v1 25519 AESGCM SHA256"
 *
 *   InitializeSymmetric(name)
 *   MixHash(lp16(A's bare JID) | lp16(B's bare JID) | fpr_B | DK_B
 *           | be32(SPK id) | SPK | opk)
 *       opk = 0x01 | be32(OPK id) | OPK, or 0x00 without one-time prekey
 *   MixHash(ad)
 *   MixHash(EK)
 *   MixKey(DH(EK, SPK)); MixKey(DH(EK, OPK)) when used; MixKey(DH(EK, DK_B))
 *   c1 = EncryptAndHash(credential)
 *   MixKey(DH(DK_A, SPK)); MixKey(DH(DK_A, DK_B))
 *   c2 = EncryptAndHash(r0 | payload)
 *
 * fpr_B is B's identity fingerprint (SHA-256 of its SubjectPublicKeyInfo).
 * ad is the caller's associated data: for a sealed stanza, its envelope's
 * (envelope.h), so the stanza carrying the message cannot be retyped or
 * given another id.
 * The credential (182 bytes) is A's: 0x01 | DK_A (32) | identity key (65)
 * | device id (4) | be64(binding created) | be64(binding expires) |
 * binding signature (64), the device binding of identity.h for A's JID.
 * r0 is A's fresh ratchet public key (32 bytes); the payload is opaque here
 * (the first sealed stanza's framed content).
 *
 * The initial message:
 *
 *   version (1, = 1) | suite (1: 1 ChaChaPoly, 2 AESGCM)
 *   | flags (1: bit 0 = a one-time prekey is used, bit 1 = ad names the
 *            sender's full JID (envelope.h), other bits zero)
 *   | be32(SPK id) | [be32(OPK id) when bit 0] | EK (32) | c1 (198) | c2
 *
 * The DH terms: those with EK give forward secrecy as long as SPK (or OPK)
 * is deleted, and hide A's credential from all but B; DH(DK_A, DK_B) is
 * what authenticates A, so that a stolen signed prekey alone (without DK_A
 * or DK_B) cannot forge a sender. Whoever holds DK_B can still pretend to
 * B that anyone sent a message (as in every DH-authenticated protocol).
 *
 * After it, with ck the final chaining key (HKDF-SHA256, empty salt):
 *   root key   = HKDF(ck, "xe2e offline root v1", 32)
 *   chain key  = HKDF(ck, "xe2e offline chain v1", 32)
 *   session id = HKDF(ck, "xe2e offline session id v1", 16)
 *   channel binding = the final h (for SAS and SPAKE2)
 *
 * The Double Ratchet (ratchet.h) starts with A in the ratchet's responder
 * role and B in its initiator role, as after a handshake: A's r0 is A's
 * epoch-0 ratchet key, the chain key A's first sending chain (and B's
 * receiving chain for A's epoch 0), so A can send more stanzas at once;
 * B takes its first DH step against r0 at its first send. No prekey ever
 * becomes a ratchet key, so no session state extends a prekey's life.
 * The session id is fixed by the initial message, so the same message
 * always makes the same session.
 */
#ifndef XE2E_OFFLINE_H
#define XE2E_OFFLINE_H

#include <stddef.h>
#include <stdint.h>

#include "aead.h"
#include "buf.h"
#include "bundle.h"
#include "dh.h"
#include "identity.h"
#include "jid.h"
#include "prekey.h"
#include "sig.h"

#define OFFLINE_NAME_CHACHAPOLY "xe2e offline v1 25519 ChaChaPoly SHA256"
#define OFFLINE_NAME_AESGCM "xe2e offline v1 25519 AESGCM SHA256"
#define OFFLINE_LABEL_ROOT "xe2e offline root v1"
#define OFFLINE_LABEL_CHAIN "xe2e offline chain v1"
#define OFFLINE_LABEL_SESSION_ID "xe2e offline session id v1"
#define OFFLINE_VERSION 1
#define OFFLINE_SUITE_CHACHAPOLY 1
#define OFFLINE_SUITE_AESGCM 2
#define OFFLINE_FLAG_OPK 0x01
#define OFFLINE_FLAG_SENDER_FULL 0x02
#define OFFLINE_CRED_KIND 0x01
#define OFFLINE_CRED_LEN (1 + X25519_LEN + P256_PUB_LEN + 4 + 8 + 8 + P256_SIG_LEN)
#define OFFLINE_TAG_LEN 16
#define OFFLINE_KEY_LEN 32
#define OFFLINE_HASH_LEN 32
#define OFFLINE_SESSION_ID_LEN 16
/* The fixed part before c2, without and with a one-time prekey. */
#define OFFLINE_HEAD_LEN (3 + 4 + X25519_LEN)
#define OFFLINE_MIN_LEN \
	(OFFLINE_HEAD_LEN + OFFLINE_CRED_LEN + OFFLINE_TAG_LEN + X25519_LEN + OFFLINE_TAG_LEN)
#define OFFLINE_PAYLOAD_MAX (1u << 20)

/* The recipient as a sender knows it, from a verified bundle (bundle.h). */
struct offline_peer {
	char jid[JID_MAX + 1]; /* normalised bare JID */
	uint8_t fpr[FINGERPRINT_LEN];
	uint8_t device_pub[X25519_LEN];
	uint32_t spk_id;
	uint8_t spk_pub[X25519_LEN];
	int has_opk;
	uint32_t opk_id;
	uint8_t opk_pub[X25519_LEN];
};

/*
 * Fills peer from a bundle that bundle_verify() accepted (fpr as it gave
 * it) and a one-time prekey of it (NULL: none, bundle_pick_opk()).
 */
void offline_peer_from_bundle(const struct bundle *b, const uint8_t fpr[static FINGERPRINT_LEN],
			      const struct bundle_prekey *opk, struct offline_peer *peer);

/* What either side gets to start the session. Wipe it after use. */
struct offline_keys {
	uint8_t suite; /* OFFLINE_SUITE_* */
	uint8_t session_id[OFFLINE_SESSION_ID_LEN];
	uint8_t root_key[OFFLINE_KEY_LEN];
	uint8_t chain_key[OFFLINE_KEY_LEN];
	uint8_t handshake_hash[OFFLINE_HASH_LEN]; /* channel binding */
	uint8_t r0_pub[X25519_LEN];
	uint8_t r0_priv[X25519_LEN]; /* sender only; zero for the recipient */
};

/*
 * The sender's side: seals payload (at most OFFLINE_PAYLOAD_MAX bytes) to
 * peer with self's device key and credential (self loaded with
 * IDENTITY_LOAD_DEVICE_KEY), in suite, binding ad (ad_len bytes, may be
 * empty), and appends the initial message to msg; sender_full sets
 * OFFLINE_FLAG_SENDER_FULL (ad names the sender's full JID:
 * envelope_ad_seal()). keys gets the session's start (r0 is made here).
 */
int offline_seal(const struct identity *self, const struct offline_peer *peer, uint8_t suite,
		 const uint8_t *ad, size_t ad_len, int sender_full, const uint8_t *payload,
		 size_t len, struct buf *msg, struct offline_keys *keys);

/* The clear part of an initial message. */
struct offline_header {
	uint8_t version;
	uint8_t suite;
	uint8_t flags;
	uint32_t spk_id;
	int has_opk;
	uint32_t opk_id;
	uint8_t ek[X25519_LEN];
	int sender_full; /* OFFLINE_FLAG_SENDER_FULL */
};

/*
 * Parses the clear part of an initial message of len bytes, strictly:
 * version 1 (else XE2E_E_UNSUPPORTED), a known suite, no unknown flag,
 * non-zero ids, at least the minimal length. EK is checked with
 * bundle_x25519_check().
 */
int offline_header_parse(const uint8_t *msg, size_t len, struct offline_header *hdr);

/* The sender as the recipient learns it, authenticated. */
struct offline_sender {
	char jid[JID_MAX + 1]; /* normalised bare JID, as given */
	uint8_t id_pub[P256_PUB_LEN];
	uint8_t fpr[FINGERPRINT_LEN];
	struct device_binding binding; /* verified: signature and expiry */
};

/* The recipient's private keys for one initial message. */
struct offline_recipient {
	const struct identity *self;  /* with IDENTITY_LOAD_DEVICE_KEY */
	const uint8_t *spk_priv;      /* X25519_LEN bytes */
	const uint8_t *opk_priv;      /* X25519_LEN bytes, NULL without OPK */
};

/*
 * The recipient's derivation, without any store: opens msg sent by
 * sender_jid (the stanza's from, any form; normalised here), with the
 * associated data ad the sender bound (ad_len bytes), with r's keys,
 * authenticates the sender (the payload's tag covers the static-static
 * term), checks its credential (a valid identity key, the binding's
 * signature for sender_jid and its expiry at now), and only then appends
 * the payload to payload. XE2E_E_AUTH for anything that does not decrypt,
 * XE2E_E_WEAKKEY for a bad key, XE2E_E_TRUST for a credential that does
 * not verify, XE2E_E_EXPIRED for an expired binding; payload is unchanged
 * on every error.
 */
int offline_open_keys(const struct offline_recipient *r, const char *sender_jid,
		      const uint8_t *ad, size_t ad_len, const uint8_t *msg, size_t len,
		      uint64_t now, struct offline_sender *sender, struct offline_keys *keys,
		      struct buf *payload);

/* What offline_open() found, for the caller's decisions. */
struct offline_received {
	struct offline_header hdr;
	struct offline_sender sender;
	struct offline_keys keys;
};

/*
 * Called by offline_open() under the prekey store's lock, after the
 * message opened and before the one-time prekey is consumed (or the
 * replay-cache entry written): the caller applies its trust policy and
 * creates the session here. A non-zero return cancels: nothing of the
 * prekey store changes. The payload is not given yet.
 */
typedef int (*offline_accept_fn)(void *arg, const struct offline_received *rcv);

/*
 * The recipient's side with its prekey store (prekey_path NULL: the
 * default): under the store's lock, at now,
 *   - parses the header; finds the SPK by id (unknown or past its deadline:
 *     XE2E_E_EXPIRED, "expired prekey"); without OPK, refuses a (SPK id, EK)
 *     in the replay cache (XE2E_E_REPLAY), and XE2E_E_LIMIT when the cache
 *     is full or holds the quota of sender_jid (prekey_seen_room(); the
 *     message must then prove that JID); with OPK, refuses a consumed id
 *     (XE2E_E_REPLAY) and an unknown one (XE2E_E_EXPIRED);
 *   - runs offline_open_keys() with ad;
 *   - calls accept (may be NULL);
 *   - deletes the OPK, or adds (SPK id, EK) to the replay cache under the
 *     sender's tag (prekey_sender_tag()), and writes the store;
 * and only then appends the payload to payload. rcv gets what was found
 * (wipe it after use). On any error the store is unchanged (accept may
 * have acted, if the store could not be written afterwards) and payload
 * too. Since the session id follows from the message, a session created
 * in accept whose store write was lost in a crash still makes a replay
 * fail (XE2E_E_EXISTS from session_create()).
 */
int offline_open(const char *prekey_path, const struct identity *self, const char *sender_jid,
		 const uint8_t *ad, size_t ad_len, const uint8_t *msg, size_t len, uint64_t now,
		 offline_accept_fn accept, void *arg, struct offline_received *rcv,
		 struct buf *payload);

/* The AEAD cipher of an OFFLINE_SUITE_* (0 for an unknown suite). */
enum aead_cipher offline_suite_cipher(uint8_t suite);

#endif
