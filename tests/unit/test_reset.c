/*
 * test_reset.c - hang, reset, ban and unplug of the simulated GPU
 * (fdri_gpu.c, fdri_gpu_ioctl.c) and of vgem fences (fdri_vgem_fence.c),
 * and the GPU's fault sites (fdri_fault.h targets "job" and "fence"):
 * a job running past the job timeout resets its queue (its fence signals
 * with -ETIME, its context is banned: SUBMIT fails with ECANCELED and its
 * queued jobs are cancelled with -ECANCELED, other contexts' jobs run
 * on), DRM_IOCTL_FAKEDRI_RESET_STATS reports it per context and device,
 * and an unplug completes every job and vgem fence with -ENODEV. Time is
 * the fixture's fake clock; the teardown checks that nothing is left.
 */
#include "fixture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sync_file.h>

#include "fdri_debugfs.h"
#include "fdri_fault.h"
#include "fdri_fdobj.h"
#include "fdri_fence.h"
#include "fdri_gpu.h"
#include "fdri_resv.h"
#include "fdri_vgem_abi.h"

#define MS 1000000ll
#define WR FAKEDRI_SUBMIT_BO_WRITE
#define TIMEOUT (20 * MS)

/* The fakedri device with a 20 ms job timeout, and a file on it. */
static struct fdri_file *open_with_timeout(struct fx *fx, uint64_t timeout)
{
	struct fdri_gpu_config cfg = { .job_timeout_ns = timeout };

	assert_int_equal(fdri_gpu_configure(fx->dev, &cfg), 0);
	return fx_open(fx, FDRI_NODE_RENDER, &fx->user);
}

/* Arms the fault @text on @dev (making its registry on first use). */
static void arm(struct fx *fx, struct fdri_device *dev, const char *text)
{
	struct fdri_fault_spec spec;
	char err[128];

	assert_int_equal(fdri_fault_parse(text, &spec, err, sizeof(err)), 0);
	if (!dev->faults) {
		struct fdri_faults *reg = fdri_faults_create();

		assert_non_null(reg);
		fdri_device_set_faults(dev, reg);
		fdri_faults_put(reg);
	}
	assert_true(fdri_faults_add(dev->faults, &spec, fx->host.now) >= 1);
}

/* A job of @ctx on @queue writing @value at offset 0 of @bo, with a
 * sync_file of its fence in *@out_fd if not NULL. */
static int submit_write(struct fx *fx, struct fdri_file *f, uint32_t ctx, uint32_t queue,
			int64_t duration, uint32_t bo, uint32_t value, int *out_fd)
{
	struct fx_job j;
	int ret;

	fx_job_init(&j, ctx, queue, (uint64_t)duration);
	if (out_fd)
		j.args.flags = FAKEDRI_SUBMIT_FENCE_FD_OUT;
	fx_job_cmd(&j, FAKEDRI_CMD_WRITE32, fx_job_bo(&j, bo, WR), 0, 0, value);
	ret = fx_submit(fx, f, &j, -1);
	if (out_fd)
		*out_fd = j.out_fd;
	return ret;
}

/* SYNC_IOC_FILE_INFO's status of sync_file @fd (of a fence of @dev's
 * daemon), checked to be its one fence's status too. */
static int file_info_status(struct fx *fx, int fd)
{
	struct sync_fence_info fi;
	struct sync_file_info info;
	struct fdri_fdobj *obj;
	int err;

	memset(&info, 0, sizeof(info));
	memset(&fi, 0, sizeof(fi));
	info.num_fences = 1;
	info.sync_fence_info = (uintptr_t)&fi;
	obj = fdri_fdobj_lookup(fx->dev->fdobjs, fd, NULL, &err);
	assert_non_null(obj);
	assert_int_equal(fdri_ioctl_direct_target(fx->dev, FDRI_TARGET_FDOBJ, obj, &fx->user,
						  SYNC_IOC_FILE_INFO, &info, -1, NULL), 0);
	assert_int_equal(info.num_fences, 1);
	assert_int_equal(fi.status, info.status);
	return info.status;
}

static struct drm_fakedri_reset_stats reset_stats(struct fx *fx, struct fdri_file *f,
						  uint32_t ctx)
{
	struct drm_fakedri_reset_stats rs = { .ctx_id = ctx };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_RESET_STATS, &rs), 0);
	return rs;
}

/* --- the timeout --- */

static void the_job_timeout_is_two_seconds_by_default_and_configurable(void **state)
{
	struct fx *fx = *state;
	struct fdri_gpu_config cfg;

	fdri_gpu_get_config(fx->dev, &cfg);
	assert_int_equal(cfg.job_timeout_ns, 2000000000ull);
	cfg = (struct fdri_gpu_config){ .job_timeout_ns = 0 }; /* the default */
	assert_int_equal(fdri_gpu_configure(fx->dev, &cfg), 0);
	fdri_gpu_get_config(fx->dev, &cfg);
	assert_int_equal(cfg.job_timeout_ns, FDRI_GPU_DEFAULT_JOB_TIMEOUT_NS);
	cfg = (struct fdri_gpu_config){ .job_timeout_ns = TIMEOUT };
	assert_int_equal(fdri_gpu_configure(fx->dev, &cfg), 0);
	fdri_gpu_get_config(fx->dev, &cfg);
	assert_int_equal(cfg.job_timeout_ns, TIMEOUT);
}

