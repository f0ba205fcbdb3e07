/*
 * noise-vectors FILE...: runs every vector of cacophony-format JSON files
 * against the Noise layer, skipping (and counting) protocols it does not
 * support. A vector without the optional handshake_hash is checked on
 * everything else and counted apart. Prints each failure, then
 * "N passed, N failed, N skipped", after "N without handshake_hash" when
 * there were any. Exit status 0 when nothing failed, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>

#include "buf.h"
#include "cacophony.h"
#include "err.h"
#include "store.h"

/* Larger than any vector file (cacophony.txt is about 1.5 MiB). */
#define VECTOR_FILE_MAX (64u << 20)

struct counts {
	unsigned passed, failed, skipped, no_hash;
};

static void run_file(const char *path, struct counts *c)
{
	struct buf text = BUF_INIT;
	char why[512];
	cJSON *root = NULL;
	const cJSON *vecs, *v;

	if (store_read_file(path, VECTOR_FILE_MAX, 0, &text) == XE2E_OK && buf_terminate(&text) == XE2E_OK)
		root = cJSON_Parse((const char *)text.data);
	buf_free(&text);
	vecs = cJSON_GetObjectItemCaseSensitive(root, "vectors");
	if (!cJSON_IsArray(vecs)) {
		fprintf(stderr, "noise-vectors: %s: not a cacophony vector file\n", path);
		c->failed++;
		cJSON_Delete(root);
		return;
	}
	cJSON_ArrayForEach(v, vecs) {
		switch (cacophony_run_vector(v, why, sizeof(why))) {
		case CACOPHONY_PASS_NO_HASH:
			c->no_hash++;
			/* fall through */
		case CACOPHONY_PASS:
			c->passed++;
			break;
		case CACOPHONY_SKIP:
			c->skipped++;
			break;
		default:
			fprintf(stderr, "noise-vectors: FAIL %s\n", why);
			c->failed++;
		}
	}
	cJSON_Delete(root);
}

int main(int argc, char **argv)
{
	struct counts c = {0, 0, 0, 0};

	if (argc < 2) {
		fprintf(stderr, "usage: noise-vectors FILE...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++)
		run_file(argv[i], &c);
	if (c.no_hash)
		printf("%u without handshake_hash (checked on everything else)\n", c.no_hash);
	printf("%u passed, %u failed, %u skipped\n", c.passed, c.failed, c.skipped);
	return c.failed ? 1 : 0;
}
