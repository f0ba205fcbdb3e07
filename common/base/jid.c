#include "jid.h"

#include <stdio.h>
#include <string.h>
#include <stringprep.h>

#include "err.h"

/* Copies n bytes of part into out and runs a stringprep profile on it. */
static int prep_part(const char *part, size_t n, char out[static JID_PART_MAX + 1],
		     const Stringprep_profile *profile, const char *what)
{
	int rc;

	if (n == 0) {
		err_detail_set("empty %s", what);
		return XE2E_E_MALFORMED;
	}
	if (n > JID_PART_MAX) {
		err_detail_set("%s longer than %d bytes", what, JID_PART_MAX);
		return XE2E_E_MALFORMED;
	}
	memcpy(out, part, n);
	out[n] = '\0';
	rc = stringprep(out, JID_PART_MAX + 1, STRINGPREP_NO_UNASSIGNED, profile);
	if (rc != STRINGPREP_OK) {
		err_detail_set("%s not allowed in a JID: %s", what, stringprep_strerror(rc));
		return XE2E_E_MALFORMED;
	}
	if (out[0] == '\0') {
		err_detail_set("empty %s", what);
		return XE2E_E_MALFORMED;
	}
	return XE2E_OK;
}

/* 1 when s has an ASCII control character, a space or DEL, which
 * nameprep lets through (unlike nodeprep and resourceprep). */
static int has_ascii_space_or_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return 1;
	return 0;
}

/*
 * A trailing dot names the same domain (RFC 7622 section 3.2); it is
 * dropped after nameprep, since nameprep can make one (U+FF0E). What is
 * left must parse back to itself: no empty label, and neither '@' nor '/',
 * which nameprep makes of U+FF20 and U+FF0F ("a@b\uFF0Fc" would otherwise
 * come out as "a@b/c", another JID). Nor may it hold white space or
 * control characters, which no domain has and which would break the
 * line-oriented files that store JIDs.
 */
static int domain_finish(char domain[static JID_PART_MAX + 1])
{
	size_t n = strlen(domain);

	if (n > 1 && domain[n - 1] == '.')
		domain[--n] = '\0';
	if (domain[0] == '.' || domain[n - 1] == '.' || strstr(domain, "..") ||
	    strpbrk(domain, "@/") || has_ascii_space_or_control(domain)) {
		err_detail_set("domain not allowed in a JID: an empty label, '@', '/', "
			       "white space or a control character");
		return XE2E_E_MALFORMED;
	}
	return XE2E_OK;
}

/* Parses and prepares text without the memo. */
static int jid_prep(const char *text, struct jid *jid)
{
	const char *slash = strchr(text, '/');
	size_t bare_len = slash ? (size_t)(slash - text) : strlen(text);
	const char *at = memchr(text, '@', bare_len);
	const char *domain = at ? at + 1 : text;
	size_t domain_len = bare_len - (size_t)(domain - text);
	int err;

	memset(jid, 0, sizeof(*jid));
	if (at) {
		err = prep_part(text, (size_t)(at - text), jid->local, stringprep_xmpp_nodeprep,
				"localpart");
		if (err)
			return err;
	}
	err = prep_part(domain, domain_len, jid->domain, stringprep_nameprep, "domain");
	if (!err)
		err = domain_finish(jid->domain);
	if (err)
		return err;
	if (slash)
		return prep_part(slash + 1, strlen(slash + 1), jid->resource,
				 stringprep_xmpp_resourceprep, "resource");
	return XE2E_OK;
}

void jid_bare(const struct jid *jid, char out[static JID_MAX + 1])
{
	if (jid->local[0])
		snprintf(out, JID_MAX + 1, "%s@%s", jid->local, jid->domain);
	else
		snprintf(out, JID_MAX + 1, "%s", jid->domain);
}

void jid_full(const struct jid *jid, char out[static JID_MAX + 1])
{
	jid_bare(jid, out);
	if (jid->resource[0]) {
		size_t n = strlen(out);
		snprintf(out + n, JID_MAX + 1 - n, "/%s", jid->resource);
	}
}

/*
 * The last few JIDs this thread parsed: seal and open check the sender and
 * the recipient of every stanza, nearly always the same two, and stringprep
 * was a large part of a stanza's cost. Only successes are kept.
 */
#define JID_MEMO_SLOTS 4

static _Thread_local struct jid_memo {
	char text[JID_MAX + 1];
	struct jid jid;
} jid_memo[JID_MEMO_SLOTS];
static _Thread_local unsigned jid_memo_next;

int jid_parse(const char *text, struct jid *jid)
{
	size_t len = strlen(text);
	struct jid_memo *m;
	int err;

	for (unsigned i = 0; len <= JID_MAX && i < JID_MEMO_SLOTS; i++) {
		if (jid_memo[i].text[0] && strcmp(jid_memo[i].text, text) == 0) {
			*jid = jid_memo[i].jid;
			return XE2E_OK;
		}
	}
	err = jid_prep(text, jid);
	if (err || len > JID_MAX || len == 0)
		return err;
	m = &jid_memo[jid_memo_next++ % JID_MEMO_SLOTS];
	memcpy(m->text, text, len + 1);
	m->jid = *jid;
	return XE2E_OK;
}

int jid_normalize_bare(const char *text, char out[static JID_MAX + 1])
{
	struct jid jid;
	int err = jid_parse(text, &jid);

	if (!err)
		jid_bare(&jid, out);
	return err;
}

int jid_same_bare(const char *a, const char *b)
{
	char x[JID_MAX + 1], y[JID_MAX + 1];

	if (jid_normalize_bare(a, x) || jid_normalize_bare(b, y))
		return 0;
	return strcmp(x, y) == 0;
}

int jid_same_full(const char *a, const char *b)
{
	struct jid x, y;

	if (jid_parse(a, &x) || jid_parse(b, &y))
		return 0;
	return !strcmp(x.local, y.local) && !strcmp(x.domain, y.domain) &&
	       !strcmp(x.resource, y.resource);
}

int jid_check_normal_bare(const char *jid)
{
	char normal[JID_MAX + 1];
	size_t len = strlen(jid);
	const char *at = strchr(jid, '@');

	if (len == 0 || len > JID_STORED_MAX)
		goto bad;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)jid[i];

		if (c <= ' ' || c == 0x7f || c == '/')
			goto bad;
	}
	if (at && (at == jid || at[1] == '\0' || strchr(at + 1, '@')))
		goto bad;
	if (jid_normalize_bare(jid, normal) || strcmp(normal, jid) != 0)
		goto bad;
	return XE2E_OK;
bad:
	err_detail_set("not a normalised bare JID: \"%.64s\"", jid);
	return XE2E_E_MALFORMED;
}
