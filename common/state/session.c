/* Session files and the per-peer current pointer (see session.h). */
#include "session.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/fs.h>
#include <unistd.h>

#include "decimal.h"
#include "encoding.h"
#include "err.h"
#include "handshake_nego.h"
#include "hash.h"
#include "session_int.h"
#include "util.h"

#define SESSION_HEADER "xe2e session v2"
#define CURRENT_HEADER "xe2e current session v1"

const char *session_pattern_name(uint8_t pattern)
{
	return pattern == SESSION_PATTERN_OFFLINE ? "offline" : hsnego_pattern_name(pattern);
}

void session_id_format(const uint8_t id[static SESSION_ID_LEN], char out[static SESSION_ID_TEXT_LEN])
{
	hex_encode(id, SESSION_ID_LEN, out);
}

int session_id_parse(const char *text, uint8_t id[static SESSION_ID_LEN])
{
	if (strlen(text) != 2 * SESSION_ID_LEN || hex_decode(text, 2 * SESSION_ID_LEN, id,
							      SESSION_ID_LEN)) {
		err_detail_set("a session id is 32 hex digits");
		return XE2E_E_MALFORMED;
	}
	return XE2E_OK;
}

/* A file of the sessions directory, which is made (0700) when create is set:
 * reading creates nothing. */
static int sessions_file(const char *name, int create, char out[static STORE_PATH_MAX])
{
	/* The directories made and checked last by this thread (two, for a
	 * process that works in two homes): a streaming xe2e-open locks its
	 * session once per stanza, and making the tree again each time cost
	 * more than the cryptography. */
	static _Thread_local char made[2][STORE_PATH_MAX];
	static _Thread_local unsigned made_next;
	char dir[STORE_PATH_MAX];
	int err = store_path(STORE_STATE, SESSION_DIR, dir);

	if (!err && create && strcmp(dir, made[0]) != 0 && strcmp(dir, made[1]) != 0) {
		err = store_ensure_dir(STORE_STATE);
		if (!err)
			err = store_mkdir(dir);
		if (!err)
			strcpy(made[made_next++ % 2], dir);
	}
	if (err)
		return err;
	if (snprintf(out, STORE_PATH_MAX, "%s/%s", dir, name) >= STORE_PATH_MAX)
		return XE2E_E_LIMIT;
	return XE2E_OK;
}

int session_path(const uint8_t id[static SESSION_ID_LEN], const char *suffix,
		 char out[static STORE_PATH_MAX])
{
	char name[SESSION_ID_TEXT_LEN + 16];

	session_id_format(id, name);
	if (strlen(suffix) > 15)
		return XE2E_E_LIMIT;
	strcat(name, suffix);
	return sessions_file(name, strcmp(suffix, ".session") != 0, out);
}

/* ---- format ---- */

static int put_hex(struct buf *out, const char *key, const uint8_t *data, size_t n, int present)
{
	char hex[2 * 64 + 1];
	int err;

	if (!present)
		return buf_printf(out, "%s: -\n", key);
	hex_encode(data, n, hex);
	err = buf_printf(out, "%s: %s\n", key, hex);
	wipe(hex, sizeof(hex));
	return err;
}

static const char *rs_mode_name(enum session_rs_mode mode)
{
	if (mode == SESSION_RS_ROTATE)
		return "rotate";
	if (mode == SESSION_RS_PROVISIONAL)
		return "provisional";
	return "-";
}

static int format_head(const struct session *s, struct buf *out)
{
	char id[SESSION_ID_TEXT_LEN], flags[TRUST_FLAGS_TEXT_LEN];
	const char *suite = hsnego_suite_name(s->suite), *pattern = session_pattern_name(s->pattern);
	const char *trust = trust_level_name(s->trust);

	if (!suite || !pattern || !trust)
		return XE2E_E_STATE;
	session_id_format(s->id, id);
	trust_flags_format(s->flags, flags);
	if (buf_printf(out,
			  SESSION_HEADER "\nid: %s\nstate: %s\nrole: %s\npattern: %s\n"
			  "version: %u\nsuite: %s\ncreated: %" PRIu64 "\nself: %s\npeer: %s\n",
			  id, s->state == SESSION_PENDING ? "pending" : "active",
			  s->role == SESSION_INITIATOR ? "initiator" : "responder", pattern,
			  s->version, suite, s->created, s->self_jid, s->peer_jid) ||
	       put_hex(out, "peer-identity", s->peer_fpr, FINGERPRINT_LEN, 1) ||
	       buf_printf(out, "peer-device-id: %08" PRIx32 "\n", s->peer_device_id) ||
	       put_hex(out, "peer-device-key", s->peer_device_key, X25519_LEN, 1) ||
	    buf_printf(out, "trust: %s\nflags: %s\n", trust, flags))
		return XE2E_E_NOMEM;
	return XE2E_OK;
}

