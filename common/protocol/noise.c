/* Noise HandshakeState (revision 34, section 5.3) as a state machine. */
#include "noise.h"

#include <stdlib.h>
#include <string.h>

#include "dh.h"
#include "err.h"
#include "util.h"

struct keypair {
	uint8_t priv[NOISE_DH_LEN];
	uint8_t pub[NOISE_DH_LEN];
	int set;
};

struct noise_handshakestate {
	struct noise_protocol proto;
	struct noise_symmetricstate ss;
	enum noise_action action;
	int initiator;
	unsigned msg; /* index of the next handshake message */
	struct keypair s, e;
	uint8_t rs[NOISE_DH_LEN], re[NOISE_DH_LEN];
	int has_rs, has_re;
	uint8_t fixed_e[NOISE_DH_LEN];
	uint8_t fixed_e_pub[NOISE_DH_LEN];
	int has_fixed_e, has_fixed_e_pub;
	uint8_t psks[NOISE_MAX_PSKS][NOISE_PSK_LEN];
	unsigned psks_given, psks_used;
	noise_psk_fn psk_fn;
	void *psk_arg;
};

/* A message being written (out) or read (in): len bytes done of max. */
struct cursor {
	uint8_t *out;
	const uint8_t *in;
	size_t len, max;
};

static int is_psk(const struct noise_handshakestate *hs)
{
	return hs->proto.pattern.n_psks > 0;
}

/* Wipes every secret and makes the state refuse all further calls. */
static int hs_fail(struct noise_handshakestate *hs, int err)
{
	noise_symmetricstate_wipe(&hs->ss);
	wipe(&hs->s, sizeof(hs->s));
	wipe(&hs->e, sizeof(hs->e));
	wipe(hs->fixed_e, sizeof(hs->fixed_e));
	wipe(hs->psks, sizeof(hs->psks));
	wipe(hs->rs, sizeof(hs->rs));
	wipe(hs->re, sizeof(hs->re));
	hs->has_rs = hs->has_re = hs->has_fixed_e = hs->has_fixed_e_pub = 0;
	hs->action = NOISE_ACTION_FAILED;
	return err ? err : XE2E_E_STATE;
}

/* Sets a key pair; pub, when the caller already has it (NULL: computed),
 * saves an X25519. */
static int keypair_set(struct keypair *kp, const uint8_t priv[static NOISE_DH_LEN],
		       const uint8_t *pub)
{
	memcpy(kp->priv, priv, NOISE_DH_LEN);
	kp->set = 1;
	if (!pub)
		return x25519_public(kp->pub, kp->priv);
	memcpy(kp->pub, pub, NOISE_DH_LEN);
	return XE2E_OK;
}

/* ---- what a pattern needs ---- */

static int has_token(const uint8_t *toks, size_t n, enum noise_token tok)
{
	for (size_t i = 0; i < n; i++)
		if (toks[i] == tok)
			return 1;
	return 0;
}

static int sends_message(const struct noise_handshakestate *hs, unsigned i)
{
	return hs->initiator == ((i % 2) == 0);
}

/* Whether this side's static private key is used: its pre-message, its s
 * token, or a DH with its s (es for the responder, se for the initiator). */
static int needs_local_static(const struct noise_handshakestate *hs)
{
	const struct noise_pattern *pat = &hs->proto.pattern;
	enum noise_token mine = hs->initiator ? NOISE_TOKEN_SE : NOISE_TOKEN_ES;

	if (hs->initiator ? has_token(pat->pre_initiator, pat->n_pre_initiator, NOISE_TOKEN_S)
			  : has_token(pat->pre_responder, pat->n_pre_responder, NOISE_TOKEN_S))
		return 1;
	for (unsigned i = 0; i < pat->n_messages; i++) {
		const uint8_t *t = pat->tokens[i];
		size_t n = pat->n_tokens[i];

		if (has_token(t, n, mine) || has_token(t, n, NOISE_TOKEN_SS) ||
		    (sends_message(hs, i) && has_token(t, n, NOISE_TOKEN_S)))
			return 1;
	}
	return 0;
}

