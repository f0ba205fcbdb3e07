#include "secrets.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "encoding.h"
#include "err.h"
#include "hash.h"
#include "jid.h"
#include "rng.h"
#include "spake2.h"
#include "textrec.h"
#include "util.h"

#define LINE_MAX_LEN 4096
#define MAX_FIELDS 6
#define PSK_HEADER "# xe2e psks v1"
#define RS_HEADER "# xe2e retained secrets v1"
#define RSID_INFO "xe2e rsid"

/*
 * The line format both files share: a header, then records of a fixed
 * number of fields. Parsing works in place in the buffer the file was read
 * into, which is wiped when freed.
 */

typedef int (*record_fn)(const struct textrec *l, char **field, void *db);

struct file_kind {
	const char *header;
	const char *record; /* first field of every record */
	size_t fields;
	record_fn parse;
	int (*format)(const void *db, struct buf *out);
};

static int parse_line(const struct textrec *l, char *line, size_t len, const struct file_kind *kind,
		      void *db)
{
	char *field[MAX_FIELDS];
	size_t n = 0;
	int err;

	if (len > LINE_MAX_LEN)
		return textrec_fail(l, "line longer than %d bytes", LINE_MAX_LEN);
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)line[i] < ' ' || line[i] == 0x7f)
			return textrec_fail(l, "control character at column %zu", i + 1);
	}
	line[len] = '\0';
	if (l->line == 1)
		return strcmp(line, kind->header) ? textrec_fail(l, "no \"%s\" header", kind->header)
						  : XE2E_OK;
	if (len == 0 || line[0] == '#')
		return XE2E_OK;
	if ((err = textrec_split(l, line, field, MAX_FIELDS, &n)))
		return err;
	if (strcmp(field[0], kind->record) != 0)
		return textrec_fail(l, "unknown record \"%.24s\"", field[0]);
	if (n != kind->fields)
		return textrec_fail(l, "%s record has %zu fields, want %zu", kind->record, n,
				  kind->fields);
	return kind->parse(l, field, db);
}

static int parse_text(const char *name, struct buf *raw, const struct file_kind *kind, void *db)
{
	struct textrec l = {name, 1};
	char *pos = (char *)raw->data, *end = pos + raw->len;
	int err = XE2E_OK;

	if (raw->len == 0)
		return textrec_fail(&l, "empty file (no \"%s\" header)", kind->header);
	for (; !err && pos < end; l.line++) {
		char *nl = memchr(pos, '\n', (size_t)(end - pos));

		if (!nl)
			return textrec_fail(&l, "no newline at the end (truncated file?)");
		err = parse_line(&l, pos, (size_t)(nl - pos), kind, db);
		pos = nl + 1;
	}
	return err;
}

/* The file to use: path, or the tree's default. */
static int file_path(const char *path, enum store_tree tree, const char *name,
		     char file[static STORE_PATH_MAX])
{
	if (!path)
		return store_path(tree, name, file);
	if (strlen(path) >= STORE_PATH_MAX)
		return XE2E_E_LIMIT;
	strcpy(file, path);
	return XE2E_OK;
}

/* Reads and parses a secrets file; XE2E_E_NOTFOUND when it is missing. */
static int secrets_read(const char *file, const struct file_kind *kind, void *db)
{
	struct buf raw = BUF_INIT;
	int err = store_read_file(file, SECRETS_FILE_MAX, 1, &raw);

	if (!err)
		err = parse_text(file, &raw, kind, db);
	buf_free(&raw);
	return err;
}

/* Under the lock: read (a missing file is empty), change, write back. */
static int update_locked(const char *file, const struct file_kind *kind, void *db,
			 int (*change)(void *db, void *ctx), void *ctx)
{
	struct buf out = BUF_INIT;
	int err = secrets_read(file, kind, db);

	if (err == XE2E_E_NOTFOUND) {
		err_detail_clear();
		err = XE2E_OK;
	}
	if (!err)
		err = change(db, ctx);
	if (!err)
		err = kind->format(db, &out);
	if (!err)
		err = store_write_atomic(file, out.data, out.len, 0600);
	buf_free(&out);
	return err;
}

