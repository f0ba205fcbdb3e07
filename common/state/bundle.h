/*
 * Prekey bundles (xe2e(7) OFFLINE MESSAGES "Bundles"): what a
 * device publishes in a PEP node so that others can seal to it while it is
 * offline, its XML form, strict parsing and full verification.
 *
 * Full form (it tells whoever can read the node who the device is):
 *
 *   <bundle xmlns='urn:xe2e:1' version='1' form='full'
 *           jid='bob@montague.lit' device='1a2b3c4d'>
 *     <identity>BASE64</identity>             the identity key, 65 bytes
 *     <certificate>BASE64</certificate>       optional: its certificate, DER
 *     <device key='BASE64' created='T' expires='T'>BASE64</device>
 *                                              device key, binding's times
 *                                              and signature (identity.h)
 *     <signed-prekey id='ID' created='T' expires='T'
 *                    key='BASE64'>BASE64</signed-prekey>
 *     <prekey id='ID' expires='T'>BASE64</prekey>   zero or more
 *   </bundle>
 *
 * Minimal form (prekeys and signatures only), for senders that already
 * know the device: its identity fingerprint and device key are in their
 * trust store. They still need the identity key to check signatures, so it
 * travels sealed under its own fingerprint:
 *
 *   <bundle xmlns='urn:xe2e:1' version='1' form='minimal'
 *           jid='bob@montague.lit' device='1a2b3c4d'>
 *     <identity-sealed salt='BASE64'>BASE64</identity-sealed>
 *     <signed-prekey .../>
 *     <prekey .../>...
 *   </bundle>
 *
 *   identity-sealed = ChaCha20-Poly1305(key, nonce = 12 zero bytes,
 *                       ad = lp16(bare JID) | device id, identity key)
 *   key = HKDF-SHA256(salt = the 16-byte salt, ikm = fingerprint,
 *                     info = "xe2e bundle identity v1", 32)
 *
 * This hides the identity from readers who do not already hold the
 * fingerprint; it hides nothing from those who do (nor does the signature,
 * which anyone holding the identity key can check).
 *
 * ID is 8 lower-case hex digits (a non-zero 32-bit id), T Unix seconds in
 * decimal without leading zeros, BASE64 canonical padded base64 (keys 32
 * bytes, signatures 64 bytes r || s). The device id is the one of the
 * device binding. Attributes are exactly those shown; children come in the
 * order shown, white space between them is allowed and nothing else.
 *
 * The signed prekey's signature is the identity key's (sig.h) over
 *
 *   lp16("xe2e signed-prekey v1") | lp16(bare JID) | lp16(device id)
 *   | be32(prekey id) | lp16(prekey public key) | be64(created)
 *   | be64(expires)
 *
 * One-time prekeys are not signed (as in X3DH): a one-time prekey replaced
 * on the way makes the recipient unable to open the message, which whoever
 * can change the node can achieve anyway, and never weakens the message
 * below what the signed prekey gives.
 */
#ifndef XE2E_BUNDLE_H
#define XE2E_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "dh.h"
#include "identity.h"
#include "jid.h"
#include "sig.h"
#include "xe2e_ns.h"

#define BUNDLE_VERSION "1"
#define BUNDLE_SPK_CONTEXT "xe2e signed-prekey v1"
#define BUNDLE_IDENTITY_INFO "xe2e bundle identity v1"
#define BUNDLE_SALT_LEN 16
#define BUNDLE_SEALED_ID_LEN (P256_PUB_LEN + 16)
#define BUNDLE_OPK_MAX 100          /* one-time prekeys in one bundle */
#define BUNDLE_MAX_SIZE (64u << 10) /* bytes of bundle XML read */

enum bundle_form {
	BUNDLE_FULL = 1,
	BUNDLE_MINIMAL = 2,
};

struct bundle_prekey {
	uint32_t id;
	uint64_t expires;
	uint8_t pub[X25519_LEN];
};

struct bundle {
	enum bundle_form form;
	char jid[JID_MAX + 1]; /* normalised bare JID */
	uint32_t device_id;

	/* Full form; the minimal form gets id_pub and device_pub filled by
	 * bundle_verify() from the sealed identity and the caller. */
	uint8_t id_pub[P256_PUB_LEN];
	struct buf cert_der; /* empty when absent */
	uint8_t device_pub[X25519_LEN];
	uint64_t binding_created;
	uint64_t binding_expires;
	uint8_t binding_sig[P256_SIG_LEN];

	/* Minimal form. */
	uint8_t id_salt[BUNDLE_SALT_LEN];
	uint8_t id_sealed[BUNDLE_SEALED_ID_LEN];

	/* Both. */
	uint32_t spk_id;
	uint64_t spk_created;
	uint64_t spk_expires;
	uint8_t spk_pub[X25519_LEN];
	uint8_t spk_sig[P256_SIG_LEN];
	size_t n_opk;
	struct bundle_prekey opk[BUNDLE_OPK_MAX];
};

