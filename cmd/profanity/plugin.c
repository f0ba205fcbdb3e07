/* The library handle follows the account (plugin.h). */
#include "plugin.h"

#include <stddef.h>

#include "client.h"

struct xl *plugin_lib;
struct peers plugin_peers;

void plugin_account(const char *fulljid)
{
	peers_clear(&plugin_peers);
	xl_free(plugin_lib);
	plugin_lib = NULL;
	if (!fulljid)
		return;
	if (xl_new(&plugin_lib, fulljid))
		client_error(NULL, "cannot use the account's JID");
	else
		client_info(NULL, "ready (/xe2e start JID)");
}

struct peer *plugin_fresh_peer(const char *peer)
{
	struct peer *p = peers_renew(&plugin_peers, peer);

	if (!p)
		client_error(peer, "too many peers with something under way");
	return p;
}
