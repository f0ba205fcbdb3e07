/* textrec.h: the line files' reader refuses what it does not know, and
 * says where. */
#include <string.h>

#include "err.h"
#include "textrec.h"
#include "unit.h"

#define HEADER "xe2e test v1\n"

struct seen {
	int lines;
	int fail_at; /* the line_fn call that fails, 0 for none */
	int fail_with;
	char last[32];
};

static int take(void *arg, const char *line, size_t n)
{
	struct seen *s = arg;

	s->lines++;
	if (s->lines == s->fail_at)
		return s->fail_with;
	if (n >= sizeof(s->last))
		return XE2E_E_MALFORMED;
	memcpy(s->last, line, n);
	s->last[n] = '\0';
	return XE2E_OK;
}

static int read_text(const char *text, struct seen *s)
{
	return textrec_each_line("F", text, strlen(text), HEADER, "test", "thing", take, s);
}

TEST(textrec_each_line_reads_every_line_after_the_header)
{
	struct seen s = {0};

	CHECK_INT(read_text(HEADER "one\n\ntwo\n", &s), XE2E_OK);
	CHECK_INT(s.lines, 3);
	CHECK_STR(s.last, "two");
	memset(&s, 0, sizeof(s));
	CHECK_INT(read_text(HEADER, &s), XE2E_OK);
	CHECK_INT(s.lines, 0);
}

TEST(textrec_each_line_refuses_what_it_does_not_know)
{
	struct seen s = {0};

	CHECK_INT(read_text("xe2e test v2\none\n", &s), XE2E_E_MALFORMED);
	CHECK_STR(err_detail(), "F: not an xe2e test file");
	CHECK_INT(s.lines, 0);
	CHECK_INT(read_text("xe2e test v1", &s), XE2E_E_MALFORMED); /* header without LF */
	/* a last line without LF is cut short: refused, not taken */
	memset(&s, 0, sizeof(s));
	CHECK_INT(read_text(HEADER "one\ntwo", &s), XE2E_E_MALFORMED);
	CHECK_STR(err_detail(), "F line 3: malformed thing");
	CHECK_INT(s.lines, 1);
	/* the line function's refusal is placed; its other errors pass as they are */
	memset(&s, 0, sizeof(s));
	s.fail_at = 2;
	s.fail_with = XE2E_E_MALFORMED;
	CHECK_INT(read_text(HEADER "one\ntwo\nthree\n", &s), XE2E_E_MALFORMED);
	CHECK_STR(err_detail(), "F line 3: malformed thing");
	memset(&s, 0, sizeof(s));
	s.fail_at = 1;
	s.fail_with = XE2E_E_NOMEM;
	CHECK_INT(read_text(HEADER "one\n", &s), XE2E_E_NOMEM);
}
