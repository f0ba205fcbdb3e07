/* Prekey bundles: signatures, the sealed identity and verification (see
 * bundle.h); the XML form is in bundle_xml.c. */
#include "bundle.h"

#include <string.h>

#include "aead.h"
#include "err.h"
#include "hash.h"
#include "rng.h"
#include "util.h"
#include "x509.h"

void bundle_init(struct bundle *b)
{
	memset(b, 0, sizeof(*b));
	b->cert_der = (struct buf)BUF_INIT;
}

void bundle_free(struct bundle *b)
{
	buf_free(&b->cert_der);
	bundle_init(b);
}

/* 1 when the little-endian u-coordinate is at least 2^255 - 19. */
static int x25519_noncanonical(const uint8_t pub[static X25519_LEN])
{
	if ((pub[31] & 0x7f) != 0x7f || pub[0] < 0xed)
		return 0;
	for (int i = 1; i < 31; i++)
		if (pub[i] != 0xff)
			return 0;
	return 1;
}

int bundle_x25519_check(const uint8_t pub[static X25519_LEN])
{
	/* Any scalar will do: X25519 clamps it to a multiple of 8, which
	 * sends every point of low order to zero. */
	static const uint8_t probe[X25519_LEN] = {
		0x58, 0x65, 0x32, 0x65, 0x20, 0x70, 0x72, 0x6f, 0x62, 0x65, 0x20, 0x6f,
		0x66, 0x20, 0x58, 0x32, 0x35, 0x35, 0x31, 0x39, 0x20, 0x6b, 0x65, 0x79,
		0x73, 0x20, 0x28, 0x62, 0x75, 0x6e, 0x64, 0x6c,
	};
	uint8_t shared[X25519_LEN];
	int err;

	if ((pub[31] & 0x80) || x25519_noncanonical(pub)) {
		err_detail_set("an X25519 key is not canonically encoded");
		return XE2E_E_WEAKKEY;
	}
	err = x25519_shared(shared, probe, pub);
	if (err == XE2E_E_WEAKKEY)
		err_detail_set("an X25519 key is of low order");
	wipe(shared, sizeof(shared));
	return err;
}

int bundle_spk_message(const char *jid, uint32_t device_id, uint32_t spk_id,
		       const uint8_t spk_pub[static X25519_LEN], uint64_t created,
		       uint64_t expires, struct buf *out)
{
	uint8_t dev[4], times[16];
	int err;

	put_be32(dev, device_id);
	put_be64(times, created);
	put_be64(times + 8, expires);
	err = buf_append_lp16(out, BUNDLE_SPK_CONTEXT, strlen(BUNDLE_SPK_CONTEXT));
	if (!err)
		err = buf_append_lp16(out, jid, strlen(jid));
	if (!err)
		err = buf_append_lp16(out, dev, sizeof(dev));
	if (!err)
		err = buf_append_u32(out, spk_id);
	if (!err)
		err = buf_append_lp16(out, spk_pub, X25519_LEN);
	if (!err)
		err = buf_append(out, times, sizeof(times));
	return err;
}

int bundle_spk_sign(const struct p256_key *key, const char *jid, uint32_t device_id,
		    uint32_t spk_id, const uint8_t spk_pub[static X25519_LEN], uint64_t created,
		    uint64_t expires, uint8_t sig[static P256_SIG_LEN])
{
	struct buf msg = BUF_INIT;
	int err = bundle_spk_message(jid, device_id, spk_id, spk_pub, created, expires, &msg);

	if (!err)
		err = p256_sign(key, msg.data, msg.len, sig);
	buf_free(&msg);
	return err;
}

int bundle_spk_verify(const uint8_t id_pub[static P256_PUB_LEN], const char *jid,
		      uint32_t device_id, uint32_t spk_id,
		      const uint8_t spk_pub[static X25519_LEN], uint64_t created,
		      uint64_t expires, const uint8_t sig[static P256_SIG_LEN])
{
	struct buf msg = BUF_INIT;
	int err = bundle_spk_message(jid, device_id, spk_id, spk_pub, created, expires, &msg);

	if (!err)
		err = p256_verify(id_pub, msg.data, msg.len, sig);
	if (err == XE2E_E_AUTH)
		err_detail_set("the signed prekey's signature does not verify");
	buf_free(&msg);
	return err;
}

