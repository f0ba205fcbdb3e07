/* OpenPGP credentials: the statement, user ids, the file (openpgp_cred.h). */
#include "openpgp_cred.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "err.h"
#include "textrec.h"
#include "util.h"

#define FILE_MAGIC "xe2e openpgp-credential v1"
#define URI_PREFIX "xmpp:"

void openpgp_cred_free(struct openpgp_cred *c)
{
	buf_free(&c->key);
	buf_free(&c->sig);
	c->fpr[0] = '\0';
	c->created = 0;
}

int openpgp_statement(const char *jid, const uint8_t id_fpr[static FINGERPRINT_LEN],
		      uint64_t created, struct buf *out)
{
	static const char context[] = OPENPGP_STATEMENT_CONTEXT;
	uint8_t when[8];
	int err = buf_append_lp16(out, context, sizeof(context) - 1);

	put_be64(when, created);
	if (!err)
		err = buf_append_lp16(out, jid, strlen(jid));
	if (!err)
		err = buf_append(out, id_fpr, FINGERPRINT_LEN);
	return err ? err : buf_append(out, when, sizeof(when));
}

/* ---- user ids ---- */

/* The address an xmpp: user id holds: all of it, or what <...> ends it with. */
static int uid_address(const char *uid, const char **addr, size_t *len)
{
	size_t n = strlen(uid);
	const char *open;

	if (n > 0 && uid[n - 1] == '>' && (open = strrchr(uid, '<'))) {
		*addr = open + 1;
		*len = (size_t)(uid + n - 1 - *addr);
	} else {
		*addr = uid;
		*len = n;
	}
	if (*len <= strlen(URI_PREFIX) || strncmp(*addr, URI_PREFIX, strlen(URI_PREFIX)) != 0)
		return XE2E_E_NOTFOUND;
	*addr += strlen(URI_PREFIX);
	*len -= strlen(URI_PREFIX);
	return XE2E_OK;
}

int openpgp_uid_jid(const char *uid, char jid[static JID_MAX + 1])
{
	char text[JID_MAX + 1];
	const char *addr;
	size_t len;
	struct jid j;
	int err = uid_address(uid, &addr, &len);

	if (err)
		return err;
	if (len > JID_MAX || memchr(addr, '/', len) || memchr(addr, '?', len)) {
		err_detail_set("the user id's xmpp: address is not a bare JID");
		return XE2E_E_MALFORMED;
	}
	memcpy(text, addr, len);
	text[len] = '\0';
	if (jid_parse(text, &j) || !j.local[0]) {
		err_detail_set("the user id's xmpp: address is not a bare JID");
		return XE2E_E_MALFORMED;
	}
	jid_bare(&j, jid);
	return XE2E_OK;
}

int openpgp_uid_names(const char *uid, const char *jid)
{
	char named[JID_MAX + 1];
	int err = openpgp_uid_jid(uid, named);

	err_detail_clear();
	return !err && strcmp(named, jid) == 0;
}

int openpgp_fpr_check(const char *text)
{
	if (strlen(text) != OPENPGP_FPR_HEX_LEN ||
	    strspn(text, "0123456789ABCDEF") != OPENPGP_FPR_HEX_LEN) {
		err_detail_set("not an OpenPGP fingerprint (40 upper-case hex digits)");
		return XE2E_E_MALFORMED;
	}
	return XE2E_OK;
}

/* ---- the file ---- */

static int append_b64_line(struct buf *out, const char *name, const struct buf *data)
{
	size_t size = b64_encoded_size(data->len);
	char *text = malloc(size);
	int err = text ? b64_encode(data->data, data->len, text, size) : XE2E_E_NOMEM;

	if (!err)
		err = buf_printf(out, "%s: %s\n", name, text);
	free(text);
	return err;
}

int openpgp_cred_format(const struct openpgp_cred *c, const char *jid,
			const uint8_t id_fpr[static FINGERPRINT_LEN], struct buf *out)
{
	char hex[2 * FINGERPRINT_LEN + 1];
	int err;

	hex_encode(id_fpr, FINGERPRINT_LEN, hex);
	err = buf_printf(out, FILE_MAGIC "\njid: %s\nidentity: %s\nopenpgp: %s\ncreated: %llu\n",
			 jid, hex, c->fpr, (unsigned long long)c->created);
	if (!err)
		err = append_b64_line(out, "key", &c->key);
	return err ? err : append_b64_line(out, "signature", &c->sig);
}

