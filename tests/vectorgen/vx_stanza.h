/*
 * The stanza layer of the vectors (xe2e(7) SESSIONS "Sealed stanzas"),
 * shared by sealed.json and offline.json: the frame of a plain stanza,
 * its associated data, the sealed stanza around a message, and the way
 * back, each step by the library's own functions as xe2e-seal and
 * xe2e-open call them.
 */
#ifndef XE2E_VX_STANZA_H
#define XE2E_VX_STANZA_H

#include "envelope.h"
#include "sealed_stanza.h"
#include "vx.h"
#include "xml.h"

/* A parsed plain stanza and its routing attributes; a ratchet stanza
 * has no node, only its addresses. */
struct vx_plain {
	struct xml_node *node;
	struct envelope_addr addr; /* pointers into node */
};

/* Parses the input "plain" of obj (an XML stanza); from defaults to
 * default_from, as xe2e-seal does. */
int vx_plain_in(struct vx *v, cJSON *obj, const char *gen, const char *default_from,
		struct vx_plain *p);

void vx_plain_free(struct vx_plain *p);

/* The frame: outputs "frame" (dictionary-encoded) and "padded_frame"
 * (to its bucket); frame gets the padded one. NULL node: a ratchet frame. */
int vx_frame_out(struct vx *v, cJSON *obj, const struct xml_node *node, struct buf *frame);

/* The associated data of a stanza that sender seals for recipient (bare
 * JIDs), as xe2e-seal makes it: output "associated_data"; ad gets it, and
 * *sender_full whether it names the full JID of the stanza's 'from'. */
int vx_ad_out(struct vx *v, cJSON *obj, const struct envelope_addr *a, const char *sender,
	      const char *recipient, struct buf *ad, int *sender_full);

/* The sealed stanza around wire (<sealed/>, or <offline/> when offline;
 * a ratchet stanza when plain has no node): output "sealed", the text a
 * receiver then reads (the file's in check mode). */
int vx_sealed_out(struct vx *v, cJSON *obj, const struct vx_plain *plain, const uint8_t *wire,
		  size_t len, const char *fallback, int offline, struct buf *text);

/* A received sealed stanza: parsed, its route checked against the session
 * (self and peer bare JIDs), its associated data made again. */
struct vx_received {
	struct xml_node *node;
	struct sealed_received sealed;
	struct buf ad;
};

int vx_received_parse(struct vx *v, const struct buf *text, int offline, const char *self,
		      const char *peer, struct vx_received *r);

void vx_received_free(struct vx_received *r);

/* The opened stanza from a frame: output "opened" (the plain stanza as
 * xe2e-open writes it; "" for a ratchet stanza). */
int vx_opened_out(struct vx *v, cJSON *obj, const struct vx_received *r, const struct buf *frame);

#endif