static void a_job_longer_than_the_timeout_fails_with_etime_at_the_timeout(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_with_timeout(fx, TIMEOUT);
	uint32_t ctx = fx_ctx_create(fx, f, 0), bo = fx_gem_create(fx, f, 4096);
	int fd;

	assert_int_equal(submit_write(fx, f, ctx, 0, 30 * MS, bo, 7, &fd), 0);
	fx_advance(&fx->host, TIMEOUT - 1);
	assert_int_equal(file_info_status(fx, fd), 0);
	fx_advance(&fx->host, 1);
	assert_int_equal(file_info_status(fx, fd), -ETIME);
	assert_int_equal(fx_bo_read32(f, bo, 0), 0); /* its commands did not run */
	assert_int_equal(fx_stats(fx, f).jobs, 0);
	fx_client_close(&fx->host, fd);
}

static void a_job_as_long_as_the_timeout_completes(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_with_timeout(fx, TIMEOUT);
	uint32_t ctx = fx_ctx_create(fx, f, 0), bo = fx_gem_create(fx, f, 4096);
	int fd;

	assert_int_equal(submit_write(fx, f, ctx, 0, TIMEOUT, bo, 7, &fd), 0);
	fx_advance(&fx->host, TIMEOUT);
	assert_int_equal(file_info_status(fx, fd), 1);
	assert_int_equal(fx_bo_read32(f, bo, 0), 7);
	assert_int_equal(reset_stats(fx, f, 0).reset_count, 0);
	fx_client_close(&fx->host, fd);
}

static void the_timeout_counts_from_the_start_not_the_submission(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_with_timeout(fx, TIMEOUT);
	uint32_t ctx = fx_ctx_create(fx, f, 0), bo = fx_gem_create(fx, f, 4096);
	int first, second;

	/* two 15 ms jobs in a row: the second is 30 ms after its submit */
	assert_int_equal(submit_write(fx, f, ctx, 0, 15 * MS, bo, 1, &first), 0);
	assert_int_equal(submit_write(fx, f, ctx, 0, 15 * MS, bo, 2, &second), 0);
	fx_advance(&fx->host, 30 * MS);
	assert_int_equal(file_info_status(fx, first), 1);
	assert_int_equal(file_info_status(fx, second), 1);
	assert_int_equal(fx_bo_read32(f, bo, 0), 2);
	fx_client_close(&fx->host, first);
	fx_client_close(&fx->host, second);
}

/* --- reset and ban --- */

static void a_timed_out_context_is_banned_and_submit_fails_with_ecanceled(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_with_timeout(fx, TIMEOUT);
	uint32_t ctx = fx_ctx_create(fx, f, 0), other = fx_ctx_create(fx, f, 0);
	uint32_t bo = fx_gem_create(fx, f, 4096);

	assert_int_equal(submit_write(fx, f, ctx, 0, 30 * MS, bo, 1, NULL), 0);
	fx_advance(&fx->host, TIMEOUT);
	assert_int_equal(submit_write(fx, f, ctx, 0, MS, bo, 2, NULL), -ECANCELED);
	assert_int_equal(submit_write(fx, f, ctx, 1, MS, bo, 2, NULL), -ECANCELED);
	assert_int_equal(fx_stats(fx, f).jobs, 0);
	/* the file's other context still works */
	assert_int_equal(submit_write(fx, f, other, 0, MS, bo, 3, NULL), 0);
	fx_advance(&fx->host, MS);
	assert_int_equal(fx_bo_read32(f, bo, 0), 3);
}

static void other_contexts_jobs_queued_behind_the_guilty_job_complete(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_with_timeout(fx, TIMEOUT);
	struct fdri_file *g = fx_open(fx, FDRI_NODE_RENDER, &fx->user2);
	uint32_t ctx = fx_ctx_create(fx, f, 0), bo = fx_gem_create(fx, f, 4096);
	uint32_t ctx_g = fx_ctx_create(fx, g, 0), bo_g = fx_gem_create(fx, g, 4096);
	int guilty, innocent;

	assert_int_equal(submit_write(fx, f, ctx, 0, 60 * MS, bo, 1, &guilty), 0);
	assert_int_equal(submit_write(fx, g, ctx_g, 0, 5 * MS, bo_g, 9, &innocent), 0);
	fx_advance(&fx->host, TIMEOUT);
	assert_int_equal(file_info_status(fx, guilty), -ETIME);
	assert_int_equal(file_info_status(fx, innocent), 0); /* it runs now */
	fx_advance(&fx->host, 5 * MS);
	assert_int_equal(file_info_status(fx, innocent), 1);
	assert_int_equal(fx_bo_read32(g, bo_g, 0), 9);
	fx_client_close(&fx->host, guilty);
	fx_client_close(&fx->host, innocent);
}

static void the_banned_contexts_queued_jobs_are_cancelled_with_ecanceled(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_with_timeout(fx, TIMEOUT);
	uint32_t ctx = fx_ctx_create(fx, f, 0);
	uint32_t a = fx_gem_create(fx, f, 4096), b = fx_gem_create(fx, f, 4096);
	int guilty, same_queue, other_queue;

	assert_int_equal(submit_write(fx, f, ctx, 0, 60 * MS, a, 1, &guilty), 0);
	assert_int_equal(submit_write(fx, f, ctx, 0, MS, b, 2, &same_queue), 0);
	/* on queue 1, held back by the guilty job through implicit sync */
	assert_int_equal(submit_write(fx, f, ctx, 1, MS, a, 3, &other_queue), 0);
	fx_advance(&fx->host, TIMEOUT);
	assert_int_equal(file_info_status(fx, guilty), -ETIME);
	assert_int_equal(file_info_status(fx, same_queue), -ECANCELED);
	assert_int_equal(file_info_status(fx, other_queue), -ECANCELED);
	assert_int_equal(fx_bo_read32(f, a, 0), 0);
	assert_int_equal(fx_bo_read32(f, b, 0), 0);
	assert_int_equal(fx_stats(fx, f).jobs, 0);
	fx_client_close(&fx->host, guilty);
	fx_client_close(&fx->host, same_queue);
	fx_client_close(&fx->host, other_queue);
}

