#include "trust.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "err.h"
#include "jid.h"
#include "openpgp_cred.h"
#include "textrec.h"
#include "util.h"

#define LINE_MAX_LEN 4096
#define RECORD_FIELDS 7
#define PEER_FIELDS_MAX 8 /* with the optional openpgp= */
#define HEADER_PREFIX "# xe2e trust store v"

static const char *const level_names[] = {
	[TRUST_TOFU] = "tofu",         [TRUST_VERIFIED] = "verified",
	[TRUST_ANCHORED] = "anchored", [TRUST_PINNED] = "pinned",
	[TRUST_MISMATCH] = "mismatch", [TRUST_REVOKED] = "revoked",
};

static const struct {
	unsigned flag;
	const char *name;
} flag_names[] = {
	{TRUST_FLAG_RS_RESET, "rs-reset"},
	{TRUST_FLAG_OFFLINE_ORIGIN, "offline-origin"},
};

const char *trust_level_name(enum trust_level level)
{
	if ((int)level < TRUST_TOFU || (int)level > TRUST_REVOKED)
		return NULL;
	return level_names[level];
}

int trust_level_parse(const char *text, enum trust_level *level)
{
	for (int l = TRUST_TOFU; l <= TRUST_REVOKED; l++) {
		if (strcmp(text, level_names[l]) == 0) {
			*level = (enum trust_level)l;
			return XE2E_OK;
		}
	}
	return XE2E_E_MALFORMED;
}

void trust_flags_format(unsigned flags, char out[static TRUST_FLAGS_TEXT_LEN])
{
	size_t len = 0;

	strcpy(out, "-");
	for (size_t i = 0; i < ARRAY_SIZE(flag_names); i++) {
		if (!(flags & flag_names[i].flag))
			continue;
		len += (size_t)snprintf(out + len, TRUST_FLAGS_TEXT_LEN - len, "%s%s",
					len ? "," : "", flag_names[i].name);
	}
}

/* The index of the flag named by the n bytes at s, searching from first. */
static size_t flag_index(const char *s, size_t n, size_t first)
{
	size_t i;

	for (i = first; i < ARRAY_SIZE(flag_names); i++) {
		if (strlen(flag_names[i].name) == n && memcmp(s, flag_names[i].name, n) == 0)
			break;
	}
	return i;
}

int trust_flags_parse(const char *text, unsigned *flags)
{
	unsigned result = 0;
	size_t next = 0;

	if (strcmp(text, "-") == 0) {
		*flags = 0;
		return XE2E_OK;
	}
	for (;;) {
		size_t n = strcspn(text, ",");
		size_t i = flag_index(text, n, next); /* from next: once, in order */

		if (i == ARRAY_SIZE(flag_names))
			return XE2E_E_MALFORMED;
		result |= flag_names[i].flag;
		next = i + 1;
		if (text[n] == '\0')
			break;
		text += n + 1;
	}
	*flags = result;
	return XE2E_OK;
}

int trust_level_flags_check(enum trust_level level, unsigned flags)
{
	if (!(flags & TRUST_FLAG_OFFLINE_ORIGIN) || level == TRUST_TOFU ||
	    level == TRUST_MISMATCH || level == TRUST_REVOKED)
		return XE2E_OK;
	err_detail_set("offline-origin at level %s (it caps the level at tofu)",
		       trust_level_name(level) ? trust_level_name(level) : "?");
	return XE2E_E_MALFORMED;
}

int trust_default_path(char path[static STORE_PATH_MAX])
{
	return store_path(STORE_DATA, TRUST_FILE_NAME, path);
}

/* In-memory entries */

static int peer_append(struct trust_db *db, const struct trust_peer *peer)
{
	struct trust_peer *grown;
	char *jid = strdup(peer->jid);

	if (!jid)
		return XE2E_E_NOMEM;
	grown = realloc(db->peers, (db->n_peers + 1) * sizeof(*grown));
	if (!grown) {
		free(jid);
		return XE2E_E_NOMEM;
	}
	db->peers = grown;
	grown[db->n_peers] = *peer;
	grown[db->n_peers].jid = jid;
	grown[db->n_peers].devices = NULL;
	grown[db->n_peers].n_devices = 0;
	db->n_peers++;
	return XE2E_OK;
}

