/* The run of one vector file: cases, failures, and what was looked at. */
#include "vx.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

void vx_fail(struct vx *v, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "FAIL %s: %s: %s\n", v->file, v->where, msg);
	v->case_failed = 1;
	if (!v->check)
		exit(1); /* a generator that cannot run its case writes nothing */
}

void vx_fail_err(struct vx *v, int err, const char *what)
{
	const char *detail = err_detail();

	vx_fail(v, "%s: %s%s%s", what, err_str(err), *detail ? ": " : "", detail);
}

static void vx_seen_add(struct vx *v, const cJSON *item)
{
	if (v->n_seen == v->cap_seen) {
		size_t cap = v->cap_seen ? 2 * v->cap_seen : 256;
		const cJSON **grown = realloc(v->seen, cap * sizeof(*grown));

		if (!grown)
			abort();
		v->seen = grown;
		v->cap_seen = cap;
	}
	v->seen[v->n_seen++] = item;
}

/* Marks an item of the file as looked at (check mode). */
void vx_mark(struct vx *v, const cJSON *item)
{
	if (v->check && item)
		vx_seen_add(v, item);
}

static int vx_was_seen(const struct vx *v, const cJSON *item)
{
	for (size_t i = v->n_seen; i > 0; i--)
		if (v->seen[i - 1] == item)
			return 1;
	return 0;
}

/* The path of an item for messages: "cases[2].messages[0].body". */
static void vx_unseen_walk(struct vx *v, const cJSON *item, const char *path)
{
	char sub[512];
	int i = 0;

	if (!cJSON_IsObject(item) && !cJSON_IsArray(item)) {
		if (!vx_was_seen(v, item)) {
			snprintf(v->where, sizeof(v->where), "%s", path);
			vx_fail(v, "a field no check looks at");
			v->unseen++;
		}
		return;
	}
	for (const cJSON *c = item->child; c; c = c->next, i++) {
		if (cJSON_IsArray(item))
			snprintf(sub, sizeof(sub), "%s[%d]", path, i);
		else
			snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", c->string);
		vx_unseen_walk(v, c, sub);
	}
}

void vx_check_all_seen(struct vx *v, const cJSON *root)
{
	if (v->check)
		vx_unseen_walk(v, root, "");
	if (v->unseen)
		v->failed++; /* the file as a whole */
	free(v->seen);
	v->seen = NULL;
	v->n_seen = v->cap_seen = 0;
}

cJSON *vx_case_begin(struct vx *v, cJSON *cases, int index, const char *name)
{
	cJSON *c;

	snprintf(v->where, sizeof(v->where), "case %d (%s)", index, name);
	v->case_failed = 0;
	v->case_name = name;
	v->steps = 0;
	v->case_obj = c = vx_item(v, cases, index);
	if (c)
		vx_out_str(v, c, "name", name);
	return c;
}

/* Marks every leaf below item as looked at. */
static void vx_mark_all(struct vx *v, const cJSON *item)
{
	if (!cJSON_IsObject(item) && !cJSON_IsArray(item))
		vx_mark(v, item);
	for (const cJSON *c = item->child; c && (cJSON_IsObject(item) || cJSON_IsArray(item));
	     c = c->next)
		vx_mark_all(v, c);
}

void vx_case_end(struct vx *v)
{
	vx_draws_end(v);
	/* A failed case stops early: the rest of it is not reported as
	 * unchecked on top. */
	if (v->case_failed && v->case_obj)
		vx_mark_all(v, v->case_obj);
	if (v->case_failed)
		v->failed++;
	else
		v->passed++;
}

const char *vx_err_name(int err)
{
	static const char *const names[] = {
		[XE2E_OK] = "ok",
		[XE2E_E_MALFORMED] = "malformed",
		[XE2E_E_LIMIT] = "limit",
		[XE2E_E_AUTH] = "auth",
		[XE2E_E_WEAKKEY] = "weak-key",
		[XE2E_E_NOTFOUND] = "not-found",
		[XE2E_E_STATE] = "state",
		[XE2E_E_UNSUPPORTED] = "unsupported",
		[XE2E_E_EXPIRED] = "expired",
		[XE2E_E_TRUST] = "trust",
		[XE2E_E_REPLAY] = "replay",
	};

	if (err >= 0 && (size_t)err < sizeof(names) / sizeof(names[0]) && names[err])
		return names[err];
	return "other";
}
