/* PSKs and retained secrets: files, permissions, slots, identifiers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>

#include "err.h"
#include "psk.h"
#include "rng.h"
#include "secrets.h"
#include "store.h"
#include "unit.h"

#define ALICE "alice@capulet.lit"
#define BOB "bob@montague.lit"

static void fresh_home(void)
{
	setenv("XE2E_HOME", unit_tmpdir(), 1);
}

static void random_bytes(uint8_t *p, size_t n)
{
	CHECK_INT(rng_bytes(p, n), XE2E_OK);
}

static mode_t file_mode(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

TEST(psk_set_get_clear_round_trip)
{
	uint8_t k1[PSK_LEN], k2[PSK_LEN], k3[PSK_LEN], got[PSK_LEN], zero[PSK_LEN] = {0};
	char path[STORE_PATH_MAX];

	fresh_home();
	random_bytes(k1, sizeof(k1));
	random_bytes(k2, sizeof(k2));
	random_bytes(k3, sizeof(k3));
	CHECK_INT(psk_default_path(path), XE2E_OK);
	CHECK_INT(psk_get(NULL, ALICE, got), XE2E_E_NOTFOUND);
	CHECK_INT(psk_set(NULL, ALICE, k1), XE2E_OK);
	CHECK_INT(file_mode(path), 0600);
	CHECK_INT(psk_set(NULL, BOB, k2), XE2E_OK);
	CHECK_INT(psk_get(NULL, ALICE, got), XE2E_OK);
	CHECK_MEM(got, k1, PSK_LEN);
	CHECK_INT(psk_set(NULL, ALICE, k3), XE2E_OK);
	CHECK_INT(psk_get(NULL, ALICE, got), XE2E_OK);
	CHECK_MEM(got, k3, PSK_LEN);
	CHECK_INT(psk_get(NULL, BOB, got), XE2E_OK);
	CHECK_MEM(got, k2, PSK_LEN);
	CHECK_INT(psk_remove(NULL, ALICE), XE2E_OK);
	CHECK_INT(psk_get(NULL, ALICE, got), XE2E_E_NOTFOUND);
	CHECK_INT(psk_remove(NULL, ALICE), XE2E_E_NOTFOUND);
	CHECK_INT(psk_get(NULL, BOB, got), XE2E_OK);
	CHECK_MEM(got, k2, PSK_LEN);
	CHECK_INT(psk_set(NULL, "carol@example.org", zero), XE2E_E_WEAKKEY);
	CHECK_INT(psk_set(NULL, "Carol@example.org", k1), XE2E_E_MALFORMED);
	CHECK_INT(psk_set(NULL, "carol@example.org/phone", k1), XE2E_E_MALFORMED);
	CHECK_INT(psk_get(NULL, "carol@example.org", got), XE2E_E_NOTFOUND);
	CHECK_INT(file_mode(path), 0600);
}

struct bad_case {
	const char *text;
	size_t line;
	const char *detail;
};

#define PSK_HEX "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define PSK_OK "psk " ALICE " " PSK_HEX "\n"

static const struct bad_case bad_psks[] = {
	{"", 1, "empty file"},
	{"# xe2e psk v1\n", 1, "header"},
	{"# xe2e psks v1\n" PSK_OK PSK_OK, 3, "second PSK"},
	{"# xe2e psks v1\n" PSK_OK "psk " BOB " 00112233\n", 3, "bad PSK"},
	{"# xe2e psks v1\npsk " BOB " " PSK_HEX "AA\n", 2, "bad PSK"},
	{"# xe2e psks v1\npsk " BOB " 00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff\n",
	 2, "bad PSK"},
	{"# xe2e psks v1\npsk " BOB " " PSK_HEX " extra\n", 2, "fields"},
	{"# xe2e psks v1\npsk " BOB "\n", 2, "fields"},
	{"# xe2e psks v1\npsx " BOB " " PSK_HEX "\n", 2, "unknown record"},
	{"# xe2e psks v1\npsk Bob@montague.lit " PSK_HEX "\n", 2, "JID"},
	{"# xe2e psks v1\n\n# fine\npsk " BOB "  " PSK_HEX "\n", 4, "empty field"},
	{"# xe2e psks v1\npsk " BOB " " PSK_HEX, 2, "no newline"},
	{"# xe2e psks v1\npsk " BOB " " PSK_HEX "\r\n", 2, "control"},
};

TEST(psk_file_refuses_malformed_lines)
{
	char path[STORE_PATH_MAX];
	uint8_t got[PSK_LEN];
	size_t n = sizeof(bad_psks) / sizeof(bad_psks[0]);

	fresh_home();
	CHECK_INT(store_ensure_dir(STORE_DATA), XE2E_OK);
	CHECK_INT(psk_default_path(path), XE2E_OK);
	for (size_t i = 0; i < n; i++) {
		char where[STORE_PATH_MAX + 32], *before, *after;
		int err;

		CHECK_INT(store_write_atomic(path, bad_psks[i].text, strlen(bad_psks[i].text), 0600),
			  XE2E_OK);
		snprintf(where, sizeof(where), "%s line %zu: ", path, bad_psks[i].line);
		err = psk_get(NULL, BOB, got);
		if (err != XE2E_E_MALFORMED || strncmp(err_detail(), where, strlen(where)) != 0 ||
		    !strstr(err_detail(), bad_psks[i].detail))
			unit_fail(__FILE__, __LINE__, "case %zu: err %d, detail \"%s\"", i, err,
				  err_detail());
		CHECK(!strstr(err_detail(), "00112233")); /* no secret in messages */
		before = unit_read_file(path, NULL);
		CHECK_INT(psk_set(NULL, BOB, (const uint8_t *)"0123456789abcdef0123456789abcdef"),
			  XE2E_E_MALFORMED);
		after = unit_read_file(path, NULL);
		CHECK(before && after && strcmp(before, after) == 0);
		free(before);
		free(after);
	}
	unit_note("%zu malformed PSK files refused, none overwritten", n);
}

