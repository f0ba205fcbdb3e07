#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "hash.h"
#include "rng.h"
#include "sas.h"
#include "unit.h"
#include "util.h"

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* The 40 bits of 8 symbol values, by hand: symbol i holds bits
 * 39-5i .. 35-5i, most significant first. */
static void symbols_to_bytes(const int sym[8], uint8_t out[5])
{
	out[0] = (uint8_t)(sym[0] << 3 | sym[1] >> 2);
	out[1] = (uint8_t)((sym[1] & 3) << 6 | sym[2] << 1 | sym[3] >> 4);
	out[2] = (uint8_t)((sym[3] & 15) << 4 | sym[4] >> 1);
	out[3] = (uint8_t)((sym[4] & 1) << 7 | sym[5] << 2 | sym[6] >> 3);
	out[4] = (uint8_t)((sym[6] & 7) << 5 | sym[7]);
}

/* "XXXX-XXXX" from 8 symbol values. */
static void symbols_to_text(const int sym[8], char out[SAS_TEXT_LEN])
{
	for (int i = 0, o = 0; i < 8; i++) {
		if (i == 4)
			out[o++] = '-';
		out[o++] = crockford[sym[i]];
	}
	out[9] = '\0';
}

/* Known codes: bytes built by hand from symbol values, and a few written
 * out in hex. */
TEST(sas_crockford_known_values)
{
	static const int cases[][8] = {
		{ 0, 0, 0, 0, 0, 0, 0, 0 },         { 31, 31, 31, 31, 31, 31, 31, 31 },
		{ 0, 1, 2, 3, 4, 5, 6, 7 },         { 24, 25, 26, 27, 28, 29, 30, 31 },
		{ 19, 7, 20, 2, 29, 9, 23, 22 },    { 1, 1, 1, 1, 1, 1, 1, 1 },
		{ 16, 8, 4, 2, 1, 17, 10, 5 },      { 30, 0, 31, 0, 30, 0, 31, 0 },
	};
	static const struct {
		const char *hex;
		const char *text;
	} written[] = {
		{ "0000000000", "0000-0000" }, { "ffffffffff", "ZZZZ-ZZZZ" },
		{ "00443214c7", "0123-4567" }, { "0842108421", "1111-1111" },
		{ "8000000000", "G000-0000" }, { "0000000001", "0000-0001" },
	};
	char text[SAS_TEXT_LEN], want[SAS_TEXT_LEN];
	uint8_t bytes[5], back[5];
	size_t n;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		symbols_to_bytes(cases[i], bytes);
		symbols_to_text(cases[i], want);
		sas_format(bytes, text);
		CHECK_STR(text, want);
		CHECK_INT(sas_parse(text, back), XE2E_OK);
		CHECK_MEM(back, bytes, 5);
	}
	symbols_to_text(cases[3], want);
	CHECK_STR(want, "RSTV-WXYZ");
	symbols_to_text(cases[4], want);
	CHECK_STR(want, "K7M2-X9QP");
	for (size_t i = 0; i < ARRAY_SIZE(written); i++) {
		uint8_t *b = unit_hex(written[i].hex, &n);

		CHECK(b && n == 5);
		if (!b)
			continue;
		sas_format(b, text);
		CHECK_STR(text, written[i].text);
		CHECK_INT(sas_parse(written[i].text, back), XE2E_OK);
		CHECK_MEM(back, b, 5);
		free(b);
	}
	unit_note("%zu codes from symbol values by hand, %zu written out in hex",
		  ARRAY_SIZE(cases), ARRAY_SIZE(written));
}

/* Random codes survive format and parse. */
TEST(sas_crockford_round_trip)
{
	uint8_t code[5], back[5];
	char text[SAS_TEXT_LEN];

	for (int i = 0; i < 1000; i++) {
		CHECK_INT(rng_bytes(code, sizeof(code)), XE2E_OK);
		sas_format(code, text);
		CHECK_INT((int)strlen(text), 9);
		CHECK(text[4] == '-');
		CHECK(strspn(text, crockford) == 4 && strspn(text + 5, crockford) == 4);
		CHECK_INT(sas_parse(text, back), XE2E_OK);
		CHECK_MEM(back, code, 5);
	}
}

