/*
 * xe2e-verify-sas: verifies the peer of an established session, by a short
 * authentication string both people compare or by a secret both know,
 * over sealed control stanzas on standard input and output. See
 * xe2e-verify-sas(1) and xe2e(7).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "failures.h"
#include "jid.h"
#include "prompt.h"
#include "sas.h"
#include "session.h"
#include "trust.h"
#include "util.h"
#include "verify_run.h"
#include "xml.h"

#define TIMEOUT_DEFAULT 300u

static const char usage_text[] =
	"usage: xe2e-verify-sas --peer JID [--expect CODE | --print] [options]\n"
	"       xe2e-verify-sas --peer JID --secret | --secret-file FILE [options]\n"
	"       xe2e-verify-sas --help | --version\n";

static const char help_text[] =
	"Verifies the peer of the current session with JID, over sealed control\n"
	"stanzas on stdin and stdout: both people compare a short authentication\n"
	"string (SAS), or both sides prove they know the same secret (SPAKE2).\n"
	"\n"
	"  --peer JID           the peer whose current session is verified\n"
	"  --expect CODE        compare the SAS with CODE instead of asking\n"
	"  --expect-file FILE   compare it with the first line of FILE, read once the\n"
	"                       SAS is known (FILE may be a FIFO)\n"
	"  --print              only show the SAS; record nothing\n"
	"  --sas-file FILE      also write the SAS to FILE\n"
	"  --secret             verify with a shared secret, asked on the terminal\n"
	"  --secret-file FILE   verify with the shared secret on FILE's first line\n"
	"  --resource R         own full JID (JID/R) in 'from'\n"
	"  --timeout SECONDS    wait at most this long for each stanza (300)\n"
	"  --quiet              only the SAS and errors on stderr\n"
	"  --trace              show the session and each control message's fields\n"
	"  --help               show this help\n"
	"  --version            show the version\n"
	"\n"
	"Exit status: 0 verified (or shown), 1 error, 2 usage, 3 mismatch, secrets\n"
	"differ, refused or aborted. See xe2e-verify-sas(1).\n";

struct options {
	const char *peer;
	const char *expect;
	const char *expect_file;
	int print;
	const char *sas_file;
	int secret;
	const char *secret_file;
	const char *resource;
	unsigned timeout;
	int quiet;
	int trace;
};

enum {
	OPT_PEER = 256,
	OPT_EXPECT,
	OPT_EXPECT_FILE,
	OPT_PRINT,
	OPT_SAS_FILE,
	OPT_SECRET,
	OPT_SECRET_FILE,
	OPT_RESOURCE,
	OPT_TIMEOUT,
	OPT_QUIET,
	OPT_TRACE,
};

static const struct option long_options[] = {
	{"peer", required_argument, NULL, OPT_PEER},
	{"expect", required_argument, NULL, OPT_EXPECT},
	{"expect-file", required_argument, NULL, OPT_EXPECT_FILE},
	{"print", no_argument, NULL, OPT_PRINT},
	{"sas-file", required_argument, NULL, OPT_SAS_FILE},
	{"secret", no_argument, NULL, OPT_SECRET},
	{"secret-file", required_argument, NULL, OPT_SECRET_FILE},
	{"resource", required_argument, NULL, OPT_RESOURCE},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"quiet", no_argument, NULL, OPT_QUIET},
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
	case OPT_PEER: o->peer = optarg; return 0;
	case OPT_EXPECT: o->expect = optarg; return 0;
	case OPT_EXPECT_FILE: o->expect_file = optarg; return 0;
	case OPT_PRINT: o->print = 1; return 0;
	case OPT_SAS_FILE: o->sas_file = optarg; return 0;
	case OPT_SECRET: o->secret = 1; return 0;
	case OPT_SECRET_FILE: o->secret_file = optarg; return 0;
	case OPT_RESOURCE: o->resource = optarg; return 0;
	case OPT_TIMEOUT: return cli_seconds_arg("--timeout", optarg, 1, &o->timeout);
	case OPT_QUIET: o->quiet = 1; return 0;
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

static int check_options(const struct options *o)
{
	uint8_t code[SAS_CODE_LEN];

	if (!o->peer || !*o->peer)
		return err_usage("--peer JID is needed");
	if (o->quiet && o->trace)
		return err_usage("--quiet and --trace exclude each other");
	if (!!o->expect + !!o->expect_file + !!o->print > 1)
		return err_usage("--expect, --expect-file and --print exclude each other");
	if (o->secret && o->secret_file)
		return err_usage("--secret and --secret-file exclude each other");
	if ((o->secret || o->secret_file) && (o->expect || o->expect_file || o->print || o->sas_file))
		return err_usage("a shared-secret run has no SAS: --expect, --expect-file, --print "
				 "and --sas-file go without --secret and --secret-file");
	if (o->expect && sas_parse(o->expect, code))
		return err_usage("--expect needs a code of 8 symbols, such as K7M2-X9QP");
	return XE2E_EXIT_OK;
}

/* The exit status; *done when the run is over (--help, --version). */
static int parse_args(int argc, char **argv, struct options *o, int *done)
{
	int status;

	o->timeout = TIMEOUT_DEFAULT;
	status = cli_parse(argc, argv, &cli_spec, o, done);
	if (status || *done)
		return status;
	return check_options(o);
}

