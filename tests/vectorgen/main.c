/*
 * xe2e-vectors generate DIR | check DIR: the published test vectors of
 * xe2e (tests/vectors/xe2e/, described in its README).
 *
 * generate  runs every case on the library with fixed inputs and fixed
 *           randomness and writes the JSON files into DIR: running it
 *           again writes the same bytes.
 * check     reads the files of DIR, runs every case on its inputs and
 *           random draws, compares every output and opens every message
 *           on the wire; prints each failure, one line per file, and
 *           "N passed, N failed". Exit status 1 when a case failed or a
 *           field of a file was never checked, 2 for a usage error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "err.h"
#include "store.h"
#include "vx.h"

/* Larger than any vector file, which are a few hundred KiB. */
#define VECTOR_FILE_MAX (64u << 20)

struct vx_file {
	const char *name;
	int (*run)(struct vx *v, cJSON *root);
};

static const struct vx_file files[] = {
	{"handshake.json", vx_handshake},
	{"ratchet.json", vx_ratchet},
	{"sealed.json", vx_sealed},
	{"sas.json", vx_sas},
	{"spake2.json", vx_spake2},
	{"offline.json", vx_offline},
};

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	int ok = f && fputs(text, f) >= 0 && fputc('\n', f) != EOF;

	if (f && fclose(f) != 0)
		ok = 0;
	if (!ok)
		fprintf(stderr, "xe2e-vectors: cannot write %s: %s\n", path, strerror(errno));
	return ok ? 0 : -1;
}

static int generate(const char *dir, const struct vx_file *f)
{
	struct vx v = {.check = 0, .file = f->name};
	cJSON *root = cJSON_CreateObject();
	char path[4096], *text;
	int err;

	f->run(&v, root);
	vx_check_all_seen(&v, root);
	text = cJSON_Print(root);
	snprintf(path, sizeof(path), "%s/%s", dir, f->name);
	err = text ? write_text(path, text) : -1;
	printf("%s: %u cases\n", f->name, v.passed);
	free(text);
	cJSON_Delete(root);
	return err;
}

static int check(const char *dir, const struct vx_file *f, unsigned *passed, unsigned *failed)
{
	struct vx v = {.check = 1, .file = f->name};
	struct buf text = BUF_INIT;
	char path[4096];
	cJSON *root = NULL;

	snprintf(path, sizeof(path), "%s/%s", dir, f->name);
	if (store_read_file(path, VECTOR_FILE_MAX, 0, &text) == XE2E_OK && buf_terminate(&text) == XE2E_OK)
		root = cJSON_Parse((const char *)text.data);
	buf_free(&text);
	if (!root) {
		fprintf(stderr, "FAIL %s: cannot read it as JSON\n", path);
		(*failed)++;
		return -1;
	}
	f->run(&v, root);
	vx_check_all_seen(&v, root);
	cJSON_Delete(root);
	printf("%s: %u passed, %u failed\n", f->name, v.passed, v.failed);
	*passed += v.passed;
	*failed += v.failed;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned passed = 0, failed = 0;
	int gen = argc == 3 && !strcmp(argv[1], "generate");

	if (argc != 3 || (!gen && strcmp(argv[1], "check"))) {
		fprintf(stderr, "usage: xe2e-vectors generate|check DIR\n");
		return 2;
	}
	if (gen && mkdir(argv[2], 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "xe2e-vectors: cannot make %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (gen && generate(argv[2], &files[i]))
			return 1;
		if (!gen)
			check(argv[2], &files[i], &passed, &failed);
	}
	if (!gen)
		printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
