/*
 * Inside the handshake state machine (handshake.h): the object and the
 * functions its files share. handshake.c dispatches, handshake_init.c plays
 * the Noise initiator, handshake_resp.c the Noise responder,
 * handshake_policy.c makes the trust and retained-secret decisions, and
 * handshake_keys.c derives what a finished handshake leaves.
 */
#ifndef XE2E_HANDSHAKE_INT_H
#define XE2E_HANDSHAKE_INT_H

#include "handshake.h"
#include "noise.h"

enum hs_state {
	HSS_START = 1,      /* initiator, before handshake_start() */
	HSS_WAIT_1,         /* responder: waiting for step 1 */
	HSS_WAIT_2,         /* Noise initiator: sent step 1 (or swap), waiting for 2 */
	HSS_WAIT_3,         /* Noise responder of XX: sent step 2, waiting for 3 */
	HSS_WAIT_CONFIRM,   /* Noise initiator of XX: sent step 3, waiting for the
			     * confirmation */
	HSS_DONE,
	HSS_FAILED,
};

/* A retained-secret candidate for the psk. */
struct hs_rs_cand {
	int real;                /* 0: the "no retained secret" candidate */
	uint8_t secret[RS_LEN];
};

struct handshake {
	struct handshake_config cfg;
	enum hs_state state;
	int noise_initiator;
	char self_bare[JID_MAX + 1];
	char peer_bare[JID_MAX + 1];
	/* The peer's full JID as far as the handshake vouches for it: the JID
	 * given to the initiator, then the 'from' of the stanza that completed
	 * the handshake (its Noise message authenticated the peer). Never
	 * taken from a stanza that did not authenticate (a step 1, a retry, a
	 * swap, an abort). */
	char peer_full[JID_MAX + 1];
	/* Where this side's next stanza goes: the 'from' of the last stanza
	 * accepted from the peer (the initiator: the JID given until then). */
	char reply_to[JID_MAX + 1];
	int peer_set;
	int have_psk;
	uint8_t psk[PSK_LEN];
	struct noise_handshakestate *ns;
	uint8_t pattern, version, suite;
	struct buf offer;        /* the offer this Noise run answers */
	struct buf step1;        /* the step 1 this side sent (original initiator) */
	struct buf retry;        /* the retry body before this run, or empty */
	struct buf swap;         /* the step 1 answered with a swap, or empty */
	int retried[3];          /* retries seen or sent, by kind */
	int sent_ik;             /* the original initiator sent an IK step 1, at
				  * any point of this handshake */
	/* responder: what the retry it sent named, for the cookie check */
	struct buf retry_offer;
	struct hs_retry retry_sent;
	int have_cookie_key;
	uint8_t cookie_key[32];
	/* initiator: the peer device expected from the trust store */
	int have_expected;
	uint8_t expected_fpr[FINGERPRINT_LEN];
	struct trust_device expected;
	/* retained-secret candidates (XX Noise initiator: behind the rsids) */
	struct hs_rs_cand cand[2];
	int cand_used;           /* index into cand, or -1 for none */
	/* XX Noise responder: the slot the rsids matched */
	int rs_found;
	struct rs_match match;
	uint8_t r0_priv[X25519_LEN], r0_pub[X25519_LEN];
	struct hs_lists peer_lists;
	uint8_t confirm[HS_CONFIRM_LEN]; /* XX, once the keys are derived */
	enum handshake_failure failure;
	struct handshake_result res;
};

/* Fails the handshake for good: wipes its secrets. Returns err. */
int hs_fail(struct handshake *hs, int err);

/* The Noise state for a pattern, role and prologue built from hs. */
int hs_noise_new(struct handshake *hs, int initiator, const uint8_t *rs_pub);

/* WriteMessage(payload) appended to out. */
int hs_noise_write(struct noise_handshakestate *ns, const struct buf *payload, struct buf *out);

/* ReadMessage(msg); the payload replaces what payload held. */
int hs_noise_read(struct noise_handshakestate *ns, const uint8_t *msg, size_t len,
		  struct buf *payload);

/* The responder's cookie key, asked for once. */
int hs_cookie_key(struct handshake *hs, const uint8_t **key);

/* Fresh r0 ratchet key pair in hs->r0_priv / r0_pub. */
int hs_r0_make(struct handshake *hs);

/* handshake_init.c */
int hs_init_send_step1(struct handshake *hs, const uint8_t *cookie, size_t cookie_len,
		       struct buf *out);
int hs_init_read_step2(struct handshake *hs, const uint8_t *msg, size_t len,
		       struct handshake_msg *out);
int hs_init_read_retry(struct handshake *hs, const uint8_t *body, size_t len,
		       struct handshake_msg *out);
int hs_init_read_swap(struct handshake *hs, const uint8_t *body, size_t len,
		      struct handshake_msg *out);

/* handshake_resp.c */
int hs_resp_read_step1(struct handshake *hs, const uint8_t *body, size_t len,
		       struct handshake_msg *out);
int hs_resp_read_xx1(struct handshake *hs, const uint8_t *msg, size_t len,
		     struct handshake_msg *out);
int hs_resp_read_step3(struct handshake *hs, const uint8_t *msg, size_t len,
		       struct handshake_msg *out);

/* handshake_policy.c */
int hs_policy_expected_device(struct handshake *hs);
/* 1 when the trust store holds a live (not revoked) entry for the peer's
 * JID: it is not a first contact, and the peer must prove its key before
 * this side reveals its own. */
int hs_policy_peer_live(const struct handshake *hs);
int hs_policy_rs_entry(const struct handshake *hs, const uint8_t fpr[static FINGERPRINT_LEN],
		       uint32_t device_id, struct rs_entry *entry);
int hs_policy_find_rs(struct handshake *hs, const uint8_t e[static X25519_LEN],
		      const struct hs_payload *p);
int hs_policy_credential(struct handshake *hs, const struct hs_credential *cred,
			 const uint8_t rs_pub[static X25519_LEN]);
int hs_policy_identity(struct handshake *hs, const uint8_t fpr[static FINGERPRINT_LEN]);
int hs_policy_rs(struct handshake *hs, int held, int used);
int hs_policy_lists(struct handshake *hs, const struct hs_lists *peer);

/* handshake_keys.c: hs_keys_finish() derives what the run leaves; the
 * handshake is then done, except for the Noise initiator of XX, which
 * waits for the confirmation (hs_keys_read_confirm). */
int hs_keys_finish(struct handshake *hs);
int hs_keys_write_confirm(const struct handshake *hs, struct handshake_msg *out);
int hs_keys_read_confirm(struct handshake *hs, const uint8_t *body, size_t len);
int hs_payload_own_credential(const struct handshake *hs, struct hs_credential *cred);

#endif
