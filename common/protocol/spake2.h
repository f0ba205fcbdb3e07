/*
 * SPAKE2 (RFC 9382) with the ciphersuite SPAKE2-P256-SHA256-HKDF-HMAC and
 * the RFC's key confirmation, for verifying a session with a secret both
 * people know (xe2e(7) VERIFICATION "Shared secret").
 *
 *   A: x random, pA = x·G + w·M        B: y random, pB = y·G + w·N
 *   A: K = x·(pB - w·N)                B: K = y·(pA - w·M)   (cofactor 1)
 *   TT = len(A) A len(B) B len(pA) pA len(pB) pB len(K) K len(w) w
 *        (8-byte little-endian lengths; w as 32 bytes big-endian)
 *   Ke || Ka = SHA-256(TT)                           (16 bytes each)
 *   KcA || KcB = HKDF-SHA256(salt empty, Ka, "ConfirmationKeys" || AAD, 32)
 *   A_conf = HMAC-SHA256(KcA, TT), B_conf = HMAC-SHA256(KcB, TT)
 *
 * Profile of xe2e: A is the Noise initiator of the session. The identities
 * are the two identity fingerprints (32 bytes each, A's first). The AAD is
 * "xe2e spake2 v1" || the current ratchet epoch (8 bytes big-endian), so
 * the confirmation names the epoch. w = PBKDF2-HMAC-SHA256(secret,
 * salt = handshake hash || "xe2e spake2 w", SPAKE2_ITERATIONS, 48 bytes)
 * mod n, refused if 0. RFC 9382 asks for a memory-hard function, which
 * mbedTLS lacks: PBKDF2 is a known weakening.
 *
 * Points are the 65-byte uncompressed encoding; a received share is
 * validated (p256_point.h): a bad encoding is XE2E_E_MALFORMED, the point at
 * infinity, a point off the curve, or a share that makes K the identity
 * (pB = w·N, pA = w·M) is XE2E_E_WEAKKEY. Secret multiplications use
 * mbedtls_ecp_mul only; -w·N is computed as (n - w)·N.
 *
 * One state per side and run:
 *
 *	spake2_init()            w, x and the own share
 *	spake2_message()         the share to send (any time after init)
 *	spake2_process(peer)     K, TT, the keys; x and w are wiped
 *	spake2_confirm()         the own confirmation to send
 *	spake2_verify_confirm()  the peer's confirmation, constant-time
 *	spake2_key()             Ke, only once the peer has confirmed
 *	spake2_wipe()         wipes everything; always call it
 *
 * Any failure is final: the state wipes its secrets and every later call
 * is XE2E_E_STATE. spake2_process() or spake2_verify_confirm() called out
 * of order is XE2E_E_STATE and also final; the read-only calls
 * (spake2_message, spake2_confirm, spake2_key) called too early return
 * XE2E_E_STATE and change nothing.
 */
#ifndef XE2E_SPAKE2_H
#define XE2E_SPAKE2_H

#include <stddef.h>
#include <stdint.h>

#define SPAKE2_MSG_LEN 65        /* a share: 04 || X || Y */
#define SPAKE2_CONF_LEN 32       /* HMAC-SHA256 */
#define SPAKE2_KEY_LEN 16        /* Ke: half of SHA-256(TT) */
#define SPAKE2_W_LEN 32          /* w, big-endian, as it enters TT */
#define SPAKE2_HH_LEN 32         /* the session's handshake hash */
#define SPAKE2_ID_LEN 32         /* an identity fingerprint */
#define SPAKE2_STRETCH_LEN 48    /* PBKDF2 output before the reduction */
#define SPAKE2_ITERATIONS 100000 /* PBKDF2 iterations of the profile */
#define SPAKE2_AAD_LEN 22        /* "xe2e spake2 v1" || epoch */
#define SPAKE2_RS_LEN 32         /* a retained secret */
#define SPAKE2_ID_MAX 64         /* identities of the general form */
#define SPAKE2_AAD_MAX 64        /* AAD of the general form */
#define SPAKE2_TT_MAX (6 * 8 + 2 * SPAKE2_ID_MAX + 3 * SPAKE2_MSG_LEN + SPAKE2_W_LEN)

enum spake2_role {
	SPAKE2_ROLE_A = 1, /* sends pA; the Noise initiator */
	SPAKE2_ROLE_B = 2, /* sends pB; the Noise responder */
};

/* Everything of the xe2e profile that spake2_init() needs. */
struct spake2_params {
	const void *secret;                  /* the shared secret, as typed */
	size_t secret_len;                   /* at least 1 */
	const uint8_t *handshake_hash;       /* SPAKE2_HH_LEN bytes */
	uint32_t iterations;                 /* 0: SPAKE2_ITERATIONS (tests use fewer) */
	const uint8_t *id_a;                 /* SPAKE2_ID_LEN bytes: A's fingerprint */
	const uint8_t *id_b;                 /* SPAKE2_ID_LEN bytes: B's fingerprint */
	uint64_t epoch;                      /* the current ratchet epoch */
};

/* One side of one run. The fields are private. */
struct spake2 {
	int role;
	int state;
	uint8_t w[SPAKE2_W_LEN];
	uint8_t x[SPAKE2_W_LEN];
	uint8_t share[SPAKE2_MSG_LEN];
	uint8_t id_a[SPAKE2_ID_MAX];
	uint8_t id_b[SPAKE2_ID_MAX];
	size_t id_a_len, id_b_len;
	uint8_t aad[SPAKE2_AAD_MAX];
	size_t aad_len;
	uint8_t ke[SPAKE2_KEY_LEN];
	uint8_t conf_own[SPAKE2_CONF_LEN];
	uint8_t conf_peer[SPAKE2_CONF_LEN];
};

