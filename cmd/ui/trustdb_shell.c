/* The xe2e-trustdb shell: scripts and the readline prompt (see trustdb_shell.h). */
#include "trustdb_shell.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "diag.h"
#include "err.h"
#include "prompt.h"
#include "util.h"

#define CHUNK 4096

/* ---- splitting ---- */

struct words {
	char **v;
	int n;
	struct buf word;
};

static int words_push(struct words *w)
{
	char **grown = realloc(w->v, (size_t)(w->n + 2) * sizeof(*grown));
	int err;

	if (!grown)
		return XE2E_E_NOMEM;
	w->v = grown;
	if ((err = buf_terminate(&w->word)))
		return err;
	if (!(grown[w->n] = malloc(w->word.len + 1)))
		return XE2E_E_NOMEM;
	memcpy(grown[w->n], w->word.data, w->word.len + 1);
	grown[++w->n] = NULL;
	buf_clear(&w->word);
	return XE2E_OK;
}

/* Appends a quoted part starting at line[*i] (the quote); *i moves past it. */
static int quoted(struct words *w, const char *line, size_t len, size_t *i)
{
	char q = line[(*i)++];
	int err = XE2E_OK;

	while (!err && *i < len && line[*i] != q) {
		if (q == '"' && line[*i] == '\\' && *i + 1 < len &&
		    (line[*i + 1] == '"' || line[*i + 1] == '\\'))
			(*i)++;
		err = buf_append_byte(&w->word, (uint8_t)line[(*i)++]);
	}
	if (!err && *i == len) {
		err_detail_set("unterminated %s quote", q == '"' ? "double" : "single");
		return XE2E_E_MALFORMED;
	}
	(*i)++;
	return err;
}

static int split(struct words *w, const char *line, size_t len)
{
	int in_word = 0, err = XE2E_OK;
	size_t i = 0;

	if (memchr(line, '\0', len)) {
		err_detail_set("NUL byte in the line");
		return XE2E_E_MALFORMED;
	}
	while (!err && i < len) {
		char c = line[i];

		if (c == ' ' || c == '\t') {
			if (in_word)
				err = words_push(w);
			in_word = 0;
			i++;
			continue;
		}
		if (!in_word && c == '#')
			break;
		in_word = 1;
		if (c == '\'' || c == '"') {
			err = quoted(w, line, len, &i);
		} else if (c == '\\') {
			if (i + 1 == len) {
				err_detail_set("backslash at the end of the line");
				return XE2E_E_MALFORMED;
			}
			err = buf_append_byte(&w->word, (uint8_t)line[i + 1]);
			i += 2;
		} else {
			err = buf_append_byte(&w->word, (uint8_t)c);
			i++;
		}
	}
	if (!err && in_word)
		err = words_push(w);
	return err;
}

int trustdb_line_split(const char *line, size_t len, char ***argv, int *argc)
{
	struct words w = {NULL, 0, BUF_INIT};
	int err = split(&w, line, len);

	buf_free(&w.word);
	if (err) {
		trustdb_words_free(w.v, w.n);
		return err;
	}
	*argv = w.v;
	*argc = w.n;
	return XE2E_OK;
}

void trustdb_words_free(char **argv, int argc)
{
	for (int i = 0; argv && i < argc; i++) {
		wipe(argv[i], strlen(argv[i]));
		free(argv[i]);
	}
	free(argv);
}

/* ---- reading lines ---- */

void trustdb_reader_init(struct trustdb_reader *r, int fd)
{
	r->fd = fd;
	r->pending = (struct buf)BUF_INIT;
	r->line = 0;
	r->eof = 0;
}

void trustdb_reader_free(struct trustdb_reader *r)
{
	buf_free(&r->pending);
}

/* Reads one more chunk into pending; sets eof at the end. */
static int fill(struct trustdb_reader *r)
{
	uint8_t chunk[CHUNK];
	ssize_t n;
	int err = XE2E_OK;

	do
		n = read(r->fd, chunk, sizeof(chunk));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		err_detail_set("cannot read standard input: %s", strerror(errno));
		err = XE2E_E_IO;
	} else if (n == 0) {
		r->eof = 1;
	} else {
		err = buf_append(&r->pending, chunk, (size_t)n);
	}
	wipe(chunk, sizeof(chunk));
	return err;
}

/* The first LF of pending, or NULL. */
static uint8_t *pending_lf(const struct trustdb_reader *r)
{
	return r->pending.len ? memchr(r->pending.data, '\n', r->pending.len) : NULL;
}

