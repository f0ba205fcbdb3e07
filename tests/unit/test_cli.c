/* The shared command-line plumbing: numbers in option values and the
 * option loop's usage errors (exit status 2). */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "unit.h"
#include "util.h"

/* Runs f with stderr sent to /dev/null: usage errors print there. */
static int quietly(int (*f)(void *), void *arg)
{
	int saved = dup(2), null = open("/dev/null", O_WRONLY), status;

	fflush(stderr);
	dup2(null, 2);
	status = f(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(null);
	return status;
}

struct num_case {
	const char *text;
	unsigned long min, max;
	int ok;
	unsigned long want;
};

static int run_number(void *arg)
{
	const struct num_case *c = arg;
	unsigned long v = 12345;
	int status = cli_number_arg("--n", c->text, c->min, c->max, &v);

	if (status == XE2E_EXIT_OK)
		CHECK(v == c->want);
	else
		CHECK(v == 12345); /* untouched on error */
	return status;
}

TEST(cli_number_takes_whole_decimal_numbers_in_range)
{
	static const struct num_case cases[] = {
		{"1", 1, 10, 1, 1},	      {"10", 1, 10, 1, 10},
		{"0", 0, 0, 1, 0},	      {"007", 1, 10, 1, 7},
		{"0", 1, 10, 0, 0},	      {"11", 1, 10, 0, 0},
		{"", 1, 10, 0, 0},	      {"-1", 0, 10, 0, 0},
		{"+1", 0, 10, 0, 0},	      {" 1", 0, 10, 0, 0},
		{"1 ", 0, 10, 0, 0},	      {"1x", 0, 10, 0, 0},
		{"0x10", 0, 100, 0, 0},	      {"1e3", 0, 5000, 0, 0},
		{"99999999999999999999999", 0, ~0ul, 0, 0},
		{"18446744073709551615", 0, ~0ul, 1, ~0ul},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int status = quietly(run_number, (void *)&cases[i]);

		if (status != (cases[i].ok ? XE2E_EXIT_OK : XE2E_EXIT_USAGE))
			unit_fail(__FILE__, __LINE__, "'%s' gave %d", cases[i].text, status);
	}
}

static int run_seconds(void *arg)
{
	unsigned v = 0;
	int status = cli_seconds_arg("--timeout", arg, 1, &v);

	CHECK(status != XE2E_EXIT_OK || (v >= 1 && v <= 86400));
	return status;
}

TEST(cli_seconds_are_at_most_a_day)
{
	CHECK_INT(quietly(run_seconds, "1"), XE2E_EXIT_OK);
	CHECK_INT(quietly(run_seconds, "86400"), XE2E_EXIT_OK);
	CHECK_INT(quietly(run_seconds, "86401"), XE2E_EXIT_USAGE);
	CHECK_INT(quietly(run_seconds, "0"), XE2E_EXIT_USAGE);
	CHECK_INT(quietly(run_seconds, "-5"), XE2E_EXIT_USAGE);
}

enum { OPT_FOO = 256, OPT_BAR };
enum { GOES_ON = -1 }; /* no exit status: the run goes on */

static const struct option opts[] = {
	{"foo", no_argument, NULL, OPT_FOO},
	{"bar", required_argument, NULL, OPT_BAR},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

struct seen {
	int foo;
	const char *bar;
	int help;
};

static int take(void *ctx, int c)
{
	struct seen *s = ctx;

	switch (c) {
	case OPT_FOO: s->foo++; return 0;
	case OPT_BAR: s->bar = optarg; return 0;
	default: return 99;
	}
}

/* --help: seen, and the run stops with status 0. */
static int help(void *ctx)
{
	((struct seen *)ctx)->help = 1;
	return XE2E_EXIT_OK;
}

static const struct cli_spec spec = {.longopts = opts, .option = take, .help_more = help,
				     .operands = 1};

/* cli_parse(): the exit status, or GOES_ON when every option was taken and
 * the run goes on. */
static int parse(int argc, char **argv, struct seen *s)
{
	int done, status = cli_parse(argc, argv, &spec, s, &done);

	return status || done ? status : GOES_ON;
}

struct argv_case {
	char *argv[6];
	int status;
};

static int run_options(void *arg)
{
	struct argv_case *c = arg;
	struct seen s = {0, NULL, 0};
	int argc = 0;

	while (c->argv[argc])
		argc++;
	optind = 0; /* a full reset of getopt between runs */
	return parse(argc, c->argv, &s);
}

TEST(cli_parse_reports_usage_errors)
{
	struct argv_case cases[] = {
		{{"p", "--foo", "--bar", "x", NULL}, GOES_ON},
		{{"p", "--bar", NULL}, XE2E_EXIT_USAGE},	 /* value missing */
		{{"p", "--nope", NULL}, XE2E_EXIT_USAGE},	 /* unknown */
		{{"p", "-x", NULL}, XE2E_EXIT_USAGE},	 /* unknown short */
		{{"p", "-h", "--nope", NULL}, 0},	 /* parse stops first */
		{{"p", "--foo", "operand", NULL}, GOES_ON},
		{{"p", "--fo", NULL}, XE2E_EXIT_USAGE},	 /* never abbreviated */
		{{"p", "--ba", "x", NULL}, XE2E_EXIT_USAGE},
		{{"p", "--ba=x", NULL}, XE2E_EXIT_USAGE},
		{{"p", "--bar=x", "--foo", NULL}, GOES_ON},
		{{"p", "operand", "-xyz", NULL}, XE2E_EXIT_USAGE}, /* named '-x' */
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		CHECK_INT(quietly(run_options, &cases[i]), cases[i].status);
}

TEST(cli_parse_takes_a_value_that_looks_like_an_option)
{
	/* with abbreviations, "--bar --fo" would be an error or "--fo" an
	 * option; it is --bar's value, as a whole name takes the next word */
	char *argv[] = {"p", "--bar", "--fo", "--foo", NULL};
	struct seen s = {0, NULL, 0};

	optind = 0;
	CHECK_INT(parse(4, argv, &s), GOES_ON);
	CHECK_STR(s.bar, "--fo");
	CHECK_INT(s.foo, 1);
}

TEST(cli_parse_leaves_operands_at_optind)
{
	char *argv[] = {"p", "--foo", "list", "--bar", "v", "x", NULL};
	struct seen s = {0, NULL, 0};

	optind = 0;
	CHECK_INT(parse(6, argv, &s), GOES_ON);
	CHECK_INT(s.foo, 1);
	CHECK_STR(s.bar, "v");
	/* getopt_long moved the operands to the end, in order. */
	CHECK_INT(optind, 4);
	CHECK_STR(argv[4], "list");
	CHECK_STR(argv[5], "x");
}
