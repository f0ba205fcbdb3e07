/* The XML form of prekey bundles: writing, and strict parsing (see
 * bundle.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "decimal.h"
#include "encoding.h"
#include "err.h"
#include "util.h"
#include "x509.h"
#include "xml.h"

#define ID_TEXT_LEN 9
#define TIME_TEXT_LEN 21

/* ---- writing ---- */

static void id_format(uint32_t id, char out[static ID_TEXT_LEN])
{
	snprintf(out, ID_TEXT_LEN, "%08" PRIx32, id);
}

static void time_format(uint64_t t, char out[static TIME_TEXT_LEN])
{
	snprintf(out, TIME_TEXT_LEN, "%" PRIu64, t);
}

/* Sets attribute name to the base64 of n bytes. */
static int set_b64_attr(struct xml_node *el, const char *name, const uint8_t *data, size_t n)
{
	size_t size = b64_encoded_size(n);
	char *text = malloc(size);
	int err = text ? b64_encode(data, n, text, size) : XE2E_E_NOMEM;

	if (!err)
		err = xml_set_attr(el, name, text);
	free(text);
	return err;
}

static int set_time_attr(struct xml_node *el, const char *name, uint64_t t)
{
	char text[TIME_TEXT_LEN];

	time_format(t, text);
	return xml_set_attr(el, name, text);
}

static int set_id_attr(struct xml_node *el, const char *name, uint32_t id)
{
	char text[ID_TEXT_LEN];

	id_format(id, text);
	return xml_set_attr(el, name, text);
}

/* Appends <name>BASE64(data)</name> to parent and returns it in *out. */
static int add_b64_child(struct xml_node *parent, const char *name, const uint8_t *data,
			 size_t n, struct xml_node **out)
{
	struct xml_node *el = xml_element_new(name, XE2E_NS);
	size_t size = b64_encoded_size(n);
	char *text = malloc(size);
	int err = el && text ? b64_encode(data, n, text, size) : XE2E_E_NOMEM;

	if (!err)
		err = xml_append_text(el, text, strlen(text));
	if (!err)
		err = xml_append_child(parent, el);
	if (err)
		xml_free(el);
	else if (out)
		*out = el;
	free(text);
	return err;
}

static int add_full(struct xml_node *root, const struct bundle *b)
{
	struct xml_node *dev = NULL;
	int err = add_b64_child(root, "identity", b->id_pub, P256_PUB_LEN, NULL);

	if (!err && b->cert_der.len)
		err = add_b64_child(root, "certificate", b->cert_der.data, b->cert_der.len, NULL);
	if (!err)
		err = add_b64_child(root, "device", b->binding_sig, P256_SIG_LEN, &dev);
	if (!err)
		err = set_b64_attr(dev, "key", b->device_pub, X25519_LEN);
	if (!err)
		err = set_time_attr(dev, "created", b->binding_created);
	if (!err)
		err = set_time_attr(dev, "expires", b->binding_expires);
	return err;
}

static int add_minimal(struct xml_node *root, const struct bundle *b)
{
	struct xml_node *el = NULL;
	int err = add_b64_child(root, "identity-sealed", b->id_sealed, BUNDLE_SEALED_ID_LEN, &el);

	return err ? err : set_b64_attr(el, "salt", b->id_salt, BUNDLE_SALT_LEN);
}

static int add_prekeys(struct xml_node *root, const struct bundle *b)
{
	struct xml_node *el = NULL;
	int err = add_b64_child(root, "signed-prekey", b->spk_sig, P256_SIG_LEN, &el);

	if (!err)
		err = set_id_attr(el, "id", b->spk_id);
	if (!err)
		err = set_time_attr(el, "created", b->spk_created);
	if (!err)
		err = set_time_attr(el, "expires", b->spk_expires);
	if (!err)
		err = set_b64_attr(el, "key", b->spk_pub, X25519_LEN);
	for (size_t i = 0; !err && i < b->n_opk; i++) {
		err = add_b64_child(root, "prekey", b->opk[i].pub, X25519_LEN, &el);
		if (!err)
			err = set_id_attr(el, "id", b->opk[i].id);
		if (!err)
			err = set_time_attr(el, "expires", b->opk[i].expires);
	}
	return err;
}

