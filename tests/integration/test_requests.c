/*
 * test_requests.c - the request path: many threads' answers never mix, a
 * call that waits in the daemon (DRM_IOCTL_FAKEDRI_TEST_WAIT, a "parked"
 * request) stops nobody else, and signals interrupt it as they interrupt a
 * kernel wait: -1/EINTR, drmIoctl() restarts it with the same absolute
 * deadline, and a cancelled call's late completion never reaches the
 * caller's next call.
 *
 * Run under `fakedri run --driver-name a-long-driver-name` (one fakedri
 * device). Synchronisation is by pipes, wake-ups and the device's ioctl
 * counter (DEVICE_STATS), never by sleeping: "the waiter is parked" is
 * "the device has served its TEST_WAIT", since the daemon parks the
 * request in the same step that counts it. Signals are aimed at one
 * thread (pthread_kill, or a POSIX timer with SIGEV_THREAD_ID); their
 * handler writes a byte to a pipe, so the test can wait for "the handler
 * ran" without sleeping.
 */
#define _GNU_SOURCE
#include "itest.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DRIVER_NAME "a-long-driver-name"

/* --- helpers --- */

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* the raw call: -1/EINTR is visible, as with ioctl(2) on a kernel device */
static int raw_wait(int fd, uint32_t key, uint64_t deadline_ns, uint32_t flags)
{
	struct drm_fakedri_test_wait w = { .deadline_ns = deadline_ns, .key = key, .flags = flags };

	return ioctl(fd, DRM_IOCTL_FAKEDRI_TEST_WAIT, &w);
}

static uint32_t wake(int fd, uint32_t key)
{
	struct drm_fakedri_test_wake w = { .key = key, .count = 0xdeadbeef };

	CHECK_EQ(drmIoctl(fd, DRM_IOCTL_FAKEDRI_TEST_WAKE, &w), 0);
	CHECK(w.count != 0xdeadbeef);
	return w.count;
}

static uint64_t ioctls_served(int fd)
{
	struct drm_fakedri_device_stats st;

	itest_stats(fd, &st);
	return st.ioctls;
}

/*
 * Returns once the device has served @n ioctls of others since @base (an
 * ioctls_served() of ours): ours, the DEVICE_STATS calls made here, are
 * not counted. With only a waiter's TEST_WAIT outstanding, "served" means
 * "parked" (or failed at once, which the waiter then reports).
 */
static void wait_others(int fd, uint64_t base, uint64_t n)
{
	for (uint64_t mine = 1;; mine++) {
		uint64_t served = ioctls_served(fd);

		if (served - base - mine >= n)
			return;
	}
}

/* the ioctls the other callers make while a call waits, with their checks */
static void other_ioctls(int fd, bool dumb)
{
	struct drm_get_cap cap = { .capability = DRM_CAP_PRIME, .value = 0xdead };

	CHECK_EQ(drmIoctl(fd, DRM_IOCTL_GET_CAP, &cap), 0);
	CHECK_EQ(cap.value, DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT);
	if (dumb) {
		struct drm_mode_create_dumb c = { .width = 32, .height = 8, .bpp = 32 };
		struct drm_mode_destroy_dumb d;
		struct drm_fakedri_gem_info info;

		CHECK_EQ(drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &c), 0);
		CHECK(c.handle != 0);
		CHECK_EQ(c.pitch, 32 * 4);
		CHECK_EQ(c.size, 4096);
		itest_gem_info(fd, c.handle, &info);
		CHECK_EQ(info.size, 4096);
		CHECK_EQ(info.handle_count, 1);
		d.handle = c.handle;
		CHECK_EQ(drmIoctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &d), 0);
	}
}

/* readable now? (poll with no timeout) */
static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

/* --- SIGALRM: counts, and tells a pipe --- */

static int sig_pipe[2];
static atomic_int sig_count;

static void on_alarm(int sig)
{
	int err = errno;
	char c = 's';

	(void)sig;
	atomic_fetch_add(&sig_count, 1);
	if (write(sig_pipe[1], &c, 1) < 0) {
		/* full: the count still says it ran */
	}
	errno = err;
}

