/*
 * SCRAM client (RFC 5802 section 3 for the computation, section 7 for the
 * message syntax). hash.h offers SHA-256 only, and SCRAM-SHA-1 needs SHA-1,
 * so both go through mbedTLS's md layer here: HMAC, the hash, PBKDF2.
 */
#include "xmpp_scram.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>
#include <stringprep.h>

#include "decimal.h"
#include "encoding.h"
#include "err.h"
#include "rng.h"
#include "util.h"

#define GS2_HEADER "n,,"
#define GS2_HEADER_B64 "biws" /* base64 of "n,," for c= */
#define HASH_B64_MAX 48         /* base64 of SCRAM_HASH_MAX bytes, and a NUL */

/* The salted password and everything derived from it. */
struct scram_keys {
	uint8_t salted[SCRAM_HASH_MAX];
	uint8_t client_key[SCRAM_HASH_MAX];
	uint8_t stored_key[SCRAM_HASH_MAX];
	uint8_t client_sig[SCRAM_HASH_MAX];
	uint8_t proof[SCRAM_HASH_MAX];
	uint8_t server_key[SCRAM_HASH_MAX];
};

/* What the server-first-message says. */
struct scram_first {
	const char *nonce;
	size_t nonce_len;
	uint8_t salt[SCRAM_SALT_MAX];
	size_t salt_len;
	unsigned long iterations;
};

const char *scram_mech_name(enum scram_alg alg)
{
	switch (alg) {
	case SCRAM_SHA1: return "SCRAM-SHA-1";
	case SCRAM_SHA256: return "SCRAM-SHA-256";
	}
	return NULL;
}

static const mbedtls_md_info_t *scram_md(enum scram_alg alg)
{
	return mbedtls_md_info_from_type(alg == SCRAM_SHA1 ? MBEDTLS_MD_SHA1 : MBEDTLS_MD_SHA256);
}

static int scram_fail(struct scram *s, int err)
{
	s->step = SCRAM_FAILED;
	return err;
}

void scram_wipe(struct scram *s)
{
	if (!s)
		return;
	buf_free(&s->first_bare);
	wipe(s, sizeof(*s));
	s->first_bare = (struct buf)BUF_INIT;
}

/* --- client-first --- */

/* printable = %x21-2B / %x2D-7E: what a nonce may hold. */
static int nonce_valid(const char *p, size_t n)
{
	if (n == 0 || n > SCRAM_NONCE_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x21 || (unsigned char)p[i] > 0x7e || p[i] == ',')
			return 0;
	return 1;
}

static int random_nonce(char out[static SCRAM_NONCE_MAX + 1])
{
	uint8_t raw[SCRAM_NONCE_BYTES];
	int err = rng_bytes(raw, sizeof(raw));

	if (!err)
		err = b64_encode(raw, sizeof(raw), out, SCRAM_NONCE_MAX + 1);
	wipe(raw, sizeof(raw));
	return err;
}

/* saslname: ',' as "=2C" and '=' as "=3D" (RFC 5802 section 5.1). */
static int append_saslname(struct buf *out, const char *user)
{
	int err = XE2E_OK;

	for (const char *p = user; *p && !err; p++) {
		if (*p == ',')
			err = buf_append_str(out, "=2C");
		else if (*p == '=')
			err = buf_append_str(out, "=3D");
		else
			err = buf_append_byte(out, (uint8_t)*p);
	}
	return err;
}

int scram_start(struct scram *s, enum scram_alg alg, const char *user, const char *cnonce,
		struct buf *out)
{
	int err;

