/*
 * The library's random generator, replaced for the vectors (vx.h): this
 * file defines rng_bytes() and rng_mbedtls() of common/base/rng.h, so the
 * linker never takes libxe2e.a's rng.o.
 *
 * rng_bytes() is every random value of the protocol (keys, nonces, decoy
 * identifiers): recorded per step in generate mode, replayed from the file
 * in check mode. rng_mbedtls() only blinds mbedTLS's computations (results
 * do not depend on it): a fixed stream, never recorded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "err.h"
#include "rng.h"
#include "vx.h"

static struct {
	struct vx *v;
	cJSON *obj;        /* where "random" goes */
	cJSON *draws;      /* the array: appended to, or read from */
	int next;          /* check: the next draw to serve */
	char label[320];   /* generate: the stream */
	size_t offset;     /* generate: bytes of the stream used */
	int active;
} step;

void vx_draws_begin(struct vx *v, cJSON *obj)
{
	vx_draws_end(v);
	step.v = v;
	step.obj = obj;
	step.next = 0;
	step.offset = 0;
	step.active = 1;
	/* Every step has a stream of its own, named by the file, the case
	 * and the step's place in the case (so a new case changes no other). */
	snprintf(step.label, sizeof(step.label), "%s %s #%u", v->file, v->case_name, v->steps++);
	if (!v->check) {
		step.draws = cJSON_AddArrayToObject(obj, "random");
		return;
	}
	step.draws = cJSON_GetObjectItemCaseSensitive(obj, "random");
	vx_mark(v, step.draws);
	if (step.draws && !cJSON_IsArray(step.draws)) {
		vx_fail(v, "\"random\" is not an array");
		step.draws = NULL;
	}
}

void vx_draws_end(struct vx *v)
{
	int n;

	if (!step.active)
		return;
	step.active = 0;
	n = step.draws ? cJSON_GetArraySize(step.draws) : 0;
	if (!v->check && n == 0)
		cJSON_DeleteItemFromObjectCaseSensitive(step.obj, "random");
	else if (v->check && step.next < n)
		vx_fail(v, "the library drew %d random values, the file records %d", step.next, n);
}

/* The next n bytes of the step's stream, recorded. */
static int vx_draw_generate(uint8_t *out, size_t n)
{
	uint8_t *all = malloc(step.offset + n);
	char *hex = malloc(2 * n + 1);

	if (!all || !hex)
		abort();
	vx_seed(step.label, all, step.offset + n);
	memcpy(out, all + step.offset, n);
	step.offset += n;
	hex_encode(out, n, hex);
	hex[2 * n] = '\0';
	cJSON_AddItemToArray(step.draws, cJSON_CreateString(hex));
	free(all);
	free(hex);
	return XE2E_OK;
}

/* The file's next draw, which must be n bytes. */
static int vx_draw_replay(uint8_t *out, size_t n)
{
	cJSON *d = step.draws ? cJSON_GetArrayItem(step.draws, step.next) : NULL;
	const char *hex = cJSON_IsString(d) ? d->valuestring : NULL;

	vx_mark(step.v, d);
	step.next++;
	if (!hex || strlen(hex) != 2 * n || hex_decode(hex, 2 * n, out, n)) {
		vx_fail(step.v, "random draw %d: the library draws %zu bytes, the file has %s",
			step.next - 1, n, hex ? hex : "none");
		return XE2E_E_CRYPTO;
	}
	return XE2E_OK;
}

int rng_bytes(void *out, size_t n)
{
	if (!step.active && step.v && step.v->check) {
		vx_fail(step.v, "the library draws %zu random bytes where the file records none", n);
		return XE2E_E_CRYPTO;
	}
	if (!step.active) {
		fprintf(stderr, "xe2e-vectors: a random draw outside a recorded step\n");
		abort();
	}
	return step.v->check ? vx_draw_replay(out, n) : vx_draw_generate(out, n);
}

int rng_mbedtls(void *p_rng, unsigned char *out, size_t n)
{
	static uint64_t counter;
	char label[64];

	(void)p_rng;
	snprintf(label, sizeof(label), "blinding %llu", (unsigned long long)counter++);
	vx_seed(label, out, n);
	return 0;
}
