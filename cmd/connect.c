/*
 * xe2e-connect: netcat for XMPP. Logs in to an XMPP server (STARTTLS,
 * SASL, resource binding, presence), then copies stanzas from standard
 * input to the server and from the server to standard output. See
 * xe2e-connect(1).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "util.h"
#include "xmpp_client.h"
#include "xmpp_conn.h"
#include "xmpp_pump.h"

#define PASSWORD_ENV "XE2E_PASSWORD"
#define CLOSE_MS 5000

static const char usage_text[] =
	"usage: xe2e-connect --jid JID [--password-file FILE] [--host HOST] [--port PORT]\n"
	"                    [--resource RESOURCE] [--ca FILE | --insecure]\n"
	"                    [--mechanism MECH] [--wait SECONDS] [--timeout SECONDS]\n"
	"                    [--no-presence] [--verbose]\n"
	"       xe2e-connect --help | --version\n";

static const char help_text[] =
	"Logs in to an XMPP server and copies stanzas from stdin to the server and\n"
	"from the server to stdout, one per line.\n"
	"\n"
	"  --jid JID               the account (a full JID asks for its resource)\n"
	"  --password-file FILE    the password: the first line of FILE (mode 600);\n"
	"                          without it, the environment variable XE2E_PASSWORD\n"
	"  --host HOST             connect to HOST (default: the JID's domain)\n"
	"  --port PORT             connect to PORT (default: 5222)\n"
	"  --resource RESOURCE     the resource to ask for (default: the server's)\n"
	"  --ca FILE               trust the CA certificates in FILE (PEM) instead of\n"
	"                          /etc/ssl/certs/ca-certificates.crt\n"
	"  --insecure              do not verify the server's certificate (unsafe;\n"
	"                          SCRAM only: PLAIN is refused)\n"
	"  --mechanism MECH        use only this SASL mechanism: SCRAM-SHA-256,\n"
	"                          SCRAM-SHA-1 or PLAIN (default: the best offered)\n"
	"  --wait SECONDS          after the end of stdin, keep receiving this long (0)\n"
	"  --timeout SECONDS       limit for each login step and write (30)\n"
	"  --no-presence           do not send initial presence\n"
	"  --verbose               say on stderr how the connection was made\n"
	"  --help                  show this help\n"
	"  --version               show the version\n"
	"\n"
	"Exit status: 0 done, 1 error (network, login, stream), 2 usage,\n"
	"3 the server's certificate does not verify. See xe2e-connect(1).\n";

struct options {
	struct xmpp_client_options client;
	const char *password_file;
	unsigned wait, timeout;
	int verbose;
};

enum {
	OPT_JID = 256,
	OPT_PASSWORD_FILE,
	OPT_HOST,
	OPT_PORT,
	OPT_RESOURCE,
	OPT_CA,
	OPT_INSECURE,
	OPT_MECHANISM,
	OPT_WAIT,
	OPT_TIMEOUT,
	OPT_NO_PRESENCE,
	OPT_VERBOSE,
};

static const struct option long_options[] = {
	{"jid", required_argument, NULL, OPT_JID},
	{"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
	{"host", required_argument, NULL, OPT_HOST},
	{"port", required_argument, NULL, OPT_PORT},
	{"resource", required_argument, NULL, OPT_RESOURCE},
	{"ca", required_argument, NULL, OPT_CA},
	{"insecure", no_argument, NULL, OPT_INSECURE},
	{"mechanism", required_argument, NULL, OPT_MECHANISM},
	{"wait", required_argument, NULL, OPT_WAIT},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"no-presence", no_argument, NULL, OPT_NO_PRESENCE},
	{"verbose", no_argument, NULL, OPT_VERBOSE},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

/* ---- arguments ---- */

static int parse_port(const char *text)
{
	unsigned long port;

	return cli_number_arg("--port", text, 1, 65535, &port);
}

static int parse_mechanism(const char *text, unsigned *out)
{
	static const enum xmpp_mech all[] = {XMPP_MECH_SCRAM_SHA256, XMPP_MECH_SCRAM_SHA1,
					     XMPP_MECH_PLAIN};

	for (size_t i = 0; i < ARRAY_SIZE(all); i++) {
		if (!strcmp(text, xmpp_mech_name(all[i]))) {
			*out = all[i];
			return XE2E_EXIT_OK;
		}
	}
	return err_usage("--mechanism needs SCRAM-SHA-256, SCRAM-SHA-1 or PLAIN");
}

