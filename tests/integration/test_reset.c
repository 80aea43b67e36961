/*
 * test_reset.c - hang and reset as Mesa drivers expect them (docs/faults.md
 * "Hang and reset", docs/gpu.md), through libdrm in a real process under
 * `fakedri run --job-timeout 100ms`: a `hang` fault makes one context's job
 * hang behind an innocent job of another context; the queue resets at the
 * timeout, the guilty fence carries ETIME, the guilty context is banned and
 * DRM_IOCTL_FAKEDRI_RESET_STATS tells who was guilty.
 *
 * Waits are polls of sync_files (bounded far beyond the timeout), never
 * sleeps. Owns nothing beyond the case's fds.
 */
#define _GNU_SOURCE
#include "itest.h"

#include <dlfcn.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/sync_file.h>

#define BO_SIZE 4096u

static int arm(const char *spec)
{
	int (*add)(const char *) = (int (*)(const char *))dlsym(RTLD_DEFAULT, "fakedri_fault_add");
	int id;

	CHECK(add);
	id = add(spec);
	CHECK(id >= 1);
	return id;
}

static uint32_t ctx_create(int fd)
{
	struct drm_fakedri_ctx_create c = { 0 };

	CHECK_EQ(drmIoctl(fd, DRM_IOCTL_FAKEDRI_CTX_CREATE, &c), 0);
	return c.ctx_id;
}

/* A job of @ctx on queue 0 filling @handle with @value for @ns; its
 * fence's sync_file, or -1 with errno if SUBMIT failed. */
static int fill(int fd, uint32_t ctx, uint32_t handle, uint32_t value, uint64_t ns)
{
	struct drm_fakedri_submit_bo bo = { handle, FAKEDRI_SUBMIT_BO_WRITE };
	struct drm_fakedri_submit_cmd cmd = { .op = FAKEDRI_CMD_FILL, .dst_bo = 0,
					      .length = BO_SIZE, .value = value };
	struct drm_fakedri_submit s = {
		.flags = FAKEDRI_SUBMIT_FENCE_FD_OUT, .ctx_id = ctx, .queue = 0, .fence_fd = -1,
		.duration_ns = ns, .bos = (uintptr_t)&bo, .nr_bos = 1,
		.cmds = (uintptr_t)&cmd, .nr_cmds = 1,
	};

	if (drmIoctl(fd, DRM_IOCTL_FAKEDRI_SUBMIT, &s))
		return -1;
	return s.fence_fd;
}

/* Waits (at most 20 s) for sync_file @fd; returns SYNC_IOC_FILE_INFO's
 * status: 1, or the fence's negative error. */
static int wait_status(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct sync_file_info info;

	CHECK_EQ(poll(&p, 1, 20000), 1);
	memset(&info, 0, sizeof(info));
	CHECK_EQ(ioctl(fd, SYNC_IOC_FILE_INFO, &info), 0);
	return info.status;
}

static void reset_stats(int fd, uint32_t ctx, struct drm_fakedri_reset_stats *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->ctx_id = ctx;
	CHECK_EQ(drmIoctl(fd, DRM_IOCTL_FAKEDRI_RESET_STATS, rs), 0);
}

static bool all_words(const uint32_t *w, uint32_t value)
{
	for (unsigned i = 0; i < BO_SIZE / 4; i++)
		if (w[i] != value)
			return false;
	return true;
}

