/*
 * OpenPGP credentials without a key of their own: the statement's bytes,
 * the user ids that name a JID, identity.openpgp read strictly, the
 * OpenPGP fingerprint in the trust store and in a handshake's outcome
 * (recorded, and refused when the store changed meanwhile), and a kind 3
 * credential GnuPG cannot read, refused by a real GnuPG check. The keys
 * themselves are made by gpg in the command tests (tests/cli).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "handshake_fixture.h"
#include "openpgp.h"
#include "openpgp_cred.h"
#include "session.h"
#include "trust.h"
#include "unit.h"
#include "util.h"

#define PGP_A "0123456789ABCDEF0123456789ABCDEF01234567"
#define PGP_B "89ABCDEF0123456789ABCDEF0123456789ABCDEF"

TEST(openpgp_statement_bytes)
{
	uint8_t fpr[FINGERPRINT_LEN];
	struct buf b = BUF_INIT;
	size_t want_len;
	uint8_t *want = unit_hex("0017" "78653265206f70656e7067702d62696e64696e67207631"
				 "0011" "616c69636540636170756c65742e6c6974"
				 "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
				 "0000000067748580",
				 &want_len);

	for (size_t i = 0; i < FINGERPRINT_LEN; i++)
		fpr[i] = (uint8_t)(0xa0 + i);
	/* "alice@capulet.lit" is 17 bytes; created 2025-01-01T00:00:00Z. */
	CHECK_INT(openpgp_statement("alice@capulet.lit", fpr, 1735689600, &b), XE2E_OK);
	CHECK_INT(b.len, want_len);
	CHECK_MEM(b.data, want, want_len);
	CHECK_INT(b.len, 2 + 23 + 2 + 17 + 32 + 8);
	free(want);
	buf_free(&b);
}

TEST(openpgp_uid_names_a_jid)
{
	static const struct {
		const char *uid;
		int err;
		const char *jid;
	} cases[] = {
		{"xmpp:alice@capulet.lit", XE2E_OK, "alice@capulet.lit"},
		{"Alice <xmpp:alice@capulet.lit>", XE2E_OK, "alice@capulet.lit"},
		{"Alice (balcony) <xmpp:Alice@Capulet.LIT>", XE2E_OK, "alice@capulet.lit"},
		{"Alice <alice@capulet.lit>", XE2E_E_NOTFOUND, NULL},
		{"Alice <xmpp:alice@capulet.lit> later", XE2E_E_NOTFOUND, NULL},
		{"mailto:alice@capulet.lit", XE2E_E_NOTFOUND, NULL},
		{"xmpp:", XE2E_E_NOTFOUND, NULL},
		{"", XE2E_E_NOTFOUND, NULL},
		{"Alice <>", XE2E_E_NOTFOUND, NULL},
		{"xmpp:alice@capulet.lit/balcony", XE2E_E_MALFORMED, NULL},
		{"xmpp:alice@capulet.lit?message", XE2E_E_MALFORMED, NULL},
		{"xmpp:capulet.lit", XE2E_E_MALFORMED, NULL},
		{"xmpp:@capulet.lit", XE2E_E_MALFORMED, NULL},
		{"xmpp:alice@", XE2E_E_MALFORMED, NULL},
	};
	char jid[JID_MAX + 1];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int err = openpgp_uid_jid(cases[i].uid, jid);

		if (err != cases[i].err || (cases[i].jid && strcmp(jid, cases[i].jid)))
			unit_fail(__FILE__, __LINE__, "\"%s\": %d", cases[i].uid, err);
		CHECK_INT(openpgp_uid_names(cases[i].uid, "alice@capulet.lit"), cases[i].jid != NULL);
	}
	CHECK_INT(openpgp_uid_names("xmpp:alice@capulet.lit", "bob@montague.lit"), 0);
	CHECK_INT(openpgp_fpr_check(PGP_A), XE2E_OK);
	CHECK_INT(openpgp_fpr_check("0123456789abcdef0123456789abcdef01234567"), XE2E_E_MALFORMED);
	CHECK_INT(openpgp_fpr_check(PGP_A "00"), XE2E_E_MALFORMED);
	CHECK_INT(openpgp_fpr_check("0123456789ABCDEF0123456789ABCDEF0123456G"), XE2E_E_MALFORMED);
}

static void sample_cred(struct openpgp_cred *c, uint8_t fpr[static FINGERPRINT_LEN])
{
	*c = (struct openpgp_cred)OPENPGP_CRED_INIT;
	strcpy(c->fpr, PGP_A);
	c->created = 1735689600;
	CHECK_INT(buf_append(&c->key, "\x98\x33\x04key bytes", 12), XE2E_OK);
	CHECK_INT(buf_append(&c->sig, "\x88\x75\x04sig", 6), XE2E_OK);
	memset(fpr, 0x5a, FINGERPRINT_LEN);
}

