/* The IK replay cache (see replay_cache.h). */
#include "replay_cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "decimal.h"
#include "encoding.h"
#include "err.h"
#include "store.h"
#include "textrec.h"
#include "util.h"

#define HEADER "xe2e ik-replay v1\n"
#define LINE_MAX_LEN (2 * REPLAY_CACHE_KEY_LEN + 1 + 20 + 1)

struct entry {
	uint8_t key[REPLAY_CACHE_KEY_LEN];
	uint64_t time;
};

struct cache {
	struct entry *e;
	size_t n;
	size_t cap;
};

struct replay_cache_params replay_cache_defaults(void)
{
	struct replay_cache_params p = {REPLAY_CACHE_TTL, REPLAY_CACHE_MAX};

	return p;
}

static int cache_push(struct cache *c, const uint8_t key[static REPLAY_CACHE_KEY_LEN], uint64_t t)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		struct entry *grown = realloc(c->e, cap * sizeof(*grown));

		if (!grown)
			return XE2E_E_NOMEM;
		c->e = grown;
		c->cap = cap;
	}
	memcpy(c->e[c->n].key, key, REPLAY_CACHE_KEY_LEN);
	c->e[c->n++].time = t;
	return XE2E_OK;
}

static int parse_line(void *arg, const char *s, size_t n)
{
	struct cache *c = arg;
	uint8_t key[REPLAY_CACHE_KEY_LEN];
	uint64_t t;

	if (n < 2 * REPLAY_CACHE_KEY_LEN + 2 || s[2 * REPLAY_CACHE_KEY_LEN] != ' ' ||
	    hex_decode(s, 2 * REPLAY_CACHE_KEY_LEN, key, sizeof(key)) ||
	    decimal_parse(s + 2 * REPLAY_CACHE_KEY_LEN + 1, n - 2 * REPLAY_CACHE_KEY_LEN - 1,
			  UINT64_MAX, &t))
		return XE2E_E_MALFORMED;
	return cache_push(c, key, t);
}

/* Keeps the entries younger than ttl, and at most max - 1 of them. An
 * entry stamped later than now is kept: a clock set back must not empty
 * the cache and let old step 1s in again. */
static void cache_prune(struct cache *c, uint64_t now, const struct replay_cache_params *p)
{
	size_t keep = 0, drop;

	for (size_t i = 0; i < c->n; i++)
		if (c->e[i].time > now || now - c->e[i].time < p->ttl)
			c->e[keep++] = c->e[i];
	c->n = keep;
	drop = c->n >= p->max ? c->n - (p->max ? p->max - 1 : 0) : 0;
	if (!drop)
		return;
	memmove(c->e, c->e + drop, (c->n - drop) * sizeof(*c->e));
	c->n -= drop;
}

static int cache_has(const struct cache *c, const uint8_t key[static REPLAY_CACHE_KEY_LEN])
{
	for (size_t i = 0; i < c->n; i++)
		if (ct_equal(c->e[i].key, key, REPLAY_CACHE_KEY_LEN))
			return 1;
	return 0;
}

static int cache_format(const struct cache *c, struct buf *out)
{
	char hex[2 * REPLAY_CACHE_KEY_LEN + 1];
	int err = buf_append_str(out, HEADER);

	for (size_t i = 0; !err && i < c->n; i++) {
		hex_encode(c->e[i].key, REPLAY_CACHE_KEY_LEN, hex);
		err = buf_printf(out, "%s %llu\n", hex, (unsigned long long)c->e[i].time);
	}
	return err;
}

static int default_path(char path[static STORE_PATH_MAX])
{
	int err = store_ensure_dir(STORE_STATE);

	return err ? err : store_path(STORE_STATE, REPLAY_CACHE_FILE, path);
}

struct check_add {
	const uint8_t *key;
	uint64_t now;
	const struct replay_cache_params *p;
};

/* Under the file's lock: prunes, refuses a key seen before, adds it. */
static int change_check_add(const char *path, struct buf *text, void *ctx)
{
	const struct check_add *a = ctx;
	struct cache c = {NULL, 0, 0};
	int err = textrec_each_line(path, (const char *)text->data, text->len, HEADER,
				    "ik-replay", "entry", parse_line, &c);

	if (!err)
		cache_prune(&c, a->now, a->p);
	if (!err && cache_has(&c, a->key)) {
		err_detail_set("this IK first message was accepted before");
		err = XE2E_E_REPLAY;
	}
	if (!err)
		err = cache_push(&c, a->key, a->now);
	buf_clear(text);
	if (!err)
		err = cache_format(&c, text);
	free(c.e);
	return err;
}

int replay_cache_check_add(const char *path, const uint8_t key[static REPLAY_CACHE_KEY_LEN],
			   uint64_t now, const struct replay_cache_params *params)
{
	struct replay_cache_params p = params ? *params : replay_cache_defaults();
	char def[STORE_PATH_MAX];
	struct check_add a = {key, now, &p};
	int err;

	if (!path) {
		err = default_path(def);
		if (err)
			return err;
		path = def;
	}
	return store_rewrite_locked(path, (REPLAY_CACHE_MAX + 16) * LINE_MAX_LEN, HEADER,
				    change_check_add, &a);
}
