/* xe2e-trustdb: the command table and dispatch (see trustdb.h). */
#include <stdlib.h>
#include <string.h>

#include "anchor.h"
#include "err.h"
#include "trustdb_int.h"
#include "util.h"

#define A(...) {__VA_ARGS__}
#define NONE TRUSTDB_ARG_NONE
#define JID TRUSTDB_ARG_JID

static int cmd_help(struct trustdb *t, char **args, int nargs, struct buf *out)
{
	(void)t;
	(void)args;
	(void)nargs;
	return trustdb_help(out);
}

static const struct trustdb_command commands[] = {
	{"list", "", "list the trust entries: JID, identity, level, flags", 0, 0, A(NONE),
	 tdb_cmd_list},
	{"show", "JID|FPR", "show the entries of a JID or an identity fingerprint", 1, 1,
	 A(TRUSTDB_ARG_PEER), tdb_cmd_show},
	{"pin", "JID FPR", "pin an identity fingerprint for a JID (adds the entry if needed)", 2,
	 2, A(JID, TRUSTDB_ARG_FPR), tdb_cmd_pin},
	{"verify", "JID [FPR]", "record a fingerprint comparison: level verified, flags cleared",
	 1, 2, A(JID, TRUSTDB_ARG_FPR), tdb_cmd_verify},
	{"revoke", "JID [FPR]", "revoke an identity key (all current ones without FPR)", 1, 2,
	 A(JID, TRUSTDB_ARG_FPR), tdb_cmd_revoke},
	{"forget", "JID [FPR]", "remove entries and their retained secrets", 1, 2,
	 A(JID, TRUSTDB_ARG_FPR), tdb_cmd_forget},
	{"psk set", "JID [PSK]", "set the PSK of a JID (read from standard input without PSK)", 1,
	 2, A(JID, TRUSTDB_ARG_SECRET), tdb_cmd_psk_set},
	{"psk clear", "JID", "remove the PSK of a JID", 1, 1, A(JID), tdb_cmd_psk_clear},
	{"anchor add", "FILE [NAME]", "add a CA certificate (PEM) as an X.509 anchor", 1, 2,
	 A(TRUSTDB_ARG_FILE, TRUSTDB_ARG_NAME), tdb_cmd_anchor_add},
	{"anchor list", "", "list the X.509 anchors", 0, 0, A(NONE), tdb_cmd_anchor_list},
	{"anchor remove", "NAME", "remove an X.509 anchor", 1, 1, A(TRUSTDB_ARG_ANCHOR),
	 tdb_cmd_anchor_remove},
	{"anchor verify", "FILE [JID]",
	 "check a certificate chain against the anchors; record its key as anchored", 1, 2,
	 A(TRUSTDB_ARG_FILE, JID), tdb_cmd_anchor_verify},
	{"openpgp check", "JID",
	 "check a peer's recorded OpenPGP key against your GnuPG keyring; valid: anchored", 1, 1,
	 A(JID), tdb_cmd_openpgp_check},
	{"sessions list", "", "list the sessions", 0, 0, A(NONE), tdb_cmd_sessions_list},
	{"sessions show", "ID", "show a session's public state", 1, 1, A(TRUSTDB_ARG_SESSION),
	 tdb_cmd_sessions_show},
	{"sessions close", "ID", "delete a session (and the peer's pointer to it)", 1, 1,
	 A(TRUSTDB_ARG_SESSION), tdb_cmd_sessions_close},
	{"export", "", "write the trust store as XML (never a secret)", 0, 0, A(NONE),
	 tdb_cmd_export},
	{"import", "FILE", "merge an export into the trust store, refusing conflicts", 1, 1,
	 A(TRUSTDB_ARG_FILE), tdb_cmd_import},
	{"reset-failures", "JID", "reset the count of failed SPAKE2 runs with a JID", 1, 1, A(JID),
	 tdb_cmd_reset_failures},
	{"help", "", "list the commands", 0, 0, A(NONE), cmd_help},
};

