/* Prekey bundles: the signed prekey's signature, the XML form, strict
 * parsing, verification and every kind of tampering. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "dh.h"
#include "err.h"
#include "identity.h"
#include "rng.h"
#include "sig.h"
#include "unit.h"
#include "util.h"
#include "vectors.h"
#include "x509.h"

#define NOW 1750000000ull
#define DAY (24ull * 3600)
#define BOB "bob@montague.lit"

/*
 * A signed prekey signature made independently of this code
 * (tests/unit/offline_vectors.py: pyca/cryptography, ECDSA P-256 with
 * SHA-256 over the bytes bundle.h describes): JID bob@montague.lit, device
 * id b1b2b3b4, prekey id 11223344, created 1750000000, expires 1752592000.
 */
static const char s_id_pub[] =
	"042a306fe4b0248d89eeba240eb42500324be6d50036f8759b679484c1560eaf69749f491a63"
	"b12527a276f3d7def6b1dc3cb5f868c2ce15006f9a7794567bd958";
static const char s_spk_pub[] =
	"c59dd21662ce6c9e73b51105d37bd164024cca7f07100e874c2b713eaff93d15";
static const char s_sig[] =
	"49df5a9b112934f241fe738a8ec4833efd9618c7b78bfaafa3859a7372896db8e4b15d6e6205"
	"1e60194cb82c48aac99e370f5fa14cb8bf018909338c48681f62";

/* Bob's keys and a full bundle of them. */
struct fixture {
	struct p256_key *id_key;
	uint8_t fpr[FINGERPRINT_LEN];
	uint8_t dk_priv[X25519_LEN];
	uint8_t spk_priv[X25519_LEN];
	struct bundle b;
};

static void sign_spk(struct fixture *f)
{
	struct bundle *b = &f->b;

	CHECK_INT(bundle_spk_sign(f->id_key, b->jid, b->device_id, b->spk_id, b->spk_pub,
				  b->spk_created, b->spk_expires, b->spk_sig),
		  XE2E_OK);
}

static void sign_binding(struct fixture *f)
{
	struct bundle *b = &f->b;
	struct device_binding db;

	bundle_binding(b, &db);
	CHECK_INT(identity_binding_sign(f->id_key, &db), XE2E_OK);
	memcpy(b->binding_sig, db.sig, P256_SIG_LEN);
}

static void add_certificate(struct fixture *f)
{
	struct buf pem = BUF_INIT;
	struct x509_cert_info info;

	CHECK_INT(x509_selfsigned_write(f->id_key, f->b.jid, NOW - DAY, &pem), XE2E_OK);
	CHECK_INT(x509_cert_read(pem.data, pem.len, &info), XE2E_OK);
	CHECK_INT(buf_append(&f->b.cert_der, info.der.data, info.der.len), XE2E_OK);
	x509_cert_info_free(&info);
	buf_free(&pem);
}

static void fixture_make(struct fixture *f, size_t n_opk)
{
	struct bundle *b = &f->b;
	uint8_t priv[X25519_LEN];

	bundle_init(b);
	CHECK_INT(p256_generate(&f->id_key), XE2E_OK);
	CHECK_INT(p256_public(f->id_key, b->id_pub), XE2E_OK);
	CHECK_INT(p256_fingerprint(b->id_pub, f->fpr), XE2E_OK);
	b->form = BUNDLE_FULL;
	strcpy(b->jid, BOB);
	b->device_id = 0xb1b2b3b4;
	CHECK_INT(x25519_keypair(f->dk_priv, b->device_pub), XE2E_OK);
	b->binding_created = NOW - DAY;
	b->binding_expires = NOW - DAY + IDENTITY_BINDING_LIFETIME;
	sign_binding(f);
	b->spk_id = 0x11223344;
	b->spk_created = NOW;
	b->spk_expires = NOW + 30 * DAY;
	CHECK_INT(x25519_keypair(f->spk_priv, b->spk_pub), XE2E_OK);
	sign_spk(f);
	for (size_t i = 0; i < n_opk; i++) {
		b->opk[i].id = 0x1000 + (uint32_t)i;
		b->opk[i].expires = NOW + 30 * DAY;
		CHECK_INT(x25519_keypair(priv, b->opk[i].pub), XE2E_OK);
	}
	b->n_opk = n_opk;
	wipe(priv, sizeof(priv));
}

