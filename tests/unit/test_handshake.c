/* The handshake's flows between two in-memory sides (handshake.h). */
#include <string.h>

#include "err.h"
#include "handshake_fixture.h"
#include "handshake_nego.h"
#include "ratchet.h"
#include "secrets.h"
#include "session.h"
#include "unit.h"
#include "unit_ops.h"
#include "util.h"

/* Default lists: offer 8 bytes. XX: 8 + 1 + 32 + 32 + 16 (psk: e gives a key); 32 + 48 + 192 + 16;
 * 48 + 160 + 16. IK: 8 + 1 + 32 + 48 + 64 + 16; 32 + 96 + 16. */
#define XX1_LEN 89
#define XX2_LEN 288
#define XX3_LEN 224
#define IK1_LEN 169
#define IK2_LEN 144

static struct hs_side alice, bob;

/* 1 when the session's ratchet is the one ratchet_init() makes for role
 * from the responder's result r (root key, chain key, r0). */
static int ratchet_started_from(const struct session *s, enum ratchet_role role,
				const struct handshake_result *r)
{
	struct ratchet_start st;
	struct ratchet_state *want = NULL;
	struct buf a = BUF_INIT, b = BUF_INIT;
	int same;

	memset(&st, 0, sizeof(st));
	st.cipher = s->suite == HS_SUITE_AESGCM ? AEAD_AES256GCM : AEAD_CHACHAPOLY;
	memcpy(st.root_key, r->root_key, 32);
	memcpy(st.chain_key, r->chain_key, 32);
	memcpy(st.r0_public, r->r0_pub, 32);
	memcpy(st.r0_private, r->r0_priv, 32);
	same = s->ratchet && ratchet_tag_derive(st.root_key, st.tag) == XE2E_OK &&
	       ratchet_init(&want, role, &st, s->created) == XE2E_OK &&
	       ratchet_serialize(want, &a) == XE2E_OK &&
	       ratchet_serialize(s->ratchet, &b) == XE2E_OK && a.len == b.len &&
	       !memcmp(a.data, b.data, a.len);
	ratchet_free(want);
	buf_free(&a);
	buf_free(&b);
	wipe(&st, sizeof(st));
	return same;
}

/* First contact, committed on both sides, snapshots reloaded. */
static void first_contact(void)
{
	CHECK_INT(hs_pair_known(&alice, &bob), 4);
}

static const struct handshake_result *res(const struct hs_side *s)
{
	return handshake_result(s->hs);
}

TEST(handshake_xx_first_contact)
{
	struct hs_run run = {0};
	const struct handshake_result *a, *b;

	hs_pair_init(&alice, &bob);
	hs_run(&alice, &bob, &run, NULL, NULL);
	CHECK_INT(run.n, 4);
	CHECK_INT(run.step[0], HS_STEP_1);
	CHECK_INT(run.step[1], HS_STEP_2);
	CHECK_INT(run.step[2], HS_STEP_3);
	CHECK_INT(run.step[3], HS_STEP_CONFIRM);
	CHECK_INT(run.body[0].len, XX1_LEN);
	CHECK_INT(run.body[1].len, XX2_LEN);
	CHECK_INT(run.body[2].len, XX3_LEN);
	CHECK_INT(run.body[3].len, HS_CONFIRM_LEN);
	CHECK(hs_both_done(&alice, &bob));
	a = res(&alice);
	b = res(&bob);
	if (!a || !b)
		return;
	CHECK_INT(a->pattern, HS_PATTERN_XX);
	CHECK_INT(a->suite, HS_SUITE_CHACHAPOLY);
	CHECK(a->noise_initiator && !b->noise_initiator);
	CHECK(a->new_peer && b->new_peer);
	CHECK_INT(a->level, TRUST_TOFU);
	CHECK_MEM(a->peer_fpr, bob.id.id_fpr, FINGERPRINT_LEN);
	CHECK_MEM(b->peer_fpr, alice.id.id_fpr, FINGERPRINT_LEN);
	CHECK_MEM(b->device.pub, alice.id.binding.device_pub, X25519_LEN);
	CHECK_STR(b->peer_full, alice.full);
	CHECK(!a->rs_matched && !a->rs_mismatch && !b->rs_mismatch);
	CHECK(!b->pending);
	/* The session files and the trust stores. */
	CHECK_INT(side_commit(&alice), XE2E_OK);
	CHECK_INT(side_commit(&bob), XE2E_OK);
	side_reload(&alice);
	CHECK(trust_find(&alice.trust, bob.jid, bob.id.id_fpr) != NULL);
	CHECK_INT(alice.rs.n, 1);
	hs_run_free(&run);
}

