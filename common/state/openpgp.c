/* OpenPGP through GPGME (openpgp.h). */
#include "openpgp.h"

#include <errno.h>
#include <ftw.h>
#include <gpgme.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "identity.h"
#include "store.h"
#include "util.h"

/* What the private homes' gpg does not do: start an agent (nothing there
 * needs a secret key), fetch keys, or weigh trust (only signatures count). */
static const char temp_gpg_conf[] = "no-autostart\nno-auto-key-retrieve\ntrust-model always\n";

/* ---- SIGPIPE ---- */

/* GPGME writes to gpg through pipes: a gpg that ends early must not kill
 * the program. SIGPIPE is blocked while GPGME runs, and one it raised is
 * taken before the old mask comes back. */
struct pipe_guard {
	sigset_t old;
};

static void pipe_block(struct pipe_guard *g)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, &g->old);
}

static void pipe_restore(struct pipe_guard *g)
{
	static const struct timespec now = {0, 0};
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	if (!sigismember(&g->old, SIGPIPE))
		while (sigtimedwait(&set, NULL, &now) == SIGPIPE)
			;
	pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

/* ---- GnuPG and contexts ---- */

static int engine_ready(void)
{
	static int checked;
	static gpgme_error_t status;

	if (!checked) {
		gpgme_check_version(NULL);
		status = gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP);
		checked = 1;
	}
	if (status) {
		err_detail_set("GnuPG is not available here (%s)", gpgme_strerror(status));
		return XE2E_E_UNSUPPORTED;
	}
	return XE2E_OK;
}

static int gpg_failed(gpgme_error_t e, const char *what)
{
	err_detail_set("%s: %s", what, gpgme_strerror(e));
	return gpgme_err_code(e) == GPG_ERR_ENOMEM ? XE2E_E_NOMEM : XE2E_E_IO;
}

/* A context on home (NULL: the user's keyring). */
static int ctx_new(const char *home, gpgme_ctx_t *ctx)
{
	gpgme_error_t e;
	int err = engine_ready();

	*ctx = NULL;
	if (err)
		return err;
	e = gpgme_new(ctx);
	if (!e)
		e = gpgme_set_protocol(*ctx, GPGME_PROTOCOL_OpenPGP);
	if (!e && home)
		e = gpgme_ctx_set_engine_info(*ctx, GPGME_PROTOCOL_OpenPGP, NULL, home);
	if (!e)
		gpgme_set_armor(*ctx, 0);
	if (e) {
		gpgme_release(*ctx);
		*ctx = NULL;
		return gpg_failed(e, "cannot start GnuPG");
	}
	return XE2E_OK;
}

/* ---- private temporary homes ---- */

struct temp_home {
	char path[STORE_PATH_MAX];
};

static int home_make(struct temp_home *h)
{
	const char *tmp = getenv("TMPDIR");
	char conf[STORE_PATH_MAX + 16];
	int n = snprintf(h->path, sizeof(h->path), "%s/xe2e-gpg.XXXXXX",
			 tmp && *tmp ? tmp : "/tmp");

	if (n < 0 || (size_t)n >= sizeof(h->path))
		return XE2E_E_LIMIT;
	if (!mkdtemp(h->path)) {
		err_detail_set("cannot make a temporary GnuPG home in %s: %s",
			       tmp && *tmp ? tmp : "/tmp", strerror(errno));
		h->path[0] = '\0';
		return XE2E_E_IO;
	}
	snprintf(conf, sizeof(conf), "%s/gpg.conf", h->path);
	return store_create(conf, temp_gpg_conf, strlen(temp_gpg_conf), 0600);
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path) && errno != ENOENT ? -1 : 0;
}

