#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "identity.h"
#include "keyfile.h"
#include "rng.h"
#include "store.h"
#include "unit.h"
#include "unit_ops.h"
#include "util.h"
#include "x509.h"

/*
 * A binding made independently of this code (Python's cryptography
 * package, ECDSA P-256 with SHA-256, following the layout in identity.h):
 * JID alice@capulet.lit, device id 01020304, device key 01 02 .. 20,
 * created 1700000000, expires 730 days later.
 */
static const char vector_pub[] =
	"04c71a9753542aee16765b8d4f911f6bd21dacd94615fe1b1d6313f0934217ba79"
	"494fef7bb89edc64be3e51ad65de0322c829ee325f8748bc6d5219e024222eef";
static const char vector_text[] =
	"xe2e device-binding v1\n"
	"jid: alice@capulet.lit\n"
	"device-id: 01020304\n"
	"device-key: AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=\n"
	"created: 1700000000\n"
	"expires: 1763072000\n"
	"signature: pKK28ehSs+SCggKkM8bWptQewoLB4bydoIz56r9mpMzDBQSFkCf82D4xr8s/cBB+Pi3/w6Wznmfnil5iTv5INg==\n";
static const char vector_binary[] =
	"010011616c69636540636170756c65742e6c6974010203040102030405060708090a0b0c0d0e0f"
	"101112131415161718191a1b1c1d1e1f20000000006553f1000000000069165800a4a2b6f1e852"
	"b3e4828202a433c6d6a6d41ec282c1e1bc9da08cf9eabf66a4ccc30504859027fcd83e31afcb3f"
	"70107e3e2dffc3a5b39e67e78a5e624efe4836";

#define NOW 1750000000ull

static void make_binding(struct p256_key **key, uint8_t pub[static P256_PUB_LEN],
			 struct device_binding *b)
{
	uint8_t priv[X25519_LEN];

	memset(b, 0, sizeof(*b));
	CHECK_INT(p256_generate(key), XE2E_OK);
	CHECK_INT(p256_public(*key, pub), XE2E_OK);
	snprintf(b->jid, sizeof(b->jid), "%s", "juliet@capulet.lit");
	CHECK_INT(rng_bytes(b->device_id, sizeof(b->device_id)), XE2E_OK);
	CHECK_INT(x25519_keypair(priv, b->device_pub), XE2E_OK);
	b->created = NOW;
	b->expires = NOW + IDENTITY_BINDING_LIFETIME;
	CHECK_INT(identity_binding_sign(*key, b), XE2E_OK);
	wipe(priv, sizeof(priv));
}

TEST(identity_binding_reads_an_independent_vector)
{
	struct device_binding b;
	struct buf out = BUF_INIT;
	size_t n, bin_len;
	uint8_t *pub = unit_hex(vector_pub, &n), *bin = unit_hex(vector_binary, &bin_len);
	char id[IDENTITY_DEVICE_ID_TEXT_LEN];

	CHECK_INT(identity_binding_parse((const uint8_t *)vector_text, strlen(vector_text), &b),
		  XE2E_OK);
	CHECK_STR(b.jid, "alice@capulet.lit");
	identity_device_id_format(b.device_id, id);
	CHECK_STR(id, "01020304");
	CHECK_INT(b.created, 1700000000);
	CHECK_INT(b.expires, 1700000000 + IDENTITY_BINDING_LIFETIME);
	CHECK_INT(identity_binding_verify(pub, &b, b.created), XE2E_OK);
	CHECK_INT(identity_binding_verify(pub, &b, b.expires), XE2E_E_EXPIRED);
	CHECK_INT(identity_binding_format(&b, &out), XE2E_OK);
	CHECK(out.len == strlen(vector_text) && memcmp(out.data, vector_text, out.len) == 0);
	buf_clear(&out);
	CHECK_INT(identity_binding_encode(&b, &out), XE2E_OK);
	CHECK(out.len == bin_len && memcmp(out.data, bin, bin_len) == 0);
	CHECK_INT(identity_binding_decode(bin, bin_len, &b), XE2E_OK);
	CHECK_INT(identity_binding_verify(pub, &b, b.created), XE2E_OK);
	buf_free(&out);
	free(pub);
	free(bin);
}

