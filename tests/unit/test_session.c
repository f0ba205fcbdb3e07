/* Session files, the current pointer and IK confirmation (session.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "handshake_msg.h"
#include "secrets.h"
#include "session.h"
#include "trust.h"
#include "unit.h"

static void use_new_home(void)
{
	char home[300];

	snprintf(home, sizeof(home), "%s/home", unit_tmpdir());
	setenv("XE2E_HOME", home, 1);
}

static void fill(struct session *s, int responder)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < SESSION_ID_LEN; i++)
		s->id[i] = (uint8_t)(0xa0 + i);
	s->state = SESSION_ACTIVE;
	s->role = responder ? SESSION_RESPONDER : SESSION_INITIATOR;
	s->pattern = HS_PATTERN_XX;
	s->version = 1;
	s->suite = HS_SUITE_AESGCM;
	s->created = 1700000000;
	strcpy(s->self_jid, "alice@capulet.lit");
	strcpy(s->peer_jid, "bob@montague.lit/garden");
	memset(s->peer_fpr, 0x11, sizeof(s->peer_fpr));
	s->peer_device_id = 0xdeadbeef;
	memset(s->peer_device_key, 0x22, sizeof(s->peer_device_key));
	s->trust = TRUST_TOFU;
	s->flags = TRUST_FLAG_RS_RESET;
	memset(s->handshake_hash, 0x33, sizeof(s->handshake_hash));
	memset(s->root_key, 0x44, sizeof(s->root_key));
	memset(s->chain_key, 0x55, sizeof(s->chain_key));
	s->has_own_ratchet = responder;
	s->has_peer_ratchet = !responder;
	if (responder) {
		memset(s->own_ratchet_priv, 0x66, 32);
		memset(s->own_ratchet_pub, 0x67, 32);
	} else {
		memset(s->peer_ratchet_pub, 0x77, 32);
	}
}

TEST(session_format_round_trip)
{
	struct session s, back;
	struct buf text = BUF_INIT;

	for (int responder = 0; responder < 2; responder++) {
		fill(&s, responder);
		buf_clear(&text);
		CHECK_INT(session_format(&s, 2049, 123456, &text), XE2E_OK);
		CHECK_INT(session_parse("t", (const char *)text.data, text.len, &back), XE2E_OK);
		CHECK_INT(back.dev, 2049);
		CHECK_INT(back.ino, 123456);
		back.dev = back.ino = 0;
		CHECK_MEM(&back, &s, sizeof(s));
	}
	CHECK(strstr((const char *)text.data, "\nsuite: 25519_AESGCM_SHA256\n") != NULL);
	CHECK(strstr((const char *)text.data, "\npeer-device-id: deadbeef\n") != NULL);
	CHECK(strstr((const char *)text.data, "\nflags: rs-reset\n") != NULL);
	CHECK(strstr((const char *)text.data, "\npeer-ratchet-public: -\n") != NULL);
	CHECK(strstr((const char *)text.data, "\nwritten-as: 2049:123456\n") != NULL);
	buf_free(&text);
}

/* Every line dropped, doubled or given a trailing space is refused. */
TEST(session_parse_strict)
{
	struct session s, back;
	struct buf text = BUF_INIT, bad = BUF_INIT;
	const char *p, *end;
	int lines = 0;

	fill(&s, 1);
	CHECK_INT(session_format(&s, 1, 2, &text), XE2E_OK);
	p = (const char *)text.data;
	end = p + text.len;
	for (const char *l = p; l < end; l = strchr(l, '\n') + 1) {
		size_t off = (size_t)(l - p), n = (size_t)(strchr(l, '\n') - l) + 1;

		lines++;
		buf_clear(&bad); /* dropped */
		buf_append(&bad, p, off);
		buf_append(&bad, l + n, (size_t)(end - l - n));
		CHECK_INT(session_parse("t", (const char *)bad.data, bad.len, &back),
			  XE2E_E_MALFORMED);
		buf_clear(&bad); /* doubled */
		buf_append(&bad, p, off + n);
		buf_append(&bad, l, (size_t)(end - l));
		CHECK_INT(session_parse("t", (const char *)bad.data, bad.len, &back),
			  XE2E_E_MALFORMED);
		/* A trailing space (JIDs may end in one: a resource can) */
		if (!strncmp(l, "self: ", 6) || !strncmp(l, "peer: ", 6))
			continue;
		buf_clear(&bad);
		buf_append(&bad, p, off + n - 1);
		buf_append(&bad, " ", 1);
		buf_append(&bad, l + n - 1, (size_t)(end - l - n + 1));
		CHECK_INT(session_parse("t", (const char *)bad.data, bad.len, &back),
			  XE2E_E_MALFORMED);
	}
	CHECK_INT(lines, 24);
	/* Upper-case hex, a bare JID with a resource, a truncated file. */
	buf_clear(&bad);
	buf_append(&bad, text.data, text.len);
	memcpy(strstr((char *)bad.data, "root-key: ") + 10, "AA", 2);
	CHECK_INT(session_parse("t", (const char *)bad.data, bad.len, &back), XE2E_E_MALFORMED);
	CHECK_INT(session_parse("t", (const char *)text.data, text.len - 1, &back),
		  XE2E_E_MALFORMED);
	buf_free(&text);
	buf_free(&bad);
}

