#include "sas.h"

#include <string.h>

#include "err.h"
#include "hash.h"
#include "rng.h"
#include "util.h"

enum sas_state {
	SAS_ST_NONE = 0,     /* not initialised, or released */
	SAS_ST_START,        /* initiator: commit to send; responder: commit awaited */
	SAS_ST_WAIT_NONCE,   /* initiator: commit sent */
	SAS_ST_GOT_NONCE,    /* initiator: reveal to send */
	SAS_ST_GOT_COMMIT,   /* responder: nonce to send */
	SAS_ST_WAIT_REVEAL,  /* responder: nonce sent */
	SAS_ST_DONE,         /* the code is known */
	SAS_ST_FAILED,       /* final */
};

static const char sas_commit_label[] = "xe2e sas commit";
static const char sas_info[] = "xe2e sas";
static const char sas_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

#define LABEL_LEN(l) (sizeof(l) - 1)

_Static_assert(LABEL_LEN(sas_alphabet) == 32, "Crockford base32 has 32 symbols");

static int sas_fail(struct sas *s, int err)
{
	wipe(s, sizeof(*s));
	s->state = SAS_ST_FAILED;
	return err;
}

int sas_commitment(const uint8_t hh[static SAS_HH_LEN], const uint8_t n_a[static SAS_NONCE_LEN],
		   uint8_t out[static SAS_NONCE_LEN])
{
	uint8_t in[SAS_HH_LEN + LABEL_LEN(sas_commit_label) + SAS_NONCE_LEN];
	int err;

	memcpy(in, hh, SAS_HH_LEN);
	memcpy(in + SAS_HH_LEN, sas_commit_label, LABEL_LEN(sas_commit_label));
	memcpy(in + SAS_HH_LEN + LABEL_LEN(sas_commit_label), n_a, SAS_NONCE_LEN);
	err = hash(HASH_SHA256, in, sizeof(in), out);
	wipe(in, sizeof(in));
	return err;
}

int sas_derive(const uint8_t hh[static SAS_HH_LEN], const uint8_t n_a[static SAS_NONCE_LEN],
	       const uint8_t n_b[static SAS_NONCE_LEN], uint8_t code[static SAS_CODE_LEN])
{
	uint8_t ikm[SAS_HH_LEN + 2 * SAS_NONCE_LEN];
	int err;

	memcpy(ikm, hh, SAS_HH_LEN);
	memcpy(ikm + SAS_HH_LEN, n_a, SAS_NONCE_LEN);
	memcpy(ikm + SAS_HH_LEN + SAS_NONCE_LEN, n_b, SAS_NONCE_LEN);
	err = hkdf(HASH_SHA256, NULL, 0, ikm, sizeof(ikm), sas_info, LABEL_LEN(sas_info), code,
		   SAS_CODE_LEN);
	wipe(ikm, sizeof(ikm));
	return err;
}

static uint64_t sas_code_load(const uint8_t code[static SAS_CODE_LEN])
{
	uint64_t v = 0;

	for (size_t i = 0; i < SAS_CODE_LEN; i++)
		v = v << 8 | code[i];
	return v;
}

void sas_format(const uint8_t code[static SAS_CODE_LEN], char out[static SAS_TEXT_LEN])
{
	uint64_t v = sas_code_load(code);
	size_t o = 0;

	for (int i = 0; i < SAS_SYMBOLS; i++) {
		if (i == SAS_SYMBOLS / 2)
			out[o++] = '-';
		out[o++] = sas_alphabet[(v >> (5 * (SAS_SYMBOLS - 1 - i))) & 31];
	}
	out[o] = '\0';
}

/* The value of one typed symbol, or -1. */
static int sas_symbol_value(char c)
{
	const char *p;

	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	if (c == 'I' || c == 'L')
		return 1;
	if (c == 'O')
		return 0;
	p = c ? strchr(sas_alphabet, c) : NULL;
	return p ? (int)(p - sas_alphabet) : -1;
}