static int device_append(struct trust_peer *peer, const struct trust_device *device)
{
	struct trust_device *grown;

	grown = realloc(peer->devices, (peer->n_devices + 1) * sizeof(*grown));
	if (!grown)
		return XE2E_E_NOMEM;
	peer->devices = grown;
	grown[peer->n_devices++] = *device;
	return XE2E_OK;
}

static void peer_release(struct trust_peer *peer)
{
	free(peer->jid);
	free(peer->devices);
}

void trust_free(struct trust_db *db)
{
	for (size_t i = 0; i < db->n_peers; i++)
		peer_release(&db->peers[i]);
	free(db->peers);
	db->peers = NULL;
	db->n_peers = 0;
}

struct trust_peer *trust_find(const struct trust_db *db, const char *jid,
			      const uint8_t fpr[static FINGERPRINT_LEN])
{
	for (size_t i = 0; i < db->n_peers; i++) {
		struct trust_peer *peer = &db->peers[i];

		if (strcmp(peer->jid, jid) == 0 && memcmp(peer->fpr, fpr, FINGERPRINT_LEN) == 0)
			return peer;
	}
	return NULL;
}

struct trust_peer *trust_next_by_jid(const struct trust_db *db, const char *jid,
				     const struct trust_peer *prev)
{
	size_t i = prev ? (size_t)(prev - db->peers) + 1 : 0;

	for (; i < db->n_peers; i++) {
		if (strcmp(db->peers[i].jid, jid) == 0)
			return &db->peers[i];
	}
	return NULL;
}

struct trust_device *trust_peer_device(const struct trust_peer *peer, uint32_t id)
{
	for (size_t i = 0; i < peer->n_devices; i++) {
		if (peer->devices[i].id == id)
			return &peer->devices[i];
	}
	return NULL;
}

struct trust_peer *trust_find_device(const struct trust_db *db,
				     const uint8_t pub[static X25519_LEN],
				     struct trust_device **device)
{
	for (size_t i = 0; i < db->n_peers; i++) {
		struct trust_peer *peer = &db->peers[i];

		for (size_t j = 0; j < peer->n_devices; j++) {
			if (memcmp(peer->devices[j].pub, pub, X25519_LEN) != 0)
				continue;
			if (device)
				*device = &peer->devices[j];
			return peer;
		}
	}
	return NULL;
}

/* Parsing */

struct parse {
	struct textrec at; /* file name and line, for details */
	struct trust_db *db;
};

/* Checks that field is "key=..." and points value after the "=". */
static int keyed(const struct parse *p, const char *field, const char *key, const char **value)
{
	size_t n = strlen(key);

	if (strncmp(field, key, n) != 0 || field[n] != '=')
		return textrec_fail(&p->at, "expected %s=, found \"%.40s\"", key, field);
	*value = field + n + 1;
	return XE2E_OK;
}

static int keyed_time(const struct parse *p, const char *field, const char *key, uint64_t *out)
{
	const char *value;
	int err = keyed(p, field, key, &value);

	if (err)
		return err;
	if (textrec_u64(value, out))
		return textrec_fail(&p->at, "bad %s time \"%.24s\"", key, value);
	return XE2E_OK;
}

/* The JID and fingerprint that start peer and device records. */
static int parse_identity(const struct parse *p, char *const *f, uint8_t fpr[FINGERPRINT_LEN])
{
	if (jid_check_normal_bare(f[1]))
		return textrec_fail(&p->at, "not a normalised bare JID: \"%.64s\"", f[1]);
	if (textrec_hex(f[2], fpr, FINGERPRINT_LEN))
		return textrec_fail(&p->at, "bad fingerprint (want 64 lower-case hex digits)");
	return XE2E_OK;
}

/* The optional last field of a peer record. */
static int parse_openpgp(const struct parse *p, const char *field, struct trust_peer *peer)
{
	const char *value;
	int err = keyed(p, field, "openpgp", &value);

	if (err)
		return err;
	if (openpgp_fpr_check(value))
		return textrec_fail(&p->at, "bad OpenPGP fingerprint (want 40 upper-case hex "
				    "digits)");
	strcpy(peer->openpgp, value);
	return XE2E_OK;
}

