/*
 * The handshake's decisions (xe2e(7), HANDSHAKE "Trust decisions"): which
 * device of the peer to expect, which retained secrets to try, whether a
 * credential verifies, whether an identity is acceptable, what a
 * retained-secret mismatch means, and the downgrade check. All against the
 * snapshots in the configuration; nothing is stored here.
 */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "handshake_int.h"
#include "handshake_nego.h"
#include "util.h"

#define SLOT(s) (1u << (s))

static int device_usable(const struct trust_device *d, uint64_t now)
{
	return d->expires == 0 || d->expires > now;
}

/* The device to expect of a trust entry: the current session's, else the
 * newest binding; expired ones never. */
static const struct trust_device *pick_device(const struct handshake *hs,
					      const struct trust_peer *peer)
{
	const struct trust_device *best = NULL;

	for (size_t i = 0; i < peer->n_devices; i++) {
		const struct trust_device *d = &peer->devices[i];

		if (!device_usable(d, hs->cfg.now))
			continue;
		if (hs->cfg.have_device_hint && d->id == hs->cfg.device_hint)
			return d;
		if (!best || d->created > best->created)
			best = d;
	}
	return best;
}

int hs_policy_rs_entry(const struct handshake *hs, const uint8_t fpr[static FINGERPRINT_LEN],
		       uint32_t device_id, struct rs_entry *entry)
{
	const struct rs_db *db = hs->cfg.rs;

	for (size_t i = 0; db && i < db->n; i++) {
		if (db->entries[i].device_id == device_id &&
		    !memcmp(db->entries[i].fpr, fpr, FINGERPRINT_LEN) && db->entries[i].present) {
			*entry = db->entries[i];
			return XE2E_OK;
		}
	}
	memset(entry, 0, sizeof(*entry));
	return XE2E_E_NOTFOUND;
}

/* The initiator's candidates: rs1, then the provisional secret (the last
 * session's, after a mismatch) or else rs2. */
static void set_candidates(struct handshake *hs, const struct rs_entry *e)
{
	int second = (e->present & SLOT(RS_SLOT_PROVISIONAL)) ? RS_SLOT_PROVISIONAL : RS_SLOT_RS2;

	hs->cand[0].real = (e->present & SLOT(RS_SLOT_RS1)) != 0;
	if (hs->cand[0].real)
		memcpy(hs->cand[0].secret, e->secret[RS_SLOT_RS1], RS_LEN);
	hs->cand[1].real = (e->present & SLOT(second)) != 0;
	if (hs->cand[1].real)
		memcpy(hs->cand[1].secret, e->secret[second], RS_LEN);
}

int hs_policy_expected_device(struct handshake *hs)
{
	const struct trust_peer *peer = NULL;
	const struct trust_device *d = NULL;
	struct rs_entry e;

	memset(hs->cand, 0, sizeof(hs->cand));
	hs->have_expected = 0;
	while (hs->cfg.trust && (peer = trust_next_by_jid(hs->cfg.trust, hs->peer_bare, peer)))
		if (peer->level != TRUST_REVOKED && (d = pick_device(hs, peer)))
			break;
	if (!peer || !d)
		return XE2E_OK;
	hs->have_expected = 1;
	memcpy(hs->expected_fpr, peer->fpr, FINGERPRINT_LEN);
	hs->expected = *d;
	if (hs_policy_rs_entry(hs, peer->fpr, d->id, &e) == XE2E_OK)
		set_candidates(hs, &e);
	wipe(&e, sizeof(e));
	return XE2E_OK;
}

/* The wire carries the identifiers the secrets module makes, shortened. */
_Static_assert(HS_RSID_LEN == RSID_WIRE_LEN, "rsid lengths");

int hs_policy_find_rs(struct handshake *hs, const uint8_t e[static X25519_LEN],
		      const struct hs_payload *p)
{
	int err;

	hs->rs_found = 0;
	if (!hs->cfg.rs)
		return XE2E_OK;
	err = rs_find_by_identifier(hs->cfg.rs, e, p->rsid1, p->rsid2, HS_RSID_LEN, &hs->match);
	if (err == XE2E_E_NOTFOUND)
		return XE2E_OK; /* decoys, or secrets this side lost */
	hs->rs_found = !err;
	return err;
}

