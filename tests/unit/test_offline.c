/* The offline construction: an independent vector, both sides, tampering,
 * forgery with a stolen signed prekey, and the recipient's prekey store
 * (one-time prekeys consumed once, the replay cache, grace periods,
 * forward secrecy). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "err.h"
#include "hash.h"
#include "identity.h"
#include "noise.h"
#include "offline.h"
#include "prekey.h"
#include "ratchet.h"
#include "rng.h"
#include "unit.h"
#include "util.h"

#define NOW 1750000000ull
#define DAY (24ull * 3600)
#define ALICE "alice@capulet.lit"
#define BOB "bob@montague.lit"
/* The associated data of the tests but the vector's. */
#define T_AD (const uint8_t *)"stanza ad", 9

/*
 * Made independently of this code by tests/unit/offline_vectors.py (the
 * construction of offline.h written again on pyca/cryptography): Alice
 * (alice@capulet.lit, device a1a2a3a4, binding created 1749999000 for 730
 * days) seals "<message-frame>Hello, Bob!</message-frame>" to Bob
 * (bob@montague.lit) with signed prekey 11223344 and, in the first
 * message, one-time prekey 55667788; ChaChaPoly; the associated data is
 * the envelope's of <message type='chat' id='m1'>. Every private key is
 * SHA-256 of a label, so the script shows where each value comes from.
 */
static const char v_bob_id_pub[] =
	"042a306fe4b0248d89eeba240eb42500324be6d50036f8759b679484c1560eaf69749f491a63"
	"b12527a276f3d7def6b1dc3cb5f868c2ce15006f9a7794567bd958";
static const char v_bob_fpr[] =
	"d492a153b708063ca8b4e83a03e1fe57f22e2eb5370d99dbb43dfa55ac6c71af";
static const char v_bob_dk_priv[] =
	"dc5b1c5675af89f877adae9f6e873727d9165f218a5d263f04a50e79e9066bed";
static const char v_spk_priv[] =
	"6a3d16301dea977d471cfa2e2d0f17c9a38deed1e6eef72605cefe1f59b8bb5c";
static const char v_opk_priv[] =
	"aad0a96e6bb70ed9be6e3dc7be8ab4710cd656cb367d97e9191842f43794d406";
static const char v_alice_fpr[] =
	"b0b26a0ff82fe80417244f03fd3a62a88a2e0bd41cda852b4fe35307ebc7cf06";
static const char v_alice_dk_pub[] =
	"d524d6779bfddb4ceac28519c3bfdcbda84cfac16a91d0a61a5a32e97736fb78";
static const char v_r0_pub[] =
	"d23d67cfd9d9ddbbf452e8f174611b375d05175d8abfe28927344ce4e125c226";
static const char v_msg_opk[] =
	"0101011122334455667788e53688ffd7e769e3f2cfa80ce8858bdbcaf2417db2ea7d248b1f68"
	"5bc335bd7d29cf056d1d1625d9b49225fa1b0a807809e5c35bfe8159ee9484133dda8ae056f7"
	"73181984f5da617c6a0c0bc117cf567bea9d044adc1cf03c49dd162289a5262921e76a52d8cf"
	"cc4b2d7db9134fd135c1af2e87da2f714504358b41c1e9118b8247570e1695717fe2b5f5b034"
	"29f381576b6fed9f75fc97056be8d013e24b281813c921768ec795e81c2c8e751e0d1e01c5d4"
	"f8f772dc52b56052eb5e1d32f0a1ff345c8b98d0955c8a8cf5e77a3107c3b428c402a38ee20a"
	"fbffe46e9c9fbf885b51108c03437fc4a307f3ae5dea34759c91f371d4ee2531af26c014d3b3"
	"b34231d73a6460f30b582758988d0108ee309e47cbd2c0f23936d6b0bc3da310a6656e9eeb95"
	"af3773e8f4182693766993c5f4af7bdde80bcb45927673dfd122ed";
static const char v_root_opk[] =
	"327dea9983d4ebce0c216f3c28edd27550e345dc6ed54df555907b4c31a53a0f";
static const char v_chain_opk[] =
	"9ca6df1cc3b4a05d0bcf3d46cbea40787c9a5587e555c453b2c69fee804ff7e2";
static const char v_sid_opk[] = "c44bc2c191567f70f0d06537bf68504b";
static const char v_hash_opk[] =
	"2540d1f1e90424a36ffdea245e1d303df365eefa4c0135bfc4e50b6e92eb2487";
static const char v_msg_noopk[] =
	"01010011223344e53688ffd7e769e3f2cfa80ce8858bdbcaf2417db2ea7d248b1f685bc335bd"
	"7d2fe2f954f936739301db9f70c3753d5759955481a20243fe88e342719ac6d2503cfed006ed"
	"0338675f813e759801c183433f88600169e3f7825e898373bd07b61e26afa78859678778a2cf"
	"c69c0da11285fe2b1f7cea8431b2e1144566d6158dbffa34c986b85b74b18453586f71862846"
	"a101b9ffa9fe51c975907e914dd122e850bf1bc6ca08ca5df58f84baa4dc7e2e57dfca887150"
	"3e242f037b28141d22a356af3eed2a55334deaf6b2a3263d02c8c1b2434fe396057ab8e89d7e"
	"61ed6400cf8faa47afbbaeeff2ae0c350573a14b3d4570785435f019cecd66120cc2a3b38354"
	"e3858b8394f7ca39fa6ef4ac040ae44579314cbe035e92fdf2acddf5e76006f7f96bae5d3dd3"
	"76c0a7db24e1ebbf9651893cca44979ea86b5f49cd5787";
static const char v_root_noopk[] =
	"17a82c0788352565241d871b204f3b7dd805ea0a215783704c8b4d87314523ab";
static const char v_chain_noopk[] =
	"444a2e535b6be14069baf2d2e9abe29539c7a91500b5b086346524e11c6e3803";
static const char v_sid_noopk[] = "2a9fc03524ba333b3b62d06db9f2f724";
static const char v_hash_noopk[] =
	"5ac072920ad86c180bf4d396343f1a8b6dae218b713a9f31c9d7ba269df1b8eb";
static const char v_ad[] =
	"000e78653265207374616e7a6120763100076d657373616765010004636861740100026d3100"
	"11616c69636540636170756c65742e6c69740010626f62406d6f6e74616775652e6c6974";
