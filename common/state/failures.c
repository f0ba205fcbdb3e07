/* Failed SPAKE2 runs per peer: a counter file (see failures.h). */
#include "failures.h"

const struct counter_kind failures_kind = {FAILURES_FILE_NAME, FAILURES_HEADER, NULL};

int failures_default_path(char path[static STORE_PATH_MAX])
{
	return counter_default_path(&failures_kind, path);
}

int failures_get(const char *path, const char *jid, unsigned *count)
{
	return counter_get(&failures_kind, path, jid, count);
}

int failures_increment(const char *path, const char *jid, unsigned *count)
{
	return counter_increment(&failures_kind, path, jid, count);
}

int failures_reset(const char *path, const char *jid, unsigned *previous)
{
	return counter_reset(&failures_kind, path, jid, previous);
}
