#include "x509.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>

#include "err.h"
#include "rng.h"
#include "util.h"

/* id-on-xmppAddr, 1.3.6.1.5.5.7.8.5 (RFC 6120 section 13.7.1.4). */
#define OID_ON_XMPPADDR MBEDTLS_OID_ON "\x05"
#define CN_MAX_CHARS 64 /* X.520 ub-common-name */
#define CN_LONG_JID "xe2e identity"
#define NOT_AFTER "99991231235959"
#define SERIAL_LEN 16
#define PEM_MAX 16384
#define DER_MAX 4096 /* of a certificate or request xe2e writes */
#define PEM_CRT_BEGIN "-----BEGIN CERTIFICATE-----\n"
#define PEM_CRT_END "-----END CERTIFICATE-----\n"
#define PEM_CSR_BEGIN "-----BEGIN CERTIFICATE REQUEST-----\n"
#define PEM_CSR_END "-----END CERTIFICATE REQUEST-----\n"
#define TAG_SEQUENCE (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)
#define TAG_VERSION (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0)


/* AlgorithmIdentifier ecdsa-with-SHA256 (1.2.840.10045.4.3.2) as RFC 5758
 * 3.2 wants it, parameters absent, and as mbedTLS 2.28 writes it, with a
 * NULL. */
static const uint8_t alg_ecdsa_sha256[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
					   0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
static const uint8_t alg_ecdsa_sha256_null[] = {0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48,
						0xce, 0x3d, 0x04, 0x03, 0x02, 0x05, 0x00};

/* The mbedTLS "YYYYMMDDhhmmss" form of a UNIX time, in UTC. */
static int format_time(uint64_t t, char out[static 15])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if ((uint64_t)tt != t || !gmtime_r(&tt, &tm) || tm.tm_year + 1900 > 9999) {
		err_detail_set("time out of range");
		return XE2E_E_LIMIT;
	}
	if (strftime(out, 15, "%Y%m%d%H%M%S", &tm) != 14)
		return XE2E_E_LIMIT;
	return XE2E_OK;
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/*
 * "CN=jid" for mbedtls_x509_string_to_names(), which knows one escape:
 * "\,". A JID longer than a CN may be gets a fixed CN; the SAN names it.
 */
static int subject_name(const char *jid, struct buf *out)
{
	int err;

	if (utf8_chars(jid) > CN_MAX_CHARS) {
		err = buf_append_str(out, "CN=" CN_LONG_JID);
		return err ? err : buf_terminate(out);
	}
	err = buf_append_str(out, "CN=");
	for (const char *p = jid; !err && *p; p++) {
		if (*p == ',')
			err = buf_append_byte(out, '\\');
		if (!err)
			err = buf_append_byte(out, (uint8_t)*p);
	}
	return err ? err : buf_terminate(out);
}

/*
 * The DER of GeneralNames { otherName { id-on-xmppAddr, [0] UTF8String jid } },
 * written backwards from the end of der (mbedTLS's asn1write style); *start
 * gets where it begins.
 */
static int san_der(const char *jid, unsigned char *der, size_t size, unsigned char **start)
{
	unsigned char *p = der + size;
	size_t len = 0, inner;
	int ret;

	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_utf8_string(&p, der, jid, strlen(jid)));
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_len(&p, der, len));
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_tag(&p, der, MBEDTLS_ASN1_CONTEXT_SPECIFIC |
								  MBEDTLS_ASN1_CONSTRUCTED | 0));
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_oid(&p, der, OID_ON_XMPPADDR,
							 MBEDTLS_OID_SIZE(OID_ON_XMPPADDR)));
	inner = len;
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_len(&p, der, inner));
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_tag(&p, der, MBEDTLS_ASN1_CONTEXT_SPECIFIC |
								  MBEDTLS_ASN1_CONSTRUCTED | 0));
	inner = len;
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_len(&p, der, inner));
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_tag(&p, der, MBEDTLS_ASN1_CONSTRUCTED |
								  MBEDTLS_ASN1_SEQUENCE));
	*start = p;
	return (int)len;
}

static int set_san(mbedtls_x509write_cert *crt, const char *jid)
{
	size_t size = strlen(jid) + 64;
	unsigned char *der = malloc(size), *start = NULL;
	int len, err = XE2E_OK;

	if (!der)
		return XE2E_E_NOMEM;
	len = san_der(jid, der, size, &start);
	if (len < 0 ||
	    mbedtls_x509write_crt_set_extension(crt, MBEDTLS_OID_SUBJECT_ALT_NAME,
						MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0,
						start, (size_t)len) != 0)
		err = XE2E_E_CRYPTO;
	free(der);
	return err;
}

