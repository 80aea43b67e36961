/*
 * test_gpu.c - the simulated GPU (fdri_gpu.c, fdri_gpu_ioctl.c): queues
 * and contexts, scheduling (durations, dependencies, in-order queues,
 * concurrent queues), implicit sync through reservations, syncobj and
 * sync_file in- and out-fences, the commands' results in buffer memory,
 * the detectors (poison, hazards, jitter), the hooks, and jobs that
 * outlive their context, file and device. Time is the fixture's fake
 * clock; the teardown checks that no job, fence, mapping or fd is left.
 */
#include "fixture.h"

#include <errno.h>
#include <string.h>

#include "fdri_fence.h"
#include "fdri_gpu.h"
#include "fdri_resv.h"
#include "fdri_sync_file.h"
#include "fdri_syncobj.h"

#define MS 1000000ll
#define RD FAKEDRI_SUBMIT_BO_READ
#define WR FAKEDRI_SUBMIT_BO_WRITE

static struct fdri_file *open_file(struct fx *fx)
{
	return fx_open(fx, FDRI_NODE_RENDER, &fx->user);
}

/* A reference to the fence of job @seqno of queue @queue, found in the
 * reservation of an object it uses. */
static struct fdri_fence *fence_of(struct fdri_file *f, uint32_t handle, unsigned int queue,
				   uint64_t seqno)
{
	struct fdri_resv *resv = fdri_gem_resv(fdri_gem_lookup(f, handle));

	for (unsigned int i = 0; i < resv->n; i++) {
		struct fdri_gpu_fence *g = fdri_gpu_fence_of(resv->entries[i].fence);

		if (g && g->queue == queue && g->base.seqno == seqno)
			return fdri_fence_get(&g->base);
	}
	fail_msg("no fence of job %u:%llu", queue, (unsigned long long)seqno);
	return NULL;
}

/* A handle in @g to @f's object @bo (PRIME export and import). */
static uint32_t share(struct fx *fx, struct fdri_file *f, uint32_t bo, struct fdri_file *g)
{
	uint32_t h;
	int fd, cfd;

	assert_int_equal(fx_export(fx, f, bo, DRM_CLOEXEC | DRM_RDWR, &fd), 0);
	cfd = fx_client_dup(&fx->host, fd);
	assert_int_equal(fx_import(fx, g, cfd, &h), 0);
	fx_client_close(&fx->host, cfd);
	return h;
}

static uint32_t syncobj_create(struct fx *fx, struct fdri_file *f)
{
	struct drm_syncobj_create c = { 0 };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_SYNCOBJ_CREATE, &c), 0);
	return c.handle;
}

/* A job writing @value at offset 0 of @bo (32 bits) */
static int submit_write(struct fx *fx, struct fdri_file *f, uint32_t ctx, uint32_t queue,
			int64_t duration, uint32_t bo, uint32_t value, uint32_t flags)
{
	struct fx_job j;

	fx_job_init(&j, ctx, queue, (uint64_t)duration);
	j.args.flags = flags;
	fx_job_cmd(&j, FAKEDRI_CMD_WRITE32, fx_job_bo(&j, bo, WR), 0, 0, value);
	return fx_submit(fx, f, &j, -1);
}

/* --- parameters, configuration, contexts --- */

static void get_param_reports_two_queues_by_default(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	struct drm_fakedri_get_param p = { .param = FAKEDRI_PARAM_NUM_QUEUES };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_GET_PARAM, &p), 0);
	assert_int_equal(p.value, 2);
	p = (struct drm_fakedri_get_param){ .param = FAKEDRI_PARAM_TIMESTAMP };
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_GET_PARAM, &p), 0);
	assert_int_equal(p.value, fx->host.now);
	p = (struct drm_fakedri_get_param){ .param = FAKEDRI_PARAM_POISON };
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_GET_PARAM, &p), 0);
	assert_int_equal(p.value, 0);
	p = (struct drm_fakedri_get_param){ .param = FAKEDRI_PARAM_HAZARDS };
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_GET_PARAM, &p), 0);
	assert_int_equal(p.value, FAKEDRI_HAZARDS_LOG);
}

static void get_param_with_unknown_param_or_pad_fails_with_einval(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	struct drm_fakedri_get_param p = { .param = 0 };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_GET_PARAM, &p), -EINVAL);
	p.param = 99;
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_GET_PARAM, &p), -EINVAL);
	p = (struct drm_fakedri_get_param){ .param = FAKEDRI_PARAM_NUM_QUEUES, .pad = 1 };
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_GET_PARAM, &p), -EINVAL);
}

static void configure_sets_queues_poison_and_hazards(void **state)
{
	struct fx *fx = *state;
	struct fdri_gpu_config cfg = { .queues = 5, .poison = true, .hazards = FDRI_HAZARDS_ERROR };
	struct drm_fakedri_get_param p = { .param = FAKEDRI_PARAM_NUM_QUEUES };
	struct fdri_file *f;

	assert_int_equal(fdri_gpu_configure(fx->dev, &cfg), 0);
	f = open_file(fx);
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_GET_PARAM, &p), 0);
	assert_int_equal(p.value, 5);
	p = (struct drm_fakedri_get_param){ .param = FAKEDRI_PARAM_POISON };
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_GET_PARAM, &p), 0);
	assert_int_equal(p.value, FAKEDRI_POISON);
	p = (struct drm_fakedri_get_param){ .param = FAKEDRI_PARAM_HAZARDS };
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_GET_PARAM, &p), 0);
	assert_int_equal(p.value, FAKEDRI_HAZARDS_ERROR);
}

static void configure_after_a_file_opened_fails_with_ebusy(void **state)
{
	struct fx *fx = *state;
	struct fdri_gpu_config cfg = { .queues = 3 };

	open_file(fx);
	assert_int_equal(fdri_gpu_configure(fx->dev, &cfg), -EBUSY);
	assert_int_equal(fdri_gpu_num_queues(fx->dev), 2);
}

static void configure_rejects_bad_values_with_einval(void **state)
{
	struct fx *fx = *state;
	struct fdri_gpu_config cfg = { .queues = FDRI_GPU_MAX_QUEUES + 1 };

	assert_int_equal(fdri_gpu_configure(fx->dev, &cfg), -EINVAL);
	cfg = (struct fdri_gpu_config){ .queues = 1, .hazards = 3 };
	assert_int_equal(fdri_gpu_configure(fx->dev, &cfg), -EINVAL);
	cfg = (struct fdri_gpu_config){ .queues = 0 }; /* the default */
	assert_int_equal(fdri_gpu_configure(fx->dev, &cfg), 0);
	assert_int_equal(fdri_gpu_num_queues(fx->dev), 2);
}

static void contexts_get_ids_from_one_and_destroy_forgets_them(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	struct drm_fakedri_ctx_destroy d = { .ctx_id = 1 };

	assert_int_equal(fx_ctx_create(fx, f, 0), 1);
	assert_int_equal(fx_ctx_create(fx, f, FAKEDRI_CTX_PRIORITY_MAX), 2);
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_CTX_DESTROY, &d), 0);
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_CTX_DESTROY, &d), -ENOENT);
	assert_int_equal(fx_ctx_create(fx, f, FAKEDRI_CTX_PRIORITY_MIN), 1); /* lowest free */
}

static void ctx_create_and_destroy_reject_bad_input(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	struct fdri_file *g = open_file(fx);
	struct drm_fakedri_ctx_create c = { .flags = 1 };
	struct drm_fakedri_ctx_destroy d = { .ctx_id = fx_ctx_create(fx, f, 0) };

	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_CTX_CREATE, &c), -EINVAL);
	c = (struct drm_fakedri_ctx_create){ .pad = 1 };
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_CTX_CREATE, &c), -EINVAL);
	c = (struct drm_fakedri_ctx_create){ .priority = FAKEDRI_CTX_PRIORITY_MAX + 1 };
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_CTX_CREATE, &c), -EINVAL);
	c = (struct drm_fakedri_ctx_create){ .priority = FAKEDRI_CTX_PRIORITY_MIN - 1 };
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_CTX_CREATE, &c), -EINVAL);
	assert_int_equal(fx_ioctl(fx, g, DRM_IOCTL_FAKEDRI_CTX_DESTROY, &d), -ENOENT); /* f's */
	d.pad = 1;
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_CTX_DESTROY, &d), -EINVAL);
	d = (struct drm_fakedri_ctx_destroy){ .ctx_id = 0 };
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_CTX_DESTROY, &d), -ENOENT);
}