static const char v_payload[] = "<message-frame>Hello, Bob!</message-frame>";

/* ---- parties ---- */

struct party {
	struct p256_key *id_key;
	struct identity id;
};

/* A party with a fresh identity in memory, binding created at created. */
static void party_make(struct party *p, const char *jid, uint64_t created)
{
	struct identity *id = &p->id;

	memset(p, 0, sizeof(*p));
	id->cert_der = (struct buf)BUF_INIT;
	strcpy(id->jid, jid);
	CHECK_INT(p256_generate(&p->id_key), XE2E_OK);
	CHECK_INT(p256_public(p->id_key, id->id_pub), XE2E_OK);
	CHECK_INT(p256_fingerprint(id->id_pub, id->id_fpr), XE2E_OK);
	strcpy(id->binding.jid, jid);
	CHECK_INT(rng_bytes(id->binding.device_id, IDENTITY_DEVICE_ID_LEN), XE2E_OK);
	CHECK_INT(x25519_keypair(id->device_priv, id->binding.device_pub), XE2E_OK);
	id->binding.created = created;
	id->binding.expires = created + IDENTITY_BINDING_LIFETIME;
	CHECK_INT(identity_binding_sign(p->id_key, &id->binding), XE2E_OK);
	id->loaded = IDENTITY_LOAD_DEVICE_KEY;
}

static void party_free(struct party *p)
{
	p256_free(p->id_key);
	wipe(p, sizeof(*p));
}

/* Copies n hex-decoded bytes into out. */
static void unhex_to(const char *hex, uint8_t *out, size_t n)
{
	size_t len = 0;
	uint8_t *b = unit_hex(hex, &len);

	CHECK(b && len == n);
	if (b && len == n)
		memcpy(out, b, n);
	free(b);
}

/* Bob of the vector (no identity private key needed to receive). */
static void vector_bob(struct identity *id)
{
	memset(id, 0, sizeof(*id));
	id->cert_der = (struct buf)BUF_INIT;
	strcpy(id->jid, BOB);
	unhex_to(v_bob_id_pub, id->id_pub, P256_PUB_LEN);
	CHECK_INT(p256_fingerprint(id->id_pub, id->id_fpr), XE2E_OK);
	unhex_to(v_bob_dk_priv, id->device_priv, X25519_LEN);
	CHECK_INT(x25519_public(id->binding.device_pub, id->device_priv), XE2E_OK);
	id->loaded = IDENTITY_LOAD_DEVICE_KEY;
}

/* ---- the independent vector ---- */

static void check_hex(const uint8_t *got, const char *hex, size_t n)
{
	uint8_t want[64];

	unhex_to(hex, want, n);
	CHECK(!memcmp(got, want, n));
}

static void open_vector(int with_opk)
{
	struct identity bob;
	uint8_t spk[X25519_LEN], opk[X25519_LEN];
	struct offline_recipient r = {&bob, spk, with_opk ? opk : NULL};
	struct offline_sender s;
	struct offline_keys k;
	struct buf pt = BUF_INIT;
	size_t len, ad_len;
	uint8_t *ad = unit_hex(v_ad, &ad_len);
	uint8_t *msg = unit_hex(with_opk ? v_msg_opk : v_msg_noopk, &len);

	vector_bob(&bob);
	check_hex(bob.id_fpr, v_bob_fpr, FINGERPRINT_LEN);
	unhex_to(v_spk_priv, spk, X25519_LEN);
	unhex_to(v_opk_priv, opk, X25519_LEN);
	CHECK_INT(offline_open_keys(&r, "alice@capulet.lit/balcony", ad, ad_len, msg, len, NOW, &s,
				    &k, &pt),
		  XE2E_OK);
	CHECK(pt.len == strlen(v_payload) && !memcmp(pt.data, v_payload, pt.len));
	check_hex(k.root_key, with_opk ? v_root_opk : v_root_noopk, OFFLINE_KEY_LEN);
	check_hex(k.chain_key, with_opk ? v_chain_opk : v_chain_noopk, OFFLINE_KEY_LEN);
	check_hex(k.session_id, with_opk ? v_sid_opk : v_sid_noopk, OFFLINE_SESSION_ID_LEN);
	check_hex(k.handshake_hash, with_opk ? v_hash_opk : v_hash_noopk, OFFLINE_HASH_LEN);
	check_hex(k.r0_pub, v_r0_pub, X25519_LEN);
	CHECK(ct_is_zero(k.r0_priv, X25519_LEN));
	CHECK_INT(k.suite, OFFLINE_SUITE_CHACHAPOLY);
	CHECK_STR(s.jid, ALICE);
	check_hex(s.fpr, v_alice_fpr, FINGERPRINT_LEN);
	check_hex(s.binding.device_pub, v_alice_dk_pub, X25519_LEN);
	CHECK_INT(load_be32(s.binding.device_id), 0xa1a2a3a4);
	CHECK_INT(s.binding.created, 1749999000);
	CHECK_INT(s.binding.expires, 1749999000 + IDENTITY_BINDING_LIFETIME);
	/* The sender's JID is in the transcript. */
	buf_clear(&pt);
	CHECK_INT(offline_open_keys(&r, "eve@capulet.lit", ad, ad_len, msg, len, NOW, &s, &k, &pt),
		  XE2E_E_AUTH);
	CHECK_INT(pt.len, 0);
	/* The binding expired. */
	CHECK_INT(offline_open_keys(&r, ALICE, ad, ad_len, msg, len,
				    1749999000 + IDENTITY_BINDING_LIFETIME, &s, &k, &pt),
		  XE2E_E_EXPIRED);
	CHECK_INT(pt.len, 0);
	buf_free(&pt);
	free(msg);
	free(ad);
	wipe(spk, sizeof(spk));
	wipe(opk, sizeof(opk));
}

TEST(offline_opens_an_independent_vector)
{
	open_vector(1);
	open_vector(0);
	unit_note("2 initial messages (with and without one-time prekey) give the payload, "
		  "keys, session id and channel binding of the independent implementation");
}

/* A bit flipped in every byte (the bit moving from byte to byte), every
 * truncation and an extra byte are refused, and nothing comes out. */
