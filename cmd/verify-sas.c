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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "channel.h"
#include "cli.h"
#include "err.h"
#include "failures.h"
#include "prompt.h"
#include "sas.h"
#include "session.h"
#include "spake2.h"
#include "trust.h"
#include "util.h"
#include "verify.h"
#include "verify_msg.h"
#include "verify_record.h"
#include "verify_sas.h"
#include "verify_spake2.h"
#include "verify_wire.h"
#include "xml.h"

#define TIMEOUT_DEFAULT 300u
#define SECRET_MAX 1024 /* bytes of a shared secret */

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

/* Returns -1 to go on, or the exit status. */
static int parse_option(void *ctx, int c)
{
	struct options *o = ctx;

	switch (c) {
	case OPT_PEER: o->peer = optarg; return -1;
	case OPT_EXPECT: o->expect = optarg; return -1;
	case OPT_EXPECT_FILE: o->expect_file = optarg; return -1;
	case OPT_PRINT: o->print = 1; return -1;
	case OPT_SAS_FILE: o->sas_file = optarg; return -1;
	case OPT_SECRET: o->secret = 1; return -1;
	case OPT_SECRET_FILE: o->secret_file = optarg; return -1;
	case OPT_RESOURCE: o->resource = optarg; return -1;
	case OPT_TIMEOUT: return cli_seconds("--timeout", optarg, 1, &o->timeout);
	case OPT_QUIET: o->quiet = 1; return -1;
	case OPT_TRACE: o->trace = 1; return -1;
	case 'h':
		fputs(usage_text, stdout);
		fputs(help_text, stdout);
		return XE2E_EXIT_OK;
	default:
		return err_usage("unknown option");
	}
}

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
	return -1;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	int status;

	o->timeout = TIMEOUT_DEFAULT;
	status = cli_options(argc, argv, long_options, parse_option, o);
	if (status >= 0)
		return status;
	if (optind < argc)
		return err_usage("unexpected argument '%s'", argv[optind]);
	return check_options(o);
}

/* ---- the run ---- */

struct run {
	struct options opt;
	struct verify_peer peer;
	struct verify_wire wire;
	struct xml_reader *reader;
	enum verify_method method;
	int started; /* a control stanza went out or came in */
	int counted; /* a shared-secret run was counted as failed */
	int switched; /* the peer's first stanza moved the run to a pending session */
	int input_ended; /* reading failed: the input ended, broke or went silent */
};

