/* Sessions in use: ratchet state under the session's lock (see channel.h). */
#include "channel.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "store.h"
#include "util.h"

/* A change to a session under its lock; *write says whether to store it. */
typedef int (*channel_fn)(struct channel *ch, struct session *s, void *ctx, int *write);

static int facts_take(struct channel *ch, const struct session *s)
{
	struct ratchet_info info;
	int err = XE2E_OK;

	/* The peer does not change within a session: normalise it once. */
	if (!ch->peer_bare[0] || strcmp(ch->peer_full, s->peer_jid) != 0)
		err = jid_normalize_bare(s->peer_jid, ch->peer_bare);
	if (err)
		return err;
	strcpy(ch->self_bare, s->self_jid);
	strcpy(ch->peer_full, s->peer_jid);
	ch->state = s->state;
	ch->role = s->role;
	ch->flags = s->flags;
	memcpy(ch->peer_fpr, s->peer_fpr, FINGERPRINT_LEN);
	ratchet_info_get(s->ratchet, &info);
	memcpy(ch->tag, info.tag, RATCHET_TAG_LEN);
	return XE2E_OK;
}

static void block_file_close(struct channel *ch)
{
	if (ch->has_block_fd)
		close(ch->block_fd);
	ch->has_block_fd = 0;
}

/* Holds the session file open as it is now (the caller holds the lock):
 * once anyone stores the session, this one has no link left. Without it
 * (open failed) every stanza looks at the stored session. */
static void block_file_take(struct channel *ch)
{
	char path[STORE_PATH_MAX];

	block_file_close(ch);
	if (session_path(ch->id, ".session", path) != XE2E_OK)
		return;
	ch->block_fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	ch->has_block_fd = ch->block_fd >= 0;
}

/* 1 when nobody stored the session since block_file_take(). */
static int block_file_unchanged(const struct channel *ch)
{
	struct stat st;

	return ch->has_block_fd && fstat(ch->block_fd, &st) == 0 && st.st_nlink > 0;
}

/* Lock, read, fn, write when asked; after a reservation (hold), take the
 * file for an open block that waits for a peer key; unlock. */
static int channel_transact(struct channel *ch, channel_fn fn, void *ctx, int hold)
{
	struct store_lock lock;
	struct session s;
	int write = 0, err = session_lock(ch->id, &lock);

	if (err)
		return err;
	memset(&s, 0, sizeof(s));
	err = session_read_locked(ch->id, &lock, &s);
	if (!err)
		err = facts_take(ch, &s);
	if (!err)
		err = fn(ch, &s, ctx, &write);
	if (!err && write)
		err = session_write_locked(&s, &lock);
	if (!err && hold && ch->has_block && ch->block_watch)
		block_file_take(ch);
	else if (hold)
		block_file_close(ch);
	session_free(&s);
	store_unlock(&lock);
	return err;
}

static int channel_update(struct channel *ch, channel_fn fn, void *ctx)
{
	return channel_transact(ch, fn, ctx, 0);
}

static int nothing(struct channel *ch, struct session *s, void *ctx, int *write)
{
	(void)ch;
	(void)s;
	(void)ctx;
	*write = 0;
	return XE2E_OK;
}

int channel_load(struct channel *ch, const uint8_t id[static SESSION_ID_LEN],
		 const struct channel_opts *opts)
{
	memset(ch, 0, sizeof(*ch));
	memcpy(ch->id, id, SESSION_ID_LEN);
	ch->opts = *opts;
	if (ch->opts.writers < 1)
		ch->opts.writers = 1;
	ch->next_k = 1;
	return channel_update(ch, nothing, NULL);
}

/* ---- sending ---- */

static uint32_t block_cap(const struct channel *ch, const struct ratchet_info *info)
{
	uint32_t cap = info->policy.skipped_max / (4 * ch->opts.writers);

	if (ch->opts.step_interval == 0 || cap < 1)
		return 1;
	return cap;
}

static int policy_apply(const struct channel *ch, struct ratchet_state *st)
{
	struct ratchet_info info;
	struct ratchet_policy p;

	ratchet_info_get(st, &info);
	p = info.policy;
	if (p.step_interval == ch->opts.step_interval)
		return XE2E_OK;
	p.step_interval = ch->opts.step_interval;
	return ratchet_policy_set(st, &p);
}