static unsigned tamper_vector(int with_opk)
{
	struct identity bob;
	uint8_t spk[X25519_LEN], opk[X25519_LEN];
	struct offline_recipient r = {&bob, spk, with_opk ? opk : NULL};
	struct offline_sender s;
	struct offline_keys k;
	struct buf pt = BUF_INIT;
	size_t len, ad_len;
	uint8_t *ad = unit_hex(v_ad, &ad_len);
	uint8_t *msg = unit_hex(with_opk ? v_msg_opk : v_msg_noopk, &len), *longer;
	unsigned refused = 0;

	vector_bob(&bob);
	unhex_to(v_spk_priv, spk, X25519_LEN);
	unhex_to(v_opk_priv, opk, X25519_LEN);
	for (size_t i = 0; msg && i < len; i++) {
		unsigned bit = (unsigned)(i * 5 % 8);
		int err;

		msg[i] ^= (uint8_t)(1u << bit);
		err = offline_open_keys(&r, ALICE, ad, ad_len, msg, len, NOW, &s, &k, &pt);
		msg[i] ^= (uint8_t)(1u << bit);
		if (err == XE2E_OK)
			unit_fail(__FILE__, __LINE__, "byte %zu bit %u accepted", i, bit);
		CHECK_INT(pt.len, 0);
		refused++;
	}
	for (size_t n = 0; n < len; n++, refused++)
		CHECK(offline_open_keys(&r, ALICE, ad, ad_len, msg, n, NOW, &s, &k, &pt) != XE2E_OK);
	longer = malloc(len + 1);
	if (msg && longer) {
		memcpy(longer, msg, len);
		longer[len] = 0;
		CHECK_INT(offline_open_keys(&r, ALICE, ad, ad_len, longer, len + 1, NOW, &s, &k, &pt),
			  XE2E_E_AUTH);
		refused++;
	}
	CHECK_INT(pt.len, 0);
	CHECK_INT(offline_open_keys(&r, ALICE, ad, ad_len, msg, len, NOW, &s, &k, &pt), XE2E_OK);
	free(longer);
	free(msg);
	free(ad);
	buf_free(&pt);
	return refused;
}

TEST(offline_flipped_bits_are_refused)
{
	unsigned n = tamper_vector(1) + tamper_vector(0);

	unit_note("%u messages with a flipped bit, truncated or extended refused", n);
}

/* ---- both sides ---- */

/* Bob's prekeys as a sender would find them in his bundle. */
struct prekeys {
	uint8_t spk_priv[X25519_LEN];
	uint8_t opk_priv[X25519_LEN];
	struct offline_peer peer;
};

static void prekeys_make(struct prekeys *pk, const struct party *bob, int with_opk)
{
	struct offline_peer *p = &pk->peer;

	memset(pk, 0, sizeof(*pk));
	strcpy(p->jid, bob->id.jid);
	memcpy(p->fpr, bob->id.id_fpr, FINGERPRINT_LEN);
	memcpy(p->device_pub, bob->id.binding.device_pub, X25519_LEN);
	p->spk_id = 0x5150;
	CHECK_INT(x25519_keypair(pk->spk_priv, p->spk_pub), XE2E_OK);
	p->has_opk = with_opk;
	if (with_opk) {
		p->opk_id = 0x7777;
		CHECK_INT(x25519_keypair(pk->opk_priv, p->opk_pub), XE2E_OK);
	}
}

/* The ratchet starts the way offline.h says, and both directions work. */
static void check_ratchet(const struct offline_keys *a, const struct offline_keys *b)
{
	struct ratchet_start sa, sb;
	struct ratchet_state *ra = NULL, *rb = NULL;
	struct buf m = BUF_INIT, pt = BUF_INIT;

	memset(&sa, 0, sizeof(sa));
	sa.cipher = offline_suite_cipher(a->suite);
	CHECK_INT(ratchet_tag_derive(a->root_key, sa.tag), XE2E_OK);
	memcpy(sa.root_key, a->root_key, 32);
	memcpy(sa.chain_key, a->chain_key, 32);
	memcpy(sa.r0_public, a->r0_pub, 32);
	memcpy(sa.r0_private, a->r0_priv, 32);
	sb = sa;
	memcpy(sb.root_key, b->root_key, 32);
	memcpy(sb.chain_key, b->chain_key, 32);
	memcpy(sb.r0_public, b->r0_pub, 32);
	memset(sb.r0_private, 0, 32);
	CHECK_INT(ratchet_tag_derive(b->root_key, sb.tag), XE2E_OK);
	CHECK_INT(ratchet_init(&ra, RATCHET_RESPONDER, &sa, NOW), XE2E_OK);
	CHECK_INT(ratchet_init(&rb, RATCHET_INITIATOR, &sb, NOW), XE2E_OK);
	/* The sender goes on in its epoch 0, then the recipient answers. */
	CHECK_INT(ratchet_encrypt(ra, NOW, (const uint8_t *)"second", 6, NULL, 0, &m), XE2E_OK);
	CHECK_INT(ratchet_decrypt(rb, NOW, m.data, m.len, NULL, 0, &pt, NULL), XE2E_OK);
	CHECK(pt.len == 6 && !memcmp(pt.data, "second", 6));
	buf_clear(&m);
	buf_clear(&pt);
	CHECK_INT(ratchet_encrypt(rb, NOW, (const uint8_t *)"reply", 5, NULL, 0, &m), XE2E_OK);
	CHECK_INT(ratchet_decrypt(ra, NOW, m.data, m.len, NULL, 0, &pt, NULL), XE2E_OK);
	CHECK(pt.len == 5 && !memcmp(pt.data, "reply", 5));
	ratchet_free(ra);
	ratchet_free(rb);
	buf_free(&m);
	buf_free(&pt);
	wipe(&sa, sizeof(sa));
	wipe(&sb, sizeof(sb));
}

