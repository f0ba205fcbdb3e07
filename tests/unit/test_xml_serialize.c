/*
 * The serialization xe2e(7) CONVENTIONS states, rule by rule: each input,
 * read as a stanza, gives exactly the bytes the text says. The frame of a
 * sealed stanza and every stanza a program writes are in this form, so a
 * change here changes the wire: the text and this test move together.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "stanza_frame.h"
#include "test_xml.h"
#include "unit.h"
#include "xml.h"

/* The serialization of the one stanza in, read as a bare stanza and
 * wrapped in a jabber:client stream: both must be want. */
static void check_form(const char *in, const char *want)
{
	static const char open[] = "<stream:stream xmlns='jabber:client' "
				   "xmlns:stream='http://etherx.jabber.org/streams'>";
	static const char close[] = "</stream:stream>";
	size_t count, len = strlen(in);
	char *wrapped = malloc(sizeof(open) + len + sizeof(close));
	char *got;
	int end;

	got = tx_read_mem(in, len, XML_READ_BUFFERED, NULL, &count, &end);
	CHECK_INT(end, XE2E_E_EOF);
	CHECK_INT(count, 1);
	if (got && *got)
		got[strlen(got) - 1] = '\0'; /* the newline after the stanza */
	if (!got || strcmp(got, want) != 0)
		unit_fail(__FILE__, __LINE__, "%s\n  gives %s\n  not   %s", in, got ? got : "(null)",
			  want);
	free(got);
	if (!wrapped)
		return;
	sprintf(wrapped, "%s%s%s", open, in, close);
	got = tx_read_mem(wrapped, strlen(wrapped), XML_READ_BUFFERED, NULL, &count, &end);
	if (got && *got)
		got[strlen(got) - 1] = '\0';
	if (!got || strcmp(got, want) != 0)
		unit_fail(__FILE__, __LINE__, "wrapped %s\n  gives %s\n  not   %s", in,
			  got ? got : "(null)", want);
	free(got);
	free(wrapped);
}

TEST(xml_serialization_tags_quotes_and_empty_elements)
{
	/* Single quotes, one space before each attribute, none elsewhere. */
	check_form("<message  to = \"a@b.example\"\n\tid=\"1\" ></message >",
		   "<message to='a@b.example' id='1'/>");
	/* An element without children is <x/>, however it was written. */
	check_form("<message><body></body><x/><y ></y></message>",
		   "<message><body/><x/><y/></message>");
	/* Attributes in the order read. */
	check_form("<message type='chat' id='x' to='a@b.example' from='c@d.example'/>",
		   "<message type='chat' id='x' to='a@b.example' from='c@d.example'/>");
}

TEST(xml_serialization_escapes_text)
{
	/* & < > escaped by name, CR and LF by number, all else as is. */
	check_form("<message><body>&amp;&lt;&gt;&quot;&apos;\"'\t&#13;&#xA;</body></message>",
		   "<message><body>&amp;&lt;&gt;\"'\"'\t&#13;&#10;</body></message>");
	/* Line ends are normalised on reading (CR LF and CR alone: LF). */
	check_form("<message><body>a\r\nb\rc\nd</body></message>",
		   "<message><body>a&#10;b&#10;c&#10;d</body></message>");
	/* References resolved, CDATA written as text, one text node. */
	check_form("<message><body>&#65;&#x42;<![CDATA[<c>&]]>\xc3\xa9</body></message>",
		   "<message><body>AB&lt;c&gt;&amp;\xc3\xa9</body></message>");
	/* White space between elements stays, as text. */
	check_form("<message>\n <body>x</body> </message>",
		   "<message>&#10; <body>x</body> </message>");
}

TEST(xml_serialization_escapes_attribute_values)
{
	/* & < ' by name, TAB LF CR by number, " and > as they are. */
	check_form("<message a=\"&amp;&lt;&gt;&quot;&apos;'&#9;&#10;&#13;\"/>",
		   "<message a='&amp;&lt;>\"&apos;&apos;&#9;&#10;&#13;'/>");
	/* A literal TAB, LF, CR or CR LF in a value reads as one space. */
	check_form("<message a='x\ty\nz\r\nw'/>", "<message a='x y z w'/>");
}

TEST(xml_serialization_namespaces)
{
	static const char stream[] =
		"<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
		"xmlns:p='urn:p' xmlns:r='urn:r'><message xmlns:q='urn:q' id='1' r:a='2'>"
		"<p:x/><q:y/></message></stream:stream>";
	size_t count;
	int end;
	char *got;

	/* jabber:client is the default at the top, not written... */
	check_form("<message><body>x</body></message>", "<message><body>x</body></message>");
	/* ...unless the stanza declares it itself. */
	check_form("<message xmlns='jabber:client'/>", "<message xmlns='jabber:client'/>");
	/* Declarations first, in the order read, then the attributes. */
	check_form("<message to='x@y.example' xmlns:a='urn:a' id='1' a:b='c' xmlns='jabber:client'/>",
		   "<message xmlns:a='urn:a' xmlns='jabber:client' to='x@y.example' id='1' a:b='c'/>");
	/* Where they were read, redundant ones too, xmlns='' too; the prefix
	 * xml is never declared. */
	check_form("<message xml:lang='en'><x xmlns='urn:a'><y xmlns='urn:a'/><z xmlns=''/></x>"
		   "<p:q xmlns:p='urn:p' p:r='1'/></message>",
		   "<message xml:lang='en'><x xmlns='urn:a'><y xmlns='urn:a'/><z xmlns=''/></x>"
		   "<p:q xmlns:p='urn:p' p:r='1'/></message>");
	/* Prefixes a stanza takes from its stream header are declared on it,
	 * after its own declarations, in the order of their first use. */
	got = tx_read_mem(stream, sizeof(stream) - 1, XML_READ_BUFFERED, NULL, &count, &end);
	CHECK_INT(count, 1);
	CHECK_STR(got, "<message xmlns:q='urn:q' xmlns:r='urn:r' xmlns:p='urn:p' id='1' r:a='2'>"
		       "<p:x/><q:y/></message>\n");
	free(got);
}

/* The frame's text is that form without the routing attributes: the
 * declarations and other attributes keep their places. */
TEST(xml_serialization_is_the_frame_text)
{
	static const char in[] = "<message to='a@b.example' xmlns:a='urn:a' type='chat' a:b='c' "
				 "id='1' from='c@d.example' xml:lang='en'><x a:y='&apos;'/></message>";
	static const char want[] = "\x01 xmlns:a='urn:a' a:b='c'\x1f" "en'><x a:y='&apos;'/>\x02";
	struct xml_node *el = NULL;
	struct buf frame = BUF_INIT;

	CHECK_INT(xml_parse_element(in, sizeof(in) - 1, NULL, &el), XE2E_OK);
	CHECK_INT(el ? stanza_frame_encode(el, &frame) : -1, XE2E_OK);
	CHECK_INT(frame.len, sizeof(want)); /* the format byte, then the text */
	CHECK(frame.len > 0 && frame.data[0] == STANZA_FRAME_STANZA);
	CHECK(frame.len == sizeof(want) && !memcmp(frame.data + 1, want, sizeof(want) - 1));
	buf_free(&frame);
	xml_free(el);
}
