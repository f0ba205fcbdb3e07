/* The trust store: file format, rules, locking. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "store.h"
#include "trust.h"
#include "unit.h"

#define ALICE "alice@capulet.lit"
#define BOB "bob@montague.lit"
#define FPR_A "1111111111111111111111111111111111111111111111111111111111111111"
#define FPR_B "2222222222222222222222222222222222222222222222222222222222222222"
#define PUB_1 "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
#define PUB_2 "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"

/* A fresh XE2E_HOME; returns the default trust file's path. */
static const char *fresh_home(void)
{
	static char path[STORE_PATH_MAX];

	setenv("XE2E_HOME", unit_tmpdir(), 1);
	if (trust_default_path(path) != XE2E_OK)
		path[0] = '\0';
	return path;
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 31 + i * 7 + 1);
}

static struct trust_device device(uint32_t id, uint8_t seed, uint64_t created, uint64_t expires)
{
	struct trust_device d = {.id = id, .created = created, .expires = expires};

	fill(d.pub, sizeof(d.pub), seed);
	return d;
}

static int write_text(const char *path, const char *text, mode_t mode)
{
	return store_write_atomic(path, text, strlen(text), mode);
}

TEST(trust_level_and_flag_names_round_trip)
{
	static const char *const bad_flags[] = {
		"", "rs-reset,rs-reset", "offline-origin,rs-reset", "rs-reset,", ",rs-reset",
		"RS-RESET", "bogus", "rs-reset,bogus", "--",
	};
	char text[TRUST_FLAGS_TEXT_LEN];
	enum trust_level level;
	unsigned flags;

	for (int l = TRUST_TOFU; l <= TRUST_REVOKED; l++) {
		CHECK(trust_level_name((enum trust_level)l) != NULL);
		CHECK_INT(trust_level_parse(trust_level_name((enum trust_level)l), &level), XE2E_OK);
		CHECK_INT(level, l);
	}
	CHECK(trust_level_name((enum trust_level)0) == NULL);
	CHECK(trust_level_name((enum trust_level)(TRUST_REVOKED + 1)) == NULL);
	CHECK_INT(trust_level_parse("Tofu", &level), XE2E_E_MALFORMED);
	CHECK_INT(trust_level_parse("trusted", &level), XE2E_E_MALFORMED);
	for (unsigned f = 0; f <= TRUST_FLAGS_ALL; f++) {
		trust_flags_format(f, text);
		CHECK_INT(trust_flags_parse(text, &flags), XE2E_OK);
		CHECK_INT(flags, f);
	}
	trust_flags_format(TRUST_FLAGS_ALL, text);
	CHECK_STR(text, "rs-reset,offline-origin");
	trust_flags_format(0, text);
	CHECK_STR(text, "-");
	for (size_t i = 0; i < sizeof(bad_flags) / sizeof(bad_flags[0]); i++)
		CHECK_INT(trust_flags_parse(bad_flags[i], &flags), XE2E_E_MALFORMED);
}

/* offline-origin caps the level at tofu; the lower levels may carry it. */
TEST(trust_offline_origin_caps_the_level)
{
	for (int l = TRUST_TOFU; l <= TRUST_REVOKED; l++) {
		int capped = l == TRUST_VERIFIED || l == TRUST_ANCHORED || l == TRUST_PINNED;

		CHECK_INT(trust_level_flags_check((enum trust_level)l, 0), XE2E_OK);
		CHECK_INT(trust_level_flags_check((enum trust_level)l, TRUST_FLAG_RS_RESET), XE2E_OK);
		CHECK_INT(trust_level_flags_check((enum trust_level)l, TRUST_FLAG_OFFLINE_ORIGIN),
			  capped ? XE2E_E_MALFORMED : XE2E_OK);
		CHECK_INT(trust_level_flags_check((enum trust_level)l, TRUST_FLAGS_ALL),
			  capped ? XE2E_E_MALFORMED : XE2E_OK);
	}
	err_detail_clear();
}

TEST(jid_check_normal_bare_wants_normalised_bare_jids)
{
	static const char *const bad[] = {
		"", "alice@capulet.lit/balcony", "Alice@capulet.lit", "alice@Capulet.lit",
		"alice@capulet.lit.", "@capulet.lit", "alice@", "a@b@c", "alice @capulet.lit",
		"alice\t@capulet.lit",
	};

	CHECK_INT(jid_check_normal_bare(ALICE), XE2E_OK);
	CHECK_INT(jid_check_normal_bare("capulet.lit"), XE2E_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (jid_check_normal_bare(bad[i]) != XE2E_E_MALFORMED)
			unit_fail(__FILE__, __LINE__, "accepted \"%s\"", bad[i]);
	}
}

