/* The SPAKE2 mix of the ratchet (ratchet_mix_set()): root step indexes,
 * the documented bytes recomputed by hand, conversations that pass the
 * mixed step with every-turn and deferred steps, loss and reordering, a
 * mix on one side only, refusals, and the pending mix in the state text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aead.h"
#include "dh.h"
#include "encoding.h"
#include "err.h"
#include "hash.h"
#include "ratchet.h"
#include "rng.h"
#include "test_ratchet.h"
#include "unit.h"
#include "util.h"

static const char mix_info[] = "xe2e ratchet spake2 v1";
static const char plain_info[] = "xe2e ratchet v1";

/* A 32-byte value of the serialized state ("root-key", "own-private"). */
static void state_value(const struct ratchet_state *st, const char *name, uint8_t out[32])
{
	struct buf text = BUF_INIT;
	char want[64];
	const char *at;

	tr_snapshot(st, &text);
	buf_terminate(&text);
	snprintf(want, sizeof(want), "\n%s: ", name);
	at = strstr((const char *)text.data, want);
	CHECK(at != NULL);
	memset(out, 0, 32);
	if (at)
		CHECK_INT(hex_decode(at + strlen(want), 64, out, 32), XE2E_OK);
	wipe(text.data, text.len);
	buf_free(&text);
}

static uint64_t root_step(const struct ratchet_state *st)
{
	struct ratchet_info i;

	ratchet_info_get(st, &i);
	return i.root_step;
}

static int mix_pending(const struct ratchet_state *st, uint64_t *step)
{
	struct ratchet_info i;

	ratchet_info_get(st, &i);
	if (step)
		*step = i.mix_step;
	return i.has_mix;
}

static void set_interval(struct ratchet_state *st, uint32_t interval, uint32_t messages)
{
	struct ratchet_info i;

	ratchet_info_get(st, &i);
	i.policy.step_interval = interval;
	i.policy.step_messages = messages;
	CHECK_INT(ratchet_policy_set(st, &i.policy), XE2E_OK);
}

TEST(ratchet_mix_step_indexes)
{
	uint64_t step = 0;

	CHECK_INT(ratchet_step_index(RATCHET_INITIATOR, 0), 0);
	CHECK_INT(ratchet_step_index(RATCHET_RESPONDER, 0), 0);
	CHECK_INT(ratchet_step_index(RATCHET_INITIATOR, 1), 1);
	CHECK_INT(ratchet_step_index(RATCHET_RESPONDER, 1), 2);
	CHECK_INT(ratchet_step_index(RATCHET_INITIATOR, 7), 13);
	CHECK_INT(ratchet_step_index(RATCHET_RESPONDER, 7), 14);
	CHECK(ratchet_step_index(RATCHET_RESPONDER, UINT32_MAX) == RATCHET_STEP_MAX);
	/* A run whose confirmations name the initiator's epoch E mixes into
	 * the responder's step of epoch E + 2. */
	CHECK_INT(ratchet_spake2_step(1, &step), XE2E_OK);
	CHECK_INT(step, 6);
	CHECK_INT(ratchet_spake2_step(40, &step), XE2E_OK);
	CHECK(step == ratchet_step_index(RATCHET_RESPONDER, 42));
	CHECK_INT(ratchet_spake2_step(UINT32_MAX - 2, &step), XE2E_OK);
	CHECK(step == RATCHET_STEP_MAX);
	CHECK_INT(ratchet_spake2_step(UINT32_MAX - 1, &step), XE2E_E_LIMIT);
	CHECK_INT(ratchet_spake2_step(UINT32_MAX, &step), XE2E_E_LIMIT);
}

/* Both sides count the same root steps, in the same order. */
TEST(ratchet_mix_root_steps_agree)
{
	struct rpair p;
	struct buf m = BUF_INIT;

	rpair_init(&p, AEAD_CHACHAPOLY, 100);
	set_interval(p.a, 0, 100);
	set_interval(p.b, 0, 100);
	CHECK_INT(root_step(p.a), 0);
	CHECK_INT(root_step(p.b), 0);
	CHECK_INT(tr_send(p.b, 100, 0, &m), XE2E_OK); /* r0: no step */
	CHECK_INT(tr_recv(p.a, 100, 0, &m, NULL), XE2E_OK);
	CHECK_INT(root_step(p.b), 0);
	for (uint32_t i = 1; i <= 6; i++) {
		struct ratchet_state *tx = i % 2 ? p.a : p.b, *rx = i % 2 ? p.b : p.a;

		CHECK_INT(tr_send(tx, 100, i, &m), XE2E_OK);
		CHECK_INT(root_step(tx), i);
		CHECK_INT(root_step(rx), i - 1);
		CHECK_INT(tr_recv(rx, 100, i, &m, NULL), XE2E_OK);
		CHECK_INT(root_step(rx), i);
	}
	buf_free(&m);
	rpair_free(&p);
}

