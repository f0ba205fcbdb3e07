/* The sending side: DH steps, reservations, encryption. */
#include <string.h>

#include "dh.h"
#include "err.h"
#include "ratchet_impl.h"
#include "rng.h"
#include "util.h"

/* The secrets a reservation computes before it changes the state. */
struct send_plan {
	int step;
	int mixed; /* the step took the pending SPAKE2 mix in */
	uint8_t rk[RATCHET_KEY_LEN];
	uint8_t priv[RATCHET_KEY_LEN];
	uint8_t pub[RATCHET_KEY_LEN];
	uint8_t ck[RATCHET_KEY_LEN]; /* chain key at the block's start */
	uint8_t end_ck[RATCHET_KEY_LEN];
};

/* The sending half of a DH step: new key pair, (rk, cks) = KDF_RK(rk, DH),
 * with the pending mix when it names this step. */
static int send_plan_step(const struct ratchet_state *st, struct send_plan *p)
{
	uint8_t dh[RATCHET_KEY_LEN];
	const uint8_t *mix;
	int err;

	if (st->own_epoch == UINT32_MAX) {
		err_detail_set("ratchet epochs exhausted");
		return XE2E_E_EXPIRED;
	}
	err = x25519_keypair(p->priv, p->pub);
	if (!err)
		err = x25519_shared(dh, p->priv, st->peer_pub);
	if (!err) {
		mix = ratchet_mix_for(st, ratchet_step_index(st->role, st->own_epoch + 1));
		memcpy(p->rk, st->rk, RATCHET_KEY_LEN);
		err = ratchet_kdf_rk(p->rk, dh, mix, p->ck);
		p->mixed = mix != NULL;
	}
	p->step = 1;
	wipe(dh, sizeof(dh));
	return err;
}

/* Moves a copy of the chain key k numbers on. */
static int send_plan_advance(struct send_plan *p, uint32_t k)
{
	uint8_t mk[RATCHET_KEY_LEN];
	int err = XE2E_OK;

	memcpy(p->end_ck, p->ck, RATCHET_KEY_LEN);
	for (uint32_t i = 0; i < k && !err; i++)
		err = ratchet_kdf_ck(p->end_ck, mk);
	wipe(mk, sizeof(mk));
	return err;
}

static void send_apply_step(struct ratchet_state *st, const struct send_plan *p, uint64_t now)
{
	memcpy(st->rk, p->rk, RATCHET_KEY_LEN);
	memcpy(st->own_priv, p->priv, RATCHET_KEY_LEN);
	memcpy(st->own_pub, p->pub, RATCHET_KEY_LEN);
	st->pn = st->has_send ? st->ns : 0;
	st->has_send = 1;
	st->own_epoch++;
	st->ns = 0;
	st->open_blocks = 0;
	st->gap = 0;
	st->has_restart = 0;
	st->restart_n = 0;
	st->last_step = now;
	st->sent_since_step = 0;
	if (p->mixed)
		ratchet_mix_clear(st);
}

static int send_check_limits(const struct ratchet_state *st, uint64_t now, uint32_t k)
{
	if (k < 1 || k > st->policy.skipped_max) {
		err_detail_set("reservation of %u numbers (1..%u)", k, st->policy.skipped_max);
		return XE2E_E_LIMIT;
	}
	if (now > st->created && now - st->created > st->policy.max_age) {
		err_detail_set("session older than %u days", st->policy.max_age / 86400);
		return XE2E_E_EXPIRED;
	}
	if (st->total_sent + k > st->policy.max_messages || (uint64_t)st->ns + k > UINT32_MAX) {
		err_detail_set("session used for %llu messages",
			       (unsigned long long)st->total_sent);
		return XE2E_E_EXPIRED;
	}
	return XE2E_OK;
}

/* Fills the block's header template from the (stepped) state. */
static void send_block_fill(const struct ratchet_state *st, uint32_t k, struct ratchet_block *b)
{
	struct ratchet_header *h = &b->hdr;

	memset(b, 0, sizeof(*b));
	b->cipher = st->cipher;
	memcpy(h->tag, st->tag, RATCHET_TAG_LEN);
	h->sender_epoch = st->own_epoch;
	h->ack_epoch = st->peer_epoch;
	h->pn = st->pn;
	h->has_key = st->peer_ack < st->own_epoch;
	if (h->has_key)
		memcpy(h->key, st->own_pub, RATCHET_KEY_LEN);
	h->has_restart = st->has_restart;
	h->restart_n = st->restart_n;
	b->next = st->ns;
	b->end = st->ns + k;
}

int ratchet_reserve(struct ratchet_state *st, uint64_t now, uint32_t k,
		    struct ratchet_block *block)
{
	struct send_plan p;
	int err;

	memset(&p, 0, sizeof(p));
	memset(block, 0, sizeof(*block));
	err = send_check_limits(st, now, k);
	if (!err && ratchet_step_due(st, now, NULL))
		err = send_plan_step(st, &p);
	else if (!err)
		memcpy(p.ck, st->cks, RATCHET_KEY_LEN);
	if (!err)
		err = send_plan_advance(&p, k);
	if (err)
		goto out;
	if (p.step)
		send_apply_step(st, &p, now);
	if (st->gap && st->open_blocks == 0) {
		/* Every number below ns was sent or abandoned. */
		st->has_restart = 1;
		st->restart_n = st->ns;
		st->gap = 0;
	}
	send_block_fill(st, k, block);
	memcpy(block->ck, p.ck, RATCHET_KEY_LEN);
	memcpy(st->cks, p.end_ck, RATCHET_KEY_LEN);
	st->ns += k;
	st->open_blocks++;
	st->total_sent += k;
	st->sent_since_step += k;
out:
	wipe(&p, sizeof(p));
	return err;
}