int bundle_format(const struct bundle *b, struct buf *out)
{
	struct xml_node *root = xml_element_new("bundle", XE2E_NS);
	int err = root ? XE2E_OK : XE2E_E_NOMEM;

	if (!err && b->n_opk > BUNDLE_OPK_MAX)
		err = XE2E_E_LIMIT;
	if (!err)
		err = xml_set_attr(root, "version", BUNDLE_VERSION);
	if (!err)
		err = xml_set_attr(root, "form", b->form == BUNDLE_FULL ? "full" : "minimal");
	if (!err)
		err = xml_set_attr(root, "jid", b->jid);
	if (!err)
		err = set_id_attr(root, "device", b->device_id);
	if (!err)
		err = b->form == BUNDLE_FULL ? add_full(root, b) : add_minimal(root, b);
	if (!err)
		err = add_prekeys(root, b);
	if (!err)
		err = xml_serialize(root, out);
	xml_free(root);
	return err;
}

/* ---- parsing ---- */

static int bad(const char *fmt, const char *what)
{
	err_detail_set(fmt, what);
	return XE2E_E_MALFORMED;
}

/* Exactly the attributes named in names (n of them), unprefixed. */
static int attrs_exact(const struct xml_node *el, const char *const *names, size_t n)
{
	if (el->n_attrs != n)
		return bad("wrong attributes on <%s> in the bundle", el->name);
	for (size_t i = 0; i < el->n_attrs; i++) {
		size_t k = 0;

		while (k < n && strcmp(el->attrs[i].name, names[k]) != 0)
			k++;
		if (k == n || el->attrs[i].ns || el->attrs[i].prefix)
			return bad("unexpected attribute on <%s> in the bundle", el->name);
	}
	return XE2E_OK;
}

static int parse_time_text(const char *s, uint64_t *out)
{
	if (decimal_parse_str(s, UINT64_MAX, out))
		return bad("a time in the bundle is not a canonical number%s", "");
	return XE2E_OK;
}

static int parse_id_text(const char *s, uint32_t *id)
{
	uint8_t b[4];

	if (strlen(s) != 8 || strspn(s, "0123456789abcdef") != 8 || hex_decode(s, 8, b, 4))
		return bad("an id in the bundle is not 8 lower-case hex digits%s", "");
	*id = load_be32(b);
	return *id ? XE2E_OK : bad("an id in the bundle is zero%s", "");
}

static int time_attr(const struct xml_node *el, const char *name, uint64_t *t)
{
	return parse_time_text(xml_get_attr(el, name), t);
}

static int times_attrs(const struct xml_node *el, uint64_t *created, uint64_t *expires)
{
	int err = time_attr(el, "created", created);

	if (!err)
		err = time_attr(el, "expires", expires);
	if (!err && *created >= *expires)
		err = bad("<%s> in the bundle expires before it was created", el->name);
	return err;
}

/* Decodes exactly n bytes of canonical base64 from a string. */
static int b64_exact(const char *text, uint8_t *out, size_t n, const char *what)
{
	size_t got = 0;

	if (b64_decode(text, strlen(text), out, n, &got) || got != n)
		return bad("bad base64 for %s in the bundle", what);
	return XE2E_OK;
}

static int b64_attr(const struct xml_node *el, const char *name, uint8_t *out, size_t n)
{
	return b64_exact(xml_get_attr(el, name), out, n, name);
}

/* The element's text (it has no child element) as exactly n bytes. */
static int b64_text(const struct xml_node *el, uint8_t *out, size_t n)
{
	char *text;
	int err;

	for (size_t i = 0; i < el->n_children; i++)
		if (el->children[i]->type != XML_TEXT)
			return bad("unexpected element inside <%s> in the bundle", el->name);
	text = xml_text(el);
	if (!text)
		return XE2E_E_NOMEM;
	err = b64_exact(text, out, n, el->name);
	free(text);
	return err;
}

static int parse_identity(const struct xml_node *el, struct bundle *b)
{
	int err = attrs_exact(el, NULL, 0);

	return err ? err : b64_text(el, b->id_pub, P256_PUB_LEN);
}

