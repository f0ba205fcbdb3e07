/*
 * The sealed frame: round trips of the real stanzas of the XML corpus
 * (canonical comparison with xmllint --c14n), the dictionary, the padding
 * buckets, and strict decoding of bad frames.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "err.h"
#include "stanza_frame.h"
#include "test_xml.h"
#include "unit.h"
#include "xml.h"

static struct xml_node *parse(const char *text)
{
	struct xml_node *el = NULL;

	CHECK_INT(xml_parse_element(text, strlen(text), NULL, &el), XE2E_OK);
	return el;
}

/* Encodes, pads, decodes and puts the routing attributes back; the result
 * as a fresh string (NULL when a step failed). */
static char *frame_roundtrip(const struct xml_node *in, size_t *frame_len)
{
	struct buf frame = BUF_INIT;
	struct xml_node *out = NULL;
	struct envelope_addr a = {0};
	char *text = NULL;
	int ratchet = 1;

	CHECK_INT(stanza_kind_of(in, &a.kind), XE2E_OK);
	a.to = xml_get_attr(in, "to");
	a.from = xml_get_attr(in, "from");
	a.type = xml_get_attr(in, "type");
	a.id = xml_get_attr(in, "id");
	CHECK_INT(stanza_frame_encode(in, &frame), XE2E_OK);
	if (frame_len)
		*frame_len = frame.len;
	CHECK_INT(stanza_frame_pad(&frame, SIZE_MAX), XE2E_OK);
	CHECK_INT(frame.len, stanza_frame_bucket(frame_len ? *frame_len : frame.len));
	CHECK_INT(stanza_frame_decode(frame.data, frame.len, a.kind, NULL, &out, &ratchet),
		  XE2E_OK);
	CHECK_INT(ratchet, 0);
	if (out && envelope_restore(out, &a) == XE2E_OK)
		text = tx_ser(out);
	xml_free(out);
	buf_free(&frame);
	return text;
}

/* The serialization of want with its routing attributes moved first: what
 * an opened stanza must be, byte for byte. */
static char *routing_first(const char *want, size_t want_len)
{
	static const char *const names[] = {"to", "from", "type", "id"};
	struct xml_node *el = NULL;
	struct envelope_addr a = {0};
	char *values[4] = {NULL};
	char *text = NULL;

	CHECK_INT(xml_parse_element(want, want_len, NULL, &el), XE2E_OK);
	if (!el)
		return NULL;
	for (size_t i = 0; i < 4; i++) {
		const char *v = xml_get_attr(el, names[i]);

		values[i] = v ? strdup(v) : NULL;
		xml_remove_attr(el, names[i]);
	}
	a.to = values[0];
	a.from = values[1];
	a.type = values[2];
	a.id = values[3];
	if (envelope_restore(el, &a) == XE2E_OK)
		text = tx_ser(el);
	for (size_t i = 0; i < 4; i++)
		free(values[i]);
	xml_free(el);
	return text;
}

/* got is XML-equivalent to want (xmllint --c14n; relative namespace URIs
 * have no canonical form) and exactly want's serialization with the
 * routing attributes first. */
static void check_c14n(const char *name, const char *want, size_t want_len, const char *got)
{
	char *a = tx_c14n(want, want_len), *b = got ? tx_c14n(got, strlen(got)) : NULL;
	char *exact = routing_first(want, want_len);

	if (a && (!b || strcmp(a, b)))
		unit_fail(__FILE__, __LINE__, "%s: canonical forms differ:\n%s\n%s", name, a,
			  b ? b : "(none)");
	if (!exact || !got || strcmp(exact, got))
		unit_fail(__FILE__, __LINE__, "%s: differs:\n%s\n%s", name,
			  exact ? exact : "(null)", got ? got : "(null)");
	if (!a)
		unit_note("%s: no canonical form (xmllint), compared exactly", name);
	free(a);
	free(b);
	free(exact);
}

static int corpus_roundtrip(const char *sub)
{
	char **names = tx_corpus_names(sub);
	int count = 0;

	CHECK(names != NULL);
	for (size_t i = 0; names && names[i]; i++) {
		size_t len;
		char *data = unit_read_file(tx_corpus(sub, names[i]), &len);
		struct xml_node *el = NULL;
		enum stanza_kind kind;
		char *got;

		CHECK(data != NULL);
		if (!data || xml_parse_element(data, len, NULL, &el) != XE2E_OK ||
		    stanza_kind_of(el, &kind) != XE2E_OK) {
			xml_free(el);
			free(data);
			continue; /* not a stanza (stream features, errors) */
		}
		got = frame_roundtrip(el, NULL);
		check_c14n(names[i], data, len, got);
		count++;
		free(got);
		xml_free(el);
		free(data);
	}
	tx_names_free(names);
	return count;
}

