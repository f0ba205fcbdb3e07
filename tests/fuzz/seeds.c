/*
 * Makes the seed corpus of the fuzz targets from the library itself, and
 * the fixtures the targets load when they are missing: `make fuzz-seeds`,
 * which runs `fuzz-seeds tests/fuzz`.
 *
 * Fixtures (fixtures/): Alice's and Bob's identities, and the two ends of
 * a ratchet conversation with its undelivered messages. They are made only
 * once, since seeds and kept regression inputs are made against them.
 * Seeds (corpus/NAME/): small valid inputs of each target, real ones where
 * the library makes them (handshake messages, session, trust, key and
 * secrets files), replaced on every run.
 */
#include "fuzz.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bundle.h"
#include "encoding.h"
#include "envelope.h"
#include "identity.h"
#include "openpgp_cred.h"
#include "prekey.h"
#include "replay_cache.h"
#include "rng.h"
#include "stanza_frame.h"
#include "verify_msg.h"
#include "x509.h"

/* The targets whose constants and helpers the seeds share. */
#include "fuzz_handshake.c"
#include "fuzz_keyfile.c"
#include "fuzz_noise.c"
#include "fuzz_ratchet_msg.c"
#include "fuzz_scram.c"
#include "fuzz_sig_der.c"
#include "fuzz_trustdb_import.c"
#include "fuzz_verify_run.c"

static const char *top; /* tests/fuzz */

void fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "fuzz-seeds: %s:%d: %s\n", file, line, what);
	exit(1);
}

static void die(const char *what, int err)
{
	fprintf(stderr, "fuzz-seeds: %s: %s (%s)\n", what, err_str(err), err_detail());
	exit(1);
}

static void mkdirs(const char *path)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s", path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST)
			die(p, XE2E_E_IO);
		*s = '/';
	}
	if (mkdir(p, 0755) != 0 && errno != EEXIST)
		die(p, XE2E_E_IO);
}

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Writes corpus/TARGET/NAME: the prefix byte (unless < 0), then data. */
static void seed(const char *target, const char *name, int prefix, const void *data, size_t len)
{
	char dir[1024], path[1200];
	struct buf b = BUF_INIT;

	snprintf(dir, sizeof(dir), "%s/corpus/%s", top, target);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	mkdirs(dir);
	if (prefix >= 0)
		buf_append_byte(&b, (uint8_t)prefix);
	buf_append(&b, data, len);
	if (fuzz_write_file(path, b.data ? b.data : (uint8_t *)"", b.len, 0644) != 0)
		die(path, XE2E_E_IO);
	buf_free(&b);
}

static void seed_str(const char *target, const char *name, int prefix, const char *text)
{
	seed(target, name, prefix, text, strlen(text));
}

/* ---- fixtures ---- */

static void fixture_identity(const char *name, const char *jid)
{
	static const char *const files[] = {"identity.key", "identity.crt", "device.key",
					    "device.binding"};
	struct identity id = IDENTITY_INIT;
	char dir[1024], src[1200], dst[1200], sub[64];
	int err;

	snprintf(dir, sizeof(dir), "%s/fixtures/%s", top, name);
	snprintf(dst, sizeof(dst), "%s/identity.key", dir);
	if (exists(dst))
		return;
	mkdirs(dir);
	snprintf(sub, sizeof(sub), "make-%s", name);
	if (fuzz_use_home(sub) != 0)
		die("home", XE2E_E_IO);
	if ((err = identity_create(jid, NULL, FUZZ_NOW - 86400, 0, &id)))
		die("identity_create", err);
	identity_free(&id);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		size_t n = 0;
		uint8_t *data;

		snprintf(src, sizeof(src), "%s/%s/%s", fuzz_home(), sub, files[i]);
		snprintf(dst, sizeof(dst), "%s/%s", dir, files[i]);
		data = fuzz_read_file(src, &n);
		if (!data || fuzz_write_file(dst, data, n, 0644) != 0)
			die(dst, XE2E_E_IO);
		free(data);
	}
}

static void rsend(struct ratchet_state *st, uint64_t now, const char *text, struct buf *out)
{
	int err = ratchet_encrypt(st, now, (const uint8_t *)text, strlen(text),
				  (const uint8_t *)FZ_RMSG_AD, sizeof(FZ_RMSG_AD) - 1, out);

	if (err)
		die("ratchet_encrypt", err);
}

static void rrecv(struct ratchet_state *st, uint64_t now, const struct buf *msg)
{
	struct buf pt = BUF_INIT;
	int err = ratchet_decrypt(st, now, msg->data, msg->len, (const uint8_t *)FZ_RMSG_AD,
				  sizeof(FZ_RMSG_AD) - 1, &pt, NULL);

	if (err)
		die("ratchet_decrypt", err);
	buf_free(&pt);
}

static void write_state(const char *name, const struct ratchet_state *st)
{
	char path[1200];
	struct buf text = BUF_INIT;
	int err = ratchet_serialize(st, &text);

	if (err)
		die("ratchet_serialize", err);
	snprintf(path, sizeof(path), "%s/fixtures/%s", top, name);
	if (fuzz_write_file(path, text.data, text.len, 0644) != 0)
		die(path, XE2E_E_IO);
	buf_free(&text);
}

/* A conversation with skipped keys, steps on both sides and messages in
 * flight both ways: the ends become fixtures, the messages in flight the
 * seeds of ratchet_msg (prefix 1: for b, 0: for a). */
static void fixture_ratchet(void)
{
	struct ratchet_start start;
	struct ratchet_state *a = NULL, *b = NULL;
	struct buf m[13];
	char path[1200];
	uint64_t t = FUZZ_NOW - 600;
	int err;

	snprintf(path, sizeof(path), "%s/fixtures/ratchet-a.state", top);
	if (exists(path))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(m); i++)
		m[i] = (struct buf)BUF_INIT;
	memset(&start, 0, sizeof(start));
	start.cipher = AEAD_CHACHAPOLY;
	err = rng_bytes(start.root_key, sizeof(start.root_key));
	if (!err)
		err = rng_bytes(start.chain_key, sizeof(start.chain_key));
	if (!err)
		err = x25519_keypair(start.r0_private, start.r0_public);
	if (!err)
		err = ratchet_tag_derive(start.root_key, start.tag);
	if (!err)
		err = ratchet_init(&a, RATCHET_INITIATOR, &start, t);
	if (!err)
		err = ratchet_init(&b, RATCHET_RESPONDER, &start, t);
	if (err)
		die("ratchet_init", err);
	for (int i = 1; i <= 5; i++)
		rsend(a, t + (uint64_t)i, "from a, first chain", &m[i]); /* a1..a5 */
	rrecv(b, t + 10, &m[1]);
	rrecv(b, t + 10, &m[3]);
	rsend(b, t + 11, "from b, epoch 0", &m[9]);  /* b1 */
	rsend(b, t + 12, "from b, epoch 0", &m[10]); /* b2 */
	rrecv(a, t + 20, &m[9]);
	rsend(a, t + 130, "from a, still epoch 1", &m[6]); /* a6 */
	rsend(b, t + 140, "from b, epoch 1", &m[11]);     /* b3: b steps */
	rrecv(a, t + 150, &m[11]);
	rsend(a, t + 200, "from a, epoch 2", &m[7]); /* a7: a steps */
	rsend(a, t + 201, "from a, epoch 2", &m[8]); /* a8 */
	rsend(b, t + 210, "from b, epoch 1 again", &m[12]); /* b4 */
	write_state("ratchet-a.state", a);
	write_state("ratchet-b.state", b);
	{
		static const int to_b[] = {2, 4, 5, 6, 7, 8}, to_a[] = {10, 12};
		char name[32];

		for (size_t i = 0; i < ARRAY_SIZE(to_b); i++) {
			snprintf(name, sizeof(name), "a%d-to-b", to_b[i]);
			seed("ratchet_msg", name, 1, m[to_b[i]].data, m[to_b[i]].len);
		}
		for (size_t i = 0; i < ARRAY_SIZE(to_a); i++) {
			snprintf(name, sizeof(name), "b%d-to-a", to_a[i] - 8);
			seed("ratchet_msg", name, 0, m[to_a[i]].data, m[to_a[i]].len);
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(m); i++)
		buf_free(&m[i]);
	ratchet_free(a);
	ratchet_free(b);
	wipe(&start, sizeof(start));
}

