/* The prekey store: file format, creation, consumption, pruning, the
 * replay cache, locked updates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "dh.h"
#include "err.h"
#include "prekey.h"
#include "store.h"
#include "unit.h"
#include "util.h"

#define NOW 1750000000ull
#define DAY (24ull * 3600)

#define PRIV_A "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
#define PRIV_B "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"
#define SIG                                                                     \
	"0102030405060708091011121314151617181920212223242526272829303132" \
	"3334353637383940414243444546474849505152535455565758596061626364"
#define EK "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"

/* A file with every kind of line, in canonical form. */
static const char good_file[] =
	"xe2e prekeys v1\n"
	"spk 0000000a 1750000000 1752592000 1750500000 " PRIV_A " " SIG "\n"
	"spk 0000000b 1750500000 1753092000 - " PRIV_B " " SIG "\n"
	"opk 00000101 1750000000 1752592000 " PRIV_A "\n"
	"opk 00000102 1750000000 1752592000 " PRIV_B "\n"
	"used 00000100 1753200000\n"
	"seen 0000000b " EK "\n";

static const char *tmp_path(const char *name)
{
	static char path[STORE_PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", unit_tmpdir(), name);
	return path;
}

static int parse_text(const char *text, struct prekey_store *st)
{
	return prekey_parse("test", text, strlen(text), st);
}

TEST(prekey_file_round_trips_exactly)
{
	struct prekey_store st = PREKEY_STORE_INIT;
	struct buf out = BUF_INIT;

	CHECK_INT(parse_text(good_file, &st), XE2E_OK);
	CHECK_INT(st.n_spk, 2);
	CHECK_INT(st.n_opk, 2);
	CHECK_INT(st.n_used, 1);
	CHECK_INT(st.n_seen, 1);
	CHECK_INT(st.spk[0].id, 0xa);
	CHECK_INT(st.spk[0].retired, 1750500000);
	CHECK_INT(st.spk[1].retired, 0);
	CHECK_INT(st.spk[1].priv[0], 0xb2);
	CHECK_INT(st.spk[1].sig[63], 0x64);
	CHECK_INT(st.opk[1].id, 0x102);
	CHECK_INT(st.used[0].until, 1753200000);
	CHECK_INT(st.seen[0].spk_id, 0xb);
	CHECK_INT(prekey_format(&st, &out), XE2E_OK);
	CHECK(out.len == strlen(good_file) && !memcmp(out.data, good_file, out.len));
	buf_free(&out);
	prekey_store_free(&st);
}

/* Replaces the first occurrence of from in good_file by to. */
static char *mutate(const char *from, const char *to)
{
	const char *at = strstr(good_file, from);
	size_t n = strlen(good_file) + strlen(to) + 1;
	char *s = malloc(n);

	if (!at || !s) {
		unit_fail(__FILE__, __LINE__, "no \"%s\" in the file", from);
		free(s);
		return NULL;
	}
	snprintf(s, n, "%.*s%s%s", (int)(at - good_file), good_file, to, at + strlen(from));
	return s;
}

TEST(prekey_file_parsing_is_strict)
{
	static const char *const cases[][2] = {
		{"xe2e prekeys v1\n", "xe2e prekeys v2\n"},
		{"xe2e prekeys v1\n", "xe2e prekeys v1 \n"},
		{"spk 0000000a", "spk 0000000A"},
		{"spk 0000000a", "spk 00000000"},
		{"spk 0000000a", "spk 000000a"},
		{"spk 0000000a", "spk  0000000a"},
		{"spk 0000000a", "SPK 0000000a"},
		{"spk 0000000a", "spq 0000000a"},
		{"spk 0000000a 1750000000", "spk 0000000a 01750000000"},
		{"spk 0000000a 1750000000 1752592000", "spk 0000000a 1752592000 1752592000"},
		{" 1750500000 ", " 0 "},
		{" 1750500000 ", " x "},
		{"spk 0000000b", "spk 0000000a"},                  /* repeated id */
		{"1753092000 - " PRIV_B, "1753092000 - " PRIV_B "00"},
		{"1753092000 - " PRIV_B, "1753092000 - " PRIV_B " extra"},
		{"opk 00000102", "opk 00000101"},                  /* repeated id */
		{"used 00000100", "used 00000101"},                /* id of a held opk */
		{"seen 0000000b", "seen 0000000c"},                /* no such spk */
		{"opk 00000101 1750000000 1752592000 " PRIV_A "\n", ""}, /* fine: kept below */
		{"used 00000100 1753200000\n", "used 00000100 1753200000\nopk 00000103 1 2 " PRIV_A "\n"},
		{"seen 0000000b " EK "\n", "seen 0000000b " EK},   /* no final LF */
		{"seen 0000000b " EK "\n", "seen 0000000b " EK "\nseen 0000000b " EK "\n"},
		{"\nopk", "\n\nopk"},                              /* blank line */
		{"\nopk", "\n# comment\nopk"},
		{PRIV_A, "A1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"},
		{"1752592000 " PRIV_A "\n", "18446744073709551616 " PRIV_A "\n"},
	};
	size_t refused = 0;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct prekey_store st = PREKEY_STORE_INIT;
		char *text = mutate(cases[i][0], cases[i][1]);
		int err;

		if (!text)
			continue;
		err = parse_text(text, &st);
		if (i == 18) {
			CHECK_INT(err, XE2E_OK);
		} else {
			if (err != XE2E_E_MALFORMED)
				unit_fail(__FILE__, __LINE__, "case %zu accepted (%d)", i, err);
			refused++;
			CHECK(strstr(err_detail(), "test line ") != NULL);
			CHECK(st.n_spk == 0 && st.spk == NULL);
		}
		prekey_store_free(&st);
		free(text);
	}
	unit_note("%zu malformed files refused", refused);
}

