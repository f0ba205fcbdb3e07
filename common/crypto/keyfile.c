#include "keyfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aead.h"
#include "decimal.h"
#include "encoding.h"
#include "err.h"
#include "hash.h"
#include "rng.h"
#include "store.h"
#include "util.h"

#define MAGIC "xe2e private key v1"
#define KDF_NONE "none"
#define KDF_PBKDF2 "pbkdf2-sha256"
#define SEALED_LEN (KEYFILE_KEY_LEN + AEAD_TAG_LEN)
#define B64_TEXT_MAX 72 /* base64 of SEALED_LEN bytes (64 characters), NUL */

/* The fields of a parsed file. */
struct keyfile_fields {
	enum keyfile_type type;
	int protected;
	uint32_t iterations;
	uint8_t salt[KEYFILE_SALT_LEN];
	uint8_t nonce[AEAD_NONCE_LEN];
	uint8_t key[SEALED_LEN];
	size_t key_len;
	size_t ad_len; /* the header: every byte before the "key:" line */
};

/* A position in the file text, counting lines for error details. */
struct cursor {
	const char *start, *p, *end;
	int line;
};

const char *keyfile_type_name(enum keyfile_type type)
{
	switch (type) {
	case KEYFILE_P256:
		return "p256";
	case KEYFILE_X25519:
		return "x25519";
	}
	return "unknown";
}

static int type_from_name(const char *s, size_t n, enum keyfile_type *type)
{
	if (n == 4 && memcmp(s, "p256", 4) == 0)
		*type = KEYFILE_P256;
	else if (n == 6 && memcmp(s, "x25519", 6) == 0)
		*type = KEYFILE_X25519;
	else
		return XE2E_E_MALFORMED;
	return XE2E_OK;
}

/* A decimal number without sign or leading zeros, within [min, max]. */
static int parse_u32(const char *s, size_t n, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v;

	if (decimal_parse(s, n, max, &v) || v < min)
		return XE2E_E_MALFORMED;
	*out = (uint32_t)v;
	return XE2E_OK;
}

int keyfile_iterations(uint32_t *iterations)
{
	const char *env = getenv(KEYFILE_ITERATIONS_ENV);

	*iterations = KEYFILE_ITERATIONS_DEFAULT;
	if (!env || !*env)
		return XE2E_OK;
	if (parse_u32(env, strlen(env), KEYFILE_ITERATIONS_MIN, KEYFILE_ITERATIONS_MAX,
		      iterations) != XE2E_OK) {
		err_detail_set("%s must be a number from %u to %u", KEYFILE_ITERATIONS_ENV,
			       KEYFILE_ITERATIONS_MIN, KEYFILE_ITERATIONS_MAX);
		return XE2E_E_MALFORMED;
	}
	return XE2E_OK;
}

static int derive_key(const char *pass, size_t pass_len, const uint8_t salt[static KEYFILE_SALT_LEN],
		      uint32_t iterations, uint8_t out[static AEAD_KEY_LEN])
{
	return pbkdf2_sha256(pass, pass_len, salt, KEYFILE_SALT_LEN, iterations, out, AEAD_KEY_LEN);
}

static int append_b64_line(struct buf *out, const char *name, const uint8_t *data, size_t n)
{
	char text[B64_TEXT_MAX];
	int err = b64_encode(data, n, text, sizeof(text));

	if (!err)
		err = buf_printf(out, "%s: %s\n", name, text);
	wipe(text, sizeof(text));
	return err;
}

/* Appends the KDF lines and the sealed key; the header, from start on, is
 * the associated data. */
static int encode_protected(struct keyfile_fields *f, const uint8_t key[static KEYFILE_KEY_LEN],
			    const char *pass, size_t pass_len, size_t start, struct buf *out)
{
	uint8_t kek[AEAD_KEY_LEN];
	int err;

	err = rng_bytes(f->salt, sizeof(f->salt));
	if (!err)
		err = rng_bytes(f->nonce, sizeof(f->nonce));
	if (!err)
		err = buf_printf(out, "iterations: %u\n", (unsigned)f->iterations);
	if (!err)
		err = append_b64_line(out, "salt", f->salt, sizeof(f->salt));
	if (!err)
		err = append_b64_line(out, "nonce", f->nonce, sizeof(f->nonce));
	if (!err)
		err = derive_key(pass, pass_len, f->salt, f->iterations, kek);
	if (!err)
		err = aead_seal(AEAD_AES256GCM, kek, f->nonce, out->data + start, out->len - start,
				key, KEYFILE_KEY_LEN, f->key);
	if (!err)
		err = append_b64_line(out, "key", f->key, SEALED_LEN);
	wipe(kek, sizeof(kek));
	return err;
}

