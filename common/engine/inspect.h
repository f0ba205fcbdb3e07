/*
 * What a sealed stanza says before it is opened (xe2e-open --inspect), for
 * people who debug sessions by hand: its routing attributes and the
 * ratchet header (xe2e(7), SESSIONS), as one line of name=value words,
 * never a secret; and the escaping that makes text from outside safe to
 * print as one word of one line.
 *
 * The line, fields in this order, "-" for one that is absent:
 *
 *   kind=message from=JID to=JID type=chat id=ID tag=HEX8 epoch=N ack=N
 *   n=N pn=N key=HEX8 restart=N sender=full siv=HEX12 ciphertext=BYTES
 *   session=HEX32
 *
 * sender is "full" when the associated data names the sender's full JID
 * (the header's RATCHET_FLAG_SENDER_FULL), else "bare";
 * key is the short id of the sender's ratchet public key, the first 4
 * bytes of its SHA-256 in hex (as xe2e-trustdb sessions show gives it);
 * siv is the message's synthetic nonce s (public: it travels in clear);
 * ciphertext counts the bytes after s (the AEAD tag included);
 * session is the local session the stanza belongs to by its sender and
 * tag, when the caller knows it.
 */
#ifndef XE2E_INSPECT_H
#define XE2E_INSPECT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "envelope.h"
#include "ratchet_header.h"
#include "xml.h"

/*
 * Appends text as one word: every byte below 0x21, 0x7f, '\\' and '=' as
 * \xHH, the rest (UTF-8 included) as it is. NULL is appended as "-", and
 * the text "-" as "\x2d" so the two differ.
 */
int inspect_word_append(struct buf *out, const char *text);

/*
 * Writes text to out (size bytes, at least 1) for one line of a
 * diagnostic: control characters (below 0x20 and 0x7f) as '?', cut to fit
 * with "..." at the end. Returns out.
 */
const char *inspect_line_safe(const char *text, char *out, size_t size);

/* The parsed outside of a sealed stanza. */
struct inspect_info {
	struct envelope_addr addr; /* pointers into the stanza */
	struct ratchet_header h;
	uint8_t siv[RATCHET_SIV_LEN];
	size_t ciphertext_len;     /* after the header and s */
};

/*
 * Reads a sealed stanza's routing attributes and ratchet header, checking
 * no tag and opening nothing. env gets what envelope_parse() gives (free
 * it with envelope_free()). XE2E_E_NOTFOUND for a stanza without
 * <sealed/>, the errors of envelope_parse() and ratchet_message_decode()
 * otherwise.
 */
int inspect_parse(const struct xml_node *stanza, struct envelope *env, struct inspect_info *info);

/* Appends the line described above, with a newline; session NULL: "-". */
int inspect_format(const struct inspect_info *info, const uint8_t *session_id, size_t id_len,
		   struct buf *out);

#endif
