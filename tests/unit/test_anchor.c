/*
 * X.509 anchors: adding and listing CA certificates, and chains checked
 * against them. Certificates are made here with mbedTLS's writer, so every
 * field (CA flag, names, times, curve) is under the test's control; the
 * command-line tests do the same with openssl.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "anchor.h"
#include "buf.h"
#include "err.h"
#include "rng.h"
#include "sig.h"
#include "store.h"
#include "unit.h"
#include "x509.h"

#define BOB "bob@montague.lit"
#define ALICE "alice@capulet.lit"
/* 2026-06-01T00:00:00Z, inside every default validity below. */
#define NOW 1780272000ull
#define OID_XMPPADDR MBEDTLS_OID_ON "\x05"
#define TAG_OTHER_NAME (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0)
#define TAG_DNS (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2)
#define TAG_URI (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 6)
#define DER_MAX 4096

/* ---- making certificates ---- */

struct key {
	mbedtls_pk_context pk;
};

static void key_make(struct key *k, mbedtls_ecp_group_id curve)
{
	mbedtls_pk_init(&k->pk);
	if (mbedtls_pk_setup(&k->pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0 ||
	    mbedtls_ecp_gen_key(curve, mbedtls_pk_ec(k->pk), rng_mbedtls, NULL) != 0)
		unit_fail(__FILE__, __LINE__, "cannot make a key");
}

static void key_free(struct key *k)
{
	mbedtls_pk_free(&k->pk);
}

static void key_pub(struct key *k, uint8_t pub[P256_PUB_LEN])
{
	const mbedtls_ecp_keypair *ec = mbedtls_pk_ec(k->pk);
	size_t len = 0;

	CHECK_INT(mbedtls_ecp_point_write_binary(&ec->grp, &ec->Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &len,
						 pub, P256_PUB_LEN), 0);
	CHECK_INT(len, P256_PUB_LEN);
}

struct spec {
	const char *subject;  /* "CN=..." */
	const char *issuer;   /* the issuer's subject; NULL: self-signed */
	int ca;               /* 1 CA:TRUE, 0 CA:FALSE, -1 no basicConstraints */
	unsigned key_usage;   /* 0: no keyUsage extension */
	const char *from, *to;
	/* subjectAltName entries; all NULL: none */
	const char *xmpp_addr, *xmpp_addr2, *uri, *dns;
};

static struct spec ca_spec(const char *subject, const char *issuer)
{
	struct spec s = {subject, issuer, 1,
			 MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN,
			 "20200101000000", "20400101000000", NULL, NULL, NULL, NULL};

	return s;
}

static struct spec leaf_spec(const char *issuer, const char *jid)
{
	struct spec s = {"CN=" BOB, issuer, 0, MBEDTLS_X509_KU_DIGITAL_SIGNATURE,
			 "20240101000000", "20300101000000", jid, NULL, NULL, NULL};

	return s;
}

/* Writes one GeneralName backwards (mbedTLS's asn1write style). */
static int general_name(unsigned char **p, unsigned char *start, int tag, const char *value)
{
	size_t len = 0, inner;
	int ret;

	if (tag != TAG_OTHER_NAME) {
		MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_raw_buffer(
						  p, start, (const unsigned char *)value, strlen(value)));
		MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_len(p, start, len));
		MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_tag(p, start, (unsigned char)tag));
		return (int)len;
	}
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_utf8_string(p, start, value, strlen(value)));
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_len(p, start, len));
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_tag(p, start, TAG_OTHER_NAME));
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_oid(p, start, OID_XMPPADDR,
							 MBEDTLS_OID_SIZE(OID_XMPPADDR)));
	inner = len;
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_len(p, start, inner));
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_tag(p, start, TAG_OTHER_NAME));
	return (int)len;
}

static int set_san(mbedtls_x509write_cert *w, const struct spec *s)
{
	unsigned char der[2048], *p = der + sizeof(der);
	size_t len = 0;
	int ret;

	if (!s->xmpp_addr && !s->xmpp_addr2 && !s->uri && !s->dns)
		return 0;
	if (s->dns)
		MBEDTLS_ASN1_CHK_ADD(len, general_name(&p, der, TAG_DNS, s->dns));
	if (s->uri)
		MBEDTLS_ASN1_CHK_ADD(len, general_name(&p, der, TAG_URI, s->uri));
	if (s->xmpp_addr2)
		MBEDTLS_ASN1_CHK_ADD(len, general_name(&p, der, TAG_OTHER_NAME, s->xmpp_addr2));
	if (s->xmpp_addr)
		MBEDTLS_ASN1_CHK_ADD(len, general_name(&p, der, TAG_OTHER_NAME, s->xmpp_addr));
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_len(&p, der, len));
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_tag(&p, der, MBEDTLS_ASN1_CONSTRUCTED |
								  MBEDTLS_ASN1_SEQUENCE));
	return mbedtls_x509write_crt_set_extension(w, MBEDTLS_OID_SUBJECT_ALT_NAME,
						   MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0,
						   p, len);
}