static int pre_has(const struct noise_handshakestate *hs, int local, enum noise_token tok)
{
	const struct noise_pattern *pat = &hs->proto.pattern;
	int init_side = local ? hs->initiator : !hs->initiator;

	if (init_side)
		return has_token(pat->pre_initiator, pat->n_pre_initiator, tok);
	return has_token(pat->pre_responder, pat->n_pre_responder, tok);
}

/* A pre-message key must be given exactly when the pattern has it. */
static int check_pre_key(const struct noise_handshakestate *hs, int local, enum noise_token tok,
			 const uint8_t *given)
{
	int needed = pre_has(hs, local, tok);

	if (needed == !!given)
		return XE2E_OK;
	err_detail_set("noise %s: %s %s key %s", hs->proto.name, local ? "local" : "remote",
		       tok == NOISE_TOKEN_S ? "static" : "ephemeral",
		       needed ? "missing" : "not in a pre-message");
	return needed ? XE2E_E_NOTFOUND : XE2E_E_STATE;
}

/* Each key the pattern takes from the start must be given, and each
 * pre-message key given must be one the pattern has. */
static int check_keys(const struct noise_handshakestate *hs, const struct noise_handshake_params *p)
{
	int err;

	if (needs_local_static(hs) && !p->s) {
		err_detail_set("noise %s needs a local static key", hs->proto.name);
		return XE2E_E_NOTFOUND;
	}
	err = check_pre_key(hs, 0, NOISE_TOKEN_S, p->rs);
	if (!err)
		err = check_pre_key(hs, 1, NOISE_TOKEN_E, p->e);
	if (!err)
		err = check_pre_key(hs, 0, NOISE_TOKEN_E, p->re);
	if (!err && (p->n_psks > hs->proto.pattern.n_psks || (p->n_psks && !p->psks))) {
		err_detail_set("noise %s takes %u psks", hs->proto.name,
			       (unsigned)hs->proto.pattern.n_psks);
		err = XE2E_E_LIMIT;
	}
	return err;
}

/* ---- Initialize ---- */

static int mix_pre_message(struct noise_handshakestate *hs, int initiator_side)
{
	const struct noise_pattern *pat = &hs->proto.pattern;
	const uint8_t *toks = initiator_side ? pat->pre_initiator : pat->pre_responder;
	size_t n = initiator_side ? pat->n_pre_initiator : pat->n_pre_responder;
	int local = initiator_side == hs->initiator;
	int err = XE2E_OK;

	for (size_t i = 0; !err && i < n; i++) {
		const uint8_t *key;

		if (toks[i] == NOISE_TOKEN_S)
			key = local ? hs->s.pub : hs->rs;
		else
			key = local ? hs->e.pub : hs->re;
		err = noise_symmetricstate_mix_hash(&hs->ss, key, NOISE_DH_LEN);
		if (!err && toks[i] == NOISE_TOKEN_E && is_psk(hs))
			err = noise_symmetricstate_mix_key(&hs->ss, key, NOISE_DH_LEN);
	}
	return err;
}

static int hs_set_keys(struct noise_handshakestate *hs, const struct noise_handshake_params *p)
{
	int err = XE2E_OK;

	if (p->s)
		err = keypair_set(&hs->s, p->s, p->s_pub);
	if (!err && p->e)
		err = keypair_set(&hs->e, p->e, NULL);
	if (p->rs) {
		memcpy(hs->rs, p->rs, NOISE_DH_LEN);
		hs->has_rs = 1;
	}
	if (p->re) {
		memcpy(hs->re, p->re, NOISE_DH_LEN);
		hs->has_re = 1;
	}
	for (size_t i = 0; i < p->n_psks; i++)
		memcpy(hs->psks[i], p->psks[i], NOISE_PSK_LEN);
	hs->psks_given = (unsigned)p->n_psks;
	return err;
}

