/*
 * The plugin's use of the xe2e library (xe2e_lib.h): the stanza-level API
 * (xe2e.h) for sealing and opening, the handshake driver (handshake_run.h)
 * for sessions, and the identity, session and trust files for what the
 * person is told. No copy of what the programs do: they call the same.
 */
#include "xe2e_lib.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "envelope.h"
#include "err.h"
#include "handshake_nego.h"
#include "handshake_run.h"
#include "identity.h"
#include "inspect.h"
#include "passphrase.h"
#include "session.h"
#include "trust.h"
#include "verify_run.h"
#include "xe2e.h"
#include "xml.h"

struct xl {
	char self_bare[JID_MAX + 1];
	char self_full[JID_MAX + 1];
	const char *resource;          /* into self_full, or NULL */
	struct identity id;
	int id_loaded;
	struct passphrase pp;
	struct xe2e_sealer *sealer;
	struct xe2e_opener *opener;
};

/* The plugin's own element, only ever inside a seal: a request to start a
 * verification run (xl_verify_request). */
#define XL_NS "urn:xe2e:profanity:0"

struct xl_verify {
	struct xl *x;
	struct verify_run *run;
	struct verify_run_out out;
};

struct xl_hs {
	struct xl *x;
	struct handshake_run *run;
	struct handshake_run_out out;
	char peer[JID_MAX + 1];
};

static uint64_t now(void)
{
	return (uint64_t)time(NULL);
}

void xl_line_set(struct xl_line *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->text, sizeof(l->text), fmt, ap);
	va_end(ap);
}

/* The line made safe to show: control characters of a stanza's text are
 * not passed to the terminal. */
static void line_safe(struct xl_line *l)
{
	char tmp[XL_LINE_MAX];

	inspect_line_safe(l->text, tmp, sizeof(tmp));
	memcpy(l->text, tmp, sizeof(tmp));
}

/* "what: the error (its detail)", the detail being the library's last. */
static void line_err(struct xl_line *l, int err, const char *what)
{
	const char *d = err_detail();

	if (d && *d)
		xl_line_set(l, "%s: %s (%s)", what, err_str(err), d);
	else
		xl_line_set(l, "%s: %s", what, err_str(err));
	line_safe(l);
	err_detail_clear();
}

static char *dup_text(const char *p, size_t len)
{
	char *s = malloc(len + 1);

	if (s) {
		memcpy(s, p, len);
		s[len] = '\0';
	}
	return s;
}

/* ---- the handle ---- */

int xl_new(struct xl **out, const char *own_full)
{
	struct xl *x = calloc(1, sizeof(*x));
	struct jid j;
	int err;

	*out = NULL;
	if (!x)
		return XE2E_E_NOMEM;
	x->id = (struct identity)IDENTITY_INIT;
	if ((err = jid_parse(own_full, &j))) {
		free(x);
		return err;
	}
	jid_bare(&j, x->self_bare);
	jid_full(&j, x->self_full);
	x->resource = strchr(x->self_full, '/');
	if (x->resource)
		x->resource++;
	/* The passphrase of a protected device key: XE2E_PASSPHRASE only
	 * (Profanity owns the terminal, so there is no prompt). */
	if ((err = passphrase_init(&x->pp, NULL, 0))) {
		free(x);
		return err;
	}
	*out = x;
	return XE2E_OK;
}

void xl_reload(struct xl *x)
{
	if (x->sealer) {
		xe2e_sealer_release(x->sealer);
		xe2e_sealer_free(x->sealer);
		x->sealer = NULL;
	}
	xe2e_opener_free(x->opener);
	x->opener = NULL;
	err_detail_clear();
}

void xl_free(struct xl *x)
{
	if (!x)
		return;
	xl_reload(x);
	if (x->id_loaded)
		identity_free(&x->id);
	passphrase_wipe(&x->pp);
	free(x);
}

const char *xl_self(const struct xl *x)
{
	return x->self_bare;
}

/* The own identity with its device key; must name the account's JID. */
static int identity_ready(struct xl *x, struct xl_line *why)
{
	int err;

	if (x->id_loaded)
		return XE2E_OK;
	err = identity_load(&x->id, IDENTITY_LOAD_DEVICE_KEY, &x->pp, now());
	if (err) {
		line_err(why, err, "cannot load the own identity (made by xe2e-keygen)");
		return err;
	}
	x->id_loaded = 1;
	if (!jid_same_bare(x->id.jid, x->self_bare)) {
		xl_line_set(why, "the identity in XE2E_HOME is %s's, not this account's (%s)",
			 x->id.jid, x->self_bare);
		return XE2E_E_STATE;
	}
	return XE2E_OK;
}

