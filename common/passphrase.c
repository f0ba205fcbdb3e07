#include "passphrase.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "err.h"
#include "util.h"

void passphrase_init(struct passphrase *pp, const char *file, int prompt)
{
	memset(pp, 0, sizeof(*pp));
	pp->file = file;
	pp->prompt = prompt;
}

static const char *env_passphrase(void)
{
	const char *v = getenv(PASSPHRASE_ENV);

	return v && *v ? v : NULL;
}

int passphrase_given(const struct passphrase *pp)
{
	return pp->have || pp->file || pp->prompt || env_passphrase();
}

void passphrase_wipe(struct passphrase *pp)
{
	wipe(pp->text, sizeof(pp->text));
	pp->len = 0;
	pp->have = 0;
}

/* Keeps the first line of text (without "\n" or "\r\n"); refuses empty and
 * over-long passphrases. */
static int keep_line(struct passphrase *pp, const char *text, size_t len, const char *from)
{
	const char *nl = memchr(text, '\n', len);

	if (nl)
		len = (size_t)(nl - text);
	if (len > 0 && text[len - 1] == '\r')
		len--;
	if (len == 0) {
		err_detail_set("empty passphrase from %s", from);
		return XE2E_E_PASSPHRASE;
	}
	if (len > PASSPHRASE_MAX) {
		err_detail_set("passphrase from %s is longer than %d bytes", from, PASSPHRASE_MAX);
		return XE2E_E_LIMIT;
	}
	memcpy(pp->text, text, len);
	pp->text[len] = '\0';
	pp->len = len;
	pp->have = 1;
	return XE2E_OK;
}

/* Not store_read_file(): the file may be a pipe such as /dev/fd/3. */
static int from_file(struct passphrase *pp)
{
	char line[PASSPHRASE_MAX + 3];
	size_t n = 0;
	ssize_t r = 0;
	int fd, err;

	fd = open(pp->file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err_detail_set("cannot open passphrase file %s: %s", pp->file, strerror(errno));
		return errno == ENOENT ? XE2E_E_NOTFOUND : XE2E_E_IO;
	}
	while (n < sizeof(line) && !memchr(line, '\n', n)) {
		r = read(fd, line + n, sizeof(line) - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	if (r < 0) {
		err_detail_set("cannot read passphrase file %s: %s", pp->file, strerror(errno));
		err = XE2E_E_IO;
	} else {
		err = keep_line(pp, line, n, pp->file);
	}
	close(fd);
	wipe(line, sizeof(line));
	return err;
}

/* The terminal, restored when a signal interrupts the prompt. */
static volatile sig_atomic_t tty_fd = -1;
static struct termios tty_saved;

static void tty_restore_and_raise(int sig)
{
	if (tty_fd >= 0)
		tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Not SIGTSTP: the shell keeps the terminal's modes of a stopped job. */
static const int tty_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

static void tty_signals_set(struct sigaction *saved, int install)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tty_restore_and_raise;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(tty_signals); i++) {
		if (install)
			sigaction(tty_signals[i], &sa, &saved[i]);
		else
			sigaction(tty_signals[i], &saved[i], NULL);
	}
}

/* Reads one line from fd into out (NUL-terminated); returns its length, or
 * -1 when it does not fit or the terminal closed before a newline. */
static ssize_t tty_read_line(int fd, char *out, size_t cap)
{
	size_t n = 0;
	char c;

	for (;;) {
		ssize_t r = read(fd, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		if (c == '\n' || c == '\r')
			break;
		if (n + 1 >= cap)
			return -1;
		out[n++] = c;
	}
	out[n] = '\0';
	c = 0;
	return (ssize_t)n;
}

/* Prompts are best effort: a failed write still leaves the read to fail. */
static void tty_write(int fd, const char *s)
{
	ssize_t n = write(fd, s, strlen(s));

	(void)n;
}

static int tty_prompt(const char *prompt, char *out, size_t cap, size_t *len)
{
	struct sigaction saved[ARRAY_SIZE(tty_signals)];
	struct termios quiet;
	ssize_t n;
	int fd;

	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || tcgetattr(fd, &tty_saved) != 0) {
		if (fd >= 0)
			close(fd);
		err_detail_set("no terminal to ask for the passphrase; use --passphrase-file or %s",
			       PASSPHRASE_ENV);
		return XE2E_E_PASSPHRASE;
	}
	quiet = tty_saved;
	quiet.c_lflag &= (tcflag_t)~ECHO;
	tty_fd = fd;
	tty_signals_set(saved, 1);
	tty_write(fd, prompt);
	tcsetattr(fd, TCSAFLUSH, &quiet);
	n = tty_read_line(fd, out, cap);
	tcsetattr(fd, TCSAFLUSH, &tty_saved);
	tty_signals_set(saved, 0);
	tty_fd = -1;
	tty_write(fd, "\n"); /* echo was off: end the prompt's line */
	close(fd);
	if (n < 0) {
		wipe(out, cap);
		err_detail_set("no passphrase read from the terminal");
		return XE2E_E_PASSPHRASE;
	}
	*len = (size_t)n;
	return XE2E_OK;
}

static int from_tty(struct passphrase *pp, const char *what, int confirm)
{
	char first[PASSPHRASE_MAX + 2], again[PASSPHRASE_MAX + 2], prompt[256];
	size_t n1 = 0, n2 = 0;
	int err;

	snprintf(prompt, sizeof(prompt), "Passphrase for %s: ", what);
	err = tty_prompt(prompt, first, sizeof(first), &n1);
	if (!err && confirm) {
		snprintf(prompt, sizeof(prompt), "Passphrase for %s (again): ", what);
		err = tty_prompt(prompt, again, sizeof(again), &n2);
		if (!err && (n1 != n2 || !ct_equal(first, again, n1))) {
			err_detail_set("the two passphrases differ");
			err = XE2E_E_PASSPHRASE;
		}
	}
	if (!err)
		err = keep_line(pp, first, n1, "the terminal");
	wipe(first, sizeof(first));
	wipe(again, sizeof(again));
	return err;
}

int passphrase_get(struct passphrase *pp, const char *what, int confirm)
{
	const char *env = env_passphrase();

	if (pp->have)
		return XE2E_OK;
	if (pp->file)
		return from_file(pp);
	if (pp->prompt)
		return from_tty(pp, what, confirm);
	if (env)
		return keep_line(pp, env, strlen(env), PASSPHRASE_ENV);
	if (isatty(STDIN_FILENO))
		return from_tty(pp, what, confirm);
	err_detail_set("%s is protected by a passphrase: give --passphrase-file FILE, "
		       "--passphrase, or %s", what, PASSPHRASE_ENV);
	return XE2E_E_PASSPHRASE;
}
