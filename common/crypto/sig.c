#include "sig.h"

#include <stdlib.h>
#include <string.h>

#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>

#include "encoding.h"
#include "err.h"
#include "hash.h"
#include "rng.h"
#include "util.h"

#define P256_COORD_LEN 32
#define SPKI_MAX_LEN 128 /* the P-256 one is 91 bytes */

struct p256_key {
	mbedtls_ecp_keypair kp; /* grp, d (the secret scalar), Q */
};

static int p256_map_error(int ret, const char *what)
{
	if (ret == MBEDTLS_ERR_MPI_ALLOC_FAILED || ret == MBEDTLS_ERR_ECP_ALLOC_FAILED ||
	    ret == MBEDTLS_ERR_PK_ALLOC_FAILED)
		return XE2E_E_NOMEM;
	err_detail_set("%s failed (-0x%04x)", what, (unsigned)-ret);
	return XE2E_E_CRYPTO;
}

static int p256_key_new(struct p256_key **key)
{
	*key = malloc(sizeof(**key));
	if (!*key)
		return XE2E_E_NOMEM;
	mbedtls_ecp_keypair_init(&(*key)->kp);
	return XE2E_OK;
}

void p256_free(struct p256_key *key)
{
	if (!key)
		return;
	mbedtls_ecp_keypair_free(&key->kp); /* zeroizes d */
	free(key);
}

int p256_generate(struct p256_key **key)
{
	int ret, err = p256_key_new(key);

	if (err)
		return err;
	ret = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, &(*key)->kp, rng_mbedtls, NULL);
	if (ret != 0) {
		p256_free(*key);
		*key = NULL;
		return p256_map_error(ret, "P-256 key generation");
	}
	return XE2E_OK;
}

int p256_import_private(struct p256_key **key, const uint8_t d[static P256_PRIV_LEN])
{
	mbedtls_ecp_keypair *kp;
	int ret, err = p256_key_new(key);

	if (err)
		return err;
	kp = &(*key)->kp;
	ret = mbedtls_ecp_group_load(&kp->grp, MBEDTLS_ECP_DP_SECP256R1);
	if (ret == 0)
		ret = mbedtls_mpi_read_binary(&kp->d, d, P256_PRIV_LEN);
	if (ret == 0 && mbedtls_ecp_check_privkey(&kp->grp, &kp->d) != 0) {
		err_detail_set("P-256 private scalar not in [1, n-1]");
		err = XE2E_E_MALFORMED;
	} else if (ret == 0) {
		ret = mbedtls_ecp_mul(&kp->grp, &kp->Q, &kp->d, &kp->grp.G, rng_mbedtls, NULL);
	}
	if (ret != 0)
		err = p256_map_error(ret, "P-256 key import");
	if (err) {
		p256_free(*key);
		*key = NULL;
	}
	return err;
}

int p256_export_private(const struct p256_key *key, uint8_t d[static P256_PRIV_LEN])
{
	int ret = mbedtls_mpi_write_binary(&key->kp.d, d, P256_PRIV_LEN);

	return ret ? p256_map_error(ret, "P-256 key export") : XE2E_OK;
}

int p256_public(const struct p256_key *key, uint8_t pub[static P256_PUB_LEN])
{
	size_t olen;
	int ret = mbedtls_ecp_point_write_binary(&key->kp.grp, &key->kp.Q, MBEDTLS_ECP_PF_UNCOMPRESSED,
						 &olen, pub, P256_PUB_LEN);

	if (ret == 0 && olen != P256_PUB_LEN)
		ret = MBEDTLS_ERR_ECP_BAD_INPUT_DATA;
	return ret ? p256_map_error(ret, "P-256 public key") : XE2E_OK;
}

void *p256_mbedtls_keypair(struct p256_key *key)
{
	return &key->kp;
}

