/*
 * xe2e for Profanity (xe2e-profanity(7)): the hooks Profanity calls and
 * the /xe2e command. Profanity hands every message stanza to the plugin
 * as text before it is sent and when it is received; the plugin replaces
 * an outgoing stanza to a peer it shares a session with by its sealed form,
 * drives handshakes through the server, opens received sealed stanzas and
 * shows them in the chat window. What it does with the library is in
 * xe2e_lib.c; this file is the only one that knows Profanity (profapi.h
 * defines Profanity's function pointers, so one file includes it).
 *
 * Fail closed: once the peer has a current session, or a handshake with
 * the peer is under way, a message stanza to the peer leaves sealed or not
 * at all; the window then says why.
 */
#include <profapi.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "peers.h"
#include "xe2e_lib.h"

#define CMD "/xe2e"
#define MARK_ENC "xe2e"
#define MARK_CHAR "~" /* before an opened message */
/* Sent instead of a stanza that must not leave: white space between
 * stanzas, which a server ignores (a stanza hook cannot drop a stanza). */
#define NOTHING " "
/* A handshake the peer left unanswered this long is given up, so that
 * messages to the peer are not held back for ever. */
#define HANDSHAKE_TIMEOUT 60

static struct xl *lib;
static struct peers peers;

/* ---- what the person sees ---- */

static void show(const char *peer, const char *text)
{
	char line[XL_LINE_MAX + 64];

	snprintf(line, sizeof(line), "xe2e: %s", text);
	if (!peer || !prof_chat_show_themed(peer, "xe2e", "info", "cyan", "!", line)) {
		snprintf(line, sizeof(line), "xe2e: %s%s%s", peer ? peer : "", peer ? ": " : "",
			 text);
		prof_cons_show(line);
	}
}

static void show_error(const char *peer, const char *text)
{
	char line[XL_LINE_MAX + 64];

	snprintf(line, sizeof(line), "xe2e: %s", text);
	if (!peer || !prof_chat_show_themed(peer, "xe2e", "error", "red", "!", line)) {
		snprintf(line, sizeof(line), "xe2e: %s%s%s", peer ? peer : "", peer ? ": " : "",
			 text);
		prof_cons_show_themed("xe2e", "error", "red", line);
	}
}

/*
 * The chat window's mark: the titlebar. (Profanity 0.13.1 frees a chat's
 * outgoing character after each message it shows, so the plugin sets no
 * message characters: the second message would crash it.)
 */
static void mark(const char *peer)
{
	int verified, untrusted;
	const char *level = xl_session_level(peer, &verified, &untrusted);

	if (level)
		prof_chat_set_titlebar_enctext(peer, untrusted ? MARK_ENC " untrusted"
					       : verified ? MARK_ENC " verified" : MARK_ENC);
}

static void unmark(const char *peer)
{
	prof_chat_unset_titlebar_enctext(peer);
}

/*
 * An opened message in the peer's chat window, opened first if need be.
 * (prof_incoming_message() of Profanity 0.13.1 built with OTR reads a
 * message body it never set and crashes, so the plugin writes the line.)
 */
static void show_incoming(const char *peer, const char *resource, const char *body)
{
	char cmd[JID_MAX + 16];
	char *name = prof_get_name_from_roster(peer);
	size_t len = strlen(body) + JID_MAX + 8;
	char *line = malloc(len);

	(void)resource;
	if (!line)
		return;
	snprintf(line, len, "%s: %s", name ? name : peer, body);
	if (!prof_chat_show_themed(peer, "xe2e", "incoming", "white", MARK_CHAR, line)) {
		snprintf(cmd, sizeof(cmd), "/msg %s", peer);
		prof_send_line(cmd);
		prof_chat_show_themed(peer, "xe2e", "incoming", "white", MARK_CHAR, line);
	}
	free(line);
}

static void send_text(char *stanza)
{
	if (stanza) {
		prof_send_stanza(stanza);
		free(stanza);
	}
}

/* ---- the library handle follows the account ---- */

static void connected(const char *fulljid)
{
	peers_clear(&peers);
	xl_free(lib);
	lib = NULL;
	if (!fulljid)
		return;
	if (xl_new(&lib, fulljid))
		show_error(NULL, "cannot use the account's JID");
	else
		show(NULL, "ready (/xe2e start JID)");
}