/* The synthetic nonce of pt under mk: fresh r, then ratchet_siv(). */
static int send_siv(const uint8_t mk[static RATCHET_KEY_LEN], const struct buf *ad,
		    const uint8_t *pt, size_t pt_len, uint8_t s[static RATCHET_SIV_LEN])
{
	uint8_t r[RATCHET_SIV_RANDOM_LEN];
	int err = rng_bytes(r, sizeof(r));

	if (!err)
		err = ratchet_siv(mk, r, ad->data, ad->len, pt, pt_len, s);
	wipe(r, sizeof(r));
	return err;
}

/* header | s | AEAD of pt under the keys of (mk, s), AD = len16 | header |
 * ad_extra; appended to out. */
static int send_seal(enum aead_cipher cipher, const uint8_t mk[static RATCHET_KEY_LEN],
		     const uint8_t *hdr, size_t hdr_len, const uint8_t *pt, size_t pt_len,
		     const uint8_t *ad_extra, size_t ad_len, struct buf *out)
{
	uint8_t key[AEAD_KEY_LEN], nonce[AEAD_NONCE_LEN], s[RATCHET_SIV_LEN];
	struct buf ad = BUF_INIT;
	size_t start = out->len, pre = hdr_len + RATCHET_SIV_LEN;
	int err;

	err = ratchet_ad_build(&ad, hdr, hdr_len, ad_extra, ad_len);
	if (!err)
		err = send_siv(mk, &ad, pt, pt_len, s);
	if (!err)
		err = ratchet_message_keys(mk, s, key, nonce);
	if (!err && pt_len > SIZE_MAX - pre - AEAD_TAG_LEN)
		err = XE2E_E_LIMIT;
	if (!err)
		err = buf_reserve(out, pre + pt_len + AEAD_TAG_LEN);
	if (err)
		goto out;
	memcpy(out->data + start, hdr, hdr_len);
	memcpy(out->data + start + hdr_len, s, RATCHET_SIV_LEN);
	err = aead_seal(cipher, key, nonce, ad.data, ad.len, pt, pt_len, out->data + start + pre);
	if (!err)
		out->len = start + pre + pt_len + AEAD_TAG_LEN;
out:
	wipe(key, sizeof(key));
	wipe(nonce, sizeof(nonce));
	buf_free(&ad);
	return err;
}

int ratchet_block_encrypt(struct ratchet_block *block, const uint8_t *pt, size_t pt_len,
			  const uint8_t *ad_extra, size_t ad_len, struct buf *out)
{
	uint8_t hdr[RATCHET_HEADER_MAX], mk[RATCHET_KEY_LEN], ck[RATCHET_KEY_LEN];
	size_t hdr_len;
	int err;

	if (block->next >= block->end) {
		err_detail_set("reserved block used up");
		return XE2E_E_LIMIT;
	}
	memcpy(ck, block->ck, RATCHET_KEY_LEN);
	err = ratchet_kdf_ck(ck, mk);
	if (err)
		goto out;
	block->hdr.n = block->next;
	ratchet_header_encode(&block->hdr, hdr, &hdr_len);
	err = send_seal(block->cipher, mk, hdr, hdr_len, pt, pt_len, ad_extra, ad_len, out);
	if (err)
		goto out;
	/* The number is spent only once its message exists. */
	memcpy(block->ck, ck, RATCHET_KEY_LEN);
	block->next++;
out:
	wipe(mk, sizeof(mk));
	wipe(ck, sizeof(ck));
	return err;
}

void ratchet_block_wipe(struct ratchet_block *block)
{
	wipe(block, sizeof(*block));
}

static int block_is_current(const struct ratchet_state *st, const struct ratchet_block *b)
{
	return st->has_send && b->end > 0 && b->hdr.sender_epoch == st->own_epoch &&
	       memcmp(b->hdr.tag, st->tag, RATCHET_TAG_LEN) == 0;
}

void ratchet_block_release(struct ratchet_state *st, struct ratchet_block *b)
{
	uint32_t unused = b->end - b->next;

	if (!block_is_current(st, b))
		goto out;
	if (st->open_blocks)
		st->open_blocks--;
	if (!unused)
		goto out;
	if (st->ns == b->end) {
		/* Nothing was reserved after the block: give the rest back. */
		st->ns = b->next;
		memcpy(st->cks, b->ck, RATCHET_KEY_LEN);
		st->total_sent -= unused < st->total_sent ? unused : st->total_sent;
		st->sent_since_step -= unused < st->sent_since_step ? unused
								  : st->sent_since_step;
	} else {
		st->gap = 1;
	}
out:
	ratchet_block_wipe(b);
}

int ratchet_encrypt(struct ratchet_state *st, uint64_t now, const uint8_t *pt, size_t pt_len,
		    const uint8_t *ad_extra, size_t ad_len, struct buf *out)
{
	struct ratchet_block b;
	int err = ratchet_reserve(st, now, 1, &b);

	if (err)
		return err;
	err = ratchet_block_encrypt(&b, pt, pt_len, ad_extra, ad_len, out);
	ratchet_block_release(st, &b);
	return err;
}
