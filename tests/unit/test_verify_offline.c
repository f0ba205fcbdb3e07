#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "store.h"
#include "trust.h"
#include "unit.h"
#include "verify_record.h"

/* A session of offline origin cannot make its peer verified (xe2e(7) OFFLINE MESSAGES "Receiving"). */
TEST(verify_refuses_offline_origin_session)
{
	struct verify_peer p;
	char path[STORE_PATH_MAX];

	setenv("XE2E_HOME", unit_tmpdir(), 1);
	memset(&p, 0, sizeof(p));
	strcpy(p.jid, "carol@example.org");
	p.flags = TRUST_FLAG_OFFLINE_ORIGIN;
	CHECK_INT(verify_record_match(&p, NULL), XE2E_E_TRUST);
	CHECK(strstr(err_detail(), "prekey bundle") != NULL);
	err_detail_clear();
	/* Nothing was written: no trust store came into being. */
	CHECK_INT(trust_default_path(path), XE2E_OK);
	CHECK(!store_exists(path));
}
