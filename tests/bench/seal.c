/*
 * xe2e-seal and xe2e-open as they run: the bytes a sealed chat message
 * adds, streaming throughput next to the AEAD alone, the cost of a
 * one-stanza seal process next to the empty program, and the cost per
 * message of an alternating conversation between long-running processes.
 *
 * Alice and Bob get identities (xe2e-keygen) and a session (xe2e-handshake
 * through FIFOs) in temporary homes, once on the disk (/tmp) and once in
 * memory (/dev/shm), where fsync costs nothing: the difference is what the
 * durability of the session state costs. The programs come from PATH, as
 * make bench sets it; the empty program from this program's directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mbedtls/base64.h>

#include "aead.h"
#include "bench.h"
#include "channel.h"
#include "err.h"
#include "session.h"

#define ALICE "alice@capulet.lit/balcony"
#define BOB "bob@montague.lit/garden"
#define TURNS 1000

static char empty_path[PATH_MAX];

struct place {
	const char *what; /* "disk", "memory" */
	char base[64];
	char alice[96], bob[96];
};

static struct place places[2] = {
	{"disk (/tmp)", "/tmp/xe2e-bench-seal-XXXXXX", "", ""},
	{"memory (/dev/shm)", "/dev/shm/xe2e-bench-seal-XXXXXX", "", ""},
};

static void fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "seal bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static void cleanup(void)
{
	char cmd[200];

	for (int i = 0; i < 2; i++) {
		if (places[i].alice[0]) {
			snprintf(cmd, sizeof(cmd), "rm -rf '%s'", places[i].base);
			if (system(cmd) != 0)
				fprintf(stderr, "seal bench: could not remove %s\n", places[i].base);
		}
	}
}

static pid_t spawn(char *const argv[], const char *home, int in, int out)
{
	pid_t pid = bench_spawn(argv, home, in, out);

	if (pid < 0)
		fail("fork: %s", strerror(errno));
	return pid;
}

/* Waits for pid, which must succeed; adds its user and system time. */
static void reap(pid_t pid, const char *name, double *cpu)
{
	double c = 0;
	int status = bench_reap(pid, &c);

	if (status != 0)
		fail("%s failed (status %d)", name, status);
	*cpu += c;
}

/* Runs argv once, stdin from in_path, stdout to out_path; adds its wall
 * and CPU time. */
static void run_files(char *const argv[], const char *home, const char *in_path,
		      const char *out_path, double *wall, double *cpu)
{
	int in = open(in_path, O_RDONLY | O_CLOEXEC);
	int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	double start, c = 0;
	pid_t pid;

	if (in < 0 || out < 0)
		fail("cannot open %s or %s: %s", in_path, out_path, strerror(errno));
	start = bench_now();
	pid = spawn(argv, home, in, out);
	close(in);
	close(out);
	reap(pid, argv[0], &c);
	if (wall)
		*wall += bench_now() - start;
	if (cpu)
		*cpu += c;
}

static void sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail("setup failed: %s", cmd);
}

/* Identities and a session (XXpsk2, Alice initiating) in a new place. */
static void place_setup(struct place *p)
{
	if (!mkdtemp(p->base))
		fail("mkdtemp %s: %s", p->base, strerror(errno));
	snprintf(p->alice, sizeof(p->alice), "%s/alice", p->base);
	snprintf(p->bob, sizeof(p->bob), "%s/bob", p->base);
	sh("set -e; cd '%s'; "
	   "XE2E_HOME=$PWD/alice xe2e-keygen --jid alice@capulet.lit >/dev/null 2>&1; "
	   "XE2E_HOME=$PWD/bob xe2e-keygen --jid bob@montague.lit >/dev/null 2>&1; "
	   "mkfifo ab ba; "
	   "XE2E_HOME=$PWD/bob timeout 30 xe2e-handshake --respond --resource garden --quiet "
	   "<ab >ba & "
	   "XE2E_HOME=$PWD/alice timeout 30 xe2e-handshake --to " BOB " --resource balcony "
	   "--quiet >ab <ba; wait $!",
	   p->base);
}

