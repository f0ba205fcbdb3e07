/* The ratchet state as text (round trips mid-conversation, strict parsing),
 * the public dump, the session limits and the step-due report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dh.h"
#include "encoding.h"
#include "err.h"
#include "ratchet.h"
#include "test_ratchet.h"
#include "unit.h"
#include "util.h"

TEST(ratchet_state_reloads_mid_conversation)
{
	struct rpair p;
	struct trng r;
	struct buf held[64], m = BUF_INIT;
	uint32_t held_id[64], nheld[2] = {0, 0}, sent[2] = {0, 0};
	uint64_t now = 50000;
	unsigned reloads = 0, late = 0;

	trng_init(&r);
	rpair_init(&p, AEAD_AES256GCM, now);
	memset(held, 0, sizeof(held));
	for (int turn = 0; turn < 600; turn++) {
		int side = turn % 2;
		struct ratchet_state **tx = side ? &p.b : &p.a, **rx = side ? &p.a : &p.b;
		uint32_t k = 1 + trng_below(&r, 5);

		for (uint32_t j = 0; j < k; j++) {
			uint32_t id = sent[side]++;

			now += trng_below(&r, 40);
			CHECK_INT(tr_send(*tx, now, id, &m), XE2E_OK);
			if (trng_below(&r, 100) < 15 && nheld[side] < 32) {
				/* Held back: the receiver keeps a skipped key. */
				uint32_t h = side * 32 + nheld[side]++;

				held[h].len = 0;
				buf_append(&held[h], m.data, m.len);
				held_id[h] = id;
			} else {
				CHECK_INT(tr_recv(*rx, now, id, &m, NULL), XE2E_OK);
			}
			if (trng_below(&r, 100) < 10) {
				CHECK(tr_reload(tx));
				reloads++;
			}
		}
		if (trng_below(&r, 100) < 30) {
			CHECK(tr_reload(rx));
			reloads++;
		}
		/* Now and then the held messages arrive, after a reload. */
		if (nheld[side] && trng_below(&r, 100) < 10) {
			for (uint32_t h = side * 32; h < side * 32 + nheld[side]; h++, late++)
				CHECK_INT(tr_recv(*rx, now, held_id[h], &held[h], NULL), XE2E_OK);
			nheld[side] = 0;
		}
	}
	unit_note("%u reloads, %u messages opened late after reloads", reloads, late);
	for (size_t i = 0; i < ARRAY_SIZE(held); i++)
		buf_free(&held[i]);
	buf_free(&m);
	rpair_free(&p);
}

/* A responder state with every field in use: skipped keys of two epochs,
 * a restart marker, an open block, two steps taken. */
static struct ratchet_state *rich_state(struct rpair *p, struct buf *text)
{
	struct buf m[8], x = BUF_INIT;
	struct ratchet_block b1, b2, b3;

	memset(m, 0, sizeof(m));
	rpair_init(p, AEAD_CHACHAPOLY, 1000);
	for (uint32_t i = 0; i < 4; i++)
		CHECK_INT(tr_send(p->a, 1001, i, &m[i]), XE2E_OK);
	CHECK_INT(tr_recv(p->b, 1001, 3, &m[3], NULL), XE2E_OK); /* skips 0..2 */
	CHECK_INT(tr_send(p->b, 1100, 0, &x), XE2E_OK);	       /* B steps */
	CHECK_INT(tr_recv(p->a, 1100, 0, &x, NULL), XE2E_OK);
	for (uint32_t i = 4; i < 8; i++)
		CHECK_INT(tr_send(p->a, 1200, i, &m[i]), XE2E_OK);    /* A steps */
	CHECK_INT(tr_recv(p->b, 1201, 6, &m[6], NULL), XE2E_OK); /* skips 4, 5 */
	CHECK_INT(ratchet_reserve(p->b, 1300, 3, &b1), XE2E_OK);
	CHECK_INT(ratchet_reserve(p->b, 1300, 3, &b2), XE2E_OK);
	/* B stepped (epoch 2) at the first reservation. */
	CHECK(b1.hdr.sender_epoch == 2 && b1.next == 0 && b2.next == 3);
	ratchet_block_release(p->b, &b1); /* abandons 0..2 */
	ratchet_block_release(p->b, &b2); /* gives back 3..5 */
	CHECK_INT(ratchet_reserve(p->b, 1300, 2, &b3), XE2E_OK); /* restart at 3 */
	CHECK(b3.hdr.has_restart && b3.hdr.restart_n == 3 && b3.next == 3);
	ratchet_block_wipe(&b3);
	text->len = 0;
	CHECK_INT(ratchet_serialize(p->b, text), XE2E_OK);
	for (size_t i = 0; i < ARRAY_SIZE(m); i++)
		buf_free(&m[i]);
	buf_free(&x);
	return p->b;
}

