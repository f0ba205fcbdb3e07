/* Reservations: blocks of message numbers for several writers sharing one
 * persisted state, write-back of unused numbers, restart markers. */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "hash.h"
#include "ratchet.h"
#include "test_ratchet.h"
#include "unit.h"
#include "util.h"

/* The persisted state: every operation loads it, works, stores it back. */
struct disk {
	struct buf text;
};

static struct ratchet_state *disk_load(struct disk *d)
{
	struct ratchet_state *st = NULL;

	CHECK_INT(ratchet_parse((const char *)d->text.data, d->text.len, &st, NULL), XE2E_OK);
	return st;
}

static void disk_store(struct disk *d, struct ratchet_state *st)
{
	tr_snapshot(st, &d->text);
	ratchet_free(st);
}

struct sent_msg {
	struct buf wire;
	uint32_t epoch;
	uint32_t n;
	uint8_t ks[SHA256_LEN]; /* digest of the keystream (plaintext is zeros) */
	int done;
};

struct writers {
	struct disk disk;
	struct ratchet_state *peer; /* the responder, in memory */
	struct trng r;
	uint64_t now;
	struct ratchet_block blk[2];
	int has_blk[2];
	struct sent_msg *msgs;
	size_t n, max;
	uint32_t marker[4096]; /* highest restart_n the peer saw, per epoch */
	unsigned reserves, releases, replies, dropped_by_marker, late;
};

static void w_reserve(struct writers *w, int i)
{
	struct ratchet_state *st = disk_load(&w->disk);

	CHECK_INT(ratchet_reserve(st, w->now, 1 + trng_below(&w->r, 8), &w->blk[i]), XE2E_OK);
	disk_store(&w->disk, st);
	w->has_blk[i] = 1;
	w->reserves++;
}

static void w_release(struct writers *w, int i)
{
	struct ratchet_state *st = disk_load(&w->disk);

	ratchet_block_release(st, &w->blk[i]);
	disk_store(&w->disk, st);
	w->has_blk[i] = 0;
	w->releases++;
}

/* Writer i seals one message of 32 zero bytes from its block. */
static void w_write(struct writers *w, int i)
{
	static const uint8_t zeros[32];
	struct sent_msg *m = &w->msgs[w->n];
	struct ratchet_header h;
	size_t hdr_len;

	if (w->has_blk[i] && w->blk[i].next == w->blk[i].end)
		w_release(w, i);
	if (!w->has_blk[i])
		w_reserve(w, i);
	CHECK_INT(ratchet_block_encrypt(&w->blk[i], zeros, 32, tr_ad, tr_ad_len, &m->wire),
		  XE2E_OK);
	CHECK_INT(ratchet_header_decode(&h, m->wire.data, m->wire.len, &hdr_len), XE2E_OK);
	m->epoch = h.sender_epoch;
	m->n = h.n;
	CHECK_INT(hash(HASH_SHA256, m->wire.data + hdr_len, 32, m->ks), XE2E_OK);
	w->n++;
}

/* The responder opens one message. A restart marker it has seen may have
 * dropped the key of an older number that was still in flight. */
static void w_deliver(struct writers *w, struct sent_msg *m)
{
	struct buf pt = BUF_INIT;
	struct ratchet_recv_info ri;
	struct ratchet_header h;
	size_t hdr_len;
	int err = ratchet_decrypt(w->peer, w->now, m->wire.data, m->wire.len, tr_ad, tr_ad_len,
				  &pt, &ri);

	CHECK(m->epoch < ARRAY_SIZE(w->marker));
	if (m->n < w->marker[m->epoch] && err == XE2E_E_REPLAY) {
		w->dropped_by_marker++;
	} else {
		CHECK_INT(err, XE2E_OK);
		CHECK(pt.len == 32 && ct_is_zero(pt.data, 32));
		w->late += (unsigned)ri.late;
	}
	ratchet_header_decode(&h, m->wire.data, m->wire.len, &hdr_len);
	if (!err && h.has_restart && h.restart_n > w->marker[h.sender_epoch])
		w->marker[h.sender_epoch] = h.restart_n;
	m->done = 1;
	buf_free(&pt);
}

