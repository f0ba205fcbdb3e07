/* The bytes of the handshake (see handshake_msg.h). */
#include "handshake_msg.h"

#include <string.h>

#include "err.h"
#include "util.h"

_Static_assert(HS_CRED_OPENPGP_MAX <= HS_CRED_X509_MAX,
	       "a kind 3 credential is no longer than the longest kind 2: HS_BODY_MAX holds");

/* A cursor over input bytes. */
struct rd {
	const uint8_t *p;
	size_t len;
	size_t off;
};

static int malformed(const char *what)
{
	err_detail_set("%s", what);
	return XE2E_E_MALFORMED;
}

static int rd_bytes(struct rd *r, size_t n, const uint8_t **out, const char *what)
{
	if (r->len - r->off < n)
		return malformed(what);
	*out = r->p + r->off;
	r->off += n;
	return XE2E_OK;
}

static int rd_copy(struct rd *r, void *out, size_t n, const char *what)
{
	const uint8_t *p;
	int err = rd_bytes(r, n, &p, what);

	if (!err)
		memcpy(out, p, n);
	return err;
}

static int rd_byte(struct rd *r, uint8_t *out, const char *what)
{
	return rd_copy(r, out, 1, what);
}

int hsmsg_list_has(const uint8_t *list, size_t n, uint8_t code)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == code)
			return 1;
	return 0;
}

static int list_check(const uint8_t *list, size_t n, const char *what)
{
	if (n == 0 || n > HS_LIST_MAX) {
		err_detail_set("%s list of %zu entries (1 to %d allowed)", what, n, HS_LIST_MAX);
		return XE2E_E_MALFORMED;
	}
	for (size_t i = 0; i < n; i++) {
		if (list[i] == 0 || hsmsg_list_has(list, i, list[i])) {
			err_detail_set("%s list with a zero or repeated entry", what);
			return XE2E_E_MALFORMED;
		}
	}
	return XE2E_OK;
}

int hsmsg_lists_check(const struct hs_lists *lists)
{
	int err = list_check(lists->versions, lists->n_versions, "version");

	return err ? err : list_check(lists->suites, lists->n_suites, "suite");
}

static int lists_encode(const struct hs_lists *l, struct buf *out)
{
	int err = hsmsg_lists_check(l);

	if (!err)
		err = buf_append_byte(out, l->n_versions);
	if (!err)
		err = buf_append(out, l->versions, l->n_versions);
	if (!err)
		err = buf_append_byte(out, l->n_suites);
	if (!err)
		err = buf_append(out, l->suites, l->n_suites);
	return err;
}

static int list_decode(struct rd *r, uint8_t *n, uint8_t list[static HS_LIST_MAX], const char *what)
{
	int err = rd_byte(r, n, what);

	if (err)
		return err;
	if (*n == 0 || *n > HS_LIST_MAX)
		return list_check(list, *n, what);
	err = rd_copy(r, list, *n, what);
	return err ? err : list_check(list, *n, what);
}

static int lists_decode(struct rd *r, struct hs_lists *l)
{
	int err = list_decode(r, &l->n_versions, l->versions, "version");

	return err ? err : list_decode(r, &l->n_suites, l->suites, "suite");
}

int hsmsg_offer_encode(const struct hs_offer *offer, struct buf *out)
{
	int err = buf_append_byte(out, offer->version);

	if (!err)
		err = lists_encode(&offer->lists, out);
	if (!err)
		err = buf_append_byte(out, offer->suite);
	if (!err)
		err = buf_append_byte(out, offer->pattern);
	return err;
}

int hsmsg_offer_decode(const uint8_t *in, size_t len, struct hs_offer *offer, size_t *used)
{
	struct rd r = {in, len, 0};
	int err;

	memset(offer, 0, sizeof(*offer));
	err = rd_byte(&r, &offer->version, "offer too short");
	if (!err)
		err = lists_decode(&r, &offer->lists);
	if (!err)
		err = rd_byte(&r, &offer->suite, "offer too short");
	if (!err)
		err = rd_byte(&r, &offer->pattern, "offer too short");
	if (err)
		return err;
	if (!hsmsg_list_has(offer->lists.versions, offer->lists.n_versions, offer->version) ||
	    !hsmsg_list_has(offer->lists.suites, offer->lists.n_suites, offer->suite))
		return malformed("offer uses a version or suite it does not list");
	*used = r.off;
	return XE2E_OK;
}

int hsmsg_step1_encode(const struct hs_offer *offer, const uint8_t *cookie, size_t cookie_len,
		       const uint8_t *noise, size_t noise_len, struct buf *out)
{
	int err;

	if (cookie_len > HS_COOKIE_MAX)
		return XE2E_E_LIMIT;
	err = hsmsg_offer_encode(offer, out);
	if (!err)
		err = buf_append_byte(out, (uint8_t)cookie_len);
	if (!err)
		err = buf_append(out, cookie, cookie_len);
	if (!err)
		err = buf_append(out, noise, noise_len);
	return err;
}

