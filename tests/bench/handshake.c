/*
 * The handshake in one process: both sides' handshake objects (real
 * identities in temporary XE2E_HOMEs, snapshots of their trust stores and
 * retained secrets) passing their messages to each other, with no I/O.
 *
 * Public-key operations are counted where they happen: this program
 * defines the mbedTLS and libsodium entry points that the crypto wrappers
 * call (mbedtls_ecp_mul, crypto_scalarmult, mbedtls_ecdsa_verify, ...), so
 * the link binds the library's calls to these definitions, which count
 * the call for the side whose turn it is and pass it on to the real
 * function (dlsym RTLD_NEXT). Calls that a library makes to itself inside
 * a counted call are not counted again.
 *
 * The CPU time of whole handshakes, with each X25519 provider, is then set
 * next to the cost of the operations counted, each timed in the same run;
 * and the CPU of two xe2e-handshake processes (from PATH) doing the same
 * handshake over pipes, from their start to their exit, next to it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "opcount/shims.h"
#include "dh.h"
#include "dh_provider.h"
#include "err.h"
#include "handshake.h"
#include "handshake_nego.h"
#include "identity.h"
#include "rng.h"
#include "secrets.h"
#include "session.h"
#include "sig.h"
#include "trust.h"

static const char *const op_names[OP_COUNT] = {
	"X25519 base", "X25519 DH", "P-256 sign", "P-256 verify", "P-256 mul", "P-256 other",
};

enum { WHO_INIT, WHO_RESP, WHO_NONE };

static unsigned long ops[3][OP_COUNT];
static int who = WHO_NONE; /* whose turn it is */

/* For the shims: the operation counts for the side whose turn it is. */
static void opcount_bump(enum op op)
{
	ops[who][op]++;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "handshake bench: %s: %s (%s)\n", what, err_str(err), err_detail());
	exit(1);
}

struct side {
	char home[256];
	char jid[64];
	char full[96];
	struct identity id;
	struct trust_db trust;
	struct rs_db rs;
	uint8_t cookie_key[32];
	struct hs_lists lists;
	struct handshake *hs;
	uint64_t now;
};

static char base_dir[] = "/tmp/xe2e-bench-hs-XXXXXX";
static int have_base_dir;

static void cleanup(void)
{
	char cmd[300];

	if (!have_base_dir)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "handshake bench: could not remove %s\n", base_dir);
}

static int no_replay(void *arg, const uint8_t key[static 32])
{
	(void)arg;
	(void)key;
	return XE2E_OK;
}

static int cookie_key(void *arg, uint8_t key[static 32])
{
	memcpy(key, ((struct side *)arg)->cookie_key, 32);
	return XE2E_OK;
}

static void side_use(const struct side *s)
{
	setenv("XE2E_HOME", s->home, 1);
}

static void side_reload(struct side *s)
{
	int err;

	side_use(s);
	trust_free(&s->trust);
	rs_free(&s->rs);
	if ((err = trust_load(NULL, &s->trust)) || (err = rs_load(NULL, &s->rs)))
		die("loading the stores", err);
}

static void side_init(struct side *s, const char *name, const char *jid, const char *resource)
{
	int err;

	memset(s, 0, sizeof(*s));
	snprintf(s->home, sizeof(s->home), "%s/%s", base_dir, name);
	snprintf(s->jid, sizeof(s->jid), "%s", jid);
	snprintf(s->full, sizeof(s->full), "%s/%s", jid, resource);
	s->now = (uint64_t)time(NULL);
	s->id = (struct identity)IDENTITY_INIT;
	hsnego_lists_default(&s->lists);
	side_use(s);
	if ((err = identity_create(jid, NULL, s->now, 0, &s->id)))
		die("identity_create", err);
	identity_free(&s->id);
	if ((err = identity_load(&s->id, IDENTITY_LOAD_DEVICE_KEY, NULL, s->now)))
		die("identity_load", err);
	if ((err = rng_bytes(s->cookie_key, sizeof(s->cookie_key))))
		die("rng", err);
	side_reload(s);
}

static void side_free(struct side *s)
{
	handshake_free(s->hs);
	identity_free(&s->id);
	trust_free(&s->trust);
	rs_free(&s->rs);
}

