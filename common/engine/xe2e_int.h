/* What the files behind xe2e.h share. */
#ifndef XE2E_INT_H
#define XE2E_INT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "channel.h"
#include "identity.h"
#include "sealed_stanza.h"
#include "session_cache.h"
#include "xe2e.h"

/* Writes the printf format into out (size bytes), cut to fit: a detail
 * or a warning for a result. */
void xe2e_say(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- the opener (xe2e_open.c, xe2e_open_batch.c) ---- */

/* A received stanza of the batch. */
struct open_item {
	const struct xml_node *st;
	struct sealed_received rx;
	struct channel *ch;         /* waits for its session's transaction */
	int initial;                /* an initial message waits to be opened */
	struct buf ad;
	char from_bare[JID_MAX + 1];
	int unbound;                /* refused by require_resource */
};

#define OPEN_QUEUE_MAX (XE2E_OPEN_BATCH_MAX + 3)

struct xe2e_opener {
	struct xe2e_open_opts opts;
	struct session_cache sessions;
	struct channel_index idx;
	struct identity self;       /* for initial messages, loaded at the first */
	int self_err;               /* 0 until tried */
	int have_self;
	/* The batch: stanzas [0, prepared) are read; those of the run
	 * [opened, prepared) wait to be opened; a run ends after an initial
	 * message, whose session the stanzas after it may need. */
	struct open_item items[XE2E_OPEN_BATCH_MAX];
	size_t n, prepared, opened;
	int opening;                /* the run is read: open it */
	/* Events made and not given yet. */
	struct xe2e_open_event queue[OPEN_QUEUE_MAX];
	size_t q_head, q_len;
};

/* Reads it->st, up to its associated data, as the next stanza of the
 * batch: a refusal or a session that came into use is queued. */
void open_item_prepare(struct xe2e_opener *op, struct open_item *it, uint64_t now);

/* Queues the refusal of it: why (a static string) and the detail. */
void open_refuse(struct xe2e_opener *op, const struct open_item *it, int err, const char *why,
		 const char *detail, unsigned flags);

/* A new event at the end of the queue (there is always room). */
struct xe2e_open_event *open_event_add(struct xe2e_opener *op, enum xe2e_open_event_kind kind);

/* Why a stanza could not be opened, in the words of xe2e-open(1); an
 * initial message's. */
const char *open_reason(int err);
const char *open_initial_reason(int err);

/* Opens what waits next in the run; queues the outcomes. */
void open_run_step(struct xe2e_opener *op, uint64_t now);

/* Frees the batch's items and queued events. */
void open_batch_clear(struct xe2e_opener *op);

#endif