int hsmsg_step1_decode(const uint8_t *in, size_t len, struct hs_step1 *s1)
{
	struct rd r = {in, len, 0};
	uint8_t cookie_len;
	int err;

	memset(s1, 0, sizeof(*s1));
	err = hsmsg_offer_decode(in, len, &s1->offer, &s1->offer_len);
	if (err)
		return err;
	s1->offer_bytes = in;
	r.off = s1->offer_len;
	err = rd_byte(&r, &cookie_len, "step 1 too short");
	if (!err && cookie_len > HS_COOKIE_MAX)
		return malformed("cookie too long");
	if (!err)
		err = rd_bytes(&r, cookie_len, &s1->cookie, "step 1 too short");
	if (err)
		return err;
	s1->cookie_len = cookie_len;
	s1->noise = in + r.off;
	s1->noise_len = len - r.off;
	return XE2E_OK;
}

int hsmsg_retry_encode(const struct hs_retry *retry, struct buf *out)
{
	const uint8_t head[5] = {retry->kind, retry->version, retry->suite, retry->pattern,
				 retry->cookie_len};
	int err;

	if (retry->cookie_len > HS_COOKIE_MAX)
		return XE2E_E_LIMIT;
	err = buf_append(out, head, sizeof(head));
	return err ? err : buf_append(out, retry->cookie, retry->cookie_len);
}

int hsmsg_retry_decode(const uint8_t *in, size_t len, struct hs_retry *retry)
{
	if (len < 5)
		return malformed("retry too short");
	memset(retry, 0, sizeof(*retry));
	retry->kind = in[0];
	retry->version = in[1];
	retry->suite = in[2];
	retry->pattern = in[3];
	retry->cookie_len = in[4];
	if (retry->kind != HS_RETRY_CHOICE && retry->kind != HS_RETRY_IK_TO_XX)
		return malformed("unknown retry kind");
	if (retry->cookie_len > HS_COOKIE_MAX || len != 5u + retry->cookie_len)
		return malformed("retry of the wrong length");
	memcpy(retry->cookie, in + 5, retry->cookie_len);
	return XE2E_OK;
}

int hsmsg_binding_encode(const struct hs_binding *b, struct buf *out)
{
	uint8_t raw[HS_BINDING_LEN];
	int err;

	put_be32(raw, b->device_id);
	put_be64(raw + 4, b->created);
	put_be64(raw + 12, b->expires);
	memcpy(raw + 20, b->sig, P256_SIG_LEN);
	err = buf_append(out, raw, sizeof(raw));
	wipe(raw, sizeof(raw));
	return err;
}

static int binding_decode(struct rd *r, struct hs_binding *b)
{
	const uint8_t *raw;
	int err = rd_bytes(r, HS_BINDING_LEN, &raw, "device binding too short");

	if (err)
		return err;
	b->device_id = load_be32(raw);
	b->created = load_be64(raw + 4);
	b->expires = load_be64(raw + 12);
	memcpy(b->sig, raw + 20, P256_SIG_LEN);
	return XE2E_OK;
}

/* The length of a DER element at p (at most avail bytes), header
 * included, when its tag is SEQUENCE and its length definite and minimal;
 * 0 otherwise. */
static size_t der_sequence_len(const uint8_t *p, size_t avail)
{
	size_t head = 2, len;

	if (avail < 2 || p[0] != 0x30)
		return 0;
	if (p[1] < 0x80) {
		len = p[1];
	} else if (p[1] == 0x81 && avail >= 3 && p[2] >= 0x80) {
		len = p[2];
		head = 3;
	} else if (p[1] == 0x82 && avail >= 4 && p[2] != 0) {
		len = (size_t)p[2] << 8 | p[3];
		head = 4;
	} else {
		return 0;
	}
	return len <= avail - head ? head + len : 0;
}

int hsmsg_chain_check(const uint8_t *chain, size_t len)
{
	size_t off = 0, n = 0, one;

	if (len == 0 || len > HS_CHAIN_MAX)
		return malformed("certificate chain empty or too long");
	while (off < len) {
		if (++n > HS_CHAIN_CERTS_MAX)
			return malformed("more certificates in the chain than allowed");
		one = der_sequence_len(chain + off, len - off);
		if (!one)
			return malformed("a certificate of the chain is not one DER SEQUENCE");
		off += one;
	}
	return XE2E_OK;
}

