/* The ratchet state as strict line-oriented text, and a public-only dump. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "encoding.h"
#include "err.h"
#include "hash.h"
#include "ratchet_impl.h"
#include "util.h"

#define RATCHET_TEXT_VERSION 1

enum field_kind {
	F_ROLE,
	F_CIPHER,
	F_TAG,
	F_U32,
	F_U64,
	F_BOOL,
	F_KEY,
	F_OPT_KEY,  /* "-" when absent; presence in the int at flag */
	F_SAME_KEY, /* present exactly when the F_OPT_KEY before it is */
	F_OPT_U32,
};

struct field {
	const char *name;
	enum field_kind kind;
	size_t off;
	size_t flag;
};

#define S(m) offsetof(struct ratchet_state, m)
#define P(m) (offsetof(struct ratchet_state, policy) + offsetof(struct ratchet_policy, m))

static const struct field fields[] = {
	{"role", F_ROLE, S(role), 0},
	{"cipher", F_CIPHER, S(cipher), 0},
	{"tag", F_TAG, S(tag), 0},
	{"created", F_U64, S(created), 0},
	{"total-sent", F_U64, S(total_sent), 0},
	{"root-key", F_KEY, S(rk), 0},
	{"own-epoch", F_U32, S(own_epoch), 0},
	{"own-private", F_OPT_KEY, S(own_priv), S(has_send)},
	{"own-public", F_SAME_KEY, S(own_pub), S(has_send)},
	{"send-chain", F_SAME_KEY, S(cks), S(has_send)},
	{"send-n", F_U32, S(ns), 0},
	{"send-pn", F_U32, S(pn), 0},
	{"open-blocks", F_U32, S(open_blocks), 0},
	{"gap", F_BOOL, S(gap), 0},
	{"restart-n", F_OPT_U32, S(restart_n), S(has_restart)},
	{"peer-ack", F_U32, S(peer_ack), 0},
	{"last-step", F_U64, S(last_step), 0},
	{"sent-since-step", F_U32, S(sent_since_step), 0},
	{"peer-epoch", F_U32, S(peer_epoch), 0},
	{"peer-public", F_OPT_KEY, S(peer_pub), S(has_recv)},
	{"recv-chain", F_SAME_KEY, S(ckr), S(has_recv)},
	{"recv-n", F_U32, S(nr), 0},
	{"peer-key-time", F_U64, S(peer_key_time), 0},
	{"step-interval", F_U32, P(step_interval), 0},
	{"step-messages", F_U32, P(step_messages), 0},
	{"skipped-max", F_U32, P(skipped_max), 0},
	{"skipped-ttl", F_U32, P(skipped_ttl), 0},
	{"max-age", F_U32, P(max_age), 0},
	{"max-messages", F_U32, P(max_messages), 0},
};

#define AT(st, f, type) ((type *)((char *)(st) + (f)->off))
#define CAT(st, f, type) ((const type *)((const char *)(st) + (f)->off))
#define FLAG(st, f) ((int *)((char *)(st) + (f)->flag))
#define CFLAG(st, f) ((const int *)((const char *)(st) + (f)->flag))

static const char *cipher_name(enum aead_cipher c)
{
	return c == AEAD_AES256GCM ? "aes256gcm" : "chachapoly";
}

static int hex_append(struct buf *b, const uint8_t *in, size_t n)
{
	char hex[2 * RATCHET_KEY_LEN + 1];
	int err;

	hex_encode(in, n, hex);
	err = buf_append(b, hex, 2 * n);
	wipe(hex, sizeof(hex));
	return err;
}

static int field_write(struct buf *b, const struct ratchet_state *st, const struct field *f)
{
	int err = buf_append_str(b, f->name);

	if (!err)
		err = buf_append(b, ": ", 2);
	if (err)
		return err;
	switch (f->kind) {
	case F_ROLE:
		err = buf_append_str(b, st->role == RATCHET_INITIATOR ? "initiator" : "responder");
		break;
	case F_CIPHER:
		err = buf_append_str(b, cipher_name(st->cipher));
		break;
	case F_TAG:
		err = hex_append(b, st->tag, RATCHET_TAG_LEN);
		break;
	case F_U32:
		err = buf_append_decimal(b, *CAT(st, f, uint32_t));
		break;
	case F_U64:
		err = buf_append_decimal(b, *CAT(st, f, uint64_t));
		break;
	case F_BOOL:
		err = buf_append_byte(b, *CAT(st, f, int) ? '1' : '0');
		break;
	case F_KEY:
		err = hex_append(b, CAT(st, f, uint8_t), RATCHET_KEY_LEN);
		break;
	case F_OPT_KEY:
	case F_SAME_KEY:
		err = *CFLAG(st, f) ? hex_append(b, CAT(st, f, uint8_t), RATCHET_KEY_LEN)
				    : buf_append_str(b, "-");
		break;
	case F_OPT_U32:
		err = *CFLAG(st, f) ? buf_append_decimal(b, *CAT(st, f, uint32_t))
				    : buf_append_str(b, "-");
		break;
	}
	return err ? err : buf_append_byte(b, '\n');
}

