/*
 * Published test vectors for the unit tests: JSON files under
 * unit_vectors_dir() (see tests/vectors/SOURCES.md), read with cJSON.
 *
 * Any vector file:
 *
 *	cJSON *root = vec_load("rfc/rfc7748_x25519.json");
 *	const cJSON *v;
 *	cJSON_ArrayForEach(v, vec_array(root, "scalar_mult")) {
 *		size_t n;
 *		uint8_t *k = vec_hex(v, "scalar", &n);
 *		...
 *		vec_scratch_free();
 *	}
 *	cJSON_Delete(root);
 *
 * Wycheproof files (testGroups[].tests[]):
 *
 *	struct wp_iter it;
 *	for (wp_iter_start(&it, root); wp_iter_next(&it);) {
 *		... it.group, it.test, it.tc_id, it.result ...
 *		CHECK_CASE(ok, "tcId %ld", it.tc_id);
 *		vec_scratch_free();
 *	}
 *
 * Byte strings come from vec_hex() in scratch memory, which lives until the
 * next vec_scratch_free(); free it after each case. A missing or malformed
 * field is reported as a failed check and gives NULL, so a broken vector
 * file fails the test instead of passing it quietly.
 */
#ifndef XE2E_UNIT_VECTORS_H
#define XE2E_UNIT_VECTORS_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "unit.h"

/* CHECK with the case named in the failure line (printf format). */
#define CHECK_CASE(cond, ...)                                               \
	do {                                                                \
		if (!(cond))                                                \
			vec_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);  \
	} while (0)

void vec_fail(const char *file, int line, const char *cond, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Parses unit_vectors_dir()/relpath. NULL (and a failed check) when the
 * file is missing or not JSON. Free with cJSON_Delete(). */
cJSON *vec_load(const char *relpath);

/* The member name of obj: an array, a string or a number; NULL (or def)
 * when absent or of another type. No check fails. */
const cJSON *vec_array(const cJSON *obj, const char *name);
const char *vec_str(const cJSON *obj, const char *name);
long vec_int(const cJSON *obj, const char *name, long def);

/* The string member name of obj decoded from hex ("" gives length 0 and a
 * non-NULL pointer), in scratch memory. NULL and a failed check when it is
 * absent, not a string, or not an even number of hex digits. */
uint8_t *vec_hex(const cJSON *obj, const char *name, size_t *len);

/* As vec_hex() for a hex string given directly. */
uint8_t *vec_unhex(const char *hex, size_t *len);

/* n bytes of zeroed scratch memory (never NULL; n may be 0). */
void *vec_alloc(size_t n);

/* Frees all scratch memory. */
void vec_scratch_free(void);

/* Wycheproof's verdict on a case. */
enum wp_result {
	WP_VALID,
	WP_ACCEPTABLE,
	WP_INVALID,
};

/* Walks every test of every group of a Wycheproof file. */
struct wp_iter {
	const cJSON *group;    /* the current element of testGroups */
	const cJSON *test;     /* the current element of group.tests */
	long tc_id;            /* test.tcId */
	enum wp_result result; /* test.result */
	const cJSON *next_group_;
};

/* Positions it before the first test; root may be NULL (no tests). */
void wp_iter_start(struct wp_iter *it, const cJSON *root);

/* Moves to the next test; 0 when there is none. A test with no tcId or an
 * unknown result fails a check and is skipped. */
int wp_iter_next(struct wp_iter *it);

/* 1 when test.flags holds flag. */
int wp_has_flag(const cJSON *test, const char *flag);

/* "valid", "acceptable", "invalid". */
const char *wp_result_name(enum wp_result r);

#endif