static void fixture_free(struct fixture *f)
{
	bundle_free(&f->b);
	p256_free(f->id_key);
	wipe(f, sizeof(*f));
}

/* Formats and parses back. */
static int reparse(const struct bundle *in, struct bundle *out)
{
	struct buf xml = BUF_INIT;
	int err = bundle_format(in, &xml);

	bundle_init(out);
	if (!err)
		err = bundle_parse((const char *)xml.data, xml.len, out);
	buf_free(&xml);
	return err;
}

static int verify_copy(const struct bundle *b, const char *jid, uint64_t now)
{
	struct bundle copy;
	uint8_t fpr[FINGERPRINT_LEN];
	int err = reparse(b, &copy);

	if (!err)
		err = bundle_verify(&copy, jid, NULL, now, fpr, NULL);
	bundle_free(&copy);
	return err;
}

TEST(bundle_signed_prekey_independent_vector)
{
	size_t n;
	uint8_t *id_pub = unit_hex(s_id_pub, &n), *spk = unit_hex(s_spk_pub, &n);
	uint8_t *sig = unit_hex(s_sig, &n);
	unsigned flipped = 0;

	CHECK_INT(bundle_spk_verify(id_pub, BOB, 0xb1b2b3b4, 0x11223344, spk, 1750000000,
				    1752592000, sig),
		  XE2E_OK);
	/* Every field is covered. */
	CHECK_INT(bundle_spk_verify(id_pub, "bob@montague.lis", 0xb1b2b3b4, 0x11223344, spk,
				    1750000000, 1752592000, sig),
		  XE2E_E_AUTH);
	CHECK_INT(bundle_spk_verify(id_pub, BOB, 0xb1b2b3b5, 0x11223344, spk, 1750000000,
				    1752592000, sig),
		  XE2E_E_AUTH);
	CHECK_INT(bundle_spk_verify(id_pub, BOB, 0xb1b2b3b4, 0x11223345, spk, 1750000000,
				    1752592000, sig),
		  XE2E_E_AUTH);
	CHECK_INT(bundle_spk_verify(id_pub, BOB, 0xb1b2b3b4, 0x11223344, spk, 1750000001,
				    1752592000, sig),
		  XE2E_E_AUTH);
	CHECK_INT(bundle_spk_verify(id_pub, BOB, 0xb1b2b3b4, 0x11223344, spk, 1750000000,
				    1752592001, sig),
		  XE2E_E_AUTH);
	for (size_t i = 0; i < X25519_LEN; i++, flipped++) {
		spk[i] ^= 0x01;
		CHECK_INT(bundle_spk_verify(id_pub, BOB, 0xb1b2b3b4, 0x11223344, spk, 1750000000,
					    1752592000, sig),
			  XE2E_E_AUTH);
		spk[i] ^= 0x01;
	}
	for (size_t i = 0; i < P256_SIG_LEN; i++, flipped++) {
		sig[i] ^= 0x80;
		CHECK_INT(bundle_spk_verify(id_pub, BOB, 0xb1b2b3b4, 0x11223344, spk, 1750000000,
					    1752592000, sig),
			  XE2E_E_AUTH);
		sig[i] ^= 0x80;
	}
	unit_note("1 independent signature verified; %u flipped bits refused", flipped);
	free(id_pub);
	free(spk);
	free(sig);
}

TEST(bundle_x25519_check_against_wycheproof)
{
	cJSON *root = vec_load("wycheproof/x25519_test.json");
	unsigned accepted = 0, refused = 0;
	struct wp_iter it;

	for (wp_iter_start(&it, root); wp_iter_next(&it); vec_scratch_free()) {
		size_t n;
		uint8_t *pub = vec_hex(it.test, "public", &n);
		int bad = wp_has_flag(it.test, "NonCanonicalPublic") ||
			  wp_has_flag(it.test, "ZeroSharedSecret");
		int err;

		if (!pub || n != X25519_LEN)
			continue;
		err = bundle_x25519_check(pub);
		CHECK_CASE(err == (bad ? XE2E_E_WEAKKEY : XE2E_OK), "tcId %ld (err %d)", it.tc_id,
			   err);
		if (bad)
			refused++;
		else
			accepted++;
	}
	cJSON_Delete(root);
	CHECK_INT(accepted + refused, 518);
	unit_note("x25519_test.json: %u public keys accepted, %u low-order or non-canonical "
		  "refused", accepted, refused);
}