/* The text split into lines (each with its newline). */
struct lines {
	char *line[128];
	size_t n;
};

static void lines_split(const struct buf *text, struct lines *l)
{
	const char *s = (const char *)text->data, *end = s + text->len;

	l->n = 0;
	while (s < end && l->n < ARRAY_SIZE(l->line)) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t len = (size_t)(nl - s) + 1;

		l->line[l->n] = malloc(len + 1);
		memcpy(l->line[l->n], s, len);
		l->line[l->n][len] = '\0';
		l->n++;
		s = nl + 1;
	}
}

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->line[i]);
}

/* Joins the lines, with line i replaced by repl (NULL: dropped) and
 * extra inserted after it. */
static void lines_join(const struct lines *l, size_t i, const char *repl, const char *extra,
		       struct buf *out)
{
	out->len = 0;
	for (size_t j = 0; j < l->n; j++) {
		buf_append_str(out, j == i ? (repl ? repl : "") : l->line[j]);
		if (j == i && extra)
			buf_append_str(out, extra);
	}
}

static int parses(const struct buf *text)
{
	struct ratchet_state *st = NULL;
	int err = ratchet_parse((const char *)text->data, text->len, &st, NULL);

	ratchet_free(st);
	return err;
}

/* Line i with its value changed: insert at the value's start or end. */
static void value_edit(const char *line, const char *pre, const char *post, char *out,
		       size_t size)
{
	const char *v = strstr(line, ": ");
	size_t name = v ? (size_t)(v - line) + 2 : 0, len = strlen(line) - 1;

	snprintf(out, size, "%.*s%s%.*s%s\n", (int)name, line, pre, (int)(len - name), line + name,
		 post);
}

static unsigned strict_syntax(const struct lines *l, struct buf *t)
{
	char edit[256];
	unsigned runs = 0;

	for (size_t i = 0; i < l->n; i++) {
		lines_join(l, i, NULL, NULL, t); /* dropped */
		CHECK(parses(t) != XE2E_OK);
		lines_join(l, i, l->line[i], l->line[i], t); /* twice */
		CHECK(parses(t) != XE2E_OK);
		value_edit(l->line[i], "x", "", edit, sizeof(edit));
		lines_join(l, i, edit, NULL, t);
		CHECK(parses(t) != XE2E_OK);
		value_edit(l->line[i], "", " ", edit, sizeof(edit));
		lines_join(l, i, edit, NULL, t);
		CHECK(parses(t) != XE2E_OK);
		value_edit(l->line[i], "", "\r", edit, sizeof(edit));
		lines_join(l, i, edit, NULL, t);
		CHECK(parses(t) != XE2E_OK);
		if (i + 1 < l->n && strcmp(l->line[i], l->line[i + 1]) != 0) {
			lines_join(l, i, l->line[i + 1], NULL, t);
			t->len -= strlen(l->line[i + 1]);
			buf_append_str(t, l->line[i]);
			for (size_t j = i + 2; j < l->n; j++)
				buf_append_str(t, l->line[j]);
			CHECK(parses(t) != XE2E_OK); /* swapped with the next */
		}
		runs += 6;
	}
	return runs;
}

/* Numbers: leading zero; hex: upper case or one digit short. */
static unsigned strict_values(const struct lines *l, struct buf *t)
{
	char edit[256];
	unsigned runs = 0;

	for (size_t i = 0; i < l->n; i++) {
		const char *v = strstr(l->line[i], ": ");
		size_t len;

		if (!v)
			continue;
		v += 2;
		len = strlen(v) - 1;
		if (strspn(v, "0123456789") == len) {
			value_edit(l->line[i], "0", "", edit, sizeof(edit));
			lines_join(l, i, edit, NULL, t);
			CHECK(parses(t) != XE2E_OK);
			runs++;
		}
		if (len >= 8 && strspn(v, "0123456789abcdef") == len) {
			snprintf(edit, sizeof(edit), "%s", l->line[i]);
			for (char *c = edit + (v - l->line[i]); *c; c++)
				if (*c >= 'a' && *c <= 'f')
					*c = (char)(*c - 'a' + 'A');
			lines_join(l, i, edit, NULL, t);
			CHECK(strcmp(edit, l->line[i]) == 0 || parses(t) != XE2E_OK);
			snprintf(edit, sizeof(edit), "%.*s\n", (int)strlen(l->line[i]) - 2,
				 l->line[i]);
			lines_join(l, i, edit, NULL, t);
			CHECK(parses(t) != XE2E_OK);
			runs += 2;
		}
	}
	return runs;
}

