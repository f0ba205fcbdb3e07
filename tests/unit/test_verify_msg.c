/* Control elements of verification runs (verify_msg.h): exact forms, round
 * trips of every step, and strict refusals. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "err.h"
#include "rng.h"
#include "unit.h"
#include "util.h"
#include "verify_msg.h"
#include "xml.h"

static char *serialize(const struct xml_node *el)
{
	struct buf b = BUF_INIT;
	char *s;

	CHECK_INT(xml_serialize(el, &b), XE2E_OK);
	s = calloc(1, b.len + 1);
	memcpy(s, b.data, b.len);
	buf_free(&b);
	return s;
}

static int parse_text(const char *text, struct verify_msg *m)
{
	struct xml_node *el = NULL;
	int err = xml_parse_element(text, strlen(text), NULL, &el);

	if (!err)
		err = verify_msg_parse(el, m);
	xml_free(el);
	return err;
}

static void msg_fill(struct verify_msg *m, enum verify_method method, enum verify_step step,
		     size_t len)
{
	verify_msg_wipe(m);
	m->method = method;
	m->step = step;
	m->len = len;
	CHECK_INT(rng_bytes(m->body, len ? len : 1), XE2E_OK);
}

/* Build, serialize, parse again: the same message. */
static void round_trip(const struct verify_msg *m)
{
	struct xml_node *el = NULL, *back = NULL;
	struct verify_msg got;
	char *text;

	CHECK_INT(verify_msg_build(m, &el), XE2E_OK);
	if (!el)
		return;
	text = serialize(el);
	CHECK_INT(xml_parse_element(text, strlen(text), NULL, &back), XE2E_OK);
	CHECK_INT(verify_msg_parse(back, &got), XE2E_OK);
	CHECK_INT(got.method, m->method);
	CHECK_INT(got.step, m->step);
	CHECK_INT(got.len, m->len);
	CHECK_MEM(got.body, m->body, m->len);
	CHECK_INT(got.answer, m->answer);
	CHECK_INT(got.reason, m->reason);
	xml_free(el);
	xml_free(back);
	free(text);
}

TEST(verify_msg_round_trips)
{
	static const struct {
		enum verify_method method;
		enum verify_step step;
		size_t len;
	} binary[] = {
		{VERIFY_SAS, VERIFY_SAS_COMMIT, 32},         {VERIFY_SAS, VERIFY_SAS_NONCE, 32},
		{VERIFY_SAS, VERIFY_SAS_REVEAL, 32},         {VERIFY_SPAKE2, VERIFY_SP_START, 0},
		{VERIFY_SPAKE2, VERIFY_SP_SHARE, 65},        {VERIFY_SPAKE2, VERIFY_SP_SHARE_CONFIRM, 97},
		{VERIFY_SPAKE2, VERIFY_SP_CONFIRM, 32},
	};
	struct verify_msg m;
	int n = 0;

	for (int rep = 0; rep < 20; rep++) {
		for (size_t i = 0; i < ARRAY_SIZE(binary); i++, n++) {
			msg_fill(&m, binary[i].method, binary[i].step, binary[i].len);
			round_trip(&m);
		}
	}
	for (int method = VERIFY_SAS; method <= VERIFY_SPAKE2; method++) {
		for (int a = VERIFY_ANSWER_YES; a <= VERIFY_ANSWER_UNCHECKED; a++) {
			for (int r = VERIFY_REASON_NONE; r <= VERIFY_REASON_ERROR; r++, n++) {
				verify_msg_result(&m, method, a, r);
				round_trip(&m);
			}
		}
		for (int r = VERIFY_REASON_COMMITMENT; r <= VERIFY_REASON_ERROR; r++, n++) {
			verify_msg_abort(&m, method, r);
			round_trip(&m);
		}
	}
	unit_note("%d messages built, written and read back", n);
}