static void install_alarm_handler(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: the shim must give EINTR */
	CHECK_EQ(pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK), 0);
	CHECK_EQ(sigaction(SIGALRM, &sa, NULL), 0);
}

/* blocks until the handler has run @n more times (bytes since the last drain) */
static void wait_handler_runs(int n)
{
	while (n > 0) {
		struct pollfd p = { .fd = sig_pipe[0], .events = POLLIN };
		char buf[64];
		ssize_t r;

		if (poll(&p, 1, -1) < 0) {
			CHECK(errno == EINTR);
			continue;
		}
		r = read(sig_pipe[0], buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf));
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		CHECK(r > 0);
		n -= (int)r;
	}
}

static void drain_sig_pipe(void)
{
	char buf[256];

	while (read(sig_pipe[0], buf, sizeof(buf)) > 0)
		;
}

/* A periodic SIGALRM aimed at thread @tid. */
static timer_t alarm_timer;

static void alarm_start(pid_t tid, long period_ns)
{
	struct sigevent sev;
	struct itimerspec its = { .it_interval = { 0, period_ns }, .it_value = { 0, period_ns } };

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGALRM;
	sev._sigev_un._tid = tid;
	CHECK_EQ(timer_create(CLOCK_MONOTONIC, &sev, &alarm_timer), 0);
	CHECK_EQ(timer_settime(alarm_timer, 0, &its, NULL), 0);
}

static void alarm_stop(void)
{
	CHECK_EQ(timer_delete(alarm_timer), 0);
}

/* --- answers of eight threads --- */

#define NTHREADS 8
#define ROUNDS 2000

struct version_answer {
	int major, minor, patch;
	char name[64], date[64], desc[128];
	size_t name_len, date_len, desc_len;
};

static int ver_fd;
static struct version_answer first_version;
static char first_unique[256];
static size_t first_unique_len;
static pthread_barrier_t start;

/* DRM_IOCTL_VERSION into buffers full of junk, so a missing copy shows */
static void get_version(int fd, struct version_answer *a, char junk)
{
	struct drm_version v;

	memset(a, junk, sizeof(*a));
	memset(&v, 0, sizeof(v));
	v.name = a->name;
	v.name_len = sizeof(a->name);
	v.date = a->date;
	v.date_len = sizeof(a->date);
	v.desc = a->desc;
	v.desc_len = sizeof(a->desc);
	CHECK_EQ(drmIoctl(fd, DRM_IOCTL_VERSION, &v), 0);
	CHECK(v.name_len < sizeof(a->name) && v.date_len < sizeof(a->date) &&
	      v.desc_len < sizeof(a->desc));
	a->name[v.name_len] = a->date[v.date_len] = a->desc[v.desc_len] = '\0';
	a->name_len = v.name_len;
	a->date_len = v.date_len;
	a->desc_len = v.desc_len;
	a->major = v.version_major;
	a->minor = v.version_minor;
	a->patch = v.version_patchlevel;
}

static size_t get_unique(int fd, char *buf, size_t len, char junk)
{
	struct drm_unique u = { .unique_len = len, .unique = buf };

	memset(buf, junk, len);
	CHECK_EQ(drmIoctl(fd, DRM_IOCTL_GET_UNIQUE, &u), 0);
	CHECK(u.unique_len < len);
	buf[u.unique_len] = '\0';
	return u.unique_len;
}

static void *version_worker(void *arg)
{
	char junk = (char)('A' + (uintptr_t)arg);

	pthread_barrier_wait(&start);
	for (int i = 0; i < ROUNDS; i++) {
		struct version_answer v;
		char unique[256];
		size_t len;

		get_version(ver_fd, &v, junk);
		CHECK_STR(v.name, DRIVER_NAME);
		CHECK_EQ(v.name_len, strlen(DRIVER_NAME));
		CHECK_STR(v.date, first_version.date);
		CHECK_STR(v.desc, first_version.desc);
		CHECK_EQ(v.date_len, first_version.date_len);
		CHECK_EQ(v.desc_len, first_version.desc_len);
		CHECK_EQ(v.major, first_version.major);
		CHECK_EQ(v.minor, first_version.minor);
		CHECK_EQ(v.patch, first_version.patch);
		len = get_unique(ver_fd, unique, sizeof(unique), junk);
		CHECK_EQ(len, first_unique_len);
		CHECK_STR(unique, first_unique);
	}
	return NULL;
}

