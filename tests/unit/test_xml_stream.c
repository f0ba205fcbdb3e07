/*
 * Streams: stanzas handed over as soon as their end tag arrives on a live
 * pipe, exact mode leaving the rest of the input to the next reader, the
 * <stream:stream> wrapper and its end, clean and unclean ends of input, and
 * writing stanzas to pipes.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "test_xml.h"
#include "unit.h"
#include "xml.h"

#define STREAM_HEADER                                                         \
	"<stream:stream xmlns='jabber:client' "                               \
	"xmlns:stream='http://etherx.jabber.org/streams' from='capulet.lit' " \
	"id='s1' version='1.0'>"

static int write_str(int fd, const char *s)
{
	size_t n = strlen(s);

	return write(fd, s, n) == (ssize_t)n ? 0 : -1;
}

/* A line from fd within ms milliseconds, without the newline; NULL when
 * none came in time. */
static char *line_within(int fd, int ms)
{
	static char line[8192];
	struct pollfd p = {.fd = fd, .events = POLLIN};
	size_t n = 0;
	char c;

	while (n + 1 < sizeof(line)) {
		if (poll(&p, 1, ms) != 1 || read(fd, &c, 1) != 1)
			return NULL;
		if (c == '\n')
			break;
		line[n++] = c;
	}
	line[n] = '\0';
	return line;
}

/* A child process reading stanzas from in and writing each back to out as
 * a line, then "END <code>"; it closes the parent's ends first. */
static pid_t echo_child(int in, int out, const int parent_ends[2], enum xml_reader_mode mode)
{
	struct xml_reader *r = NULL;
	struct xml_node *s;
	char end[32];
	int err;
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	close(parent_ends[0]);
	close(parent_ends[1]);
	if (xml_reader_new(&r, in, mode, NULL))
		_exit(1);
	while ((err = xml_reader_next(r, &s)) == XE2E_OK) {
		if (xml_write_stanza(out, s))
			_exit(1);
		xml_free(s);
	}
	snprintf(end, sizeof(end), "END %d\n", err);
	write_str(out, end);
	_exit(0);
}

struct live {
	int to_child, from_child;
	pid_t pid;
};

static int live_start(struct live *l, enum xml_reader_mode mode)
{
	int in[2], out[2], parent_ends[2];

	if (pipe(in) || pipe(out))
		return -1;
	parent_ends[0] = in[1];
	parent_ends[1] = out[0];
	l->pid = echo_child(in[0], out[1], parent_ends, mode);
	close(in[0]);
	close(out[1]);
	l->to_child = in[1];
	l->from_child = out[0];
	return l->pid > 0 ? 0 : -1;
}

static void live_stop(struct live *l)
{
	int status;

	close(l->to_child);
	close(l->from_child);
	kill(l->pid, SIGKILL);
	waitpid(l->pid, &status, 0);
}

static const char s1[] = "<message to='romeo@montague.lit' type='chat' xml:lang='en'>"
			 "<body>One</body><active xmlns='http://jabber.org/protocol/chatstates'/>"
			 "</message>";
static const char s2[] = "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>";

TEST(xml_live_pipe_hands_over_each_stanza)
{
	enum xml_reader_mode modes[2] = {XML_READ_BUFFERED, XML_READ_EXACT};
	struct live l;
	char half[sizeof(s2)];

	for (int m = 0; m < 2; m++) {
		CHECK_INT(live_start(&l, modes[m]), 0);
		/* The first stanza comes back while the pipe stays open. */
		CHECK_INT(write_str(l.to_child, s1), 0);
		CHECK_STR(line_within(l.from_child, 5000), s1);
		/* The second, written in two pieces with a pause between. */
		memcpy(half, s2, 20);
		half[20] = '\0';
		CHECK_INT(write_str(l.to_child, half), 0);
		CHECK(line_within(l.from_child, 100) == NULL);
		CHECK_INT(write_str(l.to_child, s2 + 20), 0);
		CHECK_STR(line_within(l.from_child, 5000), s2);
		CHECK_INT(write_str(l.to_child, "\n  "), 0);
		close(l.to_child);
		l.to_child = -1;
		CHECK_STR(line_within(l.from_child, 5000), "END 3");
		live_stop(&l);
	}
	CHECK_INT(XE2E_E_EOF, 3);
}

