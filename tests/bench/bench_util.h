/*
 * bench_util.h - what the load benchmarks (bench_fences.c, bench_gpu.c)
 * share: a CHECK that names the program and process and exits 1, one-byte
 * pipe messages that survive EINTR, the render node and DEVICE_STATS.
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>

#include "fakedri_drm.h"

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s[%d] %s:%d: %s failed (errno %d)\n", \
	program_invocation_short_name, (int)getpid(), __FILE__, __LINE__, #c, errno); \
	exit(1); } } while (0)

static inline void put_byte(int fd, unsigned char c)
{
	ssize_t r;

	do
		r = write(fd, &c, 1);
	while (r < 0 && errno == EINTR);
	CHECK(r == 1);
}

static inline void get_byte(int fd, unsigned char *c)
{
	ssize_t r;

	do
		r = read(fd, c, 1);
	while (r < 0 && errno == EINTR);
	CHECK(r == 1);
}

static inline int open_render(void)
{
	int fd = open("/dev/dri/renderD128", O_RDWR | O_CLOEXEC);

	CHECK(fd >= 0);
	return fd;
}

static inline void stats(int fd, struct drm_fakedri_device_stats *st)
{
	memset(st, 0xff, sizeof(*st));
	CHECK(drmIoctl(fd, DRM_IOCTL_FAKEDRI_DEVICE_STATS, st) == 0);
}

#endif
