/* The ratchet under loss, reordering, duplication, replays and forgeries:
 * what fails fails with the right error and leaves the state as it was. */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "ratchet.h"
#include "test_ratchet.h"
#include "unit.h"
#include "util.h"

struct net_msg {
	struct buf wire;
	uint32_t id; /* the plaintext is "message <id>" */
	int to;      /* 0 = initiator, 1 = responder */
	int delivered;
};

struct net {
	struct rpair p;
	struct trng r;
	uint64_t now;
	struct net_msg *msgs;
	size_t n;
	size_t *pool; /* delayed or duplicated, not yet delivered */
	size_t npool;
	uint32_t sent[2];
	unsigned ok, replays, late, lost, new_chain_late_start;
};

static struct ratchet_state *net_state(struct net *nt, int side)
{
	return side ? nt->p.b : nt->p.a;
}

static void net_deliver(struct net *nt, size_t i)
{
	struct net_msg *m = &nt->msgs[i];
	struct ratchet_recv_info ri;
	struct buf snap = BUF_INIT;
	int err;

	if (m->delivered)
		tr_snapshot(net_state(nt, m->to), &snap);
	err = tr_recv(net_state(nt, m->to), nt->now, m->id, &m->wire, &ri);
	if (m->delivered) {
		CHECK_INT(err, XE2E_E_REPLAY);
		CHECK(tr_same(net_state(nt, m->to), &snap));
		nt->replays++;
	} else {
		CHECK_INT(err, XE2E_OK);
		m->delivered = 1;
		nt->ok++;
		nt->late += (unsigned)ri.late;
		nt->new_chain_late_start += ri.new_epoch && ri.n > 0;
	}
	buf_free(&snap);
}

static void net_pool_add(struct net *nt, size_t i)
{
	nt->pool[nt->npool++] = i;
}

/* Delivers pooled messages for side at random, each with chance pct. */
static void net_pool_release(struct net *nt, int side, uint32_t pct, int all)
{
	trng_shuffle(&nt->r, nt->pool, nt->npool);
	for (size_t j = 0; j < nt->npool;) {
		size_t i = nt->pool[j];

		if (nt->msgs[i].to == side && (all || trng_below(&nt->r, 100) < pct)) {
			net_deliver(nt, i);
			nt->pool[j] = nt->pool[--nt->npool];
		} else {
			j++;
		}
	}
}

/* One turn: side sends k messages; each is lost, delayed or sent on, and
 * may be duplicated; the peer gets them slightly reordered. */
static void net_turn(struct net *nt, int side, uint32_t k)
{
	size_t first = nt->n, order[16];
	uint32_t now_sent = 0;

	for (uint32_t j = 0; j < k; j++) {
		struct net_msg *m = &nt->msgs[nt->n];
		uint32_t fate = trng_below(&nt->r, 100);

		m->id = nt->sent[side]++;
		m->to = !side;
		CHECK_INT(tr_send(net_state(nt, side), nt->now, m->id, &m->wire), XE2E_OK);
		nt->now += trng_below(&nt->r, 2);
		if (fate < 10)
			; /* lost, unless duplicated below */
		else if (fate < 25)
			net_pool_add(nt, nt->n);
		else
			order[now_sent++] = nt->n;
		if (trng_below(&nt->r, 100) < 5)
			net_pool_add(nt, nt->n);
		nt->n++;
	}
	for (uint32_t j = 0; j + 1 < now_sent; j++) {
		if (trng_below(&nt->r, 100) < 20) {
			size_t t = order[j];

			order[j] = order[j + 1];
			order[j + 1] = t;
		}
	}
	for (uint32_t j = 0; j < now_sent; j++)
		net_deliver(nt, order[j]);
	net_pool_release(nt, !side, 30, 0);
	(void)first;
}

