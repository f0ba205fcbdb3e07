#include "xmpp_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "store.h"
#include "util.h"
#include "xmpp_net.h"
#include "xmpp_sasl.h"

/* One negotiation. */
struct nego {
	struct xmpp_conn *c;
	const struct xmpp_client_options *o;
	struct xmpp_client_info *info;
	struct jid jid;
	char bare[JID_MAX + 1];
	struct xmpp_features features;
};

/* --- reading --- */

static int stream_error(const struct xml_node *el)
{
	char why[400];

	xmpp_condition_text(el, XMPP_NS_STREAM_ERRORS, why, sizeof(why));
	err_detail_set("stream error from the server: %s", why);
	return XE2E_E_IO;
}

/* The next element of the server's stream; a <stream:error/> ends it. */
static int expect(struct nego *n, struct xml_node **el)
{
	int err = xmpp_conn_next(n->c, el, xmpp_net_now_ms() + n->c->timeout_ms);

	if (!err && xmpp_is(*el, "error", XML_NS_STREAMS)) {
		err = stream_error(*el);
		xml_free(*el);
		*el = NULL;
	}
	return err;
}

/* The server's stream header must say version 1.0 or later (RFC 6120
 * section 4.7.5). */
static int check_header(const struct nego *n)
{
	const char *v = xml_get_attr(xmpp_frame_header(n->c->frame), "version");

	if (v && v[0] >= '1' && v[0] <= '9')
		return XE2E_OK;
	err_detail_set("the server's stream has no version 1.0 (an XMPP server from before "
		       "RFC 3920?)");
	return XE2E_E_UNSUPPORTED;
}

/* Sends our stream header and reads the server's features. */
static int open_stream(struct nego *n)
{
	struct buf header = BUF_INIT;
	struct xml_node *el = NULL;
	int err = xmpp_stream_header(&header, n->jid.domain, n->c->tls ? n->bare : NULL);

	if (!err)
		err = xmpp_conn_write(n->c, header.data, header.len);
	if (!err)
		err = expect(n, &el);
	if (!err)
		err = check_header(n);
	if (!err)
		err = xmpp_features_parse(el, &n->features);
	xml_free(el);
	buf_free(&header);
	return err;
}

/* --- STARTTLS (RFC 6120 section 5) --- */

static int starttls(struct nego *n)
{
	struct xml_node *el;
	int err;

	if (!n->features.starttls) {
		err_detail_set("the server does not offer STARTTLS; this client never logs in "
			       "without TLS");
		return XE2E_E_UNSUPPORTED;
	}
	el = xml_element_new("starttls", XMPP_NS_TLS);
	err = el ? xmpp_conn_send(n->c, el) : XE2E_E_NOMEM;
	xml_free(el);
	el = NULL;
	if (!err)
		err = expect(n, &el);
	if (!err && !xmpp_is(el, "proceed", XMPP_NS_TLS)) {
		err_detail_set("the server refused STARTTLS (<%s/>)", el->name);
		err = XE2E_E_UNSUPPORTED;
	}
	xml_free(el);
	if (!err)
		err = xmpp_conn_restart(n->c);
	if (!err)
		err = xmpp_conn_start_tls(n->c, &n->o->tls, n->jid.domain,
					  &n->info->verify_flags);
	if (!err)
		xmpp_tls_describe(n->c->tls, n->info->tls, sizeof(n->info->tls));
	return err;
}

/* --- SASL --- */

/* The mechanisms that may be used: those asked for, and never PLAIN when
 * the certificate is not verified (it would hand the password to whoever
 * answered). */
static unsigned mechs_allowed(const struct xmpp_client_options *o)
{
	unsigned allowed = o->mechs ? o->mechs : ~0u;

	if (o->tls.insecure)
		allowed &= ~(unsigned)XMPP_MECH_PLAIN;
	return allowed;
}

