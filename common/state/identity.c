#include "identity.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "encoding.h"
#include "err.h"
#include "keyfile.h"
#include "rng.h"
#include "store.h"
#include "util.h"
#include "x509.h"

#define BINDING_TEXT_MAX (JID_MAX + 512)
#define OPENPGP_TEXT_MAX (JID_MAX + 16384)
#define COMMIT_MAX 256
#define NEW_SUFFIX ".new"

/* The files of an identity, in the order they are put in place. */
static const char *const identity_files[] = {
	IDENTITY_KEY_FILE,
	IDENTITY_CRT_FILE,
	IDENTITY_DEVICE_KEY_FILE,
	IDENTITY_BINDING_FILE,
	IDENTITY_OPENPGP_FILE,
};

/* What a new identity's commit does: its four files in place, the old
 * identity's OpenPGP credential removed (a name after REMOVE_MARK). */
#define REMOVE_MARK "-"
static const char *const create_files[] = {
	IDENTITY_KEY_FILE,
	IDENTITY_CRT_FILE,
	IDENTITY_DEVICE_KEY_FILE,
	IDENTITY_BINDING_FILE,
	REMOVE_MARK IDENTITY_OPENPGP_FILE,
};

static const char *const device_files[] = {
	IDENTITY_DEVICE_KEY_FILE,
	IDENTITY_BINDING_FILE,
};

/* ---- files ---- */

static int data_path(const char *name, const char *suffix, char out[static STORE_PATH_MAX])
{
	char full[256];

	snprintf(full, sizeof(full), "%s%s", name, suffix);
	return store_path(STORE_DATA, full, out);
}

static int is_known_file(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(identity_files); i++) {
		if (strlen(identity_files[i]) == len && memcmp(identity_files[i], name, len) == 0)
			return 1;
	}
	return 0;
}

