/* Fields of a vector file: written in generate mode, read or compared in
 * check mode (vx.h). Byte strings are lower-case hex. */
#include "vx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "hash.h"

static char *vx_hex_of(const uint8_t *p, size_t len)
{
	char *hex = malloc(2 * len + 1);

	if (!hex)
		abort();
	hex_encode(p, len, hex);
	hex[2 * len] = '\0';
	return hex;
}

/* The file's item name of obj, marked as looked at; NULL (and a failure)
 * when missing. */
static const cJSON *vx_get(struct vx *v, const cJSON *obj, const char *name)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (!it)
		vx_fail(v, "field \"%s\" missing", name);
	vx_mark(v, it);
	return it;
}

/* The file's string name of obj; NULL (and a failure) when it is none. */
static const char *vx_get_str(struct vx *v, const cJSON *obj, const char *name)
{
	const cJSON *it = vx_get(v, obj, name);

	if (it && !cJSON_IsString(it)) {
		vx_fail(v, "field \"%s\" is not a string", name);
		return NULL;
	}
	return it ? it->valuestring : NULL;
}

/* The file's hex string decoded into a new buffer; NULL when it is none. */
static uint8_t *vx_get_hex(struct vx *v, const cJSON *obj, const char *name, size_t *len)
{
	const char *hex = vx_get_str(v, obj, name);
	size_t n = hex ? strlen(hex) : 0;
	uint8_t *out;

	if (!hex)
		return NULL;
	out = malloc(n / 2 + 1);
	if (!out)
		abort();
	if (n % 2 || hex_decode(hex, n, out, n / 2)) {
		vx_fail(v, "field \"%s\" is not hex", name);
		free(out);
		return NULL;
	}
	*len = n / 2;
	return out;
}

static cJSON *vx_child(struct vx *v, cJSON *parent, const char *name, int array)
{
	cJSON *it;

	if (!v->check)
		return array ? cJSON_AddArrayToObject(parent, name)
			     : cJSON_AddObjectToObject(parent, name);
	it = cJSON_GetObjectItemCaseSensitive(parent, name);
	if (it && (array ? cJSON_IsArray(it) : cJSON_IsObject(it)))
		return it;
	vx_fail(v, "%s \"%s\" missing", array ? "array" : "object", name);
	vx_mark(v, it);
	/* An empty stand-in, freed with the file. */
	it = array ? cJSON_CreateArray() : cJSON_CreateObject();
	cJSON_AddItemToObject(parent, "", it);
	return it;
}

cJSON *vx_obj(struct vx *v, cJSON *parent, const char *name)
{
	return vx_child(v, parent, name, 0);
}

cJSON *vx_arr(struct vx *v, cJSON *parent, const char *name)
{
	return vx_child(v, parent, name, 1);
}

cJSON *vx_item(struct vx *v, cJSON *arr, int index)
{
	cJSON *it;

	if (!v->check) {
		it = cJSON_CreateObject();
		cJSON_AddItemToArray(arr, it);
		return it;
	}
	it = cJSON_GetArrayItem(arr, index);
	if (it && cJSON_IsObject(it))
		return it;
	vx_fail(v, "element %d missing", index);
	vx_mark(v, it);
	return NULL;
}

int vx_count(struct vx *v, const cJSON *arr)
{
	return v->check ? cJSON_GetArraySize(arr) : -1;
}

void vx_in_bytes(struct vx *v, cJSON *obj, const char *name, uint8_t *p, size_t len)
{
	uint8_t *file;
	size_t n;

	if (!v->check) {
		char *hex = vx_hex_of(p, len);

		cJSON_AddStringToObject(obj, name, hex);
		free(hex);
		return;
	}
	file = vx_get_hex(v, obj, name, &n);
	if (file && n != len)
		vx_fail(v, "input \"%s\" is %zu bytes, not %zu", name, n, len);
	else if (file)
		memcpy(p, file, len);
	free(file);
}

void vx_in_buf(struct vx *v, cJSON *obj, const char *name, struct buf *b)
{
	uint8_t *file;
	size_t n;

	if (!v->check) {
		char *hex = vx_hex_of(b->data, b->len);

		cJSON_AddStringToObject(obj, name, hex);
		free(hex);
		return;
	}
	file = vx_get_hex(v, obj, name, &n);
	if (file) {
		buf_clear(b);
		if (buf_append(b, file, n))
			abort();
	}
	free(file);
}