/* ---- the run ---- */

struct run {
	struct options opt;
	enum verify_method method;
	struct verify_run *vr;
	struct verify_run_out out;
	struct xml_reader *reader;
};

static uint64_t now_s(void)
{
	return (uint64_t)time(NULL);
}

/* The peer's bare JID, as the run's session names it. */
static const char *peer_jid(const struct run *r)
{
	return verify_run_peer(r->vr)->jid;
}

/* ---- timeouts: the alarm ends the input, so the reader stops ---- */

static volatile sig_atomic_t timed_out;

static void on_alarm(int sig)
{
	int fd = open("/dev/null", O_RDONLY);

	(void)sig;
	timed_out = 1;
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
}

static void alarm_setup(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
}

/* ---- --trace: what each control message says, never a secret ---- */

/* The session of the run and both identities (all public). */
static void trace_session(const struct run *r)
{
	const struct verify_peer *p = verify_run_peer(r->vr);
	char id[SESSION_ID_TEXT_LEN], peer[FINGERPRINT_TEXT_LEN], self[FINGERPRINT_TEXT_LEN];

	if (!r->opt.trace)
		return;
	session_id_format(p->session_id, id);
	fingerprint_format(p->fpr, peer);
	fingerprint_format(p->self_fpr, self);
	diag(DIAG_ERROR,
	     "trace: %s run in session %s (%s, this side the Noise %s), with %s, "
	     "device %08x, identity %s; this side's identity %s",
	     verify_method_name(r->method), id, p->state == SESSION_PENDING ? "pending" : "active",
	     p->role == SESSION_INITIATOR ? "initiator" : "responder", p->device_jid,
	     (unsigned)p->device_id, peer, self);
}

/* One control message sent or received: method, step, size, answer,
 * reason. The bytes themselves (commitments, nonces, shares) are not
 * shown. */
static void trace_msg(const struct run *r, int sent, const struct verify_msg *m)
{
	const char *method = verify_method_name(m->method), *step = verify_step_name(m->step);
	const char *answer = verify_answer_name(m->answer), *reason = verify_reason_name(m->reason);

	if (!r->opt.trace)
		return;
	diag(DIAG_ERROR, "trace: %s %s %s, %zu bytes%s%s%s%s", sent ? "sent" : "received",
	     method ? method : "-", step ? step : "?", m->len, answer ? "; answer " : "",
	     answer ? answer : "", reason ? "; reason " : "", reason ? reason : "");
}

/* ---- stanzas ---- */

/* Writes the stanza the run gave to send, if any. */
static int send_out(struct run *r)
{
	if (!r->out.stanza)
		return XE2E_OK;
	trace_msg(r, 1, r->out.sent);
	return xml_write_stanza(STDOUT_FILENO, r->out.stanza);
}

