/* Session files, the current pointer and IK confirmation (session.h). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dh.h"
#include "encoding.h"
#include "err.h"
#include "hash.h"
#include "handshake_msg.h"
#include "secrets.h"
#include "session.h"
#include "store.h"
#include "trust.h"
#include "unit.h"

static void use_new_home(void)
{
	char home[300];

	snprintf(home, sizeof(home), "%s/home", unit_tmpdir());
	setenv("XE2E_HOME", home, 1);
}

static uint8_t r0_priv[32];

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
	if (responder)
		CHECK_INT(x25519_keypair(s->own_ratchet_priv, s->own_ratchet_pub), XE2E_OK);
	else
		CHECK_INT(x25519_keypair(r0_priv, s->peer_ratchet_pub), XE2E_OK);
}

/* The ratchet state text of s (started from its handover when needed). */
static void ratchet_text(const struct session *s, struct buf *out)
{
	struct session tmp = *s;

	buf_clear(out);
	if (!s->ratchet) {
		tmp.ratchet = NULL;
		CHECK_INT(session_ratchet_start(&tmp), XE2E_OK);
	}
	CHECK_INT(ratchet_serialize(tmp.ratchet, out), XE2E_OK);
	if (!s->ratchet)
		session_free(&tmp);
}

/* The public fields of two sessions agree. */
static void check_same_public(const struct session *a, const struct session *b)
{
	CHECK_MEM(a->id, b->id, SESSION_ID_LEN);
	CHECK_INT(a->state, b->state);
	CHECK_INT(a->role, b->role);
	CHECK_INT(a->pattern, b->pattern);
	CHECK_INT(a->suite, b->suite);
	CHECK_INT(a->created, b->created);
	CHECK_STR(a->self_jid, b->self_jid);
	CHECK_STR(a->peer_jid, b->peer_jid);
	CHECK_MEM(a->peer_fpr, b->peer_fpr, FINGERPRINT_LEN);
	CHECK_INT(a->peer_device_id, b->peer_device_id);
	CHECK_MEM(a->peer_device_key, b->peer_device_key, X25519_LEN);
	CHECK_INT(a->trust, b->trust);
	CHECK_INT(a->flags, b->flags);
	CHECK_MEM(a->handshake_hash, b->handshake_hash, SESSION_HASH_LEN);
	CHECK_INT(a->pending_rs_mode, b->pending_rs_mode);
	CHECK_MEM(a->pending_rs, b->pending_rs, SESSION_KEY_LEN);
}

static int count_lines(const struct buf *b)
{
	int n = 0;

	for (size_t i = 0; i < b->len; i++)
		n += b->data[i] == '\n';
	return n;
}

