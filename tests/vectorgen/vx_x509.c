/*
 * A fixed certificate authority for the kind 2 credential (xe2e(7)
 * HANDSHAKE "Payloads"): a CA certificate and a leaf it issues for an
 * identity key, naming the JID in its common name. They are inputs of the
 * vectors, made only when generating; ECDSA signatures are deterministic
 * (RFC 6979), so the same keys and times give the same certificates.
 */
#include "vx_x509.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "err.h"
#include "rng.h"

#define VX_DER_MAX 4096

static int vx_crt_fields(mbedtls_x509write_cert *crt, const char *subject, const char *issuer,
			 int serial, int ca)
{
	mbedtls_mpi sn;
	int ret;

	mbedtls_x509write_crt_set_version(crt, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(crt, MBEDTLS_MD_SHA256);
	mbedtls_mpi_init(&sn);
	ret = mbedtls_mpi_lset(&sn, serial);
	if (!ret)
		ret = mbedtls_x509write_crt_set_serial(crt, &sn);
	mbedtls_mpi_free(&sn);
	if (!ret)
		ret = mbedtls_x509write_crt_set_subject_name(crt, subject);
	if (!ret)
		ret = mbedtls_x509write_crt_set_issuer_name(crt, issuer);
	/* 2025-12-01 to 2027-12-01, around VX_T0. */
	if (!ret)
		ret = mbedtls_x509write_crt_set_validity(crt, "20251201000000", "20271201000000");
	if (!ret)
		ret = mbedtls_x509write_crt_set_basic_constraints(crt, ca, -1);
	if (!ret && ca)
		ret = mbedtls_x509write_crt_set_key_usage(crt, MBEDTLS_X509_KU_KEY_CERT_SIGN |
								       MBEDTLS_X509_KU_CRL_SIGN);
	return ret ? XE2E_E_CRYPTO : XE2E_OK;
}

/* Writes a certificate for subject_key signed by issuer_key (DER). */
static int vx_crt_write(struct p256_key *subject_key, struct p256_key *issuer_key,
			const char *subject, const char *issuer, int serial, int ca, struct buf *der)
{
	mbedtls_x509write_cert crt;
	mbedtls_pk_context sk, ik;
	unsigned char *out = malloc(VX_DER_MAX);
	int n = 0, err;

	mbedtls_x509write_crt_init(&crt);
	mbedtls_pk_init(&sk);
	mbedtls_pk_init(&ik);
	err = out ? p256_mbedtls_pk(subject_key, &sk) : XE2E_E_NOMEM;
	if (!err)
		err = p256_mbedtls_pk(issuer_key, &ik);
	if (!err) {
		mbedtls_x509write_crt_set_subject_key(&crt, &sk);
		mbedtls_x509write_crt_set_issuer_key(&crt, &ik);
		err = vx_crt_fields(&crt, subject, issuer, serial, ca);
	}
	if (!err && (n = mbedtls_x509write_crt_der(&crt, out, VX_DER_MAX, rng_mbedtls, NULL)) <= 0)
		err = XE2E_E_CRYPTO;
	if (!err)
		err = buf_append(der, out + VX_DER_MAX - n, (size_t)n);
	mbedtls_pk_free(&sk);
	mbedtls_pk_free(&ik);
	mbedtls_x509write_crt_free(&crt);
	free(out);
	return err;
}

static int vx_x509_key(const char *label, struct p256_key **key)
{
	uint8_t priv[32];

	vx_seed(label, priv, sizeof(priv));
	return p256_import_private(key, priv);
}

int vx_x509_make(struct p256_key *leaf_key, const char *jid, struct buf *ca_der,
		 struct buf *chain)
{
	struct p256_key *ca = NULL, *im = NULL;
	char subject[320];
	int err = vx_x509_key("certificate authority key", &ca);

	snprintf(subject, sizeof(subject), "CN=%s", jid);
	if (!err)
		err = vx_x509_key("intermediate authority key", &im);
	if (!err)
		err = vx_crt_write(ca, ca, VX_CA_NAME, VX_CA_NAME, 1, 1, ca_der);
	if (!err)
		err = vx_crt_write(leaf_key, im, subject, VX_INTERMEDIATE_NAME, 3, 0, chain);
	if (!err)
		err = vx_crt_write(im, ca, VX_INTERMEDIATE_NAME, VX_CA_NAME, 2, 1, chain);
	p256_free(ca);
	p256_free(im);
	return err;
}
