/* The configuration of a handshake side and the callbacks the handshake
 * object asks (vx_hs.h). */
#define _XOPEN_SOURCE 700
#include "vx_hs.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anchor.h"
#include "err.h"
#include "handshake_msg.h"
#include "handshake_nego.h"
#include "util.h"

/* ---- the configuration ---- */

static const struct {
	const char *name;
	unsigned flag;
} vx_hs_options[] = {
	{"protect-self", HS_OPT_PROTECT_SELF},
	{"accept-new-key", HS_OPT_ACCEPT_NEW_KEY},
	{"accept-rs-reset", HS_OPT_ACCEPT_RS_RESET},
	{"send-certificate", HS_OPT_SEND_CHAIN},
};

static int vx_hs_options_parse(struct vx *v, const char *text, unsigned *flags)
{
	char copy[128], *tok, *save = NULL;

	snprintf(copy, sizeof(copy), "%s", text);
	*flags = 0;
	for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		size_t i = 0;

		while (i < ARRAY_SIZE(vx_hs_options) && strcmp(tok, vx_hs_options[i].name))
			i++;
		if (i == ARRAY_SIZE(vx_hs_options)) {
			vx_fail(v, "unknown option \"%s\"", tok);
			return -1;
		}
		*flags |= vx_hs_options[i].flag;
	}
	return 0;
}

/* versions and suites: the codes in preference order. */
static int vx_hs_lists_in(struct vx *v, struct vx_hs_side *s, const struct vx_hs_spec *spec)
{
	struct buf ver = BUF_INIT, su = BUF_INIT;
	int err = 0;

	hsnego_lists_default(&s->lists);
	buf_append(&ver, s->lists.versions, s->lists.n_versions);
	if (spec && spec->suites)
		buf_append_str(&su, spec->suites);
	else
		buf_append(&su, s->lists.suites, s->lists.n_suites);
	vx_in_buf(v, s->obj, "versions", &ver);
	vx_in_buf(v, s->obj, "suites", &su);
	if (ver.len > HS_LIST_MAX || su.len > HS_LIST_MAX) {
		vx_fail(v, "lists longer than %d", HS_LIST_MAX);
		err = -1;
	} else {
		s->lists.n_versions = (uint8_t)ver.len;
		s->lists.n_suites = (uint8_t)su.len;
		if (ver.len)
			memcpy(s->lists.versions, ver.data, ver.len);
		if (su.len)
			memcpy(s->lists.suites, su.data, su.len);
	}
	buf_free(&ver);
	buf_free(&su);
	return err;
}

static int vx_hs_psk_in(struct vx *v, struct vx_hs_side *s, const struct vx_hs_spec *spec)
{
	struct buf psk = BUF_INIT;

	if (spec->psk)
		buf_append(&psk, spec->psk, PSK_LEN);
	vx_in_buf(v, s->obj, "psk", &psk);
	s->have_psk = psk.len == PSK_LEN;
	if (s->have_psk)
		memcpy(s->psk, psk.data, PSK_LEN);
	else if (psk.len)
		vx_fail(v, "a PSK of %zu bytes", psk.len);
	buf_free(&psk);
	return psk.len && !s->have_psk ? -1 : 0;
}

/* The anchors of the side in a temporary directory, for the chain check. */
static int vx_hs_anchors_in(struct vx *v, struct vx_hs_side *s, const struct vx_hs_spec *spec)
{
	cJSON *arr = vx_arr(v, s->obj, "anchors");
	int count = v->check ? vx_count(v, arr) : spec->anchor ? 1 : 0;

	for (int i = 0; i < count; i++) {
		cJSON *item = vx_item(v, arr, i);
		struct buf der = BUF_INIT;
		char name[16];
		int err;

		if (!item)
			return -1;
		if (!v->check)
			buf_append(&der, spec->anchor->data, spec->anchor->len);
		vx_in_buf(v, item, "certificate", &der);
		snprintf(name, sizeof(name), "ca%d", i);
		vx_out_str(v, item, "name", name);
		if (!*s->anchors)
			snprintf(s->anchors, sizeof(s->anchors), "%s/xe2e-vectors-XXXXXX",
				 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		err = !i && !mkdtemp(s->anchors) ? XE2E_E_IO
						  : anchor_add(s->anchors, name, der.data, der.len,
							       s->now, NULL);
		buf_free(&der);
		VX_TRY(v, err, "an anchor");
	}
	return 0;
}

int vx_hs_side_in(struct vx *v, struct vx_hs_side *s, const struct vx_hs_spec *spec,
		  uint64_t now)
{
	char options[128], label[128];

	s->now = now;
	snprintf(options, sizeof(options), "%s", spec->options ? spec->options : "");
	snprintf(label, sizeof(label), "%.64s cookie key", s->party.id.jid);
	vx_seed(label, s->cookie_key, sizeof(s->cookie_key));
	if (vx_hs_lists_in(v, s, spec))
		return -1;
	vx_in_str(v, s->obj, "options", options, sizeof(options));
	if (vx_hs_options_parse(v, options, &s->options) || vx_hs_psk_in(v, s, spec))
		return -1;
	vx_in_bytes(v, s->obj, "cookie_key", s->cookie_key, sizeof(s->cookie_key));
	if (vx_trust_in(v, s->obj, spec->trust, spec->n_trust, now, &s->trust) ||
	    vx_retained_in(v, s->obj, spec->retained, spec->n_retained, &s->rs))
		return -1;
	return vx_hs_anchors_in(v, s, spec);
}

static int vx_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void vx_hs_side_free(struct vx_hs_side *s)
{
	handshake_free(s->hs);
	s->hs = NULL;
	if (*s->anchors)
		nftw(s->anchors, vx_rm, 8, FTW_DEPTH | FTW_PHYS);
	trust_free(&s->trust);
	rs_free(&s->rs);
	vx_party_free(&s->party);
	wipe(s->psk, sizeof(s->psk));
}

/* ---- the callbacks of the handshake ---- */

static int vx_hs_psk_cb(void *arg, const char *jid, uint8_t psk[static PSK_LEN])
{
	struct vx_hs_side *s = arg;

	(void)jid;
	if (!s->have_psk)
		return XE2E_E_NOTFOUND;
	memcpy(psk, s->psk, PSK_LEN);
	return XE2E_OK;
}

static int vx_hs_replay_cb(void *arg, const uint8_t key[static 32])
{
	(void)arg;
	(void)key;
	return XE2E_OK; /* one handshake per case: nothing to replay */
}

static int vx_hs_chain_cb(void *arg, const uint8_t *chain, size_t len, const char *jid,
			  uint64_t now, struct anchor_result *res)
{
	struct vx_hs_side *s = arg;

	if (!*s->anchors) {
		err_detail_set("no anchors");
		return XE2E_E_TRUST;
	}
	return anchor_verify_chain(s->anchors, chain, len, jid, now, res);
}

int vx_hs_side_begin(struct vx *v, struct vx_hs_side *s, int initiator, const char *peer)
{
	struct handshake_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.initiator = initiator;
	cfg.self = &s->party.id;
	cfg.peer = peer;
	cfg.lists = s->lists;
	cfg.options = s->options;
	cfg.trust = &s->trust;
	cfg.rs = &s->rs;
	cfg.psk = vx_hs_psk_cb;
	cfg.replay = vx_hs_replay_cb;
	cfg.cookie_key = s->cookie_key;
	cfg.chain = vx_hs_chain_cb;
	cfg.arg = s;
	cfg.now = s->now;
	VX_TRY(v, handshake_new(&s->hs, &cfg), "handshake_new");
	return 0;
}
