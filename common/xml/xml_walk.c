/*
 * Depth-first walk of a tree with an explicit stack on the heap, so a tree
 * of any depth (built in code, where no parse limit applied) cannot
 * exhaust the call stack.
 */
#include <stdlib.h>

#include "err.h"
#include "xml_priv.h"

struct walk_frame {
	const struct xml_node *el;
	size_t next; /* index of the next child to visit */
	size_t slot;
};

struct walk_stack {
	struct walk_frame *f;
	size_t n, cap;
};

static int walk_push(struct walk_stack *st, const struct xml_node *el, size_t slot)
{
	struct walk_frame *grown;
	size_t cap;

	if (st->n == st->cap) {
		cap = st->cap ? st->cap * 2 : 16;
		grown = realloc(st->f, cap * sizeof(*grown));
		if (!grown)
			return XE2E_E_NOMEM;
		st->f = grown;
		st->cap = cap;
	}
	st->f[st->n].el = el;
	st->f[st->n].next = 0;
	st->f[st->n].slot = slot;
	st->n++;
	return XE2E_OK;
}

static int walk_open(struct walk_stack *st, const struct xml_node *el, int is_root,
		     const struct xml_walk_ops *ops, void *ctx)
{
	size_t slot = 0;
	int err = ops->enter(ctx, el, is_root, &slot);

	return err ? err : walk_push(st, el, slot);
}

/* One step: visits the next child of the innermost open element, or
 * closes that element when it has no more children. */
static int walk_step(struct walk_stack *st, const struct xml_walk_ops *ops, void *ctx)
{
	struct walk_frame *f = &st->f[st->n - 1];
	const struct xml_node *child;

	if (f->next == f->el->n_children) {
		st->n--;
		return ops->leave(ctx, f->el, f->slot);
	}
	child = f->el->children[f->next++];
	if (child->type == XML_TEXT)
		return ops->text(ctx, child);
	return walk_open(st, child, 0, ops, ctx);
}

int xml_walk(const struct xml_node *root, const struct xml_walk_ops *ops, void *ctx)
{
	struct walk_stack st = {NULL, 0, 0};
	int err;

	if (root->type == XML_TEXT)
		return ops->text(ctx, root);
	err = walk_open(&st, root, 1, ops, ctx);
	while (!err && st.n)
		err = walk_step(&st, ops, ctx);
	free(st.f);
	return err;
}
