/*
 * The handshake's bytes (handshake_msg.h), negotiation (handshake_nego.h),
 * derivations, retry cookies (cookie.h) and the IK replay cache
 * (replay_cache.h).
 */
#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "cookie.h"
#include "encoding.h"
#include "err.h"
#include "handshake.h"
#include "handshake_msg.h"
#include "util.h"
#include "handshake_nego.h"
#include "replay_cache.h"
#include "secrets.h"
#include "unit.h"

static struct hs_offer default_offer(void)
{
	struct hs_offer o;

	memset(&o, 0, sizeof(o));
	hsnego_lists_default(&o.lists);
	o.version = 1;
	o.suite = HS_SUITE_CHACHAPOLY;
	o.pattern = HS_PATTERN_XX;
	return o;
}

TEST(hsmsg_offer_bytes)
{
	struct hs_offer o = default_offer(), back;
	struct buf b = BUF_INIT;
	size_t used;
	uint8_t want[] = {1, 1, 1, 2, 1, 2, 1, 1};

	CHECK_INT(hsmsg_offer_encode(&o, &b), XE2E_OK);
	CHECK_INT(b.len, sizeof(want));
	CHECK_MEM(b.data, want, sizeof(want));
	CHECK_INT(hsmsg_offer_decode(b.data, b.len, &back, &used), XE2E_OK);
	CHECK_INT(used, sizeof(want));
	CHECK_INT(back.lists.n_suites, 2);
	CHECK_INT(back.suite, 1);
	/* Every truncation is malformed. */
	for (size_t n = 0; n < sizeof(want); n++)
		CHECK_INT(hsmsg_offer_decode(want, n, &back, &used), XE2E_E_MALFORMED);
	buf_free(&b);
}

TEST(hsmsg_offer_strict)
{
	static const struct {
		uint8_t bytes[10];
		size_t len;
	} bad[] = {
		{{1, 0, 1, 1, 1, 1}, 6},          /* no versions */
		{{1, 1, 1, 0, 1, 1}, 6},          /* no suites */
		{{1, 1, 1, 2, 1, 1, 1, 1}, 8},    /* a suite twice */
		{{1, 1, 1, 2, 0, 1, 1, 1}, 8},    /* a zero suite */
		{{2, 1, 1, 2, 1, 2, 1, 1}, 8},    /* version used not listed */
		{{1, 1, 1, 1, 2, 1, 1}, 7},       /* suite used not listed */
		{{1, 17}, 2},                     /* too long a list */
	};
	struct hs_offer o;
	size_t used;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(hsmsg_offer_decode(bad[i].bytes, bad[i].len, &o, &used),
			  XE2E_E_MALFORMED);
	/* Unknown codes are fine in a list (later versions may add them). */
	{
		uint8_t ok[] = {1, 2, 1, 9, 3, 9, 1, 2, 1, 1};

		CHECK_INT(hsmsg_offer_decode(ok, sizeof(ok), &o, &used), XE2E_OK);
		CHECK_INT(used, sizeof(ok));
	}
}

TEST(hsmsg_step1_and_retry)
{
	struct hs_offer o = default_offer();
	uint8_t cookie[24], noise[64];
	struct hs_step1 s1;
	struct hs_retry r = {HS_RETRY_IK_TO_XX, 1, 2, 1, 24, {0}}, back;
	struct buf b = BUF_INIT;

	memset(cookie, 0xc0, sizeof(cookie));
	memset(noise, 0x11, sizeof(noise));
	CHECK_INT(hsmsg_step1_encode(&o, cookie, 24, noise, 64, &b), XE2E_OK);
	CHECK_INT(b.len, 8 + 1 + 24 + 64);
	CHECK_INT(hsmsg_step1_decode(b.data, b.len, &s1), XE2E_OK);
	CHECK_INT(s1.cookie_len, 24);
	CHECK_MEM(s1.cookie, cookie, 24);
	CHECK_INT(s1.noise_len, 64);
	CHECK(s1.offer_bytes == b.data && s1.offer_len == 8);
	b.data[8] = 200; /* a cookie longer than what follows */
	CHECK_INT(hsmsg_step1_decode(b.data, 8 + 1 + 10, &s1), XE2E_E_MALFORMED);
	buf_clear(&b);
	memset(r.cookie, 0xab, 24);
	CHECK_INT(hsmsg_retry_encode(&r, &b), XE2E_OK);
	CHECK_INT(b.len, 29);
	CHECK_INT(hsmsg_retry_decode(b.data, b.len, &back), XE2E_OK);
	CHECK_INT(back.kind, 2);
	CHECK_MEM(back.cookie, r.cookie, 24);
	CHECK_INT(hsmsg_retry_decode(b.data, b.len - 1, &back), XE2E_E_MALFORMED);
	CHECK_INT(buf_append_byte(&b, 0), XE2E_OK);
	CHECK_INT(hsmsg_retry_decode(b.data, b.len, &back), XE2E_E_MALFORMED);
	b.data[0] = 3;
	CHECK_INT(hsmsg_retry_decode(b.data, 29, &back), XE2E_E_MALFORMED);
	buf_free(&b);
}

static void fill_payload(struct hs_payload *p)
{
	memset(p, 0, sizeof(*p));
	memset(p->rsid1, 1, sizeof(p->rsid1));
	memset(p->rsid2, 2, sizeof(p->rsid2));
	memset(p->fpr, 3, sizeof(p->fpr));
	p->cred.kind = HS_CRED_KIND_KEY;
	p->cred.identity_pub[0] = 4;
	memset(p->cred.identity_pub + 1, 5, 64);
	p->cred.binding.device_id = 0x01020304;
	p->cred.binding.created = 1700000000;
	p->cred.binding.expires = 1800000000;
	memset(p->cred.binding.sig, 6, 64);
	hsnego_lists_default(&p->lists);
	memset(p->r0, 7, 32);
}

