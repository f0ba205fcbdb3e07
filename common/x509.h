/*
 * X.509 certificates of identity keys (DESIGN section 4).
 *
 * xe2e-keygen wraps the identity key in a self-signed X.509 v3 certificate:
 * subject and issuer CN = the bare JID (a JID longer than X.520's
 * 64-character bound gets CN "xe2e identity" instead: the CN is only a
 * label, RFC 6125 6.4.4), subjectAltName otherName id-on-xmppAddr (1.3.6.1.5.5.7.8.5)
 * holding the JID as a UTF8String (RFC 6120 section 13.7.1.4),
 * basicConstraints CA:FALSE, keyUsage digitalSignature, subject and
 * authority key identifiers, a random 128-bit serial, signed with
 * ECDSA-SHA256. notAfter is 99991231235959Z, "no well-defined expiration
 * date" (RFC 5280 4.1.2.5): the identity key does not expire; device
 * bindings do. A certificate issued by a CA can replace it.
 */
#ifndef XE2E_X509_H
#define XE2E_X509_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "sig.h"

/* The longest JID (RFC 7622: three parts of at most 1023 bytes). */
#define X509_JID_MAX 3071
#define X509_MAX_SIZE 16384 /* bytes of a certificate file we read */

/* What xe2e takes from a certificate. */
struct x509_cert_info {
	uint8_t pub[P256_PUB_LEN];    /* the subject's P-256 key, validated */
	char jid[X509_JID_MAX + 1];   /* the first id-on-xmppAddr SAN */
	struct buf der;               /* the certificate, DER */
};

/*
 * Appends the PEM of a fresh self-signed certificate for key and the bare
 * JID jid, valid from not_before (UNIX seconds).
 */
int x509_selfsigned_write(struct p256_key *key, const char *jid, uint64_t not_before,
			  struct buf *pem);

/*
 * Parses one certificate, PEM or DER (exactly len bytes; a PEM text may
 * end in a NUL). Its key must be P-256 (XE2E_E_UNSUPPORTED otherwise) and
 * it must name a JID in an id-on-xmppAddr SAN (XE2E_E_MALFORMED
 * otherwise). The signature is not checked here: trust in the key comes
 * from the trust store or a CA chain, checked by their callers. The caller
 * frees info with x509_cert_info_free().
 */
int x509_cert_read(const uint8_t *data, size_t len, struct x509_cert_info *info);

/* Frees what x509_cert_read() allocated. */
void x509_cert_info_free(struct x509_cert_info *info);

#endif