/*
 * VERSION and GET_UNIQUE carry their answers in nested buffers of
 * different lengths; a daemon that staged them in shared buffers gave
 * one thread another's bytes (the driver name as the bus id, or a
 * truncated description) in 15-30% of runs.
 */
static void version_and_unique_from_eight_threads_are_never_mixed(void)
{
	drmSetVersion sv = { .drm_di_major = 1, .drm_di_minor = 1,
			     .drm_dd_major = -1, .drm_dd_minor = -1 };
	pthread_t t[NTHREADS];

	ver_fd = itest_open(ITEST_CARD);
	/* interface 1.1 gives the master a bus id, so GET_UNIQUE has one */
	CHECK_EQ(drmSetInterfaceVersion(ver_fd, &sv), 0);
	get_version(ver_fd, &first_version, 'x');
	CHECK_STR(first_version.name, DRIVER_NAME);
	CHECK(first_version.date_len > 0 && first_version.desc_len > 0);
	/* the answers differ from each other, so a mix-up cannot pass */
	CHECK(strcmp(first_version.desc, DRIVER_NAME) && strcmp(first_version.date, DRIVER_NAME));
	first_unique_len = get_unique(ver_fd, first_unique, sizeof(first_unique), 'x');
	CHECK(first_unique_len > 0);
	CHECK(strcmp(first_unique, DRIVER_NAME) && strcmp(first_unique, first_version.desc));

	CHECK_EQ(pthread_barrier_init(&start, NULL, NTHREADS), 0);
	for (uintptr_t i = 0; i < NTHREADS; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, version_worker, (void *)i), 0);
	for (int i = 0; i < NTHREADS; i++)
		CHECK_EQ(pthread_join(t[i], NULL), 0);
	CHECK_EQ(close(ver_fd), 0);
	itest_check_device_clean();
}

/* --- a parked call and the others --- */

#define KEY 0x5eed

struct waiter {
	int fd;
	uint32_t key;
	int done[2];     /* the waiter writes its result here */
};

struct wait_result {
	int ret;
	int err;
};

/*
 * The kernel interrupts only its interruptible waits: an ioctl that does
 * not wait never fails with EINTR, however many signals come, even with
 * no SA_RESTART. Raw ioctl() (no drmIoctl restart) of calls with a whole
 * NEED/DATA/probe exchange (VERSION) and of plain ones (GEM create and
 * close), under a SIGALRM every 100 us, with no spinning so the shim waits
 * in poll() where signals reach it.
 */
static void signals_never_interrupt_calls_that_do_not_wait(void)
{
	int fd, fails = 0;

	setenv("FAKEDRI_SPIN_US", "0", 1); /* read by the shim at its first wait */
	fd = itest_open(ITEST_RENDER);
	install_alarm_handler();
	alarm_start((pid_t)syscall(SYS_gettid), 100 * 1000);
	for (int i = 0; i < 1000; i++) {
		char name[64], date[64], desc[128];
		struct drm_version v = { .name = name, .name_len = sizeof(name), .date = date,
					 .date_len = sizeof(date), .desc = desc,
					 .desc_len = sizeof(desc) };
		struct drm_fakedri_gem_create c = { .size = 4096 };
		struct drm_gem_close cl = { 0 };

		fails += ioctl(fd, DRM_IOCTL_VERSION, &v) != 0;
		fails += ioctl(fd, DRM_IOCTL_FAKEDRI_GEM_CREATE, &c) != 0;
		cl.handle = c.handle;
		fails += ioctl(fd, DRM_IOCTL_GEM_CLOSE, &cl) != 0;
	}
	alarm_stop();
	CHECK_EQ(fails, 0);
	CHECK(atomic_load(&sig_count) > 20); /* the signals did come */
	CHECK_EQ(close(fd), 0);
	itest_check_device_clean();
}

static void *blocking_waiter(void *arg)
{
	struct waiter *w = arg;
	struct drm_fakedri_test_wait tw = { .key = w->key };
	struct wait_result r;

	r.ret = drmIoctl(w->fd, DRM_IOCTL_FAKEDRI_TEST_WAIT, &tw);
	r.err = errno;
	itest_write(w->done[1], &r, sizeof(r));
	return NULL;
}

