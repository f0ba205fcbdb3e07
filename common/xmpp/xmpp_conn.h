/*
 * One client-to-server connection: the socket, TLS once STARTTLS has run,
 * and the framer of the server's current stream. Reading never blocks
 * unless asked to wait (xmpp_conn_next); writing waits for the socket up
 * to the connection's timeout.
 */
#ifndef XE2E_XMPP_CONN_H
#define XE2E_XMPP_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "xml.h"
#include "xmpp_frame.h"
#include "xmpp_tls.h"

#define XMPP_HELD_MAX 16

struct xmpp_conn {
	int fd;
	struct xmpp_tls *tls; /* NULL before STARTTLS */
	struct xmpp_frame *frame;
	struct xml_limits limits;
	int timeout_ms; /* each negotiation step and each write */
	int eof;        /* the server's side of the connection ended */
	/* stanzas that arrived while negotiation waited for something else,
	 * in order; the pump hands them on first */
	struct xml_node *held[XMPP_HELD_MAX];
	size_t n_held;
};

/* An unconnected connection (fd -1) with the default limits. */
void xmpp_conn_init(struct xmpp_conn *c, int timeout_ms);

/* Connects to host:port (see xmpp_net_connect) and starts a framer. */
int xmpp_conn_open(struct xmpp_conn *c, const char *host, const char *port);

/* Replaces the framer by a fresh one for a new server stream (after
 * STARTTLS and after SASL). XE2E_E_MALFORMED when bytes of the old stream
 * were left unread: a server sends nothing after <proceed/> or <success/>
 * until the client restarts, so such bytes were injected. */
int xmpp_conn_restart(struct xmpp_conn *c);

/* Runs TLS on the socket (xmpp_tls_handshake); *verify_flags as there. */
int xmpp_conn_start_tls(struct xmpp_conn *c, const struct xmpp_tls_options *opts,
			const char *domain, uint32_t *verify_flags);

/* Writes n bytes to the server (through TLS once started). */
int xmpp_conn_write(struct xmpp_conn *c, const void *data, size_t n);

/* Writes a stanza, serialized (xml.h), to the server. */
int xmpp_conn_send(struct xmpp_conn *c, const struct xml_node *stanza);

/* Reads what the socket has (without blocking) into the framer; at the end
 * of the connection marks the framer finished and sets c->eof. */
int xmpp_conn_fill(struct xmpp_conn *c);

/* 1 when TLS holds decrypted bytes that poll(2) on the socket would not
 * announce: call xmpp_conn_fill() without polling. */
int xmpp_conn_has_pending(const struct xmpp_conn *c);

/* The next complete stanza from the server, or *stanza NULL when none is
 * complete yet; XE2E_E_EOF when the server ended its stream or the
 * connection (see c->eof). */
int xmpp_conn_take(struct xmpp_conn *c, struct xml_node **stanza);

/* Waits (until deadline_ms, xmpp_net_now_ms() based) for the next stanza.
 * XE2E_E_TIMEOUT when none came. */
int xmpp_conn_next(struct xmpp_conn *c, struct xml_node **stanza, int64_t deadline_ms);

/* Keeps a stanza for later (xmpp_conn_unhold); XE2E_E_LIMIT past
 * XMPP_HELD_MAX. Takes ownership either way. */
int xmpp_conn_hold(struct xmpp_conn *c, struct xml_node *stanza);

/* The oldest held stanza, or NULL. */
struct xml_node *xmpp_conn_unhold(struct xmpp_conn *c);

/* Sends close_notify when TLS runs, closes the socket, frees everything. */
void xmpp_conn_close(struct xmpp_conn *c);

#endif