static void side_begin(struct side *s, int initiator, const struct side *peer)
{
	struct handshake_config cfg;
	int err;

	handshake_free(s->hs);
	s->hs = NULL;
	memset(&cfg, 0, sizeof(cfg));
	cfg.initiator = initiator;
	cfg.self = &s->id;
	cfg.peer = initiator ? peer->full : NULL;
	cfg.lists = s->lists;
	cfg.trust = &s->trust;
	cfg.rs = &s->rs;
	cfg.replay = no_replay;
	cfg.cookie_key_fn = cookie_key;
	cfg.arg = s;
	cfg.now = s->now;
	if ((err = handshake_new(&s->hs, &cfg)))
		die("handshake_new", err);
}

/* Fills the side's session from its finished handshake; stores it when
 * commit (the files of its home change), else only wipes it. */
static void side_finish(struct side *s, int commit)
{
	struct session sess;
	struct session_outcome o;
	int err = handshake_session(s->hs, &sess, &o);

	if (!err && commit) {
		side_use(s);
		err = sess.state == SESSION_PENDING ? session_commit_pending(&sess, &o)
						    : session_commit(&sess, &o);
	}
	session_free(&sess);
	memset(&o, 0, sizeof(o));
	if (err)
		die("handshake_session", err);
}

/* One whole handshake between init and resp; returns the pattern used.
 * Public-key operations count for the side whose object runs. */
static int handshake_once(struct side *init, struct side *resp, int commit)
{
	struct handshake_msg msg = HANDSHAKE_MSG_INIT, out = HANDSHAKE_MSG_INIT, t;
	struct side *sides[2] = {init, resp};
	int sender = WHO_INIT, err, pattern;

	who = WHO_INIT;
	side_begin(init, 1, resp);
	who = WHO_RESP;
	side_begin(resp, 0, init);
	who = WHO_INIT;
	if ((err = handshake_start(init->hs, &msg)))
		die("handshake_start", err);
	for (int i = 0; i < 12 && msg.step != HS_STEP_NONE; i++) {
		int to = !sender;

		who = to;
		err = handshake_read(sides[to]->hs, sides[sender]->full, msg.step, msg.body.data,
				     msg.body.len, msg.reason, &out);
		if (err)
			die("handshake_read", err);
		handshake_msg_clear(&msg);
		t = msg;
		msg = out;
		out = t;
		sender = to;
	}
	buf_free(&msg.body);
	buf_free(&out.body);
	if (handshake_status(init->hs) != HS_DONE || handshake_status(resp->hs) != HS_DONE)
		die("handshake did not finish", XE2E_E_STATE);
	pattern = handshake_result(init->hs)->pattern;
	who = WHO_INIT;
	side_finish(init, commit);
	who = WHO_RESP;
	side_finish(resp, commit);
	who = WHO_NONE;
	return pattern;
}

/* Mean CPU seconds of one whole handshake (both sides) over at least
 * min_seconds. */
static double handshake_cpu(struct side *a, struct side *b, double min_seconds,
			    unsigned long *runs)
{
	double start = bench_cpu(), spent;
	unsigned long n = 0;

	do {
		handshake_once(a, b, 0);
		n++;
		spent = bench_cpu() - start;
	} while (spent < min_seconds || n < 3);
	*runs = n;
	return spent / (double)n;
}

/* The mean CPU seconds of each counted operation, through the wrappers
 * (X25519 through the provider in use). */
static void op_costs(double cost[OP_COUNT])
{
	uint8_t priv[32], pub[32], peer[32], shared[32], sig[P256_SIG_LEN], ppub[P256_PUB_LEN];
	uint8_t msg[200] = {0};
	struct p256_key *key = NULL;
	double start;
	int n = 200;

	x25519_keypair(peer, pub);
	x25519_keypair(priv, peer);
	if (p256_generate(&key))
		die("p256_generate", XE2E_E_CRYPTO);
	p256_public(key, ppub);
	p256_sign(key, msg, sizeof(msg), sig);

	start = bench_cpu();
	for (int i = 0; i < n; i++)
		x25519_keypair(priv, pub);
	cost[OP_X_BASE] = (bench_cpu() - start) / n;
	start = bench_cpu();
	for (int i = 0; i < n; i++)
		x25519_shared(shared, priv, peer);
	cost[OP_X_DH] = (bench_cpu() - start) / n;
	start = bench_cpu();
	for (int i = 0; i < n; i++)
		p256_sign(key, msg, sizeof(msg), sig);
	cost[OP_P_SIGN] = (bench_cpu() - start) / n;
	start = bench_cpu();
	for (int i = 0; i < n / 2; i++)
		p256_verify(ppub, msg, sizeof(msg), sig);
	cost[OP_P_VERIFY] = (bench_cpu() - start) / (n / 2);
	cost[OP_P_MUL] = cost[OP_P_SIGN]; /* one fixed-base multiplication each */
	cost[OP_P_OTHER] = cost[OP_P_VERIFY];
	p256_free(key);
	memset(priv, 0, sizeof(priv));
	memset(shared, 0, sizeof(shared));
}

