/*
 * test_fork_exec.c - a device fd inherited over fork() and exec() is the
 * same DRM file: same handles, and a handle closed in the child is gone
 * in the parent; a fd kept across exec() works in the new image.
 */
#define _GNU_SOURCE
#include "itest.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

struct shared {
	int fd;
	uint32_t handle;
	uint64_t id;
};

static void close_parents_handle(void *arg)
{
	struct shared *s = arg;
	struct drm_fakedri_gem_info info;
	drmVersionPtr v = drmGetVersion(s->fd);

	CHECK(v);
	CHECK_STR(v->name, "fakedri");
	drmFreeVersion(v);
	itest_gem_info(s->fd, s->handle, &info); /* the parent's handle, here */
	CHECK_EQ(info.id, s->id);
	itest_gem_close(s->fd, s->handle);
}

static void forked_child_shares_drm_file(void)
{
	struct drm_fakedri_gem_info info;
	struct drm_gem_close cl = { 0 };
	struct shared s;
	uint32_t other;

	s.fd = itest_open(ITEST_CARD);
	s.handle = itest_gem_create(s.fd, 8192);
	other = itest_gem_create(s.fd, 4096);
	itest_gem_info(s.fd, s.handle, &info);
	s.id = info.id;

	itest_wait_ok(itest_fork(close_parents_handle, &s));

	cl.handle = s.handle;
	CHECK_ERR(drmIoctl(s.fd, DRM_IOCTL_GEM_CLOSE, &cl), EINVAL);
	itest_gem_info(s.fd, other, &info); /* the file itself lives on */
	itest_gem_close(s.fd, other);
	CHECK_EQ(close(s.fd), 0);
	itest_check_device_clean();
}

/* the new image: argv[2] is the inherited fd number, argv[3] absent */
static void exec_image(void)
{
	struct drm_fakedri_gem_info info;
	drmVersionPtr v;
	struct stat st;
	char *end;
	int fd = (int)strtol(itest_argv[2], &end, 10);
	uint32_t handle = (uint32_t)strtoul(end + 1, NULL, 10);

	CHECK(*end == ':');
	v = drmGetVersion(fd);
	CHECK(v);
	CHECK_STR(v->name, "fakedri");
	drmFreeVersion(v);
	CHECK_EQ(fstat(fd, &st), 0);
	CHECK(S_ISCHR(st.st_mode));
	CHECK_EQ(major(st.st_rdev), 226);
	CHECK_EQ(minor(st.st_rdev), 0);
	CHECK_EQ(drmGetNodeTypeFromFd(fd), DRM_NODE_PRIMARY);
	itest_gem_info(fd, handle, &info); /* the handle made before exec */
	CHECK_EQ(info.size, 4096);
	itest_gem_close(fd, handle);
}

static void run_exec_image(void *arg)
{
	itest_exec_self("exec_image", arg);
}

static void device_fd_survives_exec(void)
{
	struct drm_gem_close cl = { 0 };
	char arg[32];
	int fd = open(ITEST_CARD, O_RDWR); /* no O_CLOEXEC */
	uint32_t handle;

	CHECK(fd >= 0);
	handle = itest_gem_create(fd, 4096);
	snprintf(arg, sizeof(arg), "%d:%u", fd, handle);
	itest_wait_ok(itest_fork(run_exec_image, arg));
	/* the exec'd image closed the handle in the shared file */
	cl.handle = handle;
	CHECK_ERR(drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &cl), EINVAL);
	CHECK_EQ(close(fd), 0);
	itest_check_device_clean();
}

static void cloexec_device_fd_is_closed_by_exec_image(void)
{
	char *end;
	int fd = (int)strtol(itest_argv[2], &end, 10);

	CHECK_ERR(fcntl(fd, F_GETFD), EBADF);
}

static void run_cloexec_image(void *arg)
{
	itest_exec_self("cloexec_image", arg);
}

static void cloexec_device_fd_does_not_survive_exec(void)
{
	char arg[32];
	int fd = itest_open(ITEST_CARD); /* O_CLOEXEC */

	snprintf(arg, sizeof(arg), "%d", fd);
	itest_wait_ok(itest_fork(run_cloexec_image, arg));
	CHECK_EQ(close(fd), 0);
	itest_check_device_clean();
}

int main(int argc, char **argv)
{
	static const struct itest_case cases[] = {
		{ "forked_child_shares_drm_file", forked_child_shares_drm_file },
		{ "device_fd_survives_exec", device_fd_survives_exec },
		{ "cloexec_device_fd_does_not_survive_exec", cloexec_device_fd_does_not_survive_exec },
		{ "exec_image", exec_image },
		{ "cloexec_image", cloexec_device_fd_is_closed_by_exec_image },
		{ NULL, NULL },
	};

	return itest_main(argc, argv, cases);
}