static int hs_initialize(struct noise_handshakestate *hs, const struct noise_handshake_params *p)
{
	int err;

	err = noise_protocol_parse(&hs->proto, p->protocol_name);
	if (err)
		return err;
	hs->initiator = !!p->initiator;
	err = check_keys(hs, p);
	if (!err)
		err = hs_set_keys(hs, p);
	if (!err)
		err = noise_symmetricstate_init(&hs->ss, hs->proto.name, hs->proto.cipher,
						hs->proto.hash);
	if (!err)
		err = noise_symmetricstate_mix_hash(&hs->ss, p->prologue, p->prologue_len);
	if (!err)
		err = mix_pre_message(hs, 1);
	if (!err)
		err = mix_pre_message(hs, 0);
	hs->action = hs->initiator ? NOISE_ACTION_WRITE_MESSAGE : NOISE_ACTION_READ_MESSAGE;
	return err;
}

int noise_handshakestate_new(struct noise_handshakestate **out,
			     const struct noise_handshake_params *params)
{
	struct noise_handshakestate *hs;
	int err;

	*out = NULL;
	if (!params->protocol_name || (params->prologue_len && !params->prologue))
		return XE2E_E_MALFORMED;
	hs = calloc(1, sizeof(*hs));
	if (!hs)
		return XE2E_E_NOMEM;
	err = hs_initialize(hs, params);
	if (err) {
		noise_handshakestate_free(hs);
		return err;
	}
	*out = hs;
	return XE2E_OK;
}

void noise_handshakestate_free(struct noise_handshakestate *hs)
{
	if (!hs)
		return;
	wipe(hs, sizeof(*hs));
	free(hs);
}

int noise_handshakestate_copy(struct noise_handshakestate **out,
			      const struct noise_handshakestate *hs)
{
	*out = NULL;
	if (hs->action == NOISE_ACTION_FAILED)
		return XE2E_E_STATE;
	*out = malloc(sizeof(**out));
	if (!*out)
		return XE2E_E_NOMEM;
	memcpy(*out, hs, sizeof(**out));
	return XE2E_OK;
}

/* ---- configuration after Initialize ---- */

static int is_live(const struct noise_handshakestate *hs)
{
	return hs->action == NOISE_ACTION_WRITE_MESSAGE || hs->action == NOISE_ACTION_READ_MESSAGE;
}

int noise_handshakestate_add_psk(struct noise_handshakestate *hs,
				 const uint8_t psk[static NOISE_PSK_LEN])
{
	if (!is_live(hs))
		return hs_fail(hs, XE2E_E_STATE);
	if (hs->psks_given >= hs->proto.pattern.n_psks) {
		err_detail_set("noise %s takes %u psks", hs->proto.name,
			       (unsigned)hs->proto.pattern.n_psks);
		return hs_fail(hs, XE2E_E_LIMIT);
	}
	memcpy(hs->psks[hs->psks_given++], psk, NOISE_PSK_LEN);
	return XE2E_OK;
}

void noise_handshakestate_set_psk_callback(struct noise_handshakestate *hs, noise_psk_fn fn,
					   void *arg)
{
	hs->psk_fn = fn;
	hs->psk_arg = arg;
}

int noise_handshakestate_set_fixed_ephemeral(struct noise_handshakestate *hs,
					     const uint8_t priv[static NOISE_DH_LEN])
{
	if (!is_live(hs) || hs->msg != 0 || hs->e.set)
		return hs_fail(hs, XE2E_E_STATE);
	memcpy(hs->fixed_e, priv, NOISE_DH_LEN);
	hs->has_fixed_e = 1;
	hs->has_fixed_e_pub = 0;
	return XE2E_OK;
}

int noise_handshakestate_set_fixed_ephemeral_pair(struct noise_handshakestate *hs,
						  const uint8_t priv[static NOISE_DH_LEN],
						  const uint8_t pub[static NOISE_DH_LEN])
{
	int err = noise_handshakestate_set_fixed_ephemeral(hs, priv);

	if (!err) {
		memcpy(hs->fixed_e_pub, pub, NOISE_DH_LEN);
		hs->has_fixed_e_pub = 1;
	}
	return err;
}

/* ---- queries ---- */

enum noise_action noise_handshakestate_action(const struct noise_handshakestate *hs)
{
	return hs->action;
}

