/*
 * The Noise layer: the cacophony vectors, protocol names, XXpsk2 against a
 * script of the specification's rules, round trips of every pattern with
 * psks in every position, and the failures (tampering, wrong psk, weak
 * keys, calls out of order, sizes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../noise_vectors/cacophony.h"
#include "dh.h"
#include "err.h"
#include "hash.h"
#include "noise.h"
#include "rng.h"
#include "unit.h"
#include "util.h"

/* ---- published vectors ---- */

static const char *const required_protocols[] = {"XX", "IK", "XXpsk3", "IKpsk1", "IKpsk2"};

static size_t count_pattern(const cJSON *vecs, const char *pattern)
{
	char prefix[64];
	const cJSON *v;
	size_t n = 0;

	snprintf(prefix, sizeof(prefix), "Noise_%s_25519_", pattern);
	cJSON_ArrayForEach(v, vecs) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(v, "protocol_name");
		struct noise_protocol p;

		if (cJSON_IsString(name) && strncmp(name->valuestring, prefix, strlen(prefix)) == 0 &&
		    noise_protocol_parse(&p, name->valuestring) == XE2E_OK)
			n++;
	}
	return n;
}

TEST(noise_cacophony_vectors)
{
	char path[512], why[512];
	size_t len, passed = 0, failed = 0, skipped = 0;
	char *text;
	cJSON *root;
	const cJSON *vecs, *v;

	snprintf(path, sizeof(path), "%s/noise/cacophony.json", unit_vectors_dir());
	text = unit_read_file(path, &len);
	CHECK(text != NULL);
	if (!text)
		return;
	root = cJSON_ParseWithLength(text, len);
	free(text);
	vecs = cJSON_GetObjectItemCaseSensitive(root, "vectors");
	CHECK(cJSON_IsArray(vecs));
	cJSON_ArrayForEach(v, vecs) {
		switch (cacophony_run_vector(v, why, sizeof(why))) {
		case CACOPHONY_PASS_NO_HASH: /* every file vector has one */
			failed++;
			unit_fail(__FILE__, __LINE__, "a vector without handshake_hash");
			break;
		case CACOPHONY_PASS:
			passed++;
			break;
		case CACOPHONY_SKIP:
			skipped++;
			break;
		default:
			failed++;
			unit_fail(__FILE__, __LINE__, "%s", why);
		}
	}
	/* 59 patterns x (AESGCM, ChaChaPoly) x (SHA256, SHA512) with 25519 */
	CHECK_INT(passed, 236);
	CHECK_INT(failed, 0);
	for (size_t i = 0; i < ARRAY_SIZE(required_protocols); i++)
		CHECK_INT(count_pattern(vecs, required_protocols[i]), 4);
	unit_note("cacophony: %zu vectors run, %zu skipped (448, BLAKE2s, BLAKE2b)", passed,
		  skipped);
	cJSON_Delete(root);
}

/* ---- protocol names ---- */

TEST(noise_protocol_names)
{
	struct noise_protocol p;

	CHECK_INT(noise_protocol_parse(&p, "Noise_XXpsk2_25519_ChaChaPoly_SHA256"), XE2E_OK);
	CHECK_INT(p.cipher, AEAD_CHACHAPOLY);
	CHECK_INT(p.hash, HASH_SHA256);
	CHECK_INT(p.pattern.n_messages, 3);
	CHECK_INT(p.pattern.n_psks, 1);
	/* psk2 goes last in message 2: e, ee, s, es, psk */
	CHECK_INT(p.pattern.n_tokens[1], 5);
	CHECK_INT(p.pattern.tokens[1][4], NOISE_TOKEN_PSK);
	CHECK_INT(p.pattern.n_tokens[0], 1);
	CHECK_INT(p.pattern.n_tokens[2], 2);

	CHECK_INT(noise_protocol_parse(&p, "Noise_IKpsk1_25519_AESGCM_SHA512"), XE2E_OK);
	CHECK_INT(p.cipher, AEAD_AES256GCM);
	CHECK_INT(p.hash, HASH_SHA512);
	CHECK_INT(p.pattern.n_pre_responder, 1);
	CHECK_INT(p.pattern.n_tokens[0], 5);
	CHECK_INT(p.pattern.tokens[0][4], NOISE_TOKEN_PSK);

	CHECK_INT(noise_protocol_parse(&p, "Noise_NNpsk0+psk2_25519_AESGCM_SHA256"), XE2E_OK);
	CHECK_INT(p.pattern.n_psks, 2);
	CHECK_INT(p.pattern.tokens[0][0], NOISE_TOKEN_PSK);
	CHECK_INT(p.pattern.tokens[1][2], NOISE_TOKEN_PSK);

	CHECK_INT(noise_protocol_parse(&p, "Noise_X1X1_25519_AESGCM_SHA256"), XE2E_OK);
	CHECK_INT(p.pattern.n_messages, 4);
	CHECK_INT(noise_protocol_parse(&p, "Noise_K_25519_AESGCM_SHA256"), XE2E_OK);
	CHECK_INT(p.pattern.one_way, 1);

	static const char *const unsupported[] = {
		"Noise_XX_448_AESGCM_SHA256",      "Noise_XX_25519_AESGCM_BLAKE2s",
		"Noise_XX_25519_AES256_SHA256",    "Noise_XY_25519_AESGCM_SHA256",
		"Noise_XXpsk4_25519_AESGCM_SHA256", "Noise_XXpsk2+psk2_25519_AESGCM_SHA256",
		"Noise_XXfallback_25519_AESGCM_SHA256", "Noise_XXpsk02_25519_AESGCM_SHA256",
		"Noise_Npsk2_25519_AESGCM_SHA256", "Noise_xx_25519_AESGCM_SHA256",
	};
	for (size_t i = 0; i < ARRAY_SIZE(unsupported); i++)
		CHECK_INT(noise_protocol_parse(&p, unsupported[i]), XE2E_E_UNSUPPORTED);
	static const char *const malformed[] = {
		"",
		"Noise_XX_25519_AESGCM",
		"Noise_XX_25519_AESGCM_SHA256_",
		"Noise_XX_25519_AESGCM_SHA256_x",
		"Noise__25519_AESGCM_SHA256",
		"Nois_XX_25519_AESGCM_SHA256",
		"Noise_XXpsk2+_25519_AESGCM_SHA256",
	};
	for (size_t i = 0; i < ARRAY_SIZE(malformed); i++)
		CHECK_INT(noise_protocol_parse(&p, malformed[i]), XE2E_E_MALFORMED);
}