TEST(handshake_xx_sizes_fixed)
{
	struct hs_run run = {0};
	size_t first[4] = {0};

	hs_pair_init(&alice, &bob);
	for (int i = 0; i < 3; i++) {
		hs_run(&alice, &bob, &run, NULL, NULL);
		CHECK_INT(run.n, 4);
		for (int m = 0; m < 4 && run.n == 4; m++) {
			if (i == 0)
				first[m] = run.body[m].len;
			CHECK_INT(run.body[m].len, first[m]);
		}
	}
	hs_run_free(&run);
}

TEST(handshake_ik_second_contact)
{
	struct hs_run run = {0};
	const struct handshake_result *a, *b;
	struct session s;

	first_contact();
	hs_run(&alice, &bob, &run, NULL, NULL);
	CHECK_INT(run.n, 2);
	CHECK_INT(run.step[0], HS_STEP_1);
	CHECK_INT(run.step[1], HS_STEP_2);
	CHECK_INT(run.body[0].len, IK1_LEN);
	CHECK_INT(run.body[1].len, IK2_LEN);
	CHECK(hs_both_done(&alice, &bob));
	a = res(&alice);
	b = res(&bob);
	if (!a || !b)
		return;
	CHECK_INT(a->pattern, HS_PATTERN_IK);
	CHECK(b->pending && !a->pending);
	CHECK(a->rs_matched && b->rs_matched);
	CHECK(!a->new_peer && !b->new_peer);
	CHECK(a->device_known && b->device_known);
	/* The IK responder's session waits for confirmation. */
	CHECK_INT(side_commit(&bob), XE2E_OK);
	side_use(&bob);
	CHECK_INT(session_read(b->session_id, &s), XE2E_OK);
	CHECK_INT(s.state, SESSION_PENDING);
	CHECK_INT(s.pending_rs_mode, SESSION_RS_ROTATE);
	CHECK_MEM(s.pending_rs, b->new_rs, 32);
	session_free(&s);
	hs_run_free(&run);
}

TEST(handshake_retained_secret_rotates)
{
	struct hs_run run = {0};
	struct rs_entry e1, e2;
	uint8_t rs_first[32];

	first_contact();
	side_use(&alice);
	CHECK_INT(rs_get(NULL, bob.id.id_fpr, load_be32(bob.id.binding.device_id), &e1), XE2E_OK);
	memcpy(rs_first, e1.secret[RS_SLOT_RS1], 32);
	/* An IK run, confirmed: rs1 becomes the new secret, rs2 the old one. */
	hs_run(&alice, &bob, &run, NULL, NULL);
	CHECK_INT(run.n, 2);
	CHECK_INT(side_commit(&alice), XE2E_OK);
	CHECK_INT(side_commit(&bob), XE2E_OK);
	side_use(&bob);
	CHECK_INT(session_confirm(res(&bob)->session_id, bob.now), XE2E_OK);
	side_use(&alice);
	CHECK_INT(rs_get(NULL, bob.id.id_fpr, load_be32(bob.id.binding.device_id), &e2), XE2E_OK);
	CHECK_MEM(e2.secret[RS_SLOT_RS2], rs_first, 32);
	CHECK_MEM(e2.secret[RS_SLOT_RS1], res(&alice)->new_rs, 32);
	side_use(&bob);
	CHECK_INT(rs_get(NULL, alice.id.id_fpr, load_be32(alice.id.binding.device_id), &e1),
		  XE2E_OK);
	CHECK_MEM(e1.secret[RS_SLOT_RS1], res(&bob)->new_rs, 32);
	CHECK_MEM(e1.secret[RS_SLOT_RS2], rs_first, 32);
	wipe(&e1, sizeof(e1));
	wipe(&e2, sizeof(e2));
	hs_run_free(&run);
}

TEST(handshake_swap)
{
	struct hs_run run = {0};

	hs_pair_init(&alice, &bob);
	bob.options = HS_OPT_PROTECT_SELF;
	hs_run(&alice, &bob, &run, NULL, NULL);
	CHECK_INT(run.n, 5);
	CHECK_INT(run.step[1], HS_STEP_SWAP);
	CHECK_INT(run.step[2], HS_STEP_2);
	CHECK_INT(run.step[3], HS_STEP_3);
	CHECK_INT(run.step[4], HS_STEP_CONFIRM);
	CHECK(!run.sender_init[1] && run.sender_init[2] && !run.sender_init[3] &&
	      run.sender_init[4]);
	CHECK(hs_both_done(&alice, &bob));
	if (res(&alice)) {
		CHECK(!res(&alice)->noise_initiator && res(&bob)->noise_initiator);
		CHECK(res(&alice)->swapped && res(&bob)->swapped);
		CHECK_MEM(res(&alice)->peer_fpr, bob.id.id_fpr, FINGERPRINT_LEN);
	}
	/* The swap body is an XX step 1: the same size. */
	CHECK_INT(run.body[1].len, XX1_LEN);
	/* Committed, Alice holds Bob's ratchet key pair r0 as the Noise responder. */
	CHECK_INT(side_commit(&alice), XE2E_OK);
	CHECK_INT(side_commit(&bob), XE2E_OK);
	hs_run_free(&run);
}

