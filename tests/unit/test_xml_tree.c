/*
 * Trees built in code: attributes, children, text, find, detach, clone,
 * namespaces filled in on serialization, and depths no parse would allow.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "test_xml.h"
#include "unit.h"
#include "xml.h"

/* A message as a client would build it. */
static struct xml_node *build_message(void)
{
	struct xml_node *m = xml_element_new("message", XML_NS_CLIENT);
	struct xml_node *body = xml_element_new("body", NULL);
	struct xml_node *active = xml_element_new("active", "http://jabber.org/protocol/chatstates");
	const char *text = "Fish & chips <3 ]]> \"caf\xc3\xa9\"";
	int err = !m || !body || !active;

	err = err || xml_set_attr(m, "to", "romeo@montague.lit");
	err = err || xml_set_attr(m, "type", "chat");
	err = err || xml_set_attr_ns(m, "lang", XML_NS_XML, "xml", "en");
	err = err || xml_append_text(body, text, strlen(text));
	err = err || xml_append_child(m, body);
	body = NULL;
	err = err || xml_append_child(m, active);
	active = NULL;
	if (err) {
		unit_fail(__FILE__, __LINE__, "building the message failed");
		xml_free(body);
		xml_free(active);
		xml_free(m);
		return NULL;
	}
	return m;
}

TEST(xml_tree_build_and_serialize)
{
	struct xml_node *m = build_message(), *back = NULL;
	char *out = m ? tx_ser(m) : NULL, *again;

	CHECK_STR(out, "<message to='romeo@montague.lit' type='chat' xml:lang='en'>"
		       "<body>Fish &amp; chips &lt;3 ]]&gt; \"caf\xc3\xa9\"</body>"
		       "<active xmlns='http://jabber.org/protocol/chatstates'/></message>");
	/* What was built reads back as the same elements. */
	CHECK_INT(out ? xml_parse_element(out, strlen(out), NULL, &back) : -1, XE2E_OK);
	if (back) {
		CHECK_STR(xml_get_attr(back, "to"), "romeo@montague.lit");
		CHECK_STR(xml_get_attr_ns(back, "lang", XML_NS_XML), "en");
		CHECK(xml_find_child(back, "active", "http://jabber.org/protocol/chatstates"));
		again = tx_ser(back);
		CHECK_STR(again, out);
		free(again);
	}
	xml_free(back);
	free(out);
	xml_free(m);
}

TEST(xml_tree_attributes)
{
	struct xml_node *el = xml_element_new("iq", NULL);
	char *out;

	CHECK(el != NULL);
	if (!el)
		return;
	CHECK_INT(xml_set_attr(el, "type", "get"), XE2E_OK);
	CHECK_INT(xml_set_attr(el, "id", "1"), XE2E_OK);
	CHECK_INT(xml_set_attr(el, "to", "a@b"), XE2E_OK);
	CHECK_INT(xml_set_attr(el, "type", "set"), XE2E_OK); /* replaced in place */
	CHECK_INT(el->n_attrs, 3);
	out = tx_ser(el);
	CHECK_STR(out, "<iq type='set' id='1' to='a@b'/>");
	free(out);
	CHECK_STR(xml_get_attr(el, "id"), "1");
	CHECK(xml_get_attr(el, "from") == NULL);
	CHECK_INT(xml_remove_attr(el, "id"), 1);
	CHECK_INT(xml_remove_attr(el, "id"), 0);
	CHECK(xml_get_attr(el, "id") == NULL);
	CHECK_STR(xml_get_attr(el, "to"), "a@b");
	/* Values XML can carry, escaped; names and values it cannot, refused. */
	CHECK_INT(xml_set_attr(el, "note", "a'b\"c<d>e&f\tg\nh\ri"), XE2E_OK);
	out = tx_ser(el);
	CHECK_STR(out, "<iq type='set' to='a@b' note='a&apos;b\"c&lt;d>e&amp;f&#9;g&#10;h&#13;i'/>");
	free(out);
	CHECK_INT(xml_set_attr(el, "bad name", "x"), XE2E_E_MALFORMED);
	CHECK_INT(xml_set_attr(el, "a:b", "x"), XE2E_E_MALFORMED);
	CHECK_INT(xml_set_attr(el, "1abc", "x"), XE2E_E_MALFORMED);
	CHECK_INT(xml_set_attr(el, "x", "\x01"), XE2E_E_MALFORMED);
	CHECK_INT(xml_set_attr(el, "x", "\xc3\x28"), XE2E_E_MALFORMED);
	CHECK_INT(xml_set_attr(el, "x", "\xef\xbf\xbe"), XE2E_E_MALFORMED); /* U+FFFE */
	CHECK_INT(xml_set_attr_ns(el, "lang", "urn:other", "xml", "en"), XE2E_E_MALFORMED);
	CHECK_INT(xml_set_attr_ns(el, "a", "urn:a", "xmlns", "v"), XE2E_E_MALFORMED);
	CHECK_INT(xml_set_attr_ns(el, "a", "urn:a", NULL, "v"), XE2E_E_MALFORMED);
	CHECK_INT(el->n_attrs, 3);
	xml_free(el);
}

