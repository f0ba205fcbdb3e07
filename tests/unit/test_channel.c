/*
 * Sessions in use (channel.h): block reservations written back, two
 * writers on one session, batches of received messages with their own
 * outcomes, and finding a session by peer and tag.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "channel.h"
#include "dh.h"
#include "err.h"
#include "handshake_msg.h"
#include "rng.h"
#include "session.h"
#include "unit.h"

#define ALICE "alice@capulet.lit"
#define BOB "bob@montague.lit"

/* Two homes with the two ends of one session, as a handshake leaves them. */
struct pair {
	char home[2][300]; /* 0: Alice (initiator), 1: Bob (responder) */
	uint8_t id[SESSION_ID_LEN];
};

static void use(const struct pair *p, int who)
{
	setenv("XE2E_HOME", p->home[who], 1);
}

static void side(struct session *s, const uint8_t id[static SESSION_ID_LEN], int responder,
		 const uint8_t rk[32], const uint8_t ck[32], const uint8_t r0_priv[32],
		 const uint8_t r0_pub[32])
{
	memset(s, 0, sizeof(*s));
	memcpy(s->id, id, SESSION_ID_LEN);
	s->state = SESSION_ACTIVE;
	s->role = responder ? SESSION_RESPONDER : SESSION_INITIATOR;
	s->pattern = HS_PATTERN_XX;
	s->version = 1;
	s->suite = HS_SUITE_CHACHAPOLY;
	s->created = 1700000000;
	strcpy(s->self_jid, responder ? BOB : ALICE);
	strcpy(s->peer_jid, responder ? ALICE "/balcony" : BOB "/garden");
	s->trust = TRUST_TOFU;
	memcpy(s->root_key, rk, 32);
	memcpy(s->chain_key, ck, 32);
	if (responder) {
		s->has_own_ratchet = 1;
		memcpy(s->own_ratchet_priv, r0_priv, 32);
		memcpy(s->own_ratchet_pub, r0_pub, 32);
	} else {
		s->has_peer_ratchet = 1;
		memcpy(s->peer_ratchet_pub, r0_pub, 32);
	}
}

/* A new session between Alice and Bob; current for both when current. */
static void pair_session(struct pair *p, int current)
{
	uint8_t rk[32], ck[32], priv[32], pub[32];
	struct session s;

	CHECK_INT(rng_bytes(p->id, SESSION_ID_LEN), XE2E_OK);
	CHECK_INT(rng_bytes(rk, 32), XE2E_OK);
	CHECK_INT(rng_bytes(ck, 32), XE2E_OK);
	CHECK_INT(x25519_keypair(priv, pub), XE2E_OK);
	for (int who = 0; who < 2; who++) {
		use(p, who);
		side(&s, p->id, who, rk, ck, priv, pub);
		CHECK_INT(session_create(&s), XE2E_OK);
		if (current)
			CHECK_INT(session_current_set(who ? ALICE : BOB, p->id), XE2E_OK);
		session_free(&s);
	}
}

static void pair_init(struct pair *p)
{
	const char *dir = unit_tmpdir();

	snprintf(p->home[0], sizeof(p->home[0]), "%s/alice", dir);
	snprintf(p->home[1], sizeof(p->home[1]), "%s/bob", dir);
	pair_session(p, 1);
}

static void info_of(const struct pair *p, int who, const uint8_t id[static SESSION_ID_LEN],
		    struct ratchet_info *info)
{
	struct session s;

	use(p, who);
	CHECK_INT(session_read(id, &s), XE2E_OK);
	if (s.ratchet)
		ratchet_info_get(s.ratchet, info);
	session_free(&s);
}

/* Replaces the file at path with text, mode 0600; 0 on success. */
static int write_text(const char *path, const char *text)
{
	FILE *f;
	int err;

	if (unlink(path) != 0)
		return -1;
	f = fopen(path, "w");
	if (!f)
		return -1;
	err = fputs(text, f) < 0;
	err |= fclose(f) != 0;
	return err || chmod(path, 0600) != 0 ? -1 : 0;
}

