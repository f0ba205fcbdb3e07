/*
 * xe2e-seal: reads plaintext stanzas on standard input and writes each one
 * sealed for its peer's session. See xe2e-seal(1) and xe2e(7).
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aead.h"
#include "channel.h"
#include "cli.h"
#include "envelope.h"
#include "err.h"
#include "identity.h"
#include "inspect.h"
#include "jid.h"
#include "offline_session.h"
#include "passphrase.h"
#include "ratchet.h"
#include "session.h"
#include "session_missing.h"
#include "stanza_frame.h"
#include "trust.h"
#include "util.h"
#include "xml.h"

#define MAX_STANZA_DEFAULT 262144u /* Prosody's default c2s stanza limit */
#define IDLE_DEFAULT 600u

static const char usage_text[] =
	"usage: xe2e-seal [--to JID | --session ID] [--from FULLJID] [options]\n"
	"       xe2e-seal --bundle FILE --to JID [options]\n"
	"       xe2e-seal --help | --version\n";

static const char help_text[] =
	"Reads plaintext stanzas on stdin and writes them sealed for the peer's\n"
	"session (the one xe2e-handshake made) on stdout, one per line.\n"
	"\n"
	"  --to JID                 seal for JID's current session (default: each\n"
	"                           stanza's 'to')\n"
	"  --session ID             seal for this session (32 hex digits)\n"
	"  --from FULLJID           the own full JID (as the server bound it), for\n"
	"                           stanzas without 'from': its resource is then\n"
	"                           authenticated too\n"
	"  --bundle FILE            start a new session from the peer's prekey bundle:\n"
	"                           the first stanza goes to it while it is offline\n"
	"  --fallback-body TEXT     give sealed messages a <body/> with TEXT for\n"
	"                           clients without xe2e\n"
	"  --max-stanza BYTES       refuse stanzas whose sealed form would be larger\n"
	"                           (262144)\n"
	"  --ratchet-interval SECS  seconds between own DH steps (60; 0: every turn)\n"
	"  --ratchet-idle SECS      send a ratchet stanza when a due DH step waited\n"
	"                           this long for a stanza to carry it (600)\n"
	"  --writers N              processes sealing into one session at once (1)\n"
	"  --passphrase             with --bundle: ask for the passphrase of a protected\n"
	"                           device key on the terminal (stdin carries stanzas)\n"
	"  --passphrase-file FILE   the same, with the first line of FILE\n"
	"  --quiet                  no warnings on stderr\n"
	"  --verbose                also note each stanza sealed\n"
	"  --help                   show this help\n"
	"  --version                show the version\n"
	"\n"
	"XE2E_PASSPHRASE, when set, is the passphrase.\n"
	"Exit status: 0 all sealed, 1 error, 2 usage, 3 trust. See xe2e-seal(1).\n";

struct options {
	const char *to;
	const char *from;
	const char *bundle;
	int has_session;
	uint8_t session[SESSION_ID_LEN];
	const char *fallback;
	unsigned long max_stanza;
	unsigned long interval;
	unsigned long idle;
	unsigned long writers;
	const char *passphrase_file;
	int passphrase_prompt;
	int quiet, verbose;
};

enum {
	OPT_TO = 256,
	OPT_FROM,
	OPT_SESSION,
	OPT_BUNDLE,
	OPT_FALLBACK,
	OPT_MAX_STANZA,
	OPT_INTERVAL,
	OPT_IDLE,
	OPT_WRITERS,
	OPT_PASSPHRASE,
	OPT_PASSPHRASE_FILE,
	OPT_QUIET,
	OPT_VERBOSE,
};

