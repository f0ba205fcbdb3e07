/*
 * The sealer of xe2e.h: which session and which device a stanza goes to,
 * its outer addresses, presence that passes unsealed, the first stanza to
 * a bundle, and ratchet stanzas for due DH steps. The sealed stanza itself
 * is sealed_stanza.h's.
 */
#include "xe2e.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "inspect.h"
#include "offline_session.h"
#include "ratchet.h"
#include "sealed_stanza.h"
#include "session_cache.h"
#include "session_missing.h"
#include "stanza_frame.h"
#include "util.h"
#include "xe2e_int.h"

struct xe2e_sealer {
	struct xe2e_seal_opts opts;
	int has_session;
	uint8_t session[SESSION_ID_LEN];
	struct session_cache sessions;
	/* For a bundle: the identity, the checked bundle, and whether its
	 * initial message is still to be sealed. */
	struct identity self;
	int have_self;
	struct offline_target target;
	int have_target;
	int bundle_pending;
};

void xe2e_seal_opts_init(struct xe2e_seal_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_stanza = XE2E_MAX_STANZA_DEFAULT;
	o->step_interval = RATCHET_STEP_INTERVAL;
	o->idle = XE2E_RATCHET_IDLE_DEFAULT;
	o->writers = 1;
}

int xe2e_sealer_new(struct xe2e_sealer **out, const struct xe2e_seal_opts *o)
{
	struct xe2e_sealer *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return XE2E_E_NOMEM;
	s->opts = *o;
	if (o->session) {
		memcpy(s->session, o->session, SESSION_ID_LEN);
		s->has_session = 1;
	}
	s->opts.session = NULL;
	s->sessions.opts.step_interval = o->step_interval;
	s->sessions.opts.writers = o->writers;
	s->sessions.refuse_untrusted = 1;
	s->self = (struct identity)IDENTITY_INIT;
	*out = s;
	return XE2E_OK;
}

static struct sealed_stanza_opts sealed_opts(const struct xe2e_sealer *s)
{
	struct sealed_stanza_opts o = {s->opts.max_stanza, 0, s->opts.fallback_body,
				       "--max-stanza"};

	return o;
}

/* ---- the session and the addresses ---- */

/* The session in use of id; res learns of it. */
static int session_use(struct xe2e_sealer *s, const uint8_t id[static SESSION_ID_LEN],
		       struct xe2e_sealed *res, struct channel **ch)
{
	struct xe2e_session info;
	int err;

	memset(&info, 0, sizeof(info));
	if ((err = session_cache_get(&s->sessions, id, ch, &info)))
		return err;
	if (info.flags & XE2E_SESSION_LOADED)
		res->session = info;
	else
		session_cache_describe(*ch, &res->session);
	return XE2E_OK;
}

/* The session a stanza goes to: opts.session, or the current one of the peer. */
static int session_for(struct xe2e_sealer *s, const char *to, struct xe2e_sealed *res,
		       struct channel **ch)
{
	char bare[JID_MAX + 1];
	uint8_t id[SESSION_ID_LEN];
	int err;

	if (s->has_session)
		return session_use(s, s->session, res, ch);
	if (!to) {
		err_detail_set("the stanza has no 'to' and no --to was given");
		return XE2E_E_MALFORMED;
	}
	if ((err = jid_normalize_bare(to, bare)))
		return err;
	err = session_current_get(bare, id);
	if (err == XE2E_E_NOTFOUND) {
		char why[XE2E_DETAIL_MAX];

		session_missing(bare);
		snprintf(why, sizeof(why), "%s", err_detail());
		err_detail_set("%s (nothing is sent in plaintext)", why);
		return err;
	}
	return err ? err : session_use(s, id, res, ch);
}

/* The 'to' of the sealed stanza: the session's device. */
static int outer_to(const struct channel *ch, const char *to, const char **out)
{
	struct jid in, sess;

	*out = ch->peer_full;
	if (!to)
		return XE2E_OK;
	if (jid_parse(to, &in) || jid_parse(ch->peer_full, &sess))
		return XE2E_E_MALFORMED;
	if (!jid_same_bare(to, ch->peer_full)) {
		err_detail_set("'to' is %.200s but the session is with %s", to, ch->peer_bare);
		return XE2E_E_MALFORMED;
	}
	if (!sess.resource[0])
		*out = to;
	else if (in.resource[0] && strcmp(in.resource, sess.resource)) {
		err_detail_set("'to' is %.200s but the session belongs to the device %s "
			       "(use --session for another one)", to, ch->peer_full);
		return XE2E_E_MALFORMED;
	}
	return XE2E_OK;
}

/*
 * The 'from' of the sealed stanza: the plain stanza's, else opts.from,
 * else the own bare JID (the server then adds a resource that the seal
 * does not authenticate). self_what names the own JID self_bare in errors.
 */
