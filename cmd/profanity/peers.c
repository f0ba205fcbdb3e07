/* The peers a handshake runs with (peers.h). */
#include "peers.h"

#include <stdio.h>
#include <string.h>

static int normalized(const char *jid, char out[static JID_MAX + 1])
{
	return jid && !jid_normalize_bare(jid, out);
}

struct peer *peers_find(struct peers *ps, const char *jid)
{
	char bare[JID_MAX + 1];
	size_t i;

	if (!normalized(jid, bare))
		return NULL;
	for (i = 0; i < PEERS_MAX; i++)
		if (ps->slot[i].jid[0] && !strcmp(ps->slot[i].jid, bare))
			return &ps->slot[i];
	return NULL;
}

struct peer *peers_add(struct peers *ps, const char *jid, struct xl_hs *hs)
{
	char bare[JID_MAX + 1];
	size_t i;

	if (!normalized(jid, bare))
		return NULL;
	for (i = 0; i < PEERS_MAX; i++) {
		if (!ps->slot[i].jid[0]) {
			memcpy(ps->slot[i].jid, bare, sizeof(bare));
			ps->slot[i].hs = hs;
			return &ps->slot[i];
		}
	}
	return NULL;
}

void peers_drop(struct peers *ps, struct peer *p)
{
	(void)ps;
	xl_hs_free(p->hs);
	memset(p, 0, sizeof(*p));
}

void peers_clear(struct peers *ps)
{
	size_t i;

	for (i = 0; i < PEERS_MAX; i++)
		if (ps->slot[i].jid[0])
			peers_drop(ps, &ps->slot[i]);
}
