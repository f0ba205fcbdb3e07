/*
 * The IK responder's pending sessions expire (ik_pending.h): real IK
 * handshakes leave real pending session files in Bob's home, and the files
 * are counted as the clock moves on, and back.
 */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "handshake_fixture.h"
#include "ik_pending.h"
#include "session.h"
#include "unit.h"

static struct hs_side alice, bob;

/* Files in Bob's sessions directory whose names end with suffix. */
static int count_files(const char *suffix)
{
	char dir[600];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/state/sessions", bob.home);
	d = opendir(dir);
	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name), sl = strlen(suffix);

		n += len > sl && !strcmp(e->d_name + len - sl, suffix) &&
		     strspn(e->d_name, "0123456789abcdef") == 32 && len == 32 + sl;
	}
	closedir(d);
	return n;
}

/* (Bob's IK replay cache, kept in memory, is first used after the XX
 * first contact.) */
static void pair_known(void)
{
	hs_pair_known(&alice, &bob);
	bob.replay_in_memory = 1;
}

/* An IK handshake whose session Bob records and stores pending at now, as
 * xe2e-handshake does; id gets the session id. */
static void ik_pending_at(uint64_t now, uint8_t id[static SESSION_ID_LEN])
{
	struct hs_run run = {0};
	struct session s;
	struct session_outcome o;

	bob.now = now;
	hs_run(&alice, &bob, &run, NULL, NULL);
	CHECK_INT(run.n, 2);
	CHECK_INT(handshake_session(bob.hs, &s, &o), XE2E_OK);
	CHECK_INT(s.state, SESSION_PENDING);
	side_use(&bob);
	CHECK_INT(ik_pending_record(NULL, s.id, o.peer_jid, now), XE2E_OK);
	CHECK_INT(session_commit_pending(&s, &o), XE2E_OK);
	memcpy(id, s.id, SESSION_ID_LEN);
	session_free(&s);
	hs_run_free(&run);
}

TEST(ik_pending_sessions_expire_and_are_deleted)
{
	const uint64_t t0 = 1800000000;
	uint8_t id[4][SESSION_ID_LEN], last[SESSION_ID_LEN];
	struct session s;

	pair_known();
	CHECK_INT(count_files(".session"), 1);
	for (int i = 0; i < 3; i++)
		ik_pending_at(t0 + (uint64_t)i, id[i]);
	CHECK_INT(count_files(".session"), 4);
	/* The first is confirmed by Alice's first message; the others never. */
	side_use(&bob);
	CHECK_INT(session_confirm(id[0], t0 + 10), XE2E_OK);
	/* A week later the next IK handshake deletes the two never confirmed,
	 * file and lock, and leaves the confirmed one. */
	ik_pending_at(t0 + IK_PENDING_TTL + 10, id[3]);
	CHECK_INT(count_files(".session"), 3);
	CHECK_INT(count_files(".lock"), 3);
	side_use(&bob);
	CHECK_INT(session_read(id[1], &s), XE2E_E_NOTFOUND);
	CHECK_INT(session_read(id[0], &s), XE2E_OK);
	CHECK_INT(s.state, SESSION_ACTIVE);
	session_free(&s);
	/* The clock goes back a week: the newest record is now in the future,
	 * and neither it nor its session goes. */
	ik_pending_at(t0, last);
	CHECK_INT(count_files(".session"), 4);
	side_use(&bob);
	CHECK_INT(session_read(id[3], &s), XE2E_OK);
	CHECK_INT(s.state, SESSION_PENDING);
	session_free(&s);
	side_free(&alice);
	side_free(&bob);
}

TEST(ik_pending_bounded_per_peer)
{
	const uint64_t t0 = 1800000000;
	uint8_t id[IK_PENDING_PER_PEER + 2][SESSION_ID_LEN];
	struct session s;

	pair_known();
	for (unsigned i = 0; i < IK_PENDING_PER_PEER + 2; i++)
		ik_pending_at(t0 + i, id[i]);
	/* The first contact's session and Alice's newest pending ones. */
	CHECK_INT(count_files(".session"), 1 + IK_PENDING_PER_PEER);
	side_use(&bob);
	CHECK_INT(session_read(id[1], &s), XE2E_E_NOTFOUND);
	CHECK_INT(session_read(id[2], &s), XE2E_OK);
	session_free(&s);
	side_free(&alice);
	side_free(&bob);
}

TEST(ik_pending_malformed_left_alone)
{
	char path[400];
	uint8_t id[SESSION_ID_LEN];
	const char *bad[] = {
		"xe2e ik-pending v2\n",
		"xe2e ik-pending v1\n00 5 00\n",
		"xe2e ik-pending v1\n0102030405060708090a0b0c0d0e0f10 01 "
		"0102030405060708090a0b0c0d0e0f10\n",
		"xe2e ik-pending v1\n0102030405060708090a0b0c0d0e0f10 1 "
		"0102030405060708090a0b0c0d0e0f1\n",
		"xe2e ik-pending v1\n0102030405060708090a0b0c0d0e0f10 1 "
		"0102030405060708090a0b0c0d0e0f10",
	};

	memset(id, 7, sizeof(id));
	snprintf(path, sizeof(path), "%s/ik-pending", unit_tmpdir());
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unit_write_secret(path, bad[i]);
		CHECK_INT(ik_pending_record(path, id, "alice@capulet.lit", 1000), XE2E_E_MALFORMED);
		CHECK(unit_file_is(path, bad[i]));
	}
}
