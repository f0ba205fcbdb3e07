/*
 * The handshake state machine (handshake.h) fed stanzas from outside.
 *
 * Input: one byte choosing the side, then up to FZ_HS_RECORDS records of
 * (kind byte, 2-byte big-endian length, body), each handed to
 * handshake_read() in turn. The side is Bob answering (--respond) or Alice
 * starting (--to bob), with fixed identities loaded from the fixtures (so
 * seeds made against them, IK step 1 messages and retry cookies included,
 * are read for real), a trust store that knows the peer or not, and
 * options: --protect-self, or only AESGCM. The kind byte holds the step
 * (bits 0-2, fz_hs_steps), the abort reason (bits 3-5) and whether the stanza
 * comes from the other of Alice and Bob or from a stranger (bit 7).
 *
 * Checked: errors are the documented ones and final, except that a stanza
 * from anyone but the peer (for a responder, whoever sent the first step
 * 1) is refused without changing anything; what the handshake
 * sends is a known step, an abort with a known reason, or nothing; a
 * finished handshake gives a session that names the peer and survives its
 * file format.
 */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "handshake.h"
#include "handshake_nego.h"
#include "session.h"
#include "util.h"

#define FZ_HS_RECORDS 4
#define FZ_HS_ALICE "alice@capulet.lit"
#define FZ_HS_BOB "bob@montague.lit"
#define FZ_HS_ALICE_FULL FZ_HS_ALICE "/balcony"
#define FZ_HS_BOB_FULL FZ_HS_BOB "/garden"
#define FZ_HS_STRANGER "mallory@evil.example/x"

/* Side choices, bits of the first byte. */
#define FZ_HS_INITIATOR 0x1u
#define FZ_HS_KNOWS_PEER 0x2u
#define FZ_HS_PROTECT 0x4u
#define FZ_HS_AES_ONLY 0x8u

struct fz_hs_world {
	int ready; /* 1 loaded, -1 failed */
	struct identity alice, bob;
	struct trust_db empty, alice_knows_bob, bob_knows_alice;
	struct rs_db rs;
	uint8_t cookie_key[32];
};

static struct fz_hs_world fz_hs;

static const char *const fz_hs_reasons[8] = {
	HS_REASON_UNSUPPORTED, HS_REASON_REFUSED, HS_REASON_MALFORMED, HS_REASON_TRUST,
	HS_REASON_REPLAY, HS_REASON_RETAINED, "bogus", NULL,
};

/* The steps by the kind byte's low bits (older seeds: 0-5 as before). */
static const enum hs_step fz_hs_steps[8] = {
	HS_STEP_1, HS_STEP_2, HS_STEP_3, HS_STEP_RETRY, HS_STEP_SWAP, HS_STEP_ABORT,
	HS_STEP_CONFIRM, HS_STEP_2,
};

/* Copies the fixture identity NAME into the fuzzing home and loads it. */
static int fz_hs_load(const char *name, struct identity *id)
{
	static const char *const files[] = {"identity.key", "identity.crt", "device.key",
					    "device.binding"};
	char sub[64], src[1024], dst[1024];
	int err = XE2E_OK;

	snprintf(sub, sizeof(sub), "hs-%s", name);
	if (fuzz_use_home(sub) != 0)
		return XE2E_E_IO;
	for (size_t i = 0; i < ARRAY_SIZE(files) && !err; i++) {
		size_t n = 0;
		uint8_t *data;

		snprintf(src, sizeof(src), "%s/%s/%s", fuzz_fixtures_dir(), name, files[i]);
		snprintf(dst, sizeof(dst), "%s/%s/%s", fuzz_home(), sub, files[i]);
		data = fuzz_read_file(src, &n);
		if (!data || fuzz_write_file(dst, data, n, 0600) != 0)
			err = XE2E_E_IO;
		free(data);
	}
	*id = (struct identity)IDENTITY_INIT;
	return err ? err : identity_load(id, IDENTITY_LOAD_DEVICE_KEY, NULL, FUZZ_NOW);
}

