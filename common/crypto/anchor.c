/* X.509 trust anchors and chain verification (see anchor.h). */
#include "anchor.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "encoding.h"
#include "err.h"
#include "util.h"
#include "x509.h"

/* id-on-xmppAddr, 1.3.6.1.5.5.7.8.5 (RFC 6120 section 13.7.1.4). */
#define OID_ON_XMPPADDR MBEDTLS_OID_ON "\x05"
#define TAG_OTHER_NAME (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0)
#define TAG_URI (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 6)
#define XMPP_URI_PREFIX "xmpp:"
#define PEM_END "-----END CERTIFICATE-----"
#define PEM_LINE 64
/* Levels of a verified chain: the leaf, intermediates, the anchor. */
#define DEPTH_MAX (ANCHOR_CHAIN_MAX + 2)
#define SUFFIX_LEN 4 /* ".pem" */

/* Only P-256 keys and ECDSA with SHA-2, at every level of a chain. */
static const mbedtls_x509_crt_profile anchor_profile = {
	MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA256) | MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA384) |
		MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA512),
	MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_ECKEY) | MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_ECDSA),
	MBEDTLS_X509_ID_FLAG(MBEDTLS_ECP_DP_SECP256R1),
	2048,
};

_Static_assert(X509_CHAIN_CERTS_MAX == ANCHOR_CHAIN_MAX, "an identity's chain is an anchor chain");

/* ---- small helpers ---- */

/* UNIX seconds of an X.509 time; times before 1970 count as 0. */
static uint64_t x509_time_unix(const mbedtls_x509_time *t)
{
	return x509_time_to_unix(t->year, t->mon, t->day, t->hour, t->min, t->sec);
}

/* Exactly one certificate, PEM or DER. */
static int parse_one(mbedtls_x509_crt *crt, const uint8_t *data, size_t len)
{
	int err;

	if (len > ANCHOR_CERT_MAX) {
		err_detail_set("certificate file larger than %d bytes", ANCHOR_CERT_MAX);
		return XE2E_E_LIMIT;
	}
	err = x509_is_pem(data, len) ? x509_pem_parse(crt, data, len) : x509_der_list_parse(crt, data, len, 1);
	if (!err && x509_crt_count(crt) != 1) {
		err_detail_set("more than one certificate (an anchor is one CA certificate)");
		err = XE2E_E_MALFORMED;
	}
	return err;
}

static void crt_subject(const mbedtls_x509_crt *crt, char out[static ANCHOR_SUBJECT_MAX])
{
	if (mbedtls_x509_dn_gets(out, ANCHOR_SUBJECT_MAX, &crt->subject) < 0)
		strcpy(out, "?");
}

/* The CA properties an anchor needs, and its description. */
static int ca_check(const mbedtls_x509_crt *crt, struct anchor_info *info)
{
	uint8_t pub[P256_PUB_LEN];
	int err;

	memset(info, 0, sizeof(*info));
	crt_subject(crt, info->subject);
	if (crt->version != 3 || !crt->ca_istrue) {
		err_detail_set("not a CA certificate (%s has no basicConstraints CA:TRUE)",
			       info->subject);
		return XE2E_E_TRUST;
	}
	if (mbedtls_x509_crt_check_key_usage(crt, MBEDTLS_X509_KU_KEY_CERT_SIGN) != 0) {
		err_detail_set("not a CA certificate (the keyUsage of %s lacks keyCertSign)",
			       info->subject);
		return XE2E_E_TRUST;
	}
	if ((err = x509_crt_p256(crt, "the CA's", pub)) || (err = p256_fingerprint(pub, info->fpr)))
		return err;
	info->not_before = x509_time_unix(&crt->valid_from);
	info->not_after = x509_time_unix(&crt->valid_to);
	return XE2E_OK;
}