/* The exact serialized forms, one per kind of step. */
TEST(verify_msg_exact_forms)
{
	static const struct {
		enum verify_method method;
		enum verify_step step;
		enum verify_answer answer;
		enum verify_reason reason;
		const char *want;
	} cases[] = {
		{VERIFY_SAS, VERIFY_SAS_COMMIT, 0, 0,
		 "<sas xmlns='urn:xe2e:1' step='commit'>"
		 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=</sas>"},
		{VERIFY_SPAKE2, VERIFY_SP_START, 0, 0, "<spake2 xmlns='urn:xe2e:1' step='start'/>"},
		{VERIFY_SAS, VERIFY_STEP_RESULT, VERIFY_ANSWER_YES, 0,
		 "<sas xmlns='urn:xe2e:1' step='result'>yes</sas>"},
		{VERIFY_SAS, VERIFY_STEP_RESULT, VERIFY_ANSWER_NO, VERIFY_REASON_COMMITMENT,
		 "<sas xmlns='urn:xe2e:1' step='result' reason='commitment'>no</sas>"},
		{VERIFY_SPAKE2, VERIFY_STEP_RESULT, VERIFY_ANSWER_UNCHECKED, 0,
		 "<spake2 xmlns='urn:xe2e:1' step='result'>unchecked</spake2>"},
		{VERIFY_SPAKE2, VERIFY_STEP_ABORT, 0, VERIFY_REASON_LIMIT,
		 "<spake2 xmlns='urn:xe2e:1' step='abort' reason='limit'/>"},
	};
	struct verify_msg m;
	struct xml_node *el;
	char *text;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		verify_msg_wipe(&m);
		m.method = cases[i].method;
		m.step = cases[i].step;
		m.answer = cases[i].answer;
		m.reason = cases[i].reason;
		if (m.step == VERIFY_SAS_COMMIT) {
			for (int b = 0; b < 32; b++)
				m.body[b] = (uint8_t)b;
			m.len = 32;
		}
		el = NULL;
		CHECK_INT(verify_msg_build(&m, &el), XE2E_OK);
		if (!el)
			continue;
		text = serialize(el);
		CHECK_STR(text, cases[i].want);
		free(text);
		xml_free(el);
	}
}

