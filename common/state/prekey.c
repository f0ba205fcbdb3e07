/* The prekey store in memory: lookups, creation, consumption, pruning and
 * the replay cache (see prekey.h). */
#include "prekey.h"

#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "err.h"
#include "hash.h"
#include "prekey_int.h"
#include "rng.h"
#include "util.h"

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

uint64_t prekey_spk_deadline(const struct prekey_spk *spk)
{
	uint64_t end = spk->retired && spk->retired < spk->expires ? spk->retired : spk->expires;

	return add_sat(end, PREKEY_GRACE);
}

uint64_t prekey_opk_deadline(const struct prekey_opk *opk)
{
	return add_sat(opk->expires, PREKEY_GRACE);
}

/* Removes element i of an array of *n elements of size sz, keeping the
 * order, and wipes the slot that fell free. */
static void remove_at(void *arr, size_t *n, size_t sz, size_t i)
{
	uint8_t *p = arr;

	memmove(p + i * sz, p + (i + 1) * sz, (*n - i - 1) * sz);
	(*n)--;
	wipe(p + *n * sz, sz);
}

static void drop_seen_of(struct prekey_store *st, uint32_t spk_id, size_t *dropped)
{
	for (size_t i = st->n_seen; i-- > 0;)
		if (st->seen[i].spk_id == spk_id) {
			remove_at(st->seen, &st->n_seen, sizeof(*st->seen), i);
			(*dropped)++;
		}
}

size_t prekey_prune(struct prekey_store *st, uint64_t now)
{
	size_t dropped = 0;

	for (size_t i = st->n_spk; i-- > 0;)
		if (now >= prekey_spk_deadline(&st->spk[i])) {
			drop_seen_of(st, st->spk[i].id, &dropped);
			remove_at(st->spk, &st->n_spk, sizeof(*st->spk), i);
			dropped++;
		}
	for (size_t i = st->n_opk; i-- > 0;)
		if (now >= prekey_opk_deadline(&st->opk[i])) {
			remove_at(st->opk, &st->n_opk, sizeof(*st->opk), i);
			dropped++;
		}
	for (size_t i = st->n_used; i-- > 0;)
		if (now >= st->used[i].until) {
			remove_at(st->used, &st->n_used, sizeof(*st->used), i);
			dropped++;
		}
	return dropped;
}

struct prekey_spk *prekey_spk_current(const struct prekey_store *st, uint64_t now)
{
	struct prekey_spk *best = NULL;

	for (size_t i = 0; i < st->n_spk; i++) {
		struct prekey_spk *s = &st->spk[i];

		if (!s->retired && now < s->expires && (!best || s->created >= best->created))
			best = s;
	}
	return best;
}

struct prekey_spk *prekey_spk_find(const struct prekey_store *st, uint32_t id)
{
	for (size_t i = 0; i < st->n_spk; i++)
		if (st->spk[i].id == id)
			return &st->spk[i];
	return NULL;
}

struct prekey_opk *prekey_opk_find(const struct prekey_store *st, uint32_t id)
{
	for (size_t i = 0; i < st->n_opk; i++)
		if (st->opk[i].id == id)
			return &st->opk[i];
	return NULL;
}

int prekey_opk_was_used(const struct prekey_store *st, uint32_t id)
{
	for (size_t i = 0; i < st->n_used; i++)
		if (st->used[i].id == id)
			return 1;
	return 0;
}

/* A random non-zero id for which taken() says no. */
static int fresh_id(const struct prekey_store *st,
		    int (*taken)(const struct prekey_store *, uint32_t), uint32_t *id)
{
	uint8_t b[4];
	int err;

	do {
		err = rng_bytes(b, sizeof(b));
		*id = load_be32(b);
	} while (!err && (*id == 0 || taken(st, *id)));
	return err;
}

static int spk_taken(const struct prekey_store *st, uint32_t id)
{
	return prekey_spk_find(st, id) != NULL;
}

