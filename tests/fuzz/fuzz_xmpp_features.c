/*
 * <stream:features/> from an XMPP server (xmpp_stream.h), read before TLS:
 * what parses offers only mechanisms xe2e-connect knows, a required
 * STARTTLS only with STARTTLS, and the mechanism chosen from it is one
 * offered, PLAIN never without TLS.
 */
#include "fuzz.h"

#include "err.h"
#include "xml.h"
#include "xmpp_stream.h"

int fuzz_xmpp_features(const uint8_t *data, size_t size)
{
	const unsigned known = XMPP_MECH_PLAIN | XMPP_MECH_SCRAM_SHA1 | XMPP_MECH_SCRAM_SHA256;
	struct xml_node *el = NULL;
	struct xmpp_features f;
	enum xmpp_mech m;
	int err;

	if (xml_parse_element((const char *)data, size, NULL, &el) != XE2E_OK)
		return 0;
	err = xmpp_features_parse(el, &f);
	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED);
	if (err == XE2E_OK) {
		FUZZ_CHECK((f.mechs & ~known) == 0);
		FUZZ_CHECK(!f.starttls_required || f.starttls);
		FUZZ_CHECK(f.sasl || f.mechs == 0);
		m = xmpp_mech_choose(f.mechs, 0);
		FUZZ_CHECK(m == 0 || ((f.mechs & m) && m != XMPP_MECH_PLAIN));
		m = xmpp_mech_choose(f.mechs, 1);
		FUZZ_CHECK(m == 0 || (f.mechs & m));
		FUZZ_CHECK(m == 0 || xmpp_mech_name(m) != NULL);
	}
	xml_free(el);
	return 0;
}