	if (!s || !out || !user || !scram_mech_name(alg))
		return XE2E_E_MALFORMED;
	scram_wipe(s);
	s->alg = alg;
	if (!*user || strlen(user) > 1023) {
		err_detail_set("the SCRAM user name is empty or too long");
		return scram_fail(s, XE2E_E_MALFORMED);
	}
	if (cnonce && !nonce_valid(cnonce, strlen(cnonce))) {
		err_detail_set("the SCRAM client nonce has characters SCRAM does not allow");
		return scram_fail(s, XE2E_E_MALFORMED);
	}
	err = cnonce ? XE2E_OK : random_nonce(s->cnonce);
	if (cnonce)
		snprintf(s->cnonce, sizeof(s->cnonce), "%s", cnonce);
	if (!err)
		err = buf_append_str(&s->first_bare, "n=");
	if (!err)
		err = append_saslname(&s->first_bare, user);
	if (!err)
		err = buf_printf(&s->first_bare, ",r=%s", s->cnonce);
	if (!err)
		err = buf_append_str(out, GS2_HEADER);
	if (!err)
		err = buf_append(out, s->first_bare.data, s->first_bare.len);
	if (err)
		return scram_fail(s, err);
	s->step = SCRAM_STARTED;
	return XE2E_OK;
}

/* --- server-first --- */

/* The value of attribute name= at *p, up to the next ',' or the end;
 * advances *p past it and its comma. */
static int take_attr(const char **p, const char *end, char name, const char **value,
		     size_t *len)
{
	const char *v, *comma;

	if (end - *p < 2 || (*p)[0] != name || (*p)[1] != '=')
		return XE2E_E_MALFORMED;
	v = *p + 2;
	comma = memchr(v, ',', (size_t)(end - v));
	*value = v;
	*len = (size_t)((comma ? comma : end) - v);
	*p = comma ? comma + 1 : end;
	return XE2E_OK;
}

static int parse_iterations(const char *v, size_t n, unsigned long *out)
{
	uint64_t i;

	/* a positive count of nine digits at most */
	if (n > 9 || decimal_parse(v, n, UINT64_MAX, &i) || i == 0)
		return XE2E_E_MALFORMED;
	if (i < SCRAM_MIN_ITERATIONS || i > SCRAM_MAX_ITERATIONS) {
		err_detail_set("the server asks for %llu SCRAM iterations; allowed are %u to %u",
			       (unsigned long long)i, SCRAM_MIN_ITERATIONS, SCRAM_MAX_ITERATIONS);
		return XE2E_E_LIMIT;
	}
	*out = i;
	return XE2E_OK;
}

static int parse_nonce(const struct scram *s, const char *v, size_t n, struct scram_first *f)
{
	size_t ours = strlen(s->cnonce);

	if (!nonce_valid(v, n) || n <= ours || memcmp(v, s->cnonce, ours)) {
		err_detail_set("the server's SCRAM nonce does not extend the client's");
		return XE2E_E_MALFORMED;
	}
	f->nonce = v;
	f->nonce_len = n;
	return XE2E_OK;
}

static int parse_first(const struct scram *s, const char *msg, size_t n, struct scram_first *f)
{
	const char *p = msg, *end = msg + n, *v;
	size_t len;
	int err;

	err_detail_clear();
	if (n >= 2 && msg[0] == 'm' && msg[1] == '=') {
		err_detail_set("the server requires a SCRAM extension");
		return XE2E_E_UNSUPPORTED;
	}
	err = take_attr(&p, end, 'r', &v, &len);
	if (!err)
		err = parse_nonce(s, v, len, f);
	if (!err && (err = take_attr(&p, end, 's', &v, &len)) == XE2E_OK &&
	    (b64_decode(v, len, f->salt, sizeof(f->salt), &f->salt_len) || f->salt_len == 0)) {
		err_detail_set("the SCRAM salt is not canonical base64 of 1 to %d bytes",
			       SCRAM_SALT_MAX);
		err = XE2E_E_MALFORMED;
	}
	if (!err)
		err = take_attr(&p, end, 'i', &v, &len);
	if (!err)
		err = parse_iterations(v, len, &f->iterations);
	if (err == XE2E_E_MALFORMED && !*err_detail())
		err_detail_set("a malformed SCRAM server-first-message");
	return err; /* extensions after i= are allowed and ignored */
}