static void a_running_job_of_the_banned_context_on_another_queue_completes(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_with_timeout(fx, TIMEOUT);
	uint32_t ctx = fx_ctx_create(fx, f, 0);
	uint32_t a = fx_gem_create(fx, f, 4096), b = fx_gem_create(fx, f, 4096);
	int running;

	assert_int_equal(submit_write(fx, f, ctx, 0, 60 * MS, a, 1, NULL), 0);
	assert_int_equal(submit_write(fx, f, ctx, 1, 19 * MS, b, 2, NULL), 0);
	assert_int_equal(submit_write(fx, f, ctx, 1, 2 * MS, b, 3, &running), 0);
	fx_advance(&fx->host, 19 * MS); /* the second started at 19 ms */
	fx_advance(&fx->host, 1 * MS);  /* the reset */
	fx_advance(&fx->host, 1 * MS);
	assert_int_equal(file_info_status(fx, running), 1);
	assert_int_equal(fx_bo_read32(f, b, 0), 3);
	fx_client_close(&fx->host, running);
}

static void the_guilty_fence_reaches_out_syncobjs_with_etime(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_with_timeout(fx, TIMEOUT);
	uint32_t ctx = fx_ctx_create(fx, f, 0);
	struct drm_syncobj_create c = { 0 };
	struct fdri_fence *fence;
	struct fx_job j;

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_SYNCOBJ_CREATE, &c), 0);
	fx_job_init(&j, ctx, 0, 30 * MS);
	fx_job_syncobj(&j, c.handle, FAKEDRI_SUBMIT_SYNCOBJ_SIGNAL, 0);
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	fx_advance(&fx->host, TIMEOUT);
	fence = fx_syncobj_fence(f, c.handle);
	assert_non_null(fence);
	assert_true(fdri_fence_is_signaled(fence));
	assert_int_equal(fence->error, -ETIME);
	fdri_fence_put(fence);
}

/* --- RESET_STATS --- */

static void reset_stats_before_any_reset_are_zero(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	uint32_t ctx = fx_ctx_create(fx, f, 0);
	struct drm_fakedri_reset_stats rs = reset_stats(fx, f, ctx);

	assert_int_equal(rs.flags, 0);
	assert_int_equal(rs.reset_count, 0);
	assert_int_equal(rs.batch_active, 0);
	assert_int_equal(rs.batch_pending, 0);
	rs = reset_stats(fx, f, 0);
	assert_int_equal(rs.flags, 0);
	assert_int_equal(rs.reset_count, 0);
}

static void reset_stats_reject_flags_pad_and_unknown_contexts(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct fdri_file *g = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	uint32_t ctx = fx_ctx_create(fx, f, 0);
	struct drm_fakedri_reset_stats rs = { .ctx_id = ctx, .flags = 1 };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_RESET_STATS, &rs), -EINVAL);
	rs = (struct drm_fakedri_reset_stats){ .ctx_id = ctx, .pad = 1 };
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_RESET_STATS, &rs), -EINVAL);
	rs = (struct drm_fakedri_reset_stats){ .ctx_id = ctx + 1 };
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_RESET_STATS, &rs), -ENOENT);
	rs = (struct drm_fakedri_reset_stats){ .ctx_id = ctx };
	assert_int_equal(fx_ioctl(fx, g, DRM_IOCTL_FAKEDRI_RESET_STATS, &rs), -ENOENT); /* f's */
}

static void reset_stats_count_guilty_and_pending_jobs_per_context(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_with_timeout(fx, TIMEOUT);
	uint32_t a = fx_ctx_create(fx, f, 0), b = fx_ctx_create(fx, f, 0);
	uint32_t idle = fx_ctx_create(fx, f, 0), bo = fx_gem_create(fx, f, 4096);
	uint32_t bo2 = fx_gem_create(fx, f, 4096);
	struct drm_fakedri_reset_stats rs;

	assert_int_equal(submit_write(fx, f, a, 0, 60 * MS, bo, 1, NULL), 0);
	assert_int_equal(submit_write(fx, f, b, 0, MS, bo2, 2, NULL), 0);
	assert_int_equal(submit_write(fx, f, b, 0, MS, bo2, 3, NULL), 0);
	fx_advance(&fx->host, TIMEOUT + 2 * MS);

	rs = reset_stats(fx, f, a);
	assert_int_equal(rs.flags, FAKEDRI_RESET_FLAG_RESET | FAKEDRI_RESET_FLAG_GUILTY |
				   FAKEDRI_RESET_FLAG_BANNED);
	assert_int_equal(rs.reset_count, 1);
	assert_int_equal(rs.batch_active, 1);
	assert_int_equal(rs.batch_pending, 0);
	rs = reset_stats(fx, f, b);
	assert_int_equal(rs.flags, FAKEDRI_RESET_FLAG_RESET);
	assert_int_equal(rs.reset_count, 1);
	assert_int_equal(rs.batch_active, 0);
	assert_int_equal(rs.batch_pending, 2);
	rs = reset_stats(fx, f, idle);
	assert_int_equal(rs.flags, FAKEDRI_RESET_FLAG_RESET);
	assert_int_equal(rs.batch_pending, 0);
	rs = reset_stats(fx, f, 0);
	assert_int_equal(rs.flags, FAKEDRI_RESET_FLAG_RESET | FAKEDRI_RESET_FLAG_GUILTY |
				   FAKEDRI_RESET_FLAG_BANNED);
	assert_int_equal(rs.reset_count, 1);
	assert_int_equal(rs.batch_active, 1);
	assert_int_equal(rs.batch_pending, 2);
	assert_int_equal(fx_bo_read32(f, bo2, 0), 3);
}