/* Kind 3's key and signature: 1 to max bytes each. */
static int pgp_sizes_ok(const struct hs_credential *c)
{
	return c->pgp_key_len >= 1 && c->pgp_key_len <= HS_OPENPGP_KEY_MAX &&
	       c->pgp_sig_len >= 1 && c->pgp_sig_len <= HS_OPENPGP_SIG_MAX;
}

static int pgp_encode(const struct hs_credential *c, struct buf *out)
{
	uint8_t when[8];
	int err = buf_append(out, c->identity_pub, P256_PUB_LEN);

	put_be64(when, c->pgp_created);
	if (!err)
		err = buf_append(out, when, sizeof(when));
	if (!err)
		err = buf_append_lp16(out, c->pgp_key, c->pgp_key_len);
	return err ? err : buf_append_lp16(out, c->pgp_sig, c->pgp_sig_len);
}

static int cred_encode(const struct hs_credential *c, struct buf *out)
{
	int err;

	if (c->kind == HS_CRED_KIND_X509 && hsmsg_chain_check(c->chain, c->chain_len))
		return XE2E_E_STATE;
	if (c->kind == HS_CRED_KIND_OPENPGP && !pgp_sizes_ok(c))
		return XE2E_E_STATE;
	if (c->kind != HS_CRED_KIND_KEY && c->kind != HS_CRED_KIND_X509 &&
	    c->kind != HS_CRED_KIND_OPENPGP)
		return XE2E_E_STATE;
	err = buf_append_byte(out, c->kind);
	if (!err && c->kind == HS_CRED_KIND_KEY)
		err = buf_append(out, c->identity_pub, P256_PUB_LEN);
	if (!err && c->kind == HS_CRED_KIND_X509)
		err = buf_append_lp16(out, c->chain, c->chain_len);
	if (!err && c->kind == HS_CRED_KIND_OPENPGP)
		err = pgp_encode(c, out);
	return err ? err : hsmsg_binding_encode(&c->binding, out);
}

size_t hsmsg_credential_len(const struct hs_credential *c)
{
	if (c->kind == HS_CRED_KIND_X509)
		return 1 + 2 + c->chain_len + HS_BINDING_LEN;
	if (c->kind == HS_CRED_KIND_OPENPGP)
		return HS_CRED_OPENPGP_HEAD + 2 + c->pgp_key_len + 2 + c->pgp_sig_len +
		       HS_BINDING_LEN;
	return HS_CRED_KEY_LEN;
}

static int chain_decode(struct rd *r, struct hs_credential *c)
{
	const uint8_t *len;
	int err = rd_bytes(r, 2, &len, "credential too short");

	if (!err)
		c->chain_len = load_be16(len);
	if (!err)
		err = rd_bytes(r, c->chain_len, &c->chain, "certificate chain cut short");
	return err ? err : hsmsg_chain_check(c->chain, c->chain_len);
}

/* A 2-byte length, then 1 to max bytes. */
static int rd_lp16(struct rd *r, size_t max, const uint8_t **p, size_t *n, const char *what)
{
	const uint8_t *len;
	int err = rd_bytes(r, 2, &len, "credential too short");

	if (err)
		return err;
	*n = load_be16(len);
	if (*n == 0 || *n > max) {
		err_detail_set("%s of %zu bytes (1 to %zu allowed)", what, *n, max);
		return XE2E_E_MALFORMED;
	}
	return rd_bytes(r, *n, p, "OpenPGP credential cut short");
}

static int pgp_decode(struct rd *r, struct hs_credential *c)
{
	uint8_t when[8];
	int err = rd_copy(r, c->identity_pub, P256_PUB_LEN, "credential too short");

	if (!err)
		err = rd_copy(r, when, sizeof(when), "credential too short");
	if (!err)
		c->pgp_created = load_be64(when);
	if (!err)
		err = rd_lp16(r, HS_OPENPGP_KEY_MAX, &c->pgp_key, &c->pgp_key_len, "an OpenPGP key");
	return err ? err : rd_lp16(r, HS_OPENPGP_SIG_MAX, &c->pgp_sig, &c->pgp_sig_len,
				   "an OpenPGP signature");
}

static int cred_decode(struct rd *r, struct hs_credential *c)
{
	int err = rd_byte(r, &c->kind, "credential missing");

	if (err)
		return err;
	if (c->kind == HS_CRED_KIND_KEY)
		err = rd_copy(r, c->identity_pub, P256_PUB_LEN, "credential too short");
	else if (c->kind == HS_CRED_KIND_X509)
		err = chain_decode(r, c);
	else if (c->kind == HS_CRED_KIND_OPENPGP)
		err = pgp_decode(r, c);
	else {
		err_detail_set("credential kind %u", c->kind);
		return XE2E_E_UNSUPPORTED;
	}
	return err ? err : binding_decode(r, &c->binding);
}