static void hung_job_resets_its_queue_bans_its_context_and_spares_the_innocent(void)
{
	int fd = itest_open(ITEST_RENDER), before, guilty, after, after2;
	uint32_t a, b, hb, ha;
	uint32_t *pb;
	struct drm_fakedri_reset_stats rs;
	char spec[64];

	a = ctx_create(fd);
	b = ctx_create(fd);
	ha = itest_gem_create(fd, BO_SIZE);
	hb = itest_gem_create(fd, BO_SIZE);
	pb = itest_gem_map(fd, hb, BO_SIZE);
	snprintf(spec, sizeof(spec), "job,ctx=%u,nth=1,hang", a);
	arm(spec);
	/* on one queue: B's job, A's hanging job, B's second job */
	before = fill(fd, b, hb, 0x11111111, 1000000);
	CHECK(before >= 0);
	guilty = fill(fd, a, ha, 0x22222222, 1000000);
	CHECK(guilty >= 0);
	after = fill(fd, b, hb, 0x33333333, 1000000);
	CHECK(after >= 0);
	/* the innocent job before it completes */
	CHECK_EQ(wait_status(before), 1);
	/* the hung one times out: its fence carries ETIME */
	CHECK_EQ(wait_status(guilty), -ETIME);
	/* the innocent job queued behind it still runs, and writes */
	CHECK_EQ(wait_status(after), 1);
	CHECK(all_words(pb, 0x33333333));
	/* the guilty context is banned, the innocent one is not */
	CHECK_ERR(fill(fd, a, ha, 0x44444444, 1000), ECANCELED);
	after2 = fill(fd, b, hb, 0x55555555, 1000);
	CHECK(after2 >= 0);
	CHECK_EQ(wait_status(after2), 1);
	close(after2);
	/* the query: one reset, A guilty and banned, B not guilty */
	reset_stats(fd, a, &rs);
	CHECK_EQ(rs.reset_count, 1);
	CHECK_EQ(rs.flags & (FAKEDRI_RESET_FLAG_RESET | FAKEDRI_RESET_FLAG_GUILTY |
			     FAKEDRI_RESET_FLAG_BANNED),
		 FAKEDRI_RESET_FLAG_RESET | FAKEDRI_RESET_FLAG_GUILTY | FAKEDRI_RESET_FLAG_BANNED);
	CHECK_EQ(rs.batch_active, 1);
	reset_stats(fd, b, &rs);
	CHECK_EQ(rs.reset_count, 1);
	CHECK_EQ(rs.flags & (FAKEDRI_RESET_FLAG_GUILTY | FAKEDRI_RESET_FLAG_BANNED), 0);
	CHECK(rs.flags & FAKEDRI_RESET_FLAG_RESET);
	CHECK_EQ(rs.batch_active, 0);
	reset_stats(fd, 0, &rs);
	CHECK_EQ(rs.reset_count, 1);
	CHECK_EQ(rs.batch_active, 1);
	close(before);
	close(guilty);
	close(after);
	munmap(pb, BO_SIZE);
	close(fd);
}

/* fence-error=NAME: the job completes, its fence carries the error */
static void fence_error_fault_is_seen_in_sync_file_info(void)
{
	int fd = itest_open(ITEST_RENDER), f, g;
	uint32_t ctx = ctx_create(fd), h = itest_gem_create(fd, BO_SIZE);

	arm("job,nth=1,fence-error=EIO");
	f = fill(fd, ctx, h, 0x66666666, 1000);
	CHECK(f >= 0);
	CHECK_EQ(wait_status(f), -EIO);
	/* nth=1: the next job is fine, and the context is not banned */
	g = fill(fd, ctx, h, 0x77777777, 1000);
	CHECK(g >= 0);
	CHECK_EQ(wait_status(g), 1);
	close(f);
	close(g);
	close(fd);
}

/* errno=NAME at a job site: SUBMIT fails, nothing is queued */
static void job_errno_fault_fails_the_submit(void)
{
	int fd = itest_open(ITEST_RENDER), f;
	uint32_t ctx = ctx_create(fd), h = itest_gem_create(fd, BO_SIZE);

	arm("job,nth=1,errno=ENOMEM");
	CHECK_ERR(fill(fd, ctx, h, 1, 1000), ENOMEM);
	f = fill(fd, ctx, h, 2, 1000);
	CHECK(f >= 0);
	CHECK_EQ(wait_status(f), 1);
	close(f);
	close(fd);
}

/* the fence target: an error set as the fence signals */
static void fence_fault_sets_the_error_as_the_fence_signals(void)
{
	int fd = itest_open(ITEST_RENDER), f;
	uint32_t ctx = ctx_create(fd), h = itest_gem_create(fd, BO_SIZE);

	arm("fence,nth=1,fence-error=ENOSPC");
	f = fill(fd, ctx, h, 1, 1000);
	CHECK(f >= 0);
	CHECK_EQ(wait_status(f), -ENOSPC);
	close(f);
	close(fd);
}

/* delay= at a job: it runs that much longer (here past nothing: no reset) */
static void job_delay_makes_the_job_take_longer(void)
{
	int fd = itest_open(ITEST_RENDER), f;
	uint32_t ctx = ctx_create(fd), h = itest_gem_create(fd, BO_SIZE);
	struct timespec t0, t1;

	arm("job,nth=1,delay=50ms");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	f = fill(fd, ctx, h, 1, 1000);
	CHECK(f >= 0);
	CHECK_EQ(wait_status(f), 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK((t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec) >= 50000000LL);
	close(f);
	close(fd);
}

static const struct itest_case cases[] = {
	{ "hung_job_resets_its_queue_bans_its_context_and_spares_the_innocent",
	  hung_job_resets_its_queue_bans_its_context_and_spares_the_innocent },
	{ "fence_error_fault_is_seen_in_sync_file_info", fence_error_fault_is_seen_in_sync_file_info },
	{ "job_errno_fault_fails_the_submit", job_errno_fault_fails_the_submit },
	{ "fence_fault_sets_the_error_as_the_fence_signals",
	  fence_fault_sets_the_error_as_the_fence_signals },
	{ "job_delay_makes_the_job_take_longer", job_delay_makes_the_job_take_longer },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	return itest_main(argc, argv, cases);
}
