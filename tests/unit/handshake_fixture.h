/*
 * Two in-memory sides of a handshake for the unit tests: each with its own
 * XE2E_HOME (a fresh identity made by identity_create), trust store and
 * retained-secret snapshots, and a driver that passes the messages between
 * the two objects, optionally changing one on the way. Certificate chains
 * are checked against the X.509 anchors in the receiving side's home,
 * OpenPGP credentials by GnuPG.
 */
#ifndef XE2E_HANDSHAKE_FIXTURE_H
#define XE2E_HANDSHAKE_FIXTURE_H

#include "handshake.h"
#include "handshake_int.h"

#define HS_RUN_MAX 12

struct hs_side {
	char home[512];
	char jid[64];  /* bare */
	char full[96]; /* with resource: what 'from' says */
	struct identity id;
	struct trust_db trust;
	struct rs_db rs;
	uint8_t cookie_key[32];
	int have_psk;
	uint8_t psk[32];
	unsigned options;
	struct hs_lists lists;
	struct handshake *hs;
	uint64_t now;
	const char *to; /* initiator: whom to address; NULL: the peer's full JID */
	const char *from_only; /* responder --from */
	int replay_in_memory;  /* a bounded in-memory IK replay cache (fast) */
	size_t n_seen;
	uint8_t seen[4096][32];
};

/* Makes a side with a fresh identity in a fresh home. */
void side_init(struct hs_side *s, const char *jid, const char *resource);

/* Points XE2E_HOME at the side's home. */
void side_use(const struct hs_side *s);

/* Reloads the trust and retained-secret snapshots from the side's files. */
void side_reload(struct hs_side *s);

/* A new handshake object for the side against peer. */
int side_begin(struct hs_side *s, int initiator, const struct hs_side *peer);

/* Stores a finished handshake: session file, trust store, retained secrets. */
int side_commit(struct hs_side *s);

void side_end(struct hs_side *s);
void side_free(struct hs_side *s);

struct hs_run {
	int n;
	enum hs_step step[HS_RUN_MAX];
	struct buf body[HS_RUN_MAX];
	int sender_init[HS_RUN_MAX];
	int err_init, err_resp;
};

/* Called with each message before it is delivered; may change it. */
typedef void (*hs_tamper_fn)(int index, struct handshake_msg *msg, void *arg);

/* Runs init (a new initiator) against resp (a new responder) until one has
 * nothing more to send or fails. Returns the number of messages. */
int hs_run(struct hs_side *init, struct hs_side *resp, struct hs_run *run, hs_tamper_fn tamper,
	   void *arg);

void hs_run_free(struct hs_run *run);

/* 1 when both sides finished with equal keys. */
int hs_both_done(const struct hs_side *a, const struct hs_side *b);

/* Alice (alice@capulet.lit/balcony) and Bob (bob@montague.lit/garden) made
 * anew: what they held is freed; fresh identities, snapshots loaded. */
void hs_pair_init(struct hs_side *alice, struct hs_side *bob);

/* hs_pair_init, then a first contact (XX, alice initiates) that both
 * finish and store, snapshots reloaded: the two know each other. Returns
 * the number of messages of the run. */
int hs_pair_known(struct hs_side *alice, struct hs_side *bob);

#endif