TEST(xml_tree_children_text_find_detach)
{
	struct xml_node *m = build_message(), *body, *active, *t;
	char *text, *out;

	CHECK(m != NULL);
	if (!m)
		return;
	body = xml_find_child(m, "body", NULL);
	CHECK(body != NULL);
	CHECK(xml_find_child(m, "body", XML_NS_CLIENT) == NULL); /* built with ns NULL */
	CHECK(xml_find_child(m, "active", "urn:other") == NULL);
	active = xml_find_child(m, "active", NULL);
	CHECK(active != NULL);
	CHECK_INT(xml_append_text(body, " and more", 9), XE2E_OK);
	CHECK_INT(xml_append_text(body, "", 0), XE2E_OK);
	CHECK_INT(body->n_children, 2);
	text = xml_text(body);
	CHECK_STR(text, "Fish & chips <3 ]]> \"caf\xc3\xa9\" and more");
	free(text);
	text = xml_text(m);
	CHECK_STR(text, "");
	free(text);

	/* Detaching gives the child back, alone. */
	CHECK(xml_detach_child(m, active) == active);
	CHECK(active->parent == NULL);
	CHECK(xml_detach_child(m, active) == NULL);
	CHECK_INT(m->n_children, 1);
	out = tx_ser(active);
	CHECK_STR(out, "<active xmlns='http://jabber.org/protocol/chatstates'/>");
	free(out);
	CHECK_INT(xml_append_child(body, active), XE2E_OK);
	CHECK(active->parent == body);

	/* Refused: a second parent, a cycle, a child of a text node, bad text. */
	CHECK_INT(xml_append_child(m, active), XE2E_E_STATE);
	CHECK_INT(xml_append_child(active, m), XE2E_E_STATE);
	CHECK_INT(xml_append_child(m, m), XE2E_E_STATE);
	t = xml_text_new("x", 1);
	CHECK(t != NULL);
	CHECK_INT(xml_append_child(t, xml_find_child(m, "body", NULL)), XE2E_E_MALFORMED);
	xml_free(t);
	CHECK(xml_text_new("a\0b", 3) == NULL);
	CHECK_INT(xml_append_text(body, "\xff", 1), XE2E_E_MALFORMED);
	CHECK_INT(xml_append_text(body, "\x0b", 1), XE2E_E_MALFORMED);
	CHECK(xml_element_new("", NULL) == NULL);
	CHECK(xml_element_new("a b", NULL) == NULL);
	CHECK(xml_element_new("p:x", NULL) == NULL);

	/* Freeing an attached node detaches it first. */
	xml_free(active);
	CHECK_INT(body->n_children, 2);
	xml_free(m);
}

