/*
 * What the person sees of the plugin, and the stanzas it sends, through
 * Profanity's calls (client.h).
 */
#include "client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prof.h"
#include "xe2e_lib.h"

#define CMD "/xe2e"
#define MARK_ENC "xe2e"
#define MARK_CHAR "~" /* before an opened message */

/* The line in the peer's window, else in the console with the peer named. */
static void show_line(const char *peer, const char *text, const char *item, const char *colour)
{
	char line[XL_LINE_MAX + JID_MAX + 16];

	snprintf(line, sizeof(line), "xe2e: %s", text);
	if (peer && prof_chat_show_themed(peer, "xe2e", item, colour, "!", line))
		return;
	snprintf(line, sizeof(line), "xe2e: %s%s%s", peer ? peer : "", peer ? ": " : "", text);
	prof_cons_show_themed("xe2e", item, colour, line);
}

void client_info(const char *peer, const char *text)
{
	show_line(peer, text, "info", "cyan");
}

void client_error(const char *peer, const char *text)
{
	show_line(peer, text, "error", "red");
}

/*
 * The plugin writes the line itself: prof_incoming_message() of Profanity
 * 0.13.1 built with OTR reads a message body it never set and crashes.
 * Without a window for the peer, /msg opens one.
 */
void client_incoming(const char *peer, const char *body)
{
	char cmd[JID_MAX + 16];
	char *name = prof_get_name_from_roster(peer);
	size_t len = strlen(body) + JID_MAX + 8;
	char *line = malloc(len);

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

/*
 * The titlebar only: Profanity 0.13.1 frees a chat's outgoing character
 * after each message it shows, so the plugin sets no message characters
 * (the second message would crash it).
 */
void client_mark(const char *peer)
{
	int verified, untrusted;

	if (!xl_session_level(peer, &verified, &untrusted)) {
		prof_chat_unset_titlebar_enctext(peer);
		return;
	}
	prof_chat_set_titlebar_enctext(peer, untrusted ? MARK_ENC " untrusted"
				       : verified ? MARK_ENC " verified" : MARK_ENC);
}

void client_send(char *stanza)
{
	if (stanza) {
		prof_send_stanza(stanza);
		free(stanza);
	}
}

void client_log_warning(const char *text)
{
	prof_log_warning(text);
}

const char *client_current_peer(void)
{
	const char *p = prof_get_current_recipient();

	if (!p)
		client_error(NULL, "name a JID, or use the command in a chat window");
	return p;
}

void client_bad_usage(void)
{
	prof_cons_bad_cmd_usage(CMD);
}

void client_unloaded(void)
{
	prof_cons_show_themed("xe2e", "error", "red",
			      "xe2e: unloaded: messages now leave in PLAINTEXT, also to peers with a "
			      "session (/plugins load xe2e.so before writing on)");
}