static int format_keys(const struct session *s, struct buf *out)
{
	int has_rs = s->pending_rs_mode != SESSION_RS_NONE;

	if (!s->ratchet)
		return XE2E_E_STATE;
	if (put_hex(out, "handshake-hash", s->handshake_hash, SESSION_HASH_LEN, 1) ||
	       put_hex(out, "pending-rs", s->pending_rs, SESSION_KEY_LEN, has_rs) ||
	    buf_printf(out, "pending-rs-mode: %s\n", rs_mode_name(s->pending_rs_mode)))
		return XE2E_E_NOMEM;
	return ratchet_serialize(s->ratchet, out);
}

static int format_all(const struct session *s, unsigned long long dev, unsigned long long ino,
		      unsigned long long gen, struct buf *out)
{
	int err = format_head(s, out);

	if (!err)
		err = format_keys(s, out);
	if (!err && s->commit)
		err = buf_printf(out, "commit: %" PRIu64 "\n", s->commit);
	if (!err)
		err = buf_printf(out, "written-as: %llu:%llu:%llu\n", dev, ino, gen);
	return err;
}

int session_format(const struct session *s, unsigned long long dev, unsigned long long ino,
		   struct buf *out)
{
	struct session tmp;
	int err;

	if (s->ratchet)
		return format_all(s, dev, ino, s->gen, out);
	tmp = *s;
	err = session_ratchet_start(&tmp);
	if (!err)
		err = format_all(&tmp, dev, ino, s->gen, out);
	session_free(&tmp);
	return err;
}

/* ---- parse ---- */

struct lines {
	const char *name;
	const char *p, *end;
	size_t line;
	char value[JID_MAX + 1];
};

static int parse_fail(struct lines *l, const char *what)
{
	err_detail_set("%s line %zu: %s", l->name, l->line, what);
	return XE2E_E_MALFORMED;
}

/* Reads the next line, which must be "key: value"; the value goes to l->value. */
static int next_field(struct lines *l, const char *key)
{
	const char *nl = memchr(l->p, '\n', (size_t)(l->end - l->p));
	size_t klen = strlen(key), n;

	l->line++;
	if (!nl)
		return parse_fail(l, "missing or unterminated line");
	n = (size_t)(nl - l->p);
	if (n < klen + 3 || memcmp(l->p, key, klen) != 0 || l->p[klen] != ':' ||
	    l->p[klen + 1] != ' ' || n - klen - 2 > JID_MAX)
		return parse_fail(l, key);
	memcpy(l->value, l->p + klen + 2, n - klen - 2);
	l->value[n - klen - 2] = '\0';
	if (strlen(l->value) != n - klen - 2)
		return parse_fail(l, "NUL byte");
	l->p = nl + 1;
	return XE2E_OK;
}

static int field_hex(struct lines *l, const char *key, uint8_t *out, size_t n, int *present)
{
	int err = next_field(l, key);

	if (err)
		return err;
	if (present && !strcmp(l->value, "-")) {
		*present = 0;
		memset(out, 0, n);
		return XE2E_OK;
	}
	if (strlen(l->value) != 2 * n || hex_decode(l->value, 2 * n, out, n))
		return parse_fail(l, key);
	for (size_t i = 0; i < 2 * n; i++)
		if (l->value[i] >= 'A' && l->value[i] <= 'F')
			return parse_fail(l, "upper-case hex");
	if (present)
		*present = 1;
	return XE2E_OK;
}

