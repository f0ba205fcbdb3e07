#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "ratchet_impl.h"
#include "util.h"

void ratchet_policy_default(struct ratchet_policy *p)
{
	p->step_interval = RATCHET_STEP_INTERVAL;
	p->step_messages = RATCHET_STEP_MESSAGES;
	p->skipped_max = RATCHET_SKIPPED_MAX;
	p->skipped_ttl = RATCHET_SKIPPED_TTL;
	p->max_age = RATCHET_MAX_AGE;
	p->max_messages = RATCHET_MAX_MESSAGES;
}

int ratchet_policy_check(const struct ratchet_policy *p)
{
	if (p->step_messages < 1 || p->skipped_max < 1 || p->skipped_max > RATCHET_SKIPPED_CAP ||
	    p->skipped_ttl < 1 || p->max_age < 1 || p->max_age > RATCHET_MAX_AGE ||
	    p->max_messages < 1 || p->max_messages > RATCHET_MAX_MESSAGES) {
		err_detail_set("ratchet policy out of range");
		return XE2E_E_LIMIT;
	}
	return XE2E_OK;
}

int ratchet_policy_set(struct ratchet_state *st, const struct ratchet_policy *p)
{
	int err = ratchet_policy_check(p);

	if (err)
		return err;
	if (p->skipped_max < st->nskipped) {
		err_detail_set("%zu skipped keys held, more than %u", st->nskipped,
			       p->skipped_max);
		return XE2E_E_LIMIT;
	}
	st->policy = *p;
	return XE2E_OK;
}

/*
 * r0 becomes the responder's own key pair. It is not recomputed from its
 * private key (an X25519 per handshake): both callers have just made the
 * pair, and a public key that did not belong to the private one would only
 * make the peer refuse what it carries (test_ratchet_state.c).
 */
static void ratchet_init_responder(struct ratchet_state *st, const struct ratchet_start *start)
{
	st->has_send = 1;
	memcpy(st->own_priv, start->r0_private, RATCHET_KEY_LEN);
	memcpy(st->own_pub, start->r0_public, RATCHET_KEY_LEN);
	memcpy(st->cks, start->chain_key, RATCHET_KEY_LEN);
}

static void ratchet_init_initiator(struct ratchet_state *st, const struct ratchet_start *start)
{
	st->has_recv = 1;
	memcpy(st->peer_pub, start->r0_public, RATCHET_KEY_LEN);
	memcpy(st->ckr, start->chain_key, RATCHET_KEY_LEN);
}

