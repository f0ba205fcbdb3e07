/*
 * The sealed stanza on the wire: associated data byte for byte, each of its
 * fields bound by the ratchet's AEAD, building and reading <sealed/>,
 * routing checks, and server bounces.
 */
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "err.h"
#include "ratchet.h"
#include "test_ratchet.h"
#include "test_xml.h"
#include "unit.h"
#include "xml.h"

#define ALICE "alice@capulet.lit"
#define BOB "bob@montague.lit"

static struct xml_node *parse(const char *text)
{
	struct xml_node *el = NULL;

	CHECK_INT(xml_parse_element(text, strlen(text), NULL, &el), XE2E_OK);
	return el;
}

TEST(envelope_ad_bytes)
{
	static const uint8_t want[] = {
		0, 14, 'x', 'e', '2', 'e', ' ', 's', 't', 'a', 'n', 'z', 'a', ' ', 'v', '1',
		0, 2, 'i', 'q',
		1, 0, 6, 'r', 'e', 's', 'u', 'l', 't',
		0,
		0, 3, 'a', '@', 'b',
		0, 5, 'c', '@', 'd', '.', 'e',
	};
	struct buf ad = BUF_INIT;

	CHECK_INT(envelope_ad(STANZA_IQ, "result", NULL, "a@b", "c@d.e", &ad), XE2E_OK);
	CHECK_INT(ad.len, sizeof(want));
	CHECK_MEM(ad.data, want, sizeof(want));
	buf_clear(&ad);
	/* An empty id is not an absent one. */
	CHECK_INT(envelope_ad(STANZA_IQ, "result", "", "a@b", "c@d.e", &ad), XE2E_OK);
	CHECK_INT(ad.len, sizeof(want) + 2);
	buf_free(&ad);
}

TEST(envelope_ad_refuses_long_fields)
{
	char *big = malloc(70000);
	struct buf ad = BUF_INIT;

	memset(big, 'x', 69999);
	big[69999] = '\0';
	CHECK_INT(envelope_ad(STANZA_MESSAGE, "chat", big, ALICE, BOB, &ad), XE2E_E_LIMIT);
	CHECK_INT(ad.len, 0);
	buf_free(&ad);
	free(big);
}

/* AD of one stanza, with field f (0..5) changed, or none for f = -1. */
static void ad_variant(int f, struct buf *ad)
{
	enum stanza_kind kind = f == 0 ? STANZA_IQ : STANZA_MESSAGE;
	const char *type = f == 1 ? "normal" : f == 5 ? NULL : "chat";
	const char *id = f == 2 ? "m2" : "m1";
	const char *from = f == 3 ? BOB : ALICE, *to = f == 3 ? ALICE : f == 4 ? "eve@evil.lit" : BOB;

	buf_clear(ad);
	CHECK_INT(envelope_ad(kind, type, id, from, to, ad), XE2E_OK);
}

/* A message sealed with the AD of one stanza opens only with that AD:
 * changing the kind, type, id, direction or recipient breaks it, and the
 * failures change nothing in the receiver. */
TEST(envelope_ad_fields_are_authenticated)
{
	struct rpair p;
	struct buf ad = BUF_INIT, wire = BUF_INIT, pt = BUF_INIT, snap = BUF_INIT;
	uint64_t now = 1700000000;

	rpair_init(&p, AEAD_CHACHAPOLY, now);
	ad_variant(-1, &ad);
	CHECK_INT(ratchet_encrypt(p.a, now, (const uint8_t *)"frame", 5, ad.data, ad.len, &wire),
		  XE2E_OK);
	tr_snapshot(p.b, &snap);
	for (int f = 0; f < 6; f++) {
		ad_variant(f, &ad);
		CHECK_INT(ratchet_decrypt(p.b, now, wire.data, wire.len, ad.data, ad.len, &pt, NULL),
			  XE2E_E_AUTH);
		CHECK_INT(pt.len, 0);
		CHECK(tr_same(p.b, &snap));
	}
	ad_variant(-1, &ad);
	CHECK_INT(ratchet_decrypt(p.b, now, wire.data, wire.len, ad.data, ad.len, &pt, NULL),
		  XE2E_OK);
	CHECK_INT(pt.len, 5);
	CHECK_MEM(pt.data, "frame", 5);
	unit_note("6 changed fields refused");
	buf_free(&ad);
	buf_free(&wire);
	buf_free(&pt);
	buf_free(&snap);
	rpair_free(&p);
}

