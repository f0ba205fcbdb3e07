/*
 * xe2e-keygen: creates the identity key, its certificate, the device key and
 * its binding; shows their fingerprints; rotates the device key; makes PSKs.
 * See xe2e-keygen(1).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "identity.h"
#include "passphrase.h"
#include "psk.h"
#include "store.h"
#include "util.h"

static const char usage_text[] =
	"usage: xe2e-keygen --jid JID [--force] [--passphrase | --passphrase-file FILE]\n"
	"       xe2e-keygen --show\n"
	"       xe2e-keygen --rotate-device [--passphrase | --passphrase-file FILE]\n"
	"       xe2e-keygen --psk\n"
	"       xe2e-keygen --help | --version\n";

static const char help_text[] =
	"Creates and shows the keys of an xe2e identity.\n"
	"\n"
	"  --jid JID               create an identity for the bare JID\n"
	"  --force                 with --jid: replace an existing identity\n"
	"  --show                  print the identity's fingerprints\n"
	"  --rotate-device         replace the device key, keeping the device id\n"
	"  --psk                   print a fresh random pre-shared key\n"
	"  --passphrase            protect (or unlock) keys with a passphrase\n"
	"                          asked on the terminal\n"
	"  --passphrase-file FILE  the same, with the first line of FILE\n"
	"  --help                  show this help\n"
	"  --version               show the version\n"
	"\n"
	"Keys live in $XE2E_HOME, or ${XDG_DATA_HOME:-~/.local/share}/xe2e.\n"
	"XE2E_PASSPHRASE, when set, is the passphrase. See xe2e-keygen(1).\n";

enum mode {
	MODE_NONE,
	MODE_CREATE,
	MODE_SHOW,
	MODE_ROTATE,
	MODE_PSK,
};

struct options {
	enum mode mode;
	int modes; /* how many modes were given */
	const char *jid;
	int force;
	int prompt;
	const char *passphrase_file;
};

enum {
	OPT_JID = 256,
	OPT_FORCE,
	OPT_SHOW,
	OPT_ROTATE,
	OPT_PSK,
	OPT_PASSPHRASE,
	OPT_PASSPHRASE_FILE,
};

static const struct option long_options[] = {
	{"jid", required_argument, NULL, OPT_JID},
	{"force", no_argument, NULL, OPT_FORCE},
	{"show", no_argument, NULL, OPT_SHOW},
	{"rotate-device", no_argument, NULL, OPT_ROTATE},
	{"psk", no_argument, NULL, OPT_PSK},
	{"passphrase", no_argument, NULL, OPT_PASSPHRASE},
	{"passphrase-file", required_argument, NULL, OPT_PASSPHRASE_FILE},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

static void set_mode(struct options *o, enum mode mode)
{
	if (o->mode != mode)
		o->modes++;
	o->mode = mode;
}

/* Returns -1 to go on, or the exit status. */
static int parse_option(struct options *o, int c)
{
	switch (c) {
	case OPT_JID:
		set_mode(o, MODE_CREATE);
		o->jid = optarg;
		return -1;
	case OPT_FORCE:
		o->force = 1;
		return -1;
	case OPT_SHOW:
		set_mode(o, MODE_SHOW);
		return -1;
	case OPT_ROTATE:
		set_mode(o, MODE_ROTATE);
		return -1;
	case OPT_PSK:
		set_mode(o, MODE_PSK);
		return -1;
	case OPT_PASSPHRASE:
		o->prompt = 1;
		return -1;
	case OPT_PASSPHRASE_FILE:
		o->passphrase_file = optarg;
		return -1;
	case 'h':
		fputs(usage_text, stdout);
		fputs(help_text, stdout);
		return XE2E_EXIT_OK;
	case 'V':
		printf("xe2e-keygen %s\n", XE2E_VERSION);
		return XE2E_EXIT_OK;
	default:
		return err_usage("unknown option '%c'", c);
	}
}

static int check_options(const struct options *o)
{
	if (o->modes == 0)
		return err_usage("one of --jid, --show, --rotate-device or --psk is needed");
	if (o->modes > 1)
		return err_usage("--jid, --show, --rotate-device and --psk exclude each other");
	if (o->force && o->mode != MODE_CREATE)
		return err_usage("--force goes with --jid");
	if (o->prompt && o->passphrase_file)
		return err_usage("--passphrase and --passphrase-file exclude each other");
	if ((o->prompt || o->passphrase_file) && (o->mode == MODE_SHOW || o->mode == MODE_PSK))
		return err_usage("--show and --psk use no passphrase");
	if (o->mode == MODE_CREATE && !*o->jid)
		return err_usage("--jid needs a JID");
	return -1;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	int c, status;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hV", long_options, NULL)) != -1) {
		if (c == ':')
			return err_usage("option '%s' needs an argument", argv[optind - 1]);
		if (c == '?')
			return err_usage("unknown option '%s'", argv[optind - 1]);
		status = parse_option(o, c);
		if (status >= 0)
			return status;
	}
	if (optind < argc)
		return err_usage("unexpected argument '%s'", argv[optind]);
	return check_options(o);
}