/* --- scheduling --- */

static void a_job_signals_its_fence_after_its_duration(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	uint32_t ctx = fx_ctx_create(fx, f, 0), bo = fx_gem_create(fx, f, 4096);
	int64_t t0 = fx->host.now;
	struct fx_job j;
	struct fdri_fence *fence;

	fx_job_init(&j, ctx, 1, 10 * MS);
	fx_job_bo(&j, bo, WR);
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	assert_int_equal(j.args.seqno, 1);
	fence = fence_of(f, bo, 1, 1);
	assert_string_equal(fdri_fence_driver_name(fence), "fakedri");
	assert_string_equal(fdri_fence_timeline_name(fence), "queue1");
	assert_int_equal(fence->seqno, 1);
	assert_int_equal(fx_stats(fx, f).jobs, 1);
	fx_advance(&fx->host, 10 * MS - 1);
	assert_false(fdri_fence_is_signaled(fence));
	fx_advance(&fx->host, 1);
	assert_true(fdri_fence_is_signaled(fence));
	assert_int_equal(fence->error, 0);
	assert_int_equal(fence->timestamp, t0 + 10 * MS);
	assert_int_equal(fx_stats(fx, f).jobs, 0);
	fdri_fence_put(fence);
}

/* The kernel's dma-buf keeps its exporter alive, fences and all: the
 * daemon, which cannot see the client's dma-buf fd, finds the object a job
 * still holds by its memory's inode once the exporter's handles are gone. */
static void an_import_after_the_exporter_left_still_sees_the_pending_job(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx), *g = open_file(fx);
	uint32_t ctx = fx_ctx_create(fx, f, 0), bo = fx_gem_create(fx, f, 4096), h;
	struct fx_job j;
	int fd, cfd;

	fx_job_init(&j, ctx, 0, 10 * MS);
	fx_job_cmd(&j, FAKEDRI_CMD_FILL, fx_job_bo(&j, bo, WR), 0, 4096, 0x5a5a5a5a);
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	assert_int_equal(fx_export(fx, f, bo, DRM_CLOEXEC | DRM_RDWR, &fd), 0);
	cfd = fx_client_dup(&fx->host, fd);
	fx_close(fx, f);
	assert_int_equal(fx_import(fx, g, cfd, &h), 0);
	fx_client_close(&fx->host, cfd);
	assert_false(fdri_resv_test_signaled(fdri_gem_resv(fdri_gem_lookup(g, h)),
					     FDRI_RESV_USAGE_WRITE));
	fx_advance(&fx->host, 10 * MS);
	assert_true(fdri_resv_test_signaled(fdri_gem_resv(fdri_gem_lookup(g, h)),
					    FDRI_RESV_USAGE_WRITE));
	assert_int_equal(fx_bo_read32(g, h, 0), 0x5a5a5a5a);
}

static void seqnos_count_per_queue(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	uint32_t ctx = fx_ctx_create(fx, f, 0);
	struct fx_job j;

	for (int i = 1; i <= 3; i++) {
		fx_job_init(&j, ctx, 0, MS);
		assert_int_equal(fx_submit(fx, f, &j, -1), 0);
		assert_int_equal(j.args.seqno, i);
	}
	fx_job_init(&j, ctx, 1, MS);
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	assert_int_equal(j.args.seqno, 1);
	fx_advance(&fx->host, 3 * MS);
	assert_int_equal(fx_stats(fx, f).jobs, 0);
}

static void jobs_on_one_queue_complete_in_submission_order(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	uint32_t ctx = fx_ctx_create(fx, f, 0);
	uint32_t a = fx_gem_create(fx, f, 4096), b = fx_gem_create(fx, f, 4096);
	int64_t t0 = fx->host.now;
	struct fdri_fence *fa, *fb;

	/* the second is shorter, and shares nothing with the first */
	assert_int_equal(submit_write(fx, f, ctx, 0, 10 * MS, a, 1, 0), 0);
	assert_int_equal(submit_write(fx, f, ctx, 0, 1 * MS, b, 2, 0), 0);
	fa = fence_of(f, a, 0, 1);
	fb = fence_of(f, b, 0, 2);
	fx_advance(&fx->host, 5 * MS);
	assert_false(fdri_fence_is_signaled(fb));
	fx_advance(&fx->host, 5 * MS);
	assert_true(fdri_fence_is_signaled(fa));
	assert_false(fdri_fence_is_signaled(fb));
	fx_advance(&fx->host, 1 * MS);
	assert_true(fdri_fence_is_signaled(fb));
	assert_int_equal(fa->timestamp, t0 + 10 * MS);
	assert_int_equal(fb->timestamp, t0 + 11 * MS);
	fdri_fence_put(fa);
	fdri_fence_put(fb);
}

static void queues_run_concurrently(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	uint32_t ctx = fx_ctx_create(fx, f, 0);
	uint32_t a = fx_gem_create(fx, f, 4096), b = fx_gem_create(fx, f, 4096);
	int64_t t0 = fx->host.now;
	struct fdri_fence *fa, *fb;

	assert_int_equal(submit_write(fx, f, ctx, 0, 10 * MS, a, 1, 0), 0);
	assert_int_equal(submit_write(fx, f, ctx, 1, 4 * MS, b, 2, 0), 0);
	fa = fence_of(f, a, 0, 1);
	fb = fence_of(f, b, 1, 1);
	fx_advance(&fx->host, 10 * MS);
	assert_int_equal(fb->timestamp, t0 + 4 * MS);
	assert_int_equal(fa->timestamp, t0 + 10 * MS);
	fdri_fence_put(fa);
	fdri_fence_put(fb);
}

static void a_job_waits_for_a_syncobj_another_queue_signals(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	uint32_t ctx = fx_ctx_create(fx, f, 0), s = syncobj_create(fx, f);
	uint32_t a = fx_gem_create(fx, f, 4096), b = fx_gem_create(fx, f, 4096);
	int64_t t0 = fx->host.now;
	struct fdri_fence *fa, *fb;
	struct fx_job j;

	fx_job_init(&j, ctx, 0, 10 * MS);
	fx_job_bo(&j, a, WR);
	fx_job_syncobj(&j, s, FAKEDRI_SUBMIT_SYNCOBJ_SIGNAL, 0);
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	fx_job_init(&j, ctx, 1, 2 * MS);
	fx_job_bo(&j, b, WR);
	fx_job_syncobj(&j, s, FAKEDRI_SUBMIT_SYNCOBJ_WAIT, 0);
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	fa = fence_of(f, a, 0, 1);
	fb = fence_of(f, b, 1, 1);
	fx_advance(&fx->host, 11 * MS);
	assert_false(fdri_fence_is_signaled(fb));   /* started at 10 ms */
	fx_advance(&fx->host, 1 * MS);
	assert_int_equal(fa->timestamp, t0 + 10 * MS);
	assert_int_equal(fb->timestamp, t0 + 12 * MS);
	fdri_fence_put(fa);
	fdri_fence_put(fb);
}

