/*
 * The bytes of the xe2e handshake, protocol version 1 (xe2e(7), HANDSHAKE):
 * the offer, the step 1 frame, the retry, the payloads of the Noise
 * messages, the credential and the prologue. Pure encoding and strict
 * decoding, no cryptography: exact lengths, known codes where they matter,
 * zero padding checked byte for byte.
 */
#ifndef XE2E_HANDSHAKE_MSG_H
#define XE2E_HANDSHAKE_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "dh.h"
#include "openpgp_cred.h"
#include "sig.h"
#include "x509.h"

#define HS_VERSION_1 1

#define HS_SUITE_CHACHAPOLY 1 /* 25519_ChaChaPoly_SHA256 */
#define HS_SUITE_AESGCM 2     /* 25519_AESGCM_SHA256 */

#define HS_PATTERN_XX 1 /* XXpsk2 */
#define HS_PATTERN_IK 2 /* IKpsk1 */

#define HS_LIST_MAX 16    /* entries of a version or suite list */
#define HS_RSID_LEN 16
#define HS_COOKIE_MAX 64  /* a cookie in a retry or a step 1 */
#define HS_BINDING_LEN 84 /* device id, created, expires, r||s */
#define HS_CRED_KIND_KEY 1  /* the identity key */
#define HS_CRED_KIND_X509 2 /* an X.509 chain whose leaf holds the identity key */
#define HS_CRED_KIND_OPENPGP 3 /* the identity key, certified by an OpenPGP key */
#define HS_CRED_KEY_LEN (1 + P256_PUB_LEN + HS_BINDING_LEN)
/* A chain: its length (2 bytes), 1 to HS_CHAIN_CERTS_MAX DER certificates
 * of HS_CHAIN_MAX bytes at most in all. */
#define HS_CHAIN_CERTS_MAX X509_CHAIN_CERTS_MAX
#define HS_CHAIN_MAX X509_CHAIN_DER_MAX
#define HS_CRED_X509_MAX (1 + 2 + HS_CHAIN_MAX + HS_BINDING_LEN)
/* Kind 3: the identity key, the statement's time, the OpenPGP key (1 to
 * HS_OPENPGP_KEY_MAX bytes) and the signature (1 to HS_OPENPGP_SIG_MAX),
 * each after its length (2 bytes). No longer than the longest kind 2. */
#define HS_OPENPGP_KEY_MAX OPENPGP_KEY_MAX
#define HS_OPENPGP_SIG_MAX OPENPGP_SIG_MAX
#define HS_CRED_OPENPGP_HEAD (1 + P256_PUB_LEN + 8)
#define HS_CRED_OPENPGP_MAX \
	(HS_CRED_OPENPGP_HEAD + 2 + HS_OPENPGP_KEY_MAX + 2 + HS_OPENPGP_SIG_MAX + HS_BINDING_LEN)
#define HS_PAD_UNIT 32
/* Payloads with a chain or an OpenPGP key are padded coarser: their exact
 * length would tell certificates and keys apart. */
#define HS_PAD_CHAIN_UNIT 512
#define HS_IK1_PAYLOAD_MIN 64
/* Longest offer: version, two lists of HS_LIST_MAX, their counts, suite, pattern. */
#define HS_OFFER_MAX (4 + 2 * HS_LIST_MAX + 1)

enum hs_retry_kind {
	HS_RETRY_CHOICE = 1, /* another version, suite or pattern */
	HS_RETRY_IK_TO_XX = 2, /* the IK step 1 could not be read: use XX */
};

/* A side's supported versions and suites, in preference order. */
struct hs_lists {
	uint8_t n_versions;
	uint8_t versions[HS_LIST_MAX];
	uint8_t n_suites;
	uint8_t suites[HS_LIST_MAX];
};

/* The start of step 1: the choice used and the offering side's lists. */
struct hs_offer {
	uint8_t version;
	struct hs_lists lists;
	uint8_t suite;
	uint8_t pattern;
};

/* A decoded step 1: pointers into the decoded buffer. */
struct hs_step1 {
	struct hs_offer offer;
	const uint8_t *offer_bytes; /* the offer as sent (for the prologue) */
	size_t offer_len;
	const uint8_t *cookie;
	size_t cookie_len;
	const uint8_t *noise; /* the Noise message */
	size_t noise_len;
};

struct hs_retry {
	uint8_t kind;
	uint8_t version;
	uint8_t suite;
	uint8_t pattern;
	uint8_t cookie_len;
	uint8_t cookie[HS_COOKIE_MAX];
};

/* The device binding as carried: the device key is the Noise static key. */
struct hs_binding {
	uint32_t device_id;
	uint64_t created;
	uint64_t expires;
	uint8_t sig[P256_SIG_LEN];
};

/*
 * A credential: kind 1, the identity key; kind 2, a certificate chain whose
 * leaf's SubjectPublicKeyInfo holds it; kind 3, the identity key and the
 * OpenPGP signature of a statement naming it (openpgp_cred.h). Each with
 * the device binding.
 */
