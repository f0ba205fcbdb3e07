/*
 * Credential kind 2 in the handshake: a side whose identity key carries a
 * certificate from a CA (made here with mbedTLS's writer) sends its chain;
 * the other side makes it anchored when the CA is one of its anchors, and
 * refuses an anchored peer whose credential no longer leads to one, also
 * when the store changed between the handshake and its commit. Also
 * the chain an identity may install, and the certificate and request
 * xe2e-keygen writes (no NULL after ecdsa-with-SHA256).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>

#include "anchor.h"
#include "err.h"
#include "handshake_fixture.h"
#include "identity.h"
#include "rng.h"
#include "store.h"
#include "unit.h"
#include "util.h"
#include "x509.h"

#define OID_XMPPADDR MBEDTLS_OID_ON "\x05"
#define TAG_OTHER_NAME (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0)
#define DER_MAX 4096
#define CA_NAME "CN=Test CA,O=xe2e"
#define FROM "20200101000000"
#define TO "20400101000000"
#define DAY 86400

static struct hs_side alice, bob;

/* ---- a CA ---- */

struct ca {
	mbedtls_pk_context key;
	struct buf der;
};

static void pk_generate(mbedtls_pk_context *pk)
{
	mbedtls_pk_init(pk);
	if (mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0 ||
	    mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*pk), rng_mbedtls, NULL))
		unit_fail(__FILE__, __LINE__, "cannot make a key");
}

/* A public-key-only context for a 65-byte point. */
static void pk_of_point(mbedtls_pk_context *pk, const uint8_t pub[P256_PUB_LEN])
{
	mbedtls_ecp_keypair *ec;

	mbedtls_pk_init(pk);
	CHECK_INT(mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), 0);
	ec = mbedtls_pk_ec(*pk);
	CHECK_INT(mbedtls_ecp_group_load(&ec->grp, MBEDTLS_ECP_DP_SECP256R1), 0);
	CHECK_INT(mbedtls_ecp_point_read_binary(&ec->grp, &ec->Q, pub, P256_PUB_LEN), 0);
}

/* subjectAltName: one otherName id-on-xmppAddr holding jid. */
static int set_san(mbedtls_x509write_cert *w, const char *jid)
{
	unsigned char der[512], *p = der + sizeof(der);
	size_t len = 0, inner;
	int ret;

	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_utf8_string(&p, der, jid, strlen(jid)));
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_len(&p, der, len));
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_tag(&p, der, TAG_OTHER_NAME));
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_oid(&p, der, OID_XMPPADDR,
							 MBEDTLS_OID_SIZE(OID_XMPPADDR)));
	inner = len;
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_len(&p, der, inner));
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_tag(&p, der, TAG_OTHER_NAME));
	inner = len;
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_len(&p, der, inner));
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_tag(&p, der, MBEDTLS_ASN1_CONSTRUCTED |
								  MBEDTLS_ASN1_SEQUENCE));
	return mbedtls_x509write_crt_set_extension(w, MBEDTLS_OID_SUBJECT_ALT_NAME,
						   MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0,
						   p, len);
}

/* Appends a certificate for subject signed by issuer: a CA's when jid is
 * NULL, else a leaf naming jid. */
