/*
 * Pre-shared keys (xe2e(7) HANDSHAKE "Keys"): 32 random bytes, never a passphrase,
 * in their text form and in the PSK file.
 *
 * Text form, as xe2e-keygen --psk prints it and xe2e-trustdb reads it:
 *
 *   xe2e-psk-<48 characters of base64url>
 *
 * The 48 characters (no padding) encode 36 bytes: the PSK, then the first 4
 * bytes of SHA-256("xe2e psk check" || PSK), so a mistyped or truncated PSK
 * is caught when it is entered rather than as a failed handshake.
 *
 * The PSKs of peers are kept in "psks" in the data tree, a secrets file
 * (secrets_file.h: mode 0600, locked, strict grammar), 32 random bytes per
 * bare JID:
 *   file   = "# xe2e psks v1" LF *(psk LF / comment / blank)
 *   psk    = "psk" SP jid SP 64HEXDIG   ; one line per JID
 * For every function taking a path, NULL means that default file; changing
 * the default file creates its directory if needed.
 */
#ifndef XE2E_PSK_H
#define XE2E_PSK_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define PSK_LEN 32
#define PSK_PREFIX "xe2e-psk-"
/* Prefix, 48 characters, NUL. */
#define PSK_TEXT_LEN 58
#define PSK_FILE_NAME "psks"

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

/* The default PSK file: "psks" in the data tree. */
int psk_default_path(char path[static STORE_PATH_MAX]);

/* Copies the PSK of a bare JID into psk. XE2E_E_NOTFOUND when there is none
 * (a missing file included). */
int psk_get(const char *path, const char *jid, uint8_t psk[static PSK_LEN]);

/* Sets (or replaces) the PSK of a bare JID. An all-zero PSK means "none" in
 * the handshake's psk derivation, so it is refused (XE2E_E_WEAKKEY). */
int psk_set(const char *path, const char *jid, const uint8_t psk[static PSK_LEN]);

/* Removes the PSK of a bare JID. XE2E_E_NOTFOUND when there was none. */
int psk_remove(const char *path, const char *jid);

#endif