TEST(session_format_round_trip)
{
	struct session s, back;
	struct buf text = BUF_INIT, again = BUF_INIT, r1 = BUF_INIT, r2 = BUF_INIT;
	static const struct session zero;

	for (int responder = 0; responder < 2; responder++) {
		fill(&s, responder);
		s.gen = 77;
		buf_clear(&text);
		CHECK_INT(session_format(&s, 2049, 123456, &text), XE2E_OK);
		CHECK_INT(session_parse("t", (const char *)text.data, text.len, &back), XE2E_OK);
		CHECK_INT(back.dev, 2049);
		CHECK_INT(back.ino, 123456);
		CHECK_INT(back.gen, 77);
		check_same_public(&back, &s);
		/* The keys are in the ratchet, started from the handover. */
		CHECK(back.ratchet != NULL);
		CHECK_MEM(back.root_key, zero.root_key, SESSION_KEY_LEN);
		CHECK_MEM(back.own_ratchet_priv, zero.own_ratchet_priv, X25519_LEN);
		CHECK(!back.has_own_ratchet && !back.has_peer_ratchet);
		ratchet_text(&s, &r1);
		ratchet_text(&back, &r2);
		CHECK_INT(r1.len, r2.len);
		CHECK_MEM(r1.data, r2.data, r1.len);
		/* One spelling: the text comes back byte for byte. */
		buf_clear(&again);
		CHECK_INT(session_format(&back, back.dev, back.ino, &again), XE2E_OK);
		CHECK_INT(again.len, text.len);
		CHECK_MEM(again.data, text.data, text.len);
		session_free(&back);
	}
	CHECK(strstr((const char *)text.data, "xe2e session v2\n") == (const char *)text.data);
	CHECK(strstr((const char *)text.data, "\nsuite: 25519_AESGCM_SHA256\n") != NULL);
	CHECK(strstr((const char *)text.data, "\npeer-device-id: deadbeef\n") != NULL);
	CHECK(strstr((const char *)text.data, "\nflags: rs-reset\n") != NULL);
	CHECK(strstr((const char *)text.data, "\npending-rs-mode: -\nxe2e-ratchet: 1\nrole: responder\n"
				 "cipher: aes256gcm\n") != NULL);
	CHECK(strstr((const char *)text.data, "\nend\nwritten-as: 2049:123456:77\n") != NULL);
	CHECK(strstr((const char *)text.data, "chain-key") == NULL);
	buf_free(&text);
	buf_free(&again);
	buf_free(&r1);
	buf_free(&r2);
}

/* text with the first "from" replaced by "to"; caller frees. */
static char *replaced(const struct buf *text, const char *from, const char *to)
{
	char *t = strndup((const char *)text->data, text->len), *p = t ? strstr(t, from) : NULL;
	char *out = NULL;

	CHECK(p != NULL);
	if (p && asprintf(&out, "%.*s%s%s", (int)(p - t), t, to, p + strlen(from)) < 0)
		out = NULL;
	free(t);
	return out;
}

/* A ratchet of another role or suite than the session's is refused. */
TEST(session_parse_ratchet_must_fit)
{
	struct session s, back;
	struct buf text = BUF_INIT;
	char *bad;

	fill(&s, 1);
	CHECK_INT(session_format(&s, 1, 2, &text), XE2E_OK);
	CHECK_INT(session_parse("t", (const char *)text.data, text.len, &back), XE2E_OK);
	session_free(&back);
	bad = replaced(&text, "\nrole: responder\npattern", "\nrole: initiator\npattern");
	CHECK(bad && session_parse("t", bad, strlen(bad), &back) == XE2E_E_MALFORMED);
	free(bad);
	bad = replaced(&text, "suite: 25519_AESGCM_SHA256", "suite: 25519_ChaChaPoly_SHA256");
	CHECK(bad && session_parse("t", bad, strlen(bad), &back) == XE2E_E_MALFORMED);
	free(bad);
	buf_free(&text);
}

/* A session from prekeys has a pattern of its own, which needs the flag
 * offline-origin; files that recorded one as XXpsk2 still load. */