/*
 * Opens msg by hand as a receiver whose root key is rk and own private key
 * priv: dh = X25519(priv, key in the header); (rk', ck) from HKDF-SHA256
 * with salt rk, ikm dh | ke, info "xe2e ratchet spake2 v1"; the message key
 * of number 0. new_rk gets rk', plain_rk the root key the plain KDF_RK
 * would give.
 */
static int open_mixed_by_hand(enum aead_cipher cipher, const uint8_t rk[32], const uint8_t priv[32],
			      const uint8_t ke[RATCHET_MIX_LEN], const struct buf *msg,
			      uint8_t new_rk[32], uint8_t plain_rk[32])
{
	struct ratchet_header h;
	uint8_t ikm[32 + RATCHET_MIX_LEN], okm[64], mk[32];
	struct buf pt = BUF_INIT;
	size_t hdr_len = 0;
	int err;

	CHECK_INT(ratchet_header_decode(&h, msg->data, msg->len, &hdr_len), XE2E_OK);
	CHECK(h.has_key && h.n == 0);
	CHECK_INT(x25519_shared(ikm, priv, h.key), XE2E_OK);
	CHECK_INT(hkdf(HASH_SHA256, rk, 32, ikm, 32, plain_info, strlen(plain_info), okm, 64),
		  XE2E_OK);
	memcpy(plain_rk, okm, 32);
	memcpy(ikm + 32, ke, RATCHET_MIX_LEN);
	CHECK_INT(hkdf(HASH_SHA256, rk, 32, ikm, sizeof(ikm), mix_info, strlen(mix_info), okm, 64),
		  XE2E_OK);
	memcpy(new_rk, okm, 32);
	CHECK_INT(hmac(HASH_SHA256, okm + 32, 32, "\x01", 1, mk), XE2E_OK);
	err = tr_open_by_hand(cipher, mk, msg, hdr_len, &pt);
	buf_free(&pt);
	return err;
}

/* Mixes at step into both, then tx sends its first message of a new
 * epoch (that step): it opens by hand with the mixed KDF, at rx and not
 * at a copy of rx without the mix (unchanged); both root keys are the
 * mixed one; both mixes are gone. */
static void bytes_at_step(struct rpair *p, enum aead_cipher cipher, int tx_is_a, uint64_t step)
{
	struct ratchet_state *tx = tx_is_a ? p->a : p->b, *rx = tx_is_a ? p->b : p->a;
	struct ratchet_state *plain = tr_copy(rx);
	struct buf m = BUF_INIT, snap = BUF_INIT;
	uint8_t ke[RATCHET_MIX_LEN], rk[32], priv[32], new_rk[32], plain_rk[32], got[32];

	CHECK_INT(rng_bytes(ke, sizeof(ke)), XE2E_OK);
	CHECK_INT(ratchet_mix_set(tx, step, ke), XE2E_OK);
	CHECK_INT(ratchet_mix_set(rx, step, ke), XE2E_OK);
	state_value(rx, "root-key", rk);
	if (tx_is_a && root_step(rx) == 0)
		memcpy(priv, p->start.r0_private, 32); /* the responder's r0 */
	else
		state_value(rx, "own-private", priv);
	CHECK_INT(tr_send(tx, 100, 50, &m), XE2E_OK);
	CHECK_INT(root_step(tx), step);
	CHECK(!mix_pending(tx, NULL));
	CHECK_INT(open_mixed_by_hand(cipher, rk, priv, ke, &m, new_rk, plain_rk), XE2E_OK);
	CHECK(memcmp(new_rk, plain_rk, 32) != 0);
	tr_snapshot(plain, &snap);
	CHECK_INT(tr_recv(plain, 100, 50, &m, NULL), XE2E_E_AUTH);
	CHECK(tr_same(plain, &snap));
	CHECK_INT(tr_recv(rx, 100, 50, &m, NULL), XE2E_OK);
	CHECK(!mix_pending(rx, NULL));
	state_value(rx, "root-key", got);
	CHECK_MEM(got, new_rk, 32);
	state_value(tx, "root-key", got);
	CHECK_MEM(got, new_rk, 32);
	ratchet_free(plain);
	buf_free(&m);
	buf_free(&snap);
}

