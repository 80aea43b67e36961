/*
 * itest.c - the integration harness (see itest.h): failure reporting, case
 * dispatch, child processes, fd passing and DRM helpers.
 */
#define _GNU_SOURCE
#include "itest.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int itest_argc;
char **itest_argv;

void itest_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: [pid %d] ", file, line, (int)getpid());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(NULL);
	_exit(1);
}

int itest_main(int argc, char **argv, const struct itest_case *cases)
{
	itest_argc = argc;
	itest_argv = argv;
	if (argc < 2) {
		fprintf(stderr, "usage: %s CASE [ARG]\ncases:\n", argv[0]);
		for (const struct itest_case *c = cases; c->name; c++)
			fprintf(stderr, "  %s\n", c->name);
		return 2;
	}
	for (const struct itest_case *c = cases; c->name; c++) {
		if (strcmp(c->name, argv[1]))
			continue;
		c->run();
		fflush(NULL);
		return 0;
	}
	fprintf(stderr, "%s: no case '%s'\n", argv[0], argv[1]);
	return 2;
}

pid_t itest_fork(void (*fn)(void *), void *arg)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		fn(arg);
		fflush(NULL);
		_exit(0);
	}
	return pid;
}

int itest_wait(pid_t pid)
{
	int status;
	pid_t r;

	do
		r = waitpid(pid, &status, 0);
	while (r < 0 && errno == EINTR);
	CHECK_EQ(r, pid);
	return status;
}

void itest_wait_ok(pid_t pid)
{
	int status = itest_wait(pid);

	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		itest_fail(__FILE__, __LINE__, "child %d failed: wait status 0x%x", (int)pid, status);
}

void itest_exec_self(const char *case_name, const char *arg)
{
	char *args[] = { itest_argv[0], (char *)case_name, (char *)arg, NULL };

	fflush(NULL);
	execv("/proc/self/exe", args);
	itest_fail(__FILE__, __LINE__, "execv: %s", strerror(errno));
}

void itest_write(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		CHECK(n > 0);
		p += n;
		len -= (size_t)n;
	}
}

void itest_read(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		CHECK(n > 0); /* 0: the peer went away early */
		p += n;
		len -= (size_t)n;
	}
}

void itest_send_fd(int sock, int fd, uint64_t payload)
{
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
	struct iovec iov = { &payload, sizeof(payload) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;

	memset(&u, 0, sizeof(u));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	CHECK_EQ(sendmsg(sock, &msg, 0), sizeof(payload));
}

int itest_recv_fd(int sock, uint64_t *payload)
{
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
	uint64_t v = 0;
	struct iovec iov = { &v, sizeof(v) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	int fd;

	CHECK_EQ(recvmsg(sock, &msg, MSG_CMSG_CLOEXEC), sizeof(v));
	c = CMSG_FIRSTHDR(&msg);
	CHECK(c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS);
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if (payload)
		*payload = v;
	return fd;
}

int itest_open(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		itest_fail(__FILE__, __LINE__, "open %s: %s", path, strerror(errno));
	return fd;
}

uint32_t itest_dumb_create(int fd, uint32_t width, uint32_t height, uint64_t *size)
{
	struct drm_mode_create_dumb c = { .width = width, .height = height, .bpp = 32 };

	CHECK_EQ(drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &c), 0);
	CHECK(c.handle != 0);
	CHECK(c.pitch >= width * 4);
	CHECK(c.size >= (uint64_t)c.pitch * height);
	if (size)
		*size = c.size;
	return c.handle;
}

static void *map_at(int fd, uint64_t offset, uint64_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)offset);

	if (p == MAP_FAILED)
		itest_fail(__FILE__, __LINE__, "mmap(fd %d, offset 0x%llx): %s", fd,
			   (unsigned long long)offset, strerror(errno));
	return p;
}

void *itest_dumb_map(int fd, uint32_t handle, uint64_t size)
{
	struct drm_mode_map_dumb m = { .handle = handle };

	CHECK_EQ(drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &m), 0);
	CHECK(m.offset != 0 && m.offset % 4096 == 0);
	return map_at(fd, m.offset, size);
}

uint32_t itest_gem_create(int fd, uint64_t size)
{
	struct drm_fakedri_gem_create c = { .size = size };

	CHECK_EQ(drmIoctl(fd, DRM_IOCTL_FAKEDRI_GEM_CREATE, &c), 0);
	CHECK(c.handle != 0);
	CHECK(c.size >= size && c.size % 4096 == 0);
	return c.handle;
}

uint64_t itest_gem_offset(int fd, uint32_t handle)
{
	struct drm_fakedri_gem_mmap_offset m = { .handle = handle };

	CHECK_EQ(drmIoctl(fd, DRM_IOCTL_FAKEDRI_GEM_MMAP_OFFSET, &m), 0);
	CHECK(m.offset != 0 && m.offset % 4096 == 0);
	return m.offset;
}

void *itest_gem_map(int fd, uint32_t handle, uint64_t size)
{
	return map_at(fd, itest_gem_offset(fd, handle), size);
}

void itest_gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	CHECK_EQ(drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &c), 0);
}

void itest_gem_info(int fd, uint32_t handle, struct drm_fakedri_gem_info *info)
{
	memset(info, 0, sizeof(*info));
	info->handle = handle;
	CHECK_EQ(drmIoctl(fd, DRM_IOCTL_FAKEDRI_GEM_INFO, info), 0);
}

void itest_stats(int fd, struct drm_fakedri_device_stats *st)
{
	memset(st, 0xff, sizeof(*st));
	CHECK_EQ(drmIoctl(fd, DRM_IOCTL_FAKEDRI_DEVICE_STATS, st), 0);
}

void itest_check_device_clean(void)
{
	itest_check_node_clean(ITEST_CARD);
}

void itest_check_node_clean(const char *path)
{
	struct drm_fakedri_device_stats st;
	int fd = itest_open(path);

	itest_stats(fd, &st);
	CHECK_EQ(st.files, 1);
	CHECK_EQ(st.objects, 0);
	CHECK_EQ(st.dmabufs, 0);
	CHECK_EQ(st.backed_bytes, 0);
	CHECK_EQ(close(fd), 0);
}

static uint8_t pattern_byte(size_t i, uint32_t seed)
{
	uint32_t x = (uint32_t)i * 2654435761u ^ seed;

	return (uint8_t)(x ^ (x >> 13) ^ (x >> 24));
}

void itest_fill(void *p, size_t len, uint32_t seed)
{
	uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		b[i] = pattern_byte(i, seed);
}

bool itest_verify(const void *p, size_t len, uint32_t seed)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i] != pattern_byte(i, seed))
			return false;
	return true;
}