/* Delivers what was sent and not delivered yet, shuffled. */
static void w_deliver_all(struct writers *w)
{
	size_t *idx = calloc(w->n + 1, sizeof(*idx)), k = 0;

	for (size_t i = 0; i < w->n; i++)
		if (!w->msgs[i].done)
			idx[k++] = i;
	trng_shuffle(&w->r, idx, k);
	for (size_t i = 0; i < k; i++)
		w_deliver(w, &w->msgs[idx[i]]);
	free(idx);
}

/* The responder answers; the initiator's open process reads it from disk. */
static void w_reply(struct writers *w)
{
	struct buf m = BUF_INIT;
	struct ratchet_state *st;

	CHECK_INT(tr_send(w->peer, w->now, w->replies, &m), XE2E_OK);
	st = disk_load(&w->disk);
	CHECK_INT(tr_recv(st, w->now, w->replies, &m, NULL), XE2E_OK);
	disk_store(&w->disk, st);
	w->replies++;
	buf_free(&m);
}

static int sent_cmp(const void *a, const void *b)
{
	const struct sent_msg *x = a, *y = b;

	if (x->epoch != y->epoch)
		return x->epoch < y->epoch ? -1 : 1;
	return x->n < y->n ? -1 : x->n > y->n;
}

static int ks_cmp(const void *a, const void *b)
{
	return memcmp(a, b, SHA256_LEN);
}

static void w_check_unique(struct writers *w)
{
	uint8_t (*ks)[SHA256_LEN] = calloc(w->n, SHA256_LEN);

	for (size_t i = 0; i < w->n; i++)
		memcpy(ks[i], w->msgs[i].ks, SHA256_LEN);
	qsort(ks, w->n, SHA256_LEN, ks_cmp);
	for (size_t i = 1; i < w->n; i++)
		CHECK(memcmp(ks[i - 1], ks[i], SHA256_LEN) != 0);
	qsort(w->msgs, w->n, sizeof(*w->msgs), sent_cmp);
	for (size_t i = 1; i < w->n; i++)
		CHECK(sent_cmp(&w->msgs[i - 1], &w->msgs[i]) != 0);
	free(ks);
}

static void writers_run(struct writers *w, uint32_t interval, size_t count)
{
	struct rpair p;
	struct ratchet_policy pol;

	memset(w, 0, sizeof(*w));
	trng_init(&w->r);
	w->now = 7000;
	rpair_init(&p, AEAD_CHACHAPOLY, w->now);
	ratchet_policy_default(&pol);
	pol.step_interval = interval;
	CHECK_INT(ratchet_policy_set(p.a, &pol), XE2E_OK);
	CHECK_INT(ratchet_policy_set(p.b, &pol), XE2E_OK);
	tr_snapshot(p.a, &w->disk.text);
	w->peer = p.b;
	w->max = count;
	w->msgs = calloc(count, sizeof(*w->msgs));
	while (w->n < count) {
		uint32_t op = trng_below(&w->r, 100);
		int i = (int)trng_below(&w->r, 2);

		w->now += trng_below(&w->r, 5);
		if (op < 8 && w->has_blk[i])
			w_release(w, i);
		else if (op < 14)
			w_deliver_all(w);
		else if (op < 20)
			w_reply(w);
		else
			w_write(w, i);
	}
	for (int i = 0; i < 2; i++)
		if (w->has_blk[i])
			w_release(w, i);
	w_deliver_all(w);
	w_check_unique(w);
	for (size_t i = 0; i < w->n; i++)
		buf_free(&w->msgs[i].wire);
	free(w->msgs);
	buf_free(&w->disk.text);
	ratchet_free(p.a);
	ratchet_free(p.b);
}