static int authenticate(struct nego *n)
{
	unsigned allowed = mechs_allowed(n->o);
	enum xmpp_mech mech = xmpp_mech_choose(n->features.mechs & allowed, n->c->tls != NULL);
	int err;

	if (n->features.sasl && !mech && (n->features.mechs & XMPP_MECH_PLAIN) &&
	    (n->o->mechs & ~(unsigned)XMPP_MECH_PLAIN) == 0 && n->o->tls.insecure) {
		/* Only the insecure filter removed what the server offers. */
		err_detail_set("the server offers no SCRAM mechanism, only PLAIN, which sends the "
			       "password itself: PLAIN is never used when the server's "
			       "certificate is not verified, since whoever answered would get the "
			       "password");
		return XE2E_E_UNSUPPORTED;
	}
	if (!n->features.sasl || !mech) {
		err_detail_set("no SASL mechanism in common with the server (this client uses "
			       "SCRAM-SHA-256, SCRAM-SHA-1, PLAIN)");
		return XE2E_E_UNSUPPORTED;
	}
	if (!*n->jid.local) {
		err_detail_set("the JID has no local part to log in with");
		return XE2E_E_MALFORMED;
	}
	err = xmpp_sasl_auth(n->c, mech, n->jid.local, n->o->password);
	if (!err)
		n->info->mech = mech;
	if (!err)
		err = xmpp_conn_restart(n->c);
	return err;
}

/* --- resource binding (RFC 6120 section 7) and the old session --- */

static int iq_set(const char *id, const char *child, const char *ns, const char *resource,
		  struct xml_node **out)
{
	struct xml_node *iq = xml_element_new("iq", XML_NS_CLIENT);
	struct xml_node *el = xml_element_new(child, ns), *res = NULL;
	int err = iq && el ? XE2E_OK : XE2E_E_NOMEM;

	if (!err)
		err = xml_set_attr(iq, "type", "set");
	if (!err)
		err = xml_set_attr(iq, "id", id);
	if (!err && resource) {
		res = xml_element_new("resource", ns);
		err = res ? xml_append_text(res, resource, strlen(resource)) : XE2E_E_NOMEM;
		if (!err)
			err = xml_append_child(el, res);
		else
			xml_free(res);
	}
	if (!err)
		err = xml_append_child(iq, el);
	else
		xml_free(el);
	if (err)
		xml_free(iq);
	else
		*out = iq;
	return err;
}

/* 1 when el is the answer (result or error) to our iq id. */
static int is_answer(const struct xml_node *el, const char *id)
{
	const char *type = xml_get_attr(el, "type"), *got = xml_get_attr(el, "id");

	return xmpp_is(el, "iq", XML_NS_CLIENT) && got && !strcmp(got, id) && type &&
	       (!strcmp(type, "result") || !strcmp(type, "error"));
}

/* Sends an iq and waits for its answer, holding other stanzas. */
static int iq_round(struct nego *n, struct xml_node *iq, const char *what, struct xml_node **answer)
{
	const char *id = xml_get_attr(iq, "id");
	struct xml_node *el = NULL;
	char why[400];
	int err = xmpp_conn_send(n->c, iq);

	while (!err && !(err = expect(n, &el)) && !is_answer(el, id)) {
		err = xmpp_conn_hold(n->c, el);
		el = NULL;
	}
	if (!err && !strcmp(xml_get_attr(el, "type"), "error")) {
		xmpp_condition_text(xml_find_child(el, "error", NULL), XMPP_NS_STANZA_ERRORS, why,
				    sizeof(why));
		err_detail_set("the server refused %s: %s", what, why);
		err = XE2E_E_STATE;
	}
	if (err)
		xml_free(el);
	else
		*answer = el;
	return err;
}

static int take_bound_jid(struct nego *n, const struct xml_node *answer)
{
	const struct xml_node *bind = xml_find_child(answer, "bind", XMPP_NS_BIND);
	const struct xml_node *jid = bind ? xml_find_child(bind, "jid", XMPP_NS_BIND) : NULL;
	char *text = jid ? xml_text(jid) : NULL;
	struct jid bound;
	int err = XE2E_E_MALFORMED;

	if (text && !jid_parse(text, &bound) && *bound.resource) {
		jid_full(&bound, n->info->full_jid);
		err = jid_same_bare(n->info->full_jid, n->bare) ? XE2E_OK : XE2E_E_MALFORMED;
	}
	if (err)
		err_detail_set("the server bound a JID that is not %s/RESOURCE", n->bare);
	free(text);
	return err;
}

