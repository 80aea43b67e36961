/*
 * bench_udev.c - what the shim's directory-fd tracking (client/shim_udev.c)
 * costs, run under `fakedri run`. Each figure is the median of batches, as
 * a ratio to a floor measured in the same run: the raw openat(2) syscall
 * plus close(2) on an fd the shim does not track (no libc, no shim).
 *
 *   untracked  openat() through the shim on a directory it does not track:
 *              the fast path, one array lookup
 *   tracked    openat(dirfd, name) on a tracked ancestor (/sys/dev), the
 *              result again an ancestor (char): join, fstat check, track
 *   redirected openat(tracked /sys/dev/char, "226:0"): joined and mapped
 *              into the sysroot
 *   absolute   open("/sys/dev/char/226:0"): the same file by path
 * (an untracked openat() with a relative name also pays shim_debugfs.c's
 * readlink of /proc/self/fd/N, so the fast path proper is shown by
 * fstatat(), against the raw newfstatat syscall);
 * and a merged listing (opendir + readdir of /sys/class, which gains
 * "drm") against the raw getdents64 of the host's /sys/class; and, for
 * scale, a whole libudev enumeration of subsystem drm (microseconds).
 *
 * usage: bench_udev [N [BATCHES]]   (default 20000 calls a batch, 9 batches)
 * Exits 1 if a call fails or a figure is not finite and positive.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libudev.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "bench_udev %s:%d: %s failed (errno %d)\n", \
	__FILE__, __LINE__, #c, errno); exit(1); } } while (0)

static long n = 20000;
static int batches = 9;
static int etc_raw, etc_fd, sysdev_fd, sysdevchar_fd, sysclass_raw;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void op_floor(void)
{
	int fd = (int)syscall(SYS_openat, etc_raw, "passwd", O_PATH | O_CLOEXEC);

	CHECK(fd >= 0);
	syscall(SYS_close, fd);
}

static void op_untracked(void)
{
	int fd = openat(etc_fd, "passwd", O_PATH | O_CLOEXEC);

	CHECK(fd >= 0);
	close(fd);
}

static void op_tracked(void)
{
	int fd = openat(sysdev_fd, "char", O_PATH | O_CLOEXEC);

	CHECK(fd >= 0);
	close(fd);
}

static void op_redirected(void)
{
	int fd = openat(sysdevchar_fd, "226:0", O_PATH | O_NOFOLLOW | O_CLOEXEC);

	CHECK(fd >= 0);
	close(fd);
}

static void op_absolute(void)
{
	int fd = open("/sys/dev/char/226:0", O_PATH | O_NOFOLLOW | O_CLOEXEC);

	CHECK(fd >= 0);
	close(fd);
}

static void op_stat_floor(void)
{
	struct stat st;

	CHECK(syscall(SYS_newfstatat, etc_raw, "passwd", &st, AT_SYMLINK_NOFOLLOW) == 0);
}

static void op_stat_untracked(void)
{
	struct stat st;

	CHECK(fstatat(etc_fd, "passwd", &st, AT_SYMLINK_NOFOLLOW) == 0);
}

static void op_stat_tracked(void)
{
	struct stat st;

	CHECK(fstatat(sysdevchar_fd, "226:0", &st, AT_SYMLINK_NOFOLLOW) == 0);
}

static void op_list_raw(void)
{
	char buf[32768];
	long r;

	CHECK(lseek(sysclass_raw, 0, SEEK_SET) == 0);
	while ((r = syscall(SYS_getdents64, sysclass_raw, buf, sizeof(buf))) > 0)
		;
	CHECK(r == 0);
}

static void op_list_merged(void)
{
	DIR *d = opendir("/sys/class");
	int drm = 0;
	struct dirent *e;

	CHECK(d);
	while ((e = readdir(d)))
		drm += !strcmp(e->d_name, "drm");
	closedir(d);
	CHECK(drm == 1);
}

static void op_enumerate(void)
{
	struct udev *u = udev_new();
	struct udev_enumerate *e = udev_enumerate_new(u);
	struct udev_list_entry *l;
	int count = 0;

	CHECK(e);
	CHECK(udev_enumerate_add_match_subsystem(e, "drm") == 0);
	CHECK(udev_enumerate_scan_devices(e) == 0);
	udev_list_entry_foreach(l, udev_enumerate_get_list_entry(e))
		count++;
	CHECK(count >= 2);
	udev_enumerate_unref(e);
	udev_unref(u);
}

/* Median over the batches of the nanoseconds one call of op takes. */
static double measure(void (*op)(void), long calls)
{
	double t[64];

	for (long i = 0; i < calls / 10 + 1; i++)	/* warm-up */
		op();
	for (int b = 0; b < batches; b++) {
		double t0 = now_ns();

		for (long i = 0; i < calls; i++)
			op();
		t[b] = (now_ns() - t0) / (double)calls;
	}
	qsort(t, (size_t)batches, sizeof(double), cmp_double);
	return t[batches / 2];
}