static void a_dependency_that_failed_does_not_fail_the_job(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	uint32_t ctx = fx_ctx_create(fx, f, 0), s = syncobj_create(fx, f);
	uint32_t bo = fx_gem_create(fx, f, 4096);
	struct fdri_fence *dep = fdri_fence_create(fdri_fence_context_alloc(1), 1), *fence;
	struct fdri_syncobj *so = fdri_syncobj_find(f, s);
	struct fx_job j;

	fdri_syncobj_replace_fence(so, dep);
	fdri_syncobj_put(so);
	fx_job_init(&j, ctx, 0, MS);
	fx_job_cmd(&j, FAKEDRI_CMD_WRITE32, fx_job_bo(&j, bo, WR), 0, 0, 7);
	fx_job_syncobj(&j, s, FAKEDRI_SUBMIT_SYNCOBJ_WAIT, 0);
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	fence = fence_of(f, bo, 0, 1);
	fdri_fence_set_error(dep, -EIO);
	fdri_fence_signal(dep, fx->host.now);
	fx_advance(&fx->host, MS);
	/* as drm_sched in Linux 6.1: it runs, with no error */
	assert_true(fdri_fence_is_signaled(fence));
	assert_int_equal(fence->error, 0);
	assert_int_equal(fx_bo_read32(f, bo, 0), 7);
	fdri_fence_put(fence);
	fdri_fence_put(dep);
}

/* --- implicit sync --- */

static void a_reader_waits_for_the_writer_on_another_queue(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	uint32_t ctx = fx_ctx_create(fx, f, 0);
	uint32_t src = fx_gem_create(fx, f, 4096), dst = fx_gem_create(fx, f, 4096);
	struct fx_job j;

	assert_int_equal(submit_write(fx, f, ctx, 0, 10 * MS, src, 0x1234, 0), 0);
	fx_job_init(&j, ctx, 1, 1 * MS);
	fx_job_copy(&j, fx_job_bo(&j, dst, WR), 0, fx_job_bo(&j, src, RD), 0, 4);
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	fx_advance(&fx->host, 10 * MS);
	assert_int_equal(fx_bo_read32(f, src, 0), 0x1234);
	assert_int_equal(fx_bo_read32(f, dst, 0), 0);  /* the copy runs until 11 ms */
	fx_advance(&fx->host, 1 * MS);
	assert_int_equal(fx_bo_read32(f, dst, 0), 0x1234);
}

static void a_writer_waits_for_every_reader(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	uint32_t ctx = fx_ctx_create(fx, f, 0);
	uint32_t src = fx_gem_create(fx, f, 4096), d0 = fx_gem_create(fx, f, 4096);
	uint32_t d1 = fx_gem_create(fx, f, 4096);
	uint32_t v = 5;
	int64_t t0 = fx->host.now;
	struct fdri_fence *w;
	struct fx_job j;

	fx_bo_write(f, src, 0, &v, 4);
	/* two readers of src, on both queues */
	fx_job_init(&j, ctx, 0, 10 * MS);
	fx_job_copy(&j, fx_job_bo(&j, d0, WR), 0, fx_job_bo(&j, src, RD), 0, 4);
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	fx_job_init(&j, ctx, 1, 3 * MS);
	fx_job_copy(&j, fx_job_bo(&j, d1, WR), 0, fx_job_bo(&j, src, RD), 0, 4);
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	/* then a writer on queue 1: it waits for the reader on queue 0 too */
	assert_int_equal(submit_write(fx, f, ctx, 1, 1 * MS, src, 9, 0), 0);
	w = fence_of(f, src, 1, 2);
	fx_advance(&fx->host, 10 * MS);
	assert_false(fdri_fence_is_signaled(w));
	fx_advance(&fx->host, 1 * MS);
	assert_int_equal(w->timestamp, t0 + 11 * MS);
	assert_int_equal(fx_bo_read32(f, d0, 0), 5);  /* both read the old value */
	assert_int_equal(fx_bo_read32(f, d1, 0), 5);
	assert_int_equal(fx_bo_read32(f, src, 0), 9);
	fdri_fence_put(w);
}

static void readers_do_not_wait_for_readers(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	uint32_t ctx = fx_ctx_create(fx, f, 0);
	uint32_t src = fx_gem_create(fx, f, 4096);
	int64_t t0 = fx->host.now;
	struct fdri_fence *r;
	struct fx_job j;

	fx_job_init(&j, ctx, 0, 10 * MS);
	fx_job_bo(&j, src, RD);
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	fx_job_init(&j, ctx, 1, 2 * MS);
	fx_job_bo(&j, src, RD);
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	r = fence_of(f, src, 1, 1);
	fx_advance(&fx->host, 2 * MS);
	assert_true(fdri_fence_is_signaled(r));
	assert_int_equal(r->timestamp, t0 + 2 * MS);
	fdri_fence_put(r);
	fx_advance(&fx->host, 8 * MS);
}

static void no_implicit_skips_the_wait_but_still_adds_its_fence(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	uint32_t ctx = fx_ctx_create(fx, f, 0);
	uint32_t bo = fx_gem_create(fx, f, 4096);
	struct fdri_resv *resv = fdri_gem_resv(fdri_gem_lookup(f, bo));
	int64_t t0 = fx->host.now;
	struct fdri_fence *second;

	assert_int_equal(submit_write(fx, f, ctx, 0, 10 * MS, bo, 1, 0), 0);
	assert_int_equal(submit_write(fx, f, ctx, 1, 2 * MS, bo, 2, FAKEDRI_SUBMIT_NO_IMPLICIT), 0);
	second = fence_of(f, bo, 1, 1);
	fx_advance(&fx->host, 2 * MS);
	assert_true(fdri_fence_is_signaled(second));
	assert_int_equal(second->timestamp, t0 + 2 * MS);
	assert_int_equal(fx_bo_read32(f, bo, 0), 2);
	/* the first job's write fence still guards the buffer */
	assert_false(fdri_resv_test_signaled(resv, FDRI_RESV_USAGE_WRITE));
	fx_advance(&fx->host, 8 * MS);
	assert_true(fdri_resv_test_signaled(resv, FDRI_RESV_USAGE_BOOKKEEP));
	assert_int_equal(fx_bo_read32(f, bo, 0), 1);
	fdri_fence_put(second);
}

static void a_job_waits_for_a_vgem_style_fence_on_the_buffer(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	uint32_t ctx = fx_ctx_create(fx, f, 0), bo = fx_gem_create(fx, f, 4096);
	struct fdri_fence *cpu = fdri_fence_create(fdri_fence_context_alloc(1), 1), *job;

	/* a foreign writer's fence, as vgem's FENCE_ATTACH puts there */
	assert_int_equal(fdri_resv_add_fence(fdri_gem_resv(fdri_gem_lookup(f, bo)), cpu,
					     FDRI_RESV_USAGE_WRITE), 0);
	assert_int_equal(submit_write(fx, f, ctx, 0, MS, bo, 3, 0), 0);
	job = fence_of(f, bo, 0, 1);
	fx_advance(&fx->host, 5 * MS);
	assert_false(fdri_fence_is_signaled(job));
	fdri_fence_signal(cpu, fx->host.now);
	fx_advance(&fx->host, MS);
	assert_true(fdri_fence_is_signaled(job));
	assert_int_equal(fx_bo_read32(f, bo, 0), 3);
	fdri_fence_put(job);
	fdri_fence_put(cpu);
}

/* --- syncobj and sync_file fences --- */

static void a_timeline_point_signals_when_the_job_completes(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	uint32_t ctx = fx_ctx_create(fx, f, 0), s = syncobj_create(fx, f);
	struct drm_syncobj_timeline_array q;
	uint64_t point = 0;
	struct fx_job j;

	fx_job_init(&j, ctx, 0, 5 * MS);
	fx_job_syncobj(&j, s, FAKEDRI_SUBMIT_SYNCOBJ_SIGNAL, 7);
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	q = (struct drm_syncobj_timeline_array){ .handles = (uintptr_t)&s,
		.points = (uintptr_t)&point, .count_handles = 1 };
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_SYNCOBJ_QUERY, &q), 0);
	assert_int_equal(point, 0);
	q.flags = DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED;
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_SYNCOBJ_QUERY, &q), 0);
	assert_int_equal(point, 7);
	fx_advance(&fx->host, 5 * MS);
	q.flags = 0;
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_SYNCOBJ_QUERY, &q), 0);
	assert_int_equal(point, 7);
}