TEST(bundle_full_round_trip)
{
	struct fixture f;
	struct bundle got;
	uint8_t fpr[FINGERPRINT_LEN];
	size_t usable = 0;

	fixture_make(&f, 5);
	add_certificate(&f);
	CHECK_INT(reparse(&f.b, &got), XE2E_OK);
	CHECK_INT(got.form, BUNDLE_FULL);
	CHECK_STR(got.jid, BOB);
	CHECK_INT(got.device_id, 0xb1b2b3b4);
	CHECK_MEM(got.id_pub, f.b.id_pub, P256_PUB_LEN);
	CHECK(got.cert_der.len == f.b.cert_der.len &&
	      !memcmp(got.cert_der.data, f.b.cert_der.data, got.cert_der.len));
	CHECK_MEM(got.device_pub, f.b.device_pub, X25519_LEN);
	CHECK_INT(got.binding_created, f.b.binding_created);
	CHECK_INT(got.binding_expires, f.b.binding_expires);
	CHECK_MEM(got.binding_sig, f.b.binding_sig, P256_SIG_LEN);
	CHECK_INT(got.spk_id, f.b.spk_id);
	CHECK_INT(got.spk_created, f.b.spk_created);
	CHECK_INT(got.spk_expires, f.b.spk_expires);
	CHECK_MEM(got.spk_pub, f.b.spk_pub, X25519_LEN);
	CHECK_MEM(got.spk_sig, f.b.spk_sig, P256_SIG_LEN);
	CHECK_INT(got.n_opk, 5);
	CHECK(!memcmp(got.opk, f.b.opk, 5 * sizeof(got.opk[0])));
	CHECK_INT(bundle_verify(&got, BOB, NULL, NOW, fpr, &usable), XE2E_OK);
	CHECK_MEM(fpr, f.fpr, FINGERPRINT_LEN);
	CHECK_INT(usable, 5);
	bundle_free(&got);
	fixture_free(&f);
}

TEST(bundle_minimal_round_trip)
{
	struct fixture f;
	struct bundle got;
	struct bundle_known known = {NULL, NULL};
	uint8_t fpr[FINGERPRINT_LEN], other[FINGERPRINT_LEN];
	struct buf xml = BUF_INIT;
	size_t usable = 9;

	fixture_make(&f, 2);
	f.b.form = BUNDLE_MINIMAL;
	CHECK_INT(bundle_seal_identity(&f.b, f.b.id_pub), XE2E_OK);
	CHECK_INT(bundle_format(&f.b, &xml), XE2E_OK);
	CHECK(buf_terminate(&xml) == XE2E_OK);
	/* Neither the identity key nor the device key is in it. */
	CHECK(strstr((char *)xml.data, "<identity>") == NULL);
	CHECK(strstr((char *)xml.data, "<device") == NULL);
	CHECK(strstr((char *)xml.data, "form='minimal'") != NULL);
	buf_free(&xml);

	CHECK_INT(reparse(&f.b, &got), XE2E_OK);
	CHECK_INT(got.form, BUNDLE_MINIMAL);
	CHECK(ct_is_zero(got.id_pub, P256_PUB_LEN) && ct_is_zero(got.device_pub, X25519_LEN));
	CHECK_INT(bundle_verify(&got, BOB, NULL, NOW, fpr, NULL), XE2E_E_NOTFOUND);
	known.fpr = f.fpr;
	CHECK_INT(bundle_verify(&got, BOB, &known, NOW, fpr, NULL), XE2E_E_NOTFOUND);
	known.device_pub = f.b.device_pub;
	CHECK_INT(bundle_verify(&got, BOB, &known, NOW, fpr, &usable), XE2E_OK);
	CHECK_MEM(fpr, f.fpr, FINGERPRINT_LEN);
	CHECK_MEM(got.id_pub, f.b.id_pub, P256_PUB_LEN);
	CHECK_INT(usable, 2);
	bundle_free(&got);

	/* Another identity's fingerprint does not open it. */
	memcpy(other, f.fpr, FINGERPRINT_LEN);
	other[0] ^= 1;
	known.fpr = other;
	CHECK_INT(reparse(&f.b, &got), XE2E_OK);
	CHECK_INT(bundle_verify(&got, BOB, &known, NOW, fpr, NULL), XE2E_E_AUTH);
	bundle_free(&got);
	/* A device key from the trust store equal to the signed prekey. */
	known.fpr = f.fpr;
	known.device_pub = f.b.spk_pub;
	CHECK_INT(reparse(&f.b, &got), XE2E_OK);
	CHECK_INT(bundle_verify(&got, BOB, &known, NOW, fpr, NULL), XE2E_E_MALFORMED);
	bundle_free(&got);
	fixture_free(&f);
}

