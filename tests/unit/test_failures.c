/* Failed SPAKE2 runs per peer: counts, reset, strict file, locking. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "failures.h"
#include "store.h"
#include "unit.h"

#define BOB "bob@montague.lit"
#define ALICE "alice@capulet.lit"

static const char *fresh_file(void)
{
	static char path[STORE_PATH_MAX];

	setenv("XE2E_HOME", unit_tmpdir(), 1);
	if (failures_default_path(path) != XE2E_OK)
		path[0] = '\0';
	return path;
}

static int file_is(const char *path, const char *want)
{
	struct buf b = BUF_INIT;
	int same = store_read_file(path, 1 << 20, 0, &b) == XE2E_OK && b.len == strlen(want) &&
		   memcmp(b.data, want, b.len) == 0;

	if (!same)
		unit_note("file holds: %.*s", (int)b.len, b.data ? (const char *)b.data : "");
	buf_free(&b);
	return same;
}

TEST(failures_count_and_reset)
{
	const char *path = fresh_file();
	unsigned count = 99, prev = 99;

	CHECK_INT(failures_get(NULL, BOB, &count), XE2E_OK);
	CHECK_INT(count, 0);
	CHECK(!store_exists(path));
	CHECK_INT(failures_reset(NULL, BOB, &prev), XE2E_OK);
	CHECK_INT(prev, 0);
	CHECK(!store_exists(path)); /* nothing to change: nothing written */
	for (unsigned i = 1; i <= 3; i++) {
		CHECK_INT(failures_increment(NULL, BOB, &count), XE2E_OK);
		CHECK_INT(count, i);
	}
	CHECK_INT(failures_increment(NULL, ALICE, NULL), XE2E_OK);
	CHECK(file_is(path, FAILURES_HEADER "\n" BOB " 3\n" ALICE " 1\n"));
	CHECK_INT(failures_get(NULL, BOB, &count), XE2E_OK);
	CHECK_INT(count, 3);
	CHECK_INT(failures_reset(NULL, BOB, &prev), XE2E_OK);
	CHECK_INT(prev, 3);
	CHECK(file_is(path, FAILURES_HEADER "\n" ALICE " 1\n"));
	CHECK_INT(failures_get(NULL, BOB, &count), XE2E_OK);
	CHECK_INT(count, 0);
	CHECK_INT(failures_get(NULL, "Bob@Montague.lit", &count), XE2E_E_MALFORMED);
	CHECK_INT(failures_increment(NULL, "bob@montague.lit/garden", &count), XE2E_E_MALFORMED);
}

TEST(failures_count_stops_at_its_maximum)
{
	const char *path = fresh_file();
	unsigned count = 0;
	const char *text = FAILURES_HEADER "\n" BOB " 999999\n";

	CHECK_INT(store_ensure_dir(STORE_STATE), XE2E_OK);
	CHECK_INT(store_write_atomic(path, text, strlen(text), 0600), XE2E_OK);
	CHECK_INT(failures_increment(NULL, BOB, &count), XE2E_OK);
	CHECK_INT(count, COUNTER_MAX);
}

TEST(failures_broken_file_is_never_written_over)
{
	static const char *const broken[] = {
		FAILURES_HEADER "\n" BOB " 1\n" ALICE " x\n",
		FAILURES_HEADER "\n" BOB " 1\n" BOB " 2\n",
		FAILURES_HEADER "\n" BOB " 01\n",
		FAILURES_HEADER "\n" BOB " 0\n",
		FAILURES_HEADER "\n" BOB " 1 2\n",
		FAILURES_HEADER "\n" BOB "  1\n",
		FAILURES_HEADER "\n" BOB " 1",
		FAILURES_HEADER "\nBob@montague.lit 1\n",
		"# xe2e spake2 failures v2\n",
		"",
	};
	const char *path = fresh_file();
	const char *commented = FAILURES_HEADER "\n# note\n\n" BOB " 2\n";
	unsigned count;

	CHECK_INT(store_ensure_dir(STORE_STATE), XE2E_OK);
	for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		CHECK_INT(store_write_atomic(path, broken[i], strlen(broken[i]), 0600), XE2E_OK);
		if (failures_increment(NULL, BOB, &count) != XE2E_E_MALFORMED ||
		    failures_reset(NULL, BOB, &count) != XE2E_E_MALFORMED ||
		    failures_get(NULL, BOB, &count) != XE2E_E_MALFORMED)
			unit_fail(__FILE__, __LINE__, "case %zu accepted", i);
		CHECK(strstr(err_detail(), " line ") != NULL);
		CHECK(file_is(path, broken[i]));
	}
	/* The detail names the line. */
	CHECK_INT(store_write_atomic(path, broken[0], strlen(broken[0]), 0600), XE2E_OK);
	CHECK_INT(failures_increment(NULL, BOB, &count), XE2E_E_MALFORMED);
	CHECK(strstr(err_detail(), "failures line 3: bad count") != NULL);
	/* Comments and blank lines are read and not kept. */
	CHECK_INT(store_write_atomic(path, commented, strlen(commented), 0600), XE2E_OK);
	CHECK_INT(failures_increment(NULL, BOB, &count), XE2E_OK);
	CHECK_INT(count, 3);
	CHECK(file_is(path, FAILURES_HEADER "\n" BOB " 3\n"));
}

TEST(failures_concurrent_increments_all_count)
{
	enum { WRITERS = 8, EACH = 10 };
	pid_t pids[WRITERS];
	unsigned count = 0;
	int ok = 1;

	fresh_file();
	for (int w = 0; w < WRITERS; w++) {
		pids[w] = fork();
		if (pids[w] == 0) {
			int bad = 0;

			for (int i = 0; i < EACH; i++)
				bad |= failures_increment(NULL, BOB, NULL) != XE2E_OK;
			_exit(bad);
		}
	}
	for (int w = 0; w < WRITERS; w++) {
		int status = 0;

		if (pids[w] <= 0 || waitpid(pids[w], &status, 0) != pids[w] || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			ok = 0;
	}
	CHECK(ok);
	CHECK_INT(failures_get(NULL, BOB, &count), XE2E_OK);
	CHECK_INT(count, WRITERS * EACH);
}