static void a_job_waits_for_a_timeline_point(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	uint32_t ctx = fx_ctx_create(fx, f, 0), s = syncobj_create(fx, f);
	uint32_t bo = fx_gem_create(fx, f, 4096);
	int64_t t0 = fx->host.now;
	struct fdri_fence *fence;
	struct fx_job j;

	fx_job_init(&j, ctx, 0, 4 * MS);
	fx_job_syncobj(&j, s, FAKEDRI_SUBMIT_SYNCOBJ_SIGNAL, 1);
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	fx_job_init(&j, ctx, 0, 8 * MS);
	fx_job_syncobj(&j, s, FAKEDRI_SUBMIT_SYNCOBJ_SIGNAL, 2);
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	/* queue 1 waits for point 2 only */
	fx_job_init(&j, ctx, 1, 1 * MS);
	fx_job_bo(&j, bo, WR);
	fx_job_syncobj(&j, s, FAKEDRI_SUBMIT_SYNCOBJ_WAIT, 2);
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	fence = fence_of(f, bo, 1, 1);
	fx_advance(&fx->host, 12 * MS);
	assert_false(fdri_fence_is_signaled(fence));
	fx_advance(&fx->host, 1 * MS);
	assert_int_equal(fence->timestamp, t0 + 13 * MS);
	fdri_fence_put(fence);
}

static void a_binary_out_syncobj_gets_the_jobs_fence(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	uint32_t ctx = fx_ctx_create(fx, f, 0), s = syncobj_create(fx, f);
	uint32_t bo = fx_gem_create(fx, f, 4096);
	struct fdri_fence *fence, *job;
	struct fx_job j;

	fx_job_init(&j, ctx, 0, MS);
	fx_job_bo(&j, bo, RD);
	fx_job_syncobj(&j, s, FAKEDRI_SUBMIT_SYNCOBJ_SIGNAL, 0);
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	fence = fx_syncobj_fence(f, s);
	job = fence_of(f, bo, 0, 1);
	assert_ptr_equal(fence, job);
	fx_advance(&fx->host, MS);
	assert_true(fdri_fence_is_signaled(fence));
	fdri_fence_put(fence);
	fdri_fence_put(job);
}

static void fence_fd_out_gives_a_sync_file_that_signals_with_the_job(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	uint32_t ctx = fx_ctx_create(fx, f, 0);
	struct fx_job j;

	fx_job_init(&j, ctx, 0, 3 * MS);
	j.args.flags = FAKEDRI_SUBMIT_FENCE_FD_OUT;
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	assert_true(j.out_fd >= 0);
	assert_int_equal(fx_poll(&fx->host, j.out_fd), 0);
	fx_advance(&fx->host, 3 * MS);
	assert_int_equal(fx_poll(&fx->host, j.out_fd), FDRI_POLLIN);
	fx_client_close(&fx->host, j.out_fd);
}

static void fence_fd_in_makes_the_job_wait_for_the_sync_file(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	uint32_t ctx = fx_ctx_create(fx, f, 0), bo = fx_gem_create(fx, f, 4096);
	int64_t t0 = fx->host.now;
	struct fdri_fence *fence;
	struct fx_job a, b;

	fx_job_init(&a, ctx, 0, 6 * MS);
	a.args.flags = FAKEDRI_SUBMIT_FENCE_FD_OUT;
	assert_int_equal(fx_submit(fx, f, &a, -1), 0);
	fx_job_init(&b, ctx, 1, 1 * MS);
	fx_job_bo(&b, bo, WR);
	b.args.flags = FAKEDRI_SUBMIT_FENCE_FD_IN;
	b.args.fence_fd = a.out_fd;
	assert_int_equal(fx_submit(fx, f, &b, a.out_fd), 0);
	fence = fence_of(f, bo, 1, 1);
	fx_advance(&fx->host, 6 * MS);
	assert_false(fdri_fence_is_signaled(fence));
	fx_advance(&fx->host, 1 * MS);
	assert_int_equal(fence->timestamp, t0 + 7 * MS);
	fdri_fence_put(fence);
	fx_client_close(&fx->host, a.out_fd);
}

/* --- commands --- */

static void fill_writes_the_pattern_over_the_range(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	uint32_t ctx = fx_ctx_create(fx, f, 0), bo = fx_gem_create(fx, f, 8192);
	struct fx_job j;

	fx_job_init(&j, ctx, 0, MS);
	fx_job_cmd(&j, FAKEDRI_CMD_FILL, fx_job_bo(&j, bo, WR), 4092, 8, 0xa5a5f00d);
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	assert_int_equal(fx_bo_read32(f, bo, 4092), 0);
	fx_advance(&fx->host, MS);
	assert_int_equal(fx_bo_read32(f, bo, 4088), 0);
	assert_int_equal(fx_bo_read32(f, bo, 4092), 0xa5a5f00d);
	assert_int_equal(fx_bo_read32(f, bo, 4096), 0xa5a5f00d);
	assert_int_equal(fx_bo_read32(f, bo, 4100), 0);
}

static void copy_moves_bytes_between_objects_and_within_one(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	uint32_t ctx = fx_ctx_create(fx, f, 0);
	uint32_t a = fx_gem_create(fx, f, 4096), b = fx_gem_create(fx, f, 4096);
	const char text[] = "fakedri GPU copy";
	char out[sizeof(text)];
	uint32_t ia, ib;
	struct fx_job j;

	fx_bo_write(f, a, 100, text, sizeof(text));
	fx_job_init(&j, ctx, 0, MS);
	ia = fx_job_bo(&j, a, RD | WR);
	ib = fx_job_bo(&j, b, WR);
	fx_job_copy(&j, ib, 1, ia, 100, sizeof(text));
	fx_job_copy(&j, ia, 104, ia, 100, sizeof(text)); /* overlapping: memmove */
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	fx_advance(&fx->host, MS);
	fx_bo_read(f, b, 1, out, sizeof(out));
	assert_memory_equal(out, text, sizeof(text));
	fx_bo_read(f, a, 104, out, sizeof(out));
	assert_memory_equal(out, text, sizeof(text));
	fx_bo_read(f, a, 100, out, 4);
	assert_memory_equal(out, "fake", 4);
}

static void copy_from_an_object_never_written_gives_zeros(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	uint32_t ctx = fx_ctx_create(fx, f, 0);
	uint32_t src = fx_gem_create(fx, f, 4096), dst = fx_gem_create(fx, f, 4096);
	uint32_t ones = 0xffffffff;
	struct fx_job j;

	fx_bo_write(f, dst, 0, &ones, 4);
	fx_job_init(&j, ctx, 0, MS);
	fx_job_copy(&j, fx_job_bo(&j, dst, WR), 0, fx_job_bo(&j, src, RD), 0, 4);
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	fx_advance(&fx->host, MS);
	assert_int_equal(fx_bo_read32(f, dst, 0), 0);
	assert_false(fx_gem_info(fx, f, src).flags & DRM_FAKEDRI_GEM_INFO_BACKED);
}

static void write32_write64_and_timestamp_write_at_completion(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	uint32_t ctx = fx_ctx_create(fx, f, 0), bo = fx_gem_create(fx, f, 4096), i;
	int64_t t0 = fx->host.now;
	struct fx_job j;

	fx_job_init(&j, ctx, 0, 7 * MS);
	i = fx_job_bo(&j, bo, WR);
	fx_job_cmd(&j, FAKEDRI_CMD_WRITE32, i, 4, 0, 0xcafe0001);
	fx_job_cmd(&j, FAKEDRI_CMD_WRITE64, i, 8, 0, 0x0123456789abcdefull);
	fx_job_cmd(&j, FAKEDRI_CMD_TIMESTAMP, i, 16, 0, 0);
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	assert_true(fx_gem_info(fx, f, bo).flags & DRM_FAKEDRI_GEM_INFO_BACKED);
	assert_int_equal(fx_bo_read64(f, bo, 16), 0);
	fx_advance(&fx->host, 7 * MS);
	assert_int_equal(fx_bo_read32(f, bo, 0), 0);
	assert_int_equal(fx_bo_read32(f, bo, 4), 0xcafe0001);
	assert_int_equal(fx_bo_read64(f, bo, 8), 0x0123456789abcdefull);
	assert_int_equal(fx_bo_read64(f, bo, 16), (uint64_t)(t0 + 7 * MS));
}