static int parse_peer(struct parse *p, char *const *f, size_t n)
{
	struct trust_peer peer = {.jid = f[1]};
	const char *value;
	int err;

	if (n != RECORD_FIELDS && n != PEER_FIELDS_MAX)
		return textrec_fail(&p->at, "peer record has %zu fields, want %d or %d", n,
				    RECORD_FIELDS, PEER_FIELDS_MAX);
	if (n == PEER_FIELDS_MAX && (err = parse_openpgp(p, f[7], &peer)))
		return err;
	if ((err = parse_identity(p, f, peer.fpr)) || (err = keyed(p, f[3], "level", &value)))
		return err;
	if (trust_level_parse(value, &peer.level))
		return textrec_fail(&p->at, "unknown level \"%.24s\"", value);
	if ((err = keyed(p, f[4], "flags", &value)))
		return err;
	if (trust_flags_parse(value, &peer.flags))
		return textrec_fail(&p->at, "bad flags \"%.40s\"", value);
	if (trust_level_flags_check(peer.level, peer.flags))
		return textrec_fail(&p->at, "offline-origin at level %s",
				    trust_level_name(peer.level));
	if ((err = keyed_time(p, f[5], "first-seen", &peer.first_seen)) ||
	    (err = keyed_time(p, f[6], "last-seen", &peer.last_seen)))
		return err;
	if (peer.first_seen > peer.last_seen)
		return textrec_fail(&p->at, "first-seen after last-seen");
	if (trust_find(p->db, peer.jid, peer.fpr))
		return textrec_fail(&p->at, "duplicate peer %s %s", f[1], f[2]);
	return peer_append(p->db, &peer);
}

static int parse_device(struct parse *p, char *const *f, size_t n)
{
	struct trust_device dev = {0};
	struct trust_peer *peer;
	uint8_t fpr[FINGERPRINT_LEN], id[4];
	int err;

	if (n != RECORD_FIELDS)
		return textrec_fail(&p->at, "device record has %zu fields, want %d", n, RECORD_FIELDS);
	if ((err = parse_identity(p, f, fpr)))
		return err;
	peer = trust_find(p->db, f[1], fpr);
	if (!peer)
		return textrec_fail(&p->at, "device before the peer line of %s %s", f[1], f[2]);
	if (textrec_hex(f[3], id, sizeof(id)))
		return textrec_fail(&p->at, "bad device id (want 8 lower-case hex digits)");
	dev.id = load_be32(id);
	if (textrec_hex(f[4], dev.pub, X25519_LEN))
		return textrec_fail(&p->at, "bad device key (want 64 lower-case hex digits)");
	if ((err = keyed_time(p, f[5], "created", &dev.created)) ||
	    (err = keyed_time(p, f[6], "expires", &dev.expires)))
		return err;
	if (dev.expires && dev.expires <= dev.created)
		return textrec_fail(&p->at, "expires is not after created");
	if (trust_peer_device(peer, dev.id))
		return textrec_fail(&p->at, "duplicate device %s of %s", f[3], f[1]);
	if (trust_find_device(p->db, dev.pub, NULL))
		return textrec_fail(&p->at, "device key %s is bound twice", f[4]);
	return device_append(peer, &dev);
}

static int parse_header(const struct parse *p, const char *line)
{
	if (strcmp(line, TRUST_HEADER) == 0)
		return XE2E_OK;
	if (strncmp(line, HEADER_PREFIX, strlen(HEADER_PREFIX)) == 0) {
		err_detail_set("%s line 1: trust store version \"%.16s\" not supported", p->at.name,
			       line + strlen(HEADER_PREFIX));
		return XE2E_E_UNSUPPORTED;
	}
	return textrec_fail(&p->at, "not a trust store (no \"%s\" header)", TRUST_HEADER);
}

static int parse_line(struct parse *p, const char *s, size_t n)
{
	char line[LINE_MAX_LEN + 1];
	char *field[PEER_FIELDS_MAX];
	size_t count = 0;
	int err;

	if (n > LINE_MAX_LEN)
		return textrec_fail(&p->at, "line longer than %d bytes", LINE_MAX_LEN);
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)s[i] < ' ' || s[i] == 0x7f)
			return textrec_fail(&p->at, "control character at column %zu", i + 1);
	}
	memcpy(line, s, n);
	line[n] = '\0';
	if (p->at.line == 1)
		return parse_header(p, line);
	if (n == 0 || line[0] == '#')
		return XE2E_OK;
	if ((err = textrec_split(&p->at, line, field, PEER_FIELDS_MAX, &count)))
		return err;
	if (strcmp(field[0], "peer") == 0)
		return parse_peer(p, field, count);
	if (strcmp(field[0], "device") == 0)
		return parse_device(p, field, count);
	return textrec_fail(&p->at, "unknown record \"%.24s\"", field[0]);
}