/*
 * w from the shared secret: PBKDF2-HMAC-SHA256(secret, handshake hash ||
 * "xe2e spake2 w", iterations, 48 bytes) mod n, as 32 bytes big-endian.
 * An empty secret is XE2E_E_MALFORMED; iterations 0 is XE2E_E_LIMIT; a zero
 * w is XE2E_E_WEAKKEY. w is wiped on failure.
 */
int spake2_password(const void *secret, size_t secret_len,
		    const uint8_t handshake_hash[static SPAKE2_HH_LEN], uint32_t iterations,
		    uint8_t w[static SPAKE2_W_LEN]);

/* The AAD of the profile: "xe2e spake2 v1" || epoch, 8 bytes big-endian. */
void spake2_aad(uint64_t epoch, uint8_t aad[static SPAKE2_AAD_LEN]);

/*
 * Starts one side of a run of the xe2e profile: derives w from the secret
 * (spake2_password), draws x and computes the own share. The state must be
 * released with spake2_wipe() whatever this returns.
 */
int spake2_init(struct spake2 *s, enum spake2_role role, const struct spake2_params *p);

/*
 * The general form of RFC 9382: w given directly (32 bytes, 1 <= w <= n-1,
 * else XE2E_E_MALFORMED), identities and AAD of up to SPAKE2_ID_MAX and
 * SPAKE2_AAD_MAX bytes (else XE2E_E_LIMIT; NULL with length 0 is empty).
 * scalar is NULL in every real run, and x (or y) is drawn at random; a fixed
 * scalar is for the RFC 9382 test vectors only (test-only entry point).
 */
int spake2_init_raw(struct spake2 *s, enum spake2_role role, const uint8_t w[static SPAKE2_W_LEN],
		    const uint8_t *scalar, const void *id_a, size_t id_a_len, const void *id_b,
		    size_t id_b_len, const void *aad, size_t aad_len);

/* The own share (pA for A, pB for B), after init and before any failure. */
int spake2_message(const struct spake2 *s, uint8_t out[static SPAKE2_MSG_LEN]);

/*
 * Takes the peer's share (len bytes, exactly as received), checks it,
 * computes K, TT, Ke and both confirmations, and wipes x and w. Once only.
 */
int spake2_process(struct spake2 *s, const uint8_t *msg, size_t len);

/* The own confirmation (A_conf for A, B_conf for B), after spake2_process(). */
int spake2_confirm(const struct spake2 *s, uint8_t out[static SPAKE2_CONF_LEN]);

/*
 * Checks the peer's confirmation in constant time: XE2E_E_AUTH when it
 * differs (a wrong secret or an attack), XE2E_E_MALFORMED when it is not
 * SPAKE2_CONF_LEN bytes; both are final. Once only.
 */
int spake2_verify_confirm(struct spake2 *s, const uint8_t *conf, size_t len);

/* Ke, once spake2_verify_confirm() has succeeded; XE2E_E_STATE before. */
int spake2_key(const struct spake2 *s, uint8_t ke[static SPAKE2_KEY_LEN]);

/* Wipes the state; it can then be initialised again. */
void spake2_wipe(struct spake2 *s);

/*
 * The retained secret after a confirmed run (xe2e(7) VERIFICATION "Shared secret"):
 * out = HKDF-SHA256(salt = rs, ikm = Ke, info "xe2e spake2", 32 bytes).
 * out may be rs.
 */
int spake2_mix_rs(const uint8_t rs[static SPAKE2_RS_LEN], const uint8_t ke[static SPAKE2_KEY_LEN],
		  uint8_t out[static SPAKE2_RS_LEN]);

/* Every intermediate value of one side's spake2_process(), for vectors. */
struct spake2_trace {
	uint8_t pa[SPAKE2_MSG_LEN];
	uint8_t pb[SPAKE2_MSG_LEN];
	uint8_t k[SPAKE2_MSG_LEN];
	uint8_t tt[SPAKE2_TT_MAX];
	size_t tt_len;
	uint8_t hash_tt[32]; /* Ke || Ka */
	uint8_t kc[32];      /* KcA || KcB */
	uint8_t conf_a[SPAKE2_CONF_LEN];
	uint8_t conf_b[SPAKE2_CONF_LEN];
};

/*
 * Test-only entry point: spake2_process() that also copies out K, TT and
 * every key into *t (secrets: wipe *t after use). t may be NULL.
 */
int spake2_process_trace(struct spake2 *s, const uint8_t *msg, size_t len,
			 struct spake2_trace *t);

/*
 * Test-only entry point for the RFC 9382 vectors: runs A (scalar x) and B
 * (scalar y) against each other through the state machines above, both
 * confirmations included, and fills trace[0] with A's view and trace[1]
 * with B's. Secrets: wipe the traces after use.
 */
int spake2_vector(const uint8_t w[static SPAKE2_W_LEN], const uint8_t x[static SPAKE2_W_LEN],
		  const uint8_t y[static SPAKE2_W_LEN], const void *id_a, size_t id_a_len,
		  const void *id_b, size_t id_b_len, const void *aad, size_t aad_len,
		  struct spake2_trace trace[static 2]);

#endif
