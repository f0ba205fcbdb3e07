/* Sessions started from prekeys: bundles against the trust store, session
 * files, the <offline/> element (see offline_session.h). */
#include "offline_session.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "handshake_msg.h"
#include "jid.h"
#include "store.h"
#include "trust.h"
#include "util.h"

_Static_assert(OFFLINE_SUITE_CHACHAPOLY == HS_SUITE_CHACHAPOLY &&
		       OFFLINE_SUITE_AESGCM == HS_SUITE_AESGCM,
	       "offline and handshake suites share their codes");

/* ---- the trust store ---- */

/* The fingerprint and device key the store holds for a JID's device. */
static void known_device(const struct trust_db *db, const char *jid, uint32_t device_id,
			 struct bundle_known *known)
{
	const struct trust_peer *p = NULL;
	const struct trust_device *d;

	known->fpr = NULL;
	known->device_pub = NULL;
	while ((p = trust_next_by_jid(db, jid, p))) {
		if (p->level == TRUST_REVOKED || !(d = trust_peer_device(p, device_id)))
			continue;
		known->fpr = p->fpr;
		known->device_pub = d->pub;
		return;
	}
}

/* What to record of a peer, and what the store then says. */
struct record {
	const char *jid;
	const uint8_t *fpr;
	const struct trust_device *device; /* NULL: the store holds it already */
	uint64_t now;
	enum trust_level level;
	int new_peer;
};

static int record_fn(struct trust_db *db, void *arg)
{
	struct record *r = arg;
	struct trust_peer *p = NULL;
	int err = trust_check_identity(db, r->jid, r->fpr, &p);

	r->new_peer = !err && !p;
	if (r->new_peer)
		err = trust_peer_add(db, r->jid, r->fpr, TRUST_TOFU, r->now, &p);
	/* Known only from this message until something establishes the key
	 * (trust.h); a known entry keeps its level and flags. */
	if (!err && r->new_peer)
		err = trust_peer_set_flags(db, r->jid, r->fpr, TRUST_FLAG_OFFLINE_ORIGIN);
	if (!err && r->device)
		err = trust_device_upsert(db, r->jid, r->fpr, r->device);
	if (!err)
		err = trust_peer_seen(db, r->jid, r->fpr, r->now);
	if (!err && (p = trust_find(db, r->jid, r->fpr)))
		r->level = p->level;
	return err;
}

static int record_peer(struct record *r)
{
	return trust_update(NULL, record_fn, r);
}

/* The policy against the store as it is now, without changing it. */
static int check_identity(const char *jid, const uint8_t fpr[static FINGERPRINT_LEN],
			  int *known, enum trust_level *level)
{
	struct trust_db db = TRUST_DB_INIT;
	struct trust_peer *p = NULL;
	int err = trust_load(NULL, &db);

	if (!err)
		err = trust_check_identity(&db, jid, fpr, &p);
	if (!err) {
		*known = p != NULL;
		*level = p ? p->level : TRUST_TOFU;
	}
	trust_free(&db);
	return err;
}

/* ---- sessions ---- */

/* What a session started from prekeys holds; the sender is the ratchet's
 * responder. peer is the peer's JID as the stanzas address it. */
static void session_fill(struct session *s, const struct offline_keys *k, const char *self,
			 const char *peer, const uint8_t fpr[static FINGERPRINT_LEN],
			 uint32_t device_id, const uint8_t device_pub[static X25519_LEN],
			 int sender, uint64_t now)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->id, k->session_id, SESSION_ID_LEN);
	s->state = SESSION_ACTIVE;
	s->role = sender ? SESSION_RESPONDER : SESSION_INITIATOR;
	s->pattern = SESSION_PATTERN_OFFLINE;
	s->version = HS_VERSION_1;
	s->suite = k->suite;
	s->created = now;
	strcpy(s->self_jid, self);
	strcpy(s->peer_jid, peer);
	memcpy(s->peer_fpr, fpr, FINGERPRINT_LEN);
	s->peer_device_id = device_id;
	memcpy(s->peer_device_key, device_pub, X25519_LEN);
	s->trust = TRUST_TOFU; /* capped until a real-time handshake */
	s->flags = TRUST_FLAG_OFFLINE_ORIGIN;
	memcpy(s->handshake_hash, k->handshake_hash, SESSION_HASH_LEN);
	memcpy(s->root_key, k->root_key, SESSION_KEY_LEN);
	memcpy(s->chain_key, k->chain_key, SESSION_KEY_LEN);
	s->has_own_ratchet = sender;
	s->has_peer_ratchet = !sender;
	if (sender) {
		memcpy(s->own_ratchet_priv, k->r0_priv, X25519_LEN);
		memcpy(s->own_ratchet_pub, k->r0_pub, X25519_LEN);
	} else {
		memcpy(s->peer_ratchet_pub, k->r0_pub, X25519_LEN);
	}
}