static int set_serial(mbedtls_x509write_cert *crt)
{
	uint8_t raw[SERIAL_LEN];
	mbedtls_mpi serial;
	int err = rng_bytes(raw, sizeof(raw));

	/* Positive and exactly 16 bytes long. */
	raw[0] = (uint8_t)((raw[0] & 0x7f) | 0x40);
	mbedtls_mpi_init(&serial);
	if (!err && (mbedtls_mpi_read_binary(&serial, raw, sizeof(raw)) != 0 ||
		     mbedtls_x509write_crt_set_serial(crt, &serial) != 0))
		err = XE2E_E_CRYPTO;
	mbedtls_mpi_free(&serial);
	return err;
}

static int set_names(mbedtls_x509write_cert *crt, const char *jid)
{
	struct buf name = BUF_INIT;
	int err = subject_name(jid, &name);

	if (!err && (mbedtls_x509write_crt_set_subject_name(crt, (const char *)name.data) != 0 ||
		     mbedtls_x509write_crt_set_issuer_name(crt, (const char *)name.data) != 0)) {
		err_detail_set("cannot put the JID in a certificate name");
		err = XE2E_E_MALFORMED;
	}
	buf_free(&name);
	return err;
}

static int set_fields(mbedtls_x509write_cert *crt, mbedtls_pk_context *pk, const char *jid,
		      uint64_t not_before)
{
	char from[15];
	int err = format_time(not_before, from);

	if (err)
		return err;
	mbedtls_x509write_crt_set_version(crt, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(crt, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(crt, pk);
	mbedtls_x509write_crt_set_issuer_key(crt, pk);
	err = set_names(crt, jid);
	if (!err)
		err = set_serial(crt);
	if (!err)
		err = set_san(crt, jid);
	if (!err && (mbedtls_x509write_crt_set_validity(crt, from, NOT_AFTER) != 0 ||
		     mbedtls_x509write_crt_set_basic_constraints(crt, 0, -1) != 0 ||
		     mbedtls_x509write_crt_set_key_usage(crt, MBEDTLS_X509_KU_DIGITAL_SIGNATURE) != 0 ||
		     mbedtls_x509write_crt_set_subject_key_identifier(crt) != 0 ||
		     mbedtls_x509write_crt_set_authority_key_identifier(crt) != 0))
		err = XE2E_E_CRYPTO;
	return err;
}

/* ---- DER, written forwards ---- */

static int der_append_tlv(struct buf *out, uint8_t tag, const uint8_t *body, size_t len)
{
	uint8_t head[4] = {tag, (uint8_t)len};
	size_t n = 2;
	int err;

	if (len > 0xffff)
		return XE2E_E_LIMIT;
	if (len > 0xff) {
		head[1] = 0x82;
		head[2] = (uint8_t)(len >> 8);
		head[3] = (uint8_t)len;
		n = 4;
	} else if (len >= 0x80) {
		head[1] = 0x81;
		head[2] = (uint8_t)len;
		n = 3;
	}
	err = buf_append(out, head, n);
	return err ? err : buf_append(out, body, len);
}

/* An INTEGER of the unsigned big-endian number be (n bytes), minimally. */
static int der_append_uint(struct buf *out, const uint8_t *be, size_t n)
{
	uint8_t v[P256_PRIV_LEN + 1] = {0};
	size_t skip = 0;

	while (skip + 1 < n && be[skip] == 0)
		skip++;
	n -= skip;
	if (n > P256_PRIV_LEN)
		return XE2E_E_LIMIT;
	memcpy(v + 1, be + skip, n);
	if (v[1] & 0x80)
		return der_append_tlv(out, MBEDTLS_ASN1_INTEGER, v, n + 1);
	return der_append_tlv(out, MBEDTLS_ASN1_INTEGER, v + 1, n);
}

/* The BIT STRING content of a signature: no unused bits, then the
 * Ecdsa-Sig-Value of the 64-byte r || s. */
static int ecdsa_sig_bits(const uint8_t sig[static P256_SIG_LEN], struct buf *out)
{
	struct buf seq = BUF_INIT;
	int err = buf_append_byte(out, 0);

	if (!err)
		err = der_append_uint(&seq, sig, P256_SIG_LEN / 2);
	if (!err)
		err = der_append_uint(&seq, sig + P256_SIG_LEN / 2, P256_SIG_LEN / 2);
	if (!err)
		err = der_append_tlv(out, TAG_SEQUENCE, seq.data, seq.len);
	buf_free(&seq);
	return err;
}

/* Steps into (or over) the next element of DER that mbedTLS wrote: any
 * surprise there is an internal error. */
static int der_enter(unsigned char **p, const unsigned char *end, int tag, size_t *len)
{
	return mbedtls_asn1_get_tag(p, end, len, tag) == 0 ? XE2E_OK : XE2E_E_CRYPTO;
}

static int der_skip(unsigned char **p, const unsigned char *end, int tag)
{
	size_t len = 0;
	int err = der_enter(p, end, tag, &len);

	if (!err)
		*p += len;
	return err;
}

/* Checks that the NULL-parameter AlgorithmIdentifier is at *p and steps over it. */
static int der_skip_null_alg(unsigned char **p, const unsigned char *end)
{
	if ((size_t)(end - *p) < sizeof(alg_ecdsa_sha256_null) ||
	    memcmp(*p, alg_ecdsa_sha256_null, sizeof(alg_ecdsa_sha256_null)) != 0)
		return XE2E_E_CRYPTO;
	*p += sizeof(alg_ecdsa_sha256_null);
	return XE2E_OK;
}

/* Appends the three parts of SEQUENCE [start, alg) || alg || [rest, end)
 * where alg replaces the NULL-parameter AlgorithmIdentifier. */
static int der_append_fixed(struct buf *out, const unsigned char *start, const unsigned char *alg,
			    const unsigned char *rest, const unsigned char *end)
{
	struct buf body = BUF_INIT;
	int err = buf_append(&body, start, (size_t)(alg - start));

	if (!err)
		err = buf_append(&body, alg_ecdsa_sha256, sizeof(alg_ecdsa_sha256));
	if (!err)
		err = buf_append(&body, rest, (size_t)(end - rest));
	if (!err)
		err = der_append_tlv(out, TAG_SEQUENCE, body.data, body.len);
	buf_free(&body);
	return err;
}

/* The TBSCertificate of a certificate mbedTLS wrote, with the parameters
 * of its signature AlgorithmIdentifier removed. */
static int tbs_fixed(unsigned char *der, size_t len, struct buf *tbs)
{
	unsigned char *p = der, *end = der + len, *start, *alg, *tbs_end, *after;
	size_t n = 0;
	int err = der_enter(&p, end, TAG_SEQUENCE, &n);

	if (!err)
		err = der_enter(&p, end, TAG_SEQUENCE, &n);
	if (err)
		return err;
	start = p;
	tbs_end = p + n;
	err = der_skip(&p, tbs_end, TAG_VERSION);
	if (!err)
		err = der_skip(&p, tbs_end, MBEDTLS_ASN1_INTEGER);
	alg = p;
	if (!err)
		err = der_skip_null_alg(&p, tbs_end);
	after = tbs_end;
	if (!err)
		err = der_skip_null_alg(&after, end);
	return err ? err : der_append_fixed(tbs, start, alg, p, tbs_end);
}

/*
 * mbedTLS 2.28 writes ecdsa-with-SHA256 with a NULL parameter, which RFC
 * 5758 (3.2) says MUST be absent. So the certificate it wrote (der, len)
 * is taken apart, its TBSCertificate gets the AlgorithmIdentifier without
 * parameters and is signed again by key, and the Certificate is put back
 * together around it.
 */
static int cert_fix_alg(const struct p256_key *key, unsigned char *der, size_t len,
			struct buf *out)
{
	uint8_t sig[P256_SIG_LEN];
	struct buf tbs = BUF_INIT, bits = BUF_INIT, cert = BUF_INIT;
	int err = tbs_fixed(der, len, &tbs);

	if (!err)
		err = p256_sign(key, tbs.data, tbs.len, sig);
	if (!err)
		err = ecdsa_sig_bits(sig, &bits);
	if (!err)
		err = buf_append(&cert, tbs.data, tbs.len);
	if (!err)
		err = buf_append(&cert, alg_ecdsa_sha256, sizeof(alg_ecdsa_sha256));
	if (!err)
		err = der_append_tlv(&cert, MBEDTLS_ASN1_BIT_STRING, bits.data, bits.len);
	if (!err)
		err = der_append_tlv(out, TAG_SEQUENCE, cert.data, cert.len);
	buf_free(&tbs);
	buf_free(&bits);
	buf_free(&cert);
	return err;
}

/* The same for a request: its signatureAlgorithm lies outside what is
 * signed, so it is only replaced. */
static int csr_fix_alg(unsigned char *der, size_t len, struct buf *out)
{
	unsigned char *p = der, *end = der + len, *start, *alg;
	size_t n = 0;
	int err = der_enter(&p, end, TAG_SEQUENCE, &n);

	start = p;
	if (!err)
		err = der_skip(&p, end, TAG_SEQUENCE);
	alg = p;
	if (!err)
		err = der_skip_null_alg(&p, end);
	return err ? err : der_append_fixed(out, start, alg, p, end);
}

static int pem_append(const char *begin, const char *end, const uint8_t *der, size_t len,
		      struct buf *pem)
{
	unsigned char *out = malloc(PEM_MAX);
	size_t olen = 0;
	int err = out ? XE2E_OK : XE2E_E_NOMEM;

	if (!err && mbedtls_pem_write_buffer(begin, end, der, len, out, PEM_MAX, &olen) != 0)
		err = XE2E_E_LIMIT;
	if (!err)
		err = buf_append_str(pem, (const char *)out);
	free(out);
	return err;
}

int x509_selfsigned_write(struct p256_key *key, const char *jid, uint64_t not_before,
			  struct buf *pem)
{
	mbedtls_x509write_cert crt;
	mbedtls_pk_context pk;
	unsigned char *der = malloc(DER_MAX);
	struct buf fixed = BUF_INIT;
	int n = 0, err;

	mbedtls_x509write_crt_init(&crt);
	mbedtls_pk_init(&pk);
	err = der ? p256_mbedtls_pk(key, &pk) : XE2E_E_NOMEM;
	if (!err)
		err = set_fields(&crt, &pk, jid, not_before);
	if (!err && (n = mbedtls_x509write_crt_der(&crt, der, DER_MAX, rng_mbedtls, NULL)) <= 0)
		err = XE2E_E_CRYPTO;
	/* mbedTLS writes at the end of the buffer. */
	if (!err)
		err = cert_fix_alg(key, der + DER_MAX - n, (size_t)n, &fixed);
	if (!err)
		err = pem_append(PEM_CRT_BEGIN, PEM_CRT_END, fixed.data, fixed.len, pem);
	mbedtls_pk_free(&pk); /* wipes the copied private key */
	mbedtls_x509write_crt_free(&crt);
	buf_free(&fixed);
	free(der);
	return err;
}

static int csr_fields(mbedtls_x509write_csr *csr, mbedtls_pk_context *pk, const char *jid)
{
	struct buf name = BUF_INIT, san = BUF_INIT;
	unsigned char *start = NULL;
	int len, err = subject_name(jid, &name);

	mbedtls_x509write_csr_set_md_alg(csr, MBEDTLS_MD_SHA256);
	mbedtls_x509write_csr_set_key(csr, pk);
	if (!err && mbedtls_x509write_csr_set_subject_name(csr, (const char *)name.data) != 0) {
		err_detail_set("cannot put the JID in a certificate name");
		err = XE2E_E_MALFORMED;
	}
	if (!err)
		err = buf_reserve(&san, strlen(jid) + 64);
	if (!err && (len = san_der(jid, san.data, san.cap, &start)) < 0)
		err = XE2E_E_CRYPTO;
	if (!err && (mbedtls_x509write_csr_set_extension(csr, MBEDTLS_OID_SUBJECT_ALT_NAME,
							 MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME),
							 start, (size_t)len) != 0 ||
		     mbedtls_x509write_csr_set_key_usage(csr, MBEDTLS_X509_KU_DIGITAL_SIGNATURE) != 0))
		err = XE2E_E_CRYPTO;
	buf_free(&name);
	buf_free(&san);
	return err;
}

int x509_csr_write(struct p256_key *key, const char *jid, struct buf *pem)
{
	mbedtls_x509write_csr csr;
	mbedtls_pk_context pk;
	unsigned char *der = malloc(DER_MAX);
	struct buf fixed = BUF_INIT;
	int n = 0, err;

	mbedtls_x509write_csr_init(&csr);
	mbedtls_pk_init(&pk);
	err = der ? p256_mbedtls_pk(key, &pk) : XE2E_E_NOMEM;
	if (!err)
		err = csr_fields(&csr, &pk, jid);
	if (!err && (n = mbedtls_x509write_csr_der(&csr, der, DER_MAX, rng_mbedtls, NULL)) <= 0)
		err = XE2E_E_CRYPTO;
	if (!err)
		err = csr_fix_alg(der + DER_MAX - n, (size_t)n, &fixed);
	if (!err)
		err = pem_append(PEM_CSR_BEGIN, PEM_CSR_END, fixed.data, fixed.len, pem);
	mbedtls_pk_free(&pk);
	mbedtls_x509write_csr_free(&csr);
	buf_free(&fixed);
	free(der);
	return err;
}

/* The JID from an otherName's content, when its type is id-on-xmppAddr. */
static int other_name_jid(const mbedtls_x509_buf *san, char *jid, size_t jid_size)
{
	unsigned char *p = san->p, *end = san->p + san->len;
	size_t len;

	if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_OID) != 0 ||
	    len != MBEDTLS_OID_SIZE(OID_ON_XMPPADDR) || memcmp(p, OID_ON_XMPPADDR, len) != 0)
		return XE2E_E_NOTFOUND;
	p += len;
	if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONTEXT_SPECIFIC |
						     MBEDTLS_ASN1_CONSTRUCTED | 0) != 0 ||
	    p + len != end ||
	    mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_UTF8_STRING) != 0 || p + len != end ||
	    len == 0 || len >= jid_size || memchr(p, '\0', len)) {
		err_detail_set("invalid id-on-xmppAddr name in the certificate");
		return XE2E_E_MALFORMED;
	}
	memcpy(jid, p, len);
	jid[len] = '\0';
	return XE2E_OK;
}

