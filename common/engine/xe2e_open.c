/*
 * The opener of xe2e.h, up to the cryptography: bounces, stanzas without
 * a seal, the session of a sealed stanza, its route and associated data,
 * the initial message's, and why a stanza is refused. Opening in
 * transactions is xe2e_open_batch.c's.
 */
#include "xe2e.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "inspect.h"
#include "unsealed.h"
#include "util.h"
#include "xe2e_int.h"

#define UNBOUND_REASON "resource not authenticated"

int xe2e_opener_new(struct xe2e_opener **out, const struct xe2e_open_opts *o)
{
	static const struct channel_opts copts = {RATCHET_STEP_INTERVAL, 1};
	struct xe2e_opener *op = calloc(1, sizeof(*op));

	*out = NULL;
	if (!op)
		return XE2E_E_NOMEM;
	op->opts = *o;
	op->sessions.opts = copts;
	op->self = (struct identity)IDENTITY_INIT;
	*out = op;
	return XE2E_OK;
}

void xe2e_opener_free(struct xe2e_opener *op)
{
	if (!op)
		return;
	open_batch_clear(op);
	session_cache_free(&op->sessions);
	channel_index_free(&op->idx);
	identity_free(&op->self);
	wipe(op, sizeof(*op));
	free(op);
}

/* ---- outcomes ---- */

const char *open_reason(int err)
{
	switch (err) {
	case XE2E_E_NOTFOUND: return "unknown session";
	case XE2E_E_REPLAY: return "replay";
	case XE2E_E_AUTH: return "tampered";
	case XE2E_E_WEAKKEY: return "tampered";
	case XE2E_E_LIMIT: return "gap too large";
	case XE2E_E_STALE: return "stale session";
	case XE2E_E_EXPIRED: return "expired session";
	case XE2E_E_MALFORMED: return "malformed";
	default: return err_str(err);
	}
}

const char *open_initial_reason(int err)
{
	switch (err) {
	case XE2E_E_EXPIRED: return "expired prekey";
	case XE2E_E_TRUST: return "trust";
	case XE2E_E_NOTFOUND: return "not found";
	case XE2E_E_LIMIT: return "limit";
	default: return open_reason(err);
	}
}

struct xe2e_open_event *open_event_add(struct xe2e_opener *op, enum xe2e_open_event_kind kind)
{
	struct xe2e_open_event *ev = &op->queue[(op->q_head + op->q_len++) % OPEN_QUEUE_MAX];

	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	return ev;
}

void open_refuse(struct xe2e_opener *op, const struct open_item *it, int err, const char *why,
		 const char *detail, unsigned flags)
{
	struct xe2e_opened *res = &open_event_add(op, XE2E_OPEN_STANZA)->opened;

	res->received = it->st;
	res->err = err;
	res->reason = why;
	res->flags = flags | (err == XE2E_E_REPLAY && !strcmp(why, "replay") ? XE2E_OPENED_REPLAY
									    : 0);
	xe2e_say(res->detail, sizeof(res->detail), "%s", detail ? detail : "");
}

/* ---- before the cryptography ---- */

/*
 * A stanza without a seal is never passed on; only one that its session
 * should have sealed is a refusal (unsealed.h). A plain message from
 * someone without a session is worth telling, so that it is not lost
 * unseen; the server's own stanzas and presence are passed over.
 */
static void unsealed(struct xe2e_opener *op, const struct open_item *it)
{
	const unsigned over = XE2E_OPENED_NOT_SEALED | XE2E_OPENED_PASSED_OVER;

	switch (unsealed_kind_of(it->st)) {
	case UNSEALED_REFUSED:
		open_refuse(op, it, XE2E_E_NOTFOUND, "not sealed", "plaintext is never passed on",
			    XE2E_OPENED_NOT_SEALED);
		break;
	case UNSEALED_PLAIN:
		if (!strcmp(it->st->name, "message"))
			open_refuse(op, it, XE2E_E_NOTFOUND, "not sealed",
				    "no session with the sender; plaintext is never passed on",
				    over | XE2E_OPENED_NOTEWORTHY);
		else
			open_refuse(op, it, XE2E_E_NOTFOUND, "not sealed",
				    "no session with the sender", over);
		break;
	default:
		open_refuse(op, it, XE2E_E_NOTFOUND, "not sealed",
			    "not an xe2e stanza (presence or the server's)", over);
		break;
	}
}