TEST(secrets_files_others_can_read_are_refused)
{
	char psks[STORE_PATH_MAX], retained[STORE_PATH_MAX];
	uint8_t key[PSK_LEN], fpr[FINGERPRINT_LEN] = {1}, rs[RS_LEN];
	struct rs_db db = RS_DB_INIT;
	struct rs_entry entry;
	char *before, *after;

	fresh_home();
	random_bytes(key, sizeof(key));
	random_bytes(rs, sizeof(rs));
	CHECK_INT(psk_set(NULL, ALICE, key), XE2E_OK);
	CHECK_INT(rs_rotate_after_success(NULL, fpr, 1, rs), XE2E_OK);
	CHECK_INT(psk_default_path(psks), XE2E_OK);
	CHECK_INT(rs_default_path(retained), XE2E_OK);
	CHECK_INT(file_mode(retained), 0600);
	CHECK_INT(chmod(psks, 0644), 0);
	CHECK_INT(chmod(retained, 0640), 0);
	before = unit_read_file(retained, NULL);
	CHECK_INT(psk_get(NULL, ALICE, key), XE2E_E_PERM);
	CHECK(strstr(err_detail(), "chmod") != NULL);
	CHECK_INT(psk_set(NULL, BOB, key), XE2E_E_PERM);
	CHECK_INT(psk_remove(NULL, ALICE), XE2E_E_PERM);
	CHECK_INT(rs_load(NULL, &db), XE2E_E_PERM);
	CHECK_INT(rs_get(NULL, fpr, 1, &entry), XE2E_E_PERM);
	CHECK_INT(rs_rotate_after_success(NULL, fpr, 1, rs), XE2E_E_PERM);
	after = unit_read_file(retained, NULL);
	CHECK(before && after && strcmp(before, after) == 0);
	CHECK_INT(file_mode(psks), 0644);
	CHECK_INT(chmod(psks, 0600), 0);
	CHECK_INT(psk_get(NULL, ALICE, key), XE2E_OK);
	free(before);
	free(after);
}

