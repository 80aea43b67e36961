/*
 * test_lifetime.c - device-wide leak check: after a process has used every
 * kind of state (files on all nodes, dups, dumb and GEM objects, flink
 * names, exports, imports, GEM and dma-buf mappings) and closed it all,
 * DEVICE_STATS from a fresh fd shows nothing left.
 */
#define _GNU_SOURCE
#include "itest.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static void device_is_clean_after_everything_closes(void)
{
	struct drm_fakedri_device_stats st;
	struct drm_gem_flink fl = { 0 };
	struct drm_gem_open op = { 0 };
	int card = itest_open(ITEST_CARD), card2 = itest_open(ITEST_ALIAS);
	int render = itest_open(ITEST_RENDER), dup_card = dup(card), buf = -1, buf2 = -1, fresh;
	uint32_t dumb, gem, imported;
	uint64_t size;
	void *m1, *m2, *m3;

	CHECK(dup_card >= 0);
	dumb = itest_dumb_create(card, 128, 64, &size);
	gem = itest_gem_create(render, 3 * 4096);
	m1 = itest_dumb_map(card, dumb, size);
	itest_fill(m1, size, 1);

	fl.handle = dumb;
	CHECK_EQ(drmIoctl(dup_card, DRM_IOCTL_GEM_FLINK, &fl), 0);
	op.name = fl.name;
	CHECK_EQ(drmIoctl(card2, DRM_IOCTL_GEM_OPEN, &op), 0);

	CHECK_EQ(drmPrimeHandleToFD(card, dumb, DRM_CLOEXEC | DRM_RDWR, &buf), 0);
	CHECK_EQ(drmPrimeFDToHandle(render, buf, &imported), 0);
	m2 = itest_gem_map(render, imported, size);
	CHECK(itest_verify(m2, size, 1));
	CHECK_EQ(drmPrimeHandleToFD(render, gem, DRM_CLOEXEC, &buf2), 0);
	m3 = mmap(NULL, 3 * 4096, PROT_READ, MAP_SHARED, buf2, 0);
	CHECK(m3 != MAP_FAILED);

	itest_stats(render, &st);
	CHECK_EQ(st.files, 3);
	CHECK_EQ(st.objects, 2);
	CHECK_EQ(st.dmabufs, 2);
	CHECK_EQ(st.backed_bytes, size + 3 * 4096);

	/* close in an order unlike the creation order, fds before handles */
	CHECK_EQ(close(buf), 0);
	CHECK_EQ(close(card), 0);      /* dup_card keeps the file */
	CHECK_EQ(munmap(m1, size), 0);
	CHECK_EQ(close(render), 0);
	CHECK_EQ(munmap(m2, size), 0);
	CHECK_EQ(close(buf2), 0);
	CHECK_EQ(munmap(m3, 3 * 4096), 0);
	CHECK_EQ(close(card2), 0);
	fresh = itest_open(ITEST_RENDER); /* see itest_check_device_clean() */
	itest_stats(fresh, &st);
	CHECK_EQ(st.files, 2);
	CHECK_EQ(st.objects, 1);       /* dumb, by its handle in dup_card's file */
	CHECK_EQ(close(fresh), 0);
	CHECK_EQ(close(dup_card), 0);
	itest_check_device_clean();
}

/* The kernel releases a file inside the last close(): the very next ioctl,
 * even on a file opened long before, sees it gone. Many rounds, because a
 * wrong order in the daemon only shows up now and then. */
static void close_releases_file_before_next_ioctl(void)
{
	struct drm_fakedri_device_stats st;
	int observer = itest_open(ITEST_RENDER);

	for (int i = 0; i < 200; i++) {
		int fd = itest_open(ITEST_CARD);

		itest_dumb_create(fd, 16, 16, NULL);
		itest_stats(observer, &st);
		CHECK_EQ(st.files, 2);
		CHECK_EQ(st.objects, 1);
		CHECK_EQ(close(fd), 0);
		itest_stats(observer, &st);
		CHECK_EQ(st.files, 1);
		CHECK_EQ(st.objects, 0);
	}
	CHECK_EQ(close(observer), 0);
}

/* Likewise for a client that dies: once waitpid() has returned, its files
 * are released. */
static void killed_child_is_released_before_parent_next_ioctl(void *arg)
{
	int *pipefd = arg, fd = itest_open(ITEST_CARD);
	char c = 1;

	itest_dumb_create(fd, 16, 16, NULL);
	itest_write(pipefd[1], &c, 1);
	for (;;)
		pause();
}

static void dead_client_released_before_next_ioctl(void)
{
	struct drm_fakedri_device_stats st;
	int observer = itest_open(ITEST_RENDER);

	for (int i = 0; i < 50; i++) {
		int p[2], status;
		char c;
		pid_t pid;

		CHECK_EQ(pipe(p), 0);
		pid = itest_fork(killed_child_is_released_before_parent_next_ioctl, p);
		itest_read(p[0], &c, 1);
		CHECK_EQ(kill(pid, SIGKILL), 0);
		status = itest_wait(pid);
		CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		itest_stats(observer, &st);
		CHECK_EQ(st.files, 1);
		CHECK_EQ(st.objects, 0);
		close(p[0]);
		close(p[1]);
	}
	CHECK_EQ(close(observer), 0);
}

int main(int argc, char **argv)
{
	static const struct itest_case cases[] = {
		{ "device_is_clean_after_everything_closes", device_is_clean_after_everything_closes },
		{ "close_releases_file_before_next_ioctl", close_releases_file_before_next_ioctl },
		{ "dead_client_released_before_next_ioctl", dead_client_released_before_next_ioctl },
		{ NULL, NULL },
	};

	return itest_main(argc, argv, cases);
}
