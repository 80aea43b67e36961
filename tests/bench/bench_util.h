/*
 * bench_util.h - what the load benchmarks (bench_fences.c, bench_gpu.c)
 * share: a CHECK that names the program and process and exits 1, one-byte
 * pipe messages that survive EINTR, the render node and DEVICE_STATS, the
 * clock, quantiles and the floor's batches.
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>

#include "fakedri_drm.h"
#include "bench_floor.h"

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

/* CLOCK_MONOTONIC in ns */
static inline int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* qsort() order of doubles */
static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The q-quantile of sorted v[0..n-1] (nearest rank). */
static inline double quantile(const double *v, long n, double q)
{
	long i = (long)ceil(q * (double)n) - 1;

	if (i < 0)
		i = 0;
	if (i >= n)
		i = n - 1;
	return v[i];
}

/* ns per round trip of each of @batches batches of @n. */
static inline void floor_batches(struct bench_floor *f, long n, int batches, double *out)
{
	for (int i = 0; i < batches; i++) {
		double t = bench_floor_run(f, n);

		CHECK(t > 0);
		out[i] = t / (double)n;
	}
}

/* a figure worth printing: finite and positive */
static inline bool good(double x)
{
	return isfinite(x) && x > 0;
}

#endif