static int cert_jid(const mbedtls_x509_crt *crt, char *jid, size_t jid_size)
{
	const unsigned char other_name = MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0;

	for (const mbedtls_x509_sequence *s = &crt->subject_alt_names; s && s->buf.p; s = s->next) {
		int err;

		if (s->buf.tag != other_name)
			continue;
		err = other_name_jid(&s->buf, jid, jid_size);
		if (err != XE2E_E_NOTFOUND)
			return err;
	}
	err_detail_set("the certificate names no JID (no id-on-xmppAddr subjectAltName)" X509_JID_HINT);
	return XE2E_E_MALFORMED;
}

int x509_crt_p256(const mbedtls_x509_crt *crt, const char *whose, uint8_t pub[static P256_PUB_LEN])
{
	const mbedtls_ecp_keypair *ec;
	const mbedtls_ecp_curve_info *curve;
	size_t len = 0;

	if (mbedtls_pk_get_type(&crt->pk) != MBEDTLS_PK_ECKEY) {
		err_detail_set("%s key is %s; only P-256 keys are supported", whose,
			       mbedtls_pk_get_name(&crt->pk));
		return XE2E_E_UNSUPPORTED;
	}
	ec = mbedtls_pk_ec(crt->pk);
	if (ec->grp.id != MBEDTLS_ECP_DP_SECP256R1) {
		curve = mbedtls_ecp_curve_info_from_grp_id(ec->grp.id);
		err_detail_set("%s key is on curve %s; only P-256 keys are supported", whose,
			       curve ? curve->name : "(unknown)");
		return XE2E_E_UNSUPPORTED;
	}
	if (mbedtls_ecp_point_write_binary(&ec->grp, &ec->Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &len, pub,
					   P256_PUB_LEN) != 0 ||
	    len != P256_PUB_LEN)
		return XE2E_E_WEAKKEY;
	return p256_check_public(pub);
}