int trust_parse(const char *name, const char *text, size_t len, struct trust_db *db)
{
	struct parse p = {{name, 1}, db};
	const char *pos = text, *end = text + len;
	int err = XE2E_OK;

	if (len == 0)
		err = textrec_fail(&p.at, "empty file (no \"%s\" header)", TRUST_HEADER);
	for (; !err && pos < end; p.at.line++) {
		const char *nl = memchr(pos, '\n', (size_t)(end - pos));

		if (!nl) {
			err = textrec_fail(&p.at, "no newline at the end (truncated file?)");
			break;
		}
		err = parse_line(&p, pos, (size_t)(nl - pos));
		pos = nl + 1;
	}
	if (err)
		trust_free(db);
	return err;
}

/* Reads path into raw and parses it; a missing file is an empty store. */
static int load_file(const char *path, struct buf *raw, struct trust_db *db)
{
	int err = store_read_file(path, TRUST_FILE_MAX, 0, raw);

	if (err == XE2E_E_NOTFOUND) {
		err_detail_clear();
		return XE2E_OK;
	}
	if (err)
		return err;
	return trust_parse(path, (const char *)raw->data, raw->len, db);
}

int trust_load(const char *path, struct trust_db *db)
{
	char file[STORE_PATH_MAX];
	struct buf raw = BUF_INIT;
	int err = XE2E_OK;

	if (!path) {
		err = trust_default_path(file);
		path = file;
	}
	if (!err)
		err = load_file(path, &raw, db);
	buf_free(&raw);
	return err;
}

int trust_level_of(const char *path, const char *jid, const uint8_t fpr[static FINGERPRINT_LEN],
		   enum trust_level *level)
{
	struct trust_db db = TRUST_DB_INIT;
	const struct trust_peer *peer;
	int err = trust_load(path, &db);

	if (err)
		return err;
	peer = trust_find(&db, jid, fpr);
	if (peer)
		*level = peer->level;
	trust_free(&db);
	return peer ? XE2E_OK : XE2E_E_NOTFOUND;
}

/* Formatting */

static int format_peer(const struct trust_peer *peer, struct buf *out)
{
	char fpr[2 * FINGERPRINT_LEN + 1], flags[TRUST_FLAGS_TEXT_LEN];
	int err;

	hex_encode(peer->fpr, FINGERPRINT_LEN, fpr);
	trust_flags_format(peer->flags, flags);
	err = buf_printf(out, "peer %s %s level=%s flags=%s first-seen=%" PRIu64
			 " last-seen=%" PRIu64 "%s%s\n",
			 peer->jid, fpr, trust_level_name(peer->level), flags, peer->first_seen,
			 peer->last_seen, peer->openpgp[0] ? " openpgp=" : "", peer->openpgp);
	for (size_t i = 0; !err && i < peer->n_devices; i++) {
		const struct trust_device *dev = &peer->devices[i];
		char pub[2 * X25519_LEN + 1];

		hex_encode(dev->pub, X25519_LEN, pub);
		err = buf_printf(out, "device %s %s %08" PRIx32 " %s created=%" PRIu64
				 " expires=%" PRIu64 "\n",
				 peer->jid, fpr, dev->id, pub, dev->created, dev->expires);
	}
	return err;
}

int trust_format(const struct trust_db *db, struct buf *out)
{
	int err = buf_printf(out, "%s\n", TRUST_HEADER);

	for (size_t i = 0; !err && i < db->n_peers; i++)
		err = format_peer(&db->peers[i], out);
	return err;
}

/* Policy and changes */

static int not_found(const char *jid, const uint8_t fpr[static FINGERPRINT_LEN])
{
	char hex[2 * FINGERPRINT_LEN + 1];

	hex_encode(fpr, FINGERPRINT_LEN, hex);
	err_detail_set("no trust entry for %.64s with identity key %s", jid, hex);
	return XE2E_E_NOTFOUND;
}

