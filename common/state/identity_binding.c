/* Device bindings: the identity key's signed statement that ties a device
 * key to it, in its binary form (signed, carried in handshakes) and its
 * text form (identity.binding). See identity.h. */
#include "identity.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "decimal.h"
#include "encoding.h"
#include "err.h"
#include "util.h"

#define BINDING_MAGIC IDENTITY_BINDING_CONTEXT

int identity_binding_message(const struct device_binding *b, struct buf *out)
{
	uint8_t times[16];
	int err;

	put_be64(times, b->created);
	put_be64(times + 8, b->expires);
	err = buf_append_lp16(out, IDENTITY_BINDING_CONTEXT, strlen(IDENTITY_BINDING_CONTEXT));
	if (!err)
		err = buf_append_lp16(out, b->jid, strlen(b->jid));
	if (!err)
		err = buf_append_lp16(out, b->device_id, IDENTITY_DEVICE_ID_LEN);
	if (!err)
		err = buf_append_lp16(out, b->device_pub, X25519_LEN);
	if (!err)
		err = buf_append(out, times, sizeof(times));
	return err;
}

int identity_binding_sign(const struct p256_key *key, struct device_binding *b)
{
	struct buf msg = BUF_INIT;
	int err = identity_binding_message(b, &msg);

	if (!err)
		err = p256_sign(key, msg.data, msg.len, b->sig);
	buf_free(&msg);
	return err;
}

int identity_binding_verify_signature(const uint8_t id_pub[static P256_PUB_LEN],
				      const struct device_binding *b)
{
	struct buf msg = BUF_INIT;
	int err = identity_binding_message(b, &msg);

	if (!err)
		err = p256_verify(id_pub, msg.data, msg.len, b->sig);
	if (err == XE2E_E_AUTH)
		err_detail_set("the device binding's signature does not verify");
	buf_free(&msg);
	return err;
}

void identity_time_format(uint64_t t, char out[static IDENTITY_TIME_TEXT_LEN])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if ((uint64_t)tt != t || !gmtime_r(&tt, &tm) ||
	    strftime(out, IDENTITY_TIME_TEXT_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, IDENTITY_TIME_TEXT_LEN, "%llu", (unsigned long long)t);
}

int identity_binding_verify(const uint8_t id_pub[static P256_PUB_LEN],
			    const struct device_binding *b, uint64_t now)
{
	char when[IDENTITY_TIME_TEXT_LEN];
	int err = identity_binding_verify_signature(id_pub, b);

	if (err)
		return err;
	if (now >= b->expires) {
		identity_time_format(b->expires, when);
		err_detail_set("the device binding expired on %s", when);
		return XE2E_E_EXPIRED;
	}
	return XE2E_OK;
}

static int same_binding(const struct device_binding *a, const struct device_binding *b)
{
	return a->created == b->created && a->expires == b->expires &&
	       memcmp(a->device_pub, b->device_pub, X25519_LEN) == 0 &&
	       memcmp(a->sig, b->sig, P256_SIG_LEN) == 0;
}

int identity_binding_check_update(const struct device_binding *stored,
				  const struct device_binding *candidate, int *newer)
{
	*newer = 0;
	if (strcmp(stored->jid, candidate->jid) != 0 ||
	    memcmp(stored->device_id, candidate->device_id, IDENTITY_DEVICE_ID_LEN) != 0) {
		err_detail_set("the bindings are for different devices");
		return XE2E_E_TRUST;
	}
	if (same_binding(stored, candidate))
		return XE2E_OK;
	if (candidate->created > stored->created) {
		*newer = 1;
		return XE2E_OK;
	}
	err_detail_set("the device binding is superseded by a newer one");
	return XE2E_E_EXPIRED;
}

int identity_jid_normalize(const char *text, char out[static JID_MAX + 1])
{
	struct jid jid;
	int err = jid_parse(text, &jid);

	if (err)
		return err;
	if (!jid.local[0]) {
		err_detail_set("an identity's JID needs a localpart (user@domain)");
		return XE2E_E_MALFORMED;
	}
	jid_bare(&jid, out);
	return XE2E_OK;
}