static void home_remove(struct temp_home *h)
{
	if (h->path[0])
		nftw(h->path, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	h->path[0] = '\0';
}

/* ---- data ---- */

static int data_from(const void *p, size_t n, gpgme_data_t *d)
{
	gpgme_error_t e = gpgme_data_new_from_mem(d, p, n, 0);

	return e ? gpg_failed(e, "GPGME") : XE2E_OK;
}

/* Moves what d holds into out (at most max bytes) and releases d. */
static int data_take(gpgme_data_t d, size_t max, const char *what, struct buf *out)
{
	size_t n = 0;
	char *p = gpgme_data_release_and_get_mem(d, &n);
	int err = p ? XE2E_OK : XE2E_E_NOMEM;

	if (!err && (n == 0 || n > max)) {
		err_detail_set("the %s takes %zu bytes; a credential holds 1 to %zu", what, n, max);
		err = XE2E_E_LIMIT;
	}
	if (!err)
		err = buf_append(out, p, n);
	gpgme_free(p);
	return err;
}

/* ---- keys ---- */

static int fpr_usable(const char *fpr)
{
	return fpr && openpgp_fpr_check(fpr) == XE2E_OK;
}

static gpgme_subkey_t subkey_find(gpgme_key_t key, const char *fpr)
{
	for (gpgme_subkey_t s = key->subkeys; s; s = s->next)
		if (s->fpr && fpr && strcmp(s->fpr, fpr) == 0)
			return s;
	return NULL;
}

/* The best user id of key naming jid that is neither revoked nor invalid. */
static gpgme_user_id_t uid_find(gpgme_key_t key, const char *jid)
{
	gpgme_user_id_t best = NULL;

	for (gpgme_user_id_t u = key->uids; u; u = u->next) {
		if (u->revoked || u->invalid || !u->uid || !openpgp_uid_names(u->uid, jid))
			continue;
		if (!best || u->validity > best->validity)
			best = u;
	}
	return best;
}

/* RSA from 2048 bits, ECDSA and EdDSA; never DSA or ElGamal. */
static int algo_strong(gpgme_subkey_t s)
{
	switch (s->pubkey_algo) {
	case GPGME_PK_RSA:
	case GPGME_PK_RSA_S:
		return s->length >= 2048;
	case GPGME_PK_ECDSA:
	case GPGME_PK_EDDSA:
		return 1;
	default:
		return 0;
	}
}

static int hash_strong(gpgme_hash_algo_t h)
{
	return h == GPGME_MD_SHA256 || h == GPGME_MD_SHA384 || h == GPGME_MD_SHA512 ||
	       h == GPGME_MD_SHA224;
}

static const char *validity_name(gpgme_validity_t v)
{
	switch (v) {
	case GPGME_VALIDITY_NEVER: return "never";
	case GPGME_VALIDITY_MARGINAL: return "marginal";
	case GPGME_VALIDITY_FULL: return "full";
	case GPGME_VALIDITY_ULTIMATE: return "ultimate";
	default: return "unknown";
	}
}

/* ---- the user's keyring ---- */

/* Why the keyring's copy of key does not make jid valid; NULL when it does. */
static const char *keyring_refusal(gpgme_key_t key, const char *signer, const char *jid,
				   char why[static OPENPGP_REASON_MAX])
{
	gpgme_subkey_t s = signer ? subkey_find(key, signer) : key->subkeys;
	gpgme_user_id_t u = uid_find(key, jid);

	if (key->revoked || key->expired || key->disabled || key->invalid)
		snprintf(why, OPENPGP_REASON_MAX, "your keyring has its key %s", key->revoked
			 ? "revoked" : key->expired ? "expired" : key->disabled ? "disabled"
			 : "invalid");
	else if (!s || s->revoked || s->expired || s->disabled || s->invalid)
		snprintf(why, OPENPGP_REASON_MAX, "your keyring's copy has the signing key %s",
			 !s ? "missing" : s->revoked ? "revoked" : s->expired ? "expired"
			 : "unusable");
	else if (!u)
		snprintf(why, OPENPGP_REASON_MAX, "your keyring's copy has no valid user id "
			 "xmpp:%.128s", jid);
	else if (u->validity < GPGME_VALIDITY_FULL)
		snprintf(why, OPENPGP_REASON_MAX, "its user id xmpp:%.100s has %s validity in your "
			 "keyring (gpg --lsign-key certifies it)", jid, validity_name(u->validity));
	else
		return NULL;
	return why;
}

static int keyring_lookup(const char *fpr, const char *signer, const char *jid,
			  struct openpgp_result *res)
{
	gpgme_ctx_t ctx;
	gpgme_key_t key = NULL;
	gpgme_error_t e;
	int err = ctx_new(NULL, &ctx);

	if (err)
		return err;
	if (fpr != res->fpr)
		snprintf(res->fpr, sizeof(res->fpr), "%s", fpr);
	res->valid = 0;
	res->why[0] = '\0';
	e = gpgme_get_key(ctx, fpr, &key, 0);
	if (gpgme_err_code(e) == GPG_ERR_EOF || (!e && strcmp(key->subkeys->fpr, fpr) != 0))
		snprintf(res->why, sizeof(res->why), "its key is not in your GnuPG keyring "
			 "(gpg --import it, check it, gpg --lsign-key it)");
	else if (e)
		err = gpg_failed(e, "cannot read your GnuPG keyring");
	else
		res->valid = keyring_refusal(key, signer, jid, res->why) == NULL;
	gpgme_key_unref(key);
	gpgme_release(ctx);
	return err;
}

int openpgp_keyring_check(const char *fpr, const char *jid, struct openpgp_result *res)
{
	struct pipe_guard g;
	int err;

	memset(res, 0, sizeof(*res));
	if (!fpr_usable(fpr))
		return XE2E_E_MALFORMED;
	pipe_block(&g);
	err = keyring_lookup(fpr, NULL, jid, res);
	pipe_restore(&g);
	return err;
}

/* ---- a peer's credential, in a private home ---- */

static int refuse(const char *fmt, const char *a)
{
	err_detail_set(fmt, a);
	return XE2E_E_TRUST;
}

/* Imports exactly one public key; fpr gets its fingerprint. */
static int import_one(gpgme_ctx_t ctx, const uint8_t *key, size_t len,
		      char fpr[static OPENPGP_FPR_HEX_LEN + 1])
{
	gpgme_data_t d;
	gpgme_import_result_t r;
	gpgme_error_t e;
	int err = data_from(key, len, &d);

	if (err)
		return err;
	e = gpgme_op_import(ctx, d);
	gpgme_data_release(d);
	r = e ? NULL : gpgme_op_import_result(ctx);
	if (!r || r->considered != 1 || r->imported != 1 || r->secret_read || !r->imports ||
	    r->imports->next || r->imports->result || !fpr_usable(r->imports->fpr))
		return refuse("its OpenPGP key is not one public key GnuPG can read%s", "");
	strcpy(fpr, r->imports->fpr);
	return XE2E_OK;
}

/* What a good signature's status says of the key: "" when fine. */
static const char *sig_key_state(gpgme_signature_t s)
{
	switch (gpgme_err_code(s->status)) {
	case GPG_ERR_NO_ERROR: return "";
	case GPG_ERR_KEY_EXPIRED: return "its OpenPGP key expired";
	case GPG_ERR_CERT_REVOKED: return "its OpenPGP key is revoked";
	case GPG_ERR_SIG_EXPIRED: return "its OpenPGP signature expired";
	default: return NULL;
	}
}

/* Verifies the one signature of sig over text; signer gets the signing
 * (sub)key's fingerprint, why what its status says of the key. */
static int verify_sig(gpgme_ctx_t ctx, const struct buf *text, const uint8_t *sig, size_t len,
		      char signer[static OPENPGP_FPR_HEX_LEN + 1],
		      char why[static OPENPGP_REASON_MAX])
{
	gpgme_data_t sd, td;
	gpgme_verify_result_t r = NULL;
	gpgme_signature_t s;
	const char *state;
	int err = data_from(sig, len, &sd);

	if (!err && (err = data_from(text->data, text->len, &td)) != XE2E_OK)
		gpgme_data_release(sd);
	if (err)
		return err;
	if (!gpgme_op_verify(ctx, sd, td, NULL))
		r = gpgme_op_verify_result(ctx);
	gpgme_data_release(sd);
	gpgme_data_release(td);
	s = r ? r->signatures : NULL;
	if (!s || s->next || !(state = sig_key_state(s)) || !fpr_usable(s->fpr))
		return refuse("its OpenPGP signature does not verify for this JID and identity "
			      "key%s", "");
	if (s->wrong_key_usage || !hash_strong(s->hash_algo))
		return refuse("its OpenPGP signature uses %s", s->wrong_key_usage
			      ? "a key not meant for signing" : "a weak digest (SHA-2 is needed)");
	strcpy(signer, s->fpr);
	snprintf(why, OPENPGP_REASON_MAX, "%s", state);
	return XE2E_OK;
}

/* The imported key must name jid and sign with a strong algorithm. */
static int key_check(gpgme_ctx_t ctx, const char *fpr, const char *signer, const char *jid)
{
	gpgme_key_t key = NULL;
	gpgme_subkey_t s;
	int err = XE2E_OK;

	if (gpgme_get_key(ctx, fpr, &key, 0))
		return refuse("its OpenPGP key cannot be listed%s", "");
	s = subkey_find(key, signer);
	if (!s)
		err = refuse("its OpenPGP signature is by another key%s", "");
	else if (!algo_strong(s))
		err = refuse("its OpenPGP key is of a weak algorithm (RSA of at least 2048 bits, "
			     "ECDSA or EdDSA are needed)%s", "");
	else if (!uid_find(key, jid))
		err = refuse("its OpenPGP key has no valid user id xmpp:%.128s", jid);
	gpgme_key_unref(key);
	return err;
}

/* The private-home part of openpgp_cred_check(). */
static int verify_in(const char *home, const uint8_t *key, size_t key_len, const uint8_t *sig,
		     size_t sig_len, const struct buf *text, const char *jid,
		     struct openpgp_result *res, char signer[static OPENPGP_FPR_HEX_LEN + 1])
{
	gpgme_ctx_t ctx;
	int err = ctx_new(home, &ctx);

	if (!err)
		err = import_one(ctx, key, key_len, res->fpr);
	if (!err)
		err = verify_sig(ctx, text, sig, sig_len, signer, res->why);
	if (!err)
		err = key_check(ctx, res->fpr, signer, jid);
	gpgme_release(ctx);
	return err;
}

static int cred_check(const uint8_t *key, size_t key_len, const uint8_t *sig, size_t sig_len,
		      uint64_t created, const char *jid,
		      const uint8_t id_fpr[static FINGERPRINT_LEN], struct openpgp_result *res)
{
	struct temp_home home = {""};
	struct buf text = BUF_INIT;
	char signer[OPENPGP_FPR_HEX_LEN + 1] = "";
	int err = engine_ready();

	memset(res, 0, sizeof(*res));
	if (!err)
		err = openpgp_statement(jid, id_fpr, created, &text);
	if (!err)
		err = home_make(&home);
	if (!err)
		err = verify_in(home.path, key, key_len, sig, sig_len, &text, jid, res, signer);
	home_remove(&home);
	buf_free(&text);
	if (err) {
		res->fpr[0] = '\0';
		return err;
	}
	if (res->why[0])
		return XE2E_OK; /* revoked or expired by its own word: not valid, whatever
				 * the keyring says */
	return keyring_lookup(res->fpr, signer, jid, res);
}

int openpgp_cred_check(const uint8_t *key, size_t key_len, const uint8_t *sig, size_t sig_len,
		       uint64_t created, const char *jid,
		       const uint8_t id_fpr[static FINGERPRINT_LEN], struct openpgp_result *res)
{
	struct pipe_guard g;
	int err;

	pipe_block(&g);
	err = cred_check(key, key_len, sig, sig_len, created, jid, id_fpr, res);
	pipe_restore(&g);
	return err;
}

/* ---- the user's own credential ---- */

/* A user id gpg's import filter can match exactly: "uid = VALUE" ends at
 * "&&" and loses spaces at its ends. */
static int filter_safe(const char *uid)
{
	size_t n = strlen(uid);

	return n && uid[0] != ' ' && uid[n - 1] != ' ' && !strstr(uid, "&&");
}

/* The user id of the credential: one naming jid, usable, filter-safe. */
static gpgme_user_id_t own_uid(gpgme_key_t key, const char *jid)
{
	for (gpgme_user_id_t u = key->uids; u; u = u->next)
		if (!u->revoked && !u->invalid && u->uid && openpgp_uid_names(u->uid, jid) &&
		    filter_safe(u->uid))
			return u;
	return NULL;
}

static int own_key_refusal(gpgme_key_t key, const char *keyid, const char *jid)
{
	if (key->revoked || key->disabled || key->invalid) {
		err_detail_set("the OpenPGP key %s is %s", keyid, key->revoked ? "revoked"
			       : key->disabled ? "disabled" : "invalid");
		return XE2E_E_STATE;
	}
	if (key->expired) {
		err_detail_set("the OpenPGP key %s expired", keyid);
		return XE2E_E_EXPIRED;
	}
	if (!key->can_sign || !key->secret) {
		err_detail_set("the OpenPGP key %s cannot sign (no usable signing key with its "
			       "secret part here)", keyid);
		return XE2E_E_UNSUPPORTED;
	}
	if (!own_uid(key, jid)) {
		err_detail_set("the OpenPGP key %s has no valid user id naming xmpp:%.128s "
			       "(gpg --quick-add-uid %s 'Name <xmpp:%.128s>' adds one)", keyid,
			       jid, key->subkeys->fpr, jid);
		return XE2E_E_NOTFOUND;
	}
	return XE2E_OK;
}

/* The user's secret key named keyid, checked. */
static int own_key(gpgme_ctx_t ctx, const char *keyid, const char *jid, gpgme_key_t *key)
{
	gpgme_error_t e = gpgme_get_key(ctx, keyid, key, 1);
	int err;

	if (gpgme_err_code(e) == GPG_ERR_EOF) {
		err_detail_set("no secret OpenPGP key %s in your GnuPG keyring", keyid);
		return XE2E_E_NOTFOUND;
	}
	if (gpgme_err_code(e) == GPG_ERR_AMBIGUOUS_NAME) {
		err_detail_set("%s names more than one OpenPGP key: give its fingerprint", keyid);
		return XE2E_E_STATE;
	}
	if (e)
		return gpg_failed(e, "cannot read your GnuPG keyring");
	err = own_key_refusal(*key, keyid, jid);
	if (!err && !fpr_usable((*key)->subkeys->fpr)) {
		err_detail_set("the OpenPGP key %s is not a version 4 key", keyid);
		err = XE2E_E_UNSUPPORTED;
	}
	return err;
}

/* Signs text detached with key; signer gets the signing (sub)key. */
static int sign(gpgme_ctx_t ctx, gpgme_key_t key, const struct buf *text, struct buf *sig,
		char signer[static OPENPGP_FPR_HEX_LEN + 1])
{
	gpgme_data_t td, sd = NULL;
	gpgme_sign_result_t r;
	gpgme_error_t e = gpgme_signers_add(ctx, key);
	int err = e ? gpg_failed(e, "GPGME") : data_from(text->data, text->len, &td);

	if (err)
		return err;
	e = gpgme_data_new(&sd);
	if (!e)
		e = gpgme_op_sign(ctx, td, sd, GPGME_SIG_MODE_DETACH);
	gpgme_data_release(td);
	r = e ? NULL : gpgme_op_sign_result(ctx);
	if (e || !r || r->invalid_signers || !r->signatures || r->signatures->next ||
	    !fpr_usable(r->signatures->fpr)) {
		gpgme_data_release(sd);
		return e ? gpg_failed(e, "cannot sign with the OpenPGP key") : XE2E_E_CRYPTO;
	}
	strcpy(signer, r->signatures->fpr);
	if (!hash_strong(r->signatures->hash_algo)) {
		gpgme_data_release(sd);
		err_detail_set("gpg signed with a weak digest (set personal-digest-preferences "
			       "SHA256 in gpg.conf)");
		return XE2E_E_UNSUPPORTED;
	}
	return data_take(sd, OPENPGP_SIG_MAX, "OpenPGP signature", sig);
}

/* Exports "signer!" (the primary key and, if signer is a subkey, it) with
 * only the latest self-signatures, into out. */
static int export_minimal(gpgme_ctx_t ctx, const char *signer, struct buf *out)
{
	char pattern[OPENPGP_FPR_HEX_LEN + 2];
	gpgme_data_t d;
	gpgme_error_t e = gpgme_data_new(&d);

	snprintf(pattern, sizeof(pattern), "%s!", signer);
	if (!e)
		e = gpgme_op_export(ctx, pattern, GPGME_EXPORT_MODE_MINIMAL, d);
	if (e) {
		gpgme_data_release(d);
		return gpg_failed(e, "cannot export the OpenPGP key");
	}
	return data_take(d, OPENPGP_KEY_MAX, "OpenPGP key", out);
}

/* The export of the user's keyring again through a private home whose
 * import keeps only the user id uid. */
static int keep_one_uid(const char *home, const char *uid, const char *signer,
			const struct buf *full, struct buf *out)
{
	char filter[OPENPGP_REASON_MAX + 64];
	gpgme_ctx_t ctx;
	gpgme_data_t d;
	int err = ctx_new(home, &ctx);

	snprintf(filter, sizeof(filter), "keep-uid=uid = %.255s", uid);
	if (!err && gpgme_set_ctx_flag(ctx, "import-filter", filter))
		err = gpg_failed(GPG_ERR_NOT_SUPPORTED, "GPGME cannot filter an import");
	if (!err && !(err = data_from(full->data, full->len, &d))) {
		if (gpgme_op_import(ctx, d))
			err = gpg_failed(GPG_ERR_GENERAL, "cannot copy the OpenPGP key");
		gpgme_data_release(d);
	}
	if (!err)
		err = export_minimal(ctx, signer, out);
	gpgme_release(ctx);
	return err;
}

static int minimal_key(gpgme_ctx_t ctx, gpgme_key_t key, const char *jid, const char *signer,
		       struct buf *out)
{
	struct temp_home home = {""};
	struct buf full = BUF_INIT;
	int err = export_minimal(ctx, signer, &full);

	if (!err)
		err = home_make(&home);
	if (!err)
		err = keep_one_uid(home.path, own_uid(key, jid)->uid, signer, &full, out);
	home_remove(&home);
	buf_free(&full);
	return err;
}

/* A credential the peer would refuse or not anchor is not worth storing. */
static int self_check(const struct openpgp_cred *c, const char *jid,
		      const uint8_t id_fpr[static FINGERPRINT_LEN])
{
	struct openpgp_result res;
	char why[OPENPGP_REASON_MAX];
	int err = cred_check(c->key.data, c->key.len, c->sig.data, c->sig.len, c->created, jid,
			     id_fpr, &res);

	if (err == XE2E_E_TRUST) {
		snprintf(why, sizeof(why), "%s", err_detail());
		err_detail_set("the credential made does not check: %s", why);
		return XE2E_E_CRYPTO;
	}
	if (!err && strcmp(res.fpr, c->fpr) != 0)
		return XE2E_E_CRYPTO;
	return err;
}

static int cred_make(const char *keyid, const char *jid,
		     const uint8_t id_fpr[static FINGERPRINT_LEN], uint64_t now,
		     struct openpgp_cred *c)
{
	gpgme_ctx_t ctx;
	gpgme_key_t key = NULL;
	struct buf text = BUF_INIT;
	char signer[OPENPGP_FPR_HEX_LEN + 1];
	int err = ctx_new(NULL, &ctx);

	if (!err)
		err = own_key(ctx, keyid, jid, &key);
	if (!err)
		err = openpgp_statement(jid, id_fpr, now, &text);
	if (!err)
		err = sign(ctx, key, &text, &c->sig, signer);
	if (!err)
		err = minimal_key(ctx, key, jid, signer, &c->key);
	if (!err) {
		strcpy(c->fpr, key->subkeys->fpr);
		c->created = now;
		err = self_check(c, jid, id_fpr);
	}
	if (err)
		openpgp_cred_free(c);
	gpgme_key_unref(key);
	gpgme_release(ctx);
	buf_free(&text);
	return err;
}

int openpgp_cred_make(const char *keyid, const char *jid,
		      const uint8_t id_fpr[static FINGERPRINT_LEN], uint64_t now,
		      struct openpgp_cred *c)
{
	struct pipe_guard g;
	int err;

	pipe_block(&g);
	err = cred_make(keyid, jid, id_fpr, now, c);
	pipe_restore(&g);
	return err;
}

/* ---- the identity's credential ---- */

int openpgp_identity_set(const char *keyid, uint64_t now, struct identity *id)
{
	struct identity cur = IDENTITY_INIT;
	struct openpgp_cred c = OPENPGP_CRED_INIT;
	int err = identity_load(&cur, IDENTITY_LOAD_ALLOW_EXPIRED, NULL, now);

	if (!err && strcmp(keyid, OPENPGP_NONE) == 0)
		err = identity_openpgp_install(NULL, cur.jid, cur.id_fpr, now, id);
	else if (!err && !(err = openpgp_cred_make(keyid, cur.jid, cur.id_fpr, now, &c)))
		err = identity_openpgp_install(&c, cur.jid, cur.id_fpr, now, id);
	openpgp_cred_free(&c);
	identity_free(&cur);
	return err;
}
