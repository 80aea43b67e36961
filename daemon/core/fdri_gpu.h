/*
 * fdri_gpu.h - the simulated GPU of the "fakedri" personality (issue 8):
 * queues (engines), per-file contexts, and jobs that wait for their
 * dependencies, take simulated time on a queue, execute a command buffer
 * against their buffer objects' memory when they complete, and signal a
 * fence. docs/gpu.md describes the model; uapi/fakedri_drm.h the ABI
 * (GET_PARAM, CTX_CREATE/DESTROY, SUBMIT, GEM_WAIT).
 *
 * Owns: struct fdri_gpu (dev->gpu: the queues, the configuration, the
 * jitter PRNG, the event hooks), struct fdri_gpu_queue, struct
 * fdri_gpu_job and the per-file context table (file->driver_priv).
 *
 * DOC: lifetime and references
 * - dev->gpu is made on first use (or by fdri_gpu_configure()) and freed
 *   by fdri_gpu_destroy() when the device is destroyed; jobs still queued
 *   then are cancelled: their fences signal with -ESRCH, as
 *   drm_sched_entity_kill_jobs() does, and their commands do not run.
 * - A context is refcounted: its file's context idr holds one reference
 *   (dropped by CTX_DESTROY and the file's postclose) and each of its
 *   jobs one, for its reset state (banned, guilty and pending counts),
 *   as amdgpu's jobs reach their context's guilty flag. Jobs copy
 *   everything else they need (id, priority), so they outlive their
 *   context's id and their file, as drm_sched jobs do.
 * - A job that runs longer than the timeout resets its queue (docs/gpu.md
 *   "Hang and reset"): it completes with -ETIME, its context is banned,
 *   and the banned context's jobs that have not started yet complete
 *   with -ECANCELED when their turn comes, without running.
 * - fdri_gpu_unplug() completes every job at once with -ENODEV; no job
 *   starts after it.
 * - A job exists from a successful SUBMIT until it completes. It holds a
 *   reference on each of its GEM objects (fdri_gem_get) and on the
 *   dma-buf of each that was exported (so a later import still finds the
 *   object and its fences after the exporter closed its handles), on each
 *   dependency fence (with a callback on it while it is pending), on the
 *   fences it snapshot for hazard checking (until it starts) and on its
 *   own fence; all are dropped when the job completes, after its fence
 *   signalled. Its own fence (struct fdri_gpu_fence) is refcounted on its
 *   own and may outlive the job and the device: it keeps copies of the
 *   names it reports.
 * - A queue runs one job at a time, with one host timer (its own, armed
 *   for the running job's completion); no host state per job.
 * - Each object's CPU mapping (obj->map, made with host->backing_map when
 *   a job first accesses the object's memory) lives until the object is
 *   freed (fdri_gem.c unmaps it).
 */
#ifndef FDRI_GPU_H
#define FDRI_GPU_H

#include <stdbool.h>
#include <stdint.h>

#include "fdri_core.h"
#include "fdri_fence.h"
#include "fdri_ioctl.h"

#define FDRI_GPU_MAX_QUEUES 16
#define FDRI_GPU_DEFAULT_QUEUES 2
/* drm_sched's timeout as amdgpu sets it for compute/gfx rings: 2 s */
#define FDRI_GPU_DEFAULT_JOB_TIMEOUT_NS 2000000000ull

/* What a job does when it started with a hazard (uapi FAKEDRI_HAZARDS_*). */
enum fdri_hazard_mode {
	FDRI_HAZARDS_OFF = 0,    /* not looked for */
	FDRI_HAZARDS_LOG = 1,    /* counted and reported through the hook; the job runs */
	FDRI_HAZARDS_ERROR = 2,  /* also fails the job: fence error -EIO, commands not run */
};

