/*
 * fdri_gpu.c - the simulated GPU's engine room (fdri_gpu.h): the device's
 * queues, the scheduling of jobs on them, the execution of their commands
 * against buffer memory, the sync-bug detectors (poison, hazards, jitter)
 * and the hooks. The ioctls that make jobs are in fdri_gpu_ioctl.c.
 *
 * Owns: struct fdri_gpu (dev->gpu) and its queues, every job from its push
 * until it completes, and the job fences' ops.
 *
 * DOC: scheduling (after drm_sched, simplified)
 * - A job waits for its dependencies with fence callbacks (never polling):
 *   each signalled dependency decrements info.deps_pending. A dependency
 *   that signalled with an error does not fail the job: it runs, as
 *   Linux 6.1's drm_sched runs it.
 * - A queue starts its head job once that job has no pending dependency
 *   and no job runs on the queue. So jobs complete in submission order on
 *   a queue, and queues run concurrently.
 * - Starting arms the queue's timer for now + duration (duration 0: at
 *   once, but always from the loop, never inside the call that started
 *   it). When it fires, the job completes: its commands run, its fence
 *   signals (callbacks run: other jobs' dependencies, waits, sync_files),
 *   its references are dropped, and the queue starts its next job.
 *
 * DOC: detectors
 * - poison: the ranges a job's commands will write (minus those it reads
 *   itself, so a job never reads its own poison) are filled with
 *   FAKEDRI_POISON until its commands overwrite them at completion:
 *   at submit if no access to any of its destination objects is pending
 *   then, else when it starts. A job that writes a buffer waits for the
 *   earlier jobs using it, which must still see what they were submitted
 *   to see; once they are done, nobody may legitimately look.
 * - hazards: checked when a job starts, on the fences snapshot at submit
 *   (fdri_gpu_ioctl.c): every one still pending is reported (hook, one
 *   per object and fence) and counted in dev->stats.hazards; in ERROR mode
 *   the job fails with -EIO and its commands do not run.
 * - jitter: each duration is scaled by a factor in [0.5, 1.5) drawn at
 *   submit from a splitmix64 sequence seeded with the configured seed, so
 *   one seed always gives the same completion order.
 */
#include "fdri_gpu_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdri_fault.h"
#include "fdri_resv.h"

/* --- fences --- */

static const char *gpu_fence_driver_name(struct fdri_fence *f)
{
	(void)f;
	return "fakedri";
}

static const char *gpu_fence_timeline_name(struct fdri_fence *f)
{
	return fdri_container_of(f, struct fdri_gpu_fence, base)->timeline;
}

static void gpu_fence_release(struct fdri_fence *f)
{
	free(fdri_container_of(f, struct fdri_gpu_fence, base));
}

static const struct fdri_fence_ops gpu_fence_ops = {
	.driver_name = gpu_fence_driver_name,
	.timeline_name = gpu_fence_timeline_name,
	.release = gpu_fence_release,
};

struct fdri_gpu_fence *fdri_gpu_fence_of(struct fdri_fence *f)
{
	return f && f->ops == &gpu_fence_ops ? fdri_container_of(f, struct fdri_gpu_fence, base)
					     : NULL;
}

/* --- the GPU --- */

static const struct fdri_gpu_config default_config = {
	.queues = FDRI_GPU_DEFAULT_QUEUES,
	.hazards = FDRI_HAZARDS_LOG,
	.job_timeout_ns = FDRI_GPU_DEFAULT_JOB_TIMEOUT_NS,
};

static void queue_timer_func(struct fdri_timer *t);

static struct fdri_gpu *gpu_create(struct fdri_device *dev, const struct fdri_gpu_config *cfg)
{
	unsigned int n = cfg->queues ? cfg->queues : FDRI_GPU_DEFAULT_QUEUES;
	struct fdri_gpu *gpu = calloc(1, sizeof(*gpu) + n * sizeof(gpu->queues[0]));
	uint64_t context;

