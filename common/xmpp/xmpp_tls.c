#include "xmpp_tls.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "err.h"
#include "rng.h"
#include "util.h"
#include "xmpp_net.h"

struct xmpp_tls {
	mbedtls_ssl_context ssl;
	mbedtls_ssl_config conf;
	mbedtls_x509_crt ca;
	int fd;
	int io_errno; /* errno of the last failed read or write on fd */
};

/* --- the socket under mbedTLS --- */

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct xmpp_tls *t = ctx;
	ssize_t n = send(t->fd, buf, len, MSG_NOSIGNAL);

	if (n >= 0)
		return (int)n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	t->io_errno = errno;
	return MBEDTLS_ERR_NET_SEND_FAILED;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct xmpp_tls *t = ctx;
	ssize_t n = read(t->fd, buf, len);

	if (n >= 0)
		return (int)n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return MBEDTLS_ERR_SSL_WANT_READ;
	t->io_errno = errno;
	return MBEDTLS_ERR_NET_RECV_FAILED;
}

/* --- errors --- */

static int tls_error(const struct xmpp_tls *t, int ret, const char *what)
{
	char text[160];

	if (ret == MBEDTLS_ERR_NET_SEND_FAILED || ret == MBEDTLS_ERR_NET_RECV_FAILED) {
		err_detail_set("%s: %s", what, strerror(t->io_errno));
		return XE2E_E_IO;
	}
	mbedtls_strerror(ret, text, sizeof(text));
	err_detail_set("%s: %s (-0x%04x)", what, text, (unsigned)-ret);
	return ret == MBEDTLS_ERR_SSL_ALLOC_FAILED ? XE2E_E_NOMEM : XE2E_E_CRYPTO;
}

void xmpp_tls_verify_text(uint32_t flags, char *out, size_t size)
{
	char *p;

	if (size == 0)
		return;
	out[0] = '\0';
	if (mbedtls_x509_crt_verify_info(out, size, "", flags) < 0 || !out[0])
		snprintf(out, size, "verification flags 0x%08x", (unsigned)flags);
	for (p = out; *p; p++)
		if (*p == '\n')
			*p = p[1] ? ';' : '\0';
}

/* --- set-up --- */

static int load_ca(struct xmpp_tls *t, const char *path)
{
	int ret = mbedtls_x509_crt_parse_file(&t->ca, path);

	if (ret == MBEDTLS_ERR_PK_FILE_IO_ERROR || ret == MBEDTLS_ERR_X509_FILE_IO_ERROR) {
		err_detail_set("cannot read the CA file %s", path);
		return XE2E_E_NOTFOUND;
	}
	/* A positive count is of certificates that did not parse; the others
	 * are used. */
	if (ret < 0 || t->ca.version == 0) {
		err_detail_set("no certificate in the CA file %s", path);
		return XE2E_E_MALFORMED;
	}
	return XE2E_OK;
}

