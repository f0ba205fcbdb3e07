/* Secrets typed on the terminal (see tty.h). */
#include "tty.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "err.h"
#include "util.h"

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

int tty_read_secret(const char *prompt, char *out, size_t cap, size_t *len)
{
	struct sigaction saved[ARRAY_SIZE(tty_signals)];
	struct termios quiet;
	ssize_t n;
	int fd;

	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || tcgetattr(fd, &tty_saved) != 0) {
		if (fd >= 0)
			close(fd);
		return XE2E_E_NOTFOUND;
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
		return XE2E_E_EOF;
	}
	*len = (size_t)n;
	return XE2E_OK;
}