static void build_db(struct trust_db *db)
{
	uint8_t a[FINGERPRINT_LEN], b[FINGERPRINT_LEN];
	struct trust_device d1 = device(0x2a, 1, 1700000000, 1800000000);
	struct trust_device d2 = device(0xdeadbeef, 2, 1700000100, 0);
	struct trust_device d3 = device(7, 3, 5, 6);

	fill(a, sizeof(a), 10);
	fill(b, sizeof(b), 20);
	CHECK_INT(trust_peer_add(db, ALICE, a, TRUST_VERIFIED, 1690000000, NULL), XE2E_OK);
	CHECK_INT(trust_peer_seen(db, ALICE, a, 1700000200), XE2E_OK);
	CHECK_INT(trust_peer_set_flags(db, ALICE, a, TRUST_FLAG_RS_RESET), XE2E_OK);
	CHECK_INT(trust_device_upsert(db, ALICE, a, &d1), XE2E_OK);
	CHECK_INT(trust_device_upsert(db, ALICE, a, &d2), XE2E_OK);
	CHECK_INT(trust_peer_add(db, BOB, b, TRUST_TOFU, 0, NULL), XE2E_OK);
	CHECK_INT(trust_peer_set_flags(db, BOB, b, TRUST_FLAGS_ALL), XE2E_OK);
	CHECK_INT(trust_device_upsert(db, BOB, b, &d3), XE2E_OK);
	CHECK_INT(trust_peer_add(db, BOB, a, TRUST_REVOKED, 3, NULL), XE2E_OK);
}

static void check_same_db(const struct trust_db *x, const struct trust_db *y)
{
	CHECK_INT(x->n_peers, y->n_peers);
	for (size_t i = 0; i < x->n_peers && i < y->n_peers; i++) {
		const struct trust_peer *p = &x->peers[i], *q = &y->peers[i];

		CHECK_STR(p->jid, q->jid);
		CHECK_MEM(p->fpr, q->fpr, FINGERPRINT_LEN);
		CHECK_INT(p->level, q->level);
		CHECK_INT(p->flags, q->flags);
		CHECK_INT(p->first_seen, q->first_seen);
		CHECK_INT(p->last_seen, q->last_seen);
		CHECK_INT(p->n_devices, q->n_devices);
		for (size_t j = 0; j < p->n_devices && j < q->n_devices; j++) {
			CHECK_INT(p->devices[j].id, q->devices[j].id);
			CHECK_MEM(p->devices[j].pub, q->devices[j].pub, X25519_LEN);
			CHECK_INT(p->devices[j].created, q->devices[j].created);
			CHECK_INT(p->devices[j].expires, q->devices[j].expires);
		}
	}
}

TEST(trust_text_round_trip)
{
	struct trust_db db = TRUST_DB_INIT, back = TRUST_DB_INIT;
	struct buf text = BUF_INIT, again = BUF_INIT;

	build_db(&db);
	CHECK_INT(trust_format(&db, &text), XE2E_OK);
	CHECK_INT(trust_parse("mem", (const char *)text.data, text.len, &back), XE2E_OK);
	check_same_db(&db, &back);
	CHECK_INT(trust_format(&back, &again), XE2E_OK);
	CHECK_INT(again.len, text.len);
	CHECK_MEM(again.data, text.data, text.len);
	CHECK_INT(buf_terminate(&text), XE2E_OK);
	CHECK(strstr((char *)text.data, "\ndevice " ALICE " ") != NULL);
	CHECK(strstr((char *)text.data, " deadbeef ") != NULL);
	CHECK(strstr((char *)text.data, "level=verified flags=rs-reset "
					"first-seen=1690000000 last-seen=1700000200\n") != NULL);
	CHECK(strstr((char *)text.data, "level=tofu flags=rs-reset,offline-origin "
					"first-seen=0 last-seen=0\n") != NULL);
	trust_free(&db);
	trust_free(&back);
	buf_free(&text);
	buf_free(&again);
}

static int add_built(struct trust_db *db, void *ctx)
{
	(void)ctx;
	build_db(db);
	return XE2E_OK;
}

