/* The prekey store's file: strict text form, locked atomic updates
 * (see prekey.h). */
#include "prekey.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "encoding.h"
#include "err.h"
#include "prekey_int.h"
#include "util.h"

#define LINE_MAX_LEN 512
#define FIELDS_MAX 8

/* One line split at single spaces. */
struct line {
	const char *f[FIELDS_MAX];
	size_t len[FIELDS_MAX];
	size_t n;
};

void prekey_store_free(struct prekey_store *st)
{
	if (st->spk)
		wipe(st->spk, st->n_spk * sizeof(*st->spk));
	if (st->opk)
		wipe(st->opk, st->n_opk * sizeof(*st->opk));
	free(st->spk);
	free(st->opk);
	free(st->used);
	free(st->seen);
	memset(st, 0, sizeof(*st));
}

int prekey_default_path(char path[static STORE_PATH_MAX])
{
	return store_path(STORE_STATE, PREKEY_FILE, path);
}

/* Splits at single spaces; empty fields or too many are malformed. */
static int line_split(const char *s, size_t n, struct line *l)
{
	size_t start = 0;

	l->n = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != ' ')
			continue;
		if (i == start || l->n == FIELDS_MAX)
			return XE2E_E_MALFORMED;
		l->f[l->n] = s + start;
		l->len[l->n++] = i - start;
		start = i + 1;
	}
	return XE2E_OK;
}

static int field_is(const struct line *l, size_t i, const char *word)
{
	return l->len[i] == strlen(word) && memcmp(l->f[i], word, l->len[i]) == 0;
}

static int parse_time(const char *s, size_t n, uint64_t *out)
{
	return decimal_parse(s, n, UINT64_MAX, out);
}

/* Lower-case hex of exactly n bytes. */
static int parse_hex(const char *s, size_t len, uint8_t *out, size_t n)
{
	if (len != 2 * n)
		return XE2E_E_MALFORMED;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return XE2E_E_MALFORMED;
	return hex_decode(s, len, out, n);
}

static int parse_id(const char *s, size_t len, uint32_t *id)
{
	uint8_t b[4];

	if (parse_hex(s, len, b, sizeof(b)))
		return XE2E_E_MALFORMED;
	*id = load_be32(b);
	return *id ? XE2E_OK : XE2E_E_MALFORMED;
}

void *prekey_grow(void **arr, size_t n, size_t sz)
{
	size_t cap = n ? 2 * n : 8;
	uint8_t *p;

	if (n && (n & (n - 1)) != 0)
		return (uint8_t *)*arr + n * sz; /* room up to the next power of two */
	if (n > SIZE_MAX / 2 / sz)
		return NULL;
	p = malloc(cap * sz);
	if (!p)
		return NULL;
	if (n) {
		memcpy(p, *arr, n * sz);
		wipe(*arr, n * sz);
	}
	free(*arr);
	*arr = p;
	return p + n * sz;
}

static int parse_spk(struct prekey_store *st, const struct line *l)
{
	struct prekey_spk s, *slot;
	int err = l->n == 7 ? XE2E_OK : XE2E_E_MALFORMED;

	memset(&s, 0, sizeof(s));
	if (!err)
		err = parse_id(l->f[1], l->len[1], &s.id);
	if (!err)
		err = parse_time(l->f[2], l->len[2], &s.created);
	if (!err)
		err = parse_time(l->f[3], l->len[3], &s.expires);
	if (!err && !field_is(l, 4, "-"))
		err = parse_time(l->f[4], l->len[4], &s.retired);
	if (!err)
		err = parse_hex(l->f[5], l->len[5], s.priv, X25519_LEN);
	if (!err)
		err = parse_hex(l->f[6], l->len[6], s.sig, P256_SIG_LEN);
	if (!err && (s.created >= s.expires || (field_is(l, 4, "-") == 0 && s.retired == 0) ||
		     prekey_spk_find(st, s.id) || st->n_spk >= PREKEY_SPK_MAX))
		err = XE2E_E_MALFORMED;
	if (!err && !(slot = prekey_grow((void **)&st->spk, st->n_spk, sizeof(s))))
		err = XE2E_E_NOMEM;
	if (!err) {
		*slot = s;
		st->n_spk++;
	}
	wipe(&s, sizeof(s));
	return err;
}

static int opk_id_taken(const struct prekey_store *st, uint32_t id)
{
	return prekey_opk_find(st, id) || prekey_opk_was_used(st, id);
}