static int skipped_write(struct buf *b, const struct ratchet_skipped *e)
{
	int err = buf_printf(b, "skip: %u %u %llu ", e->epoch, e->n,
			     (unsigned long long)e->stored);

	if (!err)
		err = hex_append(b, e->mk, RATCHET_KEY_LEN);
	return err ? err : buf_append_byte(b, '\n');
}

/* The two lines of a pending SPAKE2 mix (only when one is pending). */
static int mix_write(struct buf *b, const struct ratchet_state *st)
{
	int err = buf_printf(b, "spake2-mix-step: %llu\nspake2-mix-key: ",
			     (unsigned long long)st->mix_step);

	if (!err)
		err = hex_append(b, st->mix_key, RATCHET_MIX_LEN);
	return err ? err : buf_append_byte(b, '\n');
}

int ratchet_serialize(const struct ratchet_state *st, struct buf *out)
{
	size_t start = out->len;
	int err = buf_printf(out, "xe2e-ratchet: %d\n", RATCHET_TEXT_VERSION);

	for (size_t i = 0; !err && i < ARRAY_SIZE(fields); i++)
		err = field_write(out, st, &fields[i]);
	if (!err && st->has_mix)
		err = mix_write(out, st);
	if (!err)
		err = buf_printf(out, "skipped: %zu\n", st->nskipped);
	for (size_t i = 0; !err && i < st->nskipped; i++)
		err = skipped_write(out, &st->skipped[i]);
	if (!err)
		err = buf_append_str(out, "end\n");
	if (err) {
		wipe(out->data + start, out->len - start);
		out->len = start;
	}
	return err;
}

/* ---- parsing ---- */

struct cursor {
	const char *p;
	const char *end;
	unsigned line;
};

static int parse_fail(const struct cursor *c, const char *what)
{
	err_detail_set("ratchet state line %u: %s", c->line, what);
	return XE2E_E_MALFORMED;
}

/* The value of the next line "name: value"; the line is consumed. */
static int line_take(struct cursor *c, const char *name, const char **val, size_t *len)
{
	size_t nlen = strlen(name);
	const char *nl;

	c->line++;
	nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
	if (!nl)
		return parse_fail(c, "missing line or newline");
	if ((size_t)(nl - c->p) < nlen + 2 || memcmp(c->p, name, nlen) != 0 ||
	    c->p[nlen] != ':' || c->p[nlen + 1] != ' ')
		return parse_fail(c, "unexpected field");
	*val = c->p + nlen + 2;
	*len = (size_t)(nl - *val);
	c->p = nl + 1;
	return XE2E_OK;
}

/* A canonical decimal number (no sign, no leading zero) up to max. */
static int parse_num(const struct cursor *c, const char *s, size_t len, uint64_t max,
		     uint64_t *out)
{
	if (decimal_parse(s, len, max, out))
		return parse_fail(c, "bad or too large number");
	return XE2E_OK;
}

/* Exactly 2n lower-case hex digits. */
static int parse_hex(const struct cursor *c, const char *s, size_t len, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return parse_fail(c, "not lower-case hex");
	if (len != 2 * n || hex_decode(s, len, out, n) != XE2E_OK)
		return parse_fail(c, "wrong hex length");
	return XE2E_OK;
}

static int is_dash(const char *s, size_t len)
{
	return len == 1 && s[0] == '-';
}

static int parse_enum(const struct cursor *c, const char *s, size_t len, const char *a,
		      const char *b, int *out)
{
	if (len == strlen(a) && memcmp(s, a, len) == 0)
		*out = 1;
	else if (len == strlen(b) && memcmp(s, b, len) == 0)
		*out = 2;
	else
		return parse_fail(c, "unknown value");
	return XE2E_OK;
}