int noise_handshakestate_is_complete(const struct noise_handshakestate *hs)
{
	return hs->action == NOISE_ACTION_SPLIT || hs->action == NOISE_ACTION_DONE;
}

int noise_handshakestate_is_initiator(const struct noise_handshakestate *hs)
{
	return hs->initiator;
}

const char *noise_handshakestate_protocol_name(const struct noise_handshakestate *hs)
{
	return hs->proto.name;
}

size_t noise_handshakestate_overhead(const struct noise_handshakestate *hs)
{
	const struct noise_pattern *pat = &hs->proto.pattern;
	int has_key = noise_cipherstate_has_key(&hs->ss.cs);
	size_t n = 0;

	if (!is_live(hs))
		return 0;
	for (size_t i = 0; i < pat->n_tokens[hs->msg]; i++) {
		switch (pat->tokens[hs->msg][i]) {
		case NOISE_TOKEN_E:
			n += NOISE_DH_LEN;
			has_key |= is_psk(hs);
			break;
		case NOISE_TOKEN_S:
			n += NOISE_DH_LEN + (has_key ? NOISE_TAG_LEN : 0);
			break;
		default: /* ee, es, se, ss, psk */
			has_key = 1;
			break;
		}
	}
	return n + (has_key ? NOISE_TAG_LEN : 0);
}

int noise_handshakestate_get_handshake_hash(const struct noise_handshakestate *hs,
					    uint8_t out[static NOISE_HASH_MAX_LEN], size_t *len)
{
	if (!noise_handshakestate_is_complete(hs))
		return XE2E_E_STATE;
	memcpy(out, hs->ss.h, hs->ss.hash_len);
	*len = hs->ss.hash_len;
	return XE2E_OK;
}

int noise_handshakestate_get_chaining_key(const struct noise_handshakestate *hs,
					  uint8_t out[static NOISE_HASH_MAX_LEN], size_t *len)
{
	if (!noise_handshakestate_is_complete(hs))
		return XE2E_E_STATE;
	memcpy(out, hs->ss.ck, hs->ss.hash_len);
	*len = hs->ss.hash_len;
	return XE2E_OK;
}

int noise_handshakestate_get_remote_static(const struct noise_handshakestate *hs,
					   uint8_t out[static NOISE_DH_LEN])
{
	if (hs->action == NOISE_ACTION_FAILED)
		return XE2E_E_STATE;
	if (!hs->has_rs)
		return XE2E_E_NOTFOUND;
	memcpy(out, hs->rs, NOISE_DH_LEN);
	return XE2E_OK;
}

/* ---- tokens ---- */

/* ee, es, se, ss: MixKey(DH(local, remote)) with the keys the token names
 * from this side's point of view. */
static int token_dh(struct noise_handshakestate *hs, enum noise_token tok)
{
	const struct keypair *local;
	const uint8_t *remote;
	int remote_set;

	/* first letter: the initiator's key, second: the responder's */
	int init_e = tok == NOISE_TOKEN_EE || tok == NOISE_TOKEN_ES;
	int resp_e = tok == NOISE_TOKEN_EE || tok == NOISE_TOKEN_SE;
	int local_e = hs->initiator ? init_e : resp_e;
	int remote_e = hs->initiator ? resp_e : init_e;

	local = local_e ? &hs->e : &hs->s;
	remote = remote_e ? hs->re : hs->rs;
	remote_set = remote_e ? hs->has_re : hs->has_rs;
	if (!local->set || !remote_set)
		return XE2E_E_STATE;
	return noise_symmetricstate_mix_dh(&hs->ss, local->priv, remote);
}

static int token_psk(struct noise_handshakestate *hs)
{
	uint8_t psk[NOISE_PSK_LEN];
	int err = XE2E_OK;

	if (hs->psks_used < hs->psks_given) {
		memcpy(psk, hs->psks[hs->psks_used], NOISE_PSK_LEN);
		wipe(hs->psks[hs->psks_used], NOISE_PSK_LEN);
	} else if (hs->psk_fn) {
		err = hs->psk_fn(hs->psk_arg, hs, psk);
		hs->psks_given++;
	} else {
		err_detail_set("noise %s: no psk given", hs->proto.name);
		err = XE2E_E_NOTFOUND;
	}
	hs->psks_used++;
	if (!err)
		err = noise_symmetricstate_mix_key_and_hash(&hs->ss, psk, sizeof(psk));
	wipe(psk, sizeof(psk));
	return err;
}

