/* Verification runs through real sessions (verify_wire.h, verify_record.h):
 * two homes after a real handshake, control stanzas sealed and opened with
 * the channel, a forged reveal sealed by the initiator, stanzas that are
 * skipped or refused, and what the outcomes record. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "handshake_fixture.h"
#include "secrets.h"
#include "session.h"
#include "ratchet.h"
#include "spake2.h"
#include "store.h"
#include "trust.h"
#include "unit.h"
#include "util.h"
#include "verify_record.h"
#include "verify_sas.h"
#include "verify_spake2.h"
#include "verify_wire.h"
#include "xml.h"

static struct hs_side alice, bob;

struct end {
	struct hs_side *side;
	struct verify_peer peer;
	struct verify_wire wire;
};

static struct end ea, eb;

/* A first-contact session between alice (initiator) and bob, and a wire
 * at each end. */
static void pair_up(void)
{
	hs_pair_known(&alice, &bob);
	ea.side = &alice;
	eb.side = &bob;
	side_use(&alice);
	CHECK_INT(verify_peer_load("bob@montague.lit/garden", &ea.peer), XE2E_OK);
	CHECK_INT(verify_wire_init(&ea.wire, ea.peer.session_id, "balcony"), XE2E_OK);
	side_use(&bob);
	CHECK_INT(verify_peer_load("Alice@Capulet.lit", &eb.peer), XE2E_OK);
	CHECK_INT(verify_wire_init(&eb.wire, eb.peer.session_id, NULL), XE2E_OK);
	CHECK_INT(ea.peer.role, SESSION_INITIATOR);
	CHECK_INT(eb.peer.role, SESSION_RESPONDER);
	CHECK_MEM(ea.peer.hh, eb.peer.hh, SESSION_HASH_LEN);
	CHECK_MEM(ea.peer.fpr, eb.peer.self_fpr, FINGERPRINT_LEN);
	CHECK_MEM(eb.peer.fpr, ea.peer.self_fpr, FINGERPRINT_LEN);
	CHECK_STR(eb.peer.jid, "alice@capulet.lit");
}

static void ends_release(void)
{
	side_use(&alice);
	CHECK_INT(verify_wire_release(&ea.wire), XE2E_OK);
	side_use(&bob);
	CHECK_INT(verify_wire_release(&eb.wire), XE2E_OK);
}

/* The stanza as it travels: serialized and parsed again. */
static struct xml_node *travel(const struct xml_node *st)
{
	struct buf b = BUF_INIT;
	struct xml_node *out = NULL;

	CHECK_INT(xml_serialize(st, &b), XE2E_OK);
	CHECK_INT(xml_parse_element((const char *)b.data, b.len, NULL, &out), XE2E_OK);
	buf_free(&b);
	return out;
}

/* Seals m at from; the stanza on the wire (caller frees). */
static struct xml_node *seal(struct end *from, const struct verify_msg *m, uint32_t *epoch)
{
	struct xml_node *st = NULL, *wire;

	side_use(from->side);
	CHECK_INT(verify_wire_seal(&from->wire, m, (uint64_t)time(NULL), &st, epoch), XE2E_OK);
	wire = st ? travel(st) : NULL;
	xml_free(st);
	return wire;
}

static int open_at(struct end *to, const struct xml_node *st, struct verify_msg *m,
		   uint32_t *epoch, int *authentic)
{
	side_use(to->side);
	return verify_wire_open(&to->wire, st, (uint64_t)time(NULL), m, epoch, authentic);
}

/* Carries m from one end to the other; *in gets what arrived. */
static void carry(struct end *from, struct end *to, const struct verify_msg *m,
		  struct verify_msg *in, uint32_t *epoch)
{
	struct xml_node *st = seal(from, m, NULL);
	int authentic = 0;

	CHECK(st != NULL);
	if (!st)
		return;
	CHECK_INT(open_at(to, st, in, epoch, &authentic), XE2E_OK);
	CHECK_INT(authentic, 1);
	CHECK_INT(in->step, m->step);
	CHECK_INT(in->len, m->len);
	CHECK_MEM(in->body, m->body, m->len);
	xml_free(st);
}