static int set_fields(mbedtls_x509write_cert *w, const struct spec *s, struct key *subject,
		      struct key *issuer)
{
	static int serial_no = 1;
	mbedtls_mpi serial;
	int ret;

	mbedtls_mpi_init(&serial);
	ret = mbedtls_mpi_lset(&serial, serial_no++);
	mbedtls_x509write_crt_set_version(w, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(w, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(w, &subject->pk);
	mbedtls_x509write_crt_set_issuer_key(w, &issuer->pk);
	if (!ret)
		ret = mbedtls_x509write_crt_set_serial(w, &serial);
	mbedtls_mpi_free(&serial);
	if (!ret)
		ret = mbedtls_x509write_crt_set_subject_name(w, s->subject);
	if (!ret)
		ret = mbedtls_x509write_crt_set_issuer_name(w, s->issuer ? s->issuer : s->subject);
	if (!ret)
		ret = mbedtls_x509write_crt_set_validity(w, s->from, s->to);
	if (!ret && s->ca >= 0)
		ret = mbedtls_x509write_crt_set_basic_constraints(w, s->ca, -1);
	if (!ret && s->key_usage)
		ret = mbedtls_x509write_crt_set_key_usage(w, s->key_usage);
	if (!ret)
		ret = set_san(w, s);
	return ret;
}

/* Appends the DER of a certificate for subject's key, signed by issuer's. */
static void cert_make(const struct spec *s, struct key *subject, struct key *issuer,
		      struct buf *out)
{
	mbedtls_x509write_cert w;
	unsigned char der[DER_MAX];
	int len;

	mbedtls_x509write_crt_init(&w);
	len = set_fields(&w, s, subject, issuer);
	if (len == 0)
		len = mbedtls_x509write_crt_der(&w, der, sizeof(der), rng_mbedtls, NULL);
	mbedtls_x509write_crt_free(&w);
	if (len <= 0) {
		unit_fail(__FILE__, __LINE__, "cannot write certificate %s (-0x%04x)", s->subject,
			  (unsigned)-len);
		return;
	}
	CHECK_INT(buf_append(out, der + sizeof(der) - (size_t)len, (size_t)len), XE2E_OK);
}

/* ---- a small PKI ---- */

struct pki {
	struct key root_key, inter_key, leaf_key;
	struct buf root, inter, leaf;
	char dir[1024]; /* the anchors directory */
};

static void pki_make(struct pki *p)
{
	struct spec root = ca_spec("CN=Test Root CA,O=xe2e", NULL);
	struct spec inter = ca_spec("CN=Test Intermediate CA,O=xe2e", root.subject);
	struct spec leaf = leaf_spec(inter.subject, BOB);

	memset(p, 0, sizeof(*p));
	key_make(&p->root_key, MBEDTLS_ECP_DP_SECP256R1);
	key_make(&p->inter_key, MBEDTLS_ECP_DP_SECP256R1);
	key_make(&p->leaf_key, MBEDTLS_ECP_DP_SECP256R1);
	cert_make(&root, &p->root_key, &p->root_key, &p->root);
	cert_make(&inter, &p->inter_key, &p->root_key, &p->inter);
	cert_make(&leaf, &p->leaf_key, &p->inter_key, &p->leaf);
	snprintf(p->dir, sizeof(p->dir), "%s/anchors", unit_tmpdir());
}

static void pki_free(struct pki *p)
{
	key_free(&p->root_key);
	key_free(&p->inter_key);
	key_free(&p->leaf_key);
	buf_free(&p->root);
	buf_free(&p->inter);
	buf_free(&p->leaf);
}

/* leaf || intermediate, the chain a peer presents. */
static void chain_of(const struct buf *a, const struct buf *b, struct buf *chain)
{
	buf_clear(chain);
	CHECK_INT(buf_append(chain, a->data, a->len), XE2E_OK);
	if (b)
		CHECK_INT(buf_append(chain, b->data, b->len), XE2E_OK);
}

static int verify(const struct pki *p, const struct buf *chain, const char *jid, uint64_t now,
		  struct anchor_result *res)
{
	return anchor_verify_chain(p->dir, chain->data, chain->len, jid, now, res);
}

static int detail_has(const char *part)
{
	if (strstr(err_detail(), part))
		return 1;
	unit_note("detail: %s", err_detail());
	return 0;
}

/* ---- tests ---- */

TEST(anchor_good_chain_gives_the_leaf_key)
{
	struct pki p;
	struct buf chain = BUF_INIT;
	struct anchor_result res;
	uint8_t pub[P256_PUB_LEN], fpr[FINGERPRINT_LEN];

	pki_make(&p);
	CHECK_INT(anchor_add(p.dir, "root", p.root.data, p.root.len, NOW, NULL), XE2E_OK);
	chain_of(&p.leaf, &p.inter, &chain);
	CHECK_INT(verify(&p, &chain, BOB, NOW, &res), XE2E_OK);
	key_pub(&p.leaf_key, pub);
	CHECK_MEM(res.pub, pub, P256_PUB_LEN);
	CHECK_INT(p256_fingerprint(pub, fpr), XE2E_OK);
	CHECK_MEM(res.fpr, fpr, FINGERPRINT_LEN);
	CHECK_STR(res.anchor, "root");
	/* The JID is compared after normalisation. */
	CHECK_INT(verify(&p, &chain, "Bob@Montague.LIT", NOW, &res), XE2E_OK);
	/* The intermediate alone as an anchor: the leaf suffices. */
	CHECK_INT(anchor_remove(p.dir, "root"), XE2E_OK);
	CHECK_INT(anchor_add(p.dir, "inter", p.inter.data, p.inter.len, NOW, NULL), XE2E_OK);
	chain_of(&p.leaf, NULL, &chain);
	CHECK_INT(verify(&p, &chain, BOB, NOW, &res), XE2E_OK);
	CHECK_STR(res.anchor, "inter");
	buf_free(&chain);
	pki_free(&p);
}

TEST(anchor_chain_with_the_root_and_a_leaf_from_the_root)
{
	struct pki p;
	struct spec s = leaf_spec("CN=Test Root CA,O=xe2e", BOB);
	struct buf chain = BUF_INIT, leaf = BUF_INIT;
	struct anchor_result res;

	pki_make(&p);
	CHECK_INT(anchor_add(p.dir, "root", p.root.data, p.root.len, NOW, NULL), XE2E_OK);
	/* leaf, intermediate, root: a presented root changes nothing */
	chain_of(&p.leaf, &p.inter, &chain);
	CHECK_INT(buf_append(&chain, p.root.data, p.root.len), XE2E_OK);
	CHECK_INT(verify(&p, &chain, BOB, NOW, &res), XE2E_OK);
	/* a leaf issued by the root itself */
	cert_make(&s, &p.leaf_key, &p.root_key, &leaf);
	chain_of(&leaf, NULL, &chain);
	CHECK_INT(verify(&p, &chain, BOB, NOW, &res), XE2E_OK);
	/* without its intermediate, the usual leaf does not verify */
	chain_of(&p.leaf, NULL, &chain);
	CHECK_INT(verify(&p, &chain, BOB, NOW, &res), XE2E_E_TRUST);
	buf_free(&leaf);
	buf_free(&chain);
	pki_free(&p);
}

TEST(anchor_wrong_jid_is_refused)
{
	struct pki p;
	struct spec s = leaf_spec("CN=Test Intermediate CA,O=xe2e", BOB "/garden");
	struct buf chain = BUF_INIT, leaf = BUF_INIT;
	struct anchor_result res;

	pki_make(&p);
	CHECK_INT(anchor_add(p.dir, "root", p.root.data, p.root.len, NOW, NULL), XE2E_OK);
	chain_of(&p.leaf, &p.inter, &chain);
	CHECK_INT(verify(&p, &chain, ALICE, NOW, &res), XE2E_E_TRUST);
	CHECK(detail_has("does not name alice@capulet.lit"));
	CHECK(res.anchor[0] == '\0');
	CHECK_INT(verify(&p, &chain, "montague.lit", NOW, &res), XE2E_E_TRUST);
	CHECK_INT(verify(&p, &chain, "not a jid@", NOW, &res), XE2E_E_MALFORMED);
	/* A full JID in the certificate never names the bare JID. */
	cert_make(&s, &p.leaf_key, &p.inter_key, &leaf);
	chain_of(&leaf, &p.inter, &chain);
	CHECK_INT(verify(&p, &chain, BOB, NOW, &res), XE2E_E_TRUST);
	buf_free(&leaf);
	buf_free(&chain);
	pki_free(&p);
}

TEST(anchor_names_in_the_leaf)
{
	static const struct {
		const char *xmpp_addr, *xmpp_addr2, *uri, *dns, *cn;
		int want;
	} cases[] = {
		{NULL, NULL, "xmpp:" BOB, NULL, "CN=someone", XE2E_OK},
		{NULL, NULL, "https://montague.lit/", NULL, "CN=" BOB, XE2E_E_TRUST},
		{ALICE, BOB, NULL, NULL, "CN=x", XE2E_OK},            /* any xmppAddr */
		{NULL, NULL, NULL, NULL, "CN=" BOB, XE2E_OK},         /* no SAN: the CN */
		{NULL, NULL, NULL, NULL, "CN=BOB@montague.lit", XE2E_OK},
		{NULL, NULL, NULL, "montague.lit", "CN=" BOB, XE2E_E_TRUST}, /* SAN: no CN */
		{NULL, NULL, NULL, NULL, "CN=" ALICE, XE2E_E_TRUST},
		{"", NULL, NULL, NULL, "CN=" BOB, XE2E_E_TRUST},     /* empty xmppAddr */
	};
	struct pki p;
	struct buf chain = BUF_INIT, leaf = BUF_INIT;
	struct anchor_result res;

	pki_make(&p);
	CHECK_INT(anchor_add(p.dir, "root", p.root.data, p.root.len, NOW, NULL), XE2E_OK);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct spec s = leaf_spec("CN=Test Intermediate CA,O=xe2e", cases[i].xmpp_addr);

		s.xmpp_addr2 = cases[i].xmpp_addr2;
		s.uri = cases[i].uri;
		s.dns = cases[i].dns;
		s.subject = cases[i].cn;
		buf_clear(&leaf);
		cert_make(&s, &p.leaf_key, &p.inter_key, &leaf);
		chain_of(&leaf, &p.inter, &chain);
		if (verify(&p, &chain, BOB, NOW, &res) != cases[i].want)
			unit_fail(__FILE__, __LINE__, "case %zu: %s", i, err_detail());
	}
	unit_note("%zu name cases", sizeof(cases) / sizeof(cases[0]));
	buf_free(&leaf);
	buf_free(&chain);
	pki_free(&p);
}

TEST(anchor_times_are_checked_at_the_given_time)
{
	struct pki p;
	struct spec s = ca_spec("CN=Test Intermediate CA,O=xe2e", "CN=Test Root CA,O=xe2e");
	struct buf chain = BUF_INIT, inter = BUF_INIT;
	struct anchor_result res;
	uint64_t leaf_end = 1893456000; /* 2030-01-01 */

	pki_make(&p);
	CHECK_INT(anchor_add(p.dir, "root", p.root.data, p.root.len, NOW, NULL), XE2E_OK);
	chain_of(&p.leaf, &p.inter, &chain);
	CHECK_INT(verify(&p, &chain, BOB, leaf_end - 1, &res), XE2E_OK);
	CHECK_INT(verify(&p, &chain, BOB, leaf_end + 1, &res), XE2E_E_TRUST);
	CHECK(detail_has("the leaf certificate"));
	CHECK(detail_has("has expired"));
	CHECK_INT(verify(&p, &chain, BOB, 1685577600, &res), XE2E_E_TRUST); /* 2023 */
	CHECK(detail_has("is not valid yet"));
	/* An expired intermediate is named as such. */
	s.to = "20250101000000";
	cert_make(&s, &p.inter_key, &p.root_key, &inter);
	chain_of(&p.leaf, &inter, &chain);
	CHECK_INT(verify(&p, &chain, BOB, NOW, &res), XE2E_E_TRUST);
	CHECK(detail_has("an intermediate certificate"));
	CHECK(detail_has("has expired"));
	CHECK_INT(verify(&p, &chain, BOB, 1735689600 - 1, &res), XE2E_OK); /* 2024 */
	/* An expired anchor, under a leaf that is still valid. */
	{
		struct spec l = leaf_spec("CN=Test Root CA,O=xe2e", BOB);
		struct buf leaf = BUF_INIT;

		l.to = "20450101000000";
		cert_make(&l, &p.leaf_key, &p.root_key, &leaf);
		chain_of(&leaf, NULL, &chain);
		CHECK_INT(verify(&p, &chain, BOB, 2208988800 - 1, &res), XE2E_OK);
		CHECK_INT(verify(&p, &chain, BOB, 2208988800 + 1, &res), XE2E_E_TRUST);
		CHECK(detail_has("the anchor certificate"));
		CHECK(detail_has("has expired"));
		buf_free(&leaf);
	}
	buf_free(&inter);
	buf_free(&chain);
	pki_free(&p);
}

TEST(anchor_untrusted_ca_is_refused)
{
	struct pki p, other;
	struct buf chain = BUF_INIT;
	struct anchor_result res;

	pki_make(&p);
	pki_make(&other); /* the same names, other keys */
	CHECK_INT(anchor_add(p.dir, "root", p.root.data, p.root.len, NOW, NULL), XE2E_OK);
	chain_of(&other.leaf, &other.inter, &chain);
	CHECK_INT(verify(&p, &chain, BOB, NOW, &res), XE2E_E_TRUST);
	CHECK(detail_has("does not lead to a configured anchor"));
	/* The other root presented in the chain is no help. */
	CHECK_INT(buf_append(&chain, other.root.data, other.root.len), XE2E_OK);
	CHECK_INT(verify(&p, &chain, BOB, NOW, &res), XE2E_E_TRUST);
	/* A leaf signed by the wrong intermediate key. */
	chain_of(&other.leaf, &p.inter, &chain);
	CHECK_INT(verify(&p, &chain, BOB, NOW, &res), XE2E_E_TRUST);
	/* No anchors at all. */
	CHECK_INT(anchor_remove(p.dir, "root"), XE2E_OK);
	chain_of(&p.leaf, &p.inter, &chain);
	CHECK_INT(verify(&p, &chain, BOB, NOW, &res), XE2E_E_TRUST);
	CHECK(detail_has("no X.509 anchors"));
	buf_free(&chain);
	pki_free(&p);
	pki_free(&other);
}

TEST(anchor_non_ca_intermediate_is_refused)
{
	struct pki p;
	struct spec s = ca_spec("CN=Test Intermediate CA,O=xe2e", "CN=Test Root CA,O=xe2e");
	struct buf chain = BUF_INIT, inter = BUF_INIT;
	struct anchor_result res;
	int ca_values[] = {0, -1};

	pki_make(&p);
	CHECK_INT(anchor_add(p.dir, "root", p.root.data, p.root.len, NOW, NULL), XE2E_OK);
	for (size_t i = 0; i < 2; i++) {
		s.ca = ca_values[i];
		s.key_usage = MBEDTLS_X509_KU_DIGITAL_SIGNATURE | MBEDTLS_X509_KU_KEY_CERT_SIGN;
		buf_clear(&inter);
		cert_make(&s, &p.inter_key, &p.root_key, &inter);
		chain_of(&p.leaf, &inter, &chain);
		CHECK_INT(verify(&p, &chain, BOB, NOW, &res), XE2E_E_TRUST);
		CHECK(detail_has("does not lead to a configured anchor"));
		/* nor can it be an anchor */
		CHECK_INT(anchor_add(p.dir, "inter", inter.data, inter.len, NOW, NULL), XE2E_E_TRUST);
		CHECK(detail_has("not a CA certificate"));
	}
	/* A CA whose keyUsage does not allow signing certificates. */
	s.ca = 1;
	s.key_usage = MBEDTLS_X509_KU_DIGITAL_SIGNATURE;
	buf_clear(&inter);
	cert_make(&s, &p.inter_key, &p.root_key, &inter);
	chain_of(&p.leaf, &inter, &chain);
	CHECK_INT(verify(&p, &chain, BOB, NOW, &res), XE2E_E_TRUST);
	CHECK_INT(anchor_add(p.dir, "inter", inter.data, inter.len, NOW, NULL), XE2E_E_TRUST);
	CHECK(detail_has("keyCertSign"));
	buf_free(&inter);
	buf_free(&chain);
	pki_free(&p);
}

TEST(anchor_leaf_key_usage_and_forgeries)
{
	struct pki p;
	struct spec s = leaf_spec("CN=Test Intermediate CA,O=xe2e", BOB);
	struct buf chain = BUF_INIT, leaf = BUF_INIT;
	struct anchor_result res;
	size_t flips = 0;

	pki_make(&p);
	CHECK_INT(anchor_add(p.dir, "root", p.root.data, p.root.len, NOW, NULL), XE2E_OK);
	s.key_usage = MBEDTLS_X509_KU_KEY_ENCIPHERMENT;
	cert_make(&s, &p.leaf_key, &p.inter_key, &leaf);
	chain_of(&leaf, &p.inter, &chain);
	CHECK_INT(verify(&p, &chain, BOB, NOW, &res), XE2E_E_TRUST);
	CHECK(detail_has("digitalSignature"));
	/* Every byte of the leaf's last 80 (the signature) flipped: never accepted. */
	for (size_t i = p.leaf.len - 80; i < p.leaf.len; i++) {
		chain_of(&p.leaf, &p.inter, &chain);
		chain.data[i] ^= 0x01;
		if (verify(&p, &chain, BOB, NOW, &res) == XE2E_OK)
			unit_fail(__FILE__, __LINE__, "flipped byte %zu accepted", i);
		flips++;
	}
	unit_note("%zu flipped signature bytes refused", flips);
	buf_free(&leaf);
	buf_free(&chain);
	pki_free(&p);
}

TEST(anchor_p384_keys_are_unsupported)
{
	struct pki p;
	struct key k384;
	struct spec leaf = leaf_spec("CN=Test Intermediate CA,O=xe2e", BOB);
	struct spec ca = ca_spec("CN=P-384 CA", NULL);
	struct spec inter = ca_spec("CN=P-384 Intermediate", "CN=Test Root CA,O=xe2e");
	struct spec leaf2 = leaf_spec("CN=P-384 Intermediate", BOB);
	struct buf chain = BUF_INIT, c = BUF_INIT, i384 = BUF_INIT;
	struct anchor_result res;

	pki_make(&p);
	key_make(&k384, MBEDTLS_ECP_DP_SECP384R1);
	CHECK_INT(anchor_add(p.dir, "root", p.root.data, p.root.len, NOW, NULL), XE2E_OK);
	cert_make(&leaf, &k384, &p.inter_key, &c);
	chain_of(&c, &p.inter, &chain);
	CHECK_INT(verify(&p, &chain, BOB, NOW, &res), XE2E_E_UNSUPPORTED);
	CHECK(detail_has("secp384r1"));
	buf_clear(&c);
	cert_make(&ca, &k384, &k384, &c);
	CHECK_INT(anchor_add(p.dir, "p384", c.data, c.len, NOW, NULL), XE2E_E_UNSUPPORTED);
	CHECK(detail_has("only P-256"));
	/* A P-384 intermediate between P-256 certificates: the profile refuses it. */
	cert_make(&inter, &k384, &p.root_key, &i384);
	buf_clear(&c);
	cert_make(&leaf2, &p.leaf_key, &k384, &c);
	chain_of(&c, &i384, &chain);
	CHECK_INT(verify(&p, &chain, BOB, NOW, &res), XE2E_E_TRUST);
	key_free(&k384);
	buf_free(&i384);
	buf_free(&c);
	buf_free(&chain);
	pki_free(&p);
}

TEST(anchor_malformed_chains)
{
	struct pki p;
	struct buf chain = BUF_INIT;
	struct anchor_result res;

	pki_make(&p);
	CHECK_INT(anchor_add(p.dir, "root", p.root.data, p.root.len, NOW, NULL), XE2E_OK);
	CHECK_INT(anchor_verify_chain(p.dir, (const uint8_t *)"", 0, BOB, NOW, &res),
		  XE2E_E_MALFORMED);
	chain_of(&p.leaf, &p.inter, &chain);
	CHECK_INT(buf_append_byte(&chain, 0), XE2E_OK); /* a trailing byte */
	CHECK_INT(verify(&p, &chain, BOB, NOW, &res), XE2E_E_MALFORMED);
	chain.len -= 2; /* truncated */
	CHECK_INT(verify(&p, &chain, BOB, NOW, &res), XE2E_E_MALFORMED);
	buf_clear(&chain);
	for (int i = 0; i < ANCHOR_CHAIN_MAX + 1; i++)
		CHECK_INT(buf_append(&chain, p.inter.data, p.inter.len), XE2E_OK);
	CHECK_INT(verify(&p, &chain, BOB, NOW, &res), XE2E_E_MALFORMED);
	CHECK(detail_has("more than"));
	buf_free(&chain);
	pki_free(&p);
}

TEST(anchor_self_signed_identity_is_not_anchored)
{
	struct pki p;
	struct p256_key *key = NULL;
	struct x509_cert_info info;
	struct buf pem = BUF_INIT, chain = BUF_INIT;
	struct anchor_result res;

	pki_make(&p);
	CHECK_INT(anchor_add(p.dir, "root", p.root.data, p.root.len, NOW, NULL), XE2E_OK);
	CHECK_INT(p256_generate(&key), XE2E_OK);
	CHECK_INT(x509_selfsigned_write(key, BOB, NOW - 86400, &pem), XE2E_OK);
	CHECK_INT(x509_cert_read(pem.data, pem.len, &info), XE2E_OK);
	CHECK_INT(anchor_chain_from_file(pem.data, pem.len, &chain), XE2E_OK);
	CHECK_INT(chain.len, info.der.len);
	CHECK_MEM(chain.data, info.der.data, chain.len);
	/* It names the JID in the form keygen writes... */
	{
		char jid[JID_MAX + 1];

		CHECK_INT(anchor_leaf_jid(chain.data, chain.len, jid), XE2E_OK);
		CHECK_STR(jid, BOB);
	}
	/* ...but no anchor vouches for it, and it cannot be one. */
	CHECK_INT(verify(&p, &chain, BOB, NOW, &res), XE2E_E_TRUST);
	CHECK_INT(anchor_add(p.dir, "self", pem.data, pem.len, NOW, NULL), XE2E_E_TRUST);
	x509_cert_info_free(&info);
	p256_free(key);
	buf_free(&pem);
	buf_free(&chain);
	pki_free(&p);
}

/* PEM text of a DER certificate, as openssl would write it. */
static void to_pem(const struct buf *der, struct buf *pem)
{
	unsigned char out[DER_MAX * 2];
	size_t olen = 0;

	CHECK_INT(mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n",
					   "-----END CERTIFICATE-----\n", der->data, der->len, out,
					   sizeof(out), &olen),
		  0);
	CHECK_INT(buf_append(pem, out, olen - 1), XE2E_OK); /* olen counts the NUL */
}

