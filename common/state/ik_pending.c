/* The IK responder's pending sessions (see ik_pending.h). */
#include "ik_pending.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "decimal.h"
#include "encoding.h"
#include "err.h"
#include "hash.h"
#include "store.h"
#include "textrec.h"
#include "util.h"

#define HEADER "xe2e ik-pending v1\n"
#define PEER_LEN 16
#define LINE_LEN (2 * SESSION_ID_LEN + 1 + 20 + 1 + 2 * PEER_LEN + 1)

struct record {
	uint8_t id[SESSION_ID_LEN];
	uint64_t time;
	uint8_t peer[PEER_LEN];
	int drop;
};

struct records {
	struct record *r;
	size_t n;
	size_t cap;
};

static int records_push(struct records *rs, const struct record *rec)
{
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? 2 * rs->cap : 32;
		struct record *grown = realloc(rs->r, cap * sizeof(*grown));

		if (!grown)
			return XE2E_E_NOMEM;
		rs->r = grown;
		rs->cap = cap;
	}
	rs->r[rs->n++] = *rec;
	return XE2E_OK;
}

/* "ID TIME PEER": fixed-width hex around a decimal time. */
static int parse_line(void *arg, const char *s, size_t n)
{
	struct records *rs = arg;
	struct record rec;
	const char *time = s + 2 * SESSION_ID_LEN + 1, *sp;

	memset(&rec, 0, sizeof(rec));
	if (n < 2 * SESSION_ID_LEN + 2 + 1 + 2 * PEER_LEN || s[2 * SESSION_ID_LEN] != ' ')
		return XE2E_E_MALFORMED;
	sp = memchr(time, ' ', n - 2 * SESSION_ID_LEN - 1);
	if (!sp || (size_t)(s + n - sp - 1) != 2 * PEER_LEN ||
	    hex_decode(s, 2 * SESSION_ID_LEN, rec.id, sizeof(rec.id)) ||
	    decimal_parse(time, (size_t)(sp - time), UINT64_MAX, &rec.time) ||
	    hex_decode(sp + 1, 2 * PEER_LEN, rec.peer, sizeof(rec.peer)))
		return XE2E_E_MALFORMED;
	return records_push(rs, &rec);
}

static int records_format(const struct records *rs, struct buf *out)
{
	char id[2 * SESSION_ID_LEN + 1], peer[2 * PEER_LEN + 1];
	int err = buf_append_str(out, HEADER);

	for (size_t i = 0; !err && i < rs->n; i++) {
		if (rs->r[i].drop)
			continue;
		hex_encode(rs->r[i].id, SESSION_ID_LEN, id);
		hex_encode(rs->r[i].peer, PEER_LEN, peer);
		err = buf_printf(out, "%s %llu %s\n", id, (unsigned long long)rs->r[i].time, peer);
	}
	return err;
}

/* Marks the records to drop: expired ones (never one stamped after now),
 * then, newest first, those beyond a peer's share and beyond the total. */
static void records_mark(struct records *rs, uint64_t now)
{
	size_t kept = 0;

	for (size_t i = 0; i < rs->n; i++)
		rs->r[i].drop = rs->r[i].time <= now && now - rs->r[i].time >= IK_PENDING_TTL;
	for (size_t i = rs->n; i-- > 0;) {
		size_t same = 0;

		if (rs->r[i].drop)
			continue;
		/* The kept newer records of the same peer (quadratic at worst,
		 * over at most IK_PENDING_MAX + 1 records). */
		for (size_t j = i + 1; j < rs->n && same < IK_PENDING_PER_PEER; j++)
			same += !rs->r[j].drop && !memcmp(rs->r[j].peer, rs->r[i].peer, PEER_LEN);
		rs->r[i].drop = same >= IK_PENDING_PER_PEER || kept >= IK_PENDING_MAX;
		kept += !rs->r[i].drop;
	}
}

/* Under the session's lock: deletes the session, and its lock file, when it
 * is still pending. Anything else (confirmed, gone, unreadable) stays. */
static void delete_if_pending_locked(const uint8_t id[static SESSION_ID_LEN])
{
	char path[STORE_PATH_MAX], lock[STORE_PATH_MAX];
	struct session s;
	int err = session_read(id, &s);

	if (!err && s.state == SESSION_PENDING && !session_path(id, ".session", path) &&
	    !store_remove(path) && !session_path(id, ".lock", lock))
		store_remove(lock);
	if (!err)
		session_free(&s);
}

static void delete_if_pending(const uint8_t id[static SESSION_ID_LEN])
{
	struct store_lock lock;

	if (session_lock(id, &lock))
		return;
	delete_if_pending_locked(id);
	store_unlock(&lock);
}

static int peer_digest(const char *peer_bare, uint8_t out[static PEER_LEN])
{
	uint8_t d[SHA256_LEN];
	int err = hash(HASH_SHA256, peer_bare, strlen(peer_bare), d);

	if (!err)
		memcpy(out, d, PEER_LEN);
	return err;
}

struct record_change {
	const struct record *rec;
	uint64_t now;
};

/* Under the file's lock: adds the record, deletes what it pushes out. */
static int change_record(const char *path, struct buf *text, void *ctx)
{
	const struct record_change *c = ctx;
	struct records rs = {NULL, 0, 0};
	int err = textrec_each_line(path, (const char *)text->data, text->len, HEADER,
				    "ik-pending", "record", parse_line, &rs);

	if (!err)
		err = records_push(&rs, c->rec);
	if (!err)
		records_mark(&rs, c->now);
	for (size_t i = 0; !err && i < rs.n; i++)
		if (rs.r[i].drop)
			delete_if_pending(rs.r[i].id);
	err_detail_clear();
	buf_clear(text);
	if (!err)
		err = records_format(&rs, text);
	free(rs.r);
	return err;
}

int ik_pending_record(const char *path, const uint8_t id[static SESSION_ID_LEN],
		      const char *peer_bare, uint64_t now)
{
	char def[STORE_PATH_MAX];
	struct record rec;
	struct record_change c = {&rec, now};
	int err;

	memset(&rec, 0, sizeof(rec));
	memcpy(rec.id, id, SESSION_ID_LEN);
	rec.time = now;
	if ((err = peer_digest(peer_bare, rec.peer)))
		return err;
	if (!path) {
		err = store_ensure_dir(STORE_STATE);
		if (!err)
			err = store_path(STORE_STATE, IK_PENDING_FILE, def);
		if (err)
			return err;
		path = def;
	}
	return store_rewrite_locked(path, (IK_PENDING_MAX + 16) * LINE_LEN, HEADER, change_record,
				    &c);
}
