#include "xmpp_pump.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "stanza_frame.h"
#include "util.h"
#include "xmpp_frame.h"
#include "xmpp_net.h"
#include "xmpp_stream.h"

#define IN_CHUNK 16384

enum phase {
	PUMP_RUNNING, /* input open */
	PUMP_WAITING, /* input ended; still receiving until the deadline */
	PUMP_CLOSING, /* our stream closed; waiting for the server's */
	PUMP_DONE,
};

struct pump {
	struct xmpp_conn *c;
	const struct xmpp_pump_options *o;
	struct xmpp_pump_stats *stats;
	struct xmpp_frame *in;
	enum phase phase;
	int64_t deadline;
};

/* --- from the server --- */

static int is_ping(const struct xml_node *el)
{
	const char *type = xml_get_attr(el, "type");

	return xmpp_is(el, "iq", XML_NS_CLIENT) && type && !strcmp(type, "get") &&
	       xml_get_attr(el, "id") && xml_find_child(el, "ping", XMPP_NS_PING);
}

/* XEP-0199: <iq type='result' id=ID to=FROM/>. */
static int answer_ping(struct pump *p, const struct xml_node *ping)
{
	struct xml_node *iq = xml_element_new("iq", XML_NS_CLIENT);
	const char *from = xml_get_attr(ping, "from");
	int err = iq ? xml_set_attr(iq, "type", "result") : XE2E_E_NOMEM;

	if (!err)
		err = xml_set_attr(iq, "id", xml_get_attr(ping, "id"));
	if (!err && from)
		err = xml_set_attr(iq, "to", from);
	if (!err)
		err = xmpp_conn_send(p->c, iq);
	if (!err)
		p->stats->pings++;
	xml_free(iq);
	return err;
}

static int from_server(struct pump *p, const struct xml_node *el)
{
	char why[400];
	int err;

	if (xmpp_is(el, "error", XML_NS_STREAMS)) {
		xmpp_condition_text(el, XMPP_NS_STREAM_ERRORS, why, sizeof(why));
		err_detail_set("stream error from the server: %s", why);
		return XE2E_E_IO;
	}
	if (is_ping(el))
		return answer_ping(p, el);
	err = xml_write_stanza(p->o->out_fd, el);
	if (err) {
		err_detail_set("cannot write to the output: %s", strerror(errno));
		return err;
	}
	p->stats->received++;
	return XE2E_OK;
}

static int server_ended(struct pump *p)
{
	if (p->phase == PUMP_CLOSING) {
		p->phase = PUMP_DONE;
		return XE2E_OK;
	}
	err_detail_set("%s", p->c->eof ? "the connection to the server was lost"
				       : "the server ended the stream");
	return XE2E_E_IO;
}

/* Hands on every stanza the server sent that is complete. */
static int drain_server(struct pump *p)
{
	struct xml_node *el;
	int err = XE2E_OK;

	while (!err && (el = xmpp_conn_unhold(p->c)) != NULL) {
		err = from_server(p, el);
		xml_free(el);
	}
	while (!err) {
		err = xmpp_conn_take(p->c, &el);
		if (err == XE2E_E_EOF)
			return server_ended(p);
		if (err || !el)
			break;
		err = from_server(p, el);
		xml_free(el);
	}
	return err;
}

/* --- from the input --- */

static void begin_close(struct pump *p)
{
	p->phase = PUMP_CLOSING;
	p->deadline = xmpp_net_now_ms() + p->o->close_ms;
}

static int close_stream(struct pump *p)
{
	begin_close(p);
	return xmpp_conn_write(p->c, XMPP_STREAM_CLOSE, strlen(XMPP_STREAM_CLOSE));
}

static int input_ended(struct pump *p)
{
	p->phase = PUMP_WAITING;
	p->deadline = xmpp_net_now_ms() + p->o->wait_ms;
	return p->o->wait_ms > 0 ? XE2E_OK : close_stream(p);
}