/* A thread waits on the fd; the fd serves everybody else meanwhile. */
static void parked_call_does_not_stop_other_threads_on_the_same_fd(void)
{
	struct waiter w = { .key = KEY };
	struct wait_result r;
	pthread_t t;
	uint64_t base;

	w.fd = itest_open(ITEST_CARD);
	CHECK_EQ(pipe2(w.done, O_CLOEXEC), 0);
	base = ioctls_served(w.fd);
	CHECK_EQ(pthread_create(&t, NULL, blocking_waiter, &w), 0);
	wait_others(w.fd, base, 1); /* it is parked */
	for (int i = 0; i < 300; i++)
		other_ioctls(w.fd, true);
	CHECK(!readable(w.done[0])); /* still waiting: nothing woke it */
	CHECK_EQ(wake(w.fd, KEY), 1);
	itest_read(w.done[0], &r, sizeof(r));
	CHECK_EQ(r.ret, 0);
	CHECK_EQ(pthread_join(t, NULL), 0);
	CHECK_EQ(wake(w.fd, KEY), 0);
	close(w.done[0]);
	close(w.done[1]);
	CHECK_EQ(close(w.fd), 0);
	itest_check_device_clean();
}

static void child_waiter(void *arg)
{
	struct drm_fakedri_test_wait tw = { .key = (uint32_t)(uintptr_t)arg };
	int fd = itest_open(ITEST_RENDER);

	CHECK_EQ(drmIoctl(fd, DRM_IOCTL_FAKEDRI_TEST_WAIT, &tw), 0);
	CHECK_EQ(close(fd), 0);
}

/* A process waits on its own fd; other processes' calls go on. */
static void parked_call_does_not_stop_other_processes(void)
{
	int fd = itest_open(ITEST_CARD);
	uint64_t base = ioctls_served(fd);
	pid_t child = itest_fork(child_waiter, (void *)(uintptr_t)KEY);
	int status;

	wait_others(fd, base, 1); /* the child is parked */
	for (int i = 0; i < 300; i++)
		other_ioctls(fd, true);
	CHECK_EQ(waitpid(child, &status, WNOHANG), 0); /* still waiting */
	CHECK_EQ(wake(fd, KEY), 1);
	itest_wait_ok(child);
	CHECK_EQ(wake(fd, KEY), 0);
	CHECK_EQ(close(fd), 0);
	itest_check_device_clean();
}

/* --- signals --- */

struct sig_waiter {
	int fd;
	pid_t tid;
	int ready[2];    /* the waiter's tid */
	int result[2];   /* the waiter's wait_result per phase */
	int go[2];       /* the main thread lets it into the next phase */
	uint64_t deadline_ns;
};

static void *interrupted_waiter(void *arg)
{
	struct sig_waiter *w = arg;
	struct drm_fakedri_test_wait tw = { .key = KEY };
	struct wait_result r;
	pid_t tid = gettid();
	char c;

	itest_write(w->ready[1], &tid, sizeof(tid));
	/* phase 1: the raw call sees the signal */
	errno = 0;
	r.ret = ioctl(w->fd, DRM_IOCTL_FAKEDRI_TEST_WAIT, &tw);
	r.err = errno;
	itest_write(w->result[1], &r, sizeof(r));
	itest_read(w->go[0], &c, 1);
	/* phase 2: drmIoctl restarts it, the same absolute deadline each time */
	tw.deadline_ns = w->deadline_ns;
	errno = 0;
	r.ret = drmIoctl(w->fd, DRM_IOCTL_FAKEDRI_TEST_WAIT, &tw);
	r.err = errno;
	itest_write(w->result[1], &r, sizeof(r));
	return NULL;
}

/*
 * SIGALRM (no SA_RESTART) arrives while a thread waits: ioctl() returns
 * -1/EINTR, and nothing of the call stays parked in the daemon; drmIoctl()
 * with the same arguments restarts it after every signal, and a wake-up
 * after the signals stop completes it with 0. A cancel that left the old
 * request parked shows as a wake-up count above 1.
 */
