/*
 * fdri_gpu_ioctl.c - the simulated GPU's ioctls (uapi/fakedri_drm.h):
 * GET_PARAM, CTX_CREATE, CTX_DESTROY, SUBMIT and GEM_WAIT, and the
 * per-file context table. Errnos follow the kernel: msm's GEM_SUBMIT for
 * the order of checks, drm_syncobj_find_fence() and sync_file_get_fence()
 * for fences, i915's GEM_WAIT for waiting on a buffer.
 *
 * Owns: struct gpu_file (file->driver_priv of a "fakedri" file: its
 * contexts) and struct gpu_ctx, and a GEM_WAIT's state while it is parked.
 *
 * DOC: contexts
 * A context is in its file's idr from CTX_CREATE until CTX_DESTROY or the
 * file's postclose, which hold one reference; each job it submitted holds
 * another until the job completes, for the reset state the job's timeout
 * updates (banned, guilty, pending: RESET_STATS). A job copies the
 * context's id, priority and uid, so nothing else of the context is used
 * once its id is gone.
 *
 * DOC: RESET_STATS
 * amdgpu's AMDGPU_CTX_OP_QUERY_STATE2 and i915's GET_RESET_STATS in one:
 * per context, RESET if the device reset since the context was made
 * (amdgpu compares its reset counter), GUILTY if one of its jobs timed
 * out, BANNED with it (amdgpu's guilty context fails every later
 * submission with ECANCELED), and i915's counts; for context 0 the
 * device's totals.
 *
 * DOC: SUBMIT
 * Everything that can fail is done before anything is committed: the
 * syncobj, object and command arrays are validated and their references
 * taken, the objects a command writes get their backing and mapping, the
 * dependency and hazard arrays are sized, the job's fence is made and, for
 * FENCE_FD_OUT, its sync_file. Then the job is committed, which cannot
 * fail: implicit dependencies (each object's reservation: a writer waits
 * for every fence, a reader for the writers'; none with NO_IMPLICIT,
 * which instead snapshots conflicting fences of other contexts for the
 * hazard check), the job's fence added to each object's reservation
 * (WRITE or READ usage; also with NO_IMPLICIT, as the kernel adds fences
 * for EXEC_OBJECT_ASYNC), out-syncobjs (binary: the fence replaced;
 * timeline: a chain point added, as TIMELINE_SIGNAL does), then the push.
 * The one exception: a timeline point whose chain node cannot be
 * allocated at commit is not added (the kernel preallocates it).
 *
 * DOC: GEM_WAIT
 * Parks the request (fdri_req_park) with a callback on the first pending
 * fence of the object's reservation and, for a positive timeout, a timer
 * of its own at the deadline; each wake-up looks again (fences added
 * meanwhile are waited for too, as dma_resv_wait_timeout() restarts) and
 * answers or parks again. The state (struct gem_wait) holds a reference
 * on the object and on the awaited fence; unpark removes the callback and
 * frees it unless one of our own wake-ups is about to resume it, so a
 * cancelled wait (a signal, a closed file) leaves nothing. A signal ends
 * the call with EINTR and no copy-back, so a restarted call starts its
 * relative timeout anew (i915 writes the time left back before the
 * restart).
 */
#include "fdri_gpu_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "fdri_fence_chain.h"
#include "fdri_fault.h"
#include "fdri_fdobj.h"
#include "fdri_req.h"
#include "fdri_resv.h"
#include "fdri_sync_file.h"
#include "fdri_syncobj.h"

struct gpu_file {
	struct fdri_idr ctxs;          /* id -> struct gpu_ctx (owned) */
};

/* --- files and contexts --- */

int fdri_gpu_file_open(struct fdri_file *file)
{
	struct gpu_file *gf = calloc(1, sizeof(*gf));

	if (!gf)
		return -ENOMEM;
	fdri_idr_init(&gf->ctxs);
	file->driver_priv = gf;
	return 0;
}

struct gpu_ctx *gpu_ctx_get(struct gpu_ctx *ctx)
{
	ctx->refcount++;
	return ctx;
}