/* ---- two sides against each other ---- */

#define MAX_PAYLOAD 256

/* Key material from a seed, so a failing run can be repeated. */
static uint8_t seed[8];

static void derive(const char *label, unsigned n, uint8_t out[static 32])
{
	char buf[128];
	int len = snprintf(buf, sizeof(buf), "%02x%02x%02x%02x%02x%02x%02x%02x %s %u", seed[0],
			   seed[1], seed[2], seed[3], seed[4], seed[5], seed[6], seed[7], label, n);

	hash(HASH_SHA256, buf, (size_t)len, out);
}

static void seed_once(void)
{
	static int done;
	const char *env = getenv("XE2E_TEST_SEED");

	if (done)
		return;
	done = 1;
	if (env && strlen(env) == 16) {
		for (int i = 0; i < 8; i++)
			sscanf(env + 2 * i, "%2hhx", &seed[i]);
	} else {
		CHECK_INT(rng_bytes(seed, sizeof(seed)), XE2E_OK);
	}
	unit_note("seed %02x%02x%02x%02x%02x%02x%02x%02x (XE2E_TEST_SEED repeats it)", seed[0],
		  seed[1], seed[2], seed[3], seed[4], seed[5], seed[6], seed[7]);
}

struct pair {
	struct noise_handshakestate *hs[2]; /* initiator, responder */
	uint8_t s[2][NOISE_DH_LEN], pub[2][NOISE_DH_LEN];
	uint8_t psk[2][NOISE_PSK_LEN];
	struct noise_protocol proto;
	unsigned run;
};

struct pair_opts {
	const char *protocol;
	int wrong_psk;       /* the responder gets another psk */
	int wrong_prologue;  /* the responder gets another prologue */
	int late_psks;       /* psks given with add_psk, after Initialize */
	int no_resp_psk;     /* the responder gets none (a callback gives it) */
};

static int pair_new(struct pair *p, const struct pair_opts *o)
{
	static unsigned runs;
	uint8_t psks[2][NOISE_MAX_PSKS][NOISE_PSK_LEN];
	int err;

	memset(p, 0, sizeof(*p));
	seed_once();
	p->run = runs++;
	err = noise_protocol_parse(&p->proto, o->protocol);
	if (err)
		return err;
	for (int i = 0; i < 2; i++) {
		derive(i ? "resp static" : "init static", p->run, p->s[i]);
		x25519_public(p->pub[i], p->s[i]);
		derive("psk", p->run, p->psk[i]);
	}
	if (o->wrong_psk)
		p->psk[1][0] ^= 1;
	for (int side = 0; side < 2; side++) {
		const struct noise_pattern *pat = &p->proto.pattern;
		/* the peer's static is known when the peer's pre-message has it */
		int peer_pre = side ? pat->n_pre_initiator : pat->n_pre_responder;
		struct noise_handshake_params hp = {
			.protocol_name = o->protocol,
			.initiator = side == 0,
			.prologue = (const uint8_t *)(side && o->wrong_prologue ? "prologue!" : "prologue"),
			.prologue_len = 8 + (side && o->wrong_prologue),
			.s = p->s[side],
			.rs = peer_pre ? p->pub[!side] : NULL,
			.psks = (const uint8_t(*)[NOISE_PSK_LEN])psks[side],
			.n_psks = o->late_psks || (side && o->no_resp_psk) ? 0 : pat->n_psks,
		};
		uint8_t e[NOISE_DH_LEN];

		for (unsigned k = 0; k < pat->n_psks; k++)
			memcpy(psks[side][k], p->psk[side], NOISE_PSK_LEN);
		err = noise_handshakestate_new(&p->hs[side], &hp);
		for (unsigned k = 0; !err && o->late_psks && !(side && o->no_resp_psk) &&
				     k < pat->n_psks;
		     k++)
			err = noise_handshakestate_add_psk(p->hs[side], p->psk[side]);
		derive(side ? "resp eph" : "init eph", p->run, e);
		if (!err)
			err = noise_handshakestate_set_fixed_ephemeral(p->hs[side], e);
		if (err)
			return err;
	}
	wipe(psks, sizeof(psks));
	return XE2E_OK;
}

static void pair_free(struct pair *p)
{
	noise_handshakestate_free(p->hs[0]);
	noise_handshakestate_free(p->hs[1]);
	p->hs[0] = p->hs[1] = NULL;
}

static int writer_of(const struct pair *p, unsigned i)
{
	return p->proto.pattern.one_way ? 0 : (int)(i % 2);
}

/*
 * Runs the handshake; message tamper_msg gets byte flip_pos flipped, or its
 * last byte when it is shorter (no tampering when tamper_msg < 0). Returns the first error; *fail_msg and
 * *fail_side say where it happened (reader or writer of that message).
 */
static int pair_run(struct pair *p, int tamper_msg, size_t flip_pos, unsigned *fail_msg,
		    int *fail_side)
{
	uint8_t msg[NOISE_MAX_MSG_LEN], payload[MAX_PAYLOAD], back[MAX_PAYLOAD];
	size_t len, back_len;
	int err;

	for (unsigned i = 0; i < p->proto.pattern.n_messages; i++) {
		int w = writer_of(p, i);

		*fail_msg = i;
		*fail_side = w;
		memset(payload, (int)(i + 1), sizeof(payload));
		err = noise_handshakestate_write_message(p->hs[w], payload, 7 + i, msg, sizeof(msg),
							 &len);
		if (err)
			return err;
		CHECK_INT(len, noise_handshakestate_overhead(p->hs[!w]) + 7 + i);
		if ((int)i == tamper_msg)
			msg[flip_pos < len ? flip_pos : len - 1] ^= 0x40;
		*fail_side = !w;
		err = noise_handshakestate_read_message(p->hs[!w], msg, len, back, sizeof(back),
							&back_len);
		if (err)
			return err;
		if ((int)i != tamper_msg) {
			CHECK_INT(back_len, 7 + i);
			CHECK_MEM(back, payload, 7 + i);
		}
	}
	return XE2E_OK;
}

/* Both sides complete with the same hash and chaining key, and transport
 * messages pass both ways (one way only in one-way patterns). */
