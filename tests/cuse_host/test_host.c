/*
 * test_host.c - the daemon's real host ops (daemon/fdri_host.c) that the
 * core reaches the outside through: the monotonic clock, one-shot timers
 * served by a libevent loop, and signal fds (eventfds) the core makes
 * readable or not for clients to poll. cmocka; no I/O beyond the loop and
 * the fds it makes. Owns nothing beyond each test's loop.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/event.h>

#include "fdri_host.h"

struct fired {
	struct fdri_timer t;
	int count;
	int64_t at;
	struct event_base *base;
};

static void on_fire(struct fdri_timer *t)
{
	struct fired *f = (struct fired *)t;

	f->count++;
	f->at = fdri_host_ops.now(f->base);
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void clock_is_clock_monotonic_in_ns(void **state)
{
	int64_t a, h, b;

	(void)state;
	a = mono_ns();
	h = fdri_host_ops.now(NULL);
	b = mono_ns();
	assert_true(a <= h && h <= b);
}

static void timer_fires_once_not_before_its_deadline(void **state)
{
	struct event_base *base = fdri_host_loop_new();
	struct fired f = { .t.func = on_fire, .base = base };
	int64_t deadline = fdri_host_ops.now(base) + 20 * 1000 * 1000;

	(void)state;
	assert_int_equal(fdri_host_ops.timer_arm(base, &f.t, deadline), 0);
	event_base_dispatch(base); /* returns when no event is left */
	assert_int_equal(f.count, 1);
	assert_true(f.at >= deadline);
	fdri_host_ops.timer_fini(base, &f.t);
	assert_null(f.t.host);
	event_base_free(base);
}

/* libevent adds a timeout to the time it cached when its loop woke up, so
 * a timer armed from a callback that ran a while would fire that much
 * early; a deadline must still hold by CLOCK_MONOTONIC. */
static struct fired late_armed;
static int64_t late_deadline;

static void arm_after_working(evutil_socket_t fd, short what, void *arg)
{
	int64_t t0 = mono_ns();

	(void)fd; (void)what; (void)arg;
	while (mono_ns() - t0 < 5 * 1000 * 1000)
		; /* a callback that takes 5 ms */
	late_deadline = fdri_host_ops.now(late_armed.base) + 1000 * 1000;
	assert_int_equal(fdri_host_ops.timer_arm(late_armed.base, &late_armed.t, late_deadline), 0);
}

static void timer_armed_late_in_a_loop_turn_is_not_early(void **state)
{
	struct event_base *base = fdri_host_loop_new();
	struct timeval zero = { 0, 0 };

	(void)state;
	late_armed = (struct fired){ .t.func = on_fire, .base = base };
	assert_int_equal(event_base_once(base, -1, EV_TIMEOUT, arm_after_working, NULL, &zero), 0);
	event_base_dispatch(base);
	assert_int_equal(late_armed.count, 1);
	assert_true(late_armed.at >= late_deadline);
	fdri_host_ops.timer_fini(base, &late_armed.t);
	event_base_free(base);
}

static void disarmed_timer_never_fires(void **state)
{
	struct event_base *base = fdri_host_loop_new();
	struct fired f = { .t.func = on_fire, .base = base };

	(void)state;
	assert_int_equal(fdri_host_ops.timer_arm(base, &f.t, fdri_host_ops.now(base) + 1000000), 0);
	fdri_host_ops.timer_disarm(base, &f.t);
	event_base_dispatch(base);
	assert_int_equal(f.count, 0);
	fdri_host_ops.timer_fini(base, &f.t);
	event_base_free(base);
}

static void rearmed_timer_fires_at_the_new_deadline_only(void **state)
{
	struct event_base *base = fdri_host_loop_new();
	struct fired f = { .t.func = on_fire, .base = base };
	int64_t now = fdri_host_ops.now(base);

	(void)state;
	assert_int_equal(fdri_host_ops.timer_arm(base, &f.t, now + 1000000), 0);
	assert_int_equal(fdri_host_ops.timer_arm(base, &f.t, now + 30 * 1000000), 0);
	event_base_dispatch(base);
	assert_int_equal(f.count, 1);
	assert_true(f.at >= now + 30 * 1000000);
	fdri_host_ops.timer_fini(base, &f.t);
	event_base_free(base);
}

static void past_deadline_fires_at_the_next_loop_turn(void **state)
{
	struct event_base *base = fdri_host_loop_new();
	struct fired f = { .t.func = on_fire, .base = base };

	(void)state;
	assert_int_equal(fdri_host_ops.timer_arm(base, &f.t, 1), 0);
	assert_int_equal(f.count, 0); /* never from inside timer_arm */
	event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(f.count, 1);
	fdri_host_ops.timer_fini(base, &f.t);
	event_base_free(base);
}

static void timer_without_a_loop_is_refused(void **state)
{
	struct fired f = { .t.func = on_fire };

	(void)state;
	assert_int_equal(fdri_host_ops.timer_arm(NULL, &f.t, 1), -ENOTSUP);
	assert_null(f.t.host);
}

static short revents(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	assert_true(poll(&p, 1, 0) >= 0);
	return p.revents;
}

static void signal_fd_is_readable_exactly_while_set(void **state)
{
	int fd = fdri_host_ops.signal_fd_create(NULL);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(revents(fd), 0);
	assert_int_equal(fdri_host_ops.signal_fd_set(NULL, fd, true), 0);
	assert_int_equal(revents(fd), POLLIN);
	assert_int_equal(fdri_host_ops.signal_fd_set(NULL, fd, true), 0); /* twice: still one state */
	assert_int_equal(fdri_host_ops.signal_fd_set(NULL, fd, false), 0);
	assert_int_equal(revents(fd), 0);
	assert_int_equal(fdri_host_ops.signal_fd_set(NULL, fd, false), 0); /* clearing a clear one */
	assert_int_equal(revents(fd), 0);
	fdri_host_ops.close(NULL, fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(clock_is_clock_monotonic_in_ns),
		cmocka_unit_test(timer_fires_once_not_before_its_deadline),
		cmocka_unit_test(timer_armed_late_in_a_loop_turn_is_not_early),
		cmocka_unit_test(disarmed_timer_never_fires),
		cmocka_unit_test(rearmed_timer_fires_at_the_new_deadline_only),
		cmocka_unit_test(past_deadline_fires_at_the_next_loop_turn),
		cmocka_unit_test(timer_without_a_loop_is_refused),
		cmocka_unit_test(signal_fd_is_readable_exactly_while_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
