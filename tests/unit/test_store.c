#include <dirent.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "store.h"
#include "unit.h"

/* Sets an environment variable for one test and puts it back after. */
struct saved_env {
	const char *name;
	char *value; /* NULL when it was unset */
};

static void env_save(struct saved_env *s, const char *name, const char *value)
{
	const char *old = getenv(name);

	s->name = name;
	s->value = old ? strdup(old) : NULL;
	if (value)
		setenv(name, value, 1);
	else
		unsetenv(name);
}

static void env_restore(struct saved_env *s)
{
	if (s->value)
		setenv(s->name, s->value, 1);
	else
		unsetenv(s->name);
	free(s->value);
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

/* Entries in dir other than . and .. */
static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static void join(char out[static STORE_PATH_MAX], const char *dir, const char *name)
{
	if (snprintf(out, STORE_PATH_MAX, "%s/%s", dir, name) >= STORE_PATH_MAX)
		unit_fail(__FILE__, __LINE__, "path too long");
}

TEST(store_dir_follows_xe2e_home_then_xdg_then_home)
{
	struct saved_env home, xe2e, data, state;
	char out[STORE_PATH_MAX];

	env_save(&xe2e, "XE2E_HOME", "/x/e2e");
	env_save(&home, "HOME", "/home/alice");
	env_save(&data, "XDG_DATA_HOME", NULL);
	env_save(&state, "XDG_STATE_HOME", NULL);
	CHECK_INT(store_dir(STORE_DATA, out), XE2E_OK);
	CHECK_STR(out, "/x/e2e");
	CHECK_INT(store_dir(STORE_STATE, out), XE2E_OK);
	CHECK_STR(out, "/x/e2e/state");
	CHECK_INT(store_path(STORE_DATA, "identity.key", out), XE2E_OK);
	CHECK_STR(out, "/x/e2e/identity.key");
	unsetenv("XE2E_HOME");
	CHECK_INT(store_dir(STORE_DATA, out), XE2E_OK);
	CHECK_STR(out, "/home/alice/.local/share/xe2e");
	CHECK_INT(store_dir(STORE_STATE, out), XE2E_OK);
	CHECK_STR(out, "/home/alice/.local/state/xe2e");
	setenv("XDG_DATA_HOME", "/data", 1);
	setenv("XDG_STATE_HOME", "relative/is/ignored", 1);
	CHECK_INT(store_dir(STORE_DATA, out), XE2E_OK);
	CHECK_STR(out, "/data/xe2e");
	CHECK_INT(store_dir(STORE_STATE, out), XE2E_OK);
	CHECK_STR(out, "/home/alice/.local/state/xe2e");
	unsetenv("HOME");
	CHECK_INT(store_dir(STORE_STATE, out), XE2E_E_NOTFOUND);
	CHECK_INT(store_path(STORE_DATA, "/abs", out), XE2E_E_STATE);
	env_restore(&state);
	env_restore(&data);
	env_restore(&home);
	env_restore(&xe2e);
}

TEST(store_ensure_dir_makes_private_trees_and_refuses_open_ones)
{
	struct saved_env xe2e;
	char home[STORE_PATH_MAX], state[STORE_PATH_MAX], tag[STORE_PATH_MAX];
	char *text;

	join(home, unit_tmpdir(), "a/b/home");
	env_save(&xe2e, "XE2E_HOME", home);
	CHECK_INT(store_ensure_dir(STORE_STATE), XE2E_OK);
	CHECK_INT(store_ensure_dir(STORE_DATA), XE2E_OK);
	join(state, home, "state");
	join(tag, state, "CACHEDIR.TAG");
	CHECK_INT(mode_of(home), 0700);
	CHECK_INT(mode_of(state), 0700);
	text = unit_read_file(tag, NULL);
	CHECK(text && strncmp(text, "Signature: 8a477f597d28d172789f06886806bc55", 43) == 0);
	free(text);
	CHECK_INT(store_ensure_dir(STORE_STATE), XE2E_OK); /* again: nothing changes */
	CHECK_INT(count_entries(state), 1);
	chmod(home, 0755);
	CHECK_INT(store_ensure_dir(STORE_DATA), XE2E_E_PERM);
	CHECK(strstr(err_detail(), "chmod 700") != NULL);
	chmod(home, 0700);
	env_restore(&xe2e);
}

TEST(store_create_refuses_an_existing_file)
{
	const char *dir = unit_tmpdir();
	char path[STORE_PATH_MAX];
	struct buf b = BUF_INIT;

	join(path, dir, "f");
	CHECK_INT(store_create(path, "first", 5, 0600), XE2E_OK);
	CHECK_INT(mode_of(path), 0600);
	CHECK_INT(store_create(path, "second", 6, 0600), XE2E_E_EXISTS);
	CHECK_INT(store_read_file(path, 100, 1, &b), XE2E_OK);
	CHECK_INT(b.len, 5);
	CHECK_MEM(b.data, "first", 5);
	CHECK_INT(count_entries(dir), 1); /* no temporary file left */
	/* A dangling symbolic link counts as existing and is not followed. */
	join(path, dir, "link");
	CHECK_INT(symlink("target", path), 0);
	CHECK_INT(store_create(path, "x", 1, 0600), XE2E_E_EXISTS);
	join(path, dir, "target");
	CHECK(!store_exists(path));
	buf_free(&b);
}

TEST(store_write_atomic_replaces_with_the_mode_given)
{
	const char *dir = unit_tmpdir();
	char path[STORE_PATH_MAX];
	struct buf b = BUF_INIT;

	join(path, dir, "f");
	CHECK_INT(store_write_atomic(path, "old", 3, 0600), XE2E_OK);
	CHECK_INT(store_write_atomic(path, "new content", 11, 0644), XE2E_OK);
	CHECK_INT(mode_of(path), 0644);
	CHECK_INT(store_read_file(path, 100, 0, &b), XE2E_OK);
	CHECK_INT(b.len, 11);
	CHECK_MEM(b.data, "new content", 11);
	CHECK_INT(b.data[b.len], '\0');
	CHECK_INT(count_entries(dir), 1);
	join(path, dir, "missing/f");
	CHECK(store_write_atomic(path, "x", 1, 0600) != XE2E_OK);
	buf_free(&b);
}

/* A file of n bytes, all c. */
static void fill(char *p, size_t n, char c)
{
	memset(p, c, n);
}

TEST(store_write_atomic_readers_see_old_or_new_never_a_mix)
{
	enum { SIZE = 256 * 1024, WRITES = 60 };
	const char *dir = unit_tmpdir();
	char path[STORE_PATH_MAX];
	static char content[SIZE];
	struct buf b = BUF_INIT;
	unsigned reads = 0, bad = 0;
	int status = 0;
	pid_t pid;

	join(path, dir, "f");
	fill(content, SIZE, 'a');
	CHECK_INT(store_write_atomic(path, content, SIZE, 0600), XE2E_OK);
	pid = fork();
	if (pid == 0) {
		for (int i = 0; i < WRITES; i++) {
			fill(content, SIZE, i % 2 ? 'a' : 'b');
			if (store_write_atomic(path, content, SIZE, 0600) != XE2E_OK)
				_exit(1);
		}
		_exit(0);
	}
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (store_read_file(path, SIZE, 1, &b) != XE2E_OK || b.len != SIZE) {
			bad++;
			continue;
		}
		fill(content, SIZE, (char)b.data[0]);
		bad += memcmp(b.data, content, SIZE) != 0 || (b.data[0] != 'a' && b.data[0] != 'b');
		reads++;
	}
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_INT(bad, 0);
	CHECK_INT(count_entries(dir), 1);
	unit_note("%u reads during %d replacements of %d bytes", reads, WRITES, SIZE);
	buf_free(&b);
}

