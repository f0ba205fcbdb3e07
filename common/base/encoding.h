/* Base64 (RFC 4648, strict) and hexadecimal. */
#ifndef XE2E_ENCODING_H
#define XE2E_ENCODING_H

#include <stddef.h>
#include <stdint.h>

/* Characters base64 needs for n bytes, including the terminating NUL. */
size_t b64_encoded_size(size_t n);

/* Writes the padded base64 of in and a NUL; out_size >= b64_encoded_size(n),
 * else XE2E_E_LIMIT. */
int b64_encode(const uint8_t *in, size_t n, char *out, size_t out_size);

/*
 * Decodes canonical padded base64 only: no whitespace, no missing or extra
 * padding, no non-zero trailing bits (so each byte string has exactly one
 * accepted encoding). Writes at most out_size bytes and their count.
 * XE2E_E_MALFORMED on bad input, XE2E_E_LIMIT when out is too small.
 */
int b64_decode(const char *in, size_t in_len, uint8_t *out, size_t out_size, size_t *out_len);

/* Lower-case hex of in, NUL-terminated; out has room for 2n + 1. */
void hex_encode(const uint8_t *in, size_t n, char *out);

/* Decodes exactly 2n hex digits (either case) into n bytes. */
int hex_decode(const char *in, size_t in_len, uint8_t *out, size_t n);

#endif
