/*
 * The record of the own device binding's verification (xe2e(7) FILES):
 * device.binding.verified holds a fingerprint of the identity key and the
 * binding a load verified, so that later loads of the same files need
 * not verify the signature again. See identity.h.
 */
#include "identity.h"

#include <string.h>

#include "encoding.h"
#include "err.h"
#include "hash.h"
#include "store.h"
#include "util.h"

#define RECORD_CONTEXT "xe2e verified device-binding v1"
#define RECORD_TEXT_LEN (2 * SHA256_LEN + 1) /* hex, newline */

/* SHA-256 over the context, the identity key and the whole binary binding,
 * signature included: any other byte in either file gives another one. */
static int record_fingerprint(const uint8_t id_pub[static P256_PUB_LEN],
			      const struct device_binding *b, uint8_t fp[static SHA256_LEN])
{
	struct buf msg = BUF_INIT, bin = BUF_INIT;
	int err = identity_binding_encode(b, &bin);

	if (!err)
		err = buf_append_lp16(&msg, RECORD_CONTEXT, strlen(RECORD_CONTEXT));
	if (!err)
		err = buf_append_lp16(&msg, id_pub, P256_PUB_LEN);
	if (!err)
		err = buf_append_lp16(&msg, bin.data, bin.len);
	if (!err)
		err = hash(HASH_SHA256, msg.data, msg.len, fp);
	buf_free(&msg);
	buf_free(&bin);
	return err;
}

static int record_text(const uint8_t id_pub[static P256_PUB_LEN], const struct device_binding *b,
		       char text[static RECORD_TEXT_LEN + 1])
{
	uint8_t fp[SHA256_LEN];
	int err = record_fingerprint(id_pub, b, fp);

	if (!err) {
		hex_encode(fp, sizeof(fp), text);
		text[2 * SHA256_LEN] = '\n';
		text[RECORD_TEXT_LEN] = '\0';
	}
	return err;
}

int identity_binding_recorded(const uint8_t id_pub[static P256_PUB_LEN],
			      const struct device_binding *b)
{
	char path[STORE_PATH_MAX], want[RECORD_TEXT_LEN + 1];
	struct buf have = BUF_INIT;
	int same = 0;

	/* A record that is missing, unreadable, writable by others or of
	 * another binding is no record: the caller verifies. */
	if (record_text(id_pub, b, want) == XE2E_OK &&
	    store_path(STORE_DATA, IDENTITY_VERIFIED_FILE, path) == XE2E_OK &&
	    store_read_file(path, RECORD_TEXT_LEN, 1, &have) == XE2E_OK)
		same = have.len == RECORD_TEXT_LEN && ct_equal(have.data, want, RECORD_TEXT_LEN);
	buf_free(&have);
	err_detail_clear();
	return same;
}

int identity_binding_record(const uint8_t id_pub[static P256_PUB_LEN],
			    const struct device_binding *b)
{
	char path[STORE_PATH_MAX], text[RECORD_TEXT_LEN + 1];
	int err = record_text(id_pub, b, text);

	if (!err)
		err = store_path(STORE_DATA, IDENTITY_VERIFIED_FILE, path);
	if (!err)
		err = store_write_atomic(path, text, RECORD_TEXT_LEN, 0600);
	return err;
}
