/*
 * Round trips of real XMPP stanzas (tests/xml/stanzas, tests/xml/exact):
 * what comes out is XML-equivalent to what went in (xmllint --c14n on both
 * sides), bare and wrapped input give the same trees and bytes, and the
 * output form is a fixed point.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "test_xml.h"
#include "unit.h"
#include "xml.h"

#define STREAM_OPEN                                                          \
	"<?xml version='1.0'?>"                                              \
	"<stream:stream xmlns='jabber:client' "                              \
	"xmlns:stream='http://etherx.jabber.org/streams' to='capulet.lit' " \
	"id='c2s-1' version='1.0' xml:lang='en'>\n"
#define STREAM_CLOSE "</stream:stream>"

static char *corpus_file(const char *sub, const char *name, size_t *len)
{
	char *data = unit_read_file(tx_corpus(sub, name), len);

	if (!data)
		unit_fail(__FILE__, __LINE__, "cannot read %s", tx_corpus(sub, name));
	return data;
}

/* One stanza read from data: its serialization (one line, no newline). */
static char *one_stanza(const char *data, size_t len, enum xml_reader_mode mode)
{
	size_t count;
	int end;
	char *out = tx_read_mem(data, len, mode, NULL, &count, &end);

	if (!out || count != 1 || end != XE2E_E_EOF) {
		unit_fail(__FILE__, __LINE__, "%zu stanzas, ended with %d (%s)", count, end,
			  err_detail());
		free(out);
		return NULL;
	}
	out[strlen(out) - 1] = '\0';
	return out;
}

static void check_c14n_equal(const char *name, const char *in, size_t in_len, const char *out)
{
	char *a = tx_c14n(in, in_len), *b = tx_c14n(out, strlen(out));

	if (!a || !b)
		unit_fail(__FILE__, __LINE__, "%s: xmllint --c14n failed", name);
	else if (strcmp(a, b) != 0)
		unit_fail(__FILE__, __LINE__, "%s: canonical forms differ:\n%s\n%s", name, a, b);
	free(a);
	free(b);
}

static void check_fixed_point(const char *name, const char *out)
{
	struct xml_node *el = NULL;
	char *again;

	CHECK_INT(xml_parse_element(out, strlen(out), NULL, &el), XE2E_OK);
	again = el ? tx_ser(el) : NULL;
	if (!again || strcmp(again, out) != 0)
		unit_fail(__FILE__, __LINE__, "%s: output is not a fixed point:\n%s\n%s", name,
			  out, again ? again : "(null)");
	free(again);
	xml_free(el);
}

static void roundtrip_one(const char *name)
{
	size_t len;
	char *in = corpus_file("stanzas", name, &len);
	char *out, *exact;
	struct xml_node *el = NULL;
	char *parsed;

	if (!in)
		return;
	out = one_stanza(in, len, XML_READ_BUFFERED);
	exact = one_stanza(in, len, XML_READ_EXACT);
	if (out) {
		CHECK(strchr(out, '\n') == NULL);
		check_c14n_equal(name, in, len, out);
		check_fixed_point(name, out);
		CHECK_STR(exact, out);
		CHECK_INT(xml_parse_element(in, len, NULL, &el), XE2E_OK);
		parsed = el ? tx_ser(el) : NULL;
		CHECK_STR(parsed, out);
		free(parsed);
		xml_free(el);
	}
	free(exact);
	free(out);
	free(in);
}

TEST(xml_roundtrip_corpus_canonical)
{
	char **names = tx_corpus_names("stanzas");
	size_t n = 0;

	CHECK(names != NULL);
	for (; names && names[n]; n++)
		roundtrip_one(names[n]);
	CHECK(n >= 10);
	unit_note("%zu stanzas, canonical forms compared with xmllint --c14n", n);
	tx_names_free(names);
}

