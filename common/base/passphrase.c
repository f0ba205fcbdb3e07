#include "passphrase.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "util.h"

static int from_file(struct passphrase *pp);

int passphrase_init(struct passphrase *pp, const char *file, int prompt)
{
	memset(pp, 0, sizeof(*pp));
	pp->file = file;
	pp->prompt = prompt;
	return file ? from_file(pp) : XE2E_OK;
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

static int tty_prompt(passphrase_ask_fn ask, const char *prompt, char *out, size_t cap,
		      size_t *len)
{
	int err = ask ? ask(prompt, out, cap, len) : XE2E_E_NOTFOUND;

	if (err == XE2E_E_LIMIT) /* the passphrase is wiped and never used */
		err = XE2E_E_EOF;
	if (err == XE2E_E_NOTFOUND)
		err_detail_set("no terminal to ask for the passphrase; use --passphrase-file or %s",
			       PASSPHRASE_ENV);
	else if (err == XE2E_E_EOF)
		err_detail_set("no passphrase read from the terminal");
	return err == XE2E_E_NOTFOUND || err == XE2E_E_EOF ? XE2E_E_PASSPHRASE : err;
}

static int from_tty(struct passphrase *pp, const char *what, int confirm)
{
	char first[PASSPHRASE_MAX + 2], again[PASSPHRASE_MAX + 2], prompt[256];
	size_t n1 = 0, n2 = 0;
	int err;

	snprintf(prompt, sizeof(prompt), "Passphrase for %s: ", what);
	err = tty_prompt(pp->ask, prompt, first, sizeof(first), &n1);
	if (!err && (n1 == 0 || (n1 == 1 && first[0] == '\r'))) {
		/* refused at once, not after a second empty entry */
		err_detail_set("empty passphrase from the terminal");
		err = XE2E_E_PASSPHRASE;
	}
	if (!err && confirm) {
		snprintf(prompt, sizeof(prompt), "Passphrase for %s (again): ", what);
		err = tty_prompt(pp->ask, prompt, again, sizeof(again), &n2);
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
	err_detail_set("%s is protected by a passphrase and standard input is not a terminal "
		       "to ask on: give --passphrase-file FILE, --passphrase (asked on /dev/tty) "
		       "or %s", what, PASSPHRASE_ENV);
	return XE2E_E_PASSPHRASE;
}
