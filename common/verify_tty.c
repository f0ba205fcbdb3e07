/* Questions on the terminal (see verify_tty.h). */
#include "verify_tty.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include <readline/readline.h>

#include "err.h"
#include "util.h"

static int no_tty(void)
{
	err_detail_set("no terminal to ask on (/dev/tty): use --expect CODE, --print or "
		       "--secret-file FILE");
	return XE2E_E_NOTFOUND;
}

/* ---- yes or no, through readline ---- */

static int parse_answer(const char *line, enum verify_answer *answer)
{
	while (*line == ' ' || *line == '\t')
		line++;
	if (!strcasecmp(line, "yes") || !strcasecmp(line, "y"))
		*answer = VERIFY_ANSWER_YES;
	else if (!strcasecmp(line, "no") || !strcasecmp(line, "n"))
		*answer = VERIFY_ANSWER_NO;
	else
		return XE2E_E_MALFORMED;
	return XE2E_OK;
}

static int ask(FILE *in, FILE *out, const char *prompt, enum verify_answer *answer)
{
	char *line;
	int err = XE2E_E_MALFORMED;

	rl_instream = in;
	rl_outstream = out;
	rl_readline_name = "xe2e-verify-sas";
	while (err == XE2E_E_MALFORMED) {
		line = readline(prompt);
		if (!line) {
			fputc('\n', out);
			err_detail_set("no answer: the terminal input ended");
			return XE2E_E_EOF;
		}
		err = parse_answer(line, answer);
		free(line);
		if (err)
			fputs("Please answer yes or no.\n", out);
	}
	return err;
}

int verify_tty_confirm(const char *peer, const char *code, enum verify_answer *answer)
{
	char prompt[512];
	FILE *in = fopen("/dev/tty", "r"), *out = fopen("/dev/tty", "w");
	int err;

	if (!in || !out) {
		err = no_tty();
	} else {
		snprintf(prompt, sizeof(prompt), "Does %.200s read the same code, %s? [yes/no] ",
			 peer, code);
		err = ask(in, out, prompt, answer);
		/* The result needs the peer's answer too: say so, lest a second
		 * "yes" be typed to the shell. */
		if (!err)
			fprintf(out, "Waiting for %.200s to answer...\n", peer);
	}
	rl_instream = NULL;
	rl_outstream = NULL;
	if (in)
		fclose(in);
	if (out)
		fclose(out);
	return err;
}

/* ---- the secret, echo off ---- */

static volatile sig_atomic_t quiet_fd = -1;
static struct termios saved_modes;

static void restore_and_raise(int sig)
{
	if (quiet_fd >= 0)
		tcsetattr(quiet_fd, TCSANOW, &saved_modes);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Not SIGTSTP: the shell keeps the terminal's modes of a stopped job. */
static const int restore_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

static void signals_set(struct sigaction *saved, int install)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = restore_and_raise;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(restore_signals); i++) {
		if (install)
			sigaction(restore_signals[i], &sa, &saved[i]);
		else
			sigaction(restore_signals[i], &saved[i], NULL);
	}
}

static void say(int fd, const char *s)
{
	ssize_t n = write(fd, s, strlen(s));

	(void)n;
}

/* One line from fd into out, its end dropped. */
static int read_line(int fd, char *out, size_t cap, size_t *len)
{
	size_t n = 0;
	int err = XE2E_OK;
	char c = 0;

	for (;;) {
		ssize_t r = read(fd, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			err = XE2E_E_EOF;
			break;
		}
		if (c == '\n' || c == '\r')
			break;
		if (n + 1 >= cap)
			err = XE2E_E_LIMIT; /* read on to the end of the line */
		else
			out[n++] = c;
	}
	c = 0;
	out[n] = '\0';
	*len = n;
	if (!err && n == 0)
		err = XE2E_E_MALFORMED;
	return err;
}

int verify_tty_secret(const char *prompt, char *out, size_t cap, size_t *len)
{
	struct sigaction saved[ARRAY_SIZE(restore_signals)];
	struct termios quiet;
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC), err;

	*len = 0;
	if (fd < 0 || tcgetattr(fd, &saved_modes) != 0) {
		if (fd >= 0)
			close(fd);
		return no_tty();
	}
	quiet = saved_modes;
	quiet.c_lflag &= (tcflag_t)~ECHO;
	quiet_fd = fd;
	signals_set(saved, 1);
	say(fd, prompt);
	tcsetattr(fd, TCSANOW, &quiet);
	err = read_line(fd, out, cap, len);
	tcsetattr(fd, TCSANOW, &saved_modes);
	signals_set(saved, 0);
	quiet_fd = -1;
	say(fd, "\n"); /* echo was off: end the prompt's line */
	close(fd);
	if (err) {
		wipe(out, cap);
		*len = 0;
		err_detail_set(err == XE2E_E_LIMIT ? "the secret is too long"
			       : err == XE2E_E_EOF ? "the terminal closed before the secret was given"
						   : "an empty secret");
	}
	return err;
}
