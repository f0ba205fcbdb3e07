/* Counts public-key operations for the unit tests (unit_ops.h): the
 * benchmarks' shims, linked into the test runner. */
#include "unit_ops.h"

#include "../bench/opcount/shims.h"

static unsigned long counts[OP_COUNT];

static void opcount_bump(enum op op)
{
	counts[op]++;
}

void unit_ops_get(struct unit_ops *ops)
{
	ops->x25519_base = counts[OP_X_BASE];
	ops->x25519_dh = counts[OP_X_DH];
	ops->p256_sign = counts[OP_P_SIGN];
	ops->p256_verify = counts[OP_P_VERIFY];
}
