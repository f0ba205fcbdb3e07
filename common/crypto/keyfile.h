/*
 * Private keys at rest (xe2e(7) KEYS, FILES): a small line-oriented text file.
 *
 *   xe2e private key v1
 *   type: p256                      (or x25519)
 *   kdf: pbkdf2-sha256              (or none)
 *   iterations: 600000              (protected keys only)
 *   salt: <base64, 16 bytes>        (protected keys only)
 *   nonce: <base64, 12 bytes>       (protected keys only)
 *   key: <base64>
 *
 * Unprotected, "key" is the raw 32-byte private key. Protected, it is the
 * AES-256-GCM encryption of that key (32 bytes, then the 16-byte tag) under
 * PBKDF2-HMAC-SHA256(passphrase, salt, iterations), with every line before
 * "key:" as associated data, so neither the type nor the iteration count
 * can be changed without the tag failing. Parsing is strict: the lines in
 * this order, each ending in "\n", canonical base64, nothing else.
 *
 * The iteration count of new keys is KEYFILE_ITERATIONS_DEFAULT; the
 * environment variable XE2E_KDF_ITERATIONS overrides it, meant for tests
 * only. The count is stored, so keys stay readable when the default grows.
 */
#ifndef XE2E_KEYFILE_H
#define XE2E_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "passphrase.h"

enum keyfile_type {
	KEYFILE_P256 = 1,   /* ECDSA P-256 scalar, big-endian */
	KEYFILE_X25519 = 2, /* X25519 private key */
};

#define KEYFILE_KEY_LEN 32
#define KEYFILE_SALT_LEN 16
#define KEYFILE_ITERATIONS_DEFAULT 600000u
#define KEYFILE_ITERATIONS_MIN 1000u
#define KEYFILE_ITERATIONS_MAX 100000000u
#define KEYFILE_ITERATIONS_ENV "XE2E_KDF_ITERATIONS"
#define KEYFILE_MAX_SIZE 4096

/* The name of a type as written in the file ("p256", "x25519"). */
const char *keyfile_type_name(enum keyfile_type type);

/* The iteration count for new keys: XE2E_KDF_ITERATIONS when set (it must
 * be a number in [KEYFILE_ITERATIONS_MIN, KEYFILE_ITERATIONS_MAX], else
 * XE2E_E_MALFORMED), KEYFILE_ITERATIONS_DEFAULT otherwise. */
int keyfile_iterations(uint32_t *iterations);

/*
 * Appends the file text for key to out. With pass NULL the key is stored
 * unprotected; otherwise it is encrypted with pass (pass_len bytes) using
 * iterations PBKDF2 rounds, a fresh salt and a fresh nonce.
 */
int keyfile_encode(enum keyfile_type type, const uint8_t key[static KEYFILE_KEY_LEN],
		   const char *pass, size_t pass_len, uint32_t iterations, struct buf *out);

/* Sets *protected to 1 when the file text is a protected key, 0 when it is
 * not; the text must parse. */
int keyfile_is_protected(const uint8_t *text, size_t len, int *protected);

/*
 * Parses file text and writes the private key of type want. A protected key
 * needs pass (else XE2E_E_PASSPHRASE); a wrong passphrase or an altered file
 * is XE2E_E_PASSPHRASE. A parse error is XE2E_E_MALFORMED with the line
 * number in the detail; another type than want is XE2E_E_MALFORMED too.
 * key is wiped on failure.
 */
int keyfile_decode(const uint8_t *text, size_t len, enum keyfile_type want, const char *pass,
		   size_t pass_len, uint8_t key[static KEYFILE_KEY_LEN]);

/*
 * Creates path (mode 0600, O_EXCL|O_NOFOLLOW; XE2E_E_EXISTS if it exists)
 * holding key, protected when passphrase_given(pp) (pp may be NULL: never
 * protected); the passphrase is asked with confirmation.
 */
int keyfile_save(const char *path, enum keyfile_type type, const uint8_t key[static KEYFILE_KEY_LEN],
		 struct passphrase *pp);

/*
 * Decodes file text read from name (used in details and the prompt), asking
 * pp for the passphrase only when the key is protected (pp NULL: a
 * protected key fails with XE2E_E_PASSPHRASE). *was_protected (may be
 * NULL) tells which it was.
 */
int keyfile_open(const uint8_t *text, size_t len, const char *name, enum keyfile_type want,
		 struct passphrase *pp, uint8_t key[static KEYFILE_KEY_LEN], int *was_protected);

/*
 * Reads path as a secret file (refused, XE2E_E_PERM, when others can read
 * it) and decodes it with keyfile_open().
 */
int keyfile_load(const char *path, enum keyfile_type want, struct passphrase *pp,
		 uint8_t key[static KEYFILE_KEY_LEN], int *was_protected);

#endif