static int field_u64(struct lines *l, const char *key, uint64_t *out)
{
	int err = next_field(l, key);

	if (!err && decimal_parse_str(l->value, UINT64_MAX, out))
		err = parse_fail(l, key);
	return err;
}

/* A value that must be one of two words; *out gets 1 or 2. */
static int field_choice(struct lines *l, const char *key, const char *one, const char *two,
			int *out)
{
	int err = next_field(l, key);

	if (err)
		return err;
	if (!strcmp(l->value, one))
		*out = 1;
	else if (!strcmp(l->value, two))
		*out = 2;
	else
		return parse_fail(l, key);
	return XE2E_OK;
}

static int field_jid(struct lines *l, const char *key, char out[static JID_MAX + 1], int bare)
{
	struct jid j;
	char norm[JID_MAX + 1];
	int err = next_field(l, key);

	if (err)
		return err;
	if (jid_parse(l->value, &j))
		return parse_fail(l, key);
	if (bare)
		jid_bare(&j, norm);
	else
		jid_full(&j, norm);
	if (strcmp(norm, l->value))
		return parse_fail(l, "JID not in normal form");
	strcpy(out, norm);
	return XE2E_OK;
}

static int field_pattern(struct lines *l, uint8_t *pattern)
{
	static const uint8_t known[] = {HS_PATTERN_XX, HS_PATTERN_IK, SESSION_PATTERN_OFFLINE};
	int err = next_field(l, "pattern");

	for (size_t i = 0; !err && i < sizeof(known); i++) {
		if (!strcmp(l->value, session_pattern_name(known[i]))) {
			*pattern = known[i];
			return XE2E_OK;
		}
	}
	return err ? err : parse_fail(l, "pattern");
}

static int parse_codes(struct lines *l, struct session *s)
{
	int v, err = field_pattern(l, &s->pattern);
	uint64_t version;

	if (err)
		return err;
	if ((err = field_u64(l, "version", &version)))
		return err;
	if (version > 255 || !hsnego_version_known((uint8_t)version))
		return parse_fail(l, "version");
	s->version = (uint8_t)version;
	if ((err = field_choice(l, "suite", hsnego_suite_name(HS_SUITE_CHACHAPOLY),
				hsnego_suite_name(HS_SUITE_AESGCM), &v)))
		return err;
	s->suite = v == 1 ? HS_SUITE_CHACHAPOLY : HS_SUITE_AESGCM;
	return XE2E_OK;
}

static int parse_head(struct lines *l, struct session *s)
{
	int v, err;

	if ((err = field_hex(l, "id", s->id, SESSION_ID_LEN, NULL)))
		return err;
	if ((err = field_choice(l, "state", "pending", "active", &v)))
		return err;
	s->state = v == 1 ? SESSION_PENDING : SESSION_ACTIVE;
	if ((err = field_choice(l, "role", "initiator", "responder", &v)))
		return err;
	s->role = v == 1 ? SESSION_INITIATOR : SESSION_RESPONDER;
	if ((err = parse_codes(l, s)) || (err = field_u64(l, "created", &s->created)) ||
	    (err = field_jid(l, "self", s->self_jid, 1)) ||
	    (err = field_jid(l, "peer", s->peer_jid, 0)))
		return err;
	return field_hex(l, "peer-identity", s->peer_fpr, FINGERPRINT_LEN, NULL);
}

static int parse_peer(struct lines *l, struct session *s)
{
	uint8_t devid[4];
	int err = field_hex(l, "peer-device-id", devid, sizeof(devid), NULL);

	if (err)
		return err;
	s->peer_device_id = load_be32(devid);
	if ((err = field_hex(l, "peer-device-key", s->peer_device_key, X25519_LEN, NULL)) ||
	    (err = next_field(l, "trust")))
		return err;
	if (trust_level_parse(l->value, &s->trust) || s->trust == TRUST_REVOKED ||
	    s->trust == TRUST_MISMATCH)
		return parse_fail(l, "trust");
	if ((err = next_field(l, "flags")))
		return err;
	if (trust_flags_parse(l->value, &s->flags))
		return parse_fail(l, "flags");
	if (s->pattern == SESSION_PATTERN_OFFLINE && !(s->flags & TRUST_FLAG_OFFLINE_ORIGIN))
		return parse_fail(l, "a session from prekeys without offline-origin");
	return XE2E_OK;
}