TEST(session_write_read_and_stale)
{
	struct session s, back;
	char path[STORE_PATH_MAX], copy[STORE_PATH_MAX + 8], cmd[4 * STORE_PATH_MAX + 64];
	struct stat st;

	use_new_home();
	fill(&s, 0);
	CHECK_INT(session_create(&s), XE2E_OK);
	CHECK_INT(session_create(&s), XE2E_E_EXISTS);
	CHECK_INT(session_read(s.id, &back), XE2E_OK);
	CHECK_MEM(back.root_key, s.root_key, 32);
	CHECK_INT(session_path(s.id, ".session", path), XE2E_OK);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0600);
	CHECK_INT(back.ino, st.st_ino);
	/* Rewritten under the lock: a new inode, recorded again. */
	{
		struct store_lock lock;

		CHECK_INT(session_lock(s.id, &lock), XE2E_OK);
		s.created++;
		CHECK_INT(session_write(&s), XE2E_OK);
		store_unlock(&lock);
	}
	CHECK_INT(session_read(s.id, &back), XE2E_OK);
	CHECK_INT(back.created, s.created);
	/* A copy put back in place (a restored backup) is stale. */
	snprintf(copy, sizeof(copy), "%s.bak", path);
	snprintf(cmd, sizeof(cmd), "cp -p '%s' '%s' && mv '%s' '%s'", path, copy, copy, path);
	CHECK_INT(system(cmd), 0);
	CHECK_INT(session_read(s.id, &back), XE2E_E_STALE);
	CHECK(strstr(err_detail(), "stale session: run a new handshake") != NULL);
	/* Others may not read it. */
	chmod(path, 0640);
	CHECK_INT(session_read(s.id, &back), XE2E_E_PERM);
	s.id[0] ^= 1;
	CHECK_INT(session_read(s.id, &back), XE2E_E_NOTFOUND);
}

TEST(session_current_pointer)
{
	uint8_t a[SESSION_ID_LEN], b[SESSION_ID_LEN], got[SESSION_ID_LEN];

	use_new_home();
	memset(a, 1, sizeof(a));
	memset(b, 2, sizeof(b));
	CHECK_INT(session_current_get("bob@montague.lit", got), XE2E_E_NOTFOUND);
	CHECK_INT(session_current_set("bob@montague.lit", a), XE2E_OK);
	CHECK_INT(session_current_set("carol@example.org", b), XE2E_OK);
	CHECK_INT(session_current_get("bob@montague.lit", got), XE2E_OK);
	CHECK_MEM(got, a, SESSION_ID_LEN);
	CHECK_INT(session_current_set("bob@montague.lit", b), XE2E_OK);
	CHECK_INT(session_current_get("bob@montague.lit", got), XE2E_OK);
	CHECK_MEM(got, b, SESSION_ID_LEN);
}

struct peer_ctx {
	const char *jid;
	uint8_t fpr[FINGERPRINT_LEN];
	struct trust_device dev;
	int with_device;
};

static int add_peer(struct trust_db *db, void *arg)
{
	struct peer_ctx *c = arg;
	int err = trust_peer_add(db, c->jid, c->fpr, TRUST_TOFU, 1700000000, NULL);

	if (!err && c->with_device)
		err = trust_device_upsert(db, c->jid, c->fpr, &c->dev);
	return err;
}