static const struct option long_options[] = {
	{"to", required_argument, NULL, OPT_TO},
	{"from", required_argument, NULL, OPT_FROM},
	{"session", required_argument, NULL, OPT_SESSION},
	{"bundle", required_argument, NULL, OPT_BUNDLE},
	{"fallback-body", required_argument, NULL, OPT_FALLBACK},
	{"max-stanza", required_argument, NULL, OPT_MAX_STANZA},
	{"ratchet-interval", required_argument, NULL, OPT_INTERVAL},
	{"ratchet-idle", required_argument, NULL, OPT_IDLE},
	{"writers", required_argument, NULL, OPT_WRITERS},
	{"passphrase", no_argument, NULL, OPT_PASSPHRASE},
	{"passphrase-file", required_argument, NULL, OPT_PASSPHRASE_FILE},
	{"quiet", no_argument, NULL, OPT_QUIET},
	{"verbose", no_argument, NULL, OPT_VERBOSE},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

/* ---- arguments ---- */

/* --from: a full JID, whose resource the associated data then binds. */
static int parse_from(const char *text, const char **out)
{
	struct jid j;

	if (jid_parse(text, &j) || !j.resource[0])
		return err_usage("--from needs a full JID (with the resource the server bound)");
	*out = text;
	return -1;
}

/* Returns -1 to go on, or the exit status. */
static int parse_option(void *ctx, int c)
{
	struct options *o = ctx;

	switch (c) {
	case OPT_TO: o->to = optarg; return -1;
	case OPT_FROM: return parse_from(optarg, &o->from);
	case OPT_SESSION:
		if (session_id_parse(optarg, o->session))
			return err_usage("--session needs a session id of 32 hex digits");
		o->has_session = 1;
		return -1;
	case OPT_BUNDLE: o->bundle = optarg; return -1;
	case OPT_FALLBACK: o->fallback = optarg; return -1;
	case OPT_MAX_STANZA:
		return cli_number("--max-stanza", optarg, 1024, 64ul << 20, &o->max_stanza);
	case OPT_INTERVAL:
		return cli_number("--ratchet-interval", optarg, 0, 86400, &o->interval);
	case OPT_IDLE: return cli_number("--ratchet-idle", optarg, 1, 86400, &o->idle);
	case OPT_WRITERS: return cli_number("--writers", optarg, 1, 64, &o->writers);
	case OPT_PASSPHRASE: o->passphrase_prompt = 1; return -1;
	case OPT_PASSPHRASE_FILE: o->passphrase_file = optarg; return -1;
	case OPT_QUIET: o->quiet = 1; return -1;
	case OPT_VERBOSE: o->verbose = 1; return -1;
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
	if (o->passphrase_prompt && o->passphrase_file)
		return err_usage("--passphrase and --passphrase-file exclude each other");
	if (o->to && o->has_session)
		return err_usage("--to and --session exclude each other");
	if (o->quiet && o->verbose)
		return err_usage("--quiet and --verbose exclude each other");
	if (o->to && !*o->to)
		return err_usage("--to needs a JID");
	if (o->bundle && !o->to)
		return err_usage("--bundle needs --to");
	return -1;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	int status;

	o->max_stanza = MAX_STANZA_DEFAULT;
	o->interval = RATCHET_STEP_INTERVAL;
	o->idle = IDLE_DEFAULT;
	o->writers = 1;
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
	struct channel_opts copts;
	struct channel **ch;
	size_t n_ch;
	struct xml_reader *reader;
	int status;  /* worst so far */
	int fatal;   /* output failed: stop */
	/* The ratchet ticker and the main loop take turns under mu. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int done;
	/* --bundle: the first stanza starts a session from the bundle. */
	struct identity self;
	struct offline_target target;
	int offline_pending;
};

static void warn(const struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(const struct run *r, const char *fmt, ...)
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

static void note(const struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(const struct run *r, const char *fmt, ...)
{
	va_list ap;

	if (!r->opt.verbose)
		return;
	fprintf(stderr, "%s: ", err_progname());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void worst(struct run *r, int status)
{
	if (status > r->status && r->status != XE2E_EXIT_TRUST)
		r->status = status;
}

static uint64_t now_s(void)
{
	return (uint64_t)time(NULL);
}

/* The channel of session id, loaded on first use. */
static int channel_get(struct run *r, const uint8_t id[static SESSION_ID_LEN],
		       struct channel **out)
{
	struct channel *ch, **grown;
	char hex[SESSION_ID_TEXT_LEN];
	int err;

	for (size_t i = 0; i < r->n_ch; i++) {
		if (!memcmp(r->ch[i]->id, id, SESSION_ID_LEN)) {
			*out = r->ch[i];
			return XE2E_OK;
		}
	}
	ch = calloc(1, sizeof(*ch));
	grown = realloc(r->ch, (r->n_ch + 1) * sizeof(*r->ch));
	if (!ch || !grown) {
		free(ch);
		if (grown)
			r->ch = grown;
		return XE2E_E_NOMEM;
	}
	r->ch = grown;
	if ((err = channel_load(ch, id, &r->copts)) || (err = channel_trust_check(ch))) {
		channel_wipe(ch);
		free(ch);
		return err;
	}
	r->ch[r->n_ch++] = ch;
	session_id_format(id, hex);
	if (ch->flags & TRUST_FLAG_RS_RESET)
		warn(r, "session %s with %s carries rs-reset: the retained secrets did not match; "
		     "verify the peer (xe2e-verify-sas)", hex, ch->peer_bare);
	if (ch->flags & TRUST_FLAG_OFFLINE_ORIGIN)
		warn(r, "session %s with %s started from prekeys (offline-origin): its trust is "
		     "capped at tofu until a real-time handshake (xe2e-handshake)", hex,
		     ch->peer_bare);
	*out = ch;
	return XE2E_OK;
}

/* The session a stanza goes to: --session, or the current one of the peer. */
static int session_for(struct run *r, const char *to, struct channel **ch)
{
	char bare[JID_MAX + 1];
	uint8_t id[SESSION_ID_LEN];
	int err;

	if (r->opt.has_session)
		return channel_get(r, r->opt.session, ch);
	if (!to) {
		err_detail_set("the stanza has no 'to' and no --to was given");
		return XE2E_E_MALFORMED;
	}
	if ((err = jid_normalize_bare(to, bare)))
		return err;
	err = session_current_get(bare, id);
	if (err == XE2E_E_NOTFOUND) {
		char why[512];

		session_missing(bare);
		snprintf(why, sizeof(why), "%s", err_detail());
		err_detail_set("%s (nothing is sent in plaintext)", why);
		return err;
	}
	return err ? err : channel_get(r, id, ch);
}

/* The 'to' of the sealed stanza: the session's device. */
static int outer_to(const struct channel *ch, const char *to, const char **out)
{
	struct jid in, sess;

	*out = ch->peer_full;
	if (!to)
		return XE2E_OK;
	if (jid_parse(to, &in) || jid_parse(ch->peer_full, &sess))
		return XE2E_E_MALFORMED;
	if (!jid_same_bare(to, ch->peer_full)) {
		err_detail_set("'to' is %.200s but the session is with %s", to, ch->peer_bare);
		return XE2E_E_MALFORMED;
	}
	if (!sess.resource[0])
		*out = to;
	else if (in.resource[0] && strcmp(in.resource, sess.resource)) {
		err_detail_set("'to' is %.200s but the session belongs to the device %s "
			       "(use --session for another one)", to, ch->peer_full);
		return XE2E_E_MALFORMED;
	}
	return XE2E_OK;
}

/*
 * The 'from' of the sealed stanza: the plain stanza's, else --from, else
 * the own bare JID (the server then adds a resource that the seal does not
 * authenticate). self_what names the own JID self_bare in errors.
 */
static int outer_from(const struct run *r, const char *from, const char *self_bare,
		      const char *self_what, const char **out)
{
	*out = from ? from : r->opt.from ? r->opt.from : self_bare;
	if (from && !jid_same_bare(from, self_bare)) {
		err_detail_set("'from' is %.200s, not %s %s", from, self_what, self_bare);
		return XE2E_E_MALFORMED;
	}
	if (r->opt.from && !jid_same_bare(r->opt.from, self_bare)) {
		err_detail_set("--from %.200s is not %s %s", r->opt.from, self_what, self_bare);
		return XE2E_E_MALFORMED;
	}
	if (from && r->opt.from && !jid_same_full(from, r->opt.from)) {
		err_detail_set("'from' is %.200s, not --from %.200s", from, r->opt.from);
		return XE2E_E_MALFORMED;
	}
	return XE2E_OK;
}

/* The sealed stanza around wire: a ratchet stanza when plain is NULL, else
 * plain's sealed form (its initial message while a bundle's first stanza
 * is pending) with its hints. */
static int wrap(const struct run *r, const struct envelope_addr *a, const struct xml_node *plain,
		const uint8_t *wire, size_t wire_len, struct xml_node **out)
{
	int err;

	*out = NULL;
	if (!plain)
		return envelope_build_ratchet(a->to, a->from, wire, wire_len, out);
	if (r->offline_pending)
		err = offline_envelope_build(a, wire, wire_len, r->opt.fallback, out);
	else
		err = envelope_build(a, wire, wire_len, r->opt.fallback, out);
	if (!err)
		err = envelope_copy_hints(plain, *out);
	if (err) {
		xml_free(*out);
		*out = NULL;
	}
	return err;
}

static int too_large(const struct run *r)
{
	err_detail_set("sealed, the stanza would exceed %lu bytes, the server's limit "
		       "(--max-stanza)", r->opt.max_stanza);
	return XE2E_E_LIMIT;
}

/* The largest frame whose sealed stanza fits --max-stanza: the stanza
 * without its base64 text is measured (an empty <sealed/> is written 8
 * bytes shorter than one with text, an empty <offline/> 9). */
static int frame_cap(const struct run *r, const struct envelope_addr *a,
		     const struct xml_node *plain, size_t *cap)
{
	int offline = plain && r->offline_pending;
	size_t base, bin, overhead = offline ? OFFLINE_OVERHEAD
						  : RATCHET_HEADER_MAX + RATCHET_SIV_LEN + AEAD_TAG_LEN;
	struct xml_node *el = NULL;
	struct buf b = BUF_INIT;
	int err = wrap(r, a, plain, NULL, 0, &el);

	if (!err)
		err = xml_serialize(el, &b);
	base = b.len + (offline ? 9 : 8);
	xml_free(el);
	buf_free(&b);
	if (err)
		return err;
	bin = r->opt.max_stanza > base ? (r->opt.max_stanza - base) / 4 * 3 : 0;
	if (bin <= overhead)
		return too_large(r);
	*cap = bin - overhead;
	return XE2E_OK;
}

/* The first stanza of --bundle: the initial message of a new session. */
static int seal_initial(struct run *r, const struct buf *frame, const struct buf *ad,
			int sender_full, struct buf *wire)
{
	struct channel *ch;
	uint8_t id[SESSION_ID_LEN];
	int used_opk = 0;
	int err = offline_session_seal(&r->self, &r->target, ad->data, ad->len, sender_full,
				       frame->data, frame->len, now_s(), wire, id, &used_opk);

	if (err)
		return err;
	note(r, "sealed to the bundle of %s with %s", r->target.peer_bare,
	     used_opk ? "a one-time prekey" : "the signed prekey alone");
	/* The new session's channel, for the stanzas after it (and its
	 * offline-origin warning). */
	return channel_get(r, id, &ch);
}

/* Pads the frame, seals it in the session (ch NULL: as the initial
 * message of --bundle) and wraps it; out gets the stanza. plain is NULL for
 * a ratchet stanza. */
static int seal_frame(struct run *r, struct channel *ch, const struct envelope_addr *a,
		      const struct xml_node *plain, struct buf *frame, struct xml_node **out)
{
	struct buf ad = BUF_INIT, wire = BUF_INIT, text = BUF_INIT;
	size_t cap;
	int sender_full = 0;
	int err = frame_cap(r, a, plain, &cap);

	if (!err && frame->len > cap)
		err = too_large(r);
	if (!err)
		err = stanza_frame_pad(frame, cap);
	if (!err && !ch)
		err = envelope_ad_seal(a, r->self.jid, r->target.peer_bare, &ad, &sender_full);
	else if (!err)
		err = envelope_ad_seal(a, ch->self_bare, ch->peer_bare, &ad, &sender_full);
	if (!err && !ch)
		err = seal_initial(r, frame, &ad, sender_full, &wire);
	else if (!err)
		err = channel_seal(ch, now_s(), frame->data, frame->len, ad.data, ad.len,
				   sender_full, &wire);
	if (!err)
		err = wrap(r, a, plain, wire.data, wire.len, out);
	if (!err && (err = xml_serialize(*out, &text)) == XE2E_OK &&
	    text.len > r->opt.max_stanza)
		err = too_large(r);
	if (err) {
		xml_free(*out);
		*out = NULL;
	}
	buf_free(&ad);
	buf_free(&wire);
	buf_free(&text);
	return err;
}

static int emit(struct run *r, const struct xml_node *el)
{
	int err = xml_write_stanza(STDOUT_FILENO, el);

	if (err) {
		worst(r, err_report(err, "cannot write the sealed stanza"));
		r->fatal = 1;
	}
	return err;
}

/* Subscription management and broadcast presence are for the server. */
static int presence_passes(const struct run *r, const struct xml_node *st)
{
	static const char *const types[] = {"subscribe", "subscribed", "unsubscribe",
					    "unsubscribed", "probe"};
	const char *type = xml_get_attr(st, "type"), *to = xml_get_attr(st, "to");

	if (!to && !r->opt.to && !r->opt.has_session) {
		warn(r, "presence without 'to' is broadcast by the server: passed on unsealed");
		return 1;
	}
	for (size_t i = 0; type && i < ARRAY_SIZE(types); i++) {
		if (!strcmp(type, types[i])) {
			warn(r, "presence of type '%s' is for the server: passed on unsealed",
			     type);
			return 1;
		}
	}
	return 0;
}

/* The addresses of the first stanza of --bundle: to the peer of --to (its
 * resource, if the stanza names one), from this identity. */
static int initial_addr(const struct run *r, const struct xml_node *st, struct envelope_addr *a)
{
	const char *to = xml_get_attr(st, "to");

	a->to = to ? to : r->target.peer;
	return outer_from(r, xml_get_attr(st, "from"), r->self.jid, "this identity's JID",
			  &a->from);
}

static int seal_stanza(struct run *r, const struct xml_node *st, struct xml_node **out)
{
	struct envelope_addr a = {0};
	struct buf frame = BUF_INIT;
	struct channel *ch = NULL;
	const char *to = xml_get_attr(st, "to");
	int err = stanza_kind_of(st, &a.kind);

	if (!to)
		to = r->opt.to;
	if (!err && r->opt.to && to && !jid_same_bare(to, r->opt.to)) {
		err_detail_set("'to' is %.200s, not --to %.200s", to, r->opt.to);
		err = XE2E_E_MALFORMED;
	}
	if (!err && r->offline_pending)
		err = initial_addr(r, st, &a);
	else if (!err)
		err = session_for(r, to, &ch);
	if (!err && !r->offline_pending)
		err = outer_to(ch, to, &a.to);
	if (!err && !r->offline_pending)
		err = outer_from(r, xml_get_attr(st, "from"), ch->self_bare,
				 "this session's own JID", &a.from);
	a.type = xml_get_attr(st, "type");
	a.id = xml_get_attr(st, "id");
	if (!err)
		err = stanza_frame_encode(st, &frame);
	if (!err)
		err = seal_frame(r, ch, &a, st, &frame, out);
	if (!err)
		note(r, "sealed <%s%s%s%s> for %s", st->name, a.id ? " id='" : "", a.id ? a.id : "",
		     a.id ? "'" : "", a.to);
	if (!err)
		r->offline_pending = 0;
	buf_free(&frame);
	return err;
}

static void one_stanza(struct run *r, const struct xml_node *st)
{
	struct xml_node *out = NULL;
	enum stanza_kind kind;
	int err = stanza_kind_of(st, &kind);

	if (!err && kind == STANZA_PRESENCE && presence_passes(r, st)) {
		emit(r, st);
		return;
	}
	if (!err)
		err = seal_stanza(r, st, &out);
	if (err) {
		char detail[512];

		xml_free(out);
		/* The detail may quote the stanza's addresses: one line whatever
		 * they hold. A session too old or too used needs a handshake. */
		err_detail_set("%s%s", inspect_line_safe(err_detail(), detail, sizeof(detail)),
			       err == XE2E_E_EXPIRED && !r->offline_pending
				       ? ": run a new handshake" : "");
		worst(r, err_report(err, "cannot seal <%.64s>", st->name ? st->name : "?"));
		return;
	}
	emit(r, out);
	xml_free(out);
}

/* ---- ratchet stanzas ---- */

/* A due DH step that waited --ratchet-idle seconds for a stanza. */
static void ratchet_stanza(struct run *r, struct channel *ch, uint64_t now)
{
	struct envelope_addr a = {STANZA_MESSAGE, ch->peer_full, ch->self_bare, "headline", NULL};
	struct buf frame = BUF_INIT;
	struct xml_node *out = NULL;
	uint64_t since;
	int err;

	if (!channel_step_due(ch, now, &since))
		return;
	if (since < ch->last_send)
		since = ch->last_send;
	if (now < since || now - since < r->opt.idle)
		return;
	err = channel_release(ch);
	if (!err)
		err = outer_from(r, NULL, ch->self_bare, "this session's own JID", &a.from);
	if (!err)
		err = stanza_frame_ratchet(&frame);
	if (!err)
		err = seal_frame(r, ch, &a, NULL, &frame, &out);
	if (!err) {
		note(r, "ratchet stanza for %s", ch->peer_full);
		emit(r, out);
	} else {
		worst(r, err_report(err, "cannot send a ratchet stanza to %s", ch->peer_full));
		ch->last_send = now; /* try again after another idle period */
	}
	xml_free(out);
	buf_free(&frame);
}

static void ticker_wait(struct run *r)
{
	struct timespec ts;
	unsigned long ms = r->opt.idle * 1000 / 8;

	if (ms < 50)
		ms = 50;
	if (ms > 10000)
		ms = 10000;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&r->cv, &r->mu, &ts);
}

static void *ticker(void *arg)
{
	struct run *r = arg;

	pthread_mutex_lock(&r->mu);
	while (!r->done) {
		ticker_wait(r);
		for (size_t i = 0; !r->done && !r->fatal && i < r->n_ch; i++)
			ratchet_stanza(r, r->ch[i], now_s());
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/* ---- main loop ---- */

static void run_loop(struct run *r)
{
	struct xml_node *st;
	int err;

	for (;;) {
		err = xml_reader_next(r->reader, &st);
		if (err == XE2E_E_EOF)
			break;
		if (err) {
			pthread_mutex_lock(&r->mu);
			worst(r, err_report(err, "cannot read the input"));
			pthread_mutex_unlock(&r->mu);
			break;
		}
		pthread_mutex_lock(&r->mu);
		one_stanza(r, st);
		pthread_mutex_unlock(&r->mu);
		xml_free(st);
		if (r->fatal)
			break;
	}
}

static void finish(struct run *r)
{
	for (size_t i = 0; i < r->n_ch; i++) {
		int err = channel_release(r->ch[i]);

		if (err)
			worst(r, err_report(err, "cannot give back unused message numbers"));
		channel_wipe(r->ch[i]);
		free(r->ch[i]);
	}
	free(r->ch);
}

/* --bundle: the identity and the checked bundle, before any input. */
static int offline_prepare(struct run *r, struct passphrase *pp)
{
	uint64_t now = now_s();
	int err;

	r->self = (struct identity)IDENTITY_INIT;
	err = identity_load(&r->self, IDENTITY_LOAD_DEVICE_KEY, pp, now);
	if (err)
		return err_report(err, "cannot read the identity");
	err = offline_target_load(r->opt.bundle, r->opt.to, now, &r->target);
	if (err)
		return err_report(err, "cannot seal to the bundle %s", r->opt.bundle);
	if (r->target.b.n_opk == 0)
		warn(r, "the bundle of %s has no usable one-time prekey: sealing with its signed "
		     "prekey alone, so the first stanza can be read with %s's keys until that "
		     "prekey is deleted (up to %llu days)", r->target.peer_bare,
		     r->target.peer_bare,
		     (unsigned long long)((PREKEY_SPK_LIFETIME + PREKEY_GRACE) / 86400));
	r->offline_pending = 1;
	return -1;
}

static int reader_open(struct run *r)
{
	struct xml_limits lim = xml_limits_default();

	if (r->opt.max_stanza > lim.max_stanza_bytes)
		lim.max_stanza_bytes = r->opt.max_stanza;
	return xml_reader_new(&r->reader, STDIN_FILENO, XML_READ_BUFFERED, &lim);
}

int main(int argc, char **argv)
{
	struct run r;
	struct passphrase pp;
	pthread_t tick;
	int status, ticking;

	memset(&r, 0, sizeof(r));
	err_set_progname(argv[0]);
	status = parse_args(argc, argv, &r.opt);
	if (status >= 0)
		return status;
	signal(SIGPIPE, SIG_IGN);
	/* A passphrase file is read even when no key turns out to need it. */
	if ((status = cli_passphrase_init(&pp, r.opt.passphrase_file, r.opt.passphrase_prompt))) {
		passphrase_wipe(&pp);
		return err_report(status, "no passphrase");
	}
	status = r.opt.bundle ? offline_prepare(&r, &pp) : -1;
	passphrase_wipe(&pp);
	if (status >= 0) {
		identity_free(&r.self);
		offline_target_free(&r.target);
		return status;
	}
	r.copts.step_interval = (uint32_t)r.opt.interval;
	r.copts.writers = (uint32_t)r.opt.writers;
	if (reader_open(&r))
		return err_report(XE2E_E_NOMEM, "cannot read standard input");
	pthread_mutex_init(&r.mu, NULL);
	pthread_cond_init(&r.cv, NULL);
	ticking = pthread_create(&tick, NULL, ticker, &r) == 0;
	run_loop(&r);
	pthread_mutex_lock(&r.mu);
	r.done = 1;
	pthread_cond_signal(&r.cv);
	pthread_mutex_unlock(&r.mu);
	if (ticking)
		pthread_join(tick, NULL);
	finish(&r);
	if (r.opt.bundle) {
		if (r.offline_pending)
			worst(&r, err_report(XE2E_E_NOTFOUND, "no stanza to seal to the bundle"));
		identity_free(&r.self);
		offline_target_free(&r.target);
	}
	xml_reader_free(r.reader);
	pthread_cond_destroy(&r.cv);
	pthread_mutex_destroy(&r.mu);
	return r.status;
}