/* Removes a session file made by a step that failed afterwards. */
static void session_unmake(const uint8_t id[static SESSION_ID_LEN])
{
	char path[STORE_PATH_MAX];

	if (session_path(id, ".session", path) == XE2E_OK)
		store_remove(path);
}

/* ---- sender ---- */

int offline_target_load(const char *path, const char *peer, uint64_t now,
			struct offline_target *t)
{
	struct buf text = BUF_INIT;
	struct trust_db db = TRUST_DB_INIT;
	struct bundle_known known;
	struct jid j;
	int err;

	memset(t, 0, sizeof(*t));
	bundle_init(&t->b);
	err = jid_parse(peer, &j);
	if (!err)
		err = identity_jid_normalize(peer, t->peer_bare);
	if (err)
		return err;
	jid_full(&j, t->peer);
	err = store_read_file(path, BUNDLE_MAX_SIZE, 0, &text);
	if (!err)
		err = bundle_parse((const char *)text.data, text.len, &t->b);
	if (!err)
		err = trust_load(NULL, &db);
	if (!err) {
		known_device(&db, t->peer_bare, t->b.device_id, &known);
		err = bundle_verify(&t->b, t->peer_bare, &known, now, t->fpr, NULL);
	}
	trust_free(&db);
	buf_free(&text);
	if (!err)
		err = check_identity(t->peer_bare, t->fpr, &t->known, &t->level);
	return err;
}

void offline_target_free(struct offline_target *t)
{
	bundle_free(&t->b);
	wipe(t, sizeof(*t));
}

static int sender_record(const struct offline_target *t, uint64_t now)
{
	const struct bundle *b = &t->b;
	struct trust_device d = {b->device_id, {0}, b->binding_created, b->binding_expires};
	struct record r = {t->peer_bare, t->fpr, NULL, now, TRUST_TOFU, 0};

	memcpy(d.pub, b->device_pub, X25519_LEN);
	if (b->form == BUNDLE_FULL)
		r.device = &d; /* a minimal bundle's device came from the store */
	return record_peer(&r);
}

int offline_session_seal(const struct identity *self, struct offline_target *t,
			 const uint8_t *ad, size_t ad_len, int sender_full, const uint8_t *frame,
			 size_t len, uint64_t now, struct buf *wire,
			 uint8_t id[static SESSION_ID_LEN], int *used_opk)
{
	const struct bundle_prekey *opk = NULL;
	struct offline_peer peer;
	struct offline_keys k;
	struct session s;
	int err = bundle_pick_opk(&t->b, &opk);

	memset(&k, 0, sizeof(k));
	memset(&s, 0, sizeof(s));
	*used_opk = opk != NULL;
	offline_peer_from_bundle(&t->b, t->fpr, opk, &peer);
	if (!err)
		err = offline_seal(self, &peer, OFFLINE_SUITE_CHACHAPOLY, ad, ad_len, sender_full,
				   frame, len, wire, &k);
	if (!err)
		err = sender_record(t, now);
	if (!err) {
		session_fill(&s, &k, self->jid, t->peer, t->fpr, t->b.device_id, t->b.device_pub, 1,
			     now);
		err = session_create(&s);
	}
	if (!err)
		err = session_current_set(t->peer_bare, s.id);
	if (!err)
		memcpy(id, s.id, SESSION_ID_LEN);
	session_free(&s);
	wipe(&k, sizeof(k));
	return err;
}

/* ---- recipient ---- */

struct open_ctx {
	const struct identity *self;
	char from[JID_MAX + 1];
	uint64_t now;
	struct offline_opened *out;
};

static int recipient_record(struct open_ctx *c, const struct offline_sender *snd)
{
	const struct device_binding *b = &snd->binding;
	struct trust_device d = {load_be32(b->device_id), {0}, b->created, b->expires};
	struct record r = {snd->jid, snd->fpr, &d, c->now, TRUST_TOFU, 0};
	int err;

	memcpy(d.pub, b->device_pub, X25519_LEN);
	err = record_peer(&r);
	c->out->level = r.level;
	c->out->new_peer = r.new_peer;
	return err;
}

/* Under the prekey store's lock, before the prekey is consumed. */
static int accept_fn(void *arg, const struct offline_received *rcv)
{
	struct open_ctx *c = arg;
	const struct offline_sender *snd = &rcv->sender;
	struct session s;
	enum trust_level level;
	int known, err = check_identity(snd->jid, snd->fpr, &known, &level);

	if (err)
		return err;
	session_fill(&s, &rcv->keys, c->self->jid, c->from, snd->fpr,
		     load_be32(snd->binding.device_id), snd->binding.device_pub, 0, c->now);
	err = session_create(&s);
	if (err == XE2E_E_EXISTS) {
		err_detail_set("the session of this initial message exists: replayed");
		err = XE2E_E_REPLAY;
	}
	if (!err && (err = recipient_record(c, snd)))
		session_unmake(s.id);
	if (!err) {
		memcpy(c->out->id, s.id, SESSION_ID_LEN);
		strcpy(c->out->peer_bare, snd->jid);
		memcpy(c->out->fpr, snd->fpr, FINGERPRINT_LEN);
		c->out->used_opk = rcv->hdr.has_opk;
	}
	session_free(&s);
	return err;
}