/* ---- seeds from the ratchet fixtures ---- */

/* The state with a pending SPAKE2 mix for its next root step. */
static void seed_ratchet_mix(const char *name, const uint8_t *text, size_t len)
{
	static const uint8_t ke[RATCHET_MIX_LEN] = {0x5a};
	struct ratchet_state *st;
	struct ratchet_info info;
	struct buf b = BUF_INIT;
	char path[1200];

	if (ratchet_parse((const char *)text, len, &st, NULL))
		die("ratchet_parse", XE2E_E_MALFORMED);
	ratchet_info_get(st, &info);
	if (ratchet_mix_set(st, info.root_step + 1, ke) || ratchet_serialize(st, &b))
		die("ratchet_mix_set", XE2E_E_STATE);
	snprintf(path, sizeof(path), "%s-mix", name);
	seed("ratchet_state", path, 0, b.data, b.len);
	ratchet_free(st);
	buf_free(&b);
}

static void seeds_ratchet(void)
{
	static const char *const names[] = {"ratchet-a.state", "ratchet-b.state"};
	struct ratchet_header h;
	struct ratchet_state *st;
	struct buf b = BUF_INIT;
	uint8_t hdr[RATCHET_HEADER_MAX];
	size_t len, used;
	char path[1200];

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		uint8_t *text;

		snprintf(path, sizeof(path), "%s/fixtures/%s", top, names[i]);
		text = fuzz_read_file(path, &len);
		if (!text)
			die(path, XE2E_E_IO);
		seed("ratchet_state", names[i], 0, text, len);
		buf_clear(&b);
		buf_append(&b, text, len);
		buf_append_str(&b, "xe2e something after the state\n");
		snprintf(path, sizeof(path), "%s-then-more", names[i]);
		seed("ratchet_state", path, 1, b.data, b.len);
		/* a message from this state's next send: its header */
		if (ratchet_parse((const char *)text, len, &st, NULL))
			die("ratchet_parse", XE2E_E_MALFORMED);
		buf_clear(&b);
		rsend(st, FZ_RMSG_NOW, "x", &b);
		if (ratchet_header_decode(&h, b.data, b.len, &used))
			die("ratchet_header_decode", XE2E_E_MALFORMED);
		snprintf(path, sizeof(path), "next-of-%s", names[i]);
		seed("ratchet_header", path, -1, b.data, used);
		ratchet_free(st);
		seed_ratchet_mix(names[i], text, len);
		free(text);
	}
	memset(&h, 0, sizeof(h));
	memcpy(h.tag, "\x01\x02\x03\x04", 4);
	h.sender_epoch = 0xffffffffu;
	h.ack_epoch = 127;
	h.n = 128;
	h.pn = 16384;
	h.has_key = 1;
	memset(h.key, 0x55, sizeof(h.key));
	h.has_restart = 1;
	h.restart_n = 300;
	ratchet_header_encode(&h, hdr, &len);
	seed("ratchet_header", "key-and-restart", -1, hdr, len);
	h.has_key = h.has_restart = 0;
	h.sender_epoch = h.ack_epoch = h.n = h.pn = 0;
	ratchet_header_encode(&h, hdr, &len);
	seed("ratchet_header", "zeros", -1, hdr, len);
	buf_free(&b);
}

/* ---- handshakes ---- */

struct hs_rec {
	uint8_t kind;
	struct buf body;
};

static uint8_t hs_kind(const struct handshake_msg *m)
{
	uint8_t kind = 0;

	while (kind < 7 && fz_hs_steps[kind] != m->step)
		kind++;
	for (int i = 0; i < 6; i++)
		if (m->reason && !strcmp(m->reason, fz_hs_reasons[i]))
			kind |= (uint8_t)(i << 3);
	return kind;
}

/* The records after the first get flags (0x80: from a stranger). */
static void hs_seed(const char *name, unsigned side, const struct handshake_msg *const *msgs,
		    int n, uint8_t flags)
{
	struct buf b = BUF_INIT;

	for (int i = 0; i < n; i++) {
		uint8_t head[3] = {(uint8_t)(hs_kind(msgs[i]) | (i > 0 ? flags : 0)), 0, 0};

		put_be16(head + 1, (uint16_t)msgs[i]->body.len);
		buf_append(&b, head, sizeof(head));
		buf_append(&b, msgs[i]->body.data, msgs[i]->body.len);
	}
	seed("handshake", name, (int)side, b.data, b.len);
	buf_free(&b);
}

static struct handshake *hs_make(unsigned side)
{
	struct handshake_config cfg;
	struct handshake *hs = NULL;
	int err;

	fz_hs_config(side, &cfg);
	if ((err = handshake_new(&hs, &cfg)))
		die("handshake_new", err);
	return hs;
}

/* Hands msg to hs from the other side; its answer goes to out. */
static void hs_pass(struct handshake *hs, unsigned side, const struct handshake_msg *msg,
		    struct handshake_msg *out)
{
	const char *from = side & FZ_HS_INITIATOR ? FZ_HS_BOB_FULL : FZ_HS_ALICE_FULL;
	int err = handshake_read(hs, from, msg->step, msg->body.data, msg->body.len, msg->reason,
				 out);

	if (err)
		die("handshake_read", err);
}

static void seed_session(const char *name, const struct handshake *hs)
{
	struct session s;
	struct session_outcome o;
	struct buf text = BUF_INIT;
	int err = handshake_session(hs, &s, &o);

	if (!err)
		err = session_format(&s, 64769, 1311, &text);
	if (err)
		die("session", err);
	seed("session", name, -1, text.data, text.len);
	session_free(&s);
	buf_free(&text);
}