static int bind_resource(struct nego *n)
{
	const char *res = n->o->resource ? n->o->resource
					 : *n->jid.resource ? n->jid.resource : NULL;
	struct xml_node *iq = NULL, *answer = NULL;
	int err;

	if (!n->features.bind) {
		err_detail_set("the server does not offer resource binding");
		return XE2E_E_UNSUPPORTED;
	}
	err = iq_set("xe2e-bind", "bind", XMPP_NS_BIND, res, &iq);
	if (!err)
		err = iq_round(n, iq, "the resource binding", &answer);
	if (!err)
		err = take_bound_jid(n, answer);
	xml_free(iq);
	xml_free(answer);
	return err;
}

static int start_session(struct nego *n)
{
	struct xml_node *iq = NULL, *answer = NULL;
	int err;

	if (!n->features.session)
		return XE2E_OK;
	err = iq_set("xe2e-session", "session", XMPP_NS_SESSION, NULL, &iq);
	if (!err)
		err = iq_round(n, iq, "the session", &answer);
	xml_free(iq);
	xml_free(answer);
	return err;
}

static int send_presence(struct nego *n)
{
	struct xml_node *p = xml_element_new("presence", XML_NS_CLIENT);
	int err = p ? xmpp_conn_send(n->c, p) : XE2E_E_NOMEM;

	xml_free(p);
	return err;
}

/* --- all of it --- */

static int prepare(struct nego *n)
{
	int err = jid_parse(n->o->jid, &n->jid);

	if (err)
		return err;
	jid_bare(&n->jid, n->bare);
	if (!n->o->password || !*n->o->password) {
		err_detail_set("no password");
		return XE2E_E_AUTH;
	}
	return XE2E_OK;
}

int xmpp_client_connect(struct xmpp_conn *c, const struct xmpp_client_options *o,
			struct xmpp_client_info *info)
{
	struct nego n;
	int err;

	if (!c || !o || !o->jid || !info)
		return XE2E_E_MALFORMED;
	memset(&n, 0, sizeof(n));
	memset(info, 0, sizeof(*info));
	n.c = c;
	n.o = o;
	n.info = info;
	err = prepare(&n);
	if (!err)
		err = xmpp_conn_open(c, o->host ? o->host : n.jid.domain,
				     o->port ? o->port : XMPP_DEFAULT_PORT);
	if (!err)
		err = open_stream(&n);
	if (!err)
		err = starttls(&n);
	if (!err)
		err = open_stream(&n);
	if (!err)
		err = authenticate(&n);
	if (!err)
		err = open_stream(&n);
	if (!err)
		err = bind_resource(&n);
	if (!err)
		err = start_session(&n);
	if (!err && o->presence)
		err = send_presence(&n);
	wipe(&n, sizeof(n));
	return err;
}

/* --- the password file --- */

int xmpp_password_read(const char *path, char out[static XMPP_PASSWORD_MAX + 1])
{
	struct buf file = BUF_INIT;
	size_t n = 0;
	int err = store_read_file(path, 65536, 1, &file);

	while (!err && n < file.len && file.data[n] != '\n')
		n++;
	if (!err && n && file.data[n - 1] == '\r')
		n--;
	if (!err && (n == 0 || memchr(file.data, 0, n))) {
		err_detail_set("%s: the first line is empty or holds a NUL byte", path);
		err = XE2E_E_MALFORMED;
	}
	if (!err && n > XMPP_PASSWORD_MAX) {
		err_detail_set("%s: the password is longer than %d bytes", path,
			       XMPP_PASSWORD_MAX);
		err = XE2E_E_LIMIT;
	}
	if (!err) {
		memcpy(out, file.data, n);
		out[n] = '\0';
	}
	buf_free(&file);
	return err;
}
