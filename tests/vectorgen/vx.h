/*
 * xe2e-vectors: the published test vectors of xe2e (tests/vectors/xe2e/),
 * made and checked by one program that drives the real library.
 *
 * Each vector file is made by one function (vx_handshake, vx_ratchet, ...)
 * that runs in one of two modes with the same code:
 *
 *   generate  inputs come from fixed values (labelled seeds), every random
 *             draw of the library from a fixed stream; inputs, draws and
 *             outputs are written to the JSON file;
 *   check     inputs and random draws are read from the file, the library
 *             is run on them, and every output is compared with the file;
 *             the bytes on the wire that a side receives are the file's,
 *             so the receiver opens exactly what the file publishes.
 *
 * The library's generator is replaced at link time (vx_rng.c defines
 * rng_bytes() and rng_mbedtls(), so libxe2e.a's rng.o is never linked):
 * rng_bytes() draws are the protocol's randomness (keys, nonces, decoys)
 * and are recorded per step; rng_mbedtls() only blinds mbedTLS's scalar
 * multiplications and deterministic signatures, which changes no result,
 * and is a fixed stream that is not recorded. Times are passed to the
 * library as arguments, fixed by each case.
 *
 * In check mode every value of the file must be looked at by the checking
 * code: a field nobody compares fails the file, so no field can go
 * unchecked.
 */
#ifndef XE2E_VX_H
#define XE2E_VX_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "buf.h"

/* The time every case starts from: 2026-01-01T00:00:00Z. */
#define VX_T0 1767225600ull

struct vx {
	int check;           /* 1: check against the file; 0: generate */
	const char *file;    /* "handshake.json" */
	char where[256];     /* the case (and step) running, for messages */
	unsigned failed;     /* cases failed in this file */
	unsigned passed;
	int case_failed;     /* a mismatch in the current case */
	cJSON *case_obj;     /* the current case */
	const char *case_name;
	unsigned steps;      /* steps of random draws begun in this case */
	int unseen;          /* fields no check looked at */
	/* check mode: every item of the file that was looked at */
	const cJSON **seen;
	size_t n_seen, cap_seen;
};

/* ---- the run of a file (vx.c) ---- */

/* Prints a mismatch or an unexpected error of the current case and marks
 * the case failed (printf format). In generate mode it is fatal. */
void vx_fail(struct vx *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Starts a case: the element of the array cases (generate: appended with
 * the given name; check: the index-th element, NULL when there is none). */
cJSON *vx_case_begin(struct vx *v, cJSON *cases, int index, const char *name);

/* Ends a case, counting it passed or failed. */
void vx_case_end(struct vx *v);

/* Fails the file for every leaf of root that no check looked at. */
void vx_check_all_seen(struct vx *v, const cJSON *root);

/* The library's name of an error in the files: "ok", "auth", "replay", ... */
const char *vx_err_name(int err);

/* Runs call; on error reports what with the library's detail and returns
 * -1 from the calling function. */
#define VX_TRY(v, call, what)                                            \
	do {                                                              \
		int vx_err_ = (call);                                     \
		if (vx_err_) {                                            \
			vx_fail_err((v), vx_err_, (what));                \
			return -1;                                        \
		}                                                         \
	} while (0)

void vx_fail_err(struct vx *v, int err, const char *what);

/* ---- fields (vx_field.c) ----
 *
 * Inputs: in generate mode the caller's value is written; in check mode
 * the file's value replaces it. Outputs: written, or compared. A missing or
 * malformed field in check mode is a failure. */

/* A child object or array: created (generate) or looked up (check; a
 * detached empty one when missing, after a failure). Objects made in check
 * mode for a missing field are freed with the file. */
cJSON *vx_obj(struct vx *v, cJSON *parent, const char *name);
cJSON *vx_arr(struct vx *v, cJSON *parent, const char *name);

/* The index-th object of an array: appended (generate) or looked up. */
cJSON *vx_item(struct vx *v, cJSON *arr, int index);

/* The number of elements of an array (check mode; generate: -1). */
int vx_count(struct vx *v, const cJSON *arr);

/* Marks an item of the file as looked at (check mode). */
void vx_mark(struct vx *v, const cJSON *item);

void vx_in_bytes(struct vx *v, cJSON *obj, const char *name, uint8_t *p, size_t len);
void vx_in_buf(struct vx *v, cJSON *obj, const char *name, struct buf *b);
void vx_in_str(struct vx *v, cJSON *obj, const char *name, char *s, size_t cap);
void vx_in_text(struct vx *v, cJSON *obj, const char *name, struct buf *text);
void vx_in_u64(struct vx *v, cJSON *obj, const char *name, uint64_t *x);

void vx_out_bytes(struct vx *v, cJSON *obj, const char *name, const uint8_t *p, size_t len);
void vx_out_str(struct vx *v, cJSON *obj, const char *name, const char *s);
void vx_out_u64(struct vx *v, cJSON *obj, const char *name, uint64_t x);

/* An output that a peer then receives: compared like vx_out_bytes(), and
 * in check mode b then holds the file's bytes, which the peer reads. */
void vx_wire(struct vx *v, cJSON *obj, const char *name, struct buf *b);

/* The same for text on the wire (an XML stanza). */
void vx_wire_str(struct vx *v, cJSON *obj, const char *name, struct buf *text);

/* A fixed value for an input: SHA-256 in counter mode over
 * "xe2e vectors v1" | label, len bytes (generate mode only). */
void vx_seed(const char *label, uint8_t *out, size_t len);

/* ---- random draws (vx_rng.c) ---- */

/*
 * Starts a step whose random draws go to the array "random" of obj:
 * generate: drawn from a fixed stream of the step (file, case, and the
 * number of steps before it in the case) and recorded; check:
 * served from the file, each draw of exactly the recorded length. Draws
 * outside a step are a failure.
 */
void vx_draws_begin(struct vx *v, cJSON *obj);

/* Ends the step: in check mode every recorded draw must have been used. */
void vx_draws_end(struct vx *v);

/* ---- the files ---- */

int vx_handshake(struct vx *v, cJSON *root);
int vx_ratchet(struct vx *v, cJSON *root);
int vx_sealed(struct vx *v, cJSON *root);
int vx_sas(struct vx *v, cJSON *root);
int vx_spake2(struct vx *v, cJSON *root);
int vx_offline(struct vx *v, cJSON *root);

#endif