/* Appends the PEM of a DER certificate, 64 characters a line. */
static int pem_encode(const uint8_t *der, size_t len, struct buf *out)
{
	size_t size = b64_encoded_size(len);
	char *b64 = malloc(size);
	int err = b64 ? b64_encode(der, len, b64, size) : XE2E_E_NOMEM;
	size_t n = b64 ? strlen(b64) : 0;

	if (!err)
		err = buf_append_str(out, X509_PEM_BEGIN "\n");
	for (size_t i = 0; !err && i < n; i += PEM_LINE) {
		err = buf_append(out, b64 + i, n - i < PEM_LINE ? n - i : PEM_LINE);
		if (!err)
			err = buf_append_byte(out, '\n');
	}
	if (!err)
		err = buf_append_str(out, PEM_END "\n");
	free(b64);
	return err;
}

/* ---- names and paths ---- */

int anchor_default_dir(char out[static STORE_PATH_MAX])
{
	return store_path(STORE_DATA, ANCHOR_DIR_NAME, out);
}

int anchor_name_check(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > ANCHOR_NAME_MAX || name[0] == '.' || name[0] == '-' ||
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != n) {
		err_detail_set("bad anchor name \"%.80s\": 1 to %d of A-Z a-z 0-9 . _ -, "
			       "not starting with . or -", name, ANCHOR_NAME_MAX);
		return XE2E_E_MALFORMED;
	}
	return XE2E_OK;
}

int anchor_name_from_file(const char *file, char out[static ANCHOR_NAME_MAX + 1])
{
	static const char *const suffixes[] = {".pem", ".crt", ".cer", ".der"};
	const char *slash = strrchr(file, '/');
	const char *base = slash ? slash + 1 : file;
	size_t n = strlen(base);

	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
		if (n > SUFFIX_LEN && strcmp(base + n - SUFFIX_LEN, suffixes[i]) == 0) {
			n -= SUFFIX_LEN;
			break;
		}
	}
	if (n > ANCHOR_NAME_MAX) {
		err_detail_set("the file name is too long for an anchor name: give a NAME");
		return XE2E_E_MALFORMED;
	}
	memcpy(out, base, n);
	out[n] = '\0';
	return anchor_name_check(out);
}

static int resolve_dir(const char *dir, char out[static STORE_PATH_MAX])
{
	if (!dir)
		return anchor_default_dir(out);
	if (strlen(dir) >= STORE_PATH_MAX)
		return XE2E_E_LIMIT;
	strcpy(out, dir);
	return XE2E_OK;
}

static int anchor_file(const char *dir, const char *name, char out[static STORE_PATH_MAX])
{
	int n = snprintf(out, STORE_PATH_MAX, "%s/%s.pem", dir, name);

	return n < 0 || n >= STORE_PATH_MAX ? XE2E_E_LIMIT : XE2E_OK;
}

/* ---- the directory ---- */

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The NAME of an entry "NAME.pem" with a valid name, or 0. */
static int entry_name(const char *entry, char out[static ANCHOR_NAME_MAX + 1])
{
	size_t n = strlen(entry);

	if (n <= SUFFIX_LEN || n - SUFFIX_LEN > ANCHOR_NAME_MAX ||
	    strcmp(entry + n - SUFFIX_LEN, ".pem") != 0)
		return 0;
	memcpy(out, entry, n - SUFFIX_LEN);
	out[n - SUFFIX_LEN] = '\0';
	return anchor_name_check(out) == XE2E_OK;
}

static int names_push(char ***names, size_t *n, const char *name)
{
	char **grown = realloc(*names, (*n + 1) * sizeof(**names));

	if (!grown)
		return XE2E_E_NOMEM;
	*names = grown;
	if (!(grown[*n] = strdup(name)))
		return XE2E_E_NOMEM;
	(*n)++;
	return XE2E_OK;
}

