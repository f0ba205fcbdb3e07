/*
 * Session files (session.h): the format has one spelling per session, so
 * whatever session_parse() accepts must come back from session_format()
 * byte for byte, and a refused text must leave the session wiped.
 */
#include "fuzz.h"

#include <string.h>

#include "buf.h"
#include "err.h"
#include "session.h"

int fuzz_session(const uint8_t *data, size_t size)
{
	struct session s, again;
	struct buf text = BUF_INIT;
	static const struct session zero;
	int err;

	memset(&s, 0x5a, sizeof(s));
	err = session_parse("fuzz", (const char *)data, size, &s);
	FUZZ_CHECK(err == XE2E_OK || err == XE2E_E_MALFORMED || err == XE2E_E_LIMIT ||
		   err == XE2E_E_UNSUPPORTED);
	if (err != XE2E_OK) {
		FUZZ_CHECK(memcmp(s.root_key, zero.root_key, sizeof(s.root_key)) == 0);
		FUZZ_CHECK(memcmp(s.chain_key, zero.chain_key, sizeof(s.chain_key)) == 0);
		FUZZ_CHECK(memcmp(s.own_ratchet_priv, zero.own_ratchet_priv,
				  sizeof(s.own_ratchet_priv)) == 0);
		FUZZ_CHECK(memcmp(s.pending_rs, zero.pending_rs, sizeof(s.pending_rs)) == 0);
		goto done;
	}
	FUZZ_CHECK(session_format(&s, s.dev, s.ino, &text) == XE2E_OK);
	FUZZ_CHECK(text.len == size && memcmp(text.data, data, size) == 0);
	FUZZ_CHECK(session_parse("fuzz", (const char *)text.data, text.len, &again) == XE2E_OK);
	FUZZ_CHECK(strcmp(again.peer_jid, s.peer_jid) == 0 && again.dev == s.dev &&
		   again.ino == s.ino);
	session_free(&again);
done:
	session_free(&s);
	buf_free(&text);
	return 0;
}