TEST(handshake_both_protect_self)
{
	struct hs_run run = {0};

	hs_pair_init(&alice, &bob);
	alice.options = bob.options = HS_OPT_PROTECT_SELF;
	hs_run(&alice, &bob, &run, NULL, NULL);
	CHECK_INT(run.n, 3);
	CHECK_INT(run.step[1], HS_STEP_SWAP);
	CHECK_INT(run.step[2], HS_STEP_ABORT);
	CHECK_INT(run.err_init, XE2E_E_STATE);
	CHECK(run.err_resp != 0);
	CHECK(!res(&alice) && !res(&bob));
	hs_run_free(&run);
}

TEST(handshake_swap_refused_after_ik)
{
	struct hs_run run = {0};
	struct handshake_msg m = HANDSHAKE_MSG_INIT, out = HANDSHAKE_MSG_INIT;

	first_contact();
	/* A swap answering Alice's IK step 1 is an error. */
	hs_pair_init(&alice, &bob);
	hs_run(&alice, &bob, &run, NULL, NULL); /* a swap body: any XX step 1 */
	first_contact();
	CHECK_INT(side_begin(&alice, 1, &bob), XE2E_OK);
	CHECK_INT(handshake_start(alice.hs, &m), XE2E_OK);
	CHECK_INT(handshake_read(alice.hs, bob.full, HS_STEP_SWAP, run.body[0].data,
				 run.body[0].len, NULL, &out),
		  XE2E_E_TRUST);
	CHECK_INT(out.step, HS_STEP_ABORT);
	CHECK_STR(out.reason, HS_REASON_TRUST);
	buf_free(&m.body);
	buf_free(&out.body);
	bob.options = HS_OPT_PROTECT_SELF;
	/* IK is answered normally: no swap after an IK step 1. */
	hs_run(&alice, &bob, &run, NULL, NULL);
	CHECK_INT(run.n, 2);
	CHECK(hs_both_done(&alice, &bob));
	hs_run_free(&run);
}

/* A forged retry to XX makes Alice send an XX step 1; she still refuses a
 * swap: she offered IK in this handshake, and she knows Bob. */
TEST(handshake_swap_refused_after_a_retry_of_ik)
{
	struct hs_run run = {0};
	struct handshake_msg m = HANDSHAKE_MSG_INIT, out = HANDSHAKE_MSG_INIT;
	struct hs_retry r = {HS_RETRY_IK_TO_XX, HS_VERSION_1, HS_SUITE_CHACHAPOLY, HS_PATTERN_XX,
			     24, {0}};
	struct buf retry = BUF_INIT;

	hs_pair_init(&alice, &bob);
	hs_run(&alice, &bob, &run, NULL, NULL); /* a swap body: any XX step 1 */
	first_contact();
	CHECK_INT(side_begin(&alice, 1, &bob), XE2E_OK);
	CHECK_INT(handshake_start(alice.hs, &m), XE2E_OK);
	CHECK_INT(hsmsg_retry_encode(&r, &retry), XE2E_OK);
	CHECK_INT(handshake_read(alice.hs, bob.full, HS_STEP_RETRY, retry.data, retry.len, NULL,
				 &out),
		  XE2E_OK);
	CHECK_INT(out.step, HS_STEP_1);
	CHECK_INT(out.body.len, XX1_LEN + 24);
	CHECK(alice.hs->sent_ik);
	CHECK_INT(handshake_read(alice.hs, bob.full, HS_STEP_SWAP, run.body[0].data,
				 run.body[0].len, NULL, &out),
		  XE2E_E_TRUST);
	CHECK_INT(out.step, HS_STEP_ABORT);
	CHECK(strstr(err_detail(), "asked to swap roles") != NULL);
	CHECK_INT(handshake_status(alice.hs), HS_FAILED);
	buf_free(&m.body);
	buf_free(&out.body);
	buf_free(&retry);
	hs_run_free(&run);
}

/* A retry to XX names the version and suite of the IK step 1 it answers. */
TEST(handshake_retry_to_xx_keeps_version_and_suite)
{
	struct handshake_msg m = HANDSHAKE_MSG_INIT, out = HANDSHAKE_MSG_INIT;
	struct hs_retry r = {HS_RETRY_IK_TO_XX, HS_VERSION_1, HS_SUITE_AESGCM, HS_PATTERN_XX,
			     24, {0}};
	struct buf retry = BUF_INIT;

	first_contact();
	CHECK_INT(side_begin(&alice, 1, &bob), XE2E_OK);
	CHECK_INT(handshake_start(alice.hs, &m), XE2E_OK);
	CHECK_INT(hsmsg_retry_encode(&r, &retry), XE2E_OK);
	CHECK_INT(handshake_read(alice.hs, bob.full, HS_STEP_RETRY, retry.data, retry.len, NULL,
				 &out),
		  XE2E_E_MALFORMED);
	CHECK_STR(err_detail(), "a retry to XX that changes the version or suite");
	buf_free(&m.body);
	buf_free(&out.body);
	buf_free(&retry);
}