static size_t line_find(const struct lines *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strncmp(l->line[i], name, strlen(name)) == 0)
			return i;
	unit_fail(__FILE__, __LINE__, "no line %s", name);
	return 0;
}

/* Values that parse but contradict each other. */
static unsigned strict_meaning(const struct lines *l, struct buf *t)
{
	static const char *const bad[][2] = {
		{"xe2e-ratchet: ", "xe2e-ratchet: 2\n"},
		{"own-epoch: ", "own-epoch: 3\n"},
		{"peer-epoch: ", "peer-epoch: 4\n"},
		{"peer-ack: ", "peer-ack: 3\n"},
		{"total-sent: ", "total-sent: 1\n"},
		{"send-n: ", "send-n: 4294967296\n"},
		{"restart-n: ", "restart-n: 9\n"},
		{"skipped-max: ", "skipped-max: 0\n"},
		{"skipped-max: ", "skipped-max: 4\n"},
		{"max-messages: ", "max-messages: 1048577\n"},
		{"recv-n: ", "recv-n: 1\n"},
		{"gap: ", "gap: 2\n"},
		{"skipped: ", "skipped: 4\n"},
		{"skipped: ", "skipped: 6\n"},
		{"peer-public: ", "peer-public: -\n"},
		{"send-chain: ", "send-chain: -\n"},
		{"skip: 1 0 ", "skip: 3 0 1001 "
			       "0000000000000000000000000000000000000000000000000000000000000000\n"},
		{"skip: 2 1 ", "skip: 2 3 1201 "
			       "0000000000000000000000000000000000000000000000000000000000000000\n"},
	};
	unsigned runs = 0;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++, runs++) {
		lines_join(l, line_find(l, bad[i][0]), bad[i][1], NULL, t);
		if (parses(t) == XE2E_OK)
			unit_fail(__FILE__, __LINE__, "accepted %s", bad[i][1]);
	}
	return runs;
}

TEST(ratchet_parse_is_strict)
{
	struct rpair p;
	struct buf text = BUF_INIT, t = BUF_INIT;
	struct lines l;
	struct ratchet_state *st = NULL;
	size_t used = 0;
	unsigned runs = 0;

	rich_state(&p, &text);
	lines_split(&text, &l);
	CHECK_INT(parses(&text), XE2E_OK);
	runs += strict_syntax(&l, &t);
	runs += strict_values(&l, &t);
	runs += strict_meaning(&l, &t);
	/* Cut anywhere: refused. */
	for (size_t cut = 0; cut < text.len; cut += 1 + cut % 7, runs++)
		CHECK(ratchet_parse((const char *)text.data, cut, &st, NULL) != XE2E_OK);
	/* Followed by more: refused alone, accepted with used. */
	t.len = 0;
	buf_append(&t, text.data, text.len);
	buf_append_str(&t, "session: more\n");
	CHECK_INT(parses(&t), XE2E_E_MALFORMED);
	CHECK_INT(ratchet_parse((const char *)t.data, t.len, &st, &used), XE2E_OK);
	CHECK_INT(used, text.len);
	CHECK(tr_same(st, &text));
	ratchet_free(st);
	unit_note("%u altered states refused", runs);
	lines_free(&l);
	buf_free(&text);
	buf_free(&t);
	rpair_free(&p);
}

/* Every 64-digit value of the serialized state except public keys. */
static size_t secrets_of(const struct lines *l, char secrets[][65], size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n && n < max; i++) {
		const char *s = l->line[i], *v;
		size_t len = strlen(s);

		if (strstr(s, "-public: ") || len < 65)
			continue;
		v = s + len - 65;
		if (strspn(v, "0123456789abcdef") == 64)
			snprintf(secrets[n++], 65, "%s", v);
	}
	return n;
}


/*
 * A stored own public key that does not belong to the stored private key
 * is not looked for at load (an X25519 per load); it cannot be used to
 * read or forge anything: the peer derives its receiving chain from the
 * public key in the header, which no longer agrees with the sender's
 * chain, so the message is refused and the peer's state stays as it was.
 */