static enum trust_level level_at(struct hs_side *side, const char *jid,
				 const uint8_t fpr[static FINGERPRINT_LEN])
{
	struct trust_db db = TRUST_DB_INIT;
	struct trust_peer *p;
	enum trust_level level = 0;

	side_use(side);
	CHECK_INT(trust_load(NULL, &db), XE2E_OK);
	p = trust_find(&db, jid, fpr);
	if (p)
		level = p->level;
	trust_free(&db);
	return level;
}

/* A SAS run through the sessions; flip changes the initiator's reveal
 * before it is sealed. */
static void sas_through_sessions(int flip, enum verify_outcome *oa, enum verify_outcome *ob)
{
	struct verify_sas a, b;
	struct verify_msg m, in, out;
	char ca[SAS_TEXT_LEN], cb[SAS_TEXT_LEN];

	CHECK_INT(verify_sas_start(&a, SAS_INITIATOR, ea.peer.hh, &m), XE2E_OK);
	CHECK_INT(verify_sas_start(&b, SAS_RESPONDER, eb.peer.hh, &out), XE2E_OK);
	carry(&ea, &eb, &m, &in, NULL);                           /* commit */
	CHECK_INT(verify_sas_receive(&b, &in, &out), XE2E_OK);
	carry(&eb, &ea, &out, &in, NULL);                         /* nonce */
	CHECK_INT(verify_sas_receive(&a, &in, &out), XE2E_OK);
	CHECK_INT(out.step, VERIFY_SAS_REVEAL);
	if (flip)
		out.body[flip % 32] ^= 0x20;
	carry(&ea, &eb, &out, &in, NULL);                         /* reveal */
	CHECK_INT(verify_sas_receive(&b, &in, &m), XE2E_OK);
	CHECK_INT(verify_sas_code(&a, ca), XE2E_OK);
	if (!flip) {
		CHECK_INT(verify_sas_code(&b, cb), XE2E_OK);
		CHECK_STR(ca, cb);
		CHECK_INT(verify_sas_check(&b, ca), XE2E_OK);
		CHECK_INT(verify_sas_decide(&b, VERIFY_ANSWER_YES, 0, &m), XE2E_OK);
	}
	CHECK_INT(m.step, VERIFY_STEP_RESULT);
	CHECK_INT(verify_sas_decide(&a, VERIFY_ANSWER_YES, 0, &out), XE2E_OK);
	carry(&ea, &eb, &out, &in, NULL);                         /* results */
	CHECK_INT(verify_sas_receive(&b, &in, &out), XE2E_OK);
	carry(&eb, &ea, &m, &in, NULL);
	CHECK_INT(verify_sas_receive(&a, &in, &out), XE2E_OK);
	*oa = verify_sas_outcome(&a);
	*ob = verify_sas_outcome(&b);
	verify_sas_wipe(&a);
	verify_sas_wipe(&b);
}

TEST(verify_wire_sas_match_recorded_on_both_sides)
{
	enum verify_outcome oa, ob;
	enum trust_level level;
	struct session s;

	pair_up();
	CHECK_INT(level_at(&alice, "bob@montague.lit", ea.peer.fpr), TRUST_TOFU);
	sas_through_sessions(0, &oa, &ob);
	CHECK_INT(oa, VERIFY_OUTCOME_MATCH);
	CHECK_INT(ob, VERIFY_OUTCOME_MATCH);
	side_use(&alice);
	CHECK_INT(verify_record_match(&ea.peer, &level), XE2E_OK);
	CHECK_INT(level, TRUST_VERIFIED);
	side_use(&bob);
	CHECK_INT(verify_record_match(&eb.peer, &level), XE2E_OK);
	CHECK_INT(level_at(&alice, "bob@montague.lit", ea.peer.fpr), TRUST_VERIFIED);
	CHECK_INT(level_at(&bob, "alice@capulet.lit", eb.peer.fpr), TRUST_VERIFIED);
	/* the session knows it too */
	side_use(&bob);
	memset(&s, 0, sizeof(s));
	CHECK_INT(session_read(eb.peer.session_id, &s), XE2E_OK);
	CHECK_INT(s.trust, TRUST_VERIFIED);
	session_free(&s);
	/* the sessions go on: another run after the first */
	sas_through_sessions(0, &oa, &ob);
	CHECK_INT(oa, VERIFY_OUTCOME_MATCH);
	ends_release();
}