static void a_context_made_after_a_reset_has_no_reset_flag(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_with_timeout(fx, TIMEOUT);
	uint32_t a = fx_ctx_create(fx, f, 0), bo = fx_gem_create(fx, f, 4096), later;
	struct drm_fakedri_reset_stats rs;

	assert_int_equal(submit_write(fx, f, a, 0, 60 * MS, bo, 1, NULL), 0);
	fx_advance(&fx->host, TIMEOUT);
	later = fx_ctx_create(fx, f, 0);
	rs = reset_stats(fx, f, later);
	assert_int_equal(rs.flags, 0);
	assert_int_equal(rs.reset_count, 1);
}

static void the_device_counts_each_reset(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_with_timeout(fx, TIMEOUT);
	uint32_t a = fx_ctx_create(fx, f, 0), b = fx_ctx_create(fx, f, 0);
	uint32_t bo = fx_gem_create(fx, f, 4096), bo2 = fx_gem_create(fx, f, 4096);
	struct fdri_gpu_reset_counts rc;

	assert_int_equal(submit_write(fx, f, a, 0, 60 * MS, bo, 1, NULL), 0);
	assert_int_equal(submit_write(fx, f, b, 1, 60 * MS, bo2, 1, NULL), 0);
	assert_int_equal(submit_write(fx, f, b, 1, MS, bo2, 2, NULL), 0);
	fx_advance(&fx->host, TIMEOUT + MS);
	assert_int_equal(reset_stats(fx, f, 0).reset_count, 2);
	fdri_gpu_reset_counts(fx->dev, &rc);
	assert_int_equal(rc.resets, 2);
	assert_int_equal(rc.guilty, 2);
	assert_int_equal(rc.pending, 1);
	assert_int_equal(rc.cancelled, 1);
	assert_int_equal(rc.banned, 2);
	assert_int_equal(reset_stats(fx, f, b).batch_pending, 1);
}

static void a_reset_on_one_device_leaves_the_other_untouched(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_with_timeout(fx, TIMEOUT);
	struct fdri_device *dev2 = fx_second_device(fx);
	struct fdri_file *g = fx_open_on(fx, dev2, FDRI_NODE_RENDER, &fx->user);
	uint32_t a = fx_ctx_create(fx, f, 0), bo = fx_gem_create(fx, f, 4096);
	uint32_t ctx_g = fx_ctx_create(fx, g, 0);

	assert_int_equal(submit_write(fx, f, a, 0, 60 * MS, bo, 1, NULL), 0);
	fx_advance(&fx->host, TIMEOUT);
	assert_int_equal(reset_stats(fx, f, 0).reset_count, 1);
	assert_int_equal(reset_stats(fx, g, 0).reset_count, 0);
	assert_int_equal(reset_stats(fx, g, ctx_g).flags, 0);
}

/* debugfs's fakedri_jobs (a copy the caller frees) */
static char *show_jobs(struct fdri_device *dev)
{
	struct fdri_seq m;
	char *text;

	fdri_seq_init(&m);
	assert_int_equal(fdri_debugfs_show(dev, "fakedri_jobs", &m), 0);
	text = calloc(1, m.len + 1);
	assert_non_null(text);
	if (m.len)
		memcpy(text, m.buf, m.len);
	fdri_seq_fini(&m);
	return text;
}

static void debugfs_jobs_shows_the_timeout_the_resets_and_hung_jobs(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_with_timeout(fx, TIMEOUT);
	uint32_t ctx = fx_ctx_create(fx, f, 0), other = fx_ctx_create(fx, f, 0);
	uint32_t bo = fx_gem_create(fx, f, 4096);
	char *text;

	text = show_jobs(fx->dev);
	assert_non_null(strstr(text, "\njob timeout 20000000 ns; 0 resets, 0 jobs timed out, "
				     "0 pending at a reset, 0 cancelled, 0 contexts banned\n"));
	free(text);
	arm(fx, fx->dev, "job,nth=1,hang");
	assert_int_equal(submit_write(fx, f, ctx, 0, MS, bo, 1, NULL), 0);
	assert_int_equal(submit_write(fx, f, other, 0, MS, bo, 2, NULL), 0);
	text = show_jobs(fx->dev);
	assert_non_null(strstr(text, ":1 running file"));
	assert_non_null(strstr(text, ", hung, 1 bos"));
	assert_non_null(strstr(text, ":2 waiting file"));
	assert_null(strstr(strstr(text, ", hung") + 1, ", hung")); /* only the first */
	free(text);
	fx_advance(&fx->host, TIMEOUT + MS);
	fdri_device_unplug(fx->dev);
	text = show_jobs(fx->dev);
	assert_non_null(strstr(text, "; 1 resets, 1 jobs timed out, 1 pending at a reset, "
				     "0 cancelled, 1 contexts banned; unplugged\n"));
	free(text);
}

/* --- hooks --- */

