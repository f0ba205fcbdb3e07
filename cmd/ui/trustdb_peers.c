/* xe2e-trustdb: the peer commands (list, show, pin, verify, revoke, forget,
 * psk, reset-failures). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "failures.h"
#include "psk.h"
#include "secrets.h"
#include "trust_withdraw.h"
#include "trustdb_int.h"
#include "util.h"

#define SLOTS_TEXT_LEN 32

/* ---- list ---- */

static int list_line(const struct trust_peer *peer, struct buf *out)
{
	char fpr[65], flags[TRUST_FLAGS_TEXT_LEN];

	tdb_hex32(peer->fpr, fpr);
	trust_flags_format(peer->flags, flags);
	return buf_printf(out, "%s %s %s %s%s%s\n", peer->jid, fpr,
			  trust_level_name(peer->level), flags, peer->openpgp[0] ? " " : "",
			  peer->openpgp);
}

int tdb_cmd_list(struct trustdb *t, char **args, int nargs, struct buf *out)
{
	struct trust_db db = TRUST_DB_INIT;
	int err = trust_load(NULL, &db);

	(void)args;
	(void)nargs;
	if (!err && t->xml)
		err = tdb_xml_open(out, "peers");
	for (size_t i = 0; !err && i < db.n_peers; i++)
		err = t->xml ? tdb_xml_line(out, tdb_peer_element(&db.peers[i], 0))
			     : list_line(&db.peers[i], out);
	if (!err && t->xml)
		err = tdb_xml_close(out, "peers");
	if (!err && db.n_peers == 0 && t->terminal) {
		char path[STORE_PATH_MAX];

		if (trust_default_path(path) == XE2E_OK)
			snprintf(t->note, sizeof(t->note), "the trust store %.400s is empty", path);
	}
	trust_free(&db);
	return err;
}

/* ---- show ---- */

/* What show adds to an entry from the other files. */
struct extras {
	int psk;
	unsigned failures;
	const struct rs_db *rs;
};

static int get_extras(const char *jid, const struct rs_db *rs, struct extras *x)
{
	uint8_t psk[PSK_LEN];
	int err = psk_get(NULL, jid, psk);

	wipe(psk, sizeof(psk));
	x->rs = rs;
	x->psk = err == XE2E_OK;
	if (err == XE2E_E_NOTFOUND) {
		err_detail_clear();
		err = XE2E_OK;
	}
	return err ? err : failures_get(NULL, jid, &x->failures);
}

/* The retained-secret slots held for a device, as "rs1,rs2" or "-". */
static void slots_text(const struct rs_db *rs, const uint8_t fpr[static FINGERPRINT_LEN],
		       uint32_t id, char out[static SLOTS_TEXT_LEN])
{
	unsigned present = 0;

	for (size_t i = 0; i < rs->n; i++) {
		if (rs->entries[i].device_id == id &&
		    memcmp(rs->entries[i].fpr, fpr, FINGERPRINT_LEN) == 0)
			present |= rs->entries[i].present;
	}
	out[0] = '\0';
	for (int s = 0; s < RS_SLOTS; s++) {
		if (present & (1u << s))
			snprintf(out + strlen(out), SLOTS_TEXT_LEN - strlen(out), "%s%s",
				 out[0] ? "," : "", rs_slot_name((enum rs_slot)s));
	}
	if (!out[0])
		strcpy(out, "-");
}

static int show_plain(const struct trust_peer *peer, const struct extras *x, struct buf *out)
{
	char fpr[FINGERPRINT_TEXT_LEN], flags[TRUST_FLAGS_TEXT_LEN], first[32], last[32];
	int err;

	fingerprint_format(peer->fpr, fpr);
	trust_flags_format(peer->flags, flags);
	tdb_time(peer->first_seen, 0, first);
	tdb_time(peer->last_seen, 0, last);
	err = buf_printf(out, "jid: %s\nidentity: %s\nlevel: %s\nflags: %s\nfirst-seen: %s\n"
			 "last-seen: %s\npsk: %s\nspake2-failures: %u\n",
			 peer->jid, fpr, trust_level_name(peer->level), flags, first, last,
			 x->psk ? "yes" : "no", x->failures);
	if (!err && peer->openpgp[0])
		err = buf_printf(out, "openpgp: %s\n", peer->openpgp);
	for (size_t i = 0; !err && i < peer->n_devices; i++) {
		const struct trust_device *d = &peer->devices[i];
		char key[65], created[32], expires[32], slots[SLOTS_TEXT_LEN];

		tdb_hex32(d->pub, key);
		tdb_time(d->created, 0, created);
		tdb_time(d->expires, 1, expires);
		slots_text(x->rs, peer->fpr, d->id, slots);
		err = buf_printf(out, "device: %08" PRIx32 " %s created=%s expires=%s retained=%s\n",
				 d->id, key, created, expires, slots);
	}
	return err;
}