TEST(prekey_deadlines_and_pruning)
{
	struct prekey_store st = PREKEY_STORE_INIT;
	struct prekey_spk *cur;

	CHECK_INT(parse_text(good_file, &st), XE2E_OK);
	/* The retired SPK lives until its retirement plus the grace period. */
	CHECK_INT(prekey_spk_deadline(&st.spk[0]), 1750500000 + PREKEY_GRACE);
	CHECK_INT(prekey_spk_deadline(&st.spk[1]), 1753092000 + PREKEY_GRACE);
	CHECK_INT(prekey_opk_deadline(&st.opk[0]), 1752592000 + PREKEY_GRACE);
	cur = prekey_spk_current(&st, 1750600000);
	CHECK(cur && cur->id == 0xb);
	CHECK(prekey_spk_current(&st, 1753092000) == NULL); /* expired: none current */
	CHECK_INT(prekey_opk_count(&st, 1752591999), 2);
	CHECK_INT(prekey_opk_count(&st, 1752592000), 0);

	CHECK_INT(prekey_prune(&st, 1750500000 + PREKEY_GRACE - 1), 0);
	CHECK_INT(prekey_prune(&st, 1750500000 + PREKEY_GRACE), 1);
	CHECK(prekey_spk_find(&st, 0xa) == NULL && prekey_spk_find(&st, 0xb) != NULL);
	CHECK_INT(st.n_seen, 1);
	/* OPKs one grace after their expiry, used ids at their deadline. */
	CHECK_INT(prekey_prune(&st, 1752592000 + PREKEY_GRACE), 2);
	CHECK_INT(st.n_opk, 0);
	CHECK_INT(st.n_used, 1);
	CHECK_INT(prekey_prune(&st, 1753200000), 1);
	CHECK_INT(st.n_used, 0);
	/* The last SPK takes its replay-cache entries with it. */
	CHECK_INT(prekey_prune(&st, 1753092000 + PREKEY_GRACE), 2);
	CHECK_INT(st.n_spk + st.n_seen, 0);
	prekey_store_free(&st);
}

