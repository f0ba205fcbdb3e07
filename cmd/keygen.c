/*
 * xe2e-keygen: creates the identity key, its certificate, the device key and
 * its binding; shows their fingerprints; rotates the device key; writes a
 * certificate request and installs the certificate a CA issued; makes PSKs;
 * writes prekey bundles; certifies the identity with an OpenPGP key. See
 * xe2e-keygen(1).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bundle.h"
#include "cli.h"
#include "err.h"
#include "identity.h"
#include "openpgp.h"
#include "passphrase.h"
#include "prekey.h"
#include "psk.h"
#include "store.h"
#include "util.h"
#include "x509.h"

/* One-time prekeys --rotate-prekeys keeps available without --prekeys N. */
#define PREKEYS_DEFAULT 20

static const char usage_text[] =
	"usage: xe2e-keygen --jid JID [--force] [--passphrase | --passphrase-file FILE]\n"
	"       xe2e-keygen --show\n"
	"       xe2e-keygen --rotate-device [--passphrase | --passphrase-file FILE]\n"
	"       xe2e-keygen --csr [--output FILE] [--passphrase | --passphrase-file FILE]\n"
	"       xe2e-keygen --certificate FILE\n"
	"       xe2e-keygen --openpgp KEYID | none\n"
	"       xe2e-keygen --psk\n"
	"       xe2e-keygen --prekeys N [--rotate-prekeys] [--bundle-minimal]\n"
	"                   [--output FILE] [--passphrase | --passphrase-file FILE]\n"
	"       xe2e-keygen --rotate-prekeys [--bundle-minimal] [--output FILE]\n"
	"                   [--passphrase | --passphrase-file FILE]\n"
	"       xe2e-keygen --help | --version\n";

static const char help_text[] =
	"Creates and shows the keys of an xe2e identity.\n"
	"\n"
	"  --jid JID               create an identity for the bare JID\n"
	"  --force                 with --jid: replace an existing identity\n"
	"  --show                  print the identity's fingerprints\n"
	"  --rotate-device         replace the device key, keeping the device id\n"
	"  --csr                   write a certificate request (PKCS#10) for the\n"
	"                          identity key, to give to a CA\n"
	"  --certificate FILE      install the certificate chain a CA issued for\n"
	"                          the identity key (PEM, leaf first)\n"
	"  --openpgp KEYID         certify the identity key with this OpenPGP key\n"
	"                          (GnuPG's keyring; a user id xmpp:JID); 'none'\n"
	"                          removes the OpenPGP credential\n"
	"  --psk                   print a fresh random pre-shared key\n"
	"  --prekeys N             write a prekey bundle with N new one-time prekeys\n"
	"                          (0 to %d), making a signed prekey if needed\n"
	"  --rotate-prekeys        make a new signed prekey, keep the old one for\n"
	"                          the grace period, top one-time prekeys up to N\n"
	"                          (default %d) and write the bundle\n"
	"  --bundle-minimal        leave the identity and device key out of the bundle\n"
	"  --output FILE           write the bundle or request to FILE instead of\n"
	"                          standard output\n"
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
	MODE_PREKEYS,
	MODE_CSR,
	MODE_CERTIFICATE,
	MODE_OPENPGP,
};

struct options {
	enum mode mode;
	int modes; /* how many modes were given */
	const char *jid;
	int force;
	int prompt;
	const char *passphrase_file;
	int prekeys; /* N of --prekeys; -1 when not given */
	int rotate_prekeys;
	int minimal;
	const char *output;
	const char *certificate;
	const char *openpgp;
};

enum {
	OPT_JID = 256,
	OPT_FORCE,
	OPT_SHOW,
	OPT_ROTATE,
	OPT_PSK,
	OPT_PASSPHRASE,
	OPT_PASSPHRASE_FILE,
	OPT_PREKEYS,
	OPT_ROTATE_PREKEYS,
	OPT_BUNDLE_MINIMAL,
	OPT_OUTPUT,
	OPT_CSR,
	OPT_CERTIFICATE,
	OPT_OPENPGP,
};