static void cert_write(mbedtls_pk_context *subject, mbedtls_pk_context *issuer,
		       const char *subject_name, const char *jid, const char *to, struct buf *out)
{
	static int serial_no = 100;
	mbedtls_x509write_cert w;
	mbedtls_mpi serial;
	unsigned char der[DER_MAX];
	int ret;

	mbedtls_x509write_crt_init(&w);
	mbedtls_mpi_init(&serial);
	mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&w, subject);
	mbedtls_x509write_crt_set_issuer_key(&w, issuer);
	ret = mbedtls_mpi_lset(&serial, serial_no++);
	if (!ret)
		ret = mbedtls_x509write_crt_set_serial(&w, &serial);
	if (!ret)
		ret = mbedtls_x509write_crt_set_subject_name(&w, subject_name);
	if (!ret)
		ret = mbedtls_x509write_crt_set_issuer_name(&w, CA_NAME);
	if (!ret)
		ret = mbedtls_x509write_crt_set_validity(&w, FROM, to);
	if (!ret)
		ret = mbedtls_x509write_crt_set_basic_constraints(&w, jid == NULL, -1);
	if (!ret)
		ret = mbedtls_x509write_crt_set_key_usage(&w, jid ? MBEDTLS_X509_KU_DIGITAL_SIGNATURE
								  : MBEDTLS_X509_KU_KEY_CERT_SIGN);
	if (!ret && jid)
		ret = set_san(&w, jid);
	if (!ret)
		ret = mbedtls_x509write_crt_der(&w, der, sizeof(der), rng_mbedtls, NULL);
	if (ret <= 0)
		unit_fail(__FILE__, __LINE__, "cannot write a certificate (-0x%04x)", (unsigned)-ret);
	else
		CHECK_INT(buf_append(out, der + sizeof(der) - ret, (size_t)ret), XE2E_OK);
	mbedtls_mpi_free(&serial);
	mbedtls_x509write_crt_free(&w);
}

/* The writer's form of a UNIX time. */
static void time_text(uint64_t t, char out[static 15])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 15, "%Y%m%d%H%M%S", &tm);
}

static void ca_make(struct ca *ca)
{
	pk_generate(&ca->key);
	ca->der = (struct buf)BUF_INIT;
	cert_write(&ca->key, &ca->key, CA_NAME, NULL, TO, &ca->der);
}

static void ca_free(struct ca *ca)
{
	mbedtls_pk_free(&ca->key);
	buf_free(&ca->der);
}

/* A leaf for the side's identity key naming jid, valid until to. */
static void leaf_for(struct ca *ca, const struct hs_side *s, const char *jid, const char *to,
		     struct buf *out)
{
	mbedtls_pk_context pk;
	char name[96];

	snprintf(name, sizeof(name), "CN=%s", jid);
	pk_of_point(&pk, s->id.id_pub);
	cert_write(&pk, &ca->key, name, jid, to, out);
	mbedtls_pk_free(&pk);
}

/* Reloads the side's identity from its files (after a change of them). */
static void side_reload_identity(struct hs_side *s)
{
	side_use(s);
	identity_free(&s->id);
	CHECK_INT(identity_load(&s->id, IDENTITY_LOAD_DEVICE_KEY, NULL, s->now), XE2E_OK);
}

/* Installs a certificate from ca for the side's key (valid until to). */
static void side_certify(struct hs_side *s, struct ca *ca, const char *to)
{
	struct identity got = IDENTITY_INIT;
	struct buf leaf = BUF_INIT;

	leaf_for(ca, s, s->jid, to, &leaf);
	side_use(s);
	CHECK_INT(identity_certificate_install(leaf.data, leaf.len, s->now, &got), XE2E_OK);
	CHECK_INT(got.chain_der.len, leaf.len);
	identity_free(&got);
	side_reload_identity(s);
	CHECK_INT(s->id.chain_der.len, leaf.len);
	buf_free(&leaf);
}

static void side_anchor(struct hs_side *s, const struct ca *ca)
{
	side_use(s);
	CHECK_INT(anchor_add(NULL, "test-ca", ca->der.data, ca->der.len, s->now, NULL), XE2E_OK);
}

static const struct handshake_result *res(const struct hs_side *s)
{
	return handshake_result(s->hs);
}

static enum trust_level stored_level(struct hs_side *s, const struct hs_side *peer)
{
	const struct trust_peer *p;

	side_reload(s);
	p = trust_find(&s->trust, peer->jid, peer->id.id_fpr);
	return p ? p->level : 0;
}

/* One handshake, alice starting; commits the sides that finished. */
static int run_commit(struct hs_run *run)
{
	int n = hs_run(&alice, &bob, run, NULL, NULL);

	if (res(&alice))
		CHECK_INT(side_commit(&alice), XE2E_OK);
	if (res(&bob))
		CHECK_INT(side_commit(&bob), XE2E_OK);
	side_reload(&alice);
	side_reload(&bob);
	return n;
}

/* ---- the handshake ---- */