/* Checks that everything written to stdout got there. */
static int finish_output(void)
{
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		err_detail_set("%s", strerror(errno));
		return err_report(XE2E_E_IO, "cannot write to standard output");
	}
	return XE2E_EXIT_OK;
}

/* The same lines for --jid, --show and --rotate-device. */
static int print_identity(const struct identity *id)
{
	char fpr[FINGERPRINT_TEXT_LEN], key[FINGERPRINT_TEXT_LEN];
	char dev[IDENTITY_DEVICE_ID_TEXT_LEN], created[IDENTITY_TIME_TEXT_LEN];
	char expires[IDENTITY_TIME_TEXT_LEN];

	fingerprint_format(id->id_fpr, fpr);
	fingerprint_format(id->binding.device_pub, key);
	identity_device_id_format(id->binding.device_id, dev);
	identity_time_format(id->binding.created, created);
	identity_time_format(id->binding.expires, expires);
	printf("jid: %s\nidentity: %s\ndevice-id: %s\ndevice-key: %s\n"
	       "device-created: %s\ndevice-expires: %s\n",
	       id->jid, fpr, dev, key, created, expires);
	return finish_output();
}

static int run_psk(void)
{
	uint8_t psk[PSK_LEN];
	char text[PSK_TEXT_LEN];
	int err = psk_generate(psk);

	if (!err)
		err = psk_format(psk, text);
	if (!err)
		printf("%s\n", text);
	wipe(psk, sizeof(psk));
	wipe(text, sizeof(text));
	return err ? err_report(err, "cannot make a PSK") : finish_output();
}

static int run_show(uint64_t now)
{
	struct identity id = IDENTITY_INIT;
	char when[IDENTITY_TIME_TEXT_LEN];
	int err = identity_load(&id, IDENTITY_LOAD_ALLOW_EXPIRED, NULL, now);

	if (err)
		return err_report(err, "cannot read the identity");
	if (now >= id.binding.expires) {
		identity_time_format(id.binding.expires, when);
		err_warn("the device binding expired on %s: run xe2e-keygen --rotate-device", when);
	}
	err = print_identity(&id);
	identity_free(&id);
	return err;
}

static int run_create(const struct options *o, struct passphrase *pp, uint64_t now)
{
	struct identity id = IDENTITY_INIT;
	char dir[STORE_PATH_MAX];
	int err = identity_create(o->jid, pp, now, o->force, &id);

	if (err)
		return err_report(err, "cannot create the identity");
	if (store_dir(STORE_DATA, dir) == XE2E_OK)
		err_warn("created the identity of %s in %s", id.jid, dir);
	err = print_identity(&id);
	identity_free(&id);
	return err;
}

static int run_rotate(struct passphrase *pp, uint64_t now)
{
	struct identity id = IDENTITY_INIT;
	char dev[IDENTITY_DEVICE_ID_TEXT_LEN];
	int err = identity_rotate_device(pp, now, &id);

	if (err)
		return err_report(err, "cannot rotate the device key");
	identity_device_id_format(id.binding.device_id, dev);
	err_warn("new device key for device %s", dev);
	err = print_identity(&id);
	identity_free(&id);
	return err;
}

int main(int argc, char **argv)
{
	struct options o = {MODE_NONE, 0, NULL, 0, 0, NULL};
	struct passphrase pp;
	uint64_t now = (uint64_t)time(NULL);
	int status;

	err_set_progname(argv[0]);
	status = parse_args(argc, argv, &o);
	if (status >= 0)
		return status;
	passphrase_init(&pp, o.passphrase_file, o.prompt);
	switch (o.mode) {
	case MODE_PSK:
		status = run_psk();
		break;
	case MODE_SHOW:
		status = run_show(now);
		break;
	case MODE_CREATE:
		status = run_create(&o, &pp, now);
		break;
	default:
		status = run_rotate(&pp, now);
		break;
	}
	passphrase_wipe(&pp);
	return status;
}