/* The session in use of id; one that comes into use now is told. */
static int session_use(struct xe2e_opener *op, const uint8_t id[static SESSION_ID_LEN],
		       struct channel **ch)
{
	struct xe2e_session info;
	int err;

	memset(&info, 0, sizeof(info));
	err = session_cache_get(&op->sessions, id, ch, &info);
	if (!err && (info.flags & XE2E_SESSION_LOADED))
		open_event_add(op, XE2E_OPEN_SESSION)->session = info;
	return err;
}

/* 1 when finding a session failed on a session file that cannot be read
 * (named in the detail), not on the stanza. */
static int session_unreadable(int err)
{
	return err == XE2E_E_MALFORMED || err == XE2E_E_PERM || err == XE2E_E_LIMIT ||
	       err == XE2E_E_IO;
}

/* The session of a sealed stanza, by its sender's bare JID and the tag;
 * *unreadable tells a session file that cannot be read from a stanza that
 * has no session. */
static int session_find(struct xe2e_opener *op, struct open_item *it, int *unreadable)
{
	const char *from = it->rx.env.addr.from;
	char bare[JID_MAX + 1];
	uint8_t id[SESSION_ID_LEN];
	int err = sealed_stanza_header(&it->rx);

	if (err)
		return err;
	if (!from) {
		err_detail_set("no 'from'");
		return XE2E_E_MALFORMED;
	}
	if ((err = jid_normalize_bare(from, bare)))
		return err;
	err = channel_index_find(&op->idx, bare, it->rx.tag, id);
	if (!err)
		err = session_use(op, id, &it->ch);
	*unreadable = session_unreadable(err);
	return err;
}

/* The own identity with the device key, loaded once. */
static int self_load(struct xe2e_opener *op, uint64_t now)
{
	if (op->have_self || op->self_err)
		return op->self_err;
	op->self = (struct identity)IDENTITY_INIT;
	op->self_err = identity_load(&op->self, IDENTITY_LOAD_DEVICE_KEY, op->opts.pp, now);
	if (op->opts.pp)
		passphrase_wipe(op->opts.pp);
	op->have_self = !op->self_err;
	return op->self_err;
}

/* Refuses, before any cryptography, a stanza whose 'from' has a resource
 * its sender did not bind, when require_resource asks it. */
static int resource_check(const struct xe2e_opener *op, struct open_item *it)
{
	if (!op->opts.require_resource ||
	    envelope_from_authenticated(&it->rx.env.addr, it->rx.sender_full))
		return XE2E_OK;
	err_detail_set("its sender did not bind the resource of 'from', so the server may have "
		       "set or rewritten it (--require-resource)");
	it->unbound = 1;
	return XE2E_E_AUTH;
}

/* An initial message: its addresses and associated data. */
static int initial_prepare(struct xe2e_opener *op, struct open_item *it, uint64_t now)
{
	const struct envelope_addr *a = &it->rx.env.addr;
	int err = self_load(op, now);

	if (!err && !a->from) {
		err_detail_set("no 'from'");
		err = XE2E_E_MALFORMED;
	}
	if (!err)
		err = jid_normalize_bare(a->from, it->from_bare);
	if (!err)
		err = envelope_check_route(a, op->self.jid, it->from_bare);
	if (!err)
		err = sealed_stanza_header(&it->rx);
	if (!err)
		err = resource_check(op, it);
	if (!err)
		err = sealed_stanza_ad_open(&it->rx, op->self.jid, it->from_bare, &it->ad);
	it->initial = !err;
	return err;
}