static void commands_reach_an_imported_buffer_of_another_device(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	struct fdri_file *g = fx_open_on(fx, fx_second_device(fx), FDRI_NODE_RENDER, &fx->user);
	uint32_t bo = fx_gem_create(fx, f, 4096), imported, ctx = fx_ctx_create(fx, g, 0);
	int fd, cfd;

	assert_int_equal(fx_export(fx, f, bo, DRM_CLOEXEC | DRM_RDWR, &fd), 0);
	cfd = fx_client_dup(&fx->host, fd);
	assert_int_equal(fx_import(fx, g, cfd, &imported), 0);
	assert_int_equal(submit_write(fx, g, ctx, 0, MS, imported, 0xbeef, 0), 0);
	fx_advance(&fx->host, MS);
	assert_int_equal(fx_bo_read32(f, bo, 0), 0xbeef); /* the same memory */
	fx_client_close(&fx->host, cfd);
}

static void copy_from_a_foreign_import_reads_the_dmabufs_memory(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	struct fdri_file *g = fx_open_on(fx, fx_second_device(fx), FDRI_NODE_RENDER, &fx->user);
	uint32_t bo = fx_gem_create(fx, f, 4096), imported, dst = fx_gem_create(fx, g, 4096);
	uint32_t ctx = fx_ctx_create(fx, g, 0), v = 0x600dda7a;
	struct fx_job j;
	int fd, cfd;

	fx_bo_write(f, bo, 0, &v, 4);
	assert_int_equal(fx_export(fx, f, bo, DRM_CLOEXEC | DRM_RDWR, &fd), 0);
	cfd = fx_client_dup(&fx->host, fd);
	assert_int_equal(fx_import(fx, g, cfd, &imported), 0);
	/* the import has not opened the dma-buf's memory yet */
	assert_false(fx_gem_info(fx, g, imported).flags & DRM_FAKEDRI_GEM_INFO_BACKED);
	fx_job_init(&j, ctx, 0, MS);
	fx_job_copy(&j, fx_job_bo(&j, dst, WR), 0, fx_job_bo(&j, imported, RD), 0, 4);
	assert_int_equal(fx_submit(fx, g, &j, -1), 0);
	fx_advance(&fx->host, MS);
	assert_int_equal(fx_bo_read32(g, dst, 0), 0x600dda7a);
	fx_client_close(&fx->host, cfd);
}

/* --- poison --- */

static void poison_is_seen_while_the_job_runs_and_replaced_at_completion(void **state)
{
	struct fx *fx = *state;
	struct fdri_gpu_config cfg = { .poison = true, .hazards = FDRI_HAZARDS_LOG };
	struct fdri_file *f;
	uint32_t ctx, bo, i, v = 0x11111111;
	struct fx_job j;

	assert_int_equal(fdri_gpu_configure(fx->dev, &cfg), 0);
	f = open_file(fx);
	ctx = fx_ctx_create(fx, f, 0);
	bo = fx_gem_create(fx, f, 4096);
	for (uint64_t off = 0; off < 64; off += 4)
		fx_bo_write(f, bo, off, &v, 4);
	fx_job_init(&j, ctx, 0, 5 * MS);
	i = fx_job_bo(&j, bo, WR);
	fx_job_cmd(&j, FAKEDRI_CMD_FILL, i, 0, 16, 0x22222222);
	fx_job_cmd(&j, FAKEDRI_CMD_WRITE64, i, 32, 0, 0x3333333333333333ull);
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	/* started at once: a reader that does not wait sees poison */
	assert_int_equal(fx_bo_read32(f, bo, 0), FAKEDRI_POISON);
	assert_int_equal(fx_bo_read32(f, bo, 12), FAKEDRI_POISON);
	assert_int_equal(fx_bo_read32(f, bo, 16), 0x11111111);
	assert_int_equal(fx_bo_read32(f, bo, 36), FAKEDRI_POISON);
	assert_int_equal(fx_bo_read32(f, bo, 40), 0x11111111);
	fx_advance(&fx->host, 5 * MS);
	assert_int_equal(fx_bo_read32(f, bo, 0), 0x22222222);
	assert_int_equal(fx_bo_read32(f, bo, 12), 0x22222222);
	assert_int_equal(fx_bo_read64(f, bo, 32), 0x3333333333333333ull);
}

static void poison_waits_for_the_job_to_start_and_spares_what_it_reads(void **state)
{
	struct fx *fx = *state;
	struct fdri_gpu_config cfg = { .poison = true };
	struct fdri_file *f;
	uint32_t ctx, a, b, ia, v = 0x44444444;
	struct fx_job j;

	assert_int_equal(fdri_gpu_configure(fx->dev, &cfg), 0);
	f = open_file(fx);
	ctx = fx_ctx_create(fx, f, 0);
	a = fx_gem_create(fx, f, 4096);
	b = fx_gem_create(fx, f, 4096);
	fx_bo_write(f, a, 0, &v, 4);
	/* a reader of a, then a writer of a that copies a[0] to a[4] first */
	fx_job_init(&j, ctx, 0, 10 * MS);
	fx_job_copy(&j, fx_job_bo(&j, b, WR), 0, fx_job_bo(&j, a, RD), 0, 4);
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	fx_job_init(&j, ctx, 1, 2 * MS);
	ia = fx_job_bo(&j, a, RD | WR);
	fx_job_copy(&j, ia, 4, ia, 0, 4);
	fx_job_cmd(&j, FAKEDRI_CMD_WRITE32, ia, 0, 0, 0x55555555);
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	/* the writer waits for the reader: nothing poisoned yet */
	assert_int_equal(fx_bo_read32(f, a, 0), 0x44444444);
	fx_advance(&fx->host, 10 * MS);
	assert_int_equal(fx_bo_read32(f, b, 0), 0x44444444);
	/* running: a[4] is poisoned, a[0] is read by the job itself and not */
	assert_int_equal(fx_bo_read32(f, a, 4), FAKEDRI_POISON);
	assert_int_equal(fx_bo_read32(f, a, 0), 0x44444444);
	fx_advance(&fx->host, 2 * MS);
	assert_int_equal(fx_bo_read32(f, a, 4), 0x44444444);
	assert_int_equal(fx_bo_read32(f, a, 0), 0x55555555);
}

static void poison_shows_at_submit_when_the_destination_is_idle(void **state)
{
	struct fx *fx = *state;
	struct fdri_gpu_config cfg = { .poison = true };
	struct fdri_fence *gate = fdri_fence_create(fdri_fence_context_alloc(1), 1);
	struct fdri_file *f;
	struct fdri_syncobj *so;
	uint32_t ctx, bo, s;
	struct fx_job j;

	assert_int_equal(fdri_gpu_configure(fx->dev, &cfg), 0);
	f = open_file(fx);
	ctx = fx_ctx_create(fx, f, 0);
	bo = fx_gem_create(fx, f, 4096);
	s = syncobj_create(fx, f);
	so = fdri_syncobj_find(f, s);
	fdri_syncobj_replace_fence(so, gate);
	fdri_syncobj_put(so);
	/* held back by an explicit fence, but nothing else uses the buffer */
	fx_job_init(&j, ctx, 0, MS);
	fx_job_cmd(&j, FAKEDRI_CMD_WRITE32, fx_job_bo(&j, bo, WR), 8, 0, 6);
	fx_job_syncobj(&j, s, FAKEDRI_SUBMIT_SYNCOBJ_WAIT, 0);
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	assert_int_equal(fx_bo_read32(f, bo, 8), FAKEDRI_POISON);
	fx_advance(&fx->host, 10 * MS);
	assert_int_equal(fx_bo_read32(f, bo, 8), FAKEDRI_POISON);
	fdri_fence_signal(gate, fx->host.now);
	fx_advance(&fx->host, MS);
	assert_int_equal(fx_bo_read32(f, bo, 8), 6);
	fdri_fence_put(gate);
}

