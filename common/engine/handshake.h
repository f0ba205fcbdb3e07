/*
 * The xe2e session handshake (xe2e(7) HANDSHAKE): one
 * object per side, an explicit state machine whose failure is final.
 *
 * The object does no I/O. It is fed the decoded bodies of received
 * handshake stanzas and gives back the bodies to send; it reads the trust
 * store and retained secrets from snapshots in its configuration and
 * decides, but stores nothing. When it is done, handshake_session() fills a
 * session and the outcome to store (session.h: session_commit() for an
 * active session, session_commit_pending() for an IK responder).
 *
 * Flows (each arrow one stanza):
 *   XX    1 ->  <- 2   3 ->  <- confirm          first contact
 *   IK    1 ->  <- 2                             peer's device key known
 *   retry 1 ->  <- retry  1 -> ...               another choice, or IK to XX
 *   swap  1 ->  <- swap  2 ->  <- 3  confirm ->  responder --protect-self
 *
 * The confirmation ends every XX run: the Noise responder sends it once it
 * accepted step 3 (and its caller stored the session), so that the Noise
 * initiator, which decided at step 2, learns whether the other side
 * accepted too, or why not (an abort).
 */
#ifndef XE2E_HANDSHAKE_H
#define XE2E_HANDSHAKE_H

#include <stddef.h>
#include <stdint.h>

#include "anchor.h"
#include "buf.h"
#include "handshake_msg.h"
#include "identity.h"
#include "secrets.h"
#include "session.h"
#include "trust.h"

/* The kinds of handshake stanza: the step attribute. */
enum hs_step {
	HS_STEP_NONE = 0,
	HS_STEP_1,
	HS_STEP_2,
	HS_STEP_3,
	HS_STEP_RETRY,
	HS_STEP_SWAP,
	HS_STEP_CONFIRM,
	HS_STEP_ABORT, /* the last */
};

/* "1", "2", "3", "retry", "swap", "confirm", "abort"; NULL for
 * HS_STEP_NONE. */
const char *handshake_step_name(enum hs_step step);

/* Parses a step attribute; XE2E_E_MALFORMED for anything else. */
int handshake_step_parse(const char *text, enum hs_step *step);

/*
 * The longest body of a handshake stanza: a step 2 whose credential holds
 * the longest chain is e(32) + sealed s(48) + a payload of at most
 * HS_CRED_X509_MAX + 34 + 32 bytes padded to HS_PAD_CHAIN_UNIT (8704) + a
 * tag(16) = 8800 bytes.
 */
#define HS_BODY_MAX 8800

/* Abort reasons, as the reason attribute spells them. */
#define HS_REASON_UNSUPPORTED "unsupported"
#define HS_REASON_REFUSED "refused"
#define HS_REASON_MALFORMED "malformed"
#define HS_REASON_TRUST "trust"
#define HS_REASON_REPLAY "replay"
#define HS_REASON_RETAINED "retained-secret" /* a retained-secret mismatch */

/* 1 when text is one of the six reasons. */
int handshake_reason_known(const char *text);

/* Options (flags of handshake_config). */
#define HS_OPT_PROTECT_SELF 0x1u   /* responder: swap roles on XX; initiator: refuse swaps */
#define HS_OPT_ACCEPT_NEW_KEY 0x2u /* accept a changed identity key (never a pinned one) */
#define HS_OPT_ACCEPT_RS_RESET 0x4u /* accept a retained-secret mismatch of a verified peer */
#define HS_OPT_SEND_CHAIN 0x8u      /* make sure the peer gets our credential (a
				     * certificate chain or an OpenPGP one): XX,
				     * never IK (needs one of them) */

/* Looks up the configured PSK of a bare JID: XE2E_OK and psk filled, or
 * XE2E_E_NOTFOUND when there is none. */
typedef int (*handshake_psk_fn)(void *arg, const char *jid, uint8_t psk[static PSK_LEN]);

/* Records SHA-256 of an accepted IK ephemeral key; XE2E_E_REPLAY when it
 * was seen before. */
typedef int (*handshake_replay_fn)(void *arg, const uint8_t key[static 32]);

/*
 * Verifies a certificate chain (DER certificates, leaf first) presented by
 * the bare JID jid against the local X.509 anchors at now, as
 * anchor_verify_chain() does: XE2E_OK with res filled, or an error whose
 * detail says why the chain leads to no anchor.
 */
typedef int (*handshake_chain_fn)(void *arg, const uint8_t *chain, size_t len, const char *jid,
				  uint64_t now, struct anchor_result *res);

/*
 * Checks a kind 3 credential presented by the bare JID jid whose identity
 * key has the fingerprint id_fpr, as openpgp_cred_check() does: XE2E_OK with
 * res filled (valid or not, and why); XE2E_E_TRUST, with a detail, for a
 * signature that does not verify; XE2E_E_UNSUPPORTED, with a detail, when
 * no OpenPGP credential can be checked here (the key then counts alone).
 */