TEST(verify_wire_forged_reveal_recorded_as_mismatch)
{
	enum verify_outcome oa, ob;

	pair_up();
	sas_through_sessions(7, &oa, &ob);
	CHECK_INT(ob, VERIFY_OUTCOME_MISMATCH);
	CHECK_INT(oa, VERIFY_OUTCOME_MISMATCH);
	side_use(&bob);
	CHECK_INT(verify_record_mismatch(&eb.peer), XE2E_OK);
	CHECK_INT(level_at(&bob, "alice@capulet.lit", eb.peer.fpr), TRUST_MISMATCH);
	ends_release();
}

static int revoke_apply(struct trust_db *db, void *arg)
{
	const struct verify_peer *p = arg;

	return trust_peer_set_level(db, p->jid, p->fpr, TRUST_REVOKED);
}

TEST(verify_wire_cas_refuses_a_changed_device_key_and_keeps_revocations)
{
	enum trust_level level;

	pair_up();
	side_use(&alice);
	ea.peer.device_key[0] ^= 1; /* the key the session saw is not the stored one */
	CHECK_INT(verify_record_match(&ea.peer, &level), XE2E_E_TRUST);
	CHECK_INT(level_at(&alice, "bob@montague.lit", ea.peer.fpr), TRUST_TOFU);
	ea.peer.device_key[0] ^= 1;
	ea.peer.device_id ^= 1; /* nor is the device id */
	CHECK_INT(verify_record_match(&ea.peer, &level), XE2E_E_TRUST);
	ea.peer.device_id ^= 1;
	/* a revoked identity stays revoked: no match, no mismatch over it */
	side_use(&alice);
	CHECK_INT(trust_update(NULL, revoke_apply, &ea.peer), XE2E_OK);
	CHECK_INT(verify_record_match(&ea.peer, &level), XE2E_E_TRUST);
	CHECK_INT(verify_record_mismatch(&ea.peer), XE2E_OK);
	CHECK_INT(level_at(&alice, "bob@montague.lit", ea.peer.fpr), TRUST_REVOKED);
	/* an identity the store does not hold */
	ea.peer.fpr[0] ^= 1;
	side_use(&alice);
	CHECK_INT(verify_record_mismatch(&ea.peer), XE2E_E_NOTFOUND);
	ends_release();
}

TEST(verify_wire_skips_and_refuses_foreign_stanzas)
{
	struct verify_msg m, in;
	struct xml_node *st, *plain = NULL;
	static const char text[] = "<message to='bob@montague.lit/garden' "
				   "from='alice@capulet.lit/balcony' type='chat'><body>hi</body></message>";
	int authentic;
	char *b64;

	pair_up();
	verify_msg_result(&m, VERIFY_SAS, VERIFY_ANSWER_YES, 0);
	/* plaintext */
	CHECK_INT(xml_parse_element(text, strlen(text), NULL, &plain), XE2E_OK);
	CHECK_INT(open_at(&eb, plain, &in, NULL, &authentic), XE2E_E_NOTFOUND);
	xml_free(plain);
	/* a sealed stanza from someone else */
	st = seal(&ea, &m, NULL);
	CHECK_INT(xml_set_attr(st, "from", "mallory@capulet.lit/x"), XE2E_OK);
	CHECK_INT(open_at(&eb, st, &in, NULL, &authentic), XE2E_E_NOTFOUND);
	xml_free(st);
	/* tampered on the way: refused, unauthentic, nothing changed */
	st = seal(&ea, &m, NULL);
	b64 = st->children[0]->children[0]->text;
	b64[20] = b64[20] == 'A' ? 'B' : 'A';
	CHECK_INT(open_at(&eb, st, &in, NULL, &authentic), XE2E_E_AUTH);
	CHECK_INT(authentic, 0);
	xml_free(st);
	/* a good one still opens; its replay is refused */
	st = seal(&ea, &m, NULL);
	CHECK_INT(open_at(&eb, st, &in, NULL, &authentic), XE2E_OK);
	CHECK_INT(in.answer, VERIFY_ANSWER_YES);
	CHECK_INT(open_at(&eb, st, &in, NULL, &authentic), XE2E_E_REPLAY);
	CHECK_INT(authentic, 0);
	/* the same stanza reflected to its sender */
	CHECK_INT(open_at(&ea, st, &in, NULL, &authentic), XE2E_E_NOTFOUND);
	xml_free(st);
	/* a bounce */
	st = seal(&ea, &m, NULL);
	CHECK_INT(xml_set_attr(st, "type", "error"), XE2E_OK);
	CHECK_INT(xml_append_child(st, xml_element_new("error", XML_NS_CLIENT)), XE2E_OK);
	CHECK_INT(open_at(&eb, st, &in, NULL, &authentic), XE2E_E_NOTFOUND);
	xml_free(st);
	ends_release();
}