TEST(ratchet_survives_loss_reordering_duplication)
{
	struct net nt;
	const uint32_t per_side = 1500, max = 2 * per_side + 16;
	int side;

	memset(&nt, 0, sizeof(nt));
	trng_init(&nt.r);
	nt.now = 5000;
	rpair_init(&nt.p, AEAD_CHACHAPOLY, nt.now);
	tr_steps_off(nt.p.a);
	tr_steps_off(nt.p.b);
	nt.msgs = calloc(max, sizeof(*nt.msgs));
	nt.pool = calloc(2 * max, sizeof(*nt.pool));
	side = (int)trng_below(&nt.r, 2);
	while (nt.sent[0] < per_side || nt.sent[1] < per_side) {
		uint32_t k = 1 + trng_below(&nt.r, 6);

		if (nt.sent[side] >= per_side)
			side = !side;
		if (k > per_side - nt.sent[side])
			k = per_side - nt.sent[side];
		net_turn(&nt, side, k);
		side = !side;
	}
	net_pool_release(&nt, 0, 0, 1);
	net_pool_release(&nt, 1, 0, 1);
	nt.lost = 0;
	for (size_t i = 0; i < nt.n; i++)
		nt.lost += !nt.msgs[i].delivered;
	CHECK_INT(nt.ok + nt.lost, nt.n);
	CHECK(nt.lost > 0);
	CHECK(nt.late > 0 && nt.replays > 0 && nt.new_chain_late_start > 0);
	unit_note("%zu messages: %u opened (%u late, %u chains entered after a lost first "
		  "message), %u lost, %u duplicates refused",
		  nt.n, nt.ok, nt.late, nt.new_chain_late_start, nt.lost, nt.replays);
	for (size_t i = 0; i < nt.n; i++)
		buf_free(&nt.msgs[i].wire);
	free(nt.msgs);
	free(nt.pool);
	rpair_free(&nt.p);
}

TEST(ratchet_new_chain_survives_its_first_message_lost)
{
	struct rpair p;
	struct buf m[4] = {BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT};
	struct ratchet_recv_info ri;

	rpair_init(&p, AEAD_CHACHAPOLY, 10);
	tr_steps_off(p.b);
	CHECK_INT(tr_send(p.a, 10, 0, &m[0]), XE2E_OK);
	CHECK_INT(tr_recv(p.b, 10, 0, &m[0], NULL), XE2E_OK);
	/* B steps; its epoch-1 messages all carry b1 until A acknowledges. */
	for (uint32_t i = 0; i < 3; i++) {
		CHECK_INT(tr_send(p.b, 11, i, &m[i]), XE2E_OK);
		CHECK(m[i].data[0] & 0x01);
	}
	CHECK_INT(tr_recv(p.a, 12, 1, &m[1], &ri), XE2E_OK);
	CHECK(ri.new_epoch && ri.epoch == 1 && ri.n == 1 && ri.skipped == 1 && !ri.late);
	CHECK_INT(tr_recv(p.a, 12, 2, &m[2], &ri), XE2E_OK);
	CHECK(!ri.new_epoch && !ri.late && ri.skipped == 0);
	CHECK_INT(tr_recv(p.a, 13, 0, &m[0], &ri), XE2E_OK);
	CHECK(ri.late && ri.epoch == 1 && ri.n == 0);
	CHECK_INT(tr_recv(p.a, 13, 1, &m[1], &ri), XE2E_E_REPLAY);
	/* A acknowledges epoch 1 in its next message; B then drops the key. */
	CHECK_INT(tr_send(p.a, 14, 1, &m[3]), XE2E_OK);
	CHECK_INT(tr_recv(p.b, 14, 1, &m[3], NULL), XE2E_OK);
	CHECK_INT(tr_send(p.b, 15, 3, &m[0]), XE2E_OK);
	CHECK(!(m[0].data[0] & 0x01));
	CHECK_INT(tr_recv(p.a, 15, 3, &m[0], NULL), XE2E_OK);
	for (size_t i = 0; i < 4; i++)
		buf_free(&m[i]);
	rpair_free(&p);
}