TEST(hsmsg_payloads)
{
	static const struct {
		enum hs_payload_kind kind;
		size_t len;
	} kinds[] = {
		{HS_PAYLOAD_XX1, 32}, {HS_PAYLOAD_IK1, 64}, {HS_PAYLOAD_XX2, 192},
		{HS_PAYLOAD_IK2, 96}, {HS_PAYLOAD_XX3, 160},
	};
	struct hs_payload p, back;
	struct buf b = BUF_INIT;

	fill_payload(&p);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		buf_clear(&b);
		CHECK_INT(hsmsg_payload_encode(kinds[i].kind, &p, &b), XE2E_OK);
		CHECK_INT(b.len, kinds[i].len);
		CHECK_INT(hsmsg_payload_decode(kinds[i].kind, b.data, b.len, &back), XE2E_OK);
		CHECK_MEM(back.r0, kinds[i].kind == HS_PAYLOAD_XX2 || kinds[i].kind == HS_PAYLOAD_IK2
					   ? p.r0
					   : back.r0,
			  32);
		if (kinds[i].kind == HS_PAYLOAD_XX1)
			continue;
		/* A non-zero padding byte, a missing or an extra padding block. */
		b.data[b.len - 1] = 1;
		CHECK_INT(hsmsg_payload_decode(kinds[i].kind, b.data, b.len, &back),
			  XE2E_E_MALFORMED);
		b.data[b.len - 1] = 0;
		CHECK_INT(hsmsg_payload_decode(kinds[i].kind, b.data, b.len - 1, &back),
			  XE2E_E_MALFORMED);
		for (int k = 0; k < 32; k++)
			buf_append_byte(&b, 0);
		CHECK_INT(hsmsg_payload_decode(kinds[i].kind, b.data, b.len, &back),
			  XE2E_E_MALFORMED);
	}
	/* The credential's fields. */
	buf_clear(&b);
	CHECK_INT(hsmsg_payload_encode(HS_PAYLOAD_XX3, &p, &b), XE2E_OK);
	CHECK_INT(b.data[0], HS_CRED_KIND_KEY);
	CHECK_INT(hsmsg_payload_decode(HS_PAYLOAD_XX3, b.data, b.len, &back), XE2E_OK);
	CHECK_INT(back.cred.binding.device_id, 0x01020304);
	CHECK_INT(back.cred.binding.created, 1700000000);
	CHECK_INT(back.cred.binding.expires, 1800000000);
	CHECK_MEM(back.cred.binding.sig, p.cred.binding.sig, 64);
	CHECK_MEM(b.data + 66, "\x01\x02\x03\x04", 4);
	b.data[0] = 4;
	CHECK_INT(hsmsg_payload_decode(HS_PAYLOAD_XX3, b.data, b.len, &back), XE2E_E_UNSUPPORTED);
	p.cred.kind = 4;
	CHECK_INT(hsmsg_payload_encode(HS_PAYLOAD_XX3, &p, &b), XE2E_E_STATE);
	buf_free(&b);
}

/* ---- credential kind 2: a certificate chain ---- */

/* Appends a DER SEQUENCE of n content bytes (minimal length), the content
 * a counter so that every byte differs from its neighbours. */
static size_t fake_cert(struct buf *b, size_t n, uint8_t seed)
{
	size_t start = b->len;

	CHECK_INT(buf_append_byte(b, 0x30), XE2E_OK);
	if (n >= 0x100) {
		CHECK_INT(buf_append_byte(b, 0x82), XE2E_OK);
		CHECK_INT(buf_append_byte(b, (uint8_t)(n >> 8)), XE2E_OK);
	} else if (n >= 0x80) {
		CHECK_INT(buf_append_byte(b, 0x81), XE2E_OK);
	}
	CHECK_INT(buf_append_byte(b, (uint8_t)n), XE2E_OK);
	for (size_t i = 0; i < n; i++)
		CHECK_INT(buf_append_byte(b, (uint8_t)(seed + i)), XE2E_OK);
	return b->len - start;
}

/* A leaf of 500 bytes of content and an intermediate of 144. */
static void chain_payload(struct hs_payload *p, struct buf *chain)
{
	fill_payload(p);
	buf_clear(chain);
	fake_cert(chain, 500, 0x10);
	fake_cert(chain, 144, 0x80);
	p->cred.kind = HS_CRED_KIND_X509;
	p->cred.chain = chain->data;
	p->cred.chain_len = chain->len;
}

