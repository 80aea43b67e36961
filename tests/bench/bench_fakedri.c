/*
 * bench_fakedri.c - what fakedri operations cost, measured through the
 * real path (libdrm -> shim -> daemon), each as a ratio to the transport
 * floor (bench_floor.c) measured in the same run. Run it under
 * `fakedri run`:
 *
 *   build/bin/fakedri run -- build/tests/bench/bench_fakedri [ITERATIONS [BATCHES]]
 *
 * Each batch runs every operation ITERATIONS times (default 1000), the
 * operations interleaved so that the machine's noise hits them alike; the
 * figures are medians over BATCHES batches (default 9). Prints one line per
 * operation: median ns/op, and the median over batches of its ratio to
 * each floor measured in the same batch. docs/performance.md explains them.
 *
 * Exits 1 if an operation fails, a floor reply is wrong, or a figure is not
 * finite and positive. FAKEDRI_BENCH_VERBOSE=1 also prints every batch's
 * ns/op to stderr. Owns only its own fds, objects and floor servers.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <drm_mode.h>
#include <xf86drm.h>

#include "bench_floor.h"

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: %s failed\n", __FILE__, __LINE__, #c); exit(1); } } while (0)

#define MAX_BATCHES 99

enum op { FLOOR_SPIN, FLOOR_BLOCK, GET_CAP, DUMB, MAP, PRIME, OPEN, NOPS };

static const char *const op_name[NOPS] = {
	[FLOOR_SPIN] = "floor: 64 B round trip, spinning",
	[FLOOR_BLOCK] = "floor: 64 B round trip, no spinning",
	[GET_CAP] = "GET_CAP (one round trip)",
	[DUMB] = "dumb create + destroy (256x256)",
	[MAP] = "MAP_DUMB + mmap + munmap",
	[PRIME] = "PRIME export + import + close",
	[OPEN] = "open + close of a node",
};

struct bench {
	int card, render;
	uint32_t h;		/* a dumb buffer to map and export */
	uint64_t size;
	struct bench_floor floor[2];	/* spinning, not spinning */
};

/* ns/op of each operation in each batch */
static double ns[NOPS][MAX_BATCHES];

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static uint32_t dumb(int fd, uint64_t *size)
{
	struct drm_mode_create_dumb c = { .width = 256, .height = 256, .bpp = 32 };

	CHECK(drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &c) == 0);
	*size = c.size;
	return c.handle;
}

/* How many times a batch runs op: opening a node costs ~10 ioctls. */
static long op_iterations(enum op op, long n)
{
	return op == OPEN ? n / 10 + 1 : n;
}

/* Runs op n times; returns the nanoseconds it took. */
static double run_op(struct bench *b, enum op op, long n)
{
	double t = now_ns();
	uint64_t v;

	switch (op) {
	case FLOOR_SPIN:
	case FLOOR_BLOCK:
		t = bench_floor_run(&b->floor[op == FLOOR_BLOCK], n);
		CHECK(t > 0);
		return t;
	case GET_CAP:
		for (long i = 0; i < n; i++) {
			v = 0;
			CHECK(drmGetCap(b->card, DRM_CAP_PRIME, &v) == 0);
			CHECK(v == (DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT));
		}
		break;
	case DUMB:
		for (long i = 0; i < n; i++) {
			struct drm_mode_destroy_dumb d;
			uint64_t size;

			d.handle = dumb(b->card, &size);
			CHECK(d.handle != 0 && size >= 256 * 256 * 4);
			CHECK(drmIoctl(b->card, DRM_IOCTL_MODE_DESTROY_DUMB, &d) == 0);
		}
		break;
	case MAP:
		for (long i = 0; i < n; i++) {
			struct drm_mode_map_dumb m = { .handle = b->h };
			void *p;

			CHECK(drmIoctl(b->card, DRM_IOCTL_MODE_MAP_DUMB, &m) == 0);
			p = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, b->card, (off_t)m.offset);
			CHECK(p != MAP_FAILED);
			CHECK(munmap(p, b->size) == 0);
		}
		break;
	case PRIME:
		for (long i = 0; i < n; i++) {
			uint32_t imported = 0;
			int fd = -1;

			CHECK(drmPrimeHandleToFD(b->card, b->h, DRM_CLOEXEC | DRM_RDWR, &fd) == 0);
			CHECK(drmPrimeFDToHandle(b->render, fd, &imported) == 0 && imported != 0);
			CHECK(drmCloseBufferHandle(b->render, imported) == 0);
			CHECK(close(fd) == 0);
		}
		break;
	case OPEN:
		for (long i = 0; i < n; i++) {
			int fd = open("/dev/dri/renderD128", O_RDWR | O_CLOEXEC);

			CHECK(fd >= 0);
			CHECK(close(fd) == 0);
		}
		break;
	case NOPS:
		break;
	}
	return now_ns() - t;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of v[0..n); sorts v. */