/* A locked read-modify-write of a secrets file into the caller's empty db. */
static int secrets_update(const char *path, enum store_tree tree, const char *name,
			  const struct file_kind *kind, void *db,
			  int (*change)(void *db, void *ctx), void *ctx)
{
	char file[STORE_PATH_MAX], lockfile[STORE_PATH_MAX];
	struct store_lock lock;
	int err, n;

	if (!path && (err = store_ensure_dir(tree)))
		return err;
	if ((err = file_path(path, tree, name, file)))
		return err;
	n = snprintf(lockfile, sizeof(lockfile), "%s.lock", file);
	if (n < 0 || (size_t)n >= sizeof(lockfile))
		return XE2E_E_LIMIT;
	if ((err = store_lock(lockfile, &lock)))
		return err;
	err = update_locked(file, kind, db, change, ctx);
	store_unlock(&lock);
	return err;
}

/*
 * An array of n items of size bytes grown by one zeroed item, without
 * leaving a copy of the old items in freed memory (as realloc could). NULL
 * when out of memory; items is then untouched.
 */
static void *grow_secret_array(void *items, size_t n, size_t size)
{
	uint8_t *grown = calloc(n + 1, size);

	if (grown && items) {
		memcpy(grown, items, n * size);
		wipe(items, n * size);
		free(items);
	}
	return grown;
}

/* PSKs */

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
	struct psk_entry *grown = copy ? grow_secret_array(db->entries, db->n, sizeof(*grown)) : NULL;

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

static const struct file_kind psk_kind = {PSK_HEADER, "psk", 3, psk_record, psk_file_format};

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
	int err = file_path(path, STORE_DATA, PSK_FILE_NAME, file);

	if (!err)
		err = secrets_read(file, &psk_kind, &db);
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
	err = secrets_update(path, STORE_DATA, PSK_FILE_NAME, &psk_kind, &db, psk_change_set, &c);
	psk_db_free(&db);
	return err;
}

int psk_clear(const char *path, const char *jid)
{
	struct psk_db db = {0};
	struct psk_change c = {jid, NULL};
	int err;

	if ((err = jid_check_normal_bare(jid)))
		return err;
	err = secrets_update(path, STORE_DATA, PSK_FILE_NAME, &psk_kind, &db, psk_change_clear,
			     &c);
	psk_db_free(&db);
	return err;
}

/* Retained secrets */

static const char *const slot_names[RS_SLOTS] = {"rs1", "rs2", "provisional"};

#define SLOT_BIT(slot) (1u << (slot))

const char *rs_slot_name(enum rs_slot slot)
{
	if ((int)slot < 0 || slot >= RS_SLOTS)
		return NULL;
	return slot_names[slot];
}

int rs_default_path(char path[static STORE_PATH_MAX])
{
	return store_path(STORE_STATE, RS_FILE_NAME, path);
}

void rs_free(struct rs_db *db)
{
	wipe(db->entries, db->n * sizeof(*db->entries));
	free(db->entries);
	db->entries = NULL;
	db->n = 0;
}

static struct rs_entry *rs_lookup(const struct rs_db *db, const uint8_t fpr[static FINGERPRINT_LEN],
				  uint32_t device_id)
{
	for (size_t i = 0; i < db->n; i++) {
		struct rs_entry *e = &db->entries[i];

		if (e->device_id == device_id && memcmp(e->fpr, fpr, FINGERPRINT_LEN) == 0)
			return e;
	}
	return NULL;
}

/* The entry of (fpr, device_id), created empty when missing. */
static int rs_obtain(struct rs_db *db, const uint8_t fpr[static FINGERPRINT_LEN],
		     uint32_t device_id, struct rs_entry **entry)
{
	struct rs_entry *grown;

	*entry = rs_lookup(db, fpr, device_id);
	if (*entry)
		return XE2E_OK;
	grown = grow_secret_array(db->entries, db->n, sizeof(*grown));
	if (!grown)
		return XE2E_E_NOMEM;
	db->entries = grown;
	*entry = &db->entries[db->n++];
	memcpy((*entry)->fpr, fpr, FINGERPRINT_LEN);
	(*entry)->device_id = device_id;
	return XE2E_OK;
}

static void slot_set(struct rs_entry *e, enum rs_slot slot, const uint8_t secret[static RS_LEN])
{
	memcpy(e->secret[slot], secret, RS_LEN);
	e->present |= SLOT_BIT(slot);
}

static void slot_clear(struct rs_entry *e, enum rs_slot slot)
{
	wipe(e->secret[slot], RS_LEN);
	e->present &= ~SLOT_BIT(slot);
}