TEST(handshake_x509_responder_anchors_the_initiator)
{
	struct hs_run run = {0};
	struct ca ca;
	const struct handshake_result *b;

	hs_pair_init(&alice, &bob);
	ca_make(&ca);
	side_certify(&alice, &ca, TO);
	side_anchor(&bob, &ca);
	CHECK_INT(hs_run(&alice, &bob, &run, NULL, NULL), 4);
	CHECK(hs_both_done(&alice, &bob));
	/* Step 3 carries the chain, padded to the chain unit. */
	CHECK_INT((run.body[2].len - 48 - 16) % HS_PAD_CHAIN_UNIT, 0);
	CHECK(run.body[2].len > 224);
	b = res(&bob);
	if (b) {
		CHECK_INT(b->cred_kind, HS_CRED_KIND_X509);
		CHECK(b->anchored);
		CHECK_STR(b->anchor, "test-ca");
		CHECK_INT(b->level, TRUST_ANCHORED);
		CHECK(b->new_peer);
		CHECK_MEM(b->peer_fpr, alice.id.id_fpr, FINGERPRINT_LEN);
	}
	/* Bob's own credential is a key: Alice records him as tofu. */
	CHECK(res(&alice) && res(&alice)->cred_kind == HS_CRED_KIND_KEY &&
	      !res(&alice)->anchored && res(&alice)->level == TRUST_TOFU);
	CHECK_INT(side_commit(&alice), XE2E_OK);
	CHECK_INT(side_commit(&bob), XE2E_OK);
	CHECK_INT(stored_level(&bob, &alice), TRUST_ANCHORED);
	CHECK_INT(stored_level(&alice, &bob), TRUST_TOFU);
	/* The next handshake is IK: no credential, the stored level holds. */
	side_reload(&alice);
	CHECK_INT(run_commit(&run), 2);
	CHECK(res(&bob) && res(&bob)->cred_kind == 0 && res(&bob)->level == TRUST_ANCHORED);
	CHECK_INT(stored_level(&bob, &alice), TRUST_ANCHORED);
	hs_run_free(&run);
	ca_free(&ca);
}

TEST(handshake_x509_initiator_anchors_the_responder)
{
	struct hs_run run = {0};
	struct ca ca;

	hs_pair_init(&alice, &bob);
	ca_make(&ca);
	side_certify(&bob, &ca, TO);
	side_anchor(&alice, &ca);
	CHECK_INT(run_commit(&run), 4);
	CHECK(res(&alice) && res(&alice)->anchored && res(&alice)->level == TRUST_ANCHORED);
	CHECK(res(&bob) && res(&bob)->level == TRUST_TOFU);
	CHECK_INT(stored_level(&alice, &bob), TRUST_ANCHORED);
	hs_run_free(&run);
	ca_free(&ca);
}

TEST(handshake_x509_no_anchor_counts_as_the_key_alone)
{
	struct hs_run run = {0};
	struct ca ca, other;

	hs_pair_init(&alice, &bob);
	ca_make(&ca);
	ca_make(&other);
	side_certify(&alice, &ca, TO);
	/* No anchors at all. */
	CHECK_INT(run_commit(&run), 4);
	CHECK(res(&bob) && !res(&bob)->anchored && res(&bob)->level == TRUST_TOFU);
	CHECK(res(&bob) && strstr(res(&bob)->chain_refused, "no X.509 anchors are configured"));
	CHECK_INT(stored_level(&bob, &alice), TRUST_TOFU);
	/* Another CA under the same name: tofu again, saying why. */
	side_anchor(&bob, &other);
	alice.options = HS_OPT_SEND_CHAIN;
	CHECK_INT(run_commit(&run), 4);
	CHECK(res(&bob) && !res(&bob)->anchored && res(&bob)->level == TRUST_TOFU);
	CHECK(res(&bob) && strstr(res(&bob)->chain_refused, "does not lead to a configured anchor"));
	CHECK_INT(stored_level(&bob, &alice), TRUST_TOFU);
	hs_run_free(&run);
	ca_free(&ca);
	ca_free(&other);
}

