/* Results of xe2e.h: their texts, and freeing what they hold. */
#include "xe2e.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "xe2e_int.h"

void xe2e_say(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, size, fmt, ap);
	va_end(ap);
}

void xe2e_sealed_free(struct xe2e_sealed *res)
{
	xml_free(res->stanza);
	memset(res, 0, sizeof(*res));
}

void xe2e_opened_free(struct xe2e_opened *res)
{
	xml_free(res->stanza);
	memset(res, 0, sizeof(*res));
}