/* Bob's device is unknown (expired), so Alice starts with XX, but she knows
 * Bob's identity: no swap. */
TEST(handshake_swap_refused_with_a_known_peer)
{
	struct hs_run run = {0};

	first_contact();
	for (size_t i = 0; i < alice.trust.n_peers; i++)
		for (size_t d = 0; d < alice.trust.peers[i].n_devices; d++)
			alice.trust.peers[i].devices[d].expires = 1;
	bob.options = HS_OPT_PROTECT_SELF;
	hs_run(&alice, &bob, &run, NULL, NULL);
	CHECK_INT(run.n, 3);
	CHECK_INT(run.step[0], HS_STEP_1);
	CHECK_INT(run.body[0].len, XX1_LEN);
	CHECK_INT(run.step[1], HS_STEP_SWAP);
	CHECK_INT(run.step[2], HS_STEP_ABORT);
	CHECK_INT(run.err_init, XE2E_E_TRUST);
	CHECK(!res(&alice) && !res(&bob));
	hs_run_free(&run);
}

/* One stanza of a hand-driven run: side s reads (from, step, msg) into out. */
static int deliver(struct hs_side *s, const char *from, const struct handshake_msg *msg,
		   struct handshake_msg *out)
{
	return handshake_read(s->hs, from, msg->step, msg->body.data, msg->body.len, NULL, out);
}

/* The peer's full JID comes only from a stanza that authenticated: a retry
 * or a swap from another resource changes where the next stanza goes, not
 * whom the handshake vouches for. */
TEST(handshake_peer_full_only_from_authenticated_stanzas)
{
	struct handshake_msg m1 = HANDSHAKE_MSG_INIT, m2 = HANDSHAKE_MSG_INIT;
	struct handshake_msg m3 = HANDSHAKE_MSG_INIT, m4 = HANDSHAKE_MSG_INIT;
	struct hs_retry r = {HS_RETRY_CHOICE, HS_VERSION_1, HS_SUITE_AESGCM, HS_PATTERN_XX, 24, {0}};
	struct buf retry = BUF_INIT;

	hs_pair_init(&alice, &bob);
	alice.to = "bob@montague.lit";
	bob.options = HS_OPT_PROTECT_SELF;
	CHECK_INT(side_begin(&alice, 1, &bob), XE2E_OK);
	CHECK_INT(side_begin(&bob, 0, &alice), XE2E_OK);
	CHECK_STR(handshake_peer_full(alice.hs), "bob@montague.lit");
	CHECK_STR(handshake_peer_full(bob.hs), "");
	CHECK_INT(handshake_start(alice.hs, &m1), XE2E_OK);
	/* A forged retry from another resource: Alice answers it there. */
	CHECK_INT(hsmsg_retry_encode(&r, &retry), XE2E_OK);
	CHECK_INT(handshake_read(alice.hs, "bob@montague.lit/evil", HS_STEP_RETRY, retry.data,
				 retry.len, NULL, &m1),
		  XE2E_OK);
	CHECK_STR(handshake_reply_to(alice.hs), "bob@montague.lit/evil");
	CHECK_STR(handshake_peer_full(alice.hs), "bob@montague.lit");
	/* Bob answers the re-sent step 1 (it has a cookie of nobody's: a new
	 * Bob would refuse it, so Bob starts on a fresh step 1) with a swap. */
	side_end(&alice);
	CHECK_INT(side_begin(&alice, 1, &bob), XE2E_OK);
	CHECK_INT(handshake_start(alice.hs, &m1), XE2E_OK);
	CHECK_INT(deliver(&bob, "alice@capulet.lit/one", &m1, &m2), XE2E_OK);
	CHECK_INT(m2.step, HS_STEP_SWAP);
	CHECK_STR(handshake_reply_to(bob.hs), "alice@capulet.lit/one");
	CHECK_STR(handshake_peer_full(bob.hs), "");
	CHECK_INT(deliver(&alice, "bob@montague.lit/evil", &m2, &m3), XE2E_OK);
	CHECK_INT(m3.step, HS_STEP_2);
	CHECK_STR(handshake_reply_to(alice.hs), "bob@montague.lit/evil");
	CHECK_STR(handshake_peer_full(alice.hs), "bob@montague.lit");
	/* Step 2 authenticates Alice to Bob, step 3 Bob to Alice; Bob is done
	 * at the confirmation. */
	CHECK_INT(deliver(&bob, "alice@capulet.lit/two", &m3, &m4), XE2E_OK);
	CHECK_INT(m4.step, HS_STEP_3);
	CHECK_STR(handshake_peer_full(bob.hs), "");
	CHECK_INT(deliver(&alice, "bob@montague.lit/garden", &m4, &m1), XE2E_OK);
	CHECK_STR(handshake_peer_full(alice.hs), "bob@montague.lit/garden");
	/* Alice's confirmation completes Bob's side. */
	CHECK_INT(m1.step, HS_STEP_CONFIRM);
	CHECK_INT(deliver(&bob, "alice@capulet.lit/three", &m1, &m2), XE2E_OK);
	CHECK_STR(handshake_peer_full(bob.hs), "alice@capulet.lit/three");
	CHECK(hs_both_done(&alice, &bob));
	if (res(&alice) && res(&bob)) {
		CHECK_STR(res(&alice)->peer_full, "bob@montague.lit/garden");
		CHECK_STR(res(&bob)->peer_full, "alice@capulet.lit/three");
	}
	alice.to = NULL;
	buf_free(&retry);
	buf_free(&m1.body);
	buf_free(&m2.body);
	buf_free(&m3.body);
	buf_free(&m4.body);
}

