/* Verification runs with the peers (verify.h). */
#include "verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "plugin.h"
#include "stanzas.h"

/* The run is over: the entry freed, the titlebar after the new trust. */
static void verify_end(struct peer *p)
{
	char peer[JID_MAX + 1];

	snprintf(peer, sizeof(peer), "%s", p->jid);
	xl_verify_free(p->v, NULL);
	p->v = NULL;
	p->code_shown = 0;
	peers_tidy(&plugin_peers, p);
	xl_reload(plugin_lib);
	client_mark(peer);
}

static void show_code(struct peer *p, const char *code)
{
	char text[XL_LINE_MAX + 160];

	if (p->code_shown++)
		return;
	snprintf(text, sizeof(text),
		 "code %s: compare it with the peer's by another way (voice, in person), "
		 "then /xe2e verify yes, or /xe2e verify no", code);
	client_info(p->jid, text);
}

/* Tells where a run stands; ends it when it is over. */
static void verify_state(struct peer *p, enum xl_verify_state st, const struct xl_line *line)
{
	switch (st) {
	case XL_V_GOING:
		if (line->text[0])
			client_error(p->jid, line->text);
		return;
	case XL_V_CODE:
		show_code(p, line->text);
		return;
	case XL_V_SECRET:
		p->needs_secret = 1;
		client_info(p->jid, "the peer asks to prove a secret you share: /xe2e secret in "
				    "this window, then the secret on the next line");
		return;
	case XL_V_VERIFIED:
		client_info(p->jid, line->text);
		break;
	case XL_V_OVER:
		client_error(p->jid, line->text);
		break;
	}
	verify_end(p);
}

/* A new run with the peer (the request already sent, or received); the
 * side that asks for a shared-secret run gives its secret next. */
static void verify_begin(const char *peer, int secret, int asking)
{
	struct xl_line line = {""};
	enum xl_verify_state st;
	struct peer *p = plugin_fresh_peer(peer);
	char *send;

	if (!p)
		return;
	st = xl_verify_new(plugin_lib, peer, secret, &p->v, &send, &line);
	client_send(send);
	if (st == XL_V_GOING && !line.text[0])
		client_info(peer, secret ? "proving a shared secret; waiting for the peer"
					 : "verifying; the code appears here on both sides");
	if (st == XL_V_SECRET && asking)
		p->needs_secret = 1;
	else
		verify_state(p, st, &line);
}

static void verify_request(const char *peer, int secret)
{
	struct xl_line why = {""};
	char *send;

	if (xl_verify_request(plugin_lib, peer, secret, &send, &why)) {
		client_error(peer, why.text);
		return;
	}
	client_send(send);
	verify_begin(peer, secret, 1);
}

void verify_ask(const char *peer)
{
	verify_request(peer, 0);
}

void verify_asked(const char *peer, int method)
{
	client_info(peer, "the peer asks to verify this session");
	verify_begin(peer, method == XL_VERIFY_SECRET, 0);
}

void verify_answer(const char *peer, int yes)
{
	struct peer *p = peers_find(&plugin_peers, peer);
	struct xl_line line = {""};
	enum xl_verify_state st;
	char *send;

	if (!p || !p->v) {
		client_error(peer, "no verification under way (/xe2e verify)");
		return;
	}
	st = xl_verify_answer(p->v, yes, &send, &line);
	client_send(send);
	verify_state(p, st, &line);
}

/* The stanzas held while the run waited for the secret, to the run now,
 * or to the opener when the run no longer wants them. */
static void held_feed(const char *peer)
{
	struct peer *p = peers_find(&plugin_peers, peer);
	char *held[PEERS_HELD];
	size_t n;

	if (!p)
		return;
	n = p->n_held;
	memcpy(held, p->held, sizeof(held));
	p->n_held = 0;
	for (size_t i = 0; i < n; i++) {
		struct xl_peek pk;

		xl_peek(held[i], &pk);
		if (!verify_received(held[i], &pk))
			stanza_open_message(held[i]);
		free(held[i]);
	}
}

void verify_secret(const char *peer, const char *secret)
{
	struct peer *p = peers_find(&plugin_peers, peer);
	struct xl_line line = {""};
	enum xl_verify_state st;
	char *send;

	if (!p || !p->v) {
		verify_request(peer, 1);
		if (!(p = peers_find(&plugin_peers, peer)) || !p->v)
			return;
	}
	p->needs_secret = 0;
	st = xl_verify_secret(p->v, secret, &send, &line);
	client_send(send);
	verify_state(p, st, &line);
	held_feed(peer);
}

/* Holds the stanza while this side's secret is awaited: 1 when held. */
static int hold(struct peer *p, const char *text)
{
	if (!p->needs_secret || p->n_held >= PEERS_HELD || !(p->held[p->n_held] = strdup(text)))
		return 0;
	p->n_held++;
	return 1;
}

int verify_received(const char *text, const struct xl_peek *pk)
{
	struct peer *p = peers_find(&plugin_peers, pk->from_bare);
	struct xl_line line = {""};
	enum xl_verify_state st;
	char *send;
	int taken;

	if (!p || !p->v || pk->kind != XL_SEALED)
		return 0;
	if (hold(p, text))
		return 1;
	st = xl_verify_feed(p->v, text, &send, &line, &taken);
	client_send(send);
	if (taken)
		verify_state(p, st, &line);
	return taken;
}