/* A file path in the place. */
static const char *path(const struct place *p, const char *name)
{
	static char buf[4][160];
	static int next;
	char *out = buf[next++ % 4];

	snprintf(out, sizeof(buf[0]), "%s/%s", p->base, name);
	return out;
}

/* One chat message line, its body size bytes of text. */
static void msg_line(FILE *f, const char *from, const char *to, const char *id, size_t size)
{
	fprintf(f, "<message to='%s' from='%s' type='chat' id='%s'><body>", to, from, id);
	for (size_t i = 0; i < size; i++)
		fputc("abcdefghijklmnopqrstuvwxyz .,ABCDEFGHIJKLMNOPQRSTUVWXYZ"[i * 7 % 55], f);
	fputs("</body></message>\n", f);
}

/* n messages into a file, ids PREFIX1.. */
static void msgs_file(const char *file, const char *from, const char *to, const char *prefix,
		      int n, size_t size)
{
	FILE *f = fopen(file, "w");
	char id[32];

	if (!f)
		fail("cannot write %s", file);
	for (int i = 1; i <= n; i++) {
		snprintf(id, sizeof(id), "%s%d", prefix, i);
		msg_line(f, from, to, id, size);
	}
	if (fclose(f))
		fail("cannot write %s", file);
}

static long file_size(const char *file)
{
	struct stat st;

	if (stat(file, &st))
		fail("stat %s: %s", file, strerror(errno));
	return (long)st.st_size;
}

static char *file_read(const char *file)
{
	long size = file_size(file);
	char *data = malloc((size_t)size + 1);
	FILE *f = fopen(file, "r");

	if (!data || !f || fread(data, 1, (size_t)size, f) != (size_t)size)
		fail("cannot read %s", file);
	fclose(f);
	data[size] = 0;
	return data;
}

static void files_same(const char *a, const char *b)
{
	char *x = file_read(a), *y = file_read(b);

	if (strcmp(x, y))
		fail("%s and %s differ: a stanza did not come back as it went in", a, b);
	free(x);
	free(y);
}

static char *seal_argv[] = {"xe2e-seal", NULL};
static char *open_argv[] = {"xe2e-open", NULL};

/* A message each way through one-stanza processes, three times: both sides
 * have stepped and acknowledged each other's ratchet keys. */
static void warm_up(const struct place *p)
{
	for (int i = 0; i < 3; i++) {
		msgs_file(path(p, "w.plain"), ALICE, BOB, "wa", 1, 11);
		run_files(seal_argv, p->alice, path(p, "w.plain"), path(p, "w.sealed"), NULL, NULL);
		run_files(open_argv, p->bob, path(p, "w.sealed"), path(p, "w.out"), NULL, NULL);
		msgs_file(path(p, "w.plain"), BOB, ALICE, "wb", 1, 13);
		run_files(seal_argv, p->bob, path(p, "w.plain"), path(p, "w.sealed"), NULL, NULL);
		run_files(open_argv, p->alice, path(p, "w.sealed"), path(p, "w.out"), NULL, NULL);
	}
}

/* Length of the text from the start of open to the end of close, in s. */
static long element_len(const char *s, const char *open, const char *close)
{
	const char *a = strstr(s, open), *b = a ? strstr(a, close) : NULL;

	return b ? (long)(b + strlen(close) - a) : 0;
}

