/* decimal.h: one spelling of each number, every bound exact. */
#include <stdint.h>
#include <string.h>

#include "decimal.h"
#include "err.h"
#include "unit.h"

static int parses(const char *s, uint64_t max, uint64_t want)
{
	uint64_t got = 7;

	return decimal_parse_str(s, max, &got) == XE2E_OK && got == want;
}

static int refused(const char *s, uint64_t max)
{
	uint64_t got = 7;

	return decimal_parse_str(s, max, &got) == XE2E_E_MALFORMED && got == 7;
}

TEST(decimal_one_spelling)
{
	CHECK(parses("0", UINT64_MAX, 0));
	CHECK(parses("1", UINT64_MAX, 1));
	CHECK(parses("1700000000", UINT64_MAX, 1700000000u));
	CHECK(refused("", UINT64_MAX));
	CHECK(refused("00", UINT64_MAX));
	CHECK(refused("01", UINT64_MAX));
	CHECK(refused("+1", UINT64_MAX));
	CHECK(refused("-1", UINT64_MAX));
	CHECK(refused(" 1", UINT64_MAX));
	CHECK(refused("1 ", UINT64_MAX));
	CHECK(refused("1a", UINT64_MAX));
	CHECK(refused("0x10", UINT64_MAX));
	CHECK(refused("1\xb9", UINT64_MAX)); /* a byte above '9' once unsigned */
	CHECK(refused("1/", UINT64_MAX));    /* the byte below '0' */
}

TEST(decimal_bounds_exact)
{
	/* The whole range of uint64: near the top too, where a check like
	 * v > (UINT64_MAX - 9) / 10 would refuse values that fit. */
	CHECK(parses("18446744073709551615", UINT64_MAX, UINT64_MAX));
	CHECK(parses("18446744073709551609", UINT64_MAX, UINT64_MAX - 6));
	CHECK(parses("1844674407370955161", UINT64_MAX, UINT64_MAX / 10));
	CHECK(refused("18446744073709551616", UINT64_MAX));
	CHECK(refused("99999999999999999999", UINT64_MAX));
	CHECK(refused("184467440737095516150", UINT64_MAX));
	/* a smaller bound, at, above and far above */
	CHECK(parses("4294967295", UINT32_MAX, UINT32_MAX));
	CHECK(refused("4294967296", UINT32_MAX));
	CHECK(parses("9", 9, 9));
	CHECK(refused("10", 9));
	CHECK(parses("0", 0, 0));
	CHECK(refused("1", 0));
}

TEST(decimal_length_is_the_callers)
{
	uint64_t got = 7;

	/* Only n bytes are read: what follows is the caller's. */
	CHECK_INT(decimal_parse("123 456", 3, UINT64_MAX, &got), XE2E_OK);
	CHECK(got == 123);
	CHECK_INT(decimal_parse("123 456", 4, UINT64_MAX, &got), XE2E_E_MALFORMED);
	CHECK_INT(decimal_parse("5", 0, UINT64_MAX, &got), XE2E_E_MALFORMED);
	CHECK(got == 123);
}