static int parse_pending(struct lines *l, struct session *s)
{
	int has_rs, mode, err = field_hex(l, "pending-rs", s->pending_rs, SESSION_KEY_LEN, &has_rs);

	if (err || (err = next_field(l, "pending-rs-mode")))
		return err;
	if (!strcmp(l->value, "-"))
		mode = SESSION_RS_NONE;
	else if (!strcmp(l->value, "rotate"))
		mode = SESSION_RS_ROTATE;
	else if (!strcmp(l->value, "provisional"))
		mode = SESSION_RS_PROVISIONAL;
	else
		return parse_fail(l, "pending-rs-mode");
	if ((mode != SESSION_RS_NONE) != has_rs)
		return parse_fail(l, "pending-rs and its mode disagree");
	s->pending_rs_mode = (enum session_rs_mode)mode;
	return XE2E_OK;
}

static enum aead_cipher suite_cipher(uint8_t suite)
{
	return suite == HS_SUITE_AESGCM ? AEAD_AES256GCM : AEAD_CHACHAPOLY;
}

static enum ratchet_role ratchet_role_of(enum session_role role)
{
	return role == SESSION_INITIATOR ? RATCHET_INITIATOR : RATCHET_RESPONDER;
}

/* The embedded ratchet state, which must fit the session. */
static int parse_ratchet(struct lines *l, struct session *s)
{
	struct ratchet_info info;
	size_t used = 0;
	const char *err_text;
	int err = ratchet_parse(l->p, (size_t)(l->end - l->p), &s->ratchet, &used);

	if (err) {
		err_text = err_detail();
		err_detail_set("%s: ratchet state: %.200s", l->name, err_text);
		return err;
	}
	for (size_t i = 0; i < used; i++)
		l->line += l->p[i] == '\n';
	l->p += used;
	ratchet_info_get(s->ratchet, &info);
	if (info.role != ratchet_role_of(s->role) || info.cipher != suite_cipher(s->suite))
		return parse_fail(l, "ratchet state of another role or suite");
	return XE2E_OK;
}

static int parse_keys(struct lines *l, struct session *s)
{
	int err = field_hex(l, "handshake-hash", s->handshake_hash, SESSION_HASH_LEN, NULL);

	if (!err)
		err = parse_pending(l, s);
	if (!err)
		err = parse_ratchet(l, s);
	return err;
}

/* "commit: N", N >= 1, absent in files written before it existed (0). */
static int parse_commit(struct lines *l, struct session *s)
{
	static const char key[] = "commit: ";

	if ((size_t)(l->end - l->p) < strlen(key) || memcmp(l->p, key, strlen(key)) != 0)
		return XE2E_OK;
	if (field_u64(l, "commit", &s->commit))
		return XE2E_E_MALFORMED;
	if (s->commit == 0)
		return parse_fail(l, "commit 0");
	return XE2E_OK;
}

static int parse_written_as(struct lines *l, struct session *s)
{
	uint64_t dev, ino, gen;
	char *c1, *c2;
	int err = next_field(l, "written-as");

	if (err)
		return err;
	c1 = strchr(l->value, ':');
	c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c2)
		return parse_fail(l, "written-as");
	*c1 = *c2 = '\0';
	if (decimal_parse_str(l->value, UINT64_MAX, &dev) ||
	    decimal_parse_str(c1 + 1, UINT64_MAX, &ino) ||
	    decimal_parse_str(c2 + 1, UINT32_MAX, &gen))
		return parse_fail(l, "written-as");
	s->dev = dev;
	s->ino = ino;
	s->gen = gen;
	if (l->p != l->end) {
		l->line++;
		return parse_fail(l, "unexpected text after the last field");
	}
	return XE2E_OK;
}