TEST(xml_live_pipe_stream_end_needs_no_more_input)
{
	struct live l;

	CHECK_INT(live_start(&l, XML_READ_EXACT), 0);
	CHECK_INT(write_str(l.to_child, "<?xml version='1.0'?>\n" STREAM_HEADER "\n"), 0);
	CHECK(line_within(l.from_child, 100) == NULL);
	CHECK_INT(write_str(l.to_child, s1), 0);
	CHECK_STR(line_within(l.from_child, 5000), s1);
	CHECK_INT(write_str(l.to_child, "<stream:features/>"), 0);
	CHECK_STR(line_within(l.from_child, 5000),
		  "<stream:features xmlns:stream='http://etherx.jabber.org/streams'/>");
	/* The pipe stays open: </stream:stream> alone ends the input. */
	CHECK_INT(write_str(l.to_child, "</stream:stream>"), 0);
	CHECK_STR(line_within(l.from_child, 5000), "END 3");
	live_stop(&l);
}

/* --- exact mode --- */

TEST(xml_exact_mode_two_readers_on_a_pipe)
{
	static const char in[] = "<a x='1'>1</a><b>2</b>\n<c/>";
	struct xml_reader *r1 = NULL;
	struct xml_node *s = NULL;
	size_t count;
	int fds[2], end;
	char *one, *rest;

	CHECK_INT(pipe(fds), 0);
	CHECK_INT(write_str(fds[1], in), 0);
	close(fds[1]);
	CHECK_INT(xml_reader_new(&r1, fds[0], XML_READ_EXACT, NULL), XE2E_OK);
	CHECK_INT(xml_reader_next(r1, &s), XE2E_OK);
	one = s ? tx_ser(s) : NULL;
	CHECK_STR(one, "<a x='1'>1</a>");
	free(one);
	xml_free(s);
	xml_reader_free(r1);
	rest = tx_read_all(fds[0], XML_READ_BUFFERED, NULL, &count, &end);
	CHECK_INT(end, XE2E_E_EOF);
	CHECK_STR(rest, "<b>2</b>\n<c/>\n");
	free(rest);
	close(fds[0]);
}

/* An fd of each kind exact mode reads in its own way (xml_exact.c),
 * holding data: 0 a pipe, 1 a socket, 2 a file; -1 on failure. */
static int exact_fd_with(int kind, const char *data, size_t len)
{
	int fds[2];

	if (kind == 2)
		return tx_fd_with(data, len);
	if ((kind == 0 ? pipe(fds) : socketpair(AF_UNIX, SOCK_STREAM, 0, fds)) != 0)
		return -1;
	/* the pipe and the socket hold 64 KiB and more */
	if (write(fds[1], data, len) != (ssize_t)len) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	close(fds[1]);
	return fds[0];
}

/*
 * Readers one after another on one pipe, socket and file, as programs
 * that share a stdin: each exact reader takes one stanza and leaves the
 * rest, also when it looked at more (the second stanza spans blocks).
 */
TEST(xml_exact_mode_leaves_the_rest_on_every_kind_of_fd)
{
	static const char *const kinds[3] = {"pipe", "socket", "file"};
	char *in = malloc(20000), *big = malloc(12001), *one, *rest;
	struct xml_reader *r;
	struct xml_node *s;
	size_t count;
	int end;

	CHECK(in && big);
	if (!in || !big)
		goto out;
	memset(big, 'x', 12000);
	big[12000] = '\0';
	snprintf(in, 20000, "<a x='1'>1</a>\n<b>%s</b><c/>\n<d>4</d>", big);
	for (int k = 0; k < 3; k++) {
		int fd = exact_fd_with(k, in, strlen(in));

		CHECK(fd >= 0);
		if (fd < 0)
			continue;
		for (int i = 0; i < 3; i++) {
			static const char *const want[3] = {"<a x='1'>1</a>", NULL, "<c/>"};

			r = NULL;
			s = NULL;
			CHECK_INT(xml_reader_new(&r, fd, XML_READ_EXACT, NULL), XE2E_OK);
			CHECK_INT(xml_reader_next(r, &s), XE2E_OK);
			one = s ? tx_ser(s) : NULL;
			if (want[i] && (!one || strcmp(one, want[i])))
				unit_fail(__FILE__, __LINE__, "%s: stanza %d is %.40s", kinds[k], i, one);
			if (!want[i] && (!one || strlen(one) != 12000 + 7))
				unit_fail(__FILE__, __LINE__, "%s: stanza %d wrong", kinds[k], i);
			free(one);
			xml_free(s);
			xml_reader_free(r);
		}
		rest = tx_read_all(fd, XML_READ_BUFFERED, NULL, &count, &end);
		if (!rest || strcmp(rest, "<d>4</d>\n"))
			unit_fail(__FILE__, __LINE__, "%s: the rest is %s", kinds[k], rest);
		CHECK_INT(end, XE2E_E_EOF);
		free(rest);
		close(fd);
	}
out:
	free(in);
	free(big);
}

