/* Small helpers every module needs: wiping secrets, constant-time compare. */
#ifndef XE2E_UTIL_H
#define XE2E_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Overwrites n bytes with zeros in a way the compiler cannot drop. */
void wipe(void *p, size_t n);

/* 1 when the n bytes at a and b are equal, 0 otherwise; the time taken
 * depends on n only. */
int ct_equal(const void *a, const void *b, size_t n);

/* 1 when all n bytes are zero, in time that depends on n only. */
int ct_is_zero(const void *p, size_t n);

/* Big-endian loads and stores. */
uint16_t load_be16(const uint8_t *p);
uint32_t load_be32(const uint8_t *p);
uint64_t load_be64(const uint8_t *p);
void put_be16(uint8_t *p, uint16_t v);
void put_be32(uint8_t *p, uint32_t v);
void put_be64(uint8_t *p, uint64_t v);
void put_le64(uint8_t *p, uint64_t v);

#endif
