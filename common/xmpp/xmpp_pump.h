/*
 * The stanza pump of xe2e-connect: once negotiation is done, copies
 * stanzas from an input fd to the server and every stanza the server sends
 * to an output fd, one per line as xml.h writes them, in one poll(2) loop
 * that never blocks on either side while the other has data.
 *
 * Input must be <message/>, <presence/> or <iq/> stanzas (bare, or inside
 * a <stream:stream>); they go to the server as they are (the server sets
 * 'from'). From the server: XMPP pings (XEP-0199) are answered here and
 * not written out; a <stream:error/> ends the run with its condition;
 * everything else is written out. At the end of input the pump keeps
 * receiving for wait_ms, then closes its stream and waits up to close_ms
 * for the server to close its own.
 */
#ifndef XE2E_XMPP_PUMP_H
#define XE2E_XMPP_PUMP_H

#include "xml.h"
#include "xmpp_conn.h"

struct xmpp_pump_options {
	int in_fd, out_fd;
	int wait_ms;  /* receive this long after the end of input */
	int close_ms; /* wait this long for the server's </stream:stream> */
	struct xml_limits limits; /* for input stanzas */
};

struct xmpp_pump_stats {
	unsigned long sent, received, pings;
};

/*
 * Runs until the end of input and the close of the stream (XE2E_OK), or
 * an error: XE2E_E_IO when the server ends the stream or the connection
 * first (detail: a stream error's condition, or "the connection to the
 * server was lost") or output cannot be written; input errors as the
 * framer gives them (XE2E_E_MALFORMED, XE2E_E_XML, XE2E_E_LIMIT), and
 * XE2E_E_UNSUPPORTED for an input element that is not a stanza.
 */
int xmpp_pump_run(struct xmpp_conn *c, const struct xmpp_pump_options *o,
		  struct xmpp_pump_stats *stats);

#endif