TEST(verify_msg_refuses_what_is_not_exact)
{
	/* 32 bytes of zeros, and 31 and 33 */
	static const char b32[] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
	static const struct {
		const char *text;
		int err;
	} cases[] = {
		{"<sas xmlns='urn:xe2e:2' step='commit'/>", XE2E_E_NOTFOUND},
		{"<sas step='commit'/>", XE2E_E_NOTFOUND},
		{"<verify xmlns='urn:xe2e:1' step='commit'/>", XE2E_E_NOTFOUND},
		{"<handshake xmlns='urn:xe2e:1' step='1'/>", XE2E_E_NOTFOUND},
		{"<sas xmlns='urn:xe2e:1'>AAAA</sas>", XE2E_E_MALFORMED},
		{"<sas xmlns='urn:xe2e:1' step='Commit'/>", XE2E_E_MALFORMED},
		{"<sas xmlns='urn:xe2e:1' step='share'/>", XE2E_E_MALFORMED},
		{"<spake2 xmlns='urn:xe2e:1' step='commit'/>", XE2E_E_MALFORMED},
		{"<sas xmlns='urn:xe2e:1' step='commit'/>", XE2E_E_MALFORMED},
		{"<sas xmlns='urn:xe2e:1' step='commit'>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==</sas>",
		 XE2E_E_MALFORMED},
		{"<sas xmlns='urn:xe2e:1' step='commit'>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA</sas>",
		 XE2E_E_MALFORMED},
		{"<sas xmlns='urn:xe2e:1' step='commit'>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA</sas>",
		 XE2E_E_MALFORMED},
		{"<sas xmlns='urn:xe2e:1' step='commit'>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=</sas>",
		 XE2E_E_MALFORMED},
		{"<sas xmlns='urn:xe2e:1' step='commit'> AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=</sas>",
		 XE2E_E_MALFORMED},
		{"<sas xmlns='urn:xe2e:1' step='commit' x='1'>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=</sas>",
		 XE2E_E_MALFORMED},
		{"<sas xmlns='urn:xe2e:1' xmlns:p='urn:p' p:step='commit' step='commit'>"
		 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=</sas>",
		 XE2E_E_MALFORMED},
		{"<sas xmlns='urn:xe2e:1' step='commit' reason='protocol'>"
		 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=</sas>",
		 XE2E_E_MALFORMED},
		{"<sas xmlns='urn:xe2e:1' step='commit'><x/></sas>", XE2E_E_MALFORMED},
		{"<sas xmlns='urn:xe2e:1' step='commit'>AAAAAAAAAAAAAAAAAAAAAA<x/>AAAAAAAAAAAAAAAAAAAAA=</sas>",
		 XE2E_E_MALFORMED},
		{"<spake2 xmlns='urn:xe2e:1' step='start'>AA==</spake2>", XE2E_E_MALFORMED},
		{"<spake2 xmlns='urn:xe2e:1' step='abort'/>", XE2E_E_MALFORMED},
		{"<spake2 xmlns='urn:xe2e:1' step='abort' reason='bored'/>", XE2E_E_MALFORMED},
		{"<spake2 xmlns='urn:xe2e:1' step='abort' reason='limit'>x</spake2>", XE2E_E_MALFORMED},
		{"<sas xmlns='urn:xe2e:1' step='result'/>", XE2E_E_MALFORMED},
		{"<sas xmlns='urn:xe2e:1' step='result'>YES</sas>", XE2E_E_MALFORMED},
		{"<sas xmlns='urn:xe2e:1' step='result'>maybe</sas>", XE2E_E_MALFORMED},
		{"<sas xmlns='urn:xe2e:1' step='result'> yes</sas>", XE2E_E_MALFORMED},
		{"<sas xmlns='urn:xe2e:1' step='result' reason='Secret'>no</sas>", XE2E_E_MALFORMED},
		{"<spake2 xmlns='urn:xe2e:1' step='confirm'>AAAA</spake2>", XE2E_E_MALFORMED},
	};
	struct verify_msg m;
	char text[512];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int err = parse_text(cases[i].text, &m);

		if (err != cases[i].err)
			unit_fail(__FILE__, __LINE__, "case %zu (%s): %s, want %s", i, cases[i].text,
				  err_str(err), err_str(cases[i].err));
		CHECK_INT(m.step, VERIFY_STEP_NONE);
	}
	/* The one good form of the same commit is accepted. */
	snprintf(text, sizeof(text), "<sas xmlns='urn:xe2e:1' step='commit'>%s</sas>", b32);
	CHECK_INT(parse_text(text, &m), XE2E_OK);
	CHECK_INT(m.len, 32);
	/* A prefixed element in the namespace is the same element. */
	snprintf(text, sizeof(text), "<x:sas xmlns:x='urn:xe2e:1' step='nonce'>%s</x:sas>", b32);
	CHECK_INT(parse_text(text, &m), XE2E_OK);
	CHECK_INT(m.step, VERIFY_SAS_NONCE);
	unit_note("%zu malformed or foreign elements refused", ARRAY_SIZE(cases));
}

