/* The sessions in use (see session_cache.h). */
#include "session_cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "trust.h"

void session_cache_describe(const struct channel *ch, struct xe2e_session *info)
{
	memset(info, 0, sizeof(*info));
	memcpy(info->id, ch->id, SESSION_ID_LEN);
	strcpy(info->peer_bare, ch->peer_bare);
	strcpy(info->peer_full, ch->peer_full);
	if (ch->flags & TRUST_FLAG_RS_RESET)
		info->flags |= XE2E_SESSION_RS_RESET;
	if (ch->flags & TRUST_FLAG_OFFLINE_ORIGIN)
		info->flags |= XE2E_SESSION_OFFLINE_ORIGIN;
}

static struct channel *cached(const struct session_cache *c,
			      const uint8_t id[static SESSION_ID_LEN])
{
	for (size_t i = 0; i < c->n; i++)
		if (!memcmp(c->ch[i]->id, id, SESSION_ID_LEN))
			return c->ch[i];
	return NULL;
}

/* Loads the channel and asks the trust store about it. */
static int load(const struct session_cache *c, const uint8_t id[static SESSION_ID_LEN],
		struct channel *ch, struct xe2e_session *info)
{
	int err = channel_load(ch, id, &c->opts);

	if (err)
		return err;
	session_cache_describe(ch, info);
	info->flags |= XE2E_SESSION_LOADED;
	if ((err = channel_trust_check(ch)) == XE2E_OK)
		return XE2E_OK;
	if (c->refuse_untrusted)
		return err;
	info->flags |= XE2E_SESSION_UNTRUSTED;
	snprintf(info->detail, sizeof(info->detail), "%s", err_detail());
	err_detail_clear();
	return XE2E_OK;
}

int session_cache_get(struct session_cache *c, const uint8_t id[static SESSION_ID_LEN],
		      struct channel **out, struct xe2e_session *info)
{
	struct xe2e_session ignored;
	struct channel *ch = cached(c, id), **grown;
	int err;

	if (ch) {
		*out = ch;
		return XE2E_OK;
	}
	ch = calloc(1, sizeof(*ch));
	grown = realloc(c->ch, (c->n + 1) * sizeof(*c->ch));
	if (grown)
		c->ch = grown;
	if (!ch || !grown) {
		free(ch);
		return XE2E_E_NOMEM;
	}
	if ((err = load(c, id, ch, info ? info : &ignored))) {
		channel_wipe(ch);
		free(ch);
		return err;
	}
	c->ch[c->n++] = ch;
	*out = ch;
	return XE2E_OK;
}

int session_cache_release(struct session_cache *c)
{
	int first = XE2E_OK;
	char detail[XE2E_DETAIL_MAX] = "";

	for (size_t i = 0; i < c->n; i++) {
		int err = channel_release(c->ch[i]);

		if (err && !first) {
			first = err;
			snprintf(detail, sizeof(detail), "%s", err_detail());
		}
	}
	if (first)
		err_detail_set("%s", detail);
	return first;
}

void session_cache_free(struct session_cache *c)
{
	for (size_t i = 0; i < c->n; i++) {
		channel_wipe(c->ch[i]);
		free(c->ch[i]);
	}
	free(c->ch);
	c->ch = NULL;
	c->n = 0;
}
