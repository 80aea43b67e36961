/*
 * bench_fakedri.c - what fakedri operations cost, measured through the
 * real path (libdrm -> shim -> daemon). Run it under `fakedri run`:
 *
 *   build/bin/fakedri run -- build/tests/bench/bench_fakedri [ITERATIONS]
 *
 * Prints one line per operation: iterations, ns/op, and ops/s. A benchmark,
 * not a test: nothing is asserted beyond the calls succeeding. Owns only its
 * own fds and objects.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <drm_mode.h>
#include <xf86drm.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: %s failed\n", __FILE__, __LINE__, #c); exit(1); } } while (0)

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void report(const char *what, long n, double ns)
{
	printf("%-34s %8ld iterations %10.0f ns/op %10.0f ops/s\n", what, n, ns / n, n * 1e9 / ns);
}

static uint32_t dumb(int fd, uint64_t *size)
{
	struct drm_mode_create_dumb c = { .width = 256, .height = 256, .bpp = 32 };

	CHECK(drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &c) == 0);
	*size = c.size;
	return c.handle;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000;
	int card = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);
	int render = open("/dev/dri/renderD128", O_RDWR | O_CLOEXEC);
	uint64_t size, v;
	uint32_t h;
	double t;

	CHECK(card >= 0 && render >= 0 && n > 0);

	t = now_ns();
	for (long i = 0; i < n; i++)
		CHECK(drmGetCap(card, DRM_CAP_PRIME, &v) == 0);
	report("GET_CAP (one round trip)", n, now_ns() - t);

	t = now_ns();
	for (long i = 0; i < n; i++) {
		struct drm_mode_destroy_dumb d;

		d.handle = dumb(card, &size);
		CHECK(drmIoctl(card, DRM_IOCTL_MODE_DESTROY_DUMB, &d) == 0);
	}
	report("dumb create + destroy (256x256)", n, now_ns() - t);

	h = dumb(card, &size);
	t = now_ns();
	for (long i = 0; i < n; i++) {
		struct drm_mode_map_dumb m = { .handle = h };
		void *p;

		CHECK(drmIoctl(card, DRM_IOCTL_MODE_MAP_DUMB, &m) == 0);
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, card, (off_t)m.offset);
		CHECK(p != MAP_FAILED);
		CHECK(munmap(p, size) == 0);
	}
	report("MAP_DUMB + mmap + munmap", n, now_ns() - t);

	t = now_ns();
	for (long i = 0; i < n; i++) {
		uint32_t imported;
		int fd;

		CHECK(drmPrimeHandleToFD(card, h, DRM_CLOEXEC | DRM_RDWR, &fd) == 0);
		CHECK(drmPrimeFDToHandle(render, fd, &imported) == 0);
		CHECK(drmCloseBufferHandle(render, imported) == 0);
		CHECK(close(fd) == 0);
	}
	report("PRIME export + import + close", n, now_ns() - t);

	t = now_ns();
	for (long i = 0; i < n / 10 + 1; i++) {
		int fd = open("/dev/dri/renderD128", O_RDWR | O_CLOEXEC);

		CHECK(fd >= 0);
		CHECK(close(fd) == 0);
	}
	report("open + close of a node", n / 10 + 1, now_ns() - t);
	return 0;
}