TEST(trust_file_round_trip_through_update)
{
	const char *path = fresh_home();
	struct trust_db db = TRUST_DB_INIT, want = TRUST_DB_INIT;
	struct stat st;

	CHECK_INT(trust_load(NULL, &db), XE2E_OK); /* missing: empty */
	CHECK_INT(db.n_peers, 0);
	CHECK_INT(trust_update(NULL, add_built, NULL), XE2E_OK);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0644);
	CHECK_INT(trust_load(NULL, &db), XE2E_OK);
	build_db(&want);
	check_same_db(&db, &want);
	trust_free(&db);
	trust_free(&want);
}

struct bad_case {
	const char *line; /* appended after the header and a valid peer line */
	const char *detail;
};

#define PEER_A "peer " ALICE " " FPR_A " level=tofu flags=- first-seen=1 last-seen=2\n"
#define DEV_A1 "device " ALICE " " FPR_A " 00000001 " PUB_1 " created=10 expires=0\n"

static const struct bad_case bad_lines[] = {
	{"peers " ALICE " " FPR_A " level=tofu flags=- first-seen=1 last-seen=2\n", "unknown record"},
	{"peer " BOB " " FPR_A " lvl=tofu flags=- first-seen=1 last-seen=2\n", "expected level="},
	{"peer " BOB " " FPR_A " level=trusted flags=- first-seen=1 last-seen=2\n", "unknown level"},
	{"peer " BOB " " FPR_A " level=tofu flags=rs-reset,bogus first-seen=1 last-seen=2\n",
	 "bad flags"},
	{"peer " BOB " " FPR_A " level=tofu flags= first-seen=1 last-seen=2\n", "bad flags"},
	{"peer " BOB " " FPR_A " level=verified flags=offline-origin first-seen=1 last-seen=2\n",
	 "offline-origin at level verified"},
	{"peer " BOB " " FPR_A " level=pinned flags=rs-reset,offline-origin first-seen=1 "
	 "last-seen=2\n", "offline-origin at level pinned"},
	{"peer " BOB " " FPR_A " level=anchored flags=offline-origin first-seen=1 last-seen=2\n",
	 "offline-origin at level anchored"},
	{"peer " BOB " " FPR_A " level=tofu flags=- seen=1 last-seen=2\n", "expected first-seen="},
	{"peer " BOB " 1111111111111111111111111111111111111111111111111111111111111111aa level=tofu "
	 "flags=- first-seen=1 last-seen=2\n", "bad fingerprint"},
	{"peer " BOB " 111111111111111111111111111111111111111111111111111111111111111 level=tofu "
	 "flags=- first-seen=1 last-seen=2\n", "bad fingerprint"},
	{"peer " BOB " 1111111111111111111111111111111111111111111111111111111111111g11 level=tofu "
	 "flags=- first-seen=1 last-seen=2\n", "bad fingerprint"},
	{"peer " BOB " ABCD111111111111111111111111111111111111111111111111111111111111 level=tofu "
	 "flags=- first-seen=1 last-seen=2\n", "bad fingerprint"},
	{"peer Bob@montague.lit " FPR_A " level=tofu flags=- first-seen=1 last-seen=2\n", "JID"},
	{"peer bob@montague.lit/garden " FPR_A " level=tofu flags=- first-seen=1 last-seen=2\n",
	 "JID"},
	{"peer " BOB " " FPR_A " level=tofu flags=- first-seen=01 last-seen=2\n", "first-seen time"},
	{"peer " BOB " " FPR_A " level=tofu flags=- first-seen=-1 last-seen=2\n", "first-seen time"},
	{"peer " BOB " " FPR_A " level=tofu flags=- first-seen=1 last-seen=18446744073709551616\n",
	 "last-seen time"},
	{"peer " BOB " " FPR_A " level=tofu flags=- first-seen=3 last-seen=2\n", "first-seen after"},
	{"peer " BOB " " FPR_A " level=tofu flags=- first-seen=1\n", "fields"},
	{"peer " BOB " " FPR_A " level=tofu flags=- first-seen=1 last-seen=2 x=y\n",
	 "expected openpgp="},
	{"peer " BOB " " FPR_A " level=tofu flags=- first-seen=1 last-seen=2 openpgp=\n",
	 "bad OpenPGP fingerprint"},
	{"peer " BOB " " FPR_A " level=tofu flags=- first-seen=1 last-seen=2 "
	 "openpgp=0123456789abcdef0123456789ABCDEF01234567\n", "bad OpenPGP fingerprint"},
	{"peer " BOB " " FPR_A " level=tofu flags=- first-seen=1 last-seen=2 "
	 "openpgp=0123456789ABCDEF0123456789ABCDEF012345678\n", "bad OpenPGP fingerprint"},
	{"peer " BOB " " FPR_A " level=tofu flags=- first-seen=1 last-seen=2 "
	 "openpgp=0123456789ABCDEF0123456789ABCDEF01234567 x=y\n", "too many"},
	{"peer " BOB " " FPR_A "  level=tofu flags=- first-seen=1 last-seen=2\n", "empty field"},
	{"peer " BOB " " FPR_A " level=tofu flags=- first-seen=1 last-seen=2 \n", "empty field"},
	{"peer " BOB " " FPR_A " level=tofu\tflags=- first-seen=1 last-seen=2\n", "control"},
	{"peer " BOB " " FPR_A " level=tofu flags=- first-seen=1 last-seen=2\r\n", "control"},
	{PEER_A, "duplicate peer"},
	{"device " BOB " " FPR_A " 00000001 " PUB_1 " created=10 expires=0\n", "before the peer"},
	{"device " ALICE " " FPR_A " 0000001 " PUB_1 " created=10 expires=0\n", "bad device id"},
	{"device " ALICE " " FPR_A " 00000001 " PUB_1 "00 created=10 expires=0\n", "bad device key"},
	{"device " ALICE " " FPR_A " 00000001 " PUB_1 " created=10 expires=10\n", "expires"},
	{"device " ALICE " " FPR_A " 00000001 " PUB_1 " created=10 expires=0 x\n",
	 "device record has 8 fields"},
	{"device " ALICE " " FPR_A " 00000001 " PUB_1 " created=10 expires=0 x y\n", "too many"},
	{"device " ALICE " " FPR_A " 00000001 " PUB_1 " made=10 expires=0\n", "expected created="},
	{DEV_A1 DEV_A1, "duplicate device"},
	{DEV_A1 "device " ALICE " " FPR_A " 00000002 " PUB_1 " created=10 expires=0\n",
	 "bound twice"},
	{"peer " BOB " " FPR_B " level=tofu flags=- first-seen=1 last-seen=2\n" DEV_A1
	 "device " BOB " " FPR_B " 00000001 " PUB_1 " created=10 expires=0\n", "bound twice"},
	{"peer " BOB " " FPR_A " level=tofu flags=- first-seen=1 last-seen=2", "no newline"},
};

