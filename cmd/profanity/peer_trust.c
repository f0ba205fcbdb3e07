/* /xe2e trust (peer_trust.h). */
#include "peer_trust.h"

#include <string.h>

#include "client.h"
#include "plugin.h"
#include "xl_trust.h"

static void say(void *ctx, const char *line)
{
	client_info(ctx, line);
}

static void trust_show(const char *peer)
{
	struct xl_line why = {""};

	if (xl_trust_show(peer, say, (void *)peer, &why))
		client_error(peer, why.text);
}

static void trust_withdraw(const char *peer, enum xl_withdraw how)
{
	struct xl_line line = {""};

	if (xl_trust_withdraw(peer, how, &line)) {
		client_error(peer, line.text);
		return;
	}
	xl_reload(plugin_lib);
	client_info(peer, line.text);
	client_mark(peer);
}

void peer_trust_command(char **args)
{
	const char *verb = args[0] ? args[0] : "show";
	const char *peer = args[0] && args[1] ? args[1] : NULL;

	if (strcmp(verb, "show") && strcmp(verb, "revoke") && strcmp(verb, "forget")) {
		/* "/xe2e trust JID" */
		peer = verb;
		verb = "show";
	}
	if (!peer && !(peer = client_current_peer()))
		return;
	if (!strcmp(verb, "show"))
		trust_show(peer);
	else
		trust_withdraw(peer, !strcmp(verb, "revoke") ? XL_REVOKE : XL_FORGET);
}
