/*
 * Hostile input: the corpus in tests/xml/hostile (expected codes in its
 * EXPECTED file) and large inputs generated here. Each must end in a clear
 * error with the right code and a position, quickly, without a crash.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "test_xml.h"
#include "unit.h"
#include "xml.h"

#define MiB (1024 * 1024)

static int code_of(const char *s)
{
	if (strcmp(s, "XML") == 0)
		return XE2E_E_XML;
	if (strcmp(s, "MALFORMED") == 0)
		return XE2E_E_MALFORMED;
	if (strcmp(s, "LIMIT") == 0)
		return XE2E_E_LIMIT;
	return -1;
}

/* The code that ends reading the file in mode. */
static int read_file_end(const char *path, enum xml_reader_mode mode)
{
	size_t count;
	int fd = open(path, O_RDONLY), end = XE2E_E_IO;
	char *out;

	if (fd < 0)
		return XE2E_E_IO;
	out = tx_read_all(fd, mode, NULL, &count, &end);
	free(out);
	close(fd);
	return end;
}

static void hostile_one(const char *name, int want, int stream_only, size_t *runs)
{
	const char *path = tx_corpus("hostile", name);
	enum xml_reader_mode modes[2] = {XML_READ_BUFFERED, XML_READ_EXACT};
	struct xml_node *el = NULL;
	size_t len;
	char *data;
	int got;

	for (int m = 0; m < 2; m++, (*runs)++) {
		got = read_file_end(path, modes[m]);
		if (got != want)
			unit_fail(__FILE__, __LINE__, "%s (mode %d): got %d (%s), want %d", name, m,
				  got, err_detail(), want);
		if (!tx_detail_has_position())
			unit_fail(__FILE__, __LINE__, "%s: detail without position: %s", name,
				  err_detail());
	}
	if (stream_only)
		return;
	data = unit_read_file(path, &len);
	CHECK(data != NULL);
	if (data) {
		got = xml_parse_element(data, len, NULL, &el);
		if (got != want)
			unit_fail(__FILE__, __LINE__, "%s (memory): got %d (%s), want %d", name, got,
				  err_detail(), want);
		CHECK(el == NULL);
		(*runs)++;
	}
	free(data);
}