/* What a person may type: any case, no dash, spaces, I/L for 1 and O for
 * 0; and what is refused. */
TEST(sas_parse_variants)
{
	static const char *same[] = {
		"K7M2-X9QP", "k7m2-x9qp", "K7M2X9QP", "k7m2x9qp", "K7M2 X9QP", " k7M2--x9Qp ",
		"K-7-M-2-X-9-Q-P", "K 7 M 2 X 9 Q P",
	};
	static const char *bad[] = {
		"",           "K7M2-X9Q",   "K7M2-X9QPA", "K7M2-X9QU",  "K7M2_X9QP",
		"K7M2\tX9QP", "K7M2-X9Q*", "K7M2-X9QP\n", "--------",   "K7M2-X9QÉ",
	};
	uint8_t want[5], got[5], one[5];
	char longer[SAS_INPUT_MAX + 2];

	CHECK_INT(sas_parse("K7M2-X9QP", want), XE2E_OK);
	for (size_t i = 0; i < ARRAY_SIZE(same); i++) {
		memset(got, 0, sizeof(got));
		CHECK_INT(sas_parse(same[i], got), XE2E_OK);
		CHECK_MEM(got, want, 5);
	}
	/* Crockford's decoding: I, i, L, l read as 1; O, o as 0. */
	CHECK_INT(sas_parse("1100-0011", one), XE2E_OK);
	CHECK_INT(sas_parse("IL0O-oOil", got), XE2E_OK);
	CHECK_MEM(got, one, 5);
	CHECK_INT(sas_parse("iLoO-0OLI", got), XE2E_OK);
	CHECK_INT(sas_parse("1100-0011", one), XE2E_OK);
	CHECK_INT(sas_parse("1000-0011", want), XE2E_OK);
	CHECK(memcmp(got, want, 5) != 0);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK_INT(sas_parse(bad[i], got), XE2E_E_MALFORMED);
	/* Separators count towards the cap of SAS_INPUT_MAX characters. */
	memset(longer, '-', sizeof(longer));
	memcpy(longer + SAS_INPUT_MAX - 8, "K7M2X9QP", 8);
	longer[SAS_INPUT_MAX] = '\0';
	CHECK_INT(sas_parse(longer, got), XE2E_OK);
	memset(longer, '-', sizeof(longer));
	memcpy(longer + SAS_INPUT_MAX - 7, "K7M2X9QP", 8);
	longer[SAS_INPUT_MAX + 1] = '\0';
	CHECK_INT(sas_parse(longer, got), XE2E_E_MALFORMED);
	unit_note("%zu spellings accepted, %zu refused", ARRAY_SIZE(same) + 2, ARRAY_SIZE(bad) + 1);
}

/* The commitment and the code, rebuilt from their definitions. */
TEST(sas_derivation)
{
	uint8_t hh[32], na[32], nb[32], buf[96], want[32], got[32], code[5], swapped[5];

	CHECK_INT(rng_bytes(hh, 32) | rng_bytes(na, 32) | rng_bytes(nb, 32), XE2E_OK);
	memcpy(buf, hh, 32);
	memcpy(buf + 32, "xe2e sas commit", 15);
	memcpy(buf + 47, na, 32);
	CHECK_INT(hash(HASH_SHA256, buf, 79, want), XE2E_OK);
	CHECK_INT(sas_commitment(hh, na, got), XE2E_OK);
	CHECK_MEM(got, want, 32);
	/* The first 40 bits of HKDF(hh || nA || nB, "xe2e sas"). */
	memcpy(buf, hh, 32);
	memcpy(buf + 32, na, 32);
	memcpy(buf + 64, nb, 32);
	CHECK_INT(hkdf(HASH_SHA256, NULL, 0, buf, 96, "xe2e sas", 8, want, 32), XE2E_OK);
	CHECK_INT(sas_derive(hh, na, nb, code), XE2E_OK);
	CHECK_MEM(code, want, 5);
	CHECK_INT(sas_derive(hh, nb, na, swapped), XE2E_OK);
	CHECK(memcmp(code, swapped, 5) != 0);
}