static void round_trip(uint8_t suite, int with_opk, size_t payload_len)
{
	struct party alice, bob;
	struct prekeys pk;
	struct offline_keys ka, kb;
	struct offline_sender s;
	struct offline_recipient r;
	struct buf msg = BUF_INIT, pt = BUF_INIT;
	uint8_t *payload = malloc(payload_len + 1), r0[X25519_LEN];

	party_make(&alice, ALICE, NOW - DAY);
	party_make(&bob, BOB, NOW - 2 * DAY);
	prekeys_make(&pk, &bob, with_opk);
	CHECK(payload != NULL);
	if (!payload)
		return;
	CHECK_INT(rng_bytes(payload, payload_len + 1), XE2E_OK);
	CHECK_INT(offline_seal(&alice.id, &pk.peer, suite, T_AD, 0, payload, payload_len, &msg, &ka),
		  XE2E_OK);
	CHECK_INT(msg.len, OFFLINE_MIN_LEN + (with_opk ? 4 : 0) + payload_len);
	CHECK_INT(msg.data[1], suite);
	r.self = &bob.id;
	r.spk_priv = pk.spk_priv;
	r.opk_priv = with_opk ? pk.opk_priv : NULL;
	CHECK_INT(offline_open_keys(&r, "alice@capulet.lit/balcony", T_AD, msg.data, msg.len, NOW, &s,
				    &kb, &pt),
		  XE2E_OK);
	CHECK(pt.len == payload_len && (payload_len == 0 || !memcmp(pt.data, payload, payload_len)));
	CHECK_MEM(ka.root_key, kb.root_key, OFFLINE_KEY_LEN);
	CHECK_MEM(ka.chain_key, kb.chain_key, OFFLINE_KEY_LEN);
	CHECK_MEM(ka.session_id, kb.session_id, OFFLINE_SESSION_ID_LEN);
	CHECK_MEM(ka.handshake_hash, kb.handshake_hash, OFFLINE_HASH_LEN);
	CHECK_MEM(ka.r0_pub, kb.r0_pub, X25519_LEN);
	CHECK_INT(x25519_public(r0, ka.r0_priv), XE2E_OK);
	CHECK_MEM(r0, ka.r0_pub, X25519_LEN);
	CHECK_INT(ka.suite, suite);
	CHECK_INT(kb.suite, suite);
	CHECK_MEM(s.fpr, alice.id.id_fpr, FINGERPRINT_LEN);
	CHECK_MEM(s.binding.device_pub, alice.id.binding.device_pub, X25519_LEN);
	CHECK_MEM(s.binding.device_id, alice.id.binding.device_id, IDENTITY_DEVICE_ID_LEN);
	check_ratchet(&ka, &kb);
	free(payload);
	buf_free(&msg);
	buf_free(&pt);
	party_free(&alice);
	party_free(&bob);
	wipe(&pk, sizeof(pk));
}

TEST(offline_both_sides_agree)
{
	static const size_t sizes[] = {0, 1, 139, 4096};
	unsigned runs = 0;

	for (int opk = 0; opk < 2; opk++)
		for (size_t i = 0; i < ARRAY_SIZE(sizes); i++, runs += 2) {
			round_trip(OFFLINE_SUITE_CHACHAPOLY, opk, sizes[i]);
			round_trip(OFFLINE_SUITE_AESGCM, opk, sizes[i]);
		}
	unit_note("%u round trips: keys, payload and the first ratchet messages agree", runs);
}

TEST(offline_sender_inputs_are_checked)
{
	struct party alice, bob;
	struct prekeys pk;
	struct offline_keys k;
	struct buf msg = BUF_INIT;

	party_make(&alice, ALICE, NOW);
	party_make(&bob, BOB, NOW);
	prekeys_make(&pk, &bob, 1);
	CHECK_INT(offline_seal(&alice.id, &pk.peer, 3, T_AD, 0, NULL, 0, &msg, &k), XE2E_E_UNSUPPORTED);
	CHECK_INT(offline_seal(&alice.id, &pk.peer, 1, T_AD, 0, NULL, OFFLINE_PAYLOAD_MAX + 1, &msg, &k),
		  XE2E_E_LIMIT);
	alice.id.loaded = 0;
	CHECK_INT(offline_seal(&alice.id, &pk.peer, 1, T_AD, 0, NULL, 0, &msg, &k), XE2E_E_STATE);
	alice.id.loaded = IDENTITY_LOAD_DEVICE_KEY;
	/* A low-order prekey gives a zero DH: refused. */
	memset(pk.peer.spk_pub, 0, X25519_LEN);
	CHECK_INT(offline_seal(&alice.id, &pk.peer, 1, T_AD, 0, NULL, 0, &msg, &k), XE2E_E_WEAKKEY);
	CHECK_INT(msg.len, 0);
	CHECK(ct_is_zero(&k, sizeof(k)));
	party_free(&alice);
	party_free(&bob);
}

TEST(offline_only_the_right_keys_open)
{
	struct party alice, bob, other;
	struct prekeys pk, wrong;
	struct offline_keys k;
	struct offline_sender s;
	struct offline_recipient r;
	struct buf msg = BUF_INIT, pt = BUF_INIT;

	party_make(&alice, ALICE, NOW);
	party_make(&bob, BOB, NOW);
	party_make(&other, BOB, NOW);
	prekeys_make(&pk, &bob, 1);
	prekeys_make(&wrong, &bob, 1);
	CHECK_INT(offline_seal(&alice.id, &pk.peer, 1, T_AD, 0, (const uint8_t *)"x", 1, &msg, &k), XE2E_OK);
	r.self = &bob.id;
	r.spk_priv = pk.spk_priv;
	r.opk_priv = pk.opk_priv;
	CHECK_INT(offline_open_keys(&r, ALICE, T_AD, msg.data, msg.len, NOW, &s, &k, &pt), XE2E_OK);
	/* Another device of the same JID, another signed or one-time prekey. */
	r.self = &other.id;
	CHECK_INT(offline_open_keys(&r, ALICE, T_AD, msg.data, msg.len, NOW, &s, &k, &pt), XE2E_E_AUTH);
	r.self = &bob.id;
	r.spk_priv = wrong.spk_priv;
	CHECK_INT(offline_open_keys(&r, ALICE, T_AD, msg.data, msg.len, NOW, &s, &k, &pt), XE2E_E_AUTH);
	r.spk_priv = pk.spk_priv;
	r.opk_priv = wrong.opk_priv;
	CHECK_INT(offline_open_keys(&r, ALICE, T_AD, msg.data, msg.len, NOW, &s, &k, &pt), XE2E_E_AUTH);
	r.opk_priv = NULL;
	CHECK_INT(offline_open_keys(&r, ALICE, T_AD, msg.data, msg.len, NOW, &s, &k, &pt), XE2E_E_STATE);
	/* Other associated data (a retyped stanza, another id). */
	r.opk_priv = pk.opk_priv;
	CHECK_INT(offline_open_keys(&r, ALICE, (const uint8_t *)"stanza ae", 9, msg.data, msg.len,
				    NOW, &s, &k, &pt),
		  XE2E_E_AUTH);
	CHECK_INT(offline_open_keys(&r, ALICE, NULL, 0, msg.data, msg.len, NOW, &s, &k, &pt),
		  XE2E_E_AUTH);
	CHECK_INT(pt.len, 1);
	buf_free(&msg);
	buf_free(&pt);
	party_free(&alice);
	party_free(&bob);
	party_free(&other);
	wipe(&pk, sizeof(pk));
	wipe(&wrong, sizeof(wrong));
}