/* --- the proof --- */

static int md_error(int ret)
{
	if (ret == MBEDTLS_ERR_MD_ALLOC_FAILED)
		return XE2E_E_NOMEM;
	err_detail_set("SCRAM hash computation failed (-0x%04x)", (unsigned)-ret);
	return XE2E_E_CRYPTO;
}

static int hi(const mbedtls_md_info_t *md, const char *pw, const struct scram_first *f,
	      uint8_t *out)
{
	mbedtls_md_context_t ctx;
	int ret;

	mbedtls_md_init(&ctx);
	ret = mbedtls_md_setup(&ctx, md, 1);
	if (!ret)
		ret = mbedtls_pkcs5_pbkdf2_hmac(&ctx, (const unsigned char *)pw, strlen(pw), f->salt,
						f->salt_len, (unsigned int)f->iterations,
						mbedtls_md_get_size(md), out);
	mbedtls_md_free(&ctx);
	return ret ? md_error(ret) : XE2E_OK;
}

static int hmac_str(const mbedtls_md_info_t *md, const uint8_t *key, const void *msg, size_t n,
		    uint8_t *out)
{
	int ret = mbedtls_md_hmac(md, key, mbedtls_md_get_size(md), msg, n, out);

	return ret ? md_error(ret) : XE2E_OK;
}

/* RFC 5802 section 3, from SaltedPassword to ClientProof and ServerKey. */
static int derive(const mbedtls_md_info_t *md, const char *pw, const struct scram_first *f,
		  const struct buf *auth, struct scram_keys *k)
{
	size_t hl = mbedtls_md_get_size(md);
	int err = hi(md, pw, f, k->salted), ret;

	if (!err)
		err = hmac_str(md, k->salted, "Client Key", 10, k->client_key);
	if (!err && (ret = mbedtls_md(md, k->client_key, hl, k->stored_key)) != 0)
		err = md_error(ret);
	if (!err)
		err = hmac_str(md, k->stored_key, auth->data, auth->len, k->client_sig);
	if (!err)
		err = hmac_str(md, k->salted, "Server Key", 10, k->server_key);
	for (size_t i = 0; !err && i < hl; i++)
		k->proof[i] = k->client_key[i] ^ k->client_sig[i];
	return err;
}

/* SASLprep (RFC 4013) of the password into out. */
static int saslprep(const char *password, char out[static SCRAM_PASSWORD_MAX + 1])
{
	size_t n = strlen(password);
	int rc;

	if (n == 0 || n > SCRAM_PASSWORD_MAX) {
		err_detail_set("the password is empty or longer than %d bytes", SCRAM_PASSWORD_MAX);
		return XE2E_E_AUTH;
	}
	memcpy(out, password, n + 1);
	rc = stringprep(out, SCRAM_PASSWORD_MAX + 1, STRINGPREP_NO_UNASSIGNED,
			stringprep_saslprep);
	if (rc != STRINGPREP_OK || !*out) {
		err_detail_set("the password is not allowed by SASLprep: %s",
			       rc != STRINGPREP_OK ? stringprep_strerror(rc) : "empty");
		return XE2E_E_AUTH;
	}
	return XE2E_OK;
}

static int append_b64(struct buf *out, const uint8_t *p, size_t n)
{
	char text[HASH_B64_MAX];
	int err = b64_encode(p, n, text, sizeof(text));

	if (!err)
		err = buf_append_str(out, text);
	return err;
}

/* client-final-message-without-proof, then AuthMessage. */
static int build_auth(const struct scram *s, const uint8_t *msg, size_t n,
		      const struct scram_first *f, struct buf *final, struct buf *auth)
{
	int err = buf_printf(final, "c=" GS2_HEADER_B64 ",r=%.*s", (int)f->nonce_len, f->nonce);

	if (!err)
		err = buf_append(auth, s->first_bare.data, s->first_bare.len);
	if (!err)
		err = buf_append_byte(auth, ',');
	if (!err)
		err = buf_append(auth, msg, n);
	if (!err)
		err = buf_append_byte(auth, ',');
	if (!err)
		err = buf_append(auth, final->data, final->len);
	return err;
}