int offline_session_open(const struct identity *self, const char *from, const uint8_t *ad,
			 size_t ad_len, const uint8_t *msg, size_t len, uint64_t now,
			 struct offline_opened *out, struct buf *payload)
{
	struct open_ctx c = {self, "", now, out};
	struct offline_received rcv;
	struct jid j;
	int err = jid_parse(from, &j);

	memset(out, 0, sizeof(*out));
	if (err)
		return err;
	jid_full(&j, c.from);
	err = offline_open(NULL, self, from, ad, ad_len, msg, len, now, accept_fn, &c, &rcv,
			   payload);
	if (!err)
		err = session_current_set(out->peer_bare, out->id);
	wipe(&rcv, sizeof(rcv));
	return err;
}

/* ---- the <offline/> element ---- */

/* Moves every child of from to the end of to. */
static int move_children(struct xml_node *from, struct xml_node *to)
{
	int err = XE2E_OK;

	while (!err && from->n_children) {
		struct xml_node *c = xml_detach_child(from, from->children[0]);

		err = c ? xml_append_child(to, c) : XE2E_E_STATE;
		if (err)
			xml_free(c);
	}
	return err;
}

/* The child named name in urn:xe2e:1, or NULL; *count gets how many. */
static struct xml_node *find_xe2e(const struct xml_node *st, const char *name, size_t *count)
{
	struct xml_node *found = NULL;

	*count = 0;
	for (size_t i = 0; i < st->n_children; i++) {
		struct xml_node *c = st->children[i];

		if (c->type == XML_ELEMENT && !strcmp(c->name, name) && c->ns &&
		    !strcmp(c->ns, XE2E_NS)) {
			(*count)++;
			found = found ? found : c;
		}
	}
	return found;
}

/*
 * Replaces the child old of st by a new element name (in urn:xe2e:1) that
 * gets old's attributes and children, keeping the order of the others.
 */
static int replace_child(struct xml_node *st, struct xml_node *old, const char *name)
{
	struct xml_node *el = xml_element_new(name, XE2E_NS), *rest = xml_element_new("x", NULL);
	int err = el && rest ? XE2E_OK : XE2E_E_NOMEM;

	for (size_t i = 0; !err && i < old->n_attrs; i++)
		err = xml_set_attr_ns(el, old->attrs[i].name, old->attrs[i].ns,
				      old->attrs[i].prefix, old->attrs[i].value);
	if (!err)
		err = move_children(old, el);
	while (!err && st->children[0] != old)
		err = xml_append_child(rest, xml_detach_child(st, st->children[0]));
	if (!err) {
		xml_free(xml_detach_child(st, old));
		err = move_children(st, rest);
	}
	if (!err && !(err = xml_append_child(st, el)))
		el = NULL;
	if (!err)
		err = move_children(rest, st);
	xml_free(el);
	xml_free(rest);
	return err;
}

int offline_envelope_build(const struct envelope_addr *a, const uint8_t *wire, size_t len,
			   const char *fallback, struct xml_node **out)
{
	size_t n;
	int err = envelope_build(a, wire, len, fallback, out);
	struct xml_node *sealed = err ? NULL : find_xe2e(*out, "sealed", &n);

	if (!err && !sealed)
		err = XE2E_E_STATE;
	if (!err)
		err = replace_child(*out, sealed, OFFLINE_ELEMENT);
	if (err) {
		xml_free(*out);
		*out = NULL;
	}
	return err;
}

int offline_envelope_parse(const struct xml_node *stanza, struct xml_node **copy,
			   struct envelope *env)
{
	size_t n_off, n_sealed;
	struct xml_node *off;
	int err;

	*copy = NULL;
	memset(env, 0, sizeof(*env));
	if (!find_xe2e(stanza, OFFLINE_ELEMENT, &n_off))
		return XE2E_E_NOTFOUND;
	find_xe2e(stanza, "sealed", &n_sealed);
	if (n_off > 1 || n_sealed) {
		err_detail_set("more than one <offline/> or <sealed/> element");
		return XE2E_E_MALFORMED;
	}
	*copy = xml_clone(stanza);
	if (!*copy)
		return XE2E_E_NOMEM;
	off = find_xe2e(*copy, OFFLINE_ELEMENT, &n_off);
	err = replace_child(*copy, off, "sealed");
	if (!err)
		err = envelope_parse(*copy, env);
	if (err) {
		envelope_free(env);
		xml_free(*copy);
		*copy = NULL;
	}
	return err;
}