TEST(offline_sender_credential_is_checked)
{
	struct party alice, bob;
	struct prekeys pk;
	struct offline_keys k;
	struct offline_sender s;
	struct offline_recipient r;
	struct buf msg = BUF_INIT, pt = BUF_INIT;

	party_make(&alice, ALICE, NOW - IDENTITY_BINDING_LIFETIME);
	party_make(&bob, BOB, NOW);
	prekeys_make(&pk, &bob, 0);
	r.self = &bob.id;
	r.spk_priv = pk.spk_priv;
	r.opk_priv = NULL;
	/* An expired binding. */
	CHECK_INT(offline_seal(&alice.id, &pk.peer, 1, T_AD, 0, NULL, 0, &msg, &k), XE2E_OK);
	CHECK_INT(offline_open_keys(&r, ALICE, T_AD, msg.data, msg.len, NOW, &s, &k, &pt),
		  XE2E_E_EXPIRED);
	CHECK_INT(offline_open_keys(&r, ALICE, T_AD, msg.data, msg.len, NOW - 1, &s, &k, &pt), XE2E_OK);
	/* A binding signed for another JID than the one it is sent from. */
	strcpy(alice.id.binding.jid, "alice@montague.lit");
	alice.id.binding.expires = NOW + DAY;
	CHECK_INT(identity_binding_sign(alice.id_key, &alice.id.binding), XE2E_OK);
	buf_clear(&msg);
	CHECK_INT(offline_seal(&alice.id, &pk.peer, 1, T_AD, 0, NULL, 0, &msg, &k), XE2E_OK);
	CHECK_INT(offline_open_keys(&r, ALICE, T_AD, msg.data, msg.len, NOW, &s, &k, &pt), XE2E_E_TRUST);
	/* A signature by another identity key. */
	strcpy(alice.id.binding.jid, ALICE);
	CHECK_INT(identity_binding_sign(bob.id_key, &alice.id.binding), XE2E_OK);
	buf_clear(&msg);
	CHECK_INT(offline_seal(&alice.id, &pk.peer, 1, T_AD, 0, NULL, 0, &msg, &k), XE2E_OK);
	CHECK_INT(offline_open_keys(&r, ALICE, T_AD, msg.data, msg.len, NOW, &s, &k, &pt), XE2E_E_TRUST);
	buf_free(&msg);
	buf_free(&pt);
	party_free(&alice);
	party_free(&bob);
	wipe(&pk, sizeof(pk));
}

/* ---- forgery with a stolen signed prekey ---- */

static void mix_dh(struct noise_symmetricstate *ss, const uint8_t *priv, const uint8_t *pub)
{
	uint8_t dh[X25519_LEN];

	CHECK_INT(x25519_shared(dh, priv, pub), XE2E_OK);
	CHECK_INT(noise_symmetricstate_mix_key(ss, dh, sizeof(dh)), XE2E_OK);
	wipe(dh, sizeof(dh));
}

static void encrypt_part(struct noise_symmetricstate *ss, const uint8_t *pt, size_t n,
			 struct buf *msg)
{
	size_t got = 0;

	CHECK_INT(buf_reserve(msg, n + 16), XE2E_OK);
	CHECK_INT(noise_symmetricstate_encrypt_and_hash(ss, pt, n, msg->data + msg->len, n + 16,
							&got),
		  XE2E_OK);
	msg->len += got;
}

/*
 * The forger: holds Bob's signed prekey (private), knows everything public
 * (Alice's credential, Bob's keys), and writes an initial message claiming
 * Alice without one-time prekey. It knows DH(DK_A, SPK) as DH(SPK, DK_A);
 * for DH(DK_A, DK_B) it has only what dk_a_guess gives. With Alice's real
 * device key as the guess the message is genuine, which shows the forger
 * follows the construction faithfully.
 */
static void forge(const struct identity *alice, const uint8_t *dk_a_guess,
		  const struct prekeys *pk, const struct identity *bob, struct buf *msg)
{
	struct noise_symmetricstate ss;
	uint8_t ek[X25519_LEN], ek_pub[X25519_LEN], cred[OFFLINE_CRED_LEN], pt[X25519_LEN + 5];
	uint8_t r0_priv[X25519_LEN], dh_spk[X25519_LEN];
	struct buf p = BUF_INIT;

	CHECK_INT(x25519_keypair(ek, ek_pub), XE2E_OK);
	CHECK_INT(x25519_keypair(r0_priv, pt), XE2E_OK);
	memcpy(pt + X25519_LEN, "forge", 5);
	CHECK_INT(buf_append(msg, "\x01\x01\x00", 3), XE2E_OK);
	CHECK_INT(buf_append_u32(msg, pk->peer.spk_id), XE2E_OK);
	CHECK_INT(buf_append(msg, ek_pub, X25519_LEN), XE2E_OK);
	CHECK_INT(noise_symmetricstate_init(&ss, OFFLINE_NAME_CHACHAPOLY, AEAD_CHACHAPOLY,
					    HASH_SHA256),
		  XE2E_OK);
	CHECK_INT(buf_append_lp16(&p, ALICE, strlen(ALICE)), XE2E_OK);
	CHECK_INT(buf_append_lp16(&p, BOB, strlen(BOB)), XE2E_OK);
	CHECK_INT(buf_append(&p, bob->id_fpr, FINGERPRINT_LEN), XE2E_OK);
	CHECK_INT(buf_append(&p, bob->binding.device_pub, X25519_LEN), XE2E_OK);
	CHECK_INT(buf_append_u32(&p, pk->peer.spk_id), XE2E_OK);
	CHECK_INT(buf_append(&p, pk->peer.spk_pub, X25519_LEN), XE2E_OK);
	CHECK_INT(buf_append_byte(&p, 0), XE2E_OK);
	CHECK_INT(noise_symmetricstate_mix_hash(&ss, p.data, p.len), XE2E_OK);
	CHECK_INT(noise_symmetricstate_mix_hash(&ss, T_AD), XE2E_OK);
	CHECK_INT(noise_symmetricstate_mix_hash(&ss, ek_pub, X25519_LEN), XE2E_OK);
	mix_dh(&ss, ek, pk->peer.spk_pub);
	mix_dh(&ss, ek, bob->binding.device_pub);
	cred[0] = OFFLINE_CRED_KIND;
	memcpy(cred + 1, alice->binding.device_pub, X25519_LEN);
	memcpy(cred + 33, alice->id_pub, P256_PUB_LEN);
	memcpy(cred + 98, alice->binding.device_id, 4);
	put_be64(cred + 102, alice->binding.created);
	put_be64(cred + 110, alice->binding.expires);
	memcpy(cred + 118, alice->binding.sig, P256_SIG_LEN);
	encrypt_part(&ss, cred, sizeof(cred), msg);
	/* DH(DK_A, SPK) from the stolen SPK: the forger gets this one right. */
	CHECK_INT(x25519_shared(dh_spk, pk->spk_priv, alice->binding.device_pub), XE2E_OK);
	CHECK_INT(noise_symmetricstate_mix_key(&ss, dh_spk, X25519_LEN), XE2E_OK);
	mix_dh(&ss, dk_a_guess, bob->binding.device_pub);
	encrypt_part(&ss, pt, sizeof(pt), msg);
	noise_symmetricstate_wipe(&ss);
	buf_free(&p);
	wipe(ek, sizeof(ek));
	wipe(r0_priv, sizeof(r0_priv));
	wipe(dh_spk, sizeof(dh_spk));
}

