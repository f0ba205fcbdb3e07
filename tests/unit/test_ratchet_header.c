/* The ratchet message header: exact bytes, round trips, strict decoding. */
#include <string.h>

#include "err.h"
#include "ratchet.h"
#include "test_ratchet.h"
#include "unit.h"
#include "util.h"

static void header_random(struct trng *r, struct ratchet_header *h)
{
	/* Values near every varint length boundary, and anywhere. */
	static const uint32_t edges[] = {0,	  1,	   127,	       128,	   16383,
					 16384,	  2097151, 2097152,    268435455, 268435456,
					 UINT32_MAX};
	uint32_t *v[] = {&h->sender_epoch, &h->ack_epoch, &h->n, &h->pn, &h->restart_n};

	memset(h, 0, sizeof(*h));
	for (size_t i = 0; i < RATCHET_TAG_LEN; i++)
		h->tag[i] = (uint8_t)trng_next(r);
	for (size_t i = 0; i < ARRAY_SIZE(v); i++)
		*v[i] = trng_below(r, 2) ? edges[trng_below(r, ARRAY_SIZE(edges))]
					 : (uint32_t)trng_next(r);
	h->has_key = (int)trng_below(r, 2);
	h->has_restart = (int)trng_below(r, 2);
	h->sender_full = (int)trng_below(r, 2);
	if (!h->has_restart)
		h->restart_n = 0;
	for (size_t i = 0; h->has_key && i < RATCHET_KEY_LEN; i++)
		h->key[i] = (uint8_t)trng_next(r);
}

TEST(ratchet_header_round_trips)
{
	struct trng r;
	struct ratchet_header h, back;
	uint8_t wire[RATCHET_HEADER_MAX + 8];
	size_t len, used;
	unsigned runs = 0;

	trng_init(&r);
	for (int i = 0; i < 20000; i++) {
		header_random(&r, &h);
		ratchet_header_encode(&h, wire, &len);
		CHECK(len <= RATCHET_HEADER_MAX);
		/* Trailing bytes are the ciphertext: not part of the header. */
		memset(wire + len, 0xa5, 8);
		CHECK_INT(ratchet_header_decode(&back, wire, len + 8, &used), XE2E_OK);
		CHECK_INT(used, len);
		CHECK(memcmp(&h, &back, sizeof(h)) == 0);
		runs++;
	}
	unit_note("%u random headers", runs);
}

TEST(ratchet_header_exact_bytes)
{
	struct ratchet_header h = {
		.tag = {0xde, 0xad, 0xbe, 0xef},
		.sender_epoch = 0,
		.ack_epoch = 127,
		.n = 300,
		.pn = UINT32_MAX,
		.has_key = 1,
		.has_restart = 1,
		.restart_n = 128,
	};
	uint8_t want[1 + 4 + 1 + 1 + 2 + 5 + 32 + 2], wire[RATCHET_HEADER_MAX];
	size_t len, pos = 0;

	for (size_t i = 0; i < RATCHET_KEY_LEN; i++)
		h.key[i] = (uint8_t)(0x40 + i);
	want[pos++] = 0x03;
	memcpy(want + pos, "\xde\xad\xbe\xef", 4);
	pos += 4;
	want[pos++] = 0x00;			     /* 0 */
	want[pos++] = 0x7f;			     /* 127 */
	memcpy(want + pos, "\xac\x02", 2);	     /* 300 */
	pos += 2;
	memcpy(want + pos, "\xff\xff\xff\xff\x0f", 5); /* 2^32 - 1 */
	pos += 5;
	memcpy(want + pos, h.key, 32);
	pos += 32;
	memcpy(want + pos, "\x80\x01", 2); /* 128 */
	pos += 2;
	ratchet_header_encode(&h, wire, &len);
	CHECK_INT(len, sizeof(want));
	CHECK_MEM(wire, want, sizeof(want));

	/* The shortest header: no key, no marker, single-byte numbers. */
	memset(&h, 0, sizeof(h));
	ratchet_header_encode(&h, wire, &len);
	CHECK_INT(len, 9);
	CHECK_MEM(wire, "\0\0\0\0\0\0\0\0\0", 9);

	/* The sender's full JID bound: bit 2, and not one byte more. */
	h.sender_full = 1;
	ratchet_header_encode(&h, wire, &len);
	CHECK_INT(len, 9);
	CHECK_MEM(wire, "\x04\0\0\0\0\0\0\0\0", 9);
}

static int decode(const char *bytes, size_t n)
{
	struct ratchet_header h;
	size_t used;

	return ratchet_header_decode(&h, (const uint8_t *)bytes, n, &used);
}

TEST(ratchet_header_refuses_bad_encodings)
{
	static const struct {
		const char *bytes;
		size_t n;
		int err;
	} cases[] = {
		{"\0TAG!\0\0\0\0", 9, XE2E_OK},
		{"\x04TAG!\0\0\0\0", 9, XE2E_OK},		   /* sender's full JID */
		{"\x08TAG!\0\0\0\0", 9, XE2E_E_MALFORMED},	   /* unknown flag */
		{"\x80TAG!\0\0\0\0", 9, XE2E_E_MALFORMED},	   /* unknown flag */
		{"\0TAG!\x80\0\0\0\0", 10, XE2E_E_MALFORMED},	   /* 0 in two bytes */
		{"\0TAG!\x81\0\0\0\0", 10, XE2E_E_MALFORMED},	   /* 1 in two bytes */
		{"\0TAG!\0\0\0\xff\x80\x80\x80\0", 13, XE2E_E_MALFORMED},
		{"\0TAG!\0\0\0\xff\xff\xff\xff\x10", 13, XE2E_E_MALFORMED}, /* 2^32 */
		{"\0TAG!\0\0\0\xff\xff\xff\xff\x0f", 13, XE2E_OK},
		{"\0TAG!\0\0\0\xff\xff\xff\xff\x8f\x00", 14, XE2E_E_MALFORMED}, /* 6 bytes */
		{"\0TAG!\0\0\0\x80", 9, XE2E_E_MALFORMED},		 /* cut varint */
		{"\x01TAG!\0\0\0\0", 9, XE2E_E_MALFORMED},		 /* key missing */
		{"\x02TAG!\0\0\0\0", 9, XE2E_E_MALFORMED},		 /* marker missing */
		{"\x02TAG!\0\0\0\0\x80\x00", 11, XE2E_E_MALFORMED},	 /* marker not minimal */
		{"\x02TAG!\0\0\0\0\x05", 10, XE2E_OK},
	};
	unsigned runs = 0;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++, runs++)
		if (decode(cases[i].bytes, cases[i].n) != cases[i].err)
			unit_fail(__FILE__, __LINE__, "case %zu: want %s", i,
				  err_str(cases[i].err));
	unit_note("%u fixed cases", runs);
}

TEST(ratchet_header_refuses_every_truncation)
{
	struct trng r;
	struct ratchet_header h;
	uint8_t wire[RATCHET_HEADER_MAX];
	size_t len;
	unsigned runs = 0;

	trng_init(&r);
	for (int i = 0; i < 200; i++) {
		header_random(&r, &h);
		ratchet_header_encode(&h, wire, &len);
		for (size_t cut = 0; cut < len; cut++, runs++)
			CHECK_INT(decode((const char *)wire, cut), XE2E_E_MALFORMED);
	}
	unit_note("%u truncated headers", runs);
}