static int read_stanza(struct run *r, struct xml_node **stanza)
{
	int err;

	*stanza = NULL;
	alarm(r->opt.timeout);
	err = xml_reader_next(r->reader, stanza);
	alarm(0);
	if (timed_out) {
		xml_free(*stanza);
		*stanza = NULL;
		err_detail_set("no answer from %s within %u s", peer_jid(r), r->opt.timeout);
		return XE2E_E_TIMEOUT;
	}
	if (err == XE2E_E_EOF)
		err_detail_set("the input ended before the run did");
	return err;
}

/* What the run made of a stanza it was fed, for the person watching. */
static void show_in(const struct run *r)
{
	const struct verify_run_out *o = &r->out;
	char hex[SESSION_ID_TEXT_LEN];

	if (o->switched) {
		session_id_format(verify_run_peer(r->vr)->session_id, hex);
		diag(DIAG_NOTE,
		     "the run uses the new session %s, which %s's first stanza confirmed", hex,
		     peer_jid(r));
		trace_session(r);
	}
	if (o->received)
		trace_msg(r, 0, o->received);
	if (o->event == VERIFY_RUN_SKIPPED_BAD) {
		diag(DIAG_WARNING, "warning: skipped a stanza from %s: %s%s%s", peer_jid(r),
		     err_str(o->skipped), *err_detail() ? ": " : "", err_detail());
		err_detail_clear();
	}
}

/* ---- failures ---- */

/* The input ended in the middle of the run: counted as the run's policy
 * says, and reported. The end of input and a timeout are status 3,
 * broken input status 1. */
static int input_ended(struct run *r, int err)
{
	struct verify_run_ended ended;
	char detail[512];
	int status;

	snprintf(detail, sizeof(detail), "%s", err_detail());
	verify_run_input_ended(r->vr, &ended);
	if (ended.aborts_counted)
		diag(DIAG_ERROR,
		     "%u aborted verification run%s with %s; each is another chance "
		     "for an attacker",
		     ended.aborts, ended.aborts == 1 ? "" : "s", peer_jid(r));
	if (ended.failure_counted)
		diag(DIAG_ERROR,
		     "the aborted run counts as a failed shared-secret run with %s: "
		     "%u of %u",
		     peer_jid(r), ended.failures, FAILURES_LIMIT);
	err_detail_set("%s", detail);
	status = err_report(err, "the verification with %s was aborted", peer_jid(r));
	return err == XE2E_E_EOF || err == XE2E_E_TIMEOUT ? XE2E_EXIT_TRUST : status;
}

/* A failure of the run itself: the abort the run gave (if any) goes out
 * first. */
static int failed(struct run *r, int err)
{
	char detail[512];

	if (r->out.peer_limit) {
		err_detail_set("%s has had too many failed shared-secret runs with this side",
			       peer_jid(r));
		return err_report(err, "refused by %s", peer_jid(r));
	}
	snprintf(detail, sizeof(detail), "%s", err_detail());
	send_out(r);
	err_detail_set("%s", detail);
	return err_report(err, "the verification with %s failed", peer_jid(r));
}

/* After a step of the run that gave err: the stanza it gave to send, or
 * the failure. The exit status. */
static int send_unless(struct run *r, int err)
{
	if (!err)
		err = send_out(r);
	return err ? failed(r, err) : XE2E_EXIT_OK;
}

/* This side failed mid-run: the peer is told, then the error. */
static int local_failure(struct run *r, int err)
{
	verify_run_abort(r->vr, now_s(), &r->out);
	return failed(r, err);
}

/* ---- files and the terminal ---- */

static int write_sas_file(const char *path, const char *code)
{
	char line[SAS_TEXT_LEN + 1];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	size_t n = (size_t)snprintf(line, sizeof(line), "%s\n", code);
	int ok = fd >= 0 && write(fd, line, n) == (ssize_t)n;

	if (fd >= 0 && close(fd) != 0)
		ok = 0;
	if (!ok)
		err_detail_set("%s: %s", path, strerror(errno));
	return ok ? XE2E_OK : XE2E_E_IO;
}

/* The first line of FILE (without its end) into out, NUL-terminated: a
 * FIFO works too. XE2E_E_LIMIT when it does not fit; out is wiped on
 * failure. */