/* mbedTLS reads PEM only from a NUL-terminated buffer counted with its NUL. */
static int parse_crt(mbedtls_x509_crt *crt, const uint8_t *data, size_t len)
{
	static const char pem_start[] = "-----BEGIN CERTIFICATE-----";
	struct buf copy = BUF_INIT;
	int ret, err = XE2E_OK;

	if (len >= sizeof(pem_start) - 1 && memcmp(data, pem_start, sizeof(pem_start) - 1) == 0 &&
	    data[len - 1] != '\0') {
		err = buf_append(&copy, data, len);
		if (!err)
			err = buf_append_byte(&copy, 0);
		if (err)
			return err;
		data = copy.data;
		len = copy.len;
	}
	ret = mbedtls_x509_crt_parse(crt, data, len);
	buf_free(&copy);
	if (ret != 0 || crt->next) {
		err_detail_set(ret != 0 ? "not a valid certificate" : "more than one certificate");
		return XE2E_E_MALFORMED;
	}
	return XE2E_OK;
}

int x509_cert_read(const uint8_t *data, size_t len, struct x509_cert_info *info)
{
	mbedtls_x509_crt crt;
	int err;

	memset(info, 0, sizeof(*info));
	mbedtls_x509_crt_init(&crt);
	err = parse_crt(&crt, data, len);
	if (!err)
		err = x509_crt_p256(&crt, "the certificate's", info->pub);
	if (!err)
		err = cert_jid(&crt, info->jid, sizeof(info->jid));
	if (!err)
		err = buf_append(&info->der, crt.raw.p, crt.raw.len);
	mbedtls_x509_crt_free(&crt);
	if (err)
		x509_cert_info_free(info);
	return err;
}