/* The same session as one started from prekeys records it. */
static void seed_session_offline(const char *name, const struct handshake *hs)
{
	struct session s;
	struct session_outcome o;
	struct buf text = BUF_INIT;
	int err = handshake_session(hs, &s, &o);

	s.pattern = SESSION_PATTERN_OFFLINE;
	s.flags = TRUST_FLAG_OFFLINE_ORIGIN;
	s.commit = 12; /* written 12 times: the commit line */
	if (!err)
		err = session_format(&s, 64769, 1311, &text);
	if (err)
		die("session", err);
	seed("session", name, -1, text.data, text.len);
	session_free(&s);
	buf_free(&text);
}

/* A step 1 for the handshake_msg seeds: its offer and the whole body. */
static void seed_step1(const char *name, const struct handshake_msg *m)
{
	struct hs_step1 s1;
	char offer[64];

	if (hsmsg_step1_decode(m->body.data, m->body.len, &s1))
		die("hsmsg_step1_decode", XE2E_E_MALFORMED);
	seed("handshake_msg", name, 1, m->body.data, m->body.len);
	snprintf(offer, sizeof(offer), "offer-of-%s", name);
	seed("handshake_msg", offer, 0, s1.offer_bytes, s1.offer_len);
}

static void seeds_handshake_flows(void)
{
	struct handshake_msg m1 = HANDSHAKE_MSG_INIT, m2 = HANDSHAKE_MSG_INIT,
			     m3 = HANDSHAKE_MSG_INIT, m4 = HANDSHAKE_MSG_INIT,
			     m5 = HANDSHAKE_MSG_INIT;
	struct handshake_msg abort_msg = {HS_STEP_ABORT, BUF_INIT, HS_REASON_TRUST};
	struct handshake *a, *b;

	/* XX, first contact */
	a = hs_make(FZ_HS_INITIATOR);
	b = hs_make(0);
	if (handshake_start(a, &m1))
		die("handshake_start", XE2E_E_STATE);
	hs_pass(b, 0, &m1, &m2);
	hs_pass(a, FZ_HS_INITIATOR, &m2, &m3);
	hs_pass(b, 0, &m3, &m4);
	hs_pass(a, FZ_HS_INITIATOR, &m4, &m5);
	hs_seed("xx-step1", 0, (const struct handshake_msg *[]){&m1}, 1, 0);
	hs_seed("xx-step2-and-confirm", FZ_HS_INITIATOR,
		(const struct handshake_msg *[]){&m2, &m4}, 2, 0);
	hs_seed("xx-step1-and-3", 0, (const struct handshake_msg *[]){&m1, &m3}, 2, 0);
	hs_seed("xx-step3-from-stranger", 0, (const struct handshake_msg *[]){&m1, &m3}, 2, 0x80);
	hs_seed("xx-step2", FZ_HS_INITIATOR, (const struct handshake_msg *[]){&m2}, 1, 0);
	hs_seed("abort-trust", FZ_HS_INITIATOR, (const struct handshake_msg *[]){&abort_msg}, 1,
		0);
	seed_step1("xx", &m1);
	seed("handshake_msg", "xx-step1-payload", 2 + HS_PAYLOAD_XX1, m1.body.data + m1.body.len - 32,
	     32);
	seed_session("xx-initiator", a);
	seed_session("xx-responder", b);
	seed_session_offline("offline-responder", b);
	handshake_free(a);
	handshake_free(b);

	/* IK, known peers: Bob reads Alice's step 1 for real */
	a = hs_make(FZ_HS_INITIATOR | FZ_HS_KNOWS_PEER);
	b = hs_make(FZ_HS_KNOWS_PEER);
	if (handshake_start(a, &m1))
		die("handshake_start", XE2E_E_STATE);
	hs_pass(b, 0, &m1, &m2);
	hs_pass(a, FZ_HS_INITIATOR, &m2, &m3);
	hs_seed("ik-step1", FZ_HS_KNOWS_PEER, (const struct handshake_msg *[]){&m1}, 1, 0);
	hs_seed("ik-step2", FZ_HS_INITIATOR | FZ_HS_KNOWS_PEER,
		(const struct handshake_msg *[]){&m2}, 1, 0);
	seed_step1("ik", &m1);
	seed_session("ik-initiator", a);
	seed_session("ik-responder-pending", b);
	handshake_free(a);
	handshake_free(b);

	/* IK to a responder that does not know Alice: retry for XX, with a cookie */
	a = hs_make(FZ_HS_INITIATOR | FZ_HS_KNOWS_PEER);
	b = hs_make(0);
	if (handshake_start(a, &m1))
		die("handshake_start", XE2E_E_STATE);
	hs_pass(b, 0, &m1, &m2);
	hs_pass(a, FZ_HS_INITIATOR, &m2, &m3);
	hs_pass(b, 0, &m3, &m4);
	hs_seed("ik-retry-xx", 0, (const struct handshake_msg *[]){&m1, &m3}, 2, 0);
	hs_seed("retry-ik-to-xx", FZ_HS_INITIATOR | FZ_HS_KNOWS_PEER,
		(const struct handshake_msg *[]){&m2}, 1, 0);
	seed("handshake_msg", "retry-ik-to-xx", 2, m2.body.data, m2.body.len);
	seed_step1("xx-with-cookie", &m3);
	handshake_free(a);
	handshake_free(b);

	/* A responder that speaks only AESGCM: retry with another choice */
	a = hs_make(FZ_HS_INITIATOR);
	b = hs_make(FZ_HS_AES_ONLY);
	if (handshake_start(a, &m1))
		die("handshake_start", XE2E_E_STATE);
	hs_pass(b, 0, &m1, &m2);
	hs_pass(a, FZ_HS_INITIATOR, &m2, &m3);
	hs_pass(b, 0, &m3, &m4);
	hs_seed("choice-retry", FZ_HS_AES_ONLY, (const struct handshake_msg *[]){&m1, &m3}, 2, 0);
	hs_seed("retry-choice", FZ_HS_INITIATOR, (const struct handshake_msg *[]){&m2}, 1, 0);
	seed("handshake_msg", "retry-choice", 2, m2.body.data, m2.body.len);
	handshake_free(a);
	handshake_free(b);

	/* A responder with --protect-self swaps roles */
	a = hs_make(FZ_HS_INITIATOR);
	b = hs_make(FZ_HS_PROTECT);
	if (handshake_start(a, &m1))
		die("handshake_start", XE2E_E_STATE);
	hs_pass(b, 0, &m1, &m2);
	hs_pass(a, FZ_HS_INITIATOR, &m2, &m3);
	hs_seed("swap", FZ_HS_PROTECT, (const struct handshake_msg *[]){&m1}, 1, 0);
	hs_seed("swap-answered", FZ_HS_PROTECT, (const struct handshake_msg *[]){&m1, &m3}, 2, 0);
	hs_seed("swap-received", FZ_HS_INITIATOR, (const struct handshake_msg *[]){&m2}, 1, 0);
	handshake_free(a);
	handshake_free(b);
	buf_free(&m1.body);
	buf_free(&m2.body);
	buf_free(&m3.body);
	buf_free(&m4.body);
	buf_free(&m5.body);
}

/* An OpenPGP key and signature as a credential carries them: packet
 * headers and filler (the fuzz targets never give them to GnuPG). */