static char *build_ser(const struct envelope_addr *a, const uint8_t *wire, size_t n,
		       const char *fallback)
{
	struct xml_node *el = NULL;
	char *text;

	CHECK_INT(envelope_build(a, wire, n, fallback, &el), XE2E_OK);
	text = el ? tx_ser(el) : NULL;
	xml_free(el);
	return text;
}

TEST(envelope_build_exact)
{
	static const uint8_t wire[] = {1, 2, 3, 4, 5};
	struct envelope_addr m = {STANZA_MESSAGE, BOB "/garden", ALICE "/balcony", "chat", "m1"};
	struct envelope_addr q = {STANZA_IQ, BOB "/garden", NULL, "get", "q&1"};
	struct xml_node *el = NULL;
	char *t;

	t = build_ser(&m, wire, sizeof(wire), NULL);
	CHECK_STR(t, "<message to='bob@montague.lit/garden' from='alice@capulet.lit/balcony' "
		     "type='chat' id='m1'><sealed xmlns='urn:xe2e:1'>AQIDBAU=</sealed>"
		     "<encryption xmlns='urn:xmpp:eme:0' namespace='urn:xe2e:1'/></message>");
	free(t);
	t = build_ser(&m, wire, sizeof(wire), "[encrypted] & more");
	CHECK(t && strstr(t, "<body>[encrypted] &amp; more</body></message>"));
	free(t);
	t = build_ser(&q, wire, sizeof(wire), "ignored for iq");
	CHECK_STR(t, "<iq to='bob@montague.lit/garden' type='get' id='q&amp;1'>"
		     "<sealed xmlns='urn:xe2e:1'>AQIDBAU=</sealed></iq>");
	free(t);
	CHECK_INT(envelope_build_ratchet(BOB "/garden", ALICE, wire, sizeof(wire), &el), XE2E_OK);
	t = el ? tx_ser(el) : NULL;
	CHECK_STR(t, "<message to='bob@montague.lit/garden' from='alice@capulet.lit' "
		     "type='headline'><sealed xmlns='urn:xe2e:1'>AQIDBAU=</sealed>"
		     "<no-store xmlns='urn:xmpp:hints'/></message>");
	free(t);
	xml_free(el);
}

TEST(envelope_parse_roundtrip)
{
	uint8_t wire[300];
	struct envelope_addr m = {STANZA_PRESENCE, BOB "/garden", ALICE "/balcony", NULL, "p1"};
	struct envelope env;
	struct xml_node *el = NULL;
	char *t;

	for (size_t i = 0; i < sizeof(wire); i++)
		wire[i] = (uint8_t)(i * 7);
	t = build_ser(&m, wire, sizeof(wire), NULL);
	el = t ? parse(t) : NULL;
	CHECK_INT(envelope_parse(el, &env), XE2E_OK);
	CHECK_INT(env.addr.kind, STANZA_PRESENCE);
	CHECK_STR(env.addr.to, BOB "/garden");
	CHECK_STR(env.addr.from, ALICE "/balcony");
	CHECK(env.addr.type == NULL);
	CHECK_STR(env.addr.id, "p1");
	CHECK_INT(env.wire.len, sizeof(wire));
	CHECK_MEM(env.wire.data, wire, sizeof(wire));
	CHECK_INT(env.n_unsealed, 0);
	envelope_free(&env);
	xml_free(el);
	free(t);
}

