/*
 * fdri_resv.c - reservation objects (see fdri_resv.h). A short array:
 * buffers carry a handful of fences (one per context that touched them),
 * and a new fence reuses the entry of a signalled one.
 */
#include "fdri_resv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void fdri_resv_init(struct fdri_resv *resv)
{
	memset(resv, 0, sizeof(*resv));
}

void fdri_resv_fini(struct fdri_resv *resv)
{
	for (unsigned int i = 0; i < resv->n; i++)
		fdri_fence_put(resv->entries[i].fence);
	free(resv->entries);
	memset(resv, 0, sizeof(*resv));
}

int fdri_resv_add_fence(struct fdri_resv *resv, struct fdri_fence *fence,
			enum fdri_resv_usage usage)
{
	/* 6.1's dma_resv_add_fence: a later fence of the same context with a
	 * usage at least as strong takes an entry's place, as does any
	 * fence an entry whose fence has signalled */
	for (unsigned int i = 0; i < resv->n; i++) {
		struct fdri_resv_entry *e = &resv->entries[i];

		if ((e->fence->context == fence->context && e->usage >= usage &&
		     fdri_fence_is_later(fence, e->fence)) || fdri_fence_is_signaled(e->fence)) {
			fdri_fence_put(e->fence);
			e->fence = fdri_fence_get(fence);
			e->usage = usage;
			if (resv->watch)
				resv->watch->changed(resv->watch);
			return 0;
		}
	}
	if (resv->n == resv->cap) {
		unsigned int cap = resv->cap ? resv->cap * 2 : 4;
		struct fdri_resv_entry *e = realloc(resv->entries, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		resv->entries = e;
		resv->cap = cap;
	}
	resv->entries[resv->n++] = (struct fdri_resv_entry){ fdri_fence_get(fence), usage };
	if (resv->watch)
		resv->watch->changed(resv->watch);
	return 0;
}

struct fdri_fence *fdri_resv_fence(const struct fdri_resv *resv, enum fdri_resv_usage usage,
				   unsigned int i)
{
	for (unsigned int k = 0; k < resv->n; k++) {
		const struct fdri_resv_entry *e = &resv->entries[k];

		if (e->usage > usage || fdri_fence_is_signaled(e->fence))
			continue;
		if (i-- == 0)
			return e->fence;
	}
	return NULL;
}

bool fdri_resv_test_signaled(const struct fdri_resv *resv, enum fdri_resv_usage usage)
{
	return !fdri_resv_fence(resv, usage, 0);
}