static void check_complete(struct pair *p)
{
	uint8_t h[2][NOISE_HASH_MAX_LEN], ck[2][NOISE_HASH_MAX_LEN], rs[NOISE_DH_LEN];
	uint8_t ct[64], pt[64];
	size_t hl[2], cl[2], n, m;
	struct noise_cipherstate send[2], recv[2];

	for (int i = 0; i < 2; i++) {
		CHECK_INT(noise_handshakestate_action(p->hs[i]), NOISE_ACTION_SPLIT);
		CHECK(noise_handshakestate_is_complete(p->hs[i]));
		CHECK_INT(noise_handshakestate_get_handshake_hash(p->hs[i], h[i], &hl[i]), XE2E_OK);
		CHECK_INT(noise_handshakestate_get_chaining_key(p->hs[i], ck[i], &cl[i]), XE2E_OK);
		CHECK_INT(hl[i], hash_len(p->proto.hash));
		CHECK_INT(noise_handshakestate_split(p->hs[i], &send[i], &recv[i]), XE2E_OK);
		CHECK_INT(noise_handshakestate_action(p->hs[i]), NOISE_ACTION_DONE);
		CHECK_INT(noise_handshakestate_split(p->hs[i], &send[i], &recv[i]), XE2E_E_STATE);
	}
	CHECK_MEM(h[0], h[1], hl[0]);
	CHECK_MEM(ck[0], ck[1], cl[0]);
	/* the responder always learns the initiator's key here except in N* */
	if (noise_handshakestate_get_remote_static(p->hs[0], rs) == XE2E_OK)
		CHECK_MEM(rs, p->pub[1], NOISE_DH_LEN);
	if (noise_handshakestate_get_remote_static(p->hs[1], rs) == XE2E_OK)
		CHECK_MEM(rs, p->pub[0], NOISE_DH_LEN);
	for (int w = 0; w < (p->proto.pattern.one_way ? 1 : 2); w++) {
		CHECK_INT(noise_cipherstate_encrypt(&send[w], (const uint8_t *)"ad", 2,
						    (const uint8_t *)"transport", 9, ct,
						    sizeof(ct), &n),
			  XE2E_OK);
		CHECK_INT(noise_cipherstate_decrypt(&recv[!w], (const uint8_t *)"ad", 2, ct, n, pt,
						    sizeof(pt), &m),
			  XE2E_OK);
		CHECK_INT(m, 9);
		CHECK_MEM(pt, "transport", 9);
	}
	if (p->proto.pattern.one_way) {
		CHECK(!noise_cipherstate_has_key(&send[1]));
		CHECK(!noise_cipherstate_has_key(&recv[0]));
	}
}

/* A failed state refuses everything. */
static void check_dead(struct noise_handshakestate *hs)
{
	uint8_t buf[128], h[NOISE_HASH_MAX_LEN];
	size_t n;
	struct noise_cipherstate a, b;
	struct noise_handshakestate *copy;

	CHECK_INT(noise_handshakestate_action(hs), NOISE_ACTION_FAILED);
	CHECK(!noise_handshakestate_is_complete(hs));
	CHECK_INT(noise_handshakestate_write_message(hs, NULL, 0, buf, sizeof(buf), &n),
		  XE2E_E_STATE);
	CHECK_INT(noise_handshakestate_read_message(hs, buf, 64, buf, sizeof(buf), &n),
		  XE2E_E_STATE);
	CHECK_INT(noise_handshakestate_split(hs, &a, &b), XE2E_E_STATE);
	CHECK_INT(noise_handshakestate_get_handshake_hash(hs, h, &n), XE2E_E_STATE);
	CHECK_INT(noise_handshakestate_get_chaining_key(hs, h, &n), XE2E_E_STATE);
	CHECK_INT(noise_handshakestate_get_remote_static(hs, h), XE2E_E_STATE);
	CHECK_INT(noise_handshakestate_add_psk(hs, h), XE2E_E_STATE);
	CHECK_INT(noise_handshakestate_set_fixed_ephemeral(hs, h), XE2E_E_STATE);
	CHECK_INT(noise_handshakestate_copy(&copy, hs), XE2E_E_STATE);
	CHECK_INT(noise_handshakestate_overhead(hs), 0);
	CHECK_INT(noise_handshakestate_action(hs), NOISE_ACTION_FAILED);
}

static const char *const base_patterns[] = {
	"N",    "K",    "X",    "NN",   "NK",   "NX",   "XN",   "XK",   "XX",   "KN",
	"KK",   "KX",   "IN",   "IK",   "IX",   "NK1",  "NX1",  "X1N",  "X1K",  "XK1",
	"X1K1", "X1X",  "XX1",  "X1X1", "K1N",  "K1K",  "KK1",  "K1K1", "K1X",  "KX1",
	"K1X1", "I1N",  "I1K",  "IK1",  "I1K1", "I1X",  "IX1",  "I1X1",
};

/* One round trip of name; with a psk, a wrong psk must fail too. Returns
 * 0 when the name is unsupported (pskN beyond the last message). */
static int round_trip(const char *name, int psk)
{
	struct pair_opts o = {.protocol = name, .late_psks = psk == 3};
	struct pair p;
	unsigned fail_msg;
	int fail_side, err = pair_new(&p, &o);

	pair_free(&p);
	if (err == XE2E_E_UNSUPPORTED)
		return 0;
	CHECK_INT(pair_new(&p, &o), XE2E_OK);
	CHECK_INT(pair_run(&p, -1, 0, &fail_msg, &fail_side), XE2E_OK);
	check_complete(&p);
	pair_free(&p);
	if (psk < 0)
		return 1;
	o.wrong_psk = 1;
	CHECK_INT(pair_new(&p, &o), XE2E_OK);
	CHECK_INT(pair_run(&p, -1, 0, &fail_msg, &fail_side), XE2E_E_AUTH);
	check_dead(p.hs[fail_side]);
	pair_free(&p);
	return 1;
}

/* Every pattern, plain and with a psk in each position: both sides
 * complete; a wrong psk never completes. */
TEST(noise_round_trip_every_pattern)
{
	/* the suites alternate; the vectors cover each pattern in every suite */
	static const char *const suites[] = {"AESGCM_SHA256", "ChaChaPoly_SHA512",
					     "ChaChaPoly_SHA256", "AESGCM_SHA512"};
	char name[128], mod[8];
	unsigned runs = 0;

	for (size_t b = 0; b < ARRAY_SIZE(base_patterns); b++) {
		for (int psk = -1; psk <= 4; psk++) {
			size_t s = (b + (size_t)(psk + 1)) % ARRAY_SIZE(suites);

			snprintf(mod, sizeof(mod), psk < 0 ? "" : "psk%d", psk);
			snprintf(name, sizeof(name), "Noise_%s%s_25519_%s", base_patterns[b], mod,
				 suites[s]);
			runs += (unsigned)round_trip(name, psk);
		}
	}
	unit_note("%u handshakes over %zu patterns", runs, ARRAY_SIZE(base_patterns));
	CHECK(runs > 150);
}

