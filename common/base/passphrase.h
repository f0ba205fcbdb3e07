/*
 * Where the passphrase of protected private keys comes from (xe2e(7)
 * KEYS, FILES).
 *
 * Sources, first match wins: the first line of --passphrase-file FILE; a
 * prompt on /dev/tty with echo off when --passphrase was given (an empty
 * entry is refused at once); the
 * environment variable XE2E_PASSPHRASE. A key being created is protected
 * exactly when one of these is given. A protected key being loaded with
 * none of them given is unlocked by a prompt on /dev/tty only when stdin is
 * a terminal (interactive use); otherwise loading fails with
 * XE2E_E_PASSPHRASE, so scripts and CI never hang on a prompt.
 *
 * A passphrase is fetched at most once per struct and kept (wiped by
 * passphrase_wipe()), so one run that loads and writes several keys asks
 * once.
 */
#ifndef XE2E_PASSPHRASE_H
#define XE2E_PASSPHRASE_H

#include <stddef.h>

#define PASSPHRASE_MAX 1024
#define PASSPHRASE_ENV "XE2E_PASSPHRASE"

/* Reads one line typed with echo off after showing prompt (cmd/ui's
 * prompt_secret()): XE2E_OK (*len may be 0), XE2E_E_NOTFOUND when there is
 * no terminal, XE2E_E_EOF, or XE2E_E_LIMIT for a line over cap - 1 bytes. */
typedef int (*passphrase_ask_fn)(const char *prompt, char *out, size_t cap, size_t *len);

struct passphrase {
	const char *file; /* --passphrase-file, or NULL */
	int prompt;       /* --passphrase: ask on the terminal */
	passphrase_ask_fn ask; /* asks on the terminal; NULL: there is none */
	int have;         /* text holds the passphrase */
	size_t len;
	char text[PASSPHRASE_MAX + 1];
};

/* Sets the sources from the command line (file may be NULL) and reads the
 * file at once: one that cannot be read, or holds an empty first line, is
 * an error even when no key turns out to be protected. Nothing is asked
 * until the caller sets pp->ask. */
int passphrase_init(struct passphrase *pp, const char *file, int prompt);

/* 1 when a source was given explicitly (file, --passphrase, or a non-empty
 * XE2E_PASSPHRASE), or a passphrase is already held: new keys are then
 * protected. */
int passphrase_given(const struct passphrase *pp);

/*
 * Makes pp->text hold the passphrase, from the first source that applies
 * (see above); what names the key in the prompt. confirm asks a prompt
 * twice (for new keys). Fails with XE2E_E_PASSPHRASE when no source is
 * available, the passphrase is empty or the two entries differ.
 */
int passphrase_get(struct passphrase *pp, const char *what, int confirm);

/* Wipes the held passphrase. */
void passphrase_wipe(struct passphrase *pp);

#endif