struct hook_log {
	unsigned int resets, done;
	uint32_t guilty_ctx;
	int last_error;
};

static void on_reset(void *priv, const struct fdri_gpu_job_info *job)
{
	struct hook_log *log = priv;

	log->resets++;
	log->guilty_ctx = job->ctx_id;
	assert_int_equal(log->done, 0); /* before its fence signals */
}

static void on_done(void *priv, const struct fdri_gpu_job_info *job)
{
	struct hook_log *log = priv;

	log->done++;
	log->last_error = job->error;
}

static void the_reset_hook_reports_the_guilty_job_before_it_completes(void **state)
{
	static const struct fdri_gpu_events ev = { .reset = on_reset, .job_done = on_done };
	struct fx *fx = *state;
	struct fdri_file *f = open_with_timeout(fx, TIMEOUT);
	uint32_t ctx = fx_ctx_create(fx, f, 0), bo = fx_gem_create(fx, f, 4096);
	struct hook_log log = { 0 };

	assert_int_equal(fdri_gpu_set_events(fx->dev, &ev, &log), 0);
	assert_int_equal(submit_write(fx, f, ctx, 0, 60 * MS, bo, 1, NULL), 0);
	fx_advance(&fx->host, TIMEOUT);
	assert_int_equal(log.resets, 1);
	assert_int_equal(log.guilty_ctx, ctx);
	assert_int_equal(log.done, 1);
	assert_int_equal(log.last_error, -ETIME);
	assert_int_equal(fdri_gpu_set_events(fx->dev, NULL, NULL), 0);
}

/* --- faults at the job and fence sites --- */

static void the_hang_acceptance_scenario(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *fa = open_with_timeout(fx, TIMEOUT);
	struct fdri_file *fb = fx_open(fx, FDRI_NODE_RENDER, &fx->user2);
	uint32_t a = fx_ctx_create(fx, fa, 0), bo_a = fx_gem_create(fx, fa, 4096);
	uint32_t b = fx_ctx_create(fx, fb, 0), bo_b = fx_gem_create(fx, fb, 4096);
	struct drm_fakedri_reset_stats rs;
	int hung, innocent;
	char spec[64];

	/* only context a's jobs hang: b has the same id in the other file, so
	 * filter by file too */
	snprintf(spec, sizeof(spec), "job,ctx=%u,file=%llu,hang", a,
		 (unsigned long long)fa->id);
	arm(fx, fx->dev, spec);
	assert_int_equal(submit_write(fx, fa, a, 0, MS, bo_a, 1, &hung), 0);
	assert_int_equal(submit_write(fx, fb, b, 1, MS, bo_b, 2, &innocent), 0);
	fx_advance(&fx->host, MS);
	assert_int_equal(file_info_status(fx, innocent), 1);
	assert_int_equal(fx_bo_read32(fb, bo_b, 0), 2);
	assert_int_equal(file_info_status(fx, hung), 0); /* a 1 ms job, hung */
	fx_advance(&fx->host, TIMEOUT - MS - 1);
	assert_int_equal(file_info_status(fx, hung), 0);
	fx_advance(&fx->host, 1);
	assert_int_equal(file_info_status(fx, hung), -ETIME);
	assert_int_equal(fx_bo_read32(fa, bo_a, 0), 0);
	assert_int_equal(submit_write(fx, fa, a, 0, MS, bo_a, 3, NULL), -ECANCELED);

	rs = reset_stats(fx, fa, a);
	assert_int_equal(rs.reset_count, 1);
	assert_int_equal(rs.flags, FAKEDRI_RESET_FLAG_RESET | FAKEDRI_RESET_FLAG_GUILTY |
				   FAKEDRI_RESET_FLAG_BANNED);
	assert_int_equal(rs.batch_active, 1);
	rs = reset_stats(fx, fb, b);
	assert_int_equal(rs.reset_count, 1);
	assert_int_equal(rs.flags, FAKEDRI_RESET_FLAG_RESET); /* not guilty */
	assert_int_equal(rs.batch_active, 0);
	assert_int_equal(fdri_faults_injected(fx->dev->faults), 1);
	fx_client_close(&fx->host, hung);
	fx_client_close(&fx->host, innocent);
}

static void a_job_errno_fault_fails_submit_and_queues_nothing(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	uint32_t ctx = fx_ctx_create(fx, f, 0), bo = fx_gem_create(fx, f, 4096);
	struct drm_fakedri_submit_bo b = { .handle = bo, .flags = WR };
	struct drm_fakedri_submit s = { .ctx_id = ctx, .queue = 0, .fence_fd = -1,
					.duration_ns = MS, .bos = (uintptr_t)&b, .nr_bos = 1 };

	arm(fx, fx->dev, "job,nth=2,errno=ENOSPC");
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_SUBMIT, &s), 0);
	assert_int_equal(s.seqno, 1);
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_SUBMIT, &s), -ENOSPC);
	assert_int_equal(fx_stats(fx, f).jobs, 1);
	/* only the first job's fence is on the buffer */
	assert_non_null(fdri_resv_fence(fdri_gem_resv(fdri_gem_lookup(f, bo)),
					FDRI_RESV_USAGE_BOOKKEEP, 0));
	assert_null(fdri_resv_fence(fdri_gem_resv(fdri_gem_lookup(f, bo)),
				    FDRI_RESV_USAGE_BOOKKEEP, 1));
	s.seqno = 0;
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_SUBMIT, &s), 0);
	assert_int_equal(s.seqno, 2); /* the failed one took no seqno */
	fx_advance(&fx->host, 2 * MS);
	assert_int_equal(fx_stats(fx, f).jobs, 0);
}

