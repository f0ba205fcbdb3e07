/*
 * Retained secrets (xe2e(7) HANDSHAKE "Keys", SESSIONS "State"); the PSKs,
 * the other secrets kept between sessions, are psk.h's.
 *
 * They are kept in "retained" in the state tree (never restored from a
 * backup), a secrets file (secrets_file.h: mode 0600, locked, strict
 * grammar): per (peer identity fingerprint, peer device id) up to three
 * slots. rs1 and rs2 work as in ZRTP: after a successful handshake whose
 * retained secret matched, rs2 <- rs1 and rs1 <- the new secret. A session
 * whose retained secret mismatched stores its new secret in the
 * provisional slot only, so it never evicts a good slot; a later SAS or
 * SPAKE2 verification promotes it to rs1.
 *   file   = "# xe2e retained secrets v1" LF *(rs LF / comment / blank)
 *   rs     = "rs" SP fpr SP devid SP "rs1=" slot SP "rs2=" slot
 *            SP "provisional=" slot   ; one line per (fpr, devid)
 *   fpr    = 64HEXDIG   ; identity fingerprint
 *   devid  = 8HEXDIG    ; 32-bit device id
 *   slot   = 64HEXDIG / "-"   ; "-" is an empty slot; not all three empty
 *
 * For every function taking a path, NULL means the default file; changing
 * the default file creates its directory if needed.
 */
#ifndef XE2E_SECRETS_H
#define XE2E_SECRETS_H

#include <stddef.h>
#include <stdint.h>

#include "dh.h"
#include "psk.h" /* the PSKs, declared there, for the callers of both */
#include "sig.h"
#include "store.h"

#define RS_LEN 32
#define RSID_LEN 32
/* What the handshake carries of an identifier: its first 16 bytes. */
#define RSID_WIRE_LEN 16
#define RS_SPAKE2_KEY_LEN 16 /* SPAKE2's Ke (spake2.h) */
#define RS_FILE_NAME "retained"

/* Retained secrets */

enum rs_slot {
	RS_SLOT_RS1 = 0,
	RS_SLOT_RS2 = 1,
	RS_SLOT_PROVISIONAL = 2,
	RS_SLOTS = 3,
};

/* The slots of one (peer identity, peer device). */
struct rs_entry {
	uint8_t fpr[FINGERPRINT_LEN];
	uint32_t device_id;
	unsigned present; /* bit (1u << slot) set when that slot holds a secret */
	uint8_t secret[RS_SLOTS][RS_LEN];
};

/* Every entry, in memory (for rs_find_by_identifier()). */
struct rs_db {
	struct rs_entry *entries;
	size_t n;
};

#define RS_DB_INIT {NULL, 0}

/* The slot an identifier matched, and its secret (wipe it after use). */
struct rs_match {
	uint8_t fpr[FINGERPRINT_LEN];
	uint32_t device_id;
	enum rs_slot slot;
	uint8_t secret[RS_LEN];
};

/* "rs1", "rs2", "provisional"; NULL outside the enum. */
const char *rs_slot_name(enum rs_slot slot);

/* The default retained-secrets file: "retained" in the state tree. */
int rs_default_path(char path[static STORE_PATH_MAX]);

/* Reads every entry into an empty db; a missing file gives an empty db. */
int rs_load(const char *path, struct rs_db *db);

/* Wipes and frees every entry; db is then empty and reusable. */
void rs_free(struct rs_db *db);

/*
 * Copies the slots of (fpr, device_id) into entry. XE2E_E_NOTFOUND when
 * there are none; entry is then zeroed. Wipe entry after use.
 */
int rs_get(const char *path, const uint8_t fpr[static FINGERPRINT_LEN], uint32_t device_id,
	   struct rs_entry *entry);

/*
 * After a successful handshake: rs2 <- rs1 (when rs1 is set), rs1 <- new_rs,
 * provisional emptied. Creates the entry on first contact.
 */
int rs_rotate_after_success(const char *path, const uint8_t fpr[static FINGERPRINT_LEN],
			    uint32_t device_id, const uint8_t new_rs[static RS_LEN]);

/*
 * After a handshake whose retained secret mismatched: provisional <- new_rs
 * (replacing an earlier provisional secret); rs1 and rs2 are untouched.
 */
int rs_store_provisional(const char *path, const uint8_t fpr[static FINGERPRINT_LEN],
			 uint32_t device_id, const uint8_t new_rs[static RS_LEN]);

/*
 * After a SAS or SPAKE2 verification of the session that stored it:
 * rs2 <- rs1 (when set), rs1 <- provisional, provisional emptied.
 * XE2E_E_NOTFOUND when there is no provisional secret.
 */
int rs_promote_provisional(const char *path, const uint8_t fpr[static FINGERPRINT_LEN],
			   uint32_t device_id);

/*
 * After a confirmed SPAKE2 run in a session with that peer device (xe2e(7)
 * VERIFICATION "Shared secret"): rs1 <- HKDF(salt = rs1, ikm = Ke, "xe2e spake2")
 * (spake2_mix_rs), in place; rs2 and provisional are untouched.
 * XE2E_E_NOTFOUND when there is no rs1.
 */
int rs_mix_spake2(const char *path, const uint8_t fpr[static FINGERPRINT_LEN], uint32_t device_id,
		  const uint8_t ke[static RS_SPAKE2_KEY_LEN]);

/* Removes every slot of (fpr, device_id). XE2E_E_NOTFOUND if none. */
int rs_forget(const char *path, const uint8_t fpr[static FINGERPRINT_LEN], uint32_t device_id);

/* Removes every slot of every device of fpr. XE2E_E_NOTFOUND if none. */
int rs_forget_peer(const char *path, const uint8_t fpr[static FINGERPRINT_LEN]);

/*
 * The retained-secret identifier the initiator's first XX message carries:
 *   rsid = HMAC-SHA256(HKDF-SHA256(salt empty, rs, info "xe2e rsid", 32),
 *                      initiator ephemeral public key)
 * It changes with every ephemeral, so sessions cannot be linked by it.
 */
int rs_identifier(const uint8_t rs[static RS_LEN], const uint8_t ephemeral[static X25519_LEN],
		  uint8_t rsid[static RSID_LEN]);

/* A decoy identifier (32 random bytes), sent in place of an empty slot. */
int rs_decoy_identifier(uint8_t rsid[static RSID_LEN]);

/*
 * The two identifiers an initiator sends: those of entry's rs1 and rs2,
 * a decoy in place of each empty slot (entry may be NULL: two decoys).
 */
int rs_identifiers(const struct rs_entry *entry, const uint8_t ephemeral[static X25519_LEN],
		   uint8_t rsid[static 2][RSID_LEN]);

/*
 * The responder's search: computes the identifier of every stored slot (of
 * every peer, device and slot, provisional included) for the initiator's
 * ephemeral and compares its first len bytes (RSID_WIRE_LEN to RSID_LEN)
 * with rsid and, when not NULL, rsid_other, in constant time, without
 * stopping at a match. XE2E_OK and *match filled when one matched (the
 * first in file order); XE2E_E_NOTFOUND (match zeroed) when none did, as
 * for a decoy.
 */
int rs_find_by_identifier(const struct rs_db *db, const uint8_t ephemeral[static X25519_LEN],
			  const uint8_t *rsid, const uint8_t *rsid_other, size_t len,
			  struct rs_match *match);

#endif
