/*
 * test_fence.c - the fence core (daemon/core/fdri_fence.[ch]) against
 * dma-fence.c's and dma-fence-array.c's rules: signal once, callbacks in
 * order and exactly once, errors before the signal only, status, arrays
 * of all and of any with the first error, and no fence left alive. Each
 * test checks fdri_fence_live returns to where it began.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "fdri_fence.h"

struct waiter {
	struct fdri_fence_cb cb;
	int runs;
	int order;
	int64_t seen_ts;
	int seen_status;
};

static int run_counter;

static void on_signal(struct fdri_fence *f, struct fdri_fence_cb *cb)
{
	struct waiter *w = fdri_container_of(cb, struct waiter, cb);

	w->runs++;
	w->order = ++run_counter;
	w->seen_ts = f->timestamp;
	w->seen_status = fdri_fence_get_status(f);
}

static int setup(void **state)
{
	*state = (void *)(uintptr_t)fdri_fence_live;
	run_counter = 0;
	return 0;
}

static int teardown(void **state)
{
	assert_int_equal(fdri_fence_live, (unsigned long)(uintptr_t)*state);
	return 0;
}

static void signal_runs_callbacks_once_in_order_with_its_timestamp(void **state)
{
	uint64_t ctx = fdri_fence_context_alloc(1);
	struct fdri_fence *f = fdri_fence_create(ctx, 1);
	struct waiter a = { 0 }, b = { 0 };

	(void)state;
	assert_int_equal(fdri_fence_add_callback(f, &a.cb, on_signal), 0);
	assert_int_equal(fdri_fence_add_callback(f, &b.cb, on_signal), 0);
	assert_int_equal(fdri_fence_get_status(f), 0);
	assert_int_equal(fdri_fence_signal(f, 1234), 0);
	assert_int_equal(a.runs, 1);
	assert_int_equal(b.runs, 1);
	assert_true(a.order < b.order);
	assert_int_equal(a.seen_ts, 1234);
	assert_int_equal(a.seen_status, 1);
	assert_int_equal(fdri_fence_signal(f, 9999), -EINVAL); /* once */
	assert_int_equal(a.runs, 1);
	assert_int_equal(f->timestamp, 1234);
	fdri_fence_put(f);
}

static void callback_added_after_the_signal_is_refused(void **state)
{
	struct fdri_fence *f = fdri_fence_create(fdri_fence_context_alloc(1), 1);
	struct waiter w = { 0 };

	(void)state;
	fdri_fence_signal(f, 1);
	assert_int_equal(fdri_fence_add_callback(f, &w.cb, on_signal), -ENOENT);
	assert_int_equal(w.runs, 0);
	assert_false(fdri_fence_remove_callback(f, &w.cb));
	fdri_fence_put(f);
}

static void removed_callback_never_runs(void **state)
{
	struct fdri_fence *f = fdri_fence_create(fdri_fence_context_alloc(1), 1);
	struct waiter w = { 0 }, stays = { 0 };

	(void)state;
	assert_int_equal(fdri_fence_add_callback(f, &w.cb, on_signal), 0);
	assert_int_equal(fdri_fence_add_callback(f, &stays.cb, on_signal), 0);
	assert_true(fdri_fence_remove_callback(f, &w.cb));
	assert_false(fdri_fence_remove_callback(f, &w.cb));
	fdri_fence_signal(f, 1);
	assert_int_equal(w.runs, 0);
	assert_int_equal(stays.runs, 1);
	fdri_fence_put(f);
}

static void error_set_before_the_signal_is_its_status(void **state)
{
	struct fdri_fence *f = fdri_fence_create(fdri_fence_context_alloc(1), 1);

	(void)state;
	fdri_fence_set_error(f, -EIO);
	assert_int_equal(fdri_fence_get_status(f), 0); /* still pending */
	fdri_fence_signal(f, 1);
	assert_int_equal(fdri_fence_get_status(f), -EIO);
	fdri_fence_set_error(f, -ETIMEDOUT); /* after the signal: ignored */
	assert_int_equal(fdri_fence_get_status(f), -EIO);
	fdri_fence_put(f);
}

