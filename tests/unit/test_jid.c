#include <string.h>

#include "err.h"
#include "jid.h"
#include "unit.h"

TEST(jid_parses_full_and_bare)
{
	struct jid j;
	char out[JID_MAX + 1];

	CHECK_INT(jid_parse("Alice@Capulet.LIT/Balcony", &j), XE2E_OK);
	CHECK_STR(j.local, "alice");
	CHECK_STR(j.domain, "capulet.lit");
	CHECK_STR(j.resource, "Balcony"); /* resourceprep keeps case */
	jid_bare(&j, out);
	CHECK_STR(out, "alice@capulet.lit");
	jid_full(&j, out);
	CHECK_STR(out, "alice@capulet.lit/Balcony");
	CHECK_INT(jid_parse("montague.lit", &j), XE2E_OK);
	jid_bare(&j, out);
	CHECK_STR(out, "montague.lit");
}

TEST(jid_normalises_like_prosody)
{
	char out[JID_MAX + 1];

	/* nodeprep case-folds and maps; nameprep lower-cases the domain. */
	CHECK_INT(jid_normalize_bare("JULIET@EXAMPLE.COM.", out), XE2E_OK);
	CHECK_STR(out, "juliet@example.com");
	CHECK_INT(jid_normalize_bare("Stra\xc3\x9f" "e@example.com", out), XE2E_OK);
	CHECK_STR(out, "strasse@example.com");
	CHECK(jid_same_bare("Bob@Montague.lit/garden", "bob@montague.lit"));
	CHECK(!jid_same_bare("bob@montague.lit", "rob@montague.lit"));
}

TEST(jid_refuses_bad_parts)
{
	struct jid j;
	char longpart[1100];

	CHECK_INT(jid_parse("@capulet.lit", &j), XE2E_E_MALFORMED);
	CHECK_INT(jid_parse("alice@", &j), XE2E_E_MALFORMED);
	CHECK_INT(jid_parse("alice@capulet.lit/", &j), XE2E_E_MALFORMED);
	CHECK_INT(jid_parse("", &j), XE2E_E_MALFORMED);
	/* nodeprep prohibits these in a localpart (RFC 6122 appendix A.5). */
	CHECK_INT(jid_parse("a\"b@capulet.lit", &j), XE2E_E_MALFORMED);
	CHECK_INT(jid_parse("a:b@capulet.lit", &j), XE2E_E_MALFORMED);
	CHECK_INT(jid_parse("a b@capulet.lit", &j), XE2E_E_MALFORMED);
	memset(longpart, 'a', sizeof(longpart) - 1);
	longpart[sizeof(longpart) - 1] = '\0';
	CHECK_INT(jid_parse(longpart, &j), XE2E_E_MALFORMED);
	CHECK(strstr(err_detail(), "longer") != NULL);
	err_detail_clear();
}