TEST(offline_stolen_signed_prekey_cannot_forge_a_sender)
{
	struct party alice, bob, mallory;
	struct prekeys pk;
	struct offline_keys k;
	struct offline_sender s;
	struct offline_recipient r;
	struct buf msg = BUF_INIT, pt = BUF_INIT;

	party_make(&alice, ALICE, NOW);
	party_make(&bob, BOB, NOW);
	party_make(&mallory, "mallory@evil.lit", NOW);
	prekeys_make(&pk, &bob, 0);
	r.self = &bob.id;
	r.spk_priv = pk.spk_priv;
	r.opk_priv = NULL;
	/* The control: with Alice's device key the forger's code is genuine. */
	forge(&alice.id, alice.id.device_priv, &pk, &bob.id, &msg);
	CHECK_INT(offline_open_keys(&r, ALICE, T_AD, msg.data, msg.len, NOW, &s, &k, &pt), XE2E_OK);
	CHECK(pt.len == 5 && !memcmp(pt.data, "forge", 5));
	/* Without it (Mallory's key, or the stolen prekey itself): refused. */
	buf_clear(&msg);
	buf_clear(&pt);
	forge(&alice.id, mallory.id.device_priv, &pk, &bob.id, &msg);
	CHECK_INT(offline_open_keys(&r, ALICE, T_AD, msg.data, msg.len, NOW, &s, &k, &pt), XE2E_E_AUTH);
	buf_clear(&msg);
	forge(&alice.id, pk.spk_priv, &pk, &bob.id, &msg);
	CHECK_INT(offline_open_keys(&r, ALICE, T_AD, msg.data, msg.len, NOW, &s, &k, &pt), XE2E_E_AUTH);
	CHECK_INT(pt.len, 0);
	buf_free(&msg);
	buf_free(&pt);
	party_free(&alice);
	party_free(&bob);
	party_free(&mallory);
	wipe(&pk, sizeof(pk));
}

/* ---- with the prekey store ---- */

/* Bob with a prekey store in a temporary file: one SPK, n OPKs. */
struct receiver {
	struct party bob;
	char path[STORE_PATH_MAX];
	struct prekey_store st; /* a snapshot taken at setup */
};

static int setup_keys(struct prekey_store *st, void *arg)
{
	size_t *n = arg;
	struct prekey_spk *spk;
	int err = prekey_spk_add(st, NOW, &spk);

	return err ? err : prekey_opk_add(st, NOW, *n, NULL);
}

static void receiver_make(struct receiver *rc, const char *name, size_t n_opk)
{
	party_make(&rc->bob, BOB, NOW - DAY);
	snprintf(rc->path, sizeof(rc->path), "%s/%s", unit_tmpdir(), name);
	CHECK_INT(prekey_update(rc->path, NOW, setup_keys, &n_opk), XE2E_OK);
	rc->st = (struct prekey_store)PREKEY_STORE_INIT;
	CHECK_INT(prekey_load(rc->path, &rc->st), XE2E_OK);
}

static void receiver_free(struct receiver *rc)
{
	party_free(&rc->bob);
	prekey_store_free(&rc->st);
}

/* The peer as the bundle would show it: SPK, and OPK number i (or none). */
static void peer_of(const struct receiver *rc, const struct prekey_spk *spk, int opk_index,
		    struct offline_peer *p)
{
	memset(p, 0, sizeof(*p));
	strcpy(p->jid, BOB);
	memcpy(p->fpr, rc->bob.id.id_fpr, FINGERPRINT_LEN);
	memcpy(p->device_pub, rc->bob.id.binding.device_pub, X25519_LEN);
	p->spk_id = spk->id;
	CHECK_INT(x25519_public(p->spk_pub, spk->priv), XE2E_OK);
	if (opk_index >= 0) {
		p->has_opk = 1;
		p->opk_id = rc->st.opk[opk_index].id;
		CHECK_INT(x25519_public(p->opk_pub, rc->st.opk[opk_index].priv), XE2E_OK);
	}
}

static void seal_to(const struct party *alice, const struct offline_peer *p, const char *text,
		    struct buf *msg)
{
	struct offline_keys k;

	buf_clear(msg);
	CHECK_INT(offline_seal(&alice->id, p, OFFLINE_SUITE_CHACHAPOLY, T_AD, 0, (const uint8_t *)text,
			       strlen(text), msg, &k),
		  XE2E_OK);
	wipe(&k, sizeof(k));
}

/* What the accept callback saw, and what it answers. */
struct acceptor {
	int calls;
	int answer;
	uint8_t fpr[FINGERPRINT_LEN];
};

static int accept_fn(void *arg, const struct offline_received *rcv)
{
	struct acceptor *a = arg;

	a->calls++;
	memcpy(a->fpr, rcv->sender.fpr, FINGERPRINT_LEN);
	return a->answer;
}