int hs_policy_peer_live(const struct handshake *hs)
{
	const struct trust_peer *p = NULL;

	while (hs->cfg.trust && (p = trust_next_by_jid(hs->cfg.trust, hs->peer_bare, p)))
		if (p->level != TRUST_REVOKED)
			return 1;
	return 0;
}

static int refuse(const char *fmt, const char *a, const char *b)
{
	err_detail_set(fmt, a, b);
	return XE2E_E_TRUST;
}

int hs_policy_identity(struct handshake *hs, const uint8_t fpr[static FINGERPRINT_LEN])
{
	const struct trust_db *db = hs->cfg.trust;
	const struct trust_peer *known = db ? trust_find(db, hs->peer_bare, fpr) : NULL, *p = NULL;

	if (known && (known->level == TRUST_REVOKED || known->level == TRUST_MISMATCH))
		return refuse("the identity key of %s is marked %s", hs->peer_bare,
			      trust_level_name(known->level));
	while (!known && db && (p = trust_next_by_jid(db, hs->peer_bare, p))) {
		if (p->level == TRUST_REVOKED)
			continue;
		if (p->level == TRUST_PINNED || p->level == TRUST_ANCHORED)
			return refuse("the identity key of %s changed, and the old one is %s: "
				      "refused (no override for that)", hs->peer_bare,
				      trust_level_name(p->level));
		if (!(hs->cfg.options & HS_OPT_ACCEPT_NEW_KEY))
			return refuse("the identity key of %s changed (the stored one is %s); "
				      "--accept-new-key accepts it", hs->peer_bare,
				      trust_level_name(p->level));
		hs->res.key_changed = 1;
	}
	memcpy(hs->res.peer_fpr, fpr, FINGERPRINT_LEN);
	hs->res.new_peer = !known;
	hs->res.level = known ? known->level : TRUST_TOFU;
	return XE2E_OK;
}

/* The rotation rule and key uniqueness against the snapshot. */
static int check_device(struct handshake *hs, const uint8_t fpr[static FINGERPRINT_LEN],
			const struct trust_device *d, int *same)
{
	const struct trust_db *db = hs->cfg.trust;
	struct trust_device *bound = NULL, *stored;
	struct trust_peer *owner = db ? trust_find_device(db, d->pub, &bound) : NULL;
	struct trust_peer *peer = db ? trust_find(db, hs->peer_bare, fpr) : NULL;

	*same = 0;
	if (owner && (owner != peer || bound->id != d->id))
		return refuse("the device key of %s is bound to another identity or device (%s)",
			      hs->peer_bare, owner->jid);
	stored = peer ? trust_peer_device(peer, d->id) : NULL;
	if (!stored || d->created > stored->created)
		return XE2E_OK;
	if (d->created == stored->created && d->expires == stored->expires &&
	    !memcmp(d->pub, stored->pub, X25519_LEN)) {
		*same = 1;
		return XE2E_OK;
	}
	return refuse("a superseded device binding of %s was presented%s (replayed?)",
		      hs->peer_bare, "");
}

static int verify_binding(struct handshake *hs, const uint8_t id_pub[static P256_PUB_LEN],
			  const struct hs_credential *cred, const uint8_t rs_pub[static X25519_LEN])
{
	struct device_binding b;
	int err;

	memset(&b, 0, sizeof(b));
	strcpy(b.jid, hs->peer_bare);
	put_be32(b.device_id, cred->binding.device_id);
	memcpy(b.device_pub, rs_pub, X25519_LEN);
	b.created = cred->binding.created;
	b.expires = cred->binding.expires;
	memcpy(b.sig, cred->binding.sig, P256_SIG_LEN);
	err = identity_binding_verify(id_pub, &b, hs->cfg.now);
	if (err == XE2E_E_EXPIRED)
		return refuse("the device binding of %s expired%s", hs->peer_bare, "");
	if (err)
		return refuse("the credential of %s does not verify%s", hs->peer_bare, "");
	return XE2E_OK;
}

/* The identity key a credential holds: kinds 1 and 3 carry it; kind 2 in
 * its leaf certificate, which must name the peer's JID (the prologue's). */