/* The peer's current session (at path) damaged, then a directory: no
 * session matches tag, and the error is the file's, naming it, each time. */
static void index_unreadable_current(const char *path, const uint8_t tag[static RATCHET_TAG_LEN])
{
	struct channel_index idx = CHANNEL_INDEX_INIT;
	uint8_t got[SESSION_ID_LEN];

	CHECK_INT(write_text(path, "xe2e session v2\nnonsense\n"), 0);
	for (int i = 0; i < 2; i++) {
		CHECK_INT(channel_index_find(&idx, ALICE, tag, got), XE2E_E_MALFORMED);
		CHECK(strstr(err_detail(), "the current session with " ALICE " cannot be read: ") !=
		      NULL);
		CHECK(strstr(err_detail(), path) != NULL);
		CHECK(strstr(err_detail(), " line 2: ") != NULL);
	}
	CHECK_INT(unlink(path), 0);
	CHECK_INT(mkdir(path, 0700), 0);
	CHECK_INT(channel_index_find(&idx, ALICE, tag, got), XE2E_E_MALFORMED);
	CHECK(strstr(err_detail(), "is not a regular file") != NULL);
	CHECK_INT(rmdir(path), 0);
	channel_index_free(&idx);
}

static const uint8_t ad[] = "associated data";

TEST(channel_blocks_grow_and_come_back)
{
	static const struct channel_opts opts = {60, 1};
	struct pair p;
	struct channel ch;
	struct buf wire[10];
	struct ratchet_info info;
	uint64_t now = 1700000100;

	pair_init(&p);
	use(&p, 0);
	CHECK_INT(channel_load(&ch, p.id, &opts), XE2E_OK);
	CHECK_STR(ch.peer_bare, BOB);
	CHECK_STR(ch.peer_full, BOB "/garden");
	CHECK_STR(ch.self_bare, ALICE);
	for (int i = 0; i < 10; i++) {
		wire[i] = (struct buf)BUF_INIT;
		CHECK_INT(channel_seal(&ch, now, (const uint8_t *)"frame", 5, ad, sizeof(ad), 0,
				       &wire[i]), XE2E_OK);
	}
	/* Blocks of 1, 2, 4, 8: 15 numbers taken, 10 used. */
	info_of(&p, 0, p.id, &info);
	CHECK_INT(info.send_n, 15);
	CHECK_INT(info.open_blocks, 1);
	use(&p, 0);
	CHECK_INT(channel_release(&ch), XE2E_OK);
	info_of(&p, 0, p.id, &info);
	CHECK_INT(info.send_n, 10);
	CHECK_INT(info.total_sent, 10);
	CHECK_INT(info.open_blocks, 0);
	channel_wipe(&ch);
	/* Bob opens all ten, no gap. */
	use(&p, 1);
	CHECK_INT(channel_load(&ch, p.id, &opts), XE2E_OK);
	for (int i = 0; i < 10; i++) {
		struct channel_msg m = {wire[i].data, wire[i].len, ad, sizeof(ad), BUF_INIT, {0}, 0, ""};

		CHECK_INT(channel_open(&ch, now, &m, 1), XE2E_OK);
		CHECK_INT(m.err, XE2E_OK);
		CHECK_INT(m.info.n, (uint32_t)i);
		CHECK_INT(m.info.skipped, 0);
		CHECK(m.pt.len == 5 && !memcmp(m.pt.data, "frame", 5));
		buf_free(&m.pt);
		buf_free(&wire[i]);
	}
	channel_wipe(&ch);
}

