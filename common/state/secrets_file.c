/* The line files of secrets (see secrets_file.h). */
#include "secrets_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "util.h"

#define LINE_MAX_LEN 4096
#define MAX_FIELDS 6

static int parse_line(const struct textrec *l, char *line, size_t len, const struct secrets_file *kind,
		      void *db)
{
	char *field[MAX_FIELDS];
	size_t n = 0;
	int err;

	if (len > LINE_MAX_LEN)
		return textrec_fail(l, "line longer than %d bytes", LINE_MAX_LEN);
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)line[i] < ' ' || line[i] == 0x7f)
			return textrec_fail(l, "control character at column %zu", i + 1);
	}
	line[len] = '\0';
	if (l->line == 1)
		return strcmp(line, kind->header) ? textrec_fail(l, "no \"%s\" header", kind->header)
						  : XE2E_OK;
	if (len == 0 || line[0] == '#')
		return XE2E_OK;
	if ((err = textrec_split(l, line, field, MAX_FIELDS, &n)))
		return err;
	if (strcmp(field[0], kind->record) != 0)
		return textrec_fail(l, "unknown record \"%.24s\"", field[0]);
	if (n != kind->fields)
		return textrec_fail(l, "%s record has %zu fields, want %zu", kind->record, n,
				  kind->fields);
	return kind->parse(l, field, db);
}

static int parse_text(const char *name, struct buf *raw, const struct secrets_file *kind, void *db)
{
	struct textrec l = {name, 1};
	char *pos = (char *)raw->data, *end = pos + raw->len;
	int err = XE2E_OK;

	if (raw->len == 0)
		return textrec_fail(&l, "empty file (no \"%s\" header)", kind->header);
	for (; !err && pos < end; l.line++) {
		char *nl = memchr(pos, '\n', (size_t)(end - pos));

		if (!nl)
			return textrec_fail(&l, "no newline at the end (truncated file?)");
		err = parse_line(&l, pos, (size_t)(nl - pos), kind, db);
		pos = nl + 1;
	}
	return err;
}

/* The file to use: path, or the tree's default. */
int secrets_file_path(const char *path, enum store_tree tree, const char *name,
		     char file[static STORE_PATH_MAX])
{
	if (!path)
		return store_path(tree, name, file);
	if (strlen(path) >= STORE_PATH_MAX)
		return XE2E_E_LIMIT;
	strcpy(file, path);
	return XE2E_OK;
}

/* Reads and parses a secrets file; XE2E_E_NOTFOUND when it is missing. */
int secrets_file_read(const char *file, const struct secrets_file *kind, void *db)
{
	struct buf raw = BUF_INIT;
	int err = store_read_file(file, SECRETS_FILE_MAX, 1, &raw);

	if (!err)
		err = parse_text(file, &raw, kind, db);
	buf_free(&raw);
	return err;
}

struct update {
	const struct secrets_file *kind;
	void *db;
	int (*change)(void *db, void *ctx);
	void *ctx;
};

/* Under the file's lock: parse into the db, change it, format it back. */
static int update_text(const char *file, struct buf *text, void *ctx)
{
	const struct update *u = ctx;
	int err = parse_text(file, text, u->kind, u->db);

	if (!err)
		err = u->change(u->db, u->ctx);
	buf_clear(text);
	if (!err)
		err = u->kind->format(u->db, text);
	return err;
}

int secrets_file_update(const char *path, enum store_tree tree, const char *name,
			const struct secrets_file *kind, void *db,
			int (*change)(void *db, void *ctx), void *ctx)
{
	char file[STORE_PATH_MAX], missing[SECRETS_HEADER_MAX + 2];
	struct update u = {kind, db, change, ctx};
	int err, n;

	if (!path && (err = store_ensure_dir(tree)))
		return err;
	if ((err = secrets_file_path(path, tree, name, file)))
		return err;
	n = snprintf(missing, sizeof(missing), "%s\n", kind->header);
	if (n < 0 || (size_t)n >= sizeof(missing))
		return XE2E_E_LIMIT;
	return store_rewrite_locked(file, SECRETS_FILE_MAX, missing, update_text, &u);
}

/*
 * An array of n items of size bytes grown by one zeroed item, without
 * leaving a copy of the old items in freed memory (as realloc could). NULL
 * when out of memory; items is then untouched.
 */
void *secrets_grow_array(void *items, size_t n, size_t size)
{
	uint8_t *grown = calloc(n + 1, size);

	if (grown && items) {
		memcpy(grown, items, n * size);
		wipe(items, n * size);
		free(items);
	}
	return grown;
}