static int parse_opt_key(const struct cursor *c, const char *s, size_t len,
			 struct ratchet_state *st, const struct field *f)
{
	int present = !is_dash(s, len);

	if (f->kind == F_OPT_KEY)
		*FLAG(st, f) = present;
	else if (*FLAG(st, f) != present)
		return parse_fail(c, "key present without its companions");
	return present ? parse_hex(c, s, len, AT(st, f, uint8_t), RATCHET_KEY_LEN) : XE2E_OK;
}

static int field_parse_value(const struct cursor *c, const char *s, size_t len,
			     struct ratchet_state *st, const struct field *f)
{
	uint64_t v = 0;
	int e = 0, err = XE2E_OK;

	switch (f->kind) {
	case F_ROLE:
		err = parse_enum(c, s, len, "initiator", "responder", &e);
		st->role = e == 1 ? RATCHET_INITIATOR : RATCHET_RESPONDER;
		break;
	case F_CIPHER:
		err = parse_enum(c, s, len, "aes256gcm", "chachapoly", &e);
		st->cipher = e == 1 ? AEAD_AES256GCM : AEAD_CHACHAPOLY;
		break;
	case F_TAG:
		err = parse_hex(c, s, len, st->tag, RATCHET_TAG_LEN);
		break;
	case F_U32:
	case F_BOOL:
		err = parse_num(c, s, len, f->kind == F_BOOL ? 1 : UINT32_MAX, &v);
		if (f->kind == F_BOOL)
			*AT(st, f, int) = (int)v;
		else
			*AT(st, f, uint32_t) = (uint32_t)v;
		break;
	case F_U64:
		err = parse_num(c, s, len, UINT64_MAX, AT(st, f, uint64_t));
		break;
	case F_KEY:
		err = parse_hex(c, s, len, AT(st, f, uint8_t), RATCHET_KEY_LEN);
		break;
	case F_OPT_KEY:
	case F_SAME_KEY:
		err = parse_opt_key(c, s, len, st, f);
		break;
	case F_OPT_U32:
		*FLAG(st, f) = !is_dash(s, len);
		if (*FLAG(st, f))
			err = parse_num(c, s, len, UINT32_MAX, &v);
		*AT(st, f, uint32_t) = (uint32_t)v;
		break;
	}
	return err;
}

static int field_parse(struct cursor *c, struct ratchet_state *st, const struct field *f)
{
	const char *s;
	size_t len;
	int err = line_take(c, f->name, &s, &len);

	return err ? err : field_parse_value(c, s, len, st, f);
}

/* "skip: epoch n stored mk" */
static int skipped_parse(struct cursor *c, struct ratchet_skipped *e)
{
	uint64_t v[3];
	const char *s, *end, *sp;
	size_t len;
	int err = line_take(c, "skip", &s, &len);

	if (err)
		return err; /* s is not set: no arithmetic on it */
	end = s + len;
	for (int i = 0; !err && i < 3; i++) {
		sp = memchr(s, ' ', (size_t)(end - s));
		if (!sp)
			return parse_fail(c, "short skip line");
		err = parse_num(c, s, (size_t)(sp - s), i == 2 ? UINT64_MAX : UINT32_MAX, &v[i]);
		s = sp + 1;
	}
	if (!err)
		err = parse_hex(c, s, (size_t)(end - s), e->mk, RATCHET_KEY_LEN);
	if (err)
		return err;
	e->epoch = (uint32_t)v[0];
	e->n = (uint32_t)v[1];
	e->stored = v[2];
	return XE2E_OK;
}

/* The optional lines of a pending SPAKE2 mix: both, or neither. */
static int mix_parse(struct cursor *c, struct ratchet_state *st)
{
	static const char step_name[] = "spake2-mix-step: ";
	const char *s;
	size_t len;
	uint64_t step;
	int err;

	if ((size_t)(c->end - c->p) < sizeof(step_name) - 1 ||
	    memcmp(c->p, step_name, sizeof(step_name) - 1) != 0)
		return XE2E_OK;
	err = line_take(c, "spake2-mix-step", &s, &len);
	if (!err)
		err = parse_num(c, s, len, RATCHET_STEP_MAX, &step);
	if (!err && step == 0)
		err = parse_fail(c, "root step 0 does not exist");
	if (!err)
		err = line_take(c, "spake2-mix-key", &s, &len);
	if (!err)
		err = parse_hex(c, s, len, st->mix_key, RATCHET_MIX_LEN);
	if (err)
		return err;
	st->has_mix = 1;
	st->mix_step = step;
	return XE2E_OK;
}

