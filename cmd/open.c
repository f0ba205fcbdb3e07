/*
 * xe2e-open: reads sealed stanzas on standard input and writes the
 * original stanzas; refuses forgeries, replays and plaintext. See
 * xe2e-open(1) and xe2e(7).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "channel.h"
#include "envelope.h"
#include "cli.h"
#include "err.h"
#include "identity.h"
#include "inspect.h"
#include "jid.h"
#include "offline_session.h"
#include "passphrase.h"
#include "ratchet.h"
#include "session.h"
#include "stanza_frame.h"
#include "trust.h"
#include "unsealed.h"
#include "util.h"
#include "xml.h"

#define BATCH_MAX 64 /* stanzas opened in one transaction, at most; the default */

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
	unsigned batch;
	int batch_given; /* --batch was on the command line */
	int require_resource;
	int quiet, verbose;
	int inspect;
	const char *passphrase_file;
	int passphrase_prompt;
};

enum {
	OPT_BATCH = 256,
	OPT_REQUIRE_RESOURCE,
	OPT_QUIET,
	OPT_VERBOSE,
	OPT_INSPECT,
	OPT_PASSPHRASE,
	OPT_PASSPHRASE_FILE,
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

/* Returns -1 to go on, or the exit status. */
static int parse_option(void *ctx, int c)
{
	struct options *o = ctx;
	unsigned long v = 1;
	int status;

	switch (c) {
	case OPT_BATCH:
		status = cli_number("--batch", optarg, 1, BATCH_MAX, &v);
		o->batch = (unsigned)v;
		o->batch_given = 1;
		return status;
	case OPT_REQUIRE_RESOURCE: o->require_resource = 1; return -1;
	case OPT_QUIET: o->quiet = 1; return -1;
	case OPT_VERBOSE: o->verbose = 1; return -1;
	case OPT_INSPECT: o->inspect = 1; return -1;
	case OPT_PASSPHRASE: o->passphrase_prompt = 1; return -1;
	case OPT_PASSPHRASE_FILE: o->passphrase_file = optarg; return -1;
	case 'h':
		fputs(usage_text, stdout);
		fputs(help_text, stdout);
		return XE2E_EXIT_OK;
	default:
		return err_usage("unknown option");
	}
}

static int parse_args(int argc, char **argv, struct options *o)
{
	int status;

	o->batch = BATCH_MAX;
	status = cli_options(argc, argv, long_options, parse_option, o);
	if (status >= 0)
		return status;
	if (optind < argc)
		return err_usage("unexpected argument '%s'", argv[optind]);
	if (o->quiet && o->verbose)
		return err_usage("--quiet and --verbose exclude each other");
	if (o->inspect && (o->batch_given || o->quiet || o->verbose || o->require_resource ||
			   o->passphrase_prompt || o->passphrase_file))
		return err_usage("--inspect goes with no other option");
	if (o->passphrase_prompt && o->passphrase_file)
		return err_usage("--passphrase and --passphrase-file exclude each other");
	return -1;
}

/* ---- the run ---- */

struct run {
	struct options opt;
	struct channel_index idx;
	struct channel **ch;
	size_t n_ch;
	struct xml_reader *reader;
	int replays, failures;
	int fatal, ended;
	struct buf out;       /* opened stanzas, written after their commit */
	struct identity self; /* for initial messages, loaded at the first */
	int self_err;         /* 0 until tried */
	int have_self;
	struct passphrase pp; /* for the device key, read at the start */
};

static void say(int on, const char *fmt, va_list ap)
{
	if (!on)
		return;
	fprintf(stderr, "%s: ", err_progname());
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void warn(const struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(const struct run *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(!r->opt.quiet, fmt, ap);
	va_end(ap);
}

static void note(const struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(const struct run *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(r->opt.verbose, fmt, ap);
	va_end(ap);
}

/* Why a stanza could not be opened, in the words of xe2e-open(1). */
static const char *reason(int err)
{
	switch (err) {
	case XE2E_E_NOTFOUND: return "unknown session";
	case XE2E_E_REPLAY: return "replay";
	case XE2E_E_AUTH: return "tampered";
	case XE2E_E_WEAKKEY: return "tampered";
	case XE2E_E_LIMIT: return "gap too large";
	case XE2E_E_STALE: return "stale session";
	case XE2E_E_EXPIRED: return "expired session";
	case XE2E_E_MALFORMED: return "malformed";
	default: return err_str(err);
	}
}

/* Says on stderr that a stanza was not opened (or inspected), and why. */
static void describe(const struct run *r, const struct xml_node *st, const char *why,
		     const char *detail)
{
	const char *id = xml_get_attr(st, "id"), *from = xml_get_attr(st, "from");
	char id_s[65], from_s[201], detail_s[512]; /* from outside: one line each */

	fprintf(stderr, "%s: <%.32s%s%s%s> from %s not %s: %s%s%s\n", err_progname(),
		st->name ? st->name : "?", id ? " id='" : "",
		id ? inspect_line_safe(id, id_s, sizeof(id_s)) : "", id ? "'" : "",
		from ? inspect_line_safe(from, from_s, sizeof(from_s)) : "(no from)",
		r->opt.inspect ? "inspected" : "opened", why,
		detail && *detail ? ": " : "",
		detail ? inspect_line_safe(detail, detail_s, sizeof(detail_s)) : "");
}

/* Reports a stanza that was not opened (or inspected) and counts it. */
static void refuse(struct run *r, const struct xml_node *st, const char *why, const char *detail)
{
	describe(r, st, why, detail);
	if (!strcmp(why, "replay"))
		r->replays++;
	else
		r->failures++;
}

/*
 * A stanza without a seal is never passed on; only one that its session
 * should have sealed counts as a failure (unsealed.h). A plain message
 * from someone without a session is still said, so that it is not lost
 * unseen; the server's own stanzas and presence only with --verbose.
 */
static void unsealed(struct run *r, const struct xml_node *st)
{
	switch (unsealed_kind_of(st)) {
	case UNSEALED_REFUSED:
		refuse(r, st, "not sealed", "plaintext is never passed on");
		break;
	case UNSEALED_PLAIN:
		if (!strcmp(st->name, "message") && !r->opt.quiet)
			describe(r, st, "not sealed", "no session with the sender; "
				 "plaintext is never passed on");
		else if (r->opt.verbose)
			describe(r, st, "not sealed", "no session with the sender");
		break;
	default:
		if (r->opt.verbose)
			describe(r, st, "not sealed", "not an xe2e stanza (presence or the server's)");
		break;
	}
}

static uint64_t now_s(void)
{
	return (uint64_t)time(NULL);
}

static int channel_get(struct run *r, const uint8_t id[static SESSION_ID_LEN],
		       struct channel **out)
{
	static const struct channel_opts copts = {RATCHET_STEP_INTERVAL, 1};
	struct channel *ch, **grown;
	int err;

	for (size_t i = 0; i < r->n_ch; i++) {
		if (!memcmp(r->ch[i]->id, id, SESSION_ID_LEN)) {
			*out = r->ch[i];
			return XE2E_OK;
		}
	}
	ch = calloc(1, sizeof(*ch));
	grown = realloc(r->ch, (r->n_ch + 1) * sizeof(*r->ch));
	if (grown)
		r->ch = grown;
	if (!ch || !grown) {
		free(ch);
		return XE2E_E_NOMEM;
	}
	if ((err = channel_load(ch, id, &copts))) {
		free(ch);
		return err;
	}
	r->ch[r->n_ch++] = ch;
	if (channel_trust_check(ch) == XE2E_E_TRUST) /* even with --quiet */
		err_warn("warning: the session with %s is not to be trusted, what it opens may "
			 "come from someone else: %s", ch->peer_bare, err_detail());
	err_detail_clear();
	if (ch->flags & TRUST_FLAG_RS_RESET)
		warn(r, "the session with %s carries rs-reset: the retained secrets did not "
		     "match; verify the peer (xe2e-verify-sas)", ch->peer_bare);
	if (ch->flags & TRUST_FLAG_OFFLINE_ORIGIN)
		warn(r, "the session with %s started from prekeys (offline-origin): its trust is "
		     "capped at tofu until a real-time handshake (xe2e-handshake)", ch->peer_bare);
	*out = ch;
	return XE2E_OK;
}

/* 1 when finding a session failed on a session file that cannot be read
 * (named in the detail), not on the stanza. */
static int session_unreadable(int err)
{
	return err == XE2E_E_MALFORMED || err == XE2E_E_PERM || err == XE2E_E_LIMIT ||
	       err == XE2E_E_IO;
}

/* The session of a sealed stanza, by its sender's bare JID and the tag;
 * *unreadable tells a session file that cannot be read from a stanza that
 * has no session; *sender_full gets the header's flag. */
static int find_channel(struct run *r, const struct envelope *env, struct channel **ch,
			int *unreadable, int *sender_full)
{
	struct ratchet_header h;
	char bare[JID_MAX + 1];
	uint8_t id[SESSION_ID_LEN];
	size_t used;
	int err = ratchet_header_decode(&h, env->wire.data, env->wire.len, &used);

	if (err)
		return err;
	*sender_full = h.sender_full;
	if (!env->addr.from) {
		err_detail_set("no 'from'");
		return XE2E_E_MALFORMED;
	}
	if ((err = jid_normalize_bare(env->addr.from, bare)))
		return err;
	err = channel_index_find(&r->idx, bare, h.tag, id);
	if (!err)
		err = channel_get(r, id, ch);
	*unreadable = session_unreadable(err);
	return err;
}

/* A stanza of the batch being opened. */
struct item {
	struct xml_node *st;
	struct envelope env;
	struct channel *ch; /* NULL once refused */
	struct buf ad;
	int offline;               /* an initial message (<offline/>) to open */
	struct xml_node *copy;     /* what env points into for one */
	char from_bare[JID_MAX + 1];
	int sender_full;           /* the sender bound its full JID */
	int unbound;               /* refused by --require-resource */
};

#define UNBOUND_REASON "resource not authenticated"

/* The own identity with the device key, loaded once. */
static int self_load(struct run *r)
{
	if (r->have_self || r->self_err)
		return r->self_err;
	r->self = (struct identity)IDENTITY_INIT;
	r->self_err = identity_load(&r->self, IDENTITY_LOAD_DEVICE_KEY, &r->pp, now_s());
	passphrase_wipe(&r->pp);
	r->have_self = !r->self_err;
	return r->self_err;
}

/* Refuses, before any cryptography, a stanza whose 'from' has a resource
 * its sender did not bind, when --require-resource asks it. */
static int resource_check(const struct run *r, struct item *it)
{
	if (!r->opt.require_resource || envelope_from_authenticated(&it->env.addr, it->sender_full))
		return XE2E_OK;
	err_detail_set("its sender did not bind the resource of 'from', so the server may have "
		       "set or rewritten it (--require-resource)");
	it->unbound = 1;
	return XE2E_E_AUTH;
}

/* An initial message: its addresses and associated data. */
static int offline_prepare(struct run *r, struct item *it)
{
	struct offline_header h;
	int err = self_load(r);

	if (!err && !it->env.addr.from) {
		err_detail_set("no 'from'");
		err = XE2E_E_MALFORMED;
	}
	if (!err)
		err = jid_normalize_bare(it->env.addr.from, it->from_bare);
	if (!err)
		err = envelope_check_route(&it->env.addr, r->self.jid, it->from_bare);
	if (!err)
		err = offline_header_parse(it->env.wire.data, it->env.wire.len, &h);
	it->sender_full = !err && h.sender_full;
	if (!err)
		err = resource_check(r, it);
	if (!err)
		err = envelope_ad_open(&it->env.addr, it->sender_full, r->self.jid, it->from_bare,
				       &it->ad);
	it->offline = !err;
	return err;
}

/* Why an initial message could not be opened. */
static const char *offline_reason(int err)
{
	switch (err) {
	case XE2E_E_EXPIRED: return "expired prekey";
	case XE2E_E_TRUST: return "trust";
	case XE2E_E_NOTFOUND: return "not found";
	case XE2E_E_LIMIT: return "limit";
	default: return reason(err);
	}
}

/* Everything before the cryptography: bounces, plaintext, the session,
 * the addresses, the associated data. Refuses and returns 0 on failure. */
static int item_prepare(struct run *r, struct item *it)
{
	char cond[ENVELOPE_COND_MAX];
	int err, unreadable = 0;

	if (envelope_is_bounce(it->st, cond)) {
		refuse(r, it->st, "bounced", *cond ? cond : "the server returned it");
		return 0;
	}
	err = envelope_parse(it->st, &it->env);
	if (err == XE2E_E_NOTFOUND) {
		envelope_free(&it->env);
		err = offline_envelope_parse(it->st, &it->copy, &it->env);
		if (!err && (err = offline_prepare(r, it)) != XE2E_OK) {
			refuse(r, it->st, it->unbound ? UNBOUND_REASON : offline_reason(err),
			       err_detail());
			err_detail_clear();
			return 0;
		}
		if (!err)
			return 1;
	}
	if (err == XE2E_E_NOTFOUND) {
		unsealed(r, it->st);
		return 0;
	}
	if (!err)
		err = find_channel(r, &it->env, &it->ch, &unreadable, &it->sender_full);
	if (!err)
		err = envelope_check_route(&it->env.addr, it->ch->self_bare, it->ch->peer_bare);
	if (!err)
		err = resource_check(r, it);
	if (!err)
		err = envelope_ad_open(&it->env.addr, it->sender_full, it->ch->self_bare,
				       it->ch->peer_bare, &it->ad);
	if (err) {
		refuse(r, it->st, unreadable ? "unreadable session" : it->unbound ? UNBOUND_REASON
				  : reason(err), err_detail());
		it->ch = NULL;
	}
	err_detail_clear();
	return it->ch != NULL;
}

static void item_finish(struct run *r, struct item *it, struct channel_msg *m);

/* The detail of a stanza that did not authenticate: when its sender bound
 * its full JID, the resource it arrived with may not be the one it was
 * sealed with. */
static const char *auth_detail(const struct item *it, int err, const char *detail, char *out,
			       size_t size)
{
	if (err != XE2E_E_AUTH || !it->sender_full)
		return detail;
	/* A detail too long for out is cut short: the message stays readable. */
	if (snprintf(out, size, "%s%sits sender bound its full JID, so the resource of 'from' "
		     "may have been rewritten on the way", detail, *detail ? "; " : "") < 0)
		return detail;
	return out;
}

/* Writes the stanzas opened since the last time, all at once: their
 * transaction is committed by then. */
static void output_flush(struct run *r)
{
	int err = r->out.len ? xml_write_lines(STDOUT_FILENO, &r->out) : XE2E_OK;

	if (r->out.data)
		wipe(r->out.data, r->out.len);
	r->out.len = 0;
	if (err) {
		err_report(err, "cannot write the opened stanza");
		r->fatal = 1;
		r->failures++;
	}
}

/* Opens an initial message, starting its session, and writes the stanza. */
static size_t item_offline(struct run *r, struct item *it)
{
	struct channel_msg m;
	struct offline_opened o;
	struct channel *ch;
	char detail[512];

	memset(&m, 0, sizeof(m));
	m.err = offline_session_open(&r->self, it->env.addr.from, it->ad.data, it->ad.len,
				     it->env.wire.data, it->env.wire.len, now_s(), &o, &m.pt);
	if (m.err) {
		refuse(r, it->st, offline_reason(m.err),
		       auth_detail(it, m.err, err_detail(), detail, sizeof(detail)));
		err_detail_clear();
		buf_free(&m.pt);
		return 1;
	}
	note(r, "initial message from %s%s, sealed with %s", o.peer_bare,
	     o.new_peer ? " (first contact: recorded as tofu)" : "",
	     o.used_opk ? "a one-time prekey" : "the signed prekey alone");
	/* The new session's channel (and its offline-origin warning). */
	if (channel_get(r, o.id, &ch) == XE2E_OK)
		it->ch = ch;
	item_finish(r, it, &m);
	output_flush(r);
	buf_free(&m.pt);
	return 1;
}

/* Makes the original stanza from an opened frame and writes it. */
static void item_finish(struct run *r, struct item *it, struct channel_msg *m)
{
	struct xml_node *out = NULL;
	char detail[512];
	int ratchet = 0, err = m->err;

	if (err) {
		refuse(r, it->st, reason(err), auth_detail(it, err, m->detail, detail, sizeof(detail)));
		return;
	}
	err = stanza_frame_decode(m->pt.data, m->pt.len, it->env.addr.kind, NULL, &out, &ratchet);
	if (!err && out)
		err = envelope_restore(out, &it->env.addr);
	if (err) {
		refuse(r, it->st, "malformed", err_detail());
	} else if (ratchet) {
		note(r, "ratchet stanza from %s", it->env.addr.from);
	} else {
		if (m->info.skipped)
			note(r, "%u stanza(s) from %s not received (yet)", m->info.skipped,
			     it->ch->peer_bare);
		note(r, "opened <%s> from %s (epoch %u, message %u)%s", out->name,
		     it->env.addr.from, m->info.epoch, m->info.n,
		     envelope_from_authenticated(&it->env.addr, it->sender_full)
			     ? "" : ": its resource is not authenticated (its sender did not bind it)");
		if (it->env.n_unsealed)
			note(r, "dropped %zu element(s) added outside the seal", it->env.n_unsealed);
		if ((err = xml_append_line(&r->out, out))) {
			err_report(err, "cannot write the opened stanza");
			r->fatal = 1;
			r->failures++;
		}
	}
	err_detail_clear();
	xml_free(out);
}

/* Opens the items from first on that belong to its session, in one
 * transaction; returns how many items it looked at. */
static size_t open_group(struct run *r, struct item *items, size_t n, size_t first)
{
	struct channel_msg m[BATCH_MAX];
	struct channel *ch = items[first].ch;
	size_t k = 0, end = first;

	memset(m, 0, sizeof(m));
	for (; end < n && (items[end].ch == ch || (!items[end].ch && !items[end].offline)); end++) {
		if (!items[end].ch)
			continue;
		m[k].wire = items[end].env.wire.data;
		m[k].wire_len = items[end].env.wire.len;
		m[k].ad = items[end].ad.data;
		m[k].ad_len = items[end].ad.len;
		k++;
	}
	channel_open(ch, now_s(), m, k);
	k = 0;
	for (size_t i = first; i < end; i++)
		if (items[i].ch && !r->fatal)
			item_finish(r, &items[i], &m[k++]);
	if (!r->fatal)
		output_flush(r);
	for (size_t i = 0; i < BATCH_MAX; i++)
		buf_free(&m[i].pt);
	return end - first;
}

/* Reads a batch: one stanza, waiting for it, then those that input
 * already at hand completes, up to the batch's bound. */
static size_t read_batch(struct run *r, struct item *items)
{
	size_t n = 0;
	int err;

	while (n < r->opt.batch && !r->ended) {
		memset(&items[n], 0, sizeof(items[n]));
		err = n == 0 ? xml_reader_next(r->reader, &items[n].st)
			     : xml_reader_next_ready(r->reader, &items[n].st);
		if (err == XE2E_E_TIMEOUT)
			break; /* nothing more is waiting: open what there is */
		if (err) {
			if (err != XE2E_E_EOF) {
				err_report(err, "cannot read the input");
				r->failures++;
			}
			r->ended = 1;
			break;
		}
		n++;
	}
	return n;
}

static void run_loop(struct run *r)
{
	struct item items[BATCH_MAX];
	size_t n;

	while (!r->fatal && (n = read_batch(r, items)) > 0) {
		for (size_t start = 0, end; start < n && !r->fatal; start = end) {
			/* Up to an initial message, whose session those after it
			 * may need. */
			for (end = start; end < n;)
				if (item_prepare(r, &items[end++]) && items[end - 1].offline)
					break;
			for (size_t i = start; i < end && !r->fatal;)
				i += items[i].offline ? item_offline(r, &items[i])
				     : items[i].ch   ? open_group(r, items, end, i)
						     : 1;
		}
		for (size_t i = 0; i < n; i++) {
			xml_free(items[i].st);
			envelope_free(&items[i].env);
			xml_free(items[i].copy);
			buf_free(&items[i].ad);
		}
	}
}

/* ---- --inspect ---- */

/* The session of a sealed stanza by its sender and tag, as opening would
 * find it; 0 when there is none. Reads session files; locks and writes
 * nothing. */
static int inspect_session(struct run *r, const struct inspect_info *info,
			   uint8_t id[static SESSION_ID_LEN])
{
	char bare[JID_MAX + 1];
	int found = info->addr.from && !jid_normalize_bare(info->addr.from, bare) &&
		    !channel_index_find(&r->idx, bare, info->h.tag, id);

	err_detail_clear();
	return found;
}

/* Prints the outside of one stanza, or refuses it; opens nothing. */
static void inspect_one(struct run *r, const struct xml_node *st)
{
	struct envelope env;
	struct inspect_info info;
	struct buf line = BUF_INIT;
	uint8_t id[SESSION_ID_LEN];
	int err;

	memset(&env, 0, sizeof(env));
	err = inspect_parse(st, &env, &info);
	if (err == XE2E_E_NOTFOUND)
		refuse(r, st, "not sealed", xml_find_child(st, "offline", XE2E_NS)
						    ? "an initial message (prekeys), not inspected"
						    : "no <sealed/> element");
	else if (err)
		refuse(r, st, reason(err), err_detail());
	else if ((err = inspect_format(&info, inspect_session(r, &info, id) ? id : NULL,
				       SESSION_ID_LEN, &line)) != XE2E_OK)
		refuse(r, st, reason(err), err_detail());
	else if (fwrite(line.data, 1, line.len, stdout) != line.len || fflush(stdout)) {
		err_report(XE2E_E_IO, "cannot write to standard output");
		r->fatal = 1;
		r->failures++;
	}
	err_detail_clear();
	envelope_free(&env);
	buf_free(&line);
}

static void inspect_loop(struct run *r)
{
	struct xml_node *st = NULL;
	int err = XE2E_OK;

	while (!r->fatal && !(err = xml_reader_next(r->reader, &st))) {
		inspect_one(r, st);
		xml_free(st);
		st = NULL;
	}
	if (!r->fatal && err != XE2E_E_EOF) {
		err_report(err, "cannot read the input");
		r->failures++;
	}
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
	/* A passphrase file is read even when no key turns out to need it. */
	if ((status = cli_passphrase_init(&r.pp, r.opt.passphrase_file, r.opt.passphrase_prompt))) {
		passphrase_wipe(&r.pp);
		return err_report(status, "no passphrase");
	}
	if (xml_reader_new(&r.reader, STDIN_FILENO, XML_READ_BUFFERED, NULL)) {
		passphrase_wipe(&r.pp);
		return err_report(XE2E_E_NOMEM, "cannot read standard input");
	}
	if (r.opt.inspect)
		inspect_loop(&r);
	else
		run_loop(&r);
	identity_free(&r.self);
	buf_free(&r.out);
	passphrase_wipe(&r.pp);
	xml_reader_free(r.reader);
	for (size_t i = 0; i < r.n_ch; i++) {
		channel_wipe(r.ch[i]);
		free(r.ch[i]);
	}
	free(r.ch);
	channel_index_free(&r.idx);
	if (r.failures)
		return XE2E_EXIT_ERROR;
	return r.replays ? XE2E_EXIT_REPLAY : XE2E_EXIT_OK;
}