/* ---- handshakes ---- */

static void handshake_over(struct peer *p, enum xl_hs_state st, const struct xl_line *line)
{
	char peer[JID_MAX + 1];

	snprintf(peer, sizeof(peer), "%s", p->jid);
	xl_hs_free(p->hs);
	p->hs = NULL;
	peers_tidy(&peers, p);
	xl_reload(lib);
	if (st == XL_HS_DONE) {
		show(peer, line->text);
		mark(peer);
	} else {
		show_error(peer, line->text);
	}
}

/* The peer's entry with nothing under way, or NULL (said why). */
static struct peer *fresh_entry(const char *peer)
{
	struct peer *p = peers_find(&peers, peer);

	if (p)
		peers_drop(&peers, p);
	if (!(p = peers_get(&peers, peer)))
		show_error(peer, "too many peers with something under way");
	return p;
}

static void start(const char *peer)
{
	struct xl_line why = {""};
	struct peer *p;
	struct xl_hs *hs;
	char *send;

	if (xl_hs_new(lib, peer, 1, &hs, &send, &why)) {
		show_error(peer, why.text);
		return;
	}
	if (!(p = fresh_entry(xl_hs_peer(hs)))) {
		xl_hs_free(hs);
		free(send);
		return;
	}
	p->hs = hs;
	p->hs_since = (long long)time(NULL);
	send_text(send);
	show(peer, "handshake started; waiting for the peer");
}

/* A handshake stanza received: to the run with its sender, or a new
 * responder's run for a step 1. */
static void handshake_in(const char *text, const struct xl_peek *pk)
{
	struct xl_line line = {""};
	struct peer *p = peers_find(&peers, pk->from_bare);
	enum xl_hs_state st;
	struct xl_hs *hs;
	char *send;

	if (!p || !p->hs) {
		if (xl_hs_new(lib, pk->from_bare, 0, &hs, &send, &line)) {
			show_error(pk->from_bare, line.text);
			return;
		}
		if (!(p = fresh_entry(pk->from_bare))) {
			xl_hs_free(hs);
			return;
		}
		p->hs = hs;
		p->hs_since = (long long)time(NULL);
		show(pk->from_bare, "handshake asked for by the peer; answering");
	}
	st = xl_hs_feed(p->hs, text, &send, &line);
	send_text(send);
	if (st != XL_HS_GOING)
		handshake_over(p, st, &line);
}

/* ---- verification runs ---- */

/* Tells where a run stands; ends it when it is over. */
static void verify_state(struct peer *p, enum xl_verify_state st, const struct xl_line *line)
{
	char peer[JID_MAX + 1];
	char text[XL_LINE_MAX + 160];

	snprintf(peer, sizeof(peer), "%s", p->jid);
	switch (st) {
	case XL_V_GOING:
		if (line->text[0])
			show_error(peer, line->text);
		return;
	case XL_V_CODE:
		if (p->code_shown++)
			return;
		snprintf(text, sizeof(text),
			 "code %s: compare it with the peer's by another way (voice, in person), "
			 "then /xe2e verify yes, or /xe2e verify no", line->text);
		show(peer, text);
		return;
	case XL_V_SECRET:
		p->needs_secret = 1;
		show(peer, "the peer asks to prove a secret you share: /xe2e secret <the secret>, "
			   "in this window");
		return;
	case XL_V_VERIFIED:
		show(peer, line->text);
		break;
	case XL_V_OVER:
		show_error(peer, line->text);
		break;
	}
	xl_verify_free(p->v, NULL);
	p->v = NULL;
	p->code_shown = 0;
	peers_tidy(&peers, p);
	xl_reload(lib);
	mark(peer);
}

/* A new run with the peer (the request already sent, or received); the
 * side that asks for a shared-secret run gives its secret next. */
static void verify_begin(const char *peer, int secret, int asking)
{
	struct xl_line line = {""};
	enum xl_verify_state st;
	struct xl_verify *v;
	struct peer *p = fresh_entry(peer);
	char *send;

	if (!p)
		return;
	st = xl_verify_new(lib, peer, secret, &v, &send, &line);
	send_text(send);
	p->v = v;
	if (st == XL_V_GOING && !line.text[0])
		show(peer, secret ? "proving a shared secret; waiting for the peer"
				  : "verifying; the code appears here on both sides");
	if (st == XL_V_SECRET && asking)
		p->needs_secret = 1;
	else
		verify_state(p, st, &line);
}

