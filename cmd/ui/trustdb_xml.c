/*
 * xe2e-trustdb export and import: the trust store as one XML document.
 *
 *   <trustdb xmlns='urn:xe2e:trustdb:1' version='1'>
 *   <peer jid='...' identity='64 hex' level='...' flags='...'
 *         first-seen='UNIX' last-seen='UNIX' [openpgp='40 HEX']><device
 *         id='8 hex' key='64 hex' created='UNIX' expires='UNIX'/>...</peer>
 *   ...
 *   </trustdb>
 *
 * One <peer> per line. Values are spelled as in the trust file (trust.h).
 * No secret is ever exported: PSKs and retained secrets stay where they
 * are. Import is a merge under the trust store's lock, all or nothing: an
 * entry that would change what the store says (another level, another key
 * for a JID, another OpenPGP key, an older or conflicting device binding)
 * is refused.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "err.h"
#include "openpgp_cred.h"
#include "trustdb_int.h"
#include "util.h"

#define EXPORT_ROOT "trustdb"
#define EXPORT_VERSION "1"
#define IMPORT_MAX (2 * (size_t)TRUST_FILE_MAX)
#define DETAIL_MAX 400

int tdb_cmd_export(struct trustdb *t, char **args, int nargs, struct buf *out)
{
	struct trust_db db = TRUST_DB_INIT;
	int err = trust_load(NULL, &db);

	(void)t;
	(void)args;
	(void)nargs;
	if (!err)
		err = buf_printf(out, "<%s xmlns='%s' version='%s'>\n", EXPORT_ROOT, TRUSTDB_NS,
				 EXPORT_VERSION);
	for (size_t i = 0; !err && i < db.n_peers; i++)
		err = tdb_xml_line(out, tdb_peer_element(&db.peers[i], 1));
	if (!err)
		err = tdb_xml_close(out, EXPORT_ROOT);
	trust_free(&db);
	return err;
}

/* ---- reading the document ---- */

struct reader {
	const char *file;
	size_t index;      /* of the <peer> being read, from 1 */
	const char *jid;   /* its JID once known */
};

static int bad(const struct reader *r, const char *fmt, const char *what)
	__attribute__((format(printf, 2, 0)));

static int bad(const struct reader *r, const char *fmt, const char *what)
{
	char msg[DETAIL_MAX];

	snprintf(msg, sizeof(msg), fmt, what);
	if (r->index)
		err_detail_set("%s: peer %zu%s%.64s: %s", r->file, r->index, r->jid ? " " : "",
			       r->jid ? r->jid : "", msg);
	else
		err_detail_set("%s: %s", r->file, msg);
	return XE2E_E_MALFORMED;
}

/* Only white space between elements. */
static int blank_text(const struct xml_node *n)
{
	for (size_t i = 0; i < n->text_len; i++) {
		if (!strchr(" \t\r\n", n->text[i]))
			return 0;
	}
	return 1;
}

/* el has the first required of the unprefixed attributes in names, and
 * no other than the n in names. */
static int attrs_exact(const struct reader *r, const struct xml_node *el,
		       const char *const *names, size_t required, size_t n)
{
	for (size_t i = 0; i < el->n_attrs; i++) {
		size_t j = 0;

		while (j < n && (el->attrs[i].ns || strcmp(el->attrs[i].name, names[j]) != 0))
			j++;
		if (j == n)
			return bad(r, "unexpected attribute %.40s", el->attrs[i].name);
	}
	for (size_t j = 0; j < required; j++) {
		if (!xml_get_attr(el, names[j]))
			return bad(r, "missing attribute %s", names[j]);
	}
	return XE2E_OK;
}

static int is_ours(const struct xml_node *el, const char *name)
{
	return el->type == XML_ELEMENT && el->ns && strcmp(el->ns, TRUSTDB_NS) == 0 &&
	       strcmp(el->name, name) == 0;
}

static int lower_hex(const char *s, uint8_t *out, size_t n)
{
	if (strlen(s) != 2 * n || strspn(s, "0123456789abcdef") != 2 * n)
		return XE2E_E_MALFORMED;
	return hex_decode(s, 2 * n, out, n);
}

static int decimal(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s || (s[0] == '0' && s[1]) || strspn(s, "0123456789") != strlen(s))
		return XE2E_E_MALFORMED;
	for (; *s; s++) {
		if (v > (UINT64_MAX - 9) / 10)
			return XE2E_E_MALFORMED;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return XE2E_OK;
}

static const char *const device_attrs[] = {"id", "key", "created", "expires"};