static void bench_bytes(const struct place *p)
{
	const char *plain = path(p, "hello.plain"), *sealed = path(p, "hello.sealed");
	static const char open_tag[] = "<sealed xmlns='urn:xe2e:1'>";
	unsigned char bin[256];
	size_t bin_len = 0;
	long added, sealed_el, eme_el, b64_len;
	char *text, *b64, *plain_text;
	FILE *f = fopen(plain, "w");

	if (!f)
		fail("cannot write %s", plain);
	fprintf(f, "<message to='" BOB "' from='" ALICE "' type='chat' id='m1'>"
		   "<body>Hello, Bob!</body></message>\n");
	fclose(f);
	run_files(seal_argv, p->alice, plain, sealed, NULL, NULL);
	run_files(open_argv, p->bob, sealed, path(p, "hello.out"), NULL, NULL);
	files_same(plain, path(p, "hello.out"));

	text = file_read(sealed);
	plain_text = file_read(plain);
	added = file_size(sealed) - file_size(plain);
	sealed_el = element_len(text, open_tag, "</sealed>");
	eme_el = element_len(text, "<encryption ", "/>");
	b64 = strstr(text, open_tag);
	if (!b64 || !sealed_el)
		fail("no <sealed/> element in %s", sealed);
	b64 += strlen(open_tag);
	b64_len = (long)(strchr(b64, '<') - b64);
	if (mbedtls_base64_decode(bin, sizeof(bin), &bin_len, (unsigned char *)b64,
				  (size_t)b64_len))
		fail("the sealed content is not base64");

	printf("### Sealed chat message\n\n"
	       "Method: after three messages each way (both sides have stepped and "
	       "acknowledged each other's ratchet keys: the steady state), Alice seals the "
	       "chat message below; every byte that xe2e-seal wrote beyond the plain stanza "
	       "counts, newline and all. The header of the sealed message %s "
	       "(flags %u).\n\n"
	       "    %s\n\n"
	       "| plain | sealed | added | of which | target | XEP-0116 (139) | OMEMO (323 or "
	       "more) | OTR (347) |\n"
	       "| --- | --- | --- | --- | --- | --- | --- | --- |\n",
	       bin[0] ? "carries a ratchet key" : "carries no ratchet key", bin[0], strtok(plain_text, "\n"));
	printf("| %ld B | %ld B | %ld B | `<sealed/>` %ld B (%zu B binary: header, synthetic "
	       "nonce, framed and padded content, tag; %ld base64 characters) + EME `<encryption/>` %ld B − "
	       "`<body/>` %ld B | at most 139 B (%.2f) | %.2f | %.2f | %.2f |\n\n",
	       file_size(plain), file_size(sealed), added, sealed_el, bin_len, b64_len, eme_el,
	       (long)strlen("<body>Hello, Bob!</body>"), added / 139.0, added / 139.0,
	       added / 323.0, added / 347.0);
	free(text);
	free(plain_text);
}

/* AEAD alone (ChaChaPoly, the default suite's cipher), seal or open, in
 * bytes per second for size-byte messages. */
static double aead_rate(size_t size, int opening)
{
	uint8_t key[AEAD_KEY_LEN] = {1}, nonce[AEAD_NONCE_LEN] = {2};
	uint8_t *buf = calloc(1, size + AEAD_TAG_LEN), *ct = calloc(1, size + AEAD_TAG_LEN);
	double per_op;

	if (!buf || !ct)
		fail("out of memory");
	aead_seal(AEAD_CHACHAPOLY, key, nonce, NULL, 0, buf, size, ct);
	if (opening)
		BENCH_LOOP(0.2, per_op,
			   aead_open(AEAD_CHACHAPOLY, key, nonce, NULL, 0, ct, size + AEAD_TAG_LEN,
				     buf));
	else
		BENCH_LOOP(0.2, per_op,
			   aead_seal(AEAD_CHACHAPOLY, key, nonce, NULL, 0, buf, size, buf));
	free(buf);
	free(ct);
	return (double)size / per_op;
}

static void rate_row(const char *what, const char *op, int n, size_t size, double wall,
		     double cpu, double aead)
{
	if (size >= 4096)
		printf("| %s | %s | %d | %.1f MB/s | %.1f MB/s | %.1f MB/s | %.2g |\n", what, op, n,
		       (double)n * (double)size / wall / 1e6, (double)n * (double)size / cpu / 1e6,
		       aead / 1e6, (double)n * (double)size / wall / aead);
	else
		printf("| %s | %s | %d | %.0f /s | %.0f /s | %.0f /s | %.2g |\n", what, op, n,
		       n / wall, n / cpu, aead / (double)size, n / wall / (aead / (double)size));
}