TEST(xml_tree_clone_is_deep)
{
	static const char in[] =
		"<iq xmlns:p='urn:p' type='result' id='c1'><p:q a='1' p:b='2'>t1<x xmlns=''>"
		"<y/>t2</x></p:q>tail</iq>";
	struct xml_node *orig = NULL, *copy;
	char *a, *b;

	CHECK_INT(xml_parse_element(in, sizeof(in) - 1, NULL, &orig), XE2E_OK);
	if (!orig)
		return;
	copy = xml_clone(orig);
	CHECK(copy && copy->parent == NULL);
	CHECK(copy && tx_tree_equal(orig, copy));
	/* Changes to the copy leave the original alone. */
	CHECK_INT(xml_set_attr(copy, "id", "c2"), XE2E_OK);
	xml_free(xml_detach_child(copy->children[0], copy->children[0]->children[0]));
	a = tx_ser(orig);
	b = tx_ser(copy);
	CHECK_STR(a, in);
	CHECK_STR(b, "<iq xmlns:p='urn:p' type='result' id='c2'><p:q a='1' p:b='2'><x xmlns=''>"
		     "<y/>t2</x></p:q>tail</iq>");
	free(a);
	free(b);
	/* A subtree clone stands alone: the prefix it uses is declared on it. */
	xml_free(copy);
	copy = xml_clone(orig->children[0]);
	CHECK(copy && copy->parent == NULL);
	a = copy ? tx_ser(copy) : NULL;
	CHECK_STR(a, "<p:q xmlns:p='urn:p' a='1' p:b='2'>t1<x xmlns=''><y/>t2</x></p:q>");
	free(a);
	xml_free(copy);
	xml_free(orig);
}

/* Serializing part of a tree declares what it relied on from outside. */
TEST(xml_tree_namespaces_filled_in)
{
	static const char in[] = "<iq xmlns:p='urn:p'><query xmlns='jabber:iq:roster'>"
				 "<item jid='a@b'><group>g</group></item></query><p:x><p:y/></p:x></iq>";
	struct xml_node *iq = NULL, *query, *item, *x, *a, *b;
	char *out;

	CHECK_INT(xml_parse_element(in, sizeof(in) - 1, NULL, &iq), XE2E_OK);
	if (!iq)
		return;
	query = iq->children[0];
	item = query->children[0];
	x = iq->children[1];
	out = tx_ser(item);
	CHECK_STR(out, "<item xmlns='jabber:iq:roster' jid='a@b'><group>g</group></item>");
	free(out);
	out = tx_ser(x->children[0]);
	CHECK_STR(out, "<p:y xmlns:p='urn:p'/>");
	free(out);
	xml_free(iq);

	/* Built in code: a namespace is declared where it changes. */
	a = xml_element_new("query", "jabber:iq:roster");
	b = xml_element_new("item", "jabber:iq:roster");
	CHECK_INT(xml_append_child(a, b), XE2E_OK);
	b = xml_element_new("x", "jabber:x:data");
	CHECK_INT(xml_append_child(a, b), XE2E_OK);
	CHECK_INT(xml_append_child(b, xml_element_new("field", NULL)), XE2E_OK);
	out = tx_ser(a);
	CHECK_STR(out, "<query xmlns='jabber:iq:roster'><item/><x xmlns='jabber:x:data'><field/></x></query>");
	free(out);
	xml_free(a);

	/* A prefix set by hand gets its declaration. */
	a = xml_element_new("features", XML_NS_STREAMS);
	a->prefix = strdup("stream");
	out = tx_ser(a);
	CHECK_STR(out, "<stream:features xmlns:stream='http://etherx.jabber.org/streams'/>");
	free(out);
	xml_free(a);
}