static int read_device(const struct reader *r, const struct xml_node *el, struct trust_device *d)
{
	uint8_t id[4];
	int err = attrs_exact(r, el, device_attrs, ARRAY_SIZE(device_attrs),
			      ARRAY_SIZE(device_attrs));

	if (err)
		return err;
	if (lower_hex(xml_get_attr(el, "id"), id, sizeof(id)))
		return bad(r, "bad device id %.16s", xml_get_attr(el, "id"));
	d->id = load_be32(id);
	if (lower_hex(xml_get_attr(el, "key"), d->pub, X25519_LEN))
		return bad(r, "bad device key %.80s", xml_get_attr(el, "key"));
	if (decimal(xml_get_attr(el, "created"), &d->created) ||
	    decimal(xml_get_attr(el, "expires"), &d->expires))
		return bad(r, "bad device time%s", "");
	return XE2E_OK;
}

/* The last one optional. */
static const char *const peer_attrs[] = {"jid",        "identity",  "level",  "flags",
					 "first-seen", "last-seen", "openpgp"};

/* An imported entry, before it is merged. */
struct entry {
	struct trust_peer peer; /* jid points into the document */
	struct trust_device *devices;
	size_t n_devices;
};

/* The optional openpgp attribute; attrs_exact() sees the others. */
static int read_openpgp(const struct reader *r, const struct xml_node *el, struct trust_peer *p)
{
	const char *v = xml_get_attr(el, "openpgp");

	if (!v)
		return XE2E_OK;
	if (openpgp_fpr_check(v))
		return bad(r, "bad OpenPGP fingerprint %.48s", v);
	strcpy(p->openpgp, v);
	return XE2E_OK;
}

static int read_peer_attrs(struct reader *r, const struct xml_node *el, struct trust_peer *p)
{
	int err = attrs_exact(r, el, peer_attrs, ARRAY_SIZE(peer_attrs) - 1,
			      ARRAY_SIZE(peer_attrs));

	if (!err)
		err = read_openpgp(r, el, p);
	if (err)
		return err;
	p->jid = (char *)xml_get_attr(el, "jid");
	if (jid_check_normal_bare(p->jid))
		return bad(r, "not a normalised bare JID: %.64s", p->jid);
	r->jid = p->jid;
	if (lower_hex(xml_get_attr(el, "identity"), p->fpr, FINGERPRINT_LEN))
		return bad(r, "bad identity fingerprint%s", "");
	if (trust_level_parse(xml_get_attr(el, "level"), &p->level))
		return bad(r, "unknown level %.24s", xml_get_attr(el, "level"));
	if (trust_flags_parse(xml_get_attr(el, "flags"), &p->flags))
		return bad(r, "bad flags %.40s", xml_get_attr(el, "flags"));
	if (trust_level_flags_check(p->level, p->flags))
		return bad(r, "offline-origin at level %s", trust_level_name(p->level));
	if (decimal(xml_get_attr(el, "first-seen"), &p->first_seen) ||
	    decimal(xml_get_attr(el, "last-seen"), &p->last_seen) ||
	    p->first_seen > p->last_seen)
		return bad(r, "bad first-seen or last-seen%s", "");
	return XE2E_OK;
}

static int read_peer(struct reader *r, const struct xml_node *el, struct entry *e)
{
	int err = read_peer_attrs(r, el, &e->peer);

	if (!err && el->n_children && !(e->devices = calloc(el->n_children, sizeof(*e->devices))))
		err = XE2E_E_NOMEM;
	for (size_t i = 0; !err && i < el->n_children; i++) {
		const struct xml_node *c = el->children[i];

		if (c->type == XML_TEXT && blank_text(c))
			continue;
		if (!is_ours(c, "device"))
			return bad(r, "unexpected content in <peer>%s", "");
		err = read_device(r, c, &e->devices[e->n_devices++]);
	}
	return err;
}

struct import {
	struct entry *entries;
	size_t n;
	uint64_t now;
	const char *file;
};

static void import_free(struct import *im)
{
	for (size_t i = 0; i < im->n; i++)
		free(im->entries[i].devices);
	free(im->entries);
}

static int read_root(struct import *im, const struct xml_node *root)
{
	static const char *const root_attrs[] = {"version"};
	struct reader r = {im->file, 0, NULL};
	int err;

	if (!is_ours(root, EXPORT_ROOT))
		return bad(&r, "not an xe2e-trustdb export (want <trustdb xmlns='%s'>)", TRUSTDB_NS);
	if ((err = attrs_exact(&r, root, root_attrs, 1, 1)))
		return err;
	if (strcmp(xml_get_attr(root, "version"), EXPORT_VERSION) != 0)
		return bad(&r, "export version %.16s not supported", xml_get_attr(root, "version"));
	if (root->n_children && !(im->entries = calloc(root->n_children, sizeof(*im->entries))))
		return XE2E_E_NOMEM;
	for (size_t i = 0; !err && i < root->n_children; i++) {
		const struct xml_node *c = root->children[i];

		if (c->type == XML_TEXT && blank_text(c))
			continue;
		if (!is_ours(c, "peer"))
			return bad(&r, "unexpected content in <trustdb>%s", "");
		r.index = im->n + 1;
		r.jid = NULL;
		err = read_peer(&r, c, &im->entries[im->n++]);
	}
	return err;
}

