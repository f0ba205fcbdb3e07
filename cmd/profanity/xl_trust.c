/* The peer's trust entries shown and withdrawn (xl_trust.h). */
#include "xl_trust.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "session.h"
#include "trust.h"
#include "trust_withdraw.h"

/* A line for say(), printf-style. */
static void say_f(xl_say_fn say, void *ctx, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say_f(xl_say_fn say, void *ctx, const char *fmt, ...)
{
	struct xl_line l;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l.text, sizeof(l.text), fmt, ap);
	va_end(ap);
	say(ctx, l.text);
}

/* A time as xe2e-trustdb writes it, 2026-11-26T06:38:27Z; 0 is never. */
static const char *time_text(uint64_t t, char out[static 32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !gmtime_r(&tt, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return "never";
	return out;
}

/* What the level says, and what made it so. */
static void level_text(const struct trust_peer *p, char out[static XL_LINE_MAX])
{
	const char *how;

	switch (p->level) {
	case TRUST_TOFU: how = "believed on first use, not verified: /xe2e verify"; break;
	case TRUST_VERIFIED: how = "compared: a code, a shared secret or the fingerprint"; break;
	case TRUST_ANCHORED:
		how = p->openpgp[0] ? "certified by the OpenPGP key" : "certified by an X.509 "
			"chain to a configured CA";
		break;
	case TRUST_PINNED: how = "set by hand"; break;
	case TRUST_MISMATCH:
		how = "a comparison failed, someone may be intercepting: /xe2e trust forget, "
		      "then /xe2e start and /xe2e verify";
		break;
	default: how = "withdrawn, never accepted again"; break;
	}
	snprintf(out, XL_LINE_MAX, "%s (%s%s%s)", trust_level_name(p->level), how,
		 p->level == TRUST_ANCHORED && p->openpgp[0] ? " " : "",
		 p->level == TRUST_ANCHORED ? p->openpgp : "");
}

/* The identity fingerprint of the peer's current session, if any. */
static int current_fpr(const char *peer, uint8_t fpr[static FINGERPRINT_LEN])
{
	uint8_t id[SESSION_ID_LEN];
	struct session s;
	int ok;

	memset(&s, 0, sizeof(s));
	ok = !session_current_get(peer, id) && !session_read(id, &s);
	if (ok)
		memcpy(fpr, s.peer_fpr, FINGERPRINT_LEN);
	session_free(&s);
	err_detail_clear();
	return ok;
}

static void show_entry(const struct trust_peer *p, int current, xl_say_fn say, void *ctx)
{
	char fpr[FINGERPRINT_TEXT_LEN], flags[TRUST_FLAGS_TEXT_LEN], level[XL_LINE_MAX];
	char first[32], last[32], created[32], expires[32];

	fingerprint_format(p->fpr, fpr);
	trust_flags_format(p->flags, flags);
	level_text(p, level);
	say_f(say, ctx, "identity %s%s: %s", fpr, current ? " (this session's)" : "", level);
	say_f(say, ctx, "  flags %s, first seen %s, last seen %s", flags,
	      time_text(p->first_seen, first), time_text(p->last_seen, last));
	for (size_t i = 0; i < p->n_devices; i++) {
		const struct trust_device *d = &p->devices[i];

		say_f(say, ctx, "  device %08" PRIx32 ", created %s, expires %s", d->id,
		      time_text(d->created, created), time_text(d->expires, expires));
	}
}

static int bare(const char *peer, char out[static JID_MAX + 1], struct xl_line *why)
{
	if (!jid_normalize_bare(peer, out))
		return XE2E_OK;
	xl_line_set(why, "not a JID");
	return XE2E_E_MALFORMED;
}

int xl_trust_show(const char *peer, xl_say_fn say, void *ctx, struct xl_line *why)
{
	struct trust_db db = TRUST_DB_INIT;
	uint8_t cur[FINGERPRINT_LEN];
	char jid[JID_MAX + 1];
	const struct trust_peer *p = NULL;
	int has_cur, err, n = 0;

	if ((err = bare(peer, jid, why)))
		return err;
	if ((err = trust_load(NULL, &db))) {
		xl_line_set(why, "cannot read the trust store: %s (%s)",
			 err_str(err), err_detail());
		err_detail_clear();
		return err;
	}
	has_cur = current_fpr(jid, cur);
	while ((p = trust_next_by_jid(&db, jid, p)) && ++n)
		show_entry(p, has_cur && !memcmp(p->fpr, cur, FINGERPRINT_LEN), say, ctx);
	trust_free(&db);
	if (n)
		return XE2E_OK;
	xl_line_set(why, "no trust entry for %s (/xe2e start makes one)", jid);
	return XE2E_E_NOTFOUND;
}

int xl_trust_withdraw(const char *peer, enum xl_withdraw how, struct xl_line *line)
{
	char jid[JID_MAX + 1];
	size_t n;
	int err;

	if ((err = bare(peer, jid, line)))
		return err;
	err = trust_withdraw(NULL, how == XL_REVOKE ? TRUST_WITHDRAW_REVOKE : TRUST_WITHDRAW_FORGET,
			     jid, NULL, &n);
	if (err)
		xl_line_set(line, "%s: %s (%s)", how == XL_REVOKE ?
			 "not revoked" : "not forgotten", err_str(err), err_detail());
	else if (how == XL_REVOKE)
		xl_line_set(line, "revoked: %zu identity key%s of %s, never "
			 "accepted again; nothing more is sealed to the peer", n, n == 1 ? "" : "s", jid);
	else
		xl_line_set(line, "forgotten: %zu identity key%s of %s, as if "
			 "never seen; the session made with it stays current until /xe2e start makes "
			 "a new one", n, n == 1 ? "" : "s", jid);
	err_detail_clear();
	return err;
}
