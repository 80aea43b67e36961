/*
 * fdri_range.h - best-fit allocator of ranges in a fixed space, the policy
 * of the kernel's drm_mm with DRM_MM_INSERT_BEST: the smallest hole that
 * fits (of equal sizes, the lowest), allocated at its low end; freed ranges
 * merge with their neighbours. Used for the fake mmap offsets, so offsets
 * are reused after a free exactly as drm_vma_offset_add() reuses them.
 *
 * Owns: its holes, each one node in two AVL trees (by start, to find the
 * neighbours of a freed range; by size then start, to find the best fit),
 * and the slabs the nodes come from. Allocated ranges are not recorded; the
 * caller frees what it allocated, with the same size.
 *
 * Cost: alloc and free are O(log holes). alloc never allocates memory (a
 * hole that empties gives its node back to a free list); free takes at
 * most one node, from the free list or, when that is empty, from a new
 * slab (rarely: slabs grow with the number of holes, up to 4096 nodes).
 * Nodes are given back to the system only by fini.
 */
#ifndef FDRI_RANGE_H
#define FDRI_RANGE_H

#include <stdint.h>

enum { FDRI_HOLE_BY_START, FDRI_HOLE_BY_SIZE };

struct fdri_hole {
	uint64_t start, size;
	/* kid[tree][0] is the left child, kid[tree][1] the right one; a spare
	 * node is linked through kid[0][0] */
	struct fdri_hole *kid[2][2];
	uint8_t height[2];          /* of the subtree in each tree, leaf = 1 */
};

struct fdri_hole_slab;

struct fdri_range {
	/* [FDRI_HOLE_BY_START]: ordered by start; holes never overlap nor
	 * touch. [FDRI_HOLE_BY_SIZE]: ordered by (size, start). */
	struct fdri_hole *root[2];
	struct fdri_hole *spare;    /* free nodes */
	struct fdri_hole_slab *slabs;
	uint32_t n;                 /* holes */
	uint32_t nodes;             /* in all slabs */
};

int fdri_range_init(struct fdri_range *r, uint64_t start, uint64_t size);
void fdri_range_fini(struct fdri_range *r);
/* Returns 0 and the start in *out, or -ENOSPC (also for size 0). Never
 * allocates memory, so never fails with -ENOMEM. */
int fdri_range_alloc(struct fdri_range *r, uint64_t size, uint64_t *out);
/* Returns 0 or -ENOMEM (the range is then lost, never reused). Freeing
 * size 0 does nothing. */
int fdri_range_free(struct fdri_range *r, uint64_t start, uint64_t size);

#endif