static int read_first_line(const char *path, char *out, size_t cap, size_t *len)
{
	size_t n = 0;
	ssize_t got = 1;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = XE2E_OK;

	if (fd < 0) {
		err_detail_set("%s: %s", path, strerror(errno));
		return XE2E_E_IO;
	}
	while (n + 1 < cap && got > 0 && !memchr(out, '\n', n)) {
		got = read(fd, out + n, cap - 1 - n);
		if (got > 0)
			n += (size_t)got;
		else if (got < 0 && errno == EINTR)
			got = 1;
	}
	if (got < 0) {
		err_detail_set("%s: %s", path, strerror(errno));
		err = XE2E_E_IO;
	} else if (!memchr(out, '\n', n) && n + 1 >= cap) {
		err_detail_set("%s: the first line is longer than %zu bytes", path, cap - 2);
		err = XE2E_E_LIMIT;
	}
	close(fd);
	out[n] = '\0';
	*len = strcspn(out, "\r\n");
	out[*len] = '\0';
	if (err)
		wipe(out, cap);
	return err;
}

static int no_tty(void)
{
	err_detail_set("no terminal to ask on (/dev/tty): use --expect CODE, --print or "
		       "--secret-file FILE");
	return XE2E_E_NOTFOUND;
}

/* Asks whether the peer reads the same code; says then that the peer's
 * answer is awaited, lest a second "yes" be typed to the shell. */
static int confirm_on_tty(const char *peer, const char *code, enum verify_answer *answer)
{
	char question[512], then[256];
	int yes = 0, err;

	snprintf(question, sizeof(question), "Does %.200s read the same code, %s? [yes/no] ",
		 peer, code);
	snprintf(then, sizeof(then), "Waiting for %.200s to answer...", peer);
	err = prompt_yes_no(question, then, &yes);
	if (err == XE2E_E_NOTFOUND)
		return no_tty();
	*answer = yes ? VERIFY_ANSWER_YES : VERIFY_ANSWER_NO;
	return err;
}

/* The shared secret, typed with echo off: never empty. */
static int secret_on_tty(const char *prompt, char *out, size_t cap, size_t *len)
{
	int err = prompt_secret(prompt, out, cap, len);

	if (err == XE2E_E_NOTFOUND)
		return no_tty();
	if (!err && *len == 0)
		err = XE2E_E_MALFORMED;
	if (err == XE2E_E_LIMIT)
		err_detail_set("the secret is too long");
	else if (err == XE2E_E_EOF)
		err_detail_set("the terminal closed before the secret was given");
	else if (err)
		err_detail_set("an empty secret");
	return err;
}

/* ---- SAS ---- */

/* This side's answer to the code, from --print, --expect, --expect-file or
 * the terminal, given to the run. *local when the answer could not be had
 * (the run is then still waiting for it). */
static int sas_answer(struct run *r, const char *code, int *local)
{
	char typed[SAS_INPUT_MAX + 2];
	enum verify_answer answer;
	size_t len;
	int err;

	*local = 1;
	if (r->opt.print) {
		*local = 0;
		return verify_run_answer(r->vr, VERIFY_ANSWER_UNCHECKED, VERIFY_REASON_NONE, now_s(),
					 &r->out);
	}
	if (r->opt.expect_file &&
	    (err = read_first_line(r->opt.expect_file, typed, sizeof(typed), &len)))
		return err;
	if (r->opt.expect || r->opt.expect_file) {
		err = verify_run_answer_code(r->vr, r->opt.expect ? r->opt.expect : typed, now_s(),
					     &r->out);
		*local = err && !r->out.over;
		if (err == XE2E_E_MALFORMED && *local)
			err_detail_set("%s does not hold a code of 8 symbols", r->opt.expect_file);
		return err;
	}
	err = confirm_on_tty(peer_jid(r), code, &answer);
	*local = err && err != XE2E_E_EOF;
	if (*local)
		return err;
	*local = 0;
	if (err == XE2E_E_EOF)
		return verify_run_answer(r->vr, VERIFY_ANSWER_UNCHECKED, VERIFY_REASON_CANCELLED,
					 now_s(), &r->out);
	return verify_run_answer(r->vr, answer, VERIFY_REASON_NONE, now_s(), &r->out);
}

