/* The sealed stanza on the wire (see envelope.h). */
#include "envelope.h"

#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "err.h"
#include "jid.h"
#include "util.h"

#define LP16_MAX 65535u

static int put_lp(struct buf *ad, const char *s)
{
	size_t n = strlen(s);

	if (n > LP16_MAX) {
		err_detail_set("associated data field of %zu bytes", n);
		return XE2E_E_LIMIT;
	}
	return buf_append_lp16(ad, s, n);
}

static int put_opt(struct buf *ad, const char *s)
{
	if (!s)
		return buf_append_byte(ad, 0);
	return buf_append_byte(ad, 1) ? XE2E_E_NOMEM : put_lp(ad, s);
}

int envelope_ad(enum stanza_kind kind, const char *type, const char *id, const char *sender,
		const char *recipient_bare, struct buf *ad)
{
	const char *name = stanza_kind_name(kind);
	size_t start = ad->len;
	int err;

	if (!name)
		return XE2E_E_STATE;
	err = put_lp(ad, ENVELOPE_AD_LABEL);
	if (!err)
		err = put_lp(ad, name);
	if (!err)
		err = put_opt(ad, type);
	if (!err)
		err = put_opt(ad, id);
	if (!err)
		err = put_lp(ad, sender);
	if (!err)
		err = put_lp(ad, recipient_bare);
	if (err)
		ad->len = start;
	return err;
}

/* The normalised full JID of from (its bare JID when it has no resource). */
static int full_of(const char *from, char out[static JID_MAX + 1], int *has_resource)
{
	struct jid j;
	int err = jid_parse(from, &j);

	if (err)
		return err;
	jid_full(&j, out);
	*has_resource = j.resource[0] != '\0';
	return XE2E_OK;
}

int envelope_ad_seal(const struct envelope_addr *a, const char *self_bare,
		     const char *peer_bare, struct buf *ad, int *sender_full)
{
	char full[JID_MAX + 1];
	int err = XE2E_OK;

	*sender_full = 0;
	if (a->from)
		err = full_of(a->from, full, sender_full);
	if (!err)
		err = envelope_ad(a->kind, a->type, a->id, *sender_full ? full : self_bare,
				  peer_bare, ad);
	if (err)
		*sender_full = 0;
	return err;
}

int envelope_ad_open(const struct envelope_addr *a, int sender_full, const char *self_bare,
		     const char *peer_bare, struct buf *ad)
{
	char full[JID_MAX + 1];
	int has_resource, err = XE2E_OK;

	if (sender_full && !a->from) {
		err_detail_set("no 'from'");
		return XE2E_E_MALFORMED;
	}
	if (sender_full)
		err = full_of(a->from, full, &has_resource);
	if (!err)
		err = envelope_ad(a->kind, a->type, a->id, sender_full ? full : peer_bare,
				  self_bare, ad);
	return err;
}

int envelope_from_authenticated(const struct envelope_addr *a, int sender_full)
{
	struct jid j;

	if (sender_full)
		return 1;
	return a->from && jid_parse(a->from, &j) == XE2E_OK && !j.resource[0];
}

/* ---- building ---- */

static int set_opt_attr(struct xml_node *el, const char *name, const char *value)
{
	return value ? xml_set_attr(el, name, value) : XE2E_OK;
}

static struct xml_node *outer_new(enum stanza_kind kind, const char *to, const char *from,
				  const char *type, const char *id)
{
	struct xml_node *el = xml_element_new(stanza_kind_name(kind), XML_NS_CLIENT);

	if (el && (set_opt_attr(el, "to", to) || set_opt_attr(el, "from", from) ||
		   set_opt_attr(el, "type", type) || set_opt_attr(el, "id", id))) {
		xml_free(el);
		return NULL;
	}
	return el;
}

/* Appends <name xmlns=ns/> with an optional text, and one attribute. */
static int add_child(struct xml_node *parent, const char *name, const char *ns,
		     const char *text, const char *attr, const char *value)
{
	struct xml_node *el = xml_element_new(name, ns);
	int err = el ? XE2E_OK : XE2E_E_NOMEM;

	if (!err && text)
		err = xml_append_text(el, text, strlen(text));
	if (!err && attr)
		err = xml_set_attr(el, attr, value);
	if (!err)
		err = xml_append_child(parent, el);
	if (err)
		xml_free(el);
	return err;
}