static int sealer_ready(struct xl *x, struct xl_line *why)
{
	struct xe2e_seal_opts o;
	int err;

	if (x->sealer)
		return XE2E_OK;
	xe2e_seal_opts_init(&o);
	o.from = x->self_full;
	if ((err = xe2e_sealer_new(&x->sealer, &o)))
		line_err(why, err, "cannot seal");
	return err;
}

static int opener_ready(struct xl *x, struct xl_line *why)
{
	struct xe2e_open_opts o = {.require_resource = 0, .pp = &x->pp};
	int err;

	if (x->opener)
		return XE2E_OK;
	if ((err = xe2e_opener_new(&x->opener, &o)))
		line_err(why, err, "cannot open");
	return err;
}

/* ---- a glance at a stanza ---- */

static void bare_of(const char *jid, char out[static JID_MAX + 1])
{
	out[0] = '\0';
	if (jid && jid_normalize_bare(jid, out))
		out[0] = '\0';
}

void xl_peek(const char *text, struct xl_peek *p)
{
	struct xml_node *st = NULL;

	memset(p, 0, sizeof(*p));
	if (xml_parse_element(text, strlen(text), NULL, &st))
		return;
	bare_of(xml_get_attr(st, "from"), p->from_bare);
	bare_of(xml_get_attr(st, "to"), p->to_bare);
	if (!strcmp(st->name, "message")) {
		p->has_body = xml_find_child(st, "body", XML_NS_CLIENT) != NULL;
		if (xml_find_child(st, "handshake", XE2E_NS))
			p->kind = XL_HANDSHAKE;
		else if (xml_find_child(st, "verify", XE2E_NS))
			p->kind = XL_VERIFY;
	}
	if (!p->kind && (xml_find_child(st, "sealed", XE2E_NS) ||
			 xml_find_child(st, "offline", XE2E_NS)))
		p->kind = XL_SEALED;
	xml_free(st);
}

/* ---- handshakes ---- */

/* The stanza the run gave to send, as malloc'd text, or NULL. */
static char *to_send(const struct handshake_run_out *o)
{
	if (!o->text.len)
		return NULL;
	return dup_text((const char *)o->text.data, o->text.len);
}

int xl_hs_new(struct xl *x, const char *peer, int initiator, struct xl_hs **out, char **send,
	      struct xl_line *why)
{
	struct handshake_run_config cfg = {
		.initiator = initiator, .resource = x->resource, .peer = peer, .now = now(),
	};
	enum handshake_run_stage stage;
	struct xl_hs *hs;
	int err;

	*out = NULL;
	*send = NULL;
	if ((err = identity_ready(x, why)))
		return err;
	if (!(hs = calloc(1, sizeof(*hs))))
		return XE2E_E_NOMEM;
	hs->x = x;
	hs->out = (struct handshake_run_out)HANDSHAKE_RUN_OUT_INIT;
	bare_of(peer, hs->peer);
	cfg.self = &x->id;
	hsnego_lists_default(&cfg.lists);
	err = handshake_run_new(&hs->run, &cfg, &stage);
	if (!err && initiator)
		err = handshake_run_start(hs->run, &hs->out);
	if (err) {
		line_err(why, err, stage == HANDSHAKE_RUN_STAGE_TRUST ? "cannot read the trust store"
				   : "cannot start the handshake");
		xl_hs_free(hs);
		return err;
	}
	*send = to_send(&hs->out);
	*out = hs;
	return XE2E_OK;
}

const char *xl_hs_peer(const struct xl_hs *hs)
{
	const char *p = handshake_run_peer(hs->run);

	return p && *p ? p : hs->peer;
}

static void done_line(const struct handshake_run_outcome *oc, struct xl_line *line)
{
	char id[SESSION_ID_TEXT_LEN];

	session_id_format(oc->session_id, id);
	xl_line_set(line, "session %.16s started, trust %s%s", id, trust_level_name(oc->trust),
		 oc->trust == TRUST_TOFU ? " (not verified yet: /xe2e verify)" : "");
}