static void sigalrm_during_parked_call_gives_eintr_then_drmioctl_restart_completes(void)
{
	struct sig_waiter w = { 0 };
	struct wait_result r;
	pthread_t t;
	uint64_t base;
	uint32_t n;
	int fired;

	install_alarm_handler();
	w.fd = itest_open(ITEST_RENDER);
	w.deadline_ns = (uint64_t)(now_ns() + 45 * 1000000000LL); /* far: ctest's timeout is 60 s */
	CHECK_EQ(pipe2(w.ready, O_CLOEXEC), 0);
	CHECK_EQ(pipe2(w.result, O_CLOEXEC), 0);
	CHECK_EQ(pipe2(w.go, O_CLOEXEC), 0);
	base = ioctls_served(w.fd);
	CHECK_EQ(pthread_create(&t, NULL, interrupted_waiter, &w), 0);
	itest_read(w.ready[0], &w.tid, sizeof(w.tid));
	wait_others(w.fd, base, 1); /* phase 1's call is parked */

	alarm_start(w.tid, 5 * 1000000L);
	itest_read(w.result[0], &r, sizeof(r));
	CHECK_EQ(r.ret, -1);
	CHECK_EQ(r.err, EINTR);
	CHECK(atomic_load(&sig_count) >= 1);
	/* the interrupted call is gone from the daemon */
	CHECK_EQ(wake(w.fd, KEY), 0);

	/* phase 2: three TEST_WAITs served means two restarts after EINTR */
	base = ioctls_served(w.fd);
	fired = atomic_load(&sig_count);
	itest_write(w.go[1], "g", 1);
	wait_others(w.fd, base, 3);
	drain_sig_pipe();
	wait_handler_runs(3); /* and signals keep coming */
	CHECK(!readable(w.result[0]));
	alarm_stop();
	/* the last restart parks for good now; wake it (possibly after a
	 * signal still in flight made one more restart) */
	while ((n = wake(w.fd, KEY)) == 0)
		;
	CHECK_EQ(n, 1);
	itest_read(w.result[0], &r, sizeof(r));
	CHECK_EQ(r.ret, 0);
	CHECK(atomic_load(&sig_count) >= fired + 3);
	CHECK_EQ(pthread_join(t, NULL), 0);
	CHECK_EQ(wake(w.fd, KEY), 0);
	CHECK_EQ(close(w.fd), 0);
	itest_check_device_clean();
}

#define ALARM_LIMIT 120 /* 2.4 s of 20 ms signals, then quiet */

static void on_alarm_limited(int sig)
{
	struct itimerspec off = { { 0, 0 }, { 0, 0 } };
	int err = errno;

	(void)sig;
	if (atomic_fetch_add(&sig_count, 1) + 1 >= ALARM_LIMIT)
		timer_settime(alarm_timer, 0, &off, NULL);
	errno = err;
}

/*
 * drmIoctl(TEST_WAIT, deadline now+200 ms) under a signal every 20 ms: each
 * restart sends the same absolute deadline, so the call ends with ETIME at
 * the deadline. A deadline made relative (or re-armed) at each restart
 * would never end while signals come; the signals stop after 2.4 s, so
 * such a call would return after deadline + 2 s and fail here.
 */
static void absolute_deadline_stays_absolute_across_restarts(void)
{
	struct sigaction sa;
	int fd = itest_open(ITEST_RENDER);
	int64_t deadline, end;
	uint64_t base;
	struct drm_fakedri_test_wait tw = { .key = KEY };
	int ret;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm_limited;
	sigemptyset(&sa.sa_mask);
	CHECK_EQ(sigaction(SIGALRM, &sa, NULL), 0);
	base = ioctls_served(fd);
	deadline = now_ns() + 200 * 1000000LL;
	tw.deadline_ns = (uint64_t)deadline;
	alarm_start(gettid(), 20 * 1000000L);
	errno = 0;
	ret = drmIoctl(fd, DRM_IOCTL_FAKEDRI_TEST_WAIT, &tw);
	CHECK_EQ(ret, -1);
	CHECK_EQ(errno, ETIME);
	end = now_ns();
	alarm_stop();
	CHECK(end >= deadline);
	if (end > deadline + 2 * 1000000000LL)
		itest_fail(__FILE__, __LINE__, "ETIME %lld ms after the deadline",
			   (long long)((end - deadline) / 1000000));
	CHECK(atomic_load(&sig_count) >= 5);
	/* it was restarted: more than one TEST_WAIT was served */
	CHECK(ioctls_served(fd) - base - 1 >= 2);
	CHECK_EQ(wake(fd, KEY), 0);
	CHECK_EQ(close(fd), 0);
	itest_check_device_clean();
}

