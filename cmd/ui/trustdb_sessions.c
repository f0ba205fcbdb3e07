/*
 * xe2e-trustdb: the session commands (list, show, close). Only public
 * state is shown: keys are wiped as soon as a session file is parsed.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "err.h"
#include "handshake_nego.h"
#include "hash.h"
#include "session.h"
#include "trustdb_int.h"
#include "util.h"

#define SESSION_SUFFIX ".session"

/* A session's public state. */
struct view {
	struct session s;         /* its secrets wiped */
	int stale;                /* the file is not the one it was written as */
	int current;              /* the peer's current session */
	enum trust_level trust;   /* shown: the session's, or the store's when it
				   * now marks the key mismatch or revoked */
};

/* ---- the sessions directory ---- */

static int sessions_dir(char out[static STORE_PATH_MAX])
{
	return store_path(STORE_STATE, SESSION_DIR, out);
}

/* 1 when entry is "ID.session" with ID 32 lower-case hex digits. */
static int is_session_file(const char *entry)
{
	size_t n = strlen(entry), id = 2 * SESSION_ID_LEN;

	return n == id + strlen(SESSION_SUFFIX) && strspn(entry, "0123456789abcdef") == id &&
	       strcmp(entry + id, SESSION_SUFFIX) == 0;
}

static int string_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int ids_push(char ***ids, size_t *n, const char *entry)
{
	char **grown = realloc(*ids, (*n + 1) * sizeof(**ids));

	if (!grown)
		return XE2E_E_NOMEM;
	*ids = grown;
	if (!(grown[*n] = strndup(entry, 2 * SESSION_ID_LEN)))
		return XE2E_E_NOMEM;
	(*n)++;
	return XE2E_OK;
}

int trustdb_session_ids(char ***ids, size_t *n)
{
	char dir[STORE_PATH_MAX];
	struct dirent *e;
	DIR *d;
	int err = sessions_dir(dir);

	*ids = NULL;
	*n = 0;
	if (err)
		return err;
	if (!(d = opendir(dir))) {
		if (errno == ENOENT)
			return XE2E_OK;
		err_detail_set("cannot open %s: %s", dir, strerror(errno));
		return XE2E_E_IO;
	}
	while (!err && (e = readdir(d)))
		if (is_session_file(e->d_name))
			err = ids_push(ids, n, e->d_name);
	closedir(d);
	if (err) {
		trustdb_strings_free(*ids, *n);
		*ids = NULL;
		*n = 0;
		return err;
	}
	if (*n > 1)
		qsort(*ids, *n, sizeof(**ids), string_cmp);
	return XE2E_OK;
}

/* ---- reading ---- */

static void wipe_secrets(struct session *s)
{
	wipe(s->root_key, sizeof(s->root_key));
	wipe(s->chain_key, sizeof(s->chain_key));
	wipe(s->own_ratchet_priv, sizeof(s->own_ratchet_priv));
	wipe(s->pending_rs, sizeof(s->pending_rs));
}

static int session_file(const char *id, char out[static STORE_PATH_MAX])
{
	char dir[STORE_PATH_MAX];
	int err = sessions_dir(dir);

	if (err)
		return err;
	if (snprintf(out, STORE_PATH_MAX, "%s/%s%s", dir, id, SESSION_SUFFIX) >= STORE_PATH_MAX)
		return XE2E_E_LIMIT;
	return XE2E_OK;
}

/* Parses a session file without session_read()'s staleness check. */
static int parse_file(const char *path, struct session *s)
{
	struct buf text = BUF_INIT;
	int err = store_read_file(path, SESSION_FILE_MAX, 1, &text);

	if (!err)
		err = session_parse(path, (const char *)text.data, text.len, s);
	buf_free(&text);
	return err;
}

/* Reads a session; a stale one (a restored or copied file) is shown as such. */
static int view_read(const char *path, const uint8_t id[static SESSION_ID_LEN], struct view *v)
{
	int err = session_read(id, &v->s);

	v->stale = err == XE2E_E_STALE;
	if (v->stale) {
		err_detail_clear();
		err = parse_file(path, &v->s);
	}
	if (!err)
		wipe_secrets(&v->s);
	return err;
}

static int peer_bare(const struct session *s, char out[static JID_MAX + 1])
{
	return jid_normalize_bare(s->peer_jid, out);
}

/* A failed SAS comparison (mismatch) or a revocation after the handshake
 * outranks the level the session was made at. */
