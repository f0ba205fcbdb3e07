/* Control elements of a verification run (see verify_msg.h). */
#include "verify_msg.h"

#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "err.h"
#include "util.h"

#define TEXT_MAX 256 /* longest text of a control element read */

struct step_info {
	enum verify_step step;
	enum verify_method method; /* 0: both */
	const char *name;
	int len; /* body bytes; -1: the text is not base64 */
};

static const struct step_info steps[] = {
	{VERIFY_SAS_COMMIT, VERIFY_SAS, "commit", 32},
	{VERIFY_SAS_NONCE, VERIFY_SAS, "nonce", 32},
	{VERIFY_SAS_REVEAL, VERIFY_SAS, "reveal", 32},
	{VERIFY_SP_START, VERIFY_SPAKE2, "start", 0},
	{VERIFY_SP_SHARE, VERIFY_SPAKE2, "share", 65},
	{VERIFY_SP_SHARE_CONFIRM, VERIFY_SPAKE2, "share-confirm", 97},
	{VERIFY_SP_CONFIRM, VERIFY_SPAKE2, "confirm", 32},
	{VERIFY_STEP_RESULT, 0, "result", -1},
	{VERIFY_STEP_ABORT, 0, "abort", 0},
};

static const char *const answers[] = {NULL, "yes", "no", "unchecked"};

static const char *const reasons[] = {
	NULL,      "commitment", "secret", "method",    "protocol",
	"malformed", "limit",    "cancelled", "error",
};

static const struct step_info *step_info(enum verify_step step)
{
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++)
		if (steps[i].step == step)
			return &steps[i];
	return NULL;
}

const char *verify_step_name(enum verify_step step)
{
	const struct step_info *s = step_info(step);

	return s ? s->name : NULL;
}

const char *verify_method_name(enum verify_method method)
{
	return method == VERIFY_SAS ? "sas" : method == VERIFY_SPAKE2 ? "spake2" : NULL;
}

const char *verify_answer_name(enum verify_answer answer)
{
	return (unsigned)answer < ARRAY_SIZE(answers) ? answers[answer] : NULL;
}

const char *verify_reason_name(enum verify_reason reason)
{
	return (unsigned)reason < ARRAY_SIZE(reasons) ? reasons[reason] : NULL;
}

enum verify_method verify_step_method(enum verify_step step)
{
	const struct step_info *s = step_info(step);

	return s ? s->method : 0;
}

void verify_msg_wipe(struct verify_msg *m)
{
	wipe(m, sizeof(*m));
}

void verify_msg_result(struct verify_msg *m, enum verify_method method, enum verify_answer answer,
		       enum verify_reason reason)
{
	verify_msg_wipe(m);
	m->method = method;
	m->step = VERIFY_STEP_RESULT;
	m->answer = answer;
	m->reason = reason;
}

void verify_msg_abort(struct verify_msg *m, enum verify_method method, enum verify_reason reason)
{
	verify_msg_wipe(m);
	m->method = method;
	m->step = VERIFY_STEP_ABORT;
	m->reason = reason;
}

/* ---- building ---- */

static int check_msg(const struct verify_msg *m, const struct step_info **info)
{
	const struct step_info *s = step_info(m->step);

	*info = s;
	if (!s || !verify_method_name(m->method) || (s->method && s->method != m->method))
		return XE2E_E_MALFORMED;
	if (m->step == VERIFY_STEP_RESULT)
		return verify_answer_name(m->answer) && (m->reason == VERIFY_REASON_NONE ||
							 verify_reason_name(m->reason))
			       ? XE2E_OK
			       : XE2E_E_MALFORMED;
	if (m->step == VERIFY_STEP_ABORT)
		return verify_reason_name(m->reason) ? XE2E_OK : XE2E_E_MALFORMED;
	return m->len == (size_t)s->len ? XE2E_OK : XE2E_E_MALFORMED;
}

static int append_body(const struct verify_msg *m, struct xml_node *el)
{
	char text[((VERIFY_BODY_MAX + 2) / 3) * 4 + 1];
	int err;

	if (m->step == VERIFY_STEP_RESULT) {
		const char *a = verify_answer_name(m->answer);

		return xml_append_text(el, a, strlen(a));
	}
	if (m->len == 0)
		return XE2E_OK;
	err = b64_encode(m->body, m->len, text, sizeof(text));
	if (!err)
		err = xml_append_text(el, text, strlen(text));
	wipe(text, sizeof(text));
	return err;
}

int verify_msg_build(const struct verify_msg *m, struct xml_node **out)
{
	const struct step_info *s;
	struct xml_node *el = NULL;
	int err = check_msg(m, &s);

	*out = NULL;
	if (err) {
		err_detail_set("an inconsistent control element");
		return err;
	}
	el = xml_element_new(verify_method_name(m->method), XE2E_NS);
	err = el ? xml_set_attr(el, "step", s->name) : XE2E_E_NOMEM;
	if (!err && m->reason != VERIFY_REASON_NONE)
		err = xml_set_attr(el, "reason", verify_reason_name(m->reason));
	if (!err)
		err = append_body(m, el);
	if (err)
		xml_free(el);
	else
		*out = el;
	return err;
}