TEST(hsmsg_chain_round_trip)
{
	static const enum hs_payload_kind kinds[] = {HS_PAYLOAD_XX2, HS_PAYLOAD_XX3};
	struct hs_payload p, back;
	struct buf chain = BUF_INIT, b = BUF_INIT;

	chain_payload(&p, &chain);
	CHECK_INT(chain.len, 504 + 147);
	for (size_t i = 0; i < 2; i++) {
		size_t fields = 1 + 2 + chain.len + HS_BINDING_LEN + 5 +
				(kinds[i] == HS_PAYLOAD_XX2 ? 32 : 0);

		buf_clear(&b);
		CHECK_INT(hsmsg_payload_encode(kinds[i], &p, &b), XE2E_OK);
		/* Padded to the chain unit: 1024 for either. */
		CHECK_INT(b.len, 1024);
		CHECK(fields <= b.len && b.len - fields < HS_PAD_CHAIN_UNIT);
		/* kind | chain_len | chain | binding */
		CHECK_INT(b.data[0], HS_CRED_KIND_X509);
		CHECK_INT(load_be16(b.data + 1), chain.len);
		CHECK_MEM(b.data + 3, chain.data, chain.len);
		CHECK_MEM(b.data + 3 + chain.len, "\x01\x02\x03\x04", 4);
		CHECK_INT(hsmsg_payload_decode(kinds[i], b.data, b.len, &back), XE2E_OK);
		CHECK_INT(back.cred.kind, HS_CRED_KIND_X509);
		CHECK(back.cred.chain == b.data + 3);
		CHECK_INT(back.cred.chain_len, chain.len);
		CHECK_INT(back.cred.binding.device_id, 0x01020304);
		CHECK_INT(back.cred.binding.created, 1700000000);
		CHECK_INT(back.cred.binding.expires, 1800000000);
		CHECK_MEM(back.cred.binding.sig, p.cred.binding.sig, 64);
		CHECK_INT(back.lists.n_suites, p.lists.n_suites);
		if (kinds[i] == HS_PAYLOAD_XX2)
			CHECK_MEM(back.r0, p.r0, 32);
	}
	buf_free(&chain);
	buf_free(&b);
}

TEST(hsmsg_chain_truncated_and_padded_wrong)
{
	struct hs_payload p, back;
	struct buf chain = BUF_INIT, b = BUF_INIT;
	size_t n = 0;

	chain_payload(&p, &chain);
	CHECK_INT(hsmsg_payload_encode(HS_PAYLOAD_XX3, &p, &b), XE2E_OK);
	/* Every shorter length: cut in a field or padded to the wrong length. */
	for (size_t len = 0; len < b.len; len++)
		n += hsmsg_payload_decode(HS_PAYLOAD_XX3, b.data, len, &back) == XE2E_E_MALFORMED;
	CHECK_INT(n, b.len);
	/* A payload of the right content padded as kind 1 would be. */
	CHECK_INT(hsmsg_payload_decode(HS_PAYLOAD_XX3, b.data, 3 + chain.len + 84 + 5 + 27, &back),
		  XE2E_E_MALFORMED);
	/* One more padding block; a non-zero padding byte. */
	for (int k = 0; k < HS_PAD_CHAIN_UNIT; k++)
		CHECK_INT(buf_append_byte(&b, 0), XE2E_OK);
	CHECK_INT(hsmsg_payload_decode(HS_PAYLOAD_XX3, b.data, b.len, &back), XE2E_E_MALFORMED);
	b.len -= HS_PAD_CHAIN_UNIT;
	b.data[b.len - 1] = 0x01;
	CHECK_INT(hsmsg_payload_decode(HS_PAYLOAD_XX3, b.data, b.len, &back), XE2E_E_MALFORMED);
	buf_free(&chain);
	buf_free(&b);
}

/* 1 when the payload bytes in (len) encode exactly as they are. */
static int reencodes(enum hs_payload_kind kind, const uint8_t *in, size_t len)
{
	struct hs_payload p;
	struct buf out = BUF_INIT;
	int same = hsmsg_payload_decode(kind, in, len, &p) == XE2E_OK &&
		   hsmsg_payload_encode(kind, &p, &out) == XE2E_OK && out.len == len &&
		   !memcmp(out.data, in, len);

	buf_free(&out);
	return same;
}

TEST(hsmsg_chain_every_byte_flipped)
{
	struct hs_payload p, back;
	struct buf chain = BUF_INIT, b = BUF_INIT;
	size_t frame[] = {0, 1, 2, 3, 4, 5, 6, 3 + 504, 3 + 505, 3 + 506}, refused = 0, changed = 0;

	chain_payload(&p, &chain);
	CHECK_INT(hsmsg_payload_encode(HS_PAYLOAD_XX2, &p, &b), XE2E_OK);
	/* The framing: kind, chain length, both certificates' tags and lengths. */
	for (size_t i = 0; i < sizeof(frame) / sizeof(frame[0]); i++) {
		for (int bit = 0; bit < 8; bit++) {
			b.data[frame[i]] ^= (uint8_t)(1u << bit);
			CHECK(hsmsg_payload_decode(HS_PAYLOAD_XX2, b.data, b.len, &back) != XE2E_OK);
			b.data[frame[i]] ^= (uint8_t)(1u << bit);
		}
	}
	/* Every byte: refused, or read as another payload that encodes to
	 * exactly those bytes (nothing read loosely); every padding byte refused. */
	for (size_t i = 0; i < b.len; i++) {
		b.data[i] ^= 0x41;
		if (hsmsg_payload_decode(HS_PAYLOAD_XX2, b.data, b.len, &back) != XE2E_OK)
			refused++;
		else if (reencodes(HS_PAYLOAD_XX2, b.data, b.len))
			changed++;
		b.data[i] ^= 0x41;
	}
	CHECK_INT(refused + changed, b.len);
	CHECK(refused >= b.len - (3 + chain.len + 84 + 5 + 32) + 10);
	unit_note("%zu flips refused, %zu read as other content", refused, changed);
	CHECK_INT(hsmsg_payload_decode(HS_PAYLOAD_XX2, b.data, b.len, &back), XE2E_OK);
	buf_free(&chain);
	buf_free(&b);
}

/* A payload whose credential is kind 2 with the given chain, encoded by
 * hand (the encoder refuses bad chains), padded as the decoder wants. */