static void verify_ask(const char *peer, int secret)
{
	struct xl_line why = {""};
	char *send;

	if (xl_verify_request(lib, peer, secret, &send, &why)) {
		show_error(peer, why.text);
		return;
	}
	send_text(send);
	verify_begin(peer, secret, 1);
}

static void verify_answer(const char *peer, int yes)
{
	struct peer *p = peers_find(&peers, peer);
	struct xl_line line = {""};
	enum xl_verify_state st;
	char *send;

	if (!p || !p->v) {
		show_error(peer, "no verification under way (/xe2e verify)");
		return;
	}
	st = xl_verify_answer(p->v, yes, &send, &line);
	send_text(send);
	verify_state(p, st, &line);
}

static int verify_in(const char *text, const struct xl_peek *pk);
static void opened(const char *text);

/* The stanzas held while the run waited for the secret, to the run now,
 * or to the opener when the run no longer wants them. */
static void held_feed(const char *peer)
{
	struct peer *p = peers_find(&peers, peer);
	char *held[PEERS_HELD];
	size_t n, i;

	if (!p)
		return;
	n = p->n_held;
	memcpy(held, p->held, sizeof(held));
	p->n_held = 0;
	for (i = 0; i < n; i++) {
		struct xl_peek pk;

		xl_peek(held[i], &pk);
		if (!verify_in(held[i], &pk))
			opened(held[i]);
		free(held[i]);
	}
}

static void secret_given(const char *peer, const char *secret)
{
	struct peer *p = peers_find(&peers, peer);
	struct xl_line line = {""};
	enum xl_verify_state st;
	char *send;

	if (!p || !p->v) {
		verify_ask(peer, 1);
		if (!(p = peers_find(&peers, peer)) || !p->v)
			return;
	}
	p->needs_secret = 0;
	st = xl_verify_secret(p->v, secret, &send, &line);
	send_text(send);
	verify_state(p, st, &line);
	held_feed(peer);
}

/* A stanza of a peer with a run under way: 1 when the run took it (or
 * holds it until this side's secret is given). */
static int verify_in(const char *text, const struct xl_peek *pk)
{
	struct peer *p = peers_find(&peers, pk->from_bare);
	struct xl_line line = {""};
	enum xl_verify_state st;
	char *send;
	int taken;

	if (!p || !p->v || pk->kind != XL_SEALED)
		return 0;
	if (p->needs_secret && p->n_held < PEERS_HELD && (p->held[p->n_held] = strdup(text))) {
		p->n_held++;
		return 1;
	}
	st = xl_verify_feed(p->v, text, &send, &line, &taken);
	send_text(send);
	if (taken)
		verify_state(p, st, &line);
	return taken;
}

/* ---- the hooks ---- */

void prof_init(const char *const version, const char *const status, const char *const account_name,
	       const char *const fulljid);
void prof_on_unload(void);
void prof_on_connect(const char *const account_name, const char *const fulljid);
void prof_on_disconnect(const char *const account_name, const char *const fulljid);
char *prof_on_message_stanza_send(const char *const stanza);
int prof_on_message_stanza_receive(const char *const stanza);
char *prof_on_presence_stanza_send(const char *const stanza);
int prof_on_presence_stanza_receive(const char *const stanza);
char *prof_on_iq_stanza_send(const char *const stanza);
int prof_on_iq_stanza_receive(const char *const stanza);
void prof_on_chat_win_focus(const char *const barejid);

/*
 * A stanza Profanity is about to send: NULL to send it as it is, or what
 * to send instead (its sealed form, or white space when it must not
 * leave). Only a stanza with a body is worth an error line.
 */
static char *outgoing(const char *stanza)
{
	struct xl_line why = {""};
	struct xl_peek pk;
	struct peer *p;
	char *sealed;

	if (!lib)
		return NULL;
	xl_peek(stanza, &pk);
	if (!pk.to_bare[0] || pk.kind == XL_HANDSHAKE)
		return NULL;
	if ((p = peers_find(&peers, pk.to_bare)) && p->hs) {
		if (pk.has_body)
			show_error(pk.to_bare, "not sent: the handshake is still under way");
		return strdup(NOTHING);
	}
	if (!xl_has_session(pk.to_bare))
		return NULL;
	if (xl_seal(lib, stanza, &sealed, &why)) {
		if (pk.has_body)
			show_error(pk.to_bare, why.text);
		else
			prof_log_warning(why.text);
		return strdup(NOTHING);
	}
	if (pk.has_body)
		mark(pk.to_bare);
	return sealed;
}