/* The code is known: show it, get this side's answer, send it. */
static int sas_decide(struct run *r)
{
	char code[SAS_TEXT_LEN];
	int local = 1, err = XE2E_OK;

	memcpy(code, r->out.code, sizeof(code));
	diag(DIAG_ERROR, "SAS: %s", code);
	if (r->opt.sas_file)
		err = write_sas_file(r->opt.sas_file, code);
	if (!err)
		err = sas_answer(r, code, &local);
	if (err && local)
		return local_failure(r, err); /* the peer stops too */
	return send_unless(r, err);
}

/* ---- the exchange ---- */

/* Takes the next stanza and sends what the run answers; 0 to go on, or the
 * exit status of a failure. */
static int step(struct run *r)
{
	struct xml_node *stanza = NULL;
	int err = read_stanza(r, &stanza);

	if (err)
		return input_ended(r, err);
	err = verify_run_feed(r->vr, stanza, now_s(), &r->out);
	xml_free(stanza);
	show_in(r);
	if (err)
		return failed(r, err);
	if ((err = send_out(r))) {
		verify_run_out_free(&r->out);
		return failed(r, err);
	}
	return r->out.event == VERIFY_RUN_SAS ? sas_decide(r) : XE2E_EXIT_OK;
}

static int exchange(struct run *r)
{
	int status = XE2E_EXIT_OK;

	while (!status && !r->out.over)
		status = step(r);
	return status;
}

/* ---- the outcome ---- */

static int print_match(const struct run *r, const struct verify_run_record *rec)
{
	const struct verify_peer *p = verify_run_peer(r->vr);
	char fpr[FINGERPRINT_TEXT_LEN];

	if (rec->match_err) {
		err_detail_set("%s", rec->match_detail);
		return err_report(rec->match_err, "cannot record %s as verified", p->jid);
	}
	fingerprint_format(p->fpr, fpr);
	diag(DIAG_NOTE, "verified: %s, identity %s, is now %s", p->jid, fpr,
	     trust_level_name(rec->level));
	if (rec->rs_reset_cleared)
		diag(DIAG_NOTE, "rs-reset cleared: the retained secret of this session is kept");
	return XE2E_EXIT_OK;
}

static void mismatch_explain(const struct run *r, enum verify_run_mismatch why)
{
	const char *peer = peer_jid(r);

	switch (why) {
	case VERIFY_RUN_MISMATCH_FORGED:
		diag(DIAG_ERROR,
		     "the reveal of %s does not match its commitment: possible "
		     "attack",
		     peer);
		break;
	case VERIFY_RUN_MISMATCH_LOCAL: diag(DIAG_ERROR, "the codes differ"); break;
	case VERIFY_RUN_MISMATCH_PEER_FORGED:
		diag(DIAG_ERROR,
		     "%s found that the reveal did not match the commitment: "
		     "possible attack",
		     peer);
		break;
	default: diag(DIAG_ERROR, "%s reports that the codes differ", peer); break;
	}
}

static int print_mismatch(const struct run *r, const struct verify_run_record *rec)
{
	mismatch_explain(r, rec->mismatch);
	diag(DIAG_ERROR, "someone may be intercepting this session: do not trust it; %s%s",
	     peer_jid(r),
	     !rec->mismatch_recorded ? " is not marked (--print)"
	     : rec->mismatch_err     ? " could not be marked mismatch"
				     : " is marked mismatch");
	if (rec->mismatch_err) {
		err_detail_set("%s", rec->mismatch_detail);
		err_report(rec->mismatch_err, "cannot record the mismatch with %s", peer_jid(r));
	}
	return XE2E_EXIT_TRUST;
}

