/*
 * The trust store file (trust.h): whatever trust_parse() accepts must
 * format to a text that parses to the same store and formats to the same
 * bytes; a text without comments or blank lines is already canonical, so
 * it must come back byte for byte. The lookups must agree with the records.
 */
#include "fuzz.h"

#include <string.h>

#include "buf.h"
#include "err.h"
#include "trust.h"

/* 1 when the text has a comment line other than the header, or a blank line. */
static int fz_trust_has_extras(const uint8_t *data, size_t size)
{
	size_t header = strlen(TRUST_HEADER) + 1;

	for (size_t i = header; i < size; i++)
		if ((data[i] == '#' || data[i] == '\n') && data[i - 1] == '\n')
			return 1;
	return 0;
}

static void fz_trust_lookups(const struct trust_db *db)
{
	for (size_t i = 0; i < db->n_peers; i++) {
		const struct trust_peer *p = &db->peers[i];
		struct trust_peer *found = NULL;

		FUZZ_CHECK(jid_check_normal_bare(p->jid) == XE2E_OK);
		FUZZ_CHECK(trust_find(db, p->jid, p->fpr) == p);
		FUZZ_CHECK(p->first_seen <= p->last_seen);
		FUZZ_CHECK(trust_level_name(p->level) != NULL);
		for (size_t k = 0; k < p->n_devices; k++) {
			struct trust_device *dev = NULL;

			found = trust_find_device(db, p->devices[k].pub, &dev);
			FUZZ_CHECK(found == p && dev == &p->devices[k]);
			FUZZ_CHECK(trust_peer_device(p, p->devices[k].id) == &p->devices[k]);
			FUZZ_CHECK(p->devices[k].expires == 0 ||
				   p->devices[k].expires > p->devices[k].created);
		}
	}
}

int fuzz_trust(const uint8_t *data, size_t size)
{
	struct trust_db db = TRUST_DB_INIT, again = TRUST_DB_INIT;
	struct buf text = BUF_INIT, text2 = BUF_INIT;
	int err = trust_parse("fuzz", (const char *)data, size, &db);

	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED || err == XE2E_E_LIMIT ||
		   err == XE2E_E_UNSUPPORTED);
	if (err != XE2E_OK) {
		FUZZ_CHECK(db.n_peers == 0);
		goto done;
	}
	fz_trust_lookups(&db);
	FUZZ_CHECK(trust_format(&db, &text) == XE2E_OK);
	if (!fz_trust_has_extras(data, size))
		FUZZ_CHECK(text.len == size && memcmp(text.data, data, size) == 0);
	FUZZ_CHECK(trust_parse("fuzz", (const char *)text.data, text.len, &again) == XE2E_OK);
	FUZZ_CHECK(again.n_peers == db.n_peers);
	FUZZ_CHECK(trust_format(&again, &text2) == XE2E_OK);
	FUZZ_CHECK(text2.len == text.len && memcmp(text2.data, text.data, text.len) == 0);
done:
	trust_free(&db);
	trust_free(&again);
	buf_free(&text);
	buf_free(&text2);
	return 0;
}