TEST(handshake_suite_retry)
{
	struct hs_run run = {0};

	hs_pair_init(&alice, &bob);
	CHECK_INT(hsnego_lists_parse_suites("AESGCM", &bob.lists), XE2E_OK);
	hs_run(&alice, &bob, &run, NULL, NULL);
	CHECK_INT(run.n, 6);
	CHECK_INT(run.step[1], HS_STEP_RETRY);
	CHECK_INT(run.step[2], HS_STEP_1);
	CHECK(hs_both_done(&alice, &bob));
	if (res(&alice)) {
		CHECK_INT(res(&alice)->suite, HS_SUITE_AESGCM);
		CHECK_INT(res(&alice)->retries, 1);
	}
	hs_run_free(&run);
}

TEST(handshake_no_common_suite)
{
	struct hs_run run = {0};

	hs_pair_init(&alice, &bob);
	CHECK_INT(hsnego_lists_parse_suites("AESGCM", &bob.lists), XE2E_OK);
	CHECK_INT(hsnego_lists_parse_suites("ChaChaPoly", &alice.lists), XE2E_OK);
	hs_run(&alice, &bob, &run, NULL, NULL);
	CHECK_INT(run.err_resp, XE2E_E_UNSUPPORTED);
	CHECK_INT(run.step[1], HS_STEP_ABORT);
	CHECK_INT(run.err_init, XE2E_E_UNSUPPORTED);
	hs_run_free(&run);
}

/* P-256 verifications of one handshake run between init and resp. */
static unsigned long verifies_of_run(struct hs_side *init, struct hs_side *resp, int want_n)
{
	struct hs_run run = {0};
	struct unit_ops before, after;

	unit_ops_get(&before);
	hs_run(init, resp, &run, NULL, NULL);
	unit_ops_get(&after);
	CHECK_INT(run.n, want_n);
	CHECK(hs_both_done(init, resp));
	hs_run_free(&run);
	return after.p256_verify - before.p256_verify;
}

/*
 * P-256 verifications (xe2e(7) HANDSHAKE, Trust decisions): first contact
 * verifies the peer's binding once on each side, IK none. After Bob
 * rotates his device key, IK falls back to XX: Alice verifies Bob's new
 * binding, while Bob, receiving Alice's credential identical to the one he
 * stored, verifies nothing.
 */
TEST(handshake_verifies_a_known_binding_once)
{
	hs_pair_init(&alice, &bob);
	CHECK_INT(verifies_of_run(&alice, &bob, 4), 2);
	CHECK_INT(side_commit(&alice), XE2E_OK);
	CHECK_INT(side_commit(&bob), XE2E_OK);
	side_reload(&alice);
	side_reload(&bob);
	CHECK_INT(verifies_of_run(&alice, &bob, 2), 0);
	side_use(&bob);
	identity_free(&bob.id);
	CHECK_INT(identity_rotate_device(NULL, bob.now, &bob.id), XE2E_OK);
	identity_free(&bob.id);
	CHECK_INT(identity_load(&bob.id, IDENTITY_LOAD_DEVICE_KEY, NULL, bob.now), XE2E_OK);
	CHECK_INT(verifies_of_run(&alice, &bob, 6), 1);
}