/* Checks that slot s of entry holds want (or is empty when want is NULL). */
static void check_slot(const struct rs_entry *e, enum rs_slot s, const uint8_t *want)
{
	if (!want) {
		CHECK(!(e->present & (1u << s)));
		return;
	}
	CHECK(e->present & (1u << s));
	CHECK_MEM(e->secret[s], want, RS_LEN);
}

static void check_slots(const uint8_t fpr[FINGERPRINT_LEN], uint32_t id, const uint8_t *rs1,
			const uint8_t *rs2, const uint8_t *prov)
{
	struct rs_entry e;

	CHECK_INT(rs_get(NULL, fpr, id, &e), XE2E_OK);
	check_slot(&e, RS_SLOT_RS1, rs1);
	check_slot(&e, RS_SLOT_RS2, rs2);
	check_slot(&e, RS_SLOT_PROVISIONAL, prov);
}

TEST(rs_slots_rotate_like_zrtp)
{
	uint8_t fpr[FINGERPRINT_LEN], other[FINGERPRINT_LEN], s[4][RS_LEN];
	struct rs_entry e;

	fresh_home();
	random_bytes(fpr, sizeof(fpr));
	random_bytes(other, sizeof(other));
	random_bytes(&s[0][0], sizeof(s));
	CHECK_INT(rs_get(NULL, fpr, 9, &e), XE2E_E_NOTFOUND);
	CHECK_INT(rs_rotate_after_success(NULL, fpr, 9, s[0]), XE2E_OK);
	check_slots(fpr, 9, s[0], NULL, NULL);
	CHECK_INT(rs_rotate_after_success(NULL, fpr, 9, s[1]), XE2E_OK);
	check_slots(fpr, 9, s[1], s[0], NULL);
	CHECK_INT(rs_rotate_after_success(NULL, fpr, 9, s[2]), XE2E_OK);
	check_slots(fpr, 9, s[2], s[1], NULL);
	/* Other devices and peers are separate. */
	CHECK_INT(rs_rotate_after_success(NULL, fpr, 10, s[3]), XE2E_OK);
	CHECK_INT(rs_rotate_after_success(NULL, other, 9, s[3]), XE2E_OK);
	check_slots(fpr, 9, s[2], s[1], NULL);
	check_slots(fpr, 10, s[3], NULL, NULL);
	CHECK_INT(rs_forget(NULL, fpr, 9), XE2E_OK);
	CHECK_INT(rs_get(NULL, fpr, 9, &e), XE2E_E_NOTFOUND);
	CHECK_INT(rs_forget(NULL, fpr, 9), XE2E_E_NOTFOUND);
	check_slots(fpr, 10, s[3], NULL, NULL);
	CHECK_INT(rs_rotate_after_success(NULL, fpr, 11, s[0]), XE2E_OK);
	CHECK_INT(rs_forget_peer(NULL, fpr), XE2E_OK);
	CHECK_INT(rs_get(NULL, fpr, 10, &e), XE2E_E_NOTFOUND);
	CHECK_INT(rs_get(NULL, fpr, 11, &e), XE2E_E_NOTFOUND);
	CHECK_INT(rs_forget_peer(NULL, fpr), XE2E_E_NOTFOUND);
	check_slots(other, 9, s[3], NULL, NULL);
}

