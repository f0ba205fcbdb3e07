/*
 * Pre-shared keys (xe2e(7) HANDSHAKE "Keys"): 32 random bytes, never a passphrase.
 *
 * Text form, as xe2e-keygen --psk prints it and xe2e-trustdb reads it:
 *
 *   xe2e-psk-<48 characters of base64url>
 *
 * The 48 characters (no padding) encode 36 bytes: the PSK, then the first 4
 * bytes of SHA-256("xe2e psk check" || PSK), so a mistyped or truncated PSK
 * is caught when it is entered rather than as a failed handshake.
 */
#ifndef XE2E_PSK_H
#define XE2E_PSK_H

#include <stddef.h>
#include <stdint.h>

#define PSK_LEN 32
#define PSK_PREFIX "xe2e-psk-"
/* Prefix, 48 characters, NUL. */
#define PSK_TEXT_LEN 58

/* Makes a fresh random PSK. */
int psk_generate(uint8_t psk[static PSK_LEN]);

/* Writes the text form of psk and a NUL. */
int psk_format(const uint8_t psk[static PSK_LEN], char out[static PSK_TEXT_LEN]);

/*
 * Parses exactly len bytes of text form (no surrounding white space).
 * XE2E_E_MALFORMED for a wrong prefix, length or alphabet, or a checksum
 * that does not match; psk is wiped on failure.
 */
int psk_parse(const char *text, size_t len, uint8_t psk[static PSK_LEN]);

#endif