TEST(session_pattern_offline)
{
	struct session s, back;
	struct buf text = BUF_INIT, again = BUF_INIT;
	char *bad;

	CHECK_STR(session_pattern_name(HS_PATTERN_XX), "XXpsk2");
	CHECK_STR(session_pattern_name(HS_PATTERN_IK), "IKpsk1");
	CHECK_STR(session_pattern_name(SESSION_PATTERN_OFFLINE), "offline");
	CHECK(session_pattern_name(0) == NULL);
	fill(&s, 1);
	s.pattern = SESSION_PATTERN_OFFLINE;
	s.flags = TRUST_FLAG_OFFLINE_ORIGIN;
	CHECK_INT(session_format(&s, 1, 2, &text), XE2E_OK);
	CHECK(strstr((const char *)text.data, "\npattern: offline\n") != NULL);
	CHECK_INT(session_parse("t", (const char *)text.data, text.len, &back), XE2E_OK);
	check_same_public(&back, &s);
	CHECK_INT(session_format(&back, back.dev, back.ino, &again), XE2E_OK);
	CHECK_INT(again.len, text.len);
	CHECK_MEM(again.data, text.data, text.len);
	session_free(&back);
	/* Without the flag: refused, naming the line. */
	bad = replaced(&text, "\nflags: offline-origin\n", "\nflags: -\n");
	CHECK(bad && session_parse("t", bad, strlen(bad), &back) == XE2E_E_MALFORMED);
	CHECK(strstr(err_detail(), "t line 15: a session from prekeys without offline-origin"));
	free(bad);
	bad = replaced(&text, "\npattern: offline\n", "\npattern: Offline\n");
	CHECK(bad && session_parse("t", bad, strlen(bad), &back) == XE2E_E_MALFORMED);
	CHECK(strstr(err_detail(), "t line 5: pattern"));
	free(bad);
	/* As files written before the pattern recorded it. */
	bad = replaced(&text, "\npattern: offline\n", "\npattern: XXpsk2\n");
	CHECK(bad && session_parse("t", bad, strlen(bad), &back) == XE2E_OK);
	CHECK_INT(back.pattern, HS_PATTERN_XX);
	CHECK_INT(back.flags, TRUST_FLAG_OFFLINE_ORIGIN);
	session_free(&back);
	free(bad);
	err_detail_clear();
	session_free(&s);
	buf_free(&text);
	buf_free(&again);
}

/* Every line dropped, doubled or given a trailing space is refused. */
TEST(session_parse_strict)
{
	struct session s, back;
	struct buf text = BUF_INIT, bad = BUF_INIT, rt = BUF_INIT;
	const char *p, *end;
	int lines = 0;

	fill(&s, 1);
	CHECK_INT(session_format(&s, 1, 2, &text), XE2E_OK);
	ratchet_text(&s, &rt);
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
		/* (the ratchet calls a version it does not know unsupported) */
		CHECK_INT(session_parse("t", (const char *)bad.data, bad.len, &back),
			  strncmp(l, "xe2e-ratchet: ", 14) ? XE2E_E_MALFORMED
							   : XE2E_E_UNSUPPORTED);
	}
	/* 18 lines of the session, the ratchet's, written-as. */
	CHECK_INT(lines, 18 + count_lines(&rt) + 1);
	/* Upper-case hex, a truncated file. */
	buf_clear(&bad);
	buf_append(&bad, text.data, text.len);
	memcpy(strstr((char *)bad.data, "handshake-hash: ") + 16, "AA", 2);
	CHECK_INT(session_parse("t", (const char *)bad.data, bad.len, &back), XE2E_E_MALFORMED);
	CHECK_INT(session_parse("t", (const char *)text.data, text.len - 1, &back),
		  XE2E_E_MALFORMED);
	buf_free(&text);
	buf_free(&bad);
	buf_free(&rt);
}

