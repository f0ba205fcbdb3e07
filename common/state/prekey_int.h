/* Shared by prekey.c and prekey_file.c only. */
#ifndef XE2E_PREKEY_INT_H
#define XE2E_PREKEY_INT_H

#include <stddef.h>

/*
 * Makes room for one more element in an array of n elements of size sz
 * whose capacity is at least the next power of two >= n (8 at least), and
 * returns the new slot (not counted in n yet), or NULL when out of memory.
 * A moved array's old copy is wiped.
 */
void *prekey_grow(void **arr, size_t n, size_t sz);

#endif