TEST(channel_step_interval_zero_takes_one_number_at_a_time)
{
	static const struct channel_opts opts = {0, 1};
	struct pair p;
	struct channel ch;
	struct buf w = BUF_INIT;
	struct ratchet_info info;

	pair_init(&p);
	use(&p, 0);
	CHECK_INT(channel_load(&ch, p.id, &opts), XE2E_OK);
	for (int i = 0; i < 5; i++) {
		buf_clear(&w);
		CHECK_INT(channel_seal(&ch, 1700000100, (const uint8_t *)"x", 1, ad, sizeof(ad), 0, &w),
			  XE2E_OK);
		info_of(&p, 0, p.id, &info);
		CHECK_INT(info.send_n, (uint32_t)i + 1);
		CHECK_INT(info.policy.step_interval, 0);
		use(&p, 0);
	}
	CHECK_INT(channel_release(&ch), XE2E_OK);
	channel_wipe(&ch);
	buf_free(&w);
}

TEST(channel_two_writers_never_share_a_key)
{
	static const struct channel_opts opts = {60, 2};
	struct pair p;
	struct channel a, b, r;
	struct buf wire[40];
	struct channel_msg m[40];
	uint64_t now = 1700000100;

	pair_init(&p);
	use(&p, 0);
	CHECK_INT(channel_load(&a, p.id, &opts), XE2E_OK);
	CHECK_INT(channel_load(&b, p.id, &opts), XE2E_OK);
	for (int i = 0; i < 40; i++) {
		wire[i] = (struct buf)BUF_INIT;
		CHECK_INT(channel_seal(i % 3 ? &a : &b, now, (const uint8_t *)"w", 1, ad, sizeof(ad),
				       0, &wire[i]),
			  XE2E_OK);
		if (i == 20)
			CHECK_INT(channel_release(&b), XE2E_OK); /* b leaves and comes back */
	}
	CHECK_INT(channel_release(&a), XE2E_OK);
	CHECK_INT(channel_release(&b), XE2E_OK);
	/* In one batch of 40 (it goes above the batch size the tool allows:
	 * the library does not mind), every one opens, numbers all different. */
	use(&p, 1);
	CHECK_INT(channel_load(&r, p.id, &opts), XE2E_OK);
	memset(m, 0, sizeof(m));
	for (int i = 0; i < 40; i++) {
		m[i].wire = wire[i].data;
		m[i].wire_len = wire[i].len;
		m[i].ad = ad;
		m[i].ad_len = sizeof(ad);
	}
	CHECK_INT(channel_open(&r, now, m, 40), XE2E_OK);
	for (int i = 0; i < 40; i++) {
		CHECK_INT(m[i].err, XE2E_OK);
		for (int j = 0; j < i; j++)
			CHECK(m[i].info.n != m[j].info.n);
		buf_free(&m[i].pt);
		buf_free(&wire[i]);
	}
	channel_wipe(&a);
	channel_wipe(&b);
	channel_wipe(&r);
}

TEST(channel_batch_outcomes_are_per_message)
{
	static const struct channel_opts opts = {60, 1};
	struct pair p;
	struct channel s, r;
	struct buf w[3] = {BUF_INIT, BUF_INIT, BUF_INIT}, bad = BUF_INIT;
	struct channel_msg m[4];
	uint64_t now = 1700000100;
	struct ratchet_info info;

	pair_init(&p);
	use(&p, 0);
	CHECK_INT(channel_load(&s, p.id, &opts), XE2E_OK);
	for (int i = 0; i < 3; i++)
		CHECK_INT(channel_seal(&s, now, (const uint8_t *)"abc", 3, ad, sizeof(ad), 0, &w[i]),
			  XE2E_OK);
	CHECK_INT(channel_release(&s), XE2E_OK);
	buf_append(&bad, w[1].data, w[1].len);
	bad.data[bad.len - 1] ^= 1;
	use(&p, 1);
	CHECK_INT(channel_load(&r, p.id, &opts), XE2E_OK);
	memset(m, 0, sizeof(m));
	/* w0, a forged w1, w0 again, w2 */
	m[0].wire = w[0].data, m[0].wire_len = w[0].len;
	m[1].wire = bad.data, m[1].wire_len = bad.len;
	m[2].wire = w[0].data, m[2].wire_len = w[0].len;
	m[3].wire = w[2].data, m[3].wire_len = w[2].len;
	for (int i = 0; i < 4; i++) {
		m[i].ad = ad;
		m[i].ad_len = sizeof(ad);
	}
	CHECK_INT(channel_open(&r, now, m, 4), XE2E_OK);
	CHECK_INT(m[0].err, XE2E_OK);
	CHECK_INT(m[1].err, XE2E_E_AUTH);
	CHECK_INT(m[2].err, XE2E_E_REPLAY);
	CHECK(strstr(m[2].detail, "already used") != NULL);
	CHECK_INT(m[3].err, XE2E_OK);
	CHECK_INT(m[1].pt.len, 0);
	CHECK_INT(m[3].info.skipped, 1);
	/* Stored: w1's key kept (the forgery did not spend it), w0 and w2 gone. */
	info_of(&p, 1, p.id, &info);
	CHECK_INT(info.skipped, 1);
	use(&p, 1);
	m[0].wire = w[1].data, m[0].wire_len = w[1].len;
	CHECK_INT(channel_open(&r, now, m, 1), XE2E_OK);
	CHECK_INT(m[0].err, XE2E_OK);
	CHECK_INT(m[0].info.late, 1);
	for (int i = 0; i < 4; i++)
		buf_free(&m[i].pt);
	for (int i = 0; i < 3; i++)
		buf_free(&w[i]);
	buf_free(&bad);
	channel_wipe(&s);
	channel_wipe(&r);
}