void gpu_ctx_put(struct gpu_ctx *ctx)
{
	if (ctx && --ctx->refcount == 0)
		free(ctx);
}

static void ctx_free(uint32_t id, void *p, void *data)
{
	(void)id; (void)data;
	gpu_ctx_put(p);
}

void fdri_gpu_file_postclose(struct fdri_file *file)
{
	struct gpu_file *gf = file->driver_priv;

	if (!gf)
		return;
	/* the file's jobs run on: they hold their own context references */
	fdri_idr_for_each(&gf->ctxs, ctx_free, NULL);
	fdri_idr_fini(&gf->ctxs);
	free(gf);
	file->driver_priv = NULL;
}

int fdri_gpu_ioctl_ctx_create(struct fdri_file *f, const struct fdri_caller *w, void *data,
			      struct fdri_ioctl_args *a)
{
	struct drm_fakedri_ctx_create *args = data;
	struct gpu_file *gf = f->driver_priv;
	struct fdri_gpu *gpu;
	struct gpu_ctx *ctx;
	int id;

	(void)w; (void)a;
	if (args->flags || args->pad)
		return -EINVAL;
	if (args->priority < FAKEDRI_CTX_PRIORITY_MIN || args->priority > FAKEDRI_CTX_PRIORITY_MAX)
		return -EINVAL;
	gpu = gpu_get(f->dev);
	if (!gf || !gpu)
		return -ENOMEM;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	id = fdri_idr_alloc(&gf->ctxs, ctx);
	if (id < 0) {
		free(ctx);
		return id;
	}
	ctx->refcount = 1;
	ctx->priority = args->priority;
	ctx->uid = ++gpu->next_ctx_uid;
	ctx->resets_at_create = gpu->resets.resets;
	args->ctx_id = (uint32_t)id;
	return 0;
}

int fdri_gpu_ioctl_ctx_destroy(struct fdri_file *f, const struct fdri_caller *w, void *data,
			       struct fdri_ioctl_args *a)
{
	struct drm_fakedri_ctx_destroy *args = data;
	struct gpu_file *gf = f->driver_priv;

	(void)w; (void)a;
	if (args->pad)
		return -EINVAL;
	if (!gf || !fdri_idr_find(&gf->ctxs, args->ctx_id))
		return -ENOENT;
	gpu_ctx_put(fdri_idr_remove(&gf->ctxs, args->ctx_id));
	return 0;
}

int fdri_gpu_ioctl_get_param(struct fdri_file *f, const struct fdri_caller *w, void *data,
			     struct fdri_ioctl_args *a)
{
	struct drm_fakedri_get_param *args = data;
	struct fdri_gpu_config cfg;

	(void)w; (void)a;
	if (args->pad)
		return -EINVAL;
	fdri_gpu_get_config(f->dev, &cfg);
	switch (args->param) {
	case FAKEDRI_PARAM_NUM_QUEUES:
		args->value = fdri_gpu_num_queues(f->dev);
		return 0;
	case FAKEDRI_PARAM_TIMESTAMP:
		args->value = (uint64_t)f->dev->host->now(f->dev->host_ctx);
		return 0;
	case FAKEDRI_PARAM_POISON:
		args->value = cfg.poison ? FAKEDRI_POISON : 0;
		return 0;
	case FAKEDRI_PARAM_HAZARDS:
		args->value = (uint64_t)cfg.hazards;
		return 0;
	default:
		return -EINVAL;
	}
}

/* --- SUBMIT --- */

/* A nested array of @n elements of @size: -EFAULT if it cannot be read. */
static int array_in(const struct fdri_ubuf *b, uint32_t n, size_t size, const void **out)
{
	*out = NULL;
	if (n == 0)
		return 0;
	if (b->fault || !b->uaddr || !b->data || b->len < (uint64_t)n * size)
		return -EFAULT;
	*out = b->data;
	return 0;
}

