/* The xe2e-trustdb shell: word splitting, the line reader, scripts, and
 * the command table's usage checks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "trustdb.h"
#include "trustdb_shell.h"
#include "unit.h"

/* The words of line joined with "|", or "ERR". */
static void split_joined(const char *line, char *out, size_t size)
{
	char **argv = NULL;
	int argc = 0;

	out[0] = '\0';
	if (trustdb_line_split(line, strlen(line), &argv, &argc) != XE2E_OK) {
		snprintf(out, size, "ERR");
		return;
	}
	for (int i = 0; i < argc; i++)
		snprintf(out + strlen(out), size - strlen(out), "%s%s", i ? "|" : "", argv[i]);
	CHECK(argv == NULL || argv[argc] == NULL);
	trustdb_words_free(argv, argc);
}

TEST(trustdb_line_split_words_quotes_comments)
{
	static const struct {
		const char *line, *want;
	} cases[] = {
		{"", ""},
		{"   \t ", ""},
		{"list", "list"},
		{"  pin  bob@montague.lit\tabcd ", "pin|bob@montague.lit|abcd"},
		{"show '1a2b 3c4d'", "show|1a2b 3c4d"},
		{"show \"1a2b 3c4d\"", "show|1a2b 3c4d"},
		{"a \"x\\\"y\\\\z\\n\"", "a|x\"y\\z\\n"},
		{"a 'x\\y'", "a|x\\y"},
		{"a b\\ c", "a|b c"},
		{"a ''", "a|"},
		{"a x'y z'w", "a|xy zw"},
		{"# a comment", ""},
		{"list # the rest", "list"},
		{"list a#b", "list|a#b"},
		{"a 'open", "ERR"},
		{"a \"open", "ERR"},
		{"a b\\", "ERR"},
	};
	char got[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		split_joined(cases[i].line, got, sizeof(got));
		if (strcmp(got, cases[i].want) != 0)
			unit_fail(__FILE__, __LINE__, "split(\"%s\") = \"%s\", want \"%s\"",
				  cases[i].line, got, cases[i].want);
	}
	{
		char **argv = NULL;
		int argc = 0;

		CHECK_INT(trustdb_line_split("a\0b", 3, &argv, &argc), XE2E_E_MALFORMED);
	}
	unit_note("%zu lines", sizeof(cases) / sizeof(cases[0]));
}

/* A reader over a pipe holding text. */
static int pipe_with(const char *text, size_t len)
{
	int fds[2];

	if (pipe(fds) != 0)
		return -1;
	if (write(fds[1], text, len) != (ssize_t)len) {
		close(fds[0]);
		fds[0] = -1;
	}
	close(fds[1]);
	return fds[0];
}

TEST(trustdb_reader_lines)
{
	static const char text[] = "one\r\ntwo\n\nthree";
	struct trustdb_reader r;
	struct buf line = BUF_INIT;
	char secret[TRUSTDB_SECRET_MAX];
	size_t len = 0;
	int fd = pipe_with(text, sizeof(text) - 1);

	CHECK(fd >= 0);
	trustdb_reader_init(&r, fd);
	CHECK_INT(trustdb_reader_next(&r, &line), XE2E_OK);
	CHECK_INT(line.len, 3);
	CHECK_MEM(line.data, "one", 3);
	CHECK_INT(trustdb_reader_secret(&r, secret, &len), XE2E_OK);
	CHECK_STR(secret, "two");
	CHECK_INT(len, 3);
	CHECK_INT(trustdb_reader_next(&r, &line), XE2E_OK);
	CHECK_INT(line.len, 0);
	CHECK_INT(trustdb_reader_next(&r, &line), XE2E_OK);
	CHECK_INT(line.len, 5);
	CHECK_MEM(line.data, "three", 5);
	CHECK_INT(r.line, 4);
	CHECK_INT(trustdb_reader_next(&r, &line), XE2E_E_EOF);
	CHECK_INT(trustdb_reader_secret(&r, secret, &len), XE2E_E_EOF);
	trustdb_reader_free(&r);
	buf_free(&line);
	close(fd);
}

TEST(trustdb_reader_refuses_endless_lines)
{
	size_t n = TRUSTDB_LINE_MAX + 2 * 4096;
	char *text = malloc(n);
	struct trustdb_reader r;
	struct buf line = BUF_INIT;
	int fds[2];
	pid_t pid;

	CHECK(text != NULL && pipe(fds) == 0);
	if (!text)
		return;
	memset(text, 'x', n);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		_exit(write(fds[1], text, n) == (ssize_t)n ? 0 : 1);
	}
	close(fds[1]);
	trustdb_reader_init(&r, fds[0]);
	CHECK_INT(trustdb_reader_next(&r, &line), XE2E_E_LIMIT);
	trustdb_reader_free(&r);
	buf_free(&line);
	close(fds[0]);
	free(text);
	waitpid(pid, NULL, 0);
}

