/*
 * Error codes of the xe2e library, and the one place that reports them.
 *
 * Library functions return XE2E_OK (0) or one of these codes; they never
 * print and never exit. A function may add a detail (a file name, a line
 * number, a limit) with err_detail_set(); the program says it (the
 * programs' cmd/ui/diag.h) and chooses the exit status with
 * err_exit_code() (xe2e(7) EXIT STATUS).
 */
#ifndef XE2E_ERR_H
#define XE2E_ERR_H

#include <stdarg.h>

enum xe2e_err {
	XE2E_OK = 0,
	XE2E_E_NOMEM,       /* out of memory */
	XE2E_E_IO,          /* read, write, fsync, rename failed (errno in detail) */
	XE2E_E_EOF,         /* clean end of input; not a failure by itself */
	XE2E_E_MALFORMED,   /* input does not parse or has the wrong shape */
	XE2E_E_XML,         /* XML forbidden in XMPP (DTD, PI, comment, entity) */
	XE2E_E_LIMIT,       /* a size, depth or count bound was exceeded */
	XE2E_E_CRYPTO,      /* a primitive failed for a reason other than auth */
	XE2E_E_AUTH,        /* a tag, MAC or signature did not verify */
	XE2E_E_WEAKKEY,     /* low-order, invalid or identity point; zero secret */
	XE2E_E_PERM,        /* a secret file or directory others can read */
	XE2E_E_EXISTS,      /* refusing to replace what exists */
	XE2E_E_NOTFOUND,    /* a file, key, peer or session is not there */
	XE2E_E_PASSPHRASE,  /* wrong passphrase, or none available */
	XE2E_E_STATE,       /* operation not allowed in the current state */
	XE2E_E_UNSUPPORTED, /* version, suite or feature not supported */
	XE2E_E_EXPIRED,     /* a binding, prekey or session is too old */
	XE2E_E_STALE,       /* a restored or copied state file */
	XE2E_E_TRUST,       /* unknown, changed, revoked or mismatched key */
	XE2E_E_REPLAY,      /* replayed or out-of-window stanza */
	XE2E_E_TIMEOUT,     /* the peer did not answer in time */
	XE2E_E__COUNT
};

/* Exit statuses shared by every program. */
enum xe2e_exit {
	XE2E_EXIT_OK = 0,
	XE2E_EXIT_ERROR = 1,
	XE2E_EXIT_USAGE = 2,
	XE2E_EXIT_TRUST = 3,
	XE2E_EXIT_REPLAY = 4,
};

/* A short, lower-case description of err ("authentication failed"). */
const char *err_str(int err);

/* The exit status a program uses when it stops because of err. */
int err_exit_code(int err);

/* Records a detail for the error about to be returned (printf format).
 * Replaces any earlier detail. */
void err_detail_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The detail recorded last, or "" when none. */
const char *err_detail(void);

/* Forgets the recorded detail. */
void err_detail_clear(void);

/*
 * What a person can do next, where a detail says so ("no identity in DIR:
 * run xe2e-keygen --jid JID"). The library names the step; the program
 * that shows the detail words it, so that the library names no program
 * and a client plugin can point to its own commands.
 */
enum err_advice {
	ERR_ADVICE_CREATE_IDENTITY,     /* a verb phrase: "run xe2e-keygen --jid JID" */
	ERR_ADVICE_RENEW_DEVICE,        /* a verb phrase: "run xe2e-keygen --rotate-device" */
	ERR_ADVICE_INSTALL_CERTIFICATE, /* a clause: "xe2e-keygen --certificate installs one" */
	ERR_ADVICE_INSTALL_CREDENTIAL,  /* a clause: "xe2e-keygen --certificate or --openpgp
	                                 * makes one" */
	ERR_ADVICE_REMAKE_OPENPGP,      /* a clause: "xe2e-keygen --openpgp makes it again,
	                                 * --openpgp none removes it" */
	ERR_ADVICE_ADD_ANCHOR,          /* a noun phrase: "xe2e-trustdb anchor add" */
	ERR_ADVICE_HANDSHAKE,           /* a verb phrase: "run xe2e-handshake" */
	ERR_ADVICE_REAL_TIME_HANDSHAKE, /* a verb phrase: "run a real-time handshake
					 * (xe2e-handshake)", not from a bundle */
	ERR_ADVICE_FORGET_PEER,         /* followed by a JID: "xe2e-trustdb forget" */
	ERR_ADVICE_VERIFY,              /* a noun phrase: "xe2e-verify-sas" */
	ERR_ADVICE__COUNT
};

/* The words of a step, as set by err_advice_set_words() or the library's
 * own ("create an identity"). */
const char *err_advice(enum err_advice a);

/* Words every step from now on (words[a] for step a; the array and its
 * strings must outlive their use); NULL goes back to the library's own. */
void err_advice_set_words(const char *const *words);

#endif