/* ---- merging ---- */

static int conflict(const struct entry *e, const char *why)
{
	char fpr[65], detail[DETAIL_MAX];

	snprintf(detail, sizeof(detail), "%s", why);
	tdb_hex32(e->peer.fpr, fpr);
	err_detail_set("import refused: %.64s %s: %s", e->peer.jid, fpr, detail);
	return XE2E_E_TRUST;
}

static int merge_known(struct trust_peer *have, const struct entry *e)
{
	char why[DETAIL_MAX];

	if (have->level != e->peer.level) {
		snprintf(why, sizeof(why), "the store has level %s, the file %s",
			 trust_level_name(have->level), trust_level_name(e->peer.level));
		return conflict(e, why);
	}
	if (e->peer.openpgp[0] && have->openpgp[0] && strcmp(have->openpgp, e->peer.openpgp)) {
		snprintf(why, sizeof(why), "the store has the OpenPGP key %s, the file %s",
			 have->openpgp, e->peer.openpgp);
		return conflict(e, why);
	}
	if (e->peer.openpgp[0])
		strcpy(have->openpgp, e->peer.openpgp);
	have->flags |= e->peer.flags;
	if (e->peer.first_seen < have->first_seen)
		have->first_seen = e->peer.first_seen;
	if (e->peer.last_seen > have->last_seen)
		have->last_seen = e->peer.last_seen;
	return XE2E_OK;
}

static int merge_new(struct trust_db *db, const struct entry *e, uint64_t now)
{
	struct trust_peer *p = NULL;
	int err;

	while (e->peer.level != TRUST_REVOKED && (p = trust_next_by_jid(db, e->peer.jid, p))) {
		if (p->level != TRUST_REVOKED)
			return conflict(e, "the store holds another identity key for this JID");
	}
	if ((err = trust_peer_add(db, e->peer.jid, e->peer.fpr, e->peer.level, now, &p)))
		return err;
	p->flags = e->peer.flags;
	strcpy(p->openpgp, e->peer.openpgp);
	p->first_seen = e->peer.first_seen;
	p->last_seen = e->peer.last_seen;
	return XE2E_OK;
}

static int merge_entry(struct trust_db *db, const struct entry *e, uint64_t now)
{
	struct trust_peer *have = trust_find(db, e->peer.jid, e->peer.fpr);
	int err = have ? merge_known(have, e) : merge_new(db, e, now);

	for (size_t i = 0; !err && i < e->n_devices; i++) {
		err = trust_device_upsert(db, e->peer.jid, e->peer.fpr, &e->devices[i]);
		if (err == XE2E_E_TRUST || err == XE2E_E_MALFORMED) {
			char why[DETAIL_MAX];

			snprintf(why, sizeof(why), "%s", err_detail());
			return conflict(e, why);
		}
	}
	return err;
}

static int import_apply(struct trust_db *db, void *ctx)
{
	struct import *im = ctx;
	int err = XE2E_OK;

	for (size_t i = 0; !err && i < im->n; i++)
		err = merge_entry(db, &im->entries[i], im->now);
	return err;
}

int tdb_cmd_import(struct trustdb *t, char **args, int nargs, struct buf *out)
{
	struct import im = {NULL, 0, t->now, args[0]};
	struct xml_limits limits = xml_limits_default();
	struct xml_node *root = NULL;
	struct buf data = BUF_INIT;
	int err = tdb_read_input(args[0], IMPORT_MAX, &data);

	(void)nargs;
	(void)out;
	limits.max_stanza_bytes = IMPORT_MAX;
	limits.max_depth = 2;
	limits.max_attrs = 16;
	if (!err && (err = xml_parse_element((const char *)data.data, data.len, &limits, &root))) {
		char why[DETAIL_MAX];

		snprintf(why, sizeof(why), "%s", err_detail());
		err_detail_set("%s: %s", args[0], why);
	}
	if (!err)
		err = read_root(&im, root);
	if (!err)
		err = trust_update(NULL, import_apply, &im);
	import_free(&im);
	xml_free(root);
	buf_free(&data);
	return err;
}
