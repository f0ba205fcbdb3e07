#include "x509.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

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

/* A pk context holding a copy of the key pair (the writer wants one). */
static int pk_from_key(struct p256_key *key, mbedtls_pk_context *pk)
{
	const mbedtls_ecp_keypair *src = p256_mbedtls_keypair(key);
	mbedtls_ecp_keypair *dst;

	if (!src || mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0)
		return XE2E_E_CRYPTO;
	dst = mbedtls_pk_ec(*pk);
	if (mbedtls_ecp_group_copy(&dst->grp, &src->grp) != 0 ||
	    mbedtls_mpi_copy(&dst->d, &src->d) != 0 || mbedtls_ecp_copy(&dst->Q, &src->Q) != 0)
		return XE2E_E_CRYPTO;
	return XE2E_OK;
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

int x509_selfsigned_write(struct p256_key *key, const char *jid, uint64_t not_before,
			  struct buf *pem)
{
	mbedtls_x509write_cert crt;
	mbedtls_pk_context pk;
	unsigned char *out = malloc(PEM_MAX);
	int err;

	mbedtls_x509write_crt_init(&crt);
	mbedtls_pk_init(&pk);
	err = out ? pk_from_key(key, &pk) : XE2E_E_NOMEM;
	if (!err)
		err = set_fields(&crt, &pk, jid, not_before);
	if (!err && mbedtls_x509write_crt_pem(&crt, out, PEM_MAX, rng_mbedtls, NULL) != 0)
		err = XE2E_E_CRYPTO;
	if (!err)
		err = buf_append_str(pem, (const char *)out);
	mbedtls_pk_free(&pk); /* wipes the copied private key */
	mbedtls_x509write_crt_free(&crt);
	free(out);
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
	err_detail_set("the certificate names no JID (no id-on-xmppAddr subjectAltName)");
	return XE2E_E_MALFORMED;
}

static int cert_pub(mbedtls_x509_crt *crt, uint8_t pub[static P256_PUB_LEN])
{
	const mbedtls_ecp_keypair *ec;
	size_t len = 0;

	if (mbedtls_pk_get_type(&crt->pk) != MBEDTLS_PK_ECKEY ||
	    (ec = mbedtls_pk_ec(crt->pk))->grp.id != MBEDTLS_ECP_DP_SECP256R1) {
		err_detail_set("the certificate's key is not a P-256 key");
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
		err = cert_pub(&crt, info->pub);
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