static void invalid_errors_are_ignored(void **state)
{
	struct fdri_fence *f = fdri_fence_create(fdri_fence_context_alloc(1), 1);

	(void)state;
	fdri_fence_set_error(f, 0);
	fdri_fence_set_error(f, 5);
	fdri_fence_set_error(f, -5000);
	fdri_fence_signal(f, 1);
	assert_int_equal(fdri_fence_get_status(f), 1);
	fdri_fence_put(f);
}

static void unsignalled_fence_is_freed_at_its_last_put_without_callbacks(void **state)
{
	struct fdri_fence *f = fdri_fence_create(fdri_fence_context_alloc(1), 1);

	(void)state;
	assert_ptr_equal(fdri_fence_get(f), f);
	fdri_fence_put(f);
	assert_int_equal(fdri_fence_live, (unsigned long)(uintptr_t)*state + 1);
	fdri_fence_put(f);
}

static void contexts_are_distinct_and_seqnos_order_within_one(void **state)
{
	uint64_t c1 = fdri_fence_context_alloc(2), c2 = fdri_fence_context_alloc(1);
	struct fdri_fence *a = fdri_fence_create(c1, 1), *b = fdri_fence_create(c1, 2);

	(void)state;
	assert_true(c2 >= c1 + 2);
	assert_true(fdri_fence_is_later(b, a));
	assert_false(fdri_fence_is_later(a, b));
	fdri_fence_put(a);
	fdri_fence_put(b);
}

static struct fdri_fence **three(uint64_t ctx)
{
	struct fdri_fence **v = malloc(3 * sizeof(*v));

	for (int i = 0; i < 3; i++)
		v[i] = fdri_fence_create(ctx, (uint64_t)i + 1);
	return v;
}

static void array_of_all_signals_after_the_last_with_its_timestamp(void **state)
{
	uint64_t ctx = fdri_fence_context_alloc(1);
	struct fdri_fence **v = three(ctx), *f[3] = { v[0], v[1], v[2] };
	struct fdri_fence *arr = fdri_fence_array_create(v, 3, fdri_fence_context_alloc(1), 1,
							 false, 0);
	struct waiter w = { 0 };

	(void)state;
	assert_non_null(arr);
	assert_int_equal(fdri_fence_add_callback(arr, &w.cb, on_signal), 0);
	fdri_fence_signal(f[1], 10);
	fdri_fence_signal(f[0], 20);
	assert_false(fdri_fence_is_signaled(arr));
	fdri_fence_signal(f[2], 30);
	assert_true(fdri_fence_is_signaled(arr));
	assert_int_equal(w.runs, 1);
	assert_int_equal(w.seen_ts, 30);
	assert_int_equal(fdri_fence_get_status(arr), 1);
	fdri_fence_put(arr);
}

static void array_of_any_signals_with_the_first_and_only_once(void **state)
{
	struct fdri_fence **v = three(fdri_fence_context_alloc(1)), *f[3] = { v[0], v[1], v[2] };
	struct fdri_fence *arr = fdri_fence_array_create(v, 3, fdri_fence_context_alloc(1), 1,
							 true, 0);
	struct waiter w = { 0 };

	(void)state;
	for (int i = 0; i < 3; i++)
		fdri_fence_get(f[i]); /* we signal them after the array is gone */
	assert_int_equal(fdri_fence_add_callback(arr, &w.cb, on_signal), 0);
	fdri_fence_signal(f[2], 5);
	assert_int_equal(w.runs, 1);
	fdri_fence_signal(f[0], 6);
	assert_int_equal(w.runs, 1);
	fdri_fence_put(arr);
	fdri_fence_signal(f[1], 7); /* the array's callback is gone with it */
	for (int i = 0; i < 3; i++)
		fdri_fence_put(f[i]);
}