TEST(session_confirm_pending)
{
	struct session s, back;
	struct session_outcome o;
	struct peer_ctx c = {"bob@montague.lit", {0}, {0xdeadbeef, {0}, 1700000000, 1800000000}, 1};
	struct rs_entry e;
	uint8_t got[SESSION_ID_LEN];
	struct trust_db db = TRUST_DB_INIT;
	struct trust_peer *p;

	use_new_home();
	memset(c.fpr, 0x11, sizeof(c.fpr));
	memset(c.dev.pub, 0x22, sizeof(c.dev.pub));
	CHECK_INT(trust_update(NULL, add_peer, &c), XE2E_OK);
	fill(&s, 1);
	s.pattern = HS_PATTERN_IK;
	s.flags = 0;
	memset(&o, 0, sizeof(o));
	o.peer_jid = "bob@montague.lit";
	memcpy(o.fpr, c.fpr, FINGERPRINT_LEN);
	o.device.id = c.dev.id;
	memcpy(o.device.pub, c.dev.pub, 32);
	o.device_known = 1;
	o.set_flags = TRUST_FLAG_RS_RESET;
	o.rs_mode = SESSION_RS_PROVISIONAL;
	memset(o.new_rs, 0x99, 32);
	o.now = 1700000100;
	CHECK_INT(session_commit_pending(&s, &o), XE2E_OK);
	/* Pending: nothing else changed yet. */
	CHECK_INT(session_current_get("bob@montague.lit", got), XE2E_E_NOTFOUND);
	CHECK_INT(rs_get(NULL, c.fpr, c.dev.id, &e), XE2E_E_NOTFOUND);
	CHECK_INT(session_read(s.id, &back), XE2E_OK);
	CHECK_INT(back.state, SESSION_PENDING);
	CHECK_INT(back.pending_rs_mode, SESSION_RS_PROVISIONAL);
	CHECK_INT(back.flags, TRUST_FLAG_RS_RESET);
	/* Confirmed: the secret, the flag, the pointer. */
	CHECK_INT(session_confirm(s.id, 1700000200), XE2E_OK);
	CHECK_INT(session_read(s.id, &back), XE2E_OK);
	CHECK_INT(back.state, SESSION_ACTIVE);
	CHECK_INT(back.pending_rs_mode, SESSION_RS_NONE);
	CHECK_INT(session_current_get("bob@montague.lit", got), XE2E_OK);
	CHECK_MEM(got, s.id, SESSION_ID_LEN);
	CHECK_INT(rs_get(NULL, c.fpr, c.dev.id, &e), XE2E_OK);
	CHECK_INT(e.present, 1u << RS_SLOT_PROVISIONAL);
	CHECK_MEM(e.secret[RS_SLOT_PROVISIONAL], o.new_rs, 32);
	CHECK_INT(trust_load(NULL, &db), XE2E_OK);
	p = trust_find(&db, "bob@montague.lit", c.fpr);
	CHECK(p && p->flags == TRUST_FLAG_RS_RESET && p->last_seen == 1700000200);
	trust_free(&db);
	/* Again: already active, nothing changes. */
	CHECK_INT(session_confirm(s.id, 1700000300), XE2E_OK);
}

TEST(session_confirm_refused_when_trust_changed)
{
	struct session s, back;
	struct session_outcome o;
	struct peer_ctx c = {"bob@montague.lit", {0}, {1, {0}, 1700000000, 1800000000}, 0};
	uint8_t got[SESSION_ID_LEN];

	use_new_home();
	memset(c.fpr, 0x11, sizeof(c.fpr));
	CHECK_INT(trust_update(NULL, add_peer, &c), XE2E_OK); /* no device recorded */
	fill(&s, 1);
	memset(&o, 0, sizeof(o));
	o.peer_jid = "bob@montague.lit";
	memcpy(o.fpr, s.peer_fpr, FINGERPRINT_LEN);
	o.device.id = s.peer_device_id;
	memcpy(o.device.pub, s.peer_device_key, 32);
	o.device_known = 1;
	o.rs_mode = SESSION_RS_ROTATE;
	CHECK_INT(session_commit_pending(&s, &o), XE2E_OK);
	CHECK_INT(session_confirm(s.id, 1700000200), XE2E_E_TRUST);
	CHECK_INT(session_read(s.id, &back), XE2E_OK);
	CHECK_INT(back.state, SESSION_PENDING);
	CHECK_INT(session_current_get("bob@montague.lit", got), XE2E_E_NOTFOUND);
}
