#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "util.h"

int buf_reserve(struct buf *b, size_t extra)
{
	size_t need, cap;
	uint8_t *grown;

	if (extra > SIZE_MAX - b->len - 1)
		return XE2E_E_NOMEM;
	need = b->len + extra + 1; /* room for buf_terminate() */
	if (need <= b->cap)
		return XE2E_OK;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	/* Not realloc: it could leave a copy of the old content behind. */
	grown = malloc(cap);
	if (!grown)
		return XE2E_E_NOMEM;
	if (b->data) {
		memcpy(grown, b->data, b->len);
		wipe(b->data, b->cap);
		free(b->data);
	}
	b->data = grown;
	b->cap = cap;
	return XE2E_OK;
}

int buf_append(struct buf *b, const void *data, size_t n)
{
	int err = buf_reserve(b, n);

	if (err)
		return err;
	if (n)
		memcpy(b->data + b->len, data, n);
	b->len += n;
	return XE2E_OK;
}

int buf_append_byte(struct buf *b, uint8_t byte)
{
	return buf_append(b, &byte, 1);
}

int buf_append_str(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, err;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return XE2E_E_MALFORMED;
	err = buf_reserve(b, (size_t)n);
	if (err)
		return err;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return XE2E_OK;
}

int buf_append_lp16(struct buf *b, const void *data, size_t n)
{
	uint8_t len[2];
	int err;

	if (n > 0xffff)
		return XE2E_E_LIMIT;
	len[0] = (uint8_t)(n >> 8);
	len[1] = (uint8_t)n;
	err = buf_append(b, len, 2);
	return err ? err : buf_append(b, data, n);
}

int buf_append_decimal(struct buf *b, unsigned long long v)
{
	char digits[20];
	size_t n = 0;

	do {
		digits[sizeof(digits) - ++n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return buf_append(b, digits + sizeof(digits) - n, n);
}

int buf_append_u32(struct buf *b, uint32_t v)
{
	uint8_t be[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

	return buf_append(b, be, 4);
}

int buf_terminate(struct buf *b)
{
	int err = buf_reserve(b, 0);

	if (err)
		return err;
	b->data[b->len] = '\0';
	return XE2E_OK;
}

void buf_clear(struct buf *b)
{
	if (b->data)
		wipe(b->data, b->cap);
	b->len = 0;
}

void buf_free(struct buf *b)
{
	buf_clear(b);
	free(b->data);
	b->data = NULL;
	b->cap = 0;
}
