/*
 * Files that hold keys and state (see store.h).
 *
 * Every replacement goes through a temporary file in the same directory,
 * created O_EXCL|O_NOFOLLOW with the final mode, written, fsync'ed, then
 * renamed (or linked, when the name must not exist yet) over the final
 * name, and the directory is fsync'ed so the rename itself is durable.
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "util.h"

#define CACHEDIR_TAG                                                  \
	"Signature: 8a477f597d28d172789f06886806bc55\n"               \
	"# This file is a cache directory tag created by xe2e.\n"     \
	"# Sessions and retained secrets: never restore them from a\n" \
	"# backup; see xe2e(7).\n"

static int io_error(const char *what, const char *path)
{
	int e = errno;

	err_detail_set("%s %s: %s", what, path, strerror(e));
	if (e == ENOENT)
		return XE2E_E_NOTFOUND;
	if (e == ENOMEM)
		return XE2E_E_NOMEM;
	return XE2E_E_IO;
}

static int path_join(char out[static STORE_PATH_MAX], const char *a, const char *b)
{
	int n = snprintf(out, STORE_PATH_MAX, "%s%s%s", a, *b ? "/" : "", b);

	if (n < 0 || n >= STORE_PATH_MAX) {
		err_detail_set("path too long: %s/%s", a, b);
		return XE2E_E_LIMIT;
	}
	return XE2E_OK;
}

/* An XDG base directory variable counts only when it is an absolute path. */
static const char *xdg_env(const char *name)
{
	const char *v = getenv(name);

	return v && v[0] == '/' ? v : NULL;
}

int store_dir(enum store_tree tree, char out[static STORE_PATH_MAX])
{
	const char *home = getenv("XE2E_HOME"), *xdg;
	char base[STORE_PATH_MAX];
	int err;

	if (tree != STORE_DATA && tree != STORE_STATE)
		return XE2E_E_STATE;
	if (home && *home)
		return path_join(out, home, tree == STORE_DATA ? "" : "state");
	xdg = xdg_env(tree == STORE_DATA ? "XDG_DATA_HOME" : "XDG_STATE_HOME");
	if (xdg)
		return path_join(out, xdg, "xe2e");
	home = getenv("HOME");
	if (!home || !*home) {
		err_detail_set("neither XE2E_HOME nor HOME is set");
		return XE2E_E_NOTFOUND;
	}
	err = path_join(base, home, tree == STORE_DATA ? ".local/share" : ".local/state");
	return err ? err : path_join(out, base, "xe2e");
}

int store_path(enum store_tree tree, const char *name, char out[static STORE_PATH_MAX])
{
	char dir[STORE_PATH_MAX];
	int err;

	if (!name || !*name || name[0] == '/') {
		err_detail_set("invalid file name");
		return XE2E_E_STATE;
	}
	err = store_dir(tree, dir);
	return err ? err : path_join(out, dir, name);
}

int store_mkdir(const char *path)
{
	struct stat st;

	if (mkdir(path, 0700) == 0)
		return XE2E_OK;
	if (errno != EEXIST)
		return io_error("cannot create directory", path);
	if (stat(path, &st) != 0)
		return io_error("cannot access", path);
	if (!S_ISDIR(st.st_mode)) {
		err_detail_set("%s exists and is not a directory", path);
		return XE2E_E_EXISTS;
	}
	return XE2E_OK;
}

/* Creates every missing directory on the way to path (like mkdir -p). */
static int mkdir_parents(const char *path)
{
	char tmp[STORE_PATH_MAX];
	int err;

	if (strlen(path) >= sizeof(tmp))
		return XE2E_E_LIMIT;
	strcpy(tmp, path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		err = store_mkdir(tmp);
		*p = '/';
		if (err)
			return err;
	}
	return store_mkdir(tmp);
}

static int check_private_dir(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return io_error("cannot access", path);
	if (!S_ISDIR(st.st_mode)) {
		err_detail_set("%s is not a directory", path);
		return XE2E_E_PERM;
	}
	if (st.st_uid != geteuid()) {
		err_detail_set("%s is not owned by you", path);
		return XE2E_E_PERM;
	}
	if (st.st_mode & 077) {
		err_detail_set("%s is accessible by others: chmod 700 %s", path, path);
		return XE2E_E_PERM;
	}
	return XE2E_OK;
}

int store_ensure_dir(enum store_tree tree)
{
	char dir[STORE_PATH_MAX], tag[STORE_PATH_MAX];
	int err;

	err = store_dir(tree, dir);
	if (!err)
		err = mkdir_parents(dir);
	if (!err)
		err = check_private_dir(dir);
	if (err || tree != STORE_STATE)
		return err;
	err = path_join(tag, dir, "CACHEDIR.TAG");
	if (err || store_exists(tag))
		return err;
	err = store_create(tag, CACHEDIR_TAG, strlen(CACHEDIR_TAG), 0644);
	return err == XE2E_E_EXISTS ? XE2E_OK : err;
}

/* The directory part of path, for fsync after a rename. */
static void dir_of(const char *path, char out[static STORE_PATH_MAX])
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		strcpy(out, ".");
	else if (slash == path)
		strcpy(out, "/");
	else
		snprintf(out, STORE_PATH_MAX, "%.*s", (int)(slash - path), path);
}

static int fsync_dir(const char *path)
{
	char dir[STORE_PATH_MAX];
	int fd, rc;

	dir_of(path, dir);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return io_error("cannot open directory", dir);
	rc = fsync(fd);
	close(fd);
	if (rc != 0)
		return io_error("cannot fsync directory", dir);
	return XE2E_OK;
}

