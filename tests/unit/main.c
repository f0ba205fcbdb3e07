/* Runs the registered unit tests; see unit.h. */
#include "unit.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "encoding.h"
#include "err.h"

#define MAX_TESTS 1024

struct test {
	const char *name;
	void (*fn)(void);
};

static struct test tests[MAX_TESTS];
static size_t n_tests;
static int failures_in_test;
static char tmp_root[] = "/tmp/xe2e-unit-XXXXXX";
static char tmp_dir[256];
static unsigned tmp_count;

void unit_register(const char *name, void (*fn)(void))
{
	if (n_tests == MAX_TESTS) {
		fprintf(stderr, "unit: too many tests\n");
		exit(1);
	}
	tests[n_tests].name = name;
	tests[n_tests].fn = fn;
	n_tests++;
}

void unit_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	/* Vector suites can fail many cases; show the first few. */
	if (failures_in_test++ >= 10)
		return;
	printf("    %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

void unit_note(const char *fmt, ...)
{
	va_list ap;

	printf("    ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

const char *unit_vectors_dir(void)
{
	const char *dir = getenv("XE2E_VECTORS");

	return dir && *dir ? dir : "tests/vectors";
}

const char *unit_tmpdir(void)
{
	snprintf(tmp_dir, sizeof(tmp_dir), "%s/%u", tmp_root, tmp_count++);
	if (mkdir(tmp_dir, 0700) != 0) {
		perror(tmp_dir);
		exit(1);
	}
	return tmp_dir;
}

char *unit_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	long size;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		data = malloc((size_t)size + 1);
		if (data && fread(data, 1, (size_t)size, f) == (size_t)size) {
			data[size] = '\0';
			if (len)
				*len = (size_t)size;
		} else {
			free(data);
			data = NULL;
		}
	}
	fclose(f);
	return data;
}

void unit_write_secret(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0 || chmod(path, 0600) != 0) {
		perror(path);
		exit(1);
	}
}

int unit_file_is(const char *path, const char *text)
{
	size_t len;
	char *got = unit_read_file(path, &len);
	int same = got && len == strlen(text) && !memcmp(got, text, len);

	free(got);
	return same;
}

uint8_t *unit_hex(const char *hex, size_t *len)
{
	size_t n = hex ? strlen(hex) / 2 : 0;
	uint8_t *out;

	if (!hex || strlen(hex) % 2)
		return NULL;
	out = malloc(n ? n : 1);
	if (out && hex_decode(hex, 2 * n, out, n) != XE2E_OK) {
		free(out);
		return NULL;
	}
	if (out)
		*len = n;
	return out;
}

static void remove_tmp(void)
{
	char cmd[64 + sizeof(tmp_root)];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_root);
	if (system(cmd) != 0)
		fprintf(stderr, "unit: could not remove %s\n", tmp_root);
}

int main(int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : NULL;
	unsigned passed = 0, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!mkdtemp(tmp_root)) {
		perror("mkdtemp");
		return 1;
	}
	atexit(remove_tmp);
	for (size_t i = 0; i < n_tests; i++) {
		if (filter && !strstr(tests[i].name, filter))
			continue;
		failures_in_test = 0;
		printf("unit %s\n", tests[i].name);
		tests[i].fn();
		if (failures_in_test) {
			printf("not ok %s (%d failed checks)\n", tests[i].name, failures_in_test);
			failed++;
		} else {
			printf("ok %s\n", tests[i].name);
			passed++;
		}
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