static int sas_finish(const struct run *r, const struct verify_run_record *rec)
{
	switch (rec->outcome) {
	case VERIFY_OUTCOME_MATCH:
		return print_match(r, rec);
	case VERIFY_OUTCOME_MISMATCH:
		return print_mismatch(r, rec);
	case VERIFY_OUTCOME_REFUSED:
		diag(DIAG_ERROR, "%s reports that the codes differ; nothing recorded here",
		     peer_jid(r));
		return XE2E_EXIT_TRUST;
	default:
		break;
	}
	if (rec->no_answer) {
		err_detail_set("no answer was given");
		return err_report(XE2E_E_EOF, "nothing recorded for %s", peer_jid(r));
	}
	diag(DIAG_NOTE, "not compared here: nothing recorded");
	return XE2E_EXIT_OK;
}

/* The key in the session's ratchet: 0, or the exit status of a failure. */
static int print_ratchet_mix(const struct run *r, const struct verify_run_record *rec)
{
	if (rec->mix_err == XE2E_E_STATE && rec->mix_step)
		diag(DIAG_ERROR,
		     "other stanzas moved the session with %s on during the run: "
		     "if the peer mixed the secret in at root step %llu, the session fails from "
		     "that step on; run a new handshake",
		     peer_jid(r), (unsigned long long)rec->mix_step);
	if (rec->mix_err) {
		err_detail_set("%s", rec->mix_detail);
		return err_report(rec->mix_err,
				  "cannot mix the shared secret into the session's keys");
	}
	diag(DIAG_NOTE, "the shared secret goes into the session's keys at root step %llu",
	     (unsigned long long)rec->mix_step);
	return XE2E_EXIT_OK;
}

static int spake2_success(const struct run *r, const struct verify_run_record *rec)
{
	int mixed = print_ratchet_mix(r, rec), status = print_match(r, rec);

	if (rec->rs_mix_done && rec->rs_mix_err == XE2E_E_NOTFOUND) {
		diag(DIAG_NOTE,
		     "no retained secret with this device to mix the shared secret into");
	} else if (rec->rs_mix_done && rec->rs_mix_err) {
		err_detail_set("%s", rec->rs_mix_detail);
		status = err_report(rec->rs_mix_err,
				    "cannot mix the shared secret into the retained secret");
	} else if (rec->rs_mix_done) {
		diag(DIAG_NOTE, "the shared secret now also protects the next handshakes");
	}
	return status == XE2E_EXIT_OK ? mixed : status;
}

static int spake2_finish(const struct run *r, const struct verify_run_record *rec)
{
	switch (rec->outcome) {
	case VERIFY_OUTCOME_MATCH:
		return spake2_success(r, rec);
	case VERIFY_OUTCOME_FAILED:
		diag(DIAG_ERROR,
		     "the shared secrets differ: a typing error, or someone may be "
		     "intercepting this session (possible attack); failed runs with %s: %u of "
		     "%u",
		     peer_jid(r), rec->failures, FAILURES_LIMIT);
		return XE2E_EXIT_TRUST;
	default:
		err_detail_set("the run ended without an outcome");
		return err_report(XE2E_E_STATE, "the verification with %s failed", peer_jid(r));
	}
}

static int finish(struct run *r)
{
	struct verify_run_record rec;
	int status;

	verify_run_record(r->vr, &rec);
	status = r->method == VERIFY_SAS ? sas_finish(r, &rec) : spake2_finish(r, &rec);
	wipe(&rec, sizeof(rec));
	return status;
}

/* ---- starting ---- */

static int start_sas(struct run *r)
{
	unsigned n;
	int err = verify_run_start(r->vr, now_s(), &r->out);

	n = r->out.earlier_aborts;
	if (n)
		diag(DIAG_NOTE,
		     "note: %u earlier verification run%s with %s %s aborted; each was another "
		     "chance for an attacker",
		     n, n == 1 ? "" : "s", peer_jid(r), n == 1 ? "was" : "were");
	return send_unless(r, err);
}

/* Too many failed runs: say so, tell the peer (at once, or in answer to
 * its first control stanza), stop. */
