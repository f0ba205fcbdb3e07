/* trust_withdraw(): revoking and forgetting a peer's keys with their
 * retained secrets (trust_withdraw.h). */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "buf.h"
#include "store.h"
#include "rng.h"
#include "secrets.h"
#include "trust.h"
#include "trust_withdraw.h"
#include "unit.h"

#define BOB "bob@example.org"
#define CAROL "carol@example.org"

/* A fresh XE2E_HOME with Bob's old key (revoked), Bob's current key and
 * Carol's, each with a retained secret for device 1. */
static void fresh_store(uint8_t old[static FINGERPRINT_LEN], uint8_t cur[static FINGERPRINT_LEN],
			uint8_t carol[static FINGERPRINT_LEN])
{
	struct trust_db db = TRUST_DB_INIT;
	struct buf text = BUF_INIT;
	char path[STORE_PATH_MAX];
	uint8_t rs[RS_LEN];

	setenv("XE2E_HOME", unit_tmpdir(), 1);
	memset(old, 1, FINGERPRINT_LEN);
	memset(cur, 2, FINGERPRINT_LEN);
	memset(carol, 3, FINGERPRINT_LEN);
	CHECK_INT(trust_peer_add(&db, BOB, old, TRUST_REVOKED, 100, NULL), XE2E_OK);
	CHECK_INT(trust_peer_add(&db, BOB, cur, TRUST_VERIFIED, 100, NULL), XE2E_OK);
	CHECK_INT(trust_peer_add(&db, CAROL, carol, TRUST_TOFU, 100, NULL), XE2E_OK);
	CHECK_INT(trust_format(&db, &text), XE2E_OK);
	CHECK_INT(trust_default_path(path), XE2E_OK);
	CHECK_INT(store_write_atomic(path, (const char *)text.data, text.len, 0644), XE2E_OK);
	CHECK_INT(rng_bytes(rs, sizeof(rs)), XE2E_OK);
	CHECK_INT(rs_rotate_after_success(NULL, cur, 1, rs), XE2E_OK);
	CHECK_INT(rs_rotate_after_success(NULL, carol, 1, rs), XE2E_OK);
	buf_free(&text);
	trust_free(&db);
}

static enum trust_level level(const uint8_t fpr[static FINGERPRINT_LEN], const char *jid)
{
	enum trust_level l = 0;

	if (trust_level_of(NULL, jid, fpr, &l) != XE2E_OK)
		return 0;
	return l;
}

static int has_secret(const uint8_t fpr[static FINGERPRINT_LEN])
{
	struct rs_entry e;

	return rs_get(NULL, fpr, 1, &e) == XE2E_OK;
}

TEST(trust_withdraw_revokes_the_live_keys_and_their_secrets)
{
	uint8_t old[FINGERPRINT_LEN], cur[FINGERPRINT_LEN], carol[FINGERPRINT_LEN];
	size_t n = 9;

	fresh_store(old, cur, carol);
	CHECK_INT(trust_withdraw(NULL, TRUST_WITHDRAW_REVOKE, BOB, NULL, &n), XE2E_OK);
	CHECK_INT((int)n, 1);
	CHECK_INT(level(cur, BOB), TRUST_REVOKED);
	CHECK_INT(level(old, BOB), TRUST_REVOKED);
	CHECK(!has_secret(cur));
	/* another peer's entry and secret are untouched */
	CHECK_INT(level(carol, CAROL), TRUST_TOFU);
	CHECK(has_secret(carol));
	/* nothing live is left to revoke: said, and nothing changes */
	CHECK_INT(trust_withdraw(NULL, TRUST_WITHDRAW_REVOKE, BOB, NULL, &n), XE2E_E_NOTFOUND);
	CHECK_INT((int)n, 0);
	CHECK(strstr(err_detail(), "not revoked") != NULL);
	err_detail_clear();
}

TEST(trust_withdraw_forgets_every_key_of_the_jid)
{
	uint8_t old[FINGERPRINT_LEN], cur[FINGERPRINT_LEN], carol[FINGERPRINT_LEN];
	size_t n = 0;

	fresh_store(old, cur, carol);
	CHECK_INT(trust_withdraw(NULL, TRUST_WITHDRAW_FORGET, BOB, NULL, &n), XE2E_OK);
	CHECK_INT((int)n, 2);
	CHECK_INT(level(cur, BOB), 0);
	CHECK_INT(level(old, BOB), 0);
	CHECK(!has_secret(cur));
	CHECK(has_secret(carol));
	CHECK_INT(trust_withdraw(NULL, TRUST_WITHDRAW_FORGET, BOB, NULL, &n), XE2E_E_NOTFOUND);
	err_detail_clear();
}

TEST(trust_withdraw_of_one_key_leaves_the_others)
{
	uint8_t old[FINGERPRINT_LEN], cur[FINGERPRINT_LEN], carol[FINGERPRINT_LEN];
	uint8_t none[FINGERPRINT_LEN];

	fresh_store(old, cur, carol);
	CHECK_INT(trust_withdraw(NULL, TRUST_WITHDRAW_FORGET, BOB, old, NULL), XE2E_OK);
	CHECK_INT(level(old, BOB), 0);
	CHECK_INT(level(cur, BOB), TRUST_VERIFIED);
	CHECK(has_secret(cur));
	memset(none, 7, sizeof(none));
	CHECK_INT(trust_withdraw(NULL, TRUST_WITHDRAW_REVOKE, BOB, none, NULL), XE2E_E_NOTFOUND);
	CHECK_INT(level(cur, BOB), TRUST_VERIFIED);
	err_detail_clear();
}