TEST(prekey_new_signed_prekey_retires_the_old)
{
	struct prekey_store st = PREKEY_STORE_INIT;
	struct prekey_spk *a, *b;
	uint32_t a_id;

	CHECK_INT(prekey_spk_add(&st, NOW, &a), XE2E_OK);
	a_id = a->id;
	CHECK(a_id != 0);
	CHECK_INT(a->created, NOW);
	CHECK_INT(a->expires, NOW + PREKEY_SPK_LIFETIME);
	CHECK(!ct_is_zero(a->priv, X25519_LEN));
	CHECK(prekey_spk_current(&st, NOW) == a);
	CHECK_INT(prekey_spk_add(&st, NOW + DAY, &b), XE2E_OK);
	CHECK(b->id != a_id);
	a = prekey_spk_find(&st, a_id);
	CHECK(a && a->retired == NOW + DAY);
	CHECK_INT(prekey_spk_deadline(a), NOW + DAY + PREKEY_GRACE);
	CHECK(prekey_spk_current(&st, NOW + DAY) == b);
	while (st.n_spk < PREKEY_SPK_MAX)
		CHECK_INT(prekey_spk_add(&st, NOW + DAY, &b), XE2E_OK);
	CHECK_INT(prekey_spk_add(&st, NOW + DAY, &b), XE2E_E_LIMIT);
	prekey_store_free(&st);
}

TEST(prekey_one_time_prekeys_are_unique_bounded_and_consumed_once)
{
	struct prekey_store st = PREKEY_STORE_INIT;
	size_t first = 99;
	uint32_t id;

	CHECK_INT(prekey_opk_add(&st, NOW, 50, &first), XE2E_OK);
	CHECK_INT(first, 0);
	for (size_t i = 0; i < st.n_opk; i++) {
		CHECK(st.opk[i].id != 0);
		CHECK_INT(st.opk[i].expires, NOW + PREKEY_OPK_LIFETIME);
		for (size_t j = 0; j < i; j++) {
			CHECK(st.opk[i].id != st.opk[j].id);
			CHECK(memcmp(st.opk[i].priv, st.opk[j].priv, X25519_LEN) != 0);
		}
	}
	id = st.opk[7].id;
	CHECK_INT(prekey_opk_consume(&st, id), XE2E_OK);
	CHECK(prekey_opk_find(&st, id) == NULL);
	CHECK(prekey_opk_was_used(&st, id));
	CHECK_INT(st.used[0].until, NOW + PREKEY_OPK_LIFETIME + PREKEY_GRACE);
	CHECK_INT(prekey_opk_consume(&st, id), XE2E_E_NOTFOUND);
	CHECK_INT(st.n_opk, 49);

	/* The oldest go when the bound is reached. */
	CHECK_INT(prekey_opk_add(&st, NOW + 1, PREKEY_OPK_MAX - 10, &first), XE2E_OK);
	CHECK_INT(st.n_opk, PREKEY_OPK_MAX);
	CHECK_INT(first, PREKEY_OPK_MAX - (PREKEY_OPK_MAX - 10));
	CHECK_INT(st.opk[0].created, NOW);
	CHECK_INT(st.opk[first].created, NOW + 1);
	CHECK_INT(prekey_opk_add(&st, NOW + 2, PREKEY_OPK_MAX + 1, NULL), XE2E_E_LIMIT);
	prekey_store_free(&st);
}

TEST(prekey_replay_cache)
{
	struct prekey_store st = PREKEY_STORE_INIT;
	struct prekey_spk *spk;
	uint8_t ek[X25519_LEN], priv[X25519_LEN], who[PREKEY_SENDER_LEN];
	unsigned k = 0;

	CHECK_INT(prekey_spk_add(&st, NOW, &spk), XE2E_OK);
	CHECK_INT(x25519_keypair(priv, ek), XE2E_OK);
	memset(who, 0x11, sizeof(who));
	CHECK(!prekey_seen_has(&st, spk->id, ek));
	CHECK_INT(prekey_seen_add(&st, spk->id, ek, who, 1, "a"), XE2E_OK);
	CHECK(prekey_seen_has(&st, spk->id, ek));
	CHECK_INT(prekey_seen_add(&st, spk->id, ek, who, 1, "a"), XE2E_E_REPLAY);
	CHECK_INT(prekey_seen_add(&st, spk->id + 1, ek, who, 1, "a"), XE2E_E_NOTFOUND);
	/* Full: refused, never forgotten; every sender within its quota. */
	memset(who, 0x33, sizeof(who));
	while (st.n_seen < PREKEY_SEEN_MAX) {
		ek[0]++;
		ek[1] += ek[0] == 0;
		ek[2] += ek[0] == 0 && ek[1] == 0;
		who[0] = (uint8_t)(k++ / 100);
		CHECK_INT(prekey_seen_add(&st, spk->id, ek, who, 100, "a"), XE2E_OK);
	}
	ek[5] ^= 1;
	memset(who, 0x22, sizeof(who));
	CHECK_INT(prekey_seen_add(&st, spk->id, ek, who, 100, "a"), XE2E_E_LIMIT);
	CHECK_INT(st.n_seen, PREKEY_SEEN_MAX);
	prekey_store_free(&st);
	wipe(priv, sizeof(priv));
}