/* Files already in the output form come back byte for byte. */
TEST(xml_roundtrip_exact_files)
{
	char **names = tx_corpus_names("exact");
	size_t n = 0, len, count;
	char *in, *out;
	int end;

	CHECK(names != NULL);
	for (; names && names[n]; n++) {
		in = corpus_file("exact", names[n], &len);
		if (!in)
			continue;
		out = tx_read_mem(in, len, XML_READ_BUFFERED, NULL, &count, &end);
		CHECK_INT(end, XE2E_E_EOF);
		CHECK_STR(out, in);
		free(out);
		free(in);
	}
	CHECK(n >= 3);
	unit_note("%zu stanzas compared byte for byte", n);
	tx_names_free(names);
}

static char *wrap_twice(const char *in, size_t len, size_t *out_len)
{
	size_t open = strlen(STREAM_OPEN), close = strlen(STREAM_CLOSE);
	char *w = malloc(open + 2 * len + 1 + close + 1);

	if (!w)
		return NULL;
	memcpy(w, STREAM_OPEN, open);
	memcpy(w + open, in, len);
	w[open + len] = ' ';
	memcpy(w + open + len + 1, in, len);
	memcpy(w + open + 2 * len + 1, STREAM_CLOSE, close + 1);
	*out_len = open + 2 * len + 1 + close;
	return w;
}

/* The first stanza of data as a tree. */
static struct xml_node *first_tree(const char *data, size_t len, int *in_stream)
{
	struct xml_reader *r = NULL;
	struct xml_node *s = NULL;
	int fd = tx_fd_with(data, len);

	if (fd < 0 || xml_reader_new(&r, fd, XML_READ_BUFFERED, NULL) ||
	    xml_reader_next(r, &s))
		unit_fail(__FILE__, __LINE__, "no first stanza: %s", err_detail());
	*in_stream = xml_reader_in_stream(r);
	xml_reader_free(r);
	if (fd >= 0)
		close(fd);
	return s;
}

static void wrapped_one(const char *name)
{
	size_t len, wlen, count;
	char *in = corpus_file("stanzas", name, &len);
	char *bare, *wrapped = NULL, *w = NULL, *expect = NULL;
	struct xml_node *tb = NULL, *tw = NULL;
	int end, in_stream = -1;

	if (!in)
		return;
	bare = one_stanza(in, len, XML_READ_BUFFERED);
	w = wrap_twice(in, len, &wlen);
	if (bare && w) {
		wrapped = tx_read_mem(w, wlen, XML_READ_EXACT, NULL, &count, &end);
		CHECK_INT(count, 2);
		CHECK_INT(end, XE2E_E_EOF);
		expect = malloc(2 * strlen(bare) + 3);
		if (expect)
			sprintf(expect, "%s\n%s\n", bare, bare);
		CHECK_STR(wrapped, expect);
		tb = first_tree(in, len, &in_stream);
		CHECK_INT(in_stream, 0);
		tw = first_tree(w, wlen, &in_stream);
		CHECK_INT(in_stream, 1);
		if (tb && tw && !tx_tree_equal(tb, tw))
			unit_fail(__FILE__, __LINE__, "%s: bare and wrapped trees differ", name);
	}
	xml_free(tb);
	xml_free(tw);
	free(expect);
	free(wrapped);
	free(w);
	free(bare);
	free(in);
}

TEST(xml_roundtrip_wrapped_equals_bare)
{
	char **names = tx_corpus_names("stanzas");
	size_t n = 0;

	for (; names && names[n]; n++)
		wrapped_one(names[n]);
	CHECK(n >= 10);
	unit_note("%zu stanzas, each wrapped in <stream:stream> twice", n);
	tx_names_free(names);
}