TEST(ratchet_own_key_mismatch_fails_closed)
{
	struct rpair p;
	struct buf m = BUF_INIT, x = BUF_INIT, y = BUF_INIT, text = BUF_INIT, t = BUF_INIT,
		   snap = BUF_INIT;
	struct ratchet_state *b2 = NULL;
	struct lines l;
	uint8_t priv[X25519_LEN], pub[X25519_LEN];
	char edit[128];

	rpair_init(&p, AEAD_CHACHAPOLY, 1000);
	CHECK_INT(tr_send(p.a, 1001, 0, &m), XE2E_OK);
	CHECK_INT(tr_recv(p.b, 1001, 0, &m, NULL), XE2E_OK);
	CHECK_INT(tr_send(p.b, 1100, 0, &x), XE2E_OK); /* B steps: a new own key */
	CHECK_INT(ratchet_serialize(p.b, &text), XE2E_OK);
	lines_split(&text, &l);
	CHECK_INT(x25519_keypair(priv, pub), XE2E_OK);
	memcpy(edit, "own-public: ", 12);
	hex_encode(pub, sizeof(pub), edit + 12);
	strcpy(edit + 12 + 2 * sizeof(pub), "\n");
	lines_join(&l, line_find(&l, "own-public: "), edit, NULL, &t);
	CHECK_INT(ratchet_parse((const char *)t.data, t.len, &b2, NULL), XE2E_OK);
	CHECK_INT(tr_send(b2, 1101, 1, &y), XE2E_OK);
	tr_snapshot(p.a, &snap);
	CHECK_INT(tr_recv(p.a, 1101, 1, &y, NULL), XE2E_E_AUTH);
	CHECK(tr_same(p.a, &snap));
	/* The message made before the change still opens. */
	CHECK_INT(tr_recv(p.a, 1101, 0, &x, NULL), XE2E_OK);
	wipe(priv, sizeof(priv));
	ratchet_free(b2);
	lines_free(&l);
	buf_free(&m);
	buf_free(&x);
	buf_free(&y);
	buf_free(&text);
	buf_free(&t);
	buf_free(&snap);
	rpair_free(&p);
}
TEST(ratchet_dump_shows_no_secrets)
{
	struct rpair p;
	struct buf text = BUF_INIT, dump = BUF_INIT;
	struct lines l;
	char secrets[32][65];
	size_t n;

	rich_state(&p, &text);
	lines_split(&text, &l);
	n = secrets_of(&l, secrets, ARRAY_SIZE(secrets));
	CHECK_INT(n, 1 + 2 + 1 + 5); /* rk, own private and chain, recv chain, 5 skipped */
	CHECK_INT(ratchet_dump(p.b, &dump), XE2E_OK);
	buf_terminate(&dump);
	for (size_t i = 0; i < n; i++)
		for (size_t off = 0; off + 8 <= 64; off++) {
			char window[9];

			memcpy(window, secrets[i] + off, 8);
			window[8] = '\0';
			CHECK(strstr((char *)dump.data, window) == NULL);
		}
	CHECK(strstr((char *)dump.data, "own-epoch: 2\n") != NULL);
	CHECK(strstr((char *)dump.data, "peer-epoch: 2\n") != NULL);
	CHECK(strstr((char *)dump.data, "skipped: 5\n") != NULL);
	CHECK(strstr((char *)dump.data, "restart-n: 3\n") != NULL);
	lines_free(&l);
	buf_free(&text);
	buf_free(&dump);
	rpair_free(&p);
}