char *prof_on_message_stanza_send(const char *const stanza)
{
	return outgoing(stanza);
}

char *prof_on_presence_stanza_send(const char *const stanza)
{
	return outgoing(stanza);
}

char *prof_on_iq_stanza_send(const char *const stanza)
{
	return outgoing(stanza);
}

static void opened(const char *text)
{
	struct xl_open_out o;

	switch (xl_open(lib, text, &o)) {
	case XL_OPENED_SHOW:
		if (o.verify_request) {
			show(o.peer_bare, "the peer asks to verify this session");
			verify_begin(o.peer_bare, o.verify_request == XL_VERIFY_SECRET, 0);
		}
		if (o.body) {
			show_incoming(o.peer_bare, o.resource, o.body);
			mark(o.peer_bare);
		}
		break;
	case XL_OPENED_REFUSED:
		show_error(o.peer_bare[0] ? o.peer_bare : NULL, o.line.text);
		break;
	default:
		break;
	}
	xl_open_out_release(&o);
}

int prof_on_message_stanza_receive(const char *const stanza)
{
	struct xl_peek pk;

	if (!lib)
		return 1;
	xl_peek(stanza, &pk);
	if (pk.kind == XL_HANDSHAKE && pk.from_bare[0]) {
		handshake_in(stanza, &pk);
		return 0;
	}
	if (verify_in(stanza, &pk))
		return 0;
	/* The opener says what is to be shown; plain text from a peer with
	 * a session never is. */
	if (pk.kind == XL_SEALED || (pk.from_bare[0] && xl_has_session(pk.from_bare))) {
		opened(stanza);
		return 0;
	}
	return 1;
}

/*
 * A presence or an iq received: a sealed one is opened (its session moves
 * on), but Profanity has no hook to take the plain stanza back, so it goes
 * no further; one that does not open is an error line. The rest is
 * Profanity's.
 */
static int received_other(const char *stanza)
{
	struct xl_open_out o;
	struct xl_peek pk;
	enum xl_opened what;

	if (!lib)
		return 1;
	xl_peek(stanza, &pk);
	if (pk.kind != XL_SEALED && !(pk.from_bare[0] && xl_has_session(pk.from_bare)))
		return 1;
	what = xl_open(lib, stanza, &o);
	if (what == XL_OPENED_REFUSED)
		show_error(o.peer_bare[0] ? o.peer_bare : NULL, o.line.text);
	xl_open_out_release(&o);
	return what == XL_OPENED_PASS;
}

int prof_on_presence_stanza_receive(const char *const stanza)
{
	return received_other(stanza);
}

int prof_on_iq_stanza_receive(const char *const stanza)
{
	return received_other(stanza);
}

void prof_on_chat_win_focus(const char *const barejid)
{
	if (lib && barejid)
		mark(barejid);
}

void prof_on_connect(const char *const account_name, const char *const fulljid)
{
	(void)account_name;
	connected(fulljid);
}

void prof_on_disconnect(const char *const account_name, const char *const fulljid)
{
	(void)account_name;
	(void)fulljid;
	connected(NULL);
}

/* Profanity sends what is typed after this as it is: say so, loudly. */
void prof_on_unload(void)
{
	if (lib)
		prof_cons_show_themed("xe2e", "error", "red",
				      "xe2e: unloaded: messages now leave in PLAINTEXT, also to peers "
				      "with a session (/plugins load xe2e.so before writing on)");
	connected(NULL);
}

/* ---- /xe2e ---- */

/* The peer a command is about: its argument, or the chat window's. */
static const char *peer_arg(char **args, int i)
{
	const char *p = args[i] ? args[i] : prof_get_current_recipient();

	if (!p)
		show_error(NULL, "name a JID, or use the command in a chat window");
	return p;
}

