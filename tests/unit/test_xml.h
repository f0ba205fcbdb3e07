/* Helpers shared by the test_xml_*.c unit tests. */
#ifndef XE2E_TEST_XML_H
#define XE2E_TEST_XML_H

#include <stddef.h>

#include "xml.h"

/* The XML corpus: $XE2E_XML_CORPUS or tests/xml; path of sub/name in it
 * (static buffer, valid until the next call). */
const char *tx_corpus(const char *sub, const char *name);

/* The names of the .xml files in a corpus directory, sorted; NULL-
 * terminated array, caller frees with tx_names_free. */
char **tx_corpus_names(const char *sub);
void tx_names_free(char **names);

/* A file descriptor for a fresh temporary file holding data, positioned at
 * its start; -1 on failure. */
int tx_fd_with(const void *data, size_t len);

/* Reads every stanza from fd and returns the serializations, each followed
 * by '\n' (caller frees), *count the number of stanzas and *end the code
 * that ended the input (XE2E_E_EOF when clean). NULL if serializing failed. */
char *tx_read_all(int fd, enum xml_reader_mode mode, const struct xml_limits *lim,
		  size_t *count, int *end);

/* The same over memory (a temporary file underneath). */
char *tx_read_mem(const void *data, size_t len, enum xml_reader_mode mode,
		  const struct xml_limits *lim, size_t *count, int *end);

/* The serialization of node as a fresh string; NULL on failure. */
char *tx_ser(const struct xml_node *node);

/* The canonical form (xmllint --c14n) of a document; NULL when xmllint
 * fails. Caller frees. */
char *tx_c14n(const char *doc, size_t len);

/* 1 when two trees are the same: types, names, namespaces, prefixes,
 * declarations, attributes in order, text. */
int tx_tree_equal(const struct xml_node *a, const struct xml_node *b);

/* 1 when the error detail names a line and a column. */
int tx_detail_has_position(void);

#endif