/* --- cancel against completion --- */

#define CYCLES 1000

struct cycle_waiter {
	int fd;
	int go[2];       /* main -> waiter: start a cycle */
	int waited[2];   /* waiter -> main: the TEST_WAIT's wait_result */
	int done[2];     /* waiter -> main: the cycle's other calls checked */
};

static void *cycling_waiter(void *arg)
{
	struct cycle_waiter *w = arg;

	for (int i = 0; i < CYCLES; i++) {
		struct wait_result r;
		char c;

		itest_read(w->go[0], &c, 1);
		errno = 0;
		r.ret = raw_wait(w->fd, KEY, 0, 0);
		r.err = errno;
		itest_write(w->waited[1], &r, sizeof(r));
		/* at once, on the same fd: our own answers, nothing late */
		other_ioctls(w->fd, true);
		other_ioctls(w->fd, true);
		itest_write(w->done[1], "d", 1);
	}
	return NULL;
}

/* SIGALRM at thread t until it reports its wait's result */
static void interrupt_until_returned(pthread_t t, int waited_fd)
{
	for (;;) {
		struct pollfd p[2] = { { .fd = sig_pipe[0], .events = POLLIN },
				       { .fd = waited_fd, .events = POLLIN } };

		CHECK_EQ(pthread_kill(t, SIGALRM), 0);
		/* until the handler ran, or the wait returned */
		while (poll(p, 2, -1) < 0)
			CHECK(errno == EINTR);
		if (p[1].revents)
			return;
		drain_sig_pipe();
	}
}

/*
 * A thread's wait is interrupted (and, in two cycles of three, woken at
 * about the same moment, before or after the signal); at once it makes other calls on the same fd, which must get
 * their own answers, never the cancelled wait's late completion. A
 * TEST_WAKE then finds nothing parked. When the wake-up races the signal,
 * the wait returns 0 exactly when the wake-up counted it.
 */
static void late_completion_after_cancel_never_reaches_the_next_call(void)
{
	struct cycle_waiter w;
	pthread_t t;
	int completed = 0, woken = 0, interrupted = 0;

	install_alarm_handler();
	w.fd = itest_open(ITEST_CARD);
	CHECK_EQ(pipe2(w.go, O_CLOEXEC), 0);
	CHECK_EQ(pipe2(w.waited, O_CLOEXEC), 0);
	CHECK_EQ(pipe2(w.done, O_CLOEXEC), 0);
	CHECK_EQ(pthread_create(&t, NULL, cycling_waiter, &w), 0);
	for (int i = 0; i < CYCLES; i++) {
		int race = i % 3; /* 0: signal only; 1: signal, wake; 2: wake, signal */
		uint64_t base = ioctls_served(w.fd);
		struct wait_result r;
		uint32_t count = 0;
		char c;

		itest_write(w.go[1], "g", 1);
		wait_others(w.fd, base, 1); /* parked */
		drain_sig_pipe();
		if (race == 1) {
			CHECK_EQ(pthread_kill(t, SIGALRM), 0);
			count = wake(w.fd, KEY);
		} else if (race == 2) {
			count = wake(w.fd, KEY);
			CHECK_EQ(pthread_kill(t, SIGALRM), 0);
		}
		CHECK(count <= 1);
		woken += (int)count;
		interrupt_until_returned(t, w.waited[0]);
		itest_read(w.waited[0], &r, sizeof(r));
		if (r.ret == 0) {
			/* completed: only a wake-up that counted it may do that */
			CHECK_EQ(count, 1);
			completed++;
		} else {
			CHECK_EQ(r.ret, -1);
			CHECK_EQ(r.err, EINTR);
			CHECK_EQ(count, 0);
			interrupted++;
		}
		itest_read(w.done[0], &c, 1);
		/* the cancelled wait is gone */
		CHECK_EQ(wake(w.fd, KEY), 0);
		other_ioctls(w.fd, true);
	}
	CHECK_EQ(pthread_join(t, NULL), 0);
	CHECK_EQ(completed, woken);
	CHECK(interrupted >= CYCLES / 3);
	CHECK_EQ(close(w.fd), 0);
	itest_check_device_clean();
}