/* The sealed identity's key and associated data. */
static int identity_key(const struct bundle *b, const uint8_t fpr[static FINGERPRINT_LEN],
			uint8_t key[static AEAD_KEY_LEN], struct buf *ad)
{
	uint8_t dev[4];
	int err = hkdf(HASH_SHA256, b->id_salt, BUNDLE_SALT_LEN, fpr, FINGERPRINT_LEN,
		       BUNDLE_IDENTITY_INFO, strlen(BUNDLE_IDENTITY_INFO), key, AEAD_KEY_LEN);

	put_be32(dev, b->device_id);
	if (!err)
		err = buf_append_lp16(ad, b->jid, strlen(b->jid));
	if (!err)
		err = buf_append(ad, dev, sizeof(dev));
	return err;
}

int bundle_seal_identity(struct bundle *b, const uint8_t id_pub[static P256_PUB_LEN])
{
	static const uint8_t nonce[AEAD_NONCE_LEN];
	uint8_t fpr[FINGERPRINT_LEN], key[AEAD_KEY_LEN];
	struct buf ad = BUF_INIT;
	int err = p256_fingerprint(id_pub, fpr);

	if (!err)
		err = rng_bytes(b->id_salt, BUNDLE_SALT_LEN);
	if (!err)
		err = identity_key(b, fpr, key, &ad);
	if (!err)
		err = aead_seal(AEAD_CHACHAPOLY, key, nonce, ad.data, ad.len, id_pub, P256_PUB_LEN,
				b->id_sealed);
	wipe(key, sizeof(key));
	buf_free(&ad);
	return err;
}

int bundle_open_identity(const struct bundle *b, const uint8_t fpr[static FINGERPRINT_LEN],
			 uint8_t id_pub[static P256_PUB_LEN])
{
	static const uint8_t nonce[AEAD_NONCE_LEN];
	uint8_t key[AEAD_KEY_LEN], got[FINGERPRINT_LEN];
	struct buf ad = BUF_INIT;
	int err = identity_key(b, fpr, key, &ad);

	if (!err)
		err = aead_open(AEAD_CHACHAPOLY, key, nonce, ad.data, ad.len, b->id_sealed,
				BUNDLE_SEALED_ID_LEN, id_pub);
	if (!err)
		err = p256_fingerprint(id_pub, got);
	if (!err && !ct_equal(got, fpr, FINGERPRINT_LEN))
		err = XE2E_E_AUTH;
	if (err == XE2E_E_AUTH)
		err_detail_set("the bundle's sealed identity is not the one known for %s", b->jid);
	wipe(key, sizeof(key));
	buf_free(&ad);
	return err;
}

static int check_certificate(const struct bundle *b)
{
	struct x509_cert_info info;
	char jid[JID_MAX + 1];
	int err;

	memset(&info, 0, sizeof(info));
	info.der = (struct buf)BUF_INIT;
	err = x509_cert_read(b->cert_der.data, b->cert_der.len, &info);
	if (!err && (info.der.len != b->cert_der.len ||
		     memcmp(info.der.data, b->cert_der.data, info.der.len) != 0))
		err = XE2E_E_MALFORMED;
	if (!err && memcmp(info.pub, b->id_pub, P256_PUB_LEN) != 0) {
		err_detail_set("the bundle's certificate is for another key");
		err = XE2E_E_AUTH;
	}
	if (!err && (identity_jid_normalize(info.jid, jid) || strcmp(jid, b->jid) != 0)) {
		err_detail_set("the bundle's certificate names another JID");
		err = XE2E_E_AUTH;
	}
	x509_cert_info_free(&info);
	return err;
}