/* The sorted names of the anchors in dir; a missing dir has none. */
static int scan_names(const char *dir, char ***names, size_t *n)
{
	char name[ANCHOR_NAME_MAX + 1];
	struct dirent *e;
	DIR *d = opendir(dir);
	int err = XE2E_OK;

	*names = NULL;
	*n = 0;
	if (!d && errno == ENOENT)
		return XE2E_OK;
	if (!d) {
		err_detail_set("cannot open %s: %s", dir, strerror(errno));
		return XE2E_E_IO;
	}
	while (!err && (e = readdir(d)))
		if (entry_name(e->d_name, name))
			err = names_push(names, n, name);
	closedir(d);
	if (err) {
		names_free(*names, *n);
		*names = NULL;
		*n = 0;
		return err;
	}
	if (*n > 1)
		qsort(*names, *n, sizeof(**names), name_cmp);
	return XE2E_OK;
}

/* Reads anchor name of dir into crt (appended) and checks it; info may be NULL. */
static int load_anchor(const char *dir, const char *name, mbedtls_x509_crt *crt,
		       struct anchor_info *info)
{
	char path[STORE_PATH_MAX];
	struct anchor_info tmp;
	struct buf raw = BUF_INIT;
	mbedtls_x509_crt one;
	int err = anchor_file(dir, name, path);

	mbedtls_x509_crt_init(&one);
	if (!err)
		err = store_read_file(path, ANCHOR_CERT_MAX, 0, &raw);
	if (!err)
		err = parse_one(&one, raw.data, raw.len);
	if (!err)
		err = ca_check(&one, info ? info : &tmp);
	if (!err && crt && mbedtls_x509_crt_parse_der(crt, one.raw.p, one.raw.len) != 0)
		err = XE2E_E_CRYPTO;
	if (err) {
		char why[200];

		snprintf(why, sizeof(why), "%s", err_detail());
		err_detail_set("anchor %s: %s", path, why);
	}
	if (!err && info)
		snprintf(info->name, sizeof(info->name), "%s", name);
	mbedtls_x509_crt_free(&one);
	buf_free(&raw);
	return err;
}

int anchor_list(const char *dir, struct anchor_info **list, size_t *n)
{
	char path[STORE_PATH_MAX];
	char **names = NULL;
	size_t count = 0;
	int err = resolve_dir(dir, path);

	*list = NULL;
	*n = 0;
	if (!err)
		err = scan_names(path, &names, &count);
	if (err)
		return err;
	if (count && !(*list = calloc(count, sizeof(**list))))
		err = XE2E_E_NOMEM;
	for (size_t i = 0; !err && i < count; i++)
		err = load_anchor(path, names[i], NULL, &(*list)[i]);
	names_free(names, count);
	if (err) {
		free(*list);
		*list = NULL;
		return err;
	}
	*n = count;
	return XE2E_OK;
}

/* ---- adding and removing ---- */

static int check_time(const struct anchor_info *info, uint64_t now)
{
	char when[32];

	if (now < info->not_before || now > info->not_after) {
		snprintf(when, sizeof(when), "%llu",
			 (unsigned long long)(now < info->not_before ? info->not_before
								    : info->not_after));
		err_detail_set("the certificate %s is %s (UNIX time %s)", info->subject,
			       now < info->not_before ? "not valid before" : "expired since", when);
		return XE2E_E_EXPIRED;
	}
	return XE2E_OK;
}

int anchor_cert_check(const uint8_t *data, size_t len, uint64_t now, struct anchor_info *info,
		      struct buf *der)
{
	mbedtls_x509_crt crt;
	int err;

	mbedtls_x509_crt_init(&crt);
	err = parse_one(&crt, data, len);
	if (!err)
		err = ca_check(&crt, info);
	if (!err)
		err = check_time(info, now);
	if (!err && der)
		err = buf_append(der, crt.raw.p, crt.raw.len);
	mbedtls_x509_crt_free(&crt);
	return err;
}

