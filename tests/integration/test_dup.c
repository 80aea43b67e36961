/*
 * test_dup.c - dup2() of a device fd: both fds are one DRM file, and the
 * file outlives the fd it was opened as.
 */
#define _GNU_SOURCE
#include "itest.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#define SEED 0xd00d

static void dup2_fd_shares_handles(void)
{
	struct drm_fakedri_device_stats st;
	struct drm_fakedri_gem_info a, b;
	struct drm_gem_close cl = { 0 };
	int fd = itest_open(ITEST_CARD), fd2 = 100;
	uint32_t handle;

	CHECK_EQ(dup2(fd, fd2), fd2);
	handle = itest_gem_create(fd, 4096);
	itest_gem_info(fd, handle, &a);
	itest_gem_info(fd2, handle, &b);
	CHECK_EQ(a.id, b.id);
	itest_stats(fd2, &st);
	CHECK_EQ(st.files, 1); /* one file behind two fds */
	itest_gem_close(fd2, handle);
	cl.handle = handle;
	CHECK_ERR(drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &cl), EINVAL);
	CHECK_EQ(close(fd), 0);
	CHECK_EQ(close(fd2), 0);
	itest_check_device_clean();
}

static void drm_file_survives_closing_original_fd(void)
{
	struct drm_fakedri_device_stats st;
	struct drm_fakedri_gem_info info;
	int fd = itest_open(ITEST_CARD), fd2 = 101;
	uint32_t handle;
	uint64_t size;
	void *p;
	drmVersionPtr v;

	handle = itest_dumb_create(fd, 16, 16, &size);
	p = itest_dumb_map(fd, handle, size);
	itest_fill(p, size, SEED);
	CHECK_EQ(munmap(p, size), 0);
	CHECK_EQ(dup2(fd, fd2), fd2);
	CHECK_EQ(close(fd), 0);

	v = drmGetVersion(fd2);
	CHECK(v);
	CHECK_STR(v->name, "fakedri");
	drmFreeVersion(v);
	itest_gem_info(fd2, handle, &info);
	CHECK_EQ(info.size, size);
	p = itest_dumb_map(fd2, handle, size);
	CHECK(itest_verify(p, size, SEED));
	CHECK_EQ(munmap(p, size), 0);
	itest_stats(fd2, &st);
	CHECK_EQ(st.files, 1);
	CHECK_EQ(st.objects, 1);
	CHECK_EQ(close(fd2), 0);
	itest_check_device_clean(); /* the last close released the handle */
}

int main(int argc, char **argv)
{
	static const struct itest_case cases[] = {
		{ "dup2_fd_shares_handles", dup2_fd_shares_handles },
		{ "drm_file_survives_closing_original_fd", drm_file_survives_closing_original_fd },
		{ NULL, NULL },
	};

	return itest_main(argc, argv, cases);
}