static bool good(double x)
{
	return isfinite(x) && x > 0;
}

int main(int argc, char **argv)
{
	double floor_ns, list_raw, r;
	static const struct {
		const char *name;
		void (*op)(void);
	} rows[] = {
		{ "untracked dirfd (fast path)", op_untracked },
		{ "tracked dirfd, host ancestor", op_tracked },
		{ "tracked dirfd, redirected", op_redirected },
		{ "absolute path, redirected", op_absolute },
	};
	bool ok = true;

	if (argc > 1)
		n = atol(argv[1]);
	if (argc > 2)
		batches = atoi(argv[2]);
	CHECK(n > 0 && batches > 0 && batches <= 64);
	etc_raw = (int)syscall(SYS_openat, AT_FDCWD, "/etc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	etc_fd = open("/etc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	sysdev_fd = open("/sys/dev", O_PATH | O_DIRECTORY | O_CLOEXEC);
	sysdevchar_fd = open("/sys/dev/char", O_PATH | O_DIRECTORY | O_CLOEXEC);
	sysclass_raw = (int)syscall(SYS_openat, AT_FDCWD, "/sys/class",
				    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(etc_raw >= 0 && etc_fd >= 0 && sysdev_fd >= 0 && sysdevchar_fd >= 0 &&
	      sysclass_raw >= 0);

	floor_ns = measure(op_floor, n);
	printf("floor (raw openat+close syscalls, O_PATH, median of %d batches of %ld): %.0f ns\n",
	       batches, n, floor_ns);
	ok &= good(floor_ns);
	printf("%-34s %10s %8s\n", "openat + close", "ns", "x floor");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		r = measure(rows[i].op, n);
		printf("%-34s %10.0f %8.2f\n", rows[i].name, r, r / floor_ns);
		ok &= good(r);
	}
	floor_ns = measure(op_stat_floor, n);
	printf("fstatat floor (raw newfstatat syscall): %.0f ns\n", floor_ns);
	r = measure(op_stat_untracked, n);
	printf("%-34s %10.0f %8.2f\n", "fstatat, untracked dirfd", r, r / floor_ns);
	ok &= good(floor_ns) && good(r);
	r = measure(op_stat_tracked, n);
	printf("%-34s %10.0f %8.2f\n", "fstatat, tracked dirfd, redirected", r, r / floor_ns);
	ok &= good(r);
	list_raw = measure(op_list_raw, n / 20 + 1);
	r = measure(op_list_merged, n / 20 + 1);
	printf("listing /sys/class: raw getdents64 %.0f ns, merged opendir+readdir %.0f ns (x %.2f)\n",
	       list_raw, r, r / list_raw);
	ok &= good(list_raw) && good(r);
	r = measure(op_enumerate, n / 100 + 1);
	printf("libudev enumeration of subsystem drm: %.1f us\n", r / 1e3);
	ok &= good(r);
	return ok ? 0 : 1;
}