int p256_mbedtls_pk(struct p256_key *key, void *pk)
{
	mbedtls_pk_context *ctx = pk;
	mbedtls_ecp_keypair *dst;

	if (mbedtls_pk_setup(ctx, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0)
		return XE2E_E_CRYPTO;
	dst = mbedtls_pk_ec(*ctx);
	if (mbedtls_ecp_group_copy(&dst->grp, &key->kp.grp) != 0 ||
	    mbedtls_mpi_copy(&dst->d, &key->kp.d) != 0 || mbedtls_ecp_copy(&dst->Q, &key->kp.Q) != 0)
		return XE2E_E_CRYPTO;
	return XE2E_OK;
}

int p256_sign(const struct p256_key *key, const void *msg, size_t len,
	      uint8_t sig[static P256_SIG_LEN])
{
	/* mbedTLS caches a table of multiples of G in the group, so the group
	 * changes; the key itself stays as it is. */
	struct p256_key *k = (struct p256_key *)key;
	uint8_t h[SHA256_LEN];
	mbedtls_mpi r, s;
	int ret, err;

	err = hash(HASH_SHA256, msg, len, h);
	if (err)
		return err;
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	ret = mbedtls_ecdsa_sign_det_ext(&k->kp.grp, &r, &s, &k->kp.d, h, sizeof(h), MBEDTLS_MD_SHA256,
					 rng_mbedtls, NULL);
	if (ret == 0)
		ret = mbedtls_mpi_write_binary(&r, sig, P256_COORD_LEN);
	if (ret == 0)
		ret = mbedtls_mpi_write_binary(&s, sig + P256_COORD_LEN, P256_COORD_LEN);
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
	if (ret != 0) {
		wipe(sig, P256_SIG_LEN);
		return p256_map_error(ret, "ECDSA signing");
	}
	return XE2E_OK;
}

/* Reads an uncompressed point from outside and checks it is a point of the
 * group other than the identity (mbedtls_ecp_check_pubkey). */
static int p256_point_read(const mbedtls_ecp_group *grp, mbedtls_ecp_point *q,
			   const uint8_t pub[static P256_PUB_LEN])
{
	if (pub[0] != 0x04 || mbedtls_ecp_point_read_binary(grp, q, pub, P256_PUB_LEN) != 0 ||
	    mbedtls_ecp_check_pubkey(grp, q) != 0) {
		err_detail_set("not a valid uncompressed P-256 public key");
		return XE2E_E_WEAKKEY;
	}
	return XE2E_OK;
}

int p256_check_public(const uint8_t pub[static P256_PUB_LEN])
{
	mbedtls_ecp_group grp;
	mbedtls_ecp_point q;
	int ret, err;

	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&q);
	ret = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1);
	err = ret ? p256_map_error(ret, "P-256 setup") : p256_point_read(&grp, &q, pub);
	mbedtls_ecp_point_free(&q);
	mbedtls_ecp_group_free(&grp);
	return err;
}

/* 1 when 1 <= x <= n - 1. */
static int p256_scalar_in_range(const mbedtls_ecp_group *grp, const mbedtls_mpi *x)
{
	return mbedtls_mpi_cmp_int(x, 1) >= 0 && mbedtls_mpi_cmp_mpi(x, &grp->N) < 0;
}

/* Verifies r || s over h with q; the caller has validated q. */
static int p256_verify_hash(mbedtls_ecp_group *grp, const mbedtls_ecp_point *q, const uint8_t *h,
			    const uint8_t sig[static P256_SIG_LEN])
{
	mbedtls_mpi r, s;
	int ret, err = XE2E_OK;

	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	ret = mbedtls_mpi_read_binary(&r, sig, P256_COORD_LEN);
	if (ret == 0)
		ret = mbedtls_mpi_read_binary(&s, sig + P256_COORD_LEN, P256_COORD_LEN);
	if (ret != 0)
		err = p256_map_error(ret, "ECDSA verification");
	else if (!p256_scalar_in_range(grp, &r) || !p256_scalar_in_range(grp, &s))
		err = XE2E_E_AUTH;
	else if ((ret = mbedtls_ecdsa_verify(grp, h, SHA256_LEN, q, &r, &s)) != 0)
		err = ret == MBEDTLS_ERR_MPI_ALLOC_FAILED ? XE2E_E_NOMEM : XE2E_E_AUTH;
	if (err == XE2E_E_AUTH)
		err_detail_set("bad ECDSA signature");
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
	return err;
}

int p256_verify(const uint8_t pub[static P256_PUB_LEN], const void *msg, size_t len,
		const uint8_t sig[static P256_SIG_LEN])
{
	mbedtls_ecp_group grp;
	mbedtls_ecp_point q;
	uint8_t h[SHA256_LEN];
	int ret, err;

	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&q);
	ret = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1);
	err = ret ? p256_map_error(ret, "P-256 setup") : p256_point_read(&grp, &q, pub);
	if (err == XE2E_OK)
		err = hash(HASH_SHA256, msg, len, h);
	if (err == XE2E_OK)
		err = p256_verify_hash(&grp, &q, h, sig);
	mbedtls_ecp_point_free(&q);
	mbedtls_ecp_group_free(&grp);
	return err;
}