static enum trust_level shown_level(const char *bare, const struct session *s)
{
	enum trust_level now;

	if (trust_level_of(NULL, bare, s->peer_fpr, &now) == XE2E_OK &&
	    (now == TRUST_MISMATCH || now == TRUST_REVOKED))
		return now;
	err_detail_clear();
	return s->trust;
}

static int view_load(const char *id, struct view *v)
{
	char path[STORE_PATH_MAX], bare[JID_MAX + 1];
	uint8_t raw[SESSION_ID_LEN], cur[SESSION_ID_LEN];
	int err = session_file(id, path);

	memset(v, 0, sizeof(*v));
	if (!err && !store_exists(path)) {
		err_detail_set("no session %s", id);
		return XE2E_E_NOTFOUND;
	}
	if (!err)
		err = session_id_parse(id, raw);
	if (!err)
		err = view_read(path, raw, v);
	if (!err)
		err = peer_bare(&v->s, bare);
	if (err)
		return err;
	v->trust = shown_level(bare, &v->s);
	err = session_current_get(bare, cur);
	v->current = !err && memcmp(cur, v->s.id, SESSION_ID_LEN) == 0;
	if (err == XE2E_E_NOTFOUND || err == XE2E_OK) {
		err_detail_clear();
		return XE2E_OK;
	}
	return err;
}

/* ---- formats ---- */

static const char *state_name(const struct view *v)
{
	if (v->stale)
		return "stale";
	return v->s.state == SESSION_PENDING ? "pending" : "active";
}

static const char *role_name(const struct session *s)
{
	return s->role == SESSION_INITIATOR ? "initiator" : "responder";
}

static int list_line(const struct view *v, struct buf *out)
{
	char id[SESSION_ID_TEXT_LEN], flags[TRUST_FLAGS_TEXT_LEN], created[32];

	session_id_format(v->s.id, id);
	trust_flags_format(v->s.flags, flags);
	tdb_time(v->s.created, 0, created);
	return buf_printf(out, "%s %s %s %s %s %s %s\n", id, state_name(v), v->s.peer_jid,
			  trust_level_name(v->trust), flags, created,
			  v->current ? "current" : "-");
}

static int show_plain(const struct view *v, struct buf *out)
{
	const struct session *s = &v->s;
	char id[SESSION_ID_TEXT_LEN], flags[TRUST_FLAGS_TEXT_LEN], created[32];
	char fpr[FINGERPRINT_TEXT_LEN], key[65], hh[65];

	session_id_format(s->id, id);
	trust_flags_format(s->flags, flags);
	tdb_time(s->created, 0, created);
	fingerprint_format(s->peer_fpr, fpr);
	tdb_hex32(s->peer_device_key, key);
	tdb_hex32(s->handshake_hash, hh);
	return buf_printf(out,
			  "id: %s\nstate: %s\ncurrent: %s\nrole: %s\npattern: %s\nversion: %u\n"
			  "suite: %s\ncreated: %s\nself: %s\npeer: %s\npeer-identity: %s\n"
			  "peer-device-id: %08" PRIx32 "\npeer-device-key: %s\ntrust: %s\n"
			  "flags: %s\nhandshake-hash: %s\n",
			  id, state_name(v), v->current ? "yes" : "no", role_name(s),
			  session_pattern_name(s->pattern), s->version, hsnego_suite_name(s->suite),
			  created, s->self_jid, s->peer_jid, fpr, s->peer_device_id, key,
			  trust_level_name(v->trust), flags, hh);
}

/* ---- the ratchet's public state ---- */

typedef int (*field_fn)(void *ctx, const char *name, const char *value);

/* Calls fn for each "name: value" line of the ratchet's public dump. */
static int ratchet_fields(const struct session *s, field_fn fn, void *ctx)
{
	struct buf dump = BUF_INIT;
	char *line, *next, *sep;
	int err = s->ratchet ? ratchet_dump(s->ratchet, &dump) : XE2E_OK;

	if (!err && dump.len)
		err = buf_terminate(&dump);
	for (line = (char *)dump.data; !err && line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		sep = strstr(line, ": ");
		if (!sep)
			continue;
		*sep = '\0';
		err = fn(ctx, line, sep + 2);
	}
	buf_free(&dump);
	return err;
}

static int ratchet_line(void *ctx, const char *name, const char *value)
{
	return buf_printf(ctx, "ratchet-%s: %s\n", name, value);
}

