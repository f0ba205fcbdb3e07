/*
 * A received stanza, as xe2e-open and xe2e-verify-sas look at it before
 * and after opening (envelope.h, stanza_frame.h, verify_msg.h): its kind,
 * its <sealed/> envelope, a server bounce, and the verification control
 * elements.
 *
 * Checked: a sealed envelope that parses is rebuilt by envelope_build()
 * into one that parses to the same addresses and ratchet message; a
 * control element that parses is rebuilt by verify_msg_build() into one
 * that parses the same; the documented errors only.
 */
#include "fuzz.h"

#include <string.h>

#include "buf.h"
#include "envelope.h"
#include "err.h"
#include "verify_msg.h"
#include "xml.h"

static int fz_stanza_same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void fz_stanza_envelope(const struct xml_node *el)
{
	struct envelope env, again;
	struct xml_node *rebuilt = NULL;
	struct buf ad = BUF_INIT;
	int err;

	memset(&env, 0, sizeof(env));
	memset(&again, 0, sizeof(again));
	err = envelope_parse(el, &env);
	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_NOTFOUND || err == XE2E_E_UNSUPPORTED ||
		   err == XE2E_E_MALFORMED || err == XE2E_E_LIMIT);
	if (err != XE2E_OK)
		return;
	err = envelope_ad(env.addr.kind, env.addr.type, env.addr.id, "alice@capulet.lit",
			  "bob@montague.lit", &ad);
	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_LIMIT);
	err = envelope_build(&env.addr, env.wire.data, env.wire.len, NULL, &rebuilt);
	FUZZ_CHECK(err == XE2E_OK);
	if (err == XE2E_OK) {
		FUZZ_CHECK(envelope_parse(rebuilt, &again) == XE2E_OK);
		FUZZ_CHECK(again.addr.kind == env.addr.kind &&
			   fz_stanza_same_str(again.addr.to, env.addr.to) &&
			   fz_stanza_same_str(again.addr.from, env.addr.from) &&
			   fz_stanza_same_str(again.addr.type, env.addr.type) &&
			   fz_stanza_same_str(again.addr.id, env.addr.id));
		FUZZ_CHECK(again.wire.len == env.wire.len &&
			   memcmp(again.wire.data, env.wire.data, env.wire.len) == 0);
		FUZZ_CHECK(again.n_unsealed == 0);
		envelope_free(&again);
	}
	xml_free(rebuilt);
	envelope_free(&env);
	buf_free(&ad);
}

static void fz_stanza_verify_el(const struct xml_node *el)
{
	struct verify_msg m, back;
	struct xml_node *built = NULL;
	int err = verify_msg_parse(el, &m);

	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_NOTFOUND || err == XE2E_E_MALFORMED);
	if (err != XE2E_OK)
		return;
	FUZZ_CHECK(m.len <= VERIFY_BODY_MAX);
	FUZZ_CHECK(verify_msg_build(&m, &built) == XE2E_OK);
	if (built) {
		FUZZ_CHECK(verify_msg_parse(built, &back) == XE2E_OK);
		FUZZ_CHECK(back.method == m.method && back.step == m.step && back.len == m.len &&
			   memcmp(back.body, m.body, m.len) == 0 && back.answer == m.answer &&
			   back.reason == m.reason);
	}
	xml_free(built);
	verify_msg_wipe(&m);
}

static void fz_stanza_verify(const struct xml_node *el)
{
	struct verify_msg m;
	int err = verify_msg_find(el, &m);

	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_NOTFOUND || err == XE2E_E_MALFORMED);
	verify_msg_wipe(&m);
	fz_stanza_verify_el(el);
	for (size_t i = 0; i < el->n_children; i++)
		if (el->children[i]->type == XML_ELEMENT)
			fz_stanza_verify_el(el->children[i]);
}

int fuzz_stanza(const uint8_t *data, size_t size)
{
	struct xml_node *el = NULL;
	enum stanza_kind kind;
	char cond[ENVELOPE_COND_MAX];
	int err;

	if (xml_parse_element((const char *)data, size, NULL, &el) != XE2E_OK)
		return 0;
	err = stanza_kind_of(el, &kind);
	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_UNSUPPORTED);
	if (err == XE2E_OK)
		FUZZ_CHECK(stanza_kind_name(kind) != NULL);
	memset(cond, 'x', sizeof(cond));
	if (envelope_is_bounce(el, cond))
		FUZZ_CHECK(memchr(cond, '\0', sizeof(cond)) != NULL);
	fz_stanza_envelope(el);
	fz_stanza_verify(el);
	xml_free(el);
	return 0;
}