/* --- hazards --- */

struct hooks {
	unsigned submitted, started, done, hazards;
	struct fdri_gpu_hazard_info hz;
	struct fdri_gpu_job_info job, last_done;
	char order[32];
	unsigned norder;
};

static void on_submitted(void *p, const struct fdri_gpu_job_info *job)
{
	struct hooks *h = p;

	h->submitted++;
	h->order[h->norder++] = 's';
	(void)job;
}

static void on_started(void *p, const struct fdri_gpu_job_info *job)
{
	struct hooks *h = p;

	h->started++;
	h->order[h->norder++] = 'r';
	assert_int_equal(job->state, FDRI_GPU_JOB_RUNNING);
}

static void on_done(void *p, const struct fdri_gpu_job_info *job)
{
	struct hooks *h = p;

	h->done++;
	h->order[h->norder++] = 'd';
	h->last_done = *job;
}

static void on_hazard(void *p, const struct fdri_gpu_hazard_info *hz)
{
	struct hooks *h = p;

	h->hazards++;
	h->hz = *hz;
	h->job = *hz->job;
}

static const struct fdri_gpu_events hook_ops = {
	.job_submitted = on_submitted,
	.job_started = on_started,
	.job_done = on_done,
	.hazard = on_hazard,
};

static void skipping_implicit_sync_against_another_context_is_a_hazard(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	struct fdri_file *g = open_file(fx);
	uint32_t cf = fx_ctx_create(fx, f, 0), cg = fx_ctx_create(fx, g, 0);
	uint32_t bo = fx_gem_create(fx, f, 4096), bo_g = share(fx, f, bo, g);
	struct hooks h = { 0 };
	struct fx_job j;

	assert_int_equal(fdri_gpu_set_events(fx->dev, &hook_ops, &h), 0);
	assert_int_equal(submit_write(fx, f, cf, 0, 10 * MS, bo, 1, 0), 0);
	fx_job_init(&j, cg, 1, MS);
	fx_job_bo(&j, bo_g, RD);
	j.args.flags = FAKEDRI_SUBMIT_NO_IMPLICIT;
	assert_int_equal(fx_submit(fx, g, &j, -1), 0);
	assert_int_equal(h.hazards, 1);
	assert_int_equal(fx_stats(fx, f).hazards, 1);
	assert_int_equal(h.job.queue, 1);
	assert_int_equal(h.job.ctx_id, cg);
	assert_int_equal(h.job.file_id, g->id);
	assert_int_equal(h.job.seqno, 1);
	assert_int_equal(h.hz.bo_id, fx_gem_info(fx, f, bo).id);
	assert_int_equal(h.hz.bo_handle, bo_g);
	assert_false(h.hz.job_writes);
	assert_true(h.hz.other_writes);
	assert_true(h.hz.other_is_job);
	assert_int_equal(h.hz.other_queue, 0);
	assert_int_equal(h.hz.other_file_id, f->id);
	assert_int_equal(h.hz.other_ctx_id, cf);
	assert_int_equal(h.hz.other_seqno, 1);
	/* LOG: the job runs on */
	fx_advance(&fx->host, MS);
	assert_int_equal(h.done, 1);
	assert_int_equal(h.last_done.error, 0);
	fx_advance(&fx->host, 9 * MS);
	assert_int_equal(h.done, 2);
	fdri_gpu_set_events(fx->dev, NULL, NULL);
}

static void a_conflict_that_ended_before_the_job_started_is_no_hazard(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	uint32_t c1 = fx_ctx_create(fx, f, 0), c2 = fx_ctx_create(fx, f, 0);
	uint32_t bo = fx_gem_create(fx, f, 4096), s = syncobj_create(fx, f);
	struct fx_job j;

	fx_job_init(&j, c1, 0, 10 * MS);
	fx_job_bo(&j, bo, WR);
	fx_job_syncobj(&j, s, FAKEDRI_SUBMIT_SYNCOBJ_SIGNAL, 0);
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	/* skips implicit sync, but waits explicitly for the writer */
	fx_job_init(&j, c2, 1, MS);
	fx_job_bo(&j, bo, WR);
	fx_job_syncobj(&j, s, FAKEDRI_SUBMIT_SYNCOBJ_WAIT, 0);
	j.args.flags = FAKEDRI_SUBMIT_NO_IMPLICIT;
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	fx_advance(&fx->host, 11 * MS);
	assert_int_equal(fx_stats(fx, f).hazards, 0);
	assert_int_equal(fx_stats(fx, f).jobs, 0);
}

static void conflicts_within_one_context_or_between_readers_are_no_hazard(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	uint32_t c1 = fx_ctx_create(fx, f, 0), c2 = fx_ctx_create(fx, f, 0);
	uint32_t bo = fx_gem_create(fx, f, 4096);
	struct fx_job j;

	assert_int_equal(submit_write(fx, f, c1, 0, 10 * MS, bo, 1, 0), 0);
	/* the same context: it orders its own work */
	assert_int_equal(submit_write(fx, f, c1, 1, MS, bo, 2, FAKEDRI_SUBMIT_NO_IMPLICIT), 0);
	fx_advance(&fx->host, 10 * MS);
	/* reader vs reader, across contexts */
	fx_job_init(&j, c1, 0, 10 * MS);
	fx_job_bo(&j, bo, RD);
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	fx_job_init(&j, c2, 1, MS);
	fx_job_bo(&j, bo, RD);
	j.args.flags = FAKEDRI_SUBMIT_NO_IMPLICIT;
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	fx_advance(&fx->host, 10 * MS);
	assert_int_equal(fx_stats(fx, f).hazards, 0);
}

static void a_writer_skipping_sync_against_a_pending_reader_is_a_hazard(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	uint32_t c1 = fx_ctx_create(fx, f, 0), c2 = fx_ctx_create(fx, f, 0);
	uint32_t bo = fx_gem_create(fx, f, 4096);
	struct hooks h = { 0 };
	struct fx_job j;

	fdri_gpu_set_events(fx->dev, &hook_ops, &h);
	fx_job_init(&j, c1, 0, 10 * MS);
	fx_job_bo(&j, bo, RD);
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	assert_int_equal(submit_write(fx, f, c2, 1, MS, bo, 2, FAKEDRI_SUBMIT_NO_IMPLICIT), 0);
	assert_int_equal(h.hazards, 1);
	assert_true(h.hz.job_writes);
	assert_false(h.hz.other_writes);
	fx_advance(&fx->host, 10 * MS);
	fdri_gpu_set_events(fx->dev, NULL, NULL);
}

