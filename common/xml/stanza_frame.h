/*
 * What xe2e-seal encrypts of a stanza: the frame (xe2e(7) SESSIONS "Sealed stanzas").
 *
 * Everything of the stanza except its routing attributes to, from, type
 * and id (which travel in the clear and are authenticated as associated
 * data, see envelope.h) is sealed: the stanza element's other attributes
 * and namespace declarations, and all its children. The frame is
 *
 *   frame = format (1 byte) | text | [0x00 | zero bytes]
 *
 *   format 0x01: text is the stanza without its routing attributes, in the
 *                exact serialization of xml.h, with the dictionary strings
 *                below replaced by one byte each;
 *   format 0x02: a ratchet stanza: no text; it only carries a DH step.
 *
 * The serialization never holds bytes below 0x20 other than TAB (LF and CR
 * are written as character references), so those bytes serve as the
 * dictionary: 0x01..0x08, 0x0B, 0x0C, 0x0E..0x1F, in the order of
 * stanza_frame_dict (xe2e(7) lists them). Encoding takes the longest entry
 * at each position; decoding expands every such byte. The text ends at the
 * first 0x00 byte or at the end of the frame; what follows the 0x00 is
 * padding, which must be all zero.
 *
 * Padding hides the length: the frame is padded to the smallest bucket
 * that holds it: 20, 32, 48, 64, 96, 128, ... (2^k and 3 * 2^(k-1)) up to
 * 65536, then the next multiple of 16384. Above 32 bytes, padding is at
 * most a third of the padded size.
 */
#ifndef XE2E_STANZA_FRAME_H
#define XE2E_STANZA_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "xml.h"

enum stanza_kind {
	STANZA_MESSAGE = 1,
	STANZA_PRESENCE = 2,
	STANZA_IQ = 3,
};

#define STANZA_FRAME_STANZA 0x01
#define STANZA_FRAME_RATCHET 0x02
#define STANZA_FRAME_MIN_BUCKET 20
#define STANZA_FRAME_DICT_SIZE 28

/* The dictionary, entry i written as the byte stanza_frame_token(i). */
extern const char *const stanza_frame_dict[STANZA_FRAME_DICT_SIZE];

/* The byte that stands for dictionary entry i (0 <= i < 28). */
uint8_t stanza_frame_token(size_t i);

/* The kind of a stanza element: message, presence or iq in jabber:client.
 * XE2E_E_UNSUPPORTED (with a detail) for any other element. */
int stanza_kind_of(const struct xml_node *stanza, enum stanza_kind *kind);

/* "message", "presence", "iq"; NULL for a value outside the enum. */
const char *stanza_kind_name(enum stanza_kind kind);

/* 1 for the attributes that travel in the clear: to, from, type, id (no
 * namespace). */
int stanza_attr_is_routing(const struct xml_attr *attr);

/*
 * Appends the unpadded frame of a stanza (format 0x01) to out: its
 * serialization without the routing attributes, dictionary-encoded.
 * XE2E_E_UNSUPPORTED when it is not a stanza (stanza_kind_of).
 */
int stanza_frame_encode(const struct xml_node *stanza, struct buf *out);

/* Appends the frame of a ratchet stanza (format 0x02) to out. */
int stanza_frame_ratchet(struct buf *out);

/* The padded size of a frame of len bytes: its bucket (see above). */
size_t stanza_frame_bucket(size_t len);

/*
 * Pads the frame in out (which holds only the frame) to its bucket, or to
 * cap when the bucket is larger than cap (a stanza size limit: the padding
 * yields before the limit does). XE2E_E_LIMIT when the frame itself is
 * longer than cap.
 */
int stanza_frame_pad(struct buf *frame, size_t cap);

/*
 * Decodes a padded frame into a stanza of the given kind, parsed with
 * limits (NULL: the defaults). The stanza has no to, from, type or id
 * (the caller adds the authenticated ones). For a ratchet frame *out is
 * NULL and *ratchet 1. XE2E_E_MALFORMED for an unknown format, a byte the
 * text cannot hold, non-zero padding, XML that does not parse, a stanza of
 * another kind, or one carrying routing attributes; XE2E_E_LIMIT when the
 * text would exceed limits->max_stanza_bytes.
 */
int stanza_frame_decode(const uint8_t *frame, size_t len, enum stanza_kind kind,
			const struct xml_limits *limits, struct xml_node **out, int *ratchet);

#endif
