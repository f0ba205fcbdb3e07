/*
 * SCRAM client: the published example exchanges of RFC 5802 section 5
 * (SCRAM-SHA-1) and RFC 7677 section 3 (SCRAM-SHA-256), byte for byte;
 * then every way a server's message can be wrong: a flipped signature, a
 * nonce that does not extend ours, bad iteration counts and salts,
 * mandatory extensions, server errors, and calls out of order. SASLprep of
 * the password follows the examples of RFC 4013 section 3.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "encoding.h"
#include "err.h"
#include "unit.h"
#include "xmpp_scram.h"

struct scram_vector {
	const char *source;
	enum scram_alg alg;
	const char *user, *password, *cnonce;
	const char *client_first, *server_first, *client_final, *server_final;
};

static const struct scram_vector vectors[] = {
	{"RFC 5802 section 5", SCRAM_SHA1, "user", "pencil", "fyko+d2lbbFgONRv9qkxdawL",
	 "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
	 "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
	 "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
	 "v=rmF9pqV8S7suAoZWja4dJRkFsKQ="},
	{"RFC 7677 section 3", SCRAM_SHA256, "user", "pencil", "rOprNGfwEbeRWgbNEkqO",
	 "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
	 "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
	 "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
	 "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
	 "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="},
};

#define NV (sizeof(vectors) / sizeof(vectors[0]))

static const uint8_t *u8(const char *s)
{
	return (const uint8_t *)s;
}

/* Starts and answers the vector's server-first with password; returns the
 * code of scram_respond, the client-final in out (NUL-terminated). */
static int run_to_final(struct scram *s, const struct scram_vector *v, const char *password,
			const char *server_first, struct buf *out)
{
	struct buf first = BUF_INIT;
	int err = scram_start(s, v->alg, v->user, v->cnonce, &first);

	buf_free(&first);
	buf_clear(out);
	if (!err)
		err = scram_respond(s, password, u8(server_first), strlen(server_first), out);
	buf_terminate(out);
	return err;
}

TEST(scram_published_exchanges)
{
	size_t checked = 0;

	for (size_t i = 0; i < NV; i++) {
		const struct scram_vector *v = &vectors[i];
		struct scram s = SCRAM_INIT;
		struct buf out = BUF_INIT;

		CHECK_STR(scram_mech_name(v->alg), i == 0 ? "SCRAM-SHA-1" : "SCRAM-SHA-256");
		CHECK_INT(scram_start(&s, v->alg, v->user, v->cnonce, &out), XE2E_OK);
		buf_terminate(&out);
		CHECK_STR((char *)out.data, v->client_first);
		buf_clear(&out);
		CHECK_INT(scram_respond(&s, v->password, u8(v->server_first),
					strlen(v->server_first), &out),
			  XE2E_OK);
		buf_terminate(&out);
		CHECK_STR((char *)out.data, v->client_final);
		CHECK_INT(scram_verify(&s, u8(v->server_final), strlen(v->server_final)),
			  XE2E_OK);
		CHECK_INT(s.step, SCRAM_VERIFIED);
		checked++;
		scram_wipe(&s);
		buf_free(&out);
	}
	unit_note("%zu published exchanges (%s, %s)", checked, vectors[0].source,
		  vectors[1].source);
}

/* Every byte of the server signature flipped in turn is refused. */
TEST(scram_flipped_server_signature)
{
	size_t flips = 0;

	for (size_t i = 0; i < NV; i++) {
		const struct scram_vector *v = &vectors[i];
		uint8_t sig[SCRAM_HASH_MAX];
		size_t n = 0;
		char b64[64], msg[80];

		CHECK_INT(b64_decode(v->server_final + 2, strlen(v->server_final + 2), sig,
				     sizeof(sig), &n),
			  XE2E_OK);
		for (size_t k = 0; k < n; k++, flips++) {
			struct scram s = SCRAM_INIT;
			struct buf out = BUF_INIT;

			sig[k] ^= 0x01;
			b64_encode(sig, n, b64, sizeof(b64));
			snprintf(msg, sizeof(msg), "v=%s", b64);
			sig[k] ^= 0x01;
			CHECK_INT(run_to_final(&s, v, v->password, v->server_first, &out), XE2E_OK);
			CHECK_INT(scram_verify(&s, u8(msg), strlen(msg)), XE2E_E_AUTH);
			CHECK(strstr(err_detail(), "does not know the password") != NULL);
			CHECK_INT(s.step, SCRAM_FAILED);
			scram_wipe(&s);
			buf_free(&out);
		}
	}
	unit_note("%zu flipped signature bytes refused", flips);
}