TEST(store_read_file_refuses_secrets_others_can_read)
{
	const char *dir = unit_tmpdir();
	char path[STORE_PATH_MAX], link[STORE_PATH_MAX];
	struct buf b = BUF_INIT;
	static const mode_t open_modes[] = {0640, 0604, 0620, 0602, 0660, 0644, 0666};

	join(path, dir, "secret");
	CHECK_INT(store_create(path, "key", 3, 0600), XE2E_OK);
	CHECK_INT(store_read_file(path, 100, 1, &b), XE2E_OK);
	for (size_t i = 0; i < sizeof(open_modes) / sizeof(open_modes[0]); i++) {
		chmod(path, open_modes[i]);
		CHECK_INT(store_read_file(path, 100, 1, &b), XE2E_E_PERM);
		CHECK(strstr(err_detail(), "chmod 600") != NULL);
		CHECK(strstr(err_detail(), path) != NULL);
		CHECK_INT(b.len, 0);
		CHECK_INT(store_read_file(path, 100, 0, &b), XE2E_OK); /* not a secret: fine */
	}
	chmod(path, 0600);
	CHECK_INT(store_read_file(path, 2, 1, &b), XE2E_E_LIMIT);
	join(link, dir, "link");
	CHECK_INT(symlink(path, link), 0);
	CHECK_INT(store_read_file(link, 100, 1, &b), XE2E_E_PERM);
	join(path, dir, "missing");
	CHECK_INT(store_read_file(path, 100, 1, &b), XE2E_E_NOTFOUND);
	CHECK_INT(store_read_file(dir, 100, 0, &b), XE2E_E_MALFORMED);
	buf_free(&b);
}