static int wait_writable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLOUT};

	while (poll(&p, 1, -1) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

int store_write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && wait_writable(fd) == 0)
			continue;
		if (n == 0)
			errno = EIO;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Writes data to a fresh temporary file next to path (name in tmp) with the
 * given mode, and fsyncs it. On failure nothing is left behind.
 */
static int write_temp(const char *path, const void *data, size_t len, mode_t mode,
		      char tmp[static STORE_PATH_MAX])
{
	int n = snprintf(tmp, STORE_PATH_MAX, "%s.tmp-XXXXXX", path);
	int fd, err = XE2E_OK;

	if (n < 0 || n >= STORE_PATH_MAX) {
		err_detail_set("path too long: %s", path);
		return XE2E_E_LIMIT;
	}
	fd = mkostemp(tmp, O_CLOEXEC); /* O_CREAT|O_EXCL: never follows a link */
	if (fd < 0)
		return io_error("cannot create", tmp);
	if (fchmod(fd, mode) != 0)
		err = io_error("cannot chmod", tmp);
	else if (store_write_all(fd, data, len) != 0)
		err = io_error("cannot write", tmp);
	else if (fsync(fd) != 0)
		err = io_error("cannot fsync", tmp);
	if (close(fd) != 0 && !err)
		err = io_error("cannot close", tmp);
	if (err)
		unlink(tmp);
	return err;
}

int store_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	char tmp[STORE_PATH_MAX];
	int err = write_temp(path, data, len, mode, tmp);

	if (err)
		return err;
	if (rename(tmp, path) != 0) {
		err = io_error("cannot rename to", path);
		unlink(tmp);
		return err;
	}
	return fsync_dir(path);
}

int store_create(const char *path, const void *data, size_t len, mode_t mode)
{
	char tmp[STORE_PATH_MAX];
	int err = write_temp(path, data, len, mode, tmp);

	if (err)
		return err;
	if (link(tmp, path) != 0) {
		if (errno == EEXIST) {
			err_detail_set("%s exists", path);
			err = XE2E_E_EXISTS;
		} else {
			err = io_error("cannot create", path);
		}
	}
	unlink(tmp);
	return err ? err : fsync_dir(path);
}

static int check_read_stat(const char *path, const struct stat *st, size_t max, int secret)
{
	if (!S_ISREG(st->st_mode)) {
		err_detail_set("%s is not a regular file", path);
		return XE2E_E_MALFORMED;
	}
	if (secret && st->st_uid != geteuid()) {
		err_detail_set("%s is not owned by you", path);
		return XE2E_E_PERM;
	}
	if (secret && (st->st_mode & 077)) {
		err_detail_set("%s is accessible by others: chmod 600 %s", path, path);
		return XE2E_E_PERM;
	}
	if ((unsigned long long)st->st_size > max) {
		err_detail_set("%s is larger than %zu bytes", path, max);
		return XE2E_E_LIMIT;
	}
	return XE2E_OK;
}

/* Reads up to max bytes; one more byte means the file grew past max. */
static int read_fd(int fd, const char *path, size_t max, struct buf *out)
{
	uint8_t chunk[4096];
	int err = XE2E_OK;

	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = io_error("cannot read", path);
			break;
		}
		if (n == 0)
			break;
		if (out->len + (size_t)n > max) {
			err_detail_set("%s is larger than %zu bytes", path, max);
			err = XE2E_E_LIMIT;
			break;
		}
		err = buf_append(out, chunk, (size_t)n);
		if (err)
			break;
	}
	wipe(chunk, sizeof(chunk));
	return err;
}

/*
 * The content replaces what out held, and is NUL-terminated (the NUL is
 * not counted in out->len), so text files can be parsed in place.
 */
int store_read_file(const char *path, size_t max, int secret, struct buf *out)
{
	struct stat st;
	int fd, err;

	buf_clear(out);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == ELOOP) {
		err_detail_set("%s is a symbolic link; refusing to follow it", path);
		return XE2E_E_PERM;
	}
	if (fd < 0)
		return io_error("cannot open", path);
	if (fstat(fd, &st) != 0)
		err = io_error("cannot stat", path);
	else
		err = check_read_stat(path, &st, max, secret);
	if (!err)
		err = read_fd(fd, path, max, out);
	if (!err)
		err = buf_terminate(out);
	close(fd);
	if (err)
		buf_clear(out);
	return err;
}

int store_remove(const char *path)
{
	if (unlink(path) != 0) {
		if (errno == ENOENT)
			return XE2E_OK;
		return io_error("cannot remove", path);
	}
	return fsync_dir(path);
}

int store_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

int store_lock(const char *path, struct store_lock *lock)
{
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	lock->fd = -1;
	if (fd < 0)
		return io_error("cannot open lock file", path);
	while (flock(fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			int err = io_error("cannot lock", path);

			close(fd);
			return err;
		}
	}
	lock->fd = fd;
	return XE2E_OK;
}

void store_unlock(struct store_lock *lock)
{
	if (lock->fd < 0)
		return;
	flock(lock->fd, LOCK_UN);
	close(lock->fd);
	lock->fd = -1;
}

int store_file_id(const char *path, unsigned long long *dev, unsigned long long *ino)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return io_error("cannot stat", path);
	*dev = (unsigned long long)st.st_dev;
	*ino = (unsigned long long)st.st_ino;
	return XE2E_OK;
}
