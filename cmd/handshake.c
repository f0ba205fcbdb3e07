/*
 * xe2e-handshake: runs the session handshake as initiator (--to) or
 * responder (--respond) over stanzas on standard input and output, and
 * stores the session. See xe2e-handshake(1) and xe2e(7).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "handshake_nego.h"
#include "handshake_run.h"
#include "handshake_trace.h"
#include "identity.h"
#include "inspect.h"
#include "jid.h"
#include "openpgp.h"
#include "passphrase.h"
#include "session.h"
#include "trust.h"
#include "util.h"
#include "xml.h"

static const char usage_text[] =
	"usage: xe2e-handshake --to JID [options]\n"
	"       xe2e-handshake --respond [--from JID] [options]\n"
	"       xe2e-handshake --help | --version\n";

static const char help_text[] =
	"Runs the xe2e session handshake over stanzas on stdin and stdout.\n"
	"\n"
	"  --to JID                start a handshake with JID\n"
	"  --respond               answer a handshake\n"
	"  --from JID              with --respond: only JID may start one\n"
	"  --resource R            own full JID (JID/R) in 'from'\n"
	"  --timeout SECONDS       wait at most this long for each stanza (60)\n"
	"  --protect-self          responder: reveal this identity second (swap\n"
	"                          roles); initiator: refuse to swap\n"
	"  --accept-new-key        accept a changed identity key (not a pinned one)\n"
	"  --accept-rs-reset       accept a retained-secret mismatch with a\n"
	"                          verified peer\n"
	"  --send-credential       make sure the peer gets this identity's CA-issued\n"
	"                          certificate or OpenPGP credential: XX, never IK\n"
	"                          (--send-certificate is the same)\n"
	"  --suites LIST           suites to use, in order (ChaChaPoly,AESGCM)\n"
	"  --passphrase            ask for the passphrase of a protected device key\n"
	"                          on the terminal (stdin carries the stanzas)\n"
	"  --passphrase-file FILE  the same, with the first line of FILE\n"
	"  --quiet                 no progress or outcome on stderr\n"
	"  --verbose               also note skipped stanzas and each step\n"
	"  --trace                 show each handshake stanza's parsed fields\n"
	"  --stats                 print stanzas and bytes sent and received\n"
	"  --help                  show this help\n"
	"  --version               show the version\n"
	"\n"
	"XE2E_PASSPHRASE, when set, is the passphrase.\n"
	"Exit status: 0 established, 1 error, 2 usage, 3 refused (trust), 4 replay.\n"
	"See xe2e-handshake(1).\n";

struct options {
	const char *to;
	int respond;
	const char *from;
	const char *resource;
	unsigned timeout;
	unsigned hs_options;
	const char *suites;
	const char *passphrase_file;
	int passphrase_prompt;
	int quiet, verbose, stats, trace;
};

enum {
	OPT_TO = 256,
	OPT_RESPOND,
	OPT_FROM,
	OPT_RESOURCE,
	OPT_TIMEOUT,
	OPT_PROTECT_SELF,
	OPT_ACCEPT_NEW_KEY,
	OPT_ACCEPT_RS_RESET,
	OPT_SEND_CERTIFICATE,
	OPT_SUITES,
	OPT_PASSPHRASE,
	OPT_PASSPHRASE_FILE,
	OPT_QUIET,
	OPT_VERBOSE,
	OPT_STATS,
	OPT_TRACE,
};

static const struct option long_options[] = {
	{"to", required_argument, NULL, OPT_TO},
	{"respond", no_argument, NULL, OPT_RESPOND},
	{"from", required_argument, NULL, OPT_FROM},
	{"resource", required_argument, NULL, OPT_RESOURCE},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"protect-self", no_argument, NULL, OPT_PROTECT_SELF},
	{"accept-new-key", no_argument, NULL, OPT_ACCEPT_NEW_KEY},
	{"accept-rs-reset", no_argument, NULL, OPT_ACCEPT_RS_RESET},
	{"send-certificate", no_argument, NULL, OPT_SEND_CERTIFICATE},
	{"send-credential", no_argument, NULL, OPT_SEND_CERTIFICATE},
	{"suites", required_argument, NULL, OPT_SUITES},
	{"passphrase", no_argument, NULL, OPT_PASSPHRASE},
	{"passphrase-file", required_argument, NULL, OPT_PASSPHRASE_FILE},
	{"quiet", no_argument, NULL, OPT_QUIET},
	{"verbose", no_argument, NULL, OPT_VERBOSE},
	{"stats", no_argument, NULL, OPT_STATS},
	{"trace", no_argument, NULL, OPT_TRACE},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

/* ---- arguments ---- */