TEST(xml_stanza_namespace_is_jabber_client)
{
	static const char bare[] = "<message><body>x</body><x xmlns=''><y/></x></message>";
	static const char wrapped[] = STREAM_OPEN "<message><body>x</body>"
					"<x xmlns=''><y/></x></message>" STREAM_CLOSE;
	struct xml_node *s[2] = {NULL, NULL};
	int in_stream;

	s[0] = first_tree(bare, strlen(bare), &in_stream);
	s[1] = first_tree(wrapped, strlen(wrapped), &in_stream);
	for (int i = 0; i < 2; i++) {
		if (!s[i] || s[i]->n_children != 2)
			continue;
		CHECK_STR(s[i]->ns, XML_NS_CLIENT);
		CHECK_INT(s[i]->n_nsdecls, 0);
		CHECK_STR(s[i]->children[0]->ns, XML_NS_CLIENT);
		CHECK(s[i]->children[1]->ns == NULL);
		CHECK_INT(s[i]->children[1]->n_nsdecls, 1);
		CHECK_STR(s[i]->children[1]->nsdecls[0].uri, "");
		CHECK(s[i]->children[1]->children[0]->ns == NULL);
	}
	CHECK(s[0] && s[1] && tx_tree_equal(s[0], s[1]));
	xml_free(s[0]);
	xml_free(s[1]);
}

/* Prefixes a stanza uses from the stream header are declared on it. */
TEST(xml_stream_prefixes_move_to_stanza)
{
	static const char wrapped[] =
		"<stream:stream xmlns='jabber:server' "
		"xmlns:stream='http://etherx.jabber.org/streams' "
		"xmlns:db='jabber:server:dialback' xmlns:unused='urn:unused'>"
		"<db:result from='capulet.lit' to='montague.lit'>b4835385f37fe2895af6c196b59097b16862406db80559900d96bf6fa7d23df3</db:result>"
		"<message from='a@capulet.lit' to='b@montague.lit'><db:x db:y='1'/><body>hi</body></message>"
		"<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"
		"</stream:stream>";
	static const char bare[] =
		"<db:result xmlns:db='jabber:server:dialback' from='capulet.lit' to='montague.lit'>b4835385f37fe2895af6c196b59097b16862406db80559900d96bf6fa7d23df3</db:result>\n"
		"<message xmlns='jabber:server' xmlns:db='jabber:server:dialback' from='a@capulet.lit' to='b@montague.lit'><db:x db:y='1'/><body>hi</body></message>\n"
		"<stream:error xmlns:stream='http://etherx.jabber.org/streams'><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>\n";
	size_t count, n2;
	int end, end2;
	char *out = tx_read_mem(wrapped, strlen(wrapped), XML_READ_BUFFERED, NULL, &count, &end);
	char *out2;
	char *a, *b, *line, *save = NULL, *line2, *save2 = NULL;

	CHECK_INT(count, 3);
	CHECK_INT(end, XE2E_E_EOF);
	CHECK(out && !strstr(out, "urn:unused"));
	CHECK(out && strstr(out, "<message xmlns:db='jabber:server:dialback' xmlns='jabber:server' from="));
	/* Each output stanza alone is canonically the same as its bare form. */
	out2 = tx_read_mem(bare, strlen(bare), XML_READ_BUFFERED, NULL, &n2, &end2);
	CHECK_INT(n2, 3);
	line = out ? strtok_r(out, "\n", &save) : NULL;
	line2 = out2 ? strtok_r(out2, "\n", &save2) : NULL;
	for (int i = 0; i < 3 && line && line2; i++) {
		a = tx_c14n(line, strlen(line));
		b = tx_c14n(line2, strlen(line2));
		CHECK(a && b);
		if (a && b)
			CHECK_STR(a, b);
		free(a);
		free(b);
		line = strtok_r(NULL, "\n", &save);
		line2 = strtok_r(NULL, "\n", &save2);
	}
	free(out);
	free(out2);
}

TEST(xml_xml_declaration_and_whitespace_between_stanzas)
{
	static const char in[] = "<?xml version='1.0' encoding='UTF-8'?>\n\n"
				 "<presence/> \t\r\n <message id='1'/>\n\n";
	size_t count;
	int end;
	char *out = tx_read_mem(in, sizeof(in) - 1, XML_READ_EXACT, NULL, &count, &end);

	CHECK_INT(end, XE2E_E_EOF);
	CHECK_STR(out, "<presence/>\n<message id='1'/>\n");
	free(out);
}