static int parse_opk(struct prekey_store *st, const struct line *l)
{
	struct prekey_opk o, *slot;
	int err = l->n == 5 ? XE2E_OK : XE2E_E_MALFORMED;

	memset(&o, 0, sizeof(o));
	if (!err)
		err = parse_id(l->f[1], l->len[1], &o.id);
	if (!err)
		err = parse_time(l->f[2], l->len[2], &o.created);
	if (!err)
		err = parse_time(l->f[3], l->len[3], &o.expires);
	if (!err)
		err = parse_hex(l->f[4], l->len[4], o.priv, X25519_LEN);
	if (!err && (o.created >= o.expires || opk_id_taken(st, o.id) ||
		     st->n_opk >= PREKEY_OPK_MAX))
		err = XE2E_E_MALFORMED;
	if (!err && !(slot = prekey_grow((void **)&st->opk, st->n_opk, sizeof(o))))
		err = XE2E_E_NOMEM;
	if (!err) {
		*slot = o;
		st->n_opk++;
	}
	wipe(&o, sizeof(o));
	return err;
}

static int parse_used(struct prekey_store *st, const struct line *l)
{
	struct prekey_used u, *slot;
	int err = l->n == 3 ? XE2E_OK : XE2E_E_MALFORMED;

	if (!err)
		err = parse_id(l->f[1], l->len[1], &u.id);
	if (!err)
		err = parse_time(l->f[2], l->len[2], &u.until);
	if (!err && (opk_id_taken(st, u.id) || st->n_used >= PREKEY_USED_MAX))
		err = XE2E_E_MALFORMED;
	if (!err && !(slot = prekey_grow((void **)&st->used, st->n_used, sizeof(u))))
		err = XE2E_E_NOMEM;
	if (!err) {
		*slot = u;
		st->n_used++;
	}
	return err;
}

static int parse_seen(struct prekey_store *st, const struct line *l)
{
	static const uint8_t none[PREKEY_SENDER_LEN];
	struct prekey_seen s, *slot;
	int err = l->n == 3 || l->n == 4 ? XE2E_OK : XE2E_E_MALFORMED;

	memset(&s, 0, sizeof(s));
	if (!err)
		err = parse_id(l->f[1], l->len[1], &s.spk_id);
	if (!err)
		err = parse_hex(l->f[2], l->len[2], s.ek, X25519_LEN);
	/* A file of an older version names no sender. */
	if (!err && l->n == 4)
		err = parse_hex(l->f[3], l->len[3], s.sender, PREKEY_SENDER_LEN);
	if (!err && l->n == 4 && !memcmp(s.sender, none, PREKEY_SENDER_LEN))
		err = XE2E_E_MALFORMED;
	if (!err && (!prekey_spk_find(st, s.spk_id) || prekey_seen_has(st, s.spk_id, s.ek) ||
		     st->n_seen >= PREKEY_SEEN_MAX))
		err = XE2E_E_MALFORMED;
	if (!err && !(slot = prekey_grow((void **)&st->seen, st->n_seen, sizeof(s))))
		err = XE2E_E_NOMEM;
	if (!err) {
		*slot = s;
		st->n_seen++;
	}
	return err;
}

/* The kinds in file order; a line may not go back to an earlier kind. */
static const struct {
	const char *word;
	int (*parse)(struct prekey_store *, const struct line *);
} kinds[] = {
	{"spk", parse_spk},
	{"opk", parse_opk},
	{"used", parse_used},
	{"seen", parse_seen},
};

static int parse_line(struct prekey_store *st, const char *s, size_t n, size_t *kind)
{
	struct line l;
	size_t k;

	if (n > LINE_MAX_LEN || line_split(s, n, &l))
		return XE2E_E_MALFORMED;
	for (k = 0; k < ARRAY_SIZE(kinds); k++)
		if (field_is(&l, 0, kinds[k].word))
			break;
	if (k == ARRAY_SIZE(kinds) || k < *kind)
		return XE2E_E_MALFORMED;
	*kind = k;
	return kinds[k].parse(st, &l);
}

int prekey_parse(const char *name, const char *text, size_t len, struct prekey_store *st)
{
	size_t off = strlen(PREKEY_HEADER) + 1, line = 1, kind = 0;
	int err = XE2E_OK;

	if (len < off || memcmp(text, PREKEY_HEADER "\n", off) != 0) {
		err_detail_set("%s line 1: not an xe2e prekeys v1 file", name);
		return XE2E_E_MALFORMED;
	}
	while (!err && off < len) {
		const char *nl = memchr(text + off, '\n', len - off);

		line++;
		err = nl ? parse_line(st, text + off, (size_t)(nl - text) - off, &kind)
			 : XE2E_E_MALFORMED;
		if (err == XE2E_E_MALFORMED)
			err_detail_set("%s line %zu: %s", name, line,
				       nl ? "malformed entry" : "no end of line");
		if (!err)
			off = (size_t)(nl - text) + 1;
	}
	if (err)
		prekey_store_free(st);
	return err;
}

static int format_spk(const struct prekey_spk *s, struct buf *out)
{
	char priv[2 * X25519_LEN + 1], sig[2 * P256_SIG_LEN + 1], retired[24];
	int err;

	hex_encode(s->priv, X25519_LEN, priv);
	hex_encode(s->sig, P256_SIG_LEN, sig);
	if (s->retired)
		snprintf(retired, sizeof(retired), "%" PRIu64, s->retired);
	else
		strcpy(retired, "-");
	err = buf_printf(out, "spk %08" PRIx32 " %" PRIu64 " %" PRIu64 " %s %s %s\n", s->id,
			 s->created, s->expires, retired, priv, sig);
	wipe(priv, sizeof(priv));
	return err;
}

