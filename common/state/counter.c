/* Counts per peer, a file per purpose (see counter.h). */
#include "counter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "err.h"
#include "jid.h"
#include "textrec.h"

#define LINE_MAX_LEN 4096
#define COUNT_MAX 999999 /* six digits */

struct count {
	char *jid;
	unsigned count;
};

struct counts {
	struct count *v;
	size_t n;
};

static void counts_free(struct counts *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i].jid);
	free(f->v);
	f->v = NULL;
	f->n = 0;
}

static struct count *counts_find(const struct counts *f, const char *jid)
{
	for (size_t i = 0; i < f->n; i++) {
		if (strcmp(f->v[i].jid, jid) == 0)
			return &f->v[i];
	}
	return NULL;
}

static int counts_push(struct counts *f, const char *jid, unsigned count)
{
	struct count *grown = realloc(f->v, (f->n + 1) * sizeof(*grown));

	if (!grown)
		return XE2E_E_NOMEM;
	f->v = grown;
	if (!(grown[f->n].jid = strdup(jid)))
		return XE2E_E_NOMEM;
	grown[f->n++].count = count;
	return XE2E_OK;
}

int counter_default_path(const struct counter_kind *k, char path[static STORE_PATH_MAX])
{
	return store_path(STORE_STATE, k->file_name, path);
}

/* ---- parsing (errors through textrec_fail: "NAME line N: what") ---- */

static int parse_count(const char *s, unsigned *out)
{
	uint64_t v;

	/* a count is at least 1: an entry at 0 is not written */
	if (decimal_parse_str(s, COUNT_MAX, &v) || v == 0)
		return XE2E_E_MALFORMED;
	*out = (unsigned)v;
	return XE2E_OK;
}

static int parse_entry(const char *name, size_t line, char *text, struct counts *f)
{
	char *space = strchr(text, ' ');
	unsigned count;

	if (!space || strchr(space + 1, ' '))
		return textrec_fail(&(struct textrec){name, line}, "want \"JID COUNT\"");
	*space = '\0';
	if (jid_check_normal_bare(text))
		return textrec_fail(&(struct textrec){name, line},
				    "not a normalised bare JID: \"%.64s\"", text);
	if (parse_count(space + 1, &count))
		return textrec_fail(&(struct textrec){name, line}, "bad count \"%.16s\"", space + 1);
	if (counts_find(f, text))
		return textrec_fail(&(struct textrec){name, line}, "duplicate JID %.64s", text);
	return counts_push(f, text, count);
}

/* The kind's header, or its older one: a file of another kind is refused. */
static int header_ok(const struct counter_kind *k, const char *text)
{
	return strcmp(text, k->header) == 0 || (k->old_header && strcmp(text, k->old_header) == 0);
}

static int parse_line(const struct counter_kind *k, const char *name, size_t line, const char *s,
		      size_t n, struct counts *f)
{
	char text[LINE_MAX_LEN + 1];

	if (n > LINE_MAX_LEN)
		return textrec_fail(&(struct textrec){name, line}, "line longer than %d bytes", LINE_MAX_LEN);
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)s[i] < ' ' || s[i] == 0x7f)
			return textrec_fail(&(struct textrec){name, line}, "control character at column %zu", i + 1);
	}
	memcpy(text, s, n);
	text[n] = '\0';
	if (line == 1)
		return header_ok(k, text) ? XE2E_OK
					  : textrec_fail(&(struct textrec){name, line}, "no \"%s\" header", k->header);
	if (n == 0 || text[0] == '#')
		return XE2E_OK;
	return parse_entry(name, line, text, f);
}

static int counts_parse(const struct counter_kind *k, const char *name, const char *text,
			size_t len, struct counts *f)
{
	const char *pos = text, *end = text + len;
	size_t line = 1;
	int err = XE2E_OK;

	if (len == 0)
		err = textrec_fail(&(struct textrec){name, 1}, "empty file (no \"%s\" header)", k->header);
	for (; !err && pos < end; line++) {
		const char *nl = memchr(pos, '\n', (size_t)(end - pos));

		if (!nl) {
			err = textrec_fail(&(struct textrec){name, line}, "no newline at the end (truncated file?)");
			break;
		}
		err = parse_line(k, name, line, pos, (size_t)(nl - pos), f);
		pos = nl + 1;
	}
	if (err)
		counts_free(f);
	return err;
}

/* ---- files ---- */

