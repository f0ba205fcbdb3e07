/*
 * The text form of a PSK (psk.h): whatever psk_parse() accepts is the one
 * spelling psk_format() gives for its key; anything else leaves the key
 * wiped.
 */
#include "fuzz.h"

#include <string.h>

#include "err.h"
#include "psk.h"

int fuzz_psk_text(const uint8_t *data, size_t size)
{
	uint8_t psk[PSK_LEN], zero[PSK_LEN] = {0};
	char text[PSK_TEXT_LEN];
	int err;

	memset(psk, 0xa5, sizeof(psk));
	err = psk_parse((const char *)data, size, psk);
	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED);
	if (err == XE2E_OK) {
		FUZZ_CHECK(psk_format(psk, text) == XE2E_OK);
		FUZZ_CHECK(size == strlen(text) && memcmp(text, data, size) == 0);
	} else {
		FUZZ_CHECK(memcmp(psk, zero, PSK_LEN) == 0);
	}
	return 0;
}