TEST(rs_provisional_never_evicts_good_slots)
{
	uint8_t fpr[FINGERPRINT_LEN], s[6][RS_LEN];

	fresh_home();
	random_bytes(fpr, sizeof(fpr));
	random_bytes(&s[0][0], sizeof(s));
	CHECK_INT(rs_promote_provisional(NULL, fpr, 1), XE2E_E_NOTFOUND);
	CHECK_INT(rs_rotate_after_success(NULL, fpr, 1, s[0]), XE2E_OK);
	CHECK_INT(rs_rotate_after_success(NULL, fpr, 1, s[1]), XE2E_OK);
	CHECK_INT(rs_promote_provisional(NULL, fpr, 1), XE2E_E_NOTFOUND);
	CHECK_INT(rs_store_provisional(NULL, fpr, 1, s[2]), XE2E_OK);
	check_slots(fpr, 1, s[1], s[0], s[2]);
	CHECK_INT(rs_store_provisional(NULL, fpr, 1, s[3]), XE2E_OK);
	check_slots(fpr, 1, s[1], s[0], s[3]);
	CHECK_INT(rs_promote_provisional(NULL, fpr, 1), XE2E_OK);
	check_slots(fpr, 1, s[3], s[1], NULL);
	CHECK_INT(rs_promote_provisional(NULL, fpr, 1), XE2E_E_NOTFOUND);
	check_slots(fpr, 1, s[3], s[1], NULL);
	/* A successful match later drops a pending provisional secret. */
	CHECK_INT(rs_store_provisional(NULL, fpr, 1, s[4]), XE2E_OK);
	CHECK_INT(rs_rotate_after_success(NULL, fpr, 1, s[5]), XE2E_OK);
	check_slots(fpr, 1, s[5], s[3], NULL);
	/* A provisional secret alone (no good slot yet). */
	CHECK_INT(rs_store_provisional(NULL, fpr, 2, s[0]), XE2E_OK);
	check_slots(fpr, 2, NULL, NULL, s[0]);
	CHECK_INT(rs_promote_provisional(NULL, fpr, 2), XE2E_OK);
	check_slots(fpr, 2, s[0], NULL, NULL);
}

#define RS_TEXT_FPR "1111111111111111111111111111111111111111111111111111111111111111"
#define RS_HEXS "2222222222222222222222222222222222222222222222222222222222222222"
#define RS_OK "rs " RS_TEXT_FPR " 00000001 rs1=" RS_HEXS " rs2=- provisional=-\n"

static const struct bad_case bad_rs[] = {
	{"# xe2e psks v1\n", 1, "header"},
	{"# xe2e retained secrets v1\n" RS_OK RS_OK, 3, "second record"},
	{"# xe2e retained secrets v1\nrs " RS_TEXT_FPR " 00000001 rs1=- rs2=- provisional=-\n", 2,
	 "without any secret"},
	{"# xe2e retained secrets v1\nrs " RS_TEXT_FPR " 00000001 rs2=- rs1=- provisional=-\n", 2,
	 "expected rs1="},
	{"# xe2e retained secrets v1\nrs " RS_TEXT_FPR " 00000001 rs1=" RS_HEXS
	 " rs2=- prov=-\n", 2, "expected provisional="},
	{"# xe2e retained secrets v1\nrs " RS_TEXT_FPR " 0001 rs1=" RS_HEXS " rs2=- provisional=-\n",
	 2, "device id"},
	{"# xe2e retained secrets v1\nrs " RS_TEXT_FPR "1 00000001 rs1=" RS_HEXS
	 " rs2=- provisional=-\n", 2, "fingerprint"},
	{"# xe2e retained secrets v1\nrs " RS_TEXT_FPR " 00000001 rs1=" RS_HEXS " rs2=22"
	 " provisional=-\n", 2, "bad rs2"},
	{"# xe2e retained secrets v1\nrs " RS_TEXT_FPR " 00000001 rs1=" RS_HEXS " rs2=--"
	 " provisional=-\n", 2, "bad rs2"},
	{"# xe2e retained secrets v1\nrs " RS_TEXT_FPR " 00000001 rs1=" RS_HEXS "\n", 2, "fields"},
	{"# xe2e retained secrets v1\n" RS_OK "rs " RS_TEXT_FPR, 3, "no newline"},
};

