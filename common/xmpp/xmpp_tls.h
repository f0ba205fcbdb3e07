/*
 * TLS for an XMPP client connection, over mbedTLS's ssl layer (the one
 * place in xe2e, with the crypto wrappers, that uses it): TLS 1.2 (the
 * newest version mbedTLS 2.28 offers), the server's certificate verified
 * against a CA file and the XMPP domain (RFC 6125 / RFC 7590: the name
 * checked is the domain of the JID, not the host connected to), SNI set
 * to that domain. Renegotiation stays off.
 *
 * The socket is non-blocking. Reads never block: they return what is
 * there. Writes and the handshake wait (poll) up to a timeout.
 */
#ifndef XE2E_XMPP_TLS_H
#define XE2E_XMPP_TLS_H

#include <stddef.h>
#include <stdint.h>

#define XMPP_TLS_SYSTEM_CA "/etc/ssl/certs/ca-certificates.crt"

struct xmpp_tls_options {
	const char *ca_file; /* PEM bundle; NULL: XMPP_TLS_SYSTEM_CA */
	int insecure;        /* accept any certificate (the caller warns);
			      * SASL then never uses PLAIN (xmpp_client.h) */
};

struct xmpp_tls;

/* A TLS client for server_name (the XMPP domain), not yet connected.
 * XE2E_E_NOTFOUND/XE2E_E_MALFORMED when the CA file cannot be read or
 * holds no certificate mbedTLS can parse (detail names it). */
int xmpp_tls_new(struct xmpp_tls **tls, const struct xmpp_tls_options *opts,
		 const char *server_name);

/*
 * Runs the handshake on the connected, non-blocking socket fd, waiting at
 * most timeout_ms in all. XE2E_E_TRUST when the certificate does not
 * verify (detail: why, e.g. "not signed by a trusted CA", "issued for
 * another name"); XE2E_E_TIMEOUT; XE2E_E_IO or XE2E_E_CRYPTO otherwise.
 * With insecure set, a certificate that does not verify is accepted and
 * *verify_flags tells why it would not have been (0 when it verifies).
 */
int xmpp_tls_handshake(struct xmpp_tls *tls, int fd, int timeout_ms, uint32_t *verify_flags);

/* Describes verify_flags in out (e.g. "The certificate is not correctly
 * signed by the trusted CA"), one line. */
void xmpp_tls_verify_text(uint32_t verify_flags, char *out, size_t size);

/* "TLSv1.2 TLS-ECDHE-RSA-WITH-AES-256-GCM-SHA384" after the handshake. */
void xmpp_tls_describe(const struct xmpp_tls *tls, char *out, size_t size);

/*
 * Reads up to size bytes without blocking: *got is 0 when nothing is there
 * yet (poll the fd, or check xmpp_tls_pending()). XE2E_E_EOF when the peer
 * closed (close_notify or the connection ended), XE2E_E_IO/XE2E_E_CRYPTO
 * on errors, with a detail.
 */
int xmpp_tls_read(struct xmpp_tls *tls, uint8_t *out, size_t size, size_t *got);

/* Bytes already decrypted and waiting: read them without polling. */
size_t xmpp_tls_pending(const struct xmpp_tls *tls);

/* Writes all n bytes, waiting at most timeout_ms for the socket to take
 * them. */
int xmpp_tls_write(struct xmpp_tls *tls, const void *data, size_t n, int timeout_ms);

/* Sends close_notify (best effort, without waiting long). */
void xmpp_tls_close(struct xmpp_tls *tls);

/* Frees everything; NULL is allowed. Does not close the socket. */
void xmpp_tls_free(struct xmpp_tls *tls);

#endif