static int outer_from(const struct xe2e_sealer *s, const char *from, const char *self_bare,
		      const char *self_what, const char **out)
{
	const char *opt = s->opts.from;

	*out = from ? from : opt ? opt : self_bare;
	if (from && !jid_same_bare(from, self_bare)) {
		err_detail_set("'from' is %.200s, not %s %s", from, self_what, self_bare);
		return XE2E_E_MALFORMED;
	}
	if (opt && !jid_same_bare(opt, self_bare)) {
		err_detail_set("--from %.200s is not %s %s", opt, self_what, self_bare);
		return XE2E_E_MALFORMED;
	}
	if (from && opt && !jid_same_full(from, opt)) {
		err_detail_set("'from' is %.200s, not --from %.200s", from, opt);
		return XE2E_E_MALFORMED;
	}
	return XE2E_OK;
}

/* Subscription management and broadcast presence are for the server:
 * 1 (with the reason in res) when st is such presence. */
static int presence_passes(const struct xe2e_sealer *s, const struct xml_node *st,
			   struct xe2e_sealed *res)
{
	static const char *const types[] = {"subscribe", "subscribed", "unsubscribe",
					    "unsubscribed", "probe"};
	const char *type = xml_get_attr(st, "type"), *to = xml_get_attr(st, "to");

	if (!to && !s->opts.to && !s->has_session) {
		snprintf(res->detail, sizeof(res->detail),
			 "presence without 'to' is broadcast by the server: passed on unsealed");
		return 1;
	}
	for (size_t i = 0; type && i < ARRAY_SIZE(types); i++) {
		if (!strcmp(type, types[i])) {
			snprintf(res->detail, sizeof(res->detail),
				 "presence of type '%s' is for the server: passed on unsealed", type);
			return 1;
		}
	}
	return 0;
}

/* ---- sealing ---- */

/* The first stanza to the bundle: the initial message of a new session,
 * from this identity to the peer of opts.to (its resource, if the stanza
 * names one). */
static int seal_initial(struct xe2e_sealer *s, const struct xml_node *st, struct envelope_addr *a,
			uint64_t now, struct xe2e_sealed *res)
{
	struct sealed_stanza_opts o = sealed_opts(s);
	struct sealed_initial started;
	struct channel *ch;
	int err;

	if (!a->to)
		a->to = s->target.peer;
	err = outer_from(s, a->from, s->self.jid, "this identity's JID", &a->from);
	if (!err)
		err = sealed_stanza_seal_initial(&s->self, &s->target, a, st, &o, now, &res->stanza,
						 &started);
	if (err)
		return err;
	/* The new session, for the stanzas after it (and what to tell of it). */
	err = session_use(s, started.id, res, &ch);
	res->session.flags |= XE2E_SESSION_STARTED |
			      (started.used_opk ? XE2E_SESSION_ONE_TIME_PREKEY : 0);
	if (err)
		strcpy(res->session.peer_bare, s->target.peer_bare);
	return err;
}

/* A stanza in the session of its peer. */
static int seal_in_session(struct xe2e_sealer *s, const struct xml_node *st,
			   struct envelope_addr *a, const char *to, uint64_t now,
			   struct xe2e_sealed *res)
{
	struct sealed_stanza_opts o = sealed_opts(s);
	struct channel *ch = NULL;
	int err = session_for(s, to, res, &ch);

	if (!err)
		err = outer_to(ch, to, &a->to);
	if (!err)
		err = outer_from(s, a->from, ch->self_bare, "this session's own JID", &a->from);
	if (!err)
		err = sealed_stanza_seal(ch, a, st, &o, now, &res->stanza, NULL);
	return err;
}

static int seal_stanza(struct xe2e_sealer *s, const struct xml_node *st, uint64_t now,
		       struct xe2e_sealed *res)
{
	struct envelope_addr a;
	const char *to;
	int err = sealed_stanza_addr(st, &a);

	to = a.to ? a.to : s->opts.to;
	if (!err && s->opts.to && to && !jid_same_bare(to, s->opts.to)) {
		err_detail_set("'to' is %.200s, not --to %.200s", to, s->opts.to);
		err = XE2E_E_MALFORMED;
	}
	if (!err && s->bundle_pending)
		err = seal_initial(s, st, &a, now, res);
	else if (!err)
		err = seal_in_session(s, st, &a, to, now, res);
	if (!err)
		s->bundle_pending = 0;
	return err;
}

/* Puts the detail of a refusal in res: one line whatever the stanza's
 * addresses hold. A session too old or too used needs a handshake. */
static int refused(const struct xe2e_sealer *s, int err, struct xe2e_sealed *res)
{
	char line[XE2E_DETAIL_MAX];

	xml_free(res->stanza);
	res->stanza = NULL;
	inspect_line_safe(err_detail(), line, sizeof(line));
	xe2e_say(res->detail, sizeof(res->detail), "%s%s", line,
		 err == XE2E_E_EXPIRED && !s->bundle_pending ? ": run a new handshake" : "");
	err_detail_clear();
	return res->err = err;
}