/* The GPU's configuration (fdri_gpu_configure()). */
struct fdri_gpu_config {
	unsigned int queues;              /* 1..FDRI_GPU_MAX_QUEUES; 0: the default, 2 */
	bool poison;                      /* fill written ranges with FAKEDRI_POISON while a job runs */
	enum fdri_hazard_mode hazards;    /* default FDRI_HAZARDS_LOG */
	bool jitter;                      /* vary each duration 0.5x..1.5x */
	uint64_t jitter_seed;             /* the PRNG's seed when @jitter */
	/* drm_sched's timeout: a job still running this long after it
	 * started (a hung job, or one whose duration is longer) resets its
	 * queue (docs/gpu.md "Hang and reset"); 0: the default, 2 s */
	uint64_t job_timeout_ns;
};

enum fdri_gpu_job_state {
	FDRI_GPU_JOB_WAITING,   /* queued; dependencies pending or an earlier job runs */
	FDRI_GPU_JOB_RUNNING,   /* started: completes at start_ns + duration_ns */
	FDRI_GPU_JOB_DONE,      /* completed (only seen by the job_done hook) */
};

/*
 * What the hooks and the job walk see of a job: a const view, valid only
 * during the call (it is part of the job, freed when the job completes).
 */
struct fdri_gpu_job_info {
	unsigned int queue;
	uint64_t file_id;              /* the submitting file's id (it may be closed) */
	pid_t pid, tid;                /* the submitting process and thread */
	uint32_t ctx_id;               /* the context's id in that file */
	int32_t priority;
	uint64_t fence_context;        /* the queue's timeline */
	uint64_t seqno;                /* the job's fence's seqno on it */
	uint32_t flags;                /* the SUBMIT flags */
	uint64_t requested_ns;         /* duration as submitted */
	uint64_t duration_ns;          /* with jitter applied */
	int64_t submit_ns, start_ns, end_ns;  /* CLOCK_MONOTONIC; 0 until it happened */
	enum fdri_gpu_job_state state;
	unsigned int nbos, ncmds;
	unsigned int deps_pending;     /* dependency fences not signalled yet */
	bool hang;                     /* a `hang` fault: it never completes by itself */
	/* the fence's error at DONE: 0, -EIO (hazard), -ESRCH (device gone),
	 * -ETIME (it timed out: guilty of a reset), -ECANCELED (its context
	 * was banned), -ENODEV (unplug), or an injected fence error */
	int error;
};

/* A device's reset counters (fdri_gpu_reset_counts()). */
struct fdri_gpu_reset_counts {
	uint64_t resets;               /* queue resets (job timeouts) */
	uint64_t guilty;               /* jobs that timed out (one per reset) */
	uint64_t pending;              /* other jobs queued on a queue when it reset */
	uint64_t cancelled;            /* jobs of banned contexts cancelled (-ECANCELED) */
	uint64_t banned;               /* contexts banned */
};

/* One hazard (see docs/gpu.md): @job skipped implicit sync and started
 * while the fence of another context's access to @bo_id was pending. */
struct fdri_gpu_hazard_info {
	const struct fdri_gpu_job_info *job;
	uint64_t bo_id;                /* the object's device-wide id (GEM_INFO.id) */
	uint32_t bo_handle;            /* its handle in the submitting file */
	bool job_writes;               /* @job writes the object (else reads it) */
	bool other_writes;             /* the conflicting access is a write */
	uint64_t other_context;        /* the conflicting fence */
	uint64_t other_seqno;
	/* if the conflicting fence is another job's, which */
	bool other_is_job;
	unsigned int other_queue;
	uint64_t other_file_id;
	uint32_t other_ctx_id;
};

/* Optional hooks of the device's GPU (the daemon's trace, debugfs): each
 * member may be NULL. They run on the loop, must not submit or free jobs,
 * and get borrowed views. */
struct fdri_gpu_events {
	void (*job_submitted)(void *priv, const struct fdri_gpu_job_info *job);
	void (*job_started)(void *priv, const struct fdri_gpu_job_info *job);
	void (*job_done)(void *priv, const struct fdri_gpu_job_info *job);
	void (*hazard)(void *priv, const struct fdri_gpu_hazard_info *hazard);
	/* @guilty timed out: its queue resets (called before its fence
	 * signals with -ETIME and job_done reports it) */
	void (*reset)(void *priv, const struct fdri_gpu_job_info *guilty);
};