struct reserve_ctx {
	uint64_t now;
	const uint8_t *pt, *ad; /* for a block of one: the message to seal */
	size_t pt_len, ad_len;
	int sender_full;
	struct buf *wire;
};

/* The size of the next block under the session's policy: never past the
 * send at which the policy's count is met, so that a step due then is
 * taken by the next stanza, not at the next block. */
static uint32_t block_size(const struct channel *ch, const struct ratchet_state *st, uint64_t now)
{
	struct ratchet_info info;
	uint32_t cap, k, sent;

	ratchet_info_get(st, &info);
	cap = block_cap(ch, &info);
	k = ch->next_k < cap ? ch->next_k : cap;
	/* A step this reservation takes starts the count again. */
	sent = ratchet_step_due(st, now, NULL) ? 0 : info.sent_since_step;
	if (sent < info.policy.step_messages && k > info.policy.step_messages - sent)
		k = info.policy.step_messages - sent;
	return k;
}

/* Until when a block reserved at t serves stanzas: until the policy's
 * time is met, so that a step due then is taken by the next stanza; when
 * that has passed already (the block waits for a peer key), for one step
 * interval. */
static uint64_t block_deadline(const struct ratchet_state *st, uint64_t t)
{
	struct ratchet_info info;
	uint64_t met;

	ratchet_info_get(st, &info);
	met = info.last_step + info.policy.step_interval;
	return met > t ? met : t + info.policy.step_interval;
}

/* Ends the open block and applies the policy: what every reservation does first. */
static int reserve_begin(struct channel *ch, struct session *s, int *write)
{
	if (s->state == SESSION_PENDING) {
		err_detail_set("the session waits for the initiator's first message");
		return XE2E_E_STATE;
	}
	if (ch->has_block) {
		ratchet_block_release(s->ratchet, &ch->block);
		ch->has_block = 0;
		*write = 1;
	}
	return policy_apply(ch, s->ratchet);
}

/*
 * A block of one number is sealed inside the transaction that reserves it:
 * the ciphertext exists only in memory until the state is stored, and no
 * block stays open, so a process that seals one stanza stores the session
 * once. The caller discards the ciphertext when the store fails.
 */
static int reserve_one(struct channel *ch, struct session *s, const struct reserve_ctx *c)
{
	struct ratchet_info info;

	struct ratchet_block b;
	int err;

	ratchet_info_get(s->ratchet, &info);
	ch->next_k = 2 < block_cap(ch, &info) ? 2 : block_cap(ch, &info);
	/* ratchet_encrypt(), with the header flag of this message. */
	if ((err = ratchet_reserve(s->ratchet, c->now, 1, &b)))
		return err;
	b.hdr.sender_full = c->sender_full;
	err = ratchet_block_encrypt(&b, c->pt, c->pt_len, c->ad, c->ad_len, c->wire);
	ratchet_block_release(s->ratchet, &b);
	return err;
}

/* 1 when the open block still has numbers and time, so that only the
 * session file changed under it. */
static int block_left(const struct channel *ch, uint64_t now)
{
	return ch->has_block && ch->block.next < ch->block.end && now < ch->block_until;
}

/* Gives the open block back, then reserves the next one (sealing at once
 * when it holds one number). An open block with numbers and time left, in
 * a session another process stored meanwhile, goes on unless a step is
 * due now. */
static int do_reserve(struct channel *ch, struct session *s, void *ctx, int *write)
{
	struct reserve_ctx *c = ctx;
	struct ratchet_info info;
	uint32_t k;
	int err;

	if (block_left(ch, c->now) && s->state == SESSION_ACTIVE) {
		err = policy_apply(ch, s->ratchet);
		if (err || !ratchet_step_due(s->ratchet, c->now, NULL)) {
			ch->block_until = block_deadline(s->ratchet, ch->block_time);
			return err;
		}
	}
	err = reserve_begin(ch, s, write);
	if (err)
		return err;
	k = block_size(ch, s->ratchet, c->now);
	/* Met without a step: only a peer key can make one due. */
	ch->block_watch = !ratchet_step_due(s->ratchet, c->now, NULL) &&
			  ratchet_policy_allows(s->ratchet, c->now);
	if (k == 1) {
		err = reserve_one(ch, s, c);
		*write = *write || !err;
		return err;
	}
	if ((err = ratchet_reserve(s->ratchet, c->now, k, &ch->block)))
		return err;
	ratchet_info_get(s->ratchet, &info);
	ch->has_block = 1;
	ch->block_time = c->now;
	ch->block_until = block_deadline(s->ratchet, c->now);
	ch->next_k = k * 2 < block_cap(ch, &info) ? k * 2 : block_cap(ch, &info);
	*write = 1;
	return XE2E_OK;
}