typedef int (*handshake_openpgp_fn)(void *arg, const struct hs_credential *cred, const char *jid,
				    const uint8_t id_fpr[static FINGERPRINT_LEN],
				    struct openpgp_result *res);

/* Gives the responder's 32-byte cookie key (cookie.h); asked only when a
 * retry is sent or a cookie checked, so that a responder that needs none
 * creates none. */
typedef int (*handshake_cookie_key_fn)(void *arg, uint8_t key[static 32]);

struct handshake_config {
	int initiator;                /* 1: starts (--to), 0: answers (--respond) */
	const struct identity *self;  /* with the device private key */
	const char *peer;             /* initiator: the peer's JID (full or bare);
				       * responder: the only bare JID allowed, or NULL */
	struct hs_lists lists;        /* own versions and suites, preference order */
	unsigned options;             /* HS_OPT_* */
	const struct trust_db *trust; /* snapshot of the trust store */
	const struct rs_db *rs;       /* snapshot of the retained secrets */
	handshake_psk_fn psk;         /* NULL: no PSKs */
	handshake_replay_fn replay;   /* responder: required */
	const uint8_t *cookie_key;    /* responder: COOKIE_KEY_LEN bytes, or */
	handshake_cookie_key_fn cookie_key_fn; /* asked when first needed */
	handshake_chain_fn chain;     /* NULL: no chain is ever anchored */
	handshake_openpgp_fn openpgp; /* NULL: no OpenPGP key is ever checked */
	void *arg;                    /* for psk, replay, cookie_key_fn, chain and
				       * openpgp */
	int have_device_hint;         /* initiator: the peer device of the current session */
	uint32_t device_hint;
	uint64_t now;                 /* Unix seconds; see handshake_set_time() */
};

enum handshake_status {
	HS_RUNNING = 1,
	HS_DONE,
	HS_FAILED,
};

/* A message to send: step and body (empty for abort, which has a reason). */
struct handshake_msg {
	enum hs_step step;
	struct buf body;
	const char *reason;
};

#define HANDSHAKE_MSG_INIT {HS_STEP_NONE, BUF_INIT, NULL}

/* Empties a message (wiping its body) for reuse; buf_free when done. */
void handshake_msg_clear(struct handshake_msg *msg);

/* Makes msg the abort that tells the peer about err: malformed (malformed
 * input, limits), unsupported, trust, replay, or refused (the rest). A
 * handshake that failed on a retained-secret mismatch says so instead
 * (handshake_read() does that). */
void handshake_msg_abort(struct handshake_msg *msg, int err);

struct handshake;

/*
 * A new handshake. The configuration is copied; what its pointers name
 * (identity, snapshots, cookie key) must outlive the object. XE2E_E_MALFORMED
 * for a peer JID that cannot be normalised.
 */
int handshake_new(struct handshake **out, const struct handshake_config *cfg);

/* Wipes every secret and frees; NULL is fine. */
void handshake_free(struct handshake *hs);

/* Sets the time used for cookies and binding expiry from now on. */
void handshake_set_time(struct handshake *hs, uint64_t now);

/*
 * Initiator: the first step 1 (XXpsk2, or IKpsk1 when the trust store holds
 * the peer's device key). On error the handshake has failed.
 */
int handshake_start(struct handshake *hs, struct handshake_msg *out);

/*
 * 1 when a stanza from this JID (the 'from' attribute; full or bare) is for
 * this handshake: the peer's bare JID once known. A responder accepts any
 * JID for its first step 1 (handshake_read() then applies its --from rule).
 */
int handshake_accepts_from(const struct handshake *hs, const char *from);

/*
 * Processes one received handshake stanza: its sender (full JID as
 * received), step, decoded body, and abort reason (abort only). out gets
 * the message to send, if any (step HS_STEP_NONE when none). On an error
 * the handshake has failed and out holds the abort to send, if one should
 * be sent (received aborts get none). Errors: XE2E_E_MALFORMED,
 * XE2E_E_UNSUPPORTED, XE2E_E_AUTH (a tampered message), XE2E_E_TRUST
 * (policy, PSK mismatch, downgrade, the peer refused), XE2E_E_REPLAY.
 * A stanza from another sender than the peer (handshake_accepts_from() is
 * 0) is XE2E_E_STATE and changes nothing: the handshake goes on.
 */
int handshake_read(struct handshake *hs, const char *from, enum hs_step step,
		   const uint8_t *body, size_t len, const char *reason,
		   struct handshake_msg *out);

enum handshake_status handshake_status(const struct handshake *hs);

/* Why a handshake failed, where the user has something to do about it. */
enum handshake_failure {
	HS_FAIL_OTHER = 0,
	HS_FAIL_RS_MISMATCH,      /* this side holds a retained secret the peer
				   * did not use, and refused */
	HS_FAIL_PEER_RS_MISMATCH, /* the peer says the same of this side */
	HS_FAIL_BOTH_INITIATORS,  /* the peer started a handshake too */
};

