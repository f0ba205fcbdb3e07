/* The receiving side: finding a message's key, the receiving DH half, and
 * decryption on a copy of the state that is committed only on success. */
#include <string.h>

#include "dh.h"
#include "err.h"
#include "ratchet_impl.h"
#include "util.h"

static int recv_refuse(const char *why)
{
	err_detail_set("%s", why);
	return XE2E_E_AUTH;
}

/* Checks a header against the session before any cryptography. */
static int recv_check_header(const struct ratchet_state *st, const struct ratchet_header *h)
{
	if (memcmp(h->tag, st->tag, RATCHET_TAG_LEN) != 0) {
		err_detail_set("no session with this tag");
		return XE2E_E_NOTFOUND;
	}
	if (h->ack_epoch > st->own_epoch)
		return recv_refuse("acknowledges an epoch never sent");
	if (h->has_restart && h->restart_n > h->n)
		return recv_refuse("restart marker above the message number");
	if (st->has_recv && h->sender_epoch == st->peer_epoch && h->has_key &&
	    memcmp(h->key, st->peer_pub, RATCHET_KEY_LEN) != 0)
		return recv_refuse("ratchet key differs from the epoch's key");
	return XE2E_OK;
}

/* 1 when the header names the peer's next epoch and it may exist now. */
static int recv_is_next_epoch(const struct ratchet_state *st, const struct ratchet_header *h)
{
	uint32_t next = st->has_recv ? st->peer_epoch + 1 : 1;

	if (st->has_recv && st->peer_epoch == UINT32_MAX)
		return 0;
	/* The peer's next key is made against own current key. */
	return h->sender_epoch == next && st->has_send && ratchet_stepped_against(st) ==
	       (st->has_recv ? st->peer_epoch : 0);
}

static int recv_gap_check(const struct ratchet_state *st, uint64_t gap)
{
	if (gap > st->policy.skipped_max) {
		err_detail_set("%llu messages skipped, at most %u",
			       (unsigned long long)gap, st->policy.skipped_max);
		return XE2E_E_LIMIT;
	}
	return XE2E_OK;
}

/* The receiving half: (rk, ckr) = KDF_RK(rk, DH(own private, peer public)),
 * with the pending mix when it names this step (st is a copy: a message
 * that fails authentication leaves the mix pending). */
static int recv_dh_half(struct ratchet_state *st, const struct ratchet_header *h, uint64_t now)
{
	enum ratchet_role peer = st->role == RATCHET_INITIATOR ? RATCHET_RESPONDER
							       : RATCHET_INITIATOR;
	const uint8_t *mix = ratchet_mix_for(st, ratchet_step_index(peer, h->sender_epoch));
	uint8_t dh[RATCHET_KEY_LEN];
	int err = x25519_shared(dh, st->own_priv, h->key);

	if (!err)
		err = ratchet_kdf_rk(st->rk, dh, mix, st->ckr);
	if (!err) {
		st->peer_epoch = h->sender_epoch;
		memcpy(st->peer_pub, h->key, RATCHET_KEY_LEN);
		st->has_recv = 1;
		st->nr = 0;
		st->peer_key_time = now;
		if (mix)
			ratchet_mix_clear(st);
	}
	wipe(dh, sizeof(dh));
	return err;
}

/* Takes the next epoch's chain: old chain's keys up to pn, DH half, then
 * its keys up to n. */
static int recv_new_chain(struct ratchet_state *st, const struct ratchet_header *h, uint64_t now,
			  struct ratchet_recv_info *info)
{
	uint64_t old = st->has_recv && h->pn > st->nr ? h->pn - st->nr : 0;
	int err;

	if (!h->has_key)
		return recv_refuse("new epoch without its ratchet key");
	err = recv_gap_check(st, old + h->n);
	if (!err && old)
		err = ratchet_skipped_fill(st, h->pn, now, &info->dropped);
	if (!err)
		err = recv_dh_half(st, h, now);
	if (!err)
		err = ratchet_skipped_fill(st, h->n, now, &info->dropped);
	info->skipped = (uint32_t)(old + h->n);
	info->new_epoch = 1;
	return err;
}

/* Finds the message key of (sender_epoch, n), changing st (a copy). */
static int recv_find_key(struct ratchet_state *st, const struct ratchet_header *h, uint64_t now,
			 uint8_t mk[static RATCHET_KEY_LEN], struct ratchet_recv_info *info)
{
	int err;

	if (st->has_recv && (h->sender_epoch < st->peer_epoch ||
			     (h->sender_epoch == st->peer_epoch && h->n < st->nr))) {
		info->late = 1;
		return ratchet_skipped_take(st, h->sender_epoch, h->n, mk);
	}
	if (st->has_recv && h->sender_epoch == st->peer_epoch) {
		err = recv_gap_check(st, (uint64_t)h->n - st->nr);
		if (!err)
			info->skipped = h->n - st->nr;
		if (!err)
			err = ratchet_skipped_fill(st, h->n, now, &info->dropped);
	} else if (recv_is_next_epoch(st, h)) {
		err = recv_new_chain(st, h, now, info);
	} else {
		return recv_refuse("epoch out of sequence");
	}
	if (!err)
		err = ratchet_kdf_ck(st->ckr, mk);
	if (!err)
		st->nr++;
	return err;
}

