/* The command-line plumbing of the programs (see cli.h). */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "prompt.h"

/* The entry of longopts named name (len bytes): exactly (whole set), or
 * starting with it; NULL if none. */
static const struct option *long_option(const struct option *longopts, const char *name,
					size_t len, int whole)
{
	for (const struct option *o = longopts; o->name; o++)
		if (strncmp(o->name, name, len) == 0 && (!whole || o->name[len] == '\0'))
			return o;
	return NULL;
}

/*
 * getopt_long() takes any unambiguous prefix of a long option: with
 * --passphrase-file defined, "--passphrase" would become it and take the
 * next argument, an option perhaps, as its file. Before getopt_long() runs,
 * an argument that is only the start of a long option's name is a usage
 * error; names that match none are left to it.
 */
static int whole_long_names(int argc, char **argv, const struct option *longopts)
{
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *eq;
		const struct option *o;
		size_t len;

		if (strcmp(arg, "--") == 0)
			return XE2E_EXIT_OK;
		if (strncmp(arg, "--", 2) != 0)
			continue;
		eq = strchr(arg + 2, '=');
		len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
		o = long_option(longopts, arg + 2, len, 1);
		if (!o && long_option(longopts, arg + 2, len, 0))
			return err_usage("unknown option '%.*s' (options are never abbreviated)",
					 (int)len + 2, arg);
		if (o && o->has_arg == required_argument && !eq)
			i++; /* its value, whatever it looks like */
	}
	return XE2E_EXIT_OK;
}

/* One option for the program, or --help (which ends the run). */
static int take(const struct cli_spec *spec, void *ctx, int c, int *done)
{
	if (c != 'h')
		return spec->option(ctx, c);
	*done = 1;
	return cli_print_help(spec, ctx);
}

int cli_parse(int argc, char **argv, const struct cli_spec *spec, void *ctx, int *done)
{
	int c, status = whole_long_names(argc, argv, spec->longopts);

	*done = 0;
	opterr = 0;
	while (!status && !*done &&
	       (c = getopt_long(argc, argv, ":hV", spec->longopts, NULL)) != -1) {
		if (c == ':')
			status = err_usage("option '%s' needs an argument", argv[optind - 1]);
		else if (c == '?' && optopt) /* a short one, perhaps in a group: -xyz */
			status = err_usage("unknown option '-%c'", optopt);
		else if (c == '?')
			status = err_usage("unknown option '%s'", argv[optind - 1]);
		else if (c == 'V') {
			printf("%s %s\n", err_progname(), XE2E_VERSION);
			*done = 1;
		} else {
			status = take(spec, ctx, c, done);
		}
	}
	if (status || *done || spec->operands || optind >= argc)
		return status;
	if (spec->operand_hint)
		return err_usage("unexpected argument '%s' (%s)", argv[optind], spec->operand_hint);
	return err_usage("unexpected argument '%s'", argv[optind]);
}

int cli_print_help(const struct cli_spec *spec, void *ctx)
{
	if (spec->usage)
		fputs(spec->usage, stdout);
	if (spec->help)
		fputs(spec->help, stdout);
	return spec->help_more ? spec->help_more(ctx) : XE2E_EXIT_OK;
}

/* 1 when text is a decimal number that fits, with *out set. */
static int whole_number(const char *text, unsigned long *out)
{
	char *end;

	if (text[0] < '0' || text[0] > '9')
		return 0; /* strtoul would take a sign or leading spaces */
	errno = 0;
	*out = strtoul(text, &end, 10);
	return !*end && !errno;
}

int cli_number_arg(const char *opt, const char *text, unsigned long min, unsigned long max,
		   unsigned long *out)
{
	unsigned long v;

	if (!whole_number(text, &v) || v < min || v > max)
		return err_usage("%s needs a number from %lu to %lu", opt, min, max);
	*out = v;
	return XE2E_EXIT_OK;
}

int cli_seconds_arg(const char *opt, const char *text, unsigned min, unsigned *out)
{
	unsigned long v;

	if (!whole_number(text, &v) || v < min || v > 86400)
		return err_usage("%s needs a number of seconds from %u to 86400", opt, min);
	*out = (unsigned)v;
	return XE2E_EXIT_OK;
}

int cli_passphrase_init(struct passphrase *pp, const char *file, int prompt)
{
	int err = passphrase_init(pp, file, prompt);

	pp->ask = prompt_secret;
	if (!err)
		return XE2E_EXIT_OK;
	passphrase_wipe(pp);
	return err_report(err, "no passphrase");
}

int cli_finish_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		err_detail_set("%s", strerror(errno));
		return err_report(XE2E_E_IO, "cannot write to standard output");
	}
	return XE2E_EXIT_OK;
}
