#include "xmpp_sasl.h"

#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "err.h"
#include "util.h"
#include "xmpp_net.h"
#include "xmpp_scram.h"

/* --- the elements --- */

/* Sends <name xmlns=sasl [mechanism=mech]>base64(data)</name>; no data is
 * written "=" (RFC 6120 section 6.4.2). */
static int send_sasl(struct xmpp_conn *c, const char *name, const char *mech,
		     const struct buf *data)
{
	struct xml_node *el = xml_element_new(name, XMPP_NS_SASL);
	size_t size = b64_encoded_size(data->len);
	char *text = malloc(size);
	int err = el && text ? XE2E_OK : XE2E_E_NOMEM;

	if (!err && mech)
		err = xml_set_attr(el, "mechanism", mech);
	if (!err)
		err = data->len ? b64_encode(data->data, data->len, text, size) : XE2E_OK;
	if (!err)
		err = xml_append_text(el, data->len ? text : "=", data->len ? strlen(text) : 1);
	if (!err)
		err = xmpp_conn_send(c, el);
	if (text)
		wipe(text, size);
	free(text);
	xml_free(el);
	return err;
}

/* The decoded text of a <challenge/> or <success/>; empty or "=" is no
 * data. */
static int sasl_data(const struct xml_node *el, struct buf *out)
{
	char *text = xml_text(el);
	size_t n = 0, len;
	int err = text ? buf_reserve(out, XMPP_SASL_DATA_MAX) : XE2E_E_NOMEM;

	buf_clear(out);
	len = text ? strlen(text) : 0;
	if (!err && len && strcmp(text, "=")) {
		err = b64_decode(text, len, out->data, XMPP_SASL_DATA_MAX, &n);
		if (err) {
			err_detail_set("SASL data from the server is not canonical base64 of at "
				       "most %d bytes", XMPP_SASL_DATA_MAX);
			err = XE2E_E_MALFORMED;
		}
	}
	out->len = err ? 0 : n;
	free(text);
	return err;
}

static int failure(const struct xml_node *el)
{
	char why[400];

	xmpp_condition_text(el, XMPP_NS_SASL, why, sizeof(why));
	err_detail_set("the server refused the login: %s", why);
	return XE2E_E_AUTH;
}

/* The server's next SASL element: challenge, success or failure. */
static int next_sasl(struct xmpp_conn *c, struct xml_node **el)
{
	int err = xmpp_conn_next(c, el, xmpp_net_now_ms() + c->timeout_ms);

	if (err)
		return err;
	if (xmpp_is(*el, "failure", XMPP_NS_SASL)) {
		err = failure(*el);
	} else if (!xmpp_is(*el, "challenge", XMPP_NS_SASL) &&
		   !xmpp_is(*el, "success", XMPP_NS_SASL)) {
		err_detail_set("unexpected <%s/> during SASL", (*el)->name);
		err = XE2E_E_MALFORMED;
	}
	if (err) {
		xml_free(*el);
		*el = NULL;
	}
	return err;
}

/* --- PLAIN (RFC 4616): "" NUL user NUL password --- */

static int auth_plain(struct xmpp_conn *c, const char *user, const char *password)
{
	struct buf msg = BUF_INIT;
	struct xml_node *el = NULL;
	int err;

	if (!c->tls) {
		err_detail_set("PLAIN is never used without TLS");
		return XE2E_E_STATE;
	}
	err = buf_append_byte(&msg, 0);
	if (!err)
		err = buf_append(&msg, user, strlen(user) + 1);
	if (!err)
		err = buf_append_str(&msg, password);
	if (!err)
		err = send_sasl(c, "auth", "PLAIN", &msg);
	if (!err)
		err = next_sasl(c, &el);
	if (!err && !xmpp_is(el, "success", XMPP_NS_SASL)) {
		err_detail_set("a SASL challenge for PLAIN");
		err = XE2E_E_MALFORMED;
	}
	xml_free(el);
	buf_free(&msg);
	return err;
}

/* --- SCRAM --- */

/* After client-final: the server signature comes in <success/> or in a
 * last <challenge/>, answered by an empty <response/>. */
static int scram_finish(struct xmpp_conn *c, struct scram *s, struct buf *data)
{
	struct xml_node *el = NULL;
	struct buf empty = BUF_INIT;
	int challenge = 0, err = next_sasl(c, &el);

	if (!err) {
		challenge = xmpp_is(el, "challenge", XMPP_NS_SASL);
		err = sasl_data(el, data);
	}
	if (!err && data->len == 0) {
		err_detail_set("the server did not prove it knows the password (no SCRAM "
			       "server signature)");
		err = XE2E_E_AUTH;
	}
	if (!err)
		err = scram_verify(s, data->data, data->len);
	if (!err && challenge) {
		xml_free(el);
		el = NULL;
		err = send_sasl(c, "response", NULL, &empty);
		if (!err)
			err = next_sasl(c, &el);
		if (!err && !xmpp_is(el, "success", XMPP_NS_SASL)) {
			err_detail_set("a SASL challenge after the SCRAM exchange");
			err = XE2E_E_MALFORMED;
		}
	}
	xml_free(el);
	return err;
}

static int auth_scram(struct xmpp_conn *c, enum scram_alg alg, const char *user,
		      const char *password)
{
	struct scram s = SCRAM_INIT;
	struct buf msg = BUF_INIT, data = BUF_INIT;
	struct xml_node *el = NULL;
	int err = scram_start(&s, alg, user, NULL, &msg);

	if (!err)
		err = send_sasl(c, "auth", scram_mech_name(alg), &msg);
	if (!err)
		err = next_sasl(c, &el);
	if (!err && !xmpp_is(el, "challenge", XMPP_NS_SASL)) {
		err_detail_set("SASL success before the SCRAM exchange was done");
		err = XE2E_E_AUTH;
	}
	if (!err)
		err = sasl_data(el, &data);
	buf_clear(&msg);
	if (!err)
		err = scram_respond(&s, password, data.data, data.len, &msg);
	if (!err)
		err = send_sasl(c, "response", NULL, &msg);
	if (!err)
		err = scram_finish(c, &s, &data);
	xml_free(el);
	scram_wipe(&s);
	buf_free(&msg);
	buf_free(&data);
	return err;
}

int xmpp_sasl_auth(struct xmpp_conn *c, enum xmpp_mech mech, const char *user,
		   const char *password)
{
	switch (mech) {
	case XMPP_MECH_SCRAM_SHA256: return auth_scram(c, SCRAM_SHA256, user, password);
	case XMPP_MECH_SCRAM_SHA1: return auth_scram(c, SCRAM_SHA1, user, password);
	case XMPP_MECH_PLAIN: return auth_plain(c, user, password);
	}
	err_detail_set("no SASL mechanism");
	return XE2E_E_UNSUPPORTED;
}