static const uint8_t fz_pgp_key[] = {0x98, 0x33, 0x04, 0x6a, 0x00, 0x00, 0x00, 0x16, 0x09,
				     0x2b, 0x06, 0x01, 0x04, 0x01, 0xda, 0x47, 0x0f, 0x01,
				     0xb4, 0x1e, 'A', 'l', 'i', 'c', 'e'};
static const uint8_t fz_pgp_sig[] = {0x88, 0x75, 0x04, 0x00, 0x16, 0x08, 0x00, 0x1d, 0x16,
				     0x21, 0x04, 0x01, 0x02, 0x03};

static void seeds_handshake_payloads(void)
{
	const struct identity *who[2] = {&fz_hs.alice, &fz_hs.bob};
	struct hs_payload p;
	struct buf b = BUF_INIT, chain = BUF_INIT;

	for (int k = HS_PAYLOAD_IK1; k <= HS_PAYLOAD_XX3; k++) {
		const struct identity *id = who[k == HS_PAYLOAD_XX2 || k == HS_PAYLOAD_IK2];
		char name[32];

		memset(&p, 0, sizeof(p));
		memcpy(p.fpr, id->id_fpr, FINGERPRINT_LEN);
		p.cred.kind = HS_CRED_KIND_KEY;
		memcpy(p.cred.identity_pub, id->id_pub, P256_PUB_LEN);
		p.cred.binding.device_id = load_be32(id->binding.device_id);
		p.cred.binding.created = id->binding.created;
		p.cred.binding.expires = id->binding.expires;
		memcpy(p.cred.binding.sig, id->binding.sig, P256_SIG_LEN);
		hsnego_lists_default(&p.lists);
		memset(p.r0, 0x77, sizeof(p.r0));
		buf_clear(&b);
		if (hsmsg_payload_encode((enum hs_payload_kind)k, &p, &b))
			die("hsmsg_payload_encode", XE2E_E_MALFORMED);
		snprintf(name, sizeof(name), "payload-%d", k);
		seed("handshake_msg", name, 2 + k, b.data, b.len);
		if (k != HS_PAYLOAD_XX2 && k != HS_PAYLOAD_XX3)
			continue;
		/* Kind 2: the identity's certificate twice, as leaf and intermediate. */
		buf_clear(&chain);
		buf_append(&chain, id->cert_der.data, id->cert_der.len);
		buf_append(&chain, id->cert_der.data, id->cert_der.len);
		p.cred.kind = HS_CRED_KIND_X509;
		p.cred.chain = chain.data;
		p.cred.chain_len = chain.len;
		buf_clear(&b);
		if (hsmsg_payload_encode((enum hs_payload_kind)k, &p, &b))
			die("hsmsg_payload_encode", XE2E_E_MALFORMED);
		snprintf(name, sizeof(name), "payload-%d-chain", k);
		seed("handshake_msg", name, 2 + k, b.data, b.len);
		/* Kind 3: the identity key and an OpenPGP key and signature (opaque
		 * bytes here: GnuPG reads them). */
		p.cred.kind = HS_CRED_KIND_OPENPGP;
		p.cred.pgp_created = FUZZ_NOW - 3600;
		p.cred.pgp_key = fz_pgp_key;
		p.cred.pgp_key_len = sizeof(fz_pgp_key);
		p.cred.pgp_sig = fz_pgp_sig;
		p.cred.pgp_sig_len = sizeof(fz_pgp_sig);
		buf_clear(&b);
		if (hsmsg_payload_encode((enum hs_payload_kind)k, &p, &b))
			die("hsmsg_payload_encode", XE2E_E_MALFORMED);
		snprintf(name, sizeof(name), "payload-%d-openpgp", k);
		seed("handshake_msg", name, 2 + k, b.data, b.len);
		if (k == HS_PAYLOAD_XX3)
			seed("openpgp", "payload-alice", 0, b.data + 1, b.len - 1);
	}
	buf_free(&b);
	buf_free(&chain);
}

/* ---- files ---- */

static void seed_file(const char *target, const char *name, int prefix, const char *path)
{
	size_t n = 0;
	uint8_t *data = fuzz_read_file(path, &n);

	if (!data)
		die(path, XE2E_E_IO);
	seed(target, name, prefix, data, n);
	free(data);
}

static void seeds_identity_files(void)
{
	char path[1200];
	struct buf b = BUF_INIT, k = BUF_INIT;
	struct x509_cert_info info;
	const struct identity *a = &fz_hs.alice;
	uint8_t key[KEYFILE_KEY_LEN];
	int err;

	snprintf(path, sizeof(path), "%s/fixtures/alice/identity.key", top);
	seed_file("keyfile", "identity.key", -1, path);
	snprintf(path, sizeof(path), "%s/fixtures/alice/device.key", top);
	seed_file("keyfile", "device.key", -1, path);
	memset(key, 0x3c, sizeof(key));
	err = keyfile_encode(KEYFILE_P256, key, FZ_KEYFILE_PASS, strlen(FZ_KEYFILE_PASS), 1000, &k);
	if (err)
		die("keyfile_encode", err);
	seed("keyfile", "protected-p256", -1, k.data, k.len);
	buf_clear(&k);
	err = keyfile_encode(KEYFILE_X25519, key, FZ_KEYFILE_PASS, strlen(FZ_KEYFILE_PASS), 1000,
			     &k);
	if (err)
		die("keyfile_encode", err);
	seed("keyfile", "protected-x25519", -1, k.data, k.len);

	snprintf(path, sizeof(path), "%s/fixtures/alice/device.binding", top);
	seed_file("binding", "alice-text", 1, path);
	snprintf(path, sizeof(path), "%s/fixtures/bob/device.binding", top);
	seed_file("binding", "bob-text", 1, path);
	if (identity_binding_encode(&a->binding, &b))
		die("identity_binding_encode", XE2E_E_MALFORMED);
	seed("binding", "alice-binary", 0, b.data, b.len);

	buf_clear(&b);
	if (p256_spki_der(a->id_pub, &b))
		die("p256_spki_der", XE2E_E_MALFORMED);
	seed("spki", "alice-spki", -1, b.data, b.len);
	seed("spki", "alice-point", -1, a->id_pub, P256_PUB_LEN);

	snprintf(path, sizeof(path), "%s/fixtures/alice/identity.crt", top);
	seed_file("x509", "alice-pem", -1, path);
	{
		/* Two certificates one after the other, as a chain from a CA. */
		char bob[1200];
		size_t n = 0, m = 0;
		uint8_t *pa = fuzz_read_file(path, &n), *pb;

		snprintf(bob, sizeof(bob), "%s/fixtures/bob/identity.crt", top);
		pb = fuzz_read_file(bob, &m);
		if (!pa || !pb)
			die("identity.crt", XE2E_E_IO);
		buf_clear(&b);
		buf_append(&b, pa, n);
		buf_append(&b, pb, m);
		seed("x509", "alice-bob-chain-pem", -1, b.data, b.len);
		free(pa);
		free(pb);
	}
	{
		size_t n = 0;
		uint8_t *pem = fuzz_read_file(path, &n);

		if (!pem || x509_cert_read(pem, n, &info))
			die("x509_cert_read", XE2E_E_MALFORMED);
		seed("x509", "alice-der", -1, info.der.data, info.der.len);
		x509_cert_info_free(&info);
		free(pem);
	}
	buf_free(&b);
	buf_free(&k);
}

