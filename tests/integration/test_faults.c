/*
 * test_faults.c - fault injection (docs/faults.md) seen by real processes
 * through libdrm, under `fakedri run`: each trigger fires exactly as
 * specified and each action has its effect. Faults are armed by the run's
 * --fault options or, from inside a case, by the shim's client API
 * (client/fakedri_fault.h, found by dlsym as a test that also runs on real
 * hardware would) or by `fakedri fault` ($FAKEDRI_TEST_FAKEDRI).
 *
 * Most cases fail DRM_IOCTL_GET_CAP, a call without side effects whose
 * every occurrence is one site, so the pattern of failures is exact.
 * Owns nothing beyond each case's fds, closed as it ends.
 */
#define _GNU_SOURCE
#include "itest.h"

#include <dlfcn.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <linux/sync_file.h>

#include "fakedri_fault.h"

static int (*fault_add)(const char *spec);
static int (*fault_clear)(int id);
static long long (*fault_injected)(void);

/* The client API, as a test that may run without fakedri finds it. */
static void api(void)
{
	fault_add = (int (*)(const char *))dlsym(RTLD_DEFAULT, "fakedri_fault_add");
	fault_clear = (int (*)(int))dlsym(RTLD_DEFAULT, "fakedri_fault_clear");
	fault_injected = (long long (*)(void))dlsym(RTLD_DEFAULT, "fakedri_fault_injected");
	CHECK(fault_add && fault_clear && fault_injected);
}

static int arm(const char *spec)
{
	int id;

	api();
	id = fault_add(spec);
	CHECK(id >= 1);
	return id;
}

/* One GET_CAP by the raw ioctl: 0 or the errno it failed with. */
static int get_cap_raw(int fd)
{
	struct drm_get_cap c = { .capability = DRM_CAP_DUMB_BUFFER };

	return ioctl(fd, DRM_IOCTL_GET_CAP, &c) ? errno : 0;
}

