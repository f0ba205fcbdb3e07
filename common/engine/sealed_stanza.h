/*
 * A sealed stanza made and read whole (xe2e(7) SESSIONS "Sealed stanzas",
 * OFFLINE MESSAGES "The initial message"): the composition of the frame
 * (stanza_frame.h), its padding cap, the associated data and the element
 * around the message (envelope.h), the ratchet of the session in use
 * (channel.h) or the initial message to a bundle (offline_session.h), and
 * the size check. xe2e.h builds on it; verify_wire.h, the test vectors and
 * the test forger use its steps instead of copies.
 *
 * Sealing: the frame of the plain stanza (or of a ratchet stanza) is
 * padded to its bucket, or only up to the largest frame whose sealed
 * stanza still fits the size limit; the associated data names the
 * stanza's kind, type and id, the sender and the recipient; the message is
 * sealed; the element around it carries the plain stanza's routing
 * attributes (the outer addresses, which the caller chose), the processing
 * hints copied outside, and the fallback body; a stanza over the limit is
 * refused (XE2E_E_LIMIT). The session is stored before the stanza exists.
 *
 * Reading: a received stanza's <sealed/> or <offline/> child, the header's
 * flag that says whether the sender bound its full JID, the associated
 * data made again from the addresses as received, and the plain stanza
 * from an opened frame, with the authenticated routing attributes.
 */
#ifndef XE2E_SEALED_STANZA_H
#define XE2E_SEALED_STANZA_H

#include <stddef.h>
#include <stdint.h>

#include "aead.h"
#include "buf.h"
#include "channel.h"
#include "envelope.h"
#include "identity.h"
#include "offline_session.h"
#include "ratchet_header.h"
#include "xml.h"

/*
 * Bytes an element gains when it is written with text instead of empty:
 * "<x .../>" becomes "<x ...>TEXT</x>", so "/>" (2 bytes) becomes ">"
 * and "</x>" (3 bytes and the name). A sealed stanza is measured with an
 * empty <sealed/> or <offline/> to find the room its base64 text has.
 */
#define SEALED_TEXT_EXTRA(name) (sizeof(name) - 1 + 2)

/* Bytes a message adds to its frame, at most: in a session the ratchet
 * header, the synthetic nonce and the tag; an initial message its own. */
#define SEALED_SESSION_OVERHEAD (RATCHET_HEADER_MAX + RATCHET_SIV_LEN + AEAD_TAG_LEN)
#define SEALED_INITIAL_OVERHEAD OFFLINE_OVERHEAD

/* Which element carries the message. */
enum sealed_form {
	SEALED_IN_SESSION = 0, /* <sealed/>: a message of a session's ratchet */
	SEALED_INITIAL,        /* <offline/>: the initial message to a bundle */
};

/* How stanzas are sealed. */
struct sealed_stanza_opts {
	size_t max_stanza;         /* the largest sealed stanza (the server's
				    * limit); 0: no limit but frame_cap */
	size_t frame_cap;          /* with max_stanza 0: the largest padded frame */
	const char *fallback_body; /* a <body/> for clients without xe2e, or NULL */
	const char *limit_name;    /* how the user sets max_stanza, named after
				    * the limit in a refusal ("--max-stanza"), or NULL */
};

/* The outer addresses a plain stanza has of its own: its kind and its
 * to, from, type and id (pointers into plain). XE2E_E_UNSUPPORTED when it
 * is no stanza. */
int sealed_stanza_addr(const struct xml_node *plain, struct envelope_addr *a);

/*
 * The element around wire with the outer addresses a: a ratchet stanza
 * when plain is NULL, else plain's sealed form (<sealed/>, or <offline/>
 * for an initial message), with the fallback body (messages only) and the
 * hints of plain copied outside. wire may be NULL (an empty element: what
 * the size cap measures).
 */
int sealed_stanza_wrap(const struct envelope_addr *a, const struct xml_node *plain,
		       const uint8_t *wire, size_t wire_len, enum sealed_form form,
		       const char *fallback_body, struct xml_node **out);

