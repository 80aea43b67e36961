/*
 * test_threads.c - threads of one process issuing ioctls on one device fd
 * at the same time: every call gets its own answer.
 * (A thread blocked in an ioctl is not tested: no blocking ioctl exists yet.)
 */
#define _GNU_SOURCE
#include "itest.h"

#include <pthread.h>
#include <unistd.h>

#define NTHREADS 4
#define ROUNDS 300

static int dev_fd;
static pthread_barrier_t start;

static void *worker(void *arg)
{
	uint64_t size = 4096 * (uint64_t)(1 + (uintptr_t)arg);

	pthread_barrier_wait(&start);
	for (int i = 0; i < ROUNDS; i++) {
		struct drm_fakedri_gem_info info;
		struct drm_get_cap cap = { .capability = DRM_CAP_PRIME };
		uint32_t h = itest_gem_create(dev_fd, size);

		itest_gem_info(dev_fd, h, &info);
		CHECK_EQ(info.size, size); /* our object, not another thread's */
		CHECK_EQ(info.handle_count, 1);
		CHECK_EQ(drmIoctl(dev_fd, DRM_IOCTL_GET_CAP, &cap), 0);
		CHECK_EQ(cap.value, DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT);
		itest_gem_close(dev_fd, h);
	}
	return NULL;
}

static void concurrent_ioctls_on_one_fd_all_succeed(void)
{
	struct drm_fakedri_device_stats st;
	pthread_t t[NTHREADS];

	dev_fd = itest_open(ITEST_RENDER);
	CHECK_EQ(pthread_barrier_init(&start, NULL, NTHREADS), 0);
	for (uintptr_t i = 0; i < NTHREADS; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, worker, (void *)i), 0);
	for (int i = 0; i < NTHREADS; i++)
		CHECK_EQ(pthread_join(t[i], NULL), 0);
	itest_stats(dev_fd, &st);
	CHECK_EQ(st.objects, 0);
	CHECK(st.ioctls >= NTHREADS * ROUNDS * 4);
	close(dev_fd);
	itest_check_device_clean();
}

/* Children forked while other threads are in ioctls on the same fd: the
 * children use the inherited fd at once, and nobody ever gets somebody
 * else's reply (each process has its own channels; a child drops the
 * parent's at fork). */
static volatile int stop_workers;

static void *busy_worker(void *arg)
{
	uint64_t size = 4096 * (uint64_t)(1 + (uintptr_t)arg);

	while (!stop_workers) {
		struct drm_fakedri_gem_info info;
		uint32_t h = itest_gem_create(dev_fd, size);

		itest_gem_info(dev_fd, h, &info);
		CHECK_EQ(info.size, size);
		itest_gem_close(dev_fd, h);
	}
	return NULL;
}

static void forked_child(void *arg)
{
	uint32_t h = (uint32_t)(uintptr_t)arg;
	struct drm_fakedri_gem_info info;

	for (int i = 0; i < 20; i++) {
		uint32_t mine = itest_gem_create(dev_fd, 7 * 4096);

		itest_gem_info(dev_fd, h, &info);   /* the parent's object */
		CHECK_EQ(info.size, 5 * 4096);
		itest_gem_info(dev_fd, mine, &info);
		CHECK_EQ(info.size, 7 * 4096);
		itest_gem_close(dev_fd, mine);
	}
}

static void fork_during_ioctls_keeps_replies_apart(void)
{
	pthread_t t[2];
	uint32_t h;

	dev_fd = itest_open(ITEST_RENDER);
	h = itest_gem_create(dev_fd, 5 * 4096);
	for (uintptr_t i = 0; i < 2; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, busy_worker, (void *)i), 0);
	for (int i = 0; i < 30; i++)
		itest_wait_ok(itest_fork(forked_child, (void *)(uintptr_t)h));
	stop_workers = 1;
	for (int i = 0; i < 2; i++)
		CHECK_EQ(pthread_join(t[i], NULL), 0);
	itest_gem_close(dev_fd, h);
	close(dev_fd);
	itest_check_device_clean();
}

int main(int argc, char **argv)
{
	static const struct itest_case cases[] = {
		{ "concurrent_ioctls_on_one_fd_all_succeed", concurrent_ioctls_on_one_fd_all_succeed },
		{ "fork_during_ioctls_keeps_replies_apart", fork_during_ioctls_keeps_replies_apart },
		{ NULL, NULL },
	};

	return itest_main(argc, argv, cases);
}
