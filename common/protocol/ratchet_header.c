#include "ratchet_header.h"

#include <string.h>

#include "aead.h"
#include "err.h"

/* Unsigned LEB128 of v; returns the bytes written (1..5). */
static size_t varint_put(uint8_t *p, uint32_t v)
{
	size_t i = 0;

	while (v >= 0x80) {
		p[i++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[i++] = (uint8_t)v;
	return i;
}

/* Reads a minimal LEB128 value below 2^32 at *pos, advancing it. */
static int varint_get(const uint8_t *in, size_t len, size_t *pos, uint32_t *v)
{
	uint32_t acc = 0;

	for (size_t i = 0; i < RATCHET_VARINT_MAX; i++) {
		uint8_t b;

		if (*pos >= len)
			break;
		b = in[(*pos)++];
		if (i == RATCHET_VARINT_MAX - 1 && b > 0x0f)
			break; /* more than 32 bits, or a sixth byte */
		acc |= (uint32_t)(b & 0x7f) << (7 * i);
		if (b & 0x80)
			continue;
		if (b == 0 && i > 0)
			break; /* a trailing zero group: not minimal */
		*v = acc;
		return XE2E_OK;
	}
	err_detail_set("bad varint in ratchet header");
	return XE2E_E_MALFORMED;
}

void ratchet_header_encode(const struct ratchet_header *h, uint8_t out[static RATCHET_HEADER_MAX],
			   size_t *len)
{
	size_t pos = 0;

	out[pos++] = (uint8_t)((h->has_key ? RATCHET_FLAG_KEY : 0) |
			       (h->has_restart ? RATCHET_FLAG_RESTART : 0) |
			       (h->sender_full ? RATCHET_FLAG_SENDER_FULL : 0));
	memcpy(out + pos, h->tag, RATCHET_TAG_LEN);
	pos += RATCHET_TAG_LEN;
	pos += varint_put(out + pos, h->sender_epoch);
	pos += varint_put(out + pos, h->ack_epoch);
	pos += varint_put(out + pos, h->n);
	pos += varint_put(out + pos, h->pn);
	if (h->has_key) {
		memcpy(out + pos, h->key, RATCHET_KEY_LEN);
		pos += RATCHET_KEY_LEN;
	}
	if (h->has_restart)
		pos += varint_put(out + pos, h->restart_n);
	*len = pos;
}

static int header_truncated(void)
{
	err_detail_set("ratchet header truncated");
	return XE2E_E_MALFORMED;
}

/* The optional key and restart marker named by the flags. */
static int header_decode_tail(struct ratchet_header *h, const uint8_t *in, size_t len,
			      size_t *pos)
{
	if (h->has_key) {
		if (len - *pos < RATCHET_KEY_LEN)
			return header_truncated();
		memcpy(h->key, in + *pos, RATCHET_KEY_LEN);
		*pos += RATCHET_KEY_LEN;
	}
	if (h->has_restart)
		return varint_get(in, len, pos, &h->restart_n);
	return XE2E_OK;
}

int ratchet_header_decode(struct ratchet_header *h, const uint8_t *in, size_t in_len,
			  size_t *used)
{
	size_t pos = 1 + RATCHET_TAG_LEN;
	int err;

	memset(h, 0, sizeof(*h));
	if (in_len < pos)
		return header_truncated();
	if (in[0] & ~(RATCHET_FLAG_KEY | RATCHET_FLAG_RESTART | RATCHET_FLAG_SENDER_FULL)) {
		err_detail_set("unknown ratchet header flags 0x%02x", in[0]);
		return XE2E_E_MALFORMED;
	}
	h->has_key = !!(in[0] & RATCHET_FLAG_KEY);
	h->has_restart = !!(in[0] & RATCHET_FLAG_RESTART);
	h->sender_full = !!(in[0] & RATCHET_FLAG_SENDER_FULL);
	memcpy(h->tag, in + 1, RATCHET_TAG_LEN);
	err = varint_get(in, in_len, &pos, &h->sender_epoch);
	if (!err)
		err = varint_get(in, in_len, &pos, &h->ack_epoch);
	if (!err)
		err = varint_get(in, in_len, &pos, &h->n);
	if (!err)
		err = varint_get(in, in_len, &pos, &h->pn);
	if (!err)
		err = header_decode_tail(h, in, in_len, &pos);
	if (err) {
		memset(h, 0, sizeof(*h));
		return err;
	}
	*used = pos;
	return XE2E_OK;
}

int ratchet_message_decode(struct ratchet_header *h, uint8_t siv[static RATCHET_SIV_LEN],
			   const uint8_t *in, size_t in_len, size_t *used)
{
	size_t hdr_len;
	int err = ratchet_header_decode(h, in, in_len, &hdr_len);

	if (err)
		return err;
	if (in_len - hdr_len < RATCHET_SIV_LEN + AEAD_TAG_LEN) {
		memset(h, 0, sizeof(*h));
		err_detail_set("ratchet message shorter than its synthetic nonce and tag");
		return XE2E_E_MALFORMED;
	}
	memcpy(siv, in + hdr_len, RATCHET_SIV_LEN);
	*used = hdr_len + RATCHET_SIV_LEN;
	return XE2E_OK;
}