static int parse_option(void *ctx, int c)
{
	struct options *o = ctx;

	switch (c) {
	case OPT_TO: o->to = optarg; return 0;
	case OPT_RESPOND: o->respond = 1; return 0;
	case OPT_FROM: o->from = optarg; return 0;
	case OPT_RESOURCE: o->resource = optarg; return 0;
	case OPT_TIMEOUT: return cli_seconds_arg("--timeout", optarg, 1, &o->timeout);
	case OPT_PROTECT_SELF: o->hs_options |= HS_OPT_PROTECT_SELF; return 0;
	case OPT_ACCEPT_NEW_KEY: o->hs_options |= HS_OPT_ACCEPT_NEW_KEY; return 0;
	case OPT_ACCEPT_RS_RESET: o->hs_options |= HS_OPT_ACCEPT_RS_RESET; return 0;
	case OPT_SEND_CERTIFICATE: o->hs_options |= HS_OPT_SEND_CHAIN; return 0;
	case OPT_SUITES: o->suites = optarg; return 0;
	case OPT_PASSPHRASE: o->passphrase_prompt = 1; return 0;
	case OPT_PASSPHRASE_FILE: o->passphrase_file = optarg; return 0;
	case OPT_QUIET: o->quiet = 1; return 0;
	case OPT_VERBOSE: o->verbose = 1; return 0;
	case OPT_STATS: o->stats = 1; return 0;
	case OPT_TRACE: o->trace = 1; return 0;
	default: return err_usage("unknown option");
	}
}

static const struct cli_spec cli_spec = {
	.longopts = long_options,
	.option = parse_option,
	.usage = usage_text,
	.help = help_text,
};

static int check_options(const struct options *o, struct hs_lists *lists)
{
	if (!o->to == !o->respond)
		return err_usage("one of --to JID and --respond is needed");
	if (o->from && !o->respond)
		return err_usage("--from goes with --respond");
	if (o->quiet && (o->verbose || o->trace))
		return err_usage("--quiet excludes --verbose and --trace");
	if (o->passphrase_prompt && o->passphrase_file)
		return err_usage("--passphrase and --passphrase-file exclude each other");
	if (o->suites && hsnego_lists_parse_suites(o->suites, lists))
		return err_usage("--suites: %s", err_detail());
	if (!o->suites)
		hsnego_lists_default(lists);
	return XE2E_EXIT_OK;
}

/* The exit status; *done when the run is over (--help, --version). */
static int parse_args(int argc, char **argv, struct options *o, struct hs_lists *lists, int *done)
{
	int status = cli_parse(argc, argv, &cli_spec, o, done);

	if (status || *done)
		return status;
	return check_options(o, lists);
}

/* ---- the run ---- */

struct run {
	struct options opt;
	struct identity id;
	struct handshake_run *hs;
	struct handshake_run_out out;
	struct xml_reader *reader;
	unsigned long sent, sent_bytes, received;
	struct hstrace trace;
};

/* --trace: one line for a handshake stanza sent to or received from who.
 * Leaves the error detail as it was. */
static void trace(struct run *r, int sent, const char *who, enum hs_step step,
		  const struct buf *body, const char *reason)
{
	struct buf line = BUF_INIT;
	char saved[512], shown[JID_MAX + 1];

	if (!r->opt.trace)
		return;
	snprintf(saved, sizeof(saved), "%s", err_detail());
	/* An abort has no body. */
	if (!hstrace_describe(&r->trace, sent, step, body ? body->data : NULL,
			      step == HS_STEP_ABORT || !body ? 0 : body->len, reason, &line) &&
	    !buf_terminate(&line))
		diag(DIAG_ERROR, "trace: %s %s %s: %s", sent ? "sent" : "received",
		     sent ? "to" : "from", inspect_line_safe(who, shown, sizeof(shown)),
		     (const char *)line.data);
	buf_free(&line);
	if (*saved)
		err_detail_set("%s", saved);
	else
		err_detail_clear();
}

