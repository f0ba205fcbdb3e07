/* /xe2e (commands.h). */
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "handshakes.h"
#include "peer_trust.h"
#include "plugin.h"
#include "verify.h"
#include "util.h"

/* The peer whose chat's next line is the shared secret, or "". */
static char secret_peer[JID_MAX + 1];

/* The peer a command is about: args[i], or the chat window's. */
static const char *peer_arg(char **args, int i)
{
	return args[i] ? args[i] : client_current_peer();
}

static void status(const char *peer)
{
	struct peer *p = peers_find(&plugin_peers, peer);
	struct xl_line line = {""};

	if (p && p->hs)
		client_info(peer, "a handshake is under way");
	if (p && p->v)
		client_info(peer, "a verification is under way");
	xl_session_line(peer, &line);
	client_info(peer, line.text);
	client_mark(peer);
}

static void end(const char *peer)
{
	struct peer *p = peers_find(&plugin_peers, peer);
	char *send = NULL;

	if (secret_peer[0] && jid_same_bare(secret_peer, peer)) {
		secret_peer[0] = '\0';
		client_info(peer, "no secret awaited any more");
	}
	if (p) {
		xl_verify_free(p->v, &send);
		p->v = NULL;
		client_send(send);
		peers_drop(&plugin_peers, p);
		client_info(peer, "what was under way is abandoned");
	}
	if (xl_has_session(peer))
		client_info(peer, "the session stays: messages to the peer are still sealed "
				  "(xe2e-trustdb sessions close ID deletes it)");
	client_mark(peer);
}

/* /xe2e verify [yes|no] [<jid>] */
static void verify_cmd(char **args)
{
	const char *peer;

	if (args[1] && (!strcmp(args[1], "yes") || !strcmp(args[1], "no"))) {
		if ((peer = peer_arg(args, 2)))
			verify_answer(peer, !strcmp(args[1], "yes"));
	} else if ((peer = peer_arg(args, 1))) {
		verify_ask(peer);
	}
}

/*
 * /xe2e secret: the next line typed in this chat is the secret. Profanity
 * has no input without echo for plugins; that line is taken before
 * Profanity sends, shows or logs it (command_chat_line). A secret given as
 * an argument would stay in the input history: refused.
 */
static void secret_cmd(char **args)
{
	const char *peer = client_current_peer();

	if (!peer)
		return;
	if (args[1]) {
		client_error(peer, "not used: type /xe2e secret alone, then the secret on the "
				   "next line (an argument stays in the input history)");
		return;
	}
	snprintf(secret_peer, sizeof(secret_peer), "%s", peer);
	client_info(peer, "type the shared secret on the next line in this window: it is taken "
			  "as the secret, not shown and not sent (/xe2e end to cancel)");
}

int command_chat_line(const char *peer, const char *line)
{
	char *secret;

	if (!secret_peer[0] || !plugin_lib || !jid_same_bare(secret_peer, peer))
		return 0;
	secret_peer[0] = '\0';
	if (!(secret = strdup(line))) {
		client_error(peer, "out of memory: the line was dropped, give /xe2e secret again");
		return 1;
	}
	client_info(peer, "secret taken");
	verify_secret(peer, secret);
	wipe(secret, strlen(secret));
	free(secret);
	return 1;
}

void command_reset(void)
{
	secret_peer[0] = '\0';
}

/* The commands about one peer, its JID the word after the verb. */
static const struct {
	const char *verb;
	void (*run)(const char *peer);
} per_peer[] = {
	{"start", handshake_begin},
	{"status", status},
	{"end", end},
};

void command_run(char **args)
{
	const char *peer;

	if (!args[0]) {
		client_bad_usage();
		return;
	}
	if (!plugin_lib) {
		client_error(NULL, "not connected");
		return;
	}
	if (!strcmp(args[0], "verify")) {
		verify_cmd(args);
		return;
	}
	if (!strcmp(args[0], "secret")) {
		secret_cmd(args);
		return;
	}
	if (!strcmp(args[0], "trust")) {
		peer_trust_command(args + 1);
		return;
	}
	for (size_t i = 0; i < sizeof(per_peer) / sizeof(per_peer[0]); i++) {
		if (strcmp(args[0], per_peer[i].verb))
			continue;
		if ((peer = peer_arg(args, 1)))
			per_peer[i].run(peer);
		return;
	}
	client_bad_usage();
}