TEST(session_write_read_and_stale)
{
	struct session s, back;
	struct buf r1 = BUF_INIT, r2 = BUF_INIT;
	char path[STORE_PATH_MAX], copy[STORE_PATH_MAX + 8], cmd[4 * STORE_PATH_MAX + 64];
	struct stat st;

	use_new_home();
	fill(&s, 0);
	CHECK_INT(session_create(&s), XE2E_OK);
	/* The handover became the ratchet and is gone. */
	CHECK(s.ratchet != NULL && !s.has_peer_ratchet);
	CHECK_INT(session_create(&s), XE2E_E_EXISTS);
	CHECK_INT(session_read(s.id, &back), XE2E_OK);
	ratchet_text(&s, &r1);
	ratchet_text(&back, &r2);
	CHECK_INT(r1.len, r2.len);
	CHECK_MEM(r1.data, r2.data, r1.len);
	session_free(&back);
	CHECK_INT(session_path(s.id, ".session", path), XE2E_OK);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0600);
	CHECK_INT(session_read(s.id, &back), XE2E_OK);
	CHECK_INT(back.ino, st.st_ino);
	session_free(&back);
	/* A copy taken now, put back after later writes (in place, or as a
	 * new file), is stale: even where the file system hands the old
	 * inode number out again, its generation differs. */
	snprintf(copy, sizeof(copy), "%s.bak", path);
	snprintf(cmd, sizeof(cmd), "cp -p '%s' '%s'", path, copy);
	CHECK_INT(system(cmd), 0);
	for (int i = 0; i < 3; i++) {
		struct store_lock lock;

		CHECK_INT(session_lock(s.id, &lock), XE2E_OK);
		s.created++;
		CHECK_INT(session_write(&s), XE2E_OK);
		store_unlock(&lock);
		CHECK_INT(session_read(s.id, &back), XE2E_OK);
		CHECK_INT(back.created, s.created);
		session_free(&back);
	}
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", copy, path);
	CHECK_INT(system(cmd), 0);
	CHECK_INT(session_read(s.id, &back), XE2E_E_STALE);
	CHECK(strstr(err_detail(), "stale session: run a new handshake") != NULL);
	snprintf(cmd, sizeof(cmd), "cp -p '%s' '%s.2' && mv '%s.2' '%s'", copy, copy, copy, path);
	CHECK_INT(system(cmd), 0);
	CHECK_INT(session_read(s.id, &back), XE2E_E_STALE);
	/* Others may not read it. */
	chmod(path, 0640);
	CHECK_INT(session_read(s.id, &back), XE2E_E_PERM);
	s.id[0] ^= 1;
	CHECK_INT(session_read(s.id, &back), XE2E_E_NOTFOUND);
	session_free(&s);
	buf_free(&r1);
	buf_free(&r2);
}

/* The whole content of a file into out (cleared first). */
static void file_text(const char *path, struct buf *out)
{
	buf_clear(out);
	CHECK_INT(store_read_file(path, 1 << 20, 0, out), XE2E_OK);
}

/* Replaces the content of path in place (its inode stays). */
static void file_put(const char *path, const uint8_t *data, size_t len)
{
	FILE *f = fopen(path, "r+");

	CHECK(f != NULL);
	if (!f)
		return;
	CHECK(fwrite(data, 1, len, f) == len);
	CHECK_INT(ftruncate(fileno(f), (off_t)len), 0);
	fclose(f);
}

/* The lock file's record of commit, as session.h defines it. */
static void lockrec_want(uint64_t commit, char out[51])
{
	uint8_t d[32];

	snprintf(out, 51, "xe2e commit %020llu", (unsigned long long)commit);
	CHECK_INT(hash(HASH_SHA256, out, 32, d), XE2E_OK);
	out[32] = ' ';
	hex_encode(d, 8, out + 33);
	out[49] = '\n';
	out[50] = '\0';
}

/* One locked write of s (created moved on, so the text changes). */
static void write_locked(struct session *s)
{
	struct store_lock lock;

	CHECK_INT(session_lock(s->id, &lock), XE2E_OK);
	s->created++;
	CHECK_INT(session_write(s), XE2E_OK);
	store_unlock(&lock);
}

/*
 * A hard link to the session file makes it refused (a backup that shares
 * its inode), until the link is gone. Every write adds one to the file's
 * commit number and records it in the lock file; the file of an earlier
 * commit put back with the live file's identity (as a snapshot tool
 * restoring one file would) is refused. A missing or damaged record
 * (a crash) never refuses a good file.
 */