TEST(verify_msg_build_refuses_inconsistent_messages)
{
	struct verify_msg m;
	struct xml_node *el = NULL;

	msg_fill(&m, VERIFY_SAS, VERIFY_SAS_COMMIT, 31);
	CHECK_INT(verify_msg_build(&m, &el), XE2E_E_MALFORMED);
	msg_fill(&m, VERIFY_SPAKE2, VERIFY_SAS_COMMIT, 32);
	CHECK_INT(verify_msg_build(&m, &el), XE2E_E_MALFORMED);
	msg_fill(&m, VERIFY_SAS, VERIFY_SP_SHARE, 65);
	CHECK_INT(verify_msg_build(&m, &el), XE2E_E_MALFORMED);
	msg_fill(&m, 0, VERIFY_SAS_COMMIT, 32);
	CHECK_INT(verify_msg_build(&m, &el), XE2E_E_MALFORMED);
	msg_fill(&m, VERIFY_SAS, VERIFY_STEP_NONE, 0);
	CHECK_INT(verify_msg_build(&m, &el), XE2E_E_MALFORMED);
	verify_msg_result(&m, VERIFY_SAS, VERIFY_ANSWER_NONE, 0);
	CHECK_INT(verify_msg_build(&m, &el), XE2E_E_MALFORMED);
	verify_msg_result(&m, VERIFY_SAS, VERIFY_ANSWER_YES, 99);
	CHECK_INT(verify_msg_build(&m, &el), XE2E_E_MALFORMED);
	verify_msg_abort(&m, VERIFY_SPAKE2, VERIFY_REASON_NONE);
	CHECK_INT(verify_msg_build(&m, &el), XE2E_E_MALFORMED);
	CHECK(el == NULL);
}

static int find_text(const char *text, struct verify_msg *m)
{
	struct xml_node *st = NULL;
	int err = xml_parse_element(text, strlen(text), NULL, &st);

	if (!err)
		err = verify_msg_find(st, m);
	xml_free(st);
	return err;
}

TEST(verify_msg_find_in_stanzas)
{
	struct verify_msg m;

	CHECK_INT(find_text("<message type='chat'><no-permanent-store xmlns='urn:xmpp:hints'/>"
			    "<sas xmlns='urn:xe2e:1' step='result'>no</sas>"
			    "<private xmlns='urn:xmpp:carbons:2'/></message>", &m), XE2E_OK);
	CHECK_INT(m.step, VERIFY_STEP_RESULT);
	CHECK_INT(m.answer, VERIFY_ANSWER_NO);
	CHECK_INT(find_text("<message type='chat'><sas xmlns='urn:xe2e:1' step='result'>no</sas>"
			    "<spake2 xmlns='urn:xe2e:1' step='start'/></message>", &m),
		  XE2E_E_MALFORMED);
	CHECK_INT(find_text("<message type='chat'><sas xmlns='urn:xe2e:1' step='result'>x</sas>"
			    "</message>", &m), XE2E_E_MALFORMED);
	CHECK_INT(find_text("<message type='chat'><body>hello</body></message>", &m),
		  XE2E_E_NOTFOUND);
	CHECK_INT(find_text("<message type='normal'><sas xmlns='urn:xe2e:1' step='result'>no</sas>"
			    "</message>", &m), XE2E_E_NOTFOUND);
	CHECK_INT(find_text("<message><sas xmlns='urn:xe2e:1' step='result'>no</sas></message>", &m),
		  XE2E_E_NOTFOUND);
	CHECK_INT(find_text("<iq type='chat'><sas xmlns='urn:xe2e:1' step='result'>no</sas></iq>", &m),
		  XE2E_E_NOTFOUND);
}

TEST(verify_msg_names)
{
	CHECK_STR(verify_step_name(VERIFY_SP_SHARE_CONFIRM), "share-confirm");
	CHECK_STR(verify_method_name(VERIFY_SPAKE2), "spake2");
	CHECK_STR(verify_answer_name(VERIFY_ANSWER_UNCHECKED), "unchecked");
	CHECK_STR(verify_reason_name(VERIFY_REASON_LIMIT), "limit");
	CHECK(verify_step_name(VERIFY_STEP_NONE) == NULL);
	CHECK(verify_answer_name(VERIFY_ANSWER_NONE) == NULL);
	CHECK(verify_reason_name(VERIFY_REASON_NONE) == NULL);
	CHECK(verify_reason_name((enum verify_reason)42) == NULL);
	CHECK_INT(verify_step_method(VERIFY_SAS_REVEAL), VERIFY_SAS);
	CHECK_INT(verify_step_method(VERIFY_STEP_RESULT), 0);
}