/* Counts the lines before the last one of s (the failing line's number,
 * after the header and PEER_A). */
static size_t failing_line(const char *s)
{
	size_t lines = 2;

	for (const char *p = s; *p; p++) {
		if (*p == '\n' && p[1] != '\0')
			lines++;
	}
	return lines + 1;
}

TEST(trust_parse_refuses_every_malformed_line)
{
	size_t n = sizeof(bad_lines) / sizeof(bad_lines[0]);

	for (size_t i = 0; i < n; i++) {
		struct trust_db db = TRUST_DB_INIT;
		struct buf text = BUF_INIT;
		char where[64];
		int err;

		buf_printf(&text, "%s\n%s%s", TRUST_HEADER, PEER_A, bad_lines[i].line);
		err = trust_parse("FILE", (const char *)text.data, text.len, &db);
		snprintf(where, sizeof(where), "FILE line %zu: ", failing_line(bad_lines[i].line));
		if (err != XE2E_E_MALFORMED || strncmp(err_detail(), where, strlen(where)) != 0 ||
		    !strstr(err_detail(), bad_lines[i].detail))
			unit_fail(__FILE__, __LINE__, "case %zu: err %d, detail \"%s\", want \"%s...%s\"",
				  i, err, err_detail(), where, bad_lines[i].detail);
		CHECK_INT(db.n_peers, 0);
		buf_free(&text);
	}
	unit_note("%zu malformed lines refused with their line numbers", n);
}