void vx_in_str(struct vx *v, cJSON *obj, const char *name, char *s, size_t cap)
{
	const char *file;

	if (!v->check) {
		cJSON_AddStringToObject(obj, name, s);
		return;
	}
	file = vx_get_str(v, obj, name);
	if (file && strlen(file) >= cap)
		vx_fail(v, "input \"%s\" is too long", name);
	else if (file)
		strcpy(s, file);
}

void vx_in_text(struct vx *v, cJSON *obj, const char *name, struct buf *text)
{
	const char *file;

	if (buf_terminate(text))
		abort();
	if (!v->check) {
		cJSON_AddStringToObject(obj, name, (const char *)text->data);
		return;
	}
	if (!(file = vx_get_str(v, obj, name)))
		return;
	buf_clear(text);
	if (buf_append_str(text, file) || buf_terminate(text))
		abort();
}

void vx_in_u64(struct vx *v, cJSON *obj, const char *name, uint64_t *x)
{
	const cJSON *it;

	if (!v->check) {
		cJSON_AddNumberToObject(obj, name, (double)*x);
		return;
	}
	it = vx_get(v, obj, name);
	if (it && (!cJSON_IsNumber(it) || it->valuedouble < 0 || it->valuedouble > 9007199254740991.0 ||
		   it->valuedouble != (double)(uint64_t)it->valuedouble))
		vx_fail(v, "input \"%s\" is not a whole number", name);
	else if (it)
		*x = (uint64_t)it->valuedouble;
}

/* Up to 24 characters of s around offset at, for a message. */
static void vx_excerpt(const char *s, size_t at, char out[static 40])
{
	size_t from = at > 12 ? at - 12 : 0;

	snprintf(out, 40, "%s%.24s%s", from ? "..." : "", s + from,
		 strlen(s + from) > 24 ? "..." : "");
}

static void vx_compare(struct vx *v, const char *name, const char *got, const char *file)
{
	char a[40], b[40];
	size_t at = 0;

	if (!file || !strcmp(got, file))
		return;
	while (got[at] && got[at] == file[at])
		at++;
	vx_excerpt(got, at, a);
	vx_excerpt(file, at, b);
	vx_fail(v, "\"%s\" differs at character %zu: the library gives %s, the file says %s",
		name, at, a, b);
}

void vx_out_str(struct vx *v, cJSON *obj, const char *name, const char *s)
{
	if (!v->check)
		cJSON_AddStringToObject(obj, name, s);
	else
		vx_compare(v, name, s, vx_get_str(v, obj, name));
}

void vx_out_bytes(struct vx *v, cJSON *obj, const char *name, const uint8_t *p, size_t len)
{
	char *hex = vx_hex_of(p, len);

	vx_out_str(v, obj, name, hex);
	free(hex);
}

void vx_out_u64(struct vx *v, cJSON *obj, const char *name, uint64_t x)
{
	uint64_t file = x;

	if (!v->check) {
		cJSON_AddNumberToObject(obj, name, (double)x);
		return;
	}
	vx_in_u64(v, obj, name, &file);
	if (file != x)
		vx_fail(v, "\"%s\" differs: the library gives %llu, the file says %llu", name,
			(unsigned long long)x, (unsigned long long)file);
}

void vx_wire(struct vx *v, cJSON *obj, const char *name, struct buf *b)
{
	uint8_t *file;
	size_t n;

	vx_out_bytes(v, obj, name, b->data, b->len);
	if (!v->check)
		return;
	file = vx_get_hex(v, obj, name, &n);
	if (file) {
		buf_clear(b);
		if (buf_append(b, file, n))
			abort();
	}
	free(file);
}

void vx_wire_str(struct vx *v, cJSON *obj, const char *name, struct buf *text)
{
	const char *file;

	if (buf_terminate(text))
		abort();
	vx_out_str(v, obj, name, (const char *)text->data);
	if (!v->check || !(file = vx_get_str(v, obj, name)))
		return;
	buf_clear(text);
	if (buf_append_str(text, file) || buf_terminate(text))
		abort();
}

void vx_seed(const char *label, uint8_t *out, size_t len)
{
	static const char prefix[] = "xe2e vectors v1 ";
	uint8_t block[SHA256_LEN];

	for (uint32_t i = 0; len > 0; i++) {
		struct hash_ctx h;
		uint8_t ctr[4] = {(uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8),
				  (uint8_t)i};
		size_t n = len < sizeof(block) ? len : sizeof(block);

		if (hash_init(&h, HASH_SHA256) || hash_update(&h, prefix, sizeof(prefix) - 1) ||
		    hash_update(&h, label, strlen(label)) || hash_update(&h, ctr, 4) ||
		    hash_final(&h, block))
			abort();
		memcpy(out, block, n);
		out += n;
		len -= n;
	}
}