TEST(scram_wrong_password_gives_another_proof)
{
	for (size_t i = 0; i < NV; i++) {
		const struct scram_vector *v = &vectors[i];
		struct scram s = SCRAM_INIT;
		struct buf out = BUF_INIT;

		CHECK_INT(run_to_final(&s, v, "pencil2", v->server_first, &out), XE2E_OK);
		CHECK(strcmp((char *)out.data, v->client_final) != 0);
		/* the same prefix: only the proof differs */
		CHECK(strncmp((char *)out.data, v->client_final,
			      strstr(v->client_final, ",p=") - v->client_final) == 0);
		CHECK_INT(scram_verify(&s, u8(v->server_final), strlen(v->server_final)),
			  XE2E_E_AUTH);
		scram_wipe(&s);
		buf_free(&out);
	}
}

struct bad_first {
	const char *server_first;
	int want;
};

TEST(scram_bad_server_first)
{
	/* Against the RFC 7677 client nonce rOprNGfwEbeRWgbNEkqO. */
	static const struct bad_first bad[] = {
		{"r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", XE2E_E_MALFORMED},
		{"r=XOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", XE2E_E_MALFORMED},
		{"r=rOprNGfwEbeRWgbNEkqOab c,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", XE2E_E_MALFORMED},
		{"r=rOprNGfwEbeRWgbNEkq,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", XE2E_E_MALFORMED},
		{"m=ext,r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
		 XE2E_E_UNSUPPORTED},
		{"s=W22ZaJ0SNY7soEsUEjb6gQ==,r=rOprNGfwEbeRWgbNEkqOabc,i=4096", XE2E_E_MALFORMED},
		{"r=rOprNGfwEbeRWgbNEkqOabc,i=4096", XE2E_E_MALFORMED},
		{"r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==", XE2E_E_MALFORMED},
		{"r=rOprNGfwEbeRWgbNEkqOabc,s=,i=4096", XE2E_E_MALFORMED},
		{"r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ=,i=4096", XE2E_E_MALFORMED},
		{"r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gR==,i=4096", XE2E_E_MALFORMED},
		{"r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4095", XE2E_E_LIMIT},
		{"r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1", XE2E_E_LIMIT},
		{"r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=10000001", XE2E_E_LIMIT},
		{"r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=04096", XE2E_E_MALFORMED},
		{"r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096x", XE2E_E_MALFORMED},
		{"r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=", XE2E_E_MALFORMED},
		{"r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=-4096", XE2E_E_MALFORMED},
		{"", XE2E_E_MALFORMED},
	};
	const struct scram_vector *v = &vectors[1];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct scram s = SCRAM_INIT;
		struct buf out = BUF_INIT;
		int got = run_to_final(&s, v, v->password, bad[i].server_first, &out);

		if (got != bad[i].want)
			unit_fail(__FILE__, __LINE__, "\"%s\": got %d, want %d", bad[i].server_first,
				  got, bad[i].want);
		CHECK_INT(out.len, 0);
		CHECK_INT(s.step, SCRAM_FAILED);
		CHECK_INT(scram_verify(&s, u8(v->server_final), strlen(v->server_final)),
			  XE2E_E_STATE);
		scram_wipe(&s);
		buf_free(&out);
	}
	unit_note("%zu malformed server-first messages refused", sizeof(bad) / sizeof(bad[0]));
}

TEST(scram_extensions_after_iterations_are_ignored)
{
	const struct scram_vector *v = &vectors[1];
	struct scram s = SCRAM_INIT;
	struct buf out = BUF_INIT;
	char first[256];

	snprintf(first, sizeof(first), "%s,x=future", v->server_first);
	CHECK_INT(run_to_final(&s, v, v->password, first, &out), XE2E_OK);
	/* the extension is part of AuthMessage, so the proof changes */
	CHECK(strcmp((char *)out.data, v->client_final) != 0);
	scram_wipe(&s);
	buf_free(&out);
}

TEST(scram_server_final_errors)
{
	static const char *const finals[] = {
		"e=invalid-proof", "v=", "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4",
		"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=", "x=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
		"", "e=no\nxe2e-connect: forged\x1b[2J",
	};
	static const int want[] = {XE2E_E_AUTH,      XE2E_E_MALFORMED, XE2E_E_MALFORMED,
				   XE2E_E_MALFORMED, XE2E_E_MALFORMED, XE2E_E_MALFORMED,
				   XE2E_E_AUTH};
	const struct scram_vector *v = &vectors[1];

	for (size_t i = 0; i < sizeof(finals) / sizeof(finals[0]); i++) {
		struct scram s = SCRAM_INIT;
		struct buf out = BUF_INIT;

		CHECK_INT(run_to_final(&s, v, v->password, v->server_first, &out), XE2E_OK);
		CHECK_INT(scram_verify(&s, u8(finals[i]), strlen(finals[i])), want[i]);
		if (i == 0)
			CHECK(strstr(err_detail(), "invalid-proof") != NULL);
		if (i == 6) /* what the server says stays on one line */
			CHECK_STR(err_detail(), "the server says no?xe2e-connect: forged?[2J");
		CHECK_INT(scram_verify(&s, u8(v->server_final), strlen(v->server_final)),
			  XE2E_E_STATE);
		scram_wipe(&s);
		buf_free(&out);
	}
}