TEST(ratchet_mix_bytes_match_the_definition)
{
	static const enum aead_cipher ciphers[] = {AEAD_CHACHAPOLY, AEAD_AES256GCM};

	for (size_t c = 0; c < ARRAY_SIZE(ciphers); c++) {
		struct rpair p;
		struct buf m = BUF_INIT;

		rpair_init(&p, ciphers[c], 100);
		set_interval(p.a, 0, 100);
		set_interval(p.b, 0, 100);
		bytes_at_step(&p, ciphers[c], 1, 1); /* the initiator's first step */
		bytes_at_step(&p, ciphers[c], 0, 2); /* the responder's answer */
		bytes_at_step(&p, ciphers[c], 1, 3);
		/* and the steps after a mixed one are plain again */
		CHECK_INT(tr_send(p.b, 100, 51, &m), XE2E_OK);
		CHECK_INT(tr_recv(p.a, 100, 51, &m, NULL), XE2E_OK);
		CHECK_INT(root_step(p.a), 4);
		buf_free(&m);
		rpair_free(&p);
	}
}

/* ---- conversations across the mixed step ---- */

struct held {
	struct buf m;
	uint32_t id;
	int to_b;
};

struct conv {
	struct rpair p;
	struct trng *r;
	uint64_t now;
	uint32_t gap; /* seconds between messages, at most */
	uint32_t sent[2];
	struct held held[48];
	size_t nheld;
	uint64_t mix_step;
	int mixing; /* a mix was set */
	unsigned late, lost, reloads;
};

static struct ratchet_state **conv_side(struct conv *c, int b)
{
	return b ? &c->p.b : &c->p.a;
}

/* While a mix is pending a side has not taken its step; once gone it has. */
static void conv_check(struct conv *c)
{
	for (int b = 0; b < 2 && c->mixing; b++) {
		struct ratchet_state *st = *conv_side(c, b);

		CHECK_INT(mix_pending(st, NULL), root_step(st) < c->mix_step);
	}
}

/* One turn of side b: 1..3 messages; lossy: some held back, a few lost. */
static void conv_turn(struct conv *c, int b, int lossy)
{
	struct buf m = BUF_INIT;
	uint32_t k = 1 + trng_below(c->r, 3);

	for (uint32_t j = 0; j < k; j++) {
		uint32_t id = c->sent[b]++, dice = lossy ? trng_below(c->r, 100) : 99;

		c->now += trng_below(c->r, c->gap + 1);
		CHECK_INT(tr_send(*conv_side(c, b), c->now, id, &m), XE2E_OK);
		if (dice < 5) {
			c->lost++;
		} else if (dice < 20 && c->nheld < ARRAY_SIZE(c->held)) {
			struct held *h = &c->held[c->nheld++];

			h->m.len = 0;
			buf_append(&h->m, m.data, m.len);
			h->id = id;
			h->to_b = !b;
		} else {
			CHECK_INT(tr_recv(*conv_side(c, !b), c->now, id, &m, NULL), XE2E_OK);
		}
		conv_check(c);
	}
	buf_free(&m);
}

/* The held messages arrive, in random order: every one opens. */
static void conv_deliver(struct conv *c)
{
	size_t idx[ARRAY_SIZE(c->held)];

	for (size_t i = 0; i < c->nheld; i++)
		idx[i] = i;
	trng_shuffle(c->r, idx, c->nheld);
	for (size_t i = 0; i < c->nheld; i++) {
		struct held *h = &c->held[idx[i]];

		CHECK_INT(tr_recv(*conv_side(c, h->to_b), c->now, h->id, &h->m, NULL), XE2E_OK);
		c->late++;
		conv_check(c);
	}
	c->nheld = 0;
}