static int opk_taken(const struct prekey_store *st, uint32_t id)
{
	return prekey_opk_find(st, id) || prekey_opk_was_used(st, id);
}

int prekey_spk_add(struct prekey_store *st, uint64_t now, struct prekey_spk **out)
{
	struct prekey_spk s, *slot = NULL;
	uint8_t pub[X25519_LEN];
	int err = st->n_spk >= PREKEY_SPK_MAX ? XE2E_E_LIMIT : XE2E_OK;

	memset(&s, 0, sizeof(s));
	if (err)
		err_detail_set("%d signed prekeys are held already", PREKEY_SPK_MAX);
	if (!err)
		err = fresh_id(st, spk_taken, &s.id);
	if (!err)
		err = x25519_keypair(s.priv, pub);
	if (!err && !(slot = prekey_grow((void **)&st->spk, st->n_spk, sizeof(s))))
		err = XE2E_E_NOMEM;
	if (err)
		goto out;
	for (size_t i = 0; i < st->n_spk; i++)
		if (!st->spk[i].retired)
			st->spk[i].retired = now ? now : 1;
	s.created = now;
	s.expires = add_sat(now, PREKEY_SPK_LIFETIME);
	*slot = s;
	st->n_spk++;
	*out = slot;
out:
	wipe(&s, sizeof(s));
	return err;
}

static void drop_oldest_opk(struct prekey_store *st)
{
	size_t oldest = 0;

	for (size_t i = 1; i < st->n_opk; i++)
		if (st->opk[i].created < st->opk[oldest].created)
			oldest = i;
	remove_at(st->opk, &st->n_opk, sizeof(*st->opk), oldest);
}

static int opk_add_one(struct prekey_store *st, uint64_t now)
{
	struct prekey_opk o, *slot = NULL;
	uint8_t pub[X25519_LEN];
	int err = fresh_id(st, opk_taken, &o.id);

	memset(o.priv, 0, sizeof(o.priv));
	if (!err)
		err = x25519_keypair(o.priv, pub);
	if (!err && !(slot = prekey_grow((void **)&st->opk, st->n_opk, sizeof(o))))
		err = XE2E_E_NOMEM;
	if (!err) {
		o.created = now;
		o.expires = add_sat(now, PREKEY_OPK_LIFETIME);
		*slot = o;
		st->n_opk++;
	}
	wipe(&o, sizeof(o));
	return err;
}

int prekey_opk_add(struct prekey_store *st, uint64_t now, size_t n, size_t *first)
{
	int err = XE2E_OK;

	if (n > PREKEY_OPK_MAX) {
		err_detail_set("at most %d one-time prekeys", PREKEY_OPK_MAX);
		return XE2E_E_LIMIT;
	}
	while (st->n_opk + n > PREKEY_OPK_MAX)
		drop_oldest_opk(st);
	if (first)
		*first = st->n_opk;
	for (size_t i = 0; !err && i < n; i++)
		err = opk_add_one(st, now);
	return err;
}

int prekey_opk_consume(struct prekey_store *st, uint32_t id)
{
	struct prekey_used u, *slot;
	struct prekey_opk *o = prekey_opk_find(st, id);

	if (!o)
		return XE2E_E_NOTFOUND;
	if (st->n_used >= PREKEY_USED_MAX)
		remove_at(st->used, &st->n_used, sizeof(*st->used), 0);
	slot = prekey_grow((void **)&st->used, st->n_used, sizeof(u));
	if (!slot)
		return XE2E_E_NOMEM;
	u.id = id;
	u.until = prekey_opk_deadline(o);
	remove_at(st->opk, &st->n_opk, sizeof(*st->opk), (size_t)(o - st->opk));
	*slot = u;
	st->n_used++;
	return XE2E_OK;
}

size_t prekey_opk_count(const struct prekey_store *st, uint64_t now)
{
	size_t n = 0;

	for (size_t i = 0; i < st->n_opk; i++)
		n += now < st->opk[i].expires;
	return n;
}

