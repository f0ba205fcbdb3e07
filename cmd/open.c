/*
 * xe2e-open: reads sealed stanzas on standard input and writes the
 * original stanzas; refuses forgeries, replays and plaintext. See
 * xe2e-open(1) and xe2e(7).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "inspect.h"
#include "passphrase.h"
#include "tell.h"
#include "util.h"
#include "xe2e.h"
#include "xml.h"

static const char usage_text[] =
	"usage: xe2e-open [--batch N] [--require-resource] [--quiet | --verbose]\n"
	"                 [--passphrase | --passphrase-file FILE]\n"
	"       xe2e-open --inspect\n"
	"       xe2e-open --help | --version\n";

static const char help_text[] =
	"Reads sealed stanzas on stdin and writes the original stanzas on stdout,\n"
	"one per line. A stanza that cannot be opened is reported on stderr with\n"
	"its reason and skipped; nothing unsealed is ever passed on.\n"
	"\n"
	"  --batch N    open up to N stanzas that are already waiting in one\n"
	"               transaction (64, the most): a crash may lose up to N\n"
	"               plaintexts; 1 commits and writes each stanza alone\n"
	"  --require-resource\n"
	"               refuse a stanza whose 'from' has a resource its sender did\n"
	"               not bind (a server may have set or rewritten it)\n"
	"  --inspect    print the outside of each sealed stanza (addresses, header,\n"
	"               session) as one line of name=value words; open nothing\n"
	"  --quiet      report failures only\n"
	"  --verbose    also note each stanza opened and what was dropped\n"
	"  --passphrase ask for the passphrase of a protected device key (needed\n"
	"               for initial messages) on the terminal: stdin carries stanzas\n"
	"  --passphrase-file FILE\n"
	"               the same, with the first line of FILE\n"
	"  --help       show this help\n"
	"  --version    show the version\n"
	"\n"
	"XE2E_PASSPHRASE, when set, is the passphrase.\n"
	"Exit status: 0 all opened, 1 a stanza could not be opened (or another\n"
	"error), 2 usage, 4 only replays were refused. See xe2e-open(1).\n";

struct options {
	unsigned long batch;
	int batch_given; /* --batch was on the command line */
	struct xe2e_open_opts open;
	int quiet, verbose;
	int inspect;
	const char *passphrase_file;
	int passphrase_prompt;
};

enum {
	OPT_BATCH = 256, OPT_REQUIRE_RESOURCE, OPT_QUIET, OPT_VERBOSE, OPT_INSPECT,
	OPT_PASSPHRASE, OPT_PASSPHRASE_FILE,
};