int sas_parse(const char *text, uint8_t code[static SAS_CODE_LEN])
{
	uint64_t v = 0;
	int n = 0, sym;
	size_t i;

	for (i = 0; text[i] && i < SAS_INPUT_MAX; i++) {
		if (text[i] == '-' || text[i] == ' ')
			continue;
		sym = sas_symbol_value(text[i]);
		if (sym < 0 || ++n > SAS_SYMBOLS)
			break;
		v = v << 5 | (uint64_t)sym;
	}
	if (text[i] || n != SAS_SYMBOLS) {
		err_detail_set("not a verification code: 8 symbols of 0-9 and A-Z without U, "
			       "as XXXX-XXXX");
		return XE2E_E_MALFORMED;
	}
	for (i = 0; i < SAS_CODE_LEN; i++)
		code[i] = (uint8_t)(v >> (8 * (SAS_CODE_LEN - 1 - i)));
	return XE2E_OK;
}

int sas_init(struct sas *s, enum sas_role role, const uint8_t hh[static SAS_HH_LEN])
{
	memset(s, 0, sizeof(*s));
	if (role != SAS_INITIATOR && role != SAS_RESPONDER) {
		err_detail_set("SAS role %d is neither initiator nor responder", (int)role);
		return sas_fail(s, XE2E_E_MALFORMED);
	}
	s->role = role;
	memcpy(s->hh, hh, SAS_HH_LEN);
	s->state = SAS_ST_START;
	return XE2E_OK;
}

static int sas_complete(struct sas *s)
{
	int err = sas_derive(s->hh, s->n_a, s->n_b, s->code);

	if (err)
		return sas_fail(s, err);
	wipe(s->n_a, sizeof(s->n_a));
	wipe(s->n_b, sizeof(s->n_b));
	s->state = SAS_ST_DONE;
	return XE2E_OK;
}

static void sas_msg_put(uint8_t out[static SAS_MSG_LEN], enum sas_msg_type type,
			const uint8_t body[static 32])
{
	out[0] = (uint8_t)type;
	memcpy(out + 1, body, 32);
}

/* The initiator's commit: draws nA. */
static int sas_send_commit(struct sas *s, uint8_t out[static SAS_MSG_LEN])
{
	int err = rng_bytes(s->n_a, sizeof(s->n_a));

	if (!err)
		err = sas_commitment(s->hh, s->n_a, s->commit);
	if (err)
		return sas_fail(s, err);
	sas_msg_put(out, SAS_MSG_COMMIT, s->commit);
	s->state = SAS_ST_WAIT_NONCE;
	return XE2E_OK;
}

/* The responder's nonce: draws nB. */
static int sas_send_nonce(struct sas *s, uint8_t out[static SAS_MSG_LEN])
{
	int err = rng_bytes(s->n_b, sizeof(s->n_b));

	if (err)
		return sas_fail(s, err);
	sas_msg_put(out, SAS_MSG_NONCE, s->n_b);
	s->state = SAS_ST_WAIT_REVEAL;
	return XE2E_OK;
}

/* The initiator's reveal of nA; its code is then known. */
static int sas_send_reveal(struct sas *s, uint8_t out[static SAS_MSG_LEN])
{
	uint8_t msg[SAS_MSG_LEN];
	int err;

	sas_msg_put(msg, SAS_MSG_REVEAL, s->n_a);
	err = sas_complete(s);
	if (!err)
		memcpy(out, msg, SAS_MSG_LEN);
	wipe(msg, sizeof(msg));
	return err;
}

int sas_send(struct sas *s, uint8_t out[static SAS_MSG_LEN])
{
	int init = s->role == SAS_INITIATOR;

	if (init && s->state == SAS_ST_START)
		return sas_send_commit(s, out);
	if (!init && s->state == SAS_ST_GOT_COMMIT)
		return sas_send_nonce(s, out);
	if (init && s->state == SAS_ST_GOT_NONCE)
		return sas_send_reveal(s, out);
	err_detail_set("SAS: nothing to send in this state");
	return sas_fail(s, XE2E_E_STATE);
}