/* XXpsk2, the first-contact handshake: the psk is checked where it is
 * mixed, at the end of message 2, so a mismatch fails the initiator's
 * read of message 2 (before it reveals its static key). */
TEST(noise_xxpsk2_psk_checked_at_message_2)
{
	static const char *const names[] = {
		"Noise_XXpsk2_25519_ChaChaPoly_SHA256",
		"Noise_XXpsk2_25519_AESGCM_SHA256",
		"Noise_XXpsk2_25519_ChaChaPoly_SHA512",
	};
	unsigned fail_msg;
	int fail_side;

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		struct pair p;
		struct pair_opts o = {.protocol = names[i]};

		CHECK_INT(pair_new(&p, &o), XE2E_OK);
		CHECK_INT(pair_run(&p, -1, 0, &fail_msg, &fail_side), XE2E_OK);
		check_complete(&p);
		pair_free(&p);

		o.wrong_psk = 1;
		CHECK_INT(pair_new(&p, &o), XE2E_OK);
		CHECK_INT(pair_run(&p, -1, 0, &fail_msg, &fail_side), XE2E_E_AUTH);
		CHECK_INT(fail_msg, 1);
		CHECK_INT(fail_side, 0);
		check_dead(p.hs[0]);
		pair_free(&p);

		/* the prologue is bound from message 1 on (psk: e is a key) */
		o.wrong_psk = 0;
		o.wrong_prologue = 1;
		CHECK_INT(pair_new(&p, &o), XE2E_OK);
		CHECK_INT(pair_run(&p, -1, 0, &fail_msg, &fail_side), XE2E_E_AUTH);
		CHECK_INT(fail_msg, 0);
		CHECK_INT(fail_side, 1);
		check_dead(p.hs[1]);
		pair_free(&p);
	}
}

/* ---- XXpsk2 against the specification's steps, spelled out ---- */

struct script {
	struct noise_symmetricstate ss;
	uint8_t msg[3][256];
	size_t len[3];
};

static void script_dh(struct script *sc, const uint8_t *priv, const uint8_t *pub)
{
	uint8_t k[NOISE_DH_LEN];

	CHECK_INT(x25519_shared(k, priv, pub), XE2E_OK);
	CHECK_INT(noise_symmetricstate_mix_key(&sc->ss, k, sizeof(k)), XE2E_OK);
}

static void script_e(struct script *sc, int m, const uint8_t *pub)
{
	memcpy(sc->msg[m] + sc->len[m], pub, NOISE_DH_LEN);
	sc->len[m] += NOISE_DH_LEN;
	CHECK_INT(noise_symmetricstate_mix_hash(&sc->ss, pub, NOISE_DH_LEN), XE2E_OK);
	CHECK_INT(noise_symmetricstate_mix_key(&sc->ss, pub, NOISE_DH_LEN), XE2E_OK);
}

static void script_encrypt(struct script *sc, int m, const uint8_t *pt, size_t n)
{
	size_t out;

	CHECK_INT(noise_symmetricstate_encrypt_and_hash(&sc->ss, pt, n, sc->msg[m] + sc->len[m],
							sizeof(sc->msg[m]) - sc->len[m], &out),
		  XE2E_OK);
	sc->len[m] += out;
}

/* -> e / <- e, ee, s, es, psk / -> s, se, written out by hand from
 * sections 5.2, 5.3, 7.5 and 9.2, with the keys pair_new() chose. */
static void script_xxpsk2(struct script *sc, const struct pair *p, const char *name,
			  enum aead_cipher cipher, enum hash_alg alg)
{
	uint8_t ie[NOISE_DH_LEN], iep[NOISE_DH_LEN], re[NOISE_DH_LEN], rep[NOISE_DH_LEN];
	uint8_t payload[MAX_PAYLOAD];

	derive("init eph", p->run, ie);
	derive("resp eph", p->run, re);
	x25519_public(iep, ie);
	x25519_public(rep, re);
	memset(sc, 0, sizeof(*sc));
	CHECK_INT(noise_symmetricstate_init(&sc->ss, name, cipher, alg), XE2E_OK);
	CHECK_INT(noise_symmetricstate_mix_hash(&sc->ss, (const uint8_t *)"prologue", 8), XE2E_OK);
	script_e(sc, 0, iep);
	memset(payload, 1, sizeof(payload));
	script_encrypt(sc, 0, payload, 7);
	script_e(sc, 1, rep);
	script_dh(sc, ie, rep);
	script_encrypt(sc, 1, p->pub[1], NOISE_DH_LEN);
	script_dh(sc, ie, p->pub[1]);
	CHECK_INT(noise_symmetricstate_mix_key_and_hash(&sc->ss, p->psk[0], NOISE_PSK_LEN),
		  XE2E_OK);
	memset(payload, 2, sizeof(payload));
	script_encrypt(sc, 1, payload, 8);
	script_encrypt(sc, 2, p->pub[0], NOISE_DH_LEN);
	script_dh(sc, p->s[0], rep);
	memset(payload, 3, sizeof(payload));
	script_encrypt(sc, 2, payload, 9);
}