static const struct option long_options[] = {
	{"jid", required_argument, NULL, OPT_JID},
	{"force", no_argument, NULL, OPT_FORCE},
	{"show", no_argument, NULL, OPT_SHOW},
	{"rotate-device", no_argument, NULL, OPT_ROTATE},
	{"psk", no_argument, NULL, OPT_PSK},
	{"passphrase", no_argument, NULL, OPT_PASSPHRASE},
	{"passphrase-file", required_argument, NULL, OPT_PASSPHRASE_FILE},
	{"prekeys", required_argument, NULL, OPT_PREKEYS},
	{"rotate-prekeys", no_argument, NULL, OPT_ROTATE_PREKEYS},
	{"bundle-minimal", no_argument, NULL, OPT_BUNDLE_MINIMAL},
	{"output", required_argument, NULL, OPT_OUTPUT},
	{"csr", no_argument, NULL, OPT_CSR},
	{"certificate", required_argument, NULL, OPT_CERTIFICATE},
	{"openpgp", required_argument, NULL, OPT_OPENPGP},
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

/* N of --prekeys: a decimal number from 0 to BUNDLE_OPK_MAX. */
static int parse_prekey_option(struct options *o, int c)
{
	switch (c) {
	case OPT_PREKEYS: {
		unsigned long n = 0;
		int status = cli_number_arg("--prekeys", optarg, 0, BUNDLE_OPK_MAX, &n);

		set_mode(o, MODE_PREKEYS);
		o->prekeys = (int)n;
		return status;
	}
	case OPT_ROTATE_PREKEYS:
		set_mode(o, MODE_PREKEYS);
		o->rotate_prekeys = 1;
		return 0;
	case OPT_BUNDLE_MINIMAL:
		o->minimal = 1;
		return 0;
	default:
		o->output = optarg;
		return 0;
	}
}

/* One option: 0 to go on, or the usage error. */
static int parse_option(void *ctx, int c)
{
	struct options *o = ctx;

	if (c >= OPT_PREKEYS && c <= OPT_OUTPUT)
		return parse_prekey_option(o, c);
	switch (c) {
	case OPT_JID:
		set_mode(o, MODE_CREATE);
		o->jid = optarg;
		return 0;
	case OPT_FORCE:
		o->force = 1;
		return 0;
	case OPT_SHOW:
		set_mode(o, MODE_SHOW);
		return 0;
	case OPT_ROTATE:
		set_mode(o, MODE_ROTATE);
		return 0;
	case OPT_PSK:
		set_mode(o, MODE_PSK);
		return 0;
	case OPT_CSR:
		set_mode(o, MODE_CSR);
		return 0;
	case OPT_CERTIFICATE:
		set_mode(o, MODE_CERTIFICATE);
		o->certificate = optarg;
		return 0;
	case OPT_OPENPGP:
		set_mode(o, MODE_OPENPGP);
		o->openpgp = optarg;
		return 0;
	case OPT_PASSPHRASE:
		o->prompt = 1;
		return 0;
	case OPT_PASSPHRASE_FILE:
		o->passphrase_file = optarg;
		return 0;
	default:
		return err_usage("unknown option '%c'", c);
	}
}

/* The help text, with the numbers it names. */
static int print_help(void *ctx)
{
	(void)ctx;
	printf(help_text, BUNDLE_OPK_MAX, PREKEYS_DEFAULT);
	return XE2E_EXIT_OK;
}

static const struct cli_spec cli_spec = {
	.longopts = long_options,
	.option = parse_option,
	.usage = usage_text,
	.help_more = print_help,
};

static int check_options(const struct options *o)
{
	if (o->modes == 0)
		return err_usage("one of --jid, --show, --rotate-device, --csr, --certificate, "
				 "--openpgp, --psk, --prekeys or --rotate-prekeys is needed");
	if (o->modes > 1)
		return err_usage("--jid, --show, --rotate-device, --csr, --certificate, --openpgp, "
				 "--psk and the prekey options exclude each other");
	if (o->minimal && o->mode != MODE_PREKEYS)
		return err_usage("--bundle-minimal goes with --prekeys or --rotate-prekeys");
	if (o->output && o->mode != MODE_PREKEYS && o->mode != MODE_CSR)
		return err_usage("--output goes with --prekeys, --rotate-prekeys or --csr");
	if (o->output && !*o->output)
		return err_usage("--output needs a file name");
	if (o->force && o->mode != MODE_CREATE)
		return err_usage("--force goes with --jid");
	if (o->prompt && o->passphrase_file)
		return err_usage("--passphrase and --passphrase-file exclude each other");
	if ((o->prompt || o->passphrase_file) &&
	    (o->mode == MODE_SHOW || o->mode == MODE_PSK || o->mode == MODE_CERTIFICATE ||
	     o->mode == MODE_OPENPGP))
		return err_usage("--show, --psk, --certificate and --openpgp use no passphrase");
	if (o->mode == MODE_CREATE && !*o->jid)
		return err_usage("--jid needs a JID");
	if (o->mode == MODE_CERTIFICATE && !*o->certificate)
		return err_usage("--certificate needs a file name");
	if (o->mode == MODE_OPENPGP && !*o->openpgp)
		return err_usage("--openpgp needs a key id, or none");
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
	if (id->openpgp.key.len)
		printf("openpgp: %s\n", id->openpgp.fpr);
	return cli_finish_stdout();
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
	return err ? err_report(err, "cannot make a PSK") : cli_finish_stdout();
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
		diag(DIAG_WARNING,
		     "the device binding expired on %s: run xe2e-keygen --rotate-device", when);
	}
	if (id.chain_der.len && now > id.cert_not_after) {
		identity_time_format(id.cert_not_after, when);
		diag(DIAG_WARNING,
		     "the CA-issued certificate expired on %s: install a new one with "
		     "xe2e-keygen --certificate",
		     when);
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
		diag(DIAG_NOTE, "created the identity of %s in %s", id.jid, dir);
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
	diag(DIAG_NOTE, "new device key for device %s", dev);
	err = print_identity(&id);
	identity_free(&id);
	return err;
}

/* ---- certificates from a CA ---- */

/* Writes text to the output file (0644, atomically) or stdout. */
static int write_output(const char *output, const struct buf *text, const char *what)
{
	int err;

	if (!output) {
		fwrite(text->data, 1, text->len, stdout);
		return cli_finish_stdout();
	}
	err = store_write_atomic(output, text->data, text->len, 0644);
	if (err)
		return err_report(err, "cannot write the %s to %s", what, output);
	return XE2E_EXIT_OK;
}

static int run_csr(const struct options *o, struct passphrase *pp, uint64_t now)
{
	struct buf pem = BUF_INIT;
	int err = identity_csr_write(pp, now, &pem), status;

	if (err)
		status = err_report(err, "cannot make the certificate request");
	else
		status = write_output(o->output, &pem, "certificate request");
	buf_free(&pem);
	return status;
}

/* Says whose certificate is installed now, and until when. */
static void report_certificate(const struct identity *id)
{
	char until[IDENTITY_TIME_TEXT_LEN];

	identity_time_format(id->cert_not_after, until);
	if (id->chain_der.len)
		diag(DIAG_NOTE, "installed the CA-issued certificate of %s, valid until %s",
		     id->jid, until);
	else
		diag(DIAG_NOTE, "installed a self-signed certificate of %s", id->jid);
}

static int run_certificate(const struct options *o, uint64_t now)
{
	struct identity id = IDENTITY_INIT;
	struct buf data = BUF_INIT;
	int err = store_read_file(o->certificate, X509_CHAIN_FILE_MAX, 0, &data), status;

	if (err) {
		status = err_report(err, "cannot read %s", o->certificate);
		goto out;
	}
	err = identity_certificate_install(data.data, data.len, now, &id);
	if (err) {
		status = err_report(err, "cannot install the certificate in %s", o->certificate);
		goto out;
	}
	report_certificate(&id);
	status = print_identity(&id);
out:
	identity_free(&id);
	buf_free(&data);
	return status;
}

/* ---- OpenPGP credentials ---- */

static int run_openpgp(const struct options *o, uint64_t now)
{
	struct identity id = IDENTITY_INIT;
	int err = openpgp_identity_set(o->openpgp, now, &id), status;

	if (err)
		return err_report(err, "cannot %s the OpenPGP credential", strcmp(o->openpgp,
				  OPENPGP_NONE) ? "make" : "remove");
	if (id.openpgp.key.len)
		diag(DIAG_NOTE, "the identity key of %s is certified by the OpenPGP key %s", id.jid,
		     id.openpgp.fpr);
	else
		diag(DIAG_NOTE, "removed the OpenPGP credential of %s", id.jid);
	if (id.openpgp.key.len && id.chain_der.len)
		diag(DIAG_WARNING,
		     "the CA-issued certificate is no longer sent (--openpgp none sends it "
		     "again)");
	status = print_identity(&id);
	identity_free(&id);
	return status;
}

/* ---- prekey bundles ---- */

/* What the prekey store update needs and gives back. */
struct prekey_job {
	const struct options *o;
	const struct identity *id;
	struct p256_key *id_key; /* NULL when no new signed prekey was expected */
	uint64_t now;
	struct bundle *b;
	int new_spk;
};

static uint32_t device_id_of(const struct identity *id)
{
	return load_be32(id->binding.device_id);
}

/* 1 when spk is current and signed for this identity and device. */
static int spk_usable(const struct identity *id, const struct prekey_spk *spk)
{
	uint8_t pub[X25519_LEN];

	return spk && x25519_public(pub, spk->priv) == XE2E_OK &&
	       bundle_spk_verify(id->id_pub, id->jid, device_id_of(id), spk->id, pub, spk->created,
				 spk->expires, spk->sig) == XE2E_OK;
}

/* Whether this run makes a signed prekey, and so needs the identity key. */
static int needs_new_spk(const struct options *o, const struct identity *id, uint64_t now)
{
	struct prekey_store st = PREKEY_STORE_INIT;
	int need = o->rotate_prekeys || prekey_load(NULL, &st) != XE2E_OK ||
		   !spk_usable(id, prekey_spk_current(&st, now));

	prekey_store_free(&st);
	return need;
}

static int make_spk(struct prekey_store *st, struct prekey_job *job, struct prekey_spk **spk)
{
	const struct identity *id = job->id;
	uint8_t pub[X25519_LEN];
	int err;

	if (!job->id_key) {
		err_detail_set("the signed prekey changed meanwhile: run again");
		return XE2E_E_STATE;
	}
	err = prekey_spk_add(st, job->now, spk);
	if (!err)
		err = x25519_public(pub, (*spk)->priv);
	if (!err)
		err = bundle_spk_sign(job->id_key, id->jid, device_id_of(id), (*spk)->id, pub,
				      (*spk)->created, (*spk)->expires, (*spk)->sig);
	job->new_spk = !err;
	return err;
}

static int add_bundle_opk(struct bundle *b, const struct prekey_opk *opk)
{
	struct bundle_prekey *p = &b->opk[b->n_opk++];

	p->id = opk->id;
	p->expires = opk->expires;
	return x25519_public(p->pub, opk->priv);
}

/* The one-time prekeys of the bundle: the n new ones, or after a rotation
 * the newest N usable ones once topped up to N. */
static int fill_opks(struct prekey_store *st, struct prekey_job *job)
{
	size_t want = job->o->prekeys >= 0 ? (size_t)job->o->prekeys : PREKEYS_DEFAULT;
	size_t have = prekey_opk_count(st, job->now), first = st->n_opk;
	int err = XE2E_OK;

	if (!job->o->rotate_prekeys)
		err = prekey_opk_add(st, job->now, want, &first);
	else if (have < want)
		err = prekey_opk_add(st, job->now, want - have, NULL);
	for (size_t i = st->n_opk; !err && i-- > 0 && job->b->n_opk < want;)
		if ((job->o->rotate_prekeys || i >= first) && job->now < st->opk[i].expires)
			err = add_bundle_opk(job->b, &st->opk[i]);
	return err;
}

static int fill_identity(struct bundle *b, const struct identity *id, int minimal)
{
	strcpy(b->jid, id->jid);
	b->device_id = device_id_of(id);
	if (minimal) {
		b->form = BUNDLE_MINIMAL;
		return bundle_seal_identity(b, id->id_pub);
	}
	b->form = BUNDLE_FULL;
	memcpy(b->id_pub, id->id_pub, P256_PUB_LEN);
	memcpy(b->device_pub, id->binding.device_pub, X25519_LEN);
	b->binding_created = id->binding.created;
	b->binding_expires = id->binding.expires;
	memcpy(b->binding_sig, id->binding.sig, P256_SIG_LEN);
	return buf_append(&b->cert_der, id->cert_der.data, id->cert_der.len);
}

/* Under the prekey store's lock. */
static int prekeys_update(struct prekey_store *st, void *arg)
{
	struct prekey_job *job = arg;
	struct bundle *b = job->b;
	struct prekey_spk *spk = prekey_spk_current(st, job->now);
	int err = XE2E_OK;

	if (job->o->rotate_prekeys || !spk_usable(job->id, spk))
		err = make_spk(st, job, &spk);
	if (!err)
		err = fill_identity(b, job->id, job->o->minimal);
	if (!err) {
		b->spk_id = spk->id;
		b->spk_created = spk->created;
		b->spk_expires = spk->expires;
		memcpy(b->spk_sig, spk->sig, P256_SIG_LEN);
		err = x25519_public(b->spk_pub, spk->priv);
	}
	return err ? err : fill_opks(st, job);
}

/* Writes the bundle and a newline to the output file or stdout. */
static int write_bundle(const struct options *o, struct buf *xml)
{
	int err = buf_append_byte(xml, '\n');

	if (err)
		return err_report(err, "cannot write the bundle");
	return write_output(o->output, xml, "bundle");
}

static void report_bundle(const struct prekey_job *job)
{
	const struct bundle *b = job->b;
	char when[IDENTITY_TIME_TEXT_LEN];

	identity_time_format(b->spk_expires, when);
	diag(DIAG_NOTE, "%s bundle of %s: %ssigned prekey %08x until %s, %zu one-time prekeys",
	     b->form == BUNDLE_FULL ? "full" : "minimal", b->jid, job->new_spk ? "new " : "",
	     (unsigned)b->spk_id, when, b->n_opk);
	if (b->n_opk == 0)
		diag(DIAG_WARNING,
		     "warning: no one-time prekeys: messages sealed to this bundle depend on "
		     "the signed prekey alone until it is deleted, %llu days after it expires",
		     (unsigned long long)(PREKEY_GRACE / 86400));
}

/*
 * Refuses an --output the bundle cannot be written to (a directory, or a
 * directory that is missing or not writable) before the prekey store
 * changes, so that such a mistake stores no prekey that is never published.
 */
static int output_check(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[STORE_PATH_MAX];
	struct stat st;
	int n = slash ? snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path)
		      : snprintf(dir, sizeof(dir), ".");

	if (n < 0 || (size_t)n >= sizeof(dir)) {
		err_detail_set("the file name is too long");
		return XE2E_E_LIMIT;
	}
	if (!*dir)
		snprintf(dir, sizeof(dir), "/");
	if (!stat(path, &st) && S_ISDIR(st.st_mode)) {
		err_detail_set("it is a directory");
		return XE2E_E_IO;
	}
	if (access(dir, W_OK | X_OK)) {
		err_detail_set("%s: %s", dir, strerror(errno));
		return errno == ENOENT ? XE2E_E_NOTFOUND : XE2E_E_IO;
	}
	return XE2E_OK;
}