/* What a shared-secret run may also do: lose a's last stanza (sealed,
 * never delivered), and tell the epoch each side's confirmations named
 * (0 when it did not succeed). */
struct spake2_extra {
	int lose_last;
	uint32_t epoch_a, epoch_b;
};

/* A shared-secret run through the sessions, epochs from the headers. */
static void spake2_through_sessions(const char *sa, const char *sb, enum verify_outcome *oa,
				    enum verify_outcome *ob, uint8_t ka[static SPAKE2_KEY_LEN],
				    uint8_t kb[static SPAKE2_KEY_LEN], struct spake2_extra *x)
{
	struct verify_spake2 a, b;
	struct spake2_params pa = {sa, strlen(sa), ea.peer.hh, 1000, ea.peer.self_fpr,
				   ea.peer.fpr, 0};
	struct spake2_params pb = {sb, strlen(sb), eb.peer.hh, 1000, eb.peer.fpr,
				   eb.peer.self_fpr, 0};
	struct verify_msg m, in, out;
	struct xml_node *st;
	uint32_t sent = 0, seen = 0;

	CHECK_INT(verify_spake2_start(&a, SPAKE2_ROLE_A, &pa, &m), XE2E_OK);
	CHECK_INT(verify_spake2_start(&b, SPAKE2_ROLE_B, &pb, &out), XE2E_OK);
	st = seal(&ea, &m, &sent);
	CHECK_INT(verify_spake2_start_sent(&a, sent), XE2E_OK);
	CHECK_INT(open_at(&eb, st, &in, &seen, NULL), XE2E_OK);
	CHECK_INT(seen, sent);
	CHECK(sent >= 1); /* the initiator's epochs start at 1 */
	xml_free(st);
	CHECK_INT(verify_spake2_receive(&b, &in, seen, &out), XE2E_OK);        /* share */
	carry(&eb, &ea, &out, &in, NULL);
	CHECK_INT(verify_spake2_receive(&a, &in, 0, &out), XE2E_OK);           /* share-confirm */
	carry(&ea, &eb, &out, &in, NULL);
	CHECK_INT(verify_spake2_receive(&b, &in, 0, &out), XE2E_OK);           /* confirm or no */
	carry(&eb, &ea, &out, &in, NULL);
	CHECK_INT(verify_spake2_receive(&a, &in, 0, &out), XE2E_OK);
	if (out.step == VERIFY_STEP_RESULT && x && x->lose_last) {
		xml_free(seal(&ea, &out, NULL));
	} else if (out.step == VERIFY_STEP_RESULT) {                           /* a's result */
		carry(&ea, &eb, &out, &in, NULL);
		CHECK_INT(verify_spake2_receive(&b, &in, 0, &out), XE2E_OK);
	}
	*oa = verify_spake2_outcome(&a);
	*ob = verify_spake2_outcome(&b);
	verify_spake2_key(&a, ka);
	verify_spake2_key(&b, kb);
	if (x) {
		x->epoch_a = x->epoch_b = 0;
		verify_spake2_epoch(&a, &x->epoch_a);
		verify_spake2_epoch(&b, &x->epoch_b);
	}
	verify_spake2_wipe(&a);
	verify_spake2_wipe(&b);
}

static void rs1_at(struct hs_side *side, const struct verify_peer *p, uint8_t rs[static RS_LEN])
{
	struct rs_entry e;

	side_use(side);
	CHECK_INT(rs_get(NULL, p->fpr, p->device_id, &e), XE2E_OK);
	CHECK(e.present & 1u);
	memcpy(rs, e.secret[RS_SLOT_RS1], RS_LEN);
	wipe(&e, sizeof(e));
}