/* @n GET_CAPs into @pattern: '.' succeeded, 'x' failed with @err. */
static void get_caps(int fd, int n, int err, char *pattern)
{
	for (int i = 0; i < n; i++) {
		int e = get_cap_raw(fd);

		if (e && e != err)
			itest_fail(__FILE__, __LINE__, "call %d failed with %s, not %s", i + 1,
				   strerror(e), strerror(err));
		pattern[i] = e ? 'x' : '.';
	}
	pattern[n] = '\0';
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* --- errno, through --fault --- */

/* run with --fault ioctl=PRIME_FD_TO_HANDLE,nth=1,errno=ENOMEM */
static void errno_fault_fails_prime_fd_to_handle_with_enomem(void)
{
	int fd = itest_open(ITEST_CARD), buf;
	uint32_t h = itest_dumb_create(fd, 64, 64, NULL), h2 = 0;

	api();
	CHECK_EQ(drmPrimeHandleToFD(fd, h, DRM_CLOEXEC | DRM_RDWR, &buf), 0);
	CHECK_EQ(fault_injected(), 0);
	CHECK_ERR(drmPrimeFDToHandle(fd, buf, &h2), ENOMEM);
	CHECK_EQ(fault_injected(), 1);
	/* nth=1: only the first; the next one is the kernel's usual answer */
	CHECK_EQ(drmPrimeFDToHandle(fd, buf, &h2), 0);
	CHECK_EQ(h2, h);
	CHECK_EQ(fault_injected(), 1);
	close(buf);
	close(fd);
}

/* --- triggers --- */

static void nth_fails_only_the_nth_matching_call(void)
{
	int fd = itest_open(ITEST_CARD);
	char p[8];
	drmVersionPtr v;

	arm("ioctl=GET_CAP,nth=3,errno=EIO");
	get_caps(fd, 1, EIO, p);
	/* other ioctls do not match, so they do not count */
	v = drmGetVersion(fd);
	CHECK(v);
	drmFreeVersion(v);
	get_caps(fd, 5, EIO, p + 1);
	CHECK_STR(p, "..x...");
	CHECK_EQ(fault_injected(), 1);
	close(fd);
}

static void interval_fails_every_nth_matching_call(void)
{
	int fd = itest_open(ITEST_CARD);
	char p[16];

	arm("ioctl=GET_CAP,interval=3,errno=EIO");
	get_caps(fd, 10, EIO, p);
	CHECK_STR(p, "..x..x..x.");
	CHECK_EQ(fault_injected(), 3);
	close(fd);
}

static void times_bounds_the_number_of_injections(void)
{
	int fd = itest_open(ITEST_CARD);
	char p[8];

	arm("ioctl=GET_CAP,times=2,errno=EIO");
	get_caps(fd, 5, EIO, p);
	CHECK_STR(p, "xx...");
	CHECK_EQ(fault_injected(), 2);
	close(fd);
}

static void probability_with_a_seed_gives_the_same_faults_again(void)
{
	int fd = itest_open(ITEST_CARD), id, fails = 0;
	char p1[65], p2[65], p3[65];

	id = arm("ioctl=GET_CAP,probability=0.5,seed=7,errno=EIO");
	get_caps(fd, 64, EIO, p1);
	CHECK_EQ(fault_clear(id), 1);
	id = arm("ioctl=GET_CAP,probability=0.5,seed=7,errno=EIO");
	get_caps(fd, 64, EIO, p2);
	CHECK_EQ(fault_clear(id), 1);
	CHECK_STR(p1, p2);
	for (int i = 0; i < 64; i++)
		fails += p1[i] == 'x';
	/* about half: a binomial(64, 0.5) is outside 12..52 with p < 1e-6 */
	CHECK(fails >= 12 && fails <= 52);
	arm("ioctl=GET_CAP,probability=0.5,seed=8,errno=EIO");
	get_caps(fd, 64, EIO, p3);
	CHECK(strcmp(p1, p3) != 0);
	close(fd);
}

static void after_fires_only_once_the_duration_has_passed(void)
{
	int fd = itest_open(ITEST_CARD);
	int64_t t0 = now_ns(), t1;
	int calls = 0;

	arm("ioctl=GET_CAP,after=200ms,errno=EIO");
	/* no sleeping: calls succeed until the fault is due, then fail */
	while (get_cap_raw(fd) == 0)
		calls++;
	t1 = now_ns();
	CHECK(calls >= 1);
	CHECK(t1 - t0 >= 200000000);
	CHECK_EQ(get_cap_raw(fd), EIO);
	close(fd);
}

static void pid_filter_fails_only_that_process(void)
{
	int fd = itest_open(ITEST_CARD), go[2], done[2];
	char spec[96], c = 0;
	pid_t pid;

	CHECK_EQ(pipe(go), 0);
	CHECK_EQ(pipe(done), 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		int cfd = itest_open(ITEST_CARD);

		close(go[1]);  /* EOF, not a hang, if the parent fails */
		close(done[0]);

		itest_read(go[0], &c, 1);
		CHECK_EQ(get_cap_raw(cfd), EIO);
		CHECK_EQ(get_cap_raw(cfd), EIO);
		itest_write(done[1], &c, 1);
		_exit(0);
	}
	close(go[0]);
	close(done[1]);
	snprintf(spec, sizeof(spec), "ioctl=GET_CAP,pid=%d,errno=EIO", (int)pid);
	arm(spec);
	CHECK_EQ(get_cap_raw(fd), 0);
	itest_write(go[1], &c, 1);
	itest_read(done[0], &c, 1);
	/* the parent's own calls, on its own fd, still succeed */
	CHECK_EQ(get_cap_raw(fd), 0);
	itest_wait_ok(pid);
	CHECK_EQ(fault_injected(), 2);
	close(fd);
}

/* DRM files are numbered 1, 2, ... in the order the daemon opens them (the
 * ids its log and debugfs fakedri_jobs show); this run opens only these */
static void file_filter_fails_only_that_drm_file(void)
{
	int first = itest_open(ITEST_CARD), second = itest_open(ITEST_RENDER);
	int dup_of_second = dup(second);

	arm("ioctl=GET_CAP,file=2,errno=EIO");
	CHECK_EQ(get_cap_raw(first), 0);
	CHECK_EQ(get_cap_raw(second), EIO);
	/* a dup is the same file */
	CHECK_EQ(get_cap_raw(dup_of_second), EIO);
	CHECK_EQ(get_cap_raw(first), 0);
	CHECK_EQ(fault_injected(), 2);
	close(dup_of_second);
	close(second);
	close(first);
}

static void group_target_fails_every_ioctl_of_the_group_only(void)
{
	int fd = itest_open(ITEST_CARD), buf;
	uint32_t h = itest_dumb_create(fd, 64, 64, NULL);

	arm("ioctl=prime,errno=EIO");
	CHECK_ERR(drmPrimeHandleToFD(fd, h, DRM_CLOEXEC | DRM_RDWR, &buf), EIO);
	CHECK_EQ(get_cap_raw(fd), 0);
	CHECK_EQ(fault_clear(0), 1);
	CHECK_EQ(drmPrimeHandleToFD(fd, h, DRM_CLOEXEC | DRM_RDWR, &buf), 0);
	close(buf);
	close(fd);
}

/* The daemon's next call number, from `fakedri fault stats`. */
static unsigned long long calls_so_far(void)
{
	const char *fakedri = getenv("FAKEDRI_TEST_FAKEDRI");
	unsigned long long injected, calls;
	char cmd[4200];
	FILE *p;

	CHECK(fakedri);
	snprintf(cmd, sizeof(cmd), "%s fault stats", fakedri);
	p = popen(cmd, "r");
	CHECK(p);
	CHECK_EQ(fscanf(p, "injected=%llu calls=%llu", &injected, &calls), 2);
	CHECK_EQ(pclose(p), 0);
	return calls;
}

static void call_fails_exactly_that_call_of_the_daemon(void)
{
	int fd = itest_open(ITEST_CARD);
	char spec[96], p[8];

	/* the number the daemon gives the next site, whatever it is */
	snprintf(spec, sizeof(spec), "ioctl=*,call=%llu,errno=EIO", calls_so_far() + 3);
	arm(spec);
	get_caps(fd, 5, EIO, p);
	CHECK_STR(p, "..x..");
	close(fd);
}

/* --- actions --- */

/* restart=ERR: the raw call fails once, its restart succeeds, and drmIoctl()
 * (libdrm's loop on EINTR and EAGAIN) never sees the failure. */
static void restart_is_survived_by_drmioctl(const char *name, int err)
{
	int fd = itest_open(ITEST_CARD);
	struct drm_get_cap c = { .capability = DRM_CAP_DUMB_BUFFER };
	uint32_t h;
	char spec[64];

	snprintf(spec, sizeof(spec), "ioctl=GET_CAP,restart=%s", name);
	arm(spec);
	CHECK_EQ(get_cap_raw(fd), err);
	CHECK_EQ(get_cap_raw(fd), 0);   /* the restart */
	CHECK_EQ(fault_injected(), 1);
	for (int i = 0; i < 3; i++) {
		c.value = 0;
		CHECK_EQ(drmIoctl(fd, DRM_IOCTL_GET_CAP, &c), 0);
		CHECK_EQ(c.value, 1);
	}
	CHECK_EQ(fault_injected(), 4);  /* each drmIoctl() restarted once */
	/* a call that waits in the daemon, through libdrm's wrapper */
	CHECK_EQ(fault_clear(0), 1);
	snprintf(spec, sizeof(spec), "ioctl=SYNCOBJ_WAIT,restart=%s,times=1", name);
	arm(spec);
	CHECK_EQ(drmSyncobjCreate(fd, DRM_SYNCOBJ_CREATE_SIGNALED, &h), 0);
	CHECK_EQ(drmSyncobjWait(fd, &h, 1, INT64_MAX, 0, NULL), 0);
	CHECK_EQ(fault_injected(), 5);
	CHECK_EQ(drmSyncobjDestroy(fd, h), 0);
	close(fd);
}

static void restart_eintr_is_survived_by_drmioctl(void)
{
	restart_is_survived_by_drmioctl("EINTR", EINTR);
}

static void restart_eagain_is_survived_by_drmioctl(void)
{
	restart_is_survived_by_drmioctl("EAGAIN", EAGAIN);
}

/* DMA_BUF_IOCTL_SYNC "can fail with -EAGAIN or -EINTR, in which case it
 * must be restarted" (dma-buf.h): a fault on the dma-buf fd's ioctl */
static void dmabuf_sync_fails_once_and_its_restart_succeeds(void)
{
	int fd = itest_open(ITEST_CARD), buf;
	uint32_t h = itest_dumb_create(fd, 64, 64, NULL);
	struct dma_buf_sync sync = { .flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW };

	CHECK_EQ(drmPrimeHandleToFD(fd, h, DRM_CLOEXEC | DRM_RDWR, &buf), 0);
	arm("ioctl=DMA_BUF_IOCTL_SYNC,restart=EAGAIN,times=1");
	CHECK_ERR(ioctl(buf, DMA_BUF_IOCTL_SYNC, &sync), EAGAIN);
	CHECK_EQ(ioctl(buf, DMA_BUF_IOCTL_SYNC, &sync), 0);
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
	CHECK_EQ(ioctl(buf, DMA_BUF_IOCTL_SYNC, &sync), 0);
	CHECK_EQ(fault_injected(), 1);
	close(buf);
	close(fd);
}

static void delay_makes_the_call_take_that_long_then_succeed(void)
{
	int fd = itest_open(ITEST_CARD);
	int64_t t0;

	arm("ioctl=GET_CAP,nth=1,delay=300ms");
	t0 = now_ns();
	CHECK_EQ(get_cap_raw(fd), 0);
	CHECK(now_ns() - t0 >= 300000000);
	CHECK_EQ(fault_injected(), 1);
	close(fd);
}

/* mmap of a dumb buffer's offset: the pointer, or MAP_FAILED/errno */
static void *map_dumb(int fd, uint32_t handle, size_t size)
{
	struct drm_mode_map_dumb m = { .handle = handle };

	CHECK_EQ(drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &m), 0);
	return mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)m.offset);
}