	if (!gpu)
		return NULL;
	gpu->dev = dev;
	gpu->cfg = *cfg;
	gpu->cfg.queues = n;
	gpu->prng = cfg->jitter_seed;
	gpu->timeout_ns = cfg->job_timeout_ns ? cfg->job_timeout_ns : FDRI_GPU_DEFAULT_JOB_TIMEOUT_NS;
	gpu->cfg.job_timeout_ns = gpu->timeout_ns;
	gpu->nqueues = n;
	context = fdri_fence_context_alloc(n);
	for (unsigned int i = 0; i < n; i++) {
		struct fdri_gpu_queue *q = &gpu->queues[i];

		q->gpu = gpu;
		q->index = i;
		q->context = context + i;
		fdri_list_init(&q->jobs);
		q->timer.func = queue_timer_func;
	}
	return gpu;
}

struct fdri_gpu *gpu_get(struct fdri_device *dev)
{
	if (!dev->gpu)
		dev->gpu = gpu_create(dev, &default_config);
	return dev->gpu;
}

int fdri_gpu_configure(struct fdri_device *dev, const struct fdri_gpu_config *cfg)
{
	struct fdri_gpu *gpu;

	if (cfg->queues > FDRI_GPU_MAX_QUEUES)
		return -EINVAL;
	if (cfg->hazards != FDRI_HAZARDS_OFF && cfg->hazards != FDRI_HAZARDS_LOG &&
	    cfg->hazards != FDRI_HAZARDS_ERROR)
		return -EINVAL;
	if (dev->stats.files_open || dev->stats.jobs)
		return -EBUSY;
	gpu = gpu_create(dev, cfg);
	if (!gpu)
		return -ENOMEM;
	if (dev->gpu) {
		gpu->ev = dev->gpu->ev;
		gpu->ev_priv = dev->gpu->ev_priv;
		fdri_gpu_destroy(dev);
	}
	dev->gpu = gpu;
	return 0;
}

void fdri_gpu_get_config(struct fdri_device *dev, struct fdri_gpu_config *cfg)
{
	*cfg = dev->gpu ? dev->gpu->cfg : default_config;
}

int fdri_gpu_set_events(struct fdri_device *dev, const struct fdri_gpu_events *ev, void *priv)
{
	struct fdri_gpu *gpu = gpu_get(dev);

	if (!gpu)
		return -ENOMEM;
	gpu->ev = ev;
	gpu->ev_priv = priv;
	return 0;
}

unsigned int fdri_gpu_num_queues(const struct fdri_device *dev)
{
	return dev->gpu ? dev->gpu->nqueues : FDRI_GPU_DEFAULT_QUEUES;
}

void fdri_gpu_for_each_job(struct fdri_device *dev,
			   void (*fn)(const struct fdri_gpu_job_info *job, void *data), void *data)
{
	struct fdri_gpu *gpu = dev->gpu;

	if (!gpu)
		return;
	for (unsigned int i = 0; i < gpu->nqueues; i++) {
		struct fdri_list *head = &gpu->queues[i].jobs;

		for (struct fdri_list *l = head->next; l != head; l = l->next)
			fn(&fdri_container_of(l, struct fdri_gpu_job, link)->info, data);
	}
}

/* --- jobs --- */

static int64_t gpu_now(struct fdri_gpu *gpu)
{
	return gpu->dev->host->now(gpu->dev->host_ctx);
}