/* One sender fills its quota and is refused; another still gets in. */
TEST(prekey_replay_cache_quota_per_sender)
{
	static const char *const bad[] = {"0", "-1", "x", "10001", "02", "2x", " 2"};
	struct prekey_store st = PREKEY_STORE_INIT;
	struct prekey_spk *spk;
	uint8_t ek[X25519_LEN], a[PREKEY_SENDER_LEN], b[PREKEY_SENDER_LEN];
	uint32_t quota = 0;

	CHECK_INT(prekey_spk_add(&st, NOW, &spk), XE2E_OK);
	CHECK_INT(prekey_sender_tag("alice@capulet.lit", a), XE2E_OK);
	CHECK_INT(prekey_sender_tag("carol@capulet.lit", b), XE2E_OK);
	CHECK(memcmp(a, b, PREKEY_SENDER_LEN) != 0);
	memset(ek, 7, sizeof(ek));
	for (int i = 0; i < 3; i++) {
		ek[0] = (uint8_t)i;
		CHECK_INT(prekey_seen_add(&st, spk->id, ek, a, 3, "alice@capulet.lit"), XE2E_OK);
	}
	ek[0] = 9;
	CHECK_INT(prekey_seen_room(&st, a, 3, "alice@capulet.lit"), XE2E_E_LIMIT);
	CHECK_INT(prekey_seen_add(&st, spk->id, ek, a, 3, "alice@capulet.lit"), XE2E_E_LIMIT);
	CHECK(strstr(err_detail(), "alice@capulet.lit already has 3 initial messages") != NULL);
	CHECK_INT(st.n_seen, 3);
	CHECK_INT(prekey_seen_add(&st, spk->id, ek, b, 3, "carol@capulet.lit"), XE2E_OK);
	CHECK_INT(st.n_seen, 4);
	/* The quota from the environment: 1 .. PREKEY_SEEN_MAX, else refused. */
	CHECK_INT(setenv(PREKEY_QUOTA_ENV, "2", 1), 0);
	CHECK_INT(prekey_seen_quota(&quota), XE2E_OK);
	CHECK_INT(quota, 2);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK_INT(setenv(PREKEY_QUOTA_ENV, bad[i], 1), 0);
		CHECK_INT(prekey_seen_quota(&quota), XE2E_E_MALFORMED);
	}
	CHECK_INT(unsetenv(PREKEY_QUOTA_ENV), 0);
	CHECK_INT(prekey_seen_quota(&quota), XE2E_OK);
	CHECK_INT(quota, PREKEY_SEEN_PER_SENDER);
	prekey_store_free(&st);
}

/* A replay-cache line names its sender; lines of older files name none. */
TEST(prekey_file_seen_sender)
{
	static const char text[] =
		"xe2e prekeys v1\n"
		"spk 0000000b 1750500000 1753092000 - " PRIV_B " " SIG "\n"
		"seen 0000000b " EK "\n"
		"seen 0000000b " PRIV_A " 00112233445566778899aabbccddeeff\n";
	static const char *const bad[] = {" 00000000000000000000000000000000\n", " 00112233\n",
					  " 00112233445566778899aabbccddeeff x\n",
					  " 00112233445566778899AABBCCDDEEFF\n"};
	struct prekey_store st = PREKEY_STORE_INIT;
	struct buf out = BUF_INIT;

	CHECK_INT(prekey_parse("test", text, strlen(text), &st), XE2E_OK);
	CHECK_INT(st.n_seen, 2);
	CHECK_INT(st.seen[0].sender[0], 0);
	CHECK_INT(st.seen[1].sender[15], 0xff);
	CHECK_INT(prekey_format(&st, &out), XE2E_OK);
	CHECK_INT(out.len, strlen(text));
	CHECK_MEM(out.data, text, out.len);
	prekey_store_free(&st);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char t[1024];

		snprintf(t, sizeof(t), "%.*s%s", (int)(strlen(text) - 34), text, bad[i]);
		CHECK_INT(prekey_parse("test", t, strlen(t), &st), XE2E_E_MALFORMED);
	}
	buf_free(&out);
}