int session_parse(const char *name, const char *text, size_t len, struct session *s)
{
	struct lines l = {name, text, text + len, 1, ""};
	size_t hlen = strlen(SESSION_HEADER);
	int err;

	memset(s, 0, sizeof(*s));
	if (len <= hlen || memcmp(text, SESSION_HEADER "\n", hlen + 1) != 0) {
		err = parse_fail(&l, "not an xe2e session v2 file");
		goto out;
	}
	l.p += hlen + 1;
	err = parse_head(&l, s);
	if (!err)
		err = parse_peer(&l, s);
	if (!err)
		err = parse_keys(&l, s);
	if (!err)
		err = parse_commit(&l, s);
	if (!err)
		err = parse_written_as(&l, s);
out:
	wipe(l.value, sizeof(l.value));
	if (err)
		session_free(s);
	return err;
}

/* ---- files ---- */

static int io_fail(const char *what, const char *path)
{
	err_detail_set("%s %s: %s", what, path, strerror(errno));
	return XE2E_E_IO;
}

int session_lock(const uint8_t id[static SESSION_ID_LEN], struct store_lock *lock)
{
	char path[STORE_PATH_MAX];
	int err = session_path(id, ".lock", path);

	return err ? err : store_lock(path, lock);
}

static int fsync_parent(const char *path)
{
	char dir[STORE_PATH_MAX];
	char *slash;
	int fd, rc;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		return XE2E_E_STATE;
	*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return io_fail("cannot open directory", dir);
	rc = fsync(fd);
	close(fd);
	return rc ? io_fail("cannot fsync directory", dir) : XE2E_OK;
}

/* The inode's generation number (FS_IOC_GETVERSION), which changes when a
 * freed inode number is used again; 0 where the file system has none. */
static unsigned long long file_generation(int fd)
{
	long gen = 0;

	if (ioctl(fd, FS_IOC_GETVERSION, &gen) != 0)
		return 0;
	return (unsigned long long)(uint32_t)gen;
}

/* Fills the open temporary file with s's text, recording its dev:ino:gen. */
static int write_content(int fd, const char *tmp, struct session *s)
{
	struct buf text = BUF_INIT;
	struct stat st;
	unsigned long long gen;
	int err = XE2E_OK;

	if (fstat(fd, &st) != 0)
		return io_fail("cannot stat", tmp);
	gen = file_generation(fd);
	err = session_ratchet_start(s);
	if (!err)
		err = format_all(s, (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
				 gen, &text);
	if (!err && store_write_all(fd, text.data, text.len) != 0)
		err = io_fail("cannot write", tmp);
	if (!err && fsync(fd) != 0)
		err = io_fail("cannot fsync", tmp);
	if (!err) {
		s->dev = (unsigned long long)st.st_dev;
		s->ino = (unsigned long long)st.st_ino;
		s->gen = gen;
	}
	buf_free(&text);
	return err;
}

/* The file of s under a new commit number: temporary file, rename. */
static int write_file(struct session *s, const char *path)
{
	char tmp[STORE_PATH_MAX];
	int fd, err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path) >= (int)sizeof(tmp))
		return XE2E_E_LIMIT;
	fd = mkostemp(tmp, O_CLOEXEC); /* 0600, O_CREAT|O_EXCL */
	if (fd < 0)
		return io_fail("cannot create", tmp);
	err = write_content(fd, tmp, s);
	if (close(fd) != 0 && !err)
		err = io_fail("cannot close", tmp);
	if (!err && rename(tmp, path) != 0)
		err = io_fail("cannot rename to", path);
	if (err)
		unlink(tmp);
	return err;
}

int session_write_locked(struct session *s, const struct store_lock *lock)
{
	char path[STORE_PATH_MAX], lock_path[STORE_PATH_MAX];
	int err = session_path(s->id, ".session", path);

	if (!err)
		err = session_lock_path(path, lock_path);
	if (err)
		return err;
	s->commit++;
	err = write_file(s, path);
	if (!err)
		err = fsync_parent(path);
	/* Only once the new file is durable: the lock file's number is never
	 * above the file's, whenever a crash comes. */
	if (!err && lock && lock->fd >= 0)
		session_lockrec_write_fd(lock->fd, s->commit);
	else if (!err)
		session_lockrec_write(lock_path, s->commit);
	if (err)
		s->commit--;
	return err;
}