TEST(session_links_and_commit_numbers)
{
	struct session s, back;
	struct buf old = BUF_INIT, live = BUF_INIT, text = BUF_INIT;
	char path[STORE_PATH_MAX], lock[STORE_PATH_MAX], other[STORE_PATH_MAX + 8], want[51];
	const char *at;

	use_new_home();
	fill(&s, 1);
	CHECK_INT(session_create(&s), XE2E_OK);
	CHECK(s.commit == 1);
	CHECK_INT(session_path(s.id, ".session", path), XE2E_OK);
	CHECK_INT(session_path(s.id, ".lock", lock), XE2E_OK);
	file_text(path, &text);
	buf_terminate(&text);
	CHECK(strstr((const char *)text.data, "\nend\ncommit: 1\nwritten-as: ") != NULL);
	file_text(lock, &text);
	lockrec_want(1, want);
	CHECK(text.len == 50 && memcmp(text.data, want, 50) == 0);

	/* ln SESSION backup: refused, saying why and what to do. */
	snprintf(other, sizeof(other), "%s.bak", path);
	CHECK_INT(link(path, other), 0);
	CHECK_INT(session_read(s.id, &back), XE2E_E_STALE);
	CHECK(strstr(err_detail(), "has 2 links") != NULL);
	CHECK(strstr(err_detail(), "run a new handshake") != NULL);
	CHECK_INT(unlink(other), 0);
	CHECK_INT(session_read(s.id, &back), XE2E_OK);
	CHECK(back.commit == 1);
	session_free(&back);

	/* Commit 1 put back over commit 3, with the live identity. */
	file_text(path, &old);
	write_locked(&s);
	write_locked(&s);
	CHECK(s.commit == 3);
	file_text(lock, &text);
	lockrec_want(3, want);
	CHECK(text.len == 50 && memcmp(text.data, want, 50) == 0);
	file_text(path, &live);
	buf_terminate(&live);
	at = strstr((const char *)live.data, "\nwritten-as: ");
	CHECK(at != NULL);
	buf_terminate(&old);
	old.len = (size_t)(strstr((const char *)old.data, "\nwritten-as: ") - (char *)old.data);
	buf_append_str(&old, at);
	file_put(path, old.data, old.len);
	CHECK_INT(session_read(s.id, &back), XE2E_E_STALE);
	CHECK(strstr(err_detail(), "was restored: it holds commit 1, commit 3 was written since") !=
	      NULL);

	/* The live file again; its record missing, cut short, or torn: read
	 * as 0, and the next write records it again. */
	file_put(path, live.data, live.len);
	CHECK_INT(session_read(s.id, &back), XE2E_OK);
	session_free(&back);
	file_put(lock, (const uint8_t *)want, 20);
	CHECK_INT(session_read(s.id, &back), XE2E_OK);
	session_free(&back);
	lockrec_want(9, want);
	memcpy(want + 33, "0000000000000000", 16);
	file_put(lock, (const uint8_t *)want, 50);
	CHECK_INT(session_read(s.id, &back), XE2E_OK);
	session_free(&back);
	CHECK_INT(unlink(lock), 0);
	CHECK_INT(session_read(s.id, &back), XE2E_OK);
	session_free(&back);
	write_locked(&s);
	file_text(lock, &text);
	lockrec_want(4, want);
	CHECK(text.len == 50 && memcmp(text.data, want, 50) == 0);
	/* A record above the file's is what a restore leaves. */
	lockrec_want(5, want);
	file_put(lock, (const uint8_t *)want, 50);
	CHECK_INT(session_read(s.id, &back), XE2E_E_STALE);
	session_free(&s);
	buf_free(&old);
	buf_free(&live);
	buf_free(&text);
}

/* A writer killed (SIGKILL) at random moments of its writes never leaves
 * a session file that is refused: whatever instant the kill hits, the
 * lock's record is not above the file's number. */
