/*
 * fdri_resv.h - a reservation object, after the kernel's dma-resv.c of
 * Linux 6.1: the fences of a buffer's pending accesses, each with its
 * usage. The rules userspace sees through implicit sync (dma-buf.h):
 * a writer waits for every fence, a reader only for the writers'.
 *
 * DOC: lifetime
 * A reservation object is embedded in what it guards (a GEM object, in
 * issue 7) and holds one reference on each of its fences, dropped when a
 * fence is replaced, pruned once signalled, or at fdri_resv_fini().
 * Fences it returns are borrowed: take a reference to keep one.
 */
#ifndef FDRI_RESV_H
#define FDRI_RESV_H

#include <stdbool.h>

#include "fdri_fence.h"

/* enum dma_resv_usage, in the kernel's order: a usage includes those
 * before it. */
enum fdri_resv_usage {
	FDRI_RESV_USAGE_KERNEL,
	FDRI_RESV_USAGE_WRITE,
	FDRI_RESV_USAGE_READ,
	FDRI_RESV_USAGE_BOOKKEEP,
};

struct fdri_resv_entry {
	struct fdri_fence *fence;
	enum fdri_resv_usage usage;
};

/* Who is told when a fence is added (a dma-buf's poll proxy): at most
 * one, owned by the watcher, which unsets it before it goes. */
struct fdri_resv_watch {
	void (*changed)(struct fdri_resv_watch *w);
};

struct fdri_resv {
	struct fdri_resv_entry *entries;
	unsigned int n, cap;
	struct fdri_resv_watch *watch;
};

void fdri_resv_init(struct fdri_resv *resv);
void fdri_resv_fini(struct fdri_resv *resv);
/*
 * dma_resv_add_fence of Linux 6.1: takes a reference on @fence, which
 * replaces an entry whose fence has signalled or is an earlier one of the
 * same context with a usage no stronger (KERNEL is the strongest), else
 * is added. 0 or -ENOMEM.
 */
int fdri_resv_add_fence(struct fdri_resv *resv, struct fdri_fence *fence,
			enum fdri_resv_usage usage);
/* dma_resv_test_signaled: have all fences of @usage and stronger
 * signalled? (WRITE: what a reader waits for; READ: what a writer waits
 * for.) */
bool fdri_resv_test_signaled(const struct fdri_resv *resv, enum fdri_resv_usage usage);
/* The i-th unsignalled fence of @usage and stronger, or NULL past the
 * last (borrowed): for waiting on each, or merging them. */
struct fdri_fence *fdri_resv_fence(const struct fdri_resv *resv, enum fdri_resv_usage usage,
				   unsigned int i);

#endif
