/*
 * The outside of a sealed stanza as xe2e-open --inspect prints it: every
 * header field from a header encoded by the ratchet's own encoder, words
 * that stay one word whatever the stanza holds, and refusals.
 */
#include <mbedtls/sha256.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "err.h"
#include "inspect.h"
#include "ratchet_header.h"
#include "unit.h"
#include "xml.h"

/* A sealed stanza around HEADER | s (0x5a 0x5b ... 0x5f) | 22 bytes of
 * AEAD ciphertext and tag, through its XML text. */
static struct xml_node *sealed_stanza(const struct envelope_addr *a,
				      const struct ratchet_header *h)
{
	uint8_t wire[RATCHET_HEADER_MAX + RATCHET_SIV_LEN + 22];
	struct xml_node *el = NULL, *back = NULL;
	struct buf text = BUF_INIT;
	size_t len;

	ratchet_header_encode(h, wire, &len);
	for (int i = 0; i < RATCHET_SIV_LEN; i++)
		wire[len++] = (uint8_t)(0x5a + i);
	memset(wire + len, 0xa5, 22);
	CHECK_INT(envelope_build(a, wire, len + 22, NULL, &el), XE2E_OK);
	CHECK_INT(xml_serialize(el, &text), XE2E_OK);
	CHECK_INT(xml_parse_element((const char *)text.data, text.len, NULL, &back), XE2E_OK);
	xml_free(el);
	buf_free(&text);
	return back;
}

static char *line_of(const struct xml_node *st, const uint8_t *session, int *err)
{
	struct envelope env;
	struct inspect_info info;
	struct buf out = BUF_INIT;
	char *s;

	memset(&env, 0, sizeof(env));
	*err = inspect_parse(st, &env, &info);
	if (!*err)
		*err = inspect_format(&info, session, 16, &out);
	envelope_free(&env);
	if (*err)
		return NULL;
	s = calloc(1, out.len + 1);
	memcpy(s, out.data, out.len);
	buf_free(&out);
	return s;
}

TEST(inspect_every_header_field)
{
	struct envelope_addr a = {STANZA_MESSAGE, "bob@montague.lit/garden",
				  "alice@capulet.lit/balcony", "chat", "m1"};
	struct ratchet_header h;
	uint8_t session[16], d[32];
	char want[512], *got;
	struct xml_node *st;
	int err;

	memset(&h, 0, sizeof(h));
	memcpy(h.tag, "\x0a\x1b\x2c\x3d", 4);
	h.sender_epoch = 300;
	h.ack_epoch = 299;
	h.n = 128;
	h.pn = 70000;
	h.has_key = 1;
	for (int i = 0; i < RATCHET_KEY_LEN; i++)
		h.key[i] = (uint8_t)(i * 7 + 1);
	h.has_restart = 1;
	h.restart_n = 5;
	h.sender_full = 1;
	for (int i = 0; i < 16; i++)
		session[i] = (uint8_t)(0xf0 + i);
	CHECK_INT(mbedtls_sha256_ret(h.key, RATCHET_KEY_LEN, d, 0), 0);
	snprintf(want, sizeof(want),
		 "kind=message from=alice@capulet.lit/balcony to=bob@montague.lit/garden "
		 "type=chat id=m1 tag=0a1b2c3d epoch=300 ack=299 n=128 pn=70000 "
		 "key=%02x%02x%02x%02x restart=5 sender=full siv=5a5b5c5d5e5f ciphertext=22 "
		 "session=f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff\n", d[0], d[1], d[2], d[3]);
	st = sealed_stanza(&a, &h);
	got = line_of(st, session, &err);
	CHECK_INT(err, XE2E_OK);
	CHECK_STR(got, want);
	free(got);
	xml_free(st);

	/* No key, no restart, absent attributes, unknown session. */
	h.has_key = h.has_restart = h.sender_full = 0;
	a.kind = STANZA_IQ;
	a.type = "get";
	a.id = NULL;
	a.from = NULL;
	st = sealed_stanza(&a, &h);
	got = line_of(st, NULL, &err);
	CHECK_INT(err, XE2E_OK);
	CHECK_STR(got, "kind=iq from=- to=bob@montague.lit/garden type=get id=- tag=0a1b2c3d "
		       "epoch=300 ack=299 n=128 pn=70000 key=- restart=- sender=bare siv=5a5b5c5d5e5f ciphertext=22 "
		       "session=-\n");
	free(got);
	xml_free(st);
}