TEST(xml_tree_unwritable_trees_refused)
{
	struct xml_node *a = xml_element_new("a", NULL);
	struct buf out = BUF_INIT;

	CHECK_INT(buf_append_str(&out, "keep"), XE2E_OK);
	a->prefix = strdup("p"); /* a prefix without a namespace */
	CHECK_INT(xml_serialize(a, &out), XE2E_E_MALFORMED);
	CHECK_INT(out.len, 4);
	free(a->prefix);
	a->prefix = NULL;
	/* Two bindings of one prefix on one element. */
	CHECK_INT(xml_set_attr_ns(a, "x", "urn:one", "p", "1"), XE2E_OK);
	CHECK_INT(xml_set_attr_ns(a, "y", "urn:two", "p", "2"), XE2E_OK);
	CHECK_INT(xml_serialize(a, &out), XE2E_E_MALFORMED);
	CHECK_INT(out.len, 4);
	buf_free(&out);
	xml_free(a);
}

/* Free, clone and serialization walk without recursion. */
TEST(xml_tree_deep_tree_built_in_code)
{
	const unsigned depth = 300000;
	struct xml_node *root = xml_element_new("a", NULL), *cur = root, *c, *copy;
	struct buf out = BUF_INIT;
	size_t want;

	for (unsigned i = 0; i < depth && cur; i++) {
		c = xml_element_new("b", i % 1000 ? NULL : "urn:deep");
		if (!c || xml_append_child(cur, c)) {
			xml_free(c);
			break;
		}
		cur = c;
	}
	CHECK_INT(xml_append_text(cur, "bottom", 6), XE2E_OK);
	/* <a> </a>, <b> </b> each, the text, and one xmlns='urn:deep': the
	 * later elements in urn:deep find it already the default. */
	want = 3 + 4 + 7 * (size_t)depth + 6 + strlen(" xmlns='urn:deep'");
	CHECK_INT(xml_serialize(root, &out), XE2E_OK);
	CHECK_INT(out.len, want);
	copy = xml_clone(root);
	CHECK(copy != NULL);
	buf_clear(&out);
	CHECK_INT(xml_serialize(copy, &out), XE2E_OK);
	CHECK_INT(out.len, want);
	xml_free(copy);
	xml_free(root);
	buf_free(&out);
	unit_note("%u levels built, serialized, cloned and freed", depth);
}

/* Elements parsed one after another (the reader is kept between them):
 * each gets its own limits, a failure leaves nothing behind for the next,
 * and a parse after hostile input reads as on a new reader. */
TEST(xml_parse_element_one_after_another)
{
	static const char good[] = "<message type='chat'><body>hi</body></message>";
	static const char deep[] = "<a><b><c><d/></c></b></a>";
	struct xml_limits tight = xml_limits_default();
	struct xml_node *el = NULL;

	tight.max_depth = 2;
	for (int i = 0; i < 3; i++) {
		CHECK_INT(xml_parse_element(good, strlen(good), NULL, &el), XE2E_OK);
		CHECK_STR(el->name, "message");
		CHECK_INT((int)el->n_children, 1);
		xml_free(el);
		el = NULL;
	}
	CHECK_INT(xml_parse_element(deep, strlen(deep), NULL, &el), XE2E_OK);
	xml_free(el);
	el = NULL;
	CHECK_INT(xml_parse_element(deep, strlen(deep), &tight, &el), XE2E_E_LIMIT);
	CHECK(el == NULL);
	CHECK_INT(xml_parse_element(deep, strlen(deep), NULL, &el), XE2E_OK);
	xml_free(el);
	el = NULL;
	CHECK_INT(xml_parse_element("<a><b>", 6, NULL, &el), XE2E_E_MALFORMED);
	CHECK_INT(xml_parse_element("<!DOCTYPE a><a/>", 16, NULL, &el), XE2E_E_XML);
	CHECK_INT(xml_parse_element("<a/><b/>", 8, NULL, &el), XE2E_E_MALFORMED);
	CHECK_INT(xml_parse_element(good, strlen(good), NULL, &el), XE2E_OK);
	CHECK_STR(el->name, "message");
	xml_free(el);
}
