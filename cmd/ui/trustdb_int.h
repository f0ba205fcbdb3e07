/* Internal parts of the xe2e-trustdb commands (trustdb.h). */
#ifndef XE2E_TRUSTDB_INT_H
#define XE2E_TRUSTDB_INT_H

#include "buf.h"
#include "jid.h"
#include "sig.h"
#include "trust.h"
#include "trustdb.h"
#include "xml.h"

/* ---- arguments (trustdb_out.c) ---- */

/* A JID argument as the stores spell it: normalised, bare (a resource is
 * dropped). */
int tdb_arg_jid(const char *text, char out[static JID_MAX + 1]);

/* A fingerprint argument (fingerprint_parse: grouped or not, any case). */
int tdb_arg_fpr(const char *text, uint8_t fpr[static FINGERPRINT_LEN]);

/* ---- output (trustdb_out.c) ---- */

/* A time as "2026-11-26T06:38:27Z", or "never" for 0 when zero_never. */
void tdb_time(uint64_t t, int zero_never, char out[static 32]);

/* The 64 lower-case hex digits of a fingerprint (or any 32 bytes). */
void tdb_hex32(const uint8_t v[static 32], char out[static 65]);

/* Opens an XML document: "<root xmlns='urn:xe2e:trustdb:1'>" LF. */
int tdb_xml_open(struct buf *out, const char *root);

/* Closes it: "</root>" LF. */
int tdb_xml_close(struct buf *out, const char *root);

/* A new element in the document's namespace (written without xmlns). */
struct xml_node *tdb_xml_element(const char *name);

/* Sets an attribute to printf-formatted text. */
int tdb_xml_attr(struct xml_node *el, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Appends el as one line and frees it (also on error; el may be NULL:
 * out of memory). */
int tdb_xml_line(struct buf *out, struct xml_node *el);

/*
 * The <peer> element of an entry: jid, identity, level, flags, first-seen,
 * last-seen, and openpgp when an OpenPGP key is recorded; with devices, a
 * <device> child per device (id, key, created, expires).
 */
struct xml_node *tdb_peer_element(const struct trust_peer *peer, int devices);

/* ---- commands ---- */

int tdb_cmd_list(struct trustdb *t, char **args, int nargs, struct buf *out);
int tdb_cmd_show(struct trustdb *t, char **args, int nargs, struct buf *out);
int tdb_cmd_pin(struct trustdb *t, char **args, int nargs, struct buf *out);
int tdb_cmd_verify(struct trustdb *t, char **args, int nargs, struct buf *out);
int tdb_cmd_revoke(struct trustdb *t, char **args, int nargs, struct buf *out);
int tdb_cmd_forget(struct trustdb *t, char **args, int nargs, struct buf *out);
int tdb_cmd_reset_failures(struct trustdb *t, char **args, int nargs, struct buf *out);
int tdb_cmd_psk_set(struct trustdb *t, char **args, int nargs, struct buf *out);
int tdb_cmd_psk_clear(struct trustdb *t, char **args, int nargs, struct buf *out);

int tdb_cmd_anchor_add(struct trustdb *t, char **args, int nargs, struct buf *out);
int tdb_cmd_anchor_list(struct trustdb *t, char **args, int nargs, struct buf *out);
int tdb_cmd_anchor_remove(struct trustdb *t, char **args, int nargs, struct buf *out);
int tdb_cmd_anchor_verify(struct trustdb *t, char **args, int nargs, struct buf *out);

int tdb_cmd_openpgp_check(struct trustdb *t, char **args, int nargs, struct buf *out);

int tdb_cmd_sessions_list(struct trustdb *t, char **args, int nargs, struct buf *out);
int tdb_cmd_sessions_show(struct trustdb *t, char **args, int nargs, struct buf *out);
int tdb_cmd_sessions_close(struct trustdb *t, char **args, int nargs, struct buf *out);

int tdb_cmd_export(struct trustdb *t, char **args, int nargs, struct buf *out);
int tdb_cmd_import(struct trustdb *t, char **args, int nargs, struct buf *out);

/* Shows the entries of the trust store matching jid (or fpr when jid is
 * NULL), as "show" does. XE2E_E_NOTFOUND when none does. */
int tdb_show_entries(struct trustdb *t, const char *jid, const uint8_t *fpr, struct buf *out);

/* Reads a file a command names (a certificate, an import), up to max bytes. */
int tdb_read_input(const char *path, size_t max, struct buf *out);

#endif