/* 1 when the next stanza may use the open block: numbers and time left,
 * and, when it waits for a peer key, nobody stored the session since the
 * block was reserved or checked. */
static int block_usable(const struct channel *ch, uint64_t now)
{
	return block_left(ch, now) && (!ch->block_watch || block_file_unchanged(ch));
}

int channel_seal(struct channel *ch, uint64_t now, const uint8_t *pt, size_t pt_len,
		 const uint8_t *ad, size_t ad_len, int sender_full, struct buf *wire)
{
	struct reserve_ctx c = {now, pt, ad, pt_len, ad_len, sender_full, wire};
	size_t start = wire->len;
	int err;

	if (block_usable(ch, now)) {
		ch->block.hdr.sender_full = sender_full;
		err = ratchet_block_encrypt(&ch->block, pt, pt_len, ad, ad_len, wire);
	} else {
		err = channel_transact(ch, do_reserve, &c, 1);
		if (err && ch->has_block) {
			/* Reserved but not stored: never use it. */
			ratchet_block_wipe(&ch->block);
			ch->has_block = 0;
		}
		if (!err && ch->has_block) {
			ch->block.hdr.sender_full = sender_full;
			err = ratchet_block_encrypt(&ch->block, pt, pt_len, ad, ad_len, wire);
		}
	}
	if (err && wire->len > start) {
		/* Sealed under a state that was not stored: it must not leave. */
		wipe(wire->data + start, wire->len - start);
		wire->len = start;
	}
	if (!err)
		ch->last_send = now;
	return err;
}

struct due_ctx {
	uint64_t now;
	uint64_t since;
	int due;
};

static int do_due(struct channel *ch, struct session *s, void *ctx, int *write)
{
	struct due_ctx *c = ctx;
	int err = policy_apply(ch, s->ratchet);

	*write = 0;
	if (!err && s->state == SESSION_ACTIVE)
		c->due = ratchet_step_due(s->ratchet, c->now, &c->since);
	return err;
}

int channel_step_due(struct channel *ch, uint64_t now, uint64_t *since)
{
	struct due_ctx c = {now, 0, 0};

	if (channel_update(ch, do_due, &c) || !c.due)
		return 0;
	*since = c.since;
	return 1;
}

static int do_release(struct channel *ch, struct session *s, void *ctx, int *write)
{
	(void)ctx;
	ratchet_block_release(s->ratchet, &ch->block);
	ch->has_block = 0;
	*write = 1;
	return XE2E_OK;
}

int channel_release(struct channel *ch)
{
	int err;

	if (!ch->has_block)
		return XE2E_OK;
	err = channel_transact(ch, do_release, NULL, 1);
	if (ch->has_block) {
		ratchet_block_wipe(&ch->block);
		ch->has_block = 0;
	}
	return err;
}

/* ---- a SPAKE2 mix ---- */

struct mix_ctx {
	uint32_t epoch;
	const uint8_t *key;
	uint64_t step;
};

static int do_mix(struct channel *ch, struct session *s, void *ctx, int *write)
{
	struct mix_ctx *c = ctx;
	int err = ratchet_spake2_step(c->epoch, &c->step);

	(void)ch;
	if (!err)
		err = ratchet_mix_set(s->ratchet, c->step, c->key);
	*write = !err;
	return err;
}

int channel_mix_spake2(struct channel *ch, uint32_t epoch,
		       const uint8_t key[static RATCHET_MIX_LEN], uint64_t *step)
{
	struct mix_ctx c = {epoch, key, 0};
	int err = channel_update(ch, do_mix, &c);

	*step = c.step;
	return err;
}

/* ---- receiving ---- */

struct open_ctx {
	uint64_t now;
	struct channel_msg *m;
	size_t n;
};

/*
 * A session its receiver no longer opens: its sender stops sealing after
 * max_age, and a stanza sealed just before may then be in transit for as
 * long as a skipped key would be kept (skipped_ttl). *days gets the limit.
 */