TEST(noise_xxpsk2_matches_the_specification_steps)
{
	static const struct {
		const char *name;
		enum aead_cipher cipher;
		enum hash_alg hash;
	} suites[] = {
		{"Noise_XXpsk2_25519_ChaChaPoly_SHA256", AEAD_CHACHAPOLY, HASH_SHA256},
		{"Noise_XXpsk2_25519_AESGCM_SHA256", AEAD_AES256GCM, HASH_SHA256},
		{"Noise_XXpsk2_25519_AESGCM_SHA512", AEAD_AES256GCM, HASH_SHA512},
	};

	for (size_t i = 0; i < ARRAY_SIZE(suites); i++) {
		struct pair p;
		struct pair_opts o = {.protocol = suites[i].name};
		struct script sc;
		uint8_t msg[256], payload[MAX_PAYLOAD], back[MAX_PAYLOAD], h[NOISE_HASH_MAX_LEN];
		uint8_t ck[NOISE_HASH_MAX_LEN];
		size_t len, n, hl, cl;

		CHECK_INT(pair_new(&p, &o), XE2E_OK);
		script_xxpsk2(&sc, &p, suites[i].name, suites[i].cipher, suites[i].hash);
		for (unsigned m = 0; m < 3; m++) {
			int w = m % 2;

			memset(payload, (int)(m + 1), sizeof(payload));
			CHECK_INT(noise_handshakestate_write_message(p.hs[w], payload, 7 + m, msg,
								     sizeof(msg), &len),
				  XE2E_OK);
			CHECK_INT(len, sc.len[m]);
			CHECK_MEM(msg, sc.msg[m], sc.len[m]);
			CHECK_INT(noise_handshakestate_read_message(p.hs[!w], msg, len, back,
								    sizeof(back), &n),
				  XE2E_OK);
		}
		CHECK_INT(noise_handshakestate_get_handshake_hash(p.hs[1], h, &hl), XE2E_OK);
		CHECK_INT(hl, sc.ss.hash_len);
		CHECK_MEM(h, sc.ss.h, hl);
		CHECK_INT(noise_handshakestate_get_chaining_key(p.hs[0], ck, &cl), XE2E_OK);
		CHECK_MEM(ck, sc.ss.ck, cl);
		noise_symmetricstate_wipe(&sc.ss);
		pair_free(&p);
	}
}

/* ---- tampering ---- */

/* Flipping any byte of message i fails the handshake at message i when it
 * is authenticated (expect[i] == i), else at the next one. The failed side
 * is dead; the handshake never completes. */
TEST(noise_tampered_messages_rejected)
{
	static const struct {
		const char *name;
		unsigned expect[3];
	} cases[] = {
		{"Noise_XX_25519_ChaChaPoly_SHA256", {1, 1, 2}},
		{"Noise_IK_25519_AESGCM_SHA256", {0, 1}},
		{"Noise_XXpsk2_25519_ChaChaPoly_SHA256", {0, 1, 2}},
		{"Noise_XXpsk3_25519_AESGCM_SHA256", {0, 1, 2}},
		{"Noise_IKpsk1_25519_ChaChaPoly_SHA256", {0, 1}},
		{"Noise_IKpsk2_25519_AESGCM_SHA512", {0, 1}},
		{"Noise_NN_25519_AESGCM_SHA256", {1, 1}},
	};
	unsigned total = 0, fail_msg;
	int fail_side;

	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		struct pair p;
		struct pair_opts o = {.protocol = cases[c].name};

		CHECK_INT(pair_new(&p, &o), XE2E_OK);
		unsigned n_msgs = p.proto.pattern.n_messages;
		pair_free(&p);
		for (unsigned m = 0; m < n_msgs; m++) {
			/* the edges of keys, encrypted keys, payloads and tags */
			static const size_t positions[] = {0,  1,  17, 31, 32,  33,  47,  48,
							   63, 64, 79, 80, 95, 96, 111, SIZE_MAX};

			for (size_t k = 0; k < ARRAY_SIZE(positions); k++) {
				size_t pos = positions[k];
				int err;

				CHECK_INT(pair_new(&p, &o), XE2E_OK);
				err = pair_run(&p, (int)m, pos, &fail_msg, &fail_side);
				CHECK(err == XE2E_E_AUTH || err == XE2E_E_WEAKKEY);
				CHECK_INT(fail_msg, cases[c].expect[m]);
				check_dead(p.hs[fail_side]);
				CHECK(!noise_handshakestate_is_complete(p.hs[fail_side]));
				pair_free(&p);
				total++;
			}
		}
	}
	unit_note("%u tampered handshakes", total);
}

TEST(noise_truncated_and_oversized_messages_rejected)
{
	struct pair p;
	struct pair_opts o = {.protocol = "Noise_IK_25519_ChaChaPoly_SHA256"};
	static uint8_t msg[NOISE_MAX_MSG_LEN + 1], back[NOISE_MAX_MSG_LEN];
	static uint8_t payload[NOISE_MAX_MSG_LEN];
	size_t len, n;

	/* shorter than the keys and tag */
	CHECK_INT(pair_new(&p, &o), XE2E_OK);
	CHECK_INT(noise_handshakestate_write_message(p.hs[0], NULL, 0, msg, sizeof(msg), &len),
		  XE2E_OK);
	CHECK_INT(len, 32 + 48 + 16);
	CHECK_INT(noise_handshakestate_read_message(p.hs[1], msg, len - 1, back, sizeof(back), &n),
		  XE2E_E_MALFORMED);
	check_dead(p.hs[1]);
	pair_free(&p);

	/* one byte more: the payload tag fails */
	CHECK_INT(pair_new(&p, &o), XE2E_OK);
	CHECK_INT(noise_handshakestate_write_message(p.hs[0], NULL, 0, msg, sizeof(msg), &len),
		  XE2E_OK);
	msg[len] = 0;
	CHECK_INT(noise_handshakestate_read_message(p.hs[1], msg, len + 1, back, sizeof(back), &n),
		  XE2E_E_AUTH);
	check_dead(p.hs[1]);
	pair_free(&p);

	/* over 65535 bytes, either way */
	CHECK_INT(pair_new(&p, &o), XE2E_OK);
	memset(msg, 0, sizeof(msg));
	CHECK_INT(noise_handshakestate_read_message(p.hs[1], msg, NOISE_MAX_MSG_LEN + 1, back,
						    sizeof(back), &n),
		  XE2E_E_LIMIT);
	check_dead(p.hs[1]);
	CHECK_INT(noise_handshakestate_write_message(p.hs[0], payload, NOISE_MAX_MSG_LEN - 96 + 1, msg,
						     sizeof(msg), &len),
		  XE2E_E_LIMIT);
	check_dead(p.hs[0]);
	pair_free(&p);

	/* exactly 65535 bytes is a message; the payload buffer must hold it */
	CHECK_INT(pair_new(&p, &o), XE2E_OK);
	memset(payload, 'x', sizeof(payload));
	CHECK_INT(noise_handshakestate_write_message(p.hs[0], payload, NOISE_MAX_MSG_LEN - 96, msg,
						     sizeof(msg), &len),
		  XE2E_OK);
	CHECK_INT(len, NOISE_MAX_MSG_LEN);
	CHECK_INT(noise_handshakestate_read_message(p.hs[1], msg, len, back, sizeof(back), &n),
		  XE2E_OK);
	CHECK_INT(n, NOISE_MAX_MSG_LEN - 96);
	CHECK_MEM(back, payload, n);
	pair_free(&p);

	/* an output buffer too small */
	CHECK_INT(pair_new(&p, &o), XE2E_OK);
	CHECK_INT(noise_handshakestate_write_message(p.hs[0], NULL, 0, msg, 95, &len),
		  XE2E_E_LIMIT);
	check_dead(p.hs[0]);
	pair_free(&p);
}