TEST(ratchet_replays_are_refused_and_change_nothing)
{
	struct rpair p;
	struct buf m[40], snap = BUF_INIT, out = BUF_INIT;
	unsigned runs = 0;

	rpair_init(&p, AEAD_AES256GCM, 10);
	tr_steps_off(p.a);
	tr_steps_off(p.b);
	/* Turns of 4: A, B, A, ...; within each turn message 1 comes late. */
	for (uint32_t i = 0; i < 40; i++) {
		struct ratchet_state *tx = (i / 4) % 2 ? p.b : p.a;

		memset(&m[i], 0, sizeof(m[i]));
		CHECK_INT(tr_send(tx, 20 + i, i, &m[i]), XE2E_OK);
		if (i % 4 == 3) {
			struct ratchet_state *rx = tx == p.a ? p.b : p.a;

			CHECK_INT(tr_recv(rx, 20 + i, i - 3, &m[i - 3], NULL), XE2E_OK);
			CHECK_INT(tr_recv(rx, 20 + i, i - 1, &m[i - 1], NULL), XE2E_OK);
			CHECK_INT(tr_recv(rx, 20 + i, i, &m[i], NULL), XE2E_OK);
			CHECK_INT(tr_recv(rx, 20 + i, i - 2, &m[i - 2], NULL), XE2E_OK);
		}
	}
	for (uint32_t i = 0; i < 40; i++, runs++) {
		struct ratchet_state *rx = (i / 4) % 2 ? p.a : p.b;

		tr_snapshot(rx, &snap);
		CHECK_INT(ratchet_decrypt(rx, 100, m[i].data, m[i].len, tr_ad, tr_ad_len, &out,
					  NULL),
			  XE2E_E_REPLAY);
		CHECK(tr_same(rx, &snap));
		CHECK_INT(out.len, 0);
	}
	unit_note("%u replays", runs);
	for (uint32_t i = 0; i < 40; i++)
		buf_free(&m[i]);
	buf_free(&snap);
	buf_free(&out);
	rpair_free(&p);
}

/* Every single-bit change of the header, one per ciphertext byte, and every
 * truncation fails and changes nothing; then the real message opens. */
static unsigned tamper_all(struct ratchet_state *rx, uint64_t now, uint32_t id,
			   const struct buf *msg, struct trng *r)
{
	struct buf snap = BUF_INIT, out = BUF_INIT, bad = BUF_INIT;
	struct ratchet_header h;
	size_t hdr_len;
	unsigned runs = 0;

	CHECK_INT(ratchet_header_decode(&h, msg->data, msg->len, &hdr_len), XE2E_OK);
	tr_snapshot(rx, &snap);
	buf_append(&bad, msg->data, msg->len);
	for (size_t bit = 0; bit < 8 * msg->len; bit++) {
		size_t byte = bit / 8;

		if (byte >= hdr_len && bit % 8 != trng_below(r, 8) % 8)
			continue;
		bad.data[byte] ^= (uint8_t)(1u << (bit % 8));
		CHECK(ratchet_decrypt(rx, now, bad.data, bad.len, tr_ad, tr_ad_len, &out, NULL) !=
		      XE2E_OK);
		bad.data[byte] ^= (uint8_t)(1u << (bit % 8));
		runs++;
	}
	for (size_t cut = 0; cut < msg->len; cut++, runs++)
		CHECK(ratchet_decrypt(rx, now, bad.data, cut, tr_ad, tr_ad_len, &out, NULL) !=
		      XE2E_OK);
	CHECK_INT(out.len, 0);
	CHECK(tr_same(rx, &snap));
	CHECK_INT(tr_recv(rx, now, id, msg, NULL), XE2E_OK);
	buf_free(&snap);
	buf_free(&out);
	buf_free(&bad);
	return runs;
}

/* A message with a restart marker: B abandons numbers 1..2, then hands
 * back the unused end of its last block. */
static void restart_message(struct ratchet_state *b, uint32_t id, struct buf *out)
{
	struct ratchet_block b1, b2;
	struct buf drop = BUF_INIT;

	CHECK_INT(ratchet_reserve(b, 30, 3, &b1), XE2E_OK);
	CHECK_INT(ratchet_reserve(b, 30, 3, &b2), XE2E_OK);
	CHECK_INT(ratchet_block_encrypt(&b1, (const uint8_t *)"x", 1, tr_ad, tr_ad_len, &drop),
		  XE2E_OK);
	ratchet_block_release(b, &b1);
	ratchet_block_release(b, &b2);
	out->len = 0;
	CHECK_INT(tr_send(b, 30, id, out), XE2E_OK);
	CHECK(out->data[0] & 0x02);
	buf_free(&drop);
}