TEST(xml_hostile_corpus)
{
	char *list = unit_read_file(tx_corpus("hostile", "EXPECTED"), NULL);
	char name[128], code[32], flag[32], *line, *save = NULL;
	size_t cases = 0, runs = 0;
	int want, fields;

	CHECK(list != NULL);
	for (line = list ? strtok_r(list, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		fields = sscanf(line, "%127s %31s %31s", name, code, flag);
		if (fields < 2)
			continue;
		want = code_of(code);
		CHECK(want > 0);
		hostile_one(name, want, fields == 3 && strcmp(flag, "stream") == 0, &runs);
		cases++;
	}
	CHECK(cases >= 40);
	unit_note("%zu hostile files, %zu reads (buffered, exact, memory)", cases, runs);
	free(list);
}

/* --- generated input --- */

/* A child writes head, then unit repeated n times, then tail into a pipe;
 * returns the read end. The child dies of SIGPIPE when the reader stops. */
static int pipe_feed(const char *head, const char *unit, size_t n, const char *tail, pid_t *pid)
{
	int fds[2];
	char block[65536];
	size_t ul = strlen(unit), per = sizeof(block) / ul;

	if (pipe(fds) != 0)
		return -1;
	*pid = fork();
	if (*pid < 0)
		return -1;
	if (*pid > 0) {
		close(fds[1]);
		return fds[0];
	}
	close(fds[0]);
	signal(SIGPIPE, SIG_DFL);
	for (size_t i = 0; i < per; i++)
		memcpy(block + i * ul, unit, ul);
	if (write(fds[1], head, strlen(head)) < 0)
		_exit(1);
	for (size_t done = 0; done < n; done += per)
		if (write(fds[1], block, (n - done < per ? n - done : per) * ul) < 0)
			_exit(1);
	if (write(fds[1], tail, strlen(tail)) < 0)
		_exit(1);
	_exit(0);
}

/* A temporary file of head, unit repeated n times, tail. */
static int file_feed(const char *head, const char *unit, size_t n, const char *tail)
{
	size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
	char *data = malloc(hl + n * ul + tl);
	int fd;

	if (!data)
		return -1;
	memcpy(data, head, hl);
	for (size_t i = 0; i < n; i++)
		memcpy(data + hl + i * ul, unit, ul);
	memcpy(data + hl + n * ul, tail, tl);
	fd = tx_fd_with(data, hl + n * ul + tl);
	free(data);
	return fd;
}

static int end_of(int fd, enum xml_reader_mode mode, const struct xml_limits *lim)
{
	size_t count;
	int end;
	char *out = tx_read_all(fd, mode, lim, &count, &end);

	free(out);
	return end;
}

static void reap(pid_t pid)
{
	int status;

	waitpid(pid, &status, 0);
}

TEST(xml_hostile_10mb_stanza_refused_early)
{
	size_t ten = 10 * MiB;
	pid_t pid;
	off_t at;
	int fd;

	/* Through a pipe. */
	fd = pipe_feed("<message to='victim@example.com'><body>", "A", ten, "</body></message>", &pid);
	CHECK(fd >= 0);
	CHECK_INT(end_of(fd, XML_READ_BUFFERED, NULL), XE2E_E_LIMIT);
	CHECK(strstr(err_detail(), "max_stanza_bytes (1048576)") != NULL);
	CHECK(tx_detail_has_position());
	close(fd);
	reap(pid);

	/* From a file: the reader stops reading soon after 1 MiB. */
	fd = file_feed("<message><body>", "A", ten, "</body></message>");
	CHECK(fd >= 0);
	CHECK_INT(end_of(fd, XML_READ_BUFFERED, NULL), XE2E_E_LIMIT);
	at = lseek(fd, 0, SEEK_CUR);
	CHECK(at > MiB && at <= MiB + 8192);
	close(fd);

	/* One 10 MB attribute value: expat never sees a whole token. */
	fd = file_feed("<message to='", "B", ten, "'/>");
	CHECK(fd >= 0);
	CHECK_INT(end_of(fd, XML_READ_BUFFERED, NULL), XE2E_E_LIMIT);
	at = lseek(fd, 0, SEEK_CUR);
	CHECK(at > MiB && at <= MiB + 8192);
	close(fd);
	unit_note("10 MiB stanza and attribute refused after %lld bytes", (long long)at);
}

/* Exact mode reads a file in blocks it looks at before it takes them
 * (xml_exact.c); what it had read when it refused a stanza is gone. */
#define EXACT_BLOCK 4096

TEST(xml_hostile_exact_mode_stops_at_limit)
{
	struct xml_limits lim = xml_limits_default();
	off_t at;
	int fd;

	lim.max_stanza_bytes = 4096;
	fd = file_feed("<message><body>", "C", MiB, "</body></message>");
	CHECK(fd >= 0);
	CHECK_INT(end_of(fd, XML_READ_EXACT, &lim), XE2E_E_LIMIT);
	CHECK(strstr(err_detail(), "max_stanza_bytes (4096)") != NULL);
	at = lseek(fd, 0, SEEK_CUR);
	CHECK(at > 4096 && at <= 4096 + EXACT_BLOCK);
	close(fd);
}

/* Reads head, unit n times, tail in exact mode with a stanza limit of max
 * bytes; fails unless it is refused as too large soon after max bytes. */
static void exact_refused_at(size_t max, const char *head, const char *unit, size_t n,
			     const char *tail)
{
	struct xml_limits lim = xml_limits_default();
	char want[64];
	off_t at;
	int fd = file_feed(head, unit, n, tail);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	lim.max_stanza_bytes = max;
	snprintf(want, sizeof(want), "max_stanza_bytes (%zu)", max);
	if (end_of(fd, XML_READ_EXACT, &lim) != XE2E_E_LIMIT || !strstr(err_detail(), want))
		unit_fail(__FILE__, __LINE__, "%s%s...: not refused as too large: %s", head, unit,
			  err_detail());
	CHECK(tx_detail_has_position());
	at = lseek(fd, 0, SEEK_CUR);
	if (at <= (off_t)max || at > (off_t)max + EXACT_BLOCK)
		unit_fail(__FILE__, __LINE__, "%s%s...: read %lld bytes", head, unit,
			  (long long)at);
	close(fd);
}

/*
 * Exact mode reads one byte at a time but must not make expat scan a long
 * token again for each byte (which made a token of 1 MiB take minutes): a
 * token over the limit, in every kind of markup a token can be long in,
 * and a stanza of small tokens four times the limit, are each refused as
 * too large soon after the limit.
 */
TEST(xml_hostile_exact_mode_long_tokens)
{
	static const struct {
		const char *head, *unit;
		size_t n;
		const char *tail;
	} cases[] = {
		{"<message a='", "v", MiB, "'/>"},
		{"<message a=\"", ">", MiB, "\"/>"},
		{"<message", " ", MiB, "/>"},
		{"<message>", "&amp;", MiB, "</message>"},
		{"<message>&", "e", MiB, ";</message>"},
		{"<message>&#x", "0", MiB, "41;</message>"},
		{"<message><![CDATA[", "]>", MiB, "]]></message>"},
		{"<message>", "x", MiB, "</message>"},
		{"<message></", "n", MiB, ">"},
	};
	size_t n = sizeof(cases) / sizeof(cases[0]);

	/* At the default limit: a name of 1 MiB, a stanza of 4 MiB of <a/>. */
	exact_refused_at(MiB, "<", "n", MiB + 1, "/>");
	exact_refused_at(MiB, "<message>", "<a/>", MiB, "</message>");
	for (size_t i = 0; i < n; i++)
		exact_refused_at(MiB / 4, cases[i].head, cases[i].unit, cases[i].n, cases[i].tail);
	unit_note("%zu kinds of long token and a stanza of 4 MiB refused soon after the limit",
		  n + 1);
}

/* A legal stanza just under the limit, made of long tokens and many short
 * ones: read whole in exact mode, nothing past its end consumed. */
TEST(xml_exact_mode_large_stanza_then_the_next)
{
	size_t a_len = MiB / 4, b_len = MiB / 4, kids = 20000, len = 0, count;
	char *in = malloc(MiB), *rest;
	struct xml_reader *r = NULL;
	struct xml_node *s = NULL, *body;
	int fd, end;

	CHECK(in != NULL);
	if (!in)
		return;
	len += (size_t)sprintf(in + len, "<message id='big' a='");
	memset(in + len, 'v', a_len);
	len += a_len;
	len += (size_t)sprintf(in + len, "' b=\"");
	memset(in + len, '>', b_len);
	len += b_len;
	len += (size_t)sprintf(in + len, "\"><body>");
	for (size_t i = 0; i < kids; i++)
		len += (size_t)sprintf(in + len, "<x k='/>'/>&amp;");
	len += (size_t)sprintf(in + len, "<![CDATA[</message>]]]></body></message>");
	if (len > MiB - 16)
		abort();
	memcpy(in + len, "<presence/>", 11);
	fd = tx_fd_with(in, len + 11);
	CHECK(fd >= 0);
	CHECK_INT(xml_reader_new(&r, fd, XML_READ_EXACT, NULL), XE2E_OK);
	CHECK_INT(xml_reader_next(r, &s), XE2E_OK);
	CHECK_INT(lseek(fd, 0, SEEK_CUR), len);
	body = s ? xml_find_child(s, "body", NULL) : NULL;
	CHECK(body != NULL);
	if (body) {
		CHECK_INT(strlen(xml_get_attr(s, "a")), a_len);
		CHECK_INT(strlen(xml_get_attr(s, "b")), b_len);
		CHECK_INT(body->n_children, 2 * kids);
		CHECK_STR(xml_get_attr(body->children[0], "k"), "/>");
	}
	xml_free(s);
	xml_reader_free(r);
	rest = tx_read_all(fd, XML_READ_EXACT, NULL, &count, &end);
	CHECK_STR(rest, "<presence/>\n");
	CHECK_INT(end, XE2E_E_EOF);
	unit_note("a stanza of %zu bytes read whole, the next left unread", len);
	free(rest);
	free(in);
	close(fd);
}

TEST(xml_hostile_100k_deep_nesting)
{
	enum xml_reader_mode modes[2] = {XML_READ_BUFFERED, XML_READ_EXACT};
	pid_t pid;
	int fd;

	for (int m = 0; m < 2; m++) {
		fd = pipe_feed("<message>", "<a>", 100000, "", &pid);
		CHECK(fd >= 0);
		CHECK_INT(end_of(fd, modes[m], NULL), XE2E_E_LIMIT);
		CHECK(strstr(err_detail(), "max_depth (64)") != NULL);
		CHECK(tx_detail_has_position());
		close(fd);
		reap(pid);
	}
	fd = file_feed("<iq type='set'>", "<x xmlns='urn:deep'>", 100000, "");
	CHECK(fd >= 0);
	CHECK_INT(end_of(fd, XML_READ_BUFFERED, NULL), XE2E_E_LIMIT);
	close(fd);
}

/* --- bounds at their edges --- */

static int read_string(const char *s, const struct xml_limits *lim, size_t *count)
{
	int end;
	char *out = tx_read_mem(s, strlen(s), XML_READ_BUFFERED, lim, count, &end);

	free(out);
	return end;
}

static char *nested(unsigned depth)
{
	char *s = malloc(20 + 7 * (size_t)depth + 1), *p = s;

	if (!s)
		return NULL;
	p += sprintf(p, "<message>");
	for (unsigned i = 0; i < depth; i++)
		p += sprintf(p, "<x>");
	for (unsigned i = 0; i < depth; i++)
		p += sprintf(p, "</x>");
	sprintf(p, "</message>");
	return s;
}

static char *with_attrs(unsigned decls, unsigned attrs)
{
	char *s = malloc(32 + 40 * (size_t)(decls + attrs)), *p = s;

	if (!s)
		return NULL;
	p += sprintf(p, "<message");
	for (unsigned i = 0; i < decls; i++)
		p += sprintf(p, " xmlns:p%u='urn:p%u'", i, i);
	for (unsigned i = 0; i < attrs; i++)
		p += sprintf(p, " a%u='%u'", i, i);
	sprintf(p, "/>");
	return s;
}

TEST(xml_limits_at_their_edges)
{
	size_t count;
	char *s;

	s = nested(64);
	CHECK_INT(read_string(s, NULL, &count), XE2E_E_EOF);
	CHECK_INT(count, 1);
	free(s);
	s = nested(65);
	CHECK_INT(read_string(s, NULL, &count), XE2E_E_LIMIT);
	CHECK_INT(count, 0);
	free(s);
	s = with_attrs(0, 64);
	CHECK_INT(read_string(s, NULL, &count), XE2E_E_EOF);
	free(s);
	s = with_attrs(32, 32);
	CHECK_INT(read_string(s, NULL, &count), XE2E_E_EOF);
	free(s);
	s = with_attrs(32, 33);
	CHECK_INT(read_string(s, NULL, &count), XE2E_E_LIMIT);
	CHECK(strstr(err_detail(), "max_attrs (64)") != NULL);
	free(s);
}

/* A stanza of exactly n bytes: <m>AAA...</m>. */
static char *stanza_of(size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		return NULL;
	memcpy(s, "<m>", 3);
	memset(s + 3, 'A', n - 7);
	memcpy(s + n - 4, "</m>", 5);
	return s;
}

TEST(xml_limit_stanza_bytes_exact_edge)
{
	struct xml_limits lim = xml_limits_default();
	size_t count;
	char *s;

	s = stanza_of(MiB);
	CHECK_INT(read_string(s, NULL, &count), XE2E_E_EOF);
	CHECK_INT(count, 1);
	free(s);
	s = stanza_of(MiB + 1);
	CHECK_INT(read_string(s, NULL, &count), XE2E_E_LIMIT);
	CHECK_INT(count, 0);
	free(s);
	lim.max_stanza_bytes = 100;
	s = stanza_of(100);
	CHECK_INT(read_string(s, &lim, &count), XE2E_E_EOF);
	free(s);
	s = stanza_of(101);
	CHECK_INT(read_string(s, &lim, &count), XE2E_E_LIMIT);
	CHECK(strstr(err_detail(), "max_stanza_bytes (100)") != NULL);
	free(s);
}

TEST(xml_limits_custom_values_named)
{
	struct xml_limits lim = xml_limits_default();
	size_t count;

	lim.max_attrs = 2;
	CHECK_INT(read_string("<m a='1' b='2'/>", &lim, &count), XE2E_E_EOF);
	CHECK_INT(read_string("<m a='1' b='2' c='3'/>", &lim, &count), XE2E_E_LIMIT);
	CHECK(strstr(err_detail(), "max_attrs (2)") != NULL);
	CHECK_INT(read_string("<m xmlns:a='u:a' a:b='1' c='3'/>", &lim, &count), XE2E_E_LIMIT);
	lim = xml_limits_default();
	lim.max_depth = 1;
	CHECK_INT(read_string("<m><a/><b>t</b></m>", &lim, &count), XE2E_E_EOF);
	CHECK_INT(read_string("<m><a><b/></a></m>", &lim, &count), XE2E_E_LIMIT);
	CHECK(strstr(err_detail(), "max_depth (1)") != NULL);
}

/* The size bound is per stanza: many small stanzas in one read are fine,
 * and so is white space between them (keepalives). */
TEST(xml_limit_is_per_stanza)
{
	struct xml_limits lim = xml_limits_default();
	char *many = malloc(200 * 16 + 1), *p = many;
	size_t count;
	int fd, end;
	char *out;

	CHECK(many != NULL);
	if (!many)
		return;
	for (int i = 0; i < 200; i++)
		p += sprintf(p, "<m id='%03d'/>\n", i);
	lim.max_stanza_bytes = 32;
	CHECK_INT(read_string(many, &lim, &count), XE2E_E_EOF);
	CHECK_INT(count, 200);
	free(many);

	fd = file_feed("", " \n", 2 * MiB, "<presence/>");
	CHECK(fd >= 0);
	out = tx_read_all(fd, XML_READ_BUFFERED, NULL, &count, &end);
	CHECK_INT(end, XE2E_E_EOF);
	CHECK_STR(out, "<presence/>\n");
	free(out);
	close(fd);
	fd = file_feed("<stream:stream xmlns='jabber:client' "
		       "xmlns:stream='http://etherx.jabber.org/streams'><message/>",
		       " ", 3 * MiB, "<presence/></stream:stream>");
	CHECK(fd >= 0);
	CHECK_INT(end_of(fd, XML_READ_BUFFERED, NULL), XE2E_E_EOF);
	close(fd);
}

TEST(xml_errors_are_final)
{
	static const char in[] = "<m/>\n<m><!-- no --></m><m/>";
	struct xml_reader *r = NULL;
	struct xml_node *s = NULL;
	char first[256];
	int fd = tx_fd_with(in, sizeof(in) - 1);

	CHECK_INT(xml_reader_new(&r, fd, XML_READ_BUFFERED, NULL), XE2E_OK);
	CHECK_INT(xml_reader_next(r, &s), XE2E_OK);
	xml_free(s);
	CHECK_INT(xml_reader_next(r, &s), XE2E_E_XML);
	CHECK(s == NULL);
	snprintf(first, sizeof(first), "%s", err_detail());
	CHECK(strstr(first, "comment") != NULL);
	err_detail_clear();
	for (int i = 0; i < 3; i++) {
		CHECK_INT(xml_reader_next(r, &s), XE2E_E_XML);
		CHECK(s == NULL);
		CHECK_STR(err_detail(), first);
	}
	xml_reader_free(r);
	close(fd);
}

static void check_position(const char *in, int want, const char *where)
{
	size_t count;

	CHECK_INT(read_string(in, NULL, &count), want);
	if (!strstr(err_detail(), where))
		unit_fail(__FILE__, __LINE__, "detail \"%s\" does not say \"%s\"", err_detail(),
			  where);
}

TEST(xml_error_positions)
{
	check_position("<message>\n  <body>hi</body>\n  <!-- x -->", XE2E_E_XML,
		       "at line 3, column 3");
	/* The synthetic root fed before the first stanza does not shift columns. */
	check_position("<?xml version='1.0'?><m><!--x--></m>", XE2E_E_XML, "at line 1, column 25");
	check_position("<m><x:y/></m>", XE2E_E_MALFORMED, "at line 1, column 4");
	check_position("<m/>\n\n   junk", XE2E_E_MALFORMED, "at line 3, column 4");
	check_position("<message>\n<body>\nunfinished", XE2E_E_MALFORMED,
		       "unexpected end of input inside <message> at line 3, column 11");
	check_position("<stream:stream xmlns:stream='http://etherx.jabber.org/streams'>\n"
		       "<stream:features><x/>",
		       XE2E_E_MALFORMED, "inside <stream:features> at line 2");
}
