/* Handshake stanzas (see handshake_stanza.h). */
#include "handshake_stanza.h"

#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "envelope.h"
#include "err.h"

static int body_text(struct xml_node *hs, const struct buf *body)
{
	size_t n = b64_encoded_size(body->len);
	char *b64 = malloc(n);
	int err = b64 ? b64_encode(body->data, body->len, b64, n) : XE2E_E_NOMEM;

	if (!err)
		err = xml_append_text(hs, b64, strlen(b64));
	free(b64);
	return err;
}

static int handshake_element(const struct handshake_msg *m, struct xml_node **out)
{
	struct xml_node *hs = xml_element_new("handshake", XE2E_NS);
	int err = hs ? xml_set_attr(hs, "step", handshake_step_name(m->step)) : XE2E_E_NOMEM;

	if (!err && m->step == HS_STEP_ABORT)
		err = xml_set_attr(hs, "reason", m->reason);
	else if (!err)
		err = body_text(hs, &m->body);
	if (err)
		xml_free(hs);
	else
		*out = hs;
	return err;
}

int handshake_stanza_build(const char *to, const char *from, const struct handshake_msg *m,
			   struct xml_node **out)
{
	struct xml_node *hs = NULL;
	int err = handshake_element(m, &hs);

	return err ? err : envelope_control_message(NULL, to, from, hs, out);
}

const struct xml_node *handshake_stanza_element(const struct xml_node *stanza)
{
	if (strcmp(stanza->name, "message") || (stanza->ns && strcmp(stanza->ns, "jabber:client") &&
						strcmp(stanza->ns, "jabber:server")))
		return NULL;
	return xml_find_child(stanza, "handshake", XE2E_NS);
}

static int decode_body(const struct xml_node *hs, struct buf *body)
{
	char *text = xml_text(hs);
	size_t n = 0;
	int err = text ? buf_reserve(body, HS_BODY_MAX) : XE2E_E_NOMEM;

	if (!err)
		err = b64_decode(text, strlen(text), body->data, HS_BODY_MAX, &n);
	if (err == XE2E_E_MALFORMED || err == XE2E_E_LIMIT) {
		err_detail_set("the handshake body is not canonical base64 of at most %d bytes",
			       HS_BODY_MAX);
		err = XE2E_E_MALFORMED;
	}
	body->len = err ? 0 : n;
	free(text);
	return err;
}

int handshake_stanza_parse(const struct xml_node *el, enum hs_step *step, struct buf *body,
			   const char **reason)
{
	const char *step_text = xml_get_attr(el, "step");

	*reason = xml_get_attr(el, "reason");
	if (!step_text || handshake_step_parse(step_text, step)) {
		err_detail_set("a handshake stanza with a missing or unknown step");
		return XE2E_E_MALFORMED;
	}
	if (*step == HS_STEP_ABORT) {
		body->len = 0;
		return XE2E_OK;
	}
	return decode_body(el, body);
}