TEST(ratchet_two_writers_never_reuse_a_key)
{
	struct writers w;

	writers_run(&w, 0, 3000);
	CHECK(w.late > 0 && w.releases > 0);
	unit_note("steps every turn: %zu messages, %u reservations, %u releases, %u replies, "
		  "%u late, %u dropped by restart markers",
		  w.n, w.reserves, w.releases, w.replies, w.late, w.dropped_by_marker);
	writers_run(&w, RATCHET_STEP_INTERVAL, 3000);
	unit_note("deferred steps: %zu messages, %u reservations, %u releases, %u replies, "
		  "%u late, %u dropped by restart markers",
		  w.n, w.reserves, w.releases, w.replies, w.late, w.dropped_by_marker);
}

TEST(ratchet_release_writes_back_unused_numbers)
{
	struct rpair p;
	struct ratchet_block b;
	struct ratchet_info info;
	struct ratchet_recv_info ri;
	struct buf m = BUF_INIT, pt = BUF_INIT;

	rpair_init(&p, AEAD_AES256GCM, 10);
	CHECK_INT(ratchet_reserve(p.b, 10, 10, &b), XE2E_OK);
	ratchet_info_get(p.b, &info);
	CHECK(info.send_n == 10 && info.total_sent == 10 && info.open_blocks == 1);
	for (uint32_t i = 0; i < 3; i++) {
		m.len = 0;
		CHECK_INT(ratchet_block_encrypt(&b, (const uint8_t *)"hi", 2, tr_ad, tr_ad_len, &m),
			  XE2E_OK);
		CHECK_INT(ratchet_decrypt(p.a, 11, m.data, m.len, tr_ad, tr_ad_len, &pt, &ri),
			  XE2E_OK);
		CHECK(ri.n == i && ri.skipped == 0);
	}
	ratchet_block_release(p.b, &b);
	CHECK(ct_is_zero(&b, sizeof(b)));
	ratchet_info_get(p.b, &info);
	CHECK(info.send_n == 3 && info.total_sent == 3 && info.open_blocks == 0);
	/* The next message takes number 3: no gap, no marker. */
	CHECK_INT(tr_send(p.b, 12, 3, &m), XE2E_OK);
	CHECK(!(m.data[0] & 0x02));
	CHECK_INT(tr_recv(p.a, 12, 3, &m, &ri), XE2E_OK);
	CHECK(ri.n == 3 && ri.skipped == 0);
	/* A used-up block refuses more. */
	CHECK_INT(ratchet_reserve(p.b, 13, 1, &b), XE2E_OK);
	CHECK_INT(ratchet_block_encrypt(&b, (const uint8_t *)"x", 1, NULL, 0, &m), XE2E_OK);
	CHECK_INT(ratchet_block_encrypt(&b, (const uint8_t *)"x", 1, NULL, 0, &m), XE2E_E_LIMIT);
	ratchet_block_release(p.b, &b);
	CHECK_INT(ratchet_reserve(p.b, 13, 0, &b), XE2E_E_LIMIT);
	CHECK_INT(ratchet_reserve(p.b, 13, RATCHET_SKIPPED_MAX + 1, &b), XE2E_E_LIMIT);
	buf_free(&m);
	buf_free(&pt);
	rpair_free(&p);
}