/* MixHash(e.pub), and in a psk handshake MixKey(e.pub) too (section 9.2). */
static int mix_ephemeral(struct noise_handshakestate *hs, const uint8_t pub[static NOISE_DH_LEN])
{
	int err = noise_symmetricstate_mix_hash(&hs->ss, pub, NOISE_DH_LEN);

	if (!err && is_psk(hs))
		err = noise_symmetricstate_mix_key(&hs->ss, pub, NOISE_DH_LEN);
	return err;
}

static int write_e(struct noise_handshakestate *hs, struct cursor *c)
{
	int err;

	if (hs->e.set)
		return XE2E_E_STATE;
	if (hs->has_fixed_e) {
		err = keypair_set(&hs->e, hs->fixed_e, hs->has_fixed_e_pub ? hs->fixed_e_pub : NULL);
		wipe(hs->fixed_e, sizeof(hs->fixed_e));
		hs->has_fixed_e = hs->has_fixed_e_pub = 0;
	} else {
		err = x25519_keypair(hs->e.priv, hs->e.pub);
		hs->e.set = 1;
	}
	if (err)
		return err;
	memcpy(c->out + c->len, hs->e.pub, NOISE_DH_LEN);
	c->len += NOISE_DH_LEN;
	return mix_ephemeral(hs, hs->e.pub);
}

static int write_s(struct noise_handshakestate *hs, struct cursor *c)
{
	size_t n;
	int err;

	if (!hs->s.set)
		return XE2E_E_STATE;
	err = noise_symmetricstate_encrypt_and_hash(&hs->ss, hs->s.pub, NOISE_DH_LEN,
						    c->out + c->len, c->max - c->len, &n);
	c->len += n;
	return err;
}

static int write_token(struct noise_handshakestate *hs, enum noise_token tok, struct cursor *c)
{
	switch (tok) {
	case NOISE_TOKEN_E:
		return write_e(hs, c);
	case NOISE_TOKEN_S:
		return write_s(hs, c);
	case NOISE_TOKEN_PSK:
		return token_psk(hs);
	default:
		return token_dh(hs, tok);
	}
}

static int read_e(struct noise_handshakestate *hs, struct cursor *c)
{
	if (hs->has_re)
		return XE2E_E_STATE;
	if (c->max - c->len < NOISE_DH_LEN)
		return XE2E_E_MALFORMED;
	memcpy(hs->re, c->in + c->len, NOISE_DH_LEN);
	hs->has_re = 1;
	c->len += NOISE_DH_LEN;
	return mix_ephemeral(hs, hs->re);
}

static int read_s(struct noise_handshakestate *hs, struct cursor *c)
{
	size_t n = NOISE_DH_LEN + (noise_cipherstate_has_key(&hs->ss.cs) ? NOISE_TAG_LEN : 0);
	size_t got;
	int err;

	if (hs->has_rs)
		return XE2E_E_STATE;
	if (c->max - c->len < n)
		return XE2E_E_MALFORMED;
	err = noise_symmetricstate_decrypt_and_hash(&hs->ss, c->in + c->len, n, hs->rs,
						    sizeof(hs->rs), &got);
	if (err)
		return err;
	hs->has_rs = 1;
	c->len += n;
	return XE2E_OK;
}

static int read_token(struct noise_handshakestate *hs, enum noise_token tok, struct cursor *c)
{
	switch (tok) {
	case NOISE_TOKEN_E:
		return read_e(hs, c);
	case NOISE_TOKEN_S:
		return read_s(hs, c);
	case NOISE_TOKEN_PSK:
		return token_psk(hs);
	default:
		return token_dh(hs, tok);
	}
}

/* After a message: the other side's turn, or the end of the handshake,
 * where the ephemeral and static private keys are no longer needed. */
