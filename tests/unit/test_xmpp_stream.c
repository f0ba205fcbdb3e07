/*
 * XMPP stream negotiation, client side: parsing <stream:features/> as
 * Prosody and the RFC 6120 examples write them, choosing the SASL
 * mechanism, error conditions in words, and the client against a scripted
 * server on a loopback port for everything before TLS: a server without
 * STARTTLS, one that refuses it, bytes injected after <proceed/>, stream
 * errors, a pre-1.0 stream, silence. In none of these may the client send
 * credentials.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "unit.h"
#include "xml.h"
#include "xmpp_client.h"
#include "xmpp_conn.h"
#include "xmpp_stream.h"

static struct xml_node *parse(const char *text)
{
	struct xml_node *el = NULL;

	if (xml_parse_element(text, strlen(text), NULL, &el))
		return NULL;
	return el;
}

#define FEATURES_OPEN "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>"

TEST(xmpp_features_as_servers_send_them)
{
	struct xmpp_features f;
	struct xml_node *el;

	/* Prosody 0.12 before TLS */
	el = parse(FEATURES_OPEN "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>"
				 "<required/></starttls></stream:features>");
	CHECK_INT(xmpp_features_parse(el, &f), XE2E_OK);
	CHECK(f.starttls && f.starttls_required && !f.sasl && !f.bind && f.mechs == 0);
	xml_free(el);

	/* after TLS: mechanisms, -PLUS and unknown ones ignored */
	el = parse(FEATURES_OPEN "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
				 "<mechanism>SCRAM-SHA-1-PLUS</mechanism>"
				 "<mechanism>SCRAM-SHA-256</mechanism>"
				 "<mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism>"
				 "<mechanism>X-OAUTH2</mechanism></mechanisms>"
				 "<register xmlns='http://jabber.org/features/iq-register'/>"
				 "</stream:features>");
	CHECK_INT(xmpp_features_parse(el, &f), XE2E_OK);
	CHECK(!f.starttls && f.sasl && !f.bind);
	CHECK_INT(f.mechs, XMPP_MECH_SCRAM_SHA256 | XMPP_MECH_SCRAM_SHA1 | XMPP_MECH_PLAIN);
	xml_free(el);

	/* after SASL: bind, an optional session, stream management */
	el = parse(FEATURES_OPEN "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><required/></bind>"
				 "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/>"
				 "</session><sm xmlns='urn:xmpp:sm:3'/><c xmlns='http://jabber.org/"
				 "protocol/caps' hash='sha-1' node='n' ver='v'/></stream:features>");
	CHECK_INT(xmpp_features_parse(el, &f), XE2E_OK);
	CHECK(f.bind && !f.session && !f.sasl && !f.starttls);
	xml_free(el);

	/* an old server that still needs the RFC 3921 session */
	el = parse(FEATURES_OPEN "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
				 "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'/>"
				 "</stream:features>");
	CHECK_INT(xmpp_features_parse(el, &f), XE2E_OK);
	CHECK(f.bind && f.session);
	xml_free(el);

	/* features in the wrong namespaces count for nothing */
	el = parse(FEATURES_OPEN "<starttls xmlns='urn:other'/><mechanisms><mechanism>PLAIN"
				 "</mechanism></mechanisms><bind/></stream:features>");
	CHECK_INT(xmpp_features_parse(el, &f), XE2E_OK);
	CHECK(!f.starttls && !f.sasl && !f.bind && f.mechs == 0);
	xml_free(el);
}