static void hand_payload(const uint8_t *chain, size_t len, struct buf *b)
{
	struct hs_payload p;
	size_t padded;

	fill_payload(&p);
	buf_clear(b);
	CHECK_INT(buf_append_byte(b, HS_CRED_KIND_X509), XE2E_OK);
	CHECK_INT(buf_append_lp16(b, chain, len), XE2E_OK);
	CHECK_INT(hsmsg_binding_encode(&p.cred.binding, b), XE2E_OK);
	CHECK_INT(buf_append(b, "\x01\x01\x02\x01\x02", 5), XE2E_OK);
	padded = (b->len + HS_PAD_CHAIN_UNIT - 1) / HS_PAD_CHAIN_UNIT * HS_PAD_CHAIN_UNIT;
	while (b->len < padded)
		CHECK_INT(buf_append_byte(b, 0), XE2E_OK);
}

TEST(hsmsg_chain_limits_and_bad_framing)
{
	static const struct {
		const char *what;
		uint8_t bytes[8];
		size_t len;
	} bad[] = {
		{"no certificate", {0}, 0},
		{"indefinite length", {0x30, 0x80, 0x00, 0x00}, 4},
		{"long form for a short length", {0x30, 0x81, 0x05, 1, 2, 3, 4, 5}, 8},
		{"two-byte form for a one-byte length", {0x30, 0x82, 0x00, 0x02, 1, 2}, 6},
		{"three length bytes", {0x30, 0x83, 0x00, 0x00, 0x01, 1}, 6},
		{"not a SEQUENCE", {0x31, 0x02, 1, 2}, 4},
		{"a SEQUENCE longer than the chain", {0x30, 0x05, 1, 2}, 4},
		{"a trailing byte", {0x30, 0x02, 1, 2, 0x00}, 5},
	};
	struct hs_payload p, back;
	struct buf chain = BUF_INIT, b = BUF_INIT;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hand_payload(bad[i].bytes, bad[i].len, &b);
		if (hsmsg_payload_decode(HS_PAYLOAD_XX3, b.data, b.len, &back) != XE2E_E_MALFORMED)
			unit_fail(__FILE__, __LINE__, "accepted: %s", bad[i].what);
		CHECK_INT(hsmsg_chain_check(bad[i].bytes, bad[i].len), XE2E_E_MALFORMED);
	}
	/* Eight certificates filling HS_CHAIN_MAX exactly: the longest step 2. */
	for (int k = 0; k < HS_CHAIN_CERTS_MAX; k++)
		fake_cert(&chain, HS_CHAIN_MAX / HS_CHAIN_CERTS_MAX - 4, (uint8_t)k);
	CHECK_INT(chain.len, HS_CHAIN_MAX);
	fill_payload(&p);
	p.cred.kind = HS_CRED_KIND_X509;
	p.cred.chain = chain.data;
	p.cred.chain_len = chain.len;
	memset(&p.lists, 0, sizeof(p.lists));
	p.lists.n_versions = p.lists.n_suites = HS_LIST_MAX;
	for (int k = 0; k < HS_LIST_MAX; k++)
		p.lists.versions[k] = p.lists.suites[k] = (uint8_t)(k + 1);
	buf_clear(&b);
	CHECK_INT(hsmsg_payload_encode(HS_PAYLOAD_XX2, &p, &b), XE2E_OK);
	CHECK_INT(b.len, HS_BODY_MAX - 32 - 48 - 16);
	CHECK_INT(hsmsg_payload_decode(HS_PAYLOAD_XX2, b.data, b.len, &back), XE2E_OK);
	/* A ninth certificate, or one byte more: refused both ways. */
	fake_cert(&chain, 0, 9);
	p.cred.chain = chain.data;
	p.cred.chain_len = chain.len;
	CHECK_INT(hsmsg_chain_check(chain.data, chain.len), XE2E_E_MALFORMED);
	CHECK_INT(hsmsg_payload_encode(HS_PAYLOAD_XX2, &p, &b), XE2E_E_STATE);
	hand_payload(chain.data, chain.len, &b);
	CHECK_INT(hsmsg_payload_decode(HS_PAYLOAD_XX3, b.data, b.len, &back), XE2E_E_MALFORMED);
	buf_clear(&chain);
	fake_cert(&chain, HS_CHAIN_MAX - 3, 1);
	CHECK_INT(chain.len, HS_CHAIN_MAX + 1);
	CHECK_INT(hsmsg_chain_check(chain.data, chain.len), XE2E_E_MALFORMED);
	hand_payload(chain.data, chain.len, &b);
	CHECK_INT(hsmsg_payload_decode(HS_PAYLOAD_XX3, b.data, b.len, &back), XE2E_E_MALFORMED);
	buf_free(&chain);
	buf_free(&b);
}

/* ---- credential kind 3: an OpenPGP signature of the identity key ---- */

/* A kind 3 credential with a key and a signature of these sizes (their
 * bytes are opaque here: GnuPG reads them). */
static void pgp_payload(struct hs_payload *p, struct buf *key, size_t key_len, struct buf *sig,
			size_t sig_len)
{
	fill_payload(p);
	buf_clear(key);
	buf_clear(sig);
	for (size_t i = 0; i < key_len; i++)
		CHECK_INT(buf_append_byte(key, (uint8_t)(0x99 + i)), XE2E_OK);
	for (size_t i = 0; i < sig_len; i++)
		CHECK_INT(buf_append_byte(sig, (uint8_t)(0x88 ^ i)), XE2E_OK);
	p->cred.kind = HS_CRED_KIND_OPENPGP;
	p->cred.pgp_created = 0x0102030405060708ull;
	p->cred.pgp_key = key->data;
	p->cred.pgp_key_len = key->len;
	p->cred.pgp_sig = sig->data;
	p->cred.pgp_sig_len = sig->len;
}

