/*
 * Opening in transactions (xe2e.h): the stanzas of a batch are read one by
 * one up to an initial message (whose session the stanzas after it may
 * need); then each session's stanzas among them are opened in one
 * transaction (channel_open: stored before any plaintext is returned),
 * and the initial message alone. What to tell and to write comes out as
 * events, in the order it happened.
 */
#include "xe2e.h"

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "offline_session.h"
#include "util.h"
#include "xe2e_int.h"

/* ---- the batch ---- */

void open_batch_clear(struct xe2e_opener *op)
{
	for (size_t i = 0; i < op->q_len; i++)
		xe2e_opened_free(&op->queue[(op->q_head + i) % OPEN_QUEUE_MAX].opened);
	op->q_head = op->q_len = 0;
	for (size_t i = 0; i < op->n; i++) {
		sealed_received_free(&op->items[i].rx);
		buf_free(&op->items[i].ad);
	}
	memset(op->items, 0, op->n * sizeof(*op->items));
	op->n = op->prepared = op->opened = 0;
	op->opening = 0;
}

int xe2e_open_batch(struct xe2e_opener *op, struct xml_node *const *stanzas, size_t n)
{
	open_batch_clear(op);
	if (n > XE2E_OPEN_BATCH_MAX) {
		err_detail_set("%zu stanzas in one batch, at most %d", n, XE2E_OPEN_BATCH_MAX);
		return XE2E_E_LIMIT;
	}
	for (size_t i = 0; i < n; i++)
		op->items[i].st = stanzas[i];
	op->n = n;
	return XE2E_OK;
}

void xe2e_open_batch_end(struct xe2e_opener *op)
{
	open_batch_clear(op);
}

/* ---- opening ---- */

/* The detail of a stanza that did not authenticate: when its sender bound
 * its full JID, the resource it arrived with may not be the one it was
 * sealed with. */
static void auth_detail(const struct open_item *it, int err, const char *detail,
			char out[static XE2E_DETAIL_MAX])
{
	if (err != XE2E_E_AUTH || !it->rx.sender_full)
		xe2e_say(out, XE2E_DETAIL_MAX, "%s", detail);
	else /* a detail too long is cut short: the message stays readable */
		xe2e_say(out, XE2E_DETAIL_MAX, "%s%sits sender bound its full JID, so the resource "
			 "of 'from' may have been rewritten on the way", detail, *detail ? "; " : "");
}

/* The outcome of a stanza whose transaction is over: the plain stanza
 * from the opened frame (with flags), or the refusal (for reasons why). */
static void item_finish(struct xe2e_opener *op, struct open_item *it, const struct channel_msg *m,
			const char *peer_bare, const char *(*why)(int), unsigned flags)
{
	struct xe2e_opened *res;
	char detail[XE2E_DETAIL_MAX];
	int ratchet = 0;

	if (m->err) {
		auth_detail(it, m->err, m->detail, detail);
		open_refuse(op, it, m->err, why(m->err), detail, 0);
		return;
	}
	res = &open_event_add(op, XE2E_OPEN_STANZA)->opened;
	res->received = it->st;
	res->err = sealed_stanza_restore(&it->rx, m->pt.data, m->pt.len, &res->stanza, &ratchet);
	if (res->err) {
		res->reason = "malformed";
		xe2e_say(res->detail, sizeof(res->detail), "%s", err_detail());
		err_detail_clear();
		return;
	}
	res->flags = flags | (ratchet ? XE2E_OPENED_RATCHET : 0) |
		     (envelope_from_authenticated(&it->rx.env.addr, it->rx.sender_full)
			      ? 0 : XE2E_OPENED_UNBOUND);
	xe2e_say(res->peer_bare, sizeof(res->peer_bare), "%s", peer_bare);
	res->epoch = m->info.epoch;
	res->n = m->info.n;
	res->skipped = m->info.skipped;
	res->n_unsealed = it->rx.env.n_unsealed;
}

