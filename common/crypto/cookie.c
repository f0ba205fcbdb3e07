/* Retry cookies (see cookie.h). */
#include "cookie.h"

#include <string.h>

#include "buf.h"
#include "err.h"
#include "hash.h"
#include "rng.h"
#include "store.h"
#include "util.h"

static int cookie_mac(const uint8_t key[static COOKIE_KEY_LEN], const struct cookie_input *in,
		      const uint8_t ts[static 8], uint8_t mac[static SHA256_LEN])
{
	static const char label[] = "xe2e cookie";
	const uint8_t choice[4] = {in->kind, in->version, in->suite, in->pattern};
	struct buf msg = BUF_INIT;
	int err = buf_append(&msg, label, sizeof(label) - 1);

	if (!err)
		err = buf_append_lp16(&msg, in->offer, in->offer_len);
	if (!err)
		err = buf_append(&msg, choice, sizeof(choice));
	if (!err)
		err = buf_append_lp16(&msg, in->jid, strlen(in->jid));
	if (!err)
		err = buf_append(&msg, ts, 8);
	if (!err)
		err = hmac(HASH_SHA256, key, COOKIE_KEY_LEN, msg.data, msg.len, mac);
	buf_free(&msg);
	return err;
}

int cookie_make(const uint8_t key[static COOKIE_KEY_LEN], const struct cookie_input *in,
		uint64_t now, uint8_t out[static COOKIE_LEN])
{
	uint8_t mac[SHA256_LEN];
	int err;

	put_be64(out, now);
	err = cookie_mac(key, in, out, mac);
	if (!err)
		memcpy(out + 8, mac, COOKIE_MAC_LEN);
	wipe(mac, sizeof(mac));
	return err;
}

int cookie_check(const uint8_t key[static COOKIE_KEY_LEN], const struct cookie_input *in,
		 const uint8_t *cookie, size_t cookie_len, uint64_t now)
{
	uint8_t mac[SHA256_LEN];
	uint64_t made;
	int err;

	if (cookie_len != COOKIE_LEN) {
		err_detail_set("cookie of %zu bytes, want %d", cookie_len, COOKIE_LEN);
		return XE2E_E_MALFORMED;
	}
	err = cookie_mac(key, in, cookie, mac);
	if (err)
		goto out;
	if (!ct_equal(mac, cookie + 8, COOKIE_MAC_LEN)) {
		err_detail_set("retry cookie not valid");
		err = XE2E_E_AUTH;
		goto out;
	}
	made = load_be64(cookie);
	if (made > now || now - made > COOKIE_LIFETIME) {
		err_detail_set("retry cookie expired");
		err = XE2E_E_EXPIRED;
	}
out:
	wipe(mac, sizeof(mac));
	return err;
}

static int key_create(const char *path, uint8_t key[static COOKIE_KEY_LEN])
{
	int err = rng_bytes(key, COOKIE_KEY_LEN);

	if (!err)
		err = store_create(path, key, COOKIE_KEY_LEN, 0600);
	return err;
}

int cookie_key_load(uint8_t key[static COOKIE_KEY_LEN])
{
	char path[STORE_PATH_MAX];
	struct buf raw = BUF_INIT;
	int err = store_ensure_dir(STORE_STATE);

	if (!err)
		err = store_path(STORE_STATE, COOKIE_KEY_FILE, path);
	if (err)
		return err;
	err = store_read_file(path, 4096, 1, &raw);
	if (err == XE2E_E_NOTFOUND) {
		err = key_create(path, key);
		if (err != XE2E_E_EXISTS)
			goto out;
		err = store_read_file(path, 4096, 1, &raw);
	}
	if (err)
		goto out;
	if (raw.len != COOKIE_KEY_LEN) {
		err_detail_set("%s: %zu bytes, want %d", path, raw.len, COOKIE_KEY_LEN);
		err = XE2E_E_MALFORMED;
		goto out;
	}
	memcpy(key, raw.data, COOKIE_KEY_LEN);
out:
	buf_free(&raw);
	if (err)
		wipe(key, COOKIE_KEY_LEN);
	return err;
}
