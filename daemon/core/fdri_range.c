/* fdri_range.c - see fdri_range.h. Holes are few (one per gap between live
 * objects), so a linear best-fit scan and a binary-searched insert do. */
#include "fdri_range.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static int reserve(struct fdri_range *r, uint32_t n)
{
	if (n <= r->cap)
		return 0;
	uint32_t ncap = r->cap ? r->cap * 2 : 8;
	struct fdri_hole *h = realloc(r->holes, ncap * sizeof(*h));

	if (!h)
		return -ENOMEM;
	r->holes = h;
	r->cap = ncap;
	return 0;
}

int fdri_range_init(struct fdri_range *r, uint64_t start, uint64_t size)
{
	memset(r, 0, sizeof(*r));
	if (reserve(r, 1))
		return -ENOMEM;
	r->holes[0] = (struct fdri_hole){ start, size };
	r->n = 1;
	return 0;
}

void fdri_range_fini(struct fdri_range *r)
{
	free(r->holes);
	memset(r, 0, sizeof(*r));
}

int fdri_range_alloc(struct fdri_range *r, uint64_t size, uint64_t *out)
{
	uint32_t best = r->n;

	if (!size)
		return -ENOSPC;
	for (uint32_t i = 0; i < r->n; i++)
		if (r->holes[i].size >= size && (best == r->n || r->holes[i].size < r->holes[best].size))
			best = i;
	if (best == r->n)
		return -ENOSPC;
	*out = r->holes[best].start;
	r->holes[best].start += size;
	r->holes[best].size -= size;
	if (!r->holes[best].size) {
		memmove(&r->holes[best], &r->holes[best + 1], (r->n - best - 1) * sizeof(*r->holes));
		r->n--;
	}
	return 0;
}

int fdri_range_free(struct fdri_range *r, uint64_t start, uint64_t size)
{
	uint32_t lo = 0, hi = r->n;
	bool merged = false;

	while (lo < hi) { /* first hole after start */
		uint32_t mid = (lo + hi) / 2;

		if (r->holes[mid].start < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && r->holes[lo - 1].start + r->holes[lo - 1].size == start) {
		r->holes[lo - 1].size += size;
		merged = true;
		if (lo < r->n && start + size == r->holes[lo].start) {
			r->holes[lo - 1].size += r->holes[lo].size;
			memmove(&r->holes[lo], &r->holes[lo + 1], (r->n - lo - 1) * sizeof(*r->holes));
			r->n--;
		}
	} else if (lo < r->n && start + size == r->holes[lo].start) {
		r->holes[lo].start = start;
		r->holes[lo].size += size;
		merged = true;
	}
	if (merged)
		return 0;
	if (reserve(r, r->n + 1))
		return -ENOMEM;
	memmove(&r->holes[lo + 1], &r->holes[lo], (r->n - lo) * sizeof(*r->holes));
	r->holes[lo] = (struct fdri_hole){ start, size };
	r->n++;
	return 0;
}