/* Opens an initial message, starting its session. */
static void open_initial(struct xe2e_opener *op, struct open_item *it, uint64_t now)
{
	struct channel_msg m;
	struct offline_opened o = {0};
	struct xe2e_session *s;
	struct channel *ch;

	memset(&m, 0, sizeof(m));
	m.err = offline_session_open(&op->self, it->rx.env.addr.from, it->ad.data, it->ad.len,
				     it->rx.env.wire.data, it->rx.env.wire.len, now, &o, &m.pt);
	if (m.err) {
		xe2e_say(m.detail, sizeof(m.detail), "%s", err_detail());
		err_detail_clear();
	} else {
		/* The new session (and what to tell of it). */
		s = &open_event_add(op, XE2E_OPEN_SESSION)->session;
		if (session_cache_get(&op->sessions, o.id, &ch, s))
			memset(s, 0, sizeof(*s));
		err_detail_clear();
		memcpy(s->id, o.id, SESSION_ID_LEN);
		strcpy(s->peer_bare, o.peer_bare);
		s->flags |= XE2E_SESSION_STARTED | (o.new_peer ? XE2E_SESSION_NEW_PEER : 0) |
			    (o.used_opk ? XE2E_SESSION_ONE_TIME_PREKEY : 0);
	}
	item_finish(op, it, &m, o.peer_bare, open_initial_reason, XE2E_OPENED_INITIAL);
	open_event_add(op, XE2E_OPEN_COMMITTED);
	buf_free(&m.pt);
}

/* Opens the stanzas from first on that belong to its session, in one
 * transaction; returns how many items it looked at. */
static size_t open_group(struct xe2e_opener *op, size_t first, uint64_t now)
{
	struct channel_msg m[XE2E_OPEN_BATCH_MAX];
	struct open_item *items = op->items;
	struct channel *ch = items[first].ch;
	size_t k = 0, end = first;

	memset(m, 0, sizeof(m));
	for (; end < op->prepared && (items[end].ch == ch || (!items[end].ch && !items[end].initial));
	     end++) {
		if (!items[end].ch)
			continue;
		m[k].wire = items[end].rx.env.wire.data;
		m[k].wire_len = items[end].rx.env.wire.len;
		m[k].ad = items[end].ad.data;
		m[k].ad_len = items[end].ad.len;
		k++;
	}
	channel_open(ch, now, m, k);
	k = 0;
	for (size_t i = first; i < end; i++)
		if (items[i].ch)
			item_finish(op, &items[i], &m[k++], ch->peer_bare, open_reason, 0);
	open_event_add(op, XE2E_OPEN_COMMITTED);
	for (size_t i = 0; i < XE2E_OPEN_BATCH_MAX; i++)
		buf_free(&m[i].pt);
	return end - first;
}

/* Reads the next stanza, or opens what waits next. */
static void step(struct xe2e_opener *op, uint64_t now)
{
	struct open_item *it;

	if (!op->opening) {
		it = &op->items[op->prepared++];
		open_item_prepare(op, it, now);
		op->opening = it->initial || op->prepared == op->n;
		return;
	}
	while (op->opened < op->prepared && !op->items[op->opened].ch &&
	       !op->items[op->opened].initial)
		op->opened++;
	if (op->opened == op->prepared) {
		op->opening = 0;
		return;
	}
	it = &op->items[op->opened];
	if (it->initial) {
		open_initial(op, it, now);
		op->opened++;
	} else {
		op->opened += open_group(op, op->opened, now);
	}
}

int xe2e_open_next(struct xe2e_opener *op, uint64_t now, struct xe2e_open_event *ev)
{
	while (!op->q_len) {
		if (!op->opening && op->prepared == op->n)
			return XE2E_E_EOF;
		step(op, now);
	}
	*ev = op->queue[op->q_head];
	op->q_head = (op->q_head + 1) % OPEN_QUEUE_MAX;
	op->q_len--;
	return XE2E_OK;
}

/* ---- one stanza ---- */

int xe2e_open(struct xe2e_opener *op, const struct xml_node *stanza, uint64_t now,
	      struct xe2e_opened *res, struct xe2e_session *session)
{
	struct xml_node *one = (struct xml_node *)stanza; /* only read */
	struct xe2e_open_event ev;
	int err = xe2e_open_batch(op, &one, 1);

	memset(res, 0, sizeof(*res));
	if (session)
		memset(session, 0, sizeof(*session));
	while (!err && (err = xe2e_open_next(op, now, &ev)) == XE2E_OK) {
		if (ev.kind == XE2E_OPEN_SESSION && session)
			*session = ev.session;
		else if (ev.kind == XE2E_OPEN_STANZA)
			*res = ev.opened;
	}
	open_batch_clear(op);
	return res->err;
}