static int recv_too_old(const struct ratchet_state *st, uint64_t now, uint64_t *days)
{
	struct ratchet_info info;
	uint64_t limit;

	ratchet_info_get(st, &info);
	limit = (uint64_t)info.policy.max_age + info.policy.skipped_ttl;
	*days = limit / 86400;
	return now > info.created && now - info.created > limit;
}

static int do_open(struct channel *ch, struct session *s, void *ctx, int *write)
{
	struct open_ctx *c = ctx;
	uint64_t days;

	(void)ch;
	if (recv_too_old(s->ratchet, c->now, &days)) {
		for (size_t i = 0; i < c->n; i++) {
			c->m[i].err = XE2E_E_EXPIRED;
			snprintf(c->m[i].detail, sizeof(c->m[i].detail),
				 "session older than %llu days: run a new handshake",
				 (unsigned long long)days);
		}
		return XE2E_OK;
	}
	ratchet_skipped_expire(s->ratchet, c->now);
	for (size_t i = 0; i < c->n; i++) {
		struct channel_msg *m = &c->m[i];

		err_detail_clear();
		m->err = ratchet_decrypt(s->ratchet, c->now, m->wire, m->wire_len, m->ad,
					 m->ad_len, &m->pt, &m->info);
		if (!m->err)
			*write = 1;
		else
			snprintf(m->detail, sizeof(m->detail), "%s", err_detail());
	}
	return XE2E_OK;
}

int channel_open(struct channel *ch, uint64_t now, struct channel_msg *m, size_t n)
{
	struct open_ctx c = {now, m, n};
	int opened = 0, err;

	for (size_t i = 0; i < n; i++) {
		buf_clear(&m[i].pt);
		memset(&m[i].info, 0, sizeof(m[i].info));
		m[i].err = XE2E_E_STATE;
		m[i].detail[0] = '\0';
	}
	err = channel_update(ch, do_open, &c);
	for (size_t i = 0; i < n && !err; i++)
		opened |= m[i].err == XE2E_OK;
	if (!err && opened && ch->state == SESSION_PENDING) {
		err = session_confirm(ch->id, now);
		if (!err)
			ch->state = SESSION_ACTIVE;
	}
	for (size_t i = 0; i < n && err; i++) {
		buf_clear(&m[i].pt);
		m[i].err = err;
		snprintf(m[i].detail, sizeof(m[i].detail), "%s", err_detail());
	}
	return err;
}

void channel_wipe(struct channel *ch)
{
	block_file_close(ch);
	wipe(ch, sizeof(*ch));
}

/* ---- finding sessions ---- */

static int index_add(struct channel_index *idx, const struct channel_index_entry *e);

/* The peer and tag of a session, read without its lock (a reader may see
 * an older version, never a torn one; neither changes). */
static int session_peek(const uint8_t id[static SESSION_ID_LEN], struct channel_index_entry *e)
{
	struct session s;
	struct ratchet_info info;
	int err = session_read(id, &s);

	if (err)
		return err;
	err = jid_normalize_bare(s.peer_jid, e->peer_bare);
	ratchet_info_get(s.ratchet, &info);
	memcpy(e->tag, info.tag, RATCHET_TAG_LEN);
	memcpy(e->id, id, SESSION_ID_LEN);
	session_free(&s);
	return err;
}

static int index_has(const struct channel_index *idx, const uint8_t id[static SESSION_ID_LEN]);

/* Adds the session files the index does not know yet. The tag and peer of
 * a session never change, so known ones are not read again; one that
 * cannot be read (stale, damaged) is kept with no peer, matching nothing. */
static int index_load(struct channel_index *idx)
{
	uint8_t (*ids)[SESSION_ID_LEN] = NULL;
	struct channel_index_entry e;
	size_t n = 0;
	int err = session_list(&ids, &n);

	for (size_t i = 0; i < n && !err; i++) {
		if (index_has(idx, ids[i]))
			continue;
		if (session_peek(ids[i], &e) != XE2E_OK) {
			memset(&e, 0, sizeof(e));
			memcpy(e.id, ids[i], SESSION_ID_LEN);
		}
		err = index_add(idx, &e);
	}
	free(ids);
	err_detail_clear();
	return err;
}

static int index_lookup(const struct channel_index *idx, const char *peer_bare,
			const uint8_t tag[static RATCHET_TAG_LEN], uint8_t id[static SESSION_ID_LEN])
{
	for (size_t i = 0; i < idx->n; i++) {
		if (idx->e[i].peer_bare[0] && !memcmp(idx->e[i].tag, tag, RATCHET_TAG_LEN) &&
		    !strcmp(idx->e[i].peer_bare, peer_bare)) {
			memcpy(id, idx->e[i].id, SESSION_ID_LEN);
			return 1;
		}
	}
	return 0;
}