/* backing memory is made at first use (shmem_file_setup() of a shmem
 * object): alloc-fail fails that mapping, ENOMEM */
static void alloc_fail_fails_the_first_mapping_with_enomem(void)
{
	int fd = itest_open(ITEST_CARD);
	uint64_t size;
	uint32_t h = itest_dumb_create(fd, 64, 64, &size);
	uint8_t *p;

	arm("alloc,nth=1,alloc-fail");
	CHECK_MMAP_ERR(map_dumb(fd, h, size), ENOMEM);
	CHECK_EQ(fault_injected(), 1);
	p = map_dumb(fd, h, size);
	CHECK(p != MAP_FAILED);
	p[0] = 1;
	munmap(p, size);
	close(fd);
}

static void mmap_fault_fails_the_mapping_with_its_errno(void)
{
	int fd = itest_open(ITEST_CARD);
	uint64_t size;
	uint32_t h = itest_dumb_create(fd, 64, 64, &size);
	void *p;

	arm("mmap,nth=1,errno=EAGAIN");
	CHECK_MMAP_ERR(map_dumb(fd, h, size), EAGAIN);
	p = map_dumb(fd, h, size);
	CHECK(p != MAP_FAILED);
	munmap(p, size);
	close(fd);
}

/* limit=BYTES caps the device's memory; freeing makes room again */
static void limit_caps_memory(const char *spec, int err)
{
	int fd = itest_open(ITEST_CARD);
	struct drm_fakedri_gem_create c = { .size = 768 * 1024 };
	uint32_t a;

	arm(spec);
	a = itest_gem_create(fd, 512 * 1024);
	CHECK_ERR(drmIoctl(fd, DRM_IOCTL_FAKEDRI_GEM_CREATE, &c), err);
	CHECK_EQ(fault_injected(), 1);
	itest_gem_close(fd, a);
	CHECK_EQ(drmIoctl(fd, DRM_IOCTL_FAKEDRI_GEM_CREATE, &c), 0);
	itest_gem_close(fd, c.handle);
	close(fd);
}

