/*
 * sealed.json: stanzas sealed in a session (xe2e(7) SESSIONS "Sealed
 * stanzas"): the plain stanza, its frame before and after padding, the
 * associated data, the ratchet message (header first), the sealed stanza
 * on the wire, and the stanza the receiver opens from it. Each case starts
 * the same session afresh, between alice@example.org (the initiator) and
 * bob@example.org.
 */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "vx_rstate.h"
#include "vx_stanza.h"

#define ALICE "alice@example.org"
#define BOB "bob@example.org"

struct vx_scase {
	const char *name, *what;
	int responder;        /* Bob seals, in his epoch 0 */
	const char *plain;    /* NULL: a ratchet stanza */
	const char *fallback; /* a fallback <body/>, or NULL */
};

static const struct vx_scase vx_scases[] = {
	{"message", "a chat message with a body, a thread, a chat state, a receipt request and a "
		    "processing hint (copied outside the seal), and a fallback body",
	 0,
	 "<message to='bob@example.org/laptop' from='alice@example.org/phone' type='chat' "
	 "id='m1' xml:lang='en'><body>Hello, Bob!</body><thread>t1</thread>"
	 "<active xmlns='http://jabber.org/protocol/chatstates'/>"
	 "<request xmlns='urn:xmpp:receipts'/>"
	 "<no-permanent-store xmlns='urn:xmpp:hints'/></message>",
	 "This message is encrypted with xe2e."},
	{"message-escaping",
	 "a message whose text needs escaping: markup characters, quotes, a line feed and "
	 "non-ASCII text, without an id",
	 0,
	 "<message to='bob@example.org/laptop' type='chat'><body>1 &lt; 2 &amp;&amp; "
	 "'x' &gt; \"y\"&#10;caf\xc3\xa9</body></message>",
	 NULL},
	{"presence", "directed presence with show, status and priority", 0,
	 "<presence to='bob@example.org/laptop' from='alice@example.org/phone'>"
	 "<show>away</show><status>In a meeting</status><priority>5</priority></presence>",
	 NULL},
	{"iq", "an iq get sealed by the responder in its epoch 0 (no ratchet key in the header)",
	 1,
	 "<iq to='alice@example.org/phone' from='bob@example.org/laptop' type='get' id='v1'>"
	 "<query xmlns='jabber:iq:version'/></iq>",
	 NULL},
	{"ratchet-stanza", "a ratchet stanza: a headline without id that only carries a DH step",
	 0, NULL, NULL},
};

/* The ratchet stanza's addresses (inputs "to", "from"). */
static void vx_ratchet_addr(struct vx *v, cJSON *c, struct vx_plain *p, char to[static 128],
			    char from[static 128])
{
	memset(p, 0, sizeof(*p));
	snprintf(to, 128, "%s", BOB "/laptop");
	snprintf(from, 128, "%s", ALICE);
	vx_in_str(v, c, "to", to, 128);
	vx_in_str(v, c, "from", from, 128);
	p->addr = (struct envelope_addr){STANZA_MESSAGE, to, from, "headline", NULL};
}

/* ratchet_encrypt() with the header's sender flag, as a session seals one
 * stanza (common/engine/channel.c). */
static int seal_one(struct ratchet_state *st, uint64_t now, int sender_full,
		    const struct buf *frame, const struct buf *ad, struct buf *wire)
{
	struct ratchet_block b;
	int err = ratchet_reserve(st, now, 1, &b);

	if (err)
		return err;
	b.hdr.sender_full = sender_full;
	err = ratchet_block_encrypt(&b, frame->data, frame->len, ad->data, ad->len, wire);
	ratchet_block_release(st, &b);
	return err;
}

/* Seals the plain stanza of p from sender (st[s]) and opens it at the other side. */
static int vx_seal_open(struct vx *v, cJSON *c, const char *fallback, struct vx_plain *p,
			struct ratchet_state *st[static 2], int s, uint64_t now)
{
	const char *self = s ? BOB : ALICE, *peer = s ? ALICE : BOB;
	struct buf frame = BUF_INIT, ad = BUF_INIT, wire = BUF_INIT, text = BUF_INIT;
	struct vx_received r;
	int sender_full = 0;
	int err = vx_frame_out(v, c, p->node, &frame) ||
		  vx_ad_out(v, c, &p->addr, self, peer, &ad, &sender_full);

	memset(&r, 0, sizeof(r));
	if (!err) {
		vx_draws_begin(v, c);
		err = seal_one(st[s], now, sender_full, &frame, &ad, &wire);
		vx_draws_end(v);
		if (err)
			vx_fail_err(v, err, "ratchet_block_encrypt");
	}
	if (!err) {
		vx_wire(v, c, "message", &wire);
		err = vx_sealed_out(v, c, p, wire.data, wire.len, fallback, 0, &text) ||
		      vx_received_parse(v, &text, 0, peer, self, &r);
	}
	if (!err && (r.ad.len != ad.len || memcmp(r.ad.data, ad.data, ad.len)))
		vx_fail(v, "the receiver's associated data differs");
	buf_clear(&frame);
	if (!err && (err = ratchet_decrypt(st[!s], now, r.sealed.env.wire.data, r.sealed.env.wire.len,
					   r.ad.data, r.ad.len, &frame, NULL)))
		vx_fail_err(v, err, "ratchet_decrypt");
	if (!err)
		err = vx_opened_out(v, c, &r, &frame);
	vx_received_free(&r);
	buf_free(&frame);
	buf_free(&ad);
	buf_free(&wire);
	buf_free(&text);
	return err ? -1 : 0;
}

static void vx_scase_run(struct vx *v, cJSON *cases, int index, const struct vx_scase *k)
{
	cJSON *c = vx_case_begin(v, cases, index, k->name);
	struct ratchet_state *st[2] = {NULL, NULL};
	struct vx_plain p;
	char sender[16], to[128], from[128], fallback[128];
	uint64_t now = VX_T0;
	int bad;

	memset(&p, 0, sizeof(p));
	snprintf(sender, sizeof(sender), "%s", k->responder ? "responder" : "initiator");
	snprintf(fallback, sizeof(fallback), "%s", k->fallback ? k->fallback : "");
	if (c) {
		vx_out_str(v, c, "description", k->what);
		vx_in_u64(v, c, "time", &now);
		vx_in_str(v, c, "sender", sender, sizeof(sender));
		bad = vx_rstart_in(v, c, AEAD_CHACHAPOLY, now, st);
		if (!bad && (v->check ? !!cJSON_GetObjectItemCaseSensitive(c, "plain") : !!k->plain))
			bad = vx_plain_in(v, c, k->plain, strcmp(sender, "responder") ? ALICE : BOB,
					  &p);
		else if (!bad)
			vx_ratchet_addr(v, c, &p, to, from);
		vx_in_str(v, c, "fallback_body", fallback, sizeof(fallback));
		if (!bad)
			vx_seal_open(v, c, *fallback ? fallback : NULL, &p, st,
				     !strcmp(sender, "responder"), now);
	}
	vx_plain_free(&p);
	ratchet_free(st[0]);
	ratchet_free(st[1]);
	vx_case_end(v);
}

int vx_sealed(struct vx *v, cJSON *root)
{
	cJSON *cases;

	vx_out_str(v, root, "description",
		   "sealed stanzas (xe2e(7) SESSIONS \"Sealed stanzas\"); fields: README");
	cases = vx_arr(v, root, "cases");
	for (size_t i = 0; i < sizeof(vx_scases) / sizeof(vx_scases[0]); i++)
		vx_scase_run(v, cases, (int)i, &vx_scases[i]);
	return 0;
}
