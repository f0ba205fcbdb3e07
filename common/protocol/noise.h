/*
 * The Noise Protocol Framework, revision 34: CipherState, SymmetricState
 * and HandshakeState over the xe2e wrappers of mbedTLS (aead.h, dh.h,
 * hash.h).
 *
 * Supported: DH 25519; ciphers AESGCM and ChaChaPoly; hashes SHA256 and
 * SHA512; every one-way, fundamental and deferred pattern of the
 * specification's sections 7.4 to 7.6 (N, K, X, NN ... IX, NK1 ... I1X1),
 * each with any set of psk modifiers ("XXpsk2", "NNpsk0+psk2"). Patterns
 * are data: token lists in a table (noise_pattern.c), with the psk
 * modifiers applied to them generically.
 *
 * A handshake is an explicit state machine. Any error from a call that
 * advances or configures it is final: the state wipes its secrets and every
 * later call returns XE2E_E_STATE.
 */
#ifndef XE2E_NOISE_H
#define XE2E_NOISE_H

#include <stddef.h>
#include <stdint.h>

#include "aead.h"
#include "hash.h"

#define NOISE_KEY_LEN 32          /* cipher keys */
#define NOISE_DH_LEN 32           /* X25519 keys */
#define NOISE_PSK_LEN 32
#define NOISE_TAG_LEN 16
#define NOISE_HASH_MAX_LEN 64     /* SHA512 */
#define NOISE_MAX_MSG_LEN 65535   /* every Noise message, handshake or transport */
#define NOISE_MAX_NAME_LEN 255
#define NOISE_MAX_MESSAGES 8      /* handshake messages of one pattern */
#define NOISE_MAX_TOKENS 8        /* tokens of one message, psks included */
#define NOISE_MAX_PSKS 4

/* ---- CipherState (spec section 5.1) ---- */

struct noise_cipherstate {
	enum aead_cipher cipher;
	int has_key;
	uint8_t k[NOISE_KEY_LEN];
	uint64_t n;
};

/* Sets the cipher and empties the key (InitializeKey(empty)). */
void noise_cipherstate_init(struct noise_cipherstate *cs, enum aead_cipher cipher);

/* InitializeKey(k): sets the key and n = 0. */
void noise_cipherstate_set_key(struct noise_cipherstate *cs, const uint8_t k[static NOISE_KEY_LEN]);

/* HasKey(). */
int noise_cipherstate_has_key(const struct noise_cipherstate *cs);

/* SetNonce(n). */
void noise_cipherstate_set_nonce(struct noise_cipherstate *cs, uint64_t n);

/*
 * EncryptWithAd(ad, pt): writes pt_len + NOISE_TAG_LEN bytes to out (only
 * pt_len when there is no key, a plain copy) and increments n. out must not
 * overlap pt unless it is pt. out_max smaller than needed is XE2E_E_LIMIT;
 * n = 2^64-1 (reserved) is XE2E_E_LIMIT too. The AESGCM nonce is 4 zero
 * bytes and n big-endian; ChaChaPoly's is 4 zero bytes and n little-endian.
 */
int noise_cipherstate_encrypt(struct noise_cipherstate *cs, const uint8_t *ad, size_t ad_len,
			      const uint8_t *pt, size_t pt_len, uint8_t *out, size_t out_max,
			      size_t *out_len);

/*
 * DecryptWithAd(ad, ct): writes the plaintext (ct_len - NOISE_TAG_LEN bytes;
 * ct_len without a key) to out and increments n. On XE2E_E_AUTH n stays as
 * it was and out is wiped.
 */
int noise_cipherstate_decrypt(struct noise_cipherstate *cs, const uint8_t *ad, size_t ad_len,
			      const uint8_t *ct, size_t ct_len, uint8_t *out, size_t out_max,
			      size_t *out_len);

/* Rekey(): k = the first 32 bytes of ENCRYPT(k, 2^64-1, empty, 32 zeros).
 * n is unchanged. XE2E_E_STATE without a key. */
int noise_cipherstate_rekey(struct noise_cipherstate *cs);

/* Wipes the key and the nonce. */
void noise_cipherstate_wipe(struct noise_cipherstate *cs);

/* ---- SymmetricState (spec section 5.2) ---- */

struct noise_symmetricstate {
	struct noise_cipherstate cs;
	enum hash_alg hash;
	size_t hash_len;
	uint8_t ck[NOISE_HASH_MAX_LEN];
	uint8_t h[NOISE_HASH_MAX_LEN];
};

/* InitializeSymmetric(protocol_name) with the given cipher and hash. */
int noise_symmetricstate_init(struct noise_symmetricstate *ss, const char *protocol_name,
			      enum aead_cipher cipher, enum hash_alg alg);

/* MixKey(ikm). */
int noise_symmetricstate_mix_key(struct noise_symmetricstate *ss, const uint8_t *ikm,
				 size_t ikm_len);

/* MixKey(DH(priv, pub)), the shared secret wiped after. */
int noise_symmetricstate_mix_dh(struct noise_symmetricstate *ss,
				const uint8_t priv[static NOISE_DH_LEN],
				const uint8_t pub[static NOISE_DH_LEN]);

