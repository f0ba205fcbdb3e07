#include "err.h"

#include <stdio.h>

static const char *const descriptions[XE2E_E__COUNT] = {
	[XE2E_OK] = "success",
	[XE2E_E_NOMEM] = "out of memory",
	[XE2E_E_IO] = "input/output error",
	[XE2E_E_EOF] = "unexpected end of input",
	[XE2E_E_MALFORMED] = "malformed input",
	[XE2E_E_XML] = "XML not allowed in XMPP",
	[XE2E_E_LIMIT] = "limit exceeded",
	[XE2E_E_CRYPTO] = "cryptographic operation failed",
	[XE2E_E_AUTH] = "authentication failed",
	[XE2E_E_WEAKKEY] = "invalid or weak public key",
	[XE2E_E_PERM] = "unsafe file permissions",
	[XE2E_E_EXISTS] = "already exists",
	[XE2E_E_NOTFOUND] = "not found",
	[XE2E_E_PASSPHRASE] = "wrong or missing passphrase",
	[XE2E_E_STATE] = "not allowed in this state",
	[XE2E_E_UNSUPPORTED] = "not supported",
	[XE2E_E_EXPIRED] = "expired",
	[XE2E_E_STALE] = "stale state",
	[XE2E_E_TRUST] = "trust failure",
	[XE2E_E_REPLAY] = "replayed or out-of-window stanza",
	[XE2E_E_TIMEOUT] = "timed out",
};

/* The library's own words for what to do next: no program's. */
static const char *const advice_own[ERR_ADVICE__COUNT] = {
	[ERR_ADVICE_CREATE_IDENTITY] = "create an identity",
	[ERR_ADVICE_RENEW_DEVICE] = "renew the device key",
	[ERR_ADVICE_INSTALL_CERTIFICATE] = "install one first",
	[ERR_ADVICE_INSTALL_CREDENTIAL] = "make one first",
	[ERR_ADVICE_REMAKE_OPENPGP] = "make it again or remove it",
	[ERR_ADVICE_ADD_ANCHOR] = "add an anchor first",
	[ERR_ADVICE_HANDSHAKE] = "run a handshake",
	[ERR_ADVICE_REAL_TIME_HANDSHAKE] = "run a real-time handshake",
	[ERR_ADVICE_FORGET_PEER] = "forget",
	[ERR_ADVICE_VERIFY] = "a verification",
};

static const char *const *advice_words = advice_own;

/* Per thread: a program's threads report errors of their own. */
static _Thread_local char detail[512];

const char *err_str(int err)
{
	if (err < 0 || err >= XE2E_E__COUNT || !descriptions[err])
		return "unknown error";
	return descriptions[err];
}

int err_exit_code(int err)
{
	switch (err) {
	case XE2E_OK:
		return XE2E_EXIT_OK;
	case XE2E_E_TRUST:
		return XE2E_EXIT_TRUST;
	case XE2E_E_REPLAY:
		return XE2E_EXIT_REPLAY;
	default:
		return XE2E_EXIT_ERROR;
	}
}

void err_detail_set(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
}

const char *err_detail(void)
{
	return detail;
}

void err_detail_clear(void)
{
	detail[0] = '\0';
}

const char *err_advice(enum err_advice a)
{
	if ((unsigned)a >= ERR_ADVICE__COUNT)
		return "";
	return advice_words[a] ? advice_words[a] : advice_own[a];
}

void err_advice_set_words(const char *const *words)
{
	advice_words = words ? words : advice_own;
}