static void seeds_openpgp(void)
{
	struct openpgp_cred c = OPENPGP_CRED_INIT;
	struct buf b = BUF_INIT;

	strcpy(c.fpr, "0123456789ABCDEF0123456789ABCDEF01234567");
	c.created = FUZZ_NOW - 3600;
	buf_append(&c.key, fz_pgp_key, sizeof(fz_pgp_key));
	buf_append(&c.sig, fz_pgp_sig, sizeof(fz_pgp_sig));
	if (openpgp_cred_format(&c, FZ_HS_ALICE, fz_hs.alice.id_fpr, &b))
		die("openpgp_cred_format", XE2E_E_MALFORMED);
	seed("openpgp", "file-alice", 1, b.data, b.len);
	seed_str("openpgp", "uid-name", 2, "Alice <xmpp:alice@capulet.lit>");
	seed_str("openpgp", "uid-bare", 2, "xmpp:alice@capulet.lit");
	openpgp_cred_free(&c);
	buf_free(&b);
}

static void seeds_trust(void)
{
	struct trust_db db = TRUST_DB_INIT;
	struct buf b = BUF_INIT;
	uint8_t old[FINGERPRINT_LEN];
	int err;

	err = fz_hs_knows(&db, &fz_hs.alice);
	if (!err)
		err = fz_hs_knows(&db, &fz_hs.bob);
	memset(old, 0xee, sizeof(old));
	if (!err)
		err = trust_peer_add(&db, FZ_HS_BOB, old, TRUST_REVOKED, FUZZ_NOW - 999999, NULL);
	if (!err)
		err = trust_peer_set_level(&db, FZ_HS_ALICE, fz_hs.alice.id_fpr, TRUST_VERIFIED);
	if (!err)
		err = trust_peer_set_flags(&db, FZ_HS_BOB, fz_hs.bob.id_fpr,
					   TRUST_FLAG_RS_RESET | TRUST_FLAG_OFFLINE_ORIGIN);
	if (!err)
		err = trust_peer_add(&db, "example.org", old, TRUST_PINNED, FUZZ_NOW, NULL);
	if (!err)
		err = trust_format(&db, &b);
	if (err)
		die("trust", err);
	seed("trust", "two-peers", -1, b.data, b.len);
	buf_append_str(&b, "# a comment\n\n");
	seed("trust", "with-comment", -1, b.data, b.len);
	buf_clear(&b);
	buf_append_str(&b, TRUST_HEADER "\n");
	seed("trust", "empty", -1, b.data, b.len);
	trust_free(&db);
	buf_free(&b);
}

/* An exchange of RFC 5802 (SHA-1) or RFC 7677 (SHA-256): the published
 * server-first, and the server-final the library computes for it. */
static void seed_scram(const char *name, int flags, const char *server_first, const char *final)
{
	enum scram_alg alg = flags & 1 ? SCRAM_SHA256 : SCRAM_SHA1;
	struct scram s = SCRAM_INIT;
	struct buf b = BUF_INIT, out = BUF_INIT;
	char sig[64];
	size_t n = strlen(server_first);
	int err = scram_start(&s, alg, FZ_SCRAM_USER,
			      alg == SCRAM_SHA1 ? FZ_SCRAM_NONCE_SHA1 : FZ_SCRAM_NONCE_SHA256, &out);

	buf_clear(&out);
	if (!err)
		err = scram_respond(&s, FZ_SCRAM_PASSWORD, (const uint8_t *)server_first, n, &out);
	if (!err)
		err = b64_encode(s.server_sig, alg == SCRAM_SHA1 ? 20 : 32, sig, sizeof(sig));
	if (err)
		die("scram", err);
	buf_append_byte(&b, (uint8_t)(n >> 8));
	buf_append_byte(&b, (uint8_t)n);
	buf_append_str(&b, server_first);
	if (final)
		buf_append_str(&b, final);
	else
		buf_printf(&b, "v=%s", sig);
	seed("scram", name, flags, b.data, b.len);
	scram_wipe(&s);
	buf_free(&b);
	buf_free(&out);
}

static void seeds_scram(void)
{
	static const char sha1[] =
		"r=" FZ_SCRAM_NONCE_SHA1 "3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096";
	static const char sha256[] = "r=" FZ_SCRAM_NONCE_SHA256
				     "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";

	seed_scram("rfc5802", 0, sha1, NULL);
	seed_scram("rfc7677", 1, sha256, NULL);
	seed_scram("rfc7677-parse-only", 3, sha256, NULL);
	seed_scram("rfc7677-server-error", 1, sha256, "e=invalid-proof");
	seed_scram("rfc5802-extension", 0,
		   "r=" FZ_SCRAM_NONCE_SHA1 "3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096,x=1",
		   NULL);
}

/* The export of a store: fn(db) changes the base store first. */
static void seed_trustdb_export(const char *name, int (*fn)(struct trust_db *db))
{
	struct trust_db db = TRUST_DB_INIT;
	struct buf text = BUF_INIT, out = BUF_INIT;
	char path[STORE_PATH_MAX], *argv[] = {"export"};
	int err = fz_tdi_base(&db);

	if (!err && fn)
		err = fn(&db);
	if (!err)
		err = trust_default_path(path);
	if (!err)
		err = trust_format(&db, &text);
	if (!err && fuzz_write_file(path, text.data, text.len, 0644))
		err = XE2E_E_IO;
	if (!err)
		err = fz_tdi_exec(1, argv, &out);
	if (err)
		die("trustdb export", err);
	seed("trustdb_import", name, -1, out.data, out.len);
	trust_free(&db);
	buf_free(&text);
	buf_free(&out);
}

/* New peers and devices, a newer binding for Alice's device, a flag. */
static int tdi_more(struct trust_db *db)
{
	struct trust_device d = {FZ_TDI_DEVICE, {0}, FUZZ_NOW, 0};
	uint8_t fa[FINGERPRINT_LEN], fb[FINGERPRINT_LEN], fc[FINGERPRINT_LEN];
	int err;

	memset(fa, 0xa1, sizeof(fa));
	memset(fb, 0xb0, sizeof(fb));
	memset(fc, 0xc0, sizeof(fc));
	memset(d.pub, 0x22, sizeof(d.pub));
	err = trust_device_upsert(db, FZ_TDI_ALICE, fa, &d);
	if (!err)
		err = trust_peer_set_flags(db, FZ_TDI_BOB, fb, TRUST_FLAG_RS_RESET);
	if (!err)
		err = trust_peer_add(db, "carol@capulet.lit", fc, TRUST_TOFU, FUZZ_NOW, NULL);
	d.id = 0x0000cafe;
	memset(d.pub, 0x33, sizeof(d.pub));
	if (!err)
		err = trust_device_upsert(db, "carol@capulet.lit", fc, &d);
	d.id = 0xffffffff;
	d.expires = FUZZ_NOW + 1;
	memset(d.pub, 0x44, sizeof(d.pub));
	if (!err)
		err = trust_device_upsert(db, "carol@capulet.lit", fc, &d);
	return err;
}