static int ratchet_attr(void *ctx, const char *name, const char *value)
{
	return xml_set_attr(ctx, name, value);
}

/* The <ratchet/> child of a shown session, when it has a ratchet. */
static int ratchet_child(struct xml_node *el, const struct session *s)
{
	struct xml_node *r;
	int err;

	if (!s->ratchet)
		return XE2E_OK;
	if (!(r = tdb_xml_element("ratchet")))
		return XE2E_E_NOMEM;
	err = ratchet_fields(s, ratchet_attr, r);
	if (!err)
		err = xml_append_child(el, r);
	if (err)
		xml_free(r);
	return err;
}

static int view_attrs(struct xml_node *el, const struct view *v)
{
	const struct session *s = &v->s;
	char id[SESSION_ID_TEXT_LEN], flags[TRUST_FLAGS_TEXT_LEN], fpr[65], key[65], hh[65];

	session_id_format(s->id, id);
	trust_flags_format(s->flags, flags);
	tdb_hex32(s->peer_fpr, fpr);
	tdb_hex32(s->peer_device_key, key);
	tdb_hex32(s->handshake_hash, hh);
	if (xml_set_attr(el, "id", id) || xml_set_attr(el, "state", state_name(v)) ||
	    xml_set_attr(el, "current", v->current ? "yes" : "no") ||
	    xml_set_attr(el, "role", role_name(s)) ||
	    xml_set_attr(el, "pattern", session_pattern_name(s->pattern)) ||
	    tdb_xml_attr(el, "version", "%u", s->version) ||
	    xml_set_attr(el, "suite", hsnego_suite_name(s->suite)) ||
	    tdb_xml_attr(el, "created", "%" PRIu64, s->created) ||
	    xml_set_attr(el, "self", s->self_jid) || xml_set_attr(el, "peer", s->peer_jid) ||
	    xml_set_attr(el, "peer-identity", fpr) ||
	    tdb_xml_attr(el, "peer-device-id", "%08" PRIx32, s->peer_device_id) ||
	    xml_set_attr(el, "peer-device-key", key) ||
	    xml_set_attr(el, "trust", trust_level_name(v->trust)) ||
	    xml_set_attr(el, "flags", flags) || xml_set_attr(el, "handshake-hash", hh))
		return XE2E_E_NOMEM;
	return XE2E_OK;
}

/* The <session/> element; with_ratchet adds the ratchet's public state. */
static int view_xml(const struct view *v, int with_ratchet, struct buf *out)
{
	struct xml_node *el = tdb_xml_element("session");
	int err = el ? view_attrs(el, v) : XE2E_E_NOMEM;

	if (!err && with_ratchet)
		err = ratchet_child(el, &v->s);

	if (err) {
		xml_free(el);
		return err;
	}
	return tdb_xml_line(out, el);
}

/* ---- commands ---- */

static int list_one(struct trustdb *t, const char *id, struct buf *out)
{
	struct view v;
	int err = view_load(id, &v);

	if (!err)
		err = t->xml ? view_xml(&v, 0, out) : list_line(&v, out);
	session_free(&v.s);
	return err;
}

/* Lists every readable session; the first unreadable one is the error
 * returned after the others were listed. */
int tdb_cmd_sessions_list(struct trustdb *t, char **args, int nargs, struct buf *out)
{
	char **ids = NULL, detail[512] = "";
	size_t n = 0;
	int first = XE2E_OK, err = trustdb_session_ids(&ids, &n);

	(void)args;
	(void)nargs;
	if (!err && t->xml)
		err = tdb_xml_open(out, "sessions");
	else if (!err && t->terminal && n)
		err = buf_printf(out, "ID STATE PEER TRUST FLAGS CREATED CURRENT\n");
	if (!err && n == 0 && t->terminal) {
		char dir[STORE_PATH_MAX];

		if (sessions_dir(dir) == XE2E_OK)
			snprintf(t->note, sizeof(t->note), "no sessions in %.400s", dir);
	}
	for (size_t i = 0; !err && i < n; i++) {
		int e = list_one(t, ids[i], out);

		if (e == XE2E_E_NOMEM)
			err = e;
		else if (e && !first) {
			first = e;
			snprintf(detail, sizeof(detail), "%s", err_detail());
		}
	}
	if (!err && t->xml)
		err = tdb_xml_close(out, "sessions");
	trustdb_strings_free(ids, n);
	if (!err && first) {
		err_detail_set("%s", detail);
		err = first;
	}
	return err;
}