/* XE2E_E_EXISTS when another name holds the same certificate. */
static int check_duplicate(const char *dir, const char *name, const struct buf *der)
{
	char **names = NULL;
	size_t count = 0;
	int err = scan_names(dir, &names, &count);

	for (size_t i = 0; !err && i < count; i++) {
		mbedtls_x509_crt crt;

		if (strcmp(names[i], name) == 0)
			continue;
		mbedtls_x509_crt_init(&crt);
		err = load_anchor(dir, names[i], &crt, NULL);
		if (!err && crt.raw.len == der->len && memcmp(crt.raw.p, der->data, der->len) == 0) {
			err_detail_set("this certificate is already anchor %s", names[i]);
			err = XE2E_E_EXISTS;
		}
		mbedtls_x509_crt_free(&crt);
	}
	names_free(names, count);
	return err;
}

/* Writes the anchor unless the same certificate is there already. */
static int write_anchor(const char *dir, const char *name, const struct buf *der)
{
	char path[STORE_PATH_MAX];
	struct buf pem = BUF_INIT, old = BUF_INIT;
	int err = anchor_file(dir, name, path);

	if (!err)
		err = pem_encode(der->data, der->len, &pem);
	if (!err && store_exists(path)) {
		err = store_read_file(path, ANCHOR_CERT_MAX, 0, &old);
		if (!err && (old.len != pem.len || memcmp(old.data, pem.data, pem.len) != 0)) {
			err_detail_set("anchor %s exists with another certificate: remove it first",
				       name);
			err = XE2E_E_EXISTS;
		}
	} else if (!err) {
		err = store_write_atomic(path, pem.data, pem.len, 0644);
	}
	buf_free(&pem);
	buf_free(&old);
	return err;
}

static int lock_dir(const char *dir, struct store_lock *lock)
{
	char path[STORE_PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s.lock", dir);

	if (n < 0 || n >= (int)sizeof(path))
		return XE2E_E_LIMIT;
	return store_lock(path, lock);
}

static int prepare_dir(const char *dir, char out[static STORE_PATH_MAX])
{
	int err;

	if (!dir && (err = store_ensure_dir(STORE_DATA)))
		return err;
	if ((err = resolve_dir(dir, out)))
		return err;
	return store_mkdir(out);
}

int anchor_add(const char *dir, const char *name, const uint8_t *data, size_t len, uint64_t now,
	       struct anchor_info *info)
{
	char path[STORE_PATH_MAX];
	struct anchor_info tmp;
	struct buf der = BUF_INIT;
	struct store_lock lock;
	int err = anchor_name_check(name);

	if (!info)
		info = &tmp;
	if (!err)
		err = anchor_cert_check(data, len, now, info, &der);
	if (!err)
		err = prepare_dir(dir, path);
	if (!err && !(err = lock_dir(path, &lock))) {
		err = check_duplicate(path, name, &der);
		if (!err)
			err = write_anchor(path, name, &der);
		store_unlock(&lock);
	}
	if (!err)
		snprintf(info->name, sizeof(info->name), "%s", name);
	buf_free(&der);
	return err;
}

int anchor_remove(const char *dir, const char *name)
{
	char path[STORE_PATH_MAX], file[STORE_PATH_MAX];
	struct store_lock lock;
	int err = anchor_name_check(name);

	if (!err)
		err = resolve_dir(dir, path);
	if (!err)
		err = anchor_file(path, name, file);
	if (err)
		return err;
	if (!store_exists(file)) {
		err_detail_set("no anchor %s", name);
		return XE2E_E_NOTFOUND;
	}
	if ((err = lock_dir(path, &lock)))
		return err;
	if (!store_exists(file)) {
		err_detail_set("no anchor %s", name);
		err = XE2E_E_NOTFOUND;
	} else {
		err = store_remove(file);
	}
	store_unlock(&lock);
	return err;
}

/* ---- chains ---- */

int anchor_chain_from_file(const uint8_t *data, size_t len, struct buf *der)
{
	return x509_chain_from_file(data, len, ANCHOR_CHAIN_MAX, der);
}

/* A name from a certificate as a normalised bare JID, or 0 when it is not one. */
static int name_as_jid(const unsigned char *p, size_t len, char out[static JID_MAX + 1])
{
	char text[JID_MAX + 1];
	struct jid j;

	if (len == 0 || len > JID_MAX || memchr(p, '\0', len))
		return 0;
	memcpy(text, p, len);
	text[len] = '\0';
	if (jid_parse(text, &j) != XE2E_OK || j.resource[0] != '\0') {
		err_detail_clear();
		return 0;
	}
	jid_bare(&j, out);
	return 1;
}

/* The JID in an otherName SAN when it is an id-on-xmppAddr, else 0. */
static int san_xmpp_addr(const mbedtls_x509_buf *san, char out[static JID_MAX + 1])
{
	unsigned char *p = san->p, *end = san->p + san->len;
	size_t len;

	if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_OID) != 0 ||
	    len != MBEDTLS_OID_SIZE(OID_ON_XMPPADDR) || memcmp(p, OID_ON_XMPPADDR, len) != 0)
		return 0;
	p += len;
	if (mbedtls_asn1_get_tag(&p, end, &len, TAG_OTHER_NAME) != 0 || p + len != end ||
	    mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_UTF8_STRING) != 0 || p + len != end)
		return 0;
	return name_as_jid(p, len, out);
}