/* A sealed stanza of a session: the session, the route, the associated data. */
static int session_prepare(struct xe2e_opener *op, struct open_item *it, int *unreadable)
{
	int err = session_find(op, it, unreadable);

	if (!err)
		err = envelope_check_route(&it->rx.env.addr, it->ch->self_bare, it->ch->peer_bare);
	if (!err)
		err = resource_check(op, it);
	if (!err)
		err = sealed_stanza_ad_open(&it->rx, it->ch->self_bare, it->ch->peer_bare, &it->ad);
	return err;
}

void open_item_prepare(struct xe2e_opener *op, struct open_item *it, uint64_t now)
{
	char cond[ENVELOPE_COND_MAX];
	int err, unreadable = 0;

	if (envelope_is_bounce(it->st, cond)) {
		open_refuse(op, it, XE2E_E_NOTFOUND, "bounced", *cond ? cond : "the server returned it",
			    XE2E_OPENED_BOUNCE);
		return;
	}
	err = sealed_stanza_read(it->st, &it->rx);
	if (!err && it->rx.form == SEALED_INITIAL) {
		if ((err = initial_prepare(op, it, now)) != XE2E_OK)
			open_refuse(op, it, err, it->unbound ? UNBOUND_REASON : open_initial_reason(err),
				    err_detail(), it->unbound ? XE2E_OPENED_UNBOUND : 0);
	} else if (err == XE2E_E_NOTFOUND) {
		unsealed(op, it);
	} else {
		if (!err)
			err = session_prepare(op, it, &unreadable);
		if (err) {
			open_refuse(op, it, err, unreadable ? "unreadable session"
						 : it->unbound ? UNBOUND_REASON : open_reason(err),
				    err_detail(), it->unbound ? XE2E_OPENED_UNBOUND : 0);
			it->ch = NULL;
		}
	}
	err_detail_clear();
}

/* ---- the outside only ---- */

/* The session of a sealed stanza by its sender and tag, as opening would
 * find it; 0 when there is none. Reads session files; locks and writes
 * nothing. */
static int inspect_session(struct xe2e_opener *op, const struct inspect_info *info,
			   uint8_t id[static SESSION_ID_LEN])
{
	char bare[JID_MAX + 1];
	int found = info->addr.from && !jid_normalize_bare(info->addr.from, bare) &&
		    !channel_index_find(&op->idx, bare, info->h.tag, id);

	err_detail_clear();
	return found;
}

int xe2e_inspect(struct xe2e_opener *op, const struct xml_node *stanza, struct xe2e_opened *res,
		 char **line)
{
	struct envelope env;
	struct inspect_info info;
	struct buf b = BUF_INIT;
	uint8_t id[SESSION_ID_LEN];
	int err;

	memset(res, 0, sizeof(*res));
	memset(&env, 0, sizeof(env));
	*line = NULL;
	res->received = stanza;
	err = inspect_parse(stanza, &env, &info);
	if (!err)
		err = inspect_format(&info, inspect_session(op, &info, id) ? id : NULL,
				     SESSION_ID_LEN, &b);
	if (!err)
		err = buf_terminate(&b);
	if (err == XE2E_E_NOTFOUND) {
		res->reason = "not sealed";
		res->flags = XE2E_OPENED_NOT_SEALED;
		xe2e_say(res->detail, sizeof(res->detail), "%s",
			 xml_find_child(stanza, OFFLINE_ELEMENT, XE2E_NS)
				 ? "an initial message (prekeys), not inspected"
				 : "no <sealed/> element");
	} else if (err) {
		res->reason = open_reason(err);
		xe2e_say(res->detail, sizeof(res->detail), "%s", err_detail());
	} else {
		*line = (char *)b.data;
		b = (struct buf)BUF_INIT;
	}
	err_detail_clear();
	envelope_free(&env);
	buf_free(&b);
	return res->err = err;
}