TEST(trust_parse_checks_header_and_size)
{
	struct trust_db db = TRUST_DB_INIT;
	struct buf text = BUF_INIT;

	CHECK_INT(trust_parse("F", "", 0, &db), XE2E_E_MALFORMED);
	CHECK(strstr(err_detail(), "F line 1: ") == err_detail());
	CHECK_INT(trust_parse("F", PEER_A, strlen(PEER_A), &db), XE2E_E_MALFORMED);
	CHECK(strstr(err_detail(), "F line 1: ") == err_detail());
	CHECK_INT(trust_parse("F", "# xe2e trust store v2\n", 22, &db), XE2E_E_UNSUPPORTED);
	CHECK_INT(trust_parse("F", "\n" TRUST_HEADER "\n", strlen(TRUST_HEADER) + 2, &db),
		  XE2E_E_MALFORMED);
	/* Comments and blank lines are fine, and dropped on rewrite. */
	buf_printf(&text, "%s\n\n# a comment\n%s# another\n", TRUST_HEADER, PEER_A);
	CHECK_INT(trust_parse("F", (const char *)text.data, text.len, &db), XE2E_OK);
	CHECK_INT(db.n_peers, 1);
	trust_free(&db);
	buf_clear(&text);
	buf_printf(&text, "%s\n#", TRUST_HEADER);
	for (int i = 0; i < 5000; i++)
		buf_append_byte(&text, 'x');
	buf_append_byte(&text, '\n');
	CHECK_INT(trust_parse("F", (const char *)text.data, text.len, &db), XE2E_E_MALFORMED);
	CHECK(strstr(err_detail(), "F line 2: line longer") == err_detail());
	buf_free(&text);
}

static int count_calls(struct trust_db *db, void *ctx)
{
	uint8_t fpr[FINGERPRINT_LEN];

	++*(int *)ctx;
	fill(fpr, sizeof(fpr), 99);
	return trust_peer_add(db, BOB, fpr, TRUST_TOFU, 1, NULL);
}

TEST(trust_update_never_writes_over_a_corrupt_file)
{
	const char *path = fresh_home();
	static const char *const corrupt[] = {
		TRUST_HEADER "\n" PEER_A "peer " BOB " " FPR_A " level=great flags=- first-seen=1 "
		"last-seen=2\n",
		TRUST_HEADER "\n" PEER_A "peer " BOB " " FPR_A " level=tofu flags=- first-se",
		"garbage\n",
	};

	CHECK_INT(store_ensure_dir(STORE_DATA), XE2E_OK);
	for (size_t i = 0; i < sizeof(corrupt) / sizeof(corrupt[0]); i++) {
		char *before, *after;
		size_t n_before = 0, n_after = 0;
		int calls = 0;

		CHECK_INT(write_text(path, corrupt[i], 0644), XE2E_OK);
		before = unit_read_file(path, &n_before);
		CHECK_INT(trust_update(NULL, count_calls, &calls), XE2E_E_MALFORMED);
		CHECK(strstr(err_detail(), path) == err_detail());
		CHECK_INT(calls, 0);
		after = unit_read_file(path, &n_after);
		CHECK(before && after);
		CHECK_INT(n_after, n_before);
		if (before && after)
			CHECK_MEM(after, before, n_before);
		free(before);
		free(after);
	}
}

static int fail_after_change(struct trust_db *db, void *ctx)
{
	uint8_t fpr[FINGERPRINT_LEN];

	(void)ctx;
	fill(fpr, sizeof(fpr), 5);
	CHECK_INT(trust_peer_add(db, ALICE, fpr, TRUST_PINNED, 1, NULL), XE2E_OK);
	return XE2E_E_TRUST;
}

TEST(trust_update_writes_nothing_when_the_change_fails)
{
	const char *path = fresh_home();
	int calls = 0;
	char *before, *after;

	CHECK_INT(trust_update(NULL, fail_after_change, NULL), XE2E_E_TRUST);
	CHECK(!store_exists(path));
	CHECK_INT(trust_update(NULL, count_calls, &calls), XE2E_OK);
	before = unit_read_file(path, NULL);
	CHECK_INT(trust_update(NULL, fail_after_change, NULL), XE2E_E_TRUST);
	after = unit_read_file(path, NULL);
	CHECK(before && after);
	if (before && after)
		CHECK_STR(after, before);
	free(before);
	free(after);
}

