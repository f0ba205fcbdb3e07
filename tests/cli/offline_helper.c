/*
 * A test tool for tests/cli/offline.bats, built by that file against the
 * library of the build under test.
 *
 *   offline_helper derive FROM < STANZA
 *       With $XE2E_HOME the recipient's: runs the recipient's derivation of
 *       the initial message in STANZA (sent by FROM) with every key the
 *       recipient stores (device key, every signed prekey with every
 *       one-time prekey and with none). Prints "opened" (exit 0) when one
 *       combination opens it, "not opened" (exit 1) otherwise.
 *
 *   offline_helper forge SENDER_HOME [--with-device-key] < STANZA
 *       With $XE2E_HOME the recipient's, whose signed prekey (private) the
 *       forger has stolen: writes an initial message that claims the
 *       sender of SENDER_HOME (its public credential), for the plaintext
 *       stanza STANZA, without one-time prekey. The forger knows
 *       DH(DK_A, SPK) from the stolen prekey, but for DH(DK_A, DK_B) it
 *       has only a key of its own, unless --with-device-key lets it use
 *       the sender's real device key (the control: the forger's code is
 *       then the construction itself, and the message is genuine).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envelope.h"
#include "err.h"
#include "hash.h"
#include "identity.h"
#include "noise.h"
#include "offline.h"
#include "offline_session.h"
#include "prekey.h"
#include "sealed_stanza.h"
#include "store.h"
#include "util.h"
#include "xml.h"

static struct xml_node *read_stanza(void)
{
	struct xml_reader *rd = NULL;
	struct xml_node *st = NULL;

	if (xml_reader_new(&rd, STDIN_FILENO, XML_READ_BUFFERED, NULL) ||
	    xml_reader_next(rd, &st))
		st = NULL;
	xml_reader_free(rd);
	return st;
}

static int try_all(const struct identity *self, const char *from, const struct buf *ad,
		   const struct buf *msg)
{
	struct prekey_store st = PREKEY_STORE_INIT;
	struct offline_recipient r = {self, NULL, NULL};
	struct offline_sender s;
	struct offline_keys k;
	struct buf pt = BUF_INIT;
	int opened = 0;

	if (prekey_load(NULL, &st))
		return 0;
	for (size_t i = 0; i < st.n_spk; i++) {
		r.spk_priv = st.spk[i].priv;
		for (size_t j = 0; j <= st.n_opk; j++) {
			r.opk_priv = j < st.n_opk ? st.opk[j].priv : NULL;
			opened |= offline_open_keys(&r, from, ad->data, ad->len, msg->data, msg->len,
						    0, &s, &k, &pt) == XE2E_OK;
		}
	}
	prekey_store_free(&st);
	buf_free(&pt);
	return opened;
}

static int derive(const char *from)
{
	struct identity self = IDENTITY_INIT;
	struct xml_node *st = read_stanza();
	struct sealed_received rx;
	struct buf ad = BUF_INIT;
	char bare[JID_MAX + 1];
	int opened = 0;

	memset(&rx, 0, sizeof(rx));
	if (st && !identity_load(&self, IDENTITY_LOAD_DEVICE_KEY, NULL, 0) &&
	    !sealed_stanza_read(st, &rx) && rx.form == SEALED_INITIAL &&
	    !jid_normalize_bare(from, bare)) {
		/* The associated data as xe2e-open makes it, from the given from. */
		rx.env.addr.from = from;
		if (!sealed_stanza_ad_open(&rx, self.jid, bare, &ad))
			opened = try_all(&self, from, &ad, &rx.env.wire);
	}
	puts(opened ? "opened" : "not opened");
	sealed_received_free(&rx);
	xml_free(st);
	buf_free(&ad);
	identity_free(&self);
	return opened ? 0 : 1;
}

/* ---- the forger ---- */

static int encrypt_part(struct noise_symmetricstate *ss, const uint8_t *pt, size_t n,
			struct buf *msg)
{
	size_t got = 0;
	int err = buf_reserve(msg, n + 16);

	if (!err)
		err = noise_symmetricstate_encrypt_and_hash(ss, pt, n, msg->data + msg->len, n + 16,
							    &got);
	msg->len += got;
	return err;
}

/* What the forger knows and holds. */
struct forgery {
	const struct identity *alice; /* public parts; device key only for the control */
	const struct identity *bob;   /* public parts */
	const struct prekey_spk *spk; /* stolen */
	const uint8_t *dk_a_guess;    /* its stand-in for Alice's device key */
	const struct buf *ad;
	const struct buf *frame;
};

static int forge_head(const struct forgery *f, struct noise_symmetricstate *ss,
		      uint8_t ek[static X25519_LEN], struct buf *msg)
{
	uint8_t ek_pub[X25519_LEN], spk_pub[X25519_LEN];
	struct buf p = BUF_INIT;
	int err = x25519_keypair(ek, ek_pub);

	if (!err)
		err = x25519_public(spk_pub, f->spk->priv);
	if (!err)
		err = buf_append(msg, "\x01\x01\x00", 3);
	if (!err)
		err = buf_append_u32(msg, f->spk->id);
	if (!err)
		err = buf_append(msg, ek_pub, X25519_LEN);
	if (!err)
		err = noise_symmetricstate_init(ss, OFFLINE_NAME_CHACHAPOLY, AEAD_CHACHAPOLY,
						HASH_SHA256);
	if (!err)
		err = buf_append_lp16(&p, f->alice->jid, strlen(f->alice->jid));
	if (!err)
		err = buf_append_lp16(&p, f->bob->jid, strlen(f->bob->jid));
	if (!err)
		err = buf_append(&p, f->bob->id_fpr, FINGERPRINT_LEN);
	if (!err)
		err = buf_append(&p, f->bob->binding.device_pub, X25519_LEN);
	if (!err)
		err = buf_append_u32(&p, f->spk->id);
	if (!err)
		err = buf_append(&p, spk_pub, X25519_LEN);
	if (!err)
		err = buf_append_byte(&p, 0);
	if (!err)
		err = noise_symmetricstate_mix_hash(ss, p.data, p.len);
	if (!err)
		err = noise_symmetricstate_mix_hash(ss, f->ad->data, f->ad->len);
	if (!err)
		err = noise_symmetricstate_mix_hash(ss, ek_pub, X25519_LEN);
	if (!err)
		err = noise_symmetricstate_mix_dh(ss, ek, spk_pub);
	if (!err)
		err = noise_symmetricstate_mix_dh(ss, ek, f->bob->binding.device_pub);
	buf_free(&p);
	return err;
}

