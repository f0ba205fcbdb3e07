/*
 * The wire header of a ratchet message (layout in ratchet.h): encoding and
 * strict decoding, so xe2e-open can find a session by tag and epochs before
 * any cryptography; and the split of a whole message into header, synthetic
 * nonce s and AEAD ciphertext.
 */
#ifndef XE2E_RATCHET_HEADER_H
#define XE2E_RATCHET_HEADER_H

#include <stddef.h>
#include <stdint.h>

#define RATCHET_KEY_LEN 32
#define RATCHET_TAG_LEN 4
#define RATCHET_VARINT_MAX 5
#define RATCHET_HEADER_MAX (1 + RATCHET_TAG_LEN + 5 * RATCHET_VARINT_MAX + RATCHET_KEY_LEN)
/* The synthetic nonce s that follows the header (ratchet.h). */
#define RATCHET_SIV_LEN 6

#define RATCHET_FLAG_KEY 0x01
#define RATCHET_FLAG_RESTART 0x02
/* Set by the caller per message, carried and authenticated with the
 * header: the associated data names the sender's full JID (envelope.h). */
#define RATCHET_FLAG_SENDER_FULL 0x04

/* One message header. */
struct ratchet_header {
	uint8_t tag[RATCHET_TAG_LEN];
	uint32_t sender_epoch;
	uint32_t ack_epoch;
	uint32_t n;
	uint32_t pn;
	int has_key;
	uint8_t key[RATCHET_KEY_LEN]; /* the sender's ratchet public key */
	int has_restart;
	uint32_t restart_n;
	int sender_full; /* RATCHET_FLAG_SENDER_FULL */
};

/* Writes h to out (room for RATCHET_HEADER_MAX bytes); *len gets the size. */
void ratchet_header_encode(const struct ratchet_header *h, uint8_t out[static RATCHET_HEADER_MAX],
			   size_t *len);

/*
 * Reads a header from the start of in; *used gets its size (the ciphertext
 * follows). XE2E_E_MALFORMED on truncation, unknown flag bits, or a varint
 * that is longer than 5 bytes, above 2^32 - 1 or not minimal.
 */
int ratchet_header_decode(struct ratchet_header *h, const uint8_t *in, size_t in_len,
			  size_t *used);

/*
 * Reads the start of a wire message: the header, then s; *used gets their
 * size (the AEAD ciphertext and its tag follow). XE2E_E_MALFORMED as
 * ratchet_header_decode(), or when less than s and an AEAD tag follow
 * the header.
 */
int ratchet_message_decode(struct ratchet_header *h, uint8_t siv[static RATCHET_SIV_LEN],
			   const uint8_t *in, size_t in_len, size_t *used);

#endif