TEST(frame_corpus_roundtrips)
{
	int n = corpus_roundtrip("stanzas") + corpus_roundtrip("exact");

	CHECK(n >= 10);
	unit_note("%d corpus stanzas sealed and opened, canonical forms equal", n);
}

TEST(frame_hello_bob_is_small)
{
	struct xml_node *el = parse("<message to='bob@montague.lit/garden' "
				    "from='alice@capulet.lit/balcony' type='chat' id='m1'>"
				    "<body>Hello, Bob!</body></message>");
	struct buf frame = BUF_INIT;
	static const uint8_t want[] = {0x01, 0x01, '>', 0x07, 'H', 'e', 'l', 'l', 'o', ',',
				       ' ', 'B', 'o', 'b', '!', 0x08, 0x02};

	CHECK_INT(stanza_frame_encode(el, &frame), XE2E_OK);
	CHECK_INT(frame.len, sizeof(want));
	CHECK_MEM(frame.data, want, sizeof(want));
	CHECK_INT(stanza_frame_bucket(frame.len), 20);
	buf_free(&frame);
	xml_free(el);
}

/* Text that holds dictionary strings and every escape comes back as it was. */
TEST(frame_text_like_dictionary)
{
	static const char *const cases[] = {
		"<message to='a@b' id='x'><body> xml:lang='x' &lt;body>&lt;/body> xmlns='urn:xmpp:"
		"</body><thread>t\t1</thread></message>",
		"<presence xml:lang='en' to='a@b/c'><show>away</show><status>out &amp; about"
		"</status><x xmlns='urn:example:x' xmlns:p='urn:p' p:a='&apos;&#9;&#10;'/></presence>",
		"<iq type='get' id='q1' to='a@b/c'/>",
		"<iq type='result' id='q1' to='a@b/c' xml:lang='de'/>",
		"<message><error type='cancel'><service-unavailable "
		"xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>",
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct xml_node *el = parse(cases[i]);
		char *got = el ? frame_roundtrip(el, NULL) : NULL;

		check_c14n(cases[i], cases[i], strlen(cases[i]), got);
		free(got);
		xml_free(el);
	}
}

TEST(frame_dictionary_tokens)
{
	uint8_t seen[32] = {0};

	for (size_t i = 0; i < STANZA_FRAME_DICT_SIZE; i++) {
		uint8_t t = stanza_frame_token(i);
		uint8_t frame[2] = {STANZA_FRAME_STANZA, t};
		struct xml_node *el = NULL;
		int ratchet;

		CHECK(t >= 1 && t < 0x20 && t != '\t' && t != '\n' && t != '\r');
		CHECK(!seen[t]);
		seen[t] = 1;
		CHECK(stanza_frame_dict[i][0] == '<' || stanza_frame_dict[i][0] == ' ');
		/* A lone token is no stanza: decoding expands it, then refuses. */
		CHECK(stanza_frame_decode(frame, 2, STANZA_MESSAGE, NULL, &el, &ratchet) != XE2E_OK);
		CHECK(el == NULL);
	}
}

TEST(frame_buckets)
{
	static const size_t table[][2] = {
		{0, 20},	{1, 20},	{20, 20},	{21, 32},	{32, 32},
		{33, 48},	{48, 48},	{49, 64},	{97, 128},	{129, 192},
		{193, 256},	{4097, 6144},	{65535, 65536}, {65536, 65536}, {65537, 81920},
		{81920, 81920}, {262144, 262144}, {262145, 278528},
	};
	size_t prev = 0;

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		CHECK_INT(stanza_frame_bucket(table[i][0]), table[i][1]);
	for (size_t len = 1; len < 300000; len += 1 + len / 64) {
		size_t b = stanza_frame_bucket(len);

		CHECK(b >= len && b >= prev);
		if (len > 32 && b - len > b / 3)
			unit_fail(__FILE__, __LINE__, "%zu pads to %zu", len, b);
		prev = b;
	}
}