TEST(rs_file_refuses_malformed_lines)
{
	char path[STORE_PATH_MAX];
	uint8_t fpr[FINGERPRINT_LEN] = {0x11}, rs[RS_LEN] = {1};
	size_t n = sizeof(bad_rs) / sizeof(bad_rs[0]);
	struct rs_db db = RS_DB_INIT;

	fresh_home();
	CHECK_INT(store_ensure_dir(STORE_STATE), XE2E_OK);
	CHECK_INT(rs_default_path(path), XE2E_OK);
	for (size_t i = 0; i < n; i++) {
		char where[STORE_PATH_MAX + 32], *before, *after;
		int err;

		CHECK_INT(store_write_atomic(path, bad_rs[i].text, strlen(bad_rs[i].text), 0600),
			  XE2E_OK);
		snprintf(where, sizeof(where), "%s line %zu: ", path, bad_rs[i].line);
		err = rs_load(NULL, &db);
		if (err != XE2E_E_MALFORMED || strncmp(err_detail(), where, strlen(where)) != 0 ||
		    !strstr(err_detail(), bad_rs[i].detail))
			unit_fail(__FILE__, __LINE__, "case %zu: err %d, detail \"%s\"", i, err,
				  err_detail());
		CHECK(!strstr(err_detail(), "2222")); /* no secret in messages */
		CHECK_INT(db.n, 0);
		before = unit_read_file(path, NULL);
		CHECK_INT(rs_rotate_after_success(NULL, fpr, 1, rs), XE2E_E_MALFORMED);
		after = unit_read_file(path, NULL);
		CHECK(before && after && strcmp(before, after) == 0);
		free(before);
		free(after);
	}
	/* The good line alone parses, with comments. */
	CHECK_INT(store_write_atomic(path, "# xe2e retained secrets v1\n# c\n\n" RS_OK,
				     strlen("# xe2e retained secrets v1\n# c\n\n" RS_OK), 0600),
		  XE2E_OK);
	CHECK_INT(rs_load(NULL, &db), XE2E_OK);
	CHECK_INT(db.n, 1);
	CHECK(db.n == 1 && db.entries[0].device_id == 1 && db.entries[0].present == 1 &&
	      db.entries[0].secret[0][0] == 0x22 && db.entries[0].fpr[31] == 0x11);
	rs_free(&db);
	unit_note("%zu malformed retained-secret files refused, none overwritten", n);
}

TEST(rs_identifier_matches_independent_vector)
{
	uint8_t rs[RS_LEN], eph[X25519_LEN], id[RSID_LEN], key[32], want[RSID_LEN];
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	size_t n;
	uint8_t *vec;

	for (int i = 0; i < 32; i++) {
		rs[i] = (uint8_t)i;
		eph[i] = (uint8_t)(32 + i);
	}
	/* Computed with Python's hmac module, HKDF written out by hand. */
	vec = unit_hex("97c736c7606e266e5c87fecd1c64f583457b18110abb942eff2eb51181b77f2e", &n);
	CHECK_INT(rs_identifier(rs, eph, id), XE2E_OK);
	CHECK(vec && n == RSID_LEN);
	if (vec)
		CHECK_MEM(id, vec, RSID_LEN);
	free(vec);
	vec = unit_hex("198abb806569f5a39fd9d71bd2267543b709b590d8e750b1aa61233f19139b7f", &n);
	for (int i = 0; i < 32; i++)
		eph[i] = (uint8_t)(64 + i);
	CHECK_INT(rs_identifier(rs, eph, id), XE2E_OK);
	if (vec)
		CHECK_MEM(id, vec, RSID_LEN);
	free(vec);
	/* And against mbedTLS directly, for random inputs. */
	for (int round = 0; round < 50; round++) {
		random_bytes(rs, sizeof(rs));
		random_bytes(eph, sizeof(eph));
		CHECK_INT(mbedtls_hkdf(md, NULL, 0, rs, sizeof(rs), (const uint8_t *)"xe2e rsid", 9,
				       key, sizeof(key)), 0);
		CHECK_INT(mbedtls_md_hmac(md, key, sizeof(key), eph, sizeof(eph), want), 0);
		CHECK_INT(rs_identifier(rs, eph, id), XE2E_OK);
		CHECK_MEM(id, want, RSID_LEN);
	}
	unit_note("2 fixed vectors, 50 random cross-checks");
}

