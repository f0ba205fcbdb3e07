/*
 * Fuzz targets for every parser of outside input (tests/fuzz/README).
 *
 * Each target is a function fuzz_NAME(data, size) in fuzz_NAME.c that
 * feeds the bytes to one parser, checks what must hold of its result, and
 * frees everything. Two programs call them: the libFuzzer driver
 * (driver.c, one binary per target, `make fuzz`) and the unit runner
 * (tests/unit/test_fuzz_regress.c), which replays the seed corpus and the
 * kept regression inputs in every build, the sanitizer build included.
 */
#ifndef XE2E_FUZZ_H
#define XE2E_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Reports a broken invariant. The libFuzzer driver aborts, so the input is
 * kept as a crash; the unit runner records a failed check and goes on, so
 * a target continues safely after a failed FUZZ_CHECK.
 */
void fuzz_fail(const char *file, int line, const char *what);

#define FUZZ_CHECK(cond)                                            \
	do {                                                        \
		if (!(cond))                                        \
			fuzz_fail(__FILE__, __LINE__, #cond);       \
	} while (0)

/* The fixed time targets run at (2025-06-01T00:00:00Z): the fixtures and
 * seeds were made for it, so bindings and cookies never expire. */
#define FUZZ_NOW 1748736000u

/*
 * The private temporary directory of this process (0700, on /dev/shm when
 * it exists), made on first use and removed at exit. XE2E_HOME is set to it
 * by fuzz_use_home().
 */
const char *fuzz_home(void);

/* Points XE2E_HOME at fuzz_home()/sub (made if needed; sub may be NULL for
 * the home itself). Returns 0, or -1 when the directory cannot be made. */
int fuzz_use_home(const char *sub);

/* Writes size bytes to path (replacing it) with the given mode; 0 or -1. */
int fuzz_write_file(const char *path, const void *data, size_t size, mode_t mode);

/* Reads a whole file into a fresh buffer (NUL-terminated); NULL on error. */
uint8_t *fuzz_read_file(const char *path, size_t *size);

/* The directory of the checked-in fixtures: $XE2E_FUZZ_DIR/fixtures, or
 * tests/fuzz/fixtures from the top of the tree. */
const char *fuzz_fixtures_dir(void);

struct xml_node;

/*
 * Checks what every parsed stanza must satisfy: it serializes to one line
 * that parses back to a tree with the same serialization, and a deep copy
 * serializes the same way.
 */
void fuzz_xml_round_trip(const struct xml_node *el);

/* The targets. */
int fuzz_base64(const uint8_t *data, size_t size);
int fuzz_binding(const uint8_t *data, size_t size);
int fuzz_bundle(const uint8_t *data, size_t size);
int fuzz_handshake(const uint8_t *data, size_t size);
int fuzz_handshake_msg(const uint8_t *data, size_t size);
int fuzz_hex(const uint8_t *data, size_t size);
int fuzz_jid(const uint8_t *data, size_t size);
int fuzz_keyfile(const uint8_t *data, size_t size);
int fuzz_noise(const uint8_t *data, size_t size);
int fuzz_offline_header(const uint8_t *data, size_t size);
int fuzz_openpgp(const uint8_t *data, size_t size);
int fuzz_prekey_store(const uint8_t *data, size_t size);
int fuzz_psk_text(const uint8_t *data, size_t size);
int fuzz_ratchet_header(const uint8_t *data, size_t size);
int fuzz_ratchet_msg(const uint8_t *data, size_t size);
int fuzz_ratchet_state(const uint8_t *data, size_t size);
int fuzz_replay_cache(const uint8_t *data, size_t size);
int fuzz_scram(const uint8_t *data, size_t size);
int fuzz_secrets(const uint8_t *data, size_t size);
int fuzz_session(const uint8_t *data, size_t size);
int fuzz_sig_der(const uint8_t *data, size_t size);
int fuzz_spki(const uint8_t *data, size_t size);
int fuzz_stanza(const uint8_t *data, size_t size);
int fuzz_stanza_frame(const uint8_t *data, size_t size);
int fuzz_trust(const uint8_t *data, size_t size);
int fuzz_trustdb_import(const uint8_t *data, size_t size);
int fuzz_verify_run(const uint8_t *data, size_t size);
int fuzz_x509(const uint8_t *data, size_t size);
int fuzz_xml(const uint8_t *data, size_t size);
int fuzz_xml_reader(const uint8_t *data, size_t size);
int fuzz_xmpp_features(const uint8_t *data, size_t size);
int fuzz_xmpp_frame(const uint8_t *data, size_t size);

#endif
