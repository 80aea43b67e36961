/*
 * fdri_fence_chain.c - fence chain nodes (see fdri_fence_chain.h for the
 * lifetime rules), after dma-fence-chain.c of Linux 6.1. Single-threaded:
 * walks take no references; a link dropped by garbage collection is never
 * the node being stood on, which its successor keeps.
 */
#include "fdri_fence_chain.h"

#include <errno.h>
#include <stdlib.h>

static const char *chain_driver_name(struct fdri_fence *f)
{
	(void)f;
	return "dma_fence_chain";
}

static const char *chain_timeline_name(struct fdri_fence *f)
{
	(void)f;
	return "unbound";
}

static void chain_release(struct fdri_fence *f);

static const struct fdri_fence_ops chain_ops = {
	.driver_name = chain_driver_name,
	.timeline_name = chain_timeline_name,
	.release = chain_release,
};

struct fdri_fence_chain *fdri_fence_chain_of(struct fdri_fence *f)
{
	return f && f->ops == &chain_ops ? fdri_container_of(f, struct fdri_fence_chain, base) : NULL;
}

/* One node's own parts: its callback, its fence. Not its prev. */
static void chain_free_one(struct fdri_fence_chain *c)
{
	if (c->cb_fence) {
		fdri_fence_remove_callback(c->cb_fence, &c->cb);
		fdri_fence_put(c->cb_fence);
	}
	fdri_fence_put(c->fence);
	free(c);
}

/* dma_fence_chain_release, without recursion down a long chain */
static void chain_release(struct fdri_fence *f)
{
	struct fdri_fence_chain *c = fdri_fence_chain_of(f);
	struct fdri_fence *prev = c->prev;

	chain_free_one(c);
	while (prev) {
		struct fdri_fence_chain *pc = fdri_fence_chain_of(prev);
		struct fdri_fence *next;

		if (!pc || prev->refcount > 1) {
			fdri_fence_put(prev);
			return;
		}
		next = pc->prev;
		pc->prev = NULL;
		fdri_fence_put(prev); /* frees it alone */
		prev = next;
	}
}

struct fdri_fence *fdri_fence_chain_walk(struct fdri_fence *f)
{
	struct fdri_fence_chain *c = fdri_fence_chain_of(f);

	if (!c)
		return NULL;
	while (c->prev) {
		struct fdri_fence *prev = c->prev, *repl;
		struct fdri_fence_chain *pc = fdri_fence_chain_of(prev);

		if (pc) {
			if (!fdri_fence_is_signaled(pc->fence))
				return prev;
			repl = fdri_fence_get(pc->prev);
		} else {
			if (!fdri_fence_is_signaled(prev))
				return prev;
			repl = NULL;
		}
		c->prev = repl;
		fdri_fence_put(prev);
	}
	return NULL;
}

static void chain_cb(struct fdri_fence *f, struct fdri_fence_cb *cb);

/* dma_fence_chain_enable_signaling: a callback on the first unsignalled
 * fence of the chain, or signal the node if there is none. */
static void chain_arm(struct fdri_fence_chain *head, int64_t now)
{
	for (struct fdri_fence *it = &head->base; it; it = fdri_fence_chain_walk(it)) {
		struct fdri_fence_chain *c = fdri_fence_chain_of(it);
		struct fdri_fence *leaf = c ? c->fence : it;

		if (fdri_fence_add_callback(leaf, &head->cb, chain_cb) == 0) {
			head->cb_fence = fdri_fence_get(leaf);
			return;
		}
	}
	fdri_fence_signal(&head->base, now);
}

static void chain_cb(struct fdri_fence *f, struct fdri_fence_cb *cb)
{
	struct fdri_fence_chain *head = fdri_container_of(cb, struct fdri_fence_chain, cb);
	struct fdri_fence *done = head->cb_fence;

	fdri_fence_get(&head->base); /* its own callbacks may drop the last user's */
	head->cb_fence = NULL;
	chain_arm(head, f->timestamp);
	fdri_fence_put(done);
	fdri_fence_put(&head->base);
}

struct fdri_fence *fdri_fence_chain_create(struct fdri_fence *prev, struct fdri_fence *fence,
					   uint64_t seqno, int64_t now)
{
	struct fdri_fence_chain *c = calloc(1, sizeof(*c));
	struct fdri_fence_chain *pc = fdri_fence_chain_of(prev);
	uint64_t context;

	if (!c)
		return NULL;
	c->prev = fdri_fence_get(prev);
	c->fence = fdri_fence_get(fence);
	c->prev_seqno = 0;
	if (pc && seqno > prev->seqno) {
		context = prev->context;
		c->prev_seqno = prev->seqno;
	} else {
		context = fdri_fence_context_alloc(1);
		if (pc && prev->seqno > seqno)
			seqno = prev->seqno;
	}
	fdri_fence_init(&c->base, &chain_ops, context, seqno);
	fdri_list_init(&c->cb.node);
	chain_arm(c, now);
	return &c->base;
}

int fdri_fence_chain_find_seqno(struct fdri_fence **pfence, uint64_t seqno)
{
	struct fdri_fence_chain *chain;
	struct fdri_fence *it;

	if (!seqno)
		return 0;
	chain = fdri_fence_chain_of(*pfence);
	if (!chain || chain->base.seqno < seqno)
		return -EINVAL;
	for (it = &chain->base; it; it = fdri_fence_chain_walk(it)) {
		if (it->context != chain->base.context ||
		    fdri_fence_chain_of(it)->prev_seqno < seqno)
			break;
	}
	*pfence = fdri_fence_get(it);
	fdri_fence_put(&chain->base);
	return 0;
}

/* The unsignalled leaves of @f in dma_fence_unwrap_for_each() order (the
 * chain's fences from the newest, an array's fences in order), each with
 * a reference into @out if not NULL; returns how many. */
static unsigned int for_each_leaf(struct fdri_fence *f, struct fdri_fence **out)
{
	unsigned int n = 0;

	for (struct fdri_fence *it = f; it; it = fdri_fence_chain_walk(it)) {
		struct fdri_fence_chain *c = fdri_fence_chain_of(it);
		struct fdri_fence *leaf = c ? c->fence : it;

		if (leaf->array) {
			for (unsigned int i = 0; i < leaf->array->num_fences; i++)
				if (!fdri_fence_is_signaled(leaf->array->fences[i])) {
					if (out)
						out[n] = fdri_fence_get(leaf->array->fences[i]);
					n++;
				}
		} else if (!fdri_fence_is_signaled(leaf)) {
			if (out)
				out[n] = fdri_fence_get(leaf);
			n++;
		}
		if (!c)
			break;
	}
	return n;
}

struct fdri_fence *fdri_fence_unwrap_merge_one(struct fdri_fence *f, int64_t now,
					       struct fdri_fence *(*stub)(int64_t now))
{
	unsigned int n = for_each_leaf(f, NULL);
	struct fdri_fence **leaves, *ret;

	if (n == 0)
		return stub(now);
	leaves = calloc(n, sizeof(*leaves));
	if (!leaves)
		return NULL;
	for_each_leaf(f, leaves);
	if (n == 1) {
		ret = leaves[0];
		free(leaves);
		return ret;
	}
	ret = fdri_fence_array_create(leaves, n, fdri_fence_context_alloc(1), 1, false, now);
	if (!ret) {
		for (unsigned int i = 0; i < n; i++)
			fdri_fence_put(leaves[i]);
		free(leaves);
	}
	return ret;
}
