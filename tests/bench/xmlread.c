/*
 * What a stanza stream costs per byte to read, in each read mode and from
 * each kind of fd a program's standard input may be: the buffered mode of
 * xe2e-seal and xe2e-open, and the exact mode of xe2e-handshake and
 * xe2e-verify-sas, which must leave what follows the stanza it hands over
 * to the next program (xml_exact.c). The reference: one read(2) per byte
 * over the same pipe, without parsing, the least the exact mode cost when
 * it read a byte at a time.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "err.h"
#include "xml.h"

#define STREAM_BYTES (1 << 20)

static char *stream;
static size_t stream_len;
static unsigned long stream_stanzas;

static void fail(const char *what)
{
	fprintf(stderr, "xmlread bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* About 1 MiB of chat messages, one per line, as xe2e-open writes them. */
static void stream_make(void)
{
	size_t cap = STREAM_BYTES + 512;

	stream = malloc(cap);
	if (!stream)
		fail("malloc");
	while (stream_len < STREAM_BYTES) {
		stream_len += (size_t)snprintf(
			stream + stream_len, cap - stream_len,
			"<message to='bob@montague.lit/garden' from='alice@capulet.lit/balcony' "
			"type='chat' id='m%lu'><body>But soft, what light through yonder window "
			"breaks? It is the east, and Juliet is the sun.</body></message>\n",
			stream_stanzas);
		stream_stanzas++;
	}
}

/* A child that writes the stream to fd and exits. */
static pid_t writer(int fd)
{
	pid_t pid = fork();

	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		size_t off = 0;

		while (off < stream_len) {
			ssize_t n = write(fd, stream + off, stream_len - off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				_exit(1);
			off += (size_t)n;
		}
		_exit(0);
	}
	return pid;
}

/* An fd to read the stream from: 0 a file, 1 a pipe, 2 a socket; *pid is
 * the writer's for the last two. */
static int source(int kind, pid_t *pid)
{
	char path[] = "/tmp/xe2e-bench-xmlread-XXXXXX";
	int fds[2], fd;

	*pid = 0;
	if (kind == 0) {
		fd = mkstemp(path);
		if (fd < 0)
			fail("mkstemp");
		unlink(path);
		if (write(fd, stream, stream_len) != (ssize_t)stream_len || lseek(fd, 0, SEEK_SET))
			fail("write");
		return fd;
	}
	if ((kind == 1 ? pipe(fds) : socketpair(AF_UNIX, SOCK_STREAM, 0, fds)) != 0)
		fail("pipe");
	*pid = writer(fds[1]);
	close(fds[1]);
	return fds[0];
}

static void reap(pid_t pid)
{
	int status;

	if (pid > 0 && (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
			WEXITSTATUS(status) != 0)) {
		fprintf(stderr, "xmlread bench: the writer failed\n");
		exit(1);
	}
}

/* Reads every stanza of the stream; seconds of wall and CPU time. */
static void read_all(int kind, enum xml_reader_mode mode, double *wall, double *cpu)
{
	struct xml_reader *r = NULL;
	struct xml_node *s = NULL;
	unsigned long n = 0;
	double w0, c0;
	pid_t pid;
	int fd = source(kind, &pid), err;

	w0 = bench_now();
	c0 = bench_cpu();
	if (xml_reader_new(&r, fd, mode, NULL))
		fail("xml_reader_new");
	while ((err = xml_reader_next(r, &s)) == XE2E_OK) {
		xml_free(s);
		n++;
	}
	*cpu = bench_cpu() - c0;
	*wall = bench_now() - w0;
	xml_reader_free(r);
	close(fd);
	reap(pid);
	if (err != XE2E_E_EOF || n != stream_stanzas) {
		fprintf(stderr, "xmlread bench: read %lu of %lu stanzas (%s)\n", n, stream_stanzas,
			err_detail());
		exit(1);
	}
}

/* One read(2) of a byte at a time over a pipe, parsing nothing. */
static void bytewise(double *wall, double *cpu)
{
	pid_t pid;
	int fd = source(1, &pid);
	double w0 = bench_now(), c0 = bench_cpu();
	size_t got = 0;
	char c;
	ssize_t n;

	while ((n = read(fd, &c, 1)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fail("read");
		got++;
	}
	*cpu = bench_cpu() - c0;
	*wall = bench_now() - w0;
	close(fd);
	reap(pid);
	if (got != stream_len)
		fail("short read");
}

int main(void)
{
	static const char *const kinds[3] = {"file", "pipe", "socket"};
	double mib, wall[2], cpu[2], bw, bc, pipe_cpu = 0;

	signal(SIGPIPE, SIG_IGN);
	alarm(300); /* nothing may hang make bench */
	stream_make();
	mib = (double)stream_len / (1 << 20);
	printf("### Reading a stanza stream\n\n"
	       "Method: %lu chat messages, %.2f MiB, read by the library's stanza reader "
	       "(xml_reader_next: parsed into trees, then freed) from a file, a pipe and a "
	       "socket (written by a child process), in the buffered mode of xe2e-seal and "
	       "xe2e-open and in the exact mode of xe2e-handshake and xe2e-verify-sas, which "
	       "never takes off the fd what follows the stanza it hands over: it reads "
	       "blocks it looks at first (pread on a file, tee on a pipe, MSG_PEEK on a "
	       "socket) and then takes exactly the stanza's bytes, one more system call per "
	       "stanza. Wall and CPU time of the "
	       "reading process per MiB; ratio = exact / buffered CPU. The reference row: "
	       "read(2) of one byte at a time over the same pipe, parsing nothing, the least "
	       "the exact mode cost when it read that way (its ratio to the buffered pipe).\n\n"
	       "| fd | buffered wall | buffered CPU | exact wall | exact CPU | ratio |\n"
	       "| --- | --- | --- | --- | --- | --- |\n",
	       stream_stanzas, mib);
	for (int k = 0; k < 3; k++) {
		read_all(k, XML_READ_BUFFERED, &wall[0], &cpu[0]);
		read_all(k, XML_READ_EXACT, &wall[1], &cpu[1]);
		printf("| %s | %.1f ms/MiB | %.1f ms/MiB | %.1f ms/MiB | %.1f ms/MiB | %.2f |\n",
		       kinds[k], wall[0] / mib * 1e3, cpu[0] / mib * 1e3, wall[1] / mib * 1e3,
		       cpu[1] / mib * 1e3, cpu[1] / cpu[0]);
		if (k == 1)
			pipe_cpu = cpu[0];
	}
	bytewise(&bw, &bc);
	printf("| pipe, read(2) of one byte at a time, no parsing | - | - | %.1f ms/MiB | "
	       "%.1f ms/MiB | %.2f |\n\n",
	       bw / mib * 1e3, bc / mib * 1e3, bc / pipe_cpu);
	free(stream);
	return 0;
}