/* A fake command runner: "fail N" returns N, "ok" 0; it records the lines. */
struct record {
	char log[256];
};

static int fake_run(void *ctx, int argc, char **argv, unsigned long line)
{
	struct record *r = ctx;

	snprintf(r->log + strlen(r->log), sizeof(r->log) - strlen(r->log), "%lu:%s ", line,
		 argv[0]);
	if (argc == 2 && strcmp(argv[0], "fail") == 0)
		return atoi(argv[1]);
	return 0;
}

static int fake_bad_line(void *ctx, int err, unsigned long line)
{
	struct record *r = ctx;

	snprintf(r->log + strlen(r->log), sizeof(r->log) - strlen(r->log), "%lu:bad(%d) ", line,
		 err);
	return 2;
}

static int script(const char *text, int keep_going, struct record *rec)
{
	struct trustdb_shell_ops ops = {fake_run, fake_bad_line, rec};
	struct trustdb_reader r;
	int fd = pipe_with(text, strlen(text)), status;

	rec->log[0] = '\0';
	trustdb_reader_init(&r, fd);
	status = trustdb_script_run(&r, &ops, keep_going);
	trustdb_reader_free(&r);
	close(fd);
	return status;
}

TEST(trustdb_script_stops_at_the_first_failure)
{
	struct record rec;

	CHECK_INT(script("ok\n# note\n\nok\n", 0, &rec), 0);
	CHECK_STR(rec.log, "1:ok 4:ok ");
	CHECK_INT(script("ok\nfail 3\nok\n", 0, &rec), 3);
	CHECK_STR(rec.log, "1:ok 2:fail ");
	CHECK_INT(script("ok\nfail 3\nfail 1\nok", 1, &rec), 3);
	CHECK_STR(rec.log, "1:ok 2:fail 3:fail 4:ok ");
	CHECK_INT(script("ok\n'open\nok\n", 0, &rec), 2);
	CHECK_STR(rec.log, "1:ok 2:bad(4) ");
	CHECK_INT(script("ok\nquit\nfail 1\n", 0, &rec), 0);
	CHECK_STR(rec.log, "1:ok ");
	CHECK_INT(script("exit\n", 0, &rec), 0);
	CHECK_STR(rec.log, "");
}

TEST(trustdb_command_table_usage)
{
	struct trustdb t = {.xml = 0, .now = 0};
	struct buf out = BUF_INIT;
	char *unknown[] = {"frobnicate", NULL};
	char *group[] = {"psk", "frob", NULL};
	char *pin_short[] = {"pin", "bob@montague.lit", NULL};
	char *list_extra[] = {"list", "x", NULL};
	char *help[] = {"help", NULL};
	const struct trustdb_command *cmd;
	char *psk[] = {"psk", "set", "bob@montague.lit", NULL};
	int usage = 0, nwords = 0;

	CHECK_INT(trustdb_exec(&t, 1, unknown, &out, &usage), XE2E_E_MALFORMED);
	CHECK_INT(usage, 1);
	CHECK_INT(trustdb_exec(&t, 2, group, &out, &usage), XE2E_E_MALFORMED);
	CHECK_INT(usage, 1);
	CHECK(strstr(err_detail(), "psk frob") != NULL);
	CHECK_INT(trustdb_exec(&t, 2, pin_short, &out, &usage), XE2E_E_MALFORMED);
	CHECK_INT(usage, 1);
	CHECK_STR(err_detail(), "usage: pin JID FPR");
	CHECK_INT(trustdb_exec(&t, 2, list_extra, &out, &usage), XE2E_E_MALFORMED);
	CHECK_INT(usage, 1);
	CHECK_INT(out.len, 0);
	CHECK_INT(trustdb_exec(&t, 1, help, &out, &usage), XE2E_OK);
	CHECK_INT(usage, 0);
	CHECK(out.len > 0 && memmem(out.data, out.len, "psk set JID [PSK]: ", 19) != NULL);
	cmd = trustdb_command_find(3, psk, &nwords);
	CHECK(cmd != NULL && strcmp(cmd->words, "psk set") == 0);
	CHECK_INT(nwords, 2);
	buf_free(&out);
}