/* A signature over the signed prekey's fields under another context. */
static void sign_with_context(struct fixture *f, const char *context)
{
	struct bundle *b = &f->b;
	struct buf msg = BUF_INIT;
	uint8_t dev[4], times[16];

	put_be32(dev, b->device_id);
	put_be64(times, b->spk_created);
	put_be64(times + 8, b->spk_expires);
	CHECK_INT(buf_append_lp16(&msg, context, strlen(context)), XE2E_OK);
	CHECK_INT(buf_append_lp16(&msg, b->jid, strlen(b->jid)), XE2E_OK);
	CHECK_INT(buf_append_lp16(&msg, dev, sizeof(dev)), XE2E_OK);
	CHECK_INT(buf_append_u32(&msg, b->spk_id), XE2E_OK);
	CHECK_INT(buf_append_lp16(&msg, b->spk_pub, X25519_LEN), XE2E_OK);
	CHECK_INT(buf_append(&msg, times, sizeof(times)), XE2E_OK);
	CHECK_INT(p256_sign(f->id_key, msg.data, msg.len, b->spk_sig), XE2E_OK);
	buf_free(&msg);
}

/* A low-order point from the RFC 7748 file (index i of low_order_u). */
static void low_order(size_t i, uint8_t out[static X25519_LEN])
{
	cJSON *root = vec_load("rfc/rfc7748_x25519.json");
	const cJSON *lo = cJSON_GetObjectItemCaseSensitive(root, "low_order_u");
	const cJSON *v = cJSON_GetArrayItem(vec_array(lo, "values"), (int)i);
	size_t n = 0;
	uint8_t *u = v ? vec_hex(v, "u", &n) : NULL;

	CHECK(u && n == X25519_LEN);
	if (u && n == X25519_LEN)
		memcpy(out, u, X25519_LEN);
	vec_scratch_free();
	cJSON_Delete(root);
}