TEST(inspect_words_stay_words)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"a b", "a\\x20b"},
		{"x\ny", "x\\x0ay"},
		{"k=v", "k\\x3dv"},
		{"back\\slash", "back\\x5cslash"},
		{"\x7f", "\\x7f"},
		{"\t\r", "\\x09\\x0d"},
		{"-", "\\x2d"},
		{"--", "--"},
		{"caf\xc3\xa9", "caf\xc3\xa9"},
		{"", ""},
	};
	struct buf out = BUF_INIT;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		out.len = 0;
		CHECK_INT(inspect_word_append(&out, cases[i].in), XE2E_OK);
		CHECK_INT(buf_append_byte(&out, 0), XE2E_OK);
		CHECK_STR((const char *)out.data, cases[i].want);
	}
	out.len = 0;
	CHECK_INT(inspect_word_append(&out, NULL), XE2E_OK);
	CHECK_INT(out.len, 1);
	CHECK(out.data[0] == '-');
	buf_free(&out);
	unit_note("%zu words", sizeof(cases) / sizeof(cases[0]) + 1);
}

TEST(inspect_line_safe_text)
{
	char small[8], big[64];

	CHECK_STR(inspect_line_safe("alice@capulet.lit/x\nxe2e-open: forged", big, sizeof(big)),
		  "alice@capulet.lit/x?xe2e-open: forged");
	CHECK_STR(inspect_line_safe("a\rb\x1b[2J\x7f", big, sizeof(big)), "a?b?[2J?");
	CHECK_STR(inspect_line_safe("0123456789", small, sizeof(small)), "0123...");
	CHECK_STR(inspect_line_safe("0123456", small, sizeof(small)), "0123456");
	CHECK_STR(inspect_line_safe("", small, sizeof(small)), "");
}

TEST(inspect_refuses)
{
	struct envelope_addr a = {STANZA_MESSAGE, "b@c", "a@c", "chat", "x"};
	struct ratchet_header h;
	struct xml_node *st;
	char *got;
	int err;

	static const char plain[] = "<message to='b@c' from='a@c'><body>hi</body></message>";
	st = NULL;
	CHECK_INT(xml_parse_element(plain, strlen(plain), NULL, &st), XE2E_OK);
	got = line_of(st, NULL, &err);
	CHECK_INT(err, XE2E_E_NOTFOUND);
	CHECK(got == NULL);
	xml_free(st);

	/* An unknown flag bit in the header. */
	memset(&h, 0, sizeof(h));
	{
		uint8_t wire[RATCHET_HEADER_MAX + 20];
		struct xml_node *el = NULL;
		size_t len;

		ratchet_header_encode(&h, wire, &len);
		memset(wire + len, 0, 20);
		wire[0] |= 0x80;
		CHECK_INT(envelope_build(&a, wire, len + 20, NULL, &el), XE2E_OK);
		got = line_of(el, NULL, &err);
		CHECK_INT(err, XE2E_E_MALFORMED);
		free(got);
		xml_free(el);
	}

	/* A whole header, then one byte less than s and an AEAD tag. */
	{
		uint8_t wire[RATCHET_HEADER_MAX + RATCHET_SIV_LEN + 16];
		struct xml_node *el = NULL;
		size_t len;

		ratchet_header_encode(&h, wire, &len);
		memset(wire + len, 0, RATCHET_SIV_LEN + 16);
		CHECK_INT(envelope_build(&a, wire, len + RATCHET_SIV_LEN + 15, NULL, &el), XE2E_OK);
		got = line_of(el, NULL, &err);
		CHECK_INT(err, XE2E_E_MALFORMED);
		CHECK(got == NULL);
		xml_free(el);
		CHECK_INT(envelope_build(&a, wire, len + RATCHET_SIV_LEN + 16, NULL, &el), XE2E_OK);
		got = line_of(el, NULL, &err);
		CHECK_INT(err, XE2E_OK);
		CHECK(got && strstr(got, " siv=000000000000 ciphertext=16 ") != NULL);
		free(got);
		xml_free(el);
	}

	/* A header cut short. */
	{
		uint8_t wire[3] = {0, 1, 2};
		struct xml_node *el = NULL;

		CHECK_INT(envelope_build(&a, wire, sizeof(wire), NULL, &el), XE2E_OK);
		got = line_of(el, NULL, &err);
		CHECK_INT(err, XE2E_E_MALFORMED);
		free(got);
		xml_free(el);
	}
}