/* The receiver opens for the sender's 30 days and 7 more for stanzas in
 * transit; after them every stanza is refused and nothing is stored. */
TEST(channel_open_refuses_an_expired_session)
{
	static const struct channel_opts opts = {60, 1};
	const uint64_t created = 1700000000, limit = RATCHET_MAX_AGE + RATCHET_SKIPPED_TTL;
	struct pair p;
	struct channel s, r;
	struct buf w[2] = {BUF_INIT, BUF_INIT};
	struct channel_msg m[2];
	struct ratchet_info before, after;

	pair_init(&p);
	use(&p, 0);
	CHECK_INT(channel_load(&s, p.id, &opts), XE2E_OK);
	for (int i = 0; i < 2; i++)
		CHECK_INT(channel_seal(&s, created + 100, (const uint8_t *)"abc", 3, ad, sizeof(ad),
				       0, &w[i]), XE2E_OK);
	CHECK_INT(channel_release(&s), XE2E_OK);
	use(&p, 1);
	CHECK_INT(channel_load(&r, p.id, &opts), XE2E_OK);
	memset(m, 0, sizeof(m));
	for (int i = 0; i < 2; i++) {
		m[i].wire = w[i].data, m[i].wire_len = w[i].len;
		m[i].ad = ad, m[i].ad_len = sizeof(ad);
	}
	CHECK_INT(channel_open(&r, created + limit, m, 1), XE2E_OK);
	CHECK_INT(m[0].err, XE2E_OK);
	info_of(&p, 1, p.id, &before);
	use(&p, 1);
	CHECK_INT(channel_open(&r, created + limit + 1, &m[1], 1), XE2E_OK);
	CHECK_INT(m[1].err, XE2E_E_EXPIRED);
	CHECK_STR(m[1].detail, "session older than 37 days: run a new handshake");
	CHECK_INT(m[1].pt.len, 0);
	info_of(&p, 1, p.id, &after);
	CHECK_INT(after.recv_n, before.recv_n);
	CHECK_INT(after.skipped, before.skipped);
	for (int i = 0; i < 2; i++) {
		buf_free(&m[i].pt);
		buf_free(&w[i]);
	}
	channel_wipe(&s);
	channel_wipe(&r);
}

/* Alice's first stanza (her epoch 1) sealed and opened by Bob, so Bob
 * knows a newer peer key: his next step waits only for his policy. */
