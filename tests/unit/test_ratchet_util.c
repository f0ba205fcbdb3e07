/* Helpers of the ratchet tests; see test_ratchet.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dh.h"
#include "err.h"
#include "hash.h"
#include "rng.h"
#include "test_ratchet.h"
#include "unit.h"
#include "util.h"

void trng_init(struct trng *r)
{
	const char *env = getenv("XE2E_TEST_SEED");
	uint64_t seed = 0;

	if (env && *env)
		seed = strtoull(env, NULL, 0);
	else if (rng_bytes(&seed, sizeof(seed)) != XE2E_OK)
		seed = 1;
	if (!seed)
		seed = 1;
	unit_note("seed %llu (XE2E_TEST_SEED to repeat)", (unsigned long long)seed);
	r->s = seed;
}

/* xorshift64*: reproducible choices, not for keys. */
uint64_t trng_next(struct trng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545F4914F6CDD1DULL;
}

uint32_t trng_below(struct trng *r, uint32_t n)
{
	return n ? (uint32_t)((trng_next(r) >> 32) % n) : 0;
}

void trng_shuffle(struct trng *r, size_t *idx, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = trng_below(r, (uint32_t)i);
		size_t t = idx[i - 1];

		idx[i - 1] = idx[j];
		idx[j] = t;
	}
}

void rpair_init(struct rpair *p, enum aead_cipher cipher, uint64_t now)
{
	memset(p, 0, sizeof(*p));
	p->start.cipher = cipher;
	CHECK_INT(rng_bytes(p->start.root_key, RATCHET_KEY_LEN), XE2E_OK);
	CHECK_INT(rng_bytes(p->start.chain_key, RATCHET_KEY_LEN), XE2E_OK);
	CHECK_INT(x25519_keypair(p->start.r0_private, p->start.r0_public), XE2E_OK);
	CHECK_INT(ratchet_tag_derive(p->start.root_key, p->start.tag), XE2E_OK);
	CHECK_INT(ratchet_init(&p->a, RATCHET_INITIATOR, &p->start, now), XE2E_OK);
	CHECK_INT(ratchet_init(&p->b, RATCHET_RESPONDER, &p->start, now), XE2E_OK);
}

void rpair_free(struct rpair *p)
{
	ratchet_free(p->a);
	ratchet_free(p->b);
	memset(p, 0, sizeof(*p));
}

const uint8_t tr_ad[] = "\0\7message\0\4chat\0\2id\0\15a@example.org\0\15b@example.org";
const size_t tr_ad_len = sizeof(tr_ad) - 1;

static size_t tr_text(uint32_t i, char *s, size_t n)
{
	return (size_t)snprintf(s, n, "message %u", i);
}

int tr_send(struct ratchet_state *st, uint64_t now, uint32_t i, struct buf *out)
{
	char s[32];
	size_t n = tr_text(i, s, sizeof(s));

	out->len = 0;
	return ratchet_encrypt(st, now, (const uint8_t *)s, n, tr_ad, tr_ad_len, out);
}

int tr_recv(struct ratchet_state *st, uint64_t now, uint32_t i, const struct buf *msg,
	    struct ratchet_recv_info *info)
{
	struct buf pt = BUF_INIT;
	char s[32];
	size_t n = tr_text(i, s, sizeof(s));
	int err = ratchet_decrypt(st, now, msg->data, msg->len, tr_ad, tr_ad_len, &pt, info);

	if (!err && (pt.len != n || memcmp(pt.data, s, n) != 0)) {
		unit_fail(__FILE__, __LINE__, "plaintext of message %u differs", i);
		err = XE2E_E_AUTH;
	}
	buf_free(&pt);
	return err;
}

void tr_steps_off(struct ratchet_state *st)
{
	struct ratchet_policy pol;

	ratchet_policy_default(&pol);
	pol.step_interval = 0;
	CHECK_INT(ratchet_policy_set(st, &pol), XE2E_OK);
}

void tr_snapshot(const struct ratchet_state *st, struct buf *out)
{
	out->len = 0;
	CHECK_INT(ratchet_serialize(st, out), XE2E_OK);
}

struct ratchet_state *tr_copy(const struct ratchet_state *st)
{
	struct buf text = BUF_INIT;
	struct ratchet_state *c = NULL;

	tr_snapshot(st, &text);
	CHECK_INT(ratchet_parse((const char *)text.data, text.len, &c, NULL), XE2E_OK);
	wipe(text.data, text.len);
	buf_free(&text);
	return c;
}

int tr_same(const struct ratchet_state *st, const struct buf *snap)
{
	struct buf now = BUF_INIT;
	int same;

	tr_snapshot(st, &now);
	same = now.len == snap->len && memcmp(now.data, snap->data, now.len) == 0;
	buf_free(&now);
	return same;
}

int tr_reload(struct ratchet_state **st)
{
	struct buf text = BUF_INIT;
	struct ratchet_state *re = NULL;
	int same = 0;

	tr_snapshot(*st, &text);
	if (ratchet_parse((const char *)text.data, text.len, &re, NULL) == XE2E_OK) {
		same = tr_same(re, &text);
		ratchet_free(*st);
		*st = re;
	} else {
		unit_fail(__FILE__, __LINE__, "reload: %s", err_detail());
	}
	buf_free(&text);
	return same;
}

void tr_info(const struct ratchet_state *st, struct ratchet_info *info)
{
	ratchet_info_get(st, info);
}

int tr_open_by_hand(enum aead_cipher cipher, const uint8_t mk[32], const struct buf *msg,
		    size_t hdr_len, struct buf *pt)
{
	uint8_t okm[AEAD_KEY_LEN + AEAD_NONCE_LEN];
	size_t pre = hdr_len + RATCHET_SIV_LEN;
	struct buf ad = BUF_INIT;
	int err;

	CHECK(msg->len >= pre + AEAD_TAG_LEN);
	CHECK_INT(hkdf(HASH_SHA256, msg->data + hdr_len, RATCHET_SIV_LEN, mk, 32,
		       "xe2e message key v2", 19, okm, sizeof(okm)),
		  XE2E_OK);
	buf_append_byte(&ad, (uint8_t)(hdr_len >> 8));
	buf_append_byte(&ad, (uint8_t)hdr_len);
	buf_append(&ad, msg->data, hdr_len);
	buf_append(&ad, tr_ad, tr_ad_len);
	pt->len = 0;
	CHECK_INT(buf_reserve(pt, msg->len), XE2E_OK);
	err = aead_open(cipher, okm, okm + AEAD_KEY_LEN, ad.data, ad.len, msg->data + pre,
			msg->len - pre, pt->data);
	if (!err)
		pt->len = msg->len - pre - AEAD_TAG_LEN;
	wipe(okm, sizeof(okm));
	buf_free(&ad);
	return err;
}