static int to_server(struct pump *p, const struct xml_node *el)
{
	enum stanza_kind kind;
	int err = stanza_kind_of(el, &kind);

	if (!err)
		err = xmpp_conn_send(p->c, el);
	if (!err)
		p->stats->sent++;
	return err;
}

static int drain_input(struct pump *p)
{
	struct xml_node *el = NULL;
	int err;

	while (!(err = xmpp_frame_next(p->in, &el)) && el) {
		err = to_server(p, el);
		xml_free(el);
		el = NULL;
		if (err)
			return err;
	}
	return err == XE2E_E_EOF ? input_ended(p) : err;
}

static int read_input(struct pump *p)
{
	uint8_t chunk[IN_CHUNK];
	ssize_t n;
	int err;

	do
		n = read(p->o->in_fd, chunk, sizeof(chunk));
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return XE2E_OK;
	if (n < 0) {
		err_detail_set("cannot read the input: %s", strerror(errno));
		return XE2E_E_IO;
	}
	if (n == 0)
		xmpp_frame_finish(p->in);
	err = xmpp_frame_feed(p->in, chunk, (size_t)n);
	wipe(chunk, sizeof(chunk));
	return err ? err : drain_input(p);
}

/* --- the loop --- */

/* What is left of the current deadline for poll(2): -1 while input runs. */
static int poll_timeout(const struct pump *p)
{
	int64_t left;

	if (p->phase == PUMP_RUNNING)
		return -1;
	left = p->deadline - xmpp_net_now_ms();
	return left <= 0 ? 0 : left > 60000 ? 60000 : (int)left;
}

/* Moves on when the deadline of the current phase has passed. */
static int phase_timeout(struct pump *p)
{
	if (p->phase == PUMP_RUNNING || xmpp_net_now_ms() < p->deadline)
		return XE2E_OK;
	if (p->phase == PUMP_WAITING)
		return close_stream(p);
	p->phase = PUMP_DONE; /* the server did not close in time: we are done anyway */
	return XE2E_OK;
}

static int wait_once(struct pump *p)
{
	struct pollfd fds[2] = {{.fd = p->c->fd, .events = POLLIN},
				{.fd = p->o->in_fd, .events = POLLIN}};
	nfds_t n = p->phase == PUMP_RUNNING ? 2 : 1;
	int ready = poll(fds, n, poll_timeout(p)), err = XE2E_OK;

	if (ready < 0 && errno != EINTR) {
		err_detail_set("poll: %s", strerror(errno));
		return XE2E_E_IO;
	}
	if (ready > 0 && fds[0].revents)
		err = xmpp_conn_fill(p->c);
	if (!err && ready > 0 && n == 2 && fds[1].revents)
		err = read_input(p);
	return err;
}

static int pump_loop(struct pump *p)
{
	int err = XE2E_OK;

	while (!err && p->phase != PUMP_DONE) {
		err = drain_server(p);
		if (err || p->phase == PUMP_DONE)
			break;
		if (xmpp_conn_has_pending(p->c)) {
			err = xmpp_conn_fill(p->c);
			continue;
		}
		err = phase_timeout(p);
		if (!err && p->phase != PUMP_DONE)
			err = wait_once(p);
	}
	return err;
}

int xmpp_pump_run(struct xmpp_conn *c, const struct xmpp_pump_options *o,
		  struct xmpp_pump_stats *stats)
{
	struct pump p;
	int err;

	if (!c || !o || !stats)
		return XE2E_E_MALFORMED;
	memset(&p, 0, sizeof(p));
	memset(stats, 0, sizeof(*stats));
	p.c = c;
	p.o = o;
	p.stats = stats;
	err = xmpp_frame_new(&p.in, &o->limits, 0);
	if (!err)
		err = pump_loop(&p);
	xmpp_frame_free(p.in);
	return err;
}