/*
 * Reads one DER INTEGER holding a value of at most 32 bytes, positive and
 * minimally encoded, into out as 32 big-endian bytes. Returns the bytes it
 * took from p, 0 when the encoding is not the canonical one.
 */
static size_t der_read_uint256(const uint8_t *p, size_t n, uint8_t out[static P256_COORD_LEN])
{
	size_t len;

	if (n < 3 || p[0] != 0x02)
		return 0;
	len = p[1]; /* short form only: a long form would be at least 0x81 */
	if (len < 1 || len > P256_COORD_LEN + 1 || len > n - 2)
		return 0;
	if (p[2] & 0x80)
		return 0; /* negative */
	if (len > 1 && p[2] == 0 && !(p[3] & 0x80))
		return 0; /* a zero byte that is not needed */
	if (len == P256_COORD_LEN + 1 && p[2] != 0)
		return 0; /* more than 256 bits */
	memset(out, 0, P256_COORD_LEN);
	if (len == P256_COORD_LEN + 1)
		memcpy(out, p + 3, P256_COORD_LEN);
	else
		memcpy(out + P256_COORD_LEN - len, p + 2, len);
	return 2 + len;
}

/* SEQUENCE { INTEGER r, INTEGER s } in its one DER encoding, to r || s. At
 * most 72 bytes, so every length is in short form. */
static int der_to_p1363(const uint8_t *der, size_t der_len, uint8_t sig[static P256_SIG_LEN])
{
	size_t a, b;

	if (der_len < 2 || der[0] != 0x30 || der[1] >= 0x80 || der[1] != der_len - 2)
		return -1;
	a = der_read_uint256(der + 2, der_len - 2, sig);
	if (a == 0)
		return -1;
	b = der_read_uint256(der + 2 + a, der_len - 2 - a, sig + P256_COORD_LEN);
	if (b == 0 || 2 + a + b != der_len)
		return -1;
	return 0;
}

int p256_verify_der(const uint8_t pub[static P256_PUB_LEN], const void *msg, size_t len,
		    const uint8_t *der, size_t der_len)
{
	uint8_t sig[P256_SIG_LEN];
	int err = p256_check_public(pub);

	if (err)
		return err;
	if (der_to_p1363(der, der_len, sig) != 0) {
		err_detail_set("ECDSA signature is not in canonical DER");
		return XE2E_E_AUTH;
	}
	return p256_verify(pub, msg, len, sig);
}

/* A public-key-only pk context holding pub, checked. */
static int p256_pk_from_point(mbedtls_pk_context *pk, const uint8_t pub[static P256_PUB_LEN])
{
	mbedtls_ecp_keypair *ec;
	int ret = mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));

	if (ret == 0) {
		ec = mbedtls_pk_ec(*pk);
		ret = mbedtls_ecp_group_load(&ec->grp, MBEDTLS_ECP_DP_SECP256R1);
	}
	if (ret != 0)
		return p256_map_error(ret, "P-256 setup");
	return p256_point_read(&ec->grp, &ec->Q, pub);
}

int p256_spki_der(const uint8_t pub[static P256_PUB_LEN], struct buf *out)
{
	unsigned char der[SPKI_MAX_LEN];
	mbedtls_pk_context pk;
	int n, err;

	mbedtls_pk_init(&pk);
	err = p256_pk_from_point(&pk, pub);
	if (err == XE2E_OK) {
		/* mbedTLS writes at the end of the buffer */
		n = mbedtls_pk_write_pubkey_der(&pk, der, sizeof(der));
		if (n < 0)
			err = p256_map_error(n, "writing the SubjectPublicKeyInfo");
		else
			err = buf_append(out, der + sizeof(der) - n, (size_t)n);
	}
	mbedtls_pk_free(&pk);
	return err;
}