/* Moves the first n bytes of pending (and skip more) into line. */
static int take(struct trustdb_reader *r, size_t n, size_t skip, struct buf *line)
{
	size_t rest = r->pending.len - n - skip;
	int err = buf_append(line, r->pending.data, n > 0 && r->pending.data[n - 1] == '\r' ? n - 1
											   : n);

	memmove(r->pending.data, r->pending.data + n + skip, rest);
	wipe(r->pending.data + rest, n + skip);
	r->pending.len = rest;
	r->line++;
	return err;
}

int trustdb_reader_next(struct trustdb_reader *r, struct buf *line)
{
	uint8_t *nl;
	int err = XE2E_OK;

	buf_clear(line);
	while (!(nl = pending_lf(r)) && !r->eof) {
		if (r->pending.len > TRUSTDB_LINE_MAX) {
			err_detail_set("line %lu is longer than %d bytes", r->line + 1,
				       TRUSTDB_LINE_MAX);
			return XE2E_E_LIMIT;
		}
		if ((err = fill(r)))
			return err;
	}
	if (nl)
		return take(r, (size_t)(nl - r->pending.data), 1, line);
	if (r->pending.len == 0)
		return XE2E_E_EOF;
	return take(r, r->pending.len, 0, line);
}

int trustdb_reader_secret(struct trustdb_reader *r, char out[static TRUSTDB_SECRET_MAX],
			  size_t *len)
{
	struct buf line = BUF_INIT;
	int err = trustdb_reader_next(r, &line);

	if (err == XE2E_E_EOF)
		err_detail_set("no secret on standard input");
	if (!err && line.len >= TRUSTDB_SECRET_MAX) {
		err_detail_set("the secret line is longer than %d bytes", TRUSTDB_SECRET_MAX - 1);
		err = XE2E_E_LIMIT;
	}
	if (!err) {
		if (line.len)
			memcpy(out, line.data, line.len);
		out[line.len] = '\0';
		*len = line.len;
	}
	buf_free(&line);
	return err;
}

/* ---- the terminal ---- */

int trustdb_tty_secret(const char *prompt, char out[static TRUSTDB_SECRET_MAX], size_t *len)
{
	int err = prompt_secret(prompt, out, TRUSTDB_SECRET_MAX, len);

	if (err == XE2E_E_LIMIT) /* wiped, as a line cut short would be */
		err = XE2E_E_EOF;
	if (err == XE2E_E_NOTFOUND)
		err_detail_set("no terminal to read the secret from");
	else if (err == XE2E_E_EOF)
		err_detail_set("no secret read from the terminal");
	return err == XE2E_E_EOF ? XE2E_E_NOTFOUND : err;
}

/* ---- running lines ---- */

static int is_quit(int argc, char **argv)
{
	return argc == 1 && (strcmp(argv[0], "quit") == 0 || strcmp(argv[0], "exit") == 0);
}

/* Runs one line; *quit is set by quit or exit. */
static int run_line(const struct trustdb_shell_ops *ops, const char *text, size_t len,
		    unsigned long line, int *quit)
{
	char **argv = NULL;
	int argc = 0, status;
	int err = trustdb_line_split(text, len, &argv, &argc);

	if (err)
		return ops->bad_line(ops->ctx, err, line);
	*quit = is_quit(argc, argv);
	status = argc && !*quit ? ops->run(ops->ctx, argc, argv, line) : 0;
	trustdb_words_free(argv, argc);
	return status;
}

int trustdb_script_run(struct trustdb_reader *r, const struct trustdb_shell_ops *ops,
		       int keep_going)
{
	struct buf line = BUF_INIT;
	int first = 0, quit = 0, err;

	while (!quit && (err = trustdb_reader_next(r, &line)) == XE2E_OK) {
		int status = run_line(ops, (const char *)line.data, line.len, r->line, &quit);

		if (status && !first)
			first = status;
		if (status && !keep_going)
			break;
	}
	buf_free(&line);
	if (!quit && err != XE2E_OK && err != XE2E_E_EOF && !first)
		first = ops->bad_line(ops->ctx, err, r->line + 1);
	return first;
}

/* ---- completion ---- */

static char **candidates;
static size_t n_candidates, next_candidate;

static void candidates_reset(void)
{
	trustdb_strings_free(candidates, n_candidates);
	candidates = NULL;
	n_candidates = next_candidate = 0;
}

