/*
 * handshake.json: handshakes between alice@example.org (initiator) and
 * bob@example.org (xe2e(7) HANDSHAKE), each with its inputs, every stanza
 * on the wire and what each side derives.
 */
#include <stdio.h>
#include <string.h>

#include "vx_hs.h"
#include "vx_x509.h"

#define ALICE_FULL "alice@example.org/phone"
#define BOB_FULL "bob@example.org/laptop"
#define ALICE_CREATED (VX_T0 - 10 * 86400)
#define BOB_CREATED (VX_T0 - 20 * 86400)
#define BOB_ROTATED (VX_T0 - 86400) /* Bob's second device key */

/* What a case sets up. */
struct vx_world {
	struct vx_hs_side a, b;
	struct vx_hs_spec sa, sb;
	struct vx_trusted ta, tb;
	struct vx_retained ra, rb;
	uint8_t rs[32], psk[32], old_key[32];
	struct buf ca, chain;
};

struct vx_hs_case {
	const char *name;
	const char *what;
	int bob_chain;   /* Bob's identity has a CA-issued certificate */
	int bob_rotated; /* Bob's device key is his second one */
	int (*setup)(struct vx_world *w);
};

/* Alice and Bob know each other's current device, at level tofu. */
static void vx_know_each_other(struct vx_world *w)
{
	w->ta = (struct vx_trusted){&w->b.party, "tofu", NULL, 0};
	w->tb = (struct vx_trusted){&w->a.party, "tofu", NULL, 0};
	w->sa.trust = &w->ta;
	w->sb.trust = &w->tb;
	w->sa.n_trust = w->sb.n_trust = 1;
}

/* Each holds rs as rs1 for the other's device, from an earlier session. */
static void vx_share_rs(struct vx_world *w)
{
	vx_seed("retained secret of an earlier session", w->rs, sizeof(w->rs));
	w->ra = (struct vx_retained){&w->b.party, w->rs, NULL, NULL};
	w->rb = (struct vx_retained){&w->a.party, w->rs, NULL, NULL};
	w->sa.retained = &w->ra;
	w->sb.retained = &w->rb;
	w->sa.n_retained = w->sb.n_retained = 1;
	w->sa.psk_rs = w->sb.psk_rs = w->rs;
}

static int vx_setup_none(struct vx_world *w)
{
	(void)w;
	return 0;
}

static int vx_setup_ik(struct vx_world *w)
{
	vx_know_each_other(w);
	vx_share_rs(w);
	vx_seed("pre-shared key of alice and bob", w->psk, sizeof(w->psk));
	w->sa.psk = w->sb.psk = w->psk;
	return 0;
}

/* Alice still holds Bob's first device key; Bob has replaced it. */
static int vx_setup_ik_retry(struct vx_world *w)
{
	vx_know_each_other(w);
	vx_share_rs(w);
	if (vx_party_device_public("bob", w->old_key))
		return -1;
	w->ta.device_pub = w->old_key;
	w->ta.device_created = BOB_CREATED;
	return 0;
}

static int vx_setup_suite_retry(struct vx_world *w)
{
	w->sa.suites = "\x01\x02";
	w->sb.suites = "\x02";
	return 0;
}

static int vx_setup_swap(struct vx_world *w)
{
	w->sb.options = "protect-self";
	return 0;
}

static int vx_setup_kind2(struct vx_world *w)
{
	w->sa.anchor = &w->ca;
	return 0;
}

