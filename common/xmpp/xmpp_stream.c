#include "xmpp_stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

#define MECH_NAME_MAX 20 /* RFC 4422 section 3.1 */

static const struct {
	enum xmpp_mech mech;
	const char *name;
} mechs[] = {
	{XMPP_MECH_SCRAM_SHA256, "SCRAM-SHA-256"},
	{XMPP_MECH_SCRAM_SHA1, "SCRAM-SHA-1"},
	{XMPP_MECH_PLAIN, "PLAIN"},
};

int xmpp_is(const struct xml_node *el, const char *name, const char *ns)
{
	return el && el->type == XML_ELEMENT && !strcmp(el->name, name) && el->ns &&
	       !strcmp(el->ns, ns);
}

const char *xmpp_mech_name(enum xmpp_mech mech)
{
	for (size_t i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
		if (mechs[i].mech == mech)
			return mechs[i].name;
	return NULL;
}

enum xmpp_mech xmpp_mech_choose(unsigned offered, int tls)
{
	for (size_t i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++) {
		if (mechs[i].mech == XMPP_MECH_PLAIN && !tls)
			continue;
		if (offered & mechs[i].mech)
			return mechs[i].mech;
	}
	return 0;
}

/* --- features --- */

static int parse_mechanisms(const struct xml_node *el, struct xmpp_features *f)
{
	f->sasl = 1;
	for (size_t i = 0; i < el->n_children; i++) {
		const struct xml_node *m = el->children[i];
		char *name;
		size_t n;

		if (!xmpp_is(m, "mechanism", XMPP_NS_SASL))
			continue;
		name = xml_text(m);
		if (!name)
			return XE2E_E_NOMEM;
		n = strlen(name);
		for (size_t k = 0; k < sizeof(mechs) / sizeof(mechs[0]); k++)
			if (!strcmp(name, mechs[k].name))
				f->mechs |= mechs[k].mech;
		free(name);
		if (n == 0 || n > MECH_NAME_MAX) {
			err_detail_set("a SASL mechanism name of %zu characters", n);
			return XE2E_E_MALFORMED;
		}
	}
	return XE2E_OK;
}

static int parse_feature(const struct xml_node *el, struct xmpp_features *f)
{
	if (xmpp_is(el, "starttls", XMPP_NS_TLS)) {
		f->starttls = 1;
		f->starttls_required = xml_find_child(el, "required", XMPP_NS_TLS) != NULL;
	} else if (xmpp_is(el, "mechanisms", XMPP_NS_SASL)) {
		return parse_mechanisms(el, f);
	} else if (xmpp_is(el, "bind", XMPP_NS_BIND)) {
		f->bind = 1;
	} else if (xmpp_is(el, "session", XMPP_NS_SESSION)) {
		f->session = xml_find_child(el, "optional", XMPP_NS_SESSION) == NULL;
	}
	return XE2E_OK;
}

int xmpp_features_parse(const struct xml_node *el, struct xmpp_features *f)
{
	int err = XE2E_OK;

	if (!f)
		return XE2E_E_MALFORMED;
	memset(f, 0, sizeof(*f));
	if (!xmpp_is(el, "features", XML_NS_STREAMS)) {
		err_detail_set("expected <stream:features/>, got <%s/>", el ? el->name : "nothing");
		return XE2E_E_MALFORMED;
	}
	for (size_t i = 0; i < el->n_children && !err; i++)
		if (el->children[i]->type == XML_ELEMENT)
			err = parse_feature(el->children[i], f);
	if (err)
		memset(f, 0, sizeof(*f));
	return err;
}

/* --- the header --- */

int xmpp_stream_header(struct buf *out, const char *domain, const char *from)
{
	int err = buf_append_str(out, "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
				      "xmlns:stream='http://etherx.jabber.org/streams' to='");

	/* domain and from are normalised JIDs: no quote, '<' or '&' */
	if (!err)
		err = buf_append_str(out, domain);
	if (!err && from)
		err = buf_printf(out, "' from='%s", from);
	if (!err)
		err = buf_append_str(out, "' version='1.0' xml:lang='en'>");
	return err;
}

/* --- conditions --- */

/* Copies text into out, control characters (and newlines) as '?'. */
static void copy_clean(char *out, size_t size, const char *text)
{
	size_t n = 0;

	for (; text[n] && n + 1 < size; n++)
		out[n] = (unsigned char)text[n] < 0x20 || text[n] == 0x7f ? '?' : text[n];
	out[n] = '\0';
}

void xmpp_condition_text(const struct xml_node *el, const char *cond_ns, char *out, size_t size)
{
	const char *cond = NULL;
	const struct xml_node *t = el ? xml_find_child(el, "text", cond_ns) : NULL;
	char *text = t ? xml_text(t) : NULL;
	char line[512];

	for (size_t i = 0; el && i < el->n_children && !cond; i++) {
		const struct xml_node *c = el->children[i];

		if (c->type == XML_ELEMENT && c->ns && !strcmp(c->ns, cond_ns) &&
		    strcmp(c->name, "text"))
			cond = c->name;
	}
	snprintf(line, sizeof(line), "%s%s%.300s", cond ? cond : "unknown",
		 text && *text ? ": " : "", text ? text : "");
	copy_clean(out, size, line);
	free(text);
}
