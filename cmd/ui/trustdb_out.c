/* Arguments and output formats of the xe2e-trustdb commands. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "encoding.h"
#include "err.h"
#include "identity.h"
#include "trustdb_int.h"
#include "util.h"

int tdb_arg_jid(const char *text, char out[static JID_MAX + 1])
{
	int err = jid_normalize_bare(text, out);

	if (err) {
		err_detail_set("not a JID: \"%.64s\"", text);
		return err;
	}
	return jid_check_normal_bare(out);
}

int tdb_arg_fpr(const char *text, uint8_t fpr[static FINGERPRINT_LEN])
{
	if (fingerprint_parse(text, fpr) != XE2E_OK) {
		err_detail_set("not a fingerprint (64 hex digits): \"%.80s\"", text);
		return XE2E_E_MALFORMED;
	}
	return XE2E_OK;
}

void tdb_time(uint64_t t, int zero_never, char out[static 32])
{
	if (zero_never && t == 0)
		strcpy(out, "never");
	else
		identity_time_format(t, out);
}

void tdb_hex32(const uint8_t v[static 32], char out[static 65])
{
	hex_encode(v, 32, out);
}

int tdb_xml_open(struct buf *out, const char *root)
{
	return buf_printf(out, "<%s xmlns='%s'>\n", root, TRUSTDB_NS);
}

int tdb_xml_close(struct buf *out, const char *root)
{
	return buf_printf(out, "</%s>\n", root);
}

struct xml_node *tdb_xml_element(const char *name)
{
	return xml_element_new(name, NULL);
}

int tdb_xml_attr(struct xml_node *el, const char *name, const char *fmt, ...)
{
	char value[JID_MAX + 64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(value))
		return XE2E_E_LIMIT;
	return xml_set_attr(el, name, value);
}

int tdb_xml_line(struct buf *out, struct xml_node *el)
{
	int err = el ? xml_serialize(el, out) : XE2E_E_NOMEM;

	if (!err)
		err = buf_append_byte(out, '\n');
	xml_free(el);
	return err;
}

static int peer_attrs(struct xml_node *el, const struct trust_peer *peer)
{
	char fpr[65], flags[TRUST_FLAGS_TEXT_LEN];
	int err;

	tdb_hex32(peer->fpr, fpr);
	trust_flags_format(peer->flags, flags);
	if ((err = xml_set_attr(el, "jid", peer->jid)) ||
	    (err = xml_set_attr(el, "identity", fpr)) ||
	    (err = xml_set_attr(el, "level", trust_level_name(peer->level))) ||
	    (err = xml_set_attr(el, "flags", flags)) ||
	    (err = tdb_xml_attr(el, "first-seen", "%" PRIu64, peer->first_seen)) ||
	    (err = tdb_xml_attr(el, "last-seen", "%" PRIu64, peer->last_seen)))
		return err;
	return peer->openpgp[0] ? xml_set_attr(el, "openpgp", peer->openpgp) : XE2E_OK;
}

static int device_child(struct xml_node *parent, const struct trust_device *dev)
{
	struct xml_node *el = tdb_xml_element("device");
	char key[65];
	int err;

	if (!el)
		return XE2E_E_NOMEM;
	tdb_hex32(dev->pub, key);
	if (!(err = tdb_xml_attr(el, "id", "%08" PRIx32, dev->id)) &&
	    !(err = xml_set_attr(el, "key", key)) &&
	    !(err = tdb_xml_attr(el, "created", "%" PRIu64, dev->created)) &&
	    !(err = tdb_xml_attr(el, "expires", "%" PRIu64, dev->expires)) &&
	    !(err = xml_append_child(parent, el)))
		return XE2E_OK;
	xml_free(el);
	return err;
}

struct xml_node *tdb_peer_element(const struct trust_peer *peer, int devices)
{
	struct xml_node *el = tdb_xml_element("peer");
	int err = el ? peer_attrs(el, peer) : XE2E_E_NOMEM;

	for (size_t i = 0; !err && devices && i < peer->n_devices; i++)
		err = device_child(el, &peer->devices[i]);
	if (err) {
		xml_free(el);
		return NULL;
	}
	return el;
}

int tdb_read_input(const char *path, size_t max, struct buf *out)
{
	char chunk[4096];
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	int err = XE2E_OK;

	if (fd < 0) {
		err_detail_set("cannot open %s: %s", path, strerror(errno));
		return errno == ENOENT ? XE2E_E_NOTFOUND : XE2E_E_IO;
	}
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_detail_set("cannot read %s: %s", path, strerror(errno));
			err = XE2E_E_IO;
		}
		if (n <= 0)
			break;
		if (out->len + (size_t)n > max) {
			err_detail_set("%s is larger than %zu bytes", path, max);
			err = XE2E_E_LIMIT;
			break;
		}
		if ((err = buf_append(out, chunk, (size_t)n)))
			break;
	}
	if (fd != STDIN_FILENO)
		close(fd);
	return err;
}
