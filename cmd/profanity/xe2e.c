/*
 * xe2e for Profanity (xe2e-profanity(7)): the functions Profanity calls,
 * and the /xe2e command registered. Profanity hands every stanza to the
 * plugin as text before it is sent and when it is received (stanzas.c);
 * the plugin's other parts are handshakes.c, verify.c, commands.c and
 * peer_trust.c, what the person sees is client.c's, and what they ask of
 * the library xe2e_lib.c's and xl_trust.c's.
 *
 * profapi.h defines Profanity's function pointers, which Profanity fills
 * in as it loads the plugin, so this file alone includes it; prof.h, which
 * declares those client.c calls, is checked against it here.
 */
#include "prof.h"

#include <profapi.h>

#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "commands.h"
#include "handshakes.h"
#include "plugin.h"
#include "stanzas.h"

/* The hooks Profanity looks up in the plugin by name. */
void prof_init(const char *const version, const char *const status, const char *const account_name,
	       const char *const fulljid);
void prof_on_unload(void);
void prof_on_connect(const char *const account_name, const char *const fulljid);
void prof_on_disconnect(const char *const account_name, const char *const fulljid);
char *prof_pre_chat_message_send(const char *const barejid, const char *message);
char *prof_on_message_stanza_send(const char *const stanza);
int prof_on_message_stanza_receive(const char *const stanza);
char *prof_on_presence_stanza_send(const char *const stanza);
int prof_on_presence_stanza_receive(const char *const stanza);
char *prof_on_iq_stanza_send(const char *const stanza);
int prof_on_iq_stanza_receive(const char *const stanza);
void prof_on_chat_win_focus(const char *const barejid);

char *prof_on_message_stanza_send(const char *const stanza)
{
	return stanza_outgoing(stanza);
}

char *prof_on_presence_stanza_send(const char *const stanza)
{
	return stanza_outgoing(stanza);
}

char *prof_on_iq_stanza_send(const char *const stanza)
{
	return stanza_outgoing(stanza);
}

int prof_on_message_stanza_receive(const char *const stanza)
{
	return stanza_message_received(stanza);
}

int prof_on_presence_stanza_receive(const char *const stanza)
{
	return stanza_other_received(stanza);
}

int prof_on_iq_stanza_receive(const char *const stanza)
{
	return stanza_other_received(stanza);
}

/* A line typed in a chat, before Profanity sends, shows or logs it: NULL
 * drops it (Profanity 0.13.1), a copy lets it go (Profanity frees it). */
char *prof_pre_chat_message_send(const char *const barejid, const char *message)
{
	if (command_chat_line(barejid, message))
		return NULL;
	return strdup(message);
}

void prof_on_chat_win_focus(const char *const barejid)
{
	if (plugin_lib && barejid)
		client_mark(barejid);
}

void prof_on_connect(const char *const account_name, const char *const fulljid)
{
	(void)account_name;
	command_reset();
	plugin_account(fulljid);
}

void prof_on_disconnect(const char *const account_name, const char *const fulljid)
{
	(void)account_name;
	(void)fulljid;
	command_reset();
	plugin_account(NULL);
}

/* Profanity sends what is typed after this as it is: say so, loudly. */
void prof_on_unload(void)
{
	if (plugin_lib)
		client_unloaded();
	command_reset();
	plugin_account(NULL);
}

static void register_command(void)
{
	static char *synopsis[] = {
		"/xe2e start [<jid>]",
		"/xe2e verify [<jid>]",
		"/xe2e verify yes|no [<jid>]",
		"/xe2e secret",
		"/xe2e status [<jid>]",
		"/xe2e trust [show|revoke|forget] [<jid>]",
		"/xe2e end [<jid>]",
		NULL,
	};
	static char *arguments[][2] = {
		{"start [<jid>]", "Run a handshake with the peer: from then on every message to it is sealed"},
		{"verify [<jid>]", "Compare a short code (SAS) with the peer: it appears on both sides"},
		{"verify yes|no", "Answer whether the peer reads the same code"},
		{"secret", "Prove a secret shared with the peer instead (SPAKE2): typed on the next line, which is not shown nor sent"},
		{"status [<jid>]", "The session with the peer: its trust and the peer's identity"},
		{"trust [<jid>]", "The peer's identity keys in the trust store: level, how it was reached, devices"},
		{"trust revoke|forget", "Never accept the peer's keys again; or forget them, to start over"},
		{"end [<jid>]", "Abandon a handshake, a verification or a secret asked for"},
		{NULL, NULL},
	};
	static char *examples[] = {
		"/xe2e start bob@example.org",
		"/xe2e verify",
		"/xe2e verify yes",
		"/xe2e trust",
		NULL,
	};

	prof_register_command("/xe2e", 1, 3, synopsis,
			      "End-to-end encryption of whole stanzas with xe2e (xe2e-profanity(7)).",
			      arguments, examples, command_run);
}

void prof_init(const char *const version, const char *const build_status, const char *const account_name,
	       const char *const fulljid)
{
	(void)version;
	(void)build_status;
	(void)account_name;
	register_command();
	prof_register_timed(handshake_tick, 5);
	if (fulljid)
		plugin_account(fulljid);
}
