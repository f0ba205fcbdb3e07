/* Counter files (counter.h): one per purpose, each with its own header;
 * older headers read and replaced at the next write. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "counter.h"
#include "err.h"
#include "failures.h"
#include "store.h"
#include "unit.h"
#include "verify_record.h"

#define BOB "bob@montague.lit"
#define ALICE "alice@capulet.lit"

static void fresh_home(void)
{
	char home[STORE_PATH_MAX];

	snprintf(home, sizeof(home), "%s/home", unit_tmpdir());
	setenv("XE2E_HOME", home, 1);
}

static int file_is(const char *path, const char *want)
{
	struct buf b = BUF_INIT;
	int same = store_read_file(path, 1 << 20, 0, &b) == XE2E_OK && b.len == strlen(want) &&
		   memcmp(b.data, want, b.len) == 0;

	if (!same)
		unit_note("%s holds: %.*s", path, (int)b.len, b.data ? (const char *)b.data : "");
	buf_free(&b);
	return same;
}

static void write_file(const char *path, const char *text)
{
	CHECK_INT(store_ensure_dir(STORE_STATE), XE2E_OK);
	CHECK_INT(store_write_atomic(path, text, strlen(text), 0600), XE2E_OK);
}

/* SPAKE2 failures and aborted SAS runs: two files, two headers, no mixing. */
TEST(counter_kinds_keep_their_own_files)
{
	char failures[STORE_PATH_MAX], aborts[STORE_PATH_MAX];
	unsigned n;

	fresh_home();
	CHECK_INT(failures_default_path(failures), XE2E_OK);
	CHECK_INT(verify_aborts_path(aborts), XE2E_OK);
	CHECK(strcmp(failures, aborts) != 0);
	CHECK_INT(failures_increment(NULL, BOB, &n), XE2E_OK);
	CHECK_INT(verify_aborts_add(BOB, &n), XE2E_OK);
	CHECK_INT(verify_aborts_add(BOB, &n), XE2E_OK);
	CHECK_INT(n, 2);
	CHECK_INT(failures_get(NULL, BOB, &n), XE2E_OK);
	CHECK_INT(n, 1);
	CHECK(file_is(failures, "# xe2e spake2 failures v1\n" BOB " 1\n"));
	CHECK(file_is(aborts, "# xe2e sas aborts v1\n" BOB " 2\n"));
	/* Resetting one leaves the other. */
	CHECK_INT(verify_aborts_reset(BOB), XE2E_OK);
	CHECK_INT(verify_aborts_get(BOB, &n), XE2E_OK);
	CHECK_INT(n, 0);
	CHECK_INT(failures_get(NULL, BOB, &n), XE2E_OK);
	CHECK_INT(n, 1);
	/* An aborts file where the failures belong is refused, and kept. */
	write_file(failures, "# xe2e sas aborts v1\n" BOB " 5\n");
	CHECK_INT(failures_get(NULL, BOB, &n), XE2E_E_MALFORMED);
	CHECK(strstr(err_detail(), "line 1: no \"# xe2e spake2 failures v1\" header") != NULL);
	CHECK_INT(failures_increment(NULL, BOB, &n), XE2E_E_MALFORMED);
	CHECK(file_is(failures, "# xe2e sas aborts v1\n" BOB " 5\n"));
	err_detail_clear();
}

/* An aborts file of an earlier version, with the failures header, is read
 * and gets its own header when it next changes. */
TEST(counter_old_header_is_read_and_replaced)
{
	char aborts[STORE_PATH_MAX];
	const char *old = "# xe2e spake2 failures v1\n# a note\n" BOB " 2\n" ALICE " 1\n";
	unsigned n;

	fresh_home();
	CHECK_INT(verify_aborts_path(aborts), XE2E_OK);
	write_file(aborts, old);
	CHECK_INT(verify_aborts_get(BOB, &n), XE2E_OK);
	CHECK_INT(n, 2);
	/* Nothing to forget: nothing written. */
	CHECK_INT(verify_aborts_reset("carol@example.org"), XE2E_OK);
	CHECK(file_is(aborts, old));
	CHECK_INT(verify_aborts_add(BOB, &n), XE2E_OK);
	CHECK_INT(n, 3);
	CHECK(file_is(aborts, "# xe2e sas aborts v1\n" BOB " 3\n" ALICE " 1\n"));
	/* The old header is read only by the kind that had it. */
	write_file(aborts, "# xe2e something else v1\n" BOB " 2\n");
	CHECK_INT(verify_aborts_get(BOB, &n), XE2E_E_MALFORMED);
	err_detail_clear();
}

/* Any purpose: its own name and header, at a path of the caller's. */
TEST(counter_kind_of_the_callers)
{
	static const struct counter_kind k = {"tries", "# test tries v2", "# test tries v1"};
	char path[STORE_PATH_MAX], lock[STORE_PATH_MAX + 8];
	unsigned n, prev;

	fresh_home();
	CHECK_INT(counter_default_path(&k, path), XE2E_OK);
	CHECK(strstr(path, "/state/tries") != NULL);
	snprintf(path, sizeof(path), "%s/tries-here", unit_tmpdir());
	CHECK_INT(counter_get(&k, path, BOB, &n), XE2E_OK); /* missing: 0 */
	CHECK_INT(n, 0);
	for (int i = 0; i < 3; i++)
		CHECK_INT(counter_increment(&k, path, ALICE, &n), XE2E_OK);
	CHECK_INT(n, 3);
	CHECK(file_is(path, "# test tries v2\n" ALICE " 3\n"));
	snprintf(lock, sizeof(lock), "%s.lock", path);
	CHECK(store_exists(lock));
	CHECK_INT(counter_reset(&k, path, ALICE, &prev), XE2E_OK);
	CHECK_INT(prev, 3);
	CHECK(file_is(path, "# test tries v2\n"));
	CHECK_INT(counter_get(&k, path, "Alice@capulet.lit", &n), XE2E_E_MALFORMED);
	err_detail_clear();
}
