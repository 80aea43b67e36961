/*
 * test_range.c - the best-fit offset allocator (fdri_range.c), whose policy
 * is drm_mm's DRM_MM_INSERT_BEST: mmap offsets must be reused the way the
 * kernel reuses them. Owns one allocator per test, and in the differential
 * test the array-based allocator fdri_range.c was before its trees, as the
 * reference for which offsets must come out.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fdri_range.h"

#define BASE 0x100000000ull
#define P 4096ull

static uint64_t alloc(struct fdri_range *r, uint64_t size)
{
	uint64_t off = 0;

	assert_int_equal(fdri_range_alloc(r, size, &off), 0);
	return off;
}

static void allocations_follow_each_other_from_the_start(void **state)
{
	struct fdri_range r;

	(void)state;
	assert_int_equal(fdri_range_init(&r, BASE, 1 << 20), 0);
	assert_int_equal(alloc(&r, P), BASE);
	assert_int_equal(alloc(&r, 2 * P), BASE + P);
	assert_int_equal(alloc(&r, P), BASE + 3 * P);
	fdri_range_fini(&r);
}

static void a_freed_range_is_reused(void **state)
{
	struct fdri_range r;
	uint64_t a;

	(void)state;
	assert_int_equal(fdri_range_init(&r, BASE, 1 << 20), 0);
	a = alloc(&r, P);
	alloc(&r, P);
	assert_int_equal(fdri_range_free(&r, a, P), 0);
	assert_int_equal(alloc(&r, P), BASE);
	fdri_range_fini(&r);
}

static void the_smallest_hole_that_fits_is_taken(void **state)
{
	struct fdri_range r;
	uint64_t a, b, c;

	(void)state;
	assert_int_equal(fdri_range_init(&r, BASE, 1 << 20), 0);
	a = alloc(&r, 4 * P);      /* hole of 4 pages once freed */
	alloc(&r, P);
	b = alloc(&r, 2 * P);      /* hole of 2 pages once freed */
	alloc(&r, P);
	assert_int_equal(fdri_range_free(&r, a, 4 * P), 0);
	assert_int_equal(fdri_range_free(&r, b, 2 * P), 0);
	c = alloc(&r, 2 * P);
	assert_int_equal(c, b);    /* best fit, not first fit */
	assert_int_equal(alloc(&r, 3 * P), a);
	fdri_range_fini(&r);
}

static void neighbouring_holes_merge(void **state)
{
	struct fdri_range r;
	uint64_t a, b, c;

	(void)state;
	assert_int_equal(fdri_range_init(&r, BASE, 1 << 20), 0);
	a = alloc(&r, P);
	b = alloc(&r, P);
	c = alloc(&r, P);
	alloc(&r, P);
	assert_int_equal(fdri_range_free(&r, a, P), 0);
	assert_int_equal(fdri_range_free(&r, c, P), 0);
	assert_int_equal(fdri_range_free(&r, b, P), 0); /* joins both */
	assert_int_equal(r.n, 2);  /* [a, c] and the tail */
	assert_int_equal(alloc(&r, 3 * P), a);
	fdri_range_fini(&r);
}

static void a_full_space_fails_with_enospc(void **state)
{
	struct fdri_range r;
	uint64_t off;

	(void)state;
	assert_int_equal(fdri_range_init(&r, BASE, 2 * P), 0);
	alloc(&r, 2 * P);
	assert_int_equal(fdri_range_alloc(&r, P, &off), -28 /* ENOSPC */);
	assert_int_equal(fdri_range_alloc(&r, 0, &off), -28);
	fdri_range_fini(&r);
}

/* The reference: a sorted array of holes, a linear best-fit scan. */
struct ref_hole {
	uint64_t start, size;
};

struct ref {
	struct ref_hole *holes;   /* sorted by start, never adjacent */
	uint32_t n, cap;
};

static void ref_reserve(struct ref *r, uint32_t n)
{
	if (n <= r->cap)
		return;
	r->cap = r->cap ? r->cap * 2 : 8;
	r->holes = realloc(r->holes, r->cap * sizeof(*r->holes));
	assert_non_null(r->holes);
}