static int skipped_list_parse(struct cursor *c, struct ratchet_state *st)
{
	const char *s;
	size_t len;
	uint64_t count;
	int err = line_take(c, "skipped", &s, &len);

	if (!err)
		err = parse_num(c, s, len, st->policy.skipped_max, &count);
	if (!err && ratchet_skipped_reserve(st, (size_t)count))
		err = XE2E_E_NOMEM;
	for (uint64_t i = 0; !err && i < count; i++) {
		err = skipped_parse(c, &st->skipped[i]);
		if (!err)
			st->nskipped++;
	}
	return err;
}

/* ---- consistency ---- */

static int check(int ok, const char *what)
{
	if (ok)
		return XE2E_OK;
	err_detail_set("ratchet state: %s", what);
	return XE2E_E_MALFORMED;
}

/*
 * Counters of a sending chain need the chain. The own key pair is not
 * checked for agreement here: recomputing the public key is an X25519 per
 * load, paid by every seal and open. A public key that does not match its
 * private key cannot weaken anything: the peer's next DH step is made
 * against the stored public key, so its messages fail authentication and
 * are refused with the state unchanged (test_ratchet_state.c).
 */
static int send_chain_check(const struct ratchet_state *st)
{
	if (st->has_send)
		return XE2E_OK;
	return check(st->ns == 0 && st->pn == 0 && st->open_blocks == 0 && !st->gap &&
			     !st->has_restart && st->total_sent == 0,
		     "sending counters without a sending chain");
}

/* Steps alternate: see ratchet_stepped_against(). */
static int epochs_check(const struct ratchet_state *st)
{
	uint32_t own = st->own_epoch, peer = st->peer_epoch;

	if (st->role == RATCHET_INITIATOR)
		return check(st->has_recv && (st->has_send ? own >= 1 && (peer == own - 1 ||
									  peer == own)
							   : own == 0 && peer == 0),
			     "initiator epochs out of sequence");
	return check(st->has_send && (st->has_recv ? peer >= 1 && (peer == own || peer - 1 == own)
						   : own == 0 && peer == 0 && st->nr == 0),
		     "responder epochs out of sequence");
}

static int counters_check(const struct ratchet_state *st)
{
	return check(st->peer_ack <= st->own_epoch && (!st->has_restart || st->restart_n <= st->ns) &&
			     st->total_sent <= st->policy.max_messages &&
			     st->sent_since_step <= st->total_sent && st->ns <= st->total_sent &&
			     st->pn <= st->total_sent,
		     "counters out of range");
}

/* Strictly increasing (epoch, n), all from chains already received. */
static int skipped_check(const struct ratchet_state *st)
{
	for (size_t i = 0; i < st->nskipped; i++) {
		const struct ratchet_skipped *e = &st->skipped[i], *p = e - 1;

		if (!st->has_recv || e->epoch > st->peer_epoch ||
		    (e->epoch == st->peer_epoch && e->n >= st->nr))
			return check(0, "skipped key from the future");
		if (i > 0 && (e->epoch < p->epoch || (e->epoch == p->epoch && e->n <= p->n)))
			return check(0, "skipped keys out of order");
	}
	return XE2E_OK;
}

/* A pending mix names a root step still to come (ratchet_mix_set()). */
static int mix_check(const struct ratchet_state *st)
{
	return check(!st->has_mix || st->mix_step > ratchet_root_step(st),
		     "spake2 mix for a root step already taken");
}

static int state_check(const struct ratchet_state *st)
{
	int err = ratchet_policy_check(&st->policy);

	if (!err)
		err = epochs_check(st);
	if (!err)
		err = mix_check(st);
	if (!err)
		err = counters_check(st);
	if (!err)
		err = skipped_check(st);
	if (!err)
		err = send_chain_check(st);
	if (err == XE2E_E_LIMIT)
		err = XE2E_E_MALFORMED;
	return err;
}

static int end_take(struct cursor *c)
{
	c->line++;
	if (c->end - c->p < 4 || memcmp(c->p, "end\n", 4) != 0)
		return parse_fail(c, "expected end");
	c->p += 4;
	return XE2E_OK;
}

