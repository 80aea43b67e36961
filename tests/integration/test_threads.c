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

int main(int argc, char **argv)
{
	static const struct itest_case cases[] = {
		{ "concurrent_ioctls_on_one_fd_all_succeed", concurrent_ioctls_on_one_fd_all_succeed },
		{ NULL, NULL },
	};

	return itest_main(argc, argv, cases);
}