/*
 * The largest padded frame whose sealed stanza (as sealed_stanza_wrap()
 * makes it for a and plain) is at most o->max_stanza bytes, or o->frame_cap
 * when there is no limit. XE2E_E_LIMIT when not even an empty frame fits.
 */
int sealed_stanza_frame_cap(const struct envelope_addr *a, const struct xml_node *plain,
			    enum sealed_form form, const struct sealed_stanza_opts *o, size_t *cap);

/* The frame of plain (NULL: of a ratchet stanza) padded within cap
 * (stanza_frame_pad). XE2E_E_LIMIT when it is longer than cap. */
int sealed_stanza_frame(const struct xml_node *plain, size_t cap, struct buf *frame);

/*
 * Seals plain (NULL: a ratchet stanza) with the outer addresses a in the
 * session ch: the frame padded within the cap, the associated data
 * (envelope_ad_seal: with the full JID of a->from when it has a resource),
 * channel_seal(), the element, the size check. *out gets the stanza to
 * send; wire (may be NULL) gets the ratchet message too. The errors of
 * channel_seal() and XE2E_E_LIMIT (with a detail) for a stanza over the
 * limit; nothing is sent then, although the session may have used a
 * message number.
 */
int sealed_stanza_seal(struct channel *ch, const struct envelope_addr *a,
		       const struct xml_node *plain, const struct sealed_stanza_opts *o,
		       uint64_t now, struct xml_node **out, struct buf *wire);

/* What sealed_stanza_seal_initial() started. */
struct sealed_initial {
	uint8_t id[SESSION_ID_LEN]; /* the new session, now the peer's current one */
	int used_opk;               /* a one-time prekey of the bundle was used */
};

/*
 * The same for the first stanza to a bundle (plain is not NULL): the
 * initial message from self to t (offline_session_seal: the session is
 * created and the peer recorded before the stanza exists).
 */
int sealed_stanza_seal_initial(const struct identity *self, struct offline_target *t,
			       const struct envelope_addr *a, const struct xml_node *plain,
			       const struct sealed_stanza_opts *o, uint64_t now,
			       struct xml_node **out, struct sealed_initial *started);

/* A received stanza read for opening. */
struct sealed_received {
	struct envelope env;   /* its outer addresses and the message (env.wire) */
	struct xml_node *copy; /* an initial message: what env points into */
	enum sealed_form form;  /* SEALED_INITIAL for an <offline/> child, even a
				 * malformed one */
	int sender_full;       /* set by sealed_stanza_header() */
	uint8_t tag[RATCHET_TAG_LEN]; /* likewise, for a message of a session */
};

/*
 * Reads a received stanza's <sealed/> child (envelope_parse), or its
 * <offline/> child (offline_envelope_parse). XE2E_E_NOTFOUND when it has
 * neither (the detail names <sealed/>); their errors otherwise. Free r with
 * sealed_received_free() whatever the outcome.
 */
int sealed_stanza_read(const struct xml_node *stanza, struct sealed_received *r);

void sealed_received_free(struct sealed_received *r);

/* Reads the header in the clear: r->sender_full and, in a session,
 * r->tag. The errors of ratchet_header_decode(), offline_header_parse(). */
int sealed_stanza_header(struct sealed_received *r);

/*
 * The associated data of r, received from peer_bare by self_bare, as the
 * sender made it: sealed_stanza_header(), then envelope_ad_open() with the
 * addresses as received. The route is not checked here
 * (envelope_check_route()).
 */
int sealed_stanza_ad_open(struct sealed_received *r, const char *self_bare,
			  const char *peer_bare, struct buf *ad);

/*
 * The plain stanza of an opened frame: stanza_frame_decode() (of the kind
 * of the outer stanza, default limits), then the authenticated routing
 * attributes of r put back first (envelope_restore). A ratchet stanza
 * gives *out NULL and *ratchet 1. XE2E_E_MALFORMED (with a detail) for a
 * frame that is no stanza of that kind.
 */
int sealed_stanza_restore(const struct sealed_received *r, const uint8_t *frame, size_t len,
			  struct xml_node **out, int *ratchet);

#endif