void x509_cert_info_free(struct x509_cert_info *info)
{
	buf_free(&info->der);
}

/* ---- identity chains ---- */

uint64_t x509_time_to_unix(int year, int mon, int day, int hour, int min, int sec)
{
	int64_t y = year - (mon <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * ((mon + 9) % 12) + 2) / 5 + day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = era * 146097 + doe - 719468;
	int64_t secs = days * 86400 + hour * 3600 + min * 60 + sec;

	return secs < 0 ? 0 : (uint64_t)secs;
}

static uint64_t crt_time(const mbedtls_x509_time *t)
{
	return x509_time_to_unix(t->year, t->mon, t->day, t->hour, t->min, t->sec);
}

/* 1 for a certificate whose issuer is its subject and whose ECDSA-SHA256
 * signature verifies under its own (P-256) key. */
/*
 * Self-issued: the issuer is the subject. The signature is not checked:
 * identity.crt is read by every process that loads the identity, a P-256
 * verification each time, and a self-issued certificate never travels (the
 * handshake then sends the key itself, credential kind 1).
 */
static int crt_self_signed(const mbedtls_x509_crt *crt)
{
	return crt->issuer_raw.len == crt->subject_raw.len &&
	       memcmp(crt->issuer_raw.p, crt->subject_raw.p, crt->subject_raw.len) == 0;
}