/* A line-by-line reader of the file. */
struct lines {
	struct textrec at;
	const char *p, *end;
	char value[JID_MAX + 1]; /* the value of the last short field */
};

/* The next line, "name: value"; a NULL name is the magic line. */
static int next_line(struct lines *l, const char *name, const char **value, size_t *len)
{
	const char *nl = l->p < l->end ? memchr(l->p, '\n', (size_t)(l->end - l->p)) : NULL;
	size_t n = name ? strlen(name) : 0, line_len;

	l->at.line++;
	if (!nl)
		return textrec_fail(&l->at, "missing or without newline (truncated file?)");
	line_len = (size_t)(nl - l->p);
	if (!name && (line_len != strlen(FILE_MAGIC) || memcmp(l->p, FILE_MAGIC, line_len)))
		return textrec_fail(&l->at, "not an OpenPGP credential (expected \"%s\")",
				    FILE_MAGIC);
	if (name && (line_len < n + 2 || memcmp(l->p, name, n) || memcmp(l->p + n, ": ", 2)))
		return textrec_fail(&l->at, "expected \"%s: \"", name);
	*value = l->p + n + 2;
	*len = name ? line_len - n - 2 : 0;
	l->p = nl + 1;
	return XE2E_OK;
}

/* A short field, NUL-terminated into l->value; no control characters. */
static int short_field(struct lines *l, const char *name)
{
	const char *v;
	size_t len;
	int err = next_line(l, name, &v, &len);

	if (err)
		return err;
	if (len == 0 || len > JID_MAX)
		return textrec_fail(&l->at, "empty or too long");
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)v[i] < ' ' || v[i] == 0x7f)
			return textrec_fail(&l->at, "control character");
	memcpy(l->value, v, len);
	l->value[len] = '\0';
	return XE2E_OK;
}

static int b64_field(struct lines *l, const char *name, size_t max, struct buf *out)
{
	const char *v;
	size_t len, got = 0;
	int err = next_line(l, name, &v, &len);

	if (!err)
		err = buf_reserve(out, max);
	if (err)
		return err;
	if (b64_decode(v, len, out->data, max, &got) != XE2E_OK || got == 0)
		return textrec_fail(&l->at, "not base64 of 1 to %zu bytes", max);
	out->len = got;
	return XE2E_OK;
}

static int parse_head(struct lines *l, struct openpgp_cred *c, char jid[static JID_MAX + 1],
		      uint8_t id_fpr[static FINGERPRINT_LEN])
{
	char normal[JID_MAX + 1];
	const char *v;
	size_t len;
	int err = next_line(l, NULL, &v, &len);

	if (!err && !(err = short_field(l, "jid")) &&
	    (jid_normalize_bare(l->value, normal) || strcmp(normal, l->value)))
		err = textrec_fail(&l->at, "not a normalised bare JID");
	if (!err)
		strcpy(jid, l->value);
	if (!err && !(err = short_field(l, "identity")) && textrec_hex(l->value, id_fpr,
								       FINGERPRINT_LEN))
		err = textrec_fail(&l->at, "not 64 lower-case hex digits");
	if (!err && !(err = short_field(l, "openpgp")) && openpgp_fpr_check(l->value))
		err = textrec_fail(&l->at, "not 40 upper-case hex digits");
	if (!err)
		strcpy(c->fpr, l->value);
	if (!err && !(err = short_field(l, "created")) && textrec_u64(l->value, &c->created))
		err = textrec_fail(&l->at, "not a time in UNIX seconds");
	return err;
}

int openpgp_cred_parse(const uint8_t *text, size_t len, struct openpgp_cred *c,
		       char jid[static JID_MAX + 1], uint8_t id_fpr[static FINGERPRINT_LEN])
{
	struct lines *l = malloc(sizeof(*l));
	int err = l ? XE2E_OK : XE2E_E_NOMEM;

	if (l) {
		l->at = (struct textrec){OPENPGP_FILE, 0};
		l->p = (const char *)text;
		l->end = (const char *)text + len;
		err = parse_head(l, c, jid, id_fpr);
	}
	if (!err)
		err = b64_field(l, "key", OPENPGP_KEY_MAX, &c->key);
	if (!err)
		err = b64_field(l, "signature", OPENPGP_SIG_MAX, &c->sig);
	if (!err && l->p != l->end) {
		l->at.line++;
		err = textrec_fail(&l->at, "unexpected text after the signature");
	}
	free(l);
	if (err)
		openpgp_cred_free(c);
	return err;
}
