/* The programs' diagnostics (see diag.h). */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

static char progname[64] = "xe2e";
static enum diag_level shown = DIAG_NOTE; /* the highest level shown */

/* The library's advice in the words of these programs. */
static const char *const advice[ERR_ADVICE__COUNT] = {
	[ERR_ADVICE_CREATE_IDENTITY] = "run xe2e-keygen --jid JID",
	[ERR_ADVICE_RENEW_DEVICE] = "run xe2e-keygen --rotate-device",
	[ERR_ADVICE_INSTALL_CERTIFICATE] = "xe2e-keygen --certificate installs one",
	[ERR_ADVICE_INSTALL_CREDENTIAL] = "xe2e-keygen --certificate or --openpgp makes one",
	[ERR_ADVICE_REMAKE_OPENPGP] = "xe2e-keygen --openpgp makes it again, --openpgp none removes it",
	[ERR_ADVICE_ADD_ANCHOR] = "xe2e-trustdb anchor add",
	[ERR_ADVICE_HANDSHAKE] = "run xe2e-handshake",
	[ERR_ADVICE_REAL_TIME_HANDSHAKE] = "run a real-time handshake (xe2e-handshake)",
	[ERR_ADVICE_FORGET_PEER] = "xe2e-trustdb forget",
	[ERR_ADVICE_VERIFY] = "xe2e-verify-sas",
};

void err_set_progname(const char *argv0)
{
	const char *slash = argv0 ? strrchr(argv0, '/') : NULL;
	const char *base = slash ? slash + 1 : argv0;

	if (base && *base)
		snprintf(progname, sizeof(progname), "%s", base);
	err_advice_set_words(advice);
}

const char *err_progname(void)
{
	return progname;
}

/* 1 when the detail ends with a parenthesis that starts as the class does,
 * "the peer refused the handshake (trust)" for "trust failure": adding
 * "(trust failure)" would only stutter. */
static int names_class(const char *d, const char *cls)
{
	size_t n = strlen(d);
	const char *open = strrchr(d, '(');

	if (!n || d[n - 1] != ')' || !open)
		return 0;
	n = (size_t)(d + n - 1 - (open + 1)); /* the text inside */
	return n && strncmp(open + 1, cls, n) == 0 && (cls[n] == '\0' || cls[n] == ' ');
}

int err_report(int err, const char *what, ...)
{
	const char *detail = err_detail();
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, what);
	vfprintf(stderr, what, ap);
	va_end(ap);
	if (detail[0] && names_class(detail, err_str(err)))
		fprintf(stderr, ": %s\n", detail);
	else if (detail[0])
		fprintf(stderr, ": %s (%s)\n", detail, err_str(err));
	else
		fprintf(stderr, ": %s\n", err_str(err));
	err_detail_clear();
	return err_exit_code(err);
}

static void vwarn(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void diag_set_verbosity(int quiet, int verbose)
{
	shown = quiet ? DIAG_ERROR : verbose ? DIAG_VERBOSE : DIAG_NOTE;
}

void diag(enum diag_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > shown)
		return;
	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

int err_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", progname);
	return XE2E_EXIT_USAGE;
}
