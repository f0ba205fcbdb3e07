#include "textrec.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "decimal.h"
#include "encoding.h"
#include "err.h"

int textrec_fail(const struct textrec *at, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	err_detail_set("%s line %zu: %s", at->name, at->line, what);
	return XE2E_E_MALFORMED;
}

int textrec_hex(const char *s, uint8_t *out, size_t n)
{
	if (strlen(s) != 2 * n || strspn(s, "0123456789abcdef") != 2 * n)
		return XE2E_E_MALFORMED;
	return hex_decode(s, 2 * n, out, n);
}

int textrec_u64(const char *s, uint64_t *out)
{
	return decimal_parse_str(s, UINT64_MAX, out);
}

int textrec_split(const struct textrec *at, char *line, char **field, size_t max, size_t *n)
{
	size_t count = 0;

	for (;;) {
		char *space = strchr(line, ' ');

		if (space)
			*space = '\0';
		if (*line == '\0')
			return textrec_fail(at, "empty field (two spaces, or a space at an end)");
		if (count == max)
			return textrec_fail(at, "too many fields");
		field[count++] = line;
		if (!space)
			break;
		line = space + 1;
	}
	*n = count;
	return XE2E_OK;
}

int textrec_each_line(const char *name, const char *text, size_t len, const char *header,
		      const char *kind, const char *what,
		      int (*line_fn)(void *arg, const char *line, size_t n),
		      void *arg)
{
	size_t off = strlen(header), line = 1;

	if (len < off || memcmp(text, header, off) != 0) {
		err_detail_set("%s: not an xe2e %s file", name, kind);
		return XE2E_E_MALFORMED;
	}
	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		int err;

		line++;
		err = nl ? line_fn(arg, text + off, (size_t)(nl - text - off)) : XE2E_E_MALFORMED;
		if (err == XE2E_E_MALFORMED)
			err_detail_set("%s line %zu: malformed %s", name, line, what);
		if (err)
			return err;
		off = (size_t)(nl - text) + 1;
	}
	return XE2E_OK;
}
