/* The text interface of xe2e.h as a client plugin calls it: a plain
 * stanza as XML text sealed in a session that a real handshake left in two
 * homes, and the sealed text opened at the other end; then the stanza as an
 * attacker would change it on the way (a flipped bit, a replay, another
 * sender, another recipient), each refused with the code xe2e.h documents
 * and nothing stored changed. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "err.h"
#include "handshake_fixture.h"
#include "unit.h"
#include "xe2e.h"

static struct hs_side alice, bob;

static const char hello[] = "<message to='bob@montague.lit/garden' type='chat' id='m1'>"
			    "<body>Hello, Bob!</body></message>";

/* A first-contact session between alice (initiator) and bob. */
static void pair_up(void)
{
	struct hs_run run = {0};

	side_free(&alice);
	side_free(&bob);
	side_init(&alice, "alice@capulet.lit", "balcony");
	side_init(&bob, "bob@montague.lit", "garden");
	side_reload(&alice);
	side_reload(&bob);
	hs_run(&alice, &bob, &run, NULL, NULL);
	CHECK(hs_both_done(&alice, &bob));
	CHECK_INT(side_commit(&alice), XE2E_OK);
	CHECK_INT(side_commit(&bob), XE2E_OK);
	hs_run_free(&run);
}

static uint64_t now(void)
{
	return (uint64_t)time(NULL);
}

/* ---- what a home holds ---- */

static struct buf *tree; /* nftw() takes no argument of its own */

static int add_file(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	size_t len = 0;
	char *data;

	(void)st;
	(void)ftw;
	if (type != FTW_F)
		return 0;
	data = unit_read_file(path, &len);
	CHECK(data != NULL);
	CHECK_INT(buf_append(tree, path, strlen(path) + 1), XE2E_OK);
	if (data)
		CHECK_INT(buf_append(tree, data, len), XE2E_OK);
	free(data);
	return 0;
}

/* Every file of the side's home, names and bytes, in one buffer (caller
 * frees): the same before and after means nothing stored changed. */
static struct buf home_bytes(const struct hs_side *s)
{
	struct buf b = BUF_INIT;

	tree = &b;
	CHECK_INT(nftw(s->home, add_file, 16, FTW_PHYS), 0);
	tree = NULL;
	return b;
}

static void check_home_unchanged(const struct hs_side *s, const struct buf *before)
{
	struct buf after = home_bytes(s);

	CHECK_INT(after.len, before->len);
	if (after.len == before->len)
		CHECK_MEM(after.data, before->data, after.len);
	buf_free(&after);
}

/* ---- the two ends ---- */

/* Seals text at alice, for bob's session; the text to send (caller frees). */
static char *seal_at_alice(const char *text)
{
	struct xe2e_seal_opts o;
	struct xe2e_sealer *s = NULL;
	struct xe2e_sealed res;
	char *out = NULL;
	size_t len = 0;

	side_use(&alice);
	xe2e_seal_opts_init(&o);
	CHECK_INT(xe2e_sealer_new(&s, &o), XE2E_OK);
	CHECK_INT(xe2e_seal_text(s, text, strlen(text), now(), &res, &out, &len), XE2E_OK);
	CHECK_INT(res.err, XE2E_OK);
	CHECK_INT(res.flags, 0);
	CHECK(out != NULL && strlen(out) == len);
	CHECK_STR(res.session.peer_bare, "bob@montague.lit");
	xe2e_sealed_free(&res);
	CHECK_INT(xe2e_sealer_release(s), XE2E_OK);
	xe2e_sealer_free(s);
	return out;
}

/* Opens text at bob: the code; *out the plain text or NULL. */
static int open_at_bob(const char *text, struct xe2e_opened *res, char **out)
{
	struct xe2e_open_opts o = {0};
	struct xe2e_opener *op = NULL;
	struct xe2e_session sess;
	size_t len = 0;
	int err;

	side_use(&bob);
	CHECK_INT(xe2e_opener_new(&op, &o), XE2E_OK);
	err = xe2e_open_text(op, text, strlen(text), now(), res, &sess, out, &len);
	CHECK_INT(res->err, err);
	CHECK(!*out == !!err);
	xe2e_opener_free(op);
	return err;
}

/* Opens text at bob and checks that it is refused with err and reason,
 * storing nothing. */
static void check_refused(const char *text, int err, const char *reason)
{
	struct buf before = home_bytes(&bob);
	struct xe2e_opened res;
	char *out = NULL;

	CHECK_INT(open_at_bob(text, &res, &out), err);
	CHECK(out == NULL);
	CHECK_STR(res.reason, reason);
	CHECK(res.stanza == NULL);
	check_home_unchanged(&bob, &before);
	buf_free(&before);
}

/* The text between <sealed ...> and </sealed>: the message in base64. */
static char *payload(char *sealed)
{
	char *p = strstr(sealed, "<sealed");

	CHECK(p != NULL);
	p = p ? strchr(p, '>') : NULL;
	CHECK(p != NULL && p[1] != '<');
	return p ? p + 1 : sealed;
}

/* Sets attribute name (which must be there) to value in the text. */
static char *set_attr(const char *text, const char *name, const char *value)
{
	char key[32], *out = malloc(strlen(text) + strlen(value) + 1);
	const char *at, *q, *end;

	snprintf(key, sizeof(key), " %s=", name);
	at = strstr(text, key);
	CHECK(at != NULL && out != NULL);
	if (!at || !out)
		return out;
	q = at + strlen(key);
	end = strchr(q + 1, *q);
	CHECK(end != NULL);
	sprintf(out, "%.*s%c%s%s", (int)(q - text), text, *q, value, end);
	return out;
}

