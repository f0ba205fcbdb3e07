/* The sealed frame of a stanza: dictionary coding and padding (see stanza_frame.h). */
#include "stanza_frame.h"

#include <string.h>

#include "err.h"
#include "util.h"

const char *const stanza_frame_dict[STANZA_FRAME_DICT_SIZE] = {
	"<message",
	"</message>",
	"<presence",
	"</presence>",
	"<iq",
	"</iq>",
	"<body>",
	"</body>",
	"<thread>",
	"</thread>",
	"<subject>",
	"</subject>",
	"<show>",
	"</show>",
	"<status>",
	"</status>",
	"<query",
	"</query>",
	"<error type='",
	"</error>",
	" xmlns='http://jabber.org/protocol/chatstates'/>",
	" xmlns='urn:xmpp:receipts'",
	" xmlns='urn:xmpp:chat-markers:0'",
	" xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>",
	" xmlns='jabber:iq:",
	" xmlns='http://jabber.org/protocol/",
	" xmlns='urn:xmpp:",
	" xml:lang='",
};

static const char *const kind_names[] = {NULL, "message", "presence", "iq"};
static const char *const routing_attrs[] = {"to", "from", "type", "id"};

uint8_t stanza_frame_token(size_t i)
{
	if (i < 8)
		return (uint8_t)(0x01 + i);
	if (i < 10)
		return (uint8_t)(0x0b + i - 8);
	return (uint8_t)(0x0e + i - 10);
}

/* The dictionary index of a byte, or -1 when it is no token. */
static int token_index(uint8_t b)
{
	if (b >= 0x01 && b <= 0x08)
		return b - 0x01;
	if (b == 0x0b || b == 0x0c)
		return 8 + b - 0x0b;
	if (b >= 0x0e && b <= 0x1f)
		return 10 + b - 0x0e;
	return -1;
}

int stanza_kind_of(const struct xml_node *stanza, enum stanza_kind *kind)
{
	if (stanza && stanza->type == XML_ELEMENT && stanza->ns &&
	    !strcmp(stanza->ns, XML_NS_CLIENT)) {
		for (size_t k = STANZA_MESSAGE; k <= STANZA_IQ; k++) {
			if (!strcmp(stanza->name, kind_names[k])) {
				*kind = (enum stanza_kind)k;
				return XE2E_OK;
			}
		}
	}
	err_detail_set("<%.64s> is not a message, presence or iq stanza",
		       stanza && stanza->name ? stanza->name : "?");
	return XE2E_E_UNSUPPORTED;
}

const char *stanza_kind_name(enum stanza_kind kind)
{
	if (kind < STANZA_MESSAGE || kind > STANZA_IQ)
		return NULL;
	return kind_names[kind];
}

int stanza_attr_is_routing(const struct xml_attr *attr)
{
	if (attr->ns)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(routing_attrs); i++)
		if (!strcmp(attr->name, routing_attrs[i]))
			return 1;
	return 0;
}

/* The longest dictionary entry at text[0..n), or -1; *len gets its length. */
static int dict_match(const uint8_t *text, size_t n, size_t *len)
{
	int best = -1;

	*len = 0;
	for (size_t i = 0; i < STANZA_FRAME_DICT_SIZE; i++) {
		size_t l = strlen(stanza_frame_dict[i]);

		if (l > *len && l <= n && !memcmp(text, stanza_frame_dict[i], l)) {
			best = (int)i;
			*len = l;
		}
	}
	return best;
}

static int dict_encode(const uint8_t *text, size_t n, struct buf *out)
{
	size_t i = 0, len;
	int err = XE2E_OK, t;

	while (i < n && !err) {
		if (text[i] < 0x20 && text[i] != '\t') {
			err_detail_set("control byte 0x%02x in a serialized stanza", text[i]);
			return XE2E_E_STATE;
		}
		t = text[i] == '<' || text[i] == ' ' ? dict_match(text + i, n - i, &len) : -1;
		if (t >= 0) {
			err = buf_append_byte(out, stanza_frame_token((size_t)t));
			i += len;
		} else {
			err = buf_append_byte(out, text[i++]);
		}
	}
	return err;
}

static void strip_routing(struct xml_node *el)
{
	for (size_t i = 0; i < ARRAY_SIZE(routing_attrs); i++)
		xml_remove_attr(el, routing_attrs[i]);
}

int stanza_frame_encode(const struct xml_node *stanza, struct buf *out)
{
	struct xml_node *copy = NULL;
	struct buf text = BUF_INIT;
	enum stanza_kind kind;
	size_t start = out->len;
	int err = stanza_kind_of(stanza, &kind);

	if (!err && !(copy = xml_clone(stanza)))
		err = XE2E_E_NOMEM;
	if (!err) {
		strip_routing(copy);
		err = xml_serialize(copy, &text);
	}
	if (!err)
		err = buf_append_byte(out, STANZA_FRAME_STANZA);
	if (!err)
		err = dict_encode(text.data, text.len, out);
	if (err && out->data) {
		wipe(out->data + start, out->len - start);
		out->len = start;
	}
	xml_free(copy);
	buf_free(&text);
	return err;
}

