#include <string.h>

#include "buf.h"
#include "err.h"
#include "unit.h"
#include "util.h"

TEST(buf_grows_and_keeps_content)
{
	struct buf b = BUF_INIT;

	for (int i = 0; i < 1000; i++)
		CHECK_INT(buf_append_byte(&b, (uint8_t)i), XE2E_OK);
	CHECK_INT(b.len, 1000);
	for (int i = 0; i < 1000; i++)
		CHECK_INT(b.data[i], (uint8_t)i);
	buf_free(&b);
	CHECK(b.data == NULL && b.len == 0);
}

TEST(buf_formats_and_prefixes_lengths)
{
	struct buf b = BUF_INIT;

	CHECK_INT(buf_printf(&b, "%s-%d", "ab", 42), XE2E_OK);
	CHECK_INT(buf_append_lp16(&b, "xyz", 3), XE2E_OK);
	CHECK_INT(buf_terminate(&b), XE2E_OK);
	CHECK_INT(b.len, 10);
	CHECK_MEM(b.data, "ab-42\0\3xyz", 10);
	buf_free(&b);
}

/* buf_append_decimal() writes what printf's %llu writes. */
TEST(buf_decimal_matches_printf)
{
	static const unsigned long long v[] = {0, 1, 9, 10, 99, 100, 4294967295ull,
					       4294967296ull, 18446744073709551615ull};
	struct buf a = BUF_INIT, b = BUF_INIT;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		CHECK_INT(buf_append_decimal(&a, v[i]), XE2E_OK);
		CHECK_INT(buf_printf(&b, "%llu", v[i]), XE2E_OK);
		CHECK_INT(buf_append_byte(&a, ' '), XE2E_OK);
		CHECK_INT(buf_append_byte(&b, ' '), XE2E_OK);
	}
	CHECK_INT(a.len, b.len);
	CHECK_MEM(a.data, b.data, b.len);
	buf_free(&a);
	buf_free(&b);
}

TEST(buf_refuses_oversized_length_prefix)
{
	struct buf b = BUF_INIT;
	static uint8_t big[70000];

	CHECK_INT(buf_append_lp16(&b, big, sizeof(big)), XE2E_E_LIMIT);
	CHECK_INT(b.len, 0);
	buf_free(&b);
}

TEST(ct_equal_compares_all_bytes)
{
	uint8_t a[32] = {0}, b[32] = {0};

	CHECK(ct_equal(a, b, 32));
	b[31] = 1;
	CHECK(!ct_equal(a, b, 32));
	CHECK(ct_is_zero(a, 32));
	CHECK(!ct_is_zero(b, 32));
}

TEST(err_maps_exit_codes)
{
	CHECK_INT(err_exit_code(XE2E_OK), 0);
	CHECK_INT(err_exit_code(XE2E_E_AUTH), 1);
	CHECK_INT(err_exit_code(XE2E_E_TRUST), 3);
	CHECK_INT(err_exit_code(XE2E_E_REPLAY), 4);
	CHECK_STR(err_str(XE2E_E_AUTH), "authentication failed");
	CHECK_STR(err_str(9999), "unknown error");
}