/* Runs both sides; the four messages are copied out. */
static void sas_run(struct sas *i, struct sas *r, const uint8_t hh[32], uint8_t commit[SAS_MSG_LEN],
		    uint8_t nonce[SAS_MSG_LEN], uint8_t reveal[SAS_MSG_LEN])
{
	char text[SAS_TEXT_LEN];

	CHECK_INT(sas_init(i, SAS_INITIATOR, hh), XE2E_OK);
	CHECK_INT(sas_init(r, SAS_RESPONDER, hh), XE2E_OK);
	CHECK_INT(sas_send(i, commit), XE2E_OK);
	CHECK_INT(sas_code(i, text), XE2E_E_STATE);
	CHECK_INT(sas_receive(r, commit, SAS_MSG_LEN), XE2E_OK);
	CHECK_INT(sas_send(r, nonce), XE2E_OK);
	CHECK_INT(sas_receive(i, nonce, SAS_MSG_LEN), XE2E_OK);
	CHECK(!sas_is_complete(i));
	CHECK_INT(sas_send(i, reveal), XE2E_OK);
	CHECK(sas_is_complete(i));
}

/* Both sides agree; the code is the one the definitions give; the typed
 * code is checked in any spelling; a different code is refused. */
TEST(sas_both_sides_agree)
{
	uint8_t hh[32], commit[SAS_MSG_LEN], nonce[SAS_MSG_LEN], reveal[SAS_MSG_LEN], c[32];
	uint8_t bits[5];
	char ti[SAS_TEXT_LEN], tr[SAS_TEXT_LEN], want[SAS_TEXT_LEN], typed[SAS_TEXT_LEN];
	struct sas i, r;
	int runs;

	for (runs = 0; runs < 20; runs++) {
		CHECK_INT(rng_bytes(hh, sizeof(hh)), XE2E_OK);
		sas_run(&i, &r, hh, commit, nonce, reveal);
		CHECK(!sas_is_complete(&r));
		CHECK_INT(sas_receive(&r, reveal, sizeof(reveal)), XE2E_OK);
		CHECK(sas_is_complete(&r));
		CHECK(commit[0] == SAS_MSG_COMMIT && nonce[0] == SAS_MSG_NONCE &&
		      reveal[0] == SAS_MSG_REVEAL);
		CHECK_INT(sas_commitment(hh, reveal + 1, c), XE2E_OK);
		CHECK_MEM(c, commit + 1, 32);
		CHECK_INT(sas_derive(hh, reveal + 1, nonce + 1, bits), XE2E_OK);
		sas_format(bits, want);
		CHECK_INT(sas_code(&i, ti) | sas_code(&r, tr), XE2E_OK);
		CHECK_STR(ti, want);
		CHECK_STR(tr, want);
		CHECK_INT(sas_check(&r, ti), XE2E_OK);
		for (int k = 0; ti[k]; k++) /* lower case, as typed */
			typed[k] = (char)(ti[k] >= 'A' && ti[k] <= 'Z' ? ti[k] - 'A' + 'a' : ti[k]);
		typed[9] = '\0';
		CHECK_INT(sas_check(&i, typed), XE2E_OK);
		typed[8] = typed[8] == 'z' ? 'y' : 'z';
		CHECK_INT(sas_check(&i, typed), XE2E_E_AUTH);
		CHECK_INT(sas_check(&i, "K7M2-X9Q"), XE2E_E_MALFORMED);
		sas_wipe(&i);
		sas_wipe(&r);
	}
	unit_note("%d runs: both sides show the same code", runs);
}

