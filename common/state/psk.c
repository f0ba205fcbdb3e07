#include "psk.h"

#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "err.h"
#include "hash.h"
#include "jid.h"
#include "rng.h"
#include "secrets_file.h"
#include "util.h"

#define PSK_HEADER "# xe2e psks v1"
#define CHECK_LABEL "xe2e psk check"
#define CHECK_LEN 4
#define RAW_LEN (PSK_LEN + CHECK_LEN)
#define PREFIX_LEN (sizeof(PSK_PREFIX) - 1)
#define BODY_LEN 48 /* base64 of RAW_LEN bytes, which needs no padding */

static int psk_check(const uint8_t psk[static PSK_LEN], uint8_t out[static CHECK_LEN])
{
	uint8_t in[sizeof(CHECK_LABEL) - 1 + PSK_LEN], digest[SHA256_LEN];
	int err;

	memcpy(in, CHECK_LABEL, sizeof(CHECK_LABEL) - 1);
	memcpy(in + sizeof(CHECK_LABEL) - 1, psk, PSK_LEN);
	err = hash(HASH_SHA256, in, sizeof(in), digest);
	if (!err)
		memcpy(out, digest, CHECK_LEN);
	wipe(in, sizeof(in));
	wipe(digest, sizeof(digest));
	return err;
}

/* Between base64 ("+/") and base64url ("-_"), in place. */
static void b64_swap_alphabet(char *s, size_t n, int to_url)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == (to_url ? '+' : '-'))
			s[i] = to_url ? '-' : '+';
		else if (s[i] == (to_url ? '/' : '_'))
			s[i] = to_url ? '_' : '/';
	}
}

int psk_generate(uint8_t psk[static PSK_LEN])
{
	return rng_bytes(psk, PSK_LEN);
}

int psk_format(const uint8_t psk[static PSK_LEN], char out[static PSK_TEXT_LEN])
{
	uint8_t raw[RAW_LEN];
	int err;

	memcpy(raw, psk, PSK_LEN);
	err = psk_check(psk, raw + PSK_LEN);
	memcpy(out, PSK_PREFIX, PREFIX_LEN);
	if (!err)
		err = b64_encode(raw, RAW_LEN, out + PREFIX_LEN, PSK_TEXT_LEN - PREFIX_LEN);
	if (!err)
		b64_swap_alphabet(out + PREFIX_LEN, BODY_LEN, 1);
	else
		wipe(out, PSK_TEXT_LEN);
	wipe(raw, sizeof(raw));
	return err;
}