/* ---- psks ---- */

TEST(noise_wrong_psk_rejected)
{
	static const struct {
		const char *name;
		unsigned fail_msg;
		int fail_side;
	} cases[] = {
		{"Noise_XXpsk2_25519_AESGCM_SHA256", 1, 0},
		{"Noise_XXpsk3_25519_AESGCM_SHA256", 2, 1},
		{"Noise_IKpsk1_25519_ChaChaPoly_SHA256", 0, 1},
		{"Noise_IKpsk2_25519_ChaChaPoly_SHA256", 1, 0},
		{"Noise_NNpsk0_25519_ChaChaPoly_SHA256", 0, 1},
	};
	unsigned fail_msg;
	int fail_side;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct pair p;
		struct pair_opts o = {.protocol = cases[i].name, .wrong_psk = 1};

		CHECK_INT(pair_new(&p, &o), XE2E_OK);
		CHECK_INT(pair_run(&p, -1, 0, &fail_msg, &fail_side), XE2E_E_AUTH);
		CHECK_INT(fail_msg, cases[i].fail_msg);
		CHECK_INT(fail_side, cases[i].fail_side);
		check_dead(p.hs[fail_side]);
		pair_free(&p);
	}
}

TEST(noise_missing_psk_and_too_many)
{
	struct pair p;
	struct pair_opts o = {.protocol = "Noise_XXpsk2_25519_AESGCM_SHA256", .late_psks = 1};
	uint8_t msg[256], back[256], psk[NOISE_PSK_LEN] = {1};
	size_t len, n;

	/* psks given late: none for the responder yet when it writes message 2 */
	CHECK_INT(pair_new(&p, &o), XE2E_OK);
	CHECK_INT(noise_handshakestate_add_psk(p.hs[0], psk), XE2E_E_LIMIT); /* a second one */
	check_dead(p.hs[0]);
	pair_free(&p);

	struct noise_handshake_params hp = {
		.protocol_name = "Noise_NNpsk2_25519_AESGCM_SHA256",
		.initiator = 1,
	};
	struct noise_handshakestate *i, *r;

	CHECK_INT(noise_handshakestate_new(&i, &hp), XE2E_OK);
	hp.initiator = 0;
	CHECK_INT(noise_handshakestate_new(&r, &hp), XE2E_OK);
	CHECK_INT(noise_handshakestate_write_message(i, NULL, 0, msg, sizeof(msg), &len), XE2E_OK);
	CHECK_INT(noise_handshakestate_read_message(r, msg, len, back, sizeof(back), &n), XE2E_OK);
	CHECK_INT(noise_handshakestate_write_message(r, NULL, 0, msg, sizeof(msg), &len),
		  XE2E_E_NOTFOUND);
	check_dead(r);
	noise_handshakestate_free(i);
	noise_handshakestate_free(r);

	uint8_t two[2][NOISE_PSK_LEN] = {{0}};
	hp.psks = (const uint8_t(*)[NOISE_PSK_LEN])two;
	hp.n_psks = 2;
	CHECK_INT(noise_handshakestate_new(&r, &hp), XE2E_E_LIMIT);
	CHECK(r == NULL);
}

/* An IKpsk1 responder chooses the psk by the initiator's static key, on a
 * copy of the state per candidate (xe2e(7) HANDSHAKE "Keys": at most three). */
struct candidates {
	uint8_t psk[3][NOISE_PSK_LEN];
	int which;
	uint8_t seen_rs[NOISE_DH_LEN];
	int calls;
};

static int pick_psk(void *arg, const struct noise_handshakestate *hs,
		    uint8_t psk[static NOISE_PSK_LEN])
{
	struct candidates *c = arg;

	c->calls++;
	if (noise_handshakestate_get_remote_static(hs, c->seen_rs) != XE2E_OK)
		return XE2E_E_NOTFOUND;
	memcpy(psk, c->psk[c->which], NOISE_PSK_LEN);
	return XE2E_OK;
}

TEST(noise_ikpsk1_responder_picks_psk_by_static_key)
{
	struct pair p;
	struct pair_opts o = {.protocol = "Noise_IKpsk1_25519_ChaChaPoly_SHA256",
			      .no_resp_psk = 1};
	struct noise_handshakestate *resp, *try;
	struct candidates c;
	uint8_t msg[256], back[256];
	size_t len, n;
	int ok = -1;

	CHECK_INT(pair_new(&p, &o), XE2E_OK);
	/* the responder has no psk yet; the initiator has its own */
	resp = p.hs[1];
	p.hs[1] = NULL;
	memset(&c, 0, sizeof(c));
	for (int k = 0; k < 3; k++)
		derive("candidate", (unsigned)k, c.psk[k]);
	memcpy(c.psk[2], p.psk[0], NOISE_PSK_LEN);
	noise_handshakestate_set_psk_callback(resp, pick_psk, &c);
	CHECK_INT(noise_handshakestate_write_message(p.hs[0], NULL, 0, msg, sizeof(msg), &len),
		  XE2E_OK);
	for (c.which = 0; c.which < 3 && ok < 0; c.which++) {
		CHECK_INT(noise_handshakestate_copy(&try, resp), XE2E_OK);
		if (noise_handshakestate_read_message(try, msg, len, back, sizeof(back), &n) ==
		    XE2E_OK) {
			ok = c.which;
			noise_handshakestate_free(resp);
			resp = try;
		} else {
			check_dead(try);
			noise_handshakestate_free(try);
		}
		CHECK_MEM(c.seen_rs, p.pub[0], NOISE_DH_LEN);
	}
	CHECK_INT(ok, 2);
	CHECK_INT(c.calls, 3);
	p.hs[1] = resp;
	CHECK_INT(noise_handshakestate_write_message(p.hs[1], NULL, 0, msg, sizeof(msg), &len),
		  XE2E_OK);
	CHECK_INT(noise_handshakestate_read_message(p.hs[0], msg, len, back, sizeof(back), &n),
		  XE2E_OK);
	check_complete(&p);
	pair_free(&p);
}

/* ---- weak keys ---- */