TEST(rs_find_by_identifier_finds_the_right_slot)
{
	uint8_t fpr[3][FINGERPRINT_LEN], s[3][3][RS_LEN], eph[X25519_LEN], wrong[X25519_LEN];
	uint8_t rsid[RSID_LEN], ids[2][RSID_LEN], zero[sizeof(struct rs_match)] = {0};
	struct rs_db db = RS_DB_INIT;
	struct rs_match match;
	struct rs_entry entry;
	int checked = 0;

	fresh_home();
	random_bytes(&fpr[0][0], sizeof(fpr));
	random_bytes(&s[0][0][0], sizeof(s));
	random_bytes(eph, sizeof(eph));
	memcpy(wrong, eph, sizeof(eph));
	wrong[0] ^= 1;
	/* Peer p, device 100 + p: rs1 = s[p][1], rs2 = s[p][0], provisional s[p][2]. */
	for (int p = 0; p < 3; p++) {
		CHECK_INT(rs_rotate_after_success(NULL, fpr[p], 100 + p, s[p][0]), XE2E_OK);
		CHECK_INT(rs_rotate_after_success(NULL, fpr[p], 100 + p, s[p][1]), XE2E_OK);
		CHECK_INT(rs_store_provisional(NULL, fpr[p], 100 + p, s[p][2]), XE2E_OK);
	}
	CHECK_INT(rs_load(NULL, &db), XE2E_OK);
	CHECK_INT(db.n, 3);
	for (int p = 0; p < 3; p++) {
		static const enum rs_slot slot_of[3] = {RS_SLOT_RS2, RS_SLOT_RS1,
							RS_SLOT_PROVISIONAL};

		for (int k = 0; k < 3; k++) {
			CHECK_INT(rs_identifier(s[p][k], eph, rsid), XE2E_OK);
			CHECK_INT(rs_find_by_identifier(&db, eph, rsid, NULL, RSID_LEN, &match), XE2E_OK);
			CHECK_MEM(match.fpr, fpr[p], FINGERPRINT_LEN);
			CHECK_INT(match.device_id, 100 + p);
			CHECK_INT(match.slot, slot_of[k]);
			CHECK_MEM(match.secret, s[p][k], RS_LEN);
			CHECK_INT(rs_find_by_identifier(&db, wrong, rsid, NULL, RSID_LEN, &match), XE2E_E_NOTFOUND);
			CHECK_MEM(&match, zero, sizeof(match));
			checked++;
		}
	}
	CHECK_INT(rs_decoy_identifier(rsid), XE2E_OK);
	CHECK_INT(rs_find_by_identifier(&db, eph, rsid, NULL, RSID_LEN, &match), XE2E_E_NOTFOUND);
	/* What an initiator sends: its rs1 and rs2 identifiers... */
	CHECK_INT(rs_get(NULL, fpr[1], 101, &entry), XE2E_OK);
	CHECK_INT(rs_identifiers(&entry, eph, ids), XE2E_OK);
	CHECK_INT(rs_find_by_identifier(&db, eph, ids[0], NULL, RSID_LEN, &match), XE2E_OK);
	CHECK(match.slot == RS_SLOT_RS1 && match.device_id == 101);
	CHECK_INT(rs_find_by_identifier(&db, eph, ids[1], NULL, RSID_LEN, &match), XE2E_OK);
	CHECK(match.slot == RS_SLOT_RS2 && match.device_id == 101);
	/* ...with decoys for empty slots, different every time. */
	entry.present = 1u << RS_SLOT_RS1;
	CHECK_INT(rs_identifiers(&entry, eph, ids), XE2E_OK);
	CHECK_INT(rs_find_by_identifier(&db, eph, ids[0], NULL, RSID_LEN, &match), XE2E_OK);
	CHECK_INT(rs_find_by_identifier(&db, eph, ids[1], NULL, RSID_LEN, &match), XE2E_E_NOTFOUND);
	/* The handshake's form: the first 16 bytes of either of two. */
	CHECK_INT(rs_find_by_identifier(&db, eph, ids[1], ids[0], RSID_WIRE_LEN, &match), XE2E_OK);
	CHECK(match.slot == RS_SLOT_RS1 && match.device_id == 101);
	ids[0][RSID_WIRE_LEN - 1] ^= 1;
	CHECK_INT(rs_find_by_identifier(&db, eph, ids[1], ids[0], RSID_WIRE_LEN, &match),
		  XE2E_E_NOTFOUND);
	ids[0][RSID_WIRE_LEN - 1] ^= 1;
	ids[0][RSID_WIRE_LEN] ^= 1; /* beyond what the wire carries: still found */
	CHECK_INT(rs_find_by_identifier(&db, eph, ids[0], NULL, RSID_WIRE_LEN, &match), XE2E_OK);
	CHECK_INT(rs_find_by_identifier(&db, eph, ids[0], NULL, RSID_LEN, &match), XE2E_E_NOTFOUND);
	CHECK_INT(rs_find_by_identifier(&db, eph, ids[0], NULL, 8, &match), XE2E_E_LIMIT);
	CHECK_INT(rs_identifiers(NULL, eph, ids), XE2E_OK);
	CHECK(memcmp(ids[0], ids[1], RSID_LEN) != 0);
	CHECK_INT(rs_find_by_identifier(&db, eph, ids[0], NULL, RSID_LEN, &match), XE2E_E_NOTFOUND);
	CHECK_INT(rs_find_by_identifier(&db, eph, ids[1], NULL, RSID_LEN, &match), XE2E_E_NOTFOUND);
	rs_free(&db);
	CHECK(db.entries == NULL && db.n == 0);
	/* The same secret in two places: the first in file order wins. */
	CHECK_INT(rs_rotate_after_success(NULL, fpr[2], 7, s[0][1]), XE2E_OK);
	CHECK_INT(rs_load(NULL, &db), XE2E_OK);
	CHECK_INT(rs_identifier(s[0][1], eph, rsid), XE2E_OK);
	CHECK_INT(rs_find_by_identifier(&db, eph, rsid, NULL, RSID_LEN, &match), XE2E_OK);
	CHECK_MEM(match.fpr, fpr[0], FINGERPRINT_LEN);
	CHECK(match.device_id == 100 && match.slot == RS_SLOT_RS1);
	rs_free(&db);
	unit_note("%d stored slots matched, each refused under a wrong ephemeral", checked);
}

