/*
 * Certificates (x509.h, x509_cert_read), PEM or DER, as xe2e-trustdb
 * reads anchors and peers' certificates. What is read must name a JID and
 * a valid P-256 key, and its DER must read again to the same key, JID and
 * DER. The same input as an identity's chain (x509_chain_read, as
 * identity.crt and xe2e-keygen --certificate are read): within its limits,
 * its leaf the first certificate, and its PEM reads back to the same chain.
 */
#include "fuzz.h"

#include <string.h>

#include "err.h"
#include "sig.h"
#include "x509.h"

static void fz_x509_chain(const uint8_t *data, size_t size)
{
	struct x509_chain_info info, again;
	struct buf pem = BUF_INIT;
	int err = x509_chain_read(data, size, &info);

	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED || err == XE2E_E_UNSUPPORTED ||
		   err == XE2E_E_WEAKKEY || err == XE2E_E_LIMIT || err == XE2E_E_CRYPTO);
	if (err != XE2E_OK)
		return;
	FUZZ_CHECK(info.n >= 1 && info.n <= X509_CHAIN_CERTS_MAX);
	FUZZ_CHECK(info.chain.len <= X509_CHAIN_DER_MAX);
	FUZZ_CHECK(!info.self_signed || info.n == 1);
	FUZZ_CHECK(info.leaf.der.len <= info.chain.len &&
		   memcmp(info.leaf.der.data, info.chain.data, info.leaf.der.len) == 0);
	FUZZ_CHECK(x509_chain_pem(info.chain.data, info.chain.len, &pem) == XE2E_OK);
	FUZZ_CHECK(x509_chain_read(pem.data, pem.len, &again) == XE2E_OK);
	FUZZ_CHECK(again.chain.len == info.chain.len &&
		   memcmp(again.chain.data, info.chain.data, info.chain.len) == 0);
	FUZZ_CHECK(again.self_signed == info.self_signed && again.n == info.n);
	x509_chain_info_free(&again);
	x509_chain_info_free(&info);
	buf_free(&pem);
}

int fuzz_x509(const uint8_t *data, size_t size)
{
	struct x509_cert_info info, again;
	int err;

	memset(&info, 0, sizeof(info));
	memset(&again, 0, sizeof(again));
	if (size > X509_MAX_SIZE)
		return 0;
	fz_x509_chain(data, size);
	err = x509_cert_read(data, size, &info);
	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED || err == XE2E_E_UNSUPPORTED ||
		   err == XE2E_E_WEAKKEY || err == XE2E_E_LIMIT);
	if (err != XE2E_OK)
		goto done;
	FUZZ_CHECK(info.jid[0] != '\0');
	FUZZ_CHECK(p256_check_public(info.pub) == XE2E_OK);
	FUZZ_CHECK(x509_cert_read(info.der.data, info.der.len, &again) == XE2E_OK);
	FUZZ_CHECK(memcmp(again.pub, info.pub, P256_PUB_LEN) == 0);
	FUZZ_CHECK(strcmp(again.jid, info.jid) == 0);
	FUZZ_CHECK(again.der.len == info.der.len &&
		   memcmp(again.der.data, info.der.data, info.der.len) == 0);
done:
	x509_cert_info_free(&info);
	x509_cert_info_free(&again);
	return 0;
}