static int show_xml(const struct trust_peer *peer, const struct extras *x, struct buf *out)
{
	struct xml_node *el = tdb_peer_element(peer, 1);
	int err = el ? XE2E_OK : XE2E_E_NOMEM;

	if (!err)
		err = xml_set_attr(el, "psk", x->psk ? "yes" : "no");
	if (!err)
		err = tdb_xml_attr(el, "spake2-failures", "%u", x->failures);
	for (size_t i = 0; !err && i < el->n_children; i++) {
		char slots[SLOTS_TEXT_LEN];

		slots_text(x->rs, peer->fpr, peer->devices[i].id, slots);
		err = xml_set_attr(el->children[i], "retained", slots);
	}
	if (err) {
		xml_free(el);
		return err;
	}
	return tdb_xml_line(out, el);
}

static int show_one(struct trustdb *t, const struct trust_peer *peer, const struct rs_db *rs,
		    int first, struct buf *out)
{
	struct extras x;
	int err = get_extras(peer->jid, rs, &x);

	if (err)
		return err;
	if (t->xml)
		return show_xml(peer, &x, out);
	if (!first && (err = buf_append_byte(out, '\n')))
		return err;
	return show_plain(peer, &x, out);
}

static int show_matching(struct trustdb *t, const struct trust_db *db, const struct rs_db *rs,
			 const char *jid, const uint8_t *fpr, struct buf *out)
{
	size_t shown = 0;
	int err = t->xml ? tdb_xml_open(out, "peers") : XE2E_OK;

	for (size_t i = 0; !err && i < db->n_peers; i++) {
		const struct trust_peer *p = &db->peers[i];

		if (jid ? strcmp(p->jid, jid) != 0 : memcmp(p->fpr, fpr, FINGERPRINT_LEN) != 0)
			continue;
		err = show_one(t, p, rs, shown++ == 0, out);
	}
	if (!err && t->xml)
		err = tdb_xml_close(out, "peers");
	if (!err && shown == 0) {
		err_detail_set("no trust entry for %.64s", jid ? jid : "that fingerprint");
		err = XE2E_E_NOTFOUND;
	}
	return err;
}

int tdb_show_entries(struct trustdb *t, const char *jid, const uint8_t *fpr, struct buf *out)
{
	struct trust_db db = TRUST_DB_INIT;
	struct rs_db rs = RS_DB_INIT;
	int err = trust_load(NULL, &db);

	if (!err)
		err = rs_load(NULL, &rs);
	if (!err)
		err = show_matching(t, &db, &rs, jid, fpr, out);
	rs_free(&rs);
	trust_free(&db);
	return err;
}

int tdb_cmd_show(struct trustdb *t, char **args, int nargs, struct buf *out)
{
	char jid[JID_MAX + 1];
	uint8_t fpr[FINGERPRINT_LEN];
	int err;

	(void)nargs;
	if (fingerprint_parse(args[0], fpr) == XE2E_OK)
		return tdb_show_entries(t, NULL, fpr, out);
	if ((err = tdb_arg_jid(args[0], jid)))
		return err;
	return tdb_show_entries(t, jid, NULL, out);
}

/* ---- changes ---- */

struct change {
	const char *jid;
	uint8_t fpr[FINGERPRINT_LEN];
	int has_fpr;
	uint64_t now;
};

static int refuse(const char *fmt, const char *jid, const uint8_t *fpr)
{
	char hex[65] = "";

	if (fpr)
		tdb_hex32(fpr, hex);
	err_detail_set(fmt, jid, hex);
	return XE2E_E_TRUST;
}