static void conv_maybe_reload(struct conv *c)
{
	for (int b = 0; b < 2; b++) {
		if (trng_below(c->r, 100) < 15) {
			CHECK(tr_reload(conv_side(c, b)));
			c->reloads++;
		}
	}
}

/*
 * A conversation with the policy (interval, messages): some turns, then
 * the same mix set on both sides for a step neither has taken, then lossy
 * turns with late deliveries and reloads, then turns until both sides are
 * past the step. Every message that arrives opens; at the end both root
 * keys are equal.
 */
static void conv_run(struct trng *r, uint32_t interval, uint32_t messages, uint32_t gap)
{
	struct conv c;
	uint8_t ke[RATCHET_MIX_LEN], rka[32], rkb[32];
	uint64_t top;
	int turn;

	memset(&c, 0, sizeof(c));
	c.r = r;
	c.now = 1000;
	c.gap = gap;
	rpair_init(&c.p, trng_below(r, 2) ? AEAD_CHACHAPOLY : AEAD_AES256GCM, c.now);
	set_interval(c.p.a, interval, messages);
	set_interval(c.p.b, interval, messages);
	for (turn = 0; turn < 4 + (int)trng_below(r, 20); turn++) {
		conv_turn(&c, turn % 2, 1);
		if (trng_below(r, 100) < 25)
			conv_deliver(&c);
	}
	top = root_step(c.p.a) > root_step(c.p.b) ? root_step(c.p.a) : root_step(c.p.b);
	c.mix_step = top + 1 + trng_below(r, 4);
	CHECK_INT(rng_bytes(ke, sizeof(ke)), XE2E_OK);
	CHECK_INT(ratchet_mix_set(c.p.a, c.mix_step, ke), XE2E_OK);
	CHECK_INT(ratchet_mix_set(c.p.b, c.mix_step, ke), XE2E_OK);
	c.mixing = 1;
	for (int i = 0; i < 40; i++, turn++) {
		conv_turn(&c, turn % 2, 1);
		if (trng_below(r, 100) < 20)
			conv_deliver(&c);
		conv_maybe_reload(&c);
	}
	conv_deliver(&c);
	for (int i = 0; i < 400 && (mix_pending(c.p.a, NULL) || mix_pending(c.p.b, NULL));
	     i++, turn++)
		conv_turn(&c, turn % 2, 0);
	/* Each side's newest step reaches the other (a step whose messages
	 * were all lost has not yet). */
	conv_turn(&c, turn++ % 2, 0);
	conv_turn(&c, turn % 2, 0);
	CHECK(!mix_pending(c.p.a, NULL) && !mix_pending(c.p.b, NULL));
	CHECK(root_step(c.p.a) > c.mix_step);
	CHECK_INT(root_step(c.p.a), root_step(c.p.b));
	state_value(c.p.a, "root-key", rka);
	state_value(c.p.b, "root-key", rkb);
	CHECK_MEM(rka, rkb, 32);
	unit_note("interval %u: mixed at step %llu of %llu; %u late, %u lost, %u reloads",
		  interval, (unsigned long long)c.mix_step,
		  (unsigned long long)root_step(c.p.a), c.late, c.lost, c.reloads);
	for (size_t i = 0; i < ARRAY_SIZE(c.held); i++)
		buf_free(&c.held[i].m);
	rpair_free(&c.p);
}

TEST(ratchet_mix_every_turn_steps_with_loss_and_reordering)
{
	struct trng r;

	trng_init(&r);
	for (int i = 0; i < 6; i++)
		conv_run(&r, 0, 100, 5);
}

TEST(ratchet_mix_deferred_steps_with_loss_and_reordering)
{
	struct trng r;

	trng_init(&r);
	for (int i = 0; i < 6; i++)
		conv_run(&r, 60, 1 + trng_below(&r, 8), 40);
}

/* ---- a mix on one side only ---- */

/*
 * The stepper S sends X (held back), the other side O answers (its step),
 * S sends Y with the step the mix names, which only holder has. O refuses
 * Y and every later message of S's new epoch, its state unchanged (with
 * its mix still pending when it holds it); X, of S's older epoch, opens;
 * S still opens O's messages.
 */
