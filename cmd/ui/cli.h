/*
 * The command-line plumbing every xe2e program shares: the option loop with
 * its usage errors and --help, numbers in option values, and the checked
 * end of standard output. Usage errors go through err_usage() (exit status
 * 2).
 *
 * How a program in cmd/ is written (cmd/seal.c is one to copy):
 *  - One return convention: every helper of a program returns an exit
 *    status (xe2e(7) EXIT STATUS), XE2E_EXIT_OK (0) meaning "go on";
 *    library calls return 0 or an error (err.h), which err_report() turns
 *    into the exit status. main is err_set_progname(), parse_args() with
 *    cli_parse() (stop on a status, or when *done after --help or
 *    --version), diag_set_verbosity(), then one function per phase.
 *  - Its struct cli_spec gives its option table, the usage and help texts
 *    and whether it takes operands; cli_parse() does the rest.
 *  - Every line on stderr goes through diag.h: err_report() and
 *    err_usage() for errors, diag() at a level for the rest (DIAG_ERROR
 *    always, DIAG_WARNING and DIAG_NOTE unless --quiet, DIAG_VERBOSE with
 *    --verbose only); stdout carries data only.
 *  - Words the programs share go in cmd/ui/ (tell.h: what seal and open
 *    say about sessions); protocol goes in the library (common/).
 */
#ifndef XE2E_CLI_H
#define XE2E_CLI_H

#include <getopt.h>

#include "diag.h"
#include "passphrase.h"

/* What a program's options are and what they do (see cli_parse()). */
struct cli_spec {
	const struct option *longopts; /* --help as 'h' and --version as 'V' among them */
	/* Takes one option (c as getopt_long() returns it, its value in
	 * optarg): 0 to go on, or the exit status to stop with (a usage
	 * error). */
	int (*option)(void *ctx, int c);
	const char *usage; /* the "usage:" lines, first in --help */
	const char *help;  /* what follows them: the options, the exit status */
	/* NULL, or prints what --help says after help (text the program
	 * makes at run time); returns the exit status of --help. */
	int (*help_more)(void *ctx);
	int operands; /* 1: the program takes operands (at optind) */
	/* Without operands, what "unexpected argument 'ARG'" adds in
	 * parentheses (NULL: nothing). */
	const char *operand_hint;
};

/*
 * Runs getopt_long() over argv with -h and -V as the only short options,
 * reporting a missing value ("option '--x' needs an argument") and an
 * unknown option as usage errors. Long options are never abbreviated: a
 * prefix of a name is an unknown option, so that "--passphrase" cannot
 * turn into "--passphrase-file" and take the next argument as its value.
 * -V prints "PROGRAM VERSION" (the name err_set_progname() took) and -h
 * prints the help (cli_print_help()); both end the run (*done = 1). Every other option goes
 * to spec->option. An operand is a usage error unless spec->operands.
 * Returns the exit status: 0 with *done = 0 when every option was taken
 * and the run goes on (operands start at optind).
 */
int cli_parse(int argc, char **argv, const struct cli_spec *spec, void *ctx, int *done);

/* --help on standard output: spec->usage, spec->help, then
 * spec->help_more. Returns the exit status (0, or help_more's). */
int cli_print_help(const struct cli_spec *spec, void *ctx);

/* text as a whole decimal number from min to max (no sign, no spaces):
 * 0 with *out set, or the usage error "OPT needs a number from MIN to
 * MAX" (exit status 2). */
int cli_number_arg(const char *opt, const char *text, unsigned long min, unsigned long max,
		   unsigned long *out);

/* The same for a number of seconds from min to 86400 (a day). */
int cli_seconds_arg(const char *opt, const char *text, unsigned min, unsigned *out);

/* passphrase_init() for a program: the sources from its options, and the
 * terminal to ask on (prompt.h). Returns the exit status: 0, or that of
 * the error after "no passphrase: why", with pp wiped. */
int cli_passphrase_init(struct passphrase *pp, const char *file, int prompt);

/* Flushes and closes standard output; a write that failed there (a full
 * disk, a closed pipe) is reported and gives exit status 1, else 0. */
int cli_finish_stdout(void);

#endif
