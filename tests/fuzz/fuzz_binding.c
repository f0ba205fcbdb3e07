/*
 * Device bindings (identity.h), as the handshake carries them (binary) and
 * as device.binding holds them (text). The first input byte picks the
 * form. Both parsers are strict, so what parses must encode or format back
 * to exactly the input, the other form must carry the same binding, and
 * the JID must be normalised already.
 */
#include "fuzz.h"

#include <string.h>

#include "buf.h"
#include "err.h"
#include "identity.h"
#include "jid.h"

static int fz_binding_same(const struct device_binding *a, const struct device_binding *b)
{
	return strcmp(a->jid, b->jid) == 0 &&
	       memcmp(a->device_id, b->device_id, sizeof(a->device_id)) == 0 &&
	       memcmp(a->device_pub, b->device_pub, sizeof(a->device_pub)) == 0 &&
	       a->created == b->created && a->expires == b->expires &&
	       memcmp(a->sig, b->sig, sizeof(a->sig)) == 0;
}

static void fz_binding_check(const struct device_binding *b, const uint8_t *data, size_t size,
			     int text)
{
	struct buf same = BUF_INIT, other = BUF_INIT, msg = BUF_INIT;
	struct device_binding again;
	char norm[JID_MAX + 1];
	int err;

	FUZZ_CHECK(b->created < b->expires);
	FUZZ_CHECK(jid_normalize_bare(b->jid, norm) == XE2E_OK && strcmp(norm, b->jid) == 0);
	err = text ? identity_binding_format(b, &same) : identity_binding_encode(b, &same);
	FUZZ_CHECK(err == XE2E_OK);
	FUZZ_CHECK(same.len == size && memcmp(same.data, data, size) == 0);
	err = text ? identity_binding_encode(b, &other) : identity_binding_format(b, &other);
	FUZZ_CHECK(err == XE2E_OK);
	err = text ? identity_binding_decode(other.data, other.len, &again)
		   : identity_binding_parse(other.data, other.len, &again);
	FUZZ_CHECK(err == XE2E_OK && fz_binding_same(b, &again));
	FUZZ_CHECK(identity_binding_message(b, &msg) == XE2E_OK);
	buf_free(&same);
	buf_free(&other);
	buf_free(&msg);
}

int fuzz_binding(const uint8_t *data, size_t size)
{
	struct device_binding b;
	int text, err;

	if (size < 1)
		return 0;
	text = data[0] & 1;
	data++;
	size--;
	err = text ? identity_binding_parse(data, size, &b) : identity_binding_decode(data, size, &b);
	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED || err == XE2E_E_UNSUPPORTED);
	if (err == XE2E_OK)
		fz_binding_check(&b, data, size, text);
	return 0;
}