TEST(ratchet_flipped_bits_change_nothing)
{
	struct rpair p;
	struct trng r;
	struct buf m = BUF_INIT;
	unsigned runs = 0;

	trng_init(&r);
	rpair_init(&p, AEAD_CHACHAPOLY, 10);
	CHECK_INT(tr_send(p.b, 20, 0, &m), XE2E_OK); /* epoch 0, no key */
	runs += tamper_all(p.a, 20, 0, &m, &r);
	CHECK_INT(tr_send(p.a, 21, 0, &m), XE2E_OK); /* new chain with a1 */
	runs += tamper_all(p.b, 21, 0, &m, &r);
	restart_message(p.b, 1, &m);
	runs += tamper_all(p.a, 31, 1, &m, &r);
	unit_note("%u tampered messages refused", runs);
	buf_free(&m);
	rpair_free(&p);
}

TEST(ratchet_wrong_associated_data_fails)
{
	struct rpair p;
	struct buf m = BUF_INIT, out = BUF_INIT, snap = BUF_INIT;
	uint8_t ad[256];
	unsigned runs = 0;

	rpair_init(&p, AEAD_AES256GCM, 10);
	CHECK_INT(tr_send(p.a, 20, 0, &m), XE2E_OK);
	tr_snapshot(p.b, &snap);
	memcpy(ad, tr_ad, tr_ad_len);
	for (size_t i = 0; i < tr_ad_len; i++, runs++) {
		ad[i] ^= 0x20;
		CHECK_INT(ratchet_decrypt(p.b, 20, m.data, m.len, ad, tr_ad_len, &out, NULL),
			  XE2E_E_AUTH);
		ad[i] ^= 0x20;
		CHECK_INT(ratchet_decrypt(p.b, 20, m.data, m.len, ad, i, &out, NULL), XE2E_E_AUTH);
		runs++;
	}
	ad[tr_ad_len] = 0;
	CHECK_INT(ratchet_decrypt(p.b, 20, m.data, m.len, ad, tr_ad_len + 1, &out, NULL),
		  XE2E_E_AUTH);
	CHECK(tr_same(p.b, &snap));
	CHECK_INT(out.len, 0);
	CHECK_INT(tr_recv(p.b, 20, 0, &m, NULL), XE2E_OK);
	unit_note("%u wrong associated data refused", runs + 1);
	buf_free(&m);
	buf_free(&out);
	buf_free(&snap);
	rpair_free(&p);
}

TEST(ratchet_refuses_other_sessions_and_bad_headers)
{
	struct rpair p, q;
	struct buf m = BUF_INIT, bad = BUF_INIT, out = BUF_INIT, snap = BUF_INIT;

	rpair_init(&p, AEAD_CHACHAPOLY, 10);
	rpair_init(&q, AEAD_CHACHAPOLY, 10);
	CHECK_INT(tr_send(q.b, 20, 0, &m), XE2E_OK);
	tr_snapshot(p.a, &snap);
	CHECK_INT(tr_recv(p.a, 20, 0, &m, NULL), XE2E_E_NOTFOUND);
	for (size_t i = 1; i < 5; i++) {
		bad.len = 0;
		buf_append(&bad, m.data, m.len);
		memcpy(bad.data + 1, p.start.tag, 4);
		bad.data[i] ^= 0x10;
		CHECK_INT(tr_recv(p.a, 20, 0, &bad, NULL), XE2E_E_NOTFOUND);
	}
	bad.data[0] = 0x08;
	CHECK_INT(tr_recv(p.a, 20, 0, &bad, NULL), XE2E_E_MALFORMED);
	CHECK_INT(ratchet_decrypt(p.a, 20, m.data, 9 + AEAD_TAG_LEN - 1, tr_ad, tr_ad_len, &out,
				  NULL),
		  XE2E_E_MALFORMED);
	/* The plaintext may not go where the message is. */
	CHECK_INT(tr_send(p.b, 20, 0, &m), XE2E_OK);
	CHECK_INT(ratchet_decrypt(p.a, 20, m.data, m.len, tr_ad, tr_ad_len, &m, NULL),
		  XE2E_E_STATE);
	CHECK(tr_same(p.a, &snap));
	CHECK_INT(tr_recv(p.a, 20, 0, &m, NULL), XE2E_OK);
	buf_free(&m);
	buf_free(&bad);
	buf_free(&out);
	buf_free(&snap);
	rpair_free(&p);
	rpair_free(&q);
}