static void status(const char *peer)
{
	struct peer *p = peers_find(&peers, peer);
	struct xl_line line = {""};

	if (p && p->hs)
		show(peer, "a handshake is under way");
	if (p && p->v)
		show(peer, "a verification is under way");
	xl_session_line(peer, &line);
	show(peer, line.text);
	mark(peer);
}

static void end(const char *peer)
{
	struct peer *p = peers_find(&peers, peer);
	char *send = NULL;

	if (p) {
		xl_verify_free(p->v, &send);
		p->v = NULL;
		send_text(send);
		peers_drop(&peers, p);
		show(peer, "what was under way is abandoned");
	}
	if (xl_has_session(peer))
		show(peer, "the session stays: messages to the peer are still sealed "
			   "(xe2e-trustdb sessions close ID deletes it)");
	else
		unmark(peer);
}

/* /xe2e verify [yes|no|JID] */
static void verify_cmd(char **args)
{
	const char *peer;

	if (args[1] && (!strcmp(args[1], "yes") || !strcmp(args[1], "no"))) {
		if ((peer = peer_arg(args, 2)))
			verify_answer(peer, !strcmp(args[1], "yes"));
	} else if ((peer = peer_arg(args, 1))) {
		verify_ask(peer, 0);
	}
}

static void command(char **args)
{
	const char *peer;

	if (!args[0]) {
		prof_cons_bad_cmd_usage(CMD);
		return;
	}
	if (!lib) {
		show_error(NULL, "not connected");
		return;
	}
	if (!strcmp(args[0], "verify")) {
		verify_cmd(args);
		return;
	}
	if (!strcmp(args[0], "secret")) {
		if (!args[1] || !(peer = prof_get_current_recipient()))
			show_error(NULL, "use /xe2e secret <the secret> in the peer's chat window");
		else
			secret_given(peer, args[1]);
		return;
	}
	if (strcmp(args[0], "start") && strcmp(args[0], "status") && strcmp(args[0], "end")) {
		prof_cons_bad_cmd_usage(CMD);
		return;
	}
	if (!(peer = peer_arg(args, 1)))
		return;
	if (!strcmp(args[0], "start"))
		start(peer);
	else if (!strcmp(args[0], "status"))
		status(peer);
	else
		end(peer);
}

/* Every few seconds: handshakes the peer left unanswered are given up. */
static void tick(void)
{
	long long now = (long long)time(NULL);
	size_t i;

	for (i = 0; i < PEERS_MAX; i++) {
		struct peer *p = &peers.slot[i];
		struct xl_line line;

		if (!p->jid[0] || !p->hs || now - p->hs_since < HANDSHAKE_TIMEOUT)
			continue;
		snprintf(line.text, sizeof(line.text),
			 "handshake given up: no answer from the peer in %d s", HANDSHAKE_TIMEOUT);
		handshake_over(p, XL_HS_FAILED, &line);
	}
}

static void register_command(void)
{
	static char *synopsis[] = {
		"/xe2e start [<jid>]",
		"/xe2e verify [<jid>]",
		"/xe2e verify yes|no [<jid>]",
		"/xe2e secret <secret>",
		"/xe2e status [<jid>]",
		"/xe2e end [<jid>]",
		NULL,
	};
	static char *arguments[][2] = {
		{"start [<jid>]", "Run a handshake with the peer: from then on every message to it is sealed"},
		{"verify [<jid>]", "Compare a short code (SAS) with the peer: it appears on both sides"},
		{"verify yes|no", "Answer whether the peer reads the same code"},
		{"secret <secret>", "Prove a secret shared with the peer instead (SPAKE2)"},
		{"status [<jid>]", "The session with the peer: its trust and the peer's identity"},
		{"end [<jid>]", "Abandon a handshake or a verification under way"},
		{NULL, NULL},
	};
	static char *examples[] = {
		"/xe2e start bob@example.org",
		"/xe2e verify",
		"/xe2e verify yes",
		"/xe2e status",
		NULL,
	};

	prof_register_command(CMD, 1, 3, synopsis,
			      "End-to-end encryption of whole stanzas with xe2e (xe2e-profanity(7)).",
			      arguments, examples, command);
}

void prof_init(const char *const version, const char *const build_status, const char *const account_name,
	       const char *const fulljid)
{
	(void)version;
	(void)build_status;
	(void)account_name;
	register_command();
	prof_register_timed(tick, 5);
	if (fulljid)
		connected(fulljid);
}