TEST(anchor_add_list_remove)
{
	struct pki p;
	struct anchor_info info, *list = NULL;
	struct buf pem = BUF_INIT, two = BUF_INIT, file = BUF_INIT, expired = BUF_INIT;
	struct spec old = ca_spec("CN=Old CA", NULL);
	char path[STORE_PATH_MAX], name[ANCHOR_NAME_MAX + 1];
	uint8_t pub[P256_PUB_LEN], fpr[FINGERPRINT_LEN];
	size_t n = 0;

	pki_make(&p);
	to_pem(&p.root, &pem);
	CHECK_INT(anchor_list(p.dir, &list, &n), XE2E_OK); /* no directory yet */
	CHECK_INT(n, 0);
	CHECK_INT(anchor_add(p.dir, "root", pem.data, pem.len, NOW, &info), XE2E_OK);
	CHECK_STR(info.name, "root");
	CHECK_STR(info.subject, "CN=Test Root CA, O=xe2e");
	key_pub(&p.root_key, pub);
	CHECK_INT(p256_fingerprint(pub, fpr), XE2E_OK);
	CHECK_MEM(info.fpr, fpr, FINGERPRINT_LEN);
	CHECK_INT(info.not_before, 1577836800); /* 2020-01-01 */
	CHECK_INT(info.not_after, 2208988800);  /* 2040-01-01 */
	/* Stored as PEM; the same again is no change, under another name a duplicate. */
	snprintf(path, sizeof(path), "%s/root.pem", p.dir);
	CHECK_INT(store_read_file(path, 1 << 16, 0, &file), XE2E_OK);
	CHECK_INT(file.len, pem.len);
	CHECK_MEM(file.data, pem.data, pem.len);
	CHECK_INT(anchor_add(p.dir, "root", p.root.data, p.root.len, NOW, NULL), XE2E_OK);
	CHECK_INT(anchor_add(p.dir, "again", pem.data, pem.len, NOW, NULL), XE2E_E_EXISTS);
	CHECK(detail_has("already anchor root"));
	CHECK_INT(anchor_add(p.dir, "root", p.inter.data, p.inter.len, NOW, NULL), XE2E_E_EXISTS);
	CHECK_INT(anchor_add(p.dir, "inter", p.inter.data, p.inter.len, NOW, NULL), XE2E_OK);
	CHECK_INT(anchor_add(p.dir, "Alpha-1.ca", p.inter.data, p.inter.len, NOW, NULL),
		  XE2E_E_EXISTS);
	/* Refused: two certificates, garbage, a leaf, an expired CA, bad names. */
	CHECK_INT(buf_append(&two, pem.data, pem.len), XE2E_OK);
	to_pem(&p.inter, &two);
	CHECK_INT(anchor_add(p.dir, "two", two.data, two.len, NOW, NULL), XE2E_E_MALFORMED);
	CHECK_INT(anchor_add(p.dir, "junk", (const uint8_t *)"junk", 4, NOW, NULL),
		  XE2E_E_MALFORMED);
	CHECK_INT(anchor_add(p.dir, "leaf", p.leaf.data, p.leaf.len, NOW, NULL), XE2E_E_TRUST);
	old.to = "20250101000000";
	cert_make(&old, &p.inter_key, &p.inter_key, &expired);
	CHECK_INT(anchor_add(p.dir, "old", expired.data, expired.len, NOW, NULL), XE2E_E_EXPIRED);
	CHECK_INT(anchor_add(p.dir, "../x", pem.data, pem.len, NOW, NULL), XE2E_E_MALFORMED);
	CHECK_INT(anchor_add(p.dir, ".hidden", pem.data, pem.len, NOW, NULL), XE2E_E_MALFORMED);
	CHECK_INT(anchor_add(p.dir, "", pem.data, pem.len, NOW, NULL), XE2E_E_MALFORMED);
	/* Listed in name order. */
	CHECK_INT(anchor_list(p.dir, &list, &n), XE2E_OK);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(list[0].name, "inter");
		CHECK_STR(list[1].name, "root");
	}
	free(list);
	/* Names from files. */
	CHECK_INT(anchor_name_from_file("/etc/ssl/My_CA.pem", name), XE2E_OK);
	CHECK_STR(name, "My_CA");
	CHECK_INT(anchor_name_from_file("root.crt", name), XE2E_OK);
	CHECK_STR(name, "root");
	CHECK_INT(anchor_name_from_file("a b.pem", name), XE2E_E_MALFORMED);
	/* Removal. */
	CHECK_INT(anchor_remove(p.dir, "root"), XE2E_OK);
	CHECK_INT(anchor_remove(p.dir, "root"), XE2E_E_NOTFOUND);
	CHECK_INT(anchor_list(p.dir, &list, &n), XE2E_OK);
	CHECK_INT(n, 1);
	free(list);
	buf_free(&expired);
	buf_free(&file);
	buf_free(&two);
	buf_free(&pem);
	pki_free(&p);
}