static const struct vx_hs_case vx_hs_cases[] = {
	{"xx-first-contact",
	 "XXpsk2: the first handshake of two devices that know nothing of each other; "
	 "no PSK, no retained secret, two decoy rsids",
	 0, 0, vx_setup_none},
	{"ik-known-peer",
	 "IKpsk1: Alice holds Bob's device key; both hold a retained secret of an earlier "
	 "session and the same PSK",
	 0, 0, vx_setup_ik},
	{"ik-retry-to-xx",
	 "IKpsk1 to a device key Bob has replaced: Bob cannot read step 1 and answers a retry "
	 "of kind 2; Alice starts again with XXpsk2, the cookie and the rsid of their "
	 "retained secret, and learns Bob's new device key from its newer binding",
	 0, 1, vx_setup_ik_retry},
	{"suite-retry",
	 "XXpsk2 first contact where Alice uses ChaChaPoly and Bob supports AESGCM only: a "
	 "retry of kind 1 names suite 2, and Alice starts again with it",
	 0, 0, vx_setup_suite_retry},
	{"swap",
	 "XXpsk2 first contact with Bob started with --protect-self: Bob answers with a swap, "
	 "becomes the Noise initiator, and Alice reveals her identity first",
	 0, 0, vx_setup_swap},
	{"kind2-certificate-chain",
	 "XXpsk2 first contact where Bob's identity key has a certificate from a CA "
	 "(credential kind 2: the leaf and an intermediate) and Alice anchors the CA",
	 1, 0, vx_setup_kind2},
};

/* The CA and Bob's chain, made when generating; inputs of the file. */
static int vx_hs_chain(struct vx *v, struct vx_world *w)
{
	struct p256_key *bob = NULL;
	int err;

	if (v->check)
		return 0;
	err = vx_party_identity_key("bob", &bob);
	if (!err)
		err = vx_x509_make(bob, "bob@example.org", &w->ca, &w->chain);
	p256_free(bob);
	VX_TRY(v, err, "the certificates");
	return 0;
}

static int vx_hs_parties(struct vx *v, cJSON *c, const struct vx_hs_case *k, struct vx_world *w)
{
	w->a.obj = vx_obj(v, c, "initiator");
	w->b.obj = vx_obj(v, c, "responder");
	if (k->bob_chain && vx_hs_chain(v, w))
		return -1;
	if (vx_party_in(v, w->a.obj, "alice", NULL, ALICE_FULL, ALICE_CREATED, NULL, &w->a.party))
		return -1;
	return vx_party_in(v, w->b.obj, "bob", k->bob_rotated ? "bob rotated" : NULL, BOB_FULL,
			   k->bob_rotated ? BOB_ROTATED : BOB_CREATED,
			   k->bob_chain ? &w->chain : NULL, &w->b.party);
}

static void vx_world_free(struct vx_world *w)
{
	vx_hs_side_free(&w->a);
	vx_hs_side_free(&w->b);
	buf_free(&w->ca);
	buf_free(&w->chain);
}

static void vx_hs_case_run(struct vx *v, cJSON *cases, int index, const struct vx_hs_case *k)
{
	cJSON *c = vx_case_begin(v, cases, index, k->name);
	struct vx_world w;
	uint64_t now = VX_T0;

	memset(&w, 0, sizeof(w));
	if (!c) {
		vx_case_end(v);
		return;
	}
	vx_out_str(v, c, "description", k->what);
	vx_in_u64(v, c, "time", &now);
	if (!vx_hs_parties(v, c, k, &w) && !k->setup(&w) && !vx_hs_side_in(v, &w.a, &w.sa, now) &&
	    !vx_hs_side_in(v, &w.b, &w.sb, now))
		vx_hs_run(v, c, &w.a, &w.b, &w.sa, &w.sb);
	vx_world_free(&w);
	vx_case_end(v);
}

int vx_handshake(struct vx *v, cJSON *root)
{
	cJSON *cases;

	vx_out_str(v, root, "description",
		   "xe2e handshakes (xe2e(7) HANDSHAKE), protocol version 1; fields: README");
	cases = vx_arr(v, root, "cases");
	for (size_t i = 0; i < sizeof(vx_hs_cases) / sizeof(vx_hs_cases[0]); i++)
		vx_hs_case_run(v, cases, (int)i, &vx_hs_cases[i]);
	return 0;
}