TEST(xml_exact_mode_stops_at_the_end_tag)
{
	static const char in[] = "<message id='1'><body>x</body></message>"
				 "<message id='2'/><presence/>";
	struct xml_reader *r = NULL;
	struct xml_node *s = NULL;
	int fd = tx_fd_with(in, sizeof(in) - 1);
	size_t count;
	int end;
	char *rest;

	CHECK(fd >= 0);
	CHECK_INT(xml_reader_new(&r, fd, XML_READ_EXACT, NULL), XE2E_OK);
	CHECK_INT(xml_reader_next(r, &s), XE2E_OK);
	CHECK_INT(lseek(fd, 0, SEEK_CUR), strlen("<message id='1'><body>x</body></message>"));
	xml_free(s);
	CHECK_INT(xml_reader_next(r, &s), XE2E_OK);
	CHECK_INT(lseek(fd, 0, SEEK_CUR), sizeof(in) - 1 - strlen("<presence/>"));
	xml_free(s);
	xml_reader_free(r);
	rest = tx_read_all(fd, XML_READ_EXACT, NULL, &count, &end);
	CHECK_STR(rest, "<presence/>\n");
	CHECK_INT(end, XE2E_E_EOF);
	free(rest);
	close(fd);
}

TEST(xml_exact_mode_stream_end_then_next_program)
{
	static const char head[] = STREAM_HEADER "\n<message/>\n</stream:stream>";
	static const char in[] = STREAM_HEADER "\n<message/>\n</stream:stream><after/>";
	struct xml_reader *r = NULL;
	struct xml_node *s = NULL;
	int fd = tx_fd_with(in, sizeof(in) - 1);
	size_t count;
	int end;
	char *rest;

	CHECK_INT(xml_reader_new(&r, fd, XML_READ_EXACT, NULL), XE2E_OK);
	CHECK_INT(xml_reader_next(r, &s), XE2E_OK);
	CHECK(s && strcmp(s->name, "message") == 0);
	xml_free(s);
	CHECK_INT(xml_reader_in_stream(r), 1);
	CHECK_INT(xml_reader_next(r, &s), XE2E_E_EOF);
	CHECK_INT(xml_reader_next(r, &s), XE2E_E_EOF);
	CHECK_INT(lseek(fd, 0, SEEK_CUR), sizeof(head) - 1);
	xml_reader_free(r);
	rest = tx_read_all(fd, XML_READ_EXACT, NULL, &count, &end);
	CHECK_STR(rest, "<after/>\n");
	free(rest);
	close(fd);
}

/* '>' inside attribute values, CDATA sections, references and text ends
 * no stanza: the reader stops after the real end tag, whatever comes
 * before it. */