static const struct option long_options[] = {
	{"batch", required_argument, NULL, OPT_BATCH},
	{"require-resource", no_argument, NULL, OPT_REQUIRE_RESOURCE},
	{"quiet", no_argument, NULL, OPT_QUIET},
	{"verbose", no_argument, NULL, OPT_VERBOSE},
	{"inspect", no_argument, NULL, OPT_INSPECT},
	{"passphrase", no_argument, NULL, OPT_PASSPHRASE},
	{"passphrase-file", required_argument, NULL, OPT_PASSPHRASE_FILE},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

/* One option: 0 to go on, or the usage error. */
static int parse_option(void *ctx, int c)
{
	struct options *o = ctx;

	switch (c) {
	case OPT_BATCH:
		o->batch_given = 1;
		return cli_number_arg("--batch", optarg, 1, XE2E_OPEN_BATCH_MAX, &o->batch);
	case OPT_REQUIRE_RESOURCE: o->open.require_resource = 1; return 0;
	case OPT_QUIET: o->quiet = 1; return 0;
	case OPT_VERBOSE: o->verbose = 1; return 0;
	case OPT_INSPECT: o->inspect = 1; return 0;
	case OPT_PASSPHRASE: o->passphrase_prompt = 1; return 0;
	case OPT_PASSPHRASE_FILE: o->passphrase_file = optarg; return 0;
	default:
		return err_usage("unknown option");
	}
}

static const struct cli_spec cli_spec = {
	.longopts = long_options,
	.option = parse_option,
	.usage = usage_text,
	.help = help_text,
};

/* The exit status; *done when the run is over (--help, --version). */
static int parse_args(int argc, char **argv, struct options *o, int *done)
{
	int status;

	memset(o, 0, sizeof(*o));
	o->batch = XE2E_OPEN_BATCH_MAX;
	status = cli_parse(argc, argv, &cli_spec, o, done);
	if (status || *done)
		return status;
	if (o->quiet && o->verbose)
		return err_usage("--quiet and --verbose exclude each other");
	if (o->inspect && (o->batch_given || o->quiet || o->verbose || o->open.require_resource ||
			   o->passphrase_prompt || o->passphrase_file))
		return err_usage("--inspect goes with no other option");
	if (o->passphrase_prompt && o->passphrase_file)
		return err_usage("--passphrase and --passphrase-file exclude each other");
	return XE2E_EXIT_OK;
}

/* ---- the run ---- */

struct run {
	const struct options *opt;
	struct xe2e_opener *opener;
	struct xml_reader *reader;
	int replays, failures;
	int fatal, ended;
	struct buf out; /* opened stanzas, written after their commit */
};

/* Says on stderr that a stanza was not opened (or inspected), and why. */
static void describe(const struct run *r, enum diag_level level, const struct xe2e_opened *res)
{
	const struct xml_node *st = res->received;
	const char *id = xml_get_attr(st, "id"), *from = xml_get_attr(st, "from");
	char id_s[65], from_s[201], detail_s[512]; /* from outside: one line each */

	diag(level, "<%.32s%s%s%s> from %s not %s: %s%s%s", st->name ? st->name : "?",
	     id ? " id='" : "", id ? inspect_line_safe(id, id_s, sizeof(id_s)) : "", id ? "'" : "",
	     from ? inspect_line_safe(from, from_s, sizeof(from_s)) : "(no from)",
	     r->opt->inspect ? "inspected" : "opened", res->reason, *res->detail ? ": " : "",
	     inspect_line_safe(res->detail, detail_s, sizeof(detail_s)));
}

/* A stanza that was not opened: told as it deserves (a stanza passed
 * over is no failure), and counted. */
static void refused(struct run *r, const struct xe2e_opened *res)
{
	unsigned f = res->flags;
	enum diag_level level = !(f & XE2E_OPENED_PASSED_OVER) ? DIAG_ERROR
				: f & XE2E_OPENED_NOTEWORTHY   ? DIAG_WARNING
							       : DIAG_VERBOSE;

	describe(r, level, res);
	if (!(f & XE2E_OPENED_PASSED_OVER))
		*(f & XE2E_OPENED_REPLAY ? &r->replays : &r->failures) += 1;
}

/* A failure of the run's own (not a stanza's): said and counted; output
 * that failed ends the run. */
static void fail(struct run *r, int err, const char *what, int fatal)
{
	err_report(err, "%s", what);
	r->failures++;
	r->fatal |= fatal;
}

static void opened(struct run *r, const struct xe2e_opened *res)
{
	const char *from = xml_get_attr(res->received, "from");
	int err;

	if (res->flags & XE2E_OPENED_RATCHET) {
		diag(DIAG_VERBOSE, "ratchet stanza from %s", from);
		return;
	}
	if (res->skipped)
		diag(DIAG_VERBOSE, "%u stanza(s) from %s not received (yet)", res->skipped,
		     res->peer_bare);
	diag(DIAG_VERBOSE, "opened <%s> from %s (epoch %u, message %u)%s", res->stanza->name, from,
	     res->epoch, res->n,
	     res->flags & XE2E_OPENED_UNBOUND
		     ? ": its resource is not authenticated (its sender did not bind it)"
		     : "");
	if (res->n_unsealed)
		diag(DIAG_VERBOSE, "dropped %zu element(s) added outside the seal",
		     res->n_unsealed);
	if ((err = xml_append_line(&r->out, res->stanza)))
		fail(r, err, "cannot write the opened stanza", 1);
}

/* What a session that just came into use asks the user to know. */
static void tell_session(const struct xe2e_session *s)
{
	char subject[JID_MAX + 32];

	if (s->flags & XE2E_SESSION_STARTED)
		diag(DIAG_VERBOSE, "initial message from %s%s, sealed with %s", s->peer_bare,
		     s->flags & XE2E_SESSION_NEW_PEER ? " (first contact: recorded as tofu)" : "",
		     tell_prekey(s->flags));
	if (s->flags & XE2E_SESSION_UNTRUSTED) /* even with --quiet */
		diag(DIAG_ERROR, "warning: the session with %s is not to be trusted, what it opens "
		     "may come from someone else: %s", s->peer_bare, s->detail);
	snprintf(subject, sizeof(subject), "the session with %s", s->peer_bare);
	tell_session_flags(subject, s->flags);
}

/* Writes the stanzas opened since the last time, all at once: their
 * transaction is committed by then. */
static void output_flush(struct run *r)
{
	int err = r->out.len ? xml_write_lines(STDOUT_FILENO, &r->out) : XE2E_OK;

	if (r->out.data)
		wipe(r->out.data, r->out.len);
	r->out.len = 0;
	if (err)
		fail(r, err, "cannot write the opened stanza", 1);
}

/* Reads a batch: one stanza, waiting for it, then those that input
 * already at hand completes, up to the batch's bound. */
static size_t read_batch(struct run *r, struct xml_node **st)
{
	size_t n = 0;
	int err = XE2E_OK;

	while (n < r->opt->batch && !r->ended &&
	       !(err = n ? xml_reader_next_ready(r->reader, &st[n])
			 : xml_reader_next(r->reader, &st[n])))
		n++;
	if (err && err != XE2E_E_TIMEOUT) { /* TIMEOUT: nothing more is waiting */
		r->ended = 1;
		if (err != XE2E_E_EOF)
			fail(r, err, "cannot read the input", 0);
	}
	return n;
}

/* Opens one batch, telling and writing what comes of it in order. */
static void open_batch(struct run *r, struct xml_node **st, size_t n)
{
	struct xe2e_open_event ev;

	xe2e_open_batch(r->opener, st, n);
	while (!r->fatal && xe2e_open_next(r->opener, (uint64_t)time(NULL), &ev) == XE2E_OK) {
		if (ev.kind == XE2E_OPEN_SESSION)
			tell_session(&ev.session);
		else if (ev.kind == XE2E_OPEN_COMMITTED)
			output_flush(r);
		else if (ev.opened.err)
			refused(r, &ev.opened);
		else
			opened(r, &ev.opened);
		xe2e_opened_free(&ev.opened);
	}
	xe2e_open_batch_end(r->opener);
}

static void open_all(struct run *r)
{
	struct xml_node *st[XE2E_OPEN_BATCH_MAX];
	size_t n;

	while (!r->fatal && (n = read_batch(r, st)) > 0) {
		open_batch(r, st, n);
		for (size_t i = 0; i < n; i++)
			xml_free(st[i]);
	}
}

/* --inspect: the outside of each stanza, opening nothing. */
static void inspect_all(struct run *r)
{
	struct xe2e_opened res;
	struct xml_node *st;
	char *line;
	int err = XE2E_OK;

	while (!r->fatal && !(err = xml_reader_next(r->reader, &st))) {
		if (xe2e_inspect(r->opener, st, &res, &line))
			refused(r, &res);
		else if (fputs(line, stdout) == EOF || fflush(stdout))
			fail(r, XE2E_E_IO, "cannot write to standard output", 1);
		free(line);
		xml_free(st);
	}
	if (!r->fatal && err != XE2E_E_EOF)
		fail(r, err, "cannot read the input", 0);
}

static int cmd_open(struct options *o)
{
	struct run r = {.opt = o};
	struct passphrase pp;
	int status;

	signal(SIGPIPE, SIG_IGN);
	/* A passphrase file is read even when no key turns out to need it. */
	if ((status = cli_passphrase_init(&pp, o->passphrase_file, o->passphrase_prompt)))
		return status;
	o->open.pp = &pp;
	if (xe2e_opener_new(&r.opener, &o->open) ||
	    xml_reader_new(&r.reader, STDIN_FILENO, XML_READ_BUFFERED, NULL))
		status = err_report(XE2E_E_NOMEM, "cannot read standard input");
	else if (o->inspect)
		inspect_all(&r);
	else
		open_all(&r);
	xe2e_opener_free(r.opener);
	xml_reader_free(r.reader);
	buf_free(&r.out);
	passphrase_wipe(&pp);
	if (status)
		return status;
	if (r.failures)
		return XE2E_EXIT_ERROR;
	return r.replays ? XE2E_EXIT_REPLAY : XE2E_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct options o;
	int status, done = 0;

	err_set_progname(argv[0]);
	status = parse_args(argc, argv, &o, &done);
	if (status || done)
		return status;
	diag_set_verbosity(o.quiet, o.verbose);
	return cmd_open(&o);
}
