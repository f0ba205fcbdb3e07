/* "No session": where it was looked for (see session_missing.h). */
#include "session_missing.h"

#include <stdio.h>
#include <stdlib.h>

#include "err.h"
#include "identity.h"
#include "session.h"
#include "store.h"

/* How the data directory was chosen, for a reader who may have forgotten. */
static const char *home_origin(void)
{
	return getenv("XE2E_HOME") ? "from XE2E_HOME" : "XE2E_HOME is not set";
}

int session_missing(const char *bare)
{
	char data[STORE_PATH_MAX], key[STORE_PATH_MAX], sessions[STORE_PATH_MAX];

	if (store_dir(STORE_DATA, data) || store_path(STORE_DATA, IDENTITY_KEY_FILE, key) ||
	    store_path(STORE_STATE, SESSION_DIR, sessions)) {
		err_detail_set("no session with %.1100s: %s first", bare,
			       err_advice(ERR_ADVICE_HANDSHAKE));
		return XE2E_E_NOTFOUND;
	}
	if (!store_exists(key))
		err_detail_set("no identity in %.1000s (%s): %s first, or use the home that has one",
			       data, home_origin(), err_advice(ERR_ADVICE_CREATE_IDENTITY));
	else
		err_detail_set("no session with %.1100s in %.1000s: %s first", bare, sessions,
			       err_advice(ERR_ADVICE_HANDSHAKE));
	return XE2E_E_NOTFOUND;
}
