/*
 * xe2e-trustdb: the trust store, PSKs, X.509 anchors and sessions; one
 * command from the arguments, a script from standard input, or an
 * interactive shell on a terminal. See xe2e-trustdb(1).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "inspect.h"
#include "trustdb.h"
#include "trustdb_shell.h"
#include "util.h"

static const char usage_text[] =
	"usage: xe2e-trustdb [--xml] COMMAND [ARG ...]\n"
	"       xe2e-trustdb [--xml] [--keep-going]\n"
	"       xe2e-trustdb --help | --version\n";

static const char help_text[] =
	"Manages the xe2e trust store: peers, fingerprints, trust levels, PSKs,\n"
	"X.509 anchors and sessions. Without a command it reads commands from\n"
	"standard input, one per line, or runs an interactive shell on a terminal.\n"
	"\n"
	"  --xml         listings as XML documents\n"
	"  --keep-going  in a script, run every line even after a failure\n"
	"  --help        show this help\n"
	"  --version     show the version\n"
	"\n"
	"Commands:\n";

static const char help_tail[] =
	"\n"
	"Exit status: 0 success, 1 error, 2 usage, 3 trust refusal.\n"
	"See xe2e-trustdb(1).\n";

struct options {
	int xml;
	int keep_going;
};

enum {
	OPT_XML = 256,
	OPT_KEEP_GOING,
};

static const struct option long_options[] = {
	{"xml", no_argument, NULL, OPT_XML},
	{"keep-going", no_argument, NULL, OPT_KEEP_GOING},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

/* The state one run of the program shares between its commands. */
struct program {
	struct trustdb t;
	struct trustdb_reader in; /* standard input, for scripts and secrets */
	int script;               /* commands come from standard input */
	int shell;                /* commands are typed at the prompt */
};

/* The rest of --help: the commands, then the exit status. */
static int print_commands(void *ctx)
{
	struct buf list = BUF_INIT;
	int err = trustdb_help(&list);

	(void)ctx;
	if (!err)
		fwrite(list.data, 1, list.len, stdout);
	fputs(help_tail, stdout);
	buf_free(&list);
	return err ? err_report(err, "cannot list the commands") : XE2E_EXIT_OK;
}

/* One option: 0 to go on, or the usage error. */
static int parse_option(void *ctx, int c)
{
	struct options *o = ctx;

	switch (c) {
	case OPT_XML: o->xml = 1; return 0;
	case OPT_KEEP_GOING: o->keep_going = 1; return 0;
	default: return err_usage("unknown option");
	}
}

static const struct cli_spec cli_spec = {
	.longopts = long_options,
	.option = parse_option,
	.usage = usage_text,
	.help = help_text,
	.help_more = print_commands,
	.operands = 1,
};

/* The exit status; *done when the run is over (--help, --version). */
static int parse_args(int argc, char **argv, struct options *o, int *done)
{
	int status = cli_parse(argc, argv, &cli_spec, o, done);

	if (status || *done)
		return status;
	if (o->keep_going && optind < argc)
		return err_usage("--keep-going is for scripts on standard input");
	return XE2E_EXIT_OK;
}

/* Writes a command's output; a closed or full stdout is an error. */
static int write_output(const struct buf *out)
{
	if (out->len && fwrite(out->data, 1, out->len, stdout) != out->len)
		return XE2E_E_IO;
	return fflush(stdout) == 0 && !ferror(stdout) ? XE2E_OK : XE2E_E_IO;
}

static int read_secret(void *ctx, const char *prompt, char out[static TRUSTDB_SECRET_MAX],
		       size_t *len)
{
	struct program *p = ctx;

	if (isatty(STDIN_FILENO))
		return trustdb_tty_secret(prompt, out, len);
	return trustdb_reader_secret(&p->in, out, len);
}

static int run_command(void *ctx, int argc, char **argv, unsigned long line)
{
	struct program *p = ctx;
	struct buf out = BUF_INIT;
	char where[32] = "", detail[512];
	int usage = 0, status = XE2E_EXIT_OK;
	int err;

	p->t.now = (uint64_t)time(NULL);
	err = trustdb_exec(&p->t, argc, argv, &out, &usage);
	/* The detail may quote arguments and files: one line whatever they
	 * hold. */
	err_detail_set("%s", inspect_line_safe(err_detail(), detail, sizeof(detail)));
	if (p->script)
		snprintf(where, sizeof(where), "line %lu: ", line);
	if (write_output(&out) != 0) {
		err_detail_set("%s", strerror(errno));
		status = err_report(XE2E_E_IO, "cannot write to standard output");
	} else if (usage && p->shell) {
		/* at the prompt, the help is a command away */
		diag(DIAG_ERROR, "%s (type 'help' for the commands)", err_detail());
		err_detail_clear();
		status = XE2E_EXIT_USAGE;
	} else if (usage) {
		status = err_usage("%s%s", where, err_detail());
		err_detail_clear();
	} else if (err) {
		status = err_report(err, "%s%s", where, argv[0]);
	}
	if (p->t.note[0] && !err) /* a listing that found nothing says so */
		diag(DIAG_NOTE, "%s", p->t.note);
	p->t.note[0] = '\0';
	buf_free(&out);
	return status;
}

static int bad_line(void *ctx, int err, unsigned long line)
{
	(void)ctx;
	if (err == XE2E_E_MALFORMED) {
		int status = err_usage("line %lu: %s", line, err_detail());

		err_detail_clear();
		return status;
	}
	return err_report(err, "line %lu", line);
}

static int finish(int status)
{
	if (fclose(stdout) != 0 && status == XE2E_EXIT_OK) {
		err_detail_set("%s", strerror(errno));
		return err_report(XE2E_E_IO, "cannot write to standard output");
	}
	return status;
}

int main(int argc, char **argv)
{
	struct options o = {0, 0};
	struct program p = {{0}, {0}, 0, 0};
	struct trustdb_shell_ops ops = {run_command, bad_line, &p};
	int status, done = 0;

	err_set_progname(argv[0]);
	status = parse_args(argc, argv, &o, &done);
	if (status || done)
		return status;
	p.t.xml = o.xml;
	p.t.terminal = !o.xml && isatty(STDOUT_FILENO);
	p.t.now = (uint64_t)time(NULL);
	p.t.read_secret = read_secret;
	p.t.secret_ctx = &p;
	trustdb_reader_init(&p.in, STDIN_FILENO);
	if (optind < argc) {
		status = run_command(&p, argc - optind, argv + optind, 0);
	} else if (isatty(STDIN_FILENO)) {
		p.shell = 1;
		fprintf(stderr, "%s %s: type 'help' for the commands, 'quit' or Ctrl-D to leave\n",
			err_progname(), XE2E_VERSION);
		status = trustdb_shell_run(&ops);
		putchar('\n');
	} else {
		p.script = 1;
		status = trustdb_script_run(&p.in, &ops, o.keep_going);
	}
	trustdb_reader_free(&p.in);
	return finish(status);
}