int envelope_control_message(const char *ns, const char *to, const char *from,
			     struct xml_node *child, struct xml_node **out)
{
	struct xml_node *msg = xml_element_new("message", ns);
	int err = msg ? XE2E_OK : XE2E_E_NOMEM;

	if (!err)
		err = xml_set_attr(msg, "to", to);
	if (!err)
		err = xml_set_attr(msg, "from", from);
	if (!err)
		err = xml_set_attr(msg, "type", "chat");
	if (!err && !(err = xml_append_child(msg, child)))
		child = NULL;
	if (!err)
		err = add_child(msg, "no-permanent-store", HINTS_NS, NULL, NULL, NULL);
	if (!err)
		err = add_child(msg, "private", CARBONS_NS, NULL, NULL, NULL);
	xml_free(child);
	if (err)
		xml_free(msg);
	else
		*out = msg;
	return err;
}

static int add_sealed(struct xml_node *el, const uint8_t *wire, size_t wire_len)
{
	size_t n = b64_encoded_size(wire_len);
	char *b64 = malloc(n);
	int err = b64 ? b64_encode(wire, wire_len, b64, n) : XE2E_E_NOMEM;

	if (!err)
		err = add_child(el, "sealed", XE2E_NS, b64, NULL, NULL);
	free(b64);
	return err;
}

int envelope_build(const struct envelope_addr *a, const uint8_t *wire, size_t wire_len,
		   const char *fallback_body, struct xml_node **out)
{
	struct xml_node *el = outer_new(a->kind, a->to, a->from, a->type, a->id);
	int err = el ? add_sealed(el, wire, wire_len) : XE2E_E_MALFORMED;

	if (!err && a->kind == STANZA_MESSAGE)
		err = add_child(el, "encryption", EME_NS, NULL, "namespace", XE2E_NS);
	if (!err && a->kind == STANZA_MESSAGE && fallback_body)
		err = add_child(el, "body", XML_NS_CLIENT, fallback_body, NULL, NULL);
	if (err) {
		xml_free(el);
		return err;
	}
	*out = el;
	return XE2E_OK;
}

static int is_hint(const struct xml_node *c)
{
	if (c->type != XML_ELEMENT || !c->ns)
		return 0;
	return !strcmp(c->ns, HINTS_NS) || (!strcmp(c->ns, CARBONS_NS) && !strcmp(c->name, "private"));
}

int envelope_copy_hints(const struct xml_node *plain, struct xml_node *sealed)
{
	int err = XE2E_OK;

	for (size_t i = 0; i < plain->n_children && !err; i++) {
		struct xml_node *copy;

		if (!is_hint(plain->children[i]))
			continue;
		copy = xml_clone(plain->children[i]);
		err = copy ? xml_append_child(sealed, copy) : XE2E_E_NOMEM;
		if (err)
			xml_free(copy);
	}
	return err;
}

int envelope_build_ratchet(const char *to, const char *from, const uint8_t *wire,
			   size_t wire_len, struct xml_node **out)
{
	struct xml_node *el = outer_new(STANZA_MESSAGE, to, from, "headline", NULL);
	int err = el ? add_sealed(el, wire, wire_len) : XE2E_E_MALFORMED;

	if (!err)
		err = add_child(el, "no-store", HINTS_NS, NULL, NULL, NULL);
	if (err) {
		xml_free(el);
		return err;
	}
	*out = el;
	return XE2E_OK;
}

/* ---- reading ---- */

static int is_child(const struct xml_node *c, const char *name, const char *ns)
{
	return c->type == XML_ELEMENT && c->ns && !strcmp(c->name, name) && !strcmp(c->ns, ns);
}

static int sealed_fail(const char *what)
{
	err_detail_set("<sealed/>: %s", what);
	return XE2E_E_MALFORMED;
}

static int sealed_decode(const struct xml_node *sealed, struct buf *wire)
{
	char *text;
	size_t n, got;
	int err;

	if (sealed->n_attrs)
		return sealed_fail("attributes");
	for (size_t i = 0; i < sealed->n_children; i++)
		if (sealed->children[i]->type != XML_TEXT)
			return sealed_fail("an element inside");
	text = xml_text(sealed);
	if (!text)
		return XE2E_E_NOMEM;
	n = strlen(text);
	err = n >= 4 ? buf_reserve(wire, n / 4 * 3) : sealed_fail("empty or truncated");
	if (!err && b64_decode(text, n, wire->data, n / 4 * 3, &got))
		err = sealed_fail("not canonical base64");
	if (!err)
		wire->len = got;
	free(text);
	return err;
}

