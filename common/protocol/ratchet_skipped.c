/* The skipped-key store: message keys kept for lost and reordered messages,
 * bounded in number (oldest dropped first) and in age. */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "ratchet_impl.h"
#include "util.h"

int ratchet_skipped_reserve(struct ratchet_state *st, size_t cap)
{
	struct ratchet_skipped *grown;

	if (cap <= st->cap)
		return XE2E_OK;
	if (cap > RATCHET_SKIPPED_CAP)
		return XE2E_E_LIMIT;
	/* Not realloc: it could leave a copy of the keys behind. */
	grown = calloc(cap, sizeof(*grown));
	if (!grown)
		return XE2E_E_NOMEM;
	if (st->nskipped)
		memcpy(grown, st->skipped, st->nskipped * sizeof(*grown));
	ratchet_skipped_free(st);
	st->skipped = grown;
	st->cap = cap;
	return XE2E_OK;
}

void ratchet_skipped_free(struct ratchet_state *st)
{
	if (st->skipped) {
		wipe(st->skipped, st->cap * sizeof(*st->skipped));
		free(st->skipped);
	}
	st->skipped = NULL;
	st->cap = 0;
}

int ratchet_skipped_find(const struct ratchet_state *st, uint32_t epoch, uint32_t n)
{
	for (size_t i = 0; i < st->nskipped; i++)
		if (st->skipped[i].epoch == epoch && st->skipped[i].n == n)
			return (int)i;
	return -1;
}

/* Deletes entry i, keeping the order. */
static void skipped_delete(struct ratchet_state *st, size_t i)
{
	memmove(&st->skipped[i], &st->skipped[i + 1],
		(st->nskipped - i - 1) * sizeof(*st->skipped));
	st->nskipped--;
	wipe(&st->skipped[st->nskipped], sizeof(*st->skipped));
}

int ratchet_skipped_take(struct ratchet_state *st, uint32_t epoch, uint32_t n,
			 uint8_t mk[static RATCHET_KEY_LEN])
{
	int i = ratchet_skipped_find(st, epoch, n);

	if (i < 0) {
		err_detail_set("message %u of epoch %u: key already used or dropped", n, epoch);
		return XE2E_E_REPLAY;
	}
	memcpy(mk, st->skipped[i].mk, RATCHET_KEY_LEN);
	skipped_delete(st, (size_t)i);
	return XE2E_OK;
}

/* Room for one more key: grows up to the policy's bound, then drops the
 * oldest. */
static int skipped_make_room(struct ratchet_state *st, uint32_t *dropped)
{
	size_t max = st->policy.skipped_max, cap;

	if (st->nskipped >= max) {
		skipped_delete(st, 0);
		(*dropped)++;
		return XE2E_OK;
	}
	if (st->nskipped < st->cap)
		return XE2E_OK;
	cap = st->cap ? 2 * st->cap : 16;
	return ratchet_skipped_reserve(st, cap < max ? cap : max);
}

int ratchet_skipped_add(struct ratchet_state *st, uint32_t epoch, uint32_t n,
			const uint8_t mk[static RATCHET_KEY_LEN], uint64_t now, uint32_t *dropped)
{
	struct ratchet_skipped *e;
	int err = skipped_make_room(st, dropped);

	if (err)
		return err;
	e = &st->skipped[st->nskipped++];
	e->epoch = epoch;
	e->n = n;
	e->stored = now;
	memcpy(e->mk, mk, RATCHET_KEY_LEN);
	return XE2E_OK;
}

int ratchet_skipped_fill(struct ratchet_state *st, uint32_t until, uint64_t now,
			 uint32_t *dropped)
{
	uint8_t mk[RATCHET_KEY_LEN];
	int err = XE2E_OK;

	while (st->nr < until) {
		err = ratchet_kdf_ck(st->ckr, mk);
		if (!err)
			err = ratchet_skipped_add(st, st->peer_epoch, st->nr, mk, now, dropped);
		if (err)
			break;
		st->nr++;
	}
	wipe(mk, sizeof(mk));
	return err;
}

/* Drops every entry for which keep() is false; returns how many. */
static size_t skipped_filter(struct ratchet_state *st,
			     int (*keep)(const struct ratchet_skipped *, const void *),
			     const void *arg)
{
	size_t j = 0, before = st->nskipped;

	for (size_t i = 0; i < before; i++) {
		if (!keep(&st->skipped[i], arg))
			continue;
		if (i != j)
			st->skipped[j] = st->skipped[i];
		j++;
	}
	if (j < before)
		wipe(&st->skipped[j], (before - j) * sizeof(*st->skipped));
	st->nskipped = j;
	return before - j;
}

struct skipped_mark {
	uint32_t epoch;
	uint32_t n;
};

static int skipped_not_below(const struct ratchet_skipped *e, const void *arg)
{
	const struct skipped_mark *m = arg;

	return e->epoch != m->epoch || e->n >= m->n;
}

size_t ratchet_skipped_drop_below(struct ratchet_state *st, uint32_t epoch, uint32_t n)
{
	struct skipped_mark m = {epoch, n};

	return skipped_filter(st, skipped_not_below, &m);
}

struct skipped_clock {
	uint64_t now;
	uint64_t ttl;
};

static int skipped_fresh(const struct ratchet_skipped *e, const void *arg)
{
	const struct skipped_clock *c = arg;

	return c->now <= e->stored || c->now - e->stored < c->ttl;
}

size_t ratchet_skipped_expire(struct ratchet_state *st, uint64_t now)
{
	struct skipped_clock c = {now, st->policy.skipped_ttl};

	return skipped_filter(st, skipped_fresh, &c);
}