/* One option: 0 to go on, or the usage error. */
static int parse_option(void *ctx, int c)
{
	struct options *o = ctx;

	switch (c) {
	case OPT_JID: o->client.jid = optarg; return 0;
	case OPT_PASSWORD_FILE: o->password_file = optarg; return 0;
	case OPT_HOST: o->client.host = optarg; return 0;
	case OPT_PORT: o->client.port = optarg; return parse_port(optarg);
	case OPT_RESOURCE: o->client.resource = optarg; return 0;
	case OPT_CA: o->client.tls.ca_file = optarg; return 0;
	case OPT_INSECURE: o->client.tls.insecure = 1; return 0;
	case OPT_MECHANISM: return parse_mechanism(optarg, &o->client.mechs);
	case OPT_WAIT: return cli_seconds_arg("--wait", optarg, 0, &o->wait);
	case OPT_TIMEOUT: return cli_seconds_arg("--timeout", optarg, 1, &o->timeout);
	case OPT_NO_PRESENCE: o->client.presence = 0; return 0;
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
	.operand_hint = "passwords never go on the command line: use --password-file or "
			"XE2E_PASSWORD",
};

static int check_options(const struct options *o)
{
	if (!o->client.jid)
		return err_usage("--jid JID is needed");
	if (o->client.tls.ca_file && o->client.tls.insecure)
		return err_usage("--ca and --insecure exclude each other");
	if (o->client.tls.insecure && o->client.mechs == XMPP_MECH_PLAIN)
		return err_usage("--insecure refuses PLAIN: without a verified certificate it "
				 "would hand the password to whoever answered");
	if (o->client.resource && !*o->client.resource)
		return err_usage("--resource needs a non-empty resource");
	return XE2E_EXIT_OK;
}

/* The exit status; *done when the run is over (--help, --version). */
static int parse_args(int argc, char **argv, struct options *o, int *done)
{
	int status = cli_parse(argc, argv, &cli_spec, o, done);

	if (status || *done)
		return status;
	return check_options(o);
}

/* ---- the run ---- */

static int load_password(const struct options *o, char pw[static XMPP_PASSWORD_MAX + 1])
{
	const char *env = getenv(PASSWORD_ENV);
	int err;

	if (o->password_file) {
		err = xmpp_password_read(o->password_file, pw);
		return err ? err_report(err, "cannot read the password") : XE2E_EXIT_OK;
	}
	if (!env || !*env)
		return err_usage("no password: give --password-file FILE or set %s",
				 PASSWORD_ENV);
	if (strlen(env) > XMPP_PASSWORD_MAX)
		return err_report(XE2E_E_LIMIT, "%s is longer than %d bytes", PASSWORD_ENV,
				  XMPP_PASSWORD_MAX);
	memcpy(pw, env, strlen(env) + 1);
	return XE2E_EXIT_OK;
}

static const char *server_of(const struct options *o, char buf[static JID_MAX + 16])
{
	struct jid j;
	const char *host = o->client.host;

	if (!host)
		host = jid_parse(o->client.jid, &j) ? o->client.jid : j.domain;
	snprintf(buf, JID_MAX + 16, "%s port %s", host,
		 o->client.port ? o->client.port : XMPP_DEFAULT_PORT);
	return buf;
}

static void report_login(const struct xmpp_client_info *info)
{
	char why[512];

	if (info->verify_flags) {
		xmpp_tls_verify_text(info->verify_flags, why, sizeof(why));
		diag(DIAG_WARNING,
		     "WARNING: the server's certificate does not verify (%s); --insecure "
		     "went on anyway",
		     why);
	}
	diag(DIAG_VERBOSE, "TLS: %s", info->tls);
	diag(DIAG_VERBOSE, "logged in with %s", xmpp_mech_name(info->mech));
	diag(DIAG_VERBOSE, "bound as %s", info->full_jid);
}

static int run(struct options *o, const char *password)
{
	struct xmpp_conn c;
	struct xmpp_client_info info;
	struct xmpp_pump_options po;
	struct xmpp_pump_stats stats;
	char where[JID_MAX + 16];
	int err;

	o->client.password = password;
	xmpp_conn_init(&c, (int)o->timeout * 1000);
	if (o->client.tls.insecure)
		diag(DIAG_WARNING,
		     "WARNING: --insecure: the server's certificate is not verified; anyone "
		     "on the path can read and change everything on this connection (SCRAM "
		     "only: PLAIN is refused)");
	err = xmpp_client_connect(&c, &o->client, &info);
	o->client.password = NULL;
	if (err) {
		xmpp_conn_close(&c);
		return err_report(err, "cannot log in to %s as %s", server_of(o, where),
				  o->client.jid);
	}
	report_login(&info);
	memset(&po, 0, sizeof(po));
	po.in_fd = STDIN_FILENO;
	po.out_fd = STDOUT_FILENO;
	po.wait_ms = (int)o->wait * 1000;
	po.close_ms = CLOSE_MS;
	po.limits = xml_limits_default();
	err = xmpp_pump_run(&c, &po, &stats);
	xmpp_conn_close(&c);
	diag(DIAG_VERBOSE, "stanzas sent %lu, received %lu, pings answered %lu", stats.sent,
	     stats.received, stats.pings);
	if (err)
		return err_report(err, "connection of %s", info.full_jid);
	return XE2E_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct options o;
	char password[XMPP_PASSWORD_MAX + 1];
	int status, done = 0;

	memset(&o, 0, sizeof(o));
	o.client.presence = 1;
	o.timeout = 30;
	err_set_progname(argv[0]);
	status = parse_args(argc, argv, &o, &done);
	if (status || done)
		return status;
	diag_set_verbosity(0, o.verbose);
	signal(SIGPIPE, SIG_IGN);
	status = load_password(&o, password);
	if (!status)
		status = run(&o, password);
	wipe(password, sizeof(password));
	return status;
}
