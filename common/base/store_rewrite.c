/* Files rewritten whole under their lock (see store_rewrite_locked() in store.h). */
#include "store.h"

#include <stdio.h>

#include "buf.h"
#include "err.h"

/* Under the lock: read (a missing file is missing), change, write back. */
static int rewrite(const char *path, size_t max, const char *missing,
		   int (*change)(const char *path, struct buf *text, void *ctx), void *ctx)
{
	struct buf text = BUF_INIT;
	int err = store_read_file(path, max, 1, &text);

	if (err == XE2E_E_NOTFOUND) {
		err_detail_clear();
		err = buf_append_str(&text, missing);
	}
	if (!err)
		err = change(path, &text, ctx);
	if (!err)
		err = store_write_atomic(path, text.data, text.len, 0600);
	buf_free(&text);
	return err;
}

int store_rewrite_locked(const char *path, size_t max, const char *missing,
			 int (*change)(const char *path, struct buf *text, void *ctx), void *ctx)
{
	char lock_path[STORE_PATH_MAX];
	struct store_lock lock;
	int n = snprintf(lock_path, sizeof(lock_path), "%s.lock", path);
	int err;

	if (n < 0 || (size_t)n >= sizeof(lock_path))
		return XE2E_E_LIMIT;
	if ((err = store_lock(lock_path, &lock)))
		return err;
	err = rewrite(path, max, missing, change, ctx);
	store_unlock(&lock);
	return err;
}
