/* Handshakes driven stanza by stanza through the library (handshakes.h). */
#include "handshakes.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "client.h"
#include "plugin.h"

static void handshake_over(struct peer *p, enum xl_hs_state st, const struct xl_line *line)
{
	char peer[JID_MAX + 1];

	snprintf(peer, sizeof(peer), "%s", p->jid);
	xl_hs_free(p->hs);
	p->hs = NULL;
	peers_tidy(&plugin_peers, p);
	xl_reload(plugin_lib);
	if (st == XL_HS_DONE) {
		client_info(peer, line->text);
		client_mark(peer);
	} else {
		client_error(peer, line->text);
	}
}

/* Hands the run to the peer's fresh entry; frees it when there is none. */
static struct peer *adopt(const char *peer, struct xl_hs *hs)
{
	struct peer *p = plugin_fresh_peer(peer);

	if (!p) {
		xl_hs_free(hs);
		return NULL;
	}
	p->hs = hs;
	p->hs_since = (long long)time(NULL);
	return p;
}

void handshake_begin(const char *peer)
{
	struct xl_line why = {""};
	struct xl_hs *hs;
	char *send;

	if (xl_hs_new(plugin_lib, peer, 1, &hs, &send, &why)) {
		client_error(peer, why.text);
		return;
	}
	if (!adopt(xl_hs_peer(hs), hs)) {
		free(send);
		return;
	}
	client_send(send);
	client_info(peer, "handshake started; waiting for the peer");
}

void handshake_received(const char *text, const struct xl_peek *pk)
{
	struct xl_line line = {""};
	struct peer *p = peers_find(&plugin_peers, pk->from_bare);
	enum xl_hs_state st;
	struct xl_hs *hs;
	char *send;

	if (!p || !p->hs) {
		if (xl_hs_new(plugin_lib, pk->from_bare, 0, &hs, &send, &line)) {
			client_error(pk->from_bare, line.text);
			return;
		}
		if (!(p = adopt(pk->from_bare, hs)))
			return;
		client_info(pk->from_bare, "handshake asked for by the peer; answering");
	}
	st = xl_hs_feed(p->hs, text, &send, &line);
	client_send(send);
	if (st != XL_HS_GOING)
		handshake_over(p, st, &line);
}

void handshake_tick(void)
{
	long long now = (long long)time(NULL);

	for (size_t i = 0; i < PEERS_MAX; i++) {
		struct peer *p = &plugin_peers.slot[i];
		struct xl_line line;

		if (!p->jid[0] || !p->hs || now - p->hs_since < HANDSHAKE_TIMEOUT)
			continue;
		snprintf(line.text, sizeof(line.text),
			 "handshake given up: no answer from the peer in %d s", HANDSHAKE_TIMEOUT);
		handshake_over(p, XL_HS_FAILED, &line);
	}
}