TEST(handshake_ik_to_xx_after_rotation)
{
	struct hs_run run = {0};

	first_contact();
	side_use(&bob);
	identity_free(&bob.id);
	CHECK_INT(identity_rotate_device(NULL, bob.now, &bob.id), XE2E_OK);
	identity_free(&bob.id);
	CHECK_INT(identity_load(&bob.id, IDENTITY_LOAD_DEVICE_KEY, NULL, bob.now), XE2E_OK);
	hs_run(&alice, &bob, &run, NULL, NULL);
	CHECK_INT(run.n, 6);
	CHECK_INT(run.step[1], HS_STEP_RETRY);
	CHECK_INT(run.body[1].data[0], HS_RETRY_IK_TO_XX);
	CHECK_INT(run.body[2].len, XX1_LEN + 24);
	CHECK(hs_both_done(&alice, &bob));
	if (res(&alice)) {
		CHECK_INT(res(&alice)->pattern, HS_PATTERN_XX);
		/* The same device id keeps its retained secret across rotation. */
		CHECK(res(&alice)->rs_matched && res(&bob)->rs_matched);
		CHECK_MEM(res(&alice)->device.pub, bob.id.binding.device_pub, X25519_LEN);
		CHECK_INT(side_commit(&alice), XE2E_OK);
	}
	hs_run_free(&run);
}

/* ---- PSKs and retained secrets ---- */

TEST(handshake_psk_match_and_mismatch)
{
	struct hs_run run = {0};

	hs_pair_init(&alice, &bob);
	memset(alice.psk, 0x42, 32);
	memset(bob.psk, 0x42, 32);
	alice.have_psk = bob.have_psk = 1;
	hs_run(&alice, &bob, &run, NULL, NULL);
	CHECK(hs_both_done(&alice, &bob));
	bob.psk[31] ^= 1;
	hs_run(&alice, &bob, &run, NULL, NULL);
	CHECK_INT(run.n, 3);
	CHECK_INT(run.err_init, XE2E_E_TRUST);
	CHECK(!res(&alice) && !res(&bob));
	/* One side without a PSK is a mismatch too. */
	bob.have_psk = 0;
	hs_run(&alice, &bob, &run, NULL, NULL);
	CHECK_INT(run.err_init, XE2E_E_TRUST);
	hs_run_free(&run);
}

TEST(handshake_psk_mismatch_ik)
{
	struct hs_run run = {0};

	first_contact();
	memset(alice.psk, 7, 32);
	alice.have_psk = 1;
	/* IK cannot be read: retry to XX, where Alice finds the mismatch. */
	hs_run(&alice, &bob, &run, NULL, NULL);
	CHECK_INT(run.step[1], HS_STEP_RETRY);
	CHECK_INT(run.err_init, XE2E_E_TRUST);
	CHECK(!res(&alice) && !res(&bob));
	hs_run_free(&run);
}

/* Bob loses his retained secrets (a restored state tree). */
static void bob_forgets_rs(void)
{
	side_use(&bob);
	CHECK_INT(rs_forget(NULL, alice.id.id_fpr, load_be32(alice.id.binding.device_id)),
		  XE2E_OK);
	side_reload(&bob);
}

TEST(handshake_rs_mismatch_tofu_flagged)
{
	struct hs_run run = {0};
	struct trust_peer *p;

	first_contact();
	bob_forgets_rs();
	hs_run(&alice, &bob, &run, NULL, NULL);
	CHECK_INT(run.n, 6); /* IK unreadable, then XX */
	CHECK(hs_both_done(&alice, &bob));
	if (!res(&alice))
		return;
	CHECK(res(&alice)->rs_mismatch);
	CHECK(!res(&bob)->rs_mismatch);
	CHECK_INT(side_commit(&alice), XE2E_OK);
	side_reload(&alice);
	p = trust_find(&alice.trust, bob.jid, bob.id.id_fpr);
	CHECK(p && (p->flags & TRUST_FLAG_RS_RESET));
	/* The new secret went to the provisional slot. */
	CHECK_INT(alice.rs.n, 1);
	CHECK(alice.rs.n && (alice.rs.entries[0].present & (1u << RS_SLOT_PROVISIONAL)));
	hs_run_free(&run);
}

TEST(handshake_rs_mismatch_verified_refused)
{
	struct hs_run run = {0};

	first_contact();
	bob_forgets_rs();
	CHECK_INT(trust_peer_set_level(&alice.trust, bob.jid, bob.id.id_fpr, TRUST_VERIFIED),
		  XE2E_OK);
	hs_run(&alice, &bob, &run, NULL, NULL);
	CHECK_INT(run.err_init, XE2E_E_TRUST);
	CHECK_INT(handshake_failure(alice.hs), HS_FAIL_RS_MISMATCH);
	CHECK_INT(handshake_failure(bob.hs), HS_FAIL_PEER_RS_MISMATCH);
	CHECK(!res(&alice) && !res(&bob));
	alice.options = HS_OPT_ACCEPT_RS_RESET;
	hs_run(&alice, &bob, &run, NULL, NULL);
	CHECK(hs_both_done(&alice, &bob));
	CHECK(res(&alice) && res(&alice)->rs_mismatch);
	hs_run_free(&run);
}