TEST(identity_binding_signs_and_expires)
{
	struct p256_key *key = NULL, *other = NULL;
	uint8_t pub[P256_PUB_LEN], other_pub[P256_PUB_LEN];
	struct device_binding b;

	make_binding(&key, pub, &b);
	CHECK_INT(identity_binding_verify(pub, &b, NOW), XE2E_OK);
	CHECK_INT(identity_binding_verify(pub, &b, b.expires - 1), XE2E_OK);
	CHECK_INT(identity_binding_verify(pub, &b, b.expires), XE2E_E_EXPIRED);
	CHECK(strstr(err_detail(), "expired") != NULL);
	CHECK_INT(identity_binding_verify_signature(pub, &b), XE2E_OK);
	CHECK_INT(p256_generate(&other), XE2E_OK);
	CHECK_INT(p256_public(other, other_pub), XE2E_OK);
	CHECK_INT(identity_binding_verify(other_pub, &b, NOW), XE2E_E_AUTH);
	/* Any field changed after signing. */
	b.created--;
	CHECK_INT(identity_binding_verify(pub, &b, NOW), XE2E_E_AUTH);
	b.created++;
	b.expires += 1;
	CHECK_INT(identity_binding_verify(pub, &b, NOW), XE2E_E_AUTH);
	b.expires -= 1;
	b.device_id[3] ^= 1;
	CHECK_INT(identity_binding_verify(pub, &b, NOW), XE2E_E_AUTH);
	b.device_id[3] ^= 1;
	snprintf(b.jid, sizeof(b.jid), "%s", "romeo@montague.lit");
	CHECK_INT(identity_binding_verify(pub, &b, NOW), XE2E_E_AUTH);
	p256_free(key);
	p256_free(other);
}

/* The signed bytes, built by hand from the layout in identity.h. */
static void binding_message_by_hand(const struct device_binding *b, const char *context,
				    struct buf *out)
{
	uint8_t be[8];

	CHECK_INT(buf_append_lp16(out, context, strlen(context)), XE2E_OK);
	CHECK_INT(buf_append_lp16(out, b->jid, strlen(b->jid)), XE2E_OK);
	CHECK_INT(buf_append_lp16(out, b->device_id, 4), XE2E_OK);
	CHECK_INT(buf_append_lp16(out, b->device_pub, 32), XE2E_OK);
	put_be64(be, b->created);
	CHECK_INT(buf_append(out, be, 8), XE2E_OK);
	put_be64(be, b->expires);
	CHECK_INT(buf_append(out, be, 8), XE2E_OK);
}

TEST(identity_binding_is_bound_to_its_context)
{
	static const char *const others[] = {
		"xe2e signed-prekey v1", "xe2e device-binding v2", "xe2e device-binding v1 ", "",
	};
	struct p256_key *key = NULL;
	uint8_t pub[P256_PUB_LEN];
	struct device_binding b;
	struct buf msg = BUF_INIT, mine = BUF_INIT;

	make_binding(&key, pub, &b);
	binding_message_by_hand(&b, "xe2e device-binding v1", &msg);
	CHECK_INT(identity_binding_message(&b, &mine), XE2E_OK);
	CHECK(msg.len == mine.len && memcmp(msg.data, mine.data, msg.len) == 0);
	for (size_t i = 0; i < ARRAY_SIZE(others); i++) {
		buf_clear(&msg);
		binding_message_by_hand(&b, others[i], &msg);
		CHECK_INT(p256_sign(key, msg.data, msg.len, b.sig), XE2E_OK);
		CHECK_INT(identity_binding_verify(pub, &b, NOW), XE2E_E_AUTH);
	}
	p256_free(key);
	buf_free(&msg);
	buf_free(&mine);
}