TEST(ratchet_restart_marker_drops_skipped_keys)
{
	struct rpair p;
	struct ratchet_block w1, w2, w3, old;
	struct ratchet_recv_info ri;
	struct ratchet_info info;
	struct buf m = BUF_INIT, x = BUF_INIT, pt = BUF_INIT;

	rpair_init(&p, AEAD_CHACHAPOLY, 10);
	tr_steps_off(p.a);
	tr_steps_off(p.b);
	/* A skipped key of the responder's epoch 0 that must survive. */
	CHECK_INT(tr_send(p.b, 10, 0, &x), XE2E_OK);
	CHECK_INT(tr_send(p.b, 10, 1, &m), XE2E_OK);
	CHECK_INT(tr_recv(p.a, 10, 1, &m, NULL), XE2E_OK);
	CHECK_INT(tr_send(p.a, 11, 0, &m), XE2E_OK);
	CHECK_INT(tr_recv(p.b, 11, 0, &m, NULL), XE2E_OK);

	/* Two writers in the responder's epoch 1: [0,10) and [10,20). */
	CHECK_INT(ratchet_reserve(p.b, 12, 10, &w1), XE2E_OK);
	CHECK_INT(ratchet_reserve(p.b, 12, 10, &w2), XE2E_OK);
	CHECK(w1.hdr.sender_epoch == 1 && !w1.hdr.has_restart);
	for (uint32_t i = 0; i < 3; i++) {
		m.len = 0;
		CHECK_INT(ratchet_block_encrypt(&w1, (const uint8_t *)"a", 1, tr_ad, tr_ad_len, &m),
			  XE2E_OK);
		CHECK_INT(ratchet_decrypt(p.a, 12, m.data, m.len, tr_ad, tr_ad_len, &pt, NULL),
			  XE2E_OK);
	}
	ratchet_block_release(p.b, &w1); /* 3..9 abandoned: w2 lies after them */
	ratchet_info_get(p.b, &info);
	CHECK(info.send_n == 20 && info.open_blocks == 1);
	m.len = 0;
	CHECK_INT(ratchet_block_encrypt(&w2, (const uint8_t *)"b", 1, tr_ad, tr_ad_len, &m),
		  XE2E_OK);
	CHECK_INT(ratchet_decrypt(p.a, 13, m.data, m.len, tr_ad, tr_ad_len, &pt, &ri), XE2E_OK);
	CHECK(ri.n == 10 && ri.skipped == 7);
	ratchet_info_get(p.a, &info);
	CHECK_INT(info.skipped, 8);
	ratchet_block_release(p.b, &w2); /* gives back 11..19 */

	/* The next block starts at 11 and says so; A drops 3..9 only. */
	CHECK_INT(ratchet_reserve(p.b, 14, 4, &w3), XE2E_OK);
	CHECK(w3.hdr.has_restart && w3.hdr.restart_n == 11 && w3.next == 11);
	for (uint32_t i = 0; i < 2; i++) {
		m.len = 0;
		CHECK_INT(ratchet_block_encrypt(&w3, (const uint8_t *)"c", 1, tr_ad, tr_ad_len, &m),
			  XE2E_OK);
		CHECK(m.data[0] & 0x02);
		CHECK_INT(ratchet_decrypt(p.a, 14, m.data, m.len, tr_ad, tr_ad_len, &pt, &ri),
			  XE2E_OK);
		CHECK_INT(ri.dropped, i == 0 ? 7 : 0);
	}
	ratchet_info_get(p.a, &info);
	CHECK_INT(info.skipped, 1);
	CHECK_INT(tr_recv(p.a, 15, 0, &x, NULL), XE2E_OK); /* epoch 0 kept */
	old = w3;
	ratchet_block_release(p.b, &w3);

	/* After the next step the marker is gone, and an old block's release
	 * changes nothing. */
	CHECK_INT(tr_send(p.a, 16, 1, &m), XE2E_OK);
	CHECK_INT(tr_recv(p.b, 16, 1, &m, NULL), XE2E_OK);
	CHECK_INT(tr_send(p.b, 17, 2, &m), XE2E_OK);
	CHECK(!(m.data[0] & 0x02));
	ratchet_info_get(p.b, &info);
	CHECK_INT(info.own_epoch, 2);
	tr_snapshot(p.b, &x);
	old.next = 12;
	ratchet_block_release(p.b, &old);
	CHECK(tr_same(p.b, &x));
	buf_free(&m);
	buf_free(&x);
	buf_free(&pt);
	rpair_free(&p);
}