static void hs_advance(struct noise_handshakestate *hs)
{
	hs->msg++;
	if (hs->msg < hs->proto.pattern.n_messages) {
		hs->action = sends_message(hs, hs->msg) ? NOISE_ACTION_WRITE_MESSAGE
							: NOISE_ACTION_READ_MESSAGE;
		return;
	}
	wipe(&hs->e, sizeof(hs->e));
	wipe(&hs->s, sizeof(hs->s));
	hs->action = NOISE_ACTION_SPLIT;
}

/* ---- WriteMessage, ReadMessage, Split ---- */

int noise_handshakestate_write_message(struct noise_handshakestate *hs, const uint8_t *payload,
				       size_t payload_len, uint8_t *out, size_t out_max,
				       size_t *out_len)
{
	const struct noise_pattern *pat = &hs->proto.pattern;
	struct cursor c = {out, NULL, 0, out_max};
	size_t n, overhead = noise_handshakestate_overhead(hs);
	int err = XE2E_OK;

	if (hs->action != NOISE_ACTION_WRITE_MESSAGE || (payload_len && !payload))
		return hs_fail(hs, XE2E_E_STATE);
	if (payload_len > NOISE_MAX_MSG_LEN - overhead || overhead + payload_len > out_max) {
		err_detail_set("noise message over %zu bytes",
			       out_max < NOISE_MAX_MSG_LEN ? out_max : (size_t)NOISE_MAX_MSG_LEN);
		return hs_fail(hs, XE2E_E_LIMIT);
	}
	for (size_t i = 0; !err && i < pat->n_tokens[hs->msg]; i++)
		err = write_token(hs, pat->tokens[hs->msg][i], &c);
	if (!err)
		err = noise_symmetricstate_encrypt_and_hash(&hs->ss, payload, payload_len,
							    out + c.len, out_max - c.len, &n);
	if (err) {
		wipe(out, out_max);
		return hs_fail(hs, err);
	}
	*out_len = c.len + n;
	hs_advance(hs);
	return XE2E_OK;
}

int noise_handshakestate_read_message(struct noise_handshakestate *hs, const uint8_t *msg,
				      size_t msg_len, uint8_t *payload, size_t payload_max,
				      size_t *payload_len)
{
	const struct noise_pattern *pat = &hs->proto.pattern;
	struct cursor c = {NULL, msg, 0, msg_len};
	size_t overhead = noise_handshakestate_overhead(hs);
	int err = XE2E_OK;

	if (hs->action != NOISE_ACTION_READ_MESSAGE)
		return hs_fail(hs, XE2E_E_STATE);
	if (msg_len > NOISE_MAX_MSG_LEN)
		return hs_fail(hs, XE2E_E_LIMIT);
	if (msg_len < overhead)
		return hs_fail(hs, XE2E_E_MALFORMED);
	if (msg_len - overhead > payload_max)
		return hs_fail(hs, XE2E_E_LIMIT);
	for (size_t i = 0; !err && i < pat->n_tokens[hs->msg]; i++)
		err = read_token(hs, pat->tokens[hs->msg][i], &c);
	if (!err)
		err = noise_symmetricstate_decrypt_and_hash(&hs->ss, msg + c.len, msg_len - c.len,
							    payload, payload_max, payload_len);
	if (err) {
		wipe(payload, payload_max);
		return hs_fail(hs, err);
	}
	hs_advance(hs);
	return XE2E_OK;
}

int noise_handshakestate_split(struct noise_handshakestate *hs, struct noise_cipherstate *send,
			       struct noise_cipherstate *recv)
{
	struct noise_cipherstate *c1 = hs->initiator ? send : recv;
	struct noise_cipherstate *c2 = hs->initiator ? recv : send;
	int err;

	if (hs->action != NOISE_ACTION_SPLIT)
		return hs_fail(hs, XE2E_E_STATE);
	err = noise_symmetricstate_split(&hs->ss, c1, c2);
	if (err)
		return hs_fail(hs, err);
	if (hs->proto.pattern.one_way)
		noise_cipherstate_wipe(c2);
	hs->action = NOISE_ACTION_DONE;
	return XE2E_OK;
}