static void ref_init(struct ref *r, uint64_t start, uint64_t size)
{
	memset(r, 0, sizeof(*r));
	ref_reserve(r, 1);
	r->holes[0] = (struct ref_hole){ start, size };
	r->n = 1;
}

static int ref_alloc(struct ref *r, uint64_t size, uint64_t *out)
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

static void ref_free(struct ref *r, uint64_t start, uint64_t size)
{
	uint32_t lo = 0, hi = r->n;

	while (lo < hi) { /* first hole after start */
		uint32_t mid = (lo + hi) / 2;

		if (r->holes[mid].start < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && r->holes[lo - 1].start + r->holes[lo - 1].size == start) {
		r->holes[lo - 1].size += size;
		if (lo < r->n && start + size == r->holes[lo].start) {
			r->holes[lo - 1].size += r->holes[lo].size;
			memmove(&r->holes[lo], &r->holes[lo + 1], (r->n - lo - 1) * sizeof(*r->holes));
			r->n--;
		}
		return;
	}
	if (lo < r->n && start + size == r->holes[lo].start) {
		r->holes[lo].start = start;
		r->holes[lo].size += size;
		return;
	}
	ref_reserve(r, r->n + 1);
	memmove(&r->holes[lo + 1], &r->holes[lo], (r->n - lo) * sizeof(*r->holes));
	r->holes[lo] = (struct ref_hole){ start, size };
	r->n++;
}

static bool key_less(const struct fdri_hole *a, const struct fdri_hole *b, int t)
{
	if (t == FDRI_HOLE_BY_SIZE && a->size != b->size)
		return a->size < b->size;
	return a->start < b->start;
}

/* Checks one tree of r (AVL, ordered, heights right); returns its height
 * and counts its nodes in *count. lo and hi bound the keys (NULL: none). */
static int check_tree(const struct fdri_hole *x, int t, const struct fdri_hole *lo,
		      const struct fdri_hole *hi, uint32_t *count)
{
	int l, h;

	if (!x)
		return 0;
	assert_true(x->size > 0);
	if (lo)
		assert_true(key_less(lo, x, t));
	if (hi)
		assert_true(key_less(x, hi, t));
	l = check_tree(x->kid[t][0], t, lo, x, count);
	h = check_tree(x->kid[t][1], t, x, hi, count);
	assert_true(l - h <= 1 && h - l <= 1);
	h = 1 + (l > h ? l : h);
	assert_int_equal(x->height[t], h);
	(*count)++;
	return h;
}

static const struct fdri_hole *find_start(const struct fdri_range *r, uint64_t start)
{
	const struct fdri_hole *x = r->root[FDRI_HOLE_BY_START];

	while (x && x->start != start)
		x = x->kid[FDRI_HOLE_BY_START][x->start < start];
	return x;
}

/* Both trees hold the same r->n holes, the by-start one never touching. */
static void check_same_nodes(const struct fdri_range *r, const struct fdri_hole *x,
			     const struct fdri_hole **prev)
{
	if (!x)
		return;
	check_same_nodes(r, x->kid[FDRI_HOLE_BY_START][0], prev);
	if (*prev)
		assert_true((*prev)->start + (*prev)->size < x->start);
	*prev = x;
	check_same_nodes(r, x->kid[FDRI_HOLE_BY_START][1], prev);
}

static void check_size_nodes(const struct fdri_range *r, const struct fdri_hole *x)
{
	if (!x)
		return;
	assert_ptr_equal(find_start(r, x->start), x);
	check_size_nodes(r, x->kid[FDRI_HOLE_BY_SIZE][0]);
	check_size_nodes(r, x->kid[FDRI_HOLE_BY_SIZE][1]);
}

static int check(const struct fdri_range *r)
{
	uint32_t n_start = 0, n_size = 0;
	const struct fdri_hole *prev = NULL;
	int h_start = check_tree(r->root[FDRI_HOLE_BY_START], FDRI_HOLE_BY_START, NULL, NULL, &n_start);
	int h_size = check_tree(r->root[FDRI_HOLE_BY_SIZE], FDRI_HOLE_BY_SIZE, NULL, NULL, &n_size);

	assert_int_equal(n_start, r->n);
	assert_int_equal(n_size, r->n);
	check_same_nodes(r, r->root[FDRI_HOLE_BY_START], &prev);
	check_size_nodes(r, r->root[FDRI_HOLE_BY_SIZE]);
	return h_start > h_size ? h_start : h_size;
}

static void same_holes(const struct fdri_hole *x, const struct ref *ref, uint32_t *i)
{
	if (!x)
		return;
	same_holes(x->kid[FDRI_HOLE_BY_START][0], ref, i);
	assert_true(*i < ref->n);
	assert_int_equal(x->start, ref->holes[*i].start);
	assert_int_equal(x->size, ref->holes[*i].size);
	(*i)++;
	same_holes(x->kid[FDRI_HOLE_BY_START][1], ref, i);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(uint64_t n)   /* splitmix64, in [0, n) */
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (z ^ (z >> 31)) % n;
}

struct live {
	uint64_t start, size;
};

/* Sizes with many ties (the lowest hole of a size must win) and a few
 * large ones (-ENOSPC once the space fragments). */
static uint64_t random_size(void)
{
	uint64_t k = rnd(100);

	if (k < 50)
		return (1 + rnd(4)) * P;
	if (k < 90)
		return (1 + rnd(32)) * P;
	if (k < 99)
		return (1 + rnd(512)) * P;
	return 1 + rnd(3 * P);   /* not a page multiple */
}

static void offsets_are_those_of_the_reference(void **state)
{
	enum { OPS = 200000, SPACE = 8192 * P, MAXLIVE = 8192 };
	struct fdri_range r;
	struct ref ref;
	struct live *live = calloc(MAXLIVE, sizeof(*live));
	uint32_t nlive = 0, enospc = 0, merges = 0, i;

	(void)state;
	assert_non_null(live);
	rng_state = 0x9e3779b97f4a7c15ull;
	assert_int_equal(fdri_range_init(&r, BASE, SPACE), 0);
	ref_init(&ref, BASE, SPACE);
	for (int op = 0; op < OPS; op++) {
		/* phases that fill the space and phases that drain it */
		uint32_t alloc_pct = (op / 5000) % 2 ? 35 : 65;

		if (nlive < MAXLIVE && (nlive == 0 || rnd(100) < alloc_pct)) {
			uint64_t size = random_size(), a = 0, b = 0;
			int ra = fdri_range_alloc(&r, size, &a);
			int rb = ref_alloc(&ref, size, &b);

			assert_int_equal(ra, rb);
			if (ra) {
				assert_int_equal(ra, -ENOSPC);
				enospc++;
			} else {
				assert_int_equal(a, b);
				live[nlive++] = (struct live){ a, size };
			}
		} else {
			uint32_t k = (uint32_t)rnd(nlive);
			uint32_t before = r.n;

			assert_int_equal(fdri_range_free(&r, live[k].start, live[k].size), 0);
			ref_free(&ref, live[k].start, live[k].size);
			live[k] = live[--nlive];
			merges += r.n <= before;
		}
		assert_int_equal(r.n, ref.n);
		if (op % 1000 == 0 || op == OPS - 1) {
			check(&r);
			i = 0;
			same_holes(r.root[FDRI_HOLE_BY_START], &ref, &i);
			assert_int_equal(i, ref.n);
		}
	}
	/* the run did exercise the cases */
	assert_true(enospc > 100);
	assert_true(merges > 1000);
	/* drain: everything merges back into one hole */
	while (nlive) {
		assert_int_equal(fdri_range_free(&r, live[nlive - 1].start, live[nlive - 1].size), 0);
		ref_free(&ref, live[nlive - 1].start, live[nlive - 1].size);
		nlive--;
	}
	assert_int_equal(r.n, 1);
	assert_int_equal(ref.n, 1);
	check(&r);
	assert_int_equal(r.root[FDRI_HOLE_BY_START]->start, BASE);
	assert_int_equal(r.root[FDRI_HOLE_BY_START]->size, SPACE);
	free(ref.holes);
	free(live);
	fdri_range_fini(&r);
}

static int log2_ceil(uint32_t n)
{
	int l = 0;

	while ((1ull << l) < n)
		l++;
	return l;
}

/* With 100k holes the trees stay O(log n) high, so an alloc or a free,
 * each one walk down and one remove and insert per tree, visits O(log n)
 * nodes; and neither grows the node slabs once they hold enough. */
static void many_holes_keep_the_trees_logarithmic(void **state)
{
	enum { N = 200000 };
	struct fdri_range r;
	uint64_t *off = malloc(N * sizeof(*off));
	uint32_t *order = malloc(N / 2 * sizeof(*order)), nodes;
	int bound;

	(void)state;
	assert_non_null(off);
	assert_non_null(order);
	rng_state = 42;
	assert_int_equal(fdri_range_init(&r, BASE, 1ull << 50), 0);
	for (uint32_t i = 0; i < N; i++)
		off[i] = alloc(&r, (i % 13 + 1) * P);
	assert_int_equal(r.n, 1);
	assert_true(r.nodes < 64);   /* allocs take no node */
	for (uint32_t i = 0; i < N / 2; i++)
		order[i] = 2 * i;
	for (uint32_t i = N / 2 - 1; i > 0; i--) {
		uint32_t j = (uint32_t)rnd(i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (uint32_t i = 0; i < N / 2; i++)
		assert_int_equal(fdri_range_free(&r, off[order[i]], (order[i] % 13 + 1) * P), 0);
	assert_int_equal(r.n, N / 2 + 1);
	bound = 2 * log2_ceil(r.n) + 2;
	assert_true(check(&r) <= bound);
	assert_true(r.root[FDRI_HOLE_BY_START]->height[FDRI_HOLE_BY_START] <= bound);
	assert_true(r.root[FDRI_HOLE_BY_SIZE]->height[FDRI_HOLE_BY_SIZE] <= bound);

	/* alloc/free pairs: each fills a best-fit hole and gives it back */
	nodes = r.nodes;
	for (int k = 0; k < 10000; k++) {
		uint64_t size = (rnd(14) + 1) * P, a = alloc(&r, size);

		assert_int_equal(fdri_range_free(&r, a, size), 0);
		assert_int_equal(r.n, N / 2 + 1);
	}
	assert_int_equal(r.nodes, nodes);   /* the freed node was reused */
	assert_true(check(&r) <= bound);

	/* best fit among 100k holes: the lowest of the smallest that fits */
	assert_int_equal(alloc(&r, 13 * P), off[12]);
	assert_int_equal(alloc(&r, 13 * P), off[38]);
	assert_int_equal(alloc(&r, 14 * P), off[N - 1] + ((N - 1) % 13 + 1) * P); /* the tail */
	free(order);
	free(off);
	fdri_range_fini(&r);
}

static void spare_nodes_are_reused(void **state)
{
	struct fdri_range r;
	uint64_t a[64];
	uint32_t nodes;

	(void)state;
	assert_int_equal(fdri_range_init(&r, BASE, 1 << 30), 0);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 64; i++)
			a[i] = alloc(&r, P);
		for (int i = 0; i < 64; i += 2)
			assert_int_equal(fdri_range_free(&r, a[i], P), 0);
		assert_int_equal(r.n, 33);
		if (round == 0)
			nodes = r.nodes;
		assert_int_equal(r.nodes, nodes);
		for (int i = 1; i < 64; i += 2)
			assert_int_equal(fdri_range_free(&r, a[i], P), 0);
		assert_int_equal(r.n, 1);
		check(&r);
	}
	assert_int_equal(fdri_range_free(&r, BASE, 0), 0); /* size 0: nothing */
	assert_int_equal(r.n, 1);
	fdri_range_fini(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(allocations_follow_each_other_from_the_start),
		cmocka_unit_test(a_freed_range_is_reused),
		cmocka_unit_test(the_smallest_hole_that_fits_is_taken),
		cmocka_unit_test(neighbouring_holes_merge),
		cmocka_unit_test(a_full_space_fails_with_enospc),
		cmocka_unit_test(offsets_are_those_of_the_reference),
		cmocka_unit_test(many_holes_keep_the_trees_logarithmic),
		cmocka_unit_test(spare_nodes_are_reused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