/* drm_syncobj_find_fence() without WAIT_FOR_SUBMIT: the fence of @point
 * (NULL if it signalled and was collected), -EINVAL if there is none. */
static int syncobj_wait_fence(struct fdri_syncobj *s, uint64_t point, struct fdri_fence **out)
{
	struct fdri_fence *fence = fdri_syncobj_fence_get(s);

	if (!fence || fdri_fence_chain_find_seqno(&fence, point)) {
		fdri_fence_put(fence);
		return -EINVAL;
	}
	*out = fence;
	return 0;
}

static int parse_syncobjs(struct fdri_file *f, struct fdri_gpu_job *job, const struct fdri_ubuf *b)
{
	const struct drm_fakedri_submit_syncobj *in;
	int ret = array_in(b, job->nsyncs, sizeof(*in), (const void **)&in);

	if (ret)
		return ret;
	for (unsigned int i = 0; i < job->nsyncs; i++) {
		struct gpu_sync *s = &job->syncs[i];

		if (!in[i].flags || (in[i].flags & ~(FAKEDRI_SUBMIT_SYNCOBJ_WAIT |
						     FAKEDRI_SUBMIT_SYNCOBJ_SIGNAL)))
			return -EINVAL;
		s->syncobj = fdri_syncobj_find(f, in[i].handle);
		if (!s->syncobj)
			return -ENOENT;
		s->flags = in[i].flags;
		s->point = in[i].point;
		if (s->flags & FAKEDRI_SUBMIT_SYNCOBJ_WAIT) {
			ret = syncobj_wait_fence(s->syncobj, s->point, &s->wait);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static void release_syncs(struct fdri_gpu_job *job)
{
	for (unsigned int i = 0; i < job->nsyncs; i++) {
		fdri_fence_put(job->syncs[i].wait);
		fdri_syncobj_put(job->syncs[i].syncobj);
	}
	job->nsyncs = 0;
}

static int parse_bos(struct fdri_file *f, struct fdri_gpu_job *job, const struct fdri_ubuf *b)
{
	const uint32_t rw = FAKEDRI_SUBMIT_BO_READ | FAKEDRI_SUBMIT_BO_WRITE;
	const struct drm_fakedri_submit_bo *in;
	int ret = array_in(b, job->info.nbos, sizeof(*in), (const void **)&in);

	if (ret)
		return ret;
	for (unsigned int i = 0; i < job->info.nbos; i++) {
		struct fdri_gem *obj;

		if (!(in[i].flags & rw) || (in[i].flags & ~rw))
			return -EINVAL;
		obj = fdri_gem_lookup(f, in[i].handle);
		if (!obj)
			return -ENOENT;
		fdri_gem_get(obj);
		job->bos[i] = (struct gpu_job_bo){ obj, obj->dma_buf, in[i].handle, in[i].flags };
		if (obj->dma_buf)
			fdri_dmabuf_get(obj->dma_buf);
	}
	return 0;
}

/* @off + @len within @size, without wrapping */
static bool range_ok(uint64_t off, uint64_t len, uint64_t size)
{
	return len <= size && off <= size - len;
}

static int check_cmd(const struct fdri_gpu_job *job, const struct drm_fakedri_submit_cmd *c)
{
	uint64_t len = 0, align = 1;
	bool copy = c->op == FAKEDRI_CMD_COPY;

	if (c->pad)
		return -EINVAL;
	switch (c->op) {
	case FAKEDRI_CMD_FILL:
		if (!c->length || c->length % 4 || c->value > UINT32_MAX)
			return -EINVAL;
		len = c->length;
		align = 4;
		break;
	case FAKEDRI_CMD_COPY:
		if (!c->length || c->value)
			return -EINVAL;
		len = c->length;
		break;
	case FAKEDRI_CMD_WRITE32:
		if (c->length || c->value > UINT32_MAX)
			return -EINVAL;
		len = align = 4;
		break;
	case FAKEDRI_CMD_WRITE64:
		if (c->length)
			return -EINVAL;
		len = align = 8;
		break;
	case FAKEDRI_CMD_TIMESTAMP:
		if (c->length || c->value)
			return -EINVAL;
		len = align = 8;
		break;
	default:
		return -EINVAL;
	}
	if (!copy && (c->src_bo || c->src_offset))
		return -EINVAL;
	if (c->dst_bo >= job->info.nbos || (copy && c->src_bo >= job->info.nbos))
		return -EINVAL;
	if (!(job->bos[c->dst_bo].flags & FAKEDRI_SUBMIT_BO_WRITE))
		return -EINVAL;
	if (c->dst_offset % align)
		return -EINVAL;
	if (!range_ok(c->dst_offset, len, job->bos[c->dst_bo].obj->size))
		return -EINVAL;
	if (copy && !range_ok(c->src_offset, len, job->bos[c->src_bo].obj->size))
		return -EINVAL;
	return 0;
}

static int parse_cmds(struct fdri_gpu_job *job, const struct fdri_ubuf *b)
{
	const struct drm_fakedri_submit_cmd *in;
	int ret = array_in(b, job->info.ncmds, sizeof(*in), (const void **)&in);

	if (ret || !job->info.ncmds)
		return ret;
	memcpy(job->cmds, in, job->info.ncmds * sizeof(*in));
	for (unsigned int i = 0; i < job->info.ncmds; i++) {
		ret = check_cmd(job, &job->cmds[i]);
		if (ret)
			return ret;
	}
	/* what the job writes gets its backing and mapping now */
	for (unsigned int i = 0; i < job->info.ncmds; i++) {
		unsigned char *map;

		ret = gpu_bo_map(job->bos[job->cmds[i].dst_bo].obj, true, &map);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * The implicit dependencies (or, with NO_IMPLICIT, the hazards) of the
 * job's objects: counted into *@ndeps and *@nhaz if @add is false, else added.
 * Fences of the job's own queue are left out: they signal before it
 * starts anyway.
 */
static void walk_implicit(struct fdri_gpu_job *job, bool add, unsigned int *ndeps,
			  unsigned int *nhaz)
{
	const struct fdri_gpu_config *cfg = &job->queue->gpu->cfg;
	bool implicit = !(job->info.flags & FAKEDRI_SUBMIT_NO_IMPLICIT);

	if (!implicit && cfg->hazards == FDRI_HAZARDS_OFF)
		return;
	for (unsigned int i = 0; i < job->info.nbos; i++) {
		struct fdri_resv *resv = fdri_gem_resv(job->bos[i].obj);
		/* dma_resv_usage_rw(): a writer waits for all, a reader for writers */
		enum fdri_resv_usage usage = job->bos[i].flags & FAKEDRI_SUBMIT_BO_WRITE ?
					     FDRI_RESV_USAGE_READ : FDRI_RESV_USAGE_WRITE;

		for (unsigned int k = 0; k < resv->n; k++) {
			struct fdri_resv_entry *e = &resv->entries[k];
			struct fdri_gpu_fence *other;

			if (e->usage > usage || fdri_fence_is_signaled(e->fence) ||
			    e->fence->context == job->queue->context)
				continue;
			if (implicit) {
				if (add)
					gpu_job_add_dep(job, e->fence);
				else
					(*ndeps)++;
				continue;
			}
			other = fdri_gpu_fence_of(e->fence);
			if (other && other->ctx_uid == job->ctx_uid)
				continue; /* the context orders its own work */
			if (add)
				gpu_job_add_hazard(job, e->fence, i, e->usage <= FDRI_RESV_USAGE_WRITE);
			else
				(*nhaz)++;
		}
	}
}

/* drm_syncobj_add_point() with the chain made here */
static void syncobj_add_point(struct fdri_syncobj *s, struct fdri_fence *fence, uint64_t point,
			      int64_t now)
{
	struct fdri_fence *prev = fdri_syncobj_fence_get(s);
	struct fdri_fence *chain = fdri_fence_chain_create(prev, fence, point, now);

	if (chain) {
		fdri_syncobj_replace_fence(s, chain);
		/* walk the chain once to collect what has signalled */
		for (struct fdri_fence *it = prev; it; it = fdri_fence_chain_walk(it))
			;
		fdri_fence_put(chain);
	}
	fdri_fence_put(prev);
}

/* The commit: nothing here fails (see DOC: SUBMIT). */
static void submit_commit(struct fdri_gpu_job *job, struct fdri_fence *in_fence, int64_t now)
{
	struct fdri_fence *fence = &job->fence->base;

	if (in_fence && !fdri_fence_is_signaled(in_fence))
		gpu_job_add_dep(job, in_fence);
	for (unsigned int i = 0; i < job->nsyncs; i++)
		if (job->syncs[i].wait && !fdri_fence_is_signaled(job->syncs[i].wait))
			gpu_job_add_dep(job, job->syncs[i].wait);
	walk_implicit(job, true, NULL, NULL);
	gpu_job_poison_if_idle(job);
	for (unsigned int i = 0; i < job->info.nbos; i++)
		fdri_resv_add_fence(fdri_gem_resv(job->bos[i].obj), fence,
				    job->bos[i].flags & FAKEDRI_SUBMIT_BO_WRITE ?
				    FDRI_RESV_USAGE_WRITE : FDRI_RESV_USAGE_READ);
	for (unsigned int i = 0; i < job->nsyncs; i++) {
		struct gpu_sync *s = &job->syncs[i];

		if (!(s->flags & FAKEDRI_SUBMIT_SYNCOBJ_SIGNAL))
			continue;
		if (s->point)
			syncobj_add_point(s->syncobj, fence, s->point, now);
		else
			fdri_syncobj_replace_fence(s->syncobj, fence);
	}
	release_syncs(job);
	gpu_job_push(job); /* the job may be gone after this */
}

/*
 * The job site (fdri_fault.h, target "job"), once the job is valid and
 * would be queued: errno= (and restart=, alloc-fail) fails SUBMIT with it
 * and nothing is queued; delay= lengthens the job; fence-error= lets it
 * run its duration and complete with that error, its commands not run;
 * hang makes it never complete by itself (it times out); unplug unplugs
 * the device and fails the call with ENODEV. 0 or the -errno to fail with.
 */
static int submit_fault(struct fdri_file *f, const struct fdri_caller *w, struct fdri_gpu_job *job)
{
	struct fdri_device *dev = f->dev;
	struct fdri_fault_site site;
	struct fdri_fault_hit hit;

	if (!dev->faults || !fdri_faults_active(dev->faults))
		return 0;
	site = (struct fdri_fault_site){
		.target = FDRI_FAULT_T_JOB,
		.device = fdri_device_minor(dev, FDRI_NODE_PRIMARY),
		.pid = w->pid,
		.tid = w->tid,
		.file = f->id,
		.ctx = job->info.ctx_id,
		.queue = job->info.queue,
		.size = 1,
		.now = dev->host->now(dev->host_ctx),
	};
	if (!fdri_faults_check(dev->faults, &site, &hit))
		return 0;
	switch (hit.action) {
	case FDRI_FAULT_A_ERRNO:
	case FDRI_FAULT_A_RESTART:
		return hit.err > 0 ? -hit.err : -EIO;
	case FDRI_FAULT_A_ALLOC_FAIL:
		return -ENOMEM;
	case FDRI_FAULT_A_DELAY:
		job->delay_ns = hit.delay_ns > 0 ? (uint64_t)hit.delay_ns : 0;
		return 0;
	case FDRI_FAULT_A_FENCE_ERROR:
		job->fence_error = hit.err > 0 ? -hit.err : -EIO;
		return 0;
	case FDRI_FAULT_A_HANG:
		job->info.hang = true;
		return 0;
	case FDRI_FAULT_A_UNPLUG:
		fdri_device_unplug(dev);
		return -ENODEV;
	default:
		return 0;
	}
}

int fdri_gpu_ioctl_submit(struct fdri_file *f, const struct fdri_caller *w, void *data,
			  struct fdri_ioctl_args *a)
{
	struct drm_fakedri_submit *args = data;
	struct fdri_device *dev = f->dev;
	struct gpu_file *gf = f->driver_priv;
	struct fdri_fence *in_fence = NULL;
	unsigned int ndeps = 0, nhaz = 0;
	struct fdri_gpu_job *job;
	struct fdri_gpu *gpu;
	struct gpu_ctx *ctx;
	int ret;

	/* drm_dev_enter() fails once the device is unplugged */
	if (dev->unplugged || (dev->gpu && dev->gpu->unplugged))
		return -ENODEV;
	if ((args->flags & ~FAKEDRI_SUBMIT_FLAGS) || args->pad)
		return -EINVAL;
	gpu = gpu_get(dev);
	if (!gpu)
		return -ENOMEM;
	if (args->queue >= gpu->nqueues)
		return -EINVAL;
	if (args->nr_bos > FAKEDRI_SUBMIT_MAX_BOS || args->nr_syncobjs > FAKEDRI_SUBMIT_MAX_SYNCOBJS ||
	    args->nr_cmds > FAKEDRI_SUBMIT_MAX_CMDS || args->duration_ns > FAKEDRI_SUBMIT_MAX_DURATION_NS)
		return -EINVAL;
	ctx = gf ? fdri_idr_find(&gf->ctxs, args->ctx_id) : NULL;
	if (!ctx)
		return -ENOENT;
	/* amdgpu_cs_parser_init(): a guilty context submits no more */
	if (ctx->banned)
		return -ECANCELED;
	if (args->flags & FAKEDRI_SUBMIT_FENCE_FD_IN) {
		/* sync_file_get_fence(): NULL for anything but a sync_file */
		in_fence = a->in_fd >= 0 ? fdri_sync_file_get_fence(dev->fdobjs, a->in_fd) : NULL;
		if (!in_fence)
			return -EINVAL;
	}
	job = gpu_job_alloc(&gpu->queues[args->queue], args->nr_bos, args->nr_cmds,
			    args->nr_syncobjs);
	if (!job) {
		fdri_fence_put(in_fence);
		return -ENOMEM;
	}
	job->info.file_id = f->id;
	job->info.pid = w->pid;
	job->info.tid = w->tid;
	job->info.ctx_id = args->ctx_id;
	job->info.priority = ctx->priority;
	job->info.flags = args->flags;
	job->info.requested_ns = args->duration_ns;
	job->ctx_uid = ctx->uid;
	job->ctx = gpu_ctx_get(ctx);

	ret = parse_syncobjs(f, job, &a->bufs[1]);
	if (!ret)
		ret = parse_bos(f, job, &a->bufs[0]);
	if (!ret)
		ret = parse_cmds(job, &a->bufs[2]);
	if (!ret) {
		ndeps = (in_fence != NULL);
		for (unsigned int i = 0; i < job->nsyncs; i++)
			ndeps += job->syncs[i].wait != NULL;
		walk_implicit(job, false, &ndeps, &nhaz);
		ret = gpu_job_alloc_deps(job, ndeps, nhaz);
	}
	if (!ret)
		ret = gpu_job_make_fence(job);
	if (!ret)
		ret = submit_fault(f, w, job);
	if (!ret && (args->flags & FAKEDRI_SUBMIT_FENCE_FD_OUT))
		ret = fdri_sync_file_export(dev->fdobjs, &job->fence->base, a, O_CLOEXEC);
	if (ret) {
		release_syncs(job);
		gpu_job_free(job);
		fdri_fence_put(in_fence);
		return ret;
	}
	args->seqno = job->info.seqno;
	submit_commit(job, in_fence, dev->host->now(dev->host_ctx));
	fdri_fence_put(in_fence);
	return 0;
}

/* --- RESET_STATS --- */

int fdri_gpu_ioctl_reset_stats(struct fdri_file *f, const struct fdri_caller *w, void *data,
			       struct fdri_ioctl_args *a)
{
	struct drm_fakedri_reset_stats *args = data;
	struct gpu_file *gf = f->driver_priv;
	struct fdri_gpu_reset_counts dc;
	struct gpu_ctx *ctx;

	(void)w; (void)a;
	/* i915_gem_context_reset_stats_ioctl(): flags and pad are inputs */
	if (args->flags || args->pad)
		return -EINVAL;
	fdri_gpu_reset_counts(f->dev, &dc);
	args->reset_count = (uint32_t)dc.resets;
	if (args->ctx_id == 0) {
		args->flags = dc.resets ? FAKEDRI_RESET_FLAG_RESET : 0;
		if (dc.guilty)
			args->flags |= FAKEDRI_RESET_FLAG_GUILTY;
		if (dc.banned)
			args->flags |= FAKEDRI_RESET_FLAG_BANNED;
		args->batch_active = (uint32_t)dc.guilty;
		args->batch_pending = (uint32_t)dc.pending;
		return 0;
	}
	ctx = gf ? fdri_idr_find(&gf->ctxs, args->ctx_id) : NULL;
	if (!ctx)
		return -ENOENT;
	args->flags = (dc.resets != ctx->resets_at_create ? FAKEDRI_RESET_FLAG_RESET : 0) |
		      (ctx->guilty ? FAKEDRI_RESET_FLAG_GUILTY : 0) |
		      (ctx->banned ? FAKEDRI_RESET_FLAG_BANNED : 0);
	args->batch_active = ctx->guilty;
	args->batch_pending = ctx->pending;
	return 0;
}

/* --- GEM_WAIT --- */

struct gem_wait {
	struct fdri_req *req;
	struct fdri_device *dev;
	struct fdri_gem *obj;          /* holds a reference */
	enum fdri_resv_usage usage;
	struct fdri_fence *fence;      /* holds a reference while parked on it */
	struct fdri_fence_cb cb;
	int64_t deadline;              /* 0: none */
	struct fdri_timer timer;
	bool timer_armed;
	bool waking;                   /* our own fdri_req_wake() is running */
};

/* The first fence still pending that a wait with @usage waits for. */
static struct fdri_fence *first_busy(struct fdri_gem *obj, enum fdri_resv_usage usage)
{
	return fdri_resv_fence(fdri_gem_resv(obj), usage, 0);
}

static void gem_wait_free(struct gem_wait *gw)
{
	if (gw->timer.host)
		gw->dev->host->timer_fini(gw->dev->host_ctx, &gw->timer);
	fdri_fence_put(gw->fence);
	fdri_gem_put(gw->obj);
	free(gw);
}

static struct gem_wait *req_gem_wait(struct fdri_req *req)
{
	return (struct gem_wait *)(uintptr_t)req->wait_key;
}

static void gem_wait_unpark(struct fdri_req *req)
{
	struct gem_wait *gw = req_gem_wait(req);

	fdri_fence_remove_callback(gw->fence, &gw->cb);
	fdri_fence_put(gw->fence);
	gw->fence = NULL;
	if (gw->waking) {
		gw->waking = false;
		return;
	}
	/* cancelled: nobody resumes it */
	req->wait_key = 0;
	gem_wait_free(gw);
}

static void gem_wait_wake(struct gem_wait *gw, int why)
{
	if (gw->req->state != FDRI_REQ_PARKED)
		return;
	gw->waking = true;
	fdri_req_wake(gw->req, why);
}

static void gem_wait_fence_func(struct fdri_fence *fence, struct fdri_fence_cb *cb)
{
	(void)fence;
	gem_wait_wake(fdri_container_of(cb, struct gem_wait, cb), 0);
}

static void gem_wait_timer_func(struct fdri_timer *t)
{
	struct gem_wait *gw = fdri_container_of(t, struct gem_wait, timer);

	gw->timer_armed = false;
	gem_wait_wake(gw, -ETIME);
}

/* i915_gem_wait_ioctl()'s copy-back: the time left for a positive timeout */
static void gem_wait_left(struct drm_fakedri_gem_wait *args, int64_t deadline, int64_t now,
			  int ret)
{
	if (args->timeout_ns <= 0)
		return;
	args->timeout_ns = ret == -ETIME || now >= deadline ? 0 : deadline - now;
}

static int gem_wait_finish(struct fdri_req *req, struct gem_wait *gw, int ret)
{
	struct drm_fakedri_gem_wait *args = (struct drm_fakedri_gem_wait *)req->kdata;
	const struct fdri_host_ops *h = gw->dev->host;

	gem_wait_left(args, gw->deadline, h->now(gw->dev->host_ctx), ret);
	if (gw->timer_armed)
		h->timer_disarm(gw->dev->host_ctx, &gw->timer);
	req->wait_key = 0;
	gem_wait_free(gw);
	return ret;
}

static int gem_wait_park(struct gem_wait *gw, struct fdri_fence *fence);

static int gem_wait_resume(struct fdri_req *req, int why)
{
	struct gem_wait *gw = req_gem_wait(req);
	struct fdri_fence *fence = first_busy(gw->obj, gw->usage);
	int ret;

	if (!fence)
		return gem_wait_finish(req, gw, 0);
	if (why == -ETIME)
		return gem_wait_finish(req, gw, -ETIME);
	ret = gem_wait_park(gw, fence);
	if (ret != FDRI_PARKED)
		return gem_wait_finish(req, gw, ret);
	return ret;
}

static int gem_wait_park(struct gem_wait *gw, struct fdri_fence *fence)
{
	int ret = fdri_req_park(gw->req, gem_wait_resume, gem_wait_unpark, 0);

	if (ret != FDRI_PARKED)
		return ret;
	gw->req->wait_key = (uint64_t)(uintptr_t)gw;
	gw->fence = fdri_fence_get(fence);
	fdri_fence_add_callback(fence, &gw->cb, gem_wait_fence_func); /* pending: added */
	return FDRI_PARKED;
}

int fdri_gpu_ioctl_gem_wait(struct fdri_file *f, const struct fdri_caller *w, void *data,
			    struct fdri_ioctl_args *a)
{
	struct drm_fakedri_gem_wait *args = data;
	const struct fdri_host_ops *h = f->dev->host;
	enum fdri_resv_usage usage;
	struct fdri_fence *fence;
	struct fdri_gem *obj;
	struct gem_wait *gw;
	int64_t now;
	int ret;

	(void)w;
	if (args->flags & ~FAKEDRI_GEM_WAIT_WRITE)
		return -EINVAL;
	obj = fdri_gem_lookup(f, args->handle);
	if (!obj)
		return -ENOENT;
	usage = args->flags & FAKEDRI_GEM_WAIT_WRITE ? FDRI_RESV_USAGE_READ : FDRI_RESV_USAGE_WRITE;
	fence = first_busy(obj, usage);
	if (!fence)
		return 0;   /* idle: the time left is all of it */
	if (args->timeout_ns == 0)
		return -ETIME;
	gw = calloc(1, sizeof(*gw));
	if (!gw)
		return -ENOMEM;
	gw->req = a->req;
	gw->dev = f->dev;
	gw->obj = obj;
	fdri_gem_get(obj);
	gw->usage = usage;
	fdri_list_init(&gw->cb.node);
	gw->timer.func = gem_wait_timer_func;
	now = h->now(f->dev->host_ctx);
	if (args->timeout_ns > 0) {
		gw->deadline = args->timeout_ns > INT64_MAX - now ? INT64_MAX : now + args->timeout_ns;
		ret = h->timer_arm(f->dev->host_ctx, &gw->timer, gw->deadline);
		if (ret) {
			gem_wait_free(gw);
			return ret;
		}
		gw->timer_armed = true;
	}
	ret = gem_wait_park(gw, fence);
	if (ret != FDRI_PARKED) {
		if (gw->timer_armed)
			h->timer_disarm(f->dev->host_ctx, &gw->timer);
		gem_wait_free(gw);
	}
	return ret;
}
