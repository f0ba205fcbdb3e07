/* Helpers shared by the test_xml_*.c unit tests; see test_xml.h. */
#include "test_xml.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "unit.h"

const char *tx_corpus(const char *sub, const char *name)
{
	static char path[1024];
	const char *dir = getenv("XE2E_XML_CORPUS");

	snprintf(path, sizeof(path), "%s/%s/%s", dir && *dir ? dir : "tests/xml", sub, name);
	return path;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **tx_corpus_names(const char *sub)
{
	char **names = calloc(1, sizeof(*names));
	size_t n = 0, len;
	struct dirent *e;
	char **grown;
	DIR *d;

	d = opendir(tx_corpus(sub, ""));
	if (!d || !names) {
		if (d)
			closedir(d);
		free(names);
		return NULL;
	}
	while ((e = readdir(d))) {
		len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 4, ".xml") != 0)
			continue;
		grown = realloc(names, (n + 2) * sizeof(*names));
		if (!grown)
			break;
		names = grown;
		names[n++] = strdup(e->d_name);
		names[n] = NULL;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	return names;
}

void tx_names_free(char **names)
{
	for (size_t i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
}

int tx_fd_with(const void *data, size_t len)
{
	char path[300];
	const char *p = data;
	ssize_t w;
	int fd;

	snprintf(path, sizeof(path), "%s/input.xml", unit_tmpdir());
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return -1;
	while (len) {
		w = write(fd, p, len);
		if (w <= 0) {
			close(fd);
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

char *tx_read_all(int fd, enum xml_reader_mode mode, const struct xml_limits *lim,
		  size_t *count, int *end)
{
	struct buf out = BUF_INIT;
	struct xml_reader *r = NULL;
	struct xml_node *s;
	int err, ok = 1;

	*count = 0;
	*end = xml_reader_new(&r, fd, mode, lim);
	if (*end)
		return NULL;
	while ((err = xml_reader_next(r, &s)) == XE2E_OK) {
		ok = ok && !xml_serialize(s, &out) && !buf_append_byte(&out, '\n');
		xml_free(s);
		(*count)++;
	}
	*end = err;
	xml_reader_free(r);
	if (!ok || buf_terminate(&out)) {
		buf_free(&out);
		return NULL;
	}
	return (char *)out.data;
}

char *tx_read_mem(const void *data, size_t len, enum xml_reader_mode mode,
		  const struct xml_limits *lim, size_t *count, int *end)
{
	int fd = tx_fd_with(data, len);
	char *out;

	if (fd < 0) {
		*count = 0;
		*end = XE2E_E_IO;
		return NULL;
	}
	out = tx_read_all(fd, mode, lim, count, end);
	close(fd);
	return out;
}

char *tx_ser(const struct xml_node *node)
{
	struct buf out = BUF_INIT;

	if (xml_serialize(node, &out) || buf_terminate(&out)) {
		buf_free(&out);
		return NULL;
	}
	return (char *)out.data;
}

char *tx_c14n(const char *doc, size_t len)
{
	char path[300], cmd[400], chunk[4096];
	struct buf out = BUF_INIT;
	size_t n;
	FILE *f, *p;

	snprintf(path, sizeof(path), "%s/doc.xml", unit_tmpdir());
	f = fopen(path, "wb");
	if (!f)
		return NULL;
	n = fwrite(doc, 1, len, f);
	if (fclose(f) != 0 || n != len)
		return NULL;
	snprintf(cmd, sizeof(cmd), "xmllint --c14n '%s' 2>/dev/null", path);
	p = popen(cmd, "r");
	if (!p)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		buf_append(&out, chunk, n);
	if (pclose(p) != 0 || out.len == 0 || buf_terminate(&out)) {
		buf_free(&out);
		return NULL;
	}
	return (char *)out.data;
}

static int str_same(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static int node_same(const struct xml_node *a, const struct xml_node *b)
{
	if (a->type != b->type)
		return 0;
	if (a->type == XML_TEXT)
		return a->text_len == b->text_len && memcmp(a->text, b->text, a->text_len) == 0;
	if (!str_same(a->name, b->name) || !str_same(a->ns, b->ns) ||
	    !str_same(a->prefix, b->prefix) || a->n_nsdecls != b->n_nsdecls ||
	    a->n_attrs != b->n_attrs || a->n_children != b->n_children)
		return 0;
	for (size_t i = 0; i < a->n_nsdecls; i++)
		if (!str_same(a->nsdecls[i].prefix, b->nsdecls[i].prefix) ||
		    !str_same(a->nsdecls[i].uri, b->nsdecls[i].uri))
			return 0;
	for (size_t i = 0; i < a->n_attrs; i++)
		if (!str_same(a->attrs[i].name, b->attrs[i].name) ||
		    !str_same(a->attrs[i].ns, b->attrs[i].ns) ||
		    !str_same(a->attrs[i].prefix, b->attrs[i].prefix) ||
		    !str_same(a->attrs[i].value, b->attrs[i].value))
			return 0;
	return 1;
}

/* Recursion is fine here: the trees compared come from the parser, whose
 * depth limit bounds them. */
int tx_tree_equal(const struct xml_node *a, const struct xml_node *b)
{
	if (!node_same(a, b))
		return 0;
	for (size_t i = 0; i < a->n_children; i++) {
		if (a->children[i]->parent != a || b->children[i]->parent != b)
			return 0;
		if (!tx_tree_equal(a->children[i], b->children[i]))
			return 0;
	}
	return 1;
}

int tx_detail_has_position(void)
{
	const char *d = err_detail();

	return strstr(d, " at line ") && strstr(d, ", column ");
}
