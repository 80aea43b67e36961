/*
 * fdri_idr.c - see fdri_idr.h. Lookup is an array index; allocation looks
 * for the lowest free id from a "lowest possibly free" hint through a
 * second bitmap of full words, so a table of a million used ids is crossed
 * in 256 word reads, not 16384 (a client's many handles must not make
 * anyone's allocation slow).
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
	free(idr->full);
	fdri_idr_init(idr);
}

/* words of the full-bitmap for @cap ids (cap / 64 words of used) */
#define FULL_WORDS(cap) (((cap) / 64 + 63) / 64)

/* The first word of used[] at or after @w that is not full, or cap / 64. */
static uint32_t first_not_full(const struct fdri_idr *idr, uint32_t w)
{
	uint32_t nwords = idr->cap / 64;

	if (w >= nwords)
		return nwords;
	for (uint32_t f = w / 64; f < FULL_WORDS(idr->cap); f++) {
		uint64_t open = ~idr->full[f];

		if (f == w / 64)
			open &= ~0ull << (w % 64);
		if (open) {
			uint32_t r = f * 64 + (uint32_t)__builtin_ctzll(open);

			return r < nwords ? r : nwords;
		}
	}
	return nwords;
}

static int idr_grow(struct fdri_idr *idr)
{
	uint32_t ncap = idr->cap ? idr->cap * 2 : 64;
	void **slots;
	uint64_t *used, *full;

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
	full = realloc(idr->full, FULL_WORDS(ncap) * sizeof(*full));
	if (!full)
		return -ENOMEM;
	idr->full = full;
	memset(slots + idr->cap, 0, (ncap - idr->cap) * sizeof(*slots));
	memset(used + idr->cap / 64, 0, (ncap - idr->cap) / 64 * sizeof(*used));
	memset(full + FULL_WORDS(idr->cap), 0,
	       (FULL_WORDS(ncap) - FULL_WORDS(idr->cap)) * sizeof(*full));
	if (idr->cap == 0)
		idr->used[0] = 1; /* id 0 is never handed out */
	idr->cap = ncap;
	return 0;
}

int fdri_idr_alloc(struct fdri_idr *idr, void *ptr)
{
	for (;;) {
		uint32_t w = first_not_full(idr, idr->hint / 64);

		if (w < idr->cap / 64) {
			uint32_t id = w * 64 + (uint32_t)__builtin_ctzll(~idr->used[w]);

			if (id > INT32_MAX)
				return -ENOSPC;
			idr->used[w] |= 1ull << (id % 64);
			if (idr->used[w] == ~0ull)
				idr->full[w / 64] |= 1ull << (w % 64);
			idr->slots[id] = ptr;
			idr->count++;
			idr->hint = id + 1;
			return (int)id;
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
	idr->full[id / 4096] &= ~(1ull << (id / 64 % 64));
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
