/*
 * Memory for expat that is wiped when freed: the parser's buffers hold
 * stanza plaintext. Each block carries its size in a header, so free knows
 * how much to wipe without asking the C library.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "xml_reader_priv.h"

#define MEM_HDR 16 /* keeps malloc's alignment for what follows the header */
_Static_assert(MEM_HDR >= _Alignof(max_align_t), "header breaks alignment");

static void *XMLCALL mem_malloc(size_t n)
{
	unsigned char *p;

	if (n > SIZE_MAX - MEM_HDR)
		return NULL;
	p = malloc(n + MEM_HDR);
	if (!p)
		return NULL;
	memcpy(p, &n, sizeof(n));
	return p + MEM_HDR;
}

static void XMLCALL mem_free(void *ptr)
{
	unsigned char *p = ptr;
	size_t n;

	if (!p)
		return;
	p -= MEM_HDR;
	memcpy(&n, p, sizeof(n));
	wipe(p, n + MEM_HDR);
	free(p);
}

/* Not realloc: it could leave a copy of the old block behind. */
static void *XMLCALL mem_realloc(void *ptr, size_t n)
{
	unsigned char *q;
	size_t old;

	if (!ptr)
		return mem_malloc(n);
	q = mem_malloc(n);
	if (!q)
		return NULL;
	memcpy(&old, (unsigned char *)ptr - MEM_HDR, sizeof(old));
	memcpy(q, ptr, old < n ? old : n);
	mem_free(ptr);
	return q;
}

const XML_Memory_Handling_Suite xml_mem_suite = {mem_malloc, mem_realloc, mem_free};