static int state_parse(struct cursor *c, struct ratchet_state *st)
{
	const char *s;
	size_t len;
	int err = line_take(c, "xe2e-ratchet", &s, &len);

	if (!err && !(len == 1 && s[0] == '0' + RATCHET_TEXT_VERSION)) {
		err_detail_set("unsupported ratchet state version");
		return XE2E_E_UNSUPPORTED;
	}
	for (size_t i = 0; !err && i < ARRAY_SIZE(fields); i++)
		err = field_parse(c, st, &fields[i]);
	if (!err)
		err = ratchet_policy_check(&st->policy) ? parse_fail(c, "policy out of range")
							: XE2E_OK;
	if (!err)
		err = mix_parse(c, st);
	if (!err)
		err = skipped_list_parse(c, st);
	if (!err)
		err = end_take(c);
	return err ? err : state_check(st);
}

int ratchet_parse(const char *text, size_t len, struct ratchet_state **out, size_t *used)
{
	struct cursor c = {text, text + len, 0};
	struct ratchet_state *st = calloc(1, sizeof(*st));
	int err;

	*out = NULL;
	if (!st)
		return XE2E_E_NOMEM;
	err = state_parse(&c, st);
	if (!err && !used && c.p != c.end)
		err = parse_fail(&c, "data after end");
	if (err) {
		ratchet_free(st);
		return err;
	}
	if (used)
		*used = (size_t)(c.p - text);
	*out = st;
	return XE2E_OK;
}

/* ---- public dump ---- */

/* The first 4 bytes of SHA-256 of a public key, in hex. */
static int key_id_append(struct buf *b, const uint8_t pub[static RATCHET_KEY_LEN])
{
	uint8_t d[SHA256_LEN];
	int err = hash(HASH_SHA256, pub, RATCHET_KEY_LEN, d);

	return err ? err : hex_append(b, d, 4);
}

static int dump_own(const struct ratchet_state *st, struct buf *b)
{
	int err = buf_printf(b, "own-epoch: %u\nown-key: ", st->own_epoch);

	if (!err)
		err = st->has_send ? key_id_append(b, st->own_pub) : buf_append_str(b, "-");
	if (!err)
		err = buf_printf(b, "\nsend-n: %u\nsend-pn: %u\nopen-blocks: %u\ngap: %d\n",
				 st->ns, st->pn, st->open_blocks, st->gap);
	if (!err)
		err = st->has_restart ? buf_printf(b, "restart-n: %u\n", st->restart_n)
				      : buf_append_str(b, "restart-n: -\n");
	if (!err)
		err = buf_printf(b, "peer-ack: %u\nlast-step: %llu\nsent-since-step: %u\n",
				 st->peer_ack, (unsigned long long)st->last_step,
				 st->sent_since_step);
	return err;
}

static int dump_peer(const struct ratchet_state *st, struct buf *b)
{
	int err = buf_printf(b, "peer-epoch: %u\npeer-key: ", st->peer_epoch);

	if (!err)
		err = st->has_recv ? key_id_append(b, st->peer_pub) : buf_append_str(b, "-");
	if (!err)
		err = buf_printf(b, "\nrecv-n: %u\npeer-key-time: %llu\nskipped: %zu\n", st->nr,
				 (unsigned long long)st->peer_key_time, st->nskipped);
	return err;
}

/* The root step and the step of a pending mix; never its key. */
static int dump_steps(const struct ratchet_state *st, struct buf *b)
{
	int err = buf_printf(b, "root-step: %llu\n",
			     (unsigned long long)ratchet_root_step(st));

	if (!err)
		err = st->has_mix ? buf_printf(b, "spake2-mix-step: %llu\n",
					       (unsigned long long)st->mix_step)
				  : buf_append_str(b, "spake2-mix-step: -\n");
	return err;
}

int ratchet_dump(const struct ratchet_state *st, struct buf *out)
{
	int err = buf_printf(out, "role: %s\ncipher: %s\ntag: ",
			     st->role == RATCHET_INITIATOR ? "initiator" : "responder",
			     cipher_name(st->cipher));

	if (!err)
		err = hex_append(out, st->tag, RATCHET_TAG_LEN);
	if (!err)
		err = buf_printf(out, "\ncreated: %llu\ntotal-sent: %llu\n",
				 (unsigned long long)st->created,
				 (unsigned long long)st->total_sent);
	if (!err)
		err = dump_own(st, out);
	if (!err)
		err = dump_peer(st, out);
	if (!err)
		err = dump_steps(st, out);
	return err;
}
