/*
 * The server's SCRAM messages (xmpp_scram.h), as xe2e-connect gets them
 * from <challenge/> and <success/>. The first byte picks the hash (bit 0:
 * SHA-256) and the password (bit 1: one SASLprep refuses, so that only
 * the parsing runs); the next two the length of the server-first-message
 * (big-endian); the rest is the server-final-message. The client nonce is
 * the published one of RFC 5802 (SHA-1) or RFC 7677 (SHA-256), so their
 * exchanges are seeds.
 *
 * Checked: the codes are the documented ones and a failure is final; a
 * client-final is written only for a server nonce that extends ours, and
 * has the shape c=biws,r=NONCE,p=PROOF with a proof of the hash's size;
 * the server-final verifies exactly when it carries the signature the
 * exchange computed; no detail holds a control character, since details
 * end up on a diagnostic line.
 */
#include "fuzz.h"

#include <string.h>

#include "buf.h"
#include "encoding.h"
#include "err.h"
#include "xmpp_scram.h"

#define FZ_SCRAM_USER "user"
#define FZ_SCRAM_PASSWORD "pencil"
#define FZ_SCRAM_REFUSED "pen\x07cil" /* a control character: SASLprep refuses it */
#define FZ_SCRAM_NONCE_SHA1 "fyko+d2lbbFgONRv9qkxdawL"
#define FZ_SCRAM_NONCE_SHA256 "rOprNGfwEbeRWgbNEkqO"
/* More iterations than the published exchanges use cost the fuzzer time
 * and test nothing more: such messages are parsed only. */
#define FZ_SCRAM_ITER_MAX 4096u

static void fz_scram_detail_clean(void)
{
	for (const char *p = err_detail(); *p; p++)
		FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
}

/* 1 when some i= attribute of the message asks for more than
 * FZ_SCRAM_ITER_MAX iterations (or has more digits than that can). */
static int fz_scram_costly(const uint8_t *m, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		unsigned long v = 0;
		size_t k = i + 2;

		if (m[i] != 'i' || m[i + 1] != '=' || (i && m[i - 1] != ','))
			continue;
		while (k < n && k - i - 2 < 6 && m[k] >= '0' && m[k] <= '9')
			v = v * 10 + (unsigned long)(m[k++] - '0');
		if (v > FZ_SCRAM_ITER_MAX || (k < n && m[k] >= '0' && m[k] <= '9'))
			return 1;
	}
	return 0;
}

/* The client-final written for the server-first msg: its shape. */
static void fz_scram_final(const struct scram *s, const char *cnonce, const uint8_t *msg,
			   size_t n, const struct buf *out)
{
	const uint8_t *comma = memchr(msg, ',', n);
	size_t hl = s->alg == SCRAM_SHA1 ? 20 : 32, got = 0;
	struct buf want = BUF_INIT;
	uint8_t proof[SCRAM_HASH_MAX];

	FUZZ_CHECK(comma && n > 2 && !memcmp(msg, "r=", 2));
	if (!comma || n <= 2)
		return;
	FUZZ_CHECK((size_t)(comma - msg) - 2 > strlen(cnonce) &&
		   !memcmp(msg + 2, cnonce, strlen(cnonce)));
	FUZZ_CHECK(buf_append_str(&want, "c=biws,r=") == XE2E_OK &&
		   buf_append(&want, msg + 2, (size_t)(comma - msg) - 2) == XE2E_OK &&
		   buf_append_str(&want, ",p=") == XE2E_OK);
	FUZZ_CHECK(out->len > want.len && !memcmp(out->data, want.data, want.len));
	if (out->len > want.len)
		FUZZ_CHECK(b64_decode((const char *)out->data + want.len, out->len - want.len,
				      proof, sizeof(proof), &got) == XE2E_OK &&
			   got == hl);
	buf_free(&want);
}

/* The server-final: it verifies exactly when it is v= and the signature the
 * exchange computed, with nothing or an extension after it. */
static void fz_scram_verify(struct scram *s, const uint8_t *msg, size_t n)
{
	size_t hl = s->alg == SCRAM_SHA1 ? 20 : 32, bl;
	char want[64];
	int expect, err;

	FUZZ_CHECK(b64_encode(s->server_sig, hl, want, sizeof(want)) == XE2E_OK);
	bl = strlen(want);
	expect = n >= 2 + bl && !memcmp(msg, "v=", 2) && !memcmp(msg + 2, want, bl) &&
		 (n == 2 + bl || msg[2 + bl] == ',');
	err = scram_verify(s, msg, n);
	fz_scram_detail_clean();
	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_AUTH || err == XE2E_E_MALFORMED);
	FUZZ_CHECK((err == XE2E_OK) == expect);
	FUZZ_CHECK(s->step == (err ? SCRAM_FAILED : SCRAM_VERIFIED));
	if (n >= 2 && !memcmp(msg, "e=", 2))
		FUZZ_CHECK(err == XE2E_E_AUTH);
	FUZZ_CHECK(scram_verify(s, msg, n) == XE2E_E_STATE);
}

int fuzz_scram(const uint8_t *data, size_t size)
{
	struct scram s = SCRAM_INIT;
	struct buf first = BUF_INIT, out = BUF_INIT;
	enum scram_alg alg;
	const char *cnonce;
	const uint8_t *msg, *fin;
	size_t n;
	int err, refused;

	if (size < 3)
		return 0;
	alg = data[0] & 1 ? SCRAM_SHA256 : SCRAM_SHA1;
	cnonce = alg == SCRAM_SHA1 ? FZ_SCRAM_NONCE_SHA1 : FZ_SCRAM_NONCE_SHA256;
	n = (size_t)data[1] << 8 | data[2];
	if (n > size - 3)
		n = size - 3;
	msg = data + 3;
	fin = msg + n;
	refused = (data[0] & 2) || fz_scram_costly(msg, n);
	FUZZ_CHECK(scram_start(&s, alg, FZ_SCRAM_USER, cnonce, &first) == XE2E_OK);
	err = scram_respond(&s, refused ? FZ_SCRAM_REFUSED : FZ_SCRAM_PASSWORD, msg, n, &out);
	fz_scram_detail_clean();
	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED || err == XE2E_E_UNSUPPORTED ||
		   err == XE2E_E_LIMIT || err == XE2E_E_AUTH);
	FUZZ_CHECK(err != XE2E_E_AUTH || refused);
	if (err) {
		FUZZ_CHECK(s.step == SCRAM_FAILED && out.len == 0);
		FUZZ_CHECK(scram_verify(&s, fin, size - 3 - n) == XE2E_E_STATE);
	} else {
		FUZZ_CHECK(s.step == SCRAM_RESPONDED);
		fz_scram_final(&s, cnonce, msg, n, &out);
		fz_scram_verify(&s, fin, size - 3 - n);
	}
	scram_wipe(&s);
	buf_free(&first);
	buf_free(&out);
	return 0;
}