/* Alice at another level than the store's: refused. */
static int tdi_conflict(struct trust_db *db)
{
	uint8_t fa[FINGERPRINT_LEN];

	memset(fa, 0xa1, sizeof(fa));
	return trust_peer_set_level(db, FZ_TDI_ALICE, fa, TRUST_PINNED);
}

static int tdi_empty(struct trust_db *db)
{
	trust_free(db);
	return XE2E_OK;
}

static void seeds_trustdb_import(void)
{
	if (fuzz_use_home("make-trustdb") != 0)
		die("home", XE2E_E_IO);
	seed_trustdb_export("own-export", NULL);
	seed_trustdb_export("more-peers-and-devices", tdi_more);
	seed_trustdb_export("another-level", tdi_conflict);
	seed_trustdb_export("empty", tdi_empty);
}

static void seeds_secrets(void)
{
	char psks[1024], rs[1024];
	uint8_t k[PSK_LEN];
	const uint8_t *fa = fz_hs.alice.id_fpr, *fb = fz_hs.bob.id_fpr;
	struct buf b = BUF_INIT;
	int err;

	if (fuzz_use_home("make-secrets") != 0)
		die("home", XE2E_E_IO);
	snprintf(psks, sizeof(psks), "%s/make-secrets/psks", fuzz_home());
	snprintf(rs, sizeof(rs), "%s/make-secrets/retained", fuzz_home());
	memset(k, 0x21, sizeof(k));
	err = psk_set(psks, FZ_HS_ALICE, k);
	memset(k, 0x43, sizeof(k));
	if (!err)
		err = psk_set(psks, FZ_HS_BOB, k);
	memset(k, 0x65, sizeof(k));
	if (!err)
		err = rs_rotate_after_success(rs, fa, 0x01020304, k);
	memset(k, 0x87, sizeof(k));
	if (!err)
		err = rs_rotate_after_success(rs, fa, 0x01020304, k);
	if (!err)
		err = rs_store_provisional(rs, fb, 0xa0b0c0d0, k);
	if (err)
		die("secrets", err);
	seed_file("secrets", "psks", 1, psks);
	seed_file("secrets", "retained", 0, rs);
	{
		size_t n = 0;
		uint8_t *data = fuzz_read_file(psks, &n);

		buf_append(&b, data, n);
		buf_append_str(&b, "# comment\n\n");
		seed("secrets", "psks-comment", 1, b.data, b.len);
		free(data);
	}
	buf_free(&b);
}

static void seeds_replay_cache(void)
{
	char path[1024];
	uint8_t key[REPLAY_CACHE_KEY_LEN];
	int err;

	if (fuzz_use_home("make-replay") != 0)
		die("home", XE2E_E_IO);
	snprintf(path, sizeof(path), "%s/make-replay/%s", fuzz_home(), REPLAY_CACHE_FILE);
	memset(key, 0xcd, sizeof(key));
	err = replay_cache_check_add(path, key, FUZZ_NOW - 100, NULL);
	if (err)
		die("replay_cache", err);
	seed_file("replay_cache", "other-key", 0, path);
	seed_file("replay_cache", "other-key-small", 1, path);
	memset(key, 0xab, sizeof(key));
	if ((err = replay_cache_check_add(path, key, FUZZ_NOW - 50, NULL)))
		die("replay_cache", err);
	seed_file("replay_cache", "replayed", 0, path);
	seed_str("replay_cache", "empty", 0, "xe2e ik-replay v1\n");
}

/* ---- prekeys and offline messages ---- */

static void seed_bundle(const char *name, const struct bundle *b)
{
	struct buf x = BUF_INIT;

	if (bundle_format(b, &x))
		die("bundle_format", XE2E_E_MALFORMED);
	seed("bundle", name, -1, x.data, x.len);
	buf_free(&x);
}

/* Alice's bundles, full and minimal, signed with her fixture identity key;
 * and a prekey store holding the private halves. */
static void seeds_prekeys(void)
{
	struct identity id = IDENTITY_INIT;
	struct prekey_store st = PREKEY_STORE_INIT;
	struct prekey_spk *spk = NULL;
	struct bundle *b = calloc(1, sizeof(*b));
	struct buf text = BUF_INIT;
	uint8_t priv[X25519_LEN], ek[X25519_LEN];
	int err;

	if (!b || fuzz_use_home("hs-alice") != 0)
		die("bundle", XE2E_E_NOMEM);
	err = identity_load(&id, IDENTITY_LOAD_IDENTITY_KEY, NULL, FUZZ_NOW);
	if (!err)
		err = prekey_spk_add(&st, FUZZ_NOW - 3600, &spk);
	if (err)
		die("prekeys", err);
	bundle_init(b);
	b->form = BUNDLE_FULL;
	memcpy(b->jid, id.jid, sizeof(b->jid));
	b->device_id = load_be32(id.binding.device_id);
	memcpy(b->id_pub, id.id_pub, P256_PUB_LEN);
	memcpy(b->device_pub, id.binding.device_pub, X25519_LEN);
	b->binding_created = id.binding.created;
	b->binding_expires = id.binding.expires;
	memcpy(b->binding_sig, id.binding.sig, P256_SIG_LEN);
	b->spk_id = spk->id;
	b->spk_created = spk->created;
	b->spk_expires = spk->expires;
	err = x25519_public(b->spk_pub, spk->priv);
	if (!err)
		err = bundle_spk_sign(id.id_key, b->jid, b->device_id, b->spk_id, b->spk_pub,
				      b->spk_created, b->spk_expires, b->spk_sig);
	memcpy(spk->sig, b->spk_sig, P256_SIG_LEN);
	if (!err)
		err = prekey_opk_add(&st, FUZZ_NOW - 3600, 3, NULL);
	for (size_t i = 0; !err && i < st.n_opk; i++) {
		b->opk[i].id = st.opk[i].id;
		b->opk[i].expires = st.opk[i].expires;
		err = x25519_public(b->opk[i].pub, st.opk[i].priv);
		b->n_opk++;
	}
	if (err)
		die("bundle", err);
	seed_bundle("alice-full", b);
	b->form = BUNDLE_MINIMAL;
	if ((err = bundle_seal_identity(b, id.id_pub)))
		die("bundle_seal_identity", err);
	seed_bundle("alice-minimal", b);
	b->n_opk = 0;
	seed_bundle("alice-minimal-no-prekeys", b);

	if ((err = prekey_format(&st, &text)))
		die("prekey_format", err);
	seed("prekey_store", "fresh", -1, text.data, text.len);
	err = prekey_opk_consume(&st, st.opk[0].id);
	if (!err)
		err = x25519_keypair(priv, ek);
	if (!err)
		err = prekey_seen_add(&st, st.spk[0].id, ek, ek, 1, "seed");
	buf_clear(&text);
	if (!err)
		err = prekey_format(&st, &text);
	if (err)
		die("prekeys", err);
	seed("prekey_store", "used-and-seen", -1, text.data, text.len);

	/* offline headers: with and without a one-time prekey */
	buf_clear(&text);
	buf_append(&text, (const uint8_t[]){1, 1, 1}, 3);
	buf_append_u32(&text, b->spk_id);
	buf_append_u32(&text, 0x0a0b0c0d);
	buf_append(&text, ek, sizeof(ek));
	for (int i = 0; i < 230; i++)
		buf_append_byte(&text, (uint8_t)i);
	seed("offline_header", "with-opk", -1, text.data, text.len);
	buf_clear(&text);
	buf_append(&text, (const uint8_t[]){1, 2, 0}, 3);
	buf_append_u32(&text, b->spk_id);
	buf_append(&text, ek, sizeof(ek));
	for (int i = 0; i < 230; i++)
		buf_append_byte(&text, (uint8_t)i);
	seed("offline_header", "without-opk", -1, text.data, text.len);

	wipe(priv, sizeof(priv));
	prekey_store_free(&st);
	bundle_free(b);
	free(b);
	buf_free(&text);
	identity_free(&id);
}