/* --trace: who this side is, before the first stanza. */
static void trace_self(const struct run *r)
{
	char fpr[FINGERPRINT_TEXT_LEN], dev[IDENTITY_DEVICE_ID_TEXT_LEN];

	if (!r->opt.trace)
		return;
	fingerprint_format(r->id.id_fpr, fpr);
	identity_device_id_format(r->id.binding.device_id, dev);
	diag(DIAG_ERROR, "trace: this side: %s, identity %s, device %s", handshake_run_self(r->hs),
	     fpr, dev);
}

/* --trace: what the trust store holds for the peer named on the command
 * line (the keys an IK handshake or the trust policy will expect). */
static void trace_peer(const struct run *r, const char *jid)
{
	const struct trust_db *trust = handshake_run_trust(r->hs);
	char bare[JID_MAX + 1], fpr[FINGERPRINT_TEXT_LEN];
	const struct trust_peer *p = NULL;
	int n = 0;

	if (!r->opt.trace || !jid || jid_normalize_bare(jid, bare)) {
		err_detail_clear();
		return;
	}
	while ((p = trust_next_by_jid(trust, bare, p)) != NULL) {
		fingerprint_format(p->fpr, fpr);
		diag(DIAG_ERROR, "trace: the trust store knows %s: identity %s, %s, %zu device(s)",
		     bare, fpr, trust_level_name(p->level), p->n_devices);
		n++;
	}
	if (!n)
		diag(DIAG_ERROR, "trace: the trust store does not know %s", bare);
}

/* ---- timeouts and interruptions ---- */

static char alarm_text[512];
static int alarm_status = XE2E_EXIT_ERROR;
/* Two texts, so that the handler never writes one being changed. */
static char interrupt_texts[2][512];
static volatile sig_atomic_t interrupt_current;

static void on_alarm(int sig)
{
	ssize_t n;

	(void)sig;
	n = write(STDERR_FILENO, alarm_text, strlen(alarm_text));
	(void)n;
	_exit(alarm_status);
}

/* Ctrl-C (SIGINT) or SIGTERM while waiting: this side's doing, said so.
 * Nothing is stored before the last stanza: the signals wait while a
 * stanza is taken (hold_signals), and stay blocked once the session is
 * stored, so a stored handshake is always completed. */
static void on_interrupt(int sig)
{
	ssize_t n;

	(void)sig;
	n = write(STDERR_FILENO, interrupt_texts[interrupt_current],
		  strlen(interrupt_texts[interrupt_current]));
	(void)n;
	_exit(XE2E_EXIT_ERROR);
}

/* What on_interrupt() says from now on. */
static void set_interrupt_text(const char *peer)
{
	int next = !interrupt_current;

	snprintf(interrupt_texts[next], sizeof(interrupt_texts[next]),
		 "%s: interrupted before the handshake%s%s completed; nothing was stored\n",
		 err_progname(), *peer ? " with " : "", peer);
	interrupt_current = next;
}