static void detail_prefix(const char *prefix)
{
	char detail[256];

	snprintf(detail, sizeof(detail), "%s", err_detail());
	err_detail_set("%s: %s", prefix, detail);
}

/* Parses the DER chain of info into crt, every key P-256. */
static int chain_parse(mbedtls_x509_crt *crt, struct x509_chain_info *info)
{
	const uint8_t *p = info->chain.data, *end = p + info->chain.len;
	uint8_t pub[P256_PUB_LEN];
	int err = XE2E_OK;

	while (!err && p < end) {
		unsigned char *q = (unsigned char *)p;
		size_t inner = 0;

		if (mbedtls_asn1_get_tag(&q, end, &inner, TAG_SEQUENCE) != 0 ||
		    mbedtls_x509_crt_parse_der(crt, p, (size_t)(q - p) + inner) != 0) {
			err_detail_set("certificate %zu is not valid DER", info->n + 1);
			return XE2E_E_MALFORMED;
		}
		p = q + inner;
		info->n++;
	}
	for (const mbedtls_x509_crt *c = crt; !err && c && c->raw.p; c = c->next)
		err = x509_crt_p256(c, "a chain certificate's", pub);
	return err;
}

int x509_chain_read(const uint8_t *data, size_t len, struct x509_chain_info *info)
{
	mbedtls_x509_crt crt;
	int err;

	memset(info, 0, sizeof(*info));
	mbedtls_x509_crt_init(&crt);
	err = x509_chain_from_file(data, len, X509_CHAIN_CERTS_MAX, &info->chain);
	if (err == XE2E_E_MALFORMED)
		detail_prefix("not a valid certificate");
	if (!err && info->chain.len > X509_CHAIN_DER_MAX) {
		err_detail_set("the certificates take %zu bytes of DER; at most %d fit in a handshake",
			       info->chain.len, X509_CHAIN_DER_MAX);
		err = XE2E_E_LIMIT;
	}
	if (!err)
		err = chain_parse(&crt, info);
	if (!err)
		err = x509_cert_read(crt.raw.p, crt.raw.len, &info->leaf);
	if (!err) {
		info->not_before = crt_time(&crt.valid_from);
		info->not_after = crt_time(&crt.valid_to);
		info->self_signed = info->n == 1 && crt_self_signed(&crt);
	}
	mbedtls_x509_crt_free(&crt);
	if (err)
		x509_chain_info_free(info);
	return err;
}

