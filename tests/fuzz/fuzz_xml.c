/*
 * One element from memory (xml.h, xml_parse_element): what parses must
 * serialize to text that parses again to a tree that serializes to the
 * same text (serialization is exact, so a second round changes nothing),
 * and a deep copy must serialize the same way.
 */
#include "fuzz.h"

#include <stdlib.h>

#include "err.h"
#include "xml.h"

int fuzz_xml(const uint8_t *data, size_t size)
{
	struct xml_node *el = NULL;
	char *text;
	int err = xml_parse_element((const char *)data, size, NULL, &el);

	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED || err == XE2E_E_XML ||
		   err == XE2E_E_LIMIT);
	FUZZ_CHECK((err == XE2E_OK) == (el != NULL));
	if (err != XE2E_OK)
		return 0;
	FUZZ_CHECK(el->type == XML_ELEMENT && el->parent == NULL && el->name && el->name[0]);
	text = xml_text(el);
	FUZZ_CHECK(text != NULL);
	free(text);
	fuzz_xml_round_trip(el);
	xml_free(el);
	return 0;
}
