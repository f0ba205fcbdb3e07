/* The Double Ratchet: the documented bytes recomputed by hand, long
 * conversations with every-turn and deferred DH steps, one-way sessions. */
#include <stdlib.h>
#include <string.h>

#include "aead.h"
#include "dh.h"
#include "err.h"
#include "hash.h"
#include "ratchet.h"
#include "test_ratchet.h"
#include "unit.h"
#include "util.h"

static void chain_step(uint8_t ck[32], uint8_t mk[32])
{
	uint8_t next[32];

	CHECK_INT(hmac(HASH_SHA256, ck, 32, "\x01", 1, mk), XE2E_OK);
	CHECK_INT(hmac(HASH_SHA256, ck, 32, "\x02", 1, next), XE2E_OK);
	memcpy(ck, next, 32);
}

/* The responder's first messages: chain key from the handshake, no key in
 * the header (the initiator has r0), epoch 0. */
static void spec_responder_first(struct rpair *p, enum aead_cipher cipher)
{
	struct buf msg = BUF_INIT, pt = BUF_INIT;
	uint8_t ck[32], mk[32], want_hdr[9] = {0};

	memcpy(ck, p->start.chain_key, 32);
	memcpy(want_hdr + 1, p->start.tag, 4);
	for (uint32_t i = 0; i < 3; i++) {
		CHECK_INT(tr_send(p->b, 100, i, &msg), XE2E_OK);
		want_hdr[7] = (uint8_t)i; /* n */
		CHECK_MEM(msg.data, want_hdr, 9);
		chain_step(ck, mk);
		pt.len = 0;
		CHECK_INT(tr_open_by_hand(cipher, mk, &msg, 9, &pt), XE2E_OK);
		CHECK(pt.len == 9 && memcmp(pt.data, "message ", 8) == 0 &&
		      pt.data[8] == '0' + i);
		CHECK_INT(tr_recv(p->a, 100, i, &msg, NULL), XE2E_OK);
	}
	buf_free(&msg);
	buf_free(&pt);
}

/* The initiator's first message: a1 in the header, (rk, ck) =
 * KDF_RK(root key, DH(a1, r0)). */
static void spec_initiator_first(struct rpair *p, enum aead_cipher cipher)
{
	struct buf msg = BUF_INIT, pt = BUF_INIT;
	uint8_t dh[32], okm[64], mk[32], want_hdr[9] = {0x01};

	CHECK_INT(tr_send(p->a, 100, 7, &msg), XE2E_OK);
	memcpy(want_hdr + 1, p->start.tag, 4);
	want_hdr[5] = 1; /* epoch 1 */
	want_hdr[6] = 0; /* has received the responder's epoch 0 */
	want_hdr[7] = 0; /* n */
	want_hdr[8] = 0; /* pn */
	CHECK(msg.len == 9 + 32 + RATCHET_SIV_LEN + 9 + AEAD_TAG_LEN);
	CHECK_MEM(msg.data, want_hdr, 9);
	CHECK_INT(x25519_shared(dh, p->start.r0_private, msg.data + 9), XE2E_OK);
	CHECK_INT(hkdf(HASH_SHA256, p->start.root_key, 32, dh, 32, "xe2e ratchet v1", 15, okm,
		       64),
		  XE2E_OK);
	chain_step(okm + 32, mk);
	CHECK_INT(tr_open_by_hand(cipher, mk, &msg, 41, &pt), XE2E_OK);
	CHECK(pt.len == 9 && memcmp(pt.data, "message 7", 9) == 0);
	CHECK_INT(tr_recv(p->b, 100, 7, &msg, NULL), XE2E_OK);
	buf_free(&msg);
	buf_free(&pt);
}

TEST(ratchet_bytes_match_the_definitions)
{
	static const enum aead_cipher ciphers[] = {AEAD_CHACHAPOLY, AEAD_AES256GCM};

	for (size_t c = 0; c < ARRAY_SIZE(ciphers); c++) {
		struct rpair p;
		uint8_t tag[4];

		rpair_init(&p, ciphers[c], 100);
		CHECK_INT(hkdf(HASH_SHA256, NULL, 0, p.start.root_key, 32, "xe2e session tag v1",
			       19, tag, 4),
			  XE2E_OK);
		CHECK_MEM(tag, p.start.tag, 4);
		spec_responder_first(&p, ciphers[c]);
		spec_initiator_first(&p, ciphers[c]);
		rpair_free(&p);
	}
}