/* Per-stanza wall time of xe2e-open with the default options on 200-byte
 * messages, for the goal line under the table. */
static double open_default_us;
static int open_default_n;

/*
 * Seals n messages of size bytes in one process, opens them in one process
 * with the default options (group commit), seals and opens n more with
 * --batch 64, then n1 more with --batch 1 (a transaction per stanza).
 */
static void bench_stream(const struct place *p, size_t size, int n, int n1, const char *what)
{
	static char *open64_argv[] = {"xe2e-open", "--batch", "64", NULL};
	static char *open1_argv[] = {"xe2e-open", "--batch", "1", NULL};
	double w_seal = 0, c_seal = 0, w_open = 0, c_open = 0, w_open64 = 0, c_open64 = 0;
	double w_open1 = 0, c_open1 = 0;
	double aead_s = aead_rate(size, 0), aead_o = aead_rate(size, 1);

	msgs_file(path(p, "s.plain"), ALICE, BOB, "s", n, size);
	msgs_file(path(p, "s64.plain"), ALICE, BOB, "u", n, size);
	msgs_file(path(p, "s1.plain"), ALICE, BOB, "t", n1, size);
	run_files(seal_argv, p->alice, path(p, "s.plain"), path(p, "s.sealed"), &w_seal, &c_seal);
	run_files(seal_argv, p->alice, path(p, "s64.plain"), path(p, "s64.sealed"), NULL, NULL);
	run_files(seal_argv, p->alice, path(p, "s1.plain"), path(p, "s1.sealed"), NULL, NULL);
	run_files(open_argv, p->bob, path(p, "s.sealed"), path(p, "s.out"), &w_open, &c_open);
	run_files(open64_argv, p->bob, path(p, "s64.sealed"), path(p, "s64.out"), &w_open64,
		  &c_open64);
	run_files(open1_argv, p->bob, path(p, "s1.sealed"), path(p, "s1.out"), &w_open1, &c_open1);
	files_same(path(p, "s.plain"), path(p, "s.out"));
	files_same(path(p, "s64.plain"), path(p, "s64.out"));
	files_same(path(p, "s1.plain"), path(p, "s1.out"));
	rate_row(what, "xe2e-seal", n, size, w_seal, c_seal, aead_s);
	rate_row(what, "xe2e-open (default: group commit)", n, size, w_open, c_open, aead_o);
	rate_row(what, "xe2e-open --batch 64", n, size, w_open64, c_open64, aead_o);
	rate_row(what, "xe2e-open --batch 1 (one stanza per transaction)", n1, size, w_open1,
		 c_open1, aead_o);
	if (size < 4096) {
		open_default_us = w_open / n * 1e6;
		open_default_n = n;
	}
}

/* One stanza per xe2e-seal process, runs times, next to the empty program
 * run the same way. */
static void bench_process(const struct place *p, int runs)
{
	char *empty_argv[] = {empty_path, NULL};
	double w_seal = 0, c_seal = 0, w_empty = 0, c_empty = 0;
	char id[32];

	for (int i = 0; i < runs; i++) {
		FILE *f = fopen(path(p, "one.plain"), "w");

		if (!f)
			fail("cannot write");
		snprintf(id, sizeof(id), "one%d", i);
		msg_line(f, ALICE, BOB, id, 11);
		fclose(f);
		run_files(seal_argv, p->alice, path(p, "one.plain"), path(p, "one.sealed"), &w_seal,
			  &c_seal);
		run_files(empty_argv, p->alice, path(p, "one.plain"), path(p, "one.sealed.e"),
			  &w_empty, &c_empty);
	}
	printf("| %s | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %.2f | %.2f |\n", p->what,
	       w_seal / runs * 1e3, c_seal / runs * 1e3, w_empty / runs * 1e3,
	       c_empty / runs * 1e3, w_seal / w_empty, c_seal / c_empty);
}

static void write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fail("write to a pipe: %s", strerror(errno));
		data += n;
		len -= (size_t)n;
	}
}

