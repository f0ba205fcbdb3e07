/* Revoking or forgetting a peer's identity keys with their retained
 * secrets (trust_withdraw.h). */
#include "trust_withdraw.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "secrets.h"
#include "trust.h"

struct withdrawal {
	enum trust_withdraw how;
	const char *jid;
	const uint8_t *fpr;              /* NULL: every entry of jid */
	uint8_t (*touched)[FINGERPRINT_LEN]; /* the keys changed, once each */
	size_t n_touched;
};

static int touch(struct withdrawal *w, const uint8_t fpr[static FINGERPRINT_LEN])
{
	uint8_t (*grown)[FINGERPRINT_LEN];

	for (size_t i = 0; i < w->n_touched; i++) {
		if (memcmp(w->touched[i], fpr, FINGERPRINT_LEN) == 0)
			return XE2E_OK;
	}
	grown = realloc(w->touched, (w->n_touched + 1) * sizeof(*grown));
	if (!grown)
		return XE2E_E_NOMEM;
	w->touched = grown;
	memcpy(grown[w->n_touched++], fpr, FINGERPRINT_LEN);
	return XE2E_OK;
}

/* The entry is one the withdrawal is about. */
static int concerned(const struct withdrawal *w, const struct trust_peer *p)
{
	if (w->fpr)
		return memcmp(p->fpr, w->fpr, FINGERPRINT_LEN) == 0;
	return w->how == TRUST_WITHDRAW_FORGET || p->level != TRUST_REVOKED;
}

static int withdraw_apply(struct trust_db *db, void *ctx)
{
	struct withdrawal *w = ctx;
	struct trust_peer *p = NULL;
	int err = XE2E_OK;

	w->n_touched = 0;
	while (!err && (p = trust_next_by_jid(db, w->jid, p))) {
		if (!concerned(w, p))
			continue;
		if (w->how == TRUST_WITHDRAW_REVOKE)
			p->level = TRUST_REVOKED;
		err = touch(w, p->fpr);
	}
	if (!err && w->n_touched == 0) {
		err_detail_set("no trust entry for %.64s%s", w->jid,
			       w->fpr ? " with that identity key"
			       : w->how == TRUST_WITHDRAW_REVOKE ? " that is not revoked" : "");
		return XE2E_E_NOTFOUND;
	}
	if (!err && w->how == TRUST_WITHDRAW_FORGET)
		err = trust_peer_forget(db, w->jid, w->fpr);
	return err;
}

/* The retained secrets of the keys withdrawn; none kept is no error. */
static int forget_secrets(const struct withdrawal *w)
{
	int err = XE2E_OK;

	for (size_t i = 0; !err && i < w->n_touched; i++) {
		err = rs_forget_peer(NULL, w->touched[i]);
		if (err == XE2E_E_NOTFOUND) {
			err_detail_clear();
			err = XE2E_OK;
		}
	}
	return err;
}

int trust_withdraw(const char *path, enum trust_withdraw how, const char *jid, const uint8_t *fpr,
		   size_t *n)
{
	struct withdrawal w = {.how = how, .jid = jid, .fpr = fpr};
	int err = trust_update(path, withdraw_apply, &w);

	if (!err)
		err = forget_secrets(&w);
	if (n)
		*n = err ? 0 : w.n_touched;
	free(w.touched);
	return err;
}
