/*
 * test_resv.c - reservation objects (daemon/core/fdri_resv.[ch]) against
 * dma-resv.c of 6.1 and the implicit-sync rules of dma-buf.h: a reader
 * waits for writes only, a writer for every access; a later fence of a
 * context replaces its earlier one; fences are released with the object.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fdri_resv.h"

static int setup(void **state)
{
	*state = (void *)(uintptr_t)fdri_fence_live;
	return 0;
}

static int teardown(void **state)
{
	assert_int_equal(fdri_fence_live, (unsigned long)(uintptr_t)*state);
	return 0;
}

/* a reader waits for the write only; a writer for the read too */
static void reader_waits_for_writes_and_writer_for_everything(void **state)
{
	struct fdri_resv r;
	struct fdri_fence *w = fdri_fence_create(fdri_fence_context_alloc(1), 1);
	struct fdri_fence *rd = fdri_fence_create(fdri_fence_context_alloc(1), 1);

	(void)state;
	fdri_resv_init(&r);
	assert_true(fdri_resv_test_signaled(&r, FDRI_RESV_USAGE_READ));
	assert_int_equal(fdri_resv_add_fence(&r, w, FDRI_RESV_USAGE_WRITE), 0);
	assert_int_equal(fdri_resv_add_fence(&r, rd, FDRI_RESV_USAGE_READ), 0);
	assert_false(fdri_resv_test_signaled(&r, FDRI_RESV_USAGE_WRITE));
	fdri_fence_signal(w, 1);
	assert_true(fdri_resv_test_signaled(&r, FDRI_RESV_USAGE_WRITE)); /* readers may go */
	assert_false(fdri_resv_test_signaled(&r, FDRI_RESV_USAGE_READ)); /* writers may not */
	assert_ptr_equal(fdri_resv_fence(&r, FDRI_RESV_USAGE_READ, 0), rd);
	assert_null(fdri_resv_fence(&r, FDRI_RESV_USAGE_READ, 1));
	fdri_fence_signal(rd, 2);
	assert_true(fdri_resv_test_signaled(&r, FDRI_RESV_USAGE_READ));
	fdri_fence_put(w);
	fdri_fence_put(rd);
	fdri_resv_fini(&r);
}

static void later_fence_of_a_context_replaces_the_earlier(void **state)
{
	uint64_t ctx = fdri_fence_context_alloc(1);
	struct fdri_fence *a = fdri_fence_create(ctx, 1), *b = fdri_fence_create(ctx, 2);
	struct fdri_resv r;

	(void)state;
	fdri_resv_init(&r);
	fdri_resv_add_fence(&r, a, FDRI_RESV_USAGE_READ);
	fdri_resv_add_fence(&r, b, FDRI_RESV_USAGE_READ);
	assert_int_equal(r.n, 1);
	assert_ptr_equal(fdri_resv_fence(&r, FDRI_RESV_USAGE_READ, 0), b);
	fdri_fence_put(a); /* the object dropped its reference to it */
	assert_int_equal(fdri_fence_live, (unsigned long)(uintptr_t)*state + 1);
	fdri_fence_put(b);
	fdri_resv_fini(&r);
}

/* a weaker usage does not replace a stronger entry: both stay */
static void weaker_usage_does_not_replace_a_stronger_entry(void **state)
{
	uint64_t ctx = fdri_fence_context_alloc(1);
	struct fdri_fence *w = fdri_fence_create(ctx, 1), *rd = fdri_fence_create(ctx, 2);
	struct fdri_resv r;

	(void)state;
	fdri_resv_init(&r);
	fdri_resv_add_fence(&r, w, FDRI_RESV_USAGE_WRITE);
	fdri_resv_add_fence(&r, rd, FDRI_RESV_USAGE_READ);
	assert_int_equal(r.n, 2);
	assert_ptr_equal(fdri_resv_fence(&r, FDRI_RESV_USAGE_WRITE, 0), w);
	fdri_fence_put(w);
	fdri_fence_put(rd);
	fdri_resv_fini(&r);
}

static void signalled_entries_are_reused(void **state)
{
	struct fdri_fence *a = fdri_fence_create(fdri_fence_context_alloc(1), 1);
	struct fdri_fence *b = fdri_fence_create(fdri_fence_context_alloc(1), 1);
	struct fdri_resv r;

	(void)state;
	fdri_resv_init(&r);
	fdri_resv_add_fence(&r, a, FDRI_RESV_USAGE_WRITE);
	fdri_fence_signal(a, 1);
	fdri_fence_put(a);
	fdri_resv_add_fence(&r, b, FDRI_RESV_USAGE_BOOKKEEP);
	assert_int_equal(r.n, 1);
	assert_true(fdri_resv_test_signaled(&r, FDRI_RESV_USAGE_READ)); /* bookkeep: nobody waits */
	assert_false(fdri_resv_test_signaled(&r, FDRI_RESV_USAGE_BOOKKEEP));
	fdri_fence_put(b);
	fdri_resv_fini(&r);
}

static void fini_releases_unsignalled_fences(void **state)
{
	struct fdri_resv r;

	(void)state;
	fdri_resv_init(&r);
	for (int i = 0; i < 10; i++) {
		struct fdri_fence *f = fdri_fence_create(fdri_fence_context_alloc(1), 1);

		assert_int_equal(fdri_resv_add_fence(&r, f, FDRI_RESV_USAGE_READ), 0);
		fdri_fence_put(f);
	}
	assert_int_equal(r.n, 10);
	fdri_resv_fini(&r); /* the teardown checks none is left */
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(reader_waits_for_writes_and_writer_for_everything),
		T(later_fence_of_a_context_replaces_the_earlier),
		T(weaker_usage_does_not_replace_a_stronger_entry),
		T(signalled_entries_are_reused),
		T(fini_releases_unsignalled_fences),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
