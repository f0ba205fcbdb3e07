/* Sealing what leaves, opening what comes (stanzas.h). */
#include "stanzas.h"

#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "handshakes.h"
#include "plugin.h"
#include "verify.h"

/* Sent instead of a stanza that must not leave: white space between
 * stanzas, which a server ignores (a stanza hook cannot drop a stanza). */
#define NOTHING " "

/* Not sent, and said why: only a stanza with a body is worth a line in the
 * window (chat states and receipts go to the log). */
static char *withheld(const struct xl_peek *pk, const char *why)
{
	if (pk->has_body)
		client_error(pk->to_bare, why);
	else
		client_log_warning(why);
	return strdup(NOTHING);
}

char *stanza_outgoing(const char *stanza)
{
	struct xl_line why = {""};
	struct xl_peek pk;
	struct peer *p;
	char *sealed;

	if (!plugin_lib)
		return NULL;
	xl_peek(stanza, &pk);
	if (!pk.to_bare[0] || pk.kind == XL_HANDSHAKE)
		return NULL;
	if ((p = peers_find(&plugin_peers, pk.to_bare)) && p->hs)
		return withheld(&pk, "not sent: the handshake is still under way");
	if (!xl_has_session(pk.to_bare))
		return NULL;
	if (xl_seal(plugin_lib, stanza, &sealed, &why))
		return withheld(&pk, why.text);
	if (pk.has_body)
		client_mark(pk.to_bare);
	return sealed;
}

void stanza_open_message(const char *text)
{
	struct xl_open_out o;

	switch (xl_open(plugin_lib, text, &o)) {
	case XL_OPENED_SHOW:
		if (o.verify_request)
			verify_asked(o.peer_bare, o.verify_request);
		if (o.body) {
			client_incoming(o.peer_bare, o.body);
			client_mark(o.peer_bare);
		}
		break;
	case XL_OPENED_REFUSED:
		client_error(o.peer_bare[0] ? o.peer_bare : NULL, o.line.text);
		break;
	default:
		break;
	}
	xl_open_out_release(&o);
}

/* A stanza the opener is to have: sealed, or plain from a peer with a
 * session (which never is shown). */
static int for_opener(const struct xl_peek *pk)
{
	return pk->kind == XL_SEALED || (pk->from_bare[0] && xl_has_session(pk->from_bare));
}

int stanza_message_received(const char *stanza)
{
	struct xl_peek pk;

	if (!plugin_lib)
		return 1;
	xl_peek(stanza, &pk);
	if (pk.kind == XL_HANDSHAKE && pk.from_bare[0]) {
		handshake_received(stanza, &pk);
		return 0;
	}
	if (verify_received(stanza, &pk))
		return 0;
	if (!for_opener(&pk))
		return 1;
	stanza_open_message(stanza);
	return 0;
}

/*
 * A sealed presence or iq is opened (its session moves on), but Profanity
 * has no hook to take the plain stanza back, so it goes no further; one
 * that does not open is an error line.
 */
int stanza_other_received(const char *stanza)
{
	struct xl_open_out o;
	struct xl_peek pk;
	enum xl_opened what;

	if (!plugin_lib)
		return 1;
	xl_peek(stanza, &pk);
	if (!for_opener(&pk))
		return 1;
	what = xl_open(plugin_lib, stanza, &o);
	if (what == XL_OPENED_REFUSED)
		client_error(o.peer_bare[0] ? o.peer_bare : NULL, o.line.text);
	xl_open_out_release(&o);
	return what == XL_OPENED_PASS;
}