/* ---- conversations ---- */

/* The step rule, written from the specification: the initiator's first
 * send; else a newer peer key than own key was made against, and the
 * policy's interval or message count reached. */
static int step_expected(const struct ratchet_info *i, uint64_t now)
{
	uint32_t against;

	if (!i->has_send)
		return 1;
	against = i->role == RATCHET_INITIATOR ? i->own_epoch - 1 : i->own_epoch;
	if (!i->has_recv || i->peer_epoch <= against)
		return 0;
	return i->policy.step_interval == 0 || now - i->last_step >= i->policy.step_interval ||
	       i->sent_since_step >= i->policy.step_messages;
}

struct talk {
	struct rpair p;
	struct trng r;
	uint64_t now;
	uint32_t sent[2]; /* per side */
	uint32_t steps[2];
	uint32_t halves[2];
	uint32_t turns[2];
	int peer_new[2]; /* the peer stepped since this side's last step */
	int every_turn;
	int last_side;
	uint32_t switches; /* turns by the other side than the turn before */
	struct buf wire[256];
};

static struct ratchet_state *side_state(struct talk *t, int side)
{
	return side ? t->p.b : t->p.a;
}

/*
 * One side sends k messages; the other receives them in order. Each send
 * steps exactly when step_expected() says so; with interval 0 that is also
 * the every-turn model: the first message of a turn steps when the peer
 * stepped since this side's last step (or it is the initiator's first).
 */
static void talk_turn(struct talk *t, int side, uint32_t k)
{
	struct ratchet_state *tx = side_state(t, side), *rx = side_state(t, !side);
	struct ratchet_info before, after;
	struct ratchet_recv_info ri;
	uint32_t first = t->sent[side];

	for (uint32_t j = 0; j < k; j++) {
		int want, model = j == 0 && ((side == 0 && first == 0) || t->peer_new[side]);

		ratchet_info_get(tx, &before);
		want = step_expected(&before, t->now);
		if (t->every_turn)
			CHECK_INT(want, model);
		CHECK_INT(tr_send(tx, t->now, first + j, &t->wire[j]), XE2E_OK);
		ratchet_info_get(tx, &after);
		CHECK_INT(after.own_epoch, before.own_epoch + (uint32_t)want);
		if (want) {
			t->steps[side]++;
			t->peer_new[side] = 0;
			t->peer_new[!side] = 1;
			CHECK_INT(after.send_pn, before.has_send ? before.send_n : 0);
		}
		t->now += trng_below(&t->r, 3);
	}
	for (uint32_t j = 0; j < k; j++) {
		CHECK_INT(tr_recv(rx, t->now, first + j, &t->wire[j], &ri), XE2E_OK);
		CHECK_INT(ri.skipped, 0);
		CHECK(!ri.late);
		t->halves[!side] += (uint32_t)ri.new_epoch;
	}
	t->sent[side] += k;
	t->turns[side]++;
	t->switches += t->last_side != side;
	t->last_side = side;
}

static void talk_init(struct talk *t, enum aead_cipher cipher, uint32_t interval)
{
	struct ratchet_policy pol;

	memset(t, 0, sizeof(*t));
	trng_init(&t->r);
	t->now = 1700000000;
	rpair_init(&t->p, cipher, t->now);
	ratchet_policy_default(&pol);
	pol.step_interval = interval;
	CHECK_INT(ratchet_policy_set(t->p.a, &pol), XE2E_OK);
	CHECK_INT(ratchet_policy_set(t->p.b, &pol), XE2E_OK);
	t->every_turn = interval == 0;
	t->last_side = -1;
}

static void talk_free(struct talk *t)
{
	for (size_t i = 0; i < ARRAY_SIZE(t->wire); i++)
		buf_free(&t->wire[i]);
	rpair_free(&t->p);
}

/* Turns alternate until each side sent per_side messages; the first
 * single_turns turns carry one message each, later ones up to max_burst. */