TEST(xml_exact_mode_stops_at_the_real_end)
{
	static const char *const firsts[] = {
		"<m a='>' b=\"/>\" c='\"&gt;'>t</m>",
		"<m><![CDATA[</m> > ]] ]]]></m>",
		"<m>x &amp; &#62; &#x3e; y &gt; ] ]] > </m>",
		"<m><x y='a>b'/><y z=\"/m>\"></y></m >",
		"<m\n a\n=\n'>'\n/>",
		"<m xmlns:p='urn:p'><p:x p:a='>'/></m>",
	};
	size_t count;
	int fd, end;
	char buf[512], *rest;
	struct xml_reader *r;
	struct xml_node *s;

	for (size_t i = 0; i < sizeof(firsts) / sizeof(firsts[0]); i++) {
		snprintf(buf, sizeof(buf), "%s<next/>", firsts[i]);
		fd = tx_fd_with(buf, strlen(buf));
		r = NULL;
		s = NULL;
		CHECK(fd >= 0);
		CHECK_INT(xml_reader_new(&r, fd, XML_READ_EXACT, NULL), XE2E_OK);
		CHECK_INT(xml_reader_next(r, &s), XE2E_OK);
		if (lseek(fd, 0, SEEK_CUR) != (off_t)strlen(firsts[i]))
			unit_fail(__FILE__, __LINE__, "%s: stopped at byte %lld", firsts[i],
				  (long long)lseek(fd, 0, SEEK_CUR));
		xml_free(s);
		xml_reader_free(r);
		rest = tx_read_all(fd, XML_READ_EXACT, NULL, &count, &end);
		CHECK_STR(rest, "<next/>\n");
		free(rest);
		close(fd);
	}
}

/* Input that cannot be well-formed is refused as soon as it arrives on a
 * live pipe, even in the middle of a token. */
TEST(xml_live_pipe_malformed_refused_at_once)
{
	static const struct {
		const char *in;
		int code;
	} cases[] = {
		{"hello", XE2E_E_MALFORMED},
		{"<message a='<", XE2E_E_MALFORMED},
		{"<message <", XE2E_E_MALFORMED},
		{"<message>&a b", XE2E_E_MALFORMED},
		{"<message>< x", XE2E_E_MALFORMED},
		{"<message><!DOCTYPE", XE2E_E_XML},
		{"<message><!-- a -- b", XE2E_E_MALFORMED},
		{"<message><![CDATAX", XE2E_E_MALFORMED},
		{"<message>\x01", XE2E_E_MALFORMED},
	};
	enum xml_reader_mode modes[2] = {XML_READ_BUFFERED, XML_READ_EXACT};
	char want[32];
	struct live l;

	for (int m = 0; m < 2; m++) {
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			CHECK_INT(live_start(&l, modes[m]), 0);
			CHECK_INT(write_str(l.to_child, cases[i].in), 0);
			snprintf(want, sizeof(want), "END %d", cases[i].code);
			if (!line_within(l.from_child, 5000))
				unit_fail(__FILE__, __LINE__, "%s (mode %d): not refused", cases[i].in, m);
			live_stop(&l);
		}
	}
}

/* --- ends of input --- */

static int end_code(const char *in, size_t *count)
{
	int end;
	char *out = tx_read_mem(in, strlen(in), XML_READ_BUFFERED, NULL, count, &end);

	free(out);
	return end;
}

TEST(xml_clean_and_unclean_ends)
{
	size_t count;

	CHECK_INT(end_code("", &count), XE2E_E_EOF);
	CHECK_INT(end_code(" \n\t\r\n", &count), XE2E_E_EOF);
	CHECK_INT(end_code("<?xml version='1.0'?>", &count), XE2E_E_EOF);
	CHECK_INT(end_code("<?xml version='1.0'?>\n<m/>\n", &count), XE2E_E_EOF);
	CHECK_INT(count, 1);
	CHECK_INT(end_code(STREAM_HEADER, &count), XE2E_E_EOF);
	CHECK_INT(count, 0);
	CHECK_INT(end_code(STREAM_HEADER "<m/><m/>\n", &count), XE2E_E_EOF);
	CHECK_INT(count, 2);
	CHECK_INT(end_code(STREAM_HEADER "<m/></stream:stream> trailing garbage <", &count),
		  XE2E_E_EOF);
	CHECK_INT(count, 1);
	CHECK_INT(end_code("<?xm", &count), XE2E_E_MALFORMED);
	CHECK_INT(end_code("<", &count), XE2E_E_MALFORMED);
	CHECK_INT(end_code("<?xml version='1.0'", &count), XE2E_E_MALFORMED);
	CHECK_INT(end_code("<stream:stream xmlns:stream='http://etherx.jabber.org/streams'", &count),
		  XE2E_E_MALFORMED);
	CHECK_INT(end_code(STREAM_HEADER "<m/><m", &count), XE2E_E_MALFORMED);
	CHECK_INT(count, 1);
	CHECK_INT(end_code("<message><body>x</body>", &count), XE2E_E_MALFORMED);
	CHECK(strstr(err_detail(), "unexpected end of input inside <message>") != NULL);
	CHECK_INT(end_code("<m/><![CDATA[x", &count), XE2E_E_MALFORMED);
}

