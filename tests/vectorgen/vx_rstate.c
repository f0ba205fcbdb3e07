/*
 * A Double Ratchet state as the vectors show it (xe2e(7) SESSIONS
 * "Keys"): the fields of ratchet_serialize() that the specification names
 * (root key, chains, epochs, numbers, skipped keys) and the root step of
 * ratchet_info_get(), as outputs.
 */
#include "vx_rstate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dh.h"
#include "err.h"
#include "util.h"

/* Fields of ratchet_serialize(), their names in the vectors, and whether
 * they are numbers (else hex, "-" when absent, written ""). */
static const struct {
	const char *line, *name;
	int number;
} vx_rstate_fields[] = {
	{"root-key", "root_key", 0},
	{"own-epoch", "own_epoch", 1},
	{"own-public", "own_public", 0},
	{"send-chain", "send_chain", 0},
	{"send-n", "send_n", 1},
	{"send-pn", "send_pn", 1},
	{"peer-ack", "peer_ack", 1},
	{"peer-epoch", "peer_epoch", 1},
	{"peer-public", "peer_public", 0},
	{"recv-chain", "recv_chain", 0},
	{"recv-n", "recv_n", 1},
	{"spake2-mix-step", "spake2_mix_step", 1},
};

/* The value of the line "name: value" of text, into out ("" if absent). */
static void vx_line_value(const char *text, const char *name, char *out, size_t cap)
{
	size_t n = strlen(name);
	const char *p = text;

	*out = '\0';
	while (p && *p) {
		if (!strncmp(p, name, n) && p[n] == ':' && p[n + 1] == ' ') {
			size_t len = strcspn(p + n + 2, "\n");

			snprintf(out, cap, "%.*s", (int)len, p + n + 2);
			return;
		}
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
}

/* The skipped keys, "skip: epoch n stored mk" lines, as [epoch, n, mk]. */
static void vx_rstate_skipped(struct vx *v, cJSON *obj, const char *text)
{
	cJSON *arr = vx_arr(v, obj, "skipped");
	const char *p = text;
	int i = 0;

	while ((p = strstr(p, "\nskip: ")) != NULL) {
		unsigned epoch, n;
		unsigned long long stored;
		char mk[65];
		cJSON *item;

		p += 7;
		if (sscanf(p, "%u %u %llu %64s", &epoch, &n, &stored, mk) != 4 ||
		    !(item = vx_item(v, arr, i++)))
			break;
		vx_out_u64(v, item, "epoch", epoch);
		vx_out_u64(v, item, "n", n);
		vx_out_str(v, item, "message_key", mk);
	}
	if (v->check && vx_count(v, arr) != i)
		vx_fail(v, "%d skipped keys, the file has %d", i, vx_count(v, arr));
}

int vx_rstate_out(struct vx *v, cJSON *parent, const char *name,
		  const struct ratchet_state *st)
{
	cJSON *obj = vx_obj(v, parent, name);
	struct buf text = BUF_INIT;
	struct ratchet_info info;
	char value[128];

	int err = ratchet_serialize(st, &text);

	if (!err)
		err = buf_terminate(&text);
	if (err)
		buf_free(&text);
	VX_TRY(v, err, "ratchet_serialize");
	ratchet_info_get(st, &info);
	for (size_t i = 0; i < sizeof(vx_rstate_fields) / sizeof(vx_rstate_fields[0]); i++) {
		vx_line_value((const char *)text.data, vx_rstate_fields[i].line, value, sizeof(value));
		if (!*value) /* a pending mix, only while one is */
			continue;
		if (vx_rstate_fields[i].number)
			vx_out_u64(v, obj, vx_rstate_fields[i].name, strtoull(value, NULL, 10));
		else
			vx_out_str(v, obj, vx_rstate_fields[i].name, strcmp(value, "-") ? value : "");
	}
	vx_out_u64(v, obj, "root_step", info.root_step);
	vx_rstate_skipped(v, obj, (const char *)text.data);
	buf_free(&text);
	return 0;
}

int vx_rstart_in(struct vx *v, cJSON *c, enum aead_cipher cipher, uint64_t t0,
		 struct ratchet_state *st[static 2])
{
	struct ratchet_start s;
	char suite[16];
	int err;

	memset(&s, 0, sizeof(s));
	snprintf(suite, sizeof(suite), "%s", cipher == AEAD_AES256GCM ? "aesgcm" : "chachapoly");
	vx_seed("ratchet root key", s.root_key, sizeof(s.root_key));
	vx_seed("ratchet chain key", s.chain_key, sizeof(s.chain_key));
	vx_seed("ratchet r0", s.r0_private, sizeof(s.r0_private));
	vx_in_str(v, c, "suite", suite, sizeof(suite));
	s.cipher = !strcmp(suite, "aesgcm") ? AEAD_AES256GCM : AEAD_CHACHAPOLY;
	vx_in_bytes(v, c, "root_key", s.root_key, sizeof(s.root_key));
	vx_in_bytes(v, c, "chain_key", s.chain_key, sizeof(s.chain_key));
	vx_in_bytes(v, c, "r0_private", s.r0_private, sizeof(s.r0_private));
	err = x25519_public(s.r0_public, s.r0_private);
	if (!err)
		err = ratchet_tag_derive(s.root_key, s.tag);
	if (!err)
		err = ratchet_init(&st[0], RATCHET_INITIATOR, &s, t0);
	if (!err)
		err = ratchet_init(&st[1], RATCHET_RESPONDER, &s, t0);
	vx_out_bytes(v, c, "r0_public", s.r0_public, sizeof(s.r0_public));
	vx_out_bytes(v, c, "tag", s.tag, sizeof(s.tag));
	wipe(&s, sizeof(s));
	VX_TRY(v, err, "the start of the session");
	return 0;
}