TEST(session_writer_killed_never_leaves_a_refused_file)
{
	struct session s, back;
	uint64_t x = (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL, commits = 0;
	int kills = 0, refused = 0;

	use_new_home();
	fill(&s, 1);
	s.id[0] ^= 0x5a;
	CHECK_INT(session_create(&s), XE2E_OK);
	for (int i = 0; i < 40; i++) {
		struct pollfd pfd;
		int fds[2];
		pid_t pid;
		char c;

		CHECK_INT(pipe(fds), 0);
		pid = fork();
		CHECK(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			for (;;) {
				struct store_lock lock;
				struct session w;

				if (session_lock(s.id, &lock) || session_read(s.id, &w))
					_exit(1);
				w.created++;
				if (session_write(&w) || write(fds[1], "w", 1) != 1)
					_exit(1);
				session_free(&w);
				store_unlock(&lock);
			}
		}
		close(fds[1]);
		/* After its first write, at a random moment of the next ones. */
		pfd.fd = fds[0];
		pfd.events = POLLIN;
		CHECK_INT(poll(&pfd, 1, 20000), 1);
		CHECK_INT(read(fds[0], &c, 1), 1);
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		usleep((useconds_t)(x % 4000));
		kills += kill(pid, SIGKILL) == 0;
		waitpid(pid, NULL, 0);
		close(fds[0]);
		if (session_read(s.id, &back) != XE2E_OK) {
			refused++;
			continue;
		}
		commits = back.commit;
		session_free(&back);
	}
	CHECK_INT(refused, 0);
	CHECK(commits > 40);
	unit_note("%d writers killed, %llu commits, %d files refused after", kills,
		  (unsigned long long)commits, refused);
	session_free(&s);
}

TEST(session_list_finds_session_files)
{
	struct session a, b;
	uint8_t (*ids)[SESSION_ID_LEN] = NULL;
	char dir[STORE_PATH_MAX], junk[STORE_PATH_MAX + 64];
	size_t n = 9;
	int seen = 0;
	FILE *f;

	use_new_home();
	CHECK_INT(session_list(&ids, &n), XE2E_OK);
	CHECK_INT(n, 0);
	free(ids);
	fill(&a, 0);
	fill(&b, 1);
	b.id[0] ^= 0xff;
	CHECK_INT(session_create(&a), XE2E_OK);
	CHECK_INT(session_create(&b), XE2E_OK);
	CHECK_INT(session_path(a.id, ".session", dir), XE2E_OK);
	*strrchr(dir, '/') = '\0';
	snprintf(junk, sizeof(junk), "%s/%s", dir, "A0A1A2A3A4A5A6A7A8A9AAABACADAEAF.session");
	f = fopen(junk, "w");
	CHECK(f != NULL);
	if (f)
		fclose(f);
	CHECK_INT(session_list(&ids, &n), XE2E_OK);
	CHECK_INT(n, 2);
	for (size_t i = 0; i < n; i++)
		seen |= !memcmp(ids[i], a.id, SESSION_ID_LEN) ? 1 :
			!memcmp(ids[i], b.id, SESSION_ID_LEN) ? 2 : 4;
	CHECK_INT(seen, 3);
	free(ids);
	session_free(&a);
	session_free(&b);
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

/* The lookup remembers the file it read last: any replacement, or a change
 * of its mode, is seen at the next lookup. */
TEST(session_current_lookup_sees_every_change)
{
	uint8_t a[SESSION_ID_LEN], b[SESSION_ID_LEN], got[SESSION_ID_LEN];
	char path[STORE_PATH_MAX];

	use_new_home();
	memset(a, 1, sizeof(a));
	memset(b, 2, sizeof(b));
	for (int round = 0; round < 50; round++) {
		const uint8_t *want = round % 2 ? b : a;

		CHECK_INT(session_current_set("bob@montague.lit", want), XE2E_OK);
		CHECK_INT(session_current_get("bob@montague.lit", got), XE2E_OK);
		CHECK_MEM(got, want, SESSION_ID_LEN);
		CHECK_INT(session_current_get("bob@montague.lit", got), XE2E_OK); /* remembered */
		CHECK_MEM(got, want, SESSION_ID_LEN);
	}
	CHECK_INT(store_path(STORE_STATE, "sessions", path), XE2E_OK);
	CHECK(strlen(path) + 40 < sizeof(path));
	strcat(path, "/");
	{
		/* The file's name is not part of the interface: find it. */
		char dir[STORE_PATH_MAX];
		DIR *d;
		struct dirent *e;
		int found = 0;

		strcpy(dir, path);
		d = opendir(dir);
		CHECK(d != NULL);
		while (d && (e = readdir(d)))
			if (strstr(e->d_name, ".current") && !strstr(e->d_name, ".lock")) {
				strcat(path, e->d_name);
				found = 1;
				break;
			}
		if (d)
			closedir(d);
		CHECK(found);
	}
	CHECK_INT(chmod(path, 0644), 0);
	CHECK_INT(session_current_get("bob@montague.lit", got), XE2E_E_PERM);
	CHECK_INT(chmod(path, 0600), 0);
	CHECK_INT(session_current_get("bob@montague.lit", got), XE2E_OK);
	CHECK_INT(unlink(path), 0);
	CHECK_INT(session_current_get("bob@montague.lit", got), XE2E_E_NOTFOUND);
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
	session_free(&back);
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
	session_free(&back);
	session_free(&s);
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
	session_free(&back);
	session_free(&s);
}

static int mark_offline(struct trust_db *db, void *arg)
{
	struct peer_ctx *c = arg;

	return trust_peer_set_flags(db, c->jid, c->fpr, TRUST_FLAG_OFFLINE_ORIGIN);
}

static unsigned stored_flags(const struct peer_ctx *c)
{
	struct trust_db db = TRUST_DB_INIT;
	struct trust_peer *p;
	unsigned flags = ~0u;

	CHECK_INT(trust_load(NULL, &db), XE2E_OK);
	p = trust_find(&db, c->jid, c->fpr);
	if (p)
		flags = p->flags;
	trust_free(&db);
	return flags;
}

/* A real-time handshake lifts offline-origin from the entry, with the same
 * compare-and-set as the rest of its outcome, and its session is not
 * offline-origin. */
TEST(session_apply_lifts_offline_origin)
{
	struct session s, back;
	struct session_outcome o;
	struct peer_ctx c = {"bob@montague.lit", {0}, {0xdeadbeef, {0}, 1700000000, 1800000000}, 1};
	enum trust_level level;
	unsigned flags;

	use_new_home();
	memset(c.fpr, 0x11, sizeof(c.fpr));
	memset(c.dev.pub, 0x22, sizeof(c.dev.pub));
	CHECK_INT(trust_update(NULL, add_peer, &c), XE2E_OK);
	CHECK_INT(trust_update(NULL, mark_offline, &c), XE2E_OK);
	memset(&o, 0, sizeof(o));
	o.peer_jid = c.jid;
	memcpy(o.fpr, c.fpr, FINGERPRINT_LEN);
	o.device.id = c.dev.id;
	memset(o.device.pub, 0x23, sizeof(o.device.pub)); /* not the stored device key */
	o.device_known = 1;
	o.rs_mode = SESSION_RS_NONE;
	o.now = 1700000100;
	/* The store changed meanwhile: nothing is applied, the flag stays. */
	CHECK_INT(session_apply_outcome(&o, &level, &flags), XE2E_E_TRUST);
	CHECK_INT(stored_flags(&c), TRUST_FLAG_OFFLINE_ORIGIN);
	err_detail_clear();
	/* The handshake's session: active, tofu, no flag; nor on the entry. */
	memcpy(o.device.pub, c.dev.pub, sizeof(o.device.pub));
	fill(&s, 0);
	s.flags = 0;
	CHECK_INT(session_commit(&s, &o), XE2E_OK);
	CHECK_INT(s.trust, TRUST_TOFU);
	CHECK_INT(s.flags, 0);
	CHECK_INT(stored_flags(&c), 0);
	CHECK_INT(session_read(s.id, &back), XE2E_OK);
	CHECK_INT(back.flags, 0);
	session_free(&back);
	session_free(&s);
}
