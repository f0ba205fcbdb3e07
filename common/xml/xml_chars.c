/* Character and name checks for text and names that come from code, not
 * from the parser (expat checks what it reads). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "xml_priv.h"

/* Decodes one UTF-8 character at s (n > 0 bytes available); returns its
 * length and sets *cp, or 0 when the sequence is invalid or overlong. */
static size_t utf8_decode(const uint8_t *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1f, min = 0x80;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0f, min = 0x800;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* XML 1.0 Char production. */
static int xml_char_allowed(uint32_t c)
{
	if (c < 0x20)
		return c == 0x09 || c == 0x0a || c == 0x0d;
	return c != 0xfffe && c != 0xffff;
}

int xml_chars_valid(const char *s, size_t n)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0, len;
	uint32_t cp;

	while (i < n) {
		if (p[i] >= 0x20 && p[i] < 0x80) {
			i++; /* printable ASCII, most text: always allowed */
			continue;
		}
		len = utf8_decode(p + i, n - i, &cp);
		if (!len || !xml_char_allowed(cp))
			return 0;
		i += len;
	}
	return 1;
}

static int name_ascii_ok(uint8_t c, int first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
		return 1;
	return !first && ((c >= '0' && c <= '9') || c == '-' || c == '.');
}

int xml_name_valid(const char *s)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t n, i = 0, len;
	uint32_t cp;

	if (!s || !*s)
		return 0;
	n = strlen(s);
	while (i < n) {
		if (p[i] < 0x80) {
			if (!name_ascii_ok(p[i], i == 0))
				return 0;
			i++;
			continue;
		}
		len = utf8_decode(p + i, n - i, &cp);
		if (!len || !xml_char_allowed(cp))
			return 0;
		i += len;
	}
	return 1;
}

int xml_is_space(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return 0;
	return 1;
}

char *xml_strndup(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (!d)
		return NULL;
	if (n)
		memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

void xml_str_free(char *s)
{
	if (!s)
		return;
	wipe(s, strlen(s));
	free(s);
}