int stanza_frame_ratchet(struct buf *out)
{
	return buf_append_byte(out, STANZA_FRAME_RATCHET);
}

size_t stanza_frame_bucket(size_t len)
{
	size_t b = 32;

	if (len <= STANZA_FRAME_MIN_BUCKET)
		return STANZA_FRAME_MIN_BUCKET;
	while (b < 65536) {
		if (len <= b)
			return b;
		if (len <= b + b / 2)
			return b + b / 2;
		b *= 2;
	}
	if (len <= 65536)
		return 65536;
	if (len > SIZE_MAX - 16384)
		return len;
	return (len + 16383) / 16384 * 16384;
}

int stanza_frame_pad(struct buf *frame, size_t cap)
{
	size_t target = stanza_frame_bucket(frame->len);

	if (frame->len > cap) {
		err_detail_set("frame of %zu bytes, limit %zu", frame->len, cap);
		return XE2E_E_LIMIT;
	}
	if (target > cap)
		target = cap;
	if (target == frame->len)
		return XE2E_OK;
	if (buf_reserve(frame, target - frame->len))
		return XE2E_E_NOMEM;
	memset(frame->data + frame->len, 0, target - frame->len);
	frame->len = target;
	return XE2E_OK;
}

static int frame_fail(const char *what)
{
	err_detail_set("sealed frame: %s", what);
	return XE2E_E_MALFORMED;
}

/* Expands the dictionary tokens of text into out, bounded by max bytes. */
static int dict_decode(const uint8_t *text, size_t n, size_t max, struct buf *out)
{
	int err = XE2E_OK, t;

	for (size_t i = 0; i < n && !err; i++) {
		const char *s = NULL;
		size_t l = 1;

		if (text[i] < 0x20 && text[i] != '\t') {
			if ((t = token_index(text[i])) < 0)
				return frame_fail("control byte in the text");
			s = stanza_frame_dict[t];
			l = strlen(s);
		}
		if (out->len + l > max) {
			err_detail_set("sealed stanza larger than %zu bytes", max);
			return XE2E_E_LIMIT;
		}
		err = s ? buf_append(out, s, l) : buf_append_byte(out, text[i]);
	}
	return err;
}

/* The text's end: the first zero byte after the format, or len; the rest
 * must be zero. */
static int frame_text_end(const uint8_t *frame, size_t len, size_t *end)
{
	const uint8_t *z = memchr(frame + 1, 0, len - 1);

	*end = z ? (size_t)(z - frame) : len;
	for (size_t i = *end; i < len; i++)
		if (frame[i])
			return frame_fail("padding is not zero");
	return XE2E_OK;
}

static int check_decoded(const struct xml_node *el, enum stanza_kind kind)
{
	enum stanza_kind k;

	if (stanza_kind_of(el, &k) || k != kind)
		return frame_fail("the stanza inside is of another kind");
	for (size_t i = 0; i < el->n_attrs; i++)
		if (stanza_attr_is_routing(&el->attrs[i]))
			return frame_fail("routing attribute inside");
	return XE2E_OK;
}

int stanza_frame_decode(const uint8_t *frame, size_t len, enum stanza_kind kind,
			const struct xml_limits *limits, struct xml_node **out, int *ratchet)
{
	struct xml_limits lim = limits ? *limits : xml_limits_default();
	struct buf text = BUF_INIT;
	struct xml_node *el = NULL;
	size_t end;
	int err;

	*out = NULL;
	*ratchet = 0;
	if (len < 1)
		return frame_fail("empty");
	if ((err = frame_text_end(frame, len, &end)))
		return err;
	if (frame[0] == STANZA_FRAME_RATCHET) {
		*ratchet = 1;
		return end == 1 ? XE2E_OK : frame_fail("text in a ratchet frame");
	}
	if (frame[0] != STANZA_FRAME_STANZA)
		return frame_fail("unknown format");
	err = dict_decode(frame + 1, end - 1, lim.max_stanza_bytes, &text);
	if (!err && (text.len < 2 || text.data[0] != '<' || text.data[text.len - 1] != '>'))
		err = frame_fail("not one element");
	if (!err)
		err = xml_parse_element((const char *)text.data, text.len, &lim, &el);
	if (!err)
		err = check_decoded(el, kind);
	if (!err)
		*out = el;
	else
		xml_free(el);
	buf_free(&text);
	return err;
}