TEST(ratchet_session_limits_ask_for_a_new_handshake)
{
	struct rpair p;
	struct buf m = BUF_INIT, snap = BUF_INIT;
	struct ratchet_block blk;
	struct ratchet_policy pol;
	struct ratchet_info info;
	const uint64_t t0 = 1700000000;

	rpair_init(&p, AEAD_CHACHAPOLY, t0);
	ratchet_info_get(p.a, &info);
	CHECK_INT(info.policy.max_age, 30 * 86400);
	CHECK_INT(info.policy.max_messages, 1 << 20);
	CHECK_INT(tr_send(p.b, t0 + RATCHET_MAX_AGE, 0, &m), XE2E_OK);
	tr_snapshot(p.b, &snap);
	CHECK_INT(tr_send(p.b, t0 + RATCHET_MAX_AGE + 1, 1, &m), XE2E_E_EXPIRED);
	CHECK(tr_same(p.b, &snap));
	/* Reading still works: messages in flight are not lost. */
	m.len = 0;
	CHECK_INT(tr_send(p.a, t0 + 5, 0, &m), XE2E_OK);
	CHECK_INT(tr_recv(p.b, t0 + RATCHET_MAX_AGE + 1, 0, &m, NULL), XE2E_OK);

	/* The message count, with a smaller cap than 2^20. */
	ratchet_policy_default(&pol);
	pol.max_messages = 50;
	CHECK_INT(ratchet_policy_set(p.a, &pol), XE2E_OK);
	for (uint32_t i = 1; i < 40; i++)
		CHECK_INT(tr_send(p.a, t0 + 6, i, &m), XE2E_OK);
	tr_snapshot(p.a, &snap);
	CHECK_INT(ratchet_reserve(p.a, t0 + 6, 11, &blk), XE2E_E_EXPIRED);
	CHECK(tr_same(p.a, &snap));
	CHECK_INT(ratchet_reserve(p.a, t0 + 6, 10, &blk), XE2E_OK);
	ratchet_block_wipe(&blk);
	CHECK_INT(tr_send(p.a, t0 + 6, 50, &m), XE2E_E_EXPIRED);
	pol.max_messages = RATCHET_MAX_MESSAGES + 1;
	CHECK_INT(ratchet_policy_set(p.a, &pol), XE2E_E_LIMIT);
	pol.max_messages = 10;
	pol.max_age = RATCHET_MAX_AGE + 1;
	CHECK_INT(ratchet_policy_set(p.a, &pol), XE2E_E_LIMIT);
	buf_free(&m);
	buf_free(&snap);
	rpair_free(&p);
}

TEST(ratchet_step_due_reports_owed_steps)
{
	struct rpair p;
	struct buf m = BUF_INIT;
	uint64_t since = 0;
	const uint64_t t0 = 1000;

	rpair_init(&p, AEAD_CHACHAPOLY, t0);
	/* The initiator's first send always steps; the responder has no
	 * peer key to step against yet. */
	CHECK_INT(ratchet_step_due(p.a, t0, &since), 1);
	CHECK_INT(ratchet_step_due(p.b, t0 + 1000, NULL), 0);
	CHECK_INT(tr_send(p.a, t0 + 10, 0, &m), XE2E_OK);
	CHECK_INT(ratchet_step_due(p.a, t0 + 10000, NULL), 0);
	CHECK_INT(tr_recv(p.b, t0 + 20, 0, &m, NULL), XE2E_OK);
	/* By the interval: due 60 s after the responder's start. */
	CHECK_INT(ratchet_step_due(p.b, t0 + 59, NULL), 0);
	CHECK_INT(ratchet_step_due(p.b, t0 + 60, &since), 1);
	CHECK_INT(since, t0 + 60);
	/* By the message count: 100 messages since the last step. */
	for (uint32_t i = 0; i < 100; i++) {
		CHECK_INT(ratchet_step_due(p.b, t0 + 30, NULL), 0);
		CHECK_INT(tr_send(p.b, t0 + 30, i, &m), XE2E_OK);
	}
	CHECK_INT(ratchet_step_due(p.b, t0 + 30, &since), 1);
	CHECK_INT(since, t0 + 20); /* since the peer key arrived */
	CHECK_INT(tr_send(p.b, t0 + 30, 100, &m), XE2E_OK);
	CHECK_INT(ratchet_step_due(p.b, t0 + 100000, NULL), 0);
	buf_free(&m);
	rpair_free(&p);
}

TEST(ratchet_init_checks_what_it_is_given)
{
	struct rpair p;
	struct ratchet_state *st = NULL;
	struct ratchet_start s;
	struct ratchet_policy pol;

	rpair_init(&p, AEAD_CHACHAPOLY, 1);
	s = p.start;
	s.cipher = (enum aead_cipher)7;
	CHECK_INT(ratchet_init(&st, RATCHET_INITIATOR, &s, 1), XE2E_E_UNSUPPORTED);
	ratchet_policy_default(&pol);
	pol.skipped_max = 0;
	CHECK_INT(ratchet_policy_set(p.a, &pol), XE2E_E_LIMIT);
	pol.skipped_max = RATCHET_SKIPPED_CAP + 1;
	CHECK_INT(ratchet_policy_set(p.a, &pol), XE2E_E_LIMIT);
	pol.skipped_max = 1;
	pol.step_messages = 0;
	CHECK_INT(ratchet_policy_set(p.a, &pol), XE2E_E_LIMIT);
	wipe(&s, sizeof(s));
	rpair_free(&p);
}