static void a_job_delay_fault_lengthens_the_job(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	uint32_t ctx = fx_ctx_create(fx, f, 0), bo = fx_gem_create(fx, f, 4096);
	int fd;

	arm(fx, fx->dev, "job,delay=10ms");
	assert_int_equal(submit_write(fx, f, ctx, 0, 5 * MS, bo, 4, &fd), 0);
	fx_advance(&fx->host, 15 * MS - 1);
	assert_int_equal(file_info_status(fx, fd), 0);
	fx_advance(&fx->host, 1);
	assert_int_equal(file_info_status(fx, fd), 1);
	assert_int_equal(fx_bo_read32(f, bo, 0), 4);
	fx_client_close(&fx->host, fd);
}

static void a_job_fence_error_fault_completes_it_with_the_error(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	uint32_t ctx = fx_ctx_create(fx, f, 0), bo = fx_gem_create(fx, f, 4096);
	int fd;

	arm(fx, fx->dev, "job,queue=1,fence-error=EIO");
	assert_int_equal(submit_write(fx, f, ctx, 0, 5 * MS, bo, 4, NULL), 0); /* queue 0 */
	fx_advance(&fx->host, 5 * MS);
	assert_int_equal(fx_bo_read32(f, bo, 0), 4);
	assert_int_equal(submit_write(fx, f, ctx, 1, 5 * MS, bo, 5, &fd), 0);
	fx_advance(&fx->host, 5 * MS - 1);
	assert_int_equal(file_info_status(fx, fd), 0); /* it takes its time */
	fx_advance(&fx->host, 1);
	assert_int_equal(file_info_status(fx, fd), -EIO);
	assert_int_equal(fx_bo_read32(f, bo, 0), 4); /* its commands did not run */
	assert_int_equal(reset_stats(fx, f, ctx).flags, 0); /* no reset, no ban */
	fx_client_close(&fx->host, fd);
}

static void a_hung_job_never_completes_by_itself_within_the_timeout(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user); /* 2 s timeout */
	uint32_t ctx = fx_ctx_create(fx, f, 0), bo = fx_gem_create(fx, f, 4096);
	int fd;

	arm(fx, fx->dev, "job,hang");
	assert_int_equal(submit_write(fx, f, ctx, 0, 0, bo, 4, &fd), 0);
	fx_advance(&fx->host, 2000 * MS - 1);
	assert_int_equal(file_info_status(fx, fd), 0);
	assert_int_equal(fx_stats(fx, f).jobs, 1);
	fx_advance(&fx->host, 1);
	assert_int_equal(file_info_status(fx, fd), -ETIME);
	fx_client_close(&fx->host, fd);
}

static void a_fence_fault_makes_a_jobs_fence_signal_with_the_error(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	uint32_t ctx = fx_ctx_create(fx, f, 0), bo = fx_gem_create(fx, f, 4096);
	int first, second;

	arm(fx, fx->dev, "fence,nth=2,fence-error=ENOMEM");
	assert_int_equal(submit_write(fx, f, ctx, 0, MS, bo, 1, &first), 0);
	assert_int_equal(submit_write(fx, f, ctx, 0, MS, bo, 2, &second), 0);
	fx_advance(&fx->host, 2 * MS);
	assert_int_equal(file_info_status(fx, first), 1);
	assert_int_equal(file_info_status(fx, second), -ENOMEM);
	assert_int_equal(fx_bo_read32(f, bo, 0), 1);
	fx_client_close(&fx->host, first);
	fx_client_close(&fx->host, second);
}

static void a_fence_fault_makes_a_vgem_fence_signal_with_the_error(void **state)
{
	struct fx *fx = *state;
	struct fdri_device *vgem = fx_vgem_device(fx);
	struct fdri_file *f = fx_open_on(fx, vgem, FDRI_NODE_RENDER, &fx->user);
	struct fdri_gem *obj;
	int h = fdri_gem_create_with_handle(f, 4096, &obj);
	struct drm_vgem_fence_attach at = { .handle = (uint32_t)h, .flags = VGEM_FENCE_WRITE };
	struct drm_vgem_fence_signal sg = { 0 };
	struct fdri_fence *fence;

	assert_true(h > 0);
	arm(fx, vgem, "fence,errno=EIO");
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_VGEM_FENCE_ATTACH, &at), 0);
	fence = fdri_fence_get(fdri_resv_fence(fdri_gem_resv(obj), FDRI_RESV_USAGE_BOOKKEEP, 0));
	sg.fence = at.out_fence;
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_VGEM_FENCE_SIGNAL, &sg), 0);
	assert_true(fdri_fence_is_signaled(fence));
	assert_int_equal(fence->error, -EIO);
	fdri_fence_put(fence);
}

static void a_job_unplug_fault_unplugs_the_device_and_fails_with_enodev(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	uint32_t ctx = fx_ctx_create(fx, f, 0), bo = fx_gem_create(fx, f, 4096);
	int fd;

	arm(fx, fx->dev, "job,nth=2,unplug");
	assert_int_equal(submit_write(fx, f, ctx, 0, 5 * MS, bo, 1, &fd), 0);
	assert_int_equal(submit_write(fx, f, ctx, 0, 5 * MS, bo, 2, NULL), -ENODEV);
	assert_true(fx->dev->unplugged);
	assert_int_equal(file_info_status(fx, fd), -ENODEV);
	fx_client_close(&fx->host, fd);
}

/* --- unplug --- */