static void limit_caps_memory_with_enomem(void)
{
	limit_caps_memory("limit=1M", ENOMEM);
}

static void limit_with_enospc_reports_vram_exhaustion(void)
{
	limit_caps_memory("limit=1M,errno=ENOSPC", ENOSPC);
}

static void client_api_rejects_bad_specs_and_clears_by_id(void)
{
	int a, b;

	api();
	CHECK_ERR(fault_add("ioctl=GET_CAP,errno=ENOTANERRNO"), EINVAL);
	CHECK_ERR(fault_add("frobnicate"), EINVAL);
	a = arm("ioctl=GET_CAP,nth=1,errno=EIO");
	b = arm("ioctl=VERSION,nth=1,errno=EIO");
	CHECK(b > a);
	CHECK_EQ(fault_clear(a), 1);
	CHECK_EQ(fault_clear(a), 0);
	CHECK_EQ(fault_clear(0), 1);
	CHECK_EQ(fault_injected(), 0);
}

/* `fakedri fault add|list|clear` against the daemon of this run */
static void fault_command_adds_lists_and_clears(void)
{
	const char *fakedri = getenv("FAKEDRI_TEST_FAKEDRI");
	char cmd[4200], line[600];
	int fd = itest_open(ITEST_CARD), id;
	FILE *p;

	CHECK(fakedri);
	snprintf(cmd, sizeof(cmd), "%s fault add ioctl=GET_CAP,nth=2,errno=EIO", fakedri);
	p = popen(cmd, "r");
	CHECK(p && fgets(line, sizeof(line), p));
	CHECK_EQ(pclose(p), 0);
	id = atoi(line);
	CHECK(id >= 1);
	CHECK_EQ(get_cap_raw(fd), 0);
	CHECK_EQ(get_cap_raw(fd), EIO);
	snprintf(cmd, sizeof(cmd), "%s fault list", fakedri);
	p = popen(cmd, "r");
	CHECK(p && fgets(line, sizeof(line), p));
	CHECK_EQ(pclose(p), 0);
	snprintf(cmd, sizeof(cmd), "%d 1 ioctl=GET_CAP,nth=2,errno=EIO\n", id);
	CHECK_STR(line, cmd);
	snprintf(cmd, sizeof(cmd), "%s fault clear %d >/dev/null", fakedri, id);
	CHECK_EQ(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s fault list", fakedri);
	p = popen(cmd, "r");
	CHECK(p);
	CHECK(!fgets(line, sizeof(line), p));
	CHECK_EQ(pclose(p), 0);
	/* a bad spec: exit status 2 and the reason */
	snprintf(cmd, sizeof(cmd), "%s fault add ioctl=GET_CAP,bogus=1 2>/dev/null", fakedri);
	CHECK_EQ(WEXITSTATUS(system(cmd)), 2);
	close(fd);
}

/* 32 GET_CAPs printed as a pattern: the fault log's replay test compares
 * two runs (test_fault_log.sh). */
static void print_get_cap_pattern(void)
{
	int fd = itest_open(ITEST_CARD);
	char p[33];

	get_caps(fd, 32, EIO, p);
	printf("%s\n", p);
	close(fd);
}

static const struct itest_case cases[] = {
	{ "errno_fault_fails_prime_fd_to_handle_with_enomem",
	  errno_fault_fails_prime_fd_to_handle_with_enomem },
	{ "nth_fails_only_the_nth_matching_call", nth_fails_only_the_nth_matching_call },
	{ "interval_fails_every_nth_matching_call", interval_fails_every_nth_matching_call },
	{ "times_bounds_the_number_of_injections", times_bounds_the_number_of_injections },
	{ "probability_with_a_seed_gives_the_same_faults_again",
	  probability_with_a_seed_gives_the_same_faults_again },
	{ "after_fires_only_once_the_duration_has_passed",
	  after_fires_only_once_the_duration_has_passed },
	{ "pid_filter_fails_only_that_process", pid_filter_fails_only_that_process },
	{ "file_filter_fails_only_that_drm_file", file_filter_fails_only_that_drm_file },
	{ "group_target_fails_every_ioctl_of_the_group_only",
	  group_target_fails_every_ioctl_of_the_group_only },
	{ "call_fails_exactly_that_call_of_the_daemon", call_fails_exactly_that_call_of_the_daemon },
	{ "restart_eintr_is_survived_by_drmioctl", restart_eintr_is_survived_by_drmioctl },
	{ "restart_eagain_is_survived_by_drmioctl", restart_eagain_is_survived_by_drmioctl },
	{ "dmabuf_sync_fails_once_and_its_restart_succeeds",
	  dmabuf_sync_fails_once_and_its_restart_succeeds },
	{ "delay_makes_the_call_take_that_long_then_succeed",
	  delay_makes_the_call_take_that_long_then_succeed },
	{ "alloc_fail_fails_the_first_mapping_with_enomem",
	  alloc_fail_fails_the_first_mapping_with_enomem },
	{ "mmap_fault_fails_the_mapping_with_its_errno", mmap_fault_fails_the_mapping_with_its_errno },
	{ "limit_caps_memory_with_enomem", limit_caps_memory_with_enomem },
	{ "limit_with_enospc_reports_vram_exhaustion", limit_with_enospc_reports_vram_exhaustion },
	{ "client_api_rejects_bad_specs_and_clears_by_id",
	  client_api_rejects_bad_specs_and_clears_by_id },
	{ "fault_command_adds_lists_and_clears", fault_command_adds_lists_and_clears },
	{ "print_get_cap_pattern", print_get_cap_pattern },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	return itest_main(argc, argv, cases);
}
