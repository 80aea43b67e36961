/* fdri_map.c - see fdri_map.h. */
#include "fdri_map.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static inline uint32_t map_hash(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return (uint32_t)k;
}

void fdri_map_init(struct fdri_map *m)
{
	memset(m, 0, sizeof(*m));
}

void fdri_map_fini(struct fdri_map *m)
{
	free(m->e);
	fdri_map_init(m);
}

void *fdri_map_get(const struct fdri_map *m, uint64_t key)
{
	if (!m->e || !key)
		return NULL;
	for (uint32_t i = map_hash(key) & m->mask;; i = (i + 1) & m->mask) {
		if (m->e[i].key == key)
			return m->e[i].val;
		if (!m->e[i].key)
			return NULL;
	}
}

static void map_insert(struct fdri_map_entry *e, uint32_t mask, uint64_t key, void *val)
{
	uint32_t i = map_hash(key) & mask;

	while (e[i].key && e[i].key != key)
		i = (i + 1) & mask;
	e[i].key = key;
	e[i].val = val;
}

int fdri_map_put(struct fdri_map *m, uint64_t key, void *val)
{
	if (!key)
		return -EINVAL;
	if (!m->e || (m->count + 1) * 2 > m->mask + 1) {
		uint32_t ncap = m->e ? (m->mask + 1) * 2 : 16;
		struct fdri_map_entry *ne = calloc(ncap, sizeof(*ne));

		if (!ne)
			return -ENOMEM;
		if (m->e)
			for (uint32_t i = 0; i <= m->mask; i++)
				if (m->e[i].key)
					map_insert(ne, ncap - 1, m->e[i].key, m->e[i].val);
		free(m->e);
		m->e = ne;
		m->mask = ncap - 1;
	}
	for (uint32_t i = map_hash(key) & m->mask;; i = (i + 1) & m->mask) {
		if (m->e[i].key == key) {
			m->e[i].val = val;
			return 0;
		}
		if (!m->e[i].key) {
			m->e[i].key = key;
			m->e[i].val = val;
			m->count++;
			return 0;
		}
	}
}

void *fdri_map_del(struct fdri_map *m, uint64_t key)
{
	uint32_t i, j;
	void *val;

	if (!m->e || !key)
		return NULL;
	for (i = map_hash(key) & m->mask; m->e[i].key != key; i = (i + 1) & m->mask)
		if (!m->e[i].key)
			return NULL;
	val = m->e[i].val;
	/* backward-shift deletion keeps probe chains intact without tombstones */
	for (j = (i + 1) & m->mask; m->e[j].key; j = (j + 1) & m->mask) {
		uint32_t home = map_hash(m->e[j].key) & m->mask;

		if (((j - home) & m->mask) >= ((j - i) & m->mask)) {
			m->e[i] = m->e[j];
			i = j;
		}
	}
	m->e[i].key = 0;
	m->e[i].val = NULL;
	m->count--;
	return val;
}