/* A trust store that knows who (tofu, with its device). */
static int fz_hs_knows(struct trust_db *db, const struct identity *who)
{
	struct trust_device d;
	int err = trust_peer_add(db, who->jid, who->id_fpr, TRUST_TOFU, FUZZ_NOW - 86400, NULL);

	memset(&d, 0, sizeof(d));
	d.id = load_be32(who->binding.device_id);
	memcpy(d.pub, who->binding.device_pub, sizeof(d.pub));
	d.created = who->binding.created;
	d.expires = who->binding.expires;
	return err ? err : trust_device_upsert(db, who->jid, who->id_fpr, &d);
}

static int fz_hs_setup(void)
{
	int err;

	if (fz_hs.ready)
		return fz_hs.ready > 0 ? XE2E_OK : XE2E_E_IO;
	fz_hs.ready = -1;
	err = fz_hs_load("alice", &fz_hs.alice);
	if (!err)
		err = fz_hs_load("bob", &fz_hs.bob);
	if (!err)
		err = fz_hs_knows(&fz_hs.alice_knows_bob, &fz_hs.bob);
	if (!err)
		err = fz_hs_knows(&fz_hs.bob_knows_alice, &fz_hs.alice);
	if (err) {
		fprintf(stderr, "fuzz_handshake: fixtures in %s: %s (%s)\n", fuzz_fixtures_dir(),
			err_str(err), err_detail());
		return err;
	}
	memset(fz_hs.cookie_key, 0xc0, sizeof(fz_hs.cookie_key));
	fz_hs.ready = 1;
	return XE2E_OK;
}

static int fz_hs_no_psk(void *arg, const char *jid, uint8_t psk[static PSK_LEN])
{
	(void)arg;
	(void)jid;
	(void)psk;
	return XE2E_E_NOTFOUND;
}

/* Accepts every IK ephemeral: seeds are replayed on purpose. */
static int fz_hs_no_replay(void *arg, const uint8_t key[static 32])
{
	(void)arg;
	(void)key;
	return XE2E_OK;
}

/* The configuration of the side the first byte names. */
static void fz_hs_config(unsigned side, struct handshake_config *cfg)
{
	int init = side & FZ_HS_INITIATOR;

	memset(cfg, 0, sizeof(*cfg));
	cfg->initiator = init;
	cfg->self = init ? &fz_hs.alice : &fz_hs.bob;
	cfg->peer = init ? FZ_HS_BOB_FULL : NULL;
	hsnego_lists_default(&cfg->lists);
	if (side & FZ_HS_AES_ONLY) {
		cfg->lists.n_suites = 1;
		cfg->lists.suites[0] = HS_SUITE_AESGCM;
	}
	cfg->options = side & FZ_HS_PROTECT ? HS_OPT_PROTECT_SELF : 0;
	if (side & FZ_HS_KNOWS_PEER)
		cfg->trust = init ? &fz_hs.alice_knows_bob : &fz_hs.bob_knows_alice;
	else
		cfg->trust = &fz_hs.empty;
	cfg->rs = &fz_hs.rs;
	cfg->psk = fz_hs_no_psk;
	cfg->replay = fz_hs_no_replay;
	cfg->cookie_key = fz_hs.cookie_key;
	cfg->now = FUZZ_NOW;
}

static void fz_hs_check_out(const struct handshake_msg *out, int err)
{
	FUZZ_CHECK(out->step >= HS_STEP_NONE && out->step <= HS_STEP_ABORT);
	if (out->step == HS_STEP_ABORT)
		FUZZ_CHECK(handshake_reason_known(out->reason) && out->body.len == 0);
	else if (out->step != HS_STEP_NONE)
		FUZZ_CHECK(err == XE2E_OK && out->body.len > 0);
}

