/*
 * fdri_idr.c - see fdri_idr.h. Lookup is an array index; allocation scans the
 * used-bitmap from a "lowest possibly free" hint, one 64-bit word at a time.
 */
#include "fdri_idr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void fdri_idr_init(struct fdri_idr *idr)
{
	memset(idr, 0, sizeof(*idr));
	idr->hint = 1;
}

void fdri_idr_fini(struct fdri_idr *idr)
{
	free(idr->slots);
	free(idr->used);
	fdri_idr_init(idr);
}

static int idr_grow(struct fdri_idr *idr)
{
	uint32_t ncap = idr->cap ? idr->cap * 2 : 64;
	void **slots;
	uint64_t *used;

	if (ncap > (1u << 30))
		return -ENOMEM;
	slots = realloc(idr->slots, ncap * sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	idr->slots = slots;
	used = realloc(idr->used, ncap / 64 * sizeof(*used));
	if (!used)
		return -ENOMEM;
	idr->used = used;
	memset(slots + idr->cap, 0, (ncap - idr->cap) * sizeof(*slots));
	memset(used + idr->cap / 64, 0, (ncap - idr->cap) / 64 * sizeof(*used));
	if (idr->cap == 0)
		idr->used[0] = 1; /* id 0 is never handed out */
	idr->cap = ncap;
	return 0;
}

int fdri_idr_alloc(struct fdri_idr *idr, void *ptr)
{
	uint32_t w = idr->hint / 64;

	for (;;) {
		for (; w < idr->cap / 64; w++) {
			uint64_t free_bits = ~idr->used[w];

			if (free_bits) {
				uint32_t id = w * 64 + (uint32_t)__builtin_ctzll(free_bits);

				if (id > INT32_MAX)
					return -ENOSPC;
				idr->used[w] |= 1ull << (id % 64);
				idr->slots[id] = ptr;
				idr->count++;
				idr->hint = id + 1;
				return (int)id;
			}
		}
		if (idr_grow(idr))
			return -ENOMEM;
	}
}

static int idr_is_used(const struct fdri_idr *idr, uint32_t id)
{
	return id != 0 && id < idr->cap && (idr->used[id / 64] >> (id % 64) & 1);
}

void *fdri_idr_find(const struct fdri_idr *idr, uint32_t id)
{
	return id < idr->cap ? idr->slots[id] : NULL;
}

void *fdri_idr_replace(struct fdri_idr *idr, uint32_t id, void *ptr)
{
	void *old;

	if (!idr_is_used(idr, id))
		return NULL;
	old = idr->slots[id];
	idr->slots[id] = ptr;
	return old;
}

void *fdri_idr_remove(struct fdri_idr *idr, uint32_t id)
{
	void *old;

	if (!idr_is_used(idr, id))
		return NULL;
	old = idr->slots[id];
	idr->slots[id] = NULL;
	idr->used[id / 64] &= ~(1ull << (id % 64));
	idr->count--;
	if (id < idr->hint)
		idr->hint = id;
	return old;
}

void fdri_idr_for_each(const struct fdri_idr *idr,
		       void (*fn)(uint32_t id, void *ptr, void *data), void *data)
{
	for (uint32_t id = 1; id < idr->cap; id++)
		if (idr->slots[id])
			fn(id, idr->slots[id], data);
}