int session_write(struct session *s)
{
	return session_write_locked(s, NULL);
}

static int check_stat(const char *path, const struct stat *st)
{
	if (!S_ISREG(st->st_mode)) {
		err_detail_set("%s is not a regular file", path);
		return XE2E_E_MALFORMED;
	}
	if (st->st_uid != geteuid() || (st->st_mode & 077)) {
		err_detail_set("%s is accessible by others or not yours: chmod 600 %s", path, path);
		return XE2E_E_PERM;
	}
	if ((unsigned long long)st->st_size > SESSION_FILE_MAX) {
		err_detail_set("%s is larger than %u bytes", path, SESSION_FILE_MAX);
		return XE2E_E_LIMIT;
	}
	return XE2E_OK;
}

static int read_fd(int fd, const char *path, struct buf *text)
{
	uint8_t chunk[4096];
	int err = XE2E_OK;

	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = io_fail("cannot read", path);
		if (n <= 0)
			break;
		if (text->len + (size_t)n > SESSION_FILE_MAX) {
			err_detail_set("%s is larger than %u bytes", path, SESSION_FILE_MAX);
			err = XE2E_E_LIMIT;
			break;
		}
		if ((err = buf_append(text, chunk, (size_t)n)))
			break;
	}
	wipe(chunk, sizeof(chunk));
	return err;
}

/* Reads the file and the (device, inode) of what was read, from one open. */
static int read_checked(const char *path, struct buf *text, struct stat *st,
			unsigned long long *gen)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK), err;

	if (fd < 0 && errno == ENOENT) {
		err_detail_set("no session file %s", path);
		return XE2E_E_NOTFOUND;
	}
	if (fd < 0 && errno == ELOOP) {
		err_detail_set("%s is a symbolic link; refusing to follow it", path);
		return XE2E_E_PERM;
	}
	if (fd < 0)
		return io_fail("cannot open", path);
	if (fstat(fd, st) != 0)
		err = io_fail("cannot stat", path);
	else
		err = check_stat(path, st);
	if (!err)
		err = read_fd(fd, path, text);
	*gen = file_generation(fd);
	close(fd);
	return err;
}

int session_read_locked(const uint8_t id[static SESSION_ID_LEN], const struct store_lock *lock,
			struct session *s)
{
	char path[STORE_PATH_MAX], lock_path[STORE_PATH_MAX];
	struct buf text = BUF_INIT;
	struct stat st;
	unsigned long long gen = 0;
	uint64_t lock_commit;
	int err = session_path(id, ".session", path);

	if (!err)
		err = session_lock_path(path, lock_path);
	if (err)
		return err;
	/* The lock's number first: a writer records it after its rename, so
	 * the file opened next holds that number or a later one. */
	lock_commit = lock && lock->fd >= 0 ? session_lockrec_read_fd(lock->fd)
					    : session_lockrec_read(lock_path);
	err = read_checked(path, &text, &st, &gen);
	if (!err)
		err = session_parse(path, (const char *)text.data, text.len, s);
	buf_free(&text);
	if (err)
		return err;
	err = session_fresh_check(path, id, s, &st, gen, lock_commit);
	if (err)
		session_free(s);
	return err;
}

int session_read(const uint8_t id[static SESSION_ID_LEN], struct session *s)
{
	return session_read_locked(id, NULL, s);
}

int session_create(struct session *s)
{
	char path[STORE_PATH_MAX];
	struct store_lock lock;
	int err = session_path(s->id, ".session", path);

	if (!err)
		err = session_lock(s->id, &lock);
	if (err)
		return err;
	if (store_exists(path)) {
		err_detail_set("%s exists", path);
		err = XE2E_E_EXISTS;
	} else {
		err = session_write_locked(s, &lock);
	}
	store_unlock(&lock);
	return err;
}

int session_with_locked(const uint8_t id[static SESSION_ID_LEN],
			int (*fn)(struct session *s, void *ctx), void *ctx)
{
	struct store_lock lock;
	struct session s;
	int err = session_lock(id, &lock);

	if (err)
		return err;
	memset(&s, 0, sizeof(s));
	err = session_read(id, &s);
	if (!err)
		err = fn(&s, ctx);
	session_free(&s);
	store_unlock(&lock);
	return err;
}

