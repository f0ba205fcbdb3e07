/* Helpers shared by the fuzz targets; see fuzz.h. */
#include "fuzz.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "xml.h"

static char fuzz_home_dir[256];

static int fuzz_remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void fuzz_remove_home(void)
{
	if (fuzz_home_dir[0])
		nftw(fuzz_home_dir, fuzz_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_home(void)
{
	struct stat st;
	const char *base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";

	if (fuzz_home_dir[0])
		return fuzz_home_dir;
	snprintf(fuzz_home_dir, sizeof(fuzz_home_dir), "%s/xe2e-fuzz-XXXXXX", base);
	if (!mkdtemp(fuzz_home_dir)) {
		perror("fuzz: mkdtemp");
		abort();
	}
	atexit(fuzz_remove_home);
	return fuzz_home_dir;
}

int fuzz_use_home(const char *sub)
{
	char path[512];

	if (!sub)
		return setenv("XE2E_HOME", fuzz_home(), 1);
	snprintf(path, sizeof(path), "%s/%s", fuzz_home(), sub);
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return -1;
	return setenv("XE2E_HOME", path, 1);
}

int fuzz_write_file(const char *path, const void *data, size_t size, mode_t mode)
{
	const uint8_t *p = data;
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	while (size > 0) {
		ssize_t n = write(fd, p, size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		p += n;
		size -= (size_t)n;
	}
	if (fchmod(fd, mode) != 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

uint8_t *fuzz_read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		data = malloc((size_t)n + 1);
		if (data && fread(data, 1, (size_t)n, f) == (size_t)n) {
			data[n] = 0;
			*size = (size_t)n;
		} else {
			free(data);
			data = NULL;
		}
	}
	fclose(f);
	return data;
}

const char *fuzz_fixtures_dir(void)
{
	static char dir[512];
	const char *top = getenv("XE2E_FUZZ_DIR");

	if (!dir[0])
		snprintf(dir, sizeof(dir), "%s/fixtures", top && *top ? top : "tests/fuzz");
	return dir;
}

void fuzz_xml_round_trip(const struct xml_node *el)
{
	struct buf a = BUF_INIT, b = BUF_INIT, c = BUF_INIT;
	struct xml_node *again = NULL, *copy = NULL;
	int err = xml_serialize(el, &a);

	FUZZ_CHECK(err == XE2E_OK);
	if (err != XE2E_OK)
		goto done;
	FUZZ_CHECK(memchr(a.data, '\n', a.len) == NULL);
	err = xml_parse_element((const char *)a.data, a.len, NULL, &again);
	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_LIMIT);
	if (err == XE2E_OK) {
		FUZZ_CHECK(xml_serialize(again, &b) == XE2E_OK);
		FUZZ_CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	}
	copy = xml_clone(el);
	FUZZ_CHECK(copy != NULL);
	if (copy) {
		FUZZ_CHECK(xml_serialize(copy, &c) == XE2E_OK);
		FUZZ_CHECK(a.len == c.len && memcmp(a.data, c.data, a.len) == 0);
	}
done:
	xml_free(again);
	xml_free(copy);
	buf_free(&a);
	buf_free(&b);
	buf_free(&c);
}