/* rs2 <- rs1 when rs1 is set, then rs1 <- secret. */
static void slot_push(struct rs_entry *e, const uint8_t secret[static RS_LEN])
{
	if (e->present & SLOT_BIT(RS_SLOT_RS1))
		slot_set(e, RS_SLOT_RS2, e->secret[RS_SLOT_RS1]);
	slot_set(e, RS_SLOT_RS1, secret);
}

/* Reads "key=-" or "key=HEX" into a slot. */
static int parse_slot(const struct textrec *l, const char *field, struct rs_entry *e,
		      enum rs_slot slot)
{
	const char *key = slot_names[slot];
	size_t n = strlen(key);

	if (strncmp(field, key, n) != 0 || field[n] != '=')
		return textrec_fail(l, "expected %s=, found \"%.16s\"", key, field);
	if (strcmp(field + n + 1, "-") == 0)
		return XE2E_OK;
	if (textrec_hex(field + n + 1, e->secret[slot], RS_LEN))
		return textrec_fail(l, "bad %s secret (want 64 lower-case hex digits or -)", key);
	e->present |= SLOT_BIT(slot);
	return XE2E_OK;
}

static int rs_record_fields(const struct textrec *l, char **f, struct rs_entry *e)
{
	uint8_t id[4];
	int err;

	if (textrec_hex(f[1], e->fpr, FINGERPRINT_LEN))
		return textrec_fail(l, "bad fingerprint (want 64 lower-case hex digits)");
	if (textrec_hex(f[2], id, sizeof(id)))
		return textrec_fail(l, "bad device id (want 8 lower-case hex digits)");
	e->device_id = load_be32(id);
	for (int s = 0; s < RS_SLOTS; s++) {
		if ((err = parse_slot(l, f[3 + s], e, (enum rs_slot)s)))
			return err;
	}
	if (!e->present)
		return textrec_fail(l, "record without any secret");
	return XE2E_OK;
}

static int rs_record(const struct textrec *l, char **f, void *dbv)
{
	struct rs_db *db = dbv;
	struct rs_entry parsed = {0}, *e;
	int err = rs_record_fields(l, f, &parsed);

	if (!err && rs_lookup(db, parsed.fpr, parsed.device_id))
		err = textrec_fail(l, "second record for %s device %s", f[1], f[2]);
	if (!err)
		err = rs_obtain(db, parsed.fpr, parsed.device_id, &e);
	if (!err)
		*e = parsed;
	wipe(&parsed, sizeof(parsed));
	return err;
}

static int rs_format_entry(const struct rs_entry *e, struct buf *out)
{
	char fpr[2 * FINGERPRINT_LEN + 1], slot[RS_SLOTS][2 * RS_LEN + 1];
	int err;

	hex_encode(e->fpr, FINGERPRINT_LEN, fpr);
	for (int s = 0; s < RS_SLOTS; s++) {
		if (e->present & SLOT_BIT(s))
			hex_encode(e->secret[s], RS_LEN, slot[s]);
		else
			strcpy(slot[s], "-");
	}
	err = buf_printf(out, "rs %s %08" PRIx32 " rs1=%s rs2=%s provisional=%s\n", fpr,
			 e->device_id, slot[0], slot[1], slot[2]);
	wipe(slot, sizeof(slot));
	return err;
}

static int rs_format(const void *dbv, struct buf *out)
{
	const struct rs_db *db = dbv;
	int err = buf_printf(out, "%s\n", RS_HEADER);

	for (size_t i = 0; !err && i < db->n; i++) {
		if (db->entries[i].present)
			err = rs_format_entry(&db->entries[i], out);
	}
	return err;
}

static const struct file_kind rs_kind = {RS_HEADER, "rs", 6, rs_record, rs_format};

int rs_load(const char *path, struct rs_db *db)
{
	char file[STORE_PATH_MAX];
	int err = file_path(path, STORE_STATE, RS_FILE_NAME, file);

	if (!err)
		err = secrets_read(file, &rs_kind, db);
	if (err == XE2E_E_NOTFOUND) {
		err_detail_clear();
		err = XE2E_OK;
	}
	if (err)
		rs_free(db);
	return err;
}

static int no_rs(const uint8_t fpr[static FINGERPRINT_LEN], uint32_t device_id)
{
	char hex[2 * FINGERPRINT_LEN + 1];

	hex_encode(fpr, FINGERPRINT_LEN, hex);
	err_detail_set("no retained secret for %s device %08" PRIx32, hex, device_id);
	return XE2E_E_NOTFOUND;
}