/* A finished handshake: its session names the peer and round-trips. */
static void fz_hs_done(const struct handshake *hs, int init)
{
	struct session s, back;
	struct session_outcome o;
	struct buf text = BUF_INIT, again = BUF_INIT;
	const char *peer = init ? FZ_HS_BOB : FZ_HS_ALICE;

	FUZZ_CHECK(handshake_result(hs) != NULL);
	FUZZ_CHECK(handshake_session(hs, &s, &o) == XE2E_OK);
	FUZZ_CHECK(strcmp(s.self_jid, init ? FZ_HS_ALICE : FZ_HS_BOB) == 0);
	FUZZ_CHECK(strcmp(handshake_peer_bare(hs), peer) == 0 && strcmp(o.peer_jid, peer) == 0);
	FUZZ_CHECK(session_format(&s, 1, 2, &text) == XE2E_OK);
	FUZZ_CHECK(session_parse("fuzz", (const char *)text.data, text.len, &back) == XE2E_OK);
	FUZZ_CHECK(session_format(&back, back.dev, back.ino, &again) == XE2E_OK);
	FUZZ_CHECK(again.len == text.len && memcmp(again.data, text.data, text.len) == 0);
	session_free(&s);
	session_free(&back);
	wipe(&o, sizeof(o));
	buf_free(&text);
	buf_free(&again);
}

/* Feeds one record; returns 1 when the handshake is over. */
static int fz_hs_feed(struct handshake *hs, unsigned side, uint8_t kind, const uint8_t *body,
		      size_t len, struct handshake_msg *out)
{
	int init = side & FZ_HS_INITIATOR, stranger = kind & 0x80, err;
	enum hs_step step = fz_hs_steps[kind & 7];
	const char *from = stranger ? FZ_HS_STRANGER : init ? FZ_HS_BOB_FULL : FZ_HS_ALICE_FULL;
	int outsider = !handshake_accepts_from(hs, from);

	err = handshake_read(hs, from, step, body, len, fz_hs_reasons[(kind >> 3) & 7], out);
	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED || err == XE2E_E_UNSUPPORTED ||
		   err == XE2E_E_AUTH || err == XE2E_E_TRUST || err == XE2E_E_REPLAY ||
		   err == XE2E_E_STATE || err == XE2E_E_LIMIT || err == XE2E_E_WEAKKEY ||
		   err == XE2E_E_EXPIRED);
	fz_hs_check_out(out, err);
	if (outsider) {
		/* Not from the peer: refused, nothing changes. */
		FUZZ_CHECK(err == XE2E_E_STATE && handshake_status(hs) == HS_RUNNING);
		FUZZ_CHECK(out->step == HS_STEP_NONE);
		return 0;
	}
	if (err && err != XE2E_E_STATE)
		FUZZ_CHECK(handshake_status(hs) == HS_FAILED);
	if (err)
		FUZZ_CHECK(handshake_result(hs) == NULL);
	if (handshake_status(hs) == HS_DONE) {
		fz_hs_done(hs, init);
		return 1;
	}
	return handshake_status(hs) == HS_FAILED;
}

int fuzz_handshake(const uint8_t *data, size_t size)
{
	struct handshake_config cfg;
	struct handshake *hs = NULL;
	struct handshake_msg out = HANDSHAKE_MSG_INIT;
	unsigned side;
	size_t pos = 1;

	if (size < 1 || fz_hs_setup() != XE2E_OK)
		return 0;
	side = data[0];
	fz_hs_config(side, &cfg);
	if (handshake_new(&hs, &cfg) != XE2E_OK) {
		FUZZ_CHECK(0);
		return 0;
	}
	if (side & FZ_HS_INITIATOR)
		FUZZ_CHECK(handshake_start(hs, &out) == XE2E_OK && out.step == HS_STEP_1);
	for (int i = 0; i < FZ_HS_RECORDS && pos + 3 <= size; i++) {
		uint8_t kind = data[pos];
		size_t len = load_be16(data + pos + 1);

		pos += 3;
		if (len > size - pos)
			len = size - pos;
		if (fz_hs_feed(hs, side, kind, data + pos, len, &out))
			break;
		pos += len;
	}
	if (handshake_status(hs) == HS_FAILED) {
		FUZZ_CHECK(handshake_read(hs, FZ_HS_ALICE_FULL, HS_STEP_1, data, size, NULL, &out) ==
			   XE2E_E_STATE);
	}
	buf_free(&out.body);
	handshake_free(hs);
	return 0;
}