TEST(verify_wire_spake2_mixes_the_key_into_rs1)
{
	enum verify_outcome oa, ob;
	uint8_t ka[SPAKE2_KEY_LEN] = {0}, kb[SPAKE2_KEY_LEN] = {0};
	uint8_t before_a[RS_LEN], before_b[RS_LEN], after_a[RS_LEN], after_b[RS_LEN];
	uint8_t want[RS_LEN];
	enum trust_level level;

	pair_up();
	spake2_through_sessions("Verona", "Mantua", &oa, &ob, ka, kb, NULL);
	CHECK_INT(oa, VERIFY_OUTCOME_FAILED);
	CHECK_INT(ob, VERIFY_OUTCOME_FAILED);
	spake2_through_sessions("Verona", "Verona", &oa, &ob, ka, kb, NULL);
	CHECK_INT(oa, VERIFY_OUTCOME_MATCH);
	CHECK_INT(ob, VERIFY_OUTCOME_MATCH);
	CHECK_MEM(ka, kb, SPAKE2_KEY_LEN);
	rs1_at(&alice, &ea.peer, before_a);
	rs1_at(&bob, &eb.peer, before_b);
	CHECK_MEM(before_a, before_b, RS_LEN);
	side_use(&alice);
	CHECK_INT(verify_record_match(&ea.peer, &level), XE2E_OK);
	CHECK_INT(verify_record_mix(&ea.peer, ka), XE2E_OK);
	side_use(&bob);
	CHECK_INT(verify_record_match(&eb.peer, &level), XE2E_OK);
	CHECK_INT(verify_record_mix(&eb.peer, kb), XE2E_OK);
	rs1_at(&alice, &ea.peer, after_a);
	rs1_at(&bob, &eb.peer, after_b);
	CHECK_MEM(after_a, after_b, RS_LEN);
	CHECK_INT(spake2_mix_rs(before_a, ka, want), XE2E_OK);
	CHECK_MEM(after_a, want, RS_LEN);
	CHECK(memcmp(after_a, before_a, RS_LEN) != 0);
	ends_release();
}

/* ---- the SPAKE2 key in the ratchet ---- */

static void ratchet_at(struct end *e, struct ratchet_info *info)
{
	struct store_lock lock;
	struct session s;

	memset(info, 0, sizeof(*info));
	memset(&s, 0, sizeof(s));
	side_use(e->side);
	CHECK_INT(session_lock(e->peer.session_id, &lock), XE2E_OK);
	CHECK_INT(session_read(e->peer.session_id, &s), XE2E_OK);
	if (s.ratchet)
		ratchet_info_get(s.ratchet, info);
	session_free(&s);
	store_unlock(&lock);
}

static char *session_text(struct end *e, size_t *len)
{
	char path[STORE_PATH_MAX];

	side_use(e->side);
	CHECK_INT(session_path(e->peer.session_id, ".session", path), XE2E_OK);
	return unit_read_file(path, len);
}

/* A control message to carry around: any will do. */
static void filler(struct verify_msg *m)
{
	verify_msg_result(m, VERIFY_SAS, VERIFY_ANSWER_UNCHECKED, VERIFY_REASON_NONE);
}

/* A run with a DH step at every turn (the wires' interval 0): the
 * stanzas of the run take root steps up to 2E + 3; both sides store the
 * mix for 2E + 4, which the responder's next stanza takes, and the
 * stanzas go on opening both ways across more steps. */
