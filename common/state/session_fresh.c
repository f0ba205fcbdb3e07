/* Restored session files: the commit record in the lock file and the checks
 * that refuse a session file that is not the live one (see session.h). */
#include "session_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "encoding.h"
#include "err.h"
#include "hash.h"

/* "xe2e commit N(20 digits) SUM(16 hex)\n", SUM the first 8 bytes of the
 * SHA-256 of the text before the space: a record torn by a crash or read
 * while it is being written reads as damaged, never as another number. */
#define LOCKREC_HEAD_LEN (12 + 20)
#define LOCKREC_LEN (LOCKREC_HEAD_LEN + 1 + 16 + 1)

int session_lock_path(const char *session_path, char out[static STORE_PATH_MAX])
{
	size_t n = strlen(session_path), suffix = strlen(".session");

	if (n < suffix || strcmp(session_path + n - suffix, ".session") != 0 ||
	    n - suffix + strlen(".lock") >= STORE_PATH_MAX)
		return XE2E_E_STATE;
	memcpy(out, session_path, n - suffix);
	strcpy(out + n - suffix, ".lock");
	return XE2E_OK;
}

/* The record of commit into out (LOCKREC_LEN + 1 bytes). */
static int lockrec_format(uint64_t commit, char out[static LOCKREC_LEN + 1])
{
	uint8_t d[SHA256_LEN];
	int err;

	snprintf(out, LOCKREC_LEN + 1, "xe2e commit %020" PRIu64, commit);
	err = hash(HASH_SHA256, out, LOCKREC_HEAD_LEN, d);
	if (err)
		return err;
	out[LOCKREC_HEAD_LEN] = ' ';
	hex_encode(d, 8, out + LOCKREC_HEAD_LEN + 1);
	out[LOCKREC_LEN - 1] = '\n';
	out[LOCKREC_LEN] = '\0';
	return XE2E_OK;
}

uint64_t session_lockrec_read_fd(int fd)
{
	char got[LOCKREC_LEN + 2], want[LOCKREC_LEN + 1];
	uint64_t commit = 0;
	ssize_t n;

	do
		n = pread(fd, got, sizeof(got), 0);
	while (n < 0 && errno == EINTR);
	if (n != LOCKREC_LEN || memcmp(got, "xe2e commit ", 12) != 0)
		return 0;
	for (size_t i = 12; i < LOCKREC_HEAD_LEN; i++) {
		if (got[i] < '0' || got[i] > '9' || commit > (UINT64_MAX - 9) / 10)
			return 0;
		commit = commit * 10 + (uint64_t)(got[i] - '0');
	}
	if (lockrec_format(commit, want) || memcmp(got, want, LOCKREC_LEN) != 0)
		return 0;
	return commit;
}

uint64_t session_lockrec_read(const char *lock_path)
{
	int fd = open(lock_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	uint64_t commit;

	if (fd < 0)
		return 0;
	commit = session_lockrec_read_fd(fd);
	close(fd);
	return commit;
}

void session_lockrec_write_fd(int fd, uint64_t commit)
{
	char rec[LOCKREC_LEN + 1];

	/* Best effort: a record lost or torn reads as a smaller number, which
	 * only weakens the detection of a restore until the next commit. */
	if (lockrec_format(commit, rec))
		return;
	while (pwrite(fd, rec, LOCKREC_LEN, 0) < 0 && errno == EINTR)
		;
}

void session_lockrec_write(const char *lock_path, uint64_t commit)
{
	int fd = open(lock_path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return;
	session_lockrec_write_fd(fd, commit);
	close(fd);
}

int session_fresh_check(const char *path, const uint8_t id[static SESSION_ID_LEN],
			const struct session *s, const struct stat *st, unsigned long long gen,
			uint64_t lock_commit)
{
	/* 0 links: replaced after it was opened (a reader without the lock
	 * sees an older version, never a stale one). */
	if (st->st_nlink > 1) {
		err_detail_set("stale session: %s has %ju links: a hard-link backup (ln, cp -al, "
			       "rsync --link-dest) would rewind it; remove the other links or run a "
			       "new handshake", path, (uintmax_t)st->st_nlink);
		return XE2E_E_STALE;
	}
	if (s->dev != (unsigned long long)st->st_dev || s->ino != (unsigned long long)st->st_ino ||
	    s->gen != gen || memcmp(s->id, id, SESSION_ID_LEN) != 0) {
		err_detail_set("stale session: run a new handshake (%s was restored or copied)",
			       path);
		return XE2E_E_STALE;
	}
	if (s->commit < lock_commit) {
		err_detail_set("stale session: run a new handshake (%s was restored: it holds "
			       "commit %" PRIu64 ", commit %" PRIu64 " was written since)",
			       path, s->commit, lock_commit);
		return XE2E_E_STALE;
	}
	return XE2E_OK;
}
