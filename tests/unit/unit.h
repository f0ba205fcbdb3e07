/*
 * A small unit-test harness. Each test file defines tests with TEST(name);
 * they register themselves and tests/unit/main.c runs them all (or those
 * whose name contains argv[1]) and ends with "N passed, N failed".
 */
#ifndef XE2E_UNIT_H
#define XE2E_UNIT_H

#include <stddef.h>
#include <stdint.h>

void unit_register(const char *name, void (*fn)(void));
void unit_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A line shown under the test's result, e.g. how many vectors ran. */
void unit_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The directory of published vectors: $XE2E_VECTORS or tests/vectors. */
const char *unit_vectors_dir(void);
/* A fresh temporary directory for this test (removed at exit). */
const char *unit_tmpdir(void);
/* Reads a whole file; NULL when it cannot be read. Caller frees. */
char *unit_read_file(const char *path, size_t *len);
/* Writes text as the whole of file path, mode 0600 (a hand-made state file). */
void unit_write_secret(const char *path, const char *text);
/* 1 when file path holds exactly text (a refused change left it alone). */
int unit_file_is(const char *path, const char *text);
/* Decodes hex into a fresh buffer; *len gets its length. Caller frees. */
uint8_t *unit_hex(const char *hex, size_t *len);

#define TEST(name)                                                          \
	static void name(void);                                             \
	__attribute__((constructor)) static void register_##name(void)      \
	{                                                                   \
		unit_register(#name, name);                                 \
	}                                                                   \
	static void name(void)

#define CHECK(cond)                                                         \
	do {                                                                \
		if (!(cond))                                                \
			unit_fail(__FILE__, __LINE__, "%s", #cond);         \
	} while (0)

#define CHECK_INT(got, want)                                                \
	do {                                                                \
		long long got_ = (long long)(got), want_ = (long long)(want); \
		if (got_ != want_)                                          \
			unit_fail(__FILE__, __LINE__, "%s == %lld, want %lld", \
				  #got, got_, want_);                       \
	} while (0)

#define CHECK_MEM(a, b, n)                                                  \
	do {                                                                \
		if (memcmp((a), (b), (n)) != 0)                             \
			unit_fail(__FILE__, __LINE__, "%s != %s (%zu bytes)", \
				  #a, #b, (size_t)(n));                     \
	} while (0)

#define CHECK_STR(got, want)                                                \
	do {                                                                \
		const char *got_ = (got), *want_ = (want);                  \
		if (!got_ || !want_ || strcmp(got_, want_) != 0)            \
			unit_fail(__FILE__, __LINE__, "%s == \"%s\", want \"%s\"", \
				  #got, got_ ? got_ : "(null)",             \
				  want_ ? want_ : "(null)");                \
	} while (0)

#endif