static void ops_clear(void)
{
	memset(ops, 0, sizeof(ops));
}

/* "2 base + 3 DH" for one side's counts. */
static void ops_format(const unsigned long c[OP_COUNT], int x25519, char *out, size_t size)
{
	size_t len = 0;

	out[0] = 0;
	for (int i = 0; i < OP_COUNT; i++) {
		if (!c[i] || (i <= OP_X_DH) != x25519)
			continue;
		len += (size_t)snprintf(out + len, size - len, "%s%lu %s", len ? " + " : "", c[i],
					strchr(op_names[i], ' ') + 1);
		if (len >= size)
			break;
	}
	if (!out[0])
		snprintf(out, size, "0");
}

static double ops_cost(const unsigned long c[OP_COUNT], const double cost[OP_COUNT])
{
	double sum = 0;

	for (int i = 0; i < OP_COUNT; i++)
		sum += (double)c[i] * cost[i];
	return sum;
}

enum { PROV_SODIUM, PROV_MBEDTLS, PROV_COUNT };

static const struct x25519_provider *const providers[PROV_COUNT] = {
	&x25519_libsodium, &x25519_mbedtls,
};

struct row {
	const char *name;
	unsigned long count[2][OP_COUNT]; /* per handshake, initiator and responder */
	unsigned long least[2][OP_COUNT]; /* what the protocol itself needs */
	double cpu[PROV_COUNT];           /* per handshake, with each X25519 provider */
	unsigned long runs[PROV_COUNT];
	double proc[3];                   /* two processes: sum, initiator, responder */
};

/*
 * The operations the protocol itself needs (xe2e(7) HANDSHAKE), per side:
 * XXpsk2: each side makes e, the responder also r0 (its first ratchet
 * key); ee, es, se; each side verifies the other's device binding.
 * IKpsk1: the same key pairs; es, ss, ee, se; no signature, since each
 * side already holds the other's device key in its trust store and no
 * credential travels (xe2e(7)).
 */
static void row_least(struct row *r, int pattern)
{
	memset(r->least, 0, sizeof(r->least));
	for (int side = 0; side < 2; side++) {
		r->least[side][OP_X_BASE] = side == WHO_INIT ? 1 : 2;
		r->least[side][OP_X_DH] = pattern == HS_PATTERN_XX ? 3 : 4;
		r->least[side][OP_P_VERIFY] = pattern == HS_PATTERN_XX ? 1 : 0;
	}
}

static void row_measure(struct row *r, const char *name, int want, struct side *a, struct side *b)
{
	int pattern;

	r->name = name;
	ops_clear();
	pattern = handshake_once(a, b, 0);
	if (pattern != want) {
		fprintf(stderr, "handshake bench: %s ran pattern %d\n", name, pattern);
		exit(1);
	}
	memcpy(r->count, ops, sizeof(r->count));
	row_least(r, pattern);
	for (int p = 0; p < PROV_COUNT; p++) {
		const struct x25519_provider *old = x25519_provider_use(providers[p]);

		r->cpu[p] = handshake_cpu(a, b, 1.0, &r->runs[p]);
		x25519_provider_use(old);
	}
}

