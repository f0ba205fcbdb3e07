/* The peers a handshake runs with (peers.h). */
#include "peers.h"

#include <stdio.h>
#include <stdlib.h>
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

struct peer *peers_get(struct peers *ps, const char *jid)
{
	char bare[JID_MAX + 1];
	struct peer *p = peers_find(ps, jid);
	size_t i;

	if (p || !normalized(jid, bare))
		return p;
	for (i = 0; i < PEERS_MAX; i++) {
		if (!ps->slot[i].jid[0]) {
			memcpy(ps->slot[i].jid, bare, sizeof(bare));
			return &ps->slot[i];
		}
	}
	return NULL;
}

struct peer *peers_renew(struct peers *ps, const char *jid)
{
	struct peer *p = peers_find(ps, jid);

	if (p)
		peers_drop(ps, p);
	return peers_get(ps, jid);
}

void peers_drop(struct peers *ps, struct peer *p)
{
	(void)ps;
	xl_hs_free(p->hs);
	xl_verify_free(p->v, NULL);
	for (size_t i = 0; i < p->n_held; i++)
		free(p->held[i]);
	memset(p, 0, sizeof(*p));
}

void peers_tidy(struct peers *ps, struct peer *p)
{
	if (p && !p->hs && !p->v)
		peers_drop(ps, p);
}

void peers_clear(struct peers *ps)
{
	size_t i;

	for (i = 0; i < PEERS_MAX; i++)
		if (ps->slot[i].jid[0])
			peers_drop(ps, &ps->slot[i]);
}