TEST(xmpp_features_refused)
{
	struct xmpp_features f;
	struct xml_node *el;

	el = parse("<features xmlns='urn:other'/>");
	CHECK_INT(xmpp_features_parse(el, &f), XE2E_E_MALFORMED);
	xml_free(el);
	el = parse("<message/>");
	CHECK_INT(xmpp_features_parse(el, &f), XE2E_E_MALFORMED);
	xml_free(el);
	CHECK_INT(xmpp_features_parse(NULL, &f), XE2E_E_MALFORMED);
	el = parse(FEATURES_OPEN "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
				 "<mechanism/></mechanisms></stream:features>");
	CHECK_INT(xmpp_features_parse(el, &f), XE2E_E_MALFORMED);
	xml_free(el);
	el = parse(FEATURES_OPEN "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
				 "<mechanism>SCRAM-SHA-256-PLUS-EXTRA</mechanism></mechanisms>"
				 "</stream:features>");
	CHECK_INT(xmpp_features_parse(el, &f), XE2E_E_MALFORMED);
	CHECK_INT(f.mechs, 0);
	xml_free(el);
}

TEST(xmpp_mechanism_choice)
{
	unsigned all = XMPP_MECH_SCRAM_SHA256 | XMPP_MECH_SCRAM_SHA1 | XMPP_MECH_PLAIN;

	CHECK_INT(xmpp_mech_choose(all, 1), XMPP_MECH_SCRAM_SHA256);
	CHECK_INT(xmpp_mech_choose(XMPP_MECH_SCRAM_SHA1 | XMPP_MECH_PLAIN, 1),
		  XMPP_MECH_SCRAM_SHA1);
	CHECK_INT(xmpp_mech_choose(XMPP_MECH_PLAIN, 1), XMPP_MECH_PLAIN);
	CHECK_INT(xmpp_mech_choose(XMPP_MECH_PLAIN, 0), 0); /* never without TLS */
	CHECK_INT(xmpp_mech_choose(XMPP_MECH_SCRAM_SHA1 | XMPP_MECH_PLAIN, 0),
		  XMPP_MECH_SCRAM_SHA1);
	CHECK_INT(xmpp_mech_choose(0, 1), 0);
	CHECK_STR(xmpp_mech_name(XMPP_MECH_SCRAM_SHA256), "SCRAM-SHA-256");
	CHECK_STR(xmpp_mech_name(XMPP_MECH_PLAIN), "PLAIN");
	CHECK(xmpp_mech_name(0) == NULL);
}

TEST(xmpp_conditions_in_words)
{
	char out[128];
	struct xml_node *el;

	el = parse("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/>"
		   "<text xml:lang='en'>Invalid\nusername or password</text></failure>");
	xmpp_condition_text(el, XMPP_NS_SASL, out, sizeof(out));
	CHECK_STR(out, "not-authorized: Invalid?username or password");
	xml_free(el);
	el = parse("<stream:error xmlns:stream='http://etherx.jabber.org/streams'>"
		   "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>bye</text>"
		   "<conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
	xmpp_condition_text(el, XMPP_NS_STREAM_ERRORS, out, sizeof(out));
	CHECK_STR(out, "conflict: bye");
	xml_free(el);
	el = parse("<error type='cancel'><conflict xmlns='urn:other'/></error>");
	xmpp_condition_text(el, XMPP_NS_STANZA_ERRORS, out, sizeof(out));
	CHECK_STR(out, "unknown");
	xml_free(el);
	xmpp_condition_text(NULL, XMPP_NS_SASL, out, 8);
	CHECK_STR(out, "unknown");
}

TEST(xmpp_stream_header_text)
{
	struct buf b = BUF_INIT;

	CHECK_INT(xmpp_stream_header(&b, "xe2e.test", NULL), XE2E_OK);
	buf_terminate(&b);
	CHECK_STR((char *)b.data, "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
				  "xmlns:stream='http://etherx.jabber.org/streams' to='xe2e.test' "
				  "version='1.0' xml:lang='en'>");
	buf_clear(&b);
	CHECK_INT(xmpp_stream_header(&b, "xe2e.test", "alice@xe2e.test"), XE2E_OK);
	buf_terminate(&b);
	CHECK(strstr((char *)b.data, " to='xe2e.test' from='alice@xe2e.test' ") != NULL);
	buf_free(&b);
}

/* --- a scripted server --- */

#define SERVER_HEADER                                                          \
	"<?xml version='1.0'?><stream:stream xmlns='jabber:client' "           \
	"xmlns:stream='http://etherx.jabber.org/streams' from='xe2e.test' "    \
	"id='s1' version='1.0'>"
#define STARTTLS_FEATURES                                                      \
	"<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>"  \
	"<required/></starttls></stream:features>"

struct script {
	const char *first;  /* sent when the client's header has arrived */
	const char *second; /* sent when the client's next element has arrived */
};

/* Reads until the client has sent the text want (or closed), keeping all
 * it sent in got. */
static void read_until(int fd, const char *want, struct buf *got)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char chunk[1024];
	ssize_t n;

	while (poll(&p, 1, 5000) == 1 && (n = read(fd, chunk, sizeof(chunk))) > 0) {
		buf_append(got, chunk, (size_t)n);
		buf_terminate(got);
		if (strstr((char *)got->data, want))
			return;
	}
}