int xe2e_seal(struct xe2e_sealer *s, const struct xml_node *plain, uint64_t now,
	      struct xe2e_sealed *res)
{
	enum stanza_kind kind;
	int err;

	memset(res, 0, sizeof(*res));
	err = stanza_kind_of(plain, &kind);
	if (!err && kind == STANZA_PRESENCE && presence_passes(s, plain, res)) {
		res->flags |= XE2E_SEALED_PASSED;
		return XE2E_OK;
	}
	if (!err)
		err = seal_stanza(s, plain, now, res);
	return err ? refused(s, err, res) : XE2E_OK;
}

/* ---- a bundle ---- */

int xe2e_sealer_identity(struct xe2e_sealer *s, struct passphrase *pp, uint64_t now)
{
	int err;

	identity_free(&s->self);
	s->self = (struct identity)IDENTITY_INIT;
	err = identity_load(&s->self, IDENTITY_LOAD_DEVICE_KEY, pp, now);
	s->have_self = !err;
	return err;
}

int xe2e_sealer_bundle(struct xe2e_sealer *s, const char *path, uint64_t now,
		       struct xe2e_bundle_info *info)
{
	int err;

	memset(info, 0, sizeof(*info));
	if (!s->have_self || !s->opts.to) {
		err_detail_set("a bundle needs the own identity and the peer's JID");
		return XE2E_E_STATE;
	}
	if (s->have_target)
		offline_target_free(&s->target);
	s->have_target = 0;
	s->bundle_pending = 0;
	err = offline_target_load(path, s->opts.to, now, &s->target);
	if (err) {
		offline_target_free(&s->target); /* a refused bundle may hold what was read */
		return err;
	}
	s->have_target = 1;
	s->bundle_pending = 1;
	strcpy(info->peer_bare, s->target.peer_bare);
	info->n_opk = s->target.b.n_opk;
	if (info->n_opk == 0)
		xe2e_say(info->warning, sizeof(info->warning),
			 "the bundle of %s has no usable one-time prekey: sealing with its signed "
			 "prekey alone, so the first stanza can be read with %s's keys until that "
			 "prekey is deleted (up to %llu days)", info->peer_bare, info->peer_bare,
			 (unsigned long long)((PREKEY_SPK_LIFETIME + PREKEY_GRACE) / 86400));
	return XE2E_OK;
}

int xe2e_sealer_bundle_pending(const struct xe2e_sealer *s)
{
	return s->bundle_pending;
}

/* ---- ratchet stanzas ---- */

/* 1 when the session's due DH step waited opts.idle seconds for a stanza. */
static int ratchet_due(const struct xe2e_sealer *s, struct channel *ch, uint64_t now)
{
	uint64_t since;

	if (!channel_step_due(ch, now, &since))
		return 0;
	if (since < ch->last_send)
		since = ch->last_send;
	return now >= since && now - since >= s->opts.idle;
}

/* A headline to the session's device that only carries the step. */
static int ratchet_stanza(struct xe2e_sealer *s, struct channel *ch, uint64_t now,
			  struct xe2e_sealed *res)
{
	struct envelope_addr a = {STANZA_MESSAGE, ch->peer_full, ch->self_bare, "headline", NULL};
	struct sealed_stanza_opts o = sealed_opts(s);
	int err;

	memset(res, 0, sizeof(*res));
	res->flags = XE2E_SEALED_RATCHET;
	session_cache_describe(ch, &res->session);
	err = channel_release(ch);
	if (!err)
		err = outer_from(s, NULL, ch->self_bare, "this session's own JID", &a.from);
	if (!err)
		err = sealed_stanza_seal(ch, &a, NULL, &o, now, &res->stanza, NULL);
	if (err) {
		ch->last_send = now; /* try again after another idle period */
		xml_free(res->stanza);
		res->stanza = NULL;
		snprintf(res->detail, sizeof(res->detail), "%s", err_detail());
		err_detail_clear();
	}
	return res->err = err;
}

int xe2e_sealer_tick(struct xe2e_sealer *s, uint64_t now, size_t *cursor,
		     struct xe2e_sealed *res)
{
	while (*cursor < s->sessions.n) {
		struct channel *ch = s->sessions.ch[(*cursor)++];

		if (ratchet_due(s, ch, now))
			return ratchet_stanza(s, ch, now, res);
	}
	return XE2E_E_EOF;
}

unsigned xe2e_sealer_tick_ms(const struct xe2e_sealer *s)
{
	uint64_t ms = (uint64_t)s->opts.idle * 1000 / 8;

	return ms < 50 ? 50 : ms > 10000 ? 10000 : (unsigned)ms;
}

/* ---- the end ---- */

int xe2e_sealer_release(struct xe2e_sealer *s)
{
	return session_cache_release(&s->sessions);
}

void xe2e_sealer_free(struct xe2e_sealer *s)
{
	if (!s)
		return;
	session_cache_free(&s->sessions);
	identity_free(&s->self);
	if (s->have_target)
		offline_target_free(&s->target);
	wipe(s, sizeof(*s));
	free(s);
}
