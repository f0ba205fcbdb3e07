/*
 * The non-blocking stanza framer against the blocking reader: every file of
 * the XML corpus (stanzas and hostile input), bare and inside a stream, fed
 * whole, byte by byte and in odd pieces, must give the same serializations
 * and the same final code as xml_reader_next(). Then what only the framer
 * does: stream restarts, bytes left after a stanza, the stream's end,
 * limits while input is still arriving.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "test_xml.h"
#include "unit.h"
#include "xml.h"
#include "xmpp_frame.h"

#define HEADER                                                                \
	"<?xml version='1.0'?><stream:stream xmlns='jabber:client' "          \
	"xmlns:stream='http://etherx.jabber.org/streams' from='xe2e.test' "   \
	"id='s1' version='1.0' xml:lang='en'>"

/* Feeds data in pieces of step bytes (0: whole), taking stanzas after each
 * piece; returns the serializations, one per line, and *end the final
 * code. */
static char *frame_all(const char *data, size_t len, size_t step, const struct xml_limits *lim,
		       int need_stream, size_t *count, int *end)
{
	struct xmpp_frame *f = NULL;
	struct xml_node *s = NULL;
	struct buf out = BUF_INIT;
	size_t at = 0, n;
	int err = xmpp_frame_new(&f, lim, need_stream);

	*count = 0;
	while (!err) {
		n = step && len - at > step ? step : len - at;
		err = xmpp_frame_feed(f, data + at, n);
		at += n;
		if (at == len)
			xmpp_frame_finish(f);
		while (!err && !(err = xmpp_frame_next(f, &s)) && s) {
			err = xml_serialize(s, &out);
			if (!err)
				err = buf_append_byte(&out, '\n');
			xml_free(s);
			(*count)++;
		}
		if (!err && at == len)
			err = XE2E_E_STATE; /* finished, yet neither end nor error */
	}
	*end = err;
	xmpp_frame_free(f);
	buf_terminate(&out);
	return out.data ? (char *)out.data : calloc(1, 1);
}

/* Compares the framer with the reader on one input; returns 1 when same. */
static int same_as_reader(const char *name, const char *data, size_t len, size_t *runs)
{
	static const size_t steps[] = {0, 1, 7, 4096};
	size_t want_count = 0, got_count;
	int want_end = 0, got_end, ok = 1;
	char *want = tx_read_mem(data, len, XML_READ_BUFFERED, NULL, &want_count, &want_end);

	if (!want)
		want = calloc(1, 1);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++, (*runs)++) {
		char *got = frame_all(data, len, steps[i], NULL, 0, &got_count, &got_end);

		if (got_end != want_end || got_count != want_count || strcmp(got, want)) {
			unit_fail(__FILE__, __LINE__,
				  "%s (pieces of %zu): framer %zu stanzas, end %d (%s); reader %zu, "
				  "end %d", name, steps[i], got_count, got_end,
				  got_end == XE2E_E_EOF ? "" : err_detail(), want_count, want_end);
			ok = 0;
		}
		free(got);
	}
	free(want);
	return ok;
}

static void corpus_against_reader(const char *sub, size_t *files, size_t *runs)
{
	char **names = tx_corpus_names(sub);
	struct buf wrapped = BUF_INIT;

	CHECK(names != NULL && names[0] != NULL);
	for (size_t i = 0; names && names[i]; i++, (*files)++) {
		size_t len;
		char *data = unit_read_file(tx_corpus(sub, names[i]), &len);

		CHECK(data != NULL);
		if (!data)
			continue;
		same_as_reader(names[i], data, len, runs);
		buf_clear(&wrapped);
		buf_append_str(&wrapped, HEADER);
		buf_append(&wrapped, data, len);
		buf_append_str(&wrapped, "</stream:stream>");
		same_as_reader(names[i], (const char *)wrapped.data, wrapped.len, runs);
		free(data);
	}
	buf_free(&wrapped);
	tx_names_free(names);
}

TEST(xmpp_frame_matches_reader_on_corpus)
{
	size_t files = 0, runs = 0;

	corpus_against_reader("stanzas", &files, &runs);
	corpus_against_reader("exact", &files, &runs);
	corpus_against_reader("hostile", &files, &runs);
	unit_note("%zu corpus files, bare and in a stream, %zu framer runs", files, runs);
}