/* The JID in a URI SAN "xmpp:JID", else 0. */
static int san_xmpp_uri(const mbedtls_x509_buf *san, char out[static JID_MAX + 1])
{
	size_t n = strlen(XMPP_URI_PREFIX);

	if (san->len <= n || memcmp(san->p, XMPP_URI_PREFIX, n) != 0)
		return 0;
	return name_as_jid(san->p + n, san->len - n, out);
}

/*
 * Calls match(jid, ctx) for each JID the certificate names, in the order
 * anchor.h gives, until it returns non-zero; returns that, or 0.
 */
static int crt_each_jid(const mbedtls_x509_crt *crt, int (*match)(const char *, void *), void *ctx)
{
	char jid[JID_MAX + 1];
	const mbedtls_x509_sequence *s;
	int hit = 0;

	for (s = &crt->subject_alt_names; !hit && s && s->buf.p; s = s->next)
		if (s->buf.tag == TAG_OTHER_NAME && san_xmpp_addr(&s->buf, jid))
			hit = match(jid, ctx);
	for (s = &crt->subject_alt_names; !hit && s && s->buf.p; s = s->next)
		if (s->buf.tag == TAG_URI && san_xmpp_uri(&s->buf, jid))
			hit = match(jid, ctx);
	if (hit || (crt->ext_types & MBEDTLS_X509_EXT_SUBJECT_ALT_NAME))
		return hit;
	for (const mbedtls_x509_name *n = &crt->subject; !hit && n && n->oid.p; n = n->next)
		if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0 &&
		    name_as_jid(n->val.p, n->val.len, jid))
			hit = match(jid, ctx);
	return hit;
}

static int match_first(const char *jid, void *ctx)
{
	strcpy(ctx, jid);
	return 1;
}

static int match_equal(const char *jid, void *ctx)
{
	return strcmp(jid, ctx) == 0;
}

int anchor_leaf_jid(const uint8_t *chain, size_t len, char jid[static JID_MAX + 1])
{
	mbedtls_x509_crt crt;
	int err;

	mbedtls_x509_crt_init(&crt);
	err = x509_der_list_parse(&crt, chain, len, ANCHOR_CHAIN_MAX);
	if (!err && !crt_each_jid(&crt, match_first, jid)) {
		err_detail_set("the certificate names no JID (no id-on-xmppAddr or xmpp: URI)"
			       X509_JID_HINT);
		err = XE2E_E_MALFORMED;
	}
	mbedtls_x509_crt_free(&crt);
	return err;
}

