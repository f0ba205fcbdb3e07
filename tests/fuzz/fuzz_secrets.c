/*
 * The secrets files (secrets.h): PSKs ("psks") and retained secrets
 * ("retained"), read from a file as the programs read them. The first
 * input byte picks the file; the rest is its content.
 *
 * Checked: a file that parses is rewritten canonically by a change and
 * then holds the same secrets besides that change; a file that does not
 * parse is refused by every change and never written over; each stored
 * retained secret is found again by its identifier.
 */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "secrets.h"

#define FZ_SEC_JID "alice@capulet.lit"
#define FZ_SEC_OTHER "fuzz@example.org"

static void fz_sec_unchanged(const char *path, const uint8_t *data, size_t size)
{
	size_t n = 0;
	uint8_t *now = fuzz_read_file(path, &n);

	FUZZ_CHECK(now && n == size && memcmp(now, data, size) == 0);
	free(now);
}

static void fz_sec_psks(const char *path, const uint8_t *data, size_t size)
{
	uint8_t k1[PSK_LEN], k2[PSK_LEN], k3[PSK_LEN], mine[PSK_LEN];
	int r1 = psk_get(path, FZ_SEC_JID, k1), r2, err;

	FUZZ_CHECK(r1 == XE2E_OK || r1 == XE2E_E_NOTFOUND || r1 == XE2E_E_MALFORMED ||
		   r1 == XE2E_E_LIMIT || r1 == XE2E_E_UNSUPPORTED);
	memset(mine, 0x42, sizeof(mine));
	err = psk_set(path, FZ_SEC_OTHER, mine);
	if (r1 != XE2E_OK && r1 != XE2E_E_NOTFOUND) {
		FUZZ_CHECK(err == r1);
		fz_sec_unchanged(path, data, size);
		return;
	}
	FUZZ_CHECK(err == XE2E_OK);
	r2 = psk_get(path, FZ_SEC_JID, k2);
	FUZZ_CHECK(r2 == r1);
	if (r1 == XE2E_OK && r2 == XE2E_OK)
		FUZZ_CHECK(memcmp(k1, k2, PSK_LEN) == 0);
	FUZZ_CHECK(psk_get(path, FZ_SEC_OTHER, k3) == XE2E_OK && memcmp(k3, mine, PSK_LEN) == 0);
}

static const struct rs_entry *fz_sec_find(const struct rs_db *db, const struct rs_entry *e)
{
	for (size_t i = 0; i < db->n; i++)
		if (db->entries[i].device_id == e->device_id &&
		    memcmp(db->entries[i].fpr, e->fpr, FINGERPRINT_LEN) == 0)
			return &db->entries[i];
	return NULL;
}

static int fz_sec_same(const struct rs_entry *a, const struct rs_entry *b)
{
	if (a->present != b->present)
		return 0;
	for (int s = 0; s < RS_SLOTS; s++)
		if ((a->present & (1u << s)) && memcmp(a->secret[s], b->secret[s], RS_LEN) != 0)
			return 0;
	return 1;
}

/* Each slot of e is found by its identifier (perhaps in another entry
 * holding the same secret). */
static void fz_sec_identifiers(const struct rs_db *db, const struct rs_entry *e)
{
	static const uint8_t eph[X25519_LEN] = {9};
	uint8_t rsid[RSID_LEN];
	struct rs_match m;

	for (int s = 0; s < RS_SLOTS; s++) {
		if (!(e->present & (1u << s)))
			continue;
		FUZZ_CHECK(rs_identifier(e->secret[s], eph, rsid) == XE2E_OK);
		FUZZ_CHECK(rs_find_by_identifier(db, eph, rsid, NULL, RSID_WIRE_LEN, &m) == XE2E_OK);
		FUZZ_CHECK(memcmp(m.secret, e->secret[s], RS_LEN) == 0);
	}
}

static void fz_sec_retained(const char *path, const uint8_t *data, size_t size)
{
	struct rs_db db = RS_DB_INIT, again = RS_DB_INIT;
	static const uint8_t nobody[FINGERPRINT_LEN];
	int err = rs_load(path, &db);

	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED || err == XE2E_E_LIMIT ||
		   err == XE2E_E_UNSUPPORTED);
	if (err != XE2E_OK) {
		FUZZ_CHECK(rs_forget(path, nobody, 0) == err);
		fz_sec_unchanged(path, data, size);
		goto done;
	}
	if (db.n == 0)
		goto done;
	fz_sec_identifiers(&db, &db.entries[0]);
	FUZZ_CHECK(rs_forget(path, db.entries[0].fpr, db.entries[0].device_id) == XE2E_OK);
	FUZZ_CHECK(rs_load(path, &again) == XE2E_OK);
	FUZZ_CHECK(again.n == db.n - 1);
	FUZZ_CHECK(fz_sec_find(&again, &db.entries[0]) == NULL);
	for (size_t i = 1; i < db.n; i++) {
		const struct rs_entry *e = fz_sec_find(&again, &db.entries[i]);

		FUZZ_CHECK(e && fz_sec_same(e, &db.entries[i]));
	}
done:
	rs_free(&db);
	rs_free(&again);
}

int fuzz_secrets(const uint8_t *data, size_t size)
{
	char path[1024];
	int psks;

	if (size < 1 || fuzz_use_home("secrets") != 0)
		return 0;
	psks = data[0] & 1;
	snprintf(path, sizeof(path), "%s/secrets/%s", fuzz_home(), psks ? "psks" : "retained");
	if (fuzz_write_file(path, data + 1, size - 1, 0600) != 0) {
		FUZZ_CHECK(0);
		return 0;
	}
	if (psks)
		fz_sec_psks(path, data + 1, size - 1);
	else
		fz_sec_retained(path, data + 1, size - 1);
	return 0;
}