enum xl_hs_state xl_hs_feed(struct xl_hs *hs, const char *text, char **send,
			    struct xl_line *line)
{
	int err = handshake_run_feed_text(hs->run, text, strlen(text), &hs->out);

	line->text[0] = '\0';
	*send = to_send(&hs->out);
	if (err) {
		line_err(line, err, "handshake failed");
		return XL_HS_FAILED;
	}
	switch (hs->out.event) {
	case HANDSHAKE_RUN_DONE:
		done_line(&hs->out.outcome, line);
		return XL_HS_DONE;
	case HANDSHAKE_RUN_FAILED:
		xl_line_set(line, "handshake failed");
		return XL_HS_FAILED;
	default:
		return XL_HS_GOING;
	}
}

void xl_hs_free(struct xl_hs *hs)
{
	if (!hs)
		return;
	handshake_run_out_free(&hs->out);
	handshake_run_free(hs->run);
	free(hs);
}

/* ---- sessions ---- */

int xl_has_session(const char *peer_bare)
{
	uint8_t id[SESSION_ID_LEN];

	return session_current_get(peer_bare, id) == XE2E_OK;
}

/* The trust store's level of the peer's identity fpr, or the session's. */
static enum trust_level level_now(const struct session *s)
{
	struct trust_db db = TRUST_DB_INIT;
	char path[STORE_PATH_MAX], bare[JID_MAX + 1];
	enum trust_level level = s->trust;
	struct trust_peer *p;

	bare_of(s->peer_jid, bare);
	if (!trust_default_path(path) && !trust_load(path, &db)) {
		p = trust_find(&db, bare, s->peer_fpr);
		if (p && (p->level == TRUST_MISMATCH || p->level == TRUST_REVOKED ||
			  p->level > level))
			level = p->level;
	}
	trust_free(&db);
	return level;
}

const char *xl_session_level(const char *peer_bare, int *verified, int *untrusted)
{
	uint8_t id[SESSION_ID_LEN];
	struct session s;
	enum trust_level level;

	*verified = *untrusted = 0;
	memset(&s, 0, sizeof(s));
	if (session_current_get(peer_bare, id) || session_read(id, &s))
		return NULL;
	level = level_now(&s);
	session_free(&s);
	*verified = level == TRUST_VERIFIED || level == TRUST_ANCHORED || level == TRUST_PINNED;
	*untrusted = level == TRUST_MISMATCH || level == TRUST_REVOKED;
	return trust_level_name(level);
}

int xl_session_line(const char *peer_bare, struct xl_line *line)
{
	uint8_t id[SESSION_ID_LEN];
	char idt[SESSION_ID_TEXT_LEN], fpr[FINGERPRINT_TEXT_LEN];
	struct session s;
	int err;

	memset(&s, 0, sizeof(s));
	if ((err = session_current_get(peer_bare, id))) {
		xl_line_set(line, "no session with %s (/xe2e start %s)", peer_bare, peer_bare);
		return err;
	}
	if ((err = session_read(id, &s))) {
		line_err(line, err, "cannot read the session");
		return err;
	}
	session_id_format(id, idt);
	fingerprint_format(s.peer_fpr, fpr);
	xl_line_set(line, "session %.16s with %s, trust %s, peer identity %s", idt, s.peer_jid,
		 trust_level_name(level_now(&s)), fpr);
	session_free(&s);
	return XE2E_OK;
}

/* ---- sealing ---- */

int xl_seal(struct xl *x, const char *text, char **out, struct xl_line *why)
{
	struct xe2e_sealed res;
	size_t len;
	int err;

	*out = NULL;
	if ((err = sealer_ready(x, why)))
		return err;
	memset(&res, 0, sizeof(res));
	err = xe2e_seal_text(x->sealer, text, strlen(text), now(), &res, out, &len);
	if (err) {
		xl_line_set(why, "not sent, it could not be sealed: %s%s%s", err_str(err),
			 res.detail[0] ? ": " : "", res.detail);
		line_safe(why);
	} else if (res.flags & XE2E_SEALED_PASSED) {
		/* Presence the server broadcasts, or a subscription: as it is
		 * (xe2e(7) SESSIONS "Sealed stanzas"). */
		free(*out);
		*out = NULL;
	}
	xe2e_sealed_free(&res);
	err_detail_clear();
	return err;
}

/* ---- opening ---- */