TEST(identity_binding_rotation_needs_a_newer_binding)
{
	struct p256_key *key = NULL;
	uint8_t pub[P256_PUB_LEN];
	struct device_binding old, b;
	int newer = -1;

	make_binding(&key, pub, &old);
	CHECK_INT(identity_binding_check_update(&old, &old, &newer), XE2E_OK);
	CHECK_INT(newer, 0);
	b = old;
	b.created = old.created + 1;
	b.expires = b.created + IDENTITY_BINDING_LIFETIME;
	b.device_pub[0] ^= 0x40;
	CHECK_INT(identity_binding_sign(key, &b), XE2E_OK);
	CHECK_INT(identity_binding_check_update(&old, &b, &newer), XE2E_OK);
	CHECK_INT(newer, 1);
	/* The old one, after the new one: superseded. */
	CHECK_INT(identity_binding_check_update(&b, &old, &newer), XE2E_E_EXPIRED);
	CHECK_INT(newer, 0);
	/* Same creation time, another key: not newer. */
	b.created = old.created;
	CHECK_INT(identity_binding_sign(key, &b), XE2E_OK);
	CHECK_INT(identity_binding_check_update(&old, &b, &newer), XE2E_E_EXPIRED);
	/* Another device or JID is not a rotation. */
	b = old;
	b.created++;
	b.device_id[0] ^= 1;
	CHECK_INT(identity_binding_check_update(&old, &b, &newer), XE2E_E_TRUST);
	b = old;
	b.created++;
	snprintf(b.jid, sizeof(b.jid), "%s", "romeo@montague.lit");
	CHECK_INT(identity_binding_check_update(&old, &b, &newer), XE2E_E_TRUST);
	p256_free(key);
}