static void pipe_cloexec(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC))
		fail("pipe: %s", strerror(errno));
}

/*
 * An alternating conversation of TURNS messages (Alice, Bob, Alice, ...)
 * between four long-running processes: Alice's seal feeds Bob's open, Bob's
 * seal Alice's open; this program writes each plaintext and waits for it
 * to come out opened before the other side answers. With cat instead of
 * seal and open it measures the transport alone.
 */
static void converse(const struct place *p, char *seal_cmd[], char *open_cmd[], double *wall,
		     double cpu[2])
{
	int a_in[2], ab[2], b_out[2], b_in[2], ba[2], a_out[2];
	pid_t pids[4];
	FILE *from_bob, *from_alice;
	char *line = NULL, sent[512];
	size_t cap = 0;
	double start;
	int err = 0;

	pipe_cloexec(a_in);
	pipe_cloexec(ab);
	pipe_cloexec(b_out);
	pipe_cloexec(b_in);
	pipe_cloexec(ba);
	pipe_cloexec(a_out);
	pids[0] = spawn(seal_cmd, p->alice, a_in[0], ab[1]);
	pids[1] = spawn(open_cmd, p->bob, ab[0], b_out[1]);
	pids[2] = spawn(seal_cmd, p->bob, b_in[0], ba[1]);
	pids[3] = spawn(open_cmd, p->alice, ba[0], a_out[1]);
	close(a_in[0]);
	close(ab[0]);
	close(ab[1]);
	close(b_out[1]);
	close(b_in[0]);
	close(ba[0]);
	close(ba[1]);
	close(a_out[1]);
	from_bob = fdopen(b_out[0], "r");   /* what Bob's open wrote */
	from_alice = fdopen(a_out[0], "r"); /* what Alice's open wrote */
	if (!from_bob || !from_alice)
		fail("fdopen");

	start = bench_now();
	for (int t = 0; t < TURNS && !err; t++) {
		int alice = t % 2 == 0;
		FILE *m = fmemopen(sent, sizeof(sent), "w");
		char id[16];

		snprintf(id, sizeof(id), "c%d", t);
		msg_line(m, alice ? ALICE : BOB, alice ? BOB : ALICE, id, 40);
		fclose(m);
		write_all(alice ? a_in[1] : b_in[1], sent, strlen(sent));
		if (getline(&line, &cap, alice ? from_bob : from_alice) < 0 || strcmp(line, sent))
			err = 1;
	}
	*wall = (bench_now() - start) / TURNS;
	close(a_in[1]);
	close(b_in[1]);
	cpu[0] = cpu[1] = 0;
	for (int i = 0; i < 4; i++)
		reap(pids[i], i % 2 ? open_cmd[0] : seal_cmd[0], &cpu[i % 2]);
	cpu[0] /= TURNS;
	cpu[1] /= TURNS;
	fclose(from_bob);
	fclose(from_alice);
	free(line);
	if (err)
		fail("a message of the conversation did not come back as it was sent");
}

static void converse_row(const char *what, const struct place *p, char *seal_cmd[],
			 char *open_cmd[])
{
	double wall, c[2], cpu;

	converse(p, seal_cmd, open_cmd, &wall, c);
	cpu = c[0] + c[1];
	printf("| %s | %.0f us | %.0f us (%.0f + %.0f) | %.2g | %.2g | %.2g |\n", what, wall * 1e6,
	       cpu * 1e6, c[0] * 1e6, c[1] * 1e6, cpu / 100e-6, cpu / 760e-6, cpu / 5e-3);
}

/* One side of the conversation in this process: its home and its session
 * loaded twice, as xe2e-seal and xe2e-open would. */
struct side {
	const char *home;
	struct channel send, recv;
};

static void side_load(struct side *sd, const char *home, const char *peer_bare)
{
	static const struct channel_opts opts = {RATCHET_STEP_INTERVAL, 1};
	uint8_t id[SESSION_ID_LEN];

	sd->home = home;
	setenv("XE2E_HOME", home, 1);
	if (session_current_get(peer_bare, id) || channel_load(&sd->send, id, &opts) ||
	    channel_load(&sd->recv, id, &opts))
		fail("cannot load the session in %s: %s", home, err_detail());
}

