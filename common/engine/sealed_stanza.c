/* A sealed stanza made and read whole (see sealed_stanza.h). */
#include "sealed_stanza.h"

#include <string.h>

#include "err.h"
#include "offline.h"
#include "stanza_frame.h"

int sealed_stanza_addr(const struct xml_node *plain, struct envelope_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->to = xml_get_attr(plain, "to");
	a->from = xml_get_attr(plain, "from");
	a->type = xml_get_attr(plain, "type");
	a->id = xml_get_attr(plain, "id");
	return stanza_kind_of(plain, &a->kind);
}

int sealed_stanza_wrap(const struct envelope_addr *a, const struct xml_node *plain,
		       const uint8_t *wire, size_t wire_len, enum sealed_form form,
		       const char *fallback_body, struct xml_node **out)
{
	int err;

	*out = NULL;
	if (!plain)
		return envelope_build_ratchet(a->to, a->from, wire, wire_len, out);
	if (form == SEALED_INITIAL)
		err = offline_envelope_build(a, wire, wire_len, fallback_body, out);
	else
		err = envelope_build(a, wire, wire_len, fallback_body, out);
	if (!err)
		err = envelope_copy_hints(plain, *out);
	if (err) {
		xml_free(*out);
		*out = NULL;
	}
	return err;
}

static int too_large(const struct sealed_stanza_opts *o)
{
	err_detail_set("sealed, the stanza would exceed %zu bytes, the server's limit%s%s%s",
		       o->max_stanza, o->limit_name ? " (" : "", o->limit_name ? o->limit_name : "",
		       o->limit_name ? ")" : "");
	return XE2E_E_LIMIT;
}

/* The size of the stanza around an empty message, and the bytes its text
 * then adds besides the base64 (an initial message is ratchet stanza
 * never). */
static int empty_size(const struct envelope_addr *a, const struct xml_node *plain,
		      enum sealed_form form, const char *fallback_body, size_t *size)
{
	struct xml_node *el = NULL;
	struct buf b = BUF_INIT;
	int err = sealed_stanza_wrap(a, plain, NULL, 0, form, fallback_body, &el);

	if (!err)
		err = xml_serialize(el, &b);
	*size = b.len + (plain && form == SEALED_INITIAL ? SEALED_TEXT_EXTRA(OFFLINE_ELEMENT)
							  : SEALED_TEXT_EXTRA("sealed"));
	xml_free(el);
	buf_free(&b);
	return err;
}

int sealed_stanza_frame_cap(const struct envelope_addr *a, const struct xml_node *plain,
			    enum sealed_form form, const struct sealed_stanza_opts *o, size_t *cap)
{
	size_t base, bin, overhead = plain && form == SEALED_INITIAL ? SEALED_INITIAL_OVERHEAD
								     : SEALED_SESSION_OVERHEAD;
	int err;

	if (!o->max_stanza) {
		*cap = o->frame_cap;
		return XE2E_OK;
	}
	if ((err = empty_size(a, plain, form, o->fallback_body, &base)))
		return err;
	/* Base64 carries 3 bytes in 4 characters. */
	bin = o->max_stanza > base ? (o->max_stanza - base) / 4 * 3 : 0;
	if (bin <= overhead)
		return too_large(o);
	*cap = bin - overhead;
	return XE2E_OK;
}

int sealed_stanza_frame(const struct xml_node *plain, size_t cap, struct buf *frame)
{
	int err = plain ? stanza_frame_encode(plain, frame) : stanza_frame_ratchet(frame);

	return err ? err : stanza_frame_pad(frame, cap);
}

/* The same, a frame too long for the size limit refused as such. */
static int frame_make(const struct xml_node *plain, size_t cap, const struct sealed_stanza_opts *o,
		      struct buf *frame)
{
	int err = plain ? stanza_frame_encode(plain, frame) : stanza_frame_ratchet(frame);

	if (!err && o->max_stanza && frame->len > cap)
		return too_large(o);
	return err ? err : stanza_frame_pad(frame, cap);
}

/* Wraps wire and checks the size of the result. */
static int finish(const struct envelope_addr *a, const struct xml_node *plain,
		  const struct buf *wire, enum sealed_form form,
		  const struct sealed_stanza_opts *o, struct xml_node **out)
{
	struct buf text = BUF_INIT;
	int err = sealed_stanza_wrap(a, plain, wire->data, wire->len, form, o->fallback_body, out);

	if (!err && o->max_stanza && (err = xml_serialize(*out, &text)) == XE2E_OK &&
	    text.len > o->max_stanza)
		err = too_large(o);
	if (err) {
		xml_free(*out);
		*out = NULL;
	}
	buf_free(&text);
	return err;
}