int rs_get(const char *path, const uint8_t fpr[static FINGERPRINT_LEN], uint32_t device_id,
	   struct rs_entry *entry)
{
	struct rs_db db = RS_DB_INIT;
	struct rs_entry *found = NULL;
	int err = rs_load(path, &db);

	if (!err && !(found = rs_lookup(&db, fpr, device_id)))
		err = no_rs(fpr, device_id);
	if (err)
		wipe(entry, sizeof(*entry));
	else
		*entry = *found;
	rs_free(&db);
	return err;
}

struct rs_change {
	const uint8_t *fpr;
	uint32_t device_id;
	const uint8_t *secret;
	int all_devices; /* rs_forget_peer() */
};

static int rs_change_rotate(void *dbv, void *ctx)
{
	const struct rs_change *c = ctx;
	struct rs_entry *e;
	int err = rs_obtain(dbv, c->fpr, c->device_id, &e);

	if (err)
		return err;
	slot_push(e, c->secret);
	slot_clear(e, RS_SLOT_PROVISIONAL);
	return XE2E_OK;
}

static int rs_change_provisional(void *dbv, void *ctx)
{
	const struct rs_change *c = ctx;
	struct rs_entry *e;
	int err = rs_obtain(dbv, c->fpr, c->device_id, &e);

	if (err)
		return err;
	slot_set(e, RS_SLOT_PROVISIONAL, c->secret);
	return XE2E_OK;
}

static int rs_change_promote(void *dbv, void *ctx)
{
	const struct rs_change *c = ctx;
	struct rs_entry *e = rs_lookup(dbv, c->fpr, c->device_id);
	uint8_t secret[RS_LEN];

	if (!e || !(e->present & SLOT_BIT(RS_SLOT_PROVISIONAL))) {
		err_detail_set("no provisional retained secret to promote");
		return XE2E_E_NOTFOUND;
	}
	memcpy(secret, e->secret[RS_SLOT_PROVISIONAL], RS_LEN);
	slot_push(e, secret);
	slot_clear(e, RS_SLOT_PROVISIONAL);
	wipe(secret, sizeof(secret));
	return XE2E_OK;
}

/* rs1 <- spake2_mix_rs(rs1, c->secret), in place. */
static int rs_change_mix(void *dbv, void *ctx)
{
	const struct rs_change *c = ctx;
	struct rs_entry *e = rs_lookup(dbv, c->fpr, c->device_id);

	if (!e || !(e->present & SLOT_BIT(RS_SLOT_RS1))) {
		err_detail_set("no retained secret rs1 to mix the SPAKE2 key into");
		return XE2E_E_NOTFOUND;
	}
	return spake2_mix_rs(e->secret[RS_SLOT_RS1], c->secret, e->secret[RS_SLOT_RS1]);
}

/* Removes the entries of c->fpr: one device, or all of them. */
static int rs_change_forget(void *dbv, void *ctx)
{
	struct rs_db *db = dbv;
	const struct rs_change *c = ctx;
	int removed = 0;

	for (size_t i = 0; i < db->n; i++) {
		struct rs_entry *e = &db->entries[i];

		if (memcmp(e->fpr, c->fpr, FINGERPRINT_LEN) == 0 &&
		    (c->all_devices || e->device_id == c->device_id)) {
			wipe(e, sizeof(*e)); /* present 0: not written */
			removed = 1;
		}
	}
	return removed ? XE2E_OK : no_rs(c->fpr, c->device_id);
}

static int rs_update(const char *path, int (*change)(void *db, void *ctx), struct rs_change *c)
{
	struct rs_db db = RS_DB_INIT;
	int err = secrets_update(path, STORE_STATE, RS_FILE_NAME, &rs_kind, &db, change, c);

	rs_free(&db);
	return err;
}

int rs_rotate_after_success(const char *path, const uint8_t fpr[static FINGERPRINT_LEN],
			    uint32_t device_id, const uint8_t new_rs[static RS_LEN])
{
	struct rs_change c = {fpr, device_id, new_rs, 0};

	return rs_update(path, rs_change_rotate, &c);
}

int rs_store_provisional(const char *path, const uint8_t fpr[static FINGERPRINT_LEN],
			 uint32_t device_id, const uint8_t new_rs[static RS_LEN])
{
	struct rs_change c = {fpr, device_id, new_rs, 0};

	return rs_update(path, rs_change_provisional, &c);
}