static void array_keeps_the_first_error_of_its_fences(void **state)
{
	struct fdri_fence **v = three(fdri_fence_context_alloc(1)), *f[3] = { v[0], v[1], v[2] };
	struct fdri_fence *arr = fdri_fence_array_create(v, 3, fdri_fence_context_alloc(1), 1,
							 false, 0);

	(void)state;
	fdri_fence_set_error(f[1], -EIO);
	fdri_fence_signal(f[1], 1);
	fdri_fence_set_error(f[0], -ETIMEDOUT);
	fdri_fence_signal(f[0], 2);
	fdri_fence_signal(f[2], 3);
	assert_int_equal(fdri_fence_get_status(arr), -EIO);
	fdri_fence_put(arr);
}

static void array_of_signalled_fences_signals_at_once(void **state)
{
	struct fdri_fence **v = three(fdri_fence_context_alloc(1));
	struct fdri_fence *arr;

	(void)state;
	for (int i = 0; i < 3; i++)
		fdri_fence_signal(v[i], 100 + i);
	arr = fdri_fence_array_create(v, 3, fdri_fence_context_alloc(1), 1, false, 500);
	assert_true(fdri_fence_is_signaled(arr));
	assert_int_equal(arr->timestamp, 500);
	fdri_fence_put(arr);
}

static void array_freed_before_its_fences_signal_leaves_no_callback(void **state)
{
	struct fdri_fence **v = three(fdri_fence_context_alloc(1)), *f[3] = { v[0], v[1], v[2] };
	struct fdri_fence *arr = fdri_fence_array_create(v, 3, fdri_fence_context_alloc(1), 1,
							 false, 0);

	(void)state;
	for (int i = 0; i < 3; i++)
		fdri_fence_get(f[i]);
	fdri_fence_put(arr);
	for (int i = 0; i < 3; i++) {
		assert_true(fdri_list_empty(&f[i]->cbs));
		fdri_fence_signal(f[i], 1);
		fdri_fence_put(f[i]);
	}
}

/* A callback that drops the last reference to its array (a waiter done
 * with it) must not make the array's signal touch freed memory (ASan). */
static struct fdri_fence *held;

static void drop_held(struct fdri_fence *f, struct fdri_fence_cb *cb)
{
	(void)f;
	free(cb);
	fdri_fence_put(held);
	held = NULL;
}

static void waiter_may_drop_the_array_from_its_callback(void **state)
{
	struct fdri_fence **v = three(fdri_fence_context_alloc(1)), *f[3] = { v[0], v[1], v[2] };
	struct fdri_fence_cb *cb = malloc(sizeof(*cb));

	(void)state;
	held = fdri_fence_array_create(v, 3, fdri_fence_context_alloc(1), 1, true, 0);
	for (int i = 0; i < 3; i++)
		fdri_fence_get(f[i]);
	assert_int_equal(fdri_fence_add_callback(held, cb, drop_held), 0);
	fdri_fence_signal(f[0], 1);
	assert_null(held);
	for (int i = 0; i < 3; i++) {
		fdri_fence_signal(f[i], 2);
		fdri_fence_put(f[i]);
	}
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(signal_runs_callbacks_once_in_order_with_its_timestamp),
		T(callback_added_after_the_signal_is_refused),
		T(removed_callback_never_runs),
		T(error_set_before_the_signal_is_its_status),
		T(invalid_errors_are_ignored),
		T(unsignalled_fence_is_freed_at_its_last_put_without_callbacks),
		T(contexts_are_distinct_and_seqnos_order_within_one),
		T(array_of_all_signals_after_the_last_with_its_timestamp),
		T(array_of_any_signals_with_the_first_and_only_once),
		T(array_keeps_the_first_error_of_its_fences),
		T(array_of_signalled_fences_signals_at_once),
		T(array_freed_before_its_fences_signal_leaves_no_callback),
		T(waiter_may_drop_the_array_from_its_callback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