int keyfile_encode(enum keyfile_type type, const uint8_t key[static KEYFILE_KEY_LEN],
		   const char *pass, size_t pass_len, uint32_t iterations, struct buf *out)
{
	struct keyfile_fields f;
	size_t start = out->len;
	int err;

	if (type != KEYFILE_P256 && type != KEYFILE_X25519)
		return XE2E_E_UNSUPPORTED;
	if (pass && (iterations < KEYFILE_ITERATIONS_MIN || iterations > KEYFILE_ITERATIONS_MAX))
		return XE2E_E_LIMIT;
	memset(&f, 0, sizeof(f));
	f.iterations = iterations;
	err = buf_printf(out, MAGIC "\ntype: %s\nkdf: %s\n", keyfile_type_name(type),
			 pass ? KDF_PBKDF2 : KDF_NONE);
	if (!err && pass)
		err = encode_protected(&f, key, pass, pass_len, start, out);
	else if (!err)
		err = append_b64_line(out, "key", key, KEYFILE_KEY_LEN);
	if (err) {
		wipe(out->data + start, out->len - start);
		out->len = start;
	}
	wipe(&f, sizeof(f));
	return err;
}

static int malformed(const struct cursor *c, const char *what)
{
	err_detail_set("line %d: %s", c->line, what);
	return XE2E_E_MALFORMED;
}

/* The next line, without its "\n", which must be there. */
static int take_line(struct cursor *c, const char **line, size_t *len)
{
	const char *nl;

	c->line++;
	if (c->p == c->end)
		return malformed(c, "missing (truncated file?)");
	nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
	if (!nl)
		return malformed(c, "no newline at its end (truncated file?)");
	*line = c->p;
	*len = (size_t)(nl - c->p);
	c->p = nl + 1;
	return XE2E_OK;
}

/* The next line, which must be "name: value"; gives the value. */
static int take_field(struct cursor *c, const char *name, const char **value, size_t *len)
{
	size_t n = strlen(name);
	const char *line;
	size_t line_len;
	int err = take_line(c, &line, &line_len);

	if (err)
		return err;
	if (line_len < n + 2 || memcmp(line, name, n) != 0 || memcmp(line + n, ": ", 2) != 0) {
		err_detail_set("line %d: expected \"%s: \"", c->line, name);
		return XE2E_E_MALFORMED;
	}
	*value = line + n + 2;
	*len = line_len - n - 2;
	return XE2E_OK;
}

/* A field holding exactly n bytes of canonical base64. */
static int take_b64(struct cursor *c, const char *name, uint8_t *out, size_t n)
{
	const char *value;
	size_t len, got = 0;
	int err = take_field(c, name, &value, &len);

	if (err)
		return err;
	if (b64_decode(value, len, out, n, &got) != XE2E_OK || got != n) {
		wipe(out, n);
		err_detail_set("line %d: %s is not base64 of %zu bytes", c->line, name, n);
		return XE2E_E_MALFORMED;
	}
	return XE2E_OK;
}

static int parse_head(struct cursor *c, struct keyfile_fields *f)
{
	const char *v;
	size_t n;
	int err = take_line(c, &v, &n);

	if (err)
		return err;
	if (n != strlen(MAGIC) || memcmp(v, MAGIC, n) != 0)
		return malformed(c, "not an xe2e private key (expected \"" MAGIC "\")");
	err = take_field(c, "type", &v, &n);
	if (err)
		return err;
	if (type_from_name(v, n, &f->type) != XE2E_OK)
		return malformed(c, "unknown key type");
	err = take_field(c, "kdf", &v, &n);
	if (err)
		return err;
	if (n == strlen(KDF_NONE) && memcmp(v, KDF_NONE, n) == 0)
		f->protected = 0;
	else if (n == strlen(KDF_PBKDF2) && memcmp(v, KDF_PBKDF2, n) == 0)
		f->protected = 1;
	else
		return malformed(c, "unknown kdf");
	return XE2E_OK;
}

static int parse_kdf_params(struct cursor *c, struct keyfile_fields *f)
{
	const char *v;
	size_t n;
	int err = take_field(c, "iterations", &v, &n);

	if (err)
		return err;
	if (parse_u32(v, n, KEYFILE_ITERATIONS_MIN, KEYFILE_ITERATIONS_MAX, &f->iterations))
		return malformed(c, "iterations out of range");
	err = take_b64(c, "salt", f->salt, sizeof(f->salt));
	return err ? err : take_b64(c, "nonce", f->nonce, sizeof(f->nonce));
}