TEST(identity_binding_flipped_bits_never_verify)
{
	struct p256_key *key = NULL;
	uint8_t pub[P256_PUB_LEN];
	struct device_binding b, got;
	struct buf bin = BUF_INIT, text = BUF_INIT;
	unsigned refused_parse = 0, refused_sig = 0;

	make_binding(&key, pub, &b);
	CHECK_INT(identity_binding_encode(&b, &bin), XE2E_OK);
	CHECK_INT(identity_binding_decode(bin.data, bin.len, &got), XE2E_OK);
	CHECK_INT(identity_binding_verify(pub, &got, NOW), XE2E_OK);
	for (size_t i = 0; i < bin.len * 8; i++) {
		bin.data[i / 8] ^= (uint8_t)(1u << (i % 8));
		if (identity_binding_decode(bin.data, bin.len, &got) != XE2E_OK)
			refused_parse++;
		else if (identity_binding_verify(pub, &got, NOW) != XE2E_OK)
			refused_sig++;
		else
			unit_fail(__FILE__, __LINE__, "bit %zu flipped and still valid", i);
		bin.data[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	for (size_t n = 0; n < bin.len; n++)
		CHECK(identity_binding_decode(bin.data, n, &got) != XE2E_OK);
	CHECK_INT(buf_append_byte(&bin, 0), XE2E_OK);
	CHECK_INT(identity_binding_decode(bin.data, bin.len, &got), XE2E_E_MALFORMED);
	unit_note("binary: %zu bits flipped: %u refused by the parser, %u by the signature",
		  (bin.len - 1) * 8, refused_parse, refused_sig);

	refused_parse = refused_sig = 0;
	CHECK_INT(identity_binding_format(&b, &text), XE2E_OK);
	for (size_t i = 0; i < text.len; i++) {
		text.data[i] ^= 0x01;
		if (identity_binding_parse(text.data, text.len, &got) != XE2E_OK)
			refused_parse++;
		else if (identity_binding_verify(pub, &got, NOW) != XE2E_OK)
			refused_sig++;
		else
			unit_fail(__FILE__, __LINE__, "text byte %zu flipped and still valid", i);
		text.data[i] ^= 0x01;
	}
	for (size_t n = 0; n < text.len; n++)
		CHECK(identity_binding_parse(text.data, n, &got) != XE2E_OK);
	unit_note("text: %zu bytes flipped: %u refused by the parser, %u by the signature",
		  text.len, refused_parse, refused_sig);
	p256_free(key);
	buf_free(&bin);
	buf_free(&text);
}

TEST(identity_binding_parse_is_strict)
{
	static const char *const bad[] = {
		/* JID not normalised, no localpart, full JID */
		"jid: Alice@capulet.lit\n", "jid: capulet.lit\n", "jid: alice@capulet.lit/balcony\n",
		/* device id: length, case, non-hex */
		"device-id: 0102030\n", "device-id: 0102030405\n", "device-id: 0102030g\n",
		/* times: leading zero, sign, after expiry */
		"created: 01700000000\n", "created: +1700000000\n", "created: 1763072000\n",
	};
	struct device_binding b;
	char text[1024];
	const char *line_start;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		const char *colon = strchr(bad[i], ':');
		size_t name_len = (size_t)(colon - bad[i]);
		const char *at, *end;

		/* Replace the line of that name in the vector. */
		at = strstr(vector_text, bad[i][0] == 'j' ? "\njid:" : bad[i][0] == 'd' ? "\ndevice-id:"
										      : "\ncreated:");
		CHECK(at != NULL && name_len > 0);
		line_start = at + 1;
		end = strchr(line_start, '\n') + 1;
		snprintf(text, sizeof(text), "%.*s%s%s", (int)(line_start - vector_text), vector_text,
			 bad[i], end);
		if (identity_binding_parse((const uint8_t *)text, strlen(text), &b) == XE2E_OK)
			unit_fail(__FILE__, __LINE__, "accepted %s", bad[i]);
	}
}

TEST(identity_jid_is_a_normalised_bare_jid)
{
	char out[JID_MAX + 1];

	CHECK_INT(identity_jid_normalize("Juliet@Capulet.LIT/balcony", out), XE2E_OK);
	CHECK_STR(out, "juliet@capulet.lit");
	CHECK_INT(identity_jid_normalize("capulet.lit", out), XE2E_E_MALFORMED);
	CHECK_INT(identity_jid_normalize("@capulet.lit", out), XE2E_E_MALFORMED);
	CHECK_INT(identity_jid_normalize("juliet@", out), XE2E_E_MALFORMED);
	CHECK_INT(identity_jid_normalize("", out), XE2E_E_MALFORMED);
}

static void check_cert(const char *jid)
{
	struct p256_key *key = NULL;
	struct buf pem = BUF_INIT;
	struct x509_cert_info info;
	uint8_t pub[P256_PUB_LEN];

	CHECK_INT(p256_generate(&key), XE2E_OK);
	CHECK_INT(p256_public(key, pub), XE2E_OK);
	CHECK_INT(x509_selfsigned_write(key, jid, NOW, &pem), XE2E_OK);
	CHECK(pem.len > 0 && memcmp(pem.data, "-----BEGIN CERTIFICATE-----", 27) == 0);
	CHECK_INT(x509_cert_read(pem.data, pem.len, &info), XE2E_OK);
	CHECK_MEM(info.pub, pub, P256_PUB_LEN);
	CHECK_STR(info.jid, jid);
	/* DER reads the same. */
	{
		struct x509_cert_info again;
		struct buf der = BUF_INIT;

		CHECK_INT(buf_append(&der, info.der.data, info.der.len), XE2E_OK);
		CHECK_INT(x509_cert_read(der.data, der.len, &again), XE2E_OK);
		CHECK_MEM(again.pub, pub, P256_PUB_LEN);
		x509_cert_info_free(&again);
		buf_free(&der);
	}
	x509_cert_info_free(&info);
	pem.data[pem.len / 2] = '!';
	CHECK_INT(x509_cert_read(pem.data, pem.len, &info), XE2E_E_MALFORMED);
	p256_free(key);
	buf_free(&pem);
}

TEST(identity_certificate_names_the_jid)
{
	char long_jid[300];

	check_cert("juliet@capulet.lit");
	check_cert("a,b+c=d@capulet.lit");
	memset(long_jid, 'x', 200);
	snprintf(long_jid + 200, sizeof(long_jid) - 200, "@capulet.lit");
	check_cert(long_jid);
	CHECK_INT(x509_cert_read((const uint8_t *)"garbage", 7, &(struct x509_cert_info){0}),
		  XE2E_E_MALFORMED);
}

/* ---- the identity files ---- */

struct home {
	char dir[STORE_PATH_MAX];
	char *saved;
	int had;
};

static void home_enter(struct home *h, const char *dir)
{
	const char *old = getenv("XE2E_HOME");

	h->had = old != NULL;
	h->saved = old ? strdup(old) : NULL;
	snprintf(h->dir, sizeof(h->dir), "%s", dir);
	setenv("XE2E_HOME", h->dir, 1);
}

static void home_leave(struct home *h)
{
	if (h->had)
		setenv("XE2E_HOME", h->saved, 1);
	else
		unsetenv("XE2E_HOME");
	free(h->saved);
}

static void file_path(char out[static STORE_PATH_MAX], const char *dir, const char *name)
{
	if (snprintf(out, STORE_PATH_MAX, "%s/%s", dir, name) >= STORE_PATH_MAX)
		unit_fail(__FILE__, __LINE__, "path too long");
}

static mode_t mode_of(const char *dir, const char *name)
{
	char path[STORE_PATH_MAX];
	struct stat st;

	file_path(path, dir, name);
	return stat(path, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

static void copy_file(const char *from_dir, const char *name, const char *to_dir, const char *to_name)
{
	char from[STORE_PATH_MAX], to[STORE_PATH_MAX];
	size_t len = 0;
	char *data;

	file_path(from, from_dir, name);
	file_path(to, to_dir, to_name);
	data = unit_read_file(from, &len);
	CHECK(data != NULL);
	if (data)
		CHECK_INT(store_write_atomic(to, data, len, 0600), XE2E_OK);
	free(data);
}

static const char *const files[] = {
	IDENTITY_KEY_FILE, IDENTITY_CRT_FILE, IDENTITY_DEVICE_KEY_FILE, IDENTITY_BINDING_FILE,
};

TEST(identity_create_load_rotate)
{
	struct home h;
	struct identity a = IDENTITY_INIT, b = IDENTITY_INIT, c = IDENTITY_INIT;
	uint8_t pub[X25519_LEN];

	home_enter(&h, unit_tmpdir());
	CHECK_INT(identity_load(&a, IDENTITY_LOAD_PUBLIC, NULL, NOW), XE2E_E_NOTFOUND);
	CHECK_INT(identity_create("Juliet@Capulet.lit/balcony", NULL, NOW, 0, &a), XE2E_OK);
	CHECK_STR(a.jid, "juliet@capulet.lit");
	CHECK_INT(mode_of(h.dir, IDENTITY_KEY_FILE), 0600);
	CHECK_INT(mode_of(h.dir, IDENTITY_DEVICE_KEY_FILE), 0600);
	CHECK_INT(mode_of(h.dir, IDENTITY_CRT_FILE), 0644);
	CHECK_INT(mode_of(h.dir, IDENTITY_BINDING_FILE), 0644);
	CHECK_INT(mode_of(h.dir, ""), 0700);
	CHECK_INT(mode_of(h.dir, "state/CACHEDIR.TAG"), 0644);
	CHECK_INT(mode_of(h.dir, IDENTITY_COMMIT_FILE), (mode_t)-1);

	CHECK_INT(identity_load(&b, IDENTITY_LOAD_DEVICE_KEY | IDENTITY_LOAD_IDENTITY_KEY, NULL, NOW),
		  XE2E_OK);
	CHECK_MEM(b.id_fpr, a.id_fpr, FINGERPRINT_LEN);
	CHECK(b.id_key != NULL);
	CHECK_INT(x25519_public(pub, b.device_priv), XE2E_OK);
	CHECK_MEM(pub, b.binding.device_pub, X25519_LEN);
	CHECK_INT(identity_binding_verify(b.id_pub, &b.binding, NOW), XE2E_OK);
	CHECK_INT(b.cert_der.len > 100, 1);
	identity_free(&b);

	/* A second identity is refused; nothing changes. */
	CHECK_INT(identity_create("romeo@montague.lit", NULL, NOW, 0, &b), XE2E_E_EXISTS);
	CHECK_INT(identity_load(&b, IDENTITY_LOAD_PUBLIC, NULL, NOW), XE2E_OK);
	CHECK_MEM(b.id_fpr, a.id_fpr, FINGERPRINT_LEN);
	identity_free(&b);

	/* Rotation: same device id, newer binding, new key. */
	CHECK_INT(identity_rotate_device(NULL, NOW, &b), XE2E_OK);
	CHECK_MEM(b.binding.device_id, a.binding.device_id, IDENTITY_DEVICE_ID_LEN);
	CHECK_MEM(b.id_fpr, a.id_fpr, FINGERPRINT_LEN);
	CHECK(memcmp(b.binding.device_pub, a.binding.device_pub, X25519_LEN) != 0);
	CHECK_INT(b.binding.created, NOW + 1);
	{
		int newer = 0;

		CHECK_INT(identity_binding_check_update(&a.binding, &b.binding, &newer), XE2E_OK);
		CHECK_INT(newer, 1);
	}
	CHECK_INT(identity_load(&c, IDENTITY_LOAD_DEVICE_KEY, NULL, NOW), XE2E_OK);
	CHECK_MEM(c.binding.device_pub, b.binding.device_pub, X25519_LEN);
	identity_free(&c);

	/* Expired: refused unless allowed; rotation renews it. */
	CHECK_INT(identity_load(&c, IDENTITY_LOAD_PUBLIC, NULL, b.binding.expires), XE2E_E_EXPIRED);
	CHECK(strstr(err_detail(), err_advice(ERR_ADVICE_RENEW_DEVICE)) != NULL);
	CHECK_INT(identity_load(&c, IDENTITY_LOAD_ALLOW_EXPIRED, NULL, b.binding.expires), XE2E_OK);
	identity_free(&c);

	/* --force replaces everything. */
	CHECK_INT(identity_create("romeo@montague.lit", NULL, NOW, 1, &c), XE2E_OK);
	CHECK(memcmp(c.id_fpr, a.id_fpr, FINGERPRINT_LEN) != 0);
	CHECK_STR(c.jid, "romeo@montague.lit");
	identity_free(&a);
	identity_free(&b);
	identity_free(&c);
	home_leave(&h);
}

TEST(identity_load_refuses_mismatched_files)
{
	struct home h;
	char other[STORE_PATH_MAX], dir[STORE_PATH_MAX], path[STORE_PATH_MAX];
	struct identity a = IDENTITY_INIT, b = IDENTITY_INIT;

	snprintf(other, sizeof(other), "%s", unit_tmpdir());
	snprintf(dir, sizeof(dir), "%s", unit_tmpdir());
	home_enter(&h, other);
	CHECK_INT(identity_create("romeo@montague.lit", NULL, NOW, 0, &b), XE2E_OK);
	home_leave(&h);
	home_enter(&h, dir);
	CHECK_INT(identity_create("juliet@capulet.lit", NULL, NOW, 0, &a), XE2E_OK);

	/* Someone else's device key. */
	copy_file(other, IDENTITY_DEVICE_KEY_FILE, dir, IDENTITY_DEVICE_KEY_FILE);
	CHECK_INT(identity_load(&a, IDENTITY_LOAD_DEVICE_KEY, NULL, NOW), XE2E_E_MALFORMED);
	CHECK(strstr(err_detail(), "does not match") != NULL);
	/* The public files alone still load. */
	CHECK_INT(identity_load(&a, IDENTITY_LOAD_PUBLIC, NULL, NOW), XE2E_OK);
	identity_free(&a);
	/* Someone else's identity key. */
	copy_file(other, IDENTITY_KEY_FILE, dir, IDENTITY_KEY_FILE);
	CHECK_INT(identity_load(&a, IDENTITY_LOAD_IDENTITY_KEY, NULL, NOW), XE2E_E_MALFORMED);
	/* A certificate that did not sign the binding (and names another JID). */
	copy_file(other, IDENTITY_CRT_FILE, dir, IDENTITY_CRT_FILE);
	CHECK(identity_load(&a, IDENTITY_LOAD_PUBLIC, NULL, NOW) != XE2E_OK);
	/* With its own binding, the other identity's public files agree again. */
	copy_file(other, IDENTITY_BINDING_FILE, dir, IDENTITY_BINDING_FILE);
	CHECK_INT(identity_load(&a, IDENTITY_LOAD_PUBLIC, NULL, NOW), XE2E_OK);
	identity_free(&a);
	/* A secret file others can read. */
	file_path(path, dir, IDENTITY_KEY_FILE);
	chmod(path, 0640);
	CHECK_INT(identity_load(&a, IDENTITY_LOAD_IDENTITY_KEY, NULL, NOW), XE2E_E_PERM);
	/* Rotation needs the identity key. */
	CHECK_INT(identity_rotate_device(NULL, NOW, &a), XE2E_E_PERM);
	identity_free(&b);
	home_leave(&h);
}

/* P-256 verifications of one identity_load() with the device key. */
static unsigned long verifies_of_load(int want_err)
{
	struct identity id = IDENTITY_INIT;
	struct unit_ops before, after;

	unit_ops_get(&before);
	CHECK_INT(identity_load(&id, IDENTITY_LOAD_DEVICE_KEY, NULL, NOW), want_err);
	unit_ops_get(&after);
	identity_free(&id);
	return after.p256_verify - before.p256_verify;
}

static void write_text(const char *dir, const char *name, const char *text, mode_t mode)
{
	char path[STORE_PATH_MAX];

	file_path(path, dir, name);
	CHECK_INT(store_write_atomic(path, text, strlen(text), mode), XE2E_OK);
}

/*
 * The own binding is verified once: the load that verified it records its
 * fingerprint (0600), and a load of the same files verifies nothing. Any
 * change to the binding or the certificate, or a record that is not the
 * files' own, makes the next load verify the signature again.
 */
TEST(identity_load_verifies_the_own_binding_once)
{
	struct home h;
	struct identity a = IDENTITY_INIT;
	char path[STORE_PATH_MAX];
	struct buf text = BUF_INIT;
	char *sig;

	home_enter(&h, unit_tmpdir());
	CHECK_INT(identity_create("juliet@capulet.lit", NULL, NOW, 0, &a), XE2E_OK);
	identity_free(&a);
	CHECK_INT(mode_of(h.dir, IDENTITY_VERIFIED_FILE), 0600);
	CHECK_INT(verifies_of_load(XE2E_OK), 0);
	CHECK_INT(verifies_of_load(XE2E_OK), 0);

	/* No record, or one of other files: verified, then recorded again. */
	file_path(path, h.dir, IDENTITY_VERIFIED_FILE);
	CHECK_INT(store_remove(path), XE2E_OK);
	CHECK_INT(verifies_of_load(XE2E_OK), 1);
	CHECK_INT(verifies_of_load(XE2E_OK), 0);
	write_text(h.dir, IDENTITY_VERIFIED_FILE,
		   "0000000000000000000000000000000000000000000000000000000000000000\n", 0600);
	CHECK_INT(verifies_of_load(XE2E_OK), 1);
	CHECK_INT(verifies_of_load(XE2E_OK), 0);
	/* A record others may write counts for nothing; it is rewritten 0600. */
	CHECK_INT(chmod(path, 0666), 0);
	CHECK_INT(verifies_of_load(XE2E_OK), 1);
	CHECK_INT(mode_of(h.dir, IDENTITY_VERIFIED_FILE), 0600);
	CHECK_INT(verifies_of_load(XE2E_OK), 0);

	/* A flipped signature bit is seen with the record in place. */
	file_path(path, h.dir, IDENTITY_BINDING_FILE);
	CHECK_INT(store_read_file(path, 4096, 0, &text), XE2E_OK);
	CHECK_INT(buf_append(&text, "", 1), XE2E_OK);
	sig = strstr((char *)text.data, "signature: ");
	CHECK(sig != NULL);
	if (sig) {
		sig[20] = sig[20] == 'A' ? 'B' : 'A';
		write_text(h.dir, IDENTITY_BINDING_FILE, (char *)text.data, 0644);
		CHECK_INT(verifies_of_load(XE2E_E_AUTH), 1);
		CHECK_INT(verifies_of_load(XE2E_E_AUTH), 1);
	}
	buf_free(&text);

	/* Rotation records its new binding. */
	CHECK_INT(identity_create("juliet@capulet.lit", NULL, NOW, 1, &a), XE2E_OK);
	identity_free(&a);
	CHECK_INT(identity_rotate_device(NULL, NOW, &a), XE2E_OK);
	identity_free(&a);
	CHECK_INT(verifies_of_load(XE2E_OK), 0);
	home_leave(&h);
}

/* Leaves dir as a replacement by other's files would after a crash: every
 * file written as NAME.new, the first `renamed` of them moved in place. */
static void half_replace(const char *dir, const char *other, size_t renamed, int committed)
{
	char name[64], from[STORE_PATH_MAX], to[STORE_PATH_MAX], commit[STORE_PATH_MAX];
	struct buf list = BUF_INIT;

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(name, sizeof(name), "%s.new", files[i]);
		copy_file(other, files[i], dir, name);
		CHECK_INT(buf_printf(&list, "%s\n", files[i]), XE2E_OK);
	}
	if (committed) {
		file_path(commit, dir, IDENTITY_COMMIT_FILE);
		CHECK_INT(store_create(commit, list.data, list.len, 0600), XE2E_OK);
	}
	for (size_t i = 0; i < renamed; i++) {
		snprintf(name, sizeof(name), "%s.new", files[i]);
		file_path(from, dir, name);
		file_path(to, dir, files[i]);
		CHECK_INT(rename(from, to), 0);
	}
	buf_free(&list);
}

static int leftovers(const char *dir)
{
	char name[64], path[STORE_PATH_MAX];
	int n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(name, sizeof(name), "%s.new", files[i]);
		file_path(path, dir, name);
		n += store_exists(path);
	}
	file_path(path, dir, IDENTITY_COMMIT_FILE);
	return n + store_exists(path);
}

TEST(identity_interrupted_replacement_is_finished_or_undone)
{
	struct home h;
	char other[STORE_PATH_MAX], dir[STORE_PATH_MAX];
	struct identity a = IDENTITY_INIT, b = IDENTITY_INIT, got = IDENTITY_INIT;
	const unsigned all = IDENTITY_LOAD_DEVICE_KEY | IDENTITY_LOAD_IDENTITY_KEY;

	snprintf(other, sizeof(other), "%s", unit_tmpdir());
	home_enter(&h, other);
	CHECK_INT(identity_create("romeo@montague.lit", NULL, NOW, 0, &b), XE2E_OK);
	home_leave(&h);
	for (size_t renamed = 0; renamed <= ARRAY_SIZE(files); renamed++) {
		for (int committed = 0; committed < 2; committed++) {
			/* Without the commit file no rename can have happened. */
			if (!committed && renamed > 0)
				continue;
			snprintf(dir, sizeof(dir), "%s", unit_tmpdir());
			home_enter(&h, dir);
			CHECK_INT(identity_create("juliet@capulet.lit", NULL, NOW, 0, &a), XE2E_OK);
			half_replace(dir, other, renamed, committed);
			CHECK_INT(identity_load(&got, all, NULL, NOW), XE2E_OK);
			CHECK_MEM(got.id_fpr, committed ? b.id_fpr : a.id_fpr, FINGERPRINT_LEN);
			CHECK_STR(got.jid, committed ? "romeo@montague.lit" : "juliet@capulet.lit");
			CHECK_INT(leftovers(dir), 0);
			identity_free(&got);
			identity_free(&a);
			home_leave(&h);
		}
	}
	identity_free(&b);
}