TEST(bundle_tampering_is_refused)
{
	struct fixture f;
	uint8_t save[X25519_LEN], sig[P256_SIG_LEN];
	unsigned cases = 0;

	fixture_make(&f, 3);
	add_certificate(&f);
	CHECK_INT(verify_copy(&f.b, BOB, NOW), XE2E_OK);

	/* The signature, byte by byte. */
	memcpy(sig, f.b.spk_sig, P256_SIG_LEN);
	for (size_t i = 0; i < P256_SIG_LEN; i += 7, cases++) {
		f.b.spk_sig[i] ^= 0x04;
		CHECK_INT(verify_copy(&f.b, BOB, NOW), XE2E_E_AUTH);
		f.b.spk_sig[i] ^= 0x04;
	}
	/* A valid signature of another kind of statement, or none. */
	sign_with_context(&f, IDENTITY_BINDING_CONTEXT);
	CHECK_INT(verify_copy(&f.b, BOB, NOW), XE2E_E_AUTH);
	sign_with_context(&f, "xe2e signed-prekey v2");
	CHECK_INT(verify_copy(&f.b, BOB, NOW), XE2E_E_AUTH);
	sign_with_context(&f, BUNDLE_SPK_CONTEXT);
	CHECK_INT(verify_copy(&f.b, BOB, NOW), XE2E_OK);
	cases += 2;
	/* Signed fields changed. */
	f.b.spk_expires += 1;
	CHECK_INT(verify_copy(&f.b, BOB, NOW), XE2E_E_AUTH);
	f.b.spk_expires -= 1;
	f.b.spk_id ^= 0x100;
	CHECK_INT(verify_copy(&f.b, BOB, NOW), XE2E_E_AUTH);
	f.b.spk_id ^= 0x100;
	memcpy(save, f.b.spk_pub, X25519_LEN);
	f.b.spk_pub[3] ^= 1;
	CHECK_INT(verify_copy(&f.b, BOB, NOW), XE2E_E_AUTH);
	memcpy(f.b.spk_pub, save, X25519_LEN);
	f.b.binding_expires -= 1;
	CHECK_INT(verify_copy(&f.b, BOB, NOW), XE2E_E_AUTH);
	f.b.binding_expires += 1;
	cases += 4;
	/* Expired: the signed prekey, the device binding. */
	CHECK_INT(verify_copy(&f.b, BOB, f.b.spk_expires - 1), XE2E_OK);
	CHECK_INT(verify_copy(&f.b, BOB, f.b.spk_expires), XE2E_E_EXPIRED);
	f.b.binding_expires = NOW - 1;
	f.b.binding_created = NOW - 2;
	sign_binding(&f);
	CHECK_INT(verify_copy(&f.b, BOB, NOW), XE2E_E_EXPIRED);
	f.b.binding_created = NOW - DAY;
	f.b.binding_expires = NOW + DAY;
	sign_binding(&f);
	cases += 2;
	/* The wrong JID: asked for another, or the bundle's changed. */
	CHECK_INT(verify_copy(&f.b, "eve@evil.lit", NOW), XE2E_E_TRUST);
	strcpy(f.b.jid, "eve@montague.lit");
	CHECK_INT(verify_copy(&f.b, "eve@montague.lit", NOW), XE2E_E_AUTH);
	strcpy(f.b.jid, BOB);
	cases += 2;
	/* The certificate of another key. */
	{
		struct fixture g;

		fixture_make(&g, 0);
		add_certificate(&g);
		buf_clear(&f.b.cert_der);
		CHECK_INT(buf_append(&f.b.cert_der, g.b.cert_der.data, g.b.cert_der.len), XE2E_OK);
		CHECK_INT(verify_copy(&f.b, BOB, NOW), XE2E_E_AUTH);
		buf_clear(&f.b.cert_der);
		fixture_free(&g);
		cases++;
	}
	/* Invalid points: signed prekey, one-time prekey, device key. */
	low_order(0, f.b.spk_pub);
	sign_spk(&f);
	CHECK_INT(verify_copy(&f.b, BOB, NOW), XE2E_E_WEAKKEY);
	memcpy(f.b.spk_pub, save, X25519_LEN);
	sign_spk(&f);
	memcpy(save, f.b.opk[1].pub, X25519_LEN);
	low_order(3, f.b.opk[1].pub);
	CHECK_INT(verify_copy(&f.b, BOB, NOW), XE2E_E_WEAKKEY);
	memcpy(f.b.opk[1].pub, save, X25519_LEN);
	memcpy(save, f.b.device_pub, X25519_LEN);
	low_order(1, f.b.device_pub);
	sign_binding(&f);
	CHECK_INT(verify_copy(&f.b, BOB, NOW), XE2E_E_WEAKKEY);
	memcpy(f.b.device_pub, save, X25519_LEN);
	sign_binding(&f);
	CHECK_INT(verify_copy(&f.b, BOB, NOW), XE2E_OK);
	cases += 3;
	/* The identity key not on the curve. */
	f.b.id_pub[40] ^= 1;
	CHECK(verify_copy(&f.b, BOB, NOW) != XE2E_OK);
	f.b.id_pub[40] ^= 1;
	cases++;
	/* The signed prekey equal to the device key, or to a one-time prekey. */
	memcpy(save, f.b.spk_pub, X25519_LEN);
	memcpy(f.b.spk_pub, f.b.device_pub, X25519_LEN);
	sign_spk(&f);
	CHECK_INT(verify_copy(&f.b, BOB, NOW), XE2E_E_MALFORMED);
	memcpy(f.b.spk_pub, save, X25519_LEN);
	sign_spk(&f);
	memcpy(f.b.opk[2].pub, f.b.spk_pub, X25519_LEN);
	CHECK_INT(verify_copy(&f.b, BOB, NOW), XE2E_E_MALFORMED);
	cases += 2;
	unit_note("%u tampered bundles refused", cases);
	fixture_free(&f);
}

