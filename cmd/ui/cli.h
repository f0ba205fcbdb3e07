/*
 * The command-line plumbing every xe2e program shares: the option loop with
 * its usage errors, numbers in option values, and the checked end of
 * standard output. Usage errors go through err_usage() (exit status 2).
 */
#ifndef XE2E_CLI_H
#define XE2E_CLI_H

#include <getopt.h>

#include "diag.h"
#include "passphrase.h"

/* Takes one option (c as getopt_long() returns it, its value in optarg);
 * returns -1 to go on, or the exit status to stop with. */
typedef int (*cli_option_fn)(void *ctx, int c);

/*
 * Runs getopt_long() over argv with -h and -V as the only short options,
 * reporting a missing value ("option '--x' needs an argument") and an
 * unknown option as usage errors. Long options are never abbreviated: a
 * prefix of a name is an unknown option, so that "--passphrase" cannot
 * turn into "--passphrase-file" and take the next argument as its value. -V (--version in longopts) prints
 * "PROGRAM VERSION" (the name err_set_progname() took) and stops with 0;
 * every other option goes to parse. Returns -1 when every option was taken
 * (operands start at optind), else the exit status parse or the usage
 * error gave.
 */
int cli_options(int argc, char **argv, const struct option *longopts, cli_option_fn parse,
		void *ctx);

/* text as a whole decimal number from min to max (no sign, no spaces);
 * returns -1 with *out set, or the usage error "OPT needs a number from
 * MIN to MAX". */
int cli_number(const char *opt, const char *text, unsigned long min, unsigned long max,
	       unsigned long *out);

/* The same for a number of seconds from min to 86400 (a day). */
int cli_seconds(const char *opt, const char *text, unsigned min, unsigned *out);

/* passphrase_init() for a program: the sources from its options, and the
 * terminal to ask on (prompt.h). */
int cli_passphrase_init(struct passphrase *pp, const char *file, int prompt);

/* Flushes and closes standard output; a write that failed there (a full
 * disk, a closed pipe) is reported and gives exit status 1, else 0. */
int cli_finish_stdout(void);

#endif
