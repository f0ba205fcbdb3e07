/*
 * The text interface of xe2e.h: a stanza as a client hands it to a plugin
 * (XML text), parsed, sealed or opened as the programs do, and written
 * back as text.
 */
#include "xe2e.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "util.h"
#include "xe2e_int.h"

/* The stanza in text (an XML declaration and white space around it
 * allowed), with the readers' limits. */
static int parse(const char *text, size_t len, struct xml_node **st)
{
	return xml_parse_element(text, len, NULL, st);
}

/* st as one line of text, NUL-terminated, into *out (malloc'd). */
static int write_text(const struct xml_node *st, char **out, size_t *out_len)
{
	struct buf b = BUF_INIT;
	int err = xml_serialize(st, &b);

	if (!err)
		err = buf_terminate(&b);
	if (err) {
		buf_free(&b);
		return err;
	}
	*out = (char *)b.data;
	*out_len = b.len;
	return XE2E_OK;
}

int xe2e_seal_text(struct xe2e_sealer *s, const char *text, size_t len, uint64_t now,
		   struct xe2e_sealed *res, char **out, size_t *out_len)
{
	struct xml_node *st = NULL;
	int err = parse(text, len, &st);

	*out = NULL;
	*out_len = 0;
	if (err) {
		memset(res, 0, sizeof(*res));
		xe2e_say(res->detail, sizeof(res->detail), "%s", err_detail());
		err_detail_clear();
		return res->err = err;
	}
	if (xe2e_seal(s, st, now, res) == XE2E_OK &&
	    (err = write_text(res->stanza ? res->stanza : st, out, out_len)) != XE2E_OK) {
		xe2e_sealed_free(res);
		res->err = err;
	}
	xml_free(st);
	return res->err;
}

int xe2e_open_text(struct xe2e_opener *op, const char *text, size_t len, uint64_t now,
		   struct xe2e_opened *res, struct xe2e_session *session, char **out,
		   size_t *out_len)
{
	struct xml_node *st = NULL;
	int err = parse(text, len, &st);

	*out = NULL;
	*out_len = 0;
	memset(res, 0, sizeof(*res));
	if (session)
		memset(session, 0, sizeof(*session));
	if (!err && xe2e_open(op, st, now, res, session) == XE2E_OK && res->stanza)
		err = write_text(res->stanza, out, out_len);
	if (err) {
		xe2e_opened_free(res);
		res->err = err;
		res->reason = open_reason(err);
		xe2e_say(res->detail, sizeof(res->detail), "%s", err_detail());
		err_detail_clear();
	}
	xml_free(res->stanza);
	res->stanza = NULL;
	res->received = NULL;
	xml_free(st);
	return res->err;
}