TEST(envelope_parse_counts_server_additions)
{
	struct xml_node *el = parse(
		"<message from='alice@capulet.lit/balcony' to='bob@montague.lit/garden' "
		"type='chat' id='m1'>\n <sealed xmlns='urn:xe2e:1'>AQID</sealed>"
		"<encryption xmlns='urn:xmpp:eme:0' namespace='urn:xe2e:1'/>"
		"<body>fallback</body><delay xmlns='urn:xmpp:delay' stamp='2002-09-10T23:08:25Z'/>"
		"<stanza-id xmlns='urn:xmpp:sid:0' id='x' by='bob@montague.lit'/></message>");
	struct envelope env;

	CHECK_INT(envelope_parse(el, &env), XE2E_OK);
	CHECK_INT(env.n_unsealed, 3);
	CHECK_INT(env.wire.len, 3);
	envelope_free(&env);
	xml_free(el);
}

static int parse_err(const char *text)
{
	struct xml_node *el = parse(text);
	struct envelope env;
	int err = el ? envelope_parse(el, &env) : -1;

	if (!err)
		envelope_free(&env);
	CHECK(err || env.wire.len == 0);
	xml_free(el);
	return err;
}

TEST(envelope_parse_strict)
{
	CHECK_INT(parse_err("<message to='a@b'><body>plain</body></message>"), XE2E_E_NOTFOUND);
	CHECK_INT(parse_err("<message><sealed xmlns='urn:xe2e:2'>AQID</sealed></message>"),
		  XE2E_E_NOTFOUND);
	CHECK_INT(parse_err("<foo xmlns='urn:x'><sealed xmlns='urn:xe2e:1'>AQID</sealed></foo>"),
		  XE2E_E_UNSUPPORTED);
	CHECK_INT(parse_err("<iq><sealed xmlns='urn:xe2e:1'>AQID</sealed>"
			    "<sealed xmlns='urn:xe2e:1'>AQID</sealed></iq>"), XE2E_E_MALFORMED);
	CHECK_INT(parse_err("<iq><sealed xmlns='urn:xe2e:1' v='1'>AQID</sealed></iq>"),
		  XE2E_E_MALFORMED);
	CHECK_INT(parse_err("<iq><sealed xmlns='urn:xe2e:1'>AQ<x/>ID</sealed></iq>"),
		  XE2E_E_MALFORMED);
	CHECK_INT(parse_err("<iq><sealed xmlns='urn:xe2e:1'>AQI=</sealed></iq>"), XE2E_OK);
	CHECK_INT(parse_err("<iq><sealed xmlns='urn:xe2e:1'>AQJ=</sealed></iq>"),
		  XE2E_E_MALFORMED);
	CHECK_INT(parse_err("<iq><sealed xmlns='urn:xe2e:1'>AQI</sealed></iq>"), XE2E_E_MALFORMED);
	CHECK_INT(parse_err("<iq><sealed xmlns='urn:xe2e:1'> AQID</sealed></iq>"),
		  XE2E_E_MALFORMED);
	CHECK_INT(parse_err("<iq><sealed xmlns='urn:xe2e:1'/></iq>"), XE2E_E_MALFORMED);
}

