/*
 * Sealed frames (stanza_frame.h) as xe2e-open decodes them after the AEAD
 * verified: a peer (or a bug on its side) still chooses every byte. The
 * first input byte picks the stanza kind and the limits (defaults or
 * small); the rest is the padded frame.
 *
 * Checked: a decoded stanza is of the kind asked for and has no routing
 * attributes; encoding it and padding gives a frame that decodes to the
 * same stanza (compared serialized), padded to a bucket the frame's length
 * allows.
 */
#include "fuzz.h"

#include <string.h>

#include "buf.h"
#include "err.h"
#include "stanza_frame.h"
#include "xml.h"

static void fz_sframe_again(const struct xml_node *st, enum stanza_kind kind,
			    const struct xml_limits *limits)
{
	struct buf frame = BUF_INIT, a = BUF_INIT, b = BUF_INIT;
	struct xml_node *back = NULL;
	int ratchet = -1, err;

	FUZZ_CHECK(stanza_frame_encode(st, &frame) == XE2E_OK);
	err = stanza_frame_pad(&frame, 1u << 20);
	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_LIMIT);
	if (err == XE2E_OK)
		FUZZ_CHECK(frame.len == stanza_frame_bucket(frame.len));
	err = stanza_frame_decode(frame.data, frame.len, kind, limits, &back, &ratchet);
	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_LIMIT);
	if (err == XE2E_OK) {
		FUZZ_CHECK(back && ratchet == 0);
		FUZZ_CHECK(back && xml_serialize(st, &a) == XE2E_OK &&
			   xml_serialize(back, &b) == XE2E_OK && a.len == b.len &&
			   memcmp(a.data, b.data, a.len) == 0);
	}
	xml_free(back);
	buf_free(&frame);
	buf_free(&a);
	buf_free(&b);
}

int fuzz_stanza_frame(const uint8_t *data, size_t size)
{
	struct xml_limits small = {512, 4, 4}, limits = xml_limits_default();
	struct xml_node *st = NULL;
	enum stanza_kind kind, got;
	int ratchet = -1, err;

	if (size < 1)
		return 0;
	kind = (enum stanza_kind)(STANZA_MESSAGE + data[0] % 3);
	if (data[0] & 0x80)
		limits = small;
	err = stanza_frame_decode(data + 1, size - 1, kind, &limits, &st, &ratchet);
	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED || err == XE2E_E_XML ||
		   err == XE2E_E_LIMIT || err == XE2E_E_UNSUPPORTED);
	if (err != XE2E_OK) {
		FUZZ_CHECK(st == NULL);
		return 0;
	}
	if (ratchet) {
		FUZZ_CHECK(st == NULL);
		return 0;
	}
	FUZZ_CHECK(st != NULL && ratchet == 0);
	if (!st)
		return 0;
	FUZZ_CHECK(stanza_kind_of(st, &got) == XE2E_OK && got == kind);
	for (size_t i = 0; i < st->n_attrs; i++)
		FUZZ_CHECK(!stanza_attr_is_routing(&st->attrs[i]));
	fuzz_xml_round_trip(st);
	fz_sframe_again(st, kind, &limits);
	xml_free(st);
	return 0;
}