/* What the verification callback saw at each level of the chain. */
struct verify_ctx {
	uint64_t now;
	int depth;                   /* levels seen */
	const mbedtls_x509_crt *crt[DEPTH_MAX];
	uint32_t flags[DEPTH_MAX];
};

/* Replaces mbedTLS's own clock with the caller's, and records each level. */
static int verify_cb(void *p, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	struct verify_ctx *v = p;

	*flags &= ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
	if (v->now > x509_time_unix(&crt->valid_to))
		*flags |= MBEDTLS_X509_BADCERT_EXPIRED;
	if (v->now < x509_time_unix(&crt->valid_from))
		*flags |= MBEDTLS_X509_BADCERT_FUTURE;
	if (depth >= 0 && depth < DEPTH_MAX) {
		v->crt[depth] = crt;
		v->flags[depth] = *flags;
		if (depth + 1 > v->depth)
			v->depth = depth + 1;
	}
	return 0;
}

static const char *flags_reason(uint32_t flags)
{
	if (flags & MBEDTLS_X509_BADCERT_EXPIRED)
		return "has expired";
	if (flags & MBEDTLS_X509_BADCERT_FUTURE)
		return "is not valid yet";
	if (flags & (MBEDTLS_X509_BADCERT_BAD_KEY | MBEDTLS_X509_BADCERT_BAD_PK |
		     MBEDTLS_X509_BADCERT_BAD_MD))
		return "uses a key or signature other than P-256 with ECDSA and SHA-2";
	if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED)
		return "does not lead to a configured anchor through CA certificates";
	if (flags & (MBEDTLS_X509_BADCERT_KEY_USAGE | MBEDTLS_X509_BADCERT_EXT_KEY_USAGE))
		return "is not allowed for this use";
	return "did not verify";
}

static int chain_refused(const struct verify_ctx *v, uint32_t flags)
{
	char subject[ANCHOR_SUBJECT_MAX];
	int depth = 0;

	while (depth < v->depth && !v->flags[depth])
		depth++;
	if (depth == v->depth || !v->crt[depth]) {
		err_detail_set("the certificate chain %s", flags_reason(flags));
		return XE2E_E_TRUST;
	}
	crt_subject(v->crt[depth], subject);
	err_detail_set("%s certificate (%s) %s",
		       depth == 0 ? "the leaf" : depth == v->depth - 1 ? "the anchor" : "an intermediate",
		       subject, flags_reason(v->flags[depth]));
	return XE2E_E_TRUST;
}

/* The anchors of dir, parsed, with their names in the same order. */
struct anchor_set {
	mbedtls_x509_crt cas;
	char **names;
	size_t n;
};

static int set_load(const char *dir, struct anchor_set *set)
{
	char path[STORE_PATH_MAX];
	int err = resolve_dir(dir, path);

	mbedtls_x509_crt_init(&set->cas);
	set->names = NULL;
	set->n = 0;
	if (!err)
		err = scan_names(path, &set->names, &set->n);
	for (size_t i = 0; !err && i < set->n; i++)
		err = load_anchor(path, set->names[i], &set->cas, NULL);
	if (!err && set->n == 0) {
		err_detail_set("no X.509 anchors are configured (%s)",
			       err_advice(ERR_ADVICE_ADD_ANCHOR));
		err = XE2E_E_TRUST;
	}
	return err;
}

static void set_free(struct anchor_set *set)
{
	mbedtls_x509_crt_free(&set->cas);
	names_free(set->names, set->n);
}

static void set_name_of(const struct anchor_set *set, const mbedtls_x509_crt *top,
			char out[static ANCHOR_NAME_MAX + 1])
{
	const mbedtls_x509_crt *c = &set->cas;

	strcpy(out, "?");
	for (size_t i = 0; top && c && i < set->n; i++, c = c->next) {
		if (c->raw.len == top->raw.len && memcmp(c->raw.p, top->raw.p, c->raw.len) == 0) {
			snprintf(out, ANCHOR_NAME_MAX + 1, "%s", set->names[i]);
			return;
		}
	}
}

