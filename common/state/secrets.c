#include "secrets.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "encoding.h"
#include "err.h"
#include "hash.h"
#include "rng.h"
#include "secrets_file.h"
#include "spake2.h"
#include "textrec.h"
#include "util.h"

#define RS_HEADER "# xe2e retained secrets v1"
#define RSID_INFO "xe2e rsid"

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
	grown = secrets_grow_array(db->entries, db->n, sizeof(*grown));
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

static const struct secrets_file rs_kind = {RS_HEADER, "rs", 6, rs_record, rs_format};

int rs_load(const char *path, struct rs_db *db)
{
	char file[STORE_PATH_MAX];
	int err = secrets_file_path(path, STORE_STATE, RS_FILE_NAME, file);

	if (!err)
		err = secrets_file_read(file, &rs_kind, db);
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
	int err = secrets_file_update(path, STORE_STATE, RS_FILE_NAME, &rs_kind, &db, change, c);

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