TEST(xmpp_frame_tricky_markup)
{
	static const char *const inputs[] = {
		"<message to='a@b' x='>'><body>a &gt; b &amp; c</body></message>",
		"<message x=\"'/>\"><body><![CDATA[<not/> a ]] tag ]]]></body></message>",
		"<message/> <presence/>\n\t<iq type='get' id='1'/>",
		"<m:message xmlns:m='jabber:client'><m:body>hi</m:body></m:message>",
		HEADER "<message><body>1</body></message> <presence/></stream:stream>",
		HEADER "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
		       "</stream:features></stream:stream>",
		HEADER "<message/>",
		HEADER "</stream:stream><message/>",
		"<message><body>a</body></message><!-- x -->",
		"<message><?pi x?></message>",
		"<message></body></message>",
		"</message>",
		"<message/>text",
		"<message/><?xml version='1.0'?>",
		" <?xml version='1.0'?><message/>",
		"<?xml version='1.0'?><message/>",
		"<message><body>cut",
		HEADER "<stream:stream><message/></stream:stream></stream:stream>",
		"<stream:stream xmlns:stream='urn:other'><x/></stream:stream>",
		/* found by comparing the two readers under a fuzzer */
		HEADER "<message/><stream:stream xmlns='jabber:client' "
		       "xmlns:stream='urn:not-streams'><message/></stream:stream>",
		HEADER "<message/></stream:stream xmlns='jabber:client'>",
		HEADER "<message/></stream:stream >",
		"<message/>&#10;&#x20;&#9;&#13;<presence/>&#x0D;",
		"<message/>&amp;",
		"<message/>&#65;",
		"<message/>&#10",
		"<message/>&#0000000000000000000000000000000000013;<presence/>&#x00000000000000000020;",
		"<message/>&#99999999999999999999999999999;",
		"&#10;<message/>",
		" \t&#10;",
		"<?xml version='1.0' encoding='UTF-8'?><message/>",
		"<?xml ve&\301TY[?><message/>",
		"<?xml ?><message/>",
		"<?xm version='1.0'?><message/>",
	};
	size_t runs = 0;

	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++)
		same_as_reader(inputs[i], inputs[i], strlen(inputs[i]), &runs);
	unit_note("%zu inputs, %zu framer runs", sizeof(inputs) / sizeof(inputs[0]), runs);
}

TEST(xmpp_frame_hands_over_at_the_end_tag)
{
	struct xmpp_frame *f = NULL;
	struct xml_node *s = NULL;
	const char *first = HEADER "<message to='bob@xe2e.test'><body>1</bo";

	CHECK_INT(xmpp_frame_new(&f, NULL, 1), XE2E_OK);
	CHECK_INT(xmpp_frame_feed(f, first, strlen(first)), XE2E_OK);
	CHECK_INT(xmpp_frame_next(f, &s), XE2E_OK);
	CHECK(s == NULL);
	CHECK(xmpp_frame_started(f));
	CHECK_STR(xml_get_attr(xmpp_frame_header(f), "id"), "s1");
	CHECK_INT(xmpp_frame_feed(f, "dy></message><presence", 22), XE2E_OK);
	CHECK_INT(xmpp_frame_next(f, &s), XE2E_OK);
	CHECK(s != NULL);
	if (s) {
		char *text = tx_ser(s);

		CHECK_STR(text, "<message to='bob@xe2e.test'><body>1</body></message>");
		free(text);
		xml_free(s);
	}
	CHECK_INT(xmpp_frame_next(f, &s), XE2E_OK);
	CHECK(s == NULL);
	CHECK_INT(xmpp_frame_buffered(f), strlen("<presence"));
	CHECK_INT(xmpp_frame_feed(f, "/></stream:stream> junk", 23), XE2E_OK);
	CHECK_INT(xmpp_frame_next(f, &s), XE2E_OK);
	CHECK(s != NULL && strcmp(s->name, "presence") == 0);
	xml_free(s);
	CHECK_INT(xmpp_frame_next(f, &s), XE2E_E_EOF);
	CHECK_INT(xmpp_frame_next(f, &s), XE2E_E_EOF);
	xmpp_frame_free(f);
}