/* MixHash(data). */
int noise_symmetricstate_mix_hash(struct noise_symmetricstate *ss, const uint8_t *data,
				  size_t len);

/* MixKeyAndHash(ikm), as the psk token uses it. */
int noise_symmetricstate_mix_key_and_hash(struct noise_symmetricstate *ss, const uint8_t *ikm,
					  size_t ikm_len);

/* EncryptAndHash(pt): encrypts with h as associated data, then mixes the
 * ciphertext into h. out as for noise_cipherstate_encrypt. */
int noise_symmetricstate_encrypt_and_hash(struct noise_symmetricstate *ss, const uint8_t *pt,
					  size_t pt_len, uint8_t *out, size_t out_max,
					  size_t *out_len);

/* DecryptAndHash(ct). out must not overlap ct. On an error h is unchanged. */
int noise_symmetricstate_decrypt_and_hash(struct noise_symmetricstate *ss, const uint8_t *ct,
					  size_t ct_len, uint8_t *out, size_t out_max,
					  size_t *out_len);

/* Split(): c1 (initiator to responder) and c2 (responder to initiator). */
int noise_symmetricstate_split(const struct noise_symmetricstate *ss, struct noise_cipherstate *c1,
			       struct noise_cipherstate *c2);

/* Wipes ck, h and the cipher state. */
void noise_symmetricstate_wipe(struct noise_symmetricstate *ss);

/* ---- Patterns and protocol names (noise_pattern.c) ---- */

enum noise_token {
	NOISE_TOKEN_E = 1,
	NOISE_TOKEN_S,
	NOISE_TOKEN_EE,
	NOISE_TOKEN_ES,
	NOISE_TOKEN_SE,
	NOISE_TOKEN_SS,
	NOISE_TOKEN_PSK,
};

/* A handshake pattern with its modifiers applied. Message i is sent by the
 * initiator when i is even. Pre-messages hold only E and S tokens. */
struct noise_pattern {
	uint8_t pre_initiator[2], n_pre_initiator; /* "-> s" ... */
	uint8_t pre_responder[2], n_pre_responder; /* "<- s" ... */
	uint8_t n_messages;
	uint8_t n_tokens[NOISE_MAX_MESSAGES];
	uint8_t tokens[NOISE_MAX_MESSAGES][NOISE_MAX_TOKENS];
	uint8_t n_psks;  /* psk tokens, 0 when not a psk handshake */
	uint8_t one_way; /* N, K, X and their psk variants */
};

/* A parsed protocol name: "Noise_XXpsk2_25519_ChaChaPoly_SHA256". */
struct noise_protocol {
	char name[NOISE_MAX_NAME_LEN + 1];
	struct noise_pattern pattern;
	enum aead_cipher cipher;
	enum hash_alg hash;
};

/*
 * Parses a full protocol name. A name that is not of the form
 * Noise_PATTERN_DH_CIPHER_HASH is XE2E_E_MALFORMED; an unknown pattern,
 * modifier, DH, cipher or hash is XE2E_E_UNSUPPORTED (with a detail).
 */
int noise_protocol_parse(struct noise_protocol *p, const char *name);

/* Looks up a pattern name with its modifiers ("IKpsk1") and applies them. */
int noise_pattern_lookup(struct noise_pattern *pat, const char *name);

/* ---- HandshakeState (spec section 5.3) ---- */

struct noise_handshakestate;

/* What a handshake expects next. */
enum noise_action {
	NOISE_ACTION_WRITE_MESSAGE = 1,
	NOISE_ACTION_READ_MESSAGE,
	NOISE_ACTION_SPLIT,    /* the handshake is complete */
	NOISE_ACTION_DONE,     /* split already taken */
	NOISE_ACTION_FAILED,   /* an error happened; the state is dead */
};

/* The arguments of Initialize(). NULL pointers are empty keys. */
struct noise_handshake_params {
	const char *protocol_name;
	int initiator;
	const uint8_t *prologue;
	size_t prologue_len;
	const uint8_t *s;   /* local static private key, NOISE_DH_LEN bytes */
	const uint8_t *s_pub; /* its public key when the caller has it checked
			       * (NULL: computed, one X25519 more) */
	const uint8_t *e;   /* local ephemeral private key; only for an "e" pre-message */
	const uint8_t *rs;  /* remote static public key; only for an "s" pre-message */
	const uint8_t *re;  /* remote ephemeral public key; only for an "e" pre-message */
	const uint8_t (*psks)[NOISE_PSK_LEN]; /* used in order, one per psk token */
	size_t n_psks;      /* may be fewer than the pattern's; see add_psk */
};

/*
 * Initialize(): parses the protocol name, checks that every key the pattern
 * needs from the start is given (XE2E_E_NOTFOUND otherwise) and that no key
 * the pattern would overwrite is, then mixes the protocol name, the prologue
 * and the pre-messages. *out is NULL on error.
 */
int noise_handshakestate_new(struct noise_handshakestate **out,
			     const struct noise_handshake_params *params);