/* Path validation against the set at v->now. */
static int chain_verify(mbedtls_x509_crt *chain, struct anchor_set *set, struct verify_ctx *v)
{
	uint32_t flags = 0;
	int ret = mbedtls_x509_crt_verify_with_profile(chain, &set->cas, NULL, &anchor_profile, NULL,
						       &flags, verify_cb, v);

	if (ret == 0 && flags == 0)
		return XE2E_OK;
	if (ret != 0 && ret != MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
		err_detail_set("certificate chain verification failed (mbedTLS -0x%04x)",
			       (unsigned)-ret);
		return XE2E_E_TRUST;
	}
	return chain_refused(v, flags);
}

/* Checks that crt names jid (bare, normalised here). */
static int leaf_names(const mbedtls_x509_crt *leaf, const char *jid)
{
	char want[JID_MAX + 1], subject[ANCHOR_SUBJECT_MAX];

	if (!name_as_jid((const unsigned char *)jid, strlen(jid), want)) {
		err_detail_set("not a bare JID: \"%.64s\"", jid);
		return XE2E_E_MALFORMED;
	}
	if (!crt_each_jid(leaf, match_equal, want)) {
		crt_subject(leaf, subject);
		err_detail_set("the certificate (%s) does not name %.64s", subject, want);
		return XE2E_E_TRUST;
	}
	return XE2E_OK;
}

/* The leaf's name and use, after the chain verified. */
static int leaf_check(const mbedtls_x509_crt *leaf, const char *jid, struct anchor_result *res)
{
	int err;

	if (mbedtls_x509_crt_check_key_usage(leaf, MBEDTLS_X509_KU_DIGITAL_SIGNATURE) != 0) {
		err_detail_set("the leaf certificate's keyUsage lacks digitalSignature");
		return XE2E_E_TRUST;
	}
	err = leaf_names(leaf, jid);
	return err ? err : p256_fingerprint(res->pub, res->fpr);
}

int anchor_leaf_key(const uint8_t *chain, size_t len, const char *jid,
		    uint8_t pub[static P256_PUB_LEN])
{
	mbedtls_x509_crt crt;
	int err;

	mbedtls_x509_crt_init(&crt);
	err = x509_der_list_parse(&crt, chain, len, ANCHOR_CHAIN_MAX);
	if (!err)
		err = x509_crt_p256(&crt, "the leaf certificate's", pub);
	if (!err)
		err = leaf_names(&crt, jid);
	mbedtls_x509_crt_free(&crt);
	return err;
}

/* Verifies the parsed chain against the anchors of dir. */
static int verify_parsed(const char *dir, mbedtls_x509_crt *chain, const char *jid, uint64_t now,
			 struct anchor_result *res)
{
	struct verify_ctx v;
	struct anchor_set set;
	int err = x509_crt_p256(chain, "the leaf certificate's", res->pub);

	if (err)
		return err;
	memset(&v, 0, sizeof(v));
	v.now = now;
	err = set_load(dir, &set);
	if (!err)
		err = chain_verify(chain, &set, &v);
	if (!err)
		err = leaf_check(chain, jid, res);
	if (!err)
		set_name_of(&set, v.depth ? v.crt[v.depth - 1] : NULL, res->anchor);
	set_free(&set);
	return err;
}

int anchor_verify_chain(const char *dir, const uint8_t *chain, size_t len, const char *jid,
			uint64_t now, struct anchor_result *res)
{
	mbedtls_x509_crt crt;
	int err;

	memset(res, 0, sizeof(*res));
	mbedtls_x509_crt_init(&crt);
	err = x509_der_list_parse(&crt, chain, len, ANCHOR_CHAIN_MAX);
	if (!err)
		err = verify_parsed(dir, &crt, jid, now, res);
	mbedtls_x509_crt_free(&crt);
	if (err)
		memset(res, 0, sizeof(*res));
	return err;
}