static void row_print_ops(const struct row *r)
{
	static const char *const side_names[2] = {"initiator", "responder"};
	char xc[64], xl[64], pc[64], pl[64];

	for (int side = 0; side < 2; side++) {
		ops_format(r->count[side], 1, xc, sizeof(xc));
		ops_format(r->least[side], 1, xl, sizeof(xl));
		ops_format(r->count[side], 0, pc, sizeof(pc));
		ops_format(r->least[side], 0, pl, sizeof(pl));
		printf("| %s | %s | %s | %s | %s | %s |\n", r->name, side_names[side], xc, xl, pc,
		       pl);
	}
}

static void row_print_cpu(const struct row *r, const double cost[PROV_COUNT][OP_COUNT])
{
	for (int p = 0; p < PROV_COUNT; p++) {
		double counted = ops_cost(r->count[0], cost[p]) + ops_cost(r->count[1], cost[p]);
		double least = ops_cost(r->least[0], cost[p]) + ops_cost(r->least[1], cost[p]);

		printf("| %s | %s | %.2f ms (%lu runs) | %.2f ms | %.2f | %.2f ms | %.2f |\n",
		       r->name, providers[p]->name, r->cpu[p] * 1e3, r->runs[p], counted * 1e3,
		       r->cpu[p] / counted, least * 1e3, r->cpu[p] / least);
	}
}

/* The operations of loading an identity with its device key, as every
 * xe2e-handshake process does before its handshake. */
static void print_load_ops(const struct side *s)
{
	struct identity id = IDENTITY_INIT;
	char x[64], p[64];
	int err;

	side_use(s);
	ops_clear();
	who = WHO_INIT;
	err = identity_load(&id, IDENTITY_LOAD_DEVICE_KEY, NULL, s->now);
	who = WHO_NONE;
	identity_free(&id);
	if (err)
		die("identity_load", err);
	ops_format(ops[WHO_INIT], 1, x, sizeof(x));
	ops_format(ops[WHO_INIT], 0, p, sizeof(p));
	printf("Loading the identity with its device key, which each xe2e-handshake process "
	       "does before its handshake, adds (counted the same way) X25519: %s; P-256: "
	       "%s.\n\n",
	       x, p);
}

/* ---- two xe2e-handshake processes ---- */

static char empty_path[PATH_MAX];
static const char *alice_home, *bob_home;

static void die_errno(const char *what)
{
	perror(what);
	exit(1);
}

/* Puts the homes of both sides back to their copies named suffix. */
static void homes_restore(const char *suffix)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && rm -rf alice bob && cp -a alice.%s alice && cp -a bob.%s bob",
		 base_dir, suffix, suffix);
	if (system(cmd) != 0)
		die("restoring the homes", XE2E_E_IO);
}

static void homes_keep(const char *suffix)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "cd '%s' && rm -rf alice.%s bob.%s && cp -a alice alice.%s && "
		 "cp -a bob bob.%s", base_dir, suffix, suffix, suffix, suffix);
	if (system(cmd) != 0)
		die("copying the homes", XE2E_E_IO);
}

/*
 * One handshake between two processes joined by pipes, the responder
 * started first: init_argv as Alice, resp_argv as Bob. Adds the CPU of
 * each, from its start to its exit (wait4), to cpu[1] and cpu[2].
 */
static void processes_once(char *const init_argv[], char *const resp_argv[], double cpu[3])
{
	int a2b[2], b2a[2];
	pid_t init, resp;
	double c[2] = {0, 0};

	if (pipe2(a2b, O_CLOEXEC) || pipe2(b2a, O_CLOEXEC))
		die_errno("handshake bench: pipe");
	resp = bench_spawn(resp_argv, bob_home, a2b[0], b2a[1]);
	init = bench_spawn(init_argv, alice_home, b2a[0], a2b[1]);
	if (resp < 0 || init < 0)
		die_errno("handshake bench: fork");
	close(a2b[0]);
	close(a2b[1]);
	close(b2a[0]);
	close(b2a[1]);
	if (bench_reap(init, &c[0]) != 0 || bench_reap(resp, &c[1]) != 0)
		die("a handshake process failed", XE2E_E_STATE);
	cpu[1] += c[0];
	cpu[2] += c[1];
	cpu[0] += c[0] + c[1];
}

/* Mean CPU of runs handshakes between processes, homes restored from the
 * copies named suffix before each (not timed). */