static void body_of(const struct xml_node *plain, struct xl_open_out *o)
{
	const struct xml_node *b = xml_find_child(plain, "body", XML_NS_CLIENT);
	const char *from = xml_get_attr(plain, "from");
	const char *slash = from ? strchr(from, '/') : NULL;

	if (slash)
		snprintf(o->resource, sizeof(o->resource), "%s", slash + 1);
	if (b)
		o->body = xml_text(b);
	if ((b = xml_find_child(plain, "verify-request", XL_NS))) {
		const char *m = xml_get_attr(b, "method");

		o->verify_request = m && !strcmp(m, "secret") ? XL_VERIFY_SECRET : XL_VERIFY_SAS;
	}
}

static enum xl_opened refused(struct xl_open_out *o, const struct xe2e_opened *r)
{
	xl_line_set(&o->line, "a stanza that did not open (%s)%s%s", r->reason ? r->reason : err_str(r->err),
		 r->detail[0] ? ": " : "", r->detail);
	line_safe(&o->line);
	return XL_OPENED_REFUSED;
}

enum xl_opened xl_open(struct xl *x, const char *text, struct xl_open_out *o)
{
	struct xml_node *st = NULL;
	struct xe2e_opened r;
	enum xl_opened what;
	int err;

	memset(o, 0, sizeof(*o));
	if (opener_ready(x, &o->line))
		return XL_OPENED_REFUSED;
	if ((err = xml_parse_element(text, strlen(text), NULL, &st))) {
		line_err(&o->line, err, "a stanza that did not parse");
		return XL_OPENED_REFUSED;
	}
	bare_of(xml_get_attr(st, "from"), o->peer_bare);
	err = xe2e_open(x->opener, st, now(), &r, NULL);
	if (!err) {
		if (r.peer_bare[0])
			snprintf(o->peer_bare, sizeof(o->peer_bare), "%s", r.peer_bare);
		what = r.stanza ? XL_OPENED_SHOW : XL_OPENED_QUIET;
		if (r.stanza)
			body_of(r.stanza, o);
	} else if ((r.flags & XE2E_OPENED_NOT_SEALED) && (r.flags & XE2E_OPENED_PASSED_OVER)) {
		what = XL_OPENED_PASS;
	} else {
		what = refused(o, &r);
	}
	xe2e_opened_free(&r);
	xml_free(st);
	err_detail_clear();
	return what;
}

void xl_open_out_release(struct xl_open_out *o)
{
	free(o->body);
	o->body = NULL;
}

/* ---- verification runs ---- */

int xl_verify_request(struct xl *x, const char *peer_bare, int secret, char **send,
		      struct xl_line *why)
{
	char text[2 * JID_MAX + 256];

	snprintf(text, sizeof(text),
		 "<message to='%s' type='chat'><verify-request xmlns='" XL_NS "' method='%s'/>"
		 "<no-permanent-store xmlns='urn:xmpp:hints'/></message>",
		 peer_bare, secret ? "secret" : "sas");
	return xl_seal(x, text, send, why);
}

static char *stanza_text(const struct xml_node *st)
{
	struct buf b = BUF_INIT;
	char *s = NULL;

	if (st && !xml_serialize(st, &b))
		s = dup_text((const char *)b.data, b.len);
	buf_free(&b);
	return s;
}

static const char *mismatch_why(enum verify_run_mismatch m)
{
	switch (m) {
	case VERIFY_RUN_MISMATCH_FORGED: return "the peer's reveal did not match its commitment";
	case VERIFY_RUN_MISMATCH_LOCAL: return "you said the codes differ";
	case VERIFY_RUN_MISMATCH_PEER_FORGED: return "the peer found this side's reveal forged";
	default: return "the peer said the codes differ";
	}
}

/* The run is over: what it recorded, in one line. */
static enum xl_verify_state verify_over(struct xl_verify *v, struct xl_line *line)
{
	struct verify_run_record rec;

	memset(&rec, 0, sizeof(rec));
	verify_run_record(v->run, &rec);
	switch (rec.outcome) {
	case VERIFY_OUTCOME_MATCH:
		if (rec.match_err) {
			xl_line_set(line, "the codes matched, but recording it failed: %s (%s)",
				 err_str(rec.match_err), rec.match_detail);
			return XL_V_OVER;
		}
		xl_line_set(line, "verified: the peer's identity is now %s", trust_level_name(rec.level));
		return XL_V_VERIFIED;
	case VERIFY_OUTCOME_MISMATCH:
		xl_line_set(line, "MISMATCH: %s; %s (messages to the peer are no longer sealed: "
			 "to start over, /xe2e trust forget on both sides, /xe2e start, and "
			 "compare the codes by another way)",
			 mismatch_why(rec.mismatch),
			 rec.mismatch_recorded ? "recorded in the trust store" : "not recorded");
		return XL_V_OVER;
	case VERIFY_OUTCOME_FAILED:
		xl_line_set(line, "the shared secrets differ (%u failed runs with the peer)", rec.failures);
		return XL_V_OVER;
	default:
		xl_line_set(line, "verification ended without an outcome");
		return XL_V_OVER;
	}
}

