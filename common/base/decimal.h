/*
 * decimal.h: the one reading of a decimal number, for every file, stanza
 * attribute and environment variable xe2e reads. xe2e writes each number in
 * one spelling (digits only: no sign, no space, no leading zero), so a
 * reader refuses every other spelling of the same value: two texts that
 * differ never mean the same record.
 */
#ifndef XE2E_DECIMAL_H
#define XE2E_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

/* The n bytes at s as a number from 0 to max: XE2E_OK with *out set, or
 * XE2E_E_MALFORMED (no detail: the caller knows what was being read) for
 * an empty text, a byte that is not a digit, a leading zero, or a value
 * above max (overflow included). *out is untouched on error. */
int decimal_parse(const char *s, size_t n, uint64_t max, uint64_t *out);

/* The same for a NUL-terminated string. */
int decimal_parse_str(const char *s, uint64_t max, uint64_t *out);

#endif