TEST(handshake_rs_mismatch_ik_responder)
{
	struct hs_run run = {0};

	first_contact();
	/* Alice loses hers: her IK uses no rs, Bob held one. */
	side_use(&alice);
	CHECK_INT(rs_forget(NULL, bob.id.id_fpr, load_be32(bob.id.binding.device_id)), XE2E_OK);
	side_reload(&alice);
	hs_run(&alice, &bob, &run, NULL, NULL);
	CHECK_INT(run.n, 2);
	CHECK(hs_both_done(&alice, &bob));
	CHECK(res(&bob) && res(&bob)->rs_mismatch);
	CHECK_INT(trust_peer_set_level(&bob.trust, alice.jid, alice.id.id_fpr, TRUST_PINNED),
		  XE2E_OK);
	hs_run(&alice, &bob, &run, NULL, NULL);
	CHECK_INT(run.err_resp, XE2E_E_TRUST);
	CHECK_INT(run.err_init, XE2E_E_TRUST);
	hs_run_free(&run);
}

/* ---- identity keys ---- */

static void bob_new_identity(void)
{
	side_use(&bob);
	identity_free(&bob.id);
	CHECK_INT(identity_create(bob.jid, NULL, bob.now, 1, &bob.id), XE2E_OK);
	identity_free(&bob.id);
	CHECK_INT(identity_load(&bob.id, IDENTITY_LOAD_DEVICE_KEY, NULL, bob.now), XE2E_OK);
}

TEST(handshake_key_change)
{
	struct hs_run run = {0};
	uint8_t old_fpr[FINGERPRINT_LEN];
	struct trust_peer *p;

	first_contact();
	memcpy(old_fpr, bob.id.id_fpr, FINGERPRINT_LEN);
	bob_new_identity();
	hs_run(&alice, &bob, &run, NULL, NULL);
	CHECK_INT(run.err_init, XE2E_E_TRUST);
	CHECK(!res(&alice));
	alice.options = HS_OPT_ACCEPT_NEW_KEY;
	hs_run(&alice, &bob, &run, NULL, NULL);
	CHECK(hs_both_done(&alice, &bob));
	if (!res(&alice))
		return;
	CHECK(res(&alice)->key_changed);
	CHECK_INT(side_commit(&alice), XE2E_OK);
	side_reload(&alice);
	p = trust_find(&alice.trust, bob.jid, old_fpr);
	CHECK(p && p->level == TRUST_REVOKED);
	p = trust_find(&alice.trust, bob.jid, bob.id.id_fpr);
	CHECK(p && p->level == TRUST_TOFU);
	hs_run_free(&run);
}

/* Alice lost everything about Bob (a restore, or forget): first contact
 * for her, XX; Bob, who verified her and holds a retained secret, refuses
 * at step 3, and Alice, who decided at step 2, hears why. */
TEST(handshake_rs_mismatch_refused_by_the_responder_is_heard)
{
	struct hs_run run = {0};

	first_contact();
	CHECK_INT(trust_peer_set_level(&bob.trust, alice.jid, alice.id.id_fpr, TRUST_VERIFIED),
		  XE2E_OK);
	trust_free(&alice.trust);
	rs_free(&alice.rs);
	hs_run(&alice, &bob, &run, NULL, NULL);
	CHECK_INT(run.n, 4);
	CHECK_INT(run.step[2], HS_STEP_3);
	CHECK_INT(run.step[3], HS_STEP_ABORT);
	CHECK_INT(run.err_resp, XE2E_E_TRUST);
	CHECK_INT(run.err_init, XE2E_E_TRUST);
	CHECK_INT(handshake_failure(bob.hs), HS_FAIL_RS_MISMATCH);
	CHECK_INT(handshake_failure(alice.hs), HS_FAIL_PEER_RS_MISMATCH);
	CHECK(strstr(err_detail(), "it holds a retained secret") != NULL);
	CHECK(!res(&alice) && !res(&bob));
	/* IK with her retained secrets lost only: Bob refuses at step 1. */
	side_reload(&alice);
	rs_free(&alice.rs);
	hs_run(&alice, &bob, &run, NULL, NULL);
	CHECK_INT(run.n, 2);
	CHECK_INT(run.step[1], HS_STEP_ABORT);
	CHECK_INT(handshake_failure(bob.hs), HS_FAIL_RS_MISMATCH);
	CHECK_INT(handshake_failure(alice.hs), HS_FAIL_PEER_RS_MISMATCH);
	hs_run_free(&run);
}

/* Both sides started (--to): each gets the other's step 1. */
TEST(handshake_both_initiators_told_so)
{
	struct handshake_msg a1 = HANDSHAKE_MSG_INIT, b1 = HANDSHAKE_MSG_INIT;
	struct handshake_msg out = HANDSHAKE_MSG_INIT;

	hs_pair_init(&alice, &bob);
	CHECK_INT(side_begin(&alice, 1, &bob), XE2E_OK);
	CHECK_INT(side_begin(&bob, 1, &alice), XE2E_OK);
	CHECK_INT(handshake_start(alice.hs, &a1), XE2E_OK);
	CHECK_INT(handshake_start(bob.hs, &b1), XE2E_OK);
	CHECK_INT(deliver(&alice, bob.full, &b1, &out), XE2E_E_MALFORMED);
	CHECK_INT(handshake_failure(alice.hs), HS_FAIL_BOTH_INITIATORS);
	CHECK(strstr(err_detail(), "both sides started a handshake") != NULL);
	CHECK_INT(out.step, HS_STEP_ABORT);
	buf_free(&a1.body);
	buf_free(&b1.body);
	buf_free(&out.body);
}

