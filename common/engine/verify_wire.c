/* Control stanzas sealed in the session (see verify_wire.h). */
#include "verify_wire.h"

#include <stdio.h>
#include <string.h>

#include "envelope.h"
#include "err.h"
#include "ratchet_header.h"
#include "sealed_stanza.h"
#include "store.h"
#include "util.h"

static int take_interval(struct session *s, void *interval)
{
	struct ratchet_info info;

	ratchet_info_get(s->ratchet, &info);
	*(uint32_t *)interval = info.policy.step_interval;
	return XE2E_OK;
}

/* The session's own step interval, so that using it changes no policy. */
static int step_interval_of(const uint8_t id[static SESSION_ID_LEN], uint32_t *interval)
{
	return session_with_locked(id, take_interval, interval);
}

int verify_wire_init(struct verify_wire *w, const uint8_t id[static SESSION_ID_LEN],
		     const char *resource)
{
	struct channel_opts opts = {RATCHET_STEP_INTERVAL, 1};
	char full[2 * JID_MAX + 2];
	struct jid j;
	int err;

	memset(w, 0, sizeof(*w));
	if ((err = step_interval_of(id, &opts.step_interval)))
		return err;
	if ((err = channel_load(&w->ch, id, &opts)))
		return err;
	w->loaded = 1;
	if (!resource) {
		strcpy(w->from, w->ch.self_bare);
		return XE2E_OK;
	}
	snprintf(full, sizeof(full), "%s/%s", w->ch.self_bare, resource);
	if (!*resource || strlen(full) > JID_MAX || jid_parse(full, &j)) {
		err_detail_set("'%.200s' is not a resource a JID can have", resource);
		return XE2E_E_MALFORMED;
	}
	jid_full(&j, w->from);
	return XE2E_OK;
}

int verify_wire_release(struct verify_wire *w)
{
	int err = XE2E_OK;

	if (w->loaded)
		err = channel_release(&w->ch);
	channel_wipe(&w->ch);
	w->loaded = 0;
	return err;
}

/* ---- sending ---- */

/* The plain stanza around the control element. */
static int plain_build(const struct verify_wire *w, const struct verify_msg *m,
		       struct xml_node **out)
{
	struct xml_node *ctl = NULL;
	int err = verify_msg_build(m, &ctl);

	if (err)
		return err;
	return envelope_control_message(XML_NS_CLIENT, w->ch.peer_full, w->from, ctl, out);
}

static int header_epoch(const struct buf *wire, uint32_t *epoch)
{
	struct ratchet_header h;
	size_t used;
	int err = ratchet_header_decode(&h, wire->data, wire->len, &used);

	if (!err && epoch)
		*epoch = h.sender_epoch;
	return err;
}

int verify_wire_seal(struct verify_wire *w, const struct verify_msg *m, uint64_t now,
		     struct xml_node **stanza, uint32_t *epoch)
{
	static const struct sealed_stanza_opts opts = {0, VERIFY_FRAME_CAP, NULL, NULL};
	struct envelope_addr a;
	struct buf wire = BUF_INIT;
	struct xml_node *plain = NULL;
	int err = plain_build(w, m, &plain);

	*stanza = NULL;
	if (!err)
		err = sealed_stanza_addr(plain, &a);
	if (!err)
		err = sealed_stanza_seal(&w->ch, &a, plain, &opts, now, stanza, &wire);
	if (!err && (err = header_epoch(&wire, epoch))) {
		xml_free(*stanza);
		*stanza = NULL;
	}
	xml_free(plain);
	buf_free(&wire);
	return err;
}

/* ---- receiving ---- */

static int skip(const char *why)
{
	err_detail_set("%s", why);
	return XE2E_E_NOTFOUND;
}

/* Everything before the cryptography: is the stanza the peer's, of this
 * session? */
static int prepare(const struct verify_wire *w, const struct xml_node *stanza,
		   struct sealed_received *rx, struct buf *ad)
{
	const struct envelope_addr *a = &rx->env.addr;
	char cond[ENVELOPE_COND_MAX];
	int err;

