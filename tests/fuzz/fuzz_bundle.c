/*
 * Prekey bundles (bundle.h) as a sender fetches them from a PEP node:
 * whatever bundle_parse() accepts must format to XML that parses to a
 * bundle formatting the same way; bundle_verify() must then decide with
 * one of its documented answers, keep only unexpired one-time prekeys,
 * and leave a bundle that still formats and parses. A minimal bundle of
 * Alice (fixtures) is verified with her fingerprint and device key, as a
 * sender that knows her would.
 */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "err.h"
#include "util.h"
#include "x509.h"

static struct {
	int ready; /* 1 loaded, -1 failed */
	char jid[JID_MAX + 1];
	uint8_t fpr[FINGERPRINT_LEN];
	uint8_t device_pub[X25519_LEN];
} fz_bundle_alice;

/* Alice's fingerprint and device key, from the fixtures' public files. */
static int fz_bundle_known(void)
{
	struct device_binding b;
	struct x509_cert_info info;
	char path[1024];
	uint8_t *crt, *bind;
	size_t crt_len = 0, bind_len = 0;
	int err = XE2E_E_IO;

	if (fz_bundle_alice.ready)
		return fz_bundle_alice.ready > 0 ? XE2E_OK : XE2E_E_IO;
	fz_bundle_alice.ready = -1;
	snprintf(path, sizeof(path), "%s/alice/identity.crt", fuzz_fixtures_dir());
	crt = fuzz_read_file(path, &crt_len);
	snprintf(path, sizeof(path), "%s/alice/device.binding", fuzz_fixtures_dir());
	bind = fuzz_read_file(path, &bind_len);
	memset(&info, 0, sizeof(info));
	if (crt && bind && !x509_cert_read(crt, crt_len, &info) &&
	    !identity_binding_parse(bind, bind_len, &b) &&
	    !p256_fingerprint(info.pub, fz_bundle_alice.fpr)) {
		memcpy(fz_bundle_alice.jid, b.jid, sizeof(b.jid));
		memcpy(fz_bundle_alice.device_pub, b.device_pub, X25519_LEN);
		fz_bundle_alice.ready = 1;
		err = XE2E_OK;
	}
	x509_cert_info_free(&info);
	free(crt);
	free(bind);
	return err;
}

/* b formats to XML that parses back to a bundle with the same XML. */
static void fz_bundle_round_trip(const struct bundle *b)
{
	struct buf x1 = BUF_INIT, x2 = BUF_INIT;
	struct bundle *again = malloc(sizeof(*again));

	if (!again)
		return;
	bundle_init(again);
	FUZZ_CHECK(bundle_format(b, &x1) == XE2E_OK);
	FUZZ_CHECK(bundle_parse((const char *)x1.data, x1.len, again) == XE2E_OK);
	FUZZ_CHECK(bundle_format(again, &x2) == XE2E_OK);
	FUZZ_CHECK(x1.len == x2.len && memcmp(x1.data, x2.data, x1.len) == 0);
	bundle_free(again);
	free(again);
	buf_free(&x1);
	buf_free(&x2);
}

static void fz_bundle_verify(struct bundle *b)
{
	struct bundle_known known = {NULL, NULL};
	const struct bundle_prekey *opk = NULL;
	uint8_t fpr[FINGERPRINT_LEN];
	size_t usable = 0;
	int err;

	if (fz_bundle_known() == XE2E_OK && strcmp(b->jid, fz_bundle_alice.jid) == 0 &&
	    b->form == BUNDLE_MINIMAL) {
		known.fpr = fz_bundle_alice.fpr;
		known.device_pub = fz_bundle_alice.device_pub;
	}
	err = bundle_verify(b, b->jid, &known, FUZZ_NOW, fpr, &usable);
	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_TRUST || err == XE2E_E_NOTFOUND ||
		   err == XE2E_E_MALFORMED || err == XE2E_E_AUTH || err == XE2E_E_EXPIRED ||
		   err == XE2E_E_WEAKKEY || err == XE2E_E_UNSUPPORTED);
	if (err != XE2E_OK)
		return;
	FUZZ_CHECK(usable == b->n_opk && b->spk_expires > FUZZ_NOW);
	FUZZ_CHECK(p256_check_public(b->id_pub) == XE2E_OK);
	FUZZ_CHECK(bundle_x25519_check(b->spk_pub) == XE2E_OK);
	for (size_t i = 0; i < b->n_opk; i++)
		FUZZ_CHECK(b->opk[i].expires > FUZZ_NOW &&
			   bundle_x25519_check(b->opk[i].pub) == XE2E_OK);
	FUZZ_CHECK(bundle_pick_opk(b, &opk) == XE2E_OK && (opk != NULL) == (b->n_opk > 0));
	if (known.fpr)
		FUZZ_CHECK(memcmp(fpr, known.fpr, FINGERPRINT_LEN) == 0);
	fz_bundle_round_trip(b);
}

int fuzz_bundle(const uint8_t *data, size_t size)
{
	struct bundle *b = malloc(sizeof(*b));
	int err;

	if (!b)
		return 0;
	bundle_init(b);
	err = bundle_parse((const char *)data, size, b);
	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED || err == XE2E_E_XML ||
		   err == XE2E_E_LIMIT || err == XE2E_E_UNSUPPORTED);
	if (err == XE2E_OK) {
		FUZZ_CHECK(b->form == BUNDLE_FULL || b->form == BUNDLE_MINIMAL);
		FUZZ_CHECK(b->n_opk <= BUNDLE_OPK_MAX && b->spk_created < b->spk_expires);
		fz_bundle_round_trip(b);
		fz_bundle_verify(b);
	}
	bundle_free(b);
	free(b);
	return 0;
}