TEST(bundle_prekeys_missing_or_expired)
{
	struct fixture f;
	struct bundle got;
	uint8_t fpr[FINGERPRINT_LEN];
	const struct bundle_prekey *pick;
	size_t usable = 9;
	unsigned seen = 0;

	/* No one-time prekey at all: usable, and reported. */
	fixture_make(&f, 0);
	CHECK_INT(reparse(&f.b, &got), XE2E_OK);
	CHECK_INT(bundle_verify(&got, BOB, NULL, NOW, fpr, &usable), XE2E_OK);
	CHECK_INT(usable, 0);
	CHECK_INT(bundle_pick_opk(&got, &pick), XE2E_OK);
	CHECK(pick == NULL);
	bundle_free(&got);
	fixture_free(&f);

	/* Expired one-time prekeys are dropped; a random one of the rest. */
	fixture_make(&f, 4);
	f.b.opk[0].expires = NOW;
	f.b.opk[2].expires = NOW - 5;
	CHECK_INT(reparse(&f.b, &got), XE2E_OK);
	CHECK_INT(bundle_verify(&got, BOB, NULL, NOW, fpr, &usable), XE2E_OK);
	CHECK_INT(usable, 2);
	CHECK(got.opk[0].id == 0x1001 && got.opk[1].id == 0x1003);
	for (int i = 0; i < 64; i++) {
		CHECK_INT(bundle_pick_opk(&got, &pick), XE2E_OK);
		CHECK(pick == &got.opk[0] || pick == &got.opk[1]);
		seen |= pick == &got.opk[0] ? 1u : 2u;
	}
	CHECK_INT(seen, 3);
	bundle_free(&got);
	fixture_free(&f);
}

/* Replaces the first occurrence of from in xml by to and parses it. */
static int parse_mutated(const char *xml, const char *from, const char *to)
{
	const char *at = strstr(xml, from);
	struct bundle b;
	struct buf s = BUF_INIT;
	int err;

	if (!at) {
		unit_fail(__FILE__, __LINE__, "no \"%s\" in the bundle", from);
		return XE2E_OK;
	}
	bundle_init(&b);
	CHECK_INT(buf_append(&s, xml, (size_t)(at - xml)), XE2E_OK);
	CHECK_INT(buf_append_str(&s, to), XE2E_OK);
	CHECK_INT(buf_append_str(&s, at + strlen(from)), XE2E_OK);
	err = bundle_parse((const char *)s.data, s.len, &b);
	bundle_free(&b);
	buf_free(&s);
	return err;
}

TEST(bundle_parsing_is_strict)
{
	static const struct {
		const char *from, *to;
		int want;
	} cases[] = {
		{"version='1'", "version='2'", XE2E_E_UNSUPPORTED},
		{"form='full'", "form='fuller'", XE2E_E_MALFORMED},
		{"form='full'", "form='minimal'", XE2E_E_MALFORMED},
		{"form='full'", "form='full' extra='1'", XE2E_E_MALFORMED},
		{"version='1' ", "", XE2E_E_MALFORMED},
		{"jid='bob@montague.lit'", "jid='Bob@montague.lit'", XE2E_E_MALFORMED},
		{"jid='bob@montague.lit'", "jid='montague.lit'", XE2E_E_MALFORMED},
		{"jid='bob@montague.lit'", "jid='bob@montague.lit/x'", XE2E_E_MALFORMED},
		{"device='b1b2b3b4'", "device='B1B2B3B4'", XE2E_E_MALFORMED},
		{"device='b1b2b3b4'", "device='00000000'", XE2E_E_MALFORMED},
		{"device='b1b2b3b4'", "device='b1b2b3b'", XE2E_E_MALFORMED},
		{"xmlns='urn:xe2e:1'", "xmlns='urn:xe2e:2'", XE2E_E_MALFORMED},
		{"<bundle", "<bundles", XE2E_E_MALFORMED},
		{"<identity>", "<identity>AA", XE2E_E_MALFORMED},
		{"<identity>", "<identity x='1'>", XE2E_E_MALFORMED},
		{"<identity>", "<identity><b/>", XE2E_E_MALFORMED},
		{"<identity>", "<x/><identity>", XE2E_E_MALFORMED},
		{"<identity>", "text<identity>", XE2E_E_MALFORMED},
		{"<identity>", "\n  <identity>", XE2E_OK},
		{"<signed-prekey", "\n\t<signed-prekey", XE2E_OK},
		{"<identity>", "<!-- c --><identity>", XE2E_E_XML},
		{"<identity>", "<?pi x?><identity>", XE2E_E_XML},
		{"<device key=", "<device xmlns='urn:other' key=", XE2E_E_MALFORMED},
		{"<signed-prekey id='11223344'", "<signed-prekey id='11223344' a='b'",
		 XE2E_E_MALFORMED},
		{"<signed-prekey id='11223344'", "<signed-prekey id='011223344'", XE2E_E_MALFORMED},
		{"created='1750000000'", "created='01750000000'", XE2E_E_MALFORMED},
		{"created='1750000000'", "created='1752592000'", XE2E_E_MALFORMED},
		{"created='1750000000'", "created='-1'", XE2E_E_MALFORMED},
		{"created='1750000000'", "created='99999999999999999999999'", XE2E_E_MALFORMED},
		{"<prekey id='00001001'", "<prekey id='00001000'", XE2E_E_MALFORMED},
		{"<prekey id='00001001'", "<prekey id='00001001' x='y'", XE2E_E_MALFORMED},
		{"</bundle>", "<prekey/></bundle>", XE2E_E_MALFORMED},
		{"</bundle>", "<signed-prekey/></bundle>", XE2E_E_MALFORMED},
		{"</bundle>", "</bundle><x/>", XE2E_E_MALFORMED},
	};
	struct fixture f;
	struct buf xml = BUF_INIT;
	unsigned refused = 0;

	fixture_make(&f, 2);
	CHECK_INT(bundle_format(&f.b, &xml), XE2E_OK);
	CHECK_INT(buf_terminate(&xml), XE2E_OK);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int err = parse_mutated((char *)xml.data, cases[i].from, cases[i].to);

		if (err != cases[i].want)
			unit_fail(__FILE__, __LINE__, "case %zu (%s): %d, want %d", i, cases[i].to,
				  err, cases[i].want);
		refused += err != XE2E_OK;
	}
	unit_note("%u malformed bundles refused", refused);
	buf_free(&xml);
	fixture_free(&f);
}