static void hold_signals(int hold)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(hold ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

/* Arms the timer for the next stanza, with the words the outcome needs. */
static void arm_timeout(const struct run *r)
{
	const char *peer = handshake_run_peer(r->hs);

	set_interrupt_text(peer);

	if (handshake_run_peer_known(r->hs)) {
		snprintf(alarm_text, sizeof(alarm_text),
			 "%s: no answer from %s within %u s: possible attack (a known xe2e peer "
			 "does not go silent)\n", err_progname(), peer, r->opt.timeout);
		alarm_status = XE2E_EXIT_TRUST;
	} else {
		snprintf(alarm_text, sizeof(alarm_text), "%s: no handshake stanza%s%s within %u s: "
			 "timed out\n", err_progname(), *peer ? " from " : "", peer,
			 r->opt.timeout);
		alarm_status = XE2E_EXIT_ERROR;
	}
	alarm(r->opt.timeout);
}

/* ---- stanzas ---- */

/* Writes the stanza the run gave to send, if any. */
static int send_out(struct run *r)
{
	const struct handshake_run_out *o = &r->out;
	struct buf line = BUF_INIT;
	int err;

	if (!o->text.len)
		return XE2E_OK;
	err = buf_append(&line, o->text.data, o->text.len);
	if (!err)
		err = buf_append_byte(&line, '\n');
	if (!err) {
		trace(r, 1, o->to, o->step, o->body, o->reason);
		err = xml_write_lines(STDOUT_FILENO, &line);
	}
	if (!err) {
		r->sent++;
		r->sent_bytes += line.len;
		diag(DIAG_VERBOSE, "sent step %s to %s", handshake_step_name(o->step), o->to);
	}
	buf_free(&line);
	return err;
}

/* What the run made of a stanza it was fed, for the person watching. */
static void show_in(struct run *r, const struct xml_node *stanza)
{
	const char *from = xml_get_attr(stanza, "from");
	char shown[JID_MAX + 1];

	if (r->out.event == HANDSHAKE_RUN_SKIPPED)
		diag(DIAG_VERBOSE, "skipped a stanza that is not a handshake (<%s/>)",
		     stanza->name);
	if (r->out.event == HANDSHAKE_RUN_NOT_PEER)
		diag(DIAG_WARNING, "warning: skipped a handshake stanza from %s, not from the peer",
		     from ? inspect_line_safe(from, shown, sizeof(shown)) : "nobody (no 'from')");
	if (r->out.in.step == HS_STEP_NONE)
		return;
	trace(r, 0, r->out.in.from, r->out.in.step, r->out.in.body, r->out.in.reason);
	r->received++;
	diag(DIAG_VERBOSE, "received step %s from %s", handshake_step_name(r->out.in.step),
	     r->out.in.from);
}

/* ---- the outcome ---- */

/* What the peer's credential was, and what its certificate chain or
 * OpenPGP key gave. */
static void print_credential(const struct handshake_result *res)
{
	if (res->cred_kind == HS_CRED_KIND_X509 && res->anchored)
		diag(DIAG_NOTE, "certificate: leads to anchor %s", res->anchor);
	else if (res->cred_kind == HS_CRED_KIND_X509)
		diag(DIAG_WARNING,
		     "warning: the certificate chain of %s leads to no anchor (%s): its identity "
		     "key counts alone",
		     res->peer_bare, res->chain_refused);
	if (res->cred_kind == HS_CRED_KIND_OPENPGP && res->openpgp[0])
		diag(DIAG_NOTE, "openpgp: %s%s", res->openpgp,
		     res->anchored ? " (valid in your keyring)" : "");
	if (res->cred_kind == HS_CRED_KIND_OPENPGP && !res->anchored)
		diag(DIAG_WARNING,
		     "warning: the OpenPGP key of %s does not anchor it (%s): its identity key "
		     "counts alone",
		     res->peer_bare, res->chain_refused);
}

static void print_outcome(const struct run *r)
{
	const struct handshake_run_outcome *s = &r->out.outcome;
	const struct handshake_result *res = s->res;
	char fpr[FINGERPRINT_TEXT_LEN], flags[TRUST_FLAGS_TEXT_LEN], id[SESSION_ID_TEXT_LEN];

	fingerprint_format(res->peer_fpr, fpr);
	trust_flags_format(s->flags, flags);
	session_id_format(s->session_id, id);
	diag(DIAG_NOTE, "peer: %s", res->peer_full);
	diag(DIAG_NOTE, "identity: %s", fpr);
	diag(DIAG_NOTE, "device: %08x", (unsigned)res->device.id);
	diag(DIAG_NOTE, "trust: %s%s", trust_level_name(s->trust),
	     res->key_changed ? " (new identity key accepted)"
	     : res->new_peer  ? " (first contact)"
			      : "");
	diag(DIAG_NOTE, "flags: %s", flags);
	print_credential(res);
	diag(DIAG_NOTE, "retained-secret: %s",
	     res->rs_mismatch  ? "mismatch (accepted)"
	     : res->rs_matched ? "matched"
			       : "none");
	if (res->rs_mismatch)
		diag(DIAG_WARNING,
		     "warning: retained secret mismatch with %s: the session is marked rs-reset "
		     "until verified (xe2e-verify-sas)",
		     res->peer_bare);
	diag(DIAG_NOTE, "handshake: %s %s%s%s", hsnego_pattern_name(res->pattern),
	     hsnego_suite_name(res->suite), res->swapped ? ", roles swapped" : "",
	     res->retries ? ", after a retry" : "");
	diag(DIAG_NOTE, "session: %s%s", id,
	     s->pending ? " (pending until the peer's first message)" : "");
}

/* What the user can do after a failure that has a remedy (always shown,
 * --quiet or not: it belongs to the error). */
static void print_next_steps(const struct run *r)
{
	const char *peer = handshake_run_peer(r->hs);

	switch (handshake_run_failure(r->hs)) {
	case HS_FAIL_RS_MISMATCH:
		diag(DIAG_ERROR,
		     "what now: ask %s, by another channel than this one, whether it "
		     "lost its state (a restore, or xe2e-trustdb forget); if so, run the "
		     "handshake again with --accept-rs-reset, then compare the SAS with "
		     "xe2e-verify-sas; if not, someone else may hold its keys",
		     peer);
		break;
	case HS_FAIL_PEER_RS_MISMATCH:
		diag(DIAG_ERROR,
		     "what now: tell %s, by another channel than this one, that "
		     "this side lost its state; once it has checked, it runs the handshake again "
		     "with --accept-rs-reset, then you both compare the SAS with "
		     "xe2e-verify-sas",
		     peer);
		break;
	case HS_FAIL_BOTH_INITIATORS:
		diag(DIAG_ERROR,
		     "what now: run it again, one side with --to %s, the other "
		     "with --respond",
		     peer);
		break;
	default:
		break;
	}
}

/* The run failed with err: the abort goes out first when the run gave one
 * (aborted), then the error and what to do about it. */
static int fail(struct run *r, int err, int aborted)
{
	const char *peer;
	char detail[512];
	int status;

	alarm(0);
	snprintf(detail, sizeof(detail), "%s", err_detail());
	if (aborted)
		send_out(r);
	err_detail_set("%s", detail);
	peer = handshake_run_peer(r->hs);
	if (*peer)
		status = err_report(err, "handshake with %s failed", peer);
	else
		status = err_report(err, "handshake failed");
	print_next_steps(r);
	return status;
}

/* ---- the loop ---- */

static int next_stanza(struct run *r, struct xml_node **stanza)
{
	int err;

	arm_timeout(r);
	err = xml_reader_next(r->reader, stanza);
	alarm(0);
	if (err != XE2E_E_EOF)
		return err;
	/* The end of this side's input is its own connection's doing (a
	 * closed pipe, a failed login), never something the peer proved. */
	err_detail_set("the input ended before the handshake completed");
	return XE2E_E_EOF;
}

/* Takes the next stanza; *done once the session is stored. Returns the
 * exit status of a failure, else 0. */
static int step(struct run *r, int *done)
{
	struct xml_node *stanza = NULL;
	int err = next_stanza(r, &stanza);

	if (err)
		return fail(r, err, 0);
	/* An interruption waits until the stanza is taken, and, when it
	 * completed the handshake, until the end. */
	hold_signals(1);
	err = handshake_run_feed(r->hs, stanza, &r->out);
	show_in(r, stanza);
	xml_free(stanza);
	if (err)
		return fail(r, err, 1);
	*done = r->out.event == HANDSHAKE_RUN_DONE;
	if (*done)
		print_outcome(r);
	else
		hold_signals(0);
	err = send_out(r);
	return err ? fail(r, err, 0) : XE2E_EXIT_OK;
}

static int loop(struct run *r)
{
	int done = 0, status = XE2E_EXIT_OK;

	while (!status && !done)
		status = step(r, &done);
	return status;
}

/* ---- set-up ---- */

static int load_identity(struct run *r, uint64_t now)
{
	struct passphrase pp;
	int err, status = cli_passphrase_init(&pp, r->opt.passphrase_file,
					      r->opt.passphrase_prompt);

	if (status)
		return status;
	err = identity_load(&r->id, IDENTITY_LOAD_DEVICE_KEY, &pp, now);
	passphrase_wipe(&pp);
	if (err)
		return err_report(err, "cannot load the local identity (made by xe2e-keygen)");
	if ((r->opt.hs_options & HS_OPT_SEND_CHAIN) &&
	    handshake_credential_kind(&r->id) == HS_CRED_KIND_KEY) {
		err_detail_set("this identity has no CA-issued certificate or OpenPGP credential "
			       "to send (%s)", err_advice(ERR_ADVICE_INSTALL_CREDENTIAL));
		return err_report(XE2E_E_NOTFOUND, "--send-credential");
	}
	return XE2E_EXIT_OK;
}

static int new_run(struct run *r, const struct hs_lists *lists, uint64_t now)
{
	struct handshake_run_config cfg = {
		.initiator = !r->opt.respond,
		.self = &r->id,
		.resource = r->opt.resource,
		.peer = r->opt.respond ? r->opt.from : r->opt.to,
		.lists = *lists,
		.options = r->opt.hs_options,
		.now = now,
	};
	enum handshake_run_stage stage;
	int err = handshake_run_new(&r->hs, &cfg, &stage);

	if (!err)
		return XE2E_EXIT_OK;
	switch (stage) {
	case HANDSHAKE_RUN_STAGE_TRUST:
		return err_report(err, "cannot read the trust store");
	case HANDSHAKE_RUN_STAGE_RS:
		return err_report(err, "cannot read the retained secrets");
	case HANDSHAKE_RUN_STAGE_RESOURCE:
		return err_report(err, "bad --resource '%s'", r->opt.resource);
	default:
		return err_report(err, "cannot start: bad JID '%s'", cfg.peer ? cfg.peer : "");
	}
}

static int set_up(struct run *r, const struct hs_lists *lists, uint64_t now)
{
	int status = load_identity(r, now);

	if (!status)
		status = new_run(r, lists, now);
	if (status)
		return status;
	hstrace_init(&r->trace, lists);
	if (handshake_credential_kind(&r->id) != HS_CRED_KIND_KEY)
		hstrace_own_credential(&r->trace, handshake_credential_len(&r->id));
	trace_self(r);
	if (xml_reader_new(&r->reader, STDIN_FILENO, XML_READ_EXACT, NULL))
		return err_report(XE2E_E_NOMEM, "cannot read standard input");
	/* From here on (past any passphrase prompt) an interruption is
	 * reported; arm_timeout() names the peer once known. */
	set_interrupt_text("");
	signal(SIGINT, on_interrupt);
	signal(SIGTERM, on_interrupt);
	trace_peer(r, r->opt.respond ? r->opt.from : r->opt.to);
	return XE2E_EXIT_OK;
}

static int start(struct run *r)
{
	int err = handshake_run_start(r->hs, &r->out);

	if (!err)
		err = send_out(r);
	return err ? err_report(err, "cannot start the handshake with %s", r->opt.to)
		   : XE2E_EXIT_OK;
}

static void print_stats(const struct run *r)
{
	if (r->opt.stats || r->opt.verbose)
		diag(DIAG_ERROR, "stanzas sent %lu, bytes sent %lu, stanzas received %lu", r->sent,
		     r->sent_bytes, r->received);
}

static void cleanup(struct run *r)
{
	handshake_run_out_free(&r->out);
	handshake_run_free(r->hs);
	xml_reader_free(r->reader);
	identity_free(&r->id);
}

int main(int argc, char **argv)
{
	struct run r;
	struct hs_lists lists;
	uint64_t now = (uint64_t)time(NULL);
	int status, done = 0;

	memset(&r, 0, sizeof(r));
	r.id = (struct identity)IDENTITY_INIT;
	r.out = (struct handshake_run_out)HANDSHAKE_RUN_OUT_INIT;
	r.opt.timeout = 60;
	err_set_progname(argv[0]);
	status = parse_args(argc, argv, &r.opt, &lists, &done);
	if (status || done)
		return status;
	diag_set_verbosity(r.opt.quiet, r.opt.verbose);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	status = set_up(&r, &lists, now);
	if (!status)
		status = start(&r);
	if (!status)
		status = loop(&r);
	print_stats(&r);
	cleanup(&r);
	return status;
}