static int configure(struct xmpp_tls *t, const struct xmpp_tls_options *o)
{
	int ret = mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_CLIENT,
					      MBEDTLS_SSL_TRANSPORT_STREAM,
					      MBEDTLS_SSL_PRESET_DEFAULT);

	if (ret)
		return tls_error(t, ret, "TLS configuration");
	mbedtls_ssl_conf_rng(&t->conf, rng_mbedtls, NULL);
	mbedtls_ssl_conf_min_version(&t->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
				     MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_ca_chain(&t->conf, &t->ca, NULL);
	mbedtls_ssl_conf_authmode(&t->conf, o->insecure ? MBEDTLS_SSL_VERIFY_OPTIONAL
							 : MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_renegotiation(&t->conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
	return XE2E_OK;
}

int xmpp_tls_new(struct xmpp_tls **tls, const struct xmpp_tls_options *opts,
		 const char *server_name)
{
	struct xmpp_tls *t;
	int err, ret;

	if (!tls || !opts || !server_name)
		return XE2E_E_MALFORMED;
	*tls = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return XE2E_E_NOMEM;
	t->fd = -1;
	mbedtls_ssl_init(&t->ssl);
	mbedtls_ssl_config_init(&t->conf);
	mbedtls_x509_crt_init(&t->ca);
	err = load_ca(t, opts->ca_file ? opts->ca_file : XMPP_TLS_SYSTEM_CA);
	if (!err)
		err = configure(t, opts);
	if (!err && (ret = mbedtls_ssl_setup(&t->ssl, &t->conf)) != 0)
		err = tls_error(t, ret, "TLS set-up");
	if (!err && (ret = mbedtls_ssl_set_hostname(&t->ssl, server_name)) != 0)
		err = tls_error(t, ret, "TLS server name");
	if (err) {
		xmpp_tls_free(t);
		return err;
	}
	mbedtls_ssl_set_bio(&t->ssl, t, bio_send, bio_recv, NULL);
	*tls = t;
	return XE2E_OK;
}

/* --- the handshake --- */

static int verify_failed(const struct xmpp_tls *t)
{
	char why[512];

	xmpp_tls_verify_text(mbedtls_ssl_get_verify_result(&t->ssl), why, sizeof(why));
	err_detail_set("the server's certificate does not verify: %s", why);
	return XE2E_E_TRUST;
}

/* After WANT_READ or WANT_WRITE: waits for the socket, else an error. */
static int wait_for(const struct xmpp_tls *t, int ret, int64_t deadline)
{
	short ev = ret == MBEDTLS_ERR_SSL_WANT_WRITE ? POLLOUT : POLLIN;

	return xmpp_net_wait(t->fd, ev, deadline);
}

static int is_want(int ret)
{
	return ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE;
}

int xmpp_tls_handshake(struct xmpp_tls *t, int fd, int timeout_ms, uint32_t *verify_flags)
{
	int64_t deadline = xmpp_net_now_ms() + timeout_ms;
	int ret, err = XE2E_OK;

	if (!t || fd < 0)
		return XE2E_E_MALFORMED;
	t->fd = fd;
	for (;;) {
		ret = mbedtls_ssl_handshake(&t->ssl);
		if (!is_want(ret))
			break;
		err = wait_for(t, ret, deadline);
		if (err)
			break;
	}
	if (err == XE2E_E_TIMEOUT)
		err_detail_set("the TLS handshake did not finish within %d ms", timeout_ms);
	if (err)
		return err;
	if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED)
		return verify_failed(t);
	if (ret)
		return tls_error(t, ret, "TLS handshake");
	if (verify_flags)
		*verify_flags = mbedtls_ssl_get_verify_result(&t->ssl);
	return XE2E_OK;
}

void xmpp_tls_describe(const struct xmpp_tls *t, char *out, size_t size)
{
	snprintf(out, size, "%s %s", mbedtls_ssl_get_version(&t->ssl),
		 mbedtls_ssl_get_ciphersuite(&t->ssl));
}

/* --- data --- */

int xmpp_tls_read(struct xmpp_tls *t, uint8_t *out, size_t size, size_t *got)
{
	int ret = mbedtls_ssl_read(&t->ssl, out, size);

	*got = 0;
	if (ret > 0) {
		*got = (size_t)ret;
		return XE2E_OK;
	}
	if (is_want(ret))
		return XE2E_OK;
	if (ret == 0 || ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || ret == MBEDTLS_ERR_SSL_CONN_EOF)
		return XE2E_E_EOF;
	return tls_error(t, ret, "TLS read");
}

size_t xmpp_tls_pending(const struct xmpp_tls *t)
{
	return t ? mbedtls_ssl_get_bytes_avail(&t->ssl) : 0;
}

int xmpp_tls_write(struct xmpp_tls *t, const void *data, size_t n, int timeout_ms)
{
	const unsigned char *p = data;
	int64_t deadline = xmpp_net_now_ms() + timeout_ms;
	int ret, err;

	while (n > 0) {
		ret = mbedtls_ssl_write(&t->ssl, p, n);
		if (ret > 0) {
			p += ret;
			n -= (size_t)ret;
			continue;
		}
		if (!is_want(ret))
			return tls_error(t, ret, "TLS write");
		err = wait_for(t, ret, deadline);
		if (err == XE2E_E_TIMEOUT)
			err_detail_set("the server did not take our data within %d ms", timeout_ms);
		if (err)
			return err;
	}
	return XE2E_OK;
}

void xmpp_tls_close(struct xmpp_tls *t)
{
	int64_t deadline = xmpp_net_now_ms() + 1000;
	int ret;

	if (!t || t->fd < 0)
		return;
	while (is_want(ret = mbedtls_ssl_close_notify(&t->ssl)))
		if (wait_for(t, ret, deadline))
			break;
}

void xmpp_tls_free(struct xmpp_tls *t)
{
	if (!t)
		return;
	mbedtls_ssl_free(&t->ssl);
	mbedtls_ssl_config_free(&t->conf);
	mbedtls_x509_crt_free(&t->ca);
	wipe(t, sizeof(*t));
	free(t);
}
