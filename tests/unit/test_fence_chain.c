/*
 * test_fence_chain.c - fence chain nodes (fdri_fence_chain.c) against
 * dma-fence-chain.c of Linux 6.1: signalling in order, contexts and
 * seqnos, find_seqno, garbage collection and freeing.
 */
#include "fixture.h"
#include "fdri_fence_chain.h"

#include <errno.h>

static void chain_signals_only_once_every_earlier_fence_has(void **state)
{
	struct fdri_fence *f1 = fdri_fence_create(fdri_fence_context_alloc(1), 1);
	struct fdri_fence *f2 = fdri_fence_create(fdri_fence_context_alloc(1), 1);
	struct fdri_fence *c1 = fdri_fence_chain_create(NULL, f1, 1, 0);
	struct fdri_fence *c2 = fdri_fence_chain_create(c1, f2, 2, 0);

	(void)state;
	fdri_fence_signal(f2, 10);
	assert_false(fdri_fence_is_signaled(c2));
	assert_false(fdri_fence_is_signaled(c1));
	fdri_fence_signal(f1, 20);
	assert_true(fdri_fence_is_signaled(c1));
	assert_true(fdri_fence_is_signaled(c2));
	assert_int_equal(c2->timestamp, 20);
	fdri_fence_put(c2);
	fdri_fence_put(c1);
	fdri_fence_put(f1);
	fdri_fence_put(f2);
}

static void chain_node_on_signalled_fences_signals_at_once(void **state)
{
	struct fdri_fence *f = fdri_fence_create(fdri_fence_context_alloc(1), 1);
	struct fdri_fence *c;

	(void)state;
	fdri_fence_signal(f, 7);
	c = fdri_fence_chain_create(NULL, f, 3, 9);
	assert_true(fdri_fence_is_signaled(c));
	assert_int_equal(c->timestamp, 9);
	assert_string_equal(fdri_fence_driver_name(c), "dma_fence_chain");
	assert_string_equal(fdri_fence_timeline_name(c), "unbound");
	fdri_fence_put(f);
	fdri_fence_put(c);
}

static void later_points_share_the_context_and_earlier_ones_start_a_new_one(void **state)
{
	struct fdri_fence *f = fdri_fence_create(fdri_fence_context_alloc(1), 1);
	struct fdri_fence *c1 = fdri_fence_chain_create(NULL, f, 5, 0);
	struct fdri_fence *c2 = fdri_fence_chain_create(c1, f, 8, 0);
	struct fdri_fence *c3 = fdri_fence_chain_create(c2, f, 6, 0);

	(void)state;
	assert_int_equal(c2->context, c1->context);
	assert_int_equal(fdri_fence_chain_of(c2)->prev_seqno, 5);
	assert_int_not_equal(c3->context, c2->context);
	assert_int_equal(c3->seqno, 8); /* max(prev, seqno) */
	assert_int_equal(fdri_fence_chain_of(c3)->prev_seqno, 0);
	assert_null(fdri_fence_chain_of(f));
	fdri_fence_put(c1);
	fdri_fence_put(c2);
	fdri_fence_put(c3);
	fdri_fence_signal(f, 1);
	fdri_fence_put(f);
}

static void find_seqno_returns_the_node_of_a_point(void **state)
{
	struct fdri_fence *f[3], *c[3], *got;

	(void)state;
	for (int i = 0; i < 3; i++) {
		f[i] = fdri_fence_create(fdri_fence_context_alloc(1), 1);
		c[i] = fdri_fence_chain_create(i ? c[i - 1] : NULL, f[i], 2 * (i + 1), 0);
	}
	got = fdri_fence_get(c[2]);
	assert_int_equal(fdri_fence_chain_find_seqno(&got, 3), 0);
	assert_ptr_equal(got, c[1]); /* point 3 is signalled by point 4 */
	fdri_fence_put(got);
	got = fdri_fence_get(c[2]);
	assert_int_equal(fdri_fence_chain_find_seqno(&got, 7), -EINVAL);
	assert_ptr_equal(got, c[2]);
	assert_int_equal(fdri_fence_chain_find_seqno(&got, 0), 0);
	assert_ptr_equal(got, c[2]);
	/* points already signalled are NULL: garbage collected */
	fdri_fence_signal(f[0], 1);
	fdri_fence_signal(f[1], 1);
	assert_int_equal(fdri_fence_chain_find_seqno(&got, 2), 0);
	assert_null(got);
	got = f[0];
	fdri_fence_get(got);
	assert_int_equal(fdri_fence_chain_find_seqno(&got, 1), -EINVAL); /* no chain */
	fdri_fence_put(got);
	for (int i = 0; i < 3; i++) {
		fdri_fence_put(c[i]);
		if (i == 2)
			fdri_fence_signal(f[i], 1);
		fdri_fence_put(f[i]);
	}
}

static void unsignalled_chain_nobody_holds_is_freed(void **state)
{
	struct fdri_fence *f = fdri_fence_create(fdri_fence_context_alloc(1), 1);
	struct fdri_fence *head = NULL;

	(void)state;
	for (int i = 1; i <= 100000; i++) {
		struct fdri_fence *n = fdri_fence_chain_create(head, f, (uint64_t)i, 0);

		fdri_fence_put(head);
		head = n;
	}
	fdri_fence_put(head); /* no recursion down 100000 nodes */
	assert_true(fdri_list_empty(&f->cbs));
	fdri_fence_put(f);
}

static int no_leak(void **state)
{
	(void)state;
	assert_int_equal(fdri_fence_live, 0);
	return 0;
}

#define T(fn) cmocka_unit_test_teardown(fn, no_leak)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(chain_signals_only_once_every_earlier_fence_has),
		T(chain_node_on_signalled_fences_signals_at_once),
		T(later_points_share_the_context_and_earlier_ones_start_a_new_one),
		T(find_seqno_returns_the_node_of_a_point),
		T(unsignalled_chain_nobody_holds_is_freed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
