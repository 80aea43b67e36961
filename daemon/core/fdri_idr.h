/*
 * fdri_idr.h - small-integer id allocator with O(1) lookup.
 *
 * Owns: a table mapping ids >= 1 to pointers, with the kernel idr's
 * allocation policy (idr_alloc(idr, ptr, 1, 0)): the lowest free id is always
 * handed out, so ids are reused as soon as they are freed. An id can be
 * "reserved" (allocated but mapped to NULL) with fdri_idr_replace(), as
 * drm_authmagic() does, so it is not reused until removed.
 *
 * The idr stores pointers only; it never takes references. Callers own the
 * lifetime of whatever they store.
 */
#ifndef FDRI_IDR_H
#define FDRI_IDR_H

#include <stdint.h>

struct fdri_idr {
	void **slots;      /* slots[id], index 0 unused */
	uint64_t *used;    /* bitmap of allocated ids */
	uint64_t *full;    /* bit w: used[w] is full; allocation skips 4096 ids a word */
	uint32_t cap;      /* number of slots (multiple of 64) */
	uint32_t hint;     /* no free id below this one */
	uint32_t count;    /* allocated ids */
};

void fdri_idr_init(struct fdri_idr *idr);
void fdri_idr_fini(struct fdri_idr *idr);
/* Returns the new id (>= 1), or -ENOMEM. */
int fdri_idr_alloc(struct fdri_idr *idr, void *ptr);
/* Returns the pointer stored at id, NULL if none. */
void *fdri_idr_find(const struct fdri_idr *idr, uint32_t id);
/* Replaces the pointer of an allocated id; returns the old one. */
void *fdri_idr_replace(struct fdri_idr *idr, uint32_t id, void *ptr);
/* Frees id; returns the pointer it held. */
void *fdri_idr_remove(struct fdri_idr *idr, uint32_t id);
/* Calls fn for every allocated id with a non-NULL pointer, in id order. */
void fdri_idr_for_each(const struct fdri_idr *idr,
		       void (*fn)(uint32_t id, void *ptr, void *data), void *data);

#endif