/* Sends count messages from tx, keeping them all. */
static struct buf *send_many(struct ratchet_state *tx, uint64_t now, uint32_t first,
			     uint32_t count)
{
	struct buf *m = calloc(count, sizeof(*m));

	for (uint32_t i = 0; i < count; i++)
		CHECK_INT(tr_send(tx, now, first + i, &m[i]), XE2E_OK);
	return m;
}

static void free_many(struct buf *m, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++)
		buf_free(&m[i]);
	free(m);
}

TEST(ratchet_gap_above_the_bound_is_refused)
{
	struct rpair p;
	struct buf *a1, *a2, b = BUF_INIT, snap = BUF_INIT;
	struct ratchet_recv_info ri;

	rpair_init(&p, AEAD_CHACHAPOLY, 10);
	tr_steps_off(p.a);
	tr_steps_off(p.b);
	/* In one chain: 1001 skipped keys are too many, 1000 are not. */
	a1 = send_many(p.a, 20, 0, 1002);
	tr_snapshot(p.b, &snap);
	CHECK_INT(tr_recv(p.b, 20, 1001, &a1[1001], NULL), XE2E_E_LIMIT);
	CHECK(tr_same(p.b, &snap));
	CHECK_INT(tr_recv(p.b, 20, 1000, &a1[1000], &ri), XE2E_OK);
	CHECK_INT(ri.skipped, 1000);
	free_many(a1, 1002);
	rpair_free(&p);

	/* Across a step the rest of the old chain (up to pn) counts too: A
	 * sends 600 in epoch 1, B gets the first, both step, and then A's
	 * epoch-2 message 450 would leave 599 + 450 keys to keep. */
	rpair_init(&p, AEAD_CHACHAPOLY, 10);
	tr_steps_off(p.a);
	tr_steps_off(p.b);
	a1 = send_many(p.a, 20, 0, 600);
	CHECK_INT(tr_recv(p.b, 20, 0, &a1[0], NULL), XE2E_OK);
	CHECK_INT(tr_send(p.b, 21, 0, &b), XE2E_OK);
	CHECK_INT(tr_recv(p.a, 21, 0, &b, NULL), XE2E_OK);
	a2 = send_many(p.a, 22, 2000, 500);
	tr_snapshot(p.b, &snap);
	CHECK_INT(tr_recv(p.b, 22, 2000 + 450, &a2[450], NULL), XE2E_E_LIMIT);
	CHECK(tr_same(p.b, &snap));
	CHECK_INT(tr_recv(p.b, 22, 2000 + 402, &a2[402], NULL), XE2E_E_LIMIT);
	CHECK_INT(tr_recv(p.b, 22, 2000 + 401, &a2[401], &ri), XE2E_OK);
	CHECK(ri.new_epoch && ri.skipped == 599 + 401);
	CHECK_INT(tr_recv(p.b, 22, 599, &a1[599], &ri), XE2E_OK);
	CHECK(ri.late && ri.epoch == 1);
	free_many(a1, 600);
	free_many(a2, 500);
	buf_free(&b);
	buf_free(&snap);
	rpair_free(&p);
}