TEST(handshake_x509_send_chain_raises_a_tofu_peer)
{
	struct hs_run run = {0};
	struct ca ca;

	hs_pair_init(&alice, &bob);
	ca_make(&ca);
	CHECK_INT(run_commit(&run), 4);
	CHECK_INT(stored_level(&bob, &alice), TRUST_TOFU);
	/* Without a CA-issued certificate there is nothing to send. */
	alice.options = HS_OPT_SEND_CHAIN;
	CHECK_INT(side_begin(&alice, 1, &bob), XE2E_E_STATE);
	side_certify(&alice, &ca, TO);
	side_anchor(&bob, &ca);
	/* Known peers use IK, which carries no credential: still tofu. */
	alice.options = 0;
	CHECK_INT(run_commit(&run), 2);
	CHECK_INT(stored_level(&bob, &alice), TRUST_TOFU);
	/* --send-certificate makes it XX, and the chain raises Alice. */
	alice.options = HS_OPT_SEND_CHAIN;
	CHECK_INT(run_commit(&run), 4);
	CHECK(res(&bob) && !res(&bob)->new_peer && res(&bob)->anchored);
	CHECK_INT(stored_level(&bob, &alice), TRUST_ANCHORED);
	/* A responder with it answers an IK step 1 with a retry to XX. */
	alice.options = 0;
	bob.options = HS_OPT_SEND_CHAIN;
	side_certify(&bob, &ca, TO);
	side_anchor(&alice, &ca);
	CHECK_INT(run_commit(&run), 6);
	CHECK_INT(run.step[1], HS_STEP_RETRY);
	CHECK(res(&alice) && res(&alice)->anchored);
	CHECK_INT(stored_level(&alice, &bob), TRUST_ANCHORED);
	hs_run_free(&run);
	ca_free(&ca);
}

/* Bob's trust file, to compare before and after a refusal. */
static char *trust_text(const struct hs_side *s, size_t *len)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/trust", s->home);
	return unit_read_file(path, len);
}

/* Keeps the detail of the error behind the first abort, before the
 * other side reads it. */
static void keep_detail(int index, struct handshake_msg *msg, void *arg)
{
	char *kept = arg;

	(void)index;
	if (msg->step == HS_STEP_ABORT && !*kept)
		snprintf(kept, 512, "%s", err_detail());
}

/* Alice (anchored at Bob) starts an XX handshake Bob must refuse. */
static void refused(const char *why, const char *detail_part)
{
	struct hs_run run = {0};
	size_t before_len = 0, after_len = 0;
	char *before = trust_text(&bob, &before_len), *after, detail[512] = "";

	hs_run(&alice, &bob, &run, keep_detail, detail);
	if (run.err_resp != XE2E_E_TRUST)
		unit_fail(__FILE__, __LINE__, "%s: Bob did not refuse (%d)", why, run.err_resp);
	if (!strstr(detail, detail_part))
		unit_fail(__FILE__, __LINE__, "%s: detail \"%s\"", why, detail);
	CHECK(!res(&bob));
	after = trust_text(&bob, &after_len);
	CHECK(before && after && before_len == after_len && !memcmp(before, after, after_len));
	free(before);
	free(after);
	hs_run_free(&run);
}

