/*
 * `xe2e-trustdb import FILE` (trustdb_xml.c): the input is the file, merged
 * into a trust store that holds the same few entries before every input
 * (fz_tdi_base: a verified peer with a device, a tofu one, a revoked key,
 * a pinned domain).
 *
 * Checked: the codes are the documented ones; a refused import leaves the
 * trust file byte for byte as it was (all or nothing); after an accepted
 * one the store loads, every entry and device is found by its keys, and
 * importing the store's own export changes nothing.
 */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "trust.h"
#include "trustdb.h"

#define FZ_TDI_ALICE "alice@capulet.lit"
#define FZ_TDI_BOB "bob@montague.lit"
#define FZ_TDI_DOMAIN "example.org"
#define FZ_TDI_DEVICE 0x1a2b3c4du

/* The store every input is merged into. */
static int fz_tdi_base(struct trust_db *db)
{
	struct trust_device d = {FZ_TDI_DEVICE, {0}, FUZZ_NOW - 86400, FUZZ_NOW + 86400 * 90};
	uint8_t fa[FINGERPRINT_LEN], fb[FINGERPRINT_LEN], old[FINGERPRINT_LEN],
		fd[FINGERPRINT_LEN];
	int err;

	memset(fa, 0xa1, sizeof(fa));
	memset(fb, 0xb0, sizeof(fb));
	memset(old, 0xee, sizeof(old));
	memset(fd, 0xd0, sizeof(fd));
	memset(d.pub, 0x11, sizeof(d.pub));
	err = trust_peer_add(db, FZ_TDI_ALICE, fa, TRUST_VERIFIED, FUZZ_NOW - 86400, NULL);
	if (!err)
		err = trust_device_upsert(db, FZ_TDI_ALICE, fa, &d);
	if (!err)
		err = trust_peer_add(db, FZ_TDI_BOB, old, TRUST_REVOKED, FUZZ_NOW - 999999, NULL);
	if (!err)
		err = trust_peer_add(db, FZ_TDI_BOB, fb, TRUST_TOFU, FUZZ_NOW - 3600, NULL);
	if (!err)
		err = trust_peer_set_flags(db, FZ_TDI_BOB, fb, TRUST_FLAG_OFFLINE_ORIGIN);
	if (!err)
		err = trust_peer_add(db, FZ_TDI_DOMAIN, fd, TRUST_PINNED, FUZZ_NOW, NULL);
	return err;
}

/* Writes the base store as the home's trust file; its text in text. */
static int fz_tdi_reset(const char *trust_path, struct buf *text)
{
	struct trust_db db = TRUST_DB_INIT;
	int err = fz_tdi_base(&db);

	buf_clear(text);
	if (!err)
		err = trust_format(&db, text);
	trust_free(&db);
	if (!err && fuzz_write_file(trust_path, text->data, text->len, 0644))
		err = XE2E_E_IO;
	return err;
}

/* Runs one xe2e-trustdb command line. */
static int fz_tdi_exec(int argc, char **argv, struct buf *out)
{
	struct trustdb t = {.xml = 0, .now = FUZZ_NOW};
	int usage = 0, err = trustdb_exec(&t, argc, argv, out, &usage);

	FUZZ_CHECK(!usage);
	return err;
}

static int fz_tdi_same_file(const char *path, const struct buf *want)
{
	size_t n = 0;
	uint8_t *have = fuzz_read_file(path, &n);
	int same = have && n == want->len && memcmp(have, want->data, n) == 0;

	free(have);
	return same;
}

/* What the store must be after an accepted import. */
static void fz_tdi_consistent(void)
{
	struct trust_db db = TRUST_DB_INIT;

	FUZZ_CHECK(trust_load(NULL, &db) == XE2E_OK);
	for (size_t i = 0; i < db.n_peers; i++) {
		const struct trust_peer *p = &db.peers[i];

		FUZZ_CHECK(jid_check_normal_bare(p->jid) == XE2E_OK);
		FUZZ_CHECK(trust_find(&db, p->jid, p->fpr) == p);
		FUZZ_CHECK(p->first_seen <= p->last_seen);
		for (size_t k = 0; k < p->n_devices; k++) {
			struct trust_device *dev = NULL;

			FUZZ_CHECK(trust_find_device(&db, p->devices[k].pub, &dev) == p &&
				   dev == &p->devices[k]);
			FUZZ_CHECK(p->devices[k].expires == 0 ||
				   p->devices[k].expires > p->devices[k].created);
		}
	}
	trust_free(&db);
}

/* Importing the store's own export changes nothing. */
static void fz_tdi_reimport(const char *trust_path, const char *file)
{
	struct buf exported = BUF_INIT, before = BUF_INIT, out = BUF_INIT;
	char *export_argv[] = {"export"}, *import_argv[] = {"import", (char *)file};
	size_t n = 0;
	uint8_t *text = fuzz_read_file(trust_path, &n);

	FUZZ_CHECK(text && buf_append(&before, text, n) == XE2E_OK);
	FUZZ_CHECK(fz_tdi_exec(1, export_argv, &exported) == XE2E_OK);
	FUZZ_CHECK(fuzz_write_file(file, exported.data, exported.len, 0600) == 0);
	FUZZ_CHECK(fz_tdi_exec(2, import_argv, &out) == XE2E_OK);
	FUZZ_CHECK(fz_tdi_same_file(trust_path, &before));
	free(text);
	buf_free(&exported);
	buf_free(&before);
	buf_free(&out);
}

int fuzz_trustdb_import(const uint8_t *data, size_t size)
{
	char trust_path[STORE_PATH_MAX], file[STORE_PATH_MAX];
	char *argv[] = {"import", file};
	struct buf base = BUF_INIT, out = BUF_INIT;
	int err;

	if (fuzz_use_home("trustdb_import") || trust_default_path(trust_path))
		return 0;
	snprintf(file, sizeof(file), "%s/trustdb_import/import.xml", fuzz_home());
	FUZZ_CHECK(fz_tdi_reset(trust_path, &base) == XE2E_OK);
	FUZZ_CHECK(fuzz_write_file(file, data, size, 0600) == 0);
	err = fz_tdi_exec(2, argv, &out);
	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED || err == XE2E_E_XML ||
		   err == XE2E_E_LIMIT || err == XE2E_E_TRUST);
	FUZZ_CHECK(out.len == 0);
	if (err) {
		FUZZ_CHECK(fz_tdi_same_file(trust_path, &base));
	} else {
		fz_tdi_consistent();
		fz_tdi_reimport(trust_path, file);
	}
	buf_free(&base);
	buf_free(&out);
	return 0;
}
