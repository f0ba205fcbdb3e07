/*
 * xe2e-handshake: runs the session handshake as initiator (--to) or
 * responder (--respond) over stanzas on standard input and output, and
 * stores the session. See xe2e-handshake(1) and xe2e(7).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cookie.h"
#include "encoding.h"
#include "cli.h"
#include "err.h"
#include "handshake.h"
#include "handshake_nego.h"
#include "handshake_trace.h"
#include "identity.h"
#include "ik_pending.h"
#include "inspect.h"
#include "jid.h"
#include "openpgp.h"
#include "passphrase.h"
#include "replay_cache.h"
#include "secrets.h"
#include "session.h"
#include "trust.h"
#include "util.h"
#include "xml.h"

#define NS_XE2E "urn:xe2e:1"
#define NS_HINTS "urn:xmpp:hints"
#define NS_CARBONS "urn:xmpp:carbons:2"
#define BODY_MAX HS_BODY_MAX /* decoded bytes of one handshake stanza */

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

/* Returns -1 to go on, or the exit status. */
static int parse_option(void *ctx, int c)
{
	struct options *o = ctx;

	switch (c) {
	case OPT_TO: o->to = optarg; return -1;
	case OPT_RESPOND: o->respond = 1; return -1;
	case OPT_FROM: o->from = optarg; return -1;
	case OPT_RESOURCE: o->resource = optarg; return -1;
	case OPT_TIMEOUT: return cli_seconds("--timeout", optarg, 1, &o->timeout);
	case OPT_PROTECT_SELF: o->hs_options |= HS_OPT_PROTECT_SELF; return -1;
	case OPT_ACCEPT_NEW_KEY: o->hs_options |= HS_OPT_ACCEPT_NEW_KEY; return -1;
	case OPT_ACCEPT_RS_RESET: o->hs_options |= HS_OPT_ACCEPT_RS_RESET; return -1;
	case OPT_SEND_CERTIFICATE: o->hs_options |= HS_OPT_SEND_CHAIN; return -1;
	case OPT_SUITES: o->suites = optarg; return -1;
	case OPT_PASSPHRASE: o->passphrase_prompt = 1; return -1;
	case OPT_PASSPHRASE_FILE: o->passphrase_file = optarg; return -1;
	case OPT_QUIET: o->quiet = 1; return -1;
	case OPT_VERBOSE: o->verbose = 1; return -1;
	case OPT_STATS: o->stats = 1; return -1;
	case OPT_TRACE: o->trace = 1; return -1;
	case 'h':
		fputs(usage_text, stdout);
		fputs(help_text, stdout);
		return XE2E_EXIT_OK;
	default:
		return err_usage("unknown option");
	}
}

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
	return -1;
}

static int parse_args(int argc, char **argv, struct options *o, struct hs_lists *lists)
{
	int status = cli_options(argc, argv, long_options, parse_option, o);

	if (status >= 0)
		return status;
	if (optind < argc)
		return err_usage("unexpected argument '%s'", argv[optind]);
	return check_options(o, lists);
}

/* ---- the run ---- */

