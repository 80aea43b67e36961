/*
 * test_range.c - the best-fit offset allocator (fdri_range.c), whose policy
 * is drm_mm's DRM_MM_INSERT_BEST: mmap offsets must be reused the way the
 * kernel reuses them. Owns one allocator per test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(allocations_follow_each_other_from_the_start),
		cmocka_unit_test(a_freed_range_is_reused),
		cmocka_unit_test(the_smallest_hole_that_fits_is_taken),
		cmocka_unit_test(neighbouring_holes_merge),
		cmocka_unit_test(a_full_space_fails_with_enospc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