static void one_side(int stepper_is_a, int holder_is_stepper)
{
	struct rpair p;
	struct ratchet_state *s, *o;
	struct buf x = BUF_INIT, y = BUF_INIT, m = BUF_INIT, snap = BUF_INIT;
	uint8_t ke[RATCHET_MIX_LEN];
	uint64_t step;
	uint32_t id = 100;

	rpair_init(&p, AEAD_CHACHAPOLY, 100);
	set_interval(p.a, 0, 100);
	set_interval(p.b, 0, 100);
	s = stepper_is_a ? p.a : p.b;
	o = stepper_is_a ? p.b : p.a;
	for (int i = 0; i < 5; i++) { /* a few steps, S last */
		CHECK_INT(tr_send(i % 2 ? o : s, 100, id, &m), XE2E_OK);
		CHECK_INT(tr_recv(i % 2 ? s : o, 100, id++, &m, NULL), XE2E_OK);
	}
	CHECK_INT(tr_send(s, 100, 1, &x), XE2E_OK); /* no newer key of O: no step */
	CHECK_INT(tr_send(o, 100, 2, &m), XE2E_OK); /* O steps */
	CHECK_INT(tr_recv(s, 100, 2, &m, NULL), XE2E_OK);
	step = root_step(s) + 1;
	CHECK_INT(step % 2, stepper_is_a ? 1 : 0);
	CHECK_INT(rng_bytes(ke, sizeof(ke)), XE2E_OK);
	CHECK_INT(ratchet_mix_set(holder_is_stepper ? s : o, step, ke), XE2E_OK);
	CHECK_INT(tr_send(s, 100, 3, &y), XE2E_OK); /* S steps: the named step */
	CHECK_INT(root_step(s), step);
	tr_snapshot(o, &snap);
	CHECK_INT(tr_recv(o, 100, 3, &y, NULL), XE2E_E_AUTH);
	CHECK(tr_same(o, &snap));
	CHECK_INT(mix_pending(o, NULL), !holder_is_stepper);
	CHECK_INT(tr_send(s, 100, 4, &m), XE2E_OK);
	CHECK_INT(tr_recv(o, 100, 4, &m, NULL), XE2E_E_AUTH);
	CHECK(tr_same(o, &snap));
	CHECK_INT(tr_recv(o, 100, 1, &x, NULL), XE2E_OK); /* older epoch */
	CHECK_INT(tr_send(o, 100, 5, &m), XE2E_OK);
	CHECK_INT(tr_recv(s, 100, 5, &m, NULL), XE2E_OK);
	tr_snapshot(o, &snap);
	CHECK_INT(tr_recv(o, 100, 3, &y, NULL), XE2E_E_AUTH);
	CHECK(tr_same(o, &snap));
	buf_free(&x);
	buf_free(&y);
	buf_free(&m);
	buf_free(&snap);
	rpair_free(&p);
}

TEST(ratchet_mix_on_one_side_only_fails_closed)
{
	one_side(1, 1); /* the initiator mixes its own step, the responder does not */
	one_side(1, 0); /* the responder expects a mix the initiator did not make */
	one_side(0, 1);
	one_side(0, 0); /* the run's last stanza lost: the initiator alone mixes */
}

/* ---- refusals ---- */