void session_free(struct session *s)
{
	ratchet_free(s->ratchet);
	wipe(s, sizeof(*s));
}

static void handover_wipe(struct session *s)
{
	wipe(s->root_key, sizeof(s->root_key));
	wipe(s->chain_key, sizeof(s->chain_key));
	wipe(s->own_ratchet_priv, sizeof(s->own_ratchet_priv));
	wipe(s->own_ratchet_pub, sizeof(s->own_ratchet_pub));
	wipe(s->peer_ratchet_pub, sizeof(s->peer_ratchet_pub));
	s->has_own_ratchet = s->has_peer_ratchet = 0;
}

int session_ratchet_start(struct session *s)
{
	struct ratchet_start st;
	int responder = s->role == SESSION_RESPONDER, err;

	if (s->ratchet)
		return XE2E_OK;
	if (responder ? !s->has_own_ratchet : !s->has_peer_ratchet) {
		err_detail_set("the session has no ratchet key to start from");
		return XE2E_E_STATE;
	}
	memset(&st, 0, sizeof(st));
	st.cipher = suite_cipher(s->suite);
	memcpy(st.root_key, s->root_key, SESSION_KEY_LEN);
	memcpy(st.chain_key, s->chain_key, SESSION_KEY_LEN);
	memcpy(st.r0_public, responder ? s->own_ratchet_pub : s->peer_ratchet_pub, X25519_LEN);
	if (responder)
		memcpy(st.r0_private, s->own_ratchet_priv, X25519_LEN);
	err = ratchet_tag_derive(st.root_key, st.tag);
	if (!err)
		err = ratchet_init(&s->ratchet, ratchet_role_of(s->role), &st, s->created);
	if (!err)
		handover_wipe(s);
	wipe(&st, sizeof(st));
	return err;
}

/* 1 for "<32 hex>.session"; the id goes to id. */
static int session_name(const char *name, uint8_t id[static SESSION_ID_LEN])
{
	size_t n = strlen(name);

	if (n != 2 * SESSION_ID_LEN + strlen(".session") ||
	    strcmp(name + 2 * SESSION_ID_LEN, ".session"))
		return 0;
	for (size_t i = 0; i < 2 * SESSION_ID_LEN; i++)
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
			return 0;
	return hex_decode(name, 2 * SESSION_ID_LEN, id, SESSION_ID_LEN) == XE2E_OK;
}

static int list_add(uint8_t (**ids)[SESSION_ID_LEN], size_t *n, size_t *cap,
		    const uint8_t id[static SESSION_ID_LEN])
{
	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 16;
		void *p = realloc(*ids, c * SESSION_ID_LEN);

		if (!p)
			return XE2E_E_NOMEM;
		*ids = p;
		*cap = c;
	}
	memcpy((*ids)[(*n)++], id, SESSION_ID_LEN);
	return XE2E_OK;
}

int session_list(uint8_t (**ids)[SESSION_ID_LEN], size_t *n)
{
	char dir[STORE_PATH_MAX];
	uint8_t id[SESSION_ID_LEN];
	size_t cap = 0;
	struct dirent *e;
	DIR *d;
	int err = sessions_file(".", 0, dir);

	*ids = NULL;
	*n = 0;
	if (err)
		return err;
	if (!(d = opendir(dir)) && errno == ENOENT)
		return XE2E_OK;
	if (!d)
		return io_fail("cannot open directory", dir);
	while (!err && (e = readdir(d)))
		if (session_name(e->d_name, id))
			err = list_add(ids, n, &cap, id);
	closedir(d);
	if (err) {
		free(*ids);
		*ids = NULL;
		*n = 0;
	}
	return err;
}

/* ---- the current pointer ---- */

static int current_paths(const char *peer_jid, int create, char file[static STORE_PATH_MAX],
			 char lock[static STORE_PATH_MAX])
{
	uint8_t digest[SHA256_LEN];
	char name[2 * SESSION_ID_LEN + 24];
	int err = hash(HASH_SHA256, peer_jid, strlen(peer_jid), digest);

	if (err)
		return err;
	hex_encode(digest, SESSION_ID_LEN, name);
	strcat(name, ".current");
	if ((err = sessions_file(name, create, file)))
		return err;
	strcat(name, ".lock");
	return sessions_file(name, create, lock);
}