static int sync_data_dir(void)
{
	char dir[STORE_PATH_MAX];
	int fd, rc, err = store_dir(STORE_DATA, dir);

	if (err)
		return err;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	rc = fd < 0 ? -1 : fsync(fd);
	if (rc != 0)
		err_detail_set("cannot fsync %s: %s", dir, strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc ? XE2E_E_IO : XE2E_OK;
}

/* Renames name.new to name, when name.new is there. */
static int put_in_place(const char *name)
{
	char from[STORE_PATH_MAX], to[STORE_PATH_MAX];
	int err = data_path(name, NEW_SUFFIX, from);

	if (!err)
		err = data_path(name, "", to);
	if (err || !store_exists(from))
		return err;
	if (rename(from, to) != 0) {
		err_detail_set("cannot rename %s to %s: %s", from, to, strerror(errno));
		return XE2E_E_IO;
	}
	return XE2E_OK;
}

/* Removes name, when it is there (a commit line REMOVE_MARK name). */
static int remove_file(const char *name)
{
	char path[STORE_PATH_MAX];
	int err = data_path(name, "", path);

	return err ? err : store_remove(path);
}

/* Finishes a replacement whose commit file is at path: every listed file. */
static int roll_forward(const char *path)
{
	struct buf list = BUF_INIT;
	int err = store_read_file(path, COMMIT_MAX, 0, &list);
	const char *p = (const char *)list.data, *end = p + list.len, *nl;
	char name[64];
	size_t mark;

	for (; !err && p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		mark = nl && *p == REMOVE_MARK[0];
		if (!nl || !is_known_file(p + mark, (size_t)(nl - p) - mark)) {
			err_detail_set("%s is damaged; the identity files need checking by hand", path);
			err = XE2E_E_MALFORMED;
			break;
		}
		snprintf(name, sizeof(name), "%.*s", (int)(nl - p - mark), p + mark);
		err = mark ? remove_file(name) : put_in_place(name);
	}
	buf_free(&list);
	if (!err)
		err = sync_data_dir();
	return err ? err : store_remove(path);
}

/* Deletes the NAME.new files an interrupted replacement left. */
static int roll_back(void)
{
	char path[STORE_PATH_MAX];
	int err = XE2E_OK;

	for (size_t i = 0; !err && i < ARRAY_SIZE(identity_files); i++) {
		err = data_path(identity_files[i], NEW_SUFFIX, path);
		if (!err)
			err = store_remove(path);
	}
	return err;
}

/* Finishes or undoes an interrupted replacement; the lock is held. */
static int recover(void)
{
	char commit[STORE_PATH_MAX];
	int err = data_path(IDENTITY_COMMIT_FILE, "", commit);

	if (err)
		return err;
	return store_exists(commit) ? roll_forward(commit) : roll_back();
}

/* Puts the NAME.new files of names in place, as one step (see identity.h). */
static int commit(const char *const names[], size_t n)
{
	char path[STORE_PATH_MAX];
	struct buf list = BUF_INIT;
	int err = data_path(IDENTITY_COMMIT_FILE, "", path);

	for (size_t i = 0; !err && i < n; i++)
		err = buf_printf(&list, "%s\n", names[i]);
	if (!err)
		err = store_create(path, list.data, list.len, 0600);
	buf_free(&list);
	if (err) {
		roll_back();
		return err;
	}
	return roll_forward(path);
}

static int write_new(const char *name, const struct buf *content)
{
	char path[STORE_PATH_MAX];
	int err = data_path(name, NEW_SUFFIX, path);

	return err ? err : store_create(path, content->data, content->len, 0644);
}

static int write_new_key(const char *name, enum keyfile_type type,
			 const uint8_t key[static KEYFILE_KEY_LEN], struct passphrase *pp)
{
	char path[STORE_PATH_MAX];
	int err = data_path(name, NEW_SUFFIX, path);

	return err ? err : keyfile_save(path, type, key, pp);
}

static int lock_and_recover(struct store_lock *lock)
{
	char path[STORE_PATH_MAX];
	int err = store_path(STORE_DATA, IDENTITY_LOCK_FILE, path);

	lock->fd = -1;
	if (!err)
		err = store_lock(path, lock);
	if (!err)
		err = recover();
	if (err)
		store_unlock(lock);
	return err;
}

/* ---- loading ---- */

static void detail_prefix(const char *prefix)
{
	char detail[512];

	snprintf(detail, sizeof(detail), "%s", err_detail());
	err_detail_set("%s%s%s", prefix, detail[0] ? ": " : "", detail);
}

static int read_public_file(const char *name, size_t max, struct buf *out)
{
	char path[STORE_PATH_MAX], dir[STORE_PATH_MAX];
	int err = data_path(name, "", path);

	if (!err)
		err = store_read_file(path, max, 0, out);
	if (err == XE2E_E_NOTFOUND && store_dir(STORE_DATA, dir) == XE2E_OK)
		err_detail_set("no identity in %s (%s is missing): %s", dir, name,
			       err_advice(ERR_ADVICE_CREATE_IDENTITY));
	return err;
}

/* Takes what identity.crt holds into id (ownership of the buffers moves). */
static int take_chain(struct identity *id, struct x509_chain_info *info)
{
	memcpy(id->id_pub, info->leaf.pub, P256_PUB_LEN);
	snprintf(id->jid, sizeof(id->jid), "%s", info->leaf.jid);
	buf_free(&id->cert_der);
	id->cert_der = info->leaf.der;
	info->leaf.der = (struct buf)BUF_INIT;
	buf_free(&id->chain_der);
	if (!info->self_signed) {
		id->chain_der = info->chain;
		info->chain = (struct buf)BUF_INIT;
	}
	id->cert_not_before = info->not_before;
	id->cert_not_after = info->not_after;
	return p256_fingerprint(id->id_pub, id->id_fpr);
}

static int load_cert(struct identity *id)
{
	struct buf pem = BUF_INIT;
	struct x509_chain_info info;
	int err = read_public_file(IDENTITY_CRT_FILE, X509_CHAIN_FILE_MAX, &pem);

	if (!err) {
		err = x509_chain_read(pem.data, pem.len, &info);
		if (err)
			detail_prefix(IDENTITY_CRT_FILE);
	}
	if (!err) {
		err = take_chain(id, &info);
		x509_chain_info_free(&info);
	}
	buf_free(&pem);
	return err;
}

/*
 * The binding's signature under the certificate's key, verified only when
 * device.binding.verified does not already record these very files; a
 * verified binding is then recorded. The record is an optimisation only:
 * a load that cannot write it (a read-only tree) still succeeds.
 */
static int binding_signature_check(const struct identity *id)
{
	int err;

	if (identity_binding_recorded(id->id_pub, &id->binding))
		return XE2E_OK;
	err = identity_binding_verify_signature(id->id_pub, &id->binding);
	if (!err && identity_binding_record(id->id_pub, &id->binding) != XE2E_OK)
		err_detail_clear();
	return err;
}

static int load_binding(struct identity *id, unsigned flags, uint64_t now)
{
	char when[IDENTITY_TIME_TEXT_LEN];
	struct buf text = BUF_INIT;
	int err = read_public_file(IDENTITY_BINDING_FILE, BINDING_TEXT_MAX, &text);

	if (!err) {
		err = identity_binding_parse(text.data, text.len, &id->binding);
		if (err)
			detail_prefix(IDENTITY_BINDING_FILE);
	}
	if (!err && !jid_same_bare(id->jid, id->binding.jid)) {
		err_detail_set("%s names %s but %s names %s", IDENTITY_CRT_FILE, id->jid,
			       IDENTITY_BINDING_FILE, id->binding.jid);
		err = XE2E_E_MALFORMED;
	}
	if (!err)
		err = binding_signature_check(id);
	if (err == XE2E_E_AUTH)
		detail_prefix(IDENTITY_BINDING_FILE " does not match " IDENTITY_CRT_FILE);
	if (!err && !(flags & IDENTITY_LOAD_ALLOW_EXPIRED) && now >= id->binding.expires) {
		identity_time_format(id->binding.expires, when);
		err_detail_set("the device binding expired on %s: %s", when,
			       err_advice(ERR_ADVICE_RENEW_DEVICE));
		err = XE2E_E_EXPIRED;
	}
	if (!err)
		snprintf(id->jid, sizeof(id->jid), "%s", id->binding.jid);
	buf_free(&text);
	return err;
}

static int load_device_key(struct identity *id, struct passphrase *pp)
{
	char path[STORE_PATH_MAX];
	uint8_t pub[X25519_LEN];
	int err = data_path(IDENTITY_DEVICE_KEY_FILE, "", path);

	if (!err)
		err = keyfile_load(path, KEYFILE_X25519, pp, id->device_priv, NULL);
	if (!err)
		err = x25519_public(pub, id->device_priv);
	if (!err && !ct_equal(pub, id->binding.device_pub, X25519_LEN)) {
		err_detail_set("%s does not match %s", path, IDENTITY_BINDING_FILE);
		err = XE2E_E_MALFORMED;
	}
	if (err)
		wipe(id->device_priv, sizeof(id->device_priv));
	return err;
}

static int load_identity_key(struct identity *id, struct passphrase *pp)
{
	char path[STORE_PATH_MAX];
	uint8_t d[P256_PRIV_LEN], pub[P256_PUB_LEN];
	int err = data_path(IDENTITY_KEY_FILE, "", path);

	if (!err)
		err = keyfile_load(path, KEYFILE_P256, pp, d, NULL);
	if (!err && p256_import_private(&id->id_key, d) != XE2E_OK) {
		err_detail_set("%s: not a valid P-256 private key", path);
		err = XE2E_E_MALFORMED;
	}
	if (!err)
		err = p256_public(id->id_key, pub);
	if (!err && memcmp(pub, id->id_pub, P256_PUB_LEN) != 0) {
		err_detail_set("%s does not match %s", path, IDENTITY_CRT_FILE);
		err = XE2E_E_MALFORMED;
	}
	if (err) {
		p256_free(id->id_key);
		id->id_key = NULL;
	}
	wipe(d, sizeof(d));
	return err;
}

/* The OpenPGP credential, when there is one: it must be this identity's. */
static int load_openpgp(struct identity *id)
{
	char path[STORE_PATH_MAX], jid[JID_MAX + 1];
	uint8_t fpr[FINGERPRINT_LEN];
	struct buf text = BUF_INIT;
	int err = data_path(IDENTITY_OPENPGP_FILE, "", path);

	if (!err)
		err = store_read_file(path, OPENPGP_TEXT_MAX, 0, &text);
	if (err == XE2E_E_NOTFOUND) {
		err_detail_clear();
		return XE2E_OK;
	}
	if (!err)
		err = openpgp_cred_parse(text.data, text.len, &id->openpgp, jid, fpr);
	if (!err && (strcmp(jid, id->jid) || memcmp(fpr, id->id_fpr, FINGERPRINT_LEN))) {
		openpgp_cred_free(&id->openpgp);
		err_detail_set("%s is for another identity than %s (%s)", IDENTITY_OPENPGP_FILE,
			       id->jid, err_advice(ERR_ADVICE_REMAKE_OPENPGP));
		err = XE2E_E_MALFORMED;
	}
	buf_free(&text);
	return err;
}

/* identity_load() with the lock held. */
static int load_locked(struct identity *id, unsigned flags, struct passphrase *pp, uint64_t now)
{
	int err = load_cert(id);

	if (!err)
		err = load_binding(id, flags, now);
	if (!err)
		err = load_openpgp(id);
	if (!err && (flags & IDENTITY_LOAD_DEVICE_KEY))
		err = load_device_key(id, pp);
	if (!err && (flags & IDENTITY_LOAD_IDENTITY_KEY))
		err = load_identity_key(id, pp);
	if (!err)
		id->loaded = flags;
	else
		identity_free(id);
	return err;
}

/* Locks an existing identity (finishing a replacement a crash left). */
static int lock_existing(struct store_lock *lock)
{
	char dir[STORE_PATH_MAX];
	int err = store_dir(STORE_DATA, dir);

	if (!err && !store_exists(dir)) {
		err_detail_set("no identity in %s: %s", dir, err_advice(ERR_ADVICE_CREATE_IDENTITY));
		err = XE2E_E_NOTFOUND;
	}
	return err ? err : lock_and_recover(lock);
}

int identity_load(struct identity *id, unsigned flags, struct passphrase *pp, uint64_t now)
{
	struct store_lock lock;
	int err = lock_existing(&lock);

	if (err)
		return err;
	err = load_locked(id, flags, pp, now);
	store_unlock(&lock);
	return err;
}

void identity_free(struct identity *id)
{
	buf_free(&id->cert_der);
	buf_free(&id->chain_der);
	openpgp_cred_free(&id->openpgp);
	id->cert_not_before = id->cert_not_after = 0;
	p256_free(id->id_key);
	id->id_key = NULL;
	wipe(id->device_priv, sizeof(id->device_priv));
	wipe(&id->binding, sizeof(id->binding));
	id->loaded = 0;
}

/* ---- creating and rotating ---- */

static int any_identity_file(void)
{
	char path[STORE_PATH_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(identity_files); i++) {
		if (data_path(identity_files[i], "", path) == XE2E_OK && store_exists(path))
			return 1;
	}
	return 0;
}

/* A fresh device key and its binding, signed by key. */
static int new_device(const struct p256_key *key, struct device_binding *b, uint64_t created,
		      uint8_t priv[static X25519_LEN])
{
	int err = x25519_keypair(priv, b->device_pub);

	b->created = created;
	b->expires = created + IDENTITY_BINDING_LIFETIME;
	if (!err && b->expires > IDENTITY_TIME_MAX)
		err = XE2E_E_LIMIT;
	if (!err)
		err = identity_binding_sign(key, b);
	return err;
}

/* Writes device.key.new and device.binding.new. */
static int write_new_device(const struct device_binding *b, const uint8_t priv[static X25519_LEN],
			    struct passphrase *pp)
{
	struct buf text = BUF_INIT;
	int err = identity_binding_format(b, &text);

	if (!err)
		err = write_new_key(IDENTITY_DEVICE_KEY_FILE, KEYFILE_X25519, priv, pp);
	if (!err)
		err = write_new(IDENTITY_BINDING_FILE, &text);
	buf_free(&text);
	return err;
}

/* Writes the four NAME.new files of a new identity. */
static int write_new_identity(const char *jid, struct passphrase *pp, uint64_t now)
{
	struct p256_key *key = NULL;
	struct device_binding b;
	struct buf pem = BUF_INIT;
	uint8_t d[P256_PRIV_LEN], priv[X25519_LEN];
	int err = p256_generate(&key);

	memset(&b, 0, sizeof(b));
	snprintf(b.jid, sizeof(b.jid), "%s", jid);
	if (!err)
		err = x509_selfsigned_write(key, jid, now, &pem);
	if (!err)
		err = rng_bytes(b.device_id, IDENTITY_DEVICE_ID_LEN);
	if (!err)
		err = new_device(key, &b, now, priv);
	if (!err)
		err = p256_export_private(key, d);
	if (!err)
		err = write_new_key(IDENTITY_KEY_FILE, KEYFILE_P256, d, pp);
	if (!err)
		err = write_new(IDENTITY_CRT_FILE, &pem);
	if (!err)
		err = write_new_device(&b, priv, pp);
	p256_free(key);
	buf_free(&pem);
	wipe(d, sizeof(d));
	wipe(priv, sizeof(priv));
	wipe(&b, sizeof(b));
	return err;
}

static int refuse_existing(void)
{
	char dir[STORE_PATH_MAX];

	if (store_dir(STORE_DATA, dir) != XE2E_OK)
		dir[0] = '\0';
	err_detail_set("an identity exists in %s; --force replaces it", dir);
	return XE2E_E_EXISTS;
}

static int create_locked(const char *jid, struct passphrase *pp, uint64_t now, int force,
			 struct identity *id)
{
	int err = XE2E_OK;

	if (!force && any_identity_file())
		return refuse_existing();
	if (pp && passphrase_given(pp))
		err = passphrase_get(pp, "the new keys", 1);
	if (!err)
		err = write_new_identity(jid, pp, now);
	if (!err)
		err = commit(create_files, ARRAY_SIZE(create_files));
	else
		roll_back();
	if (!err)
		err = load_locked(id, IDENTITY_LOAD_PUBLIC, NULL, now);
	return err;
}

static int ensure_trees(void)
{
	int err = store_ensure_dir(STORE_DATA);

	return err ? err : store_ensure_dir(STORE_STATE);
}

int identity_create(const char *jid, struct passphrase *pp, uint64_t now, int force,
		    struct identity *id)
{
	char bare[JID_MAX + 1];
	struct store_lock lock;
	uint32_t iterations;
	int err = identity_jid_normalize(jid, bare);

	/* What can fail before the keys are made fails before any directory
	 * is made: a bad XE2E_KDF_ITERATIONS, an identity that exists (checked
	 * again under the lock), no passphrase to be had. */
	if (!err && pp && passphrase_given(pp))
		err = keyfile_iterations(&iterations);
	if (!err && !force && any_identity_file())
		err = refuse_existing();
	if (!err && pp && passphrase_given(pp))
		err = passphrase_get(pp, "the new keys", 1);
	if (!err)
		err = ensure_trees();
	if (!err)
		err = lock_and_recover(&lock);
	if (err)
		return err;
	err = create_locked(bare, pp, now, force, id);
	store_unlock(&lock);
	return err;
}

static int rotate_locked(struct passphrase *pp, uint64_t now, struct identity *id)
{
	struct identity old = IDENTITY_INIT;
	struct device_binding b;
	uint8_t priv[X25519_LEN];
	uint64_t created;
	int err = load_locked(&old, IDENTITY_LOAD_IDENTITY_KEY | IDENTITY_LOAD_ALLOW_EXPIRED, pp, now);

	if (err)
		return err;
	b = old.binding;
	created = now > old.binding.created ? now : old.binding.created + 1;
	err = new_device(old.id_key, &b, created, priv);
	if (!err)
		err = write_new_device(&b, priv, pp);
	if (!err)
		err = commit(device_files, ARRAY_SIZE(device_files));
	else
		roll_back();
	identity_free(&old);
	wipe(priv, sizeof(priv));
	wipe(&b, sizeof(b));
	if (!err)
		err = load_locked(id, IDENTITY_LOAD_PUBLIC, NULL, now);
	return err;
}

int identity_rotate_device(struct passphrase *pp, uint64_t now, struct identity *id)
{
	struct store_lock lock;
	char dir[STORE_PATH_MAX];
	int err = store_dir(STORE_DATA, dir);

	if (!err && !store_exists(dir)) {
		err_detail_set("no identity in %s: %s", dir, err_advice(ERR_ADVICE_CREATE_IDENTITY));
		err = XE2E_E_NOTFOUND;
	}
	if (!err)
		err = lock_and_recover(&lock);
	if (err)
		return err;
	err = rotate_locked(pp, now, id);
	store_unlock(&lock);
	return err;
}

/* ---- CA-issued certificates ---- */

/* What a chain must be to replace identity.crt of id. */
static int chain_check(const struct identity *id, const struct x509_chain_info *info,
		       uint64_t now)
{
	char jid[JID_MAX + 1], when[IDENTITY_TIME_TEXT_LEN];

	if (memcmp(info->leaf.pub, id->id_pub, P256_PUB_LEN) != 0) {
		err_detail_set("the certificate is for another key than the identity key of %s",
			       id->jid);
		return XE2E_E_MALFORMED;
	}
	if (identity_jid_normalize(info->leaf.jid, jid) != XE2E_OK || strcmp(jid, id->jid) != 0) {
		err_detail_set("the certificate names %.64s in its id-on-xmppAddr, not %s",
			       info->leaf.jid, id->jid);
		return XE2E_E_MALFORMED;
	}
	if (now < info->not_before || now > info->not_after) {
		identity_time_format(now < info->not_before ? info->not_before : info->not_after,
				     when);
		err_detail_set("the certificate is %s %s", now < info->not_before
				       ? "not valid before" : "expired since", when);
		return XE2E_E_EXPIRED;
	}
	return XE2E_OK;
}

/* Writes identity.crt.new with the PEM of the chain in info. */
static int write_new_chain(const struct x509_chain_info *info)
{
	struct buf pem = BUF_INIT;
	int err = x509_chain_pem(info->chain.data, info->chain.len, &pem);

	if (!err)
		err = write_new(IDENTITY_CRT_FILE, &pem);
	buf_free(&pem);
	return err;
}

static int install_locked(const uint8_t *data, size_t len, uint64_t now, struct identity *id)
{
	static const char *const crt_file[] = {IDENTITY_CRT_FILE};
	struct identity old = IDENTITY_INIT;
	struct x509_chain_info info;
	int err = load_locked(&old, IDENTITY_LOAD_ALLOW_EXPIRED, NULL, now);

	if (err)
		return err;
	err = x509_chain_read(data, len, &info);
	if (!err) {
		err = chain_check(&old, &info, now);
		if (!err)
			err = write_new_chain(&info);
		if (!err)
			err = commit(crt_file, ARRAY_SIZE(crt_file));
		else
			roll_back();
		x509_chain_info_free(&info);
	}
	identity_free(&old);
	if (!err)
		err = load_locked(id, IDENTITY_LOAD_ALLOW_EXPIRED, NULL, now);
	return err;
}

int identity_certificate_install(const uint8_t *data, size_t len, uint64_t now,
				 struct identity *id)
{
	struct store_lock lock;
	int err = lock_existing(&lock);

	if (err)
		return err;
	err = install_locked(data, len, now, id);
	store_unlock(&lock);
	return err;
}

/* ---- OpenPGP credentials ---- */

static int openpgp_locked(const struct openpgp_cred *c, const char *jid,
			  const uint8_t id_fpr[static FINGERPRINT_LEN], uint64_t now,
			  struct identity *id)
{
	static const char *const add[] = {IDENTITY_OPENPGP_FILE};
	static const char *const drop[] = {REMOVE_MARK IDENTITY_OPENPGP_FILE};
	struct identity old = IDENTITY_INIT;
	struct buf text = BUF_INIT;
	int err = load_locked(&old, IDENTITY_LOAD_ALLOW_EXPIRED, NULL, now);

	if (!err && (strcmp(old.jid, jid) || memcmp(old.id_fpr, id_fpr, FINGERPRINT_LEN))) {
		err_detail_set("the identity changed meanwhile: run again");
		err = XE2E_E_STATE;
	}
	if (!err && !c && !old.openpgp.key.len) {
		err_detail_set("the identity of %s has no OpenPGP credential", old.jid);
		err = XE2E_E_NOTFOUND;
	}
	if (!err && c && !(err = openpgp_cred_format(c, jid, id_fpr, &text)))
		err = write_new(IDENTITY_OPENPGP_FILE, &text);
	if (!err)
		err = c ? commit(add, ARRAY_SIZE(add)) : commit(drop, ARRAY_SIZE(drop));
	else
		roll_back();
	identity_free(&old);
	buf_free(&text);
	if (!err)
		err = load_locked(id, IDENTITY_LOAD_ALLOW_EXPIRED, NULL, now);
	return err;
}

int identity_openpgp_install(const struct openpgp_cred *c, const char *jid,
			     const uint8_t id_fpr[static FINGERPRINT_LEN], uint64_t now,
			     struct identity *id)
{
	struct store_lock lock;
	int err = lock_existing(&lock);

	if (err)
		return err;
	err = openpgp_locked(c, jid, id_fpr, now, id);
	store_unlock(&lock);
	return err;
}

int identity_csr_write(struct passphrase *pp, uint64_t now, struct buf *pem)
{
	struct identity id = IDENTITY_INIT;
	int err = identity_load(&id, IDENTITY_LOAD_IDENTITY_KEY | IDENTITY_LOAD_ALLOW_EXPIRED, pp,
				now);

	if (!err)
		err = x509_csr_write(id.id_key, id.jid, pem);
	identity_free(&id);
	return err;
}
