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

#include "cacophony.h"

struct counts {
	unsigned passed, failed, skipped, no_hash;
};

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (data = malloc((size_t)n + 1)) != NULL) {
		if (fread(data, 1, (size_t)n, f) != (size_t)n) {
			free(data);
			data = NULL;
		} else {
			data[n] = '\0';
		}
	}
	fclose(f);
	return data;
}

static void run_file(const char *path, struct counts *c)
{
	char *text = read_file(path), why[512];
	cJSON *root = text ? cJSON_Parse(text) : NULL;
	const cJSON *vecs = cJSON_GetObjectItemCaseSensitive(root, "vectors"), *v;

	free(text);
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