static void processes_cpu(const char *suffix, int runs, double cpu[3])
{
	static char *init_argv[] = {"xe2e-handshake", "--to", "bob@montague.lit", "--quiet", NULL};
	static char *resp_argv[] = {"xe2e-handshake", "--respond", "--quiet", NULL};

	cpu[0] = cpu[1] = cpu[2] = 0;
	for (int i = 0; i < runs; i++) {
		homes_restore(suffix);
		processes_once(init_argv, resp_argv, cpu);
	}
	for (int i = 0; i < 3; i++)
		cpu[i] /= runs;
}

/* The same with the empty program in place of both. */
static void empty_cpu(int runs, double cpu[3])
{
	char *argv[] = {empty_path, NULL};

	cpu[0] = cpu[1] = cpu[2] = 0;
	for (int i = 0; i < runs; i++)
		processes_once(argv, argv, cpu);
	for (int i = 0; i < 3; i++)
		cpu[i] /= runs;
}

static void empty_find(const char *argv0)
{
	char *slash;

	snprintf(empty_path, sizeof(empty_path), "%s", argv0);
	slash = strrchr(empty_path, '/');
	snprintf(slash ? slash + 1 : empty_path,
		 sizeof(empty_path) - (size_t)(slash ? slash + 1 - empty_path : 0), "empty");
	if (access(empty_path, X_OK) != 0) {
		fprintf(stderr, "handshake bench: no empty program at %s\n", empty_path);
		exit(1);
	}
}

/* The floor of two processes: starting both, and the handshake's work. */
static double processes_floor(const struct row *r, const double empty[3])
{
	return empty[0] + r->cpu[PROV_SODIUM];
}

static void row_print_processes(const struct row *r, const double empty[3], double goal)
{
	double floor_cpu = processes_floor(r, empty);

	printf("| %s | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %.2f ms (%.2f) | "
	       "%.1f ms (%.2f) |\n",
	       r->name, r->proc[0] * 1e3, r->proc[1] * 1e3, r->proc[2] * 1e3,
	       r->cpu[PROV_SODIUM] * 1e3, empty[0] * 1e3, floor_cpu * 1e3,
	       r->proc[0] / floor_cpu, goal * 1e3, r->proc[0] / goal);
}

/* Says plainly when a goal lies below what starting two processes costs. */
static void goal_reach_print(const struct row *r, const double empty[3], double goal)
{
	double floor_cpu = processes_floor(r, empty);

	if (floor_cpu <= goal)
		return;
	printf("%s: the goal (%.1f ms) is out of reach on this machine: the empty program "
	       "started twice and the handshake in one process already cost %.2f ms "
	       "(%.2f times the goal).\n\n",
	       r->name, goal * 1e3, floor_cpu * 1e3, floor_cpu / goal);
}

