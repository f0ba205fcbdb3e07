/*
 * What a received stanza without <sealed/> (or <offline/>) means
 * (xe2e(7) "Receiving"): none is ever passed on, but not every one is a
 * refusal. Presence is never sealed when broadcast or for subscriptions,
 * and a server stamps 'to' on broadcast presence, so received presence
 * cannot tell; stanzas from the server or from no account are the
 * server's own; a message or iq from someone with whom there is no
 * session is plain XMPP. A message (other than a headline or an error) or
 * an iq from an account this side shares a session with should have been
 * sealed: that one is refused.
 */
#ifndef XE2E_UNSEALED_H
#define XE2E_UNSEALED_H

#include "xml.h"

enum unsealed_kind {
	UNSEALED_SERVER = 1, /* presence, or from no account or a server */
	UNSEALED_PLAIN,      /* a message or iq from an account without a session */
	UNSEALED_REFUSED,    /* a message or iq that its session should have sealed */
};

/* The kind of an unsealed stanza; looks up the sender's current session. */
enum unsealed_kind unsealed_kind_of(const struct xml_node *st);

#endif