static int resolve(const struct counter_kind *k, const char *path, char out[static STORE_PATH_MAX])
{
	if (!path)
		return counter_default_path(k, out);
	if (strlen(path) >= STORE_PATH_MAX)
		return XE2E_E_LIMIT;
	strcpy(out, path);
	return XE2E_OK;
}

/* Reads and parses; a missing file is empty. raw keeps the text read. */
static int load(const struct counter_kind *k, const char *path, struct buf *raw, struct counts *f)
{
	int err = store_read_file(path, COUNTER_FILE_MAX, 0, raw);

	if (err == XE2E_E_NOTFOUND) {
		err_detail_clear();
		return XE2E_OK;
	}
	return err ? err : counts_parse(k, path, (const char *)raw->data, raw->len, f);
}

static int format(const struct counter_kind *k, const struct counts *f, struct buf *out)
{
	int err = buf_printf(out, "%s\n", k->header);

	for (size_t i = 0; !err && i < f->n; i++) {
		if (f->v[i].count)
			err = buf_printf(out, "%s %u\n", f->v[i].jid, f->v[i].count);
	}
	return err;
}

int counter_get(const struct counter_kind *k, const char *path, const char *jid,
		unsigned *count)
{
	char file[STORE_PATH_MAX];
	struct counts f = {NULL, 0};
	struct buf raw = BUF_INIT;
	struct count *entry;
	int err = resolve(k, path, file);

	*count = 0;
	if (!err)
		err = jid_check_normal_bare(jid);
	if (!err)
		err = load(k, file, &raw, &f);
	if (!err && (entry = counts_find(&f, jid)))
		*count = entry->count;
	counts_free(&f);
	buf_free(&raw);
	return err;
}

/* Adds delta (1) to the count of jid, or sets it to 0 (delta 0). */
static int change(struct counts *f, const char *jid, unsigned delta, unsigned *before,
		  unsigned *after)
{
	struct count *entry = counts_find(f, jid);
	int err;

	*before = entry ? entry->count : 0;
	if (!entry && delta) {
		if ((err = counts_push(f, jid, 0)))
			return err;
		entry = &f->v[f->n - 1];
	}
	if (entry)
		entry->count = delta == 0 ? 0
			       : entry->count < COUNTER_MAX ? entry->count + 1
							    : entry->count;
	*after = entry ? entry->count : 0;
	return XE2E_OK;
}

/* Read-modify-write under the lock. */
static int update_locked(const struct counter_kind *k, const char *file, const char *jid,
			 unsigned delta, unsigned *before, unsigned *after)
{
	struct counts f = {NULL, 0};
	struct buf old = BUF_INIT, new = BUF_INIT;
	int err = load(k, file, &old, &f);

	if (!err)
		err = change(&f, jid, delta, before, after);
	if (!err && *before != *after)
		err = format(k, &f, &new);
	if (!err && *before != *after && (new.len != old.len || memcmp(new.data, old.data, new.len) != 0))
		err = store_write_atomic(file, new.data, new.len, 0600);
	counts_free(&f);
	buf_free(&old);
	buf_free(&new);
	return err;
}

static int update(const struct counter_kind *k, const char *path, const char *jid,
		  unsigned delta, unsigned *before, unsigned *after)
{
	char file[STORE_PATH_MAX], lockfile[STORE_PATH_MAX];
	struct store_lock lock;
	int err = jid_check_normal_bare(jid);

	if (!err && !path)
		err = store_ensure_dir(STORE_STATE);
	if (!err)
		err = resolve(k, path, file);
	if (err)
		return err;
	if (snprintf(lockfile, sizeof(lockfile), "%s.lock", file) >= (int)sizeof(lockfile))
		return XE2E_E_LIMIT;
	if ((err = store_lock(lockfile, &lock)))
		return err;
	err = update_locked(k, file, jid, delta, before, after);
	store_unlock(&lock);
	return err;
}

int counter_increment(const struct counter_kind *k, const char *path, const char *jid,
		      unsigned *count)
{
	unsigned before, after;
	int err = update(k, path, jid, 1, &before, &after);

	if (!err && count)
		*count = after;
	return err;
}

int counter_reset(const struct counter_kind *k, const char *path, const char *jid,
		  unsigned *previous)
{
	unsigned before = 0, after;
	int err = update(k, path, jid, 0, &before, &after);

	if (previous)
		*previous = err ? 0 : before;
	return err;
}