TEST(anchor_broken_anchor_file_fails_closed)
{
	struct pki p;
	struct buf chain = BUF_INIT;
	struct anchor_result res;
	struct anchor_info *list = NULL;
	char path[STORE_PATH_MAX];
	size_t n;

	pki_make(&p);
	CHECK_INT(anchor_add(p.dir, "root", p.root.data, p.root.len, NOW, NULL), XE2E_OK);
	snprintf(path, sizeof(path), "%s/broken.pem", p.dir);
	CHECK_INT(store_write_atomic(path, "-----BEGIN CERTIFICATE-----\nAAAA\n"
					   "-----END CERTIFICATE-----\n", 60, 0644), XE2E_OK);
	chain_of(&p.leaf, &p.inter, &chain);
	CHECK_INT(verify(&p, &chain, BOB, NOW, &res), XE2E_E_MALFORMED);
	CHECK(detail_has("broken.pem"));
	CHECK_INT(anchor_list(p.dir, &list, &n), XE2E_E_MALFORMED);
	CHECK(list == NULL);
	buf_free(&chain);
	pki_free(&p);
}

TEST(anchor_chain_files_pem_and_der)
{
	struct pki p;
	struct buf pem = BUF_INIT, der = BUF_INIT, chain = BUF_INIT;

	pki_make(&p);
	CHECK_INT(buf_append_str(&pem, "bob's chain\n"), XE2E_OK);
	to_pem(&p.leaf, &pem);
	to_pem(&p.inter, &pem);
	CHECK_INT(anchor_chain_from_file(pem.data, pem.len, &der), XE2E_OK);
	chain_of(&p.leaf, &p.inter, &chain);
	CHECK_INT(der.len, chain.len);
	CHECK_MEM(der.data, chain.data, chain.len);
	buf_clear(&der);
	CHECK_INT(anchor_chain_from_file(chain.data, chain.len, &der), XE2E_OK);
	CHECK_INT(der.len, chain.len);
	CHECK_INT(anchor_chain_from_file((const uint8_t *)"nothing", 7, &der), XE2E_E_MALFORMED);
	buf_free(&pem);
	buf_free(&der);
	buf_free(&chain);
	pki_free(&p);
}