static int refuse_limit(struct run *r)
{
	struct xml_node *stanza = NULL;

	diag(DIAG_ERROR,
	     "%u failed shared-secret runs with %s: refused until "
	     "'xe2e-trustdb reset-failures %s'",
	     r->out.failures, peer_jid(r), peer_jid(r));
	while (!r->out.over && read_stanza(r, &stanza) == XE2E_OK) {
		verify_run_feed(r->vr, stanza, now_s(), &r->out);
		xml_free(stanza);
		show_in(r);
	}
	send_out(r);
	return XE2E_EXIT_TRUST;
}

struct secret {
	char text[VERIFY_RUN_SECRET_MAX + 2]; /* the line's end read too */
	size_t len;
};

static int secret_get(const struct run *r, struct secret *s)
{
	char prompt[300];
	int err;

	if (!r->opt.secret_file) {
		snprintf(prompt, sizeof(prompt), "Shared secret with %.200s: ", peer_jid(r));
		return secret_on_tty(prompt, s->text, sizeof(s->text), &s->len);
	}
	err = read_first_line(r->opt.secret_file, s->text, sizeof(s->text), &s->len);
	if (!err && s->len == 0) {
		err_detail_set("%s: the first line is empty", r->opt.secret_file);
		err = XE2E_E_MALFORMED;
	}
	return err;
}

static int start_spake2(struct run *r)
{
	struct secret s;
	int err = verify_run_start(r->vr, now_s(), &r->out);

	if (err)
		return err_report(err, "cannot read the failed runs with %s", peer_jid(r));
	if (r->out.event == VERIFY_RUN_LIMIT)
		return refuse_limit(r);
	memset(&s, 0, sizeof(s));
	err = secret_get(r, &s);
	if (err) {
		wipe(&s, sizeof(s));
		return err_report(err, "cannot read the shared secret");
	}
	err = verify_run_secret(r->vr, s.text, s.len, now_s(), &r->out);
	wipe(&s, sizeof(s));
	return send_unless(r, err);
}

/* ---- set-up ---- */

static int tty_available(void)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

static int set_up(struct run *r)
{
	struct verify_run_config cfg = {
		.peer = r->opt.peer,
		.resource = r->opt.resource,
		.method = r->method,
		.show_only = r->opt.print,
	};
	enum verify_run_stage stage;
	char bare[JID_MAX + 1];
	int err;

	if (!r->opt.expect && !r->opt.expect_file && !r->opt.print && !r->opt.secret_file &&
	    !tty_available())
		return err_usage("no terminal to ask on: use --expect CODE, --print or "
				 "--secret-file FILE");
	err = verify_run_new(&r->vr, &cfg, &stage);
	if (err && stage == VERIFY_RUN_STAGE_PEER)
		return err_report(err, "cannot verify %s", r->opt.peer);
	if (err)
		return err_report(err, "cannot use the session with %s",
				  jid_normalize_bare(r->opt.peer, bare) ? r->opt.peer : bare);
	if (xml_reader_new(&r->reader, STDIN_FILENO, XML_READ_EXACT, NULL))
		return err_report(XE2E_E_NOMEM, "cannot read standard input");
	trace_session(r);
	return XE2E_EXIT_OK;
}

static int run(struct run *r)
{
	int status = set_up(r);

	if (!status)
		status = r->method == VERIFY_SAS ? start_sas(r) : start_spake2(r);
	if (!status && !r->out.over)
		status = exchange(r);
	if (!status)
		status = finish(r);
	return status;
}

int main(int argc, char **argv)
{
	struct run r;
	int status, done = 0;

	memset(&r, 0, sizeof(r));
	err_set_progname(argv[0]);
	status = parse_args(argc, argv, &r.opt, &done);
	if (status || done)
		return status;
	diag_set_verbosity(r.opt.quiet, 0);
	signal(SIGPIPE, SIG_IGN);
	alarm_setup();
	r.method = r.opt.secret || r.opt.secret_file ? VERIFY_SPAKE2 : VERIFY_SAS;
	status = run(&r);
	verify_run_out_free(&r.out);
	if (verify_run_free(r.vr) && status == XE2E_EXIT_OK)
		status = err_report(XE2E_E_IO, "cannot give back unused message numbers");
	xml_reader_free(r.reader);
	return status;
}
