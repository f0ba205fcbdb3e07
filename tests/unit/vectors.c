/* Reading published test vectors; see vectors.h. */
#include "vectors.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void **scratch;
static size_t scratch_len, scratch_cap;

void vec_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
	char where[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(where, sizeof(where), fmt, ap);
	va_end(ap);
	unit_fail(file, line, "%s: %s", where, cond);
}

cJSON *vec_load(const char *relpath)
{
	char path[1024];
	size_t len;
	char *text;
	cJSON *root;

	snprintf(path, sizeof(path), "%s/%s", unit_vectors_dir(), relpath);
	text = unit_read_file(path, &len);
	if (!text) {
		unit_fail(__FILE__, __LINE__, "cannot read %s", path);
		return NULL;
	}
	root = cJSON_ParseWithLength(text, len);
	free(text);
	if (!root)
		unit_fail(__FILE__, __LINE__, "%s is not JSON", path);
	return root;
}

const cJSON *vec_array(const cJSON *obj, const char *name)
{
	const cJSON *a = obj ? cJSON_GetObjectItemCaseSensitive(obj, name) : NULL;

	return cJSON_IsArray(a) ? a : NULL;
}

const char *vec_str(const cJSON *obj, const char *name)
{
	const cJSON *s = obj ? cJSON_GetObjectItemCaseSensitive(obj, name) : NULL;

	return cJSON_IsString(s) ? s->valuestring : NULL;
}

long vec_int(const cJSON *obj, const char *name, long def)
{
	const cJSON *n = obj ? cJSON_GetObjectItemCaseSensitive(obj, name) : NULL;

	return cJSON_IsNumber(n) ? (long)n->valuedouble : def;
}

void *vec_alloc(size_t n)
{
	void *p;

	if (scratch_len == scratch_cap) {
		size_t cap = scratch_cap ? 2 * scratch_cap : 64;
		void **grown = realloc(scratch, cap * sizeof(*grown));

		if (!grown)
			abort();
		scratch = grown;
		scratch_cap = cap;
	}
	p = calloc(1, n ? n : 1);
	if (!p)
		abort();
	scratch[scratch_len++] = p;
	return p;
}

void vec_scratch_free(void)
{
	for (size_t i = 0; i < scratch_len; i++)
		free(scratch[i]);
	free(scratch);
	scratch = NULL;
	scratch_len = scratch_cap = 0;
}

uint8_t *vec_unhex(const char *hex, size_t *len)
{
	uint8_t *decoded = unit_hex(hex, len), *out;

	if (!decoded)
		return NULL;
	out = vec_alloc(*len);
	memcpy(out, decoded, *len);
	free(decoded);
	return out;
}

uint8_t *vec_hex(const cJSON *obj, const char *name, size_t *len)
{
	uint8_t *out = vec_unhex(vec_str(obj, name), len);

	if (!out)
		unit_fail(__FILE__, __LINE__, "vector field \"%s\" missing or not hex", name);
	return out;
}

void wp_iter_start(struct wp_iter *it, const cJSON *root)
{
	const cJSON *groups = vec_array(root, "testGroups");

	memset(it, 0, sizeof(*it));
	it->next_group_ = groups ? groups->child : NULL;
	if (root && !groups)
		unit_fail(__FILE__, __LINE__, "no testGroups in a Wycheproof file");
}

/* The next element of group.tests, entering the next groups as needed. */
static const cJSON *wp_iter_advance(struct wp_iter *it)
{
	const cJSON *t = it->test ? it->test->next : NULL;

	while (!t && it->next_group_) {
		it->group = it->next_group_;
		it->next_group_ = it->group->next;
		t = vec_array(it->group, "tests") ? vec_array(it->group, "tests")->child : NULL;
	}
	it->test = t;
	return t;
}

static int wp_parse_result(const char *s, enum wp_result *r)
{
	if (!s)
		return -1;
	if (strcmp(s, "valid") == 0)
		*r = WP_VALID;
	else if (strcmp(s, "acceptable") == 0)
		*r = WP_ACCEPTABLE;
	else if (strcmp(s, "invalid") == 0)
		*r = WP_INVALID;
	else
		return -1;
	return 0;
}

int wp_iter_next(struct wp_iter *it)
{
	while (wp_iter_advance(it)) {
		it->tc_id = vec_int(it->test, "tcId", -1);
		if (it->tc_id >= 0 && wp_parse_result(vec_str(it->test, "result"), &it->result) == 0)
			return 1;
		unit_fail(__FILE__, __LINE__, "Wycheproof test without tcId or result");
	}
	return 0;
}

int wp_has_flag(const cJSON *test, const char *flag)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, vec_array(test, "flags")) {
		if (cJSON_IsString(f) && strcmp(f->valuestring, flag) == 0)
			return 1;
	}
	return 0;
}

const char *wp_result_name(enum wp_result r)
{
	switch (r) {
	case WP_VALID:
		return "valid";
	case WP_ACCEPTABLE:
		return "acceptable";
	case WP_INVALID:
		return "invalid";
	}
	return "?";
}
