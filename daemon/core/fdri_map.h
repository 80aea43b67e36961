/*
 * fdri_map.h - open-addressing hash map from non-zero uint64_t keys to
 * pointers.
 *
 * Owns: only its bucket array. Values are borrowed pointers; the map never
 * takes references. Key 0 is reserved as "empty". Lookups, inserts and
 * deletes are O(1) on average (linear probing, backward-shift deletion, load
 * factor <= 1/2), and nothing is allocated except when the table grows.
 */
#ifndef FDRI_MAP_H
#define FDRI_MAP_H

#include <stdint.h>
#include <stddef.h>

struct fdri_map_entry {
	uint64_t key;
	void *val;
};

struct fdri_map {
	struct fdri_map_entry *e;
	uint32_t mask;   /* capacity - 1, capacity a power of two */
	uint32_t count;
};

void fdri_map_init(struct fdri_map *m);
void fdri_map_fini(struct fdri_map *m);
void *fdri_map_get(const struct fdri_map *m, uint64_t key);
/* Inserts or replaces. Returns 0 or -ENOMEM. */
int fdri_map_put(struct fdri_map *m, uint64_t key, void *val);
/* Removes key; returns its value or NULL. */
void *fdri_map_del(struct fdri_map *m, uint64_t key);

#define fdri_map_for_each(m, ent) \
	for (struct fdri_map_entry *ent = (m)->e; (m)->e && ent <= (m)->e + (m)->mask; ent++) \
		if (ent->key)

#endif