const struct trustdb_command *trustdb_commands(size_t *n)
{
	*n = ARRAY_SIZE(commands);
	return commands;
}

/* 1 when argv starts with the words of cmd; *nwords gets their count. */
static int words_match(const char *words, int argc, char **argv, int *nwords)
{
	int i = 0;

	while (*words) {
		size_t len = strcspn(words, " ");

		if (i >= argc || strlen(argv[i]) != len || strncmp(argv[i], words, len) != 0)
			return 0;
		i++;
		words += len;
		words += *words == ' ';
	}
	*nwords = i;
	return 1;
}

const struct trustdb_command *trustdb_command_find(int argc, char **argv, int *nwords)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (words_match(commands[i].words, argc, argv, nwords))
			return &commands[i];
	}
	return NULL;
}

/* The words that start some command, for "unknown command" details. */
static int is_group(const char *word)
{
	return strcmp(word, "psk") == 0 || strcmp(word, "anchor") == 0 ||
	       strcmp(word, "openpgp") == 0 || strcmp(word, "sessions") == 0;
}

static int usage(int *flag, const char *fmt, const char *a, const char *b)
{
	err_detail_set(fmt, a, b);
	*flag = 1;
	return XE2E_E_MALFORMED;
}

int trustdb_exec(struct trustdb *t, int argc, char **argv, struct buf *out, int *usage_flag)
{
	const struct trustdb_command *cmd;
	int nwords = 0, nargs;

	*usage_flag = 0;
	err_detail_clear();
	if (argc < 1)
		return usage(usage_flag, "no command%s%s", "", "");
	cmd = trustdb_command_find(argc, argv, &nwords);
	if (!cmd && is_group(argv[0]))
		return usage(usage_flag, "unknown command '%s %s'", argv[0],
			     argc > 1 ? argv[1] : "(none)");
	if (!cmd)
		return usage(usage_flag, "unknown command '%s'%s", argv[0], "");
	nargs = argc - nwords;
	if (nargs < cmd->min_args || nargs > cmd->max_args)
		return usage(usage_flag, "usage: %s %s", cmd->words, cmd->args);
	return cmd->run(t, argv + nwords, nargs, out);
}

int trustdb_help(struct buf *out)
{
	int err = XE2E_OK;

	for (size_t i = 0; !err && i < ARRAY_SIZE(commands); i++)
		err = buf_printf(out, "%s%s%s: %s\n", commands[i].words, *commands[i].args ? " " : "",
				 commands[i].args, commands[i].help);
	return err;
}

/* ---- completion candidates ---- */

static int strings_push(char ***v, size_t *n, const char *s)
{
	char **grown = realloc(*v, (*n + 1) * sizeof(**v));

	if (!grown)
		return XE2E_E_NOMEM;
	*v = grown;
	if (!(grown[*n] = strdup(s)))
		return XE2E_E_NOMEM;
	(*n)++;
	return XE2E_OK;
}

int trustdb_jids(char ***jids, size_t *n)
{
	struct trust_db db = TRUST_DB_INIT;
	int err = trust_load(NULL, &db);

	*jids = NULL;
	*n = 0;
	for (size_t i = 0; !err && i < db.n_peers; i++) {
		if (trust_next_by_jid(&db, db.peers[i].jid, NULL) == &db.peers[i])
			err = strings_push(jids, n, db.peers[i].jid);
	}
	trust_free(&db);
	return err;
}

int trustdb_anchor_names(char ***names, size_t *n)
{
	struct anchor_info *list = NULL;
	size_t count = 0;
	int err = anchor_list(NULL, &list, &count);

	*names = NULL;
	*n = 0;
	for (size_t i = 0; !err && i < count; i++)
		err = strings_push(names, n, list[i].name);
	free(list);
	return err;
}
