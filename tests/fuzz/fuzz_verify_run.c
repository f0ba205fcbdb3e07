/*
 * What a peer sends in a verification run (sas.h, spake2.h), after the
 * control element was opened and decoded, and the code a user types. The
 * first input byte picks the receiver:
 *   0  SPAKE2 side B (fixed w and scalar): the rest is pA, then A's
 *      confirmation;
 *   1  SAS responder: a commit, then (after its nonce) a reveal, 33 bytes
 *      each;
 *   2  SAS initiator: after its commit, the responder's nonce;
 *   3  a typed SAS code (sas_parse).
 * Checked: a run that completes gives a key or a code that checks against
 * itself; errors are the documented ones and final; a code that parses
 * prints to a code that parses to the same 40 bits.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "sas.h"
#include "spake2.h"

/* The fixed inputs of the runs; seeds are made with them (seeds.c). */
static void fz_vrun_fixed(uint8_t w[static 32], uint8_t a_scalar[static 32],
			  uint8_t b_scalar[static 32], uint8_t hh[static 32])
{
	for (int i = 0; i < 32; i++) {
		w[i] = (uint8_t)(0x10 + i);
		a_scalar[i] = (uint8_t)(0x20 + i);
		b_scalar[i] = (uint8_t)(0x30 + i);
		hh[i] = (uint8_t)(0x40 + i);
	}
}

#define FZ_VRUN_ID_A "alice"
#define FZ_VRUN_ID_B "bob"
#define FZ_VRUN_AAD "xe2e fuzz"

static int fz_vrun_spake2_side(struct spake2 *s, enum spake2_role role)
{
	uint8_t w[32], xa[32], yb[32], hh[32];

	fz_vrun_fixed(w, xa, yb, hh);
	return spake2_init_raw(s, role, w, role == SPAKE2_ROLE_A ? xa : yb, FZ_VRUN_ID_A,
			       strlen(FZ_VRUN_ID_A), FZ_VRUN_ID_B, strlen(FZ_VRUN_ID_B), FZ_VRUN_AAD,
			       strlen(FZ_VRUN_AAD));
}

static void fz_vrun_spake2(const uint8_t *data, size_t size)
{
	struct spake2 b;
	uint8_t ke[SPAKE2_KEY_LEN], conf[SPAKE2_CONF_LEN];
	size_t share = size < SPAKE2_MSG_LEN ? size : SPAKE2_MSG_LEN;
	int err;

	memset(&b, 0, sizeof(b));
	FUZZ_CHECK(fz_vrun_spake2_side(&b, SPAKE2_ROLE_B) == XE2E_OK);
	err = spake2_process(&b, data, share);
	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED || err == XE2E_E_WEAKKEY);
	if (err == XE2E_OK) {
		FUZZ_CHECK(spake2_confirm(&b, conf) == XE2E_OK);
		FUZZ_CHECK(spake2_key(&b, ke) == XE2E_E_STATE);
		err = spake2_verify_confirm(&b, data + share, size - share);
		FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_AUTH || err == XE2E_E_MALFORMED);
		FUZZ_CHECK((spake2_key(&b, ke) == XE2E_OK) == (err == XE2E_OK));
	}
	spake2_wipe(&b);
}

static void fz_vrun_sas_done(const struct sas *s)
{
	char code[SAS_TEXT_LEN];

	FUZZ_CHECK(sas_is_complete(s));
	FUZZ_CHECK(sas_code(s, code) == XE2E_OK);
	FUZZ_CHECK(sas_check(s, code) == XE2E_OK);
}

static void fz_vrun_sas(const uint8_t *data, size_t size, int responder)
{
	uint8_t w[32], xa[32], yb[32], hh[32], out[SAS_MSG_LEN];
	size_t first = size < SAS_MSG_LEN ? size : SAS_MSG_LEN;
	struct sas s;
	int err;

	fz_vrun_fixed(w, xa, yb, hh);
	memset(&s, 0, sizeof(s));
	FUZZ_CHECK(sas_init(&s, responder ? SAS_RESPONDER : SAS_INITIATOR, hh) == XE2E_OK);
	if (!responder)
		FUZZ_CHECK(sas_send(&s, out) == XE2E_OK && out[0] == SAS_MSG_COMMIT);
	err = sas_receive(&s, data, first);
	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED || err == XE2E_E_STATE);
	if (err == XE2E_OK && responder) {
		FUZZ_CHECK(sas_send(&s, out) == XE2E_OK && out[0] == SAS_MSG_NONCE);
		err = sas_receive(&s, data + first, size - first);
		FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED || err == XE2E_E_STATE ||
			   err == XE2E_E_AUTH);
	} else if (err == XE2E_OK) {
		FUZZ_CHECK(sas_send(&s, out) == XE2E_OK && out[0] == SAS_MSG_REVEAL);
	}
	if (err == XE2E_OK)
		fz_vrun_sas_done(&s);
	else
		FUZZ_CHECK(!sas_is_complete(&s) && sas_send(&s, out) == XE2E_E_STATE);
	sas_wipe(&s);
}

static void fz_vrun_code(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), printed[SAS_TEXT_LEN];
	uint8_t code[SAS_CODE_LEN], again[SAS_CODE_LEN];
	int err;

	if (!text)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	err = sas_parse(text, code);
	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED);
	if (err == XE2E_OK) {
		FUZZ_CHECK(strlen(text) <= SAS_INPUT_MAX);
		sas_format(code, printed);
		FUZZ_CHECK(strlen(printed) == SAS_TEXT_LEN - 1 && printed[4] == '-');
		FUZZ_CHECK(sas_parse(printed, again) == XE2E_OK &&
			   memcmp(code, again, SAS_CODE_LEN) == 0);
	}
	free(text);
}

int fuzz_verify_run(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 4) {
	case 0:
		fz_vrun_spake2(data + 1, size - 1);
		break;
	case 1:
	case 2:
		fz_vrun_sas(data + 1, size - 1, data[0] % 4 == 1);
		break;
	default:
		fz_vrun_code(data + 1, size - 1);
		break;
	}
	return 0;
}