TEST(handshake_x509_anchored_peer_needs_its_chain)
{
	struct hs_run run = {0};
	struct ca ca;
	struct buf self_signed = BUF_INIT;
	struct identity got = IDENTITY_INIT;
	uint64_t start;
	char until[15];

	hs_pair_init(&alice, &bob);
	start = alice.now;
	ca_make(&ca);
	CHECK_INT(buf_append(&self_signed, alice.id.cert_der.data, alice.id.cert_der.len), XE2E_OK);
	time_text(start + 10 * DAY, until);
	side_certify(&alice, &ca, until);
	side_anchor(&bob, &ca);
	CHECK_INT(run_commit(&run), 4);
	CHECK_INT(stored_level(&bob, &alice), TRUST_ANCHORED);
	alice.options = HS_OPT_SEND_CHAIN;
	/* Still good the day before it expires; refused the day after. */
	alice.now = bob.now = start + 9 * DAY;
	CHECK_INT(run_commit(&run), 4);
	CHECK(res(&bob) && res(&bob)->anchored);
	alice.now = bob.now = start + 11 * DAY;
	refused("expired", "has expired");
	/* The anchor removed. */
	alice.now = bob.now = start + 9 * DAY;
	side_use(&bob);
	CHECK_INT(anchor_remove(NULL, "test-ca"), XE2E_OK);
	refused("no anchor", "no X.509 anchors are configured");
	side_anchor(&bob, &ca);
	/* The self-signed certificate back, a new device key to force XX. */
	alice.options = 0;
	side_use(&alice);
	CHECK_INT(identity_certificate_install(self_signed.data, self_signed.len, alice.now, &got),
		  XE2E_OK);
	CHECK_INT(got.chain_der.len, 0);
	identity_free(&got);
	CHECK_INT(identity_rotate_device(NULL, alice.now, &got), XE2E_OK);
	identity_free(&got);
	side_reload_identity(&alice);
	refused("self-signed", "carries no certificate chain");
	CHECK_INT(stored_level(&bob, &alice), TRUST_ANCHORED);
	buf_free(&self_signed);
	hs_run_free(&run);
	ca_free(&ca);
}

TEST(handshake_x509_certificate_of_another_jid_refused)
{
	struct hs_run run = {0};
	struct ca ca;
	char detail[512] = "";

	hs_pair_init(&alice, &bob);
	ca_make(&ca);
	side_anchor(&bob, &ca);
	/* A chain installed behind the library's back: its leaf names Mallory. */
	buf_clear(&alice.id.chain_der);
	leaf_for(&ca, &alice, "mallory@evil.lit", TO, &alice.id.chain_der);
	hs_run(&alice, &bob, &run, keep_detail, detail);
	CHECK_INT(run.err_resp, XE2E_E_TRUST);
	CHECK(strstr(detail, "does not name alice@capulet.lit") != NULL);
	CHECK(!res(&bob));
	/* A leaf whose key is not Alice's: the binding does not verify. */
	buf_clear(&alice.id.chain_der);
	leaf_for(&ca, &bob, alice.jid, TO, &alice.id.chain_der);
	detail[0] = '\0';
	hs_run(&alice, &bob, &run, keep_detail, detail);
	CHECK_INT(run.err_resp, XE2E_E_TRUST);
	CHECK(strstr(detail, "does not verify") != NULL);
	/* A leaf that is no certificate at all, framed right. */
	buf_clear(&alice.id.chain_der);
	CHECK_INT(buf_append(&alice.id.chain_der, "\x30\x03\x02\x01\x01", 5), XE2E_OK);
	hs_run(&alice, &bob, &run, NULL, NULL);
	CHECK_INT(run.err_resp, XE2E_E_MALFORMED);
	hs_run_free(&run);
	ca_free(&ca);
}

static int forget_all(struct trust_db *db, void *ctx)
{
	(void)ctx;
	while (db->n_peers)
		CHECK_INT(trust_peer_forget(db, db->peers[0].jid, NULL), XE2E_OK);
	return XE2E_OK;
}

/* Empties the side's trust store. */
static int side_forget_peers(const struct hs_side *s)
{
	side_use(s);
	return trust_update(NULL, forget_all, NULL);
}

static int set_anchored(struct trust_db *db, void *ctx)
{
	const struct hs_side *peer = ctx;

	return trust_peer_set_level(db, peer->jid, peer->id.id_fpr, TRUST_ANCHORED);
}

TEST(handshake_x509_commit_rechecks_the_store)
{
	struct hs_run run = {0};

	hs_pair_init(&alice, &bob);
	CHECK_INT(run_commit(&run), 4);
	CHECK_INT(stored_level(&bob, &alice), TRUST_TOFU);
	/* Alice comes again with a kind 1 credential (XX: she forgot Bob), and
	 * between Bob's snapshot and his commit someone anchors her key. */
	side_use(&alice);
	CHECK_INT(side_forget_peers(&alice), XE2E_OK);
	side_reload(&alice);
	CHECK_INT(hs_run(&alice, &bob, &run, NULL, NULL), 4);
	CHECK(res(&bob) && res(&bob)->cred_kind == HS_CRED_KIND_KEY);
	side_use(&bob);
	CHECK_INT(trust_update(NULL, set_anchored, &alice), XE2E_OK);
	CHECK_INT(side_commit(&bob), XE2E_E_TRUST);
	CHECK(strstr(err_detail(), "became anchored in the trust store meanwhile") != NULL);
	CHECK_INT(stored_level(&bob, &alice), TRUST_ANCHORED);
	hs_run_free(&run);
}

