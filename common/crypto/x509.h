/*
 * X.509 certificates of identity keys (xe2e(7) KEYS).
 *
 * xe2e-keygen wraps the identity key in a self-signed X.509 v3 certificate:
 * subject and issuer CN = the bare JID (a JID longer than X.520's
 * 64-character bound gets CN "xe2e identity" instead: the CN is only a
 * label, RFC 6125 6.4.4), subjectAltName otherName id-on-xmppAddr (1.3.6.1.5.5.7.8.5)
 * holding the JID as a UTF8String (RFC 6120 section 13.7.1.4),
 * basicConstraints CA:FALSE, keyUsage digitalSignature, subject and
 * authority key identifiers, a random 128-bit serial, signed with
 * ECDSA-SHA256, the AlgorithmIdentifiers without parameters (RFC 5758
 * 3.2). notAfter is 99991231235959Z, "no well-defined expiration date"
 * (RFC 5280 4.1.2.5): the identity key does not expire; device bindings
 * do.
 *
 * A certificate issued by a CA can replace it: xe2e-keygen writes a
 * PKCS#10 request for the identity key (subject and SAN as above), and
 * installs the chain the CA gives back (leaf first, then intermediates),
 * which the handshake then carries as credential kind 2.
 */
#ifndef XE2E_X509_H
#define XE2E_X509_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "sig.h"

struct mbedtls_x509_crt;

/* The longest JID (RFC 7622: three parts of at most 1023 bytes). */
#define X509_JID_MAX 3071
#define X509_MAX_SIZE 16384 /* bytes of a certificate file we read */
/*
 * An identity's chain: at most X509_CHAIN_CERTS_MAX certificates (the
 * anchors' ANCHOR_CHAIN_MAX) of at most X509_CHAIN_DER_MAX bytes of DER in
 * all, so that a handshake payload carries it (handshake_msg.h); its PEM
 * file at most X509_CHAIN_FILE_MAX bytes.
 */
#define X509_CHAIN_CERTS_MAX 8
#define X509_CHAIN_DER_MAX 8192
#define X509_CHAIN_FILE_MAX 32768
/* Added where a certificate names no JID: the usual reason, a CA that did
 * not copy the request's subjectAltName. */
#define X509_JID_HINT                                                                    \
	"; openssl x509 -req and openssl ca leave out the request's extensions, the JID "  \
	"among them, unless given -copy_extensions copy (copy_extensions = copy in ca.cnf)"

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

/* What xe2e takes from an identity's chain (identity.crt). */
struct x509_chain_info {
	struct x509_cert_info leaf;     /* as x509_cert_read() of the first certificate */
	struct buf chain;               /* every certificate, DER, leaf first */
	size_t n;                       /* certificates */
	int self_signed;                /* one certificate, its own issuer */
	uint64_t not_before, not_after; /* the leaf's validity, UNIX seconds */
};

/*
 * Parses an identity's chain: PEM certificates one after another (or DER
 * ones), leaf first, 1 to X509_CHAIN_CERTS_MAX of them, at most
 * X509_CHAIN_DER_MAX bytes of DER (XE2E_E_LIMIT beyond), every key P-256
 * (XE2E_E_UNSUPPORTED). The leaf must name a JID as x509_cert_read()
 * requires. self_signed is 1 for a lone certificate whose issuer is its
 * subject (what xe2e-keygen makes); no signature is checked here, since
 * such a certificate never travels (the handshake sends the key itself).
 * The caller frees info with x509_chain_info_free().
 */
int x509_chain_read(const uint8_t *data, size_t len, struct x509_chain_info *info);

/* Frees what x509_chain_read() allocated. */
void x509_chain_info_free(struct x509_chain_info *info);

/*
 * Appends the PEM of a PKCS#10 certificate request (RFC 2986) for key:
 * subject CN and an extensionRequest with the subjectAltName
 * id-on-xmppAddr, as the self-signed certificate names the bare JID jid,
 * and keyUsage digitalSignature; signed with ECDSA-SHA256 by key.
 */
int x509_csr_write(struct p256_key *key, const char *jid, struct buf *pem);

/* UNIX seconds of a civil UTC time as X.509 carries it (times before 1970
 * count as 0). */
uint64_t x509_time_to_unix(int year, int mon, int day, int hour, int min, int sec);

/* Appends the PEM of each certificate of a DER chain (as x509_chain_read()
 * gives it), one after another. */
int x509_chain_pem(const uint8_t *chain, size_t len, struct buf *pem);

/*
 * The subject's P-256 key of a parsed certificate, uncompressed and checked
 * on the curve; XE2E_E_UNSUPPORTED with the detail "WHOSE key is RSA; only
 * P-256 keys are supported" (or the curve it is on) for any other key.
 */
int x509_crt_p256(const struct mbedtls_x509_crt *crt, const char *whose,
		  uint8_t pub[static P256_PUB_LEN]);

/* ---- certificate files: PEM certificates one after another, or DER ---- */

#define X509_PEM_BEGIN "-----BEGIN CERTIFICATE-----"
#define X509_CERT_FILE_MAX 16384 /* bytes of one certificate's file */

/* 1 when data holds a PEM certificate's first line. */
int x509_is_pem(const uint8_t *data, size_t len);

/* Parses every certificate of a PEM text into crt (mbedTLS wants it
 * NUL-terminated and counted with the NUL): XE2E_E_MALFORMED otherwise. */
int x509_pem_parse(struct mbedtls_x509_crt *crt, const uint8_t *data, size_t len);

/* Splits DER certificates one after another and parses each into crt, at
 * most max: XE2E_E_MALFORMED with a detail naming the certificate. */
int x509_der_list_parse(struct mbedtls_x509_crt *crt, const uint8_t *data, size_t len,
			size_t max);

/* The certificates parsed into crt. */
size_t x509_crt_count(const struct mbedtls_x509_crt *crt);

/* A chain file (PEM or DER certificates one after another, 1 to max of
 * them) appended to der as DER certificates one after another. */
int x509_chain_from_file(const uint8_t *data, size_t len, size_t max, struct buf *der);

#endif