int trust_check_identity(const struct trust_db *db, const char *jid,
			 const uint8_t fpr[static FINGERPRINT_LEN], struct trust_peer **peer)
{
	struct trust_peer *known = trust_find(db, jid, fpr), *other = NULL;
	char hex[2 * FINGERPRINT_LEN + 1];

	*peer = NULL;
	if (known && (known->level == TRUST_REVOKED || known->level == TRUST_MISMATCH)) {
		err_detail_set("the identity key of %.64s is marked %s", jid,
			       trust_level_name(known->level));
		return XE2E_E_TRUST;
	}
	while (!known && (other = trust_next_by_jid(db, jid, other))) {
		if (other->level == TRUST_REVOKED)
			continue;
		hex_encode(other->fpr, FINGERPRINT_LEN, hex);
		err_detail_set("identity key of %.64s changed: the store holds %s (%s)", jid, hex,
			       trust_level_name(other->level));
		return XE2E_E_TRUST;
	}
	*peer = known;
	return XE2E_OK;
}

int trust_peer_add(struct trust_db *db, const char *jid, const uint8_t fpr[static FINGERPRINT_LEN],
		   enum trust_level level, uint64_t now, struct trust_peer **peer)
{
	struct trust_peer entry = {.jid = (char *)jid, .level = level, .first_seen = now,
				   .last_seen = now};
	int err;

	if ((err = jid_check_normal_bare(jid)))
		return err;
	if (!trust_level_name(level))
		return XE2E_E_MALFORMED;
	if (trust_find(db, jid, fpr)) {
		err_detail_set("%.64s is already in the trust store with that identity key", jid);
		return XE2E_E_EXISTS;
	}
	memcpy(entry.fpr, fpr, FINGERPRINT_LEN);
	if ((err = peer_append(db, &entry)))
		return err;
	if (peer)
		*peer = &db->peers[db->n_peers - 1];
	return XE2E_OK;
}

int trust_peer_set_level(struct trust_db *db, const char *jid,
			 const uint8_t fpr[static FINGERPRINT_LEN], enum trust_level level)
{
	struct trust_peer *peer = trust_find(db, jid, fpr);

	if (!trust_level_name(level))
		return XE2E_E_MALFORMED;
	if (!peer)
		return not_found(jid, fpr);
	peer->level = level;
	return XE2E_OK;
}

int trust_peer_set_flags(struct trust_db *db, const char *jid,
			 const uint8_t fpr[static FINGERPRINT_LEN], unsigned flags)
{
	struct trust_peer *peer = trust_find(db, jid, fpr);

	if (flags & ~TRUST_FLAGS_ALL)
		return XE2E_E_MALFORMED;
	if (!peer)
		return not_found(jid, fpr);
	peer->flags |= flags;
	return XE2E_OK;
}

int trust_peer_clear_flags(struct trust_db *db, const char *jid,
			   const uint8_t fpr[static FINGERPRINT_LEN], unsigned flags)
{
	struct trust_peer *peer = trust_find(db, jid, fpr);

	if (!peer)
		return not_found(jid, fpr);
	peer->flags &= ~flags;
	return XE2E_OK;
}

int trust_peer_set_openpgp(struct trust_db *db, const char *jid,
			   const uint8_t fpr[static FINGERPRINT_LEN], const char *openpgp)
{
	struct trust_peer *peer = trust_find(db, jid, fpr);

	if (openpgp[0] && openpgp_fpr_check(openpgp))
		return XE2E_E_MALFORMED;
	if (!peer)
		return not_found(jid, fpr);
	snprintf(peer->openpgp, sizeof(peer->openpgp), "%s", openpgp);
	return XE2E_OK;
}

int trust_peer_seen(struct trust_db *db, const char *jid,
		    const uint8_t fpr[static FINGERPRINT_LEN], uint64_t now)
{
	struct trust_peer *peer = trust_find(db, jid, fpr);

	if (!peer)
		return not_found(jid, fpr);
	if (now > peer->last_seen)
		peer->last_seen = now;
	return XE2E_OK;
}

int trust_peer_forget(struct trust_db *db, const char *jid, const uint8_t *fpr)
{
	size_t kept = 0, n = db->n_peers;

	for (size_t i = 0; i < n; i++) {
		struct trust_peer *peer = &db->peers[i];

		if (strcmp(peer->jid, jid) == 0 &&
		    (!fpr || memcmp(peer->fpr, fpr, FINGERPRINT_LEN) == 0))
			peer_release(peer);
		else
			db->peers[kept++] = *peer;
	}
	db->n_peers = kept;
	if (kept == n) {
		err_detail_set("no trust entry for %.64s", jid);
		return XE2E_E_NOTFOUND;
	}
	return XE2E_OK;
}