TEST(ratchet_mix_set_refuses_a_step_taken)
{
	struct rpair p;
	struct buf m = BUF_INIT, snap = BUF_INIT, text = BUF_INIT;
	uint8_t k1[RATCHET_MIX_LEN], k2[RATCHET_MIX_LEN];
	char hex[2 * RATCHET_MIX_LEN + 1];
	uint64_t step = 0;

	rpair_init(&p, AEAD_AES256GCM, 100);
	memset(k1, 0x11, sizeof(k1));
	memset(k2, 0x22, sizeof(k2));
	CHECK_INT(tr_send(p.a, 100, 0, &m), XE2E_OK); /* step 1 at a, not yet at b */
	tr_snapshot(p.a, &snap);
	CHECK_INT(ratchet_mix_set(p.a, 1, k1), XE2E_E_STATE);
	CHECK(strstr(err_detail(), "root step 1 already") != NULL);
	CHECK(tr_same(p.a, &snap));
	CHECK_INT(ratchet_mix_set(p.a, 0, k1), XE2E_E_LIMIT);
	CHECK_INT(ratchet_mix_set(p.a, RATCHET_STEP_MAX + 1, k1), XE2E_E_LIMIT);
	CHECK(tr_same(p.a, &snap));
	/* b has not taken step 1: it stores a mix a did not make, and then
	 * refuses a's message of that step, unchanged */
	CHECK_INT(ratchet_mix_set(p.b, 1, k1), XE2E_OK);
	tr_snapshot(p.b, &snap);
	CHECK_INT(tr_recv(p.b, 100, 0, &m, NULL), XE2E_E_AUTH);
	CHECK(tr_same(p.b, &snap));
	/* a later run's mix replaces a pending one */
	CHECK_INT(ratchet_mix_set(p.a, 5, k1), XE2E_OK);
	CHECK_INT(ratchet_mix_set(p.a, 7, k2), XE2E_OK);
	CHECK(mix_pending(p.a, &step));
	CHECK_INT(step, 7);
	tr_snapshot(p.a, &text);
	buf_terminate(&text);
	hex_encode(k2, sizeof(k2), hex);
	CHECK(strstr((const char *)text.data, hex) != NULL);
	hex_encode(k1, sizeof(k1), hex);
	CHECK(strstr((const char *)text.data, hex) == NULL);
	CHECK_INT(ratchet_mix_set(p.a, RATCHET_STEP_MAX, k2), XE2E_OK);
	buf_free(&m);
	buf_free(&snap);
	buf_free(&text);
	rpair_free(&p);
}

/* ---- the pending mix as text ---- */

static int parses_text(const char *text)
{
	struct ratchet_state *st = NULL;
	int err = ratchet_parse(text, strlen(text), &st, NULL);

	ratchet_free(st);
	return err;
}

