/*
 * Noise ReadMessage (noise.h) on the protocols the handshake uses. The first
 * input byte picks the protocol (XXpsk2 or IKpsk1, ChaChaPoly or AESGCM)
 * and the message the rest is read as: message 1 by a fresh responder,
 * message 2 by an initiator that wrote message 1, or message 3 by a
 * responder that read message 1 and wrote message 2. All keys, ephemeral
 * ones included, are fixed, so the seeds (made by fz_noise_seed()) are the
 * real messages and decrypt.
 *
 * Checked: a read payload is exactly the message minus the overhead; a
 * copy of the state reads the same message to the same payload and
 * handshake hash; a failed read kills the state; a message that completes
 * the handshake lets it split into two keyed cipher states.
 */
#include "fuzz.h"

#include <string.h>

#include "dh.h"
#include "err.h"
#include "noise.h"

static const char *const fz_noise_protocols[4] = {
	"Noise_XXpsk2_25519_ChaChaPoly_SHA256",
	"Noise_XXpsk2_25519_AESGCM_SHA256",
	"Noise_IKpsk1_25519_ChaChaPoly_SHA256",
	"Noise_IKpsk1_25519_AESGCM_SHA256",
};

#define FZ_NOISE_PROLOGUE "xe2e fuzz prologue"

/* Fixed private keys: initiator static and ephemeral, responder static and
 * ephemeral, and the psk. */
static void fz_noise_key(int which, uint8_t out[static 32])
{
	for (int i = 0; i < 32; i++)
		out[i] = (uint8_t)(0x11 * (which + 1) + 7 * i);
}

/* A fresh state for protocol p and the side, with every key fixed. */
static int fz_noise_new(int p, int initiator, struct noise_handshakestate **hs)
{
	uint8_t s[32], e[32], rs[32], rpriv[32], psk[1][32];
	struct noise_handshake_params params;
	int ik = p >= 2, err;

	fz_noise_key(initiator ? 0 : 2, s);
	fz_noise_key(initiator ? 1 : 3, e);
	fz_noise_key(2, rpriv);
	fz_noise_key(4, psk[0]);
	err = x25519_public(rs, rpriv);
	memset(&params, 0, sizeof(params));
	params.protocol_name = fz_noise_protocols[p];
	params.initiator = initiator;
	params.prologue = (const uint8_t *)FZ_NOISE_PROLOGUE;
	params.prologue_len = strlen(FZ_NOISE_PROLOGUE);
	params.s = s;
	params.rs = ik && initiator ? rs : NULL;
	params.psks = (const uint8_t(*)[NOISE_PSK_LEN])psk;
	params.n_psks = 1;
	if (!err)
		err = noise_handshakestate_new(hs, &params);
	if (!err)
		err = noise_handshakestate_set_fixed_ephemeral(*hs, e);
	if (err) {
		noise_handshakestate_free(*hs);
		*hs = NULL;
	}
	return err;
}

/* Runs the real messages before message `msg` (1..3) through a pair of
 * states; *reader is the side that reads message `msg` next. Message i is
 * written into m[i - 1] (payload "payload i"). */
static int fz_noise_prepare(int p, int msg, struct noise_handshakestate **reader,
			    uint8_t m[3][256], size_t len[3])
{
	struct noise_handshakestate *side[2] = {NULL, NULL}; /* initiator, responder */
	uint8_t payload[256];
	size_t n;
	int err = fz_noise_new(p, 1, &side[0]);

	if (!err)
		err = fz_noise_new(p, 0, &side[1]);
	for (int i = 1; !err && i <= 3; i++) {
		struct noise_handshakestate *w = side[(i - 1) % 2], *r = side[i % 2];
		char text[16];

		if (noise_handshakestate_action(w) != NOISE_ACTION_WRITE_MESSAGE)
			break;
		memcpy(text, "payload ", 8);
		text[8] = (char)('0' + i);
		err = noise_handshakestate_write_message(w, (const uint8_t *)text, 9, m[i - 1], 256,
							 &len[i - 1]);
		if (!err && i < msg)
			err = noise_handshakestate_read_message(r, m[i - 1], len[i - 1], payload,
								sizeof(payload), &n);
		if (i == msg)
			break;
	}
	if (!err && reader) {
		*reader = side[msg % 2];
		side[msg % 2] = NULL;
	}
	noise_handshakestate_free(side[0]);
	noise_handshakestate_free(side[1]);
	return err;
}