static void bob_knows_alice_epoch_1(const struct pair *p, uint64_t now)
{
	static const struct channel_opts opts = {RATCHET_STEP_INTERVAL, 1};
	struct channel a, b;
	struct buf w = BUF_INIT;
	struct channel_msg m;

	use(p, 0);
	CHECK_INT(channel_load(&a, p->id, &opts), XE2E_OK);
	CHECK_INT(channel_seal(&a, now, (const uint8_t *)"a1", 2, ad, sizeof(ad), 0, &w), XE2E_OK);
	CHECK_INT(channel_release(&a), XE2E_OK);
	use(p, 1);
	CHECK_INT(channel_load(&b, p->id, &opts), XE2E_OK);
	memset(&m, 0, sizeof(m));
	m.wire = w.data, m.wire_len = w.len, m.ad = ad, m.ad_len = sizeof(ad);
	CHECK_INT(channel_open(&b, now, &m, 1), XE2E_OK);
	CHECK_INT(m.err, XE2E_OK);
	CHECK_INT(m.info.epoch, 1);
	buf_free(&m.pt);
	buf_free(&w);
	channel_wipe(&a);
	channel_wipe(&b);
}

/* Bob's own epoch as his stored session has it. */
static uint32_t bob_epoch(const struct pair *p)
{
	struct ratchet_info info;

	info_of(p, 1, p->id, &info);
	use(p, 1);
	return info.own_epoch;
}

/* The count rule: 100 sends since the last step, the 101st steps, whatever
 * the blocks (1, 2, 4 ... would reach 127 first). Alice opens them all. */
TEST(channel_step_due_by_count_is_taken_by_the_101st_stanza)
{
	static const struct channel_opts opts = {RATCHET_STEP_INTERVAL, 1};
	const uint64_t now = 1700000010; /* 10 s after the session began */
	struct pair p;
	struct channel b, a;
	struct buf w[RATCHET_STEP_MESSAGES + 1];
	struct channel_msg m[RATCHET_STEP_MESSAGES + 1];

	pair_init(&p);
	bob_knows_alice_epoch_1(&p, now);
	use(&p, 1);
	CHECK_INT(channel_load(&b, p.id, &opts), XE2E_OK);
	memset(m, 0, sizeof(m));
	for (int i = 0; i <= RATCHET_STEP_MESSAGES; i++) {
		w[i] = (struct buf)BUF_INIT;
		CHECK_INT(channel_seal(&b, now, (const uint8_t *)"b", 1, ad, sizeof(ad), 0, &w[i]),
			  XE2E_OK);
		CHECK_INT(bob_epoch(&p), i < RATCHET_STEP_MESSAGES ? 0 : 1);
		m[i].wire = w[i].data, m[i].wire_len = w[i].len;
		m[i].ad = ad, m[i].ad_len = sizeof(ad);
	}
	CHECK_INT(channel_release(&b), XE2E_OK);
	use(&p, 0);
	CHECK_INT(channel_load(&a, p.id, &opts), XE2E_OK);
	CHECK_INT(channel_open(&a, now, m, RATCHET_STEP_MESSAGES + 1), XE2E_OK);
	for (int i = 0; i <= RATCHET_STEP_MESSAGES; i++) {
		CHECK_INT(m[i].err, XE2E_OK);
		CHECK_INT(m[i].info.epoch, i < RATCHET_STEP_MESSAGES ? 0 : 1);
		CHECK_INT(m[i].info.n, i < RATCHET_STEP_MESSAGES ? (uint32_t)i : 0);
		CHECK_INT(m[i].info.skipped, 0);
		buf_free(&m[i].pt);
		buf_free(&w[i]);
	}
	channel_wipe(&a);
	channel_wipe(&b);
}

/* The time rule: 60 s after the last step, the next stanza steps, though
 * the block it would have used was reserved only a second before. */