static void unplug_completes_running_and_queued_jobs_with_enodev(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	uint32_t ctx = fx_ctx_create(fx, f, 0), bo = fx_gem_create(fx, f, 4096);
	uint32_t bo2 = fx_gem_create(fx, f, 4096);
	int running, queued, waiting;

	assert_int_equal(submit_write(fx, f, ctx, 0, 5 * MS, bo, 1, &running), 0);
	assert_int_equal(submit_write(fx, f, ctx, 0, 5 * MS, bo2, 2, &queued), 0);
	assert_int_equal(submit_write(fx, f, ctx, 1, 5 * MS, bo, 3, &waiting), 0);
	fx_advance(&fx->host, MS);
	fdri_device_unplug(fx->dev);
	assert_int_equal(file_info_status(fx, running), -ENODEV);
	assert_int_equal(file_info_status(fx, queued), -ENODEV);
	assert_int_equal(file_info_status(fx, waiting), -ENODEV);
	assert_int_equal(fx->dev->stats.jobs, 0);
	assert_int_equal(fx_timers_armed(&fx->host), 0);
	fx_advance(&fx->host, 10 * MS);
	assert_int_equal(fx_bo_read32(f, bo, 0), 0);   /* nothing ran */
	assert_int_equal(fx_bo_read32(f, bo2, 0), 0);
	fx_client_close(&fx->host, running);
	fx_client_close(&fx->host, queued);
	fx_client_close(&fx->host, waiting);
}

static void submit_after_unplug_fails_with_enodev(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	uint32_t ctx = fx_ctx_create(fx, f, 0), bo = fx_gem_create(fx, f, 4096);
	struct drm_fakedri_submit_bo b = { .handle = bo, .flags = WR };
	struct drm_fakedri_submit s = { .ctx_id = ctx, .fence_fd = -1, .duration_ns = MS,
					.bos = (uintptr_t)&b, .nr_bos = 1 };
	struct fdri_ioctl_args a;

	fdri_device_unplug(fx->dev);
	/* the handler itself, below the core's ENODEV for every ioctl */
	memset(&a, 0, sizeof(a));
	a.in_fd = -1;
	a.out_fd = -1;
	assert_int_equal(fdri_gpu_ioctl_submit(f, &fx->user, &s, &a), -ENODEV);
	assert_int_equal(fx->dev->stats.jobs, 0);
}

static void unplug_leaves_the_other_devices_jobs_running(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct fdri_device *dev2 = fx_second_device(fx);
	struct fdri_file *g = fx_open_on(fx, dev2, FDRI_NODE_RENDER, &fx->user);
	uint32_t ctx = fx_ctx_create(fx, f, 0), bo = fx_gem_create(fx, f, 4096);
	uint32_t ctx_g = fx_ctx_create(fx, g, 0), bo_g = fx_gem_create(fx, g, 4096);
	int mine, other;

	assert_int_equal(submit_write(fx, f, ctx, 0, 5 * MS, bo, 1, &mine), 0);
	assert_int_equal(submit_write(fx, g, ctx_g, 0, 5 * MS, bo_g, 2, &other), 0);
	fdri_device_unplug(fx->dev);
	assert_int_equal(file_info_status(fx, mine), -ENODEV);
	assert_int_equal(file_info_status(fx, other), 0);
	fx_advance(&fx->host, 5 * MS);
	assert_int_equal(file_info_status(fx, other), 1);
	assert_int_equal(fx_bo_read32(g, bo_g, 0), 2);
	fx_client_close(&fx->host, mine);
	fx_client_close(&fx->host, other);
}

static void a_job_of_another_device_waiting_on_an_unplugged_ones_fence_runs(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = fx_open(fx, FDRI_NODE_RENDER, &fx->user);
	struct fdri_device *dev2 = fx_second_device(fx);
	struct fdri_file *g = fx_open_on(fx, dev2, FDRI_NODE_RENDER, &fx->user);
	uint32_t ctx = fx_ctx_create(fx, f, 0), bo = fx_gem_create(fx, f, 4096);
	uint32_t ctx_g = fx_ctx_create(fx, g, 0), imported;
	int fd, cfd, done;

	assert_int_equal(fx_export(fx, f, bo, DRM_CLOEXEC | DRM_RDWR, &fd), 0);
	cfd = fx_client_dup(&fx->host, fd);
	assert_int_equal(fx_import(fx, g, cfd, &imported), 0);
	fx_client_close(&fx->host, cfd);
	assert_int_equal(submit_write(fx, f, ctx, 0, 50 * MS, bo, 1, NULL), 0);
	/* implicit sync on the shared buffer: waits for f's job */
	assert_int_equal(submit_write(fx, g, ctx_g, 0, MS, imported, 2, &done), 0);
	fdri_device_unplug(fx->dev);
	fx_advance(&fx->host, MS);
	assert_int_equal(file_info_status(fx, done), 1);
	assert_int_equal(fx_bo_read32(g, imported, 0), 2);
	fx_client_close(&fx->host, done);
}

