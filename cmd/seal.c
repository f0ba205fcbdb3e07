/*
 * xe2e-seal: reads plaintext stanzas on standard input and writes each one
 * sealed for its peer's session. See xe2e-seal(1) and xe2e(7).
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "jid.h"
#include "passphrase.h"
#include "session.h"
#include "tell.h"
#include "xe2e.h"
#include "xml.h"

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
	struct xe2e_seal_opts seal;
	uint8_t session[SESSION_ID_LEN];
	const char *bundle;
	uint32_t max_stanza;
	const char *passphrase_file;
	int passphrase_prompt;
	int quiet, verbose;
};

enum {
	OPT_TO = 256, OPT_FROM, OPT_SESSION, OPT_BUNDLE, OPT_FALLBACK, OPT_MAX_STANZA,
	OPT_INTERVAL, OPT_IDLE, OPT_WRITERS, OPT_PASSPHRASE, OPT_PASSPHRASE_FILE, OPT_QUIET,
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

/* A number option's value into *out: 0, or the usage error. */
static int number(const char *opt, unsigned long min, unsigned long max, uint32_t *out)
{
	unsigned long v;
	int status = cli_number_arg(opt, optarg, min, max, &v);

	*out = status ? *out : (uint32_t)v;
	return status;
}

/* One option: 0 to go on, or the usage error. */
static int parse_option(void *ctx, int c)
{
	struct options *o = ctx;
	struct jid from;

	switch (c) {
	case OPT_TO: o->seal.to = optarg; return 0;
	case OPT_FROM: /* a full JID, whose resource the associated data then binds */
		if (jid_parse(optarg, &from) || !from.resource[0])
			return err_usage("--from needs a full JID (with the resource the server bound)");
		o->seal.from = optarg;
		return 0;
	case OPT_SESSION:
		if (session_id_parse(optarg, o->session))
			return err_usage("--session needs a session id of 32 hex digits");
		o->seal.session = o->session;
		return 0;
	case OPT_BUNDLE: o->bundle = optarg; return 0;
	case OPT_FALLBACK: o->seal.fallback_body = optarg; return 0;
	case OPT_MAX_STANZA: return number("--max-stanza", 1024, 64ul << 20, &o->max_stanza);
	case OPT_INTERVAL: return number("--ratchet-interval", 0, 86400, &o->seal.step_interval);
	case OPT_IDLE: return number("--ratchet-idle", 1, 86400, &o->seal.idle);
	case OPT_WRITERS: return number("--writers", 1, 64, &o->seal.writers);
	case OPT_PASSPHRASE: o->passphrase_prompt = 1; return 0;
	case OPT_PASSPHRASE_FILE: o->passphrase_file = optarg; return 0;
	case OPT_QUIET: o->quiet = 1; return 0;
	case OPT_VERBOSE: o->verbose = 1; return 0;
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
	xe2e_seal_opts_init(&o->seal);
	o->max_stanza = (uint32_t)o->seal.max_stanza;
	status = cli_parse(argc, argv, &cli_spec, o, done);
	o->seal.max_stanza = o->max_stanza;
	if (status || *done)
		return status;
	if (o->passphrase_prompt && o->passphrase_file)
		return err_usage("--passphrase and --passphrase-file exclude each other");
	if (o->seal.to && o->seal.session)
		return err_usage("--to and --session exclude each other");
	if (o->quiet && o->verbose)
		return err_usage("--quiet and --verbose exclude each other");
	if (o->seal.to && !*o->seal.to)
		return err_usage("--to needs a JID");
	if (o->bundle && !o->seal.to)
		return err_usage("--bundle needs --to");
	return XE2E_EXIT_OK;
}

/* ---- the run ---- */

struct run {
	const struct options *opt;
	struct xe2e_sealer *sealer;
	int status; /* worst so far */
	int fatal;  /* output failed: stop */
};

static void worst(struct run *r, int status)
{
	if (status > r->status && r->status != XE2E_EXIT_TRUST)
		r->status = status;
}

/* What a session that just came into use asks the user to know. */
static void tell_session(const struct xe2e_session *s)
{
	char hex[SESSION_ID_TEXT_LEN], subject[SESSION_ID_TEXT_LEN + JID_MAX + 16];

	if (s->flags & XE2E_SESSION_STARTED)
		diag(DIAG_VERBOSE, "sealed to the bundle of %s with %s", s->peer_bare,
		     tell_prekey(s->flags));
	if (!(s->flags & XE2E_SESSION_LOADED))
		return;
	session_id_format(s->id, hex);
	snprintf(subject, sizeof(subject), "session %s with %s", hex, s->peer_bare);
	tell_session_flags(subject, s->flags);
}

static void emit(struct run *r, const struct xml_node *el)
{
	int err = xml_write_stanza(STDOUT_FILENO, el);

	if (err) {
		worst(r, err_report(err, "cannot write the sealed stanza"));
		r->fatal = 1;
	}
}

static void one_stanza(struct run *r, const struct xml_node *st)
{
	struct xe2e_sealed res;
	const char *id;
	int err = xe2e_seal(r->sealer, st, (uint64_t)time(NULL), &res);

	tell_session(&res.session);
	if (res.flags & XE2E_SEALED_PASSED) {
		diag(DIAG_WARNING, "%s", res.detail);
		emit(r, st);
	} else if (err) {
		err_detail_set("%s", res.detail);
		worst(r, err_report(err, "cannot seal <%.64s>", st->name ? st->name : "?"));
	} else {
		id = xml_get_attr(res.stanza, "id");
		diag(DIAG_VERBOSE, "sealed <%s%s%s%s> for %s", st->name, id ? " id='" : "",
		     id ? id : "", id ? "'" : "", xml_get_attr(res.stanza, "to"));
		emit(r, res.stanza);
	}
	xe2e_sealed_free(&res);
}

/* Ratchet stanzas for due DH steps that waited --ratchet-idle seconds. */
static void ratchet_stanzas(struct run *r)
{
	struct xe2e_sealed res;
	size_t i = 0;
	int err;

	while (!r->fatal &&
	       (err = xe2e_sealer_tick(r->sealer, (uint64_t)time(NULL), &i, &res)) != XE2E_E_EOF) {
		if (err) {
			err_detail_set("%s", res.detail);
			worst(r, err_report(err, "cannot send a ratchet stanza to %s",
					    res.session.peer_full));
		} else {
			diag(DIAG_VERBOSE, "ratchet stanza for %s", res.session.peer_full);
			emit(r, res.stanza);
		}
		xe2e_sealed_free(&res);
	}
}

/* ---- phases ---- */

/* The sealer, and for --bundle the identity and the checked bundle,
 * before any input. */
static int sealer_open(struct run *r, struct passphrase *pp)
{
	struct xe2e_bundle_info info;
	int err = xe2e_sealer_new(&r->sealer, &r->opt->seal);

	if (err)
		return err_report(err, "cannot seal");
	if (!r->opt->bundle)
		return XE2E_EXIT_OK;
	if ((err = xe2e_sealer_identity(r->sealer, pp, (uint64_t)time(NULL))))
		return err_report(err, "cannot read the identity");
	if ((err = xe2e_sealer_bundle(r->sealer, r->opt->bundle, (uint64_t)time(NULL), &info)))
		return err_report(err, "cannot seal to the bundle %s", r->opt->bundle);
	if (*info.warning)
		diag(DIAG_WARNING, "%s", info.warning);
	return XE2E_EXIT_OK;
}

/* Seals standard input stanza by stanza; between stanzas, and at least
 * every xe2e_sealer_tick_ms() while none comes, the ratchet stanzas that
 * are due. r->status gets the worst outcome. Not OK only when the input
 * cannot be read. */
static int seal_all(struct run *r)
{
	struct xml_limits lim = xml_limits_default();
	struct pollfd in = {.fd = STDIN_FILENO, .events = POLLIN};
	struct xml_reader *reader;
	struct xml_node *st;
	int err = XE2E_OK;

	if (r->opt->seal.max_stanza > lim.max_stanza_bytes)
		lim.max_stanza_bytes = r->opt->seal.max_stanza;
	if (xml_reader_new(&reader, STDIN_FILENO, XML_READ_BUFFERED, &lim))
		return err_report(XE2E_E_NOMEM, "cannot read standard input");
	while (ratchet_stanzas(r), !r->fatal) {
		err = xml_reader_next_ready(reader, &st);
		if (err == XE2E_E_TIMEOUT) {
			poll(&in, 1, (int)xe2e_sealer_tick_ms(r->sealer));
			continue;
		}
		if (err)
			break;
		one_stanza(r, st);
		xml_free(st);
	}
	if (!r->fatal && err != XE2E_E_EOF)
		worst(r, err_report(err, "cannot read the input"));
	xml_reader_free(reader);
	return XE2E_EXIT_OK;
}

static int cmd_seal(const struct options *o)
{
	struct run r = {.opt = o};
	struct passphrase pp;
	int status;

	signal(SIGPIPE, SIG_IGN);
	/* A passphrase file is read even when no key turns out to need it. */
	if ((status = cli_passphrase_init(&pp, o->passphrase_file, o->passphrase_prompt)))
		return status;
	status = sealer_open(&r, &pp);
	passphrase_wipe(&pp);
	if (status == XE2E_EXIT_OK && (status = seal_all(&r)) == XE2E_EXIT_OK) {
		/* Unused message numbers go back; a bundle nobody sealed to is an error. */
		if ((status = xe2e_sealer_release(r.sealer)))
			worst(&r, err_report(status, "cannot give back unused message numbers"));
		if (xe2e_sealer_bundle_pending(r.sealer))
			worst(&r, err_report(XE2E_E_NOTFOUND, "no stanza to seal to the bundle"));
		status = r.status;
	}
	xe2e_sealer_free(r.sealer);
	return status;
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
	return cmd_seal(&o);
}
