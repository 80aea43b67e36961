/*
 * fdri_trace.h - a picture of the GPU timeline: the daemon's jobs, fences
 * and waits written as Chrome trace-event JSON (the JSON array format),
 * which the Perfetto UI and chrome://tracing open.
 *
 * Tracks: a process per device ("GPU <i> (<name>)") with a thread per
 * queue ("ring queue<N>"): a slice per job from its start to its
 * completion, and the fence's signal at its end. Client processes and
 * threads keep their real pid and tid: a slice per SUBMIT and per ioctl
 * that waited in the daemon. A flow joins each job's submit, run and
 * signal. Event and field names are the kernel's (drm_sched_job_queue,
 * drm_sched_job_run, dma_fence_signaled; fence as context:seqno, ring,
 * client_id), so the trace reads like a kernel GPU trace.
 *
 * Owns the output file. A trace is written as events happen and closed
 * (the array terminated) by fdri_trace_close(); a daemon that dies leaves
 * a file without its closing bracket, which both viewers still load.
 */
#ifndef FDRI_TRACE_H
#define FDRI_TRACE_H

#include <stdint.h>
#include <sys/types.h>

#include "fdri_core.h"

struct fdri_trace;

/* Creates @path (truncating it); times are counted from @t0_ns
 * (CLOCK_MONOTONIC). NULL with errno set on failure. */
struct fdri_trace *fdri_trace_open(const char *path, int64_t t0_ns);
/* Terminates the JSON and closes the file; 0 or -errno (a write error). */
int fdri_trace_close(struct fdri_trace *t);

/* Names device @index's tracks: the device and its @nqueues queues. */
void fdri_trace_add_device(struct fdri_trace *t, unsigned int index, const char *name,
			   unsigned int nqueues);

/* The GPU's events (struct fdri_gpu_events, fdri_gpu.h), which the daemon
 * forwards from device @index. */
struct fdri_gpu_job_info;
struct fdri_gpu_hazard_info;
void fdri_trace_job_submitted(struct fdri_trace *t, unsigned int index,
			      const struct fdri_gpu_job_info *job);
void fdri_trace_job_done(struct fdri_trace *t, unsigned int index,
			 const struct fdri_gpu_job_info *job);
void fdri_trace_hazard(struct fdri_trace *t, unsigned int index,
		       const struct fdri_gpu_hazard_info *hz);

/* A client thread's ioctl @what waited in the daemon from @start_ns to
 * @end_ns and returned @ret. */
void fdri_trace_wait(struct fdri_trace *t, pid_t pid, pid_t tid, const char *what,
		     int64_t start_ns, int64_t end_ns, int ret);

#endif