static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static bool good(double x)
{
	return isfinite(x) && x > 0;
}

/* Prints op's medians; false if one is not finite and positive. */
static bool report(enum op op, int batches)
{
	double t[MAX_BATCHES], rs[MAX_BATCHES], rb[MAX_BATCHES];
	double med, lo, hi, spin, block;

	for (int i = 0; i < batches; i++) {
		t[i] = ns[op][i];
		rs[i] = ns[op][i] / ns[FLOOR_SPIN][i];
		rb[i] = ns[op][i] / ns[FLOOR_BLOCK][i];
	}
	med = median(t, batches);
	block = median(rb, batches);
	spin = median(rs, batches); /* sorts rs: its ends are the extremes */
	lo = rs[0];
	hi = rs[batches - 1];
	printf("%-36s %9.0f %8.2f %6.2f-%-6.2f %9.2f\n", op_name[op], med, spin, lo, hi, block);
	return good(med) && good(spin) && good(lo) && good(hi) && good(block);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000;
	int batches = argc > 2 ? atoi(argv[2]) : 9;
	struct bench b;
	bool ok = true;

	CHECK(n > 0 && batches > 0 && batches <= MAX_BATCHES);
	/* the floor servers first: they need none of our device fds */
	CHECK(bench_floor_start(&b.floor[0], true) == 0);
	CHECK(bench_floor_start(&b.floor[1], false) == 0);
	b.card = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);
	b.render = open("/dev/dri/renderD128", O_RDWR | O_CLOEXEC);
	CHECK(b.card >= 0 && b.render >= 0);
	b.h = dumb(b.card, &b.size);

	/* a short warm-up batch, not counted: the first calls of each kind
	 * fault pages in and fill caches */
	for (enum op op = 0; op < NOPS; op++)
		run_op(&b, op, op_iterations(op, n / 10 + 1));
	for (int i = 0; i < batches; i++)
		for (enum op op = 0; op < NOPS; op++) {
			long k = op_iterations(op, n);

			ns[op][i] = run_op(&b, op, k) / (double)k;
		}

	if (getenv("FAKEDRI_BENCH_VERBOSE")) {
		fprintf(stderr, "ns/op per batch, operations in the order below:\n");
		for (int i = 0; i < batches; i++)
			for (enum op op = 0; op < NOPS; op++)
				fprintf(stderr, "%8.0f%c", ns[op][i], op == NOPS - 1 ? '\n' : ' ');
	}
	printf("%d batches of %ld iterations (open: %ld), operations interleaved\n",
	       batches, n, op_iterations(OPEN, n));
	if (bench_floor_can_spin())
		printf("spinning floor: server polls %d us after each message, client %d us for its reply (fakedri's defaults%s)\n",
		       BENCH_FLOOR_SERVER_SPIN_US, BENCH_FLOOR_CLIENT_SPIN_US,
		       getenv("FAKEDRI_SPIN_US") ? "; FAKEDRI_SPIN_US is set, the floor ignores it" : "");
	else
		printf("one CPU: no spinning anywhere, as in fakedri; the two floors are the same\n");
	printf("%-36s %9s %8s %13s %9s\n", "median of batches", "ns/op", "x floor", "(min-max)", "x no-spin");
	for (enum op op = 0; op < NOPS; op++)
		ok &= report(op, batches);

	{
		struct drm_mode_destroy_dumb d = { .handle = b.h };

		CHECK(drmIoctl(b.card, DRM_IOCTL_MODE_DESTROY_DUMB, &d) == 0);
	}
	CHECK(close(b.render) == 0 && close(b.card) == 0);
	CHECK(bench_floor_stop(&b.floor[0]) == 0);
	CHECK(bench_floor_stop(&b.floor[1]) == 0);
	if (!ok) {
		fprintf(stderr, "bench_fakedri: a figure is not finite and positive\n");
		return 1;
	}
	printf("all operations succeeded; all figures finite and positive\n");
	return 0;
}