void bundle_binding(const struct bundle *b, struct device_binding *db)
{
	memset(db, 0, sizeof(*db));
	strcpy(db->jid, b->jid);
	put_be32(db->device_id, b->device_id);
	memcpy(db->device_pub, b->device_pub, X25519_LEN);
	db->created = b->binding_created;
	db->expires = b->binding_expires;
	memcpy(db->sig, b->binding_sig, P256_SIG_LEN);
}

static int check_binding(const struct bundle *b, uint64_t now)
{
	struct device_binding db;
	int err;

	bundle_binding(b, &db);
	err = identity_binding_verify(b->id_pub, &db, now);
	if (err == XE2E_E_EXPIRED)
		err_detail_set("the device binding in the bundle of %s expired", b->jid);
	return err;
}

static int verify_full(struct bundle *b, uint64_t now)
{
	int err = p256_check_public(b->id_pub);

	if (err)
		err_detail_set("the bundle's identity key is not a valid P-256 key");
	if (!err && b->cert_der.len)
		err = check_certificate(b);
	if (!err)
		err = check_binding(b, now);
	return err;
}

static int verify_minimal(struct bundle *b, const struct bundle_known *known)
{
	if (!known || !known->fpr || !known->device_pub) {
		err_detail_set("a minimal bundle needs the identity and device key of %s "
			       "from the trust store", b->jid);
		return XE2E_E_NOTFOUND;
	}
	memcpy(b->device_pub, known->device_pub, X25519_LEN);
	return bundle_open_identity(b, known->fpr, b->id_pub);
}

static int refuse_malformed(const char *what)
{
	err_detail_set("%s", what);
	return XE2E_E_MALFORMED;
}

static int check_keys(const struct bundle *b)
{
	int err = bundle_x25519_check(b->device_pub);

	if (!err)
		err = bundle_x25519_check(b->spk_pub);
	if (!err && !memcmp(b->spk_pub, b->device_pub, X25519_LEN))
		return refuse_malformed("the signed prekey is the device key");
	for (size_t i = 0; !err && i < b->n_opk; i++) {
		err = bundle_x25519_check(b->opk[i].pub);
		if (!err && (!memcmp(b->opk[i].pub, b->spk_pub, X25519_LEN) ||
			     !memcmp(b->opk[i].pub, b->device_pub, X25519_LEN)))
			return refuse_malformed("a one-time prekey repeats the signed prekey "
						"or the device key");
	}
	return err;
}

static void drop_expired_opks(struct bundle *b, uint64_t now)
{
	size_t keep = 0;

	for (size_t i = 0; i < b->n_opk; i++)
		if (now < b->opk[i].expires)
			b->opk[keep++] = b->opk[i];
	b->n_opk = keep;
}

int bundle_verify(struct bundle *b, const char *jid, const struct bundle_known *known,
		  uint64_t now, uint8_t fpr[static FINGERPRINT_LEN], size_t *n_usable)
{
	int err = XE2E_OK;

	if (strcmp(b->jid, jid) != 0) {
		err_detail_set("the bundle is for %s, not %s", b->jid, jid);
		return XE2E_E_TRUST;
	}
	err = b->form == BUNDLE_FULL ? verify_full(b, now) : verify_minimal(b, known);
	if (!err)
		err = p256_fingerprint(b->id_pub, fpr);
	if (!err)
		err = check_keys(b);
	if (!err)
		err = bundle_spk_verify(b->id_pub, b->jid, b->device_id, b->spk_id, b->spk_pub,
					b->spk_created, b->spk_expires, b->spk_sig);
	if (!err && now >= b->spk_expires) {
		err_detail_set("the signed prekey of %s expired: fetch a new bundle", b->jid);
		err = XE2E_E_EXPIRED;
	}
	if (err)
		return err;
	drop_expired_opks(b, now);
	if (n_usable)
		*n_usable = b->n_opk;
	return XE2E_OK;
}

int bundle_pick_opk(const struct bundle *b, const struct bundle_prekey **opk)
{
	uint8_t r[4];
	int err;

	*opk = NULL;
	if (b->n_opk == 0)
		return XE2E_OK;
	err = rng_bytes(r, sizeof(r));
	if (!err)
		*opk = &b->opk[load_be32(r) % b->n_opk];
	return err;
}