TEST(xmpp_frame_bytes_after_a_stanza_are_visible)
{
	/* After <proceed/> nothing may follow before TLS starts. */
	struct xmpp_frame *f = NULL;
	struct xml_node *s = NULL;
	const char *in = HEADER "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><message/>";

	CHECK_INT(xmpp_frame_new(&f, NULL, 1), XE2E_OK);
	CHECK_INT(xmpp_frame_feed(f, in, strlen(in)), XE2E_OK);
	CHECK_INT(xmpp_frame_next(f, &s), XE2E_OK);
	CHECK(s != NULL && strcmp(s->name, "proceed") == 0);
	CHECK_INT(xmpp_frame_buffered(f), strlen("<message/>"));
	xml_free(s);
	xmpp_frame_free(f);

	CHECK_INT(xmpp_frame_new(&f, NULL, 1), XE2E_OK);
	CHECK_INT(xmpp_frame_feed(f, HEADER "<proceed/>", strlen(HEADER "<proceed/>")), XE2E_OK);
	CHECK_INT(xmpp_frame_next(f, &s), XE2E_OK);
	CHECK(s != NULL);
	CHECK_INT(xmpp_frame_buffered(f), 0);
	xml_free(s);
	xmpp_frame_free(f);
}

TEST(xmpp_frame_needs_a_stream_when_asked)
{
	size_t count;
	int end;
	char *out = frame_all("<message/>", 10, 0, NULL, 1, &count, &end);

	CHECK_INT(end, XE2E_E_MALFORMED);
	CHECK_INT(count, 0);
	free(out);
	out = frame_all(HEADER "<message/>", strlen(HEADER "<message/>"), 3, NULL, 1, &count, &end);
	CHECK_INT(end, XE2E_E_EOF);
	CHECK_INT(count, 1);
	free(out);
}

TEST(xmpp_frame_limits_while_arriving)
{
	struct xml_limits lim = xml_limits_default();
	struct buf big = BUF_INIT;
	size_t count;
	int end;
	char *out;

	lim.max_stanza_bytes = 200;
	buf_append_str(&big, HEADER "<message><body>");
	for (int i = 0; i < 100; i++)
		buf_append_str(&big, "0123456789");
	/* never closed: the limit must stop it, not the end of input */
	out = frame_all((const char *)big.data, big.len, 16, &lim, 1, &count, &end);
	CHECK_INT(end, XE2E_E_LIMIT);
	CHECK(strstr(err_detail(), "max_stanza_bytes (200)") != NULL);
	free(out);

	buf_clear(&big);
	buf_append_str(&big, HEADER "<message>");
	for (int i = 0; i < 100; i++)
		buf_append_str(&big, "<a>");
	lim = xml_limits_default();
	out = frame_all((const char *)big.data, big.len, 5, &lim, 1, &count, &end);
	CHECK_INT(end, XE2E_E_LIMIT);
	free(out);

	/* exactly at the limit passes, one byte more does not */
	lim.max_stanza_bytes = strlen("<message><body>12</body></message>");
	out = frame_all(HEADER "<message><body>12</body></message>",
			strlen(HEADER "<message><body>12</body></message>"), 1, &lim, 1, &count,
			&end);
	CHECK_INT(end, XE2E_E_EOF);
	CHECK_INT(count, 1);
	free(out);
	out = frame_all(HEADER "<message><body>123</body></message>",
			strlen(HEADER "<message><body>123</body></message>"), 1, &lim, 1, &count,
			&end);
	CHECK_INT(end, XE2E_E_LIMIT);
	free(out);
	buf_free(&big);
}

TEST(xmpp_frame_refuses_input_piling_up_unread)
{
	struct xml_limits lim = xml_limits_default();
	struct xmpp_frame *f = NULL;
	char chunk[4096];
	size_t fed = 0;
	int err = XE2E_OK;

	lim.max_stanza_bytes = 1000;
	memset(chunk, ' ', sizeof(chunk));
	CHECK_INT(xmpp_frame_new(&f, &lim, 0), XE2E_OK);
	while (!err && fed < 2 * (1000 + XMPP_FRAME_SLACK)) {
		err = xmpp_frame_feed(f, chunk, sizeof(chunk));
		fed += sizeof(chunk);
	}
	CHECK_INT(err, XE2E_E_LIMIT);
	CHECK(fed > 1000 + XMPP_FRAME_SLACK && fed <= 1000 + XMPP_FRAME_SLACK + 2 * sizeof(chunk));
	xmpp_frame_free(f);
}
