/* The stanza layer of the vectors (vx_stanza.h). */
#include "vx_stanza.h"

#include <string.h>

#include "err.h"
#include "sealed_stanza.h"
#include "stanza_frame.h"

#define VX_FRAME_CAP (1u << 20) /* no stanza limit in the way */

int vx_plain_in(struct vx *v, cJSON *obj, const char *gen, const char *default_from,
		struct vx_plain *p)
{
	struct buf text = BUF_INIT;
	int err;

	memset(p, 0, sizeof(*p));
	buf_append_str(&text, gen ? gen : "");
	vx_in_text(v, obj, "plain", &text);
	err = xml_parse_element((const char *)text.data, text.len, NULL, &p->node);
	buf_free(&text);
	if (!err)
		err = stanza_kind_of(p->node, &p->addr.kind);
	VX_TRY(v, err, "the plain stanza");
	p->addr.to = xml_get_attr(p->node, "to");
	p->addr.from = xml_get_attr(p->node, "from");
	if (!p->addr.from)
		p->addr.from = default_from;
	p->addr.type = xml_get_attr(p->node, "type");
	p->addr.id = xml_get_attr(p->node, "id");
	return 0;
}

void vx_plain_free(struct vx_plain *p)
{
	xml_free(p->node);
	p->node = NULL;
}

int vx_frame_out(struct vx *v, cJSON *obj, const struct xml_node *node, struct buf *frame)
{
	buf_clear(frame);
	VX_TRY(v, node ? stanza_frame_encode(node, frame) : stanza_frame_ratchet(frame),
	       "the frame");
	vx_out_bytes(v, obj, "frame", frame->data, frame->len);
	VX_TRY(v, stanza_frame_pad(frame, VX_FRAME_CAP), "the padding");
	vx_out_bytes(v, obj, "padded_frame", frame->data, frame->len);
	return 0;
}

int vx_ad_out(struct vx *v, cJSON *obj, const struct envelope_addr *a, const char *sender,
	      const char *recipient, struct buf *ad, int *sender_full)
{
	buf_clear(ad);
	VX_TRY(v, envelope_ad_seal(a, sender, recipient, ad, sender_full),
	       "the associated data");
	vx_out_bytes(v, obj, "associated_data", ad->data, ad->len);
	return 0;
}

int vx_sealed_out(struct vx *v, cJSON *obj, const struct vx_plain *plain, const uint8_t *wire,
		  size_t len, const char *fallback, int offline, struct buf *text)
{
	struct xml_node *el = NULL;
	int err = sealed_stanza_wrap(&plain->addr, plain->node, wire, len,
				     offline ? SEALED_INITIAL : SEALED_IN_SESSION, fallback, &el);

	buf_clear(text);
	if (!err)
		err = xml_serialize(el, text);
	xml_free(el);
	VX_TRY(v, err, "the sealed stanza");
	vx_wire_str(v, obj, "sealed", text);
	return 0;
}

int vx_received_parse(struct vx *v, const struct buf *text, int offline, const char *self,
		      const char *peer, struct vx_received *r)
{
	int err;

	memset(r, 0, sizeof(*r));
	err = xml_parse_element((const char *)text->data, text->len, NULL, &r->node);
	if (!err)
		err = sealed_stanza_read(r->node, &r->sealed);
	if (!err && r->sealed.form != (offline ? SEALED_INITIAL : SEALED_IN_SESSION)) {
		err_detail_set("not %s", offline ? "an initial message" : "sealed in a session");
		err = XE2E_E_MALFORMED;
	}
	if (!err)
		err = envelope_check_route(&r->sealed.env.addr, self, peer);
	if (!err)
		err = sealed_stanza_ad_open(&r->sealed, self, peer, &r->ad);
	VX_TRY(v, err, "reading the sealed stanza");
	return 0;
}

void vx_received_free(struct vx_received *r)
{
	sealed_received_free(&r->sealed);
	xml_free(r->node);
	buf_free(&r->ad);
	memset(r, 0, sizeof(*r));
}

int vx_opened_out(struct vx *v, cJSON *obj, const struct vx_received *r, const struct buf *frame)
{
	struct xml_node *out = NULL;
	struct buf text = BUF_INIT;
	int ratchet = 0;
	int err = sealed_stanza_restore(&r->sealed, frame->data, frame->len, &out, &ratchet);

	if (!err && out)
		err = xml_serialize(out, &text);
	if (!err)
		err = buf_terminate(&text);
	if (!err)
		vx_out_str(v, obj, "opened", (const char *)text.data);
	xml_free(out);
	buf_free(&text);
	VX_TRY(v, err, "opening the frame");
	return 0;
}