/* The server: one connection, the script, then it writes what the client
 * sent to report and waits for the client to close. */
static void serve(int listener, const struct script *s, int report)
{
	struct buf got = BUF_INIT;
	int fd = accept(listener, NULL, NULL);
	char rest[256];
	ssize_t n;

	if (fd < 0)
		_exit(1);
	read_until(fd, "version='1.0' xml:lang='en'>", &got);
	if (s->first && write(fd, s->first, strlen(s->first)) < 0)
		_exit(1);
	if (s->second) {
		read_until(fd, "/>", &got);
		if (write(fd, s->second, strlen(s->second)) < 0)
			_exit(1);
	}
	while ((n = read(fd, rest, sizeof(rest))) > 0) /* until the client closes */
		buf_append(&got, rest, (size_t)n);
	if (got.len && write(report, got.data, got.len) < 0)
		_exit(1);
	_exit(0);
}

/* Runs the client against the script with a timeout of timeout_ms;
 * returns its code, and in sent what the client sent. */
static int against(const struct script *s, int timeout_ms, struct buf *sent)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	struct xmpp_client_options o;
	struct xmpp_client_info info;
	struct xmpp_conn c;
	char port[16], chunk[1024];
	int listener = socket(AF_INET, SOCK_STREAM, 0), report[2], err, status;
	ssize_t n;
	pid_t pid;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (listener < 0 || bind(listener, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(listener, 1) || getsockname(listener, (struct sockaddr *)&a, &len) ||
	    pipe(report))
		return -1;
	snprintf(port, sizeof(port), "%u", ntohs(a.sin_port));
	pid = fork();
	if (pid == 0) {
		close(report[0]);
		serve(listener, s, report[1]);
	}
	close(listener);
	close(report[1]);
	memset(&o, 0, sizeof(o));
	o.jid = "alice@xe2e.test";
	o.password = "secret-password";
	o.host = "127.0.0.1";
	o.port = port;
	o.presence = 1;
	xmpp_conn_init(&c, timeout_ms);
	err = xmpp_client_connect(&c, &o, &info);
	xmpp_conn_close(&c);
	while ((n = read(report[0], chunk, sizeof(chunk))) > 0)
		buf_append(sent, chunk, (size_t)n);
	buf_terminate(sent);
	close(report[0]);
	waitpid(pid, &status, 0);
	return err;
}

static void check_no_credentials(const struct buf *sent)
{
	const char *text = sent->data ? (const char *)sent->data : "";

	CHECK(strstr(text, "<auth") == NULL);
	CHECK(strstr(text, "secret-password") == NULL);
	CHECK(strstr(text, "<iq") == NULL);
}

TEST(xmpp_client_needs_starttls)
{
	static const struct script none = {
		SERVER_HEADER "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
			      "<mechanism>PLAIN</mechanism></mechanisms></stream:features>",
		NULL};
	struct buf sent = BUF_INIT;

	CHECK_INT(against(&none, 5000, &sent), XE2E_E_UNSUPPORTED);
	CHECK(strstr(err_detail(), "does not offer STARTTLS") != NULL);
	CHECK(sent.data && strstr((char *)sent.data, "<stream:stream") != NULL);
	check_no_credentials(&sent);
	buf_free(&sent);
}