/* ---- installing a chain ---- */

static char *crt_text(const struct hs_side *s, size_t *len)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/identity.crt", s->home);
	return unit_read_file(path, len);
}

TEST(identity_certificate_install_refuses)
{
	struct ca ca;
	struct buf leaf = BUF_INIT, pem = BUF_INIT;
	struct identity got = IDENTITY_INIT;
	size_t len0 = 0, len1 = 0;
	char *before, *after;

	hs_pair_init(&alice, &bob);
	ca_make(&ca);
	before = crt_text(&alice, &len0);
	side_use(&alice);
	/* Another JID, another key, expired, not yet valid, a CA, garbage. */
	leaf_for(&ca, &alice, "mallory@evil.lit", TO, &leaf);
	CHECK_INT(identity_certificate_install(leaf.data, leaf.len, alice.now, &got),
		  XE2E_E_MALFORMED);
	CHECK(strstr(err_detail(), "names mallory@evil.lit") != NULL);
	buf_clear(&leaf);
	leaf_for(&ca, &bob, alice.jid, TO, &leaf);
	side_use(&alice);
	CHECK_INT(identity_certificate_install(leaf.data, leaf.len, alice.now, &got),
		  XE2E_E_MALFORMED);
	CHECK(strstr(err_detail(), "another key") != NULL);
	buf_clear(&leaf);
	leaf_for(&ca, &alice, alice.jid, "20210101000000", &leaf);
	CHECK_INT(identity_certificate_install(leaf.data, leaf.len, alice.now, &got),
		  XE2E_E_EXPIRED);
	CHECK_INT(identity_certificate_install(leaf.data, leaf.len, 1500000000, &got),
		  XE2E_E_EXPIRED);
	CHECK_INT(identity_certificate_install(ca.der.data, ca.der.len, alice.now, &got),
		  XE2E_E_MALFORMED);
	CHECK_INT(identity_certificate_install((const uint8_t *)"junk", 4, alice.now, &got),
		  XE2E_E_MALFORMED);
	/* Nine certificates. */
	buf_clear(&leaf);
	leaf_for(&ca, &alice, alice.jid, TO, &leaf);
	for (int i = 0; i < 8; i++)
		CHECK_INT(buf_append(&leaf, ca.der.data, ca.der.len), XE2E_OK);
	CHECK_INT(identity_certificate_install(leaf.data, leaf.len, alice.now, &got),
		  XE2E_E_MALFORMED);
	after = crt_text(&alice, &len1);
	CHECK(before && after && len0 == len1 && !memcmp(before, after, len1));
	free(after);
	/* A good chain, as PEM: leaf and CA; written back as PEM. */
	leaf.len = 0;
	leaf_for(&ca, &alice, alice.jid, TO, &leaf);
	CHECK_INT(buf_append(&leaf, ca.der.data, ca.der.len), XE2E_OK);
	CHECK_INT(x509_chain_pem(leaf.data, leaf.len, &pem), XE2E_OK);
	CHECK_INT(identity_certificate_install(pem.data, pem.len, alice.now, &got), XE2E_OK);
	CHECK_INT(got.chain_der.len, leaf.len);
	CHECK_MEM(got.chain_der.data, leaf.data, leaf.len);
	CHECK_MEM(got.id_fpr, alice.id.id_fpr, FINGERPRINT_LEN);
	after = crt_text(&alice, &len1);
	CHECK(after && len1 == pem.len && !memcmp(after, pem.data, len1));
	free(after);
	free(before);
	identity_free(&got);
	buf_free(&leaf);
	buf_free(&pem);
	ca_free(&ca);
}