/* What both forms require of a parsed binding. */
static int binding_check_fields(const struct device_binding *b)
{
	char norm[JID_MAX + 1];

	if (identity_jid_normalize(b->jid, norm) != XE2E_OK || strcmp(norm, b->jid) != 0) {
		err_detail_set("the binding's JID is not a normalised bare JID");
		return XE2E_E_MALFORMED;
	}
	if (b->created >= b->expires || b->expires > IDENTITY_TIME_MAX) {
		err_detail_set("the binding's validity period is invalid");
		return XE2E_E_MALFORMED;
	}
	if (ct_is_zero(b->device_pub, X25519_LEN)) {
		err_detail_set("the binding's device key is zero");
		return XE2E_E_WEAKKEY;
	}
	return XE2E_OK;
}

int identity_binding_encode(const struct device_binding *b, struct buf *out)
{
	uint8_t times[16];
	int err = buf_append_byte(out, IDENTITY_BINDING_VERSION);

	put_be64(times, b->created);
	put_be64(times + 8, b->expires);
	if (!err)
		err = buf_append_lp16(out, b->jid, strlen(b->jid));
	if (!err)
		err = buf_append(out, b->device_id, IDENTITY_DEVICE_ID_LEN);
	if (!err)
		err = buf_append(out, b->device_pub, X25519_LEN);
	if (!err)
		err = buf_append(out, times, sizeof(times));
	if (!err)
		err = buf_append(out, b->sig, P256_SIG_LEN);
	return err;
}

int identity_binding_decode(const uint8_t *data, size_t len, struct device_binding *b)
{
	const size_t fixed = IDENTITY_DEVICE_ID_LEN + X25519_LEN + 16 + P256_SIG_LEN;
	size_t jid_len;

	memset(b, 0, sizeof(*b));
	if (len < 3) {
		err_detail_set("device binding too short");
		return XE2E_E_MALFORMED;
	}
	if (data[0] != IDENTITY_BINDING_VERSION) {
		err_detail_set("device binding version %u", data[0]);
		return XE2E_E_UNSUPPORTED;
	}
	jid_len = load_be16(data + 1);
	if (jid_len == 0 || jid_len > JID_MAX || len != 3 + jid_len + fixed ||
	    memchr(data + 3, '\0', jid_len)) {
		err_detail_set("device binding has the wrong length");
		return XE2E_E_MALFORMED;
	}
	memcpy(b->jid, data + 3, jid_len);
	data += 3 + jid_len;
	memcpy(b->device_id, data, IDENTITY_DEVICE_ID_LEN);
	memcpy(b->device_pub, data + IDENTITY_DEVICE_ID_LEN, X25519_LEN);
	data += IDENTITY_DEVICE_ID_LEN + X25519_LEN;
	b->created = load_be64(data);
	b->expires = load_be64(data + 8);
	memcpy(b->sig, data + 16, P256_SIG_LEN);
	return binding_check_fields(b);
}

void identity_device_id_format(const uint8_t id[static IDENTITY_DEVICE_ID_LEN],
			       char out[static IDENTITY_DEVICE_ID_TEXT_LEN])
{
	hex_encode(id, IDENTITY_DEVICE_ID_LEN, out);
}

static int append_b64_field(struct buf *out, const char *name, const uint8_t *data, size_t n)
{
	char text[128];
	int err = b64_encode(data, n, text, sizeof(text));

	return err ? err : buf_printf(out, "%s: %s\n", name, text);
}

int identity_binding_format(const struct device_binding *b, struct buf *out)
{
	char id[IDENTITY_DEVICE_ID_TEXT_LEN];
	int err;

	identity_device_id_format(b->device_id, id);
	err = buf_printf(out, BINDING_MAGIC "\njid: %s\ndevice-id: %s\n", b->jid, id);
	if (!err)
		err = append_b64_field(out, "device-key", b->device_pub, X25519_LEN);
	if (!err)
		err = buf_printf(out, "created: %llu\nexpires: %llu\n",
				 (unsigned long long)b->created, (unsigned long long)b->expires);
	if (!err)
		err = append_b64_field(out, "signature", b->sig, P256_SIG_LEN);
	return err;
}