static int parse(const uint8_t *text, size_t len, struct keyfile_fields *f)
{
	struct cursor c = {(const char *)text, (const char *)text, (const char *)text + len, 0};
	int err;

	memset(f, 0, sizeof(*f));
	err = parse_head(&c, f);
	if (!err && f->protected)
		err = parse_kdf_params(&c, f);
	if (err)
		return err;
	f->ad_len = (size_t)(c.p - c.start);
	f->key_len = f->protected ? SEALED_LEN : KEYFILE_KEY_LEN;
	err = take_b64(&c, "key", f->key, f->key_len);
	if (!err && c.p != c.end) {
		c.line++;
		err = malformed(&c, "unexpected text after the key");
	}
	return err;
}

int keyfile_is_protected(const uint8_t *text, size_t len, int *protected)
{
	struct keyfile_fields f;
	int err = parse(text, len, &f);

	*protected = f.protected;
	wipe(&f, sizeof(f));
	return err;
}

static int unseal(const struct keyfile_fields *f, const uint8_t *text, const char *pass,
		  size_t pass_len, uint8_t key[static KEYFILE_KEY_LEN])
{
	uint8_t kek[AEAD_KEY_LEN];
	int err;

	if (!pass) {
		err_detail_set("the key is protected by a passphrase and none was given");
		return XE2E_E_PASSPHRASE;
	}
	err = derive_key(pass, pass_len, f->salt, f->iterations, kek);
	if (!err)
		err = aead_open(AEAD_AES256GCM, kek, f->nonce, text, f->ad_len, f->key, f->key_len, key);
	if (err == XE2E_E_AUTH) {
		err_detail_set("wrong passphrase, or the file was altered");
		err = XE2E_E_PASSPHRASE;
	}
	wipe(kek, sizeof(kek));
	return err;
}

int keyfile_decode(const uint8_t *text, size_t len, enum keyfile_type want, const char *pass,
		   size_t pass_len, uint8_t key[static KEYFILE_KEY_LEN])
{
	struct keyfile_fields f;
	int err = parse(text, len, &f);

	if (!err && f.type != want) {
		err_detail_set("holds a %s key, expected %s", keyfile_type_name(f.type),
			       keyfile_type_name(want));
		err = XE2E_E_MALFORMED;
	}
	if (!err && f.protected)
		err = unseal(&f, text, pass, pass_len, key);
	else if (!err)
		memcpy(key, f.key, KEYFILE_KEY_LEN);
	if (!err && ct_is_zero(key, KEYFILE_KEY_LEN)) {
		err_detail_set("the key is all zero");
		err = XE2E_E_WEAKKEY;
	}
	if (err)
		wipe(key, KEYFILE_KEY_LEN);
	wipe(&f, sizeof(f));
	return err;
}

/* Puts path in front of the detail a parser left. */
static void detail_prefix(const char *path)
{
	char detail[512];

	snprintf(detail, sizeof(detail), "%s", err_detail());
	err_detail_set("%s: %s", path, detail[0] ? detail : "invalid key file");
}

int keyfile_save(const char *path, enum keyfile_type type, const uint8_t key[static KEYFILE_KEY_LEN],
		 struct passphrase *pp)
{
	struct buf text = BUF_INIT;
	uint32_t iterations = 0;
	int protect = pp && passphrase_given(pp);
	int err = XE2E_OK;

	if (protect)
		err = keyfile_iterations(&iterations);
	if (!err && protect)
		err = passphrase_get(pp, path, 1);
	if (!err)
		err = keyfile_encode(type, key, protect ? pp->text : NULL, protect ? pp->len : 0,
				     iterations, &text);
	if (!err)
		err = store_create(path, text.data, text.len, 0600);
	buf_free(&text);
	return err;
}

int keyfile_open(const uint8_t *text, size_t len, const char *name, enum keyfile_type want,
		 struct passphrase *pp, uint8_t key[static KEYFILE_KEY_LEN], int *was_protected)
{
	int protected = 0;
	int err = keyfile_is_protected(text, len, &protected);

	if (err)
		detail_prefix(name);
	if (!err && protected && pp)
		err = passphrase_get(pp, name, 0);
	if (!err) {
		err = keyfile_decode(text, len, want, protected && pp ? pp->text : NULL,
				     protected && pp ? pp->len : 0, key);
		if (err)
			detail_prefix(name);
	}
	if (was_protected)
		*was_protected = protected;
	return err;
}

int keyfile_load(const char *path, enum keyfile_type want, struct passphrase *pp,
		 uint8_t key[static KEYFILE_KEY_LEN], int *was_protected)
{
	struct buf text = BUF_INIT;
	int err = store_read_file(path, KEYFILE_MAX_SIZE, 1, &text);

	if (!err)
		err = keyfile_open(text.data, text.len, path, want, pp, key, was_protected);
	buf_free(&text);
	return err;
}
