/*
 * JIDs from outside ('from' and 'to' attributes, command lines; jid.h):
 * parsing normalises, so the normal form must parse to itself (the
 * handshake's prologue, the trust store and the session pointers compare
 * normalised JIDs byte for byte), its bare form must be what
 * jid_normalize_bare() gives, no part may exceed its bound, and a bare
 * JID has no white space or control character (the stores are lines of
 * space-separated fields).
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jid.h"

static int fz_jid_has_space_or_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return 1;
	return 0;
}

int fuzz_jid(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *full = malloc(JID_MAX + 1), *bare = malloc(JID_MAX + 1);
	char *bare2 = malloc(JID_MAX + 1);
	struct jid *j = malloc(sizeof(*j)), *again = malloc(sizeof(*again));
	int err;

	if (!text || !full || !bare || !bare2 || !j || !again)
		goto done;
	memcpy(text, data, size);
	text[size] = '\0';
	err = jid_parse(text, j);
	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED);
	if (err != XE2E_OK)
		goto done;
	FUZZ_CHECK(j->domain[0] != '\0');
	/* Stored one per line, fields split by spaces: none in a bare JID. */
	FUZZ_CHECK(!fz_jid_has_space_or_control(j->local) &&
		   !fz_jid_has_space_or_control(j->domain));
	FUZZ_CHECK(strlen(j->local) <= JID_PART_MAX && strlen(j->domain) <= JID_PART_MAX &&
		   strlen(j->resource) <= JID_PART_MAX);
	jid_full(j, full);
	jid_bare(j, bare);
	FUZZ_CHECK(jid_parse(full, again) == XE2E_OK);
	FUZZ_CHECK(strcmp(j->local, again->local) == 0 && strcmp(j->domain, again->domain) == 0 &&
		   strcmp(j->resource, again->resource) == 0);
	FUZZ_CHECK(jid_normalize_bare(text, bare2) == XE2E_OK && strcmp(bare, bare2) == 0);
	FUZZ_CHECK(jid_normalize_bare(bare, bare2) == XE2E_OK && strcmp(bare, bare2) == 0);
	FUZZ_CHECK(jid_same_bare(text, bare));
done:
	free(text);
	free(full);
	free(bare);
	free(bare2);
	free(j);
	free(again);
	return 0;
}
