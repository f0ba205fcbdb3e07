/*
 * Noise handshake patterns as data (revision 34, sections 7.4-7.6), the psk
 * modifiers (section 9.2) and protocol names (section 8).
 */
#include "noise.h"

#include <string.h>

#include "err.h"
#include "util.h"

/* A pattern as the specification writes it: pre-messages and messages as
 * comma-separated token lists; the first message is the initiator's. */
struct pattern_def {
	const char *name;
	const char *pre_initiator;
	const char *pre_responder;
	const char *messages[NOISE_MAX_MESSAGES];
};

static const struct pattern_def pattern_table[] = {
	/* one-way (7.4) */
	{"N", "", "s", {"e, es"}},
	{"K", "s", "s", {"e, es, ss"}},
	{"X", "", "s", {"e, es, s, ss"}},
	/* interactive (7.5) */
	{"NN", "", "", {"e", "e, ee"}},
	{"NK", "", "s", {"e, es", "e, ee"}},
	{"NX", "", "", {"e", "e, ee, s, es"}},
	{"XN", "", "", {"e", "e, ee", "s, se"}},
	{"XK", "", "s", {"e, es", "e, ee", "s, se"}},
	{"XX", "", "", {"e", "e, ee, s, es", "s, se"}},
	{"KN", "s", "", {"e", "e, ee, se"}},
	{"KK", "s", "s", {"e, es, ss", "e, ee, se"}},
	{"KX", "s", "", {"e", "e, ee, se, s, es"}},
	{"IN", "", "", {"e, s", "e, ee, se"}},
	{"IK", "", "s", {"e, es, s, ss", "e, ee, se"}},
	{"IX", "", "", {"e, s", "e, ee, se, s, es"}},
	/* deferred (7.6) */
	{"NK1", "", "s", {"e", "e, ee, es"}},
	{"NX1", "", "", {"e", "e, ee, s", "es"}},
	{"X1N", "", "", {"e", "e, ee", "s", "se"}},
	{"X1K", "", "s", {"e, es", "e, ee", "s", "se"}},
	{"XK1", "", "s", {"e", "e, ee, es", "s, se"}},
	{"X1K1", "", "s", {"e", "e, ee, es", "s", "se"}},
	{"X1X", "", "", {"e", "e, ee, s, es", "s", "se"}},
	{"XX1", "", "", {"e", "e, ee, s", "es, s, se"}},
	{"X1X1", "", "", {"e", "e, ee, s", "es, s", "se"}},
	{"K1N", "s", "", {"e", "e, ee", "se"}},
	{"K1K", "s", "s", {"e, es", "e, ee", "se"}},
	{"KK1", "s", "s", {"e", "e, ee, se, es"}},
	{"K1K1", "s", "s", {"e", "e, ee, es", "se"}},
	{"K1X", "s", "", {"e", "e, ee, s, es", "se"}},
	{"KX1", "s", "", {"e", "e, ee, se, s", "es"}},
	{"K1X1", "s", "", {"e", "e, ee, s", "se, es"}},
	{"I1N", "", "", {"e, s", "e, ee", "se"}},
	{"I1K", "", "s", {"e, es, s", "e, ee", "se"}},
	{"IK1", "", "s", {"e, s", "e, ee, se, es"}},
	{"I1K1", "", "s", {"e, s", "e, ee, es", "se"}},
	{"I1X", "", "", {"e, s", "e, ee, s, es", "se"}},
	{"IX1", "", "", {"e, s", "e, ee, se, s", "es"}},
	{"I1X1", "", "", {"e, s", "e, ee, s", "se, es"}},
};

static const struct {
	const char *name;
	enum noise_token token;
} token_names[] = {
	{"e", NOISE_TOKEN_E},   {"s", NOISE_TOKEN_S},   {"ee", NOISE_TOKEN_EE},
	{"es", NOISE_TOKEN_ES}, {"se", NOISE_TOKEN_SE}, {"ss", NOISE_TOKEN_SS},
	{"psk", NOISE_TOKEN_PSK},
};

static int token_from_name(const char *s, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(token_names); i++)
		if (strlen(token_names[i].name) == len && memcmp(token_names[i].name, s, len) == 0)
			return token_names[i].token;
	return 0;
}

/* Parses "e, ee, s" into tokens; *n gets their number. */
static int parse_tokens(const char *list, uint8_t *tokens, uint8_t *n, size_t max)
{
	const char *p = list;

	*n = 0;
	while (*p) {
		size_t len = strcspn(p, ",");
		int tok = token_from_name(p, len);

		if (!tok || *n == max)
			return XE2E_E_MALFORMED;
		tokens[(*n)++] = (uint8_t)tok;
		p += len;
		if (*p == ',')
			p += 1 + (p[1] == ' ');
	}
	return XE2E_OK;
}

static int pattern_from_def(struct noise_pattern *pat, const struct pattern_def *def)
{
	int err;

	memset(pat, 0, sizeof(*pat));
	err = parse_tokens(def->pre_initiator, pat->pre_initiator, &pat->n_pre_initiator, 2);
	if (!err)
		err = parse_tokens(def->pre_responder, pat->pre_responder, &pat->n_pre_responder,
				   2);
	for (size_t i = 0; !err && i < NOISE_MAX_MESSAGES && def->messages[i]; i++) {
		err = parse_tokens(def->messages[i], pat->tokens[i], &pat->n_tokens[i],
				   NOISE_MAX_TOKENS);
		pat->n_messages++;
	}
	pat->one_way = pat->n_messages == 1;
	return err;
}

