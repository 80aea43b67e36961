/* fdri_range.c - see fdri_range.h. Every hole is one node in two AVL
 * trees: by start (the neighbours of a freed range) and by (size, start)
 * (the best fit: the first hole not below (size, 0)). Keys are unique in
 * both trees, starts because holes do not overlap. A key may change in
 * place only if the node's order in that tree stays the same: a hole's
 * start moves only within the gap between its neighbours, so the by-start
 * tree never needs a reinsert; a hole whose size changes is taken out of
 * the by-size tree first and put back after. */
#include "fdri_range.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define SLAB_MIN 16u
#define SLAB_MAX 4096u

struct fdri_hole_slab {
	struct fdri_hole_slab *next;
	struct fdri_hole node[];
};

typedef struct fdri_hole hole;

static bool less(const hole *a, const hole *b, int t)
{
	if (t == FDRI_HOLE_BY_SIZE && a->size != b->size)
		return a->size < b->size;
	return a->start < b->start;
}

static int height(const hole *x, int t)
{
	return x ? x->height[t] : 0;
}

static void fix_height(hole *x, int t)
{
	int l = height(x->kid[t][0], t), r = height(x->kid[t][1], t);

	x->height[t] = (uint8_t)(1 + (l > r ? l : r));
}

/* The child on side d becomes the root of the subtree. */
static hole *rotate(hole *x, int t, int d)
{
	hole *y = x->kid[t][d];

	x->kid[t][d] = y->kid[t][!d];
	y->kid[t][!d] = x;
	fix_height(x, t);
	fix_height(y, t);
	return y;
}

/* x's subtrees are AVL trees whose heights differ by at most 2. */
static hole *balance(hole *x, int t)
{
	int b = height(x->kid[t][0], t) - height(x->kid[t][1], t);

	if (b > 1 || b < -1) {
		int d = b < 0;           /* the taller side */
		hole *c = x->kid[t][d];

		if (height(c->kid[t][d], t) < height(c->kid[t][!d], t))
			x->kid[t][d] = rotate(c, t, !d);
		return rotate(x, t, d);
	}
	fix_height(x, t);
	return x;
}

static hole *tree_insert(hole *x, hole *n, int t)
{
	if (!x) {
		n->kid[t][0] = n->kid[t][1] = NULL;
		n->height[t] = 1;
		return n;
	}
	int d = less(x, n, t);

	x->kid[t][d] = tree_insert(x->kid[t][d], n, t);
	return balance(x, t);
}

static hole *remove_min(hole *x, int t, hole **min)
{
	if (!x->kid[t][0]) {
		*min = x;
		return x->kid[t][1];
	}
	x->kid[t][0] = remove_min(x->kid[t][0], t, min);
	return balance(x, t);
}

/* n is in the tree under x, with the key it was inserted with. */
static hole *tree_remove(hole *x, hole *n, int t)
{
	if (x != n) {
		int d = less(x, n, t);

		x->kid[t][d] = tree_remove(x->kid[t][d], n, t);
		return balance(x, t);
	}
	if (!x->kid[t][0])
		return x->kid[t][1];
	if (!x->kid[t][1])
		return x->kid[t][0];
	hole *m;
	hole *right = remove_min(x->kid[t][1], t, &m);

	m->kid[t][0] = x->kid[t][0];
	m->kid[t][1] = right;
	return balance(m, t);
}

static void put_node(struct fdri_range *r, hole *n)
{
	n->kid[0][0] = r->spare;
	r->spare = n;
}

static hole *get_node(struct fdri_range *r)
{
	if (!r->spare) {
		uint32_t k = r->nodes < SLAB_MIN ? SLAB_MIN : r->nodes < SLAB_MAX ? r->nodes : SLAB_MAX;
		struct fdri_hole_slab *s = malloc(sizeof(*s) + k * sizeof(hole));

		if (!s)
			return NULL;
		s->next = r->slabs;
		r->slabs = s;
		r->nodes += k;
		for (uint32_t i = k; i-- > 0;)
			put_node(r, &s->node[i]);
	}
	hole *n = r->spare;

	r->spare = n->kid[0][0];
	return n;
}

static void add(struct fdri_range *r, hole *h, int t)
{
	r->root[t] = tree_insert(r->root[t], h, t);
}

static void take_out(struct fdri_range *r, hole *h, int t)
{
	r->root[t] = tree_remove(r->root[t], h, t);
}

/* h is already out of the by-size tree. */
static void drop(struct fdri_range *r, hole *h)
{
	take_out(r, h, FDRI_HOLE_BY_START);
	put_node(r, h);
	r->n--;
}

int fdri_range_init(struct fdri_range *r, uint64_t start, uint64_t size)
{
	hole *h;

	memset(r, 0, sizeof(*r));
	h = get_node(r);
	if (!h)
		return -ENOMEM;
	h->start = start;
	h->size = size;
	add(r, h, FDRI_HOLE_BY_START);
	add(r, h, FDRI_HOLE_BY_SIZE);
	r->n = 1;
	return 0;
}

void fdri_range_fini(struct fdri_range *r)
{
	while (r->slabs) {
		struct fdri_hole_slab *s = r->slabs;

		r->slabs = s->next;
		free(s);
	}
	memset(r, 0, sizeof(*r));
}

int fdri_range_alloc(struct fdri_range *r, uint64_t size, uint64_t *out)
{
	hole *best = NULL;

	if (!size)
		return -ENOSPC;
	for (hole *x = r->root[FDRI_HOLE_BY_SIZE]; x;) {
		if (x->size >= size) {
			best = x;
			x = x->kid[FDRI_HOLE_BY_SIZE][0];
		} else {
			x = x->kid[FDRI_HOLE_BY_SIZE][1];
		}
	}
	if (!best)
		return -ENOSPC;
	*out = best->start;
	take_out(r, best, FDRI_HOLE_BY_SIZE);
	if (best->size == size) {
		drop(r, best);
		return 0;
	}
	best->start += size;
	best->size -= size;
	add(r, best, FDRI_HOLE_BY_SIZE);
	return 0;
}

int fdri_range_free(struct fdri_range *r, uint64_t start, uint64_t size)
{
	hole *prev = NULL, *next = NULL, *h;

	if (!size)
		return 0;
	for (hole *x = r->root[FDRI_HOLE_BY_START]; x;) {
		if (x->start < start) {
			prev = x;
			x = x->kid[FDRI_HOLE_BY_START][1];
		} else {
			next = x;
			x = x->kid[FDRI_HOLE_BY_START][0];
		}
	}
	if (prev && prev->start + prev->size != start)
		prev = NULL;
	if (next && start + size != next->start)
		next = NULL;
	if (prev) {
		h = prev;
		take_out(r, h, FDRI_HOLE_BY_SIZE);
		h->size += size;
		if (next) {
			take_out(r, next, FDRI_HOLE_BY_SIZE);
			h->size += next->size;
			drop(r, next);
		}
	} else if (next) {
		h = next;
		take_out(r, h, FDRI_HOLE_BY_SIZE);
		h->start = start;
		h->size += size;
	} else {
		h = get_node(r);
		if (!h)
			return -ENOMEM;
		h->start = start;
		h->size = size;
		add(r, h, FDRI_HOLE_BY_START);
		r->n++;
	}
	add(r, h, FDRI_HOLE_BY_SIZE);
	return 0;
}