static int open_msg(const struct receiver *rc, const struct buf *msg, uint64_t now,
		    struct acceptor *a, struct buf *pt)
{
	struct offline_received rcv;
	int err = offline_open(rc->path, &rc->bob.id, "alice@capulet.lit/balcony", T_AD, msg->data,
			       msg->len, now, a ? accept_fn : NULL, a, &rcv, pt);

	wipe(&rcv, sizeof(rcv));
	return err;
}

/* 1 when the file at path holds exactly what it held in before. */
static int file_same(const char *path, const char *before, size_t before_len)
{
	size_t len = 0;
	char *now = unit_read_file(path, &len);
	int same = now && len == before_len && !memcmp(now, before, len);

	free(now);
	return same;
}

TEST(offline_one_time_prekey_is_consumed_exactly_once)
{
	struct receiver rc;
	struct party alice;
	struct offline_peer p;
	struct acceptor a = {0, XE2E_OK, {0}};
	struct prekey_store after = PREKEY_STORE_INIT;
	struct buf msg = BUF_INIT, pt = BUF_INIT;
	uint32_t opk_id;
	size_t len;
	char *before;

	receiver_make(&rc, "prekeys-once", 3);
	party_make(&alice, ALICE, NOW - DAY);
	peer_of(&rc, &rc.st.spk[0], 1, &p);
	opk_id = p.opk_id;
	seal_to(&alice, &p, "first", &msg);
	CHECK_INT(open_msg(&rc, &msg, NOW + 60, &a, &pt), XE2E_OK);
	CHECK(pt.len == 5 && !memcmp(pt.data, "first", 5));
	CHECK_INT(a.calls, 1);
	CHECK_MEM(a.fpr, alice.id.id_fpr, FINGERPRINT_LEN);
	CHECK_INT(prekey_load(rc.path, &after), XE2E_OK);
	CHECK_INT(after.n_opk, 2);
	CHECK(prekey_opk_find(&after, opk_id) == NULL);
	CHECK(prekey_opk_was_used(&after, opk_id));
	CHECK_INT(after.n_seen, 0);
	prekey_store_free(&after);

	/* Again: a replay, found before any DH, and nothing changes. */
	before = unit_read_file(rc.path, &len);
	buf_clear(&pt);
	CHECK_INT(open_msg(&rc, &msg, NOW + 120, &a, &pt), XE2E_E_REPLAY);
	CHECK_INT(a.calls, 1);
	CHECK_INT(pt.len, 0);
	CHECK(file_same(rc.path, before, len));
	free(before);
	/* Another message with another one-time prekey still works. */
	peer_of(&rc, &rc.st.spk[0], 2, &p);
	seal_to(&alice, &p, "second", &msg);
	CHECK_INT(open_msg(&rc, &msg, NOW + 180, &a, &pt), XE2E_OK);
	CHECK_INT(a.calls, 2);
	buf_free(&msg);
	buf_free(&pt);
	party_free(&alice);
	receiver_free(&rc);
}

TEST(offline_replay_cache_without_one_time_prekey)
{
	struct receiver rc;
	struct party alice;
	struct offline_peer p;
	struct prekey_store after = PREKEY_STORE_INIT;
	struct buf msg = BUF_INIT, msg2 = BUF_INIT, pt = BUF_INIT;
	size_t len;
	char *before;

	receiver_make(&rc, "prekeys-replay", 0);
	party_make(&alice, ALICE, NOW - DAY);
	peer_of(&rc, &rc.st.spk[0], -1, &p);
	seal_to(&alice, &p, "hello", &msg);
	seal_to(&alice, &p, "hello", &msg2); /* the same text, a fresh EK */
	CHECK_INT(open_msg(&rc, &msg, NOW + 60, NULL, &pt), XE2E_OK);
	CHECK_INT(prekey_load(rc.path, &after), XE2E_OK);
	CHECK_INT(after.n_seen, 1);
	CHECK_MEM(after.seen[0].ek, msg.data + 7, X25519_LEN);
	prekey_store_free(&after);
	before = unit_read_file(rc.path, &len);
	buf_clear(&pt);
	CHECK_INT(open_msg(&rc, &msg, NOW + 61, NULL, &pt), XE2E_E_REPLAY);
	CHECK_INT(pt.len, 0);
	CHECK(file_same(rc.path, before, len));
	free(before);
	CHECK_INT(open_msg(&rc, &msg2, NOW + 62, NULL, &pt), XE2E_OK);
	/* Still refused at the end of the grace period, then gone with the SPK. */
	buf_clear(&pt);
	CHECK_INT(open_msg(&rc, &msg, rc.st.spk[0].expires + PREKEY_GRACE - 1, NULL, &pt),
		  XE2E_E_REPLAY);
	CHECK_INT(open_msg(&rc, &msg, rc.st.spk[0].expires + PREKEY_GRACE, NULL, &pt),
		  XE2E_E_EXPIRED);
	CHECK_INT(prekey_load(rc.path, &after), XE2E_OK);
	CHECK_INT(after.n_spk + after.n_seen, 0);
	prekey_store_free(&after);
	buf_free(&msg);
	buf_free(&msg2);
	buf_free(&pt);
	party_free(&alice);
	receiver_free(&rc);
}

TEST(offline_signed_prekey_grace_period)
{
	struct receiver rc;
	struct party alice;
	struct offline_peer p;
	struct buf msg = BUF_INIT, pt = BUF_INIT;
	uint64_t expires;

	receiver_make(&rc, "prekeys-grace", 0);
	party_make(&alice, ALICE, NOW - DAY);
	expires = rc.st.spk[0].expires;
	peer_of(&rc, &rc.st.spk[0], -1, &p);
	/* After the expiry, within the grace period: accepted. */
	seal_to(&alice, &p, "late", &msg);
	CHECK_INT(open_msg(&rc, &msg, expires + PREKEY_GRACE - 1, NULL, &pt), XE2E_OK);
	/* Beyond it: refused as an expired prekey, and the key is gone. */
	seal_to(&alice, &p, "too late", &msg);
	buf_clear(&pt);
	CHECK_INT(open_msg(&rc, &msg, expires + PREKEY_GRACE, NULL, &pt), XE2E_E_EXPIRED);
	CHECK(strstr(err_detail(), "expired prekey") != NULL);
	CHECK_INT(pt.len, 0);
	buf_free(&msg);
	buf_free(&pt);
	party_free(&alice);
	receiver_free(&rc);
}