/* Another entry of the JID that is not revoked, or NULL. */
static struct trust_peer *other_key(const struct trust_db *db, const char *jid,
				    const uint8_t fpr[static FINGERPRINT_LEN])
{
	struct trust_peer *p = NULL;

	while ((p = trust_next_by_jid(db, jid, p))) {
		if (p->level != TRUST_REVOKED && memcmp(p->fpr, fpr, FINGERPRINT_LEN) != 0)
			return p;
	}
	return NULL;
}

static int pin_apply(struct trust_db *db, void *ctx)
{
	struct change *c = ctx;
	struct trust_peer *peer = trust_find(db, c->jid, c->fpr), *other;

	if (peer && peer->level == TRUST_REVOKED)
		return refuse("%.64s's identity key %s is revoked; a revocation is not undone "
			      "(forget it first to start over)", c->jid, c->fpr);
	if (peer) {
		peer->level = TRUST_PINNED; /* set by hand: no longer known only offline */
		peer->flags &= ~TRUST_FLAG_OFFLINE_ORIGIN;
		return XE2E_OK;
	}
	other = other_key(db, c->jid, c->fpr);
	if (other)
		return refuse("%.64s has another identity key in the store, %s: revoke or forget "
			      "it first", c->jid, other->fpr);
	return trust_peer_add(db, c->jid, c->fpr, TRUST_PINNED, c->now, NULL);
}

int tdb_cmd_pin(struct trustdb *t, char **args, int nargs, struct buf *out)
{
	char jid[JID_MAX + 1];
	struct change c = {.jid = jid, .has_fpr = 1, .now = t->now};
	int err;

	(void)nargs;
	(void)out;
	if ((err = tdb_arg_jid(args[0], jid)) || (err = tdb_arg_fpr(args[1], c.fpr)))
		return err;
	return trust_update(NULL, pin_apply, &c);
}

/* The one entry of the JID that is not revoked (verify without FPR). */
static int current_entry(const struct trust_db *db, const char *jid, struct trust_peer **out)
{
	struct trust_peer *p = NULL, *found = NULL;

	while ((p = trust_next_by_jid(db, jid, p))) {
		if (p->level == TRUST_REVOKED)
			continue;
		if (found) {
			err_detail_set("%.64s has several identity keys: give the fingerprint", jid);
			return XE2E_E_STATE;
		}
		found = p;
	}
	if (!found) {
		err_detail_set("no trust entry for %.64s that is not revoked", jid);
		return XE2E_E_NOTFOUND;
	}
	*out = found;
	return XE2E_OK;
}

static int verify_target(struct trust_db *db, const struct change *c, struct trust_peer **peer)
{
	struct trust_peer *other;

	if (!c->has_fpr)
		return current_entry(db, c->jid, peer);
	*peer = trust_find(db, c->jid, c->fpr);
	if (*peer)
		return XE2E_OK;
	other = other_key(db, c->jid, c->fpr);
	if (other)
		return refuse("the identity key of %.64s changed: the store holds %s, not the "
			      "fingerprint given", c->jid, other->fpr);
	err_detail_set("no trust entry for %.64s with that identity key (pin it instead)", c->jid);
	return XE2E_E_NOTFOUND;
}

static int verify_apply(struct trust_db *db, void *ctx)
{
	struct change *c = ctx;
	struct trust_peer *peer;
	int err = verify_target(db, c, &peer);

	if (err)
		return err;
	if (peer->level == TRUST_REVOKED)
		return refuse("%.64s's identity key %s is revoked; a revocation is not undone",
			      c->jid, peer->fpr);
	if (peer->level == TRUST_MISMATCH && !c->has_fpr)
		return refuse("%.64s's identity key %s is marked mismatch (a failed comparison): "
			      "give the fingerprint you compared", c->jid, peer->fpr);
	peer->level = TRUST_VERIFIED;
	peer->flags &= ~(TRUST_FLAG_RS_RESET | TRUST_FLAG_OFFLINE_ORIGIN);
	return XE2E_OK;
}

