/* The handshake stanzas as --trace shows them (see handshake_trace.h). */
#include "handshake_trace.h"

#include <string.h>

#include "dh.h"
#include "encoding.h"
#include "err.h"
#include "handshake_nego.h"
#include "hash.h"
#include "inspect.h"
#include "sig.h"

#define TAG_LEN 16                      /* of each sealed part */
#define SEALED_S_LEN (X25519_LEN + TAG_LEN) /* an encrypted static key */
#define KEY_ID_LEN 4                    /* bytes of SHA-256 in a short key id */

/* A field of a payload; len 0 stands for the 'supported' lists, CRED for
 * the credential. */
struct field {
	const char *name;
	size_t len;
};

#define CRED ((size_t)-1)

static const struct field xx1_fields[] = {{"rsid1", HS_RSID_LEN}, {"rsid2", HS_RSID_LEN}};
static const struct field ik1_fields[] = {{"fingerprint", FINGERPRINT_LEN}, {"supported", 0}};
static const struct field xx2_fields[] = {
	{"credential", CRED}, {"supported", 0}, {"r0", X25519_LEN}};
static const struct field ik2_fields[] = {
	{"fingerprint", FINGERPRINT_LEN}, {"supported", 0}, {"r0", X25519_LEN}};
static const struct field xx3_fields[] = {{"credential", CRED}, {"supported", 0}};

void hstrace_init(struct hstrace *t, const struct hs_lists *own)
{
	memset(t, 0, sizeof(*t));
	t->own = *own;
	t->own_cred = HS_CRED_KEY_LEN;
}

void hstrace_own_credential(struct hstrace *t, size_t len)
{
	t->own_cred = len;
}

static size_t supported_len(const struct hs_lists *l)
{
	return 2u + l->n_versions + l->n_suites;
}

static int key_id(struct buf *out, const char *name, const uint8_t *key)
{
	uint8_t d[SHA256_LEN];
	char hex[2 * KEY_ID_LEN + 1];
	int err = hash(HASH_SHA256, key, X25519_LEN, d);

	if (err)
		return err;
	hex_encode(d, KEY_ID_LEN, hex);
	return buf_printf(out, "; %s %s", name, hex);
}

static int list(struct buf *out, const uint8_t *codes, size_t n, int suites)
{
	int err = XE2E_OK;

	for (size_t i = 0; !err && i < n; i++) {
		const char *name = suites ? hsnego_suite_short_name(codes[i]) : NULL;

		err = name ? buf_printf(out, "%s%s", i ? "," : "", name)
			   : buf_printf(out, "%s%u", i ? "," : "", codes[i]);
	}
	return err;
}

static int code_name(struct buf *out, const char *what, const char *name, unsigned code)
{
	return name ? buf_printf(out, "; %s %s", what, name)
		    : buf_printf(out, "; %s %u (unknown)", what, code);
}

static int offer(struct buf *out, const struct hs_offer *o)
{
	int err = buf_printf(out, "; version %u of ", o->version);

	if (!err)
		err = list(out, o->lists.versions, o->lists.n_versions, 0);
	if (!err)
		err = code_name(out, "suite", hsnego_suite_short_name(o->suite), o->suite);
	if (!err)
		err = buf_append_str(out, " of ");
	if (!err)
		err = list(out, o->lists.suites, o->lists.n_suites, 1);
	if (!err)
		err = code_name(out, "pattern", hsnego_pattern_name(o->pattern), o->pattern);
	return err;
}

/* The size of field f in a payload of plain bytes; 0 when not visible
 * (the peer's lists, the peer's credential with a chain). */
static size_t field_len(const struct hstrace *t, int sent, const struct field *f, size_t plain)
{
	if (f->len == 0)
		return sent ? supported_len(&t->own) : 0;
	if (f->len != CRED)
		return f->len;
	if (sent)
		return t->own_cred;
	return plain >= HS_PAD_CHAIN_UNIT ? 0 : HS_CRED_KEY_LEN;
}

/* The fields whose size is not visible, then the padding that shares
 * their bytes: "credential, supported and padding". */
static int hidden_names(struct buf *out, const struct hstrace *t, int sent, const struct field *f,
			size_t n, size_t plain)
{
	int err = XE2E_OK, k = 0;

	for (size_t i = 0; !err && i < n; i++)
		if (!field_len(t, sent, &f[i], plain))
			err = buf_printf(out, "%s%s", k++ ? ", " : "", f[i].name);
	return err ? err : buf_append_str(out, " and padding");
}

/* "payload N bytes sealed: name len, ..., padding P", the fields in wire
 * order, from the plaintext length the sealed length implies. A field
 * whose size is not visible (the peer's lists, the peer's credential with
 * a chain) shows "?", and so does the padding after it; their total
 * follows: "; supported and padding P". */