/* Sets b empty (no allocation yet). */
void bundle_init(struct bundle *b);

/* Frees what b holds; it is then as after bundle_init(). */
void bundle_free(struct bundle *b);

/*
 * Checks an X25519 public key that came from outside: the canonical
 * encoding (u < 2^255 - 19, top bit clear) and not of low order (its
 * shared secret with a fixed scalar is not all zero: X25519 clamps every
 * scalar to a multiple of 8, which sends each point of low order to zero).
 * XE2E_E_WEAKKEY otherwise.
 */
int bundle_x25519_check(const uint8_t pub[static X25519_LEN]);

/* Appends the bytes the signed prekey's signature covers (see above). */
int bundle_spk_message(const char *jid, uint32_t device_id, uint32_t spk_id,
		       const uint8_t spk_pub[static X25519_LEN], uint64_t created,
		       uint64_t expires, struct buf *out);

/* Signs the signed prekey described by the arguments with the identity key. */
int bundle_spk_sign(const struct p256_key *key, const char *jid, uint32_t device_id,
		    uint32_t spk_id, const uint8_t spk_pub[static X25519_LEN], uint64_t created,
		    uint64_t expires, uint8_t sig[static P256_SIG_LEN]);

/* Checks a signed prekey's signature under id_pub (XE2E_E_AUTH when it
 * does not verify; XE2E_E_WEAKKEY for an invalid id_pub). */
int bundle_spk_verify(const uint8_t id_pub[static P256_PUB_LEN], const char *jid,
		      uint32_t device_id, uint32_t spk_id,
		      const uint8_t spk_pub[static X25519_LEN], uint64_t created,
		      uint64_t expires, const uint8_t sig[static P256_SIG_LEN]);

/*
 * Fills the minimal form's sealed identity of b (jid, device_id set) from
 * the identity key id_pub, with a fresh salt.
 */
int bundle_seal_identity(struct bundle *b, const uint8_t id_pub[static P256_PUB_LEN]);

/*
 * Opens the sealed identity of a minimal bundle with the fingerprint the
 * caller trusts, and checks that the key has that fingerprint. XE2E_E_AUTH
 * when it does not open (another identity, or tampered).
 */
int bundle_open_identity(const struct bundle *b, const uint8_t fpr[static FINGERPRINT_LEN],
			 uint8_t id_pub[static P256_PUB_LEN]);

/* Appends the XML of b (one line, no newline). */
int bundle_format(const struct bundle *b, struct buf *out);

/* The device binding (identity.h) that b carries, its signature included. */
void bundle_binding(const struct bundle *b, struct device_binding *db);

/*
 * Parses exactly len bytes of bundle XML into b (bundle_init() first),
 * strictly as described above: the element, namespace, version and form;
 * exactly the attributes and children shown, in order; canonical base64 of
 * the exact lengths; canonical ids and times; created < expires; a JID in
 * normal form; at most BUNDLE_OPK_MAX one-time prekeys with distinct ids.
 * A missing signed prekey is XE2E_E_MALFORMED ("no signed prekey"). No
 * signature or key is checked here. b is emptied on error.
 */
int bundle_parse(const char *xml, size_t len, struct bundle *b);

/* What a sender knows of the recipient beforehand (from its trust store);
 * NULL fields are unknown. */
struct bundle_known {
	const uint8_t *fpr;        /* FINGERPRINT_LEN bytes */
	const uint8_t *device_pub; /* X25519_LEN bytes, of the bundle's device id */
};

/*
 * Verifies a parsed bundle for a sender that wants to reach jid (normalised
 * bare JID) at now, in this order:
 *   - the bundle names jid (XE2E_E_TRUST otherwise);
 *   - full form: a valid identity key, a certificate (when present) for
 *     that key naming jid, the device binding under the identity key and
 *     not expired; what known gives must match (XE2E_E_TRUST);
 *   - minimal form: known must give both the fingerprint and the device
 *     key (XE2E_E_NOTFOUND otherwise); the identity key is opened with the
 *     fingerprint, and id_pub and device_pub filled in;
 *   - every X25519 key valid (bundle_x25519_check), the signed prekey
 *     different from the device key and from every one-time prekey
 *     (XE2E_E_MALFORMED);
 *   - the signed prekey's signature (XE2E_E_AUTH) and expiry: now <
 *     expires (XE2E_E_EXPIRED).
 * One-time prekeys that expired at now are dropped from b; *n_usable (may
 * be NULL) gets how many remain; zero is not an error (the sender seals
 * with the signed prekey alone and should say so). The identity's trust is
 * not judged here: that is the caller's, with fingerprint fpr.
 */
int bundle_verify(struct bundle *b, const char *jid, const struct bundle_known *known,
		  uint64_t now, uint8_t fpr[static FINGERPRINT_LEN], size_t *n_usable);

/* Sets *opk to a random one-time prekey of b, or to NULL when b has none. */
int bundle_pick_opk(const struct bundle *b, const struct bundle_prekey **opk);

#endif
