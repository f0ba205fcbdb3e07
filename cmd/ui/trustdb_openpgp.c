/*
 * xe2e-trustdb: openpgp check, a peer's recorded OpenPGP key against the
 * user's GnuPG keyring now (xe2e(7) TRUST STORE).
 */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "openpgp.h"
#include "trustdb_int.h"

struct recheck {
	char jid[JID_MAX + 1];
	uint8_t fpr[FINGERPRINT_LEN];
	char openpgp[TRUST_OPENPGP_LEN];
	enum trust_level level;
};

/* The JID's live entry that has an OpenPGP key recorded. */
static int find_entry(struct recheck *r)
{
	struct trust_db db = TRUST_DB_INIT;
	const struct trust_peer *p = NULL;
	int err = trust_load(NULL, &db);

	while (!err && (p = trust_next_by_jid(&db, r->jid, p)))
		if (p->level != TRUST_REVOKED && p->openpgp[0])
			break;
	if (!err && !p) {
		err_detail_set("no OpenPGP key is recorded for %.64s (a handshake in which it "
			       "sends its OpenPGP credential records it)", r->jid);
		err = XE2E_E_NOTFOUND;
	}
	if (!err) {
		memcpy(r->fpr, p->fpr, FINGERPRINT_LEN);
		strcpy(r->openpgp, p->openpgp);
		r->level = p->level;
	}
	trust_free(&db);
	return err;
}

/* Under the store's lock: the same entry, then a tofu one becomes anchored
 * (the key was checked to sign for it when it was recorded). */
static int raise_apply(struct trust_db *db, void *ctx)
{
	struct recheck *r = ctx;
	struct trust_peer *peer = trust_find(db, r->jid, r->fpr);

	if (!peer || peer->level == TRUST_REVOKED || strcmp(peer->openpgp, r->openpgp)) {
		err_detail_set("the entry of %.64s changed meanwhile: run again", r->jid);
		return XE2E_E_STATE;
	}
	if (peer->level == TRUST_TOFU) {
		peer->level = TRUST_ANCHORED;
		peer->flags &= ~TRUST_FLAG_OFFLINE_ORIGIN;
	}
	return XE2E_OK;
}

int tdb_cmd_openpgp_check(struct trustdb *t, char **args, int nargs, struct buf *out)
{
	struct recheck r;
	struct openpgp_result res;
	int err = tdb_arg_jid(args[0], r.jid);

	(void)nargs;
	if (!err)
		err = find_entry(&r);
	if (!err)
		err = openpgp_keyring_check(r.openpgp, r.jid, &res);
	if (!err && !res.valid) {
		err_detail_set("the OpenPGP key %s of %.64s is not valid here: %s%s", r.openpgp, r.jid,
			       res.why, r.level == TRUST_ANCHORED ? " (the entry stays anchored; its "
			       "next handshake with a credential is refused)" : "");
		return XE2E_E_TRUST;
	}
	if (!err)
		err = trust_update(NULL, raise_apply, &r);
	return err ? err : tdb_show_entries(t, r.jid, NULL, out);
}