TEST(verify_wire_spake2_mixes_the_key_into_one_ratchet_step)
{
	struct spake2_extra x = {0, 0, 0};
	enum verify_outcome oa, ob;
	uint8_t ka[SPAKE2_KEY_LEN] = {0}, kb[SPAKE2_KEY_LEN] = {0};
	struct ratchet_info ia, ib;
	struct verify_msg m, in;
	uint64_t sa = 0, sb = 0, s = 0;

	pair_up();
	ea.wire.ch.opts.step_interval = 0;
	eb.wire.ch.opts.step_interval = 0;
	spake2_through_sessions("Verona", "Verona", &oa, &ob, ka, kb, &x);
	CHECK_INT(oa, VERIFY_OUTCOME_MATCH);
	CHECK_INT(ob, VERIFY_OUTCOME_MATCH);
	CHECK(x.epoch_a >= 1);
	CHECK_INT(x.epoch_a, x.epoch_b);
	ratchet_at(&ea, &ia);
	ratchet_at(&eb, &ib);
	CHECK_INT(ia.root_step, 2 * (uint64_t)x.epoch_a + 3);
	CHECK_INT(ib.root_step, ia.root_step);
	side_use(&alice);
	CHECK_INT(channel_mix_spake2(&ea.wire.ch, x.epoch_a, ka, &sa), XE2E_OK);
	side_use(&bob);
	CHECK_INT(channel_mix_spake2(&eb.wire.ch, x.epoch_b, kb, &sb), XE2E_OK);
	CHECK_INT(sa, 2 * (uint64_t)x.epoch_a + 4);
	CHECK_INT(sb, sa);
	ratchet_at(&ea, &ia);
	CHECK(ia.has_mix && ia.mix_step == sa);
	filler(&m);
	for (int i = 0; i < 4; i++) {
		carry(&eb, &ea, &m, &in, NULL);
		carry(&ea, &eb, &m, &in, NULL);
	}
	ratchet_at(&ea, &ia);
	ratchet_at(&eb, &ib);
	CHECK(!ia.has_mix && !ib.has_mix);
	CHECK(ia.root_step >= sa + 7);
	CHECK_INT(ib.root_step, ia.root_step);
	/* the step is behind now: too late for a mix */
	side_use(&alice);
	CHECK_INT(channel_mix_spake2(&ea.wire.ch, x.epoch_a, ka, &s), XE2E_E_STATE);
	CHECK_INT(s, sa);
	ends_release();
}

/* a's result is lost: a alone stores the mix; b's stanza of the mixed step
 * is refused at a, whose session file stays as it was; b's older stanzas
 * still open. */
TEST(verify_wire_spake2_lost_last_stanza_fails_closed_at_the_mixed_step)
{
	struct spake2_extra x = {1, 0, 0};
	enum verify_outcome oa, ob;
	uint8_t ka[SPAKE2_KEY_LEN] = {0}, kb[SPAKE2_KEY_LEN] = {0};
	struct ratchet_info ia, ib;
	struct verify_msg m, in;
	struct xml_node *st;
	char *before, *after;
	size_t blen = 0, alen = 0;
	uint64_t sa = 0;
	uint32_t epoch = 0;
	int authentic = 1;

	pair_up();
	ea.wire.ch.opts.step_interval = 0;
	eb.wire.ch.opts.step_interval = 0;
	spake2_through_sessions("Verona", "Verona", &oa, &ob, ka, kb, &x);
	CHECK_INT(oa, VERIFY_OUTCOME_MATCH);
	CHECK_INT(ob, VERIFY_OUTCOME_NONE);
	CHECK_INT(x.epoch_b, 0);
	side_use(&alice);
	CHECK_INT(channel_mix_spake2(&ea.wire.ch, x.epoch_a, ka, &sa), XE2E_OK);
	filler(&m);
	carry(&eb, &ea, &m, &in, NULL); /* b's older epoch */
	carry(&ea, &eb, &m, &in, NULL); /* b takes a's step 2E + 3 */
	ratchet_at(&eb, &ib);
	CHECK_INT(ib.root_step, sa - 1);
	st = seal(&eb, &m, &epoch);     /* b steps, without the mix */
	CHECK_INT(epoch, x.epoch_a + 2);
	before = session_text(&ea, &blen);
	CHECK(st && open_at(&ea, st, &in, NULL, &authentic) == XE2E_E_AUTH);
	CHECK_INT(authentic, 0);
	after = session_text(&ea, &alen);
	CHECK(before && after && blen == alen && memcmp(before, after, blen) == 0);
	ratchet_at(&ea, &ia);
	CHECK(ia.has_mix && ia.mix_step == sa && ia.root_step == sa - 1);
	free(before);
	free(after);
	xml_free(st);
	ends_release();
}