static int credential_key(struct handshake *hs, const struct hs_credential *cred,
			  uint8_t pub[static P256_PUB_LEN])
{
	char why[HS_CHAIN_REASON_MAX];
	int err;

	if (cred->kind == HS_CRED_KIND_KEY || cred->kind == HS_CRED_KIND_OPENPGP) {
		memcpy(pub, cred->identity_pub, P256_PUB_LEN);
		return XE2E_OK;
	}
	err = anchor_leaf_key(cred->chain, cred->chain_len, hs->peer_bare, pub);
	if (err == XE2E_E_TRUST || err == XE2E_E_MALFORMED || err == XE2E_E_UNSUPPORTED) {
		snprintf(why, sizeof(why), "%s", err_detail());
		err_detail_set("the certificate of %s is refused: %s", hs->peer_bare, why);
		return err == XE2E_E_TRUST ? XE2E_E_TRUST : err;
	}
	return err;
}

static int anchored_refused(struct handshake *hs, const char *why)
{
	err_detail_set("the identity key of %s is anchored in the trust store, but %s: refused "
		       "(no override for that)", hs->peer_bare, why);
	return XE2E_E_TRUST;
}

/* A credential that did not anchor: a warning (the key counts alone, as
 * kind 1), unless the stored entry is anchored. */
static int not_anchored(struct handshake *hs, int was_anchored, const char *why)
{
	snprintf(hs->res.chain_refused, sizeof(hs->res.chain_refused), "%s", why);
	err_detail_clear();
	return was_anchored ? anchored_refused(hs, why) : XE2E_OK;
}

/*
 * Kind 3: the OpenPGP signature must verify for the prologue's JID and the
 * authenticated identity key (status 3 otherwise); the key then anchors
 * when the local keyring holds it valid. Its fingerprint is recorded either
 * way, so that a later handshake can raise the peer once the user has
 * certified the key.
 */
static int openpgp_policy(struct handshake *hs, const struct hs_credential *cred,
			  const uint8_t fpr[static FINGERPRINT_LEN], int was_anchored)
{
	struct openpgp_result res;
	char why[HS_CHAIN_REASON_MAX];
	int err = hs->cfg.openpgp ? hs->cfg.openpgp(hs->cfg.arg, cred, hs->peer_bare, fpr, &res)
				  : XE2E_E_NOTFOUND;

	if (err == XE2E_E_TRUST) {
		snprintf(why, sizeof(why), "%s", err_detail());
		return refuse("the OpenPGP credential of %s is refused: %s", hs->peer_bare, why);
	}
	if (err == XE2E_E_NOTFOUND || err == XE2E_E_UNSUPPORTED) {
		snprintf(why, sizeof(why), "%s", hs->cfg.openpgp ? err_detail()
			 : "no OpenPGP keyring is checked here");
		return not_anchored(hs, was_anchored, why);
	}
	if (err)
		return err;
	snprintf(hs->res.openpgp, sizeof(hs->res.openpgp), "%s", res.fpr);
	if (res.valid) {
		hs->res.anchored = 1;
		return XE2E_OK;
	}
	return not_anchored(hs, was_anchored, res.why);
}

/*
 * Whether the credential anchors the key: a chain that leads to one of the
 * local anchors, or an OpenPGP key the local keyring holds valid. One that
 * does not is only a warning (the key counts alone, as kind 1) unless the
 * stored entry is anchored: an anchored key must keep coming with a
 * credential that anchors it.
 */