/* splitmix64 */
static uint64_t gpu_random(struct fdri_gpu *gpu)
{
	uint64_t z = (gpu->prng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

struct fdri_gpu_job *gpu_job_alloc(struct fdri_gpu_queue *q, unsigned int nbos,
				   unsigned int ncmds, unsigned int nsyncs)
{
	size_t size = sizeof(struct fdri_gpu_job) + nbos * sizeof(struct gpu_job_bo) +
		      ncmds * sizeof(struct drm_fakedri_submit_cmd) + nsyncs * sizeof(struct gpu_sync);
	struct fdri_gpu_job *job = calloc(1, size);

	if (!job)
		return NULL;
	job->queue = q;
	job->info.queue = q->index;
	job->info.fence_context = q->context;
	job->info.nbos = nbos;
	job->info.ncmds = ncmds;
	job->nsyncs = nsyncs;
	job->cmds = (struct drm_fakedri_submit_cmd *)(job + 1);
	job->bos = (struct gpu_job_bo *)(job->cmds + ncmds);
	job->syncs = (struct gpu_sync *)(job->bos + nbos);
	fdri_list_init(&job->link);
	return job;
}

int gpu_job_alloc_deps(struct fdri_gpu_job *job, unsigned int ndeps, unsigned int nhaz)
{
	void *mem;

	if (!ndeps && !nhaz)
		return 0;
	mem = calloc(1, ndeps * sizeof(struct gpu_dep) + nhaz * sizeof(struct gpu_hazard));
	if (!mem)
		return -ENOMEM;
	job->deps = mem;
	job->deps_cap = ndeps;
	job->haz = (struct gpu_hazard *)(job->deps + ndeps);
	job->haz_cap = nhaz;
	return 0;
}

void gpu_job_add_dep(struct fdri_gpu_job *job, struct fdri_fence *fence)
{
	struct gpu_dep *d;

	if (job->ndeps == job->deps_cap)
		return; /* counted beforehand: cannot happen */
	d = &job->deps[job->ndeps++];
	d->fence = fdri_fence_get(fence);
	d->job = job;
	fdri_list_init(&d->cb.node);
}

void gpu_job_add_hazard(struct fdri_gpu_job *job, struct fdri_fence *fence, uint32_t bo,
			bool other_writes)
{
	if (job->nhaz == job->haz_cap)
		return;
	job->haz[job->nhaz++] = (struct gpu_hazard){ fdri_fence_get(fence), bo, other_writes };
}

int gpu_job_make_fence(struct fdri_gpu_job *job)
{
	struct fdri_gpu_fence *f = calloc(1, sizeof(*f));
	struct fdri_gpu_queue *q = job->queue;

	if (!f)
		return -ENOMEM;
	fdri_fence_init(&f->base, &gpu_fence_ops, q->context, q->seqno + 1);
	f->queue = q->index;
	f->file_id = job->info.file_id;
	f->ctx_id = job->info.ctx_id;
	f->ctx_uid = job->ctx_uid;
	snprintf(f->timeline, sizeof(f->timeline), "queue%u", q->index);
	job->fence = f;
	job->info.seqno = q->seqno + 1;
	return 0;
}

static void job_drop_hazards(struct fdri_gpu_job *job)
{
	for (unsigned int i = 0; i < job->nhaz; i++)
		fdri_fence_put(job->haz[i].fence);
	job->nhaz = 0;
}

void gpu_job_free(struct fdri_gpu_job *job)
{
	for (unsigned int i = 0; i < job->ndeps; i++) {
		struct gpu_dep *d = &job->deps[i];

		if (d->pending)
			fdri_fence_remove_callback(d->fence, &d->cb);
		fdri_fence_put(d->fence);
	}
	job_drop_hazards(job);
	for (unsigned int i = 0; i < job->info.nbos; i++) {
		fdri_dmabuf_put(job->bos[i].dmabuf);
		fdri_gem_put(job->bos[i].obj);
	}
	if (job->fence)
		fdri_fence_put(&job->fence->base);
	gpu_ctx_put(job->ctx);
	free(job->deps);
	free(job);
}

int gpu_bo_map(struct fdri_gem *obj, bool create, unsigned char **map)
{
	struct fdri_device *dev = obj->dev;
	void *addr;
	int fd, ret;

	if (obj->map) {
		*map = obj->map;
		return 0;
	}
	/* never written, so zeros; but a foreign import's memory is the
	 * dma-buf's, which has content whether or not we opened it yet */
	if (obj->memfd < 0 && !obj->import && !create) {
		*map = NULL;
		return 0;
	}
	if (!dev->host->backing_map)
		return -ENODEV;
	fd = fdri_gem_backing(obj);
	if (fd < 0)
		return fd;
	ret = dev->host->backing_map(dev->host_ctx, fd, obj->size, &addr);
	if (ret)
		return ret;
	obj->map = addr;
	*map = addr;
	return 0;
}

/* --- execution --- */

/* FAKEDRI_POISON over [@off, @end) of @map, aligned to the buffer's words. */
static void poison_range(unsigned char *map, uint64_t off, uint64_t end)
{
	static const uint32_t pattern = FAKEDRI_POISON;
	unsigned char bytes[4];

	memcpy(bytes, &pattern, 4);
	for (; off < end && (off & 3); off++)
		map[off] = bytes[off & 3];
	for (; off + 4 <= end; off += 4)
		memcpy(map + off, &pattern, 4);
	for (; off < end; off++)
		map[off] = bytes[off & 3];
}

/* The bytes cmd @c writes: its destination range. */
static uint64_t cmd_write_len(const struct drm_fakedri_submit_cmd *c)
{
	switch (c->op) {
	case FAKEDRI_CMD_FILL:
	case FAKEDRI_CMD_COPY:
		return c->length;
	case FAKEDRI_CMD_WRITE32:
		return 4;
	default:
		return 8;
	}
}

/* Poisons [@off, @end) of object @obj minus the ranges the job's COPY
 * commands read from it. */
static void poison_minus_reads(struct fdri_gpu_job *job, struct fdri_gem *obj, unsigned char *map,
			       uint64_t off, uint64_t end)
{
	while (off < end) {
		uint64_t next = end;
		bool covered = false;

		for (unsigned int i = 0; i < job->info.ncmds; i++) {
			const struct drm_fakedri_submit_cmd *c = &job->cmds[i];
			uint64_t s, e;

			if (c->op != FAKEDRI_CMD_COPY || job->bos[c->src_bo].obj != obj)
				continue;
			s = c->src_offset;
			e = s + c->length;
			if (s <= off && off < e) {
				off = e; /* read by the job: skip it */
				covered = true;
				break;
			}
			if (s > off && s < next)
				next = s;
		}
		if (covered)
			continue;
		poison_range(map, off, next);
		off = next;
	}
}

static void job_poison(struct fdri_gpu_job *job)
{
	job->poisoned = true;
	for (unsigned int i = 0; i < job->info.ncmds; i++) {
		const struct drm_fakedri_submit_cmd *c = &job->cmds[i];
		struct fdri_gem *obj = job->bos[c->dst_bo].obj;

		/* mapped at submit (fdri_gpu_ioctl.c), so never NULL here */
		if (obj->map)
			poison_minus_reads(job, obj, obj->map, c->dst_offset,
					   c->dst_offset + cmd_write_len(c));
	}
}

void gpu_job_poison_if_idle(struct fdri_gpu_job *job)
{
	if (!job->queue->gpu->cfg.poison)
		return;
	for (unsigned int i = 0; i < job->info.ncmds; i++)
		if (!fdri_resv_test_signaled(fdri_gem_resv(job->bos[job->cmds[i].dst_bo].obj),
					     FDRI_RESV_USAGE_BOOKKEEP))
			return;
	job_poison(job);
}

/* Runs the commands at completion time @now: 0 or -errno. */
static int job_exec(struct fdri_gpu_job *job, int64_t now)
{
	for (unsigned int i = 0; i < job->info.ncmds; i++) {
		const struct drm_fakedri_submit_cmd *c = &job->cmds[i];
		unsigned char *dst = job->bos[c->dst_bo].obj->map, *src;
		uint32_t v32 = (uint32_t)c->value;
		uint64_t ts = (uint64_t)now;
		int ret;

		if (!dst)
			return -ENOMEM;
		switch (c->op) {
		case FAKEDRI_CMD_FILL:
			for (uint64_t off = 0; off < c->length; off += 4)
				memcpy(dst + c->dst_offset + off, &v32, 4);
			break;
		case FAKEDRI_CMD_COPY:
			ret = gpu_bo_map(job->bos[c->src_bo].obj, false, &src);
			if (ret)
				return ret;
			if (src)
				memmove(dst + c->dst_offset, src + c->src_offset, c->length);
			else
				memset(dst + c->dst_offset, 0, c->length);
			break;
		case FAKEDRI_CMD_WRITE32:
			memcpy(dst + c->dst_offset, &v32, 4);
			break;
		case FAKEDRI_CMD_WRITE64:
			memcpy(dst + c->dst_offset, &c->value, 8);
			break;
		case FAKEDRI_CMD_TIMESTAMP:
			memcpy(dst + c->dst_offset, &ts, 8);
			break;
		}
	}
	return 0;
}

/* --- faults --- */

/*
 * The fence site (fdri_fault.h, target "fence"): the job's fence is about
 * to signal. A fault that fires with an error (fence-error=, errno=,
 * restart=) makes it signal with -errno, and the job's commands do not run
 * (the job failed); other actions have no effect here. Returns 0 or the
 * -errno.
 */
static int gpu_fence_fault(struct fdri_gpu_job *job, int64_t now)
{
	struct fdri_device *dev = job->queue->gpu->dev;
	struct fdri_fault_site site;
	struct fdri_fault_hit hit;

	if (!dev->faults || !fdri_faults_active(dev->faults))
		return 0;
	site = (struct fdri_fault_site){
		.target = FDRI_FAULT_T_FENCE,
		.device = fdri_device_minor(dev, FDRI_NODE_PRIMARY),
		.pid = job->info.pid,
		.tid = job->info.tid,
		.file = job->info.file_id,
		.ctx = job->info.ctx_id,
		.queue = job->info.queue,
		.size = 1,
		.now = now,
	};
	if (!fdri_faults_check(dev->faults, &site, &hit))
		return 0;
	switch (hit.action) {
	case FDRI_FAULT_A_ERRNO:
	case FDRI_FAULT_A_RESTART:
	case FDRI_FAULT_A_FENCE_ERROR:
		return hit.err > 0 ? -hit.err : -EIO;
	default:
		return 0;
	}
}

/* --- the queues --- */

static void queue_kick(struct fdri_gpu_queue *q);

/* Reports the hazards still pending as the job starts; true if any. */
static bool job_check_hazards(struct fdri_gpu_job *job)
{
	struct fdri_gpu *gpu = job->queue->gpu;
	bool found = false;

	for (unsigned int i = 0; i < job->nhaz; i++) {
		struct gpu_hazard *h = &job->haz[i];
		struct fdri_gpu_fence *other = fdri_gpu_fence_of(h->fence);
		struct fdri_gpu_hazard_info hz;

		if (fdri_fence_is_signaled(h->fence))
			continue;
		found = true;
		gpu->dev->stats.hazards++;
		if (!gpu->ev || !gpu->ev->hazard)
			continue;
		hz = (struct fdri_gpu_hazard_info){
			.job = &job->info,
			.bo_id = job->bos[h->bo].obj->id,
			.bo_handle = job->bos[h->bo].handle,
			.job_writes = job->bos[h->bo].flags & FAKEDRI_SUBMIT_BO_WRITE,
			.other_writes = h->other_writes,
			.other_context = h->fence->context,
			.other_seqno = h->fence->seqno,
			.other_is_job = other != NULL,
			.other_queue = other ? other->queue : 0,
			.other_file_id = other ? other->file_id : 0,
			.other_ctx_id = other ? other->ctx_id : 0,
		};
		gpu->ev->hazard(gpu->ev_priv, &hz);
	}
	job_drop_hazards(job);
	return found;
}

static void job_start(struct fdri_gpu_job *job)
{
	struct fdri_gpu_queue *q = job->queue;
	struct fdri_gpu *gpu = q->gpu;
	const struct fdri_host_ops *h = gpu->dev->host;
	int64_t now = gpu_now(gpu), deadline;

	uint64_t run;

	q->running = job;
	job->info.state = FDRI_GPU_JOB_RUNNING;
	job->info.start_ns = now;
	if (job->ctx && job->ctx->banned) {
		/* drm_sched_entity_pop_job() of a guilty entity */
		job->fail = -ECANCELED;
		job_drop_hazards(job);
		gpu->resets.cancelled++;
	} else if (job_check_hazards(job) && gpu->cfg.hazards == FDRI_HAZARDS_ERROR) {
		job->fail = -EIO;
	}
	if (gpu->ev && gpu->ev->job_started)
		gpu->ev->job_started(gpu->ev_priv, &job->info);
	if (job->fail) {
		deadline = now; /* fails at once, from the loop */
	} else {
		if (gpu->cfg.poison && !job->poisoned)
			job_poison(job);
		/* drm_sched_start_timeout(): the timer fires at the timeout
		 * if the job would still be running then */
		job->times_out = job->info.hang || job->info.duration_ns > gpu->timeout_ns;
		run = job->times_out ? gpu->timeout_ns : job->info.duration_ns;
		deadline = run > (uint64_t)(INT64_MAX - now) ? INT64_MAX : now + (int64_t)run;
	}
	if (h->timer_arm(gpu->dev->host_ctx, &q->timer, deadline) < 0) {
		/* no timer: complete it now rather than never */
		job->fail = job->fail ? job->fail : -ENOMEM;
		q->timer.func(&q->timer);
	}
}

/* The job leaves its queue with @error (0: its commands ran) and its
 * fence signals; its references go. */
static void job_retire(struct fdri_gpu_job *job, int error, int64_t now)
{
	struct fdri_gpu *gpu = job->queue->gpu;
	struct fdri_fence *fence = &job->fence->base;

	fdri_list_del(&job->link);
	job->info.end_ns = now;
	job->info.state = FDRI_GPU_JOB_DONE;
	job->info.error = error;
	gpu->dev->stats.jobs--;
	if (error)
		fdri_fence_set_error(fence, error);
	fdri_fence_signal(fence, now); /* the job holds a reference */
	if (gpu->ev && gpu->ev->job_done)
		gpu->ev->job_done(gpu->ev_priv, &job->info);
	gpu_job_free(job);
}

/*
 * drm_sched_job_timedout() -> the driver's timedout_job (amdgpu_job_timedout,
 * then amdgpu_device_gpu_recover): @guilty, still running at the timeout,
 * is the guilty job. Its context is banned (amdgpu_ctx's guilty flag:
 * later SUBMITs fail with ECANCELED, its jobs not started yet are
 * cancelled when their turn comes), the other jobs queued behind it are
 * counted as pending at the reset (i915's batch_pending) and run on, and
 * the guilty fence signals with -ETIME.
 */
static void queue_reset(struct fdri_gpu_queue *q, struct fdri_gpu_job *guilty, int64_t now)
{
	struct fdri_gpu *gpu = q->gpu;
	struct fdri_list *head = &q->jobs;

	gpu->resets.resets++;
	gpu->resets.guilty++;
	if (guilty->ctx) {
		if (!guilty->ctx->banned)
			gpu->resets.banned++;
		guilty->ctx->banned = true;
		guilty->ctx->guilty++;
	}
	for (struct fdri_list *l = head->next; l != head; l = l->next) {
		struct fdri_gpu_job *j = fdri_container_of(l, struct fdri_gpu_job, link);

		if (j == guilty)
			continue;
		gpu->resets.pending++;
		if (j->ctx)
			j->ctx->pending++;
	}
	if (gpu->ev && gpu->ev->reset)
		gpu->ev->reset(gpu->ev_priv, &guilty->info);
	job_retire(guilty, -ETIME, now);
}

static void queue_timer_func(struct fdri_timer *t)
{
	struct fdri_gpu_queue *q = fdri_container_of(t, struct fdri_gpu_queue, timer);
	struct fdri_gpu_job *job = q->running;
	int64_t now = gpu_now(q->gpu);
	int error;

	if (!job)
		return;
	q->running = NULL;
	if (job->times_out && !job->fail) {
		queue_reset(q, job, now);
	} else {
		error = job->fail ? job->fail : job->fence_error;
		if (!error)
			error = gpu_fence_fault(job, now);
		if (!error)
			error = job_exec(job, now);
		job_retire(job, error, now);
	}
	queue_kick(q);
}

static void queue_kick(struct fdri_gpu_queue *q)
{
	struct fdri_gpu_job *job;

	if (q->running || q->gpu->dying || q->gpu->unplugged || fdri_list_empty(&q->jobs))
		return;
	job = fdri_container_of(q->jobs.next, struct fdri_gpu_job, link);
	if (job->info.deps_pending == 0)
		job_start(job);
}

static void dep_signalled(struct fdri_fence *fence, struct fdri_fence_cb *cb)
{
	struct gpu_dep *d = fdri_container_of(cb, struct gpu_dep, cb);
	struct fdri_gpu_job *job = d->job;

	(void)fence;
	d->pending = false;
	if (--job->info.deps_pending == 0)
		queue_kick(job->queue);
}

void gpu_job_push(struct fdri_gpu_job *job)
{
	struct fdri_gpu_queue *q = job->queue;
	struct fdri_gpu *gpu = q->gpu;

	q->seqno = job->info.seqno;
	job->info.submit_ns = gpu_now(gpu);
	job->info.duration_ns = job->info.requested_ns;
	if (gpu->cfg.jitter) {
		/* x (512 + r) / 1024, r in [0, 1024): 0.5x .. 1.5x */
		unsigned __int128 d = (unsigned __int128)job->info.requested_ns *
				      (512 + (gpu_random(gpu) >> 54));

		job->info.duration_ns = (uint64_t)(d / 1024);
	}
	/* an injected delay= (fdri_gpu_ioctl.c), saturating */
	job->info.duration_ns = job->delay_ns > UINT64_MAX - job->info.duration_ns ? UINT64_MAX
				: job->info.duration_ns + job->delay_ns;
	fdri_list_add_tail(&q->jobs, &job->link);
	gpu->dev->stats.jobs++;
	for (unsigned int i = 0; i < job->ndeps; i++) {
		struct gpu_dep *d = &job->deps[i];

		if (fdri_fence_add_callback(d->fence, &d->cb, dep_signalled) == 0) {
			d->pending = true;
			job->info.deps_pending++;
		}
	}
	if (gpu->ev && gpu->ev->job_submitted)
		gpu->ev->job_submitted(gpu->ev_priv, &job->info);
	queue_kick(q);
}

void fdri_gpu_destroy(struct fdri_device *dev)
{
	struct fdri_gpu *gpu = dev->gpu;
	int64_t now;

	if (!gpu)
		return;
	gpu->dying = true;
	now = gpu_now(gpu);
	/* no job starts from here on: detach them all, then cancel them */
	for (unsigned int i = 0; i < gpu->nqueues; i++) {
		struct fdri_gpu_queue *q = &gpu->queues[i];

		if (q->timer.host)
			dev->host->timer_fini(dev->host_ctx, &q->timer);
		q->running = NULL;
		while (!fdri_list_empty(&q->jobs))
			job_retire(fdri_container_of(q->jobs.next, struct fdri_gpu_job, link),
				   -ESRCH, now);
	}
	dev->gpu = NULL;
	free(gpu);
}

void fdri_gpu_reset_counts(const struct fdri_device *dev, struct fdri_gpu_reset_counts *out)
{
	if (dev->gpu)
		*out = dev->gpu->resets;
	else
		*out = (struct fdri_gpu_reset_counts){ 0 };
}

/*
 * drm_dev_unplug(): the hardware is gone, so nothing it would have done
 * happens. Every job not completed yet is completed now with -ENODEV
 * (drm_sched_fini() signals what is left of its entities with an error),
 * its commands not run, and no job starts again: queue_kick() starts
 * nothing once @unplugged is set, so a fence callback run by a retire
 * (another job's dependency) cannot start a job while we walk.
 */
void fdri_gpu_unplug(struct fdri_device *dev)
{
	struct fdri_gpu *gpu = dev->gpu;
	int64_t now;

	if (!gpu || gpu->unplugged)
		return;
	gpu->unplugged = true;
	now = gpu_now(gpu);
	for (unsigned int i = 0; i < gpu->nqueues; i++) {
		struct fdri_gpu_queue *q = &gpu->queues[i];

		if (q->running) {
			dev->host->timer_disarm(dev->host_ctx, &q->timer);
			q->running = NULL;
		}
		while (!fdri_list_empty(&q->jobs))
			job_retire(fdri_container_of(q->jobs.next, struct fdri_gpu_job, link),
				   -ENODEV, now);
	}
}