struct hs_credential {
	uint8_t kind;                       /* HS_CRED_KIND_* */
	uint8_t identity_pub[P256_PUB_LEN]; /* kinds 1 and 3 */
	const uint8_t *chain;               /* kind 2: DER certificates, leaf first */
	size_t chain_len;
	uint64_t pgp_created;               /* kind 3: the statement's time, */
	const uint8_t *pgp_key;             /* the OpenPGP key (binary), */
	size_t pgp_key_len;
	const uint8_t *pgp_sig;             /* the statement's detached signature */
	size_t pgp_sig_len;
	struct hs_binding binding;
};

/*
 * The decrypted payloads. Which fields are present depends on the message:
 *   XX step 1 (clear): rsid1, rsid2
 *   IK step 1:         fpr, lists
 *   XX step 2:         credential, lists, r0
 *   IK step 2:         fpr, lists, r0
 *   XX step 3:         credential, lists
 */
enum hs_payload_kind {
	HS_PAYLOAD_XX1 = 1,
	HS_PAYLOAD_IK1,
	HS_PAYLOAD_XX2,
	HS_PAYLOAD_IK2,
	HS_PAYLOAD_XX3,
};

struct hs_payload {
	uint8_t rsid1[HS_RSID_LEN];
	uint8_t rsid2[HS_RSID_LEN];
	uint8_t fpr[FINGERPRINT_LEN];
	struct hs_credential cred;
	struct hs_lists lists;
	uint8_t r0[X25519_LEN];
};

/* 1 when code is in the list (versions or suites given as array). */
int hsmsg_list_has(const uint8_t *list, size_t n, uint8_t code);

/* Appends the offer. The lists must be valid (hsmsg_lists_check). */
int hsmsg_offer_encode(const struct hs_offer *offer, struct buf *out);

/*
 * Decodes an offer from the start of in; *used gets its length. Malformed:
 * an empty, too long or repeating list, a zero code, a used version or
 * suite that is not in the offering side's own list.
 */
int hsmsg_offer_decode(const uint8_t *in, size_t len, struct hs_offer *offer, size_t *used);

/* Checks a list pair: 1..HS_LIST_MAX entries each, no zero, no repeats. */
int hsmsg_lists_check(const struct hs_lists *lists);

/* Appends a step 1: offer, cookie_len, cookie, Noise message. */
int hsmsg_step1_encode(const struct hs_offer *offer, const uint8_t *cookie, size_t cookie_len,
		       const uint8_t *noise, size_t noise_len, struct buf *out);

/* Decodes a step 1; the pointers in s1 point into in. */
int hsmsg_step1_decode(const uint8_t *in, size_t len, struct hs_step1 *s1);

/* Appends a retry body. */
int hsmsg_retry_encode(const struct hs_retry *retry, struct buf *out);

/* Decodes a retry body exactly (known kind, no trailing bytes). */
int hsmsg_retry_decode(const uint8_t *in, size_t len, struct hs_retry *retry);

/* Appends the 84-byte wire form of a binding. */
int hsmsg_binding_encode(const struct hs_binding *b, struct buf *out);

/*
 * Checks the framing of a kind 2 chain: 1 to HS_CHAIN_CERTS_MAX DER
 * SEQUENCEs (definite, minimal lengths) filling exactly len bytes, len at
 * most HS_CHAIN_MAX. The certificates themselves are read by the trust
 * policy. XE2E_E_MALFORMED otherwise.
 */
int hsmsg_chain_check(const uint8_t *chain, size_t len);

/* The bytes a credential takes (kind, body and binding), as encoded. */
size_t hsmsg_credential_len(const struct hs_credential *c);

/*
 * Appends the payload of the given kind, zero padded: XX1 to exactly
 * 2 * HS_RSID_LEN, IK1 to a multiple of HS_PAD_UNIT of at least
 * HS_IK1_PAYLOAD_MIN, one with a kind 2 or 3 credential to a multiple of
 * HS_PAD_CHAIN_UNIT, the others to a multiple of HS_PAD_UNIT. A credential
 * of another kind, a chain that hsmsg_chain_check() refuses, or an OpenPGP
 * key or signature empty or too long, is XE2E_E_STATE.
 */
int hsmsg_payload_encode(enum hs_payload_kind kind, const struct hs_payload *p, struct buf *out);

/*
 * Decodes a payload of the given kind. Its length must be exactly what
 * hsmsg_payload_encode() makes of its content, and every padding byte zero;
 * anything else is XE2E_E_MALFORMED (an empty or too long OpenPGP key or
 * signature included). A credential of another kind than 1, 2 or 3 is
 * XE2E_E_UNSUPPORTED. A kind 2 chain and a kind 3 key and signature point
 * into in.
 */
int hsmsg_payload_decode(enum hs_payload_kind kind, const uint8_t *in, size_t len,
			 struct hs_payload *p);

/* The inputs of the prologue; empty fields have length 0. */
struct hs_prologue {
	uint8_t version;
	const uint8_t *offer;
	size_t offer_len;
	const uint8_t *retry;
	size_t retry_len;
	const uint8_t *swap;
	size_t swap_len;
	const char *initiator_jid; /* normalised bare JIDs of the Noise roles */
	const char *responder_jid;
};

/*
 * Appends lp("xe2e handshake") | lp(version) | lp(offer) | lp(retry) |
 * lp(swap) | lp(initiator JID) | lp(responder JID), lp = 2-byte big-endian
 * length then the bytes.
 */
int hsmsg_prologue_build(const struct hs_prologue *p, struct buf *out);

#endif