TEST(channel_step_due_by_time_is_taken_by_the_next_stanza)
{
	static const struct channel_opts opts = {RATCHET_STEP_INTERVAL, 1};
	const uint64_t created = 1700000000;
	struct pair p;
	struct channel b;
	struct buf w = BUF_INIT;
	struct ratchet_info info;

	pair_init(&p);
	bob_knows_alice_epoch_1(&p, created + 1);
	use(&p, 1);
	CHECK_INT(channel_load(&b, p.id, &opts), XE2E_OK);
	/* Blocks of one and two, then one of four with three numbers left. */
	for (int i = 0; i < 4; i++) {
		buf_clear(&w);
		CHECK_INT(channel_seal(&b, created + (i < 2 ? 30 : RATCHET_STEP_INTERVAL - 1),
				       (const uint8_t *)"b", 1, ad, sizeof(ad), 0, &w), XE2E_OK);
	}
	info_of(&p, 1, p.id, &info);
	CHECK_INT(info.own_epoch, 0);
	CHECK_INT(info.send_n, 7);
	use(&p, 1);
	buf_clear(&w);
	CHECK_INT(channel_seal(&b, created + RATCHET_STEP_INTERVAL, (const uint8_t *)"b", 1, ad,
			       sizeof(ad), 0, &w), XE2E_OK);
	info_of(&p, 1, p.id, &info);
	CHECK_INT(info.own_epoch, 1);
	CHECK_INT(info.send_pn, 4);
	use(&p, 1);
	CHECK_INT(channel_release(&b), XE2E_OK);
	channel_wipe(&b);
	buf_free(&w);
}

/* The peer key arrives through another process while a block is open and
 * the policy is met already: the next stanza notices and steps, and the
 * block's unused numbers come back (nothing was reserved after it). */
TEST(channel_step_due_after_another_process_stored_a_peer_key)
{
	static const struct channel_opts opts = {RATCHET_STEP_INTERVAL, 1};
	const uint64_t later = 1700000000 + 2 * RATCHET_STEP_INTERVAL;
	struct pair p;
	struct channel b, w2, a;
	struct buf w[4] = {BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT}, x = BUF_INIT;
	struct channel_msg m[4];
	struct ratchet_info info;
	char path[STORE_PATH_MAX];
	struct stat st1, st2;

	pair_init(&p);
	use(&p, 1);
	CHECK_INT(channel_load(&b, p.id, &opts), XE2E_OK);
	for (int i = 0; i < 2; i++)
		CHECK_INT(channel_seal(&b, later, (const uint8_t *)"b", 1, ad, sizeof(ad), 0, &w[i]),
			  XE2E_OK);
	/* Another writer stores the session, no step due: the block goes on,
	 * nothing is written. */
	use(&p, 1);
	CHECK_INT(channel_load(&w2, p.id, &opts), XE2E_OK);
	CHECK_INT(channel_seal(&w2, later, (const uint8_t *)"o", 1, ad, sizeof(ad), 0, &x), XE2E_OK);
	CHECK_INT(channel_release(&w2), XE2E_OK);
	CHECK_INT(session_path(p.id, ".session", path), XE2E_OK);
	CHECK_INT(stat(path, &st1), 0);
	CHECK_INT(channel_seal(&b, later, (const uint8_t *)"b", 1, ad, sizeof(ad), 0, &w[2]), XE2E_OK);
	CHECK_INT(stat(path, &st2), 0);
	CHECK(st1.st_ino == st2.st_ino && st1.st_ctim.tv_nsec == st2.st_ctim.tv_nsec);
	/* A block of four, three numbers left. */
	CHECK_INT(channel_seal(&b, later, (const uint8_t *)"b", 1, ad, sizeof(ad), 0, &w[3]), XE2E_OK);
	bob_knows_alice_epoch_1(&p, later);
	CHECK_INT(bob_epoch(&p), 0);
	buf_clear(&x);
	CHECK_INT(channel_seal(&b, later, (const uint8_t *)"b", 1, ad, sizeof(ad), 0, &x), XE2E_OK);
	info_of(&p, 1, p.id, &info);
	CHECK_INT(info.own_epoch, 1);
	CHECK_INT(info.send_pn, 5); /* Bob's 4 and the other writer's 1; 3 given back */
	use(&p, 1);
	CHECK_INT(channel_release(&b), XE2E_OK);
	/* Alice opens Bob's first four and the stepped one. */
	use(&p, 0);
	CHECK_INT(channel_load(&a, p.id, &opts), XE2E_OK);
	memset(m, 0, sizeof(m));
	for (int i = 0; i < 4; i++) {
		m[i].wire = w[i].data, m[i].wire_len = w[i].len;
		m[i].ad = ad, m[i].ad_len = sizeof(ad);
	}
	CHECK_INT(channel_open(&a, later, m, 4), XE2E_OK);
	for (int i = 0; i < 4; i++) {
		CHECK_INT(m[i].err, XE2E_OK);
		CHECK_INT(m[i].info.epoch, 0);
		buf_free(&m[i].pt);
		buf_free(&w[i]);
	}
	m[0].wire = x.data, m[0].wire_len = x.len;
	CHECK_INT(channel_open(&a, later, m, 1), XE2E_OK);
	CHECK_INT(m[0].err, XE2E_OK);
	CHECK_INT(m[0].info.epoch, 1);
	buf_free(&m[0].pt);
	buf_free(&x);
	channel_wipe(&a);
	channel_wipe(&b);
	channel_wipe(&w2);
}