static void note(const struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(const struct run *r, const char *fmt, ...)
{
	va_list ap;

	if (r->opt.quiet)
		return;
	fprintf(stderr, "%s: ", err_progname());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static uint64_t now_s(void)
{
	return (uint64_t)time(NULL);
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
	char id[SESSION_ID_TEXT_LEN], peer[FINGERPRINT_TEXT_LEN], self[FINGERPRINT_TEXT_LEN];

	if (!r->opt.trace)
		return;
	session_id_format(r->peer.session_id, id);
	fingerprint_format(r->peer.fpr, peer);
	fingerprint_format(r->peer.self_fpr, self);
	fprintf(stderr, "%s: trace: %s run in session %s (%s, this side the Noise %s), with %s, "
		"device %08x, identity %s; this side's identity %s\n", err_progname(),
		verify_method_name(r->method), id,
		r->peer.state == SESSION_PENDING ? "pending" : "active",
		r->peer.role == SESSION_INITIATOR ? "initiator" : "responder", r->peer.device_jid,
		(unsigned)r->peer.device_id, peer, self);
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
	fprintf(stderr, "%s: trace: %s %s %s, %zu bytes%s%s%s%s\n", err_progname(),
		sent ? "sent" : "received", method ? method : "-", step ? step : "?", m->len,
		answer ? "; answer " : "", answer ? answer : "", reason ? "; reason " : "",
		reason ? reason : "");
}

/* ---- stanzas ---- */

static int send_msg(struct run *r, const struct verify_msg *m, uint32_t *epoch)
{
	struct xml_node *stanza = NULL;
	int err;

	if (m->step == VERIFY_STEP_NONE)
		return XE2E_OK;
	err = verify_wire_seal(&r->wire, m, now_s(), &stanza, epoch);
	if (!err) {
		trace_msg(r, 1, m);
		err = xml_write_stanza(STDOUT_FILENO, stanza);
	}
	xml_free(stanza);
	if (!err)
		r->started = 1;
	return err;
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
		err_detail_set("no answer from %s within %u s", r->peer.jid, r->opt.timeout);
		r->input_ended = 1;
		return XE2E_E_TIMEOUT;
	}
	if (err == XE2E_E_EOF)
		err_detail_set("the input ended before the run did");
	if (err)
		r->input_ended = 1;
	return err;
}

/*
 * A stanza of another session of the peer, before the run started: an IK
 * responder's pending session, which the initiator already uses. The run
 * moves there when the stanza opens in it (and so confirms it).
 */
static int follow(struct run *r, const struct xml_node *stanza, struct verify_msg *in,
		  uint32_t *epoch)
{
	struct verify_wire cand;
	struct verify_peer p;
	uint8_t id[SESSION_ID_LEN];
	char hex[SESSION_ID_TEXT_LEN];
	int err = verify_wire_pending_of(&r->wire, stanza, id);

	if (err)
		return err;
	err = verify_wire_init(&cand, id, r->opt.resource);
	if (!err)
		err = verify_wire_open(&cand, stanza, now_s(), in, epoch, NULL);
	if (!err)
		err = verify_peer_load_session(r->peer.jid, id, &p);
	if (!err && p.role != SESSION_RESPONDER)
		err = XE2E_E_STATE;
	if (err) {
		verify_wire_release(&cand);
		return err;
	}
	verify_wire_release(&r->wire);
	r->wire = cand;
	r->peer = p;
	r->switched = 1;
	wipe(&p, sizeof(p));
	session_id_format(id, hex);
	note(r, "the run uses the new session %s, which %s's first stanza confirmed", hex,
	     r->peer.jid);
	trace_session(r);
	return XE2E_OK;
}

/*
 * The peer's next control message. Other stanzas are skipped; a stanza of
 * the peer that does not open is reported and skipped; a control element
 * of the peer that does not parse ends the run (*out: the abort to send).
 */
static int next_msg(struct run *r, struct verify_msg *in, uint32_t *epoch, struct verify_msg *out)
{
	struct xml_node *stanza = NULL;
	int authentic, err;

	for (;;) {
		if ((err = read_stanza(r, &stanza)))
			return err;
		err = verify_wire_open(&r->wire, stanza, now_s(), in, epoch, &authentic);
		if (err == XE2E_E_NOTFOUND && !r->started && follow(r, stanza, in, epoch) == XE2E_OK)
			err = XE2E_OK;
		xml_free(stanza);
		stanza = NULL;
		if (!err) {
			r->started = 1;
			trace_msg(r, 0, in);
			return XE2E_OK;
		}
		if (err == XE2E_E_UNSUPPORTED || (err != XE2E_E_NOTFOUND && !authentic))
			note(r, "warning: skipped a stanza from %s: %s%s%s", r->peer.jid, err_str(err),
			     *err_detail() ? ": " : "", err_detail());
		else if (err != XE2E_E_NOTFOUND) {
			verify_msg_abort(out, r->method, VERIFY_REASON_MALFORMED);
			return err;
		}
		err_detail_clear();
	}
}

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

/* A run the input ended in the middle of: counted (SAS) and reported.
 * The end of input and a timeout are status 3, broken input status 1. */
static int aborted(struct run *r, int err)
{
	char detail[512];
	unsigned n = 0;
	int status;

	snprintf(detail, sizeof(detail), "%s", err_detail());
	if (r->started && r->method == VERIFY_SAS && !verify_aborts_add(r->peer.jid, &n))
		fprintf(stderr, "%s: %u aborted verification run%s with %s; each is another chance "
			"for an attacker\n", err_progname(), n, n == 1 ? "" : "s", r->peer.jid);
	if (r->counted && !failures_get(NULL, r->peer.jid, &n))
		fprintf(stderr, "%s: the aborted run counts as a failed shared-secret run with %s: "
			"%u of %u\n", err_progname(), r->peer.jid, n, FAILURES_LIMIT);
	err_detail_set("%s", detail);
	status = err_report(err, "the verification with %s was aborted", r->peer.jid);
	return err == XE2E_E_EOF || err == XE2E_E_TIMEOUT ? XE2E_EXIT_TRUST : status;
}

/* A failure of the run itself: the abort (if any) goes out first. */
static int failed(struct run *r, int err, const struct verify_msg *out)
{
	char detail[512];

	snprintf(detail, sizeof(detail), "%s", err_detail());
	if (out->step != VERIFY_STEP_NONE)
		send_msg(r, out, NULL);
	err_detail_set("%s", detail);
	if (r->input_ended)
		return aborted(r, err);
	return err_report(err, "the verification with %s failed", r->peer.jid);
}

/* ---- SAS ---- */

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

static int sas_answer(struct run *r, struct verify_sas *v, const char *code,
		      enum verify_answer *answer, enum verify_reason *reason)
{
	char typed[SAS_INPUT_MAX + 2];
	size_t len;
	int err;

	*reason = VERIFY_REASON_NONE;
	if (r->opt.print) {
		*answer = VERIFY_ANSWER_UNCHECKED;
		return XE2E_OK;
	}
	if (r->opt.expect_file &&
	    (err = read_first_line(r->opt.expect_file, typed, sizeof(typed), &len)))
		return err;
	if (r->opt.expect || r->opt.expect_file) {
		err = verify_sas_check(v, r->opt.expect ? r->opt.expect : typed);
		*answer = err == XE2E_OK ? VERIFY_ANSWER_YES : VERIFY_ANSWER_NO;
		if (err == XE2E_E_MALFORMED)
			err_detail_set("%s does not hold a code of 8 symbols", r->opt.expect_file);
		return err == XE2E_E_AUTH ? XE2E_OK : err;
	}
	err = confirm_on_tty(r->peer.jid, code, answer);
	if (err == XE2E_E_EOF) {
		*answer = VERIFY_ANSWER_UNCHECKED;
		*reason = VERIFY_REASON_CANCELLED;
		err = XE2E_OK;
	}
	return err;
}

/* The code is known: show it, get the local answer, send it. */
static int sas_decide(struct run *r, struct verify_sas *v, struct verify_msg *out)
{
	char code[SAS_TEXT_LEN];
	enum verify_answer answer;
	enum verify_reason reason;
	int err = verify_sas_code(v, code);

	if (err)
		return err;
	fprintf(stderr, "%s: SAS: %s\n", err_progname(), code);
	if (r->opt.sas_file)
		err = write_sas_file(r->opt.sas_file, code);
	if (!err)
		err = sas_answer(r, v, code, &answer, &reason);
	if (err) {
		verify_msg_abort(out, VERIFY_SAS, VERIFY_REASON_ERROR); /* the peer stops too */
		return err;
	}
	err = verify_sas_decide(v, answer, reason, out);
	if (!err)
		err = send_msg(r, out, NULL);
	verify_msg_clear(out);
	return err;
}

static int sas_restart(struct run *r, struct verify_sas *v)
{
	struct verify_msg none;
	int err;

	r->switched = 0;
	verify_sas_release(v);
	err = verify_sas_start(v, SAS_RESPONDER, r->peer.hh, &none);
	verify_msg_clear(&none);
	return err;
}

static int sas_loop(struct run *r, struct verify_sas *v, struct verify_msg *out)
{
	struct verify_msg in;
	int err = XE2E_OK;

	while (!err && v->phase != VERIFY_PHASE_DONE) {
		if (v->phase == VERIFY_PHASE_DECIDE) {
			err = sas_decide(r, v, out);
			continue;
		}
		err = next_msg(r, &in, NULL, out);
		if (!err && r->switched) /* the responder starts again on the new session */
			err = sas_restart(r, v);
		if (!err)
			err = verify_sas_receive(v, &in, out);
		if (err)
			break; /* out: the abort to send, if any */
		err = send_msg(r, out, NULL);
		verify_msg_clear(out);
	}
	verify_msg_clear(&in);
	return err;
}

static int record_match(struct run *r)
{
	enum trust_level level;
	char fpr[FINGERPRINT_TEXT_LEN];
	int err = verify_record_match(&r->peer, &level);

	if (err)
		return err_report(err, "cannot record %s as verified", r->peer.jid);
	verify_aborts_reset(r->peer.jid);
	fingerprint_format(r->peer.fpr, fpr);
	note(r, "verified: %s, identity %s, is now %s", r->peer.jid, fpr, trust_level_name(level));
	if (r->peer.flags & TRUST_FLAG_RS_RESET)
		note(r, "rs-reset cleared: the retained secret of this session is kept");
	return XE2E_EXIT_OK;
}

static void mismatch_explain(const struct run *r, const struct verify_sas *v)
{
	if (v->forged)
		fprintf(stderr, "%s: the reveal of %s does not match its commitment: possible attack\n",
			err_progname(), r->peer.jid);
	else if (v->local == VERIFY_ANSWER_NO)
		fprintf(stderr, "%s: the codes differ\n", err_progname());
	else if (v->peer_reason == VERIFY_REASON_COMMITMENT)
		fprintf(stderr, "%s: %s found that the reveal did not match the commitment: "
			"possible attack\n", err_progname(), r->peer.jid);
	else
		fprintf(stderr, "%s: %s reports that the codes differ\n", err_progname(), r->peer.jid);
}

static int record_mismatch(struct run *r, const struct verify_sas *v)
{
	int err = r->opt.print ? XE2E_OK : verify_record_mismatch(&r->peer);

	mismatch_explain(r, v);
	fprintf(stderr, "%s: someone may be intercepting this session: do not trust it; %s%s\n",
		err_progname(), r->peer.jid,
		r->opt.print ? " is not marked (--print)" : err ? " could not be marked mismatch"
								: " is marked mismatch");
	if (err)
		err_report(err, "cannot record the mismatch with %s", r->peer.jid);
	return XE2E_EXIT_TRUST;
}

static int sas_finish(struct run *r, const struct verify_sas *v)
{
	switch (verify_sas_outcome(v)) {
	case VERIFY_OUTCOME_MATCH:
		return record_match(r);
	case VERIFY_OUTCOME_MISMATCH:
		return record_mismatch(r, v);
	case VERIFY_OUTCOME_REFUSED:
		fprintf(stderr, "%s: %s reports that the codes differ; nothing recorded here\n",
			err_progname(), r->peer.jid);
		return XE2E_EXIT_TRUST;
	default:
		break;
	}
	if (v->local == VERIFY_ANSWER_UNCHECKED && !r->opt.print) {
		err_detail_set("no answer was given");
		return err_report(XE2E_E_EOF, "nothing recorded for %s", r->peer.jid);
	}
	note(r, "not compared here: nothing recorded");
	return XE2E_EXIT_OK;
}

static int run_sas(struct run *r)
{
	struct verify_sas v;
	struct verify_msg out;
	unsigned n = 0;
	int err, status;

	if (!verify_aborts_get(r->peer.jid, &n) && n)
		note(r, "note: %u earlier verification run%s with %s %s aborted; each was another "
		     "chance for an attacker", n, n == 1 ? "" : "s", r->peer.jid,
		     n == 1 ? "was" : "were");
	err = verify_sas_start(&v, r->peer.role == SESSION_INITIATOR ? SAS_INITIATOR : SAS_RESPONDER,
			       r->peer.hh, &out);
	if (!err)
		err = send_msg(r, &out, NULL);
	verify_msg_clear(&out);
	if (!err)
		err = sas_loop(r, &v, &out);
	status = err ? failed(r, err, &out) : sas_finish(r, &v);
	verify_sas_release(&v);
	verify_msg_clear(&out);
	return status;
}

/* ---- shared secret ---- */

struct secret {
	char text[SECRET_MAX + 2]; /* the line's end read too */
	size_t len;
};

static int secret_get(const struct run *r, struct secret *s)
{
	char prompt[300];
	int err;

	if (!r->opt.secret_file) {
		snprintf(prompt, sizeof(prompt), "Shared secret with %.200s: ", r->peer.jid);
		return secret_on_tty(prompt, s->text, sizeof(s->text), &s->len);
	}
	err = read_first_line(r->opt.secret_file, s->text, sizeof(s->text), &s->len);
	if (!err && s->len == 0) {
		err_detail_set("%s: the first line is empty", r->opt.secret_file);
		err = XE2E_E_MALFORMED;
	}
	return err;
}

/* Too many failed runs: say so, tell the peer, stop. */
static int refuse_limit(struct run *r, unsigned count)
{
	struct verify_msg in, out;
	uint32_t epoch;

	fprintf(stderr, "%s: %u failed shared-secret runs with %s: refused until "
		"'xe2e-trustdb reset-failures %s'\n", err_progname(), count, r->peer.jid, r->peer.jid);
	verify_msg_abort(&out, VERIFY_SPAKE2, VERIFY_REASON_LIMIT);
	if (r->peer.role == SESSION_INITIATOR || (next_msg(r, &in, &epoch, &out) == XE2E_OK &&
						  in.step != VERIFY_STEP_ABORT))
		send_msg(r, &out, NULL);
	return XE2E_EXIT_TRUST;
}

static void spake2_params_fill(const struct run *r, const struct secret *s,
			       struct spake2_params *p)
{
	int a = r->peer.role == SESSION_INITIATOR;

	memset(p, 0, sizeof(*p));
	p->secret = s->text;
	p->secret_len = s->len;
	p->handshake_hash = r->peer.hh;
	p->id_a = a ? r->peer.self_fpr : r->peer.fpr;
	p->id_b = a ? r->peer.fpr : r->peer.self_fpr;
}

static int spake2_loop(struct run *r, struct verify_spake2 *v, struct verify_msg *out)
{
	struct verify_msg in;
	uint32_t epoch = 0;
	unsigned count;
	int err = XE2E_OK;

	while (!err && verify_spake2_phase(v) == VERIFY_PHASE_WAIT) {
		err = next_msg(r, &in, &epoch, out);
		if (!err && verify_spake2_at_stake(v, &in)) {
			if ((err = failures_increment(NULL, r->peer.jid, &count)))
				verify_msg_abort(out, VERIFY_SPAKE2, VERIFY_REASON_ERROR);
			r->counted = 1;
		}
		if (!err)
			err = verify_spake2_receive(v, &in, epoch, out);
		if (err)
			break; /* out: the abort to send, if any */
		err = send_msg(r, out, NULL);
		verify_msg_clear(out);
	}
	verify_msg_clear(&in);
	return err;
}

_Static_assert(SPAKE2_KEY_LEN == RATCHET_MIX_LEN, "Ke is what the ratchet mixes in");

/*
 * Ke goes into the session's ratchet at the root step the run names, the
 * same on both sides (xe2e(7), VERIFICATION): stored as a pending mix
 * whatever the trust store says, since the peer stores it too. Returns -1,
 * or the exit status of a failure.
 */
static int spake2_ratchet_mix(struct run *r, const struct verify_spake2 *v,
			      const uint8_t ke[static SPAKE2_KEY_LEN])
{
	uint64_t step = 0;
	uint32_t epoch;
	int err = verify_spake2_epoch(v, &epoch);

	if (!err)
		err = channel_mix_spake2(&r->wire.ch, epoch, ke, &step);
	if (err == XE2E_E_STATE && step)
		fprintf(stderr, "%s: other stanzas moved the session with %s on during the run: "
			"if the peer mixed the secret in at root step %llu, the session fails from "
			"that step on; run a new handshake\n",
			err_progname(), r->peer.jid, (unsigned long long)step);
	if (err)
		return err_report(err, "cannot mix the shared secret into the session's keys");
	note(r, "the shared secret goes into the session's keys at root step %llu",
	     (unsigned long long)step);
	return -1;
}

static int spake2_success(struct run *r, const struct verify_spake2 *v)
{
	uint8_t ke[SPAKE2_KEY_LEN];
	int status, mixed = -1, err = verify_spake2_key(v, ke);

	failures_reset(NULL, r->peer.jid, NULL);
	if (!err)
		mixed = spake2_ratchet_mix(r, v, ke);
	status = record_match(r);
	if (!err && status == XE2E_EXIT_OK) {
		err = verify_record_mix(&r->peer, ke);
		if (err == XE2E_E_NOTFOUND)
			note(r, "no retained secret with this device to mix the shared secret into");
		else if (err)
			status = err_report(err, "cannot mix the shared secret into the retained secret");
		else
			note(r, "the shared secret now also protects the next handshakes");
	}
	wipe(ke, sizeof(ke));
	return status == XE2E_EXIT_OK && mixed >= 0 ? mixed : status;
}

static int spake2_finish(struct run *r, const struct verify_spake2 *v)
{
	unsigned n = 0;

	switch (verify_spake2_outcome(v)) {
	case VERIFY_OUTCOME_MATCH:
		return spake2_success(r, v);
	case VERIFY_OUTCOME_FAILED:
		failures_get(NULL, r->peer.jid, &n);
		fprintf(stderr, "%s: the shared secrets differ: a typing error, or someone may be "
			"intercepting this session (possible attack); failed runs with %s: %u of "
			"%u\n", err_progname(), r->peer.jid, n, FAILURES_LIMIT);
		return XE2E_EXIT_TRUST;
	default:
		err_detail_set("the run ended without an outcome");
		return err_report(XE2E_E_STATE, "the verification with %s failed", r->peer.jid);
	}
}

static int run_spake2(struct run *r)
{
	struct verify_spake2 v;
	struct spake2_params params;
	struct verify_msg out;
	struct secret s;
	unsigned count = 0;
	uint32_t epoch;
	int err, status;

	memset(&s, 0, sizeof(s));
	if ((err = failures_get(NULL, r->peer.jid, &count)))
		return err_report(err, "cannot read the failed runs with %s", r->peer.jid);
	if (count >= FAILURES_LIMIT)
		return refuse_limit(r, count);
	if ((err = secret_get(r, &s)))
		return err_report(err, "cannot read the shared secret");
	spake2_params_fill(r, &s, &params);
	err = verify_spake2_start(&v, r->peer.role == SESSION_INITIATOR ? SPAKE2_ROLE_A
								       : SPAKE2_ROLE_B, &params, &out);
	if (!err && (err = send_msg(r, &out, &epoch)) == XE2E_OK && out.step != VERIFY_STEP_NONE)
		err = verify_spake2_start_sent(&v, epoch);
	verify_msg_clear(&out);
	if (!err)
		err = spake2_loop(r, &v, &out);
	if (err == XE2E_E_TRUST && v.peer_aborted && v.peer_reason == VERIFY_REASON_LIMIT) {
		err_detail_set("%s has had too many failed shared-secret runs with this side",
			       r->peer.jid);
		status = err_report(err, "refused by %s", r->peer.jid);
	} else {
		status = err ? failed(r, err, &out) : spake2_finish(r, &v);
	}
	verify_spake2_release(&v);
	verify_msg_clear(&out);
	wipe(&s, sizeof(s));
	return status;
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

static int setup(struct run *r)
{
	int err;

	if (!r->opt.expect && !r->opt.expect_file && !r->opt.print && !r->opt.secret_file &&
	    !tty_available())
		return err_usage("no terminal to ask on: use --expect CODE, --print or "
				 "--secret-file FILE");
	if ((err = verify_peer_load(r->opt.peer, &r->peer)))
		return err_report(err, "cannot verify %s", r->opt.peer);
	if ((err = verify_wire_init(&r->wire, r->peer.session_id, r->opt.resource)))
		return err_report(err, "cannot use the session with %s", r->peer.jid);
	if (xml_reader_new(&r->reader, STDIN_FILENO, XML_READ_EXACT, NULL))
		return err_report(XE2E_E_NOMEM, "cannot read standard input");
	trace_session(r);
	return -1;
}

int main(int argc, char **argv)
{
	struct run r;
	int status;

	memset(&r, 0, sizeof(r));
	err_set_progname(argv[0]);
	status = parse_args(argc, argv, &r.opt);
	if (status >= 0)
		return status;
	signal(SIGPIPE, SIG_IGN);
	alarm_setup();
	r.method = r.opt.secret || r.opt.secret_file ? VERIFY_SPAKE2 : VERIFY_SAS;
	status = setup(&r);
	if (status < 0)
		status = r.method == VERIFY_SAS ? run_sas(&r) : run_spake2(&r);
	if (r.wire.loaded && verify_wire_release(&r.wire) && status == XE2E_EXIT_OK)
		status = err_report(XE2E_E_IO, "cannot give back unused message numbers");
	xml_reader_free(r.reader);
	wipe(&r.peer, sizeof(r.peer));
	return status;
}