/* A job's fence: names for SYNC_IOC_FILE_INFO ("fakedri", "queue<N>") and
 * who made it, for hazard reports. Refcounted as any fence. */
struct fdri_gpu_fence {
	struct fdri_fence base;
	unsigned int queue;
	uint64_t file_id;
	uint32_t ctx_id;
	uint64_t ctx_uid;              /* device-unique context identity */
	char timeline[16];
};

/**
 * fdri_gpu_configure() - set the GPU of @dev up with @cfg
 * @dev: the device (any personality; only "fakedri" has the ioctls)
 * @cfg: the configuration, copied
 *
 * Before any file opens: -EBUSY once a file is open or a job exists,
 * -EINVAL for more than FDRI_GPU_MAX_QUEUES queues or an unknown hazard
 * mode, -ENOMEM. 0 on success.
 */
int fdri_gpu_configure(struct fdri_device *dev, const struct fdri_gpu_config *cfg);

/**
 * fdri_gpu_get_config() - the configuration in effect (the defaults if the
 * GPU was never configured) into *@cfg.
 */
void fdri_gpu_get_config(struct fdri_device *dev, struct fdri_gpu_config *cfg);

/**
 * fdri_gpu_set_events() - install hooks (NULL: none)
 * @ev: borrowed: must stay valid until replaced or the device is destroyed
 * @priv: passed to each hook
 *
 * Returns 0, or -ENOMEM if the GPU could not be made.
 */
int fdri_gpu_set_events(struct fdri_device *dev, const struct fdri_gpu_events *ev, void *priv);

/**
 * fdri_gpu_num_queues() - the device's queues (the configured or default
 * count; makes nothing).
 */
unsigned int fdri_gpu_num_queues(const struct fdri_device *dev);

/**
 * fdri_gpu_for_each_job() - walk the jobs not completed yet: queue by
 * queue, each in submission order (the running one first). @fn gets a
 * borrowed view valid during the call and must not submit or complete
 * jobs.
 */
void fdri_gpu_for_each_job(struct fdri_device *dev,
			   void (*fn)(const struct fdri_gpu_job_info *job, void *data), void *data);

/**
 * fdri_gpu_fence_of() - the job fence @f is, or NULL (borrowed: no
 * reference taken).
 */
struct fdri_gpu_fence *fdri_gpu_fence_of(struct fdri_fence *f);

/**
 * fdri_gpu_reset_counts() - the device's reset counters into *@out (all
 * zero if the GPU was never used).
 */
void fdri_gpu_reset_counts(const struct fdri_device *dev, struct fdri_gpu_reset_counts *out);

/* Called by fdri_device_destroy(): cancels what is left, frees dev->gpu. */
void fdri_gpu_destroy(struct fdri_device *dev);

/* The fakedri personality's open/postclose: the file's contexts. */
int fdri_gpu_file_open(struct fdri_file *file);
void fdri_gpu_file_postclose(struct fdri_file *file);

/* Ioctl handlers (the fakedri driver table, fdri_driver.c). */
int fdri_gpu_ioctl_get_param(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_gpu_ioctl_ctx_create(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_gpu_ioctl_ctx_destroy(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_gpu_ioctl_submit(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_gpu_ioctl_gem_wait(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);
int fdri_gpu_ioctl_reset_stats(struct fdri_file *, const struct fdri_caller *, void *, struct fdri_ioctl_args *);

/* fdri_device_unplug(): every job of @dev that has not completed is
 * force-signalled with -ENODEV (its commands do not run), and SUBMIT
 * fails from now on. Called once, by fdri_device_unplug(). */
void fdri_gpu_unplug(struct fdri_device *dev);

#endif