/* Parses "psk" followed by a decimal number without leading zeros. */
static int parse_psk_modifier(const char *s, size_t len, unsigned *pos)
{
	if (len < 4 || len > 5 || memcmp(s, "psk", 3) != 0)
		return XE2E_E_UNSUPPORTED;
	if (len == 5 && s[3] == '0')
		return XE2E_E_UNSUPPORTED;
	*pos = 0;
	for (size_t i = 3; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return XE2E_E_UNSUPPORTED;
		*pos = *pos * 10 + (unsigned)(s[i] - '0');
	}
	return XE2E_OK;
}

/* pskN: psk0 goes first in message 1, pskN (N >= 1) last in message N. */
static int apply_psk(struct noise_pattern *pat, unsigned pos, unsigned *seen)
{
	unsigned msg = pos ? pos - 1 : 0;
	uint8_t *toks = pat->tokens[msg];

	if (pos > pat->n_messages || (*seen & (1u << pos)) || pat->n_psks == NOISE_MAX_PSKS ||
	    pat->n_tokens[msg] == NOISE_MAX_TOKENS)
		return XE2E_E_UNSUPPORTED;
	*seen |= 1u << pos;
	if (pos == 0) {
		memmove(toks + 1, toks, pat->n_tokens[msg]);
		toks[0] = NOISE_TOKEN_PSK;
	} else {
		toks[pat->n_tokens[msg]] = NOISE_TOKEN_PSK;
	}
	pat->n_tokens[msg]++;
	pat->n_psks++;
	return XE2E_OK;
}

static int apply_modifiers(struct noise_pattern *pat, const char *mods)
{
	unsigned seen = 0, pos;
	int err;

	while (*mods) {
		size_t len = strcspn(mods, "+");

		err = parse_psk_modifier(mods, len, &pos);
		if (!err)
			err = apply_psk(pat, pos, &seen);
		if (err) {
			err_detail_set("noise modifier %.*s", (int)len, mods);
			return err;
		}
		mods += len;
		if (*mods == '+' && *++mods == '\0')
			return XE2E_E_MALFORMED;
	}
	return XE2E_OK;
}

int noise_pattern_lookup(struct noise_pattern *pat, const char *name)
{
	size_t base_len = strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");

	for (size_t i = 0; i < ARRAY_SIZE(pattern_table); i++) {
		const struct pattern_def *def = &pattern_table[i];
		int err;

		if (strlen(def->name) != base_len || memcmp(def->name, name, base_len) != 0)
			continue;
		err = pattern_from_def(pat, def);
		if (!err)
			err = apply_modifiers(pat, name + base_len);
		return err;
	}
	err_detail_set("noise pattern %s", name);
	return XE2E_E_UNSUPPORTED;
}

/* Copies the next '_'-separated field of *p into out. */
static int next_field(const char **p, char *out, size_t max)
{
	size_t len = strcspn(*p, "_");

	if (len == 0 || len >= max)
		return XE2E_E_MALFORMED;
	memcpy(out, *p, len);
	out[len] = '\0';
	*p += len;
	if (**p == '_')
		(*p)++;
	return XE2E_OK;
}

static int parse_suite(struct noise_protocol *p, const char *dh, const char *cipher,
		       const char *hash_name)
{
	if (strcmp(dh, "25519") != 0) {
		err_detail_set("noise DH %s", dh);
		return XE2E_E_UNSUPPORTED;
	}
	if (strcmp(cipher, "AESGCM") == 0) {
		p->cipher = AEAD_AES256GCM;
	} else if (strcmp(cipher, "ChaChaPoly") == 0) {
		p->cipher = AEAD_CHACHAPOLY;
	} else {
		err_detail_set("noise cipher %s", cipher);
		return XE2E_E_UNSUPPORTED;
	}
	if (strcmp(hash_name, "SHA256") == 0) {
		p->hash = HASH_SHA256;
	} else if (strcmp(hash_name, "SHA512") == 0) {
		p->hash = HASH_SHA512;
	} else {
		err_detail_set("noise hash %s", hash_name);
		return XE2E_E_UNSUPPORTED;
	}
	return XE2E_OK;
}

int noise_protocol_parse(struct noise_protocol *p, const char *name)
{
	char fields[5][NOISE_MAX_NAME_LEN + 1];
	const char *rest = name;
	size_t len = strnlen(name, NOISE_MAX_NAME_LEN + 1);
	int err = XE2E_OK;

	memset(p, 0, sizeof(*p));
	if (len > NOISE_MAX_NAME_LEN)
		return XE2E_E_MALFORMED;
	for (size_t i = 0; !err && i < 5; i++)
		err = next_field(&rest, fields[i], sizeof(fields[i]));
	if (err || *rest || rest[-1] == '_' || strcmp(fields[0], "Noise") != 0) {
		err_detail_set("noise protocol name %s", name);
		return XE2E_E_MALFORMED;
	}
	err = parse_suite(p, fields[2], fields[3], fields[4]);
	if (!err)
		err = noise_pattern_lookup(&p->pattern, fields[1]);
	if (err)
		return err;
	memcpy(p->name, name, len + 1);
	return XE2E_OK;
}
