/*
 * fdri_range.h - best-fit allocator of ranges in a fixed space, the policy
 * of the kernel's drm_mm with DRM_MM_INSERT_BEST: the smallest hole that
 * fits, allocated at its low end; freed ranges merge with their neighbours.
 * Used for the fake mmap offsets, so offsets are reused after a free exactly
 * as drm_vma_offset_add() reuses them.
 *
 * Owns: its sorted array of holes. Allocated ranges are not recorded; the
 * caller frees what it allocated, with the same size.
 */
#ifndef FDRI_RANGE_H
#define FDRI_RANGE_H

#include <stdint.h>

struct fdri_hole {
	uint64_t start, size;
};

struct fdri_range {
	struct fdri_hole *holes;   /* sorted by start, never adjacent */
	uint32_t n, cap;
};

int fdri_range_init(struct fdri_range *r, uint64_t start, uint64_t size);
void fdri_range_fini(struct fdri_range *r);
/* Returns 0 and the start in *out, or -ENOSPC / -ENOMEM. */
int fdri_range_alloc(struct fdri_range *r, uint64_t size, uint64_t *out);
/* Returns 0 or -ENOMEM (the range is then lost, never reused). */
int fdri_range_free(struct fdri_range *r, uint64_t start, uint64_t size);

#endif