/* ---- reading ---- */

static int bad(const char *what, const char *name)
{
	err_detail_set("a control element <%s/> %s", name, what);
	return XE2E_E_MALFORMED;
}

static int lookup(const char *const *table, size_t n, const char *text, unsigned *out)
{
	for (size_t i = 1; i < n; i++) {
		if (!strcmp(table[i], text)) {
			*out = (unsigned)i;
			return XE2E_OK;
		}
	}
	return XE2E_E_MALFORMED;
}

/* Only step and reason, unprefixed; only text children. */
static int check_shape(const struct xml_node *el)
{
	for (size_t i = 0; i < el->n_attrs; i++) {
		const struct xml_attr *a = &el->attrs[i];

		if (a->ns || (strcmp(a->name, "step") && strcmp(a->name, "reason")))
			return bad("with an unknown attribute", el->name);
	}
	for (size_t i = 0; i < el->n_children; i++)
		if (el->children[i]->type != XML_TEXT)
			return bad("with a child element", el->name);
	return XE2E_OK;
}

static int read_step(const struct xml_node *el, struct verify_msg *m, const struct step_info **s)
{
	const char *step = xml_get_attr(el, "step"), *reason = xml_get_attr(el, "reason");
	unsigned r = 0;

	*s = NULL;
	for (size_t i = 0; step && i < ARRAY_SIZE(steps); i++)
		if (!strcmp(steps[i].name, step) && (!steps[i].method || steps[i].method == m->method))
			*s = &steps[i];
	if (!*s)
		return bad("with a missing or unknown step", el->name);
	m->step = (*s)->step;
	if (reason && lookup(reasons, ARRAY_SIZE(reasons), reason, &r))
		return bad("with an unknown reason", el->name);
	if (reason && m->step != VERIFY_STEP_RESULT && m->step != VERIFY_STEP_ABORT)
		return bad("with a reason on a step that has none", el->name);
	if (!reason && m->step == VERIFY_STEP_ABORT)
		return bad("aborting without a reason", el->name);
	m->reason = (enum verify_reason)r;
	return XE2E_OK;
}

static int read_body(const struct xml_node *el, const struct step_info *s, struct verify_msg *m)
{
	char *text = xml_text(el);
	size_t n = text ? strlen(text) : 0;
	unsigned a = 0;
	int err = text ? XE2E_OK : XE2E_E_NOMEM;

	if (!err && n > TEXT_MAX)
		err = bad("with too much text", el->name);
	else if (!err && m->step == VERIFY_STEP_RESULT)
		err = lookup(answers, ARRAY_SIZE(answers), text, &a) ? bad("with an unknown answer", el->name)
								      : XE2E_OK;
	else if (!err && s->len == 0 && n)
		err = bad("with text where none belongs", el->name);
	else if (!err && s->len > 0 &&
		 (b64_decode(text, n, m->body, sizeof(m->body), &m->len) || m->len != (size_t)s->len))
		err = bad("whose content is not canonical base64 of the right length", el->name);
	m->answer = (enum verify_answer)a;
	if (text)
		wipe(text, n);
	free(text);
	return err;
}

int verify_msg_parse(const struct xml_node *el, struct verify_msg *m)
{
	const struct step_info *s;
	int err;

	verify_msg_wipe(m);
	if (el->type != XML_ELEMENT || !el->ns || strcmp(el->ns, XE2E_NS))
		return XE2E_E_NOTFOUND;
	if (!strcmp(el->name, "sas"))
		m->method = VERIFY_SAS;
	else if (!strcmp(el->name, "spake2"))
		m->method = VERIFY_SPAKE2;
	else
		return XE2E_E_NOTFOUND;
	err = check_shape(el);
	if (!err)
		err = read_step(el, m, &s);
	if (!err)
		err = read_body(el, s, m);
	if (err)
		verify_msg_wipe(m);
	return err;
}

static int is_control(const struct xml_node *el)
{
	return el->type == XML_ELEMENT && el->ns && !strcmp(el->ns, XE2E_NS) &&
	       (!strcmp(el->name, "sas") || !strcmp(el->name, "spake2"));
}

int verify_msg_find(const struct xml_node *stanza, struct verify_msg *m)
{
	const struct xml_node *found = NULL;
	const char *type = xml_get_attr(stanza, "type");

	verify_msg_wipe(m);
	if (strcmp(stanza->name, "message") || !type || strcmp(type, "chat"))
		return XE2E_E_NOTFOUND;
	for (size_t i = 0; i < stanza->n_children; i++) {
		if (!is_control(stanza->children[i]))
			continue;
		if (found) {
			err_detail_set("a stanza with two control elements");
			return XE2E_E_MALFORMED;
		}
		found = stanza->children[i];
	}
	return found ? verify_msg_parse(found, m) : XE2E_E_NOTFOUND;
}