/* ---- stanzas around the seal ---- */

static void seed_node(const char *target, const char *name, int prefix, const struct xml_node *n)
{
	struct buf x = BUF_INIT;

	if (xml_serialize(n, &x))
		die("xml_serialize", XE2E_E_MALFORMED);
	seed(target, name, prefix, x.data, x.len);
	buf_free(&x);
}

static void seeds_stanzas(void)
{
	static const char *const plain[] = {
		("<message><body>Hello, Bob!</body>"
		 "<active xmlns='http://jabber.org/protocol/chatstates'/></message>"),
		"<presence><show>away</show><status>out</status></presence>",
		"<iq><query xmlns='jabber:iq:version'><name>xe2e</name></query></iq>",
	};
	struct envelope_addr a = {STANZA_MESSAGE, "bob@montague.lit/garden",
				  "alice@capulet.lit/balcony", "chat", "m1"};
	struct verify_msg m;
	struct xml_node *n = NULL, *ctrl = NULL;
	struct buf frame = BUF_INIT;
	uint8_t wire[80];
	char name[32];
	int err;

	memset(wire, 0x5c, sizeof(wire));
	if ((err = envelope_build(&a, wire, sizeof(wire), "[encrypted]", &n)))
		die("envelope_build", err);
	seed_node("stanza", "sealed-message", -1, n);
	xml_free(n);
	if ((err = envelope_build_ratchet(a.to, a.from, wire, sizeof(wire), &n)))
		die("envelope_build_ratchet", err);
	seed_node("stanza", "ratchet-stanza", -1, n);
	xml_free(n);
	seed_str("stanza", "bounce", -1,
		 "<message from='bob@montague.lit/garden' to='alice@capulet.lit/balcony' "
		 "type='error' id='m1'><sealed xmlns='urn:xe2e:1'>AAAA</sealed><error "
		 "type='cancel'><service-unavailable "
		 "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>");
	memset(&m, 0, sizeof(m));
	m.method = VERIFY_SAS;
	m.step = VERIFY_SAS_COMMIT;
	m.len = 32;
	memset(m.body, 0x11, m.len);
	if ((err = verify_msg_build(&m, &ctrl)))
		die("verify_msg_build", err);
	n = xml_element_new("message", XML_NS_CLIENT);
	if (!n || xml_set_attr(n, "type", "chat") || xml_append_child(n, ctrl))
		die("xml", XE2E_E_NOMEM);
	seed_node("stanza", "sas-commit", -1, n);
	xml_free(n);
	verify_msg_result(&m, VERIFY_SPAKE2, VERIFY_ANSWER_NO, VERIFY_REASON_SECRET);
	if ((err = verify_msg_build(&m, &ctrl)))
		die("verify_msg_build", err);
	n = xml_element_new("message", XML_NS_CLIENT);
	if (!n || xml_set_attr(n, "type", "chat") || xml_append_child(n, ctrl))
		die("xml", XE2E_E_NOMEM);
	seed_node("stanza", "spake2-result", -1, n);
	xml_free(n);

	for (size_t i = 0; i < ARRAY_SIZE(plain); i++) {
		if ((err = xml_parse_element(plain[i], strlen(plain[i]), NULL, &n)))
			die("xml_parse_element", err);
		buf_clear(&frame);
		if ((err = stanza_frame_encode(n, &frame)) || (err = stanza_frame_pad(&frame, 1u << 20)))
			die("stanza_frame", err);
		snprintf(name, sizeof(name), "frame-%zu", i);
		seed("stanza_frame", name, (int)i, frame.data, frame.len);
		xml_free(n);
	}
	buf_clear(&frame);
	if ((err = stanza_frame_ratchet(&frame)))
		die("stanza_frame_ratchet", err);
	seed("stanza_frame", "ratchet", 0, frame.data, frame.len);
	buf_free(&frame);
}

/* ---- verification runs and XMPP features ---- */

static void seeds_verify(void)
{
	struct spake2 a, b;
	uint8_t pa[SPAKE2_MSG_LEN], pb[SPAKE2_MSG_LEN], conf[SPAKE2_CONF_LEN], w[32], xa[32],
		yb[32], hh[32], na[SAS_NONCE_LEN], msg[2 * SAS_MSG_LEN],
		sp[SPAKE2_MSG_LEN + SPAKE2_CONF_LEN];
	int err;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	err = fz_vrun_spake2_side(&a, SPAKE2_ROLE_A);
	if (!err)
		err = fz_vrun_spake2_side(&b, SPAKE2_ROLE_B);
	if (!err)
		err = spake2_message(&a, pa);
	if (!err)
		err = spake2_message(&b, pb);
	if (!err)
		err = spake2_process(&a, pb, sizeof(pb));
	if (!err)
		err = spake2_confirm(&a, conf);
	if (err)
		die("spake2", err);
	memcpy(sp, pa, sizeof(pa));
	memcpy(sp + sizeof(pa), conf, sizeof(conf));
	seed("verify_run", "spake2-share-and-confirm", 0, sp, sizeof(sp));
	spake2_wipe(&a);
	spake2_wipe(&b);

	fz_vrun_fixed(w, xa, yb, hh);
	memset(na, 0x6e, sizeof(na));
	msg[0] = SAS_MSG_COMMIT;
	if ((err = sas_commitment(hh, na, msg + 1)))
		die("sas_commitment", err);
	msg[SAS_MSG_LEN] = SAS_MSG_REVEAL;
	memcpy(msg + SAS_MSG_LEN + 1, na, sizeof(na));
	seed("verify_run", "sas-commit-and-reveal", 1, msg, sizeof(msg));
	msg[0] = SAS_MSG_NONCE;
	seed("verify_run", "sas-nonce", 2, msg, SAS_MSG_LEN);
	seed_str("verify_run", "code", 3, "K7M2-X9QP");
	seed_str("verify_run", "code-typed", 3, "k7m2 x9qo");

	seed_str("xmpp_features", "before-tls", -1,
		 "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>"
		 "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
		 "</stream:features>");
	seed_str("xmpp_features", "sasl", -1,
		 "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>"
		 "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
		 "<mechanism>SCRAM-SHA-256-PLUS</mechanism><mechanism>SCRAM-SHA-256</mechanism>"
		 "<mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism></mechanisms>"
		 "</stream:features>");
	seed_str("xmpp_features", "bind", -1,
		 "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>"
		 "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
		 "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session>"
		 "</stream:features>");
}