int main(int argc, char **argv)
{
	struct side alice, bob;
	struct row xx, ik;
	double cost[PROV_COUNT][OP_COUNT], empty[3];
	const char *runs_env = getenv("XE2E_BENCH_RUNS");
	int runs = runs_env && atoi(runs_env) > 0 ? atoi(runs_env) : 20;

	(void)argc;
	signal(SIGPIPE, SIG_IGN);
	alarm(600); /* nothing may hang make bench */
	empty_find(argv[0]);
	if (!mkdtemp(base_dir)) {
		perror("handshake bench: mkdtemp");
		return 1;
	}
	have_base_dir = 1;
	atexit(cleanup);
	side_init(&alice, "alice", "alice@capulet.lit", "balcony");
	side_init(&bob, "bob", "bob@montague.lit", "garden");
	alice_home = alice.home;
	bob_home = bob.home;
	homes_keep("fresh");

	/* First contact, then both store it: the next one is IK. */
	row_measure(&xx, "first contact, XXpsk2", HS_PATTERN_XX, &alice, &bob);
	handshake_once(&alice, &bob, 1);
	side_reload(&alice);
	side_reload(&bob);
	homes_keep("known");
	row_measure(&ik, "known peer, IKpsk1", HS_PATTERN_IK, &alice, &bob);
	for (int p = 0; p < PROV_COUNT; p++) {
		const struct x25519_provider *old = x25519_provider_use(providers[p]);

		op_costs(cost[p]);
		x25519_provider_use(old);
	}
	empty_cpu(runs, empty);
	processes_cpu("fresh", runs, xx.proc);
	processes_cpu("known", runs, ik.proc);

	printf("### Handshake: public-key operations per side\n\n"
	       "Method: counted per side at the boundary of mbedTLS and libsodium while both "
	       "sides' handshake objects run in one process: this program defines the "
	       "functions the crypto wrappers call (crypto_scalarmult, crypto_scalarmult_base, "
	       "mbedtls_ecp_mul, mbedtls_ecdsa_verify, mbedtls_ecdsa_sign_det_ext, "
	       "mbedtls_ecp_muladd, mbedtls_ecp_gen_key), so the link binds the library's "
	       "calls to counters that pass each call on to the real function. \"base\" is "
	       "X25519 of the base point (a key pair or a public key), \"DH\" X25519 of a "
	       "peer's point. The protocol's count is by design (xe2e(7) HANDSHAKE): e on "
	       "each side and r0 on the responder; the DH tokens of the pattern; in XX each "
	       "side verifies the other's device binding.\n\n");
	printf("| handshake | side | X25519 counted | X25519 by the protocol | P-256 counted | "
	       "P-256 by the protocol |\n"
	       "| --- | --- | --- | --- | --- | --- |\n");
	row_print_ops(&xx);
	row_print_ops(&ik);
	printf("\n");
	print_load_ops(&alice);

	printf("### Handshake in one process: CPU\n\n"
	       "Method: process CPU time of whole handshakes, both sides (handshake_new to "
	       "handshake_session), real identities in temporary homes, messages passed "
	       "directly (no I/O, no stores written), repeated for at least 1 s, with each "
	       "X25519 provider: libsodium's, which the programs use, and mbedTLS's. The "
	       "limit is the cost of the public-key operations alone, each timed in the same "
	       "run through the wrappers (X25519 base %.0f us with libsodium, %.0f us with "
	       "mbedTLS; X25519 DH %.0f us, %.0f us; P-256 sign %.0f us, P-256 verify "
	       "%.0f us): of those counted, and of those the protocol needs; ratio = CPU / "
	       "that cost.\n\n",
	       cost[PROV_SODIUM][OP_X_BASE] * 1e6, cost[PROV_MBEDTLS][OP_X_BASE] * 1e6,
	       cost[PROV_SODIUM][OP_X_DH] * 1e6, cost[PROV_MBEDTLS][OP_X_DH] * 1e6,
	       cost[PROV_SODIUM][OP_P_SIGN] * 1e6, cost[PROV_SODIUM][OP_P_VERIFY] * 1e6);
	printf("| handshake | X25519 by | CPU per handshake | counted operations | ratio | "
	       "the protocol's operations | ratio |\n"
	       "| --- | --- | --- | --- | --- | --- | --- |\n");
	row_print_cpu(&xx, cost);
	row_print_cpu(&ik, cost);
	printf("\n");

	printf("### Handshake between two processes: CPU\n\n"
	       "Method: two xe2e-handshake processes (the build's, X25519 by libsodium), "
	       "Alice's with --to, Bob's with --respond, joined by two pipes, the homes above "
	       "put back before each run (not timed): fresh ones for first contact, those "
	       "after one first contact for the known peer; mean of %d runs. Each process "
	       "loads its identity, runs its side and stores the session, trust store and "
	       "retained secrets (fsync). CPU: the user and system time of each process from "
	       "its start to its exit (wait4), and their sum; next to it the handshake in one "
	       "process (above, libsodium) and the empty program, linked like xe2e-handshake, "
	       "started twice the same way: what starting two processes costs. The floor: "
	       "the empty program twice plus the handshake in one process; ratio = sum / "
	       "floor. Goal: the sum at most 4 ms for first contact, 3 ms for a known peer; "
	       "ratio = sum / goal.\n\n",
	       runs);
	printf("| handshake | both processes | initiator | responder | in one process | "
	       "empty program twice | floor (ratio) | goal (ratio) |\n"
	       "| --- | --- | --- | --- | --- | --- | --- | --- |\n");
	row_print_processes(&xx, empty, 4e-3);
	row_print_processes(&ik, empty, 3e-3);
	printf("\n");
	goal_reach_print(&xx, empty, 4e-3);
	goal_reach_print(&ik, empty, 3e-3);
	side_free(&alice);
	side_free(&bob);
	return 0;
}