/* text with its first occurrence of from replaced by to; caller frees. */
static char *replaced(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	size_t n = strlen(text) + strlen(to) + 1;
	char *out = malloc(n);

	CHECK(at != NULL);
	if (!at) {
		snprintf(out, n, "%s", text);
		return out;
	}
	snprintf(out, n, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	return out;
}

TEST(ratchet_mix_state_text_round_trips_and_is_strict)
{
	struct rpair p;
	struct buf m = BUF_INIT, text = BUF_INIT, dump = BUF_INIT;
	struct ratchet_state *st = NULL;
	uint8_t ke[RATCHET_MIX_LEN];
	char khex[2 * RATCHET_MIX_LEN + 1], lines[128], edit[200], *t, *plain;
	uint64_t step = 0, root;
	unsigned refused = 0;

	rpair_init(&p, AEAD_CHACHAPOLY, 100);
	for (uint32_t i = 0; i < 4; i++) {
		CHECK_INT(tr_send(i % 2 ? p.b : p.a, 100 + 61 * i, i, &m), XE2E_OK);
		CHECK_INT(tr_recv(i % 2 ? p.a : p.b, 100 + 61 * i, i, &m, NULL), XE2E_OK);
	}
	root = root_step(p.b);
	CHECK(root >= 2);
	tr_snapshot(p.b, &text);
	buf_terminate(&text);
	CHECK(strstr((const char *)text.data, "spake2-mix") == NULL);
	CHECK_INT(rng_bytes(ke, sizeof(ke)), XE2E_OK);
	hex_encode(ke, sizeof(ke), khex);
	CHECK_INT(ratchet_mix_set(p.b, root + 3, ke), XE2E_OK);
	tr_snapshot(p.b, &text);
	buf_terminate(&text);
	snprintf(lines, sizeof(lines), "spake2-mix-step: %llu\nspake2-mix-key: %s\n",
		 (unsigned long long)(root + 3), khex);
	snprintf(edit, sizeof(edit), "\n%sskipped: ", lines);
	CHECK(strstr((const char *)text.data, edit) != NULL); /* after max-messages */
	CHECK(strstr(strstr((const char *)text.data, "max-messages: "), lines) != NULL);
	CHECK(tr_reload(&p.b));
	CHECK(mix_pending(p.b, &step));
	CHECK_INT(step, root + 3);
	/* the dump shows the steps, never the key */
	CHECK_INT(ratchet_dump(p.b, &dump), XE2E_OK);
	buf_terminate(&dump);
	snprintf(edit, sizeof(edit), "root-step: %llu\nspake2-mix-step: %llu\n",
		 (unsigned long long)root, (unsigned long long)(root + 3));
	CHECK(strstr((const char *)dump.data, edit) != NULL);
	CHECK(strstr((const char *)dump.data, khex) == NULL);
	/* the state without the lines (as older versions wrote it) loads, with
	 * no mix */
	plain = replaced((const char *)text.data, lines, "");
	CHECK_INT(ratchet_parse(plain, strlen(plain), &st, NULL), XE2E_OK);
	CHECK(st && !mix_pending(st, NULL));
	ratchet_free(st);
	dump.len = 0;
	CHECK_INT(ratchet_dump(p.a, &dump), XE2E_OK);
	buf_terminate(&dump);
	CHECK(strstr((const char *)dump.data, "\nspake2-mix-step: -\n") != NULL);
	/* malformed or impossible mix lines */
	{
		char k31[40], k33[40], kup[40], k64[80];
		char bad[16][300];
		size_t n = 0;

		snprintf(k31, sizeof(k31), "%.31s", khex);
		snprintf(k33, sizeof(k33), "%s0", khex);
		snprintf(kup, sizeof(kup), "%s", khex);
		for (char *c = kup; *c; c++)
			if (*c >= 'a' && *c <= 'f')
				*c = (char)(*c - 'a' + 'A');
		snprintf(k64, sizeof(k64), "%s%s", khex, khex);
		snprintf(bad[n++], 300, "spake2-mix-step: 0\nspake2-mix-key: %s\n", khex);
		snprintf(bad[n++], 300, "spake2-mix-step: 0%llu\nspake2-mix-key: %s\n",
			 (unsigned long long)(root + 3), khex);
		snprintf(bad[n++], 300, "spake2-mix-step: %llu\nspake2-mix-key: %s\n",
			 (unsigned long long)root, khex); /* a step taken */
		snprintf(bad[n++], 300, "spake2-mix-step: 8589934591\nspake2-mix-key: %s\n", khex);
		snprintf(bad[n++], 300, "spake2-mix-step: -\nspake2-mix-key: %s\n", khex);
		snprintf(bad[n++], 300, "spake2-mix-step: %llu\n", (unsigned long long)(root + 3));
		snprintf(bad[n++], 300, "spake2-mix-key: %s\n", khex);
		snprintf(bad[n++], 300, "spake2-mix-step: %llu\nspake2-mix-key: %s\n",
			 (unsigned long long)(root + 3), k31);
		snprintf(bad[n++], 300, "spake2-mix-step: %llu\nspake2-mix-key: %s\n",
			 (unsigned long long)(root + 3), k33);
		snprintf(bad[n++], 300, "spake2-mix-step: %llu\nspake2-mix-key: %s\n",
			 (unsigned long long)(root + 3), k64);
		snprintf(bad[n++], 300, "spake2-mix-step: %llu\nspake2-mix-key: -\n",
			 (unsigned long long)(root + 3));
		snprintf(bad[n++], 300, "spake2-mix-key: %s\nspake2-mix-step: %llu\n", khex,
			 (unsigned long long)(root + 3));
		snprintf(bad[n++], 300, "%s%s", lines, lines);
		snprintf(bad[n++], 300, "spake2-mix-step: %llu \nspake2-mix-key: %s\n",
			 (unsigned long long)(root + 3), khex);
		if (strcmp(kup, khex) != 0)
			snprintf(bad[n++], 300, "spake2-mix-step: %llu\nspake2-mix-key: %s\n",
				 (unsigned long long)(root + 3), kup);
		for (size_t i = 0; i < n; i++, refused++) {
			t = replaced((const char *)text.data, lines, bad[i]);
			if (parses_text(t) != XE2E_E_MALFORMED)
				unit_fail(__FILE__, __LINE__, "accepted: %s", bad[i]);
			free(t);
		}
		/* the lines anywhere else */
		snprintf(edit, sizeof(edit), "%send\n", lines);
		t = replaced(plain, "end\n", edit);
		CHECK(parses_text(t) != XE2E_OK);
		free(t);
		snprintf(edit, sizeof(edit), "%sstep-interval: ", lines);
		t = replaced(plain, "step-interval: ", edit);
		CHECK(parses_text(t) != XE2E_OK);
		free(t);
		refused += 2;
	}
	unit_note("%u altered mix lines refused", refused);
	free(plain);
	wipe(text.data, text.len);
	buf_free(&m);
	buf_free(&text);
	buf_free(&dump);
	rpair_free(&p);
}
