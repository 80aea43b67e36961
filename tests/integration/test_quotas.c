/*
 * test_quotas.c - per-process quotas (docs/quotas.md) with real processes
 * and libdrm, under `fakedri run --limit ...` (see CMakeLists.txt): a
 * flooding process reaches each of its limits and gets the kernel's errno
 * for the call, while another process's GET_CAP latency (the median of
 * many calls) stays within twice what it was before the flood, when the
 * same process made as many harmless calls. And a
 * forged buffer (a memfd named like fakedri's, without F_SEAL_SEAL) is not
 * taken for a dma-buf.
 */
#define _GNU_SOURCE
#include "itest.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xf86drmMode.h>

#include "fakedri_drm.h"

/* as RUN_ARGS in CMakeLists.txt */
#define FILES 4
#define HANDLES 2000
#define DMABUFS 64
#define MEMORY (64u << 20)
#define PARKED 4
#define CHANNELS_SMALL 8   /* the quotas_channels run */

#define SAMPLES 3001
/* rounds of (baseline, flood): one within 2x passes, as a machine shared
 * with other work can slow a whole round down */
#define ROUNDS 3

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int64_t get_cap_ns(int fd)
{
	uint64_t v;
	int64_t t = now_ns();

	CHECK_EQ(drmGetCap(fd, DRM_CAP_DUMB_BUFFER, &v), 0);
	return now_ns() - t;
}

static int64_t median(int64_t *s, int n)
{
	qsort(s, (size_t)n, sizeof(*s), cmp64);
	return s[n / 2];
}

static int gem_create(int fd, uint64_t size, uint32_t *handle)
{
	struct drm_fakedri_gem_create c = { .size = size };
	int ret = drmIoctl(fd, DRM_IOCTL_FAKEDRI_GEM_CREATE, &c);

	*handle = c.handle;
	return ret;
}

static int test_wait(int fd, uint32_t key, int64_t deadline)
{
	struct drm_fakedri_test_wait w = { .deadline_ns = (uint64_t)deadline, .key = key };

	return drmIoctl(fd, DRM_IOCTL_FAKEDRI_TEST_WAIT, &w);
}

static uint32_t test_wake(int fd, uint32_t key)
{
	struct drm_fakedri_test_wake w = { .key = key };

	CHECK_EQ(drmIoctl(fd, DRM_IOCTL_FAKEDRI_TEST_WAKE, &w), 0);
	return w.count;
}

/* --- the measuring process --- */

struct meter {
	int to_flood, from_flood; /* pipes */
};

/* Baseline median, "b"; then samples while the flood runs, "d" after
 * SAMPLES of them; then both medians. */
static void meter_run(void *arg)
{
	struct meter *m = arg;
	static int64_t s[SAMPLES];
	int64_t res[2];
	int fd = itest_open(ITEST_RENDER);
	char c;

	for (int round = 0; round < ROUNDS; round++) {
		for (int i = 0; i < SAMPLES; i++)
			s[i] = get_cap_ns(fd);
		res[0] = median(s, SAMPLES);
		itest_write(m->to_flood, "b", 1);
		itest_read(m->from_flood, &c, 1);     /* the flood has begun */
		for (int i = 0; i < SAMPLES; i++)
			s[i] = get_cap_ns(fd);
		res[1] = median(s, SAMPLES);
		itest_write(m->to_flood, "d", 1);
		itest_write(m->to_flood, res, sizeof(res));
	}
	close(fd);
}