static int rotate(struct prekey_store *st, void *arg)
{
	struct prekey_spk *spk;

	(void)arg;
	return prekey_spk_add(st, NOW + 10 * DAY, &spk);
}

TEST(offline_rotated_signed_prekey_keeps_its_grace)
{
	struct receiver rc;
	struct party alice;
	struct offline_peer p;
	struct buf msg = BUF_INIT, pt = BUF_INIT;

	receiver_make(&rc, "prekeys-rotate", 1);
	party_make(&alice, ALICE, NOW - DAY);
	peer_of(&rc, &rc.st.spk[0], 0, &p);
	CHECK_INT(prekey_update(rc.path, NOW + 10 * DAY, rotate, NULL), XE2E_OK);
	seal_to(&alice, &p, "old bundle", &msg);
	CHECK_INT(open_msg(&rc, &msg, NOW + 10 * DAY + PREKEY_GRACE - 1, NULL, &pt), XE2E_OK);
	peer_of(&rc, &rc.st.spk[0], -1, &p);
	seal_to(&alice, &p, "old bundle", &msg);
	CHECK_INT(open_msg(&rc, &msg, NOW + 10 * DAY + PREKEY_GRACE, NULL, &pt), XE2E_E_EXPIRED);
	buf_free(&msg);
	buf_free(&pt);
	party_free(&alice);
	receiver_free(&rc);
}

TEST(offline_refused_or_failed_messages_change_nothing)
{
	struct receiver rc;
	struct party alice;
	struct offline_peer p;
	struct acceptor a = {0, XE2E_E_TRUST, {0}};
	struct buf msg = BUF_INIT, pt = BUF_INIT;
	size_t len;
	char *before;
	unsigned cases = 0;

	receiver_make(&rc, "prekeys-nochange", 2);
	party_make(&alice, ALICE, NOW - DAY);
	peer_of(&rc, &rc.st.spk[0], 0, &p);
	seal_to(&alice, &p, "hi", &msg);
	before = unit_read_file(rc.path, &len);
	/* The caller's policy refuses: nothing consumed. */
	CHECK_INT(open_msg(&rc, &msg, NOW + 1, &a, &pt), XE2E_E_TRUST);
	CHECK_INT(a.calls, 1);
	CHECK(file_same(rc.path, before, len));
	cases++;
	/* Tampered: a bit of each part. */
	for (size_t i = 0; i < msg.len; i += 23, cases++) {
		msg.data[i] ^= 0x10;
		CHECK(open_msg(&rc, &msg, NOW + 1, &a, &pt) != XE2E_OK);
		msg.data[i] ^= 0x10;
		CHECK(file_same(rc.path, before, len));
	}
	CHECK_INT(a.calls, 1);
	/* From another JID than the one in the transcript. */
	{
		struct offline_received rcv;

		CHECK_INT(offline_open(rc.path, &rc.bob.id, "eve@capulet.lit", T_AD, msg.data, msg.len,
				       NOW + 1, NULL, NULL, &rcv, &pt),
			  XE2E_E_AUTH);
		cases++;
	}
	/* An unknown one-time prekey id. */
	p.opk_id ^= 0x01000000;
	seal_to(&alice, &p, "hi", &msg);
	CHECK_INT(open_msg(&rc, &msg, NOW + 1, &a, &pt), XE2E_E_EXPIRED);
	p.opk_id ^= 0x01000000;
	cases++;
	CHECK(file_same(rc.path, before, len));
	CHECK_INT(pt.len, 0);
	/* Accepted at last. */
	seal_to(&alice, &p, "hi", &msg);
	a.answer = XE2E_OK;
	CHECK_INT(open_msg(&rc, &msg, NOW + 1, &a, &pt), XE2E_OK);
	CHECK(!file_same(rc.path, before, len));
	unit_note("%u refused messages left the prekey store as it was", cases);
	free(before);
	buf_free(&msg);
	buf_free(&pt);
	party_free(&alice);
	receiver_free(&rc);
}

/* Tries the recipient's derivation with every key the store now holds. */
static int any_stored_key_opens(const struct receiver *rc, const struct buf *msg)
{
	struct prekey_store st = PREKEY_STORE_INIT;
	struct offline_recipient r = {&rc->bob.id, NULL, NULL};
	struct offline_sender s;
	struct offline_keys k;
	struct buf pt = BUF_INIT;
	int opened = 0;

	CHECK_INT(prekey_load(rc->path, &st), XE2E_OK);
	for (size_t i = 0; i < st.n_spk; i++) {
		r.spk_priv = st.spk[i].priv;
		for (size_t j = 0; j <= st.n_opk; j++) {
			r.opk_priv = j < st.n_opk ? st.opk[j].priv : NULL;
			opened |= offline_open_keys(&r, ALICE, T_AD, msg->data, msg->len, NOW, &s, &k,
						    &pt) == XE2E_OK;
		}
	}
	prekey_store_free(&st);
	buf_free(&pt);
	return opened;
}

TEST(offline_forward_secrecy_after_consumption)
{
	struct receiver rc;
	struct party alice;
	struct offline_peer p;
	struct buf msg = BUF_INIT, pt = BUF_INIT;

	receiver_make(&rc, "prekeys-fs", 4);
	party_make(&alice, ALICE, NOW - DAY);
	peer_of(&rc, &rc.st.spk[0], 2, &p);
	seal_to(&alice, &p, "captured", &msg);
	/* Before it is opened, the stored keys (and the device key) open it. */
	CHECK(any_stored_key_opens(&rc, &msg));
	CHECK_INT(open_msg(&rc, &msg, NOW + 1, NULL, &pt), XE2E_OK);
	/* After: nothing stored, device key included, opens the captured message. */
	CHECK(!any_stored_key_opens(&rc, &msg));

	/* Without a one-time prekey the signed prekey is enough until its
	 * deadline: the documented window. */
	peer_of(&rc, &rc.st.spk[0], -1, &p);
	seal_to(&alice, &p, "captured", &msg);
	CHECK_INT(open_msg(&rc, &msg, NOW + 1, NULL, &pt), XE2E_OK);
	CHECK(any_stored_key_opens(&rc, &msg));
	CHECK_INT(prekey_update(rc.path, prekey_spk_deadline(&rc.st.spk[0]), rotate, NULL), XE2E_OK);
	CHECK(!any_stored_key_opens(&rc, &msg));
	buf_free(&msg);
	buf_free(&pt);
	party_free(&alice);
	receiver_free(&rc);
}