TEST(xmpp_client_starttls_refused)
{
	static const struct script refused = {
		SERVER_HEADER STARTTLS_FEATURES,
		"<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>"};
	struct buf sent = BUF_INIT;

	CHECK_INT(against(&refused, 5000, &sent), XE2E_E_UNSUPPORTED);
	CHECK(strstr(err_detail(), "refused STARTTLS") != NULL);
	CHECK(sent.data && strstr((char *)sent.data,
				  "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>") != NULL);
	check_no_credentials(&sent);
	buf_free(&sent);
}

TEST(xmpp_client_refuses_injection_after_proceed)
{
	/* RFC 6120 section 5.3.3: what follows <proceed/> in the clear was
	 * not sent by the server (or must not be believed). */
	static const struct script injected = {
		SERVER_HEADER STARTTLS_FEATURES,
		"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><stream:features/>"};
	struct buf sent = BUF_INIT;

	CHECK_INT(against(&injected, 5000, &sent), XE2E_E_MALFORMED);
	CHECK(strstr(err_detail(), "injected") != NULL);
	check_no_credentials(&sent);
	buf_free(&sent);
}

TEST(xmpp_client_stream_errors_and_old_streams)
{
	static const struct script error = {
		SERVER_HEADER "<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
			      "</stream:error></stream:stream>",
		NULL};
	static const struct script old = {
		"<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
		"id='s1'>" STARTTLS_FEATURES,
		NULL};
	static const struct script garbage = {"HTTP/1.1 400 Bad Request\r\n\r\n", NULL};
	static const struct script bare = {"<message/>", NULL};
	struct buf sent = BUF_INIT;

	CHECK_INT(against(&error, 5000, &sent), XE2E_E_IO);
	CHECK(strstr(err_detail(), "stream error from the server: host-unknown") != NULL);
	check_no_credentials(&sent);
	buf_clear(&sent);
	CHECK_INT(against(&old, 5000, &sent), XE2E_E_UNSUPPORTED);
	CHECK(strstr(err_detail(), "version 1.0") != NULL);
	buf_clear(&sent);
	CHECK_INT(against(&garbage, 5000, &sent), XE2E_E_MALFORMED);
	buf_clear(&sent);
	CHECK_INT(against(&bare, 5000, &sent), XE2E_E_MALFORMED);
	buf_free(&sent);
}

TEST(xmpp_client_times_out_on_silence)
{
	static const struct script silent = {SERVER_HEADER, NULL};
	struct buf sent = BUF_INIT;

	CHECK_INT(against(&silent, 300, &sent), XE2E_E_TIMEOUT);
	CHECK(strstr(err_detail(), "no answer from the server") != NULL);
	buf_free(&sent);
}

TEST(xmpp_client_connection_refused)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	struct xmpp_client_options o;
	struct xmpp_client_info info;
	struct xmpp_conn c;
	char port[16];
	int s = socket(AF_INET, SOCK_STREAM, 0);

	/* a port that was free a moment ago */
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(s >= 0 && !bind(s, (struct sockaddr *)&a, sizeof(a)) &&
	      !getsockname(s, (struct sockaddr *)&a, &len));
	snprintf(port, sizeof(port), "%u", ntohs(a.sin_port));
	close(s);
	memset(&o, 0, sizeof(o));
	o.jid = "alice@xe2e.test";
	o.password = "x";
	o.host = "127.0.0.1";
	o.port = port;
	xmpp_conn_init(&c, 2000);
	CHECK_INT(xmpp_client_connect(&c, &o, &info), XE2E_E_IO);
	CHECK(strstr(err_detail(), "Connection refused") != NULL);
	xmpp_conn_close(&c);
	o.password = "";
	CHECK_INT(xmpp_client_connect(&c, &o, &info), XE2E_E_AUTH);
	xmpp_conn_close(&c);
}