/* The point in a parsed P-256 public key, uncompressed. */
static int p256_pk_point(mbedtls_pk_context *pk, uint8_t pub[static P256_PUB_LEN])
{
	const mbedtls_ecp_keypair *ec;
	size_t olen;

	if (mbedtls_pk_get_type(pk) != MBEDTLS_PK_ECKEY) {
		err_detail_set("not an id-ecPublicKey SubjectPublicKeyInfo");
		return XE2E_E_UNSUPPORTED;
	}
	ec = mbedtls_pk_ec(*pk);
	if (ec->grp.id != MBEDTLS_ECP_DP_SECP256R1) {
		err_detail_set("public key is not on P-256");
		return XE2E_E_UNSUPPORTED;
	}
	if (mbedtls_ecp_point_write_binary(&ec->grp, &ec->Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, pub,
					   P256_PUB_LEN) != 0 ||
	    olen != P256_PUB_LEN) {
		err_detail_set("not a valid P-256 public key");
		return XE2E_E_WEAKKEY;
	}
	return XE2E_OK;
}

int p256_from_spki_der(const uint8_t *der, size_t len, uint8_t pub[static P256_PUB_LEN])
{
	struct buf again = BUF_INIT;
	mbedtls_pk_context pk;
	int ret, err;

	if (len == 0 || len > SPKI_MAX_LEN) {
		err_detail_set("SubjectPublicKeyInfo of %zu bytes", len);
		return XE2E_E_MALFORMED;
	}
	mbedtls_pk_init(&pk);
	ret = mbedtls_pk_parse_public_key(&pk, der, len);
	if (ret == MBEDTLS_ERR_ECP_INVALID_KEY) {
		err_detail_set("not a valid P-256 public key");
		err = XE2E_E_WEAKKEY;
	} else if (ret != 0) {
		err_detail_set("malformed SubjectPublicKeyInfo (-0x%04x)", (unsigned)-ret);
		err = XE2E_E_MALFORMED;
	} else {
		err = p256_pk_point(&pk, pub);
	}
	/* mbedTLS reads BER and ignores trailing bytes: only the exact DER
	 * that p256_spki_der() writes for this point is accepted. */
	if (err == XE2E_OK)
		err = p256_spki_der(pub, &again);
	if (err == XE2E_OK && (again.len != len || memcmp(again.data, der, len) != 0)) {
		err_detail_set("SubjectPublicKeyInfo is not in canonical DER");
		err = XE2E_E_MALFORMED;
	}
	if (err)
		memset(pub, 0, P256_PUB_LEN);
	buf_free(&again);
	mbedtls_pk_free(&pk);
	return err;
}

int p256_fingerprint(const uint8_t pub[static P256_PUB_LEN], uint8_t fpr[static FINGERPRINT_LEN])
{
	struct buf der = BUF_INIT;
	int err = p256_spki_der(pub, &der);

	if (err == XE2E_OK)
		err = hash(HASH_SHA256, der.data, der.len, fpr);
	buf_free(&der);
	return err;
}

void fingerprint_format(const uint8_t fpr[static FINGERPRINT_LEN],
			char out[static FINGERPRINT_TEXT_LEN])
{
	char hex[2 * FINGERPRINT_LEN + 1];
	size_t o = 0;

	hex_encode(fpr, FINGERPRINT_LEN, hex);
	for (size_t i = 0; i < 2 * FINGERPRINT_LEN; i++) {
		if (i && i % 4 == 0)
			out[o++] = ' ';
		out[o++] = hex[i];
	}
	out[o] = '\0';
}

static int fingerprint_is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Hex digits with single spaces or colons between them, nothing else. */
int fingerprint_parse(const char *text, uint8_t fpr[static FINGERPRINT_LEN])
{
	char hex[2 * FINGERPRINT_LEN];
	size_t n = 0;

	for (const char *p = text; *p; p++) {
		if (fingerprint_is_hex(*p) && n < sizeof(hex)) {
			hex[n++] = *p;
		} else if (!((*p == ' ' || *p == ':') && p > text && fingerprint_is_hex(p[-1]) &&
			     fingerprint_is_hex(p[1]))) {
			err_detail_set("a fingerprint is 64 hex digits");
			return XE2E_E_MALFORMED;
		}
	}
	if (n != sizeof(hex)) {
		err_detail_set("a fingerprint is 64 hex digits, got %zu", n);
		return XE2E_E_MALFORMED;
	}
	return hex_decode(hex, n, fpr, FINGERPRINT_LEN);
}
