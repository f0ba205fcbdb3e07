/*
 * OpenPGP credentials (openpgp_cred.h, handshake_msg.h kind 3). The first
 * input byte picks what the rest is read as: the body of a kind 3
 * credential in a step 3 payload (the kind byte is put before it here),
 * identity.openpgp, or an OpenPGP user id. Every reader is strict, so what
 * is read must write back to exactly the bytes it came from; a credential's
 * key and signature must lie inside the input, within their limits, and its
 * payload be padded to the chain unit; a user id's JID must be a
 * normalised bare JID the user id names. The OpenPGP packets themselves are
 * GnuPG's to read, never ours.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "handshake_msg.h"
#include "jid.h"
#include "openpgp_cred.h"

static void fz_openpgp_payload(const uint8_t *data, size_t size)
{
	uint8_t *in = malloc(size + 1);
	struct hs_payload p;
	struct buf out = BUF_INIT;
	int err;

	if (!in)
		return;
	in[0] = HS_CRED_KIND_OPENPGP;
	memcpy(in + 1, data, size);
	err = hsmsg_payload_decode(HS_PAYLOAD_XX3, in, size + 1, &p);
	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED);
	if (err == XE2E_OK) {
		FUZZ_CHECK(p.cred.kind == HS_CRED_KIND_OPENPGP);
		FUZZ_CHECK(p.cred.pgp_key == in + 1 + P256_PUB_LEN + 8 + 2);
		FUZZ_CHECK(p.cred.pgp_key_len >= 1 && p.cred.pgp_key_len <= HS_OPENPGP_KEY_MAX);
		FUZZ_CHECK(p.cred.pgp_sig == p.cred.pgp_key + p.cred.pgp_key_len + 2);
		FUZZ_CHECK(p.cred.pgp_sig_len >= 1 && p.cred.pgp_sig_len <= HS_OPENPGP_SIG_MAX);
		FUZZ_CHECK(hsmsg_credential_len(&p.cred) <= size + 1);
		FUZZ_CHECK((size + 1) % HS_PAD_CHAIN_UNIT == 0);
		FUZZ_CHECK(hsmsg_payload_encode(HS_PAYLOAD_XX3, &p, &out) == XE2E_OK);
		FUZZ_CHECK(out.len == size + 1 && memcmp(out.data, in, size + 1) == 0);
	}
	buf_free(&out);
	free(in);
}

static void fz_openpgp_file(const uint8_t *data, size_t size)
{
	struct openpgp_cred c = OPENPGP_CRED_INIT;
	char jid[JID_MAX + 1];
	uint8_t fpr[FINGERPRINT_LEN];
	struct buf out = BUF_INIT;
	int err = openpgp_cred_parse(data, size, &c, jid, fpr);

	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED);
	if (err == XE2E_OK) {
		FUZZ_CHECK(openpgp_fpr_check(c.fpr) == XE2E_OK);
		FUZZ_CHECK(c.key.len >= 1 && c.key.len <= OPENPGP_KEY_MAX);
		FUZZ_CHECK(c.sig.len >= 1 && c.sig.len <= OPENPGP_SIG_MAX);
		FUZZ_CHECK(openpgp_cred_format(&c, jid, fpr, &out) == XE2E_OK);
		FUZZ_CHECK(out.len == size && memcmp(out.data, data, size) == 0);
	} else {
		FUZZ_CHECK(c.key.len == 0 && c.sig.len == 0);
	}
	openpgp_cred_free(&c);
	buf_free(&out);
}

static void fz_openpgp_uid(const uint8_t *data, size_t size)
{
	char *uid = malloc(size + 1), jid[JID_MAX + 1], again[JID_MAX + 1];
	int err;

	if (!uid)
		return;
	memcpy(uid, data, size);
	uid[size] = '\0';
	err = openpgp_uid_jid(uid, jid);
	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED || err == XE2E_E_NOTFOUND);
	if (err == XE2E_OK) {
		FUZZ_CHECK(jid_normalize_bare(jid, again) == XE2E_OK && strcmp(again, jid) == 0);
		FUZZ_CHECK(strchr(jid, '@') != NULL && strchr(jid, '/') == NULL);
		FUZZ_CHECK(openpgp_uid_names(uid, jid) == 1);
	}
	free(uid);
}

int fuzz_openpgp(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 4 * (HS_CRED_OPENPGP_MAX + HS_PAD_CHAIN_UNIT))
		return 0;
	switch (data[0] % 3) {
	case 0:
		fz_openpgp_payload(data + 1, size - 1);
		break;
	case 1:
		fz_openpgp_file(data + 1, size - 1);
		break;
	default:
		fz_openpgp_uid(data + 1, size - 1);
		break;
	}
	return 0;
}