/* Replaces the first 32 bytes (the sender's e) of message m with u. */
static int run_with_remote_e(const char *name, unsigned m, const uint8_t u[static 32],
			     unsigned *fail_msg, int *fail_side)
{
	struct pair p;
	struct pair_opts o = {.protocol = name};
	uint8_t msg[512], back[512];
	size_t len, n;
	int err = XE2E_OK;

	CHECK_INT(pair_new(&p, &o), XE2E_OK);
	for (unsigned i = 0; !err && i < p.proto.pattern.n_messages; i++) {
		int w = writer_of(&p, i);

		*fail_msg = i;
		*fail_side = w;
		err = noise_handshakestate_write_message(p.hs[w], NULL, 0, msg, sizeof(msg), &len);
		if (err)
			break;
		if (i == m)
			memcpy(msg, u, 32);
		*fail_side = !w;
		err = noise_handshakestate_read_message(p.hs[!w], msg, len, back, sizeof(back), &n);
	}
	if (err)
		check_dead(p.hs[*fail_side]);
	pair_free(&p);
	return err;
}

TEST(noise_low_order_ephemeral_rejected)
{
	uint8_t zero[32] = {0}, one[32] = {1};
	/* a point of order 8 (RFC 7748 / libsodium blacklist) */
	static const uint8_t order8[32] = {
		0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3,
		0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32,
		0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00,
	};
	const uint8_t *bad[] = {zero, one, order8};
	unsigned fail_msg;
	int fail_side;

	for (size_t b = 0; b < ARRAY_SIZE(bad); b++) {
		/* IK: the responder's read of message 1 does es at once */
		CHECK_INT(run_with_remote_e("Noise_IK_25519_AESGCM_SHA256", 0, bad[b], &fail_msg,
					    &fail_side),
			  XE2E_E_WEAKKEY);
		CHECK_INT(fail_msg, 0);
		CHECK_INT(fail_side, 1);
		/* XX: the responder reads e, then refuses in its ee */
		CHECK_INT(run_with_remote_e("Noise_XX_25519_AESGCM_SHA256", 0, bad[b], &fail_msg,
					    &fail_side),
			  XE2E_E_WEAKKEY);
		CHECK_INT(fail_msg, 1);
		CHECK_INT(fail_side, 1);
		/* XX: the initiator reading message 2 */
		CHECK_INT(run_with_remote_e("Noise_XX_25519_ChaChaPoly_SHA256", 1, bad[b],
					    &fail_msg, &fail_side),
			  XE2E_E_WEAKKEY);
		CHECK_INT(fail_msg, 1);
		CHECK_INT(fail_side, 0);
	}
}

/* ---- the state machine ---- */

TEST(noise_calls_out_of_order_refused)
{
	struct pair p;
	struct pair_opts o = {.protocol = "Noise_XX_25519_AESGCM_SHA256"};
	uint8_t msg[256], back[256], key[NOISE_HASH_MAX_LEN];
	size_t len, n;
	struct noise_cipherstate a, b;
	unsigned fail_msg;
	int fail_side;

	/* the initiator reads first */
	CHECK_INT(pair_new(&p, &o), XE2E_OK);
	CHECK_INT(noise_handshakestate_action(p.hs[0]), NOISE_ACTION_WRITE_MESSAGE);
	CHECK_INT(noise_handshakestate_action(p.hs[1]), NOISE_ACTION_READ_MESSAGE);
	memset(msg, 0, 32);
	CHECK_INT(noise_handshakestate_read_message(p.hs[0], msg, 32, back, sizeof(back), &n),
		  XE2E_E_STATE);
	check_dead(p.hs[0]);
	/* the responder writes first */
	CHECK_INT(noise_handshakestate_write_message(p.hs[1], NULL, 0, msg, sizeof(msg), &len),
		  XE2E_E_STATE);
	check_dead(p.hs[1]);
	pair_free(&p);

	/* split, hash and chaining key before the end; fixed e too late */
	CHECK_INT(pair_new(&p, &o), XE2E_OK);
	CHECK_INT(noise_handshakestate_get_handshake_hash(p.hs[0], key, &n), XE2E_E_STATE);
	CHECK_INT(noise_handshakestate_get_chaining_key(p.hs[0], key, &n), XE2E_E_STATE);
	CHECK_INT(noise_handshakestate_get_remote_static(p.hs[0], key), XE2E_E_NOTFOUND);
	CHECK_INT(noise_handshakestate_action(p.hs[0]), NOISE_ACTION_WRITE_MESSAGE);
	CHECK_INT(noise_handshakestate_write_message(p.hs[0], NULL, 0, msg, sizeof(msg), &len),
		  XE2E_OK);
	CHECK_INT(noise_handshakestate_set_fixed_ephemeral(p.hs[0], key), XE2E_E_STATE);
	check_dead(p.hs[0]);
	CHECK_INT(noise_handshakestate_split(p.hs[1], &a, &b), XE2E_E_STATE);
	check_dead(p.hs[1]);
	pair_free(&p);

	/* the same message twice */
	CHECK_INT(pair_new(&p, &o), XE2E_OK);
	CHECK_INT(noise_handshakestate_write_message(p.hs[0], NULL, 0, msg, sizeof(msg), &len),
		  XE2E_OK);
	CHECK_INT(noise_handshakestate_read_message(p.hs[1], msg, len, back, sizeof(back), &n),
		  XE2E_OK);
	CHECK_INT(noise_handshakestate_read_message(p.hs[1], msg, len, back, sizeof(back), &n),
		  XE2E_E_STATE);
	check_dead(p.hs[1]);
	pair_free(&p);

	/* after completion: no more messages, split once */
	CHECK_INT(pair_new(&p, &o), XE2E_OK);
	CHECK_INT(pair_run(&p, -1, 0, &fail_msg, &fail_side), XE2E_OK);
	CHECK_INT(noise_handshakestate_split(p.hs[0], &a, &b), XE2E_OK);
	CHECK_INT(noise_handshakestate_get_handshake_hash(p.hs[0], key, &n), XE2E_OK);
	CHECK_INT(noise_handshakestate_split(p.hs[0], &a, &b), XE2E_E_STATE);
	check_dead(p.hs[0]);
	CHECK_INT(noise_handshakestate_write_message(p.hs[1], NULL, 0, msg, sizeof(msg), &len),
		  XE2E_E_STATE);
	check_dead(p.hs[1]);
	pair_free(&p);
	noise_cipherstate_wipe(&a);
	noise_cipherstate_wipe(&b);
}