static int chain_policy(struct handshake *hs, const struct hs_credential *cred,
			const uint8_t fpr[static FINGERPRINT_LEN])
{
	const struct trust_peer *known = hs->cfg.trust ? trust_find(hs->cfg.trust, hs->peer_bare,
								    fpr) : NULL;
	int was_anchored = known && known->level == TRUST_ANCHORED;
	struct anchor_result res;
	char why[HS_CHAIN_REASON_MAX];
	int err;

	hs->res.cred_kind = cred->kind;
	if (cred->kind == HS_CRED_KIND_KEY)
		return was_anchored ? anchored_refused(hs, "its credential carries no certificate "
						       "chain or OpenPGP key") : XE2E_OK;
	if (cred->kind == HS_CRED_KIND_OPENPGP)
		return openpgp_policy(hs, cred, fpr, was_anchored);
	err = hs->cfg.chain ? hs->cfg.chain(hs->cfg.arg, cred->chain, cred->chain_len,
					    hs->peer_bare, hs->cfg.now, &res)
			    : XE2E_E_NOTFOUND;
	if (!err && memcmp(res.fpr, fpr, FINGERPRINT_LEN) != 0)
		err = XE2E_E_STATE;
	if (err == XE2E_E_NOMEM)
		return err;
	if (!err) {
		hs->res.anchored = 1;
		snprintf(hs->res.anchor, sizeof(hs->res.anchor), "%s", res.anchor);
		return XE2E_OK;
	}
	if (!hs->cfg.chain)
		snprintf(why, sizeof(why), "no X.509 anchors are checked here");
	else
		snprintf(why, sizeof(why), "%s", *err_detail() ? err_detail() : err_str(err));
	return not_anchored(hs, was_anchored, why);
}

int hs_policy_credential(struct handshake *hs, const struct hs_credential *cred,
			 const uint8_t rs_pub[static X25519_LEN])
{
	uint8_t pub[P256_PUB_LEN], fpr[FINGERPRINT_LEN];
	struct trust_device d;
	int same, err = credential_key(hs, cred, pub);

	if (err)
		return err;
	if (p256_check_public(pub) || p256_fingerprint(pub, fpr))
		return refuse("the identity key of %s is not a valid P-256 key%s", hs->peer_bare,
			      "");
	memset(&d, 0, sizeof(d));
	d.id = cred->binding.device_id;
	memcpy(d.pub, rs_pub, X25519_LEN);
	d.created = cred->binding.created;
	d.expires = cred->binding.expires;
	err = check_device(hs, fpr, &d, &same);
	if (!err && same && !device_usable(&d, hs->cfg.now))
		err = refuse("the device binding of %s expired%s", hs->peer_bare, "");
	if (!err && !same)
		err = verify_binding(hs, pub, cred, rs_pub);
	if (!err)
		err = hs_policy_identity(hs, fpr);
	if (!err)
		err = chain_policy(hs, cred, fpr);
	if (!err) {
		hs->res.device = d;
		hs->res.device_known = 0;
	}
	return err;
}

static int level_strict(enum trust_level level)
{
	return level == TRUST_VERIFIED || level == TRUST_PINNED || level == TRUST_ANCHORED;
}

int hs_policy_rs(struct handshake *hs, int held, int used)
{
	hs->res.rs_matched = used;
	hs->res.rs_mismatch = 0;
	if (!held || used)
		return XE2E_OK;
	if (level_strict(hs->res.level) && !(hs->cfg.options & HS_OPT_ACCEPT_RS_RESET)) {
		hs->failure = HS_FAIL_RS_MISMATCH;
		return refuse("retained secret mismatch with %s, whose key is %s: it did not "
			      "present the secret of your last session (lost state, or an "
			      "attack); --accept-rs-reset accepts it", hs->peer_bare,
			      trust_level_name(hs->res.level));
	}
	hs->res.rs_mismatch = 1;
	return XE2E_OK;
}

static int lists_equal(const struct hs_lists *a, const struct hs_lists *b)
{
	return a->n_versions == b->n_versions && a->n_suites == b->n_suites &&
	       !memcmp(a->versions, b->versions, a->n_versions) &&
	       !memcmp(a->suites, b->suites, a->n_suites);
}

int hs_policy_lists(struct handshake *hs, const struct hs_lists *peer)
{
	const struct hs_lists *ini = hs->noise_initiator ? &hs->cfg.lists : peer;
	const struct hs_lists *rsp = hs->noise_initiator ? peer : &hs->cfg.lists;

	if (!hs->noise_initiator && !lists_equal(peer, &hs->peer_lists)) {
		err_detail_set("downgrade attack: the offer's lists differ from the encrypted ones");
		return XE2E_E_TRUST;
	}
	return hsnego_check_best(hs->version, hs->suite, ini, rsp);
}