static int forge_rest(const struct forgery *f, struct noise_symmetricstate *ss, struct buf *msg)
{
	const struct identity *a = f->alice;
	uint8_t cred[OFFLINE_CRED_LEN], r0_priv[X25519_LEN];
	struct buf pt = BUF_INIT;
	int err;

	cred[0] = OFFLINE_CRED_KIND;
	memcpy(cred + 1, a->binding.device_pub, X25519_LEN);
	memcpy(cred + 33, a->id_pub, P256_PUB_LEN);
	memcpy(cred + 98, a->binding.device_id, 4);
	put_be64(cred + 102, a->binding.created);
	put_be64(cred + 110, a->binding.expires);
	memcpy(cred + 118, a->binding.sig, P256_SIG_LEN);
	err = encrypt_part(ss, cred, sizeof(cred), msg);
	/* DH(DK_A, SPK) = DH(SPK, DK_A): the stolen prekey gives it. */
	if (!err)
		err = noise_symmetricstate_mix_dh(ss, f->spk->priv, a->binding.device_pub);
	if (!err)
		err = noise_symmetricstate_mix_dh(ss, f->dk_a_guess, f->bob->binding.device_pub);
	if (!err)
		err = buf_reserve(&pt, X25519_LEN + f->frame->len);
	if (!err)
		err = x25519_keypair(r0_priv, pt.data);
	pt.len = X25519_LEN;
	if (!err)
		err = buf_append(&pt, f->frame->data, f->frame->len);
	if (!err)
		err = encrypt_part(ss, pt.data, pt.len, msg);
	buf_free(&pt);
	wipe(r0_priv, sizeof(r0_priv));
	return err;
}

static int forge(const char *alice_home, int with_key)
{
	struct identity alice = IDENTITY_INIT, bob = IDENTITY_INIT;
	struct prekey_store st = PREKEY_STORE_INIT;
	struct xml_node *plain = read_stanza(), *out = NULL;
	struct envelope_addr a = {0};
	struct buf ad = BUF_INIT, frame = BUF_INIT, msg = BUF_INIT;
	struct noise_symmetricstate ss;
	uint8_t ek[X25519_LEN], mine[X25519_LEN], pub[X25519_LEN];
	struct forgery f = {&alice, &bob, NULL, mine, &ad, &frame};
	char *bob_home = getenv("XE2E_HOME");
	int err = plain ? XE2E_OK : XE2E_E_MALFORMED;

	memset(&ss, 0, sizeof(ss));
	if (!err && (err = identity_load(&bob, IDENTITY_LOAD_PUBLIC, NULL, 0)) == XE2E_OK)
		err = prekey_load(NULL, &st);
	if (!err && !(f.spk = prekey_spk_current(&st, 0)) && !(f.spk = st.n_spk ? st.spk : NULL))
		err = XE2E_E_NOTFOUND;
	setenv("XE2E_HOME", alice_home, 1);
	if (!err)
		err = identity_load(&alice, with_key ? IDENTITY_LOAD_DEVICE_KEY : 0, NULL, 0);
	setenv("XE2E_HOME", bob_home ? bob_home : "", 1);
	if (!err)
		err = x25519_keypair(mine, pub);
	if (with_key)
		f.dk_a_guess = alice.device_priv;
	if (!err)
		err = sealed_stanza_addr(plain, &a);
	/* The associated data names the bare sender: the forged header sets
	 * no flag. */
	if (!err)
		err = envelope_ad(a.kind, a.type, a.id, alice.jid, bob.jid, &ad);
	if (!err)
		err = sealed_stanza_frame(plain, 4096, &frame);
	if (!err)
		err = forge_head(&f, &ss, ek, &msg);
	if (!err)
		err = forge_rest(&f, &ss, &msg);
	if (!err)
		err = sealed_stanza_wrap(&a, plain, msg.data, msg.len, SEALED_INITIAL, NULL, &out);
	if (!err)
		err = xml_write_stanza(STDOUT_FILENO, out);
	if (err)
		fprintf(stderr, "offline_helper: forge: %s: %s\n", err_str(err), err_detail());
	noise_symmetricstate_wipe(&ss);
	wipe(ek, sizeof(ek));
	wipe(mine, sizeof(mine));
	xml_free(plain);
	xml_free(out);
	buf_free(&ad);
	buf_free(&frame);
	buf_free(&msg);
	prekey_store_free(&st);
	identity_free(&alice);
	identity_free(&bob);
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "derive"))
		return derive(argv[2]);
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "forge"))
		return forge(argv[2], argc == 4 && !strcmp(argv[3], "--with-device-key"));
	fprintf(stderr, "usage: offline_helper derive FROM < STANZA\n"
			"       offline_helper forge SENDER_HOME [--with-device-key] < STANZA\n");
	return 2;
}