int rs_promote_provisional(const char *path, const uint8_t fpr[static FINGERPRINT_LEN],
			   uint32_t device_id)
{
	struct rs_change c = {fpr, device_id, NULL, 0};

	return rs_update(path, rs_change_promote, &c);
}

int rs_mix_spake2(const char *path, const uint8_t fpr[static FINGERPRINT_LEN], uint32_t device_id,
		  const uint8_t ke[static RS_SPAKE2_KEY_LEN])
{
	struct rs_change c = {fpr, device_id, ke, 0};

	return rs_update(path, rs_change_mix, &c);
}

int rs_forget(const char *path, const uint8_t fpr[static FINGERPRINT_LEN], uint32_t device_id)
{
	struct rs_change c = {fpr, device_id, NULL, 0};

	return rs_update(path, rs_change_forget, &c);
}

int rs_forget_peer(const char *path, const uint8_t fpr[static FINGERPRINT_LEN])
{
	struct rs_change c = {fpr, 0, NULL, 1};

	return rs_update(path, rs_change_forget, &c);
}

/* Identifiers */

int rs_identifier(const uint8_t rs[static RS_LEN], const uint8_t ephemeral[static X25519_LEN],
		  uint8_t rsid[static RSID_LEN])
{
	uint8_t key[SHA256_LEN];
	int err;

	err = hkdf(HASH_SHA256, NULL, 0, rs, RS_LEN, RSID_INFO, strlen(RSID_INFO), key,
		   sizeof(key));
	if (!err)
		err = hmac(HASH_SHA256, key, sizeof(key), ephemeral, X25519_LEN, rsid);
	wipe(key, sizeof(key));
	return err;
}

int rs_decoy_identifier(uint8_t rsid[static RSID_LEN])
{
	return rng_bytes(rsid, RSID_LEN);
}

int rs_identifiers(const struct rs_entry *entry, const uint8_t ephemeral[static X25519_LEN],
		   uint8_t rsid[static 2][RSID_LEN])
{
	int err = XE2E_OK;

	for (int s = RS_SLOT_RS1; !err && s <= RS_SLOT_RS2; s++) {
		if (entry && (entry->present & SLOT_BIT(s)))
			err = rs_identifier(entry->secret[s], ephemeral, rsid[s]);
		else
			err = rs_decoy_identifier(rsid[s]);
	}
	return err;
}

/* Copies src over dst where mask is 0xff, keeps dst where it is 0. */
static void masked_copy(uint8_t *dst, const uint8_t *src, size_t n, uint8_t mask)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = (uint8_t)((dst[i] & ~mask) | (src[i] & mask));
}

/* Records candidate (e, slot) in match when take is 1, in constant time. */
static void match_take(struct rs_match *match, const struct rs_entry *e, int slot, unsigned take)
{
	uint8_t mask = (uint8_t)-take;
	uint32_t mask32 = (uint32_t)-take;

	masked_copy(match->fpr, e->fpr, FINGERPRINT_LEN, mask);
	masked_copy(match->secret, e->secret[slot], RS_LEN, mask);
	match->device_id = (match->device_id & ~mask32) | (e->device_id & mask32);
	match->slot = (enum rs_slot)(((unsigned)match->slot & ~mask32) | ((unsigned)slot & mask32));
}

int rs_find_by_identifier(const struct rs_db *db, const uint8_t ephemeral[static X25519_LEN],
			  const uint8_t *rsid, const uint8_t *rsid_other, size_t len,
			  struct rs_match *match)
{
	uint8_t candidate[RSID_LEN];
	unsigned found = 0;
	int err = XE2E_OK;

	memset(match, 0, sizeof(*match));
	if (len < RSID_WIRE_LEN || len > RSID_LEN)
		return XE2E_E_LIMIT;
	for (size_t i = 0; !err && i < db->n; i++) {
		const struct rs_entry *e = &db->entries[i];

		for (int s = 0; !err && s < RS_SLOTS; s++) {
			unsigned equal;

			if (!(e->present & SLOT_BIT(s)))
				continue;
			err = rs_identifier(e->secret[s], ephemeral, candidate);
			equal = ((unsigned)ct_equal(candidate, rsid, len) |
				 (unsigned)(rsid_other && ct_equal(candidate, rsid_other, len))) &
				!err;
			match_take(match, e, s, equal & (found ^ 1u));
			found |= equal;
		}
	}
	wipe(candidate, sizeof(candidate));
	if (!err && !found)
		err = XE2E_E_NOTFOUND;
	if (err)
		wipe(match, sizeof(*match));
	return err;
}