TEST(frame_pad_and_cap)
{
	struct buf f = BUF_INIT;

	CHECK_INT(buf_append(&f, "\x01<iq/>", 6), XE2E_OK);
	CHECK_INT(stanza_frame_pad(&f, SIZE_MAX), XE2E_OK);
	CHECK_INT(f.len, 20);
	for (size_t i = 6; i < f.len; i++)
		CHECK_INT(f.data[i], 0);
	f.len = 25;
	memset(f.data + 6, 'x', 19);
	CHECK_INT(stanza_frame_pad(&f, 28), XE2E_OK); /* bucket 32 yields to the cap */
	CHECK_INT(f.len, 28);
	f.len = 30;
	CHECK_INT(stanza_frame_pad(&f, 29), XE2E_E_LIMIT);
	buf_free(&f);
}

static int decode_raw(const void *frame, size_t len, enum stanza_kind kind)
{
	struct xml_node *el = NULL;
	int ratchet, err = stanza_frame_decode(frame, len, kind, NULL, &el, &ratchet);

	CHECK(err == XE2E_OK || el == NULL);
	xml_free(el);
	return err;
}

TEST(frame_decode_strict)
{
	struct xml_limits small = xml_limits_default();
	struct xml_node *el = NULL;
	uint8_t big[200];
	int ratchet = 0;

	CHECK_INT(decode_raw("\x01\x01>\x02", 4, STANZA_MESSAGE), XE2E_OK);
	CHECK_INT(decode_raw("\x01\x01>\x02\0\0\0", 7, STANZA_MESSAGE), XE2E_OK);
	CHECK_INT(decode_raw("\x01\x01>\x02\0\0\1", 7, STANZA_MESSAGE), XE2E_E_MALFORMED);
	CHECK_INT(decode_raw("\x01\x01>\x02", 4, STANZA_IQ), XE2E_E_MALFORMED);
	CHECK_INT(decode_raw("\x03\x01>\x02", 4, STANZA_MESSAGE), XE2E_E_MALFORMED);
	CHECK_INT(decode_raw("", 0, STANZA_MESSAGE), XE2E_E_MALFORMED);
	CHECK_INT(decode_raw("\x01\x01>\n\x02", 5, STANZA_MESSAGE), XE2E_E_MALFORMED);
	CHECK_INT(decode_raw("\x01 \x01>\x02", 5, STANZA_MESSAGE), XE2E_E_MALFORMED);
	CHECK_INT(decode_raw("\x01\x01 to='x'>\x02", 11, STANZA_MESSAGE), XE2E_E_MALFORMED);
	CHECK_INT(decode_raw("\x01\x01 id='x'/>", 11, STANZA_MESSAGE), XE2E_E_MALFORMED);
	CHECK_INT(decode_raw("\x01<foo/>", 7, STANZA_MESSAGE), XE2E_E_MALFORMED);
	CHECK(decode_raw("\x01\x01><a></b>\x02", 11, STANZA_MESSAGE) != XE2E_OK);
	CHECK_INT(decode_raw("\x02", 1, STANZA_MESSAGE), XE2E_OK);
	CHECK_INT(decode_raw("\x02\0\0", 3, STANZA_MESSAGE), XE2E_OK);
	CHECK_INT(decode_raw("\x02x", 2, STANZA_MESSAGE), XE2E_E_MALFORMED);
	CHECK_INT(stanza_frame_decode((const uint8_t *)"\x02\0", 2, STANZA_MESSAGE, NULL, &el,
				      &ratchet), XE2E_OK);
	CHECK(el == NULL && ratchet == 1);

	/* Tokens expand: the bound applies to the expanded text. */
	big[0] = STANZA_FRAME_STANZA;
	big[1] = 0x01;
	big[2] = '>';
	memset(big + 3, stanza_frame_token(20), sizeof(big) - 4);
	big[sizeof(big) - 1] = 0x02;
	small.max_stanza_bytes = 4096;
	CHECK_INT(stanza_frame_decode(big, sizeof(big), STANZA_MESSAGE, &small, &el, &ratchet),
		  XE2E_E_LIMIT);
	CHECK(el == NULL);
}

TEST(frame_refuses_non_stanzas)
{
	struct xml_node *el = parse("<foo xmlns='urn:x'/>");
	struct xml_node *srv = parse("<message xmlns='jabber:server'/>");
	struct buf f = BUF_INIT;

	CHECK_INT(stanza_frame_encode(el, &f), XE2E_E_UNSUPPORTED);
	CHECK_INT(stanza_frame_encode(srv, &f), XE2E_E_UNSUPPORTED);
	CHECK_INT(f.len, 0);
	xml_free(el);
	xml_free(srv);
}