TEST(trust_device_rotation_needs_a_newer_binding)
{
	struct trust_db db = TRUST_DB_INIT;
	uint8_t fpr[FINGERPRINT_LEN];
	struct trust_peer *peer;
	struct trust_device d1 = device(1, 1, 100, 1000), d2 = device(1, 2, 100, 1000);
	struct trust_device bad = device(2, 9, 100, 50);

	fill(fpr, sizeof(fpr), 1);
	CHECK_INT(trust_device_upsert(&db, ALICE, fpr, &d1), XE2E_E_NOTFOUND);
	CHECK_INT(trust_peer_add(&db, ALICE, fpr, TRUST_TOFU, 1, &peer), XE2E_OK);
	CHECK_INT(trust_device_upsert(&db, ALICE, fpr, &d1), XE2E_OK);
	CHECK_INT(trust_device_upsert(&db, ALICE, fpr, &d1), XE2E_OK); /* the same again */
	CHECK_INT(trust_device_upsert(&db, ALICE, fpr, &d2), XE2E_E_TRUST); /* equally old */
	d2.created = 99;
	CHECK_INT(trust_device_upsert(&db, ALICE, fpr, &d2), XE2E_E_TRUST); /* older */
	d1.expires = 2000;
	CHECK_INT(trust_device_upsert(&db, ALICE, fpr, &d1), XE2E_E_TRUST); /* same time, changed */
	peer = trust_find(&db, ALICE, fpr);
	CHECK(peer && peer->n_devices == 1 && peer->devices[0].expires == 1000);
	d2.created = 101;
	CHECK_INT(trust_device_upsert(&db, ALICE, fpr, &d2), XE2E_OK); /* newer */
	peer = trust_find(&db, ALICE, fpr);
	CHECK(peer && peer->n_devices == 1);
	if (peer && peer->n_devices == 1) {
		CHECK_MEM(peer->devices[0].pub, d2.pub, X25519_LEN);
		CHECK_INT(peer->devices[0].created, 101);
	}
	CHECK(trust_find_device(&db, d1.pub, NULL) == NULL);
	CHECK_INT(trust_device_upsert(&db, ALICE, fpr, &bad), XE2E_E_MALFORMED);
	trust_free(&db);
}

TEST(trust_device_key_belongs_to_one_identity)
{
	struct trust_db db = TRUST_DB_INIT;
	uint8_t fa[FINGERPRINT_LEN], fb[FINGERPRINT_LEN];
	struct trust_device d = device(1, 1, 100, 0), dev;
	struct trust_device *found = NULL;
	struct trust_peer *owner;

	fill(fa, sizeof(fa), 1);
	fill(fb, sizeof(fb), 2);
	CHECK_INT(trust_peer_add(&db, ALICE, fa, TRUST_TOFU, 1, NULL), XE2E_OK);
	CHECK_INT(trust_peer_add(&db, ALICE, fb, TRUST_TOFU, 1, NULL), XE2E_OK);
	CHECK_INT(trust_peer_add(&db, BOB, fb, TRUST_TOFU, 1, NULL), XE2E_OK);
	CHECK_INT(trust_device_upsert(&db, ALICE, fa, &d), XE2E_OK);
	dev = d;
	dev.created = 500;
	CHECK_INT(trust_device_upsert(&db, BOB, fb, &dev), XE2E_E_TRUST);     /* other JID */
	CHECK_INT(trust_device_upsert(&db, ALICE, fb, &dev), XE2E_E_TRUST);   /* other identity */
	dev.id = 2;
	CHECK_INT(trust_device_upsert(&db, ALICE, fa, &dev), XE2E_E_TRUST);   /* other device id */
	owner = trust_find_device(&db, d.pub, &found);
	CHECK(owner == trust_find(&db, ALICE, fa));
	CHECK(found && found->id == 1 && found->created == 100);
	fill(dev.pub, sizeof(dev.pub), 77);
	CHECK(trust_find_device(&db, dev.pub, NULL) == NULL);
	trust_free(&db);
}

TEST(trust_check_identity_applies_the_policy)
{
	struct trust_db db = TRUST_DB_INIT;
	uint8_t f1[FINGERPRINT_LEN], f2[FINGERPRINT_LEN], f3[FINGERPRINT_LEN];
	struct trust_peer sentinel, *peer = &sentinel;

	fill(f1, sizeof(f1), 1);
	fill(f2, sizeof(f2), 2);
	fill(f3, sizeof(f3), 3);
	CHECK_INT(trust_check_identity(&db, ALICE, f1, &peer), XE2E_OK);
	CHECK(peer == NULL); /* first contact */
	CHECK_INT(trust_peer_add(&db, ALICE, f1, TRUST_PINNED, 1, NULL), XE2E_OK);
	CHECK_INT(trust_check_identity(&db, ALICE, f1, &peer), XE2E_OK);
	CHECK(peer == trust_find(&db, ALICE, f1));
	CHECK_INT(trust_check_identity(&db, ALICE, f2, &peer), XE2E_E_TRUST); /* changed key */
	CHECK(peer == NULL);
	CHECK(strstr(err_detail(), "changed") != NULL);
	CHECK_INT(trust_peer_set_level(&db, ALICE, f1, TRUST_REVOKED), XE2E_OK);
	CHECK_INT(trust_check_identity(&db, ALICE, f1, &peer), XE2E_E_TRUST);
	CHECK_INT(trust_check_identity(&db, ALICE, f2, &peer), XE2E_OK); /* old one revoked */
	CHECK(peer == NULL);
	CHECK_INT(trust_peer_add(&db, ALICE, f2, TRUST_TOFU, 2, NULL), XE2E_OK);
	CHECK_INT(trust_peer_set_level(&db, ALICE, f2, TRUST_MISMATCH), XE2E_OK);
	CHECK_INT(trust_check_identity(&db, ALICE, f2, &peer), XE2E_E_TRUST);
	CHECK_INT(trust_check_identity(&db, ALICE, f3, &peer), XE2E_E_TRUST);
	CHECK_INT(trust_check_identity(&db, BOB, f2, &peer), XE2E_OK);
	CHECK(peer == NULL);
	trust_free(&db);
}