TEST(store_remove_and_exists)
{
	const char *dir = unit_tmpdir();
	char path[STORE_PATH_MAX];

	join(path, dir, "f");
	CHECK(!store_exists(path));
	CHECK_INT(store_remove(path), XE2E_OK);
	CHECK_INT(store_create(path, "x", 1, 0600), XE2E_OK);
	CHECK(store_exists(path));
	CHECK_INT(store_remove(path), XE2E_OK);
	CHECK(!store_exists(path));
}

/* 1 when a byte arrives on fd within ms milliseconds. */
static int readable_within(int fd, int ms)
{
	struct pollfd p = {fd, POLLIN, 0};

	return poll(&p, 1, ms) == 1;
}

TEST(store_lock_excludes_another_process)
{
	const char *dir = unit_tmpdir();
	char path[STORE_PATH_MAX];
	struct store_lock lock;
	int fds[2], status = 0;
	char c = 0;
	pid_t pid;

	join(path, dir, "lock");
	CHECK_INT(pipe(fds), 0);
	CHECK_INT(store_lock(path, &lock), XE2E_OK);
	CHECK_INT(mode_of(path), 0600);
	pid = fork();
	if (pid == 0) {
		struct store_lock mine;

		close(fds[0]);
		if (store_lock(path, &mine) != XE2E_OK || write(fds[1], "L", 1) != 1)
			_exit(1);
		store_unlock(&mine);
		_exit(0);
	}
	close(fds[1]);
	CHECK(!readable_within(fds[0], 300)); /* the child waits for us */
	store_unlock(&lock);
	CHECK(readable_within(fds[0], 10000));
	CHECK_INT(read(fds[0], &c, 1), 1);
	CHECK_INT(c, 'L');
	close(fds[0]);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Adds one to the number in path, under the lock. */
static int increment(const char *lock_path, const char *path)
{
	struct store_lock lock;
	struct buf b = BUF_INIT;
	char text[32];
	int err = store_lock(lock_path, &lock), n;

	if (err)
		return err;
	err = store_read_file(path, 32, 1, &b);
	if (!err) {
		n = atoi((const char *)b.data) + 1;
		snprintf(text, sizeof(text), "%d", n);
		err = store_write_atomic(path, text, strlen(text), 0600);
	}
	store_unlock(&lock);
	buf_free(&b);
	return err;
}

TEST(store_lock_serialises_read_modify_write)
{
	enum { PROCS = 4, ROUNDS = 25 };
	const char *dir = unit_tmpdir();
	char lock_path[STORE_PATH_MAX], path[STORE_PATH_MAX];
	struct buf b = BUF_INIT;
	pid_t pids[PROCS];
	int failed = 0, status;

	join(lock_path, dir, "lock");
	join(path, dir, "counter");
	CHECK_INT(store_create(path, "0", 1, 0600), XE2E_OK);
	for (int i = 0; i < PROCS; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			for (int r = 0; r < ROUNDS; r++) {
				if (increment(lock_path, path) != XE2E_OK)
					_exit(1);
			}
			_exit(0);
		}
	}
	for (int i = 0; i < PROCS; i++) {
		waitpid(pids[i], &status, 0);
		failed += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	}
	CHECK_INT(failed, 0);
	CHECK_INT(store_read_file(path, 32, 1, &b), XE2E_OK);
	CHECK_INT(atoi((const char *)b.data), PROCS * ROUNDS);
	buf_free(&b);
}

TEST(store_file_id_tells_a_copy_from_the_original)
{
	const char *dir = unit_tmpdir();
	char path[STORE_PATH_MAX], copy[STORE_PATH_MAX];
	unsigned long long dev1, ino1, dev2, ino2, dev3, ino3;

	join(path, dir, "session");
	join(copy, dir, "copy");
	CHECK_INT(store_create(path, "state", 5, 0600), XE2E_OK);
	CHECK_INT(store_file_id(path, &dev1, &ino1), XE2E_OK);
	CHECK_INT(store_file_id(path, &dev2, &ino2), XE2E_OK);
	CHECK(dev1 == dev2 && ino1 == ino2);
	CHECK_INT(store_create(copy, "state", 5, 0600), XE2E_OK);
	CHECK_INT(store_file_id(copy, &dev3, &ino3), XE2E_OK);
	CHECK(ino3 != ino1);
	/* A rename keeps the identity: what was written is what is read. */
	CHECK_INT(rename(copy, path), 0);
	CHECK_INT(store_file_id(path, &dev2, &ino2), XE2E_OK);
	CHECK(dev2 == dev3 && ino2 == ino3);
	CHECK_INT(store_file_id(copy, &dev3, &ino3), XE2E_E_NOTFOUND);
}