static void fz_noise_complete(struct noise_handshakestate *hs)
{
	struct noise_cipherstate send, recv;

	FUZZ_CHECK(noise_handshakestate_is_complete(hs));
	FUZZ_CHECK(noise_handshakestate_split(hs, &send, &recv) == XE2E_OK);
	FUZZ_CHECK(noise_cipherstate_has_key(&send) && noise_cipherstate_has_key(&recv));
	FUZZ_CHECK(memcmp(send.k, recv.k, NOISE_KEY_LEN) != 0);
	noise_cipherstate_wipe(&send);
	noise_cipherstate_wipe(&recv);
}

static void fz_noise_read(struct noise_handshakestate *hs, const uint8_t *msg, size_t len)
{
	static uint8_t payload[NOISE_MAX_MSG_LEN], payload2[NOISE_MAX_MSG_LEN];
	struct noise_handshakestate *copy = NULL;
	uint8_t h1[NOISE_HASH_MAX_LEN], h2[NOISE_HASH_MAX_LEN];
	size_t overhead = noise_handshakestate_overhead(hs), n = 0, n2 = 0, hl1 = 0, hl2 = 0;
	int err, err2;

	FUZZ_CHECK(noise_handshakestate_action(hs) == NOISE_ACTION_READ_MESSAGE);
	FUZZ_CHECK(noise_handshakestate_copy(&copy, hs) == XE2E_OK);
	err = noise_handshakestate_read_message(hs, msg, len, payload, sizeof(payload), &n);
	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED || err == XE2E_E_AUTH ||
		   err == XE2E_E_WEAKKEY || err == XE2E_E_LIMIT);
	if (copy) {
		err2 = noise_handshakestate_read_message(copy, msg, len, payload2, sizeof(payload2),
							 &n2);
		FUZZ_CHECK(err2 == err);
		if (!err && !err2)
			FUZZ_CHECK(n == n2 && memcmp(payload, payload2, n) == 0);
	}
	if (err) {
		FUZZ_CHECK(noise_handshakestate_action(hs) == NOISE_ACTION_FAILED);
		FUZZ_CHECK(noise_handshakestate_read_message(hs, msg, len, payload, sizeof(payload),
							     &n) == XE2E_E_STATE);
		goto done;
	}
	FUZZ_CHECK(n == len - overhead);
	if (noise_handshakestate_is_complete(hs)) {
		FUZZ_CHECK(noise_handshakestate_get_handshake_hash(hs, h1, &hl1) == XE2E_OK);
		if (copy)
			FUZZ_CHECK(noise_handshakestate_get_handshake_hash(copy, h2, &hl2) ==
					   XE2E_OK &&
				   hl1 == hl2 && memcmp(h1, h2, hl1) == 0);
		fz_noise_complete(hs);
	} else {
		FUZZ_CHECK(noise_handshakestate_action(hs) == NOISE_ACTION_WRITE_MESSAGE);
	}
done:
	noise_handshakestate_free(copy);
}

/* The reader of message msg of protocol p, prepared once and copied for
 * each input (X25519 is the slow part). */
static struct noise_handshakestate *fz_noise_reader(int p, int msg)
{
	static struct noise_handshakestate *ready[4][3];
	struct noise_handshakestate *hs = NULL;
	uint8_t m[3][256];
	size_t len[3];

	if (!ready[p][msg - 1] && fz_noise_prepare(p, msg, &ready[p][msg - 1], m, len) != XE2E_OK)
		return NULL;
	if (noise_handshakestate_copy(&hs, ready[p][msg - 1]) != XE2E_OK)
		return NULL;
	return hs;
}

int fuzz_noise(const uint8_t *data, size_t size)
{
	struct noise_handshakestate *hs;
	int p, msg;

	if (size < 1)
		return 0;
	p = data[0] & 3;
	msg = 1 + (data[0] >> 2) % (p >= 2 ? 2 : 3);
	hs = fz_noise_reader(p, msg);
	if (!hs) {
		FUZZ_CHECK(0);
		return 0;
	}
	fz_noise_read(hs, data + 1, size - 1);
	noise_handshakestate_free(hs);
	return 0;
}
