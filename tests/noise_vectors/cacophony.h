/*
 * Runs one Noise test vector in the cacophony JSON format against
 * common/protocol/noise.h: both sides with the vector's fixed ephemerals, every
 * handshake and transport ciphertext and the handshake hash compared.
 * Shared by tests/unit/test_noise.c and tests/noise_vectors/main.c, so the
 * functions are static.
 *
 * Format: {protocol_name, init_prologue, init_psks[], init_static,
 * init_ephemeral, init_remote_static, resp_..., [handshake_hash],
 * messages: [{payload, ciphertext}]}, all hex. Statics and ephemerals are
 * private keys. Message i is sent by the initiator when i is even, or
 * always in a one-way pattern; transport messages follow the handshake
 * ones.
 */
#ifndef XE2E_TESTS_CACOPHONY_H
#define XE2E_TESTS_CACOPHONY_H

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "err.h"
#include "noise.h"

enum cacophony_result {
	CACOPHONY_PASS,
	CACOPHONY_PASS_NO_HASH, /* passed; the vector has no handshake_hash to compare */
	CACOPHONY_FAIL,
	CACOPHONY_SKIP,
};

struct cacophony_bytes {
	uint8_t data[NOISE_MAX_MSG_LEN];
	size_t len;
};

struct cacophony_side {
	struct noise_handshakestate *hs;
	struct noise_cipherstate send, recv;
	uint8_t s[NOISE_DH_LEN], e[NOISE_DH_LEN], rs[NOISE_DH_LEN];
	uint8_t prologue[1024];
	uint8_t psks[NOISE_MAX_PSKS][NOISE_PSK_LEN];
	size_t prologue_len, n_psks;
	int has_s, has_e, has_rs;
};

struct cacophony_run {
	const cJSON *vec;
	const char *name;
	struct cacophony_side init, resp;
	struct cacophony_bytes payload, ct, out, back;
	char *why;
	size_t why_len;
	int no_hash; /* the optional handshake_hash field is absent */
};

/* Decodes hex into out; -1 if it is not hex or longer than max bytes. */
static long cacophony_unhex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = strlen(hex);

	if (n % 2 || n / 2 > max || hex_decode(hex, n, out, n / 2) != XE2E_OK)
		return -1;
	return (long)(n / 2);
}

