/* Negotiation of version, suite and pattern (see handshake_nego.h). */
#include "handshake_nego.h"

#include <stdio.h>
#include <string.h>

#include "err.h"

struct suite_info {
	uint8_t code;
	const char *short_name;
	const char *name;
};

static const struct suite_info suites[] = {
	{HS_SUITE_CHACHAPOLY, "ChaChaPoly", "25519_ChaChaPoly_SHA256"},
	{HS_SUITE_AESGCM, "AESGCM", "25519_AESGCM_SHA256"},
};

static const struct suite_info *suite_find(uint8_t code)
{
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (suites[i].code == code)
			return &suites[i];
	return NULL;
}

const char *hsnego_suite_name(uint8_t suite)
{
	const struct suite_info *s = suite_find(suite);

	return s ? s->name : NULL;
}

const char *hsnego_suite_short_name(uint8_t suite)
{
	const struct suite_info *s = suite_find(suite);

	return s ? s->short_name : NULL;
}

const char *hsnego_pattern_name(uint8_t pattern)
{
	if (pattern == HS_PATTERN_XX)
		return "XXpsk2";
	if (pattern == HS_PATTERN_IK)
		return "IKpsk1";
	return NULL;
}

int hsnego_version_known(uint8_t version)
{
	return version == HS_VERSION_1;
}

int hsnego_protocol_name(uint8_t pattern, uint8_t suite, char out[static HS_PROTOCOL_NAME_MAX])
{
	const char *p = hsnego_pattern_name(pattern), *s = hsnego_suite_name(suite);

	if (!p || !s) {
		err_detail_set("pattern %u, suite %u", pattern, suite);
		return XE2E_E_UNSUPPORTED;
	}
	snprintf(out, HS_PROTOCOL_NAME_MAX, "Noise_%s_%s", p, s);
	return XE2E_OK;
}

void hsnego_lists_default(struct hs_lists *lists)
{
	memset(lists, 0, sizeof(*lists));
	lists->n_versions = 1;
	lists->versions[0] = HS_VERSION_1;
	lists->n_suites = 2;
	lists->suites[0] = HS_SUITE_CHACHAPOLY;
	lists->suites[1] = HS_SUITE_AESGCM;
}

static int suite_by_short_name(const char *name, size_t n, uint8_t *code)
{
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		if (strlen(suites[i].short_name) == n && !memcmp(suites[i].short_name, name, n)) {
			*code = suites[i].code;
			return XE2E_OK;
		}
	}
	err_detail_set("unknown suite '%.*s' (known: ChaChaPoly, AESGCM)", (int)n, name);
	return XE2E_E_MALFORMED;
}

int hsnego_lists_parse_suites(const char *text, struct hs_lists *lists)
{
	const char *p = text;
	uint8_t code;
	int err;

	hsnego_lists_default(lists);
	lists->n_suites = 0;
	for (;;) {
		size_t n = strcspn(p, ",");

		err = suite_by_short_name(p, n, &code);
		if (err)
			return err;
		if (hsmsg_list_has(lists->suites, lists->n_suites, code)) {
			err_detail_set("suite '%.*s' listed twice", (int)n, p);
			return XE2E_E_MALFORMED;
		}
		lists->suites[lists->n_suites++] = code;
		if (!p[n])
			return XE2E_OK;
		p += n + 1;
	}
}

static int best(const uint8_t *pref, size_t n, const uint8_t *other, size_t m,
		int (*known)(uint8_t), uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		if (known(pref[i]) && hsmsg_list_has(other, m, pref[i])) {
			*out = pref[i];
			return XE2E_OK;
		}
	}
	return XE2E_E_UNSUPPORTED;
}

static int suite_known(uint8_t code)
{
	return suite_find(code) != NULL;
}

static int version_known(uint8_t code)
{
	return hsnego_version_known(code);
}

int hsnego_best_version(const struct hs_lists *pref, const struct hs_lists *other, uint8_t *out)
{
	int err = best(pref->versions, pref->n_versions, other->versions, other->n_versions,
		       version_known, out);

	if (err)
		err_detail_set("no version in common");
	return err;
}

int hsnego_best_suite(const struct hs_lists *pref, const struct hs_lists *other, uint8_t *out)
{
	int err = best(pref->suites, pref->n_suites, other->suites, other->n_suites, suite_known,
		       out);

	if (err)
		err_detail_set("no suite in common");
	return err;
}

int hsnego_check_best(uint8_t version, uint8_t suite, const struct hs_lists *initiator,
		      const struct hs_lists *responder)
{
	uint8_t v, s;

	if (hsnego_best_version(initiator, responder, &v) ||
	    hsnego_best_suite(initiator, responder, &s) || v != version || s != suite) {
		err_detail_set("downgrade attack: version %u and suite %u used, not the best both "
			       "support", version, suite);
		return XE2E_E_TRUST;
	}
	return XE2E_OK;
}