/* A reveal that is not the committed nonce: XE2E_E_AUTH, final. */
TEST(sas_forged_reveal)
{
	uint8_t hh[32], commit[SAS_MSG_LEN], nonce[SAS_MSG_LEN], reveal[SAS_MSG_LEN], other[SAS_MSG_LEN];
	char text[SAS_TEXT_LEN];
	struct sas i, r;
	unsigned runs = 0;

	CHECK_INT(rng_bytes(hh, sizeof(hh)), XE2E_OK);
	for (size_t bit = 8; bit < 8 * SAS_MSG_LEN; bit += 7) {
		sas_run(&i, &r, hh, commit, nonce, reveal);
		reveal[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		CHECK_INT(sas_receive(&r, reveal, sizeof(reveal)), XE2E_E_AUTH);
		CHECK_INT(sas_code(&r, text), XE2E_E_STATE);
		CHECK_INT(sas_check(&r, "0000-0000"), XE2E_E_STATE);
		reveal[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		CHECK_INT(sas_receive(&r, reveal, sizeof(reveal)), XE2E_E_STATE); /* final */
		sas_wipe(&i);
		sas_wipe(&r);
		runs++;
	}
	/* A nonce of the attacker's choice in place of the committed one. */
	sas_run(&i, &r, hh, commit, nonce, reveal);
	other[0] = SAS_MSG_REVEAL;
	CHECK_INT(rng_bytes(other + 1, 32), XE2E_OK);
	CHECK_INT(sas_receive(&r, other, sizeof(other)), XE2E_E_AUTH);
	sas_wipe(&i);
	sas_wipe(&r);
	/* A tampered commitment: the honest reveal no longer matches. */
	sas_run(&i, &r, hh, commit, nonce, reveal);
	sas_wipe(&r);
	commit[32] ^= 0x80;
	CHECK_INT(sas_init(&r, SAS_RESPONDER, hh), XE2E_OK);
	CHECK_INT(sas_receive(&r, commit, sizeof(commit)), XE2E_OK);
	CHECK_INT(sas_send(&r, nonce), XE2E_OK);
	CHECK_INT(sas_receive(&r, reveal, sizeof(reveal)), XE2E_E_AUTH);
	sas_wipe(&i);
	sas_wipe(&r);
	/* A different handshake hash on the responder's side. */
	sas_run(&i, &r, hh, commit, nonce, reveal);
	sas_wipe(&r);
	hh[0] ^= 1;
	CHECK_INT(sas_init(&r, SAS_RESPONDER, hh), XE2E_OK);
	CHECK_INT(sas_receive(&r, commit, sizeof(commit)), XE2E_OK);
	CHECK_INT(sas_send(&r, nonce), XE2E_OK);
	CHECK_INT(sas_receive(&r, reveal, sizeof(reveal)), XE2E_E_AUTH);
	sas_wipe(&i);
	sas_wipe(&r);
	unit_note("%u reveals with a flipped bit, a substituted nonce, a tampered commitment and "
		  "another handshake hash refused", runs);
}

/* One message fed to a side in a given position; returns the error and
 * checks that a failure is final. */
static int feed(enum sas_role role, int steps, const uint8_t *msg, size_t len)
{
	uint8_t hh[32] = { 1 }, out[SAS_MSG_LEN], in[SAS_MSG_LEN] = { 0 };
	struct sas s;
	int err;

	CHECK_INT(sas_init(&s, role, hh), XE2E_OK);
	if (role == SAS_INITIATOR && steps >= 1)
		CHECK_INT(sas_send(&s, out), XE2E_OK); /* commit */
	if (role == SAS_RESPONDER && steps >= 1) {
		in[0] = SAS_MSG_COMMIT;
		CHECK_INT(sas_receive(&s, in, sizeof(in)), XE2E_OK);
		CHECK_INT(sas_send(&s, out), XE2E_OK); /* nonce */
	}
	err = sas_receive(&s, msg, len);
	if (err) {
		CHECK_INT(sas_send(&s, out), XE2E_E_STATE);
		CHECK_INT(sas_receive(&s, msg, len), XE2E_E_STATE);
		CHECK(ct_is_zero(s.hh, sizeof(s.hh)) && ct_is_zero(s.commit, sizeof(s.commit)));
	}
	sas_wipe(&s);
	return err;
}

/* Messages from the wrong side or at the wrong time: XE2E_E_STATE;
 * unknown types and wrong lengths: XE2E_E_MALFORMED. All final. */
TEST(sas_wrong_side_refused)
{
	uint8_t m[SAS_MSG_LEN + 1], out[SAS_MSG_LEN], hh[32] = { 0 };
	struct sas s;

	memset(m, 0x5a, sizeof(m));
	m[0] = SAS_MSG_COMMIT; /* a commit from the responder's side */
	CHECK_INT(feed(SAS_INITIATOR, 0, m, SAS_MSG_LEN), XE2E_E_STATE);
	CHECK_INT(feed(SAS_INITIATOR, 1, m, SAS_MSG_LEN), XE2E_E_STATE);
	CHECK_INT(feed(SAS_RESPONDER, 1, m, SAS_MSG_LEN), XE2E_E_STATE); /* a second commit */
	m[0] = SAS_MSG_NONCE; /* a nonce from the initiator's side */
	CHECK_INT(feed(SAS_RESPONDER, 0, m, SAS_MSG_LEN), XE2E_E_STATE);
	CHECK_INT(feed(SAS_RESPONDER, 1, m, SAS_MSG_LEN), XE2E_E_STATE);
	CHECK_INT(feed(SAS_INITIATOR, 0, m, SAS_MSG_LEN), XE2E_E_STATE); /* before its commit */
	m[0] = SAS_MSG_REVEAL;
	CHECK_INT(feed(SAS_INITIATOR, 1, m, SAS_MSG_LEN), XE2E_E_STATE);
	CHECK_INT(feed(SAS_RESPONDER, 0, m, SAS_MSG_LEN), XE2E_E_STATE); /* before a commit */
	m[0] = 0x00;
	CHECK_INT(feed(SAS_RESPONDER, 0, m, SAS_MSG_LEN), XE2E_E_MALFORMED);
	m[0] = 0x04;
	CHECK_INT(feed(SAS_INITIATOR, 1, m, SAS_MSG_LEN), XE2E_E_MALFORMED);
	m[0] = SAS_MSG_COMMIT;
	CHECK_INT(feed(SAS_RESPONDER, 0, m, SAS_MSG_LEN - 1), XE2E_E_MALFORMED);
	CHECK_INT(feed(SAS_RESPONDER, 0, m, SAS_MSG_LEN + 1), XE2E_E_MALFORMED);
	CHECK_INT(feed(SAS_RESPONDER, 0, m, 0), XE2E_E_MALFORMED);
	CHECK_INT(feed(SAS_RESPONDER, 0, m, SAS_MSG_LEN), XE2E_OK);

	/* Sending out of turn. */
	CHECK_INT(sas_init(&s, SAS_RESPONDER, hh), XE2E_OK);
	CHECK_INT(sas_send(&s, out), XE2E_E_STATE);
	CHECK_INT(sas_receive(&s, m, SAS_MSG_LEN), XE2E_E_STATE);
	sas_wipe(&s);
	CHECK_INT(sas_init(&s, SAS_INITIATOR, hh), XE2E_OK);
	CHECK_INT(sas_send(&s, out), XE2E_OK);
	CHECK_INT(sas_send(&s, out), XE2E_E_STATE);
	sas_wipe(&s);
	/* The detail names the commit from the wrong side. */
	CHECK_INT(sas_init(&s, SAS_INITIATOR, hh), XE2E_OK);
	m[0] = SAS_MSG_COMMIT;
	CHECK_INT(sas_receive(&s, m, SAS_MSG_LEN), XE2E_E_STATE);
	CHECK(strstr(err_detail(), "only the Noise initiator commits") != NULL);
	sas_wipe(&s);
	CHECK_INT(sas_init(&s, 3, hh), XE2E_E_MALFORMED);
	CHECK_INT(sas_send(&s, out), XE2E_E_STATE);
	sas_wipe(&s);
	unit_note("8 messages from the wrong side or time refused with XE2E_E_STATE, "
		  "5 malformed ones with XE2E_E_MALFORMED");
}