TEST(trust_verify_cas_refuses_changed_keys)
{
	struct trust_db db = TRUST_DB_INIT;
	uint8_t fpr[FINGERPRINT_LEN], other[FINGERPRINT_LEN];
	struct trust_device d = device(3, 1, 100, 0), newer = device(3, 2, 200, 0);
	struct trust_peer *peer;

	fill(fpr, sizeof(fpr), 1);
	fill(other, sizeof(other), 2);
	CHECK_INT(trust_peer_add(&db, ALICE, fpr, TRUST_TOFU, 1, NULL), XE2E_OK);
	CHECK_INT(trust_peer_set_flags(&db, ALICE, fpr, TRUST_FLAGS_ALL), XE2E_OK);
	CHECK_INT(trust_device_upsert(&db, ALICE, fpr, &d), XE2E_OK);
	CHECK_INT(trust_verify_cas(&db, ALICE, other, 3, d.pub), XE2E_E_TRUST);
	CHECK_INT(trust_verify_cas(&db, BOB, fpr, 3, d.pub), XE2E_E_TRUST);
	CHECK_INT(trust_verify_cas(&db, ALICE, fpr, 4, d.pub), XE2E_E_TRUST);
	CHECK_INT(trust_verify_cas(&db, ALICE, fpr, 3, newer.pub), XE2E_E_TRUST);
	peer = trust_find(&db, ALICE, fpr);
	CHECK(peer && peer->level == TRUST_TOFU && peer->flags == TRUST_FLAGS_ALL);
	CHECK_INT(trust_verify_cas(&db, ALICE, fpr, 3, d.pub), XE2E_OK);
	peer = trust_find(&db, ALICE, fpr);
	/* Verified through a session that is not offline-origin: the key is
	 * established, both flags go. */
	CHECK(peer && peer->level == TRUST_VERIFIED && peer->flags == 0);
	/* The device key rotated while the SAS was being compared. */
	CHECK_INT(trust_peer_set_level(&db, ALICE, fpr, TRUST_TOFU), XE2E_OK);
	CHECK_INT(trust_device_upsert(&db, ALICE, fpr, &newer), XE2E_OK);
	CHECK_INT(trust_verify_cas(&db, ALICE, fpr, 3, d.pub), XE2E_E_TRUST);
	CHECK(trust_find(&db, ALICE, fpr)->level == TRUST_TOFU);
	CHECK_INT(trust_peer_set_level(&db, ALICE, fpr, TRUST_REVOKED), XE2E_OK);
	CHECK_INT(trust_verify_cas(&db, ALICE, fpr, 3, newer.pub), XE2E_E_TRUST);
	CHECK(trust_find(&db, ALICE, fpr)->level == TRUST_REVOKED);
	trust_free(&db);
}