static int device_refuse(const char *what, const struct trust_peer *owner, uint32_t id)
{
	char hex[2 * FINGERPRINT_LEN + 1];

	hex_encode(owner->fpr, FINGERPRINT_LEN, hex);
	err_detail_set("%s (device %08" PRIx32 " of %.64s, identity key %s)", what, id, owner->jid,
		       hex);
	return XE2E_E_TRUST;
}

int trust_device_upsert(struct trust_db *db, const char *jid,
			const uint8_t fpr[static FINGERPRINT_LEN],
			const struct trust_device *device)
{
	struct trust_peer *peer = trust_find(db, jid, fpr), *owner;
	struct trust_device *stored, *bound = NULL;

	if (!peer)
		return not_found(jid, fpr);
	if (device->expires && device->expires <= device->created) {
		err_detail_set("device binding expires before it was created");
		return XE2E_E_MALFORMED;
	}
	owner = trust_find_device(db, device->pub, &bound);
	if (owner && (owner != peer || bound->id != device->id))
		return device_refuse("device key already bound to another identity or device",
				     owner, bound->id);
	stored = trust_peer_device(peer, device->id);
	if (!stored)
		return device_append(peer, device);
	if (device->created > stored->created) {
		*stored = *device;
		return XE2E_OK;
	}
	if (device->created == stored->created && device->expires == stored->expires &&
	    memcmp(device->pub, stored->pub, X25519_LEN) == 0)
		return XE2E_OK;
	return device_refuse("device binding superseded by a newer one", peer, device->id);
}

int trust_verify_cas(struct trust_db *db, const char *jid,
		     const uint8_t fpr[static FINGERPRINT_LEN], uint32_t device_id,
		     const uint8_t pub[static X25519_LEN])
{
	struct trust_peer *peer = trust_find(db, jid, fpr);
	struct trust_device *dev = peer ? trust_peer_device(peer, device_id) : NULL;

	if (!peer) {
		not_found(jid, fpr);
		return XE2E_E_TRUST;
	}
	if (peer->level == TRUST_REVOKED) {
		err_detail_set("the identity key of %.64s is revoked", jid);
		return XE2E_E_TRUST;
	}
	if (!dev || memcmp(dev->pub, pub, X25519_LEN) != 0) {
		err_detail_set("the device key of %.64s changed since the session started", jid);
		return XE2E_E_TRUST;
	}
	peer->level = TRUST_VERIFIED;
	peer->flags &= ~(TRUST_FLAG_RS_RESET | TRUST_FLAG_OFFLINE_ORIGIN);
	return XE2E_OK;
}

/* Locked read-modify-write */

/* The file and its lock; the default file's directory is created. */
static int update_paths(const char *path, char file[static STORE_PATH_MAX],
			char lock[static STORE_PATH_MAX])
{
	int err, n;

	if (!path) {
		if ((err = store_ensure_dir(STORE_DATA)) || (err = trust_default_path(file)))
			return err;
	} else if (strlen(path) >= STORE_PATH_MAX) {
		return XE2E_E_LIMIT;
	} else {
		strcpy(file, path);
	}
	n = snprintf(lock, STORE_PATH_MAX, "%s.lock", file);
	if (n < 0 || n >= STORE_PATH_MAX)
		return XE2E_E_LIMIT;
	return XE2E_OK;
}

/* Loads, changes and writes back; the caller holds the lock. */
static int update_locked(const char *file, trust_update_fn fn, void *ctx)
{
	struct trust_db db = TRUST_DB_INIT;
	struct buf old = BUF_INIT, new = BUF_INIT;
	int err;

	err = load_file(file, &old, &db);
	if (!err)
		err = fn(&db, ctx);
	if (!err)
		err = trust_format(&db, &new);
	if (!err && (new.len != old.len || memcmp(new.data, old.data, new.len) != 0))
		err = store_write_atomic(file, new.data, new.len, 0644);
	trust_free(&db);
	buf_free(&old);
	buf_free(&new);
	return err;
}

int trust_update(const char *path, trust_update_fn fn, void *ctx)
{
	char file[STORE_PATH_MAX], lockfile[STORE_PATH_MAX];
	struct store_lock lock;
	int err;

	if ((err = update_paths(path, file, lockfile)))
		return err;
	if ((err = store_lock(lockfile, &lock)))
		return err;
	err = update_locked(file, fn, ctx);
	store_unlock(&lock);
	return err;
}