/* The file of the sample with line n (from 1) replaced by text. */
static void with_line(const struct buf *file, int n, const char *text, struct buf *out)
{
	const char *p = (const char *)file->data, *end = p + file->len;

	buf_clear(out);
	for (int line = 1; p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		CHECK_INT(buf_append(out, line == n ? text : p, line == n ? strlen(text)
							      : (size_t)(nl - p)), XE2E_OK);
		CHECK_INT(buf_append_byte(out, '\n'), XE2E_OK);
		p = nl + 1;
	}
}

TEST(openpgp_cred_file_round_trip_and_strict)
{
	static const struct {
		int line;
		const char *text;
	} bad[] = {
		{1, "xe2e openpgp-credential v2"},
		{2, "jid: Alice@capulet.lit"},
		{2, "jid: alice@capulet.lit/balcony"},
		{2, "jid:alice@capulet.lit"},
		{3, "identity: 5A5A"},
		{3, "identity: 5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A"},
		{4, "openpgp: 0123456789abcdef0123456789abcdef01234567"},
		{5, "created: 01735689600"},
		{5, "created: -1"},
		{6, "key: mDM"},
		{6, "key: "},
		{7, "signature: iHU=x"},
		{7, "sig: iHUEAA=="},
	};
	struct openpgp_cred c, back = OPENPGP_CRED_INIT;
	uint8_t fpr[FINGERPRINT_LEN], fpr_back[FINGERPRINT_LEN];
	char jid[JID_MAX + 1];
	struct buf file = BUF_INIT, changed = BUF_INIT;

	sample_cred(&c, fpr);
	CHECK_INT(openpgp_cred_format(&c, "alice@capulet.lit", fpr, &file), XE2E_OK);
	CHECK_INT(openpgp_cred_parse(file.data, file.len, &back, jid, fpr_back), XE2E_OK);
	CHECK_STR(jid, "alice@capulet.lit");
	CHECK_MEM(fpr_back, fpr, FINGERPRINT_LEN);
	CHECK_STR(back.fpr, PGP_A);
	CHECK(back.created == c.created);
	CHECK(back.key.len == c.key.len && !memcmp(back.key.data, c.key.data, c.key.len));
	CHECK(back.sig.len == c.sig.len && !memcmp(back.sig.data, c.sig.data, c.sig.len));
	openpgp_cred_free(&back);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		with_line(&file, bad[i].line, bad[i].text, &changed);
		if (openpgp_cred_parse(changed.data, changed.len, &back, jid, fpr_back) !=
		    XE2E_E_MALFORMED)
			unit_fail(__FILE__, __LINE__, "accepted line %d \"%s\"", bad[i].line,
				  bad[i].text);
		CHECK_INT(back.key.len + back.sig.len, 0);
	}
	/* Cut anywhere, or one byte more: refused. */
	for (size_t n = 0; n < file.len; n++)
		if (openpgp_cred_parse(file.data, n, &back, jid, fpr_back) != XE2E_E_MALFORMED)
			unit_fail(__FILE__, __LINE__, "read when cut to %zu bytes", n);
	CHECK_INT(buf_append_byte(&file, '\n'), XE2E_OK);
	CHECK_INT(openpgp_cred_parse(file.data, file.len, &back, jid, fpr_back), XE2E_E_MALFORMED);
	openpgp_cred_free(&c);
	buf_free(&file);
	buf_free(&changed);
}

TEST(openpgp_trust_field)
{
	static const char text[] =
		"# xe2e trust store v1\n"
		"peer alice@capulet.lit 1111111111111111111111111111111111111111111111111111111111111111"
		" level=anchored flags=- first-seen=1 last-seen=2 openpgp=" PGP_A "\n"
		"peer bob@montague.lit 2222222222222222222222222222222222222222222222222222222222222222"
		" level=tofu flags=- first-seen=1 last-seen=2\n";
	struct trust_db db = TRUST_DB_INIT;
	struct buf out = BUF_INIT;
	uint8_t fpr[FINGERPRINT_LEN];

	CHECK_INT(trust_parse("trust", text, strlen(text), &db), XE2E_OK);
	CHECK_INT(db.n_peers, 2);
	CHECK_STR(db.peers[0].openpgp, PGP_A);
	CHECK_STR(db.peers[1].openpgp, "");
	CHECK_INT(trust_format(&db, &out), XE2E_OK);
	CHECK(out.len == strlen(text) && !memcmp(out.data, text, out.len));
	memset(fpr, 0x22, sizeof(fpr));
	CHECK_INT(trust_peer_set_openpgp(&db, "bob@montague.lit", fpr, PGP_B), XE2E_OK);
	CHECK_STR(db.peers[1].openpgp, PGP_B);
	CHECK_INT(trust_peer_set_openpgp(&db, "bob@montague.lit", fpr, "0123"), XE2E_E_MALFORMED);
	CHECK_STR(db.peers[1].openpgp, PGP_B);
	memset(fpr, 0x33, sizeof(fpr));
	CHECK_INT(trust_peer_set_openpgp(&db, "bob@montague.lit", fpr, PGP_B), XE2E_E_NOTFOUND);
	trust_free(&db);
	buf_free(&out);
}