TEST(channel_index_finds_sessions_by_peer_and_tag)
{
	static const struct channel_opts opts = {60, 1};
	struct channel_index idx = CHANNEL_INDEX_INIT;
	struct pair p;
	struct channel ch;
	uint8_t first[SESSION_ID_LEN], tag1[RATCHET_TAG_LEN], got[SESSION_ID_LEN];
	uint8_t none[RATCHET_TAG_LEN] = {0};
	char path[STORE_PATH_MAX], cmd[4 * STORE_PATH_MAX + 64];

	pair_init(&p);
	memcpy(first, p.id, SESSION_ID_LEN);
	use(&p, 1);
	CHECK_INT(channel_load(&ch, first, &opts), XE2E_OK);
	memcpy(tag1, ch.tag, RATCHET_TAG_LEN);
	channel_wipe(&ch);
	pair_session(&p, 1); /* a newer session becomes current */
	use(&p, 1);
	CHECK_INT(channel_index_find(&idx, ALICE, tag1, got), XE2E_OK);
	CHECK_MEM(got, first, SESSION_ID_LEN);
	CHECK_INT(channel_load(&ch, p.id, &opts), XE2E_OK);
	CHECK_INT(channel_index_find(&idx, ALICE, ch.tag, got), XE2E_OK);
	CHECK_MEM(got, p.id, SESSION_ID_LEN);
	CHECK_INT(channel_index_find(&idx, "carol@capulet.lit", ch.tag, got), XE2E_E_NOTFOUND);
	if (memcmp(none, tag1, 4) && memcmp(none, ch.tag, 4))
		CHECK_INT(channel_index_find(&idx, ALICE, none, got), XE2E_E_NOTFOUND);
	channel_wipe(&ch);
	channel_index_free(&idx);
	/* The current session restored from a copy: stale, each time. */
	CHECK_INT(session_path(p.id, ".session", path), XE2E_OK);
	snprintf(cmd, sizeof(cmd), "cp -p '%s' '%s.x' && mv '%s.x' '%s'", path, path, path, path);
	CHECK_INT(system(cmd), 0);
	for (int i = 0; i < 2; i++)
		CHECK_INT(channel_index_find(&idx, ALICE, none, got), XE2E_E_STALE);
	CHECK_INT(channel_load(&ch, p.id, &opts), XE2E_E_STALE);
	channel_index_free(&idx);
	index_unreadable_current(path, none);
	/* The older session damaged: counted, not named (its peer is unknown). */
	CHECK_INT(session_path(first, ".session", path), XE2E_OK);
	CHECK_INT(write_text(path, "nonsense\n"), 0);
	CHECK_INT(channel_index_find(&idx, ALICE, none, got), XE2E_E_NOTFOUND);
	CHECK(strstr(err_detail(), "(1 session file cannot be read)") != NULL);
	channel_index_free(&idx);
}