/* ---- what xe2e-keygen writes ---- */

/* The AlgorithmIdentifier ecdsa-with-SHA256 without parameters. */
static const uint8_t alg_no_params[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
					0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};

static size_t count_of(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
	size_t c = 0;

	for (size_t i = 0; i + m <= n; i++)
		c += !memcmp(hay + i, needle, m);
	return c;
}

TEST(x509_selfsigned_has_no_null_parameter)
{
	static const uint8_t oid_null[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02, 0x05, 0x00};
	struct p256_key *key = NULL;
	struct buf pem = BUF_INIT;
	struct x509_chain_info info;
	uint8_t pub[P256_PUB_LEN];
	mbedtls_x509_crt crt;

	CHECK_INT(p256_generate(&key), XE2E_OK);
	CHECK_INT(p256_public(key, pub), XE2E_OK);
	CHECK_INT(x509_selfsigned_write(key, "juliet@capulet.lit", 1780272000, &pem), XE2E_OK);
	CHECK_INT(x509_chain_read(pem.data, pem.len, &info), XE2E_OK);
	/* Both AlgorithmIdentifiers (TBSCertificate.signature and
	 * signatureAlgorithm) without parameters; no NULL after the OID. */
	CHECK_INT(count_of(info.chain.data, info.chain.len, alg_no_params, sizeof(alg_no_params)),
		  2);
	CHECK_INT(count_of(info.chain.data, info.chain.len, oid_null, sizeof(oid_null)), 0);
	/* Signed again over the changed TBSCertificate: it verifies. */
	CHECK(info.self_signed);
	CHECK_MEM(info.leaf.pub, pub, P256_PUB_LEN);
	CHECK_STR(info.leaf.jid, "juliet@capulet.lit");
	mbedtls_x509_crt_init(&crt);
	CHECK_INT(mbedtls_x509_crt_parse_der(&crt, info.chain.data, info.chain.len), 0);
	CHECK_INT(p256_verify_der(pub, crt.tbs.p, crt.tbs.len, crt.sig.p, crt.sig.len), XE2E_OK);
	CHECK_INT(crt.sig_md, MBEDTLS_MD_SHA256);
	mbedtls_x509_crt_free(&crt);
	x509_chain_info_free(&info);
	buf_free(&pem);
	p256_free(key);
}

TEST(x509_csr_names_the_jid)
{
	struct p256_key *key = NULL;
	struct buf pem = BUF_INIT;
	mbedtls_x509_csr csr;
	uint8_t pub[P256_PUB_LEN];
	char subject[128];

	CHECK_INT(p256_generate(&key), XE2E_OK);
	CHECK_INT(p256_public(key, pub), XE2E_OK);
	CHECK_INT(x509_csr_write(key, "juliet@capulet.lit", &pem), XE2E_OK);
	CHECK_INT(buf_append_byte(&pem, 0), XE2E_OK);
	mbedtls_x509_csr_init(&csr);
	CHECK_INT(mbedtls_x509_csr_parse(&csr, pem.data, pem.len), 0);
	CHECK(mbedtls_x509_dn_gets(subject, sizeof(subject), &csr.subject) > 0);
	CHECK_STR(subject, "CN=juliet@capulet.lit");
	/* The signature verifies under the identity key; no NULL parameter. */
	CHECK_INT(p256_verify_der(pub, csr.cri.p, csr.cri.len, csr.sig.p, csr.sig.len), XE2E_OK);
	CHECK_INT(count_of(csr.raw.p, csr.raw.len, alg_no_params, sizeof(alg_no_params)), 1);
	/* The request's extensions hold the JID as id-on-xmppAddr. */
	CHECK_INT(count_of(csr.raw.p, csr.raw.len, (const uint8_t *)"juliet@capulet.lit", 18), 2);
	CHECK_INT(count_of(csr.raw.p, csr.raw.len, (const uint8_t *)OID_XMPPADDR,
			   MBEDTLS_OID_SIZE(OID_XMPPADDR)), 1);
	mbedtls_x509_csr_free(&csr);
	buf_free(&pem);
	p256_free(key);
}