static int parse_certificate(const struct xml_node *el, struct bundle *b)
{
	uint8_t *der = malloc(X509_MAX_SIZE);
	char *text = NULL;
	size_t n = 0;
	int err = der ? attrs_exact(el, NULL, 0) : XE2E_E_NOMEM;

	for (size_t i = 0; !err && i < el->n_children; i++)
		if (el->children[i]->type != XML_TEXT)
			err = bad("unexpected element inside <%s> in the bundle", el->name);
	if (!err && !(text = xml_text(el)))
		err = XE2E_E_NOMEM;
	if (!err && (b64_decode(text, strlen(text), der, X509_MAX_SIZE, &n) || n == 0))
		err = bad("bad base64 for %s in the bundle", "certificate");
	if (!err)
		err = buf_append(&b->cert_der, der, n);
	free(text);
	free(der);
	return err;
}

static int parse_device(const struct xml_node *el, struct bundle *b)
{
	static const char *const names[] = {"key", "created", "expires"};
	int err = attrs_exact(el, names, ARRAY_SIZE(names));

	if (!err)
		err = b64_attr(el, "key", b->device_pub, X25519_LEN);
	if (!err)
		err = times_attrs(el, &b->binding_created, &b->binding_expires);
	return err ? err : b64_text(el, b->binding_sig, P256_SIG_LEN);
}

static int parse_sealed_identity(const struct xml_node *el, struct bundle *b)
{
	static const char *const names[] = {"salt"};
	int err = attrs_exact(el, names, ARRAY_SIZE(names));

	if (!err)
		err = b64_attr(el, "salt", b->id_salt, BUNDLE_SALT_LEN);
	return err ? err : b64_text(el, b->id_sealed, BUNDLE_SEALED_ID_LEN);
}

static int parse_spk(const struct xml_node *el, struct bundle *b)
{
	static const char *const names[] = {"id", "created", "expires", "key"};
	int err = attrs_exact(el, names, ARRAY_SIZE(names));

	if (!err)
		err = parse_id_text(xml_get_attr(el, "id"), &b->spk_id);
	if (!err)
		err = times_attrs(el, &b->spk_created, &b->spk_expires);
	if (!err)
		err = b64_attr(el, "key", b->spk_pub, X25519_LEN);
	return err ? err : b64_text(el, b->spk_sig, P256_SIG_LEN);
}

static int parse_opk(const struct xml_node *el, struct bundle *b)
{
	static const char *const names[] = {"id", "expires"};
	struct bundle_prekey *p = &b->opk[b->n_opk];
	int err = attrs_exact(el, names, ARRAY_SIZE(names));

	if (!err && b->n_opk == BUNDLE_OPK_MAX) {
		err_detail_set("more than %d one-time prekeys in the bundle", BUNDLE_OPK_MAX);
		return XE2E_E_LIMIT;
	}
	if (!err)
		err = parse_id_text(xml_get_attr(el, "id"), &p->id);
	if (!err)
		err = time_attr(el, "expires", &p->expires);
	if (!err)
		err = b64_text(el, p->pub, X25519_LEN);
	for (size_t i = 0; !err && i < b->n_opk; i++)
		if (b->opk[i].id == p->id)
			err = bad("a one-time prekey id repeats in the bundle%s", "");
	if (!err)
		b->n_opk++;
	return err;
}

/* The element children in order; text between them must be white space. */
struct kids {
	const struct xml_node **el;
	size_t n;
	size_t next;
};

static int is_space(const struct xml_node *t)
{
	for (size_t i = 0; i < t->text_len; i++)
		if (!strchr(" \t\r\n", t->text[i]))
			return 0;
	return 1;
}

static int kids_collect(const struct xml_node *root, struct kids *k)
{
	k->el = calloc(root->n_children + 1, sizeof(*k->el));
	k->n = k->next = 0;
	if (!k->el)
		return XE2E_E_NOMEM;
	for (size_t i = 0; i < root->n_children; i++) {
		const struct xml_node *c = root->children[i];

		if (c->type == XML_TEXT && !is_space(c))
			return bad("text in the bundle%s", "");
		if (c->type != XML_ELEMENT)
			continue;
		if (!c->ns || strcmp(c->ns, XE2E_NS) != 0)
			return bad("<%s> in another namespace in the bundle", c->name);
		k->el[k->n++] = c;
	}
	return XE2E_OK;
}

