/*
 * fdri_fence.c - fences and fence arrays (see fdri_fence.h). Everything
 * runs on the daemon's one thread, so there is no locking; a signal runs
 * the callbacks at once, in the order they were added, as dma-fence.c
 * does under the fence's lock. The caller of fdri_fence_signal() holds a
 * reference for the duration of the call.
 */
#include "fdri_fence.h"

#include <errno.h>
#include <stdlib.h>

unsigned long fdri_fence_live;

uint64_t fdri_fence_context_alloc(unsigned int num)
{
	static uint64_t next = 1;
	uint64_t c = next;

	next += num;
	return c;
}

void fdri_fence_init(struct fdri_fence *f, const struct fdri_fence_ops *ops,
		     uint64_t context, uint64_t seqno)
{
	f->ops = ops;
	f->refcount = 1;
	f->signaled = false;
	f->error = 0;
	f->timestamp = 0;
	f->array = NULL;
	f->context = context;
	f->seqno = seqno;
	fdri_list_init(&f->cbs);
	fdri_fence_live++;
}

struct fdri_fence *fdri_fence_create(uint64_t context, uint64_t seqno)
{
	struct fdri_fence *f = calloc(1, sizeof(*f));

	if (f)
		fdri_fence_init(f, NULL, context, seqno);
	return f;
}

struct fdri_fence *fdri_fence_get(struct fdri_fence *fence)
{
	if (fence)
		fence->refcount++;
	return fence;
}

static void array_release(struct fdri_fence_array *a)
{
	for (unsigned int i = 0; i < a->num_fences; i++) {
		fdri_fence_remove_callback(a->fences[i], &a->cbs[i].cb);
		fdri_fence_put(a->fences[i]);
	}
	free(a->fences);
	free(a->cbs);
}

void fdri_fence_put(struct fdri_fence *fence)
{
	if (!fence || --fence->refcount)
		return;
	fdri_fence_live--;
	if (fence->array) {
		struct fdri_fence_array *a = fence->array;

		array_release(a);
		free(a);
		return;
	}
	if (fence->ops && fence->ops->release)
		fence->ops->release(fence);
	else
		free(fence);
}

const char *fdri_fence_driver_name(struct fdri_fence *fence)
{
	if (fence->ops && fence->ops->driver_name)
		return fence->ops->driver_name(fence);
	return "fakedri";
}

const char *fdri_fence_timeline_name(struct fdri_fence *fence)
{
	if (fence->ops && fence->ops->timeline_name)
		return fence->ops->timeline_name(fence);
	return "unbound";
}

void fdri_fence_set_error(struct fdri_fence *fence, int error)
{
	if (fence->signaled || error >= 0 || error < -4095)
		return; /* the kernel WARNs and ignores it */
	fence->error = error;
}

int fdri_fence_signal(struct fdri_fence *fence, int64_t timestamp)
{
	struct fdri_list run;

	if (fence->signaled)
		return -EINVAL;
	fence->signaled = true;
	fence->timestamp = timestamp;
	fdri_list_init(&run);
	fdri_list_splice(&fence->cbs, &run);
	/* re-read the head each time: a callback may remove another */
	while (!fdri_list_empty(&run)) {
		struct fdri_fence_cb *cb = fdri_container_of(run.next, struct fdri_fence_cb, node);

		fdri_list_del(&cb->node);
		cb->func(fence, cb);
	}
	return 0;
}

int fdri_fence_get_status(const struct fdri_fence *fence)
{
	if (!fence->signaled)
		return 0;
	return fence->error ? fence->error : 1;
}

int fdri_fence_add_callback(struct fdri_fence *fence, struct fdri_fence_cb *cb,
			    fdri_fence_func_t func)
{
	fdri_list_init(&cb->node);
	cb->func = func;
	if (fence->signaled)
		return -ENOENT;
	fdri_list_add_tail(&fence->cbs, &cb->node);
	return 0;
}

bool fdri_fence_remove_callback(struct fdri_fence *fence, struct fdri_fence_cb *cb)
{
	bool waiting = !fdri_list_empty(&cb->node);

	(void)fence;
	fdri_list_del(&cb->node);
	return waiting;
}

/* One fence of an array is done (or was at creation): count it. */
static void array_fence_done(struct fdri_fence_array *a, struct fdri_fence *f, int64_t ts)
{
	if (a->base.signaled)
		return; /* signal_on_any: the array is done already */
	if (f->error && !a->pending_error)
		a->pending_error = f->error;
	if (a->num_pending && --a->num_pending == 0) {
		if (a->pending_error)
			fdri_fence_set_error(&a->base, a->pending_error);
		fdri_fence_signal(&a->base, ts);
	}
}

/* dma_fence_array_ops */
static const char *array_driver_name(struct fdri_fence *f)
{
	(void)f;
	return "dma_fence_array";
}

static const char *array_timeline_name(struct fdri_fence *f)
{
	(void)f;
	return "unbound";
}

static const struct fdri_fence_ops array_ops = {
	.driver_name = array_driver_name,
	.timeline_name = array_timeline_name,
};

static void array_cb(struct fdri_fence *f, struct fdri_fence_cb *cb)
{
	struct fdri_fence_array *a = fdri_container_of(cb, struct fdri_fence_array_cb, cb)->array;

	fdri_fence_get(&a->base); /* its callbacks may drop the last user's */
	array_fence_done(a, f, f->timestamp);
	fdri_fence_put(&a->base);
}

struct fdri_fence *fdri_fence_array_create(struct fdri_fence **fences, unsigned int num,
					   uint64_t context, uint64_t seqno,
					   bool signal_on_any, int64_t now)
{
	struct fdri_fence_array *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->cbs = calloc(num ? num : 1, sizeof(*a->cbs));
	if (!a->cbs) {
		free(a);
		return NULL;
	}
	fdri_fence_init(&a->base, &array_ops, context, seqno);
	a->base.array = a;
	a->fences = fences;
	a->num_fences = num;
	a->num_pending = signal_on_any ? (num ? 1 : 0) : num;
	for (unsigned int i = 0; i < num; i++) {
		a->cbs[i].array = a;
		if (fdri_fence_add_callback(fences[i], &a->cbs[i].cb, array_cb) == -ENOENT)
			array_fence_done(a, fences[i], now); /* signalled already */
	}
	if (!num)
		fdri_fence_signal(&a->base, now);
	return &a->base;
}