static void talk_run(struct talk *t, uint32_t per_side, uint32_t single_turns, uint32_t max_burst)
{
	int side = (int)trng_below(&t->r, 2);

	for (uint32_t turn = 0; t->sent[0] < per_side || t->sent[1] < per_side; turn++) {
		uint32_t k = turn < single_turns ? 1 : 1 + trng_below(&t->r, max_burst);

		if (t->sent[side] >= per_side)
			side = !side;
		CHECK(k <= ARRAY_SIZE(t->wire));
		if (k > per_side - t->sent[side])
			k = per_side - t->sent[side];
		talk_turn(t, side, k);
		side = !side;
	}
}

TEST(ratchet_conversation_steps_every_turn)
{
	struct talk t;

	talk_init(&t, AEAD_CHACHAPOLY, 0);
	talk_run(&t, 10000, 400, 16);
	CHECK_INT(t.halves[1], t.steps[0]);
	CHECK_INT(t.halves[0], t.steps[1]);
	/* Only the responder's turn before any initiator message has no step. */
	CHECK(t.steps[0] + t.steps[1] + 1 >= t.switches);
	unit_note("%u + %u messages in %u + %u turns, %u + %u DH steps", t.sent[0], t.sent[1],
		  t.turns[0], t.turns[1], t.steps[0], t.steps[1]);
	talk_free(&t);
}

TEST(ratchet_conversation_defers_steps)
{
	struct talk t;
	struct ratchet_info ia, ib;

	talk_init(&t, AEAD_AES256GCM, RATCHET_STEP_INTERVAL);
	/* Mostly short turns a second or two apart (the interval decides), then
	 * long one-sided bursts (the message count decides). */
	talk_run(&t, 7000, 2000, 6);
	talk_run(&t, 10000, 0, 250);
	ratchet_info_get(t.p.a, &ia);
	ratchet_info_get(t.p.b, &ib);
	CHECK_INT(t.halves[1], t.steps[0]);
	CHECK_INT(t.halves[0], t.steps[1]);
	CHECK(t.steps[0] > 10 && t.steps[1] > 10);
	CHECK(4 * (t.steps[0] + t.steps[1]) < t.turns[0] + t.turns[1]);
	CHECK_INT(ia.own_epoch, t.steps[0]);
	CHECK_INT(ib.own_epoch, t.steps[1]);
	unit_note("%u + %u messages in %u + %u turns, %u + %u DH steps", t.sent[0], t.sent[1],
		  t.turns[0], t.turns[1], t.steps[0], t.steps[1]);
	talk_free(&t);
}

/* Without replies no DH step is possible: the chain alone moves on. */
static void one_way(int from_initiator, uint32_t count)
{
	struct rpair p;
	struct ratchet_state *tx, *rx;
	struct ratchet_info before, after;
	struct buf msg = BUF_INIT;
	uint64_t now = 1000;
	uint8_t (*seen)[16] = calloc(count, 16);

	rpair_init(&p, AEAD_CHACHAPOLY, now);
	tx = from_initiator ? p.a : p.b;
	rx = from_initiator ? p.b : p.a;
	ratchet_info_get(tx, &before);
	for (uint32_t i = 0; i < count; i++) {
		now += 7;
		CHECK_INT(tr_send(tx, now, i, &msg), XE2E_OK);
		CHECK_INT(tr_recv(rx, now, i, &msg, NULL), XE2E_OK);
		/* Every message key differs: the tags of the same text do. */
		memcpy(seen[i], msg.data + msg.len - 16, 16);
	}
	ratchet_info_get(tx, &after);
	CHECK_INT(after.own_epoch, from_initiator ? 1 : 0);
	CHECK_INT(after.send_n, count);
	CHECK_INT(after.total_sent, count);
	CHECK(ratchet_step_due(tx, now, NULL) == 0);
	for (uint32_t i = 1; i < count; i++)
		CHECK(memcmp(seen[i], seen[i - 1], 16) != 0);
	free(seen);
	buf_free(&msg);
	rpair_free(&p);
}

TEST(ratchet_one_way_sessions_advance_the_chain)
{
	one_way(1, 10000);
	one_way(0, 10000);
	unit_note("10000 messages each way, one side silent");
}