	if (envelope_is_bounce(stanza, cond))
		return skip("a stanza the server bounced");
	err = sealed_stanza_read(stanza, rx);
	if (err == XE2E_E_NOTFOUND || err == XE2E_E_UNSUPPORTED || rx->form == SEALED_INITIAL)
		return skip("a stanza that is not sealed");
	if (err)
		return err;
	if (!a->from || !jid_same_bare(a->from, w->ch.peer_bare))
		return skip("a stanza from someone else than the peer");
	if ((err = sealed_stanza_header(rx)))
		return err;
	if (memcmp(rx->tag, w->ch.tag, RATCHET_TAG_LEN))
		return skip("a stanza of another session");
	if ((err = envelope_check_route(a, w->ch.self_bare, w->ch.peer_bare)))
		return err;
	return sealed_stanza_ad_open(rx, w->ch.self_bare, w->ch.peer_bare, ad);
}

/* The opened frame as a control message. */
static int decode(const struct sealed_received *rx, const struct channel_msg *cm,
		  struct verify_msg *m)
{
	struct xml_node *out = NULL;
	int ratchet = 0;
	int err = sealed_stanza_restore(rx, cm->pt.data, cm->pt.len, &out, &ratchet);

	if (!err && ratchet)
		err = skip("a ratchet stanza");
	if (!err && (err = verify_msg_find(out, m)) == XE2E_E_NOTFOUND) {
		err_detail_set("a stanza of the peer that is not part of the verification");
		err = XE2E_E_UNSUPPORTED;
	}
	xml_free(out);
	return err;
}

/* Why a stanza of the session did not open, when the ratchet gave no
 * detail (a failed tag names nothing). */
static const char *open_failure(int err)
{
	if (err == XE2E_E_AUTH)
		return "it does not decrypt: changed on the way, or not sealed by the peer in "
		       "this session";
	return "it could not be opened in this session";
}

int verify_wire_open(struct verify_wire *w, const struct xml_node *stanza, uint64_t now,
		     struct verify_msg *m, uint32_t *epoch, int *authentic)
{
	struct sealed_received rx;
	struct channel_msg cm;
	struct buf ad = BUF_INIT;
	int err;

	memset(&rx, 0, sizeof(rx));
	memset(&cm, 0, sizeof(cm));
	if (authentic)
		*authentic = 0;
	verify_msg_wipe(m);
	err = prepare(w, stanza, &rx, &ad);
	if (!err) {
		cm.wire = rx.env.wire.data;
		cm.wire_len = rx.env.wire.len;
		cm.ad = ad.data;
		cm.ad_len = ad.len;
		channel_open(&w->ch, now, &cm, 1);
		if ((err = cm.err))
			err_detail_set("%s", *cm.detail ? cm.detail : open_failure(err));
	}
	if (!err && authentic)
		*authentic = 1;
	if (!err)
		err = decode(&rx, &cm, m);
	if (!err && epoch)
		*epoch = cm.info.epoch;
	sealed_received_free(&rx);
	buf_free(&cm.pt);
	buf_free(&ad);
	return err;
}

/* ---- a pending session ---- */

static int is_pending(const uint8_t id[static SESSION_ID_LEN])
{
	struct store_lock lock;
	struct session s;
	int pending = 0;

	if (session_lock(id, &lock))
		return 0;
	memset(&s, 0, sizeof(s));
	if (!session_read(id, &s))
		pending = s.state == SESSION_PENDING;
	session_free(&s);
	store_unlock(&lock);
	return pending;
}

int verify_wire_pending_of(const struct verify_wire *w, const struct xml_node *stanza,
			   uint8_t id[static SESSION_ID_LEN])
{
	struct channel_index idx = CHANNEL_INDEX_INIT;
	struct envelope env;
	struct ratchet_header h;
	size_t used;
	int err = envelope_parse(stanza, &env);

	if (!err && (!env.addr.from || !jid_same_bare(env.addr.from, w->ch.peer_bare)))
		err = XE2E_E_NOTFOUND;
	if (!err)
		err = ratchet_header_decode(&h, env.wire.data, env.wire.len, &used);
	if (!err && !memcmp(h.tag, w->ch.tag, RATCHET_TAG_LEN))
		err = XE2E_E_NOTFOUND;
	if (!err)
		err = channel_index_find(&idx, w->ch.peer_bare, h.tag, id);
	if (!err && !is_pending(id))
		err = XE2E_E_NOTFOUND;
	channel_index_free(&idx);
	envelope_free(&env);
	err_detail_clear();
	return err ? XE2E_E_NOTFOUND : XE2E_OK;
}