/* The next child when it is called name, else NULL. */
static const struct xml_node *kids_take(struct kids *k, const char *name)
{
	if (k->next == k->n || strcmp(k->el[k->next]->name, name) != 0)
		return NULL;
	return k->el[k->next++];
}

static int parse_children_full(struct kids *k, struct bundle *b)
{
	const struct xml_node *el = kids_take(k, "identity");
	int err = el ? parse_identity(el, b) : bad("no %s in the full bundle", "<identity>");

	if (!err && (el = kids_take(k, "certificate")))
		err = parse_certificate(el, b);
	if (!err)
		err = (el = kids_take(k, "device")) ? parse_device(el, b)
						      : bad("no %s in the full bundle", "<device>");
	return err;
}

static int parse_children(struct kids *k, struct bundle *b)
{
	const struct xml_node *el;
	int err;

	if (b->form == BUNDLE_FULL)
		err = parse_children_full(k, b);
	else
		err = (el = kids_take(k, "identity-sealed"))
			      ? parse_sealed_identity(el, b)
			      : bad("no %s in the minimal bundle", "<identity-sealed>");
	if (!err)
		err = (el = kids_take(k, "signed-prekey")) ? parse_spk(el, b)
							  : bad("no signed prekey%s", "");
	while (!err && (el = kids_take(k, "prekey")))
		err = parse_opk(el, b);
	if (!err && k->next != k->n)
		err = bad("unexpected <%s> in the bundle", k->el[k->next]->name);
	return err;
}

static int parse_root(const struct xml_node *root, struct bundle *b)
{
	static const char *const names[] = {"version", "form", "jid", "device"};
	const char *form, *jid;
	char norm[JID_MAX + 1];
	int err;

	if (strcmp(root->name, "bundle") != 0 || !root->ns || strcmp(root->ns, XE2E_NS) != 0)
		return bad("not a bundle in %s", XE2E_NS);
	err = attrs_exact(root, names, ARRAY_SIZE(names));
	if (!err && strcmp(xml_get_attr(root, "version"), BUNDLE_VERSION) != 0) {
		err_detail_set("bundle version %.16s", xml_get_attr(root, "version"));
		return XE2E_E_UNSUPPORTED;
	}
	form = err ? "" : xml_get_attr(root, "form");
	if (!err && strcmp(form, "full") != 0 && strcmp(form, "minimal") != 0)
		err = bad("bundle form \"%.16s\"", form);
	b->form = !strcmp(form, "full") ? BUNDLE_FULL : BUNDLE_MINIMAL;
	jid = err ? "" : xml_get_attr(root, "jid");
	if (!err && (identity_jid_normalize(jid, norm) || strcmp(norm, jid) != 0))
		err = bad("the bundle's JID is not a normalised bare JID%s", "");
	if (!err)
		strcpy(b->jid, jid);
	return err ? err : parse_id_text(xml_get_attr(root, "device"), &b->device_id);
}

int bundle_parse(const char *xml, size_t len, struct bundle *b)
{
	struct xml_limits lim = xml_limits_default();
	struct xml_node *root = NULL;
	struct kids k = {NULL, 0, 0};
	int err;

	if (len > BUNDLE_MAX_SIZE) {
		err_detail_set("a bundle of more than %u bytes", BUNDLE_MAX_SIZE);
		return XE2E_E_LIMIT;
	}
	lim.max_stanza_bytes = BUNDLE_MAX_SIZE;
	bundle_free(b);
	err = xml_parse_element(xml, len, &lim, &root);
	if (!err)
		err = parse_root(root, b);
	if (!err)
		err = kids_collect(root, &k);
	if (!err)
		err = parse_children(&k, b);
	free(k.el);
	xml_free(root);
	if (err)
		bundle_free(b);
	return err;
}