static const char *attr_of(const struct xml_node *el, const char *name)
{
	return xml_get_attr(el, name);
}

int envelope_parse(const struct xml_node *stanza, struct envelope *env)
{
	const struct xml_node *sealed = NULL;
	int err;

	memset(env, 0, sizeof(*env));
	if ((err = stanza_kind_of(stanza, &env->addr.kind)))
		return err;
	env->addr.to = attr_of(stanza, "to");
	env->addr.from = attr_of(stanza, "from");
	env->addr.type = attr_of(stanza, "type");
	env->addr.id = attr_of(stanza, "id");
	for (size_t i = 0; i < stanza->n_children; i++) {
		const struct xml_node *c = stanza->children[i];

		if (c->type != XML_ELEMENT)
			continue;
		if (is_child(c, "sealed", XE2E_NS)) {
			if (sealed)
				return sealed_fail("more than one");
			sealed = c;
		} else if (!is_child(c, "encryption", EME_NS)) {
			env->n_unsealed++;
		}
	}
	if (!sealed) {
		err_detail_set("no <sealed xmlns='" XE2E_NS "'/> in the <%s>", stanza->name);
		return XE2E_E_NOTFOUND;
	}
	err = sealed_decode(sealed, &env->wire);
	if (err)
		envelope_free(env);
	return err;
}

void envelope_free(struct envelope *env)
{
	buf_free(&env->wire);
	memset(env, 0, sizeof(*env));
}

/* The name of the first element inside <error/> in the stanzas namespace. */
static void error_condition(const struct xml_node *error, char cond[static ENVELOPE_COND_MAX])
{
	cond[0] = '\0';
	for (size_t i = 0; i < error->n_children; i++) {
		const struct xml_node *c = error->children[i];

		if (c->type == XML_ELEMENT && c->ns && !strcmp(c->ns, STANZAS_NS) &&
		    strcmp(c->name, "text") && strlen(c->name) < ENVELOPE_COND_MAX) {
			strcpy(cond, c->name);
			return;
		}
	}
}

int envelope_is_bounce(const struct xml_node *stanza, char cond[static ENVELOPE_COND_MAX])
{
	const char *type = xml_get_attr(stanza, "type");
	const struct xml_node *error;

	cond[0] = '\0';
	if (!type || strcmp(type, "error"))
		return 0;
	error = xml_find_child(stanza, "error", XML_NS_CLIENT);
	if (!error)
		return 0;
	error_condition(error, cond);
	return 1;
}

static int route_fail(const char *what, const char *got, const char *want)
{
	err_detail_set("'%s' is %.200s, the session's peer is %.200s", what, got ? got : "absent",
		       want);
	return XE2E_E_AUTH;
}

int envelope_check_route(const struct envelope_addr *a, const char *self_bare,
			 const char *peer_bare)
{
	if (!a->from || !jid_same_bare(a->from, peer_bare))
		return route_fail("from", a->from, peer_bare);
	if (!a->to || !jid_same_bare(a->to, self_bare)) {
		err_detail_set("'to' is %.200s, the session's own JID is %.200s",
			       a->to ? a->to : "absent", self_bare);
		return XE2E_E_AUTH;
	}
	return XE2E_OK;
}

/* Moves the last k attributes of el to the front, keeping their order. */
static void attrs_rotate(struct xml_node *el, size_t k)
{
	struct xml_attr tmp;

	for (size_t r = 0; r < k; r++) {
		tmp = el->attrs[el->n_attrs - 1];
		memmove(el->attrs + 1, el->attrs, (el->n_attrs - 1) * sizeof(*el->attrs));
		el->attrs[0] = tmp;
	}
}

int envelope_restore(struct xml_node *stanza, const struct envelope_addr *a)
{
	const char *names[] = {"to", "from", "type", "id"};
	const char *values[] = {a->to, a->from, a->type, a->id};
	size_t before = stanza->n_attrs;
	int err = XE2E_OK;

	for (size_t i = 0; i < ARRAY_SIZE(names) && !err; i++)
		err = set_opt_attr(stanza, names[i], values[i]);
	if (!err)
		attrs_rotate(stanza, stanza->n_attrs - before);
	return err;
}