int ratchet_init(struct ratchet_state **out, enum ratchet_role role,
		 const struct ratchet_start *start, uint64_t now)
{
	struct ratchet_state *st;

	*out = NULL;
	if (!ratchet_cipher_valid(start->cipher) ||
	    (role != RATCHET_INITIATOR && role != RATCHET_RESPONDER)) {
		err_detail_set("unknown ratchet cipher or role");
		return XE2E_E_UNSUPPORTED;
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		return XE2E_E_NOMEM;
	st->role = role;
	st->cipher = start->cipher;
	memcpy(st->tag, start->tag, RATCHET_TAG_LEN);
	ratchet_policy_default(&st->policy);
	st->created = now;
	st->last_step = now;
	st->peer_key_time = now;
	memcpy(st->rk, start->root_key, RATCHET_KEY_LEN);
	if (role == RATCHET_RESPONDER)
		ratchet_init_responder(st, start);
	else
		ratchet_init_initiator(st, start);
	*out = st;
	return XE2E_OK;
}

void ratchet_free(struct ratchet_state *st)
{
	if (!st)
		return;
	ratchet_skipped_free(st);
	wipe(st, sizeof(*st));
	free(st);
}

int ratchet_clone(const struct ratchet_state *st, struct ratchet_state **out)
{
	struct ratchet_state *c = malloc(sizeof(*c));

	*out = NULL;
	if (!c)
		return XE2E_E_NOMEM;
	*c = *st;
	c->skipped = NULL;
	c->nskipped = 0;
	c->cap = 0;
	if (ratchet_skipped_reserve(c, st->nskipped)) {
		ratchet_free(c);
		return XE2E_E_NOMEM;
	}
	if (st->nskipped)
		memcpy(c->skipped, st->skipped, st->nskipped * sizeof(*st->skipped));
	c->nskipped = st->nskipped;
	*out = c;
	return XE2E_OK;
}

void ratchet_commit(struct ratchet_state *dst, struct ratchet_state *src)
{
	struct ratchet_state old = *dst;

	*dst = *src;
	*src = old;
	ratchet_free(src);
	wipe(&old, sizeof(old));
}

void ratchet_info_get(const struct ratchet_state *st, struct ratchet_info *info)
{
	memset(info, 0, sizeof(*info));
	info->role = st->role;
	info->cipher = st->cipher;
	memcpy(info->tag, st->tag, RATCHET_TAG_LEN);
	info->created = st->created;
	info->total_sent = st->total_sent;
	info->own_epoch = st->own_epoch;
	info->has_send = st->has_send;
	info->send_n = st->ns;
	info->send_pn = st->pn;
	info->open_blocks = st->open_blocks;
	info->peer_ack = st->peer_ack;
	info->has_recv = st->has_recv;
	info->peer_epoch = st->peer_epoch;
	info->recv_n = st->nr;
	info->last_step = st->last_step;
	info->sent_since_step = st->sent_since_step;
	info->peer_key_time = st->peer_key_time;
	info->skipped = st->nskipped;
	info->root_step = ratchet_root_step(st);
	info->has_mix = st->has_mix;
	info->mix_step = st->has_mix ? st->mix_step : 0;
	info->policy = st->policy;
}

/*
 * Steps alternate: the initiator's key of epoch e was made against the
 * responder's e - 1, the responder's key of epoch e against the initiator's
 * e (r0, epoch 0, against nothing).
 */
uint32_t ratchet_stepped_against(const struct ratchet_state *st)
{
	return st->role == RATCHET_INITIATOR ? st->own_epoch - 1 : st->own_epoch;
}

uint64_t ratchet_step_index(enum ratchet_role role, uint32_t epoch)
{
	if (epoch == 0)
		return 0;
	return role == RATCHET_INITIATOR ? 2 * (uint64_t)epoch - 1 : 2 * (uint64_t)epoch;
}

static enum ratchet_role ratchet_peer_role(const struct ratchet_state *st)
{
	return st->role == RATCHET_INITIATOR ? RATCHET_RESPONDER : RATCHET_INITIATOR;
}

/* Both halves count: the step of own key and the step of the peer's key. */
uint64_t ratchet_root_step(const struct ratchet_state *st)
{
	uint64_t own = st->has_send ? ratchet_step_index(st->role, st->own_epoch) : 0;
	uint64_t peer = st->has_recv ? ratchet_step_index(ratchet_peer_role(st), st->peer_epoch)
				     : 0;

	return own > peer ? own : peer;
}

int ratchet_spake2_step(uint32_t epoch, uint64_t *step)
{
	if (epoch > UINT32_MAX - 2) {
		err_detail_set("ratchet epoch %u leaves no step to mix into", epoch);
		return XE2E_E_LIMIT;
	}
	*step = ratchet_step_index(RATCHET_RESPONDER, epoch + 2);
	return XE2E_OK;
}

int ratchet_mix_set(struct ratchet_state *st, uint64_t step,
		    const uint8_t key[static RATCHET_MIX_LEN])
{
	uint64_t taken = ratchet_root_step(st);

	if (step < 1 || step > RATCHET_STEP_MAX) {
		err_detail_set("root step %llu does not exist", (unsigned long long)step);
		return XE2E_E_LIMIT;
	}
	if (step <= taken) {
		err_detail_set("the session has taken root step %llu already, the mix was for "
			       "step %llu", (unsigned long long)taken, (unsigned long long)step);
		return XE2E_E_STATE;
	}
	st->has_mix = 1;
	st->mix_step = step;
	memcpy(st->mix_key, key, RATCHET_MIX_LEN);
	return XE2E_OK;
}

const uint8_t *ratchet_mix_for(const struct ratchet_state *st, uint64_t step)
{
	return st->has_mix && st->mix_step == step ? st->mix_key : NULL;
}

void ratchet_mix_clear(struct ratchet_state *st)
{
	st->has_mix = 0;
	st->mix_step = 0;
	wipe(st->mix_key, sizeof(st->mix_key));
}

/* 1 when a newer peer key than the one own key was made against is known. */
static int ratchet_step_possible(const struct ratchet_state *st)
{
	return st->has_send && st->has_recv && st->peer_epoch > ratchet_stepped_against(st);
}

static uint64_t elapsed(uint64_t from, uint64_t now)
{
	return now > from ? now - from : 0;
}

int ratchet_policy_allows(const struct ratchet_state *st, uint64_t now)
{
	return st->policy.step_interval == 0 ||
	       elapsed(st->last_step, now) >= st->policy.step_interval ||
	       st->sent_since_step >= st->policy.step_messages;
}

int ratchet_step_due(const struct ratchet_state *st, uint64_t now, uint64_t *since)
{
	uint64_t t;

	if (!st->has_send) {
		if (since)
			*since = st->created;
		return 1;
	}
	if (!ratchet_step_possible(st) || !ratchet_policy_allows(st, now))
		return 0;
	t = st->peer_key_time;
	if (st->sent_since_step < st->policy.step_messages &&
	    st->last_step + st->policy.step_interval > t)
		t = st->last_step + st->policy.step_interval;
	if (since)
		*since = t;
	return 1;
}