static bool meter_done(int from_meter)
{
	struct pollfd p = { .fd = from_meter, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

/* --- parked waits in threads --- */

static atomic_int refused_so_far;

struct waiter {
	pthread_t th;
	int fd;
	int ret, err;
	bool retry_enomem;
};

static void *waiter_run(void *arg)
{
	struct waiter *w = arg;

	do {
		w->ret = test_wait(w->fd, 7, now_ns() + 20ll * 1000000000);
		w->err = errno;
		/* the quota can be full of park_until_full()'s probes for a moment */
	} while (w->retry_enomem && w->ret == -1 && w->err == ENOMEM);
	if (w->ret == -1 && w->err == EMFILE)
		atomic_fetch_add(&refused_so_far, 1);
	return NULL;
}

/* Parks @n waits on @fd and returns once all of them are parked: a
 * further wait with a short deadline then finds the quota full. */
static void park_until_full(int fd, struct waiter *w, int n)
{
	int64_t give_up = now_ns() + 10ll * 1000000000;

	for (int i = 0; i < n; i++) {
		w[i] = (struct waiter){ .fd = fd, .retry_enomem = true };
		CHECK_EQ(pthread_create(&w[i].th, NULL, waiter_run, &w[i]), 0);
	}
	for (;;) {
		/* parks for 1 ms (ETIME) while there is room, ENOMEM once full */
		int ret = test_wait(fd, 8, now_ns() + 1000000);

		if (ret == -1 && errno == ENOMEM)
			break;
		CHECK(ret == -1 && errno == ETIME);
		CHECK(now_ns() < give_up);
	}
}

static void flood_phases(int from_meter, bool *stop)
{
	static uint32_t h[HANDLES + 1];
	int files[FILES + 1], card, buf[DMABUFS + 1], nh = 0, n, fd;
	struct waiter w[PARKED];
	uint32_t x, name, pitch;
	uint64_t size;

	/* files: the card node (master, for flink) and render nodes */
	card = itest_open(ITEST_CARD);
	files[0] = card;
	for (n = 1; n < FILES; n++)
		files[n] = itest_open(ITEST_RENDER);
	CHECK_ERR(open(ITEST_RENDER, O_RDWR | O_CLOEXEC), EMFILE);
	CHECK_ERR(open(ITEST_CARD, O_RDWR | O_CLOEXEC), EMFILE);

	/* handles: counted over all the process's files */
	while (nh < HANDLES + 1 && gem_create(files[nh % FILES], 4096, &h[nh]) == 0)
		nh++;
	CHECK_EQ(errno, ENOSPC);
	CHECK_EQ(nh, HANDLES);
	CHECK_EQ(drmModeCreateDumbBuffer(card, 16, 16, 32, 0, &x, &pitch, &size), -ENOSPC);
	/* room for one: flink it, export it; then full again */
	CHECK_EQ(drmCloseBufferHandle(files[0], h[0]), 0);
	CHECK_EQ(gem_create(card, 4096, &h[0]), 0);
	{
		struct drm_gem_flink fl = { .handle = h[0] };
		struct drm_gem_open op = { 0 };

		CHECK_EQ(drmIoctl(card, DRM_IOCTL_GEM_FLINK, &fl), 0);
		name = fl.name;
		op.name = name;
		CHECK_ERR(drmIoctl(card, DRM_IOCTL_GEM_OPEN, &op), ENOSPC);
	}
	CHECK_EQ(drmPrimeHandleToFD(card, h[0], DRM_CLOEXEC, &buf[0]), 0);
	CHECK_ERR(drmPrimeFDToHandle(files[1], buf[0], &x), ENOSPC);
	CHECK_EQ(close(buf[0]), 0);
	for (int i = 0; i < nh; i++)
		CHECK_EQ(drmCloseBufferHandle(files[i % FILES], h[i]), 0);
	nh = 0;
	if (*stop || meter_done(from_meter))
		*stop = true;

	/* memory: objects of 1 MiB until ENOMEM */
	fd = files[1];
	while (nh < HANDLES && gem_create(fd, 1 << 20, &h[nh]) == 0)
		nh++;
	CHECK_EQ(errno, ENOMEM);
	CHECK_EQ(nh, MEMORY >> 20);
	for (int i = 0; i < nh; i++)
		CHECK_EQ(drmCloseBufferHandle(fd, h[i]), 0);
	nh = 0;

	/* dma-bufs: each export is a daemon fd */
	for (n = 0; n <= DMABUFS; n++) {
		CHECK_EQ(gem_create(fd, 4096, &h[n]), 0);
		if (drmPrimeHandleToFD(fd, h[n], DRM_CLOEXEC, &buf[n]))
			break;
	}
	CHECK_EQ(errno, EMFILE);
	CHECK_EQ(n, DMABUFS);
	for (int i = 0; i <= n; i++)
		CHECK_EQ(drmCloseBufferHandle(fd, h[i]), 0);
	for (int i = 0; i < n; i++)
		CHECK_EQ(close(buf[i]), 0);
	/* the daemon's fds went with the handles: room again */
	CHECK_EQ(gem_create(fd, 4096, &h[0]), 0);
	CHECK_EQ(drmPrimeHandleToFD(fd, h[0], DRM_CLOEXEC, &buf[0]), 0);
	CHECK_EQ(close(buf[0]), 0);
	CHECK_EQ(drmCloseBufferHandle(fd, h[0]), 0);

	/* parked: ENOMEM, which drmIoctl does not retry (EAGAIN it would) */
	park_until_full(fd, w, PARKED);
	CHECK_ERR(test_wait(fd, 9, 0), ENOMEM);
	CHECK_EQ(test_wake(fd, 7), PARKED);
	for (int i = 0; i < PARKED; i++) {
		CHECK_EQ(pthread_join(w[i].th, NULL), 0);
		CHECK_EQ(w[i].ret, 0);
	}

	for (n = 0; n < FILES; n++)
		CHECK_EQ(close(files[n]), 0);
}

/* The flood keeps going at its handle limit until the meter is done. */
static void flood_at_limit(int from_meter)
{
	static uint32_t h[HANDLES];
	int fd = itest_open(ITEST_RENDER), nh = 0;
	uint32_t x;

	while (nh < HANDLES && gem_create(fd, 4096, &h[nh]) == 0)
		nh++;
	CHECK_EQ(nh, HANDLES);
	while (!meter_done(from_meter)) {
		CHECK_EQ(gem_create(fd, 4096, &x), -1);
		CHECK_EQ(errno, ENOSPC);
	}
	for (int i = 0; i < nh; i++)
		CHECK_EQ(drmCloseBufferHandle(fd, h[i]), 0);
	CHECK_EQ(close(fd), 0);
}

static void flood_reaches_each_limit_while_others_stay_fast(void)
{
	int to_flood[2], from_flood[2];
	struct meter m;
	int64_t res[2];
	bool stop = false, ok = false;
	int busy;
	pid_t pid;
	char c;

	CHECK_EQ(pipe2(to_flood, O_CLOEXEC), 0);
	CHECK_EQ(pipe2(from_flood, O_CLOEXEC), 0);
	m = (struct meter){ .to_flood = to_flood[1], .from_flood = from_flood[0] };
	pid = itest_fork(meter_run, &m);
	for (int round = 0; round < ROUNDS; round++) {
		/* the baseline is taken while this process keeps the daemon and
		 * the CPUs as busy as the flood will, with harmless calls: on a
		 * machine of two CPUs the meter's latency is otherwise mostly the
		 * scheduler's */
		busy = itest_open(ITEST_RENDER);
		while (!meter_done(to_flood[0]))
			(void)get_cap_ns(busy);
		CHECK_EQ(close(busy), 0);
		itest_read(to_flood[0], &c, 1);
		CHECK_EQ(c, 'b');
		itest_write(from_flood[1], "g", 1);
		if (round == 0)
			flood_phases(to_flood[0], &stop);
		flood_at_limit(to_flood[0]);
		itest_read(to_flood[0], &c, 1);
		CHECK_EQ(c, 'd');
		itest_read(to_flood[0], res, sizeof(res));
		fprintf(stderr, "GET_CAP median: %lld ns before, %lld ns during the flood\n",
			(long long)res[0], (long long)res[1]);
		if (res[1] <= 2 * res[0])
			ok = true;
	}
	itest_wait_ok(pid);
	CHECK(ok);
	itest_check_device_clean();
}

/* --- channels (the quotas_channels run: channels=8, parked=64) --- */

/* Another process, not limited by the first one's channels: it opens,
 * and wakes the waiters as they park until @n were woken. */
static void waker_run(void *arg)
{
	int *go = arg, other;
	uint32_t woken = 0;
	int64_t give_up;
	uint64_t v;
	char c;

	itest_read(go[0], &c, 1);
	other = itest_open(ITEST_RENDER);
	CHECK_EQ(drmGetCap(other, DRM_CAP_DUMB_BUFFER, &v), 0);
	give_up = now_ns() + 10ll * 1000000000;
	while (woken < (uint32_t)CHANNELS_SMALL - 1 && now_ns() < give_up)
		woken += test_wake(other, 7);
	CHECK_EQ(woken, CHANNELS_SMALL - 1);
	CHECK_EQ(close(other), 0);
}

static void channel_past_limit_is_emfile(void)
{
	int fd = itest_open(ITEST_RENDER), parked = 0, refused = 0, go[2];
	/* the connection is 1 socket: 7 channels, the first the idle HELLO one */
	struct waiter w[CHANNELS_SMALL + 4];
	int n = CHANNELS_SMALL + 4;
	int64_t give_up;
	pid_t pid;

	/* forked before the threads exist */
	CHECK_EQ(pipe2(go, O_CLOEXEC), 0);
	pid = itest_fork(waker_run, go);
	for (int i = 0; i < n; i++) {
		w[i] = (struct waiter){ .fd = fd };
		CHECK_EQ(pthread_create(&w[i].th, NULL, waiter_run, &w[i]), 0);
	}
	/* wake only once every thread past the quota was refused: a woken
	 * thread's channel would serve a later one */
	give_up = now_ns() + 10ll * 1000000000;
	while (atomic_load(&refused_so_far) < n - (CHANNELS_SMALL - 1) && now_ns() < give_up)
		sched_yield();
	CHECK_EQ(atomic_load(&refused_so_far), n - (CHANNELS_SMALL - 1));
	itest_write(go[1], "g", 1);
	itest_wait_ok(pid);
	for (int i = 0; i < n; i++) {
		CHECK_EQ(pthread_join(w[i].th, NULL), 0);
		if (w[i].ret == 0)
			parked++;
		else if (w[i].err == EMFILE)
			refused++;
		else
			CHECK_EQ(w[i].err, EMFILE);
	}
	/* each thread that found no idle channel made one; those past the
	 * quota were refused */
	CHECK_EQ(parked, CHANNELS_SMALL - 1);
	CHECK_EQ(refused, n - parked);
	CHECK_EQ(close(go[0]), 0);
	CHECK_EQ(close(go[1]), 0);
	CHECK_EQ(close(fd), 0);
	itest_check_device_clean();
}

/* --- forged buffers --- */

static void forged_memfd_is_einval_genuine_dmabuf_imports(void)
{
	int fd = itest_open(ITEST_RENDER), mfd, buf;
	uint32_t h, h2 = 0;
	char name[256];
	struct drm_fakedri_gem_info info;

	/* a genuine one first, to learn the instance part of the name */
	h = itest_gem_create(fd, 4096);
	CHECK_EQ(drmPrimeHandleToFD(fd, h, DRM_CLOEXEC | DRM_RDWR, &buf), 0);
	{
		char path[64], link[256];
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", buf);
		n = readlink(path, link, sizeof(link) - 1);
		CHECK(n > 0);
		link[n] = '\0';
		CHECK(!strncmp(link, "/memfd:fakedri-bo:", 18));
		snprintf(name, sizeof(name), "%s", link + strlen("/memfd:"));
		/* the daemon's own buffers carry F_SEAL_SEAL */
		CHECK(fcntl(buf, F_GET_SEALS) & F_SEAL_SEAL);
	}
	mfd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	CHECK(mfd >= 0);
	CHECK_EQ(ftruncate(mfd, 4096), 0);
	CHECK_EQ(fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW), 0);
	/* it could still be sealed against writes later: not a dma-buf */
	CHECK_ERR(drmPrimeFDToHandle(fd, mfd, &h2), EINVAL);
	/* nor once sealed against writes */
	CHECK_EQ(fcntl(mfd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE | F_SEAL_SEAL), 0);
	CHECK_ERR(drmPrimeFDToHandle(fd, mfd, &h2), EINVAL);
	CHECK_EQ(h2, 0);
	/* the genuine one still imports: itself, in the exporting file */
	CHECK_EQ(drmPrimeFDToHandle(fd, buf, &h2), 0);
	CHECK_EQ(h2, h);
	itest_gem_close(fd, h);
	/* and once the daemon forgot it, it is recognised and wrapped again */
	CHECK_EQ(drmPrimeFDToHandle(fd, buf, &h2), 0);
	itest_gem_info(fd, h2, &info);
	itest_gem_close(fd, h2);
	CHECK_EQ(close(mfd), 0);
	CHECK_EQ(close(buf), 0);
	CHECK_EQ(close(fd), 0);
	itest_check_device_clean();
}

int main(int argc, char **argv)
{
	static const struct itest_case cases[] = {
		{ "flood_reaches_each_limit_while_others_stay_fast",
		  flood_reaches_each_limit_while_others_stay_fast },
		{ "channel_past_limit_is_emfile", channel_past_limit_is_emfile },
		{ "forged_memfd_is_einval_genuine_dmabuf_imports",
		  forged_memfd_is_einval_genuine_dmabuf_imports },
		{ NULL, NULL },
	};

	return itest_main(argc, argv, cases);
}