struct add_ctx {
	size_t opks;
	int fail;
};

static int add_some(struct prekey_store *st, void *arg)
{
	struct add_ctx *c = arg;
	struct prekey_spk *spk;
	int err = prekey_spk_add(st, NOW, &spk);

	if (!err)
		err = prekey_opk_add(st, NOW, c->opks, NULL);
	return err ? err : c->fail;
}

static int nothing(struct prekey_store *st, void *arg)
{
	(void)st;
	(void)arg;
	return XE2E_OK;
}

TEST(prekey_update_writes_a_secret_file_atomically)
{
	const char *path = tmp_path("prekeys");
	struct prekey_store st = PREKEY_STORE_INIT;
	struct add_ctx c = {5, XE2E_E_AUTH};
	struct stat sb;
	ino_t ino;
	char *before;
	size_t len;

	/* A cancelled change writes nothing. */
	CHECK_INT(prekey_update(path, NOW, add_some, &c), XE2E_E_AUTH);
	CHECK(!store_exists(path));
	c.fail = XE2E_OK;
	CHECK_INT(prekey_update(path, NOW, add_some, &c), XE2E_OK);
	CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
	CHECK_INT(prekey_load(path, &st), XE2E_OK);
	CHECK_INT(st.n_spk, 1);
	CHECK_INT(st.n_opk, 5);
	prekey_store_free(&st);

	/* Pruning happens under the lock; an unchanged store is not rewritten. */
	CHECK_INT(stat(path, &sb), 0);
	ino = sb.st_ino;
	CHECK_INT(prekey_update(path, NOW + 1, nothing, NULL), XE2E_OK);
	CHECK(stat(path, &sb) == 0 && sb.st_ino == ino);
	CHECK_INT(prekey_update(path, NOW + PREKEY_SPK_LIFETIME + PREKEY_GRACE, nothing, NULL),
		  XE2E_OK);
	CHECK_INT(prekey_load(path, &st), XE2E_OK);
	CHECK_INT(st.n_spk + st.n_opk, 0);
	prekey_store_free(&st);

	/* Others may not read it. */
	CHECK_INT(chmod(path, 0644), 0);
	CHECK_INT(prekey_load(path, &st), XE2E_E_PERM);
	CHECK_INT(prekey_update(path, NOW, nothing, NULL), XE2E_E_PERM);
	CHECK_INT(chmod(path, 0600), 0);

	/* A file that does not parse is never written over. */
	CHECK_INT(store_write_atomic(path, "garbage\n", 8, 0600), XE2E_OK);
	CHECK_INT(prekey_update(path, NOW, add_some, &c), XE2E_E_MALFORMED);
	before = unit_read_file(path, &len);
	CHECK(before && len == 8 && !memcmp(before, "garbage\n", 8));
	free(before);
}

TEST(prekey_missing_file_is_an_empty_store)
{
	struct prekey_store st = PREKEY_STORE_INIT;

	CHECK_INT(prekey_load(tmp_path("none"), &st), XE2E_OK);
	CHECK_INT(st.n_spk + st.n_opk + st.n_used + st.n_seen, 0);
}

TEST(prekey_concurrent_updates_lose_nothing)
{
	const char *path = tmp_path("prekeys-concurrent");
	struct prekey_store st = PREKEY_STORE_INIT;
	struct add_ctx c = {3, XE2E_OK};
	enum { WRITERS = 4, ROUNDS = 3 };
	pid_t pids[WRITERS];
	int status;

	for (int w = 0; w < WRITERS; w++) {
		pids[w] = fork();
		if (pids[w] == 0) {
			int bad = 0;

			for (int r = 0; r < ROUNDS; r++)
				bad |= prekey_update(path, NOW, add_some, &c) != XE2E_OK;
			_exit(bad);
		}
	}
	for (int w = 0; w < WRITERS; w++) {
		CHECK(waitpid(pids[w], &status, 0) == pids[w]);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	CHECK_INT(prekey_load(path, &st), XE2E_OK);
	CHECK_INT(st.n_spk, WRITERS * ROUNDS);
	CHECK_INT(st.n_opk, WRITERS * ROUNDS * 3);
	prekey_store_free(&st);
}
