/* The <offline/> element that carries an initial message. */
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "err.h"
#include "offline_session.h"
#include "unit.h"
#include "xml.h"

static const uint8_t wire[] = "an initial message, as bytes";

static struct xml_node *parse(const char *text)
{
	struct xml_node *el = NULL;

	CHECK_INT(xml_parse_element(text, strlen(text), NULL, &el), XE2E_OK);
	return el;
}

TEST(offline_envelope_round_trip)
{
	struct envelope_addr a = {STANZA_MESSAGE, "bob@montague.lit", "alice@capulet.lit/balcony",
				  "chat", "m1"};
	struct xml_node *st = NULL, *copy = NULL, *back = NULL;
	struct envelope env;
	struct buf text = BUF_INIT;

	CHECK_INT(offline_envelope_build(&a, wire, sizeof(wire), "[encrypted]", &st), XE2E_OK);
	CHECK_INT(xml_serialize(st, &text), XE2E_OK);
	CHECK_INT(buf_terminate(&text), XE2E_OK);
	CHECK_STR((char *)text.data,
		  "<message to='bob@montague.lit' from='alice@capulet.lit/balcony' type='chat' "
		  "id='m1'><offline xmlns='urn:xe2e:1'>YW4gaW5pdGlhbCBtZXNzYWdlLCBhcyBieXRlcwA="
		  "</offline><encryption xmlns='urn:xmpp:eme:0' namespace='urn:xe2e:1'/>"
		  "<body>[encrypted]</body></message>");
	/* Read back as it arrives, and the stanza itself is left alone. */
	back = parse((char *)text.data);
	CHECK_INT(offline_envelope_parse(back, &copy, &env), XE2E_OK);
	CHECK(env.wire.len == sizeof(wire) && !memcmp(env.wire.data, wire, sizeof(wire)));
	CHECK_INT(env.addr.kind, STANZA_MESSAGE);
	CHECK_STR(env.addr.to, "bob@montague.lit");
	CHECK_STR(env.addr.from, "alice@capulet.lit/balcony");
	CHECK_STR(env.addr.type, "chat");
	CHECK_STR(env.addr.id, "m1");
	CHECK_INT(env.n_unsealed, 1); /* the fallback body */
	CHECK(xml_find_child(back, "offline", "urn:xe2e:1") != NULL);
	envelope_free(&env);
	xml_free(copy);
	xml_free(back);
	xml_free(st);
	buf_free(&text);
}

TEST(offline_envelope_parsing_is_strict)
{
	static const struct {
		const char *xml;
		int want;
	} cases[] = {
		{"<message from='a@b.c'><body>plain</body></message>", XE2E_E_NOTFOUND},
		{"<message from='a@b.c'><offline xmlns='urn:other'>AAAA</offline></message>",
		 XE2E_E_NOTFOUND},
		{"<message from='a@b.c'><offline xmlns='urn:xe2e:1'>AAAA</offline>"
		 "<sealed xmlns='urn:xe2e:1'>AAAA</sealed></message>",
		 XE2E_E_MALFORMED},
		{"<message from='a@b.c'><offline xmlns='urn:xe2e:1'>AAAA</offline>"
		 "<offline xmlns='urn:xe2e:1'>AAAA</offline></message>",
		 XE2E_E_MALFORMED},
		{"<message from='a@b.c'><offline xmlns='urn:xe2e:1' x='1'>AAAA</offline></message>",
		 XE2E_E_MALFORMED},
		{"<message from='a@b.c'><offline xmlns='urn:xe2e:1'><b/></offline></message>",
		 XE2E_E_MALFORMED},
		{"<message from='a@b.c'><offline xmlns='urn:xe2e:1'>AAA</offline></message>",
		 XE2E_E_MALFORMED},
		{"<message from='a@b.c'><offline xmlns='urn:xe2e:1'>AAAA</offline></message>", XE2E_OK},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct xml_node *st = parse(cases[i].xml), *copy = NULL;
		struct envelope env;
		int err = st ? offline_envelope_parse(st, &copy, &env) : XE2E_E_STATE;

		if (err != cases[i].want)
			unit_fail(__FILE__, __LINE__, "case %zu: %d, want %d", i, err, cases[i].want);
		if (!err)
			envelope_free(&env);
		CHECK(err == XE2E_OK || copy == NULL);
		xml_free(copy);
		xml_free(st);
	}
}