#define PSK_WRITERS 4
#define PSK_PER_WRITER 10

TEST(psk_concurrent_writers_lose_nothing)
{
	pid_t pids[PSK_WRITERS];
	int failed = 0;

	fresh_home();
	for (int w = 0; w < PSK_WRITERS; w++) {
		pids[w] = fork();
		if (pids[w] == 0) {
			int bad = 0;

			for (int i = 0; i < PSK_PER_WRITER; i++) {
				uint8_t key[PSK_LEN];
				char jid[64];

				memset(key, w * PSK_PER_WRITER + i + 1, sizeof(key));
				snprintf(jid, sizeof(jid), "w%d-%d@example.org", w, i);
				bad |= psk_set(NULL, jid, key) != XE2E_OK;
			}
			_exit(bad);
		}
		CHECK(pids[w] > 0);
	}
	for (int w = 0; w < PSK_WRITERS; w++) {
		int status = 0;

		if (pids[w] > 0 && (waitpid(pids[w], &status, 0) != pids[w] || !WIFEXITED(status) ||
				    WEXITSTATUS(status) != 0))
			failed++;
	}
	CHECK_INT(failed, 0);
	for (int w = 0; w < PSK_WRITERS; w++) {
		for (int i = 0; i < PSK_PER_WRITER; i++) {
			uint8_t key[PSK_LEN] = {0}, want[PSK_LEN];
			char jid[64];

			memset(want, w * PSK_PER_WRITER + i + 1, sizeof(want));
			snprintf(jid, sizeof(jid), "w%d-%d@example.org", w, i);
			CHECK_INT(psk_get(NULL, jid, key), XE2E_OK);
			CHECK_MEM(key, want, PSK_LEN);
		}
	}
}
