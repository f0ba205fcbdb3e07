/* Received stanzas without a seal: refused or passed over (unsealed.h). */
#include "unsealed.h"

#include <string.h>

#include "err.h"
#include "jid.h"
#include "session.h"

/* A message or iq that a session would have sealed (xe2e(7) "Sending"):
 * headlines (notifications) and errors are left out. */
static int sealable(const struct xml_node *st)
{
	const char *type = xml_get_attr(st, "type");

	if (!st->name)
		return 0;
	if (!strcmp(st->name, "iq"))
		return 1;
	return !strcmp(st->name, "message") && !(type && (!strcmp(type, "headline") ||
							  !strcmp(type, "error")));
}

enum unsealed_kind unsealed_kind_of(const struct xml_node *st)
{
	const char *from = xml_get_attr(st, "from");
	uint8_t id[SESSION_ID_LEN];
	char bare[JID_MAX + 1];
	struct jid j;
	int err;

	if (!sealable(st) || !from || jid_parse(from, &j) || !j.local[0])
		return UNSEALED_SERVER;
	jid_bare(&j, bare);
	err = session_current_get(bare, id);
	err_detail_clear();
	return err == XE2E_OK ? UNSEALED_REFUSED : UNSEALED_PLAIN;
}
