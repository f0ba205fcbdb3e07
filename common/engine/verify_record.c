/* The facts a run verifies and what its outcome changes (see verify_record.h). */
#include "verify_record.h"

#include <string.h>
#include <time.h>

#include "err.h"
#include "failures.h"
#include "identity.h"
#include "secrets.h"
#include "session_missing.h"
#include "util.h"

/* ---- the session ---- */

static void facts_take(struct verify_peer *p, const struct session *s)
{
	p->role = s->role;
	p->state = s->state;
	strcpy(p->device_jid, s->peer_jid);
	memcpy(p->fpr, s->peer_fpr, FINGERPRINT_LEN);
	p->device_id = s->peer_device_id;
	memcpy(p->device_key, s->peer_device_key, X25519_LEN);
	p->flags = s->flags;
	p->trust = s->trust;
	memcpy(p->hh, s->handshake_hash, SESSION_HASH_LEN);
}

static int take_facts(struct session *s, void *p)
{
	facts_take(p, s);
	return XE2E_OK;
}

static int session_facts(struct verify_peer *p)
{
	return session_with_locked(p->session_id, take_facts, p);
}

static int self_fpr(struct verify_peer *p)
{
	struct identity id = IDENTITY_INIT;
	int err = identity_load(&id, IDENTITY_LOAD_PUBLIC | IDENTITY_LOAD_ALLOW_EXPIRED, NULL,
				(uint64_t)time(NULL));

	if (!err)
		memcpy(p->self_fpr, id.id_fpr, FINGERPRINT_LEN);
	else if (err == XE2E_E_NOTFOUND)
		err_detail_set("no identity: %s", err_advice(ERR_ADVICE_CREATE_IDENTITY));
	identity_free(&id);
	return err;
}

int verify_peer_load_session(const char *jid, const uint8_t id[static SESSION_ID_LEN],
			     struct verify_peer *p)
{
	int err;

	memset(p, 0, sizeof(*p));
	memcpy(p->session_id, id, SESSION_ID_LEN);
	if ((err = jid_normalize_bare(jid, p->jid)))
		return err;
	if (!(err = session_facts(p)) && !jid_same_bare(p->device_jid, p->jid)) {
		err_detail_set("the session is not with %s", p->jid);
		err = XE2E_E_TRUST;
	}
	if (!err)
		err = self_fpr(p);
	return err;
}

int verify_peer_load(const char *jid, struct verify_peer *p)
{
	uint8_t id[SESSION_ID_LEN];
	char bare[JID_MAX + 1];
	int err;

	memset(p, 0, sizeof(*p));
	if ((err = jid_normalize_bare(jid, bare)))
		return err;
	err = session_current_get(bare, id);
	if (err == XE2E_E_NOTFOUND)
		err = session_missing(bare);
	return err ? err : verify_peer_load_session(bare, id, p);
}

/* ---- a match ---- */

struct match_ctx {
	const struct verify_peer *p;
	enum trust_level level;
};

static int match_apply(struct trust_db *db, void *arg)
{
	struct match_ctx *c = arg;
	const struct verify_peer *p = c->p;
	struct trust_peer *entry = trust_find(db, p->jid, p->fpr);
	enum trust_level before = entry ? entry->level : TRUST_TOFU;
	int err = trust_verify_cas(db, p->jid, p->fpr, p->device_id, p->device_key);

	if (err)
		return err;
	entry = trust_find(db, p->jid, p->fpr);
	if (before == TRUST_PINNED || before == TRUST_ANCHORED)
		entry->level = before;
	c->level = entry->level;
	return XE2E_OK;
}

struct mark {
	const struct verify_peer *p;
	enum trust_level level;
};

static int mark(struct session *s, void *ctx)
{
	const struct mark *m = ctx;

	if (memcmp(s->peer_fpr, m->p->fpr, FINGERPRINT_LEN)) {
		err_detail_set("the session changed during the run");
		return XE2E_E_TRUST;
	}
	if (!(s->flags & TRUST_FLAG_RS_RESET || s->trust != m->level))
		return XE2E_OK;
	s->flags &= ~TRUST_FLAG_RS_RESET;
	s->trust = m->level;
	return session_write(s);
}

/* The session's rs-reset flag cleared and its level updated. */
static int session_mark(const struct verify_peer *p, enum trust_level level)
{
	struct mark m = {p, level};

	return session_with_locked(p->session_id, mark, &m);
}

int verify_record_match(const struct verify_peer *p, enum trust_level *level)
{
	struct match_ctx c = {p, TRUST_VERIFIED};
	int err;

	/* xe2e(7) OFFLINE MESSAGES "Receiving": a session begun from a prekey bundle caps trust at
	 * tofu until a real-time handshake has run with the peer. */
	if (p->flags & TRUST_FLAG_OFFLINE_ORIGIN) {
		err_detail_set("the session with %s began from a prekey bundle; %s before verifying",
			       p->jid, err_advice(ERR_ADVICE_REAL_TIME_HANDSHAKE));
		return XE2E_E_TRUST;
	}
	err = trust_update(NULL, match_apply, &c);

	if (!err && (p->flags & TRUST_FLAG_RS_RESET)) {
		err = rs_promote_provisional(NULL, p->fpr, p->device_id);
		if (err == XE2E_E_NOTFOUND) {
			err_detail_clear();
			err = XE2E_OK;
		}
	}
	if (!err)
		err = session_mark(p, c.level);
	if (!err && level)
		*level = c.level;
	return err;
}

/* ---- a mismatch ---- */

static int mismatch_apply(struct trust_db *db, void *arg)
{
	const struct verify_peer *p = arg;
	struct trust_peer *entry = trust_find(db, p->jid, p->fpr);

	if (!entry) {
		err_detail_set("%s has no entry with the session's identity key", p->jid);
		return XE2E_E_NOTFOUND;
	}
	if (entry->level != TRUST_REVOKED)
		entry->level = TRUST_MISMATCH;
	return XE2E_OK;
}

int verify_record_mismatch(const struct verify_peer *p)
{
	return trust_update(NULL, mismatch_apply, (void *)p);
}

int verify_record_mix(const struct verify_peer *p, const uint8_t ke[static SPAKE2_KEY_LEN])
{
	return rs_mix_spake2(NULL, p->fpr, p->device_id, ke);
}

/* ---- aborted SAS runs ---- */

/* Until they had a header of their own, these files were written with the
 * SPAKE2 failures' header. */
const struct counter_kind verify_aborts_kind = {VERIFY_ABORTS_FILE_NAME, VERIFY_ABORTS_HEADER,
						FAILURES_HEADER};

int verify_aborts_path(char path[static STORE_PATH_MAX])
{
	return counter_default_path(&verify_aborts_kind, path);
}

int verify_aborts_get(const char *jid, unsigned *count)
{
	return counter_get(&verify_aborts_kind, NULL, jid, count);
}

int verify_aborts_add(const char *jid, unsigned *count)
{
	return counter_increment(&verify_aborts_kind, NULL, jid, count);
}

int verify_aborts_reset(const char *jid)
{
	return counter_reset(&verify_aborts_kind, NULL, jid, NULL);
}