TEST(trust_entries_of_a_jid_and_forgetting)
{
	struct trust_db db = TRUST_DB_INIT;
	uint8_t f1[FINGERPRINT_LEN], f2[FINGERPRINT_LEN];
	struct trust_peer *p;
	struct trust_device d = device(1, 1, 1, 0);
	int n = 0;

	fill(f1, sizeof(f1), 1);
	fill(f2, sizeof(f2), 2);
	CHECK_INT(trust_peer_add(&db, ALICE, f1, TRUST_REVOKED, 1, NULL), XE2E_OK);
	CHECK_INT(trust_peer_add(&db, BOB, f1, TRUST_TOFU, 1, NULL), XE2E_OK);
	CHECK_INT(trust_peer_add(&db, ALICE, f2, TRUST_TOFU, 1, NULL), XE2E_OK);
	CHECK_INT(trust_peer_add(&db, ALICE, f2, TRUST_TOFU, 1, NULL), XE2E_E_EXISTS);
	CHECK_INT(trust_peer_add(&db, "Alice@capulet.lit", f2, TRUST_TOFU, 1, NULL),
		  XE2E_E_MALFORMED);
	CHECK_INT(trust_peer_add(&db, "carol@x.lit", f2, (enum trust_level)0, 1, NULL),
		  XE2E_E_MALFORMED);
	CHECK_INT(trust_device_upsert(&db, ALICE, f2, &d), XE2E_OK);
	for (p = NULL; (p = trust_next_by_jid(&db, ALICE, p));)
		n++;
	CHECK_INT(n, 2);
	CHECK_INT(trust_peer_set_flags(&db, BOB, f1, 0x4), XE2E_E_MALFORMED);
	CHECK_INT(trust_peer_set_flags(&db, BOB, f2, 0x1), XE2E_E_NOTFOUND);
	CHECK_INT(trust_peer_clear_flags(&db, BOB, f2, 0x1), XE2E_E_NOTFOUND);
	CHECK_INT(trust_peer_set_level(&db, BOB, f2, TRUST_PINNED), XE2E_E_NOTFOUND);
	CHECK_INT(trust_peer_forget(&db, ALICE, f2), XE2E_OK);
	CHECK(trust_find_device(&db, d.pub, NULL) == NULL);
	CHECK_INT(trust_peer_forget(&db, ALICE, f2), XE2E_E_NOTFOUND);
	CHECK(trust_next_by_jid(&db, ALICE, NULL) == trust_find(&db, ALICE, f1));
	CHECK_INT(trust_peer_forget(&db, ALICE, NULL), XE2E_OK);
	CHECK(trust_next_by_jid(&db, ALICE, NULL) == NULL);
	CHECK_INT(db.n_peers, 1);
	CHECK_STR(db.peers[0].jid, BOB);
	trust_free(&db);
}

struct writer {
	int worker, n;
};

static int add_worker_peer(struct trust_db *db, void *ctx)
{
	const struct writer *w = ctx;
	uint8_t fpr[FINGERPRINT_LEN] = {0};
	char jid[64];

	snprintf(jid, sizeof(jid), "w%d-%d@example.org", w->worker, w->n);
	fpr[0] = (uint8_t)w->worker;
	fpr[1] = (uint8_t)w->n;
	return trust_peer_add(db, jid, fpr, TRUST_TOFU, (uint64_t)w->n, NULL);
}

#define WRITERS 8
#define PER_WRITER 20

TEST(trust_concurrent_writers_lose_nothing)
{
	struct trust_db db = TRUST_DB_INIT;
	pid_t pids[WRITERS];
	int failed = 0;

	fresh_home();
	for (int w = 0; w < WRITERS; w++) {
		pids[w] = fork();
		if (pids[w] == 0) {
			int bad = 0;

			for (int i = 0; i < PER_WRITER; i++) {
				struct writer ctx = {w, i};

				bad |= trust_update(NULL, add_worker_peer, &ctx) != XE2E_OK;
			}
			_exit(bad);
		}
		CHECK(pids[w] > 0);
	}
	for (int w = 0; w < WRITERS; w++) {
		int status = 0;

		if (pids[w] > 0 && (waitpid(pids[w], &status, 0) != pids[w] || !WIFEXITED(status) ||
				    WEXITSTATUS(status) != 0))
			failed++;
	}
	CHECK_INT(failed, 0);
	CHECK_INT(trust_load(NULL, &db), XE2E_OK);
	CHECK_INT(db.n_peers, WRITERS * PER_WRITER);
	for (int w = 0; w < WRITERS; w++) {
		for (int i = 0; i < PER_WRITER; i++) {
			uint8_t fpr[FINGERPRINT_LEN] = {(uint8_t)w, (uint8_t)i};
			char jid[64];

			snprintf(jid, sizeof(jid), "w%d-%d@example.org", w, i);
			if (!trust_find(&db, jid, fpr))
				unit_fail(__FILE__, __LINE__, "%s lost", jid);
		}
	}
	unit_note("%d processes x %d locked updates", WRITERS, PER_WRITER);
	trust_free(&db);
}
