/*
 * The fuzz targets (tests/fuzz) in the unit runner: each target's seed
 * corpus (tests/fuzz/corpus/NAME) and kept regression inputs
 * (tests/fuzz/regress/NAME) go through the very function libFuzzer runs,
 * in the normal build and under ASan + UBSan, so an input that once
 * crashed or broke an invariant stays fixed. A broken invariant is a
 * failed check naming the input.
 */
#include "unit.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../fuzz/util.c"

#include "../fuzz/fuzz_base64.c"
#include "../fuzz/fuzz_binding.c"
#include "../fuzz/fuzz_bundle.c"
#include "../fuzz/fuzz_handshake.c"
#include "../fuzz/fuzz_handshake_msg.c"
#include "../fuzz/fuzz_hex.c"
#include "../fuzz/fuzz_jid.c"
#include "../fuzz/fuzz_keyfile.c"
#include "../fuzz/fuzz_noise.c"
#include "../fuzz/fuzz_offline_header.c"
#include "../fuzz/fuzz_openpgp.c"
#include "../fuzz/fuzz_prekey_store.c"
#include "../fuzz/fuzz_psk_text.c"
#include "../fuzz/fuzz_ratchet_header.c"
#include "../fuzz/fuzz_ratchet_msg.c"
#include "../fuzz/fuzz_ratchet_state.c"
#include "../fuzz/fuzz_replay_cache.c"
#include "../fuzz/fuzz_scram.c"
#include "../fuzz/fuzz_secrets.c"
#include "../fuzz/fuzz_session.c"
#include "../fuzz/fuzz_sig_der.c"
#include "../fuzz/fuzz_spki.c"
#include "../fuzz/fuzz_stanza.c"
#include "../fuzz/fuzz_stanza_frame.c"
#include "../fuzz/fuzz_trust.c"
#include "../fuzz/fuzz_trustdb_import.c"
#include "../fuzz/fuzz_verify_run.c"
#include "../fuzz/fuzz_x509.c"
#include "../fuzz/fuzz_xml.c"
#include "../fuzz/fuzz_xml_reader.c"
#include "../fuzz/fuzz_xmpp_features.c"
#include "../fuzz/fuzz_xmpp_frame.c"

static char fzr_input[1400];

void fuzz_fail(const char *file, int line, const char *what)
{
	unit_fail(file, line, "%s (input %s)", what, fzr_input);
}

static const char *fzr_dir(void)
{
	const char *dir = getenv("XE2E_FUZZ_DIR");

	return dir && *dir ? dir : "tests/fuzz";
}

static int fzr_is_input(const struct dirent *e)
{
	return e->d_name[0] != '.' && strcmp(e->d_name, "README") != 0;
}

/* Runs fn on every file of dir/kind/name; returns how many, -1 when the
 * directory is missing. */
static int fzr_replay_dir(const char *kind, const char *name,
			  int (*fn)(const uint8_t *, size_t))
{
	char dir[1024];
	struct dirent **list = NULL;
	int n;

	snprintf(dir, sizeof(dir), "%s/%s/%s", fzr_dir(), kind, name);
	n = scandir(dir, &list, fzr_is_input, alphasort);
	for (int i = 0; i < n; i++) {
		size_t len = 0;
		uint8_t *data;

		snprintf(fzr_input, sizeof(fzr_input), "%s/%s", dir, list[i]->d_name);
		data = fuzz_read_file(fzr_input, &len);
		CHECK(data != NULL);
		if (data)
			fn(data, len);
		free(data);
		free(list[i]);
	}
	free(list);
	return n;
}

static void fzr_replay(const char *name, int (*fn)(const uint8_t *, size_t))
{
	const char *home = getenv("XE2E_HOME");
	char *saved = home ? strdup(home) : NULL;
	int seeds = fzr_replay_dir("corpus", name, fn);
	int kept = fzr_replay_dir("regress", name, fn);

	CHECK(seeds > 0);
	unit_note("%d seeds, %d regression inputs", seeds, kept > 0 ? kept : 0);
	if (saved)
		setenv("XE2E_HOME", saved, 1);
	else
		unsetenv("XE2E_HOME");
	free(saved);
}

/* Every target below has its source (a renamed target fails here). */
TEST(fuzz_regress_targets_exist)
{
	static const char *const names[] = {
		"base64", "binding", "bundle", "handshake", "handshake_msg", "hex", "jid", "keyfile",
		"noise", "offline_header", "openpgp", "prekey_store", "psk_text", "ratchet_header",
		"ratchet_msg", "ratchet_state", "replay_cache", "scram", "secrets", "session",
		"sig_der", "spki", "stanza", "stanza_frame", "trust", "trustdb_import", "verify_run",
		"x509", "xml", "xml_reader", "xmpp_features", "xmpp_frame",
	};
	char path[1024];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/fuzz_%s.c", fzr_dir(), names[i]);
		CHECK(access(path, R_OK) == 0);
	}
}

#define FZR_TARGET(name)                              \
	TEST(fuzz_regress_##name)                     \
	{                                             \
		fzr_replay(#name, fuzz_##name);       \
	}

FZR_TARGET(base64)
FZR_TARGET(binding)
FZR_TARGET(bundle)
FZR_TARGET(handshake)
FZR_TARGET(handshake_msg)
FZR_TARGET(hex)
FZR_TARGET(jid)
FZR_TARGET(keyfile)
FZR_TARGET(noise)
FZR_TARGET(offline_header)
FZR_TARGET(openpgp)
FZR_TARGET(prekey_store)
FZR_TARGET(psk_text)
FZR_TARGET(ratchet_header)
FZR_TARGET(ratchet_msg)
FZR_TARGET(ratchet_state)
FZR_TARGET(replay_cache)
FZR_TARGET(scram)
FZR_TARGET(secrets)
FZR_TARGET(session)
FZR_TARGET(sig_der)
FZR_TARGET(spki)
FZR_TARGET(stanza)
FZR_TARGET(stanza_frame)
FZR_TARGET(trust)
FZR_TARGET(trustdb_import)
FZR_TARGET(verify_run)
FZR_TARGET(x509)
FZR_TARGET(xml)
FZR_TARGET(xml_reader)
FZR_TARGET(xmpp_features)
FZR_TARGET(xmpp_frame)