TEST(xml_parse_element_from_memory)
{
	struct xml_node *el = NULL;
	static const char in[] = "<?xml version='1.0'?>\n<message><body>hi</body></message>\n";

	CHECK_INT(xml_parse_element(in, sizeof(in) - 1, NULL, &el), XE2E_OK);
	CHECK(el && el->n_children == 1 && strcmp(el->name, "message") == 0);
	xml_free(el);
	el = NULL;
	CHECK_INT(xml_parse_element("<a/><b/>", 8, NULL, &el), XE2E_E_MALFORMED);
	CHECK(el == NULL);
	CHECK_INT(xml_parse_element("<a/>x", 5, NULL, &el), XE2E_E_MALFORMED);
	CHECK_INT(xml_parse_element("  ", 2, NULL, &el), XE2E_E_MALFORMED);
	CHECK_INT(xml_parse_element("", 0, NULL, &el), XE2E_E_MALFORMED);
	/* Here <stream:stream> is an ordinary element. */
	CHECK_INT(xml_parse_element(STREAM_HEADER "<m/></stream:stream>",
				    strlen(STREAM_HEADER "<m/></stream:stream>"), NULL, &el),
		  XE2E_OK);
	CHECK(el && strcmp(el->name, "stream") == 0 && el->n_children == 1);
	xml_free(el);
}

/* --- writing --- */

TEST(xml_write_stanza_to_closed_pipe_is_io_error)
{
	struct xml_node *m = xml_element_new("message", NULL);
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	int fds[2];

	CHECK_INT(pipe(fds), 0);
	close(fds[0]);
	CHECK_INT(xml_write_stanza(fds[1], m), XE2E_E_IO);
	CHECK(strstr(err_detail(), strerror(EPIPE)) != NULL);
	close(fds[1]);
	signal(SIGPIPE, old);
	xml_free(m);
}

/* A child copies the pipe into a file while the parent writes to the
 * non-blocking end: writes come out short and hit EAGAIN. */
TEST(xml_write_stanza_survives_short_writes)
{
	struct xml_node *m = xml_element_new("message", NULL);
	size_t n = 1536 * 1024, got_len = 0;
	char *text = malloc(n), *want, *got = NULL, path[300], buf[4096];
	int fds[2], status, fd;
	ssize_t r;
	pid_t pid;

	CHECK(m && text);
	if (!m || !text)
		return;
	for (size_t i = 0; i < n; i++)
		text[i] = "ab<&>\n\r'\"c"[i % 10];
	CHECK_INT(xml_append_text(m, text, n), XE2E_OK);
	CHECK_INT(xml_set_attr(m, "note", "x'y\tz"), XE2E_OK);
	snprintf(path, sizeof(path), "%s/copy", unit_tmpdir());
	CHECK_INT(pipe(fds), 0);
	pid = fork();
	if (pid == 0) {
		close(fds[1]);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		while ((r = read(fds[0], buf, sizeof(buf))) > 0)
			if (write(fd, buf, (size_t)r) != r)
				_exit(1);
		_exit(close(fd) != 0);
	}
	close(fds[0]);
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	CHECK_INT(xml_write_stanza(fds[1], m), XE2E_OK);
	close(fds[1]);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	want = tx_ser(m);
	got = unit_read_file(path, &got_len);
	CHECK(want && got);
	if (want && got) {
		CHECK_INT(got_len, strlen(want) + 1);
		CHECK(got_len == strlen(want) + 1 && memcmp(got, want, got_len - 1) == 0);
		CHECK_INT(got[got_len - 1], '\n');
		CHECK(memchr(got, '\n', got_len - 1) == NULL);
	}
	unit_note("%zu bytes written through a non-blocking pipe", got_len);
	free(want);
	free(got);
	free(text);
	xml_free(m);
}