static int format_opk(const struct prekey_opk *o, struct buf *out)
{
	char priv[2 * X25519_LEN + 1];
	int err;

	hex_encode(o->priv, X25519_LEN, priv);
	err = buf_printf(out, "opk %08" PRIx32 " %" PRIu64 " %" PRIu64 " %s\n", o->id, o->created,
			 o->expires, priv);
	wipe(priv, sizeof(priv));
	return err;
}

int prekey_format(const struct prekey_store *st, struct buf *out)
{
	static const uint8_t none[PREKEY_SENDER_LEN];
	char ek[2 * X25519_LEN + 1], sender[2 * PREKEY_SENDER_LEN + 1];
	int err = buf_append_str(out, PREKEY_HEADER "\n");

	for (size_t i = 0; !err && i < st->n_spk; i++)
		err = format_spk(&st->spk[i], out);
	for (size_t i = 0; !err && i < st->n_opk; i++)
		err = format_opk(&st->opk[i], out);
	for (size_t i = 0; !err && i < st->n_used; i++)
		err = buf_printf(out, "used %08" PRIx32 " %" PRIu64 "\n", st->used[i].id,
				 st->used[i].until);
	for (size_t i = 0; !err && i < st->n_seen; i++) {
		int named = memcmp(st->seen[i].sender, none, PREKEY_SENDER_LEN) != 0;

		hex_encode(st->seen[i].ek, X25519_LEN, ek);
		hex_encode(st->seen[i].sender, PREKEY_SENDER_LEN, sender);
		err = buf_printf(out, "seen %08" PRIx32 " %s%s%s\n", st->seen[i].spk_id, ek,
				 named ? " " : "", named ? sender : "");
	}
	return err;
}

static int load_path(const char *path, struct prekey_store *st)
{
	struct buf text = BUF_INIT;
	int err = store_read_file(path, PREKEY_FILE_MAX, 1, &text);

	if (err == XE2E_E_NOTFOUND)
		err = XE2E_OK;
	else if (!err)
		err = prekey_parse(path, (const char *)text.data, text.len, st);
	buf_free(&text);
	return err;
}

int prekey_load(const char *path, struct prekey_store *st)
{
	char def[STORE_PATH_MAX];
	int err = XE2E_OK;

	if (!path) {
		err = prekey_default_path(def);
		path = def;
	}
	return err ? err : load_path(path, st);
}

/* Writes text to path unless the file holds it already (old). */
static int write_if_changed(const char *path, const struct buf *old, const struct buf *text)
{
	if (text->len == old->len && memcmp(text->data, old->data, text->len) == 0)
		return XE2E_OK;
	return store_write_atomic(path, text->data, text->len, 0600);
}

static int update_locked(const char *path, uint64_t now, prekey_update_fn fn, void *ctx)
{
	struct prekey_store st = PREKEY_STORE_INIT;
	struct buf old = BUF_INIT, pruned = BUF_INIT, new = BUF_INIT;
	int err = store_read_file(path, PREKEY_FILE_MAX, 1, &old), fn_err;

	if (err == XE2E_E_NOTFOUND)
		err = XE2E_OK;
	else if (!err)
		err = prekey_parse(path, (const char *)old.data, old.len, &st);
	if (!err && prekey_prune(&st, now))
		err = prekey_format(&st, &pruned);
	if (err)
		goto out;
	fn_err = fn(&st, ctx);
	if (fn_err) {
		/* Expired keys go even when the change is cancelled; if that
		 * write fails, the next update tries again. */
		if (pruned.len)
			(void)write_if_changed(path, &old, &pruned);
		err = fn_err;
		goto out;
	}
	err = prekey_format(&st, &new);
	if (!err)
		err = write_if_changed(path, &old, &new);
out:
	prekey_store_free(&st);
	buf_free(&old);
	buf_free(&pruned);
	buf_free(&new);
	return err;
}

int prekey_update(const char *path, uint64_t now, prekey_update_fn fn, void *ctx)
{
	char def[STORE_PATH_MAX], lockfile[STORE_PATH_MAX];
	struct store_lock lock;
	int err;

	if (!path) {
		err = store_ensure_dir(STORE_STATE);
		if (!err)
			err = prekey_default_path(def);
		if (err)
			return err;
		path = def;
	}
	if (snprintf(lockfile, sizeof(lockfile), "%s.lock", path) >= (int)sizeof(lockfile))
		return XE2E_E_LIMIT;
	err = store_lock(lockfile, &lock);
	if (err)
		return err;
	err = update_locked(path, now, fn, ctx);
	store_unlock(&lock);
	return err;
}