TEST(handshake_pinned_key_change_refused)
{
	struct hs_run run = {0};

	first_contact();
	CHECK_INT(trust_peer_set_level(&alice.trust, bob.jid, bob.id.id_fpr, TRUST_PINNED),
		  XE2E_OK);
	bob_new_identity();
	alice.options = HS_OPT_ACCEPT_NEW_KEY;
	hs_run(&alice, &bob, &run, NULL, NULL);
	CHECK_INT(run.err_init, XE2E_E_TRUST);
	CHECK(!res(&alice) && !res(&bob));
	hs_run_free(&run);
}

TEST(handshake_revoked_refused)
{
	struct hs_run run = {0};

	first_contact();
	CHECK_INT(trust_peer_set_level(&bob.trust, alice.jid, alice.id.id_fpr, TRUST_REVOKED),
		  XE2E_OK);
	trust_free(&alice.trust); /* XX: Bob decides on step 3 */
	hs_run(&alice, &bob, &run, NULL, NULL);
	CHECK_INT(run.n, 4);
	CHECK_INT(run.step[3], HS_STEP_ABORT);
	CHECK_INT(run.err_resp, XE2E_E_TRUST);
	/* Alice, who decided at step 2, learns it from the abort. */
	CHECK_INT(run.err_init, XE2E_E_TRUST);
	CHECK(!res(&bob) && !res(&alice));
	hs_run_free(&run);
}

TEST(handshake_responder_from_limits)
{
	struct hs_run run = {0};

	hs_pair_init(&alice, &bob);
	bob.from_only = "carol@example.org";
	hs_run(&alice, &bob, &run, NULL, NULL);
	CHECK_INT(run.n, 2);
	CHECK_INT(run.err_resp, XE2E_E_TRUST);
	CHECK_INT(run.step[1], HS_STEP_ABORT);
	bob.from_only = "Alice@Capulet.lit";
	hs_run(&alice, &bob, &run, NULL, NULL);
	CHECK(hs_both_done(&alice, &bob));
	hs_run_free(&run);
}

/* ---- derivations ---- */

TEST(handshake_derivations)
{
	struct hs_run run = {0};
	struct session s;
	const struct handshake_result *a, *b;

	hs_pair_init(&alice, &bob);
	hs_run(&alice, &bob, &run, NULL, NULL);
	a = res(&alice);
	b = res(&bob);
	CHECK(a && b);
	if (!a || !b)
		return;
	CHECK_MEM(a->root_key, b->root_key, 32);
	CHECK_MEM(a->handshake_hash, b->handshake_hash, 32);
	CHECK_MEM(a->session_id, b->session_id, 16);
	CHECK_MEM(a->chain_key, b->chain_key, 32);
	CHECK_MEM(a->new_rs, b->new_rs, 32);
	/* The labels separate the derived values. */
	CHECK(memcmp(a->root_key, a->new_rs, 32) != 0);
	CHECK(memcmp(a->root_key, a->chain_key, 32) != 0);
	CHECK(memcmp(a->session_id, a->root_key, 16) != 0);
	/* The responder's r0 private key belongs to the public key Alice got. */
	{
		uint8_t pub[32];

		CHECK_INT(x25519_public(pub, b->r0_priv), XE2E_OK);
		CHECK_MEM(pub, a->r0_pub, 32);
	}
	/* The session files hold the ratchets started from the handover:
	 * the initiator with r0 as the peer's key, the responder with the pair. */
	CHECK_INT(side_commit(&alice), XE2E_OK);
	CHECK_INT(side_commit(&bob), XE2E_OK);
	side_use(&alice);
	CHECK_INT(session_read(a->session_id, &s), XE2E_OK);
	CHECK(!s.has_peer_ratchet && !s.has_own_ratchet);
	CHECK(ratchet_started_from(&s, RATCHET_INITIATOR, b));
	CHECK_INT(s.role, SESSION_INITIATOR);
	session_free(&s);
	side_use(&bob);
	CHECK_INT(session_read(b->session_id, &s), XE2E_OK);
	CHECK(!s.has_peer_ratchet && !s.has_own_ratchet);
	CHECK(ratchet_started_from(&s, RATCHET_RESPONDER, b));
	CHECK_INT(s.role, SESSION_RESPONDER);
	CHECK_INT(s.state, SESSION_ACTIVE);
	session_free(&s);
	hs_run_free(&run);
}