/* Base64 of each field: wrong lengths and non-canonical forms. */
TEST(bundle_base64_fields_are_exact)
{
	struct fixture f;
	struct buf xml = BUF_INIT;
	char *s, *p, *q;
	unsigned refused = 0;

	fixture_make(&f, 1);
	CHECK_INT(bundle_format(&f.b, &xml), XE2E_OK);
	CHECK_INT(buf_terminate(&xml), XE2E_OK);
	s = (char *)xml.data;
	/* Each base64 value (between a quote or '>' and the next quote or
	 * '<') once shortened, once with bits set after its last byte. */
	for (p = s; (p = strpbrk(p, "'>")) != NULL; p++) {
		char from[256], to[256];
		size_t n;

		q = strpbrk(p + 1, "'<");
		if (!q)
			break;
		n = (size_t)(q - p - 1);
		if (n < 40 || n > 200 || p[n] != '=')
			continue;
		snprintf(from, sizeof(from), "%.*s", (int)n, p + 1);
		snprintf(to, sizeof(to), "%.*s", (int)n - 4, p + 1);
		CHECK_INT(parse_mutated(s, from, to), XE2E_E_MALFORMED);
		/* Non-zero bits after the last byte: not canonical. */
		snprintf(to, sizeof(to), "%.*s%c=", (int)n - 2, p + 1,
			 p[n - 1] == 'B' ? 'D' : 'B');
		CHECK_INT(parse_mutated(s, from, to), XE2E_E_MALFORMED);
		refused += 2;
	}
	CHECK(refused >= 10);
	unit_note("%u bad base64 values refused", refused);
	buf_free(&xml);
	fixture_free(&f);
}

TEST(bundle_bounds)
{
	struct fixture f;
	struct bundle got;
	struct buf xml = BUF_INIT;

	fixture_make(&f, BUNDLE_OPK_MAX);
	CHECK_INT(reparse(&f.b, &got), XE2E_OK);
	CHECK_INT(got.n_opk, BUNDLE_OPK_MAX);
	bundle_free(&got);
	CHECK_INT(bundle_format(&f.b, &xml), XE2E_OK);
	CHECK_INT(buf_terminate(&xml), XE2E_OK);
	CHECK_INT(parse_mutated((char *)xml.data, "</bundle>",
				"<prekey id='0000ffff' expires='1'>"
				"AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=</prekey></bundle>"),
		  XE2E_E_LIMIT);
	bundle_init(&got);
	CHECK_INT(bundle_parse((char *)xml.data, BUNDLE_MAX_SIZE + 1, &got), XE2E_E_LIMIT);
	CHECK_INT(bundle_parse((char *)xml.data, xml.len - 1, &got), XE2E_E_MALFORMED);
	CHECK_INT(bundle_parse("", 0, &got), XE2E_E_MALFORMED);
	buf_free(&xml);
	fixture_free(&f);
}