static int set_level(struct trust_db *db, void *ctx)
{
	const struct session_outcome *o = ctx;

	return trust_peer_set_level(db, o->peer_jid, o->fpr, TRUST_ANCHORED);
}

TEST(openpgp_outcome_recorded_and_rechecked)
{
	struct session_outcome o;
	enum trust_level level;
	unsigned flags;
	struct trust_db db = TRUST_DB_INIT;
	char home[512], path[600];
	size_t before_len = 0, after_len = 0;
	char *before, *after;

	snprintf(home, sizeof(home), "%s", unit_tmpdir());
	setenv("XE2E_HOME", home, 1);
	memset(&o, 0, sizeof(o));
	o.peer_jid = "alice@capulet.lit";
	memset(o.fpr, 0x44, sizeof(o.fpr));
	o.device.id = 7;
	memset(o.device.pub, 0x55, sizeof(o.device.pub));
	o.device.created = 10;
	o.device.expires = 20;
	o.now = 11;
	strcpy(o.openpgp, PGP_A);
	/* Not anchored: a tofu entry that remembers the key. */
	CHECK_INT(session_apply_outcome(&o, &level, &flags), XE2E_OK);
	CHECK_INT(level, TRUST_TOFU);
	CHECK_INT(trust_load(NULL, &db), XE2E_OK);
	CHECK_STR(db.peers[0].openpgp, PGP_A);
	trust_free(&db);
	/* Anchored, with another key: raised, the new key recorded. */
	o.anchored = 1;
	strcpy(o.openpgp, PGP_B);
	CHECK_INT(session_apply_outcome(&o, &level, &flags), XE2E_OK);
	CHECK_INT(level, TRUST_ANCHORED);
	CHECK_INT(trust_load(NULL, &db), XE2E_OK);
	CHECK_STR(db.peers[0].openpgp, PGP_B);
	trust_free(&db);
	/* Anchored in the store, and this credential did not anchor (its key
	 * no longer valid): refused under the lock, the store unchanged. */
	snprintf(path, sizeof(path), "%s/trust", home);
	CHECK_INT(trust_update(NULL, set_level, &o), XE2E_OK);
	before = unit_read_file(path, &before_len);
	o.anchored = 0;
	strcpy(o.openpgp, PGP_A);
	CHECK_INT(session_apply_outcome(&o, &level, &flags), XE2E_E_TRUST);
	after = unit_read_file(path, &after_len);
	CHECK(before && after && before_len == after_len && !memcmp(before, after, after_len));
	free(before);
	free(after);
}

/* ---- a credential GnuPG cannot read, through the handshake ---- */

static struct hs_side alice, bob;

static void keep_detail(int index, struct handshake_msg *msg, void *arg)
{
	char *kept = arg;

	(void)index;
	if (msg->step == HS_STEP_ABORT && !*kept)
		snprintf(kept, 512, "%s", err_detail());
}

TEST(handshake_openpgp_unreadable_key_refused)
{
	struct hs_run run = {0};
	char detail[512] = "";
	static const uint8_t not_a_key[] = {0x98, 0x33, 0x04, 'n', 'o', 't', ' ', 'a', ' ', 'k'};
	static const uint8_t not_a_sig[] = {0x88, 0x75, 0x04, 's', 'i', 'g'};

	side_free(&alice);
	side_free(&bob);
	side_init(&alice, "alice@capulet.lit", "balcony");
	side_init(&bob, "bob@montague.lit", "garden");
	side_reload(&alice);
	side_reload(&bob);
	/* A credential put in Alice's identity behind the library's back. */
	CHECK_INT(buf_append(&alice.id.openpgp.key, not_a_key, sizeof(not_a_key)), XE2E_OK);
	CHECK_INT(buf_append(&alice.id.openpgp.sig, not_a_sig, sizeof(not_a_sig)), XE2E_OK);
	strcpy(alice.id.openpgp.fpr, PGP_A);
	CHECK_INT(handshake_credential_kind(&alice.id), HS_CRED_KIND_OPENPGP);
	hs_run(&alice, &bob, &run, keep_detail, detail);
	CHECK_INT(run.err_resp, XE2E_E_TRUST);
	if (!strstr(detail, "the OpenPGP credential of alice@capulet.lit is refused: its OpenPGP "
			    "key is not one public key GnuPG can read"))
		unit_fail(__FILE__, __LINE__, "detail \"%s\"", detail);
	CHECK(!handshake_result(bob.hs));
	/* Step 3 carried it, padded to the chain unit. */
	CHECK_INT((run.body[2].len - 48 - 16) % HS_PAD_CHAIN_UNIT, 0);
	hs_run_free(&run);
	side_free(&alice);
	side_free(&bob);
}