/*
 * The same conversation through the library in one process: each message
 * sealed (channel_seal) and opened (channel_open) with the session stored
 * as the programs store it, without the XML, the processes and the pipes.
 * The CPU of each half is taken around its call.
 */
static void converse_in_process(const struct place *p, double cpu[2])
{
	static const uint8_t ad[] = "bench associated data";
	struct side sides[2];
	uint8_t pt[64];
	struct buf wire = BUF_INIT;
	double t;

	side_load(&sides[0], p->alice, "bob@montague.lit");
	side_load(&sides[1], p->bob, "alice@capulet.lit");
	cpu[0] = cpu[1] = 0;
	for (int turn = 0; turn < TURNS; turn++) {
		struct side *from = &sides[turn % 2], *to = &sides[1 - turn % 2];
		struct channel_msg m;

		memset(pt, 'a' + turn % 26, sizeof(pt));
		wire.len = 0;
		setenv("XE2E_HOME", from->home, 1);
		t = bench_cpu();
		if (channel_seal(&from->send, (uint64_t)time(NULL), pt, sizeof(pt), ad, sizeof(ad),
				 0, &wire))
			fail("channel_seal: %s", err_detail());
		cpu[0] += bench_cpu() - t;
		memset(&m, 0, sizeof(m));
		m.wire = wire.data;
		m.wire_len = wire.len;
		m.ad = ad;
		m.ad_len = sizeof(ad);
		setenv("XE2E_HOME", to->home, 1);
		t = bench_cpu();
		channel_open(&to->recv, (uint64_t)time(NULL), &m, 1);
		cpu[1] += bench_cpu() - t;
		if (m.err || m.pt.len != sizeof(pt) || memcmp(m.pt.data, pt, sizeof(pt)))
			fail("channel_open: %s", m.err ? m.detail : "another plaintext");
		buf_free(&m.pt);
	}
	for (int i = 0; i < 2; i++) {
		setenv("XE2E_HOME", sides[i].home, 1);
		channel_release(&sides[i].send);
		channel_wipe(&sides[i].send);
		channel_wipe(&sides[i].recv);
	}
	buf_free(&wire);
	cpu[0] /= TURNS;
	cpu[1] /= TURNS;
}

static void converse_in_process_row(const char *what, const struct place *p)
{
	double c[2], cpu;

	converse_in_process(p, c);
	cpu = c[0] + c[1];
	printf("| %s | - | %.0f us (%.0f + %.0f) | %.2g | %.2g | %.2g |\n", what, cpu * 1e6,
	       c[0] * 1e6, c[1] * 1e6, cpu / 100e-6, cpu / 760e-6, cpu / 5e-3);
}

static void bench_conversation(void)
{
	static char *cat_argv[] = {"cat", NULL};
	static char *seal0_argv[] = {"xe2e-seal", "--ratchet-interval", "0", NULL};

	printf("### Alternating conversation\n\n"
	       "Method: %d messages, Alice and Bob in turn (40-byte bodies), between four "
	       "long-running processes (each side's xe2e-seal and xe2e-open) joined by pipes; "
	       "each message is written only after the previous one came out of the other "
	       "side's xe2e-open, and is checked to be the message sent. Per message: the "
	       "wall time of the whole conversation, and the user and system time of the four "
	       "processes (start-up included), over %d, split into the seal and the open "
	       "processes. The ratios compare the CPU per "
	       "message with the target (under 100 us) and with what libsignal-protocol-c "
	       "(about 760 us) and libotr (about 5 ms) spend per message. xe2e-open commits "
	       "each stanza before writing it (fsync on the disk): each arrives alone, a "
	       "group of one. The default policy takes a "
	       "DH step once 60 s or 100 sent messages have passed; --ratchet-interval 0 "
	       "takes one every turn, as Signal does. With cat in place of both programs: the "
	       "transport alone. The last rows take the same conversation through the library "
	       "in this process (channel_seal and channel_open on 64-byte frames, each side's "
	       "session stored after every message as the programs store it), which is what "
	       "the libsignal and libotr figures measure: a library's work per message.\n\n"
	       "| run | wall per message | CPU per message (seal + open) | CPU / 100 us | "
	       "CPU / libsignal | "
	       "CPU / libotr |\n"
	       "| --- | --- | --- | --- | --- | --- |\n",
	       TURNS, TURNS);
	converse_row("memory, DH step every 100 messages (default)", &places[1], seal_argv,
		     open_argv);
	converse_row("memory, DH step every turn", &places[1], seal0_argv, open_argv);
	converse_row("disk, DH step every 100 messages (default)", &places[0], seal_argv,
		     open_argv);
	converse_row("cat in place of seal and open", &places[1], cat_argv, cat_argv);
	converse_in_process_row("memory, the library in one process (no XML, processes or pipes)",
				&places[1]);
	converse_in_process_row("disk, the library in one process (no XML, processes or pipes)",
				&places[0]);
	printf("\n");
}

