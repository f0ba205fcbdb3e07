/*
 * The handshake's wire codec (handshake_msg.h). The first input byte picks
 * what the rest is read as: an offer, a step 1, a retry, or the payload of
 * one of the five Noise messages. Every decoder is strict, so what decodes
 * must encode back to exactly the bytes it took, and decoded lists must be
 * valid lists that hold the codes used; a credential's chain (kind 2)
 * must be framed as hsmsg_chain_check() wants, inside the input, and its
 * payload padded to the chain unit, as a kind 3 credential's is.
 */
#include "fuzz.h"

#include <string.h>

#include "buf.h"
#include "err.h"
#include "handshake_msg.h"

static void fz_hsmsg_offer(const uint8_t *data, size_t size)
{
	struct hs_offer offer;
	struct buf out = BUF_INIT;
	size_t used = 0;
	int err = hsmsg_offer_decode(data, size, &offer, &used);

	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED);
	if (err != XE2E_OK)
		return;
	FUZZ_CHECK(used <= size && used <= HS_OFFER_MAX);
	FUZZ_CHECK(hsmsg_lists_check(&offer.lists) == XE2E_OK);
	FUZZ_CHECK(hsmsg_list_has(offer.lists.versions, offer.lists.n_versions, offer.version));
	FUZZ_CHECK(hsmsg_list_has(offer.lists.suites, offer.lists.n_suites, offer.suite));
	FUZZ_CHECK(hsmsg_offer_encode(&offer, &out) == XE2E_OK);
	FUZZ_CHECK(out.len == used && memcmp(out.data, data, used) == 0);
	buf_free(&out);
}

static void fz_hsmsg_step1(const uint8_t *data, size_t size)
{
	struct hs_step1 s1;
	struct buf out = BUF_INIT;
	int err = hsmsg_step1_decode(data, size, &s1);

	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED);
	if (err != XE2E_OK)
		return;
	FUZZ_CHECK(s1.offer_bytes == data && s1.cookie_len <= HS_COOKIE_MAX);
	FUZZ_CHECK(s1.offer_len + 1 + s1.cookie_len + s1.noise_len == size);
	FUZZ_CHECK(hsmsg_step1_encode(&s1.offer, s1.cookie, s1.cookie_len, s1.noise, s1.noise_len,
				      &out) == XE2E_OK);
	FUZZ_CHECK(out.len == size && memcmp(out.data, data, size) == 0);
	buf_free(&out);
}

static void fz_hsmsg_retry(const uint8_t *data, size_t size)
{
	struct hs_retry retry;
	struct buf out = BUF_INIT;
	int err = hsmsg_retry_decode(data, size, &retry);

	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED);
	if (err != XE2E_OK)
		return;
	FUZZ_CHECK(retry.kind == HS_RETRY_CHOICE || retry.kind == HS_RETRY_IK_TO_XX);
	FUZZ_CHECK(hsmsg_retry_encode(&retry, &out) == XE2E_OK);
	FUZZ_CHECK(out.len == size && memcmp(out.data, data, size) == 0);
	buf_free(&out);
}

static void fz_hsmsg_payload(enum hs_payload_kind kind, const uint8_t *data, size_t size)
{
	struct hs_payload p;
	struct buf out = BUF_INIT;
	int err = hsmsg_payload_decode(kind, data, size, &p);

	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED || err == XE2E_E_UNSUPPORTED);
	if (err != XE2E_OK)
		return;
	if (kind != HS_PAYLOAD_XX1)
		FUZZ_CHECK(hsmsg_lists_check(&p.lists) == XE2E_OK);
	FUZZ_CHECK(hsmsg_payload_encode(kind, &p, &out) == XE2E_OK);
	FUZZ_CHECK(out.len == size && memcmp(out.data, data, size) == 0);
	if (p.cred.kind == HS_CRED_KIND_X509) {
		FUZZ_CHECK(kind == HS_PAYLOAD_XX2 || kind == HS_PAYLOAD_XX3);
		FUZZ_CHECK(p.cred.chain == data + 3 && p.cred.chain_len <= HS_CHAIN_MAX);
		FUZZ_CHECK(hsmsg_chain_check(p.cred.chain, p.cred.chain_len) == XE2E_OK);
		FUZZ_CHECK(size % HS_PAD_CHAIN_UNIT == 0);
	}
	if (p.cred.kind == HS_CRED_KIND_OPENPGP) {
		FUZZ_CHECK(kind == HS_PAYLOAD_XX2 || kind == HS_PAYLOAD_XX3);
		FUZZ_CHECK(p.cred.pgp_sig + p.cred.pgp_sig_len <= data + size);
		FUZZ_CHECK(size % HS_PAD_CHAIN_UNIT == 0);
	}
	if (kind == HS_PAYLOAD_XX1)
		FUZZ_CHECK(size == 2 * HS_RSID_LEN);
	else if (kind == HS_PAYLOAD_IK1)
		FUZZ_CHECK(size % HS_PAD_UNIT == 0 && size >= HS_IK1_PAYLOAD_MIN);
	else
		FUZZ_CHECK(size % HS_PAD_UNIT == 0);
	buf_free(&out);
}

int fuzz_handshake_msg(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 8) {
	case 0:
		fz_hsmsg_offer(data + 1, size - 1);
		break;
	case 1:
		fz_hsmsg_step1(data + 1, size - 1);
		break;
	case 2:
		fz_hsmsg_retry(data + 1, size - 1);
		break;
	default:
		fz_hsmsg_payload((enum hs_payload_kind)(data[0] % 8 - 2), data + 1, size - 1);
		break;
	}
	return 0;
}