TEST(scram_out_of_order)
{
	const struct scram_vector *v = &vectors[0];
	struct scram s = SCRAM_INIT;
	struct buf out = BUF_INIT;

	CHECK_INT(scram_verify(&s, u8(v->server_final), strlen(v->server_final)), XE2E_E_STATE);
	scram_wipe(&s);
	CHECK_INT(scram_respond(&s, "pencil", u8(v->server_first), strlen(v->server_first), &out),
		  XE2E_E_STATE);
	scram_wipe(&s);
	CHECK_INT(run_to_final(&s, v, v->password, v->server_first, &out), XE2E_OK);
	CHECK_INT(scram_respond(&s, "pencil", u8(v->server_first), strlen(v->server_first), &out),
		  XE2E_E_STATE);
	CHECK_INT(scram_verify(&s, u8(v->server_final), strlen(v->server_final)), XE2E_E_STATE);
	scram_wipe(&s);
	buf_free(&out);
}

TEST(scram_user_names_and_nonces)
{
	struct scram s = SCRAM_INIT;
	struct buf a = BUF_INIT, b = BUF_INIT;

	CHECK_INT(scram_start(&s, SCRAM_SHA256, "a,b=c", "abc", &a), XE2E_OK);
	buf_terminate(&a);
	CHECK_STR((char *)a.data, "n,,n=a=2Cb=3Dc,r=abc");
	CHECK_INT(scram_start(&s, SCRAM_SHA256, "", "abc", &b), XE2E_E_MALFORMED);
	CHECK_INT(scram_start(&s, SCRAM_SHA256, "user", "a,b", &b), XE2E_E_MALFORMED);
	CHECK_INT(scram_start(&s, SCRAM_SHA256, "user", "", &b), XE2E_E_MALFORMED);
	CHECK_INT(scram_start(&s, (enum scram_alg)7, "user", "abc", &b), XE2E_E_MALFORMED);

	/* random nonces: 24 bytes as 32 base64 characters, never the same */
	buf_clear(&a);
	buf_clear(&b);
	CHECK_INT(scram_start(&s, SCRAM_SHA1, "user", NULL, &a), XE2E_OK);
	CHECK_INT(strlen(s.cnonce), 32);
	CHECK_INT(scram_start(&s, SCRAM_SHA1, "user", NULL, &b), XE2E_OK);
	CHECK_INT(a.len, b.len);
	CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) != 0);
	scram_wipe(&s);
	buf_free(&a);
	buf_free(&b);
}

/* The client-final for password against the RFC 7677 server-first. */
static char *final_for(const char *password, int *err)
{
	struct scram s = SCRAM_INIT;
	struct buf out = BUF_INIT;

	*err = run_to_final(&s, &vectors[1], password, vectors[1].server_first, &out);
	scram_wipe(&s);
	return (char *)out.data;
}

TEST(scram_saslprep_of_the_password)
{
	/* RFC 4013 section 3: SOFT HYPHEN maps to nothing, NO-BREAK SPACE to
	 * SPACE, U+2168 ROMAN NUMERAL NINE to "IX"; U+0007 is prohibited. */
	static const char *const same[][2] = {
		{"pen\xc2\xad" "cil", "pencil"},
		{"pen\xc2\xa0" "cil", "pen cil"},
		{"\xe2\x85\xa8", "IX"},
	};
	int e1, e2;

	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		char *a = final_for(same[i][0], &e1), *b = final_for(same[i][1], &e2);

		CHECK_INT(e1, XE2E_OK);
		CHECK_INT(e2, XE2E_OK);
		CHECK_STR(a, b);
		free(a);
		free(b);
	}
	free(final_for("pen\x07" "cil", &e1));
	CHECK_INT(e1, XE2E_E_AUTH);
	free(final_for("", &e1));
	CHECK_INT(e1, XE2E_E_AUTH);
	free(final_for("\xc2\xad", &e1)); /* maps to nothing */
	CHECK_INT(e1, XE2E_E_AUTH);
}
