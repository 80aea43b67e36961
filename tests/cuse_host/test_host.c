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
#include "fdri_fdobj.h"

#include <sys/eventfd.h>
#include <sys/socket.h>

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

static short pollable_revents(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };

	assert_true(poll(&p, 1, 0) >= 0);
	return p.revents;
}

static void kept_pollable_shows_exactly_the_readiness_set(void **state)
{
	struct fdri_pollable p = { .client_fd = -1, .events = 0, .keep = true };
	static const unsigned sets[] = { FDRI_POLLIN, FDRI_POLLIN | FDRI_POLLOUT, FDRI_POLLOUT,
					 0, FDRI_POLLOUT, FDRI_POLLIN };
	int copy;

	(void)state;
	assert_int_equal(fdri_host_ops.pollable_create(NULL, &p), 0);
	assert_true(p.client_fd >= 0);
	copy = dup(p.client_fd); /* what a client holds */
	assert_int_equal(pollable_revents(copy), 0);
	for (unsigned i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		assert_int_equal(fdri_host_ops.pollable_set(NULL, &p, sets[i]), 0);
		assert_int_equal(pollable_revents(copy), (short)sets[i]);
	}
	close(copy);
	close(p.client_fd);
	fdri_host_ops.pollable_fini(NULL, &p);
}

static int closed_calls;

static void count_closed(struct fdri_pollable *p)
{
	(void)p;
	closed_calls++;
}

static void tracked_pollable_reports_its_last_client_close(void **state)
{
	struct event_base *base = fdri_host_loop_new();
	struct fdri_pollable p = { .closed = count_closed, .client_fd = -1, .events = 0 };
	uint64_t ino = 0;
	int copy;

	(void)state;
	closed_calls = 0;
	assert_int_equal(fdri_host_ops.pollable_create(base, &p), 0);
	assert_int_equal(pollable_revents(p.client_fd), 0); /* never writable */
	copy = dup(p.client_fd);
	assert_int_equal(fdri_host_ops.pollable_identify(base, copy, &ino), 0);
	assert_int_equal(ino, p.ino);
	close(p.client_fd);      /* the core's copy: sent */
	p.client_fd = -1;
	assert_int_equal(fdri_host_ops.pollable_set(base, &p, FDRI_POLLIN), 0);
	assert_int_equal(pollable_revents(copy), POLLIN);
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(closed_calls, 0);
	assert_true(fdri_host_ops.pollable_alive(base, &p));
	close(copy);             /* the last client copy */
	event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(closed_calls, 1);
	assert_false(fdri_host_ops.pollable_alive(base, &p));
	fdri_host_ops.pollable_fini(base, &p);
	event_base_free(base);
}

static void identify_refuses_other_sockets_and_files(void **state)
{
	int sv[2];
	uint64_t ino;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	/* made here, so its peer is this process: only the pid test is not
	 * enough, the core's registry decides; a pipe is no socket at all */
	assert_int_equal(fdri_host_ops.pollable_identify(NULL, sv[0], &ino), 0);
	close(sv[0]);
	close(sv[1]);
	assert_int_equal(pipe(sv), 0);
	assert_int_equal(fdri_host_ops.pollable_identify(NULL, sv[0], &ino), -EINVAL);
	close(sv[0]);
	close(sv[1]);
	assert_int_equal(fdri_host_ops.pollable_identify(NULL, 999999, &ino), -EBADF);
}

static void eventfd_signal_adds_one(void **state)
{
	int fd = eventfd(0, EFD_CLOEXEC);
	uint64_t v = 0;

	(void)state;
	assert_int_equal(fdri_host_ops.eventfd_signal(NULL, fd), 0);
	assert_int_equal(fdri_host_ops.eventfd_signal(NULL, fd), 0);
	assert_int_equal(read(fd, &v, sizeof(v)), sizeof(v));
	assert_int_equal(v, 2);
	close(fd);
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
		cmocka_unit_test(kept_pollable_shows_exactly_the_readiness_set),
		cmocka_unit_test(tracked_pollable_reports_its_last_client_close),
		cmocka_unit_test(identify_refuses_other_sockets_and_files),
		cmocka_unit_test(eventfd_signal_adds_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