static int index_add(struct channel_index *idx, const struct channel_index_entry *e)
{
	struct channel_index_entry *grown;

	for (size_t i = 0; i < idx->n; i++) {
		if (!memcmp(idx->e[i].id, e->id, SESSION_ID_LEN)) {
			idx->e[i] = *e;
			return XE2E_OK;
		}
	}
	grown = realloc(idx->e, (idx->n + 1) * sizeof(*idx->e));
	if (!grown)
		return XE2E_E_NOMEM;
	idx->e = grown;
	idx->e[idx->n++] = *e;
	return XE2E_OK;
}

/* The index's entry of session id, or NULL. */
static const struct channel_index_entry *index_get(const struct channel_index *idx,
						   const uint8_t id[static SESSION_ID_LEN])
{
	for (size_t i = 0; i < idx->n; i++)
		if (!memcmp(idx->e[i].id, id, SESSION_ID_LEN))
			return &idx->e[i];
	return NULL;
}

/* 1 when the index knows session id (readable or not). */
static int index_has(const struct channel_index *idx, const uint8_t id[static SESSION_ID_LEN])
{
	return index_get(idx, id) != NULL;
}

/* Looks at the peer's current session, adding it to the index. Returns
 * why it cannot be read, with the detail set: XE2E_E_NOTFOUND when the
 * peer has none, XE2E_E_STALE for a restored or copied file, or what is
 * wrong with the file or its pointer. */
static int index_current(struct channel_index *idx, const char *peer_bare)
{
	const struct channel_index_entry *known;
	struct channel_index_entry e;
	uint8_t id[SESSION_ID_LEN];
	int err = session_current_get(peer_bare, id);

	if (err)
		return err;
	known = index_get(idx, id);
	if (known && known->peer_bare[0])
		return XE2E_OK;
	err = session_peek(id, &e);
	return err ? err : index_add(idx, &e);
}

/* Session files the index holds but could not read. */
static size_t index_unreadable(const struct channel_index *idx)
{
	size_t n = 0;

	for (size_t i = 0; i < idx->n; i++)
		n += !idx->e[i].peer_bare[0];
	return n;
}

/* Nothing matches: why, from the peer's current session (current, with
 * the detail why) and the files that could not be read. */
static int index_miss(const struct channel_index *idx, const char *peer_bare,
		      const uint8_t tag[static RATCHET_TAG_LEN], int current, const char *why)
{
	size_t bad = index_unreadable(idx);

	if (current == XE2E_E_STALE) {
		/* session_read() said what happened and what to do. */
		err_detail_set("%s", why);
		return XE2E_E_STALE;
	}
	if (current != XE2E_OK && current != XE2E_E_NOTFOUND) {
		err_detail_set("the current session with %.200s cannot be read: %s", peer_bare,
			       why);
		return current;
	}
	if (bad)
		err_detail_set("no session with %.200s has tag %02x%02x%02x%02x (%zu session "
			       "file%s cannot be read)", peer_bare, tag[0], tag[1], tag[2], tag[3],
			       bad, bad == 1 ? "" : "s");
	else
		err_detail_set("no session with %.200s has tag %02x%02x%02x%02x", peer_bare,
			       tag[0], tag[1], tag[2], tag[3]);
	return XE2E_E_NOTFOUND;
}

int channel_index_find(struct channel_index *idx, const char *peer_bare,
		       const uint8_t tag[static RATCHET_TAG_LEN], uint8_t id[static SESSION_ID_LEN])
{
	char why[512];
	int current, err;

	if (index_lookup(idx, peer_bare, tag, id))
		return XE2E_OK;
	current = index_current(idx, peer_bare);
	snprintf(why, sizeof(why), "%s", err_detail());
	err_detail_clear();
	if (index_lookup(idx, peer_bare, tag, id))
		return XE2E_OK;
	if ((err = index_load(idx)))
		return err;
	if (index_lookup(idx, peer_bare, tag, id))
		return XE2E_OK;
	return index_miss(idx, peer_bare, tag, current, why);
}

void channel_index_free(struct channel_index *idx)
{
	free(idx->e);
	idx->e = NULL;
	idx->n = 0;
}