/* Wipes the whole state (keys, ck, h, psks) and frees it. NULL is fine. */
void noise_handshakestate_free(struct noise_handshakestate *hs);

/* A copy of the state, e.g. to try one candidate psk on each copy (a
 * failed read kills only the copy). The copy shares the psk callback and its
 * argument. A failed state cannot be copied. */
int noise_handshakestate_copy(struct noise_handshakestate **out,
			      const struct noise_handshakestate *hs);

/* Queues the psk for the next psk token not yet provided for. More psks
 * than the pattern has tokens is an error (final). */
int noise_handshakestate_add_psk(struct noise_handshakestate *hs,
				 const uint8_t psk[static NOISE_PSK_LEN]);

/*
 * Called when a psk token is reached and no psk is queued for it, e.g. by an
 * IKpsk1 responder that picks the psk by the initiator's static key, which
 * noise_handshakestate_get_remote_static() already gives inside the
 * callback. The callback writes the psk; a non-zero return aborts the
 * handshake with that error.
 */
typedef int (*noise_psk_fn)(void *arg, const struct noise_handshakestate *hs,
			    uint8_t psk[static NOISE_PSK_LEN]);
void noise_handshakestate_set_psk_callback(struct noise_handshakestate *hs, noise_psk_fn fn,
					   void *arg);

/*
 * The private key the next "e" token uses instead of a fresh one, set
 * before the first message. Two uses: tests replaying published vectors,
 * and a caller that must know its ephemeral before writing the message
 * (the XX initiator's retained-secret identifiers are computed over e).
 * The key must be freshly generated for this handshake: an ephemeral key
 * that is ever used twice breaks the handshake's security.
 */
int noise_handshakestate_set_fixed_ephemeral(struct noise_handshakestate *hs,
					     const uint8_t priv[static NOISE_DH_LEN]);

/* The same with the public key the caller computed when it made the pair
 * (saves an X25519); it must be the public key of priv. */
int noise_handshakestate_set_fixed_ephemeral_pair(struct noise_handshakestate *hs,
						  const uint8_t priv[static NOISE_DH_LEN],
						  const uint8_t pub[static NOISE_DH_LEN]);

/* What the handshake expects next. */
enum noise_action noise_handshakestate_action(const struct noise_handshakestate *hs);

/* 1 when the handshake is complete (split pending or taken), else 0. */
int noise_handshakestate_is_complete(const struct noise_handshakestate *hs);

/* 1 for the initiator, 0 for the responder. */
int noise_handshakestate_is_initiator(const struct noise_handshakestate *hs);

/* The protocol name the state was made with. */
const char *noise_handshakestate_protocol_name(const struct noise_handshakestate *hs);

/*
 * The number of bytes the next message adds to its payload (keys, tags);
 * a message of payload_len bytes is overhead + payload_len long. 0 when it
 * is not this side's turn to write or read.
 */
size_t noise_handshakestate_overhead(const struct noise_handshakestate *hs);

/*
 * WriteMessage(payload): writes the next handshake message to out (out_max
 * bytes available) and its length to *out_len. A message longer than
 * NOISE_MAX_MSG_LEN is XE2E_E_LIMIT. Out of turn is XE2E_E_STATE.
 */
int noise_handshakestate_write_message(struct noise_handshakestate *hs, const uint8_t *payload,
				       size_t payload_len, uint8_t *out, size_t out_max,
				       size_t *out_len);

/*
 * ReadMessage(msg): processes the next handshake message and writes its
 * payload to payload (payload_max bytes available). A message of the wrong
 * length or longer than NOISE_MAX_MSG_LEN is XE2E_E_MALFORMED or
 * XE2E_E_LIMIT, a bad tag XE2E_E_AUTH, a low-order key XE2E_E_WEAKKEY.
 */
int noise_handshakestate_read_message(struct noise_handshakestate *hs, const uint8_t *msg,
				      size_t msg_len, uint8_t *payload, size_t payload_max,
				      size_t *payload_len);

/* The handshake hash h (channel binding) and its length. Complete
 * handshakes only (before or after split). */
int noise_handshakestate_get_handshake_hash(const struct noise_handshakestate *hs,
					    uint8_t out[static NOISE_HASH_MAX_LEN], size_t *len);

/* The final chaining key ck and its length. Complete handshakes only. */
int noise_handshakestate_get_chaining_key(const struct noise_handshakestate *hs,
					  uint8_t out[static NOISE_HASH_MAX_LEN], size_t *len);

/* The remote static public key, once known (pre-message or s token);
 * XE2E_E_NOTFOUND before. */
int noise_handshakestate_get_remote_static(const struct noise_handshakestate *hs,
					   uint8_t out[static NOISE_DH_LEN]);

/*
 * Split(), once, on a complete handshake: send and recv are this side's
 * transport cipher states (the initiator sends with c1, the responder with
 * c2). In a one-way pattern the side that never sends gets send without a
 * key, and the other recv without a key. The ephemeral keys are wiped; the
 * handshake hash and chaining key stay readable until free.
 */
int noise_handshakestate_split(struct noise_handshakestate *hs, struct noise_cipherstate *send,
			       struct noise_cipherstate *recv);

#endif
