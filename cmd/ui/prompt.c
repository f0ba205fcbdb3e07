/* Questions on the terminal (see prompt.h). */
#include "prompt.h"

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

#include "diag.h"
#include "err.h"
#include "util.h"

/* ---- a secret, echo off ---- */

/* The terminal, restored when a signal interrupts the question. */
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

/* Prompts are best effort: a failed write still leaves the read to fail. */
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
	return err;
}

/*
 * Echo goes off before the prompt shows, flushing what was typed ahead, so
 * that an answer typed once the prompt is seen is neither echoed nor lost.
 */
int prompt_secret(const char *prompt, char *out, size_t cap, size_t *len)
{
	struct sigaction saved[ARRAY_SIZE(restore_signals)];
	struct termios quiet;
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC), err;

	*len = 0;
	if (fd < 0 || tcgetattr(fd, &saved_modes) != 0) {
		if (fd >= 0)
			close(fd);
		return XE2E_E_NOTFOUND;
	}
	quiet = saved_modes;
	quiet.c_lflag &= (tcflag_t)~ECHO;
	quiet_fd = fd;
	signals_set(saved, 1);
	tcsetattr(fd, TCSAFLUSH, &quiet);
	say(fd, prompt);
	err = read_line(fd, out, cap, len);
	tcsetattr(fd, TCSANOW, &saved_modes);
	signals_set(saved, 0);
	quiet_fd = -1;
	say(fd, "\n"); /* echo was off: end the prompt's line */
	close(fd);
	if (err) {
		wipe(out, cap);
		*len = 0;
	}
	return err;
}

/* ---- yes or no, through readline ---- */

static int parse_answer(const char *line, int *yes)
{
	while (*line == ' ' || *line == '\t')
		line++;
	if (!strcasecmp(line, "yes") || !strcasecmp(line, "y"))
		*yes = 1;
	else if (!strcasecmp(line, "no") || !strcasecmp(line, "n"))
		*yes = 0;
	else
		return XE2E_E_MALFORMED;
	return XE2E_OK;
}

static int ask(FILE *in, FILE *out, const char *question, int *yes)
{
	char *line;
	int err = XE2E_E_MALFORMED;

	rl_instream = in;
	rl_outstream = out;
	rl_readline_name = err_progname();
	while (err == XE2E_E_MALFORMED) {
		line = readline(question);
		if (!line) {
			fputc('\n', out);
			err_detail_set("no answer: the terminal input ended");
			return XE2E_E_EOF;
		}
		err = parse_answer(line, yes);
		free(line);
		if (err)
			fputs("Please answer yes or no.\n", out);
	}
	return err;
}

int prompt_yes_no(const char *question, const char *then, int *yes)
{
	FILE *in = fopen("/dev/tty", "r"), *out = fopen("/dev/tty", "w");
	int err = in && out ? ask(in, out, question, yes) : XE2E_E_NOTFOUND;

	if (!err && then)
		fprintf(out, "%s\n", then);
	rl_instream = NULL;
	rl_outstream = NULL;
	if (in)
		fclose(in);
	if (out)
		fclose(out);
	return err;
}