static void unplug_signals_pending_vgem_fences_with_enodev(void **state)
{
	struct fx *fx = *state;
	struct fdri_device *vgem = fx_vgem_device(fx);
	struct fdri_file *f = fx_open_on(fx, vgem, FDRI_NODE_RENDER, &fx->user);
	struct fdri_file *g = fx_open_on(fx, vgem, FDRI_NODE_RENDER, &fx->user);
	struct fdri_gem *obj, *obj2;
	int h = fdri_gem_create_with_handle(f, 4096, &obj);
	int h2 = fdri_gem_create_with_handle(g, 4096, &obj2);
	struct drm_vgem_fence_attach a1 = { .handle = (uint32_t)h, .flags = VGEM_FENCE_WRITE };
	struct drm_vgem_fence_attach a2 = { .handle = (uint32_t)h2 };
	struct drm_vgem_fence_attach a3 = { .handle = (uint32_t)h2 };
	struct drm_vgem_fence_signal sg = { 0 };
	struct fdri_fence *f1, *f2, *f3;

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_VGEM_FENCE_ATTACH, &a1), 0);
	assert_int_equal(fx_ioctl(fx, g, DRM_IOCTL_VGEM_FENCE_ATTACH, &a2), 0);
	assert_int_equal(fx_ioctl(fx, g, DRM_IOCTL_VGEM_FENCE_ATTACH, &a3), 0);
	f1 = fdri_fence_get(fdri_resv_fence(fdri_gem_resv(obj), FDRI_RESV_USAGE_BOOKKEEP, 0));
	f2 = fdri_fence_get(fdri_resv_fence(fdri_gem_resv(obj2), FDRI_RESV_USAGE_BOOKKEEP, 0));
	f3 = fdri_fence_get(fdri_resv_fence(fdri_gem_resv(obj2), FDRI_RESV_USAGE_BOOKKEEP, 1));
	sg.fence = a3.out_fence;
	assert_int_equal(fx_ioctl(fx, g, DRM_IOCTL_VGEM_FENCE_SIGNAL, &sg), 0);
	fdri_device_unplug(vgem);
	assert_true(fdri_fence_is_signaled(f1));
	assert_int_equal(f1->error, -ENODEV);
	assert_true(fdri_fence_is_signaled(f2));
	assert_int_equal(f2->error, -ENODEV);
	assert_int_equal(f3->error, 0); /* it had signalled already */
	assert_int_equal(fx_timers_armed(&fx->host), 0);
	fdri_fence_put(f1);
	fdri_fence_put(f2);
	fdri_fence_put(f3);
}

static void unplug_of_a_fakedri_device_leaves_vgem_fences_alone(void **state)
{
	struct fx *fx = *state;
	struct fdri_device *vgem = fx_vgem_device(fx);
	struct fdri_file *f = fx_open_on(fx, vgem, FDRI_NODE_RENDER, &fx->user);
	struct fdri_gem *obj;
	int h = fdri_gem_create_with_handle(f, 4096, &obj);
	struct drm_vgem_fence_attach at = { .handle = (uint32_t)h };
	struct fdri_fence *fence;

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_VGEM_FENCE_ATTACH, &at), 0);
	fence = fdri_fence_get(fdri_resv_fence(fdri_gem_resv(obj), FDRI_RESV_USAGE_BOOKKEEP, 0));
	fdri_device_unplug(fx->dev);
	assert_false(fdri_fence_is_signaled(fence));
	fdri_fence_put(fence);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(the_job_timeout_is_two_seconds_by_default_and_configurable),
		FX_TEST(a_job_longer_than_the_timeout_fails_with_etime_at_the_timeout),
		FX_TEST(a_job_as_long_as_the_timeout_completes),
		FX_TEST(the_timeout_counts_from_the_start_not_the_submission),
		FX_TEST(a_timed_out_context_is_banned_and_submit_fails_with_ecanceled),
		FX_TEST(other_contexts_jobs_queued_behind_the_guilty_job_complete),
		FX_TEST(the_banned_contexts_queued_jobs_are_cancelled_with_ecanceled),
		FX_TEST(a_running_job_of_the_banned_context_on_another_queue_completes),
		FX_TEST(the_guilty_fence_reaches_out_syncobjs_with_etime),
		FX_TEST(reset_stats_before_any_reset_are_zero),
		FX_TEST(reset_stats_reject_flags_pad_and_unknown_contexts),
		FX_TEST(reset_stats_count_guilty_and_pending_jobs_per_context),
		FX_TEST(a_context_made_after_a_reset_has_no_reset_flag),
		FX_TEST(the_device_counts_each_reset),
		FX_TEST(a_reset_on_one_device_leaves_the_other_untouched),
		FX_TEST(the_reset_hook_reports_the_guilty_job_before_it_completes),
		FX_TEST(debugfs_jobs_shows_the_timeout_the_resets_and_hung_jobs),
		FX_TEST(the_hang_acceptance_scenario),
		FX_TEST(a_job_errno_fault_fails_submit_and_queues_nothing),
		FX_TEST(a_job_delay_fault_lengthens_the_job),
		FX_TEST(a_job_fence_error_fault_completes_it_with_the_error),
		FX_TEST(a_hung_job_never_completes_by_itself_within_the_timeout),
		FX_TEST(a_fence_fault_makes_a_jobs_fence_signal_with_the_error),
		FX_TEST(a_fence_fault_makes_a_vgem_fence_signal_with_the_error),
		FX_TEST(a_job_unplug_fault_unplugs_the_device_and_fails_with_enodev),
		FX_TEST(unplug_completes_running_and_queued_jobs_with_enodev),
		FX_TEST(submit_after_unplug_fails_with_enodev),
		FX_TEST(unplug_leaves_the_other_devices_jobs_running),
		FX_TEST(a_job_of_another_device_waiting_on_an_unplugged_ones_fence_runs),
		FX_TEST(unplug_signals_pending_vgem_fences_with_enodev),
		FX_TEST(unplug_of_a_fakedri_device_leaves_vgem_fences_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