static int body_is_base64url(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

int psk_parse(const char *text, size_t len, uint8_t psk[static PSK_LEN])
{
	char body[BODY_LEN];
	uint8_t raw[RAW_LEN], check[CHECK_LEN];
	size_t got = 0;
	int err = XE2E_E_MALFORMED;

	if (len != PREFIX_LEN + BODY_LEN || memcmp(text, PSK_PREFIX, PREFIX_LEN) != 0) {
		err_detail_set("a PSK is \"%s\" and %d characters", PSK_PREFIX, BODY_LEN);
		goto out;
	}
	memcpy(body, text + PREFIX_LEN, BODY_LEN);
	if (!body_is_base64url(body, BODY_LEN)) {
		err_detail_set("a PSK has only letters, digits, '-' and '_' after \"%s\"", PSK_PREFIX);
		goto out;
	}
	b64_swap_alphabet(body, BODY_LEN, 0);
	if (b64_decode(body, BODY_LEN, raw, RAW_LEN, &got) != XE2E_OK || got != RAW_LEN) {
		err_detail_set("the PSK does not decode");
		goto out;
	}
	err = psk_check(raw, check);
	if (!err && !ct_equal(check, raw + PSK_LEN, CHECK_LEN)) {
		err_detail_set("the PSK's checksum does not match (mistyped?)");
		err = XE2E_E_MALFORMED;
	}
	if (!err)
		memcpy(psk, raw, PSK_LEN);
out:
	if (err)
		wipe(psk, PSK_LEN);
	wipe(body, sizeof(body));
	wipe(raw, sizeof(raw));
	wipe(check, sizeof(check));
	return err;
}

/* The PSK file */

struct psk_entry {
	char *jid;
	uint8_t key[PSK_LEN];
};

struct psk_db {
	struct psk_entry *entries;
	size_t n;
};

struct psk_change {
	const char *jid;
	const uint8_t *key;
};

static void psk_db_free(struct psk_db *db)
{
	for (size_t i = 0; i < db->n; i++)
		free(db->entries[i].jid);
	wipe(db->entries, db->n * sizeof(*db->entries));
	free(db->entries);
	db->entries = NULL;
	db->n = 0;
}

static struct psk_entry *psk_lookup(const struct psk_db *db, const char *jid)
{
	for (size_t i = 0; i < db->n; i++) {
		if (strcmp(db->entries[i].jid, jid) == 0)
			return &db->entries[i];
	}
	return NULL;
}

static int psk_append(struct psk_db *db, const char *jid, const uint8_t key[static PSK_LEN])
{
	char *copy = strdup(jid);
	struct psk_entry *grown = copy ? secrets_grow_array(db->entries, db->n, sizeof(*grown)) : NULL;

	if (!grown) {
		free(copy);
		return XE2E_E_NOMEM;
	}
	db->entries = grown;
	db->entries[db->n].jid = copy;
	memcpy(db->entries[db->n].key, key, PSK_LEN);
	db->n++;
	return XE2E_OK;
}

static int psk_record(const struct textrec *l, char **f, void *dbv)
{
	struct psk_db *db = dbv;
	uint8_t key[PSK_LEN];
	int err;

	if (jid_check_normal_bare(f[1]))
		return textrec_fail(l, "not a normalised bare JID: \"%.64s\"", f[1]);
	if (psk_lookup(db, f[1]))
		return textrec_fail(l, "second PSK for %.64s", f[1]);
	if (textrec_hex(f[2], key, PSK_LEN)) {
		wipe(key, sizeof(key));
		return textrec_fail(l, "bad PSK (want 64 lower-case hex digits)");
	}
	err = psk_append(db, f[1], key);
	wipe(key, sizeof(key));
	return err;
}

static int psk_file_format(const void *dbv, struct buf *out)
{
	const struct psk_db *db = dbv;
	char hex[2 * PSK_LEN + 1];
	int err = buf_printf(out, "%s\n", PSK_HEADER);

	for (size_t i = 0; !err && i < db->n; i++) {
		hex_encode(db->entries[i].key, PSK_LEN, hex);
		err = buf_printf(out, "psk %s %s\n", db->entries[i].jid, hex);
	}
	wipe(hex, sizeof(hex));
	return err;
}

static const struct secrets_file psk_kind = {PSK_HEADER, "psk", 3, psk_record, psk_file_format};

int psk_default_path(char path[static STORE_PATH_MAX])
{
	return store_path(STORE_DATA, PSK_FILE_NAME, path);
}

static int no_psk(const char *jid)
{
	err_detail_set("no PSK for %.64s", jid);
	return XE2E_E_NOTFOUND;
}

int psk_get(const char *path, const char *jid, uint8_t psk[static PSK_LEN])
{
	char file[STORE_PATH_MAX];
	struct psk_db db = {0};
	struct psk_entry *entry = NULL;
	int err = secrets_file_path(path, STORE_DATA, PSK_FILE_NAME, file);

	if (!err)
		err = secrets_file_read(file, &psk_kind, &db);
	if (err == XE2E_E_NOTFOUND)
		err = no_psk(jid);
	if (!err && !(entry = psk_lookup(&db, jid)))
		err = no_psk(jid);
	if (!err)
		memcpy(psk, entry->key, PSK_LEN);
	psk_db_free(&db);
	return err;
}

static int psk_change_set(void *dbv, void *ctx)
{
	struct psk_db *db = dbv;
	const struct psk_change *c = ctx;
	struct psk_entry *entry = psk_lookup(db, c->jid);

	if (!entry)
		return psk_append(db, c->jid, c->key);
	memcpy(entry->key, c->key, PSK_LEN);
	return XE2E_OK;
}

static int psk_change_clear(void *dbv, void *ctx)
{
	struct psk_db *db = dbv;
	const struct psk_change *c = ctx;
	struct psk_entry *entry = psk_lookup(db, c->jid);
	size_t i;

	if (!entry)
		return no_psk(c->jid);
	i = (size_t)(entry - db->entries);
	free(entry->jid);
	memmove(entry, entry + 1, (db->n - i - 1) * sizeof(*entry));
	db->n--;
	wipe(&db->entries[db->n], sizeof(*entry));
	return XE2E_OK;
}

int psk_set(const char *path, const char *jid, const uint8_t psk[static PSK_LEN])
{
	struct psk_db db = {0};
	struct psk_change c = {jid, psk};
	int err;

	if ((err = jid_check_normal_bare(jid)))
		return err;
	if (ct_is_zero(psk, PSK_LEN)) {
		err_detail_set("an all-zero PSK is no PSK");
		return XE2E_E_WEAKKEY;
	}
	err = secrets_file_update(path, STORE_DATA, PSK_FILE_NAME, &psk_kind, &db, psk_change_set, &c);
	psk_db_free(&db);
	return err;
}

int psk_remove(const char *path, const char *jid)
{
	struct psk_db db = {0};
	struct psk_change c = {jid, NULL};
	int err;

	if ((err = jid_check_normal_bare(jid)))
		return err;
	err = secrets_file_update(path, STORE_DATA, PSK_FILE_NAME, &psk_kind, &db, psk_change_clear,
			     &c);
	psk_db_free(&db);
	return err;
}