/* The message type this side may receive now, or 0. */
static int sas_expected(const struct sas *s)
{
	if (s->role == SAS_RESPONDER && s->state == SAS_ST_START)
		return SAS_MSG_COMMIT;
	if (s->role == SAS_INITIATOR && s->state == SAS_ST_WAIT_NONCE)
		return SAS_MSG_NONCE;
	if (s->role == SAS_RESPONDER && s->state == SAS_ST_WAIT_REVEAL)
		return SAS_MSG_REVEAL;
	return 0;
}

static int sas_unexpected(struct sas *s, int type)
{
	if (type == SAS_MSG_COMMIT && s->role == SAS_INITIATOR)
		err_detail_set("SAS commit from the responder's side refused: "
			       "only the Noise initiator commits");
	else if (type == SAS_MSG_NONCE && s->role == SAS_RESPONDER)
		err_detail_set("SAS nonce from the initiator's side refused: "
			       "only the Noise responder sends one");
	else
		err_detail_set("SAS message of type %d not expected now", type);
	return sas_fail(s, XE2E_E_STATE);
}

/* The responder checks the revealed nA against the commitment. */
static int sas_receive_reveal(struct sas *s, const uint8_t n_a[static SAS_NONCE_LEN])
{
	uint8_t c[SAS_NONCE_LEN];
	int err = sas_commitment(s->hh, n_a, c);

	if (!err && !ct_equal(c, s->commit, sizeof(c))) {
		err_detail_set("SAS reveal does not match the commitment: possible attack");
		err = XE2E_E_AUTH;
	}
	memcpy(s->n_a, n_a, SAS_NONCE_LEN);
	wipe(c, sizeof(c));
	return err ? sas_fail(s, err) : sas_complete(s);
}

int sas_receive(struct sas *s, const uint8_t *msg, size_t len)
{
	int type = len ? msg[0] : 0;

	if (s->state == SAS_ST_NONE || s->state == SAS_ST_FAILED) {
		err_detail_set("SAS: the run has failed or not started");
		return sas_fail(s, XE2E_E_STATE);
	}
	if (len != SAS_MSG_LEN || type < SAS_MSG_COMMIT || type > SAS_MSG_REVEAL) {
		err_detail_set("SAS message of %zu bytes and type %d", len, type);
		return sas_fail(s, XE2E_E_MALFORMED);
	}
	if (type != sas_expected(s))
		return sas_unexpected(s, type);
	if (type == SAS_MSG_REVEAL)
		return sas_receive_reveal(s, msg + 1);
	if (type == SAS_MSG_COMMIT) {
		memcpy(s->commit, msg + 1, SAS_NONCE_LEN);
		s->state = SAS_ST_GOT_COMMIT;
	} else {
		memcpy(s->n_b, msg + 1, SAS_NONCE_LEN);
		s->state = SAS_ST_GOT_NONCE;
	}
	return XE2E_OK;
}

int sas_is_complete(const struct sas *s)
{
	return s->state == SAS_ST_DONE;
}

int sas_code(const struct sas *s, char out[static SAS_TEXT_LEN])
{
	if (s->state != SAS_ST_DONE) {
		err_detail_set("SAS: no code before the run completes");
		return XE2E_E_STATE;
	}
	sas_format(s->code, out);
	return XE2E_OK;
}

int sas_check(const struct sas *s, const char *typed)
{
	uint8_t code[SAS_CODE_LEN];
	int err;

	if (s->state != SAS_ST_DONE) {
		err_detail_set("SAS: no code before the run completes");
		return XE2E_E_STATE;
	}
	err = sas_parse(typed, code);
	if (!err && !ct_equal(code, s->code, SAS_CODE_LEN)) {
		err_detail_set("the verification codes differ");
		err = XE2E_E_AUTH;
	}
	wipe(code, sizeof(code));
	return err;
}

void sas_wipe(struct sas *s)
{
	wipe(s, sizeof(*s));
}