/* Loads the identity, with its private key when a signed prekey is due. */
static int load_for_prekeys(const struct options *o, struct passphrase *pp, uint64_t now,
			    struct identity *id)
{
	int err = identity_load(id, IDENTITY_LOAD_PUBLIC, NULL, now);

	if (err || !needs_new_spk(o, id, now))
		return err;
	identity_free(id);
	return identity_load(id, IDENTITY_LOAD_IDENTITY_KEY, pp, now);
}

static int run_prekeys(const struct options *o, struct passphrase *pp, uint64_t now)
{
	struct identity id = IDENTITY_INIT;
	struct bundle b;
	struct prekey_job job = {o, &id, NULL, now, &b, 0};
	struct buf xml = BUF_INIT;
	int err, status;

	bundle_init(&b);
	if (o->output && (err = output_check(o->output))) {
		status = err_report(err, "cannot write the bundle to %s", o->output);
		goto out;
	}
	err = load_for_prekeys(o, pp, now, &id);
	if (err) {
		status = err_report(err, "cannot read the identity");
		goto out;
	}
	job.id_key = id.id_key;
	err = prekey_update(NULL, now, prekeys_update, &job);
	if (!err)
		err = bundle_format(&b, &xml);
	if (err) {
		status = err_report(err, "cannot make the prekey bundle");
		goto out;
	}
	status = write_bundle(o, &xml);
	if (status == XE2E_EXIT_OK)
		report_bundle(&job);
out:
	buf_free(&xml);
	bundle_free(&b);
	identity_free(&id);
	return status;
}

int main(int argc, char **argv)
{
	struct options o = {MODE_NONE, 0, NULL, 0, 0, NULL, -1, 0, 0, NULL, NULL, NULL};
	struct passphrase pp;
	uint64_t now = (uint64_t)time(NULL);
	int status, done = 0;

	err_set_progname(argv[0]);
	status = parse_args(argc, argv, &o, &done);
	if (status || done)
		return status;
	if ((status = cli_passphrase_init(&pp, o.passphrase_file, o.prompt)))
		return status;
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
	case MODE_PREKEYS:
		status = run_prekeys(&o, &pp, now);
		break;
	case MODE_CSR:
		status = run_csr(&o, &pp, now);
		break;
	case MODE_CERTIFICATE:
		status = run_certificate(&o, now);
		break;
	case MODE_OPENPGP:
		status = run_openpgp(&o, now);
		break;
	default:
		status = run_rotate(&pp, now);
		break;
	}
	passphrase_wipe(&pp);
	return status;
}