static void hazards_in_error_mode_fail_the_job_with_eio(void **state)
{
	struct fx *fx = *state;
	struct fdri_gpu_config cfg = { .hazards = FDRI_HAZARDS_ERROR };
	struct fdri_file *f;
	uint32_t c1, c2, a, b;
	struct fdri_fence *fence;
	int64_t t0;

	assert_int_equal(fdri_gpu_configure(fx->dev, &cfg), 0);
	f = open_file(fx);
	c1 = fx_ctx_create(fx, f, 0);
	c2 = fx_ctx_create(fx, f, 0);
	a = fx_gem_create(fx, f, 4096);
	b = fx_gem_create(fx, f, 4096);
	t0 = fx->host.now;
	assert_int_equal(submit_write(fx, f, c1, 0, 10 * MS, a, 1, 0), 0);
	/* writes a (hazard) and b */
	{
		struct fx_job j;

		fx_job_init(&j, c2, 1, 5 * MS);
		fx_job_cmd(&j, FAKEDRI_CMD_WRITE32, fx_job_bo(&j, a, WR), 4, 0, 2);
		fx_job_cmd(&j, FAKEDRI_CMD_WRITE32, fx_job_bo(&j, b, WR), 0, 0, 2);
		j.args.flags = FAKEDRI_SUBMIT_NO_IMPLICIT;
		assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	}
	fence = fence_of(f, b, 1, 1);
	fx_advance(&fx->host, 0);
	assert_true(fdri_fence_is_signaled(fence));   /* failed at once */
	assert_int_equal(fence->error, -EIO);
	assert_int_equal(fence->timestamp, t0);
	assert_int_equal(fx_bo_read32(f, a, 4), 0);  /* its commands did not run */
	assert_int_equal(fx_bo_read32(f, b, 0), 0);
	assert_int_equal(fx_stats(fx, f).hazards, 1);
	fx_advance(&fx->host, 10 * MS);
	assert_int_equal(fx_bo_read32(f, a, 0), 1);
	fdri_fence_put(fence);
}

static void hazards_off_counts_nothing(void **state)
{
	struct fx *fx = *state;
	struct fdri_gpu_config cfg = { .hazards = FDRI_HAZARDS_OFF };
	struct fdri_file *f;
	uint32_t c1, c2, bo;

	assert_int_equal(fdri_gpu_configure(fx->dev, &cfg), 0);
	f = open_file(fx);
	c1 = fx_ctx_create(fx, f, 0);
	c2 = fx_ctx_create(fx, f, 0);
	bo = fx_gem_create(fx, f, 4096);
	assert_int_equal(submit_write(fx, f, c1, 0, 10 * MS, bo, 1, 0), 0);
	assert_int_equal(submit_write(fx, f, c2, 1, MS, bo, 2, FAKEDRI_SUBMIT_NO_IMPLICIT), 0);
	fx_advance(&fx->host, 10 * MS);
	assert_int_equal(fx_stats(fx, f).hazards, 0);
}

/* --- jitter --- */

/* Completion times (relative to submission) of 8 jobs of 10 ms, 4 per
 * queue, on a device configured with @seed. */
static void run_jittered(struct fx *fx, struct fdri_device *dev, uint64_t seed, int64_t *ends)
{
	struct fdri_gpu_config cfg = { .jitter = true, .jitter_seed = seed };
	struct fdri_file *f;
	struct fdri_fence *fences[8];
	uint32_t ctx, bo[8];
	int64_t t0;

	assert_int_equal(fdri_gpu_configure(dev, &cfg), 0);
	f = fx_open_on(fx, dev, FDRI_NODE_RENDER, &fx->user);
	ctx = fx_ctx_create(fx, f, 0);
	t0 = fx->host.now;
	for (int i = 0; i < 8; i++) {
		bo[i] = fx_gem_create(fx, f, 4096);
		assert_int_equal(submit_write(fx, f, ctx, i % 2, 10 * MS, bo[i], 1, 0), 0);
		fences[i] = fence_of(f, bo[i], i % 2, i / 2 + 1);
	}
	fx_advance(&fx->host, 100 * MS);
	for (int i = 0; i < 8; i++) {
		assert_true(fdri_fence_is_signaled(fences[i]));
		ends[i] = fences[i]->timestamp - t0;
		fdri_fence_put(fences[i]);
	}
	fx_close(fx, f);
}

static void jitter_repeats_for_one_seed_and_changes_with_another(void **state)
{
	struct fx *fx = *state;
	int64_t a[8], b[8], c[8];
	bool differs = false, varied = false;

	run_jittered(fx, fx->dev, 42, a);
	run_jittered(fx, fx_second_device(fx), 42, b);
	assert_memory_equal(a, b, sizeof(a));
	run_jittered(fx, fx->dev, 43, c);
	for (int i = 0; i < 8; i++) {
		differs |= a[i] != c[i];
		varied |= a[i] % (10 * MS) != 0;
		/* each of 4 jobs on a queue took 5..15 ms */
		assert_true(a[i] >= 5 * MS * (i / 2 + 1) && a[i] < 15 * MS * (i / 2 + 1));
	}
	assert_true(differs);
	assert_true(varied);
}

/* --- hooks and walking --- */

static void hooks_see_submission_start_and_completion_in_order(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	uint32_t ctx = fx_ctx_create(fx, f, -5), bo = fx_gem_create(fx, f, 4096);
	int64_t t0 = fx->host.now;
	struct hooks h = { 0 };

	fdri_gpu_set_events(fx->dev, &hook_ops, &h);
	assert_int_equal(submit_write(fx, f, ctx, 0, 4 * MS, bo, 1, 0), 0);
	assert_int_equal(submit_write(fx, f, ctx, 0, 2 * MS, bo, 1, 0), 0);
	fx_advance(&fx->host, 6 * MS);
	assert_string_equal(h.order, "srsdrd");
	assert_int_equal(h.last_done.seqno, 2);
	assert_int_equal(h.last_done.priority, -5);
	assert_int_equal(h.last_done.submit_ns, t0);
	assert_int_equal(h.last_done.start_ns, t0 + 4 * MS);
	assert_int_equal(h.last_done.end_ns, t0 + 6 * MS);
	assert_int_equal(h.last_done.duration_ns, 2 * MS);
	assert_int_equal(h.last_done.state, FDRI_GPU_JOB_DONE);
	fdri_gpu_set_events(fx->dev, NULL, NULL);
}

static void count_job(const struct fdri_gpu_job_info *job, void *data)
{
	unsigned *n = data;

	n[job->queue * 4 + (job->state == FDRI_GPU_JOB_RUNNING)]++;
}

static void for_each_job_walks_the_queued_and_running_jobs(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	uint32_t ctx = fx_ctx_create(fx, f, 0);
	unsigned n[8] = { 0 };
	struct fx_job j;

	for (int i = 0; i < 3; i++) {
		fx_job_init(&j, ctx, 0, MS);
		assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	}
	fx_job_init(&j, ctx, 1, MS);
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	fdri_gpu_for_each_job(fx->dev, count_job, n);
	assert_int_equal(n[0], 2);   /* queue 0: waiting */
	assert_int_equal(n[1], 1);   /* queue 0: running */
	assert_int_equal(n[4], 0);
	assert_int_equal(n[5], 1);
	fx_advance(&fx->host, 3 * MS);
	memset(n, 0, sizeof(n));
	fdri_gpu_for_each_job(fx->dev, count_job, n);
	for (int i = 0; i < 8; i++)
		assert_int_equal(n[i], 0);
}

/* --- lifetimes --- */

static void jobs_outlive_their_context_and_file(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	struct fdri_file *g = open_file(fx);
	uint32_t ctx = fx_ctx_create(fx, f, 0), bo = fx_gem_create(fx, f, 4096);
	uint32_t bo_g = share(fx, f, bo, g);
	struct drm_fakedri_ctx_destroy d = { .ctx_id = ctx };
	struct fdri_fence *fence;
	struct fx_job j;

	fx_job_init(&j, ctx, 0, 5 * MS);
	fx_job_cmd(&j, FAKEDRI_CMD_WRITE32, fx_job_bo(&j, bo, WR), 0, 0, 77);
	j.args.flags = FAKEDRI_SUBMIT_FENCE_FD_OUT;
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	fence = fence_of(f, bo, 0, 1);
	assert_int_equal(fx_ioctl(fx, f, DRM_IOCTL_FAKEDRI_CTX_DESTROY, &d), 0);
	fx_close(fx, f);
	assert_int_equal(fx_stats(fx, g).jobs, 1);
	fx_advance(&fx->host, 5 * MS);
	assert_true(fdri_fence_is_signaled(fence));
	assert_int_equal(fx_poll(&fx->host, j.out_fd), FDRI_POLLIN);
	assert_int_equal(fx_bo_read32(g, bo_g, 0), 77);
	assert_int_equal(fx_stats(fx, g).jobs, 0);
	fdri_fence_put(fence);
	fx_client_close(&fx->host, j.out_fd);
}