TEST(hsmsg_openpgp_round_trip)
{
	struct hs_payload p, back;
	struct buf key = BUF_INIT, sig = BUF_INIT, b = BUF_INIT;
	const size_t head = 1 + 65 + 8;

	pgp_payload(&p, &key, 233, &sig, 119);
	CHECK_INT(hsmsg_credential_len(&p.cred), head + 2 + 233 + 2 + 119 + HS_BINDING_LEN);
	for (int step = 0; step < 2; step++) {
		enum hs_payload_kind kind = step ? HS_PAYLOAD_XX3 : HS_PAYLOAD_XX2;

		buf_clear(&b);
		CHECK_INT(hsmsg_payload_encode(kind, &p, &b), XE2E_OK);
		/* Padded to the chain unit, as kind 2 is. */
		CHECK_INT(b.len, 1024);
		/* kind | identity key | created | key_len | key | sig_len | sig | binding */
		CHECK_INT(b.data[0], HS_CRED_KIND_OPENPGP);
		CHECK_MEM(b.data + 1, p.cred.identity_pub, 65);
		CHECK_MEM(b.data + 66, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
		CHECK_INT(load_be16(b.data + head), 233);
		CHECK_MEM(b.data + head + 2, key.data, 233);
		CHECK_INT(load_be16(b.data + head + 2 + 233), 119);
		CHECK_MEM(b.data + head + 4 + 233, sig.data, 119);
		CHECK_MEM(b.data + head + 4 + 233 + 119, "\x01\x02\x03\x04", 4);
		CHECK_INT(hsmsg_payload_decode(kind, b.data, b.len, &back), XE2E_OK);
		CHECK_INT(back.cred.kind, HS_CRED_KIND_OPENPGP);
		CHECK_MEM(back.cred.identity_pub, p.cred.identity_pub, 65);
		CHECK(back.cred.pgp_created == p.cred.pgp_created);
		CHECK(back.cred.pgp_key == b.data + head + 2 && back.cred.pgp_key_len == 233);
		CHECK(back.cred.pgp_sig == b.data + head + 4 + 233 && back.cred.pgp_sig_len == 119);
		CHECK_INT(back.cred.binding.device_id, 0x01020304);
		/* Padded to 32 only: refused. */
		CHECK_INT(hsmsg_payload_decode(kind, b.data, 512, &back), XE2E_E_MALFORMED);
	}
	buf_free(&key);
	buf_free(&sig);
	buf_free(&b);
}

/* The payload of a kind 3 credential with the key and signature lengths
 * given on the wire (key_len, sig_len) and n_key, n_sig bytes after them,
 * encoded by hand, padded as the decoder wants. */
static void pgp_hand_payload(size_t key_len, size_t n_key, size_t sig_len, size_t n_sig,
			     struct buf *b)
{
	struct hs_payload p;
	uint8_t len[2], when[8] = {0};
	size_t padded;

	fill_payload(&p);
	buf_clear(b);
	CHECK_INT(buf_append_byte(b, HS_CRED_KIND_OPENPGP), XE2E_OK);
	CHECK_INT(buf_append(b, p.cred.identity_pub, 65), XE2E_OK);
	CHECK_INT(buf_append(b, when, 8), XE2E_OK);
	put_be16(len, (uint16_t)key_len);
	CHECK_INT(buf_append(b, len, 2), XE2E_OK);
	for (size_t i = 0; i < n_key; i++)
		CHECK_INT(buf_append_byte(b, 0x99), XE2E_OK);
	put_be16(len, (uint16_t)sig_len);
	CHECK_INT(buf_append(b, len, 2), XE2E_OK);
	for (size_t i = 0; i < n_sig; i++)
		CHECK_INT(buf_append_byte(b, 0x88), XE2E_OK);
	CHECK_INT(hsmsg_binding_encode(&p.cred.binding, b), XE2E_OK);
	CHECK_INT(buf_append(b, "\x01\x01\x02\x01\x02", 5), XE2E_OK);
	padded = (b->len + HS_PAD_CHAIN_UNIT - 1) / HS_PAD_CHAIN_UNIT * HS_PAD_CHAIN_UNIT;
	while (b->len < padded)
		CHECK_INT(buf_append_byte(b, 0), XE2E_OK);
}

TEST(hsmsg_openpgp_limits_truncations_and_flips)
{
	struct hs_payload p, back;
	struct buf key = BUF_INIT, sig = BUF_INIT, b = BUF_INIT;
	size_t refused = 0, changed = 0, fields;

	/* The longest key and signature, with the longest lists: within
	 * HS_BODY_MAX, so a receiver's limit holds for kind 3 too. */
	pgp_payload(&p, &key, HS_OPENPGP_KEY_MAX, &sig, HS_OPENPGP_SIG_MAX);
	memset(&p.lists, 0, sizeof(p.lists));
	p.lists.n_versions = p.lists.n_suites = HS_LIST_MAX;
	for (int k = 0; k < HS_LIST_MAX; k++)
		p.lists.versions[k] = p.lists.suites[k] = (uint8_t)(k + 1);
	CHECK_INT(hsmsg_payload_encode(HS_PAYLOAD_XX2, &p, &b), XE2E_OK);
	CHECK(b.len <= HS_BODY_MAX - 32 - 48 - 16);
	CHECK_INT(hsmsg_payload_decode(HS_PAYLOAD_XX2, b.data, b.len, &back), XE2E_OK);
	/* One byte more of either, or none: the encoder refuses, and so does the
	 * decoder when the lengths say so. */
	pgp_payload(&p, &key, HS_OPENPGP_KEY_MAX + 1, &sig, 10);
	CHECK_INT(hsmsg_payload_encode(HS_PAYLOAD_XX3, &p, &b), XE2E_E_STATE);
	pgp_payload(&p, &key, 10, &sig, HS_OPENPGP_SIG_MAX + 1);
	CHECK_INT(hsmsg_payload_encode(HS_PAYLOAD_XX3, &p, &b), XE2E_E_STATE);
	pgp_payload(&p, &key, 0, &sig, 10);
	CHECK_INT(hsmsg_payload_encode(HS_PAYLOAD_XX3, &p, &b), XE2E_E_STATE);
	pgp_hand_payload(HS_OPENPGP_KEY_MAX + 1, HS_OPENPGP_KEY_MAX + 1, 10, 10, &b);
	CHECK_INT(hsmsg_payload_decode(HS_PAYLOAD_XX3, b.data, b.len, &back), XE2E_E_MALFORMED);
	pgp_hand_payload(10, 10, HS_OPENPGP_SIG_MAX + 1, HS_OPENPGP_SIG_MAX + 1, &b);
	CHECK_INT(hsmsg_payload_decode(HS_PAYLOAD_XX3, b.data, b.len, &back), XE2E_E_MALFORMED);
	pgp_hand_payload(0, 0, 10, 10, &b);
	CHECK_INT(hsmsg_payload_decode(HS_PAYLOAD_XX3, b.data, b.len, &back), XE2E_E_MALFORMED);
	pgp_hand_payload(10, 10, 0, 0, &b);
	CHECK_INT(hsmsg_payload_decode(HS_PAYLOAD_XX3, b.data, b.len, &back), XE2E_E_MALFORMED);
	/* A key length that runs past the payload. */
	pgp_hand_payload(2000, 10, 10, 10, &b);
	CHECK_INT(hsmsg_payload_decode(HS_PAYLOAD_XX3, b.data, b.len, &back), XE2E_E_MALFORMED);
	/* Every truncation of the fields is refused. */
	pgp_payload(&p, &key, 233, &sig, 119);
	buf_clear(&b);
	CHECK_INT(hsmsg_payload_encode(HS_PAYLOAD_XX3, &p, &b), XE2E_OK);
	fields = hsmsg_credential_len(&p.cred) + 5;
	for (size_t n = 0; n < fields; n++)
		if (hsmsg_payload_decode(HS_PAYLOAD_XX3, b.data, n, &back) != XE2E_E_MALFORMED)
			unit_fail(__FILE__, __LINE__, "a payload cut to %zu bytes was read", n);
	/* Every byte flipped: refused, or read as another payload that encodes
	 * to exactly those bytes. */
	for (size_t i = 0; i < b.len; i++) {
		b.data[i] ^= 0x41;
		if (hsmsg_payload_decode(HS_PAYLOAD_XX3, b.data, b.len, &back) != XE2E_OK)
			refused++;
		else if (reencodes(HS_PAYLOAD_XX3, b.data, b.len))
			changed++;
		b.data[i] ^= 0x41;
	}
	CHECK_INT(refused + changed, b.len);
	CHECK(refused >= b.len - fields + 4);
	unit_note("%zu flips refused, %zu read as other content", refused, changed);
	buf_free(&key);
	buf_free(&sig);
	buf_free(&b);
}

TEST(hsmsg_prologue_bytes)
{
	uint8_t offer[] = {1, 1, 1, 2, 1, 2, 1, 1}, retry[] = {1, 1, 2, 1, 0};
	struct hs_prologue p = {1, offer, sizeof(offer), retry, sizeof(retry), NULL, 0,
				"alice@capulet.lit", "bob@montague.lit"};
	struct buf b = BUF_INIT;
	const char *want_hex = "000e" "786532652068616e647368616b65" /* "xe2e handshake" */
			       "0001" "01"
			       "0008" "0101010201020101"
			       "0005" "0101020100"
			       "0000"
			       "0011" "616c69636540636170756c65742e6c6974"
			       "0010" "626f62406d6f6e74616775652e6c6974";
	size_t want_len;
	uint8_t *want = unit_hex(want_hex, &want_len);

	CHECK_INT(hsmsg_prologue_build(&p, &b), XE2E_OK);
	CHECK_INT(b.len, want_len);
	CHECK_MEM(b.data, want, want_len);
	free(want);
	buf_free(&b);
}

TEST(hsnego_names_and_lists)
{
	char name[HS_PROTOCOL_NAME_MAX];
	struct hs_lists l, other;
	uint8_t v;

	CHECK_INT(hsnego_protocol_name(HS_PATTERN_XX, HS_SUITE_CHACHAPOLY, name), XE2E_OK);
	CHECK_STR(name, "Noise_XXpsk2_25519_ChaChaPoly_SHA256");
	CHECK_INT(hsnego_protocol_name(HS_PATTERN_IK, HS_SUITE_AESGCM, name), XE2E_OK);
	CHECK_STR(name, "Noise_IKpsk1_25519_AESGCM_SHA256");
	CHECK_INT(hsnego_protocol_name(3, HS_SUITE_AESGCM, name), XE2E_E_UNSUPPORTED);
	CHECK_INT(hsnego_lists_parse_suites("AESGCM,ChaChaPoly", &l), XE2E_OK);
	CHECK_INT(l.n_suites, 2);
	CHECK_INT(l.suites[0], HS_SUITE_AESGCM);
	CHECK_INT(hsnego_lists_parse_suites("", &l), XE2E_E_MALFORMED);
	CHECK_INT(hsnego_lists_parse_suites("AESGCM,", &l), XE2E_E_MALFORMED);
	CHECK_INT(hsnego_lists_parse_suites("aesgcm", &l), XE2E_E_MALFORMED);
	CHECK_INT(hsnego_lists_parse_suites("AESGCM,AESGCM", &l), XE2E_E_MALFORMED);
	CHECK_INT(hsnego_lists_parse_suites("AESGCM", &l), XE2E_OK);
	hsnego_lists_default(&other);
	CHECK_INT(hsnego_best_suite(&other, &l, &v), XE2E_OK);
	CHECK_INT(v, HS_SUITE_AESGCM);
	CHECK_INT(hsnego_best_version(&other, &l, &v), XE2E_OK);
	CHECK_INT(v, 1);
	l.suites[0] = 9; /* unknown to this side */
	CHECK_INT(hsnego_best_suite(&l, &l, &v), XE2E_E_UNSUPPORTED);
}

/* HKDF-SHA256 straight from mbedTLS, as the specification writes it. */
static void spec_hkdf(const uint8_t *ikm, size_t n, const char *info, uint8_t *out, size_t len)
{
	CHECK_INT(mbedtls_hkdf(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), NULL, 0, ikm, n,
			       (const unsigned char *)info, strlen(info), out, len),
		  0);
}