struct run {
	struct options opt;
	struct identity id;
	char self_from[JID_MAX + 1]; /* 'from' of our stanzas */
	struct trust_db trust;
	struct rs_db rs;
	struct handshake *hs;
	struct xml_reader *reader;
	unsigned long sent, sent_bytes, received;
	struct hstrace trace;
	char last_from[JID_MAX + 1]; /* of the last handshake stanza read */
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
	/* An abort has no body (the buffer may hold the last one's). */
	if (!hstrace_describe(&r->trace, sent, step, body->data,
			      step == HS_STEP_ABORT ? 0 : body->len, reason, &line) &&
	    !buf_terminate(&line))
		fprintf(stderr, "%s: trace: %s %s %s: %s\n", err_progname(), sent ? "sent" : "received",
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
	fprintf(stderr, "%s: trace: this side: %s, identity %s, device %s\n", err_progname(),
		r->self_from, fpr, dev);
}

/* --trace: what the trust store holds for the peer named on the command
 * line (the keys an IK handshake or the trust policy will expect). */
static void trace_peer(const struct run *r, const char *jid)
{
	char bare[JID_MAX + 1], fpr[FINGERPRINT_TEXT_LEN];
	const struct trust_peer *p = NULL;
	int n = 0;

	if (!r->opt.trace || !jid || jid_normalize_bare(jid, bare)) {
		err_detail_clear();
		return;
	}
	while ((p = trust_next_by_jid(&r->trust, bare, p)) != NULL) {
		fingerprint_format(p->fpr, fpr);
		fprintf(stderr, "%s: trace: the trust store knows %s: identity %s, %s, %zu device(s)\n",
			err_progname(), bare, fpr, trust_level_name(p->level), p->n_devices);
		n++;
	}
	if (!n)
		fprintf(stderr, "%s: trace: the trust store does not know %s\n", err_progname(), bare);
}

static int psk_lookup(void *arg, const char *jid, uint8_t psk[static PSK_LEN])
{
	int err = psk_get(NULL, jid, psk);

	(void)arg;
	/* No PSK is the usual case: its detail must not end up in a later
	 * error's message. */
	if (err == XE2E_E_NOTFOUND)
		err_detail_clear();
	return err;
}

static int cookie_key(void *arg, uint8_t key[static 32])
{
	(void)arg;
	return cookie_key_load(key);
}

static int chain_check(void *arg, const uint8_t *chain, size_t len, const char *jid, uint64_t now,
		       struct anchor_result *res)
{
	(void)arg;
	return anchor_verify_chain(NULL, chain, len, jid, now, res);
}

static int openpgp_check(void *arg, const struct hs_credential *cred, const char *jid,
			 const uint8_t id_fpr[static FINGERPRINT_LEN], struct openpgp_result *res)
{
	(void)arg;
	return openpgp_cred_check(cred->pgp_key, cred->pgp_key_len, cred->pgp_sig,
				  cred->pgp_sig_len, cred->pgp_created, jid, id_fpr, res);
}

static int replay_check(void *arg, const uint8_t key[static 32])
{
	(void)arg;
	return replay_cache_check_add(NULL, key, (uint64_t)time(NULL), NULL);
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
 * Nothing is stored before the last stanza; from there on the signals are
 * blocked (hold_signals), so a stored handshake is always completed. */
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

static void hold_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

/* Arms the timer for the next stanza, with the words the outcome needs. */
static void arm_timeout(const struct run *r)
{
	const char *peer = handshake_peer_bare(r->hs);

	set_interrupt_text(peer);

	if (handshake_peer_known(r->hs)) {
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

static int add_child(struct xml_node *parent, const char *name, const char *ns)
{
	struct xml_node *child = xml_element_new(name, ns);

	if (!child)
		return XE2E_E_NOMEM;
	return xml_append_child(parent, child);
}

static int handshake_element(const struct handshake_msg *m, struct xml_node **out)
{
	struct xml_node *hs = xml_element_new("handshake", NS_XE2E);
	char *b64 = NULL;
	int err = hs ? xml_set_attr(hs, "step", handshake_step_name(m->step)) : XE2E_E_NOMEM;

	if (!err && m->step == HS_STEP_ABORT)
		err = xml_set_attr(hs, "reason", m->reason);
	if (!err && m->step != HS_STEP_ABORT) {
		b64 = malloc(b64_encoded_size(m->body.len));
		err = b64 ? b64_encode(m->body.data, m->body.len, b64,
				       b64_encoded_size(m->body.len))
			  : XE2E_E_NOMEM;
		if (!err)
			err = xml_append_text(hs, b64, strlen(b64));
	}
	free(b64);
	if (err)
		xml_free(hs);
	else
		*out = hs;
	return err;
}

/* Where this side's stanzas go: the peer, or, before the handshake knows
 * one (an abort to a first stanza it refuses), the sender of that stanza;
 * "" when there is neither. */
static const char *peer_to(const struct run *r)
{
	const char *peer = handshake_reply_to(r->hs);

	return *peer ? peer : r->last_from;
}

static int build_stanza(const struct run *r, const struct handshake_msg *m, struct xml_node **out)
{
	struct xml_node *msg = xml_element_new("message", NULL), *hs = NULL;
	int err = msg ? XE2E_OK : XE2E_E_NOMEM;

	if (!err)
		err = xml_set_attr(msg, "to", peer_to(r));
	if (!err)
		err = xml_set_attr(msg, "from", r->self_from);
	if (!err)
		err = xml_set_attr(msg, "type", "chat");
	if (!err)
		err = handshake_element(m, &hs);
	if (!err)
		err = xml_append_child(msg, hs);
	if (!err)
		err = add_child(msg, "no-permanent-store", NS_HINTS);
	if (!err)
		err = add_child(msg, "private", NS_CARBONS);
	if (err)
		xml_free(msg);
	else
		*out = msg;
	return err;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err_detail_set("%s", strerror(errno));
			return XE2E_E_IO;
		}
		p += n;
		len -= (size_t)n;
	}
	return XE2E_OK;
}

static int send_msg(struct run *r, const struct handshake_msg *m)
{
	struct xml_node *stanza = NULL;
	struct buf line = BUF_INIT;
	int err = build_stanza(r, m, &stanza);

	if (!err)
		err = xml_serialize(stanza, &line);
	if (!err)
		err = buf_append_byte(&line, '\n');
	if (!err) {
		trace(r, 1, peer_to(r), m->step, &m->body, m->reason);
		err = write_all(STDOUT_FILENO, line.data, line.len);
	}
	if (!err) {
		r->sent++;
		r->sent_bytes += line.len;
		if (r->opt.verbose)
			note(r, "sent step %s to %s", handshake_step_name(m->step),
			     peer_to(r));
	}
	xml_free(stanza);
	buf_free(&line);
	return err;
}

/* The <handshake/> child of a stanza, or NULL when it is not one of ours. */
static const struct xml_node *handshake_child(const struct xml_node *stanza)
{
	if (strcmp(stanza->name, "message") || (stanza->ns && strcmp(stanza->ns, "jabber:client") &&
						strcmp(stanza->ns, "jabber:server")))
		return NULL;
	return xml_find_child(stanza, "handshake", NS_XE2E);
}

static int decode_body(const struct xml_node *hs, struct buf *body)
{
	char *text = xml_text(hs);
	size_t n = 0;
	int err = text ? buf_reserve(body, BODY_MAX) : XE2E_E_NOMEM;

	if (!err)
		err = b64_decode(text, strlen(text), body->data, BODY_MAX, &n);
	if (err == XE2E_E_MALFORMED || err == XE2E_E_LIMIT) {
		err_detail_set("the handshake body is not canonical base64 of at most %d bytes",
			       BODY_MAX);
		err = XE2E_E_MALFORMED;
	}
	body->len = err ? 0 : n;
	free(text);
	return err;
}

/* Feeds one handshake stanza to the state machine; *reply gets what to send. */
static int feed(struct run *r, const char *from, const struct xml_node *el,
		struct handshake_msg *reply, struct buf *body)
{
	const char *step_text = xml_get_attr(el, "step");
	enum hs_step step;
	int err;

	if (!step_text || handshake_step_parse(step_text, &step)) {
		err_detail_set("a handshake stanza with a missing or unknown step");
		err = XE2E_E_MALFORMED;
	} else {
		err = step == HS_STEP_ABORT ? XE2E_OK : decode_body(el, body);
	}
	if (err) {
		handshake_msg_abort(reply, err);
		return err;
	}
	trace(r, 0, from, step, body, xml_get_attr(el, "reason"));
	r->received++;
	if (r->opt.verbose)
		note(r, "received step %s from %s", step_text, from);
	return handshake_read(r->hs, from, step, body->data, body->len,
			      xml_get_attr(el, "reason"), reply);
}

/* ---- the outcome ---- */

/* What the peer's credential was, and what its certificate chain or
 * OpenPGP key gave. */
static void print_credential(const struct run *r, const struct handshake_result *res)
{
	if (res->cred_kind == HS_CRED_KIND_X509 && res->anchored)
		note(r, "certificate: leads to anchor %s", res->anchor);
	else if (res->cred_kind == HS_CRED_KIND_X509)
		note(r, "warning: the certificate chain of %s leads to no anchor (%s): its identity "
		     "key counts alone", res->peer_bare, res->chain_refused);
	if (res->cred_kind == HS_CRED_KIND_OPENPGP && res->openpgp[0])
		note(r, "openpgp: %s%s", res->openpgp, res->anchored ? " (valid in your keyring)"
		     : "");
	if (res->cred_kind == HS_CRED_KIND_OPENPGP && !res->anchored)
		note(r, "warning: the OpenPGP key of %s does not anchor it (%s): its identity key "
		     "counts alone", res->peer_bare, res->chain_refused);
}

static void print_outcome(const struct run *r, const struct session *s)
{
	const struct handshake_result *res = handshake_result(r->hs);
	char fpr[FINGERPRINT_TEXT_LEN], flags[TRUST_FLAGS_TEXT_LEN], id[SESSION_ID_TEXT_LEN];

	fingerprint_format(res->peer_fpr, fpr);
	trust_flags_format(s->flags, flags);
	session_id_format(s->id, id);
	note(r, "peer: %s", res->peer_full);
	note(r, "identity: %s", fpr);
	note(r, "device: %08x", (unsigned)res->device.id);
	note(r, "trust: %s%s", trust_level_name(s->trust),
	     res->key_changed ? " (new identity key accepted)" : res->new_peer ? " (first contact)" : "");
	note(r, "flags: %s", flags);
	print_credential(r, res);
	note(r, "retained-secret: %s", res->rs_mismatch ? "mismatch (accepted)"
				      : res->rs_matched ? "matched" : "none");
	if (res->rs_mismatch)
		note(r, "warning: retained secret mismatch with %s: the session is marked rs-reset "
		     "until verified (xe2e-verify-sas)", res->peer_bare);
	note(r, "handshake: %s %s%s%s", hsnego_pattern_name(res->pattern),
	     hsnego_suite_name(res->suite), res->swapped ? ", roles swapped" : "",
	     res->retries ? ", after a retry" : "");
	note(r, "session: %s%s", id, s->state == SESSION_PENDING
					     ? " (pending until the peer's first message)" : "");
}

static int commit(struct run *r)
{
	struct session s;
	struct session_outcome o;
	int err;

	alarm(0);
	hold_signals();
	err = handshake_session(r->hs, &s, &o);
	/* Recorded first, so that no pending session goes unrecorded: one
	 * never confirmed is deleted in its turn (xe2e(7) "The IK responder"). */
	if (!err && s.state == SESSION_PENDING)
		err = ik_pending_record(NULL, s.id, o.peer_jid, s.created);
	if (!err)
		err = s.state == SESSION_PENDING ? session_commit_pending(&s, &o)
						 : session_commit(&s, &o);
	if (!err)
		print_outcome(r, &s);
	session_wipe(&s);
	wipe(&o, sizeof(o));
	return err;
}

/* ---- the loop ---- */

/* What the user can do after a failure that has a remedy (always shown,
 * --quiet or not: it belongs to the error). */
static void print_next_steps(const struct run *r)
{
	const char *peer = handshake_peer_bare(r->hs), *me = err_progname();

	switch (handshake_failure(r->hs)) {
	case HS_FAIL_RS_MISMATCH:
		fprintf(stderr, "%s: what now: ask %s, by another channel than this one, whether it "
			"lost its state (a restore, or xe2e-trustdb forget); if so, run the "
			"handshake again with --accept-rs-reset, then compare the SAS with "
			"xe2e-verify-sas; if not, someone else may hold its keys\n", me, peer);
		break;
	case HS_FAIL_PEER_RS_MISMATCH:
		fprintf(stderr, "%s: what now: tell %s, by another channel than this one, that "
			"this side lost its state; once it has checked, it runs the handshake again "
			"with --accept-rs-reset, then you both compare the SAS with "
			"xe2e-verify-sas\n", me, peer);
		break;
	case HS_FAIL_BOTH_INITIATORS:
		fprintf(stderr, "%s: what now: run it again, one side with --to %s, the other "
			"with --respond\n", me, peer);
		break;
	default:
		break;
	}
}

static int fail(struct run *r, int err, const struct handshake_msg *reply)
{
	int saved = err, status;
	char detail[512];

	alarm(0);
	snprintf(detail, sizeof(detail), "%s", err_detail());
	if (reply && reply->step == HS_STEP_ABORT && *peer_to(r))
		send_msg(r, reply);
	err_detail_set("%s", detail);
	if (*handshake_peer_bare(r->hs))
		status = err_report(saved, "handshake with %s failed", handshake_peer_bare(r->hs));
	else
		status = err_report(saved, "handshake failed");
	print_next_steps(r);
	return status;
}

/* After the state machine answered: store first when done, then send. */
static int after_read(struct run *r, struct handshake_msg *reply, int *done)
{
	int err = XE2E_OK;

	*done = handshake_status(r->hs) == HS_DONE;
	if (*done)
		err = commit(r);
	if (err) {
		handshake_msg_abort(reply, err);
		return err;
	}
	if (reply->step != HS_STEP_NONE)
		err = send_msg(r, reply);
	return err;
}

static int stanza_in(struct run *r, struct xml_node *stanza, struct handshake_msg *reply,
		     struct buf *body, int *done)
{
	const struct xml_node *el = handshake_child(stanza);
	const char *from = xml_get_attr(stanza, "from");
	int err;

	if (!el) {
		if (r->opt.verbose)
			note(r, "skipped a stanza that is not a handshake (<%s/>)", stanza->name);
		return XE2E_OK;
	}
	if (!from || !handshake_accepts_from(r->hs, from)) {
		char shown[JID_MAX + 1];

		note(r, "warning: skipped a handshake stanza from %s, not from the peer",
		     from ? inspect_line_safe(from, shown, sizeof(shown)) : "nobody (no 'from')");
		return XE2E_OK;
	}
	if ((size_t)snprintf(r->last_from, sizeof(r->last_from), "%s", from) >= sizeof(r->last_from))
		r->last_from[0] = '\0';
	err = feed(r, from, el, reply, body);
	return err ? err : after_read(r, reply, done);
}

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

static int loop(struct run *r)
{
	struct handshake_msg reply = HANDSHAKE_MSG_INIT;
	struct buf body = BUF_INIT;
	struct xml_node *stanza = NULL;
	int done = 0, err = XE2E_OK;

	while (!err && !done) {
		handshake_msg_clear(&reply);
		err = next_stanza(r, &stanza);
		if (err)
			break;
		err = stanza_in(r, stanza, &reply, &body, &done);
		xml_free(stanza);
		stanza = NULL;
	}
	if (err)
		err = fail(r, err, &reply);
	buf_free(&reply.body);
	buf_free(&body);
	return err;
}

/* ---- set-up ---- */

static int load_state(struct run *r, struct passphrase *pp, uint64_t now)
{
	int err = identity_load(&r->id, IDENTITY_LOAD_DEVICE_KEY, pp, now);

	if (err)
		return err_report(err, "cannot load the local identity (made by xe2e-keygen)");
	if ((r->opt.hs_options & HS_OPT_SEND_CHAIN) &&
	    handshake_credential_kind(&r->id) == HS_CRED_KIND_KEY) {
		err_detail_set("this identity has no CA-issued certificate or OpenPGP credential "
			       "to send (xe2e-keygen --certificate or --openpgp makes one)");
		return err_report(XE2E_E_NOTFOUND, "--send-credential");
	}
	if ((err = trust_load(NULL, &r->trust)))
		return err_report(err, "cannot read the trust store");
	if ((err = rs_load(NULL, &r->rs)))
		return err_report(err, "cannot read the retained secrets");
	return -1;
}

static int self_from(struct run *r)
{
	struct jid j;
	int n = r->opt.resource
			? snprintf(r->self_from, sizeof(r->self_from), "%s/%s", r->id.jid,
				   r->opt.resource)
			: snprintf(r->self_from, sizeof(r->self_from), "%s", r->id.jid);

	if (n < 0 || (size_t)n >= sizeof(r->self_from) || jid_parse(r->self_from, &j))
		return err_report(XE2E_E_MALFORMED, "bad --resource '%s'", r->opt.resource);
	jid_full(&j, r->self_from);
	return -1;
}

/* The device of the peer's current session: IK goes to it first. */
static void device_hint(const char *to, struct handshake_config *cfg)
{
	char bare[JID_MAX + 1];
	uint8_t id[SESSION_ID_LEN];
	struct session s;

	if (jid_normalize_bare(to, bare) || session_current_get(bare, id) ||
	    session_read(id, &s)) {
		err_detail_clear();
		return;
	}
	cfg->have_device_hint = 1;
	cfg->device_hint = s.peer_device_id;
	session_wipe(&s);
}

static int start(struct run *r, const struct hs_lists *lists, uint64_t now)
{
	struct handshake_config cfg;
	struct handshake_msg m = HANDSHAKE_MSG_INIT;
	int err;

	memset(&cfg, 0, sizeof(cfg));
	cfg.initiator = !r->opt.respond;
	cfg.self = &r->id;
	cfg.peer = r->opt.respond ? r->opt.from : r->opt.to;
	cfg.lists = *lists;
	cfg.options = r->opt.hs_options;
	cfg.trust = &r->trust;
	cfg.rs = &r->rs;
	cfg.psk = psk_lookup;
	cfg.replay = replay_check;
	cfg.cookie_key_fn = cookie_key;
	cfg.chain = chain_check;
	cfg.openpgp = openpgp_check;
	cfg.now = now;
	if (cfg.initiator)
		device_hint(r->opt.to, &cfg);
	trace_peer(r, cfg.peer);
	err = handshake_new(&r->hs, &cfg);
	if (err)
		return err_report(err, "cannot start: bad JID '%s'", cfg.peer ? cfg.peer : "");
	if (!cfg.initiator)
		return -1;
	err = handshake_start(r->hs, &m);
	if (!err)
		err = send_msg(r, &m);
	buf_free(&m.body);
	return err ? err_report(err, "cannot start the handshake with %s", r->opt.to) : -1;
}

static void cleanup(struct run *r)
{
	handshake_free(r->hs);
	xml_reader_free(r->reader);
	identity_free(&r->id);
	trust_free(&r->trust);
	rs_free(&r->rs);
}

static void print_stats(const struct run *r)
{
	if (r->opt.stats || r->opt.verbose)
		fprintf(stderr, "%s: stanzas sent %lu, bytes sent %lu, stanzas received %lu\n",
			err_progname(), r->sent, r->sent_bytes, r->received);
}

int main(int argc, char **argv)
{
	struct run r;
	struct hs_lists lists;
	struct passphrase pp;
	uint64_t now = (uint64_t)time(NULL);
	int status;

	memset(&r, 0, sizeof(r));
	r.id = (struct identity)IDENTITY_INIT;
	r.opt.timeout = 60;
	err_set_progname(argv[0]);
	status = parse_args(argc, argv, &r.opt, &lists);
	if (status >= 0)
		return status;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	status = passphrase_init(&pp, r.opt.passphrase_file, r.opt.passphrase_prompt);
	status = status ? err_report(status, "no passphrase") : load_state(&r, &pp, now);
	passphrase_wipe(&pp);
	if (status < 0)
		status = self_from(&r);
	if (status < 0) {
		hstrace_init(&r.trace, &lists);
		if (handshake_credential_kind(&r.id) != HS_CRED_KIND_KEY)
			hstrace_own_credential(&r.trace, handshake_credential_len(&r.id));
		trace_self(&r);
	}
	if (status < 0 && xml_reader_new(&r.reader, STDIN_FILENO, XML_READ_EXACT, NULL))
		status = err_report(XE2E_E_NOMEM, "cannot read standard input");
	if (status < 0) {
		/* From here on (past any passphrase prompt) an interruption is
		 * reported; arm_timeout() names the peer once known. */
		set_interrupt_text("");
		signal(SIGINT, on_interrupt);
		signal(SIGTERM, on_interrupt);
		status = start(&r, &lists, now);
	}
	if (status < 0)
		status = loop(&r);
	if (status < 0)
		status = XE2E_EXIT_OK;
	print_stats(&r);
	cleanup(&r);
	return status;
}