static void a_closed_files_jobs_hold_their_objects_until_done(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	uint32_t ctx = fx_ctx_create(fx, f, 0), bo = fx_gem_create(fx, f, 4096);

	assert_int_equal(submit_write(fx, f, ctx, 0, 5 * MS, bo, 1, 0), 0);
	assert_int_equal(submit_write(fx, f, ctx, 1, 8 * MS, bo, 2, 0), 0);
	fx_close(fx, f);
	assert_int_equal(fx->dev->stats.objects, 1);
	assert_int_equal(fx->dev->stats.jobs, 2);
	fx_advance(&fx->host, 13 * MS);
	assert_int_equal(fx->dev->stats.objects, 0);
	assert_int_equal(fx->dev->stats.jobs, 0);
	assert_int_equal(fx->host.maps_live, 0);
}

static void a_pending_job_keeps_its_exported_buffer_known_to_importers(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	struct fdri_file *g = open_file(fx);
	uint32_t ctx = fx_ctx_create(fx, f, 0), bo = fx_gem_create(fx, f, 4096), imported;
	uint64_t id = fx_gem_info(fx, f, bo).id;
	int fd, cfd;

	assert_int_equal(fx_export(fx, f, bo, DRM_CLOEXEC | DRM_RDWR, &fd), 0);
	cfd = fx_client_dup(&fx->host, fd);
	assert_int_equal(submit_write(fx, f, ctx, 0, 5 * MS, bo, 1, 0), 0);
	fx_close(fx, f);   /* the exporter goes; a client still has the dma-buf */
	assert_int_equal(fx_import(fx, g, cfd, &imported), 0);
	/* the same object, with the job's fence on it */
	assert_int_equal(fx_gem_info(fx, g, imported).id, id);
	assert_false(fdri_resv_test_signaled(fdri_gem_resv(fdri_gem_lookup(g, imported)),
					     FDRI_RESV_USAGE_WRITE));
	fx_advance(&fx->host, 5 * MS);
	assert_int_equal(fx_bo_read32(g, imported, 0), 1);
	fx_client_close(&fx->host, cfd);
}

static void destroying_the_device_cancels_its_jobs_with_esrch(void **state)
{
	struct fx *fx = *state;
	struct fdri_device *dev = fx_second_device(fx);
	struct fdri_file *f = fx_open_on(fx, dev, FDRI_NODE_RENDER, &fx->user);
	uint32_t ctx = fx_ctx_create(fx, f, 0), bo = fx_gem_create(fx, f, 4096);
	struct fdri_fence *running, *waiting;

	assert_int_equal(submit_write(fx, f, ctx, 0, 5 * MS, bo, 1, 0), 0);
	running = fence_of(f, bo, 0, 1);
	assert_int_equal(submit_write(fx, f, ctx, 1, 5 * MS, bo, 2, 0), 0);
	waiting = fence_of(f, bo, 1, 1);
	fx_close(fx, f);
	fdri_device_destroy(dev);
	fx->dev2 = NULL;
	assert_int_equal(running->error, -ESRCH);
	assert_int_equal(waiting->error, -ESRCH);
	assert_true(fdri_fence_is_signaled(waiting));
	assert_int_equal(fx_timers_armed(&fx->host), 0);
	fdri_fence_put(running);
	fdri_fence_put(waiting);
}

static void device_stats_count_jobs(void **state)
{
	struct fx *fx = *state;
	struct fdri_file *f = open_file(fx);
	uint32_t ctx = fx_ctx_create(fx, f, 0);
	struct fx_job j;

	fx_job_init(&j, ctx, 0, MS);
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	fx_job_init(&j, ctx, 0, MS);
	assert_int_equal(fx_submit(fx, f, &j, -1), 0);
	assert_int_equal(fx_stats(fx, f).jobs, 2);
	fx_advance(&fx->host, MS);
	assert_int_equal(fx_stats(fx, f).jobs, 1);
	fx_advance(&fx->host, MS);
	assert_int_equal(fx_stats(fx, f).jobs, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(get_param_reports_two_queues_by_default),
		FX_TEST(get_param_with_unknown_param_or_pad_fails_with_einval),
		FX_TEST(configure_sets_queues_poison_and_hazards),
		FX_TEST(configure_after_a_file_opened_fails_with_ebusy),
		FX_TEST(configure_rejects_bad_values_with_einval),
		FX_TEST(contexts_get_ids_from_one_and_destroy_forgets_them),
		FX_TEST(ctx_create_and_destroy_reject_bad_input),
		FX_TEST(a_job_signals_its_fence_after_its_duration),
		FX_TEST(an_import_after_the_exporter_left_still_sees_the_pending_job),
		FX_TEST(seqnos_count_per_queue),
		FX_TEST(jobs_on_one_queue_complete_in_submission_order),
		FX_TEST(queues_run_concurrently),
		FX_TEST(a_job_waits_for_a_syncobj_another_queue_signals),
		FX_TEST(a_dependency_that_failed_does_not_fail_the_job),
		FX_TEST(a_reader_waits_for_the_writer_on_another_queue),
		FX_TEST(a_writer_waits_for_every_reader),
		FX_TEST(readers_do_not_wait_for_readers),
		FX_TEST(no_implicit_skips_the_wait_but_still_adds_its_fence),
		FX_TEST(a_job_waits_for_a_vgem_style_fence_on_the_buffer),
		FX_TEST(a_timeline_point_signals_when_the_job_completes),
		FX_TEST(a_job_waits_for_a_timeline_point),
		FX_TEST(a_binary_out_syncobj_gets_the_jobs_fence),
		FX_TEST(fence_fd_out_gives_a_sync_file_that_signals_with_the_job),
		FX_TEST(fence_fd_in_makes_the_job_wait_for_the_sync_file),
		FX_TEST(fill_writes_the_pattern_over_the_range),
		FX_TEST(copy_moves_bytes_between_objects_and_within_one),
		FX_TEST(copy_from_an_object_never_written_gives_zeros),
		FX_TEST(write32_write64_and_timestamp_write_at_completion),
		FX_TEST(commands_reach_an_imported_buffer_of_another_device),
		FX_TEST(copy_from_a_foreign_import_reads_the_dmabufs_memory),
		FX_TEST(poison_is_seen_while_the_job_runs_and_replaced_at_completion),
		FX_TEST(poison_waits_for_the_job_to_start_and_spares_what_it_reads),
		FX_TEST(poison_shows_at_submit_when_the_destination_is_idle),
		FX_TEST(skipping_implicit_sync_against_another_context_is_a_hazard),
		FX_TEST(a_conflict_that_ended_before_the_job_started_is_no_hazard),
		FX_TEST(conflicts_within_one_context_or_between_readers_are_no_hazard),
		FX_TEST(a_writer_skipping_sync_against_a_pending_reader_is_a_hazard),
		FX_TEST(hazards_in_error_mode_fail_the_job_with_eio),
		FX_TEST(hazards_off_counts_nothing),
		FX_TEST(jitter_repeats_for_one_seed_and_changes_with_another),
		FX_TEST(hooks_see_submission_start_and_completion_in_order),
		FX_TEST(for_each_job_walks_the_queued_and_running_jobs),
		FX_TEST(jobs_outlive_their_context_and_file),
		FX_TEST(a_closed_files_jobs_hold_their_objects_until_done),
		FX_TEST(a_pending_job_keeps_its_exported_buffer_known_to_importers),
		FX_TEST(destroying_the_device_cancels_its_jobs_with_esrch),
		FX_TEST(device_stats_count_jobs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
