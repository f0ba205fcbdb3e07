/*
 * The TCP side of an XMPP client connection: connecting with a timeout,
 * and waiting on a non-blocking socket until a deadline.
 */
#ifndef XE2E_XMPP_NET_H
#define XE2E_XMPP_NET_H

#include <stddef.h>
#include <stdint.h>

/* Milliseconds on a monotonic clock. */
int64_t xmpp_net_now_ms(void);

/*
 * Connects to host:port (every address getaddrinfo gives, in order) within
 * timeout_ms, and leaves *fd non-blocking. XE2E_E_NOTFOUND when the name
 * does not resolve, XE2E_E_TIMEOUT, or XE2E_E_IO (detail: the last
 * address tried and why, e.g. "connection refused").
 */
int xmpp_net_connect(const char *host, const char *port, int timeout_ms, int *fd);

/* Waits until fd is ready for events (POLLIN, POLLOUT) or the deadline
 * (xmpp_net_now_ms() based) passes: XE2E_OK, XE2E_E_TIMEOUT or XE2E_E_IO.
 * Hang-ups and errors count as ready: the next read or write tells. */
int xmpp_net_wait(int fd, short events, int64_t deadline_ms);

/* Reads what is there without blocking: *got 0 when nothing is.
 * XE2E_E_EOF when the peer closed, XE2E_E_IO on errors. */
int xmpp_net_read(int fd, uint8_t *out, size_t size, size_t *got);

/* Writes all n bytes, waiting for the socket up to deadline_ms. A closed
 * connection is XE2E_E_IO (no SIGPIPE). */
int xmpp_net_write(int fd, const void *data, size_t n, int64_t deadline_ms);

#endif