TEST(handshake_psk_and_rsid_derivations)
{
	uint8_t rs[32], psk[32], ikm[64], got[32], want[32], e[32], key[32], mac[32];

	memset(rs, 0x5a, 32);
	memset(psk, 0xa5, 32);
	memcpy(ikm, rs, 32);
	memcpy(ikm + 32, psk, 32);
	spec_hkdf(ikm, 64, "xe2e psk v1", want, 32);
	CHECK_INT(handshake_psk_derive(rs, psk, got), XE2E_OK);
	CHECK_MEM(got, want, 32);
	memset(ikm, 0, 32);
	spec_hkdf(ikm, 64, "xe2e psk v1", want, 32);
	CHECK_INT(handshake_psk_derive(NULL, psk, got), XE2E_OK);
	CHECK_MEM(got, want, 32);
	memset(ikm, 0, 64);
	spec_hkdf(ikm, 64, "xe2e psk v1", want, 32);
	CHECK_INT(handshake_psk_derive(NULL, NULL, got), XE2E_OK);
	CHECK_MEM(got, want, 32);
	/* rsid: the first 16 bytes of HMAC(HKDF(rs, "xe2e rsid"), e). */
	memset(e, 0x33, 32);
	spec_hkdf(rs, 32, "xe2e rsid", key, 32);
	CHECK_INT(mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), key, 32, e, 32, mac),
		  0);
	CHECK_INT(handshake_rsid(rs, e, got), XE2E_OK);
	CHECK_MEM(got, mac, HS_RSID_LEN);
}