static int payload(const struct hstrace *t, int sent, struct buf *out, const struct field *f,
		   size_t n, size_t sealed)
{
	size_t plain = sealed - TAG_LEN, fixed = 0, hidden = 0;
	int err = buf_printf(out, "; payload %zu bytes sealed:", sealed);

	for (size_t i = 0; i < n; i++) {
		size_t len = sealed < TAG_LEN ? 0 : field_len(t, sent, &f[i], plain);

		fixed += len;
		hidden += sealed >= TAG_LEN && !len;
	}
	if (sealed < TAG_LEN || plain < fixed)
		return err ? err : buf_append_str(out, " shorter than its fields");
	for (size_t i = 0; !err && i < n; i++) {
		size_t len = field_len(t, sent, &f[i], plain);

		err = len ? buf_printf(out, "%s %s %zu", i ? "," : "", f[i].name, len)
			  : buf_printf(out, "%s %s ?", i ? "," : "", f[i].name);
	}
	if (!err && !hidden)
		return buf_printf(out, ", padding %zu", plain - fixed);
	if (!err)
		err = buf_append_str(out, ", padding ?; ");
	if (!err)
		err = hidden_names(out, t, sent, f, n, plain);
	return err ? err : buf_printf(out, " %zu", plain - fixed);
}

static int too_short(struct buf *out)
{
	return buf_append_str(out, "; shorter than its pattern's fixed part");
}

/* The Noise message of a step 1: e, [s,] payload. */
static int noise1(struct hstrace *t, int sent, struct buf *out, const uint8_t *p, size_t n)
{
	int ik = t->pattern == HS_PATTERN_IK;
	size_t fixed = X25519_LEN + (ik ? SEALED_S_LEN : 0) + TAG_LEN;
	int err;

	if (t->pattern != HS_PATTERN_XX && !ik)
		return buf_printf(out, "; Noise message %zu bytes", n);
	if (n < fixed)
		return too_short(out);
	err = key_id(out, "e", p);
	if (!err && ik)
		err = buf_printf(out, "; s %d bytes sealed", SEALED_S_LEN);
	if (err)
		return err;
	n -= X25519_LEN + (ik ? SEALED_S_LEN : 0);
	return ik ? payload(t, sent, out, ik1_fields, 2, n) : payload(t, sent, out, xx1_fields, 2, n);
}

static int step1(struct hstrace *t, int sent, struct buf *out, const uint8_t *body, size_t len)
{
	struct hs_step1 s1;
	int err = hsmsg_step1_decode(body, len, &s1);

	if (err)
		return err == XE2E_E_NOMEM ? err : buf_append_str(out, "; does not parse");
	t->pattern = s1.offer.pattern;
	err = offer(out, &s1.offer);
	if (!err)
		err = s1.cookie_len ? buf_printf(out, "; cookie %zu bytes", s1.cookie_len)
				    : buf_append_str(out, "; no cookie");
	return err ? err : noise1(t, sent, out, s1.noise, s1.noise_len);
}

static int retry(struct buf *out, const uint8_t *body, size_t len)
{
	struct hs_retry r;
	int err;

	if (hsmsg_retry_decode(body, len, &r))
		return buf_append_str(out, "; does not parse");
	err = buf_printf(out, "; kind %u (%s); version %u", r.kind,
			 r.kind == HS_RETRY_IK_TO_XX ? "IK cannot be read: use XX" : "another choice",
			 r.version);
	if (!err)
		err = code_name(out, "suite", hsnego_suite_short_name(r.suite), r.suite);
	if (!err)
		err = code_name(out, "pattern", hsnego_pattern_name(r.pattern), r.pattern);
	return err ? err : buf_printf(out, "; cookie %u bytes", r.cookie_len);
}

static int step2(const struct hstrace *t, int sent, struct buf *out, const uint8_t *p, size_t n)
{
	int ik = t->pattern == HS_PATTERN_IK;
	size_t head = X25519_LEN + (ik ? 0 : SEALED_S_LEN);
	int err;

	if (t->pattern != HS_PATTERN_XX && !ik)
		return buf_append_str(out, "; no step 1 seen");
	if (n < head + TAG_LEN)
		return too_short(out);
	err = key_id(out, "e", p);
	if (!err && !ik)
		err = buf_printf(out, "; s %d bytes sealed", SEALED_S_LEN);
	if (err)
		return err;
	return ik ? payload(t, sent, out, ik2_fields, 3, n - head)
		  : payload(t, sent, out, xx2_fields, 3, n - head);
}

static int step3(const struct hstrace *t, int sent, struct buf *out, size_t n)
{
	int err;

	if (t->pattern != HS_PATTERN_XX)
		return buf_append_str(out, "; not after an XX step 1");
	if (n < SEALED_S_LEN + TAG_LEN)
		return too_short(out);
	err = buf_printf(out, "; s %d bytes sealed", SEALED_S_LEN);
	return err ? err : payload(t, sent, out, xx3_fields, 2, n - SEALED_S_LEN);
}

int hstrace_describe(struct hstrace *t, int sent, enum hs_step step, const uint8_t *body,
		     size_t len, const char *reason, struct buf *out)
{
	const char *name = handshake_step_name(step);
	int err = buf_printf(out, "step %s, %zu bytes", name ? name : "?", len);

	if (err)
		return err;
	switch (step) {
	case HS_STEP_1:
	case HS_STEP_SWAP:
		return step1(t, sent, out, body, len);
	case HS_STEP_RETRY:
		return retry(out, body, len);
	case HS_STEP_2:
		return step2(t, sent, out, body, len);
	case HS_STEP_3:
		return step3(t, sent, out, len);
	case HS_STEP_ABORT:
		err = buf_append_str(out, "; reason ");
		return err ? err : inspect_word_append(out, reason);
	default:
		return XE2E_OK;
	}
}