/* A line-by-line reader of the text form. */
struct lines {
	const char *p, *end;
	int line;
};

static int lines_error(const struct lines *l, const char *what)
{
	err_detail_set("line %d: %s", l->line, what);
	return XE2E_E_MALFORMED;
}

/* The next line, which must be "name: value\n" (or exactly the magic line
 * when name is NULL); gives the value. */
static int lines_field(struct lines *l, const char *name, const char **value, size_t *len)
{
	const char *nl;
	size_t n = name ? strlen(name) : 0, line_len;

	l->line++;
	nl = l->p < l->end ? memchr(l->p, '\n', (size_t)(l->end - l->p)) : NULL;
	if (!nl)
		return lines_error(l, "missing or without newline (truncated file?)");
	line_len = (size_t)(nl - l->p);
	if (!name) {
		if (line_len != strlen(BINDING_MAGIC) || memcmp(l->p, BINDING_MAGIC, line_len) != 0)
			return lines_error(l, "not a device binding (expected \"" BINDING_MAGIC "\")");
	} else if (line_len < n + 2 || memcmp(l->p, name, n) != 0 || memcmp(l->p + n, ": ", 2) != 0) {
		err_detail_set("line %d: expected \"%s: \"", l->line, name);
		return XE2E_E_MALFORMED;
	}
	*value = l->p + n + 2;
	*len = line_len - n - 2;
	l->p = nl + 1;
	return XE2E_OK;
}

static int lines_b64(struct lines *l, const char *name, uint8_t *out, size_t n)
{
	const char *v;
	size_t len, got = 0;
	int err = lines_field(l, name, &v, &len);

	if (err)
		return err;
	if (b64_decode(v, len, out, n, &got) != XE2E_OK || got != n)
		return lines_error(l, "not base64 of the right length");
	return XE2E_OK;
}

static int lines_time(struct lines *l, const char *name, uint64_t *t)
{
	const char *v;
	size_t len;
	int err = lines_field(l, name, &v, &len);

	if (err)
		return err;
	/* twelve digits at most, as written: 999999999999 is year 31690 */
	if (decimal_parse(v, len, UINT64_C(999999999999), t))
		return lines_error(l, "not a time in UNIX seconds");
	return XE2E_OK;
}

/* 1 when s holds n lower-case hex digits: the one spelling the text form
 * writes (hex_decode() also takes upper case). */
static int is_lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int lines_jid_and_id(struct lines *l, struct device_binding *b)
{
	const char *v;
	size_t len;
	int err = lines_field(l, "jid", &v, &len);

	if (err)
		return err;
	if (len == 0 || len > JID_MAX || memchr(v, '\0', len))
		return lines_error(l, "invalid JID");
	memcpy(b->jid, v, len);
	err = lines_field(l, "device-id", &v, &len);
	if (!err && (len != 2 * IDENTITY_DEVICE_ID_LEN || !is_lower_hex(v, len) ||
		     hex_decode(v, len, b->device_id, IDENTITY_DEVICE_ID_LEN) != XE2E_OK))
		err = lines_error(l, "the device id is not 8 lower-case hex digits");
	return err;
}

int identity_binding_parse(const uint8_t *text, size_t len, struct device_binding *b)
{
	struct lines l = {(const char *)text, (const char *)text + len, 0};
	const char *v;
	size_t n;
	int err;

	memset(b, 0, sizeof(*b));
	err = lines_field(&l, NULL, &v, &n);
	if (!err)
		err = lines_jid_and_id(&l, b);
	if (!err)
		err = lines_b64(&l, "device-key", b->device_pub, X25519_LEN);
	if (!err)
		err = lines_time(&l, "created", &b->created);
	if (!err)
		err = lines_time(&l, "expires", &b->expires);
	if (!err)
		err = lines_b64(&l, "signature", b->sig, P256_SIG_LEN);
	if (!err && l.p != l.end) {
		l.line++;
		err = lines_error(&l, "unexpected text after the signature");
	}
	return err ? err : binding_check_fields(b);
}