/* ---- cookies ---- */

static const uint8_t cookie_offer[] = {1, 1, 1, 2, 1, 2, 1, 1};

static struct cookie_input cookie_in(void)
{
	struct cookie_input in = {cookie_offer, sizeof(cookie_offer), 1, 1, 2, 1,
				  "alice@capulet.lit"};

	return in;
}

TEST(cookie_make_and_check)
{
	uint8_t key[COOKIE_KEY_LEN], c[COOKIE_LEN], mac[32], msg[128];
	struct cookie_input in = cookie_in(), other;
	size_t n = 0;

	memset(key, 9, sizeof(key));
	CHECK_INT(cookie_make(key, &in, 1700000000, c), XE2E_OK);
	/* The MAC as the specification defines it. */
	memcpy(msg, "xe2e cookie", 11);
	n = 11;
	msg[n++] = 0;
	msg[n++] = 8;
	memcpy(msg + n, cookie_offer, 8);
	n += 8;
	memcpy(msg + n, "\x01\x01\x02\x01", 4);
	n += 4;
	msg[n++] = 0;
	msg[n++] = 17;
	memcpy(msg + n, "alice@capulet.lit", 17);
	n += 17;
	memcpy(msg + n, c, 8);
	n += 8;
	CHECK_INT(mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), key, 32, msg, n, mac),
		  0);
	CHECK_MEM(c + 8, mac, 16);
	CHECK_MEM(c, "\x00\x00\x00\x00\x65\x53\xf1\x00", 8);
	CHECK_INT(cookie_check(key, &in, c, COOKIE_LEN, 1700000000), XE2E_OK);
	CHECK_INT(cookie_check(key, &in, c, COOKIE_LEN, 1700000300), XE2E_OK);
	CHECK_INT(cookie_check(key, &in, c, COOKIE_LEN, 1700000301), XE2E_E_EXPIRED);
	CHECK_INT(cookie_check(key, &in, c, COOKIE_LEN, 1699999999), XE2E_E_EXPIRED);
	CHECK_INT(cookie_check(key, &in, c, COOKIE_LEN - 1, 1700000000), XE2E_E_MALFORMED);
	for (size_t i = 0; i < COOKIE_LEN; i++) {
		c[i] ^= 0x10;
		CHECK_INT(cookie_check(key, &in, c, COOKIE_LEN, 1700000000), XE2E_E_AUTH);
		c[i] ^= 0x10;
	}
	/* Every input is bound. */
	other = in;
	other.jid = "mallory@evil.lit";
	CHECK_INT(cookie_check(key, &other, c, COOKIE_LEN, 1700000000), XE2E_E_AUTH);
	other = in;
	other.suite = 1;
	CHECK_INT(cookie_check(key, &other, c, COOKIE_LEN, 1700000000), XE2E_E_AUTH);
	other = in;
	other.kind = 2;
	CHECK_INT(cookie_check(key, &other, c, COOKIE_LEN, 1700000000), XE2E_E_AUTH);
	other = in;
	other.offer_len--;
	CHECK_INT(cookie_check(key, &other, c, COOKIE_LEN, 1700000000), XE2E_E_AUTH);
	key[0] ^= 1;
	CHECK_INT(cookie_check(key, &in, c, COOKIE_LEN, 1700000000), XE2E_E_AUTH);
}

