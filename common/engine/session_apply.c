/*
 * What a successful handshake changes: the trust store, the retained
 * secrets, the session file and the current pointer (see session.h).
 */
#include <string.h>

#include "err.h"
#include "secrets.h"
#include "session.h"
#include "util.h"

struct apply_ctx {
	const struct session_outcome *o;
	enum trust_level level;
	unsigned flags;
};

/* The user accepted a new identity key: the JID's other live entries are
 * revoked, unless one is pinned or anchored. */
static int revoke_others(struct trust_db *db, const struct session_outcome *o)
{
	struct trust_peer *p = NULL;

	while ((p = trust_next_by_jid(db, o->peer_jid, p))) {
		if (!memcmp(p->fpr, o->fpr, FINGERPRINT_LEN) || p->level == TRUST_REVOKED)
			continue;
		if (p->level == TRUST_PINNED || p->level == TRUST_ANCHORED) {
			err_detail_set("identity key of %.64s changed and the old one is %s; "
				       "no override accepted", o->peer_jid,
				       trust_level_name(p->level));
			return XE2E_E_TRUST;
		}
		p->level = TRUST_REVOKED;
	}
	return XE2E_OK;
}

static int check_known_device(const struct trust_db *db, const struct session_outcome *o)
{
	struct trust_device *dev = NULL;
	struct trust_peer *owner = trust_find_device(db, o->device.pub, &dev);

	if (!owner || strcmp(owner->jid, o->peer_jid) || dev->id != o->device.id ||
	    memcmp(owner->fpr, o->fpr, FINGERPRINT_LEN)) {
		err_detail_set("the device key of %.64s changed in the trust store meanwhile",
			       o->peer_jid);
		return XE2E_E_TRUST;
	}
	return XE2E_OK;
}

/* The level a credential gives: a chain to an anchor, or a valid OpenPGP
 * key, raises a new or tofu entry to anchored; an anchored entry needs one
 * every time a credential is presented. */
static int apply_level(struct trust_db *db, const struct session_outcome *o,
		       struct trust_peer *peer)
{
	if (!peer)
		return trust_peer_add(db, o->peer_jid, o->fpr,
				      o->anchored ? TRUST_ANCHORED : TRUST_TOFU, o->now, NULL);
	if (peer->level == TRUST_ANCHORED && !o->anchored && !o->device_known) {
		err_detail_set("the identity key of %.64s became anchored in the trust store "
			       "meanwhile, and this handshake's credential did not lead to an anchor",
			       o->peer_jid);
		return XE2E_E_TRUST;
	}
	if (peer->level == TRUST_TOFU && o->anchored)
		peer->level = TRUST_ANCHORED;
	return XE2E_OK;
}

static int apply_trust(struct trust_db *db, void *arg)
{
	struct apply_ctx *ctx = arg;
	const struct session_outcome *o = ctx->o;
	struct trust_peer *peer;
	int err = o->replace_key ? revoke_others(db, o) : XE2E_OK;

	if (!err)
		err = trust_check_identity(db, o->peer_jid, o->fpr, &peer);
	if (!err)
		err = apply_level(db, o, peer);
	if (!err && o->openpgp[0])
		err = trust_peer_set_openpgp(db, o->peer_jid, o->fpr, o->openpgp);
	if (err)
		return err;
	if (o->device_known)
		err = check_known_device(db, o);
	else
		err = trust_device_upsert(db, o->peer_jid, o->fpr, &o->device);
	if (!err)
		err = trust_peer_seen(db, o->peer_jid, o->fpr, o->now);
	/* A real-time handshake establishes the key: it lifts offline-origin. */
	if (!err)
		err = trust_peer_clear_flags(db, o->peer_jid, o->fpr, TRUST_FLAG_OFFLINE_ORIGIN);
	if (!err && o->set_flags)
		err = trust_peer_set_flags(db, o->peer_jid, o->fpr, o->set_flags);
	if (err)
		return err;
	peer = trust_find(db, o->peer_jid, o->fpr);
	ctx->level = peer->level;
	ctx->flags = peer->flags;
	return XE2E_OK;
}

static int apply_rs(const struct session_outcome *o)
{
	if (o->rs_mode == SESSION_RS_ROTATE)
		return rs_rotate_after_success(NULL, o->fpr, o->device.id, o->new_rs);
	if (o->rs_mode == SESSION_RS_PROVISIONAL)
		return rs_store_provisional(NULL, o->fpr, o->device.id, o->new_rs);
	return XE2E_OK;
}

int session_apply_outcome(const struct session_outcome *o, enum trust_level *level,
			  unsigned *flags)
{
	struct apply_ctx ctx = {o, TRUST_TOFU, 0};
	int err = trust_update(NULL, apply_trust, &ctx);

	if (!err)
		err = apply_rs(o);
	if (!err) {
		*level = ctx.level;
		*flags = ctx.flags;
	}
	return err;
}

int session_commit(struct session *s, const struct session_outcome *o)
{
	int err = session_apply_outcome(o, &s->trust, &s->flags);

	s->state = SESSION_ACTIVE;
	s->pending_rs_mode = SESSION_RS_NONE;
	wipe(s->pending_rs, sizeof(s->pending_rs));
	if (!err)
		err = session_create(s);
	if (!err)
		err = session_current_set(o->peer_jid, s->id);
	return err;
}

int session_commit_pending(struct session *s, const struct session_outcome *o)
{
	s->state = SESSION_PENDING;
	s->flags |= o->set_flags;
	s->pending_rs_mode = o->rs_mode;
	memcpy(s->pending_rs, o->new_rs, SESSION_KEY_LEN);
	return session_create(s);
}

/* Under the session's lock; *confirmed is set when it was pending. */
static int confirm_locked(const uint8_t id[static SESSION_ID_LEN], uint64_t now,
			  struct session *s, char bare[static JID_MAX + 1], int *confirmed)
{
	struct session_outcome o;
	int err = session_read(id, s);

	*confirmed = 0;
	if (err || s->state == SESSION_ACTIVE)
		return err;
	if ((err = jid_normalize_bare(s->peer_jid, bare)))
		return err;
	memset(&o, 0, sizeof(o));
	o.peer_jid = bare;
	memcpy(o.fpr, s->peer_fpr, FINGERPRINT_LEN);
	o.device.id = s->peer_device_id;
	memcpy(o.device.pub, s->peer_device_key, X25519_LEN);
	o.device_known = 1;
	o.set_flags = s->flags;
	o.rs_mode = s->pending_rs_mode;
	memcpy(o.new_rs, s->pending_rs, SESSION_KEY_LEN);
	o.now = now;
	err = session_apply_outcome(&o, &s->trust, &s->flags);
	wipe(&o, sizeof(o));
	if (err)
		return err;
	s->state = SESSION_ACTIVE;
	s->pending_rs_mode = SESSION_RS_NONE;
	wipe(s->pending_rs, sizeof(s->pending_rs));
	err = session_write(s);
	*confirmed = !err;
	return err;
}

int session_confirm(const uint8_t id[static SESSION_ID_LEN], uint64_t now)
{
	struct session s;
	struct store_lock lock;
	char bare[JID_MAX + 1] = "";
	int confirmed = 0, err = session_lock(id, &lock);

	if (err)
		return err;
	err = confirm_locked(id, now, &s, bare, &confirmed);
	store_unlock(&lock);
	if (!err && confirmed)
		err = session_current_set(bare, id);
	session_free(&s);
	return err;
}