int main(int argc, char **argv)
{
	char *slash;

	(void)argc;
	signal(SIGPIPE, SIG_IGN);
	alarm(600); /* nothing may hang make bench */
	snprintf(empty_path, sizeof(empty_path), "%s", argv[0]);
	slash = strrchr(empty_path, '/');
	snprintf(slash ? slash + 1 : empty_path,
		 sizeof(empty_path) - (size_t)(slash ? slash + 1 - empty_path : 0), "empty");
	if (access(empty_path, X_OK))
		fail("no empty program at %s", empty_path);
	atexit(cleanup);
	for (int i = 0; i < 2; i++) {
		place_setup(&places[i]);
		warm_up(&places[i]);
	}

	bench_bytes(&places[0]);

	printf("### Seal and open throughput\n\n"
	       "Method: one xe2e-seal process seals N chat messages (bodies of the size "
	       "shown) read from a file, one xe2e-open process opens them with the default "
	       "options (group commit: the stanzas already waiting, up to 64, opened and "
	       "committed in one transaction), N more are sealed and opened with --batch 64, "
	       "and N more with --batch 1 (one transaction per stanza); all waiting in a file, "
	       "homes on the disk, every output checked against the input. Rates are message "
	       "bytes (the body) or stanzas per second of wall time and of the process's CPU "
	       "time. The limit is the AEAD alone (ChaCha20-Poly1305, the default suite's "
	       "cipher) on the same size, in this process; ratio = wall rate / AEAD "
	       "rate.\n\n"
	       "| messages | program | N | rate | rate per CPU second | AEAD alone | ratio |\n"
	       "| --- | --- | --- | --- | --- | --- | --- |\n");
	bench_stream(&places[0], 200, 5000, 200, "200 B");
	bench_stream(&places[0], 65536, 200, 50, "64 KiB");
	printf("\nxe2e-open with the default options, %d waiting 200-byte messages, homes on "
	       "the disk: %.1f us a stanza (wall); goal: at most 20 us (%.2f).\n\n",
	       open_default_n, open_default_us, open_default_us / 20);

	printf("### One stanza per process\n\n"
	       "Method: xe2e-seal started once per chat message (11-byte body), 20 times, "
	       "stdin and stdout files; each run loads the session under its lock, seals and "
	       "stores the advanced chain (temporary file, fsync, rename, fsync of the "
	       "directory) before it writes. The limit: the empty program, linked like "
	       "xe2e-seal, started the same way. Target: at most 1.6 times the empty "
	       "program.\n\n"
	       "| homes | xe2e-seal wall | xe2e-seal CPU | empty wall | empty CPU | wall ratio | "
	       "CPU ratio |\n"
	       "| --- | --- | --- | --- | --- | --- | --- |\n");
	bench_process(&places[0], 20);
	bench_process(&places[1], 20);
	printf("\n");

	bench_conversation();
	return 0;
}
