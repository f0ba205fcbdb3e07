/* Decimal numbers in their one spelling (see decimal.h). */
#include "decimal.h"

#include <string.h>

#include "err.h"

int decimal_parse(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || (s[0] == '0' && n > 1))
		return XE2E_E_MALFORMED;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)((unsigned char)s[i] - '0');

		/* v * 10 + d <= max, tested without overflow */
		if (d > 9 || d > max || v > (max - d) / 10)
			return XE2E_E_MALFORMED;
		v = v * 10 + d;
	}
	*out = v;
	return XE2E_OK;
}

int decimal_parse_str(const char *s, uint64_t max, uint64_t *out)
{
	return decimal_parse(s, strlen(s), max, out);
}
