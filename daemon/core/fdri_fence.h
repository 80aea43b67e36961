/*
 * fdri_fence.h - fences, after the kernel's dma-fence.c and
 * dma-fence-array.c: a point on a timeline (context, seqno) that signals
 * exactly once, with an error or not, at a timestamp, and runs the
 * callbacks waiting on it. The groundwork of issue 7 (sync_file, syncobj,
 * dma-buf implicit sync, vgem fences); no I/O: timestamps come from the
 * caller (the host's clock).
 *
 * DOC: lifetime
 * - A fence is refcounted: fdri_fence_create() returns one reference,
 *   which the caller must release with fdri_fence_put(); fdri_fence_get()
 *   takes another. Whoever can still signal a fence holds a reference.
 * - A fence that is never signalled is freed at its last put, with no
 *   callback run: callbacks are borrowed nodes (struct fdri_fence_cb, like
 *   struct dma_fence_cb) owned by the waiter, who removes them
 *   (fdri_fence_remove_callback) before freeing them if the fence may
 *   still signal. A waiter whose callback may run later holds a fence
 *   reference to keep the list alive.
 * - A fence array (fdri_fence_array_create) holds a reference on each of
 *   its fences and a callback on each until it signals; it signals when
 *   all of them have (or any, with signal_on_any), with the first error
 *   one of them had, as dma_fence_array does.
 */
#ifndef FDRI_FENCE_H
#define FDRI_FENCE_H

#include <stdbool.h>
#include <stdint.h>

#include "fdri_list.h"

struct fdri_fence;
struct fdri_fence_cb;

typedef void (*fdri_fence_func_t)(struct fdri_fence *fence, struct fdri_fence_cb *cb);

/*
 * What a kind of fence says about itself (the parts of dma_fence_ops a
 * user can observe): SYNC_IOC_FILE_INFO's driver and timeline names, and
 * the destructor of a fence embedded in a bigger struct. Every member may
 * be NULL: names then read "fakedri" and "unbound", and free() releases.
 */
struct fdri_fence_ops {
	const char *(*driver_name)(struct fdri_fence *fence);
	const char *(*timeline_name)(struct fdri_fence *fence);
	void (*release)(struct fdri_fence *fence);
};

/* A waiter's node on a fence (dma_fence_cb): owned by the waiter. */
struct fdri_fence_cb {
	struct fdri_list node;
	fdri_fence_func_t func;
};

struct fdri_fence {
	const struct fdri_fence_ops *ops;  /* NULL: a plain fence */
	unsigned int refcount;
	uint64_t context;
	uint64_t seqno;
	bool signaled;
	int error;              /* 0, or a negative errno set before signalling */
	int64_t timestamp;      /* CLOCK_MONOTONIC ns of the signal */
	struct fdri_list cbs;   /* struct fdri_fence_cb, run in order of adding */
	/* a fence array's, NULL otherwise */
	struct fdri_fence_array *array;
};

struct fdri_fence_array;

/* An array's callback on one of its fences. */
struct fdri_fence_array_cb {
	struct fdri_fence_cb cb;
	struct fdri_fence_array *array;
};

struct fdri_fence_array {
	struct fdri_fence base;
	unsigned int num_fences;
	unsigned int num_pending;
	int pending_error;
	struct fdri_fence **fences;
	struct fdri_fence_array_cb *cbs;
};

/* A new timeline (dma_fence_context_alloc): @num consecutive contexts. */
uint64_t fdri_fence_context_alloc(unsigned int num);

/* dma_fence_init: a pending fence embedded in a caller's struct, with
 * one reference; @ops->release frees the struct at the last put. */
void fdri_fence_init(struct fdri_fence *fence, const struct fdri_fence_ops *ops,
		     uint64_t context, uint64_t seqno);
/* The names SYNC_IOC_FILE_INFO reports. */
const char *fdri_fence_driver_name(struct fdri_fence *fence);
const char *fdri_fence_timeline_name(struct fdri_fence *fence);

/* A pending fence; returns a reference, NULL without memory. */
struct fdri_fence *fdri_fence_create(uint64_t context, uint64_t seqno);
struct fdri_fence *fdri_fence_get(struct fdri_fence *fence);
void fdri_fence_put(struct fdri_fence *fence);

/* dma_fence_set_error: only before the signal, @error < 0. */
void fdri_fence_set_error(struct fdri_fence *fence, int error);
/* dma_fence_signal_timestamp: runs the callbacks, in order; -EINVAL if it
 * had signalled already (nothing happens then). */
int fdri_fence_signal(struct fdri_fence *fence, int64_t timestamp);
static inline bool fdri_fence_is_signaled(const struct fdri_fence *fence)
{
	return fence->signaled;
}
/* dma_fence_get_status: 0 pending, 1 signalled, or the error it
 * signalled with. */
int fdri_fence_get_status(const struct fdri_fence *fence);
/* dma_fence_is_later, for two fences of one context. */
static inline bool fdri_fence_is_later(const struct fdri_fence *a, const struct fdri_fence *b)
{
	return a->seqno > b->seqno;
}

/* dma_fence_add_callback: 0, or -ENOENT if the fence has signalled (the
 * callback is then not added and will not run). */
int fdri_fence_add_callback(struct fdri_fence *fence, struct fdri_fence_cb *cb,
			    fdri_fence_func_t func);
/* dma_fence_remove_callback: true if it was still waiting. */
bool fdri_fence_remove_callback(struct fdri_fence *fence, struct fdri_fence_cb *cb);

/*
 * dma_fence_array_create: a fence that signals when all @fences have (any,
 * with @signal_on_any), in a new @context/@seqno. Takes over the caller's
 * references to the @num fences and the array @fences (malloc'ed) on
 * success; returns a reference, or NULL (nothing taken over) without
 * memory. @now is the timestamp used if it signals at once.
 */
struct fdri_fence *fdri_fence_array_create(struct fdri_fence **fences, unsigned int num,
					   uint64_t context, uint64_t seqno,
					   bool signal_on_any, int64_t now);

/* The fences an array stands for, or @f itself: how many, and the i-th
 * (borrowed). What sync_file and dma-buf sync_file import look into. */
static inline unsigned int fdri_fence_num_leaves(const struct fdri_fence *f)
{
	return f->array ? f->array->num_fences : 1;
}

static inline struct fdri_fence *fdri_fence_leaf(struct fdri_fence *f, unsigned int i)
{
	return f->array ? f->array->fences[i] : f;
}

/* The fences of live allocations, for leak checks in tests. */
extern unsigned long fdri_fence_live;

#endif