TEST(ratchet_skipped_keys_expire_and_are_evicted)
{
	struct rpair p;
	struct buf *m;
	struct ratchet_recv_info ri;
	struct ratchet_info info;
	struct ratchet_policy pol;
	const uint64_t t0 = 1000000, ttl = RATCHET_SKIPPED_TTL;

	rpair_init(&p, AEAD_CHACHAPOLY, t0);
	m = send_many(p.b, t0, 0, 40);
	CHECK_INT(tr_recv(p.a, t0, 4, &m[4], &ri), XE2E_OK);
	CHECK_INT(ri.skipped, 4);
	CHECK_INT(tr_recv(p.a, t0 + ttl - 1, 1, &m[1], &ri), XE2E_OK);
	CHECK(ri.late && ri.dropped == 0);
	CHECK_INT(tr_recv(p.a, t0 + ttl, 2, &m[2], &ri), XE2E_E_REPLAY);
	CHECK_INT(ratchet_skipped_expire(p.a, t0 + ttl - 1), 0);
	CHECK_INT(ratchet_skipped_expire(p.a, t0 + ttl), 3);
	CHECK_INT(tr_recv(p.a, t0 + ttl, 0, &m[0], &ri), XE2E_E_REPLAY);
	/* With room for 10: the oldest go first. */
	ratchet_policy_default(&pol);
	pol.skipped_max = 10;
	CHECK_INT(ratchet_policy_set(p.a, &pol), XE2E_OK);
	CHECK_INT(tr_recv(p.a, t0 + ttl, 12, &m[12], &ri), XE2E_OK); /* keeps 5..11 */
	CHECK_INT(tr_recv(p.a, t0 + ttl, 18, &m[18], &ri), XE2E_OK); /* 13..17: 5 and 6 go */
	CHECK_INT(ri.dropped, 2);
	ratchet_info_get(p.a, &info);
	CHECK_INT(info.skipped, 10);
	CHECK_INT(tr_recv(p.a, t0 + ttl, 5, &m[5], NULL), XE2E_E_REPLAY);
	CHECK_INT(tr_recv(p.a, t0 + ttl, 6, &m[6], NULL), XE2E_E_REPLAY);
	CHECK_INT(tr_recv(p.a, t0 + ttl, 7, &m[7], NULL), XE2E_OK);
	CHECK_INT(tr_recv(p.a, t0 + ttl, 17, &m[17], NULL), XE2E_OK);
	/* A gap above the store's size is refused. */
	CHECK_INT(tr_recv(p.a, t0 + ttl, 30, &m[30], NULL), XE2E_E_LIMIT);
	CHECK_INT(tr_recv(p.a, t0 + ttl, 29, &m[29], NULL), XE2E_OK);
	free_many(m, 40);
	rpair_free(&p);
}

TEST(ratchet_low_order_ratchet_keys_are_refused)
{
	/* The points of order 1, 2, 4 and 8, canonical and not, each also with
	 * the top bit set (which X25519 ignores). */
	static const char *const points[] = {
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000",
		"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
		"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	};
	struct rpair p;
	struct buf m = BUF_INIT, bad = BUF_INIT, out = BUF_INIT, snap = BUF_INIT;
	unsigned runs = 0;

	rpair_init(&p, AEAD_CHACHAPOLY, 10);
	CHECK_INT(tr_send(p.a, 20, 0, &m), XE2E_OK);
	CHECK(m.data[0] & 0x01);
	tr_snapshot(p.b, &snap);
	for (size_t i = 0; i < 2 * ARRAY_SIZE(points); i++, runs++) {
		size_t n;
		uint8_t *pt = unit_hex(points[i / 2], &n);

		bad.len = 0;
		buf_append(&bad, m.data, m.len);
		memcpy(bad.data + 9, pt, 32);
		bad.data[9 + 31] |= (uint8_t)((i % 2) << 7);
		CHECK_INT(ratchet_decrypt(p.b, 20, bad.data, bad.len, tr_ad, tr_ad_len, &out, NULL),
			  XE2E_E_WEAKKEY);
		CHECK(tr_same(p.b, &snap));
		free(pt);
	}
	CHECK_INT(out.len, 0);
	CHECK_INT(tr_recv(p.b, 20, 0, &m, NULL), XE2E_OK);
	unit_note("%u low-order points refused", runs);
	buf_free(&m);
	buf_free(&bad);
	buf_free(&out);
	buf_free(&snap);
	rpair_free(&p);
}