TEST(cookie_key_file)
{
	char home[300], path[400];
	uint8_t a[COOKIE_KEY_LEN], b[COOKIE_KEY_LEN];
	struct stat st;
	FILE *f;

	snprintf(home, sizeof(home), "%s/home", unit_tmpdir());
	setenv("XE2E_HOME", home, 1);
	CHECK_INT(cookie_key_load(a), XE2E_OK);
	CHECK_INT(cookie_key_load(b), XE2E_OK);
	CHECK_MEM(a, b, COOKIE_KEY_LEN);
	snprintf(path, sizeof(path), "%s/state/cookie.key", home);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0600);
	chmod(path, 0644);
	CHECK_INT(cookie_key_load(b), XE2E_E_PERM);
	chmod(path, 0600);
	f = fopen(path, "ab");
	fputc('x', f);
	fclose(f);
	CHECK_INT(cookie_key_load(b), XE2E_E_MALFORMED);
}

/* ---- the IK replay cache ---- */

TEST(replay_cache_refuses_repeats)
{
	char path[400];
	uint8_t k1[32], k2[32];
	struct replay_cache_params p = {100, 3};
	size_t len;
	char *text;

	snprintf(path, sizeof(path), "%s/ik-replay", unit_tmpdir());
	memset(k1, 1, 32);
	memset(k2, 2, 32);
	CHECK_INT(replay_cache_check_add(path, k1, 1000, &p), XE2E_OK);
	CHECK_INT(replay_cache_check_add(path, k1, 1001, &p), XE2E_E_REPLAY);
	CHECK_INT(replay_cache_check_add(path, k2, 1002, &p), XE2E_OK);
	text = unit_read_file(path, &len);
	CHECK(text && !strncmp(text, "xe2e ik-replay v1\n"
				     "0101010101010101010101010101010101010101010101010101010101010101 1000\n", 88));
	CHECK(text && len == 18 + 2 * 70);
	free(text);
	/* Expired after the lifetime: accepted again. */
	CHECK_INT(replay_cache_check_add(path, k1, 1099, &p), XE2E_E_REPLAY);
	CHECK_INT(replay_cache_check_add(path, k1, 1100, &p), XE2E_OK);
	/* Bounded: the oldest entries go first. */
	for (uint8_t i = 10; i < 14; i++) {
		uint8_t k[32];

		memset(k, i, 32);
		CHECK_INT(replay_cache_check_add(path, k, 1101 + i, &p), XE2E_OK);
	}
	text = unit_read_file(path, &len);
	CHECK(text && len == 18 + 3 * 70);
	free(text);
	CHECK_INT(replay_cache_check_add(path, k1, 1200, &p), XE2E_OK);
}

/* A clock set back does not empty the cache: an entry stamped in the
 * future still refuses its key, and stays until its lifetime ran out. */
TEST(replay_cache_keeps_entries_from_the_future)
{
	char path[400];
	uint8_t k1[32], k2[32];
	struct replay_cache_params p = {100, 10};
	size_t len;
	char *text;

	snprintf(path, sizeof(path), "%s/ik-replay-future", unit_tmpdir());
	memset(k1, 1, 32);
	memset(k2, 2, 32);
	CHECK_INT(replay_cache_check_add(path, k1, 5000, &p), XE2E_OK);
	/* The clock goes back by an hour, far beyond the lifetime. */
	CHECK_INT(replay_cache_check_add(path, k2, 1400, &p), XE2E_OK);
	CHECK_INT(replay_cache_check_add(path, k1, 1401, &p), XE2E_E_REPLAY);
	text = unit_read_file(path, &len);
	CHECK(text && len == 18 + 2 * 70);
	free(text);
	/* Its lifetime counts from its stamp. */
	CHECK_INT(replay_cache_check_add(path, k1, 5099, &p), XE2E_E_REPLAY);
	CHECK_INT(replay_cache_check_add(path, k1, 5100, &p), XE2E_OK);
}

TEST(replay_cache_malformed_left_alone)
{
	char path[400];
	uint8_t k[32];
	const char *bad[] = {
		"xe2e ik-replay v2\n",
		"xe2e ik-replay v1\n0101 5\n",
		"xe2e ik-replay v1\n"
		"0101010101010101010101010101010101010101010101010101010101010101 01\n",
		"xe2e ik-replay v1\n"
		"0101010101010101010101010101010101010101010101010101010101010101 1",
	};

	memset(k, 7, 32);
	snprintf(path, sizeof(path), "%s/ik-replay", unit_tmpdir());
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unit_write_secret(path, bad[i]);
		CHECK_INT(replay_cache_check_add(path, k, 1000, NULL), XE2E_E_MALFORMED);
		CHECK(unit_file_is(path, bad[i]));
	}
}