TEST(noise_initialize_checks_keys)
{
	uint8_t key[NOISE_DH_LEN] = {7};
	struct noise_handshakestate *hs = (void *)1;
	struct noise_handshake_params p = {
		.protocol_name = "Noise_XX_25519_AESGCM_SHA256",
		.initiator = 1,
	};

	CHECK_INT(noise_handshakestate_new(&hs, &p), XE2E_E_NOTFOUND); /* no s */
	CHECK(hs == NULL);
	p.s = key;
	p.rs = key; /* XX sends it: giving it is a mistake */
	CHECK_INT(noise_handshakestate_new(&hs, &p), XE2E_E_STATE);
	p.rs = NULL;
	p.e = key; /* no e pre-message */
	CHECK_INT(noise_handshakestate_new(&hs, &p), XE2E_E_STATE);
	p.e = NULL;
	CHECK_INT(noise_handshakestate_new(&hs, &p), XE2E_OK);
	CHECK_STR(noise_handshakestate_protocol_name(hs), "Noise_XX_25519_AESGCM_SHA256");
	CHECK(noise_handshakestate_is_initiator(hs));
	noise_handshakestate_free(hs);

	p.protocol_name = "Noise_IK_25519_AESGCM_SHA256"; /* the initiator knows rs */
	CHECK_INT(noise_handshakestate_new(&hs, &p), XE2E_E_NOTFOUND);
	p.protocol_name = "Noise_NK_25519_AESGCM_SHA256";
	p.initiator = 0;
	p.s = NULL; /* the responder's static is in the pre-message */
	CHECK_INT(noise_handshakestate_new(&hs, &p), XE2E_E_NOTFOUND);
	p.protocol_name = "Noise_XX_25519_AESGCM_BLAKE2b";
	CHECK_INT(noise_handshakestate_new(&hs, &p), XE2E_E_UNSUPPORTED);
	CHECK(hs == NULL);
}

/* ---- CipherState ---- */

TEST(noise_cipherstate_nonce_and_rekey)
{
	static const enum aead_cipher ciphers[] = {AEAD_AES256GCM, AEAD_CHACHAPOLY};

	for (size_t c = 0; c < ARRAY_SIZE(ciphers); c++) {
		struct noise_cipherstate a, b;
		uint8_t k[NOISE_KEY_LEN], ct[64], pt[64], nonce[AEAD_NONCE_LEN] = {0};
		uint8_t want[NOISE_KEY_LEN + NOISE_TAG_LEN], zeros[NOISE_KEY_LEN] = {0};
		size_t n, m;

		derive("cipher key", (unsigned)c, k);
		noise_cipherstate_init(&a, ciphers[c]);
		noise_cipherstate_init(&b, ciphers[c]);
		/* no key: a copy */
		CHECK_INT(noise_cipherstate_encrypt(&a, NULL, 0, (const uint8_t *)"abc", 3, ct,
						    sizeof(ct), &n),
			  XE2E_OK);
		CHECK_INT(n, 3);
		CHECK_MEM(ct, "abc", 3);
		noise_cipherstate_set_key(&a, k);
		noise_cipherstate_set_key(&b, k);

		/* the last usable nonce is 2^64-2; 2^64-1 is refused */
		noise_cipherstate_set_nonce(&a, UINT64_MAX - 1);
		noise_cipherstate_set_nonce(&b, UINT64_MAX - 1);
		CHECK_INT(noise_cipherstate_encrypt(&a, NULL, 0, (const uint8_t *)"abc", 3, ct,
						    sizeof(ct), &n),
			  XE2E_OK);
		/* a forgery does not advance n */
		ct[0] ^= 1;
		CHECK_INT(noise_cipherstate_decrypt(&b, NULL, 0, ct, n, pt, sizeof(pt), &m),
			  XE2E_E_AUTH);
		ct[0] ^= 1;
		CHECK_INT(noise_cipherstate_decrypt(&b, NULL, 0, ct, n, pt, sizeof(pt), &m),
			  XE2E_OK);
		CHECK_INT(noise_cipherstate_encrypt(&a, NULL, 0, (const uint8_t *)"abc", 3, ct,
						    sizeof(ct), &n),
			  XE2E_E_LIMIT);
		CHECK_INT(noise_cipherstate_decrypt(&b, NULL, 0, ct, 19, pt, sizeof(pt), &m),
			  XE2E_E_LIMIT);

		/* Rekey: ENCRYPT(k, 2^64-1, empty, zeros), both byte orders of
		 * 2^64-1 being the same */
		memset(nonce + 4, 0xff, 8);
		CHECK_INT(aead_seal(ciphers[c], k, nonce, NULL, 0, zeros, sizeof(zeros), want),
			  XE2E_OK);
		CHECK_INT(noise_cipherstate_rekey(&a), XE2E_OK);
		CHECK_MEM(a.k, want, NOISE_KEY_LEN);
		CHECK_INT(a.n, UINT64_MAX); /* n is not reset */
		CHECK_INT(noise_cipherstate_rekey(&b), XE2E_OK);
		noise_cipherstate_set_nonce(&a, 5);
		noise_cipherstate_set_nonce(&b, 5);
		CHECK_INT(noise_cipherstate_encrypt(&a, (const uint8_t *)"x", 1,
						    (const uint8_t *)"rekeyed", 7, ct, sizeof(ct),
						    &n),
			  XE2E_OK);
		CHECK_INT(noise_cipherstate_decrypt(&b, (const uint8_t *)"x", 1, ct, n, pt,
						    sizeof(pt), &m),
			  XE2E_OK);
		CHECK_MEM(pt, "rekeyed", 7);

		/* the nonce layout: n = 1 is byte 11 (AESGCM) or byte 4 (ChaChaPoly) */
		memset(nonce, 0, sizeof(nonce));
		nonce[ciphers[c] == AEAD_AES256GCM ? 11 : 4] = 1;
		noise_cipherstate_set_key(&a, k);
		noise_cipherstate_set_nonce(&a, 1);
		CHECK_INT(noise_cipherstate_encrypt(&a, NULL, 0, zeros, 8, ct, sizeof(ct), &n),
			  XE2E_OK);
		CHECK_INT(aead_seal(ciphers[c], k, nonce, NULL, 0, zeros, 8, want), XE2E_OK);
		CHECK_MEM(ct, want, 8 + NOISE_TAG_LEN);
		noise_cipherstate_wipe(&a);
		noise_cipherstate_wipe(&b);
		CHECK(!noise_cipherstate_has_key(&a));
		CHECK_INT(noise_cipherstate_rekey(&a), XE2E_E_STATE);
	}
}