/* --- argument errors --- */

/* A deadline already passed fails at once, and parks nothing. */
static void wait_with_past_deadline_is_etime(void)
{
	int fd = itest_open(ITEST_RENDER);

	CHECK_ERR(raw_wait(fd, KEY, 1, 0), ETIME);
	CHECK_ERR(raw_wait(fd, KEY, (uint64_t)(now_ns() - 1000000), 0), ETIME);
	CHECK_ERR(raw_wait(fd, KEY, (uint64_t)now_ns(), 0), ETIME);
	CHECK_EQ(wake(fd, KEY), 0);
	CHECK_EQ(close(fd), 0);
	itest_check_device_clean();
}

/* Without signals the device's own timer ends the wait: ETIME, not
 * before the deadline, and not much after it. */
static void wait_with_future_deadline_is_etime_at_the_deadline(void)
{
	int fd = itest_open(ITEST_RENDER);
	int64_t deadline = now_ns() + 100 * 1000000LL, end;
	uint64_t base = ioctls_served(fd);

	CHECK_ERR(raw_wait(fd, KEY, (uint64_t)deadline, 0), ETIME);
	end = now_ns();
	CHECK(end >= deadline);
	if (end > deadline + 2 * 1000000000LL)
		itest_fail(__FILE__, __LINE__, "ETIME %lld ms after the deadline",
			   (long long)((end - deadline) / 1000000));
	CHECK_EQ(ioctls_served(fd) - base - 1, 1); /* one call, parked, no retry */
	CHECK_EQ(wake(fd, KEY), 0);
	CHECK_EQ(close(fd), 0);
	itest_check_device_clean();
}

/* Unknown flags fail at once: with a deadline 30 s away, a call that
 * parked anyway would give ETIME (after 30 s), not EINVAL. */
static void wait_with_bad_flags_is_einval(void)
{
	int fd = itest_open(ITEST_RENDER);
	uint64_t later = (uint64_t)(now_ns() + 30 * 1000000000LL);

	CHECK_ERR(raw_wait(fd, KEY, later, 1), EINVAL);
	CHECK_ERR(raw_wait(fd, KEY, later, 0x80000000u), EINVAL);
	CHECK_ERR(raw_wait(fd, KEY, 0, 2), EINVAL);
	CHECK_EQ(wake(fd, KEY), 0);
	CHECK_EQ(close(fd), 0);
	itest_check_device_clean();
}

int main(int argc, char **argv)
{
	static const struct itest_case cases[] = {
		{ "version_and_unique_from_eight_threads_are_never_mixed",
		  version_and_unique_from_eight_threads_are_never_mixed },
		{ "parked_call_does_not_stop_other_threads_on_the_same_fd",
		  parked_call_does_not_stop_other_threads_on_the_same_fd },
		{ "parked_call_does_not_stop_other_processes",
		  parked_call_does_not_stop_other_processes },
		{ "sigalrm_during_parked_call_gives_eintr_then_drmioctl_restart_completes",
		  sigalrm_during_parked_call_gives_eintr_then_drmioctl_restart_completes },
		{ "absolute_deadline_stays_absolute_across_restarts",
		  absolute_deadline_stays_absolute_across_restarts },
		{ "late_completion_after_cancel_never_reaches_the_next_call",
		  late_completion_after_cancel_never_reaches_the_next_call },
		{ "wait_with_past_deadline_is_etime", wait_with_past_deadline_is_etime },
		{ "signals_never_interrupt_calls_that_do_not_wait",
		  signals_never_interrupt_calls_that_do_not_wait },
		{ "wait_with_bad_flags_is_einval", wait_with_bad_flags_is_einval },
		{ "wait_with_future_deadline_is_etime_at_the_deadline",
		  wait_with_future_deadline_is_etime_at_the_deadline },
		{ NULL, NULL },
	};

	return itest_main(argc, argv, cases);
}