/* ---- small values ---- */

static void seeds_sig_der(void)
{
	uint8_t sig[64], der[80];
	size_t n = 0;
	char name[32];

	for (int i = 0; i < 6; i++) {
		struct p256_key *key = NULL;
		int err = p256_generate(&key);

		if (!err)
			err = p256_sign(key, FZ_SIG_MSG, strlen(FZ_SIG_MSG), sig);
		if (err)
			die("p256", err);
		n = fz_sig_der(sig, der);
		snprintf(name, sizeof(name), "sig-%d", i);
		seed("sig_der", name, -1, der, n);
		p256_free(key);
	}
	/* the last one with a needless leading zero in r: must be refused */
	memmove(der + 5, der + 4, n - 4);
	der[1]++;
	der[3]++;
	der[4] = 0;
	seed("sig_der", "sig-leading-zero", -1, der, n + 1);
}

static void seeds_text(void)
{
	static const char *const jids[] = {
		"alice@capulet.lit/balcony", "Juliet@Capulet.LIT", "example.org",
		"montague.lit.", "bob@montague.lit/garden/with/slashes",
		"\xc3\xb1" "and\xc3\xba@\xe4\xbe\x8b\xe3\x81\x88.test/r\xc3\xa9" "sum\xc3\xa9",
		"a@b", "@example.org", "x@y/",
	};
	static const char *const b64[] = {"", "Zg==", "Zm8=", "Zm9v", "AAECAwQFBgcICQoLDA0ODw=="};
	static const uint8_t psk[PSK_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
	char text[PSK_TEXT_LEN], fpr[FINGERPRINT_TEXT_LEN], name[32];

	for (size_t i = 0; i < ARRAY_SIZE(jids); i++) {
		snprintf(name, sizeof(name), "jid-%zu", i);
		seed_str("jid", name, -1, jids[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(b64); i++) {
		snprintf(name, sizeof(name), "b64-%zu", i);
		seed_str("base64", name, -1, b64[i]);
	}
	if (psk_format(psk, text))
		die("psk_format", XE2E_E_MALFORMED);
	seed_str("psk_text", "psk", -1, text);
	fingerprint_format(fz_hs.alice.id_fpr, fpr);
	seed_str("hex", "fingerprint-grouped", -1, fpr);
	hex_encode(fz_hs.alice.id_fpr, FINGERPRINT_LEN, fpr);
	seed_str("hex", "fingerprint-plain", -1, fpr);
	seed_str("hex", "mixed-case", -1, "00fF7a");
	seed_str("hex", "colons", -1,
		 "AB:CD:EF:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:"
		 "ab:cd:ef:01:23:45:67:89");
}

static void seeds_xml(void)
{
	static const char *const stanzas[] = {
		"<message to='bob@montague.lit' from='alice@capulet.lit/balcony' type='chat' "
		"id='m1'><body>Hello, Bob!</body></message>",
		"<presence from='alice@capulet.lit/balcony' to='bob@montague.lit/garden'>"
		"<show>away</show><status xml:lang='en'>at the &lt;balcony&gt; &amp; "
		"&#x263A;</status></presence>",
		"<iq type='get' id='v1' to='montague.lit'><query xmlns='jabber:iq:version'/></iq>",
		"<message to='bob@montague.lit' type='chat'><handshake xmlns='urn:xe2e:1' "
		"step='1'>AQIDBA==</handshake><no-permanent-store xmlns='urn:xmpp:hints'/>"
		"<private xmlns='urn:xmpp:carbons:2'/></message>",
		"<message xmlns='jabber:client' xmlns:x='urn:x' x:a='1'><x:y><![CDATA[<not> a "
		"tag]]></x:y><z xmlns=''>t&#13;&#10;\t</z></message>",
		"<?xml version='1.0'?>\n<stream:stream xmlns='jabber:client' "
		"xmlns:stream='http://etherx.jabber.org/streams' to='example.org' "
		"version='1.0'/>",
	};
	struct buf b = BUF_INIT;
	char name[32];

	for (size_t i = 0; i < ARRAY_SIZE(stanzas); i++) {
		snprintf(name, sizeof(name), "stanza-%zu", i);
		seed_str("xml", name, -1, stanzas[i]);
	}
	for (size_t i = 0; i + 1 < ARRAY_SIZE(stanzas); i++)
		buf_printf(&b, "%s\n", stanzas[i]);
	seed("xml_reader", "bare", 0, b.data, b.len);
	seed("xml_reader", "bare-exact", 1, b.data, b.len);
	seed("xml_reader", "bare-small", 2, b.data, b.len);
	seed("xmpp_frame", "bare-at-once", 0x40, b.data, b.len);
	seed("xmpp_frame", "bare-pieces-of-13", 0x0c, b.data, b.len);
	buf_clear(&b);
	buf_printf(&b, "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
		       "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>%s%s"
		       "</stream:stream>",
		   stanzas[0], stanzas[2]);
	seed("xml_reader", "stream", 0, b.data, b.len);
	seed("xml_reader", "stream-exact-small", 3, b.data, b.len);
	seed("xmpp_frame", "stream-bytewise", 0x00, b.data, b.len);
	seed("xmpp_frame", "stream-pieces-of-7", 0x06, b.data, b.len);
	seed("xmpp_frame", "stream-required", 0x80 | 0x40, b.data, b.len);
	buf_free(&b);
}

static void seeds_noise(void)
{
	uint8_t m[3][256];
	size_t len[3];
	char name[32];

	for (int p = 0; p < 4; p++) {
		int last = p >= 2 ? 2 : 3;

		for (int msg = 1; msg <= last; msg++) {
			if (fz_noise_prepare(p, msg, NULL, m, len))
				die("noise", XE2E_E_STATE);
			snprintf(name, sizeof(name), "%s-msg%d", fz_noise_protocols[p] + 6, msg);
			seed("noise", name, p | ((msg - 1) << 2), m[msg - 1], len[msg - 1]);
		}
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: fuzz-seeds TESTS_FUZZ_DIR\n");
		return 2;
	}
	top = argv[1];
	setenv("XE2E_FUZZ_DIR", top, 1);
	fixture_identity("alice", FZ_HS_ALICE);
	fixture_identity("bob", FZ_HS_BOB);
	fixture_ratchet();
	if (fz_hs_setup())
		die("fixtures", XE2E_E_IO);
	seeds_ratchet();
	seeds_handshake_flows();
	seeds_handshake_payloads();
	seeds_identity_files();
	seeds_openpgp();
	seeds_trust();
	seeds_trustdb_import();
	seeds_scram();
	seeds_secrets();
	seeds_replay_cache();
	seeds_prekeys();
	seeds_stanzas();
	seeds_verify();
	seeds_sig_der();
	seeds_text();
	seeds_xml();
	seeds_noise();
	return 0;
}