/* HS_FAIL_OTHER unless the handshake failed for one of the reasons above. */
enum handshake_failure handshake_failure(const struct handshake *hs);

/*
 * The peer's full JID as far as the handshake vouches for it: the JID given
 * to the initiator, then, once done, the 'from' of the stanza that
 * completed the handshake, whose Noise message authenticated the peer; ""
 * for a responder before then. Only the bare part is authenticated (the
 * prologue and the credential's binding name it); the resource is the
 * server's word.
 */
const char *handshake_peer_full(const struct handshake *hs);

/* Where this side's next stanza goes, for 'to': the 'from' of the last
 * stanza accepted from the peer, the initiator's given JID before any; ""
 * before the peer is known. Routing only: never authenticated. */
const char *handshake_reply_to(const struct handshake *hs);

/* The peer's normalised bare JID; "" before it is known. */
const char *handshake_peer_bare(const struct handshake *hs);

/* 1 when the peer's JID has an entry in the trust store (it is known to
 * speak xe2e: silence or "unsupported" from it is a possible attack). */
int handshake_peer_known(const struct handshake *hs);

#define HS_CHAIN_REASON_MAX 256

/* What a finished handshake established (HS_DONE only; else NULL). */
struct handshake_result {
	int noise_initiator;
	uint8_t pattern, version, suite;
	int swapped;       /* roles were swapped */
	int retries;       /* retry stanzas in this run */
	int pending;       /* IK responder: waits for key confirmation */
	char peer_full[JID_MAX + 1];
	char peer_bare[JID_MAX + 1];
	uint8_t peer_fpr[FINGERPRINT_LEN];
	struct trust_device device; /* created/expires 0 when device_known */
	int device_known;           /* the device came from the trust store (IK) */
	enum trust_level level;     /* as the snapshot said, tofu for a new peer;
				     * anchored for a new or tofu one whose chain
				     * led to an anchor or whose OpenPGP key is
				     * valid */
	int new_peer;
	uint8_t cred_kind;          /* of the peer's credential; 0 for IK (none sent) */
	int anchored;               /* its chain led to an anchor (this one), or
				     * its OpenPGP key is valid here */
	char anchor[ANCHOR_NAME_MAX + 1];
	char openpgp[TRUST_OPENPGP_LEN]; /* kind 3: the OpenPGP key that signed */
	char chain_refused[HS_CHAIN_REASON_MAX]; /* a chain or OpenPGP key that did
						  * not anchor: why */
	int key_changed;            /* accepted with HS_OPT_ACCEPT_NEW_KEY */
	int rs_matched;             /* a retained secret was in the psk */
	int rs_mismatch;            /* accepted: the session carries rs-reset */
	uint8_t handshake_hash[SESSION_HASH_LEN];
	uint8_t root_key[SESSION_KEY_LEN];
	uint8_t chain_key[SESSION_KEY_LEN]; /* the responder's first sending chain */
	uint8_t new_rs[SESSION_KEY_LEN];
	uint8_t session_id[SESSION_ID_LEN];
	uint8_t r0_priv[X25519_LEN]; /* Noise responder: own r0 */
	uint8_t r0_pub[X25519_LEN];  /* own r0 (responder) or the peer's (initiator) */
};

const struct handshake_result *handshake_result(const struct handshake *hs);

/*
 * Fills a session and the outcome to store from a finished handshake (the
 * outcome's peer_jid points into hs). Wipe both after use.
 */
int handshake_session(const struct handshake *hs, struct session *s, struct session_outcome *o);

/* The kind of credential an identity sends (HS_CRED_KIND_*): 3 with an
 * OpenPGP credential, else 2 with a CA-issued certificate, else 1. */
uint8_t handshake_credential_kind(const struct identity *id);

/* The bytes that credential takes in a payload, before padding. */
size_t handshake_credential_len(const struct identity *id);

/* Derivations from the final chaining key (HKDF-SHA256, empty salt). */
#define HS_LABEL_ROOT "xe2e root key v1"
#define HS_LABEL_RS "xe2e retained secret v1"
#define HS_LABEL_SESSION_ID "xe2e session id v1"
#define HS_LABEL_PSK "xe2e psk v1"
#define HS_LABEL_RSID "xe2e rsid"
#define HS_LABEL_CONFIRM "xe2e confirm v1"

/* The body of a confirmation: HKDF(ck, HS_LABEL_CONFIRM, 32). */
#define HS_CONFIRM_LEN 32

/* psk = HKDF(rs or 32 zeros | PSK or 32 zeros, "xe2e psk v1"); NULL means zeros. */
int handshake_psk_derive(const uint8_t *rs, const uint8_t *psk, uint8_t out[static 32]);

/* The 16-byte rsid of the wire: the first bytes of rs_identifier(). */
int handshake_rsid(const uint8_t rs[static RS_LEN], const uint8_t e[static X25519_LEN],
		   uint8_t out[static HS_RSID_LEN]);

#endif