int prekey_seen_has(const struct prekey_store *st, uint32_t spk_id,
		    const uint8_t ek[static X25519_LEN])
{
	for (size_t i = 0; i < st->n_seen; i++)
		if (st->seen[i].spk_id == spk_id && !memcmp(st->seen[i].ek, ek, X25519_LEN))
			return 1;
	return 0;
}

#define SENDER_LABEL "xe2e prekey sender v1"

int prekey_sender_tag(const char *bare_jid, uint8_t tag[static PREKEY_SENDER_LEN])
{
	size_t n = strlen(bare_jid);
	uint8_t d[SHA256_LEN];
	char *in = malloc(sizeof(SENDER_LABEL) - 1 + n);
	int err;

	if (!in)
		return XE2E_E_NOMEM;
	memcpy(in, SENDER_LABEL, sizeof(SENDER_LABEL) - 1);
	memcpy(in + sizeof(SENDER_LABEL) - 1, bare_jid, n);
	err = hash(HASH_SHA256, in, sizeof(SENDER_LABEL) - 1 + n, d);
	if (!err)
		memcpy(tag, d, PREKEY_SENDER_LEN);
	free(in);
	return err;
}

int prekey_seen_quota(uint32_t *quota)
{
	const char *env = getenv(PREKEY_QUOTA_ENV);
	uint64_t v;

	*quota = PREKEY_SEEN_PER_SENDER;
	if (!env || !*env)
		return XE2E_OK;
	if (decimal_parse_str(env, PREKEY_SEEN_MAX, &v) || v == 0) {
		err_detail_set("%s must be a number from 1 to %d", PREKEY_QUOTA_ENV,
			       PREKEY_SEEN_MAX);
		return XE2E_E_MALFORMED;
	}
	*quota = (uint32_t)v;
	return XE2E_OK;
}

static size_t seen_count(const struct prekey_store *st,
			 const uint8_t sender[static PREKEY_SENDER_LEN])
{
	size_t n = 0;

	for (size_t i = 0; i < st->n_seen; i++)
		n += !memcmp(st->seen[i].sender, sender, PREKEY_SENDER_LEN);
	return n;
}

int prekey_seen_room(const struct prekey_store *st, const uint8_t sender[static PREKEY_SENDER_LEN],
		     uint32_t quota, const char *who)
{
	if (seen_count(st, sender) >= quota) {
		err_detail_set("%.200s already has %u initial messages without a one-time prekey "
			       "in the replay cache, the most one sender may have: refused until "
			       "the signed prekey they used is deleted", who, (unsigned)quota);
		return XE2E_E_LIMIT;
	}
	if (st->n_seen >= PREKEY_SEEN_MAX) {
		err_detail_set("the replay cache of initial messages without a one-time prekey "
			       "is full (%d): publish a bundle with one-time prekeys",
			       PREKEY_SEEN_MAX);
		return XE2E_E_LIMIT;
	}
	return XE2E_OK;
}

int prekey_seen_add(struct prekey_store *st, uint32_t spk_id, const uint8_t ek[static X25519_LEN],
		    const uint8_t sender[static PREKEY_SENDER_LEN], uint32_t quota, const char *who)
{
	struct prekey_seen *slot;
	int err;

	if (!prekey_spk_find(st, spk_id))
		return XE2E_E_NOTFOUND;
	if (prekey_seen_has(st, spk_id, ek)) {
		err_detail_set("this initial message was accepted before");
		return XE2E_E_REPLAY;
	}
	if ((err = prekey_seen_room(st, sender, quota, who)))
		return err;
	slot = prekey_grow((void **)&st->seen, st->n_seen, sizeof(*slot));
	if (!slot)
		return XE2E_E_NOMEM;
	slot->spk_id = spk_id;
	memcpy(slot->ek, ek, X25519_LEN);
	memcpy(slot->sender, sender, PREKEY_SENDER_LEN);
	st->n_seen++;
	return XE2E_OK;
}