static int candidates_add(const char *s)
{
	char **grown;

	for (size_t i = 0; i < n_candidates; i++) {
		if (strcmp(candidates[i], s) == 0)
			return XE2E_OK;
	}
	grown = realloc(candidates, (n_candidates + 1) * sizeof(*grown));
	if (!grown)
		return XE2E_E_NOMEM;
	candidates = grown;
	if (!(grown[n_candidates] = strdup(s)))
		return XE2E_E_NOMEM;
	n_candidates++;
	return XE2E_OK;
}

static char *candidate_next(const char *text, int state)
{
	if (state == 0)
		next_candidate = 0;
	while (next_candidate < n_candidates) {
		const char *c = candidates[next_candidate++];

		if (strncmp(c, text, strlen(text)) == 0)
			return strdup(c);
	}
	return NULL;
}

/* Word number pos of the commands whose earlier words are argv[0..pos). */
static void command_words(int pos, char **argv)
{
	size_t n;
	const struct trustdb_command *cmds = trustdb_commands(&n);

	for (size_t i = 0; i < n; i++) {
		const char *w = cmds[i].words;
		int k = 0;

		for (; k < pos && *w; k++) {
			size_t len = strcspn(w, " ");

			if (strlen(argv[k]) != len || strncmp(argv[k], w, len) != 0)
				break;
			w += len + (w[len] == ' ');
		}
		if (k == pos && *w) {
			char word[64];

			snprintf(word, sizeof(word), "%.*s", (int)strcspn(w, " "), w);
			candidates_add(word);
		}
	}
	if (pos == 0) {
		candidates_add("quit");
		candidates_add("exit");
	}
}

static void add_all(int (*list)(char ***, size_t *))
{
	char **v = NULL;
	size_t n = 0;

	if (list(&v, &n) == XE2E_OK) {
		for (size_t i = 0; i < n; i++)
			candidates_add(v[i]);
	}
	trustdb_strings_free(v, n);
	err_detail_clear();
}

/* Candidates for argument word pos of a command; 1 to complete file names. */
static int argument_words(int argc, char **argv)
{
	int nwords = 0;
	const struct trustdb_command *cmd = trustdb_command_find(argc, argv, &nwords);
	int pos = argc - nwords;

	if (!cmd || pos >= TRUSTDB_ARGS_MAX || pos >= cmd->max_args)
		return 0;
	switch (cmd->arg[pos]) {
	case TRUSTDB_ARG_JID:
	case TRUSTDB_ARG_PEER:
		add_all(trustdb_jids);
		return 0;
	case TRUSTDB_ARG_ANCHOR:
		add_all(trustdb_anchor_names);
		return 0;
	case TRUSTDB_ARG_SESSION:
		add_all(trustdb_session_ids);
		return 0;
	case TRUSTDB_ARG_FILE:
		return 1;
	default:
		return 0;
	}
}

static char **complete(const char *text, int start, int end)
{
	char **argv = NULL;
	int argc = 0, files = 0;

	(void)end;
	candidates_reset();
	rl_attempted_completion_over = 1;
	if (trustdb_line_split(rl_line_buffer, (size_t)start, &argv, &argc) != XE2E_OK) {
		err_detail_clear();
		return NULL;
	}
	command_words(argc, argv);
	if (argc > 0)
		files = argument_words(argc, argv);
	trustdb_words_free(argv, argc);
	if (files && n_candidates == 0) {
		rl_attempted_completion_over = 0;
		return NULL;
	}
	return rl_completion_matches(text, candidate_next);
}

/* ---- the interactive shell ---- */

static int is_secret_line(const char *line)
{
	while (*line == ' ' || *line == '\t')
		line++;
	return strncmp(line, "psk", 3) == 0 && (line[3] == ' ' || line[3] == '\t' || !line[3]);
}

int trustdb_shell_run(const struct trustdb_shell_ops *ops)
{
	unsigned long number = 0;
	int status = 0, quit = 0;
	char *line;

	rl_readline_name = err_progname();
	rl_attempted_completion_function = complete;
	rl_basic_word_break_characters = " \t";
	using_history();
	while (!quit && (line = readline(TRUSTDB_PROMPT))) {
		size_t len = strlen(line);

		number++;
		if (len && !is_secret_line(line))
			add_history(line);
		status = run_line(ops, line, len, number, &quit);
		wipe(line, len);
		free(line);
	}
	clear_history();
	candidates_reset();
	return status;
}