/* ---- tests ---- */

TEST(xe2e_text_round_trip)
{
	struct xe2e_opened res;
	char *sealed, *plain = NULL;

	pair_up();
	sealed = seal_at_alice(hello);
	CHECK(strstr(sealed, "Hello") == NULL);
	CHECK(strstr(sealed, "to='bob@montague.lit/garden'") ||
	      strstr(sealed, "to=\"bob@montague.lit/garden\""));
	CHECK_INT(open_at_bob(sealed, &res, &plain), XE2E_OK);
	CHECK(res.reason == NULL);
	CHECK_STR(res.peer_bare, "alice@capulet.lit");
	CHECK_INT(res.flags & ~XE2E_OPENED_UNBOUND, 0);
	CHECK(plain && strstr(plain, "<body>Hello, Bob!</body>"));
	CHECK(plain && (strstr(plain, "id=\"m1\"") || strstr(plain, "id='m1'")));
	CHECK(plain && strchr(plain, '\n') == NULL);
	free(plain);
	free(sealed);
}

TEST(xe2e_text_flipped_bit)
{
	struct xe2e_opened res;
	char *sealed, *p, c, *plain = NULL;

	pair_up();
	sealed = seal_at_alice(hello);
	p = payload(sealed) + 20;
	c = *p;
	*p = c == 'A' ? 'B' : 'A'; /* another letter of base64: bits of the message */
	check_refused(sealed, XE2E_E_AUTH, "tampered");
	*p = c;
	/* Refused, not used up: the untouched stanza still opens. */
	CHECK_INT(open_at_bob(sealed, &res, &plain), XE2E_OK);
	CHECK(plain && strstr(plain, "Hello, Bob!"));
	free(plain);
	free(sealed);
}

TEST(xe2e_text_replay)
{
	struct xe2e_opened res;
	char *sealed, *plain = NULL;

	pair_up();
	sealed = seal_at_alice(hello);
	CHECK_INT(open_at_bob(sealed, &res, &plain), XE2E_OK);
	free(plain);
	check_refused(sealed, XE2E_E_REPLAY, "replay");
	plain = NULL;
	CHECK_INT(open_at_bob(sealed, &res, &plain), XE2E_E_REPLAY);
	CHECK(res.flags & XE2E_OPENED_REPLAY);
	free(sealed);
}

/* Another sender or recipient: the sealed stanza with a 'from' or a 'to'
 * of someone else, as a server or a forger could write it. Sessions are
 * found by their peer: another 'from' finds none. */
TEST(xe2e_text_wrong_sender)
{
	struct xe2e_opened res;
	char *sealed, *forged, *plain = NULL;

	pair_up();
	sealed = seal_at_alice("<message to='bob@montague.lit' from='alice@capulet.lit/balcony' "
			       "type='chat'><body>Hello, Bob!</body></message>");
	forged = set_attr(sealed, "from", "mallory@capulet.lit/balcony");
	check_refused(forged, XE2E_E_NOTFOUND, "unknown session");
	free(forged);
	forged = set_attr(sealed, "to", "carol@capulet.lit/tomb");
	check_refused(forged, XE2E_E_AUTH, "tampered");
	free(forged);
	CHECK_INT(open_at_bob(sealed, &res, &plain), XE2E_OK);
	free(plain);
	free(sealed);
}

/* Another recipient: a stanza for a peer without a session is refused by
 * the sealer, nothing is sent in plaintext and nothing is stored. */
TEST(xe2e_text_wrong_peer)
{
	static const char to_carol[] = "<message to='carol@capulet.lit/tomb' type='chat'>"
				       "<body>Hello, Carol!</body></message>";
	struct xe2e_seal_opts o;
	struct xe2e_sealer *s = NULL;
	struct xe2e_sealed res;
	struct buf before;
	char *out = (char *)1;
	size_t len = 1;

	pair_up();
	before = home_bytes(&alice);
	side_use(&alice);
	xe2e_seal_opts_init(&o);
	CHECK_INT(xe2e_sealer_new(&s, &o), XE2E_OK);
	CHECK_INT(xe2e_seal_text(s, to_carol, strlen(to_carol), now(), &res, &out, &len),
		  XE2E_E_NOTFOUND);
	CHECK_INT(res.err, XE2E_E_NOTFOUND);
	CHECK(out == NULL && len == 0 && res.stanza == NULL);
	CHECK(strstr(res.detail, "carol@capulet.lit") != NULL);
	xe2e_sealed_free(&res);
	/* With the sealer bound to bob, a stanza for carol is refused too. */
	xe2e_sealer_free(s);
	o.to = "bob@montague.lit";
	CHECK_INT(xe2e_sealer_new(&s, &o), XE2E_OK);
	CHECK_INT(xe2e_seal_text(s, to_carol, strlen(to_carol), now(), &res, &out, &len),
		  XE2E_E_MALFORMED);
	CHECK(out == NULL);
	xe2e_sealed_free(&res);
	CHECK_INT(xe2e_sealer_release(s), XE2E_OK);
	xe2e_sealer_free(s);
	check_home_unchanged(&alice, &before);
	buf_free(&before);
}

/* Text that is no stanza: an error, no output. */
TEST(xe2e_text_not_xml)
{
	struct xe2e_opened res;
	char *plain = (char *)1;

	pair_up();
	CHECK(open_at_bob("<message><body>", &res, &plain) != XE2E_OK);
	CHECK(res.err == XE2E_E_MALFORMED || res.err == XE2E_E_XML);
	CHECK(plain == NULL);
}
