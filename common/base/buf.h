/*
 * A growable byte buffer that wipes what it held when it grows or is freed,
 * so plaintext and keys assembled in it do not linger in freed memory.
 */
#ifndef XE2E_BUF_H
#define XE2E_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t *data;
	size_t len;
	size_t cap;
};

#define BUF_INIT {NULL, 0, 0}

/* Makes room for at least extra more bytes. XE2E_E_NOMEM on failure. */
int buf_reserve(struct buf *b, size_t extra);

/* Appends n bytes. */
int buf_append(struct buf *b, const void *data, size_t n);

/* Appends one byte. */
int buf_append_byte(struct buf *b, uint8_t byte);

/* Appends a NUL-terminated string, without the NUL. */
int buf_append_str(struct buf *b, const char *s);

/* Appends printf-formatted text, without the NUL. */
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends a big-endian 16-bit length, then the n bytes (n <= 65535). */
int buf_append_lp16(struct buf *b, const void *data, size_t n);

/* Appends v in decimal (what "%llu" would print, without printf's cost:
 * the state files are written for every message). */
int buf_append_decimal(struct buf *b, unsigned long long v);

/* Appends a big-endian 32-bit value. */
int buf_append_u32(struct buf *b, uint32_t v);

/* Makes the content a NUL-terminated string (the NUL is not counted in len). */
int buf_terminate(struct buf *b);

/* Empties the buffer, wiping its content, keeping the allocation. */
void buf_clear(struct buf *b);

/* Wipes and frees the buffer; it is then empty and reusable. */
void buf_free(struct buf *b);

#endif