static int arg_id(const char *text, char id[static SESSION_ID_TEXT_LEN])
{
	uint8_t raw[SESSION_ID_LEN];
	int err = session_id_parse(text, raw);

	if (!err)
		session_id_format(raw, id);
	return err;
}

int tdb_cmd_sessions_show(struct trustdb *t, char **args, int nargs, struct buf *out)
{
	char id[SESSION_ID_TEXT_LEN];
	struct view v;
	int err = arg_id(args[0], id);

	(void)nargs;
	if (!err)
		err = view_load(id, &v);
	if (err)
		return err;
	if (t->xml) {
		err = tdb_xml_open(out, "sessions");
		if (!err)
			err = view_xml(&v, 1, out);
		if (!err)
			err = tdb_xml_close(out, "sessions");
	} else {
		err = show_plain(&v, out);
		if (!err)
			err = ratchet_fields(&v.s, ratchet_line, out);
	}
	session_free(&v.s);
	return err;
}

/* The current pointer of a peer and its lock (session.h's naming). */
static int current_files(const char *bare, char file[static STORE_PATH_MAX],
			 char lock[static STORE_PATH_MAX])
{
	char dir[STORE_PATH_MAX], name[2 * SESSION_ID_LEN + 1];
	uint8_t digest[SHA256_LEN];
	int err = sessions_dir(dir);

	if (!err)
		err = hash(HASH_SHA256, bare, strlen(bare), digest);
	if (err)
		return err;
	hex_encode(digest, SESSION_ID_LEN, name);
	if (snprintf(file, STORE_PATH_MAX, "%s/%s.current", dir, name) >= STORE_PATH_MAX ||
	    snprintf(lock, STORE_PATH_MAX, "%s/%s.current.lock", dir, name) >= STORE_PATH_MAX)
		return XE2E_E_LIMIT;
	return XE2E_OK;
}

/* Removes the peer's current pointer if it names id, under its lock. */
static int current_clear(const char *bare, const uint8_t id[static SESSION_ID_LEN])
{
	char file[STORE_PATH_MAX], lockfile[STORE_PATH_MAX];
	uint8_t cur[SESSION_ID_LEN];
	struct store_lock lock;
	int err = current_files(bare, file, lockfile);

	if (err || !store_exists(file))
		return err;
	if ((err = store_lock(lockfile, &lock)))
		return err;
	err = session_current_get(bare, cur);
	if (!err && memcmp(cur, id, SESSION_ID_LEN) == 0)
		err = store_remove(file);
	else if (err == XE2E_E_NOTFOUND)
		err = XE2E_OK;
	store_unlock(&lock);
	return err;
}

/* Under the session's lock: the peer (when the file parses), then removal. */
static int close_locked(const char *path, const uint8_t id[static SESSION_ID_LEN],
			char bare[static JID_MAX + 1])
{
	struct view v;

	bare[0] = '\0';
	if (!store_exists(path)) {
		err_detail_set("no session file %s", path);
		return XE2E_E_NOTFOUND;
	}
	memset(&v, 0, sizeof(v));
	if (parse_file(path, &v.s) == XE2E_OK && memcmp(v.s.id, id, SESSION_ID_LEN) == 0 &&
	    peer_bare(&v.s, bare) != XE2E_OK)
		bare[0] = '\0';
	session_free(&v.s);
	err_detail_clear();
	return store_remove(path);
}

int tdb_cmd_sessions_close(struct trustdb *t, char **args, int nargs, struct buf *out)
{
	char path[STORE_PATH_MAX], id[SESSION_ID_TEXT_LEN], bare[JID_MAX + 1];
	uint8_t raw[SESSION_ID_LEN];
	struct store_lock lock;
	int err = arg_id(args[0], id);

	(void)t;
	(void)nargs;
	(void)out;
	if (!err)
		err = session_file(id, path);
	if (!err && !store_exists(path)) {
		err_detail_set("no session %s", id);
		err = XE2E_E_NOTFOUND;
	}
	if (!err)
		err = session_id_parse(id, raw);
	if (!err)
		err = session_lock(raw, &lock);
	if (err)
		return err;
	err = close_locked(path, raw, bare);
	if (!err && bare[0])
		err = current_clear(bare, raw);
	store_unlock(&lock);
	return err;
}

void trustdb_strings_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