/* After a call of the run: what to send and where the run stands. */
static enum xl_verify_state verify_after(struct xl_verify *v, int err, char **send,
					 struct xl_line *line)
{
	*send = stanza_text(v->out.stanza);
	line->text[0] = '\0';
	if (err) {
		line_err(line, err, "verification failed");
		return XL_V_OVER;
	}
	switch (v->out.event) {
	case VERIFY_RUN_SECRET_NEEDED:
		return XL_V_SECRET;
	case VERIFY_RUN_SAS:
		xl_line_set(line, "%s", v->out.code);
		return XL_V_CODE;
	case VERIFY_RUN_LIMIT:
		xl_line_set(line, "refused: too many failed shared-secret runs (%u)", v->out.failures);
		return XL_V_OVER;
	default:
		break;
	}
	if (v->out.over)
		return verify_over(v, line);
	return XL_V_GOING;
}

enum xl_verify_state xl_verify_new(struct xl *x, const char *peer_bare, int secret,
				   struct xl_verify **out, char **send, struct xl_line *line)
{
	struct verify_run_config cfg = {
		.peer = peer_bare, .resource = x->resource,
		.method = secret ? VERIFY_SPAKE2 : VERIFY_SAS,
	};
	enum verify_run_stage stage;
	struct xl_verify *v;
	int err;

	*out = NULL;
	*send = NULL;
	if (!(v = calloc(1, sizeof(*v)))) {
		xl_line_set(line, "out of memory");
		return XL_V_OVER;
	}
	v->x = x;
	v->out = (struct verify_run_out)VERIFY_RUN_OUT_INIT;
	if ((err = verify_run_new(&v->run, &cfg, &stage))) {
		line_err(line, err, "cannot verify");
		free(v);
		return XL_V_OVER;
	}
	*out = v;
	return verify_after(v, verify_run_start(v->run, now(), &v->out), send, line);
}

enum xl_verify_state xl_verify_feed(struct xl_verify *v, const char *text, char **send,
				    struct xl_line *line, int *taken)
{
	struct xml_node *st = NULL;
	int err;

	*send = NULL;
	*taken = 0;
	line->text[0] = '\0';
	if (xml_parse_element(text, strlen(text), NULL, &st))
		return XL_V_GOING;
	err = verify_run_feed(v->run, st, now(), &v->out);
	xml_free(st);
	if (!err && v->out.event == VERIFY_RUN_SKIPPED) {
		err_detail_clear();
		return XL_V_GOING;
	}
	*taken = 1;
	if (!err && v->out.event == VERIFY_RUN_SKIPPED_BAD) {
		line_err(line, v->out.skipped, "a stanza of the peer during verification, dropped");
		*send = stanza_text(v->out.stanza);
		return XL_V_GOING;
	}
	return verify_after(v, err, send, line);
}

enum xl_verify_state xl_verify_answer(struct xl_verify *v, int yes, char **send,
				      struct xl_line *line)
{
	int err = verify_run_answer(v->run, yes ? VERIFY_ANSWER_YES : VERIFY_ANSWER_NO,
				    VERIFY_REASON_NONE, now(), &v->out);

	return verify_after(v, err, send, line);
}

enum xl_verify_state xl_verify_secret(struct xl_verify *v, const char *secret, char **send,
				      struct xl_line *line)
{
	int err = verify_run_secret(v->run, secret, strlen(secret), now(), &v->out);

	return verify_after(v, err, send, line);
}

void xl_verify_free(struct xl_verify *v, char **send)
{
	if (send)
		*send = NULL;
	if (!v)
		return;
	if (send && !v->out.over && !verify_run_abort(v->run, now(), &v->out))
		*send = stanza_text(v->out.stanza);
	verify_run_out_free(&v->out);
	verify_run_free(v->run);
	free(v);
}