TEST(envelope_bounces)
{
	struct {
		const char *stanza;
		int bounce;
		const char *cond;
	} cases[] = {
		{"<message from='bob@montague.lit/garden' to='alice@capulet.lit/balcony' "
		 "type='error' id='m1'><sealed xmlns='urn:xe2e:1'>AQID</sealed>"
		 "<error type='cancel'><service-unavailable "
		 "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>",
		 1, "service-unavailable"},
		{"<iq from='bob@montague.lit/garden' type='error' id='q1'><error type='wait'>"
		 "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>busy</text>"
		 "<resource-constraint xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>",
		 1, "resource-constraint"},
		{"<presence type='error'><error type='modify'/></presence>", 1, ""},
		/* A sealed error from the peer: its <error/> is inside the seal. */
		{"<iq type='error' id='q1'><sealed xmlns='urn:xe2e:1'>AQID</sealed></iq>", 0, ""},
		{"<message type='chat'><error type='cancel'/></message>", 0, ""},
		{"<message type='error'><error xmlns='urn:x' type='cancel'/></message>", 0, ""},
	};
	char cond[ENVELOPE_COND_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct xml_node *el = parse(cases[i].stanza);

		CHECK_INT(envelope_is_bounce(el, cond), cases[i].bounce);
		CHECK_STR(cond, cases[i].cond);
		xml_free(el);
	}
}

TEST(envelope_routes)
{
	struct envelope_addr a = {STANZA_MESSAGE, ALICE "/balcony", BOB "/garden", "chat", "m1"};

	CHECK_INT(envelope_check_route(&a, ALICE, BOB), XE2E_OK);
	a.from = BOB "/other";
	CHECK_INT(envelope_check_route(&a, ALICE, BOB), XE2E_OK);
	a.from = "Bob@Montague.lit/garden";
	CHECK_INT(envelope_check_route(&a, ALICE, BOB), XE2E_OK);
	a.from = "eve@montague.lit/garden";
	CHECK_INT(envelope_check_route(&a, ALICE, BOB), XE2E_E_AUTH);
	a.from = NULL;
	CHECK_INT(envelope_check_route(&a, ALICE, BOB), XE2E_E_AUTH);
	a.from = BOB;
	a.to = "carol@capulet.lit/balcony";
	CHECK_INT(envelope_check_route(&a, ALICE, BOB), XE2E_E_AUTH);
	a.to = NULL;
	CHECK_INT(envelope_check_route(&a, ALICE, BOB), XE2E_E_AUTH);
	/* Reflected: our own stanza back to us. */
	a.to = BOB "/garden";
	a.from = ALICE "/balcony";
	CHECK_INT(envelope_check_route(&a, ALICE, BOB), XE2E_E_AUTH);
}

TEST(envelope_restore_puts_routing_first)
{
	struct xml_node *el = parse("<message xml:lang='en' a='1'><body>x</body></message>");
	struct envelope_addr a = {STANZA_MESSAGE, ALICE, BOB "/garden", NULL, "m&1"};
	char *t;

	CHECK_INT(envelope_restore(el, &a), XE2E_OK);
	t = tx_ser(el);
	CHECK_STR(t, "<message to='alice@capulet.lit' from='bob@montague.lit/garden' "
		     "id='m&amp;1' xml:lang='en' a='1'><body>x</body></message>");
	free(t);
	xml_free(el);
}

/* The sender named in the associated data: the full JID when 'from' has a
 * resource (normalised, as the receiver computes it from what it
 * receives), else the session's bare JID; a rewritten or removed resource
 * gives other bytes. */
