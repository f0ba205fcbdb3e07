/* xe2e-trustdb: the anchor commands (add, list, remove, verify). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "anchor.h"
#include "err.h"
#include "trustdb_int.h"

int tdb_cmd_anchor_add(struct trustdb *t, char **args, int nargs, struct buf *out)
{
	char name[ANCHOR_NAME_MAX + 1];
	struct buf data = BUF_INIT;
	int err;

	(void)out;
	if (nargs > 1)
		err = anchor_name_check(args[1]);
	else
		err = anchor_name_from_file(args[0], name);
	if (!err)
		err = tdb_read_input(args[0], ANCHOR_CERT_MAX, &data);
	if (!err)
		err = anchor_add(NULL, nargs > 1 ? args[1] : name, data.data, data.len, t->now, NULL);
	buf_free(&data);
	return err;
}

static int anchor_line(const struct anchor_info *a, int xml, struct buf *out)
{
	char fpr[65], after[32];
	struct xml_node *el;
	int err;

	tdb_hex32(a->fpr, fpr);
	if (!xml) {
		tdb_time(a->not_after, 0, after);
		return buf_printf(out, "%s %s %s %s\n", a->name, fpr, after, a->subject);
	}
	el = tdb_xml_element("anchor");
	if (!el)
		return XE2E_E_NOMEM;
	if ((err = xml_set_attr(el, "name", a->name)) ||
	    (err = xml_set_attr(el, "identity", fpr)) ||
	    (err = xml_set_attr(el, "subject", a->subject)) ||
	    (err = tdb_xml_attr(el, "not-before", "%" PRIu64, a->not_before)) ||
	    (err = tdb_xml_attr(el, "not-after", "%" PRIu64, a->not_after))) {
		xml_free(el);
		return err;
	}
	return tdb_xml_line(out, el);
}

int tdb_cmd_anchor_list(struct trustdb *t, char **args, int nargs, struct buf *out)
{
	struct anchor_info *list = NULL;
	size_t n = 0;
	int err = anchor_list(NULL, &list, &n);

	(void)args;
	(void)nargs;
	if (!err && t->xml)
		err = tdb_xml_open(out, "anchors");
	for (size_t i = 0; !err && i < n; i++)
		err = anchor_line(&list[i], t->xml, out);
	if (!err && t->xml)
		err = tdb_xml_close(out, "anchors");
	free(list);
	return err;
}

int tdb_cmd_anchor_remove(struct trustdb *t, char **args, int nargs, struct buf *out)
{
	(void)t;
	(void)nargs;
	(void)out;
	return anchor_remove(NULL, args[0]);
}

struct record {
	const char *jid;
	const uint8_t *fpr;
	uint64_t now;
};

/* Records the identity as anchored, with pin's rules. */
static int record_apply(struct trust_db *db, void *ctx)
{
	struct record *r = ctx;
	struct trust_peer *peer = trust_find(db, r->jid, r->fpr), *p = NULL;

	if (peer && peer->level == TRUST_REVOKED) {
		err_detail_set("%.64s's identity key is revoked; a revocation is not undone", r->jid);
		return XE2E_E_TRUST;
	}
	if (peer) {
		peer->level = TRUST_ANCHORED;
		peer->flags &= ~TRUST_FLAG_OFFLINE_ORIGIN;
		return XE2E_OK;
	}
	while ((p = trust_next_by_jid(db, r->jid, p))) {
		if (p->level != TRUST_REVOKED) {
			err_detail_set("%.64s has another identity key in the store (%s): revoke "
				       "or forget it first", r->jid, trust_level_name(p->level));
			return XE2E_E_TRUST;
		}
	}
	return trust_peer_add(db, r->jid, r->fpr, TRUST_ANCHORED, r->now, NULL);
}

static int verify_file(struct trustdb *t, char **args, int nargs, char jid[static JID_MAX + 1],
		       struct anchor_result *res)
{
	struct buf data = BUF_INIT, der = BUF_INIT;
	int err = tdb_read_input(args[0], (size_t)ANCHOR_CHAIN_MAX * ANCHOR_CERT_MAX, &data);

	if (!err)
		err = anchor_chain_from_file(data.data, data.len, &der);
	if (!err)
		err = nargs > 1 ? tdb_arg_jid(args[1], jid) : anchor_leaf_jid(der.data, der.len, jid);
	if (!err)
		err = anchor_verify_chain(NULL, der.data, der.len, jid, t->now, res);
	buf_free(&data);
	buf_free(&der);
	return err;
}

int tdb_cmd_anchor_verify(struct trustdb *t, char **args, int nargs, struct buf *out)
{
	char jid[JID_MAX + 1];
	struct anchor_result res;
	struct record r = {jid, res.fpr, t->now};
	int err = verify_file(t, args, nargs, jid, &res);

	if (!err)
		err = trust_update(NULL, record_apply, &r);
	if (!err)
		err = tdb_show_entries(t, NULL, res.fpr, out);
	return err;
}