/* AEAD open of the ciphertext after header and s (pre bytes) under the
 * keys of (mk, s); appends to out. */
static int recv_open(enum aead_cipher cipher, const uint8_t mk[static RATCHET_KEY_LEN],
		     const uint8_t *msg, size_t hdr_len, size_t msg_len, const uint8_t *ad_extra,
		     size_t ad_len, struct buf *out)
{
	uint8_t key[AEAD_KEY_LEN], nonce[AEAD_NONCE_LEN];
	struct buf ad = BUF_INIT;
	size_t pre = hdr_len + RATCHET_SIV_LEN, ct_len = msg_len - pre;
	int err;

	/* Another s gives other keys: s is authenticated by the tag. */
	err = ratchet_message_keys(mk, msg + hdr_len, key, nonce);
	if (!err)
		err = ratchet_ad_build(&ad, msg, hdr_len, ad_extra, ad_len);
	if (!err)
		err = buf_reserve(out, ct_len - AEAD_TAG_LEN);
	if (!err)
		err = aead_open(cipher, key, nonce, ad.data, ad.len, msg + pre, ct_len,
				out->data + out->len);
	if (!err)
		out->len += ct_len - AEAD_TAG_LEN;
	wipe(key, sizeof(key));
	wipe(nonce, sizeof(nonce));
	buf_free(&ad);
	return err;
}

/* What an authenticated message tells: acknowledgement, restart marker. */
static void recv_apply_header(struct ratchet_state *st, const struct ratchet_header *h,
			      struct ratchet_recv_info *info)
{
	if (h->ack_epoch > st->peer_ack)
		st->peer_ack = h->ack_epoch;
	if (h->has_restart)
		info->dropped += (uint32_t)ratchet_skipped_drop_below(st, h->sender_epoch,
								      h->restart_n);
}

/* Decodes header and s and checks the header against the session;
 * *hdr_len gets the header's size (s follows it). */
static int recv_parse(const struct ratchet_state *st, const uint8_t *msg, size_t msg_len,
		      struct ratchet_header *h, size_t *hdr_len)
{
	uint8_t s[RATCHET_SIV_LEN];
	size_t used;
	int err = ratchet_message_decode(h, s, msg, msg_len, &used);

	if (err)
		return err;
	*hdr_len = used - RATCHET_SIV_LEN;
	return recv_check_header(st, h);
}

/* 1 when [p, p + n) lies in out's allocation (which may move). */
static int buf_overlaps(const struct buf *out, const uint8_t *p, size_t n)
{
	uintptr_t a = (uintptr_t)out->data, b = (uintptr_t)p;

	return out->data && b < a + out->cap && a < b + n;
}

int ratchet_decrypt(struct ratchet_state *st, uint64_t now, const uint8_t *msg, size_t msg_len,
		    const uint8_t *ad_extra, size_t ad_len, struct buf *out,
		    struct ratchet_recv_info *info)
{
	struct ratchet_recv_info dummy;
	struct ratchet_state *tmp = NULL;
	struct ratchet_header h;
	uint8_t mk[RATCHET_KEY_LEN];
	size_t hdr_len;
	int err;

	if (!info)
		info = &dummy;
	memset(info, 0, sizeof(*info));
	if (buf_overlaps(out, msg, msg_len)) {
		err_detail_set("plaintext buffer holds the message");
		return XE2E_E_STATE;
	}
	err = recv_parse(st, msg, msg_len, &h, &hdr_len);
	if (!err)
		err = ratchet_clone(st, &tmp);
	if (err)
		goto out;
	info->epoch = h.sender_epoch;
	info->n = h.n;
	info->dropped = (uint32_t)ratchet_skipped_expire(tmp, now);
	err = recv_find_key(tmp, &h, now, mk, info);
	if (!err)
		err = recv_open(st->cipher, mk, msg, hdr_len, msg_len, ad_extra, ad_len, out);
	if (err)
		goto out;
	recv_apply_header(tmp, &h, info);
	ratchet_commit(st, tmp);
	tmp = NULL;
out:
	if (err) {
		struct ratchet_recv_info keep = {.epoch = info->epoch, .n = info->n};

		*info = keep;
	}
	ratchet_free(tmp);
	wipe(mk, sizeof(mk));
	return err;
}