static int cacophony_fail(struct cacophony_run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int cacophony_fail(struct cacophony_run *r, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(r->why, r->why_len, "%s: ", r->name);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < r->why_len)
		vsnprintf(r->why + n, r->why_len - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Reads the optional hex field key into out (exactly len bytes when
 * exact). Returns 1 when present, 0 when absent, -1 when malformed. */
static int cacophony_field(const cJSON *vec, const char *key, uint8_t *out, size_t max,
			   size_t *len, int exact)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(vec, key);
	long n;

	if (!f)
		return 0;
	if (!cJSON_IsString(f))
		return -1;
	n = cacophony_unhex(f->valuestring, out, max);
	if (n < 0 || (exact && (size_t)n != max))
		return -1;
	if (len)
		*len = (size_t)n;
	return 1;
}

static int cacophony_load_side(struct cacophony_run *r, struct cacophony_side *sd,
			       const char *prefix)
{
	char key[64];
	const cJSON *psks, *p;
	int rc = 0;

	snprintf(key, sizeof(key), "%s_prologue", prefix);
	if (cacophony_field(r->vec, key, sd->prologue, sizeof(sd->prologue), &sd->prologue_len,
			    0) != 1)
		return cacophony_fail(r, "bad %s", key);
	snprintf(key, sizeof(key), "%s_static", prefix);
	rc |= sd->has_s = cacophony_field(r->vec, key, sd->s, NOISE_DH_LEN, NULL, 1);
	snprintf(key, sizeof(key), "%s_ephemeral", prefix);
	rc |= sd->has_e = cacophony_field(r->vec, key, sd->e, NOISE_DH_LEN, NULL, 1);
	snprintf(key, sizeof(key), "%s_remote_static", prefix);
	rc |= sd->has_rs = cacophony_field(r->vec, key, sd->rs, NOISE_DH_LEN, NULL, 1);
	if (rc < 0)
		return cacophony_fail(r, "bad %s keys", prefix);
	snprintf(key, sizeof(key), "%s_psks", prefix);
	psks = cJSON_GetObjectItemCaseSensitive(r->vec, key);
	cJSON_ArrayForEach(p, psks) {
		if (sd->n_psks == NOISE_MAX_PSKS || !cJSON_IsString(p) ||
		    cacophony_unhex(p->valuestring, sd->psks[sd->n_psks], NOISE_PSK_LEN) !=
			    NOISE_PSK_LEN)
			return cacophony_fail(r, "bad %s", key);
		sd->n_psks++;
	}
	return 0;
}

static int cacophony_start_side(struct cacophony_run *r, struct cacophony_side *sd, int initiator)
{
	struct noise_handshake_params p = {
		.protocol_name = r->name,
		.initiator = initiator,
		.prologue = sd->prologue,
		.prologue_len = sd->prologue_len,
		.s = sd->has_s ? sd->s : NULL,
		.rs = sd->has_rs ? sd->rs : NULL,
		.psks = (const uint8_t(*)[NOISE_PSK_LEN])sd->psks,
		.n_psks = sd->n_psks,
	};
	int err;

	err = noise_handshakestate_new(&sd->hs, &p);
	if (!err && sd->has_e)
		err = noise_handshakestate_set_fixed_ephemeral(sd->hs, sd->e);
	if (err)
		return cacophony_fail(r, "%s: initialize: %s %s", initiator ? "initiator" : "responder",
				      err_str(err), err_detail());
	return 0;
}

/* Message i as the vector has it: payload and ciphertext into r. */
static int cacophony_message(struct cacophony_run *r, const cJSON *msg, int i)
{
	const cJSON *pl = cJSON_GetObjectItemCaseSensitive(msg, "payload");
	const cJSON *ct = cJSON_GetObjectItemCaseSensitive(msg, "ciphertext");
	long a, b;

	if (!cJSON_IsString(pl) || !cJSON_IsString(ct))
		return cacophony_fail(r, "message %d: bad fields", i);
	a = cacophony_unhex(pl->valuestring, r->payload.data, sizeof(r->payload.data));
	b = cacophony_unhex(ct->valuestring, r->ct.data, sizeof(r->ct.data));
	if (a < 0 || b < 0)
		return cacophony_fail(r, "message %d: bad hex", i);
	r->payload.len = (size_t)a;
	r->ct.len = (size_t)b;
	return 0;
}

/* What was produced (r->out) against the vector's ciphertext. */
static int cacophony_check_out(struct cacophony_run *r, int i, const char *what)
{
	if (r->out.len != r->ct.len || memcmp(r->out.data, r->ct.data, r->ct.len) != 0)
		return cacophony_fail(r, "%s message %d: ciphertext differs", what, i);
	return 0;
}

/* What was read back (r->back) against the vector's payload. */
static int cacophony_check_back(struct cacophony_run *r, int i, const char *what)
{
	if (r->back.len != r->payload.len ||
	    memcmp(r->back.data, r->payload.data, r->payload.len) != 0)
		return cacophony_fail(r, "%s message %d: payload differs", what, i);
	return 0;
}

static int cacophony_handshake_message(struct cacophony_run *r, struct cacophony_side *tx,
				       struct cacophony_side *rx, int i)
{
	int err;

	err = noise_handshakestate_write_message(tx->hs, r->payload.data, r->payload.len,
						 r->out.data, sizeof(r->out.data), &r->out.len);
	if (err)
		return cacophony_fail(r, "handshake message %d: write: %s %s", i, err_str(err),
				      err_detail());
	if (cacophony_check_out(r, i, "handshake"))
		return -1;
	err = noise_handshakestate_read_message(rx->hs, r->ct.data, r->ct.len, r->back.data,
						sizeof(r->back.data), &r->back.len);
	if (err)
		return cacophony_fail(r, "handshake message %d: read: %s %s", i, err_str(err),
				      err_detail());
	return cacophony_check_back(r, i, "handshake");
}

static int cacophony_transport_message(struct cacophony_run *r, struct cacophony_side *tx,
				       struct cacophony_side *rx, int i)
{
	int err;

	err = noise_cipherstate_encrypt(&tx->send, NULL, 0, r->payload.data, r->payload.len,
					r->out.data, sizeof(r->out.data), &r->out.len);
	if (err)
		return cacophony_fail(r, "transport message %d: encrypt: %s", i, err_str(err));
	if (cacophony_check_out(r, i, "transport"))
		return -1;
	err = noise_cipherstate_decrypt(&rx->recv, NULL, 0, r->ct.data, r->ct.len, r->back.data,
					sizeof(r->back.data), &r->back.len);
	if (err)
		return cacophony_fail(r, "transport message %d: decrypt: %s", i, err_str(err));
	return cacophony_check_back(r, i, "transport");
}

/* Both sides complete, with the vector's handshake hash; then Split. */
static int cacophony_finish(struct cacophony_run *r)
{
	uint8_t want[NOISE_HASH_MAX_LEN], hi[NOISE_HASH_MAX_LEN], hr[NOISE_HASH_MAX_LEN];
	size_t want_len, li, lr;
	int err;

	if (!noise_handshakestate_is_complete(r->init.hs) ||
	    !noise_handshakestate_is_complete(r->resp.hs))
		return cacophony_fail(r, "handshake not complete after its messages");
	/* handshake_hash is optional in the format: many implementations'
	 * files omit it, and then the ciphertexts are the whole check. */
	switch (cacophony_field(r->vec, "handshake_hash", want, sizeof(want), &want_len, 0)) {
	case 0:
		r->no_hash = 1;
		break;
	case 1:
		err = noise_handshakestate_get_handshake_hash(r->init.hs, hi, &li);
		if (!err)
			err = noise_handshakestate_get_handshake_hash(r->resp.hs, hr, &lr);
		if (err || li != want_len || lr != want_len || memcmp(hi, want, li) != 0 ||
		    memcmp(hr, want, lr) != 0)
			return cacophony_fail(r, "handshake hash differs");
		break;
	default:
		return cacophony_fail(r, "bad handshake_hash");
	}
	err = noise_handshakestate_split(r->init.hs, &r->init.send, &r->init.recv);
	if (!err)
		err = noise_handshakestate_split(r->resp.hs, &r->resp.send, &r->resp.recv);
	if (err)
		return cacophony_fail(r, "split: %s", err_str(err));
	return 0;
}

static int cacophony_messages(struct cacophony_run *r, const struct noise_protocol *proto)
{
	const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(r->vec, "messages"), *m;
	int i = 0, n_hs = proto->pattern.n_messages;

	if (!cJSON_IsArray(msgs) || cJSON_GetArraySize(msgs) < n_hs)
		return cacophony_fail(r, "too few messages");
	cJSON_ArrayForEach(m, msgs) {
		int from_init = proto->pattern.one_way || i % 2 == 0;
		struct cacophony_side *tx = from_init ? &r->init : &r->resp;
		struct cacophony_side *rx = from_init ? &r->resp : &r->init;

		if (cacophony_message(r, m, i))
			return -1;
		if (i == n_hs && cacophony_finish(r))
			return -1;
		if (i < n_hs ? cacophony_handshake_message(r, tx, rx, i)
			     : cacophony_transport_message(r, tx, rx, i))
			return -1;
		i++;
	}
	return i == n_hs ? cacophony_finish(r) : 0;
}

static void cacophony_release(struct cacophony_run *r)
{
	noise_handshakestate_free(r->init.hs);
	noise_handshakestate_free(r->resp.hs);
	free(r);
}

/*
 * Runs one vector. A protocol noise_protocol_parse() calls unsupported is
 * skipped; a vector without handshake_hash that passes everything else is
 * CACOPHONY_PASS_NO_HASH; on failure why gets the reason.
 */
static enum cacophony_result cacophony_run_vector(const cJSON *vec, char *why, size_t why_len)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(vec, "protocol_name");
	struct noise_protocol proto;
	struct cacophony_run *r;
	int err, rc, no_hash;

	snprintf(why, why_len, "vector without a protocol_name");
	if (!cJSON_IsString(name))
		return CACOPHONY_FAIL;
	err = noise_protocol_parse(&proto, name->valuestring);
	if (err == XE2E_E_UNSUPPORTED)
		return CACOPHONY_SKIP;
	if (err) {
		snprintf(why, why_len, "%s: %s", name->valuestring, err_str(err));
		return CACOPHONY_FAIL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(why, why_len, "out of memory");
		return CACOPHONY_FAIL;
	}
	r->vec = vec;
	r->name = name->valuestring;
	r->why = why;
	r->why_len = why_len;
	rc = cacophony_load_side(r, &r->init, "init");
	if (!rc)
		rc = cacophony_load_side(r, &r->resp, "resp");
	if (!rc)
		rc = cacophony_start_side(r, &r->init, 1);
	if (!rc)
		rc = cacophony_start_side(r, &r->resp, 0);
	if (!rc)
		rc = cacophony_messages(r, &proto);
	no_hash = r->no_hash;
	cacophony_release(r);
	if (rc)
		return CACOPHONY_FAIL;
	return no_hash ? CACOPHONY_PASS_NO_HASH : CACOPHONY_PASS;
}

#endif