static int current_parse(const char *path, const char *peer_jid, const struct buf *text,
			 uint8_t id[static SESSION_ID_LEN])
{
	struct lines l = {path, (const char *)text->data, (const char *)text->data + text->len, 1,
			  ""};
	size_t hlen = strlen(CURRENT_HEADER);
	int err;

	if (text->len <= hlen || memcmp(text->data, CURRENT_HEADER "\n", hlen + 1) != 0)
		return parse_fail(&l, "not an xe2e current session file");
	l.p += hlen + 1;
	if ((err = next_field(&l, "jid")))
		return err;
	if (strcmp(l.value, peer_jid))
		return parse_fail(&l, "names another JID");
	if ((err = field_hex(&l, "session", id, SESSION_ID_LEN, NULL)))
		return err;
	if (l.p != l.end)
		return parse_fail(&l, "unexpected text after the last field");
	return XE2E_OK;
}

/*
 * The current-session file this thread read last, known by its inode and
 * change time: a long-running xe2e-seal looks the session up for every
 * stanza (a new handshake replaces the file), and a stat is cheaper than
 * reading and parsing it again. Any replacement, write or chmod changes
 * the inode or the change time.
 */
static _Thread_local struct current_memo {
	char file[STORE_PATH_MAX];
	struct stat st;
	uint8_t id[SESSION_ID_LEN];
} current_memo;

static int current_memo_hit(const char *file, struct stat *st)
{
	const struct current_memo *m = &current_memo;

	if (lstat(file, st) != 0 || strcmp(m->file, file) != 0)
		return 0;
	return st->st_dev == m->st.st_dev && st->st_ino == m->st.st_ino &&
	       st->st_size == m->st.st_size && st->st_mtim.tv_sec == m->st.st_mtim.tv_sec &&
	       st->st_mtim.tv_nsec == m->st.st_mtim.tv_nsec &&
	       st->st_ctim.tv_sec == m->st.st_ctim.tv_sec &&
	       st->st_ctim.tv_nsec == m->st.st_ctim.tv_nsec;
}

int session_current_get(const char *peer_jid, uint8_t id[static SESSION_ID_LEN])
{
	char file[STORE_PATH_MAX], lock[STORE_PATH_MAX];
	struct buf text = BUF_INIT;
	struct stat st;
	int hit = 0, err = current_paths(peer_jid, 0, file, lock);

	memset(&st, 0, sizeof(st));
	if (!err && (hit = current_memo_hit(file, &st)))
		memcpy(id, current_memo.id, SESSION_ID_LEN);
	if (!err && !hit)
		err = store_read_file(file, 4 * JID_MAX, 1, &text);
	if (err == XE2E_E_NOTFOUND)
		err_detail_set("no current session with %s", peer_jid);
	if (!err && !hit)
		err = current_parse(file, peer_jid, &text, id);
	if (!err && !hit) {
		/* Remembered with the stat taken before the read: a change in
		 * between only makes the next lookup read again. */
		strcpy(current_memo.file, file);
		current_memo.st = st;
		memcpy(current_memo.id, id, SESSION_ID_LEN);
	}
	buf_free(&text);
	return err;
}

int session_current_set(const char *peer_jid, const uint8_t id[static SESSION_ID_LEN])
{
	char file[STORE_PATH_MAX], lockfile[STORE_PATH_MAX], hex[SESSION_ID_TEXT_LEN];
	struct buf text = BUF_INIT;
	struct store_lock lock;
	int err = current_paths(peer_jid, 1, file, lockfile);

	if (err)
		return err;
	session_id_format(id, hex);
	err = buf_printf(&text, CURRENT_HEADER "\njid: %s\nsession: %s\n", peer_jid, hex);
	if (!err)
		err = store_lock(lockfile, &lock);
	if (!err) {
		err = store_write_atomic(file, text.data, text.len, 0600);
		store_unlock(&lock);
	}
	buf_free(&text);
	return err;
}