/* The padded length of a payload whose fields take n bytes. */
static size_t padded_len(enum hs_payload_kind kind, const struct hs_payload *p, size_t n)
{
	size_t unit = HS_PAD_UNIT, len;

	if (kind == HS_PAYLOAD_XX1)
		return n;
	if ((kind == HS_PAYLOAD_XX2 || kind == HS_PAYLOAD_XX3) &&
	    (p->cred.kind == HS_CRED_KIND_X509 || p->cred.kind == HS_CRED_KIND_OPENPGP))
		unit = HS_PAD_CHAIN_UNIT;
	len = (n + unit - 1) / unit * unit;
	if (kind == HS_PAYLOAD_IK1 && len < HS_IK1_PAYLOAD_MIN)
		len = HS_IK1_PAYLOAD_MIN;
	return len;
}

static int payload_fields_encode(enum hs_payload_kind kind, const struct hs_payload *p,
				 struct buf *out)
{
	int err;

	switch (kind) {
	case HS_PAYLOAD_XX1:
		err = buf_append(out, p->rsid1, HS_RSID_LEN);
		return err ? err : buf_append(out, p->rsid2, HS_RSID_LEN);
	case HS_PAYLOAD_IK1:
	case HS_PAYLOAD_IK2:
		err = buf_append(out, p->fpr, FINGERPRINT_LEN);
		break;
	case HS_PAYLOAD_XX2:
	case HS_PAYLOAD_XX3:
		err = cred_encode(&p->cred, out);
		break;
	default:
		return XE2E_E_STATE;
	}
	if (!err)
		err = lists_encode(&p->lists, out);
	if (!err && (kind == HS_PAYLOAD_XX2 || kind == HS_PAYLOAD_IK2))
		err = buf_append(out, p->r0, X25519_LEN);
	return err;
}

int hsmsg_payload_encode(enum hs_payload_kind kind, const struct hs_payload *p, struct buf *out)
{
	size_t start = out->len, want;
	int err = payload_fields_encode(kind, p, out);

	if (err)
		return err;
	want = padded_len(kind, p, out->len - start);
	while (!err && out->len - start < want)
		err = buf_append_byte(out, 0);
	return err;
}

static int payload_fields_decode(enum hs_payload_kind kind, struct rd *r, struct hs_payload *p)
{
	int err;

	switch (kind) {
	case HS_PAYLOAD_XX1:
		err = rd_copy(r, p->rsid1, HS_RSID_LEN, "payload too short");
		return err ? err : rd_copy(r, p->rsid2, HS_RSID_LEN, "payload too short");
	case HS_PAYLOAD_IK1:
	case HS_PAYLOAD_IK2:
		err = rd_copy(r, p->fpr, FINGERPRINT_LEN, "payload too short");
		break;
	case HS_PAYLOAD_XX2:
	case HS_PAYLOAD_XX3:
		err = cred_decode(r, &p->cred);
		break;
	default:
		return XE2E_E_STATE;
	}
	if (!err)
		err = lists_decode(r, &p->lists);
	if (!err && (kind == HS_PAYLOAD_XX2 || kind == HS_PAYLOAD_IK2))
		err = rd_copy(r, p->r0, X25519_LEN, "payload too short");
	return err;
}

int hsmsg_payload_decode(enum hs_payload_kind kind, const uint8_t *in, size_t len,
			 struct hs_payload *p)
{
	struct rd r = {in, len, 0};
	int err;

	memset(p, 0, sizeof(*p));
	err = payload_fields_decode(kind, &r, p);
	if (err)
		return err;
	if (len != padded_len(kind, p, r.off))
		return malformed("payload padded to the wrong length");
	if (!ct_is_zero(in + r.off, len - r.off))
		return malformed("non-zero bytes after the payload");
	return XE2E_OK;
}

static int lp(struct buf *out, const void *data, size_t n)
{
	if (n > 0xffff)
		return XE2E_E_LIMIT;
	return buf_append_lp16(out, data, n);
}

int hsmsg_prologue_build(const struct hs_prologue *p, struct buf *out)
{
	static const char label[] = "xe2e handshake";
	int err = lp(out, label, sizeof(label) - 1);

	if (!err)
		err = lp(out, &p->version, 1);
	if (!err)
		err = lp(out, p->offer, p->offer_len);
	if (!err)
		err = lp(out, p->retry, p->retry_len);
	if (!err)
		err = lp(out, p->swap, p->swap_len);
	if (!err)
		err = lp(out, p->initiator_jid, strlen(p->initiator_jid));
	if (!err)
		err = lp(out, p->responder_jid, strlen(p->responder_jid));
	return err;
}
