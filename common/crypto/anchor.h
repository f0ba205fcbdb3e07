/*
 * X.509 trust anchors (xe2e(7) TRUST STORE): CA certificates the user
 * configured, against which a peer's certificate chain makes its identity
 * key "anchored".
 *
 * Files, in the data tree: "anchors/NAME.pem", one PEM certificate each,
 * mode 0644 (they hold no secret), written atomically; "anchors.lock" is
 * held while anchors are added or removed. NAME is 1 to ANCHOR_NAME_MAX
 * characters of [A-Za-z0-9._-], not starting with "." or "-".
 *
 * An anchor is a version 3 CA certificate (basicConstraints CA:TRUE; a
 * keyUsage extension, when present, allows keyCertSign) with a P-256 key,
 * valid at the time it is added. It need not be self-signed: an
 * intermediate CA can be configured as an anchor on its own.
 *
 * Chains are checked with mbedTLS's path validation under a profile that
 * allows only P-256 keys and ECDSA with SHA-256, SHA-384 or SHA-512, at
 * every level; certificate times are checked against the caller's clock.
 */
#ifndef XE2E_ANCHOR_H
#define XE2E_ANCHOR_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "jid.h"
#include "sig.h"
#include "store.h"
#include "x509.h"

#define ANCHOR_DIR_NAME "anchors"
#define ANCHOR_NAME_MAX 64
/* Certificates of a chain as presented: the leaf and its intermediates. */
#define ANCHOR_CHAIN_MAX 8
/* Bytes of one certificate, DER or PEM. */
#define ANCHOR_CERT_MAX X509_CERT_FILE_MAX
#define ANCHOR_SUBJECT_MAX 256

/* What anchor_list() and anchor_add() tell about an anchor. */
struct anchor_info {
	char name[ANCHOR_NAME_MAX + 1];
	char subject[ANCHOR_SUBJECT_MAX];   /* the distinguished name, as text */
	uint8_t fpr[FINGERPRINT_LEN];       /* SHA-256 of the key's SubjectPublicKeyInfo */
	uint64_t not_before, not_after;     /* UNIX seconds */
};

/* The result of a chain that verified. */
struct anchor_result {
	uint8_t pub[P256_PUB_LEN];          /* the leaf's identity key, validated */
	uint8_t fpr[FINGERPRINT_LEN];       /* its fingerprint */
	char anchor[ANCHOR_NAME_MAX + 1];   /* the anchor the chain leads to */
};

/* The default anchors directory: "anchors" in the data tree. */
int anchor_default_dir(char out[static STORE_PATH_MAX]);

/* Checks an anchor name (see above). XE2E_E_MALFORMED with a detail. */
int anchor_name_check(const char *name);

/*
 * The default name of an anchor read from file: its base name without a
 * ".pem", ".crt", ".cer" or ".der" suffix; XE2E_E_MALFORMED when that is
 * not a valid name (the caller then asks for one).
 */
int anchor_name_from_file(const char *file, char out[static ANCHOR_NAME_MAX + 1]);

/*
 * Checks that data (exactly len bytes, one certificate, PEM or DER) can be
 * an anchor at now: XE2E_E_MALFORMED for anything but one parsable
 * certificate, XE2E_E_TRUST for a certificate that is not a CA's (wrong
 * version, no CA:TRUE, keyUsage without keyCertSign), XE2E_E_UNSUPPORTED
 * for a key that is not P-256, XE2E_E_EXPIRED outside its validity. Fills
 * info (name left empty) and, when der is not NULL, appends its DER.
 */
int anchor_cert_check(const uint8_t *data, size_t len, uint64_t now, struct anchor_info *info,
		      struct buf *der);

/*
 * Adds the certificate in data as anchor name in dir (NULL: the default,
 * created if needed), after anchor_cert_check(). The same certificate under
 * the same name again changes nothing; another certificate under that name,
 * or the same certificate under another name, is XE2E_E_EXISTS. info (may
 * be NULL) gets the anchor's description.
 */
int anchor_add(const char *dir, const char *name, const uint8_t *data, size_t len, uint64_t now,
	       struct anchor_info *info);

/* Removes anchor name from dir (NULL: the default). XE2E_E_NOTFOUND if absent. */
int anchor_remove(const char *dir, const char *name);

/*
 * Describes every anchor of dir (NULL: the default), sorted by name, into a
 * new array (caller frees *list). A missing directory has none. A file that
 * is not a valid anchor is an error naming it.
 */
int anchor_list(const char *dir, struct anchor_info **list, size_t *n);

/*
 * Converts a chain file (PEM certificates one after another, or DER
 * certificates one after another) into the DER form anchor_verify_chain()
 * takes, appended to der. At most ANCHOR_CHAIN_MAX certificates.
 */
int anchor_chain_from_file(const uint8_t *data, size_t len, struct buf *der);

/*
 * The JID the leaf of a chain (DER form) names, normalised and bare: its
 * first id-on-xmppAddr subjectAltName, else its first "xmpp:" URI
 * subjectAltName, else (only when it has no subjectAltName at all) its
 * common name. XE2E_E_MALFORMED when it names none.
 */
int anchor_leaf_jid(const uint8_t *chain, size_t len, char jid[static JID_MAX + 1]);

/*
 * Reads the leaf of a chain (DER form, as anchor_verify_chain() takes it,
 * every certificate parsed) without checking any signature, time or
 * anchor: its P-256 key into pub, after checking that it names the bare
 * JID jid by the rules of anchor_verify_chain(). XE2E_E_MALFORMED for bad
 * DER or too many certificates, XE2E_E_UNSUPPORTED for a leaf key that is
 * not P-256, XE2E_E_TRUST when the leaf does not name jid.
 */
int anchor_leaf_key(const uint8_t *chain, size_t len, const char *jid,
		    uint8_t pub[static P256_PUB_LEN]);

/*
 * Verifies a certificate chain presented for the bare JID jid:
 *
 *   chain  the leaf certificate, then its intermediates (at most
 *          ANCHOR_CHAIN_MAX in all), each a complete DER Certificate,
 *          concatenated with nothing between or after them;
 *   dir    the anchors directory (NULL: the default);
 *   now    the time to check every certificate's validity against.
 *
 * The chain must lead, through CA certificates only, to one of the anchors,
 * every certificate valid at now, every key P-256; the leaf must name jid
 * (an id-on-xmppAddr subjectAltName holding it, or an "xmpp:" URI
 * subjectAltName, or, without any subjectAltName, a common name equal to
 * it; compared after normalisation, a JID with a resource never matches)
 * and, when it has a keyUsage extension, allow digitalSignature. On
 * success res gets the leaf's P-256 key, its fingerprint and the anchor's
 * name. Errors: XE2E_E_MALFORMED (bad DER, trailing bytes, too many
 * certificates), XE2E_E_UNSUPPORTED (a leaf key that is not P-256),
 * XE2E_E_TRUST (no anchors, an untrusted or broken chain, a non-CA
 * intermediate, a certificate expired or not yet valid at now, another
 * JID), each with a detail saying which certificate and why.
 */
int anchor_verify_chain(const char *dir, const uint8_t *chain, size_t len, const char *jid,
			uint64_t now, struct anchor_result *res);

#endif