static int parse_target(char **args, int nargs, char jid[static JID_MAX + 1], struct change *c)
{
	int err = tdb_arg_jid(args[0], jid);

	c->jid = jid;
	c->has_fpr = nargs > 1;
	if (!err && c->has_fpr)
		err = tdb_arg_fpr(args[1], c->fpr);
	return err;
}

int tdb_cmd_verify(struct trustdb *t, char **args, int nargs, struct buf *out)
{
	char jid[JID_MAX + 1];
	struct change c = {.now = t->now};
	int err = parse_target(args, nargs, jid, &c);

	(void)out;
	return err ? err : trust_update(NULL, verify_apply, &c);
}

/* revoke and forget: the library withdraws the keys with their retained
 * secrets (trust_withdraw.h). */
static int withdraw(char **args, int nargs, enum trust_withdraw how)
{
	char jid[JID_MAX + 1];
	struct change c = {0};
	int err = parse_target(args, nargs, jid, &c);

	return err ? err : trust_withdraw(NULL, how, jid, c.has_fpr ? c.fpr : NULL, NULL);
}

int tdb_cmd_revoke(struct trustdb *t, char **args, int nargs, struct buf *out)
{
	(void)t;
	(void)out;
	return withdraw(args, nargs, TRUST_WITHDRAW_REVOKE);
}

int tdb_cmd_forget(struct trustdb *t, char **args, int nargs, struct buf *out)
{
	(void)t;
	(void)out;
	return withdraw(args, nargs, TRUST_WITHDRAW_FORGET);
}

int tdb_cmd_reset_failures(struct trustdb *t, char **args, int nargs, struct buf *out)
{
	char jid[JID_MAX + 1];
	int err = tdb_arg_jid(args[0], jid);

	(void)t;
	(void)nargs;
	(void)out;
	return err ? err : failures_reset(NULL, jid, NULL);
}

/* ---- PSKs ---- */

/* Strips white space around the n bytes at text. */
static const char *trim(const char *text, size_t *n)
{
	while (*n && (text[*n - 1] == ' ' || text[*n - 1] == '\t' || text[*n - 1] == '\r'))
		(*n)--;
	while (*n && (*text == ' ' || *text == '\t')) {
		text++;
		(*n)--;
	}
	return text;
}

static int psk_text(struct trustdb *t, char **args, int nargs, const char *jid,
		    char text[static TRUSTDB_SECRET_MAX], size_t *len)
{
	char prompt[JID_MAX + 32];

	if (nargs > 1) {
		*len = strlen(args[1]);
		if (*len >= TRUSTDB_SECRET_MAX) {
			err_detail_set("not a PSK (too long)");
			return XE2E_E_MALFORMED;
		}
		memcpy(text, args[1], *len + 1);
		return XE2E_OK;
	}
	if (!t->read_secret) {
		err_detail_set("no PSK given");
		return XE2E_E_NOTFOUND;
	}
	snprintf(prompt, sizeof(prompt), "PSK for %s: ", jid);
	return t->read_secret(t->secret_ctx, prompt, text, len);
}

int tdb_cmd_psk_set(struct trustdb *t, char **args, int nargs, struct buf *out)
{
	char jid[JID_MAX + 1], text[TRUSTDB_SECRET_MAX];
	uint8_t psk[PSK_LEN];
	size_t len = 0;
	const char *p;
	int err = tdb_arg_jid(args[0], jid);

	(void)out;
	if (!err)
		err = psk_text(t, args, nargs, jid, text, &len);
	if (!err) {
		p = trim(text, &len);
		err = psk_parse(p, len, psk);
		if (err)
			err_detail_set("not a PSK as xe2e-keygen --psk prints it (xe2e-psk-..., "
				       "with its checksum)");
	}
	if (!err)
		err = psk_set(NULL, jid, psk);
	wipe(text, sizeof(text));
	wipe(psk, sizeof(psk));
	return err;
}

int tdb_cmd_psk_clear(struct trustdb *t, char **args, int nargs, struct buf *out)
{
	char jid[JID_MAX + 1];
	int err = tdb_arg_jid(args[0], jid);

	(void)t;
	(void)nargs;
	(void)out;
	return err ? err : psk_remove(NULL, jid);
}
