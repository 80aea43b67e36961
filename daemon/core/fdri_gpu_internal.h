/*
 * fdri_gpu_internal.h - what fdri_gpu.c (queues, jobs, execution) and
 * fdri_gpu_ioctl.c (the ioctls that make jobs) share; nothing else
 * includes it. The lifetime rules are those of fdri_gpu.h.
 *
 * DOC: a job's life
 * fdri_gpu_ioctl_submit() allocates a job (gpu_job_alloc: one allocation
 * for the job, its objects and commands), takes its references while it
 * validates the input, then allocates the dependency and hazard arrays
 * at their exact sizes (gpu_job_alloc_deps), makes its fence
 * (gpu_job_make_fence) and finally commits it with gpu_job_push(), which
 * cannot fail. Before the push, gpu_job_free() undoes everything. After
 * it the queue owns the job until it completes (fdri_gpu.c).
 */
#ifndef FDRI_GPU_INTERNAL_H
#define FDRI_GPU_INTERNAL_H

#include "fakedri_drm.h"
#include "fdri_gpu.h"
#include "fdri_list.h"

struct fdri_gpu_job;

struct fdri_gpu_queue {
	struct fdri_gpu *gpu;
	unsigned int index;
	uint64_t context;              /* the queue's fence timeline */
	uint64_t seqno;                /* the last job's */
	struct fdri_list jobs;         /* not completed, in submission order */
	struct fdri_gpu_job *running;  /* the head, once started; else NULL */
	struct fdri_timer timer;       /* @running's completion */
};

/* A context (fdri_gpu_ioctl.c): refcounted, see fdri_gpu.h. */
struct gpu_ctx {
	unsigned int refcount;         /* the file's idr's and each job's */
	int32_t priority;
	uint64_t uid;                  /* unique on the device, for hazard checks */
	uint64_t resets_at_create;     /* gpu->resets.resets when it was made */
	bool banned;                   /* one of its jobs timed out */
	uint32_t guilty;               /* its jobs that timed out */
	uint32_t pending;              /* its jobs queued on a queue when it reset */
};

struct fdri_gpu {
	struct fdri_device *dev;
	struct fdri_gpu_config cfg;
	uint64_t prng;                 /* jitter state (splitmix64) */
	uint64_t next_ctx_uid;
	const struct fdri_gpu_events *ev;
	void *ev_priv;
	bool dying;                    /* fdri_gpu_destroy() runs: start nothing */
	bool unplugged;                /* fdri_gpu_unplug() ran: start nothing */
	uint64_t timeout_ns;           /* the job timeout in effect */
	struct fdri_gpu_reset_counts resets;
	unsigned int nqueues;
	struct fdri_gpu_queue queues[];
};

/* One object of a job: holds a reference on @obj and, if it was exported
 * at submit, on its dma-buf, so that the daemon keeps knowing the dma-buf
 * (and an import of it finds @obj and its fences) while the job is pending
 * even if every handle goes, as a client's dma-buf fd keeps it in the
 * kernel. */
struct gpu_job_bo {
	struct fdri_gem *obj;
	struct fdri_dmabuf *dmabuf;
	uint32_t handle;
	uint32_t flags;                /* FAKEDRI_SUBMIT_BO_* */
};

/* A dependency: holds a reference on @fence, and a callback on it while
 * @pending. */
struct gpu_dep {
	struct fdri_fence_cb cb;
	struct fdri_fence *fence;
	struct fdri_gpu_job *job;
	bool pending;
};

/* A conflicting access seen at submit (NO_IMPLICIT): holds a reference on
 * @fence until the job starts. */
struct gpu_hazard {
	struct fdri_fence *fence;
	uint32_t bo;                   /* index into the job's objects */
	bool other_writes;
};

/* A syncobj entry of SUBMIT, only during the ioctl: holds a reference on
 * @syncobj and on @wait (the fence to wait for, NULL if none). */
struct gpu_sync {
	struct fdri_syncobj *syncobj;
	struct fdri_fence *wait;
	uint64_t point;
	uint32_t flags;
};

struct fdri_gpu_job {
	struct fdri_gpu_job_info info;
	struct fdri_gpu_queue *queue;
	struct fdri_list link;         /* in queue->jobs */
	struct fdri_gpu_fence *fence;  /* holds a reference */
	uint64_t ctx_uid;
	struct gpu_ctx *ctx;           /* holds a reference (the reset state) */
	int fail;                      /* set at start (hazard, ban): complete with it at once, run nothing */
	int fence_error;               /* injected (fence-error=): complete after the duration with it */
	uint64_t delay_ns;             /* injected (delay=): added to the duration */
	bool times_out;                /* started with hang or duration > timeout: resets at the timeout */
	bool poisoned;                 /* its destination ranges hold FAKEDRI_POISON */
	struct gpu_job_bo *bos;
	struct drm_fakedri_submit_cmd *cmds;
	struct gpu_sync *syncs;
	unsigned int nsyncs;
	struct gpu_dep *deps;          /* with @haz: one allocation */
	unsigned int ndeps, deps_cap;
	struct gpu_hazard *haz;
	unsigned int nhaz, haz_cap;
};

/* Takes a reference on @ctx; returns it. */
struct gpu_ctx *gpu_ctx_get(struct gpu_ctx *ctx);
/* Drops one; frees the context with the last. NULL is fine. */
void gpu_ctx_put(struct gpu_ctx *ctx);

/* dev->gpu, made with the default configuration on first use; NULL
 * without memory. */
struct fdri_gpu *gpu_get(struct fdri_device *dev);
struct fdri_gpu_job *gpu_job_alloc(struct fdri_gpu_queue *q, unsigned int nbos,
				   unsigned int ncmds, unsigned int nsyncs);
int gpu_job_alloc_deps(struct fdri_gpu_job *job, unsigned int ndeps, unsigned int nhaz);
/* Takes a reference on @fence (not signalled) as a dependency. */
void gpu_job_add_dep(struct fdri_gpu_job *job, struct fdri_fence *fence);
void gpu_job_add_hazard(struct fdri_gpu_job *job, struct fdri_fence *fence, uint32_t bo,
			bool other_writes);
/* The job's fence, seqno = the queue's next; 0 or -ENOMEM. */
int gpu_job_make_fence(struct fdri_gpu_job *job);
/* Poisons the job's destinations now if poisoning is on and none of
 * them has an access pending; else job_start() will. Before the job's
 * own fence is added anywhere. */
void gpu_job_poison_if_idle(struct fdri_gpu_job *job);
/* Frees a job that was never pushed. */
void gpu_job_free(struct fdri_gpu_job *job);
/* Commits: the queue takes the job, dependencies are waited for. */
void gpu_job_push(struct fdri_gpu_job *job);
/* The CPU mapping of @obj's memory in *@map: creating the backing if
 * @create, else NULL for a native object without backing (it reads as
 * zeros; an import always has memory: the dma-buf's).
 * 0 or -errno (-ENODEV: the host cannot map). The mapping is obj->map,
 * kept until the object is freed. */
int gpu_bo_map(struct fdri_gem *obj, bool create, unsigned char **map);

#endif
