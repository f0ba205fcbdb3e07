/*
 * P-256 public keys from outside (sig.h): p256_from_spki_der() accepts only
 * the one DER encoding p256_spki_der() writes, of a valid point; a raw
 * 65-byte point passes p256_check_public() only when it round-trips the
 * same way.
 */
#include "fuzz.h"

#include <string.h>

#include "buf.h"
#include "err.h"
#include "sig.h"

static void fz_spki_point(const uint8_t pub[static P256_PUB_LEN])
{
	struct buf der = BUF_INIT;
	uint8_t back[P256_PUB_LEN], fpr[FINGERPRINT_LEN];

	FUZZ_CHECK(p256_spki_der(pub, &der) == XE2E_OK);
	FUZZ_CHECK(p256_from_spki_der(der.data, der.len, back) == XE2E_OK);
	FUZZ_CHECK(memcmp(back, pub, P256_PUB_LEN) == 0);
	FUZZ_CHECK(p256_fingerprint(pub, fpr) == XE2E_OK);
	buf_free(&der);
}

int fuzz_spki(const uint8_t *data, size_t size)
{
	uint8_t pub[P256_PUB_LEN];
	struct buf der = BUF_INIT;
	int err = p256_from_spki_der(data, size, pub);

	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED || err == XE2E_E_UNSUPPORTED ||
		   err == XE2E_E_WEAKKEY);
	if (err == XE2E_OK) {
		FUZZ_CHECK(p256_check_public(pub) == XE2E_OK);
		FUZZ_CHECK(p256_spki_der(pub, &der) == XE2E_OK);
		FUZZ_CHECK(der.len == size && memcmp(der.data, data, size) == 0);
		fz_spki_point(pub);
	}
	if (size == P256_PUB_LEN) {
		err = p256_check_public(data);
		FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_WEAKKEY || err == XE2E_E_MALFORMED);
		if (err == XE2E_OK)
			fz_spki_point(data);
	}
	buf_free(&der);
	return 0;
}
