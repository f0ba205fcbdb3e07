/* The outside of a sealed stanza, as one line (see inspect.h). */
#include "inspect.h"

#include <string.h>

#include "encoding.h"
#include "err.h"
#include "hash.h"
#include "stanza_frame.h"

#define KEY_ID_LEN 4 /* bytes of SHA-256 in a short key id */

static int needs_escape(unsigned char c)
{
	return c < 0x21 || c == 0x7f || c == '\\' || c == '=';
}

int inspect_word_append(struct buf *out, const char *text)
{
	int err = XE2E_OK;

	if (!text)
		return buf_append_str(out, "-");
	if (!strcmp(text, "-"))
		return buf_append_str(out, "\\x2d");
	for (const char *p = text; !err && *p; p++)
		err = needs_escape((unsigned char)*p) ? buf_printf(out, "\\x%02x", (unsigned char)*p)
						      : buf_append_byte(out, (uint8_t)*p);
	return err;
}

const char *inspect_line_safe(const char *text, char *out, size_t size)
{
	size_t n = strlen(text), i;

	for (i = 0; i < n && i + 1 < size; i++) {
		unsigned char c = (unsigned char)text[i];

		out[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	out[i] = '\0';
	if (i < n && size > 4)
		memcpy(out + size - 4, "...", 4);
	return out;
}

int inspect_parse(const struct xml_node *stanza, struct envelope *env, struct inspect_info *info)
{
	size_t used = 0;
	int err = envelope_parse(stanza, env);

	memset(info, 0, sizeof(*info));
	if (!err)
		err = ratchet_message_decode(&info->h, info->siv, env->wire.data, env->wire.len,
					     &used);
	if (err)
		return err;
	info->addr = env->addr;
	info->ciphertext_len = env->wire.len - used;
	return XE2E_OK;
}

static int field(struct buf *out, const char *name, const char *value)
{
	int err = buf_printf(out, " %s=", name);

	return err ? err : inspect_word_append(out, value);
}

static int hex_field(struct buf *out, const char *name, const uint8_t *p, size_t n)
{
	char hex[2 * SHA256_LEN + 1];

	if (!p)
		return buf_printf(out, " %s=-", name);
	if (n > SHA256_LEN)
		return XE2E_E_LIMIT;
	hex_encode(p, n, hex);
	return buf_printf(out, " %s=%s", name, hex);
}

static int key_field(struct buf *out, const struct ratchet_header *h)
{
	uint8_t d[SHA256_LEN];
	int err;

	if (!h->has_key)
		return buf_append_str(out, " key=-");
	err = hash(HASH_SHA256, h->key, RATCHET_KEY_LEN, d);
	return err ? err : hex_field(out, "key", d, KEY_ID_LEN);
}

static int numbers(struct buf *out, const struct ratchet_header *h)
{
	int err = buf_printf(out, " epoch=%u ack=%u n=%u pn=%u", (unsigned)h->sender_epoch,
			     (unsigned)h->ack_epoch, (unsigned)h->n, (unsigned)h->pn);

	if (!err)
		err = key_field(out, h);
	if (!err)
		err = h->has_restart ? buf_printf(out, " restart=%u", (unsigned)h->restart_n)
				     : buf_append_str(out, " restart=-");
	if (!err)
		err = buf_append_str(out, h->sender_full ? " sender=full" : " sender=bare");
	return err;
}

int inspect_format(const struct inspect_info *info, const uint8_t *session_id, size_t id_len,
		   struct buf *out)
{
	const struct envelope_addr *a = &info->addr;
	const char *kind = stanza_kind_name(a->kind);
	size_t start = out->len;
	int err = buf_printf(out, "kind=%s", kind ? kind : "-");

	if (!err)
		err = field(out, "from", a->from);
	if (!err)
		err = field(out, "to", a->to);
	if (!err)
		err = field(out, "type", a->type);
	if (!err)
		err = field(out, "id", a->id);
	if (!err)
		err = hex_field(out, "tag", info->h.tag, RATCHET_TAG_LEN);
	if (!err)
		err = numbers(out, &info->h);
	if (!err)
		err = hex_field(out, "siv", info->siv, RATCHET_SIV_LEN);
	if (!err)
		err = buf_printf(out, " ciphertext=%zu", info->ciphertext_len);
	if (!err)
		err = hex_field(out, "session", session_id, id_len);
	if (!err)
		err = buf_append_byte(out, '\n');
	if (err)
		out->len = start;
	return err;
}