TEST(envelope_ad_names_the_full_sender)
{
	struct envelope_addr a = {STANZA_MESSAGE, BOB "/garden", "Alice@Capulet.lit/balcony",
				  "chat", "m1"};
	struct buf want = BUF_INIT, ad = BUF_INIT, other = BUF_INIT;
	int full = -1;

	CHECK_INT(envelope_ad(STANZA_MESSAGE, "chat", "m1", ALICE "/balcony", BOB, &want), XE2E_OK);
	CHECK_INT(envelope_ad_seal(&a, ALICE, BOB, &ad, &full), XE2E_OK);
	CHECK_INT(full, 1);
	CHECK_INT(ad.len, want.len);
	CHECK_MEM(ad.data, want.data, want.len);
	a.from = ALICE "/balcony";
	CHECK_INT(envelope_ad_open(&a, 1, BOB, ALICE, &other), XE2E_OK);
	CHECK_INT(other.len, want.len);
	CHECK_MEM(other.data, want.data, want.len);
	CHECK(envelope_from_authenticated(&a, 1));
	CHECK(!envelope_from_authenticated(&a, 0));
	/* The resource rewritten or removed: other associated data. */
	a.from = ALICE "/evil";
	buf_clear(&other);
	CHECK_INT(envelope_ad_open(&a, 1, BOB, ALICE, &other), XE2E_OK);
	CHECK(other.len != want.len || memcmp(other.data, want.data, want.len) != 0);
	a.from = ALICE;
	buf_clear(&other);
	CHECK_INT(envelope_ad_open(&a, 1, BOB, ALICE, &other), XE2E_OK);
	CHECK(other.len != want.len || memcmp(other.data, want.data, want.len) != 0);
	CHECK(envelope_from_authenticated(&a, 0));
	/* A bare or absent 'from': the session's bare JID, nothing bound. */
	buf_clear(&want);
	CHECK_INT(envelope_ad(STANZA_MESSAGE, "chat", "m1", ALICE, BOB, &want), XE2E_OK);
	buf_clear(&ad);
	CHECK_INT(envelope_ad_seal(&a, ALICE, BOB, &ad, &full), XE2E_OK);
	CHECK_INT(full, 0);
	CHECK_MEM(ad.data, want.data, want.len);
	a.from = NULL;
	buf_clear(&ad);
	CHECK_INT(envelope_ad_seal(&a, ALICE, BOB, &ad, &full), XE2E_OK);
	CHECK_INT(full, 0);
	CHECK_MEM(ad.data, want.data, want.len);
	CHECK_INT(envelope_ad_open(&a, 1, BOB, ALICE, &ad), XE2E_E_MALFORMED);
	CHECK(!envelope_from_authenticated(&a, 0));
	a.from = "@@";
	CHECK_INT(envelope_ad_seal(&a, ALICE, BOB, &ad, &full), XE2E_E_MALFORMED);
	buf_free(&want);
	buf_free(&ad);
	buf_free(&other);
}

/* The header flag that says so is authenticated: a message sealed with it
 * does not open without it, nor the other way round. */
TEST(envelope_sender_full_flag_is_authenticated)
{
	struct rpair p;
	struct ratchet_block b;
	struct buf ad = BUF_INIT, wire = BUF_INIT, pt = BUF_INIT, snap = BUF_INIT;
	uint64_t now = 1700000000;

	rpair_init(&p, AEAD_CHACHAPOLY, now);
	ad_variant(-1, &ad);
	for (int flag = 0; flag < 2; flag++) {
		buf_clear(&wire);
		CHECK_INT(ratchet_reserve(p.a, now, 1, &b), XE2E_OK);
		b.hdr.sender_full = flag;
		CHECK_INT(ratchet_block_encrypt(&b, (const uint8_t *)"frame", 5, ad.data, ad.len,
						&wire), XE2E_OK);
		ratchet_block_release(p.a, &b);
		CHECK_INT(wire.data[0] & RATCHET_FLAG_SENDER_FULL, flag ? RATCHET_FLAG_SENDER_FULL : 0);
		tr_snapshot(p.b, &snap);
		wire.data[0] ^= RATCHET_FLAG_SENDER_FULL;
		CHECK_INT(ratchet_decrypt(p.b, now, wire.data, wire.len, ad.data, ad.len, &pt, NULL),
			  XE2E_E_AUTH);
		CHECK(tr_same(p.b, &snap));
		wire.data[0] ^= RATCHET_FLAG_SENDER_FULL;
		CHECK_INT(ratchet_decrypt(p.b, now, wire.data, wire.len, ad.data, ad.len, &pt, NULL),
			  XE2E_OK);
	}
	buf_free(&ad);
	buf_free(&wire);
	buf_free(&pt);
	buf_free(&snap);
	rpair_free(&p);
}