void x509_chain_info_free(struct x509_chain_info *info)
{
	x509_cert_info_free(&info->leaf);
	buf_free(&info->chain);
}

int x509_chain_pem(const uint8_t *chain, size_t len, struct buf *pem)
{
	const uint8_t *p = chain, *end = chain + len;
	int err = XE2E_OK;

	while (!err && p < end) {
		unsigned char *q = (unsigned char *)p;
		size_t inner = 0;

		if (mbedtls_asn1_get_tag(&q, end, &inner, TAG_SEQUENCE) != 0)
			return XE2E_E_MALFORMED;
		err = pem_append(PEM_CRT_BEGIN, PEM_CRT_END, p, (size_t)(q - p) + inner, pem);
		p = q + inner;
	}
	return err;
}

/* ---- certificate files ---- */

int x509_is_pem(const uint8_t *data, size_t len)
{
	size_t n = strlen(X509_PEM_BEGIN);

	for (size_t i = 0; i + n <= len; i++) {
		if (memcmp(data + i, X509_PEM_BEGIN, n) == 0)
			return 1;
	}
	return 0;
}

/* Parses every certificate of a PEM text into crt (mbedTLS wants it
 * NUL-terminated and counted with the NUL). */
int x509_pem_parse(mbedtls_x509_crt *crt, const uint8_t *data, size_t len)
{
	struct buf copy = BUF_INIT;
	int ret, err = buf_append(&copy, data, len);

	if (!err)
		err = buf_append_byte(&copy, 0);
	if (err)
		return err;
	ret = mbedtls_x509_crt_parse(crt, copy.data, copy.len);
	buf_free(&copy);
	if (ret != 0) {
		err_detail_set("not a valid PEM certificate");
		return XE2E_E_MALFORMED;
	}
	return XE2E_OK;
}

/* Splits concatenated DER certificates and parses each into crt. */
int x509_der_list_parse(mbedtls_x509_crt *crt, const uint8_t *data, size_t len, size_t max)
{
	unsigned char *p = (unsigned char *)data, *end = p + len;
	size_t count = 0;

	if (len == 0) {
		err_detail_set("no certificate");
		return XE2E_E_MALFORMED;
	}
	while (p < end) {
		unsigned char *start = p;
		size_t inner;

		if (++count > max) {
			err_detail_set("more than %zu certificates", max);
			return XE2E_E_MALFORMED;
		}
		if (mbedtls_asn1_get_tag(&p, end, &inner, MBEDTLS_ASN1_CONSTRUCTED |
							      MBEDTLS_ASN1_SEQUENCE) != 0 ||
		    mbedtls_x509_crt_parse_der(crt, start, (size_t)(p - start) + inner) != 0) {
			err_detail_set("certificate %zu is not valid DER", count);
			return XE2E_E_MALFORMED;
		}
		p += inner;
	}
	return XE2E_OK;
}

size_t x509_crt_count(const mbedtls_x509_crt *crt)
{
	size_t n = 0;

	for (; crt && crt->raw.p; crt = crt->next)
		n++;
	return n;
}

int x509_chain_from_file(const uint8_t *data, size_t len, size_t max, struct buf *der)
{
	mbedtls_x509_crt crt;
	size_t count;
	int err;

	if (len > max * X509_CERT_FILE_MAX) {
		err_detail_set("chain file larger than %zu bytes", max * X509_CERT_FILE_MAX);
		return XE2E_E_LIMIT;
	}
	mbedtls_x509_crt_init(&crt);
	err = x509_is_pem(data, len) ? x509_pem_parse(&crt, data, len)
				: x509_der_list_parse(&crt, data, len, max);
	count = x509_crt_count(&crt);
	if (!err && (count == 0 || count > max)) {
		err_detail_set("a chain holds 1 to %zu certificates, not %zu", max,
			       count);
		err = XE2E_E_MALFORMED;
	}
	for (mbedtls_x509_crt *c = &crt; !err && c && c->raw.p; c = c->next)
		err = buf_append(der, c->raw.p, c->raw.len);
	mbedtls_x509_crt_free(&crt);
	return err;
}