int scram_respond(struct scram *s, const char *password, const uint8_t *msg, size_t n,
		  struct buf *out)
{
	const mbedtls_md_info_t *md = s ? scram_md(s->alg) : NULL;
	struct scram_first f;
	struct scram_keys k;
	struct buf final = BUF_INIT, auth = BUF_INIT;
	char pw[SCRAM_PASSWORD_MAX + 1];
	int err;

	if (!s || !password || !out || (!msg && n))
		return XE2E_E_MALFORMED;
	if (s->step != SCRAM_STARTED)
		return scram_fail(s, XE2E_E_STATE);
	memset(&f, 0, sizeof(f));
	memset(&k, 0, sizeof(k));
	err = md ? parse_first(s, (const char *)msg, n, &f) : XE2E_E_UNSUPPORTED;
	if (!err)
		err = saslprep(password, pw);
	if (!err)
		err = build_auth(s, msg, n, &f, &final, &auth);
	if (!err)
		err = derive(md, pw, &f, &auth, &k);
	if (!err)
		err = hmac_str(md, k.server_key, auth.data, auth.len, s->server_sig);
	if (!err)
		err = buf_append(out, final.data, final.len);
	if (!err)
		err = buf_append_str(out, ",p=");
	if (!err)
		err = append_b64(out, k.proof, mbedtls_md_get_size(md));
	wipe(&k, sizeof(k));
	wipe(&f, sizeof(f));
	wipe(pw, sizeof(pw));
	buf_free(&final);
	buf_free(&auth);
	if (err)
		return scram_fail(s, err);
	s->step = SCRAM_RESPONDED;
	return XE2E_OK;
}

/* --- server-final --- */

/* The server's e= value goes into a diagnostic line: at most 64 bytes,
 * anything but printable ASCII shown as '?', so that it cannot end the
 * line or move the terminal's cursor. */
static int server_error(struct scram *s, const char *v, size_t n)
{
	char text[65];
	size_t k;

	for (k = 0; k < n && k < sizeof(text) - 1; k++)
		text[k] = v[k] >= 0x20 && v[k] < 0x7f ? v[k] : '?';
	text[k] = '\0';
	err_detail_set("the server says %s", text);
	return scram_fail(s, XE2E_E_AUTH);
}

int scram_verify(struct scram *s, const uint8_t *msg, size_t n)
{
	const char *p = (const char *)msg, *end = p + n, *v;
	uint8_t sig[SCRAM_HASH_MAX];
	size_t len, got = 0, hl;

	if (!s || (!msg && n))
		return XE2E_E_MALFORMED;
	if (s->step != SCRAM_RESPONDED)
		return scram_fail(s, XE2E_E_STATE);
	hl = mbedtls_md_get_size(scram_md(s->alg));
	if (take_attr(&p, end, 'e', &v, &len) == XE2E_OK)
		return server_error(s, v, len);
	if (take_attr(&p, end, 'v', &v, &len) || b64_decode(v, len, sig, sizeof(sig), &got) ||
	    got != hl) {
		err_detail_set("a malformed SCRAM server-final-message");
		return scram_fail(s, XE2E_E_MALFORMED);
	}
	if (!ct_equal(sig, s->server_sig, hl)) {
		wipe(sig, sizeof(sig));
		err_detail_set("the server's SCRAM signature does not verify: it does not know "
			       "the password");
		return scram_fail(s, XE2E_E_AUTH);
	}
	wipe(sig, sizeof(sig));
	s->step = SCRAM_VERIFIED;
	return XE2E_OK;
}