int sealed_stanza_seal(struct channel *ch, const struct envelope_addr *a,
		       const struct xml_node *plain, const struct sealed_stanza_opts *o,
		       uint64_t now, struct xml_node **out, struct buf *wire)
{
	struct buf frame = BUF_INIT, ad = BUF_INIT, w = BUF_INIT;
	size_t cap;
	int sender_full = 0;
	int err = sealed_stanza_frame_cap(a, plain, SEALED_IN_SESSION, o, &cap);

	*out = NULL;
	if (!err)
		err = frame_make(plain, cap, o, &frame);
	if (!err)
		err = envelope_ad_seal(a, ch->self_bare, ch->peer_bare, &ad, &sender_full);
	if (!err)
		err = channel_seal(ch, now, frame.data, frame.len, ad.data, ad.len, sender_full, &w);
	if (!err)
		err = finish(a, plain, &w, SEALED_IN_SESSION, o, out);
	if (!err && wire)
		err = buf_append(wire, w.data, w.len);
	if (err) {
		xml_free(*out);
		*out = NULL;
	}
	buf_free(&frame);
	buf_free(&ad);
	buf_free(&w);
	return err;
}

int sealed_stanza_seal_initial(const struct identity *self, struct offline_target *t,
			       const struct envelope_addr *a, const struct xml_node *plain,
			       const struct sealed_stanza_opts *o, uint64_t now,
			       struct xml_node **out, struct sealed_initial *started)
{
	struct buf frame = BUF_INIT, ad = BUF_INIT, wire = BUF_INIT;
	size_t cap;
	int sender_full = 0;
	int err = sealed_stanza_frame_cap(a, plain, SEALED_INITIAL, o, &cap);

	*out = NULL;
	memset(started, 0, sizeof(*started));
	if (!err)
		err = frame_make(plain, cap, o, &frame);
	if (!err)
		err = envelope_ad_seal(a, self->jid, t->peer_bare, &ad, &sender_full);
	if (!err)
		err = offline_session_seal(self, t, ad.data, ad.len, sender_full, frame.data,
					   frame.len, now, &wire, started->id, &started->used_opk);
	if (!err)
		err = finish(a, plain, &wire, SEALED_INITIAL, o, out);
	buf_free(&frame);
	buf_free(&ad);
	buf_free(&wire);
	return err;
}

/* ---- reading ---- */

int sealed_stanza_read(const struct xml_node *stanza, struct sealed_received *r)
{
	int err;

	memset(r, 0, sizeof(*r));
	err = envelope_parse(stanza, &r->env);
	if (err != XE2E_E_NOTFOUND)
		return err;
	envelope_free(&r->env);
	err = offline_envelope_parse(stanza, &r->copy, &r->env);
	if (err != XE2E_E_NOTFOUND)
		r->form = SEALED_INITIAL;
	return err;
}

void sealed_received_free(struct sealed_received *r)
{
	envelope_free(&r->env);
	xml_free(r->copy);
	memset(r, 0, sizeof(*r));
}

int sealed_stanza_header(struct sealed_received *r)
{
	struct offline_header oh;
	struct ratchet_header rh;
	size_t used;
	int err;

	if (r->form == SEALED_INITIAL) {
		err = offline_header_parse(r->env.wire.data, r->env.wire.len, &oh);
		r->sender_full = !err && oh.sender_full;
		return err;
	}
	err = ratchet_header_decode(&rh, r->env.wire.data, r->env.wire.len, &used);
	r->sender_full = !err && rh.sender_full;
	if (!err)
		memcpy(r->tag, rh.tag, RATCHET_TAG_LEN);
	return err;
}

int sealed_stanza_ad_open(struct sealed_received *r, const char *self_bare,
			  const char *peer_bare, struct buf *ad)
{
	int err = sealed_stanza_header(r);

	return err ? err : envelope_ad_open(&r->env.addr, r->sender_full, self_bare, peer_bare, ad);
}

int sealed_stanza_restore(const struct sealed_received *r, const uint8_t *frame, size_t len,
			  struct xml_node **out, int *ratchet)
{
	int err;

	*out = NULL;
	*ratchet = 0;
	err = stanza_frame_decode(frame, len, r->env.addr.kind, NULL, out, ratchet);
	if (!err && *out)
		err = envelope_restore(*out, &r->env.addr);
	if (err) {
		xml_free(*out);
		*out = NULL;
	}
	return err;
}
